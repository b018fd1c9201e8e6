//! Clerk Backend API session routes (`/clerk/v1/sessions…`, `/clerk/v1/jwks`).

use std::sync::Arc;

use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::clerk_store::{ClerkSession, ClerkStatus, ListFilter};
use super::clerk_version::{ClerkVersion, Verify};
use super::clock::{self, unix_ms};
use super::faults::Fault;
use super::fixtures::{CLERK_AZP, CLERK_ISSUER};
use super::ids::{random_clerk_id, random_uuid};
use super::request::{json_object, query_get, query_pairs};
use super::state::App;
use super::vendor_error::{ClerkError, clerk_ok};

/// A handler's outcome before it is rendered.
pub(crate) type ClerkResult = Result<Response, ClerkError>;

/// Renders an error in Clerk's shape.
pub(crate) fn finish(app: &App, result: ClerkResult) -> Response {
    result.unwrap_or_else(|e| e.render(app))
}

/// The server clock in epoch milliseconds.
pub(crate) fn now_ms() -> i64 {
    unix_ms(clock::now())
}

/// A `Session` object in the shape of the requested API version.
fn session_json(app: &App, s: &ClerkSession, version: ClerkVersion, now_ms: i64) -> Value {
    let t = |ms: i64| {
        if app.has(Fault::ClerkSecondsTimestamps) {
            json!(ms / 1000)
        } else {
            json!(ms)
        }
    };
    let status = s.status_at(now_ms);
    let mut m = Map::new();
    m.insert("object".into(), json!("session"));
    m.insert("id".into(), json!(s.id));
    m.insert("user_id".into(), json!(s.user_id));
    m.insert("client_id".into(), json!(s.client_id));
    m.insert("actor".into(), Value::Null);
    m.insert("status".into(), json!(status.as_str()));
    m.insert(
        "last_active_organization_id".into(),
        json!(s.last_active_organization_id),
    );
    m.insert("last_active_at".into(), t(s.last_active_at));
    m.insert(
        "latest_activity".into(),
        s.latest_activity.clone().unwrap_or(Value::Null),
    );
    m.insert("expire_at".into(), t(s.expire_at));
    m.insert("abandon_at".into(), t(s.abandon_at));
    m.insert("updated_at".into(), t(s.updated_at));
    m.insert("created_at".into(), t(s.created_at));
    if version.has_pending() {
        let tasks = if status == ClerkStatus::Pending && !s.tasks.is_empty() {
            json!(
                s.tasks
                    .iter()
                    .map(|k| json!({"key": k}))
                    .collect::<Vec<_>>()
            )
        } else {
            Value::Null
        };
        m.insert("tasks".into(), tasks);
    }
    Value::Object(m)
}

/// The session if it exists for this API version (`pending` sessions do not
/// exist before 2025-03-12).
pub(crate) fn visible(
    s: Option<&ClerkSession>,
    version: ClerkVersion,
    now_ms: i64,
) -> Option<ClerkSession> {
    s.filter(|s| version.has_pending() || s.status_at(now_ms) != ClerkStatus::Pending)
        .cloned()
}

fn malformed(param: &str) -> ClerkError {
    ClerkError::new(
        StatusCode::BAD_REQUEST,
        "malformed_request_parameters",
        "Malformed request parameters",
        format!("The request parameters are malformed and could not be parsed: {param} must be an integer."),
    )
    .param(param)
}

fn int_param(
    pairs: &[(String, String)],
    name: &str,
    default: i64,
    range: std::ops::RangeInclusive<i64>,
) -> Result<i64, ClerkError> {
    let Some(raw) = query_get(pairs, name) else {
        return Ok(default);
    };
    let n: i64 = raw.trim().parse().map_err(|_| malformed(name))?;
    if !range.contains(&n) {
        let bound = if *range.end() == i64::MAX {
            format!("{name} must be greater than or equal to {}", range.start())
        } else {
            format!(
                "{name} must be between {} and {}",
                range.start(),
                range.end()
            )
        };
        return Err(ClerkError::value_invalid(name, bound));
    }
    Ok(n)
}

