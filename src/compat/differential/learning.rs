//! What a differential run learns: the noise of each exchange (from the baseline's two calls of a
//! safe step, the same endpoint elsewhere, what the server generated afresh at the same endpoint
//! in other cases, or the API as a whole), and the pairs of generated values (fresh ids, tokens)
//! that stand for each other on the two sides.

use std::collections::BTreeMap;

use serde_json::Value;

use super::schedule::CaseRuns;
use super::{DiffError, DiffOptions, Prepared};
use crate::compat::compare::{Because, compare};
use crate::compat::golden::GoldenDir;
use crate::compat::noise::{Learning, NoiseEntry, NoiseSet, Pairs, learn, learn_generated};
use crate::compat::rules::Rules;
use crate::engine::{Plan, PlannedCase};

/// Pairs the values that learned noise let differ between the sides (fresh ids, tokens): the
/// same request generated them, so wherever they appear later they stand for each other.
pub(super) fn pair_generated_values(
    reference: &Plan,
    prepared: &[Prepared],
    rules: &Rules,
) -> Pairs {
    let mut pairs = Pairs::default();
    for (pc, p) in reference.cases.iter().zip(prepared) {
        for (step, cand_doc) in &p.cand_docs {
            let Some((_, base_doc)) = p.base_docs.iter().find(|(s, _)| s == step) else {
                continue;
            };
            let Some(noise) = p.noise_by_step.get(step) else {
                continue;
            };
            let c = compare(base_doc, cand_doc, rules, Some(noise));
            for s in &c.suppressed {
                if !matches!(s.because, Because::Noise(_)) {
                    continue;
                }
                if let (Some(Value::String(a)), Some(Value::String(b))) =
                    (base_doc.pointer(&s.pointer), cand_doc.pointer(&s.pointer))
                {
                    let origin = format!("{} step {} {}", pc.case().id, step + 1, s.pointer);
                    pairs.add(a, b, &p.redactor.redact(&origin));
                }
            }
        }
    }
    pairs
}

pub(super) fn count_strings(v: &Value, out: &mut BTreeMap<String, usize>) {
    match v {
        Value::String(s) if s.len() >= 8 => *out.entry(s.clone()).or_default() += 1,
        Value::Array(a) => a.iter().for_each(|x| count_strings(x, out)),
        Value::Object(m) => m.values().for_each(|x| count_strings(x, out)),
        _ => {}
    }
}

/// [`pair_generated_values`] for golden files: the recorded values of masked noise pair with
/// the candidate's values at the same places.
pub(super) fn pair_golden_values(reference: &Plan, prepared: &[Prepared]) -> Pairs {
    let mut pairs = Pairs::default();
    for (pc, p) in reference.cases.iter().zip(prepared) {
        let Some(g) = &p.golden_case else {
            continue;
        };
        for s in &g.steps {
            let Some((_, cand_doc)) = p.cand_docs.iter().find(|(step, _)| *step == s.step) else {
                continue;
            };
            for (ptr, recorded) in &s.generated {
                if let Some(Value::String(now)) = cand_doc.pointer(ptr) {
                    let origin = format!("{} step {} {ptr}", pc.case().id, s.step + 1);
                    pairs.add(recorded, now, &origin);
                }
            }
        }
    }
    pairs
}

pub(super) type Learnings = BTreeMap<(usize, usize), Learning>;

pub(super) fn learn_all(
    reference: &Plan,
    runs: &[CaseRuns],
    opts: &DiffOptions,
    golden: Option<&GoldenDir>,
) -> Result<Learnings, DiffError> {
    let mut out = Learnings::new();
    if golden.is_some() {
        return Ok(out);
    }
    for (idx, r) in runs.iter().enumerate() {
        let (Some(b), Some(rep)) = (&r.base, &r.replay) else {
            continue;
        };
        let Some(pc) = reference.cases.get(idx) else {
            continue;
        };
        let replayed = super::schedule::safe_prefix(pc);
        // Steps after the first state-changing one are never called twice.
        for d in b.docs.iter().filter(|d| d.step < replayed) {
            let learned_at = format!("{} step {}", pc.case().id, d.step + 1);
            let l = match rep.docs.iter().find(|x| x.step == d.step) {
                Some(second) => learn(&d.doc, &second.doc, &opts.rules, &learned_at),
                None => Learning::Unstable(match &rep.failure {
                    Some(f) => format!("the second call did not complete: {}", f.message),
                    None => "the second call did not reach this step".to_owned(),
                }),
            };
            out.insert((idx, d.step), l);
        }
    }
    Ok(out)
}

/// `api METHOD path-template`, every `${…}` of the template written `{}` (two cases calling the
/// same endpoint through differently named captures share a key).
pub(super) fn endpoint_key(pc: &PlannedCase, step: usize) -> Option<String> {
    let s = pc.case().steps.get(step)?;
    let path = match &s.request.path {
        Value::String(p) => p.clone(),
        other => other.to_string(),
    };
    Some(format!(
        "{} {} {}",
        pc.suite.api,
        s.request.method,
        blank_placeholders(&path)
    ))
}

