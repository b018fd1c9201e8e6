//! Results of a run as plain data: what reporters consume. Everything here is already redacted.

use std::time::Duration;

use serde::Serialize;

pub mod compat;

use crate::case::model::Level;
use crate::source::Span;

/// How a case ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Every check passed (warnings may be attached).
    Pass,
    /// A contract check failed.
    Fail,
    /// The case could not run to completion (connection refused, timeout, body cap, rate limited).
    Error,
    /// The case was not run (missing vars, declared skip, fail-fast, interrupted).
    Skip,
}

impl Verdict {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Error => "error",
            Verdict::Skip => "skip",
        }
    }
}

/// What kind of check produced a finding.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    /// HTTP status.
    Status,
    /// A response header.
    Header,
    /// JSON Schema validation.
    Schema,
    /// A JSONPath assertion.
    Assertion,
    /// A golden snapshot.
    Snapshot,
    /// The body could not be parsed as JSON.
    Body,
    /// A capture failed.
    Capture,
    /// A differential run found the candidate's response differs from the baseline's.
    Difference,
}

/// One failed check.
#[derive(Debug, Clone)]
pub struct Finding {
    /// Kind of check.
    pub kind: FindingKind,
    /// Fail or warn.
    pub level: Level,
    /// One-line summary, e.g. `expected status 200, got 404`.
    pub message: String,
    /// Where the check is declared in the case file.
    pub span: Option<Span>,
    /// Path in the body: a JSON Pointer for schema findings, the JSONPath for assertions.
    pub path: Option<String>,
    /// Schema id for schema findings.
    pub schema_id: Option<String>,
    /// Expected value, rendered (truncated).
    pub expected: Option<String>,
    /// Actual value, rendered (truncated).
    pub actual: Option<String>,
    /// Plain-text unified diff or body excerpt (no ANSI codes).
    pub detail: Option<String>,
    /// Why the assertion exists (from the case's `note`).
    pub note: Option<String>,
    /// Index of the step that produced it.
    pub step: usize,
}

impl Finding {
    /// A finding with only a kind, level and message.
    pub fn new(kind: FindingKind, level: Level, message: impl Into<String>) -> Self {
        Self {
            kind,
            level,
            message: message.into(),
            span: None,
            path: None,
            schema_id: None,
            expected: None,
            actual: None,
            detail: None,
            note: None,
            step: 0,
        }
    }
}

/// The request half of an exchange, redacted.
#[derive(Debug, Clone, Serialize)]
pub struct RequestRecord {
    /// HTTP method.
    pub method: String,
    /// Full URL including the query.
    pub url: String,
    /// Headers sent, in order.
    pub headers: Vec<(String, String)>,
    /// Body excerpt (text).
    pub body: Option<String>,
}

/// The response half of an exchange, redacted.
#[derive(Debug, Clone, Serialize)]
pub struct ResponseRecord {
    /// HTTP status.
    pub status: u16,
    /// Headers received, in order.
    pub headers: Vec<(String, String)>,
    /// Body excerpt (text, truncated).
    pub body: String,
    /// Full body length in bytes.
    pub body_len: usize,
    /// The vendor's request id (Stytch `request_id`, Clerk `clerk_trace_id`), when present.
    pub request_id: Option<String>,
}

/// One request/response pair of a case.
#[derive(Debug, Clone, Serialize)]
pub struct ExchangeRecord {
    /// Step index.
    pub step: usize,
    /// Step name.
    pub step_name: String,
    /// What was sent.
    pub request: RequestRecord,
    /// What came back (none when the transport failed).
    pub response: Option<ResponseRecord>,
    /// Time from sending to the full body.
    #[serde(serialize_with = "ser_ms")]
    pub elapsed: Duration,
    /// A copy-paste curl command with secrets replaced by `$ENV_VAR` placeholders.
    pub curl: String,
    /// Retries after 429 responses.
    pub retries: u32,
}

impl ExchangeRecord {
    /// The response status, or `no response` when the transport failed.
    pub fn status_text(&self) -> String {
        self.response
            .as_ref()
            .map_or_else(|| "no response".to_owned(), |r| r.status.to_string())
    }

