//! Serde model of case files (filled in by the loader work).
