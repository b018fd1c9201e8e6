//! Matrix and diff output in every report format: JSON (against its schema), JUnit (one
//! testsuite per suite per target; Jenkins' XSD when xmllint is installed), HTML (matrix at the
//! top, every cell linking to the case's findings; the noise table of a diff) and GitHub
//! annotations.

#![cfg(feature = "server")]

mod compat_support;
mod report_support;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use compat_support::*;
use quick_junit::{NonSuccessKind, Report, TestCaseStatus};
use serde_json::Value;
use sessconform::report::json;

fn validate(doc: &Value) {
    let schema: Value = serde_json::from_str(json::SCHEMA).unwrap();
    let v = jsonschema::draft202012::new(&schema).unwrap();
    let errors: Vec<String> = v
        .iter_errors(doc)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).unwrap()
}

fn xsd_valid(path: &Path) {
    if !report_support::tool_available("xmllint", "--version", "the JUnit XSD") {
        return;
    }
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(report_support::junit_xsd())
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every `href="#x"` of the page has an element `id="x"`.
fn links_resolve(html: &str) -> usize {
    let ids: BTreeSet<&str> = html
        .split("id=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect();
    let mut n = 0;
    for href in html.split("href=\"#").skip(1) {
        let target = href.split('"').next().unwrap();
        assert!(ids.contains(target), "dangling link #{target}");
        n += 1;
    }
    n
}

#[tokio::test(flavor = "multi_thread")]
async fn matrix_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (server(&[]).await, server(&["lenient-auth"]).await);
    let (ta, tb) = (
        target_file(dir.path(), &a, "reference"),
        target_file(dir.path(), &b, "lenient"),
    );
    let reports = dir.path().join("reports");
    let o = bin(args(&[
        &"run",
        &fixtures().join("stytch"),
        &"--target",
        &ta,
        &"--target",
        &tb,
        &"--reports",
        &reports,
        &"--format",
        &"github",
    ]))
    .await;
    assert_eq!(o.status.code(), Some(1), "{}{}", stdout(&o), stderr(&o));
    // GitHub annotations name the target of the failing cell.
    let out = stdout(&o);
    assert!(
        out.lines()
            .any(|l| l.starts_with("::error") && l.contains("list without credentials")),
        "{out}"
    );

    // JSON: valid, with the matrix.
    let doc: Value = serde_json::from_str(&read(&reports, "report.json")).unwrap();
    validate(&doc);
    let m = &doc["compat"];
    assert_eq!(m["kind"], "matrix");
    assert_eq!(m["targets"], serde_json::json!(["reference", "lenient"]));
    let row = m["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "compat-stytch::list without credentials")
        .unwrap();
    assert_eq!(row["cells"][0]["cell"], "pass");
    assert_eq!(row["cells"][1]["cell"], "fail");
    assert_eq!(row["cells"][1]["failures"], 1);
    let suites: Vec<&str> = doc["suites"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        suites,
        ["compat-stytch @ reference", "compat-stytch @ lenient"]
    );
    assert_eq!(doc["cases"].as_array().unwrap().len(), 10);

    // JUnit: one testsuite per suite per target, each with its rows of the matrix.
    let xml = read(&reports, "junit.xml");
    let report = Report::deserialize_from_str(&xml).unwrap();
    let names: Vec<&str> = report.test_suites.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(
        names,
        ["compat-stytch @ reference", "compat-stytch @ lenient"]
    );
    assert_eq!(report.test_suites[0].failures, 0);
    assert_eq!(report.test_suites[1].failures, 1);
    let sysout = report.test_suites[1].system_out.as_ref().unwrap().as_str();
    assert!(sysout.contains("matrix (case × target)"), "{sysout}");
    assert!(
        sysout.contains("≠ compat-stytch::list without credentials"),
        "{sysout}"
    );
    xsd_valid(&reports.join("junit.xml"));

    // HTML: the matrix first, every cell a working link to its case.
    let html = read(&reports, "index.html");
    let matrix_at = html.find("<section id=\"matrix\"").expect("matrix section");
    assert!(
        matrix_at < html.find("class=\"counts\"").unwrap(),
        "matrix is at the top"
    );
    assert!(html.contains("<tr class=\"differs\"><th scope=\"row\"><code>compat-stytch::list without credentials</code>"));
    assert!(links_resolve(&html) >= 10);
    let anchor = sessconform::compat::anchor("compat-stytch::list without credentials", "lenient");
    assert!(
        html.contains(&format!("<a class=\"cell fail\" href=\"#{anchor}\"")),
        "{anchor}"
    );
    let at = html.find(&format!("id=\"{anchor}\"")).unwrap();
    assert!(html[at..].starts_with(&format!("id=\"{anchor}\"></a><details class=\"case\"")));
    assert!(html[at..at + 400].contains("data-suite=\"compat-stytch @ lenient\""));
    for secret in [
        "secret-test-kX2vR9qLm4Tz7Wc1Np8Ys3Hd6Bf0Ju5GaE=",
        "WJtR5BCy38Szd5AfoDpf0iqFKEt4EE5JhjlWUY7l3FtY",
    ] {
        for f in ["index.html", "report.json", "junit.xml"] {
            assert!(!read(&reports, f).contains(secret), "secret in {f}");
        }
    }
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn diff_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (
        server(&[]).await,
        server(&["stytch-status-code-mismatch"]).await,
    );
    let (ta, tb) = (
        target_file(dir.path(), &a, "reference"),
        target_file(dir.path(), &b, "faulty"),
    );
    let reports = dir.path().join("reports");
    let o = bin(args(&[
        &"diff",
        &fixtures().join("stytch"),
        &"--baseline",
        &ta,
        &"--candidate",
        &tb,
        &"--reports",
        &reports,
        &"--format",
        &"github",
    ]))
    .await;
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{}", stderr(&o));
    let annotations: Vec<&str> = out.lines().filter(|l| l.starts_with("::error")).collect();
    assert_eq!(annotations.len(), 3, "{out}");
    assert!(
        annotations.iter().all(|l| l.contains("/body/status_code")),
        "{annotations:?}"
    );

    // JSON: valid; differences are findings, the noise summary is listed.
    let doc: Value = serde_json::from_str(&read(&reports, "report.json")).unwrap();
    validate(&doc);
    let d = &doc["compat"];
    assert_eq!(d["kind"], "diff");
    assert_eq!(d["baseline"], "reference");
    assert_eq!(d["candidate"], "faulty");
    assert_eq!(d["differences"], 3);
    assert_eq!(d["learned"], true);
    let noise: Vec<(&str, &str)> = d["noise"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["path"].as_str().unwrap(), n["source"].as_str().unwrap()))
        .collect();
    assert!(
        noise.contains(&("/body/request_id", "learned")),
        "{noise:?}"
    );
    let findings: Vec<&Value> = doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|c| c["findings"].as_array().into_iter().flatten())
        .collect();
    assert_eq!(findings.len(), 3);
    for f in &findings {
        assert_eq!(f["kind"], "difference");
        assert_eq!(f["path"], "/body/status_code");
        assert_eq!(f["actual"], "200");
        assert!(
            f["detail"]
                .as_str()
                .unwrap()
                .contains("+  \"status_code\": 200")
        );
    }

    // JUnit: failures of type `difference` carry the diff; the suite lists its noise.
    let xml = read(&reports, "junit.xml");
    let report = Report::deserialize_from_str(&xml).unwrap();
    assert_eq!(report.failures, 3);
    let suite = &report.test_suites[0];
    let failed: Vec<_> = suite
        .test_cases
        .iter()
        .filter_map(|tc| match &tc.status {
            TestCaseStatus::NonSuccess {
                kind: NonSuccessKind::Failure,
                ty,
                description,
                ..
            } => Some((
                ty.as_ref().map(|t| t.as_str().to_owned()),
                description.as_ref().map(|d| d.as_str().to_owned()),
            )),
            _ => None,
        })
        .collect();
    assert_eq!(failed.len(), 3);
    for (ty, desc) in &failed {
        assert_eq!(ty.as_deref(), Some("difference"));
        let desc = desc.as_deref().unwrap();
        assert!(desc.contains("-  \"status_code\": 4"), "{desc}");
        // Shown once although both sides' exchanges are listed.
        assert_eq!(desc.matches("[difference]").count(), 1, "{desc}");
        // Both sides' exchanges are listed.
        let ports: BTreeSet<&str> = desc
            .split(" http://127.0.0.1:")
            .skip(1)
            .filter_map(|s| s.split('/').next())
            .collect();
        assert_eq!(ports.len(), 2, "{desc}");
    }
    let sysout = suite.system_out.as_ref().unwrap().as_str();
    assert!(sysout.contains("treated as noise"), "{sysout}");
    assert!(sysout.contains("/body/request_id"), "{sysout}");
    xsd_valid(&reports.join("junit.xml"));

    // HTML: the diff summary and its noise table at the top, differences with their diffs.
    let html = read(&reports, "index.html");
    let at = html
        .find("<section id=\"diff-summary\"")
        .expect("diff section");
    assert!(at < html.find("class=\"counts\"").unwrap());
    assert!(html.contains("<table class=\"noise\" id=\"noise\">"));
    assert!(html.contains("<td><code>/body/request_id</code></td><td>learned</td>"));
    assert!(html.contains("<span class=\"kind\">difference</span>/body/status_code: 404 → 200"));
    assert!(html.contains("<span class=\"add\">+  &quot;status_code&quot;: 200\n</span>"));
    links_resolve(&html);
    for f in ["index.html", "report.json", "junit.xml"] {
        assert!(!read(&reports, f).contains("secret-test-"), "secret in {f}");
    }
    a.shutdown().await;
    b.shutdown().await;
}
