//! What a streaming report keeps about a run while its cases go by: run facts, counts, and per
//! suite (and target) counts, durations and properties. Nothing here grows with the number of
//! passing cases, except the request ids of cases whose exchanges the report keeps.

use std::collections::{BTreeSet, HashMap};
use std::time::{Duration, Instant};

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::result::{CaseResult, Counts, RunInfo, RunSummary, Verdict};

/// Which cases' exchanges (requests, responses, curl reproducers) the reports carry:
/// `--report-exchanges all|failed`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ReportExchanges {
    /// Every case's.
    All,
    /// Only those of cases that failed, errored or warned (the default).
    #[default]
    Failed,
}

impl ReportExchanges {
    /// True when a report carries the exchanges of `r`.
    pub fn keeps(self, r: &CaseResult) -> bool {
        self == ReportExchanges::All || r.verdict != Verdict::Pass || r.warnings().next().is_some()
    }

    /// `all` or `failed`, as on the command line and in the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            ReportExchanges::All => "all",
            ReportExchanges::Failed => "failed",
        }
    }
}

/// One suite against one target.
#[derive(Debug, Clone)]
pub struct GroupTally {
    /// Suite name.
    pub suite: String,
    /// Target display name.
    pub target: String,
    /// API of the suite.
    pub api: String,
    /// Counts over its cases.
    pub counts: Counts,
    /// Sum of its cases' durations.
    pub duration: Duration,
    /// Slowest case duration.
    pub slowest: Duration,
    /// Distinct base URLs, in order of appearance.
    pub base_urls: Vec<String>,
    /// Distinct `*-API-Version` header values sent.
    pub api_versions: Vec<String>,
    /// Distinct schema ids checked.
    pub schema_ids: Vec<String>,
    /// `(case name, request id)` of the cases whose exchanges are kept.
    pub request_ids: Vec<(String, String)>,
}

fn push_unique(v: &mut Vec<String>, s: &str) {
    if !s.is_empty() && !v.iter().any(|x| x == s) {
        v.push(s.to_owned());
    }
}

/// A run as a streaming report sees it.
#[derive(Debug, Clone)]
pub struct RunTally {
    /// Facts known before the run.
    pub info: RunInfo,
    /// When the run started (UTC, milliseconds).
    pub started_at: OffsetDateTime,
    /// The engine's summary; `None` while the run has not finished.
    pub summary: Option<RunSummary>,
    /// Matrix or diff data of a compatibility run.
    pub compat: Option<crate::result::compat::CompatReport>,
    /// Counts over the cases seen.
    pub counts: Counts,
    /// Which exchanges the reports carry.
    pub exchanges: ReportExchanges,
    /// Wall time to report when the run did not finish (else the time since the start).
    pub unfinished_duration: Option<Duration>,
    groups: Vec<GroupTally>,
    index: HashMap<(String, String), usize>,
    targets: BTreeSet<String>,
    clock: Instant,
}

impl RunTally {
    /// A tally for a run described by `info`, started now.
    pub fn new(info: RunInfo, exchanges: ReportExchanges) -> Self {
        let now = OffsetDateTime::now_utc();
        Self {
            info,
            started_at: now.replace_millisecond(now.millisecond()).unwrap_or(now),
            summary: None,
            compat: None,
            counts: Counts::default(),
            exchanges,
            unfinished_duration: None,
            groups: Vec::new(),
            index: HashMap::new(),
            targets: BTreeSet::new(),
            clock: Instant::now(),
        }
    }

    /// Counts one case and returns the index of its group.
    pub fn add(&mut self, r: &CaseResult) -> usize {
        self.counts.add(r);
        if !self.targets.contains(&r.target) {
            self.targets.insert(r.target.clone());
        }
        let key = (r.suite.clone(), r.target.clone());
        let next = self.groups.len();
        let i = *self.index.entry(key).or_insert(next);
        if i == next {
            self.groups.push(GroupTally {
                suite: r.suite.clone(),
                target: r.target.clone(),
                api: r.api.clone(),
                counts: Counts::default(),
                duration: Duration::ZERO,
                slowest: Duration::ZERO,
                base_urls: Vec::new(),
                api_versions: Vec::new(),
                schema_ids: Vec::new(),
                request_ids: Vec::new(),
            });
        }
        let keep = self.exchanges.keeps(r);
        let g = &mut self.groups[i];
        g.counts.add(r);
        g.duration += r.duration;
        g.slowest = g.slowest.max(r.duration);
        push_unique(&mut g.base_urls, &r.base_url);
        for id in &r.schema_ids {
            push_unique(&mut g.schema_ids, id);
        }
        for ex in &r.exchanges {
            for (name, value) in &ex.request.headers {
                if name.to_ascii_lowercase().ends_with("api-version") {
                    push_unique(&mut g.api_versions, value);
                }
            }
            if keep {
                if let Some(id) = ex.response.as_ref().and_then(|x| x.request_id.as_deref()) {
                    g.request_ids.push((r.case.clone(), id.to_owned()));
                }
            }
        }
        i
    }

    /// The groups, in order of first appearance.
    pub fn groups(&self) -> &[GroupTally] {
        &self.groups
    }

    /// Report name of a group: `suite`, or `suite @ target` when the run has several targets.
    pub fn group_name(&self, g: &GroupTally) -> String {
        if self.multi_target() {
            format!("{} @ {}", g.suite, g.target)
        } else {
            g.suite.clone()
        }
    }

    /// True when cases ran against more than one target.
    pub fn multi_target(&self) -> bool {
        self.targets.len() > 1
    }

    /// True when the run did not finish normally: interrupted, or no summary yet.
    pub fn interrupted(&self) -> bool {
        self.summary.as_ref().is_none_or(|s| s.interrupted)
    }

    /// True once the engine reported the end of the run.
    pub fn complete(&self) -> bool {
        self.summary.is_some()
    }

    /// Wall time: the engine's, or the time since the start when the run did not finish.
    pub fn duration(&self) -> Duration {
        self.summary.as_ref().map_or_else(
            || {
                self.unfinished_duration
                    .unwrap_or_else(|| self.clock.elapsed())
            },
            |s| s.duration,
        )
    }

    /// The start time as RFC 3339 (`2025-01-31T12:00:00.123Z`).
    pub fn started_at_rfc3339(&self) -> String {
        rfc3339(self.started_at)
    }

    /// The start time for people: `2025-01-31 12:00:00 UTC`.
    pub fn started_at_display(&self) -> String {
        for_people(self.started_at)
    }
}
/// An instant as RFC 3339 (`2025-01-31T12:00:00.123Z`).
pub(crate) fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&Rfc3339)
        .unwrap_or_else(|_| t.unix_timestamp().to_string())
}

/// An instant for people: `2025-01-31 12:00:00 UTC`.
pub(crate) fn for_people(t: time::OffsetDateTime) -> String {
    let fmt =
        time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    t.format(&fmt).unwrap_or_else(|_| rfc3339(t))
}
