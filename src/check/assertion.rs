//! JSONPath assertions: evaluation of every operator against a document (the body, an `every`
//! item or a decoded JWT part).

use std::borrow::Cow;

use serde_json::Value;
use serde_json_path::JsonPath;

use crate::case::model::{Assertion, CmpOp, JsonType, JwtVerify, Op, Operand, OperandBase};
use crate::result::Finding;

use super::collection;
use super::failure::{Failure, Join, Msg};
use super::ordering::{self, Key, json_eq};
use super::{CheckContext, excerpt, jwt};

/// Findings reported per `every` assertion before the rest are summarised.
const MAX_EVERY: usize = 10;

/// Evaluates assertions against the body and appends their findings.
pub(crate) fn check(
    assertions: &[Assertion],
    body: &Value,
    ctx: &CheckContext<'_>,
    out: &mut Vec<Finding>,
) {
    let mut failures = Vec::new();
    for a in assertions {
        eval(a, body, ctx, &mut failures);
    }
    out.extend(failures.into_iter().map(|f| f.into_finding(ctx.step)));
}

/// Why one value failed a per-value check.
pub(crate) struct Mismatch {
    pub what: String,
    pub expected: Option<String>,
    pub actual: Option<String>,
    pub detail: Option<String>,
    /// Index of the offending item inside a collection target.
    pub item: Option<usize>,
}

impl Mismatch {
    pub(crate) fn new(what: impl Into<String>) -> Self {
        Self {
            what: what.into(),
            expected: None,
            actual: None,
            detail: None,
            item: None,
        }
    }

    fn values(mut self, expected: Option<String>, actual: Option<String>) -> Self {
        self.expected = expected;
        self.actual = actual;
        self
    }

    pub(crate) fn with_actual(mut self, actual: String) -> Self {
        self.actual = Some(actual);
        self
    }
}

/// Evaluates one assertion against `doc`.
pub(crate) fn eval(a: &Assertion, doc: &Value, ctx: &CheckContext<'_>, out: &mut Vec<Failure>) {
    let nodes = a.path.query(doc).all();
    match &a.op {
        Op::Exists => {
            if nodes.is_empty() {
                out.push(Failure::new(a, Msg::NoValue));
            }
        }
        Op::Absent => {
            if let Some(first) = nodes.first() {
                let what = match nodes.len() {
                    1 => format!("expected no value, got {}", excerpt::short(first)),
                    n => format!("expected no value, got {n} values"),
                };
                let mut f = Failure::what(a, what);
                f.actual = Some(excerpt::value(first));
                f.loc = location(&a.path, doc, 0);
                f.show_loc = !collection::is_singular(&a.path_text);
                out.push(f);
            }
        }
        Op::Equals(t) => {
            let Some(exp) = expand(a, t, ctx, out) else {
                return;
            };
            per_node(a, doc, &nodes, out, |n| {
                (!json_eq(&exp, n)).then(|| not_equal(&exp, n))
            });
        }
        Op::NotEquals(t) => {
            let Some(exp) = expand(a, t, ctx, out) else {
                return;
            };
            per_node(a, doc, &nodes, out, |n| {
                json_eq(&exp, n).then(|| {
                    Mismatch::new(format!(
                        "expected a value other than {}",
                        excerpt::short(&exp)
                    ))
                    .values(
                        Some(format!("not {}", excerpt::value(&exp))),
                        Some(excerpt::value(n)),
                    )
                })
            });
        }
        Op::Matches(re) => per_node(a, doc, &nodes, out, |n| {
            if matches!(n, Value::String(s) if re.is_match(s)) {
                return None;
            }
            let pattern = format!("/{}/", excerpt::one_line(re.as_str()));
            let what = match n {
                Value::String(_) => format!("{} does not match {pattern}", excerpt::short(n)),
                other => format!(
                    "expected a string matching {pattern}, got {} {}",
                    excerpt::type_name(other),
                    excerpt::short(other)
                ),
            };
            Some(Mismatch::new(what).values(Some(pattern), Some(excerpt::value(n))))
        }),
        Op::Type(t) => per_node(a, doc, &nodes, out, |n| {
            (!has_type(*t, n)).then(|| {
                Mismatch::new(format!(
                    "expected type {}, got {} {}",
                    type_label(*t),
                    excerpt::type_name(n),
                    excerpt::short(n)
                ))
                .values(Some(type_label(*t).to_owned()), Some(excerpt::value(n)))
            })
        }),
        Op::OneOf(t) => {
            let Some(options) = expand(a, t, ctx, out) else {
                return;
            };
            let Value::Array(list) = options.as_ref() else {
                let what = format!(
                    "one_of needs a list of values, got {}",
                    excerpt::short(&options)
                );
                out.push(Failure::what(a, what));
                return;
            };
            per_node(a, doc, &nodes, out, |n| {
                (!list.iter().any(|o| json_eq(o, n))).then(|| {
                    Mismatch::new(format!(
                        "expected one of {}, got {}",
                        excerpt::short(&options),
                        excerpt::short(n)
                    ))
                    .values(Some(excerpt::value(&options)), Some(excerpt::value(n)))
                })
            });
        }
        Op::Length(spec) => collection::length(a, doc, &nodes, spec, out),
        Op::Contains(t) => {
            let Some(needle) = expand(a, t, ctx, out) else {
                return;
            };
            collection::contains(a, doc, &nodes, &needle, out);
        }
        Op::Unique => collection::unique(a, doc, &nodes, out),
        Op::Sorted { by, by_text, order } => {
            collection::sorted(a, doc, &nodes, by.as_ref(), by_text.as_deref(), *order, out);
        }
        Op::Compare { op, rhs } => compare_op(a, doc, &nodes, *op, rhs, ctx, out),
        Op::Every(nested) => every(a, doc, &nodes, nested, ctx, out),
        Op::Jwt {
            header,
            claims,
            verify,
        } => jwt_op(a, doc, &nodes, (header, claims), verify.as_ref(), ctx, out),
    }
}

