//! Console rendering for compatibility runs: the case × target matrix, and the whole console
//! output of `sessconform diff` (one line per case, the differences with their diffs, the noise
//! summary, the totals).

use std::fmt::Write as _;
use std::io::Write;

use super::Reporter;
use super::text::{Style, summary_lines};
use crate::result::compat::{Cell, CompatReport, DiffSummary, Matrix};
use crate::result::{CaseResult, Event, Verdict};

/// Longest diff shown per difference on the console.
const CONSOLE_DIFF_LINES: usize = 24;

/// Widest case-id column of the matrix.
const MAX_ID_WIDTH: usize = 64;

fn paint(cell: Option<Cell>, style: Style, width: usize) -> String {
    let text = cell.map_or("-", Cell::as_str);
    let padded = format!("{text:<width$}");
    match cell {
        Some(Cell::Pass) => style.green(&padded),
        Some(Cell::Warn) => style.yellow(&padded),
        Some(Cell::Fail | Cell::Error) => style.red(&padded),
        Some(Cell::Skip) | None => style.dim(&padded),
    }
}

fn clip(s: &str, width: usize) -> String {
    if s.chars().count() <= width {
        return s.to_owned();
    }
    let cut: String = s.chars().take(width.saturating_sub(1)).collect();
    format!("{cut}…")
}

/// The matrix as a text table; rows whose targets disagree are marked with `≠`.
pub fn render_matrix(m: &Matrix, style: Style) -> String {
    let mut out = String::new();
    let id_w = m
        .rows
        .iter()
        .map(|r| r.id.chars().count())
        .max()
        .unwrap_or(4)
        .clamp(4, MAX_ID_WIDTH);
    let widths: Vec<usize> = m.targets.iter().map(|t| t.chars().count().max(5)).collect();
    let _ = write!(
        out,
        "{}\n  {:id_w$}",
        style.bold("matrix (case × target)"),
        ""
    );
    for (t, w) in m.targets.iter().zip(&widths) {
        let _ = write!(out, "  {}", style.bold(&format!("{t:<w$}")));
    }
    out.push('\n');
    let mut differing = 0;
    for row in &m.rows {
        let differs = Matrix::row_differs(row);
        if differs {
            differing += 1;
        }
        let _ = write!(
            out,
            "{} {:id_w$}",
            if differs {
                style.yellow("≠")
            } else {
                " ".to_owned()
            },
            clip(&row.id, id_w)
        );
        for (c, w) in row.cells.iter().zip(&widths) {
            let _ = write!(out, "  {}", paint(c.as_ref().map(|c| c.cell), style, *w));
        }
        out.push('\n');
    }
    let _ = writeln!(
        out,
        "{differing} of {} case{} differ between targets",
        m.rows.len(),
        if m.rows.len() == 1 { "" } else { "s" }
    );
    out
}

/// Console output of `sessconform diff`.
pub struct DiffConsole<W: Write> {
    out: W,
    style: Style,
    details: Vec<CaseResult>,
    summary: Option<DiffSummary>,
    recording_only: bool,
    quiet: bool,
    verbose: bool,
}

impl<W: Write> DiffConsole<W> {
    /// A reporter writing to `out`; `recording_only` when there is no candidate.
    pub fn new(out: W, style: Style, recording_only: bool) -> Self {
        Self {
            out,
            style,
            details: Vec::new(),
            summary: None,
            recording_only,
            quiet: false,
            verbose: false,
        }
    }

    /// `--quiet`: no line for cases that are the same (or recorded) or skipped.
    #[must_use]
    pub fn quiet(mut self, quiet: bool) -> Self {
        self.quiet = quiet;
        self
    }

    /// `--verbose`: whole diffs, not their first lines.
    #[must_use]
    pub fn verbose(mut self, verbose: bool) -> Self {
        self.verbose = verbose;
        self
    }

    /// Consumes the reporter and returns its writer.
    pub fn into_inner(self) -> W {
        self.out
    }