fn blank_placeholders(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(start) = rest.find("${") {
        out.push_str(&rest[..start]);
        match rest[start..].find('}') {
            Some(end) => {
                out.push_str("{}");
                rest = &rest[start + end + 1..];
            }
            None => {
                rest = &rest[start..];
                break;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Most pairs of calls compared per endpoint when learning generated values across cases.
const MAX_CROSS_CALL_PAIRS: usize = 32;

/// Endpoint key → noise of values the baseline generated afresh at that endpoint, learned by
/// comparing its calls from different steps (with the same status) of the first phase. Nothing
/// is sent for this: it is how the noise of a step that cannot be repeated (a create, a revoke,
/// anything after one) is learned.
pub(super) fn generated_noise(
    reference: &Plan,
    runs: &[CaseRuns],
    opts: &DiffOptions,
) -> BTreeMap<String, Vec<NoiseEntry>> {
    let mut calls: BTreeMap<(String, u64), Vec<(String, &Value)>> = BTreeMap::new();
    for (idx, r) in runs.iter().enumerate() {
        let (Some(b), Some(pc)) = (&r.base, reference.cases.get(idx)) else {
            continue;
        };
        for d in &b.docs {
            let Some(key) = endpoint_key(pc, d.step) else {
                continue;
            };
            let status = d.doc.get("status").and_then(Value::as_u64).unwrap_or(0);
            let at = format!("{} step {}", pc.case().id, d.step + 1);
            calls.entry((key, status)).or_default().push((at, &d.doc));
        }
    }
    let mut out: BTreeMap<String, Vec<NoiseEntry>> = BTreeMap::new();
    for ((key, _), list) in calls {
        let entries = out.entry(key).or_default();
        for w in list.windows(2).take(MAX_CROSS_CALL_PAIRS) {
            let (at_a, a) = &w[0];
            let (at_b, b) = &w[1];
            let learned_at = format!("{at_a} and {at_b}");
            for e in learn_generated(a, b, &opts.rules, &learned_at) {
                if !entries.iter().any(|x| x.pattern == e.pattern) {
                    entries.push(e);
                }
            }
        }
    }
    out.retain(|_, v| !v.is_empty());
    out
}

pub(super) struct EndpointNoise {
    /// Endpoint key → noise learned at stable exchanges of it.
    by_endpoint: BTreeMap<String, Vec<NoiseEntry>>,
    /// Endpoint key → values generated afresh by each call of it ([`generated_noise`]).
    generated: BTreeMap<String, Vec<NoiseEntry>>,
    /// API → noise patterns learned at two or more endpoints of it.
    by_api: BTreeMap<String, Vec<NoiseEntry>>,
}

pub(super) fn endpoint_noise(
    reference: &Plan,
    learnings: &Learnings,
    generated: BTreeMap<String, Vec<NoiseEntry>>,
) -> EndpointNoise {
    let mut by_endpoint: BTreeMap<String, Vec<NoiseEntry>> = BTreeMap::new();
    let mut api_patterns: BTreeMap<String, BTreeMap<String, (NoiseEntry, Vec<String>)>> =
        BTreeMap::new();
    for ((idx, step), l) in learnings {
        let Learning::Stable(entries) = l else {
            continue;
        };
        let Some(pc) = reference.cases.get(*idx) else {
            continue;
        };
        let Some(key) = endpoint_key(pc, *step) else {
            continue;
        };
        for e in entries {
            let list = by_endpoint.entry(key.clone()).or_default();
            if !list.iter().any(|x| x.pattern == e.pattern) {
                list.push(e.clone());
            }
            let slot = api_patterns
                .entry(pc.suite.api.clone())
                .or_default()
                .entry(e.pattern.clone())
                .or_insert_with(|| (e.clone(), Vec::new()));
            if !slot.1.contains(&key) {
                slot.1.push(key.clone());
            }
        }
    }
    let by_api = api_patterns
        .into_iter()
        .map(|(api, pats)| {
            let list = pats
                .into_values()
                .filter(|(_, eps)| eps.len() >= 2)
                .map(|(e, _)| e)
                .collect();
            (api, list)
        })
        .collect();
    EndpointNoise {
        by_endpoint,
        generated,
        by_api,
    }
}

/// The noise of one exchange: what its own two baseline calls taught; when they were not
/// repeatable (or not made: a step that changes state, or follows one), what varied at the same
/// endpoint elsewhere, what that endpoint generated afresh in other calls, and what varied at two
/// or more endpoints of the same API.
pub(super) fn resolve_noise(
    idx: usize,
    step: usize,
    pc: &PlannedCase,
    learnings: &Learnings,
    shared: &EndpointNoise,
    learn: bool,
) -> NoiseSet {
    let mut set = NoiseSet::default();
    let own_stable = match learnings.get(&(idx, step)) {
        Some(Learning::Stable(entries)) => {
            for e in entries {
                set.add(e.clone());
            }
            true
        }
        _ => false,
    };
    // An exchange with its own stable sample keeps exactly what it learned: inheriting from
    // other cases would let fields that vary there (the id of a session they created) hide a
    // real difference here.
    if own_stable {
        return set;
    }
    let key = endpoint_key(pc, step);
    if let Some(list) = key.as_ref().and_then(|k| shared.by_endpoint.get(k)) {
        for e in list {
            set.add(e.inherit("same endpoint"));
        }
    }
    if let Some(list) = key.as_ref().and_then(|k| shared.generated.get(k)) {
        for e in list {
            set.add(e.inherit("generated afresh by other calls of this endpoint"));
        }
    }
    if let Some(list) = shared.by_api.get(&pc.suite.api) {
        for e in list {
            set.add(e.inherit("varied at several endpoints of this API"));
        }
    }
    if learn {
        set.add(NoiseEntry::generated_anywhere(&format!(
            "{} step {}",
            pc.case().id,
            step + 1
        )));
    }
    set
}
