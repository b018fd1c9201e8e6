//! The `snapshot` check: the body against a golden JSON file, with ignored paths masked.

use std::borrow::Cow;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use serde_json::Value;
use serde_json_path::JsonPath;

use crate::canonical::canonical_text;
use crate::case::model::SnapshotExpect;
use crate::result::{Finding, FindingKind};
use crate::text_diff::text_diff;

use super::ordering::json_eq;
use super::{CheckContext, finding};

/// What an ignored value is replaced with, in the body and in the snapshot.
pub(crate) const IGNORED: &str = "[ignored]";

/// Compares `body` with the snapshot file, writing it instead when asked to update.
pub(crate) fn check(
    s: &SnapshotExpect,
    body: &Value,
    ctx: &CheckContext<'_>,
    out: &mut Vec<Finding>,
) {
    let path = match ctx.snapshot_dir {
        Some(dir) => dir.join(&s.file),
        None => PathBuf::from(&s.file),
    };
    let fail = |message: String, detail: Option<String>| {
        let mut f = finding(FindingKind::Snapshot, s.level, &s.span, ctx.step);
        f.message = message;
        f.path = Some(s.file.clone());
        f.detail = detail;
        f
    };
    let stored = match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(e) if e.kind() == ErrorKind::NotFound => None,
        Err(e) => {
            return out.push(fail(
                format!("failed to read snapshot {}: {e}", path.display()),
                None,
            ));
        }
    };
    let actual = masked(body, &s.ignore);
    let Some(text) = stored else {
        if ctx.update_snapshots {
            if let Err(e) = write(&path, &actual, ctx) {
                out.push(fail(e, None));
            }
        } else {
            out.push(fail(
                format!(
                    "snapshot missing: run with --update-snapshots to create {}",
                    path.display()
                ),
                None,
            ));
        }
        return;
    };
    let expected = match serde_json::from_str::<Value>(&text) {
        Ok(mut v) => {
            mask(&mut v, &s.ignore);
            Some(v)
        }
        Err(_) if ctx.update_snapshots => None,
        Err(e) => {
            return out.push(fail(
                format!("snapshot {} is not valid JSON: {e}", path.display()),
                None,
            ));
        }
    };
    if expected.as_ref().is_some_and(|e| json_eq(e, &actual)) {
        return;
    }
    if ctx.update_snapshots {
        if let Err(e) = write(&path, &actual, ctx) {
            out.push(fail(e, None));
        }
        return;
    }
    let expected = expected.unwrap_or_default();
    let diff = text_diff(&canonical_text(&expected), &canonical_text(&actual));
    out.push(fail(
        format!("body differs from snapshot {}", path.display()),
        diff,
    ));
}

/// The body with ignored paths masked; borrowed when nothing is ignored.
fn masked<'v>(body: &'v Value, ignore: &[(String, JsonPath)]) -> Cow<'v, Value> {
    if ignore.is_empty() {
        return Cow::Borrowed(body);
    }
    let mut v = body.clone();
    mask(&mut v, ignore);
    Cow::Owned(v)
}

fn mask(v: &mut Value, ignore: &[(String, JsonPath)]) {
    for (_, path) in ignore {
        let pointers: Vec<String> = path
            .query_located(v)
            .locations()
            .map(serde_json_path::NormalizedPath::to_json_pointer)
            .collect();
        for p in pointers {
            if let Some(slot) = v.pointer_mut(&p) {
                *slot = Value::String(IGNORED.to_owned());
            }
        }
    }
}

