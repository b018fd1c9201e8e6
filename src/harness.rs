//! `cargo test` integration: every YAML case becomes one libtest-mimic [`Trial`] named
//! `suite::case`. A thin shell over the engine: all logic lives in [`crate::engine`].
//!
//! In a user's crate, `tests/contract.rs` (with `harness = false` in `Cargo.toml`):
//!
//! ```no_run
//! sessconform::harness::Harness::new()
//!     .cases("tests/contract")
//!     .target_from_env()
//!     .run();
//! ```
//!
//! Trials are synchronous; each drives the async engine on one shared tokio runtime. The target
//! (and the embedded reference server, when no target is given) is resolved once per process.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use libtest_mimic::{Arguments, Completion, Conclusion, Failed, Trial};
use serde_json::Value;

use crate::case::{LoadError, SuiteSource, load_suites};
use crate::engine::{RunConfig, Runner, Selection, plan};
use crate::explore::ExploreConfig;
use crate::http::ClientBuildError;
use crate::report::text::{Style, render_case};
use crate::result::Verdict;
use crate::schema::{SchemaError, SchemaStore};
use crate::target_source::{ResolvedTarget, TargetError, TargetRequest, resolve_target};

/// Builds libtest trials from suites and runs them.
#[derive(Debug, Clone)]
pub struct Harness {
    paths: Vec<PathBuf>,
    specs: Vec<PathBuf>,
    target: TargetRequest,
    config: RunConfig,
    explore: Option<ExploreConfig>,
}

impl Default for Harness {
    fn default() -> Self {
        Self::new()
    }
}

/// Why the harness could not build its trials.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HarnessError {
    /// The tokio runtime did not start.
    #[error("failed to start the tokio runtime: {0}")]
    Runtime(String),
    /// The schemas do not load or compile.
    #[error("{0}")]
    Schemas(#[from] SchemaError),
    /// The case files do not load.
    #[error("{0}")]
    Cases(#[from] LoadError),
    /// The target could not be resolved.
    #[error("{0}")]
    Target(#[from] TargetError),
    /// The HTTP client could not be built.
    #[error(transparent)]
    Client(#[from] ClientBuildError),
}

fn runtime() -> Result<&'static tokio::runtime::Runtime, HarnessError> {
    static RT: OnceLock<Result<tokio::runtime::Runtime, String>> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| e.to_string())
    })
    .as_ref()
    .map_err(|e| HarnessError::Runtime(e.clone()))
}

impl Harness {
    /// The built-in suites against the embedded reference server; strict when
    /// `SESSCONFORM_STRICT=1`, and a case that cannot run fails its trial when
    /// `SESSCONFORM_FAIL_ON_SKIP=1`.
    pub fn new() -> Self {
        let flag = |name: &str| std::env::var(name).is_ok_and(|v| v == "1" || v == "true");
        Self {
            paths: Vec::new(),
            specs: Vec::new(),
            target: TargetRequest::default(),
            config: RunConfig {
                strict: flag("SESSCONFORM_STRICT"),
                max_skipped: flag("SESSCONFORM_FAIL_ON_SKIP").then_some(0),
                ..RunConfig::default()
            },
            explore: None,
        }
    }

    /// Adds one trial, `explore-API::exploration (seed N)` (`explore-stytch`, …), that explores the target with
    /// `cfg` (see docs/explore.md) and fails with the shrunk case of what it found. Against the
    /// embedded reference server mutating operations are always allowed.
    pub fn explore(mut self, cfg: ExploreConfig) -> Self {
        self.explore = Some(cfg);
        self
    }

    /// A case that cannot run (missing vars, an API the target lacks, a declared skip) fails its
    /// trial instead of being ignored: a suite that tests nothing is never green.
    pub fn fail_on_skip(mut self, yes: bool) -> Self {
        self.config.max_skipped = yes.then_some(0);
        self
    }

    /// Adds a case file or folder (relative paths are relative to the crate root under `cargo test`).
    /// Without any, the built-in suites are used.
    pub fn cases(mut self, path: impl Into<PathBuf>) -> Self {
        self.paths.push(path.into());
        self
    }

    /// Adds a folder of JSON Schemas next to the built-in ones.
    pub fn specs(mut self, dir: impl Into<PathBuf>) -> Self {
        self.specs.push(dir.into());
        self
    }

