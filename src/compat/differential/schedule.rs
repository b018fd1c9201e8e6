//! Scheduling of a differential run: the plan's units (a serial suite, or one case) run against
//! both sides, a case's two sides concurrently, then once more against the baseline alone to
//! learn noise. The second call never repeats a request that changes state: only the steps
//! before a case's first non-idempotent step (anything but GET, HEAD, OPTIONS) are replayed, so a
//! diff leaves the baseline with exactly the state it leaves the candidate with.

use std::sync::Arc;

use tokio::sync::Semaphore;

use super::side::{SideCtx, SideRun, run_side};
use super::{DiffOptions, DiffSides};
use crate::engine::{Cancel, Plan, PlannedCase};

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
    for (idx, b, c, interrupted) in phase(&units, sides, &base, &cand, &sem, cancel, false).await {
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
        // Only cases with a safe first step have anything to replay.
        let safe_units: Vec<Vec<usize>> = units
            .iter()
            .map(|u| {
                u.iter()
                    .copied()
                    .filter(|&i| reference.cases.get(i).is_some_and(|pc| safe_prefix(pc) > 0))
                    .collect::<Vec<usize>>()
            })
            .filter(|u| !u.is_empty())
            .collect();
        let replays = phase(&safe_units, &only_base, &base, &None, &sem, cancel, true).await;
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
    safe_only: bool,
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
                safe_only,
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
            safe_only,
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

/// Runs a unit's cases in order, both sides of each case concurrently (with `safe_only`, only
/// each case's [`safe_prefix`]).
pub(super) async fn run_unit(
    unit: Vec<usize>,
    sides: DiffSides,
    base: Option<Arc<SideCtx>>,
    cand: Option<Arc<SideCtx>>,
    sem: Arc<Semaphore>,
    cancel: Cancel,
    safe_only: bool,
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
        let b = side_future(&sides.baseline, &base, idx, safe_only);
        let c = side_future(&sides.candidate, &cand, idx, safe_only);
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
    safe_only: bool,
) -> Option<SideRun> {
    let (Some(plan), Some(ctx)) = (plan, ctx) else {
        return None;
    };
    let pc = plan.cases.get(idx)?;
    let steps = if safe_only {
        safe_prefix(pc)
    } else {
        pc.case().steps.len()
    };
    Some(run_side(pc, ctx, steps).await)
}

/// How many of a case's first steps can be sent again without changing the server's state:
/// those before its first request with a method other than GET, HEAD or OPTIONS (a later step
/// may read what that request changed, so it is not repeatable either).
pub(super) fn safe_prefix(pc: &PlannedCase) -> usize {
    pc.case()
        .steps
        .iter()
        .take_while(|s| matches!(s.request.method.as_str(), "GET" | "HEAD" | "OPTIONS"))
        .count()
}
