//! Compiles one `assert:` entry (and the nested ones of `every` and `jwt`) into an
//! [`Assertion`] with exactly one operator.

use regex::Regex;
use serde_json::Value;
use serde_saphyr::Spanned;

use super::{Compiler, Names};
use crate::case::model::{Assertion, CmpOp, JsonType, JwtVerify, Op, Order};
use crate::case::raw::RawAssertion;
use crate::case::scalar::{length_spec, parse_duration_value, parse_operand};
use crate::source::Span;

impl Compiler<'_> {
    pub(super) fn assertion(
        &mut self,
        sa: Spanned<RawAssertion>,
        names: &mut Names,
    ) -> Option<Assertion> {
        let span = self.span(&sa);
        let a = sa.value;
        let level = self.level(a.level.as_deref(), &span);
        let path = self.jsonpath(&a.path, &span);
        let mut ops: Vec<Op> = Vec::new();
        let mut names_seen: Vec<&str> = Vec::new();
        if let Some(v) = a.equals {
            self.refs(&v, &span, names);
            ops.push(Op::Equals(v));
            names_seen.push("equals");
        }
        if let Some(v) = a.not_equals {
            self.refs(&v, &span, names);
            ops.push(Op::NotEquals(v));
            names_seen.push("not_equals");
        }
        if let Some(b) = a.exists {
            ops.push(if b { Op::Exists } else { Op::Absent });
            names_seen.push("exists");
        }
        if let Some(b) = a.absent {
            ops.push(if b { Op::Absent } else { Op::Exists });
            names_seen.push("absent");
        }
        if let Some(re) = a.matches {
            match Regex::new(&re) {
                Ok(r) => ops.push(Op::Matches(r)),
                Err(e) => self.err(&span, format!("invalid regex `{re}`: {e}"), None),
            }
            names_seen.push("matches");
        }
        if let Some(t) = a.type_ {
            let ty = match t.as_str() {
                "string" => Some(JsonType::String),
                "number" => Some(JsonType::Number),
                "integer" => Some(JsonType::Integer),
                "boolean" => Some(JsonType::Boolean),
                "array" => Some(JsonType::Array),
                "object" => Some(JsonType::Object),
                "null" => Some(JsonType::Null),
                _ => None,
            };
            match ty {
                Some(ty) => ops.push(Op::Type(ty)),
                None => self.err(
                    &span,
                    format!("unknown type `{t}`"),
                    Some("string, number, integer, boolean, array, object or null"),
                ),
            }
            names_seen.push("type");
        }
        if let Some(l) = a.length {
            match length_spec(&l) {
                Some(ls) => ops.push(Op::Length(ls)),
                None => self.err(
                    &span,
                    format!("invalid length `{l}`"),
                    Some("use a number or `{min: N, max: M}` with N <= M"),
                ),
            }
            names_seen.push("length");
        }
        if let Some(v) = a.contains {
            self.refs(&v, &span, names);
            ops.push(Op::Contains(v));
            names_seen.push("contains");
        }
        if let Some(v) = a.one_of {
            self.refs(&v, &span, names);
            let ok = matches!(&v, Value::Array(_))
                || matches!(&v, Value::String(s) if s.trim_start().starts_with("${"));
            if !ok {
                self.err(
                    &span,
                    "`one_of` needs a list (or a `${...}` that renders to one)",
                    None,
                );
            }
            ops.push(Op::OneOf(v));
            names_seen.push("one_of");
        }
        if let Some(u) = a.unique {
            if u {
                ops.push(Op::Unique);
            }
            names_seen.push("unique");
        }
        if let Some(items) = a.every {
            let mut nested = Vec::new();
            for i in items {
                if let Some(n) = self.assertion(i, names) {
                    nested.push(n);
                }
            }
            ops.push(Op::Every(nested));
            names_seen.push("every");
        }
        if let Some(s) = a.sorted {
            if let Some(op) = self.sorted(&s, &span) {
                ops.push(op);
            }
            names_seen.push("sorted");
        }
        for (key, val, op) in [
            ("before", a.before, CmpOp::Before),
            ("not_after", a.not_after, CmpOp::NotAfter),
            ("after", a.after, CmpOp::After),
            ("not_before", a.not_before, CmpOp::NotBefore),
            ("gt", a.gt, CmpOp::Gt),
            ("gte", a.gte, CmpOp::Ge),
            ("lt", a.lt, CmpOp::Lt),
            ("lte", a.lte, CmpOp::Le),
        ] {
            if let Some(v) = val {
                self.refs(&v, &span, names);
                match parse_operand(&v) {
                    Ok(rhs) if op.is_numeric() && !numeric_operand(&rhs) => self.err(
                        &span,
                        format!("invalid `{key}` operand `{}`: compare numbers with a number or a JSONPath", rhs.text),
                        Some("`gte: 400`, `lt: $.limit`; for times use before, not_after, after, not_before"),
                    ),
                    Ok(rhs) => ops.push(Op::Compare { op, rhs }),
                    Err(e) => self.err(&span, format!("invalid `{key}` operand: {e}"), Some("use `now`, `now+5m`, a JSONPath such as `$.started_at` (optionally `+300s`), or a literal")),
                }
                names_seen.push(key);
            }
        }
        if let Some(j) = a.jwt {
            let mut header = Vec::new();
            for i in j.header {
                if let Some(n) = self.assertion(i, names) {
                    header.push(n);
                }
            }
            let mut claims = Vec::new();
            for i in j.claims {
                if let Some(n) = self.assertion(i, names) {
                    claims.push(n);
                }
            }
            let skew_s = match j.skew.as_ref().map(parse_duration_value) {
                None => 60,
                Some(Ok(d)) => d.as_secs(),
                Some(Err(e)) => {
                    self.err(
                        &span,
                        format!("invalid jwt `skew`: {e}"),
                        Some("e.g. `skew: 30s`"),
                    );
                    60
                }
            };
            let verify = j.jwks.map(|jwks| {
                self.refs(&jwks, &span, names);
                JwtVerify { jwks, skew_s }
            });
            ops.push(Op::Jwt {
                header,
                claims,
                verify,
            });
            names_seen.push("jwt");
        }
        if names_seen.len() != 1 {
            let msg = if names_seen.is_empty() {
                format!("assertion on `{}` has no operator", a.path)
            } else {
                format!(
                    "assertion on `{}` has several operators ({}); write one assertion per operator",
                    a.path,
                    names_seen.join(", ")
                )
            };
            self.err(&span, msg, Some(OPERATORS));
            return None;
        }
        let op = ops.pop()?;
        Some(Assertion {
            path_text: a.path,
            path: path?,
            op,
            level,
            note: a.note,
            span,
        })
    }

    fn sorted(&mut self, v: &Value, sp: &Span) -> Option<Op> {
        let (by, order) = match v {
            Value::String(o) => (None, o.as_str()),
            Value::Object(m) => (
                m.get("by").and_then(Value::as_str),
                m.get("order").and_then(Value::as_str).unwrap_or("asc"),
            ),
            _ => {
                self.err(
                    sp,
                    "invalid `sorted`",
                    Some("use `asc`, `desc` or `{by: $.created_at, order: desc}`"),
                );
                return None;
            }
        };
        let order = match order {
            "asc" => Order::Asc,
            "desc" => Order::Desc,
            other => {
                self.err(
                    sp,
                    format!("invalid sort order `{other}`"),
                    Some("use `asc` or `desc`"),
                );
                return None;
            }
        };
        let by_text = by.map(|b| {
            if b.starts_with('$') {
                b.to_owned()
            } else {
                format!("$.{b}")
            }
        });
        let by = match &by_text {
            Some(b) => Some(self.jsonpath(b, sp)?),
            None => None,
        };
        Some(Op::Sorted { by, by_text, order })
    }
}

/// Every assertion operator, for hints.
const OPERATORS: &str = "operators: equals, not_equals, exists, absent, matches, type, length, contains, one_of, unique, every, sorted, before, not_after, after, not_before, gt, gte, lt, lte, jwt";

/// A numeric operator's operand: a number literal (or a template that becomes one) or a
/// JSONPath, without `now` and without a time shift.
fn numeric_operand(rhs: &crate::case::model::Operand) -> bool {
    use crate::case::model::OperandBase;
    rhs.shift_ms == 0
        && match &rhs.base {
            OperandBase::Now => false,
            OperandBase::Path(_) => true,
            OperandBase::Literal(v) => v.is_number() || v.is_string(),
        }
}
