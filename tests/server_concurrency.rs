//! Hundreds of concurrent requests (mint, revoke, list, authenticate, Clerk
//! create/revoke/tokens) neither deadlock nor leave inconsistent state.

#![cfg(feature = "server")]

mod server_support;

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use reqwest::Method;
use serde_json::json;
use server_support::*;

const WORKERS: usize = 240;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn hundreds_in_flight_keep_state_consistent() {
    let h = Arc::new(harness().await);
    let mut tasks = Vec::new();
    for i in 0..WORKERS {
        let h = h.clone();
        tasks.push(tokio::spawn(async move {
            match i % 3 {
                // Stytch consumer: mint, maybe revoke, authenticate, list.
                0 => {
                    let (id, token, jwt) = h.mint(json!({})).await;
                    let revoke = i % 2 == 0;
                    if revoke {
                        let r = h
                            .stytch(
                                Method::POST,
                                "/v1/sessions/revoke",
                                Some(json!({"session_jwt": jwt})),
                            )
                            .await;
                        assert_stytch_ok(&r);
                    }
                    let r = h
                        .stytch(
                            Method::POST,
                            "/v1/sessions/authenticate",
                            Some(json!({"session_token": token, "session_duration_minutes": 30})),
                        )
                        .await;
                    assert_eq!(r.status, if revoke { 404 } else { 200 }, "{}", r.text);
                    let list = h
                        .stytch(
                            Method::GET,
                            &format!("/v1/sessions?user_id={}", h.sv("user_id")),
                            None,
                        )
                        .await;
                    assert_stytch_ok(&list);
                    ('s', id, revoke)
                }
                // Stytch B2B: mint for the other member, maybe revoke by id.
                1 => {
                    let (id, token, _) = h
                        .mint_b2b(json!({"member_id": h.bv("other_member_id")}))
                        .await;
                    let revoke = i % 2 == 0;
                    if revoke {
                        let r = h
                            .b2b(
                                Method::POST,
                                "/v1/b2b/sessions/revoke",
                                Some(json!({"member_session_id": id})),
                            )
                            .await;
                        assert_stytch_ok(&r);
                    }
                    let r = h
                        .b2b(
                            Method::POST,
                            "/v1/b2b/sessions/authenticate",
                            Some(json!({"session_token": token})),
                        )
                        .await;
                    assert_eq!(r.status, if revoke { 404 } else { 200 }, "{}", r.text);
                    ('b', id, revoke)
                }
                // Clerk: create, token, maybe revoke, list.
                _ => {
                    let c = h
                        .clerk(
                            Method::POST,
                            "/sessions",
                            Some(json!({"user_id": h.cv("other_user_id")})),
                        )
                        .await;
                    assert_eq!(c.status, 200, "{}", c.text);
                    let id = c.json["id"].as_str().unwrap().to_owned();
                    let t = h
                        .clerk(Method::POST, &format!("/sessions/{id}/tokens"), None)
                        .await;
                    assert_eq!(t.status, 200, "{}", t.text);
                    let revoke = i % 2 == 0;
                    if revoke {
                        let r = h
                            .clerk(Method::POST, &format!("/sessions/{id}/revoke"), None)
                            .await;
                        assert_eq!(r.json["status"], "revoked");
                    }
                    let l = h
                        .clerk(
                            Method::GET,
                            &format!("/sessions?user_id={}&limit=5", h.cv("other_user_id")),
                            None,
                        )
                        .await;
                    assert_eq!(l.status, 200);
                    ('c', id, revoke)
                }
            }
        }));
    }
    let all = tokio::time::timeout(Duration::from_secs(120), async {
        let mut out = Vec::new();
        for t in tasks {
            out.push(t.await.expect("worker panicked"));
        }
        out
    })
    .await
    .expect("requests finished (no deadlock)");
    assert_eq!(all.len(), WORKERS);

    // Stytch consumer: exactly the unrevoked minted sessions are listed.
    let list = h
        .stytch(
            Method::GET,
            &format!("/v1/sessions?user_id={}", h.sv("user_id")),
            None,
        )
        .await;
    let listed: BTreeSet<String> = list.json["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["session_id"].as_str().unwrap().to_owned())
        .collect();
    for (kind, id, revoked) in all.iter().filter(|r| r.0 == 's') {
        assert_eq!(*kind, 's');
        assert_eq!(listed.contains(id), !revoked, "{id}");
    }
    // B2B likewise.
    let list = h
        .b2b(
            Method::GET,
            &format!(
                "/v1/b2b/sessions?organization_id={}&member_id={}",
                h.bv("organization_id"),
                h.bv("other_member_id")
            ),
            None,
        )
        .await;
    let listed: BTreeSet<String> = list.json["member_sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["member_session_id"].as_str().unwrap().to_owned())
        .collect();
    for (_, id, revoked) in all.iter().filter(|r| r.0 == 'b') {
        assert_eq!(listed.contains(id), !revoked, "{id}");
    }
    // Clerk: every created session is present once, with the right status, newest first.
    let list = h
        .clerk(
            Method::GET,
            &format!(
                "/sessions?user_id={}&limit=500&paginated=true",
                h.cv("other_user_id")
            ),
            None,
        )
        .await;
    let data = list.json["data"].as_array().unwrap();
    assert_eq!(
        list.json["total_count"].as_u64().unwrap() as usize,
        data.len()
    );
    let created: Vec<i64> = data
        .iter()
        .map(|s| s["created_at"].as_i64().unwrap())
        .collect();
    assert!(
        created.windows(2).all(|w| w[0] > w[1]),
        "distinct, newest first"
    );
    for (_, id, revoked) in all.iter().filter(|r| r.0 == 'c') {
        let s = data
            .iter()
            .find(|s| s["id"] == id.as_str())
            .expect("created session listed");
        assert_eq!(s["status"], if *revoked { "revoked" } else { "active" });
    }
}
