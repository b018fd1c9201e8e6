//! Scheduling of a differential run: the plan's units (a serial suite, or one case) run against
//! both sides, a case's two sides concurrently, then once more against the baseline alone to
//! learn noise.

use std::sync::Arc;

use tokio::sync::Semaphore;

use super::side::{SideCtx, SideRun, run_side};
use super::{DiffOptions, DiffSides};
use crate::engine::{Cancel, Plan};

#[derive(Default)]
pub(super) struct CaseRuns {
    pub base: Option<SideRun>,
    pub cand: Option<SideRun>,
    pub replay: Option<SideRun>,
    pub interrupted: bool,
}

/// Groups cases into scheduling units (a serial suite is one unit) and runs them.
pub(super) async fn execute_all(
    sides: &DiffSides,
    base: Option<Arc<SideCtx>>,
    cand: Option<Arc<SideCtx>>,
    opts: &DiffOptions,
    cancel: &Cancel,
) -> Vec<CaseRuns> {
    let reference = match sides.baseline.as_ref().or(sides.candidate.as_ref()) {
        Some(p) => Arc::clone(p),
        None => return Vec::new(),
    };
    let n = reference.cases.len();
    let units = reference.units();
    let sem = Arc::new(Semaphore::new(opts.run.jobs.max(1)));
    let mut all: Vec<CaseRuns> = (0..n).map(|_| CaseRuns::default()).collect();
    // Phase 1: both sides. Phase 2, after every unit of phase 1, so that its side effects never
    // reach a compared response: the baseline again, to learn noise.
    for (idx, b, c, interrupted) in phase(&units, sides, &base, &cand, &sem, cancel).await {
        if let Some(slot) = all.get_mut(idx) {
            slot.base = b;
            slot.cand = c;
            slot.interrupted = interrupted;
        }
    }
    if opts.learn && sides.baseline.is_some() && !cancel.is_cancelled() {
        let only_base = DiffSides {
            baseline: sides.baseline.clone(),
            candidate: None,
        };
        let replays = phase(&units, &only_base, &base, &None, &sem, cancel).await;
        for (idx, b, _, _) in replays {
            if let Some(slot) = all.get_mut(idx) {
                if !slot.interrupted {
                    slot.replay = b;
                }
            }
        }
    }
    all
}

pub(super) type PhaseResult = (usize, Option<SideRun>, Option<SideRun>, bool);

/// Runs every unit (its cases in order, units concurrently within the `jobs` budget) against the
/// given sides; a case's two sides run concurrently.
pub(super) async fn phase(
    units: &[Vec<usize>],
    sides: &DiffSides,
    base: &Option<Arc<SideCtx>>,
    cand: &Option<Arc<SideCtx>>,
    sem: &Arc<Semaphore>,
    cancel: &Cancel,
) -> Vec<PhaseResult> {
    let mut all = Vec::new();
    // One case at a time: in plan order, so that every run (a recording and a later comparison
    // with it, too) sends the same calls in the same order.
    if sem.available_permits() <= 1 {
        for unit in units {
            let out = run_unit(
                unit.clone(),
                sides.clone(),
                base.clone(),
                cand.clone(),
                Arc::clone(sem),
                cancel.clone(),
            )
            .await;
            all.extend(out);
        }
        return all;
    }
    let mut handles = Vec::new();
    for unit in units {
        handles.push(tokio::spawn(run_unit(
            unit.clone(),
            sides.clone(),
            base.clone(),
            cand.clone(),
            Arc::clone(sem),
            cancel.clone(),
        )));
    }
    for h in handles {
        // A panicking unit is a bug; its cases stay empty and are reported as errors.
        if let Ok(list) = h.await {
            all.extend(list);
        }
    }
    all
}

/// Runs a unit's cases in order, both sides of each case concurrently.
pub(super) async fn run_unit(
    unit: Vec<usize>,
    sides: DiffSides,
    base: Option<Arc<SideCtx>>,
    cand: Option<Arc<SideCtx>>,
    sem: Arc<Semaphore>,
    cancel: Cancel,
) -> Vec<PhaseResult> {
    let mut out: Vec<PhaseResult> = Vec::new();
    for idx in unit {
        let Ok(_permit) = sem.acquire().await else {
            out.push((idx, None, None, true));
            continue;
        };
        if cancel.is_cancelled() {
            out.push((idx, None, None, true));
            continue;
        }
        let b = side_future(&sides.baseline, &base, idx);
        let c = side_future(&sides.candidate, &cand, idx);
        tokio::select! {
            (b, c) = async { tokio::join!(b, c) } => out.push((idx, b, c, false)),
            () = cancel.cancelled() => out.push((idx, None, None, true)),
        }
    }
    out
}

pub(super) async fn side_future(
    plan: &Option<Arc<Plan>>,
    ctx: &Option<Arc<SideCtx>>,
    idx: usize,
) -> Option<SideRun> {
    let (Some(plan), Some(ctx)) = (plan, ctx) else {
        return None;
    };
    let pc = plan.cases.get(idx)?;
    Some(run_side(pc, ctx).await)
}
