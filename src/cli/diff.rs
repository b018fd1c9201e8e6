//! `sessconform diff`: its arguments and the command (load, plan both sides, run, report, exit).

use super::out::errln;
use std::path::PathBuf;
use std::sync::Arc;

use clap::Args;

use sessconform::case::{LoadedSuite, load_suites};
use sessconform::compat::{self, DiffOptions, DiffSides, Rule, Rules};
use sessconform::engine::{self, Cancel};
use sessconform::exit;
use sessconform::report::Reporter;
use sessconform::report::compat_console::DiffConsole;
use sessconform::report::stdout::BufferedStdout;
use sessconform::schema::SchemaStore;
use sessconform::target::{Target, load_target_file};

use super::args::{HttpArgs, InputArgs, OutputArgs, SelectArgs, VarArgs};
use super::inputs::source;
use super::output::{finish, reporters, style};
use super::signal::cancel_on_ctrl_c;
use super::{diagnostic, usage_error};

/// Examples and exit codes of `diff`.
pub(crate) const AFTER_HELP: &str = "\
Examples:
  sessconform diff --baseline vendor.yaml --candidate mock.yaml
  sessconform diff --baseline a.yaml --candidate b.yaml --suite stytch --rule set:/body/sessions
  sessconform diff --baseline a.yaml --candidate b.yaml --rule ignore:/body/request_id --rule uuid --header cache-control
  sessconform diff --baseline vendor.yaml --record golden/          save the vendor's responses
  sessconform diff --candidate vendor.yaml --against golden/        later: compare with them offline

