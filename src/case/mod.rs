//! Suites and cases: the YAML model, its compiled form (`model`), templates and the loader.
//!
//! Loading runs one way: `discover` finds and reads the case files, `parse` turns their YAML
//! into the raw model ([`parse_suites`]), `compile` checks it and builds the validated [`Suite`]s
//! ([`compile_suites`]); every problem is a [`crate::diagnostic::Diagnostic`].

pub(crate) mod compile;
mod discover;
pub mod model;
mod parse;
pub(crate) mod raw;
mod scalar;
mod stream;
pub mod template;

pub use crate::diagnostic::LoadError;
pub use compile::{compile_suites, parse_suite};
pub use discover::{LoadedSuite, MAX_FILE_BYTES, SuiteSource};
pub use model::*;
pub use parse::{ParsedSuites, parse_suites};
pub use scalar::{
    DurationError, JsonPathError, OperandError, parse_duration, parse_jsonpath, parse_operand,
};
pub use stream::{CaseStream, STREAM_BATCH_BYTES, source_bytes};
pub use template::{Scope, TemplateError};

use crate::schema::SchemaStore;

/// Loads every suite of `source`, checking it against the schema store.
pub fn load_suites(
    source: &SuiteSource,
    schemas: &SchemaStore,
) -> Result<Vec<LoadedSuite>, LoadError> {
    compile_suites(parse_suites(source)?, schemas)
}
