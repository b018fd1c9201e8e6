//! `explore`: generated, stateful testing of a session API. A seeded generator draws sequences
//! of operations ([`ops`]); a small model predicts what the contract allows after each one
//! ([`model`]); each sequence is written as a case of our own format ([`to_case`]) and run
//! through the engine like any case (the same step executor, HTTP client, 429 handling,
//! checks, redaction and cleanup); a failing sequence is shrunk ([`shrink`]) to the shortest
//! one that still fails the same way, and that case is what the user commits. [`report`]
//! turns an exploration into the `result::Event`s every reporter reads.
//!
//! Each API is a module implementing [`api::ApiModel`] (its operations, generator and model):
//! Stytch consumer sessions ([`stytch`]), Clerk ([`clerk`]) and Stytch B2B member sessions
//! ([`b2b`]); [`run`] is the loop, written once for all of them. See docs/explore.md.

pub mod api;
pub mod b2b;
pub mod clerk;
pub mod expect;
pub mod report;
mod run;
pub mod shrink;
pub mod slots;
pub mod stytch;
pub mod to_case;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use crate::case::LoadError;
use crate::engine::{Cancel, RunConfig};
use crate::http::ClientBuildError;
use crate::result::{CaseResult, FindingKind};
use crate::schema::{SchemaError, SchemaStore};
use crate::target::Target;

/// The API explored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExploreApi {
    /// Stytch consumer sessions.
    Stytch,
    /// Stytch B2B member sessions.
    StytchB2b,
    /// Clerk sessions.
    Clerk,
}

impl ExploreApi {
    /// The API's name in target files.
    pub fn name(self) -> &'static str {
        match self {
            ExploreApi::Stytch => "stytch",
            ExploreApi::StytchB2b => "stytch-b2b",
            ExploreApi::Clerk => "clerk",
        }
    }

    /// The suite name of the cases generated for the API (`explore-stytch`, …).
    pub fn suite(self) -> &'static str {
        use api::ApiModel as _;
        match self {
            ExploreApi::Stytch => stytch::model::Model::SUITE,
            ExploreApi::StytchB2b => b2b::model::Model::SUITE,
            ExploreApi::Clerk => clerk::model::Model::SUITE,
        }
    }
}

/// When an exploration stops drawing new sequences.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Budget {
    /// Wall-clock time (`60s`, `2m`).
    Time(Duration),
    /// Requests sent (`500`).
    Requests(usize),
}

impl Default for Budget {
    fn default() -> Self {
        Budget::Time(Duration::from_secs(60))
    }
}

impl FromStr for Budget {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        if let Ok(n) = s.parse::<usize>() {
            return if n == 0 {
                Err("a request budget must be at least 1".to_owned())
            } else {
                Ok(Budget::Requests(n))
            };
        }
        match crate::case::parse_duration(s) {
            Ok(d) if !d.is_zero() => Ok(Budget::Time(d)),
            _ => Err(format!(
                "invalid budget `{s}`: a duration such as 60s or 5m, or a request count such as 500"
            )),
        }
    }
}

/// The seed used when none is given (the tests' and the docs' "default seed").
pub const DEFAULT_SEED: u64 = 1;

/// How to explore.
#[derive(Debug, Clone)]
pub struct ExploreConfig {
    /// The API.
    pub api: ExploreApi,
    /// The generator's seed: the same seed sends the same sequences.
    pub seed: u64,
    /// When to stop drawing sequences.
    pub budget: Budget,
    /// Mint, authenticate and revoke sessions (needs the target's `mint_path`).
    pub allow_mutating: bool,
    /// Stop after this many distinct failures.
    pub max_failures: usize,
    /// At most this many candidate runs while shrinking one failure.
    pub max_shrink_runs: usize,
    /// Timeouts, body cap, 429 retries, `--var`s.
    pub run: RunConfig,
}

impl Default for ExploreConfig {
    fn default() -> Self {
        Self {
            api: ExploreApi::Stytch,
            seed: DEFAULT_SEED,
            budget: Budget::default(),
            allow_mutating: false,
            max_failures: 1,
            max_shrink_runs: 200,
            run: RunConfig::default(),
        }
    }
}

