//! `--format github`: one annotation per failing check at its YAML line, escaped per GitHub's
//! workflow-command rules.

#![cfg(feature = "server")]

mod report_support;

use std::path::PathBuf;

use report_support::*;
use sessconform::report::Reporter;
use sessconform::report::github::GithubReporter;

fn annotate(cases: &[sessconform::result::CaseResult], interrupted: bool) -> Vec<String> {
    let mut r = GithubReporter::new(Vec::new(), None);
    for e in events(cases, interrupted) {
        r.on_event(&e);
    }
    r.finish().unwrap();
    String::from_utf8(r.into_inner())
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

#[test]
fn one_annotation_per_failing_check_at_its_yaml_line() {
    let lines = annotate(&sample_cases(), false);
    assert_eq!(
        lines[0],
        "::error file=cases/stytch.yaml,line=7,col=15,title=stytch-sessions%3A%3Aget session::expected status 200, got 500%0Aexpected: 200%0Aactual:   500"
    );
    assert!(lines[1].starts_with("::error file=cases/stytch.yaml,line=8,col=15,title=stytch-sessions%3A%3Aget session::/session/expires_at"));
    assert!(lines[2].starts_with("::error file=cases/stytch.yaml,line=10,col=11,"));
    assert!(
        lines[2].contains("%0A-  \"user_id\": \"user-test-1\"%0A"),
        "{}",
        lines[2]
    );
    assert!(lines[3].starts_with("::warning file=cases/stytch.yaml,line=12,col=11,"));
    assert_eq!(
        lines[4],
        "::warning file=cases/stytch.yaml,line=15,col=5,title=stytch-sessions%3A%3Alist sessions::header x-request-id is missing"
    );
    assert_eq!(
        lines[5],
        "::error file=tests/fixtures/clerk.yaml,line=4,col=5,title=clerk-sessions%3A%3Alist sessions could not run::list sessions: could not connect: connection refused"
    );
    // A finding without a location points at its case.
    assert!(lines[6].starts_with("::error file=tests/fixtures/clerk.yaml,line=5,col=5,title=clerk-sessions%3A%3Alists <sessions> & \"quotes\"::body is not JSON"));
    assert_eq!(
        lines.len(),
        7,
        "skips and clean passes are not annotated: {lines:#?}"
    );
    for l in &lines {
        assert!(!l.contains('\r') && !l.contains('\x1b'), "{l}");
    }
}

#[test]
fn properties_and_messages_are_escaped() {
    let mut cases = sample_cases();
    let c = &mut cases[0];
    c.id = "a,b::c%d".to_owned();
    c.findings.truncate(1);
    c.findings[0].message = "50% off\r\nsecond line".to_owned();
    c.findings[0].expected = None;
    c.findings[0].actual = None;
    let lines = annotate(&cases[..1], true);
    assert_eq!(
        lines[0],
        "::error file=cases/stytch.yaml,line=7,col=15,title=a%2Cb%3A%3Ac%25d::50%25 off%0D%0Asecond line"
    );
    assert_eq!(
        lines.last().unwrap(),
        "::warning title=sessconform::the run was interrupted: cases not run are reported as skipped"
    );
}

#[test]
fn workspace_paths_become_repository_relative() {
    let mut cases = sample_cases();
    let file =
        sessconform::source::SourceFile::new("/home/runner/work/app/app/cases/x.yaml", "a: 1\n");
    cases[4].span = span(&file, 1, 1);
    let mut r = GithubReporter::new(Vec::new(), Some(PathBuf::from("/home/runner/work/app/app")));
    for e in events(&cases[4..5], false) {
        r.on_event(&e);
    }
    let out = String::from_utf8(r.into_inner()).unwrap();
    assert!(
        out.starts_with("::error file=cases/x.yaml,line=1,col=1,"),
        "{out}"
    );
}
