//! `sessconform explore` on the command line: exit codes, the printed seed, the written case,
//! the reports (one test per distinct failure plus one for the exploration), read-only mode.

#![cfg(feature = "server")]

use std::process::Command;

use sessconform::server::{Fault, RunningServer, ServerOptions, start};

fn bin(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sessconform"))
        .args(args)
        .env_remove("SESSCONFORM_TARGET")
        .env_remove("SESSCONFORM_BASE_URL")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

async fn server(fault: Fault) -> RunningServer {
    start(ServerOptions {
        faults: [fault].into_iter().collect(),
        ..ServerOptions::default()
    })
    .await
    .unwrap()
}

#[test]
fn clean_embedded_server_exits_0_and_prints_the_seed() {
    let (code, out, err) = bin(&["explore", "--budget", "80", "--seed", "42"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(err.contains("seed 42 (re-run with --seed 42)"), "{err}");
    assert!(err.contains("0 failures"), "{err}");
    assert!(out.contains("PASS  explore-stytch::exploration"), "{out}");
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["explore", "--budget", "soon"][..],
        &["explore", "--quiet", "--verbose"][..],
        &["explore", "-q", "-v"][..],
        &["explore", "--budget", "0"][..],
        &["explore", "--max-failures", "0"][..],
    ] {
        let (code, out, err) = bin(args);
        assert_eq!(code, 2, "{args:?}\n{out}\n{err}");
        assert!(err.contains("error"), "{args:?}: {err}");
    }
}

#[test]
fn quiet_leaves_out_the_passing_line_and_verbose_keeps_it() {
    let (code, out, err) = bin(&["explore", "--budget", "40", "-q"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(!out.contains("PASS  explore-stytch::exploration"), "{out}");
    assert!(err.contains("0 failures"), "the summary stays: {err}");
    let (code, out, err) = bin(&["explore", "--budget", "40", "--verbose"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("PASS  explore-stytch::exploration"), "{out}");
}

#[test]
fn clerk_and_b2b_explore_the_embedded_server() {
    for (api, suite) in [
        ("clerk", "explore-clerk"),
        ("stytch-b2b", "explore-stytch-b2b"),
    ] {
        let (code, out, err) = bin(&["explore", "--api", api, "--budget", "80", "--seed", "5"]);
        assert_eq!(code, 0, "{api}\n{out}\n{err}");
        assert!(
            out.contains(&format!("PASS  {suite}::exploration")),
            "{api}: {out}"
        );
        assert!(err.contains("seed 5 (re-run with --seed 5)"), "{err}");
    }
}

#[test]
fn mutating_needs_mint_path() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("t.yaml");
    std::fs::write(
        &target,
        "apis:\n  stytch:\n    base_url: http://127.0.0.1:9\n",
    )
    .unwrap();
    let t = target.display().to_string();
    let (code, _, err) = bin(&["explore", "--target", &t, "--allow-mutating"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("mint_path"), "{err}");
    // Read-only against a closed port: nothing could run, exit 3 (never green).
    let (code, out, err) = bin(&[
        "explore",
        "--target",
        &t,
        "--budget",
        "5",
        "--timeout",
        "2s",
    ]);
    assert_eq!(code, 3, "{out}\n{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failure_exits_1_writes_the_case_and_the_reports() {
    let srv = server(Fault::ReviveOnExtend).await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target.yaml");
    std::fs::write(&target, srv.target_yaml()).unwrap();
    let t = target.display().to_string();
    let found = dir.path().join("found");
    let reports = dir.path().join("reports");
    let (f, r) = (found.display().to_string(), reports.display().to_string());
    let (code, out, err) = tokio::task::spawn_blocking(move || {
        bin(&[
            "explore",
            "--target",
            &t,
            "--allow-mutating",
            "--out",
            &f,
            "--reports",
            &r,
        ])
    })
    .await
    .unwrap();
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(out.contains("shrunk from"), "{out}");
    let case = std::fs::read_to_string(found.join("explore-1-1.yaml")).unwrap();
    assert!(case.contains("session_duration_minutes"), "{case}");
    assert!(case.contains("cleanup:"), "{case}");
    let junit = std::fs::read_to_string(reports.join("junit.xml")).unwrap();
    assert_eq!(junit.matches("<testcase").count(), 2, "{junit}");
    assert!(junit.contains("exploration"), "{junit}");
    let html = std::fs::read_to_string(reports.join("index.html")).unwrap();
    assert!(
        html.contains("revoke session_id s0"),
        "the shrunk sequence is in the HTML"
    );
    let json = std::fs::read_to_string(reports.join("report.json")).unwrap();
    assert!(json.contains("curl"), "reproducers in the JSON report");
    // The revived session's fresh JWT (in a 200 the model expected to be a 404) is redacted
    // like every other: no JWT (`eyJ…` header) in any output.
    for (name, text) in [
        ("stdout", &out),
        ("junit", &junit),
        ("html", &html),
        ("json", &json),
        ("case", &case),
    ] {
        assert!(!text.contains("eyJ"), "a JWT leaked into {name}");
    }
    assert!(json.contains("***"), "secrets are shown redacted");
    srv.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_exploration_finds_lenient_auth_without_minting() {
    let srv = server(Fault::LenientAuth).await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target.yaml");
    std::fs::write(&target, srv.target_yaml()).unwrap();
    let t = target.display().to_string();
    let (code, out, err) = tokio::task::spawn_blocking(move || bin(&["explore", "--target", &t]))
        .await
        .unwrap();
    assert_eq!(code, 1, "{out}\n{err}");
    assert!(err.contains("read-only operations"), "{err}");
    assert!(out.contains("list wrong secret"), "{out}");
    assert!(
        !out.contains("name: \"mint\""),
        "no mint in a read-only exploration:\n{out}"
    );
    srv.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_clerk_and_b2b_explorations_create_nothing() {
    let srv = server(Fault::LenientAuth).await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target.yaml");
    std::fs::write(&target, srv.target_yaml()).unwrap();
    for (api, created) in [("clerk", "\"POST\""), ("stytch-b2b", "__sessconform")] {
        let t = target.display().to_string();
        let (code, out, err) = tokio::task::spawn_blocking(move || {
            bin(&["explore", "--api", api, "--target", &t, "--budget", "400"])
        })
        .await
        .unwrap();
        assert_eq!(code, 1, "{api}: {out}\n{err}");
        assert!(err.contains("read-only operations"), "{api}: {err}");
        assert!(
            out.contains("wrong"),
            "{api}: lenient-auth found by a wrong-credential list: {out}"
        );
        assert!(
            !out.contains(created),
            "{api}: no session created in a read-only exploration:\n{out}"
        );
    }
    srv.shutdown().await;
}
