//! `sessconform validate`: saved JSON bodies against a schema, offline, with the bounds of a
//! response body (a size cap, a bounded number of violations kept).

use super::out::outln;
use std::io::Read;
use std::path::Path;

use sessconform::exit;
use sessconform::schema::{Limits, SchemaStore, Violations};
use sessconform::tape::Tape;
use sessconform::tape::budget::Spent;

use super::args::ValidateArgs;
use super::usage_error;

/// Violations printed per file before the rest are counted.
const SHOWN: usize = 50;

/// Exit 0 when every file is valid, 1 when one is not, 2 on a usage error.
pub(crate) fn validate(args: &ValidateArgs) -> u8 {
    let schemas = match SchemaStore::load(true, &args.specs) {
        Ok(s) => s,
        Err(e) => return usage_error(e),
    };
    if let Err(unknown) = schemas.check_id(&args.schema) {
        return usage_error(unknown);
    }
    let mut failed = false;
    for f in &args.files {
        let bytes = match read_capped(f, args.body_cap) {
            Ok(b) => b,
            Err(e) => return usage_error(e),
        };
        let tape = match Tape::parse(&bytes) {
            Ok(t) => t,
            Err(e) => {
                return usage_error(format!(
                    "{}:{}:{}: invalid JSON: {e}",
                    f.display(),
                    e.line(),
                    e.column()
                ));
            }
        };
        let limits = Limits {
            keep: SHOWN,
            ..Limits::new(None)
        };
        match schemas.validate_bounded(&args.schema, tape.root(), limits) {
            Ok(v) if v.is_empty() => outln!("PASS  {} ({})", f.display(), args.schema),
            Ok(found) => {
                failed = true;
                print_failure(f, &args.schema, &found);
            }
            Err(e) => return usage_error(e),
        }
    }
    if failed {
        exit::CONTRACT_FAILED
    } else {
        exit::SUCCESS
    }
}

fn print_failure(file: &Path, schema: &str, found: &Violations) {
    let n = found.total;
    let at_least = if found.cut.is_some() { "at least " } else { "" };
    outln!(
        "FAIL  {} ({schema}): {at_least}{n} violation{}",
        file.display(),
        if n == 1 { "" } else { "s" }
    );
    for v in &found.list {
        outln!("  ✗ {v}");
    }
    let more = n.saturating_sub(found.list.len());
    match found.cut {
        None if more > 0 => outln!("  … and {more} more"),
        None => {}
        Some(Spent::Visits(visits)) => outln!(
            "  … and {more} more; checking stopped after {visits} array items and object \
             members (the rest of the file was not checked)"
        ),
        Some(Spent::Deadline) => outln!("  … and {more} more; checking ran out of time"),
    }
}

/// The file's bytes, refused (without reading them) when larger than `cap`.
fn read_capped(path: &Path, cap: usize) -> Result<Vec<u8>, String> {
    let fail = |e: std::io::Error| format!("failed to read {}: {e}", path.display());
    let file = std::fs::File::open(path).map_err(fail)?;
    let mut bytes = Vec::new();
    // One byte past the cap tells "at the cap" from "over it", whatever the metadata says
    // (pipes and /proc files report no length).
    let limit = u64::try_from(cap).unwrap_or(u64::MAX).saturating_add(1);
    file.take(limit).read_to_end(&mut bytes).map_err(fail)?;
    if bytes.len() > cap {
        return Err(format!(
            "{} is larger than --body-cap ({cap} bytes); raise --body-cap to validate it",
            path.display()
        ));
    }
    Ok(bytes)
}
