//! Console output: one line per case in plan order, then the details of each failure, then a
//! closing summary line.

use std::io::Write;

use super::Reporter;
use super::text::{Style, render_case, summary_lines, verdict_label};
use crate::result::{CaseResult, Event, Verdict};

/// Writes human output to any writer.
pub struct ConsoleReporter<W: Write> {
    out: W,
    style: Style,
    details: Vec<CaseResult>,
    show_warnings: bool,
    /// The run's target label; cases of another target (matrix runs) get ` @ target`.
    run_target: String,
}

impl<W: Write> ConsoleReporter<W> {
    /// A reporter writing to `out` in `style`.
    pub fn new(out: W, style: Style) -> Self {
        Self {
            out,
            style,
            details: Vec::new(),
            show_warnings: true,
            run_target: String::new(),
        }
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
                let urls: Vec<String> = info
                    .base_urls
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect();
                let _ = writeln!(
                    self.out,
                    "{} {} case{} against {}{}{}",
                    s.bold("running"),
                    info.total_cases,
                    if info.total_cases == 1 { "" } else { "s" },
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
                self.case_line(r);
                let wants = matches!(r.verdict, Verdict::Fail | Verdict::Error)
                    || (self.show_warnings && r.warnings().next().is_some());
                if wants {
                    let mut shown = (**r).clone();
                    if shown.target != self.run_target {
                        // Matrix runs: say which target the details belong to.
                        shown.id = format!("{} @ {}", shown.id, shown.target);
                    }
                    self.details.push(shown);
                }
            }
            Event::Compat(c) => {
                if let crate::result::compat::CompatReport::Matrix(m) = &**c {
                    let _ = write!(self.out, "\n{}", super::compat_console::render_matrix(m, s));
                }
            }
            Event::RunFinished(summary) => {
                if !self.details.is_empty() {
                    let _ = writeln!(self.out);
                    let details = std::mem::take(&mut self.details);
                    for r in &details {
                        let _ = writeln!(self.out, "{}", render_case(r, s));
                    }
                    let exports = super::reproducer_env::exports(&details);
                    if !exports.is_empty() {
                        let _ = writeln!(self.out, "{}", s.dim(&exports));
                    }
                }
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
