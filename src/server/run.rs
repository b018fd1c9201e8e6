//! Starting, serving and stopping the reference server.

use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::clock;
use super::connection::{self, Timeouts};
use super::error::ServerError;
use super::keys::keys;
use super::options::ServerOptions;
use super::router::router;
use super::state::App;
use super::target_file::{self, Ca, Endpoint};
use super::tls;
use super::tls_listener::TlsListener;

/// A reference server running on the current tokio runtime.
///
/// Dropping it without [`RunningServer::shutdown`] also asks it to stop, but
/// does not wait for in-flight requests.
pub struct RunningServer {
    addr: SocketAddr,
    opts: ServerOptions,
    app: Arc<App>,
    base_url: String,
    ca_pem: Option<String>,
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
/// once per process; with `opts.tls` a CA and a server certificate are generated
/// (two P-256 keys, milliseconds).
pub async fn start(opts: ServerOptions) -> Result<RunningServer, ServerError> {
    let keys = keys()?;
    let tls = if opts.tls {
        Some(tls::generate()?)
    } else {
        None
    };
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
    let timeouts = Timeouts {
        header: opts.header_timeout,
        idle: opts.idle_timeout,
    };
    // A dropped sender also means "stop".
    let stopped = async {
        let _ = stopped.await;
    };
    let (scheme, ca_pem, task) = match tls {
        Some(material) => {
            let listener = TlsListener::new(listener, material.config, opts.header_timeout);
            let task = tokio::spawn(connection::serve(listener, routes, timeouts, stopped));
            ("https", Some(material.ca_pem), task)
        }
        None => {
            let task = tokio::spawn(connection::serve(listener, routes, timeouts, stopped));
            ("http", None, task)
        }
    };
    Ok(RunningServer {
        addr,
        opts,
        app,
        base_url: format!("{scheme}://{addr}"),
        ca_pem,
        stop: Some(stop),
        task: Some(task),
    })
}

impl RunningServer {
    /// The bound address (the real port when `:0` was requested).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://ADDR`, or `https://ADDR` with TLS: Stytch's base URL (the host
    /// root, like `https://test.stytch.com`); Clerk's is this plus `/clerk/v1`.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The PEM of the CA that signed the server certificate (TLS only): what
    /// clients must trust.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    fn endpoint<'a>(&'a self, ca_file: Option<&'a Path>) -> Endpoint<'a> {
        let ca = self.ca_pem.as_deref().map(|pem| match ca_file {
            Some(path) => Ca::File(path),
            None => Ca::Pem(pem),
        });
        Endpoint {
            base: &self.base_url,
            ca,
        }
    }

    /// A target file for `sessconform run --target`: base URLs, auth, headers,
    /// the `vars` the built-in suites use, the names of secret vars, the CA to
    /// trust (`tls.ca_pem`, TLS only) and what to pass the vendors' SDKs (`sdk`).
    pub fn target_yaml(&self) -> String {
        target_file::target_yaml(self.endpoint(None))
    }

    /// Human-readable base URLs, credentials, SDK settings, options and fixture ids.
    pub fn summary(&self) -> String {
        target_file::summary(self.endpoint(None), &self.opts)
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
fn write_atomically(path: &Path, contents: &str) -> std::io::Result<()> {
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
    result
}

/// The files `sessconform serve` writes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServeFiles {
    /// `--target-out`: a target file for `sessconform run --target`.
    pub target_out: Option<PathBuf>,
    /// `--ca-out`: the CA certificate (PEM) of a TLS server.
    pub ca_out: Option<PathBuf>,
}

/// Runs `sessconform serve`: starts the server, writes the CA certificate and
/// the target file (each atomically; the target file names the CA file) if
/// asked, prints the summary to stdout, serves until Ctrl-C, and shuts down
/// cleanly.
pub async fn serve(opts: ServerOptions, files: ServeFiles) -> Result<(), ServerError> {
    let mut server = start(opts).await?;
    let mut ca_file = None;
    if let (Some(path), Some(pem)) = (&files.ca_out, server.ca_pem()) {
        write_atomically(path, pem).map_err(|source| ServerError::WriteCa {
            path: path.clone(),
            source,
        })?;
        // Absolute, so the target file works from any directory.
        ca_file = Some(std::fs::canonicalize(path).unwrap_or_else(|_| path.clone()));
    }
    let endpoint = server.endpoint(ca_file.as_deref());
    if let Some(path) = &files.target_out {
        write_atomically(path, &target_file::target_yaml(endpoint)).map_err(|source| {
            ServerError::WriteTarget {
                path: path.clone(),
                source,
            }
        })?;
    }
    let mut out = target_file::summary(endpoint, &server.opts);
    if let Some(path) = &files.ca_out {
        if server.ca_pem().is_some() {
            out.push_str(&format!("\nCA certificate written to {}\n", path.display()));
        } else {
            out.push_str("\n--ca-out ignored: the server is not using TLS (add --tls)\n");
        }
    }
    if let Some(path) = &files.target_out {
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
        assert!(write_atomically(&bad, "x").is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
