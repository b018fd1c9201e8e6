//! The example crate under `examples/contract-example` (a workspace member, so `cargo test`
//! builds it with our dependencies) passes against the embedded reference server and fails, with
//! a readable message, against a wiremock double that breaks the contract.

#![cfg(feature = "server")]

use std::process::{Command, Output};

use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn run_example(envs: &[(&str, &str)]) -> Output {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut cmd = Command::new(cargo);
    cmd.args(["test", "-q", "-p", "contract-example", "--test", "contract"])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("SESSCONFORM_TARGET")
        .env_remove("SESSCONFORM_BASE_URL");
    for (k, v) in envs {
        cmd.env(k, v);
    }
    cmd.output().expect("run cargo")
}

#[tokio::test(flavor = "multi_thread")]
async fn example_crate_passes_then_fails_against_a_broken_double() {
    let ok = run_example(&[]);
    let out = String::from_utf8_lossy(&ok.stdout);
    assert!(
        ok.status.success(),
        "example should pass against the reference server:\n{out}\n{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(out.contains("2 passed"), "{out}");

    // A double that lists another user's session and answers 200 for unknown users.
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/sessions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "request_id": "request-id-test-0",
            "status_code": 200,
            "sessions": [{
                "session_id": "session-test-1",
                "user_id": "user-test-someone-else",
                "authentication_factors": [],
                "roles": [],
                "started_at": "2024-01-01T00:00:00Z",
                "last_accessed_at": "2024-01-01T00:00:00Z",
                "expires_at": "2099-01-01T00:00:00Z"
            }]
        })))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("broken.yaml");
    std::fs::write(&target, format!("name: broken double\napis:\n  stytch:\n    base_url: {}\n    vars: {{user_id: user-test-mine}}\n", server.uri())).unwrap();
    let broken = run_example(&[("SESSCONFORM_TARGET", target.to_str().unwrap())]);
    let out = String::from_utf8_lossy(&broken.stdout);
    assert!(
        !broken.status.success(),
        "example must fail against the broken double:\n{out}"
    );
    assert!(
        out.contains("2 failed") || out.contains("1 failed"),
        "{out}"
    );
    assert!(
        out.contains("expected status 404, got 200"),
        "readable failure message:\n{out}"
    );
    assert!(
        out.contains("curl -sS -i"),
        "failure carries a reproducer:\n{out}"
    );
}
