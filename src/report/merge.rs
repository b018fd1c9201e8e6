//! `report merge`: the JSON reports of the shards of one run (a CI matrix) read back into one
//! [`RunRecord`], from which the merged JSON, JUnit and HTML reports are written.
//!
//! Totals are recounted from the cases; the run is interrupted when any shard was, complete
//! when every shard was; it started with the earliest shard and lasted as long as the longest.
//! Cases are ordered by where they are declared (file, line, column), which is plan order for
//! suites read from files. Compatibility (matrix, diff) sections are not merged.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::record::RunRecord;
use super::tally::ReportExchanges;
use crate::case::model::Level;
use crate::result::{
    CaseResult, Counts, ExchangeRecord, Finding, FindingKind, RequestRecord, ResponseRecord,
    RunInfo, RunSummary, Verdict,
};
use crate::source::{SourceFile, Span};

/// Why shard reports could not be merged.
#[derive(Debug, thiserror::Error)]
pub enum MergeError {
    /// A report could not be read.
    #[error("failed to read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A report is not a sessconform JSON report this version reads.
    #[error("{path} is not a sessconform JSON report: {message}")]
    Format {
        /// The file.
        path: PathBuf,
        /// Why.
        message: String,
    },
    /// No report was given.
    #[error("no shard report to merge")]
    Empty,
}

/// Where a shard's JSON report is: `DIR/report.json` for a folder, else the file itself.
pub fn report_path(input: &Path) -> PathBuf {
    if input.is_dir() {
        input.join(super::ReportFormat::Json.file_name())
    } else {
        input.to_path_buf()
    }
}

/// Reads the shard reports at `inputs` (folders or files) into one record.
pub fn merge(inputs: &[PathBuf]) -> Result<RunRecord, MergeError> {
    let mut docs = Vec::with_capacity(inputs.len());
    for input in inputs {
        let path = report_path(input);
        let file = std::fs::File::open(&path).map_err(|source| MergeError::Read {
            path: path.clone(),
            source,
        })?;
        let doc: Doc = serde_json::from_reader(std::io::BufReader::new(file)).map_err(|e| {
            MergeError::Format {
                path: path.clone(),
                message: e.to_string(),
            }
        })?;
        if !(1..=super::json::FORMAT_VERSION).contains(&doc.format_version) {
            return Err(MergeError::Format {
                path,
                message: format!(
                    "format_version {} (this sessconform reads 1 to {})",
                    doc.format_version,
                    super::json::FORMAT_VERSION
                ),
            });
        }
        docs.push((path, doc));
    }
    if docs.is_empty() {
        return Err(MergeError::Empty);
    }
    Ok(combine(docs))
}

fn combine(docs: Vec<(PathBuf, Doc)>) -> RunRecord {
    // Source lines quoted by findings, per file: enough of each file to quote them again.
    let mut lines: BTreeMap<String, BTreeMap<u32, String>> = BTreeMap::new();
    for (_, d) in &docs {
        for c in &d.cases {
            for f in &c.findings {
                if let (Some(loc), Some(text)) = (&f.location, &f.source_line) {
                    lines
                        .entry(loc.file.clone())
                        .or_default()
                        .insert(loc.line, text.clone());
                }
            }
        }
    }
    let files: BTreeMap<String, Arc<SourceFile>> = lines
        .into_iter()
        .map(|(name, by_line)| {
            let last = by_line.keys().next_back().copied().unwrap_or(0);
            let mut text = String::new();
            for n in 1..=last {
                if let Some(t) = by_line.get(&n) {
                    text.push_str(t);
                }
                text.push('\n');
            }
            (name.clone(), SourceFile::new(name, text))
        })
        .collect();
    let mut file_of = |name: &str| -> Arc<SourceFile> {
        files
            .get(name)
            .cloned()
            .unwrap_or_else(|| SourceFile::new(name, String::new()))
    };

    let first = &docs[0].1.run;
    let mut info = RunInfo {
        total_cases: 0,
        target: first.target.clone(),
        base_urls: Vec::new(),
        strict: false,
    };
    let mut started: Option<OffsetDateTime> = None;
    let mut duration = Duration::ZERO;
    let mut interrupted = false;
    let mut complete = true;
    let mut all_exchanges = false;
    let mut seen_urls = BTreeSet::new();
    let mut cases = Vec::new();
    for (_, d) in docs {
        let run = d.run;
        info.strict |= run.strict;
        for u in run.base_urls {
            if seen_urls.insert((u.api.clone(), u.url.clone())) {
                info.base_urls.push((u.api, u.url));
            }
        }
        if let Ok(t) = OffsetDateTime::parse(&run.started_at, &Rfc3339) {
            started = Some(started.map_or(t, |s| s.min(t)));
        }
        duration = duration.max(from_ms(run.duration_ms));
        interrupted |= run.interrupted;
        complete &= run.complete;
        all_exchanges |= run.report_exchanges.as_deref() == Some("all");
        for c in d.cases {
            cases.push(case(c, &mut file_of));
        }
    }
    cases.sort_by(|a, b| {
        (a.span.file.name.as_str(), a.span.line, a.span.col).cmp(&(
            b.span.file.name.as_str(),
            b.span.line,
            b.span.col,
        ))
    });
    info.total_cases = cases.len();
    let mut record = RunRecord::new(info);
    if let Some(t) = started {
        record.started_at = t;
    }
    record.exchanges = if all_exchanges {
        ReportExchanges::All
    } else {
        ReportExchanges::Failed
    };
    let mut counts = Counts::default();
    for c in &cases {
        counts.add(c);
    }
    record.cases = cases;
    if complete {
        record.summary = Some(RunSummary {
            counts,
            duration,
            interrupted,
        });
    }
    record
}

