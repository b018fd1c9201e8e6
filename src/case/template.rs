//! `${...}` templates: `${vars.x}`, `${env.NAME}` and `${capture}` (values captured by earlier
//! steps). A string that is exactly one placeholder renders to the referenced JSON value (keeping
//! its type); otherwise placeholders are interpolated as text. `$${` writes a literal `${`.

use std::collections::BTreeMap;

use serde_json::Value;

/// A reference found in a template.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Ref {
    /// `${vars.name}`.
    Var(String),
    /// `${env.NAME}`.
    Env(String),
    /// `${name}`: a value captured by an earlier step.
    Capture(String),
}

impl std::fmt::Display for Ref {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Ref::Var(n) => write!(f, "${{vars.{n}}}"),
            Ref::Env(n) => write!(f, "${{env.{n}}}"),
            Ref::Capture(n) => write!(f, "${{{n}}}"),
        }
    }
}

/// Why a template could not be rendered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    /// A placeholder is not closed or names nothing.
    #[error(
        "malformed placeholder in {0:?}: expected ${{vars.NAME}}, ${{env.NAME}} or ${{capture}}"
    )]
    Malformed(String),
    /// A referenced value is not available.
    #[error("{0} is not set")]
    Missing(Ref),
}

/// Values a template can reference.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// Variables (suite defaults, overridden by the target and `--var`).
    pub vars: BTreeMap<String, Value>,
    /// Values captured by earlier steps of the case.
    pub captures: BTreeMap<String, Value>,
    /// Environment overrides; when a name is absent here the process environment is read.
    pub env: BTreeMap<String, String>,
}

impl Scope {
    fn lookup(&self, r: &Ref) -> Result<Value, TemplateError> {
        let found = match r {
            Ref::Var(n) => self.vars.get(n).cloned(),
            Ref::Capture(n) => self.captures.get(n).cloned(),
            Ref::Env(n) => self
                .env
                .get(n)
                .cloned()
                .or_else(|| std::env::var(n).ok())
                .map(Value::String),
        };
        found.ok_or_else(|| TemplateError::Missing(r.clone()))
    }

    /// Renders every string inside `value`.
    pub fn render(&self, value: &Value) -> Result<Value, TemplateError> {
        match value {
            Value::String(s) => self.render_str_value(s),
            Value::Array(items) => items
                .iter()
                .map(|v| self.render(v))
                .collect::<Result<_, _>>()
                .map(Value::Array),
            Value::Object(map) => {
                let mut out = serde_json::Map::with_capacity(map.len());
                for (k, v) in map {
                    out.insert(k.clone(), self.render(v)?);
                }
                Ok(Value::Object(out))
            }
            other => Ok(other.clone()),
        }
    }

    /// Renders a template to text (non-string values are written as JSON).
    pub fn render_text(&self, value: &Value) -> Result<String, TemplateError> {
        Ok(match self.render(value)? {
            Value::String(s) => s,
            other => other.to_string(),
        })
    }

    fn render_str_value(&self, s: &str) -> Result<Value, TemplateError> {
        if !s.contains("${") {
            return Ok(Value::String(s.to_owned()));
        }
        let parts = parse(s)?;
        if let [Part::Ref(r)] = parts.as_slice() {
            return self.lookup(r);
        }
        let mut out = String::with_capacity(s.len());
        for part in parts {
            match part {
                Part::Text(t) => out.push_str(&t),
                Part::Ref(r) => match self.lookup(&r)? {
                    Value::String(v) => out.push_str(&v),
                    other => out.push_str(&other.to_string()),
                },
            }
        }
        Ok(Value::String(out))
    }
}

#[derive(Debug)]
enum Part {
    Text(String),
    Ref(Ref),
}

