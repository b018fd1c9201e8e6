//! JUnit XML through quick-junit: one `<testsuite>` per suite (and target), one `<testcase>` per
//! case, valid against Jenkins' `junit-10.xsd`.
//!
//! The schema allows `<properties>` only on suites, so per-case facts (request ids) are suite
//! properties named after the case, and the exchange goes to the case's `<system-out>`.

use std::fmt::Write as _;
use std::io;
use std::time::Duration;

use quick_junit::{NonSuccessKind, Property, Report, TestCase, TestCaseStatus, TestSuite};

use super::record::{RunRecord, SuiteGroup, kind_name};
use super::text::{Style, render_case, render_finding};
use crate::result::{CaseResult, ExchangeRecord, Verdict};

/// Report name on `<testsuites>`.
const REPORT_NAME: &str = "sessconform";

/// Renders the record as a JUnit XML document.
pub fn render(record: &RunRecord) -> io::Result<String> {
    let interrupted = record.interrupted();
    let mut report = Report::new(if interrupted {
        format!("{REPORT_NAME} (interrupted)")
    } else {
        REPORT_NAME.to_owned()
    });
    report.set_time(record.duration());
    let stamp = record.started_at_rfc3339();
    for group in record.suites() {
        report.add_test_suite(suite(record, &group, &stamp, interrupted));
    }
    let xml = report
        .to_string()
        .map_err(|e| io::Error::other(format!("failed to serialize the JUnit report: {e}")))?;
    Ok(drop_root_skipped(xml))
}

/// `junit-10.xsd` does not allow `skipped` on `<testsuites>` (only on `<testsuite>`), while
/// quick-junit always writes it: remove it from the root tag.
fn drop_root_skipped(xml: String) -> String {
    let Some(start) = xml.find("<testsuites") else {
        return xml;
    };
    let Some(len) = xml[start..].find('>') else {
        return xml;
    };
    let tag = &xml[start..start + len];
    // Attribute values are escaped (`"` is `&quot;`), so this only matches the attribute itself.
    let Some(at) = tag.find(" skipped=\"") else {
        return xml;
    };
    let value_start = start + at + " skipped=\"".len();
    let Some(value_len) = xml[value_start..].find('"') else {
        return xml;
    };
    let mut out = String::with_capacity(xml.len());
    out.push_str(&xml[..start + at]);
    out.push_str(&xml[value_start + value_len + 1..]);
    out
}

fn suite(record: &RunRecord, group: &SuiteGroup<'_>, stamp: &str, interrupted: bool) -> TestSuite {
    let mut ts = TestSuite::new(clean(&group.name));
    ts.extra.insert("timestamp".into(), stamp.into());
    let time: Duration = group.cases.iter().map(|c| c.duration).sum();
    ts.set_time(time);
    let mut props: Vec<(String, String)> = vec![
        ("target".to_owned(), group.target.to_owned()),
        ("api".to_owned(), group.api.to_owned()),
    ];
    let push_unique = |props: &mut Vec<(String, String)>, k: &str, v: &str| {
        if !v.is_empty() && !props.iter().any(|(pk, pv)| pk == k && pv == v) {
            props.push((k.to_owned(), v.to_owned()));
        }
    };
    for c in &group.cases {
        push_unique(&mut props, "base_url", &c.base_url);
    }
    for c in &group.cases {
        for ex in &c.exchanges {
            for (name, value) in &ex.request.headers {
                if name.to_ascii_lowercase().ends_with("api-version") {
                    push_unique(&mut props, "api_version", value);
                }
            }
        }
    }
    for c in &group.cases {
        for id in &c.schema_ids {
            push_unique(&mut props, "schema_id", id);
        }
    }
    for c in &group.cases {
        for ex in &c.exchanges {
            if let Some(id) = ex.response.as_ref().and_then(|r| r.request_id.as_deref()) {
                props.push((format!("request_id:{}", c.case), id.to_owned()));
            }
        }
    }
    // Skips grouped by cause (`skipped:need api clerk` = 12).
    let mut skips = crate::result::Counts::default();
    for c in group.cases.iter().filter(|c| c.verdict == Verdict::Skip) {
        skips.add(c);
    }
    for (cause, n) in &skips.skipped_by {
        props.push((format!("skipped:{cause}"), n.to_string()));
    }
    if record.info.strict {
        props.push(("strict".to_owned(), "true".to_owned()));
    }
    if interrupted {
        props.push(("interrupted".to_owned(), "true".to_owned()));
    }
    props.push((
        "sessconform_version".to_owned(),
        env!("CARGO_PKG_VERSION").to_owned(),
    ));
    ts.add_properties(
        props
            .into_iter()
            .map(|(k, v)| Property::new(clean(&k), clean(&v))),
    );
    // Building a test case is costly (quick-junit scans every string for ANSI escapes, char by
    // char): spread the cases over the cores.
    ts.add_test_cases(crate::par::map(&group.cases, |c| case(c, &group.name)));
    if let Some(compat) = &record.compat {
        let ids: Vec<&str> = group.cases.iter().map(|c| c.id.as_str()).collect();
        if let Some(text) = super::compat_console::suite_text(compat, &ids) {
            ts.set_system_out(clean(&text));
        }
    }
    ts
}

