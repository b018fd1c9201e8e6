//! Canonical JSON: object keys sorted at every level. The one form that is diffed, compared,
//! saved in snapshots and golden files, and used as a key for uniqueness.

use std::fmt::Write as _;

use serde_json::Value;

/// A copy of `v` with object keys sorted at every level.
pub fn canonical(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            let mut out = serde_json::Map::with_capacity(m.len());
            for k in keys {
                out.insert(k.clone(), canonical(&m[k]));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

/// Renders `v` as canonical JSON text: object keys sorted, pretty-printed with two-space indents.
pub fn canonical_text(v: &Value) -> String {
    let mut out = String::new();
    write_canonical(v, 0, &mut out);
    out
}

fn write_canonical(v: &Value, depth: usize, out: &mut String) {
    match v {
        Value::Array(items) if !items.is_empty() => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                indent(depth + 1, out);
                write_canonical(item, depth + 1, out);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            indent(depth, out);
            out.push(']');
        }
        Value::Object(map) if !map.is_empty() => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            out.push_str("{\n");
            for (i, (k, item)) in entries.iter().enumerate() {
                indent(depth + 1, out);
                out.push_str(&serde_json::to_string(k).unwrap_or_default());
                out.push_str(": ");
                write_canonical(item, depth + 1, out);
                out.push_str(if i + 1 < entries.len() { ",\n" } else { "\n" });
            }
            indent(depth, out);
            out.push('}');
        }
        other => write_scalar(other, out),
    }
}

fn write_scalar(v: &Value, out: &mut String) {
    // Display of a scalar Value (or an empty container) is its compact JSON.
    let _ = write!(out, "{v}");
}

fn indent(depth: usize, out: &mut String) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_sorts_keys_and_indents() {
        let v = json!({"b": [1, {"d": null, "c": "x"}], "a": {}, "e": []});
        let want = "{\n  \"a\": {},\n  \"b\": [\n    1,\n    {\n      \"c\": \"x\",\n      \"d\": null\n    }\n  ],\n  \"e\": []\n}";
        assert_eq!(canonical_text(&v), want);
        assert_eq!(canonical_text(&json!("a\"b")), "\"a\\\"b\"");
    }

    #[test]
    fn the_text_is_the_pretty_print_of_the_sorted_copy() {
        let v =
            json!({"z": [{"b": 1.5, "a": "é\u{0}"}, [], {}], "a": null, "m": {"y": true, "x": -0}});
        assert_eq!(
            canonical_text(&v),
            serde_json::to_string_pretty(&canonical(&v)).unwrap()
        );
    }
}
