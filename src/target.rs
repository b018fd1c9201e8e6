//! Targets: where each API lives (base URL), its credentials, headers and variables.
//!
//! A target file looks like:
//! ```yaml
//! name: staging            # display name (optional)
//! vars: {}                 # variables for every API (optional)
//! secrets: [token]         # variable names to redact (optional)
//! tls: {ca_file: ca.pem}   # extra CA to trust for https (optional; or ca_pem: "-----BEGIN…")
//! apis:
//!   stytch:
//!     base_url: https://test.stytch.com
//!     auth: {basic: {username: "${env.STYTCH_PROJECT_ID}", password: "${env.STYTCH_SECRET}"}}
//!     vars: {user_id: user-test-...}
//!   clerk:
//!     base_url: https://api.clerk.com/v1
//!     auth: {bearer: "${env.CLERK_SECRET_KEY}"}
//!     headers: {Clerk-API-Version: "2025-04-10"}
//! ```

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use schemars::JsonSchema;
use serde::Deserialize;
use serde_json::Value;
use serde_saphyr::Spanned;
use url::Url;

use crate::case::template::{Scope, TemplateError};
use crate::diagnostic::{Diagnostic, LoadError, yaml_error_in};
use crate::source::{SourceFile, Span};

/// A secret value with the environment variable a reproducer should use for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    /// The value.
    pub value: String,
    /// Placeholder name for curl reproducers, e.g. `STYTCH_SECRET`.
    pub env_name: String,
}

/// Credentials sent with `auth: default`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Credentials {
    /// No credentials.
    #[default]
    None,
    /// HTTP Basic.
    Basic {
        /// Username (Stytch: project id).
        username: Secret,
        /// Password (Stytch: secret).
        password: Secret,
    },
    /// `Authorization: Bearer`.
    Bearer(Secret),
}

/// Where one API lives.
#[derive(Debug, Clone)]
pub struct ApiTarget {
    /// Base URL; case paths are appended to it.
    pub base_url: Url,
    /// Default credentials.
    pub auth: Credentials,
    /// Headers sent with every request.
    pub headers: Vec<(String, String)>,
    /// Variables for this API.
    pub vars: BTreeMap<String, Value>,
    /// The target's own way to obtain a fresh session (`mint:`), used at `mint: true` steps.
    pub mint: Option<Arc<crate::case::Recipe>>,
}

/// A resolved target: every API the run may call.
#[derive(Debug, Clone, Default)]
pub struct Target {
    /// Display name.
    pub name: String,
    /// APIs by name.
    pub apis: BTreeMap<String, ApiTarget>,
    /// Base URL for APIs not listed in `apis` (from `--base-url URL`).
    pub fallback_base_url: Option<Url>,
    /// Variables for every API.
    pub vars: BTreeMap<String, Value>,
    /// Names of variables whose values are secret.
    pub secret_vars: BTreeSet<String>,
    /// Extra root certificates (PEM) to trust for https base URLs, from `tls.ca_file` or
    /// `tls.ca_pem` (e.g. the CA of `sessconform serve --tls`).
    pub ca_certs: Vec<String>,
}

impl Target {
    /// The API entry for `api`, falling back to `--base-url URL` with no credentials.
    pub fn api(&self, api: &str) -> Option<ApiTarget> {
        self.apis.get(api).cloned().or_else(|| {
            self.fallback_base_url.as_ref().map(|u| ApiTarget {
                base_url: u.clone(),
                auth: Credentials::None,
                headers: Vec::new(),
                vars: BTreeMap::new(),
                mint: None,
            })
        })
    }

