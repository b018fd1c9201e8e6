//! `sessconform lint`: loads and checks every case file and schema (and a target file), runs
//! nothing.

use super::out::outln;
use sessconform::exit;
use sessconform::target::load_target_file;

use super::args::LintArgs;
use super::diagnostic;
use super::inputs::load_inputs;

/// Exit 0 when everything loads, 2 with diagnostics otherwise.
pub(crate) fn lint(args: &LintArgs) -> u8 {
    let (schemas, suites) = match load_inputs(&args.input, true) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    if let Some(t) = &args.target {
        if let Err(e) = load_target_file(t) {
            return diagnostic(e);
        }
    }
    let cases: usize = suites.iter().map(|s| s.suite.cases.len()).sum();
    outln!(
        "ok: {} suite{}, {cases} cases, {} schemas",
        suites.len(),
        if suites.len() == 1 { "" } else { "s" },
        schemas.ids().len()
    );
    exit::SUCCESS
}
