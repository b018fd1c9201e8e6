//! Serving one accepted connection (plain or TLS) with hyper's HTTP/1, closed
//! when a client is too slow to send a request head or leaves the connection
//! idle, so half-open and slowloris connections never pile up.
//!
//! Two deadlines, as Go's `ReadHeaderTimeout` and `IdleTimeout`:
//! - **header**: from the connection's start (or, on a kept-alive connection,
//!   the first byte of the next request) to a complete request head;
//! - **idle**: how long no byte may move in either direction, between requests
//!   (keep-alive) or while a request body is read or a response written.
//!
//! hyper's own `header_read_timeout` also runs while a kept-alive connection
//! waits for its next request, which would make the idle timeout the header
//! timeout; so both deadlines are kept here, from the bytes the connection
//! reads and writes and the requests the service is handling.

use std::future::Future;
use std::io;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::sync::watch;
use tokio::time::Instant;

/// How long a client may take: see the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Timeouts {
    /// From the connection's start, or a later request's first byte, to its complete head.
    pub header: Duration,
    /// Without any byte moving, between or during requests.
    pub idle: Duration,
}

/// No request head is being read.
const NO_HEAD: u64 = u64::MAX;

/// What a connection has been doing, shared by its I/O, its service and its watchdog.
#[derive(Debug)]
struct Activity {
    start: Instant,
    /// Milliseconds since `start` of the last byte read or written.
    last_byte: AtomicU64,
    /// Milliseconds since `start` of the first byte of the request head being
    /// read, or [`NO_HEAD`].
    head_started: AtomicU64,
    /// Requests being handled (more than one only when pipelined).
    in_flight: AtomicUsize,
}

impl Activity {
    /// A new connection: its first request head is due from now.
    fn new() -> Self {
        Activity {
            start: Instant::now(),
            last_byte: AtomicU64::new(0),
            head_started: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.start.elapsed().as_millis()).unwrap_or(NO_HEAD - 1)
    }

    fn wrote(&self) {
        self.last_byte.store(self.now_ms(), Ordering::Relaxed);
    }

    /// Bytes arrived: between requests, they start a request head.
    fn read(&self) {
        let now = self.now_ms();
        self.last_byte.store(now, Ordering::Relaxed);
        if self.in_flight.load(Ordering::Relaxed) == 0 {
            let _ = self.head_started.compare_exchange(
                NO_HEAD,
                now,
                Ordering::Relaxed,
                Ordering::Relaxed,
            );
        }
    }

    /// The head is complete: hyper hands the request to the service.
    fn request_started(&self) {
        self.in_flight.fetch_add(1, Ordering::Relaxed);
        self.head_started.store(NO_HEAD, Ordering::Relaxed);
    }

    fn request_done(&self) {
        self.in_flight.fetch_sub(1, Ordering::Relaxed);
        self.wrote();
    }

    /// When the connection must close if nothing changes before.
    fn deadline(&self, timeouts: Timeouts) -> Instant {
        let at = |ms: u64, after: Duration| self.start + Duration::from_millis(ms) + after;
        let idle = at(self.last_byte.load(Ordering::Relaxed), timeouts.idle);
        match self.head_started.load(Ordering::Relaxed) {
            NO_HEAD => idle,
            started => idle.min(at(started, timeouts.header)),
        }
    }

    /// Resolves once a deadline has passed.
    async fn expired(&self, timeouts: Timeouts) {
        loop {
            let deadline = self.deadline(timeouts);
            if Instant::now() >= deadline {
                return;
            }
            tokio::time::sleep_until(deadline).await;
        }
    }
}

/// Counts a request as in flight until its response is ready (or it is dropped).
struct InFlight(Arc<Activity>);

impl InFlight {
    fn enter(activity: &Arc<Activity>) -> Self {
        activity.request_started();
        InFlight(activity.clone())
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.request_done();
    }
}

/// A stream that records the bytes it moves in an [`Activity`].
struct Watched<S> {
    inner: S,
    activity: Arc<Activity>,
}

impl<S: AsyncRead + Unpin> AsyncRead for Watched<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.read();
        }
        polled
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Watched<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.wrote();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.wrote();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Serves HTTP/1 requests on `stream` until the client closes it, a deadline
/// passes (the connection is dropped, which closes it) or `shutdown` fires
/// (requests in flight finish, then it closes).
pub(crate) async fn serve_connection<S>(
    stream: S,
    routes: Router,
    timeouts: Timeouts,
    mut shutdown: watch::Receiver<()>,
) where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Watched {
        inner: stream,
        activity: activity.clone(),
    });
    let routes = TowerToHyperService::new(routes);
    let tracked = activity.clone();
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let in_flight = InFlight::enter(&tracked);
        let response = hyper::service::Service::call(&routes, request);
        async move {
            let response = response.await;
            drop(in_flight);
            response
        }
    });
    // The deadlines are ours (see the module documentation), not hyper's.
    let mut conn = pin!(
        http1::Builder::new()
            .header_read_timeout(None)
            .serve_connection(io, service)
    );
    let mut expired = pin!(activity.expired(timeouts));
    let mut draining = false;
    loop {
        tokio::select! {
            // An error is the client's (reset, malformed request): nothing to report.
            _ = conn.as_mut() => return,
            () = &mut expired => return,
            _ = shutdown.changed(), if !draining => {
                draining = true;
                conn.as_mut().graceful_shutdown();
            }
        }
    }
}

/// Accepts connections from `listener` and serves each on its own task until
/// `stop` resolves; then stops accepting, lets every connection finish its
/// requests in flight (each still bounded by its deadlines) and returns.
pub(crate) async fn serve<L>(
    mut listener: L,
    routes: Router,
    timeouts: Timeouts,
    stop: impl Future<Output = ()>,
) -> io::Result<()>
where
    L: axum::serve::Listener,
    L::Io: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let (shutdown_tx, shutdown_rx) = watch::channel(());
    // Every connection task holds a receiver; `closed()` waits for the last one.
    let (open_tx, open_rx) = watch::channel(());
    let mut stop = pin!(stop);
    loop {
        let (stream, _addr) = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut stop => break,
        };
        let conn = serve_connection(stream, routes.clone(), timeouts, shutdown_rx.clone());
        let open = open_rx.clone();
        tokio::spawn(async move {
            conn.await;
            drop(open);
        });
    }
    drop(listener);
    drop(open_rx);
    drop(shutdown_rx);
    let _ = shutdown_tx.send(());
    open_tx.closed().await;
    Ok(())
}
