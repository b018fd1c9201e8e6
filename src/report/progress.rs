//! A progress bar on stderr for long runs in a terminal. It wraps the reporters that write to the
//! terminal and hides itself while they print, so lines never tear.

use std::io::IsTerminal;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::Reporter;
use crate::result::Event;

/// Runs with at most this many cases get no bar.
pub const MIN_CASES: usize = 20;

/// True when a bar is wanted: stderr is a terminal and no CI system is detected.
pub fn wanted() -> bool {
    let ci = [
        "CI",
        "GITHUB_ACTIONS",
        "GITLAB_CI",
        "BUILDKITE",
        "JENKINS_URL",
        "TF_BUILD",
    ]
    .iter()
    .any(|k| std::env::var_os(k).is_some_and(|v| !v.is_empty() && v != "false"));
    std::io::stderr().is_terminal() && !ci
}

/// Wraps a reporter and shows a bar while cases finish.
pub struct ProgressReporter {
    inner: Box<dyn Reporter>,
    enabled: bool,
    target: fn() -> ProgressDrawTarget,
    bar: Option<ProgressBar>,
}

impl ProgressReporter {
    /// Wraps `inner`; with `enabled` false (see [`wanted`]) it only forwards events.
    pub fn new(inner: Box<dyn Reporter>, enabled: bool) -> Self {
        Self {
            inner,
            enabled,
            target: ProgressDrawTarget::stderr,
            bar: None,
        }
    }

    /// A bar for `total` cases; a spinner with a count when the total is not known (a
    /// streamed run).
    fn start(&mut self, total: Option<usize>) {
        if !self.enabled || total.is_some_and(|t| t <= MIN_CASES) {
            return;
        }
        let bar = ProgressBar::with_draw_target(total.map(|t| t as u64), (self.target)());
        let template = if total.is_some() {
            "{bar:30.cyan/blue} {pos}/{len} cases {elapsed} {wide_msg}"
        } else {
            "{spinner} {pos} cases {elapsed} {wide_msg}"
        };
        if let Ok(style) = ProgressStyle::with_template(template) {
            bar.set_style(style.progress_chars("█▉▊▋▌▍▎▏ "));
        }
        self.bar = Some(bar);
    }
}

impl Reporter for ProgressReporter {
    fn on_event(&mut self, event: &Event) {
        match event {
            Event::RunStarted(info) => {
                self.inner.on_event(event);
                self.start(info.total_cases);
            }
            Event::CaseFinished(r) => match &self.bar {
                Some(bar) => {
                    bar.suspend(|| self.inner.on_event(event));
                    bar.inc(1);
                    bar.set_message(r.id.clone());
                }
                None => self.inner.on_event(event),
            },
            Event::Compat(_) => match &self.bar {
                Some(bar) => bar.suspend(|| self.inner.on_event(event)),
                None => self.inner.on_event(event),
            },
            Event::RunFinished(_) => {
                if let Some(bar) = self.bar.take() {
                    bar.finish_and_clear();
                }
                self.inner.on_event(event);
            }
        }
    }

    fn finish(&mut self) -> std::io::Result<()> {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
        self.inner.finish()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;
    use crate::result::{CaseResult, RunInfo, RunSummary, Verdict};
    use crate::source::{SourceFile, Span};

    struct Log(Arc<Mutex<Vec<String>>>);

    impl Reporter for Log {
        fn on_event(&mut self, event: &Event) {
            let name = match event {
                Event::RunStarted(_) => "start",
                Event::CaseFinished(_) => "case",
                Event::Compat(_) => "compat",
                Event::RunFinished(_) => "end",
            };
            self.0.lock().unwrap().push(name.to_owned());
        }
        fn finish(&mut self) -> std::io::Result<()> {
            self.0.lock().unwrap().push("finish".to_owned());
            Ok(())
        }
    }

    fn case() -> CaseResult {
        let file = SourceFile::new("cases/x.yaml", "suite: x\n");
        CaseResult {
            id: "x::a".into(),
            suite: "x".into(),
            case: "a".into(),
            api: "demo".into(),
            target: "t".into(),
            base_url: String::new(),
            tags: Vec::new(),
            span: Span::file_start(&file),
            verdict: Verdict::Pass,
            findings: Vec::new(),
            exchanges: Vec::new(),
            reason: None,
            skip_group: None,
            schema_ids: Vec::new(),
            duration: Default::default(),
        }
    }

    fn run(enabled: bool, total: usize) -> (Vec<String>, bool) {
        let log = Arc::new(Mutex::new(Vec::new()));
        let mut p = ProgressReporter::new(Box::new(Log(Arc::clone(&log))), enabled);
        p.target = ProgressDrawTarget::hidden;
        p.on_event(&Event::RunStarted(RunInfo {
            total_cases: Some(total),
            ..RunInfo::default()
        }));
        let had_bar = p.bar.is_some();
        p.on_event(&Event::CaseFinished(Box::new(case())));
        if let Some(bar) = &p.bar {
            assert_eq!(bar.position(), 1);
            assert_eq!(bar.length(), Some(total as u64));
        }
        p.on_event(&Event::RunFinished(RunSummary::default()));
        assert!(p.bar.is_none());
        p.finish().unwrap();
        let events = log.lock().unwrap().clone();
        (events, had_bar)
    }

    #[test]
    fn bar_only_for_long_runs_when_enabled() {
        assert!(!run(true, MIN_CASES).1);
        assert!(run(true, MIN_CASES + 1).1);
        assert!(!run(false, 500).1);
    }

    #[test]
    fn forwards_every_event_in_order() {
        let (events, _) = run(true, 100);
        assert_eq!(events, ["start", "case", "end", "finish"]);
    }
}
