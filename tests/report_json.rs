//! The JSON report against its own JSON Schema (specs/report/run-report.json), and its content.

#![cfg(feature = "server")]

mod report_support;

use report_support::*;
use serde_json::{Value, json};
use sessconform::report::{ReportExchanges, json};
use sessconform::result::Verdict;

fn validator() -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(json::SCHEMA).expect("the schema is JSON");
    jsonschema::draft202012::new(&schema).expect("the schema compiles")
}

fn errors(v: &jsonschema::Validator, doc: &Value) -> Vec<String> {
    v.iter_errors(doc)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn schema_file_on_disk_is_the_embedded_one() {
    let on_disk =
        std::fs::read_to_string(repo_root().join("specs/report/run-report.json")).unwrap();
    assert_eq!(on_disk, json::SCHEMA);
}

#[test]
fn our_reports_validate_against_the_schema() {
    let v = validator();
    let mut multi = sample_cases();
    let mut other = multi[0].clone();
    other.target = "prod".to_owned();
    multi.push(other);
    for (name, record) in [
        ("full", sample_record()),
        ("interrupted", record_of(&sample_cases()[..3], true)),
        ("multi-target", record_of(&multi, false)),
        ("empty", record_of(&[], false)),
    ] {
        let text = json::render(&record);
        let doc: Value = serde_json::from_str(&text).expect("valid JSON text");
        let errs = errors(&v, &doc);
        assert!(errs.is_empty(), "{name}: {errs:#?}");
    }
}

#[test]
fn schema_rejects_malformed_reports() {
    let v = validator();
    let good = json::document(&sample_record());
    assert!(errors(&v, &good).is_empty());
    let mut missing_case_field = good.clone();
    missing_case_field["cases"][0]
        .as_object_mut()
        .unwrap()
        .remove("verdict");
    let mut bad_verdict = good.clone();
    bad_verdict["cases"][1]["verdict"] = json!("passed");
    let mut unknown_field = good.clone();
    unknown_field["summary"]["flaky"] = json!(0);
    let mut wrong_version = good.clone();
    wrong_version["format_version"] = json!(1);
    for (name, doc) in [
        ("missing verdict", missing_case_field),
        ("bad verdict", bad_verdict),
        ("unknown field", unknown_field),
        ("wrong version", wrong_version),
    ] {
        assert!(!errors(&v, &doc).is_empty(), "{name} was accepted");
    }
}

#[test]
fn carries_run_summary_cases_findings_and_exchanges() {
    let cases = sample_cases();
    let doc = json::document(&record_of(&cases, false));
    assert_eq!(doc["format_version"], 2);
    assert_eq!(doc["run"]["target"], "staging <env> & co");
    assert_eq!(doc["run"]["interrupted"], false);
    assert_eq!(doc["run"]["complete"], true);
    assert_eq!(doc["run"]["duration_ms"], 1234.0);
    assert_eq!(
        doc["run"]["base_urls"][1],
        json!({"api": "stytch", "url": "http://127.0.0.1:4010/stytch"})
    );
    assert_eq!(
        doc["summary"],
        json!({"total": 7, "passed": 2, "failed": 2, "errors": 1, "skipped": 2, "warnings": 2,
        "skipped_by": {
            "missing vars: session_token (set them under `apis.stytch.vars`)": 1,
            "not supported by the sandbox": 1
        }})
    );
    assert_eq!(doc["suites"][0]["name"], "stytch-sessions");
    assert_eq!(doc["suites"][0]["summary"]["total"], 3);
    assert_eq!(doc["suites"][1]["summary"]["errors"], 1);

    let out = doc["cases"].as_array().unwrap();
    assert_eq!(out.len(), cases.len(), "a case is missing");
    for (c, r) in out.iter().zip(&cases) {
        assert_eq!(c["id"], r.id.as_str());
        assert_eq!(c["verdict"], r.verdict.as_str());
        assert_eq!(
            c["findings"].as_array().map_or(0, Vec::len),
            r.findings.len()
        );
        // By default only cases that failed, errored or warned carry their exchanges.
        let kept = r.verdict != Verdict::Pass || r.warnings().next().is_some();
        let want = if kept { r.exchanges.len() } else { 0 };
        assert_eq!(
            c["exchanges"].as_array().map_or(0, Vec::len),
            want,
            "{}",
            r.id
        );
        assert_eq!(c["location"]["file"], r.span.file.name.as_str());
        assert_eq!(c["location"]["line"], r.span.line);
    }
    let get = &out[0];
    let status = &get["findings"][0];
    assert_eq!(status["kind"], "status");
    assert_eq!(status["level"], "fail");
    assert_eq!(
        status["location"],
        json!({"file": "builtin:cases/stytch.yaml", "line": 7, "col": 15})
    );
    assert_eq!(status["source_line"], "      status: 200");
    assert_eq!(status["expected"], "200");
    assert_eq!(get["findings"][1]["path"], "/session/expires_at");
    assert_eq!(
        get["findings"][1]["schema_id"],
        "stytch/sessions-authenticate-response"
    );
    assert!(
        get["findings"][2]["detail"]
            .as_str()
            .unwrap()
            .contains("-  \"user_id\": \"user-test-1\"")
    );
    assert_eq!(get["findings"][3]["level"], "warn");
    let ex = &get["exchanges"][0];
    assert_eq!(ex["request"]["method"], "POST");
    assert_eq!(
        ex["request"]["headers"][0],
        json!({"name": "authorization", "value": "Basic ***"})
    );
    assert_eq!(ex["response"]["status"], 500);
    assert_eq!(ex["response"]["request_id"], "request-id-test-0");
    assert!(ex["curl"].as_str().unwrap().starts_with("curl "));
    // The transport error has no response.
    assert_eq!(out[3]["verdict"], "error");
    assert_eq!(out[3]["exchanges"][0]["response"], Value::Null);
    assert!(
        out[3]["reason"]
            .as_str()
            .unwrap()
            .contains("connection refused")
    );
    // Hostile content survives as data.
    assert_eq!(ex["response"]["body"], HOSTILE);
}

#[test]
fn passing_exchanges_only_with_report_exchanges_all() {
    let cases = sample_cases();
    let silent_pass = cases
        .iter()
        .position(|r| {
            r.verdict == Verdict::Pass && r.warnings().next().is_none() && !r.exchanges.is_empty()
        })
        .expect("the sample has a passing case without warnings that sent a request");
    let failing = cases
        .iter()
        .position(|r| r.verdict == Verdict::Fail && !r.exchanges.is_empty())
        .unwrap();
    let mut record = record_of(&cases, false);
    let default = json::document(&record);
    assert_eq!(default["run"]["report_exchanges"], "failed");
    assert_eq!(default["cases"][silent_pass].get("exchanges"), None);
    assert_eq!(
        default["cases"][failing]["exchanges"]
            .as_array()
            .unwrap()
            .len(),
        cases[failing].exchanges.len()
    );
    record.exchanges = ReportExchanges::All;
    let all = json::document(&record);
    assert_eq!(all["run"]["report_exchanges"], "all");
    assert_eq!(
        all["cases"][silent_pass]["exchanges"][0]["request"]["url"],
        cases[silent_pass].exchanges[0].request.url.as_str()
    );
    assert_eq!(
        all["cases"][failing]["exchanges"],
        default["cases"][failing]["exchanges"]
    );
    for doc in [&default, &all] {
        assert!(
            errors(&validator(), doc).is_empty(),
            "{:?}",
            errors(&validator(), doc)
        );
    }
}

#[test]
fn interrupted_and_unfinished_runs_are_marked() {
    let doc = json::document(&record_of(&sample_cases()[..2], true));
    assert_eq!(doc["run"]["interrupted"], true);
    assert_eq!(doc["run"]["complete"], true);
    let mut r = sessconform::report::RunRecord::default();
    for e in events(&sample_cases()[..2], false).iter().take(2) {
        r.on_event(e);
    }
    let doc = json::document(&r);
    assert_eq!(doc["run"]["interrupted"], true);
    assert_eq!(doc["run"]["complete"], false);
    assert_eq!(doc["cases"].as_array().unwrap().len(), 1);
    assert!(errors(&validator(), &doc).is_empty());
}
