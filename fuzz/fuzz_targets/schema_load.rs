//! libFuzzer target `schema_load`: see `fuzz/src/targets.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sessconform_fuzz::targets::schema_load(data));
