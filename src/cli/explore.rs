//! `sessconform explore`: generated, stateful testing of a session API; a failure is shrunk and
//! written as a case for `sessconform run`.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

use clap::{Args, ValueEnum};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use sessconform::engine::Cancel;
use sessconform::exit;
use sessconform::explore::{self, Budget, Exploration, ExploreApi, ExploreConfig, Progress};
use sessconform::report::Reporter;
use sessconform::report::console::ConsoleReporter;
use sessconform::report::stdout::BufferedStdout;
use sessconform::result::Event;
use sessconform::schema::SchemaStore;
use sessconform::target_source::{TargetRequest, resolve_target};

use super::args::{HttpArgs, OutputArgs, TargetArgs, VarArgs};
use super::out::errln;
use super::output::{finish, reporters, style};
use super::signal::cancel_on_ctrl_c;
use super::{diagnostic, usage_error};

/// Examples shown by `explore --help`.
pub(crate) const AFTER_HELP: &str = "Examples:\n  sessconform explore                                   # the embedded reference server, 60 s\n  sessconform explore --seed 7 --budget 500 --out found/\n  sessconform explore --api clerk --budget 300 -q\n  sessconform explore --target staging.yaml --allow-mutating --reports reports/\n\nExit codes: 0 nothing found, 1 a contract failure (shrunk), 2 usage error, 3 could not run.";

/// The APIs `--api` accepts.
#[derive(Debug, Clone, Copy, ValueEnum, Default, PartialEq, Eq)]
pub(crate) enum ApiChoice {
    /// Stytch consumer sessions.
    #[default]
    Stytch,
    /// Stytch B2B member sessions.
    StytchB2b,
    /// Clerk sessions.
    Clerk,
}

