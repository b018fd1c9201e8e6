//! `explore` against the reference server: each fault it can observe — the five added for it,
//! which the built-in suites miss, and the older ones — is found with the default seed and
//! budget and shrunk to at most four operations; the written case fails the same way under
//! `sessconform run`; the unfaulted server gives no false alarm.

#![cfg(feature = "server")]

use std::path::Path;
use std::process::Command;
use std::sync::Arc;

use sessconform::engine::Cancel;
use sessconform::explore::{self, Budget, Exploration, ExploreApi, ExploreConfig};
use sessconform::schema::SchemaStore;
use sessconform::server::{Fault, RunningServer, ServerOptions, start};
use sessconform::target::parse_target;

async fn server(faults: &[Fault]) -> RunningServer {
    start(ServerOptions {
        faults: faults.iter().copied().collect(),
        ..ServerOptions::default()
    })
    .await
    .unwrap()
}

async fn explore_with(server: &RunningServer, cfg: ExploreConfig) -> Exploration {
    let target = parse_target("t", &server.target_yaml(), &Default::default()).unwrap();
    let schemas = Arc::new(SchemaStore::builtin().unwrap());
    explore::explore(&target, schemas, &cfg, &Cancel::default(), &mut |_| {})
        .await
        .unwrap()
}

/// The defaults of the command line against the embedded server: seed 1, 60 s, mutating.
fn defaults() -> ExploreConfig {
    ExploreConfig {
        allow_mutating: true,
        ..ExploreConfig::default()
    }
}

/// The command line's defaults for another API.
fn defaults_for(api: ExploreApi) -> ExploreConfig {
    ExploreConfig { api, ..defaults() }
}

