//! `explore`: generated, stateful testing of a session API. A seeded generator draws sequences
//! of operations ([`ops`]); a small model predicts what the contract allows after each one
//! ([`model`]); each sequence is written as a case of our own format ([`to_case`]) and run
//! through the engine like any case (the same step executor, HTTP client, 429 handling,
//! checks, redaction and cleanup); a failing sequence is shrunk ([`shrink`]) to the shortest
//! one that still fails the same way, and that case is what the user commits. [`report`]
//! turns an exploration into the `result::Event`s every reporter reads.
//!
//! Supported: Stytch consumer sessions (`--api stytch`). See docs/explore.md.

pub mod model;
pub mod ops;
pub mod report;
pub mod shrink;
pub mod to_case;

use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::case::{LoadError, LoadedSuite, parse_suite};
use crate::engine::{self, Cancel, RunConfig, Runner, Selection};
use crate::http::ClientBuildError;
use crate::result::{CaseResult, FindingKind, Verdict};
use crate::schema::{SchemaError, SchemaStore};
use crate::target::Target;

use ops::{Allowed, Generator, Op};

/// The suite name of generated cases.
pub const SUITE: &str = "explore-stytch";

/// The schemas generated Stytch cases may name.
const SCHEMAS: [&str; 5] = [
    "stytch/error",
    "stytch/jwks-response",
    "stytch/sessions-get-response",
    "stytch/sessions-authenticate-response",
    "stytch/sessions-revoke-response",
];

/// The API explored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExploreApi {
    /// Stytch consumer sessions.
    Stytch,
    /// Stytch B2B member sessions (not modelled yet).
    StytchB2b,
    /// Clerk sessions (not modelled yet).
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
    /// The API has no model yet.
    #[error("explore does not model the {0} API yet (supported: stytch)")]
    Unsupported(&'static str),
    /// The target does not describe the API.
    #[error("the target has no `{0}` API (add it to the target file, or use --base-url {0}=URL)")]
    NoApi(&'static str),
    /// `--allow-mutating` on a target without the variable it needs.
    #[error(
        "--allow-mutating needs the target variable `{0}` of API stytch (the reference server's is /__sessconform/sessions)"
    )]
    MissingVar(&'static str),
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
    /// The shrunk sequence.
    pub ops: Vec<Op>,
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

/// What one sequence's run came to.
enum Outcome {
    Passed,
    Failed(Signature),
    NotRun(String),
}

fn classify(ops: &[Op], r: &CaseResult) -> Outcome {
    match r.verdict {
        Verdict::Pass => Outcome::Passed,
        Verdict::Fail => match r.failures().next() {
            Some(f) => Outcome::Failed(Signature {
                op: ops
                    .get(f.step)
                    .map_or_else(|| "cleanup".to_owned(), |o| o.kind().to_owned()),
                kind: f.kind,
                check: f
                    .note
                    .clone()
                    .or_else(|| f.path.clone())
                    .unwrap_or_else(|| f.message.clone()),
            }),
            None => Outcome::Passed,
        },
        Verdict::Error | Verdict::Skip => Outcome::NotRun(
            r.reason
                .clone()
                .unwrap_or_else(|| "could not run".to_owned()),
        ),
    }
}

/// Runs generated sequences against one target.
struct Explorer<'a> {
    target: &'a Target,
    schemas: Arc<SchemaStore>,
    cfg: &'a ExploreConfig,
    cancel: &'a Cancel,
    runner: Option<Runner>,
    requests: usize,
}

impl Explorer<'_> {
    /// Writes `ops` as a case, plans it and runs it through the engine.
    async fn run(&mut self, ops: &[Op], name: &str) -> Result<CaseResult, ExploreError> {
        let yaml = to_case::suite_yaml(SUITE, name, "generated by sessconform explore", ops);
        let suite =
            parse_suite("explore.yaml", &yaml, &self.schemas).map_err(ExploreError::Generated)?;
        let plan = engine::plan(
            vec![LoadedSuite { suite, dir: None }],
            self.target.clone(),
            &Selection::default(),
            &self.cfg.run,
        );
        let plan = Arc::new(plan);
        let runner = match self.runner.take() {
            Some(r) => r,
            None => Runner::new(Arc::clone(&plan), Arc::clone(&self.schemas), &self.cfg.run)?,
        };
        let result = match plan.cases.first() {
            Some(pc) => runner.run_planned(pc, Some(self.cancel)).await,
            None => unreachable_case(),
        };
        self.runner = Some(runner);
        self.requests += result.exchanges.len();
        Ok(result)
    }

    async fn fails_same(&mut self, ops: &[Op], sig: &Signature) -> Result<bool, ExploreError> {
        let r = self.run(ops, "shrink candidate").await?;
        Ok(matches!(classify(ops, &r), Outcome::Failed(s) if s == *sig))
    }
}