    fn label(&self, v: Verdict) -> String {
        let s = self.style;
        match v {
            Verdict::Pass if self.recording_only => s.green("REC  "),
            Verdict::Pass => s.green("SAME "),
            Verdict::Fail => s.red("DIFF "),
            Verdict::Error => s.red("ERROR"),
            Verdict::Skip => s.yellow("SKIP "),
        }
    }

    fn case_details(&self, r: &CaseResult) -> String {
        let s = self.style;
        let mut out = String::new();
        let _ = writeln!(
            out,
            "{} {} {}",
            s.bold("────"),
            s.bold(&r.id),
            s.dim(&format!("({})", r.span))
        );
        if let Some(reason) = &r.reason {
            let _ = writeln!(out, "  {} {reason}", s.red("error:"));
        }
        for f in &r.findings {
            let _ = writeln!(out, "  {} {}", s.red("≠"), f.message);
            if let Some(d) = &f.detail {
                let lines: Vec<&str> = d.lines().collect();
                let max = if self.verbose {
                    usize::MAX
                } else {
                    CONSOLE_DIFF_LINES
                };
                for line in lines.iter().take(max) {
                    let _ = writeln!(out, "      {}", s.diff_line(line));
                }
                if lines.len() > max {
                    let _ = writeln!(
                        out,
                        "      {}",
                        s.dim(&format!(
                            "… {} more lines (the reports carry the whole diff)",
                            lines.len() - max
                        ))
                    );
                }
            }
        }
        let last_step = r.findings.iter().map(|f| f.step).max();
        let curls: Vec<&str> = r
            .exchanges
            .iter()
            .filter(|e| Some(e.step) == last_step || r.verdict == Verdict::Error)
            .map(|e| e.curl.as_str())
            .collect();
        if !curls.is_empty() {
            let _ = writeln!(out, "  reproduce:");
            for (e, c) in r
                .exchanges
                .iter()
                .filter(|e| Some(e.step) == last_step || r.verdict == Verdict::Error)
                .zip(curls)
            {
                let side = e.step_name.split(':').next().unwrap_or("");
                let _ = writeln!(out, "    {}  {c}", s.dim(&format!("# {side}")));
            }
        }
        out
    }
}

/// The noise summary as text.
pub fn render_noise(summary: &DiffSummary, style: Style) -> String {
    let mut out = String::new();
    if summary.noise.is_empty() && summary.unstable.is_empty() {
        let _ = writeln!(out, "{}", style.dim("noise: nothing was ignored"));
    }
    if !summary.noise.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            style.bold("treated as noise (not counted as differences):")
        );
        let w = summary
            .noise
            .iter()
            .map(|n| n.path.chars().count())
            .max()
            .unwrap_or(0)
            .min(56);
        let mut group: Option<String> = None;
        for n in &summary.noise {
            let heading = match (&n.rule, n.source.as_str()) {
                (Some(r), _) => format!("rule {r}:"),
                (None, "paired") => {
                    "paired: the same value generated on both sides by one earlier request"
                        .to_owned()
                }
                _ => "learned: differed between two calls to the baseline".to_owned(),
            };
            if group.as_deref() != Some(heading.as_str()) {
                let _ = writeln!(out, "  {heading}");
                group = Some(heading);
            }
            let cases = match n.cases.len() {
                1 => "1 case".to_owned(),
                k => format!("{k} cases"),
            };
            let mut line = format!(
                "    {:w$}  {}",
                n.path,
                style.dim(&format!("{:<14}", format!("{}× in {cases}", n.suppressed)))
            );
            if n.source == "paired" {
                if let Some(at) = &n.learned_at {
                    line.push_str(&style.dim(&format!("  from {at}")));
                }
            }
            if let (Some((a, b)), Some(at)) = (&n.example, &n.learned_at) {
                line.push_str(&style.dim(&format!(
                    "  e.g. {} vs {} ({at})",
                    clip(a, 28),
                    clip(b, 28)
                )));
            }
            let _ = writeln!(out, "{line}");
        }
    }
    if !summary.unstable.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            style.bold("baseline not repeatable (no noise learned there; same-endpoint noise still applies):")
        );
        for u in &summary.unstable {
            let _ = writeln!(out, "  {} step {}: {}", u.case, u.step + 1, u.why);
        }
    }
    if !summary.rules.is_empty() {
        let _ = writeln!(
            out,
            "{} {}; headers compared: {}",
            style.dim("rules:"),
            summary.rules.join(", "),
            summary.headers.join(", ")
        );
    }
    out
}

