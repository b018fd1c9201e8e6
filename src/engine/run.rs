//! Scheduling: runs planned cases concurrently (serial suites in order), honours fail-fast and
//! cancellation, and emits results in plan order whatever the completion order.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Instant;

use tokio::sync::{mpsc, watch};

use super::config::RunConfig;
use super::execute::{Shared, execute, not_run};
use super::plan::{Plan, PlannedCase};
use crate::http::{ClientBuildError, HttpClient};
use crate::result::{CaseResult, Counts, Event, RunInfo, RunSummary, Verdict};
use crate::schema::SchemaStore;

/// Cancels a run (e.g. on Ctrl-C): cases not yet finished are reported as skipped.
#[derive(Debug, Clone)]
pub struct Cancel {
    tx: Arc<watch::Sender<bool>>,
}

impl Default for Cancel {
    fn default() -> Self {
        Self {
            tx: Arc::new(watch::channel(false).0),
        }
    }
}

impl Cancel {
    /// Requests cancellation.
    pub fn cancel(&self) {
        self.tx.send_replace(true);
    }

    /// True once cancelled.
    pub fn is_cancelled(&self) -> bool {
        *self.tx.borrow()
    }

    pub(crate) async fn cancelled(&self) {
        let mut rx = self.tx.subscribe();
        // An error means the sender is gone, which cannot happen while `self` lives.
        let _ = rx.wait_for(|c| *c).await;
    }
}

/// Runs single cases of a plan on demand (the libtest harness runs one case per trial).
pub struct Runner {
    plan: Arc<Plan>,
    shared: Arc<Shared>,
}

impl Runner {
    /// Prepares the HTTP client and shared state for `plan`.
    pub fn new(
        plan: Arc<Plan>,
        schemas: Arc<SchemaStore>,
        cfg: &RunConfig,
    ) -> Result<Self, ClientBuildError> {
        let client = HttpClient::new(cfg.connect_timeout, cfg.body_cap, cfg.retry, cfg.jobs)?
            .trust_pem(&plan.target.ca_certs)?;
        let shared = Arc::new(Shared {
            client,
            schemas,
            cfg: cfg.clone(),
            redactor: plan.redactor.clone(),
            target_name: plan.target.name.clone(),
            jwks: Default::default(),
        });
        Ok(Self { plan, shared })
    }

    /// The plan.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    /// Runs the case at `index` of the plan.
    pub async fn run_case(&self, index: usize) -> Option<CaseResult> {
        let pc = self.plan.cases.get(index)?;
        Some(execute(pc, &self.shared, None).await)
    }

    /// Runs `pc`, a case planned against the same target as this runner's plan (the explorer
    /// plans one generated case at a time and sends them all through one client). Its steps
    /// stop once `cancel` is cancelled; its cleanup still runs.
    pub async fn run_planned(&self, pc: &PlannedCase, cancel: Option<&Cancel>) -> CaseResult {
        execute(pc, &self.shared, cancel).await
    }
}

/// Runs the plan and feeds every event to `sink`. Returns the summary (also sent as the last event).
pub async fn run(
    plan: Arc<Plan>,
    schemas: Arc<SchemaStore>,
    cfg: &RunConfig,
    cancel: Cancel,
    sink: &mut (dyn FnMut(&Event) + Send),
) -> RunSummary {
    let start = Instant::now();
    let info = RunInfo {
        total_cases: Some(plan.cases.len()),
        target: plan.target.name.clone(),
        base_urls: plan.base_urls(""),
        strict: cfg.strict,
    };
    sink(&Event::RunStarted(info));
    let mut counts = Counts::default();
    match Runner::new(Arc::clone(&plan), schemas, cfg) {
        Ok(runner) => {
            let stop = Arc::new(AtomicBool::new(false));
            run_plan(plan, runner.shared, &stop, &cancel, &mut counts, sink).await;
        }
        Err(e) => not_run_all(&plan, &e, &mut counts, sink),
    }
    let summary = RunSummary {
        counts,
        duration: start.elapsed(),
        interrupted: cancel.is_cancelled(),
    };
    sink(&Event::RunFinished(summary.clone()));
    summary
}

