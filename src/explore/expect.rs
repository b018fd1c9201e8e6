//! Small builders for the `request:` / `expect:` / `capture:` mappings every API model writes.

use serde_json::{Map, Value, json};

use super::api::StepSpec;

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

/// The default mint recipe of a Stytch-style suite: `POST ${vars.mint_path}` with `body`,
/// capturing `token`, `jwt` and the session's id as `id_name` (from `id_path`) — the names a
/// target's own recipe must capture too.
pub fn mint_recipe_step(body: Value, id_name: &str, id_path: &str) -> StepSpec {
    let mut capture = Map::new();
    capture.insert("token".into(), secret("$.session_token"));
    capture.insert("jwt".into(), secret("$.session_jwt"));
    capture.insert(id_name.into(), json!(id_path));
    StepSpec {
        name: "POST mint_path".to_owned(),
        mint: false,
        request: post("${vars.mint_path}", body),
        expect: json!({"status": 200, "assert": [a("$.session_token", "length", json!({"min": 1}), "")]}),
        capture,
    }
}

/// A `mint: true` step (the recipe runs in its place; nothing else to write).
pub fn mint_marker(name: String) -> StepSpec {
    StepSpec {
        name,
        mint: true,
        request: Value::Null,
        expect: Value::Null,
        capture: Map::new(),
    }
}
