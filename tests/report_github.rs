//! `--format github`: one annotation per failing check at its YAML line (built-in cases without a
//! file), notices for warnings, paths relative to the workspace, a job summary, all escaped per
//! GitHub's workflow-command rules.

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
    // Built-in cases carry no `file=`: their location is in the title, so the annotation can
    // never land on a user's own `cases/stytch.yaml`.
    assert_eq!(
        lines[0],
        "::error title=stytch-sessions%3A%3Aget session (builtin%3Acases/stytch.yaml%3A7%3A15)::expected status 200, got 500%0Aexpected: 200%0Aactual:   500"
    );
    assert!(lines[1].starts_with("::error title=stytch-sessions%3A%3Aget session (builtin%3Acases/stytch.yaml%3A8%3A15)::/session/expires_at"));
    assert!(lines[2].starts_with(
        "::error title=stytch-sessions%3A%3Aget session (builtin%3Acases/stytch.yaml%3A10%3A11)::"
    ));
    assert!(
        lines[2].contains("%0A-  \"user_id\": \"user-test-1\"%0A"),
        "{}",
        lines[2]
    );
    // Warnings are notices: GitHub shows only 10 warnings per step.
    assert!(lines[3].starts_with("::notice title="), "{}", lines[3]);
    assert_eq!(
        lines[4],
        "::notice title=stytch-sessions%3A%3Alist sessions (builtin%3Acases/stytch.yaml%3A15%3A5)::header x-request-id is missing"
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
        assert!(!l.starts_with("::warning"), "{l}");
    }
}

#[test]
fn a_relative_path_from_a_subdirectory_is_repository_relative() {
    use sessconform::report::github::Workspace;
    let cases = sample_cases();
    let ws = Workspace {
        root: Some(PathBuf::from("/home/runner/work/app/app")),
        cwd: Some(PathBuf::from("/home/runner/work/app/app/services/api")),
    };
    let mut r = GithubReporter::in_workspace(Vec::new(), ws);
    for e in events(&cases[4..5], false) {
        r.on_event(&e);
    }
    let out = String::from_utf8(r.into_inner()).unwrap();
    assert!(
        out.starts_with("::error file=services/api/tests/fixtures/clerk.yaml,line=5,col=5,"),
        "{out}"
    );
}

#[test]
fn the_job_summary_is_a_markdown_table_of_suites_and_failing_cases() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("summary.md");
    std::fs::write(&path, "earlier step\n").unwrap();
    let mut cases = sample_cases();
    cases[3].id = "clerk-sessions::a | b\n| x |".to_owned();
    let mut r = GithubReporter::new(Vec::new(), None).with_step_summary(Some(path.clone()));
    for e in events(&cases, false) {
        r.on_event(&e);
    }
    r.finish().unwrap();
    let md = std::fs::read_to_string(&path).unwrap();
    assert!(
        md.starts_with("earlier step\n## sessconform\n"),
        "appended: {md}"
    );
    assert!(
        md.contains("**2** passed, **2** failed, **1** could not run, **2** skipped"),
        "{md}"
    );
    assert!(
        md.contains("| suite | passed | failed | could not run | skipped |"),
        "{md}"
    );
    assert!(
        md.contains("| clerk-sessions @ staging | 1 | 1 | 1 | 1 |"),
        "{md}"
    );
    assert!(
        md.contains("| stytch-sessions @ staging | 1 | 1 | 0 | 1 |"),
        "{md}"
    );
    assert!(md.contains("### Failing cases"), "{md}");
    assert!(
        md.contains("| stytch-sessions::get session | builtin:cases/stytch.yaml:7:15 | \\[status\\] expected status 200, got 500 |"),
        "{md}"
    );
    // A case name cannot add rows or break the table.
    assert!(md.contains("clerk-sessions::a \\| b \\| x \\|"), "{md}");
    let rows = md.lines().filter(|l| l.starts_with('|')).count();
    assert_eq!(rows, 2 + 2 + 2 + 3, "{md}");
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
        "::error title=a%2Cb%3A%3Ac%25d (builtin%3Acases/stytch.yaml%3A7%3A15)::50%25 off%0D%0Asecond line"
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
