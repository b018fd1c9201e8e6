//! Pure checks of one response against a step's expectations. No I/O except snapshot files.
