//! Report files, streamed: each case is handed to every requested format as it finishes (JUnit
//! and JSON spool it to a temporary file beside the report, HTML keeps only what it shows), and
//! each file is assembled and written atomically when the run ends — also when cases errored or
//! the run was interrupted (the report is then marked so). Memory does not grow with the number
//! of passing cases.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::Reporter;
use super::atomic::write_atomic_with;
use super::record::RunRecord;
use super::spool::Spool;
use super::tally::{ReportExchanges, RunTally};
use super::{html, json, junit};
use crate::result::{CaseResult, Event, RunInfo};

/// A report file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    /// JUnit XML.
    Junit,
    /// The JSON report.
    Json,
    /// The self-contained HTML report.
    Html,
}

impl ReportFormat {
    /// Every format, in the order `--reports DIR` writes them.
    pub const ALL: [ReportFormat; 3] =
        [ReportFormat::Junit, ReportFormat::Json, ReportFormat::Html];

    /// File name used under `--reports DIR`.
    pub fn file_name(self) -> &'static str {
        match self {
            ReportFormat::Junit => "junit.xml",
            ReportFormat::Json => "report.json",
            ReportFormat::Html => "index.html",
        }
    }

    /// Renders a whole record in this format (in memory).
    pub fn render(self, record: &RunRecord) -> io::Result<String> {
        render(self, record)
    }

    fn writer(self, spool: Spool) -> Box<dyn CaseWriter> {
        match self {
            ReportFormat::Junit => Box::new(junit::JunitWriter::new(spool)),
            ReportFormat::Json => Box::new(json::JsonWriter::new(spool)),
            ReportFormat::Html => Box::new(html::HtmlWriter::default()),
        }
    }
}

/// One format being written as the cases go by.
pub(crate) trait CaseWriter: Send {
    /// Takes one finished case (of group `group` of the tally, which already counts it).
    fn case(&mut self, tally: &RunTally, group: usize, r: &CaseResult) -> io::Result<()>;
    /// Writes the whole report to `out`.
    fn finish(&mut self, tally: &RunTally, out: &mut dyn Write) -> io::Result<()>;
}

/// Renders a whole record in `format`, through the same streaming writer as the files.
pub(crate) fn render(format: ReportFormat, record: &RunRecord) -> io::Result<String> {
    let mut tally = RunTally::new(record.info.clone(), record.exchanges);
    tally.started_at = record.started_at;
    let mut w = format.writer(Spool::memory());
    for r in &record.cases {
        let g = tally.add(r);
        w.case(&tally, g, r)?;
    }
    tally.compat.clone_from(&record.compat);
    tally.summary.clone_from(&record.summary);
    tally.unfinished_duration = Some(record.duration());
    let mut out = Vec::new();
    w.finish(&tally, &mut out)?;
    String::from_utf8(out).map_err(io::Error::other)
}

struct Output {
    format: ReportFormat,
    path: PathBuf,
    /// `None` until the run starts, or after an error (kept in `error`).
    writer: Option<Box<dyn CaseWriter>>,
    error: Option<io::Error>,
}

/// Writes report files, streaming the cases as they finish.
pub struct FileReporter {
    tally: RunTally,
    exchanges: ReportExchanges,
    outputs: Vec<Mutex<Output>>,
}

impl Default for FileReporter {
    fn default() -> Self {
        Self::new()
    }
}

impl FileReporter {
    /// A reporter writing nothing yet (passing cases' exchanges left out).
    pub fn new() -> Self {
        Self {
            tally: RunTally::new(RunInfo::default(), ReportExchanges::default()),
            exchanges: ReportExchanges::default(),
            outputs: Vec::new(),
        }
    }

    /// Chooses which cases' exchanges the reports carry.
    pub fn set_exchanges(&mut self, exchanges: ReportExchanges) {
        self.exchanges = exchanges;
        self.tally.exchanges = exchanges;
    }

