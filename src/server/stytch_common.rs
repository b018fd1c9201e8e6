//! Logic shared by the Stytch consumer and B2B handlers: argument parsing,
//! custom claims, `authorization_check`, session JWTs and the JWKS.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};
use time::Duration;

use super::clock::{self, rfc3339};
use super::faults::Fault;
use super::keys::JwtRejection;
use super::rbac::granting_roles;
use super::request::json_object;
use super::state::{App, StytchApi};
use super::stytch_store::{SessionStore, StytchSession, TouchError};
use super::vendor_error::{StytchError, stytch_ok};

/// A handler's outcome before it is rendered.
pub(crate) type StytchResult = Result<Response, StytchError>;

/// Renders an error in the API's own shape.
pub(crate) fn finish(app: &App, api: StytchApi, result: StytchResult) -> Response {
    result.unwrap_or_else(|e| e.render(app, api))
}

/// Session JWTs live exactly five minutes (60 with the `stytch-long-jwt` fault).
pub(crate) fn jwt_lifetime(app: &App) -> i64 {
    if app.has(Fault::StytchLongJwt) {
        3600
    } else {
        300
    }
}

/// The JSON object body, or 400 `bad_request`.
pub(crate) fn parse_body(body: &[u8]) -> Result<Map<String, Value>, StytchError> {
    json_object(body).map_err(|_| StytchError::bad_request())
}

/// An optional string field; empty strings count as absent (as in Stytch's
/// protobuf-based API), other JSON types are a 400.
pub(crate) fn opt_str(body: &Map<String, Value>, key: &str) -> Result<Option<String>, StytchError> {
    match body.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if s.is_empty() => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(StytchError::bad_request()),
    }
}

/// `session_duration_minutes`: an integer from 5 to 527040, or absent.
pub(crate) fn duration(body: &Map<String, Value>) -> Result<Option<Duration>, StytchError> {
    let invalid = || {
        StytchError::new(
            StatusCode::BAD_REQUEST,
            "invalid_session_duration_minutes",
            "session_duration_minutes must be between 5 and 527040 minutes (366 days).",
        )
    };
    match body.get("session_duration_minutes") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_i64() {
            Some(m) if (5..=527_040).contains(&m) => Ok(Some(Duration::minutes(m))),
            _ => Err(invalid()),
        },
    }
}

/// `session_custom_claims`: an object without Stytch-namespaced keys, or absent.
pub(crate) fn claims_patch(
    body: &Map<String, Value>,
) -> Result<Option<Map<String, Value>>, StytchError> {
    match body.get("session_custom_claims") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Object(m)) => {
            if m.keys().any(|k| k.starts_with("https://stytch.com")) {
                return Err(StytchError::new(
                    StatusCode::BAD_REQUEST,
                    "stytch_claims_in_custom_claims",
                    "Custom claims may not use the https://stytch.com/ namespace, which is reserved for Stytch claims.",
                ));
            }
            Ok(Some(m.clone()))
        }
        Some(_) => Err(StytchError::bad_request()),
    }
}

/// Maps a failed session update to the vendor error.
pub(crate) fn touch_error(e: TouchError) -> StytchError {
    match e {
        TouchError::NotFound => StytchError::session_not_found(),
        TouchError::ClaimsTooLarge => StytchError::new(
            StatusCode::BAD_REQUEST,
            "custom_claims_too_large",
            "Session custom claims may not exceed four kilobytes.",
        ),
    }
}

/// Whether `s` looks like `<prefix>-test-<uuid>` or `<prefix>-live-<uuid>`.
pub(crate) fn is_stytch_id(prefix: &str, s: &str) -> bool {
    ["test", "live"].iter().any(|env| {
        s.strip_prefix(&format!("{prefix}-{env}-"))
            .is_some_and(|rest| rest.len() == 36 && uuid::Uuid::parse_str(rest).is_ok())
    })
}

/// How the caller identifies the session to authenticate.
#[derive(Debug, Clone)]
pub(crate) enum SessionRef {
    Token(String),
    Jwt(String),
}

/// A [`SessionRef`] whose JWT, if any, has been verified (done before taking the state lock).
#[derive(Debug, Clone)]
pub(crate) enum VerifiedRef {
    Token(String),
    Jwt { id: String, subject: String },
}

/// Verifies the JWT of a reference; a token is only looked up later.
pub(crate) fn verify_ref(
    app: &App,
    api: StytchApi,
    target: &SessionRef,
) -> Result<VerifiedRef, StytchError> {
    Ok(match target {
        SessionRef::Token(t) => VerifiedRef::Token(t.clone()),
        SessionRef::Jwt(jwt) => {
            let (id, subject) = jwt_session(app, api, jwt)?;
            VerifiedRef::Jwt { id, subject }
        }
    })
}

