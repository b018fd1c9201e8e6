//! Run options, independent of how they were given (CLI, harness, library).

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::Value;

use crate::http::RetryPolicy;

/// How to run.
#[derive(Debug, Clone)]
pub struct RunConfig {
    /// Cases in flight at once.
    pub jobs: usize,
    /// Per-request timeout (a case may override it).
    pub timeout: Duration,
    /// Connect timeout.
    pub connect_timeout: Duration,
    /// Largest response body accepted, in bytes.
    pub body_cap: usize,
    /// 429 handling.
    pub retry: RetryPolicy,
    /// Stop scheduling new cases after the first failure.
    pub fail_fast: bool,
    /// Warnings count as failures.
    pub strict: bool,
    /// Write snapshot files instead of failing on differences.
    pub update_snapshots: bool,
    /// `--var KEY=VALUE` overrides (highest precedence).
    pub vars: BTreeMap<String, Value>,
    /// More skipped cases than this fail the gate (`--max-skipped N`; `--fail-on-skip` is 0).
    pub max_skipped: Option<usize>,
    /// Keep the exchanges of passing cases without warnings in the results `run` emits. Off
    /// when no reporter shows them (`--report-exchanges failed`): a passing case then costs only
    /// its summary while it waits for its turn in plan order.
    pub passing_exchanges: bool,
}

impl Default for RunConfig {
    fn default() -> Self {
        Self {
            jobs: 16,
            timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(10),
            body_cap: 10 * 1024 * 1024,
            retry: RetryPolicy::default(),
            fail_fast: false,
            strict: false,
            update_snapshots: false,
            vars: BTreeMap::new(),
            max_skipped: None,
            passing_exchanges: true,
        }
    }
}

/// Which cases to run.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// Substrings (or exact ids with `exact`) of `suite::case`; empty selects everything.
    pub filters: Vec<String>,
    /// Match filters exactly.
    pub exact: bool,
    /// Run only cases carrying at least one of these tags.
    pub tags: Vec<String>,
    /// Leave out cases carrying any of these tags.
    pub exclude_tags: Vec<String>,
    /// Run only cases whose id falls in this shard.
    pub shard: Option<Shard>,
    /// Measured durations by case id (`--shard-timings`, a previous JSON report): shards are
    /// then balanced by duration instead of by case count.
    pub shard_durations: Option<std::sync::Arc<std::collections::HashMap<String, Duration>>>,
}

/// `--shard K/N`: the K-th of N deterministic partitions (1-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based index.
    pub index: u32,
    /// Number of shards.
    pub count: u32,
}

/// An invalid `--shard` value.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ShardError(String);

impl std::str::FromStr for Shard {
    type Err = ShardError;
    fn from_str(s: &str) -> Result<Self, ShardError> {
        let (k, n) = s
            .split_once('/')
            .ok_or_else(|| ShardError(format!("invalid shard `{s}`: use K/N, e.g. 1/4")))?;
        let index: u32 = k
            .trim()
            .parse()
            .map_err(|_| ShardError(format!("invalid shard index `{k}`")))?;
        let count: u32 = n
            .trim()
            .parse()
            .map_err(|_| ShardError(format!("invalid shard count `{n}`")))?;
        if count == 0 || index == 0 || index > count {
            return Err(ShardError(format!("invalid shard `{s}`: need 1 <= K <= N")));
        }
        Ok(Self { index, count })
    }
}

