//! Reference server lifecycle: fast start, target file, summary, shutdown.

#![cfg(feature = "server")]

mod server_support;

use std::time::{Duration, Instant};

use reqwest::Method;
use server_support::*;
use sessconform::server::{Fault, ServerOptions, start};

#[tokio::test]
async fn starts_fast_on_a_free_loopback_port() {
    // Warm the once-per-process key parsing, then time a fresh start.
    start(ServerOptions::default())
        .await
        .unwrap()
        .shutdown()
        .await;
    let t = Instant::now();
    let server = start(ServerOptions::default()).await.unwrap();
    let elapsed = t.elapsed();
    assert!(server.addr().ip().is_loopback());
    assert_ne!(server.addr().port(), 0);
    assert!(
        elapsed < Duration::from_millis(500),
        "start took {elapsed:?}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn target_file_has_the_documented_shape_and_vars() {
    let h = harness().await;
    let t = &h.target;
    assert_eq!(t["name"], "reference");
    let port = h.server.addr().port();
    // Stytch lives at the host root, as the vendor's API and its SDKs expect.
    assert_eq!(h.stytch.base_url, format!("http://127.0.0.1:{port}"));
    assert_eq!(h.b2b.base_url, format!("http://127.0.0.1:{port}"));
    assert_eq!(h.server.base_url(), format!("http://127.0.0.1:{port}"));
    assert!(t.get("tls").is_none(), "no CA without TLS");
    assert_eq!(
        h.clerk.base_url,
        format!("http://127.0.0.1:{port}/clerk/v1")
    );
    assert!(
        h.stytch
            .basic
            .as_ref()
            .unwrap()
            .0
            .starts_with("project-test-")
    );
    assert!(
        h.stytch
            .basic
            .as_ref()
            .unwrap()
            .1
            .starts_with("secret-test-")
    );
    assert!(h.clerk.bearer.as_ref().unwrap().starts_with("sk_test_"));
    assert_eq!(
        t["apis"]["clerk"]["headers"]["Clerk-API-Version"],
        "2025-04-10"
    );
    let expect = |api: &Api, names: &[&str]| {
        for n in names {
            assert!(
                api.vars.get(*n).is_some_and(|v| !v.is_empty()),
                "missing var {n}"
            );
        }
        assert_eq!(api.vars.len(), names.len(), "{:?}", api.vars.keys());
    };
    expect(
        &h.stytch,
        &[
            "project_id",
            "user_id",
            "user_external_id",
            "other_user_id",
            "unknown_user_id",
            "session_token",
            "unknown_session_token",
            "mint_path",
            "throttled_username",
            "throttled_password",
        ],
    );
    expect(
        &h.b2b,
        &[
            "project_id",
            "organization_id",
            "organization_slug",
            "organization_external_id",
            "member_id",
            "member_external_id",
            "other_member_id",
            "other_organization_id",
            "exchange_organization_id",
            "unknown_member_id",
            "unknown_organization_id",
            "session_token",
            "mint_path",
            "throttled_username",
            "throttled_password",
        ],
    );
    expect(
        &h.clerk,
        &[
            "user_id",
            "other_user_id",
            "client_id",
            "unknown_user_id",
            "unknown_session_id",
            "template_name",
            "unknown_template_name",
            "throttled_secret_key",
        ],
    );
    assert_eq!(
        h.sv("user_id"),
        "user-test-e3795c81-f849-4167-bfda-e4a6e9c280fd"
    );
    assert_eq!(
        h.sv("session_token"),
        "WJtR5BCy38Szd5AfoDpf0iqFKEt4EE5JhjlWUY7l3FtY"
    );
    assert_eq!(
        h.sv("unknown_session_token"),
        "59cnLELtq5cFVS6uYK9f-pAWzBkhqZl8AvLhbhOvKNWw"
    );
    let secrets: Vec<&str> = t["secrets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert_eq!(secrets, ["throttled_password", "throttled_secret_key"]);
    // What to pass the official SDKs, in their own option names.
    let sdk = &t["sdk"];
    let base = format!("http://127.0.0.1:{port}");
    assert_eq!(sdk["stytch"]["custom_base_url"], base.as_str());
    assert_eq!(sdk["stytch"]["project_id"], h.sv("project_id").as_str());
    assert_eq!(
        sdk["stytch"]["secret"],
        h.stytch.basic.as_ref().unwrap().1.as_str()
    );
    assert_eq!(sdk["stytch-b2b"]["project_id"], h.bv("project_id").as_str());
    assert_eq!(sdk["clerk"]["apiUrl"], format!("{base}/clerk").as_str());
    assert_eq!(
        sdk["clerk"]["secretKey"],
        h.clerk.bearer.as_deref().unwrap()
    );
    h.server.shutdown().await;
}

#[tokio::test]
async fn stytch_is_also_served_under_the_old_stytch_prefix() {
    let h = harness().await;
    let path = format!("/v1/sessions?user_id={}", h.sv("user_id"));
    let root = h.stytch(Method::GET, &path, None).await;
    let old = send(
        &h.client,
        Method::GET,
        &format!("{}/stytch{path}", h.server.base_url()),
        &h.stytch_auth(),
        &[],
        None,
    )
    .await;
    assert_stytch_ok(&root);
    assert_stytch_ok(&old);
    assert_eq!(root.json["sessions"], old.json["sessions"]);
}

#[tokio::test]
async fn fixture_ids_are_deterministic_across_starts() {
    let a = harness().await;
    let b = harness().await;
    assert_eq!(a.stytch.vars, b.stytch.vars);
    assert_eq!(a.b2b.vars, b.b2b.vars);
    assert_eq!(a.clerk.vars, b.clerk.vars);
    assert_ne!(a.server.addr(), b.server.addr());
}

#[tokio::test]
async fn summary_lists_urls_credentials_ids_and_options() {
    let opts = ServerOptions {
        rate_limit: Some("100/10".parse().unwrap()),
        faults: [Fault::LenientAuth].into_iter().collect(),
        ..ServerOptions::default()
    };
    let h = harness_with(opts).await;
    let s = h.server.summary();
    let port = h.server.addr().port();
    for needle in [
        format!("Stytch (consumer)   http://127.0.0.1:{port}  "),
        format!("http://127.0.0.1:{port}/clerk/v1"),
        format!("apiUrl: \"http://127.0.0.1:{port}/clerk\""),
        "start with --tls".to_owned(),
        h.stytch.basic.clone().unwrap().1,
        h.clerk.bearer.clone().unwrap(),
        h.sv("user_id"),
        h.bv("organization_id"),
        h.cv("user_id"),
        "100/10".to_owned(),
        "lenient-auth".to_owned(),
    ] {
        assert!(s.contains(&needle), "summary lacks {needle}:\n{s}");
    }
}

#[tokio::test]
async fn shutdown_stops_listening_and_unknown_paths_are_404() {
    let h = harness().await;
    let root = format!("http://{}/nope", h.server.addr());
    let r = send(&h.client, Method::GET, &root, &Auth::None, &[], None).await;
    assert_stytch_error(&r, 404, "route_not_found");
    let addr = h.server.addr();
    h.server.shutdown().await;
    let fresh = reqwest::Client::builder().no_proxy().build().unwrap();
    let err = fresh.get(format!("http://{addr}/v1/sessions")).send().await;
    assert!(err.is_err(), "server still answers after shutdown");
}

#[tokio::test]
async fn bind_failure_is_an_error_not_a_panic() {
    let first = start(ServerOptions::default()).await.unwrap();
    let opts = ServerOptions {
        addr: first.addr(),
        ..ServerOptions::default()
    };
    let err = start(opts).await.unwrap_err();
    assert!(err.to_string().starts_with("failed to bind"), "{err}");
    first.shutdown().await;
}
