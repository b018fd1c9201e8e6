//! Streamed runs (case files above `engine::STREAM_ABOVE_BYTES`, forced here with
//! `SESSCONFORM_STREAM_ABOVE=0`): the same cases, order, verdicts, locations, totals and exit
//! code as a run that loads everything first; a problem in a later file stops the run there
//! with exit 2 and the reports still written; `--shard` of a streamed run is the shard `list`
//! shows, and the shards partition the cases.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Output};

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn sessconform(stream: bool) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sessconform"));
    c.env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_WORKSPACE")
        .env("NO_COLOR", "1")
        .env(
            "SESSCONFORM_STREAM_ABOVE",
            if stream { "0" } else { "1000000000000" },
        );
    c
}

async fn server() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/ok"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"request_id": "req-1"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/broken"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({"request_id": "x"})))
        .mount(&server)
        .await;
    server
}

/// A comment that makes each case about 300 bytes longer: fewer requests fill a batch.
const PAD: &str = "  # ................................................................................................................................................................................................................................................................................................\n";

/// A serial suite of `n` cases (about 400 bytes each): passes, failures (a 503), warnings and
/// a declared skip.
fn big_suite(name: &str, n: usize) -> String {
    let mut y = format!("suite: {name}\napi: demo\nserial: true\ncases:\n");
    for i in 0..n {
        let p = if i % 7 == 3 { "/v1/broken" } else { "/v1/ok" };
        let expect = if i % 11 == 5 {
            "\n      status: 200\n      assert:\n        - {path: $.request_id, matches: \"^request-id-\", level: warn}"
        } else {
            " {status: 200}"
        };
        y.push_str(&format!(
            "  - name: case {i}\n    request: {{path: {p}}}\n    expect:{expect}\n{PAD}"
        ));
    }
    y.push_str("  - name: skipped one\n    skip: not here\n    request: {path: /v1/ok}\n");
    y
}

/// A temporary folder with an empty `cases/` folder in it.
fn case_dir() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let cases = dir.path().join("cases");
    std::fs::create_dir(&cases).unwrap();
    (dir, cases)
}

fn small_suite(name: &str, n: usize) -> String {
    let mut y = format!("suite: {name}\napi: demo\ncases:\n");
    for i in 0..n {
        y.push_str(&format!(
            "  - name: case {i}\n    request: {{path: /v1/ok}}\n{PAD}"
        ));
    }
    y
}

fn run(stream: bool, cases: &Path, reports: &Path, url: &str, extra: &[&str]) -> Output {
    sessconform(stream)
        .arg("run")
        .arg(cases)
        .args(["--base-url", &format!("demo={url}"), "--reports"])
        .arg(reports)
        .args(extra)
        .output()
        .unwrap()
}

fn report(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap()
}

