//! The binary against wiremock doubles: a conformant server and broken ones. Asserts verdicts,
//! exit codes and rendered output.

#![cfg(feature = "server")]

use std::io::Write as _;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cli")
}

fn run(base: &str, extra: &[&str]) -> Output {
    let f = fixtures();
    Command::new(env!("CARGO_BIN_EXE_sessconform"))
        .arg("run")
        .arg(f.join("sessions.yaml"))
        .arg("--specs")
        .arg(f.join("specs"))
        .arg("--base-url")
        .arg(base)
        .args(["--color", "never"])
        .args(extra)
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("run the binary")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn good_body() -> Value {
    json!({
        "request_id": "request-id-test-1",
        "status_code": 200,
        "sessions": [
            {"session_id": "s1", "user_id": "user-test-1", "expires_at": "2030-01-01T00:00:00Z"},
            {"session_id": "s2", "user_id": "user-test-1", "expires_at": "2030-01-01T00:00:00.123456789Z"}
        ]
    })
}

async fn server_with(resp: ResponseTemplate) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/sessions"))
        .respond_with(resp)
        .mount(&server)
        .await;
    server
}

#[tokio::test(flavor = "multi_thread")]
async fn conformant_server_passes_with_exit_0() {
    let s = server_with(ResponseTemplate::new(200).set_body_json(good_body())).await;
    let o = run(&s.uri(), &[]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("PASS  cli::list sessions"), "{out}");
    assert!(out.contains("1 passed, 0 failed"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn wrong_status_fails_with_location_and_curl() {
    let s = server_with(ResponseTemplate::new(500).set_body_json(good_body())).await;
    let o = run(&s.uri(), &[]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("FAIL  cli::list sessions"), "{out}");
    assert!(out.contains("expected status 200, got 500"), "{out}");
    assert!(
        out.contains("sessions.yaml:11:"),
        "status finding points at its YAML line: {out}"
    );
    assert!(out.contains("curl -sS -i"), "{out}");
    assert!(out.contains("0 passed, 1 failed"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn schema_violation_names_the_instance_path() {
    let mut body = good_body();
    body["sessions"][1]["expires_at"] = json!("yesterday");
    body["sessions"][0]["user_id"] = json!(7);
    let s = server_with(ResponseTemplate::new(200).set_body_json(body)).await;
    let o = run(&s.uri(), &[]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("/sessions/1/expires_at"), "{out}");
    assert!(out.contains("/sessions/0/user_id"), "{out}");
    assert!(out.contains("date-time"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn equality_failure_shows_expected_and_actual() {
    let mut body = good_body();
    body["sessions"][1]["user_id"] = json!("user-test-2");
    let s = server_with(ResponseTemplate::new(200).set_body_json(body)).await;
    let o = run(&s.uri(), &[]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("user-test-2"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_json_is_a_failure() {
    let s = server_with(
        ResponseTemplate::new(200).set_body_raw("{\"sessions\": [", "application/json"),
    )
    .await;
    let o = run(&s.uri(), &[]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("not JSON"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn stall_past_the_timeout_is_an_error_exit_3() {
    let s = server_with(
        ResponseTemplate::new(200)
            .set_body_json(good_body())
            .set_delay(Duration::from_secs(5)),
    )
    .await;
    let t = Instant::now();
    let o = run(&s.uri(), &["--timeout", "500ms"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(3), "{out}");
    assert!(out.contains("ERROR cli::list sessions"), "{out}");
    assert!(out.contains("timed out"), "{out}");
    assert!(
        t.elapsed() < Duration::from_secs(4),
        "took {:?}",
        t.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn connection_refused_is_exit_3() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    let o = run(&format!("http://127.0.0.1:{port}"), &["--timeout", "2s"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(3), "{out}");
    assert!(out.to_lowercase().contains("connect"), "{out}");
    assert!(out.contains("1 could not run"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limit_is_retried_after_retry_after() {
    let s = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/sessions"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "1"))
        .up_to_n_times(1)
        .with_priority(1)
        .mount(&s)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/sessions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(good_body()))
        .with_priority(2)
        .mount(&s)
        .await;
    let t = Instant::now();
    let o = run(&s.uri(), &[]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        t.elapsed() >= Duration::from_millis(900),
        "Retry-After honoured"
    );
    assert_eq!(s.received_requests().await.unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limit_exhausted_is_an_error() {
    let s = server_with(ResponseTemplate::new(429).insert_header("retry-after", "0")).await;
    let o = run(&s.uri(), &["--max-retries", "2"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(3), "{out}");
    assert!(out.contains("rate limited"), "{out}");
    assert_eq!(s.received_requests().await.unwrap().len(), 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn huge_body_hits_the_cap() {
    let big = format!("{{\"pad\": \"{}\"}}", "x".repeat(64 * 1024));
    let s = server_with(ResponseTemplate::new(200).set_body_raw(big, "application/json")).await;
    let o = run(&s.uri(), &["--body-cap", "16KiB"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(3), "{out}");
    assert!(out.contains("exceeds the cap"), "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn gzip_bodies_are_decoded() {
    let raw = serde_json::to_vec(&good_body()).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&raw).unwrap();
    let body = gz.finish().unwrap();
    let s = server_with(
        ResponseTemplate::new(200)
            .insert_header("content-encoding", "gzip")
            .insert_header("content-type", "application/json")
            .set_body_bytes(body),
    )
    .await;
    let o = run(&s.uri(), &[]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
}

#[tokio::test(flavor = "multi_thread")]
async fn warnings_fail_only_in_strict_mode() {
    let mut body = good_body();
    body["request_id"] = json!("req_123");
    let s = server_with(ResponseTemplate::new(200).set_body_json(body)).await;
    let o = run(&s.uri(), &[]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("1 warning"), "{out}");
    let o = run(&s.uri(), &["--strict"]);
    assert_eq!(o.status.code(), Some(1), "{}", stdout(&o));
}

#[test]
fn malformed_yaml_is_exit_2_with_location() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("bad.yaml");
    std::fs::write(
        &f,
        "suite: s\napi: a\ncases:\n  - name: x\n    request:\n      path: /\n      methd: GET\n",
    )
    .unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_sessconform"))
        .arg("run")
        .arg(&f)
        .args(["--base-url", "http://127.0.0.1:9"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("bad.yaml:7:7"), "{err}");
    assert!(err.contains("methd"), "{err}");
}

#[test]
fn usage_errors_are_exit_2() {
    let o = Command::new(env!("CARGO_BIN_EXE_sessconform"))
        .args(["run", "--jobs", "0", "--base-url", "http://127.0.0.1:9"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let o = Command::new(env!("CARGO_BIN_EXE_sessconform"))
        .args(["run", "--no-such-flag"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let o = Command::new(env!("CARGO_BIN_EXE_sessconform"))
        .args(["run", "--base-url", "ftp://x"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}

/// Masks what changes between runs: durations, ports and the checkout's path.
fn masked(out: &str) -> String {
    let fixtures = fixtures().display().to_string();
    let out = out.replace(&fixtures, "[fixtures]");
    let ms = regex::Regex::new(r"\d+ ms").unwrap();
    let secs = regex::Regex::new(r"\d+\.\d+ s\)").unwrap();
    let port = regex::Regex::new(r"127\.0\.0\.1:\d+").unwrap();
    let out = ms.replace_all(&out, "[ms]");
    let out = secs.replace_all(&out, "[s])");
    port.replace_all(&out, "127.0.0.1:[port]").into_owned()
}

/// The whole console output of a failing run, compared with a golden file
/// (`UPDATE_GOLDEN=1 cargo test --test cli_wiremock` rewrites it after a deliberate change).
#[tokio::test(flavor = "multi_thread")]
async fn failure_rendering_matches_the_golden_output() {
    let mut body = good_body();
    body["sessions"][1]["user_id"] = json!("user-test-2");
    body["sessions"][0]["expires_at"] = json!("soon");
    let s = server_with(ResponseTemplate::new(404).set_body_json(body)).await;
    let o = run(&s.uri(), &[]);
    let actual = masked(&stdout(&o));
    let golden = fixtures().join("failure.golden");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &actual).unwrap();
    }
    let expected = std::fs::read_to_string(&golden)
        .unwrap_or_else(|e| panic!("{}: {e}; create it with UPDATE_GOLDEN=1", golden.display()));
    assert_eq!(
        actual, expected,
        "console output changed; rerun with UPDATE_GOLDEN=1 if intended"
    );
}
