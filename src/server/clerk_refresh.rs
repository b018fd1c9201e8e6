//! Clerk `POST /sessions/{session_id}/refresh`: a new session token for an
//! expired one, given the client's refresh token (CONTRACTS.md §4.10).
//!
//! Validation errors are 401s with the "Session Refresh" codes of Clerk's error
//! index (CONTRACTS.md §4.11), which tell the SDKs to fall back to the handshake.
//! The refresh token is the `__refresh` value Clerk's Frontend API would have set
//! for the session's client; the Backend API never returns it (the library hands
//! it to tests through `RunningServer::clerk_refresh_token`).

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::clerk::{ClerkResult, finish, now_ms, sign_session_token, string_field, visible};
use super::clerk_store::{ClerkSession, ClerkStatus};
use super::clerk_version::ClerkVersion;
use super::fixtures::CLERK_ISSUER;
use super::request::json_object;
use super::state::App;
use super::vendor_error::{ClerkError, clerk_ok};

/// Body members the spec declares (`additionalProperties: false`), plus
/// `suffixed_cookies`, which Clerk's own JavaScript SDK sends (`SessionApi.ts`).
const KNOWN_PARAMS: [&str; 7] = [
    "expired_token",
    "refresh_token",
    "request_origin",
    "request_headers",
    "format",
    "request_originating_ip",
    "suffixed_cookies",
];

/// Lifetime of a refreshed session token (Clerk's default: 60 seconds).
const TOKEN_LIFETIME_SECS: i64 = 60;

/// The response format asked for with `format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Token,
    Cookie,
}

/// A validated request body.
#[derive(Debug)]
struct RefreshRequest {
    expired_token: String,
    refresh_token: String,
    request_origin: String,
    format: Format,
    suffixed_cookies: bool,
}

/// A 401 "Session Refresh" error.
fn refresh_error(code: &'static str, message: &str, long_message: impl Into<String>) -> ClerkError {
    ClerkError::new(StatusCode::UNAUTHORIZED, code, message, long_message)
}

fn inactive() -> ClerkError {
    refresh_error(
        "session_refresh_inactive_session",
        "session inactive",
        "The provided session is not active",
    )
}

/// Sessions that may get new tokens: `active`, or `pending` (tasks left).
fn is_live(session: &ClerkSession, now_ms: i64) -> bool {
    matches!(
        session.status_at(now_ms),
        ClerkStatus::Active | ClerkStatus::Pending
    )
}

fn token_invalid() -> ClerkError {
    refresh_error(
        "expired_session_token_invalid",
        "Invalid expired_token param",
        "The session token provided could not be successfully verified",
    )
}

fn type_invalid(name: &str, kind: &str) -> ClerkError {
    ClerkError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "form_param_type_invalid",
        "is invalid",
        format!("`{name}` must be a `{kind}`."),
    )
    .param(name)
}

fn parse(body: &[u8]) -> Result<RefreshRequest, ClerkError> {
    let body = json_object(body).map_err(|_| ClerkError::body_invalid())?;
    if let Some(unknown) = body.keys().find(|k| !KNOWN_PARAMS.contains(&k.as_str())) {
        return Err(ClerkError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "form_param_unknown",
            "is unknown",
            format!("{unknown} is not a valid parameter for this request."),
        )
        .param(unknown));
    }
    let expired_token = string_field(&body, "expired_token")?;
    let refresh_token = string_field(&body, "refresh_token")?;
    let request_origin = string_field(&body, "request_origin")?;
    string_field(&body, "request_originating_ip")?;
    if !matches!(
        body.get("request_headers"),
        None | Some(Value::Null | Value::Object(_))
    ) {
        return Err(type_invalid("request_headers", "object"));
    }
    let suffixed_cookies = match body.get("suffixed_cookies") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => return Err(type_invalid("suffixed_cookies", "boolean")),
    };
    let format = match string_field(&body, "format")?.as_deref() {
        None | Some("token") => Format::Token,
        Some("cookie") => Format::Cookie,
        Some(other) => {
            return Err(ClerkError::value_invalid(
                "format",
                format!("{other} is not a valid value for format. Use one of: token, cookie."),
            ));
        }
    };
    let required = |name: &str, v: Option<String>| {
        v.filter(|s| !s.is_empty()).ok_or_else(|| {
            ClerkError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "form_param_missing",
                "is missing",
                format!("{name} must be included."),
            )
            .param(name)
        })
    };
    Ok(RefreshRequest {
        expired_token: required("expired_token", expired_token)?,
        refresh_token: required("refresh_token", refresh_token)?,
        request_origin: required("request_origin", request_origin)?,
        format,
        suffixed_cookies,
    })
}