/// The active session a verified reference names: 404 `session_not_found` for an unknown token,
/// an inactive session, or a JWT whose subject no longer owns the session.
pub(crate) fn active_session<'a>(
    sessions: &'a SessionStore,
    target: &VerifiedRef,
    now: time::OffsetDateTime,
) -> Result<&'a StytchSession, StytchError> {
    let (id, subject) = match target {
        VerifiedRef::Token(token) => (
            sessions
                .id_for_token(token)
                .ok_or_else(StytchError::session_not_found)?,
            None,
        ),
        VerifiedRef::Jwt { id, subject } => (id.as_str(), Some(subject)),
    };
    sessions
        .get(id)
        .filter(|s| s.is_active(now))
        .filter(|s| subject.is_none_or(|sub| *sub == s.subject))
        .ok_or_else(StytchError::session_not_found)
}

/// Exactly one of `session_token` / `session_jwt`.
pub(crate) fn session_ref(body: &Map<String, Value>) -> Result<SessionRef, StytchError> {
    match (
        opt_str(body, "session_token")?,
        opt_str(body, "session_jwt")?,
    ) {
        (Some(_), Some(_)) => Err(StytchError::new(
            StatusCode::BAD_REQUEST,
            "too_many_session_arguments",
            "Only one of session_token or session_jwt may be provided.",
        )),
        (Some(t), None) => Ok(SessionRef::Token(t)),
        (None, Some(j)) => Ok(SessionRef::Jwt(j)),
        (None, None) => Err(StytchError::new(
            StatusCode::BAD_REQUEST,
            "no_session_arguments",
            "One of session_token or session_jwt must be provided.",
        )),
    }
}

/// 400 when revoke got zero or several identifiers.
pub(crate) fn revoke_arity(given: usize, names: &str) -> Result<(), StytchError> {
    match given {
        1 => Ok(()),
        0 => Err(StytchError::new(
            StatusCode::BAD_REQUEST,
            "no_session_revoke_arguments",
            format!("One of {names} must be provided."),
        )),
        _ => Err(StytchError::new(
            StatusCode::BAD_REQUEST,
            "too_many_session_revoke_arguments",
            format!("Only one of {names} may be provided."),
        )),
    }
}

/// The session id and subject named by a session JWT of this project. Expired
/// JWTs are accepted (the session itself decides); signature, `kid`, `aud` and
/// `iss` must be ours.
pub(crate) fn jwt_session(
    app: &App,
    api: StytchApi,
    jwt: &str,
) -> Result<(String, String), StytchError> {
    let unparsable = || {
        StytchError::new(
            StatusCode::BAD_REQUEST,
            "unable_to_parse_session_jwt",
            "The session_jwt could not be parsed or its signature is invalid.",
        )
    };
    let project = api.project_id();
    let claims = app
        .keys
        .stytch
        .verify(
            jwt,
            Some(project),
            Some(&format!("stytch.com/{project}")),
            false,
        )
        .map_err(|e| match e {
            JwtRejection::WrongAudience => StytchError::new(
                StatusCode::BAD_REQUEST,
                "jwt_invalid_audience",
                "The session_jwt was issued for a different project.",
            ),
            JwtRejection::Malformed | JwtRejection::Expired => unparsable(),
        })?;
    let id = claims
        .get("https://stytch.com/session")
        .and_then(|s| s.get("id"))
        .and_then(Value::as_str)
        .ok_or_else(unparsable)?;
    let sub = claims
        .get("sub")
        .and_then(Value::as_str)
        .ok_or_else(unparsable)?;
    Ok((id.to_owned(), sub.to_owned()))
}

/// A requested `authorization_check`.
#[derive(Debug, Clone)]
pub(crate) struct AuthorizationCheck {
    pub(crate) organization_id: Option<String>,
    pub(crate) resource_id: String,
    pub(crate) action: String,
}

/// Parses `authorization_check` (B2B additionally requires `organization_id`).
pub(crate) fn authorization_check(
    body: &Map<String, Value>,
    api: StytchApi,
) -> Result<Option<AuthorizationCheck>, StytchError> {
    let check = match body.get("authorization_check") {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(m)) => m,
        Some(_) => return Err(StytchError::bad_request()),
    };
    let field = |k: &str| opt_str(check, k)?.ok_or_else(StytchError::bad_request);
    let organization_id = match api {
        StytchApi::B2b => Some(field("organization_id")?),
        StytchApi::Consumer => None,
    };
    Ok(Some(AuthorizationCheck {
        organization_id,
        resource_id: field("resource_id")?,
        action: field("action")?,
    }))
}

