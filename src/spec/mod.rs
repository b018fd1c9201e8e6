//! OpenAPI documents as a source of contracts: [`import`] a vendor component as one of our JSON
//! Schemas, and report [`drift`] between our schemas and the components they cite (`x-source`).
//! Pure library code: nothing here prints or exits.

mod change;
mod compare;
mod convert;
pub mod drift;
mod error;
pub mod import;
mod openapi;

pub use change::{Change, Kind, Severity};
pub use convert::Profile;
pub use error::SpecError;
pub use openapi::{Dialect, OpenApi, Response};