fn parse(s: &str) -> Result<Vec<Part>, TemplateError> {
    let mut parts = Vec::new();
    let mut text = String::new();
    let mut rest = s;
    while let Some(pos) = rest.find('$') {
        text.push_str(&rest[..pos]);
        let after = &rest[pos..];
        if let Some(stripped) = after.strip_prefix("$${") {
            text.push_str("${");
            rest = stripped;
        } else if let Some(inner) = after.strip_prefix("${") {
            let end = inner
                .find('}')
                .ok_or_else(|| TemplateError::Malformed(s.to_owned()))?;
            let name = inner[..end].trim();
            let r = parse_ref(name).ok_or_else(|| TemplateError::Malformed(s.to_owned()))?;
            if !text.is_empty() {
                parts.push(Part::Text(std::mem::take(&mut text)));
            }
            parts.push(Part::Ref(r));
            rest = &inner[end + 1..];
        } else {
            text.push('$');
            rest = &after[1..];
        }
    }
    text.push_str(rest);
    if !text.is_empty() {
        parts.push(Part::Text(text));
    }
    Ok(parts)
}

fn valid_name(n: &str) -> bool {
    !n.is_empty()
        && n.chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
}

fn parse_ref(name: &str) -> Option<Ref> {
    if let Some(v) = name.strip_prefix("vars.") {
        valid_name(v).then(|| Ref::Var(v.to_owned()))
    } else if let Some(e) = name.strip_prefix("env.") {
        valid_name(e).then(|| Ref::Env(e.to_owned()))
    } else {
        valid_name(name).then(|| Ref::Capture(name.to_owned()))
    }
}

/// Lists every reference in a value's strings (used by the loader to check names up front).
pub fn refs(value: &Value) -> Result<Vec<Ref>, TemplateError> {
    let mut out = Vec::new();
    collect(value, &mut out)?;
    Ok(out)
}

fn collect(value: &Value, out: &mut Vec<Ref>) -> Result<(), TemplateError> {
    match value {
        Value::String(s) if s.contains("${") => {
            for p in parse(s)? {
                if let Part::Ref(r) = p {
                    out.push(r);
                }
            }
        }
        Value::Array(items) => {
            for v in items {
                collect(v, out)?;
            }
        }
        Value::Object(map) => {
            for v in map.values() {
                collect(v, out)?;
            }
        }
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn scope() -> Scope {
        let mut s = Scope::default();
        s.vars.insert("user".into(), json!("u-1"));
        s.vars.insert("n".into(), json!(5));
        s.captures.insert("ids".into(), json!(["a", "b"]));
        s.env.insert("TOKEN".into(), "t0k".into());
        s
    }

    #[test]
    fn whole_placeholder_keeps_type() {
        assert_eq!(scope().render(&json!("${vars.n}")).unwrap(), json!(5));
        assert_eq!(scope().render(&json!("${ids}")).unwrap(), json!(["a", "b"]));
    }

    #[test]
    fn interpolates_text_and_escapes() {
        let v = scope()
            .render(&json!({"q": "id=${vars.user}&n=${vars.n} $${x} $5"}))
            .unwrap();
        assert_eq!(v, json!({"q": "id=u-1&n=5 ${x} $5"}));
        assert_eq!(
            scope().render_text(&json!("Bearer ${env.TOKEN}")).unwrap(),
            "Bearer t0k"
        );
    }

    #[test]
    fn missing_and_malformed() {
        assert_eq!(
            scope().render(&json!("${vars.nope}")),
            Err(TemplateError::Missing(Ref::Var("nope".into())))
        );
        assert!(matches!(
            scope().render(&json!("${vars.x")),
            Err(TemplateError::Malformed(_))
        ));
        assert!(matches!(
            scope().render(&json!("${a b}")),
            Err(TemplateError::Malformed(_))
        ));
    }

    #[test]
    fn lists_refs() {
        let r = refs(&json!(["${vars.a}", {"k": "${env.B}-${c}"}])).unwrap();
        assert_eq!(
            r,
            vec![
                Ref::Var("a".into()),
                Ref::Env("B".into()),
                Ref::Capture("c".into())
            ]
        );
    }
}
