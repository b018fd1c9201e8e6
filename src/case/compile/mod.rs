//! Compiles parsed suites into the validated [`Suite`] model: names, variables, templates,
//! schema ids, steps (requests, expectations, assertions, captures).
//!
//! Every problem is a [`Diagnostic`] with file, line, column and a hint; the compiler never
//! panics and reports all problems of a file at once.

mod assertion;
mod capture;
mod expect;
mod request;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde_json::Value;
use serde_json_path::JsonPath;
use serde_saphyr::Spanned;

use super::discover::{LoadedSuite, MAX_FILE_BYTES, too_large};
use super::model::*;
use super::parse::{self, ParsedFile, ParsedSuites};
use super::raw::*;
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
    let mut files = parsed.files;
    for i in 0..files.len() {
        if files[i].raw.is_none() {
            // The next batch: parsed now, so only one batch is ever held in its raw form.
            parse::parse_batch(&mut files, i, parse::BATCH_BYTES);
        }
        let ParsedFile { file, dir, raw } = &mut files[i];
        let (file, dir) = (Arc::clone(file), dir.take());
        let raw = raw.take().unwrap_or_else(|| {
            Err(LoadError::single(
                &file.name,
                "internal error: the file was not parsed",
            ))
        });
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

/// Compiles the `mint:` recipe of a target file's API (its `${vars.…}` come from the target, so
/// any name is accepted; `schema:` may name the built-in schemas).
pub(crate) fn compile_recipe(
    file: Arc<SourceFile>,
    raw: Vec<RawStep>,
) -> Result<Recipe, Vec<Diagnostic>> {
    let schemas = SchemaStore::load_lazy(true, &[]).map_err(|e| {
        vec![Diagnostic::at(
            &Span::file_start(&file),
            e.to_string(),
            None,
        )]
    })?;
    let mut cx = Compiler {
        file,
        schemas: &schemas,
        diags: Vec::new(),
    };
    let vars = BTreeMap::new();
    let recipe = cx.recipe(raw, &vars, true);
    if cx.diags.is_empty() {
        Ok(recipe)
    } else {
        Err(cx.diags)
    }
}

pub(crate) fn compile_suite(
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

/// Compiles one file's raw suite, collecting every problem instead of stopping at the first.
struct Compiler<'a> {
    file: Arc<SourceFile>,
    schemas: &'a SchemaStore,
    diags: Vec<Diagnostic>,
}

/// Names visible to templates while compiling one case.
struct Names<'a> {
    vars: &'a BTreeMap<String, VarDecl>,
    /// Any `${vars.NAME}` is accepted (a target file's recipe: its vars come from the target).
    any_var: bool,
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
        let name = printable(raw.suite.value.trim());
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
        let mint = raw.mint.map(|m| self.recipe(m.value, &vars, false));
        let mut cases = Vec::with_capacity(raw.cases.len());
        let mut names: BTreeMap<String, Span> = BTreeMap::new();
        for rc in raw.cases {
            let sp = self.span(&rc.name);
            let cname = printable(rc.name.value.trim());
            if let Some(prev) = names.get(&cname) {
                let hint =
                    format!("first defined at {prev}; case names must be unique within a suite");
                self.err(&sp, format!("duplicate case name `{cname}`"), Some(&hint));
            } else {
                names.insert(cname.clone(), sp.clone());
            }
            if let Some(c) = self.case(&name, &raw.tags, &vars, mint.as_ref(), rc) {
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
            mint,
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

    /// Compiles a mint recipe (the suite's, or with `any_var` a target file's).
    fn recipe(
        &mut self,
        raw: Vec<RawStep>,
        vars: &BTreeMap<String, VarDecl>,
        any_var: bool,
    ) -> Recipe {
        let mut names = Names {
            vars,
            any_var,
            captured: BTreeSet::new(),
            used_vars: BTreeSet::new(),
            used_env: BTreeSet::new(),
        };
        let mut steps = Vec::new();
        for (i, rs) in raw.into_iter().enumerate() {
            if let Some(m) = &rs.mint {
                let sp = self.span(m);
                self.err(&sp, "a mint recipe cannot contain `mint: true`", None);
                continue;
            }
            if let Some(step) = self.step(i, rs, &mut names) {
                steps.push(step);
            }
        }
        Recipe {
            steps,
            captures: names.captured.into_iter().collect(),
            uses_vars: names.used_vars.into_iter().collect(),
            uses_env: names.used_env.into_iter().collect(),
        }
    }

    fn case(
        &mut self,
        suite: &str,
        suite_tags: &[String],
        vars: &BTreeMap<String, VarDecl>,
        mint: Option<&Recipe>,
        rc: RawCase,
    ) -> Option<Case> {
        let span = self.span(&rc.name);
        let name = printable(rc.name.value.trim());
        if name.is_empty() {
            self.err(&span, "case name must be non-empty", None);
        }
        let mut names = Names {
            vars,
            any_var: false,
            captured: BTreeSet::new(),
            used_vars: BTreeSet::new(),
            used_env: BTreeSet::new(),
        };
        let mut steps = Vec::new();
        let mut recipe_refs: (BTreeSet<String>, BTreeSet<String>) = Default::default();
        let mut mints = 0u32;
        match (rc.request, rc.steps) {
            (Some(req), None) => {
                let raw = RawStep {
                    name: None,
                    request: Some(req),
                    mint: None,
                    expect: rc.expect,
                    capture: rc.capture,
                };
                steps.extend(self.step(0, raw, &mut names));
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
                for rs in raw_steps {
                    let Some(m) = rs.mint.as_ref() else {
                        let i = steps.len();
                        steps.extend(self.step(i, rs, &mut names));
                        continue;
                    };
                    let sp = self.span(m);
                    if !m.value
                        || rs.request.is_some()
                        || rs.expect.is_some()
                        || !rs.capture.is_empty()
                    {
                        self.err(
                            &sp,
                            "a mint step is `mint: true` with an optional `name:` only",
                            Some("the recipe's own steps carry the request, expectations and captures"),
                        );
                        continue;
                    }
                    let Some(recipe) = mint else {
                        self.err(
                            &sp,
                            "`mint: true` needs a `mint:` recipe at the top of the suite",
                            Some("see \"Fresh sessions: mint recipes\" in docs/case-format.md"),
                        );
                        continue;
                    };
                    mints += 1;
                    let label = rs
                        .name
                        .as_deref()
                        .map_or_else(|| "mint".to_owned(), printable);
                    for step in &recipe.steps {
                        let mut step = step.clone();
                        step.name = format!("{label}: {}", step.name);
                        step.from_mint = Some(mints);
                        steps.push(step);
                    }
                    names.captured.extend(recipe.captures.iter().cloned());
                    recipe_refs.0.extend(recipe.uses_vars.iter().cloned());
                    recipe_refs.1.extend(recipe.uses_env.iter().cloned());
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
        // A compiled case lives as long as the plan: no spare capacity (a `Step` is large).
        steps.shrink_to_fit();
        let mut cleanup = Vec::new();
        for (i, rs) in rc.cleanup.into_iter().enumerate() {
            if let Some(m) = &rs.mint {
                let sp = self.span(m);
                self.err(
                    &sp,
                    "`mint: true` belongs in `steps`, not in `cleanup`",
                    None,
                );
                continue;
            }
            let Some(mut step) = self.step(i, rs, &mut names) else {
                continue;
            };
            if step.name == format!("step {}", i + 1) {
                step.name = format!("cleanup {}", i + 1);
            }
            cleanup.push(step);
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
            cleanup,
            uses_vars: names.used_vars.union(&recipe_refs.0).cloned().collect(),
            uses_env: names.used_env.union(&recipe_refs.1).cloned().collect(),
            own_refs: (
                names.used_vars.into_iter().collect(),
                names.used_env.into_iter().collect(),
            ),
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
                            if names.any_var || names.vars.contains_key(n) {
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

    /// Compiles one request step (`None`, reported, when it has no `request:`).
    fn step(&mut self, index: usize, rs: RawStep, names: &mut Names) -> Option<Step> {
        let Some(raw_request) = rs.request else {
            let hint = "write `request: {method: …, path: …}`, or `mint: true` for a fresh session";
            let sp = Span::file_start(&self.file);
            let what = rs
                .name
                .as_deref()
                .map_or_else(|| format!("step {}", index + 1), printable);
            self.err(&sp, format!("{what} has no `request:`"), Some(hint));
            return None;
        };
        let span = self.span(&raw_request);
        let request = self.request(raw_request, names);
        let expect = match rs.expect {
            Some(e) => self.expect(e, names),
            None => Expect::default(),
        };
        let captures = self.captures(rs.capture, names);
        Some(Step {
            name: rs
                .name
                .map_or_else(|| format!("step {}", index + 1), |n| printable(&n)),
            span,
            request,
            expect,
            captures,
            from_mint: None,
        })
    }

    /// A check's `level:` (`fail` when absent).
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

    /// Parses a JSONPath, reporting it when it does not parse.
    fn jsonpath(&mut self, p: &str, sp: &Span) -> Option<JsonPath> {
        match super::scalar::parse_jsonpath(p) {
            Ok(jp) => Some(jp),
            Err(e) => {
                self.err(
                    sp,
                    e.to_string(),
                    Some("JSONPath (RFC 9535) starts with `$`, e.g. `$.sessions[0].user_id`"),
                );
                None
            }
        }
    }
}

/// A name as it is printed: control characters (newlines, escape sequences) written as Rust
/// escapes, so a name can never start a new console line — which CI runners such as GitHub
/// Actions would read as a workflow command — nor restyle a terminal.
pub(crate) fn printable(name: &str) -> String {
    if !name.chars().any(char::is_control) {
        return name.to_owned();
    }
    name.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
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