fn unreachable_case() -> CaseResult {
    // A generated suite always has exactly one case; planning never drops it (no selection).
    CaseResult {
        id: format!("{SUITE}::sequence"),
        suite: SUITE.to_owned(),
        case: "sequence".to_owned(),
        api: "stytch".to_owned(),
        target: String::new(),
        base_url: String::new(),
        tags: Vec::new(),
        span: crate::source::Span::file_start(&crate::source::SourceFile::new("explore.yaml", "")),
        verdict: Verdict::Error,
        findings: Vec::new(),
        exchanges: Vec::new(),
        reason: Some("internal error: the generated case was not planned".to_owned()),
        skip_group: None,
        schema_ids: Vec::new(),
        duration: Duration::ZERO,
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
    if cfg.api != ExploreApi::Stytch {
        return Err(ExploreError::Unsupported(cfg.api.name()));
    }
    let api = target
        .api(cfg.api.name())
        .ok_or(ExploreError::NoApi(cfg.api.name()))?;
    if cfg.allow_mutating
        && !api.vars.contains_key("mint_path")
        && !target.vars.contains_key("mint_path")
        && !cfg.run.vars.contains_key("mint_path")
    {
        return Err(ExploreError::MissingVar("mint_path"));
    }
    schemas.compile(SCHEMAS)?;
    let start = Instant::now();
    let mut out = Exploration {
        seed: cfg.seed,
        target: target.name.clone(),
        ..Exploration::default()
    };
    let mut ex = Explorer {
        target,
        schemas,
        cfg,
        cancel,
        runner: None,
        requests: 0,
    };
    let mut generator = Generator::new(
        cfg.seed,
        Allowed {
            mutating: cfg.allow_mutating,
        },
    );
    let spent = |ex: &Explorer<'_>| match cfg.budget {
        Budget::Time(d) => start.elapsed() >= d,
        Budget::Requests(n) => ex.requests >= n,
    };
    while !spent(&ex) && !cancel.is_cancelled() && out.failures.len() < cfg.max_failures {
        let ops = generator.sequence();
        out.sequences += 1;
        let r = ex.run(&ops, &format!("sequence {}", out.sequences)).await?;
        if out.base_url.is_empty() {
            out.base_url.clone_from(&r.base_url);
        }
        out.operations += r.exchanges.iter().filter(|e| e.step < ops.len()).count();
        match classify(&ops, &r) {
            Outcome::Passed => out.passed += 1,
            Outcome::NotRun(reason) => {
                if !cancel.is_cancelled() {
                    match out.not_run.iter_mut().find(|(r, _)| *r == reason) {
                        Some((_, n)) => *n += 1,
                        None => out.not_run.push((reason, 1)),
                    }
                }
            }
            Outcome::Failed(sig) => {
                if out.failures.iter().any(|f| f.signature == sig) {
                    continue;
                }
                let found_after = start.elapsed();
                // Only what fails again counts: a difference is never invented by one
                // unlucky exchange.
                let mut failing: Vec<Op> = ops.clone();
                if let Some(f) = r.failures().next() {
                    failing.truncate(f.step + 1);
                }
                if !ex.fails_same(&failing, &sig).await? {
                    out.unconfirmed += 1;
                    continue;
                }
                let shrink_start = Instant::now();
                let max = cfg.max_shrink_runs;
                let shrunk = {
                    let exr = &mut ex;
                    let sig2 = sig.clone();
                    let mut err = None;
                    let s = shrink::shrink(
                        failing,
                        async |cand: &[Op]| {
                            if cancel.is_cancelled() || err.is_some() {
                                return false;
                            }
                            match exr.fails_same(cand, &sig2).await {
                                Ok(b) => b,
                                Err(e) => {
                                    err = Some(e);
                                    false
                                }
                            }
                        },
                        max,
                    )
                    .await;
                    if let Some(e) = err {
                        return Err(e);
                    }
                    s
                };
                let shrink_time = shrink_start.elapsed();
                let name = format!("seed {}: {sig}", cfg.seed);
                let mut result = ex.run(&shrunk.ops, &name).await?;
                if !matches!(classify(&shrunk.ops, &result), Outcome::Failed(ref s) if *s == sig) {
                    // Flaky on the last run: report the original failing run instead.
                    result = r.clone();
                }
                let description = format!(
                    "Found by `sessconform explore --seed {}` ({} operations, shrunk to {}): {sig}",
                    cfg.seed,
                    ops.len(),
                    shrunk.ops.len()
                );
                let yaml = to_case::suite_yaml(SUITE, &name, &description, &shrunk.ops);
                out.failures.push(Failure {
                    signature: sig,
                    original_len: ops.len(),
                    ops: shrunk.ops,
                    yaml,
                    result,
                    found_after,
                    shrink_runs: shrunk.runs,
                    shrink_time,
                });
            }
        }
        progress(&Progress {
            sequences: out.sequences,
            requests: ex.requests,
            elapsed: start.elapsed(),
            failures: out.failures.len(),
            budget: cfg.budget,
        });
    }
    out.requests = ex.requests;
    out.elapsed = start.elapsed();
    out.interrupted = cancel.is_cancelled();
    Ok(out)
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
