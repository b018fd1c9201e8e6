//! The reporters a command writes to: its console reporter, GitHub annotations, the progress
//! bar and the report files. One builder for `run` and `diff`.

use super::out::errln;
use std::io::IsTerminal;
use std::path::PathBuf;

use sessconform::report::github::{GithubReporter, Workspace};
use sessconform::report::progress::{self, ProgressReporter};
use sessconform::report::stdout::BufferedStdout;
use sessconform::report::text::Style;
use sessconform::report::{FanOut, Reporter};

use super::args::{ColorChoice, OutputArgs};
use super::usage_error;

/// The console style: colours when asked, or on a terminal without `NO_COLOR`.
pub(crate) fn style(choice: ColorChoice) -> Style {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    match choice {
        ColorChoice::Always => Style::Ansi,
        ColorChoice::Never => Style::Plain,
        ColorChoice::Auto if !no_color && std::io::stdout().is_terminal() => Style::Ansi,
        ColorChoice::Auto => Style::Plain,
    }
}

/// `console`, GitHub annotations when wanted, behind the progress bar (stderr, terminals only,
/// not in CI, runs of more than 20 cases), plus the report files asked for. A report path that
/// cannot be prepared is a usage error, before anything runs.
pub(crate) fn reporters(output: &OutputArgs, console: Box<dyn Reporter>) -> Result<FanOut, u8> {
    let files = output.report_files().map_err(usage_error)?;
    let mut terminal = FanOut::default();
    terminal.push(console);
    if output.github() {
        let workspace = Workspace {
            root: env_path("GITHUB_WORKSPACE"),
            cwd: std::env::current_dir().ok(),
        };
        let github = GithubReporter::in_workspace(BufferedStdout, workspace)
            .with_step_summary(env_path("GITHUB_STEP_SUMMARY"));
        terminal.push(Box::new(github));
    }
    let mut reporters = FanOut::default();
    reporters.push(Box::new(ProgressReporter::new(
        Box::new(terminal),
        progress::wanted(),
    )));
    if !files.is_empty() {
        reporters.push(Box::new(files));
    }
    Ok(reporters)
}

/// A path from a non-empty environment variable.
fn env_path(name: &str) -> Option<PathBuf> {
    std::env::var_os(name)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

/// Finishes every reporter; a report that cannot be written is printed, not fatal.
pub(crate) fn finish(reporters: &mut FanOut) {
    if let Err(e) = reporters.finish() {
        errln!("error: failed to write a report: {e}");
    }
}
