//! Structural comparison of one of our schemas with the vendor's component (already converted to
//! JSON Schema): members, required, types, nullability, enums, formats, patterns,
//! `additionalProperties`, recursively through members and array items.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;
use url::Url;

use super::change::{Change, Kind, Severity};
use crate::schema::SchemaStore;

/// Deepest nesting compared (vendor components are recursive; ours are shallow).
const MAX_DEPTH: usize = 24;

/// One side of the comparison: where `$ref`s resolve.
pub(crate) enum Side<'a> {
    /// Our schemas: relative `$ref`s resolve among the loaded documents.
    Ours(&'a SchemaStore),
    /// The imported vendor document: `#/$defs/…` only.
    Theirs,
}

/// A schema node with the document it lives in.
#[derive(Clone, Copy)]
pub(crate) struct Node<'a> {
    pub doc: &'a Value,
    /// The document's absolute `$id` (empty for the vendor side).
    pub uri: &'a str,
    pub value: &'a Value,
}

/// What one (flattened) schema says.
#[derive(Default)]
struct Facts<'a> {
    types: Option<BTreeSet<String>>,
    null_branch: bool,
    values: Option<Vec<&'a Value>>,
    format: Option<&'a str>,
    pattern: Option<&'a str>,
    properties: BTreeMap<&'a str, Vec<Node<'a>>>,
    required: BTreeSet<&'a str>,
    closed: bool,
    items: Vec<Node<'a>>,
    /// Reached another of our schemas that cites its own source: compared on its own.
    elsewhere: bool,
}

impl Facts<'_> {
    fn constrained(&self) -> bool {
        self.types.is_some() || self.values.is_some()
    }
    fn accepts_null(&self) -> bool {
        if self.null_branch {
            return true;
        }
        if let Some(values) = &self.values {
            return values.iter().any(|v| v.is_null());
        }
        self.types.as_ref().is_none_or(|t| t.contains("null"))
    }
    fn explicit_null(&self) -> bool {
        self.null_branch
            || self
                .values
                .as_ref()
                .is_some_and(|v| v.iter().any(|v| v.is_null()))
            || self.types.as_ref().is_some_and(|t| t.contains("null"))
    }
}

/// Compares `ours` with `theirs`; changes are appended to `out`.
pub(crate) fn compare(
    store: &SchemaStore,
    ours: Node<'_>,
    theirs: Node<'_>,
    out: &mut Vec<Change>,
) {
    let mut walk = Walk {
        ours: Side::Ours(store),
        theirs: Side::Theirs,
        out,
    };
    walk.node("", &[ours], &[theirs], 0, true);
}

struct Walk<'a, 'o> {
    ours: Side<'a>,
    theirs: Side<'a>,
    out: &'o mut Vec<Change>,
}

