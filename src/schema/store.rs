//! [`SchemaStore`]: every schema compiled once, looked up by short id, validated without copies.

use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use jsonschema::{Registry, Resource, Retrieve, Uri, Validator};
use serde_json::Value;

use crate::tape::budget::{self, Budget, Spent};
use crate::tape::{Tape, TapeJson, TapeNode};

use super::error::{SchemaError, UnknownSchema};
use super::load::{self, Document};
use super::refs;
use super::violation::{self, Violation};

/// All loaded schemas, compiled once and addressed by short id (e.g. `stytch/session`).
///
/// Validators read bodies as [`Tape`]s (parsed once, in place); [`SchemaStore::validate`] takes a
/// `serde_json::Value` for callers that already hold one.
///
/// Built-in schemas live under `https://sessconform.dev/specs/<short id>`; a user schema whose
/// `$id` resolves elsewhere is addressed by its full `$id`. `$ref`s are resolved only among the
/// loaded documents: nothing is ever fetched over the network.
///
/// ```
/// use sessconform::schema::SchemaStore;
///
/// let store = SchemaStore::builtin()?;
/// let body = serde_json::json!({"request_id": "request-id-test-1", "status_code": "200"});
/// let violations = store.validate("stytch/sessions-revoke-response", &body)?;
/// assert_eq!(violations[0].instance_path, "/status_code");
/// assert_eq!(violations[0].keyword, "type");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub struct SchemaStore {
    schemas: BTreeMap<String, Compiled>,
    registry: Arc<Registry<'static>>,
}

/// One schema: its document, compiled on first use (or up front by [`SchemaStore::load`]).
struct Compiled {
    origin: String,
    document: Document,
    /// The compiled validator, or the compiler's message.
    validator: OnceLock<Result<Validator<TapeJson>, String>>,
}

impl Compiled {
    fn validator(&self, registry: &Registry<'static>) -> &Result<Validator<TapeJson>, String> {
        self.validator.get_or_init(|| {
            compile(&self.document, registry).map_err(|e| match e {
                SchemaError::Compile { message, .. } => message,
                other => other.to_string(),
            })
        })
    }

    fn outcome(&self, registry: &Registry<'static>) -> Result<(), SchemaError> {
        match self.validator(registry) {
            Ok(_) => Ok(()),
            Err(message) => Err(SchemaError::Compile {
                id: self.document.short_id.clone(),
                origin: self.origin.clone(),
                message: message.clone(),
            }),
        }
    }
}

impl std::fmt::Debug for SchemaStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SchemaStore")
            .field("ids", &self.ids())
            .finish()
    }
}

/// Bounds on one [`SchemaStore::validate_bounded`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Violations kept; later ones are only counted.
    pub keep: usize,
    /// How much of the body the validator may walk, and until when.
    pub budget: Budget,
}

impl Limits {
    /// Violations kept by default: more than any report shows.
    pub const KEEP: usize = 100;
    /// Elements and members walked by default while collecting violations: enough for every
    /// well-formed response we know, few enough that a hostile one stays in a few MiB.
    pub const VISITS: usize = 5_000;

    /// The default bounds, with an optional deadline.
    pub fn new(deadline: Option<std::time::Instant>) -> Self {
        Self {
            keep: Self::KEEP,
            budget: Budget {
                visits: Self::VISITS,
                deadline,
            },
        }
    }
}

/// What [`SchemaStore::validate_bounded`] found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Violations {
    /// The first violations found, at most [`Limits::keep`].
    pub list: Vec<Violation>,
    /// How many violations were found in the part of the body that was walked.
    pub total: usize,
    /// Set when the walk stopped early: the body may hold more violations than `total`.
    pub cut: Option<Spent>,
}

impl Violations {
    fn one(v: Violation) -> Self {
        Self {
            list: vec![v],
            total: 1,
            cut: None,
        }
    }

    /// Whether the body conforms (nothing found and nothing left unwalked).
    pub fn is_empty(&self) -> bool {
        self.total == 0 && self.cut.is_none()
    }
}

/// Refuses every retrieval: all documents are registered up front.
pub(super) struct LocalOnly;

impl Retrieve for LocalOnly {
    fn retrieve(
        &self,
        uri: &Uri<String>,
    ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
        Err(format!(
            "refusing to fetch {uri}: schemas are resolved locally only and no loaded schema has \
             this $id"
        )
        .into())
    }
}

impl SchemaStore {
    /// The schemas embedded in the binary (the repository's `specs/`).
    pub fn builtin() -> Result<Self, SchemaError> {
        Self::load(true, &[])
    }

