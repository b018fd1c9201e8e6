//! JUnit XML: one `<testsuite>` per suite (and target), one `<testcase>` per case, valid against
//! Jenkins' `junit-10.xsd`.
//!
//! The schema allows `<properties>` only on suites, so per-case facts (request ids) are suite
//! properties named after the case, and the exchange goes to the case's `<system-out>`.
//! Streamed: each `<testcase>` is written to a spool as the case finishes (its exchange only when
//! the report keeps it); the suites, whose attributes carry counts, are assembled at the end.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::record::{RunRecord, kind_name};
use super::spool::{Spool, push_range};
use super::tally::{GroupTally, RunTally};
use super::text::{Style, render_case, render_finding};
use super::xml::{attr, text};
use crate::result::{CaseResult, ExchangeRecord, Verdict};

/// Report name on `<testsuites>`.
const REPORT_NAME: &str = "sessconform";

/// Renders the record as a JUnit XML document.
pub fn render(record: &RunRecord) -> io::Result<String> {
    super::files::render(super::ReportFormat::Junit, record)
}

/// Streams `<testcase>` elements to a spool, remembering which ranges belong to which suite.
pub(crate) struct JunitWriter {
    spool: Spool,
    ranges: Vec<Vec<(u64, u64)>>,
    buf: String,
}

impl JunitWriter {
    /// A writer spooling to `spool`.
    pub(crate) fn new(spool: Spool) -> Self {
        Self {
            spool,
            ranges: Vec::new(),
            buf: String::with_capacity(1024),
        }
    }
}

impl super::files::CaseWriter for JunitWriter {
    fn case(&mut self, tally: &RunTally, group: usize, r: &CaseResult) -> io::Result<()> {
        self.buf.clear();
        case(&mut self.buf, r, tally.exchanges.keeps(r));
        let start = self.spool.len();
        self.spool.write(self.buf.as_bytes())?;
        if self.ranges.len() <= group {
            self.ranges.resize_with(group + 1, Vec::new);
        }
        push_range(&mut self.ranges[group], start, self.spool.len());
        Ok(())
    }

    fn finish(&mut self, tally: &RunTally, out: &mut dyn Write) -> io::Result<()> {
        let interrupted = tally.interrupted();
        let name = if interrupted {
            format!("{REPORT_NAME} (interrupted)")
        } else {
            REPORT_NAME.to_owned()
        };
        let c = &tally.counts;
        write!(
            out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"{}\" time=\"{:.3}\">\n",
            attr(&name),
            c.total(),
            c.failed,
            c.errors,
            tally.duration().as_secs_f64()
        )?;
        let stamp = tally.started_at_rfc3339();
        for (i, g) in tally.groups().iter().enumerate() {
            let mut head = String::new();
            suite_head(&mut head, tally, g, &stamp, interrupted);
            out.write_all(head.as_bytes())?;
            if let Some(ranges) = self.ranges.get(i) {
                self.spool.copy_ranges(ranges, out)?;
            }
            if let Some(compat) = &tally.compat {
                let ids = compat_ids(compat, &g.suite);
                if let Some(t) = super::compat_console::suite_text(compat, &ids) {
                    writeln!(out, "        <system-out>{}</system-out>", text(&t))?;
                }
            }
            out.write_all(b"    </testsuite>\n")?;
        }
        out.write_all(b"</testsuites>\n")
    }
}

/// Ids of the cases of `suite` that the compatibility data names (`suite::case`).
fn compat_ids<'a>(c: &'a crate::result::compat::CompatReport, suite: &str) -> Vec<&'a str> {
    use crate::result::compat::CompatReport;
    let prefix = format!("{suite}::");
    let mut ids: Vec<&str> = match c {
        CompatReport::Matrix(m) => m
            .rows
            .iter()
            .filter(|r| r.suite == suite)
            .map(|r| r.id.as_str())
            .collect(),
        CompatReport::Diff(d) => d
            .noise
            .iter()
            .flat_map(|n| n.cases.iter().map(String::as_str))
            .chain(d.unstable.iter().map(|u| u.case.as_str()))
            .filter(|id| id.starts_with(&prefix))
            .collect(),
    };
    ids.sort_unstable();
    ids.dedup();
    ids
}

fn suite_head(out: &mut String, tally: &RunTally, g: &GroupTally, stamp: &str, interrupted: bool) {
    let c = &g.counts;
    let _ = write!(
        out,
        "    <testsuite name=\"{}\" tests=\"{}\" errors=\"{}\" failures=\"{}\" skipped=\"{}\" time=\"{:.3}\" timestamp=\"{}\">\n        <properties>\n",
        attr(&tally.group_name(g)),
        c.total(),
        c.errors,
        c.failed,
        c.skipped,
        g.duration.as_secs_f64(),
        attr(stamp)
    );
    let mut prop = |k: &str, v: &str| {
        let _ = writeln!(
            out,
            "            <property name=\"{}\" value=\"{}\"/>",
            attr(k),
            attr(v)
        );
    };
    prop("target", &g.target);
    prop("api", &g.api);
    for u in &g.base_urls {
        prop("base_url", u);
    }
    for v in &g.api_versions {
        prop("api_version", v);
    }
    for id in &g.schema_ids {
        prop("schema_id", id);
    }
    for (case, id) in &g.request_ids {
        prop(&format!("request_id:{case}"), id);
    }
    // Skips grouped by cause (`skipped:need api clerk` = 12).
    for (cause, n) in &c.skipped_by {
        prop(&format!("skipped:{cause}"), &n.to_string());
    }
    if tally.info.strict {
        prop("strict", "true");
    }
    if interrupted {
        prop("interrupted", "true");
    }
    prop("sessconform_version", env!("CARGO_PKG_VERSION"));
    out.push_str("        </properties>\n");
}

