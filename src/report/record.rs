//! A whole run collected from events, in memory: what tests and `report merge` render reports
//! from (through the same streaming writers as the report files, which keep no such record).

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use time::OffsetDateTime;

use crate::result::{CaseResult, Counts, Event, RunInfo, RunSummary};

/// Everything reported about a run, in plan order.
#[derive(Debug, Clone)]
pub struct RunRecord {
    /// Facts known before the run.
    pub info: RunInfo,
    /// When the run started (UTC).
    pub started_at: OffsetDateTime,
    /// Finished cases in plan order.
    pub cases: Vec<CaseResult>,
    /// The engine's summary; `None` while the run has not finished.
    pub summary: Option<RunSummary>,
    /// Matrix or diff data of a compatibility run.
    pub compat: Option<crate::result::compat::CompatReport>,
    /// Which cases' exchanges reports rendered from this record carry.
    pub exchanges: super::tally::ReportExchanges,
    clock: Instant,
}

impl Default for RunRecord {
    fn default() -> Self {
        Self::new(RunInfo::default())
    }
}

/// The cases of one suite against one target.
#[derive(Debug, Clone)]
pub struct SuiteGroup<'a> {
    /// Report name: `suite`, or `suite @ target` when the run has several targets.
    pub name: String,
    /// Suite name.
    pub suite: &'a str,
    /// Target display name.
    pub target: &'a str,
    /// API of the suite.
    pub api: &'a str,
    /// Its cases in plan order.
    pub cases: Vec<&'a CaseResult>,
    /// Counts over those cases.
    pub counts: Counts,
}

impl RunRecord {
    /// An empty record for a run described by `info`, started now.
    pub fn new(info: RunInfo) -> Self {
        let now = OffsetDateTime::now_utc();
        Self {
            info,
            // Milliseconds are precise enough and keep timestamps short.
            started_at: now.replace_millisecond(now.millisecond()).unwrap_or(now),
            cases: Vec::new(),
            summary: None,
            compat: None,
            exchanges: super::tally::ReportExchanges::default(),
            clock: Instant::now(),
        }
    }

    /// Records one event.
    pub fn on_event(&mut self, event: &Event) {
        match event {
            Event::RunStarted(info) => {
                let exchanges = self.exchanges;
                *self = Self::new(info.clone());
                self.exchanges = exchanges;
            }
            Event::CaseFinished(r) => self.cases.push((**r).clone()),
            Event::Compat(c) => self.compat = Some((**c).clone()),
            Event::RunFinished(s) => self.summary = Some(s.clone()),
        }
    }

    /// True when the run did not finish normally: interrupted, or no summary yet.
    pub fn interrupted(&self) -> bool {
        self.summary.as_ref().is_none_or(|s| s.interrupted)
    }

    /// True once the engine reported the end of the run.
    pub fn complete(&self) -> bool {
        self.summary.is_some()
    }

    /// Counts over the recorded cases (always consistent with [`RunRecord::cases`]).
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for r in &self.cases {
            c.add(r);
        }
        c
    }

    /// Wall time: the engine's, or the time since the start when the run did not finish.
    pub fn duration(&self) -> Duration {
        self.summary
            .as_ref()
            .map_or_else(|| self.clock.elapsed(), |s| s.duration)
    }

    /// The start time as RFC 3339 (`2025-01-31T12:00:00.123Z`).
    pub fn started_at_rfc3339(&self) -> String {
        super::tally::rfc3339(self.started_at)
    }

    /// The start time for people: `2025-01-31 12:00:00 UTC`.
    pub fn started_at_display(&self) -> String {
        super::tally::for_people(self.started_at)
    }

    /// True when cases ran against more than one target.
    pub fn multi_target(&self) -> bool {
        let targets: BTreeSet<&str> = self.cases.iter().map(|c| c.target.as_str()).collect();
        targets.len() > 1
    }

    /// Cases grouped by (suite, target), groups in order of first appearance.
    pub fn suites(&self) -> Vec<SuiteGroup<'_>> {
        let multi = self.multi_target();
        let mut groups: Vec<SuiteGroup<'_>> = Vec::new();
        for r in &self.cases {
            let pos = groups
                .iter()
                .position(|g| g.suite == r.suite && g.target == r.target);
            let g = match pos {
                Some(i) => &mut groups[i],
                None => {
                    groups.push(SuiteGroup {
                        name: if multi {
                            format!("{} @ {}", r.suite, r.target)
                        } else {
                            r.suite.clone()
                        },
                        suite: &r.suite,
                        target: &r.target,
                        api: &r.api,
                        cases: Vec::new(),
                        counts: Counts::default(),
                    });
                    let last = groups.len() - 1;
                    &mut groups[last]
                }
            };
            g.counts.add(r);
            g.cases.push(r);
        }
        groups
    }
}

/// Lower-case name of a finding level.
pub fn level_name(level: crate::case::model::Level) -> &'static str {
    match level {
        crate::case::model::Level::Warn => "warn",
        crate::case::model::Level::Fail => "fail",
    }
}

/// Lower-case name of a finding kind, as in the JSON report.
pub fn kind_name(kind: crate::result::FindingKind) -> &'static str {
    use crate::result::FindingKind as K;
    match kind {
        K::Status => "status",
        K::Header => "header",
        K::Schema => "schema",
        K::Assertion => "assertion",
        K::Snapshot => "snapshot",
        K::Body => "body",
        K::Capture => "capture",
        K::Difference => "difference",
    }
}
