//! [`SpecError`]: what can go wrong reading an OpenAPI document or importing from it.

use std::path::PathBuf;

/// A problem with an OpenAPI document or with what was asked of it.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    /// The file could not be read.
    #[error("failed to read OpenAPI file {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid YAML (or JSON).
    #[error("{file}:{line}:{column}: invalid OpenAPI YAML: {message}")]
    Yaml {
        /// The file name as given.
        file: String,
        /// 1-based line (0 when the parser gave none).
        line: u64,
        /// 1-based column (0 when the parser gave none).
        column: u64,
        /// What the parser reported.
        message: String,
    },
    /// The document parsed but is not an OpenAPI 3.x document.
    #[error("{file}: not an OpenAPI 3.x document: {message}")]
    NotOpenApi {
        /// The file name as given.
        file: String,
        /// What is missing or wrong.
        message: String,
    },
    /// `components.schemas.<name>` does not exist.
    #[error("{file}: no component `{name}` under components.schemas{hint}")]
    MissingComponent {
        /// The file name as given.
        file: String,
        /// The component asked for.
        name: String,
        /// Close names, formatted as `; did you mean …?`, or empty.
        hint: String,
    },
    /// The operation or its response does not exist, or has no JSON body to import.
    #[error("{file}: {message}")]
    MissingOperation {
        /// The file name as given.
        file: String,
        /// Which part is missing.
        message: String,
    },
    /// A `$ref` points outside the document or at nothing.
    #[error("{file}: $ref {reference:?} at {at} cannot be resolved: {reason}")]
    BadRef {
        /// The file name as given.
        file: String,
        /// The `$ref` as written.
        reference: String,
        /// JSON Pointer of the schema holding it.
        at: String,
        /// Why.
        reason: String,
    },
    /// An argument is malformed (`--operation`, `--id`).
    #[error("{0}")]
    Usage(String),
}
