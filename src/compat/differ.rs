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
use tokio::sync::Semaphore;

use super::diff::{Because, Comparison, compare, compare_with, fold_body_on_status};
use super::golden::{FORMAT, GoldenCase, GoldenDir, GoldenError, GoldenStep, mask_noise};
use super::noise::{Learning, NoiseEntry, NoiseSet, Pairs, learn};
use super::report::{CompatReport, DiffSummary, UnstableLine};
use super::side::{SideCtx, SideRun, redact_value, run_side};
use super::summary::{NoiseTally, case_findings};
use crate::engine::{Cancel, Plan, PlannedCase, RunConfig};
use crate::http::HttpClient;
use crate::redact::Redactor;
use crate::result::{CaseResult, Counts, Event, RunInfo, RunSummary, Verdict};

/// How to run a diff.
#[derive(Debug, Clone)]
pub struct DiffOptions {
    /// Timeouts, concurrency (cases in flight), retries, `--var`.
    pub run: RunConfig,
    /// Declared rules and compared headers.
    pub rules: super::rules::Rules,
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
}

#[derive(Default)]
struct CaseRuns {
    base: Option<SideRun>,
    cand: Option<SideRun>,
    replay: Option<SideRun>,
    interrupted: bool,
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
        let client = HttpClient::new(cfg.connect_timeout, cfg.body_cap, cfg.retry, cfg.jobs)
            .and_then(|c| c.trust_pem(&p.target.ca_certs))
            .map_err(DiffError::Usage)?;
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
            for (api, t) in &p.target.apis {
                base_urls.push((
                    format!("{role}/{api}"),
                    p.redactor.redact(t.base_url.as_str()),
                ));
            }
        }
    }
    sink(&Event::RunStarted(RunInfo {
        total_cases: reference.cases.len(),
        target: label.clone(),
        base_urls,
        strict: false,
    }));

    let runs = execute_all(&sides, base_ctx, cand_ctx, opts, &cancel).await;

    // Learning.
    let learnings = learn_all(&reference, &runs, opts, golden_in.as_ref())?;
    let endpoint_noise = endpoint_noise(&reference, &learnings);

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
                None => resolve_noise(idx, step, pc, &learnings, &endpoint_noise),
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
                let mut c =
                    compare_with(base_doc, cand_doc, &opts.rules, Some(&noise), Some(&pairs));
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
struct Prepared {
    redactor: Redactor,
    golden_case: Option<GoldenCase>,
    base_docs: Vec<(usize, Value)>,
    cand_docs: Vec<(usize, Value)>,
    noise_by_step: BTreeMap<usize, NoiseSet>,
}

/// Pairs the values that learned noise let differ between the sides (fresh ids, tokens): the
/// same request generated them, so wherever they appear later they stand for each other.
fn pair_generated_values(
    reference: &Plan,
    prepared: &[Prepared],
    rules: &super::rules::Rules,
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

fn count_strings(v: &Value, out: &mut BTreeMap<String, usize>) {
    match v {
        Value::String(s) if s.len() >= 8 => *out.entry(s.clone()).or_default() += 1,
        Value::Array(a) => a.iter().for_each(|x| count_strings(x, out)),
        Value::Object(m) => m.values().for_each(|x| count_strings(x, out)),
        _ => {}
    }
}

/// [`pair_generated_values`] for golden files: the recorded values of masked noise pair with
/// the candidate's values at the same places.
fn pair_golden_values(reference: &Plan, prepared: &[Prepared]) -> Pairs {
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
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

/// Groups cases into scheduling units (a serial suite is one unit) and runs them.
async fn execute_all(
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
    let mut units: Vec<Vec<usize>> = Vec::new();
    let mut serial: BTreeMap<String, usize> = BTreeMap::new();
    for (i, pc) in reference.cases.iter().enumerate() {
        if pc.suite.serial {
            match serial.get(&pc.suite.name) {
                Some(&u) => units[u].push(i),
                None => {
                    serial.insert(pc.suite.name.clone(), units.len());
                    units.push(vec![i]);
                }
            }
        } else {
            units.push(vec![i]);
        }
    }
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

type PhaseResult = (usize, Option<SideRun>, Option<SideRun>, bool);

/// Runs every unit (its cases in order, units concurrently within the `jobs` budget) against the
/// given sides; a case's two sides run concurrently.
async fn phase(
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
async fn run_unit(
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

async fn side_future(
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

type Learnings = BTreeMap<(usize, usize), Learning>;

fn learn_all(
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
        for d in &b.docs {
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

fn endpoint_key(pc: &PlannedCase, step: usize) -> Option<String> {
    let s = pc.case().steps.get(step)?;
    let path = match &s.request.path {
        Value::String(p) => p.clone(),
        other => other.to_string(),
    };
    Some(format!("{} {} {path}", pc.suite.api, s.request.method))
}

struct EndpointNoise {
    /// Endpoint key → noise learned at stable exchanges of it.
    by_endpoint: BTreeMap<String, Vec<NoiseEntry>>,
    /// API → noise patterns learned at two or more endpoints of it.
    by_api: BTreeMap<String, Vec<NoiseEntry>>,
}

fn endpoint_noise(reference: &Plan, learnings: &Learnings) -> EndpointNoise {
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
        by_api,
    }
}

/// The noise of one exchange: what its own two baseline calls taught; when they were not
/// repeatable (or not made), what varied at the same endpoint elsewhere and at two or more
/// endpoints of the same API.
fn resolve_noise(
    idx: usize,
    step: usize,
    pc: &PlannedCase,
    learnings: &Learnings,
    shared: &EndpointNoise,
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
    if let Some(list) = endpoint_key(pc, step).and_then(|k| shared.by_endpoint.get(&k)) {
        for e in list {
            set.add(e.inherit("same endpoint"));
        }
    }
    {
        if let Some(list) = shared.by_api.get(&pc.suite.api) {
            for e in list {
                set.add(e.inherit("varied at several endpoints of this API"));
            }
        }
    }
    set
}

fn skeleton(pc: &PlannedCase, label: &str, sides: &DiffSides) -> CaseResult {
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
        schema_ids: Vec::new(),
        duration: std::time::Duration::ZERO,
    }
}

/// Verdict before comparison: skip, error (a side could not complete) or pass.
fn decide(result: &mut CaseResult, r: &CaseRuns, mode: Mode, golden_missing: bool) {
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
