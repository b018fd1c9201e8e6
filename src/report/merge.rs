//! `report merge`: the JSON reports of the shards of one run (a CI matrix) read back, streamed,
//! as the events of one run, from which the merged JSON, JUnit and HTML reports are written.
//!
//! Totals are recounted from the cases; the run is interrupted when any shard was, complete
//! when every shard was; it started with the earliest shard and lasted as long as the longest.
//! Cases are merged in the order they are declared (file, line, column), which is plan order for
//! suites read from files. Compatibility sections are merged too: a matrix's rows and targets,
//! a diff's noise, unstable exchanges and difference counts. Memory does not grow with the
//! number of passing cases: each shard's report is read a case at a time.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::tally::ReportExchanges;
use crate::case::model::Level;
use crate::result::compat::{CompatReport, MatrixRow};
use crate::result::{
    CaseResult, Counts, ExchangeRecord, Finding, FindingKind, RequestRecord, ResponseRecord,
    RunInfo, Verdict,
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

/// Shard reports opened for merging: their run facts combined, their cases still on disk.
///
/// [`Merge::open`] reads every report once (run facts, compat sections, the source lines its
/// findings quote, case counts); [`Merge::cases`] reads them again and hands the cases on one
/// at a time in merged order. Memory holds one case per shard, the quoted source lines and the
/// compat sections, never the passing cases.
#[derive(Debug)]
pub struct Merge {
    /// Facts of the merged run: total cases, target, base URLs, strict.
    pub info: RunInfo,
    /// The earliest shard's start.
    pub started_at: Option<OffsetDateTime>,
    /// The longest shard's wall time.
    pub duration: Duration,
    /// True when any shard was interrupted.
    pub interrupted: bool,
    /// True when every shard finished.
    pub complete: bool,
    /// `all` when any shard carried every exchange.
    pub exchanges: ReportExchanges,
    /// The shards' matrix or diff sections, merged.
    pub compat: Option<CompatReport>,
    paths: Vec<PathBuf>,
    files: BTreeMap<String, Arc<SourceFile>>,
}

impl Merge {
    /// Reads the shard reports at `inputs` (folders or files): everything but the cases.
    pub fn open(inputs: &[PathBuf]) -> Result<Self, MergeError> {
        if inputs.is_empty() {
            return Err(MergeError::Empty);
        }
        let mut merge = Merge {
            info: RunInfo::default(),
            started_at: None,
            duration: Duration::ZERO,
            interrupted: false,
            complete: true,
            exchanges: ReportExchanges::Failed,
            compat: None,
            paths: Vec::with_capacity(inputs.len()),
            files: BTreeMap::new(),
        };
        // Source lines quoted by findings, per file: enough of each file to quote them again.
        let mut lines: BTreeMap<String, BTreeMap<u32, String>> = BTreeMap::new();
        let mut seen_urls = BTreeSet::new();
        for (n, input) in inputs.iter().enumerate() {
            let path = report_path(input);
            let mut report = ReportReader::open(&path)?;
            let run = report
                .run
                .take()
                .ok_or_else(|| format_error(&path, "no run"))?;
            if n == 0 {
                merge.info.target.clone_from(&run.target);
            }
            merge.info.strict |= run.strict;
            for u in run.base_urls {
                if seen_urls.insert((u.api.clone(), u.url.clone())) {
                    merge.info.base_urls.push((u.api, u.url));
                }
            }
            if let Ok(t) = OffsetDateTime::parse(&run.started_at, &Rfc3339) {
                merge.started_at = Some(merge.started_at.map_or(t, |s| s.min(t)));
            }
            merge.duration = merge.duration.max(from_ms(run.duration_ms));
            merge.interrupted |= run.interrupted;
            merge.complete &= run.complete;
            if run.report_exchanges.as_deref() == Some("all") {
                merge.exchanges = ReportExchanges::All;
            }
            while let Some(line) = report.next_line()? {
                let c: QuotedLines = report.parse(&line)?;
                *merge.info.total_cases.get_or_insert(0) += 1;
                for f in c.findings {
                    if let (Some(loc), Some(text)) = (f.location, f.source_line) {
                        lines.entry(loc.file).or_default().insert(loc.line, text);
                    }
                }
            }
            if let Some(c) = report.compat()? {
                merge.compat = Some(match merge.compat.take() {
                    None => c,
                    Some(prev) => {
                        combine_compat(prev, c).map_err(|message| format_error(&path, &message))?
                    }
                });
            }
            merge.paths.push(path);
        }
        merge.files = lines
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
        Ok(merge)
    }

    /// Hands every case of the shards to `sink`, in declaration order (file, line, column: plan
    /// order for suites read from files; shard order for ties), and returns their counts. The
    /// rows of a merged matrix are put in the same order.
    pub fn cases(&mut self, mut sink: impl FnMut(CaseResult)) -> Result<Counts, MergeError> {
        let mut readers = Vec::with_capacity(self.paths.len());
        let mut heads: Vec<Option<CaseResult>> = Vec::with_capacity(self.paths.len());
        for path in &self.paths {
            let mut r = ReportReader::open(path)?;
            heads.push(r.next_case(&mut self.files)?);
            readers.push(r);
        }
        let mut counts = Counts::default();
        let mut row_order: HashMap<String, usize> = HashMap::new();
        let track_rows = matches!(self.compat, Some(CompatReport::Matrix(_)));
        loop {
            let next = heads
                .iter()
                .enumerate()
                .filter_map(|(i, c)| c.as_ref().map(|c| (i, c)))
                .min_by(|(i, a), (j, b)| {
                    (a.span.file.name.as_str(), a.span.line, a.span.col, i).cmp(&(
                        b.span.file.name.as_str(),
                        b.span.line,
                        b.span.col,
                        j,
                    ))
                })
                .map(|(i, _)| i);
            let Some(i) = next else { break };
            let Some(case) =
                std::mem::replace(&mut heads[i], readers[i].next_case(&mut self.files)?)
            else {
                break;
            };
            counts.add(&case);
            if track_rows && !row_order.contains_key(&case.id) {
                row_order.insert(case.id.clone(), row_order.len());
            }
            sink(case);
        }
        if let Some(CompatReport::Matrix(m)) = &mut self.compat {
            m.rows
                .sort_by_key(|r| row_order.get(&r.id).copied().unwrap_or(usize::MAX));
        }
        Ok(counts)
    }
}

/// Two shards' compat sections as one: a matrix's targets and rows, a diff's noise (suppressed
/// counts added, cases joined), unstable exchanges and differences.
fn combine_compat(a: CompatReport, b: CompatReport) -> Result<CompatReport, String> {
    match (a, b) {
        (CompatReport::Matrix(mut a), CompatReport::Matrix(b)) => {
            // Columns by target name: a shard's cells move to the merged column of their target.
            for t in &b.targets {
                if !a.targets.contains(t) {
                    a.targets.push(t.clone());
                    for row in &mut a.rows {
                        row.cells.push(None);
                    }
                }
            }
            let col: Vec<usize> = b
                .targets
                .iter()
                .map(|t| a.targets.iter().position(|x| x == t).unwrap_or(0))
                .collect();
            for row in b.rows {
                let at = match a.rows.iter().position(|r| r.id == row.id) {
                    Some(i) => i,
                    None => {
                        a.rows.push(MatrixRow {
                            id: row.id.clone(),
                            suite: row.suite.clone(),
                            cells: vec![None; a.targets.len()],
                        });
                        a.rows.len() - 1
                    }
                };
                for (k, cell) in row.cells.into_iter().enumerate() {
                    if let (Some(cell), Some(&c)) = (cell, col.get(k)) {
                        a.rows[at].cells[c] = Some(cell);
                    }
                }
            }
            Ok(CompatReport::Matrix(a))
        }
        (CompatReport::Diff(mut a), CompatReport::Diff(b)) => {
            for r in b.rules {
                if !a.rules.contains(&r) {
                    a.rules.push(r);
                }
            }
            for h in b.headers {
                if !a.headers.contains(&h) {
                    a.headers.push(h);
                }
            }
            a.learned |= b.learned;
            for n in b.noise {
                match a
                    .noise
                    .iter_mut()
                    .find(|m| m.path == n.path && m.source == n.source && m.rule == n.rule)
                {
                    Some(m) => {
                        m.suppressed += n.suppressed;
                        m.cases.extend(n.cases);
                    }
                    None => a.noise.push(n),
                }
            }
            a.unstable.extend(b.unstable);
            a.cases_differing += b.cases_differing;
            a.differences += b.differences;
            a.recorded = a.recorded.or(b.recorded);
            a.against = a.against.or(b.against);
            Ok(CompatReport::Diff(a))
        }
        _ => Err("one shard has a matrix section and another a diff section".to_owned()),
    }
}

fn format_error(path: &Path, message: &str) -> MergeError {
    MergeError::Format {
        path: path.to_path_buf(),
        message: message.to_owned(),
    }
}

/// Reads one report: its head, then its cases one by one, then its compat section.
///
/// A report as sessconform writes it has one case per line between `"cases": [` and `]`, so
/// cases are read a line at a time. Any other layout of the same JSON (a report pretty-printed
/// by another tool) is read whole instead.
struct ReportReader {
    path: PathBuf,
    run: Option<RunDoc>,
    body: Body,
}

enum Body {
    Lines {
        lines: std::io::Lines<BufReader<File>>,
        /// The first case's line, read ahead to recognise the layout.
        first: Option<String>,
        /// The cases are over; the tail was read.
        done: bool,
        tail: String,
    },
    Whole {
        cases: std::vec::IntoIter<serde_json::Value>,
        compat: Option<CompatReport>,
    },
}

#[derive(Deserialize)]
struct HeadDoc {
    format_version: u32,
    run: RunDoc,
}

#[derive(Deserialize)]
struct WholeDoc {
    format_version: u32,
    run: RunDoc,
    cases: Vec<serde_json::Value>,
    #[serde(default)]
    compat: Option<CompatReport>,
}

#[derive(Deserialize)]
struct TailDoc {
    #[serde(default)]
    compat: Option<CompatReport>,
}

impl ReportReader {
    fn open(path: &Path) -> Result<Self, MergeError> {
        let read_err = |source| MergeError::Read {
            path: path.to_path_buf(),
            source,
        };
        let file = File::open(path).map_err(read_err)?;
        let mut lines = BufReader::new(file).lines();
        let mut head = String::new();
        let mut empty = false;
        let mut found = false;
        for line in lines.by_ref() {
            let line = line.map_err(read_err)?;
            let t = line.trim();
            if t == "\"cases\": [" {
                found = true;
                break;
            }
            if t == "\"cases\": []" || t == "\"cases\": []," {
                found = true;
                empty = true;
                // The tail follows this line as it follows a closing `]`.
                head.push('\n');
                break;
            }
            head.push_str(&line);
            head.push('\n');
        }
        let parsed = found
            .then(|| {
                let h = head.trim_end().trim_end_matches(',');
                serde_json::from_str::<HeadDoc>(&format!("{h}\n}}")).ok()
            })
            .flatten();
        let Some(h) = parsed else {
            return Self::whole(path);
        };
        check_version(path, h.format_version)?;
        // One case a line: `{…}` or `{…},` (a pretty-printed case starts with a lone `{`).
        let first = if empty {
            None
        } else {
            let line = lines.next().transpose().map_err(read_err)?;
            let one_line = line.as_deref().map(str::trim).is_some_and(|t| {
                let t = t.strip_suffix(',').unwrap_or(t);
                t.len() > 1 && t.starts_with('{') && t.ends_with('}')
            });
            if !one_line && line.as_deref().is_some_and(|t| !t.trim().starts_with(']')) {
                return Self::whole(path);
            }
            line
        };
        Ok(Self {
            path: path.to_path_buf(),
            run: Some(h.run),
            body: Body::Lines {
                lines,
                first,
                done: empty,
                tail: String::new(),
            },
        })
    }

    /// The whole document at once (a layout other than sessconform's own).
    fn whole(path: &Path) -> Result<Self, MergeError> {
        let file = File::open(path).map_err(|source| MergeError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        let doc: WholeDoc = serde_json::from_reader(BufReader::new(file))
            .map_err(|e| format_error(path, &e.to_string()))?;
        check_version(path, doc.format_version)?;
        Ok(Self {
            path: path.to_path_buf(),
            run: Some(doc.run),
            body: Body::Whole {
                cases: doc.cases.into_iter(),
                compat: doc.compat,
            },
        })
    }

    /// The JSON text of the next case.
    fn next_line(&mut self) -> Result<Option<String>, MergeError> {
        match &mut self.body {
            Body::Whole { cases, .. } => Ok(cases.next().map(|c| c.to_string())),
            Body::Lines {
                lines,
                first,
                done,
                tail,
            } => {
                if *done {
                    return Ok(None);
                }
                for line in first.take().map(Ok).into_iter().chain(lines.by_ref()) {
                    let line = line.map_err(|source| MergeError::Read {
                        path: self.path.clone(),
                        source,
                    })?;
                    let t = line.trim();
                    if t.is_empty() {
                        continue;
                    }
                    if t.starts_with(']') {
                        *done = true;
                        // `],` then the compat section: `{` and the rest is the tail object.
                        tail.push('{');
                        break;
                    }
                    return Ok(Some(t.strip_suffix(',').unwrap_or(t).to_owned()));
                }
                if !*done {
                    return Err(format_error(&self.path, "the cases list is not closed"));
                }
                Ok(None)
            }
        }
    }

    fn parse<T: serde::de::DeserializeOwned>(&self, json: &str) -> Result<T, MergeError> {
        serde_json::from_str(json).map_err(|e| format_error(&self.path, &format!("a case: {e}")))
    }

    fn next_case(
        &mut self,
        files: &mut BTreeMap<String, Arc<SourceFile>>,
    ) -> Result<Option<CaseResult>, MergeError> {
        let Some(line) = self.next_line()? else {
            return Ok(None);
        };
        let doc: CaseDoc = self.parse(&line)?;
        let mut file_of = |name: &str| -> Arc<SourceFile> {
            Arc::clone(
                files
                    .entry(name.to_owned())
                    .or_insert_with(|| SourceFile::new(name, String::new())),
            )
        };
        Ok(Some(case(doc, &mut file_of)))
    }

    /// The compat section after the cases (read them all first).
    fn compat(self) -> Result<Option<CompatReport>, MergeError> {
        match self.body {
            Body::Whole { compat, .. } => Ok(compat),
            Body::Lines {
                lines,
                done,
                mut tail,
                ..
            } => {
                if !done {
                    return Ok(None);
                }
                if tail.is_empty() {
                    tail.push('{');
                }
                for line in lines {
                    let line = line.map_err(|source| MergeError::Read {
                        path: self.path.clone(),
                        source,
                    })?;
                    tail.push_str(&line);
                    tail.push('\n');
                }
                let doc: TailDoc = serde_json::from_str(&tail)
                    .map_err(|e| format_error(&self.path, &format!("after the cases: {e}")))?;
                Ok(doc.compat)
            }
        }
    }
}

fn check_version(path: &Path, version: u32) -> Result<(), MergeError> {
    if (1..=super::json::FORMAT_VERSION).contains(&version) {
        Ok(())
    } else {
        Err(format_error(
            path,
            &format!(
                "format_version {version} (this sessconform reads 1 to {})",
                super::json::FORMAT_VERSION
            ),
        ))
    }
}

/// What the first reading of a case keeps: the source lines its findings quote.
#[derive(Deserialize)]
struct QuotedLines {
    #[serde(default)]
    findings: Vec<QuotedLine>,
}

#[derive(Deserialize)]
struct QuotedLine {
    location: Option<LocationDoc>,
    source_line: Option<String>,
}

/// The duration of every case of a JSON report (a folder holding `report.json`, or the file),
/// by case id, for `--shard-timings`; a case run against several targets counts once per target.
pub fn case_durations(input: &Path) -> Result<HashMap<String, Duration>, MergeError> {
    #[derive(Deserialize)]
    struct Timing {
        id: String,
        duration_ms: f64,
    }
    let path = report_path(input);
    let mut reader = ReportReader::open(&path)?;
    let mut out: HashMap<String, Duration> = HashMap::new();
    while let Some(line) = reader.next_line()? {
        let t: Timing = reader.parse(&line)?;
        *out.entry(t.id).or_default() += from_ms(t.duration_ms);
    }
    Ok(out)
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
