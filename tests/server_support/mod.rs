//! Shared helpers for the reference-server integration tests: start a server on
//! 127.0.0.1:0, read its target file, and send vendor-authenticated requests.
#![allow(dead_code)]

use std::collections::BTreeMap;

use reqwest::Method;
use serde_json::Value;
use sessconform::server::{RunningServer, ServerOptions, start};

/// One API section of the generated target file.
#[derive(Debug, Clone, Default)]
pub struct Api {
    pub base_url: String,
    pub basic: Option<(String, String)>,
    pub bearer: Option<String>,
    pub vars: BTreeMap<String, String>,
}

/// A running server plus what its target file says.
pub struct Harness {
    pub server: RunningServer,
    pub client: reqwest::Client,
    pub stytch: Api,
    pub b2b: Api,
    pub clerk: Api,
    pub target: Value,
}

/// A response with its body parsed as JSON (Null when not JSON).
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    }
}

fn api(target: &Value, name: &str) -> Api {
    let a = &target["apis"][name];
    let mut out = Api {
        base_url: a["base_url"].as_str().unwrap().to_owned(),
        ..Api::default()
    };
    if let Some(b) = a["auth"].get("basic") {
        out.basic = Some((
            b["username"].as_str().unwrap().to_owned(),
            b["password"].as_str().unwrap().to_owned(),
        ));
    }
    if let Some(b) = a["auth"].get("bearer") {
        out.bearer = Some(b.as_str().unwrap().to_owned());
    }
    for (k, v) in a["vars"].as_object().unwrap() {
        out.vars.insert(k.clone(), v.as_str().unwrap().to_owned());
    }
    out
}

pub async fn harness() -> Harness {
    harness_with(ServerOptions::default()).await
}

pub async fn harness_with(opts: ServerOptions) -> Harness {
    let server = start(opts).await.expect("server starts");
    let target: Value = serde_saphyr::from_str(&server.target_yaml()).expect("target parses");
    let client = reqwest::Client::builder().no_proxy().build().unwrap();
    Harness {
        stytch: api(&target, "stytch"),
        b2b: api(&target, "stytch-b2b"),
        clerk: api(&target, "clerk"),
        server,
        client,
        target,
    }
}

/// How to authenticate a request.
#[derive(Debug, Clone)]
pub enum Auth {
    None,
    Basic(String, String),
    Bearer(String),
    Raw(String),
}

