use jsonschema::json::{Json, Node, Object, conformance};
use serde_json::{Value, json};

use super::*;

/// Documents whose tape must convert back to exactly what `serde_json` parses.
const DOCUMENTS: &[&str] = &[
    "null",
    "true",
    "0",
    "-7",
    "18446744073709551615",
    "-9223372036854775808",
    "1e400000000000000000000000000000000000000",
    "1.0",
    "2.5e-3",
    "-0",
    "-0.0",
    "1E2",
    "[-1.5e-7, 0.1, 1e-400]",
    "9007199254740993",
    "123456789012345678901234567890",
    r#""plain""#,
    r#""esc\"aped \u00e9 \ud83e\udd80 \n""#,
    "[]",
    "{}",
    r#"[1, [2, [3, []]], {"a": {}}]"#,
    r#"{"b": 1, "a": [true, false, null], "c": {"d": "e", "f": [{"g": 1.5}]}}"#,
    r#"{"dup": 1, "x": 0, "dup": 2}"#,
    r#"{"k\"ey": "v", "": ""}"#,
    " \n {\"spaced\" : [ 1 , 2 ] } \n ",
];

#[test]
fn tape_converts_back_to_what_serde_json_parses() {
    for doc in DOCUMENTS {
        let expected = serde_json::from_str::<Value>(doc);
        let tape = Tape::parse(doc.as_bytes());
        match (expected, tape) {
            (Ok(v), Ok(t)) => assert_eq!(t.to_value(), v, "{doc}"),
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{doc}"),
            (a, b) => panic!("{doc}: serde_json {a:?}, tape {b:?}"),
        }
    }
}

#[test]
fn invalid_json_gives_serde_json_errors() {
    for doc in [
        "",
        "{",
        "[1,]",
        r#"{"a" 1}"#,
        "{} x",
        "tru",
        r#""\x""#,
        "\"\u{1}\"",
    ] {
        let expected = serde_json::from_str::<Value>(doc).unwrap_err().to_string();
        let got = Tape::parse(doc.as_bytes()).unwrap_err().to_string();
        assert_eq!(got, expected, "{doc:?}");
    }
    // Invalid UTF-8 inside a string.
    assert!(Tape::parse(b"\"\xff\"").is_err());
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let deep = "[".repeat(100_000);
    let err = Tape::parse(deep.as_bytes()).unwrap_err().to_string();
    assert!(err.contains("recursion limit"), "{err}");
}

#[test]
fn unescaped_strings_borrow_the_input() {
    let bytes = br#"{"plain": "abc", "escaped": "a\nb"}"#;
    let tape = Tape::parse(bytes).unwrap();
    let range = bytes.as_ptr_range();
    let plain = tape.root().get("plain").and_then(|n| n.as_str()).unwrap();
    assert!(range.contains(&plain.as_ptr()));
    let escaped = tape.root().get("escaped").and_then(|n| n.as_str()).unwrap();
    assert_eq!(escaped, "a\nb");
    assert!(!range.contains(&escaped.as_ptr()));
}