/// Normalized path of the `k`-th node `path` selects in `doc` (computed only on failure).
pub(crate) fn location(path: &JsonPath, doc: &Value, k: usize) -> Option<String> {
    path.query_located(doc)
        .get(k)
        .map(|n| n.location().to_string())
}

/// Renders an expected value's templates; borrows it when it has none.
fn expand<'t>(
    a: &Assertion,
    t: &'t Value,
    ctx: &CheckContext<'_>,
    out: &mut Vec<Failure>,
) -> Option<Cow<'t, Value>> {
    if !has_template(t) {
        return Some(Cow::Borrowed(t));
    }
    match ctx.scope.render(t) {
        Ok(v) => Some(Cow::Owned(v)),
        Err(e) => {
            out.push(Failure::what(
                a,
                format!("cannot render the expected value: {e}"),
            ));
            None
        }
    }
}

fn has_template(v: &Value) -> bool {
    match v {
        Value::String(s) => s.contains("${"),
        Value::Array(items) => items.iter().any(has_template),
        Value::Object(map) => map.values().any(has_template),
        _ => false,
    }
}

/// Applies `check` to every selected node; reports the first failing one and counts the rest.
fn per_node(
    a: &Assertion,
    doc: &Value,
    nodes: &[&Value],
    out: &mut Vec<Failure>,
    mut check: impl FnMut(&Value) -> Option<Mismatch>,
) {
    if nodes.is_empty() {
        out.push(Failure::new(a, Msg::NoValue));
        return;
    }
    let mut first = None;
    let mut more = 0;
    for (k, n) in nodes.iter().enumerate() {
        if let Some(m) = check(n) {
            if first.is_none() {
                first = Some((k, m));
            } else {
                more += 1;
            }
        }
    }
    if let Some((k, m)) = first {
        let mut f = from_mismatch(a, m);
        f.loc = location(&a.path, doc, k);
        f.show_loc = nodes.len() > 1 || !collection::is_singular(&a.path_text);
        f.more = more;
        out.push(f);
    }
}

/// A failure of `a` carrying a mismatch's message and values.
pub(crate) fn from_mismatch(a: &Assertion, m: Mismatch) -> Failure {
    let mut f = Failure::what(a, m.what);
    f.expected = m.expected;
    f.actual = m.actual;
    f.detail = m.detail;
    f
}

fn not_equal(expected: &Value, actual: &Value) -> Mismatch {
    let mut m = Mismatch::new(format!(
        "expected {}, got {}",
        excerpt::short(expected),
        excerpt::short(actual)
    ))
    .values(Some(excerpt::value(expected)), Some(excerpt::value(actual)));
    let structured = |v: &Value| v.is_array() || v.is_object();
    if structured(expected) || structured(actual) {
        m.detail = crate::text_diff::json_diff(expected, actual);
    }
    m
}

