//! TEMPORARY placeholder for the schema store (the real one lands from the wt-schema branch).
//! Same public API; compiles one schema per id with no cross-file `$ref`s.

use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value;

/// A schema violation.
#[derive(Debug, Clone)]
pub struct Violation {
    /// JSON Pointer of the offending value ("" = root).
    pub instance_path: String,
    /// Failing keyword.
    pub keyword: String,
    /// Schema path of the failing keyword.
    pub schema_path: String,
    /// Offending value, truncated.
    pub value_excerpt: String,
    /// Message.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: {} (keyword {}, schema {})",
            self.instance_path, self.message, self.keyword, self.schema_path
        )
    }
}

/// Unknown schema id.
#[derive(Debug, thiserror::Error)]
#[error("unknown schema id `{0}`")]
pub struct UnknownSchema(pub String);

/// Compiled schemas by id.
#[derive(Default)]
pub struct SchemaStore {
    validators: BTreeMap<String, jsonschema::Validator>,
}

/// Schema loading error (placeholder).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SchemaError(pub String);

impl SchemaStore {
    /// Placeholder: empty store.
    pub fn load(
        _include_builtin: bool,
        _extra_dirs: &[std::path::PathBuf],
    ) -> Result<Self, SchemaError> {
        Ok(Self::default())
    }

    /// Adds one schema (placeholder API).
    pub fn insert(&mut self, id: &str, schema: &Value) -> Result<(), String> {
        let v = jsonschema::options()
            .should_validate_formats(true)
            .build(schema)
            .map_err(|e| e.to_string())?;
        self.validators.insert(id.to_owned(), v);
        Ok(())
    }
    /// True when the id is known.
    pub fn contains(&self, id: &str) -> bool {
        self.validators.contains_key(id)
    }
    /// Sorted ids.
    pub fn ids(&self) -> Vec<&str> {
        self.validators.keys().map(String::as_str).collect()
    }
    /// Validates an instance.
    pub fn validate(&self, id: &str, instance: &Value) -> Result<Vec<Violation>, UnknownSchema> {
        let v = self
            .validators
            .get(id)
            .ok_or_else(|| UnknownSchema(id.to_owned()))?;
        Ok(v.iter_errors(instance)
            .map(|e| Violation {
                instance_path: e.instance_path().to_string(),
                keyword: String::new(),
                schema_path: e.schema_path().to_string(),
                value_excerpt: e.instance().to_string(),
                message: e.to_string(),
            })
            .collect())
    }
}
