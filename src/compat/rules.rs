//! Declared comparison rules for differential runs: ignore a path, mask UUIDs, accept timestamps
//! within a tolerance, compare arrays as sets; plus which response headers are compared.
//!
//! On the command line a rule is `KIND[:PATH][:TOLERANCE]`, e.g. `ignore:/body/request_id`,
//! `uuid`, `timestamp:/body/**:5m`, `set:/body/sessions`. A rules file is YAML:
//! ```yaml
//! headers: [content-type, cache-control]   # compared headers (default: content-type)
//! rules:
//!   - {ignore: /body/request_id, why: a new id per request}
//!   - {uuid: /body/**}
//!   - {timestamp: /body/**, tolerance: 5m}
//!   - {set: /body/sessions}
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::pointer::Pattern;
use crate::case::parse_duration;
use crate::diagnostic::{LoadError, yaml_error};
use crate::source::SourceFile;

/// Tolerance of a `timestamp` rule without one.
pub const DEFAULT_TOLERANCE: Duration = Duration::from_secs(60);

/// What a rule does at the paths it matches.
#[derive(Debug, Clone, PartialEq)]
pub enum RuleKind {
    /// Leave the subtree out of the comparison.
    Ignore,
    /// Replace every UUID inside strings with `<uuid>` before comparing.
    Uuid,
    /// RFC 3339 strings and epoch-millisecond numbers are equal when within the tolerance.
    Timestamp(Duration),
    /// Compare the array as a multiset (order ignored).
    Set,
}

/// Where a rule came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum RuleOrigin {
    /// Built in (switched off with `--no-default-rules`).
    Default,
    /// `--rule` on the command line.
    Cli,
    /// A rules file.
    File,
}

/// One declared rule.
#[derive(Debug, Clone)]
pub struct Rule {
    /// What it does.
    pub kind: RuleKind,
    /// Where it applies.
    pub pattern: Pattern,
    /// Why it exists (shown in the noise summary).
    pub why: Option<String>,
    /// Where it came from.
    pub origin: RuleOrigin,
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            RuleKind::Ignore => write!(f, "ignore:{}", self.pattern),
            RuleKind::Uuid => write!(f, "uuid:{}", self.pattern),
            RuleKind::Timestamp(t) => {
                write!(f, "timestamp:{}:{}", self.pattern, format_duration(*t))
            }
            RuleKind::Set => write!(f, "set:{}", self.pattern),
        }?;
        if self.origin == RuleOrigin::Default {
            f.write_str(" (default)")?;
        }
        Ok(())
    }
}

/// Formats a tolerance compactly: `60s`, `5m`, `250ms`.
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms % 3_600_000 == 0 && ms >= 3_600_000 {
        format!("{}h", ms / 3_600_000)
    } else if ms % 60_000 == 0 && ms > 600_000 {
        format!("{}m", ms / 60_000)
    } else if ms % 1000 == 0 {
        format!("{}s", ms / 1000)
    } else {
        format!("{ms}ms")
    }
}

/// An invalid `--rule` value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RuleError(String);

impl Rule {
    /// Parses `KIND[:PATH][:TOLERANCE]`.
    pub fn parse_cli(spec: &str) -> Result<Self, RuleError> {
        let spec = spec.trim();
        let (kind, rest) = match spec.split_once(':') {
            Some((k, r)) => (k.trim(), Some(r.trim())),
            None => (spec, None),
        };
        let bad = |m: &str| {
            RuleError(format!(
                "invalid --rule `{spec}`: {m} (forms: ignore:PATH, uuid[:PATH], timestamp[:PATH][:TOLERANCE], set:PATH)"
            ))
        };
        let (path, tolerance) = match (kind, rest) {
            ("timestamp" | "time", Some(r)) => match r.rsplit_once(':') {
                Some((p, t)) => (Some(p), Some(t)),
                None if r.starts_with('/') || r.is_empty() => (Some(r), None),
                None => (None, Some(r)),
            },
            (_, r) => (r, None),
        };
        let path = path.filter(|p| !p.is_empty());
        let kind = match kind {
            "ignore" => RuleKind::Ignore,
            "uuid" => RuleKind::Uuid,
            "timestamp" | "time" => RuleKind::Timestamp(match tolerance {
                Some(t) => parse_duration(t).map_err(|e| bad(&e.to_string()))?,
                None => DEFAULT_TOLERANCE,
            }),
            "set" => RuleKind::Set,
            other => return Err(bad(&format!("unknown rule kind `{other}`"))),
        };
        let pattern = match (path, &kind) {
            (Some(p), _) => Pattern::parse(p).map_err(|e| bad(&e.to_string()))?,
            (None, RuleKind::Uuid | RuleKind::Timestamp(_)) => any(),
            (None, _) => return Err(bad("this kind needs a path")),
        };
        Ok(Self {
            kind,
            pattern,
            why: None,
            origin: RuleOrigin::Cli,
        })
    }
}

