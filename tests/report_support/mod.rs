//! Shared fixtures for the report tests: a run with every verdict, warnings, diffs, several
//! steps, a transport error and hostile server content; plus helpers for optional tools.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::Duration;

use sessconform::case::Level;
use sessconform::report::RunRecord;
use sessconform::result::{
    CaseResult, Event, ExchangeRecord, Finding, FindingKind, RequestRecord, ResponseRecord,
    RunInfo, RunSummary, Verdict,
};
use sessconform::source::{SourceFile, Span};

/// Markup a hostile server could send; it must show as text everywhere.
pub const HOSTILE: &str = "</script><script>document.title='pwned'</script><img src=x onerror=\"document.body.setAttribute('data-pwned','1')\"> & \u{2028}\u{2029} \x1b[31mred\x1b[0m \u{0} \u{FFFE}";

pub const STYTCH_YAML: &str = "suite: stytch-sessions
api: stytch
cases:
  - name: get session
    request: {method: POST, path: /v1/sessions/authenticate}
    expect:
      status: 200
      schema: stytch/sessions-authenticate-response
      assert:
        - path: $.session.user_id
          equals: user-test-1
        - path: $.request_id
          matches: \"^request-id-\"
          level: warn
  - name: list sessions
  - name: revoke
";

pub const CLERK_YAML: &str = "suite: clerk-sessions
api: clerk
cases:
  - name: list sessions
  - name: lists <sessions> & \"quotes\"
";

pub fn span(file: &Arc<SourceFile>, line: u32, col: u32) -> Span {
    Span {
        file: Arc::clone(file),
        line,
        col,
    }
}

fn base(file: &Arc<SourceFile>, suite: &str, api: &str, case: &str, line: u32) -> CaseResult {
    CaseResult {
        id: format!("{suite}::{case}"),
        suite: suite.to_owned(),
        case: case.to_owned(),
        api: api.to_owned(),
        target: "staging".to_owned(),
        base_url: format!("http://127.0.0.1:4010/{api}"),
        tags: vec!["read-only".to_owned()],
        span: span(file, line, 5),
        verdict: Verdict::Pass,
        findings: Vec::new(),
        exchanges: Vec::new(),
        reason: None,
        skip_group: None,
        schema_ids: Vec::new(),
        duration: Duration::from_millis(12),
    }
}

pub fn exchange(step: usize, name: &str, status: Option<u16>, body: &str) -> ExchangeRecord {
    ExchangeRecord {
        step,
        step_name: name.to_owned(),
        request: RequestRecord {
            method: "POST".to_owned(),
            url: "http://127.0.0.1:4010/stytch/v1/sessions/authenticate".to_owned(),
            headers: vec![
                ("authorization".to_owned(), "Basic ***".to_owned()),
                ("content-type".to_owned(), "application/json".to_owned()),
                ("Clerk-API-Version".to_owned(), "2025-04-10".to_owned()),
            ],
            body: Some("{\"session_token\": \"***\"}".to_owned()),
        },
        response: status.map(|s| ResponseRecord {
            status: s,
            headers: vec![("content-type".to_owned(), "application/json".to_owned())],
            body: body.to_owned(),
            body_len: body.len(),
            request_id: Some(format!("request-id-test-{step}")),
        }),
        elapsed: Duration::from_millis(7),
        curl: "curl -sS -i -X POST -u \"${SESSCONFORM_STYTCH_PROJECT_ID}:${SESSCONFORM_STYTCH_SECRET}\" 'http://127.0.0.1:4010/stytch/v1/sessions/authenticate'".to_owned(),
        retries: 0,
    }
}

fn finding(kind: FindingKind, level: Level, msg: &str, at: Option<Span>) -> Finding {
    let mut f = Finding::new(kind, level, msg);
    f.span = at;
    f
}