    /// Every secret value: credentials and secret variables.
    pub fn secrets(&self) -> Vec<Secret> {
        let mut out = Vec::new();
        for (name, api) in &self.apis {
            match &api.auth {
                Credentials::None => {}
                Credentials::Basic { username, password } => {
                    out.push(username.clone());
                    out.push(password.clone());
                }
                Credentials::Bearer(t) => out.push(t.clone()),
            }
            for (k, v) in &api.vars {
                if self.secret_vars.contains(k) {
                    if let Some(s) = v.as_str() {
                        out.push(Secret {
                            value: s.to_owned(),
                            env_name: env_placeholder(name, k),
                        });
                    }
                }
            }
        }
        for (k, v) in &self.vars {
            if self.secret_vars.contains(k) {
                if let Some(s) = v.as_str() {
                    out.push(Secret {
                        value: s.to_owned(),
                        env_name: env_placeholder("", k),
                    });
                }
            }
        }
        out
    }

    /// Applies `--base-url` values: `URL` for every API, `API=URL` for one.
    pub fn apply_base_url(&mut self, spec: &str) -> Result<(), BaseUrlError> {
        let (api, url) = match spec.split_once('=') {
            Some((a, u)) if !a.contains("://") => (Some(a.trim()), u.trim()),
            _ => (None, spec.trim()),
        };
        let url = parse_base_url(url)?;
        match api {
            Some(a) => {
                let entry = self.apis.entry(a.to_owned()).or_insert_with(|| ApiTarget {
                    base_url: url.clone(),
                    auth: Credentials::None,
                    headers: Vec::new(),
                    vars: BTreeMap::new(),
                    mint: None,
                });
                entry.base_url = url;
            }
            None => {
                for t in self.apis.values_mut() {
                    t.base_url = url.clone();
                }
                self.fallback_base_url = Some(url);
            }
        }
        if self.name.is_empty() {
            self.name = "command line".to_owned();
        }
        Ok(())
    }
}

/// Builds `SESSCONFORM_<API>_<NAME>` placeholder names.
pub fn env_placeholder(api: &str, what: &str) -> String {
    let clean = |s: &str| {
        s.to_ascii_uppercase()
            .replace(|c: char| !c.is_ascii_alphanumeric(), "_")
    };
    if api.is_empty() {
        format!("SESSCONFORM_{}", clean(what))
    } else {
        format!("SESSCONFORM_{}_{}", clean(api), clean(what))
    }
}

/// Why a base URL is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BaseUrlError {
    /// Not a URL at all.
    #[error("invalid base URL `{url}`: {error}")]
    Parse {
        /// The URL as given.
        url: String,
        /// What the URL parser says.
        error: url::ParseError,
    },
    /// No scheme at all (`127.0.0.1:4010`, `localhost:4010/v1`).
    #[error("invalid base URL `{0}`: it has no scheme; write `http://{0}` or `https://{0}`")]
    NoScheme(String),
    /// Not http or https.
    #[error("invalid base URL `{0}`: the scheme must be http or https")]
    Scheme(String),
    /// Has a query or a fragment.
    #[error("invalid base URL `{0}`: it must not have a query or fragment")]
    QueryOrFragment(String),
}

/// Parses a base URL (http or https), without a trailing slash in its path.
pub fn parse_base_url(s: &str) -> Result<Url, BaseUrlError> {
    if !s.contains("://") {
        return Err(BaseUrlError::NoScheme(s.to_owned()));
    }
    let url = Url::parse(s).map_err(|error| BaseUrlError::Parse {
        url: s.to_owned(),
        error,
    })?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(BaseUrlError::Scheme(s.to_owned()));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(BaseUrlError::QueryOrFragment(s.to_owned()));
    }
    Ok(url)
}

