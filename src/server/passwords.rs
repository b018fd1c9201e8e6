//! Password login, the documented way to obtain a fresh session from Stytch's own API:
//! `POST /v1/passwords/authenticate` (consumer) and `POST /v1/b2b/passwords/authenticate`
//! (B2B). Every fixture user and member has the password [`fixtures::TEST_PASSWORD`]; a target
//! file's `mint:` recipe calls these endpoints exactly as it would call Stytch.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};
use time::Duration;

use super::fixtures;
use super::mint::{DEFAULT_MINUTES, start_member_session, start_user_session};
use super::state::{App, StytchApi};
use super::stytch::session_json;
use super::stytch_b2b::{member_session_json, organization_not_found};
use super::stytch_common::{StytchResult, duration, finish, opt_str, parse_body, sign_session_jwt};
use super::vendor_error::{StytchError, stytch_ok};

/// The factor of a password login.
const PASSWORD: (&str, &str) = ("password", "knowledge");

fn required(body: &Map<String, Value>, key: &str) -> Result<String, StytchError> {
    opt_str(body, key)?
        .filter(|v| !v.is_empty())
        .ok_or_else(|| {
            StytchError::new(
                StatusCode::BAD_REQUEST,
                "invalid_argument",
                format!("{key} is a required field."),
            )
        })
}

/// Stytch answers an unknown email and a wrong password alike, so neither can be probed.
fn unauthorized() -> StytchError {
    StytchError::new(
        StatusCode::UNAUTHORIZED,
        "unauthorized_credentials",
        "Unauthorized credentials.",
    )
}

/// `POST /v1/passwords/authenticate` `{email, password, session_duration_minutes?}`: without a
/// duration no session is created (empty `session_token`/`session_jwt`, `session: null`).
pub(crate) async fn consumer(State(app): State<Arc<App>>, body: Bytes) -> Response {
    finish(&app, StytchApi::Consumer, consumer_inner(&app, &body))
}

fn consumer_inner(app: &App, body: &[u8]) -> StytchResult {
    let body = parse_body(body)?;
    let email = required(&body, "email")?;
    let password = required(&body, "password")?;
    let lifetime = duration(&body)?;
    let (user_id, user_json, session) = {
        let mut world = app.consumer();
        let user = world
            .users
            .iter()
            .find(|u| u.email.1.eq_ignore_ascii_case(&email))
            .cloned()
            .filter(|_| password == fixtures::TEST_PASSWORD)
            .ok_or_else(unauthorized)?;
        let session = lifetime.map(|l| start_user_session(&mut world.sessions, PASSWORD, &user, l));
        (user.id, user.json, session)
    };
    let mut out = Map::new();
    out.insert("user_id".into(), json!(user_id));
    out.insert("user".into(), user_json);
    match session {
        Some(s) => {
            let jwt = sign_session_jwt(app, StytchApi::Consumer, &s)?;
            out.insert("session_token".into(), json!(s.token));
            out.insert("session_jwt".into(), json!(jwt));
            out.insert("session".into(), session_json(&s));
        }
        None => {
            out.insert("session_token".into(), json!(""));
            out.insert("session_jwt".into(), json!(""));
            out.insert("session".into(), Value::Null);
        }
    }
    Ok(stytch_ok(out))
}

/// `POST /v1/b2b/passwords/authenticate`
/// `{organization_id, email_address, password, session_duration_minutes?}` (60 minutes when
/// absent): a member of an organization without MFA is authenticated at once.
pub(crate) async fn b2b(State(app): State<Arc<App>>, body: Bytes) -> Response {
    finish(&app, StytchApi::B2b, b2b_inner(&app, &body))
}

fn b2b_inner(app: &App, body: &[u8]) -> StytchResult {
    let body = parse_body(body)?;
    let org_key = required(&body, "organization_id")?;
    let email = required(&body, "email_address")?;
    let password = required(&body, "password")?;
    let lifetime = duration(&body)?.unwrap_or(Duration::minutes(DEFAULT_MINUTES));
    let (session, member, organization) = {
        let mut world = app.b2b();
        let org = world
            .resolve_organization(&org_key)
            .cloned()
            .ok_or_else(organization_not_found)?;
        let member = world
            .members
            .iter()
            .find(|m| m.organization_id == org.id && m.email.1.eq_ignore_ascii_case(&email))
            .cloned()
            .filter(|_| password == fixtures::TEST_PASSWORD)
            .ok_or_else(unauthorized)?;
        let session = start_member_session(&mut world.sessions, PASSWORD, &member, &org, lifetime);
        (session, member, org)
    };
    let jwt = sign_session_jwt(app, StytchApi::B2b, &session)?;
    let mut out = Map::new();
    out.insert("member_id".into(), json!(member.id));
    out.insert("member".into(), member.json);
    out.insert("organization_id".into(), json!(organization.id));
    out.insert("organization".into(), organization.json);
    out.insert("session_token".into(), json!(session.token));
    out.insert("session_jwt".into(), json!(jwt));
    out.insert("member_session".into(), member_session_json(&session));
    out.insert("member_authenticated".into(), json!(true));
    out.insert("intermediate_session_token".into(), json!(""));
    out.insert("mfa_required".into(), Value::Null);
    Ok(stytch_ok(out))
}
