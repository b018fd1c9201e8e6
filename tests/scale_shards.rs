//! `--shard K/N`: the 126 built-in cases split into shards that differ by at most one case, and
//! `--shard-timings REPORT` balances them by the durations of a previous JSON report instead.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

fn sessconform() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sessconform"));
    c.env_remove("GITHUB_ACTIONS").env("NO_COLOR", "1");
    c
}

/// The case ids `list` prints with `extra` arguments, and its exit code.
fn list(extra: &[&str]) -> (BTreeSet<String>, Option<i32>, String) {
    let o = sessconform().arg("list").args(extra).output().unwrap();
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    let ids = out
        .lines()
        .filter(|l| l.starts_with("  ") && l.contains("::"))
        .filter_map(|l| l.trim().split("  [").next().map(str::to_owned))
        .collect();
    (
        ids,
        o.status.code(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn three_shards_of_the_builtin_cases_differ_by_at_most_one_case() {
    let (all, code, _) = list(&[]);
    assert_eq!(code, Some(0));
    assert_eq!(all.len(), 126);
    let shards: Vec<BTreeSet<String>> = (1..=3)
        .map(|k| list(&["--shard", &format!("{k}/3")]).0)
        .collect();
    let sizes: Vec<usize> = shards.iter().map(BTreeSet::len).collect();
    assert_eq!(sizes, [42, 42, 42]);
    let union: BTreeSet<String> = shards.iter().flatten().cloned().collect();
    assert_eq!(union, all, "every case in exactly one shard");
    for n in [4, 5, 7] {
        let sizes: Vec<usize> = (1..=n)
            .map(|k| list(&["--shard", &format!("{k}/{n}")]).0.len())
            .collect();
        assert_eq!(sizes.iter().sum::<usize>(), 126);
        let (lo, hi) = (sizes.iter().min().unwrap(), sizes.iter().max().unwrap());
        assert!(hi - lo <= 1, "{n} shards: {sizes:?}");
    }
}

/// A JSON report in sessconform's own layout (one case a line) with these durations.
fn report(path: &Path, durations: &[(&str, f64)]) {
    let cases: Vec<String> = durations
        .iter()
        .map(|(id, ms)| {
            let (suite, case) = id.split_once("::").unwrap();
            serde_json::json!({
                "id": id, "suite": suite, "case": case, "api": "stytch", "target": "reference",
                "base_url": "http://127.0.0.1:1", "location": {"file": "x.yaml", "line": 1, "col": 1},
                "verdict": "pass", "duration_ms": ms, "schema_ids": []
            })
            .to_string()
        })
        .collect();
    let head = r#"{
  "format_version": 2,
  "generator": {"name": "sessconform", "version": "0"},
  "run": {"started_at": "2026-01-01T00:00:00Z", "duration_ms": 1.0, "target": "reference",
    "base_urls": [], "strict": false, "interrupted": false, "complete": true,
    "report_exchanges": "failed"},
  "summary": {"total": 0, "passed": 0, "failed": 0, "errors": 0, "skipped": 0, "warnings": 0,
    "skipped_by": {}},
  "suites": []"#;
    let text = format!(
        "{head},\n  \"cases\": [\n    {}\n  ]\n}}\n",
        cases.join(",\n    ")
    );
    std::fs::write(path, text).unwrap();
}

#[test]
fn shard_timings_balance_by_the_reports_durations() {
    let (all, _, _) = list(&[]);
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    // One slow case (as long as all the others together, and more), the rest 10 ms; one case
    // missing from the report counts as the median.
    let slow = all[17];
    let durations: Vec<(&str, f64)> = all
        .iter()
        .skip(1)
        .map(|id| (*id, if *id == slow { 100_000.0 } else { 10.0 }))
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let timings = dir.path().join("report.json");
    report(&timings, &durations);
    let t = timings.to_str().unwrap();
    let shards: Vec<BTreeSet<String>> = (1..=3)
        .map(|k| list(&["--shard", &format!("{k}/3"), "--shard-timings", t]).0)
        .collect();
    // The slow case fills a shard alone; the others share the rest evenly.
    let sizes: Vec<usize> = shards.iter().map(BTreeSet::len).collect();
    assert_eq!(sizes, [1, 63, 62]);
    assert!(shards[0].contains(slow));
    let union: BTreeSet<&str> = shards.iter().flatten().map(String::as_str).collect();
    assert_eq!(union.len(), 126);
    // The same report pretty-printed by another tool reads the same; the folder works too.
    let doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&timings).unwrap()).unwrap();
    let pretty = dir.path().join("pretty.json");
    std::fs::write(&pretty, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
    let again = list(&[
        "--shard",
        "1/3",
        "--shard-timings",
        pretty.to_str().unwrap(),
    ])
    .0;
    assert_eq!(again, shards[0]);
    let from_dir = list(&[
        "--shard",
        "1/3",
        "--shard-timings",
        dir.path().to_str().unwrap(),
    ])
    .0;
    assert_eq!(from_dir, shards[0]);
    // Not a report: a usage error naming the file; without --shard: a usage error too.
    let bogus = dir.path().join("bogus.json");
    std::fs::write(&bogus, "{\"format_version\": 99}").unwrap();
    let (_, code, err) = list(&["--shard", "1/3", "--shard-timings", bogus.to_str().unwrap()]);
    assert_eq!(code, Some(2));
    assert!(err.contains("bogus.json"), "{err}");
    let (_, code, _) = list(&["--shard-timings", t]);
    assert_eq!(code, Some(2));
}
