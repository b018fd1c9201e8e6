//! Loader (in progress).
/// Placeholder.
#[derive(Debug)]
pub struct LoadError;
/// Placeholder.
pub struct SuiteSource;
/// Placeholder.
pub fn load_suites() {}