fn any() -> Pattern {
    Pattern::any()
}

/// Every rule of a differential run and the compared headers.
#[derive(Debug, Clone)]
pub struct Rules {
    /// Rules in declaration order.
    pub rules: Vec<Rule>,
    /// Compared response headers, lower case.
    pub headers: Vec<String>,
}

impl Default for Rules {
    fn default() -> Self {
        Self {
            rules: Vec::new(),
            headers: vec!["content-type".to_owned()],
        }
    }
}

impl Rules {
    /// The built-in rules: timestamps within 60 s anywhere (two servers never start at the same
    /// instant, so their clock-derived fixture times always differ a little).
    pub fn defaults() -> Vec<Rule> {
        vec![Rule {
            kind: RuleKind::Timestamp(DEFAULT_TOLERANCE),
            pattern: any(),
            why: Some("clocks of two servers never agree exactly".to_owned()),
            origin: RuleOrigin::Default,
        }]
    }

    /// The first `ignore` rule covering `pointer` (the pointer or one of its ancestors).
    pub fn ignored(&self, pointer: &str) -> Option<&Rule> {
        self.rules
            .iter()
            .find(|r| r.kind == RuleKind::Ignore && r.pattern.covers(pointer))
    }

    /// The first rule of a kind matching `pointer` exactly.
    pub fn find(&self, pointer: &str, pred: impl Fn(&RuleKind) -> bool) -> Option<&Rule> {
        self.rules
            .iter()
            .find(|r| pred(&r.kind) && r.pattern.matches(pointer))
    }

