//! The binary under hostile conditions (issue 15): SIGTERM and SIGHUP write the reports like
//! Ctrl-C, a closed pipe ends `list` quietly, `validate` caps its input and bounds its output.

#![cfg(all(unix, feature = "server"))]

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sessconform"));
    c.env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_WORKSPACE");
    c
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn write(dir: &Path, name: &str, body: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

const SLOW: &str = "suite: slow\napi: demo\ncases:\n  - name: one\n    request: {path: /v1/slow}\n    expect: {status: 200}\n  - name: two\n    request: {path: /v1/slow}\n    expect: {status: 200}\n";

async fn interrupted_by(signal: &str) {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let cases = write(dir.path(), "slow.yaml", SLOW);
    let reports = dir.path().join("reports");
    let child = bin()
        .arg("run")
        .arg(&cases)
        .args([
            "--base-url",
            &server.uri(),
            "--jobs",
            "1",
            "--timeout",
            "60s",
        ])
        .args(["--color", "never", "--reports"])
        .arg(&reports)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while server
        .received_requests()
        .await
        .unwrap_or_default()
        .is_empty()
    {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no request arrived"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let sent = Command::new("kill")
        .args([&format!("-{signal}"), &child.id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    let out: Output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "did not stop promptly"
    );
    assert_eq!(
        out.status.code(),
        Some(3),
        "{signal}: {}",
        text(&out.stderr)
    );
    assert!(
        text(&out.stderr).contains(&format!("interrupted (SIG{signal})")),
        "{}",
        text(&out.stderr)
    );
    let doc: Value =
        serde_json::from_str(&std::fs::read_to_string(reports.join("report.json")).unwrap())
            .unwrap();
    assert_eq!(doc["run"]["interrupted"], true);
    assert_eq!(doc["summary"]["total"], 2, "every planned case is reported");
    assert!(reports.join("junit.xml").exists() && reports.join("index.html").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_writes_reports_marked_interrupted_and_exits_3() {
    interrupted_by("TERM").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sighup_writes_reports_marked_interrupted_and_exits_3() {
    interrupted_by("HUP").await;
}

#[test]
fn a_closed_stdout_ends_list_quietly() {
    let mut child = bin()
        .arg("list")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The reader goes away before `list` has loaded the suites and printed a line.
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(text(&out.stderr), "", "no panic message");
}

#[test]
fn validate_refuses_a_file_over_the_cap_without_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.json");
    let mut f = std::fs::File::create(&big).unwrap();
    f.write_all(b"[").unwrap();
    f.write_all(&b"0,".repeat(600_000)).unwrap();
    f.write_all(b"0]").unwrap();
    let out = bin()
        .args([
            "validate",
            "--schema",
            "stytch/sessions-get-response",
            "--body-cap",
            "1MiB",
        ])
        .arg(&big)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("is larger than --body-cap (1048576 bytes)"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn validate_prints_the_first_violations_and_counts_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let mut body = String::from(r#"{"request_id":"r","status_code":200,"sessions":["#);
    body.push_str(&vec!["{}"; 300_000].join(","));
    body.push_str("]}");
    let file = write(dir.path(), "m.json", &body);
    let start = Instant::now();
    let out = bin()
        .args(["validate", "--schema", "stytch/sessions-get-response"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("violations"), "{stdout}");
    assert!(stdout.contains(": at least "), "{stdout}");
    assert!(stdout.contains("checking stopped after"), "{stdout}");
    assert!(
        stdout.lines().count() < 60,
        "{} lines",
        stdout.lines().count()
    );
}