fn invalid_value(param: &str, value: &str) -> ClerkError {
    ClerkError::new(
        StatusCode::BAD_REQUEST,
        "invalid_query_parameter_value",
        "Invalid query parameter value",
        format!("{value} does not match one of the allowed values for parameter {param}"),
    )
    .param(param)
}

/// `GET /sessions` — filters `client_id`, `user_id`, `status`; `limit`, `offset`,
/// `paginated`; newest first.
pub(crate) async fn list(
    State(app): State<Arc<App>>,
    Extension(version): Extension<ClerkVersion>,
    RawQuery(query): RawQuery,
) -> Response {
    finish(&app, list_inner(&app, version, query.as_deref()))
}

fn list_inner(app: &App, version: ClerkVersion, query: Option<&str>) -> ClerkResult {
    let pairs = query_pairs(query);
    let non_empty = |k: &str| {
        query_get(&pairs, k)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let status = match non_empty("status") {
        None => None,
        Some(raw) => match ClerkStatus::parse(&raw) {
            Some(ClerkStatus::Pending) if !version.has_pending() => {
                return Err(invalid_value("status", &raw));
            }
            Some(st) => Some(st),
            None => return Err(invalid_value("status", &raw)),
        },
    };
    let paginated = match query_get(&pairs, "paginated") {
        None | Some("false") => false,
        Some("true") => true,
        Some(other) => return Err(invalid_value("paginated", other)),
    };
    let limit = int_param(&pairs, "limit", 10, 1..=500)?;
    let offset = int_param(&pairs, "offset", 0, 0..=i64::MAX)?;
    let filter = ListFilter {
        user_id: non_empty("user_id"),
        client_id: non_empty("client_id"),
        status,
        show_pending: version.has_pending(),
    };
    let now = now_ms();
    let mut sessions = app.clerk().list(&filter, now);
    if app.has(Fault::ClerkListUnsorted) {
        sessions.reverse();
    }
    let mut total = sessions.len();
    if app.has(Fault::ClerkTotalCountOffset)
        && let Ok(skip) = usize::try_from(offset)
        && skip > 0
        && skip < total
    {
        total -= skip;
    }
    let page: Vec<Value> = sessions
        .iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .map(|s| session_json(app, s, version, now))
        .collect();
    Ok(clerk_ok(if paginated {
        json!({"data": page, "total_count": total})
    } else {
        Value::Array(page)
    }))
}

/// `GET /sessions/{session_id}`.
pub(crate) async fn get(
    State(app): State<Arc<App>>,
    Extension(version): Extension<ClerkVersion>,
    Path(id): Path<String>,
) -> Response {
    let now = now_ms();
    let found = visible(app.clerk().get(&id), version, now);
    finish(
        &app,
        found
            .map(|s| clerk_ok(session_json(&app, &s, version, now)))
            .ok_or_else(|| ClerkError::session_not_found(&id)),
    )
}

/// `POST /sessions` `{user_id, active_organization_id?}` (testing only; 200).
pub(crate) async fn create(
    State(app): State<Arc<App>>,
    Extension(version): Extension<ClerkVersion>,
    body: Bytes,
) -> Response {
    finish(&app, create_inner(&app, version, &body))
}

/// An optional string body field (`null` counts as absent); other types are a 422.
pub(crate) fn string_field(
    body: &Map<String, Value>,
    name: &str,
) -> Result<Option<String>, ClerkError> {
    match body.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(ClerkError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "form_param_type_invalid",
            "is invalid",
            format!("`{name}` must be a `string`."),
        )
        .param(name)),
    }
}

