//! `spec import`: one component (or one operation's response body) of an OpenAPI document as a
//! self-contained JSON Schema 2020-12 document under our id scheme, every referenced component in
//! its `$defs` (so cycles are plain references), citing its source in `description` and
//! `x-source`.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::convert::{Converter, Profile};
use super::error::SpecError;
use super::openapi::OpenApi;
use crate::schema::BASE_URI;

/// What to import.
#[derive(Debug, Clone, Copy)]
pub enum Target<'a> {
    /// `components.schemas.<name>`.
    Component(&'a str),
    /// The JSON body of one response: `operation` is `METHOD /path`, `status` e.g. `200`.
    Operation {
        /// `GET /v1/sessions`.
        operation: &'a str,
        /// `200`, `4XX` or `default`.
        status: &'a str,
    },
}

/// One generated schema document.
#[derive(Debug, Clone)]
pub struct Imported {
    /// Short id (`my/session`, or `strict/my/session` for the strict profile).
    pub id: String,
    /// The JSON Schema document.
    pub schema: Value,
    /// True when the operation had no schema and the schema was inferred from its example.
    pub inferred_from_example: bool,
}

/// Imports `target` from `api` as schema `id` in `profile`.
pub fn import(
    api: &OpenApi,
    target: Target<'_>,
    id: &str,
    profile: Profile,
) -> Result<Imported, SpecError> {
    check_id(id)?;
    let mut converter = Converter {
        dialect: api.dialect,
        profile,
        file: &api.file_name,
        referenced: BTreeMap::new(),
    };
    let mut inferred_from_example = false;
    let (root, cited, source) = match target {
        Target::Component(name) => {
            let schema = api.component(name)?;
            let root = converter.convert(schema, &format!("/components/schemas/{name}"))?;
            let source =
                json!({"file": api.file_name, "component": name, "version": api.info_version});
            (root, format!("components.schemas.{name}"), source)
        }
        Target::Operation { operation, status } => {
            let response = api.response(operation, status)?;
            let root = match (response.schema, response.example) {
                (Some(schema), _) => {
                    converter.convert(schema, &format!("{}/schema", response.pointer))?
                }
                (None, Some(example)) => {
                    inferred_from_example = true;
                    infer(example)
                }
                (None, None) => {
                    return Err(SpecError::MissingOperation {
                        file: api.file_name.clone(),
                        message: format!(
                            "the `{status}` response of {operation} has neither a schema nor an example"
                        ),
                    });
                }
            };
            let source = json!({"file": api.file_name, "operation": operation.trim(), "status": status, "version": api.info_version});
            (
                root,
                format!("{} response {status}", operation.trim()),
                source,
            )
        }
    };
    let defs = collect_defs(api, &mut converter)?;
    Ok(Imported {
        id: match profile {
            Profile::Strict => format!("strict/{id}"),
            Profile::Lenient | Profile::AsWritten => id.to_owned(),
        },
        schema: assemble(
            api,
            root,
            defs,
            Citation {
                cited: &cited,
                source,
                inferred: inferred_from_example,
            },
            profile,
            id,
        ),
        inferred_from_example,
    })
}

/// Converts every component referenced (transitively), each once.
fn collect_defs(
    api: &OpenApi,
    converter: &mut Converter<'_>,
) -> Result<Map<String, Value>, SpecError> {
    let mut defs = Map::new();
    loop {
        let next = converter
            .referenced
            .iter()
            .find(|(n, _)| !defs.contains_key(*n))
            .map(|(n, at)| (n.clone(), at.clone()));
        let Some((name, at)) = next else { break };
        let schema = api.component(&name).map_err(|_| SpecError::BadRef {
            file: api.file_name.clone(),
            reference: format!("#/components/schemas/{name}"),
            at,
            reason: format!("components.schemas has no `{name}`"),
        })?;
        let converted = converter.convert(schema, &format!("/components/schemas/{name}"))?;
        defs.insert(name, converted);
    }
    Ok(defs)
}

/// What the generated document says about where it comes from.
struct Citation<'a> {
    /// `components.schemas.X` or `GET /path response 200`.
    cited: &'a str,
    /// The `x-source` value.
    source: Value,
    /// Inferred from an example rather than converted from a schema.
    inferred: bool,
}

