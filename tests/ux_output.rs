//! Quiet, readable console output: one line per passing case (none with `-q`), a failing case's
//! findings once each (a strict-profile twin never repeats its lenient schema's failure, in the
//! console, the reports and the annotations), passing cases' warnings listed once at the end
//! (`-v` shows them in place), and a schema violation's schema path and closest `anyOf` branch.
//! The binary runs against wiremock doubles on 127.0.0.1.

#![cfg(feature = "server")]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

/// The lenient schema of the test body.
fn lenient() -> Value {
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "test/sessions",
        "type": "object",
        "required": ["request_id", "status_code", "sessions"],
        "properties": {
            "request_id": {"type": "string"},
            "status_code": {"type": "integer"},
            "sessions": {"type": "array", "items": {
                "type": "object",
                "required": ["session_id", "expires_at"],
                "properties": {
                    "session_id": {"type": "string"},
                    "expires_at": {"type": "string", "format": "date-time"},
                    "kind": {"anyOf": [
                        {"type": "string", "enum": ["web", "api"]},
                        {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}}}
                    ]}
                }
            }}
        }
    })
}

/// Its strict profile: the same, and no member beyond the documented ones.
fn strict() -> Value {
    let mut s = lenient();
    s["$id"] = json!("strict/test/sessions");
    s["additionalProperties"] = json!(false);
    s
}

fn good_body() -> Value {
    json!({
        "request_id": "request-id-test-1",
        "status_code": 200,
        "sessions": [
            {"session_id": "s1", "expires_at": "2030-01-01T00:00:00Z", "kind": "web"},
            {"session_id": "s2", "expires_at": "2030-01-01T00:00:00Z"}
        ]
    })
}

/// A folder with `cases.yaml` (`n` cases, each checking the lenient schema and its strict twin
/// at warn level) and the two schemas.
fn suite(n: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let specs = dir.path().join("specs");
    std::fs::create_dir(&specs).expect("specs dir");
    std::fs::write(specs.join("sessions.json"), lenient().to_string()).expect("writes");
    std::fs::write(specs.join("strict.json"), strict().to_string()).expect("writes");
    let mut yaml = String::from("suite: ux\napi: demo\ncases:\n");
    for i in 0..n {
        let _ = write!(
            yaml,
            "  - name: case {i:02}
    request: {{path: /v1/sessions}}
    expect:
      status: 200
      schema:
        - test/sessions
        - {{id: strict/test/sessions, level: warn}}
      assert:
        - path: $.status_code
          equals: 200
"
        );
    }
    std::fs::write(dir.path().join("cases.yaml"), yaml).expect("writes");
    dir
}

async fn server(body: Value) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/sessions"))
        .respond_with(ResponseTemplate::new(200).set_body_json(body))
        .mount(&server)
        .await;
    server
}

fn run(dir: &Path, base: &str, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sessconform"))
        .current_dir(dir)
        .args(["run", "cases.yaml", "--specs", "specs", "--base-url", base])
        .args(["--color", "never"])
        .args(extra)
        .env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_WORKSPACE")
        .env_remove("GITHUB_STEP_SUMMARY")
        .output()
        .expect("run the binary")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Durations, ports and the temporary folder masked, for snapshots.
fn masked(out: &str, dir: &Path) -> String {
    let out = out.replace(&dir.display().to_string(), "[dir]");
    let ms = regex::Regex::new(r"\d+ ms").expect("regex");
    let secs = regex::Regex::new(r"\d+\.\d+ s\)").expect("regex");
    let port = regex::Regex::new(r"127\.0\.0\.1:\d+").expect("regex");
    let out = ms.replace_all(&out, "[ms]");
    let out = secs.replace_all(&out, "[s])");
    port.replace_all(&out, "127.0.0.1:[port]").into_owned()
}

/// Compares with `tests/fixtures/ux_output/NAME` (`UPDATE_GOLDEN=1` rewrites it).
fn assert_golden(name: &str, actual: &str) {
    let golden = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/ux_output")
        .join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::create_dir_all(golden.parent().expect("parent")).expect("mkdir");
        std::fs::write(&golden, actual).expect("writes golden");
    }
    let expected = std::fs::read_to_string(&golden)
        .unwrap_or_else(|e| panic!("{}: {e}; create it with UPDATE_GOLDEN=1", golden.display()));
    assert_eq!(
        actual, expected,
        "console output changed; rerun with UPDATE_GOLDEN=1 if intended"
    );
}

/// A body that breaks the lenient schema at one place (so the strict twin sees the same
/// violation) and the strict profile at another.
fn broken_body() -> Value {
    let mut body = good_body();
    body["sessions"][0]["expires_at"] = json!("soon");
    body["extra"] = json!(true);
    body
}

