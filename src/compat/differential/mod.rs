//! Differential runs: every case against the baseline and the candidate (each side with its own
//! client, variables, credentials and captures), the baseline a second time to learn noise, then
//! a structural comparison per step. Emits ordinary engine events, so every reporter renders it.
//!
//! Phases, per scheduling unit (a serial suite, or one case): run both sides concurrently, then
//! replay the unit against the baseline alone. Replaying after the whole unit keeps the compared
//! responses free of the replay's side effects. Comparison happens once everything has run,
//! because noise learned at one exchange also covers the same endpoint elsewhere.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use serde_json::Value;

mod learning;
mod schedule;
pub(crate) mod side;
mod verdict;

use learning::{
    count_strings, endpoint_noise, generated_noise, learn_all, pair_generated_values,
    pair_golden_values, resolve_noise,
};
use schedule::execute_all;
use side::{SideCtx, redact_value};
use verdict::{decide, skeleton};

use super::compare::{Comparison, compare_scoped, fold_body_on_status};
use super::entities::{Scope, SideScope};
use super::golden::{FORMAT, GoldenCase, GoldenDir, GoldenError, GoldenStep, mask_noise};
use super::noise::{Learning, NoiseEntry, NoiseSet, Pairs};
use super::summary::{NoiseTally, case_findings};
use crate::engine::{Cancel, Plan, RunConfig};
use crate::http::HttpClient;
use crate::redact::Redactor;
use crate::result::compat::{CompatReport, DiffSummary, UnstableLine};
use crate::result::{Counts, Event, RunInfo, RunSummary, Verdict};

/// How to run a diff.
#[derive(Debug, Clone)]
pub struct DiffOptions {
    /// Timeouts, concurrency (cases in flight), retries, `--var`.
    pub run: RunConfig,
    /// Declared rules and compared headers.
    pub rules: crate::compat::rules::Rules,
    /// Call the baseline a second time to learn noise.
    pub learn: bool,
    /// Save the baseline's normalised exchanges here.
    pub record: Option<PathBuf>,
    /// Compare the candidate with golden files here instead of a live baseline.
    pub against: Option<PathBuf>,
}

/// The two sides, planned from the same suites and selection.
#[derive(Debug, Clone, Default)]
pub struct DiffSides {
    /// The reference (absent with `--against`).
    pub baseline: Option<Arc<Plan>>,
    /// The target under comparison (absent when only recording).
    pub candidate: Option<Arc<Plan>>,
}

