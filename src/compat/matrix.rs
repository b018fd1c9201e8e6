//! Matrix runs: the selected suites against several targets at once. Each target gets its own
//! engine run (its own HTTP client and connection pool, concurrency budget, retry state and
//! redactor), so one target's failure, slowness or rate limiting cannot disturb another's
//! results. Events are merged into one stream, case by case across targets.

use std::collections::BTreeSet;
use std::future::Future;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Instant;

use tokio::sync::mpsc;

use crate::case::{LoadError, LoadedSuite, SuiteSource, load_suites};
use crate::engine::{self, Cancel, Plan, RunConfig, Selection};
use crate::result::compat::{CompatReport, Matrix};
use crate::result::{CaseResult, Counts, Event, RunInfo, RunSummary};
use crate::schema::SchemaStore;
use crate::target::{Target, load_target_file};

/// Plans a matrix run: one plan for `first` (the target already resolved from the first file,
/// base URLs or the embedded server) and one for each further file of `files` (`files[0]` is
/// the first target's file, if any, and only names it). Target names are made unique. Planning
/// consumes the suites, so each further target gets a fresh load of the same `source`.
pub fn plan_matrix(
    first: Target,
    files: &[PathBuf],
    suites: Vec<LoadedSuite>,
    source: &SuiteSource,
    schemas: &SchemaStore,
    selection: &Selection,
    cfg: &RunConfig,
) -> Result<Vec<Arc<Plan>>, LoadError> {
    let mut targets = vec![first];
    for path in files.iter().skip(1) {
        targets.push(load_target_file(path)?);
    }
    let names: Vec<String> = files.iter().map(|p| p.display().to_string()).collect();
    unique_names(&mut targets, &names);
    let mut plans = Vec::with_capacity(targets.len());
    let mut suites = Some(suites);
    for t in targets {
        let loaded = match suites.take() {
            Some(s) => s,
            None => load_suites(source, schemas)?,
        };
        plans.push(Arc::new(engine::plan(loaded, t, selection, cfg)));
    }
    Ok(plans)
}

/// Makes target display names unique: a repeated name gets its file stem, then a number.
pub fn unique_names(targets: &mut [Target], files: &[String]) {
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for (i, t) in targets.iter_mut().enumerate() {
        if t.name.is_empty() {
            t.name = format!("target {}", i + 1);
        }
        if seen.contains(&t.name) {
            let stem = files
                .get(i)
                .and_then(|f| std::path::Path::new(f).file_stem())
                .map(|s| s.to_string_lossy().into_owned());
            let mut candidate = match stem {
                Some(s) => format!("{} ({s})", t.name),
                None => format!("{} #{}", t.name, i + 1),
            };
            let mut n = 2;
            while seen.contains(&candidate) {
                candidate = format!("{} #{n}", t.name);
                n += 1;
            }
            t.name = candidate;
        }
        seen.insert(t.name.clone());
    }
}

/// Runs every plan (one per target) concurrently and feeds one merged event stream to `sink`:
/// a single `RunStarted`, each case's results for every target in target order, the
/// [`Matrix`], and a `RunFinished` whose counts cover every cell.
pub async fn run_matrix(
    plans: Vec<Arc<Plan>>,
    schemas: Arc<SchemaStore>,
    cfg: &RunConfig,
    cancel: Cancel,
    sink: &mut (dyn FnMut(&Event) + Send),
) -> RunSummary {
    let start = Instant::now();
    let names: Vec<String> = plans.iter().map(|p| p.target.name.clone()).collect();
    let base_urls = plans
        .iter()
        .flat_map(|p| p.base_urls(&p.target.name))
        .collect();
    sink(&Event::RunStarted(RunInfo {
        total_cases: Some(plans.iter().map(|p| p.cases.len()).sum()),
        target: names.join(", "),
        base_urls,
        strict: cfg.strict,
    }));
    let rows: Vec<usize> = plans.iter().map(|p| p.cases.len()).collect();
    let (tx, mut rx) = mpsc::unbounded_channel::<(usize, Event)>();
    let mut runs: Vec<Pin<Box<dyn Future<Output = ()> + Send + '_>>> = Vec::new();
    for (i, plan) in plans.into_iter().enumerate() {
        let tx = tx.clone();
        let schemas = Arc::clone(&schemas);
        let cancel = cancel.clone();
        runs.push(Box::pin(async move {
            let mut forward = |ev: &Event| {
                // The receiver lives until every run has finished.
                let _ = tx.send((i, ev.clone()));
            };
            engine::run(plan, schemas, cfg, cancel, &mut forward).await;
        }));
    }
    drop(tx);

    let mut grid: Vec<Vec<Option<CaseResult>>> = rows.iter().map(|n| vec![None; *n]).collect();
    let mut all: Vec<CaseResult> = Vec::new();
    let mut counts = Counts::default();
    let mut interrupted = false;
    let max_rows = rows.iter().copied().max().unwrap_or(0);
    let (mut row, mut col) = (0usize, 0usize);
    let mut next = vec![0usize; rows.len()];
    let consume = async {
        while let Some((i, ev)) = rx.recv().await {
            match ev {
                Event::CaseFinished(r) => {
                    // The engine emits each target's results in plan order.
                    let pos = next[i];
                    next[i] += 1;
                    if let Some(slot) = grid.get_mut(i).and_then(|g| g.get_mut(pos)) {
                        *slot = Some(*r);
                    }
                }
                Event::RunFinished(s) => interrupted |= s.interrupted,
                _ => {}
            }
            // Emit in case-major order as far as results are available.
            while row < max_rows {
                if col >= grid.len() {
                    col = 0;
                    row += 1;
                    continue;
                }
                if row >= grid[col].len() {
                    col += 1;
                    continue;
                }
                match grid[col][row].take() {
                    Some(r) => {
                        counts.add(&r);
                        sink(&Event::CaseFinished(Box::new(r.clone())));
                        all.push(r);
                        col += 1;
                    }
                    None => break,
                }
            }
        }
    };
    tokio::join!(join_all(runs), consume);
    let matrix = Matrix::from_results(&names, &all);
    sink(&Event::Compat(Box::new(CompatReport::Matrix(matrix))));
    let summary = RunSummary {
        counts,
        duration: start.elapsed(),
        interrupted: interrupted || cancel.is_cancelled(),
    };
    sink(&Event::RunFinished(summary.clone()));
    summary
}

/// Polls every future until all are done (they share one task, so none needs to be `Send`).
async fn join_all(mut futs: Vec<Pin<Box<dyn Future<Output = ()> + Send + '_>>>) {
    let mut done = vec![false; futs.len()];
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (f, d) in futs.iter_mut().zip(done.iter_mut()) {
            if *d {
                continue;
            }
            if f.as_mut().poll(cx).is_ready() {
                *d = true;
            } else {
                pending = true;
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
}
