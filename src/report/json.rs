//! The JSON report: a documented, versioned document (schema: `specs/report/run-report.json`).
//!
//! Bump [`FORMAT_VERSION`] on any incompatible change (a field removed, renamed or retyped);
//! adding an optional field is compatible.
//!
//! The report is streamed: each case is written (one line of compact JSON) to a spool as it
//! finishes; the head (run, summary, suites) and the tail are written around it at the end.

use std::io::{self, Write};

use serde::Serialize;

use super::record::{RunRecord, kind_name, level_name};
use super::spool::Spool;
use super::tally::RunTally;
use crate::result::{CaseResult, Counts, ExchangeRecord, Finding};
use crate::source::Span;

/// Version of the JSON report format. 2: passing cases carry no exchanges unless the run was
/// asked for them (`run.report_exchanges`); a case's empty `tags`, `findings`, `exchanges` and
/// null `reason` are left out (a passing case is one short line).
pub const FORMAT_VERSION: u32 = 2;

/// The JSON Schema of the report, embedded.
pub const SCHEMA: &str = include_str!("../../specs/report/run-report.json");

#[derive(Serialize)]
struct Head<'a> {
    format_version: u32,
    generator: Generator,
    run: Run<'a>,
    summary: Summary,
    suites: Vec<Suite>,
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
    report_exchanges: &'static str,
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
struct Suite {
    name: String,
    suite: String,
    target: String,
    api: String,
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
    #[serde(skip_serializing_if = "<[String]>::is_empty")]
    tags: &'a [String],
    location: Location<'a>,
    verdict: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    skip_group: Option<&'a str>,
    duration_ms: f64,
    schema_ids: &'a [String],
    #[serde(skip_serializing_if = "Vec::is_empty")]
    findings: Vec<FindingDoc<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
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

fn case(r: &CaseResult, with_exchanges: bool) -> Case<'_> {
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
        skip_group: r.skip_group.as_deref(),
        duration_ms: ms(r.duration),
        schema_ids: &r.schema_ids,
        findings: r.findings.iter().map(finding).collect(),
        exchanges: if with_exchanges {
            r.exchanges.iter().map(exchange).collect()
        } else {
            Vec::new()
        },
    }
}

/// The report as a JSON value.
pub fn document(record: &RunRecord) -> serde_json::Value {
    // The rendered text is our own serializer's output; a failure would be a bug, shown as null.
    serde_json::from_str(&render(record)).unwrap_or(serde_json::Value::Null)
}

/// The report as text with a trailing newline.
pub fn render(record: &RunRecord) -> String {
    super::files::render(super::ReportFormat::Json, record).unwrap_or_else(|_| "null\n".into())
}

/// Streams the cases of a JSON report to a spool.
pub(crate) struct JsonWriter {
    spool: Spool,
    cases: usize,
    line: Vec<u8>,
}

impl JsonWriter {
    /// A writer spooling to `spool`.
    pub(crate) fn new(spool: Spool) -> Self {
        Self {
            spool,
            cases: 0,
            line: Vec::with_capacity(1024),
        }
    }
}

impl super::files::CaseWriter for JsonWriter {
    fn case(&mut self, tally: &RunTally, _group: usize, r: &CaseResult) -> io::Result<()> {
        self.line.clear();
        self.line
            .extend_from_slice(if self.cases == 0 { b"    " } else { b",\n    " });
        serde_json::to_writer(&mut self.line, &case(r, tally.exchanges.keeps(r)))?;
        self.cases += 1;
        self.spool.write(&self.line)
    }

    fn finish(&mut self, tally: &RunTally, out: &mut dyn Write) -> io::Result<()> {
        let head = serde_json::to_string_pretty(&head(tally))?;
        // `{ … }` pretty-printed: reopen it after the suites to add the cases and compat data.
        let head = head.strip_suffix("\n}").unwrap_or(&head);
        out.write_all(head.as_bytes())?;
        if self.cases == 0 {
            out.write_all(b",\n  \"cases\": []")?;
        } else {
            out.write_all(b",\n  \"cases\": [\n")?;
            self.spool.copy_all(out)?;
            out.write_all(b"\n  ]")?;
        }
        if let Some(c) = &tally.compat {
            out.write_all(b",\n  \"compat\": ")?;
            serde_json::to_writer(&mut *out, c)?;
        }
        out.write_all(b"\n}\n")
    }
}

fn head(tally: &RunTally) -> Head<'_> {
    Head {
        format_version: FORMAT_VERSION,
        generator: Generator {
            name: "sessconform",
            version: env!("CARGO_PKG_VERSION"),
        },
        run: Run {
            started_at: tally.started_at_rfc3339(),
            duration_ms: ms(tally.duration()),
            target: &tally.info.target,
            base_urls: tally
                .info
                .base_urls
                .iter()
                .map(|(api, url)| BaseUrl { api, url })
                .collect(),
            strict: tally.info.strict,
            interrupted: tally.interrupted(),
            complete: tally.complete(),
            report_exchanges: tally.exchanges.as_str(),
        },
        summary: Summary::from(&tally.counts),
        suites: tally
            .groups()
            .iter()
            .map(|g| Suite {
                summary: Summary::from(&g.counts),
                name: tally.group_name(g),
                suite: g.suite.clone(),
                target: g.target.clone(),
                api: g.api.clone(),
            })
            .collect(),
    }
}
