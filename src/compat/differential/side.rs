//! Runs one case against one side of a differential run, through the engine's step executor:
//! every step rendered with that side's own variables, credentials and captures, sent with that
//! side's own HTTP client, and each response turned into an exchange document
//! `{status, headers, body}` for comparison.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use crate::case::Scope;
use crate::engine::step::{Flow, StepEnv, run_step_list};
use crate::engine::{PlannedCase, RunConfig};
use crate::http::HttpClient;
use crate::redact::Redactor;
use crate::result::ExchangeRecord;

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

/// Runs the first `steps` steps of `pc` (all of them, or a replay's safe prefix) against one
/// side, through the engine's step executor.
pub(crate) async fn run_side(pc: &PlannedCase, side: &SideCtx, steps: usize) -> SideRun {
    let mut run = SideRun {
        redactor: side.redactor.clone(),
        ..SideRun::default()
    };
    if let Some(skip) = &pc.skip {
        run.skipped = Some(skip.reason.clone());
        return run;
    }
    let Some(api) = pc.api.as_ref() else {
        run.skipped = Some("no target for this api".to_owned());
        return run;
    };
    let env = StepEnv {
        client: &side.client,
        timeout: side.cfg.timeout,
        label: Some(side.label),
        index_offset: 0,
        keep_going: false,
        cancel: None,
    };
    let mut docs = Vec::new();
    // A failed capture is not fatal here: a later step that needs it fails to render, and the
    // difference that caused it is reported at this step.
    let list = pc.case().steps.get(..steps).unwrap_or(&pc.case().steps);
    let steps = run_step_list(
        list,
        Scope::clone(&pc.scope),
        api,
        &env,
        side.redactor.clone(),
        |got| {
            let url = &got.request.url;
            let path_query = match url.query() {
                Some(q) => format!("{}?{q}", url.path()),
                None => url.path().to_owned(),
            };
            let resp = got.response;
            docs.push(StepDoc {
                step: got.index,
                request: format!("{} {path_query}", got.request.method),
                doc: exchange_doc(
                    resp.status,
                    resp.headers,
                    resp.body,
                    resp.json.map(|j| j.value().clone()),
                    &side.headers,
                ),
            });
            Flow::Continue
        },
    )
    .await;
    for d in &mut docs {
        steps.redactor.redact_in_place(&mut d.request);
    }
    run.docs = docs;
    run.exchanges = steps.exchanges;
    run.failure = steps.error.map(|message| SideFailure { message });
    run.redactor = steps.redactor;
    run
}

/// The comparable document of one response: status, the selected headers (several values joined
/// with `, `) and the body (JSON when it parses, else text, `null` when empty).
pub(crate) fn exchange_doc(
    status: u16,
    response_headers: &[(String, String)],
    body: &[u8],
    json: Option<Value>,
    selected: &[String],
) -> Value {
    let mut headers = Map::new();
    for name in selected {
        let values: Vec<&str> = response_headers
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
        None if body.is_empty() => Value::Null,
        None => Value::String(String::from_utf8_lossy(body).into_owned()),
    };
    json!({"status": status, "headers": headers, "body": body})
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
    // A signed token only: an empty signature segment is not a JWS worth decoding.
    if s.ends_with('.') {
        return None;
    }
    let d = crate::check::jwt::decode(s).ok()?;
    if !d.header.get("alg").is_some_and(Value::is_string) {
        return None;
    }
    Some(json!({"jwt": {"header": d.header, "claims": d.claims}}))
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
    use crate::compat::compare::compare;
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
