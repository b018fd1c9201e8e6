//! Per-credential fixed-window rate limiting.

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A request budget: at most `requests` per window of `per` (`--rate-limit N/SECS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests allowed per window (at least 1).
    pub requests: u32,
    /// Window length (at least one second).
    pub per: Duration,
}

/// A `--rate-limit` value was not `N/SECS` with positive integers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid rate limit {0:?}: expected N/SECS with positive integers, e.g. 100/10")]
pub struct ParseRateLimitError(String);

impl FromStr for RateLimit {
    type Err = ParseRateLimitError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || ParseRateLimitError(s.to_owned());
        let (n, secs) = s.trim().split_once('/').ok_or_else(err)?;
        let requests: u32 = n.trim().parse().map_err(|_| err())?;
        let secs: u64 = secs.trim().parse().map_err(|_| err())?;
        if requests == 0 || secs == 0 {
            return Err(err());
        }
        Ok(RateLimit {
            requests,
            per: Duration::from_secs(secs),
        })
    }
}

impl fmt::Display for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.requests, self.per.as_secs())
    }
}

/// Fixed windows keyed by credential; a window starts with its first request.
#[derive(Debug, Default)]
pub(crate) struct Limiter {
    windows: Mutex<HashMap<String, Window>>,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    started: Instant,
    count: u32,
}

impl Limiter {
    /// Counts one request for `key`; `Err(retry_after_secs)` when over budget.
    pub(crate) fn check(&self, key: &str, limit: RateLimit) -> Result<(), u64> {
        self.check_at(key, limit, Instant::now())
    }

    fn check_at(&self, key: &str, limit: RateLimit, now: Instant) -> Result<(), u64> {
        // A poisoned lock only means another request panicked mid-update; the
        // counters are still usable.
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let window = windows.entry(key.to_owned()).or_insert(Window {
            started: now,
            count: 0,
        });
        let elapsed = now.saturating_duration_since(window.started);
        if elapsed >= limit.per {
            *window = Window {
                started: now,
                count: 0,
            };
        }
        if window.count >= limit.requests {
            let remaining = limit
                .per
                .saturating_sub(now.saturating_duration_since(window.started));
            let secs = remaining.as_secs() + u64::from(remaining.subsec_nanos() > 0);
            return Err(secs.max(1));
        }
        window.count += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_displays() {
        let r: RateLimit = "100/10".parse().unwrap();
        assert_eq!(r.requests, 100);
        assert_eq!(r.per, Duration::from_secs(10));
        assert_eq!(r.to_string(), "100/10");
        for bad in ["", "10", "0/10", "10/0", "a/b", "-1/5", "1/2/3"] {
            assert!(bad.parse::<RateLimit>().is_err(), "{bad}");
        }
    }

    #[test]
    fn fixed_window_blocks_then_resets() {
        let limiter = Limiter::default();
        let limit = RateLimit {
            requests: 2,
            per: Duration::from_secs(10),
        };
        let t0 = Instant::now();
        assert!(limiter.check_at("k", limit, t0).is_ok());
        assert!(limiter.check_at("k", limit, t0).is_ok());
        assert_eq!(
            limiter.check_at("k", limit, t0 + Duration::from_millis(2500)),
            Err(8)
        );
        // Another credential has its own window.
        assert!(limiter.check_at("other", limit, t0).is_ok());
        assert!(
            limiter
                .check_at("k", limit, t0 + Duration::from_secs(10))
                .is_ok()
        );
    }
}
