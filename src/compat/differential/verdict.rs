//! The verdict of a differential case before any comparison: skipped, could not run on a side,
//! or ready to compare.

use std::sync::Arc;

use super::schedule::CaseRuns;
use super::{DiffSides, Mode};
use crate::engine::{Plan, PlannedCase};
use crate::result::{CaseResult, Verdict};

pub(super) fn skeleton(pc: &PlannedCase, label: &str, sides: &DiffSides) -> CaseResult {
    let case = pc.case();
    let url = |p: &Option<Arc<Plan>>| {
        p.as_ref()
            .and_then(|p| p.cases.get(pc.position))
            .and_then(|c| c.api.as_ref())
            .map(|a| a.base_url.to_string())
    };
    let base_url = match (url(&sides.baseline), url(&sides.candidate)) {
        (Some(b), Some(c)) => format!("{b} vs {c}"),
        (Some(x), None) | (None, Some(x)) => x,
        (None, None) => String::new(),
    };
    CaseResult {
        id: case.id.clone(),
        suite: pc.suite.name.clone(),
        case: case.name.clone(),
        api: pc.suite.api.clone(),
        target: label.to_owned(),
        base_url,
        tags: case.tags.clone(),
        span: case.span.clone(),
        verdict: Verdict::Pass,
        findings: Vec::new(),
        exchanges: Vec::new(),
        reason: None,
        skip_group: None,
        schema_ids: Vec::new(),
        duration: std::time::Duration::ZERO,
    }
}

/// Verdict before comparison: skip, error (a side could not complete) or pass.
pub(super) fn decide(result: &mut CaseResult, r: &CaseRuns, mode: Mode, golden_missing: bool) {
    if r.interrupted {
        result.verdict = Verdict::Skip;
        result.reason = Some("not run: interrupted".to_owned());
        return;
    }
    if golden_missing {
        result.verdict = Verdict::Skip;
        result.reason =
            Some("no golden file for this case (record it with --record DIR)".to_owned());
        return;
    }
    let labelled = [("baseline", &r.base), ("candidate", &r.cand)];
    for (label, s) in labelled {
        if let Some(reason) = s.as_ref().and_then(|s| s.skipped.as_ref()) {
            result.verdict = Verdict::Skip;
            result.reason = Some(format!("{label}: {reason}"));
            return;
        }
    }
    let expected = match mode {
        Mode::Live => [true, true],
        Mode::Record => [true, false],
        Mode::Against => [false, true],
    };
    for ((label, s), want) in labelled.into_iter().zip(expected) {
        if want && s.is_none() {
            result.verdict = Verdict::Error;
            result.reason = Some(format!("{label}: internal error: the case did not run"));
            return;
        }
        if let Some(f) = s.as_ref().and_then(|s| s.failure.as_ref()) {
            result.verdict = Verdict::Error;
            result.reason = Some(format!("{label}: {}", f.message));
            return;
        }
    }
}
