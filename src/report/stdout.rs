//! [`BufferedStdout`]: standard output for reporters, without one system call per line.
//!
//! Rust's `Stdout` flushes at every newline, so a 2,000-case run made 2,000 `write` calls. Every
//! handle shares one buffer (so the console and GitHub reporters stay in order), flushed when it
//! has been waiting for [`MAX_DELAY`], at [`Write::flush`] (reporters flush when the run ends), and
//! after every write when standard output is a terminal, where a person watches the lines arrive.

use std::io::{self, BufWriter, IsTerminal, Write};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Longest time output may sit in the buffer while a run goes on.
pub const MAX_DELAY: Duration = Duration::from_millis(100);

struct Shared {
    out: BufWriter<io::Stdout>,
    interactive: bool,
    /// When the oldest unflushed byte was written.
    pending_since: Option<Instant>,
}

fn shared() -> &'static Mutex<Shared> {
    static SHARED: OnceLock<Mutex<Shared>> = OnceLock::new();
    SHARED.get_or_init(|| {
        Mutex::new(Shared {
            out: BufWriter::with_capacity(64 * 1024, io::stdout()),
            interactive: io::stdout().is_terminal(),
            pending_since: None,
        })
    })
}

/// A handle on the process's buffered standard output (see the module docs).
#[derive(Debug, Clone, Copy, Default)]
pub struct BufferedStdout;

impl Write for BufferedStdout {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // A poisoned lock only means a reporter panicked mid-write; the bytes are still usable.
        let mut s = shared()
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let n = s.out.write(buf)?;
        let since = *s.pending_since.get_or_insert_with(Instant::now);
        if s.interactive || since.elapsed() >= MAX_DELAY {
            s.pending_since = None;
            s.out.flush()?;
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        let mut s = shared()
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        s.pending_since = None;
        s.out.flush()
    }
}
