//! Each `--fault` changes exactly the behaviour it names (compared with a clean server).

#![cfg(feature = "server")]

mod server_support;

use reqwest::Method;
use serde_json::json;
use server_support::*;
use sessconform::server::{Fault, ServerOptions};

async fn with(fault: Fault) -> Harness {
    harness_with(ServerOptions {
        faults: [fault].into_iter().collect(),
        ..ServerOptions::default()
    })
    .await
}

#[tokio::test]
async fn clerk_list_unsorted_returns_oldest_first() {
    let h = with(Fault::ClerkListUnsorted).await;
    let r = h
        .clerk(
            Method::GET,
            &format!("/sessions?user_id={}&limit=500", h.cv("user_id")),
            None,
        )
        .await;
    let created: Vec<i64> = r
        .json
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["created_at"].as_i64().unwrap())
        .collect();
    assert!(created.windows(2).all(|w| w[0] < w[1]), "{created:?}");
}

#[tokio::test]
async fn stytch_status_code_mismatch_only_touches_error_bodies() {
    let h = with(Fault::StytchStatusCodeMismatch).await;
    let r = h.stytch(Method::GET, "/v1/sessions", None).await;
    assert_eq!(r.status, 400);
    assert_eq!(r.json["status_code"], 200);
    assert_eq!(r.json["error_type"], "invalid_user_id");
    let ok = h
        .stytch(
            Method::GET,
            &format!("/v1/sessions?user_id={}", h.sv("user_id")),
            None,
        )
        .await;
    assert_stytch_ok(&ok);
}

#[tokio::test]
async fn lenient_auth_accepts_any_credentials() {
    let h = with(Fault::LenientAuth).await;
    let url = format!(
        "{}/v1/sessions?user_id={}",
        h.stytch.base_url,
        h.sv("user_id")
    );
    for auth in [Auth::None, Auth::Basic("x".into(), "y".into())] {
        assert_stytch_ok(&send(&h.client, Method::GET, &url, &auth, &[], None).await);
    }
    let url = format!("{}/sessions?user_id={}", h.clerk.base_url, h.cv("user_id"));
    for auth in [
        Auth::None,
        Auth::Bearer("sk_test_wrong".into()),
        Auth::Raw("garbage".into()),
    ] {
        assert_eq!(
            send(&h.client, Method::GET, &url, &auth, &[], None)
                .await
                .status,
            200
        );
    }
    // Other checks still apply.
    let r = h.stytch(Method::GET, "/v1/sessions", None).await;
    assert_stytch_error(&r, 400, "invalid_user_id");
}

#[tokio::test]
async fn list_revoked_lists_inactive_stytch_sessions() {
    let h = with(Fault::ListRevoked).await;
    let (id, token, _) = h.mint(json!({})).await;
    h.stytch(
        Method::POST,
        "/v1/sessions/revoke",
        Some(json!({"session_token": token})),
    )
    .await;
    let r = h
        .stytch(
            Method::GET,
            &format!("/v1/sessions?user_id={}", h.sv("user_id")),
            None,
        )
        .await;
    let listed: Vec<&str> = r.json["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["session_id"].as_str().unwrap())
        .collect();
    assert!(listed.contains(&id.as_str()));
    let now = time::OffsetDateTime::now_utc();
    assert!(
        r.json["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| ts(&s["expires_at"]) < now)
    );
    // Revocation itself still works.
    let again = h
        .stytch(
            Method::POST,
            "/v1/sessions/authenticate",
            Some(json!({"session_token": token})),
        )
        .await;
    assert_stytch_error(&again, 404, "session_not_found");
}

#[tokio::test]
async fn revoke_noop_answers_success_but_keeps_sessions_active() {
    let h = with(Fault::RevokeNoop).await;
    let (_, token, _) = h.mint(json!({})).await;
    assert_stytch_ok(
        &h.stytch(
            Method::POST,
            "/v1/sessions/revoke",
            Some(json!({"session_token": token})),
        )
        .await,
    );
    assert_stytch_ok(
        &h.stytch(
            Method::POST,
            "/v1/sessions/authenticate",
            Some(json!({"session_token": token})),
        )
        .await,
    );
    let (_, btoken, _) = h.mint_b2b(json!({})).await;
    assert_stytch_ok(
        &h.b2b(
            Method::POST,
            "/v1/b2b/sessions/revoke",
            Some(json!({"member_id": h.bv("member_id")})),
        )
        .await,
    );
    assert_stytch_ok(
        &h.b2b(
            Method::POST,
            "/v1/b2b/sessions/authenticate",
            Some(json!({"session_token": btoken})),
        )
        .await,
    );
    let created = h
        .clerk(
            Method::POST,
            "/sessions",
            Some(json!({"user_id": h.cv("user_id")})),
        )
        .await;
    let id = created.json["id"].as_str().unwrap();
    let revoked = h
        .clerk(Method::POST, &format!("/sessions/{id}/revoke"), None)
        .await;
    assert_eq!(revoked.json["status"], "revoked");
    let got = h.clerk(Method::GET, &format!("/sessions/{id}"), None).await;
    assert_eq!(got.json["status"], "active");
}

#[tokio::test]
async fn clerk_seconds_timestamps() {
    let h = with(Fault::ClerkSecondsTimestamps).await;
    let r = h
        .clerk(
            Method::GET,
            &format!("/sessions?user_id={}", h.cv("user_id")),
            None,
        )
        .await;
    for s in r.json.as_array().unwrap() {
        let c = s["created_at"].as_i64().unwrap();
        assert!(c < 10_000_000_000, "seconds expected: {c}");
    }
}

#[tokio::test]
async fn stytch_long_jwt_lives_an_hour() {
    let h = with(Fault::StytchLongJwt).await;
    let (_, _, jwt) = h.mint(json!({})).await;
    let project = h.sv("project_id");
    let claims = verify_jwt(
        &h.client,
        &format!("{}/v1/sessions/jwks/{project}", h.stytch.base_url),
        &h.stytch_auth(),
        &jwt,
        Some(&project),
    )
    .await;
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        3600
    );
}

#[tokio::test]
async fn no_retry_after_drops_the_header_only() {
    let h = with(Fault::NoRetryAfter).await;
    let auth = Auth::Basic(h.sv("throttled_username"), h.sv("throttled_password"));
    let url = format!(
        "{}/v1/sessions?user_id={}",
        h.stytch.base_url,
        h.sv("user_id")
    );
    send(&h.client, Method::GET, &url, &auth, &[], None).await;
    let r = send(&h.client, Method::GET, &url, &auth, &[], None).await;
    assert_stytch_error(&r, 429, "too_many_requests");
    assert!(r.header("retry-after").is_none());
}
