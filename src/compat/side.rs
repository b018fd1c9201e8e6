//! Runs one case against one side of a differential run: every step rendered with that side's
//! own variables, credentials and captures, sent with that side's own HTTP client, and each
//! response turned into an exchange document `{status, headers, body}` for comparison.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use crate::case::plan::StatusPattern;
use crate::check::{Response, capture_values};
use crate::engine::{PlannedCase, RunConfig, curl, render_request};
use crate::http::{HttpClient, HttpResponse, TransportError};
use crate::redact::Redactor;
use crate::result::{ExchangeRecord, RequestRecord, ResponseRecord};
use crate::target::{Secret, env_placeholder};

/// Longest body excerpt kept in exchange records.
const EXCERPT_BYTES: usize = 4096;

/// Everything one side needs; each side has its own (per-target isolation).
pub(crate) struct SideCtx {
    /// Display label: `baseline` or `candidate`.
    pub label: &'static str,
    /// The side's own client (connection pool, retry state).
    pub client: HttpClient,
    /// Timeouts and retry settings.
    pub cfg: RunConfig,
    /// Secrets of the side's target.
    pub redactor: Redactor,
    /// Compared response headers (lower case).
    pub headers: Arc<Vec<String>>,
}

/// One completed step.
#[derive(Debug, Clone)]
pub(crate) struct StepDoc {
    /// Step index.
    pub step: usize,
    /// `GET /v1/sessions?user_id=…` (path and query as sent, redacted).
    pub request: String,
    /// `{status, headers, body}`.
    pub doc: Value,
}

/// Why a side stopped early.
#[derive(Debug, Clone)]
pub(crate) struct SideFailure {
    /// What happened (redacted).
    pub message: String,
}

/// One side's run of one case.
#[derive(Debug, Clone, Default)]
pub(crate) struct SideRun {
    /// Completed steps in order.
    pub docs: Vec<StepDoc>,
    /// Redacted exchanges for reports.
    pub exchanges: Vec<ExchangeRecord>,
    /// Set when a step could not complete.
    pub failure: Option<SideFailure>,
    /// Set when the case does not run on this side (missing vars, no API entry).
    pub skipped: Option<String>,
    /// Target secrets plus secret captures of this run.
    pub redactor: Redactor,
}

/// Runs every step of `pc` against one side.
pub(crate) async fn run_side(pc: &PlannedCase, side: &SideCtx) -> SideRun {
    let mut run = SideRun {
        redactor: side.redactor.clone(),
        ..SideRun::default()
    };
    if let Some(reason) = &pc.skip {
        run.skipped = Some(reason.clone());
        return run;
    }
    let Some(api) = pc.api.as_ref() else {
        run.skipped = Some("no target for this api".to_owned());
        return run;
    };
    let case = pc.case();
    let mut scope = pc.scope.clone();
    for (i, step) in case.steps.iter().enumerate() {
        let req = match render_request(
            &step.request,
            &scope,
            api,
            side.cfg.timeout,
            &mut run.redactor,
        ) {
            Ok(r) => r,
            Err(e) => {
                run.failure = Some(SideFailure {
                    message: run
                        .redactor
                        .redact(&format!("{}: could not render the request: {e}", step.name)),
                });
                break;
            }
        };
        let expect_429 = step.expect.status.as_ref().is_some_and(|s| {
            s.allowed
                .iter()
                .any(|p| matches!(p, StatusPattern::Code(429) | StatusPattern::Class(4)))
        });
        let outcome = side.client.send(&req, expect_429).await;
        let mut record = ExchangeRecord {
            step: i,
            step_name: format!("{}: {}", side.label, step.name),
            request: RequestRecord {
                method: req.method.to_string(),
                url: run.redactor.redact(req.url.as_str()),
                headers: req
                    .headers
                    .iter()
                    .map(|(k, v)| (k.clone(), run.redactor.header(k, v)))
                    .collect(),
                body: req.body.as_ref().map(|b| run.redactor.redact(&excerpt(b))),
            },
            response: None,
            elapsed: outcome.elapsed,
            curl: curl(&req, &run.redactor),
            retries: outcome.retries,
        };
        let resp = match outcome.result {
            Ok(r) => r,
            Err(e) => {
                run.failure = Some(SideFailure {
                    message: run
                        .redactor
                        .redact(&format!("{}: {}", step.name, describe(&e))),
                });
                run.exchanges.push(record);
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
        // A failed capture is not fatal here: a later step that needs it fails to render, and
        // the difference that caused it is reported at this step.
        if let Ok(values) = capture_values(&step.captures, &check_resp) {
            for (name, value, secret) in values {
                if secret {
                    if let Value::String(s) = &value {
                        run.redactor.add(&Secret {
                            value: s.clone(),
                            env_name: env_placeholder("", &name),
                        });
                    }
                }
                scope.captures.insert(name, value);
            }
        }
        let path_query = match req.url.query() {
            Some(q) => format!("{}?{q}", req.url.path()),
            None => req.url.path().to_owned(),
        };
        let request_id = json
            .as_ref()
            .and_then(|v| v.get("request_id").or_else(|| v.get("clerk_trace_id")))
            .and_then(Value::as_str)
            .map(|s| run.redactor.redact(s));
        run.docs.push(StepDoc {
            step: i,
            request: run.redactor.redact(&format!("{} {path_query}", req.method)),
            doc: exchange_doc(&resp, json, &side.headers),
        });
        record.response = Some(ResponseRecord {
            status: resp.status,
            headers: resp
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), run.redactor.header(k, v)))
                .collect(),
            body: run.redactor.redact(&excerpt(&resp.body)),
            body_len: resp.body.len(),
            request_id,
        });
        run.exchanges.push(record);
    }
    // Secrets captured late may appear in earlier records.
    for ex in &mut run.exchanges {
        ex.request.url = run.redactor.redact(&ex.request.url);
        if let Some(r) = &mut ex.response {
            r.body = run.redactor.redact(&r.body);
        }
        ex.curl = run.redactor.placeholders(&ex.curl);
    }
    run
}

