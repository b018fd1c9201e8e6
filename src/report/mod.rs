//! Reporters consume engine events; they never reach into the runner.

pub mod atomic;
pub mod compat_console;
mod compat_html;
pub mod console;
pub mod files;
pub mod github;
pub mod html;
pub mod json;
pub mod junit;
pub mod merge;
pub mod progress;
pub mod record;
pub mod reproducer_env;
mod spool;
pub mod stdout;
pub mod tally;
pub mod text;
mod xml;

pub use files::{FileReporter, ReportFormat};
pub use record::RunRecord;
pub use tally::{ReportExchanges, RunTally};

use crate::result::Event;

/// Something that turns events into output.
pub trait Reporter: Send {
    /// Receives one event.
    fn on_event(&mut self, event: &Event);
    /// Flushes and writes files; called once after the last event.
    fn finish(&mut self) -> std::io::Result<()>;
}

/// Sends every event to several reporters.
#[derive(Default)]
pub struct FanOut {
    reporters: Vec<Box<dyn Reporter>>,
}

impl FanOut {
    /// Adds a reporter.
    pub fn push(&mut self, r: Box<dyn Reporter>) {
        self.reporters.push(r);
    }

    /// Finishes every reporter, returning the first error (all are still finished).
    pub fn finish(&mut self) -> std::io::Result<()> {
        let mut first = Ok(());
        for r in &mut self.reporters {
            if let Err(e) = r.finish() {
                if first.is_ok() {
                    first = Err(e);
                }
            }
        }
        first
    }
}

impl Reporter for FanOut {
    fn on_event(&mut self, event: &Event) {
        for r in &mut self.reporters {
            r.on_event(event);
        }
    }

    fn finish(&mut self) -> std::io::Result<()> {
        FanOut::finish(self)
    }
}
