//! One function per fuzz target: each takes arbitrary bytes, runs one loader or checker of
//! sessconform on them and panics only when a property is broken (a panic inside sessconform is
//! a finding too). Shared by the libFuzzer targets (`fuzz/fuzz_targets/`, nightly, `cargo fuzz`)
//! and the stable replay test (`tests/fuzz_replay.rs`), so both exercise the same code.

use std::sync::OnceLock;

use sessconform::schema::{Limits, SchemaStore};
use sessconform::tape::Tape;

/// One fuzz target: takes arbitrary bytes, panics on a broken property.
pub type Target = fn(&[u8]);

/// The targets by name, as `fuzz/fuzz_targets/` and `fuzz/corpus/` name them.
pub const TARGETS: &[(&str, Target)] = &[
    ("case_loader", case_loader),
    ("target_loader", target_loader),
    ("schema_load", schema_load),
    ("jsonpath", jsonpath),
    ("tape_validate", tape_validate),
    ("redactor", redactor),
];

fn builtin() -> &'static SchemaStore {
    static STORE: OnceLock<SchemaStore> = OnceLock::new();
    STORE.get_or_init(|| SchemaStore::builtin().expect("the built-in schemas load"))
}

fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// YAML case file → compiled suite (parse, compile, JSONPaths, templates, operands).
pub fn case_loader(data: &[u8]) {
    let Some(text) = text(data) else { return };
    match sessconform::case::parse_suite("fuzz.yaml", text, builtin()) {
        Ok(suite) => {
            for case in &suite.cases {
                assert!(!case.name.chars().any(char::is_control), "{:?}", case.name);
            }
        }
        Err(e) => {
            let rendered = e.to_string();
            assert!(rendered.starts_with("error:"), "{rendered}");
        }
    }
}

/// YAML target file → target (base URLs, credentials, env placeholders).
pub fn target_loader(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let env = [("FUZZ".to_owned(), "value".to_owned())].into();
    if let Err(e) = sessconform::target::parse_target("fuzz-target.yaml", text, &env) {
        let rendered = e.to_string();
        assert!(!rendered.contains("invalid case file"), "{rendered}");
    }
}

/// A JSON Schema document → loaded, `$ref`-checked and compiled store (no network).
pub fn schema_load(data: &[u8]) {
    let Some(text) = text(data) else { return };
    if serde_json::from_str::<serde_json::Value>(text).is_err() {
        return;
    }
    let Ok(dir) = tempfile_dir() else { return };
    if std::fs::write(dir.join("fuzz.json"), text).is_err() {
        return;
    }
    if let Ok(store) = SchemaStore::load(false, std::slice::from_ref(&dir)) {
        for id in store.ids() {
            let tape = Tape::parse(b"{\"a\": [1, \"x\", null, {}]}").expect("valid JSON");
            let _ = store.validate_bounded(id, tape.root(), Limits::new(None));
        }
    }
}

fn tempfile_dir() -> std::io::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("sessconform-fuzz-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// A JSONPath from a case file: bounded before parsing, then evaluated on a small document.
pub fn jsonpath(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let start = std::time::Instant::now();
    if let Ok(path) = sessconform::case::parse_jsonpath(text) {
        let doc = serde_json::json!({
            "sessions": [{"session_id": "s1", "roles": ["a", "b"], "p": "a.*"}, {"n": 2}],
            "status_code": 200
        });
        let _ = path.query(&doc).len();
    }
    assert!(
        start.elapsed().as_secs() < 2,
        "{text:?} took {:?}",
        start.elapsed()
    );
}

/// A response body → tape → bounded validation against a built-in schema.
pub fn tape_validate(data: &[u8]) {
    let Ok(tape) = Tape::parse(data) else {
        return;
    };
    // The tape is the same document serde_json reads, and so is what it serialises (the
    // failure excerpts are rendered from it).
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        assert_eq!(tape.to_value(), value);
        let written = serde_json::to_vec(&tape.root()).expect("a tape serialises");
        let read: serde_json::Value =
            serde_json::from_slice(&written).expect("a tape serialises to JSON");
        assert_eq!(read, value);
    }
    for id in ["stytch/sessions-get-response", "clerk/session"] {
        if let Ok(found) = builtin().validate_bounded(id, tape.root(), Limits::new(None)) {
            assert!(found.list.len() <= Limits::KEEP);
            assert!(found.total >= found.list.len());
            // Every violation points into the body (its excerpt is found on the tape).
            for v in &found.list {
                assert!(
                    tape.root().pointer(&v.instance_path).is_some(),
                    "{:?}",
                    v.instance_path
                );
            }
        }
    }
}

/// Property: no form of a secret survives redaction. The first line of the input is the
/// secret, the rest the text it is hidden in (in its raw and encoded forms).
pub fn redactor(data: &[u8]) {
    let Some(text) = text(data) else { return };
    let (secret, rest) = text.split_once('\n').unwrap_or((text, ""));
    if secret.len() < 8 || secret.contains('*') {
        return;
    }
    let mut r = sessconform::redact::Redactor::default();
    r.add(&sessconform::target::Secret {
        value: secret.to_owned(),
        env_name: "FUZZ_SECRET".to_owned(),
    });
    let encoded = url::form_urlencoded::byte_serialize(secret.as_bytes()).collect::<String>();
    let haystack = format!("{rest} {secret} x={encoded}&{rest}");
    let out = r.redact(&haystack);
    assert!(!out.contains(secret), "secret survived in {out:?}");
    assert!(
        encoded.len() < 8 || !out.contains(&encoded),
        "encoded secret survived in {out:?}"
    );
}
