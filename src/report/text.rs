//! Text rendering of a case's findings, shared by the console (ANSI) and JUnit/JSON (plain).

use std::fmt::Write as _;

use crate::case::model::Level;
use crate::result::{CaseResult, Finding, FindingKind, Verdict};
pub use crate::style::Style;

/// The verdict label, padded: `PASS `, `FAIL `, `ERROR`, `SKIP `.
pub fn verdict_label(v: Verdict, style: Style) -> String {
    match v {
        Verdict::Pass => style.green("PASS "),
        Verdict::Fail => style.red("FAIL "),
        Verdict::Error => style.red("ERROR"),
        Verdict::Skip => style.yellow("SKIP "),
    }
}

fn kind_name(k: FindingKind) -> &'static str {
    match k {
        FindingKind::Status => "status",
        FindingKind::Header => "header",
        FindingKind::Schema => "schema",
        FindingKind::Assertion => "assert",
        FindingKind::Snapshot => "snapshot",
        FindingKind::Body => "body",
        FindingKind::Capture => "capture",
        FindingKind::Difference => "difference",
    }
}

/// The one-line head of a finding: `[schema ID] /path: message` or `[kind] message`.
pub fn warning_head(f: &Finding) -> String {
    match (f.kind, &f.schema_id, &f.path) {
        (FindingKind::Schema, Some(id), Some(p)) => {
            let at = if p.is_empty() { "(root)" } else { p.as_str() };
            format!("[schema {id}] {at}: {}", f.message)
        }
        _ => format!("[{}] {}", kind_name(f.kind), f.message),
    }
}

/// Where a schema violation's failing keyword lives (`format at test/sessions#/…/format`), as
/// `validate` shows it; the closest `anyOf`/`oneOf` branch is named at the end of the message.
pub fn schema_location(f: &Finding) -> Option<&str> {
    match (f.kind, &f.path) {
        (FindingKind::Schema, Some(_)) => f.expected.as_deref(),
        _ => None,
    }
}

/// How much of a case the details show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// The console's default: a finding's YAML location on one line, a warning of a failing case
    /// on one line, at most [`BRIEF_DETAIL_LINES`] lines of a diff or excerpt.
    Brief,
    /// Everything: rustc-style snippets, whole diffs (`-v`, JUnit, the `cargo test` harness).
    Full,
}

/// Lines of a diff or body excerpt shown per finding in [`Detail::Brief`].
pub const BRIEF_DETAIL_LINES: usize = 12;

/// Renders one finding: marker, message, location snippet, expected/actual and detail.
pub fn render_finding(f: &Finding, style: Style) -> String {
    render_finding_with(f, style, Detail::Full, true)
}

/// [`render_finding`] at `detail`, with or without the YAML location (left out when the
/// previous finding of the case pointed at the same line).
fn render_finding_with(f: &Finding, style: Style, detail: Detail, located: bool) -> String {
    let mut out = String::new();
    let marker = match f.level {
        Level::Fail => style.red("✗"),
        Level::Warn => style.yellow("⚠ warning:"),
    };
    if detail == Detail::Brief && f.level == Level::Warn {
        let at = f
            .span
            .as_ref()
            .map(|s| style.dim(&format!(" ({s})")))
            .unwrap_or_default();
        let _ = writeln!(out, "  {marker} {}{at}", warning_head(f));
        return out;
    }
    let _ = writeln!(out, "  {marker} {}", warning_head(f));
    match (f.span.as_ref().filter(|_| located), detail) {
        (Some(span), Detail::Full) => {
            for line in span.snippet("").lines() {
                let _ = writeln!(out, "      {}", style.dim(line));
            }
        }
        (Some(span), Detail::Brief) => {
            let _ = writeln!(out, "      {}", style.dim(&format!("--> {span}")));
        }
        (None, _) => {}
    }
    if let Some(n) = &f.note {
        let _ = writeln!(out, "      note: {n}");
    }
    if let Some(at) = schema_location(f) {
        let _ = writeln!(out, "      schema: {at}");
    }
    if f.detail.is_none() && schema_location(f).is_none() {
        if let Some(e) = &f.expected {
            let _ = writeln!(out, "      expected: {e}");
        }
        if let Some(a) = &f.actual {
            let _ = writeln!(out, "      actual:   {a}");
        }
    }
    if let Some(d) = &f.detail {
        let max = match detail {
            Detail::Brief => BRIEF_DETAIL_LINES,
            Detail::Full => usize::MAX,
        };
        let mut lines = d.lines();
        for line in lines.by_ref().take(max) {
            let _ = writeln!(out, "      {}", style.diff_line(line));
        }
        let more = lines.count();
        if more > 0 {
            let _ = writeln!(
                out,
                "      {}",
                style.dim(&format!(
                    "… {more} more lines (-v and the reports show all)"
                ))
            );
        }
    }
    out
}

