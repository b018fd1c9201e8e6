//! Matrix runs: the same suites against several targets at once. Per-target isolation (a target
//! that stalls, refuses connections or rate-limits does not disturb another's results or its
//! concurrency budget), the merged event stream, the console matrix and exit codes.

#![cfg(feature = "server")]

mod compat_support;

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use compat_support::*;
use sessconform::compat::{Cell, CompatReport, Matrix, run_matrix};
use sessconform::engine::{Cancel, RunConfig};
use sessconform::http::RetryPolicy;
use sessconform::result::{CaseResult, Event, Verdict};
use sessconform::schema::SchemaStore;
use sessconform::target::Target;
use wiremock::matchers::method;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// Answers after `delay` with `status`, recording when each request arrived.
struct Recording {
    status: u16,
    delay: Duration,
    retry_after: Option<&'static str>,
    seen: Arc<Mutex<Vec<Instant>>>,
}

impl Respond for Recording {
    fn respond(&self, _: &Request) -> ResponseTemplate {
        if let Ok(mut s) = self.seen.lock() {
            s.push(Instant::now());
        }
        let mut t = ResponseTemplate::new(self.status)
            .set_body_json(serde_json::json!({"ok": self.status == 200}))
            .set_delay(self.delay);
        if let Some(r) = self.retry_after {
            t = t.insert_header("retry-after", r);
        }
        t
    }
}

async fn double(
    status: u16,
    delay: Duration,
    retry_after: Option<&'static str>,
) -> (MockServer, Arc<Mutex<Vec<Instant>>>) {
    let server = MockServer::start().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    Mock::given(method("GET"))
        .respond_with(Recording {
            status,
            delay,
            retry_after,
            seen: Arc::clone(&seen),
        })
        .mount(&server)
        .await;
    (server, seen)
}

fn url_target(name: &str, url: &str) -> Target {
    let mut t = Target::default();
    t.apply_base_url(url).unwrap();
    t.name = name.to_owned();
    t
}

struct Run {
    order: Vec<(String, String)>,
    cases: Vec<CaseResult>,
    matrix: Matrix,
    exit: u8,
}

async fn matrix(targets: Vec<Target>, cfg: &RunConfig) -> (Run, Instant) {
    let plans = targets
        .into_iter()
        .map(|t| plan(t, "isolation", cfg))
        .collect();
    let schemas = Arc::new(SchemaStore::load_lazy(true, &[]).unwrap());
    let start = Instant::now();
    let mut cases = Vec::new();
    let mut matrix = None;
    let mut starts = 0;
    let summary = run_matrix(plans, schemas, cfg, Cancel::default(), &mut |ev| match ev {
        Event::RunStarted(_) => starts += 1,
        Event::CaseFinished(r) => cases.push((**r).clone()),
        Event::Compat(c) => {
            if let CompatReport::Matrix(m) = &**c {
                matrix = Some(m.clone());
            }
        }
        Event::RunFinished(_) => {}
    })
    .await;
    assert_eq!(starts, 1, "one merged RunStarted");
    let run = Run {
        order: cases
            .iter()
            .map(|c| (c.case.clone(), c.target.clone()))
            .collect(),
        cases,
        matrix: matrix.expect("a matrix event"),
        exit: sessconform::exit::for_summary(&summary),
    };
    (run, start)
}