/// Evaluates a check against a session under `api`'s RBAC policy; the `verdict`
/// object on success, 403 otherwise.
pub(crate) fn evaluate(
    api: StytchApi,
    check: &AuthorizationCheck,
    session: &StytchSession,
) -> Result<Value, StytchError> {
    if let (Some(wanted), Some((org, _))) = (&check.organization_id, &session.organization)
        && wanted != org
    {
        return Err(StytchError::new(
            StatusCode::FORBIDDEN,
            "session_authorization_tenancy_error",
            "The organization_id in the authorization check does not match the member's organization.",
        ));
    }
    let roles = granting_roles(api, &session.roles, &check.resource_id, &check.action);
    if roles.is_empty() {
        return Err(StytchError::new(
            StatusCode::FORBIDDEN,
            "unauthorized_action",
            "The session is not authorized to perform the requested action on the requested resource.",
        ));
    }
    Ok(json!({"authorized": true, "granting_roles": roles}))
}

/// A fresh session JWT for `session` (RS256, `kid` from the JWKS).
pub(crate) fn sign_session_jwt(
    app: &App,
    api: StytchApi,
    session: &StytchSession,
) -> Result<String, StytchError> {
    let project = api.project_id();
    let iat = clock::now().unix_timestamp();
    let mut claims = Map::new();
    // Custom claims first, so the registered and Stytch claims below win.
    for (k, v) in &session.custom_claims {
        claims.insert(k.clone(), v.clone());
    }
    claims.insert(
        "https://stytch.com/session".into(),
        json!({
            "id": session.id,
            "started_at": rfc3339(session.started_at),
            "last_accessed_at": rfc3339(session.last_accessed_at),
            "expires_at": rfc3339(session.expires_at),
            "attributes": {"ip_address": session.ip_address, "user_agent": session.user_agent},
            "authentication_factors": session.factors,
            "roles": session.roles,
        }),
    );
    if let Some((org_id, slug)) = &session.organization {
        claims.insert(
            "https://stytch.com/organization".into(),
            json!({"organization_id": org_id, "slug": slug}),
        );
    }
    claims.insert("aud".into(), json!([project]));
    claims.insert("iss".into(), json!(format!("stytch.com/{project}")));
    claims.insert("sub".into(), json!(session.subject));
    claims.insert("iat".into(), json!(iat));
    claims.insert("nbf".into(), json!(iat));
    claims.insert("exp".into(), json!(iat + jwt_lifetime(app)));
    app.keys
        .stytch
        .sign(&claims)
        .map_err(|_| StytchError::internal())
}

/// `GET …/jwks/{project_id}`: the project's signing keys.
pub(crate) fn jwks(app: &App, api: StytchApi, project_id: &str) -> StytchResult {
    if project_id != api.project_id() {
        return Err(StytchError::new(
            StatusCode::NOT_FOUND,
            "project_not_found",
            "Project could not be found.",
        ));
    }
    let mut body = Map::new();
    body.insert("keys".into(), json!([app.keys.stytch.stytch_jwk()]));
    Ok(stytch_ok(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_formats() {
        assert!(is_stytch_id(
            "session",
            "session-test-fe6c042b-6286-479f-8a4f-b046a6c46509"
        ));
        assert!(is_stytch_id(
            "session",
            "session-live-fe6c042b-6286-479f-8a4f-b046a6c46509"
        ));
        assert!(!is_stytch_id("session", "session-test-nope"));
        assert!(!is_stytch_id(
            "session",
            "user-test-fe6c042b-6286-479f-8a4f-b046a6c46509"
        ));
    }

    #[test]
    fn argument_rules() {
        let body = |s: &str| parse_body(s.as_bytes()).unwrap();
        assert!(matches!(
            session_ref(&body(r#"{"session_token":"a"}"#)),
            Ok(SessionRef::Token(_))
        ));
        let e = session_ref(&body(r#"{"session_token":"a","session_jwt":"b"}"#)).unwrap_err();
        assert_eq!(e.error_type, "too_many_session_arguments");
        let e = session_ref(&body(r#"{"session_token":""}"#)).unwrap_err();
        assert_eq!(e.error_type, "no_session_arguments");
        for bad in ["4", "527041", "\"60\"", "1.5"] {
            let e =
                duration(&body(&format!(r#"{{"session_duration_minutes":{bad}}}"#))).unwrap_err();
            assert_eq!(e.error_type, "invalid_session_duration_minutes", "{bad}");
        }
        assert_eq!(
            duration(&body(r#"{"session_duration_minutes":5}"#)).unwrap(),
            Some(Duration::minutes(5))
        );
        let e = claims_patch(&body(
            r#"{"session_custom_claims":{"https://stytch.com/x":1}}"#,
        ))
        .unwrap_err();
        assert_eq!(e.error_type, "stytch_claims_in_custom_claims");
        assert_eq!(
            revoke_arity(2, "a or b").unwrap_err().error_type,
            "too_many_session_revoke_arguments"
        );
        assert_eq!(
            revoke_arity(0, "a or b").unwrap_err().error_type,
            "no_session_revoke_arguments"
        );
    }
}
