//! The HTTP router: vendor prefixes, per-vendor middleware and fallbacks.

use std::sync::Arc;

use axum::Router;
use axum::http::{StatusCode, Uri};
use axum::middleware::from_fn_with_state;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};

use super::auth::{ClerkGuard, StytchGuard, clerk_guard, stytch_guard};
use super::vendor_error::{ClerkError, StytchError};
use super::state::{App, StytchApi};
use super::{clerk, clerk_refresh, mint, stytch, stytch_b2b, stytch_exchange};

fn stytch_api_of(uri: &Uri) -> StytchApi {
    if uri.path().contains("/b2b/") {
        StytchApi::B2b
    } else {
        StytchApi::Consumer
    }
}

/// The complete router, with `/stytch` and `/clerk/v1` prefixes.
pub(crate) fn router(app: Arc<App>) -> Router {
    let consumer = Router::new()
        .route("/v1/sessions", get(stytch::list))
        .route("/v1/sessions/authenticate", post(stytch::authenticate))
        .route("/v1/sessions/revoke", post(stytch::revoke))
        .route("/v1/sessions/jwks/{project_id}", get(stytch::jwks))
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
        .route("/v1/b2b/sessions/jwks/{project_id}", get(stytch_b2b::jwks))
        .route("/__sessconform/b2b/sessions", post(mint::b2b_session))
        .route_layer(from_fn_with_state(
            StytchGuard {
                app: app.clone(),
                api: StytchApi::B2b,
            },
            stytch_guard,
        ));
    let stytch_app = app.clone();
    let stytch_app_405 = app.clone();
    let stytch = consumer
        .merge(b2b)
        .fallback(move |uri: Uri| {
            let app = stytch_app.clone();
            async move {
                StytchError::new(
                    StatusCode::NOT_FOUND,
                    "route_not_found",
                    "The requested route could not be found.",
                )
                .render(&app, stytch_api_of(&uri))
            }
        })
        .method_not_allowed_fallback(move |uri: Uri| {
            let app = stytch_app_405.clone();
            async move {
                StytchError::new(
                    StatusCode::METHOD_NOT_ALLOWED,
                    "method_not_allowed",
                    "The HTTP method is not allowed for this route.",
                )
                .render(&app, stytch_api_of(&uri))
            }
        });

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
    let clerk_app = app.clone();
    let clerk = clerk_limited.merge(clerk_jwks).fallback(move || {
        let app = clerk_app.clone();
        async move { ClerkError::resource_not_found().render(&app) }
    });

    Router::new()
        .nest("/stytch", stytch)
        .nest("/clerk/v1", clerk)
        .fallback(not_found)
        .with_state(app)
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        "not found: the sessconform reference server serves /stytch/v1/… and /clerk/v1/…\n",
    )
        .into_response()
}