fn create_inner(app: &App, version: ClerkVersion, body: &[u8]) -> ClerkResult {
    let body = json_object(body).map_err(|_| ClerkError::body_invalid())?;
    let user_id = string_field(&body, "user_id")?
        .filter(|u| !u.is_empty())
        .ok_or_else(|| {
            ClerkError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "form_param_missing",
                "is missing",
                "user_id must be included.",
            )
            .param("user_id")
        })?;
    let org = string_field(&body, "active_organization_id")?.filter(|o| !o.is_empty());
    let now = now_ms();
    let session = {
        let mut world = app.clerk();
        if !world.has_user(&user_id) {
            return Err(ClerkError::user_not_found(&user_id));
        }
        if let Some(org) = &org
            && !world.organizations.contains(org)
        {
            return Err(ClerkError::new(
                StatusCode::NOT_FOUND,
                "resource_not_found",
                "not found",
                "Given organization not found.",
            )
            .param("active_organization_id"));
        }
        world.create(
            random_clerk_id("sess"),
            random_clerk_id("client"),
            &user_id,
            org,
            now,
        )
    };
    Ok(clerk_ok(session_json(app, &session, version, now)))
}

/// `POST /sessions/{session_id}/revoke`.
pub(crate) async fn revoke(
    State(app): State<Arc<App>>,
    Extension(version): Extension<ClerkVersion>,
    Path(id): Path<String>,
) -> Response {
    let now = now_ms();
    let revoked = {
        let mut world = app.clerk();
        match visible(world.get(&id), version, now) {
            Some(_) => world.revoke(&id, now, app.has(Fault::RevokeNoop)),
            None => None,
        }
    };
    finish(
        &app,
        revoked
            .map(|s| clerk_ok(session_json(&app, &s, version, now)))
            .ok_or_else(|| ClerkError::session_not_found(&id)),
    )
}

fn invalid_token() -> ClerkError {
    ClerkError::new(
        StatusCode::BAD_REQUEST,
        "invalid_session_token",
        "Invalid session token",
        "The token provided could not be successfully verified",
    )
}

/// `POST /sessions/{session_id}/verify` `{token?}`: works before 2025-03-12,
/// 410 in 2025-03-12, absent (404) from 2025-04-10.
pub(crate) async fn verify(
    State(app): State<Arc<App>>,
    Extension(version): Extension<ClerkVersion>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    finish(&app, verify_inner(&app, version, &id, &body))
}

fn verify_inner(app: &App, version: ClerkVersion, id: &str, body: &[u8]) -> ClerkResult {
    match version.verify() {
        Verify::Works => {}
        Verify::Deprecated => {
            let msg = "endpoint is deprecated and pending removal";
            return Err(ClerkError::new(
                StatusCode::GONE,
                "operation_deprecated",
                msg,
                msg,
            ));
        }
        Verify::Absent => return Err(ClerkError::resource_not_found()),
    }
    let body = json_object(body).map_err(|_| ClerkError::body_invalid())?;
    if let Some(unknown) = body.keys().find(|k| *k != "token") {
        return Err(ClerkError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "form_param_unknown",
            "is unknown",
            format!("{unknown} is not a valid parameter for this request."),
        )
        .param(unknown));
    }
    let token = string_field(&body, "token")?;
    let now = now_ms();
    let session = visible(app.clerk().get(id), version, now)
        .filter(|s| s.status_at(now) == ClerkStatus::Active)
        .ok_or_else(|| ClerkError::session_not_found(id))?;
    if let Some(token) = token {
        let claims = app
            .keys
            .clerk
            .verify(&token, None, Some(CLERK_ISSUER), true)
            .map_err(|_| invalid_token())?;
        let sid = claims.get("sid").and_then(Value::as_str);
        let sub = claims.get("sub").and_then(Value::as_str);
        if sid != Some(id) || sub != Some(session.user_id.as_str()) {
            return Err(invalid_token());
        }
    }
    Ok(clerk_ok(session_json(app, &session, version, now)))
}

/// `POST /sessions/{session_id}/tokens` `{expires_in_seconds?}`.
pub(crate) async fn token(
    State(app): State<Arc<App>>,
    Extension(version): Extension<ClerkVersion>,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    finish(&app, token_inner(&app, version, &id, None, &body))
}