fn from_ms(ms: f64) -> Duration {
    Duration::try_from_secs_f64(ms / 1000.0).unwrap_or_default()
}

fn case(c: CaseDoc, file_of: &mut impl FnMut(&str) -> Arc<SourceFile>) -> CaseResult {
    let span = Span {
        file: file_of(&c.location.file),
        line: c.location.line,
        col: c.location.col,
    };
    let findings = c
        .findings
        .into_iter()
        .map(|f| Finding {
            kind: kind(&f.kind),
            level: if f.level == "warn" {
                Level::Warn
            } else {
                Level::Fail
            },
            message: f.message,
            span: f.location.map(|l| Span {
                file: file_of(&l.file),
                line: l.line,
                col: l.col,
            }),
            path: f.path,
            schema_id: f.schema_id,
            expected: f.expected,
            actual: f.actual,
            detail: f.detail,
            note: f.note,
            step: f.step,
        })
        .collect();
    let exchanges = c
        .exchanges
        .into_iter()
        .map(|e| ExchangeRecord {
            step: e.step,
            step_name: e.step_name,
            request: RequestRecord {
                method: e.request.method,
                url: e.request.url,
                headers: pairs(e.request.headers),
                body: e.request.body,
            },
            response: e.response.map(|r| ResponseRecord {
                status: r.status,
                headers: pairs(r.headers),
                body: r.body,
                body_len: r.body_len,
                request_id: r.request_id,
            }),
            elapsed: from_ms(e.elapsed_ms),
            curl: e.curl,
            retries: e.retries,
        })
        .collect();
    CaseResult {
        id: c.id,
        suite: c.suite,
        case: c.case,
        api: c.api,
        target: c.target,
        base_url: c.base_url,
        tags: c.tags,
        span,
        verdict: match c.verdict.as_str() {
            "pass" => Verdict::Pass,
            "fail" => Verdict::Fail,
            "skip" => Verdict::Skip,
            _ => Verdict::Error,
        },
        findings,
        exchanges,
        reason: c.reason,
        skip_group: c.skip_group,
        schema_ids: c.schema_ids,
        duration: from_ms(c.duration_ms),
    }
}

fn kind(s: &str) -> FindingKind {
    match s {
        "status" => FindingKind::Status,
        "header" => FindingKind::Header,
        "schema" => FindingKind::Schema,
        "snapshot" => FindingKind::Snapshot,
        "body" => FindingKind::Body,
        "capture" => FindingKind::Capture,
        "difference" => FindingKind::Difference,
        _ => FindingKind::Assertion,
    }
}

fn pairs(h: Vec<HeaderDoc>) -> Vec<(String, String)> {
    h.into_iter().map(|h| (h.name, h.value)).collect()
}

#[derive(Deserialize)]
struct Doc {
    format_version: u32,
    run: RunDoc,
    cases: Vec<CaseDoc>,
}

#[derive(Deserialize)]
struct RunDoc {
    started_at: String,
    duration_ms: f64,
    target: String,
    base_urls: Vec<BaseUrlDoc>,
    strict: bool,
    interrupted: bool,
    complete: bool,
    #[serde(default)]
    report_exchanges: Option<String>,
}

#[derive(Deserialize)]
struct BaseUrlDoc {
    api: String,
    url: String,
}

#[derive(Deserialize)]
struct LocationDoc {
    file: String,
    line: u32,
    col: u32,
}

#[derive(Deserialize)]
struct CaseDoc {
    id: String,
    suite: String,
    case: String,
    api: String,
    target: String,
    base_url: String,
    #[serde(default)]
    tags: Vec<String>,
    location: LocationDoc,
    verdict: String,
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    skip_group: Option<String>,
    duration_ms: f64,
    schema_ids: Vec<String>,
    #[serde(default)]
    findings: Vec<FindingDoc>,
    #[serde(default)]
    exchanges: Vec<ExchangeDoc>,
}

#[derive(Deserialize)]
struct FindingDoc {
    kind: String,
    level: String,
    message: String,
    location: Option<LocationDoc>,
    source_line: Option<String>,
    step: usize,
    path: Option<String>,
    schema_id: Option<String>,
    expected: Option<String>,
    actual: Option<String>,
    detail: Option<String>,
    note: Option<String>,
}

#[derive(Deserialize)]
struct HeaderDoc {
    name: String,
    value: String,
}

#[derive(Deserialize)]
struct RequestDoc {
    method: String,
    url: String,
    headers: Vec<HeaderDoc>,
    body: Option<String>,
}

#[derive(Deserialize)]
struct ResponseDoc {
    status: u16,
    headers: Vec<HeaderDoc>,
    body: String,
    body_len: usize,
    request_id: Option<String>,
}

#[derive(Deserialize)]
struct ExchangeDoc {
    step: usize,
    step_name: String,
    request: RequestDoc,
    response: Option<ResponseDoc>,
    elapsed_ms: f64,
    retries: u32,
    curl: String,
}
