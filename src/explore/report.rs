//! An exploration as the events every reporter reads: one case per distinct failure (its
//! shrunk sequence, findings and curl reproducers) and one case for the exploration as a whole.

use crate::case::Level;
use crate::result::{
    CaseResult, Counts, Event, Finding, FindingKind, RunInfo, RunSummary, Verdict,
};
use crate::source::{SourceFile, Span};

use super::Exploration;

/// One line about the exploration: seed, sequences, requests, throughput.
pub fn summary_line(e: &Exploration) -> String {
    format!(
        "seed {}: {} sequences ({} passed), {} operations, {} requests in {:.1} s ({:.0} operations/s), {} failure{}",
        e.seed,
        e.sequences,
        e.passed,
        e.operations,
        e.requests,
        e.elapsed.as_secs_f64(),
        e.throughput(),
        e.failures.len(),
        if e.failures.len() == 1 { "" } else { "s" }
    )
}

/// The exploration as a whole: failed when a failure was found, an error when no sequence
/// could run (a run that tested nothing is never green), passed otherwise.
fn whole(e: &Exploration) -> CaseResult {
    let (verdict, reason) = if !e.failures.is_empty() {
        (Verdict::Fail, summary_line(e))
    } else if e.passed == 0 {
        let why = e
            .not_run
            .iter()
            .map(|(r, n)| format!("{n}× {r}"))
            .collect::<Vec<_>>()
            .join("; ");
        (
            Verdict::Error,
            if e.interrupted {
                format!(
                    "interrupted before any sequence completed ({})",
                    summary_line(e)
                )
            } else {
                format!("no sequence could run: {why}")
            },
        )
    } else {
        (Verdict::Pass, summary_line(e))
    };
    let findings = e
        .failures
        .iter()
        .map(|f| {
            let mut finding = Finding::new(
                FindingKind::Assertion,
                Level::Fail,
                format!(
                    "{} (shrunk from {} to {} operations)",
                    f.signature,
                    f.original_len,
                    f.ops.len()
                ),
            );
            finding.note = Some(format!("re-run: {}", f.result.id));
            finding
        })
        .collect();
    CaseResult {
        id: format!("{}::exploration", e.suite),
        suite: e.suite.to_owned(),
        case: "exploration".to_owned(),
        api: e.api.to_owned(),
        target: e.target.clone(),
        base_url: e.base_url.clone(),
        tags: vec!["explore".to_owned()],
        span: Span::file_start(&SourceFile::new("explore", "")),
        verdict,
        findings,
        exchanges: Vec::new(),
        reason: Some(reason),
        skip_group: None,
        schema_ids: Vec::new(),
        duration: e.elapsed,
    }
}

/// The events of an exploration, in order: `RunStarted`, one `CaseFinished` per failure and
/// one for the exploration, `RunFinished`.
pub fn events(e: &Exploration) -> Vec<Event> {
    let mut cases: Vec<CaseResult> = e
        .failures
        .iter()
        .map(|f| {
            let mut r = f.result.clone();
            r.case = format!("seed {}: {}", e.seed, f.signature);
            r.id = format!("{}::{}", e.suite, r.case);
            r.suite = e.suite.to_owned();
            r.verdict = Verdict::Fail;
            r
        })
        .collect();
    cases.push(whole(e));
    let mut counts = Counts::default();
    let mut out = vec![Event::RunStarted(RunInfo {
        total_cases: Some(cases.len()),
        target: e.target.clone(),
        base_urls: vec![(e.api.to_owned(), e.base_url.clone())],
        strict: false,
    })];
    for c in cases {
        counts.add(&c);
        out.push(Event::CaseFinished(Box::new(c)));
    }
    out.push(Event::RunFinished(RunSummary {
        counts,
        duration: e.elapsed,
        interrupted: e.interrupted,
    }));
    out
}
