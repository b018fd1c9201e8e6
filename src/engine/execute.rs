//! Executes one planned case: its steps through [`super::step`], each response checked, and a
//! redacted result.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::config::RunConfig;
use super::exchange::declared_api_version;
use super::plan::PlannedCase;
use super::step::{Flow, StepEnv, run_steps};
use crate::case::model::Level;
use crate::check::{CheckContext, check_response};
use crate::http::HttpClient;
use crate::redact::Redactor;
use crate::result::{CaseResult, Finding, Verdict};
use crate::schema::SchemaStore;
use crate::schema::versioned;

/// Shared, read-only inputs of every case.
pub(crate) struct Shared {
    pub client: HttpClient,
    pub schemas: std::sync::Arc<SchemaStore>,
    pub cfg: RunConfig,
    pub redactor: Redactor,
    pub target_name: String,
    /// Key sets named by location, fetched once per run.
    pub jwks: std::sync::Arc<super::jwks::JwksCache>,
}

/// The current time in epoch milliseconds.
pub(crate) fn now_ms() -> i64 {
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
        skip_group: None,
        schema_ids: Vec::new(),
        duration: Duration::ZERO,
    }
}

/// Runs one case to completion.
pub(crate) async fn execute(
    pc: &PlannedCase,
    shared: &Shared,
    cancel: Option<&super::Cancel>,
) -> CaseResult {
    if let Some(skip) = &pc.skip {
        let mut r = not_run(
            pc,
            &shared.redactor,
            &shared.target_name,
            Verdict::Skip,
            skip.reason.clone(),
        );
        r.skip_group = Some(skip.group.clone());
        return r;
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
    let jwks = super::jwks::prefetch(pc, api, shared).await;
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
        index_offset: 0,
        keep_going: false,
        cancel,
    };
    let mut findings: Vec<Finding> = Vec::new();
    let mut stopped_at: Option<usize> = None;
    // The schemas of the steps that were checked, `{api_version}` ids resolved.
    let mut schema_ids: Vec<String> = Vec::new();
    let run = run_steps(pc, api, &env, shared.redactor.clone(), |got| {
        // Only a step with an `{api_version}` schema id needs the version its request declared.
        let schemas = &got.step.expect.schemas;
        let api_version = if schemas.iter().any(|s| versioned::is_versioned(&s.id)) {
            declared_api_version(got.request)
        } else {
            None
        };
        for s in schemas {
            let id = versioned::resolve(&shared.schemas, &s.id, api_version.as_deref());
            if !schema_ids.iter().any(|known| *known == id) {
                schema_ids.push(id.into_owned());
            }
        }
        let ctx = CheckContext {
            scope: got.scope,
            schemas: &shared.schemas,
            now_ms: now_ms(),
            snapshot_dir: pc.dir.as_deref(),
            update_snapshots: shared.cfg.update_snapshots,
            step: got.index,
            api_version: api_version.as_deref(),
            redactor: Some(got.redactor),
            deadline: Some(Instant::now() + shared.cfg.timeout),
            jwks: Some(&jwks),
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
    // A step that was rendered but got no response names its schemas as written.
    let unanswered = run
        .error
        .is_some()
        .then(|| run.attempted.checked_sub(1))
        .flatten();
    result.exchanges = run.exchanges;
    result.findings = findings;
    let mut redactor = run.redactor;
    if !case.cleanup.is_empty() {
        let c = super::cleanup::run_cleanup(pc, api, shared, run.scope, redactor).await;
        result.exchanges.extend(c.exchanges);
        result.findings.extend(c.warnings);
        redactor = c.redactor;
    }
    if run.interrupted {
        result.verdict = Verdict::Skip;
        result.reason = Some("interrupted while running".to_owned());
        result.skip_group = Some("interrupted".to_owned());
    } else if let Some(e) = run.error {
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
    if let Some(reason) = &mut result.reason {
        redactor.redact_in_place(reason);
    }
    for f in &mut result.findings {
        redact_finding(f, &redactor);
    }
    for s in unanswered
        .and_then(|i| case.steps.get(i))
        .map_or(&[][..], |step| &step.expect.schemas)
    {
        if !schema_ids.contains(&s.id) {
            schema_ids.push(s.id.clone());
        }
    }
    result.schema_ids = schema_ids;
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
