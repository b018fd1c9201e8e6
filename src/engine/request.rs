//! Renders a step's request templates against the scope and the API target, and builds the
//! redacted curl reproducer.

use std::time::Duration;

use base64::Engine as _;
use reqwest::Method;
use serde_json::Value;
use url::Url;

use crate::case::model::{AuthSpec, BodySpec, RequestSpec};
use crate::case::template::{Scope, TemplateError};
use crate::http::RenderedRequest;
use crate::redact::Redactor;
use crate::target::{ApiTarget, Credentials, Secret};

/// Renders a request. Explicit credentials in the case are added to `redactor`.
pub(crate) fn render_request(
    spec: &RequestSpec,
    scope: &Scope,
    api: &ApiTarget,
    default_timeout: Duration,
    redactor: &mut Redactor,
) -> Result<RenderedRequest, String> {
    let method = Method::from_bytes(spec.method.as_bytes())
        .map_err(|_| format!("invalid method `{}`", spec.method))?;
    let path = scope.render_text(&spec.path).map_err(te)?;
    let mut url = join_url(&api.base_url, &path)?;
    if !spec.query.is_empty() {
        let mut pairs = url.query_pairs_mut();
        for (k, v) in &spec.query {
            match scope.render(v).map_err(te)? {
                Value::Array(items) => {
                    for i in items {
                        pairs.append_pair(k, &scalar_text(&i));
                    }
                }
                Value::Null => {}
                other => {
                    pairs.append_pair(k, &scalar_text(&other));
                }
            }
        }
    }
    let mut headers: Vec<(String, String)> = Vec::new();
    let auth_header = match &spec.auth {
        AuthSpec::Default => credentials_header(&api.auth),
        AuthSpec::None => None,
        AuthSpec::Basic { username, password } => {
            let u = scope.render_text(username).map_err(te)?;
            let p = scope.render_text(password).map_err(te)?;
            let creds = Credentials::Basic {
                username: Secret {
                    value: u,
                    env_name: "SESSCONFORM_USERNAME".into(),
                },
                password: Secret {
                    value: p,
                    env_name: "SESSCONFORM_PASSWORD".into(),
                },
            };
            redactor.add_credentials(&creds);
            credentials_header(&creds)
        }
        AuthSpec::Bearer(t) => {
            let token = scope.render_text(t).map_err(te)?;
            let creds = Credentials::Bearer(Secret {
                value: token,
                env_name: "SESSCONFORM_TOKEN".into(),
            });
            redactor.add_credentials(&creds);
            credentials_header(&creds)
        }
    };
    // Target headers first; case headers override them by name.
    for (k, v) in &api.headers {
        if !spec
            .headers
            .iter()
            .any(|(ck, _)| ck.eq_ignore_ascii_case(k))
        {
            headers.push((k.clone(), v.clone()));
        }
    }
    for (k, v) in &spec.headers {
        match scope.render(v).map_err(te)? {
            Value::Null => {}
            other => headers.push((k.clone(), scalar_text(&other))),
        }
    }
    if let Some(h) = auth_header {
        if !headers
            .iter()
            .any(|(k, _)| k.eq_ignore_ascii_case("authorization"))
        {
            headers.push(("authorization".to_owned(), h));
        }
    }
    let body = match &spec.body {
        None => None,
        Some(BodySpec::Json(v)) => {
            let rendered = scope.render(v).map_err(te)?;
            set_default_header(&mut headers, "content-type", "application/json");
            Some(serde_json::to_vec(&rendered).map_err(|e| e.to_string())?)
        }
        Some(BodySpec::Form(pairs)) => {
            let mut ser = url::form_urlencoded::Serializer::new(String::new());
            for (k, v) in pairs {
                ser.append_pair(k, &scalar_text(&scope.render(v).map_err(te)?));
            }
            set_default_header(
                &mut headers,
                "content-type",
                "application/x-www-form-urlencoded",
            );
            Some(ser.finish().into_bytes())
        }
        Some(BodySpec::Raw(v)) => Some(scope.render_text(v).map_err(te)?.into_bytes()),
    };
    Ok(RenderedRequest {
        method,
        url,
        headers,
        body,
        timeout: spec.timeout.unwrap_or(default_timeout),
        follow_redirects: spec.follow_redirects,
    })
}

fn te(e: TemplateError) -> String {
    e.to_string()
}

fn set_default_header(headers: &mut Vec<(String, String)>, name: &str, value: &str) {
    if !headers.iter().any(|(k, _)| k.eq_ignore_ascii_case(name)) {
        headers.push((name.to_owned(), value.to_owned()));
    }
}

fn scalar_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub(crate) fn credentials_header(c: &Credentials) -> Option<String> {
    match c {
        Credentials::None => None,
        Credentials::Bearer(t) => Some(format!("Bearer {}", t.value)),
        Credentials::Basic { username, password } => {
            let pair = format!("{}:{}", username.value, password.value);
            Some(format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode(pair)
            ))
        }
    }
}

