//! The one step executor: renders, sends and records each step of a case in order, keeps its
//! captures for the later steps, and hands every response to the caller's check. The engine's
//! case runner ([`super::execute`]) and the differential runner (`compat`) are its clients, so
//! both send, capture and redact exactly alike.

use std::time::Duration;

use super::exchange::{describe, keep_captures, parse_json, redacted_excerpt, request_id};
use super::plan::PlannedCase;
use super::request::{curl, render_request};
use crate::case::Scope;
use crate::case::model::{StatusExpect, Step};
use crate::check::{Response, capture_values};
use crate::http::{HttpClient, RenderedRequest};
use crate::redact::Redactor;
use crate::result::{ExchangeRecord, Finding, RequestRecord, ResponseRecord};
use crate::target::ApiTarget;

/// How the steps are sent.
pub(crate) struct StepEnv<'a> {
    /// The client (connection pool, 429 retries).
    pub client: &'a HttpClient,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Prefix of every recorded step name (`baseline`, `cleanup`).
    pub label: Option<&'a str>,
    /// Added to each step's index in records and findings (cleanup steps follow the case's).
    pub index_offset: usize,
    /// Go on after a request that cannot be rendered or sent (cleanup does its best).
    pub keep_going: bool,
    /// Stop before the next request, or during one, once this is cancelled (Ctrl-C).
    pub cancel: Option<&'a super::Cancel>,
}

/// One response, handed to the caller before the step's captures are stored.
pub(crate) struct Received<'a> {
    /// Index of the step in the case.
    pub index: usize,
    /// The step.
    pub step: &'a Step,
    /// The request as sent.
    pub request: &'a RenderedRequest,
    /// The response, its body parsed once.
    pub response: &'a Response<'a>,
    /// The variables and captures the step was rendered with.
    pub scope: &'a Scope,
    /// Why this step's captures failed, if they did (the captures are then not stored).
    pub capture_error: Option<Finding>,
    /// The secrets known before this step's captures.
    pub redactor: &'a Redactor,
}

/// What the caller wants after a response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Flow {
    /// Send the next step.
    Continue,
    /// Stop here (a failed step: later steps depend on it).
    Stop,
}

/// The steps of one case as sent.
pub(crate) struct StepsRun {
    /// One record per step sent, in order; redacted with [`Self::redactor`].
    pub exchanges: Vec<ExchangeRecord>,
    /// Why the steps ended early: a request could not be rendered or sent (redacted).
    pub error: Option<String>,
    /// The target's secrets plus the case's secret captures.
    pub redactor: Redactor,
    /// How many steps were attempted (rendered, whether or not they could be sent).
    pub attempted: usize,
    /// Requests that could not be sent (with `keep_going`, every one; else the first).
    pub send_errors: Vec<String>,
    /// The variables and captures after the last step.
    pub scope: Scope,
    /// True when the steps stopped because the run was cancelled.
    pub interrupted: bool,
}

