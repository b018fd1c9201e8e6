//! Console output: one line per case in plan order (failing and errored ones only with
//! `--quiet`), then the details of each failure, the warnings of passing cases listed once, then
//! a closing summary line.

use std::io::Write;

use super::Reporter;
use super::text::{Detail, Style, render_case_at, summary_lines, verdict_label, warning_head};
use crate::result::{CaseResult, Event, Verdict};

/// How much the console says.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Verbosity {
    /// Failing and errored cases, their brief details and the summary (`-q`).
    Quiet,
    /// One line per case, brief details of failures ([`Detail::Brief`]), the warnings of passing
    /// cases listed once at the end.
    #[default]
    Normal,
    /// Everything in place, in full: rustc-style snippets, whole diffs, and passing cases with
    /// warnings get their details too (`-v`).
    Verbose,
}

/// Distinct warnings of passing cases listed at the end; further ones are only counted.
const MAX_LISTED_WARNINGS: usize = 50;

/// One distinct warning of passing cases: its rendered head, the first case that had it and how
/// many cases had it.
struct Warned {
    head: String,
    first_case: String,
    cases: usize,
}

/// Writes human output to any writer.
pub struct ConsoleReporter<W: Write> {
    out: W,
    style: Style,
    verbosity: Verbosity,
    details: Vec<CaseResult>,
    /// Warnings of passing cases, distinct (Normal verbosity), in order of first appearance.
    warned: Vec<Warned>,
    /// Passing cases with warnings, and distinct warnings past [`MAX_LISTED_WARNINGS`].
    warned_cases: usize,
    unlisted_warnings: usize,
    /// The run's target label; cases of another target (matrix runs) get ` @ target`.
    run_target: String,
}

impl<W: Write> ConsoleReporter<W> {
    /// A reporter writing to `out` in `style`, at [`Verbosity::Normal`].
    pub fn new(out: W, style: Style) -> Self {
        Self {
            out,
            style,
            verbosity: Verbosity::Normal,
            details: Vec::new(),
            warned: Vec::new(),
            warned_cases: 0,
            unlisted_warnings: 0,
            run_target: String::new(),
        }
    }

    /// Sets how much the console says.
    #[must_use]
    pub fn with_verbosity(mut self, verbosity: Verbosity) -> Self {
        self.verbosity = verbosity;
        self
    }

    /// Counts a passing case's warnings, each distinct one listed once at the end.
    fn note_warnings(&mut self, r: &CaseResult, id: &str) {
        self.warned_cases += 1;
        for f in r.warnings() {
            let head = warning_head(f);
            let listed = self.warned.len();
            match self.warned.iter_mut().find(|w| w.head == head) {
                Some(w) => w.cases += 1,
                None if listed < MAX_LISTED_WARNINGS => self.warned.push(Warned {
                    head,
                    first_case: id.to_owned(),
                    cases: 1,
                }),
                None => self.unlisted_warnings += 1,
            }
        }
    }

    /// The warnings of passing cases, each listed once.
    fn write_warnings(&mut self) {
        if self.warned.is_empty() {
            return;
        }
        let s = self.style;
        let n = self.warned_cases;
        let _ = writeln!(
            self.out,
            "{} in {n} passing case{} (-v shows each case's in place):",
            s.yellow("warnings"),
            if n == 1 { "" } else { "s" }
        );
        for w in std::mem::take(&mut self.warned) {
            let others = match w.cases {
                1 => String::new(),
                2 => " (and 1 more case)".to_owned(),
                k => format!(" (and {} more cases)", k - 1),
            };
            let _ = writeln!(
                self.out,
                "  {} {}: {}{}",
                s.yellow("⚠"),
                w.first_case,
                w.head,
                s.dim(&others)
            );
        }
        if self.unlisted_warnings > 0 {
            let _ = writeln!(
                self.out,
                "  … and {} more distinct warnings (-v shows them all)",
                self.unlisted_warnings
            );
        }
        let _ = writeln!(self.out);
    }

    /// Consumes the reporter and returns its writer (tests read the bytes).
    pub fn into_inner(self) -> W {
        self.out
    }

