//! libFuzzer target `case_loader`: see `fuzz/src/targets.rs`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| sessconform_fuzz::targets::case_loader(data));
