//! JUnit XML: structure, Jenkins' XSD (xmllint) and a real third-party reader (junitparser).

#![cfg(feature = "server")]

mod report_support;

use std::process::Command;

use quick_junit::{NonSuccessKind, Report, TestCaseStatus};
use report_support::*;
use sessconform::report::junit;
use sessconform::report::text::{Style, render_case};
use sessconform::result::Verdict;

fn forbidden_xml_char(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{FFFE}' | '\u{FFFF}')
}

#[test]
fn one_testsuite_per_suite_and_one_testcase_per_case() {
    let cases = sample_cases();
    let xml = junit::render(&record_of(&cases, false)).unwrap();
    let report = Report::deserialize_from_str(&xml).expect("our JUnit parses back");
    assert_eq!(report.name.as_deref(), Some("sessconform"));
    assert_eq!(report.tests, 7);
    assert_eq!(report.failures, 2);
    assert_eq!(report.errors, 1);
    let names: Vec<&str> = report.test_suites.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["stytch-sessions", "clerk-sessions"]);
    let mut seen = 0;
    for suite in &report.test_suites {
        for tc in &suite.test_cases {
            let r = cases
                .iter()
                .find(|c| c.suite == suite.name.as_str() && c.case == tc.name.as_str())
                .unwrap_or_else(|| panic!("unexpected testcase {}", tc.name.as_str()));
            seen += 1;
            assert_eq!(tc.classname.as_deref(), Some(r.suite.as_str()));
            match (&tc.status, r.verdict) {
                (TestCaseStatus::Success { .. }, Verdict::Pass) => {}
                (
                    TestCaseStatus::NonSuccess {
                        kind: NonSuccessKind::Failure,
                        description,
                        message,
                        ..
                    },
                    Verdict::Fail,
                ) => {
                    // The failure text is exactly what the console shows, in plain text.
                    assert_eq!(
                        description.as_deref().unwrap().trim_end(),
                        render_case(r, Style::Plain)
                            .replace(['\u{0}', '\u{FFFE}'], "")
                            .replace("\x1b[31m", "")
                            .replace("\x1b[0m", "")
                            .trim_end()
                    );
                    assert!(message.is_some());
                }
                (
                    TestCaseStatus::NonSuccess {
                        kind: NonSuccessKind::Error,
                        message,
                        ..
                    },
                    Verdict::Error,
                ) => assert_eq!(message.as_deref(), r.reason.as_deref()),
                (TestCaseStatus::Skipped { message, .. }, Verdict::Skip) => {
                    assert_eq!(message.as_deref(), r.reason.as_deref());
                }
                (st, v) => panic!("{}: verdict {v:?} written as {st:?}", r.id),
            }
            let kept = r.verdict != Verdict::Pass || r.warnings().next().is_some();
            if !kept {
                assert!(
                    tc.system_out.is_none(),
                    "{}: passing exchange left out",
                    r.id
                );
            }
            if kept && !r.exchanges.is_empty() {
                let out = tc.system_out.as_deref().expect("exchange in system-out");
                assert!(
                    out.contains("> POST http://127.0.0.1:4010/stytch/v1/sessions/authenticate"),
                    "{out}"
                );
                assert!(out.contains("> authorization: Basic ***"), "{out}");
                assert!(out.contains("reproduce: curl"), "{out}");
            }
        }
    }
    assert_eq!(seen, cases.len(), "every case is a testcase");
}

#[test]
fn passing_exchanges_appear_with_report_exchanges_all() {
    let cases = sample_cases();
    let mut record = record_of(&cases, false);
    record.exchanges = sessconform::report::ReportExchanges::All;
    let xml = junit::render(&record).unwrap();
    let report = Report::deserialize_from_str(&xml).unwrap();
    let silent = cases
        .iter()
        .find(|r| {
            r.verdict == Verdict::Pass && r.warnings().next().is_none() && !r.exchanges.is_empty()
        })
        .unwrap();
    let tc = report
        .test_suites
        .iter()
        .flat_map(|s| &s.test_cases)
        .find(|tc| tc.name.as_str() == silent.case)
        .unwrap();
    let out = tc
        .system_out
        .as_deref()
        .expect("the passing exchange is kept");
    assert!(
        out.contains(&format!(
            "> {} {}",
            silent.exchanges[0].request.method, silent.exchanges[0].request.url
        )),
        "{out}"
    );
    // …and its request id becomes a suite property, as for failures.
    if let Some(id) = silent.exchanges[0]
        .response
        .as_ref()
        .and_then(|r| r.request_id.as_deref())
    {
        assert!(xml.contains(&format!("value=\"{id}\"")), "{xml}");
    }
}

#[test]
fn properties_carry_target_api_version_schemas_and_request_ids() {
    let xml = junit::render(&sample_record()).unwrap();
    let report = Report::deserialize_from_str(&xml).unwrap();
    let stytch = &report.test_suites[0];
    let props: Vec<(&str, &str)> = stytch
        .properties
        .iter()
        .map(|p| (p.name.as_str(), p.value.as_str()))
        .collect();
    for want in [
        ("target", "staging"),
        ("api", "stytch"),
        ("base_url", "http://127.0.0.1:4010/stytch"),
        ("api_version", "2025-04-10"),
        ("schema_id", "stytch/sessions-authenticate-response"),
        ("schema_id", "stytch/sessions-get-response"),
        ("request_id:get session", "request-id-test-0"),
        ("request_id:list sessions", "request-id-test-0"),
    ] {
        assert!(props.contains(&want), "missing {want:?} in {props:?}");
    }
    assert!(!props.iter().any(|(k, _)| *k == "interrupted"));
    // The warnings of a passing case go to system-err.
    let list = stytch
        .test_cases
        .iter()
        .find(|t| t.name.as_str() == "list sessions")
        .unwrap();
    assert!(
        list.system_err
            .as_deref()
            .unwrap()
            .contains("header x-request-id is missing")
    );
}

