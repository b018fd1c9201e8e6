//! Wiremock doubles of the Stytch, Stytch B2B and Clerk session APIs for `suite_doubles.rs`.
//!
//! Each double is a small in-memory implementation of the API that the built-in suites call.
//! Without a break it is conformant (every case of its suite passes); each `Break` changes
//! exactly one documented behaviour, so exactly the cases checking that invariant fail.

#![expect(
    clippy::result_large_err,
    reason = "handlers return a ready wiremock response as their error; size does not matter in a test double"
)]

pub mod b2b;
pub mod clerk;
pub mod common;
pub mod stytch;