/// Why a diff could not start.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// Missing or conflicting sides.
    #[error("{0}")]
    Usage(String),
    /// Golden directory problems.
    #[error(transparent)]
    Golden(#[from] GoldenError),
    /// The HTTP client could not be built.
    #[error(transparent)]
    Client(#[from] crate::http::ClientBuildError),
}

/// Runs a diff and feeds every event to `sink`; returns the summary (also the last event).
pub async fn run_diff(
    sides: DiffSides,
    opts: &DiffOptions,
    cancel: Cancel,
    sink: &mut (dyn FnMut(&Event) + Send),
) -> Result<RunSummary, DiffError> {
    let start = Instant::now();
    let mode = Mode::of(&sides, opts)?;
    let golden_in = match &opts.against {
        Some(dir) => Some(GoldenDir::open(dir)?),
        None => None,
    };
    let mut golden_out = match &opts.record {
        Some(dir) => Some(GoldenDir::create(dir)?),
        None => None,
    };
    let reference = sides
        .baseline
        .as_ref()
        .or(sides.candidate.as_ref())
        .cloned()
        .ok_or_else(|| DiffError::Usage("nothing to compare".to_owned()))?;
    if let (Some(b), Some(c)) = (&sides.baseline, &sides.candidate) {
        let same = b.cases.len() == c.cases.len()
            && b.cases
                .iter()
                .zip(&c.cases)
                .all(|(x, y)| x.case().id == y.case().id);
        if !same {
            return Err(DiffError::Usage(
                "internal error: the two sides planned different cases".to_owned(),
            ));
        }
    }
    let headers = Arc::new(opts.rules.headers.clone());
    let side = |plan: &Option<Arc<Plan>>,
                label: &'static str|
     -> Result<Option<Arc<SideCtx>>, DiffError> {
        let Some(p) = plan else { return Ok(None) };
        let cfg = &opts.run;
        let client = HttpClient::new(cfg.connect_timeout, cfg.body_cap, cfg.retry, cfg.jobs)?
            .trust_pem(&p.target.ca_certs)?;
        Ok(Some(Arc::new(SideCtx {
            label,
            client,
            cfg: cfg.clone(),
            redactor: p.redactor.clone(),
            headers: Arc::clone(&headers),
        })))
    };
    let base_ctx = side(&sides.baseline, "baseline")?;
    let cand_ctx = side(&sides.candidate, "candidate")?;

    let base_name = match (&sides.baseline, &opts.against) {
        (Some(b), _) => b.target.name.clone(),
        (None, Some(dir)) => format!("golden:{}", dir.display()),
        (None, None) => String::new(),
    };
    let cand_name = sides
        .candidate
        .as_ref()
        .map(|c| c.target.name.clone())
        .unwrap_or_default();
    let label = match mode {
        Mode::Record => base_name.clone(),
        _ if base_name == cand_name => format!("{base_name} (baseline) vs {cand_name} (candidate)"),
        _ => format!("{base_name} vs {cand_name}"),
    };
    let mut all_redactor = Redactor::default();
    let mut base_urls = Vec::new();
    for (role, plan) in [
        ("baseline", &sides.baseline),
        ("candidate", &sides.candidate),
    ] {
        if let Some(p) = plan {
            all_redactor.extend(&p.redactor);
            base_urls.extend(p.base_urls(role));
        }
    }
    sink(&Event::RunStarted(RunInfo {
        total_cases: Some(reference.cases.len()),
        target: label.clone(),
        base_urls,
        strict: false,
    }));

    let runs = execute_all(&sides, base_ctx, cand_ctx, opts, &cancel).await;

    // Learning.
    let learnings = learn_all(&reference, &runs, opts, golden_in.as_ref())?;
    let generated = if golden_in.is_some() || !opts.learn {
        BTreeMap::new()
    } else {
        generated_noise(&reference, &runs, opts)
    };
    let endpoint_noise = endpoint_noise(&reference, &learnings, generated);

    let mut tally = NoiseTally::default();
    let mut counts = Counts::default();
    let mut summary = DiffSummary {
        baseline: base_name.clone(),
        candidate: cand_name.clone(),
        rules: opts.rules.rules.iter().map(ToString::to_string).collect(),
        headers: opts.rules.headers.clone(),
        learned: opts.learn && mode != Mode::Against,
        recorded: opts.record.as_ref().map(|d| d.display().to_string()),
        against: opts.against.as_ref().map(|d| d.display().to_string()),
        ..DiffSummary::default()
    };
    let now = time::OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();

    // Inputs of every comparison: baseline documents (live or golden), candidate documents,
    // and the noise of each step.
    let mut prepared: Vec<Prepared> = Vec::with_capacity(reference.cases.len());
    for (idx, pc) in reference.cases.iter().enumerate() {
        let r = &runs[idx];
        let mut redactor = all_redactor.clone();
        for s in [&r.base, &r.cand, &r.replay].into_iter().flatten() {
            redactor.extend(&s.redactor);
        }
        let golden_case = match &golden_in {
            Some(g) => g.read(&pc.case().id)?,
            None => None,
        };
        let base_docs: Vec<(usize, Value)> = match (&r.base, &golden_case) {
            (Some(b), _) => b.docs.iter().map(|d| (d.step, d.doc.clone())).collect(),
            (None, Some(g)) => g
                .steps
                .iter()
                .map(|s| (s.step, s.exchange.clone()))
                .collect(),
            _ => Vec::new(),
        };
        let base_requests: Vec<(usize, String)> = match (&r.base, &golden_case) {
            (Some(b), _) => b.docs.iter().map(|d| (d.step, d.request.clone())).collect(),
            (None, Some(g)) => g
                .steps
                .iter()
                .map(|s| (s.step, s.request.clone()))
                .collect(),
            _ => Vec::new(),
        };
        let cand_requests: Vec<(usize, String)> = r
            .cand
            .iter()
            .flat_map(|c| c.docs.iter().map(|d| (d.step, d.request.clone())))
            .collect();
        let cand_docs: Vec<(usize, Value)> = match &r.cand {
            // Golden files are redacted; redact the candidate the same way.
            Some(c) if golden_case.is_some() => c
                .docs
                .iter()
                .map(|d| (d.step, redact_value(&d.doc, &c.redactor)))
                .collect(),
            Some(c) => c.docs.iter().map(|d| (d.step, d.doc.clone())).collect(),
            None => Vec::new(),
        };
        let mut noise_by_step: BTreeMap<usize, NoiseSet> = BTreeMap::new();
        for step in 0..pc.case().steps.len() {
            let set = match &golden_case {
                Some(g) => {
                    let mut set = NoiseSet::default();
                    for s in g.steps.iter().filter(|s| s.step == step) {
                        for e in &s.noise {
                            set.add(e.clone());
                        }
                    }
                    set
                }
                None => resolve_noise(idx, step, pc, &learnings, &endpoint_noise, opts.learn),
            };
            noise_by_step.insert(step, set);
            if let Some(Learning::Unstable(why)) = learnings.get(&(idx, step)) {
                summary.unstable.push(UnstableLine {
                    case: pc.case().id.clone(),
                    step,
                    why: redactor.redact(why),
                });
            }
        }
        if let Some(g) = &golden_case {
            for s in g.steps.iter().filter(|s| s.unstable.is_some()) {
                summary.unstable.push(UnstableLine {
                    case: g.case.clone(),
                    step: s.step,
                    why: s.unstable.clone().unwrap_or_default(),
                });
            }
        }
        prepared.push(Prepared {
            redactor,
            golden_case,
            base_docs,
            cand_docs,
            base_requests,
            cand_requests,
            noise_by_step,
        });
    }
    let pairs = match mode {
        Mode::Live => pair_generated_values(&reference, &prepared, &opts.rules),
        Mode::Against => pair_golden_values(&reference, &prepared),
        Mode::Record => Pairs::default(),
    };

    // How often each string occurs in the baseline's responses (for golden `generated` values).
    let mut recurring: BTreeMap<String, usize> = BTreeMap::new();
    if golden_out.is_some() {
        for r in &runs {
            for d in r.base.iter().flat_map(|b| &b.docs) {
                count_strings(&d.doc, &mut recurring);
            }
        }
    }

    for (idx, pc) in reference.cases.iter().enumerate() {
        let r = &runs[idx];
        let Prepared {
            redactor,
            golden_case,
            base_docs,
            cand_docs,
            base_requests,
            cand_requests,
            noise_by_step,
        } = &prepared[idx];
        let mut result = skeleton(pc, &label, &sides);
        decide(
            &mut result,
            r,
            mode,
            golden_in.is_some() && golden_case.is_none(),
        );
        if result.verdict != Verdict::Skip && mode != Mode::Record && r.cand.is_some() {
            let mut comparisons: Vec<(usize, Comparison, Value, Value)> = Vec::new();
            for (step, cand_doc) in cand_docs {
                let Some((_, base_doc)) = base_docs.iter().find(|(s, _)| s == step) else {
                    continue;
                };
                let noise = noise_by_step.get(step).cloned().unwrap_or_default();
                let scope = Scope {
                    baseline: SideScope::of_step(
                        base_requests
                            .iter()
                            .zip(base_docs)
                            .map(|((i, r), (_, d))| (*i, r.as_str(), d)),
                        *step,
                    ),
                    candidate: SideScope::of_step(
                        cand_requests
                            .iter()
                            .zip(cand_docs)
                            .map(|((i, r), (_, d))| (*i, r.as_str(), d)),
                        *step,
                    ),
                };
                let mut c = compare_scoped(
                    base_doc,
                    cand_doc,
                    &opts.rules,
                    Some(&noise),
                    Some(&pairs),
                    Some(&scope),
                );
                fold_body_on_status(&mut c, base_doc, cand_doc);
                tally.add(&pc.case().id, &c, &noise);
                comparisons.push((*step, c, base_doc.clone(), cand_doc.clone()));
            }
            let findings = case_findings(pc, &comparisons, redactor);
            let n = findings.len();
            if n > 0 {
                summary.cases_differing += 1;
                summary.differences += n;
                let why = result.reason.take();
                result.verdict = Verdict::Fail;
                result.reason = why.map(|w| format!("{w} (after the differences below)"));
            }
            result.findings = findings;
        }
        if let (Some(g), Some(b)) = (&mut golden_out, &r.base) {
            if b.failure.is_none() && b.skipped.is_none() && !r.interrupted {
                let steps = b
                    .docs
                    .iter()
                    .map(|d| {
                        let noise: Vec<NoiseEntry> = noise_by_step
                            .get(&d.step)
                            .map(|n| n.entries().to_vec())
                            .unwrap_or_default();
                        let (exchange, mut generated) =
                            mask_noise(&redact_value(&d.doc, redactor), &noise);
                        // Keep only values that appear again in the recording (a minted id
                        // listed later): request ids and tokens would make every file churn.
                        generated.retain(|_, v| {
                            recurring.get(&redactor.redact(v)).is_some_and(|n| *n > 1)
                                || recurring.get(v.as_str()).is_some_and(|n| *n > 1)
                        });
                        GoldenStep {
                            step: d.step,
                            request: d.request.clone(),
                            exchange,
                            generated,
                            unstable: match learnings.get(&(idx, d.step)) {
                                Some(Learning::Unstable(w)) => Some(redactor.redact(w)),
                                _ => None,
                            },
                            noise,
                        }
                    })
                    .collect();
                let case = GoldenCase {
                    format: FORMAT,
                    case: pc.case().id.clone(),
                    target: base_name.clone(),
                    recorded_at: now.clone(),
                    steps,
                };
                if let Err(e) = g.write(&case, &pc.suite.name, &pc.case().name) {
                    result.verdict = Verdict::Error;
                    result.reason = Some(e.to_string());
                }
            }
        }
        // Step by step, baseline then candidate, so reports show each step's pair together.
        for s in [&r.base, &r.cand].into_iter().flatten() {
            result.exchanges.extend(s.exchanges.iter().cloned());
        }
        result.exchanges.sort_by_key(|e| e.step);
        result.duration = [&r.base, &r.cand]
            .into_iter()
            .flatten()
            .flat_map(|s| s.exchanges.iter().map(|e| e.elapsed))
            .sum();
        counts.add(&result);
        sink(&Event::CaseFinished(Box::new(result)));
    }
    summary.noise = tally.lines(&all_redactor);
    sink(&Event::Compat(Box::new(CompatReport::Diff(summary))));
    let summary = RunSummary {
        counts,
        duration: start.elapsed(),
        interrupted: cancel.is_cancelled(),
    };
    sink(&Event::RunFinished(summary.clone()));
    Ok(summary)
}

/// Everything one case's comparison needs.
pub(super) struct Prepared {
    pub redactor: Redactor,
    pub golden_case: Option<GoldenCase>,
    pub base_docs: Vec<(usize, Value)>,
    pub cand_docs: Vec<(usize, Value)>,
    /// `(step, METHOD /path?query)` of each document above, in the same order.
    pub base_requests: Vec<(usize, String)>,
    pub cand_requests: Vec<(usize, String)>,
    pub noise_by_step: BTreeMap<usize, NoiseSet>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Mode {
    /// Baseline and candidate online.
    Live,
    /// Baseline only, writing golden files.
    Record,
    /// Candidate against golden files.
    Against,
}

impl Mode {
    fn of(sides: &DiffSides, opts: &DiffOptions) -> Result<Self, DiffError> {
        match (
            &sides.baseline,
            &sides.candidate,
            &opts.record,
            &opts.against,
        ) {
            (_, _, Some(_), Some(_)) => Err(DiffError::Usage(
                "--record and --against cannot be combined".to_owned(),
            )),
            (Some(_), _, _, Some(_)) => Err(DiffError::Usage(
                "--against compares the candidate with golden files: drop --baseline".to_owned(),
            )),
            (None, Some(_), None, Some(_)) => Ok(Mode::Against),
            (None, _, _, None) => Err(DiffError::Usage(
                "missing --baseline (or --against DIR to compare with golden files)".to_owned(),
            )),
            (Some(_), None, Some(_), None) => Ok(Mode::Record),
            (Some(_), None, None, None) => Err(DiffError::Usage(
                "missing --candidate (or --record DIR to only record the baseline)".to_owned(),
            )),
            (Some(_), Some(_), _, None) => Ok(Mode::Live),
            (None, None, _, Some(_)) => {
                Err(DiffError::Usage("--against needs --candidate".to_owned()))
            }
        }
    }
}
