//! Planning: select cases, resolve each suite's API target and variables, decide skips.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use serde_json::Value;

use super::config::{RunConfig, Selection};
use crate::case::LoadedSuite;
use crate::case::model::{Case, Suite};
use crate::case::template::Scope;
use crate::redact::Redactor;
use crate::target::{ApiTarget, Secret, Target, env_placeholder};

/// Why a planned case will not run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skip {
    /// The full reason, with what to do about it.
    pub reason: String,
    /// A short label that groups skips with the same cause, e.g. `need var session_token (api
    /// stytch)` or `need api clerk`.
    pub group: String,
}

/// One case ready to run. Everything a suite's cases have in common (the suite, its folder, its
/// API target, its variables) is shared, not copied: a planned case costs a few words besides
/// its compiled case.
#[derive(Debug, Clone)]
pub struct PlannedCase {
    /// The suite it belongs to.
    pub suite: Arc<Suite>,
    /// Index of the case in the suite.
    pub case_index: usize,
    /// Directory of the case file (snapshots), shared by the suite's cases.
    pub dir: Option<Arc<Path>>,
    /// Where the suite's API lives (none: skipped), shared by the suite's cases.
    pub api: Option<Arc<ApiTarget>>,
    /// Variables visible to the case (no captures yet), shared by the suite's cases.
    pub scope: Arc<Scope>,
    /// Why the case will not run.
    pub skip: Option<Box<Skip>>,
    /// Position in the plan (for ordered output).
    pub position: usize,
}

impl PlannedCase {
    /// The case.
    pub fn case(&self) -> &Case {
        &self.suite.cases[self.case_index]
    }
}

/// A scheduling unit: one case, or the cases of a serial suite in order (positions in the plan).
/// A lone case costs no allocation, so a plan of a million cases schedules in one `Vec`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unit {
    /// One case that runs alongside any other.
    One(usize),
    /// The cases of a serial suite, run one after another.
    Serial(Vec<usize>),
}

impl Unit {
    /// The unit's cases, in the order they run.
    pub fn cases(&self) -> &[usize] {
        match self {
            Unit::One(i) => std::slice::from_ref(i),
            Unit::Serial(v) => v,
        }
    }
}

/// The cases of a run in order, with the target they run against.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Cases in suite-file order, then case order.
    pub cases: Vec<PlannedCase>,
    /// The target.
    pub target: Arc<Target>,
    /// Redacts every secret known before the run.
    pub redactor: Redactor,
}

impl Plan {
    /// Every schema id the planned cases check (each once, sorted).
    pub fn schema_ids(&self) -> Vec<&str> {
        let mut seen: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
        for s in self.cases.iter().flat_map(|pc| pc.case().steps.iter()) {
            seen.extend(s.expect.schemas.iter().map(|e| e.id.as_str()));
        }
        seen.into_iter().collect()
    }

    /// The scheduling units: each serial suite is one unit (its cases in order), every other
    /// case its own unit; units are in plan order.
    pub fn schedule(&self) -> Vec<Unit> {
        let mut units: Vec<Unit> = Vec::new();
        let mut serial: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, pc) in self.cases.iter().enumerate() {
            if !pc.suite.serial {
                units.push(Unit::One(i));
                continue;
            }
            match serial.get(pc.suite.name.as_str()).map(|&u| &mut units[u]) {
                Some(Unit::Serial(cases)) => cases.push(i),
                _ => {
                    serial.insert(&pc.suite.name, units.len());
                    units.push(Unit::Serial(vec![i]));
                }
            }
        }
        units
    }

    /// [`Plan::schedule`] as lists of plan positions.
    pub fn units(&self) -> Vec<Vec<usize>> {
        self.schedule().iter().map(|u| u.cases().to_vec()).collect()
    }

    /// The base URL of every API of the target, redacted, named by `prefix/api`
    /// (just `api` when `prefix` is empty).
    pub fn base_urls(&self, prefix: &str) -> Vec<(String, String)> {
        self.target
            .apis
            .iter()
            .map(|(api, t)| {
                let name = if prefix.is_empty() {
                    api.clone()
                } else {
                    format!("{prefix}/{api}")
                };
                (name, self.redactor.redact(t.base_url.as_str()))
            })
            .collect()
    }
}

