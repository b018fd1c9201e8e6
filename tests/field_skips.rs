//! A run that tests nothing must not look green: skips are grouped by cause in the summary and
//! the reports, `--fail-on-skip` / `--max-skipped N` (and the harness's `fail_on_skip`) make
//! them fail the gate, and `run` / `lint --target` point at misspelled and missing target vars.

#![cfg(feature = "server")]

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::Value;
use sessconform::server::{RunningServer, ServerOptions, start};

/// The reference server's own target file, with `mint_path` misspelled for the Stytch API and
/// without the Clerk API.
async fn partial_target() -> (RunningServer, tempfile::TempDir, std::path::PathBuf) {
    let server = start(ServerOptions::default())
        .await
        .expect("server starts");
    let yaml = server.target_yaml();
    let mut out = String::new();
    let mut in_clerk = false;
    let mut renamed = false;
    for line in yaml.lines() {
        if line.starts_with("  clerk:") {
            in_clerk = true;
            continue;
        }
        if in_clerk && (line.starts_with("    ") || line.starts_with("  #")) {
            continue;
        }
        in_clerk = false;
        if line.starts_with("sdk:") {
            break;
        }
        if !renamed && line.trim_start().starts_with("mint_path:") {
            out.push_str(&line.replace("mint_path:", "mint_pth:"));
            renamed = true;
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    assert!(renamed, "the target sets mint_path:\n{yaml}");
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("partial.yaml");
    std::fs::write(&path, out).expect("writes");
    (server, dir, path)
}

fn sessconform(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sessconform"))
        .args(args)
        .env_remove("GITHUB_ACTIONS")
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn skips_are_grouped_warned_about_and_can_fail_the_gate() {
    let (_server, dir, target) = partial_target().await;
    let target = target.to_str().expect("utf-8 path").to_owned();
    let json = dir.path().join("report.json");
    let json_s = json.to_str().expect("utf-8 path").to_owned();
    let (code, stdout, stderr) = tokio::task::spawn_blocking({
        let (target, json_s) = (target.clone(), json_s.clone());
        move || {
            sessconform(&[
                "run", "--color", "never", "--target", &target, "--json", &json_s,
            ])
        }
    })
    .await
    .expect("joins");
    // Green by default, but never silently.
    assert_eq!(code, 0, "{stdout}\n{stderr}");
    assert!(
        stderr.contains(
            "warning: target var `mint_pth` (api stytch) is not used by any case; did you mean `mint_path`?"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("need var `mint_path` (api stytch), which the target does not set: they will be skipped; did you mean `mint_pth`?"),
        "{stderr}"
    );
    let report: Value =
        serde_json::from_slice(&std::fs::read(&json).expect("report")).expect("JSON");
    let by: BTreeMap<String, u64> =
        serde_json::from_value(report["summary"]["skipped_by"].clone()).expect("a map");
    let clerk = by.get("need api clerk").copied().unwrap_or(0);
    let token = by
        .get("need var mint_path (api stytch)")
        .copied()
        .unwrap_or(0);
    assert!(clerk >= 40, "{by:?}");
    assert!(token >= 3, "{by:?}");
    assert_eq!(
        by.values().sum::<u64>(),
        report["summary"]["skipped"].as_u64().expect("count"),
        "the groups add up"
    );
    let summary_line = stdout
        .lines()
        .find(|l| l.contains(" skipped: "))
        .unwrap_or_else(|| panic!("a grouped skip line:\n{stdout}"));
    assert!(
        summary_line.contains(&format!("{clerk} need api clerk"))
            && summary_line.contains(&format!("{token} need var mint_path (api stytch)")),
        "{summary_line}"
    );

    // The gate: any skip fails it with --fail-on-skip, too many with --max-skipped.
    let skipped = report["summary"]["skipped"].as_u64().expect("count");
    let (code, _, stderr) = tokio::task::spawn_blocking({
        let target = target.clone();
        move || {
            sessconform(&[
                "run",
                "--color",
                "never",
                "--target",
                &target,
                "--fail-on-skip",
            ])
        }
    })
    .await
    .expect("joins");
    assert_eq!(code, 3, "{stderr}");
    assert!(stderr.contains("more than 0 allowed"), "{stderr}");
    let max_ok = skipped.to_string();
    let max_low = (skipped - 1).to_string();
    let (ok, low) = tokio::task::spawn_blocking({
        let target = target.clone();
        move || {
            let base = [
                "run",
                "--color",
                "never",
                "--target",
                &target,
                "--max-skipped",
            ];
            let ok = sessconform(&[&base[..], &[max_ok.as_str()]].concat()).0;
            let low = sessconform(&[&base[..], &[max_low.as_str()]].concat()).0;
            (ok, low)
        }
    })
    .await
    .expect("joins");
    assert_eq!((ok, low), (0, 3));

    // lint --target gives the same advice without running anything.
    let (code, _, stderr) =
        tokio::task::spawn_blocking(move || sessconform(&["lint", "--target", &target]))
            .await
            .expect("joins");
    assert_eq!(code, 0);
    assert!(stderr.contains("did you mean `mint_path`?"), "{stderr}");
}

#[test]
fn the_harness_fails_skipped_cases_when_asked() {
    // A base URL for Stytch only: every Clerk and B2B case, and every case needing a var, skips.
    let harness = sessconform::harness::Harness::new().base_url("stytch=http://127.0.0.1:9");
    let args = libtest_mimic::Arguments {
        test_threads: Some(1),
        quiet: true,
        filter: Some("clerk::jwks".to_owned()),
        ..Default::default()
    };
    let ignored = harness.clone().run_with_args(&args);
    assert_eq!((ignored.num_failed, ignored.num_passed), (0, 0));
    assert!(ignored.num_ignored >= 1);
    let failing = harness.fail_on_skip(true).run_with_args(&args);
    assert_eq!(failing.num_failed, ignored.num_ignored, "every skip fails");
}