/// Why an exploration could not start (a configuration problem: exit code 2).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ExploreError {
    /// The target does not describe the API.
    #[error("the target has no `{0}` API (add it to the target file, or use --base-url {0}=URL)")]
    NoApi(&'static str),
    /// `--allow-mutating` on a target without a variable it needs: `(variable, API, hint)`.
    #[error("--allow-mutating needs the target variable `{0}` of API {1} ({2})")]
    MissingVar(&'static str, &'static str, &'static str),
    /// The built-in schemas do not compile (a defect).
    #[error("{0}")]
    Schemas(#[from] SchemaError),
    /// A generated case does not load (a defect).
    #[error("internal error: a generated case does not load:\n{0}")]
    Generated(LoadError),
    /// The HTTP client could not be built.
    #[error(transparent)]
    Client(#[from] ClientBuildError),
}

/// How a failure is recognised while shrinking: the operation that failed and what about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The failing operation's kind (e.g. `authenticate token`).
    pub op: String,
    /// The kind of the first failing check.
    pub kind: FindingKind,
    /// The check: its note, else its JSONPath, else its message.
    pub check: String,
}

impl std::fmt::Display for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.op, self.check)
    }
}

/// One distinct failure, shrunk.
#[derive(Debug, Clone)]
pub struct Failure {
    /// What failed.
    pub signature: Signature,
    /// Length of the sequence that first failed.
    pub original_len: usize,
    /// The shrunk sequence, one operation a line (`mint`, `revoke session_id s0`, …).
    pub ops: Vec<String>,
    /// The shrunk sequence as a suite file.
    pub yaml: String,
    /// The shrunk sequence's last run (findings, redacted exchanges, curl reproducers).
    pub result: CaseResult,
    /// From the start of the exploration to the first failing run.
    pub found_after: Duration,
    /// Candidate runs while shrinking.
    pub shrink_runs: usize,
    /// Time spent shrinking.
    pub shrink_time: Duration,
}

/// What an exploration did.
#[derive(Debug, Clone, Default)]
pub struct Exploration {
    /// The seed (always printed).
    pub seed: u64,
    /// The API explored (`stytch`, …).
    pub api: &'static str,
    /// The suite name of its cases (`explore-stytch`, …).
    pub suite: &'static str,
    /// Sequences run (not counting shrink candidates).
    pub sequences: usize,
    /// Sequences that passed every check.
    pub passed: usize,
    /// Operations sent (not counting cleanup or shrinking).
    pub operations: usize,
    /// Requests sent, cleanup and shrinking included.
    pub requests: usize,
    /// Wall-clock time.
    pub elapsed: Duration,
    /// Distinct failures, shrunk.
    pub failures: Vec<Failure>,
    /// Why sequences could not run (rate limited, connection refused, …), with counts.
    pub not_run: Vec<(String, usize)>,
    /// Failures seen once that did not fail again on a re-run (never reported as failures).
    pub unconfirmed: usize,
    /// Stopped by Ctrl-C.
    pub interrupted: bool,
    /// The target's name.
    pub target: String,
    /// Base URL explored (redacted).
    pub base_url: String,
}

impl Exploration {
    /// Operations per second over the whole exploration.
    pub fn throughput(&self) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 {
            self.operations as f64 / s
        } else {
            0.0
        }
    }
}

/// Explores `target` until the budget is spent, `cfg.max_failures` distinct failures were
/// found and shrunk, or `cancel` fires. `progress` is called after every sequence.
pub async fn explore(
    target: &Target,
    schemas: Arc<SchemaStore>,
    cfg: &ExploreConfig,
    cancel: &Cancel,
    progress: &mut (dyn FnMut(&Progress) + Send),
) -> Result<Exploration, ExploreError> {
    match cfg.api {
        ExploreApi::Stytch => {
            run::explore::<stytch::model::Model>(target, schemas, cfg, cancel, progress).await
        }
        ExploreApi::StytchB2b => {
            run::explore::<b2b::model::Model>(target, schemas, cfg, cancel, progress).await
        }
        ExploreApi::Clerk => {
            run::explore::<clerk::model::Model>(target, schemas, cfg, cancel, progress).await
        }
    }
}

/// Progress after each sequence.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    /// Sequences run.
    pub sequences: usize,
    /// Requests sent.
    pub requests: usize,
    /// Time since the start.
    pub elapsed: Duration,
    /// Distinct failures so far.
    pub failures: usize,
    /// The budget.
    pub budget: Budget,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budgets_parse() {
        assert_eq!("500".parse::<Budget>(), Ok(Budget::Requests(500)));
        assert_eq!(
            "60s".parse::<Budget>(),
            Ok(Budget::Time(Duration::from_secs(60)))
        );
        assert_eq!(
            "2m".parse::<Budget>(),
            Ok(Budget::Time(Duration::from_secs(120)))
        );
        assert!("0".parse::<Budget>().is_err());
        assert!("soon".parse::<Budget>().unwrap_err().contains("500"));
    }
}
