//! The reference server closes slow, idle and half-open connections (issue 15, defect 10): a
//! request head must be complete within `--header-timeout` of the connection's start (or of a
//! kept-alive connection's next request), and a connection on which no byte moves for
//! `--idle-timeout` is closed; clients that keep making progress are served. Plain and TLS.

#![cfg(feature = "server")]

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use sessconform::server::{RunningServer, ServerOptions, start};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName};
use tokio_rustls::rustls::{ClientConfig, RootCertStore};

fn opts(header: Duration, idle: Duration) -> ServerOptions {
    ServerOptions {
        header_timeout: header,
        idle_timeout: idle,
        ..ServerOptions::default()
    }
}

/// After how long the server closed the connection (reading and discarding what it sends);
/// `None` when it was still open after `limit`.
async fn until_closed<S: AsyncRead + Unpin>(s: &mut S, limit: Duration) -> Option<Duration> {
    let t = Instant::now();
    let mut buf = [0u8; 4096];
    loop {
        let left = limit.checked_sub(t.elapsed())?;
        match tokio::time::timeout(left, s.read(&mut buf)).await {
            Ok(Ok(0) | Err(_)) => return Some(t.elapsed()),
            Ok(Ok(_)) => {}
            Err(_) => return None,
        }
    }
}

/// Reads one response (head, then `content-length` bytes) and returns its status and body.
async fn response<S: AsyncRead + Unpin>(s: &mut S) -> (u16, String) {
    let mut data = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        if let Some(end) = data.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&data[..end]).to_ascii_lowercase();
            let status = head[9..12].parse().unwrap();
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .map_or(0, |v| v.trim().parse().unwrap());
            if data.len() >= end + 4 + len {
                let body = String::from_utf8_lossy(&data[end + 4..end + 4 + len]).into_owned();
                return (status, body);
            }
        }
        let n = tokio::time::timeout(Duration::from_secs(10), s.read(&mut buf))
            .await
            .expect("a response within 10 s")
            .unwrap();
        assert!(n > 0, "closed before a whole response: {data:?}");
        data.extend_from_slice(&buf[..n]);
    }
}

/// Stytch's project id and Basic credentials from the server's target file.
fn stytch(server: &RunningServer) -> (String, String) {
    let t: Value = serde_saphyr::from_str(&server.target_yaml()).unwrap();
    let s = &t["apis"]["stytch"];
    let project = s["vars"]["project_id"].as_str().unwrap().to_owned();
    let user = s["auth"]["basic"]["username"].as_str().unwrap();
    let pass = s["auth"]["basic"]["password"].as_str().unwrap();
    use base64::Engine as _;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"));
    (project, basic)
}

