//! GitHub Actions annotations: `::error file=…,line=…,col=…,title=…::message` for each failing
//! check, pointing at the YAML line that declares it, `::notice` for warnings (GitHub shows only
//! 10 `::warning`s per step), and a job summary (a markdown table appended to
//! `$GITHUB_STEP_SUMMARY`) when the run ends. Built-in cases are annotated without a file, so
//! they never land on a user's file of the same name.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::Write;
use std::path::{Component, Path, PathBuf};

use super::Reporter;
use super::text::schema_location;
use crate::case::model::Level;
use crate::result::{CaseResult, Event, Finding, RunSummary, Verdict};
use crate::source::Span;

/// Most detail lines carried in one annotation.
const MAX_DETAIL_LINES: usize = 30;
/// Failing cases listed in the job summary; further ones are counted.
const MAX_SUMMARY_CASES: usize = 50;

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

/// Where GitHub finds the case files: `$GITHUB_WORKSPACE` (the repository) and the directory
/// sessconform runs in, to resolve relative paths from a subdirectory.
#[derive(Debug, Clone, Default)]
pub struct Workspace {
    /// `$GITHUB_WORKSPACE`; `None` outside GitHub Actions (paths are then kept as given).
    pub root: Option<PathBuf>,
    /// The working directory, for relative paths.
    pub cwd: Option<PathBuf>,
}

/// The repository-relative path GitHub expects for a case file, or `None` when the file is not
/// one of the repository's: a built-in suite (`builtin:cases/x.yaml`), or a file outside
/// `root`. Relative paths are taken from `cwd`; `./` and `..` are resolved lexically.
pub fn annotation_path(name: &str, ws: &Workspace) -> Option<String> {
    if name.starts_with("builtin:") {
        return None;
    }
    let path = Path::new(name);
    let rel = match &ws.root {
        None => normalize(path),
        Some(root) => {
            let full = match &ws.cwd {
                Some(cwd) if path.is_relative() => normalize(&cwd.join(path)),
                _ => normalize(path),
            };
            if !full.is_absolute() {
                // No working directory known: a relative path is taken as repository-relative.
                full
            } else {
                full.strip_prefix(normalize(root)).ok()?.to_path_buf()
            }
        }
    };
    let s = rel.to_string_lossy().replace('\\', "/");
    (!s.is_empty()).then_some(s)
}

/// `a/./b/../c` → `a/c`, without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

/// Per-suite counts for the job summary.
#[derive(Default)]
struct SuiteCounts {
    passed: usize,
    failed: usize,
    errors: usize,
    skipped: usize,
}

/// Writes annotations for failed, errored and warning cases as they finish, and the job summary.
pub struct GithubReporter<W: Write> {
    out: W,
    workspace: Workspace,
    step_summary: Option<PathBuf>,
    suites: BTreeMap<String, SuiteCounts>,
    /// Failing and errored cases for the job summary: id, location, first message.
    failing: Vec<(String, String, String)>,
    unlisted_failing: usize,
    /// The run's target label; suites of other targets (matrix runs) get ` @ target`.
    run_target: String,
}

impl<W: Write> GithubReporter<W> {
    /// A reporter writing to `out`; `workspace` is `$GITHUB_WORKSPACE` (absolute paths under it
    /// are made relative).
    pub fn new(out: W, workspace: Option<PathBuf>) -> Self {
        Self::in_workspace(
            out,
            Workspace {
                root: workspace,
                cwd: None,
            },
        )
    }

    /// A reporter writing to `out`, paths relative to `workspace`.
    pub fn in_workspace(out: W, workspace: Workspace) -> Self {
        Self {
            out,
            workspace,
            step_summary: None,
            suites: BTreeMap::new(),
            failing: Vec::new(),
            unlisted_failing: 0,
            run_target: String::new(),
        }
    }

    /// Appends a markdown job summary to `path` (`$GITHUB_STEP_SUMMARY`) when the run ends.
    #[must_use]
    pub fn with_step_summary(mut self, path: Option<PathBuf>) -> Self {
        self.step_summary = path;
        self
    }

    /// Consumes the reporter and returns its writer.
    pub fn into_inner(self) -> W {
        self.out
    }

    fn command(&mut self, kind: &str, span: Option<&Span>, title: &str, message: &str) {
        let mut props = Vec::new();
        let mut title = title.to_owned();
        if let Some(s) = span {
            match annotation_path(&s.file.name, &self.workspace) {
                Some(file) => {
                    props.push(format!("file={}", escape_property(&file)));
                    if s.is_known() {
                        props.push(format!("line={}", s.line));
                        if s.col > 0 {
                            props.push(format!("col={}", s.col));
                        }
                    }
                }
                // Not a file of the repository: the location goes in the title.
                None => title.push_str(&format!(" ({s})")),
            }
        }
        props.push(format!("title={}", escape_property(&title)));
        let _ = writeln!(
            self.out,
            "::{kind} {}::{}",
            props.join(","),
            escape_data(message)
        );
    }

