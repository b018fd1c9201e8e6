//! Pure checks of one response against a step's expectations. TEMPORARY stub with the agreed
//! API; the real implementation lands from the wt-check branch.

use std::path::Path;

use serde_json::Value;

use crate::case::plan::{Capture, Expect};
use crate::case::template::Scope;
use crate::result::Finding;
use crate::schema::SchemaStore;

/// A response as the checks see it.
pub struct Response<'a> {
    /// Status code.
    pub status: u16,
    /// Headers, names lower case.
    pub headers: &'a [(String, String)],
    /// Raw body.
    pub body: &'a [u8],
    /// Parsed JSON body.
    pub json: Option<&'a Value>,
}

/// Context for checks.
pub struct CheckContext<'a> {
    /// Template scope.
    pub scope: &'a Scope,
    /// Schemas.
    pub schemas: &'a SchemaStore,
    /// Now, epoch ms.
    pub now_ms: i64,
    /// Directory for snapshots.
    pub snapshot_dir: Option<&'a Path>,
    /// Rewrite snapshots.
    pub update_snapshots: bool,
    /// Step index.
    pub step: usize,
}

/// Runs every check of `expect`.
pub fn check_response(_expect: &Expect, _resp: &Response, _ctx: &CheckContext) -> Vec<Finding> {
    Vec::new()
}

/// Extracts captures.
pub fn capture_values(
    _captures: &[Capture],
    _resp: &Response,
) -> Result<Vec<(String, Value, bool)>, Finding> {
    Ok(Vec::new())
}
