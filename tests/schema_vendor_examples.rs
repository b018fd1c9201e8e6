//! Validates every vendor-published example body in `../shared/vendor/examples/` against its
//! schema, in the lenient and the strict profile, and checks the verdicts recorded in [`TABLE`].
//!
//! Every body a vendor published as its server's output must pass the lenient schema. SDK test
//! mocks, the LLM-generated Speakeasy overlay and the webhook payload are not server output: the
//! table records what our schemas say about them and why.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::OnceLock;

use serde_json::Value;
use sessconform::schema::{SchemaStore, Violation, render_violations};

/// Where a body comes from (the file-name suffix, see `shared/vendor/SOURCES.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Published by the vendor as what its server returns: must pass the lenient schema.
    ServerOutput,
    /// A mock body from an official SDK's tests (partial on purpose).
    SdkMock,
    /// The Speakeasy example overlay, self-described as LLM-generated.
    GeneratedOverlay,
    /// A webhook payload: not a Backend API response.
    Webhook,
    /// A deliberate cross-check against a schema the body is not meant for.
    CrossCheck,
}

/// Expected verdict of one profile.
#[derive(Debug, Clone, Copy)]
enum Verdict {
    Pass,
    /// Fails with exactly these `(instance path, keyword)` violations, for the stated reason.
    Fail {
        reason: &'static str,
        at: &'static [(&'static str, &'static str)],
    },
}

struct Row {
    file: &'static str,
    /// JSON Pointer of the part validated (`""` = the whole body).
    pointer: &'static str,
    /// Lenient schema id; the strict one is `strict/<id>`.
    schema: &'static str,
    kind: Kind,
    lenient: Verdict,
    strict: Verdict,
    /// Why this mapping, and for non-server output what the verdicts mean.
    note: &'static str,
}

use Kind::*;
use Verdict::*;

const ROLES_MISSING: &str = "`roles` is required by the spec (api_session_v1_Session) but \
    Stytch's own docs examples omit it; only the strict profile requires it";

