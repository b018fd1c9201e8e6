//! Compiles a step's `capture:`: names and where each value comes from (body or header).

use std::collections::BTreeMap;

use serde_json::Value;
use serde_saphyr::Spanned;

use super::{Compiler, Names};
use crate::case::model::{Capture, CaptureSource};

impl Compiler<'_> {
    pub(super) fn captures(
        &mut self,
        caps: BTreeMap<String, Spanned<Value>>,
        names: &mut Names,
    ) -> Vec<Capture> {
        let mut out = Vec::new();
        for (name, v) in caps {
            let sp = self.span(&v);
            if !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                || name.starts_with("vars")
                || name.starts_with("env")
            {
                self.err(
                    &sp,
                    format!("invalid capture name `{name}`"),
                    Some("use letters, digits, `_`, `-`; `vars`/`env` are reserved"),
                );
                continue;
            }
            let (source, secret) = match &v.value {
                Value::String(p) => match self.jsonpath(p, &sp) {
                    Some(jp) => (CaptureSource::Body(p.clone(), jp), false),
                    None => continue,
                },
                Value::Object(m) => {
                    let secret = m.get("secret").and_then(Value::as_bool).unwrap_or(false);
                    if let Some(Value::String(p)) = m.get("path") {
                        match self.jsonpath(p, &sp) {
                            Some(jp) => (CaptureSource::Body(p.clone(), jp), secret),
                            None => continue,
                        }
                    } else if let Some(Value::String(h)) = m.get("header") {
                        (CaptureSource::Header(h.to_ascii_lowercase()), secret)
                    } else {
                        self.err(
                            &sp,
                            "invalid capture",
                            Some("use a JSONPath, `{path: $.x, secret: true}` or `{header: NAME}`"),
                        );
                        continue;
                    }
                }
                _ => {
                    self.err(
                        &sp,
                        "invalid capture",
                        Some("use a JSONPath, `{path: $.x, secret: true}` or `{header: NAME}`"),
                    );
                    continue;
                }
            };
            names.captured.insert(name.clone());
            out.push(Capture {
                name,
                source,
                secret,
                span: sp,
            });
        }
        out
    }
}
