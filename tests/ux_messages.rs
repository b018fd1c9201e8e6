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
