//! `sessconform lint`: loads and checks every case file and schema (and a target file), runs
//! nothing.

use super::out::outln;
use sessconform::engine::var_advice;
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
        let target = match load_target_file(t) {
            Ok(target) => target,
            Err(e) => return diagnostic(e),
        };
        let suites = suites.iter().map(|l| &l.suite);
        for a in var_advice(&target, suites, &std::collections::BTreeMap::new()) {
            eprintln!("warning: {}: {}", t.display(), a.message);
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
