//! Tests of the structural comparison.

use super::*;
use crate::compat::rules::Rule;
use serde_json::json;

fn rules(specs: &[&str]) -> Rules {
    Rules {
        rules: specs.iter().map(|s| Rule::parse_cli(s).unwrap()).collect(),
        ..Rules::default()
    }
}

fn ptrs(c: &Comparison) -> Vec<&str> {
    c.differences.iter().map(|d| d.pointer.as_str()).collect()
}

#[test]
fn key_order_ignored_numbers_numeric() {
    let a = json!({"a": 1, "b": {"x": [1, 2], "y": 1.0}});
    let b = json!({"b": {"y": 1, "x": [1, 2]}, "a": 1});
    let c = compare(&a, &b, &Rules::default(), None);
    assert!(c.differences.is_empty(), "{:?}", c.differences);
}

#[test]
fn reports_changed_added_removed_by_pointer() {
    let a = json!({"a": 1, "gone": true, "list": [1, 2, 3], "t": "x"});
    let b = json!({"a": 2, "new": null, "list": [1, 4, 3, 5], "t": 5});
    let c = compare(&a, &b, &Rules::default(), None);
    assert_eq!(
        ptrs(&c),
        vec!["/a", "/gone", "/list/1", "/list/3", "/new", "/t"]
    );
    let kinds: Vec<Change> = c.differences.iter().map(|d| d.change).collect();
    assert_eq!(
        kinds,
        vec![
            Change::Changed,
            Change::Removed,
            Change::Changed,
            Change::Added,
            Change::Added,
            Change::Changed
        ]
    );
    assert_eq!(c.differences[2].pattern, "/list/*");
}

#[test]
fn arrays_in_order_unless_set() {
    let a = json!({"s": [{"id": "a"}, {"id": "b"}]});
    let b = json!({"s": [{"id": "b"}, {"id": "a"}]});
    let c = compare(&a, &b, &Rules::default(), None);
    assert_eq!(ptrs(&c), vec!["/s"]);
    assert_eq!(c.differences[0].change, Change::Reordered);
    let c = compare(&a, &b, &rules(&["set:/s"]), None);
    assert!(c.differences.is_empty());
    // A set still reports a real difference, and extra elements.
    let b2 = json!({"s": [{"id": "b"}, {"id": "c"}, {"id": "d"}]});
    let c = compare(&a, &b2, &rules(&["set:/s"]), None);
    assert_eq!(ptrs(&c), vec!["/s/0", "/s/2"]);
}

#[test]
fn ignore_uuid_and_timestamp_rules_suppress_with_reasons() {
    let a = json!({"request_id": "r1", "id": "session-test-fe6c042b-6286-479f-8a4f-b046a6c46509",
                   "at": "2024-01-01T00:00:00Z", "ms": 1_716_883_200_000_i64, "status": 200});
    let b = json!({"request_id": "r2", "id": "session-test-00000000-6286-479f-8a4f-b046a6c46509",
                   "at": "2024-01-01T00:00:30.5Z", "ms": 1_716_883_230_000_i64, "status": 201});
    let r = rules(&["ignore:/request_id", "uuid", "timestamp:/**:60s"]);
    let c = compare(&a, &b, &r, None);
    assert_eq!(ptrs(&c), vec!["/status"]);
    let sup: Vec<&str> = c.suppressed.iter().map(|s| s.pointer.as_str()).collect();
    assert_eq!(sup, vec!["/at", "/id", "/ms", "/request_id"]);
    assert!(matches!(&c.suppressed[3].because, Because::Rule(r) if r == "ignore:/request_id"));
    // Beyond the tolerance, or a prefix change around the UUID, is a difference.
    let tight = rules(&["uuid", "timestamp:/**:10s"]);
    let b3 = json!({"id": "member-test-fe6c042b-6286-479f-8a4f-b046a6c46509",
                    "at": "2024-01-01T00:00:30Z", "ms": 1_716_883_200, "request_id": "r1", "status": 200});
    let c = compare(&a, &b3, &tight, None);
    assert_eq!(ptrs(&c), vec!["/at", "/id", "/ms"]);
}

#[test]
fn masks_uuids_only_when_delimited() {
    assert_eq!(
        mask_uuids("user-test-e3795c81-f849-4167-bfda-e4a6e9c280fd/x"),
        "user-test-<uuid>/x"
    );
    assert_eq!(mask_uuids("no uuid é here"), "no uuid é here");
    assert_eq!(
        mask_uuids("ae3795c81-f849-4167-bfda-e4a6e9c280fd"),
        "ae3795c81-f849-4167-bfda-e4a6e9c280fd"
    );
}

