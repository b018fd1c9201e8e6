//! sessconform: contract-testing and conformance harness for session APIs.

pub mod server;