/// Joins a case path to the base URL: `http://h/stytch` + `/v1/sessions` → `http://h/stytch/v1/sessions`.
/// An absolute `http(s)://` path is used as is.
pub(crate) fn join_url(base: &Url, path: &str) -> Result<Url, String> {
    if path.starts_with("http://") || path.starts_with("https://") {
        return Url::parse(path).map_err(|e| format!("invalid URL `{path}`: {e}"));
    }
    let (p, q) = match path.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (path, None),
    };
    let mut url = base.clone();
    let joined = format!(
        "{}/{}",
        base.path().trim_end_matches('/'),
        p.trim_start_matches('/')
    );
    url.set_path(&joined);
    url.set_query(q);
    Ok(url)
}

/// A copy-paste curl command; secrets become `$ENV_VAR` placeholders.
pub(crate) fn curl(req: &RenderedRequest, redactor: &Redactor) -> String {
    let mut parts = vec!["curl -sS -i".to_owned()];
    if req.method != Method::GET || req.body.is_some() {
        parts.push(format!("-X {}", req.method));
    }
    parts.push(shell_arg(req.url.as_str(), redactor));
    for (k, v) in &req.headers {
        if k.eq_ignore_ascii_case("authorization") {
            if let Some(b64) = v.strip_prefix("Basic ") {
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .ok()
                    .and_then(|d| String::from_utf8(d).ok());
                if let Some(pair) = decoded {
                    parts.push(format!("-u {}", shell_arg(&pair, redactor)));
                    continue;
                }
            }
        }
        parts.push(format!("-H {}", shell_arg(&format!("{k}: {v}"), redactor)));
    }
    if let Some(b) = &req.body {
        parts.push(format!(
            "--data-raw {}",
            shell_arg(&String::from_utf8_lossy(b), redactor)
        ));
    }
    if req.follow_redirects {
        parts.push("-L".to_owned());
    }
    parts.join(" ")
}

/// Quotes for a POSIX shell: double quotes with `$`, `` ` ``, `"` and `\` escaped, except the
/// secret placeholders, which are left to expand.
fn shell_arg(text: &str, redactor: &Redactor) -> String {
    const OPEN: char = '\u{1}';
    const CLOSE: char = '\u{2}';
    let marked = redactor.placeholders(text);
    // `placeholders` writes `${NAME}`; protect those before escaping.
    let mut protected = String::with_capacity(marked.len());
    let mut rest = marked.as_str();
    let raw_had_dollar_brace = text.contains("${");
    while let Some(i) = rest.find("${") {
        let (before, after) = rest.split_at(i);
        protected.push_str(before);
        match after.find('}') {
            Some(end) if !raw_had_dollar_brace => {
                protected.push(OPEN);
                protected.push_str(&after[2..end]);
                protected.push(CLOSE);
                rest = &after[end + 1..];
            }
            _ => {
                protected.push_str("${");
                rest = &after[2..];
            }
        }
    }
    protected.push_str(rest);
    let mut out = String::from("\"");
    for c in protected.chars() {
        match c {
            '"' | '\\' | '`' | '$' => {
                out.push('\\');
                out.push(c);
            }
            OPEN => out.push_str("${"),
            CLOSE => out.push('}'),
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn joins_paths() {
        let b = Url::parse("http://127.0.0.1:1/stytch").unwrap();
        assert_eq!(
            join_url(&b, "/v1/sessions").unwrap().as_str(),
            "http://127.0.0.1:1/stytch/v1/sessions"
        );
        let b2 = Url::parse("http://127.0.0.1:1/clerk/v1/").unwrap();
        assert_eq!(
            join_url(&b2, "sessions?x=1").unwrap().as_str(),
            "http://127.0.0.1:1/clerk/v1/sessions?x=1"
        );
        assert_eq!(
            join_url(&b, "https://other/x").unwrap().as_str(),
            "https://other/x"
        );
    }

    #[test]
    fn curl_uses_placeholders_and_escapes() {
        let mut r = Redactor::default();
        r.add_credentials(&Credentials::Basic {
            username: Secret {
                value: "project-1".into(),
                env_name: "PID".into(),
            },
            password: Secret {
                value: "secret-1".into(),
                env_name: "SECRET".into(),
            },
        });
        let req = RenderedRequest {
            method: Method::POST,
            url: Url::parse("http://h/x?q=$HOME").unwrap(),
            headers: vec![(
                "authorization".into(),
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode("project-1:secret-1")
                ),
            )],
            body: Some(br#"{"a":"b\"c"}"#.to_vec()),
            timeout: Duration::from_secs(1),
            follow_redirects: false,
        };
        let c = curl(&req, &r);
        assert!(c.contains("-u \"${PID}:${SECRET}\""), "{c}");
        assert!(c.contains("q=\\$HOME"), "{c}");
        assert!(c.contains(r#"--data-raw "{\"a\":\"b\\\"c\"}""#), "{c}");
        assert!(!c.contains("secret-1"));
    }
}
