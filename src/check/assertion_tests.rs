//! Tests of the per-value operators, `every`, comparisons and `jwt`.

use regex::Regex;
use serde_json::{Value, json};

use super::*;
use crate::case::model::{Level, Operand};
use crate::check::jwt::tests::token;
use crate::check::testutil::*;
use crate::result::FindingKind;

fn run_with(t: &Fixture, assertions: &[Assertion], body: &Value) -> Vec<Finding> {
    let mut out = Vec::new();
    check(assertions, body, &t.ctx(), &mut out);
    out
}

fn run(a: Assertion, body: &Value) -> Vec<Finding> {
    run_with(&Fixture::new(), &[a], body)
}

fn messages(findings: &[Finding]) -> Vec<&str> {
    findings.iter().map(|f| f.message.as_str()).collect()
}

fn sessions() -> Value {
    json!({"sessions": [
        {"session_id": "s1", "user_id": "u1", "started_at": "2024-05-01T10:00:00Z", "expires_at": "2024-05-01T13:00:00Z"},
        {"session_id": "s2", "user_id": "u2", "started_at": "2024-05-01T11:00:00.5Z", "expires_at": 1_714_568_400_000_u64},
        {"session_id": "s3", "user_id": "u3", "started_at": "2024-05-01T11:30:00.123456789Z", "expires_at": 1_714_568_400}
    ]})
}

fn now(shift_ms: i64, text: &str) -> Operand {
    Operand {
        base: OperandBase::Now,
        shift_ms,
        text: text.into(),
    }
}

#[test]
fn equals_passes_on_equal_values_and_numbers() {
    assert!(run(assertion("$.a", Op::Equals(json!(1))), &json!({"a": 1.0})).is_empty());
    assert!(
        run(
            assertion("$.a", Op::Equals(json!({"x": [1, "y"]}))),
            &json!({"a": {"x": [1.0, "y"]}})
        )
        .is_empty()
    );
}