/// `sessconform ARGS` in a blocking thread (the server runs on this test's runtime).
async fn bin(args: Vec<String>) -> (i32, String) {
    tokio::task::spawn_blocking(move || {
        let out = Command::new(env!("CARGO_BIN_EXE_sessconform"))
            .args(&args)
            .env_remove("SESSCONFORM_TARGET")
            .env_remove("SESSCONFORM_BASE_URL")
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let text = format!(
            "{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.code().unwrap_or(-1), text)
    })
    .await
    .unwrap()
}

fn s(p: &Path) -> String {
    p.display().to_string()
}

/// The whole proof for one fault: the suites miss it (when `suites_miss`), explore finds it
/// and shrinks it to ≤ 4 operations failing at `op`, and the written case fails the same way.
async fn finds(fault: Fault, op: &str, suites_miss: bool) {
    finds_in(ExploreApi::Stytch, fault, op, suites_miss).await;
}

/// [`finds`] for any API.
async fn finds_in(api: ExploreApi, fault: Fault, op: &str, suites_miss: bool) {
    let srv = server(&[fault]).await;
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("target.yaml");
    std::fs::write(&target, srv.target_yaml()).unwrap();
    if suites_miss {
        let (code, out) = bin(vec!["run".into(), "--target".into(), s(&target)]).await;
        assert_eq!(code, 0, "the built-in suites should miss {fault}:\n{out}");
    }
    let e = explore_with(&srv, defaults_for(api)).await;
    assert_eq!(e.failures.len(), 1, "{fault}: {e:?}");
    let f = &e.failures[0];
    assert!(f.ops.len() <= 4, "{fault}: {:?}", f.ops);
    assert_eq!(f.signature.op, op, "{fault}: {}", f.signature);
    eprintln!(
        "{fault}: found after {:.2} s, {} → {} operations in {} shrink runs ({:.2} s): {}",
        f.found_after.as_secs_f64(),
        f.original_len,
        f.ops.len(),
        f.shrink_runs,
        f.shrink_time.as_secs_f64(),
        f.ops
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(" → ")
    );
    let case = dir.path().join("found.yaml");
    std::fs::write(&case, &f.yaml).unwrap();
    let (code, out) = bin(vec!["run".into(), s(&case), "--target".into(), s(&target)]).await;
    assert_eq!(code, 1, "the written case must fail:\n{out}\n{}", f.yaml);
    // Tokens and JWTs, also ones the model did not expect (a token for a revoked session),
    // are redacted like every other secret: no JWT (`eyJ…` header) in the output.
    let json = format!("{:?}", f.result.exchanges);
    assert!(
        !out.contains("eyJ") && !json.contains("eyJ"),
        "a JWT leaked:\n{out}"
    );
    assert!(
        out.contains(&f.signature.check),
        "the written case must fail the same way ({}):\n{out}",
        f.signature.check
    );
    srv.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finds_duration_off_by_one() {
    finds(Fault::DurationOffByOne, "authenticate token", true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finds_jwt_ignores_duration() {
    finds(Fault::JwtIgnoresDuration, "authenticate jwt", true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finds_revive_on_extend() {
    finds(Fault::ReviveOnExtend, "authenticate token", true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finds_revoke_used_token_noop() {
    finds(Fault::RevokeUsedTokenNoop, "list", true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finds_list_stale_access() {
    finds(Fault::ListStaleAccess, "list", true).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn finds_the_older_faults_it_can_observe() {
    for (fault, op) in [
        (Fault::ListRevoked, "list"),
        (Fault::RevokeNoop, "authenticate token"),
        (Fault::LenientAuth, "list wrong secret"),
        (Fault::StytchLongJwt, "authenticate token"),
    ] {
        let srv = server(&[fault]).await;
        let e = explore_with(&srv, defaults()).await;
        assert_eq!(e.failures.len(), 1, "{fault}: {e:?}");
        let f = &e.failures[0];
        assert!(f.ops.len() <= 4, "{fault}: {:?}", f.ops);
        assert!(
            f.signature.op.starts_with(op.split(' ').next().unwrap()),
            "{fault}: {}",
            f.signature
        );
        eprintln!(
            "{fault}: {} after {:.2} s, {} operations",
            f.signature,
            f.found_after.as_secs_f64(),
            f.ops.len()
        );
        srv.shutdown().await;
    }
    // Error bodies with status_code 200: any invalid input shows it.
    let srv = server(&[Fault::StytchStatusCodeMismatch]).await;
    let e = explore_with(&srv, defaults()).await;
    assert_eq!(e.failures.len(), 1, "{e:?}");
    assert!(e.failures[0].ops.len() <= 4);
    assert!(
        e.failures[0].signature.check.contains("status_code"),
        "{}",
        e.failures[0].signature
    );
    srv.shutdown().await;
}

/// An older fault, seen by another API's model: found with the default seed and budget,
/// shrunk to ≤ 4 operations, failing a check whose note or path contains `check`.
async fn observes(api: ExploreApi, fault: Fault, check: &str) {
    let srv = server(&[fault]).await;
    let e = explore_with(&srv, defaults_for(api)).await;
    assert_eq!(e.failures.len(), 1, "{} {fault}: {e:?}", api.name());
    let f = &e.failures[0];
    assert!(f.ops.len() <= 4, "{fault}: {:?}", f.ops);
    assert!(
        f.signature.check.contains(check),
        "{} {fault}: {}",
        api.name(),
        f.signature
    );
    eprintln!(
        "{} {fault}: {} after {:.2} s, {} → {} operations ({} shrink runs): {}",
        api.name(),
        f.signature,
        f.found_after.as_secs_f64(),
        f.original_len,
        f.ops.len(),
        f.shrink_runs,
        f.ops.join(" → ")
    );
    srv.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clerk_finds_clerk_total_count_offset() {
    finds_in(
        ExploreApi::Clerk,
        Fault::ClerkTotalCountOffset,
        "list sandbox user",
        true,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clerk_finds_clerk_token_after_revoke() {
    finds_in(
        ExploreApi::Clerk,
        Fault::ClerkTokenAfterRevoke,
        "template token",
        true,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn b2b_finds_b2b_revoke_member_first_only() {
    finds_in(
        ExploreApi::StytchB2b,
        Fault::B2bRevokeMemberFirstOnly,
        "list",
        true,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn b2b_finds_b2b_exchange_keeps_organization() {
    finds_in(
        ExploreApi::StytchB2b,
        Fault::B2bExchangeKeepsOrganization,
        "exchange",
        true,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clerk_observes_the_older_faults() {
    for (fault, check) in [
        (Fault::ClerkListUnsorted, "newest first"),
        (Fault::ClerkSecondsTimestamps, "milliseconds"),
        (Fault::RevokeNoop, "revoked"),
        (Fault::LenientAuth, "status"),
        (Fault::NoRetryAfter, "retry-after"),
    ] {
        observes(ExploreApi::Clerk, fault, check).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn b2b_observes_the_older_faults() {
    for (fault, check) in [
        (Fault::ListRevoked, "revoked session is not listed"),
        (Fault::RevokeNoop, "revoked session is not listed"),
        (Fault::StytchLongJwt, "5 minutes"),
        (Fault::StytchStatusCodeMismatch, "status_code"),
        (Fault::LenientAuth, "status"),
    ] {
        observes(ExploreApi::StytchB2b, fault, check).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_false_alarm_on_the_unfaulted_server_for_clerk_and_b2b() {
    let srv = server(&[]).await;
    for api in [ExploreApi::Clerk, ExploreApi::StytchB2b] {
        for seed in 1..=3 {
            let e = explore_with(
                &srv,
                ExploreConfig {
                    seed,
                    budget: Budget::Requests(250),
                    ..defaults_for(api)
                },
            )
            .await;
            assert!(
                e.failures.is_empty(),
                "{} seed {seed}: {:?}",
                api.name(),
                e.failures.first().map(|f| (&f.signature, &f.yaml))
            );
            assert!(e.passed > 10, "{} seed {seed}: {e:?}", api.name());
            assert!(
                e.not_run.is_empty(),
                "{} seed {seed}: {:?}",
                api.name(),
                e.not_run
            );
            assert_eq!(e.unconfirmed, 0);
        }
    }
    srv.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_false_alarm_on_the_unfaulted_server() {
    let srv = server(&[]).await;
    for seed in 1..=4 {
        let e = explore_with(
            &srv,
            ExploreConfig {
                seed,
                budget: Budget::Requests(250),
                ..defaults()
            },
        )
        .await;
        assert!(
            e.failures.is_empty(),
            "seed {seed}: {:?}",
            e.failures.first().map(|f| (&f.signature, &f.yaml))
        );
        assert!(e.passed > 10, "seed {seed}: {e:?}");
        assert!(e.not_run.is_empty(), "seed {seed}: {:?}", e.not_run);
        assert_eq!(e.unconfirmed, 0);
    }
    srv.shutdown().await;
}

/// Active sessions of the user the explorer mints for, straight from the server.
async fn explored_user_sessions(target: &sessconform::target::Target) -> usize {
    let api = target.api("stytch").unwrap();
    let user = api
        .vars
        .get("other_user_id")
        .or_else(|| target.vars.get("other_user_id"))
        .and_then(|v| v.as_str())
        .unwrap()
        .to_owned();
    let mut req = reqwest::Client::new()
        .get(api.base_url.join("v1/sessions").unwrap())
        .query(&[("user_id", user)]);
    if let sessconform::target::Credentials::Basic { username, password } = &api.auth {
        req = req.basic_auth(&username.value, Some(&password.value));
    }
    let text = req.send().await.unwrap().text().await.unwrap();
    let body: serde_json::Value = serde_json::from_str(&text).unwrap();
    body["sessions"].as_array().unwrap().len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_exploration_leaves_no_session_behind() {
    let srv = server(&[]).await;
    let target = parse_target("t", &srv.target_yaml(), &Default::default()).unwrap();
    let before = explored_user_sessions(&target).await;
    let schemas = Arc::new(SchemaStore::builtin().unwrap());
    let cfg = ExploreConfig {
        budget: Budget::Time(std::time::Duration::from_secs(30)),
        ..defaults()
    };
    let cancel = Cancel::default();
    let stop = cancel.clone();
    // Ctrl-C a few milliseconds into the fourth sequence, while its steps are in flight.
    let mut on_progress = move |p: &explore::Progress| {
        if p.sequences == 3 {
            let stop = stop.clone();
            tokio::spawn(async move {
                tokio::time::sleep(std::time::Duration::from_millis(3)).await;
                stop.cancel();
            });
        }
    };
    let e = explore::explore(&target, schemas, &cfg, &cancel, &mut on_progress)
        .await
        .unwrap();
    assert!(e.interrupted, "{e:?}");
    assert!(e.elapsed < std::time::Duration::from_secs(10), "{e:?}");
    assert!(e.sequences >= 3 && e.failures.is_empty(), "{e:?}");
    assert_eq!(
        explored_user_sessions(&target).await,
        before,
        "every minted session is revoked"
    );
    srv.shutdown().await;
}

/// Newest first across pages: the first page of the fixture user (limit 1) and the next one
/// each hold one session, so only the cross-page check can see `clerk-list-unsorted`; the same
/// sequence passes on the unfaulted server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clerk_orders_across_pages() {
    use sessconform::explore::clerk::model::Model;
    use sessconform::explore::clerk::ops::{ListOf, Op, Page};
    let page = |offset| Op::List {
        of: ListOf::Sandbox,
        status: None,
        page: Page {
            limit: Some(1),
            offset,
            paginated: false,
        },
    };
    let ops = [page(None), page(Some(1))];
    let yaml = explore::to_case::suite_yaml::<Model>("pages", "two pages", &ops);
    assert!(yaml.contains("page_last"), "{yaml}");
    for (faults, want) in [(vec![Fault::ClerkListUnsorted], 1), (vec![], 0)] {
        let srv = server(&faults).await;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("target.yaml");
        std::fs::write(&target, srv.target_yaml()).unwrap();
        let case = dir.path().join("pages.yaml");
        std::fs::write(&case, &yaml).unwrap();
        let (code, out) = bin(vec!["run".into(), s(&case), "--target".into(), s(&target)]).await;
        assert_eq!(code, want, "{faults:?}:\n{out}");
        if want == 1 {
            assert!(out.contains("newest first across pages"), "{out}");
        }
        srv.shutdown().await;
    }
}

/// The B2B part of a target file whose `stytch-b2b` API has no `mint_path` but its own mint
/// recipe: a password login of the second member, as against a real Stytch project.
fn with_b2b_recipe(served: &str) -> String {
    const RECIPE: &str = r#"    mint:
      - name: password login of the second test member
        request:
          method: POST
          path: /v1/b2b/passwords/authenticate
          json:
            organization_id: "${vars.organization_id}"
            email_address: "otto.colleague@sessconform.example"
            password: "sessconform-Test-passw0rd"
            session_duration_minutes: 60
        expect: {status: 200}
        capture:
          token: {path: $.session_token, secret: true}
          jwt: {path: $.session_jwt, secret: true}
          member_session_id: $.member_session.member_session_id
"#;
    let mut out = String::new();
    for line in served.lines() {
        if line.trim_start().starts_with("mint_path:") {
            continue;
        }
        if line == "  clerk:" {
            out.push_str(RECIPE);
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// Without `mint_path`, mutating exploration mints through the target's own recipe (one
/// `mint: true` step per sequence); the written case carries the suite's default recipe and
/// fails the same way under `run` with the target's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn b2b_explores_through_the_targets_mint_recipe() {
    for (faults, found) in [(vec![Fault::StytchLongJwt], true), (vec![], false)] {
        let srv = server(&faults).await;
        let yaml = with_b2b_recipe(&srv.target_yaml());
        assert!(!yaml.contains("/__sessconform/b2b/sessions"), "{yaml}");
        let dir = tempfile::tempdir().unwrap();
        let target_file = dir.path().join("target.yaml");
        std::fs::write(&target_file, &yaml).unwrap();
        let target = parse_target("t", &yaml, &Default::default()).unwrap();
        let schemas = Arc::new(SchemaStore::builtin().unwrap());
        let cfg = ExploreConfig {
            budget: Budget::Requests(300),
            ..defaults_for(ExploreApi::StytchB2b)
        };
        let e = explore::explore(&target, schemas, &cfg, &Cancel::default(), &mut |_| {})
            .await
            .unwrap();
        if !found {
            assert!(
                e.failures.is_empty(),
                "{:?}",
                e.failures.first().map(|f| &f.yaml)
            );
            assert!(e.passed > 10, "{e:?}");
            srv.shutdown().await;
            continue;
        }
        assert_eq!(e.failures.len(), 1, "{e:?}");
        let f = &e.failures[0];
        assert_eq!(f.ops[0], "mint (recipe)", "{:?}", f.ops);
        assert!(f.ops.len() <= 4, "{:?}", f.ops);
        assert!(f.yaml.contains("mint: true"), "{}", f.yaml);
        let case = dir.path().join("found.yaml");
        std::fs::write(&case, &f.yaml).unwrap();
        let (code, out) = bin(vec![
            "run".into(),
            s(&case),
            "--target".into(),
            s(&target_file),
        ])
        .await;
        assert_eq!(code, 1, "{out}\n{}", f.yaml);
        assert!(out.contains(&f.signature.check), "{out}");
        assert!(
            out.contains("/v1/b2b/passwords/authenticate"),
            "the target's recipe ran: {out}"
        );
        srv.shutdown().await;
    }
}
