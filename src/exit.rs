//! Process exit codes and how a run maps to one.
//!
//! | code | meaning |
//! | --- | --- |
//! | 0 | every case passed (warnings allowed unless `--strict`) |
//! | 1 | at least one case failed a contract check (whatever else happened) |
//! | 2 | usage or configuration error: nothing ran |
//! | 3 | no contract failure, but some cases could not run (refused, timed out, rate limited, interrupted), or more cases were skipped than `--max-skipped` / `--fail-on-skip` allow |

use crate::result::RunSummary;

/// All cases passed.
pub const SUCCESS: u8 = 0;
/// A contract check failed.
pub const CONTRACT_FAILED: u8 = 1;
/// Usage or configuration error.
pub const USAGE: u8 = 2;
/// Some cases could not run.
pub const COULD_NOT_RUN: u8 = 3;

/// The exit code for a finished run. Precedence: failure (1) over could-not-run (3) over success.
pub fn for_summary(s: &RunSummary) -> u8 {
    for_run(s, None)
}

/// [`for_summary`] with a skip policy: more than `max_skipped` skipped cases (when set) also
/// means the run did not test what it should (3), unless a contract check failed (1).
pub fn for_run(s: &RunSummary, max_skipped: Option<usize>) -> u8 {
    if s.counts.failed > 0 {
        CONTRACT_FAILED
    } else if s.counts.errors > 0 || s.interrupted || too_many_skipped(s, max_skipped) {
        COULD_NOT_RUN
    } else {
        SUCCESS
    }
}

/// True when more cases were skipped than `max_skipped` allows.
pub fn too_many_skipped(s: &RunSummary, max_skipped: Option<usize>) -> bool {
    max_skipped.is_some_and(|max| s.counts.skipped > max)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::Counts;

    #[test]
    fn precedence() {
        let mk = |failed, errors, interrupted| RunSummary {
            counts: Counts {
                passed: 1,
                failed,
                errors,
                skipped: 1,
                warnings: 3,
                ..Counts::default()
            },
            duration: Default::default(),
            interrupted,
        };
        assert_eq!(for_summary(&mk(0, 0, false)), 0);
        assert_eq!(for_summary(&mk(1, 1, true)), 1);
        assert_eq!(for_summary(&mk(0, 2, false)), 3);
        // One skip: fine by default and with --max-skipped 1, a gate failure with
        // --fail-on-skip (0), which never hides a contract failure.
        assert_eq!(for_run(&mk(0, 0, false), None), 0);
        assert_eq!(for_run(&mk(0, 0, false), Some(1)), 0);
        assert_eq!(for_run(&mk(0, 0, false), Some(0)), 3);
        assert_eq!(for_run(&mk(1, 0, false), Some(0)), 1);
        assert_eq!(for_summary(&mk(0, 0, true)), 3);
    }
}
