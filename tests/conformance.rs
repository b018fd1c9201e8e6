//! Every case of the built-in suites as its own libtest trial, against the embedded reference
//! server, or the target named by `SESSCONFORM_TARGET` / `SESSCONFORM_BASE_URL`.

fn main() {
    sessconform::harness::Harness::new().target_from_env().run();
}