#[rustfmt::skip]
const TABLE: &[Row] = &[
    // ---- Clerk error bodies -------------------------------------------------------------
    Row { file: "clerk-error-400-invalid_session_token.docs-mapped.json", pointer: "", schema: "clerk/errors", kind: ServerOutput, lenient: Pass, strict: Pass, note: "error-index entry in wire format" },
    Row { file: "clerk-error-400-missing_query_parameter.docs-mapped.json", pointer: "", schema: "clerk/errors", kind: ServerOutput, lenient: Pass, strict: Pass, note: "error-index entry in wire format" },
    Row { file: "clerk-error-401-authentication_invalid.docs-mapped.json", pointer: "", schema: "clerk/errors", kind: ServerOutput, lenient: Pass, strict: Pass, note: "error-index entry in wire format" },
    Row { file: "clerk-error-401-clerk_key_invalid.docs-mapped.json", pointer: "", schema: "clerk/errors", kind: ServerOutput, lenient: Pass, strict: Pass, note: "error-index entry in wire format" },
    Row { file: "clerk-error-404-session-not-found.docs-mapped.json", pointer: "", schema: "clerk/errors", kind: ServerOutput, lenient: Pass, strict: Pass, note: "error-index entry in wire format" },
    Row { file: "clerk-error-404-user-not-found.docs-mapped.json", pointer: "", schema: "clerk/errors", kind: ServerOutput, lenient: Pass, strict: Pass, note: "error-index entry in wire format" },
    Row { file: "clerk-error-410-operation_deprecated.docs-mapped.json", pointer: "", schema: "clerk/errors", kind: ServerOutput, lenient: Pass, strict: Pass, note: "error-index entry in wire format" },
    Row { file: "clerk-error-422.sdk-fixture.json", pointer: "", schema: "clerk/errors", kind: ServerOutput, lenient: Pass, strict: Pass, note: "clerk-sdk-go fixture served as a real 422 body, with clerk_trace_id and meta" },
    // ---- Clerk sessions (webhook-spec examples minus the embedded user) -----------------
    Row { file: "clerk-session-active.from-webhooks-spec.json", pointer: "", schema: "clerk/2025-04-10/session", kind: ServerOutput, lenient: Pass, strict: Pass, note: "current API family (webhook spec 2025-04-15)" },
    Row { file: "clerk-session-ended.from-webhooks-spec.json", pointer: "", schema: "clerk/2025-04-10/session", kind: ServerOutput, lenient: Pass, strict: Pass, note: "current API family" },
    Row { file: "clerk-session-pending.from-webhooks-spec.json", pointer: "", schema: "clerk/2025-04-10/session", kind: ServerOutput, lenient: Pass, strict: Pass, note: "`pending` exists from 2025-04-10 on" },
    Row { file: "clerk-session-removed.from-webhooks-spec.json", pointer: "", schema: "clerk/2025-04-10/session", kind: ServerOutput, lenient: Pass, strict: Pass, note: "current API family" },
    Row { file: "clerk-session-revoked.from-webhooks-spec.json", pointer: "", schema: "clerk/2025-04-10/session", kind: ServerOutput, lenient: Pass, strict: Pass, note: "current API family" },
    Row { file: "clerk-session-active.from-webhooks-spec.json", pointer: "", schema: "clerk/2021-02-05/session", kind: CrossCheck, lenient: Pass, strict: Pass, note: "an active session without tasks is also a valid 2021-02-05 session" },
    Row { file: "clerk-session-active.from-webhooks-spec.json", pointer: "", schema: "clerk/session", kind: CrossCheck, lenient: Pass, strict: Pass, note: "the umbrella accepts either family" },
    Row { file: "clerk-session-pending.from-webhooks-spec.json", pointer: "", schema: "clerk/session", kind: CrossCheck, lenient: Pass, strict: Pass, note: "the umbrella accepts either family" },
    Row { file: "clerk-session-pending.from-webhooks-spec.json", pointer: "", schema: "clerk/2021-02-05/session", kind: CrossCheck,
          lenient: Fail { reason: "status `pending` was added in API version 2025-04-10", at: &[("/status", "enum")] },
          strict: Fail { reason: "status `pending` was added in API version 2025-04-10", at: &[("/status", "enum")] },
          note: "the 2021-02-05 family must reject a status it does not define" },
    Row { file: "clerk-webhook-session-created-event.webhooks-spec.json", pointer: "/data", schema: "clerk/2025-04-10/session", kind: Webhook, lenient: Pass,
          strict: Fail { reason: "the webhook payload embeds the `user` object, which the BAPI Session (additionalProperties false) does not have", at: &[("", "additionalProperties")] },
          note: "webhook event, not a Backend API response; its `data` is a Session plus `user`" },
    Row { file: "clerk-session-revoked.sdk-fixture.json", pointer: "", schema: "clerk/session", kind: SdkMock,
          lenient: Fail { reason: "clerk-sdk-go test mock with only id and status", at: &[("", "required")] },
          strict: Fail { reason: "clerk-sdk-go test mock with only id and status", at: &[("", "required")] },
          note: "partial mock (TestSessionClientRevoke): real revoke responses are full Sessions; our schema rejects it for the missing required members" },
    Row { file: "clerk-sessions-list-paginated.sdk-fixture.json", pointer: "", schema: "clerk/session-list-paginated", kind: SdkMock,
          lenient: Fail { reason: "clerk-sdk-go test mock whose sessions hold only id and status", at: &[("/data/0", "required")] },
          strict: Fail { reason: "clerk-sdk-go test mock whose sessions hold only id and status", at: &[("/data/0", "required")] },
          note: "the {data, total_count} envelope itself conforms; the sessions in it are partial mocks" },
    Row { file: "clerk-sessions-list-array.speakeasy-overlay.json", pointer: "", schema: "clerk/session-list", kind: GeneratedOverlay, lenient: Pass,
          strict: Fail { reason: "timestamps are 10-digit epoch seconds; the vendor's own examples use milliseconds (strict: ≥ 10^12)",
                         at: &[("/0/abandon_at", "minimum"), ("/0/created_at", "minimum"), ("/0/expire_at", "minimum"), ("/0/last_active_at", "minimum"), ("/0/updated_at", "minimum")] },
          note: "LLM-generated overlay: the shape conforms; the seconds unit and abandon_at < expire_at are not believable server output" },
    // ---- Stytch B2B ----------------------------------------------------------------------
    Row { file: "stytch-b2b-member-session-object.docs.json", pointer: "/member_session", schema: "stytch-b2b/member-session", kind: ServerOutput, lenient: Pass,
          strict: Fail { reason: "the docs example omits organization_slug (required by the spec) and carries an undocumented `sequence_order` in its factor",
                         at: &[("", "required"), ("/authentication_factors/0", "additionalProperties")] },
          note: "the docs wrap the object in {\"member_session\": …}; expires_at < started_at is a semantic check, not a schema rule" },
    Row { file: "stytch-b2b-sessions-get-200.sdk-fixture.json", pointer: "", schema: "stytch-b2b/sessions-get-response", kind: SdkMock,
          lenient: Fail { reason: "stytch-node mock omits authentication_factors, organization_id and roles, which the spec requires and the docs example has", at: &[("/member_sessions/0", "required")] },
          strict: Fail { reason: "as lenient, plus organization_slug", at: &[("/member_sessions/0", "required")] },
          note: "partial mock from test/b2b/sessions.test.ts; its nanosecond timestamp is accepted" },
    Row { file: "stytch-b2b-sessions-revoke-200.docs.json", pointer: "", schema: "stytch-b2b/sessions-revoke-response", kind: ServerOutput, lenient: Pass, strict: Pass, note: "B2B revoke docs example" },
    // ---- Stytch consumer -----------------------------------------------------------------
    Row { file: "stytch-consumer-session-object.docs.json", pointer: "/session", schema: "stytch/session", kind: ServerOutput, lenient: Pass,
          strict: Fail { reason: ROLES_MISSING, at: &[("", "required")] },
          note: "the docs wrap the object in {\"session\": …}; empty ip_address/user_agent are accepted" },
    Row { file: "stytch-consumer-sessions-get-200.docs.json", pointer: "", schema: "stytch/sessions-get-response", kind: ServerOutput, lenient: Pass,
          strict: Fail { reason: ROLES_MISSING, at: &[("/sessions/0", "required")] },
          note: "GET /v1/sessions docs example" },
    Row { file: "stytch-consumer-sessions-get-200.sdk-fixture.json", pointer: "", schema: "stytch/sessions-get-response", kind: SdkMock,
          lenient: Fail { reason: "stytch-node mock omits authentication_factors, which the spec requires and every published session has", at: &[("/sessions/0", "required")] },
          strict: Fail { reason: "as lenient, plus roles missing and `attributes: null` (not nullable in the spec)", at: &[("/sessions/0", "required"), ("/sessions/0/attributes", "type")] },
          note: "partial mock from test/b2c/sessions.test.ts; its `attributes: null` and nanosecond timestamp are accepted by the lenient profile" },
    Row { file: "stytch-consumer-sessions-revoke-200.docs.json", pointer: "", schema: "stytch/sessions-revoke-response", kind: ServerOutput, lenient: Pass, strict: Pass, note: "revoke docs example" },
    // ---- Stytch errors and JWKS ---------------------------------------------------------
    Row { file: "stytch-error-400-invalid_session_id.docs.json", pointer: "", schema: "stytch/error", kind: ServerOutput, lenient: Pass, strict: Pass, note: "docs error example" },
    Row { file: "stytch-error-400-invalid_user_id.docs.json", pointer: "", schema: "stytch/error", kind: ServerOutput, lenient: Pass, strict: Pass, note: "docs error example" },
    Row { file: "stytch-error-401-unauthorized_credentials.openapi.json", pointer: "", schema: "stytch/error", kind: ServerOutput, lenient: Pass, strict: Pass, note: "spec example" },
    Row { file: "stytch-error-404-session_not_found.docs.json", pointer: "", schema: "stytch/error", kind: ServerOutput, lenient: Pass, strict: Pass, note: "docs error example" },
    Row { file: "stytch-error-404-user_not_found.docs.json", pointer: "", schema: "stytch/error", kind: ServerOutput, lenient: Pass, strict: Pass, note: "docs error example" },
    Row { file: "stytch-error-429-too_many_requests.b2b-docs-fragment-url.json", pointer: "", schema: "stytch/error", kind: ServerOutput, lenient: Pass, strict: Pass, note: "fragment-style error_url" },
    Row { file: "stytch-error-429-too_many_requests.openapi.json", pointer: "", schema: "stytch/error", kind: ServerOutput, lenient: Pass, strict: Pass, note: "spec example" },
    Row { file: "stytch-error-500-internal_server_error.openapi.json", pointer: "", schema: "stytch/error", kind: ServerOutput, lenient: Pass, strict: Pass, note: "spec example" },
    Row { file: "stytch-jwks-200.docs.json", pointer: "", schema: "stytch/jwks-response", kind: ServerOutput, lenient: Pass, strict: Pass, note: "connected-apps JWKS page, same JWKS as the sessions endpoint" },
    Row { file: "stytch-jwks-200.docs.json", pointer: "", schema: "stytch-b2b/jwks-response", kind: CrossCheck, lenient: Pass, strict: Pass, note: "the B2B JWKS endpoint returns the same body" },
];

