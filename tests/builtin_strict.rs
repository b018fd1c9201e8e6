//! The built-in suites pass against the embedded reference server with no warnings, also under
//! `--strict` (the bar for mocks and compatible servers), and nothing is skipped.

#![cfg(feature = "server")]

use std::process::Command;

#[test]
fn builtin_suites_pass_strict_with_no_warnings_or_skips() {
    for extra in [&[][..], &["--strict"][..]] {
        let out = Command::new(env!("CARGO_BIN_EXE_sessconform"))
            .args(["run", "--color", "never"])
            .args(extra)
            .output()
            .expect("run the binary");
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{extra:?}:\n{stdout}");
        let summary = stdout.lines().last().unwrap_or_default();
        assert!(summary.contains(" passed, 0 failed"), "{summary}");
        assert!(
            !summary.contains("warning"),
            "warnings in {extra:?}: {summary}"
        );
        assert!(
            !summary.contains("skipped"),
            "skips in {extra:?}: {summary}"
        );
        assert!(!summary.contains("could not run"), "{summary}");
        let passed: usize = summary
            .split_whitespace()
            .next()
            .unwrap_or("0")
            .parse()
            .unwrap_or(0);
        assert!(passed >= 120, "only {passed} cases ran: {summary}");
    }
}
