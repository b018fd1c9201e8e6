//! Compiles parsed suites into the validated [`Suite`] model: names, variables, templates,
//! schema ids, steps (requests, expectations, assertions, captures).
//!
//! Every problem is a [`Diagnostic`] with file, line, column and a hint; the compiler never
//! panics and reports all problems of a file at once.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use regex::Regex;
use serde_json::Value;
use serde_json_path::JsonPath;
use serde_saphyr::Spanned;

use super::discover::{LoadedSuite, MAX_FILE_BYTES, too_large};
use super::parse::{self, ParsedFile, ParsedSuites};
use super::plan::*;
use super::raw::*;
use super::scalar::{length_spec, parse_duration_value, parse_operand};
use super::template::{self, Ref};
use crate::diagnostic::{Diagnostic, LoadError, yaml_error};
use crate::schema::SchemaStore;
use crate::source::{SourceFile, Span};

/// Checks parsed suites against the schema store (schema ids, variables, names, ...).
pub fn compile_suites(
    parsed: ParsedSuites,
    schemas: &SchemaStore,
) -> Result<Vec<LoadedSuite>, LoadError> {
    let mut diagnostics = Vec::new();
    let mut suites: Vec<LoadedSuite> = Vec::new();
    let mut seen: BTreeMap<String, Span> = BTreeMap::new();
    for ParsedFile { file, dir, raw } in parsed.files {
        match raw.and_then(|raw| compile_suite(file, raw, schemas)) {
            Ok(suite) => {
                let span = Span::file_start(&suite.source);
                if let Some(prev) = seen.get(&suite.name) {
                    diagnostics.push(Diagnostic::at(
                        &span,
                        format!("duplicate suite name `{}`", suite.name),
                        Some(format!(
                            "also defined in {prev}; suite names must be unique"
                        )),
                    ));
                } else {
                    seen.insert(suite.name.clone(), span);
                }
                suites.push(LoadedSuite { suite, dir });
            }
            Err(e) => diagnostics.extend(e.diagnostics),
        }
    }
    if diagnostics.is_empty() {
        Ok(suites)
    } else {
        Err(LoadError { diagnostics })
    }
}

/// Parses and validates one suite from text.
pub fn parse_suite(name: &str, text: &str, schemas: &SchemaStore) -> Result<Suite, LoadError> {
    let file = SourceFile::new(name, text);
    if text.len() > MAX_FILE_BYTES {
        return Err(too_large(name, text.len()));
    }
    let raw = parse::whole(text).map_err(|e| yaml_error(&file, &e))?;
    compile_suite(file, raw, schemas)
}

fn compile_suite(
    file: Arc<SourceFile>,
    raw: RawSuite,
    schemas: &SchemaStore,
) -> Result<Suite, LoadError> {
    let mut cx = Compiler {
        file,
        schemas,
        diags: Vec::new(),
    };
    let suite = cx.suite(raw);
    if cx.diags.is_empty() {
        Ok(suite)
    } else {
        Err(LoadError {
            diagnostics: cx.diags,
        })
    }
}

struct Compiler<'a> {
    file: Arc<SourceFile>,
    schemas: &'a SchemaStore,
    diags: Vec<Diagnostic>,
}

/// Names visible to templates while compiling one case.
struct Names<'a> {
    vars: &'a BTreeMap<String, VarDecl>,
    captured: BTreeSet<String>,
    used_vars: BTreeSet<String>,
    used_env: BTreeSet<String>,
}

impl<'a> Compiler<'a> {
    fn span<T>(&self, s: &Spanned<T>) -> Span {
        Span::from_location(&self.file, s.referenced)
    }

    fn err(&mut self, span: &Span, message: impl Into<String>, hint: Option<&str>) {
        self.diags
            .push(Diagnostic::at(span, message, hint.map(str::to_owned)));
    }