impl<'a> Walk<'a, '_> {
    fn node(&mut self, at: &str, ours: &[Node<'a>], theirs: &[Node<'a>], depth: usize, root: bool) {
        if depth > MAX_DEPTH {
            return;
        }
        let o = all_facts(&self.ours, ours, root);
        let t = all_facts(&self.theirs, theirs, root);
        if o.elsewhere {
            return;
        }
        self.types(at, &o, &t);
        self.values(at, &o, &t);
        keyword(
            self.out,
            at,
            Kind::FormatChanged,
            "format",
            o.format,
            t.format,
        );
        keyword(
            self.out,
            at,
            Kind::PatternChanged,
            "pattern",
            o.pattern,
            t.pattern,
        );
        self.members(at, &o, &t, depth);
        if !o.items.is_empty() && !t.items.is_empty() {
            self.node(&format!("{at}/[]"), &o.items, &t.items, depth + 1, false);
        }
    }

    fn types(&mut self, at: &str, o: &Facts<'_>, t: &Facts<'_>) {
        if !o.accepts_null() && t.explicit_null() {
            self.push(
                at,
                Kind::BecameNullable,
                Severity::Breaking,
                "the vendor now allows null",
            );
        } else if o.explicit_null() && t.constrained() && !t.accepts_null() {
            self.push(
                at,
                Kind::NoLongerNullable,
                Severity::Compatible,
                "the vendor no longer allows null",
            );
        }
        let (Some(ot), Some(tt)) = (&o.types, &t.types) else {
            return;
        };
        let covers = |set: &BTreeSet<String>, ty: &str| {
            set.contains(ty) || (ty == "integer" && set.contains("number"))
        };
        let new: Vec<&str> = tt
            .iter()
            .map(String::as_str)
            .filter(|ty| *ty != "null" && !covers(ot, ty))
            .collect();
        let gone: Vec<&str> = ot
            .iter()
            .map(String::as_str)
            .filter(|ty| *ty != "null" && !covers(tt, ty))
            .collect();
        if new.is_empty() && gone.is_empty() {
            return;
        }
        let detail = format!("{} → {}", join(ot), join(tt));
        let severity = if new.is_empty() {
            Severity::Compatible
        } else {
            Severity::Breaking
        };
        self.push(at, Kind::TypeChanged, severity, detail);
    }

    fn values(&mut self, at: &str, o: &Facts<'_>, t: &Facts<'_>) {
        let Some(ours) = &o.values else { return };
        match &t.values {
            Some(theirs) => {
                for v in theirs.iter().filter(|v| !v.is_null() && !ours.contains(v)) {
                    self.push(
                        at,
                        Kind::EnumValueAdded,
                        Severity::Breaking,
                        format!("enum value {v} added"),
                    );
                }
                for v in ours.iter().filter(|v| !v.is_null() && !theirs.contains(v)) {
                    self.push(
                        at,
                        Kind::EnumValueRemoved,
                        Severity::Compatible,
                        format!("enum value {v} removed"),
                    );
                }
            }
            None if t.types.is_some() => self.push(
                at,
                Kind::EnumValueAdded,
                Severity::Breaking,
                "the vendor no longer restricts the values (our enum is closed)",
            ),
            None => {}
        }
    }

    fn members(&mut self, at: &str, o: &Facts<'a>, t: &Facts<'a>, depth: usize) {
        if o.properties.is_empty() && o.required.is_empty() {
            return;
        }
        if t.properties.is_empty() {
            // The vendor describes no members here (free-form or opaque): nothing to compare.
            return;
        }
        if o.closed && !t.closed {
            self.push(
                at,
                Kind::AdditionalPropertiesChanged,
                Severity::Breaking,
                "the vendor allows extra members; our schema has additionalProperties: false",
            );
        }
        let names: BTreeSet<&str> = o
            .properties
            .keys()
            .copied()
            .chain(o.required.iter().copied())
            .collect();
        for name in names {
            let here = format!("{at}/{name}");
            let required = o.required.contains(name);
            match t.properties.get(name) {
                None => {
                    let (severity, detail) = if required {
                        (
                            Severity::Breaking,
                            "the vendor no longer defines this member; our schema requires it",
                        )
                    } else {
                        (
                            Severity::Compatible,
                            "the vendor no longer defines this optional member",
                        )
                    };
                    self.push(&here, Kind::FieldRemoved, severity, detail);
                    continue;
                }
                Some(theirs) => {
                    if required && !t.required.contains(name) {
                        self.push(
                            &here,
                            Kind::RequiredToOptional,
                            Severity::Breaking,
                            "our schema requires it; the vendor made it optional",
                        );
                    } else if !required && t.required.contains(name) {
                        self.push(
                            &here,
                            Kind::OptionalToRequired,
                            Severity::Compatible,
                            "the vendor requires it; our schema treats it as optional",
                        );
                    }
                    if let Some(ours) = o.properties.get(name) {
                        self.node(&here, ours, theirs, depth + 1, false);
                    }
                }
            }
        }
        for name in t
            .properties
            .keys()
            .filter(|n| !o.properties.contains_key(*n))
        {
            let (severity, detail) = if o.closed {
                (
                    Severity::Breaking,
                    "new member; our schema has additionalProperties: false",
                )
            } else {
                (
                    Severity::Compatible,
                    "new member; our schema accepts extra members",
                )
            };
            self.push(&format!("{at}/{name}"), Kind::FieldAdded, severity, detail);
        }
    }

    fn push(&mut self, at: &str, kind: Kind, severity: Severity, detail: impl Into<String>) {
        self.out.push(Change::new(at, kind, severity, detail));
    }
}

/// `format` / `pattern`: a value we rely on that the vendor changed or dropped is breaking.
fn keyword(
    out: &mut Vec<Change>,
    at: &str,
    kind: Kind,
    name: &str,
    ours: Option<&str>,
    theirs: Option<&str>,
) {
    match (ours, theirs) {
        (Some(o), Some(t)) if o != t => out.push(Change::new(
            at,
            kind,
            Severity::Breaking,
            format!("{name} {o:?} → {t:?}"),
        )),
        (Some(o), None) if kind == Kind::FormatChanged => out.push(Change::new(
            at,
            kind,
            Severity::Breaking,
            format!("the vendor dropped {name} {o:?}"),
        )),
        _ => {}
    }
}

fn join(set: &BTreeSet<String>) -> String {
    set.iter().map(String::as_str).collect::<Vec<_>>().join("|")
}