/// A sessconform target file: where each API lives, its credentials, headers and variables
/// (reference: docs/case-format.md#targets).
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Target file")]
pub(crate) struct RawTarget {
    /// Display name.
    #[serde(default)]
    name: Option<String>,
    /// Variables for every API.
    #[serde(default)]
    vars: BTreeMap<String, Value>,
    /// Names of variables whose values are secret (redacted everywhere).
    #[serde(default)]
    secrets: Vec<String>,
    /// Extra CA to trust for https: `{ca_file: PATH}` (relative to this file) or `{ca_pem: "-----BEGIN…"}`.
    #[serde(default)]
    #[schemars(with = "Option<RawTls>")]
    tls: Option<Spanned<RawTls>>,
    /// What to pass the vendors' SDKs (written by `sessconform serve`); informational only.
    #[serde(default)]
    #[allow(dead_code)]
    sdk: Option<Value>,
    /// Each API the suites call, by the name in their `api:` (`stytch`, `stytch-b2b`, `clerk`, …).
    #[schemars(with = "BTreeMap<String, RawApi>")]
    apis: BTreeMap<String, Spanned<RawApi>>,
}

/// Extra root certificates to trust.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Tls")]
struct RawTls {
    /// A PEM file, relative to the target file.
    #[serde(default)]
    ca_file: Option<String>,
    /// PEM text.
    #[serde(default)]
    ca_pem: Option<String>,
}

/// Where one API lives.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Api")]
struct RawApi {
    /// http or https base URL; case paths are appended to it.
    #[schemars(with = "String")]
    base_url: Spanned<String>,
    /// `none`, `{basic: {username, password}}` or `{bearer: TOKEN}`; use `${env.NAME}` for secrets.
    #[serde(default)]
    #[schemars(with = "Option<Value>")]
    auth: Option<Spanned<Value>>,
    /// Headers sent with every request, e.g. `Clerk-API-Version`.
    #[serde(default)]
    headers: BTreeMap<String, String>,
    /// Variables for this API's cases.
    #[serde(default)]
    vars: BTreeMap<String, Value>,
    /// How to obtain a fresh session through this API (replaces the suites' own recipe).
    #[serde(default)]
    mint: Option<Vec<crate::case::raw::RawStep>>,
}

/// Parses a target file. `${env.NAME}` placeholders are resolved from `env` (then the process
/// environment); an unset one is a configuration error. A relative `tls.ca_file` is read from
/// the current directory ([`load_target_file`] reads it next to the target file).
pub fn parse_target(
    name: &str,
    text: &str,
    env: &BTreeMap<String, String>,
) -> Result<Target, LoadError> {
    parse_target_in(name, text, env, None)
}

