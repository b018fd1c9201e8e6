//! The binary writes its reports: all three formats agree, they survive a target that is down
//! and Ctrl-C, annotations appear under GitHub Actions, and CI logs get no progress noise.

#![cfg(feature = "server")]

mod report_support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use quick_junit::{NonSuccessKind, Report, TestCaseStatus};
use report_support::*;
use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn fixture(name: &str) -> PathBuf {
    repo_root().join("tests/fixtures/report").join(name)
}

fn sessconform() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sessconform"));
    c.arg("run")
        .args(["--color", "never"])
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_WORKSPACE");
    c
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

async fn double() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/ok"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "status_code": 200, "request_id": "req-not-prefixed"
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/broken"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({
            "status_code": 503, "request_id": "request-id-test-503", "error_type": "<overloaded>"
        })))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/slow"))
        .respond_with(ResponseTemplate::new(200).set_delay(Duration::from_secs(30)))
        .mount(&server)
        .await;
    server
}

fn read_json(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p).unwrap()).expect("report.json is JSON")
}

fn verdicts(doc: &Value) -> Vec<(String, String)> {
    doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_owned(),
                c["verdict"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

/// Checks that junit.xml, report.json and index.html in `dir` describe the same cases, that the
/// JSON validates against its schema and the JUnit against Jenkins' XSD (when xmllint exists).
fn check_reports_agree(dir: &Path) -> Value {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["index.html", "junit.xml", "report.json"],
        "exactly the three reports, no temporary files"
    );

    let doc = read_json(&dir.join("report.json"));
    let schema: Value = serde_json::from_str(sessconform::report::json::SCHEMA).unwrap();
    let v = jsonschema::draft202012::new(&schema).unwrap();
    let errs: Vec<String> = v.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errs.is_empty(), "{errs:#?}");
    let cases = verdicts(&doc);

    let xml = std::fs::read_to_string(dir.join("junit.xml")).unwrap();
    let junit = Report::deserialize_from_str(&xml).expect("junit.xml parses");
    let mut from_junit = Vec::new();
    for s in &junit.test_suites {
        for tc in &s.test_cases {
            let verdict = match &tc.status {
                TestCaseStatus::Success { .. } => "pass",
                TestCaseStatus::NonSuccess {
                    kind: NonSuccessKind::Failure,
                    ..
                } => "fail",
                TestCaseStatus::NonSuccess {
                    kind: NonSuccessKind::Error,
                    ..
                } => "error",
                TestCaseStatus::Skipped { .. } => "skip",
            };
            from_junit.push((
                format!("{}::{}", s.name.as_str(), tc.name.as_str()),
                verdict.to_owned(),
            ));
        }
    }
    assert_eq!(from_junit, cases, "JUnit and JSON disagree");
    if tool_available("xmllint", "--version", "the JUnit XSD") {
        let out = Command::new("xmllint")
            .arg("--noout")
            .arg("--schema")
            .arg(junit_xsd())
            .arg(dir.join("junit.xml"))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
    }

    let html = std::fs::read_to_string(dir.join("index.html")).unwrap();
    assert_eq!(html.matches("<details class=\"case\"").count(), cases.len());
    for (id, _) in &cases {
        assert!(
            html.contains(&format!(
                "data-case-id=\"{}\"",
                sessconform::report::html::escape(id)
            )),
            "{id} not in HTML"
        );
    }
    let s = &doc["summary"];
    for (id, key) in [
        ("total", "total"),
        ("passed", "passed"),
        ("failed", "failed"),
        ("errors", "errors"),
        ("skipped", "skipped"),
    ] {
        assert!(
            html.contains(&format!("id=\"count-{id}\">{}<", s[key])),
            "HTML count {id} differs from JSON {}",
            s[key]
        );
    }
    doc
}