    fn case_line(&mut self, r: &CaseResult) {
        let s = self.style;
        let ms = r.duration.as_secs_f64() * 1000.0;
        let mut line = format!("{} {}", verdict_label(r.verdict, s), r.id);
        if r.target != self.run_target {
            line.push_str(&format!(" @ {}", r.target));
        }
        match r.verdict {
            Verdict::Skip => {
                line.push_str(&s.dim(&format!(" ({})", r.reason.as_deref().unwrap_or("skipped"))));
            }
            Verdict::Error => line.push_str(&s.dim(&format!(
                " ({ms:.0} ms) {}",
                r.reason.as_deref().unwrap_or("")
            ))),
            _ => line.push_str(&s.dim(&format!(" ({ms:.0} ms)"))),
        }
        let warns = r.warnings().count();
        if warns > 0 {
            line.push_str(&s.yellow(&format!(
                " {warns} warning{}",
                if warns == 1 { "" } else { "s" }
            )));
        }
        let _ = writeln!(self.out, "{line}");
    }
}

impl<W: Write + Send> Reporter for ConsoleReporter<W> {
    fn on_event(&mut self, event: &Event) {
        let s = self.style;
        match event {
            Event::RunStarted(info) => {
                self.run_target = info.target.clone();
                if self.verbosity == Verbosity::Quiet {
                    return;
                }
                let urls: Vec<String> = info
                    .base_urls
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                let cases = match info.total_cases {
                    Some(n) => format!("{n} case{}", if n == 1 { "" } else { "s" }),
                    None => "the cases (streamed as their files are read)".to_owned(),
                };
                let _ = writeln!(
                    self.out,
                    "{} {cases} against {}{}{}",
                    s.bold("running"),
                    info.target,
                    if urls.is_empty() {
                        String::new()
                    } else {
                        format!(" ({})", urls.join(", "))
                    },
                    if info.strict { " [strict]" } else { "" }
                );
            }
            Event::CaseFinished(r) => {
                let failed = matches!(r.verdict, Verdict::Fail | Verdict::Error);
                if failed || self.verbosity != Verbosity::Quiet {
                    self.case_line(r);
                }
                let warned = r.warnings().next().is_some();
                // Matrix runs: say which target the details belong to.
                let id = if r.target == self.run_target {
                    r.id.clone()
                } else {
                    format!("{} @ {}", r.id, r.target)
                };
                if failed || (warned && self.verbosity == Verbosity::Verbose) {
                    let mut shown = (**r).clone();
                    shown.id = id;
                    self.details.push(shown);
                } else if warned && self.verbosity == Verbosity::Normal {
                    self.note_warnings(r, &id);
                }
            }
            Event::Compat(c) => {
                if let crate::result::compat::CompatReport::Matrix(m) = &**c {
                    let _ = write!(self.out, "\n{}", super::compat_console::render_matrix(m, s));
                }
            }
            Event::RunFinished(summary) => {
                if !self.details.is_empty() {
                    let detail = match self.verbosity {
                        Verbosity::Verbose => Detail::Full,
                        Verbosity::Quiet | Verbosity::Normal => Detail::Brief,
                    };
                    let _ = writeln!(self.out);
                    let details = std::mem::take(&mut self.details);
                    for r in &details {
                        let _ = writeln!(self.out, "{}", render_case_at(r, s, detail));
                    }
                    let exports = super::reproducer_env::exports(&details);
                    if !exports.is_empty() {
                        let _ = writeln!(self.out, "{}", s.dim(&exports));
                    }
                } else if !self.warned.is_empty() {
                    let _ = writeln!(self.out);
                }
                self.write_warnings();
                let c = &summary.counts;
                let line = format!(
                    "{} passed, {} failed",
                    s.green(&c.passed.to_string()),
                    if c.failed > 0 {
                        s.red(&c.failed.to_string())
                    } else {
                        c.failed.to_string()
                    }
                );
                let warnings = if c.warnings > 0 {
                    format!(
                        ", {} warning{}",
                        s.yellow(&c.warnings.to_string()),
                        if c.warnings == 1 { "" } else { "s" }
                    )
                } else {
                    String::new()
                };
                let _ = write!(self.out, "{}", summary_lines(line, &warnings, summary, s));
            }
        }
    }

    fn finish(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}