/// Each case's id, verdict, location and number of findings, in report order.
fn rows(doc: &Value) -> Vec<(String, String, u64, usize)> {
    doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_owned(),
                c["verdict"].as_str().unwrap().to_owned(),
                c["location"]["line"].as_u64().unwrap(),
                c["findings"].as_array().map_or(0, Vec::len),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_run_reports_what_a_loaded_run_reports() {
    let server = server().await;
    let (dir, cases) = case_dir();
    // About 800 KB: more than one streamed batch, the big file cut into pieces.
    std::fs::write(cases.join("a.yaml"), small_suite("first", 3)).unwrap();
    std::fs::write(cases.join("b.yaml"), big_suite("big", 2_000)).unwrap();
    std::fs::write(cases.join("c.yaml"), small_suite("last", 2)).unwrap();
    let (streamed, loaded) = (dir.path().join("s"), dir.path().join("l"));
    let s = run(true, &cases, &streamed, &server.uri(), &[]);
    let l = run(false, &cases, &loaded, &server.uri(), &[]);
    let out = String::from_utf8_lossy(&s.stdout);
    assert!(out.contains("streamed"), "{out}");
    assert!(!String::from_utf8_lossy(&l.stdout).contains("streamed"));
    assert_eq!(s.status.code(), Some(1), "{out}");
    assert_eq!(l.status.code(), Some(1));
    let (a, b) = (report(&streamed), report(&loaded));
    assert_eq!(a["summary"], b["summary"]);
    assert_eq!(a["summary"]["total"], 2_006);
    assert_eq!(a["summary"]["failed"], 286);
    assert_eq!(a["summary"]["skipped"], 1);
    assert!(a["summary"]["warnings"].as_u64().unwrap() > 150);
    let (ra, rb) = (rows(&a), rows(&b));
    assert_eq!(ra, rb);
    assert_eq!(ra[3].0, "big::case 0");
    // Suites are reported once, whatever the pieces.
    let suites: Vec<&str> = a["suites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(suites, ["first", "big", "last"]);
    let junit = |d: &Path| std::fs::read_to_string(d.join("junit.xml")).unwrap();
    assert_eq!(
        junit(&streamed).matches("<testcase ").count(),
        junit(&loaded).matches("<testcase ").count()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_problem_in_a_later_file_stops_the_streamed_run_with_exit_2_and_the_reports_written() {
    let server = server().await;
    let (dir, cases) = case_dir();
    std::fs::write(cases.join("a.yaml"), small_suite("first", 2_000)).unwrap();
    std::fs::write(
        cases.join("b.yaml"),
        "suite: second\napi: demo\ncases:\n  - name: one\n    request: {path: /v1/ok}\n    expect: {status: twohundred}\n",
    )
    .unwrap();
    let reports = dir.path().join("r");
    let o = run(true, &cases, &reports, &server.uri(), &["-q"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.contains("b.yaml:6:"), "{err}");
    assert!(err.contains("sessconform lint"), "{err}");
    // What ran before the stream reached b.yaml is reported.
    let doc = report(&reports);
    let ran = doc["summary"]["total"].as_u64().unwrap();
    assert!(
        (500..=2_000).contains(&ran),
        "{ran}: {err} {}",
        String::from_utf8_lossy(&o.stdout)
    );
    assert_eq!(doc["summary"]["passed"].as_u64(), Some(ran));
}

/// The case ids `list` prints.
fn listed(cases: &Path, extra: &[&str]) -> BTreeSet<String> {
    let o = sessconform(true)
        .arg("list")
        .arg(cases)
        .args(extra)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    String::from_utf8_lossy(&o.stdout)
        .lines()
        .filter(|l| l.starts_with("  ") && l.contains("::"))
        .filter_map(|l| l.trim().split("  [").next().map(str::to_owned))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streamed_shards_partition_the_cases_and_run_what_list_shows() {
    let server = server().await;
    let (dir, cases) = case_dir();
    std::fs::write(cases.join("a.yaml"), small_suite("first", 400)).unwrap();
    std::fs::write(cases.join("b.yaml"), small_suite("second", 200)).unwrap();
    let all = listed(&cases, &[]);
    assert_eq!(all.len(), 600);
    let shards: Vec<BTreeSet<String>> = (1..=3)
        .map(|k| listed(&cases, &["--shard", &format!("{k}/3")]))
        .collect();
    let union: BTreeSet<String> = shards.iter().flatten().cloned().collect();
    assert_eq!(union, all);
    assert_eq!(
        shards.iter().map(BTreeSet::len).sum::<usize>(),
        600,
        "disjoint"
    );
    for s in &shards {
        // Dealt by hash: near a third each.
        assert!((150..=250).contains(&s.len()), "{}", s.len());
    }
    let reports = dir.path().join("r");
    let o = run(
        true,
        &cases,
        &reports,
        &server.uri(),
        &["-q", "--shard", "2/3"],
    );
    assert_eq!(o.status.code(), Some(0));
    let ran: BTreeSet<String> = rows(&report(&reports)).into_iter().map(|r| r.0).collect();
    assert_eq!(ran, shards[1]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_run_gives_the_same_var_advice_as_a_loaded_run_at_its_end() {
    let server = server().await;
    let (dir, cases) = case_dir();
    std::fs::write(cases.join("a.yaml"), small_suite("first", 3)).unwrap();
    std::fs::write(
        cases.join("b.yaml"),
        "suite: second\napi: demo\nvars: {session_token: {secret: true}}\ncases:\n  - name: one\n    request: {path: /v1/ok, headers: {X-T: \"${vars.session_token}\"}}\n",
    )
    .unwrap();
    let target = dir.path().join("t.yaml");
    std::fs::write(
        &target,
        format!(
            "apis:\n  demo:\n    base_url: {}\n    vars: {{sesion_token: x}}\n",
            server.uri()
        ),
    )
    .unwrap();
    let warnings = |stream: bool| {
        let o = sessconform(stream)
            .arg("run")
            .arg(&cases)
            .arg("--target")
            .arg(&target)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(0));
        String::from_utf8_lossy(&o.stderr)
            .lines()
            .filter(|l| l.starts_with("warning: "))
            .map(str::to_owned)
            .collect::<Vec<String>>()
    };
    let streamed = warnings(true);
    assert_eq!(streamed, warnings(false));
    assert_eq!(streamed.len(), 2, "{streamed:?}");
    assert!(streamed.iter().any(|w| w.contains("target var `sesion_token` (api demo) is not used by any case; did you mean `session_token`?")), "{streamed:?}");
    assert!(
        streamed
            .iter()
            .any(|w| w.contains("1 case needs var `session_token` (api demo)")),
        "{streamed:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_declared_by_a_later_suite_is_redacted_from_the_first_batch_on() {
    let server = server().await;
    let (dir, cases) = case_dir();
    // a.yaml fills the first batches; its first case fails, so its request (with the key in a
    // header) is in every report. Only z.yaml, read much later, says the key is a secret.
    let mut a = small_suite("first", 2_000).replacen(
        "cases:\n  - name: case 0\n    request: {path: /v1/ok}\n",
        "vars: {admin_key: null}\ncases:\n  - name: case 0\n    request: {path: /v1/broken, headers: {X-Key: \"${vars.admin_key}\"}}\n    expect: {status: 200}\n",
        1,
    );
    a.push('\n');
    assert!(a.contains("X-Key"));
    std::fs::write(cases.join("a.yaml"), a).unwrap();
    std::fs::write(
        cases.join("z.yaml"),
        "suite: last\napi: demo\nvars: {admin_key: {secret: true}}\ncases:\n  - name: one\n    request: {path: /v1/ok, headers: {X-Key: \"${vars.admin_key}\"}}\n",
    )
    .unwrap();
    let target = dir.path().join("t.yaml");
    let secret = "sk-live-streamed-0123456789abcdef";
    std::fs::write(
        &target,
        format!(
            "apis:\n  demo:\n    base_url: {}\n    vars: {{admin_key: {secret}}}\n",
            server.uri()
        ),
    )
    .unwrap();
    let reports = dir.path().join("r");
    let o = sessconform(true)
        .arg("run")
        .arg(&cases)
        .arg("--target")
        .arg(&target)
        .arg("--reports")
        .arg(&reports)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let mut seen = String::from_utf8_lossy(&o.stdout).into_owned();
    seen.push_str(&String::from_utf8_lossy(&o.stderr));
    for f in ["report.json", "junit.xml", "index.html"] {
        seen.push_str(&std::fs::read_to_string(reports.join(f)).unwrap());
    }
    assert!(seen.contains("X-Key"), "the failing request is shown");
    assert!(!seen.contains(secret), "the secret leaked");
    assert!(
        !seen.contains(&secret[..16]),
        "a piece of the secret leaked"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fail_fast_stops_a_streamed_run_without_reading_the_rest() {
    let server = server().await;
    let (dir, cases) = case_dir();
    std::fs::write(cases.join("a.yaml"), big_suite("big", 2_000)).unwrap();
    // Never reached: a broken file after the failure does not turn exit 1 into exit 2.
    std::fs::write(cases.join("z.yaml"), "suite: [\n").unwrap();
    let reports = dir.path().join("r");
    let o = run(
        true,
        &cases,
        &reports,
        &server.uri(),
        &["-q", "--fail-fast"],
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.contains("stopped before reading all of its case files (--fail-fast)"),
        "{err}"
    );
    let total = report(&reports)["summary"]["total"].as_u64().unwrap();
    assert!(total < 2_001, "{total}");
}
