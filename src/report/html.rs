//! The HTML report: one self-contained page (inline CSS and JS, no network) with a summary, a
//! bar per suite, and the cases filterable by verdict, suite and text.
//!
//! Everything is rendered here and HTML-escaped, whatever its origin; the inline script only
//! filters and toggles. A Content-Security-Policy allows no network access and no script but
//! ours (by hash), so even markup that slipped through could not run or phone home.
//!
//! Its size is bounded by the failures, not the passes: it lists every non-passing case (up to
//! [`DETAIL_CAP`]) and the first [`PASS_LIST_CAP`] passing cases; further passing cases are
//! summarised per suite (count, total and slowest duration).

use std::fmt::Write as _;
use std::time::Duration;

use base64::Engine as _;
use sha2::{Digest, Sha256};

use super::record::{RunRecord, kind_name};
use super::tally::RunTally;
use crate::case::model::Level;
use crate::result::{CaseResult, Counts, ExchangeRecord, Finding, Verdict};

/// Passing cases listed one by one; further ones are summarised per suite.
pub const PASS_LIST_CAP: usize = 1000;
/// Non-passing cases shown in detail; further ones are only counted (the JSON and JUnit reports
/// carry them all).
pub const DETAIL_CAP: usize = 5000;

const CSS: &str = include_str!("html/report.css");
const JS: &str = include_str!("html/report.js");

/// Escapes text for HTML content and quoted attribute values. C0 control characters other than
/// tab and line breaks become U+FFFD so they stay visible.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 8);
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Human duration: `850 ms`, `1.24 s`, `2 min 05 s`.
fn human(d: Duration) -> String {
    let ms = d.as_secs_f64() * 1000.0;
    if ms < 1000.0 {
        format!("{ms:.0} ms")
    } else if ms < 60_000.0 {
        format!("{:.2} s", ms / 1000.0)
    } else {
        let s = d.as_secs();
        format!("{} min {:02} s", s / 60, s % 60)
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn verdict_class(v: Verdict) -> &'static str {
    v.as_str()
}

fn verdict_text(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "PASS",
        Verdict::Fail => "FAIL",
        Verdict::Error => "ERROR",
        Verdict::Skip => "SKIP",
    }
}

/// Renders the record as a complete HTML document.
pub fn render(record: &RunRecord) -> String {
    super::files::render(super::ReportFormat::Html, record).unwrap_or_default()
}

/// Keeps what the page shows while the cases go by.
#[derive(Default)]
pub(crate) struct HtmlWriter {
    listed: Vec<CaseResult>,
    passes_listed: usize,
    details_listed: usize,
    /// Per group: passing cases not listed (count).
    rolled_up: Vec<usize>,
    /// Non-passing cases beyond [`DETAIL_CAP`].
    not_detailed: usize,
}

impl super::files::CaseWriter for HtmlWriter {
    fn case(&mut self, tally: &RunTally, group: usize, r: &CaseResult) -> std::io::Result<()> {
        let pass = r.verdict == Verdict::Pass;
        if pass && self.passes_listed >= PASS_LIST_CAP {
            if self.rolled_up.len() <= group {
                self.rolled_up.resize(group + 1, 0);
            }
            self.rolled_up[group] += 1;
            return Ok(());
        }
        if !pass && self.details_listed >= DETAIL_CAP {
            self.not_detailed += 1;
            return Ok(());
        }
        if pass {
            self.passes_listed += 1;
        } else {
            self.details_listed += 1;
        }
        let mut kept = r.clone();
        if !tally.exchanges.keeps(r) {
            kept.exchanges = Vec::new();
        }
        self.listed.push(kept);
        Ok(())
    }

    fn finish(&mut self, tally: &RunTally, out: &mut dyn std::io::Write) -> std::io::Result<()> {
        out.write_all(page(tally, self).as_bytes())
    }
}

