//! Report files: collects the run once and writes each requested format atomically at the end,
//! also when cases errored or the run was interrupted (the report is then marked so).

use std::io;
use std::path::{Path, PathBuf};

use super::Reporter;
use super::atomic::write_atomic;
use super::record::RunRecord;
use super::{html, json, junit};
use crate::result::Event;

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

    /// Renders a record in this format.
    pub fn render(self, record: &RunRecord) -> io::Result<String> {
        match self {
            ReportFormat::Junit => junit::render(record),
            ReportFormat::Json => Ok(json::render(record)),
            ReportFormat::Html => Ok(html::render(record)),
        }
    }
}

/// Writes report files when the run ends.
#[derive(Default)]
pub struct FileReporter {
    record: RunRecord,
    outputs: Vec<(ReportFormat, PathBuf)>,
}

impl FileReporter {
    /// A reporter writing nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds an output file.
    pub fn add(&mut self, format: ReportFormat, path: impl Into<PathBuf>) {
        self.outputs.push((format, path.into()));
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
        for (_, path) in &self.outputs {
            if let Some(dir) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
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

    /// The collected run.
    pub fn record(&self) -> &RunRecord {
        &self.record
    }
}

impl Reporter for FileReporter {
    fn on_event(&mut self, event: &Event) {
        self.record.on_event(event);
    }

    /// Writes every output, each on its own core; all are attempted, the first error (in the
    /// order the outputs were added) is returned.
    fn finish(&mut self) -> io::Result<()> {
        let record = &self.record;
        crate::par::map(&self.outputs, |(format, path)| {
            format
                .render(record)
                .and_then(|text| write_atomic(path, text.as_bytes()))
        })
        .into_iter()
        .collect()
    }
}
