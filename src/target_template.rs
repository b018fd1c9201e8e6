//! The commented target-file template `sessconform init` writes: for each API, where the vendor
//! lives and how it authenticates, then every variable the suites of that API use — what it
//! means, its default and how many cases need it — read from the suites themselves, so the
//! template never lists a variable no case uses nor misses one a case needs.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde_json::Value;

use crate::case::model::{Suite, VarDecl};

/// What sessconform knows of a vendor API: where its test environment lives and how it
/// authenticates (env placeholders for the credentials).
struct Vendor {
    api: &'static str,
    /// Comment lines above the API entry.
    about: &'static str,
    base_url: &'static str,
    auth: &'static str,
    headers: Option<&'static str>,
    /// Variables that are a credential too (set from the same environment variable).
    from_credentials: &'static [(&'static str, &'static str)],
}

const VENDORS: &[Vendor] = &[
    Vendor {
        api: "stytch",
        about: "Stytch consumer sessions: a Stytch *test* project (live: https://api.stytch.com).",
        base_url: "https://test.stytch.com",
        auth: "{basic: {username: \"${env.STYTCH_PROJECT_ID}\", password: \"${env.STYTCH_SECRET}\"}}",
        headers: None,
        from_credentials: &[("project_id", "${env.STYTCH_PROJECT_ID}")],
    },
    Vendor {
        api: "stytch-b2b",
        about: "Stytch B2B member sessions: a Stytch B2B *test* project.",
        base_url: "https://test.stytch.com",
        auth: "{basic: {username: \"${env.STYTCH_B2B_PROJECT_ID}\", password: \"${env.STYTCH_B2B_SECRET}\"}}",
        headers: None,
        from_credentials: &[("project_id", "${env.STYTCH_B2B_PROJECT_ID}")],
    },
    Vendor {
        api: "clerk",
        about: "Clerk Backend API sessions: a Clerk *development* instance (sk_test_… secret key).",
        base_url: "https://api.clerk.com/v1",
        auth: "{bearer: \"${env.CLERK_SECRET_KEY}\"}",
        headers: Some("{Clerk-API-Version: \"2025-04-10\"}"),
        from_credentials: &[],
    },
];

/// One variable of an API, as the suites declare and use it.
#[derive(Debug, Clone, PartialEq)]
pub struct TemplateVar {
    /// The name (`${vars.NAME}`).
    pub name: String,
    /// What the suite says it means.
    pub description: String,
    /// The suite default, if any.
    pub default: Option<Value>,
    /// Redacted everywhere (`secret: true`).
    pub secret: bool,
    /// How many cases use it.
    pub cases: usize,
}

/// Every variable the cases of `api` use or its suites declare, by name.
pub fn api_vars<'a>(suites: impl IntoIterator<Item = &'a Suite>, api: &str) -> Vec<TemplateVar> {
    let mut vars: BTreeMap<&str, TemplateVar> = BTreeMap::new();
    let entry =
        |vars: &mut BTreeMap<&'a str, TemplateVar>, name: &'a str, decl: Option<&VarDecl>| {
            let v = vars.entry(name).or_insert_with(|| TemplateVar {
                name: name.to_owned(),
                description: String::new(),
                default: None,
                secret: false,
                cases: 0,
            });
            if let Some(d) = decl {
                if v.description.is_empty() {
                    v.description.clone_from(&d.description);
                }
                if v.default.is_none() {
                    v.default.clone_from(&d.default);
                }
                v.secret |= d.secret;
            }
        };
    for s in suites.into_iter().filter(|s| s.api == api) {
        for (name, decl) in &s.vars {
            entry(&mut vars, name, Some(decl));
        }
        for c in &s.cases {
            for name in &c.uses_vars {
                entry(&mut vars, name, s.vars.get(name));
                if let Some(v) = vars.get_mut(name.as_str()) {
                    v.cases += 1;
                }
            }
        }
    }
    vars.into_values().collect()
}

/// The environment variable a secret of `api` is read from: `STYTCH_B2B_SESSION_TOKEN`.
pub fn env_name(api: &str, var: &str) -> String {
    format!("{api}_{var}")
        .to_ascii_uppercase()
        .replace(|c: char| !c.is_ascii_alphanumeric(), "_")
}

/// The APIs `init` knows the vendor of, in order.
pub fn known_apis() -> Vec<&'static str> {
    VENDORS.iter().map(|v| v.api).collect()
}

