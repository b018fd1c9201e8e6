//! The entities a case created or named: a list in a response is compared on those (paired
//! across the sides), not on state that existed before the case, such as other sessions of the
//! same user left by earlier runs. Elements outside the scope are compared by shape only.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use serde_json::Value;

use crate::check::type_name;

/// Keys that identify an element of a list, in order of preference.
const ID_KEYS: &[&str] = &[
    "id",
    "session_id",
    "member_session_id",
    "member_id",
    "user_id",
];

/// Shortest value taken for an identity (shorter values such as `active` are not identities).
const MIN_ID_LEN: usize = 8;

/// What one side of one case created or named before (and in the request of) a step.
#[derive(Debug, Clone, Default)]
pub struct SideScope {
    /// String values outside arrays in the responses of earlier steps (ids of what was created).
    values: HashSet<String>,
    /// Request lines (`METHOD /path?query`) of the steps up to this one.
    requests: Vec<String>,
}

impl SideScope {
    /// The scope of step `step`, from a side's `(step, request line, exchange document)`s.
    pub fn of_step<'a>(
        docs: impl IntoIterator<Item = (usize, &'a str, &'a Value)>,
        step: usize,
    ) -> Self {
        let mut s = SideScope::default();
        for (i, request, doc) in docs {
            if i <= step {
                s.requests.push(request.to_owned());
            }
            if i < step {
                if let Some(body) = doc.get("body") {
                    collect_outside_arrays(body, &mut s.values);
                }
            }
        }
        s
    }

    /// True when `id` was created by an earlier step or named by a request.
    pub fn contains(&self, id: &str) -> bool {
        id.len() >= MIN_ID_LEN
            && (self.values.contains(id) || self.requests.iter().any(|r| r.contains(id)))
    }
}

/// Both sides' scopes of one step.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// The baseline's.
    pub baseline: SideScope,
    /// The candidate's.
    pub candidate: SideScope,
}

fn collect_outside_arrays(v: &Value, out: &mut HashSet<String>) {
    match v {
        Value::String(s) if s.len() >= MIN_ID_LEN => {
            out.insert(s.clone());
        }
        Value::Object(m) => m.values().for_each(|x| collect_outside_arrays(x, out)),
        _ => {}
    }
}

/// The identity key of a list of entities: the first of [`ID_KEYS`] that every element of both
/// arrays (objects, at least one) carries as a string, distinct within each array.
pub(crate) fn entity_key(a: &[Value], b: &[Value]) -> Option<&'static str> {
    if a.is_empty() && b.is_empty() {
        return None;
    }
    ID_KEYS.iter().copied().find(|k| {
        [a, b].iter().all(|side| {
            let mut seen = HashSet::new();
            side.iter().all(|e| {
                e.get(*k)
                    .and_then(Value::as_str)
                    .is_some_and(|id| seen.insert(id))
            })
        })
    })
}

/// The identity of an element under `key`.
pub(crate) fn id_of<'v>(v: &'v Value, key: &str) -> Option<&'v str> {
    v.get(key).and_then(Value::as_str)
}

/// The shape of a list's elements: each key with the JSON types (null aside) it has, and in how
/// many elements it appears.
#[derive(Debug, Default)]
pub(crate) struct Shape {
    /// Key → (types seen, elements having it, first element index having it).
    pub keys: BTreeMap<String, (BTreeSet<&'static str>, usize, usize)>,
    /// Number of elements.
    pub len: usize,
}

impl Shape {
    /// The shape of `items` (objects; anything else is skipped).
    pub fn of(items: &[Value]) -> Self {
        let mut s = Shape {
            len: items.len(),
            ..Shape::default()
        };
        for (i, item) in items.iter().enumerate() {
            let Value::Object(m) = item else { continue };
            for (k, v) in m {
                let slot = s
                    .keys
                    .entry(k.clone())
                    .or_insert_with(|| (BTreeSet::new(), 0, i));
                slot.1 += 1;
                if !v.is_null() {
                    slot.0.insert(type_name(v));
                }
            }
        }
        s
    }

    /// True when every element has `key`.
    pub fn always(&self, key: &str) -> bool {
        self.keys.get(key).is_some_and(|(_, n, _)| *n == self.len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn scope_holds_created_values_and_named_ids_but_not_list_members() {
        let mint = json!({"body": {"session": {"session_id": "session-test-aaaa1111"},
                                   "sessions": [{"session_id": "session-test-old00001"}]}});
        let list = json!({"body": {"sessions": []}});
        let docs = vec![
            (0, "POST /__sessconform/sessions", &mint),
            (1, "GET /v1/sessions?user_id=user-test-12345678", &list),
        ];
        let s = SideScope::of_step(docs.clone(), 1);
        assert!(s.contains("session-test-aaaa1111"), "created by step 1");
        assert!(s.contains("user-test-12345678"), "named by the request");
        assert!(
            !s.contains("session-test-old00001"),
            "a list member is not created by the case"
        );
        assert!(!s.contains("active"), "too short to be an identity");
        let before = SideScope::of_step(docs, 0);
        assert!(
            !before.contains("session-test-aaaa1111"),
            "not before it was created"
        );
    }

    #[test]
    fn entity_key_needs_distinct_string_ids_on_both_sides() {
        let a = vec![
            json!({"id": "a1", "session_id": "x"}),
            json!({"id": "a2", "session_id": "x"}),
        ];
        let b = vec![json!({"id": "b1", "session_id": "y"})];
        assert_eq!(entity_key(&a, &b), Some("id"));
        let dup = vec![json!({"session_id": "x"}), json!({"session_id": "x"})];
        assert_eq!(entity_key(&dup, &b), None);
        assert_eq!(entity_key(&[json!(1)], &[json!(2)]), None);
    }
}