fn parse_target_in(
    name: &str,
    text: &str,
    env: &BTreeMap<String, String>,
    dir: Option<&std::path::Path>,
) -> Result<Target, LoadError> {
    let file = SourceFile::new(name, text);
    let raw: RawTarget =
        serde_saphyr::from_str(text).map_err(|e| yaml_error_in(&file, &e, "target file"))?;
    let scope = Scope {
        env: env.clone(),
        ..Scope::default()
    };
    let mut diags = Vec::new();
    let mut recipe_diags: Vec<Diagnostic> = Vec::new();
    let mut err = |span: Span, msg: String, hint: Option<&str>| {
        diags.push(Diagnostic::at(&span, msg, hint.map(str::to_owned)));
    };
    let file_span = Span::file_start(&file);
    let render = |v: &Value,
                  field: &str,
                  span: &Span,
                  err: &mut dyn FnMut(Span, String, Option<&str>)|
     -> Value {
        match scope.render(v) {
            Ok(v) => v,
            Err(e) => {
                let (msg, hint) = template_error(field, &e);
                err(span.clone(), msg, Some(&hint));
                Value::Null
            }
        }
    };
    let mut target = Target {
        name: raw.name.unwrap_or_else(|| name.to_owned()),
        secret_vars: raw.secrets.into_iter().collect(),
        ..Target::default()
    };
    for (k, v) in &raw.vars {
        let v = render(v, &format!("vars.{k}"), &file_span, &mut err);
        target.vars.insert(k.clone(), v);
    }
    if let Some(tls) = &raw.tls {
        let span = Span::from_location(&file, tls.referenced);
        match ca_certs(&tls.value, dir) {
            Ok(pems) => target.ca_certs = pems,
            Err(e) => err(
                span,
                e,
                Some(
                    "`tls: {ca_file: PATH}` (relative to the target file) or `tls: {ca_pem: \"-----BEGIN CERTIFICATE-----…\"}`",
                ),
            ),
        }
    }
    for (api_name, api) in raw.apis {
        let span = Span::from_location(&file, api.referenced);
        let a = api.value;
        let burl_span = Span::from_location(&file, a.base_url.referenced);
        let burl = render(
            &Value::String(a.base_url.value.clone()),
            &format!("apis.{api_name}.base_url"),
            &burl_span,
            &mut err,
        );
        // A placeholder that did not render is reported already (and the rest still checked).
        let base_url = match burl.as_str().map(parse_base_url) {
            None => None,
            Some(Ok(u)) => Some(u),
            Some(Err(e)) => {
                err(
                    burl_span,
                    e.to_string(),
                    Some("e.g. https://test.stytch.com or http://127.0.0.1:4010/clerk/v1"),
                );
                continue;
            }
        };
        let auth = match &a.auth {
            None => Credentials::None,
            Some(sp) => {
                let aspan = Span::from_location(&file, sp.referenced);
                match credentials(&api_name, &sp.value, &scope) {
                    Ok(c) => c,
                    Err(AuthError::Template { field, error }) => {
                        let (msg, hint) =
                            template_error(&format!("apis.{api_name}.auth.{field}"), &error);
                        err(aspan, msg, Some(&hint));
                        Credentials::None
                    }
                    Err(e) => {
                        err(
                            aspan,
                            e.to_string(),
                            Some(
                                "use `none`, `{basic: {username: .., password: ..}}` or `{bearer: TOKEN}`",
                            ),
                        );
                        Credentials::None
                    }
                }
            }
        };
        let mut headers = Vec::new();
        for (k, v) in &a.headers {
            let hv = render(
                &Value::String(v.clone()),
                &format!("apis.{api_name}.headers.{k}"),
                &span,
                &mut err,
            );
            headers.push((k.clone(), hv.as_str().unwrap_or_default().to_owned()));
        }
        let mut vars = BTreeMap::new();
        for (k, v) in &a.vars {
            let field = format!("apis.{api_name}.vars.{k}");
            vars.insert(k.clone(), render(v, &field, &span, &mut err));
        }
        let mint = match a.mint {
            None => None,
            Some(raw) => match crate::case::compile::compile_recipe(Arc::clone(&file), raw) {
                Ok(r) => Some(Arc::new(r)),
                Err(d) => {
                    recipe_diags.extend(d);
                    None
                }
            },
        };
        if let Some(base_url) = base_url {
            target.apis.insert(
                api_name,
                ApiTarget {
                    base_url,
                    auth,
                    headers,
                    vars,
                    mint,
                },
            );
        }
    }
    diags.extend(recipe_diags);
    if diags.is_empty() {
        Ok(target)
    } else {
        Err(LoadError { diagnostics: diags })
    }
}

/// Why a target's `auth:` does not resolve to credentials.
#[derive(Debug, thiserror::Error)]
enum AuthError {
    /// A placeholder in `field` (`basic.password`, `bearer`) does not render (e.g. an unset
    /// environment variable).
    #[error("{field}: {error}")]
    Template {
        /// Where under `auth`.
        field: &'static str,
        /// Why.
        error: TemplateError,
    },
    /// `basic` without a username or a password.
    #[error("basic auth needs `username` and `password`")]
    BasicIncomplete,
    /// Neither `none`, `basic` nor `bearer`.
    #[error("invalid `auth`")]
    Invalid,
}

