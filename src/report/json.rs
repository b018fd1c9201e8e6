//! The JSON report: a documented, versioned document (schema: `specs/report/run-report.json`).
//!
//! Bump [`FORMAT_VERSION`] on any incompatible change (a field removed, renamed or retyped);
//! adding an optional field is compatible.

use serde::Serialize;

use super::record::{RunRecord, kind_name, level_name};
use crate::result::{CaseResult, Counts, ExchangeRecord, Finding};
use crate::source::Span;

/// Version of the JSON report format.
pub const FORMAT_VERSION: u32 = 1;

/// The JSON Schema of the report, embedded.
pub const SCHEMA: &str = include_str!("../../specs/report/run-report.json");

#[derive(Serialize)]
struct Doc<'a> {
    format_version: u32,
    generator: Generator,
    run: Run<'a>,
    summary: Summary,
    suites: Vec<Suite<'a>>,
    cases: Vec<Case<'a>>,
    /// Matrix runs and diffs only.
    #[serde(skip_serializing_if = "Option::is_none")]
    compat: Option<&'a crate::result::compat::CompatReport>,
}

#[derive(Serialize)]
struct Generator {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct Run<'a> {
    started_at: String,
    duration_ms: f64,
    target: &'a str,
    base_urls: Vec<BaseUrl<'a>>,
    strict: bool,
    interrupted: bool,
    complete: bool,
}

#[derive(Serialize)]
struct BaseUrl<'a> {
    api: &'a str,
    url: &'a str,
}

#[derive(Serialize)]
struct Summary {
    total: usize,
    passed: usize,
    failed: usize,
    errors: usize,
    skipped: usize,
    warnings: usize,
    /// Skipped cases by cause, e.g. `{"need var session_token (api stytch)": 96}`.
    skipped_by: std::collections::BTreeMap<String, usize>,
}

impl From<&Counts> for Summary {
    fn from(c: &Counts) -> Self {
        Self {
            total: c.total(),
            passed: c.passed,
            failed: c.failed,
            errors: c.errors,
            skipped: c.skipped,
            warnings: c.warnings,
            skipped_by: c.skipped_by.clone(),
        }
    }
}

#[derive(Serialize)]
struct Suite<'a> {
    name: String,
    suite: &'a str,
    target: &'a str,
    api: &'a str,
    summary: Summary,
}

#[derive(Serialize)]
struct Location<'a> {
    file: &'a str,
    line: u32,
    col: u32,
}

impl<'a> From<&'a Span> for Location<'a> {
    fn from(s: &'a Span) -> Self {
        Self {
            file: &s.file.name,
            line: s.line,
            col: s.col,
        }
    }
}

#[derive(Serialize)]
struct Case<'a> {
    id: &'a str,
    suite: &'a str,
    case: &'a str,
    api: &'a str,
    target: &'a str,
    base_url: &'a str,
    tags: &'a [String],
    location: Location<'a>,
    verdict: &'static str,
    reason: Option<&'a str>,
    duration_ms: f64,
    schema_ids: &'a [String],
    findings: Vec<FindingDoc<'a>>,
    exchanges: Vec<Exchange<'a>>,
}

#[derive(Serialize)]
struct FindingDoc<'a> {
    kind: &'static str,
    level: &'static str,
    message: &'a str,
    location: Option<Location<'a>>,
    source_line: Option<&'a str>,
    step: usize,
    path: Option<&'a str>,
    schema_id: Option<&'a str>,
    expected: Option<&'a str>,
    actual: Option<&'a str>,
    detail: Option<&'a str>,
    note: Option<&'a str>,
}

#[derive(Serialize)]
struct Header<'a> {
    name: &'a str,
    value: &'a str,
}

fn headers(h: &[(String, String)]) -> Vec<Header<'_>> {
    h.iter()
        .map(|(name, value)| Header { name, value })
        .collect()
}

#[derive(Serialize)]
struct Request<'a> {
    method: &'a str,
    url: &'a str,
    headers: Vec<Header<'a>>,
    body: Option<&'a str>,
}

