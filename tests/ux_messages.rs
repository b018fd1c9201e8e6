//! Messages that point the way: an unknown schema id suggests the closest ids instead of
//! listing all of them.

use std::process::Command;

fn sessconform(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sessconform"))
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn unknown_schema_ids_suggest_the_closest_id() {
    let (code, err) = sessconform(&[
        "validate",
        "--schema",
        "stytch/sessions-get-respons",
        "x.json",
    ]);
    assert_eq!(code, 2);
    assert_eq!(
        err.trim(),
        "error: unknown schema id `stytch/sessions-get-respons` (did you mean `stytch/sessions-get-response`?)"
    );
    let dir = tempfile::tempdir().expect("temp dir");
    let file = dir.path().join("c.yaml");
    std::fs::write(
        &file,
        "suite: s\napi: stytch\ncases:\n  - name: c\n    request: {path: /v1/sessions}\n    expect: {schema: stytch/sesions-get-response}\n",
    )
    .expect("writes");
    let (code, err) = sessconform(&["lint", file.to_str().expect("utf-8")]);
    assert_eq!(code, 2);
    assert!(
        err.contains("unknown schema id `stytch/sesions-get-response`"),
        "{err}"
    );
    assert!(
        err.contains("did you mean `stytch/sessions-get-response`?"),
        "{err}"
    );
    assert!(!err.contains("clerk/token"), "no dump of every id: {err}");
}

fn stdout_of(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_sessconform"))
        .args(args)
        .output()
        .expect("runs");
    assert!(out.status.success(), "{args:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn completions_and_the_man_page_follow_the_flags() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = stdout_of(&["completions", shell]);
        for word in ["fail-on-skip", "max-skipped", "lint", "validate", "diff"] {
            assert!(script.contains(word), "{shell} completion lacks {word}");
        }
    }
    let man = stdout_of(&["man"]);
    assert!(
        man.starts_with(".ie") || man.contains(".TH sessconform 1"),
        "{man}"
    );
    assert!(
        man.contains("completions") && man.contains("validate"),
        "{man}"
    );
    let (code, _) = sessconform(&["completions", "tcsh"]);
    assert_eq!(code, 2, "an unknown shell is a usage error");
}

#[test]
fn the_cli_reads_the_same_environment_as_the_harness() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("binds")
        .local_addr()
        .expect("addr")
        .port();
    let out = Command::new(env!("CARGO_BIN_EXE_sessconform"))
        .args(["run", "--color", "never", "--filter", "stytch::jwks 200"])
        .env(
            "SESSCONFORM_BASE_URL",
            format!("stytch=http://127.0.0.1:{port}"),
        )
        .env("SESSCONFORM_STRICT", "1")
        .env("SESSCONFORM_FAIL_ON_SKIP", "true")
        .env_remove("SESSCONFORM_TARGET")
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    // Not the embedded server: the base URL from the environment, strict, and skips fail.
    assert!(stdout.contains(&format!("127.0.0.1:{port}")), "{stdout}");
    assert!(
        stdout
            .lines()
            .next()
            .is_some_and(|l| l.ends_with("[strict]")),
        "{stdout}"
    );
    assert!(
        stdout.contains("1 need var project_id (api stytch)"),
        "{stdout}"
    );
    assert_eq!(out.status.code(), Some(3), "the skip fails the gate");
}