fn page(tally: &RunTally, w: &HtmlWriter) -> String {
    let counts = &tally.counts;
    let mut out = String::with_capacity(64 * 1024);
    let script_hash =
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(JS.as_bytes()));
    let title = format!(
        "sessconform: {} passed, {} failed{}{} — {}",
        counts.passed,
        counts.failed,
        if counts.errors > 0 {
            format!(", {} could not run", counts.errors)
        } else {
            String::new()
        },
        if tally.interrupted() {
            " (interrupted)"
        } else {
            ""
        },
        tally.info.target
    );
    let _ = write!(
        out,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; \
         script-src 'sha256-{script_hash}'; img-src data:; base-uri 'none'; form-action 'none'\">\n\
         <meta name=\"generator\" content=\"sessconform {}\">\n<title>{}</title>\n<style>\n{CSS}</style>\n</head>\n",
        env!("CARGO_PKG_VERSION"),
        escape(&title)
    );
    out.push_str("<body data-ready=\"0\">\n");
    header(&mut out, tally);
    if let Some(c) = &tally.compat {
        super::compat_html::section(&mut out, c);
    }
    tiles(&mut out, counts);
    suites(&mut out, tally);
    let rows = w.listed.len() + w.rolled_up.iter().filter(|n| **n > 0).count();
    filters(&mut out, tally, counts, rows);
    out.push_str("<main id=\"cases\">\n");
    let multi = tally.multi_target();
    for (i, r) in w.listed.iter().enumerate() {
        case(&mut out, i, r, multi);
    }
    for (g, n) in tally.groups().iter().zip(&w.rolled_up) {
        if *n > 0 {
            rollup(&mut out, &tally.group_name(g), *n, g);
        }
    }
    out.push_str(
        "</main>\n<p id=\"no-match\" class=\"empty\" hidden>No case matches the filters.</p>\n",
    );
    if w.not_detailed > 0 {
        let _ = writeln!(
            out,
            "<p class=\"banner\" id=\"not-detailed\">{} more cases did not pass; this page shows the first {DETAIL_CAP}. \
             The JSON and JUnit reports carry every case.</p>",
            w.not_detailed
        );
    }
    if tally.counts.total() == 0 {
        out.push_str("<p class=\"empty\">No cases were run.</p>\n");
    }
    let _ = write!(
        out,
        "<pre id=\"js-errors\" hidden></pre>\n<footer>Generated by sessconform {} on {}. \
         Every value from the target is redacted: credentials and secret captures show as ***.</footer>\n\
         <script>{JS}</script>\n</body>\n</html>\n",
        env!("CARGO_PKG_VERSION"),
        escape(&tally.started_at_display())
    );
    out
}

/// One row standing for the passing cases of a suite that are not listed one by one.
fn rollup(out: &mut String, name: &str, n: usize, g: &super::tally::GroupTally) {
    let name = escape(name);
    let _ = write!(
        out,
        "<details class=\"case rollup\" data-verdict=\"pass\" data-suite=\"{name}\" data-rolled-up=\"{n}\">\n<summary>\
         <span class=\"badge pass\">PASS</span><span class=\"cid\">{} more of {name}</span>\
         <span class=\"muted\">suite total {} · slowest {}</span></summary>\n<div class=\"case-body\">\
         <p class=\"loc\">The page lists passing cases one by one up to {PASS_LIST_CAP}; these passed too. \
         report.json and junit.xml list every case.</p></div>\n</details>\n",
        plural(n, "passing case", "passing cases"),
        human(g.duration),
        human(g.slowest)
    );
}

fn header(out: &mut String, record: &RunTally) {
    out.push_str("<header>\n<h1>sessconform report</h1>\n");
    if record.interrupted() {
        out.push_str(
            "<p class=\"banner interrupted\" id=\"interrupted\">Interrupted: this report is partial. \
             Cases that did not run are listed as skipped.</p>\n",
        );
    }
    out.push_str("<dl class=\"meta\">\n");
    let _ = writeln!(
        out,
        "<dt>Target</dt><dd id=\"target\">{}</dd>",
        escape(&record.info.target)
    );
    if !record.info.base_urls.is_empty() {
        let urls: Vec<String> = record
            .info
            .base_urls
            .iter()
            .map(|(api, url)| format!("<code>{}</code> {}", escape(api), escape(url)))
            .collect();
        let _ = writeln!(out, "<dt>Base URLs</dt><dd>{}</dd>", urls.join("<br>"));
    }
    let _ = writeln!(
        out,
        "<dt>Started</dt><dd>{}</dd>\n<dt>Duration</dt><dd id=\"duration\">{}</dd>",
        escape(&record.started_at_display()),
        human(record.duration())
    );
    if record.info.strict {
        out.push_str("<dt>Mode</dt><dd>strict (warnings fail)</dd>\n");
    }
    out.push_str("</dl>\n</header>\n");
}

