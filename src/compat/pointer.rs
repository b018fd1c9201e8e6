//! JSON Pointers (RFC 6901) and pointer patterns with `*` (one segment) and `**` (any number of
//! segments) wildcards, used to key differences, noise and rules.

use std::fmt;

use serde_json::Value;

/// Escapes one reference token (`~` → `~0`, `/` → `~1`).
pub fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

fn unescape(token: &str) -> String {
    token.replace("~1", "/").replace("~0", "~")
}

/// Appends a token to a pointer.
pub fn push(pointer: &str, token: &str) -> String {
    format!("{pointer}/{}", escape(token))
}

/// Splits a pointer into its unescaped tokens (`""` → no tokens).
pub fn tokens(pointer: &str) -> Vec<String> {
    if pointer.is_empty() {
        return Vec::new();
    }
    pointer
        .strip_prefix('/')
        .unwrap_or(pointer)
        .split('/')
        .map(unescape)
        .collect()
}

/// The pointer of the parent node (`/a/b` → `/a`, `/a` → ``).
pub fn parent(pointer: &str) -> &str {
    match pointer.rfind('/') {
        Some(i) => &pointer[..i],
        None => "",
    }
}

/// Replaces the value at `pointer` (when it exists) with `with`.
pub fn replace(value: &mut Value, pointer: &str, with: Value) {
    if pointer.is_empty() {
        *value = with;
    } else if let Some(slot) = value.pointer_mut(pointer) {
        *slot = with;
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Seg {
    Key(String),
    One,
    Deep,
}

/// A path pattern that is not a JSON Pointer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct PatternError(String);

/// A pointer pattern: a JSON Pointer whose tokens may be `*` (any one token) or `**` (any run of
/// tokens, including none). `/body/sessions/*/expires_at`, `/body/**/request_id`, `/**`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Pattern {
    text: String,
    segs: Vec<Seg>,
}

impl Pattern {
    /// Parses a pattern; it must be empty (the whole document) or start with `/`.
    pub fn parse(text: &str) -> Result<Self, PatternError> {
        let text = text.trim();
        if !text.is_empty() && !text.starts_with('/') {
            return Err(PatternError(format!(
                "invalid path `{text}`: use a JSON Pointer such as /body/request_id (wildcards: * for one segment, ** for any)"
            )));
        }
        let segs = tokens(text)
            .into_iter()
            .map(|t| match t.as_str() {
                "*" => Seg::One,
                "**" => Seg::Deep,
                _ => Seg::Key(t),
            })
            .collect();
        Ok(Self {
            text: text.to_owned(),
            segs,
        })
    }

    /// `/**`: every node.
    pub fn any() -> Self {
        Self {
            text: "/**".to_owned(),
            segs: vec![Seg::Deep],
        }
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// True when the pattern matches `pointer` exactly (wildcards expanded).
    pub fn matches(&self, pointer: &str) -> bool {
        let toks = tokens(pointer);
        match_segs(&self.segs, &toks)
    }

    /// True when the pattern matches `pointer` or one of its ancestors (the pattern covers the
    /// whole subtree below a matching node).
    pub fn covers(&self, pointer: &str) -> bool {
        let toks = tokens(pointer);
        (0..=toks.len()).any(|n| match_segs(&self.segs, &toks[..n]))
    }
}

impl fmt::Display for Pattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.text.is_empty() {
            "/"
        } else {
            &self.text
        })
    }
}

fn match_segs(segs: &[Seg], toks: &[String]) -> bool {
    let Some((seg, rest)) = segs.split_first() else {
        return toks.is_empty();
    };
    match seg {
        Seg::Deep => (0..=toks.len()).any(|i| match_segs(rest, &toks[i..])),
        Seg::One => !toks.is_empty() && match_segs(rest, &toks[1..]),
        Seg::Key(k) => toks.first().is_some_and(|t| t == k) && match_segs(rest, &toks[1..]),
    }
}

/// Generalises a concrete pointer into a pattern by replacing the tokens that index arrays
/// (given as positions) with `*`.
pub fn generalise(pointer: &str, array_positions: &[usize]) -> String {
    let toks = tokens(pointer);
    let mut out = String::new();
    for (i, t) in toks.iter().enumerate() {
        out.push('/');
        if array_positions.contains(&i) {
            out.push('*');
        } else {
            out.push_str(&escape(t));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn escapes_and_splits() {
        assert_eq!(push("/a", "b/c~d"), "/a/b~1c~0d");
        assert_eq!(tokens("/a/b~1c~0d"), vec!["a", "b/c~d"]);
        assert!(tokens("").is_empty());
        assert_eq!(parent("/a/b"), "/a");
        assert_eq!(parent("/a"), "");
    }

    #[test]
    fn wildcards_match() {
        let p = Pattern::parse("/body/sessions/*/expires_at").unwrap();
        assert!(p.matches("/body/sessions/3/expires_at"));
        assert!(!p.matches("/body/sessions/3/started_at"));
        assert!(!p.matches("/body/sessions/expires_at"));
        let d = Pattern::parse("/body/**/request_id").unwrap();
        assert!(d.matches("/body/request_id"));
        assert!(d.matches("/body/a/b/request_id"));
        assert!(!d.matches("/headers/request_id"));
        let all = Pattern::parse("/**").unwrap();
        assert!(all.matches("/x/y") && all.matches(""));
        assert!(Pattern::parse("body/x").is_err());
    }

    #[test]
    fn covers_subtrees() {
        let p = Pattern::parse("/body/user").unwrap();
        assert!(p.covers("/body/user/name"));
        assert!(p.covers("/body/user"));
        assert!(!p.covers("/body/users"));
        assert!(!p.covers("/body"));
    }

    #[test]
    fn replaces_and_generalises() {
        let mut v = json!({"a": [{"b": 1}]});
        replace(&mut v, "/a/0/b", json!("x"));
        assert_eq!(v, json!({"a": [{"b": "x"}]}));
        replace(&mut v, "/missing", json!(1));
        assert_eq!(generalise("/body/a/0/b", &[2]), "/body/a/*/b");
    }
}