    /// Uses a target file.
    pub fn target_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.target.file = Some(path.into());
        self
    }

    /// Adds a base URL (`URL` for every API or `API=URL`).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.target.base_urls.push(url.into());
        self
    }

    /// Uses `SESSCONFORM_TARGET` (a target file) or `SESSCONFORM_BASE_URL` when set; otherwise
    /// keeps what was configured (by default the embedded reference server).
    pub fn target_from_env(mut self) -> Self {
        let from_env = TargetRequest::from_env();
        if !from_env.is_embedded() {
            self.target = from_env;
        }
        self
    }

    /// Warnings fail trials.
    pub fn strict(mut self, strict: bool) -> Self {
        self.config.strict = strict;
        self
    }

    /// Sets a variable (like `--var`).
    pub fn var(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.config
            .vars
            .insert(key.into(), Value::String(value.into()));
        self
    }

    /// Loads suites, resolves the target and returns one trial per case. Cases that cannot run
    /// (missing vars, declared skips) are ignored trials whose name carries the reason.
    pub fn trials(&self) -> Result<Vec<Trial>, HarnessError> {
        let rt = runtime()?;
        let schemas = Arc::new(SchemaStore::load_lazy(true, &self.specs)?);
        let source = if self.paths.is_empty() {
            SuiteSource::Builtin
        } else {
            SuiteSource::Paths(self.paths.clone())
        };
        let suites = load_suites(&source, &schemas)?;
        let resolved: ResolvedTarget = rt.block_on(resolve_target(&self.target))?;
        let plan = Arc::new(plan(
            suites,
            resolved.target.clone(),
            &Selection::default(),
            &self.config,
        ));
        schemas.compile(plan.schema_ids())?;
        let runner = Arc::new(Runner::new(
            Arc::clone(&plan),
            Arc::clone(&schemas),
            &self.config,
        )?);
        let explore_trial = self.explore.clone().map(|mut cfg| {
            if self.target.is_embedded() {
                cfg.allow_mutating = true;
            }
            let target = resolved.target.clone();
            Trial::test(
                format!("{}::exploration (seed {})", cfg.api.suite(), cfg.seed),
                move || explore_trial(rt, &target, schemas, &cfg),
            )
        });
        // Keep the embedded server alive for the rest of the process.
        static SERVERS: Mutex<Vec<ResolvedTarget>> = Mutex::new(Vec::new());
        if let Ok(mut keep) = SERVERS.lock() {
            keep.push(resolved);
        }
        let mut serial_locks: BTreeMap<String, Arc<tokio::sync::Mutex<()>>> = BTreeMap::new();
        let mut trials = Vec::with_capacity(plan.cases.len());
        for (index, pc) in plan.cases.iter().enumerate() {
            let id = pc.case().id.clone();
            let lock = pc
                .suite
                .serial
                .then(|| Arc::clone(serial_locks.entry(pc.suite.name.clone()).or_default()));
            let runner = Arc::clone(&runner);
            let fail_on_skip = self.config.max_skipped == Some(0);
            let trial = Trial::ignorable_test(id, move || {
                run_trial(rt, &runner, index, lock, fail_on_skip)
            });
            // A case that cannot run is an ignored trial (unless skips fail); its kind carries
            // the short reason so `cargo test` shows it next to the name
            // (`[skip: missing vars: user_id] suite::case`).
            trials.push(match pc.skip.as_ref().map(|s| &s.reason) {
                Some(_) if fail_on_skip => trial,
                Some(reason) => {
                    let short = reason.split(" (").next().unwrap_or(reason);
                    trial
                        .with_ignored_flag(true)
                        .with_kind(format!("skip: {short}"))
                }
                None => trial,
            });
        }
        trials.extend(explore_trial);
        Ok(trials)
    }

    /// Runs the trials with libtest's command-line arguments and exits the process.
    pub fn run(self) -> ! {
        self.run_with_args(&Arguments::from_args()).exit()
    }

    /// Runs the trials with the given arguments and returns libtest's conclusion.
    pub fn run_with_args(&self, args: &Arguments) -> Conclusion {
        match self.trials() {
            Ok(trials) => libtest_mimic::run(args, trials),
            Err(e) => {
                eprintln!("sessconform: {e}");
                std::process::exit(101)
            }
        }
    }
}

fn explore_trial(
    rt: &tokio::runtime::Runtime,
    target: &crate::target::Target,
    schemas: Arc<SchemaStore>,
    cfg: &ExploreConfig,
) -> Result<(), Failed> {
    let cancel = crate::engine::Cancel::default();
    let e = rt
        .block_on(crate::explore::explore(
            target,
            schemas,
            cfg,
            &cancel,
            &mut |_| {},
        ))
        .map_err(|e| Failed::from(e.to_string()))?;
    let summary = crate::explore::report::summary_line(&e);
    if let Some(f) = e.failures.first() {
        return Err(Failed::from(format!(
            "{summary}\n{}\nshrunk case (commit it and re-run with `sessconform run`):\n{}",
            render_case(&f.result, Style::Plain),
            f.yaml
        )));
    }
    if e.passed == 0 {
        return Err(Failed::from(format!(
            "nothing could run ({summary}): {:?}",
            e.not_run
        )));
    }
    Ok(())
}

fn run_trial(
    rt: &tokio::runtime::Runtime,
    runner: &Runner,
    index: usize,
    lock: Option<Arc<tokio::sync::Mutex<()>>>,
    fail_on_skip: bool,
) -> Result<Completion, Failed> {
    let result = rt.block_on(async {
        let _guard = match &lock {
            Some(l) => Some(l.lock().await),
            None => None,
        };
        runner.run_case(index).await
    });
    let Some(result) = result else {
        return Err(Failed::from("internal error: no such case"));
    };
    match result.verdict {
        Verdict::Pass => Ok(Completion::Completed),
        Verdict::Skip if fail_on_skip => Err(Failed::from(format!(
            "could not run, and skips fail (SESSCONFORM_FAIL_ON_SKIP / fail_on_skip): {}",
            result.reason.as_deref().unwrap_or("skipped")
        ))),
        // Run anyway (`--ignored`): reported as ignored at run time, with the full reason.
        Verdict::Skip => Ok(Completion::ignored_with(
            result.reason.as_deref().unwrap_or("skipped"),
        )),
        Verdict::Fail | Verdict::Error => Err(Failed::from(render_case(&result, Style::Plain))),
    }
}
