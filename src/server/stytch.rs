//! Stytch consumer session routes (`/v1/sessions…`).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::clock::{self, rfc3339};
use super::faults::Fault;
use super::request::{query_get, query_pairs};
use super::state::{App, StytchApi};
use super::stytch_common::{
    SessionRef, StytchResult, active_session, authorization_check, claims_patch, duration,
    evaluate, finish, is_stytch_id, jwt_session, opt_str, parse_body, revoke_arity, session_ref,
    sign_session_jwt, touch_error, verify_ref,
};
use super::stytch_store::{StytchSession, Touch};
use super::vendor_error::{StytchError, stytch_ok};

const API: StytchApi = StytchApi::Consumer;

/// A consumer `Session` object in wire shape.
pub(crate) fn session_json(s: &StytchSession) -> Value {
    json!({
        "session_id": s.id,
        "user_id": s.subject,
        "authentication_factors": s.factors,
        "roles": s.roles,
        "started_at": rfc3339(s.started_at),
        "last_accessed_at": rfc3339(s.last_accessed_at),
        "expires_at": rfc3339(s.expires_at),
        "attributes": {"ip_address": s.ip_address, "user_agent": s.user_agent},
        "custom_claims": s.custom_claims,
    })
}

fn user_not_found() -> StytchError {
    StytchError::new(
        StatusCode::NOT_FOUND,
        "user_not_found",
        "User could not be found.",
    )
}

/// `GET /v1/sessions?user_id=` — the user's active sessions.
pub(crate) async fn list(State(app): State<Arc<App>>, RawQuery(query): RawQuery) -> Response {
    finish(&app, API, list_inner(&app, query.as_deref()))
}

fn list_inner(app: &App, query: Option<&str>) -> StytchResult {
    let pairs = query_pairs(query);
    let key = query_get(&pairs, "user_id")
        .filter(|k| !k.is_empty())
        .ok_or_else(|| {
            StytchError::new(
                StatusCode::BAD_REQUEST,
                "invalid_user_id",
                "user_id format is invalid.",
            )
        })?;
    let now = clock::now();
    let sessions = {
        let world = app.consumer();
        let user = world.resolve_user(key).ok_or_else(user_not_found)?;
        world
            .sessions
            .list(&user.id, now, app.has(Fault::ListRevoked))
    };
    let stale = app.has(Fault::ListStaleAccess);
    let mut body = Map::new();
    body.insert(
        "sessions".into(),
        Value::Array(
            sessions
                .iter()
                .map(|s| {
                    if stale {
                        session_json(&StytchSession {
                            last_accessed_at: s.started_at,
                            ..s.clone()
                        })
                    } else {
                        session_json(s)
                    }
                })
                .collect(),
        ),
    );
    Ok(stytch_ok(body))
}

/// `POST /v1/sessions/authenticate`.
pub(crate) async fn authenticate(State(app): State<Arc<App>>, body: Bytes) -> Response {
    finish(&app, API, authenticate_inner(&app, &body))
}

fn authenticate_inner(app: &App, body: &[u8]) -> StytchResult {
    let body = parse_body(body)?;
    let target = session_ref(&body)?;
    let extend_by = faulty_duration(app, &target, duration(&body)?);
    let claims = claims_patch(&body)?;
    let check = authorization_check(&body, API)?;
    let verified = verify_ref(app, API, &target)?;
    let now = clock::now();
    let (session, user, verdict) = {
        let mut world = app.consumer();
        if app.has(Fault::ReviveOnExtend)
            && extend_by.is_some()
            && let SessionRef::Token(t) = &target
            && let Some(id) = world.sessions.id_for_token(t).map(str::to_owned)
        {
            world.sessions.revive(&id);
        }
        let current = active_session(&world.sessions, &verified, now)?;
        let id = current.id.clone();
        let verdict = check
            .as_ref()
            .map(|c| evaluate(API, c, current))
            .transpose()?;
        let touch = Touch {
            extend_by,
            claims: claims.as_ref(),
        };
        let session = world.sessions.touch(&id, now, touch).map_err(touch_error)?;
        let user = world
            .resolve_user(&session.subject)
            .map(|u| u.json.clone())
            .ok_or_else(StytchError::internal)?;
        (session, user, verdict)
    };
    let jwt = sign_session_jwt(app, API, &session)?;
    let mut out = Map::new();
    out.insert("session".into(), session_json(&session));
    out.insert("session_token".into(), json!(session.token));
    out.insert("session_jwt".into(), json!(jwt));
    out.insert("user".into(), user);
    if let Some(v) = verdict {
        out.insert("verdict".into(), v);
    }
    Ok(stytch_ok(out))
}

