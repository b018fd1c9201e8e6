//! `sessconform report merge OUT_DIR IN_DIR…`: the JSON reports of the shards of a run (a CI
//! matrix) merged into one `junit.xml`, `report.json` and `index.html`, with the exit code the
//! unsharded run would have had.

use std::path::PathBuf;

use clap::{Args, Subcommand};
use sessconform::exit;
use sessconform::report::merge::Merge;
use sessconform::report::{FileReporter, Reporter};
use sessconform::result::{Event, RunSummary};

use super::usage_error;

/// `report` subcommands.
#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Merge the JSON reports of shards (`--shard K/N` runs) into one set of reports.
    Merge(MergeArgs),
}

/// `report merge` arguments.
#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Folder for the merged junit.xml, report.json and index.html.
    #[arg(value_name = "OUT_DIR")]
    pub out: PathBuf,
    /// Report folders of the shards (each holding report.json), or report.json files.
    #[arg(value_name = "IN_DIR", required = true)]
    pub inputs: Vec<PathBuf>,
}

/// Runs a `report` subcommand.
pub(crate) fn report(cmd: &ReportCommand) -> u8 {
    match cmd {
        ReportCommand::Merge(args) => merge_reports(args),
    }
}

fn merge_reports(args: &MergeArgs) -> u8 {
    let mut merge = match Merge::open(&args.inputs) {
        Ok(m) => m,
        Err(e) => return usage_error(e),
    };
    let mut files = FileReporter::new();
    files.set_exchanges(merge.exchanges);
    files.add_dir(&args.out);
    if let Err(e) = files.prepare() {
        return usage_error(e);
    }
    files.on_event(&Event::RunStarted(merge.info.clone()));
    // The merged run's start time is the earliest shard's.
    if let Some(t) = merge.started_at {
        files.set_started_at(t);
    }
    let counts = match merge.cases(|c| files.on_event(&Event::CaseFinished(Box::new(c)))) {
        Ok(c) => c,
        // Nothing is written: the reports are assembled only by `finish`.
        Err(e) => return usage_error(e),
    };
    if let Some(c) = merge.compat.take() {
        files.on_event(&Event::Compat(Box::new(c)));
    }
    let summary = RunSummary {
        counts,
        duration: merge.duration,
        interrupted: merge.interrupted || !merge.complete,
    };
    if merge.complete {
        files.on_event(&Event::RunFinished(summary.clone()));
    }
    if let Err(e) = files.finish() {
        eprintln!("error: failed to write a report: {e}");
        return exit::COULD_NOT_RUN;
    }
    let c = &summary.counts;
    println!(
        "merged {} reports: {} cases, {} passed, {} failed, {} could not run, {} skipped → {}",
        args.inputs.len(),
        c.total(),
        c.passed,
        c.failed,
        c.errors,
        c.skipped,
        args.out.display()
    );
    exit::for_summary(&summary)
}