/// The comparable document of one response: status, the selected headers (several values joined
/// with `, `) and the body (JSON when it parses, else text, `null` when empty).
pub(crate) fn exchange_doc(resp: &HttpResponse, json: Option<Value>, selected: &[String]) -> Value {
    let mut headers = Map::new();
    for name in selected {
        let values: Vec<&str> = resp
            .headers
            .iter()
            .filter(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect();
        if !values.is_empty() {
            headers.insert(name.clone(), Value::String(values.join(", ")));
        }
    }
    let body = match json {
        Some(v) => v,
        None if resp.body.is_empty() => Value::Null,
        None => Value::String(String::from_utf8_lossy(&resp.body).into_owned()),
    };
    json!({"status": resp.status, "headers": headers, "body": body})
}

fn describe(e: &TransportError) -> String {
    match e {
        TransportError::Connect(m) => format!("could not connect: {m}"),
        other => other.to_string(),
    }
}

fn parse_json(resp: &HttpResponse) -> Option<Value> {
    let first = resp.body.iter().find(|b| !b.is_ascii_whitespace())?;
    let ct_json = resp
        .header("content-type")
        .is_some_and(|c| c.contains("json"));
    if ct_json || matches!(first, b'{' | b'[') {
        serde_json::from_slice(&resp.body).ok()
    } else {
        None
    }
}

fn excerpt(body: &[u8]) -> String {
    if body.len() <= EXCERPT_BYTES {
        return String::from_utf8_lossy(body).into_owned();
    }
    let mut end = EXCERPT_BYTES;
    while end > 0 && (body[end] & 0xC0) == 0x80 {
        end -= 1;
    }
    format!(
        "{}… [{} more bytes]",
        String::from_utf8_lossy(&body[..end]),
        body.len() - end
    )
}

/// Redacts every string inside a JSON value.
pub(crate) fn redact_value(v: &Value, r: &Redactor) -> Value {
    if r.is_empty() {
        return v.clone();
    }
    match v {
        Value::String(s) => Value::String(r.redact(s)),
        Value::Array(a) => Value::Array(a.iter().map(|x| redact_value(x, r)).collect()),
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, x)| (r.redact(k), redact_value(x, r)))
                .collect(),
        ),
        other => other.clone(),
    }
}