fn tiles(out: &mut String, c: &Counts) {
    out.push_str("<section class=\"counts\" aria-label=\"Summary\">\n");
    for (class, id, n, label) in [
        ("total", "total", c.total(), "cases"),
        ("pass", "passed", c.passed, "passed"),
        ("fail", "failed", c.failed, "failed"),
        ("error", "errors", c.errors, "could not run"),
        ("skip", "skipped", c.skipped, "skipped"),
        ("warn", "warnings", c.warnings, "warnings"),
    ] {
        let _ = writeln!(
            out,
            "<div class=\"tile {class}\"><span class=\"n\" id=\"count-{id}\">{n}</span><span class=\"l\">{label}</span></div>"
        );
    }
    out.push_str("</section>\n");
}

fn counts_text(c: &Counts) -> String {
    let mut parts = vec![
        format!("{} passed", c.passed),
        format!("{} failed", c.failed),
    ];
    if c.errors > 0 {
        parts.push(format!("{} could not run", c.errors));
    }
    if c.skipped > 0 {
        parts.push(format!("{} skipped ({})", c.skipped, c.skip_summary()));
    }
    if c.warnings > 0 {
        parts.push(plural(c.warnings, "warning", "warnings"));
    }
    parts.join(" · ")
}

fn suites(out: &mut String, tally: &RunTally) {
    let groups = tally.groups();
    if groups.is_empty() {
        return;
    }
    out.push_str(
        "<section aria-label=\"Suites\">\n<h2>Suites</h2>\n<table class=\"suites\">\n<tbody>\n",
    );
    for g in groups {
        let total = g.counts.total().max(1) as f64;
        let mut bar = String::new();
        for (class, n) in [
            ("pass", g.counts.passed),
            ("fail", g.counts.failed),
            ("error", g.counts.errors),
            ("skip", g.counts.skipped),
        ] {
            if n > 0 {
                let _ = write!(
                    bar,
                    "<span class=\"seg {class}\" style=\"width:{:.3}%\"></span>",
                    n as f64 * 100.0 / total
                );
            }
        }
        let name = escape(&tally.group_name(g));
        let text = escape(&format!(
            "{} · {}",
            counts_text(&g.counts),
            human(g.duration)
        ));
        let _ = writeln!(
            out,
            "<tr data-suite=\"{name}\"><th scope=\"row\"><button type=\"button\" class=\"linklike\" data-suite-link=\"{name}\" \
             title=\"Show only this suite\">{name}</button></th><td class=\"barcell\"><div class=\"bar\" title=\"{text}\" \
             role=\"img\" aria-label=\"{text}\">{bar}</div></td><td class=\"nums\">{text}</td></tr>"
        );
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

fn filters(out: &mut String, tally: &RunTally, c: &Counts, rows: usize) {
    out.push_str("<section class=\"filters\" id=\"filters\" aria-label=\"Filters\">\n");
    for (v, label, n) in [
        ("all", "All", c.total()),
        ("fail", "Failed", c.failed),
        ("error", "Could not run", c.errors),
        ("skip", "Skipped", c.skipped),
        ("pass", "Passed", c.passed),
    ] {
        let _ = writeln!(
            out,
            "<button type=\"button\" data-filter-verdict=\"{v}\" aria-pressed=\"{}\">{label} ({n})</button>",
            v == "all"
        );
    }
    out.push_str(
        "<select id=\"suite-filter\" aria-label=\"Suite\"><option value=\"\">All suites</option>",
    );
    for g in tally.groups() {
        let name = escape(&tally.group_name(g));
        let _ = write!(out, "<option value=\"{name}\">{name}</option>");
    }
    out.push_str("</select>\n<input id=\"text-filter\" type=\"search\" placeholder=\"Filter by text (press /)\" aria-label=\"Filter by text\">\n");
    let _ = writeln!(
        out,
        "<button type=\"button\" id=\"expand-all\">Expand all</button><button type=\"button\" id=\"collapse-all\">Collapse all</button>\n\
         <span id=\"shown-count\" data-shown=\"{rows}\">{rows} of {rows} cases shown</span>"
    );
    out.push_str("</section>\n");
}

fn case(out: &mut String, i: usize, r: &CaseResult, multi_target: bool) {
    let suite_name = if multi_target {
        format!("{} @ {}", r.suite, r.target)
    } else {
        r.suite.clone()
    };
    let open = matches!(r.verdict, Verdict::Fail | Verdict::Error);
    if multi_target {
        // Target of the matrix cells' links.
        let _ = write!(
            out,
            "<a class=\"anchor\" id=\"{}\"></a>",
            escape(&crate::result::compat::anchor(&r.id, &r.target))
        );
    }
    let _ = write!(
        out,
        "<details class=\"case\" id=\"case-{}\" data-verdict=\"{}\" data-suite=\"{}\" data-case-id=\"{}\"{}>\n<summary>\
         <span class=\"badge {}\">{}</span><span class=\"cid\">{}</span>",
        i + 1,
        verdict_class(r.verdict),
        escape(&suite_name),
        escape(&r.id),
        if open { " open" } else { "" },
        verdict_class(r.verdict),
        verdict_text(r.verdict),
        escape(&r.id)
    );
    if multi_target {
        let _ = write!(out, "<span class=\"muted\">@ {}</span>", escape(&r.target));
    }
    if r.verdict != Verdict::Skip {
        let _ = write!(out, "<span class=\"muted\">{}</span>", human(r.duration));
    }
    let warns = r.warnings().count();
    if warns > 0 {
        let _ = write!(
            out,
            "<span class=\"badge warn\">{}</span>",
            plural(warns, "warning", "warnings")
        );
    }
    if r.verdict == Verdict::Skip {
        if let Some(reason) = &r.reason {
            let _ = write!(out, "<span class=\"muted\">{}</span>", escape(reason));
        }
    }
    out.push_str("</summary>\n<div class=\"case-body\">\n");
    let _ = writeln!(
        out,
        "<p class=\"loc\">declared at <code>{}</code>{}</p>",
        escape(&r.span.to_string()),
        if r.tags.is_empty() {
            String::new()
        } else {
            format!(" · tags: {}", escape(&r.tags.join(", ")))
        }
    );
    if let Some(reason) = &r.reason {
        let label = match r.verdict {
            Verdict::Error => "Could not run: ",
            Verdict::Skip => "Skipped: ",
            _ => "",
        };
        let _ = writeln!(out, "<p class=\"reason\">{label}{}</p>", escape(reason));
    }
    if !r.findings.is_empty() {
        out.push_str("<ol class=\"findings\">\n");
        let multi_step = r.exchanges.len() > 1;
        for f in &r.findings {
            finding(out, f, multi_step.then(|| step_name(r, f.step)));
        }
        out.push_str("</ol>\n");
    }
    for ex in &r.exchanges {
        exchange(out, ex);
    }
    out.push_str("</div>\n</details>\n");
}

fn step_name(r: &CaseResult, step: usize) -> String {
    r.exchanges
        .iter()
        .find(|e| e.step == step)
        .map_or_else(|| format!("step {}", step + 1), |e| e.step_name.clone())
}

fn finding(out: &mut String, f: &Finding, step: Option<String>) {
    let level = match f.level {
        Level::Fail => "fail",
        Level::Warn => "warn",
    };
    let _ = write!(
        out,
        "<li class=\"finding {level}\"><div class=\"fhead\"><span class=\"kind\">{}</span>{}</div>",
        kind_name(f.kind),
        escape(&f.message)
    );
    if let Some(span) = &f.span {
        let _ = write!(
            out,
            "<div class=\"loc\"><code>{}</code>",
            escape(&span.to_string())
        );
        if let Some(step) = step {
            let _ = write!(out, " · {}", escape(&step));
        }
        out.push_str("</div>");
        if let Some(line) = span.file.line_text(span.line) {
            let caret: String = line
                .chars()
                .take(span.col.max(1) as usize - 1)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let _ = write!(
                out,
                "<pre class=\"src\">{:>4} | {}\n     | {}^</pre>",
                span.line,
                escape(line),
                caret
            );
        }
    }
    if let Some(note) = &f.note {
        let _ = write!(out, "<p class=\"note\">note: {}</p>", escape(note));
    }
    let mut ea = String::new();
    for (label, v) in [
        ("path", &f.path),
        ("schema", &f.schema_id),
        ("expected", &f.expected),
        ("actual", &f.actual),
    ] {
        if let Some(v) = v {
            let _ = write!(ea, "<dt>{label}</dt><dd><code>{}</code></dd>", escape(v));
        }
    }
    if !ea.is_empty() {
        let _ = write!(out, "<dl class=\"ea\">{ea}</dl>");
    }
    if let Some(d) = &f.detail {
        out.push_str("<pre class=\"diff\">");
        for line in d.lines() {
            let class = if line.starts_with("@@") {
                "hunk"
            } else if line.starts_with('+') && !line.starts_with("+++") {
                "add"
            } else if line.starts_with('-') && !line.starts_with("---") {
                "del"
            } else {
                "ctx"
            };
            let _ = write!(out, "<span class=\"{class}\">{}\n</span>", escape(line));
        }
        out.push_str("</pre>");
    }
    out.push_str("</li>\n");
}

fn exchange(out: &mut String, ex: &ExchangeRecord) {
    let status = ex.status_text();
    let rid = ex.request_id_note();
    let _ = writeln!(
        out,
        "<details class=\"exchange\"><summary>{}: {} {} → {} ({}){}</summary><div>",
        escape(&ex.step_name),
        escape(&ex.request.method),
        escape(&ex.request.url),
        escape(&status),
        human(ex.elapsed),
        escape(&rid)
    );
    let mut req = format!("{} {}\n", ex.request.method, ex.request.url);
    for (k, v) in &ex.request.headers {
        let _ = writeln!(req, "{k}: {v}");
    }
    if let Some(b) = &ex.request.body {
        let _ = write!(req, "\n{b}");
    }
    let _ = writeln!(
        out,
        "<h4>Request</h4><pre class=\"http\">{}</pre>",
        escape(&req)
    );
    if let Some(resp) = &ex.response {
        let mut text = format!("{} ({} bytes", resp.status, resp.body_len);
        if ex.retries > 0 {
            let _ = write!(text, ", {} retries after 429", ex.retries);
        }
        text.push_str(")\n");
        for (k, v) in &resp.headers {
            let _ = writeln!(text, "{k}: {v}");
        }
        if !resp.body.is_empty() {
            let _ = write!(text, "\n{}", resp.body);
        }
        let _ = writeln!(
            out,
            "<h4>Response</h4><pre class=\"http\">{}</pre>",
            escape(&text)
        );
    }
    let _ = write!(
        out,
        "<h4>Reproduce</h4><div><button type=\"button\" class=\"copy\">copy</button><pre class=\"curl\">{}</pre></div>\n</div></details>\n",
        escape(&ex.curl)
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_quotes_and_controls() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(escape("a\x1b[31mb\u{7f}\n"), "a\u{FFFD}[31mb\u{FFFD}\n");
    }

    #[test]
    fn assets_cannot_end_their_element_early() {
        assert!(!JS.to_ascii_lowercase().contains("</script"));
        assert!(!CSS.to_ascii_lowercase().contains("</style"));
    }

    #[test]
    fn durations_are_human() {
        assert_eq!(human(Duration::from_millis(12)), "12 ms");
        assert_eq!(human(Duration::from_millis(1234)), "1.23 s");
        assert_eq!(human(Duration::from_secs(125)), "2 min 05 s");
    }

    #[test]
    fn empty_run_renders_a_valid_page() {
        let html = render(&RunRecord::default());
        assert!(html.contains("id=\"count-total\">0<"));
        assert!(html.contains("No cases were run."));
        assert!(html.contains("Interrupted"), "no summary means partial");
    }
}