fn verdicts(run: &Run, target: &str) -> Vec<Verdict> {
    run.cases
        .iter()
        .filter(|c| c.target == target)
        .map(|c| c.verdict)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_stalled_refusing_or_rate_limited_target_does_not_disturb_a_healthy_one() {
    let (healthy, healthy_seen) = double(200, Duration::ZERO, None).await;
    let (stalled, _) = double(200, Duration::from_secs(5), None).await;
    let (limited, limited_seen) = double(429, Duration::ZERO, Some("0")).await;
    let refused = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", l.local_addr().unwrap())
    };
    let cfg = RunConfig {
        jobs: 2,
        timeout: Duration::from_millis(600),
        connect_timeout: Duration::from_millis(600),
        retry: RetryPolicy {
            max_retries: 2,
            ..RetryPolicy::default()
        },
        ..RunConfig::default()
    };
    let (run, start) = matrix(
        vec![
            url_target("healthy", &healthy.uri()),
            url_target("stalled", &stalled.uri()),
            url_target("refused", &refused),
            url_target("limited", &limited.uri()),
        ],
        &cfg,
    )
    .await;
    // The healthy target's results are exactly what they would be alone.
    assert_eq!(verdicts(&run, "healthy"), vec![Verdict::Pass; 6]);
    assert!(
        run.cases
            .iter()
            .filter(|c| c.target == "healthy")
            .all(|c| c.duration < Duration::from_millis(500))
    );
    // Its own concurrency budget: all six requests arrived while the stalled target was still
    // holding its two slots (6 cases / 2 jobs × 600 ms ≈ 1.8 s for the stalled one).
    let seen = healthy_seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 6);
    let last = seen.iter().max().unwrap().duration_since(start);
    assert!(
        last < Duration::from_millis(900),
        "healthy requests waited: {last:?}"
    );
    // The others fail in their own ways.
    assert_eq!(verdicts(&run, "stalled"), vec![Verdict::Error; 6]);
    assert!(
        run.cases.iter().filter(|c| c.target == "stalled").all(|c| c
            .reason
            .as_deref()
            .unwrap_or("")
            .contains("timed out"))
    );
    assert_eq!(verdicts(&run, "refused"), vec![Verdict::Error; 6]);
    assert_eq!(verdicts(&run, "limited"), vec![Verdict::Error; 6]);
    assert!(
        run.cases.iter().filter(|c| c.target == "limited").all(|c| c
            .reason
            .as_deref()
            .unwrap_or("")
            .contains("rate limited"))
    );
    assert_eq!(
        limited_seen.lock().unwrap().len(),
        18,
        "1 try + 2 retries per case"
    );
    // Case-major order: each case against every target, in target order.
    let expected: Vec<(String, String)> = (1..=6)
        .flat_map(|i| {
            ["healthy", "stalled", "refused", "limited"]
                .into_iter()
                .map(move |t| (format!("ping {i}"), t.to_owned()))
        })
        .collect();
    assert_eq!(run.order, expected);
    // The matrix, and the exit code over all cells (errors, no failures: 3).
    assert_eq!(
        run.matrix.targets,
        vec!["healthy", "stalled", "refused", "limited"]
    );
    assert_eq!(run.matrix.rows.len(), 6);
    let row = &run.matrix.rows[0];
    let cells: Vec<Cell> = row.cells.iter().map(|c| c.as_ref().unwrap().cell).collect();
    assert_eq!(
        cells,
        vec![Cell::Pass, Cell::Error, Cell::Error, Cell::Error]
    );
    assert!(
        row.cells[0]
            .as_ref()
            .unwrap()
            .anchor
            .starts_with("case-isolation-ping-1-healthy-")
    );
    assert_eq!(run.exit, 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn reference_against_a_lenient_server_on_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (server(&[]).await, server(&["lenient-auth"]).await);
    // Both servers call themselves `reference`; the second gets its file stem.
    let ta = dir.path().join("ref.yaml");
    std::fs::write(&ta, a.target_yaml()).unwrap();
    let tb = dir.path().join("lenient.yaml");
    std::fs::write(&tb, b.target_yaml()).unwrap();
    let suites = fixtures().join("stytch");
    let o = bin(args(&[
        &"run",
        &suites,
        &"--target",
        &ta,
        &"--target",
        &tb,
        &"--color",
        &"never",
    ]))
    .await;
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{}", stderr(&o));
    assert!(
        out.contains("running 10 cases against reference, reference (lenient)"),
        "{out}"
    );
    assert!(
        out.contains("PASS  compat-stytch::list without credentials @ reference ("),
        "{out}"
    );
    assert!(
        out.contains("FAIL  compat-stytch::list without credentials @ reference (lenient) ("),
        "{out}"
    );
    assert!(out.contains("matrix (case × target)"), "{out}");
    let row = out
        .lines()
        .find(|l| l.starts_with("≠ compat-stytch::list without credentials"))
        .unwrap_or_else(|| panic!("no differing row: {out}"));
    assert!(row.contains("pass") && row.contains("fail"), "{row}");
    assert!(out.contains("1 of 5 cases differ between targets"), "{out}");
    assert!(
        out.contains("──── compat-stytch::list without credentials @ reference (lenient)"),
        "{out}"
    );
    assert!(out.contains("expected status 401, got 200"), "{out}");
    assert!(out.contains("9 passed, 1 failed"), "{out}");

    // --base-url cannot be combined with several targets.
    let o = bin(args(&[
        &"run",
        &suites,
        &"--target",
        &ta,
        &"--target",
        &tb,
        &"--base-url",
        &"http://127.0.0.1:1",
    ]))
    .await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    a.shutdown().await;
    b.shutdown().await;
}