pub async fn send(
    client: &reqwest::Client,
    method: Method,
    url: &str,
    auth: &Auth,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> Resp {
    let mut req = client.request(method, url);
    req = match auth {
        Auth::None => req,
        Auth::Basic(u, p) => req.basic_auth(u, Some(p)),
        Auth::Bearer(t) => req.bearer_auth(t),
        Auth::Raw(v) => req.header("authorization", v.as_str()),
    };
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if let Some(b) = body {
        req = req
            .header("content-type", "application/json")
            .body(serde_json::to_vec(b).unwrap());
    }
    let resp = req.send().await.expect("request reaches the server");
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.unwrap();
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Resp {
        status,
        headers,
        text,
        json,
    }
}

impl Harness {
    pub fn stytch_auth(&self) -> Auth {
        let (u, p) = self.stytch.basic.clone().unwrap();
        Auth::Basic(u, p)
    }

    pub fn b2b_auth(&self) -> Auth {
        let (u, p) = self.b2b.basic.clone().unwrap();
        Auth::Basic(u, p)
    }

    pub fn clerk_auth(&self) -> Auth {
        Auth::Bearer(self.clerk.bearer.clone().unwrap())
    }

    /// A consumer request with the target's credentials.
    pub async fn stytch(&self, method: Method, path: &str, body: Option<Value>) -> Resp {
        let url = format!("{}{path}", self.stytch.base_url);
        send(
            &self.client,
            method,
            &url,
            &self.stytch_auth(),
            &[],
            body.as_ref(),
        )
        .await
    }

    /// A B2B request with the target's credentials.
    pub async fn b2b(&self, method: Method, path: &str, body: Option<Value>) -> Resp {
        let url = format!("{}{path}", self.b2b.base_url);
        send(
            &self.client,
            method,
            &url,
            &self.b2b_auth(),
            &[],
            body.as_ref(),
        )
        .await
    }

    /// A Clerk request with the target's key and `Clerk-API-Version` `version`
    /// (`None` sends no version at all).
    pub async fn clerk_v(
        &self,
        method: Method,
        path: &str,
        version: Option<&str>,
        body: Option<Value>,
    ) -> Resp {
        let url = format!("{}{path}", self.clerk.base_url);
        let headers: Vec<(&str, &str)> = version
            .map(|v| vec![("Clerk-API-Version", v)])
            .unwrap_or_default();
        send(
            &self.client,
            method,
            &url,
            &self.clerk_auth(),
            &headers,
            body.as_ref(),
        )
        .await
    }

    /// A Clerk request as the target file configures it (2025-04-10).
    pub async fn clerk(&self, method: Method, path: &str, body: Option<Value>) -> Resp {
        let version = self.target["apis"]["clerk"]["headers"]["Clerk-API-Version"]
            .as_str()
            .unwrap()
            .to_owned();
        self.clerk_v(method, path, Some(&version), body).await
    }

    pub fn sv(&self, name: &str) -> String {
        self.stytch.vars[name].clone()
    }

    pub fn bv(&self, name: &str) -> String {
        self.b2b.vars[name].clone()
    }

    pub fn cv(&self, name: &str) -> String {
        self.clerk.vars[name].clone()
    }

    /// A fresh consumer session `(session_id, session_token, session_jwt)`.
    pub async fn mint(&self, body: Value) -> (String, String, String) {
        let r = self
            .stytch(Method::POST, &self.sv("mint_path"), Some(body))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        (
            r.json["session_id"].as_str().unwrap().to_owned(),
            r.json["session_token"].as_str().unwrap().to_owned(),
            r.json["session_jwt"].as_str().unwrap().to_owned(),
        )
    }

    /// A fresh member session `(member_session_id, session_token, session_jwt)`.
    pub async fn mint_b2b(&self, body: Value) -> (String, String, String) {
        let r = self
            .b2b(Method::POST, &self.bv("mint_path"), Some(body))
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        (
            r.json["member_session_id"].as_str().unwrap().to_owned(),
            r.json["session_token"].as_str().unwrap().to_owned(),
            r.json["session_jwt"].as_str().unwrap().to_owned(),
        )
    }
}

/// A Stytch error body: status, envelope fields, `error_url` shape, unique request id.
pub fn assert_stytch_error(r: &Resp, status: u16, error_type: &str) {
    assert_eq!(r.status, status, "{}", r.text);
    let b = &r.json;
    assert_eq!(b["status_code"], status, "{}", r.text);
    assert_eq!(b["error_type"], error_type, "{}", r.text);
    assert!(!b["error_message"].as_str().unwrap().is_empty());
    let url = b["error_url"].as_str().unwrap();
    assert!(url.starts_with("https://stytch.com/docs/"), "{url}");
    assert!(url.contains(&format!("/errors/{status}")), "{url}");
    assert_eq!(url.rsplit_once('#').unwrap().1, error_type);
    assert!(
        b["request_id"]
            .as_str()
            .unwrap()
            .starts_with("request-id-test-")
    );
    assert_eq!(b.as_object().unwrap().len(), 5, "{}", r.text);
}

/// A Clerk `ClerkErrors` body with one error of `code`.
pub fn assert_clerk_error(r: &Resp, status: u16, code: &str) {
    assert_eq!(r.status, status, "{}", r.text);
    let errors = r.json["errors"].as_array().expect("errors array");
    assert_eq!(errors.len(), 1, "{}", r.text);
    let e = &errors[0];
    assert_eq!(e["code"], code, "{}", r.text);
    assert!(e["message"].is_string() && e["long_message"].is_string());
    assert!(e["meta"].is_object());
    assert!(
        r.json["clerk_trace_id"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );
    assert!(r.json.get("status").is_none());
}

/// A Stytch success envelope.
pub fn assert_stytch_ok(r: &Resp) {
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["status_code"], 200);
    assert!(
        r.json["request_id"]
            .as_str()
            .unwrap()
            .starts_with("request-id-test-")
    );
}

/// Parses an RFC 3339 timestamp (UTC, `Z`).
pub fn ts(v: &Value) -> time::OffsetDateTime {
    let s = v.as_str().unwrap_or_else(|| panic!("not a string: {v}"));
    assert!(s.ends_with('Z'), "{s}");
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).unwrap()
}

/// Decodes a JWT's claims after verifying it against the JWKS at `jwks_url`.
pub async fn verify_jwt(
    client: &reqwest::Client,
    jwks_url: &str,
    auth: &Auth,
    jwt: &str,
    audience: Option<&str>,
) -> serde_json::Map<String, Value> {
    use jsonwebtoken::{Algorithm, DecodingKey, Validation, decode, decode_header};
    let jwks = send(client, Method::GET, jwks_url, auth, &[], None).await;
    assert_eq!(jwks.status, 200, "{}", jwks.text);
    let header = decode_header(jwt).unwrap();
    assert_eq!(header.alg, Algorithm::RS256);
    let kid = header.kid.expect("kid");
    let key = jwks.json["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid.as_str())
        .unwrap_or_else(|| panic!("kid {kid} not in JWKS {}", jwks.text));
    let dk =
        DecodingKey::from_rsa_components(key["n"].as_str().unwrap(), key["e"].as_str().unwrap())
            .unwrap();
    let mut v = Validation::new(Algorithm::RS256);
    match audience {
        Some(a) => v.set_audience(&[a]),
        None => v.validate_aud = false,
    }
    v.required_spec_claims.clear();
    decode::<serde_json::Map<String, Value>>(jwt, &dk, &v)
        .unwrap_or_else(|e| panic!("JWT does not verify: {e}"))
        .claims
}
