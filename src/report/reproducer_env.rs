//! The environment a pasted reproducer needs: the `${NAME}` placeholders that replace secrets in
//! curl lines, listed once per run as `export NAME=…` lines saying where each value lives.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use crate::result::CaseResult;

/// Where the value of `name` comes from, for the cases of `api`.
fn origin(name: &str, api: &str) -> String {
    let prefix = crate::target::env_placeholder(api, "");
    match name.strip_prefix(prefix.as_str()) {
        Some("USERNAME") => format!("`apis.{api}.auth.basic.username` in the target file"),
        Some("PASSWORD") => format!("`apis.{api}.auth.basic.password` in the target file"),
        Some("TOKEN") => format!("`apis.{api}.auth.bearer` in the target file"),
        Some(var) if !var.is_empty() => format!(
            "the secret var `{}` (target file or --var)",
            var.to_ascii_lowercase()
        ),
        _ if name.starts_with("SESSCONFORM_") => {
            "a secret value the case took from a response (run it to see it)".to_owned()
        }
        _ => "your environment (`${env.NAME}` in the target file)".to_owned(),
    }
}

/// `${NAME}` placeholders in `text`.
fn placeholders(text: &str) -> impl Iterator<Item = &str> {
    text.match_indices("${").filter_map(move |(at, _)| {
        let rest = &text[at + 2..];
        let end = rest.find('}')?;
        let name = &rest[..end];
        (!name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .then_some(name)
    })
}

/// The `export` lines for the reproducers of `cases` that are shown (failed or could not
/// run), values elided; empty when they need none.
pub fn exports(cases: &[CaseResult]) -> String {
    let mut names: BTreeMap<String, String> = BTreeMap::new();
    for r in cases {
        if let Some(ex) = r.exchanges.last() {
            for name in placeholders(&ex.curl) {
                names
                    .entry(name.to_owned())
                    .or_insert_with(|| origin(name, &r.api));
            }
        }
    }
    if names.is_empty() {
        return String::new();
    }
    let mut out = String::from("The reproducers read these variables; set them before pasting:\n");
    for (name, from) in names {
        let _ = writeln!(out, "  export {name}=…   # {from}");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_say_where_their_values_live() {
        assert_eq!(
            origin("SESSCONFORM_STYTCH_B2B_PASSWORD", "stytch-b2b"),
            "`apis.stytch-b2b.auth.basic.password` in the target file"
        );
        assert_eq!(
            origin("SESSCONFORM_CLERK_TOKEN", "clerk"),
            "`apis.clerk.auth.bearer` in the target file"
        );
        assert!(origin("MY_KEY", "clerk").contains("your environment"));
        let found: Vec<&str> =
            placeholders("curl -u ${A_B}:${C} -d '${not a name}' $X ${}").collect();
        assert_eq!(found, vec!["A_B", "C"]);
    }
}
