//! JWKS named by path: `jwt: {jwks: /v1/sessions/jwks/${vars.project_id}}` verifies a token with
//! the key set served on the case's own API. Checks are pure, so the engine fetches every such
//! key set a case names before its steps run, once per run and URL, and hands the bodies to the
//! checks by the path as written.

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;
use tokio::sync::Mutex;

use super::execute::Shared;
use super::plan::PlannedCase;
use super::request::join_url;
use crate::case::model::{Assertion, Op};
use crate::http::RenderedRequest;
use crate::target::ApiTarget;

/// Key sets fetched so far in a run: URL → the body, or why it could not be had.
#[derive(Debug, Default)]
pub(crate) struct JwksCache {
    fetched: Mutex<HashMap<String, Result<Value, String>>>,
}

/// Rendered `jwks:` path → the key set (or why not), for one case.
pub(crate) type CaseJwks = BTreeMap<String, Result<Value, String>>;

/// Fetches the key sets the case's assertions name by path (`/…` or `http(s)://…`), rendered
/// with the case's variables (a path built from a capture cannot be known before the run).
pub(crate) async fn prefetch(pc: &PlannedCase, api: &ApiTarget, shared: &Shared) -> CaseJwks {
    let mut paths: Vec<String> = Vec::new();
    for step in &pc.case().steps {
        collect(&step.expect.assertions, &mut |jwks| {
            if let Ok(Value::String(p)) = pc.scope.render(jwks) {
                if is_location(&p) && !paths.contains(&p) {
                    paths.push(p);
                }
            }
        });
    }
    let mut out = CaseJwks::new();
    for p in paths {
        let got = fetch(&p, api, shared).await;
        out.insert(p, got);
    }
    out
}

/// True for a `jwks:` value that names where the key set lives rather than the key set.
pub(crate) fn is_location(s: &str) -> bool {
    s.starts_with('/') || s.starts_with("http://") || s.starts_with("https://")
}

fn collect(assertions: &[Assertion], f: &mut impl FnMut(&Value)) {
    for a in assertions {
        match &a.op {
            Op::Jwt {
                verify,
                header,
                claims,
            } => {
                if let Some(v) = verify {
                    f(&v.jwks);
                }
                collect(header, f);
                collect(claims, f);
            }
            Op::Every(inner) => collect(inner, f),
            _ => {}
        }
    }
}

async fn fetch(path: &str, api: &ApiTarget, shared: &Shared) -> Result<Value, String> {
    let url = join_url(&api.base_url, path)?;
    if let Some(hit) = shared.jwks.fetched.lock().await.get(url.as_str()) {
        return hit.clone();
    }
    let mut headers = api.headers.clone();
    if let Some(auth) = super::request::credentials_header(&api.auth) {
        headers.push(("authorization".to_owned(), auth));
    }
    let req = RenderedRequest {
        method: reqwest::Method::GET,
        url: url.clone(),
        headers,
        body: None,
        timeout: shared.cfg.timeout,
        follow_redirects: false,
    };
    let out = match shared.client.send(&req, false).await.result {
        Ok(r) if r.status == 200 => serde_json::from_slice::<Value>(&r.body)
            .map_err(|e| format!("the JWKS at {path} is not JSON: {e}")),
        Ok(r) => Err(format!("the JWKS at {path} answered {}", r.status)),
        Err(e) => Err(format!("the JWKS at {path} could not be fetched: {e}")),
    };
    let out = out.map_err(|e| shared.redactor.redact(&e));
    shared
        .jwks
        .fetched
        .lock()
        .await
        .insert(url.as_str().to_owned(), out.clone());
    out
}
