//! Runs one case against one side of a differential run: every step rendered with that side's
//! own variables, credentials and captures, sent with that side's own HTTP client, and each
//! response turned into an exchange document `{status, headers, body}` for comparison.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use crate::case::model::StatusExpect;
use crate::check::{JsonBody, Response, capture_values};
use crate::engine::{
    PlannedCase, RunConfig, curl, describe, excerpt, keep_captures, parse_json, render_request,
    request_id,
};
use crate::http::{HttpClient, HttpResponse};
use crate::redact::Redactor;
use crate::result::{ExchangeRecord, RequestRecord, ResponseRecord};

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
        let expect_429 = step
            .expect
            .status
            .as_ref()
            .is_some_and(StatusExpect::accepts_rate_limit);
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
            keep_captures(values, &mut scope, &mut run.redactor);
        }
        let path_query = match req.url.query() {
            Some(q) => format!("{}?{q}", req.url.path()),
            None => req.url.path().to_owned(),
        };
        let request_id = json
            .as_ref()
            .and_then(request_id)
            .map(|s| run.redactor.redact(&s));
        run.docs.push(StepDoc {
            step: i,
            request: run.redactor.redact(&format!("{} {path_query}", req.method)),
            doc: exchange_doc(&resp, json.map(JsonBody::into_value), &side.headers),
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
        Some(mut v) => {
            decode_jwts(&mut v);
            v
        }
        None if resp.body.is_empty() => Value::Null,
        None => Value::String(String::from_utf8_lossy(&resp.body).into_owned()),
    };
    json!({"status": resp.status, "headers": headers, "body": body})
}

/// Replaces every compact JWS string in `v` with `{"jwt": {"header": …, "claims": …}}` (the
/// signature dropped): a fresh token then differs only in the claims that really vary, and a
/// claim that differs between the sides (a longer `exp`) is a difference, not noise.
pub(crate) fn decode_jwts(v: &mut Value) {
    match v {
        Value::String(s) => {
            if let Some(d) = decode_jwt(s) {
                *v = d;
            }
        }
        Value::Array(a) => a.iter_mut().for_each(decode_jwts),
        Value::Object(m) => m.values_mut().for_each(decode_jwts),
        _ => {}
    }
}

fn decode_jwt(s: &str) -> Option<Value> {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut parts = s.split('.');
    let (h, p, sig) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || h.len() < 10 || p.is_empty() || sig.is_empty() {
        return None;
    }
    let header: Value = serde_json::from_slice(&b64.decode(h).ok()?).ok()?;
    if !header.get("alg").is_some_and(Value::is_string) {
        return None;
    }
    let claims: Value = serde_json::from_slice(&b64.decode(p).ok()?).ok()?;
    Some(json!({"jwt": {"header": header, "claims": claims}}))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compat::diff::compare;
    use crate::compat::rules::Rules;
    use base64::Engine as _;

    fn jwt(claims: Value) -> String {
        let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
        format!(
            "{}.{}.c2lnbmF0dXJl",
            b64.encode(br#"{"alg":"RS256","kid":"k1","typ":"JWT"}"#),
            b64.encode(claims.to_string())
        )
    }

    #[test]
    fn jwts_are_decoded_and_their_time_claims_compared_in_seconds() {
        let mut a = json!({"session_jwt": jwt(json!({"iat": 1_700_000_000, "exp": 1_700_000_300, "sub": "u"})), "other": "a.b.c"});
        let mut b = json!({"session_jwt": jwt(json!({"iat": 1_700_000_001, "exp": 1_700_003_601, "sub": "u"})), "other": "a.b.c"});
        decode_jwts(&mut a);
        decode_jwts(&mut b);
        assert_eq!(a["session_jwt"]["jwt"]["header"]["kid"], "k1");
        assert_eq!(a["other"], "a.b.c", "not a JWS: left alone");
        let rules = Rules {
            rules: Rules::defaults(),
            ..Rules::default()
        };
        let c = compare(&a, &b, &rules, None);
        // iat within the tolerance; a lifetime of 60 minutes instead of 5 is a difference.
        let ptrs: Vec<&str> = c.differences.iter().map(|d| d.pointer.as_str()).collect();
        assert_eq!(ptrs, vec!["/session_jwt/jwt/claims/exp"]);
    }
}