    /// ` request_id=…` when the vendor sent one, else empty (for one-line summaries).
    pub fn request_id_note(&self) -> String {
        self.response
            .as_ref()
            .and_then(|r| r.request_id.as_deref())
            .map(|id| format!(" request_id={id}"))
            .unwrap_or_default()
    }
}

fn ser_ms<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(d.as_secs_f64() * 1000.0)
}

/// The result of one case.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// `suite::case`.
    pub id: String,
    /// Suite name.
    pub suite: String,
    /// Case name.
    pub case: String,
    /// API name.
    pub api: String,
    /// Display name of the target.
    pub target: String,
    /// Base URL used.
    pub base_url: String,
    /// Tags.
    pub tags: Vec<String>,
    /// Where the case is declared.
    pub span: Span,
    /// Outcome.
    pub verdict: Verdict,
    /// Failures and warnings.
    pub findings: Vec<Finding>,
    /// Exchanges in order.
    pub exchanges: Vec<ExchangeRecord>,
    /// Why it errored or was skipped.
    pub reason: Option<String>,
    /// For a skipped case, a short label shared by the skips of the same cause (`need var
    /// session_token (api stytch)`, `need api clerk`, `interrupted`).
    pub skip_group: Option<String>,
    /// Schema ids checked.
    pub schema_ids: Vec<String>,
    /// Wall time.
    pub duration: Duration,
}

impl CaseResult {
    /// Findings at warn level.
    pub fn warnings(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.level == Level::Warn)
    }

    /// Findings at fail level.
    pub fn failures(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.level == Level::Fail)
    }
}

/// Counts over a run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Counts {
    /// Passed cases.
    pub passed: usize,
    /// Failed cases.
    pub failed: usize,
    /// Cases that could not run.
    pub errors: usize,
    /// Skipped cases.
    pub skipped: usize,
    /// Warnings over all cases.
    pub warnings: usize,
    /// Skipped cases by cause (see [`CaseResult::skip_group`]).
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub skipped_by: std::collections::BTreeMap<String, usize>,
}

impl Counts {
    /// Adds one case result.
    pub fn add(&mut self, r: &CaseResult) {
        match r.verdict {
            Verdict::Pass => self.passed += 1,
            Verdict::Fail => self.failed += 1,
            Verdict::Error => self.errors += 1,
            Verdict::Skip => {
                self.skipped += 1;
                let group = r
                    .skip_group
                    .clone()
                    .or_else(|| r.reason.clone())
                    .unwrap_or_else(|| "skipped".to_owned());
                *self.skipped_by.entry(group).or_default() += 1;
            }
        }
        self.warnings += r.warnings().count();
    }

    /// The skips grouped by cause, most frequent first:
    /// `96 need var session_token (api stytch), 12 need api clerk`; empty without skips.
    pub fn skip_summary(&self) -> String {
        let mut groups: Vec<(&String, &usize)> = self.skipped_by.iter().collect();
        groups.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
        groups
            .iter()
            .map(|(g, n)| format!("{n} {g}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Total cases.
    pub fn total(&self) -> usize {
        self.passed + self.failed + self.errors + self.skipped
    }
}

/// Summary of a finished run.
#[derive(Debug, Clone, Default)]
pub struct RunSummary {
    /// Case counts.
    pub counts: Counts,
    /// Wall time of the run.
    pub duration: Duration,
    /// True when the run was interrupted (Ctrl-C) before every case ran.
    pub interrupted: bool,
}

/// What the engine tells reporters, in order.
#[derive(Debug, Clone)]
pub enum Event {
    /// The run starts.
    RunStarted(RunInfo),
    /// A case finished; emitted in plan order whatever the completion order.
    CaseFinished(Box<CaseResult>),
    /// Matrix or diff data of a compatibility run, sent once just before `RunFinished`.
    Compat(Box<compat::CompatReport>),
    /// The run ended.
    RunFinished(RunSummary),
}

/// Facts about a run, known before it starts.
#[derive(Debug, Clone, Default)]
pub struct RunInfo {
    /// Number of cases that will be reported; `None` for a streamed run (its case files are
    /// loaded as the run reaches them).
    pub total_cases: Option<usize>,
    /// Display name of the target.
    pub target: String,
    /// Base URL per API.
    pub base_urls: Vec<(String, String)>,
    /// Strict mode: warnings count as failures.
    pub strict: bool,
}