#[test]
fn canonical_sorts_keys() {
    let t = crate::canonical::canonical_text(&json!({"b": 1, "a": {"d": 1, "c": 2}}));
    assert!(t.find("\"a\"").unwrap() < t.find("\"b\"").unwrap());
    assert!(t.find("\"c\"").unwrap() < t.find("\"d\"").unwrap());
}

#[test]
fn paired_generated_values_are_equal_and_ambiguity_drops_a_pair() {
    let mut pairs = Pairs::default();
    pairs.add(
        "session-aaaa",
        "session-bbbb",
        "s::mint step 1 /body/session_id",
    );
    pairs.add("token-1111", "token-2222", "x");
    pairs.add("token-1111", "token-3333", "y");
    let a = json!({"ids": ["session-aaaa", "token-1111"]});
    let b = json!({"ids": ["session-bbbb", "token-2222"]});
    let c = compare_with(&a, &b, &Rules::default(), None, Some(&pairs));
    assert_eq!(ptrs(&c), vec!["/ids/1"]);
    assert!(matches!(&c.suppressed[0].because, Because::Paired(o) if o.contains("mint")));
    // A paired value in the wrong place is still a difference.
    let b2 = json!({"ids": ["session-cccc", "token-1111"]});
    let c = compare_with(&a, &b2, &Rules::default(), None, Some(&pairs));
    assert_eq!(ptrs(&c), vec!["/ids/0"]);
}

#[test]
fn status_first_and_bodies_folded_when_statuses_differ() {
    let a = json!({"status": 401, "headers": {}, "body": {"error_type": "unauthorized", "status_code": 401}});
    let b = json!({"status": 200, "headers": {}, "body": {"sessions": [], "status_code": 200}});
    let mut c = compare(&a, &b, &Rules::default(), None);
    assert_eq!(
        ptrs(&c),
        vec![
            "/status",
            "/body/error_type",
            "/body/sessions",
            "/body/status_code"
        ]
    );
    fold_body_on_status(&mut c, &a, &b);
    assert_eq!(ptrs(&c), vec!["/status", "/body"]);
    assert_eq!(c.differences[1].baseline, Some(a["body"].clone()));
    // Same status: nothing is folded.
    let b3 = json!({"status": 401, "headers": {}, "body": {"error_type": "x", "status_code": 400}});
    let mut c = compare(&a, &b3, &Rules::default(), None);
    fold_body_on_status(&mut c, &a, &b3);
    assert_eq!(ptrs(&c), vec!["/body/error_type", "/body/status_code"]);
}

#[test]
fn insertions_are_aligned_and_reorders_are_one_difference() {
    let s = |id: &str, st: &str| json!({"id": id, "status": st});
    let a = json!([
        s("a", "active"),
        s("b", "active"),
        s("c", "active"),
        s("d", "active")
    ]);
    // One element inserted in the middle: one difference, not one per shifted element.
    let b = json!([
        s("a", "active"),
        s("x", "revoked"),
        s("b", "active"),
        s("c", "active"),
        s("d", "active")
    ]);
    let c = compare(&a, &b, &Rules::default(), None);
    assert_eq!(ptrs(&c), vec!["/1"]);
    assert_eq!(c.differences[0].change, Change::Added);
    // One element changed in place: its fields.
    let b = json!([
        s("a", "active"),
        s("b", "revoked"),
        s("c", "active"),
        s("d", "active")
    ]);
    assert_eq!(
        ptrs(&compare(&a, &b, &Rules::default(), None)),
        vec!["/1/status"]
    );
    // Removed and changed around aligned elements.
    let b = json!([s("a", "active"), s("c", "active"), s("d", "gone")]);
    let c = compare(&a, &b, &Rules::default(), None);
    assert_eq!(ptrs(&c), vec!["/1", "/3/status"]);
    assert_eq!(c.differences[0].change, Change::Removed);
    // Same elements, another order.
    let b = json!([
        s("d", "active"),
        s("c", "active"),
        s("b", "active"),
        s("a", "active")
    ]);
    let c = compare(&a, &b, &Rules::default(), None);
    assert_eq!(ptrs(&c), vec![""]);
    assert_eq!(c.differences[0].change, Change::Reordered);
}