#[tokio::test(flavor = "multi_thread")]
async fn reports_dir_gets_three_reports_that_agree() {
    let server = double().await;
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("out/reports");
    let out = sessconform()
        .arg(fixture("main.yaml"))
        .arg(fixture("down.yaml"))
        .args(["--base-url", &format!("demo={}", server.uri())])
        .args([
            "--base-url",
            &format!("down=http://127.0.0.1:{}", closed_port()),
        ])
        .arg("--reports")
        .arg(&reports)
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    let doc = check_reports_agree(&reports);
    assert_eq!(
        verdicts(&doc),
        [
            ("report-down::target is down".to_owned(), "error".to_owned()),
            ("report-main::passes".to_owned(), "pass".to_owned()),
            ("report-main::fails on status".to_owned(), "fail".to_owned()),
            (
                "report-main::passes with a warning".to_owned(),
                "pass".to_owned()
            ),
            ("report-main::declared skip".to_owned(), "skip".to_owned()),
        ],
        "{stdout}"
    );
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert_eq!(doc["run"]["interrupted"], false);
    assert_eq!(doc["summary"]["warnings"], 1);
    // The failure points at the YAML line of `status: 200` of that case.
    let fail = &doc["cases"][2]["findings"][0];
    assert_eq!(fail["kind"], "status");
    assert_eq!(fail["location"]["line"], 14);
    assert!(
        fail["location"]["file"]
            .as_str()
            .unwrap()
            .ends_with("main.yaml")
    );
    assert_eq!(
        doc["cases"][2]["exchanges"][0]["response"]["request_id"],
        "request-id-test-503"
    );
    // The failure text in JUnit is the console's.
    let xml = std::fs::read_to_string(reports.join("junit.xml")).unwrap();
    assert!(xml.contains("expected status 200, got 503"), "{xml}");
    assert!(stdout.contains("expected status 200, got 503"), "{stdout}");
}

#[tokio::test(flavor = "multi_thread")]
async fn single_flags_write_single_files() {
    let server = double().await;
    let dir = tempfile::tempdir().unwrap();
    let (j, x, h) = (
        dir.path().join("a/r.json"),
        dir.path().join("b/r.xml"),
        dir.path().join("c/r.html"),
    );
    let out = sessconform()
        .arg(fixture("main.yaml"))
        .args(["--base-url", &server.uri(), "--filter", "passes"])
        .arg("--json")
        .arg(&j)
        .arg("--junit")
        .arg(&x)
        .arg("--html")
        .arg(&h)
        .output()
        .unwrap();
    assert!(out.status.code().is_some(), "{}", text(&out.stderr));
    let doc = read_json(&j);
    assert_eq!(doc["summary"]["total"], 2);
    assert!(
        std::fs::read_to_string(&x)
            .unwrap()
            .contains("<testsuite name=\"report-main\" tests=\"2\"")
    );
    assert!(
        std::fs::read_to_string(&h)
            .unwrap()
            .contains("id=\"count-total\">2<")
    );
}

#[test]
fn target_down_still_writes_reports() {
    let dir = tempfile::tempdir().unwrap();
    let out = sessconform()
        .arg(fixture("down.yaml"))
        .args(["--base-url", &format!("http://127.0.0.1:{}", closed_port())])
        .arg("--reports")
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stdout));
    let doc = check_reports_agree(dir.path());
    assert_eq!(
        verdicts(&doc),
        [("report-down::target is down".to_owned(), "error".to_owned())]
    );
    assert!(
        doc["cases"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("connect")
    );
    let xml = std::fs::read_to_string(dir.path().join("junit.xml")).unwrap();
    assert!(xml.contains("<error message="), "{xml}");
}