    fn suite(&mut self, raw: RawSuite) -> Suite {
        let name = raw.suite.value.trim().to_owned();
        if name.is_empty() || name.contains("::") {
            let sp = self.span(&raw.suite);
            self.err(
                &sp,
                "suite name must be non-empty and must not contain `::`",
                None,
            );
        }
        let api = raw.api.value.trim().to_owned();
        if api.is_empty() {
            let sp = self.span(&raw.api);
            self.err(
                &sp,
                "api must be non-empty",
                Some("e.g. `stytch`, `stytch-b2b`, `clerk` or your own API name"),
            );
        }
        let mut vars = BTreeMap::new();
        for (k, v) in &raw.vars {
            let sp = self.span(v);
            vars.insert(k.clone(), self.var_decl(k, &v.value, &sp));
        }
        let mut cases = Vec::new();
        let mut names: BTreeMap<String, Span> = BTreeMap::new();
        for rc in raw.cases {
            let sp = self.span(&rc.name);
            let cname = rc.name.value.trim().to_owned();
            if let Some(prev) = names.get(&cname) {
                let hint =
                    format!("first defined at {prev}; case names must be unique within a suite");
                self.err(&sp, format!("duplicate case name `{cname}`"), Some(&hint));
            } else {
                names.insert(cname.clone(), sp.clone());
            }
            if let Some(c) = self.case(&name, &raw.tags, &vars, rc) {
                cases.push(c);
            }
        }
        if cases.is_empty() && self.diags.is_empty() {
            let sp = Span::file_start(&self.file);
            self.err(
                &sp,
                "suite has no cases",
                Some("add at least one entry under `cases:`"),
            );
        }
        Suite {
            name,
            api,
            description: raw.description.unwrap_or_default(),
            tags: raw.tags,
            serial: raw.serial,
            vars,
            cases,
            source: Arc::clone(&self.file),
        }
    }