/// Every case of `plan` as an error: the HTTP client could not be built.
pub(crate) fn not_run_all(
    plan: &Plan,
    e: &ClientBuildError,
    counts: &mut Counts,
    sink: &mut (dyn FnMut(&Event) + Send),
) {
    for pc in &plan.cases {
        let r = not_run(
            pc,
            &plan.redactor,
            &plan.target.name,
            Verdict::Error,
            e.to_string(),
        );
        counts.add(&r);
        sink(&Event::CaseFinished(Box::new(r)));
    }
}

/// Runs every case of `plan` with `--jobs` workers and feeds their results to `sink` in plan
/// order. `stop` (fail-fast) carries over from one plan of a streamed run to the next.
pub(crate) async fn run_plan(
    plan: Arc<Plan>,
    shared: Arc<Shared>,
    stop: &Arc<AtomicBool>,
    cancel: &Cancel,
    counts: &mut Counts,
    sink: &mut (dyn FnMut(&Event) + Send),
) {
    // Bounded: when reporting is slower than the cases, the workers wait instead of queueing
    // every result of the run in memory.
    let (tx, mut rx) = mpsc::channel::<(usize, CaseResult)>(4 * shared.cfg.jobs.max(1));
    let units = plan.schedule();
    // `--jobs` workers take the next unit in plan order until none is left: at most `jobs`
    // cases are in flight, without a task (and its memory) per case.
    let units = Arc::new(units);
    let next_unit = Arc::new(AtomicUsize::new(0));
    let workers = shared.cfg.jobs.max(1).min(units.len());
    let mut handles = Vec::with_capacity(workers);
    for _ in 0..workers {
        let plan = Arc::clone(&plan);
        let shared = Arc::clone(&shared);
        let units = Arc::clone(&units);
        let next_unit = Arc::clone(&next_unit);
        let stop = Arc::clone(stop);
        let tx = tx.clone();
        let cancel = cancel.clone();
        handles.push(tokio::spawn(async move {
            while let Some(unit) = units.get(next_unit.fetch_add(1, Ordering::Relaxed)) {
                for &idx in unit.cases() {
                    let pc: &PlannedCase = &plan.cases[idx];
                    let mut result = run_one(pc, &shared, &stop, &cancel).await;
                    if !shared.cfg.passing_exchanges
                        && result.verdict == Verdict::Pass
                        && result.warnings().next().is_none()
                    {
                        // Nothing will show them: free them before the result waits in order.
                        result.exchanges = Vec::new();
                    }
                    if result.verdict == Verdict::Fail && shared.cfg.fail_fast {
                        stop.store(true, Ordering::SeqCst);
                    }
                    if tx.send((idx, result)).await.is_err() {
                        return;
                    }
                }
            }
        }));
    }
    drop(tx);

    let mut pending: BTreeMap<usize, CaseResult> = BTreeMap::new();
    let mut next = 0;
    while let Some((idx, r)) = rx.recv().await {
        pending.insert(idx, r);
        while let Some(r) = pending.remove(&next) {
            counts.add(&r);
            sink(&Event::CaseFinished(Box::new(r)));
            next += 1;
        }
    }
    for h in handles {
        // A panicking case task is a bug; its cases are reported below as errors.
        let _ = h.await;
    }
    while next < plan.cases.len() {
        let r = pending.remove(&next).unwrap_or_else(|| {
            not_run(
                &plan.cases[next],
                &shared.redactor,
                &shared.target_name,
                Verdict::Error,
                "internal error: the case task ended unexpectedly".to_owned(),
            )
        });
        counts.add(&r);
        sink(&Event::CaseFinished(Box::new(r)));
        next += 1;
    }
}

async fn run_one(
    pc: &PlannedCase,
    shared: &Shared,
    stop: &AtomicBool,
    cancel: &Cancel,
) -> CaseResult {
    let skipped = |reason: &str, group: &str| {
        let mut r = not_run(
            pc,
            &shared.redactor,
            &shared.target_name,
            Verdict::Skip,
            reason.to_owned(),
        );
        r.skip_group = Some(group.to_owned());
        r
    };
    if cancel.is_cancelled() {
        return skipped("not run: interrupted", "interrupted");
    }
    if stop.load(Ordering::SeqCst) {
        return skipped(
            "not run: --fail-fast after an earlier failure",
            "not run after a failure (--fail-fast)",
        );
    }
    // Cancellation stops the case's own steps; its cleanup still runs.
    execute(pc, shared, Some(cancel)).await
}
