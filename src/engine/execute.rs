//! Executes one planned case: its steps through [`super::step`], each response checked, and a
//! redacted result.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::config::RunConfig;
use super::plan::PlannedCase;
use super::step::{Flow, StepEnv, run_steps};
use crate::case::model::Level;
use crate::check::{CheckContext, check_response};
use crate::http::HttpClient;
use crate::redact::Redactor;
use crate::result::{CaseResult, Finding, Verdict};
use crate::schema::SchemaStore;

/// Shared, read-only inputs of every case.
pub(crate) struct Shared {
    pub client: HttpClient,
    pub schemas: std::sync::Arc<SchemaStore>,
    pub cfg: RunConfig,
    pub redactor: Redactor,
    pub target_name: String,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

/// A result for a case that did not run.
pub(crate) fn not_run(
    pc: &PlannedCase,
    redactor: &Redactor,
    target_name: &str,
    verdict: Verdict,
    reason: String,
) -> CaseResult {
    let case = pc.case();
    CaseResult {
        id: case.id.clone(),
        suite: pc.suite.name.clone(),
        case: case.name.clone(),
        api: pc.suite.api.clone(),
        target: target_name.to_owned(),
        base_url: pc
            .api
            .as_ref()
            .map(|a| a.base_url.to_string())
            .unwrap_or_default(),
        tags: case.tags.clone(),
        span: case.span.clone(),
        verdict,
        findings: Vec::new(),
        exchanges: Vec::new(),
        reason: Some(redactor.redact(&reason)),
        schema_ids: Vec::new(),
        duration: Duration::ZERO,
    }
}

/// Runs one case to completion.
pub(crate) async fn execute(pc: &PlannedCase, shared: &Shared) -> CaseResult {
    if let Some(reason) = &pc.skip {
        return not_run(
            pc,
            &shared.redactor,
            &shared.target_name,
            Verdict::Skip,
            reason.clone(),
        );
    }
    let Some(api) = pc.api.as_ref() else {
        return not_run(
            pc,
            &shared.redactor,
            &shared.target_name,
            Verdict::Skip,
            "no target".to_owned(),
        );
    };
    let start = Instant::now();
    let case = pc.case();
    let mut result = not_run(
        pc,
        &shared.redactor,
        &shared.target_name,
        Verdict::Pass,
        String::new(),
    );
    result.reason = None;
    let env = StepEnv {
        client: &shared.client,
        timeout: shared.cfg.timeout,
        label: None,
    };
    let mut findings: Vec<Finding> = Vec::new();
    let mut stopped_at: Option<usize> = None;
    let run = run_steps(pc, api, &env, shared.redactor.clone(), |got| {
        let ctx = CheckContext {
            scope: got.scope,
            schemas: &shared.schemas,
            now_ms: now_ms(),
            snapshot_dir: pc.dir.as_deref(),
            update_snapshots: shared.cfg.update_snapshots,
            step: got.index,
            deadline: Some(Instant::now() + shared.cfg.timeout),
        };
        let mut step_findings = check_response(&got.step.expect, got.response, &ctx);
        step_findings.extend(got.capture_error.clone());
        let mut step_failed = false;
        for mut f in step_findings {
            f.step = got.index;
            if shared.cfg.strict && f.level == Level::Warn {
                f.level = Level::Fail;
                f.message = format!("(strict) {}", f.message);
            }
            step_failed |= f.level == Level::Fail;
            findings.push(f);
        }
        if step_failed {
            stopped_at = Some(got.index);
            Flow::Stop
        } else {
            Flow::Continue
        }
    })
    .await;
    let attempted = run.attempted;
    result.exchanges = run.exchanges;
    result.findings = findings;
    if let Some(e) = run.error {
        result.verdict = Verdict::Error;
        result.reason = Some(e);
    } else if let Some(i) = stopped_at {
        result.verdict = Verdict::Fail;
        if i + 1 < case.steps.len() {
            result.reason = Some(format!(
                "stopped after {} (later steps depend on it)",
                case.steps[i].name
            ));
        }
    }
    // One redaction pass once every secret is known: a secret captured by a later step may
    // already appear in an earlier step's finding (the exchanges are redacted by `run_steps`).
    let redactor = run.redactor;
    if let Some(reason) = &mut result.reason {
        redactor.redact_in_place(reason);
    }
    for f in &mut result.findings {
        redact_finding(f, &redactor);
    }
    // The schemas of the steps that were reached.
    for step in &case.steps[..attempted] {
        for s in &step.expect.schemas {
            if !result.schema_ids.contains(&s.id) {
                result.schema_ids.push(s.id.clone());
            }
        }
    }
    result.duration = start.elapsed();
    result
}

fn redact_finding(f: &mut Finding, r: &Redactor) {
    r.redact_in_place(&mut f.message);
    for s in [&mut f.expected, &mut f.actual, &mut f.detail]
        .into_iter()
        .flatten()
    {
        r.redact_in_place(s);
    }
}