/// The message and hint for a placeholder in target-file `field` that does not render: an unset
/// environment variable names itself, the field using it and how to set it.
fn template_error(field: &str, e: &TemplateError) -> (String, String) {
    use crate::case::template::Ref;
    match e {
        TemplateError::Missing(Ref::Env(name)) => (
            format!("environment variable `{name}` is not set (used by `{field}`)"),
            format!(
                "set it before running: `export {name}=…` (in CI: a secret passed as an environment variable)"
            ),
        ),
        TemplateError::Missing(r) => (
            format!("{r} is not set (used by `{field}`)"),
            "a target file may only use `${env.NAME}` placeholders".to_owned(),
        ),
        TemplateError::Malformed(_) => (
            format!("in `{field}`: {e}"),
            "write `${env.NAME}` for an environment variable, `$${` for a literal `${`".to_owned(),
        ),
    }
}

fn secret(
    api: &str,
    what: &str,
    field: &'static str,
    v: &Value,
    scope: &Scope,
) -> Result<Secret, AuthError> {
    let env_name = match v.as_str() {
        Some(s) if s.starts_with("${env.") && s.ends_with('}') && s.matches("${").count() == 1 => {
            s[6..s.len() - 1].to_owned()
        }
        _ => env_placeholder(api, what),
    };
    let value = scope
        .render_text(v)
        .map_err(|error| AuthError::Template { field, error })?;
    Ok(Secret { value, env_name })
}

fn credentials(api: &str, v: &Value, scope: &Scope) -> Result<Credentials, AuthError> {
    match v {
        Value::String(s) if s == "none" => Ok(Credentials::None),
        Value::Object(m) if m.len() == 1 => {
            if let Some(t) = m.get("bearer") {
                return Ok(Credentials::Bearer(secret(
                    api, "TOKEN", "bearer", t, scope,
                )?));
            }
            if let Some(Value::Object(b)) = m.get("basic") {
                let (Some(u), Some(p)) = (b.get("username"), b.get("password")) else {
                    return Err(AuthError::BasicIncomplete);
                };
                return Ok(Credentials::Basic {
                    username: secret(api, "USERNAME", "basic.username", u, scope)?,
                    password: secret(api, "PASSWORD", "basic.password", p, scope)?,
                });
            }
            Err(AuthError::Invalid)
        }
        _ => Err(AuthError::Invalid),
    }
}

/// The PEM certificates a `tls` block names; each must hold at least one certificate.
fn ca_certs(tls: &RawTls, dir: Option<&std::path::Path>) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    if let Some(file) = &tls.ca_file {
        let path = match dir {
            Some(d) if std::path::Path::new(file).is_relative() => d.join(file),
            _ => std::path::PathBuf::from(file),
        };
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("failed to read tls.ca_file {}: {e}", path.display()))?;
        if !text.contains("-----BEGIN CERTIFICATE-----") {
            return Err(format!(
                "tls.ca_file {} holds no PEM certificate",
                path.display()
            ));
        }
        out.push(text);
    }
    if let Some(pem) = &tls.ca_pem {
        if !pem.contains("-----BEGIN CERTIFICATE-----") {
            return Err("tls.ca_pem holds no PEM certificate".to_owned());
        }
        out.push(pem.clone());
    }
    if out.is_empty() {
        return Err("`tls` needs `ca_file` or `ca_pem`".to_owned());
    }
    Ok(out)
}

/// Loads a target file from disk.
pub fn load_target_file(path: &std::path::Path) -> Result<Target, LoadError> {
    let name = path.display().to_string();
    let text = read_capped(path)
        .map_err(|e| LoadError::single(&name, format!("failed to read target file: {e}")))?;
    parse_target_in(&name, &text, &BTreeMap::new(), path.parent())
}

/// The largest target file read: base URLs, credentials, a few vars and perhaps a CA
/// certificate take kilobytes, so a larger file is a mistake (or hostile) and is refused
/// without being read whole.
pub const MAX_TARGET_FILE_BYTES: usize = 1024 * 1024;