#[test]
fn navigation() {
    let tape = Tape::parse(br#"{"a": [1, {"b": [2, 3]}, "x"], "c": null, "a2": true}"#).unwrap();
    let root = tape.root();
    assert!(root.is_object());
    assert_eq!(root.len(), 3);
    let keys: Vec<&str> = root.members().map(|(k, _)| k).collect();
    assert_eq!(keys, ["a", "c", "a2"]);
    let a = root.get("a").unwrap();
    assert!(a.is_array());
    let elems: Vec<Value> = a.elements().map(|e| e.to_value()).collect();
    assert_eq!(elems, [json!(1), json!({"b": [2, 3]}), json!("x")]);
    assert!(root.get("c").unwrap().is_null());
    assert_eq!(root.get("a2").unwrap().as_bool(), Some(true));
    assert!(root.get("missing").is_none());
    assert!(a.get("b").is_none(), "arrays have no members");
    assert_eq!(a.elements().nth(2).unwrap().members().count(), 0);
}

#[test]
fn repeated_member_names_resolve_to_the_last_like_a_value() {
    let tape = Tape::parse(br#"{"k": 1, "k": 2}"#).unwrap();
    assert_eq!(tape.root().get("k").and_then(|n| n.as_u64()), Some(2));
    assert_eq!(tape.root().members().count(), 2);
}

#[test]
fn satisfies_the_jsonschema_accessor_contract() {
    let bytes = serde_json::to_vec(&conformance::document()).unwrap();
    let tape = Tape::parse(&bytes).unwrap();
    conformance::assert_conformance::<TapeJson>(&tape.root());
}

#[test]
fn string_nodes_hold_each_given_string_in_turn() {
    let mut buffer = Tape::default();
    let a = TapeJson::with_string_node(&mut buffer, "first", |n| n.as_str().map(str::to_owned));
    let b = TapeJson::with_string_node(&mut buffer, "second", |n| n.as_str().map(str::to_owned));
    assert_eq!(
        (a.as_deref(), b.as_deref()),
        (Some("first"), Some("second"))
    );
}

#[test]
fn scalar_equality_follows_json_schema() {
    let tape = Tape::parse(br#"["a", 1, 1.0, -2, true, null, {"x": [1]}]"#).unwrap();
    let n: Vec<TapeNode<'_>> = tape.root().elements().collect();
    assert!(n[0].equals_value(&json!("a")));
    assert!(!n[0].equals_value(&json!("b")));
    assert!(!n[0].equals_value(&json!(1)));
    assert!(n[1].equals_value(&json!(1.0)));
    assert!(n[2].equals_value(&json!(1)));
    assert!(n[3].equals_value(&json!(-2)));
    assert!(!n[3].equals_value(&json!(2)));
    assert!(n[4].equals_value(&json!(true)));
    assert!(!n[4].equals_value(&json!(1)));
    assert!(n[5].equals_value(&json!(null)));
    assert!(n[6].equals_value(&json!({"x": [1.0]})));
    assert!(!n[6].equals_value(&json!({"x": [2]})));
}

/// The same schema gives the same verdicts and errors on a tape as on a `Value`.
#[test]
fn validation_matches_serde_json() {
    let schema = json!({
        "type": "object",
        "required": ["id", "tags", "n"],
        "properties": {
            "id": {"type": "string", "pattern": "^s-[0-9]+$"},
            "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "uniqueItems": true},
            "n": {"type": "integer", "minimum": 0, "multipleOf": 2},
            "when": {"type": "string", "format": "date-time"},
            "nested": {"type": "array", "uniqueItems": true},
            "k": {"const": {"x": 1}}
        },
        "propertyNames": {"maxLength": 5},
        "additionalProperties": false
    });
    let on_tape = jsonschema::options_for::<TapeJson>()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let on_value = jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .unwrap();
    let bodies = [
        json!({"id": "s-1", "tags": ["a", "b"], "n": 4, "when": "2024-01-01T00:00:00Z"}),
        json!({"id": "s-1", "tags": ["a", "a"], "n": 4}),
        json!({"id": "x", "tags": ["c"], "n": 3, "when": "yesterday"}),
        json!({"id": "s-1", "tags": [], "n": 4.0}),
        json!({"id": "s-1", "tags": [], "n": -2, "nested": [{"a": 1}, {"a": 1.0}]}),
        json!({"id": "s-1", "tags": [], "n": 2, "nested": [[1], [2]], "k": {"x": 1.0}}),
        json!({"id": "s-1", "tags": [], "n": 2, "toolongname": 1}),
        json!({"tags": "no"}),
        json!([1, 2]),
    ];
    for body in &bodies {
        let bytes = serde_json::to_vec(body).unwrap();
        let tape = Tape::parse(&bytes).unwrap();
        assert_eq!(
            on_tape.is_valid(tape.root()),
            on_value.is_valid(body),
            "{body}"
        );
        let errors = |e: jsonschema::ValidationError<'_>| {
            (
                e.instance_path().to_string(),
                e.schema_path().to_string(),
                e.to_string(),
            )
        };
        let a: Vec<_> = on_tape.iter_errors(tape.root()).map(errors).collect();
        let b: Vec<_> = on_value.iter_errors(body).map(errors).collect();
        assert_eq!(a, b, "{body}");
    }
}

#[test]
fn object_lookup_uses_prepared_keys() {
    let tape = Tape::parse(br#"{"a": 1}"#).unwrap();
    let root = tape.root();
    let object = Node::<TapeJson>::as_object(&root).unwrap();
    assert!(object.get(&TapeJson::prepare_key("a")).is_some());
    assert!(object.get(&TapeJson::prepare_key("b")).is_none());
}

#[test]
fn an_empty_tape_reads_as_null() {
    let tape = Tape::default();
    assert!(tape.root().is_null());
    assert_eq!(tape.to_value(), Value::Null);
}

#[test]
fn from_value_round_trips_and_owns_its_strings() {
    let v = json!({"a": ["x\ny", 1, -2, 2.5, null, true], "b": {}});
    let tape = Tape::from_value(&v).unwrap();
    assert_eq!(tape.to_value(), v);
    let mut deep = json!(0);
    for _ in 0..200 {
        deep = json!([deep]);
    }
    assert!(Tape::from_value(&deep).is_err());
}

#[test]
fn pointers_resolve_like_value_pointer() {
    let text = r#"{"a": [1, {"b/c": [2, 3], "t~": 4}], "": {"x": 5}, "k": 1, "k": 2}"#;
    let tape = Tape::parse(text.as_bytes()).unwrap();
    let value: Value = serde_json::from_str(text).unwrap();
    for pointer in [
        "",
        "/a",
        "/a/0",
        "/a/1",
        "/a/1/b~1c",
        "/a/1/b~1c/1",
        "/a/1/t~0",
        "/",
        "/k",
        "/a/2",
        "/a/01",
        "/a/+1",
        "/a/-1",
        "/a/x",
        "/a/0/y",
        "/nope",
        "a",
        "//x",
    ] {
        assert_eq!(
            tape.root().pointer(pointer).map(|n| n.to_value()),
            value.pointer(pointer).cloned(),
            "{pointer}"
        );
    }
}

#[test]
fn serialises_without_a_value_to_what_serde_json_reads_back() {
    for text in DOCUMENTS {
        // Numbers out of f64's range are refused, as by serde_json.
        let Ok(tape) = Tape::parse(text.as_bytes()) else {
            continue;
        };
        let written = serde_json::to_string(&tape.root()).unwrap();
        let read: Value = serde_json::from_str(&written).unwrap();
        assert_eq!(read, tape.to_value(), "{text} -> {written}");
    }
    // Document order, repeated names included: the bytes a server sent, reformatted.
    let tape = Tape::parse(br#"{"z": 1, "a": [true, null], "z": "2"}"#).unwrap();
    assert_eq!(
        serde_json::to_string(&tape.root()).unwrap(),
        r#"{"z":1,"a":[true,null],"z":"2"}"#
    );
}
