//! HTML sections of compatibility runs for the HTML report: the case × target matrix (each cell
//! links to that case's findings for that target) and the noise summary of a diff.

use std::fmt::Write as _;

use super::html::escape;
use crate::result::compat::{CompatReport, DiffSummary, Matrix};

/// Renders the section for `report` into `out`.
pub fn section(out: &mut String, report: &CompatReport) {
    match report {
        CompatReport::Matrix(m) => matrix(out, m),
        CompatReport::Diff(d) => diff(out, d),
    }
}

fn matrix(out: &mut String, m: &Matrix) {
    let differing = m.rows.iter().filter(|r| Matrix::row_differs(r)).count();
    let _ = writeln!(
        out,
        "<section id=\"matrix\" aria-label=\"Matrix\">\n<h2>Matrix: case × target</h2>\n\
         <p class=\"muted\">{differing} of {} cases differ between targets. Each cell links to the case's findings.</p>\n\
         <table class=\"matrix\">\n<thead><tr><th scope=\"col\">case</th>",
        m.rows.len()
    );
    for t in &m.targets {
        let _ = write!(out, "<th scope=\"col\">{}</th>", escape(t));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in &m.rows {
        let differs = Matrix::row_differs(row);
        let _ = write!(
            out,
            "<tr{}><th scope=\"row\"><code>{}</code></th>",
            if differs { " class=\"differs\"" } else { "" },
            escape(&row.id)
        );
        for cell in &row.cells {
            match cell {
                Some(c) => {
                    let mut title = format!("{} @ {}: {}", row.id, c.target, c.cell.as_str());
                    if c.failures > 0 {
                        let _ = write!(title, ", {} failed checks", c.failures);
                    }
                    if c.warnings > 0 {
                        let _ = write!(title, ", {} warnings", c.warnings);
                    }
                    if let Some(r) = &c.reason {
                        let _ = write!(title, " ({r})");
                    }
                    let _ = write!(
                        out,
                        "<td><a class=\"cell {cls}\" href=\"#{anchor}\" title=\"{title}\">{cls}</a></td>",
                        cls = c.cell.as_str(),
                        anchor = escape(&c.anchor),
                        title = escape(&title)
                    );
                }
                None => out.push_str("<td class=\"muted\">–</td>"),
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n</section>\n");
}

fn diff(out: &mut String, d: &DiffSummary) {
    let _ = writeln!(
        out,
        "<section id=\"diff-summary\" aria-label=\"Differential run\">\n<h2>Differential run</h2>\n\
         <p>Baseline <strong>{}</strong>, candidate <strong>{}</strong>: <strong>{} difference{}</strong> in {} case{}.</p>",
        escape(&d.baseline),
        escape(if d.candidate.is_empty() {
            "(none: recording only)"
        } else {
            &d.candidate
        }),
        d.differences,
        if d.differences == 1 { "" } else { "s" },
        d.cases_differing,
        if d.cases_differing == 1 { "" } else { "s" }
    );
    let _ = writeln!(
        out,
        "<p class=\"muted\">Rules: {}. Headers compared: {}. Noise {}.</p>",
        if d.rules.is_empty() {
            "none".to_owned()
        } else {
            escape(&d.rules.join(", "))
        },
        escape(&d.headers.join(", ")),
        if d.learned {
            "learned by calling the baseline twice"
        } else {
            "not learned"
        }
    );
    if let Some(dir) = &d.recorded {
        let _ = writeln!(
            out,
            "<p>Golden files written to <code>{}</code>.</p>",
            escape(dir)
        );
    }
    if let Some(dir) = &d.against {
        let _ = writeln!(
            out,
            "<p>Compared with golden files in <code>{}</code>.</p>",
            escape(dir)
        );
    }
    if d.noise.is_empty() {
        out.push_str("<p class=\"muted\" id=\"noise-none\">Nothing was treated as noise.</p>\n");
    } else {
        out.push_str(
            "<h3>Treated as noise (not counted as differences)</h3>\n<table class=\"noise\" id=\"noise\">\n\
             <colgroup><col class=\"path\"><col class=\"source\"><col class=\"why\"><col class=\"n\"><col class=\"cases\"></colgroup>\n\
             <thead><tr><th scope=\"col\">path</th><th scope=\"col\">source</th><th scope=\"col\">why</th>\
             <th scope=\"col\">count</th><th scope=\"col\">cases</th></tr></thead>\n<tbody>\n",
        );
        for n in &d.noise {
            let _ = writeln!(
                out,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td class=\"nums\">{}</td><td>{}</td></tr>",
                escape(&n.path),
                escape(&n.source),
                escape(&n.why),
                n.suppressed,
                escape(&n.cases.join(", "))
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    if !d.unstable.is_empty() {
        out.push_str(
            "<h3>Baseline not repeatable (nothing learned there)</h3>\n<ul class=\"unstable\">\n",
        );
        for u in &d.unstable {
            let _ = writeln!(
                out,
                "<li><code>{}</code> step {}: {}</li>",
                escape(&u.case),
                u.step + 1,
                escape(&u.why)
            );
        }
        out.push_str("</ul>\n");
    }
    out.push_str("</section>\n");
}
