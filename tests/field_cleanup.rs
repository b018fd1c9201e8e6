//! Cases clean up after themselves: `cleanup:` steps run after the case passes, after it fails,
//! and after Ctrl-C, with the values the case captured; a cleanup that goes wrong is a warning
//! on the case, never its verdict.

use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::{Value, json};
use wiremock::matchers::{method, path, path_regex};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn cases(get_status: u16) -> String {
    format!(
        r#"
suite: tidy
api: things
cases:
  - name: create then read
    steps:
      - name: create
        request: {{method: POST, path: /things}}
        expect: {{status: 201}}
        capture: {{id: $.id}}
      - name: read
        request: {{path: "/things/${{id}}", timeout: 10s}}
        expect: {{status: {get_status}}}
    cleanup:
      - name: delete
        request: {{method: DELETE, path: "/things/${{id}}"}}
        expect: {{status: 204}}
"#
    )
}

async fn server(delete_status: u16, get_delay_ms: u64) -> MockServer {
    let s = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/things"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"id": "t-42"})))
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("^/things/.+"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"id": "t-42"}))
                .set_delay(Duration::from_millis(get_delay_ms)),
        )
        .mount(&s)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/things/t-42"))
        .respond_with(ResponseTemplate::new(delete_status))
        .mount(&s)
        .await;
    s
}

fn files(dir: &std::path::Path, base: &str, cases_yaml: &str) {
    std::fs::write(
        dir.join("target.yaml"),
        format!("apis:\n  things:\n    base_url: \"{base}\"\n"),
    )
    .expect("writes");
    std::fs::write(dir.join("cases.yaml"), cases_yaml).expect("writes");
}

fn run(dir: &std::path::Path) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_sessconform"))
        .args(["run", "--color", "never", "--target"])
        .arg(dir.join("target.yaml"))
        .arg("--json")
        .arg(dir.join("r.json"))
        .args(["--report-exchanges", "all"])
        .arg(dir.join("cases.yaml"))
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("runs");
    let report =
        serde_json::from_slice(&std::fs::read(dir.join("r.json")).expect("report")).expect("JSON");
    (out.status.code().unwrap_or(-1), report)
}

async fn deletes(s: &MockServer) -> usize {
    s.received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.method.as_str() == "DELETE")
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cleanup_runs_after_a_pass_and_after_a_failure() {
    for (get_status, want_exit) in [(200, 0), (404, 1)] {
        let s = server(204, 0).await;
        let dir = tempfile::tempdir().expect("temp dir");
        files(dir.path(), &s.uri(), &cases(get_status));
        let d = dir.path().to_owned();
        let (code, report) = tokio::task::spawn_blocking(move || run(&d))
            .await
            .expect("joins");
        assert_eq!(code, want_exit, "{report}");
        assert_eq!(
            deletes(&s).await,
            1,
            "cleaned up (read expected {get_status})"
        );
        let names: Vec<&str> = report["cases"][0]["exchanges"]
            .as_array()
            .expect("exchanges")
            .iter()
            .filter_map(|e| e["step_name"].as_str())
            .collect();
        assert_eq!(names.last(), Some(&"cleanup: delete"), "{names:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_cleanup_is_a_warning_not_a_failure() {
    let s = server(500, 0).await;
    let dir = tempfile::tempdir().expect("temp dir");
    files(dir.path(), &s.uri(), &cases(200));
    let d = dir.path().to_owned();
    let (code, report) = tokio::task::spawn_blocking(move || run(&d))
        .await
        .expect("joins");
    assert_eq!(code, 0, "{report}");
    let case = &report["cases"][0];
    assert_eq!(case["verdict"], "pass");
    let f = &case["findings"][0];
    assert_eq!(f["level"], "warn", "{case}");
    assert!(
        f["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("cleanup delete: expected status 204, got 500")),
        "{f}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cleanup_runs_after_ctrl_c() {
    let s = server(204, 8_000).await;
    let dir = tempfile::tempdir().expect("temp dir");
    files(dir.path(), &s.uri(), &cases(200));
    let child = Command::new(env!("CARGO_BIN_EXE_sessconform"))
        .args(["run", "--color", "never", "--target"])
        .arg(dir.path().join("target.yaml"))
        .arg(dir.path().join("cases.yaml"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("starts");
    // Wait until the slow read is in flight, then interrupt.
    for _ in 0..100 {
        let got = s.received_requests().await.unwrap_or_default();
        if got.iter().any(|r| r.method.as_str() == "GET") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let pid = child.id().to_string();
    Command::new("kill")
        .args(["-INT", &pid])
        .status()
        .expect("kill");
    let out = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .expect("joins")
        .expect("waits");
    assert_eq!(out.status.code(), Some(3), "interrupted");
    assert_eq!(deletes(&s).await, 1, "the cleanup ran after Ctrl-C");
}