/// Renders the full report of a failed, errored or warning case.
pub fn render_case(r: &CaseResult, style: Style) -> String {
    render_case_at(r, style, Detail::Full)
}

/// Renders the report of a failed, errored or warning case at `detail`.
pub fn render_case_at(r: &CaseResult, style: Style, detail: Detail) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} {}",
        style.bold("────"),
        style.bold(&r.id),
        style.dim(&format!("({})", r.span))
    );
    if let Some(reason) = &r.reason {
        let _ = writeln!(
            out,
            "  {} {reason}",
            if r.verdict == Verdict::Error {
                style.red("error:")
            } else {
                "note:".to_owned()
            }
        );
    }
    for (i, ex) in r.exchanges.iter().enumerate() {
        let status = ex.status_text();
        let rid = ex.request_id_note();
        let _ = writeln!(
            out,
            "  {} {} → {} ({:.0} ms{}){rid}",
            ex.request.method,
            ex.request.url,
            status,
            ex.elapsed.as_secs_f64() * 1000.0,
            if ex.retries > 0 {
                format!(", {} retries after 429", ex.retries)
            } else {
                String::new()
            }
        );
        // Differential runs record two exchanges per step: show the findings once, after both.
        let last_of_step = r.exchanges.get(i + 1).is_none_or(|n| n.step != ex.step);
        let step = r
            .findings
            .iter()
            .filter(|f| last_of_step && f.step == ex.step);
        render_findings(step, style, detail, &mut out);
    }
    if r.exchanges.is_empty() {
        render_findings(r.findings.iter(), style, detail, &mut out);
    }
    if matches!(r.verdict, Verdict::Fail | Verdict::Error) {
        if let Some(ex) = r.exchanges.last() {
            let _ = writeln!(out, "  reproduce:\n    {}", ex.curl);
        }
    }
    out
}
/// Renders findings in order; a finding declared at the same line as the one before it (the
/// violations of one schema) does not repeat the YAML snippet.
fn render_findings<'a>(
    findings: impl Iterator<Item = &'a Finding>,
    style: Style,
    detail: Detail,
    out: &mut String,
) {
    let mut last: Option<&crate::source::Span> = None;
    for f in findings {
        let same = matches!((last, &f.span), (Some(a), Some(b)) if same_place(a, b));
        out.push_str(&render_finding_with(f, style, detail, !same));
        last = f.span.as_ref();
    }
}

fn same_place(a: &crate::source::Span, b: &crate::source::Span) -> bool {
    a.line == b.line && a.col == b.col && a.file.name == b.file.name
}

/// The closing summary of a run: `head` (`3 passed, 1 failed`), the cases that could not run or
/// were skipped, `extra` (e.g. `, 2 warnings`), the duration and an interrupted mark, then the
/// skips grouped by cause on a line of their own. Shared by `run`'s and `diff`'s consoles.
pub fn summary_lines(
    mut head: String,
    extra: &str,
    summary: &crate::result::RunSummary,
    s: Style,
) -> String {
    let c = &summary.counts;
    if c.errors > 0 {
        head.push_str(&format!(", {} could not run", s.red(&c.errors.to_string())));
    }
    if c.skipped > 0 {
        head.push_str(&format!(", {} skipped", s.yellow(&c.skipped.to_string())));
    }
    head.push_str(extra);
    head.push_str(&s.dim(&format!(" ({:.2} s)", summary.duration.as_secs_f64())));
    if summary.interrupted {
        head.push_str(&s.red(" — interrupted"));
    }
    head.push('\n');
    if c.skipped > 0 {
        let why = format!("{} skipped: {}", c.skipped, c.skip_summary());
        head.push_str(&s.yellow(&why));
        head.push('\n');
    }
    head
}
