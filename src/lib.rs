//! sessconform: contract-testing and conformance harness for session APIs.
//!
//! The engine is a library; the `sessconform` CLI and the libtest [`harness`] are thin shells
//! over it. Data flows one way: [`case`] (load YAML suites) → [`engine::plan`] (select cases,
//! resolve the [`target`]) → [`engine::run`] (send requests with [`http`], evaluate [`check`]s)
//! → [`result::Event`]s → [`report`]ers.
//!
//! Running a suite against the embedded reference server:
//!
//! ```
//! use std::sync::Arc;
//! use sessconform::{target_source, case::{LoadedSuite, parse_suite}, engine, schema::SchemaStore};
//!
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! let schemas = Arc::new(SchemaStore::builtin().unwrap());
//! let yaml = r#"
//! suite: doc
//! api: clerk
//! cases:
//!   - name: jwks
//!     request: {path: /jwks}
//!     expect:
//!       status: 200
//!       assert:
//!         - {path: "$.keys[*].kid", unique: true}
//! "#;
//! let suite = parse_suite("doc.yaml", yaml, &schemas).unwrap();
//! // No target file and no base URL: start the embedded reference server.
//! let resolved = target_source::resolve_target(&target_source::TargetRequest::default()).await.unwrap();
//! let cfg = engine::RunConfig::default();
//! let plan = engine::plan(
//!     vec![LoadedSuite { suite, dir: None }],
//!     resolved.target.clone(),
//!     &engine::Selection::default(),
//!     &cfg,
//! );
//! let mut verdicts = Vec::new();
//! let summary = engine::run(Arc::new(plan), schemas, &cfg, engine::Cancel::default(), &mut |ev| {
//!     if let sessconform::result::Event::CaseFinished(r) = ev {
//!         verdicts.push((r.id.clone(), r.verdict));
//!     }
//! })
//! .await;
//! assert_eq!(summary.counts.passed, 1, "{verdicts:?}");
//! resolved.shutdown().await;
//! # });
//! ```

#![cfg_attr(not(test), warn(clippy::unwrap_used, clippy::expect_used))]

pub mod canonical;
pub mod case;
pub mod check;
pub mod compat;
pub mod diagnostic;
pub mod engine;
pub mod exit;
pub mod explore;
pub mod file_schema;
pub mod harness;
pub mod http;
mod par;
pub mod redact;
pub mod report;
pub mod result;
pub mod schema;
#[cfg(feature = "server")]
pub mod server;
pub mod source;
pub mod spec;
pub mod style;
pub mod tape;
pub mod target;
pub mod target_source;
pub mod target_template;
pub mod text_diff;
