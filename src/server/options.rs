//! Options for starting the reference server.

use std::collections::BTreeSet;
use std::net::{Ipv4Addr, SocketAddr};

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
}

impl Default for ServerOptions {
    fn default() -> Self {
        ServerOptions {
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            rate_limit: None,
            faults: BTreeSet::new(),
            tls: false,
        }
    }
}
