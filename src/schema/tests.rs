//! Unit tests for the schema store.

use std::fs;
use std::io::ErrorKind;
use std::net::TcpListener;
use std::path::PathBuf;

use serde_json::json;

use super::*;

/// A temporary `--specs` directory holding the given files.
fn specs_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    dir
}

fn user_store(files: &[(&str, &str)]) -> Result<SchemaStore, SchemaError> {
    let dir = specs_dir(files);
    SchemaStore::load(false, &[dir.path().to_path_buf()])
}

fn keys(violations: &[Violation]) -> Vec<(&str, &str)> {
    violations
        .iter()
        .map(|v| (v.instance_path.as_str(), v.keyword.as_str()))
        .collect()
}

#[test]
fn builtin_store_loads_and_lists_sorted_ids() {
    let store = SchemaStore::builtin().unwrap();
    let ids = store.ids();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "ids must be sorted");
    for id in [
        "stytch/session",
        "strict/stytch/session",
        "clerk/session",
        "clerk/errors",
    ] {
        assert!(store.contains(id), "missing {id}");
    }
    assert_eq!(
        store.origin("stytch/session"),
        Some("specs/stytch/session.json")
    );
}

#[test]
fn unknown_id_is_an_error_with_a_suggestion() {
    let store = SchemaStore::builtin().unwrap();
    let err = store.validate("stytch/sesion", &json!({})).unwrap_err();
    assert_eq!(err.id, "stytch/sesion");
    assert_eq!(err.suggestion.as_deref(), Some("stytch/session"));
    assert_eq!(
        err.to_string(),
        "unknown schema id `stytch/sesion` (did you mean `stytch/session`?)"
    );
    let err = store.check_id("nothing/like/it/at/all/zzzzzz").unwrap_err();
    assert_eq!(err.suggestion, None);
    assert!(store.check_id("stytch/session").is_ok());
    assert!(store.is_valid("nope", &json!(1)).is_err());
}