#[derive(Serialize)]
struct Response<'a> {
    status: u16,
    headers: Vec<Header<'a>>,
    body: &'a str,
    body_len: usize,
    request_id: Option<&'a str>,
}

#[derive(Serialize)]
struct Exchange<'a> {
    step: usize,
    step_name: &'a str,
    request: Request<'a>,
    response: Option<Response<'a>>,
    elapsed_ms: f64,
    retries: u32,
    curl: &'a str,
}

fn ms(d: std::time::Duration) -> f64 {
    (d.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

fn finding(f: &Finding) -> FindingDoc<'_> {
    FindingDoc {
        kind: kind_name(f.kind),
        level: level_name(f.level),
        message: &f.message,
        location: f.span.as_ref().filter(|s| s.is_known()).map(Location::from),
        source_line: f.span.as_ref().and_then(|s| s.file.line_text(s.line)),
        step: f.step,
        path: f.path.as_deref(),
        schema_id: f.schema_id.as_deref(),
        expected: f.expected.as_deref(),
        actual: f.actual.as_deref(),
        detail: f.detail.as_deref(),
        note: f.note.as_deref(),
    }
}

fn exchange(ex: &ExchangeRecord) -> Exchange<'_> {
    Exchange {
        step: ex.step,
        step_name: &ex.step_name,
        request: Request {
            method: &ex.request.method,
            url: &ex.request.url,
            headers: headers(&ex.request.headers),
            body: ex.request.body.as_deref(),
        },
        response: ex.response.as_ref().map(|r| Response {
            status: r.status,
            headers: headers(&r.headers),
            body: &r.body,
            body_len: r.body_len,
            request_id: r.request_id.as_deref(),
        }),
        elapsed_ms: ms(ex.elapsed),
        retries: ex.retries,
        curl: &ex.curl,
    }
}

fn case(r: &CaseResult) -> Case<'_> {
    Case {
        id: &r.id,
        suite: &r.suite,
        case: &r.case,
        api: &r.api,
        target: &r.target,
        base_url: &r.base_url,
        tags: &r.tags,
        location: Location::from(&r.span),
        verdict: r.verdict.as_str(),
        reason: r.reason.as_deref(),
        duration_ms: ms(r.duration),
        schema_ids: &r.schema_ids,
        findings: r.findings.iter().map(finding).collect(),
        exchanges: r.exchanges.iter().map(exchange).collect(),
    }
}

/// The report as a JSON value.
pub fn document(record: &RunRecord) -> serde_json::Value {
    // Serializing plain structs of strings and numbers into a Value cannot fail; a non-finite
    // float would become null rather than an error.
    serde_json::to_value(doc(record)).unwrap_or(serde_json::Value::Null)
}

/// The report as pretty-printed JSON text with a trailing newline, serialised straight from the
/// borrowed records (no intermediate `Value`: a 2,000-case report would otherwise be held three
/// times over).
pub fn render(record: &RunRecord) -> String {
    let mut s = serde_json::to_string_pretty(&doc(record)).unwrap_or_else(|_| "null".into());
    s.push('\n');
    s
}

fn doc(record: &RunRecord) -> Doc<'_> {
    Doc {
        format_version: FORMAT_VERSION,
        generator: Generator {
            name: "sessconform",
            version: env!("CARGO_PKG_VERSION"),
        },
        run: Run {
            started_at: record.started_at_rfc3339(),
            duration_ms: ms(record.duration()),
            target: &record.info.target,
            base_urls: record
                .info
                .base_urls
                .iter()
                .map(|(api, url)| BaseUrl { api, url })
                .collect(),
            strict: record.info.strict,
            interrupted: record.interrupted(),
            complete: record.complete(),
        },
        summary: Summary::from(&record.counts()),
        suites: record
            .suites()
            .into_iter()
            .map(|g| Suite {
                summary: Summary::from(&g.counts),
                name: g.name,
                suite: g.suite,
                target: g.target,
                api: g.api,
            })
            .collect(),
        cases: record.cases.iter().map(case).collect(),
        compat: record.compat.as_ref(),
    }
}
