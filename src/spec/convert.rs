//! One OpenAPI schema object → one JSON Schema 2020-12 schema: `nullable` to type arrays,
//! `example` to `examples`, boolean exclusive bounds to numbers, `$ref`s to `#/$defs/<name>`,
//! the lenient or strict object profile. Pure: references are only collected, not followed.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::error::SpecError;
use super::openapi::{Dialect, SCHEMA_REF_PREFIX};

/// How closed generated objects are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Profile {
    /// Extra properties allowed (`additionalProperties: false` from the vendor is dropped).
    Lenient,
    /// Every object with `properties` gets `additionalProperties: false` unless it has a schema
    /// for them.
    Strict,
    /// `additionalProperties` exactly as the vendor wrote it (what `spec drift` compares).
    AsWritten,
}

/// Keywords whose value is one schema.
const ONE: &[&str] = &[
    "items",
    "not",
    "additionalItems",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
    "unevaluatedItems",
    "unevaluatedProperties",
];
/// Keywords whose value is a list of schemas.
const LIST: &[&str] = &["allOf", "oneOf", "anyOf", "prefixItems"];
/// Keywords whose value maps names to schemas.
const MAP: &[&str] = &[
    "properties",
    "patternProperties",
    "$defs",
    "dependentSchemas",
];
/// OpenAPI-only keywords with no JSON Schema meaning; dropped.
const DROPPED: &[&str] = &["xml", "externalDocs", "nullable", "example"];

/// The converter's state for one generated document.
pub(crate) struct Converter<'a> {
    pub dialect: Dialect,
    pub profile: Profile,
    pub file: &'a str,
    /// Component names referenced so far (they become `$defs`), each with the JSON Pointer of
    /// the first schema referencing it (for messages).
    pub referenced: BTreeMap<String, String>,
}

impl Converter<'_> {
    /// Converts the schema at JSON Pointer `at` (used in error messages).
    pub fn convert(&mut self, schema: &Value, at: &str) -> Result<Value, SpecError> {
        let Some(object) = schema.as_object() else {
            // `true`/`false` schemas (3.1) stay as they are.
            return Ok(schema.clone());
        };
        if let Some(reference) = object.get("$ref") {
            let reference = reference.as_str().unwrap_or_default();
            let name = self.reference(reference, at)?;
            let target = Value::String(format!("#/$defs/{name}"));
            // 3.0 ignores a `$ref`'s siblings; 3.1 applies them, so keep them there.
            if self.dialect == Dialect::V30 || object.len() == 1 {
                return Ok(Value::Object(Map::from_iter([("$ref".to_owned(), target)])));
            }
            let mut rest = object.clone();
            rest.insert("$ref".to_owned(), target);
            return self.convert_object(&rest, at);
        }
        self.convert_object(object, at)
    }

    fn reference(&mut self, reference: &str, at: &str) -> Result<String, SpecError> {
        let bad = |reason: &str| SpecError::BadRef {
            file: self.file.to_owned(),
            reference: reference.to_owned(),
            at: at.to_owned(),
            reason: reason.to_owned(),
        };
        let Some(name) = reference.strip_prefix(SCHEMA_REF_PREFIX) else {
            return Err(bad(
                "only local references to #/components/schemas/<name> are supported",
            ));
        };
        if name.is_empty() || name.contains('/') {
            return Err(bad("not a component name"));
        }
        let name = name.replace("~1", "/").replace("~0", "~");
        self.referenced
            .entry(name.clone())
            .or_insert_with(|| at.to_owned());
        Ok(name)
    }

    fn convert_object(
        &mut self,
        object: &Map<String, Value>,
        at: &str,
    ) -> Result<Value, SpecError> {
        let mut out = Map::new();
        for (key, value) in object {
            if DROPPED.contains(&key.as_str()) || key.starts_with("x-") {
                continue;
            }
            let here = format!("{at}/{key}");
            let converted = if ONE.contains(&key.as_str()) {
                self.convert(value, &here)?
            } else if key == "additionalProperties" {
                match value {
                    Value::Bool(_) => value.clone(),
                    _ => self.convert(value, &here)?,
                }
            } else if LIST.contains(&key.as_str()) {
                let mut list = Vec::new();
                for (i, item) in value.as_array().into_iter().flatten().enumerate() {
                    list.push(self.convert(item, &format!("{here}/{i}"))?);
                }
                Value::Array(list)
            } else if MAP.contains(&key.as_str()) {
                let mut map = Map::new();
                for (name, item) in value.as_object().into_iter().flatten() {
                    map.insert(name.clone(), self.convert(item, &format!("{here}/{name}"))?);
                }
                Value::Object(map)
            } else if key == "discriminator" {
                self.discriminator(value, &here)?
            } else {
                value.clone()
            };
            out.insert(key.clone(), converted);
        }
        if let Some(example) = object.get("example") {
            if !out.contains_key("examples") {
                out.insert("examples".to_owned(), Value::Array(vec![example.clone()]));
            }
        }
        if self.dialect == Dialect::V30 {
            exclusive_bounds(&mut out);
            if object.get("nullable") == Some(&Value::Bool(true)) {
                out = nullable(out);
            }
        }
        drop_write_only_required(&mut out);
        self.profile_objects(&mut out);
        Ok(Value::Object(out))
    }

    /// Keeps `discriminator` (an annotation in JSON Schema) with its mapping pointed at `$defs`.
    fn discriminator(&mut self, value: &Value, at: &str) -> Result<Value, SpecError> {
        let mut value = value.clone();
        if let Some(mapping) = value.get_mut("mapping").and_then(Value::as_object_mut) {
            for target in mapping.values_mut() {
                if let Some(reference) = target.as_str().filter(|r| r.starts_with('#')) {
                    let name = self.reference(reference, at)?;
                    *target = Value::String(format!("#/$defs/{name}"));
                }
            }
        }
        Ok(value)
    }

    fn profile_objects(&self, out: &mut Map<String, Value>) {
        match self.profile {
            Profile::Lenient => {
                if out.get("additionalProperties") == Some(&Value::Bool(false)) {
                    out.remove("additionalProperties");
                }
            }
            Profile::Strict => {
                let has_composition = ["allOf", "oneOf", "anyOf"]
                    .iter()
                    .any(|k| out.contains_key(*k));
                if out.contains_key("properties")
                    && !out.contains_key("additionalProperties")
                    && !has_composition
                {
                    out.insert("additionalProperties".to_owned(), Value::Bool(false));
                }
            }
            Profile::AsWritten => {}
        }
    }
}