/// The file's text, refused past [`MAX_TARGET_FILE_BYTES`] without reading more.
fn read_capped(path: &std::path::Path) -> std::io::Result<String> {
    use std::io::Read;
    let limit = u64::try_from(MAX_TARGET_FILE_BYTES).unwrap_or(u64::MAX) + 1;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(limit)
        .read_to_end(&mut bytes)?;
    if bytes.len() > MAX_TARGET_FILE_BYTES {
        return Err(std::io::Error::other(format!(
            "the file is larger than 1 MiB ({MAX_TARGET_FILE_BYTES} bytes), the limit for a \
             target file (base URLs, credentials and vars take a few kilobytes)"
        )));
    }
    String::from_utf8(bytes).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

/// Shared, immutable target for a run.
pub type SharedTarget = Arc<Target>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_target_with_env_and_credentials() {
        let env: BTreeMap<String, String> = [("SECRET".to_owned(), "s3cr3t".to_owned())].into();
        let t = parse_target(
            "t.yaml",
            "name: stage\napis:\n  stytch:\n    base_url: http://127.0.0.1:1/stytch\n    auth: {basic: {username: proj, password: \"${env.SECRET}\"}}\n    vars: {user_id: u1}\n  clerk:\n    base_url: http://127.0.0.1:1/clerk/v1\n    auth: {bearer: sk_test}\n    headers: {Clerk-API-Version: \"2025-04-10\"}\n",
            &env,
        )
        .unwrap();
        assert_eq!(t.name, "stage");
        let s = &t.apis["stytch"];
        match &s.auth {
            Credentials::Basic { password, .. } => {
                assert_eq!(password.value, "s3cr3t");
                assert_eq!(password.env_name, "SECRET");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(t.apis["clerk"].headers[0].1, "2025-04-10");
        assert_eq!(t.secrets().len(), 3);
    }

    #[test]
    fn unset_env_and_bad_url_are_errors_with_location() {
        let e = parse_target("t.yaml", "apis:\n  a:\n    base_url: ftp://x\n  b:\n    base_url: http://x\n    auth: {bearer: \"${env.SURELY_UNSET_VAR_123}\"}\n", &BTreeMap::new()).unwrap_err();
        assert_eq!(e.diagnostics.len(), 2, "{e}");
        assert!(
            e.diagnostics
                .iter()
                .all(|d| d.span.as_ref().is_some_and(|s| s.line > 0))
        );
    }

    #[test]
    fn base_url_overrides() {
        let mut t = Target::default();
        t.apply_base_url("http://127.0.0.1:9/x").unwrap();
        t.apply_base_url("clerk=http://127.0.0.1:8/clerk/v1")
            .unwrap();
        assert_eq!(
            t.api("stytch").unwrap().base_url.as_str(),
            "http://127.0.0.1:9/x"
        );
        assert_eq!(t.api("clerk").unwrap().base_url.port(), Some(8));
        assert!(t.apply_base_url("nope").is_err());
    }

    #[test]
    fn base_url_error_messages() {
        let msg = |s: &str| parse_base_url(s).unwrap_err().to_string();
        assert_eq!(
            msg("nope"),
            "invalid base URL `nope`: it has no scheme; write `http://nope` or `https://nope`"
        );
        // Before: "relative URL without a base", and `localhost:4010` read as a scheme.
        assert_eq!(
            msg("localhost:4010"),
            "invalid base URL `localhost:4010`: it has no scheme; write `http://localhost:4010` or `https://localhost:4010`"
        );
        assert_eq!(msg("http://"), "invalid base URL `http://`: empty host");
        assert_eq!(
            msg("ftp://x"),
            "invalid base URL `ftp://x`: the scheme must be http or https"
        );
        assert_eq!(
            msg("http://x/?a=1"),
            "invalid base URL `http://x/?a=1`: it must not have a query or fragment"
        );
        let e = parse_target(
            "t.yaml",
            "apis:\n  a:\n    base_url: http://x\n    auth: {basic: {username: u}}\n  b:\n    base_url: http://x\n    auth: 5\n",
            &BTreeMap::new(),
        )
        .unwrap_err();
        let messages: Vec<&str> = e.diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "basic auth needs `username` and `password`",
                "invalid `auth`"
            ]
        );
    }
}
