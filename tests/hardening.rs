//! Hostile inputs end in a bounded verdict: many-violation bodies, nested JSONPaths, patterns
//! taken from the response, `Retry-After: 0`, oversized files, names with control characters.
//! Each test failed before its fix (issue 15).

use std::time::{Duration, Instant};

use serde_json::json;
use sessconform::case::{JsonPathError, parse_jsonpath, parse_suite};
use sessconform::http::{HttpClient, RenderedRequest, RetryPolicy, TransportError};
use sessconform::schema::{Limits, SchemaStore};
use sessconform::tape::Tape;
use sessconform::tape::budget::{Budget, Spent};

/// `{"request_id":…,"sessions":[{}, {}, …]}`: every item misses every required field.
fn many_violations(items: usize) -> String {
    let mut body = String::from(r#"{"request_id":"r","status_code":200,"sessions":["#);
    for i in 0..items {
        if i > 0 {
            body.push(',');
        }
        body.push_str("{}");
    }
    body.push_str("]}");
    body
}

#[test]
fn violations_are_bounded_in_number_and_walk() {
    let store = SchemaStore::builtin().unwrap();
    let body = many_violations(100_000);
    let tape = Tape::parse(body.as_bytes()).unwrap();
    let start = Instant::now();
    let found = store
        .validate_bounded(
            "stytch/sessions-get-response",
            tape.root(),
            Limits::new(None),
        )
        .unwrap();
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(
        found.list.len(),
        Limits::KEEP,
        "the first violations are kept"
    );
    assert!(found.total > Limits::KEEP, "later ones are counted");
    assert!(
        found.total < 100_000,
        "the walk stopped early: {}",
        found.total
    );
    assert_eq!(found.cut, Some(Spent::Visits(Limits::VISITS)));
    assert_eq!(found.list[0].instance_path, "/sessions/0");
    assert!(!found.is_empty());
}

#[test]
fn a_small_body_is_walked_whole_and_counted_exactly() {
    let store = SchemaStore::builtin().unwrap();
    let body = many_violations(30);
    let tape = Tape::parse(body.as_bytes()).unwrap();
    let limits = Limits {
        keep: 5,
        ..Limits::new(None)
    };
    let found = store
        .validate_bounded("stytch/sessions-get-response", tape.root(), limits)
        .unwrap();
    let all = store
        .validate(
            "stytch/sessions-get-response",
            &serde_json::from_str(&body).unwrap(),
        )
        .unwrap();
    assert_eq!(found.list.len(), 5);
    assert_eq!(found.total, all.len(), "every violation counted");
    assert_eq!(found.list[..], all[..5]);
    assert_eq!(found.cut, None);
}

#[test]
fn a_passed_deadline_stops_the_walk() {
    let store = SchemaStore::builtin().unwrap();
    let body = many_violations(1_000);
    let tape = Tape::parse(body.as_bytes()).unwrap();
    let limits = Limits {
        keep: 10,
        budget: Budget {
            visits: usize::MAX,
            deadline: Some(Instant::now()),
        },
    };
    let found = store
        .validate_bounded("stytch/sessions-get-response", tape.root(), limits)
        .unwrap();
    assert_eq!(found.cut, Some(Spent::Deadline));
    assert!(!found.is_empty(), "a body cut short never passes");
}

#[test]
fn nested_jsonpaths_are_refused_before_parsing() {
    let mut deep = String::from("$");
    for _ in 0..100 {
        deep.push_str("[?@");
    }
    deep.push_str(&"]".repeat(100));
    let start = Instant::now();
    let err = parse_jsonpath(&deep).unwrap_err();
    assert!(start.elapsed() < Duration::from_secs(1));
    assert!(matches!(err, JsonPathError::TooDeep { .. }), "{err}");
    assert!(err.to_string().contains("the limit is 8"), "{err}");

    // 4,000 parentheses overflowed the parser's stack (SIGABRT).
    let parens = format!("$[?{}@.a{}]", "(".repeat(4000), ")".repeat(4000));
    assert!(matches!(
        parse_jsonpath(&parens).unwrap_err(),
        JsonPathError::TooLong { .. }
    ));
    let parens = format!("$[?{}@.a{}]", "(".repeat(400), ")".repeat(400));
    assert!(matches!(
        parse_jsonpath(&parens).unwrap_err(),
        JsonPathError::TooDeep { .. }
    ));
    // Brackets inside string literals do not count; ordinary paths parse.
    assert!(parse_jsonpath("$.a[?@.b == '[[[[[[[[[[[[']").is_ok());
    assert!(parse_jsonpath("$.sessions[?@.roles[?@ == 'admin']].session_id").is_ok());
}

#[test]
fn a_nested_jsonpath_in_a_case_file_is_a_diagnostic_with_its_location() {
    let mut deep = String::from("$");
    for _ in 0..30 {
        deep.push_str("[?@");
    }
    deep.push_str(&"]".repeat(30));
    let yaml = format!(
        "suite: s\napi: stytch\ncases:\n  - name: c\n    request: {{path: /}}\n    expect:\n      assert:\n        - path: \"{deep}\"\n          exists: true\n"
    );
    let store = SchemaStore::load(false, &[]).unwrap();
    let start = Instant::now();
    let err = parse_suite("deep.yaml", &yaml, &store).unwrap_err();
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    let text = err.to_string();
    assert!(text.contains("deep.yaml:8:"), "{text}");
    assert!(text.contains("nests brackets and parentheses"), "{text}");
}

#[test]
fn patterns_from_the_response_are_compiled_once_and_bounded() {
    // A pattern whose compiled form is large: each compile costs milliseconds, and the old
    // `match()` compiled it once per node.
    let pattern = "(?:[a-z]{1,50}[0-9]{1,50}){1,20}";
    // (Measured with the release binary before the fix: 1,000 items took 1.4 s, so these
    // 5,000 take about 7 s; after it, about 20 ms.)
    let items: Vec<_> = (0..5_000)
        .map(|i| json!({"s": format!("abc{i}"), "p": pattern}))
        .collect();
    let body = json!({"items": items});
    let path = parse_jsonpath("$.items[?match(@.s, @.p)]").unwrap();
    let start = Instant::now();
    let hits = path.query(&body).len();
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(hits, 5_000);
    // A pattern too large to compile within the bound matches nothing, quickly.
    let huge = json!({"items": [{"s": "a", "p": "(?:a{1,1000}){1,1000}"}]});
    let start = Instant::now();
    assert_eq!(path.query(&huge).len(), 0);
    assert!(start.elapsed() < Duration::from_secs(1));
    // RFC 9535 semantics are kept: `match` is anchored, `search` is not.
    let v = json!([{"s": "xaby"}]);
    let m = parse_jsonpath("$[?match(@.s, 'a.')]").unwrap();
    let s = parse_jsonpath("$[?search(@.s, 'a.')]").unwrap();
    assert_eq!(m.query(&v).len(), 0);
    assert_eq!(s.query(&v).len(), 1);
}

#[tokio::test]
async fn retry_after_zero_backs_off_within_a_wall_clock_budget() {
    use wiremock::matchers::method;
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(429).insert_header("retry-after", "0"))
        .mount(&server)
        .await;
    let retry = RetryPolicy {
        max_retries: 100_000,
        max_wait: Duration::from_secs(30),
        budget: Duration::from_secs(1),
    };
    let client = HttpClient::new(Duration::from_secs(2), 1 << 20, retry, 1).unwrap();
    let req = RenderedRequest {
        method: reqwest::Method::GET,
        url: format!("{}/x", server.uri()).parse().unwrap(),
        headers: Vec::new(),
        body: None,
        timeout: Duration::from_secs(2),
        follow_redirects: false,
    };
    let start = Instant::now();
    let out = client.send(&req, false).await;
    let sent = server.received_requests().await.unwrap().len();
    assert!(
        matches!(out.result, Err(TransportError::RateLimited { .. })),
        "{:?}",
        out.result
    );
    assert!(sent <= 8, "{sent} requests in {:?}", start.elapsed());
    assert!(start.elapsed() < Duration::from_secs(3));
}