/// OpenAPI 3.0 `nullable: true`: `null` joins the type (and a closed enum); with no type, the
/// schema becomes `anyOf: [schema, {type: null}]`.
fn nullable(mut out: Map<String, Value>) -> Map<String, Value> {
    if let Some(values) = out.get_mut("enum").and_then(Value::as_array_mut) {
        if !values.contains(&Value::Null) {
            values.push(Value::Null);
        }
    }
    match out.get_mut("type") {
        Some(Value::String(t)) => {
            let t = std::mem::take(t);
            out.insert(
                "type".to_owned(),
                Value::Array(vec![Value::String(t), Value::String("null".to_owned())]),
            );
            out
        }
        Some(Value::Array(types)) => {
            if !types.iter().any(|t| t == "null") {
                types.push(Value::String("null".to_owned()));
            }
            out
        }
        _ => {
            let mut annotations = Map::new();
            for key in [
                "description",
                "title",
                "readOnly",
                "writeOnly",
                "deprecated",
                "examples",
            ] {
                if let Some(v) = out.remove(key) {
                    annotations.insert(key.to_owned(), v);
                }
            }
            let null = Value::Object(Map::from_iter([(
                "type".to_owned(),
                Value::String("null".to_owned()),
            )]));
            annotations.insert(
                "anyOf".to_owned(),
                Value::Array(vec![Value::Object(out), null]),
            );
            annotations
        }
    }
}

/// OpenAPI 3.0 `exclusiveMinimum: true` + `minimum: n` → `exclusiveMinimum: n` (same for max).
fn exclusive_bounds(out: &mut Map<String, Value>) {
    for (flag, bound) in [
        ("exclusiveMinimum", "minimum"),
        ("exclusiveMaximum", "maximum"),
    ] {
        match out.get(flag) {
            Some(Value::Bool(true)) => {
                if let Some(n) = out.remove(bound) {
                    out.insert(flag.to_owned(), n);
                } else {
                    out.remove(flag);
                }
            }
            Some(Value::Bool(false)) => {
                out.remove(flag);
            }
            _ => {}
        }
    }
}

/// Generated schemas describe responses: a `writeOnly` property never appears in one, so it
/// cannot be required there (it stays described, marked `writeOnly`).
fn drop_write_only_required(out: &mut Map<String, Value>) {
    let write_only: Vec<String> = out
        .get("properties")
        .and_then(Value::as_object)
        .map(|props| {
            props
                .iter()
                .filter(|(_, p)| p.get("writeOnly") == Some(&Value::Bool(true)))
                .map(|(n, _)| n.clone())
                .collect()
        })
        .unwrap_or_default();
    if write_only.is_empty() {
        return;
    }
    if let Some(required) = out.get_mut("required").and_then(Value::as_array_mut) {
        required.retain(|r| {
            !r.as_str()
                .is_some_and(|r| write_only.iter().any(|w| w == r))
        });
    }
}