fn case(r: &CaseResult, classname: &str) -> TestCase {
    let status = match r.verdict {
        Verdict::Pass => TestCaseStatus::success(),
        Verdict::Fail => {
            let mut st = TestCaseStatus::non_success(NonSuccessKind::Failure);
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
            st.set_message(one_line(&message))
                .set_type(ty)
                .set_description(clean(&render_case(r, Style::Plain)));
            st
        }
        Verdict::Error => {
            let mut st = TestCaseStatus::non_success(NonSuccessKind::Error);
            st.set_message(one_line(r.reason.as_deref().unwrap_or("could not run")))
                .set_type("error")
                .set_description(clean(&render_case(r, Style::Plain)));
            st
        }
        Verdict::Skip => {
            let mut st = TestCaseStatus::skipped();
            st.set_message(one_line(r.reason.as_deref().unwrap_or("skipped")));
            st
        }
    };
    let mut tc = TestCase::new(clean(&r.case), status);
    tc.set_classname(clean(classname));
    tc.set_time(r.duration);
    if !r.exchanges.is_empty() {
        tc.set_system_out(clean(&exchanges_text(&r.exchanges)));
    }
    let warnings: String = r
        .warnings()
        .map(|f| render_finding(f, Style::Plain))
        .collect();
    if !warnings.is_empty() {
        tc.set_system_err(clean(&warnings));
    }
    tc
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

/// Removes what XML 1.0 forbids and quick-junit does not filter (U+FFFE, U+FFFF); quick-junit
/// removes ANSI escapes and C0 controls other than tab, newline and carriage return.
fn clean(s: &str) -> String {
    s.replace(['\u{FFFE}', '\u{FFFF}'], "")
}

/// Attribute values lose their line breaks in XML parsers anyway: keep the first line.
fn one_line(s: &str) -> String {
    let first = s.lines().next().unwrap_or("");
    let mut out = clean(first);
    if s.lines().nth(1).is_some() {
        out.push_str(" …");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_skipped_attribute_is_removed_only_there() {
        let xml = "<?xml version=\"1.0\"?>\n<testsuites name=\"a skipped=&quot;1&quot;\" tests=\"2\" skipped=\"1\" failures=\"0\" errors=\"0\">\n<testsuite name=\"s\" tests=\"2\" skipped=\"1\" errors=\"0\" failures=\"0\"/>\n</testsuites>\n".to_owned();
        let out = drop_root_skipped(xml);
        assert_eq!(
            out,
            "<?xml version=\"1.0\"?>\n<testsuites name=\"a skipped=&quot;1&quot;\" tests=\"2\" failures=\"0\" errors=\"0\">\n<testsuite name=\"s\" tests=\"2\" skipped=\"1\" errors=\"0\" failures=\"0\"/>\n</testsuites>\n"
        );
    }

    #[test]
    fn clean_and_one_line() {
        assert_eq!(clean("a\u{FFFE}b\u{FFFF}"), "ab");
        assert_eq!(one_line("first\nsecond"), "first …");
        assert_eq!(one_line(""), "");
    }
}
