//! Loading what a command runs: the schemas and the case files, in parallel.

use std::path::PathBuf;

use sessconform::case::{LoadedSuite, SuiteSource, compile_suites, parse_suites};
use sessconform::schema::SchemaStore;

use super::args::InputArgs;
use super::{diagnostic, usage_error};

/// The case files named on the command line, or the built-in suites when none are.
pub(crate) fn source(paths: &[PathBuf]) -> SuiteSource {
    if paths.is_empty() {
        SuiteSource::Builtin
    } else {
        SuiteSource::Paths(paths.to_vec())
    }
}

/// Loads the schemas (compiled up front when `eager`, as `lint` wants) and the suites; on error
/// prints the diagnostics and returns the usage exit code.
pub(crate) fn load_inputs(
    input: &InputArgs,
    eager: bool,
) -> Result<(SchemaStore, Vec<LoadedSuite>), u8> {
    // Schemas load on another core while the case files are parsed.
    let (schemas, parsed) = std::thread::scope(|scope| {
        let schemas = scope.spawn(|| {
            if eager {
                SchemaStore::load(true, &input.specs)
            } else {
                SchemaStore::load_lazy(true, &input.specs)
            }
        });
        let parsed = parse_suites(&source(&input.paths));
        let schemas = schemas
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        (schemas, parsed)
    });
    let schemas = schemas.map_err(usage_error)?;
    match parsed.and_then(|parsed| compile_suites(parsed, &schemas)) {
        Ok(suites) => Ok((schemas, suites)),
        Err(e) => Err(diagnostic(e)),
    }
}