#[test]
fn github_annotations_appear_automatically_under_github_actions() {
    let out = sessconform()
        .arg(fixture("down.yaml"))
        .args(["--base-url", &format!("http://127.0.0.1:{}", closed_port())])
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_WORKSPACE", repo_root())
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("::error file=tests/fixtures/report/down.yaml,line=4,col="),
        "{stdout}"
    );
    assert!(
        stdout.contains("title=report-down%3A%3Atarget is down could not run::"),
        "{stdout}"
    );
    // Not without it.
    let out = sessconform()
        .arg(fixture("down.yaml"))
        .args(["--base-url", &format!("http://127.0.0.1:{}", closed_port())])
        .output()
        .unwrap();
    assert!(!text(&out.stdout).contains("::error"));
}

#[tokio::test(flavor = "multi_thread")]
async fn format_github_annotates_the_failing_assertion_line() {
    let server = double().await;
    let out = sessconform()
        .arg(fixture("main.yaml"))
        .args(["--base-url", &server.uri(), "--format", "github"])
        .current_dir(repo_root())
        .output()
        .unwrap();
    let stdout = text(&out.stdout);
    let file = fixture("main.yaml");
    let want = format!(
        "::error file={},line=14,",
        sessconform::report::github::escape_property(&file.to_string_lossy())
    );
    assert!(stdout.contains(&want), "no {want} in {stdout}");
    assert!(
        stdout.contains("::notice file="),
        "the warning is annotated too, as a notice (GitHub shows only 10 warnings per step): {stdout}"
    );
    assert!(!stdout.contains("::warning"), "{stdout}");
}

#[test]
fn no_progress_noise_when_stderr_is_not_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let mut yaml = String::from("suite: many\napi: demo\ncases:\n");
    for i in 0..30 {
        yaml.push_str(&format!(
            "  - name: case {i}\n    skip: not today\n    request: {{path: /x}}\n"
        ));
    }
    let file = write(dir.path(), "many.yaml", &yaml);
    let out = sessconform()
        .arg(&file)
        .args(["--base-url", "http://127.0.0.1:9"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert!(text(&out.stdout).contains("30 skipped"));
    assert_eq!(text(&out.stderr), "", "stderr must stay empty in CI logs");
}

#[test]
fn unusable_report_path_is_a_usage_error_before_running() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = write(dir.path(), "file", "x");
    let out = sessconform()
        .arg(fixture("down.yaml"))
        .args(["--base-url", "http://127.0.0.1:9"])
        .arg("--reports")
        .arg(blocker.join("sub"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("failed to create the report folder"),
        "{}",
        text(&out.stderr)
    );
    assert!(!text(&out.stdout).contains("running"), "nothing ran");
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread")]
async fn ctrl_c_writes_partial_reports_marked_interrupted() {
    let server = double().await;
    let dir = tempfile::tempdir().unwrap();
    let child = sessconform()
        .arg(fixture("slow.yaml"))
        .args([
            "--base-url",
            &server.uri(),
            "--jobs",
            "1",
            "--timeout",
            "60s",
        ])
        .arg("--reports")
        .arg(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Wait until the first request is in flight, then press Ctrl-C.
    let start = Instant::now();
    while server
        .received_requests()
        .await
        .unwrap_or_default()
        .is_empty()
    {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no request reached the double"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out: Output = tokio::task::spawn_blocking(move || child.wait_with_output())
        .await
        .unwrap()
        .unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "the run did not stop promptly"
    );
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stdout));
    assert!(text(&out.stderr).contains("interrupted"));
    let doc = check_reports_agree(dir.path());
    assert_eq!(doc["run"]["interrupted"], true);
    assert_eq!(
        doc["summary"]["total"], 3,
        "every planned case is in the report"
    );
    assert!(verdicts(&doc).iter().all(|(_, v)| v == "skip"));
    let xml = std::fs::read_to_string(dir.path().join("junit.xml")).unwrap();
    assert!(xml.contains("name=\"sessconform (interrupted)\""));
    assert!(xml.contains("<property name=\"interrupted\" value=\"true\"/>"));
    let html = std::fs::read_to_string(dir.path().join("index.html")).unwrap();
    assert!(html.contains("id=\"interrupted\""));
}
