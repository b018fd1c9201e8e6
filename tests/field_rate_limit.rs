//! A real vendor near its rate limit: a proxy in front of the reference server answers every
//! third request with a vendor-shaped 429 (`Retry-After` in seconds, or as an HTTP date). The
//! built-in suites must never fail because of it: every 429 a step did not name explicitly is
//! retried, and a step that stays rate limited could not run (exit 3), it did not fail (exit 1).

#![cfg(feature = "server")]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, SystemTime};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use sessconform::server::{ServerOptions, start};

/// How the proxy writes `Retry-After`.
#[derive(Clone, Copy)]
enum RetryAfter {
    Seconds,
    HttpDate,
}

struct Proxy {
    upstream: String,
    client: reqwest::Client,
    count: AtomicUsize,
    limited: AtomicUsize,
    /// Credentials the suites use to provoke the server's own 429s: those requests are passed
    /// through, so the explicit 429 cases see the server's answer.
    throttled: Vec<String>,
    every: usize,
    retry_after: RetryAfter,
}

fn vendor_429(path: &str, retry_after: RetryAfter) -> Response {
    let body = if path.starts_with("/clerk") {
        json!({
            "errors": [{"message": "Too many requests", "long_message": "Too many requests, retry later", "code": "too_many_requests"}],
            "clerk_trace_id": "trace-proxy"
        })
    } else {
        json!({
            "status_code": 429,
            "request_id": format!("request-id-proxy-{}", uuid_like()),
            "error_type": "too_many_requests",
            "error_message": "Too many requests have been made.",
            "error_url": "https://stytch.com/docs/api/errors/429"
        })
    };
    let value = match retry_after {
        RetryAfter::Seconds => "1".to_owned(),
        RetryAfter::HttpDate => httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(1)),
    };
    let mut resp = (StatusCode::TOO_MANY_REQUESTS, axum::Json(body)).into_response();
    resp.headers_mut().insert(
        "retry-after",
        HeaderValue::from_str(&value).expect("an HTTP date is a valid header value"),
    );
    resp
}

