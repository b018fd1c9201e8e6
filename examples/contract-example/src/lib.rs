//! An application crate; its session-API contract lives in `tests/contract/`.
