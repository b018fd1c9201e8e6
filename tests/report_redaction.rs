//! Redaction holds in every output: the binary runs with secret credentials and a captured
//! secret session token against a double that echoes them back in every form, then the console
//! (stdout, stderr, GitHub annotations) and all three reports are searched for the secrets, their
//! Base64 Basic form and their URL-encoded forms.

#![cfg(feature = "server")]

mod report_support;

use std::process::Command;

use base64::Engine as _;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use report_support::*;
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// Stytch-style project id and secret. They hold characters that change under URL encoding
/// (space, `/`, `+`, `=`, `-`) but none that HTML, XML or JSON escape, so a raw search finds them.
const USERNAME: &str = "project-test-0f1e2d3c";
const PASSWORD: &str = "secret-test-Zx9/+q= w8";
/// The session token the double hands out; captured with `secret: true`.
const TOKEN: &str = "session-token-Ab3/+Cd= ef9";

/// `encodeURIComponent`: everything but `A-Z a-z 0-9 - _ . ! ~ * ' ( )`.
const URI_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'!')
    .remove(b'~')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

fn forms(secret: &str) -> Vec<(String, String)> {
    vec![
        ("raw".to_owned(), secret.to_owned()),
        (
            "percent-encoded".to_owned(),
            utf8_percent_encode(secret, NON_ALPHANUMERIC).to_string(),
        ),
        (
            "encodeURIComponent".to_owned(),
            utf8_percent_encode(secret, URI_COMPONENT).to_string(),
        ),
        (
            "form-urlencoded".to_owned(),
            url::form_urlencoded::byte_serialize(secret.as_bytes()).collect(),
        ),
        (
            "base64".to_owned(),
            base64::engine::general_purpose::STANDARD.encode(secret),
        ),
    ]
}

fn basic() -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{USERNAME}:{PASSWORD}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn no_secret_in_console_or_any_report() {
    let server = MockServer::start().await;
    let echo = format!(
        "you sent Basic {} for {USERNAME}:{PASSWORD}; token {TOKEN} = {} = {} = {}",
        basic(),
        utf8_percent_encode(TOKEN, URI_COMPONENT),
        url::form_urlencoded::byte_serialize(TOKEN.as_bytes()).collect::<String>(),
        utf8_percent_encode(PASSWORD, URI_COMPONENT),
    );
    Mock::given(method("POST"))
        .and(path("/v1/sessions/authenticate"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "status_code": 200,
            "request_id": "request-id-test-1",
            "session_token": TOKEN,
            "echo": echo,
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/sessions"))
        .respond_with(
            ResponseTemplate::new(500)
                .insert_header("x-echo", echo.replace(['/', '='], "_").as_str())
                .set_body_json(json!({"status_code": 500, "echo": echo, "token": TOKEN})),
        )
        .mount(&server)
        .await;

    let dir = tempfile::tempdir().unwrap();
    let target = write(
        dir.path(),
        "target.yaml",
        &format!(
            "name: redaction double\napis:\n  demo:\n    base_url: {}\n    auth: {{basic: {{username: \"{USERNAME}\", password: \"${{env.SC_REDACTION_SECRET}}\"}}}}\n",
            server.uri()
        ),
    );
    let reports = dir.path().join("reports");
    let out = Command::new(env!("CARGO_BIN_EXE_sessconform"))
        .arg("run")
        .arg(repo_root().join("tests/fixtures/report/redaction.yaml"))
        .arg("--target")
        .arg(&target)
        .args(["--color", "always", "--format", "github"])
        .arg("--reports")
        .arg(&reports)
        .env("SC_REDACTION_SECRET", PASSWORD)
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();

    // The secrets really were in play: sent by the tool and echoed by the double.
    let received = server.received_requests().await.unwrap();
    let auth_sent = received.iter().any(|r| {
        r.headers
            .get("authorization")
            .is_some_and(|v| v.to_str().unwrap_or("") == format!("Basic {}", basic()))
    });
    assert!(auth_sent, "the Basic credentials were not sent");
    let token_sent = received.iter().any(|r| {
        r.url.path() == "/v1/sessions"
            && r.headers
                .get("x-session-token")
                .is_some_and(|v| v.to_str().unwrap_or("") == TOKEN)
    });
    assert!(
        token_sent,
        "the captured token was not used in the later request:\n{stdout}"
    );
    assert_eq!(out.status.code(), Some(1), "{stdout}\n{stderr}");

    let mut outputs = vec![
        ("stdout".to_owned(), stdout.clone()),
        ("stderr".to_owned(), stderr),
    ];
    for name in ["junit.xml", "report.json", "index.html"] {
        let text = std::fs::read_to_string(reports.join(name))
            .unwrap_or_else(|e| panic!("{name} was not written: {e}"));
        outputs.push((name.to_owned(), text));
    }
    // The outputs did capture the exchanges (a report without them would trivially pass).
    let json = &outputs[3].1;
    assert!(
        json.contains("/v1/sessions/authenticate") && json.contains("x-echo"),
        "{json}"
    );
    assert!(
        stdout.contains("::error "),
        "annotations were printed: {stdout}"
    );

    let mut needles = vec![("Basic credentials (Base64)".to_owned(), basic())];
    for (what, secret) in [
        ("password", PASSWORD),
        ("username", USERNAME),
        ("token", TOKEN),
    ] {
        for (form, needle) in forms(secret) {
            needles.push((format!("{what} ({form})"), needle));
        }
    }
    let mut leaks = Vec::new();
    for (where_, text) in &outputs {
        for (what, needle) in &needles {
            if text.contains(needle.as_str()) {
                leaks.push(format!("{what} `{needle}` in {where_}"));
            }
        }
    }
    assert!(leaks.is_empty(), "secrets leaked:\n{}", leaks.join("\n"));
}
