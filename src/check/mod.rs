//! Pure checks of one response against a step's expectations. No I/O except snapshot files.
//!
//! The success path borrows the response and never re-serialises the body; values are rendered,
//! diffed and excerpted only when a check fails.

mod assertion;
mod body;
mod capture;
mod collection;
mod excerpt;
mod failure;
mod headers;
mod jsonpath_fn;
pub(crate) mod jwt;
mod ordering;
mod schema;
mod snapshot;
mod status;
#[cfg(test)]
mod testutil;

use std::path::Path;

use crate::case::Scope;
use crate::case::model::{Expect, Level};
use crate::result::{Finding, FindingKind};
use crate::schema::SchemaStore;
use crate::source::Span;

pub use body::JsonBody;
pub use capture::capture_values;
pub(crate) use excerpt::type_name;

/// One HTTP response as the checks see it.
#[derive(Debug, Clone, Copy)]
pub struct Response<'a> {
    /// HTTP status code.
    pub status: u16,
    /// Headers in order; names lower-case; a name may repeat.
    pub headers: &'a [(String, String)],
    /// The decoded body.
    pub body: &'a [u8],
    /// The body parsed as JSON once by the engine; `None` when it is not JSON.
    pub json: Option<&'a JsonBody<'a>>,
}

/// Everything a check needs besides the response.
pub struct CheckContext<'a> {
    /// Variables and captures for `${...}` templates in expected values.
    pub scope: &'a Scope,
    /// Compiled schemas.
    pub schemas: &'a SchemaStore,
    /// Current time in epoch milliseconds (injected so tests are deterministic).
    pub now_ms: i64,
    /// Directory of the case file; `None` for embedded suites (snapshot paths are then relative
    /// to the current directory).
    pub snapshot_dir: Option<&'a Path>,
    /// Write missing or changed snapshot files instead of failing.
    pub update_snapshots: bool,
    /// Index of the step being checked (copied into every finding).
    pub step: usize,
    /// The API version the request declared (`Clerk-API-Version` header or an `api_version`
    /// query parameter): picks the schema of `{api_version}` ids.
    pub api_version: Option<&'a str>,
    /// The secrets known so far: a snapshot that would hold one is not written.
    pub redactor: Option<&'a crate::redact::Redactor>,
    /// When checking this response must stop: checks count in the case's time budget, so a
    /// hostile body cannot keep a case busy past its timeout.
    pub deadline: Option<std::time::Instant>,
    /// Key sets named by location in `jwt: {jwks: /path}`, fetched by the engine before the
    /// case ran: the location as written (rendered) → the key set, or why it is missing.
    pub jwks: Option<&'a std::collections::BTreeMap<String, Result<serde_json::Value, String>>>,
}

/// Checks a response against a step's expectations and returns every failed check.
///
/// All checks run even when the status is wrong. When the body is not JSON, the body checks
/// (schemas, assertions, snapshot) are replaced by one [`FindingKind::Body`] finding.
pub fn check_response(
    expect: &Expect,
    resp: &Response<'_>,
    ctx: &CheckContext<'_>,
) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(s) = &expect.status {
        status::check(s, resp, ctx, &mut out);
    }
    headers::check(&expect.headers, resp, ctx, &mut out);
    let Some(body_check) = first_body_check(expect) else {
        return out;
    };
    let Some(json) = resp.json else {
        out.push(not_json(expect, body_check, resp, ctx.step));
        return out;
    };
    schema::check(&expect.schemas, json, ctx, &mut out);
    if !expect.assertions.is_empty() {
        assertion::check(&expect.assertions, json.value(), ctx, &mut out);
    }
    if let Some(snap) = &expect.snapshot {
        snapshot::check(snap, json.value(), ctx, &mut out);
    }
    out
}

/// The span of the first check that needs a JSON body, if any.
fn first_body_check(expect: &Expect) -> Option<&Span> {
    expect
        .schemas
        .first()
        .map(|s| &s.span)
        .or_else(|| expect.assertions.first().map(|a| &a.span))
        .or_else(|| expect.snapshot.as_ref().map(|s| &s.span))
}

/// The one finding reported instead of every body check when the body is not JSON.
fn not_json(expect: &Expect, span: &Span, resp: &Response<'_>, step: usize) -> Finding {
    let level = expect
        .schemas
        .iter()
        .map(|s| s.level)
        .chain(expect.assertions.iter().map(|a| a.level))
        .chain(expect.snapshot.iter().map(|s| s.level))
        .max()
        .unwrap_or(Level::Fail);
    let reason = if resp.body.is_empty() {
        "the body is empty".to_owned()
    } else {
        // The engine's own parser says why (serde_json's `IgnoredAny` has no nesting limit).
        match crate::tape::Tape::parse(resp.body) {
            Err(e) if e.to_string().starts_with("recursion limit exceeded") => {
                format!("it nests arrays and objects more than 128 levels deep ({e})")
            }
            Err(e) => e.to_string(),
            Ok(_) => "it does not start with `{` or `[` and its Content-Type does not say JSON"
                .to_owned(),
        }
    };
    let mut f = finding(FindingKind::Body, level, span, step);
    f.message = if resp.body.is_empty() {
        format!("body is not JSON: {reason}")
    } else {
        format!(
            "body is not JSON: {reason}; first bytes: {}",
            excerpt::body_start(resp.body, 60)
        )
    };
    f.actual = Some(excerpt::body_start(resp.body, excerpt::VALUE_MAX));
    f
}

/// A finding of `kind` at `span` with an empty message.
pub(crate) fn finding(kind: FindingKind, level: Level, span: &Span, step: usize) -> Finding {
    let mut f = Finding::new(kind, level, String::new());
    f.span = Some(span.clone());
    f.step = step;
    f
}

#[cfg(test)]
mod tests;
