//! `sessconform run` (the default command): the suites against one target, or a case × target
//! matrix against several.

use std::sync::Arc;

use sessconform::case::CaseStream;
use sessconform::compat::{plan_matrix, run_matrix};
use sessconform::engine::{self, Cancel, streams, var_advice};
use sessconform::exit;
use sessconform::report::Reporter;
use sessconform::report::console::ConsoleReporter;
use sessconform::report::stdout::BufferedStdout;
use sessconform::result::Event;
use sessconform::schema::SchemaStore;
use sessconform::target_source::{TargetRequest, resolve_target};

use super::args::RunArgs;
use super::inputs::{load_inputs, source};
use super::out::errln;
use super::output::{finish, reporters, style};
use super::signal::cancel_on_ctrl_c;
use super::{diagnostic, usage_error};

/// Loads, plans, runs and reports; the exit code follows the summary.
pub(crate) async fn run(args: RunArgs) -> u8 {
    let cfg = match args.config() {
        Ok(c) => c,
        Err(e) => return usage_error(e),
    };
    if args.target.target.len() > 1 && !args.target.base_url.is_empty() {
        return usage_error(
            "--base-url cannot be combined with several --target files (set base URLs in each file)",
        );
    }
    let selection = args.select.selection();
    match streams(&args.input.paths, args.target.target.len(), &selection) {
        Ok(true) => return run_streamed(args, cfg, selection).await,
        Ok(false) => {}
        Err(e) => return diagnostic(e),
    }
    let (schemas, suites) = match load_inputs(&args.input, false) {
        Ok((schemas, suites)) => (Arc::new(schemas), suites),
        Err(code) => return code,
    };
    let req = TargetRequest {
        file: args.target.target.first().cloned(),
        base_urls: args.target.base_url.clone(),
    };
    let resolved = match resolve_target(&req).await {
        Ok(t) => t,
        Err(e) => return diagnostic(e),
    };
    let plans = match plan_matrix(
        resolved.target.clone(),
        &args.target.target,
        suites,
        &source(&args.input.paths),
        &schemas,
        &selection,
        &cfg,
    ) {
        Ok(p) => p,
        Err(e) => return diagnostic(e),
    };
    for p in &plans {
        if let Err(e) = schemas.compile(p.schema_ids()) {
            return usage_error(e);
        }
        let mut seen = std::collections::BTreeSet::new();
        let suites = p
            .cases
            .iter()
            .map(|pc| &*pc.suite)
            .filter(|s| seen.insert(s.name.as_str()));
        for a in var_advice(&p.target, suites, &cfg.vars) {
            if plans.len() > 1 {
                eprintln!("warning: {} [target {}]", a.message, p.target.name);
            } else {
                eprintln!("warning: {}", a.message);
            }
        }
    }
    if plans[0].cases.is_empty() && args.select.shard.is_none() {
        return usage_error("no cases match the filters (see `sessconform list`)");
    }
    let console = ConsoleReporter::new(BufferedStdout, style(args.output.color))
        .with_verbosity(args.output.verbosity());
    let mut reporters = match reporters(&args.output, Box::new(console)) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let cancel = Cancel::default();
    let ctrl_c = cancel_on_ctrl_c(&cancel);
    let mut sink = |ev: &Event| reporters.on_event(ev);
    let summary = if plans.len() > 1 {
        run_matrix(plans, schemas, &cfg, cancel, &mut sink).await
    } else {
        let plan = Arc::clone(&plans[0]);
        engine::run(plan, schemas, &cfg, cancel, &mut sink).await
    };
    ctrl_c.abort();
    finish(&mut reporters);
    resolved.shutdown().await;
    exit_code(&summary, &cfg)
}

/// A streamed run: schemas loaded now, case files as the run reaches them
/// ([`sessconform::engine::run_stream`]).
async fn run_streamed(
    args: RunArgs,
    cfg: sessconform::engine::RunConfig,
    selection: sessconform::engine::Selection,
) -> u8 {
    let schemas = match SchemaStore::load_lazy(true, &args.input.specs) {
        Ok(s) => Arc::new(s),
        Err(e) => return usage_error(e),
    };
    let stream = match CaseStream::open(&args.input.paths, Arc::clone(&schemas)) {
        Ok(s) => s,
        Err(e) => return diagnostic(e),
    };
    let req = TargetRequest {
        file: args.target.target.first().cloned(),
        base_urls: args.target.base_url.clone(),
    };
    let resolved = match resolve_target(&req).await {
        Ok(t) => t,
        Err(e) => return diagnostic(e),
    };
    let console = ConsoleReporter::new(BufferedStdout, style(args.output.color))
        .with_verbosity(args.output.verbosity());
    let mut reporters = match reporters(&args.output, Box::new(console)) {
        Ok(r) => r,
        Err(code) => return code,
    };
    let cancel = Cancel::default();
    let ctrl_c = cancel_on_ctrl_c(&cancel);
    let mut sink = |ev: &Event| reporters.on_event(ev);
    let done = engine::run_stream(
        stream,
        resolved.target.clone(),
        schemas,
        &selection,
        &cfg,
        cancel,
        &mut sink,
    )
    .await;
    ctrl_c.abort();
    finish(&mut reporters);
    resolved.shutdown().await;
    for a in &done.advice {
        eprintln!("warning: {}", a.message);
    }
    if done.stopped_early {
        errln!(
            "note: the run stopped before reading all of its case files ({}): the cases not reached are not reported",
            if done.summary.interrupted {
                "interrupted"
            } else {
                "--fail-fast"
            }
        );
    }
    if let Some(e) = done.error {
        errln!(
            "error: the run stopped at a problem in its case files (run `sessconform lint` to find every problem before a run)"
        );
        return diagnostic(e);
    }
    if done.planned == 0 && selection.shard.is_none() && !done.summary.interrupted {
        return usage_error("no cases match the filters (see `sessconform list`)");
    }
    exit_code(&done.summary, &cfg)
}

/// The exit code of a finished run, after saying why when too many cases were skipped.
fn exit_code(
    summary: &sessconform::result::RunSummary,
    cfg: &sessconform::engine::RunConfig,
) -> u8 {
    if exit::too_many_skipped(summary, cfg.max_skipped) {
        eprintln!(
            "error: {} case{} skipped, more than {} allowed (--fail-on-skip / --max-skipped): {}",
            summary.counts.skipped,
            if summary.counts.skipped == 1 {
                " was"
            } else {
                "s were"
            },
            cfg.max_skipped.unwrap_or(0),
            summary.counts.skip_summary()
        );
    }
    exit::for_run(summary, cfg.max_skipped)
}