fn examples_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/vendor/examples")
}

fn store() -> &'static SchemaStore {
    static STORE: OnceLock<SchemaStore> = OnceLock::new();
    STORE.get_or_init(|| SchemaStore::builtin().unwrap_or_else(|e| panic!("{e}")))
}

fn load(row: &Row) -> Value {
    let path = examples_dir().join(row.file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let body: Value = serde_json::from_str(&text).unwrap();
    body.pointer(row.pointer)
        .unwrap_or_else(|| panic!("{}: no value at {:?}", row.file, row.pointer))
        .clone()
}

fn check(row: &Row, id: &str, expected: Verdict) -> Result<(), String> {
    let body = load(row);
    let violations: Vec<Violation> = store().validate(id, &body).map_err(|e| e.to_string())?;
    let got: BTreeSet<(String, String)> = violations
        .iter()
        .map(|v| (v.instance_path.clone(), v.keyword.clone()))
        .collect();
    let detail = || render_violations(&body, &violations);
    match expected {
        Pass if violations.is_empty() => Ok(()),
        Pass => Err(format!(
            "{} against {id}: expected pass, got\n{}",
            row.file,
            detail()
        )),
        Fail { reason, at } => {
            assert!(!reason.is_empty(), "{}: a failure needs a reason", row.file);
            let want: BTreeSet<(String, String)> = at
                .iter()
                .map(|(p, k)| (p.to_string(), k.to_string()))
                .collect();
            if got == want {
                Ok(())
            } else {
                Err(format!(
                    "{} against {id}: expected violations {want:?}, got {got:?}\n{}",
                    row.file,
                    detail()
                ))
            }
        }
    }
}

#[test]
fn every_example_file_is_in_the_table() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(examples_dir())
        .expect("../shared/vendor/examples must sit beside the checkout")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".json"))
        .collect();
    let in_table: BTreeSet<String> = TABLE.iter().map(|r| r.file.to_owned()).collect();
    assert!(!on_disk.is_empty());
    let missing: Vec<_> = on_disk.difference(&in_table).collect();
    let stale: Vec<_> = in_table.difference(&on_disk).collect();
    assert!(
        missing.is_empty(),
        "example files missing from TABLE: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "TABLE names files that do not exist: {stale:?}"
    );
}

