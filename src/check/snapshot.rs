//! The `snapshot` check: the body against a golden JSON file, with ignored paths masked.

use std::borrow::Cow;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use serde_json::Value;
use serde_json_path::JsonPath;

use crate::case::plan::SnapshotExpect;
use crate::diff::{canonical_json, text_diff};
use crate::result::{Finding, FindingKind};

use super::compare::json_eq;
use super::{CheckContext, finding};

/// What an ignored value is replaced with, in the body and in the snapshot.
pub(crate) const IGNORED: &str = "[ignored]";

/// Compares `body` with the snapshot file, writing it instead when asked to update.
pub(crate) fn check(s: &SnapshotExpect, body: &Value, ctx: &CheckContext<'_>, out: &mut Vec<Finding>) {
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
        Err(e) => return out.push(fail(format!("failed to read snapshot {}: {e}", path.display()), None)),
    };
    let actual = masked(body, &s.ignore);
    let Some(text) = stored else {
        if ctx.update_snapshots {
            if let Err(e) = write(&path, &actual) {
                out.push(fail(e, None));
            }
        } else {
            out.push(fail(
                format!("snapshot missing: run with --update-snapshots to create {}", path.display()),
                None,
            ));
        }
        return;
    };
    let expected = match serde_json::from_str::<Value>(&text) {
        Ok(mut v) => {
            mask(&mut v, &s.ignore);
            v
        }
        Err(_) if ctx.update_snapshots => Value::Null,
        Err(e) => return out.push(fail(format!("snapshot {} is not valid JSON: {e}", path.display()), None)),
    };
    if !expected.is_null() && json_eq(&expected, &actual) {
        return;
    }
    if ctx.update_snapshots {
        if let Err(e) = write(&path, &actual) {
            out.push(fail(e, None));
        }
        return;
    }
    let diff = text_diff(&canonical_json(&expected), &canonical_json(&actual));
    out.push(fail(format!("body differs from snapshot {}", path.display()), diff));
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
        let pointers: Vec<String> = path.query_located(v).locations().map(|l| l.to_json_pointer()).collect();
        for p in pointers {
            if let Some(slot) = v.pointer_mut(&p) {
                *slot = Value::String(IGNORED.to_owned());
            }
        }
    }
}

fn write(path: &Path, v: &Value) -> Result<(), String> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("failed to create {}: {e}", dir.display()))?;
    }
    let mut text = canonical_json(v);
    text.push('\n');
    std::fs::write(path, text).map_err(|e| format!("failed to write snapshot {}: {e}", path.display()))
}