fn assemble(
    api: &OpenApi,
    root: Value,
    defs: Map<String, Value>,
    citation: Citation<'_>,
    profile: Profile,
    id: &str,
) -> Value {
    let Citation {
        cited,
        source,
        inferred,
    } = citation;
    let mut out = Map::new();
    out.insert(
        "$schema".to_owned(),
        json!("https://json-schema.org/draft/2020-12/schema"),
    );
    let full_id = match profile {
        Profile::Strict => format!("{BASE_URI}strict/{id}"),
        Profile::Lenient | Profile::AsWritten => format!("{BASE_URI}{id}"),
    };
    out.insert("$id".to_owned(), Value::String(full_id));
    let mut root = match root {
        Value::Object(m) => m,
        other => Map::from_iter([("allOf".to_owned(), Value::Array(vec![other]))]),
    };
    let title = root
        .remove("title")
        .and_then(|t| t.as_str().map(str::to_owned))
        .unwrap_or_else(|| cited.to_owned());
    out.insert("title".to_owned(), Value::String(title));
    let vendor = root
        .remove("description")
        .and_then(|d| d.as_str().map(str::to_owned))
        .map(|d| format!(" Vendor description: {}", d.trim()))
        .unwrap_or_default();
    let profile_text = match profile {
        Profile::Lenient => "lenient profile (extra properties allowed)",
        Profile::Strict => "strict profile (objects closed with additionalProperties: false)",
        Profile::AsWritten => "additionalProperties as the vendor wrote them",
    };
    let how = if inferred {
        " The operation defines no schema: this one was inferred from the response's example (every member of it required)."
    } else {
        ""
    };
    out.insert(
        "description".to_owned(),
        Value::String(format!(
            "Imported by `sessconform spec import` from {} (OpenAPI {}, info.version {}): {cited}; {profile_text}.{how}{vendor}",
            api.file_name, api.openapi, api.info_version
        )),
    );
    out.insert("x-source".to_owned(), source);
    for (k, v) in root {
        out.insert(k, v);
    }
    if !defs.is_empty() {
        out.insert("$defs".to_owned(), Value::Object(defs));
    }
    Value::Object(out)
}

/// A schema describing `example`'s shape: types, object members (all required), array items
/// from the first element.
fn infer(example: &Value) -> Value {
    match example {
        Value::Null => json!({"type": "null"}),
        Value::Bool(_) => json!({"type": "boolean"}),
        Value::Number(n) if n.is_i64() || n.is_u64() => json!({"type": "integer"}),
        Value::Number(_) => json!({"type": "number"}),
        Value::String(_) => json!({"type": "string"}),
        Value::Array(items) => match items.first() {
            Some(first) => json!({"type": "array", "items": infer(first)}),
            None => json!({"type": "array"}),
        },
        Value::Object(members) => {
            let properties: Map<String, Value> =
                members.iter().map(|(k, v)| (k.clone(), infer(v))).collect();
            let required: Vec<Value> = members.keys().map(|k| Value::String(k.clone())).collect();
            json!({"type": "object", "required": required, "properties": properties})
        }
    }
}

/// An id is a relative path: segments of letters, digits, `.`, `_`, `-`; no `..`, not `strict/…`.
fn check_id(id: &str) -> Result<(), SpecError> {
    let bad = |why: &str| Err(SpecError::Usage(format!("invalid --id {id:?}: {why}")));
    if id.is_empty() {
        return bad("empty");
    }
    if id.starts_with("strict/") {
        return bad("leave out `strict/`: --strict adds it");
    }
    for segment in id.split('/') {
        if segment.is_empty() || segment == "." || segment == ".." {
            return bad("empty, `.` or `..` path segment");
        }
        if !segment
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return bad("use letters, digits, `.`, `_`, `-` and `/`");
        }
    }
    Ok(())
}

/// Pretty JSON with the top-level keys in reading order (`$schema`, `$id`, `title`,
/// `description`, `x-source`, the schema, `$defs` last); nested objects keep serde_json's order.
pub fn to_pretty(schema: &Value) -> String {
    const FIRST: &[&str] = &["$schema", "$id", "title", "description", "x-source"];
    let Some(object) = schema.as_object() else {
        return schema.to_string();
    };
    let mut keys: Vec<&String> = object.keys().collect();
    let rank = |k: &str| match FIRST.iter().position(|f| *f == k) {
        Some(i) => i,
        None if k == "$defs" => FIRST.len() + 2,
        None => FIRST.len() + 1,
    };
    keys.sort_by_key(|k| rank(k));
    let mut out = String::from("{\n");
    for (i, key) in keys.iter().enumerate() {
        let value = serde_json::to_string_pretty(&object[key.as_str()])
            .unwrap_or_default()
            .replace('\n', "\n  ");
        let comma = if i + 1 == keys.len() { "" } else { "," };
        out.push_str(&format!(
            "  {}: {value}{comma}\n",
            Value::String((*key).clone())
        ));
    }
    out.push_str("}\n");
    out
}
