//! Process exit codes and how a run maps to one.
//!
//! | code | meaning |
//! | --- | --- |
//! | 0 | every case passed (warnings allowed unless `--strict`) |
//! | 1 | at least one case failed a contract check (whatever else happened) |
//! | 2 | usage or configuration error: nothing ran |
//! | 3 | no contract failure, but some cases could not run (refused, timed out, rate limited, interrupted) |

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
    if s.counts.failed > 0 {
        CONTRACT_FAILED
    } else if s.counts.errors > 0 || s.interrupted {
        COULD_NOT_RUN
    } else {
        SUCCESS
    }
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
            },
            duration: Default::default(),
            interrupted,
        };
        assert_eq!(for_summary(&mk(0, 0, false)), 0);
        assert_eq!(for_summary(&mk(1, 1, true)), 1);
        assert_eq!(for_summary(&mk(0, 2, false)), 3);
        assert_eq!(for_summary(&mk(0, 0, true)), 3);
    }
}
