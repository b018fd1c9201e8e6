//! Suites and cases: the YAML model, its validated plan form, templates and the loader.

pub mod load;
mod parse;
pub mod plan;
mod raw;
pub mod template;

pub use load::{
    LoadError, LoadedSuite, ParsedSuites, SuiteSource, compile_suites, load_suites, parse_suites,
};
pub use plan::*;
pub use template::{Scope, TemplateError};
