//! A streamed run: case files loaded, compiled and planned a batch at a time on a loader thread
//! while the previous batch runs, so memory holds a few batches, not the run (a million cases
//! run in about the memory of ten thousand). Results, events and exit codes are those of
//! [`run`](super::run): the batches run one after another through the same client and
//! workers, in file order; a serial suite's pieces run in order.
//!
//! What differs, because nothing is known about a file before the stream reaches it: the total
//! is not announced ([`RunInfo::total_cases`] is `None`); a problem in a case file stops the
//! run where it is found ([`StreamedRun::error`]); `--shard K/N` deals cases by the hash of
//! their id ([`super::Shard::member`]) instead of by rank over the whole selection.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use tokio::sync::mpsc;

use super::advice::VarUse;
use super::config::{RunConfig, Selection};
use super::execute::Shared;
use super::plan::{Plan, Planner};
use super::run::{Cancel, not_run_all, run_plan};
use crate::case::{CaseStream, LoadError};
use crate::http::HttpClient;
use crate::result::{Counts, Event, RunInfo, RunSummary};
use crate::schema::SchemaStore;
use crate::target::Target;

/// Case files above this many bytes in all (about 40,000 small cases) are streamed. Overridden
/// by the environment variable `SESSCONFORM_STREAM_ABOVE` (bytes; 0 streams every run of case
/// files).
pub const STREAM_ABOVE_BYTES: u64 = 4 * 1024 * 1024;

/// Whether a run of the case files under `paths` against `targets` targets is streamed: case
/// files (not the built-in suites) larger than [`STREAM_ABOVE_BYTES`], one target, and no
/// `--shard-timings` (balancing by duration needs the whole selection). `list` asks too, so it
/// shows the shard a streamed run runs.
pub fn streams(
    paths: &[PathBuf],
    targets: usize,
    selection: &Selection,
) -> Result<bool, LoadError> {
    if paths.is_empty() || targets > 1 || selection.shard_durations.is_some() {
        return Ok(false);
    }
    let above = std::env::var("SESSCONFORM_STREAM_ABOVE")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
        .unwrap_or(STREAM_ABOVE_BYTES);
    Ok(crate::case::source_bytes(paths)? > above)
}

/// What a streamed run came to.
#[derive(Debug)]
pub struct StreamedRun {
    /// The summary (also sent as the last event).
    pub summary: RunSummary,
    /// Cases planned (selected), over every batch that was loaded.
    pub planned: usize,
    /// The problem in a case file or schema that stopped the run, if any.
    pub error: Option<LoadError>,
    /// Advice on the target's variables over the suites the run loaded ([`super::var_advice`]:
    /// a loaded run gives it before it starts, a streamed one only knows it at the end).
    pub advice: Vec<super::VarAdvice>,
    /// The run stopped before the stream's end (Ctrl-C, or `--fail-fast` after a failure): the
    /// cases of the files not yet read are not reported.
    pub stopped_early: bool,
}

/// Runs the cases of `stream` against `target` and feeds every event to `sink`.
pub async fn run_stream(
    stream: CaseStream,
    target: Target,
    schemas: Arc<SchemaStore>,
    selection: &Selection,
    cfg: &RunConfig,
    cancel: Cancel,
    sink: &mut (dyn FnMut(&Event) + Send),
) -> StreamedRun {
    let start = Instant::now();
    let mut planner = Planner::new(Arc::new(target));
    planner.add_declared_secrets(&stream.declared_secrets(), cfg);
    let head = planner.empty();
    sink(&Event::RunStarted(RunInfo {
        total_cases: None,
        target: head.target.name.clone(),
        base_urls: head.base_urls(""),
        strict: cfg.strict,
    }));

    // One batch waits while one runs: the loader parses the next on the other core.
    let (tx, mut rx) = mpsc::channel::<Result<Plan, LoadError>>(1);
    let loader = {
        let schemas = Arc::clone(&schemas);
        let selection = selection.clone();
        let cfg = cfg.clone();
        std::thread::spawn(move || {
            for batch in stream {
                let plan = batch.and_then(|suites| {
                    let plan = planner.plan(suites, &cfg, &mut |c| {
                        selection.selects_streamed(&c.id, &c.tags)
                    });
                    schemas
                        .compile(plan.schema_ids())
                        .map_err(|e| LoadError::single("schemas", e.to_string()))?;
                    Ok(plan)
                });
                let failed = plan.is_err();
                if tx.blocking_send(plan).is_err() || failed {
                    break;
                }
            }
        })
    };

    let client = HttpClient::new(cfg.connect_timeout, cfg.body_cap, cfg.retry, cfg.jobs)
        .and_then(|c| c.trust_pem(&head.target.ca_certs));
    let jwks = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let mut counts = Counts::default();
    let mut uses = VarUse::default();
    let mut planned = 0;
    let mut error = None;
    let mut stopped_early = false;
    loop {
        let next = tokio::select! {
            next = rx.recv() => next,
            () = cancel.cancelled() => None,
        };
        let Some(next) = next else {
            break;
        };
        let plan = match next {
            Ok(p) => Arc::new(p),
            Err(e) => {
                error = Some(e);
                break;
            }
        };
        planned += plan.cases.len();
        // Advice covers the suites with planned cases, as a loaded run's does.
        let mut last: Option<&Arc<crate::case::model::Suite>> = None;
        for pc in &plan.cases {
            if !last.is_some_and(|l| Arc::ptr_eq(l, &pc.suite)) {
                uses.add(&pc.suite);
                last = Some(&pc.suite);
            }
        }
        match &client {
            Ok(client) => {
                let shared = Arc::new(Shared {
                    client: client.clone(),
                    schemas: Arc::clone(&schemas),
                    cfg: cfg.clone(),
                    redactor: plan.redactor.clone(),
                    target_name: plan.target.name.clone(),
                    jwks: Arc::clone(&jwks),
                });
                run_plan(plan, shared, &stop, &cancel, &mut counts, sink).await;
            }
            Err(e) => not_run_all(&plan, e, &mut counts, sink),
        }
        if cancel.is_cancelled() || stop.load(Ordering::SeqCst) {
            // Interrupted, or --fail-fast after a failure: the files not yet read stay
            // unread, and the run reports what it ran.
            stopped_early = true;
            break;
        }
    }
    drop(rx);
    stopped_early |= cancel.is_cancelled();
    if !stopped_early {
        // The loader has ended or ends at its next send; a panic there is a bug, reported as
        // the run's error. (Stopped early, it is not waited for: it may be parsing a batch.)
        let joined = tokio::task::spawn_blocking(move || loader.join().is_ok()).await;
        if !matches!(joined, Ok(true)) && error.is_none() {
            error = Some(LoadError::single(
                "case files",
                "internal error: the case loader stopped",
            ));
        }
    }
    let advice = uses.advice(&head.target, &cfg.vars);
    let summary = RunSummary {
        counts,
        duration: start.elapsed(),
        interrupted: cancel.is_cancelled(),
    };
    sink(&Event::RunFinished(summary.clone()));
    StreamedRun {
        summary,
        planned,
        error,
        advice,
        stopped_early,
    }
}
