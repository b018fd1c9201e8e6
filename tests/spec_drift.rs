//! `spec drift` against the vendor OpenAPI files our schemas were derived from (no breaking drift,
//! no unrecorded difference), against deliberately edited copies of them (exactly the edits are
//! reported, classified for a client) and its exit codes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};
use sessconform::schema::SchemaStore;
use sessconform::spec::drift::{DriftReport, drift};
use sessconform::spec::{OpenApi, Severity};

const STYTCH: &str = "stytch-openapi.yml";
const CLERK_21: &str = "clerk-bapi-2021-02-05-openapi.yml";
const CLERK_26: &str = "clerk-bapi-2026-05-12-openapi.yml";

fn vendor(file: &str) -> PathBuf {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/vendor")).join(file)
}

fn store() -> SchemaStore {
    SchemaStore::load_lazy(true, &[]).expect("built-in schemas load")
}

fn load(file: &str) -> OpenApi {
    OpenApi::load(&vendor(file)).unwrap_or_else(|e| panic!("{e}"))
}

/// `(schema id, at, kind, severity)` of every unaccepted change.
fn changes(report: &DriftReport) -> BTreeSet<(String, String, String, Severity)> {
    report
        .schemas
        .iter()
        .flat_map(|s| {
            s.changes.iter().map(|c| {
                (
                    s.id.clone(),
                    c.at.clone(),
                    c.kind.name().to_owned(),
                    c.severity,
                )
            })
        })
        .collect()
}

fn set(rows: &[(&str, &str, &str)]) -> BTreeSet<(String, String, String, Severity)> {
    rows.iter()
        .map(|(id, at, kind)| {
            (
                (*id).to_owned(),
                (*at).to_owned(),
                (*kind).to_owned(),
                Severity::Breaking,
            )
        })
        .collect()
}

#[test]
fn the_vendor_files_we_derived_from_show_no_breaking_drift() {
    let store = store();
    for (file, lenient, with_strict) in [(STYTCH, 15, 30), (CLERK_21, 6, 12), (CLERK_26, 6, 12)] {
        let api = load(file);
        let report = drift(&store, &api, None, false);
        assert_eq!(report.schemas.len(), lenient, "{file}: schemas citing it");
        assert_eq!(report.breaking, 0, "{file}: {:#?}", changes(&report));
        // Every difference of a lenient schema from the vendor is recorded as deliberate.
        assert_eq!(report.compatible, 0, "{file}: {:#?}", changes(&report));
        let strict = drift(&store, &api, None, true);
        assert_eq!(strict.schemas.len(), with_strict, "{file}");
        assert_eq!(strict.breaking, 0, "{file}: {:#?}", changes(&strict));
        assert_eq!(strict.compatible, 0, "{file}: {:#?}", changes(&strict));
    }
}

#[test]
fn deliberate_differences_are_reported_apart_with_their_reason() {
    let report = drift(&store(), &load(STYTCH), None, false);
    let session = report
        .schemas
        .iter()
        .find(|s| s.id == "stytch/session")
        .expect("stytch/session cites Session");
    assert_eq!(session.cites, "components.schemas.api_session_v1_Session");
    let accepted: BTreeSet<(&str, &str)> = session
        .accepted
        .iter()
        .map(|a| (a.change.at.as_str(), a.change.kind.name()))
        .collect();
    assert_eq!(
        accepted,
        BTreeSet::from([
            ("/roles", "optional-to-required"),
            ("/attributes", "no-longer-nullable")
        ])
    );
    assert!(session.accepted.iter().all(|a| !a.reason.is_empty()));
}

/// Applies `edit` to `components.schemas.<component>`.
fn edit_component(doc: &mut Value, component: &str, edit: impl FnOnce(&mut Value)) {
    let schema = doc
        .pointer_mut(&format!("/components/schemas/{component}"))
        .unwrap_or_else(|| panic!("no component {component}"));
    edit(schema);
}

fn remove_required(schema: &mut Value, field: &str) {
    schema["properties"]
        .as_object_mut()
        .unwrap()
        .remove(field)
        .expect("field exists");
    let required = schema["required"].as_array_mut().unwrap();
    let before = required.len();
    required.retain(|r| r != field);
    assert_eq!(required.len() + 1, before, "{field} was required");
}

/// The four edits of the issue on Stytch's Session and AuthenticationFactor.
fn edit_stytch(doc: &mut Value) {
    edit_component(doc, "api_session_v1_Session", |s| {
        remove_required(s, "session_id");
        s["properties"]["expires_at"]["type"] = json!("integer");
        s["properties"]["user_id"]["nullable"] = json!(true);
    });
    edit_component(doc, "api_session_v1_AuthenticationFactorType", |s| {
        s["enum"]
            .as_array_mut()
            .unwrap()
            .push(json!("carrier_pigeon"));
    });
}