    /// Loads the built-in schemas (if asked) plus every `*.json` under `extra_dirs`, checks every
    /// `$ref` and compiles every schema. All problems found are reported together.
    pub fn load(include_builtin: bool, extra_dirs: &[PathBuf]) -> Result<Self, SchemaError> {
        let store = Self::load_lazy(include_builtin, extra_dirs)?;
        let entries: Vec<&Compiled> = store.schemas.values().collect();
        let problems: Vec<SchemaError> = compile_all(&entries, &store.registry)
            .into_iter()
            .filter_map(Result::err)
            .collect();
        match SchemaError::from_list(problems) {
            Some(e) => Err(e),
            None => Ok(store),
        }
    }

    /// Like [`SchemaStore::load`] (every file parsed, every `$ref` checked) but compiles each
    /// schema on first use: a run that checks one schema does not pay for sixty.
    pub fn load_lazy(include_builtin: bool, extra_dirs: &[PathBuf]) -> Result<Self, SchemaError> {
        let documents = load::load_documents(include_builtin, extra_dirs)?;
        if let Some(e) = SchemaError::from_list(refs::check_refs(&documents)) {
            return Err(e);
        }
        let registry = Registry::new()
            .retriever(LocalOnly)
            .extend(
                documents
                    .iter()
                    .map(|d| (d.uri.clone(), Resource::from_contents(d.value.clone()))),
            )
            .and_then(jsonschema::RegistryBuilder::prepare)
            .map_err(|e| SchemaError::Registry {
                message: e.to_string(),
            })?;
        let schemas = documents
            .into_iter()
            .map(|document| {
                (
                    document.short_id.clone(),
                    Compiled {
                        origin: document.origin.clone(),
                        document,
                        validator: OnceLock::new(),
                    },
                )
            })
            .collect();
        Ok(SchemaStore {
            schemas,
            registry: Arc::new(registry),
        })
    }

