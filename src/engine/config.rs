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
            let mut member = shard.members(&ids).into_iter();
            for s in selected.iter_mut().filter(|s| **s) {
                *s = member.next().unwrap_or(false);
            }
        }
        selected
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
