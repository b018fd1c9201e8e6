//! `sessconform completions SHELL` and `sessconform man`: generated from the clap definitions,
//! so they always match the flags.

use std::io::Write as _;

use clap::CommandFactory as _;
use sessconform::exit;

use super::args::Cli;

/// Writes the completion script for `shell` to stdout.
pub(crate) fn completions(shell: clap_complete::Shell) -> u8 {
    let mut cmd = Cli::command();
    clap_complete::generate(shell, &mut cmd, "sessconform", &mut std::io::stdout());
    exit::SUCCESS
}

/// Writes the man page to stdout.
pub(crate) fn man() -> u8 {
    let mut out = Vec::new();
    if let Err(e) = clap_mangen::Man::new(Cli::command()).render(&mut out) {
        return super::usage_error(format!("failed to render the man page: {e}"));
    }
    match std::io::stdout().write_all(&out) {
        Ok(()) => exit::SUCCESS,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => exit::SUCCESS,
        Err(e) => super::usage_error(e),
    }
}