#[test]
fn table_kinds_follow_file_suffixes() {
    for row in TABLE {
        let server_suffix = [
            ".docs.json",
            ".openapi.json",
            ".docs-mapped.json",
            ".from-webhooks-spec.json",
            ".b2b-docs-fragment-url.json",
        ]
        .iter()
        .any(|s| row.file.ends_with(s))
            || row.file == "clerk-error-422.sdk-fixture.json";
        match row.kind {
            ServerOutput => assert!(server_suffix, "{} is not server output", row.file),
            CrossCheck => {}
            SdkMock => assert!(row.file.ends_with(".sdk-fixture.json"), "{}", row.file),
            GeneratedOverlay => assert!(
                row.file.ends_with(".speakeasy-overlay.json"),
                "{}",
                row.file
            ),
            Webhook => assert!(row.file.ends_with(".webhooks-spec.json"), "{}", row.file),
        }
        if row.kind != ServerOutput {
            assert!(
                !row.note.is_empty(),
                "{}: non-server output needs a note",
                row.file
            );
        }
    }
}

#[test]
fn server_output_passes_the_lenient_schema() {
    let mut failures = Vec::new();
    for row in TABLE.iter().filter(|r| r.kind == ServerOutput) {
        assert!(
            matches!(row.lenient, Pass),
            "{}: server output must be recorded as passing",
            row.file
        );
        if let Err(e) = check(row, row.schema, Pass) {
            failures.push(e);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn lenient_verdicts_match_the_table() {
    let failures: Vec<String> = TABLE
        .iter()
        .filter_map(|row| check(row, row.schema, row.lenient).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn strict_verdicts_match_the_table() {
    let failures: Vec<String> = TABLE
        .iter()
        .filter_map(|row| check(row, &format!("strict/{}", row.schema), row.strict).err())
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

#[test]
fn strict_never_accepts_what_lenient_rejects() {
    // The strict profile only adds rules: whatever fails leniently must fail strictly too.
    for row in TABLE {
        if matches!(row.lenient, Fail { .. }) {
            assert!(
                matches!(row.strict, Fail { .. }),
                "{} against {}",
                row.file,
                row.schema
            );
        }
    }
}
