//! Printing from the commands without panicking on a closed pipe: `sessconform list | head -1`
//! ends quietly (exit 0, as `rg` does) when the reader has gone, and a closed standard error
//! loses the message rather than the process.

use std::fmt;
use std::io::{self, Write};

/// Prints one line to standard output; exits quietly with 0 when the reader has closed the pipe
/// (it has every line it wanted) and with 3 when standard output cannot be written otherwise.
pub(crate) fn line(args: fmt::Arguments<'_>) {
    let mut out = io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.write_all(b"\n")) {
        closed(&e);
    }
}

fn closed(e: &io::Error) -> ! {
    if e.kind() == io::ErrorKind::BrokenPipe {
        std::process::exit(0);
    }
    err_line(format_args!("error: cannot write to standard output: {e}"));
    std::process::exit(i32::from(sessconform::exit::COULD_NOT_RUN));
}

/// Prints one line to standard error; a closed standard error loses the line, nothing more.
pub(crate) fn err_line(args: fmt::Arguments<'_>) {
    let mut err = io::stderr().lock();
    let _ = err.write_fmt(args).and_then(|()| err.write_all(b"\n"));
}

/// `println!` that ends the process quietly on a closed pipe instead of panicking.
macro_rules! outln {
    ($($arg:tt)*) => { $crate::cli::out::line(format_args!($($arg)*)) };
}

/// `eprintln!` that never panics.
macro_rules! errln {
    ($($arg:tt)*) => { $crate::cli::out::err_line(format_args!($($arg)*)) };
}

pub(crate) use {errln, outln};
