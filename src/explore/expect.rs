//! Small builders for the `request:` / `expect:` / `capture:` mappings every API model writes.

use serde_json::{Map, Value, json};

/// One assertion: `{path, OP: value, note?}`.
pub fn a(path: &str, op: &str, value: Value, note: &str) -> Value {
    let mut m = Map::new();
    m.insert("path".into(), json!(path));
    m.insert(op.into(), value);
    if !note.is_empty() {
        m.insert("note".into(), json!(note));
    }
    Value::Object(m)
}

/// A secret capture of `path` (redacted from then on).
pub fn secret(path: &str) -> Value {
    json!({"path": path, "secret": true})
}

/// A `POST` request with a JSON body.
pub fn post(path: &str, body: Value) -> Value {
    json!({"method": "POST", "path": path, "json": body})
}