/// The four edits on Clerk's Session.
fn edit_clerk(doc: &mut Value) {
    edit_component(doc, "Session", |s| {
        remove_required(s, "user_id");
        s["properties"]["status"]["enum"]
            .as_array_mut()
            .unwrap()
            .push(json!("frozen"));
        s["properties"]["expire_at"]["type"] = json!("string");
        s["properties"]["last_active_at"]["nullable"] = json!(true);
    });
}

fn stytch_expected() -> BTreeSet<(String, String, String, Severity)> {
    let mut rows = Vec::new();
    for id in ["stytch/session", "strict/stytch/session"] {
        rows.push((id, "/session_id", "field-removed"));
        rows.push((id, "/expires_at", "type-changed"));
        rows.push((id, "/user_id", "became-nullable"));
    }
    // Our lenient factor schema accepts any `type` on purpose (SDKs type it as an open enum):
    // only the strict twin, whose enum is closed, breaks.
    rows.push((
        "strict/stytch/authentication-factor",
        "/type",
        "enum-value-added",
    ));
    set(&rows)
}

fn clerk_expected(family: &str) -> BTreeSet<(String, String, String, Severity)> {
    let ids = [
        format!("clerk/{family}/session"),
        format!("strict/clerk/{family}/session"),
    ];
    let mut rows = Vec::new();
    for id in &ids {
        rows.push((id.as_str(), "/user_id", "field-removed"));
        rows.push((id.as_str(), "/status", "enum-value-added"));
        rows.push((id.as_str(), "/expire_at", "type-changed"));
        rows.push((id.as_str(), "/last_active_at", "became-nullable"));
    }
    set(&rows)
}

#[test]
fn edited_copies_report_exactly_the_edits() {
    let store = store();
    for (file, edit, expected) in [
        (STYTCH, edit_stytch as fn(&mut Value), stytch_expected()),
        (CLERK_21, edit_clerk, clerk_expected("2021-02-05")),
        (CLERK_26, edit_clerk, clerk_expected("2025-04-10")),
    ] {
        let mut api = load(file);
        edit(&mut api.doc);
        let report = drift(&store, &api, None, true);
        assert_eq!(changes(&report), expected, "{file}");
        assert_eq!(report.breaking, expected.len(), "{file}");
        assert!(report.has_breaking());
    }
}

#[test]
fn type_change_detail_names_both_types() {
    let mut api = load(CLERK_26);
    edit_clerk(&mut api.doc);
    let report = drift(&store(), &api, None, false);
    let session = report
        .schemas
        .iter()
        .find(|s| s.id == "clerk/2025-04-10/session")
        .unwrap();
    let change = session
        .changes
        .iter()
        .find(|c| c.at == "/expire_at")
        .unwrap();
    assert_eq!(change.detail, "integer → string");
    let added = session.changes.iter().find(|c| c.at == "/status").unwrap();
    assert_eq!(added.detail, "enum value \"frozen\" added");
}

#[test]
fn a_new_optional_member_is_compatible_unless_the_schema_is_closed() {
    let mut api = load(CLERK_26);
    edit_component(&mut api.doc, "Session", |s| {
        s["properties"]["risk_score"] = json!({"type": "integer"});
    });
    let report = drift(&store(), &api, None, true);
    let mut expected = BTreeSet::new();
    expected.insert((
        "clerk/2025-04-10/session".to_owned(),
        "/risk_score".to_owned(),
        "field-added".to_owned(),
        Severity::Compatible,
    ));
    expected.insert((
        "strict/clerk/2025-04-10/session".to_owned(),
        "/risk_score".to_owned(),
        "field-added".to_owned(),
        Severity::Breaking,
    ));
    assert_eq!(changes(&report), expected);
}

#[test]
fn a_cited_component_that_disappeared_is_breaking() {
    let mut api = load(CLERK_26);
    api.doc["components"]["schemas"]
        .as_object_mut()
        .unwrap()
        .remove("Token");
    let report = drift(&store(), &api, None, false);
    assert_eq!(
        changes(&report),
        set(&[("clerk/token", "", "component-missing")])
    );
}

// ---- the CLI ------------------------------------------------------------------------------