fn has_type(t: JsonType, v: &Value) -> bool {
    match t {
        JsonType::String => v.is_string(),
        JsonType::Number => v.is_number(),
        JsonType::Integer => match v {
            Value::Number(n) => {
                n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            _ => false,
        },
        JsonType::Boolean => v.is_boolean(),
        JsonType::Array => v.is_array(),
        JsonType::Object => v.is_object(),
        JsonType::Null => v.is_null(),
    }
}

fn type_label(t: JsonType) -> &'static str {
    match t {
        JsonType::String => "string",
        JsonType::Number => "number",
        JsonType::Integer => "integer",
        JsonType::Boolean => "boolean",
        JsonType::Array => "array",
        JsonType::Object => "object",
        JsonType::Null => "null",
    }
}

fn cmp_label(op: CmpOp) -> &'static str {
    match op {
        CmpOp::Before => "before",
        CmpOp::NotAfter => "at or before",
        CmpOp::After => "after",
        CmpOp::NotBefore => "at or after",
        CmpOp::Lt => "less than",
        CmpOp::Le => "at most",
        CmpOp::Gt => "greater than",
        CmpOp::Ge => "at least",
    }
}

/// The comparison key of `v`: numeric operators never read a number as a time.
fn key_for(op: CmpOp, v: &Value) -> Key<'_> {
    match v {
        Value::Number(n) if op.is_numeric() => Key::Num(n.as_f64().unwrap_or(f64::NAN)),
        other => Key::of(other),
    }
}

fn compare_op(
    a: &Assertion,
    doc: &Value,
    nodes: &[&Value],
    op: CmpOp,
    rhs: &Operand,
    ctx: &CheckContext<'_>,
    out: &mut Vec<Failure>,
) {
    if nodes.is_empty() {
        out.push(Failure::new(a, Msg::NoValue));
        return;
    }
    let rendered;
    let (base_key, base_value): (Key<'_>, Option<&Value>) = match &rhs.base {
        OperandBase::Now => (Key::Time(i128::from(ctx.now_ms) * 1_000_000), None),
        OperandBase::Path(p) => {
            let found = p.query(doc);
            match (found.first(), found.len()) {
                (Some(v), 1) => (key_for(op, v), Some(v)),
                (_, 0) => {
                    out.push(Failure::what(
                        a,
                        format!("operand {} selects no value", rhs.text),
                    ));
                    return;
                }
                (_, n) => {
                    out.push(Failure::what(
                        a,
                        format!("operand {} selects {n} values, expected one", rhs.text),
                    ));
                    return;
                }
            }
        }
        OperandBase::Literal(t) => {
            let Some(v) = expand(a, t, ctx, out) else {
                return;
            };
            rendered = v;
            (key_for(op, &rendered), Some(rendered.as_ref()))
        }
    };
    let rkey = match base_key.shifted(rhs.shift_ms) {
        Ok(k) => k,
        Err(e) => {
            let got = base_value.map(ordering::describe_value).unwrap_or_default();
            out.push(Failure::what(
                a,
                format!("operand {} ({got}): {e}", rhs.text),
            ));
            return;
        }
    };
    let rhs_desc = || match (rkey, base_value) {
        (Key::Time(t), _) => format!("{} ({})", rhs.text, ordering::format_instant(t)),
        (_, Some(v)) => match excerpt::short(v) {
            shown if shown == rhs.text => shown,
            shown => format!("{} ({shown})", rhs.text),
        },
        _ => rhs.text.clone(),
    };
    per_node(a, doc, nodes, out, |n| {
        let holds = match ordering::cmp_keys(&key_for(op, n), &rkey) {
            Err(e) => {
                let what = format!(
                    "cannot compare {} with {}: {e}",
                    ordering::describe_value(n),
                    rhs_desc()
                );
                return Some(Mismatch::new(what).values(None, Some(excerpt::value(n))));
            }
            Ok(o) => match op {
                CmpOp::Before => o.is_lt(),
                CmpOp::NotAfter => o.is_le(),
                CmpOp::After => o.is_gt(),
                CmpOp::NotBefore => o.is_ge(),
                CmpOp::Lt => o.is_lt(),
                CmpOp::Le => o.is_le(),
                CmpOp::Gt => o.is_gt(),
                CmpOp::Ge => o.is_ge(),
            },
        };
        (!holds).then(|| {
            let expected = format!("{} {}", cmp_label(op), rhs_desc());
            let got = if op.is_numeric() {
                excerpt::short(n)
            } else {
                ordering::describe_value(n)
            };
            Mismatch::new(format!("expected {expected}, got {got}")).values(
                Some(expected),
                Some(excerpt::truncate(&got, excerpt::VALUE_MAX)),
            )
        })
    });
}

