//! `sessconform list`: the suites and cases the filters select, without any network.

use super::out::outln;
use sessconform::engine::streams;
use sessconform::exit;

use super::args::ListArgs;
use super::inputs::load_inputs;

/// Prints every selected case with its tags and the variables it uses.
pub(crate) fn list(args: &ListArgs) -> u8 {
    let (_schemas, suites) = match load_inputs(&args.input, false) {
        Ok(loaded) => loaded,
        Err(code) => return code,
    };
    let sel = args.select.selection();
    let all: Vec<(&str, &[String])> = suites
        .iter()
        .flat_map(|l| l.suite.cases.iter().map(|c| (c.id.as_str(), &c.tags[..])))
        .collect();
    // The cases a run of these files selects: a streamed run deals shards by id hash.
    let mut selected = match streams(&args.input.paths, 1, &sel) {
        Ok(true) => all
            .iter()
            .map(|(id, tags)| sel.selects_streamed(id, tags))
            .collect::<Vec<bool>>(),
        _ => sel.select_all(&all),
    }
    .into_iter();
    let mut total = 0;
    for loaded in &suites {
        let s = &loaded.suite;
        let cases: Vec<_> = s
            .cases
            .iter()
            .filter(|_| selected.next().unwrap_or(false))
            .collect();
        if cases.is_empty() {
            continue;
        }
        outln!(
            "{} (api {}, {} case{}){}",
            s.name,
            s.api,
            cases.len(),
            if cases.len() == 1 { "" } else { "s" },
            if s.serial { " [serial]" } else { "" }
        );
        for c in cases {
            total += 1;
            let vars = if c.uses_vars.is_empty() {
                String::new()
            } else {
                format!("  vars: {}", c.uses_vars.join(", "))
            };
            outln!("  {}  [{}]{vars}", c.id, c.tags.join(", "));
        }
    }
    outln!("{total} case{}", if total == 1 { "" } else { "s" });
    exit::SUCCESS
}
