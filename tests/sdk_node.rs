//! The official Stytch (`stytch` 14.2.0) and Clerk (`@clerk/backend` 3.25.0) Node SDKs against
//! `sessconform serve --tls`, configured only from what the server's target file says
//! (`tests/sdk/sdk.mjs`; every non-loopback connection is refused there).
//!
//! Needs `node` and `npm ci` in `tests/sdk`; without them the test says so and passes, unless
//! `SESSCONFORM_REQUIRE_SDK` is set (CI sets it after installing them: see `.ci/run`).

#![cfg(feature = "server")]

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};

/// The whole node script must finish within this.
const NODE_TIMEOUT: Duration = Duration::from_secs(60);

fn sdk_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sdk")
}

/// True when node and the installed SDKs are there. When they are not, say so, and fail
/// instead when `SESSCONFORM_REQUIRE_SDK` is set.
fn sdk_available() -> bool {
    let node = Command::new("node")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    let installed = sdk_dir().join("node_modules/stytch/package.json").exists()
        && sdk_dir()
            .join("node_modules/@clerk/backend/package.json")
            .exists();
    if node && installed {
        return true;
    }
    let msg = if node {
        "SKIPPED: the SDKs are not installed (run `npm ci` in tests/sdk; CI does: see .ci/run)"
    } else {
        "SKIPPED: `node` is not installed (CI installs it: see .ci/run)"
    };
    if std::env::var_os("SESSCONFORM_REQUIRE_SDK").is_some() {
        panic!("{msg}, but SESSCONFORM_REQUIRE_SDK is set");
    }
    eprintln!("{msg}");
    false
}

/// A child process killed on drop.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts `sessconform serve --tls` and returns it with its target file, parsed.
fn serve_tls(dir: &Path) -> (Killed, Value) {
    let target = dir.join("target.yaml");
    let child = Command::new(env!("CARGO_BIN_EXE_sessconform"))
        .args(["serve", "--tls", "--addr", "127.0.0.1:0", "--ca-out"])
        .arg(dir.join("ca.pem"))
        .arg("--target-out")
        .arg(&target)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start sessconform serve");
    let server = Killed(child);
    let start = Instant::now();
    while !target.exists() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "serve wrote no target file"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let text = std::fs::read_to_string(&target).unwrap();
    (server, serde_saphyr::from_str(&text).unwrap())
}

/// The script's environment, taken from the target file's `sdk` block and vars only.
fn node_env(t: &Value) -> Vec<(&'static str, String)> {
    let s = |v: &Value| v.as_str().unwrap_or_else(|| panic!("{v}")).to_owned();
    let sdk = &t["sdk"];
    assert_eq!(
        sdk["stytch"]["custom_base_url"], sdk["stytch-b2b"]["custom_base_url"],
        "one Stytch host"
    );
    let vars: Map<String, Value> = t["apis"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(api, a)| (api.clone(), a["vars"].clone()))
        .collect();
    vec![
        ("STYTCH_BASE_URL", s(&sdk["stytch"]["custom_base_url"])),
        ("STYTCH_PROJECT_ID", s(&sdk["stytch"]["project_id"])),
        ("STYTCH_SECRET", s(&sdk["stytch"]["secret"])),
        ("STYTCH_B2B_PROJECT_ID", s(&sdk["stytch-b2b"]["project_id"])),
        ("STYTCH_B2B_SECRET", s(&sdk["stytch-b2b"]["secret"])),
        ("CLERK_API_URL", s(&sdk["clerk"]["apiUrl"])),
        ("CLERK_SECRET_KEY", s(&sdk["clerk"]["secretKey"])),
        ("NODE_EXTRA_CA_CERTS", s(&sdk["ca_file"])),
        ("SDK_VARS", json!(vars).to_string()),
    ]
}

#[test]
fn official_node_sdks_work_against_serve_tls() {
    if !sdk_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (_server, target) = serve_tls(dir.path());
    let base = target["sdk"]["stytch"]["custom_base_url"].as_str().unwrap();
    assert!(base.starts_with("https://127.0.0.1:"), "{base}");

    let started = Instant::now();
    let mut cmd = Command::new("node");
    cmd.arg("sdk.mjs")
        .current_dir(sdk_dir())
        .env_remove("NODE_OPTIONS")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in node_env(&target) {
        cmd.env(k, v);
    }
    let mut node = Killed(cmd.spawn().expect("start node"));
    let status = loop {
        if let Some(status) = node.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            started.elapsed() < NODE_TIMEOUT,
            "the SDK script took longer than {NODE_TIMEOUT:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    let (mut out, mut err) = (String::new(), String::new());
    if let Some(mut s) = node.0.stdout.take() {
        s.read_to_string(&mut out).unwrap();
    }
    if let Some(mut s) = node.0.stderr.take() {
        s.read_to_string(&mut err).unwrap();
    }
    eprintln!("SDK script: {:?}", started.elapsed());
    assert!(status.success(), "{out}\n{err}");
    assert!(!out.contains("not ok"), "{out}\n{err}");
    let passed = out.lines().filter(|l| l.starts_with("ok - ")).count();
    assert!(passed >= 16, "only {passed} steps ran:\n{out}\n{err}");
    assert!(
        out.ends_with(&format!("{passed} passed, 0 failed\n")),
        "{out}"
    );
}

/// The `<docs:NAME>` blocks of the script, as written.
fn docs_blocks(script: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut current: Option<(String, Vec<&str>)> = None;
    for line in script.lines() {
        let t = line.trim();
        if let Some(name) = t
            .strip_prefix("// <docs:")
            .and_then(|r| r.strip_suffix('>'))
        {
            current = Some((name.to_owned(), Vec::new()));
        } else if t.starts_with("// </docs:") {
            let (name, lines) = current.take().expect("a closing marker has an opening one");
            let indent = lines
                .iter()
                .filter(|l| !l.trim().is_empty())
                .map(|l| l.len() - l.trim_start().len())
                .min()
                .unwrap_or(0);
            let body: Vec<&str> = lines
                .iter()
                .map(|l| l.get(indent..).unwrap_or(""))
                .collect();
            out.push((name, body.join("\n")));
        } else if let Some((_, lines)) = current.as_mut() {
            lines.push(line);
        }
    }
    assert!(current.is_none(), "an unclosed <docs:…> block");
    out
}

#[test]
fn docs_mock_md_shows_the_code_the_sdk_test_runs() {
    let script = std::fs::read_to_string(sdk_dir().join("sdk.mjs")).unwrap();
    let docs = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/mock.md"))
        .unwrap();
    let blocks = docs_blocks(&script);
    let names: Vec<&str> = blocks.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "stytch-clients",
            "clerk-client",
            "mint",
            "stytch-local-jwt",
            "clerk-token"
        ]
    );
    for (name, body) in blocks {
        assert!(
            docs.contains(&body),
            "docs/mock.md lacks the `{name}` block of tests/sdk/sdk.mjs:\n{body}"
        );
    }
}
