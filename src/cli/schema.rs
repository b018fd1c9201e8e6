//! `sessconform schema case|target`: prints the JSON Schema of case files or target files, for
//! editors (`# yaml-language-server: $schema=…`) and other tools.

use clap::{Args, ValueEnum};
use sessconform::exit;
use sessconform::file_schema::FileKind;

use super::out::outln;

/// Examples of `schema`.
pub(crate) const AFTER_HELP: &str = "\
Examples:
  sessconform schema case > case.schema.json
  sessconform schema target > target.schema.json

Then start a case file with `# yaml-language-server: $schema=case.schema.json` (a path relative
to the YAML file, or a URL) for completion and validation in VS Code and any YAML language server.";

/// `schema` options.
#[derive(Debug, Args, Clone)]
pub struct SchemaArgs {
    /// Which file the schema describes.
    #[arg(value_enum)]
    pub kind: SchemaKind,
}

/// The files sessconform reads that users write.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum SchemaKind {
    /// A case file (a suite of cases).
    Case,
    /// A target file (`--target FILE`).
    Target,
}

/// Prints the schema to stdout.
pub(crate) fn schema(args: &SchemaArgs) -> u8 {
    let kind = match args.kind {
        SchemaKind::Case => FileKind::Case,
        SchemaKind::Target => FileKind::Target,
    };
    outln!("{}", kind.schema_text().trim_end());
    exit::SUCCESS
}
