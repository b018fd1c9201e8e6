//! Suites and cases: the YAML model, its validated plan form, templates and the loader.

pub mod load;
mod parse;
pub mod plan;
mod raw;
mod scalar;
pub mod template;

pub use crate::diagnostic::LoadError;
pub use load::{ParsedSuites, SuiteSource, compile_suites, load_suites, parse_suites};
pub use plan::*;
pub use scalar::{parse_duration, parse_operand};
pub use template::{Scope, TemplateError};
