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
    let mut uses = VarUse::default();
    for s in suites {
        uses.add(s);
    }
    uses.advice(target, overrides)
}

/// What suites declare and their cases use, gathered a suite at a time (a streamed run sees
/// its suites a batch at a time, a big suite in pieces).
#[derive(Debug, Clone, Default)]
pub struct VarUse {
    /// Per API: the variables its suites declare or use.
    known: BTreeMap<String, BTreeSet<String>>,
    /// Per (API, variable): cases using it whose suite gives it no default.
    uses: BTreeMap<(String, String), usize>,
}

impl VarUse {
    /// Adds a suite (or a piece of one: its cases are counted once each).
    pub fn add(&mut self, s: &Suite) {
        let k = self.known.entry(s.api.clone()).or_default();
        k.extend(s.vars.keys().cloned());
        for c in &s.cases {
            k.extend(c.uses_vars.iter().cloned());
            for v in &c.uses_vars {
                if s.vars.get(v).is_none_or(|d| d.default.is_none()) {
                    *self.uses.entry((s.api.clone(), v.clone())).or_default() += 1;
                }
            }
        }
    }

    /// The advice for running the suites added so far against `target`, with `overrides`
    /// (`--var`) set on top.
    pub fn advice(&self, target: &Target, overrides: &BTreeMap<String, Value>) -> Vec<VarAdvice> {
        let known = &self.known;
        let all_known: BTreeSet<&String> = known.values().flatten().collect();
        let mut out = Vec::new();
        // Set by the target, known to no suite of that API.
        for (api, entry) in &target.apis {
            let Some(k) = known.get(api.as_str()) else {
                continue;
            };
            // A variable the target's own mint recipe reads is used, by the target.
            let by_recipe =
                |n: &String| entry.mint.as_ref().is_some_and(|r| r.uses_vars.contains(n));
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
        for ((api, name), &cases) in &self.uses {
            let Some(entry) = target.apis.get(api) else {
                continue;
            };
            if overrides.contains_key(name)
                || entry.vars.contains_key(name)
                || target.vars.contains_key(name)
            {
                continue;
            }
            let present = entry.vars.keys().chain(target.vars.keys());
            out.push(VarAdvice {
                message: format!(
                    "{cases} case{} need{} var `{name}` (api {api}), which the target does not set: they will be skipped{}",
                    if cases == 1 { "" } else { "s" },
                    if cases == 1 { "s" } else { "" },
                    did_you_mean(closest(name, present))
                ),
            });
        }
        out
    }
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
