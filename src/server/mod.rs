//! Embedded reference server: a stateful, in-memory stand-in for the Stytch,
//! Stytch B2B and Clerk session APIs, served over real HTTP on loopback.
//!
//! The engine never imports this module; the CLI (`sessconform serve`, and
//! `sessconform run` without a target) and the integration tests do.
//!
//! ```no_run
//! # async fn demo() -> Result<(), sessconform::server::ServerError> {
//! use sessconform::server::{start, ServerOptions};
//! let server = start(ServerOptions::default()).await?;
//! println!("{}", server.target_yaml());
//! server.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod auth;
mod clerk;
mod clerk_refresh;
mod clerk_store;
mod clerk_version;
mod clock;
mod connection;
mod error;
mod factors;
mod faults;
mod fixtures;
mod ids;
mod keys;
mod mint;
mod options;
mod passwords;
mod ratelimit;
mod rbac;
mod request;
mod router;
mod run;
mod state;
mod stytch;
mod stytch_b2b;
mod stytch_common;
mod stytch_exchange;
mod stytch_store;
mod target_file;
mod tls;
mod tls_listener;
mod vendor_error;

pub use error::ServerError;
pub use faults::{Fault, ParseFaultError};
pub use options::ServerOptions;
pub use ratelimit::{ParseRateLimitError, RateLimit};
pub use run::{RunningServer, ServeFiles, serve, start};