#[test]
fn control_characters_in_names_are_escaped() {
    let yaml = "suite: \"s\\e[31m\"\napi: stytch\ncases:\n  - name: \"x\\n::error::pwned\"\n    steps:\n      - name: \"a\\rb\"\n        request: {path: /}\n";
    let store = SchemaStore::load(false, &[]).unwrap();
    let suite = parse_suite("names.yaml", yaml, &store).unwrap();
    let case = &suite.cases[0];
    assert_eq!(case.name, "x\\n::error::pwned");
    assert_eq!(suite.name, "s\\u{1b}[31m");
    assert_eq!(case.steps[0].name, "a\\rb");
    assert!(!case.id.chars().any(char::is_control), "{:?}", case.id);
}

#[test]
fn an_oversized_target_file_is_refused_and_yaml_errors_name_the_target_file() {
    let dir = tempfile::tempdir().unwrap();
    let big = dir.path().join("big.yaml");
    // 50 MB: valid YAML (a comment), under the case-file limit, far over a target file's.
    let mut text = String::from("apis:\n  stytch: {base_url: \"http://127.0.0.1:1\"}\n");
    text.push_str(&format!("# {}\n", "x".repeat(50_000_000)));
    std::fs::write(&big, &text).unwrap();
    drop(text);
    let err = sessconform::target::load_target_file(&big)
        .unwrap_err()
        .to_string();
    assert!(err.contains("big.yaml"), "{err}");
    assert!(
        err.contains(&format!(
            "larger than 1 MiB ({} bytes), the limit for a target file",
            sessconform::target::MAX_TARGET_FILE_BYTES
        )),
        "{err}"
    );
    // Just under the limit still loads.
    let fits = dir.path().join("fits.yaml");
    let mut text = String::from("apis:\n  stytch: {base_url: \"http://127.0.0.1:1\"}\n# ");
    text.push_str(&"x".repeat(sessconform::target::MAX_TARGET_FILE_BYTES - text.len() - 1));
    text.push('\n');
    assert_eq!(text.len(), sessconform::target::MAX_TARGET_FILE_BYTES);
    std::fs::write(&fits, &text).unwrap();
    sessconform::target::load_target_file(&fits).unwrap();

    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "apis: [\n").unwrap();
    let err = sessconform::target::load_target_file(&bad)
        .unwrap_err()
        .to_string();
    assert!(err.contains("invalid target file"), "{err}");
    assert!(!err.contains("invalid case file"), "{err}");
}