/// The ASCII origin (`scheme://host[:port]`) of an http(s) URL.
fn origin_of(raw: &str) -> Option<String> {
    let url = url::Url::parse(raw).ok()?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return None;
    }
    Some(url.origin().ascii_serialization())
}

/// Checks the expired token's signature and claims against the session;
/// answers its `iat`.
fn check_expired_token(
    app: &App,
    token: &str,
    session_id: &str,
    user_id: &str,
    origin: &str,
) -> Result<i64, ClerkError> {
    // Expired tokens are the point of this endpoint: `exp` is not checked.
    let claims = app
        .keys
        .clerk
        .verify(token, None, Some(CLERK_ISSUER), false)
        .map_err(|_| token_invalid())?;
    let claim = |k: &str| claims.get(k).and_then(Value::as_str);
    let Some(sid) = claim("sid") else {
        return Err(refresh_error(
            "expired_session_token_missing_sid",
            "missing 'sid' claim",
            "No 'sid' claim present in the provided expired session token",
        ));
    };
    if sid != session_id {
        return Err(refresh_error(
            "refresh_sid_mismatch",
            "Session ID does not match the 'sid' claim",
            "The 'sid' claim of the provided expired session token does not match the session ID provided in the request path",
        ));
    }
    if claim("sub") != Some(user_id) {
        return Err(token_invalid());
    }
    let Some(iat) = claims.get("iat").and_then(Value::as_i64) else {
        return Err(refresh_error(
            "session_refresh_expired_session_token_missing_iat",
            "missing 'iat' claim",
            "No 'iat' claim present in the provided expired session token",
        ));
    };
    let Some(azp) = claim("azp") else {
        return Err(refresh_error(
            "expired_session_token_missing_azp",
            "missing 'azp' claim",
            "No 'azp' claim present in the provided expired session token",
        ));
    };
    if origin_of(azp).as_deref() != Some(origin) {
        return Err(refresh_error(
            "refresh_request_origin_azp_mismatch",
            "Request origin does not match azp claim",
            "The request_origin parameter does not match the 'azp' claim of expired_token",
        ));
    }
    Ok(iat)
}

/// The instance's cookie-name suffix (Clerk derives one per instance so that
/// several apps on one domain keep apart cookies).
fn cookie_suffix() -> String {
    URL_SAFE_NO_PAD
        .encode(Sha256::digest(CLERK_ISSUER.as_bytes()))
        .chars()
        .take(8)
        .collect()
}

/// `Set-Cookie` directives carrying the new session token.
fn cookies(jwt: &str, origin: &str, suffixed: bool) -> Vec<String> {
    let secure = if origin.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    let directive = |name: &str| format!("{name}={jwt}; Path=/; SameSite=Lax{secure}");
    let mut out = vec![directive("__session")];
    if suffixed {
        out.push(directive(&format!("__session_{}", cookie_suffix())));
    }
    out
}

/// `POST /sessions/{session_id}/refresh`.
pub(crate) async fn refresh(
    State(app): State<Arc<App>>,
    Extension(version): Extension<ClerkVersion>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    finish(&app, refresh_inner(&app, version, &id, &body))
}

