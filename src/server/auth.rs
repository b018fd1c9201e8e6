//! Vendor authentication, per-credential rate limits and (Clerk) API-version
//! selection, applied as middleware in front of every vendor route.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use super::clerk_version::{self, ClerkVersion, VersionError};
use super::faults::Fault;
use super::fixtures;
use super::ratelimit::RateLimit;
use super::state::{App, StytchApi};
use super::vendor_error::{ClerkError, StytchError};

/// The budget of the dedicated throttled credentials.
pub(crate) const THROTTLED: RateLimit = RateLimit {
    requests: 1,
    per: Duration::from_secs(60),
};

/// Middleware state for one Stytch API's routes.
#[derive(Clone)]
pub(crate) struct StytchGuard {
    pub(crate) app: Arc<App>,
    pub(crate) api: StytchApi,
}

/// Checks HTTP Basic `project_id:secret`, the rate limit and the project type.
pub(crate) async fn stytch_guard(
    State(g): State<StytchGuard>,
    req: Request,
    next: Next,
) -> Response {
    match check_stytch(&g.app, req.headers(), g.api) {
        Ok(()) => next.run(req).await,
        Err(e) => e.render(&g.app, g.api),
    }
}

fn basic_credentials(headers: &HeaderMap) -> Option<(String, String)> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, encoded) = value.trim().split_once(' ')?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return None;
    }
    let decoded = STANDARD.decode(encoded.trim()).ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, pass) = text.split_once(':')?;
    Some((user.to_owned(), pass.to_owned()))
}

/// Which project a Stytch credential belongs to, and whether it is throttled.
fn stytch_project(user: &str, pass: &str) -> Option<(StytchApi, bool)> {
    match (user, pass) {
        (fixtures::STYTCH_PROJECT_ID, fixtures::STYTCH_SECRET) => {
            Some((StytchApi::Consumer, false))
        }
        (fixtures::STYTCH_PROJECT_ID, fixtures::STYTCH_THROTTLED_SECRET) => {
            Some((StytchApi::Consumer, true))
        }
        (fixtures::B2B_PROJECT_ID, fixtures::B2B_SECRET) => Some((StytchApi::B2b, false)),
        (fixtures::B2B_PROJECT_ID, fixtures::B2B_THROTTLED_SECRET) => Some((StytchApi::B2b, true)),
        _ => None,
    }
}

fn check_stytch(app: &App, headers: &HeaderMap, api: StytchApi) -> Result<(), StytchError> {
    let creds = basic_credentials(headers);
    let found = creds
        .as_ref()
        .and_then(|(u, p)| Some((u, p, stytch_project(u, p)?)));
    let Some((user, pass, (project_api, throttled))) = found else {
        return if app.has(Fault::LenientAuth) {
            Ok(())
        } else {
            Err(StytchError::unauthorized())
        };
    };
    let limit = if throttled {
        Some(THROTTLED)
    } else {
        app.rate_limit
    };
    if let Some(limit) = limit {
        app.limiter
            .check(&format!("stytch:{user}:{pass}"), limit)
            .map_err(StytchError::too_many_requests)?;
    }
    match (project_api, api) {
        (StytchApi::Consumer, StytchApi::B2b) => Err(StytchError::new(
            StatusCode::BAD_REQUEST,
            "invalid_b2b_endpoint",
            "This endpoint is only available for B2B projects. Use the consumer endpoints with this project.",
        )),
        (StytchApi::B2b, StytchApi::Consumer) => Err(StytchError::new(
            StatusCode::BAD_REQUEST,
            "invalid_consumer_endpoint",
            "This endpoint is only available for Consumer projects. Use the B2B endpoints with this project.",
        )),
        _ => Ok(()),
    }
}

/// Middleware state for Clerk routes; `limited` is false for `GET /jwks`.
#[derive(Clone)]
pub(crate) struct ClerkGuard {
    pub(crate) app: Arc<App>,
    pub(crate) limited: bool,
}

/// Checks `Authorization: Bearer sk_…`, the rate limit and the API version, and
/// hands the version to the handler as an extension.
pub(crate) async fn clerk_guard(
    State(g): State<ClerkGuard>,
    mut req: Request,
    next: Next,
) -> Response {
    match check_clerk(&g.app, req.headers(), req.uri().query(), g.limited) {
        Ok(version) => {
            req.extensions_mut().insert(version);
            next.run(req).await
        }
        Err(e) => e.render(&g.app),
    }
}

fn clerk_key(headers: &HeaderMap) -> Result<String, ClerkError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(ClerkError::new(
            StatusCode::UNAUTHORIZED,
            "authentication_invalid",
            "Invalid authentication",
            "Unable to authenticate the request, you need to supply an active session",
        ));
    };
    let format_invalid = || {
        ClerkError::new(
            StatusCode::UNAUTHORIZED,
            "authorization_header_format_invalid",
            "Invalid Authorization header format",
            "Invalid Authorization header format. Must be 'Bearer <YOUR_API_KEY>'",
        )
    };
    let text = value.to_str().map_err(|_| format_invalid())?;
    let (scheme, key) = text.trim().split_once(' ').ok_or_else(format_invalid)?;
    if !scheme.eq_ignore_ascii_case("bearer") || key.trim().is_empty() {
        return Err(format_invalid());
    }
    Ok(key.trim().to_owned())
}

fn check_clerk(
    app: &App,
    headers: &HeaderMap,
    query: Option<&str>,
    limited: bool,
) -> Result<ClerkVersion, ClerkError> {
    let key = match clerk_key(headers) {
        Ok(key) => Some(key),
        Err(_) if app.has(Fault::LenientAuth) => None,
        Err(e) => return Err(e),
    };
    let throttled = match key.as_deref() {
        Some(fixtures::CLERK_SECRET_KEY) => Some(false),
        Some(fixtures::CLERK_THROTTLED_SECRET_KEY) => Some(true),
        _ if app.has(Fault::LenientAuth) => None,
        _ => {
            let msg = "The provided Clerk Secret Key is invalid. Make sure that your Clerk Secret Key is correct.";
            return Err(ClerkError::new(
                StatusCode::UNAUTHORIZED,
                "clerk_key_invalid",
                msg,
                msg,
            ));
        }
    };
    if let (Some(key), Some(throttled)) = (key, throttled)
        && limited
    {
        let limit = if throttled {
            Some(THROTTLED)
        } else {
            app.rate_limit
        };
        if let Some(limit) = limit {
            app.limiter
                .check(&format!("clerk:{key}"), limit)
                .map_err(ClerkError::too_many_requests)?;
        }
    }
    clerk_version::requested(headers, query).map_err(|e| {
        let long = match e {
            VersionError::Both => "The API version was given both in the Clerk-API-Version header and in the __clerk_api_version query parameter. Use only one of them.".to_owned(),
            VersionError::Unknown(v) => format!(
                "{v:?} is not a valid Clerk API version. Valid versions: {}.",
                clerk_version::KNOWN_VERSIONS.join(", ")
            ),
        };
        ClerkError::new(StatusCode::BAD_REQUEST, "bad_request", "Bad request", long)
    })
}