    fn case(&mut self, r: &CaseResult) {
        self.count(r);
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
                        Level::Warn => "notice",
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

    /// Counts the case for the job summary, remembering failing ones.
    fn count(&mut self, r: &CaseResult) {
        if self.step_summary.is_none() {
            return;
        }
        let suite = if r.target == self.run_target {
            r.suite.clone()
        } else {
            format!("{} @ {}", r.suite, r.target)
        };
        let c = self.suites.entry(suite).or_default();
        match r.verdict {
            Verdict::Pass => c.passed += 1,
            Verdict::Fail => c.failed += 1,
            Verdict::Error => c.errors += 1,
            Verdict::Skip => c.skipped += 1,
        }
        if matches!(r.verdict, Verdict::Fail | Verdict::Error) {
            if self.failing.len() >= MAX_SUMMARY_CASES {
                self.unlisted_failing += 1;
                return;
            }
            let why = r
                .failures()
                .next()
                .map(super::text::warning_head)
                .or_else(|| r.reason.clone())
                .unwrap_or_else(|| "failed".to_owned());
            let at = r
                .failures()
                .next()
                .and_then(|f| f.span.as_ref())
                .unwrap_or(&r.span);
            self.failing.push((r.id.clone(), at.to_string(), why));
        }
    }

    /// The job summary: totals, a table of suites, the failing cases.
    fn summary_markdown(&self, s: &RunSummary) -> String {
        let c = &s.counts;
        let mut md = String::from("## sessconform\n\n");
        let _ = writeln!(
            md,
            "**{}** passed, **{}** failed, **{}** could not run, **{}** skipped, {} warnings ({:.2} s){}\n",
            c.passed,
            c.failed,
            c.errors,
            c.skipped,
            c.warnings,
            s.duration.as_secs_f64(),
            if s.interrupted {
                " — interrupted"
            } else {
                ""
            }
        );
        md.push_str("| suite | passed | failed | could not run | skipped |\n");
        md.push_str("| --- | ---: | ---: | ---: | ---: |\n");
        for (suite, n) in &self.suites {
            let _ = writeln!(
                md,
                "| {} | {} | {} | {} | {} |",
                escape_markdown(suite),
                n.passed,
                n.failed,
                n.errors,
                n.skipped
            );
        }
        if !self.failing.is_empty() {
            md.push_str(
                "\n### Failing cases\n\n| case | where | first finding |\n| --- | --- | --- |\n",
            );
            for (id, at, why) in &self.failing {
                let _ = writeln!(
                    md,
                    "| {} | {} | {} |",
                    escape_markdown(id),
                    escape_markdown(at),
                    escape_markdown(&cut(why, 300))
                );
            }
            if self.unlisted_failing > 0 {
                let _ = writeln!(
                    md,
                    "\n… and {} more (see the reports)",
                    self.unlisted_failing
                );
            }
        }
        md
    }

    fn write_step_summary(&self, s: &RunSummary) -> std::io::Result<()> {
        let Some(path) = &self.step_summary else {
            return Ok(());
        };
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        file.write_all(self.summary_markdown(s).as_bytes())
    }
}

/// Text safe in a markdown table cell: no line breaks, `|` and markdown/HTML punctuation
/// escaped, so a case name or a server's message cannot add rows, links or markup.
pub fn escape_markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '!' | '~' | '(' | ')' => {
                out.push('\\');
                out.push(c);
            }
            '\r' | '\n' | '\t' => out.push(' '),
            c if c.is_control() => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

fn cut(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

fn finding_message(f: &Finding) -> String {
    let mut lines = vec![f.message.clone()];
    if let Some(n) = &f.note {
        lines.push(format!("note: {n}"));
    }
    if let Some(at) = schema_location(f) {
        lines.push(format!("schema: {at}"));
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
            if let Some(e) = f.expected.as_ref().filter(|_| schema_location(f).is_none()) {
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
            Event::RunStarted(info) => self.run_target.clone_from(&info.target),
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
                if let Err(e) = self.write_step_summary(s) {
                    self.command(
                        "warning",
                        None,
                        "sessconform",
                        &format!("could not write the job summary ($GITHUB_STEP_SUMMARY): {e}"),
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
        let none = Workspace::default();
        assert_eq!(annotation_path("builtin:cases/stytch.yaml", &none), None);
        assert_eq!(
            annotation_path("./my/cases.yaml", &none).as_deref(),
            Some("my/cases.yaml")
        );
        let ws = Workspace {
            root: Some("/home/runner/work/r/r".into()),
            cwd: None,
        };
        assert_eq!(
            annotation_path("/home/runner/work/r/r/cases/a.yaml", &ws).as_deref(),
            Some("cases/a.yaml")
        );
        assert_eq!(
            annotation_path("/elsewhere/a.yaml", &ws),
            None,
            "a file outside the repository is not annotated as one of its files"
        );
    }

    #[test]
    fn relative_paths_from_a_subdirectory_are_made_repository_relative() {
        let ws = Workspace {
            root: Some("/w/repo/".into()),
            cwd: Some("/w/repo/services/api".into()),
        };
        assert_eq!(
            annotation_path("contract/cases.yaml", &ws).as_deref(),
            Some("services/api/contract/cases.yaml")
        );
        assert_eq!(
            annotation_path("./../shared/x.yaml", &ws).as_deref(),
            Some("services/shared/x.yaml")
        );
        assert_eq!(annotation_path("../../../x.yaml", &ws), None);
        assert_eq!(annotation_path("builtin:cases/stytch.yaml", &ws), None);
    }

    #[test]
    fn markdown_cells_cannot_add_rows_or_markup() {
        assert_eq!(
            escape_markdown("a|b\n| x | y |<img src=x>[l](u) `c` *e*"),
            "a\\|b \\| x \\| y \\|&lt;img src=x&gt;\\[l\\]\\(u\\) \\`c\\` \\*e\\*"
        );
        assert_eq!(cut("abcdef", 3), "abc…");
        assert_eq!(cut("abc", 3), "abc");
    }
}