    fn var_decl(&mut self, name: &str, v: &Value, sp: &Span) -> VarDecl {
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            self.err(
                sp,
                format!("invalid variable name `{name}`"),
                Some("use letters, digits, `_` and `-`"),
            );
        }
        const KEYS: [&str; 3] = ["default", "secret", "description"];
        match v {
            Value::Object(m) if !m.is_empty() && m.keys().all(|k| KEYS.contains(&k.as_str())) => {
                let secret = match m.get("secret") {
                    None => false,
                    Some(Value::Bool(b)) => *b,
                    Some(_) => {
                        self.err(sp, format!("`{name}.secret` must be true or false"), None);
                        false
                    }
                };
                VarDecl {
                    default: m.get("default").filter(|d| !d.is_null()).cloned(),
                    secret,
                    description: m
                        .get("description")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                }
            }
            Value::Null => VarDecl {
                default: None,
                secret: false,
                description: String::new(),
            },
            other => VarDecl {
                default: Some(other.clone()),
                secret: false,
                description: String::new(),
            },
        }
    }

    fn case(
        &mut self,
        suite: &str,
        suite_tags: &[String],
        vars: &BTreeMap<String, VarDecl>,
        rc: RawCase,
    ) -> Option<Case> {
        let span = self.span(&rc.name);
        let name = rc.name.value.trim().to_owned();
        if name.is_empty() {
            self.err(&span, "case name must be non-empty", None);
        }
        let mut names = Names {
            vars,
            captured: BTreeSet::new(),
            used_vars: BTreeSet::new(),
            used_env: BTreeSet::new(),
        };
        let mut steps = Vec::new();
        match (rc.request, rc.steps) {
            (Some(req), None) => {
                let raw = RawStep {
                    name: None,
                    request: req,
                    expect: rc.expect,
                    capture: rc.capture,
                };
                steps.push(self.step(0, raw, &mut names));
            }
            (None, Some(raw_steps)) => {
                if rc.expect.is_some() || !rc.capture.is_empty() {
                    self.err(
                        &span,
                        "`expect`/`capture` belong inside each step when `steps` is used",
                        None,
                    );
                }
                if raw_steps.is_empty() {
                    self.err(&span, "`steps` is empty", Some("add at least one step"));
                }
                for (i, rs) in raw_steps.into_iter().enumerate() {
                    steps.push(self.step(i, rs, &mut names));
                }
            }
            (Some(_), Some(_)) => {
                self.err(
                    &span,
                    "a case has either `request` or `steps`, not both",
                    None,
                );
                return None;
            }
            (None, None) => {
                self.err(
                    &span,
                    format!("case `{name}` has no `request` or `steps`"),
                    Some("add a `request:` with at least `path:`"),
                );
                return None;
            }
        }
        let mut tags: Vec<String> = suite_tags.to_vec();
        for t in rc.tags {
            if !tags.contains(&t) {
                tags.push(t);
            }
        }
        Some(Case {
            id: format!("{suite}::{name}"),
            name,
            description: rc.description.unwrap_or_default(),
            tags,
            span,
            steps,
            uses_vars: names.used_vars.into_iter().collect(),
            uses_env: names.used_env.into_iter().collect(),
            skip: rc.skip,
        })
    }

    /// Checks the references of a template value; records used vars/env.
    fn refs(&mut self, v: &Value, sp: &Span, names: &mut Names) {
        match template::refs(v) {
            Err(e) => self.err(sp, e.to_string(), None),
            Ok(refs) => {
                for r in refs {
                    match &r {
                        Ref::Var(n) => {
                            if names.vars.contains_key(n) {
                                names.used_vars.insert(n.clone());
                            } else {
                                let declared: Vec<&str> =
                                    names.vars.keys().map(String::as_str).collect();
                                let hint = format!(
                                    "declare it under the suite's `vars:`; declared: {}",
                                    if declared.is_empty() {
                                        "none".to_owned()
                                    } else {
                                        declared.join(", ")
                                    }
                                );
                                self.err(sp, format!("undefined variable `{r}`"), Some(&hint));
                            }
                        }
                        Ref::Env(n) => {
                            names.used_env.insert(n.clone());
                        }
                        Ref::Capture(n) => {
                            if !names.captured.contains(n) {
                                let hint = if names.captured.is_empty() {
                                    "no earlier step captures anything; use `${vars.NAME}` for variables".to_owned()
                                } else {
                                    format!(
                                        "captured so far: {}",
                                        names
                                            .captured
                                            .iter()
                                            .cloned()
                                            .collect::<Vec<_>>()
                                            .join(", ")
                                    )
                                };
                                self.err(
                                    sp,
                                    format!("`{r}` is not captured by an earlier step"),
                                    Some(&hint),
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    fn step(&mut self, index: usize, rs: RawStep, names: &mut Names) -> Step {
        let span = self.span(&rs.request);
        let request = self.request(rs.request, names);
        let expect = match rs.expect {
            Some(e) => self.expect(e, &span, names),
            None => Expect::default(),
        };
        let captures = self.captures(rs.capture, names);
        Step {
            name: rs.name.unwrap_or_else(|| format!("step {}", index + 1)),
            span,
            request,
            expect,
            captures,
        }
    }

    fn request(&mut self, sp_req: Spanned<RawRequest>, names: &mut Names) -> RequestSpec {
        let span = self.span(&sp_req);
        let r = sp_req.value;
        let method = match &r.method {
            Some(m) => {
                let up = m.value.trim().to_ascii_uppercase();
                if up.is_empty() || !up.chars().all(|c| c.is_ascii_alphabetic()) {
                    let s = self.span(m);
                    self.err(
                        &s,
                        format!("invalid HTTP method `{}`", m.value),
                        Some("e.g. GET, POST, PUT, PATCH, DELETE"),
                    );
                }
                up
            }
            None => "GET".to_owned(),
        };
        let path = Value::String(r.path.value.clone());
        let psp = self.span(&r.path);
        self.refs(&path, &psp, names);
        let query: Vec<(String, Value)> = r.query.into_iter().collect();
        for (_, v) in &query {
            self.refs(v, &span, names);
        }
        let mut headers = Vec::new();
        for (k, v) in r.headers {
            if reqwest::header::HeaderName::from_bytes(k.as_bytes()).is_err() {
                self.err(&span, format!("invalid header name `{k}`"), None);
            }
            self.refs(&v, &span, names);
            headers.push((k, v));
        }
        let bodies = usize::from(r.json.is_some())
            + usize::from(r.form.is_some())
            + usize::from(r.body.is_some());
        if bodies > 1 {
            self.err(
                &span,
                "a request has at most one of `json`, `form` and `body`",
                None,
            );
        }
        let body = if let Some(j) = r.json {
            self.refs(&j, &span, names);
            Some(BodySpec::Json(j))
        } else if let Some(f) = r.form {
            let pairs: Vec<(String, Value)> = f.into_iter().collect();
            for (_, v) in &pairs {
                self.refs(v, &span, names);
            }
            Some(BodySpec::Form(pairs))
        } else if let Some(b) = r.body {
            let v = Value::String(b);
            self.refs(&v, &span, names);
            Some(BodySpec::Raw(v))
        } else {
            None
        };
        let auth = match &r.auth {
            None => AuthSpec::Default,
            Some(a) => {
                let asp = self.span(a);
                self.auth(&a.value, &asp, names)
            }
        };
        let timeout = r.timeout.as_ref().and_then(|t| {
            let tsp = self.span(t);
            match parse_duration_value(&t.value) {
                Ok(d) => Some(d),
                Err(e) => {
                    self.err(
                        &tsp,
                        format!("invalid timeout: {e}"),
                        Some("e.g. `5s`, `500ms` or a number of seconds"),
                    );
                    None
                }
            }
        });
        RequestSpec {
            method,
            path,
            query,
            headers,
            body,
            auth,
            timeout,
            follow_redirects: r.follow_redirects,
        }
    }

    fn auth(&mut self, v: &Value, sp: &Span, names: &mut Names) -> AuthSpec {
        const HINT: &str =
            "use `default`, `none`, `{basic: {username: .., password: ..}}` or `{bearer: TOKEN}`";
        match v {
            Value::String(s) if s == "default" => AuthSpec::Default,
            Value::String(s) if s == "none" => AuthSpec::None,
            Value::Object(m) if m.len() == 1 => {
                if let Some(b) = m.get("bearer") {
                    self.refs(b, sp, names);
                    return AuthSpec::Bearer(b.clone());
                }
                if let Some(Value::Object(b)) = m.get("basic") {
                    let (Some(u), Some(p)) = (b.get("username"), b.get("password")) else {
                        self.err(sp, "basic auth needs `username` and `password`", Some(HINT));
                        return AuthSpec::Default;
                    };
                    self.refs(u, sp, names);
                    self.refs(p, sp, names);
                    return AuthSpec::Basic {
                        username: u.clone(),
                        password: p.clone(),
                    };
                }
                self.err(sp, "invalid `auth`", Some(HINT));
                AuthSpec::Default
            }
            _ => {
                self.err(sp, "invalid `auth`", Some(HINT));
                AuthSpec::Default
            }
        }
    }

    fn level(&mut self, v: Option<&str>, sp: &Span) -> Level {
        match v {
            None | Some("fail") => Level::Fail,
            Some("warn") => Level::Warn,
            Some(other) => {
                self.err(
                    sp,
                    format!("invalid level `{other}`"),
                    Some("use `fail` (default) or `warn`"),
                );
                Level::Fail
            }
        }
    }

    fn expect(&mut self, e: RawExpect, step_span: &Span, names: &mut Names) -> Expect {
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
                if !self.schemas.contains(&id) {
                    let hint = format!("known ids: {}", self.schemas.ids().join(", "));
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
        let _ = step_span;
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

    fn jsonpath(&mut self, p: &str, sp: &Span) -> Option<JsonPath> {
        match JsonPath::parse(p) {
            Ok(jp) => Some(jp),
            Err(e) => {
                self.err(
                    sp,
                    format!("invalid JSONPath `{p}`: {e}"),
                    Some("JSONPath (RFC 9535) starts with `$`, e.g. `$.sessions[0].user_id`"),
                );
                None
            }
        }
    }

    fn assertion(&mut self, sa: Spanned<RawAssertion>, names: &mut Names) -> Option<Assertion> {
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
                    Some("use a number or `{min: N, max: M}`"),
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
        ] {
            if let Some(v) = val {
                self.refs(&v, &span, names);
                match parse_operand(&v) {
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
            ops.push(Op::Jwt { header, claims });
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
            self.err(&span, msg, Some("operators: equals, not_equals, exists, absent, matches, type, length, contains, one_of, unique, every, sorted, before, not_after, after, not_before, jwt"));
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

    fn captures(
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

#[cfg(test)]
mod tests {
    use super::*;

    fn store() -> SchemaStore {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("obj.json"),
            r#"{"$id": "t/obj", "type": "object"}"#,
        )
        .unwrap();
        SchemaStore::load(false, &[dir.path().to_path_buf()]).unwrap()
    }

    const GOOD: &str = r#"suite: demo
api: stytch
vars:
  user_id: {description: a user}
  token: {default: abc, secret: true}
cases:
  - name: list
    tags: [read-only]
    request:
      path: /v1/sessions
      query: {user_id: "${vars.user_id}"}
    expect:
      status: [200, 4xx]
      schema: [t/obj, {id: t/obj, level: warn}]
      headers:
        content-type: {matches: "^application/json"}
      assert:
        - path: $.sessions
          every:
            - path: $.expires_at
              after: now
        - path: $.sessions
          sorted: {by: started_at, order: desc}
        - path: $.status_code
          equals: null
          level: warn
  - name: two steps
    steps:
      - request: {method: post, path: /a, json: {t: "${vars.token}"}}
        capture: {sid: $.id, hdr: {header: X-Request-Id, secret: true}}
      - request: {path: "/b/${sid}", auth: none}
        expect:
          assert:
            - path: $.exp
              after: $.iat+299s
"#;

    #[test]
    fn loads_a_valid_suite() {
        let s = parse_suite("demo.yaml", GOOD, &store()).unwrap();
        assert_eq!(s.cases.len(), 2);
        let c = &s.cases[0];
        assert_eq!(c.id, "demo::list");
        assert_eq!(c.uses_vars, vec!["user_id".to_owned()]);
        assert_eq!(c.span.line, 7);
        let e = &c.steps[0].expect;
        assert_eq!(e.schemas.len(), 2);
        assert_eq!(e.schemas[1].level, Level::Warn);
        assert!(e.status.as_ref().unwrap().accepts(404));
        assert!(!e.status.as_ref().unwrap().accepts(301));
        assert_eq!(e.assertions.len(), 3);
        assert_eq!(e.assertions[0].span.line, 18);
        assert!(matches!(e.assertions[2].op, Op::Equals(Value::Null)));
        let two = &s.cases[1];
        assert_eq!(two.steps[0].request.method, "POST");
        assert_eq!(two.steps[1].captures.len(), 0);
        assert_eq!(two.steps[0].captures.len(), 2);
        match &two.steps[1].expect.assertions[0].op {
            Op::Compare {
                op: CmpOp::After,
                rhs,
            } => assert_eq!(rhs.shift_ms, 299_000),
            other => panic!("{other:?}"),
        }
    }

    fn errs(text: &str) -> Vec<Diagnostic> {
        parse_suite("bad.yaml", text, &store())
            .unwrap_err()
            .diagnostics
    }

    #[test]
    fn reports_unknown_keys_with_location() {
        let d = errs("suite: x\napi: y\ncases:\n  - name: a\n    reqest: {path: /}\n");
        assert_eq!(d.len(), 1);
        assert!(d[0].message.contains("reqest"), "{}", d[0].message);
        let sp = d[0].span.as_ref().unwrap();
        assert_eq!(sp.line, 5);
    }

    #[test]
    fn reports_semantic_errors_all_at_once() {
        let text = "suite: x\napi: y\ncases:\n  - name: a\n    request: {path: \"/${vars.nope}\"}\n    expect:\n      status: 99\n      schema: no/such\n      assert:\n        - path: \"$.[\"\n          equals: 1\n        - path: $.a\n          matches: \"(\"\n        - path: $.b\n  - name: a\n    request: {path: \"/${cap}\"}\n";
        let d = errs(text);
        let all: Vec<&str> = d.iter().map(|d| d.message.as_str()).collect();
        let joined = all.join("\n");
        for needle in [
            "undefined variable",
            "invalid status",
            "unknown schema id",
            "invalid JSONPath",
            "invalid regex",
            "has no operator",
            "duplicate case name",
            "not captured",
        ] {
            assert!(joined.contains(needle), "missing {needle:?} in:\n{joined}");
        }
        assert!(
            d.iter()
                .all(|d| d.span.as_ref().is_some_and(|s| s.line > 0))
        );
    }

    #[test]
    fn hostile_yaml_is_an_error_not_a_panic() {
        let bomb = "a: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\ni: [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
        for text in [
            bomb,
            "",
            "[",
            "suite: [",
            "\t- x",
            "suite: x\napi: y\ncases: 5\n",
            "{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{",
        ] {
            let e = parse_suite("h.yaml", text, &store());
            assert!(e.is_err(), "accepted {text:?}");
        }
        let deep = "[".repeat(100_000);
        assert!(parse_suite("deep.yaml", &deep, &store()).is_err());
    }
}