#[test]
fn user_ids_default_to_the_relative_path_and_relative_ids_use_the_base() {
    let store = user_store(&[
        (
            "acme/widget.json",
            r#"{"type": "object", "required": ["id"]}"#,
        ),
        ("other.json", r#"{"$id": "acme/gadget", "$ref": "widget"}"#),
        (
            "abs.json",
            r#"{"$id": "https://example.com/s/thing.json", "type": "string"}"#,
        ),
    ])
    .unwrap();
    assert_eq!(
        store.ids(),
        vec![
            "acme/gadget",
            "acme/widget",
            "https://example.com/s/thing.json"
        ]
    );
    let v = store.validate("acme/gadget", &json!({})).unwrap();
    assert_eq!(keys(&v), vec![("", "required")]);
    assert!(
        store
            .validate("acme/gadget", &json!({"id": 1}))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn user_schemas_can_reference_builtin_ones() {
    let dir = specs_dir(&[(
        "mine/list.json",
        r#"{"type": "array", "items": {"$ref": "../stytch/session"}}"#,
    )]);
    let store = SchemaStore::load(true, &[dir.path().to_path_buf()]).unwrap();
    let v = store
        .validate("mine/list", &json!([{"session_id": "s"}]))
        .unwrap();
    assert!(
        v.iter()
            .any(|v| v.instance_path == "/0" && v.keyword == "required"),
        "{v:?}"
    );
}

#[test]
fn duplicate_ids_name_both_files() {
    let err = user_store(&[
        ("a.json", r#"{"$id": "dup/x", "type": "string"}"#),
        ("b.json", r#"{"$id": "dup/x", "type": "integer"}"#),
    ])
    .unwrap_err();
    match &err {
        SchemaError::DuplicateId { id, first, second } => {
            assert_eq!(id, "dup/x");
            assert!(first.ends_with("a.json"), "{first}");
            assert!(second.ends_with("b.json"), "{second}");
        }
        other => panic!("unexpected {other}"),
    }
    let text = err.to_string();
    assert!(text.contains("a.json") && text.contains("b.json"), "{text}");
}

#[test]
fn a_user_schema_cannot_shadow_a_builtin_id() {
    let dir = specs_dir(&[("s.json", r#"{"$id": "stytch/session"}"#)]);
    let err = SchemaStore::load(true, &[dir.path().to_path_buf()]).unwrap_err();
    assert!(
        matches!(&err, SchemaError::DuplicateId { first, .. } if first == "specs/stytch/session.json"),
        "{err}"
    );
}

#[test]
fn malformed_json_reports_line_and_column() {
    let err = user_store(&[(
        "bad.json",
        "{\n  \"type\": \"object\",\n  \"required\": [\"a\",]\n}",
    )])
    .unwrap_err();
    match err {
        SchemaError::Parse {
            origin,
            line,
            column,
            ..
        } => {
            assert!(origin.ends_with("bad.json"));
            assert_eq!((line, column), (3, 20));
        }
        other => panic!("unexpected {other}"),
    }
}

#[test]
fn non_object_documents_and_bad_ids_are_rejected() {
    let err = user_store(&[("a.json", "[1, 2]")]).unwrap_err();
    assert!(matches!(err, SchemaError::NotASchema { .. }), "{err}");
    let err = user_store(&[("a.json", r#"{"$id": 5}"#)]).unwrap_err();
    assert!(matches!(err, SchemaError::InvalidId { .. }), "{err}");
    let err = user_store(&[("a.json", r#"{"$id": "x/y#frag"}"#)]).unwrap_err();
    assert!(matches!(err, SchemaError::InvalidId { .. }), "{err}");
}

#[test]
fn missing_directory_is_a_read_error() {
    let err = SchemaStore::load(false, &[PathBuf::from("/nonexistent/specs/dir")]).unwrap_err();
    assert!(matches!(err, SchemaError::Read { .. }), "{err}");
}

#[test]
fn every_bad_ref_is_reported_with_file_and_pointer() {
    let err = user_store(&[
        ("a.json", r#"{"properties": {"x": {"$ref": "nope"}}}"#),
        ("b.json", r#"{"$defs": {"ok": true}, "items": {"$ref": "a#/$defs/missing"}}"#),
        ("c.json", r##"{"$defs": {"ok": true}, "items": {"$ref": "#/$defs/ok"}, "not": {"$ref": "#thing"}}"##),
        // A property named "$ref" and data under `enum` are not references.
        ("d.json", r#"{"properties": {"$ref": {"type": "string"}}, "enum": [{"$ref": "x"}]}"#),
    ])
    .unwrap_err();
    let problems = err.problems();
    assert_eq!(problems.len(), 3, "{err}");
    let text = err.to_string();
    assert!(text.starts_with("3 schema problems:"), "{text}");
    match problems[0] {
        SchemaError::BadRef {
            origin,
            pointer,
            reference,
            reason,
        } => {
            assert!(origin.ends_with("a.json"));
            assert_eq!(pointer, "/properties/x/$ref");
            assert_eq!(reference, "nope");
            assert!(reason.contains("no loaded schema has $id https://sessconform.dev/specs/nope"));
        }
        other => panic!("unexpected {other}"),
    }
    assert!(
        text.contains("JSON Pointer #/$defs/missing does not exist"),
        "{text}"
    );
    assert!(text.contains(r#"no $anchor "thing""#), "{text}");
}

#[test]
fn invalid_keyword_values_fail_compilation() {
    let err = user_store(&[("t.json", r#"{"$id": "t", "type": "strin"}"#)]).unwrap_err();
    match err {
        SchemaError::Compile { id, origin, .. } => {
            assert_eq!(id, "t");
            assert!(origin.ends_with("t.json"));
        }
        other => panic!("unexpected {other}"),
    }
}

/// A local listener standing in for "the network": the store must never connect to it.
fn untouched_listener() -> (TcpListener, String) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    (listener, url)
}

fn assert_no_connection(listener: &TcpListener) {
    match listener.accept() {
        Err(e) if e.kind() == ErrorKind::WouldBlock => {}
        Ok(_) => panic!("the schema store opened a network connection"),
        Err(e) => panic!("accept failed: {e}"),
    }
}

#[test]
fn http_refs_are_refused_without_network_access() {
    let (listener, url) = untouched_listener();
    let schema = format!(r#"{{"$ref": "{url}/remote.json"}}"#);
    let err = user_store(&[("r.json", &schema)]).unwrap_err();
    assert!(matches!(err, SchemaError::BadRef { .. }), "{err}");
    assert!(
        err.to_string().contains("never fetched over the network"),
        "{err}"
    );
    assert_no_connection(&listener);
}

#[test]
fn remote_meta_schemas_are_refused_without_network_access() {
    let (listener, url) = untouched_listener();
    let schema = format!(r#"{{"$schema": "{url}/meta.json", "type": "object"}}"#);
    let err = user_store(&[("m.json", &schema)]).unwrap_err();
    match &err {
        SchemaError::BadRef {
            pointer, reason, ..
        } => {
            assert_eq!(pointer, "/$schema");
            assert!(
                reason.contains("never fetched over the network"),
                "{reason}"
            );
        }
        other => panic!("unexpected {other}"),
    }
    assert_no_connection(&listener);
}

#[test]
fn date_time_format_is_asserted_with_zero_to_nine_fraction_digits() {
    let store = SchemaStore::builtin().unwrap();
    let id = "common/rfc3339-utc";
    for ok in [
        "2021-08-28T00:41:58Z",
        "2021-08-28T00:41:58.9Z",
        "2021-08-28T00:41:58.935673Z",
        "2021-08-28T00:41:58.935673870Z",
    ] {
        assert!(store.validate(id, &json!(ok)).unwrap().is_empty(), "{ok}");
    }
    for (bad, keyword) in [
        ("2021-08-28T00:41:58.9356738701Z", "maxLength"),
        ("2021-08-28T00:41:58+00:00", "pattern"),
        ("2021-08-28t00:41:58z", "pattern"),
        ("2021-13-28T00:41:58Z", "format"),
        ("2021-08-28 00:41:58Z", "format"),
        ("2021-08-28T00:41:58", "format"),
        ("yesterday", "format"),
    ] {
        let v = store.validate(id, &json!(bad)).unwrap();
        assert_eq!(keys(&v), vec![("", keyword)], "{bad}");
    }
}

#[test]
fn any_of_failures_report_the_closest_branch() {
    let store = user_store(&[(
        "u.json",
        r#"{"$id": "u", "properties": {"n": {"anyOf": [
            {"type": "string"},
            {"type": "object", "required": ["x"], "properties": {"x": {"type": "integer"}}}
        ]}}}"#,
    )])
    .unwrap();
    let v = store.validate("u", &json!({"n": {"x": "y"}})).unwrap();
    assert_eq!(keys(&v), vec![("/n/x", "type")]);
    assert_eq!(
        v[0].message,
        r#""y" is not of type "integer" (in the closest anyOf branch (2 of 2) at u#/properties/n/anyOf)"#
    );
    assert_eq!(
        v[0].schema_path,
        "u#/properties/n/anyOf/1/properties/x/type"
    );
    assert!(!v[0].message.contains("any of"));
    assert_eq!(
        v[0].branch.as_deref(),
        Some("in the closest anyOf branch (2 of 2) at u#/properties/n/anyOf")
    );
    assert_eq!(v[0].core_message(), r#""y" is not of type "integer""#);
    // Both branches reject the value's kind: the first is reported.
    let v = store.validate("u", &json!({"n": 5})).unwrap();
    assert_eq!(keys(&v), vec![("/n", "type")]);
    assert!(v[0].message.contains("branch (1 of 2)"), "{}", v[0].message);
}

#[test]
fn one_of_failures_prefer_the_branch_that_got_deepest() {
    let store = user_store(&[(
        "o.json",
        r#"{"$id": "o", "oneOf": [
            {"type": "object", "required": ["kind", "a"], "properties": {"kind": {"const": "a"}}},
            {"type": "object", "required": ["kind", "b"], "properties": {"kind": {"const": "b"},
              "b": {"type": "object", "properties": {"deep": {"type": "boolean"}}}}}
        ]}"#,
    )])
    .unwrap();
    let v = store
        .validate("o", &json!({"kind": "b", "b": {"deep": "no"}}))
        .unwrap();
    assert_eq!(keys(&v), vec![("/b/deep", "type")]);
    assert!(
        v[0].message.contains("closest oneOf branch (2 of 2)"),
        "{}",
        v[0].message
    );
}

#[test]
fn clerk_umbrella_reports_branch_errors_not_a_generic_message() {
    let store = SchemaStore::builtin().unwrap();
    let mut session = json!({
        "object": "session", "id": "sess_1", "user_id": "user_1", "client_id": "client_1",
        "status": "bogus", "last_active_at": 1716883200000_i64, "expire_at": 1716969600000_i64,
        "abandon_at": 1719475200000_i64, "updated_at": 1716883200000_i64,
        "created_at": 1716883200000_i64
    });
    let v = store.validate("clerk/session", &session).unwrap();
    assert_eq!(keys(&v), vec![("/status", "enum")]);
    assert!(
        v[0].schema_path.starts_with("clerk/2025-04-10/session#"),
        "2025 family first: {}",
        v[0]
    );
    session["status"] = json!("active");
    assert!(
        store
            .validate("clerk/session", &session)
            .unwrap()
            .is_empty()
    );
}

#[test]
fn violations_display_path_message_keyword_and_schema() {
    let store = SchemaStore::builtin().unwrap();
    let body = json!({"request_id": "r", "status_code": 200, "sessions": [
        {"session_id": "s", "user_id": "u", "authentication_factors": [], "started_at": "x"}
    ]});
    let v = store
        .validate("stytch/sessions-get-response", &body)
        .unwrap();
    assert_eq!(v.len(), 1, "{v:?}");
    assert_eq!(
        v[0].to_string(),
        r#"/sessions/0/started_at: "x" is not a "date-time" (keyword format, schema common/rfc3339-utc#/else/format)"#
    );
    assert_eq!(v[0].value_excerpt, r#""x""#);
    let v = store
        .validate("stytch/sessions-get-response", &json!([]))
        .unwrap();
    assert!(
        v[0].to_string()
            .starts_with("(root): [] is not of type \"object\""),
        "{}",
        v[0]
    );
}

#[test]
fn identical_violations_are_reported_once() {
    let store = user_store(&[(
        "d.json",
        r##"{"$id": "d", "allOf": [{"required": ["a"]}, {"$ref": "#/$defs/a"}], "$defs": {"a": {"required": ["a"]}}}"##,
    )])
    .unwrap();
    let v = store.validate("d", &json!({})).unwrap();
    assert_eq!(keys(&v), vec![("", "required")]);
}

#[test]
fn excerpts_are_truncated_at_a_char_boundary() {
    let long = json!({"k": "é".repeat(200)});
    let text = excerpt(&long, EXCERPT_MAX);
    assert!(text.ends_with('…'));
    assert!(text.len() <= EXCERPT_MAX + '…'.len_utf8());
    assert!(!text.contains('\u{FFFD}'));
    assert_eq!(excerpt(&json!([1, 2]), EXCERPT_MAX), "[1,2]");
}

#[test]
fn rendering_marks_the_offending_member() {
    let store = SchemaStore::builtin().unwrap();
    let body = json!({"request_id": "r", "status_code": "200", "sessions": []});
    let v = store
        .validate("stytch/sessions-get-response", &body)
        .unwrap();
    let text = render_violations(&body, &v);
    assert_eq!(
        text,
        "/status_code: \"200\" is not of type \"integer\" (keyword type, schema \
         stytch/sessions-get-response#/properties/status_code/type)\n    (root) = {\n        \
         \"request_id\": \"r\",\n        \"sessions\": [],\n    >   \"status_code\": \"200\"\n    }\n"
    );
    let body = json!({"sessions": []});
    let v = store
        .validate("stytch/sessions-get-response", &body)
        .unwrap();
    let text = render_violations(&body, &v);
    assert!(
        text.contains("(root): \"request_id\" is a required property"),
        "{text}"
    );
    assert!(
        !text.contains('>'),
        "nothing to mark for a missing member: {text}"
    );
}

#[test]
fn rendering_windows_long_containers() {
    let items: Vec<_> = (0..20).map(|i| json!(i)).collect();
    let mut body = json!({"a": items});
    body["a"][10] = json!("ten");
    let v = vec![Violation {
        instance_path: "/a/10".into(),
        keyword: "type".into(),
        schema_path: "x#/items/type".into(),
        value_excerpt: "\"ten\"".into(),
        message: "\"ten\" is not of type \"integer\"".into(),
        branch: None,
    }];
    let text = render_violations(&body, &v);
    assert!(text.contains("… 7 more"), "{text}");
    assert!(text.contains("… 6 more"), "{text}");
    assert!(text.contains(">   \"ten\","), "{text}");
}

#[test]
fn the_retriever_refuses_anything_not_registered() {
    let (listener, url) = untouched_listener();
    let doc = load::Document {
        origin: "inline".into(),
        uri: "https://sessconform.dev/specs/inline".into(),
        short_id: "inline".into(),
        value: json!({"$id": "https://sessconform.dev/specs/inline", "$ref": format!("{url}/x.json")}),
    };
    let registry = jsonschema::Registry::new()
        .retriever(store::LocalOnly)
        .prepare()
        .unwrap();
    let err = store::compile(&doc, &registry).unwrap_err();
    assert!(err.to_string().contains("refusing to fetch"), "{err}");
    assert_no_connection(&listener);
}

#[test]
fn hidden_entries_are_skipped_and_link_cycles_are_an_error() {
    let store = user_store(&[
        ("ok.json", r#"{"type": "string"}"#),
        (".git/x.json", "not json"),
        (".editor-backup.json", "not json"),
        ("notes.txt", "not json"),
    ])
    .unwrap();
    assert_eq!(store.ids(), vec!["ok"]);

    #[cfg(unix)]
    {
        let dir = specs_dir(&[("a/s.json", r#"{"type": "string"}"#)]);
        std::os::unix::fs::symlink(dir.path(), dir.path().join("a/loop")).unwrap();
        let err = SchemaStore::load(false, &[dir.path().to_path_buf()]).unwrap_err();
        assert!(err.to_string().contains("nested deeper than"), "{err}");
    }
}

#[test]
fn a_single_file_can_be_given_instead_of_a_directory() {
    let dir = specs_dir(&[("one.json", r#"{"type": "integer"}"#)]);
    let store = SchemaStore::load(false, &[dir.path().join("one.json")]).unwrap();
    assert_eq!(store.ids(), vec!["one"]);
}

#[test]
fn the_store_can_be_shared_across_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<SchemaStore>();
    assert_send_sync::<Violation>();
}

#[test]
fn an_instance_nested_past_the_parser_limit_is_one_violation_not_a_null() {
    let store = user_store(&[("deep.json", r#"{"$id": "t/deep", "type": "array"}"#)]).unwrap();
    let mut deep = serde_json::json!(1);
    for _ in 0..200 {
        deep = serde_json::json!([deep]);
    }
    let v = store.validate("t/deep", &deep).unwrap();
    assert_eq!(v.len(), 1, "{v:?}");
    assert!(
        v[0].message.contains("cannot be validated"),
        "{}",
        v[0].message
    );
    assert!(!store.is_valid("t/deep", &deep).unwrap());
    assert!(store.is_valid("t/deep", &serde_json::json!([[1]])).unwrap());
}
