//! Compiles a step's `request:`: method, path, query, headers, body, auth and timeout.

use serde_json::Value;
use serde_saphyr::Spanned;

use super::{Compiler, Names};
use crate::case::model::{AuthSpec, BodySpec, RequestSpec};
use crate::case::raw::RawRequest;
use crate::case::scalar::parse_duration_value;
use crate::source::Span;

impl Compiler<'_> {
    pub(super) fn request(
        &mut self,
        sp_req: Spanned<RawRequest>,
        names: &mut Names,
    ) -> RequestSpec {
        let span = self.span(&sp_req);
        let r = sp_req.value;
        let method = match &r.method {
            Some(m) => {
                let up = m.value.trim().to_ascii_uppercase();
                if up.is_empty() || !up.chars().all(|c| c.is_ascii_alphabetic()) {
                    let s = self.span(m);
                    self.err(
                        &s,
                        format!("invalid HTTP method `{}`", m.value),
                        Some("e.g. GET, POST, PUT, PATCH, DELETE"),
                    );
                }
                up
            }
            None => "GET".to_owned(),
        };
        let path = Value::String(r.path.value.clone());
        let psp = self.span(&r.path);
        self.refs(&path, &psp, names);
        let query: Vec<(String, Value)> = r.query.into_iter().collect();
        for (_, v) in &query {
            self.refs(v, &span, names);
        }
        let mut headers = Vec::new();
        for (k, v) in r.headers {
            if reqwest::header::HeaderName::from_bytes(k.as_bytes()).is_err() {
                self.err(&span, format!("invalid header name `{k}`"), None);
            }
            self.refs(&v, &span, names);
            headers.push((k, v));
        }
        let bodies = usize::from(r.json.is_some())
            + usize::from(r.form.is_some())
            + usize::from(r.body.is_some());
        if bodies > 1 {
            self.err(
                &span,
                "a request has at most one of `json`, `form` and `body`",
                None,
            );
        }
        let body = if let Some(j) = r.json {
            self.refs(&j, &span, names);
            Some(BodySpec::Json(j))
        } else if let Some(f) = r.form {
            let pairs: Vec<(String, Value)> = f.into_iter().collect();
            for (_, v) in &pairs {
                self.refs(v, &span, names);
            }
            Some(BodySpec::Form(pairs))
        } else if let Some(b) = r.body {
            let v = Value::String(b);
            self.refs(&v, &span, names);
            Some(BodySpec::Raw(v))
        } else {
            None
        };
        let auth = match &r.auth {
            None => AuthSpec::Default,
            Some(a) => {
                let asp = self.span(a);
                self.auth(&a.value, &asp, names)
            }
        };
        let timeout = r.timeout.as_ref().and_then(|t| {
            let tsp = self.span(t);
            match parse_duration_value(&t.value) {
                Ok(d) => Some(d),
                Err(e) => {
                    self.err(
                        &tsp,
                        format!("invalid timeout: {e}"),
                        Some("e.g. `5s`, `500ms` or a number of seconds"),
                    );
                    None
                }
            }
        });
        RequestSpec {
            method,
            path,
            query,
            headers,
            body,
            auth,
            timeout,
            follow_redirects: r.follow_redirects,
        }
    }

    fn auth(&mut self, v: &Value, sp: &Span, names: &mut Names) -> AuthSpec {
        const HINT: &str =
            "use `default`, `none`, `{basic: {username: .., password: ..}}` or `{bearer: TOKEN}`";
        match v {
            Value::String(s) if s == "default" => AuthSpec::Default,
            Value::String(s) if s == "none" => AuthSpec::None,
            Value::Object(m) if m.len() == 1 => {
                if let Some(b) = m.get("bearer") {
                    self.refs(b, sp, names);
                    return AuthSpec::Bearer(b.clone());
                }
                if let Some(Value::Object(b)) = m.get("basic") {
                    let (Some(u), Some(p)) = (b.get("username"), b.get("password")) else {
                        self.err(sp, "basic auth needs `username` and `password`", Some(HINT));
                        return AuthSpec::Default;
                    };
                    self.refs(u, sp, names);
                    self.refs(p, sp, names);
                    return AuthSpec::Basic {
                        username: u.clone(),
                        password: p.clone(),
                    };
                }
                self.err(sp, "invalid `auth`", Some(HINT));
                AuthSpec::Default
            }
            _ => {
                self.err(sp, "invalid `auth`", Some(HINT));
                AuthSpec::Default
            }
        }
    }
}