impl<W: Write + Send> Reporter for DiffConsole<W> {
    fn on_event(&mut self, event: &Event) {
        let s = self.style;
        match event {
            Event::RunStarted(info) => {
                let _ = writeln!(
                    self.out,
                    "{} {} case{}: {}",
                    s.bold(if self.recording_only {
                        "recording"
                    } else {
                        "comparing"
                    }),
                    info.total_cases.unwrap_or_default(),
                    if info.total_cases == Some(1) { "" } else { "s" },
                    info.target
                );
            }
            Event::CaseFinished(r) => {
                let mut line = format!("{} {}", self.label(r.verdict), r.id);
                match r.verdict {
                    Verdict::Fail => {
                        let n = r.findings.len();
                        line.push_str(&s.red(&format!(
                            "  {n} difference{}",
                            if n == 1 { "" } else { "s" }
                        )));
                    }
                    Verdict::Error | Verdict::Skip => {
                        line.push_str(&s.dim(&format!(" ({})", r.reason.as_deref().unwrap_or(""))));
                    }
                    Verdict::Pass => {}
                }
                let failed = matches!(r.verdict, Verdict::Fail | Verdict::Error);
                if failed || !self.quiet {
                    let _ = writeln!(self.out, "{line}");
                }
                if failed {
                    self.details.push((**r).clone());
                }
            }
            Event::Compat(c) => {
                if let CompatReport::Diff(d) = &**c {
                    self.summary = Some(d.clone());
                }
            }
            Event::RunFinished(summary) => {
                if !self.details.is_empty() {
                    let _ = writeln!(self.out);
                    for r in std::mem::take(&mut self.details) {
                        let text = self.case_details(&r);
                        let _ = writeln!(self.out, "{text}");
                    }
                }
                if let Some(d) = &self.summary {
                    let text = render_noise(d, s);
                    let _ = write!(self.out, "{text}");
                    if let Some(dir) = &d.recorded {
                        let _ = writeln!(self.out, "golden files written to {dir}");
                    }
                }
                let c = &summary.counts;
                let diffs = self.summary.as_ref().map_or(0, |d| d.differences);
                let line = if self.recording_only {
                    format!("{} recorded", s.green(&c.passed.to_string()))
                } else {
                    format!(
                        "{} differ ({} difference{}), {} same",
                        if c.failed > 0 {
                            s.red(&c.failed.to_string())
                        } else {
                            c.failed.to_string()
                        },
                        diffs,
                        if diffs == 1 { "" } else { "s" },
                        s.green(&c.passed.to_string())
                    )
                };
                let _ = write!(self.out, "{}", summary_lines(line, "", summary, s));
            }
        }
    }

    fn finish(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

/// Plain text of the compatibility data that concerns the given cases (a JUnit testsuite's
/// `<system-out>`): their matrix rows, or the noise that applied to them.
pub fn suite_text(report: &CompatReport, case_ids: &[&str]) -> Option<String> {
    match report {
        CompatReport::Matrix(m) => {
            let rows: Vec<_> = m
                .rows
                .iter()
                .filter(|r| case_ids.contains(&r.id.as_str()))
                .cloned()
                .collect();
            if rows.is_empty() {
                return None;
            }
            let sub = Matrix {
                targets: m.targets.clone(),
                rows,
            };
            Some(render_matrix(&sub, Style::Plain))
        }
        CompatReport::Diff(d) => {
            let mut sub = d.clone();
            sub.noise
                .retain(|n| n.cases.iter().any(|c| case_ids.contains(&c.as_str())));
            sub.unstable.retain(|u| case_ids.contains(&u.case.as_str()));
            Some(render_noise(&sub, Style::Plain))
        }
    }
}