/// Seven cases over two suites: 2 pass (one with a warning), 2 fail, 1 error, 2 skip.
pub fn sample_cases() -> Vec<CaseResult> {
    let stytch = SourceFile::new("builtin:cases/stytch.yaml", STYTCH_YAML);
    let clerk = SourceFile::new("tests/fixtures/clerk.yaml", CLERK_YAML);

    let mut get = base(&stytch, "stytch-sessions", "stytch", "get session", 4);
    get.verdict = Verdict::Fail;
    get.schema_ids = vec!["stytch/sessions-authenticate-response".to_owned()];
    get.exchanges = vec![exchange(0, "get session", Some(500), HOSTILE)];
    get.findings = vec![
        {
            let mut f = finding(
                FindingKind::Status,
                Level::Fail,
                "expected status 200, got 500",
                Some(span(&stytch, 7, 15)),
            );
            f.expected = Some("200".to_owned());
            f.actual = Some("500".to_owned());
            f
        },
        {
            let mut f = finding(
                FindingKind::Schema,
                Level::Fail,
                "/session/expires_at: \"yesterday\" is not a \"date-time\"",
                Some(span(&stytch, 8, 15)),
            );
            f.path = Some("/session/expires_at".to_owned());
            f.schema_id = Some("stytch/sessions-authenticate-response".to_owned());
            f
        },
        {
            let mut f = finding(
                FindingKind::Assertion,
                Level::Fail,
                "$.session.user_id: values differ",
                Some(span(&stytch, 10, 11)),
            );
            f.detail = Some(format!(
                "@@ -1,3 +1,3 @@\n {{\n-  \"user_id\": \"user-test-1\"\n+  \"user_id\": \"{}\"\n }}",
                HOSTILE.replace('\u{0}', "")
            ));
            f.note = Some("the session belongs to the user".to_owned());
            f
        },
        {
            let mut f = finding(
                FindingKind::Assertion,
                Level::Warn,
                "$.request_id: \"abc\" does not match ^request-id-",
                Some(span(&stytch, 12, 11)),
            );
            f.note = Some("observed convention".to_owned());
            f
        },
    ];

    let mut list = base(&stytch, "stytch-sessions", "stytch", "list sessions", 15);
    list.exchanges = vec![exchange(
        0,
        "list sessions",
        Some(200),
        "{\"request_id\":\"request-id-test-0\",\"sessions\":[]}",
    )];
    list.findings = vec![finding(
        FindingKind::Header,
        Level::Warn,
        "header x-request-id is missing",
        Some(span(&stytch, 15, 5)),
    )];
    list.schema_ids = vec!["stytch/sessions-get-response".to_owned()];

    let mut revoke = base(&stytch, "stytch-sessions", "stytch", "revoke", 16);
    revoke.verdict = Verdict::Skip;
    revoke.duration = Duration::ZERO;
    revoke.reason =
        Some("missing vars: session_token (set them under `apis.stytch.vars`)".to_owned());

    let mut clist = base(&clerk, "clerk-sessions", "clerk", "list sessions", 4);
    clist.verdict = Verdict::Error;
    clist.reason = Some("list sessions: could not connect: connection refused".to_owned());
    clist.exchanges = vec![exchange(0, "list sessions", None, "")];

    let mut weird = base(
        &clerk,
        "clerk-sessions",
        "clerk",
        "lists <sessions> & \"quotes\"",
        5,
    );
    weird.verdict = Verdict::Fail;
    weird.reason = Some("stopped after step 1 (later steps depend on it)".to_owned());
    weird.exchanges = vec![
        exchange(0, "step 1", Some(200), "{}"),
        exchange(1, "step 2", Some(404), "{\"error\": \"<b>not found</b>\"}"),
    ];
    weird.findings = vec![finding(
        FindingKind::Body,
        Level::Fail,
        "body is not JSON: <b>not found</b>",
        None,
    )];
    weird.findings[0].step = 1;

    let mut cpass = base(&clerk, "clerk-sessions", "clerk", "get client", 6);
    cpass.exchanges = vec![exchange(0, "get client", Some(200), "{}")];

    let mut cskip = base(&clerk, "clerk-sessions", "clerk", "declared skip", 7);
    cskip.verdict = Verdict::Skip;
    cskip.duration = Duration::ZERO;
    cskip.reason = Some("not supported by the sandbox".to_owned());

    vec![get, list, revoke, clist, weird, cpass, cskip]
}