/// Plans a run.
pub fn plan(
    suites: Vec<LoadedSuite>,
    target: Target,
    selection: &Selection,
    cfg: &RunConfig,
) -> Plan {
    // The shard is dealt over the whole selection, so every shard sees the same partition.
    let selected: Vec<bool> = if selection.selects_everything() {
        Vec::new()
    } else {
        let all: Vec<(&str, &[String])> = suites
            .iter()
            .flat_map(|l| l.suite.cases.iter().map(|c| (c.id.as_str(), &c.tags[..])))
            .collect();
        selection.select_all(&all)
    };
    let everything = selection.selects_everything();
    let mut selected = selected.into_iter();
    Planner::new(Arc::new(target)).plan(suites, cfg, &mut |_| {
        everything || selected.next().unwrap_or(false)
    })
}

/// Plans suites a batch at a time (a streamed run plans each batch of case files as it is
/// loaded): positions continue from batch to batch, and the redactor keeps every secret seen so
/// far, so a later batch never shows a secret an earlier suite declared.
#[derive(Debug, Clone)]
pub struct Planner {
    target: Arc<Target>,
    redactor: Redactor,
    next_position: usize,
}

impl Planner {
    /// A planner for `target`, its redactor knowing the target's secrets.
    pub fn new(target: Arc<Target>) -> Self {
        let mut redactor = Redactor::default();
        for s in target.secrets() {
            redactor.add(&s);
        }
        for (name, api) in &target.apis {
            redactor.add_credentials(&api.auth);
            // Credentials written into the base URL (`http://user:pw@host`).
            let url = &api.base_url;
            for (part, value) in [
                ("base_url_user", url.username()),
                ("base_url_password", url.password().unwrap_or_default()),
            ] {
                if value.is_empty() {
                    continue;
                }
                let decoded = percent_encoding::percent_decode_str(value).decode_utf8_lossy();
                for v in [value.to_owned(), decoded.into_owned()] {
                    redactor.add(&Secret {
                        value: v,
                        env_name: env_placeholder(name, part),
                    });
                }
            }
        }
        // A mint recipe logs in: the environment variables it reads are credentials, from the
        // first batch on.
        for api in target.apis.values() {
            for env in api.mint.iter().flat_map(|r| &r.uses_env) {
                if let Ok(value) = std::env::var(env) {
                    redactor.add(&Secret {
                        value,
                        env_name: env.clone(),
                    });
                }
            }
        }
        Self {
            target,
            redactor,
            next_position: 0,
        }
    }

    /// Redacts, from now on, the values that variables declared `secret: true` (as `(api,
    /// name, default)`) take against this target: a streamed run learns them before its first
    /// batch, so no batch shows a secret that a later suite declares.
    pub fn add_declared_secrets(
        &mut self,
        declared: &[(String, String, Option<Value>)],
        cfg: &RunConfig,
    ) {
        for (api_name, name, default) in declared {
            let api = self.target.api(api_name);
            let value = cfg
                .vars
                .get(name)
                .or_else(|| api.as_ref().and_then(|a| a.vars.get(name)))
                .or_else(|| self.target.vars.get(name))
                .or(default.as_ref());
            for v in value
                .map(super::exchange::secret_leaves)
                .unwrap_or_default()
            {
                self.redactor.add(&Secret {
                    value: v,
                    env_name: env_placeholder(api_name, name),
                });
            }
        }
    }

    /// An empty plan against the planner's target (its base URLs, its redactor).
    pub fn empty(&self) -> Plan {
        Plan {
            cases: Vec::new(),
            target: Arc::clone(&self.target),
            redactor: self.redactor.clone(),
        }
    }

