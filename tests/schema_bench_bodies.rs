//! The shared benchmark bodies (`../shared/bench/`) conform to the built-in Stytch schemas, and
//! validating the large one reuses the compiled validator without copying the body.

use std::time::Instant;

use serde_json::Value;
use sessconform::schema::SchemaStore;

fn bench_body(name: &str) -> Value {
    let path = format!("{}/../shared/bench/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn bench_bodies_pass_lenient_and_strict() {
    let store = SchemaStore::builtin().unwrap();
    for name in ["small.json", "large.json"] {
        let body = bench_body(name);
        for id in [
            "stytch/sessions-get-response",
            "strict/stytch/sessions-get-response",
        ] {
            let violations = store.validate(id, &body).unwrap();
            assert!(violations.is_empty(), "{name} against {id}: {violations:?}");
        }
    }
}

#[test]
fn a_broken_large_body_reports_every_broken_session() {
    let store = SchemaStore::builtin().unwrap();
    let mut body = bench_body("large.json");
    let sessions = body["sessions"].as_array_mut().unwrap();
    for i in [3, 700, 1499] {
        sessions[i]["started_at"] = Value::from("not a date");
    }
    let start = Instant::now();
    let violations = store
        .validate("stytch/sessions-get-response", &body)
        .unwrap();
    let paths: Vec<&str> = violations
        .iter()
        .map(|v| v.instance_path.as_str())
        .collect();
    assert_eq!(
        paths,
        [
            "/sessions/3/started_at",
            "/sessions/700/started_at",
            "/sessions/1499/started_at"
        ]
    );
    eprintln!(
        "validated a broken 1,500-session body in {:?} (debug build)",
        start.elapsed()
    );
}
