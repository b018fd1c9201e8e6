//! Operators on a collection: `length`, `contains`, `unique` and `sorted`. They apply to the array
//! when the path selects exactly one array node, else to the list of selected nodes (so
//! `$.sessions[*].session_id` + `unique` works). A singular path selecting one string or object
//! gives `length` and `contains` that value.

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use serde_json::{Map, Value};
use serde_json_path::JsonPath;

use crate::case::model::{Assertion, LengthSpec, Order};

use super::assertion::{Mismatch, from_mismatch, location};
use super::excerpt;
use super::failure::{Failure, Msg};
use super::ordering::{self, Key, as_int, json_eq};

/// What a collection operator applies to.
enum Target<'n, 'v> {
    /// The one selected node, an array.
    Array(&'v [Value]),
    /// The list of selected nodes.
    Nodes(&'n [&'v Value]),
    /// The one string a singular path selected.
    Str(&'v str),
    /// The one object a singular path selected.
    Object(&'v Map<String, Value>),
    /// The one other value a singular path selected.
    Scalar(&'v Value),
}

impl<'v> Target<'_, 'v> {
    fn items(&self) -> Option<Vec<&'v Value>> {
        match self {
            Target::Array(items) => Some(items.iter().collect()),
            Target::Nodes(nodes) => Some(nodes.to_vec()),
            _ => None,
        }
    }

    fn render(&self) -> String {
        match self {
            Target::Array(items) => excerpt::json_limited(items, excerpt::VALUE_MAX),
            Target::Nodes(nodes) => excerpt::json_limited(nodes, excerpt::VALUE_MAX),
            Target::Str(s) => excerpt::json_limited(s, excerpt::VALUE_MAX),
            Target::Object(m) => excerpt::json_limited(m, excerpt::VALUE_MAX),
            Target::Scalar(v) => excerpt::value(v),
        }
    }

    fn short(&self) -> String {
        match self {
            Target::Array(items) => excerpt::json_limited(items, excerpt::SHORT_MAX),
            Target::Nodes(nodes) => excerpt::json_limited(nodes, excerpt::SHORT_MAX),
            Target::Str(s) => excerpt::json_limited(s, excerpt::SHORT_MAX),
            Target::Object(m) => excerpt::json_limited(m, excerpt::SHORT_MAX),
            Target::Scalar(v) => excerpt::short(v),
        }
    }

    fn type_name(&self) -> &'static str {
        match self {
            Target::Array(_) | Target::Nodes(_) => "array",
            Target::Str(_) => "string",
            Target::Object(_) => "object",
            Target::Scalar(v) => excerpt::type_name(v),
        }
    }
}

/// True when a JSONPath (as written) can select at most one node: no wildcard, filter, slice,
/// union or descendant segment.
pub(crate) fn is_singular(path: &str) -> bool {
    let mut quote: Option<char> = None;
    let mut escaped = false;
    let mut prev = '\0';
    for c in path.chars() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
        } else {
            match c {
                '\'' | '"' => quote = Some(c),
                '*' | '?' | ':' | ',' => return false,
                '.' if prev == '.' => return false,
                _ => {}
            }
        }
        prev = c;
    }
    true
}

/// Chooses the target, or `None` when a singular path selects nothing.
fn target<'n, 'v>(a: &Assertion, nodes: &'n [&'v Value]) -> Option<Target<'n, 'v>> {
    if let [one] = nodes {
        let one: &'v Value = one;
        return Some(match one {
            Value::Array(items) => Target::Array(items),
            _ if !is_singular(&a.path_text) => Target::Nodes(nodes),
            Value::String(s) => Target::Str(s),
            Value::Object(m) => Target::Object(m),
            other => Target::Scalar(other),
        });
    }
    if nodes.is_empty() && is_singular(&a.path_text) {
        return None;
    }
    Some(Target::Nodes(nodes))
}

