//! Options for starting the reference server.

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use super::faults::Fault;
use super::ratelimit::RateLimit;

/// How to start the reference server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerOptions {
    /// Address to bind; the default `127.0.0.1:0` picks a free loopback port.
    pub addr: SocketAddr,
    /// Per-credential budget for the main credentials; `None` (default) is unlimited.
    ///
    /// The dedicated throttled credentials are always limited to 1 request per 60 s.
    pub rate_limit: Option<RateLimit>,
    /// Deliberate deviations from vendor behaviour (none by default).
    pub faults: BTreeSet<Fault>,
    /// Serve HTTPS with a certificate for `localhost`/`127.0.0.1`/`::1` signed by a
    /// CA generated at start ([`RunningServer::ca_pem`](super::RunningServer::ca_pem)).
    pub tls: bool,
    /// How long a client may take to send a complete request head (and, with TLS,
    /// to finish its handshake), counted from the connection's start or, on a
    /// kept-alive connection, from the next request's first byte; then the
    /// connection is closed. Default 10 s.
    pub header_timeout: Duration,
    /// How long a connection may go without a byte moving in either direction
    /// (kept alive between requests, a stalled request body, a response nobody
    /// reads) before it is closed; default 60 s.
    pub idle_timeout: Duration,
}

/// The default [`ServerOptions::header_timeout`].
pub const DEFAULT_HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// The default [`ServerOptions::idle_timeout`].
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(60);

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            rate_limit: None,
            faults: BTreeSet::new(),
            tls: false,
            header_timeout: DEFAULT_HEADER_TIMEOUT,
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
        }
    }
}
