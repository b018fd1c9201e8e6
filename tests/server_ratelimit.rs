//! Per-credential rate limits: the always-on throttled credentials, the
//! `--rate-limit` budget of the main credentials, and Clerk's exempt `/jwks`.

#![cfg(feature = "server")]

mod server_support;

use std::time::Duration;

use reqwest::Method;
use server_support::*;
use sessconform::server::{RateLimit, ServerOptions};

fn retry_after(r: &Resp) -> u64 {
    r.header("retry-after")
        .expect("Retry-After header")
        .parse()
        .expect("integer seconds")
}

#[tokio::test]
async fn throttled_stytch_credentials_allow_one_request_per_minute() {
    let h = harness().await;
    for (api, path) in [
        (
            &h.stytch,
            format!("/v1/sessions?user_id={}", h.sv("user_id")),
        ),
        (
            &h.b2b,
            format!(
                "/v1/b2b/sessions?organization_id={}&member_id={}",
                h.bv("organization_id"),
                h.bv("member_id")
            ),
        ),
    ] {
        let auth = Auth::Basic(
            api.vars["throttled_username"].clone(),
            api.vars["throttled_password"].clone(),
        );
        let url = format!("{}{path}", api.base_url);
        let first = send(&h.client, Method::GET, &url, &auth, &[], None).await;
        assert_stytch_ok(&first);
        let second = send(&h.client, Method::GET, &url, &auth, &[], None).await;
        assert_stytch_error(&second, 429, "too_many_requests");
        let secs = retry_after(&second);
        assert!((1..=60).contains(&secs), "{secs}");
        // The main credentials of the same project are not affected.
        let main = send(
            &h.client,
            Method::GET,
            &url,
            &Auth::Basic(api.basic.clone().unwrap().0, api.basic.clone().unwrap().1),
            &[],
            None,
        )
        .await;
        assert_stytch_ok(&main);
    }
}

#[tokio::test]
async fn throttled_clerk_key_and_exempt_jwks() {
    let h = harness().await;
    let auth = Auth::Bearer(h.cv("throttled_secret_key"));
    let v = [("Clerk-API-Version", "2025-04-10")];
    let url = format!("{}/sessions?user_id={}", h.clerk.base_url, h.cv("user_id"));
    let first = send(&h.client, Method::GET, &url, &auth, &v, None).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let second = send(&h.client, Method::GET, &url, &auth, &v, None).await;
    assert_clerk_error(&second, 429, "too_many_requests");
    assert!((1..=60).contains(&retry_after(&second)));
    let jwks = format!("{}/jwks", h.clerk.base_url);
    for _ in 0..3 {
        let r = send(&h.client, Method::GET, &jwks, &auth, &v, None).await;
        assert_eq!(r.status, 200, "jwks must not be rate limited: {}", r.text);
    }
}

#[tokio::test]
async fn rate_limit_option_applies_per_main_credential_in_fixed_windows() {
    let opts = ServerOptions {
        rate_limit: Some(RateLimit {
            requests: 3,
            per: Duration::from_secs(3),
        }),
        ..ServerOptions::default()
    };
    let h = harness_with(opts).await;
    let path = format!("/v1/sessions?user_id={}", h.sv("user_id"));
    for _ in 0..3 {
        assert_stytch_ok(&h.stytch(Method::GET, &path, None).await);
    }
    let limited = h.stytch(Method::GET, &path, None).await;
    assert_stytch_error(&limited, 429, "too_many_requests");
    let wait = retry_after(&limited);
    assert!((1..=3).contains(&wait), "{wait}");
    // Other credentials have their own windows.
    let b2b = h
        .b2b(
            Method::GET,
            &format!(
                "/v1/b2b/sessions?organization_id={}&member_id={}",
                h.bv("organization_id"),
                h.bv("member_id")
            ),
            None,
        )
        .await;
    assert_stytch_ok(&b2b);
    for _ in 0..3 {
        assert_eq!(
            h.clerk(Method::GET, "/sessions?limit=1", None).await.status,
            200
        );
    }
    assert_clerk_error(
        &h.clerk(Method::GET, "/sessions?limit=1", None).await,
        429,
        "too_many_requests",
    );
    for _ in 0..5 {
        assert_eq!(h.clerk(Method::GET, "/jwks", None).await.status, 200);
    }
    // A new window starts after `per`.
    tokio::time::sleep(Duration::from_secs(wait) + Duration::from_millis(100)).await;
    assert_stytch_ok(&h.stytch(Method::GET, &path, None).await);
}

#[tokio::test]
async fn unauthenticated_requests_do_not_consume_a_budget() {
    let opts = ServerOptions {
        rate_limit: Some("1/60".parse().unwrap()),
        ..ServerOptions::default()
    };
    let h = harness_with(opts).await;
    let url = format!(
        "{}/v1/sessions?user_id={}",
        h.stytch.base_url,
        h.sv("user_id")
    );
    for _ in 0..3 {
        let r = send(&h.client, Method::GET, &url, &Auth::None, &[], None).await;
        assert_stytch_error(&r, 401, "unauthorized_credentials");
    }
    assert_stytch_ok(&send(&h.client, Method::GET, &url, &h.stytch_auth(), &[], None).await);
}
