//! A reproducer that works when pasted: for a target with literal credentials (what
//! `serve --target-out` writes) the run lists the variables its curl lines read, and the curl
//! line, run by a shell with those variables set to the target file's values, gets the same
//! status as the case did.

#![cfg(feature = "server")]

use std::collections::BTreeMap;
use std::process::Command;

use sessconform::server::{ServerOptions, start};
use sessconform::target::Credentials;

const CASES: &str = r#"
suite: repro
api: stytch
vars:
  user_id: {}
cases:
  - name: list is 201
    request: {path: /v1/sessions, query: {user_id: "${vars.user_id}"}}
    expect: {status: 201}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pasted_reproducer_gets_the_same_status() {
    if Command::new("curl").arg("--version").output().is_err() {
        assert!(
            std::env::var_os("SESSCONFORM_REQUIRE_REPORT_TOOLS").is_none(),
            "curl is required"
        );
        eprintln!("SKIPPED: curl is not installed");
        return;
    }
    let server = start(ServerOptions::default())
        .await
        .expect("server starts");
    let yaml = server.target_yaml();
    let target = sessconform::target::parse_target("t", &yaml, &BTreeMap::new()).expect("parses");
    let Credentials::Basic { username, password } = &target.apis["stytch"].auth else {
        panic!("the reference target uses Basic auth for Stytch");
    };
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("target.yaml"), &yaml).expect("writes");
    std::fs::write(dir.path().join("cases.yaml"), CASES).expect("writes");
    let d = dir.path().to_owned();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_sessconform"))
            .args(["run", "--color", "never", "--target"])
            .arg(d.join("target.yaml"))
            .arg(d.join("cases.yaml"))
            .env_remove("GITHUB_ACTIONS")
            .output()
            .expect("runs")
    })
    .await
    .expect("joins");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(
        !stdout.contains(&password.value),
        "the password is not printed"
    );
    let curl = stdout
        .lines()
        .skip_while(|l| l.trim() != "reproduce:")
        .nth(1)
        .map(str::trim)
        .unwrap_or_else(|| panic!("a reproducer:\n{stdout}"))
        .to_owned();
    // The variables it reads are listed, with where their values live.
    for (name, field) in [
        (
            "SESSCONFORM_STYTCH_USERNAME",
            "apis.stytch.auth.basic.username",
        ),
        (
            "SESSCONFORM_STYTCH_PASSWORD",
            "apis.stytch.auth.basic.password",
        ),
    ] {
        assert!(curl.contains(&format!("${{{name}}}")), "{curl}");
        assert!(
            stdout.contains(&format!("export {name}=…   # `{field}` in the target file")),
            "{stdout}"
        );
    }
    let (user, pass) = (username.value.clone(), password.value.clone());
    let status = tokio::task::spawn_blocking(move || {
        Command::new("bash")
            .arg("-c")
            .arg(format!("{curl} -o /dev/null -w '%{{http_code}}'"))
            .env("SESSCONFORM_STYTCH_USERNAME", user)
            .env("SESSCONFORM_STYTCH_PASSWORD", pass)
            .output()
            .expect("bash runs")
    })
    .await
    .expect("joins");
    let code = String::from_utf8_lossy(&status.stdout).into_owned();
    assert!(
        code.ends_with("200"),
        "the pasted reproducer gets what the case got (200): {code}\n{}",
        String::from_utf8_lossy(&status.stderr)
    );
}
