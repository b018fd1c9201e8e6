//! Stytch B2B session routes (`/v1/b2b/sessions…`).

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
    StytchResult, active_session, authorization_check, claims_patch, duration, evaluate, finish,
    is_stytch_id, jwt_session, opt_str, parse_body, revoke_arity, session_ref, sign_session_jwt,
    touch_error, verify_ref,
};
use super::stytch_store::{StytchSession, Touch};
use super::vendor_error::{StytchError, stytch_ok};

const API: StytchApi = StytchApi::B2b;

/// A `MemberSession` object in wire shape.
pub(crate) fn member_session_json(s: &StytchSession) -> Value {
    let (org_id, slug) = s.organization.clone().unwrap_or_default();
    json!({
        "member_session_id": s.id,
        "member_id": s.subject,
        "started_at": rfc3339(s.started_at),
        "last_accessed_at": rfc3339(s.last_accessed_at),
        "expires_at": rfc3339(s.expires_at),
        "authentication_factors": s.factors,
        "organization_id": org_id,
        "roles": s.roles,
        "organization_slug": slug,
        "custom_claims": s.custom_claims,
    })
}

pub(crate) fn organization_not_found() -> StytchError {
    StytchError::new(
        StatusCode::NOT_FOUND,
        "organization_not_found",
        "Organization could not be found.",
    )
}

pub(crate) fn member_not_found() -> StytchError {
    StytchError::new(
        StatusCode::NOT_FOUND,
        "member_not_found",
        "Member could not be found.",
    )
}

/// `GET /v1/b2b/sessions?organization_id=&member_id=` — the member's active sessions.
pub(crate) async fn list(State(app): State<Arc<App>>, RawQuery(query): RawQuery) -> Response {
    finish(&app, API, list_inner(&app, query.as_deref()))
}

fn list_inner(app: &App, query: Option<&str>) -> StytchResult {
    let pairs = query_pairs(query);
    let org_key = query_get(&pairs, "organization_id")
        .filter(|k| !k.is_empty())
        .ok_or_else(|| {
            StytchError::new(
                StatusCode::BAD_REQUEST,
                "invalid_organization_id",
                "organization_id format is invalid.",
            )
        })?;
    let member_key = query_get(&pairs, "member_id")
        .filter(|k| !k.is_empty())
        .ok_or_else(|| {
            StytchError::new(
                StatusCode::BAD_REQUEST,
                "bad_request",
                "The submitted request is invalid: member_id is required.",
            )
        })?;
    let now = clock::now();
    let sessions = {
        let world = app.b2b();
        let org = world
            .resolve_organization(org_key)
            .ok_or_else(organization_not_found)?;
        let member = world
            .resolve_member(&org.id, member_key)
            .ok_or_else(member_not_found)?;
        world
            .sessions
            .list(&member.id, now, app.has(Fault::ListRevoked))
    };
    let mut body = Map::new();
    body.insert(
        "member_sessions".into(),
        Value::Array(sessions.iter().map(member_session_json).collect()),
    );
    Ok(stytch_ok(body))
}

/// `POST /v1/b2b/sessions/authenticate`.
pub(crate) async fn authenticate(State(app): State<Arc<App>>, body: Bytes) -> Response {
    finish(&app, API, authenticate_inner(&app, &body))
}

fn authenticate_inner(app: &App, body: &[u8]) -> StytchResult {
    let body = parse_body(body)?;
    let target = session_ref(&body)?;
    let extend_by = duration(&body)?;
    let claims = claims_patch(&body)?;
    let check = authorization_check(&body, API)?;
    let verified = verify_ref(app, API, &target)?;
    let now = clock::now();
    let (session, member, organization, verdict) = {
        let mut world = app.b2b();
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
        let member = world
            .member(&session.subject)
            .cloned()
            .ok_or_else(StytchError::internal)?;
        let organization = world
            .organization(&member.organization_id)
            .map(|o| o.json.clone())
            .ok_or_else(StytchError::internal)?;
        (session, member.json, organization, verdict)
    };
    let jwt = sign_session_jwt(app, API, &session)?;
    let mut out = Map::new();
    out.insert("member_session".into(), member_session_json(&session));
    out.insert("session_token".into(), json!(session.token));
    out.insert("session_jwt".into(), json!(jwt));
    out.insert("member".into(), member);
    out.insert("organization".into(), organization);
    if let Some(v) = verdict {
        out.insert("verdict".into(), v);
    }
    Ok(stytch_ok(out))
}

/// `POST /v1/b2b/sessions/revoke` — exactly one of `member_session_id`,
/// `session_token`, `session_jwt`, `member_id` (the last revokes all of the
/// member's sessions).
pub(crate) async fn revoke(State(app): State<Arc<App>>, body: Bytes) -> Response {
    finish(&app, API, revoke_inner(&app, &body))
}

fn revoke_inner(app: &App, body: &[u8]) -> StytchResult {
    let body = parse_body(body)?;
    let id = opt_str(&body, "member_session_id")?;
    let token = opt_str(&body, "session_token")?;
    let jwt = opt_str(&body, "session_jwt")?;
    let member_id = opt_str(&body, "member_id")?;
    let given = [
        id.is_some(),
        token.is_some(),
        jwt.is_some(),
        member_id.is_some(),
    ];
    revoke_arity(
        given.iter().filter(|g| **g).count(),
        "member_session_id, session_token, session_jwt or member_id",
    )?;
    if let Some(id) = &id
        && !is_stytch_id("session", id)
    {
        return Err(StytchError::new(
            StatusCode::BAD_REQUEST,
            "invalid_session_id",
            "member_session_id format is invalid.",
        ));
    }
    let from_jwt = jwt
        .as_deref()
        .map(|j| jwt_session(app, API, j))
        .transpose()?;
    let now = clock::now();
    let noop = app.has(Fault::RevokeNoop);
    let mut world = app.b2b();
    if let Some(member_id) = member_id {
        if world.member(&member_id).is_none() {
            return Err(member_not_found());
        }
        if app.has(Fault::B2bRevokeMemberFirstOnly) {
            let oldest = world
                .sessions
                .list(&member_id, now, false)
                .into_iter()
                .find(|s| !s.pinned);
            if let Some(s) = oldest {
                world.sessions.revoke(&s.id, now, noop);
            }
        } else {
            world.sessions.revoke_subject(&member_id, now, noop);
        }
        return Ok(stytch_ok(Map::new()));
    }
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
    if !world.sessions.revoke(&id, now, noop) {
        return Err(StytchError::session_not_found());
    }
    Ok(stytch_ok(Map::new()))
}

/// `GET /v1/b2b/sessions/jwks/{project_id}`.
pub(crate) async fn jwks(State(app): State<Arc<App>>, Path(project_id): Path<String>) -> Response {
    finish(
        &app,
        API,
        super::stytch_common::jwks(&app, API, &project_id),
    )
}