    /// Compiles the given schemas now (unknown ids are ignored), reporting every failure.
    pub fn compile<'a>(&self, ids: impl IntoIterator<Item = &'a str>) -> Result<(), SchemaError> {
        let expanded: Vec<String> = ids
            .into_iter()
            .flat_map(|id| super::versioned::candidates(self, id))
            .collect();
        let entries: Vec<&Compiled> = expanded
            .iter()
            .filter_map(|id| self.schemas.get(id.as_str()))
            .collect();
        let problems: Vec<SchemaError> = compile_all(&entries, &self.registry)
            .into_iter()
            .filter_map(Result::err)
            .collect();
        SchemaError::from_list(problems).map_or(Ok(()), Err)
    }

    /// Whether a schema with this short id is loaded.
    pub fn contains(&self, id: &str) -> bool {
        self.schemas.contains_key(id)
    }

    /// Every short id, sorted.
    pub fn ids(&self) -> Vec<&str> {
        self.schemas.keys().map(String::as_str).collect()
    }

    /// Where the schema with this id was loaded from (`specs/...` for built-in ones).
    pub fn origin(&self, id: &str) -> Option<&str> {
        self.schemas.get(id).map(|c| c.origin.as_str())
    }

    /// The schema document with this short id (its `$id` made absolute), for tools that read
    /// schemas rather than validate with them (`spec drift`).
    pub fn document(&self, id: &str) -> Option<&Value> {
        self.schemas.get(id).map(|c| &c.document.value)
    }

    /// Short id of an absolute schema URI (`https://sessconform.dev/specs/stytch/session` →
    /// `stytch/session`); other URIs are their own id.
    pub fn short_id(uri: &str) -> String {
        load::short_id(uri)
    }

    /// Returns an error naming the closest known id when `id` is not loaded.
    pub fn check_id(&self, id: &str) -> Result<(), UnknownSchema> {
        if self.contains(id) {
            Ok(())
        } else {
            Err(self.unknown(id))
        }
    }

    /// Validates `instance` against schema `id`; an empty list means it conforms.
    pub fn validate(&self, id: &str, instance: &Value) -> Result<Vec<Violation>, UnknownSchema> {
        let compiled = self.get(id)?;
        match Tape::from_value(instance) {
            Ok(tape) => self.validate_node_with(compiled, id, tape.root()),
            // Only past 128 levels of nesting, which no response body can reach either.
            Err(e) => Ok(vec![Violation::unreadable(id, &e.to_string())]),
        }
    }

    /// Validates one node of a parsed body against schema `id`; an empty list means it conforms.
    pub fn validate_node(
        &self,
        id: &str,
        instance: TapeNode<'_>,
    ) -> Result<Vec<Violation>, UnknownSchema> {
        self.validate_node_with(self.get(id)?, id, instance)
    }

    fn validate_node_with(
        &self,
        compiled: &Compiled,
        id: &str,
        instance: TapeNode<'_>,
    ) -> Result<Vec<Violation>, UnknownSchema> {
        let unbounded = Limits {
            keep: usize::MAX,
            budget: Budget {
                visits: usize::MAX,
                deadline: None,
            },
        };
        Ok(self.bounded(compiled, id, instance, unbounded).list)
    }

    /// Validates one node of a parsed body against schema `id` within `limits`: at most
    /// `limits.keep` violations are kept, and the validator walks at most the budget's elements
    /// and members before its deadline (see [`Violations`]). Memory and time stay bounded
    /// whatever the body: this is the form for bodies from the network or from disk.
    pub fn validate_bounded(
        &self,
        id: &str,
        instance: TapeNode<'_>,
        limits: Limits,
    ) -> Result<Violations, UnknownSchema> {
        Ok(self.bounded(self.get(id)?, id, instance, limits))
    }

    fn bounded(
        &self,
        compiled: &Compiled,
        id: &str,
        instance: TapeNode<'_>,
        limits: Limits,
    ) -> Violations {
        let validator = match compiled.validator(&self.registry) {
            Ok(v) => v,
            Err(message) => return Violations::one(Violation::broken_schema(id, message)),
        };
        if validator.is_valid(instance) {
            return Violations::default();
        }
        let (out, cut) = budget::within(limits.budget, || {
            let mut out = Violations::default();
            // Composed schemas (`allOf`, a `$ref` beside local keywords) can report one problem
            // twice through different keywords' paths; the reader needs it once.
            let mut seen = HashSet::new();
            let mut one = Vec::new();
            for error in validator.iter_errors(instance) {
                one.clear();
                violation::collect(&error, id, &mut one);
                for v in one.drain(..) {
                    if out.list.len() >= limits.keep {
                        out.total += 1;
                    } else if seen.insert((
                        v.instance_path.clone(),
                        v.keyword.clone(),
                        v.message.clone(),
                    )) {
                        out.total += 1;
                        out.list.push(v);
                    }
                }
            }
            out
        });
        let mut out = out;
        out.cut = cut;
        if cut.is_some() {
            // A container cut short can look as if it lacked an item it has further on.
            let before = out.list.len();
            out.list
                .retain(|v| !matches!(v.keyword.as_str(), "contains" | "minContains"));
            out.total -= before - out.list.len();
        }
        out
    }

    /// Whether `instance` conforms to schema `id` (faster than [`SchemaStore::validate`]).
    pub fn is_valid(&self, id: &str, instance: &Value) -> Result<bool, UnknownSchema> {
        let compiled = self.get(id)?;
        let Ok(tape) = Tape::from_value(instance) else {
            return Ok(false);
        };
        Ok(compiled
            .validator(&self.registry)
            .as_ref()
            .is_ok_and(|v| v.is_valid(tape.root())))
    }

    fn get(&self, id: &str) -> Result<&Compiled, UnknownSchema> {
        self.schemas.get(id).ok_or_else(|| self.unknown(id))
    }

    fn unknown(&self, id: &str) -> UnknownSchema {
        let suggestion = self
            .schemas
            .keys()
            .map(|known| (edit_distance(id, known), known))
            .filter(|(d, known)| *d <= 3.max(known.len() / 4))
            .min()
            .map(|(_, known)| known.clone());
        UnknownSchema {
            id: id.to_owned(),
            suggestion,
        }
    }
}

/// Compiles the entries (each once), spread over the available cores: start-up time matters for
/// a CLI. Returns each entry's outcome in order.
fn compile_all(
    entries: &[&Compiled],
    registry: &Registry<'static>,
) -> Vec<Result<(), SchemaError>> {
    if entries.len() < 8 {
        return entries.iter().map(|e| e.outcome(registry)).collect();
    }
    crate::par::map(entries, |e| e.outcome(registry))
}

pub(super) fn compile(
    doc: &Document,
    registry: &Registry<'_>,
) -> Result<Validator<TapeJson>, SchemaError> {
    jsonschema::options_for::<TapeJson>()
        .with_registry(registry)
        .with_retriever(LocalOnly)
        .should_validate_formats(true)
        .build(&doc.value)
        .map_err(|e| SchemaError::Compile {
            id: doc.short_id.clone(),
            origin: doc.origin.clone(),
            message: match e.instance_path().as_str() {
                "" => e.to_string(),
                path => format!("{path}: {e}"),
            },
        })
}

/// Levenshtein distance, for "did you mean" hints.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}