/// The template for `apis` (each a known vendor API), with the variables `suites` use.
pub fn target_template(suites: &[&Suite], apis: &[&str]) -> String {
    let mut out = String::new();
    let names: Vec<&str> = apis.to_vec();
    let _ = writeln!(
        out,
        "# sessconform target file for {}: where each API lives, its credentials and the\n\
         # values the built-in suites need. Written by `sessconform init`; reference:\n\
         # docs/case-format.md#targets.\n\
         #\n\
         # Secrets are read from the environment (`${{env.NAME}}`): export them, never write them here.\n\
         # A commented variable is optional: cases that need a variable without a value are skipped\n\
         # with the reason (`--fail-on-skip` makes that fail). Check the file with\n\
         #   sessconform lint --target FILE\n\
         # and run the cases that change nothing first:\n\
         #   sessconform run --target FILE --tag read-only\n\
         # Editor support: `sessconform schema target > target.schema.json`, then make the first line\n\
         #   # yaml-language-server: $schema=target.schema.json",
        names.join(", ")
    );
    let name = match names.as_slice() {
        [one] => format!("{one}-test"),
        _ => "vendor-test".to_owned(),
    };
    let _ = writeln!(out, "name: {name}");
    out.push_str("apis:\n");
    for api in apis {
        let Some(vendor) = VENDORS.iter().find(|v| v.api == *api) else {
            continue;
        };
        let _ = writeln!(out, "  # {}", vendor.about);
        let _ = writeln!(out, "  {api}:");
        let _ = writeln!(out, "    base_url: {}", vendor.base_url);
        let _ = writeln!(out, "    auth: {}", vendor.auth);
        if let Some(h) = vendor.headers {
            let _ = writeln!(out, "    headers: {h}");
        }
        let mut vars = api_vars(suites.iter().copied(), api);
        // What has no default first, the most needed first.
        vars.sort_by(|a, b| {
            (a.default.is_some(), b.cases, &a.name).cmp(&(b.default.is_some(), a.cases, &b.name))
        });
        let any_set = vars
            .iter()
            .any(|v| vendor.from_credentials.iter().any(|(n, _)| *n == v.name));
        out.push_str(if any_set {
            "    vars:\n"
        } else {
            "    vars: {}   # when you uncomment a variable below, delete this {}\n"
        });
        for (i, v) in vars.iter().enumerate() {
            if i > 0 {
                out.push('\n');
            }
            write_var(&mut out, api, vendor, v);
        }
    }
    out
}

fn write_var(out: &mut String, api: &str, vendor: &Vendor, v: &TemplateVar) {
    let mut about = v.description.trim().trim_end_matches('.').to_owned();
    if about.is_empty() {
        about = "(no description)".to_owned();
    }
    let used = match v.cases {
        0 => "no case uses it yet".to_owned(),
        1 => "1 case needs it".to_owned(),
        n => format!("{n} cases need it"),
    };
    let mut comment = format!("{about}. {}{used}", if v.secret { "Secret. " } else { "" });
    if let Some(d) = &v.default {
        let _ = write!(comment, "; default: {}", scalar(d));
    }
    comment.push('.');
    for line in wrap(&comment, 92) {
        let _ = writeln!(out, "      # {line}");
    }
    let set = vendor.from_credentials.iter().find(|(n, _)| *n == v.name);
    match (set, &v.default) {
        (Some((_, value)), _) => {
            let _ = writeln!(out, "      {}: \"{value}\"", v.name);
        }
        (None, _) if v.secret => {
            let _ = writeln!(
                out,
                "      # {}: \"${{env.{}}}\"",
                v.name,
                env_name(api, &v.name)
            );
        }
        (None, Some(d)) => {
            let _ = writeln!(out, "      # {}: {}", v.name, scalar(d));
        }
        (None, None) => {
            let _ = writeln!(out, "      # {}: \"\"", v.name);
        }
    }
}

/// A value as YAML flow text on one line (JSON is valid YAML).
fn scalar(v: &Value) -> String {
    match v {
        Value::String(s)
            if !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_./".contains(c)) =>
        {
            s.clone()
        }
        other => other.to_string(),
    }
}

/// `text` cut at spaces into lines of at most `width` characters (longer words stay whole).
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn env_names_and_wrapping() {
        assert_eq!(
            env_name("stytch-b2b", "session_token"),
            "STYTCH_B2B_SESSION_TOKEN"
        );
        assert_eq!(wrap("a bb ccc dddd", 6), ["a bb", "ccc", "dddd"]);
        assert_eq!(scalar(&Value::from("user-test-1")), "user-test-1");
        assert_eq!(scalar(&Value::from("a b: c")), "\"a b: c\"");
        assert_eq!(scalar(&Value::from(10)), "10");
    }
}