#[tokio::test(flavor = "multi_thread")]
async fn fifty_failing_cases_print_at_most_fifteen_lines_each() {
    let dir = suite(50);
    let s = server(broken_body()).await;
    let o = run(dir.path(), &s.uri(), &["--json", "out/report.json"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    // The `running` line, the blank line before the details and the summary, then per case
    // its FAIL line, header, request, finding, location, schema path, a 5-line excerpt, the
    // strict profile's own warning, the reproducer (2 lines) and a blank line.
    let lines = out.lines().count();
    assert!(
        lines <= 3 + 50 * 15,
        "{lines} lines for 50 failing cases:\n{out}"
    );
    assert!(out.contains("0 passed, 50 failed"), "{out}");
    // The lenient failure once per case; the strict twin adds only the member it forbids.
    assert_eq!(out.matches("/sessions/0/expires_at: ").count(), 50, "{out}");
    assert_eq!(
        out.matches("[schema strict/test/sessions] (root): ")
            .count(),
        50,
        "{out}"
    );
    assert!(
        !out.contains("[schema strict/test/sessions] /sessions/0/expires_at"),
        "{out}"
    );
    // The reports carry the same findings: no strict twin of the lenient failure.
    let report: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("out/report.json")).expect("report"),
    )
    .expect("json");
    let case = report["cases"]
        .as_array()
        .and_then(|c| c.first())
        .expect("a case");
    let findings: Vec<(&str, &str)> = case["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .filter(|f| f["kind"] == "schema")
        .map(|f| {
            (
                f["schema_id"].as_str().unwrap_or(""),
                f["path"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        findings,
        [
            ("test/sessions", "/sessions/0/expires_at"),
            ("strict/test/sessions", "")
        ],
        "{case:#}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn annotations_do_not_repeat_the_strict_twin_and_warnings_are_notices() {
    let dir = suite(3);
    let s = server(broken_body()).await;
    let o = run(dir.path(), &s.uri(), &["--format", "github", "-q"]);
    let out = stdout(&o);
    let errors: Vec<&str> = out.lines().filter(|l| l.starts_with("::error ")).collect();
    let notices: Vec<&str> = out.lines().filter(|l| l.starts_with("::notice ")).collect();
    assert_eq!(errors.len(), 3, "{out}");
    assert_eq!(notices.len(), 3, "{out}");
    assert!(!out.contains("::warning"), "{out}");
    assert!(
        errors[0].starts_with("::error file=cases.yaml,line=9,col=9,title=ux%3A%3Acase 00::"),
        "{}",
        errors[0]
    );
    assert!(
        errors[0].contains("%0Aschema: format at test/sessions#/properties/sessions/items/properties/expires_at/format%0A"),
        "{}",
        errors[0]
    );
    assert!(notices[0].contains("extra"), "{}", notices[0]);
}

#[tokio::test(flavor = "multi_thread")]
async fn passing_cases_warnings_are_listed_once_at_the_end() {
    let dir = suite(10);
    let mut body = good_body();
    body["extra"] = json!(true);
    let s = server(body).await;

    let o = run(dir.path(), &s.uri(), &[]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert_eq!(out.matches("PASS  ux::case").count(), 10, "{out}");
    assert!(
        out.contains("warnings in 10 passing cases (-v shows each case's in place):"),
        "{out}"
    );
    assert_eq!(
        out.matches("was unexpected").count(),
        1,
        "listed once: {out}"
    );
    assert!(
        out.contains("ux::case 00: [schema strict/test/sessions] (root): "),
        "{out}"
    );
    assert!(out.contains(" (and 9 more cases)"), "{out}");
    assert!(out.contains("10 passed, 0 failed, 10 warnings"), "{out}");
    assert!(!out.contains("────"), "no details by default: {out}");
    assert_golden("warnings.golden", &masked(&out, dir.path()));

    let o = run(dir.path(), &s.uri(), &["--verbose"]);
    let out = stdout(&o);
    assert_eq!(out.matches("────").count(), 10, "details in place: {out}");
    assert_eq!(
        out.matches("⚠ warning: [schema strict").count(),
        10,
        "{out}"
    );
    assert!(!out.contains("warnings in 10 passing cases"), "{out}");

    let o = run(dir.path(), &s.uri(), &["-q"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert_eq!(out.trim_end().lines().count(), 1, "only the summary: {out}");
    assert!(out.contains("10 passed, 0 failed, 10 warnings"), "{out}");

    let o = run(dir.path(), &s.uri(), &["-q", "-v"]);
    assert_eq!(o.status.code(), Some(2), "--quiet and --verbose conflict");
}

#[tokio::test(flavor = "multi_thread")]
async fn quiet_prints_only_the_failing_cases() {
    let dir = suite(4);
    let s = server(broken_body()).await;
    let o = run(dir.path(), &s.uri(), &["--quiet"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(!out.contains("running "), "{out}");
    assert_eq!(out.matches("FAIL  ux::case").count(), 4, "{out}");
    assert_eq!(out.matches("──── ux::case").count(), 4, "{out}");
}

#[tokio::test(flavor = "multi_thread")]
async fn run_shows_the_schema_path_and_the_closest_branch() {
    let dir = suite(1);
    let mut body = good_body();
    body["sessions"][0]["kind"] = json!({"name": 7});
    let s = server(body).await;
    let o = run(dir.path(), &s.uri(), &["--json", "out/report.json"]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains(
            "✗ [schema test/sessions] /sessions/0/kind/name: 7 is not of type \"string\" \
             (in the closest anyOf branch (2 of 2) at test/sessions#/properties/sessions/items/properties/kind/anyOf)"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "schema: type at test/sessions#/properties/sessions/items/properties/kind/anyOf/1/properties/name/type"
        ),
        "{out}"
    );
    assert_golden("schema_branch.golden", &masked(&out, dir.path()));
    let report = std::fs::read_to_string(dir.path().join("out/report.json")).expect("report");
    assert!(
        report.contains("in the closest anyOf branch (2 of 2)"),
        "{report}"
    );
    assert!(
        report.contains("\"expected\":\"type at test/sessions#/properties/sessions/items/properties/kind/anyOf/1/properties/name/type\""),
        "{report}"
    );
}

fn repo_file(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The inputs `action.yml` declares, and its steps.
fn action() -> Value {
    serde_saphyr::from_str(&repo_file("action.yml")).expect("action.yml is YAML")
}

#[test]
fn the_action_declares_the_inputs_the_docs_show() {
    let action = action();
    assert_eq!(action["runs"]["using"], "composite");
    let mut declared: Vec<&str> = action["inputs"]
        .as_object()
        .expect("inputs")
        .keys()
        .map(String::as_str)
        .collect();
    declared.sort_unstable();
    let docs = repo_file("docs/ci.md");
    let mut documented: Vec<&str> = docs
        .lines()
        .filter_map(|l| l.strip_prefix("| `"))
        .filter_map(|l| l.split_once("` |"))
        .map(|(name, _)| name)
        .collect();
    documented.sort_unstable();
    assert_eq!(declared, documented, "docs/ci.md's input table");
    for input in action["inputs"].as_object().expect("inputs").values() {
        assert!(input["description"].is_string(), "{input}");
    }
    // Every `inputs.X` the steps use is declared.
    let text = repo_file("action.yml");
    let used = regex::Regex::new(r"inputs\.([a-z-]+)").expect("regex");
    for c in used.captures_iter(&text) {
        assert!(declared.contains(&&c[1]), "undeclared input {}", &c[1]);
    }
    let steps = action["runs"]["steps"].as_array().expect("steps");
    let upload = steps
        .iter()
        .find(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/upload-artifact@"))
        })
        .expect("an upload-artifact step");
    assert_eq!(upload["with"]["path"], "${{ inputs.reports }}");
    assert!(
        upload["if"]
            .as_str()
            .is_some_and(|c| c.contains("!cancelled()")),
        "reports are uploaded when the tests fail: {upload}"
    );
    // The README points to the action's documentation.
    assert!(repo_file("README.md").contains("docs/ci.md"));
}

/// Runs the action's `run` step with bash, as GitHub would: its `env:` filled from `inputs`,
/// `sessconform` on the PATH, in the workspace `dir`.
fn run_action_step(dir: &Path, inputs: &[(&str, &str)]) -> Output {
    let action = action();
    let step = action["runs"]["steps"]
        .as_array()
        .expect("steps")
        .iter()
        .find(|s| {
            s["run"]
                .as_str()
                .is_some_and(|r| r.contains("sessconform run"))
        })
        .expect("the step that runs sessconform")
        .clone();
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_sessconform"));
    let path = format!(
        "{}:{}",
        bin.parent().expect("bin dir").display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let mut cmd = Command::new("bash");
    cmd.args(["--noprofile", "--norc", "-eo", "pipefail", "-c"])
        .arg(step["run"].as_str().expect("script"))
        .current_dir(dir)
        .env("PATH", path)
        .env("GITHUB_ACTIONS", "true")
        .env("GITHUB_WORKSPACE", dir)
        .env("GITHUB_STEP_SUMMARY", dir.join("summary.md"));
    for (name, value) in step["env"].as_object().expect("env") {
        let value = value.as_str().expect("string");
        let input = value
            .strip_prefix("${{ inputs.")
            .and_then(|v| v.strip_suffix(" }}"))
            .unwrap_or_else(|| panic!("{name} is not an input: {value}"));
        let given = inputs.iter().find(|(k, _)| *k == input).map(|(_, v)| *v);
        let default = action["inputs"][input]["default"].as_str().unwrap_or("");
        cmd.env(name, given.unwrap_or(default));
    }
    cmd.output().expect("bash runs")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_action_runs_a_valid_sessconform_command_with_annotations_and_reports() {
    let dir = suite(2);
    let s = server(broken_body()).await;
    let args = format!("--specs specs --base-url {}", s.uri());
    let o = run_action_step(
        dir.path(),
        &[("suites", "cases.yaml"), ("args", &args), ("tags", "")],
    );
    let out = stdout(&o);
    assert_eq!(
        o.status.code(),
        Some(1),
        "a contract failure, not a usage error: {out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(
        out.starts_with("sessconform run --format github --reports sessconform-reports cases.yaml --specs specs --base-url http://127.0.0.1:"),
        "{out}"
    );
    assert!(
        out.contains("::error file=cases.yaml,line=9,col=9,title=ux%3A%3Acase 00::"),
        "{out}"
    );
    for report in ["junit.xml", "report.json", "index.html"] {
        assert!(
            dir.path()
                .join("sessconform-reports")
                .join(report)
                .is_file(),
            "{report}"
        );
    }
    let summary = std::fs::read_to_string(dir.path().join("summary.md")).expect("job summary");
    assert!(summary.contains("| ux | 0 | 2 | 0 | 0 |"), "{summary}");

    // Tags select; a tag no case has is a usage error (exit 2), so the flag reached the CLI.
    let o = run_action_step(
        dir.path(),
        &[
            ("suites", "cases.yaml"),
            ("args", &args),
            ("tags", "no-such-tag"),
        ],
    );
    assert_eq!(o.status.code(), Some(2), "{}", stdout(&o));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("no cases match"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

/// `diff`'s console under `-q` (no line for the same responses) and `-v` (whole diffs).
#[test]
fn diff_console_follows_quiet_and_verbose() {
    use sessconform::report::Reporter;
    use sessconform::report::compat_console::DiffConsole;
    use sessconform::report::text::Style;
    use sessconform::result::{
        CaseResult, Event, Finding, FindingKind, RunInfo, RunSummary, Verdict,
    };
    let file = sessconform::source::SourceFile::new("cases.yaml", "suite: d\n");
    let case = |name: &str, verdict: Verdict| CaseResult {
        id: format!("d::{name}"),
        suite: "d".into(),
        case: name.into(),
        api: "demo".into(),
        target: "t".into(),
        base_url: String::new(),
        tags: Vec::new(),
        span: sessconform::source::Span::file_start(&file),
        verdict,
        findings: Vec::new(),
        exchanges: Vec::new(),
        reason: None,
        skip_group: None,
        schema_ids: Vec::new(),
        duration: std::time::Duration::ZERO,
    };
    let mut differs = case("differs", Verdict::Fail);
    let mut f = Finding::new(
        FindingKind::Difference,
        sessconform::case::model::Level::Fail,
        "body differs",
    );
    f.detail = Some((0..40).map(|i| format!("-line {i}\n")).collect());
    differs.findings.push(f);
    let events = [
        Event::RunStarted(RunInfo {
            total_cases: Some(2),
            target: "t".into(),
            ..RunInfo::default()
        }),
        Event::CaseFinished(Box::new(case("same", Verdict::Pass))),
        Event::CaseFinished(Box::new(differs)),
        Event::RunFinished(RunSummary::default()),
    ];
    let render = |quiet: bool, verbose: bool| {
        let mut c = DiffConsole::new(Vec::new(), Style::Plain, false)
            .quiet(quiet)
            .verbose(verbose);
        for e in &events {
            c.on_event(e);
        }
        c.finish().expect("flush");
        String::from_utf8(c.into_inner()).expect("utf-8")
    };
    let normal = render(false, false);
    assert!(normal.contains("SAME  d::same"), "{normal}");
    assert!(
        normal.contains("-line 23") && !normal.contains("-line 24"),
        "{normal}"
    );
    assert!(normal.contains("… 16 more lines"), "{normal}");
    let quiet = render(true, false);
    assert!(!quiet.contains("d::same"), "{quiet}");
    assert!(quiet.contains("DIFF  d::differs"), "{quiet}");
    let verbose = render(false, true);
    assert!(
        verbose.contains("-line 39") && !verbose.contains("more lines"),
        "{verbose}"
    );
}
