//! Secrets never leak, in any form: a server echoes back everything it receives (headers, query,
//! body) in its JSON body; a failing case sends a bearer key, a Basic password in the base URL,
//! a secret var, and string, number and object captures marked secret. Every output — stdout,
//! stderr, the JUnit, JSON and HTML reports — is searched for each secret, its encoded forms
//! and every 8-character piece of it: none may appear.

use std::process::Command;

use base64::Engine as _;
use serde_json::{Value, json};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate, matchers::any};

const BEARER: &str = "Tok\"\\<>&'%+/=é-bearer-9x";
const PASSWORD: &str = "pw\"\\<>&'%+/=-basic-77";
const VAR: &str = "var\"\\<>&'%+/=-secret-var-3";
const CAPTURED: &str = "captured-token-Zq81x7Lk";
const PIN: u64 = 48_213_579_164;
const OBJ: &str = "object-member-Vh3kP9qW";

struct Echo;

impl Respond for Echo {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        if req.url.path() == "/v1/secrets" {
            return ResponseTemplate::new(200).set_body_json(json!({
                "tok": CAPTURED, "pin": PIN, "obj": {"k": OBJ, "n": 7}
            }));
        }
        let headers: serde_json::Map<String, Value> = req
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    json!(String::from_utf8_lossy(v.as_bytes())),
                )
            })
            .collect();
        ResponseTemplate::new(200)
            .set_body_json(json!({
                "echo": {
                    "url": req.url.to_string(),
                    "headers": headers,
                    "body": String::from_utf8_lossy(&req.body),
                },
                "html": format!("<p>{}</p>", BEARER.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")),
            }))
            .insert_header("x-echo-auth", req.headers.get("authorization").map(|v| v.to_str().unwrap_or_default()).unwrap_or_default())
            .insert_header("location", format!("/next?pin={PIN}&tok={CAPTURED}"))
    }
}

const CASES: &str = r#"
suite: leaks
api: echo
vars:
  key: {secret: true}
cases:
  - name: echo everything back
    steps:
      - name: get secrets
        request: {path: /v1/secrets}
        capture:
          tok: {path: $.tok, secret: true}
          pin: {path: $.pin, secret: true}
          obj: {path: $.obj, secret: true}
      - name: echo
        request:
          method: POST
          path: /v1/echo
          query: {tok: "${tok}", key: "${vars.key}"}
          headers: {X-Pin: "${pin}"}
          json: {tok: "${tok}", pin: "${pin}", obj: "${obj}", key: "${vars.key}"}
        expect:
          status: 201
          assert:
            - {path: $.echo, equals: {nothing: here}}
            - {path: $.echo.body, equals: "not this"}
            - {path: $.html, equals: "nor this"}
"#;

/// Every way a secret could show up, and every 8-character piece of it.
fn needles(secret: &str) -> Vec<String> {
    let mut out = vec![
        secret.to_owned(),
        serde_json::to_string(secret).unwrap_or_default(),
        base64::engine::general_purpose::STANDARD.encode(secret),
    ];
    let chars: Vec<char> = secret.chars().collect();
    for w in chars.windows(8) {
        let piece: String = w.iter().collect();
        // Pieces made only of escaping characters say nothing about the secret.
        if piece.chars().filter(char::is_ascii_alphanumeric).count() >= 4 {
            out.push(piece);
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_output_holds_any_form_of_any_secret() {
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(Echo).mount(&server).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let cases = dir.path().join("cases.yaml");
    std::fs::write(&cases, CASES).expect("writes");
    let base = server.uri().replace(
        "http://",
        &format!(
            "http://admin:{}@",
            percent_encoding::utf8_percent_encode(PASSWORD, percent_encoding::NON_ALPHANUMERIC)
        ),
    );
    let target = dir.path().join("target.yaml");
    std::fs::write(
        &target,
        format!(
            "apis:\n  echo:\n    base_url: {}\n    auth: {{bearer: {}}}\n    vars:\n      key: {}\n",
            serde_json::to_string(&base).unwrap_or_default(),
            serde_json::to_string(BEARER).unwrap_or_default(),
            serde_json::to_string(VAR).unwrap_or_default(),
        ),
    )
    .expect("writes");
    let reports = dir.path().join("reports");
    let (dir_path, reports2) = (dir.path().to_owned(), reports.clone());
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_sessconform"))
            .args(["run", "--color", "never", "--format", "github", "--target"])
            .arg(dir_path.join("target.yaml"))
            .arg("--reports")
            .arg(&reports2)
            .args(["--report-exchanges", "all"])
            .arg(dir_path.join("cases.yaml"))
            .env_remove("GITHUB_WORKSPACE")
            .output()
            .expect("runs")
    })
    .await
    .expect("joins");
    assert_eq!(out.status.code(), Some(1), "the case fails");
    let mut outputs = vec![
        ("stdout", String::from_utf8_lossy(&out.stdout).into_owned()),
        ("stderr", String::from_utf8_lossy(&out.stderr).into_owned()),
    ];
    for f in ["junit.xml", "report.json", "index.html"] {
        outputs.push((f, std::fs::read_to_string(reports.join(f)).expect("report")));
    }
    // The echo really carried the secrets (the test would be empty otherwise).
    let received = server.received_requests().await.unwrap_or_default();
    let echoed = String::from_utf8_lossy(&received[1].body).into_owned();
    assert!(echoed.contains(CAPTURED) && echoed.contains(&PIN.to_string()));
    let secrets = [
        BEARER.to_owned(),
        PASSWORD.to_owned(),
        VAR.to_owned(),
        CAPTURED.to_owned(),
        PIN.to_string(),
        OBJ.to_owned(),
    ];
    let mut leaks = Vec::new();
    for secret in &secrets {
        for n in needles(secret) {
            for (name, text) in &outputs {
                if let Some(at) = text.find(&n) {
                    let from = text[..at]
                        .char_indices()
                        .rev()
                        .nth(40)
                        .map_or(0, |(i, _)| i);
                    let to = text[at..]
                        .char_indices()
                        .nth(60)
                        .map_or(text.len(), |(i, _)| at + i);
                    leaks.push(format!(
                        "{name}: `{n}` (of `{secret}`) in …{}…",
                        &text[from..to]
                    ));
                }
            }
        }
    }
    assert!(leaks.is_empty(), "leaks:\n{}", leaks.join("\n"));
    assert!(outputs[0].1.contains("***"), "redacted, not dropped");
}
