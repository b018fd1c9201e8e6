//! `report merge`: the reports of three `--shard K/3` runs merge into the report of the
//! unsharded run (same cases, verdicts, totals, suites and exit code), in all three formats;
//! matrix runs merge their case × target matrix; a report re-formatted by another tool merges
//! like the original.

#![cfg(feature = "server")]

mod compat_support;

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn sessconform() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_sessconform"));
    c.env_remove("GITHUB_ACTIONS")
        .env_remove("GITHUB_WORKSPACE");
    c
}

/// Two suites, 40 cases: passes, failures, warnings and a declared skip.
fn case_files(dir: &Path) {
    for (suite, n) in [("alpha", 25), ("beta", 15)] {
        let mut y = format!("suite: {suite}\napi: demo\ncases:\n");
        for i in 0..n {
            let (p, extra) = match i % 7 {
                3 => ("/v1/broken", ""),
                5 => (
                    "/v1/ok",
                    "\n      assert:\n        - path: $.request_id\n          matches: \"^request-id-\"\n          level: warn",
                ),
                6 if suite == "beta" => ("/v1/ok", ""),
                _ => ("/v1/ok", ""),
            };
            y.push_str(&format!(
                "  - name: case {i}\n    request: {{path: {p}}}\n    expect:\n      status: 200{extra}\n"
            ));
        }
        y.push_str("  - name: skipped one\n    skip: not here\n    request: {path: /v1/ok}\n");
        std::fs::write(dir.join(format!("{suite}.yaml")), y).unwrap();
    }
}

fn read(p: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(p.join("report.json")).unwrap()).unwrap()
}

