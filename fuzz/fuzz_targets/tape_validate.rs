//! libFuzzer target `tape_validate`: see `fuzz/src/targets.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sessconform_fuzz::targets::tape_validate(data));
