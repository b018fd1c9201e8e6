//! The `sessconform` binary: parse arguments, run the engine, write reports, exit.

mod cli;
mod cli_diff;
mod cli_matrix;

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;

use cli::{Cli, ColorChoice, Command, LintArgs, ListArgs, RunArgs, ValidateArgs};
use sessconform::app::{TargetRequest, resolve_target};
use sessconform::case::load::{SuiteSource, compile_suites, parse_suites};
use sessconform::engine::{self, Cancel};
use sessconform::exit;
use sessconform::report::console::ConsoleReporter;
use sessconform::report::github::GithubReporter;
use sessconform::report::progress::{self, ProgressReporter};
use sessconform::report::stdout::BufferedStdout;
use sessconform::report::text::Style;
use sessconform::report::{FanOut, Reporter};
use sessconform::schema::SchemaStore;
use sessconform::target::load_target_file;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: failed to start the async runtime: {e}");
            return ExitCode::from(exit::USAGE);
        }
    };
    let code = match cli.command {
        None => on_worker(&runtime, run(cli.run)),
        Some(Command::Run(args)) => on_worker(&runtime, run(*args)),
        Some(Command::List(args)) => list(args),
        Some(Command::Lint(args)) => lint(args),
        Some(Command::Validate(args)) => validate(args),
        Some(Command::Serve(args)) => runtime.block_on(serve(args)),
        Some(Command::Diff(args)) => on_worker(&runtime, cli_diff::diff(*args)),
    };
    ExitCode::from(code)
}

/// Runs `job` as a task on the runtime's worker threads rather than on the main thread: the
/// reporters then run where the cases finish, instead of a worker waking the main thread (a
/// futex round trip, and frees across malloc arenas) for every case.
fn on_worker(
    runtime: &tokio::runtime::Runtime,
    job: impl std::future::Future<Output = u8> + Send + 'static,
) -> u8 {
    match runtime.block_on(runtime.spawn(job)) {
        Ok(code) => code,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => exit::COULD_NOT_RUN,
    }
}

/// Ctrl-C cancels the run (cases in flight end as interrupted, reports are still written); a
/// second Ctrl-C quits at once. Abort the returned task when the run is over.
fn cancel_on_ctrl_c(cancel: &Cancel) -> tokio::task::JoinHandle<()> {
    let cancel = cancel.clone();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            eprintln!("interrupted: finishing reports… (Ctrl-C again quits at once)");
            cancel.cancel();
            if tokio::signal::ctrl_c().await.is_ok() {
                eprintln!("interrupted again: quitting without finishing reports");
                std::process::exit(i32::from(exit::COULD_NOT_RUN));
            }
        }
    })
}

fn usage_error(msg: impl std::fmt::Display) -> u8 {
    eprintln!("error: {msg}");
    exit::USAGE
}

fn source(paths: &[std::path::PathBuf]) -> SuiteSource {
    if paths.is_empty() {
        SuiteSource::Builtin
    } else {
        SuiteSource::Paths(paths.to_vec())
    }
}

fn style(choice: ColorChoice) -> Style {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    match choice {
        ColorChoice::Always => Style::Ansi,
        ColorChoice::Never => Style::Plain,
        ColorChoice::Auto if !no_color && std::io::stdout().is_terminal() => Style::Ansi,
        ColorChoice::Auto => Style::Plain,
    }
}

async fn run(args: RunArgs) -> u8 {
    let cfg = match args.config() {
        Ok(c) => c,
        Err(e) => return usage_error(e),
    };
    let (schemas, suites) = match load_inputs(&args.input, false) {
        Ok((schemas, suites)) => (Arc::new(schemas), suites),
        Err(code) => return code,
    };
    let req = TargetRequest {
        file: args.target.target.first().cloned(),
        base_urls: args.target.base_url.clone(),
    };
    let resolved = match resolve_target(&req).await {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{e}");
            return exit::USAGE;
        }
    };
    let target = resolved.target.clone();
    let selection = args.select.selection();
    let plans = match cli_matrix::plans(&args, target, suites, &selection, &cfg, &schemas) {
        Ok(p) => p,
        Err(code) => return code,
    };
    let plan = Arc::clone(&plans[0]);
    for p in &plans {
        if let Err(e) = schemas.compile(p.schema_ids()) {
            return usage_error(e);
        }
    }
    if plan.cases.is_empty() && args.select.shard.is_none() {
        return usage_error("no cases match the filters (see `sessconform list`)");
    }
    let files = match args.output.report_files() {
        Ok(f) => f,
        Err(e) => return usage_error(e),
    };
    let mut terminal = FanOut::default();
    terminal.push(Box::new(ConsoleReporter::new(
        BufferedStdout,
        style(args.output.color),
    )));
    let github = args.output.github();
    if github {
        let workspace = std::env::var_os("GITHUB_WORKSPACE").map(std::path::PathBuf::from);
        terminal.push(Box::new(GithubReporter::new(BufferedStdout, workspace)));
    }
    let mut reporters = FanOut::default();
    reporters.push(Box::new(ProgressReporter::new(
        Box::new(terminal),
        progress::wanted(),
    )));
    if !files.is_empty() {
        reporters.push(Box::new(files));
    }
    let cancel = Cancel::default();
    let ctrl_c = cancel_on_ctrl_c(&cancel);
    let mut sink = |ev: &sessconform::result::Event| reporters.on_event(ev);
    let summary = if plans.len() > 1 {
        sessconform::compat::run_matrix(plans, schemas, &cfg, cancel, &mut sink).await
    } else {
        engine::run(plan, schemas, &cfg, cancel, &mut sink).await
    };
    ctrl_c.abort();
    if let Err(e) = reporters.finish() {
        eprintln!("error: failed to write a report: {e}");
    }
    resolved.shutdown().await;
    exit::for_summary(&summary)
}