fn case(out: &mut String, r: &CaseResult, with_exchanges: bool) {
    let _ = write!(
        out,
        "        <testcase name=\"{}\" classname=\"{}\" time=\"{:.3}\"",
        attr(&r.case),
        attr(&r.suite),
        r.duration.as_secs_f64()
    );
    let warnings: String = r
        .warnings()
        .map(|f| render_finding(f, Style::Plain))
        .collect();
    let exchanges = with_exchanges && !r.exchanges.is_empty();
    if r.verdict == Verdict::Pass && warnings.is_empty() && !exchanges {
        out.push_str("/>\n");
        return;
    }
    out.push_str(">\n");
    match r.verdict {
        Verdict::Pass => {}
        Verdict::Fail => {
            let mut fails = r.failures();
            let (message, ty) = match fails.next() {
                Some(f) => {
                    let more = fails.count();
                    let msg = if more > 0 {
                        format!("{} (+{more} more)", f.message)
                    } else {
                        f.message.clone()
                    };
                    (msg, kind_name(f.kind))
                }
                None => (
                    r.reason.clone().unwrap_or_else(|| "failed".to_owned()),
                    "failure",
                ),
            };
            let _ = writeln!(
                out,
                "            <failure message=\"{}\" type=\"{ty}\">{}</failure>",
                attr(&one_line(&message)),
                text(&render_case(r, Style::Plain))
            );
        }
        Verdict::Error => {
            let _ = writeln!(
                out,
                "            <error message=\"{}\" type=\"error\">{}</error>",
                attr(&one_line(r.reason.as_deref().unwrap_or("could not run"))),
                text(&render_case(r, Style::Plain))
            );
        }
        Verdict::Skip => {
            let _ = writeln!(
                out,
                "            <skipped message=\"{}\"/>",
                attr(&one_line(r.reason.as_deref().unwrap_or("skipped")))
            );
        }
    }
    if exchanges {
        let _ = writeln!(
            out,
            "            <system-out>{}</system-out>",
            text(&exchanges_text(&r.exchanges))
        );
    }
    if !warnings.is_empty() {
        let _ = writeln!(
            out,
            "            <system-err>{}</system-err>",
            text(&warnings)
        );
    }
    out.push_str("        </testcase>\n");
}

/// The redacted exchanges as plain text: request line, headers and body, then the response.
pub fn exchanges_text(exchanges: &[ExchangeRecord]) -> String {
    let mut out = String::new();
    for ex in exchanges {
        let _ = writeln!(out, "── step {}: {}", ex.step + 1, ex.step_name);
        let _ = writeln!(out, "> {} {}", ex.request.method, ex.request.url);
        for (k, v) in &ex.request.headers {
            let _ = writeln!(out, "> {k}: {v}");
        }
        if let Some(b) = &ex.request.body {
            let _ = writeln!(out, ">");
            for line in b.lines() {
                let _ = writeln!(out, "> {line}");
            }
        }
        match &ex.response {
            Some(resp) => {
                let _ = write!(
                    out,
                    "< {} ({:.0} ms, {} bytes",
                    resp.status,
                    ex.elapsed.as_secs_f64() * 1000.0,
                    resp.body_len
                );
                if ex.retries > 0 {
                    let _ = write!(out, ", {} retries after 429", ex.retries);
                }
                out.push(')');
                if let Some(id) = &resp.request_id {
                    let _ = write!(out, " request_id={id}");
                }
                out.push('\n');
                for (k, v) in &resp.headers {
                    let _ = writeln!(out, "< {k}: {v}");
                }
                if !resp.body.is_empty() {
                    let _ = writeln!(out, "<");
                    for line in resp.body.lines() {
                        let _ = writeln!(out, "< {line}");
                    }
                }
            }
            None => {
                let _ = writeln!(
                    out,
                    "< no response ({:.0} ms)",
                    ex.elapsed.as_secs_f64() * 1000.0
                );
            }
        }
        let _ = writeln!(out, "reproduce: {}", ex.curl);
    }
    out
}

/// Attribute values lose their line breaks in XML parsers anyway: keep the first line.
fn one_line(s: &str) -> String {
    let first = s.lines().next().unwrap_or("");
    let mut out = first.to_owned();
    if s.lines().nth(1).is_some() {
        out.push_str(" …");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_keeps_the_first_line() {
        assert_eq!(one_line("first\nsecond"), "first …");
        assert_eq!(one_line(""), "");
    }
}