fn refresh_inner(app: &App, version: ClerkVersion, id: &str, body: &[u8]) -> ClerkResult {
    let req = parse(body)?;
    let now = now_ms();
    let session = visible(app.clerk().get(id), version, now).ok_or_else(|| {
        refresh_error(
            "session_refresh_session_not_found",
            "Session not found",
            format!("No session was found with id {id}"),
        )
    })?;
    if !is_live(&session, now) {
        return Err(inactive());
    }
    let origin = origin_of(&req.request_origin).ok_or_else(|| {
        refresh_error(
            "refresh_request_origin_invalid",
            "Request origin is invalid",
            "The request_origin parameter could not be parsed",
        )
    })?;
    let old_iat = check_expired_token(app, &req.expired_token, id, &session.user_id, &origin)?;
    let session = {
        let mut world = app.clerk();
        // Checked again under the lock: a concurrent revoke may have won.
        if !world.get(id).is_some_and(|s| is_live(s, now)) {
            return Err(inactive());
        }
        if world.is_consumed(&req.expired_token) {
            return Err(refresh_error(
                "session_refresh_expired_session_token_consumed",
                "expired session token consumed",
                "The provided expired session token was already consumed in a previous refresh request",
            ));
        }
        if world.refresh_token_for(id) != Some(req.refresh_token.as_str()) {
            return Err(refresh_error(
                "refresh_token_not_found",
                "Refresh token not found",
                "The provided refresh token was not found",
            ));
        }
        world.consume_token(&req.expired_token);
        world.touch(id, now).ok_or_else(ClerkError::internal)?
    };
    // The new token is always newer than the one it replaces, so a refresh in the
    // same second cannot hand back the (now consumed) expired token itself.
    let issued_ms = now.max(old_iat.saturating_add(1).saturating_mul(1000));
    let jwt = sign_session_token(app, &session, issued_ms, TOKEN_LIFETIME_SECS)?;
    let mut out = Map::new();
    match req.format {
        Format::Token => {
            out.insert("object".into(), json!("token"));
            out.insert("jwt".into(), json!(jwt));
        }
        Format::Cookie => {
            out.insert("object".into(), json!("cookies"));
            out.insert(
                "cookies".into(),
                json!(cookies(&jwt, &origin, req.suffixed_cookies)),
            );
        }
    }
    Ok(clerk_ok(Value::Object(out)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_rules() {
        let ok = parse(br#"{"expired_token":"a","refresh_token":"b","request_origin":"http://x"}"#)
            .unwrap();
        assert_eq!(ok.format, Format::Token);
        assert!(!ok.suffixed_cookies);
        let code = |b: &str| parse(b.as_bytes()).unwrap_err().code;
        assert_eq!(code("[]"), "request_body_invalid");
        assert_eq!(code("{}"), "form_param_missing");
        assert_eq!(
            code(r#"{"expired_token":"a","refresh_token":"","request_origin":"o"}"#),
            "form_param_missing"
        );
        assert_eq!(code(r#"{"token":"a"}"#), "form_param_unknown");
        assert_eq!(code(r#"{"expired_token":1}"#), "form_param_type_invalid");
        assert_eq!(code(r#"{"request_headers":[]}"#), "form_param_type_invalid");
        assert_eq!(code(r#"{"format":"xml"}"#), "form_param_value_invalid");
        let cookie = parse(
            br#"{"expired_token":"a","refresh_token":"b","request_origin":"o","format":"cookie","suffixed_cookies":true,"request_headers":{"A":["b"]},"request_originating_ip":null}"#,
        )
        .unwrap();
        assert_eq!(cookie.format, Format::Cookie);
        assert!(cookie.suffixed_cookies);
    }

    #[test]
    fn origins_and_cookies() {
        assert_eq!(
            origin_of("http://localhost:3000/path?q=1").as_deref(),
            Some("http://localhost:3000")
        );
        assert_eq!(
            origin_of("https://example.com:443").as_deref(),
            Some("https://example.com")
        );
        assert_eq!(origin_of("not a url"), None);
        assert_eq!(origin_of("ftp://example.com"), None);
        let plain = cookies("j", "http://localhost:3000", false);
        assert_eq!(plain, vec!["__session=j; Path=/; SameSite=Lax"]);
        let both = cookies("j", "https://example.com", true);
        assert_eq!(both.len(), 2);
        assert!(both.iter().all(|c| c.ends_with("; Secure")));
        assert!(both[1].starts_with(&format!("__session_{}=j;", cookie_suffix())));
        assert_eq!(cookie_suffix().len(), 8);
    }
}