/// `POST /sessions/{session_id}/tokens/{template_name}` `{expires_in_seconds?}`.
pub(crate) async fn template_token(
    State(app): State<Arc<App>>,
    Extension(version): Extension<ClerkVersion>,
    Path((id, template)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    finish(
        &app,
        token_inner(&app, version, &id, Some(&template), &body),
    )
}

fn token_inner(
    app: &App,
    version: ClerkVersion,
    id: &str,
    template: Option<&str>,
    body: &[u8],
) -> ClerkResult {
    let body = json_object(body).map_err(|_| ClerkError::body_invalid())?;
    let lifetime = match body.get("expires_in_seconds") {
        None | Some(Value::Null) => 60,
        Some(v) => match v.as_i64() {
            Some(n) if (30..=315_360_000).contains(&n) => n,
            _ => {
                return Err(ClerkError::value_invalid(
                    "expires_in_seconds",
                    "expires_in_seconds must be an integer between 30 and 315360000",
                ));
            }
        },
    };
    let now = now_ms();
    let session = {
        let world = app.clerk();
        let session = visible(world.get(id), version, now)
            .filter(|s| {
                matches!(s.status_at(now), ClerkStatus::Active | ClerkStatus::Pending)
                    || app.has(Fault::ClerkTokenAfterRevoke)
                        && s.status_at(now) == ClerkStatus::Revoked
            })
            .ok_or_else(|| ClerkError::session_not_found(id))?;
        if let Some(t) = template
            && !world.templates.iter().any(|name| name == t)
        {
            return Err(ClerkError::new(
                StatusCode::NOT_FOUND,
                "resource_not_found",
                "JWT template not found",
                format!("No JWT template exists with name: {t}"),
            ));
        }
        session
    };
    let jwt = match template {
        None => sign_session_token(app, &session, now, lifetime)?,
        Some(_) => sign_template_token(app, &session, now, lifetime)?,
    };
    Ok(clerk_ok(json!({"object": "token", "jwt": jwt})))
}

/// Claims every Clerk JWT carries: `azp`, `exp`, `iat`, `iss`, `nbf`, `sub`.
fn base_claims(session: &ClerkSession, now_ms: i64, lifetime_secs: i64) -> Map<String, Value> {
    let iat = now_ms / 1000;
    let mut claims = Map::new();
    claims.insert("azp".into(), json!(CLERK_AZP));
    claims.insert("exp".into(), json!(iat + lifetime_secs));
    claims.insert("iat".into(), json!(iat));
    claims.insert("iss".into(), json!(CLERK_ISSUER));
    claims.insert("nbf".into(), json!(iat - 10));
    claims.insert("sub".into(), json!(session.user_id));
    claims
}

/// A session token (the `__session` JWT, claims version 2) for `session`.
pub(crate) fn sign_session_token(
    app: &App,
    session: &ClerkSession,
    now_ms: i64,
    lifetime_secs: i64,
) -> Result<String, ClerkError> {
    let mut claims = base_claims(session, now_ms, lifetime_secs);
    claims.insert("sid".into(), json!(session.id));
    claims.insert("v".into(), json!(2));
    if session.status_at(now_ms) == ClerkStatus::Pending {
        claims.insert("sts".into(), json!("pending"));
    }
    app.keys
        .clerk
        .sign(&claims)
        .map_err(|_| ClerkError::internal())
}

/// A JWT from the instance's (Hasura-style) template for `session`.
fn sign_template_token(
    app: &App,
    session: &ClerkSession,
    now_ms: i64,
    lifetime_secs: i64,
) -> Result<String, ClerkError> {
    let mut claims = base_claims(session, now_ms, lifetime_secs);
    claims.insert("jti".into(), json!(random_uuid().replace('-', "")));
    claims.insert(
        "https://hasura.io/jwt/claims".into(),
        json!({
            "x-hasura-user-id": session.user_id,
            "x-hasura-default-role": "user",
            "x-hasura-allowed-roles": ["user"],
        }),
    );
    app.keys
        .clerk
        .sign(&claims)
        .map_err(|_| ClerkError::internal())
}

/// `GET /jwks` (never rate limited).
pub(crate) async fn jwks(State(app): State<Arc<App>>) -> Response {
    clerk_ok(json!({"keys": [app.keys.clerk.clerk_jwk()]}))
}
