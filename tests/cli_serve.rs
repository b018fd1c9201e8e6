//! `sessconform serve`: writes a target file that `run --target` accepts, serves until Ctrl-C
//! (SIGINT) and then shuts down cleanly with exit code 0.

#![cfg(feature = "server")]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

#[test]
fn serve_writes_a_target_and_stops_cleanly_on_sigint() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target.yaml");
    let mut child = Command::new(env!("CARGO_BIN_EXE_sessconform"))
        .args(["serve", "--addr", "127.0.0.1:0", "--target-out"])
        .arg(&target)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !target.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no target file written"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let text = std::fs::read_to_string(&target).unwrap();
    assert!(text.contains("base_url: \"http://127.0.0.1:"), "{text}");

    let run = Command::new(env!("CARGO_BIN_EXE_sessconform"))
        .args([
            "run", "--color", "never", "--filter", "jwks 200", "--target",
        ])
        .arg(&target)
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&run.stdout);
    assert_eq!(run.status.code(), Some(0), "{out}");
    assert!(out.contains("passed, 0 failed"), "{out}");

    let kill = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "serve did not stop after SIGINT"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0));
    let output = child.wait_with_output().unwrap();
    let printed = String::from_utf8_lossy(&output.stdout);
    assert!(
        printed.contains("/stytch") && printed.contains("/clerk/v1"),
        "summary names the base URLs:\n{printed}"
    );
}