impl Shard {
    /// Which of `ids` (the selected cases of the whole run) belong to this shard, balanced by
    /// case count: the ids are ranked by their FNV-1a hash (ties by id) and dealt out in turn, so
    /// the shards of a run differ by at most one case. The result depends only on the set of ids
    /// (not their order), so every shard of a CI matrix computes the same partition.
    pub fn members(&self, ids: &[&str]) -> Vec<bool> {
        let mut order: Vec<(u64, &str, usize)> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (fnv1a(id), *id, i))
            .collect();
        order.sort_unstable();
        let mut member = vec![false; ids.len()];
        let (count, index) = (u64::from(self.count), u64::from(self.index) - 1);
        for (rank, (_, _, i)) in order.into_iter().enumerate() {
            member[i] = rank as u64 % count == index;
        }
        member
    }

    /// Whether the case `id` belongs to this shard in a streamed run, where the whole selection
    /// is not known before the run: by its FNV-1a hash modulo N. Every shard computes the same
    /// partition from the id alone; for the hundreds of thousands of cases a streamed run
    /// holds, the shards' sizes differ by a fraction of a percent.
    pub fn member(&self, id: &str) -> bool {
        fnv1a(id) % u64::from(self.count) == u64::from(self.index) - 1
    }

    /// Which of `ids` belong to this shard, balanced by measured duration: longest first, each
    /// case goes to the shard with the least time so far (ties: the lower shard), so the shards'
    /// wall times come out close. A case `durations` does not know (new since that report) counts
    /// as the median known duration. Like [`Shard::members`], the result depends only on the set
    /// of ids and the durations, so every shard of a CI matrix computes the same partition.
    pub fn members_by_duration(
        &self,
        ids: &[&str],
        durations: &std::collections::HashMap<String, Duration>,
    ) -> Vec<bool> {
        // Whole microseconds: integer sums, the same on every machine.
        let micros = |d: &Duration| u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        let mut known: Vec<u64> = ids
            .iter()
            .filter_map(|id| durations.get(*id).map(micros))
            .collect();
        known.sort_unstable();
        let median = known.get(known.len() / 2).copied().unwrap_or(1);
        let mut order: Vec<(std::cmp::Reverse<u64>, u64, &str, usize)> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| {
                let d = durations.get(*id).map_or(median, micros);
                (std::cmp::Reverse(d), fnv1a(id), *id, i)
            })
            .collect();
        order.sort_unstable();
        let mut load: std::collections::BinaryHeap<std::cmp::Reverse<(u64, u32)>> =
            (0..self.count).map(|k| std::cmp::Reverse((0, k))).collect();
        let mut member = vec![false; ids.len()];
        for (std::cmp::Reverse(d), _, _, i) in order {
            let Some(std::cmp::Reverse((total, k))) = load.pop() else {
                break;
            };
            member[i] = k == self.index - 1;
            load.push(std::cmp::Reverse((total.saturating_add(d), k)));
        }
        member
    }
}

