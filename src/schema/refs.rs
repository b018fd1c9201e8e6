//! Checks, before compiling, that every `$ref` resolves to a loaded document, so a bad reference
//! is reported with its file and JSON Pointer (and every one of them, not only the first).

use std::collections::HashMap;

use percent_encoding::percent_decode_str;
use serde_json::Value;
use url::Url;

use super::error::SchemaError;
use super::load::Document;

/// Keywords whose values are data, not subschemas: a `"$ref"` inside them is not a reference.
const DATA_KEYWORDS: &[&str] = &["enum", "const", "examples", "default"];

/// Keywords whose values map arbitrary names (property names, definition names) to subschemas.
const NAME_MAP_KEYWORDS: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "definitions",
    "dependentSchemas",
];

/// Every schema resource (documents and embedded `$id` subschemas), by absolute URI.
type Resources<'a> = HashMap<String, &'a Value>;

/// Returns one error per unresolvable `$ref` across all documents.
pub(crate) fn check_refs(documents: &[Document]) -> Vec<SchemaError> {
    let mut resources: Resources<'_> = HashMap::new();
    for doc in documents {
        if let Ok(base) = Url::parse(&doc.uri) {
            collect_resources(&doc.value, &base, &mut resources);
        }
    }
    let mut problems = Vec::new();
    for doc in documents {
        check_meta_schema(doc, &resources, &mut problems);
        if let Ok(base) = Url::parse(&doc.uri) {
            let mut pointer = String::new();
            walk(
                &doc.value,
                &base,
                &mut pointer,
                false,
                &resources,
                doc,
                &mut problems,
            );
        }
    }
    problems
}

/// Meta-schemas the validator knows without retrieval.
const KNOWN_DRAFTS: &[&str] = &[
    "http://json-schema.org/draft-04/schema",
    "http://json-schema.org/draft-06/schema",
    "http://json-schema.org/draft-07/schema",
    "https://json-schema.org/draft/2019-09/schema",
    "https://json-schema.org/draft/2020-12/schema",
];

/// A `$schema` must name a known draft or a loaded document: meta-schemas are never fetched.
fn check_meta_schema(doc: &Document, resources: &Resources<'_>, problems: &mut Vec<SchemaError>) {
    let Some(Value::String(uri)) = doc.value.get("$schema") else {
        return;
    };
    let bare = uri.trim_end_matches('#');
    if KNOWN_DRAFTS.contains(&bare) || resources.contains_key(bare) {
        return;
    }
    problems.push(SchemaError::BadRef {
        origin: doc.origin.clone(),
        pointer: "/$schema".to_owned(),
        reference: uri.clone(),
        reason: "neither a known JSON Schema draft nor a loaded schema (meta-schemas are never \
                 fetched over the network)"
            .to_owned(),
    });
}

fn nested_base(value: &Value, base: &Url) -> Url {
    match value.get("$id").and_then(Value::as_str) {
        Some(id) => base.join(id).unwrap_or_else(|_| base.clone()),
        None => base.clone(),
    }
}

fn without_fragment(url: &Url) -> String {
    let mut url = url.clone();
    url.set_fragment(None);
    url.to_string()
}

fn collect_resources<'a>(value: &'a Value, base: &Url, out: &mut Resources<'a>) {
    match value {
        Value::Object(map) => {
            let base = nested_base(value, base);
            if map.contains_key("$id") {
                out.insert(without_fragment(&base), value);
            }
            for (key, child) in map {
                if DATA_KEYWORDS.contains(&key.as_str()) {
                    continue;
                }
                collect_resources(child, &base, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_resources(v, base, out)),
        _ => {}
    }
}

/// `in_name_map`: `value` is the object under `properties` & co, whose keys are names.
fn walk(
    value: &Value,
    base: &Url,
    pointer: &mut String,
    in_name_map: bool,
    resources: &Resources<'_>,
    doc: &Document,
    problems: &mut Vec<SchemaError>,
) {
    match value {
        Value::Object(map) => {
            let base = if in_name_map {
                base.clone()
            } else {
                nested_base(value, base)
            };
            for (key, child) in map {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
                if !in_name_map && (key == "$ref" || key == "$dynamicRef") {
                    if let Value::String(reference) = child {
                        if let Err(reason) = resolve(&base, reference, resources) {
                            problems.push(SchemaError::BadRef {
                                origin: doc.origin.clone(),
                                pointer: pointer.clone(),
                                reference: reference.clone(),
                                reason,
                            });
                        }
                    }
                } else if in_name_map || !DATA_KEYWORDS.contains(&key.as_str()) {
                    let child_is_name_map =
                        !in_name_map && NAME_MAP_KEYWORDS.contains(&key.as_str());
                    walk(
                        child,
                        &base,
                        pointer,
                        child_is_name_map,
                        resources,
                        doc,
                        problems,
                    );
                }
                pointer.truncate(len);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                let len = pointer.len();
                pointer.push('/');
                pointer.push_str(&i.to_string());
                walk(child, base, pointer, false, resources, doc, problems);
                pointer.truncate(len);
            }
        }
        _ => {}
    }
}

fn resolve(base: &Url, reference: &str, resources: &Resources<'_>) -> Result<(), String> {
    let target = base
        .join(reference)
        .map_err(|e| format!("not a valid URI reference ({e})"))?;
    let resource_uri = without_fragment(&target);
    let Some(resource) = resources.get(&resource_uri) else {
        return Err(format!(
            "no loaded schema has $id {resource_uri} (schemas are resolved locally only, never \
             fetched over the network)"
        ));
    };
    let fragment = target.fragment().unwrap_or("");
    if fragment.is_empty() {
        return Ok(());
    }
    let decoded = percent_decode_str(fragment)
        .decode_utf8()
        .map_err(|_| format!("fragment #{fragment} is not valid UTF-8"))?;
    if decoded.starts_with('/') {
        if resource.pointer(&decoded).is_some() {
            Ok(())
        } else {
            Err(format!(
                "JSON Pointer #{decoded} does not exist in {resource_uri}"
            ))
        }
    } else if has_anchor(resource, &decoded) {
        Ok(())
    } else {
        Err(format!("no $anchor {decoded:?} in {resource_uri}"))
    }
}

fn has_anchor(value: &Value, name: &str) -> bool {
    match value {
        Value::Object(map) => {
            ["$anchor", "$dynamicAnchor"]
                .iter()
                .any(|k| map.get(*k).and_then(Value::as_str) == Some(name))
                || map
                    .iter()
                    .filter(|(k, _)| !DATA_KEYWORDS.contains(&k.as_str()))
                    .any(|(_, v)| has_anchor(v, name))
        }
        Value::Array(items) => items.iter().any(|v| has_anchor(v, name)),
        _ => false,
    }
}