fn report(
    a: &Assertion,
    doc: &Value,
    target: &Target<'_, '_>,
    mut m: Mismatch,
    out: &mut Vec<Failure>,
) {
    let item = m.item.take();
    let mut f = from_mismatch(a, m);
    match (target, item) {
        (Target::Nodes(_), Some(j)) => {
            f.loc = location(&a.path, doc, j);
            f.show_loc = true;
        }
        (Target::Nodes(_), None) => {}
        (_, Some(j)) => {
            f.loc = location(&a.path, doc, 0).map(|l| format!("{l}[{j}]"));
            f.show_loc = true;
        }
        (_, None) => {
            f.loc = location(&a.path, doc, 0);
            f.show_loc = !is_singular(&a.path_text);
        }
    }
    out.push(f);
}

fn not_a_list(t: &Target<'_, '_>, wanted: &str) -> Mismatch {
    Mismatch::new(format!("expected {wanted}, got {}", t.type_name())).with_actual(t.render())
}

/// `length`: bounds on the length of the array, string, object or node list.
pub(crate) fn length(
    a: &Assertion,
    doc: &Value,
    nodes: &[&Value],
    spec: &LengthSpec,
    out: &mut Vec<Failure>,
) {
    let Some(t) = target(a, nodes) else {
        out.push(Failure::new(a, Msg::NoValue));
        return;
    };
    let len = match &t {
        Target::Array(items) => items.len(),
        Target::Nodes(nodes) => nodes.len(),
        Target::Str(s) => s.chars().count(),
        Target::Object(m) => m.len(),
        Target::Scalar(_) => {
            let m = not_a_list(&t, "an array, string or object");
            return report(a, doc, &t, m, out);
        }
    };
    if spec.min.is_some_and(|min| len < min) || spec.max.is_some_and(|max| len > max) {
        let want = describe_len(spec);
        let mut m =
            Mismatch::new(format!("expected length {want}, got {len}")).with_actual(t.render());
        m.expected = Some(want);
        report(a, doc, &t, m, out);
    }
}

fn describe_len(spec: &LengthSpec) -> String {
    match (spec.min, spec.max) {
        (Some(lo), Some(hi)) if lo == hi => lo.to_string(),
        (Some(lo), Some(hi)) => format!("between {lo} and {hi}"),
        (Some(lo), None) => format!("at least {lo}"),
        (None, Some(hi)) => format!("at most {hi}"),
        (None, None) => "of any size".to_owned(),
    }
}

/// `contains`: the array (or node list) has an equal element, or the string has the substring.
pub(crate) fn contains(
    a: &Assertion,
    doc: &Value,
    nodes: &[&Value],
    needle: &Value,
    out: &mut Vec<Failure>,
) {
    let Some(t) = target(a, nodes) else {
        out.push(Failure::new(a, Msg::NoValue));
        return;
    };
    let (found, kind) = match (&t, needle) {
        (Target::Array(items), _) => (items.iter().any(|v| json_eq(v, needle)), "an array"),
        (Target::Nodes(nodes), _) => (nodes.iter().any(|v| json_eq(v, needle)), "an array"),
        (Target::Str(s), Value::String(n)) => (s.contains(n.as_str()), "a string"),
        (Target::Str(_), other) => {
            let what = format!(
                "contains on a string needs a string, got {}",
                excerpt::type_name(other)
            );
            return report(a, doc, &t, Mismatch::new(what).with_actual(t.render()), out);
        }
        _ => return report(a, doc, &t, not_a_list(&t, "an array or string"), out),
    };
    if !found {
        let what = format!(
            "expected {kind} containing {}, got {}",
            excerpt::short(needle),
            t.short()
        );
        let mut m = Mismatch::new(what).with_actual(t.render());
        m.expected = Some(format!("contains {}", excerpt::value(needle)));
        report(a, doc, &t, m, out);
    }
}

/// A hashable stand-in for a JSON value; numbers are normalised so `1` and `1.0` collide.
#[derive(PartialEq, Eq, Hash)]
enum UniqueKey<'v> {
    Null,
    Bool(bool),
    Int(i128),
    Float(u64),
    Str(&'v str),
    /// Arrays and objects, as canonical JSON.
    Json(String),
}