#[test]
fn equals_reports_value_kind_level_and_span() {
    let out = run(
        assertion("$.status", Op::Equals(json!("active"))),
        &json!({"status": "revoked"}),
    );
    assert_eq!(
        messages(&out),
        vec![r#"$.status: expected "active", got "revoked""#]
    );
    let f = &out[0];
    assert_eq!(
        (f.kind, f.level, f.step),
        (FindingKind::Assertion, Level::Fail, 3)
    );
    assert_eq!(f.path.as_deref(), Some("$.status"));
    assert_eq!(f.expected.as_deref(), Some(r#""active""#));
    assert_eq!(f.actual.as_deref(), Some(r#""revoked""#));
    assert_eq!(f.span.as_ref().unwrap().to_string(), "cases/test.yaml:1:1");
    assert!(f.detail.is_none());
}

#[test]
fn equals_on_many_nodes_names_the_failing_one() {
    let out = run(
        assertion("$.sessions[*].user_id", Op::Equals(json!("u1"))),
        &sessions(),
    );
    assert_eq!(
        messages(&out),
        vec![
            r#"$.sessions[*].user_id: expected "u1", got "u2" at $['sessions'][1]['user_id'] (and 1 more failing values)"#
        ]
    );
}

#[test]
fn equals_on_objects_gives_a_canonical_diff() {
    let out = run(
        assertion(
            "$.user",
            Op::Equals(json!({"id": "u1", "name": "Ann", "roles": ["a", "b"]})),
        ),
        &json!({"user": {"roles": ["a", "c"], "name": "Ann", "id": "u1"}}),
    );
    let d = out[0].detail.as_deref().unwrap();
    assert!(d.starts_with("--- expected\n+++ actual\n@@"), "{d}");
    assert!(d.contains("-    \"b\"\n+    \"c\"\n"), "{d}");
    assert!(!d.contains('\u{1b}'), "no ANSI codes");
}

#[test]
fn expected_values_are_rendered_from_the_scope() {
    let mut t = Fixture::new();
    t.scope.vars.insert("user".into(), json!("u1"));
    t.scope.captures.insert("sid".into(), json!("s1"));
    let ok = [
        assertion("$.sessions[0].user_id", Op::Equals(json!("${vars.user}"))),
        assertion("$.sessions[*].session_id", Op::Contains(json!("${sid}"))),
        assertion(
            "$.sessions[0].session_id",
            Op::OneOf(json!(["${sid}", "other"])),
        ),
        assertion(
            "$.sessions[1].user_id",
            Op::NotEquals(json!("${vars.user}")),
        ),
    ];
    assert!(run_with(&t, &ok, &sessions()).is_empty());
    let out = run_with(
        &t,
        &[assertion("$.x", Op::Equals(json!("${vars.missing}")))],
        &json!({"x": 1}),
    );
    assert_eq!(
        messages(&out),
        vec!["$.x: cannot render the expected value: ${vars.missing} is not set"]
    );
}

#[test]
fn ops_on_no_node_say_no_value() {
    for op in [
        Op::Equals(json!(1)),
        Op::Matches(Regex::new("x").unwrap()),
        Op::Type(JsonType::String),
    ] {
        let out = run(assertion("$.missing", op), &json!({}));
        assert_eq!(messages(&out), vec!["no value at $.missing"]);
    }
}

#[test]
fn warn_level_is_carried() {
    let out = run(
        warn(assertion("$.a", Op::Equals(json!(2)))),
        &json!({"a": 1}),
    );
    assert_eq!(out[0].level, Level::Warn);
    let mut a = assertion("$.a", Op::Exists);
    a.note = Some("vendor SHOULD".into());
    let out = run(warn(a), &json!({}));
    assert_eq!(
        (out[0].level, out[0].note.as_deref()),
        (Level::Warn, Some("vendor SHOULD"))
    );
}

#[test]
fn not_equals() {
    assert!(run(assertion("$.a", Op::NotEquals(json!(2))), &json!({"a": 1})).is_empty());
    let out = run(
        assertion("$.a", Op::NotEquals(json!(1))),
        &json!({"a": 1.0}),
    );
    assert_eq!(messages(&out), vec!["$.a: expected a value other than 1"]);
}

#[test]
fn exists_and_absent() {
    let body = json!({"a": null, "list": []});
    assert!(run(assertion("$.a", Op::Exists), &body).is_empty());
    assert!(run(assertion("$.b", Op::Absent), &body).is_empty());
    assert!(run(assertion("$.list[*]", Op::Absent), &body).is_empty());
    assert_eq!(
        messages(&run(assertion("$.b", Op::Exists), &body)),
        vec!["no value at $.b"]
    );
    assert_eq!(
        messages(&run(assertion("$.a", Op::Absent), &body)),
        vec!["$.a: expected no value, got null"]
    );
    let out = run(assertion("$.sessions[*].user_id", Op::Absent), &sessions());
    assert_eq!(
        messages(&out),
        vec![
            "$.sessions[*].user_id: expected no value, got 3 values at $['sessions'][0]['user_id']"
        ]
    );
}

#[test]
fn matches() {
    let re = || Regex::new("^session-[a-z0-9-]+$").unwrap();
    assert!(
        run(
            assertion("$.id", Op::Matches(re())),
            &json!({"id": "session-abc-1"})
        )
        .is_empty()
    );
    let out = run(
        assertion("$.id", Op::Matches(re())),
        &json!({"id": "user-1"}),
    );
    assert_eq!(
        messages(&out),
        vec![r#"$.id: "user-1" does not match /^session-[a-z0-9-]+$/"#]
    );
    let out = run(assertion("$.id", Op::Matches(re())), &json!({"id": 5}));
    assert_eq!(
        messages(&out),
        vec!["$.id: expected a string matching /^session-[a-z0-9-]+$/, got number 5"]
    );
}

#[test]
fn types() {
    let body =
        json!({"i": 3, "f": 3.0, "x": 3.5, "s": "3", "n": null, "b": true, "o": {}, "a": []});
    for (path, t) in [
        ("$.i", JsonType::Integer),
        ("$.f", JsonType::Integer),
        ("$.x", JsonType::Number),
        ("$.s", JsonType::String),
        ("$.n", JsonType::Null),
        ("$.b", JsonType::Boolean),
        ("$.o", JsonType::Object),
        ("$.a", JsonType::Array),
    ] {
        assert!(
            run(assertion(path, Op::Type(t)), &body).is_empty(),
            "{path}"
        );
    }
    assert_eq!(
        messages(&run(assertion("$.x", Op::Type(JsonType::Integer)), &body)),
        vec!["$.x: expected type integer, got number 3.5"]
    );
    assert_eq!(
        messages(&run(assertion("$.s", Op::Type(JsonType::Number)), &body)),
        vec![r#"$.s: expected type number, got string "3""#]
    );
}

#[test]
fn one_of() {
    let op = || Op::OneOf(json!(["active", "pending"]));
    assert!(
        run(
            assertion("$.s[*]", op()),
            &json!({"s": ["active", "pending", "active"]})
        )
        .is_empty()
    );
    let out = run(
        assertion("$.s[*]", op()),
        &json!({"s": ["active", "revoked"]}),
    );
    assert_eq!(
        messages(&out),
        vec![r#"$.s[*]: expected one of ["active","pending"], got "revoked" at $['s'][1]"#]
    );
    let out = run(
        assertion("$.s", Op::OneOf(json!("active"))),
        &json!({"s": "active"}),
    );
    assert_eq!(
        messages(&out),
        vec![r#"$.s: one_of needs a list of values, got "active""#]
    );
}

#[test]
fn compare_with_now_and_shift() {
    // NOW is 2024-05-01T12:00:00Z.
    let body = json!({"exp": "2024-05-01T12:10:00Z", "exp_ms": 1_714_565_400_000_u64, "exp_s": 1_714_565_400});
    for p in ["$.exp", "$.exp_ms", "$.exp_s"] {
        let ok = assertion(
            p,
            Op::Compare {
                op: CmpOp::After,
                rhs: now(5 * 60_000, "now+5m"),
            },
        );
        assert!(run(ok, &body).is_empty(), "{p}");
        let bad = assertion(
            p,
            Op::Compare {
                op: CmpOp::After,
                rhs: now(15 * 60_000, "now+15m"),
            },
        );
        assert_eq!(run(bad, &body).len(), 1, "{p}");
    }
    let out = run(
        assertion(
            "$.exp",
            Op::Compare {
                op: CmpOp::After,
                rhs: now(3_600_000, "now+1h"),
            },
        ),
        &body,
    );
    assert_eq!(
        messages(&out),
        vec![r#"$.exp: expected after now+1h (2024-05-01T13:00:00Z), got "2024-05-01T12:10:00Z""#]
    );
    let out = run(
        assertion(
            "$.exp_s",
            Op::Compare {
                op: CmpOp::Before,
                rhs: now(0, "now"),
            },
        ),
        &body,
    );
    assert_eq!(
        messages(&out),
        vec![
            "$.exp_s: expected before now (2024-05-01T12:00:00Z), got 1714565400 (2024-05-01T12:10:00Z)"
        ]
    );
}

#[test]
fn compare_boundaries() {
    let body = json!({"t": "2024-05-01T12:00:00Z"});
    let cmp = |op| {
        assertion(
            "$.t",
            Op::Compare {
                op,
                rhs: now(0, "now"),
            },
        )
    };
    assert!(run(cmp(CmpOp::NotAfter), &body).is_empty());
    assert!(run(cmp(CmpOp::NotBefore), &body).is_empty());
    assert_eq!(run(cmp(CmpOp::Before), &body).len(), 1);
    assert_eq!(run(cmp(CmpOp::After), &body).len(), 1);
}

#[test]
fn compare_with_path_and_literal() {
    let path = |p: &str, shift_ms: i64, text: &str| Operand {
        base: OperandBase::Path(jp(p)),
        shift_ms,
        text: text.into(),
    };
    let body = json!({"started_at": "2024-05-01T10:00:00Z", "expires_at": 1_714_564_800_000_u64, "count": 3});
    // expires_at (epoch ms) is exactly two hours after started_at (RFC 3339).
    assert!(
        run(
            assertion(
                "$.expires_at",
                Op::Compare {
                    op: CmpOp::After,
                    rhs: path("$.started_at", 0, "$.started_at")
                }
            ),
            &body
        )
        .is_empty()
    );
    assert!(
        run(
            assertion(
                "$.expires_at",
                Op::Compare {
                    op: CmpOp::NotAfter,
                    rhs: path("$.started_at", 7_200_000, "$.started_at+2h")
                }
            ),
            &body
        )
        .is_empty()
    );
    let out = run(
        assertion(
            "$.expires_at",
            Op::Compare {
                op: CmpOp::After,
                rhs: path("$.started_at", 7_200_000, "$.started_at+2h"),
            },
        ),
        &body,
    );
    assert_eq!(
        messages(&out),
        vec![
            "$.expires_at: expected after $.started_at+2h (2024-05-01T12:00:00Z), got 1714564800000 (2024-05-01T12:00:00Z)"
        ]
    );
    let out = run(
        assertion(
            "$.expires_at",
            Op::Compare {
                op: CmpOp::After,
                rhs: path("$.nope", 0, "$.nope"),
            },
        ),
        &body,
    );
    assert_eq!(
        messages(&out),
        vec!["$.expires_at: operand $.nope selects no value"]
    );
    let lit = |v: Value, text: &str| Operand {
        base: OperandBase::Literal(v),
        shift_ms: 0,
        text: text.into(),
    };
    assert!(
        run(
            assertion(
                "$.count",
                Op::Compare {
                    op: CmpOp::After,
                    rhs: lit(json!(2), "2")
                }
            ),
            &body
        )
        .is_empty()
    );
    let out = run(
        assertion(
            "$.count",
            Op::Compare {
                op: CmpOp::Before,
                rhs: lit(json!(2), "2"),
            },
        ),
        &body,
    );
    assert_eq!(out.len(), 1);
    assert!(
        run(
            assertion(
                "$.started_at",
                Op::Compare {
                    op: CmpOp::Before,
                    rhs: lit(json!("2024-06-01T00:00:00.000001+02:00"), "2024-06")
                }
            ),
            &body
        )
        .is_empty()
    );
}

#[test]
fn compare_timestamp_with_non_timestamp_is_explained() {
    let body = json!({"t": "soon", "u": "2024-05-01T10:00:00Z"});
    let out = run(
        assertion(
            "$.t",
            Op::Compare {
                op: CmpOp::After,
                rhs: now(0, "now"),
            },
        ),
        &body,
    );
    assert_eq!(out.len(), 1);
    let m = &out[0].message;
    assert!(
        m.starts_with(r#"$.t: cannot compare "soon" with now"#),
        "{m}"
    );
    assert!(m.contains("cannot compare a timestamp (RFC 3339 string or epoch number) with a string that is not an RFC 3339 timestamp"), "{m}");
    let rhs = Operand {
        base: OperandBase::Path(jp("$.t")),
        shift_ms: 60_000,
        text: "$.t+1m".into(),
    };
    let out = run(
        assertion(
            "$.u",
            Op::Compare {
                op: CmpOp::After,
                rhs,
            },
        ),
        &body,
    );
    assert_eq!(
        messages(&out),
        vec![
            r#"$.u: operand $.t+1m ("soon"): a time shift needs a timestamp, not a string that is not an RFC 3339 timestamp"#
        ]
    );
}

#[test]
fn every_runs_nested_assertions_on_each_item() {
    let nested = vec![
        assertion("$.session_id", Op::Matches(Regex::new("^s[0-9]$").unwrap())),
        assertion(
            "$.expires_at",
            Op::Compare {
                op: CmpOp::After,
                rhs: Operand {
                    base: OperandBase::Path(jp("$.started_at")),
                    shift_ms: 0,
                    text: "$.started_at".into(),
                },
            },
        ),
    ];
    assert!(run(assertion("$.sessions", Op::Every(nested)), &sessions()).is_empty());
    let nested = vec![assertion("$.user_id", Op::Equals(json!("u1")))];
    let out = run(assertion("$.sessions", Op::Every(nested)), &sessions());
    assert_eq!(
        messages(&out),
        vec![
            r#"$.sessions[1].user_id: expected "u1", got "u2" at $['sessions'][1]['user_id']"#,
            r#"$.sessions[2].user_id: expected "u1", got "u3" at $['sessions'][2]['user_id']"#,
        ]
    );
    let nested = vec![assertion("$.missing", Op::Exists)];
    let out = run(assertion("$.sessions", Op::Every(nested)), &sessions());
    assert_eq!(
        out[0].message,
        "no value at $.sessions[0].missing (in $['sessions'][0])"
    );
}

#[test]
fn every_compares_within_the_item() {
    let body = json!({"s": [
        {"a": "2024-05-01T10:00:00Z", "b": "2024-05-01T11:00:00Z"},
        {"a": "2024-05-01T10:00:00Z", "b": "2024-05-01T09:00:00Z"}
    ]});
    let rhs = Operand {
        base: OperandBase::Path(jp("$.a")),
        shift_ms: 0,
        text: "$.a".into(),
    };
    let out = run(
        assertion(
            "$.s",
            Op::Every(vec![assertion(
                "$.b",
                Op::Compare {
                    op: CmpOp::After,
                    rhs,
                },
            )]),
        ),
        &body,
    );
    assert_eq!(
        messages(&out),
        vec![
            r#"$.s[1].b: expected after $.a (2024-05-01T10:00:00Z), got "2024-05-01T09:00:00Z" at $['s'][1]['b']"#
        ]
    );
}

#[test]
fn every_caps_findings_and_needs_an_array() {
    let items: Vec<Value> = (0..50).map(|i| json!({"n": i})).collect();
    let out = run(
        assertion(
            "$.items",
            Op::Every(vec![assertion("$.n", Op::Equals(json!(-1)))]),
        ),
        &json!({"items": items}),
    );
    assert_eq!(out.len(), MAX_EVERY + 1);
    assert_eq!(
        out[MAX_EVERY].message,
        "$.items: … and 40 more failures in other items, not shown"
    );
    let out = run(
        assertion("$.items", Op::Every(vec![])),
        &json!({"items": {"a": 1}}),
    );
    assert_eq!(
        messages(&out),
        vec!["$.items: expected an array, got object"]
    );
    let out = run(assertion("$.items", Op::Every(vec![])), &json!({}));
    assert_eq!(messages(&out), vec!["no value at $.items"]);
}

#[test]
fn every_levels_take_the_weaker_one() {
    let body = json!({"s": [{"a": 1}]});
    let out = run(
        warn(assertion(
            "$.s",
            Op::Every(vec![assertion("$.a", Op::Equals(json!(2)))]),
        )),
        &body,
    );
    assert_eq!(out[0].level, Level::Warn);
    let out = run(
        assertion(
            "$.s",
            Op::Every(vec![warn(assertion("$.a", Op::Equals(json!(2))))]),
        ),
        &body,
    );
    assert_eq!(out[0].level, Level::Warn);
    let out = run(
        assertion(
            "$.s",
            Op::Every(vec![assertion("$.a", Op::Equals(json!(2)))]),
        ),
        &body,
    );
    assert_eq!(out[0].level, Level::Fail);
}

#[test]
fn nested_every() {
    let body = json!({"orgs": [{"members": [{"role": "admin"}, {"role": "x"}]}]});
    let inner = assertion(
        "$.members",
        Op::Every(vec![assertion(
            "$.role",
            Op::OneOf(json!(["admin", "member"])),
        )]),
    );
    let out = run(assertion("$.orgs", Op::Every(vec![inner])), &body);
    assert_eq!(
        messages(&out),
        vec![
            r#"$.orgs[0].members[1].role: expected one of ["admin","member"], got "x" at $['orgs'][0]['members'][1]['role']"#
        ]
    );
}

fn jwt_body(header: Value, claims: Value) -> Value {
    json!({"session_jwt": token(&header, &claims)})
}

#[test]
fn jwt_header_and_claims() {
    let body = jwt_body(
        json!({"alg": "RS256", "kid": "k1"}),
        json!({"sub": "u1", "iat": 1_714_564_800, "exp": 1_714_565_100}),
    );
    let exp_after_iat = |shift_ms: i64, text: &str| {
        assertion(
            "$.exp",
            Op::Compare {
                op: CmpOp::NotBefore,
                rhs: Operand {
                    base: OperandBase::Path(jp("$.iat")),
                    shift_ms,
                    text: text.into(),
                },
            },
        )
    };
    let ok = assertion(
        "$.session_jwt",
        Op::Jwt {
            verify: None,
            header: vec![
                assertion("$.alg", Op::Equals(json!("RS256"))),
                assertion("$.kid", Op::Exists),
            ],
            claims: vec![
                assertion("$.sub", Op::Equals(json!("u1"))),
                exp_after_iat(299_000, "$.iat+299s"),
            ],
        },
    );
    assert!(run(ok, &body).is_empty());
    let bad = assertion(
        "$.session_jwt",
        Op::Jwt {
            verify: None,
            header: vec![assertion("$.alg", Op::Equals(json!("ES256")))],
            claims: vec![exp_after_iat(301_000, "$.iat+301s")],
        },
    );
    let out = run(bad, &body);
    assert_eq!(
        messages(&out),
        vec![
            r#"$.session_jwt (jwt header) $.alg: expected "ES256", got "RS256" at $['session_jwt'] (jwt header) $['alg']"#,
            "$.session_jwt (jwt claims) $.exp: expected at or after $.iat+301s (2024-05-01T12:05:01Z), got 1714565100 (2024-05-01T12:05:00Z) at $['session_jwt'] (jwt claims) $['exp']",
        ]
    );
}

#[test]
fn malformed_jwt_is_one_finding_without_the_token() {
    let a = || {
        assertion(
            "$.t",
            Op::Jwt {
                verify: None,
                header: vec![assertion("$.alg", Op::Exists)],
                claims: vec![assertion("$.sub", Op::Exists)],
            },
        )
    };
    let out = run(a(), &json!({"t": "eyJhbGciOiJIUzI1NiJ9.secret-part"}));
    assert_eq!(
        messages(&out),
        vec!["$.t: not a JWT: expected 3 dot-separated segments, got 2"]
    );
    assert!(out[0].actual.is_none());
    let out = run(a(), &json!({"t": 5}));
    assert_eq!(
        messages(&out),
        vec!["$.t: expected a JWT string, got number"]
    );
    assert_eq!(messages(&run(a(), &json!({}))), vec!["no value at $.t"]);
}

#[test]
fn numeric_bounds_compare_numbers_and_never_read_them_as_times() {
    let lit = |v: Value| Operand {
        text: v.to_string(),
        base: OperandBase::Literal(v),
        shift_ms: 0,
    };
    let gte = |n: i64| {
        assertion(
            "$.status_code",
            Op::Compare {
                op: CmpOp::Ge,
                rhs: lit(json!(n)),
            },
        )
    };
    let lt = |n: i64| {
        assertion(
            "$.status_code",
            Op::Compare {
                op: CmpOp::Lt,
                rhs: lit(json!(n)),
            },
        )
    };
    assert!(run(gte(400), &json!({"status_code": 400})).is_empty());
    assert!(run(lt(500), &json!({"status_code": 499})).is_empty());
    assert_eq!(
        messages(&run(gte(400), &json!({"status_code": 399}))),
        vec!["$.status_code: expected at least 400, got 399"]
    );
    assert_eq!(
        messages(&run(lt(500), &json!({"status_code": 500}))),
        vec!["$.status_code: expected less than 500, got 500"]
    );
    // Before: the same bound written as a time operator showed instants in 1970.
    let time = assertion(
        "$.status_code",
        Op::Compare {
            op: CmpOp::NotBefore,
            rhs: lit(json!(400)),
        },
    );
    let before = messages(&run(time, &json!({"status_code": 399}))).join("");
    assert!(before.contains("1970"), "{before}");
    // Large counts stay numbers too.
    let big = assertion(
        "$.n",
        Op::Compare {
            op: CmpOp::Le,
            rhs: lit(json!(200_000_000_000_i64)),
        },
    );
    assert!(run(big, &json!({"n": 100_000_000_001_i64})).is_empty());
    let not_a_number = assertion(
        "$.n",
        Op::Compare {
            op: CmpOp::Gt,
            rhs: lit(json!(1)),
        },
    );
    assert_eq!(
        run(not_a_number, &json!({"n": "2"})).len(),
        1,
        "a string is not a number"
    );
}