/// `session_duration_minutes` as the `duration-off-by-one` and `jwt-ignores-duration` faults
/// bend it.
fn faulty_duration(
    app: &App,
    target: &SessionRef,
    d: Option<time::Duration>,
) -> Option<time::Duration> {
    if app.has(Fault::JwtIgnoresDuration) && matches!(target, SessionRef::Jwt(_)) {
        return None;
    }
    if app.has(Fault::DurationOffByOne) {
        // Above the lower bound only: the bound itself stays right.
        return d.map(|d| {
            if d > time::Duration::minutes(5) {
                d - time::Duration::minutes(1)
            } else {
                d
            }
        });
    }
    d
}

/// `POST /v1/sessions/revoke` — exactly one of `session_id`, `session_token`, `session_jwt`.
pub(crate) async fn revoke(State(app): State<Arc<App>>, body: Bytes) -> Response {
    finish(&app, API, revoke_inner(&app, &body))
}

fn revoke_inner(app: &App, body: &[u8]) -> StytchResult {
    let body = parse_body(body)?;
    let id = opt_str(&body, "session_id")?;
    let token = opt_str(&body, "session_token")?;
    let jwt = opt_str(&body, "session_jwt")?;
    let given = [id.is_some(), token.is_some(), jwt.is_some()];
    revoke_arity(
        given.iter().filter(|g| **g).count(),
        "session_id, session_token or session_jwt",
    )?;
    if let Some(id) = &id
        && !is_stytch_id("session", id)
    {
        return Err(StytchError::new(
            StatusCode::BAD_REQUEST,
            "invalid_session_id",
            "session_id format is invalid.",
        ));
    }
    let from_jwt = jwt
        .as_deref()
        .map(|j| jwt_session(app, API, j))
        .transpose()?;
    let now = clock::now();
    let mut world = app.consumer();
    let via_token = token.is_some();
    let id = match (id, token, from_jwt) {
        (Some(id), _, _) => id,
        (_, Some(token), _) => world
            .sessions
            .id_for_token(&token)
            .ok_or_else(StytchError::session_not_found)?
            .to_owned(),
        (_, _, Some((id, sub))) => {
            if world.sessions.get(&id).is_some_and(|s| s.subject != sub) {
                return Err(StytchError::session_not_found());
            }
            id
        }
        _ => return Err(StytchError::internal()),
    };
    // `revoke-used-token-noop`: by token, a session used since it started stays active.
    let used_token_noop = via_token
        && app.has(Fault::RevokeUsedTokenNoop)
        && world
            .sessions
            .get(&id)
            .is_some_and(|s| s.last_accessed_at > s.started_at);
    let noop = app.has(Fault::RevokeNoop) || used_token_noop;
    if !world.sessions.revoke(&id, now, noop) {
        return Err(StytchError::session_not_found());
    }
    Ok(stytch_ok(Map::new()))
}

/// `GET /v1/sessions/jwks/{project_id}`.
pub(crate) async fn jwks(State(app): State<Arc<App>>, Path(project_id): Path<String>) -> Response {
    finish(
        &app,
        API,
        super::stytch_common::jwks(&app, API, &project_id),
    )
}
