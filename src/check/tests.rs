//! Tests of `check_response` as a whole.

use serde_json::{Value, json};

use super::testutil::*;
use super::*;
use crate::case::model::{Op, SchemaExpect, StatusExpect, StatusPattern};

fn expect(assertions: Vec<crate::case::model::Assertion>) -> Expect {
    Expect {
        status: Some(StatusExpect {
            allowed: vec![StatusPattern::Code(200)],
            span: span(),
        }),
        assertions,
        ..Expect::default()
    }
}

#[test]
fn passing_response_gives_no_findings() {
    let t = Fixture::new();
    let body = body(json!({"status_code": 200}));
    let e = expect(vec![assertion("$.status_code", Op::Equals(json!(200)))]);
    assert!(check_response(&e, &t.response(200, &body), &t.ctx()).is_empty());
}

#[test]
fn wrong_status_still_runs_body_checks() {
    let t = Fixture::new();
    let body = body(json!({"status_code": 404}));
    let e = expect(vec![assertion("$.status_code", Op::Equals(json!(200)))]);
    let out = check_response(&e, &t.response(404, &body), &t.ctx());
    let kinds: Vec<FindingKind> = out.iter().map(|f| f.kind).collect();
    assert_eq!(kinds, vec![FindingKind::Status, FindingKind::Assertion]);
}

#[test]
fn non_json_body_gives_one_body_finding() {
    let t = Fixture::new();
    let e = Expect {
        schemas: vec![SchemaExpect {
            id: "x/y".into(),
            level: Level::Fail,
            span: span(),
        }],
        ..expect(vec![
            assertion("$.a", Op::Exists),
            assertion("$.b", Op::Exists),
        ])
    };
    let resp = Response {
        status: 502,
        headers: &[],
        body: b"<html>\nBad gateway</html>",
        json: None,
    };
    let out = check_response(&e, &resp, &t.ctx());
    assert_eq!(out.len(), 2, "{out:#?}");
    assert_eq!(out[0].kind, FindingKind::Status);
    assert_eq!(out[1].kind, FindingKind::Body);
    assert_eq!(
        out[1].message,
        "body is not JSON: expected value at line 1 column 1; first bytes: <html>\\nBad gateway</html>"
    );
    assert_eq!(out[1].level, Level::Fail);
    assert_eq!(out[1].step, 3);
}

#[test]
fn non_json_body_level_follows_the_body_checks() {
    let t = Fixture::new();
    let mut e = expect(vec![warn(assertion("$.a", Op::Exists))]);
    e.status = None;
    let resp = Response {
        status: 200,
        headers: &[],
        body: b"",
        json: None,
    };
    let out = check_response(&e, &resp, &t.ctx());
    assert_eq!(out.len(), 1);
    assert_eq!(out[0].message, "body is not JSON: the body is empty");
    assert_eq!(out[0].level, Level::Warn);
}

#[test]
fn a_body_the_engine_could_not_parse_says_why() {
    let t = Fixture::new();
    let mut e = expect(vec![assertion("$.a", Op::Exists)]);
    e.status = None;
    let deep = format!("{}{}", "[".repeat(50_000), "]".repeat(50_000));
    let not_utf8 = b"{\"a\": \"\xff\xfe\"}".to_vec();
    for (body, why) in [
        (deep.into_bytes(), "more than 128 levels deep"),
        (not_utf8, "invalid unicode code point"),
    ] {
        let resp = Response {
            status: 200,
            headers: &[],
            body: &body,
            json: None,
        };
        let out = check_response(&e, &resp, &t.ctx());
        assert!(out[0].message.contains(why), "{}", out[0].message);
        assert!(
            !out[0].message.contains("it was not parsed"),
            "{}",
            out[0].message
        );
    }
}

