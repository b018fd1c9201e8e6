//! `spec drift`: finds every loaded schema whose `x-source` cites the given OpenAPI file, imports
//! the cited component as the file now defines it, compares the two and classifies each change
//! for a client of the API. Changes listed in `x-source.accepted` (`{change, at, reason}`, `at`
//! `*` for every path) are deliberate deviations of our schema: reported apart, never counted.

use serde::Serialize;
use serde_json::Value;

use super::change::{Change, Kind, Severity};
use super::compare::{self, Node};
use super::convert::Profile;
use super::import::{self, Target};
use super::openapi::OpenApi;
use crate::schema::SchemaStore;

/// The drift of every schema citing one OpenAPI file.
#[derive(Debug, Clone, Serialize)]
pub struct DriftReport {
    /// The file name schemas were matched against.
    pub file: String,
    /// The document's `openapi:` version.
    pub openapi: String,
    /// The document's `info.version`.
    pub version: String,
    /// One entry per (schema, cited source), sorted by schema id.
    pub schemas: Vec<SchemaDrift>,
    /// Breaking changes in all schemas (accepted deviations excluded).
    pub breaking: usize,
    /// Compatible changes in all schemas (accepted deviations excluded).
    pub compatible: usize,
}

/// The drift of one schema from one cited component.
#[derive(Debug, Clone, Serialize)]
pub struct SchemaDrift {
    /// Our schema's short id.
    pub id: String,
    /// What it cites: `components.schemas.Session` or `GET /v1/sessions response 401`.
    pub cites: String,
    /// The `version` recorded in `x-source` (what the schema was derived from).
    pub derived_from: String,
    /// Changes found, breaking first.
    pub changes: Vec<Change>,
    /// Differences our schema makes on purpose (`x-source.accepted`), with the recorded reason.
    pub accepted: Vec<Accepted>,
}

/// A difference recorded as deliberate in the schema's `x-source.accepted`.
#[derive(Debug, Clone, Serialize)]
pub struct Accepted {
    /// The change.
    #[serde(flatten)]
    pub change: Change,
    /// Why our schema differs.
    pub reason: String,
}

impl DriftReport {
    /// Whether any breaking change was found.
    pub fn has_breaking(&self) -> bool {
        self.breaking > 0
    }
}

/// One `x-source` entry of one of our schemas.
struct Citation<'a> {
    target: Target<'a>,
    cites: String,
    version: String,
    accepted: Vec<(String, String, String)>,
}

/// Compares every schema in `store` citing `source_name` (default: the document's file name).
/// `strict/…` twins only with `include_strict`; their closed objects are theirs by design, so
/// `additionalProperties` is not compared for them (a new vendor member still is: it breaks them).
pub fn drift(
    store: &SchemaStore,
    api: &OpenApi,
    source_name: Option<&str>,
    include_strict: bool,
) -> DriftReport {
    let file = source_name.unwrap_or(&api.file_name).to_owned();
    let mut schemas = Vec::new();
    for id in store.ids() {
        if id.starts_with("strict/") && !include_strict {
            continue;
        }
        let Some(doc) = store.document(id) else {
            continue;
        };
        for citation in citations(doc, &file) {
            schemas.push(one(store, api, id, doc, &citation));
        }
    }
    let count = |s: Severity| {
        schemas
            .iter()
            .flat_map(|d: &SchemaDrift| &d.changes)
            .filter(|c| c.severity == s)
            .count()
    };
    DriftReport {
        breaking: count(Severity::Breaking),
        compatible: count(Severity::Compatible),
        file,
        openapi: api.openapi.clone(),
        version: api.info_version.clone(),
        schemas,
    }
}

fn one(
    store: &SchemaStore,
    api: &OpenApi,
    id: &str,
    doc: &Value,
    citation: &Citation<'_>,
) -> SchemaDrift {
    let mut changes = Vec::new();
    match import::import(api, citation.target, "drift/vendor", Profile::AsWritten) {
        Ok(imported) => {
            let uri = doc.get("$id").and_then(Value::as_str).unwrap_or_default();
            let ours = Node {
                doc,
                uri,
                value: doc,
            };
            let theirs = Node {
                doc: &imported.schema,
                uri: "",
                value: &imported.schema,
            };
            compare::compare(store, ours, theirs, &mut changes);
        }
        Err(e) => changes.push(Change::new(
            "",
            Kind::ComponentMissing,
            Severity::Breaking,
            e.to_string(),
        )),
    }
    if id.starts_with("strict/") {
        changes.retain(|c| c.kind != Kind::AdditionalPropertiesChanged);
    }
    changes.sort();
    changes.dedup();
    let (accepted, changes): (Vec<Change>, Vec<Change>) = changes.into_iter().partition(|c| {
        citation
            .accepted
            .iter()
            .any(|(kind, at, _)| kind == c.kind.name() && (at == &c.at || at == "*"))
    });
    let accepted = accepted
        .into_iter()
        .map(|change| {
            let reason = citation
                .accepted
                .iter()
                .find(|(kind, at, _)| kind == change.kind.name() && (at == &change.at || at == "*"))
                .map(|(_, _, r)| r.clone())
                .unwrap_or_default();
            Accepted { change, reason }
        })
        .collect();
    SchemaDrift {
        id: id.to_owned(),
        cites: citation.cites.clone(),
        derived_from: citation.version.clone(),
        changes,
        accepted,
    }
}

/// The `x-source` entries (an object or an array of them) naming `file`.
fn citations<'a>(doc: &'a Value, file: &str) -> Vec<Citation<'a>> {
    let entries: Vec<&Value> = match doc.get("x-source") {
        Some(Value::Array(list)) => list.iter().collect(),
        Some(one @ Value::Object(_)) => vec![one],
        _ => Vec::new(),
    };
    entries
        .into_iter()
        .filter(|e| e.get("file").and_then(Value::as_str) == Some(file))
        .filter_map(|e| {
            let text = |k: &str| e.get(k).and_then(Value::as_str);
            let (target, cites) = if let Some(component) = text("component") {
                (
                    Target::Component(component),
                    format!("components.schemas.{component}"),
                )
            } else {
                let operation = text("operation")?;
                let status = text("status")?;
                (
                    Target::Operation { operation, status },
                    format!("{operation} response {status}"),
                )
            };
            let accepted = e
                .get("accepted")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .filter_map(|a| {
                    Some((
                        a.get("change")?.as_str()?.to_owned(),
                        a.get("at")?.as_str()?.to_owned(),
                        a.get("reason")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned(),
                    ))
                })
                .collect();
            Some(Citation {
                target,
                cites,
                version: text("version").unwrap_or_default().to_owned(),
                accepted,
            })
        })
        .collect()
}
