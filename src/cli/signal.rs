//! Interrupting a run from the terminal.

use sessconform::engine::Cancel;
use sessconform::exit;

/// Ctrl-C cancels the run (cases in flight end as interrupted, reports are still written); a
/// second Ctrl-C quits at once. Abort the returned task when the run is over.
pub(crate) fn cancel_on_ctrl_c(cancel: &Cancel) -> tokio::task::JoinHandle<()> {
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
