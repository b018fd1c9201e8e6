//! Every case of the built-in suites as its own libtest trial, against the embedded reference
//! server, or the target named by `SESSCONFORM_TARGET` / `SESSCONFORM_BASE_URL`.

fn main() {
    #[cfg(not(feature = "server"))]
    if sessconform::target_source::TargetRequest::from_env().is_embedded() {
        eprintln!(
            "conformance: skipped: no SESSCONFORM_TARGET / SESSCONFORM_BASE_URL, and this build has no embedded reference server"
        );
        return;
    }
    sessconform::harness::Harness::new().target_from_env().run();
}
