//! `serve --tls`: HTTPS with a certificate from a CA generated at start; clients that trust
//! that CA (from `--ca-out` or the target file) get through, others do not; the built-in suites
//! pass against it with `sessconform run --target`.

#![cfg(feature = "server")]

mod server_support;

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::Value;
use server_support::*;
use sessconform::server::{ServerOptions, start};

fn tls_opts() -> ServerOptions {
    ServerOptions {
        tls: true,
        ..ServerOptions::default()
    }
}

fn client_trusting(pem: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .tls_certs_only(reqwest::Certificate::from_pem_bundle(pem.as_bytes()).unwrap())
        .build()
        .unwrap()
}

#[tokio::test]
async fn https_with_a_fresh_ca_for_localhost_and_127_0_0_1() {
    let server = start(tls_opts()).await.unwrap();
    let port = server.addr().port();
    assert_eq!(server.base_url(), format!("https://127.0.0.1:{port}"));
    let pem = server.ca_pem().expect("a TLS server has a CA").to_owned();
    let client = client_trusting(&pem);
    for host in ["127.0.0.1", "localhost"] {
        let url = format!("https://{host}:{port}/v1/sessions/jwks/{}", {
            let t: Value = serde_saphyr::from_str(&server.target_yaml()).unwrap();
            t["apis"]["stytch"]["vars"]["project_id"]
                .as_str()
                .unwrap()
                .to_owned()
        });
        let r = send(&client, Method::GET, &url, &Auth::None, &[], None).await;
        assert_stytch_ok(&r);
    }
    // A client that does not trust the CA is refused, and so is plain HTTP.
    let stranger = reqwest::Client::builder()
        .no_proxy()
        .tls_certs_only(Vec::new())
        .build()
        .unwrap();
    let err = stranger
        .get(format!("https://127.0.0.1:{port}/v1/nothing"))
        .send()
        .await;
    assert!(err.is_err(), "an untrusted certificate was accepted");
    let plain = reqwest::Client::builder().no_proxy().build().unwrap();
    let r = plain
        .get(format!("http://127.0.0.1:{port}/v1/nothing"))
        .send()
        .await;
    assert!(
        r.is_err() || !r.unwrap().status().is_success(),
        "plain HTTP must not be served"
    );
    // Another server has another CA.
    let other = start(tls_opts()).await.unwrap();
    assert_ne!(other.ca_pem(), server.ca_pem());
    other.shutdown().await;
    server.shutdown().await;
}

#[tokio::test]
async fn target_file_carries_the_ca_and_https_base_urls() {
    let server = start(tls_opts()).await.unwrap();
    let t: Value = serde_saphyr::from_str(&server.target_yaml()).unwrap();
    let base = server.base_url().to_owned();
    assert_eq!(t["apis"]["stytch"]["base_url"], base.as_str());
    assert_eq!(
        t["apis"]["clerk"]["base_url"],
        format!("{base}/clerk/v1").as_str()
    );
    assert_eq!(t["tls"]["ca_pem"], server.ca_pem().unwrap());
    assert_eq!(t["sdk"]["stytch"]["custom_base_url"], base.as_str());
    assert_eq!(
        t["sdk"]["clerk"]["apiUrl"],
        format!("{base}/clerk").as_str()
    );
    // A handshake that never completes does not block other clients.
    let port = server.addr().port();
    let _idle = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    let client = client_trusting(server.ca_pem().unwrap());
    let r = send(
        &client,
        Method::GET,
        &format!("{base}/clerk/v1/nothing"),
        &Auth::None,
        &[],
        None,
    )
    .await;
    assert_clerk_error(&r, 404, "resource_not_found");
    server.shutdown().await;
}

/// `sessconform serve` with `args`, killed on drop.
struct Serve(Child);

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(args: &[&str], wait_for: &std::path::Path) -> Serve {
    let child = Command::new(env!("CARGO_BIN_EXE_sessconform"))
        .arg("serve")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let serve = Serve(child);
    let start = Instant::now();
    while !wait_for.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "serve wrote nothing"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    serve
}

#[test]
fn builtin_suites_pass_strict_against_serve_tls_via_its_target_file() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target.yaml");
    let ca = dir.path().join("ca.pem");
    let ca_arg = ca.to_str().unwrap();
    let target_arg = target.to_str().unwrap();
    let _server = serve(
        &[
            "--tls",
            "--addr",
            "127.0.0.1:0",
            "--ca-out",
            ca_arg,
            "--target-out",
            target_arg,
        ],
        &target,
    );
    let text = std::fs::read_to_string(&target).unwrap();
    assert!(text.contains("base_url: \"https://127.0.0.1:"), "{text}");
    let pem = std::fs::read_to_string(&ca).unwrap();
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"), "{pem}");
    let t: Value = serde_saphyr::from_str(&text).unwrap();
    let ca_file = t["tls"]["ca_file"].as_str().unwrap();
    assert!(std::path::Path::new(ca_file).is_absolute(), "{ca_file}");
    assert_eq!(std::fs::read_to_string(ca_file).unwrap(), pem);
    assert_eq!(t["sdk"]["ca_file"], ca_file);

    let run = Command::new(env!("CARGO_BIN_EXE_sessconform"))
        .args([
            "run", "--color", "never", "--strict", "--target", target_arg,
        ])
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{out}");
    let summary = out.lines().last().unwrap_or_default();
    assert!(summary.contains(" passed, 0 failed"), "{summary}");
    assert!(
        !summary.contains("skipped") && !summary.contains("warning"),
        "{summary}"
    );

    // Without the CA the same target cannot even connect: the CA is what makes it work.
    let no_ca = text
        .lines()
        .filter(|l| !l.starts_with("tls:"))
        .collect::<Vec<_>>()
        .join("\n");
    let bare = dir.path().join("no-ca.yaml");
    std::fs::write(&bare, no_ca).unwrap();
    let run = Command::new(env!("CARGO_BIN_EXE_sessconform"))
        .args([
            "run",
            "--color",
            "never",
            "--filter",
            "stytch::jwks",
            "--target",
        ])
        .arg(&bare)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(3), "could not run: {out}");
}

#[test]
fn ca_out_needs_tls_and_a_bad_ca_file_is_a_configuration_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_sessconform"))
        .args(["serve", "--ca-out", "x.pem"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--tls"));

    let dir = tempfile::tempdir().unwrap();
    let not_pem = dir.path().join("ca.pem");
    std::fs::write(&not_pem, "hello").unwrap();
    for (tls, needle) in [
        ("{ca_file: ca.pem}", "holds no PEM certificate"),
        ("{ca_file: missing.pem}", "failed to read tls.ca_file"),
        ("{}", "needs `ca_file` or `ca_pem`"),
    ] {
        let target = dir.path().join("t.yaml");
        std::fs::write(
            &target,
            format!("tls: {tls}\napis:\n  stytch:\n    base_url: https://127.0.0.1:9\n"),
        )
        .unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_sessconform"))
            .args(["run", "--color", "never", "--target"])
            .arg(&target)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{tls}: {err}");
        assert!(err.contains(needle), "{tls}: {err}");
    }
}
