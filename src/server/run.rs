//! Starting, serving and stopping the reference server.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::router::router;
use super::clock;
use super::error::ServerError;
use super::keys::keys;
use super::options::ServerOptions;
use super::state::App;
use super::target;

/// A reference server running on the current tokio runtime.
///
/// Dropping it without [`RunningServer::shutdown`] also asks it to stop, but
/// does not wait for in-flight requests.
pub struct RunningServer {
    addr: SocketAddr,
    opts: ServerOptions,
    app: Arc<App>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<std::io::Result<()>>>,
}

impl std::fmt::Debug for RunningServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RunningServer")
            .field("addr", &self.addr)
            .field("opts", &self.opts)
            .finish_non_exhaustive()
    }
}

/// Binds `opts.addr` and starts serving in the background.
///
/// Cheap: the fixture world is built in memory and the embedded keys are parsed
/// once per process (no key generation).
pub async fn start(opts: ServerOptions) -> Result<RunningServer, ServerError> {
    let keys = keys()?;
    let listener = TcpListener::bind(opts.addr)
        .await
        .map_err(|source| ServerError::Bind {
            addr: opts.addr,
            source,
        })?;
    let addr = listener.local_addr().map_err(|source| ServerError::Bind {
        addr: opts.addr,
        source,
    })?;
    let app = Arc::new(App::new(&opts, keys, clock::now()));
    let (stop, stopped) = oneshot::channel::<()>();
    let routes = router(app.clone());
    let task = tokio::spawn(async move {
        axum::serve(listener, routes)
            .with_graceful_shutdown(async {
                // A dropped sender also means "stop".
                let _ = stopped.await;
            })
            .await
    });
    Ok(RunningServer {
        addr,
        opts,
        app,
        stop: Some(stop),
        task: Some(task),
    })
}

impl RunningServer {
    /// The bound address (the real port when `:0` was requested).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A target file for `sessconform run --target`: base URLs, auth, headers,
    /// the `vars` the built-in suites use, and the names of secret vars.
    pub fn target_yaml(&self) -> String {
        target::target_yaml(self.addr)
    }

    /// Human-readable base URLs, credentials, options and fixture ids.
    pub fn summary(&self) -> String {
        target::summary(self.addr, &self.opts)
    }

    /// The Clerk refresh token of the client holding `session_id`: the
    /// `__refresh` value Clerk's Frontend API would set in its handshake, which
    /// `POST /clerk/v1/sessions/{session_id}/refresh` requires. The Backend API
    /// never returns it, so tests of a successful refresh get it here.
    pub fn clerk_refresh_token(&self, session_id: &str) -> Option<String> {
        self.app
            .clerk()
            .refresh_token_for(session_id)
            .map(str::to_owned)
    }

    /// Stops accepting connections, lets in-flight requests finish, and waits.
    pub async fn shutdown(mut self) {
        self.stop_and_wait().await;
    }

    async fn stop_and_wait(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            // The server's own result only matters to `serve`, which reports it.
            let _ = task.await;
        }
    }

    async fn wait_result(&mut self) -> Result<(), ServerError> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.task.take() {
            Some(task) => match task.await {
                Ok(result) => result.map_err(ServerError::Serve),
                Err(join) => Err(ServerError::Serve(std::io::Error::other(join.to_string()))),
            },
            None => Ok(()),
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Writes `contents` to `path` atomically (temporary file in the same
/// directory, then rename).
fn write_atomically(path: &Path, contents: &str) -> Result<(), ServerError> {
    let err = |source| ServerError::WriteTarget {
        path: path.to_owned(),
        source,
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_owned(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "target".to_owned());
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = std::fs::File::create(&tmp)
        .and_then(|mut f| {
            f.write_all(contents.as_bytes())?;
            f.sync_all()
        })
        .and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result.map_err(err)
}

/// Runs `sessconform serve`: starts the server, prints the summary to stdout,
/// writes the target file (atomically) if asked, serves until Ctrl-C, and shuts
/// down cleanly.
pub async fn serve(opts: ServerOptions, target_out: Option<PathBuf>) -> Result<(), ServerError> {
    let mut server = start(opts).await?;
    if let Some(path) = &target_out {
        write_atomically(path, &server.target_yaml())?;
    }
    let mut out = server.summary();
    if let Some(path) = &target_out {
        out.push_str(&format!("\nTarget file written to {}\n", path.display()));
    }
    out.push_str("\nPress Ctrl-C to stop.\n");
    print!("{out}");
    let _ = std::io::stdout().flush();
    let signal = tokio::signal::ctrl_c().await.map_err(ServerError::Signal);
    let served = server.wait_result().await;
    signal.and(served)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn atomic_write_replaces_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("target.yaml");
        write_atomically(&path, "a: 1\n").unwrap();
        write_atomically(&path, "b: 2\n").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "b: 2\n");
        let leftovers = std::fs::read_dir(dir.path()).unwrap().count();
        assert_eq!(leftovers, 1);
        let bad = dir.path().join("missing-dir").join("t.yaml");
        assert!(matches!(
            write_atomically(&bad, "x"),
            Err(ServerError::WriteTarget { .. })
        ));
    }
}