/// Runs the steps of `pc` against `api` in order until the last one, a step the caller stops
/// at, or a request that cannot be rendered or sent. Every record is redacted once at the end,
/// when every secret (including those captured by later steps) is known.
pub(crate) async fn run_steps(
    pc: &PlannedCase,
    api: &ApiTarget,
    env: &StepEnv<'_>,
    redactor: Redactor,
    on_response: impl FnMut(&Received<'_>) -> Flow,
) -> StepsRun {
    run_step_list(
        &pc.case().steps,
        Scope::clone(&pc.scope),
        api,
        env,
        redactor,
        on_response,
    )
    .await
}

/// [`run_steps`] over any list of steps (a case's `cleanup:`), starting from `scope`.
pub(crate) async fn run_step_list(
    steps: &[Step],
    mut scope: Scope,
    api: &ApiTarget,
    env: &StepEnv<'_>,
    redactor: Redactor,
    mut on_response: impl FnMut(&Received<'_>) -> Flow,
) -> StepsRun {
    let mut run = StepsRun {
        exchanges: Vec::new(),
        error: None,
        redactor,
        attempted: 0,
        send_errors: Vec::new(),
        scope: Scope::default(),
        interrupted: false,
    };
    for (i, step) in steps.iter().enumerate() {
        if env.cancel.is_some_and(super::Cancel::is_cancelled) {
            run.interrupted = true;
            break;
        }
        run.attempted = i + 1;
        let req = match render_request(&step.request, &scope, api, env.timeout, &mut run.redactor) {
            Ok(r) => r,
            // A cleanup step that needs a value an earlier step never produced has nothing
            // to clean up.
            Err(_) if env.keep_going => continue,
            Err(e) => {
                run.error = Some(format!("{}: could not render the request: {e}", step.name));
                break;
            }
        };
        let expect_429 = step
            .expect
            .status
            .as_ref()
            .is_some_and(StatusExpect::accepts_rate_limit);
        let outcome = match env.cancel {
            Some(c) => tokio::select! {
                o = env.client.send(&req, expect_429) => o,
                () = c.cancelled() => {
                    run.interrupted = true;
                    break;
                }
            },
            None => env.client.send(&req, expect_429).await,
        };
        let mut record = ExchangeRecord {
            step: env.index_offset + i,
            step_name: match env.label {
                Some(label) => format!("{label}: {}", step.name),
                None => step.name.clone(),
            },
            request: RequestRecord {
                method: req.method.to_string(),
                url: req.url.to_string(),
                headers: req.headers.clone(),
                body: req
                    .body
                    .as_ref()
                    .map(|b| redacted_excerpt(b, &run.redactor)),
            },
            response: None,
            elapsed: outcome.elapsed,
            curl: curl(&req, &run.redactor),
            retries: outcome.retries,
        };
        let resp = match outcome.result {
            Ok(r) => r,
            Err(e) => {
                let message = format!("{}: {}", step.name, describe(&e));
                run.send_errors.push(message.clone());
                run.exchanges.push(record);
                if env.keep_going {
                    continue;
                }
                run.error = Some(message);
                break;
            }
        };
        let json = parse_json(&resp);
        let check = Response {
            status: resp.status,
            headers: &resp.headers,
            body: &resp.body,
            json: json.as_ref(),
        };
        let (captured, capture_error) = match capture_values(&step.captures, &check) {
            Ok(values) => (values, None),
            Err(f) => (Vec::new(), Some(f)),
        };
        let flow = on_response(&Received {
            index: env.index_offset + i,
            step,
            request: &req,
            response: &check,
            scope: &scope,
            capture_error,
            redactor: &run.redactor,
        });
        keep_captures(captured, &mut scope, &mut run.redactor);
        record.response = Some(ResponseRecord {
            status: resp.status,
            headers: resp.headers.clone(),
            body: redacted_excerpt(&resp.body, &run.redactor),
            body_len: resp.body.len(),
            request_id: json.as_ref().and_then(request_id),
        });
        run.exchanges.push(record);
        if flow == Flow::Stop {
            break;
        }
    }
    redact_exchanges(&mut run.exchanges, &run.redactor);
    if let Some(e) = &mut run.error {
        run.redactor.redact_in_place(e);
    }
    for e in &mut run.send_errors {
        run.redactor.redact_in_place(e);
    }
    run.scope = scope;
    run
}

/// Redacts recorded exchanges in place: URLs, header values, bodies, request ids, and the curl
/// reproducers' secrets turned into `${ENV}` placeholders.
pub(crate) fn redact_exchanges(exchanges: &mut [ExchangeRecord], r: &Redactor) {
    let headers = |hs: &mut Vec<(String, String)>| {
        for (k, v) in hs.iter_mut() {
            *v = r.header(k, v);
        }
    };
    for ex in exchanges {
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
}
