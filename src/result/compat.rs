//! What matrix and differential runs add to the event stream ([`crate::result::Event::Compat`]):
//! the case × target matrix, and the noise summary of a diff. Plain serialisable data, already
//! redacted, for every reporter (and read back from shard reports by `report merge`).

use serde::{Deserialize, Serialize};

use super::{CaseResult, Verdict};

/// Extra data of a compatibility run, sent once just before `RunFinished`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum CompatReport {
    /// `run` with several targets.
    Matrix(Matrix),
    /// `diff`.
    Diff(DiffSummary),
}

/// The verdict of one cell: a case against a target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cell {
    /// Passed without warnings.
    Pass,
    /// Passed with warnings.
    Warn,
    /// A contract check failed.
    Fail,
    /// Could not run to completion.
    Error,
    /// Not run.
    Skip,
}

impl Cell {
    /// The cell of a case result.
    pub fn of(r: &CaseResult) -> Self {
        match r.verdict {
            Verdict::Pass if r.warnings().next().is_some() => Cell::Warn,
            Verdict::Pass => Cell::Pass,
            Verdict::Fail => Cell::Fail,
            Verdict::Error => Cell::Error,
            Verdict::Skip => Cell::Skip,
        }
    }

    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Cell::Pass => "pass",
            Cell::Warn => "warn",
            Cell::Fail => "fail",
            Cell::Error => "error",
            Cell::Skip => "skip",
        }
    }
}

/// One cell with what a report needs to link to it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MatrixCell {
    /// Target display name.
    pub target: String,
    /// Verdict.
    pub cell: Cell,
    /// Failed checks.
    pub failures: usize,
    /// Warnings.
    pub warnings: usize,
    /// Why it errored or was skipped.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// HTML anchor of the case's findings for this target (see [`anchor`]).
    pub anchor: String,
}

/// One row: a case against every target.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MatrixRow {
    /// `suite::case`.
    pub id: String,
    /// Suite name.
    pub suite: String,
    /// Cells in target order; `None` when the case was not planned for that target.
    pub cells: Vec<Option<MatrixCell>>,
}

/// The case × target matrix.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Matrix {
    /// Target display names, in command-line order.
    pub targets: Vec<String>,
    /// Rows in plan order.
    pub rows: Vec<MatrixRow>,
}

impl Matrix {
    /// Builds the matrix from case results (any order; rows keep first appearance).
    pub fn from_results<'a>(
        targets: &[String],
        results: impl IntoIterator<Item = &'a CaseResult>,
    ) -> Self {
        let mut m = Matrix {
            targets: targets.to_vec(),
            rows: Vec::new(),
        };
        for r in results {
            let Some(col) = targets.iter().position(|t| *t == r.target) else {
                continue;
            };
            let row = match m.rows.iter().position(|row| row.id == r.id) {
                Some(i) => &mut m.rows[i],
                None => {
                    m.rows.push(MatrixRow {
                        id: r.id.clone(),
                        suite: r.suite.clone(),
                        cells: vec![None; targets.len()],
                    });
                    let last = m.rows.len() - 1;
                    &mut m.rows[last]
                }
            };
            row.cells[col] = Some(MatrixCell {
                target: r.target.clone(),
                cell: Cell::of(r),
                failures: r.failures().count(),
                warnings: r.warnings().count(),
                reason: r.reason.clone(),
                anchor: anchor(&r.id, &r.target),
            });
        }
        m
    }

    /// True when some row has cells that disagree.
    pub fn row_differs(row: &MatrixRow) -> bool {
        let mut cells = row.cells.iter().map(|c| c.as_ref().map(|c| c.cell));
        let first = cells.next().flatten();
        cells.any(|c| c != first)
    }
}

/// A stable HTML id for the findings of `case_id` against `target`: `case-` followed by the
/// lower-case alphanumerics of both, other runs of characters as `-`, and a short hash so that
/// distinct pairs never collide.
pub fn anchor(case_id: &str, target: &str) -> String {
    let mut slug = String::from("case-");
    let mut dash = false;
    for c in format!("{case_id} @ {target}").chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
            dash = false;
        } else if !dash {
            slug.push('-');
            dash = true;
        }
    }
    // FNV-1a over the exact pair.
    let mut h: u32 = 0x811c_9dc5;
    for b in case_id.bytes().chain([0]).chain(target.bytes()) {
        h ^= u32::from(b);
        h = h.wrapping_mul(0x0100_0193);
    }
    format!("{}-{h:08x}", slug.trim_end_matches('-'))
}

/// Why something was not counted as a difference.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NoiseLine {
    /// JSON Pointer pattern (array indices as `*`).
    pub path: String,
    /// `learned` or `rule`.
    pub source: String,
    /// Human explanation: the rule, or where it was learned with an example.
    pub why: String,
    /// The rule (display form) for `rule` lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rule: Option<String>,
    /// Two baseline values that differed, for `learned` lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub example: Option<(String, String)>,
    /// Where it was learned (`suite::case step N`), for `learned` lines.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub learned_at: Option<String>,
    /// Differences it suppressed.
    pub suppressed: usize,
    /// Cases where it applied (`suite::case`), in plan order.
    pub cases: Vec<String>,
}

/// A baseline exchange that could not be repeated (nothing learned from it).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnstableLine {
    /// `suite::case`.
    pub case: String,
    /// Step index (0-based).
    pub step: usize,
    /// What changed between the two baseline calls.
    pub why: String,
}

/// The end-of-run summary of a diff.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DiffSummary {
    /// Baseline display name (or `golden:DIR`).
    pub baseline: String,
    /// Candidate display name (empty when only recording).
    pub candidate: String,
    /// Rules in effect, in display form.
    pub rules: Vec<String>,
    /// Compared headers.
    pub headers: Vec<String>,
    /// Whether noise was learned by calling the baseline twice.
    pub learned: bool,
    /// Paths treated as noise and why.
    pub noise: Vec<NoiseLine>,
    /// Baseline exchanges that were not repeatable.
    pub unstable: Vec<UnstableLine>,
    /// Cases with real differences.
    pub cases_differing: usize,
    /// Real differences in total.
    pub differences: usize,
    /// `--record DIR`: golden files written there.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorded: Option<String>,
    /// `--against DIR`: the golden directory compared with.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub against: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_are_stable_and_distinct() {
        let a = anchor("stytch::list sessions", "reference");
        assert!(a.starts_with("case-stytch-list-sessions-reference-"), "{a}");
        assert_eq!(a, anchor("stytch::list sessions", "reference"));
        assert_ne!(anchor("a::b", "c d"), anchor("a::b c", "d"));
        assert!(a.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    }
}
