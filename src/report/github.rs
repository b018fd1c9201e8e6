//! GitHub Actions annotations: `::error file=…,line=…,col=…,title=…::message` for each failing
//! check, pointing at the YAML line that declares it (`::warning` for warnings).

use std::io::Write;
use std::path::{Path, PathBuf};

use super::Reporter;
use crate::case::model::Level;
use crate::result::{CaseResult, Event, Finding, Verdict};
use crate::source::Span;

/// Most detail lines carried in one annotation.
const MAX_DETAIL_LINES: usize = 30;

/// Escapes an annotation message (GitHub's `escapeData`: `%`, CR, LF). Other control characters
/// (ANSI escapes from a server body, say) become U+FFFD so they cannot drive the log viewer.
pub fn escape_data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            '\t' => out.push('\t'),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Escapes an annotation property value (GitHub's `escapeProperty`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The repository-relative path GitHub expects for a case file: `builtin:cases/x.yaml` becomes
/// `cases/x.yaml`; absolute paths under `workspace` lose that prefix; `./` is dropped.
pub fn annotation_path(name: &str, workspace: Option<&Path>) -> String {
    if let Some(rest) = name.strip_prefix("builtin:") {
        return rest.to_owned();
    }
    let path = Path::new(name);
    let rel = workspace
        .filter(|_| path.is_absolute())
        .and_then(|ws| path.strip_prefix(ws).ok())
        .unwrap_or(path);
    let s = rel.to_string_lossy().replace('\\', "/");
    s.strip_prefix("./").map(str::to_owned).unwrap_or(s)
}

/// Writes annotations for failed, errored and warning cases as they finish.
pub struct GithubReporter<W: Write> {
    out: W,
    workspace: Option<PathBuf>,
}

impl<W: Write> GithubReporter<W> {
    /// A reporter writing to `out`; `workspace` is `$GITHUB_WORKSPACE` (absolute paths under it
    /// are made relative).
    pub fn new(out: W, workspace: Option<PathBuf>) -> Self {
        Self { out, workspace }
    }

    /// Consumes the reporter and returns its writer.
    pub fn into_inner(self) -> W {
        self.out
    }

    fn command(&mut self, kind: &str, span: Option<&Span>, title: &str, message: &str) {
        let mut props = Vec::new();
        if let Some(s) = span {
            props.push(format!(
                "file={}",
                escape_property(&annotation_path(&s.file.name, self.workspace.as_deref()))
            ));
            if s.is_known() {
                props.push(format!("line={}", s.line));
                if s.col > 0 {
                    props.push(format!("col={}", s.col));
                }
            }
        }
        props.push(format!("title={}", escape_property(title)));
        let _ = writeln!(
            self.out,
            "::{kind} {}::{}",
            props.join(","),
            escape_data(message)
        );
    }

    fn case(&mut self, r: &CaseResult) {
        match r.verdict {
            Verdict::Skip => {}
            Verdict::Error => {
                let reason = r.reason.as_deref().unwrap_or("could not run");
                self.command(
                    "error",
                    Some(&r.span),
                    &format!("{} could not run", r.id),
                    reason,
                );
            }
            Verdict::Pass | Verdict::Fail => {
                for f in &r.findings {
                    let kind = match f.level {
                        Level::Fail => "error",
                        Level::Warn => "warning",
                    };
                    let span = f.span.as_ref().unwrap_or(&r.span);
                    self.command(kind, Some(span), &r.id, &finding_message(f));
                }
                if r.verdict == Verdict::Fail && r.failures().next().is_none() {
                    let reason = r.reason.as_deref().unwrap_or("failed");
                    self.command("error", Some(&r.span), &r.id, reason);
                }
            }
        }
    }
}

fn finding_message(f: &Finding) -> String {
    let mut lines = vec![f.message.clone()];
    if let Some(n) = &f.note {
        lines.push(format!("note: {n}"));
    }
    match &f.detail {
        Some(d) => {
            let all: Vec<&str> = d.lines().collect();
            lines.extend(all.iter().take(MAX_DETAIL_LINES).map(|l| (*l).to_owned()));
            if all.len() > MAX_DETAIL_LINES {
                lines.push(format!("… {} more lines", all.len() - MAX_DETAIL_LINES));
            }
        }
        None => {
            if let Some(e) = &f.expected {
                lines.push(format!("expected: {e}"));
            }
            if let Some(a) = &f.actual {
                lines.push(format!("actual:   {a}"));
            }
        }
    }
    lines.join("\n")
}

impl<W: Write + Send> Reporter for GithubReporter<W> {
    fn on_event(&mut self, event: &Event) {
        match event {
            Event::RunStarted(_) => {}
            Event::CaseFinished(r) => self.case(r),
            Event::Compat(_) => {}
            Event::RunFinished(s) => {
                if s.interrupted {
                    self.command(
                        "warning",
                        None,
                        "sessconform",
                        "the run was interrupted: cases not run are reported as skipped",
                    );
                }
            }
        }
    }

    fn finish(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_per_github_rules() {
        assert_eq!(escape_data("100% a\r\nb"), "100%25 a%0D%0Ab");
        assert_eq!(escape_data("a:b,c"), "a:b,c");
        assert_eq!(escape_property("s::c, d%\n"), "s%3A%3Ac%2C d%25%0A");
        assert_eq!(escape_data("a\x1b[31mb\u{0}"), "a\u{FFFD}[31mb\u{FFFD}");
    }

    #[test]
    fn paths_are_repository_relative() {
        assert_eq!(
            annotation_path("builtin:cases/stytch.yaml", None),
            "cases/stytch.yaml"
        );
        assert_eq!(annotation_path("./my/cases.yaml", None), "my/cases.yaml");
        assert_eq!(
            annotation_path(
                "/home/runner/work/r/r/cases/a.yaml",
                Some(Path::new("/home/runner/work/r/r"))
            ),
            "cases/a.yaml"
        );
        assert_eq!(
            annotation_path("/elsewhere/a.yaml", Some(Path::new("/home/w"))),
            "/elsewhere/a.yaml"
        );
    }
}
