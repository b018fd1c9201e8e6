//! Error and success bodies in each vendor's own shape.

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::faults::Fault;
use super::ids::{request_id, trace_id};
use super::state::{App, StytchApi};

fn with_retry_after(mut resp: Response, retry_after: Option<u64>, app: &App) -> Response {
    if let Some(secs) = retry_after
        && !app.has(Fault::NoRetryAfter)
    {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    resp
}

/// A Stytch error: `{status_code, request_id, error_type, error_message, error_url}`.
#[derive(Debug, Clone)]
pub(crate) struct StytchError {
    pub(crate) status: StatusCode,
    pub(crate) error_type: &'static str,
    pub(crate) message: String,
    retry_after: Option<u64>,
}

impl StytchError {
    pub(crate) fn new(
        status: StatusCode,
        error_type: &'static str,
        message: impl Into<String>,
    ) -> Self {
        StytchError {
            status,
            error_type,
            message: message.into(),
            retry_after: None,
        }
    }

    /// 400 `bad_request`.
    pub(crate) fn bad_request() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "The submitted request is invalid.",
        )
    }

    /// 401 `unauthorized_credentials`.
    pub(crate) fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized_credentials",
            "Unauthorized credentials.",
        )
    }

    /// 404 `session_not_found`.
    pub(crate) fn session_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "session_not_found",
            "Session could not be found.",
        )
    }

    /// 429 `too_many_requests` with `Retry-After`.
    pub(crate) fn too_many_requests(retry_after: u64) -> Self {
        StytchError {
            retry_after: Some(retry_after),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                "Too many requests have been made.",
            )
        }
    }

    /// 500 `internal_server_error`.
    pub(crate) fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_server_error",
            "Oops, something seems to have gone wrong, please reach out to support@stytch.com to let us know what went wrong.",
        )
    }

    /// The response; `error_url` follows the live API's `…/errors/<status>#<type>` form.
    pub(crate) fn render(self, app: &App, api: StytchApi) -> Response {
        let status = self.status.as_u16();
        let docs = match api {
            StytchApi::Consumer => "https://stytch.com/docs/api/errors",
            StytchApi::B2b => "https://stytch.com/docs/b2b/api/errors",
        };
        let body_status = if app.has(Fault::StytchStatusCodeMismatch) {
            200
        } else {
            status
        };
        let body = json!({
            "status_code": body_status,
            "request_id": request_id(),
            "error_type": self.error_type,
            "error_message": self.message,
            "error_url": format!("{docs}/{status}#{}", self.error_type),
        });
        with_retry_after(
            (self.status, Json(body)).into_response(),
            self.retry_after,
            app,
        )
    }
}

/// A Stytch success body: `fields` plus `status_code: 200` and a fresh `request_id`.
pub(crate) fn stytch_ok(mut fields: Map<String, Value>) -> Response {
    fields.insert("status_code".into(), json!(200));
    fields.insert("request_id".into(), json!(request_id()));
    (StatusCode::OK, Json(Value::Object(fields))).into_response()
}

/// A Clerk error: `{errors: [{code, message, long_message, meta}], meta, clerk_trace_id}`.
#[derive(Debug, Clone)]
pub(crate) struct ClerkError {
    pub(crate) status: StatusCode,
    pub(crate) code: &'static str,
    pub(crate) message: String,
    pub(crate) long_message: String,
    meta: Map<String, Value>,
    retry_after: Option<u64>,
}

impl ClerkError {
    pub(crate) fn new(
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
        long_message: impl Into<String>,
    ) -> Self {
        ClerkError {
            status,
            code,
            message: message.into(),
            long_message: long_message.into(),
            meta: Map::new(),
            retry_after: None,
        }
    }

    /// Names the offending parameter in `meta.param_name`.
    pub(crate) fn param(mut self, name: &str) -> Self {
        self.meta.insert("param_name".into(), json!(name));
        self
    }

    /// 404 for an unknown session id.
    pub(crate) fn session_not_found(id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "resource_not_found",
            "Session not found",
            format!("No session was found with id {id}"),
        )
    }

    /// 404 for an unknown user id.
    pub(crate) fn user_not_found(id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "resource_not_found",
            "not found",
            format!("No user was found with id {id}"),
        )
    }

    /// 404 for an unknown route or an endpoint absent in the requested version.
    pub(crate) fn resource_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "resource_not_found",
            "not found",
            "Resource not found",
        )
    }

    /// 400 `request_body_invalid`.
    pub(crate) fn body_invalid() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "request_body_invalid",
            "Request body invalid",
            "The request body is invalid. Please consult the API documentation for more information.",
        )
    }

    /// 422 `form_param_value_invalid` for `param`.
    pub(crate) fn value_invalid(param: &str, long_message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "form_param_value_invalid",
            "is invalid",
            long_message,
        )
        .param(param)
    }

    /// 429 with `Retry-After`.
    pub(crate) fn too_many_requests(retry_after: u64) -> Self {
        ClerkError {
            retry_after: Some(retry_after),
            ..Self::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_requests",
                "Too many requests",
                format!(
                    "Rate limit exceeded for this secret key. Retry after {retry_after} seconds."
                ),
            )
        }
    }

    /// 500 `internal_clerk_error`.
    pub(crate) fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_clerk_error",
            "Oops, an unexpected error occurred",
            "There was an internal error on our servers. We've been notified and are working on fixing it.",
        )
    }

    pub(crate) fn render(self, app: &App) -> Response {
        let body = json!({
            "errors": [{
                "code": self.code,
                "message": self.message,
                "long_message": self.long_message,
                "meta": Value::Object(self.meta),
            }],
            "meta": {},
            "clerk_trace_id": trace_id(),
        });
        with_retry_after(
            (self.status, Json(body)).into_response(),
            self.retry_after,
            app,
        )
    }
}

/// A Clerk success body (200).
pub(crate) fn clerk_ok(body: Value) -> Response {
    (StatusCode::OK, Json(body)).into_response()
}
