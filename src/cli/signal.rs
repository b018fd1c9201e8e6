//! Interrupting a run: Ctrl-C from the terminal, and the SIGTERM / SIGHUP that CI cancellations,
//! `timeout(1)`, `docker stop` and Kubernetes send.

use super::out::errln;
use sessconform::engine::Cancel;
use sessconform::exit;

/// Ctrl-C, SIGTERM or SIGHUP cancels the run (cases in flight end as interrupted, reports are
/// still written, the exit code is 3); a second signal quits at once. Abort the returned task
/// when the run is over.
pub(crate) fn cancel_on_ctrl_c(cancel: &Cancel) -> tokio::task::JoinHandle<()> {
    let cancel = cancel.clone();
    tokio::spawn(async move {
        let mut signals = Signals::new();
        if let Some(name) = signals.next().await {
            errln!("interrupted ({name}): finishing reports… (Ctrl-C again quits at once)");
            cancel.cancel();
            if signals.next().await.is_some() {
                errln!("interrupted again: quitting without finishing reports");
                std::process::exit(i32::from(exit::COULD_NOT_RUN));
            }
        }
    })
}

/// The signals that interrupt a run, as one stream.
struct Signals {
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    hup: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    fn new() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            // Registration fails only without a signal driver; Ctrl-C still works then.
            Self {
                term: signal(SignalKind::terminate()).ok(),
                hup: signal(SignalKind::hangup()).ok(),
            }
        }
        #[cfg(not(unix))]
        {
            Self {}
        }
    }

    /// The name of the next signal received; `None` when none can be received any more.
    async fn next(&mut self) -> Option<&'static str> {
        #[cfg(unix)]
        {
            let term = async {
                match self.term.as_mut() {
                    Some(s) => s.recv().await,
                    None => std::future::pending().await,
                }
            };
            let hup = async {
                match self.hup.as_mut() {
                    Some(s) => s.recv().await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                r = tokio::signal::ctrl_c() => r.ok().map(|()| "Ctrl-C"),
                Some(()) = term => Some("SIGTERM"),
                Some(()) = hup => Some("SIGHUP"),
            }
        }
        #[cfg(not(unix))]
        {
            tokio::signal::ctrl_c().await.ok().map(|()| "Ctrl-C")
        }
    }
}
