//! Advice on a target's variables before anything runs: variables the target sets that no
//! suite of that API knows (a typo, or a stale file), and variables the cases need that the
//! target does not set (their cases will be skipped), each with the closest known name.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use crate::case::model::Suite;
use crate::target::Target;

/// One piece of advice, ready to print after `warning: `.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VarAdvice {
    /// What is wrong and what to do.
    pub message: String,
}

/// The closest of `candidates` to `name`, if it is close enough to be a likely typo.
fn closest<'a>(name: &str, candidates: impl IntoIterator<Item = &'a String>) -> Option<&'a str> {
    let limit = (name.chars().count() / 4).clamp(1, 3);
    candidates
        .into_iter()
        .filter(|c| c.as_str() != name)
        .map(|c| (strsim::levenshtein(name, c), c))
        .filter(|(d, _)| *d <= limit)
        .min_by(|a, b| a.0.cmp(&b.0).then(a.1.cmp(b.1)))
        .map(|(_, c)| c.as_str())
}

fn did_you_mean(s: Option<&str>) -> String {
    s.map(|c| format!("; did you mean `{c}`?"))
        .unwrap_or_default()
}

/// Advice for running `suites` against `target`, with `overrides` (`--var`) set on top.
pub fn var_advice<'a>(
    target: &Target,
    suites: impl IntoIterator<Item = &'a Suite>,
    overrides: &BTreeMap<String, Value>,
) -> Vec<VarAdvice> {
    // What the suites of each API declare, and what their cases use.
    let mut known: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    let mut needed: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    let mut suites_by_api: BTreeMap<&str, Vec<&Suite>> = BTreeMap::new();
    for s in suites {
        suites_by_api.entry(&s.api).or_default().push(s);
        let k = known.entry(&s.api).or_default();
        k.extend(s.vars.keys().cloned());
        for c in &s.cases {
            k.extend(c.uses_vars.iter().cloned());
        }
    }
    let all_known: BTreeSet<&String> = known.values().flatten().collect();
    let mut out = Vec::new();
    // Set by the target, known to no suite of that API.
    for (api, entry) in &target.apis {
        let Some(k) = known.get(api.as_str()) else {
            continue;
        };
        // A variable the target's own mint recipe reads is used, by the target.
        let by_recipe = |n: &String| entry.mint.as_ref().is_some_and(|r| r.uses_vars.contains(n));
        for name in entry
            .vars
            .keys()
            .filter(|n| !k.contains(*n) && !by_recipe(n))
        {
            out.push(VarAdvice {
                message: format!(
                    "target var `{name}` (api {api}) is not used by any case{}",
                    did_you_mean(closest(name, k))
                ),
            });
        }
    }
    let by_any_recipe = |n: &String| {
        target
            .apis
            .values()
            .any(|e| e.mint.as_ref().is_some_and(|r| r.uses_vars.contains(n)))
    };
    for name in target
        .vars
        .keys()
        .filter(|n| !all_known.contains(n) && !by_any_recipe(n))
    {
        out.push(VarAdvice {
            message: format!(
                "target var `{name}` is not used by any case{}",
                did_you_mean(closest(name, all_known.iter().copied()))
            ),
        });
    }
    // Needed by a case, set nowhere.
    for (api, list) in &suites_by_api {
        let Some(entry) = target.apis.get(*api) else {
            continue;
        };
        for s in list {
            for c in &s.cases {
                for v in &c.uses_vars {
                    let set = overrides.contains_key(v)
                        || entry.vars.contains_key(v)
                        || target.vars.contains_key(v)
                        || s.vars.get(v).is_some_and(|d| d.default.is_some());
                    if !set {
                        *needed.entry((api, v.as_str())).or_default() += 1;
                    }
                }
            }
        }
    }
    for ((api, name), cases) in needed {
        let present: Vec<&String> = target
            .apis
            .get(api)
            .map(|e| e.vars.keys().collect())
            .unwrap_or_default();
        let name = name.to_owned();
        out.push(VarAdvice {
            message: format!(
                "{cases} case{} need{} var `{name}` (api {api}), which the target does not set: they will be skipped{}",
                if cases == 1 { "" } else { "s" },
                if cases == 1 { "s" } else { "" },
                did_you_mean(closest(&name, present.into_iter().chain(target.vars.keys())))
            ),
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_names_are_suggested_far_ones_are_not() {
        let names: Vec<String> = ["session_token", "user_id", "mint_path"]
            .map(str::to_owned)
            .to_vec();
        assert_eq!(closest("sesion_token", &names), Some("session_token"));
        assert_eq!(closest("userid", &names), Some("user_id"));
        assert_eq!(closest("organization_id", &names), None);
        assert_eq!(
            closest("user_id", &names),
            None,
            "itself is not a suggestion"
        );
    }
}