    /// Adds the rules and headers of a rules file.
    pub fn load_file(&mut self, path: &Path) -> Result<(), LoadError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| LoadError {
            diagnostics: vec![crate::diagnostic::Diagnostic {
                span: None,
                file: name.clone(),
                message: format!("failed to read rules file: {e}"),
                hint: None,
            }],
        })?;
        self.parse_file(&name, &text)
    }

    /// Adds the rules and headers of rules-file text.
    pub fn parse_file(&mut self, name: &str, text: &str) -> Result<(), LoadError> {
        let file = SourceFile::new(name, text);
        let raw: RawRules = serde_saphyr::from_str(text).map_err(|e| yaml_error(&file, &e))?;
        let mut errors = Vec::new();
        for h in raw.headers {
            let h = h.trim().to_ascii_lowercase();
            if !h.is_empty() && !self.headers.contains(&h) {
                self.headers.push(h);
            }
        }
        for (i, r) in raw.rules.into_iter().enumerate() {
            match r.into_rule() {
                Ok(rule) => self.rules.push(rule),
                Err(e) => errors.push(crate::diagnostic::Diagnostic {
                    span: None,
                    file: name.to_owned(),
                    message: format!("rule {}: {e}", i + 1),
                    hint: Some(
                        "each rule has one of ignore, uuid, timestamp, set (a path), and optionally tolerance and why"
                            .to_owned(),
                    ),
                }),
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(LoadError {
                diagnostics: errors,
            })
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRules {
    #[serde(default)]
    headers: Vec<String>,
    #[serde(default)]
    rules: Vec<RawRule>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    #[serde(default)]
    ignore: Option<String>,
    #[serde(default)]
    uuid: Option<String>,
    #[serde(default)]
    timestamp: Option<String>,
    #[serde(default)]
    set: Option<String>,
    #[serde(default)]
    tolerance: Option<String>,
    #[serde(default)]
    why: Option<String>,
}

impl RawRule {
    fn into_rule(self) -> Result<Rule, String> {
        let mut kinds: BTreeMap<&str, (RuleKind, String)> = BTreeMap::new();
        if let Some(p) = self.ignore {
            kinds.insert("ignore", (RuleKind::Ignore, p));
        }
        if let Some(p) = self.uuid {
            kinds.insert("uuid", (RuleKind::Uuid, p));
        }
        if let Some(p) = self.timestamp {
            let tol = match &self.tolerance {
                Some(t) => parse_duration(t).map_err(|e| e.to_string())?,
                None => DEFAULT_TOLERANCE,
            };
            kinds.insert("timestamp", (RuleKind::Timestamp(tol), p));
        } else if self.tolerance.is_some() {
            return Err("`tolerance` only applies to `timestamp`".to_owned());
        }
        if let Some(p) = self.set {
            kinds.insert("set", (RuleKind::Set, p));
        }
        if kinds.len() != 1 {
            return Err(format!(
                "expected exactly one of ignore, uuid, timestamp, set; found {}",
                kinds.len()
            ));
        }
        let Some((_, (kind, path))) = kinds.into_iter().next() else {
            return Err("empty rule".to_owned());
        };
        Ok(Rule {
            kind,
            pattern: Pattern::parse(&path).map_err(|e| e.to_string())?,
            why: self.why,
            origin: RuleOrigin::File,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_cli_rules() {
        let r = Rule::parse_cli("ignore:/body/request_id").unwrap();
        assert_eq!(r.kind, RuleKind::Ignore);
        assert!(r.pattern.matches("/body/request_id"));
        assert_eq!(
            Rule::parse_cli("timestamp:/body/**:5m").unwrap().kind,
            RuleKind::Timestamp(Duration::from_secs(300))
        );
        assert_eq!(
            Rule::parse_cli("timestamp:2s").unwrap().kind,
            RuleKind::Timestamp(Duration::from_secs(2))
        );
        let t = Rule::parse_cli("timestamp").unwrap();
        assert!(t.pattern.matches("/body/a/b"));
        assert_eq!(Rule::parse_cli("uuid").unwrap().kind, RuleKind::Uuid);
        assert_eq!(
            Rule::parse_cli("set:/body/sessions").unwrap().to_string(),
            "set:/body/sessions"
        );
        for bad in ["ignore", "nope:/x", "set:body", "timestamp:/x:forever"] {
            let e = Rule::parse_cli(bad).unwrap_err();
            assert!(e.to_string().contains("invalid --rule"), "{e}");
        }
    }

    #[test]
    fn parses_rules_file() {
        let mut rules = Rules::default();
        rules
            .parse_file(
                "r.yaml",
                "headers: [Cache-Control]\nrules:\n  - {ignore: /body/request_id, why: per request}\n  - {timestamp: /body/**, tolerance: 5m}\n  - {set: /body/sessions}\n",
            )
            .unwrap();
        assert_eq!(rules.headers, vec!["content-type", "cache-control"]);
        assert_eq!(rules.rules.len(), 3);
        assert!(rules.ignored("/body/request_id").is_some());
        assert!(
            rules
                .find("/body/sessions", |k| *k == RuleKind::Set)
                .is_some()
        );
        let e = Rules::default()
            .parse_file("r.yaml", "rules:\n  - {ignore: /a, set: /b}\n")
            .unwrap_err();
        assert!(e.to_string().contains("exactly one"), "{e}");
        let e = Rules::default()
            .parse_file("r.yaml", "rulez: []\n")
            .unwrap_err();
        assert!(e.to_string().contains("r.yaml:1:1"), "{e}");
    }
}