fn jwks_request(project: &str) -> String {
    format!("GET /v1/sessions/jwks/{project} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
}

async fn connect(server: &RunningServer) -> TcpStream {
    TcpStream::connect(server.addr()).await.unwrap()
}

async fn tls_connect(server: &RunningServer) -> tokio_rustls::client::TlsStream<TcpStream> {
    let mut roots = RootCertStore::empty();
    let pem = server.ca_pem().unwrap().as_bytes();
    roots
        .add(CertificateDer::from_pem_slice(pem).unwrap())
        .unwrap();
    let config = ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
        .connect(
            ServerName::try_from("localhost").unwrap(),
            connect(server).await,
        )
        .await
        .unwrap()
}

#[tokio::test]
async fn partial_and_trickled_headers_are_closed_at_the_header_timeout() {
    let server = start(opts(Duration::from_millis(400), Duration::from_secs(30)))
        .await
        .unwrap();
    // Many half-open connections: each sent part of a head and nothing more.
    let mut partial = Vec::new();
    for _ in 0..50 {
        let mut s = connect(&server).await;
        s.write_all(b"GET /v1/sessions HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
            .await
            .unwrap();
        partial.push(s);
    }
    // One that never sends a byte.
    let mut silent = connect(&server).await;
    // A slowloris: a byte every 50 ms keeps bytes moving but never finishes the head.
    let mut trickle = connect(&server).await;
    let trickling = tokio::spawn(async move {
        let t = Instant::now();
        for b in b"GET /v1/sessions HTTP/1.1\r\nX-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" {
            if trickle.write_all(&[*b]).await.is_err() {
                return Some(t.elapsed());
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        None
    });
    for s in &mut partial {
        let closed = until_closed(s, Duration::from_secs(5)).await;
        assert!(closed.is_some(), "a partial head kept its connection open");
    }
    let closed = until_closed(&mut silent, Duration::from_secs(5)).await;
    assert!(
        closed.is_some_and(|d| d < Duration::from_secs(3)),
        "{closed:?}"
    );
    let cut = trickling.await.unwrap();
    // Writes fail once the server has closed (a reset); 3 s of trickle were planned.
    assert!(cut.is_some_and(|d| d < Duration::from_secs(2)), "{cut:?}");
    server.shutdown().await;
}

#[tokio::test]
async fn a_slow_but_progressing_client_is_served() {
    // Each pause is under the idle timeout; the head is complete within the header timeout;
    // the whole request takes longer than either.
    let server = start(opts(
        Duration::from_millis(1500),
        Duration::from_millis(600),
    ))
    .await
    .unwrap();
    let (project, basic) = stytch(&server);
    let body = r#"{"session_token": "not-a-session-token-of-this-server"}"#;
    let head = format!(
        "POST /v1/sessions/authenticate HTTP/1.1\r\nHost: 127.0.0.1\r\n\
         Authorization: Basic {basic}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    let t = Instant::now();
    let mut s = connect(&server).await;
    for part in head.as_bytes().chunks(head.len() / 3 + 1) {
        s.write_all(part).await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    for part in body.as_bytes().chunks(6) {
        s.write_all(part).await.unwrap();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (status, text) = response(&mut s).await;
    assert!(
        t.elapsed() > Duration::from_millis(1600),
        "{:?}",
        t.elapsed()
    );
    // The server read the whole body and answered as Stytch does for an unknown token.
    let json: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(status, 404, "{text}");
    assert_eq!(json["status_code"], 404, "{text}");
    // The same connection serves the next request.
    s.write_all(jwks_request(&project).as_bytes())
        .await
        .unwrap();
    assert_eq!(response(&mut s).await.0, 200);
    server.shutdown().await;
}

#[tokio::test]
async fn kept_alive_connections_wait_for_the_idle_timeout_not_the_header_timeout() {
    let server = start(opts(
        Duration::from_millis(300),
        Duration::from_millis(1500),
    ))
    .await
    .unwrap();
    let (project, _) = stytch(&server);
    let mut s = connect(&server).await;
    s.write_all(jwks_request(&project).as_bytes())
        .await
        .unwrap();
    assert_eq!(response(&mut s).await.0, 200);
    // Longer than the header timeout, shorter than the idle timeout.
    tokio::time::sleep(Duration::from_millis(800)).await;
    s.write_all(jwks_request(&project).as_bytes())
        .await
        .unwrap();
    assert_eq!(response(&mut s).await.0, 200);
    let closed = until_closed(&mut s, Duration::from_secs(6)).await;
    assert!(
        closed.is_some_and(|d| d > Duration::from_millis(1200) && d < Duration::from_secs(4)),
        "{closed:?}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_stalled_request_body_is_closed_at_the_idle_timeout() {
    let server = start(opts(Duration::from_secs(10), Duration::from_millis(400)))
        .await
        .unwrap();
    let (_, basic) = stytch(&server);
    let mut s = connect(&server).await;
    let head = format!(
        "POST /v1/sessions/authenticate HTTP/1.1\r\nHost: 127.0.0.1\r\n\
         Authorization: Basic {basic}\r\nContent-Type: application/json\r\n\
         Content-Length: 100\r\n\r\n{{\"session_"
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let closed = until_closed(&mut s, Duration::from_secs(5)).await;
    assert!(
        closed.is_some_and(|d| d >= Duration::from_millis(350)),
        "{closed:?}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn shutdown_is_not_held_up_by_a_half_open_connection() {
    let server = start(opts(Duration::from_millis(500), Duration::from_secs(30)))
        .await
        .unwrap();
    let mut s = connect(&server).await;
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n").await.unwrap();
    let t = Instant::now();
    server.shutdown().await;
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
}

#[tokio::test]
async fn tls_handshakes_and_heads_are_bounded_by_the_header_timeout() {
    let server = start(ServerOptions {
        tls: true,
        ..opts(Duration::from_millis(400), Duration::from_secs(30))
    })
    .await
    .unwrap();
    // No handshake at all.
    let mut raw = connect(&server).await;
    let closed = until_closed(&mut raw, Duration::from_secs(5)).await;
    assert!(
        closed.is_some_and(|d| d < Duration::from_secs(3)),
        "{closed:?}"
    );
    // A handshake, then part of a head.
    let mut s = tls_connect(&server).await;
    s.write_all(b"GET /v1/sessions HTTP/1.1\r\nHost: localhost\r\nX-Slow: ")
        .await
        .unwrap();
    let closed = until_closed(&mut s, Duration::from_secs(5)).await;
    assert!(
        closed.is_some_and(|d| d < Duration::from_secs(3)),
        "{closed:?}"
    );
    // A client that sends its request is served over TLS.
    let (project, _) = stytch(&server);
    let mut s = tls_connect(&server).await;
    s.write_all(jwks_request(&project).as_bytes())
        .await
        .unwrap();
    assert_eq!(response(&mut s).await.0, 200);
    server.shutdown().await;
}

/// `serve` refuses a zero timeout (it would close every connection at once).
#[test]
fn serve_refuses_a_zero_timeout() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_sessconform"))
        .args(["serve", "--addr", "127.0.0.1:0", "--idle-timeout", "0s"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--idle-timeout"), "{err}");
}
