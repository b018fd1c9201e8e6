//! Schema store: loads every `specs/**/*.json` (built-in and `--specs` directories), resolves
//! `$ref`s locally, compiles each schema once and validates JSON bodies into [`Violation`]s.

mod error;
mod load;
mod refs;
mod render;
mod store;
pub mod versioned;
mod violation;

#[cfg(test)]
mod tests;

pub use error::{SchemaError, UnknownSchema};
pub use load::BASE_URI;
pub use render::render_violations;
pub use store::{Limits, SchemaStore, Violations};
pub use violation::{EXCERPT_MAX, Violation, excerpt};
