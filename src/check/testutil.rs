//! Helpers for the check unit tests: plan objects built directly, a fixed clock and scope.

use std::path::PathBuf;

use serde_json::Value;
use serde_json_path::JsonPath;

use crate::case::Scope;
use crate::case::model::{Assertion, Level, Op};
use crate::schema::SchemaStore;
use crate::source::{SourceFile, Span};

use super::{CheckContext, JsonBody, Response};

/// 2024-05-01T12:00:00Z.
pub(crate) const NOW_MS: i64 = 1_714_564_800_000;

/// A span at line 1 of a test file.
pub(crate) fn span() -> Span {
    Span::file_start(&SourceFile::new("cases/test.yaml", "expect: {}\n"))
}

/// An assertion at fail level.
pub(crate) fn assertion(path: &str, op: Op) -> Assertion {
    Assertion {
        path_text: path.to_owned(),
        path: JsonPath::parse(path).unwrap(),
        op,
        level: Level::Fail,
        note: None,
        span: span(),
    }
}

/// The same assertion at warn level.
pub(crate) fn warn(mut a: Assertion) -> Assertion {
    a.level = Level::Warn;
    a
}

/// A compiled JSONPath.
pub(crate) fn jp(path: &str) -> JsonPath {
    JsonPath::parse(path).unwrap()
}

/// A schema store holding one schema. The only place tests build a store with content.
pub(crate) fn store_with(id: &str, schema: &Value) -> SchemaStore {
    let dir = tempfile::tempdir().unwrap();
    let mut doc = schema.clone();
    doc["$id"] = Value::String(id.to_owned());
    std::fs::write(dir.path().join("schema.json"), doc.to_string()).unwrap();
    SchemaStore::load(false, &[dir.path().to_path_buf()]).unwrap()
}

/// Owned state behind a [`CheckContext`].
pub(crate) struct Fixture {
    pub scope: Scope,
    pub schemas: SchemaStore,
    pub dir: Option<PathBuf>,
    pub update: bool,
}

impl Fixture {
    pub fn new() -> Self {
        Self {
            scope: Scope::default(),
            schemas: SchemaStore::load(false, &[]).unwrap(),
            dir: None,
            update: false,
        }
    }

    pub fn ctx(&self) -> CheckContext<'_> {
        CheckContext {
            scope: &self.scope,
            schemas: &self.schemas,
            now_ms: NOW_MS,
            snapshot_dir: self.dir.as_deref(),
            update_snapshots: self.update,
            step: 3,
            api_version: None,
            redactor: None,
            deadline: None,
            jwks: None,
        }
    }

    /// A JSON response (the raw body is a placeholder; checks read `json`).
    pub fn response<'a>(&self, status: u16, json: &'a JsonBody<'a>) -> Response<'a> {
        Response {
            status,
            headers: &[],
            body: b"{}",
            json: Some(json),
        }
    }
}

/// A parsed body holding `v`.
pub(crate) fn body(v: Value) -> JsonBody<'static> {
    JsonBody::from_value(v)
}
