//! Vendor compatibility: one contract against many targets (a case × target matrix) and
//! differential runs between two targets or against recorded golden files.

mod diff;
mod differ;
mod golden;
mod matrix;
mod noise;
mod pointer;
mod rules;
mod side;
mod summary;

pub use diff::{Because, Change, Comparison, Difference, Suppressed, canonical, compare};
pub use differ::{DiffError, DiffOptions, DiffSides, run_diff};
pub use golden::{GoldenCase, GoldenDir, GoldenError, GoldenStep};
pub use matrix::{run_matrix, unique_names};
pub use noise::{Learning, NoiseEntry, NoiseSet, learn};
pub use pointer::Pattern;
pub use crate::result::compat::{
    Cell, CompatReport, DiffSummary, Matrix, MatrixCell, MatrixRow, NoiseLine, UnstableLine, anchor,
};
pub use rules::{Rule, RuleKind, RuleOrigin, Rules};