fn sessconform(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_sessconform"))
        .args(args)
        .output()
        .expect("run sessconform");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn cli_exits_0_on_the_vendor_files_and_1_on_an_edited_copy_with_json_for_ci() {
    for file in [STYTCH, CLERK_21, CLERK_26] {
        let path = vendor(file);
        let (code, stdout, stderr) =
            sessconform(&["spec", "drift", "--openapi", path.to_str().unwrap()]);
        assert_eq!(code, Some(0), "{file}: {stdout}{stderr}");
        assert!(stdout.contains("0 breaking"), "{stdout}");
    }
    // The edited copy keeps the vendor's file name, so x-source matches without --source.
    let dir = tempfile::tempdir().unwrap();
    let mut api = load(CLERK_26);
    edit_clerk(&mut api.doc);
    let copy = dir.path().join(CLERK_26);
    std::fs::write(&copy, serde_json::to_string(&api.doc).unwrap()).unwrap();
    let (code, stdout, stderr) = sessconform(&[
        "spec",
        "drift",
        "--openapi",
        copy.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code, Some(1), "{stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("JSON output");
    assert_eq!(report["breaking"], 4);
    assert_eq!(report["file"], CLERK_26);
    let session = report["schemas"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "clerk/2025-04-10/session")
        .unwrap();
    let kinds: BTreeSet<&str> = session["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        BTreeSet::from([
            "became-nullable",
            "enum-value-added",
            "field-removed",
            "type-changed"
        ])
    );
    // Text output names the schema and the change.
    let (code, stdout, _) = sessconform(&["spec", "drift", "--openapi", copy.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert!(
        stdout.contains("BREAKING   clerk/2025-04-10/session"),
        "{stdout}"
    );
    assert!(
        stdout.contains("/status  enum-value-added: enum value \"frozen\" added"),
        "{stdout}"
    );
}

#[test]
fn cli_source_names_a_file_saved_under_another_name() {
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("latest.yml");
    std::fs::copy(vendor(CLERK_21), &copy).unwrap();
    let path = copy.to_str().unwrap();
    let (code, _, stderr) = sessconform(&["spec", "drift", "--openapi", path]);
    assert_eq!(code, Some(2), "no schema cites latest.yml");
    assert!(
        stderr.contains("no schema cites `latest.yml`") && stderr.contains("--source"),
        "{stderr}"
    );
    let (code, stdout, stderr) =
        sessconform(&["spec", "drift", "--openapi", path, "--source", CLERK_21]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(stdout.contains("clerk/2021-02-05/session"), "{stdout}");
}

#[test]
fn cli_bad_input_exits_2_with_a_located_message() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yml");
    std::fs::write(
        &bad,
        "openapi: 3.0.3\ninfo:\n  title: x\n  version: [1, 2\npaths: {}\n",
    )
    .unwrap();
    let (code, stdout, stderr) =
        sessconform(&["spec", "drift", "--openapi", bad.to_str().unwrap()]);
    assert_eq!(code, Some(2), "{stdout}");
    assert!(
        stderr.contains("bad.yml:") && stderr.contains("invalid OpenAPI YAML"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");

    let missing = dir.path().join("missing.yml");
    let (code, _, stderr) = sessconform(&["spec", "drift", "--openapi", missing.to_str().unwrap()]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("failed to read OpenAPI file"), "{stderr}");

    let swagger = dir.path().join("swagger.yml");
    std::fs::write(&swagger, "swagger: '2.0'\ninfo: {title: x, version: '1'}\n").unwrap();
    let (code, _, stderr) = sessconform(&["spec", "drift", "--openapi", swagger.to_str().unwrap()]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("Swagger 2.0 is not supported"), "{stderr}");

    let (code, _, _) = sessconform(&["spec", "drift"]);
    assert_eq!(code, Some(2), "--openapi is required");
}

#[test]
fn imported_schemas_are_drift_checked_too() {
    use sessconform::spec::Profile;
    use sessconform::spec::import::{Target, import};
    let dir = tempfile::tempdir().unwrap();
    let api = load(CLERK_26);
    for profile in [Profile::Lenient, Profile::Strict] {
        let imported = import(&api, Target::Component("Session"), "mine/session", profile).unwrap();
        let path = dir.path().join(format!("{}.json", imported.id));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, serde_json::to_string(&imported.schema).unwrap()).unwrap();
    }
    let store = SchemaStore::load_lazy(true, &[dir.path().to_path_buf()]).unwrap();
    let report = drift(&store, &api, None, true);
    let mine: Vec<_> = report
        .schemas
        .iter()
        .filter(|s| s.id.ends_with("mine/session"))
        .collect();
    assert_eq!(
        mine.len(),
        2,
        "lenient and strict imported schemas cite the file"
    );
    assert!(mine.iter().all(|s| s.changes.is_empty()), "{mine:#?}");

    let mut edited = load(CLERK_26);
    edit_clerk(&mut edited.doc);
    let report = drift(&store, &edited, None, false);
    let mine = report
        .schemas
        .iter()
        .find(|s| s.id == "mine/session")
        .unwrap();
    let kinds: BTreeSet<(&str, &str)> = mine
        .changes
        .iter()
        .map(|c| (c.at.as_str(), c.kind.name()))
        .collect();
    assert_eq!(
        kinds,
        BTreeSet::from([
            ("/expire_at", "type-changed"),
            ("/last_active_at", "became-nullable"),
            ("/status", "enum-value-added"),
            ("/user_id", "field-removed"),
        ])
    );
}