/// Loads the schemas (compiled up front when `eager`, as `lint` wants) and the suites; on error
/// prints the diagnostics and returns the usage exit code.
fn load_inputs(
    input: &cli::InputArgs,
    eager: bool,
) -> Result<(SchemaStore, Vec<sessconform::case::load::LoadedSuite>), u8> {
    // Schemas load on another core while the case files are parsed.
    let (schemas, parsed) = std::thread::scope(|scope| {
        let schemas = scope.spawn(|| {
            if eager {
                SchemaStore::load(true, &input.specs)
            } else {
                SchemaStore::load_lazy(true, &input.specs)
            }
        });
        let parsed = parse_suites(&source(&input.paths));
        let schemas = schemas
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (schemas, parsed)
    });
    let schemas = schemas.map_err(usage_error)?;
    match parsed.and_then(|parsed| compile_suites(parsed, &schemas)) {
        Ok(suites) => Ok((schemas, suites)),
        Err(e) => {
            eprintln!("{e}");
            Err(exit::USAGE)
        }
    }
}

fn list(args: ListArgs) -> u8 {
    let (_schemas, suites) = match load_inputs(&args.input, false) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let sel = args.select.selection();
    let mut total = 0;
    for loaded in &suites {
        let s = &loaded.suite;
        let cases: Vec<_> = s
            .cases
            .iter()
            .filter(|c| sel.selects(&c.id, &c.tags))
            .collect();
        if cases.is_empty() {
            continue;
        }
        println!(
            "{} (api {}, {} case{}){}",
            s.name,
            s.api,
            cases.len(),
            if cases.len() == 1 { "" } else { "s" },
            if s.serial { " [serial]" } else { "" }
        );
        for c in cases {
            total += 1;
            let vars = if c.uses_vars.is_empty() {
                String::new()
            } else {
                format!("  vars: {}", c.uses_vars.join(", "))
            };
            println!("  {}  [{}]{vars}", c.id, c.tags.join(", "));
        }
    }
    println!("{total} case{}", if total == 1 { "" } else { "s" });
    exit::SUCCESS
}

fn lint(args: LintArgs) -> u8 {
    let (schemas, suites) = match load_inputs(&args.input, true) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    if let Some(t) = &args.target {
        if let Err(e) = load_target_file(t) {
            eprintln!("{e}");
            return exit::USAGE;
        }
    }
    let cases: usize = suites.iter().map(|s| s.suite.cases.len()).sum();
    println!(
        "ok: {} suite{}, {cases} cases, {} schemas",
        suites.len(),
        if suites.len() == 1 { "" } else { "s" },
        schemas.ids().len()
    );
    exit::SUCCESS
}

fn validate(args: ValidateArgs) -> u8 {
    let schemas = match SchemaStore::load(true, &args.specs) {
        Ok(s) => s,
        Err(e) => return usage_error(e),
    };
    if !schemas.contains(&args.schema) {
        return usage_error(format!(
            "unknown schema id `{}`; known ids: {}",
            args.schema,
            schemas.ids().join(", ")
        ));
    }
    let mut failed = false;
    for f in &args.files {
        let text = match std::fs::read_to_string(f) {
            Ok(t) => t,
            Err(e) => return usage_error(format!("failed to read {}: {e}", f.display())),
        };
        let value: serde_json::Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                return usage_error(format!(
                    "{}:{}:{}: invalid JSON: {e}",
                    f.display(),
                    e.line(),
                    e.column()
                ));
            }
        };
        match schemas.validate(&args.schema, &value) {
            Ok(v) if v.is_empty() => println!("PASS  {} ({})", f.display(), args.schema),
            Ok(violations) => {
                failed = true;
                println!(
                    "FAIL  {} ({}): {} violation{}",
                    f.display(),
                    args.schema,
                    violations.len(),
                    if violations.len() == 1 { "" } else { "s" }
                );
                for v in violations {
                    println!("  ✗ {v}");
                }
            }
            Err(e) => return usage_error(e),
        }
    }
    if failed {
        exit::CONTRACT_FAILED
    } else {
        exit::SUCCESS
    }
}

async fn serve(args: cli::ServeArgs) -> u8 {
    let mut opts = sessconform::server::ServerOptions {
        addr: args.addr,
        tls: args.tls,
        ..Default::default()
    };
    if let Some(rl) = &args.rate_limit {
        match rl.parse() {
            Ok(r) => opts.rate_limit = Some(r),
            Err(e) => return usage_error(format!("invalid --rate-limit `{rl}`: {e}")),
        }
    }
    for f in &args.fault {
        match f.parse() {
            Ok(fault) => {
                opts.faults.insert(fault);
            }
            Err(e) => return usage_error(format!("invalid --fault `{f}`: {e}")),
        }
    }
    let files = sessconform::server::ServeFiles {
        target_out: args.target_out,
        ca_out: args.ca_out,
    };
    match sessconform::server::serve(opts, files).await {
        Ok(()) => exit::SUCCESS,
        Err(e) => usage_error(e),
    }
}
