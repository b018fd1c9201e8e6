//! Peak memory of checking a 3 MB body with a million schema violations (issue 15, defect 1):
//! every violation used to be collected, about 2 GiB for this body. Alone in its test binary so
//! the process's peak resident size is this test's.

#![cfg(target_os = "linux")]

use sessconform::schema::{Limits, SchemaStore};
use sessconform::tape::Tape;

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn checking_a_3_mb_many_violations_body_stays_under_150_mib() {
    let store = SchemaStore::builtin().unwrap();
    let mut body = String::from(r#"{"request_id":"r","status_code":200,"sessions":["#);
    body.push_str(&vec!["{}"; 1_000_000].join(","));
    body.push_str("]}");
    assert!(body.len() > 3_000_000);
    let tape = Tape::parse(body.as_bytes()).unwrap();
    let found = store
        .validate_bounded(
            "stytch/sessions-get-response",
            tape.root(),
            Limits::new(None),
        )
        .unwrap();
    assert!(found.cut.is_some() && found.list.len() == Limits::KEEP);
    let peak = peak_rss_kib();
    assert!(peak < 150 * 1024, "peak RSS {peak} KiB");
}
