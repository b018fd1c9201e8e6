//! The engine: plans which cases run against which target, executes them concurrently and emits
//! [`crate::result::Event`]s in plan order. It never prints.

mod advice;
mod cleanup;
mod config;
mod exchange;
mod execute;
mod jwks;
mod mint;
mod plan;
mod request;
mod run;
pub(crate) mod step;
mod stream;

pub use advice::{VarAdvice, VarUse, var_advice};
pub use config::{RunConfig, Selection, Shard, ShardError};
pub use plan::{Plan, PlannedCase, Planner, Skip, Unit, plan};
pub use run::{Cancel, Runner, run};
pub use stream::{STREAM_ABOVE_BYTES, StreamedRun, run_stream, streams};
