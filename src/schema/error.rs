//! Errors raised while loading schemas or looking one up.

use std::fmt;
use std::path::PathBuf;

/// A problem with the schema files themselves: unreadable, malformed, duplicated or unresolvable.
#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    /// A `--specs` directory (or a file in it) could not be read.
    #[error("failed to read schema path {path}: {source}")]
    Read {
        /// The directory or file that could not be read.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A schema file is not valid JSON.
    #[error("failed to parse schema file {origin}:{line}:{column}: {message}")]
    Parse {
        /// Where the file came from (a path, or `specs/...` for built-in schemas).
        origin: String,
        /// 1-based line of the error.
        line: usize,
        /// 1-based column of the error.
        column: usize,
        /// What the JSON parser reported.
        message: String,
    },
    /// A schema file is valid JSON but not a schema document (an object or a boolean).
    #[error("schema file {origin} is not a JSON Schema document (expected an object)")]
    NotASchema {
        /// Where the file came from.
        origin: String,
    },
    /// A `$id` is not a string or cannot be resolved against the base URI.
    #[error("schema file {origin} has an invalid $id {id:?}: {message}")]
    InvalidId {
        /// Where the file came from.
        origin: String,
        /// The offending `$id` value, as written.
        id: String,
        /// Why it is invalid.
        message: String,
    },
    /// Two files declare the same schema id.
    #[error("duplicate schema id `{id}`: defined in {first} and in {second}")]
    DuplicateId {
        /// The short id both files declare.
        id: String,
        /// The file seen first.
        first: String,
        /// The file seen second.
        second: String,
    },
    /// A `$ref` points at nothing that was loaded (schemas are never fetched over the network).
    #[error("schema file {origin}: $ref {reference:?} at {pointer} cannot be resolved: {reason}")]
    BadRef {
        /// The file holding the `$ref`.
        origin: String,
        /// JSON Pointer of the `$ref` keyword inside the file.
        pointer: String,
        /// The `$ref` value as written.
        reference: String,
        /// Why it does not resolve.
        reason: String,
    },
    /// The schema could not be compiled (invalid keyword value, unresolvable reference, ...).
    #[error("failed to compile schema `{id}` ({origin}): {message}")]
    Compile {
        /// Short id of the schema.
        id: String,
        /// Where the file came from.
        origin: String,
        /// What the compiler reported.
        message: String,
    },
    /// The set of documents could not be registered together.
    #[error("failed to register schemas: {message}")]
    Registry {
        /// What the registry reported.
        message: String,
    },
    /// Several independent problems, reported together so `lint` shows all of them at once.
    #[error("{}", ListDisplay(.0))]
    Multiple(Vec<SchemaError>),
}

impl SchemaError {
    /// Every individual problem (flattening [`SchemaError::Multiple`]).
    pub fn problems(&self) -> Vec<&SchemaError> {
        match self {
            SchemaError::Multiple(all) => all.iter().flat_map(SchemaError::problems).collect(),
            other => vec![other],
        }
    }

    /// Turns a list of problems into one error (`None` when the list is empty).
    pub(crate) fn from_list(mut problems: Vec<SchemaError>) -> Option<SchemaError> {
        match problems.len() {
            0 => None,
            1 => problems.pop(),
            _ => Some(SchemaError::Multiple(problems)),
        }
    }
}

struct ListDisplay<'a>(&'a [SchemaError]);

impl fmt::Display for ListDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} schema problems:", self.0.len())?;
        for problem in self.0 {
            write!(f, "\n  - {problem}")?;
        }
        Ok(())
    }
}

/// A schema id that is not in the store.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown schema id `{id}`{}", suggestion_text(.suggestion))]
pub struct UnknownSchema {
    /// The id that was asked for.
    pub id: String,
    /// The closest known id, if one is close enough to be a likely typo.
    pub suggestion: Option<String>,
}

fn suggestion_text(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(s) => format!(" (did you mean `{s}`?)"),
        None => String::new(),
    }
}
