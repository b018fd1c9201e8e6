//! Suites and cases: the YAML model, its validated plan form, templates and the loader.

pub mod load;
pub mod plan;
mod raw;
pub mod template;

pub use load::{LoadError, SuiteSource, load_suites};
pub use plan::*;
pub use template::{Scope, TemplateError};