fn fnv1a(id: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in id.as_bytes() {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl Selection {
    /// Which of the run's cases (`(id, tags)`, in plan order) are selected, the shard included.
    pub fn select_all(&self, cases: &[(&str, &[String])]) -> Vec<bool> {
        let mut selected: Vec<bool> = cases
            .iter()
            .map(|(id, tags)| self.selects(id, tags))
            .collect();
        if let Some(shard) = self.shard {
            let ids: Vec<&str> = cases
                .iter()
                .zip(&selected)
                .filter(|(_, s)| **s)
                .map(|((id, _), _)| *id)
                .collect();
            let member = match &self.shard_durations {
                Some(d) => shard.members_by_duration(&ids, d),
                None => shard.members(&ids),
            };
            let mut member = member.into_iter();
            for s in selected.iter_mut().filter(|s| **s) {
                *s = member.next().unwrap_or(false);
            }
        }
        selected
    }

    /// Whether a case of a streamed run is selected: the filters and tags, then the shard by
    /// [`Shard::member`] (measured durations are not used: they need the whole selection).
    pub fn selects_streamed(&self, id: &str, tags: &[String]) -> bool {
        self.selects(id, tags) && self.shard.is_none_or(|s| s.member(id))
    }

    /// True when no filter, tag or shard narrows the run: every case is selected.
    pub fn selects_everything(&self) -> bool {
        self.filters.is_empty()
            && self.tags.is_empty()
            && self.exclude_tags.is_empty()
            && self.shard.is_none()
    }

    /// True when the case is selected by the filters and tags (the shard is applied over the
    /// whole selection: [`Shard::members`]).
    pub fn selects(&self, id: &str, tags: &[String]) -> bool {
        if !self.filters.is_empty() {
            let hit = self.filters.iter().any(|f| {
                if self.exact {
                    id == f
                } else {
                    id.contains(f.as_str())
                }
            });
            if !hit {
                return false;
            }
        }
        if !self.tags.is_empty() && !tags.iter().any(|t| self.tags.contains(t)) {
            return false;
        }
        if tags.iter().any(|t| self.exclude_tags.contains(t)) {
            return false;
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_ids_evenly_whatever_the_order() {
        let ids: Vec<String> = (0..200).map(|i| format!("s::case {i}")).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let shards: Vec<Shard> = (1..=3).map(|k| format!("{k}/3").parse().unwrap()).collect();
        let members: Vec<Vec<bool>> = shards.iter().map(|s| s.members(&ids)).collect();
        for i in 0..ids.len() {
            assert_eq!(members.iter().filter(|m| m[i]).count(), 1, "{}", ids[i]);
        }
        let sizes: Vec<usize> = members
            .iter()
            .map(|m| m.iter().filter(|b| **b).count())
            .collect();
        assert_eq!(sizes, [67, 67, 66]);
        // The same set in another order: the same partition.
        let mut reversed = ids.clone();
        reversed.reverse();
        let again = shards[0].members(&reversed);
        for (i, id) in reversed.iter().enumerate() {
            let at = ids.iter().position(|x| x == id).unwrap();
            assert_eq!(again[i], members[0][at], "{id}");
        }
        assert!("0/3".parse::<Shard>().is_err());
        assert!("4/3".parse::<Shard>().is_err());
    }

    #[test]
    fn shards_balance_measured_durations() {
        // One case of 9 s and nine of 1 s: by count 5/5, by duration the long one alone.
        let ids: Vec<String> = (0..10).map(|i| format!("s::case {i}")).collect();
        let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
        let mut durations: std::collections::HashMap<String, Duration> = ids
            .iter()
            .map(|id| ((*id).to_owned(), Duration::from_secs(1)))
            .collect();
        durations.insert("s::case 7".into(), Duration::from_secs(9));
        let shards: Vec<Shard> = (1..=2).map(|k| format!("{k}/2").parse().unwrap()).collect();
        let members: Vec<Vec<bool>> = shards
            .iter()
            .map(|s| s.members_by_duration(&ids, &durations))
            .collect();
        for i in 0..ids.len() {
            assert_eq!(members.iter().filter(|m| m[i]).count(), 1, "{}", ids[i]);
        }
        let time = |m: &[bool]| -> Duration {
            ids.iter()
                .zip(m)
                .filter(|(_, b)| **b)
                .map(|(id, _)| durations[*id])
                .sum()
        };
        assert_eq!(time(&members[0]), Duration::from_secs(9));
        assert_eq!(time(&members[1]), Duration::from_secs(9));
        assert!(members[0][7], "the long case leads the first shard");
        assert_eq!(members[0].iter().filter(|b| **b).count(), 1);
        // A case the report does not know counts as the median (1 s), and the partition does
        // not depend on the order of the ids.
        durations.remove("s::case 0");
        let mut reversed = ids.clone();
        reversed.reverse();
        let a = shards[1].members_by_duration(&ids, &durations);
        let b = shards[1].members_by_duration(&reversed, &durations);
        for (i, id) in reversed.iter().enumerate() {
            let at = ids.iter().position(|x| x == id).unwrap();
            assert_eq!(b[i], a[at], "{id}");
        }
        assert_eq!(a.iter().filter(|b| **b).count(), 9);
    }

    #[test]
    fn selection_filters_tags() {
        let sel = Selection {
            filters: vec!["list".into()],
            tags: vec!["read-only".into()],
            ..Default::default()
        };
        assert!(sel.selects("stytch::list sessions", &["read-only".into()]));
        assert!(!sel.selects("stytch::revoke", &["read-only".into()]));
        assert!(!sel.selects("stytch::list", &["mutating".into()]));
        let ex = Selection {
            filters: vec!["a::b".into()],
            exact: true,
            ..Default::default()
        };
        assert!(ex.selects("a::b", &[]));
        assert!(!ex.selects("a::bc", &[]));
    }
}
