//! The command-line shell over the library: one file per command, the arguments they share
//! ([`args`]), how they load their inputs ([`inputs`]) and build their reporters ([`output`]).
//! Commands print and choose exit codes; everything else happens in the library.

mod args;
mod diff;
mod explore;
#[cfg(test)]
mod help_examples;
mod init;
mod inputs;
mod lint;
mod list;
mod out;
mod output;
mod report;
mod run;
mod schema;
#[cfg(feature = "server")]
mod serve;
mod shell_support;
mod signal;
mod spec;
mod validate;

pub use args::Cli;

use args::Command;
use out::errln;
use sessconform::exit;

/// Runs the command `cli` names and returns the process exit code.
pub fn dispatch(cli: Cli) -> u8 {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return usage_error(format!("failed to start the async runtime: {e}")),
    };
    match cli.command {
        None => on_worker(&runtime, run::run(cli.run)),
        Some(Command::Run(args)) => on_worker(&runtime, run::run(*args)),
        Some(Command::List(args)) => list::list(&args),
        Some(Command::Lint(args)) => lint::lint(&args),
        Some(Command::Validate(args)) => validate::validate(&args),
        #[cfg(feature = "server")]
        Some(Command::Serve(args)) => runtime.block_on(serve::serve(args)),
        Some(Command::Diff(args)) => on_worker(&runtime, diff::diff(*args)),
        // Not `on_worker`: the shrinker's async closure is not provably `Send`.
        Some(Command::Explore(args)) => runtime.block_on(explore::explore(*args)),
        Some(Command::Spec(command)) => spec::spec(&command),
        Some(Command::Completions { shell }) => shell_support::completions(shell),
        Some(Command::Man) => shell_support::man(),
        Some(Command::Report(cmd)) => report::report(&cmd),
        Some(Command::Schema(args)) => schema::schema(&args),
        Some(Command::Init(args)) => init::init(&args),
    }
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

/// Prints `error: {msg}` and returns the usage exit code.
fn usage_error(msg: impl std::fmt::Display) -> u8 {
    errln!("error: {msg}");
    exit::USAGE
}

/// Prints an already rendered diagnostic (it starts with `error:`) and returns the usage exit
/// code.
fn diagnostic(rendered: impl std::fmt::Display) -> u8 {
    errln!("{rendered}");
    exit::USAGE
}