/// `explore` arguments.
#[derive(Debug, Args)]
pub(crate) struct ExploreArgs {
    #[command(flatten)]
    pub target: TargetArgs,
    /// The API to explore (each has its own model: docs/explore.md).
    #[arg(long, value_enum, default_value_t = ApiChoice::Stytch)]
    pub api: ApiChoice,
    /// The generator's seed; the same seed sends the same operations (always printed).
    #[arg(long, default_value_t = explore::DEFAULT_SEED)]
    pub seed: u64,
    /// When to stop: a duration (`60s`, `5m`) or a number of requests (`500`).
    #[arg(long, default_value = "60s", value_parser = parse_budget)]
    pub budget: Budget,
    /// Mint, authenticate and revoke sessions (implied for the embedded reference server).
    /// Everything created is revoked at the end of each sequence, also on Ctrl-C.
    #[arg(long)]
    pub allow_mutating: bool,
    /// Stop after this many distinct failures.
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub max_failures: usize,
    /// Write each shrunk failure as a case file (`explore-SEED-N.yaml`) in this directory.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    #[command(flatten)]
    pub vars: VarArgs,
    #[command(flatten)]
    pub http: HttpArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

fn parse_budget(s: &str) -> Result<Budget, String> {
    s.parse()
}

/// Explores, reports, writes the shrunk cases; the exit code follows the verdicts.
pub(crate) async fn explore(args: ExploreArgs) -> u8 {
    let run = match args.http.config(1, &args.vars) {
        Ok(c) => c,
        Err(e) => return usage_error(e),
    };
    if args.target.target.len() > 1 {
        return usage_error("explore takes one --target file");
    }
    if args.max_failures == 0 {
        return usage_error("--max-failures must be at least 1");
    }
    let req = TargetRequest {
        file: args.target.target.first().cloned(),
        base_urls: args.target.base_url.clone(),
    };
    let embedded = req.is_embedded();
    let schemas = match SchemaStore::builtin() {
        Ok(s) => Arc::new(s),
        Err(e) => return usage_error(e),
    };
    let resolved = match resolve_target(&req).await {
        Ok(t) => t,
        Err(e) => return diagnostic(e),
    };
    let cfg = ExploreConfig {
        api: match args.api {
            ApiChoice::Stytch => ExploreApi::Stytch,
            ApiChoice::StytchB2b => ExploreApi::StytchB2b,
            ApiChoice::Clerk => ExploreApi::Clerk,
        },
        seed: args.seed,
        budget: args.budget,
        allow_mutating: args.allow_mutating || embedded,
        max_failures: args.max_failures,
        run,
        ..ExploreConfig::default()
    };
    errln!(
        "explore: seed {} (re-run with --seed {}), budget {}, {}{}",
        cfg.seed,
        cfg.seed,
        budget_text(cfg.budget),
        if cfg.allow_mutating {
            "mutating operations allowed"
        } else {
            "read-only operations (--allow-mutating for more)"
        },
        if embedded {
            ", embedded reference server"
        } else {
            ""
        }
    );
    let bar = progress_bar(cfg.budget);
    let cancel = Cancel::default();
    let ctrl_c = cancel_on_ctrl_c(&cancel);
    let mut on_progress = |p: &Progress| {
        if let Some(b) = &bar {
            b.set_position(match p.budget {
                Budget::Time(_) => p.elapsed.as_secs(),
                Budget::Requests(_) => p.requests as u64,
            });
            b.set_message(format!(
                "{} sequences, {} requests, {} failures",
                p.sequences, p.requests, p.failures
            ));
        }
    };
    let outcome =
        explore::explore(&resolved.target, schemas, &cfg, &cancel, &mut on_progress).await;
    ctrl_c.abort();
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    resolved.shutdown().await;
    let exploration = match outcome {
        Ok(e) => e,
        Err(explore::ExploreError::Client(e)) => {
            errln!("error: {e}");
            return exit::COULD_NOT_RUN;
        }
        Err(e) => return usage_error(e),
    };
    let console = ConsoleReporter::new(BufferedStdout, style(args.output.color))
        .with_verbosity(args.output.verbosity());
    let mut reporters = match reporters(&args.output, Box::new(console)) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let mut code = exit::SUCCESS;
    for ev in explore::report::events(&exploration) {
        reporters.on_event(&ev);
        if let Event::RunFinished(summary) = &ev {
            code = exit::for_run(summary, None);
        }
    }
    finish(&mut reporters);
    if let Err(c) = print_failures(&exploration, args.out.as_deref()) {
        return c;
    }
    errln!("explore: {}", explore::report::summary_line(&exploration));
    code
}

fn budget_text(b: Budget) -> String {
    match b {
        Budget::Time(d) => format!("{} s", d.as_secs_f64()),
        Budget::Requests(n) => format!("{n} requests"),
    }
}

fn progress_bar(budget: Budget) -> Option<ProgressBar> {
    if !std::io::stderr().is_terminal() {
        return None;
    }
    let (len, unit) = match budget {
        Budget::Time(d) => (d.as_secs().max(1), "s"),
        Budget::Requests(n) => (n as u64, "requests"),
    };
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    let template = format!("explore [{{bar:30}}] {{pos}}/{{len}} {unit} {{msg}}");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style.progress_chars("=> "));
    }
    Some(bar)
}

/// Prints each failure's shrunk sequence and case; writes the case files into `out`.
fn print_failures(e: &Exploration, out: Option<&std::path::Path>) -> Result<(), u8> {
    use std::fmt::Write as _;
    let mut text = String::new();
    for (i, f) in e.failures.iter().enumerate() {
        let _ = writeln!(
            text,
            "\nfailure {}: {} — found after {:.1} s, shrunk from {} to {} operations in {} runs ({:.1} s):",
            i + 1,
            f.signature,
            f.found_after.as_secs_f64(),
            f.original_len,
            f.ops.len(),
            f.shrink_runs,
            f.shrink_time.as_secs_f64()
        );
        for (n, op) in f.ops.iter().enumerate() {
            let _ = writeln!(text, "  {}. {op}", n + 1);
        }
        match out {
            Some(dir) => {
                let path = dir.join(format!("explore-{}-{}.yaml", e.seed, i + 1));
                if let Err(err) =
                    std::fs::create_dir_all(dir).and_then(|()| std::fs::write(&path, &f.yaml))
                {
                    errln!("error: cannot write {}: {err}", path.display());
                    return Err(exit::COULD_NOT_RUN);
                }
                let _ = writeln!(
                    text,
                    "  case written to {} (sessconform run {} --target …)",
                    path.display(),
                    path.display()
                );
            }
            None => {
                let _ = writeln!(text, "  the case (write it to a file with --out DIR):\n");
                text.push_str(&f.yaml);
            }
        }
    }
    if !text.is_empty() {
        super::out::outln!("{text}");
    }
    Ok(())
}
