//! Unit tests for the schema store.
