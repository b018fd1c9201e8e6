//! Errors of starting, running and stopping the reference server.

use std::net::SocketAddr;
use std::path::PathBuf;

/// Why the reference server could not start, run or write its target file.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// The listening socket could not be bound.
    #[error("failed to bind the reference server to {addr}")]
    Bind {
        /// The address that was requested.
        addr: SocketAddr,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The embedded signing keys could not be loaded (a build defect).
    #[error("failed to load the embedded signing keys: {0}")]
    Keys(String),
    /// The target file could not be written.
    #[error("failed to write the target file {path}")]
    WriteTarget {
        /// The requested target file.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The TLS certificate or configuration could not be created.
    #[error("failed to set up TLS: {0}")]
    Tls(String),
    /// The CA certificate file (`--ca-out`) could not be written.
    #[error("failed to write the CA certificate file {path}")]
    WriteCa {
        /// The requested file.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// Waiting for Ctrl-C failed.
    #[error("failed to listen for Ctrl-C")]
    Signal(#[source] std::io::Error),
    /// The HTTP server stopped with an I/O error.
    #[error("failed to serve HTTP")]
    Serve(#[source] std::io::Error),
}