Rules (--rule, repeatable, or a --rules FILE): ignore:PATH, uuid[:PATH], timestamp[:PATH][:TOLERANCE],
set:PATH. PATH is a JSON Pointer into {status, headers, body}, e.g. /body/sessions/*/expires_at, with
* for one segment and ** for any. Built in: timestamp:/**:60s (off with --no-default-rules).
Noise is learned by calling the baseline twice (off with --no-learn).

Exit codes: 0 no differences, 1 differences remain, 2 usage or configuration error,
3 a side could not be reached for some cases (and no differences).";

/// `diff` options.
#[derive(Debug, Args, Clone)]
pub struct DiffArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Target file of the reference side.
    #[arg(long, value_name = "FILE")]
    pub baseline: Option<PathBuf>,
    /// Target file of the side compared with the baseline (or with --against golden files).
    #[arg(long, value_name = "FILE")]
    pub candidate: Option<PathBuf>,
    /// Only the suite with this name (repeatable).
    #[arg(long, value_name = "NAME")]
    pub suite: Vec<String>,
    #[command(flatten)]
    pub select: SelectArgs,
    /// A comparison rule, e.g. ignore:/body/request_id, uuid, timestamp:/body/**:5m, set:/body/sessions (repeatable).
    #[arg(long = "rule", value_name = "RULE")]
    pub rule: Vec<String>,
    /// A YAML rules file (`headers:` and `rules:`); repeatable.
    #[arg(long = "rules", value_name = "FILE")]
    pub rules_file: Vec<PathBuf>,
    /// Also compare this response header (content-type always is); repeatable.
    #[arg(long = "header", value_name = "NAME")]
    pub header: Vec<String>,
    /// Do not apply the built-in rules (timestamps within 60 s).
    #[arg(long)]
    pub no_default_rules: bool,
    /// Do not call the baseline a second time to learn noise.
    #[arg(long)]
    pub no_learn: bool,
    /// Save the baseline's normalised responses as golden files in DIR.
    #[arg(long, value_name = "DIR")]
    pub record: Option<PathBuf>,
    /// Compare the candidate with golden files in DIR (no baseline needed).
    #[arg(long, value_name = "DIR", conflicts_with_all = ["baseline", "record"])]
    pub against: Option<PathBuf>,
    #[command(flatten)]
    pub vars: VarArgs,
    /// Cases in flight at once. One by default, so both sides see the same history of calls;
    /// raise it when the suites' cases do not share server state.
    #[arg(long, short = 'j', default_value_t = 1, value_name = "N")]
    pub jobs: usize,
    #[command(flatten)]
    pub http: HttpArgs,
    #[command(flatten)]
    pub output: OutputArgs,
}

impl DiffArgs {
    /// The diff options; errors are printed and returned as the exit code.
    fn options(&self) -> Result<DiffOptions, u8> {
        let run = self
            .http
            .config(self.jobs, &self.vars)
            .map_err(usage_error)?;
        let mut rules = Rules::default();
        if !self.no_default_rules {
            rules.rules.extend(Rules::defaults());
        }
        for f in &self.rules_file {
            rules.load_file(f).map_err(diagnostic)?;
        }
        for r in &self.rule {
            rules.rules.push(Rule::parse_cli(r).map_err(usage_error)?);
        }
        for h in &self.header {
            let h = h.trim().to_ascii_lowercase();
            if h.is_empty() || h.contains(|c: char| c.is_whitespace() || c == ':') {
                return Err(usage_error(format!(
                    "invalid --header `{h}`: give a header name"
                )));
            }
            if !rules.headers.contains(&h) {
                rules.headers.push(h);
            }
        }
        Ok(DiffOptions {
            run,
            rules,
            learn: !self.no_learn,
            record: self.record.clone(),
            against: self.against.clone(),
        })
    }
}

fn load(args: &DiffArgs, schemas: &SchemaStore) -> Result<Vec<LoadedSuite>, String> {
    let mut suites = load_suites(&source(&args.input.paths), schemas).map_err(|e| e.to_string())?;
    if !args.suite.is_empty() {
        for name in &args.suite {
            if !suites.iter().any(|s| s.suite.name == *name) {
                let known: Vec<&str> = suites.iter().map(|s| s.suite.name.as_str()).collect();
                return Err(format!(
                    "error: unknown suite `{name}`; known suites: {}",
                    known.join(", ")
                ));
            }
        }
        suites.retain(|s| args.suite.contains(&s.suite.name));
    }
    Ok(suites)
}

fn target(path: &Option<PathBuf>) -> Result<Option<Target>, String> {
    path.as_ref()
        .map(|p| load_target_file(p).map_err(|e| e.to_string()))
        .transpose()
}

/// Runs `sessconform diff`.
pub(crate) async fn diff(args: DiffArgs) -> u8 {
    let opts = match args.options() {
        Ok(o) => o,
        Err(code) => return code,
    };
    // Suites refer to schema ids, so the store is loaded; a diff checks no schema, so none is
    // compiled.
    let schemas = match SchemaStore::load_lazy(true, &args.input.specs) {
        Ok(s) => Arc::new(s),
        Err(e) => return usage_error(e),
    };
    let (mut baseline, mut candidate) = match (target(&args.baseline), target(&args.candidate)) {
        (Ok(b), Ok(c)) => (b, c),
        (Err(e), _) | (_, Err(e)) => {
            errln!("{e}");
            return exit::USAGE;
        }
    };
    // Two servers describing themselves alike (`serve` always says `reference`): tell them apart
    // by file name, as matrix runs do.
    if let (Some(b), Some(c), Some(bf), Some(cf)) = (
        baseline.as_mut(),
        candidate.as_mut(),
        &args.baseline,
        &args.candidate,
    ) {
        let mut pair = [std::mem::take(b), std::mem::take(c)];
        compat::unique_names(
            &mut pair,
            &[bf.display().to_string(), cf.display().to_string()],
        );
        let [nb, nc] = pair;
        *b = nb;
        *c = nc;
    }
    let selection = args.select.selection();
    let plan_side = |t: Option<Target>| -> Result<Option<Arc<engine::Plan>>, String> {
        let Some(t) = t else { return Ok(None) };
        let suites = load(&args, &schemas)?;
        Ok(Some(Arc::new(engine::plan(
            suites, t, &selection, &opts.run,
        ))))
    };
    let sides = match (plan_side(baseline), plan_side(candidate)) {
        (Ok(b), Ok(c)) => DiffSides {
            baseline: b,
            candidate: c,
        },
        (Err(e), _) | (_, Err(e)) => {
            errln!("{e}");
            return exit::USAGE;
        }
    };
    let empty = sides
        .baseline
        .as_ref()
        .or(sides.candidate.as_ref())
        .is_some_and(|p| p.cases.is_empty());
    if empty && args.select.shard.is_none() {
        return usage_error("no cases match the filters (see `sessconform list`)");
    }
    let recording_only = sides.candidate.is_none();
    let console = DiffConsole::new(BufferedStdout, style(args.output.color), recording_only)
        .quiet(args.output.quiet)
        .verbose(args.output.verbose);
    let mut reporters = match reporters(&args.output, Box::new(console)) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let cancel = Cancel::default();
    let ctrl_c = cancel_on_ctrl_c(&cancel);
    let result = compat::run_diff(sides, &opts, cancel, &mut |ev| reporters.on_event(ev)).await;
    ctrl_c.abort();
    let summary = match result {
        Ok(s) => s,
        Err(e) => return usage_error(e),
    };
    finish(&mut reporters);
    exit::for_summary(&summary)
}
