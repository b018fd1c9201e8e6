//! The `sessconform` binary: parse the arguments, run the command, exit with its code. Every
//! command lives in [`cli`]; the work is done by the `sessconform` library.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    ExitCode::from(cli::dispatch(cli::Cli::parse()))
}
