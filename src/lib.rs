//! sessconform: contract-testing and conformance harness for session APIs.

pub mod app;
pub mod case;
pub mod check;
pub mod compat;
pub mod diff;
pub mod engine;
pub mod exit;
pub mod http;
pub mod redact;
pub mod report;
pub mod result;
pub mod schema;
pub mod server;
pub mod source;
pub mod target;
