//! Mint recipes: a target file's own way to obtain a fresh session (`apis.NAME.mint:`) takes
//! the place of the suite's recipe at every `mint: true` step of the suite's cases.

use std::collections::BTreeSet;

use crate::case::{Recipe, Step, Suite, VarDecl};

/// `suite` with `recipe` at its cases' `mint: true` steps (unchanged when no case has one).
/// A case whose later steps use a capture the recipe does not make is skipped, saying which.
pub(crate) fn with_recipe(mut suite: Suite, api: &str, recipe: &Recipe) -> Suite {
    if !suite
        .cases
        .iter()
        .any(|c| c.steps.iter().any(|s| s.from_mint.is_some()))
    {
        return suite;
    }
    let needed: Vec<&String> = suite
        .mint
        .as_ref()
        .map(|m| m.captures.iter().collect())
        .unwrap_or_default();
    let missing: Vec<&str> = needed
        .iter()
        .filter(|n| !recipe.captures.contains(n))
        .map(|n| n.as_str())
        .collect();
    for v in &recipe.uses_vars {
        suite.vars.entry(v.clone()).or_insert_with(|| VarDecl {
            default: None,
            secret: false,
            description: format!("used by the target's mint recipe for api {api}"),
        });
    }
    for case in &mut suite.cases {
        if !case.steps.iter().any(|s| s.from_mint.is_some()) {
            continue;
        }
        let mut steps: Vec<Step> = Vec::with_capacity(case.steps.len() + recipe.steps.len());
        let mut done: BTreeSet<u32> = BTreeSet::new();
        for step in case.steps.drain(..) {
            let Some(k) = step.from_mint else {
                steps.push(step);
                continue;
            };
            if !done.insert(k) {
                continue;
            }
            let label = step
                .name
                .split_once(": ")
                .map_or("mint", |(l, _)| l)
                .to_owned();
            for r in &recipe.steps {
                let mut s = r.clone();
                s.name = format!("{label}: {}", r.name);
                s.from_mint = Some(k);
                steps.push(s);
            }
        }
        case.steps = steps;
        let vars: BTreeSet<String> = case
            .own_refs
            .0
            .iter()
            .chain(&recipe.uses_vars)
            .cloned()
            .collect();
        let env: BTreeSet<String> = case
            .own_refs
            .1
            .iter()
            .chain(&recipe.uses_env)
            .cloned()
            .collect();
        case.uses_vars = vars.into_iter().collect();
        case.uses_env = env.into_iter().collect();
        if !missing.is_empty() && case.skip.is_none() {
            case.skip = Some(format!(
                "the target's mint recipe for api {api} does not capture {}, which the suite's \
                 `mint: true` steps provide (add it under the recipe's `capture:`)",
                missing.join(", ")
            ));
        }
    }
    suite
}
