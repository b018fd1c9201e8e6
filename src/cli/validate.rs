//! `sessconform validate`: saved JSON bodies against a schema, offline.

use sessconform::exit;
use sessconform::schema::SchemaStore;

use super::args::ValidateArgs;
use super::usage_error;

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
        let text = match std::fs::read_to_string(f) {
            Ok(t) => t,
            Err(e) => return usage_error(format!("failed to read {}: {e}", f.display())),
        };
        let value: serde_json::Value = match serde_json::from_str(&text) {
            Ok(v) => v,
            Err(e) => {
                return usage_error(format!(
                    "{}:{}:{}: invalid JSON: {e}",
                    f.display(),
                    e.line(),
                    e.column()
                ));
            }
        };
        match schemas.validate(&args.schema, &value) {
            Ok(v) if v.is_empty() => println!("PASS  {} ({})", f.display(), args.schema),
            Ok(violations) => {
                failed = true;
                println!(
                    "FAIL  {} ({}): {} violation{}",
                    f.display(),
                    args.schema,
                    violations.len(),
                    if violations.len() == 1 { "" } else { "s" }
                );
                for v in violations {
                    println!("  ✗ {v}");
                }
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
