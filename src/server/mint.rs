//! Test-only session minting (`/__sessconform/…`): not a vendor API, but
//! lets suites create fresh Stytch sessions portably before mutating them.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::response::Response;
use serde_json::{Map, json};
use time::Duration;

use super::clock::{self, rfc3339};
use super::factors::{Principal, factor};
use super::fixtures;
use super::ids::{random_token, random_uuid};
use super::state::{App, StytchApi};
use super::stytch_b2b::{member_not_found, organization_not_found};
use super::stytch_common::{StytchResult, duration, finish, opt_str, parse_body, sign_session_jwt};
use super::stytch_store::{Member, Organization, SessionStore, StytchSession, StytchUser};
use super::vendor_error::{StytchError, stytch_ok};

/// Lifetime of a minted session when none is asked for.
pub(super) const DEFAULT_MINUTES: i64 = 60;

/// The factor of a minted session.
const MAGIC_LINK: (&str, &str) = ("magic_link", "email");

/// Starts (stores and returns) a fresh active session of `user`, authenticated by `factor`.
pub(super) fn start_user_session(
    sessions: &mut SessionStore,
    factor: (&str, &str),
    user: &StytchUser,
    lifetime: Duration,
) -> StytchSession {
    let s = new_session(
        factor,
        &user.id,
        None,
        &user.email,
        user.roles.clone(),
        lifetime,
    );
    sessions.insert(s.clone());
    s
}

/// Starts (stores and returns) a fresh active session of `member` in `org`.
pub(super) fn start_member_session(
    sessions: &mut SessionStore,
    factor: (&str, &str),
    member: &Member,
    org: &Organization,
    lifetime: Duration,
) -> StytchSession {
    let s = new_session(
        factor,
        &member.id,
        Some((org.id.clone(), org.slug.clone())),
        &member.email,
        member.roles.clone(),
        lifetime,
    );
    sessions.insert(s.clone());
    s
}

/// A fresh active session of `subject` (a user, or a member of `organization`), authenticated
/// by the factor `kind` delivered by `delivery` (`magic_link`/`email`, `password`/`knowledge`).
fn new_session(
    (kind, delivery): (&str, &str),
    subject: &str,
    organization: Option<(String, String)>,
    email: &(String, String),
    roles: Vec<String>,
    lifetime: Duration,
) -> StytchSession {
    let now = clock::now();
    let id = format!("session-test-{}", random_uuid());
    let p = Principal {
        seed: &id,
        email: (&email.0, &email.1),
        phone: ("", ""),
    };
    StytchSession {
        factors: vec![factor(kind, delivery, &p, &rfc3339(now))],
        id,
        subject: subject.to_owned(),
        organization,
        token: random_token(),
        started_at: now,
        last_accessed_at: now,
        expires_at: now + lifetime,
        revoked: false,
        custom_claims: Map::new(),
        roles,
        ip_address: "127.0.0.1".to_owned(),
        user_agent: "sessconform".to_owned(),
        pinned: false,
    }
}

/// `POST /__sessconform/sessions` `{user_id?, session_duration_minutes?}`.
pub(crate) async fn stytch_session(State(app): State<Arc<App>>, body: Bytes) -> Response {
    finish(&app, StytchApi::Consumer, consumer_inner(&app, &body))
}

fn consumer_inner(app: &App, body: &[u8]) -> StytchResult {
    let body = parse_body(body)?;
    let key = opt_str(&body, "user_id")?.unwrap_or_else(|| fixtures::USER_ID.to_owned());
    let lifetime = duration(&body)?.unwrap_or(Duration::minutes(DEFAULT_MINUTES));
    let session = {
        let mut world = app.consumer();
        let user = world.resolve_user(&key).cloned().ok_or_else(|| {
            StytchError::new(
                axum::http::StatusCode::NOT_FOUND,
                "user_not_found",
                "User could not be found.",
            )
        })?;
        start_user_session(&mut world.sessions, MAGIC_LINK, &user, lifetime)
    };
    let jwt = sign_session_jwt(app, StytchApi::Consumer, &session)?;
    let mut out = Map::new();
    out.insert("session_id".into(), json!(session.id));
    out.insert("session_token".into(), json!(session.token));
    out.insert("session_jwt".into(), json!(jwt));
    out.insert("user_id".into(), json!(session.subject));
    Ok(stytch_ok(out))
}

/// `POST /__sessconform/b2b/sessions`
/// `{member_id?, organization_id?, session_duration_minutes?}`.
pub(crate) async fn b2b_session(State(app): State<Arc<App>>, body: Bytes) -> Response {
    finish(&app, StytchApi::B2b, b2b_inner(&app, &body))
}

fn b2b_inner(app: &App, body: &[u8]) -> StytchResult {
    let body = parse_body(body)?;
    let org_key =
        opt_str(&body, "organization_id")?.unwrap_or_else(|| fixtures::ORGANIZATION_ID.to_owned());
    let member_key = opt_str(&body, "member_id")?;
    let lifetime = duration(&body)?.unwrap_or(Duration::minutes(DEFAULT_MINUTES));
    let session = {
        let mut world = app.b2b();
        let org = world
            .resolve_organization(&org_key)
            .cloned()
            .ok_or_else(organization_not_found)?;
        let member = match &member_key {
            Some(k) => world.resolve_member(&org.id, k),
            None => world.members.iter().find(|m| m.organization_id == org.id),
        }
        .cloned()
        .ok_or_else(member_not_found)?;
        start_member_session(&mut world.sessions, MAGIC_LINK, &member, &org, lifetime)
    };
    let jwt = sign_session_jwt(app, StytchApi::B2b, &session)?;
    let (org_id, _) = session.organization.clone().unwrap_or_default();
    let mut out = Map::new();
    out.insert("member_session_id".into(), json!(session.id));
    out.insert("session_token".into(), json!(session.token));
    out.insert("session_jwt".into(), json!(jwt));
    out.insert("member_id".into(), json!(session.subject));
    out.insert("organization_id".into(), json!(org_id));
    Ok(stytch_ok(out))
}