    /// Adds an output file.
    pub fn add(&mut self, format: ReportFormat, path: impl Into<PathBuf>) {
        self.outputs.push(Mutex::new(Output {
            format,
            path: path.into(),
            writer: None,
            error: None,
        }));
    }

    /// Adds `junit.xml`, `report.json` and `index.html` under `dir`.
    pub fn add_dir(&mut self, dir: &Path) {
        for f in ReportFormat::ALL {
            self.add(f, dir.join(f.file_name()));
        }
    }

    /// True when no output was added.
    pub fn is_empty(&self) -> bool {
        self.outputs.is_empty()
    }

    /// Creates the folder of every output, so a bad path fails before the run starts.
    pub fn prepare(&self) -> io::Result<()> {
        for o in &self.outputs {
            let o = o.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(dir) = o.path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| {
                    io::Error::new(
                        e.kind(),
                        format!("failed to create the report folder {}: {e}", dir.display()),
                    )
                })?;
            }
        }
        Ok(())
    }

    /// Sets the start time the reports show (merged reports: the earliest shard's).
    pub fn set_started_at(&mut self, at: time::OffsetDateTime) {
        self.tally.started_at = at;
    }

    /// The run as seen so far.
    pub fn tally(&self) -> &RunTally {
        &self.tally
    }

    fn start(&mut self, info: RunInfo) {
        self.tally = RunTally::new(info, self.exchanges);
        for o in &mut self.outputs {
            let o = o
                .get_mut()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let spool = if o.format == ReportFormat::Html {
                Ok(Spool::memory())
            } else {
                Spool::beside(&o.path)
            };
            match spool {
                Ok(s) => {
                    o.writer = Some(o.format.writer(s));
                    o.error = None;
                }
                Err(e) => {
                    o.writer = None;
                    o.error = Some(io::Error::new(
                        e.kind(),
                        format!("failed to write {}: {e}", o.path.display()),
                    ));
                }
            }
        }
    }
}

impl Reporter for FileReporter {
    fn on_event(&mut self, event: &Event) {
        match event {
            Event::RunStarted(info) => self.start(info.clone()),
            Event::CaseFinished(r) => {
                if self.outputs.iter_mut().all(|o| {
                    let o = o
                        .get_mut()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    o.writer.is_none() && o.error.is_none()
                }) {
                    // A case before `RunStarted`: start with what we know.
                    self.start(RunInfo::default());
                }
                let g = self.tally.add(r);
                for o in &mut self.outputs {
                    let o = o
                        .get_mut()
                        .unwrap_or_else(std::sync::PoisonError::into_inner);
                    if let Some(w) = &mut o.writer {
                        if let Err(e) = w.case(&self.tally, g, r) {
                            o.error = Some(io::Error::new(
                                e.kind(),
                                format!("failed to write {}: {e}", o.path.display()),
                            ));
                            o.writer = None;
                        }
                    }
                }
            }
            Event::Compat(c) => self.tally.compat = Some((**c).clone()),
            Event::RunFinished(s) => self.tally.summary = Some(s.clone()),
        }
    }

    /// Writes every output, each on its own core; all are attempted, the first error (in the
    /// order the outputs were added) is returned.
    fn finish(&mut self) -> io::Result<()> {
        if self.outputs.iter_mut().all(|o| {
            let o = o
                .get_mut()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            o.writer.is_none() && o.error.is_none()
        }) {
            // No event at all: still write (empty, unfinished) reports.
            let info = self.tally.info.clone();
            self.start(info);
        }
        let tally = &self.tally;
        crate::par::map(&self.outputs, |o| {
            let mut o = o.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            if let Some(e) = o.error.take() {
                return Err(e);
            }
            let path = o.path.clone();
            match o.writer.take() {
                Some(mut w) => write_atomic_with(&path, |out| w.finish(tally, out)),
                None => Ok(()),
            }
        })
        .into_iter()
        .collect()
    }
}