fn unique_key(v: &Value) -> UniqueKey<'_> {
    match v {
        Value::Null => UniqueKey::Null,
        Value::Bool(b) => UniqueKey::Bool(*b),
        Value::String(s) => UniqueKey::Str(s),
        Value::Number(n) => match (as_int(n), n.as_f64()) {
            (Some(i), _) => UniqueKey::Int(i),
            (None, Some(f)) if f.fract() == 0.0 && f.abs() < 1e30 => UniqueKey::Int(f as i128),
            (None, Some(f)) => UniqueKey::Float((f + 0.0).to_bits()),
            (None, None) => UniqueKey::Json(n.to_string()),
        },
        other => UniqueKey::Json(crate::canonical::canonical_text(other)),
    }
}

/// `unique`: no two items of the array (or node list) are equal.
pub(crate) fn unique(a: &Assertion, doc: &Value, nodes: &[&Value], out: &mut Vec<Failure>) {
    let Some(t) = target(a, nodes) else {
        out.push(Failure::new(a, Msg::NoValue));
        return;
    };
    let Some(items) = t.items() else {
        return report(a, doc, &t, not_a_list(&t, "an array"), out);
    };
    let mut seen: HashMap<UniqueKey<'_>, usize> = HashMap::with_capacity(items.len());
    for (j, v) in items.iter().enumerate() {
        match seen.entry(unique_key(v)) {
            Entry::Vacant(e) => {
                e.insert(j);
            }
            Entry::Occupied(e) => {
                let i = *e.get();
                let what = format!(
                    "expected unique values, but items {i} and {j} are both {}",
                    excerpt::short(v)
                );
                let mut m = Mismatch::new(what).with_actual(excerpt::value(v));
                m.item = Some(j);
                return report(a, doc, &t, m, out);
            }
        }
    }
}

