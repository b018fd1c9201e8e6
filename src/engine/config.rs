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
    /// True when the case id belongs to this shard (FNV-1a of the id, so it is stable across runs
    /// and machines and independent of case order).
    pub fn contains(&self, id: &str) -> bool {
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in id.as_bytes() {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        (h % u64::from(self.count)) as u32 == self.index - 1
    }
}

impl Selection {
    /// True when the case is selected.
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
        self.shard.is_none_or(|s| s.contains(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_ids() {
        let ids: Vec<String> = (0..200).map(|i| format!("s::case {i}")).collect();
        let shards: Vec<Shard> = (1..=3).map(|k| format!("{k}/3").parse().unwrap()).collect();
        for id in &ids {
            assert_eq!(shards.iter().filter(|s| s.contains(id)).count(), 1);
        }
        let first = ids.iter().filter(|id| shards[0].contains(id)).count();
        assert!(first > 40 && first < 100, "{first}");
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