pub fn info(total: usize) -> RunInfo {
    RunInfo {
        total_cases: Some(total),
        target: "staging <env> & co".to_owned(),
        base_urls: vec![
            ("clerk".to_owned(), "http://127.0.0.1:4010/clerk".to_owned()),
            (
                "stytch".to_owned(),
                "http://127.0.0.1:4010/stytch".to_owned(),
            ),
        ],
        strict: false,
    }
}

/// The events of a run of `cases`.
pub fn events(cases: &[CaseResult], interrupted: bool) -> Vec<Event> {
    let mut out = vec![Event::RunStarted(info(cases.len()))];
    let mut counts = sessconform::result::Counts::default();
    for c in cases {
        counts.add(c);
        out.push(Event::CaseFinished(Box::new(c.clone())));
    }
    out.push(Event::RunFinished(RunSummary {
        counts,
        duration: Duration::from_millis(1234),
        interrupted,
    }));
    out
}

/// A record of `cases`, finished (and interrupted or not).
pub fn record_of(cases: &[CaseResult], interrupted: bool) -> RunRecord {
    let mut r = RunRecord::default();
    for e in events(cases, interrupted) {
        r.on_event(&e);
    }
    r
}

pub fn sample_record() -> RunRecord {
    record_of(&sample_cases(), false)
}

/// True when `tool --version` runs. When it does not, say so, and fail instead when
/// `SESSCONFORM_REQUIRE_REPORT_TOOLS` is set (CI sets it after installing the tools).
pub fn tool_available(tool: &str, version_arg: &str, what: &str) -> bool {
    let ok = Command::new(tool)
        .arg(version_arg)
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        let msg = format!(
            "SKIPPED: `{tool}` is not installed, so {what} was not checked (CI installs it: see .ci/run)"
        );
        if std::env::var_os("SESSCONFORM_REQUIRE_REPORT_TOOLS").is_some() {
            panic!("{msg}, but SESSCONFORM_REQUIRE_REPORT_TOOLS is set");
        }
        eprintln!("{msg}");
    }
    ok
}

/// True when python3 can import `module`; same skipping rules as [`tool_available`].
pub fn python_module_available(module: &str) -> bool {
    let ok = Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        let msg = format!(
            "SKIPPED: the Python package `{module}` is not installed, so a third-party reader was not checked (CI installs it: see .ci/run)"
        );
        if std::env::var_os("SESSCONFORM_REQUIRE_REPORT_TOOLS").is_some() {
            panic!("{msg}, but SESSCONFORM_REQUIRE_REPORT_TOOLS is set");
        }
        eprintln!("{msg}");
    }
    ok
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p
}

/// The sample run with realistic content instead of the hostile payload (for screenshots).
pub fn demo_cases() -> Vec<CaseResult> {
    let body = "{\n  \"status_code\": 500,\n  \"request_id\": \"request-id-test-51c0\",\n  \"error_type\": \"internal_server_error\",\n  \"error_message\": \"Oops, something seems to have gone wrong.\"\n}";
    let mut cases = sample_cases();
    for c in &mut cases {
        c.target = "staging".to_owned();
        for ex in &mut c.exchanges {
            if let Some(r) = &mut ex.response {
                if r.body == HOSTILE {
                    r.body = body.to_owned();
                    r.body_len = body.len();
                }
            }
        }
        for f in &mut c.findings {
            if let Some(d) = &mut f.detail {
                *d = d.replace(&HOSTILE.replace('\u{0}', ""), "user-test-2");
            }
        }
    }
    cases
}

/// Jenkins' JUnit schema (jenkinsci/xunit-plugin `junit-10.xsd`, MIT, vendored unchanged from
/// ../shared/junit/, see SOURCES.md there).
pub fn junit_xsd() -> PathBuf {
    repo_root().join("tests/fixtures/report/junit-10.xsd")
}