#[test]
fn non_json_body_without_body_checks_is_fine() {
    let t = Fixture::new();
    let e = expect(vec![]);
    let resp = Response {
        status: 200,
        headers: &[],
        body: b"ok",
        json: None,
    };
    assert!(check_response(&e, &resp, &t.ctx()).is_empty());
}

#[test]
fn schema_assertions_and_status_all_report() {
    let mut t = Fixture::new();
    t.schemas = store_with("t/obj", &json!({"type": "object", "required": ["id"]}));
    let body = body(json!({"name": "x"}));
    let e = Expect {
        schemas: vec![SchemaExpect {
            id: "t/obj".into(),
            level: Level::Fail,
            span: span(),
        }],
        ..expect(vec![assertion("$.name", Op::Equals(json!("y")))])
    };
    let out = check_response(&e, &t.response(500, &body), &t.ctx());
    let kinds: Vec<FindingKind> = out.iter().map(|f| f.kind).collect();
    assert_eq!(
        kinds,
        vec![
            FindingKind::Status,
            FindingKind::Schema,
            FindingKind::Assertion
        ]
    );
    assert_eq!(out[1].path.as_deref(), Some(""));
}

/// Timing of a realistic assertion set on a 1,500-session body. Run with
/// `cargo test --release --lib check::tests::timing -- --ignored --nocapture`.
#[test]
#[ignore = "timing, not a correctness test"]
fn timing_large_body() {
    use crate::case::model::{CmpOp, JsonType, Operand, OperandBase, Order};
    let sessions: Vec<Value> = (0..1500)
        .map(|i| {
            json!({
                "session_id": format!("session-test-{i:08}"),
                "user_id": "user-test-1",
                "started_at": format!("2024-06-01T10:{:02}:{:02}.399Z", i / 60 % 60, i % 60),
                "expires_at": 1_725_000_000_000_u64 + i as u64,
                "attributes": {"ip_address": "203.0.113.1", "user_agent": "Mozilla/5.0"},
            })
        })
        .collect();
    let body = json!({"status_code": 200, "sessions": sessions});
    let rhs = Operand {
        base: OperandBase::Path(jp("$.started_at")),
        shift_ms: 0,
        text: "$.started_at".into(),
    };
    let e = expect(vec![
        assertion("$.status_code", Op::Equals(json!(200))),
        assertion("$.sessions[*].session_id", Op::Unique),
        assertion(
            "$.sessions",
            Op::Sorted {
                by: Some(jp("$.started_at")),
                by_text: Some("$.started_at".into()),
                order: Order::Asc,
            },
        ),
        assertion(
            "$.sessions",
            Op::Every(vec![
                assertion(
                    "$.session_id",
                    Op::Matches(regex::Regex::new("^session-test-").unwrap()),
                ),
                assertion("$.user_id", Op::Type(JsonType::String)),
                assertion(
                    "$.expires_at",
                    Op::Compare {
                        op: CmpOp::After,
                        rhs,
                    },
                ),
            ]),
        ),
    ]);
    let t = Fixture::new();
    let parsed = super::body::JsonBody::from_value(body.clone());
    let resp = t.response(200, &parsed);
    assert!(check_response(&e, &resp, &t.ctx()).is_empty());
    let n = 20;
    let start = std::time::Instant::now();
    for _ in 0..n {
        assert!(check_response(&e, &resp, &t.ctx()).is_empty());
    }
    let per = start.elapsed() / n;
    println!("1,500 sessions, 4 assertions (every with 3 nested): {per:?} per response");

    let small = json!({"status_code": 200, "sessions": body["sessions"].as_array().unwrap()[..3]});
    let small = super::body::JsonBody::from_value(small);
    let resp = t.response(200, &small);
    let n = 20_000;
    let start = std::time::Instant::now();
    for _ in 0..n {
        assert!(check_response(&e, &resp, &t.ctx()).is_empty());
    }
    println!(
        "3 sessions, same assertions: {:?} per response",
        start.elapsed() / n
    );
}
