//! Suites and cases: the YAML model, its validated plan form, templates and the loader.

pub mod load;
pub mod plan;
mod raw;
pub mod template;

pub use load::{LoadError, load_suites, SuiteSource};
pub use plan::*;
pub use template::{Scope, TemplateError};