fn uuid_like() -> u128 {
    SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

async fn forward(State(p): State<Arc<Proxy>>, req: Request) -> Response {
    let path = req
        .uri()
        .path_and_query()
        .map(|pq| pq.as_str().to_owned())
        .unwrap_or_default();
    let auth = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    let throttled = p.throttled.iter().any(|t| auth_carries(&auth, t));
    let n = p.count.fetch_add(1, Ordering::SeqCst) + 1;
    if !throttled && n % p.every == 0 {
        p.limited.fetch_add(1, Ordering::SeqCst);
        return vendor_429(&path, p.retry_after);
    }
    let method = req.method().clone();
    let headers: HeaderMap = req.headers().clone();
    let body: Bytes = match axum::body::to_bytes(req.into_body(), 16 * 1024 * 1024).await {
        Ok(b) => b,
        Err(_) => return StatusCode::BAD_REQUEST.into_response(),
    };
    let mut out = p.client.request(method, format!("{}{path}", p.upstream));
    for (k, v) in &headers {
        if k != "host" && k != "content-length" {
            out = out.header(k, v);
        }
    }
    let Ok(resp) = out.body(body).send().await else {
        return StatusCode::BAD_GATEWAY.into_response();
    };
    let status = resp.status();
    let headers = resp.headers().clone();
    let bytes = resp.bytes().await.unwrap_or_default();
    let mut r = Response::new(Body::from(bytes));
    *r.status_mut() = status;
    for (k, v) in &headers {
        if k != "content-length" && k != "transfer-encoding" {
            r.headers_mut().append(k, v.clone());
        }
    }
    r
}

/// True when an `Authorization` value (Basic or Bearer) carries `secret`.
fn auth_carries(auth: &str, secret: &str) -> bool {
    use base64::Engine as _;
    if auth.contains(secret) {
        return true;
    }
    auth.strip_prefix("Basic ")
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .is_some_and(|raw| String::from_utf8_lossy(&raw).contains(secret))
}

struct Setup {
    target: tempfile::NamedTempFile,
    proxy: Arc<Proxy>,
    _server: sessconform::server::RunningServer,
}

/// The reference server behind a proxy that rate-limits every `every`-th request; the target
/// file points at the proxy.
async fn setup(every: usize, retry_after: RetryAfter) -> Setup {
    let server = start(ServerOptions::default())
        .await
        .expect("server starts");
    let yaml = server.target_yaml();
    let target = sessconform::target::parse_target("t", &yaml, &BTreeMap::new()).expect("parses");
    let throttled: Vec<String> = target
        .apis
        .values()
        .flat_map(|a| a.vars.iter())
        .filter(|(k, _)| *k == "throttled_password" || *k == "throttled_secret_key")
        .filter_map(|(_, v)| v.as_str().map(str::to_owned))
        .collect();
    assert!(
        throttled.len() >= 2,
        "the target names its throttled credentials"
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("binds");
    let addr: SocketAddr = listener.local_addr().expect("has an address");
    let upstream = format!("http://{}", server.addr());
    let proxy = Arc::new(Proxy {
        upstream: upstream.clone(),
        client: reqwest::Client::new(),
        count: AtomicUsize::new(0),
        limited: AtomicUsize::new(0),
        throttled,
        every,
        retry_after,
    });
    let app = Router::new()
        .fallback(forward)
        .with_state(Arc::clone(&proxy));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let mut file = tempfile::NamedTempFile::new().expect("temp file");
    std::io::Write::write_all(
        &mut file,
        yaml.replace(&upstream, &format!("http://{addr}"))
            .as_bytes(),
    )
    .expect("writes");
    Setup {
        target: file,
        proxy,
        _server: server,
    }
}

fn run(target: &std::path::Path, extra: &[&str]) -> (i32, Value) {
    let dir = tempfile::tempdir().expect("temp dir");
    let json = dir.path().join("report.json");
    let out = Command::new(env!("CARGO_BIN_EXE_sessconform"))
        .args(["run", "--color", "never", "--target"])
        .arg(target)
        .arg("--json")
        .arg(&json)
        .args(["--report-exchanges", "all"])
        .args(extra)
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("runs");
    let report: Value =
        serde_json::from_slice(&std::fs::read(&json).expect("report written")).expect("JSON");
    let code = out.status.code().unwrap_or(-1);
    assert_ne!(
        code,
        1,
        "a rate limit is never a contract failure:\n{}",
        String::from_utf8_lossy(&out.stdout)
    );
    (code, report)
}

/// Exit 0, or 3 when some request stayed rate limited past its retries: then every case that
/// did not pass could not run because of the rate limit, and most cases passed.
fn only_rate_limited(code: i32, report: &Value) {
    assert!(
        code == 0 || code == 3,
        "exit {code}: {}",
        not_passed(report)
    );
    let cases = report["cases"].as_array().expect("cases");
    for c in cases.iter().filter(|c| c["verdict"] != "pass") {
        assert_eq!(c["verdict"], "error", "{}", not_passed(report));
        assert!(
            c["reason"]
                .as_str()
                .is_some_and(|r| r.contains("rate limited")),
            "{}",
            not_passed(report)
        );
    }
    let passed = cases.iter().filter(|c| c["verdict"] == "pass").count();
    assert!(passed >= 100, "{passed} passed: {}", not_passed(report));
}

fn not_passed(report: &Value) -> String {
    report["cases"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|c| c["verdict"] != "pass")
        .map(|c| format!("{} {}: {}\n", c["id"], c["verdict"], c["reason"]))
        .collect()
}

fn total_retries(report: &Value) -> u64 {
    report["cases"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|c| c["exchanges"].as_array().into_iter().flatten())
        .map(|e| e["retries"].as_u64().unwrap_or(0))
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_third_request_rate_limited_in_seconds_still_passes() {
    let s = setup(3, RetryAfter::Seconds).await;
    let target = s.target.path().to_owned();
    let (code, report) = tokio::task::spawn_blocking(move || run(&target, &[]))
        .await
        .expect("joins");
    only_rate_limited(code, &report);
    assert!(
        s.proxy.limited.load(Ordering::SeqCst) > 20,
        "the proxy did limit"
    );
    assert!(total_retries(&report) > 20, "and the runner retried");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_as_an_http_date_still_passes() {
    let s = setup(3, RetryAfter::HttpDate).await;
    let target = s.target.path().to_owned();
    let (code, report) = tokio::task::spawn_blocking(move || run(&target, &[]))
        .await
        .expect("joins");
    only_rate_limited(code, &report);
    assert!(
        s.proxy.limited.load(Ordering::SeqCst) > 20,
        "the proxy did limit"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_step_that_stays_rate_limited_could_not_run() {
    // Every request limited, no retries allowed: nothing fails, every case that sends a
    // request could not run.
    let s = setup(1, RetryAfter::Seconds).await;
    let target = s.target.path().to_owned();
    let (code, report) = tokio::task::spawn_blocking(move || {
        run(&target, &["--max-retries", "0", "--filter", "4xx"])
    })
    .await
    .expect("joins");
    assert_eq!(code, 3);
    let cases = report["cases"].as_array().expect("cases");
    assert!(!cases.is_empty());
    for c in cases {
        assert_eq!(c["verdict"], "error", "{c}");
        assert!(
            c["reason"]
                .as_str()
                .is_some_and(|r| r.contains("rate limited")),
            "{c}"
        );
    }
}
