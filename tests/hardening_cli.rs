//! The binary under hostile conditions (issue 15): `validate` caps its input and bounds its
//! output.

#![cfg(all(unix, feature = "server"))]

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};


fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sessconform"));
    c.env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_WORKSPACE");
    c
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn write(dir: &Path, name: &str, body: &str) -> std::path::PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, body).unwrap();
    p
}

#[test]
fn validate_refuses_a_file_over_the_cap_without_reading_it() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.json");
    let mut f = std::fs::File::create(&big).unwrap();
    f.write_all(b"[").unwrap();
    f.write_all(&b"0,".repeat(600_000)).unwrap();
    f.write_all(b"0]").unwrap();
    let out = bin()
        .args([
            "validate",
            "--schema",
            "stytch/sessions-get-response",
            "--body-cap",
            "1MiB",
        ])
        .arg(&big)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("is larger than --body-cap (1048576 bytes)"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn validate_prints_the_first_violations_and_counts_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let mut body = String::from(r#"{"request_id":"r","status_code":200,"sessions":["#);
    body.push_str(&vec!["{}"; 300_000].join(","));
    body.push_str("]}");
    let file = write(dir.path(), "m.json", &body);
    let start = Instant::now();
    let out = bin()
        .args(["validate", "--schema", "stytch/sessions-get-response"])
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("violations"), "{stdout}");
    assert!(stdout.contains(": at least "), "{stdout}");
    assert!(stdout.contains("checking stopped after"), "{stdout}");
    assert!(
        stdout.lines().count() < 60,
        "{} lines",
        stdout.lines().count()
    );
}
