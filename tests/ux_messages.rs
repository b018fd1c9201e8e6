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

/// `lint` of `files` (name, text) written to a temporary folder, with `env` set.
fn lint_in_temp(files: &[(&str, &str)], args: &[&str], env: &[(&str, &str)]) -> (i32, String) {
    let dir = tempfile::tempdir().expect("temp dir");
    for (name, text) in files {
        std::fs::write(dir.path().join(name), text).expect("writes");
    }
    let out = Command::new(env!("CARGO_BIN_EXE_sessconform"))
        .arg("lint")
        .args(args)
        .env_remove("SESSCONFORM_UX_UNSET_SECRET")
        .env_remove("SESSCONFORM_UX_UNSET_HOST")
        .envs(env.iter().copied())
        .current_dir(dir.path())
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn configuration_hints_point_to_the_case_format_reference() {
    let (code, err) = lint_in_temp(
        &[(
            "mine.yaml",
            "suite: s\napi: stytch\ncases:\n  - name: c\n    requst: {}\n",
        )],
        &["mine.yaml"],
        &[],
    );
    assert_eq!(code, 2);
    assert!(
        err.contains(
            "= hint: check the spelling; see the case-file reference in docs/case-format.md"
        ),
        "{err}"
    );
    assert!(!err.contains("README"), "{err}");
    let (code, err) = lint_in_temp(
        &[(
            "t.yaml",
            "apis:\n  stytch:\n    base_url: http://127.0.0.1:1\n    header: {}\n",
        )],
        &["--target", "t.yaml"],
        &[],
    );
    assert_eq!(code, 2);
    assert!(err.contains("unknown field `header`"), "{err}");
    assert!(
        err.contains("see the target-file reference in docs/case-format.md#targets"),
        "{err}"
    );
}

#[test]
fn an_unset_env_var_in_a_target_says_which_where_and_how_to_set_it() {
    let target = "apis:\n  stytch:\n    base_url: \"${env.SESSCONFORM_UX_UNSET_HOST}\"\n    auth: {basic: {username: proj, password: \"${env.SESSCONFORM_UX_UNSET_SECRET}\"}}\n";
    let (code, err) = lint_in_temp(&[("t.yaml", target)], &["--target", "t.yaml"], &[]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("error: environment variable `SESSCONFORM_UX_UNSET_HOST` is not set (used by `apis.stytch.base_url`)"),
        "{err}"
    );
    assert!(
        err.contains("error: environment variable `SESSCONFORM_UX_UNSET_SECRET` is not set (used by `apis.stytch.auth.basic.password`)"),
        "{err}"
    );
    assert!(
        err.contains("= hint: set it before running: `export SESSCONFORM_UX_UNSET_SECRET=…`"),
        "{err}"
    );
    // The old, unrelated hints.
    assert!(!err.contains("--var"), "{err}");
    assert!(!err.contains("use `none`"), "{err}");
    assert!(
        !err.contains("base URL"),
        "no base-URL complaint about a value it never had: {err}"
    );
    // Set, they load.
    let (code, err) = lint_in_temp(
        &[("t.yaml", target)],
        &["--target", "t.yaml"],
        &[
            ("SESSCONFORM_UX_UNSET_HOST", "http://127.0.0.1:1"),
            ("SESSCONFORM_UX_UNSET_SECRET", "s"),
        ],
    );
    assert_eq!(code, 0, "{err}");
    // A variable, a header.
    let (code, err) = lint_in_temp(
        &[(
            "t.yaml",
            "vars: {user_id: \"${env.SESSCONFORM_UX_UNSET_HOST}\"}\napis:\n  clerk:\n    base_url: http://127.0.0.1:1\n    headers: {X-Key: \"k-${env.SESSCONFORM_UX_UNSET_SECRET}\"}\n",
        )],
        &["--target", "t.yaml"],
        &[],
    );
    assert_eq!(code, 2);
    assert!(err.contains("(used by `vars.user_id`)"), "{err}");
    assert!(
        err.contains("(used by `apis.clerk.headers.X-Key`)"),
        "{err}"
    );
}
