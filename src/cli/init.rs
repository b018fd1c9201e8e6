//! `sessconform init`: writes a commented target-file template for the vendors' test
//! environments, with every variable the built-in suites use (see [`sessconform::target_template`]).

use std::io::Write as _;
use std::path::PathBuf;

use clap::{Args, ValueEnum};
use sessconform::case::{SuiteSource, load_suites};
use sessconform::exit;
use sessconform::schema::SchemaStore;
use sessconform::target_template::target_template;

use super::out::{errln, outln};
use super::{diagnostic, usage_error};

/// Examples of `init`.
pub(crate) const AFTER_HELP: &str = "\
Examples:
  sessconform init                                  every API, into target.yaml
  sessconform init --api stytch --out stytch-test.yaml
  sessconform init --api clerk --out -              print it instead

Then fill in what your project has, export the secrets it names, and check it:
  sessconform lint --target stytch-test.yaml";

/// `init` options.
#[derive(Debug, Args, Clone)]
pub struct InitArgs {
    /// The API to write an entry for (repeatable; default: all three).
    #[arg(long, value_enum, value_name = "API")]
    pub api: Vec<InitApi>,
    /// Where to write the template (`-`: standard output).
    #[arg(long, value_name = "FILE", default_value = "target.yaml")]
    pub out: PathBuf,
    /// Overwrite FILE if it exists.
    #[arg(long)]
    pub force: bool,
}

/// The vendor APIs of the built-in suites.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum InitApi {
    /// Stytch consumer sessions.
    Stytch,
    /// Stytch B2B member sessions.
    #[value(name = "stytch-b2b")]
    StytchB2b,
    /// Clerk Backend API sessions.
    Clerk,
}

impl InitApi {
    fn name(self) -> &'static str {
        match self {
            InitApi::Stytch => "stytch",
            InitApi::StytchB2b => "stytch-b2b",
            InitApi::Clerk => "clerk",
        }
    }
}

/// Writes the template; exit 2 when FILE exists (without `--force`) or cannot be written.
pub(crate) fn init(args: &InitArgs) -> u8 {
    let apis: Vec<&str> = if args.api.is_empty() {
        vec!["stytch", "stytch-b2b", "clerk"]
    } else {
        args.api.iter().map(|a| a.name()).collect()
    };
    let schemas = match SchemaStore::load_lazy(true, &[]) {
        Ok(s) => s,
        Err(e) => return usage_error(e),
    };
    let suites = match load_suites(&SuiteSource::Builtin, &schemas) {
        Ok(s) => s,
        Err(e) => return diagnostic(e),
    };
    let suites: Vec<_> = suites.iter().map(|l| &l.suite).collect();
    let text = target_template(&suites, &apis);
    if args.out.as_os_str() == "-" {
        outln!("{}", text.trim_end());
        return exit::SUCCESS;
    }
    let file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .create_new(!args.force)
        .open(&args.out);
    let written = file.and_then(|mut f| f.write_all(text.as_bytes()));
    match written {
        Ok(()) => {
            errln!(
                "wrote {} ({}): fill in what your project has, export the secrets it names, then `sessconform lint --target {}`",
                args.out.display(),
                apis.join(", "),
                args.out.display()
            );
            exit::SUCCESS
        }
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => usage_error(format!(
            "{} already exists: choose another --out FILE, or pass --force to overwrite it",
            args.out.display()
        )),
        Err(e) => usage_error(format!("failed to write {}: {e}", args.out.display())),
    }
}