fn verdicts(doc: &Value) -> Vec<(String, String, usize)> {
    let mut v: Vec<_> = doc["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["id"].as_str().unwrap().to_owned(),
                c["verdict"].as_str().unwrap().to_owned(),
                c["findings"].as_array().map_or(0, Vec::len),
            )
        })
        .collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_shards_merge_into_the_unsharded_report() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/ok"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"request_id": "req-1"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/broken"))
        .respond_with(
            ResponseTemplate::new(503).set_body_json(json!({"request_id": "request-id-503"})),
        )
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let cases = dir.path().join("cases");
    std::fs::create_dir(&cases).unwrap();
    case_files(&cases);
    let base = format!("demo={}", server.uri());
    let run = |out: &Path, shard: Option<&str>| {
        let mut c = sessconform();
        c.args(["run", "--color", "never"])
            .arg(&cases)
            .args(["--base-url", &base]);
        if let Some(s) = shard {
            c.args(["--shard", s]);
        }
        c.arg("--reports").arg(out).output().unwrap()
    };
    let full_dir = dir.path().join("full");
    let full = run(&full_dir, None);
    assert_eq!(
        full.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&full.stdout)
    );
    let mut shard_dirs = Vec::new();
    let mut sizes = Vec::new();
    for k in 1..=3 {
        let d = dir.path().join(format!("shard-{k}"));
        let out = run(&d, Some(&format!("{k}/3")));
        assert!(matches!(out.status.code(), Some(0 | 1)), "{out:?}");
        sizes.push(read(&d)["summary"]["total"].as_u64().unwrap());
        shard_dirs.push(d);
    }
    // Balanced by case count: 42 cases in shards of 14.
    assert_eq!(sizes, [14, 14, 14]);

    let merged_dir = dir.path().join("merged");
    let merged = sessconform()
        .args(["report", "merge"])
        .arg(&merged_dir)
        .args(&shard_dirs)
        .output()
        .unwrap();
    assert_eq!(
        merged.status.code(),
        full.status.code(),
        "{}",
        String::from_utf8_lossy(&merged.stderr)
    );
    let (want, got) = (read(&full_dir), read(&merged_dir));
    assert_eq!(verdicts(&got), verdicts(&want));
    assert_eq!(got["summary"], want["summary"]);
    assert_eq!(got["summary"]["failed"], 6);
    assert_eq!(got["suites"], want["suites"]);
    assert_eq!(
        got["cases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| &c["id"])
            .collect::<Vec<_>>(),
        want["cases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| &c["id"])
            .collect::<Vec<_>>(),
        "plan order"
    );
    // A failure keeps its finding, source line and exchange through the merge.
    let fail = |doc: &Value| {
        doc["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "alpha::case 3")
            .cloned()
            .unwrap()
    };
    let (f_want, f_got) = (fail(&want), fail(&got));
    assert_eq!(f_got["findings"], f_want["findings"]);
    assert_eq!(
        f_got["exchanges"][0]["request"],
        f_want["exchanges"][0]["request"]
    );
    assert_eq!(
        f_got["findings"][0]["source_line"].as_str().unwrap().trim(),
        "status: 200"
    );
    let junit = std::fs::read_to_string(merged_dir.join("junit.xml")).unwrap();
    assert_eq!(junit.matches("<testcase ").count(), 42);
    assert_eq!(junit.matches("<failure ").count(), 6);
    let html = std::fs::read_to_string(merged_dir.join("index.html")).unwrap();
    assert!(html.contains("id=\"count-total\">42<"));

    // A file that is not a report is a usage error naming it.
    let bogus = dir.path().join("bogus.json");
    std::fs::write(&bogus, "{\"format_version\": 99}").unwrap();
    let bad = sessconform()
        .args(["report", "merge"])
        .arg(dir.path().join("m2"))
        .arg(&bogus)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("bogus.json"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn matrix_shards_merge_their_matrix() {
    use compat_support::{args, bin, fixtures, server, stderr, stdout, target_file};
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (server(&[]).await, server(&["lenient-auth"]).await);
    let (ta, tb) = (
        target_file(dir.path(), &a, "reference"),
        target_file(dir.path(), &b, "lenient"),
    );
    let suites = fixtures().join("stytch");
    let run = |out: std::path::PathBuf, shard: Option<String>| {
        let mut a = args(&[
            &"run",
            &suites,
            &"--target",
            &ta,
            &"--target",
            &tb,
            &"--reports",
            &out,
        ]);
        if let Some(s) = shard {
            a.extend(["--shard".to_owned(), s]);
        }
        bin(a)
    };
    let full_dir = dir.path().join("full");
    let full = run(full_dir.clone(), None).await;
    assert_eq!(
        full.status.code(),
        Some(1),
        "{}{}",
        stdout(&full),
        stderr(&full)
    );
    let mut shard_dirs = Vec::new();
    for k in 1..=3 {
        let d = dir.path().join(format!("shard-{k}"));
        let o = run(d.clone(), Some(format!("{k}/3"))).await;
        assert!(matches!(o.status.code(), Some(0 | 1)), "{}", stderr(&o));
        shard_dirs.push(d);
    }
    let merged_dir = dir.path().join("merged");
    let mut a = args(&[&"report", &"merge", &merged_dir]);
    a.extend(args(
        &shard_dirs
            .iter()
            .map(|d| d as &dyn AsRef<std::ffi::OsStr>)
            .collect::<Vec<_>>(),
    ));
    let merged = bin(a).await;
    assert_eq!(merged.status.code(), Some(1), "{}", stderr(&merged));
    let (want, got) = (read(&full_dir), read(&merged_dir));
    assert_eq!(got["summary"], want["summary"]);
    assert_eq!(verdicts(&got), verdicts(&want));
    // The matrix of the unsharded run: same targets, same rows in the same order, same cells.
    assert_eq!(got["compat"]["kind"], "matrix");
    assert_eq!(got["compat"], want["compat"]);
    let rows = got["compat"]["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 5);
    let html = std::fs::read_to_string(merged_dir.join("index.html")).unwrap();
    assert!(html.contains("lenient"), "the merged page shows the matrix");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reformatted_report_merges_like_the_original() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/v1/ok"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"request_id": "req-1"})))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/v1/broken"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({"request_id": "r"})))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().unwrap();
    let cases = dir.path().join("cases");
    std::fs::create_dir(&cases).unwrap();
    case_files(&cases);
    let out = dir.path().join("run");
    let o = sessconform()
        .args(["run", "--color", "never"])
        .arg(&cases)
        .args(["--base-url", &format!("demo={}", server.uri())])
        .arg("--reports")
        .arg(&out)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    // The same document pretty-printed (as `jq .` would): read whole instead of by lines.
    let pretty = dir.path().join("pretty.json");
    std::fs::write(&pretty, serde_json::to_string_pretty(&read(&out)).unwrap()).unwrap();
    let merge = |input: &Path, to: &Path| {
        sessconform()
            .args(["report", "merge"])
            .arg(to)
            .arg(input)
            .output()
            .unwrap()
    };
    let (m1, m2) = (dir.path().join("m1"), dir.path().join("m2"));
    assert_eq!(merge(&out, &m1).status.code(), Some(1));
    let o2 = merge(&pretty, &m2);
    assert_eq!(
        o2.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o2.stderr)
    );
    let (a, b) = (read(&m1), read(&m2));
    assert_eq!(verdicts(&a), verdicts(&b));
    assert_eq!(a["summary"], b["summary"]);
    assert_eq!(a["summary"], read(&out)["summary"]);
    // A report cut short (a cancelled upload) is a usage error naming the file.
    let text = std::fs::read_to_string(out.join("report.json")).unwrap();
    let cut = dir.path().join("cut.json");
    std::fs::write(&cut, &text.as_bytes()[..text.len() / 2]).unwrap();
    let bad = merge(&cut, &dir.path().join("m3"));
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("cut.json"));
}