    /// Plans the cases of `suites` for which `selected` (called once per case, in order) is
    /// true.
    pub fn plan(
        &mut self,
        suites: Vec<LoadedSuite>,
        cfg: &RunConfig,
        selected: &mut dyn FnMut(&Case) -> bool,
    ) -> Plan {
        let target = &self.target;
        let redactor = &mut self.redactor;
        let mut cases = Vec::with_capacity(suites.iter().map(|l| l.suite.cases.len()).sum());
        for loaded in suites {
            let dir: Option<Arc<Path>> = loaded.dir.map(Arc::from);
            let api = target.api(&loaded.suite.api).map(Arc::new);
            let suite = Arc::new(match api.as_ref().and_then(|a| a.mint.as_deref()) {
                Some(recipe) => {
                    let name = loaded.suite.api.clone();
                    // A recipe logs in: the environment variables it reads are credentials.
                    for env in &recipe.uses_env {
                        if let Ok(value) = std::env::var(env) {
                            redactor.add(&Secret {
                                value,
                                env_name: env.clone(),
                            });
                        }
                    }
                    super::mint::with_recipe(loaded.suite, &name, recipe)
                }
                None => loaded.suite,
            });
            let vars = resolve_vars(&suite, target, api.as_deref(), cfg);
            for (name, decl) in &suite.vars {
                if decl.secret || target.secret_vars.contains(name) {
                    for v in vars
                        .get(name)
                        .map(super::exchange::secret_leaves)
                        .unwrap_or_default()
                    {
                        redactor.add(&Secret {
                            value: v,
                            env_name: env_placeholder(&suite.api, name),
                        });
                    }
                }
            }
            let scope = Arc::new(Scope {
                vars,
                ..Scope::default()
            });
            for (i, case) in suite.cases.iter().enumerate() {
                if !selected(case) {
                    continue;
                }
                let skip = skip_reason(&suite, case, api.as_deref(), &scope.vars).map(Box::new);
                cases.push(PlannedCase {
                    suite: Arc::clone(&suite),
                    case_index: i,
                    dir: dir.clone(),
                    api: api.clone(),
                    scope: Arc::clone(&scope),
                    skip,
                    position: self.next_position,
                });
                self.next_position += 1;
            }
        }
        Plan {
            cases,
            target: Arc::clone(target),
            redactor: redactor.clone(),
        }
    }
}

/// Suite defaults < target vars < API vars < `--var`; only declared names are kept.
fn resolve_vars(
    suite: &Suite,
    target: &Target,
    api: Option<&ApiTarget>,
    cfg: &RunConfig,
) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    for (name, decl) in &suite.vars {
        let v = cfg
            .vars
            .get(name)
            .or_else(|| api.and_then(|a| a.vars.get(name)))
            .or_else(|| target.vars.get(name))
            .or(decl.default.as_ref());
        if let Some(v) = v {
            out.insert(name.clone(), v.clone());
        }
    }
    out
}

fn skip_reason(
    suite: &Suite,
    case: &Case,
    api: Option<&ApiTarget>,
    vars: &BTreeMap<String, Value>,
) -> Option<Skip> {
    if let Some(r) = &case.skip {
        return Some(Skip {
            reason: r.clone(),
            group: "declared skip".to_owned(),
        });
    }
    if api.is_none() {
        return Some(Skip {
            reason: format!(
                "no target for api `{}`: add it under `apis:` in the target file or pass --base-url {}=URL",
                suite.api, suite.api
            ),
            group: format!("need api {}", suite.api),
        });
    }
    let missing: Vec<&str> = case
        .uses_vars
        .iter()
        .filter(|v| !vars.contains_key(*v))
        .map(String::as_str)
        .collect();
    if !missing.is_empty() {
        return Some(Skip {
            reason: format!(
                "missing vars: {} (set them under `apis.{}.vars` in the target file or pass --var NAME=VALUE)",
                missing.join(", "),
                suite.api
            ),
            group: format!(
                "need var{} {} (api {})",
                if missing.len() == 1 { "" } else { "s" },
                missing.join(", "),
                suite.api
            ),
        });
    }
    let unset: Vec<&str> = case
        .uses_env
        .iter()
        .filter(|e| std::env::var(e).is_err())
        .map(String::as_str)
        .collect();
    if !unset.is_empty() {
        return Some(Skip {
            reason: format!("environment variables not set: {}", unset.join(", ")),
            group: format!("need env {}", unset.join(", ")),
        });
    }
    None
}
