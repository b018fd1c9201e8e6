//! sessconform: contract-testing and conformance harness for session APIs.

pub mod case;
pub mod check;
pub mod diff;
pub mod result;
pub mod schema;
pub mod source;
