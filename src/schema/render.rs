//! Plain-text rendering of violations with a short excerpt of the body around each failing path.

use std::fmt::Write as _;

use serde_json::Value;

use super::violation::{Violation, excerpt};

/// Members shown on each side of the offending one.
const WINDOW: usize = 3;
/// Members shown when no single member is at fault (e.g. a missing required property).
const HEAD: usize = 8;
/// Longest rendering of one member's value in an excerpt.
const MEMBER_MAX: usize = 80;

/// Keywords that fault the object itself rather than one of its members.
const OBJECT_KEYWORDS: &[&str] = &[
    "required",
    "additionalProperties",
    "unevaluatedProperties",
    "dependentRequired",
    "minProperties",
    "maxProperties",
    "propertyNames",
];

/// Renders each violation on its own line followed by an excerpt of `body` around its path:
/// the enclosing object or array, one member per line, the offending member marked with `>`.
pub fn render_violations(body: &Value, violations: &[Violation]) -> String {
    let mut out = String::new();
    for v in violations {
        let _ = writeln!(out, "{v}");
        render_context(body, v, &mut out);
    }
    out
}

fn render_context(body: &Value, v: &Violation, out: &mut String) {
    let path = v.instance_path.as_str();
    let faults_container = OBJECT_KEYWORDS.contains(&v.keyword.as_str())
        && body.pointer(path).is_some_and(Value::is_object);
    let (container_path, marked) = if faults_container || path.is_empty() {
        (path, None)
    } else {
        match path.rfind('/') {
            Some(i) => (&path[..i], Some(unescape(&path[i + 1..]))),
            None => (path, None),
        }
    };
    let Some(container) = body.pointer(container_path) else {
        return;
    };
    let label = if container_path.is_empty() {
        "(root)"
    } else {
        container_path
    };
    match container {
        Value::Object(map) => {
            let members: Vec<(String, &Value)> = map
                .iter()
                .map(|(k, v)| (serde_json::to_string(k).unwrap_or_default(), v))
                .collect();
            let mark = marked
                .as_deref()
                .and_then(|m| map.keys().position(|k| k == m));
            let _ = writeln!(out, "    {label} = {{");
            members_block(&members, mark, true, out);
            out.push_str("    }\n");
        }
        Value::Array(items) => {
            let members: Vec<(String, &Value)> = items.iter().map(|v| (String::new(), v)).collect();
            let mark = marked
                .as_deref()
                .and_then(|m| m.parse::<usize>().ok())
                .filter(|i| *i < items.len());
            let _ = writeln!(out, "    {label} = [");
            members_block(&members, mark, false, out);
            out.push_str("    ]\n");
        }
        scalar => {
            let _ = writeln!(out, "    {label} = {}", excerpt(scalar, MEMBER_MAX));
        }
    }
}

fn members_block(members: &[(String, &Value)], mark: Option<usize>, keyed: bool, out: &mut String) {
    let (start, end) = match mark {
        Some(i) => (
            i.saturating_sub(WINDOW),
            (i + WINDOW + 1).min(members.len()),
        ),
        None => (0, HEAD.min(members.len())),
    };
    if start > 0 {
        let _ = writeln!(out, "        … {start} more");
    }
    for (i, (key, value)) in members.iter().enumerate().take(end).skip(start) {
        let marker = if Some(i) == mark { "    > " } else { "      " };
        let comma = if i + 1 < members.len() { "," } else { "" };
        let value = excerpt(value, MEMBER_MAX);
        if keyed {
            let _ = writeln!(out, "{marker}  {key}: {value}{comma}");
        } else {
            let _ = writeln!(out, "{marker}  {value}{comma}");
        }
    }
    if end < members.len() {
        let _ = writeln!(out, "        … {} more", members.len() - end);
    }
}

fn unescape(segment: &str) -> String {
    segment.replace("~1", "/").replace("~0", "~")
}
