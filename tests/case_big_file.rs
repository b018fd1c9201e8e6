//! Case files beyond the old 4 MiB cap load (a 6 MiB generated suite), while a YAML bomb, however
//! small, is still refused.

use std::process::Command;

fn list(file: &std::path::Path) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_sessconform"))
        .arg("list")
        .arg(file)
        .output()
        .unwrap()
}

#[test]
fn a_six_mib_case_file_loads() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("big.yaml");
    let mut y = String::from("suite: big\napi: bench\ncases:\n");
    let mut n = 0;
    while y.len() < 6 * 1024 * 1024 {
        y.push_str(&format!(
            "  - name: case {n}\n    request: {{path: /v1/sessions}}\n    expect: {{status: 200}}\n"
        ));
        n += 1;
    }
    std::fs::write(&file, &y).unwrap();
    assert!(std::fs::metadata(&file).unwrap().len() > 6 * 1024 * 1024);
    let out = list(&file);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.ends_with(&format!("{n} cases\n")),
        "{}",
        &stdout[stdout.len() - 200..]
    );
    assert!(n > 70_000, "{n}");
}

#[test]
fn a_yaml_bomb_is_still_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("bomb.yaml");
    let mut y = String::from(
        "suite: bomb\napi: bench\nx0: &x0 [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n",
    );
    for i in 1..10 {
        let p = i - 1;
        y.push_str(&format!(
            "x{i}: &x{i} [*x{p},*x{p},*x{p},*x{p},*x{p},*x{p},*x{p},*x{p},*x{p},*x{p}]\n"
        ));
    }
    y.push_str("cases:\n  - name: a\n    request: {path: /}\n");
    std::fs::write(&file, &y).unwrap();
    let out = list(&file);
    assert_eq!(out.status.code(), Some(2), "a bomb loaded");
    assert!(String::from_utf8_lossy(&out.stderr).contains("bomb.yaml"));
}
