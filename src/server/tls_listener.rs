//! A TLS listener for the reference server's accept loop: TCP connections are accepted as usual and
//! their handshakes run concurrently (each bounded by a timeout), so one slow or
//! failing client never holds up the others.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::serve::Listener;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::server::TlsStream;

type Handshake = Option<(TlsStream<TcpStream>, SocketAddr)>;

/// Accepts TCP connections and yields them once their TLS handshake is done.
pub(crate) struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
    handshakes: JoinSet<Handshake>,
    /// How long a client may take to complete its handshake (the server's header timeout).
    handshake_timeout: Duration,
}

impl TlsListener {
    pub(crate) fn new(
        tcp: TcpListener,
        config: Arc<ServerConfig>,
        handshake_timeout: Duration,
    ) -> Self {
        TlsListener {
            tcp,
            acceptor: TlsAcceptor::from(config),
            handshakes: JoinSet::new(),
            handshake_timeout,
        }
    }
}

fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}

impl Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            // Both branches are cancel-safe: a pending handshake stays in the set.
            tokio::select! {
                accepted = self.tcp.accept() => match accepted {
                    Ok((stream, addr)) => {
                        let acceptor = self.acceptor.clone();
                        let limit = self.handshake_timeout;
                        self.handshakes.spawn(async move {
                            let done = tokio::time::timeout(limit, acceptor.accept(stream));
                            // A client that does not trust the CA, or never finishes, is dropped.
                            done.await.ok()?.ok().map(|tls| (tls, addr))
                        });
                    }
                    // Out of file descriptors and the like: back off as axum's own listener does.
                    Err(e) if !is_connection_error(&e) => tokio::time::sleep(Duration::from_secs(1)).await,
                    Err(_) => {}
                },
                Some(done) = self.handshakes.join_next(), if !self.handshakes.is_empty() => {
                    if let Ok(Some(conn)) = done {
                        return conn;
                    }
                }
            }
        }
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.tcp.local_addr()
    }
}
