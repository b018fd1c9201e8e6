//! The built-in suites against wiremock doubles. A conformant double passes every case of its
//! suite (the suites are portable: they pass against a server that is not ours); a double that
//! breaks ONE documented invariant makes the case checking that invariant fail.
//!
//! Invariant numbers refer to `shared/vendor/CONTRACTS.md` §5.

mod doubles;

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use sessconform::case::{LoadedSuite, parse_suite};
use sessconform::engine::{self, Cancel, RunConfig, Selection};
use sessconform::result::{CaseResult, Event, Verdict};
use sessconform::schema::SchemaStore;
use sessconform::target::parse_target;
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Respond};

use doubles::b2b::{B2bDouble, Break as B2bBreak};
use doubles::clerk::{Break as ClerkBreak, ClerkDouble};
use doubles::stytch::{Break as StytchBreak, StytchDouble};

static SCHEMAS: LazyLock<Arc<SchemaStore>> =
    LazyLock::new(|| Arc::new(SchemaStore::builtin().expect("built-in schemas load")));

/// A built-in suite file, parsed.
fn suite(file: &str) -> LoadedSuite {
    let path = format!("{}/cases/{file}", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let suite = parse_suite(&path, &text, &SCHEMAS).unwrap_or_else(|e| panic!("{e}"));
    LoadedSuite { suite, dir: None }
}

/// Starts a mock server answering every request with `double`.
async fn serve(double: impl Respond + 'static) -> MockServer {
    let server = MockServer::start().await;
    Mock::given(any()).respond_with(double).mount(&server).await;
    server
}

/// Runs the cases of `file` selected by `names` (all when empty) against `api_block`.
async fn run(file: &str, names: &[&str], api_block: &str, strict: bool) -> Vec<CaseResult> {
    let loaded = suite(file);
    let filters: Vec<String> = names
        .iter()
        .map(|n| format!("{}::{n}", loaded.suite.name))
        .collect();
    for f in &filters {
        assert!(
            loaded.suite.cases.iter().any(|c| &c.id == f),
            "no case `{f}` in cases/{file}"
        );
    }
    let target_yaml = format!("name: double\napis:\n{api_block}");
    let target = parse_target("double.yaml", &target_yaml, &BTreeMap::new())
        .unwrap_or_else(|e| panic!("{e}\n{target_yaml}"));
    let cfg = RunConfig {
        jobs: 8,
        timeout: Duration::from_secs(10),
        strict,
        ..RunConfig::default()
    };
    let selection = Selection {
        filters,
        exact: true,
        ..Selection::default()
    };
    let plan = Arc::new(engine::plan(vec![loaded], target, &selection, &cfg));
    let mut results = Vec::new();
    engine::run(
        plan,
        Arc::clone(&SCHEMAS),
        &cfg,
        Cancel::default(),
        &mut |ev| {
            if let Event::CaseFinished(r) = ev {
                results.push((**r).clone());
            }
        },
    )
    .await;
    results
}

/// A readable account of a result, for assertion messages.
fn explain(r: &CaseResult) -> String {
    let mut out = format!("{} → {:?}", r.id, r.verdict);
    if let Some(reason) = &r.reason {
        out.push_str(&format!(" ({reason})"));
    }
    for f in &r.findings {
        out.push_str(&format!(
            "\n  [{:?} {:?}] step {}: {}",
            f.level, f.kind, f.step, f.message
        ));
    }
    out
}

async fn verdict(file: &str, case: &str, api_block: &str, strict: bool) -> CaseResult {
    let mut results = run(file, &[case], api_block, strict).await;
    assert_eq!(results.len(), 1, "{case}");
    results.remove(0)
}

/// Asserts the case failed for the intended reason: a failure finding mentions `marker`.
fn assert_failed_on(r: &CaseResult, marker: &str) {
    assert!(
        r.failures()
            .any(|f| f.message.contains(marker)
                || f.path.as_deref().is_some_and(|p| p.contains(marker))),
        "no failure mentions `{marker}`: {}",
        explain(r)
    );
}

/// The case passes against the conformant double and fails against the broken one, with a
/// failure finding that mentions `marker`.
async fn check_stytch(case: &str, brk: StytchBreak, marker: &str) {
    let good = serve(StytchDouble::new(StytchBreak::None)).await;
    let r = verdict(
        "stytch.yaml",
        case,
        &StytchDouble::target(&good.uri()),
        false,
    )
    .await;
    assert_eq!(
        r.verdict,
        Verdict::Pass,
        "conformant double: {}",
        explain(&r)
    );
    let bad = serve(StytchDouble::new(brk)).await;
    let r = verdict(
        "stytch.yaml",
        case,
        &StytchDouble::target(&bad.uri()),
        false,
    )
    .await;
    assert_eq!(r.verdict, Verdict::Fail, "{brk:?}: {}", explain(&r));
    assert_failed_on(&r, marker);
}

async fn check_b2b(case: &str, brk: B2bBreak, marker: &str) {
    let good = serve(B2bDouble::new(B2bBreak::None)).await;
    let r = verdict(
        "stytch-b2b.yaml",
        case,
        &B2bDouble::target(&good.uri()),
        false,
    )
    .await;
    assert_eq!(
        r.verdict,
        Verdict::Pass,
        "conformant double: {}",
        explain(&r)
    );
    let bad = serve(B2bDouble::new(brk)).await;
    let r = verdict(
        "stytch-b2b.yaml",
        case,
        &B2bDouble::target(&bad.uri()),
        false,
    )
    .await;
    assert_eq!(r.verdict, Verdict::Fail, "{brk:?}: {}", explain(&r));
    assert_failed_on(&r, marker);
}

async fn check_clerk(case: &str, brk: ClerkBreak, marker: &str) {
    let good = serve(ClerkDouble::new(ClerkBreak::None)).await;
    let r = verdict("clerk.yaml", case, &ClerkDouble::target(&good.uri()), false).await;
    assert_eq!(
        r.verdict,
        Verdict::Pass,
        "conformant double: {}",
        explain(&r)
    );
    let bad = serve(ClerkDouble::new(brk)).await;
    let r = verdict("clerk.yaml", case, &ClerkDouble::target(&bad.uri()), false).await;
    assert_eq!(r.verdict, Verdict::Fail, "{brk:?}: {}", explain(&r));
    assert_failed_on(&r, marker);
}

// ------------------------------------------------------------------ whole suites, conformant

#[tokio::test(flavor = "multi_thread")]
async fn conformant_stytch_double_passes_the_whole_stytch_suite() {
    let s = serve(StytchDouble::new(StytchBreak::None)).await;
    let results = run("stytch.yaml", &[], &StytchDouble::target(&s.uri()), false).await;
    assert!(results.len() >= 30, "{}", results.len());
    let bad: Vec<String> = results
        .iter()
        .filter(|r| r.verdict != Verdict::Pass)
        .map(explain)
        .collect();
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

#[tokio::test(flavor = "multi_thread")]
async fn conformant_clerk_double_passes_the_whole_clerk_suite() {
    let s = serve(ClerkDouble::new(ClerkBreak::None)).await;
    let results = run("clerk.yaml", &[], &ClerkDouble::target(&s.uri()), false).await;
    assert!(results.len() >= 40, "{}", results.len());
    let bad: Vec<String> = results
        .iter()
        .filter(|r| {
            !(r.verdict == Verdict::Pass
                || r.verdict == Verdict::Skip
                    && r.reason
                        .as_deref()
                        .is_some_and(|x| x.contains("reference server bug")))
        })
        .map(explain)
        .collect();
    assert!(bad.is_empty(), "{}", bad.join("\n"));
}

// ------------------------------------------------------------------ Stytch consumer

#[tokio::test(flavor = "multi_thread")]
async fn status_code_differing_from_http_status_fails() {
    check_stytch(
        "authenticate unknown session_token is 404 session_not_found",
        StytchBreak::StatusCodeMismatch,
        "$.status_code",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn error_url_fragment_differing_from_error_type_fails() {
    check_stytch(
        "authenticate unknown session_token is 404 session_not_found",
        StytchBreak::FragmentMismatch,
        "$.error_url",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn repeated_request_id_fails() {
    check_stytch(
        "list request_id differs between requests",
        StytchBreak::ConstantRequestId,
        "$.request_id",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn revoked_session_still_listed_fails() {
    check_stytch(
        "revoke by session_id then list and authenticate reflect it",
        StytchBreak::ListsRevoked,
        "expected a value other than",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn expired_session_listed_fails() {
    check_stytch(
        "list only active unexpired sessions",
        StytchBreak::ListsExpired,
        "expires_at",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn other_users_session_listed_fails() {
    check_stytch(
        "list sessions belong to the queried user",
        StytchBreak::ListsForeign,
        "user_id",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn external_id_listing_fewer_sessions_fails() {
    check_stytch(
        "list by external_id returns the same sessions as user_id",
        StytchBreak::ExternalIdSubset,
        "expected one of",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn stytch_non_envelope_401_body_fails_on_every_endpoint() {
    for case in [
        "list 401 without and with wrong credentials",
        "authenticate 401 without and with wrong credentials",
        "revoke 401 without and with wrong credentials",
    ] {
        check_stytch(case, StytchBreak::Wrong401Body, "is a required property").await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn stytch_accepting_missing_credentials_fails_on_every_endpoint() {
    for case in [
        "list 401 without and with wrong credentials",
        "authenticate 401 without and with wrong credentials",
        "revoke 401 without and with wrong credentials",
    ] {
        check_stytch(case, StytchBreak::LenientAuth, "expected status 401").await;
    }
}

const JWKS_PUBLIC: &str = "jwks is public, 200 without credentials";

#[tokio::test(flavor = "multi_thread")]
async fn stytch_jwks_needing_credentials_warns_and_fails_only_under_strict() {
    // The JWKS endpoint used to be checked for a 401 without credentials; the vendor's SDKs
    // fetch it without any (CONTRACTS.md §2.8), so a 401 is now a warning.
    let bad = serve(StytchDouble::new(StytchBreak::JwksRequiresAuth)).await;
    let target = StytchDouble::target(&bad.uri());
    let lenient = verdict("stytch.yaml", JWKS_PUBLIC, &target, false).await;
    assert_eq!(lenient.verdict, Verdict::Pass, "{}", explain(&lenient));
    assert!(
        lenient.warnings().any(|f| f.message.contains("401")),
        "a warning about the 401 expected: {}",
        explain(&lenient)
    );
    let strict = verdict("stytch.yaml", JWKS_PUBLIC, &target, true).await;
    assert_eq!(strict.verdict, Verdict::Fail, "{}", explain(&strict));
    let good = serve(StytchDouble::new(StytchBreak::None)).await;
    let r = verdict(
        "stytch.yaml",
        JWKS_PUBLIC,
        &StytchDouble::target(&good.uri()),
        true,
    )
    .await;
    assert_eq!(
        r.verdict,
        Verdict::Pass,
        "conformant, strict: {}",
        explain(&r)
    );
    assert_eq!(r.warnings().count(), 0, "{}", explain(&r));
}

#[tokio::test(flavor = "multi_thread")]
async fn stytch_public_jwks_without_keys_fails() {
    check_stytch(
        JWKS_PUBLIC,
        StytchBreak::JwksWithoutKeys,
        "count($.keys[*]) == 0",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn stytch_jwks_429_of_another_type_fails() {
    // With the JWKS needing credentials the throttled credential is counted and limited.
    let good = serve(StytchDouble::new(StytchBreak::JwksRequiresAuth)).await;
    let case = "jwks with a throttled credential is 200 or 429 too_many_requests";
    let r = verdict(
        "stytch.yaml",
        case,
        &StytchDouble::target(&good.uri()),
        true,
    )
    .await;
    assert_eq!(r.verdict, Verdict::Pass, "{}", explain(&r));
    check_stytch(
        case,
        StytchBreak::JwksWrongRateLimitType,
        "$.error_type != 'too_many_requests'",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn jwt_kid_not_in_jwks_fails() {
    check_stytch(
        "authenticate JWT kid is in the JWKS and lives 5 minutes",
        StytchBreak::KidNotInJwks,
        "(jwt header) $.kid",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn jwt_signed_with_another_key_fails() {
    // The kid names the JWKS key, every claim is right: only the signature is wrong.
    check_stytch(
        "authenticate JWT kid is in the JWKS and lives 5 minutes",
        StytchBreak::ForgedSignature,
        "the signature does not verify with JWKS key",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn jwt_living_an_hour_fails() {
    check_stytch(
        "authenticate JWT kid is in the JWKS and lives 5 minutes",
        StytchBreak::LongJwt,
        "$.iat+300s",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn authenticate_with_token_and_jwt_accepted_fails() {
    check_stytch(
        "authenticate with token and JWT is 4xx too_many_session_arguments",
        StytchBreak::BothArgsAccepted,
        "expected status 4xx",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn session_duration_below_minimum_accepted_fails() {
    check_stytch(
        "authenticate session_duration_minutes below 5 is 4xx",
        StytchBreak::DurationUnchecked,
        "expected status 4xx",
    )
    .await;
    check_stytch(
        "authenticate session_duration_minutes above 527040 is 4xx",
        StytchBreak::DurationUnchecked,
        "expected status 4xx",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn revoke_that_keeps_the_token_valid_fails() {
    check_stytch(
        "revoke by session_token then authenticate is 404",
        StytchBreak::RevokeNoop,
        "expected status 404",
    )
    .await;
    check_stytch(
        "revoke by session_jwt then authenticate is 404",
        StytchBreak::RevokeNoop,
        "expected status 404",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limit_with_other_error_type_fails() {
    check_stytch(
        "list 429 too_many_requests",
        StytchBreak::WrongRateLimitType,
        "$.error_type",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn timestamps_out_of_order_fail() {
    check_stytch(
        "list timestamps in order",
        StytchBreak::TimestampsOutOfOrder,
        "last_accessed_at",
    )
    .await;
}

// ------------------------------------------------------------------ Stytch B2B

#[tokio::test(flavor = "multi_thread")]
async fn b2b_session_of_another_organization_listed_fails() {
    check_b2b(
        "list sessions belong to the queried member and organization",
        B2bBreak::ListsForeignOrganization,
        "organization_id",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn b2b_slug_listing_fewer_sessions_fails() {
    check_b2b(
        "list by organization_slug returns the same sessions as organization_id",
        B2bBreak::SlugSubset,
        "expected one of",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn b2b_authorization_check_for_another_organization_accepted_fails() {
    check_b2b(
        "authenticate authorization_check for another organization is 403",
        B2bBreak::IgnoresAuthorizationOrganization,
        "expected status 403",
    )
    .await;
}

// ------------------------------------------------------------------ Clerk

#[tokio::test(flavor = "multi_thread")]
async fn clerk_list_oldest_first_fails() {
    check_clerk(
        "list newest first",
        ClerkBreak::OldestFirst,
        "descending order",
    )
    .await;
    check_clerk(
        "list newest first includes sessions just created",
        ClerkBreak::OldestFirst,
        "descending order",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn clerk_429_without_retry_after_fails() {
    check_clerk(
        "list 429 with Retry-After",
        ClerkBreak::NoRetryAfter,
        "retry-after",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn clerk_total_count_below_page_size_fails() {
    check_clerk(
        "list paginated shape",
        ClerkBreak::TotalCountTooSmall,
        "total_count",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn clerk_revoke_not_reflected_by_get_fails() {
    check_clerk(
        "revoke then get reflects revoked",
        ClerkBreak::RevokeNotPersisted,
        "\"revoked\"",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn clerk_404_with_other_code_fails() {
    check_clerk(
        "get unknown session is 404 resource_not_found",
        ClerkBreak::NotFoundCode,
        "resource_not_found",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn clerk_verify_on_new_api_version_fails() {
    check_clerk(
        "verify is gone on 2025-04-10",
        ClerkBreak::VerifyOnNewVersion,
        "expected status 4xx",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn clerk_non_clerk_errors_401_body_fails_on_every_endpoint() {
    for case in [
        "list 401 without and with wrong credentials",
        "get 401 without and with wrong credentials",
        "create 401 without and with wrong credentials",
        "revoke 401 without and with wrong credentials",
        "tokens 401 without and with wrong credentials",
        "template token 401 without and with wrong credentials",
        "verify 401 without and with wrong credentials",
        "jwks 401 without and with wrong credentials",
    ] {
        check_clerk(
            case,
            ClerkBreak::Wrong401Body,
            "\"errors\" is a required property",
        )
        .await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn clerk_status_filter_ignored_fails() {
    check_clerk(
        "list by status active returns only active sessions",
        ClerkBreak::StatusFilterIgnored,
        ".status",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn clerk_limit_above_500_accepted_fails() {
    check_clerk(
        "list limit 501 is rejected",
        ClerkBreak::LimitUnbounded,
        "expected status 400 or 422",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn clerk_token_that_is_not_a_compact_jws_fails() {
    check_clerk(
        "tokens 200 compact JWS signed with a JWKS key",
        ClerkBreak::TokenNotJws,
        "jwt",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn clerk_seconds_timestamps_warn_and_fail_only_under_strict() {
    let case = "list timestamps";
    let s = serve(ClerkDouble::new(ClerkBreak::SecondsTimestamps)).await;
    let target = ClerkDouble::target(&s.uri());
    let lenient = verdict("clerk.yaml", case, &target, false).await;
    assert_eq!(lenient.verdict, Verdict::Pass, "{}", explain(&lenient));
    assert!(
        lenient
            .warnings()
            .any(|f| f.message.contains("1000000000000")
                || f.path
                    .as_deref()
                    .is_some_and(|p| p.contains("1000000000000"))),
        "milliseconds warning expected: {}",
        explain(&lenient)
    );
    let strict = verdict("clerk.yaml", case, &target, true).await;
    assert_eq!(strict.verdict, Verdict::Fail, "{}", explain(&strict));
    let good = serve(ClerkDouble::new(ClerkBreak::None)).await;
    let r = verdict("clerk.yaml", case, &ClerkDouble::target(&good.uri()), true).await;
    assert_eq!(
        r.verdict,
        Verdict::Pass,
        "conformant double, strict: {}",
        explain(&r)
    );
    assert_eq!(r.warnings().count(), 0, "{}", explain(&r));
}
