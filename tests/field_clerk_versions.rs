//! Clerk checks follow the API version the target declares: the same case validates a
//! `Clerk-API-Version: 2021-02-05` client's responses against the 2021-02-05 schemas, so a
//! 2025-only value (`status: pending`) sent to an old-version client is a finding, and the same
//! body is fine for a 2025-04-10 client.

use std::process::Command;

use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const CASES: &str = r#"
suite: versions
api: clerk
cases:
  - name: list
    request: {path: /sessions, query: {user_id: user_1}}
    expect:
      status: 200
      schema: "clerk/{api_version}/session-list"
"#;

fn session(status: &str) -> serde_json::Value {
    json!({
        "object": "session", "id": "sess_1", "user_id": "user_1", "client_id": "client_1",
        "status": status, "last_active_at": 1_700_000_000_000_u64, "expire_at": 1_700_000_600_000_u64,
        "abandon_at": 1_700_000_900_000_u64, "updated_at": 1_700_000_000_000_u64,
        "created_at": 1_700_000_000_000_u64, "last_active_organization_id": null,
        "actor": null, "latest_activity": null, "tasks": null
    })
}

fn run(dir: &std::path::Path, base: &str, version: &str) -> (i32, String) {
    let target = dir.join(format!("target-{version}.yaml"));
    std::fs::write(
        &target,
        format!(
            "apis:\n  clerk:\n    base_url: \"{base}/v1\"\n    auth: {{bearer: sk_test_x}}\n    headers: {{Clerk-API-Version: \"{version}\"}}\n"
        ),
    )
    .expect("writes the target");
    let out = Command::new(env!("CARGO_BIN_EXE_sessconform"))
        .args(["run", "--color", "never", "--target"])
        .arg(&target)
        .arg(dir.join("cases.yaml"))
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_schema_family_follows_the_declared_api_version() {
    let server = MockServer::start().await;
    // A server that sends the 2025-04-10 shape (a `pending` session) to every client.
    Mock::given(method("GET"))
        .and(path("/v1/sessions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!([session("pending")])))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("cases.yaml"), CASES).expect("writes the cases");
    let (base, path) = (server.uri(), dir.path().to_owned());
    let (old, new) = tokio::task::spawn_blocking(move || {
        (
            run(&path, &base, "2021-02-05"),
            run(&path, &base, "2025-04-10"),
        )
    })
    .await
    .expect("joins");
    assert_eq!(old.0, 1, "an old-version client got `pending`:\n{}", old.1);
    assert!(old.1.contains("clerk/2021-02-05/session-list"), "{}", old.1);
    assert!(old.1.contains("pending"), "{}", old.1);
    assert_eq!(
        new.0, 0,
        "a 2025-04-10 client may get `pending`:\n{}",
        new.1
    );
    // Both requests declared their version.
    let requests = server.received_requests().await.unwrap_or_default();
    assert_eq!(requests.len(), 2);
}