/// Writes the snapshot file, unless it would hold a known secret: snapshot files are committed.
fn write(path: &Path, v: &Value, ctx: &CheckContext<'_>) -> Result<(), String> {
    let mut text = canonical_text(v);
    if let Some(r) = ctx.redactor {
        if r.redact(&text) != text {
            return Err(format!(
                "refusing to write snapshot {}: it would contain a secret; mask that value with `ignore:` in the snapshot expectation",
                path.display()
            ));
        }
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("failed to create {}: {e}", dir.display()))?;
    }
    text.push('\n');
    std::fs::write(path, text)
        .map_err(|e| format!("failed to write snapshot {}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::case::model::Level;
    use crate::check::testutil::*;

    fn expect(file: &str, ignore: &[&str]) -> SnapshotExpect {
        SnapshotExpect {
            file: file.into(),
            ignore: ignore.iter().map(|p| (p.to_string(), jp(p))).collect(),
            level: Level::Fail,
            span: span(),
        }
    }

    fn fixture(dir: &Path, update: bool) -> Fixture {
        let mut t = Fixture::new();
        t.dir = Some(dir.to_path_buf());
        t.update = update;
        t
    }

    fn run(t: &Fixture, e: &SnapshotExpect, body: &Value) -> Vec<Finding> {
        let mut out = Vec::new();
        check(e, body, &t.ctx(), &mut out);
        out
    }

    fn body() -> Value {
        json!({"request_id": "req-1", "sessions": [{"id": "s1", "last_seen": "2024-05-01T10:00:00Z", "status": "active"}]})
    }

    #[test]
    fn missing_snapshot_fails_or_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let e = expect("snaps/list.json", &["$.request_id"]);
        let out = run(&fixture(dir.path(), false), &e, &body());
        assert_eq!(out.len(), 1);
        assert!(
            out[0]
                .message
                .starts_with("snapshot missing: run with --update-snapshots"),
            "{}",
            out[0].message
        );
        assert_eq!(
            (out[0].kind, out[0].path.as_deref()),
            (FindingKind::Snapshot, Some("snaps/list.json"))
        );

        assert!(run(&fixture(dir.path(), true), &e, &body()).is_empty());
        let written = std::fs::read_to_string(dir.path().join("snaps/list.json")).unwrap();
        assert!(written.ends_with("}\n"));
        assert!(
            written.starts_with("{\n  \"request_id\": \"[ignored]\",\n  \"sessions\": ["),
            "{written}"
        );
        // Now it matches, whatever the ignored value.
        let mut other = body();
        other["request_id"] = json!("req-2");
        assert!(run(&fixture(dir.path(), false), &e, &other).is_empty());
    }

    #[test]
    fn changed_body_gives_a_diff_or_is_rewritten() {
        let dir = tempfile::tempdir().unwrap();
        let e = expect("list.json", &["$.request_id", "$.sessions[*].last_seen"]);
        assert!(run(&fixture(dir.path(), true), &e, &body()).is_empty());
        let mut changed = body();
        changed["sessions"][0]["status"] = json!("revoked");
        changed["sessions"][0]["last_seen"] = json!("2024-05-02T00:00:00Z");
        let out = run(&fixture(dir.path(), false), &e, &changed);
        assert_eq!(out.len(), 1);
        assert!(
            out[0].message.starts_with("body differs from snapshot"),
            "{}",
            out[0].message
        );
        let d = out[0].detail.as_deref().unwrap();
        assert!(
            d.contains("-      \"status\": \"active\"\n+      \"status\": \"revoked\"\n"),
            "{d}"
        );
        assert!(!d.contains("2024-05-02"), "ignored values never show: {d}");

        assert!(run(&fixture(dir.path(), true), &e, &changed).is_empty());
        assert!(run(&fixture(dir.path(), false), &e, &changed).is_empty());
    }

    #[test]
    fn invalid_snapshot_file_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("bad.json"), "{oops").unwrap();
        let e = expect("bad.json", &[]);
        let out = run(&fixture(dir.path(), false), &e, &body());
        assert!(
            out[0].message.contains("is not valid JSON"),
            "{}",
            out[0].message
        );
        assert!(run(&fixture(dir.path(), true), &e, &body()).is_empty());
        assert!(run(&fixture(dir.path(), false), &e, &body()).is_empty());
    }

    #[test]
    fn snapshot_null_body_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let e = expect("null.json", &[]);
        assert!(run(&fixture(dir.path(), true), &e, &Value::Null).is_empty());
        assert!(run(&fixture(dir.path(), false), &e, &Value::Null).is_empty());
        assert_eq!(run(&fixture(dir.path(), false), &e, &json!(1)).len(), 1);
    }

    #[test]
    fn a_snapshot_holding_a_secret_is_never_written() {
        let dir = tempfile::tempdir().unwrap();
        let e = expect("snaps/secret.json", &[]);
        let t = fixture(dir.path(), true);
        let mut r = crate::redact::Redactor::default();
        r.add(&crate::target::Secret {
            value: "s1".repeat(5),
            env_name: "S".into(),
        });
        let mut ctx = t.ctx();
        ctx.redactor = Some(&r);
        let mut out = Vec::new();
        check(&e, &json!({"token": "s1s1s1s1s1"}), &ctx, &mut out);
        assert_eq!(out.len(), 1);
        assert!(
            out[0].message.starts_with("refusing to write snapshot"),
            "{}",
            out[0].message
        );
        assert!(!dir.path().join("snaps/secret.json").exists());
        // Masked with `ignore:`, it is written.
        let masked = expect("snaps/secret.json", &["$.token"]);
        let mut out = Vec::new();
        check(&masked, &json!({"token": "s1s1s1s1s1"}), &ctx, &mut out);
        assert!(out.is_empty(), "{out:?}");
        assert!(dir.path().join("snaps/secret.json").exists());
    }
}