#[test]
fn a_long_source_line_is_cut_around_the_error() {
    let long = format!(
        "suite: s\napi: stytch\ncases: [{{name: c, request: {{path: /}}, bogus: 1, pad: \"{}\"}}]\n",
        "y".repeat(300_000)
    );
    let store = SchemaStore::load(false, &[]).unwrap();
    let err = parse_suite("long.yaml", &long, &store)
        .unwrap_err()
        .to_string();
    assert!(err.len() < 2_000, "{} bytes of diagnostic", err.len());
    assert!(err.contains("long.yaml:3:"), "{err}");
    assert!(err.contains('…'), "{err}");
}

#[test]
fn an_impossible_length_is_a_diagnostic() {
    let yaml = "suite: s\napi: stytch\ncases:\n  - name: c\n    request: {path: /}\n    expect:\n      assert:\n        - path: $.a\n          length: {min: 18446744073709551615, max: 1}\n";
    let store = SchemaStore::load(false, &[]).unwrap();
    let err = parse_suite("len.yaml", yaml, &store)
        .unwrap_err()
        .to_string();
    assert!(err.contains("invalid length"), "{err}");
}

#[test]
fn duplicate_keys_in_a_schema_file_are_refused_with_their_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("dup.json"),
        "{\n  \"$id\": \"t/dup\",\n  \"type\": \"object\",\n  \"type\": \"string\"\n}\n",
    )
    .unwrap();
    let err = SchemaStore::load(false, &[dir.path().to_path_buf()])
        .unwrap_err()
        .to_string();
    assert!(err.contains("duplicate key `type`"), "{err}");
    assert!(err.contains("dup.json:4:"), "{err}");
}
