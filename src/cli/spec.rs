//! `sessconform spec import|drift`: JSON Schemas from a vendor's OpenAPI file, and the drift
//! between our schemas and the components they cite.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand, ValueEnum};
use sessconform::exit;
use sessconform::schema::SchemaStore;
use sessconform::spec::drift::{self, DriftReport};
use sessconform::spec::import::{self, Target};
use sessconform::spec::{OpenApi, Profile, Severity};

use super::usage_error;

/// Help text of `sessconform spec`.
pub(crate) const AFTER_HELP: &str = "\
Examples:
  sessconform spec import --openapi stytch-openapi.yml --component api_session_v1_Session --id my/session --out specs/ --strict
  sessconform spec import --openapi clerk.yml --operation 'GET /sessions' --status 200 --id my/sessions
  sessconform spec drift --openapi clerk-bapi-2026-05-12-openapi.yml
  sessconform spec drift --openapi latest.yml --source stytch-openapi.yml --format json

Exit codes (drift): 0 no breaking change, 1 a breaking change, 2 usage or input error.";

/// `spec` subcommands.
#[derive(Debug, Subcommand)]
pub enum SpecCommand {
    /// Write a JSON Schema for one component or one operation's response body.
    Import(ImportArgs),
    /// Compare our schemas with the components they cite (x-source) in an OpenAPI file.
    Drift(DriftArgs),
}

/// `spec import` options.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["component", "operation"])))]
pub struct ImportArgs {
    /// The OpenAPI 3.0 or 3.1 file (YAML or JSON).
    #[arg(long, value_name = "FILE")]
    pub openapi: PathBuf,
    /// A component under components.schemas.
    #[arg(long, value_name = "NAME")]
    pub component: Option<String>,
    /// An operation, e.g. 'GET /v1/sessions' (needs --status).
    #[arg(long, value_name = "'METHOD /path'", requires = "status")]
    pub operation: Option<String>,
    /// The response status of --operation, e.g. 200.
    #[arg(long, value_name = "CODE", requires = "operation")]
    pub status: Option<String>,
    /// The schema id to give it, e.g. my/session (written as <out>/my/session.json).
    #[arg(long, value_name = "ID")]
    pub id: String,
    /// Folder to write into (default: print the schema).
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Also write the strict twin (strict/<id>: objects closed); without --out, print only it.
    #[arg(long)]
    pub strict: bool,
}

/// Text or JSON.
#[derive(Debug, Clone, Copy, ValueEnum, Default)]
pub enum Format {
    /// One block per schema.
    #[default]
    Text,
    /// The whole report as one JSON object (for CI).
    Json,
}

/// `spec drift` options.
#[derive(Debug, Args)]
pub struct DriftArgs {
    /// The vendor's current OpenAPI file.
    #[arg(long, value_name = "FILE")]
    pub openapi: PathBuf,
    /// Add a folder of JSON Schemas (repeatable); they are checked too.
    #[arg(long, value_name = "DIR")]
    pub specs: Vec<PathBuf>,
    /// The file name schemas cite in x-source.file, when FILE is saved under another name.
    #[arg(long, value_name = "NAME")]
    pub source: Option<String>,
    /// Also compare the strict twins (strict/…): a vendor's new member or enum value breaks them.
    #[arg(long)]
    pub strict: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// Runs a `spec` subcommand and returns the exit code.
pub(crate) fn spec(command: &SpecCommand) -> u8 {
    match command {
        SpecCommand::Import(args) => run_import(args),
        SpecCommand::Drift(args) => run_drift(args),
    }
}

fn run_import(args: &ImportArgs) -> u8 {
    let api = match OpenApi::load(&args.openapi) {
        Ok(a) => a,
        Err(e) => return usage_error(e),
    };
    let target = match (&args.component, &args.operation, &args.status) {
        (Some(c), _, _) => Target::Component(c),
        (None, Some(operation), Some(status)) => Target::Operation { operation, status },
        _ => {
            return usage_error(
                "give --component NAME, or --operation 'METHOD /path' with --status",
            );
        }
    };
    let mut profiles = vec![Profile::Lenient];
    if args.strict {
        if args.out.is_none() {
            profiles = Vec::new();
        }
        profiles.push(Profile::Strict);
    }
    for profile in profiles {
        let imported = match import::import(&api, target, &args.id, profile) {
            Ok(i) => i,
            Err(e) => return usage_error(e),
        };
        let text = import::to_pretty(&imported.schema);
        match &args.out {
            None => emit(&text),
            Some(dir) => {
                let path = dir.join(format!("{}.json", imported.id));
                if let Err(e) = write(&path, &text) {
                    return usage_error(format!("failed to write {}: {e}", path.display()));
                }
                let note = if imported.inferred_from_example {
                    " (inferred from the response example: the operation has no schema)"
                } else {
                    ""
                };
                println!("wrote {} ({}){note}", path.display(), imported.id);
            }
        }
    }
    exit::SUCCESS
}

fn write(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    std::fs::write(path, text)
}

fn run_drift(args: &DriftArgs) -> u8 {
    let api = match OpenApi::load(&args.openapi) {
        Ok(a) => a,
        Err(e) => return usage_error(e),
    };
    let store = match SchemaStore::load_lazy(true, &args.specs) {
        Ok(s) => s,
        Err(e) => return usage_error(e),
    };
    let report = drift::drift(&store, &api, args.source.as_deref(), args.strict);
    if report.schemas.is_empty() {
        return usage_error(format!(
            "no schema cites `{}` in its x-source; name the file our schemas cite with --source \
             (e.g. --source stytch-openapi.yml)",
            report.file
        ));
    }
    match args.format {
        Format::Json => match serde_json::to_string_pretty(&report) {
            Ok(t) => emit(&(t + "\n")),
            Err(e) => return usage_error(e),
        },
        Format::Text => emit(&text(&report)),
    }
    if report.has_breaking() {
        exit::CONTRACT_FAILED
    } else {
        exit::SUCCESS
    }
}

/// Writes to stdout; a closed pipe (`| head`) is not an error worth a panic.
fn emit(text: &str) {
    use std::io::Write as _;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// The text report: one block per schema, then a summary line.
fn text(report: &DriftReport) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "spec drift: {} (OpenAPI {}, info.version {})",
        report.file, report.openapi, report.version
    );
    for s in &report.schemas {
        let verdict = if s.changes.iter().any(|c| c.severity == Severity::Breaking) {
            "BREAKING"
        } else if s.changes.is_empty() {
            "ok"
        } else {
            "compatible"
        };
        let _ = writeln!(
            out,
            "\n{:<10} {}  ← {} (derived from {})",
            verdict, s.id, s.cites, s.derived_from
        );
        for c in &s.changes {
            let severity = match c.severity {
                Severity::Breaking => "breaking",
                Severity::Compatible => "compatible",
            };
            let at = if c.at.is_empty() { "(root)" } else { &c.at };
            let _ = writeln!(
                out,
                "  {severity:<10} {at}  {}: {}",
                c.kind.name(),
                c.detail
            );
        }
        if !s.accepted.is_empty() {
            let _ = writeln!(
                out,
                "  ({} deliberate difference{} recorded in x-source.accepted)",
                s.accepted.len(),
                if s.accepted.len() == 1 { "" } else { "s" }
            );
        }
    }
    let _ = writeln!(
        out,
        "\n{} schema{} compared: {} breaking, {} compatible change{}",
        report.schemas.len(),
        if report.schemas.len() == 1 { "" } else { "s" },
        report.breaking,
        report.compatible,
        if report.compatible == 1 { "" } else { "s" }
    );
    out
}
