//! Vendor compatibility: one contract against many targets (a case × target matrix) and
//! differential runs between two targets or against recorded golden files.

mod compare;
mod differential;
mod entities;
mod golden;
mod matrix;
mod noise;
mod pointer;
mod rules;
mod summary;

pub use crate::canonical::canonical;
pub use crate::result::compat::{
    Cell, CompatReport, DiffSummary, Matrix, MatrixCell, MatrixRow, NoiseLine, UnstableLine, anchor,
};
pub use compare::{Because, Change, Comparison, Difference, Suppressed, compare};
pub use differential::{DiffError, DiffOptions, DiffSides, run_diff};
pub use golden::{GoldenCase, GoldenDir, GoldenError, GoldenStep};
pub use matrix::{plan_matrix, run_matrix, unique_names};
pub use noise::{Learning, NoiseEntry, NoiseSet, learn};
pub use pointer::Pattern;
pub use rules::{Rule, RuleKind, RuleOrigin, Rules};
