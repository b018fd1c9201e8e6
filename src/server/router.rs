//! The HTTP router: where each vendor API lives, per-vendor middleware, and
//! vendor-shaped JSON errors for unknown routes and methods.

use std::sync::Arc;

use axum::Router;
use axum::extract::OriginalUri;
use axum::http::{StatusCode, Uri};
use axum::middleware::from_fn_with_state;
use axum::response::Response;
use axum::routing::{get, post};

use super::auth::{ClerkGuard, StytchGuard, clerk_guard, stytch_guard};
use super::state::{App, StytchApi};
use super::vendor_error::{ClerkError, StytchError};
use super::{clerk, clerk_refresh, mint, passwords, rbac, stytch, stytch_b2b, stytch_exchange};

/// Which vendor API an unrouted path looks like.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Looks {
    Stytch(StytchApi),
    Clerk,
}

fn looks_like(uri: &Uri) -> Looks {
    let path = uri.path();
    if path == "/clerk" || path.starts_with("/clerk/") {
        Looks::Clerk
    } else if path.contains("/b2b/") || path.ends_with("/b2b") {
        Looks::Stytch(StytchApi::B2b)
    } else {
        Looks::Stytch(StytchApi::Consumer)
    }
}

/// The Stytch routes, served both at the host root (as the vendor and its SDKs
/// expect) and under `/stytch` (older target files). The two JWKS routes are
/// public: the vendor's SDKs fetch them without credentials (CONTRACTS.md §2.8).
fn stytch_routes(app: &Arc<App>) -> Router<Arc<App>> {
    let consumer = Router::new()
        .route("/v1/sessions", get(stytch::list))
        .route("/v1/sessions/authenticate", post(stytch::authenticate))
        .route("/v1/sessions/revoke", post(stytch::revoke))
        .route("/v1/rbac/policy", get(rbac::consumer_policy))
        .route("/v1/passwords/authenticate", post(passwords::consumer))
        .route("/__sessconform/sessions", post(mint::stytch_session))
        .route_layer(from_fn_with_state(
            StytchGuard {
                app: app.clone(),
                api: StytchApi::Consumer,
            },
            stytch_guard,
        ));
    let b2b = Router::new()
        .route("/v1/b2b/sessions", get(stytch_b2b::list))
        .route(
            "/v1/b2b/sessions/authenticate",
            post(stytch_b2b::authenticate),
        )
        .route("/v1/b2b/sessions/revoke", post(stytch_b2b::revoke))
        .route("/v1/b2b/sessions/exchange", post(stytch_exchange::exchange))
        .route("/v1/b2b/rbac/policy", get(rbac::b2b_policy))
        .route(
            "/v1/b2b/rbac/organizations/{organization_id}",
            get(rbac::b2b_org_policy),
        )
        .route("/v1/b2b/passwords/authenticate", post(passwords::b2b))
        .route("/__sessconform/b2b/sessions", post(mint::b2b_session))
        .route_layer(from_fn_with_state(
            StytchGuard {
                app: app.clone(),
                api: StytchApi::B2b,
            },
            stytch_guard,
        ));
    let public = Router::new()
        .route("/v1/sessions/jwks/{project_id}", get(stytch::jwks))
        .route("/v1/b2b/sessions/jwks/{project_id}", get(stytch_b2b::jwks));
    consumer.merge(b2b).merge(public)
}

/// The complete router: Stytch at the root and under `/stytch`, Clerk under
/// `/clerk/v1`; anything else answers the JSON error of the API it looks like.
pub(crate) fn router(app: Arc<App>) -> Router {
    let stytch = stytch_routes(&app);

    let clerk_limited = Router::new()
        .route("/sessions", get(clerk::list).post(clerk::create))
        .route("/sessions/{session_id}", get(clerk::get))
        .route("/sessions/{session_id}/revoke", post(clerk::revoke))
        .route("/sessions/{session_id}/verify", post(clerk::verify))
        .route(
            "/sessions/{session_id}/refresh",
            post(clerk_refresh::refresh),
        )
        .route("/sessions/{session_id}/tokens", post(clerk::token))
        .route(
            "/sessions/{session_id}/tokens/{template_name}",
            post(clerk::template_token),
        )
        .route_layer(from_fn_with_state(
            ClerkGuard {
                app: app.clone(),
                limited: true,
            },
            clerk_guard,
        ));
    // Clerk documents `GET /v1/jwks` as exempt from rate limits.
    let clerk_jwks =
        Router::new()
            .route("/jwks", get(clerk::jwks))
            .route_layer(from_fn_with_state(
                ClerkGuard {
                    app: app.clone(),
                    limited: false,
                },
                clerk_guard,
            ));
    let clerk = clerk_limited.merge(clerk_jwks);

    let not_found_app = app.clone();
    let not_allowed_app = app.clone();
    Router::new()
        .merge(stytch.clone())
        .nest("/stytch", stytch)
        .nest("/clerk/v1", clerk)
        // `OriginalUri`: inside a nested router the plain `Uri` has lost its prefix.
        .fallback(move |OriginalUri(uri): OriginalUri| {
            let app = not_found_app.clone();
            async move { not_found(&app, &uri) }
        })
        .method_not_allowed_fallback(move |OriginalUri(uri): OriginalUri| {
            let app = not_allowed_app.clone();
            async move { method_not_allowed(&app, &uri) }
        })
        .with_state(app)
}

fn not_found(app: &App, uri: &Uri) -> Response {
    match looks_like(uri) {
        Looks::Clerk => ClerkError::resource_not_found().render(app),
        Looks::Stytch(api) => StytchError::new(
            StatusCode::NOT_FOUND,
            "route_not_found",
            "The requested route could not be found.",
        )
        .render(app, api),
    }
}

fn method_not_allowed(app: &App, uri: &Uri) -> Response {
    match looks_like(uri) {
        // Clerk documents no 405; a method it does not route is an unknown resource.
        Looks::Clerk => ClerkError::resource_not_found().render(app),
        Looks::Stytch(api) => StytchError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "method_not_allowed",
            "The HTTP method is not allowed for this route.",
        )
        .render(app, api),
    }
}
