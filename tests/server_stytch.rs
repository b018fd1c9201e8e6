//! Stytch consumer routes over real HTTP: listing, authenticate, revoke, JWKS,
//! errors, sandbox values and JWT signatures.

#![cfg(feature = "server")]

mod server_support;

use reqwest::Method;
use serde_json::{Value, json};
use server_support::*;

fn session_ids(r: &Resp) -> Vec<String> {
    r.json["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["session_id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn list_returns_only_active_sessions_of_the_user_with_valid_shapes() {
    let h = harness().await;
    let user = h.sv("user_id");
    let r = h
        .stytch(Method::GET, &format!("/v1/sessions?user_id={user}"), None)
        .await;
    assert_stytch_ok(&r);
    let sessions = r.json["sessions"].as_array().unwrap();
    assert!(sessions.len() >= 5, "{}", r.text);
    let now = time::OffsetDateTime::now_utc();
    for s in sessions {
        assert_eq!(s["user_id"], user.as_str());
        assert!(
            s["session_id"]
                .as_str()
                .unwrap()
                .starts_with("session-test-")
        );
        assert!(s["roles"].is_array());
        let (started, last, expires) = (
            ts(&s["started_at"]),
            ts(&s["last_accessed_at"]),
            ts(&s["expires_at"]),
        );
        assert!(started <= last && last < expires, "{s}");
        assert!(expires > now, "expired session listed: {s}");
        let factors = s["authentication_factors"].as_array().unwrap();
        assert!(!factors.is_empty());
        for f in factors {
            assert!(f["type"].is_string() && f["delivery_method"].is_string());
            let objects = f
                .as_object()
                .unwrap()
                .keys()
                .filter(|k| k.ends_with("_factor"))
                .count();
            assert!(objects <= 1, "{f}");
        }
    }
    // The sandbox session is one of them.
    assert!(
        sessions
            .iter()
            .any(|s| s["started_at"] == "2021-08-28T00:41:58.935673Z")
    );

    // The external id lists the same sessions.
    let ext = h
        .stytch(
            Method::GET,
            &format!("/v1/sessions?user_id={}", h.sv("user_external_id")),
            None,
        )
        .await;
    assert_stytch_ok(&ext);
    let mut a = session_ids(&r);
    let mut b = session_ids(&ext);
    a.sort();
    b.sort();
    assert_eq!(a, b);

    // The other user's sessions are theirs.
    let other = h
        .stytch(
            Method::GET,
            &format!("/v1/sessions?user_id={}", h.sv("other_user_id")),
            None,
        )
        .await;
    assert_stytch_ok(&other);
    assert!(!other.json["sessions"].as_array().unwrap().is_empty());
    assert!(
        other.json["sessions"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["user_id"] == h.sv("other_user_id").as_str())
    );
    // Request ids are unique.
    assert_ne!(r.json["request_id"], ext.json["request_id"]);
}

#[tokio::test]
async fn every_factor_pair_appears_across_the_users_sessions() {
    let h = harness().await;
    let mut seen = std::collections::BTreeSet::new();
    let third = "user-test-9b1f4e2a-3c8d-4e6f-b7a5-0d2c6e8f1a43";
    for user in [h.sv("user_id"), h.sv("other_user_id"), third.to_owned()] {
        let r = h
            .stytch(Method::GET, &format!("/v1/sessions?user_id={user}"), None)
            .await;
        assert_stytch_ok(&r);
        for s in r.json["sessions"].as_array().unwrap() {
            for f in s["authentication_factors"].as_array().unwrap() {
                seen.insert(f["delivery_method"].as_str().unwrap().to_owned());
                for quirk in [
                    "git_lab_oauth_factor",
                    "linked_in_oauth_factor",
                    "tik_tok_oauth_factor",
                ] {
                    if f.get(quirk).is_some() {
                        seen.insert(quirk.to_owned());
                    }
                }
            }
        }
    }
    assert!(seen.len() >= 44 + 3, "{seen:?}");
}

#[tokio::test]
async fn list_errors() {
    let h = harness().await;
    let r = h.stytch(Method::GET, "/v1/sessions", None).await;
    assert_stytch_error(&r, 400, "invalid_user_id");
    let r = h.stytch(Method::GET, "/v1/sessions?user_id=", None).await;
    assert_stytch_error(&r, 400, "invalid_user_id");
    let r = h
        .stytch(
            Method::GET,
            &format!("/v1/sessions?user_id={}", h.sv("unknown_user_id")),
            None,
        )
        .await;
    assert_stytch_error(&r, 404, "user_not_found");
}

#[tokio::test]
async fn authentication_is_http_basic_with_the_project_secret() {
    let h = harness().await;
    let url = format!(
        "{}/v1/sessions?user_id={}",
        h.stytch.base_url,
        h.sv("user_id")
    );
    for auth in [
        Auth::None,
        Auth::Basic(h.sv("project_id"), "secret-test-wrong".into()),
        Auth::Basic(
            "project-test-nope".into(),
            h.stytch.basic.clone().unwrap().1,
        ),
        Auth::Raw("Basic not-base64!".into()),
        Auth::Bearer(h.stytch.basic.clone().unwrap().1),
    ] {
        let r = send(&h.client, Method::GET, &url, &auth, &[], None).await;
        assert_stytch_error(&r, 401, "unauthorized_credentials");
    }
    // The B2B project's credentials are refused on consumer endpoints.
    let r = send(&h.client, Method::GET, &url, &h.b2b_auth(), &[], None).await;
    assert_stytch_error(&r, 400, "invalid_consumer_endpoint");
}

#[tokio::test]
async fn sandbox_tokens_behave_as_documented() {
    let h = harness().await;
    let r = h
        .stytch(
            Method::POST,
            "/v1/sessions/authenticate",
            Some(json!({"session_token": h.sv("session_token")})),
        )
        .await;
    assert_stytch_ok(&r);
    assert_eq!(
        r.json["session"]["started_at"],
        "2021-08-28T00:41:58.935673Z"
    );
    assert_eq!(r.json["session"]["user_id"], h.sv("user_id").as_str());
    assert_eq!(r.json["user"]["user_id"], h.sv("user_id").as_str());
    assert_eq!(r.json["session_token"], h.sv("session_token").as_str());
    for k in [
        "user_id",
        "emails",
        "status",
        "phone_numbers",
        "webauthn_registrations",
        "providers",
        "totps",
        "crypto_wallets",
        "biometric_registrations",
        "is_locked",
        "roles",
    ] {
        assert!(r.json["user"].get(k).is_some(), "user lacks {k}");
    }
    let r = h
        .stytch(
            Method::POST,
            "/v1/sessions/authenticate",
            Some(json!({"session_token": h.sv("unknown_session_token")})),
        )
        .await;
    assert_stytch_error(&r, 404, "session_not_found");

    // Revoking the sandbox session answers 200 but never breaks it for others.
    let r = h
        .stytch(
            Method::POST,
            "/v1/sessions/revoke",
            Some(json!({"session_token": h.sv("session_token")})),
        )
        .await;
    assert_stytch_ok(&r);
    let r = h
        .stytch(
            Method::POST,
            "/v1/sessions/authenticate",
            Some(json!({"session_token": h.sv("session_token")})),
        )
        .await;
    assert_stytch_ok(&r);
}

#[tokio::test]
async fn authenticate_argument_errors() {
    let h = harness().await;
    let (_, token, jwt) = h.mint(json!({})).await;
    let cases = [
        (json!({}), 400, "no_session_arguments"),
        (json!({"session_token": ""}), 400, "no_session_arguments"),
        (
            json!({"session_token": token, "session_jwt": jwt}),
            400,
            "too_many_session_arguments",
        ),
        (
            json!({"session_token": token, "session_duration_minutes": 4}),
            400,
            "invalid_session_duration_minutes",
        ),
        (
            json!({"session_token": token, "session_duration_minutes": 527041}),
            400,
            "invalid_session_duration_minutes",
        ),
        (
            json!({"session_token": token, "session_duration_minutes": "60"}),
            400,
            "invalid_session_duration_minutes",
        ),
        (json!({"session_token": 42}), 400, "bad_request"),
        (
            json!({"session_token": token, "session_custom_claims": "x"}),
            400,
            "bad_request",
        ),
        (
            json!({"session_token": token, "session_custom_claims": {"https://stytch.com/x": 1}}),
            400,
            "stytch_claims_in_custom_claims",
        ),
        (
            json!({"session_token": token, "session_custom_claims": {"big": "x".repeat(5000)}}),
            400,
            "custom_claims_too_large",
        ),
        (
            json!({"session_jwt": "not.a.jwt"}),
            400,
            "unable_to_parse_session_jwt",
        ),
        (
            json!({"session_token": "no-such-token"}),
            404,
            "session_not_found",
        ),
        (
            json!({"session_token": token, "authorization_check": {"resource_id": "documents"}}),
            400,
            "bad_request",
        ),
        (
            json!({"session_token": token, "authorization_check": {"resource_id": "documents", "action": "delete"}}),
            403,
            "unauthorized_action",
        ),
    ];
    for (body, status, error_type) in cases {
        let r = h
            .stytch(
                Method::POST,
                "/v1/sessions/authenticate",
                Some(body.clone()),
            )
            .await;
        assert_stytch_error(&r, status, error_type);
    }
    // Not JSON at all.
    let url = format!("{}/v1/sessions/authenticate", h.stytch.base_url);
    let r = h
        .client
        .post(&url)
        .basic_auth(h.sv("project_id"), Some(h.stytch.basic.clone().unwrap().1))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // A B2B JWT is for another project.
    let (_, _, b2b_jwt) = h.mint_b2b(json!({})).await;
    let r = h
        .stytch(
            Method::POST,
            "/v1/sessions/authenticate",
            Some(json!({"session_jwt": b2b_jwt})),
        )
        .await;
    assert_stytch_error(&r, 400, "jwt_invalid_audience");
}

#[tokio::test]
async fn authenticate_extends_merges_claims_and_returns_a_verifiable_jwt() {
    let h = harness().await;
    let (id, token, _) = h.mint(json!({"session_duration_minutes": 10})).await;
    let r = h
        .stytch(
            Method::POST,
            "/v1/sessions/authenticate",
            Some(json!({
                "session_token": token,
                "session_duration_minutes": 120,
                "session_custom_claims": {"plan": "pro", "sub": "ignored", "n": 1},
            })),
        )
        .await;
    assert_stytch_ok(&r);
    let s = &r.json["session"];
    assert_eq!(s["session_id"], id.as_str());
    let (last, expires) = (ts(&s["last_accessed_at"]), ts(&s["expires_at"]));
    let lifetime = expires - last;
    assert!(
        lifetime >= time::Duration::minutes(119) && lifetime <= time::Duration::minutes(120),
        "{lifetime}"
    );
    assert_eq!(s["custom_claims"], json!({"plan": "pro", "n": 1}));

    // Null deletes a key; the change persists.
    let r2 = h
        .stytch(
            Method::POST,
            "/v1/sessions/authenticate",
            Some(json!({"session_token": token, "session_custom_claims": {"n": null}})),
        )
        .await;
    assert_eq!(r2.json["session"]["custom_claims"], json!({"plan": "pro"}));
    assert_eq!(
        r2.json["session"]["expires_at"], s["expires_at"],
        "no duration, no extension"
    );

    // The JWT verifies against the JWKS and carries Stytch's claims.
    let jwt = r2.json["session_jwt"].as_str().unwrap();
    let project = h.sv("project_id");
    let jwks_url = format!("{}/v1/sessions/jwks/{project}", h.stytch.base_url);
    let claims = verify_jwt(&h.client, &jwks_url, &h.stytch_auth(), jwt, Some(&project)).await;
    assert_eq!(claims["sub"], h.sv("user_id").as_str());
    assert_eq!(claims["aud"], json!([project]));
    assert_eq!(claims["iss"], format!("stytch.com/{project}").as_str());
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        300
    );
    assert_eq!(claims["nbf"], claims["iat"]);
    assert_eq!(claims["plan"], "pro");
    assert_eq!(claims["https://stytch.com/session"]["id"], id.as_str());
    assert!(claims.get("n").is_none());

    // The JWT authenticates too, and returns a fresh JWT.
    let r3 = h
        .stytch(
            Method::POST,
            "/v1/sessions/authenticate",
            Some(json!({"session_jwt": jwt})),
        )
        .await;
    assert_stytch_ok(&r3);
    assert_eq!(r3.json["session"]["session_id"], id.as_str());
    assert_eq!(r3.json["session_token"], token.as_str());
}

#[tokio::test]
async fn authorization_check_returns_a_verdict() {
    let h = harness().await;
    let (_, token, _) = h.mint(json!({})).await;
    let r = h
        .stytch(
            Method::POST,
            "/v1/sessions/authenticate",
            Some(json!({"session_token": token, "authorization_check": {"resource_id": "documents", "action": "write"}})),
        )
        .await;
    assert_stytch_ok(&r);
    assert_eq!(
        r.json["verdict"],
        json!({"authorized": true, "granting_roles": ["editor"]})
    );
}

#[tokio::test]
async fn revoke_by_each_identifier_then_list_and_authenticate_fail() {
    let h = harness().await;
    let user = h.sv("user_id");
    for field in ["session_id", "session_token", "session_jwt"] {
        let (id, token, jwt) = h.mint(json!({})).await;
        let value = match field {
            "session_id" => id.clone(),
            "session_token" => token.clone(),
            _ => jwt.clone(),
        };
        let listed = h
            .stytch(Method::GET, &format!("/v1/sessions?user_id={user}"), None)
            .await;
        assert!(session_ids(&listed).contains(&id));
        let r = h
            .stytch(
                Method::POST,
                "/v1/sessions/revoke",
                Some(json!({field: value})),
            )
            .await;
        assert_stytch_ok(&r);
        assert_eq!(r.json.as_object().unwrap().len(), 2, "{}", r.text);
        let listed = h
            .stytch(Method::GET, &format!("/v1/sessions?user_id={user}"), None)
            .await;
        assert!(
            !session_ids(&listed).contains(&id),
            "revoked session listed ({field})"
        );
        for body in [json!({"session_token": token}), json!({"session_jwt": jwt})] {
            let r = h
                .stytch(Method::POST, "/v1/sessions/authenticate", Some(body))
                .await;
            assert_stytch_error(&r, 404, "session_not_found");
        }
        let again = h
            .stytch(
                Method::POST,
                "/v1/sessions/revoke",
                Some(json!({"session_id": id})),
            )
            .await;
        assert_stytch_error(&again, 404, "session_not_found");
    }
}

#[tokio::test]
async fn revoke_errors() {
    let h = harness().await;
    let (id, token, _) = h.mint(json!({})).await;
    let cases = [
        (json!({}), 400, "no_session_revoke_arguments"),
        (
            json!({"session_id": id, "session_token": token}),
            400,
            "too_many_session_revoke_arguments",
        ),
        (json!({"session_id": "sess-123"}), 400, "invalid_session_id"),
        (
            json!({"session_id": "session-test-00000000-0000-4000-8000-000000000000"}),
            404,
            "session_not_found",
        ),
        (json!({"session_token": "nope"}), 404, "session_not_found"),
        (
            json!({"session_jwt": "nope"}),
            400,
            "unable_to_parse_session_jwt",
        ),
    ];
    for (body, status, error_type) in cases {
        let r = h
            .stytch(Method::POST, "/v1/sessions/revoke", Some(body))
            .await;
        assert_stytch_error(&r, status, error_type);
    }
}

#[tokio::test]
async fn jwks_has_every_required_member() {
    let h = harness().await;
    let r = h
        .stytch(
            Method::GET,
            &format!("/v1/sessions/jwks/{}", h.sv("project_id")),
            None,
        )
        .await;
    assert_stytch_ok(&r);
    let keys = r.json["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1);
    for k in [
        "kty", "use", "key_ops", "alg", "kid", "x5c", "x5tS256", "n", "e",
    ] {
        assert!(keys[0].get(k).is_some(), "JWK lacks {k}");
    }
    assert_eq!(keys[0]["alg"], "RS256");
    assert!(keys[0]["kid"].as_str().unwrap().starts_with("jwk-test-"));
    let r = h
        .stytch(Method::GET, "/v1/sessions/jwks/project-test-other", None)
        .await;
    assert_stytch_error(&r, 404, "project_not_found");
}

#[tokio::test]
async fn expired_and_revoked_fixtures_exist_but_are_inactive() {
    // With `list-revoked` the inactive fixture sessions become visible; they
    // must be expired or revoked, and revoking them again answers 404.
    let opts = sessconform::server::ServerOptions {
        faults: [sessconform::server::Fault::ListRevoked]
            .into_iter()
            .collect(),
        ..Default::default()
    };
    let faulty = harness_with(opts).await;
    let clean = harness().await;
    let path = format!("/v1/sessions?user_id={}", clean.sv("user_id"));
    let all = faulty.stytch(Method::GET, &path, None).await;
    let active = session_ids(&clean.stytch(Method::GET, &path, None).await);
    let now = time::OffsetDateTime::now_utc();
    let inactive: Vec<&Value> = all.json["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| !active.contains(&s["session_id"].as_str().unwrap().to_owned()))
        .collect();
    assert!(inactive.len() >= 2, "{}", all.text);
    assert!(
        inactive.iter().any(|s| ts(&s["expires_at"]) < now),
        "an expired fixture exists"
    );
    for s in inactive {
        let r = clean
            .stytch(
                Method::POST,
                "/v1/sessions/revoke",
                Some(json!({"session_id": s["session_id"]})),
            )
            .await;
        assert_stytch_error(&r, 404, "session_not_found");
    }
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_the_json_error_of_the_api_they_look_like() {
    let h = harness().await;
    let base = h.server.base_url().to_owned();
    // Stytch at the host root (before: plain-text 404, which the Stytch SDK cannot parse).
    let r = h.stytch(Method::GET, "/v1/nothing-here", None).await;
    assert_stytch_error(&r, 404, "route_not_found");
    assert!(
        r.json["error_url"]
            .as_str()
            .unwrap()
            .starts_with("https://stytch.com/docs/api/")
    );
    let r = h.stytch(Method::GET, "/", None).await;
    assert_stytch_error(&r, 404, "route_not_found");
    let r = h.b2b(Method::GET, "/v1/b2b/nothing-here", None).await;
    assert_stytch_error(&r, 404, "route_not_found");
    assert!(
        r.json["error_url"]
            .as_str()
            .unwrap()
            .starts_with("https://stytch.com/docs/b2b/api/"),
        "{}",
        r.text
    );
    let r = h
        .stytch(Method::GET, "/v1/sessions/authenticate", None)
        .await;
    assert_stytch_error(&r, 405, "method_not_allowed");
    // The same under the old `/stytch` prefix.
    for (method, path, status, error_type) in [
        (
            Method::GET,
            "/stytch/v1/nothing-here",
            404,
            "route_not_found",
        ),
        (
            Method::GET,
            "/stytch/v1/sessions/authenticate",
            405,
            "method_not_allowed",
        ),
    ] {
        let url = format!("{base}{path}");
        let r = send(&h.client, method, &url, &h.stytch_auth(), &[], None).await;
        assert_stytch_error(&r, status, error_type);
    }
    // Clerk-looking paths answer ClerkErrors, whatever the method.
    for (method, path) in [
        (Method::GET, "/clerk/v1/nothing-here"),
        (Method::GET, "/clerk/nothing-here"),
        (Method::DELETE, "/clerk/v1/sessions"),
    ] {
        let url = format!("{base}{path}");
        let r = send(&h.client, method, &url, &h.clerk_auth(), &[], None).await;
        assert_clerk_error(&r, 404, "resource_not_found");
    }
}

#[tokio::test]
async fn jwks_is_public_and_ignores_credentials() {
    // The vendor's SDKs fetch the JWKS without credentials (CONTRACTS.md §2.8); before, this
    // answered 401 and the SDKs' local JWT verification silently fell back to the API.
    let h = harness().await;
    let consumer = format!(
        "{}/v1/sessions/jwks/{}",
        h.server.base_url(),
        h.sv("project_id")
    );
    let b2b = format!(
        "{}/v1/b2b/sessions/jwks/{}",
        h.server.base_url(),
        h.bv("project_id")
    );
    let with_creds = h
        .stytch(
            Method::GET,
            &format!("/v1/sessions/jwks/{}", h.sv("project_id")),
            None,
        )
        .await;
    assert_stytch_ok(&with_creds);
    let throttled = Auth::Basic(h.sv("throttled_username"), h.sv("throttled_password"));
    for (url, auth) in [
        (&consumer, Auth::None),
        (
            &consumer,
            Auth::Basic(h.sv("project_id"), "secret-test-wrong".into()),
        ),
        (&consumer, Auth::Raw("Basic not-base64!".into())),
        (&consumer, h.b2b_auth()),
        // A throttled credential is not counted either: twice in a row.
        (&consumer, throttled.clone()),
        (&consumer, throttled),
        (&b2b, Auth::None),
        (&b2b, h.stytch_auth()),
    ] {
        let r = send(&h.client, Method::GET, url, &auth, &[], None).await;
        assert_stytch_ok(&r);
        assert_eq!(r.json["keys"], with_creds.json["keys"], "{url} {auth:?}");
    }
    // The project id in the path still has to match.
    let other = format!(
        "{}/v1/sessions/jwks/{}",
        h.server.base_url(),
        h.bv("project_id")
    );
    let r = send(&h.client, Method::GET, &other, &Auth::None, &[], None).await;
    assert_stytch_error(&r, 404, "project_not_found");
}

#[tokio::test]
async fn mint_errors() {
    let h = harness().await;
    let r = h
        .stytch(
            Method::POST,
            &h.sv("mint_path"),
            Some(json!({"user_id": h.sv("unknown_user_id")})),
        )
        .await;
    assert_stytch_error(&r, 404, "user_not_found");
    let r = h
        .stytch(
            Method::POST,
            &h.sv("mint_path"),
            Some(json!({"session_duration_minutes": 1})),
        )
        .await;
    assert_stytch_error(&r, 400, "invalid_session_duration_minutes");
    let (_, _, _) = h.mint(json!({"user_id": h.sv("other_user_id")})).await;
}

#[tokio::test]
async fn consumer_rbac_policy_agrees_with_authorization_check() {
    let h = harness().await;
    let r = h.stytch(Method::GET, "/v1/rbac/policy", None).await;
    assert_stytch_ok(&r);
    let policy = &r.json["policy"];
    let editor = policy["roles"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["role_id"] == "editor")
        .expect("editor role");
    assert_eq!(
        editor["permissions"],
        json!([{"resource_id": "documents", "actions": ["read", "write"]}])
    );
    // The fixture user has stytch_user and editor.
    let (_, token, _) = h.mint(json!({})).await;
    for (action, granted) in [("read", true), ("write", true), ("delete", false)] {
        let body = json!({"session_token": token,
            "authorization_check": {"resource_id": "documents", "action": action}});
        let r = h
            .stytch(Method::POST, "/v1/sessions/authenticate", Some(body))
            .await;
        if granted {
            assert_eq!(
                r.json["verdict"]["granting_roles"],
                json!(["editor"]),
                "{action}"
            );
        } else {
            assert_stytch_error(&r, 403, "unauthorized_action");
        }
    }
}