fn every(
    a: &Assertion,
    doc: &Value,
    nodes: &[&Value],
    nested: &[Assertion],
    ctx: &CheckContext<'_>,
    out: &mut Vec<Failure>,
) {
    if nodes.is_empty() {
        out.push(Failure::new(a, Msg::NoValue));
        return;
    }
    let mut shown = 0;
    let mut hidden = 0;
    let mut sub = Vec::new();
    for (k, node) in nodes.iter().enumerate() {
        let Value::Array(items) = node else {
            let mut f = Failure::what(
                a,
                format!("expected an array, got {}", excerpt::type_name(node)),
            );
            f.actual = Some(excerpt::value(node));
            f.loc = location(&a.path, doc, k);
            f.show_loc = nodes.len() > 1;
            out.push(f);
            continue;
        };
        let mut array_loc: Option<String> = None;
        for (i, item) in items.iter().enumerate() {
            for n in nested {
                eval(n, item, ctx, &mut sub);
            }
            if sub.is_empty() {
                continue;
            }
            let arr = array_loc
                .get_or_insert_with(|| location(&a.path, doc, k).unwrap_or_else(|| "$".into()));
            let path_prefix = format!("{}[{i}]", a.path_text);
            let loc_prefix = format!("{arr}[{i}]");
            for f in sub.drain(..) {
                if shown < MAX_EVERY {
                    out.push(f.nest(a, &path_prefix, &loc_prefix, Join::Item));
                    shown += 1;
                } else {
                    hidden += 1;
                }
            }
        }
    }
    if hidden > 0 {
        out.push(Failure::what(
            a,
            format!("… and {hidden} more failures in other items, not shown"),
        ));
    }
}

fn jwt_op(
    a: &Assertion,
    doc: &Value,
    nodes: &[&Value],
    (header, claims): (&[Assertion], &[Assertion]),
    verify: Option<&JwtVerify>,
    ctx: &CheckContext<'_>,
    out: &mut Vec<Failure>,
) {
    if nodes.is_empty() {
        out.push(Failure::new(a, Msg::NoValue));
        return;
    }
    for (k, node) in nodes.iter().enumerate() {
        let decoded = match node {
            // The token itself is never copied into the finding: it is a credential.
            Value::String(token) => jwt::decode(token).map_err(|e| (e, None)),
            other => Err((
                format!("expected a JWT string, got {}", excerpt::type_name(other)),
                Some(excerpt::value(other)),
            )),
        };
        let decoded = match decoded {
            Ok(d) => d,
            Err((what, actual)) => {
                let mut f = Failure::what(a, what);
                f.actual = actual;
                f.loc = location(&a.path, doc, k);
                f.show_loc = nodes.len() > 1;
                out.push(f);
                continue;
            }
        };
        if let (Some(v), Value::String(token)) = (verify, node) {
            let Some(mut jwks) = expand(a, &v.jwks, ctx, out) else {
                continue;
            };
            // A location (`/v1/sessions/jwks/…`): the key set the engine fetched from there.
            let fetched = match jwks.as_ref() {
                Value::String(at) => ctx.jwks.and_then(|m| m.get(at)).cloned(),
                _ => None,
            };
            match fetched {
                Some(Ok(set)) => jwks = std::borrow::Cow::Owned(set),
                Some(Err(why)) => {
                    let mut f = Failure::what(a, why);
                    f.loc = location(&a.path, doc, k);
                    out.push(f);
                    continue;
                }
                None => {}
            }
            if let Err(e) = jwt::verify(token, &decoded, &jwks, ctx.now_ms / 1000, v.skew_s) {
                let mut f = Failure::what(a, e.to_string());
                f.loc = location(&a.path, doc, k);
                f.show_loc = nodes.len() > 1;
                out.push(f);
            }
        }
        let mut sub = Vec::new();
        for (part, assertions, value) in [
            ("header", header, &decoded.header),
            ("claims", claims, &decoded.claims),
        ] {
            for n in assertions {
                eval(n, value, ctx, &mut sub);
            }
            if sub.is_empty() {
                continue;
            }
            let token_loc = location(&a.path, doc, k).unwrap_or_else(|| "$".into());
            let path_prefix = format!("{} (jwt {part})", a.path_text);
            let loc_prefix = format!("{token_loc} (jwt {part})");
            out.extend(
                sub.drain(..)
                    .map(|f| f.nest(a, &path_prefix, &loc_prefix, Join::Label)),
            );
        }
    }
}

#[cfg(test)]
#[path = "assertion_tests.rs"]
mod tests;
