//! Executes one planned case: render, send, check, capture, and record a redacted result.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::config::RunConfig;
use super::exchange::{describe, excerpt, keep_captures, parse_json, request_id};
use super::plan::PlannedCase;
use super::render::{curl, render_request};
use crate::case::model::{Level, StatusExpect};
use crate::check::{CheckContext, Response, capture_values, check_response};
use crate::http::{HttpClient, HttpResponse};
use crate::redact::Redactor;
use crate::result::{CaseResult, ExchangeRecord, Finding, RequestRecord, ResponseRecord, Verdict};
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
    let mut scope = pc.scope.clone();
    let mut redactor = shared.redactor.clone();
    let mut schema_ids: Vec<String> = Vec::new();

    for (i, step) in case.steps.iter().enumerate() {
        for s in &step.expect.schemas {
            if !schema_ids.contains(&s.id) {
                schema_ids.push(s.id.clone());
            }
        }
        let req = match render_request(
            &step.request,
            &scope,
            api,
            shared.cfg.timeout,
            &mut redactor,
        ) {
            Ok(r) => r,
            Err(e) => {
                result.verdict = Verdict::Error;
                result.reason = Some(format!("{}: could not render the request: {e}", step.name));
                break;
            }
        };
        let expect_429 = step
            .expect
            .status
            .as_ref()
            .is_some_and(StatusExpect::accepts_rate_limit);
        let outcome = shared.client.send(&req, expect_429).await;
        let request_record = RequestRecord {
            method: req.method.to_string(),
            url: req.url.to_string(),
            headers: req.headers.clone(),
            body: req.body.as_ref().map(|b| excerpt(b)),
        };
        let mut record = ExchangeRecord {
            step: i,
            step_name: step.name.clone(),
            request: request_record,
            response: None,
            elapsed: outcome.elapsed,
            curl: curl(&req, &redactor),
            retries: outcome.retries,
        };
        let resp: HttpResponse = match outcome.result {
            Ok(r) => r,
            Err(e) => {
                result.verdict = Verdict::Error;
                result.reason = Some(format!("{}: {}", step.name, describe(&e)));
                result.exchanges.push(record);
                break;
            }
        };
        let json = parse_json(&resp);
        let check_resp = Response {
            status: resp.status,
            headers: &resp.headers,
            body: &resp.body,
            json: json.as_ref(),
        };
        let ctx = CheckContext {
            scope: &scope,
            schemas: &shared.schemas,
            now_ms: now_ms(),
            snapshot_dir: pc.dir.as_deref(),
            update_snapshots: shared.cfg.update_snapshots,
            step: i,
        };
        let mut findings = check_response(&step.expect, &check_resp, &ctx);
        match capture_values(&step.captures, &check_resp) {
            Ok(values) => keep_captures(values, &mut scope, &mut redactor),
            Err(f) => findings.push(f),
        }
        record.response = Some(ResponseRecord {
            status: resp.status,
            headers: resp.headers.clone(),
            body: excerpt(&resp.body),
            body_len: resp.body.len(),
            request_id: json.as_ref().and_then(request_id),
        });
        result.exchanges.push(record);
        let mut step_failed = false;
        for mut f in findings {
            f.step = i;
            if shared.cfg.strict && f.level == Level::Warn {
                f.level = Level::Fail;
                f.message = format!("(strict) {}", f.message);
            }
            step_failed |= f.level == Level::Fail;
            result.findings.push(f);
        }
        if step_failed {
            result.verdict = Verdict::Fail;
            if i + 1 < case.steps.len() {
                result.reason = Some(format!(
                    "stopped after {} (later steps depend on it)",
                    step.name
                ));
            }
            break;
        }
    }
    // One redaction pass once every secret is known: a secret captured by a later step may
    // already appear in an earlier step's exchange or finding.
    redact_result(&mut result, &redactor);
    result.schema_ids = schema_ids;
    result.duration = start.elapsed();
    result
}

fn redact_result(result: &mut CaseResult, r: &Redactor) {
    let headers = |hs: &mut Vec<(String, String)>| {
        for (k, v) in hs.iter_mut() {
            *v = r.header(k, v);
        }
    };
    for ex in &mut result.exchanges {
        r.redact_in_place(&mut ex.request.url);
        headers(&mut ex.request.headers);
        if let Some(b) = &mut ex.request.body {
            r.redact_in_place(b);
        }
        if let Some(resp) = &mut ex.response {
            headers(&mut resp.headers);
            r.redact_in_place(&mut resp.body);
            if let Some(id) = &mut resp.request_id {
                r.redact_in_place(id);
            }
        }
        r.placeholders_in_place(&mut ex.curl);
    }
    if let Some(reason) = &mut result.reason {
        r.redact_in_place(reason);
    }
    for f in &mut result.findings {
        redact_finding(f, r);
    }
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
