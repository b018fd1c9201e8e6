//! Compiles a step's `expect:`: status, headers, schemas and snapshot (assertions are in
//! `assertion`).

use regex::Regex;
use serde_json::Value;

use super::{Compiler, Names};
use crate::case::model::{
    Expect, HeaderExpect, HeaderRule, Level, SchemaExpect, SnapshotExpect, StatusExpect,
    StatusPattern,
};
use crate::case::raw::RawExpect;
use crate::source::Span;

impl Compiler<'_> {
    pub(super) fn expect(&mut self, e: RawExpect, names: &mut Names) -> Expect {
        let status = e.status.as_ref().map(|s| {
            let sp = self.span(s);
            self.status(&s.value, &sp)
        });
        let mut headers = Vec::new();
        for (name, v) in e.headers {
            let sp = self.span(&v);
            let lname = name.to_ascii_lowercase();
            if reqwest::header::HeaderName::from_bytes(lname.as_bytes()).is_err() {
                self.err(&sp, format!("invalid header name `{name}`"), None);
            }
            let (rule, level) = self.header_rule(&v.value, &sp, names);
            headers.push(HeaderExpect {
                name: lname,
                rule,
                level,
                span: sp,
            });
        }
        let mut schemas = Vec::new();
        if let Some(s) = &e.schema {
            let sp = self.span(s);
            let items: Vec<Value> = match &s.value {
                Value::Array(a) => a.clone(),
                other => vec![other.clone()],
            };
            for item in items {
                let (id, level) = match &item {
                    Value::String(id) => (id.clone(), Level::Fail),
                    Value::Object(m) => {
                        let id = m
                            .get("id")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_owned();
                        let lvl = m.get("level").and_then(Value::as_str).map(str::to_owned);
                        let unknown: Vec<&String> =
                            m.keys().filter(|k| *k != "id" && *k != "level").collect();
                        if !unknown.is_empty() {
                            self.err(
                                &sp,
                                format!("unknown key(s) in schema entry: {unknown:?}"),
                                Some("use `{id: ID, level: warn}`"),
                            );
                        }
                        (id, self.level(lvl.as_deref(), &sp))
                    }
                    _ => {
                        self.err(
                            &sp,
                            "invalid `schema`",
                            Some("use a schema id, `{id: ID, level: warn}` or a list of them"),
                        );
                        continue;
                    }
                };
                if crate::schema::versioned::is_versioned(&id) {
                    let families = crate::schema::versioned::families(self.schemas, &id);
                    let umbrella = crate::schema::versioned::umbrella(&id);
                    if families.is_empty()
                        || !umbrella
                            .as_deref()
                            .is_some_and(|u| self.schemas.contains(u))
                    {
                        self.err(
                            &sp,
                            format!("versioned schema id `{id}` needs schemas for each API version and an umbrella id"),
                            Some("e.g. clerk/{api_version}/session needs clerk/<version>/session files and clerk/session"),
                        );
                    }
                } else if let Err(unknown) = self.schemas.check_id(&id) {
                    let hint = match &unknown.suggestion {
                        Some(s) => format!("did you mean `{s}`?"),
                        None => "a schema id is a path under specs/ without `.json`, e.g. stytch/sessions-get-response; add your own with --specs DIR".to_owned(),
                    };
                    self.err(&sp, format!("unknown schema id `{id}`"), Some(&hint));
                }
                schemas.push(SchemaExpect {
                    id,
                    level,
                    span: sp.clone(),
                });
            }
        }
        let mut assertions = Vec::new();
        for a in e.assert {
            if let Some(a) = self.assertion(a, names) {
                assertions.push(a);
            }
        }
        let snapshot = e.snapshot.map(|s| {
            let sp = self.span(&s);
            let level = self.level(s.value.level.as_deref(), &sp);
            let mut ignore = Vec::new();
            for p in s.value.ignore {
                if let Some(jp) = self.jsonpath(&p, &sp) {
                    ignore.push((p, jp));
                }
            }
            SnapshotExpect {
                file: s.value.file,
                ignore,
                level,
                span: sp,
            }
        });
        Expect {
            status,
            headers,
            schemas,
            assertions,
            snapshot,
        }
    }

    fn status(&mut self, v: &Value, sp: &Span) -> StatusExpect {
        let items: Vec<&Value> = match v {
            Value::Array(a) => a.iter().collect(),
            other => vec![other],
        };
        let mut allowed = Vec::new();
        for item in items {
            let pat = match item {
                Value::Number(n) => n
                    .as_u64()
                    .filter(|c| (100..=599).contains(c))
                    .map(|c| StatusPattern::Code(c as u16)),
                Value::String(s) => {
                    let s = s.trim().to_ascii_lowercase();
                    if let Some(d) = s.strip_suffix("xx").filter(|d| d.len() == 1) {
                        d.parse::<u8>()
                            .ok()
                            .filter(|d| (1..=5).contains(d))
                            .map(StatusPattern::Class)
                    } else {
                        s.parse::<u16>()
                            .ok()
                            .filter(|c| (100..=599).contains(c))
                            .map(StatusPattern::Code)
                    }
                }
                _ => None,
            };
            match pat {
                Some(p) => allowed.push(p),
                None => self.err(
                    sp,
                    format!("invalid status `{item}`"),
                    Some("use a code (200), a class (`4xx`) or a list of them"),
                ),
            }
        }
        if allowed.is_empty() && !matches!(v, Value::Array(_)) {
            // Already reported.
        } else if allowed.is_empty() {
            self.err(sp, "status list is empty", None);
        }
        StatusExpect {
            allowed,
            span: sp.clone(),
        }
    }

    fn header_rule(&mut self, v: &Value, sp: &Span, names: &mut Names) -> (HeaderRule, Level) {
        const HINT: &str = "use a string (exact), `{matches: REGEX}`, `{present: true}` or `{absent: true}`, optionally with `level: warn`";
        match v {
            Value::String(_) => {
                self.refs(v, sp, names);
                (HeaderRule::Equals(v.clone()), Level::Fail)
            }
            Value::Object(m) => {
                let level = self.level(m.get("level").and_then(Value::as_str), sp);
                let rules: Vec<&String> = m.keys().filter(|k| *k != "level").collect();
                if rules.len() != 1 {
                    self.err(
                        sp,
                        "a header expectation needs exactly one rule",
                        Some(HINT),
                    );
                    return (HeaderRule::Present, level);
                }
                let rule = match (rules[0].as_str(), &m[rules[0].as_str()]) {
                    ("equals", val) => {
                        self.refs(val, sp, names);
                        HeaderRule::Equals(val.clone())
                    }
                    ("matches", Value::String(re)) => match Regex::new(re) {
                        Ok(r) => HeaderRule::Matches(r),
                        Err(e) => {
                            self.err(sp, format!("invalid regex: {e}"), None);
                            HeaderRule::Present
                        }
                    },
                    ("present", Value::Bool(true)) | ("absent", Value::Bool(false)) => {
                        HeaderRule::Present
                    }
                    ("absent", Value::Bool(true)) | ("present", Value::Bool(false)) => {
                        HeaderRule::Absent
                    }
                    _ => {
                        self.err(
                            sp,
                            format!("invalid header rule `{}`", rules[0]),
                            Some(HINT),
                        );
                        HeaderRule::Present
                    }
                };
                (rule, level)
            }
            _ => {
                self.err(sp, "invalid header expectation", Some(HINT));
                (HeaderRule::Present, Level::Fail)
            }
        }
    }
}