/// `sorted`: items (or their `by` keys) are in non-decreasing (`asc`) or non-increasing (`desc`)
/// order; instants compare as instants, then numbers, then strings.
pub(crate) fn sorted(
    a: &Assertion,
    doc: &Value,
    nodes: &[&Value],
    by: Option<&JsonPath>,
    by_text: Option<&str>,
    order: Order,
    out: &mut Vec<Failure>,
) {
    let Some(t) = target(a, nodes) else {
        out.push(Failure::new(a, Msg::NoValue));
        return;
    };
    let Some(items) = t.items() else {
        return report(a, doc, &t, not_a_list(&t, "an array"), out);
    };
    let by_text = by_text.unwrap_or("$");
    let mut keys: Vec<(Key<'_>, &Value)> = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let key_value = match by {
            None => *item,
            Some(p) => {
                let found = p.query(item);
                match (found.first(), found.len()) {
                    (Some(v), 1) => v,
                    (_, n) => {
                        let what = match n {
                            0 => format!("item {i} has no sort key {by_text}"),
                            n => format!(
                                "sort key {by_text} selects {n} values in item {i}, expected one"
                            ),
                        };
                        let mut m = Mismatch::new(what).with_actual(excerpt::value(item));
                        m.item = Some(i);
                        return report(a, doc, &t, m, out);
                    }
                }
            }
        };
        keys.push((Key::of(key_value), key_value));
    }
    let (name, bad, sign) = match order {
        Order::Asc => ("ascending", std::cmp::Ordering::Greater, '>'),
        Order::Desc => ("descending", std::cmp::Ordering::Less, '<'),
    };
    let by_label = if by.is_some() {
        format!(" by {by_text}")
    } else {
        String::new()
    };
    for (i, pair) in keys.windows(2).enumerate() {
        let [(ka, va), (kb, vb)] = pair else { continue };
        let what = match ordering::cmp_keys(ka, kb) {
            Ok(o) if o != bad => continue,
            Ok(_) => format!(
                "expected {name} order{by_label}, but item {i} ({}) {sign} item {} ({})",
                ordering::describe_value(va),
                i + 1,
                ordering::describe_value(vb)
            ),
            Err(e) => format!("cannot order items {i} and {}{by_label}: {e}", i + 1),
        };
        let mut m = Mismatch::new(what);
        m.expected = Some(format!("{name}{by_label}"));
        m.actual = Some(t.render());
        m.item = Some(i + 1);
        return report(a, doc, &t, m, out);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::case::model::{Level, Op};
    use crate::check::assertion::eval;
    use crate::check::testutil::*;

    fn run(a: Assertion, body: &Value) -> Vec<String> {
        let t = Fixture::new();
        let mut out = Vec::new();
        eval(&a, body, &t.ctx(), &mut out);
        out.into_iter().map(|f| f.into_finding(0).message).collect()
    }

    fn len(min: Option<usize>, max: Option<usize>) -> Op {
        Op::Length(LengthSpec { min, max })
    }

    fn sorted(by: Option<&str>, order: Order) -> Op {
        Op::Sorted {
            by: by.map(jp),
            by_text: by.map(str::to_owned),
            order,
        }
    }

    #[test]
    fn singular_paths() {
        for p in ["$", "$.a", "$.a[0].b", "$['a*b']", "$[\"x,y\"]", "$.a[-1]"] {
            assert!(is_singular(p), "{p}");
        }
        for p in ["$.a[*]", "$..a", "$.a[0:2]", "$.a[0,1]", "$.a[?@.b]", "$.*"] {
            assert!(!is_singular(p), "{p}");
        }
    }

    #[test]
    fn length_of_array_string_object_and_node_list() {
        let body = json!({"a": [1, 2, 3], "s": "héllo", "o": {"x": 1}, "n": 5, "e": []});
        assert!(run(assertion("$.a", len(Some(3), Some(3))), &body).is_empty());
        assert!(run(assertion("$.s", len(Some(5), Some(5))), &body).is_empty());
        assert!(run(assertion("$.o", len(None, Some(1))), &body).is_empty());
        assert!(run(assertion("$.a[*]", len(Some(3), None)), &body).is_empty());
        assert!(run(assertion("$.e[*]", len(None, Some(0))), &body).is_empty());
        assert_eq!(
            run(assertion("$.a", len(Some(1), Some(2))), &body),
            vec!["$.a: expected length between 1 and 2, got 3"]
        );
        assert_eq!(
            run(assertion("$.a[*]", len(Some(4), None)), &body),
            vec!["$.a[*]: expected length at least 4, got 3"]
        );
        assert_eq!(
            run(assertion("$.s", len(None, Some(2))), &body),
            vec!["$.s: expected length at most 2, got 5"]
        );
        assert_eq!(
            run(assertion("$.n", len(Some(1), None)), &body),
            vec!["$.n: expected an array, string or object, got number"]
        );
        assert_eq!(
            run(assertion("$.missing", len(Some(1), None)), &body),
            vec!["no value at $.missing"]
        );
    }

    #[test]
    fn length_warn_level() {
        let t = Fixture::new();
        let mut out = Vec::new();
        eval(
            &warn(assertion("$.a", len(Some(5), None))),
            &json!({"a": []}),
            &t.ctx(),
            &mut out,
        );
        assert_eq!(out[0].level, Level::Warn);
    }

    #[test]
    fn contains_in_arrays_node_lists_and_strings() {
        let body = json!({"roles": ["admin", "member"], "users": [{"id": "u1"}, {"id": "u2"}], "s": "Bearer abc", "n": 1});
        assert!(run(assertion("$.roles", Op::Contains(json!("admin"))), &body).is_empty());
        assert!(run(assertion("$.users[*].id", Op::Contains(json!("u2"))), &body).is_empty());
        assert!(
            run(
                assertion("$.users", Op::Contains(json!({"id": "u1"}))),
                &body
            )
            .is_empty()
        );
        assert!(run(assertion("$.s", Op::Contains(json!("Bearer"))), &body).is_empty());
        assert_eq!(
            run(assertion("$.roles", Op::Contains(json!("owner"))), &body),
            vec![r#"$.roles: expected an array containing "owner", got ["admin","member"]"#]
        );
        assert_eq!(
            run(assertion("$.s", Op::Contains(json!("Basic"))), &body),
            vec![r#"$.s: expected a string containing "Basic", got "Bearer abc""#]
        );
        assert_eq!(
            run(assertion("$.n", Op::Contains(json!(1))), &body),
            vec!["$.n: expected an array or string, got number"]
        );
    }

    #[test]
    fn unique_over_node_lists_and_arrays() {
        let body = json!({"sessions": [{"session_id": "a"}, {"session_id": "b"}, {"session_id": "a"}], "nums": [1, 2, 1.0], "objs": [{"x": 1}, {"x": 1}]});
        assert!(run(assertion("$.sessions[0:2]", Op::Unique), &body).is_empty());
        assert!(
            run(
                assertion("$.sessions[*].session_id", Op::Unique),
                &json!({"sessions": []})
            )
            .is_empty()
        );
        assert_eq!(
            run(assertion("$.sessions[*].session_id", Op::Unique), &body),
            vec![
                r#"$.sessions[*].session_id: expected unique values, but items 0 and 2 are both "a" at $['sessions'][2]['session_id']"#
            ]
        );
        assert_eq!(
            run(assertion("$.nums", Op::Unique), &body),
            vec!["$.nums: expected unique values, but items 0 and 2 are both 1.0 at $['nums'][2]"]
        );
        assert_eq!(run(assertion("$.objs", Op::Unique), &body).len(), 1);
        assert_eq!(
            run(assertion("$.sessions[0]", Op::Unique), &body),
            vec![r#"$.sessions[0]: expected an array, got object"#]
        );
    }

    #[test]
    fn sorted_by_instants_across_precisions_and_epochs() {
        let body = json!({"s": [
            {"t": "2024-05-01T10:00:00Z"},
            {"t": "2024-05-01T10:00:00.000001Z"},
            {"t": 1_714_557_601_000_u64},
            {"t": 1_714_557_602},
            {"t": "2024-05-01T10:00:02.5+00:00"}
        ]});
        assert!(run(assertion("$.s", sorted(Some("$.t"), Order::Asc)), &body).is_empty());
        assert!(run(assertion("$.s[*].t", sorted(None, Order::Asc)), &body).is_empty());
        assert_eq!(
            run(assertion("$.s", sorted(Some("$.t"), Order::Desc)), &body),
            vec![
                r#"$.s: expected descending order by $.t, but item 0 ("2024-05-01T10:00:00Z") < item 1 ("2024-05-01T10:00:00.000001Z") at $['s'][1]"#
            ]
        );
    }

    #[test]
    fn sorted_numbers_strings_and_errors() {
        let body = json!({"n": [1, 2, 2, 10], "w": ["b", "a"], "m": ["2024-05-01T10:00:00Z", "x"], "k": [{"t": 1}, {}]});
        assert!(run(assertion("$.n", sorted(None, Order::Asc)), &body).is_empty());
        assert_eq!(
            run(assertion("$.w", sorted(None, Order::Asc)), &body),
            vec![r#"$.w: expected ascending order, but item 0 ("b") > item 1 ("a") at $['w'][1]"#]
        );
        let m = run(assertion("$.m", sorted(None, Order::Asc)), &body);
        assert!(
            m[0].starts_with("$.m: cannot order items 0 and 1: cannot compare a timestamp"),
            "{m:?}"
        );
        assert_eq!(
            run(assertion("$.k", sorted(Some("$.t"), Order::Asc)), &body),
            vec!["$.k: item 1 has no sort key $.t at $['k'][1]"]
        );
        assert_eq!(
            run(assertion("$.x", sorted(None, Order::Asc)), &body),
            vec!["no value at $.x"]
        );
    }
}
