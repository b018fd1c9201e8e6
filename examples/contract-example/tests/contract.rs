//! The session-API contract of this crate, one libtest trial per YAML case:
//! `cargo test --test contract`, or `SESSCONFORM_TARGET=staging.yaml cargo test --test contract`.

fn main() {
    sessconform::harness::Harness::new()
        .cases("tests/contract")
        .target_from_env()
        .run();
}