#[test]
fn no_ansi_and_no_characters_xml_forbids() {
    let xml = junit::render(&sample_record()).unwrap();
    assert!(!xml.contains('\x1b'), "ANSI escape in JUnit");
    if let Some(c) = xml.chars().find(|c| forbidden_xml_char(*c)) {
        panic!("forbidden XML character U+{:04X} in JUnit", c as u32);
    }
    // Server markup is escaped text, never elements.
    assert!(!xml.contains("<script>"));
    assert!(xml.contains("&lt;/script&gt;"));
}

#[test]
fn interrupted_runs_are_marked() {
    let xml = junit::render(&record_of(&sample_cases()[..3], true)).unwrap();
    let report = Report::deserialize_from_str(&xml).unwrap();
    assert_eq!(report.name.as_deref(), Some("sessconform (interrupted)"));
    assert!(
        report.test_suites[0]
            .properties
            .iter()
            .any(|p| p.name.as_str() == "interrupted" && p.value.as_str() == "true")
    );
    // A run that never finished (no summary) is partial too.
    let mut r = sessconform::report::RunRecord::default();
    for e in events(&sample_cases()[..2], false).iter().take(2) {
        r.on_event(e);
    }
    let xml = junit::render(&r).unwrap();
    assert!(xml.contains("name=\"sessconform (interrupted)\""), "{xml}");
}

#[test]
fn several_targets_name_suites_suite_at_target() {
    let mut cases = sample_cases();
    let mut other = cases[5].clone();
    other.target = "prod".to_owned();
    cases.push(other);
    let xml = junit::render(&record_of(&cases, false)).unwrap();
    let report = Report::deserialize_from_str(&xml).unwrap();
    let names: Vec<&str> = report.test_suites.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "stytch-sessions @ staging",
            "clerk-sessions @ staging",
            "clerk-sessions @ prod"
        ]
    );
}

#[test]
fn validates_against_jenkins_junit_xsd() {
    if !tool_available("xmllint", "--version", "the JUnit XSD") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let xsd = junit_xsd();
    assert!(xsd.exists(), "junit-10.xsd not found at {}", xsd.display());
    let mut interrupted_multi = sample_cases();
    let mut other = interrupted_multi[0].clone();
    other.target = "prod".to_owned();
    interrupted_multi.push(other);
    for (name, record) in [
        ("full.xml", sample_record()),
        ("interrupted.xml", record_of(&interrupted_multi, true)),
        ("empty.xml", record_of(&[], false)),
    ] {
        let path = write(dir.path(), name, &junit::render(&record).unwrap());
        let out = Command::new("xmllint")
            .arg("--noout")
            .arg("--schema")
            .arg(&xsd)
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name} does not validate:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

const READER: &str = r#"
import json, sys
from junitparser import JUnitXml, TestSuite, Failure, Error, Skipped
xml = JUnitXml.fromfile(sys.argv[1])
suites = [xml] if isinstance(xml, TestSuite) else list(xml)
out = []
for s in suites:
    cases = []
    for c in s:
        kinds = [type(r).__name__ for r in c.result if isinstance(r, (Failure, Error, Skipped))]
        cases.append({"name": c.name, "classname": c.classname, "results": kinds,
                      "message": c.result[0].message if c.result else None})
    out.append({"name": s.name, "tests": s.tests, "failures": s.failures, "errors": s.errors,
                "skipped": s.skipped, "cases": cases})
print(json.dumps(out))
"#;

#[test]
fn junitparser_reads_back_what_we_wrote() {
    if !python_module_available("junitparser") {
        return;
    }
    let cases = sample_cases();
    let dir = tempfile::tempdir().unwrap();
    let path = write(
        dir.path(),
        "junit.xml",
        &junit::render(&record_of(&cases, false)).unwrap(),
    );
    let out = Command::new("python3")
        .args(["-c", READER])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let suites: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let suites = suites.as_array().unwrap();
    assert_eq!(suites.len(), 2);
    let mut seen = 0;
    for s in suites {
        let name = s["name"].as_str().unwrap();
        let mine: Vec<_> = cases.iter().filter(|c| c.suite == name).collect();
        let count = |v: Verdict| mine.iter().filter(|c| c.verdict == v).count() as u64;
        assert_eq!(s["tests"], mine.len() as u64, "{name}");
        assert_eq!(s["failures"], count(Verdict::Fail), "{name}");
        assert_eq!(s["errors"], count(Verdict::Error), "{name}");
        assert_eq!(s["skipped"], count(Verdict::Skip), "{name}");
        let read: Vec<&str> = s["cases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        let written: Vec<&str> = mine.iter().map(|c| c.case.as_str()).collect();
        assert_eq!(read, written, "{name}");
        for (c, r) in s["cases"].as_array().unwrap().iter().zip(&mine) {
            seen += 1;
            assert_eq!(c["classname"], name);
            let want: &[&str] = match r.verdict {
                Verdict::Pass => &[],
                Verdict::Fail => &["Failure"],
                Verdict::Error => &["Error"],
                Verdict::Skip => &["Skipped"],
            };
            assert_eq!(c["results"], serde_json::json!(want), "{}", r.id);
        }
    }
    assert_eq!(seen, cases.len());
}
