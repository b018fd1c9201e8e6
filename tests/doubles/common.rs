//! Helpers shared by the doubles: time, JWTs, request parsing, JSON responses.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use wiremock::{Request, ResponseTemplate};

/// Seconds since the epoch.
pub fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

/// Milliseconds since the epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

/// RFC 3339 UTC (`…Z`, whole seconds) for `now + offset_secs`.
pub fn rfc3339(offset_secs: i64) -> String {
    let t = OffsetDateTime::from_unix_timestamp(now_secs() + offset_secs).unwrap();
    t.format(&Rfc3339).unwrap()
}

/// The doubles' signing key (the reference server's test key: local-only, committed).
fn signing_key() -> jsonwebtoken::EncodingKey {
    jsonwebtoken::EncodingKey::from_rsa_pem(include_bytes!(
        "../../src/server/keys/stytch-private.pem"
    ))
    .expect("the committed test key parses")
}

/// A compact JWS signed with RS256 by the doubles' key, with the `kid` of `header` (checks
/// verify signatures against the JWKS, so a double must really sign).
pub fn jwt(header: &Value, claims: &Value) -> String {
    let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    h.kid = header.get("kid").and_then(Value::as_str).map(str::to_owned);
    jsonwebtoken::encode(&h, claims, &signing_key()).expect("signs")
}

/// Like [`jwt`], but signed with a key that is not in any double's JWKS.
pub fn jwt_signed_elsewhere(header: &Value, claims: &Value) -> String {
    let other = jsonwebtoken::EncodingKey::from_rsa_pem(include_bytes!(
        "../../src/server/keys/clerk-private.pem"
    ))
    .expect("the committed test key parses");
    let mut h = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::RS256);
    h.kid = header.get("kid").and_then(Value::as_str).map(str::to_owned);
    jsonwebtoken::encode(&h, claims, &other).expect("signs")
}

/// The RSA modulus (`n`, base64url) of the doubles' key, for their JWKS.
pub fn jwk_n() -> String {
    let jwk =
        jsonwebtoken::jwk::Jwk::from_encoding_key(&signing_key(), jsonwebtoken::Algorithm::RS256)
            .expect("a JWK");
    serde_json::to_value(jwk).expect("serialises")["n"]
        .as_str()
        .expect("an RSA key has n")
        .to_owned()
}

/// The decoded claims of a token made by [`jwt`].
pub fn jwt_claims(token: &str) -> Option<Value> {
    let claims = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(claims).ok()?;
    serde_json::from_slice(&bytes).ok()
}

/// A query parameter.
pub fn query(req: &Request, name: &str) -> Option<String> {
    req.url
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// A request header as text.
pub fn header<'a>(req: &'a Request, name: &str) -> Option<&'a str> {
    req.headers.get(name).and_then(|v| v.to_str().ok())
}

/// The JSON object body (an empty object when there is none).
pub fn body(req: &Request) -> Map<String, Value> {
    serde_json::from_slice::<Value>(&req.body)
        .ok()
        .and_then(|v| v.as_object().cloned())
        .unwrap_or_default()
}

/// `Authorization: Basic` credentials.
pub fn basic(req: &Request) -> Option<(String, String)> {
    let h = header(req, "authorization")?;
    let b64 = h.strip_prefix("Basic ")?;
    let text = String::from_utf8(STANDARD.decode(b64).ok()?).ok()?;
    let (u, p) = text.split_once(':')?;
    Some((u.to_owned(), p.to_owned()))
}

/// `Authorization: Bearer` token.
pub fn bearer(req: &Request) -> Option<&str> {
    header(req, "authorization")?.strip_prefix("Bearer ")
}

/// A JSON response.
pub fn json(status: u16, body: Value) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_raw(body.to_string(), "application/json")
}

/// The target-file block of one API.
pub fn api_block(api: &str, base_url: &str, auth: &str, vars: &[(&str, &str)]) -> String {
    let mut out = format!("  {api}:\n    base_url: \"{base_url}\"\n    auth: {auth}\n    vars:\n");
    for (k, v) in vars {
        out.push_str(&format!("      {k}: \"{v}\"\n"));
    }
    out
}
