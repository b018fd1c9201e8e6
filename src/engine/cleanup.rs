//! A case's `cleanup:` steps: they always run after the case's steps — passed, failed or
//! interrupted — with every value the case captured, to undo what it created on the target.
//! Nothing stops them but their own requests; what goes wrong is a warning on the case.

use super::execute::Shared;
use super::plan::PlannedCase;
use super::step::{Flow, StepEnv, run_step_list};
use crate::case::Scope;
use crate::case::model::Level;
use crate::check::{CheckContext, check_response};
use crate::redact::Redactor;
use crate::result::{ExchangeRecord, Finding, FindingKind};
use crate::target::ApiTarget;

/// What the cleanup steps left: their exchanges, their problems as warnings, and the secrets.
pub(crate) struct Cleanup {
    /// One record per cleanup request.
    pub exchanges: Vec<ExchangeRecord>,
    /// Every failed check or unsent request, at warn level.
    pub warnings: Vec<Finding>,
    /// The redactor with the cleanup's secret captures.
    pub redactor: Redactor,
}

/// Runs the cleanup steps of `pc` from `scope` (the case's variables and captures).
pub(crate) async fn run_cleanup(
    pc: &PlannedCase,
    api: &ApiTarget,
    shared: &Shared,
    scope: Scope,
    redactor: Redactor,
) -> Cleanup {
    let case = pc.case();
    let env = StepEnv {
        client: &shared.client,
        timeout: shared.cfg.timeout,
        label: Some("cleanup"),
        index_offset: case.steps.len(),
        keep_going: true,
        cancel: None,
    };
    let mut warnings = Vec::new();
    let run = run_step_list(&case.cleanup, scope, api, &env, redactor, |got| {
        let ctx = CheckContext {
            scope: got.scope,
            schemas: &shared.schemas,
            now_ms: super::execute::now_ms(),
            snapshot_dir: pc.dir.as_deref(),
            update_snapshots: false,
            step: got.index,
            api_version: None,
            redactor: Some(got.redactor),
            deadline: Some(std::time::Instant::now() + shared.cfg.timeout),
            jwks: None,
        };
        let findings = check_response(&got.step.expect, got.response, &ctx);
        for mut f in findings.into_iter().chain(got.capture_error.clone()) {
            f.step = got.index;
            f.level = Level::Warn;
            f.message = format!("cleanup {}: {}", got.step.name, f.message);
            warnings.push(f);
        }
        Flow::Continue
    })
    .await;
    for e in &run.send_errors {
        let mut f = Finding::new(FindingKind::Status, Level::Warn, format!("cleanup {e}"));
        f.span = Some(case.span.clone());
        f.note = Some("the cleanup could not undo what the case created".to_owned());
        f.step = case.steps.len();
        warnings.push(f);
    }
    Cleanup {
        exchanges: run.exchanges,
        warnings,
        redactor: run.redactor,
    }
}