/// Follows `$ref` (ours: across our documents; theirs: `#/$defs`), then `allOf`; a two-branch
/// `anyOf`/`oneOf` with `{type: null}` is read as "nullable".
fn facts<'a>(side: &Side<'a>, node: Node<'a>, depth: usize, root: bool) -> Facts<'a> {
    let mut f = Facts::default();
    let Some(object) = node.value.as_object() else {
        return f;
    };
    if depth > MAX_DEPTH {
        return f;
    }
    if let Some(reference) = object.get("$ref").and_then(Value::as_str) {
        match resolve(side, node, reference) {
            Some((_, cites)) if cites && !root => {
                f.elsewhere = true;
                return f;
            }
            Some((target, _)) => merge(&mut f, facts(side, target, depth + 1, false)),
            None => {}
        }
    }
    for part in object
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        merge(
            &mut f,
            facts(
                side,
                Node {
                    value: part,
                    ..node
                },
                depth + 1,
                root,
            ),
        );
    }
    for key in ["anyOf", "oneOf"] {
        if let Some(branches) = object.get(key).and_then(Value::as_array) {
            let (null, other): (Vec<&Value>, Vec<&Value>) = branches
                .iter()
                .partition(|b| b.get("type").and_then(Value::as_str) == Some("null"));
            if !null.is_empty() && other.len() == 1 {
                f.null_branch = true;
                merge(
                    &mut f,
                    facts(
                        side,
                        Node {
                            value: other[0],
                            ..node
                        },
                        depth + 1,
                        false,
                    ),
                );
            }
        }
    }
    match object.get("type") {
        Some(Value::String(t)) => f.types = Some(BTreeSet::from([t.clone()])),
        Some(Value::Array(ts)) => {
            f.types = Some(
                ts.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
            );
        }
        _ => {}
    }
    if let Some(values) = object.get("enum").and_then(Value::as_array) {
        f.values = Some(values.iter().collect());
    } else if let Some(c) = object.get("const") {
        f.values = Some(vec![c]);
    }
    f.format = object.get("format").and_then(Value::as_str).or(f.format);
    f.pattern = object.get("pattern").and_then(Value::as_str).or(f.pattern);
    if let Some(props) = object.get("properties").and_then(Value::as_object) {
        for (name, value) in props {
            f.properties
                .entry(name)
                .or_default()
                .push(Node { value, ..node });
        }
    }
    for r in object
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let Some(r) = r.as_str() {
            f.required.insert(r);
        }
    }
    if object.get("additionalProperties") == Some(&Value::Bool(false)) {
        f.closed = true;
    }
    if let Some(items) = object.get("items").filter(|i| i.is_object()) {
        f.items.push(Node {
            value: items,
            ..node
        });
    }
    f
}

/// The facts of several schemas that all apply to one place (`$ref` + siblings, `allOf`).
fn all_facts<'a>(side: &Side<'a>, nodes: &[Node<'a>], root: bool) -> Facts<'a> {
    let mut f = Facts::default();
    for node in nodes {
        merge(&mut f, facts(side, *node, 0, root));
    }
    f
}

fn merge<'a>(into: &mut Facts<'a>, from: Facts<'a>) {
    into.types = match (into.types.take(), from.types) {
        (Some(a), Some(b)) => Some(a.intersection(&b).cloned().collect()),
        (a, b) => a.or(b),
    };
    into.null_branch |= from.null_branch;
    into.values = into.values.take().or(from.values);
    into.format = into.format.or(from.format);
    into.pattern = into.pattern.or(from.pattern);
    for (k, v) in from.properties {
        into.properties.entry(k).or_default().extend(v);
    }
    into.required.extend(from.required);
    into.closed |= from.closed;
    into.items.extend(from.items);
    into.elsewhere |= from.elsewhere;
}

/// The node a `$ref` points at, and whether it is the root of another of our documents that
/// cites its own vendor source.
fn resolve<'a>(side: &Side<'a>, node: Node<'a>, reference: &str) -> Option<(Node<'a>, bool)> {
    if let Some(pointer) = reference.strip_prefix('#') {
        let value = node.doc.pointer(pointer)?;
        return Some((Node { value, ..node }, false));
    }
    let Side::Ours(store) = side else { return None };
    let base = Url::parse(node.uri).ok()?;
    let mut url = base.join(reference).ok()?;
    let fragment = url.fragment().map(str::to_owned);
    url.set_fragment(None);
    let id = SchemaStore::short_id(url.as_str());
    let doc = store.document(&id)?;
    let uri = doc.get("$id").and_then(Value::as_str).unwrap_or_default();
    let target = Node {
        doc,
        uri,
        value: doc,
    };
    match fragment.as_deref() {
        Some(p) if !p.is_empty() => Some((
            Node {
                value: doc.pointer(p)?,
                ..target
            },
            false,
        )),
        _ => Some((target, doc.get("x-source").is_some())),
    }
}
