//! `run --target A --target B ...`: one plan per target for a case × target matrix run.

use std::sync::Arc;

use sessconform::case::{LoadedSuite, load_suites};
use sessconform::compat::unique_names;
use sessconform::engine::{self, Plan, RunConfig, Selection};
use sessconform::exit;
use sessconform::schema::SchemaStore;
use sessconform::target::{Target, load_target_file};

use crate::cli::RunArgs;

/// Plans the run for `first` (from `--target` / `--base-url` / the embedded server) and, in a
/// matrix run, for every further `--target`; target names are made unique. Errors are printed
/// and returned as the exit code.
pub(crate) fn plans(
    args: &RunArgs,
    first: Target,
    suites: Vec<LoadedSuite>,
    selection: &Selection,
    cfg: &RunConfig,
    schemas: &SchemaStore,
) -> Result<Vec<Arc<Plan>>, u8> {
    let files: Vec<String> = args
        .target
        .target
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    if files.len() > 1 && !args.target.base_url.is_empty() {
        eprintln!(
            "error: --base-url cannot be combined with several --target files (set base URLs in each file)"
        );
        return Err(exit::USAGE);
    }
    let mut targets = vec![first];
    for path in args.target.target.iter().skip(1) {
        match load_target_file(path) {
            Ok(t) => targets.push(t),
            Err(e) => {
                eprintln!("{e}");
                return Err(exit::USAGE);
            }
        }
    }
    unique_names(&mut targets, &files);
    let mut plans = Vec::with_capacity(targets.len());
    let mut suites = Some(suites);
    for t in targets {
        // Planning consumes the suites; each further target gets a fresh load of the same files.
        let loaded = match suites.take() {
            Some(s) => s,
            None => match load_suites(&crate::source(&args.input.paths), schemas) {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("{e}");
                    return Err(exit::USAGE);
                }
            },
        };
        plans.push(Arc::new(engine::plan(loaded, t, selection, cfg)));
    }
    Ok(plans)
}
