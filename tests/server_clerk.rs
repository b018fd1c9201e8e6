//! Clerk Backend API routes over real HTTP: listing (order, filters, paging),
//! get/create/revoke, verify and version switching, tokens, JWKS, errors.

#![cfg(feature = "server")]

mod server_support;

use reqwest::Method;
use serde_json::{Value, json};
use server_support::*;

const NEW: &str = "2025-04-10";
const OLD: &str = "2021-02-05";

fn sessions(r: &Resp) -> Vec<Value> {
    r.json
        .as_array()
        .unwrap_or_else(|| panic!("{}", r.text))
        .clone()
}

fn check_session(s: &Value, version: &str) {
    assert_eq!(s["object"], "session");
    for k in [
        "id",
        "user_id",
        "client_id",
        "status",
        "last_active_at",
        "expire_at",
        "abandon_at",
        "updated_at",
        "created_at",
    ] {
        assert!(s.get(k).is_some(), "missing {k}: {s}");
    }
    let n = |k: &str| {
        s[k].as_i64()
            .unwrap_or_else(|| panic!("{k} not an integer: {s}"))
    };
    assert!(n("created_at") >= 1_000_000_000_000, "milliseconds: {s}");
    assert!(n("expire_at") > n("created_at"));
    assert!(n("abandon_at") >= n("expire_at"));
    assert!(n("updated_at") >= n("created_at"));
    let old_statuses = [
        "active",
        "revoked",
        "ended",
        "expired",
        "removed",
        "abandoned",
        "replaced",
    ];
    let status = s["status"].as_str().unwrap();
    if version == OLD {
        assert!(old_statuses.contains(&status), "{s}");
        assert!(s.get("tasks").is_none(), "tasks in {OLD}: {s}");
    } else {
        assert!(old_statuses.contains(&status) || status == "pending", "{s}");
        assert!(s.get("tasks").is_some(), "{s}");
    }
    let allowed = [
        "object",
        "id",
        "user_id",
        "client_id",
        "actor",
        "status",
        "last_active_organization_id",
        "last_active_at",
        "latest_activity",
        "expire_at",
        "abandon_at",
        "updated_at",
        "created_at",
        "tasks",
    ];
    for k in s.as_object().unwrap().keys() {
        assert!(allowed.contains(&k.as_str()), "unexpected {k}");
    }
}

#[tokio::test]
async fn list_is_newest_first_with_valid_sessions_in_both_versions() {
    let h = harness().await;
    let user = h.cv("user_id");
    for version in [OLD, NEW] {
        let r = h
            .clerk_v(
                Method::GET,
                &format!("/sessions?user_id={user}&limit=500"),
                Some(version),
                None,
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        let list = sessions(&r);
        assert!(list.len() >= 8);
        for s in &list {
            check_session(s, version);
            assert_eq!(s["user_id"], user.as_str());
        }
        let created: Vec<i64> = list
            .iter()
            .map(|s| s["created_at"].as_i64().unwrap())
            .collect();
        assert!(created.windows(2).all(|w| w[0] > w[1]), "{created:?}");
        let statuses: Vec<&str> = list.iter().map(|s| s["status"].as_str().unwrap()).collect();
        for st in [
            "active",
            "revoked",
            "ended",
            "removed",
            "replaced",
            "expired",
            "abandoned",
        ] {
            assert!(statuses.contains(&st), "{version}: no {st} in {statuses:?}");
        }
        assert_eq!(
            statuses.contains(&"pending"),
            version == NEW,
            "{statuses:?}"
        );
        if version == NEW {
            let pending = list.iter().find(|s| s["status"] == "pending").unwrap();
            assert_eq!(pending["tasks"], json!([{"key": "choose-organization"}]));
            let active = list.iter().find(|s| s["status"] == "active").unwrap();
            assert!(active["tasks"].is_null());
        }
    }
}

#[tokio::test]
async fn filters_paging_and_paginated_shape() {
    let h = harness().await;
    let user = h.cv("user_id");
    let all = sessions(
        &h.clerk(
            Method::GET,
            &format!("/sessions?user_id={user}&limit=500"),
            None,
        )
        .await,
    );
    // Default limit is 10.
    let r = h
        .clerk(Method::GET, &format!("/sessions?user_id={user}"), None)
        .await;
    assert_eq!(sessions(&r).len(), all.len().min(10));
    assert!(all.len() > 10, "fixture has more than a default page");
    // limit + offset page through the same order.
    let page = sessions(
        &h.clerk(
            Method::GET,
            &format!("/sessions?user_id={user}&limit=3&offset=2"),
            None,
        )
        .await,
    );
    assert_eq!(page, all[2..5].to_vec());
    // paginated=true wraps the page with the total.
    let r = h
        .clerk(
            Method::GET,
            &format!("/sessions?user_id={user}&paginated=true&limit=2"),
            None,
        )
        .await;
    assert_eq!(r.json["total_count"], all.len());
    assert_eq!(r.json["data"].as_array().unwrap().len(), 2);
    // client_id and status filters.
    let client = h.cv("client_id");
    let by_client = sessions(
        &h.clerk(
            Method::GET,
            &format!("/sessions?client_id={client}&limit=500"),
            None,
        )
        .await,
    );
    assert!(!by_client.is_empty() && by_client.iter().all(|s| s["client_id"] == client.as_str()));
    for st in ["active", "revoked", "expired"] {
        let got = sessions(
            &h.clerk(
                Method::GET,
                &format!("/sessions?user_id={user}&status={st}"),
                None,
            )
            .await,
        );
        assert!(
            !got.is_empty() && got.iter().all(|s| s["status"] == st),
            "{st}"
        );
    }
    // The other user's sessions are not the user's.
    let other = sessions(
        &h.clerk(
            Method::GET,
            &format!("/sessions?user_id={}", h.cv("other_user_id")),
            None,
        )
        .await,
    );
    assert!(
        !other.is_empty()
            && other
                .iter()
                .all(|s| s["user_id"] == h.cv("other_user_id").as_str())
    );
    // Unknown user: empty list.
    let none = sessions(
        &h.clerk(
            Method::GET,
            &format!("/sessions?user_id={}", h.cv("unknown_user_id")),
            None,
        )
        .await,
    );
    assert!(none.is_empty());
}

#[tokio::test]
async fn list_parameter_errors() {
    let h = harness().await;
    let cases = [
        ("limit=0", 422, "form_param_value_invalid"),
        ("limit=501", 422, "form_param_value_invalid"),
        ("offset=-1", 422, "form_param_value_invalid"),
        ("limit=ten", 400, "malformed_request_parameters"),
        ("status=sleeping", 400, "invalid_query_parameter_value"),
        ("paginated=maybe", 400, "invalid_query_parameter_value"),
    ];
    for (q, status, code) in cases {
        let r = h
            .clerk(
                Method::GET,
                &format!("/sessions?user_id={}&{q}", h.cv("user_id")),
                None,
            )
            .await;
        assert_clerk_error(&r, status, code);
    }
    let r = h
        .clerk(
            Method::GET,
            &format!("/sessions?user_id={}&limit=501", h.cv("user_id")),
            None,
        )
        .await;
    assert_eq!(r.json["errors"][0]["meta"]["param_name"], "limit");
    // `pending` is not a status in the old version.
    let r = h
        .clerk_v(
            Method::GET,
            &format!("/sessions?user_id={}&status=pending", h.cv("user_id")),
            Some(OLD),
            None,
        )
        .await;
    assert_clerk_error(&r, 400, "invalid_query_parameter_value");
}

#[tokio::test]
async fn version_selection_rules() {
    let h = harness().await;
    let path = format!("/sessions?user_id={}", h.cv("user_id"));
    // Both header and query → 400.
    let url = format!("{}{path}&__clerk_api_version={NEW}", h.clerk.base_url);
    let r = send(
        &h.client,
        Method::GET,
        &url,
        &h.clerk_auth(),
        &[("Clerk-API-Version", NEW)],
        None,
    )
    .await;
    assert_clerk_error(&r, 400, "bad_request");
    // Query alone selects the version.
    let r = send(&h.client, Method::GET, &url, &h.clerk_auth(), &[], None).await;
    assert_eq!(r.status, 200);
    assert!(sessions(&r).iter().all(|s| s.get("tasks").is_some()));
    // Unknown or malformed versions → 400.
    for v in ["2030-01-01", "latest", "2021-2-5"] {
        let r = h.clerk_v(Method::GET, &path, Some(v), None).await;
        assert_clerk_error(&r, 400, "bad_request");
    }
    // No version at all: the oldest behaviour.
    let r = h.clerk_v(Method::GET, &path, None, None).await;
    assert_eq!(r.status, 200);
    assert!(sessions(&r).iter().all(|s| s.get("tasks").is_none()));
}

#[tokio::test]
async fn get_create_revoke_round_trip() {
    let h = harness().await;
    let user = h.cv("user_id");
    let created = h
        .clerk(Method::POST, "/sessions", Some(json!({"user_id": user})))
        .await;
    assert_eq!(created.status, 200, "{}", created.text);
    check_session(&created.json, NEW);
    assert_eq!(created.json["status"], "active");
    let id = created.json["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("sess_"));
    let list = sessions(
        &h.clerk(Method::GET, &format!("/sessions?user_id={user}"), None)
            .await,
    );
    assert_eq!(list[0]["id"], id.as_str(), "newest first");

    let got = h.clerk(Method::GET, &format!("/sessions/{id}"), None).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.json, created.json);

    let revoked = h
        .clerk(Method::POST, &format!("/sessions/{id}/revoke"), None)
        .await;
    assert_eq!(revoked.status, 200, "{}", revoked.text);
    assert_eq!(revoked.json["status"], "revoked");
    check_session(&revoked.json, NEW);
    let got = h.clerk(Method::GET, &format!("/sessions/{id}"), None).await;
    assert_eq!(got.json["status"], "revoked");
    let active = sessions(
        &h.clerk(
            Method::GET,
            &format!("/sessions?user_id={user}&status=active&limit=500"),
            None,
        )
        .await,
    );
    assert!(active.iter().all(|s| s["id"] != id.as_str()));
    // A revoked session gets no more tokens.
    let r = h
        .clerk(Method::POST, &format!("/sessions/{id}/tokens"), None)
        .await;
    assert_clerk_error(&r, 404, "resource_not_found");

    // With an organization.
    let r = h
        .clerk(
            Method::POST,
            "/sessions",
            Some(json!({"user_id": user, "active_organization_id": "org_missing"})),
        )
        .await;
    assert_clerk_error(&r, 404, "resource_not_found");
}

#[tokio::test]
async fn not_found_and_create_errors() {
    let h = harness().await;
    let unknown = h.cv("unknown_session_id");
    let r = h
        .clerk(Method::GET, &format!("/sessions/{unknown}"), None)
        .await;
    assert_clerk_error(&r, 404, "resource_not_found");
    assert_eq!(r.json["errors"][0]["message"], "Session not found");
    assert_eq!(
        r.json["errors"][0]["long_message"],
        format!("No session was found with id {unknown}").as_str()
    );
    let r = h
        .clerk(Method::POST, &format!("/sessions/{unknown}/revoke"), None)
        .await;
    assert_clerk_error(&r, 404, "resource_not_found");
    let r = h
        .clerk(
            Method::POST,
            "/sessions",
            Some(json!({"user_id": h.cv("unknown_user_id")})),
        )
        .await;
    assert_clerk_error(&r, 404, "resource_not_found");
    assert!(
        r.json["errors"][0]["long_message"]
            .as_str()
            .unwrap()
            .contains("No user was found")
    );
    let r = h.clerk(Method::POST, "/sessions", Some(json!({}))).await;
    assert_clerk_error(&r, 422, "form_param_missing");
    let r = h
        .clerk(Method::POST, "/sessions", Some(json!({"user_id": 7})))
        .await;
    assert_clerk_error(&r, 422, "form_param_type_invalid");
    let url = format!("{}/sessions", h.clerk.base_url);
    let r = h
        .client
        .post(&url)
        .bearer_auth(h.clerk.bearer.clone().unwrap())
        .body("{oops")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let r = h.clerk(Method::GET, "/no/such/route", None).await;
    assert_clerk_error(&r, 404, "resource_not_found");
}

#[tokio::test]
async fn verify_exists_only_in_old_versions() {
    let h = harness().await;
    let created = h
        .clerk(
            Method::POST,
            "/sessions",
            Some(json!({"user_id": h.cv("user_id")})),
        )
        .await;
    let id = created.json["id"].as_str().unwrap().to_owned();
    let token = h
        .clerk(Method::POST, &format!("/sessions/{id}/tokens"), None)
        .await;
    let jwt = token.json["jwt"].as_str().unwrap().to_owned();

    let r = h
        .clerk_v(
            Method::POST,
            &format!("/sessions/{id}/verify"),
            Some(NEW),
            Some(json!({"token": jwt})),
        )
        .await;
    assert_clerk_error(&r, 404, "resource_not_found");
    for (version, status, code) in [
        ("2026-05-12", 404, "resource_not_found"),
        ("2025-03-12", 410, "operation_deprecated"),
    ] {
        let r = h
            .clerk_v(
                Method::POST,
                &format!("/sessions/{id}/verify"),
                Some(version),
                None,
            )
            .await;
        assert_clerk_error(&r, status, code);
    }

    let r = h
        .clerk_v(
            Method::POST,
            &format!("/sessions/{id}/verify"),
            Some(OLD),
            Some(json!({"token": jwt})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    check_session(&r.json, OLD);
    let r = h
        .clerk_v(
            Method::POST,
            &format!("/sessions/{id}/verify"),
            Some("2024-10-01"),
            None,
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = h
        .clerk_v(
            Method::POST,
            &format!("/sessions/{id}/verify"),
            Some(OLD),
            Some(json!({"token": "a.b.c"})),
        )
        .await;
    assert_clerk_error(&r, 400, "invalid_session_token");
    let r = h
        .clerk_v(
            Method::POST,
            &format!("/sessions/{id}/verify"),
            Some(OLD),
            Some(json!({"token": jwt, "extra": 1})),
        )
        .await;
    assert_clerk_error(&r, 422, "form_param_unknown");
    // A token of another session does not verify this one.
    let other = h
        .clerk(
            Method::POST,
            "/sessions",
            Some(json!({"user_id": h.cv("user_id")})),
        )
        .await;
    let other_id = other.json["id"].as_str().unwrap();
    let r = h
        .clerk_v(
            Method::POST,
            &format!("/sessions/{other_id}/verify"),
            Some(OLD),
            Some(json!({"token": jwt})),
        )
        .await;
    assert_clerk_error(&r, 400, "invalid_session_token");
    // After revocation the session no longer verifies.
    h.clerk(Method::POST, &format!("/sessions/{id}/revoke"), None)
        .await;
    let r = h
        .clerk_v(
            Method::POST,
            &format!("/sessions/{id}/verify"),
            Some(OLD),
            Some(json!({"token": jwt})),
        )
        .await;
    assert_clerk_error(&r, 404, "resource_not_found");
}

#[tokio::test]
async fn session_tokens_and_templates_verify_against_jwks() {
    let h = harness().await;
    let user = h.cv("user_id");
    let created = h
        .clerk(Method::POST, "/sessions", Some(json!({"user_id": user})))
        .await;
    let id = created.json["id"].as_str().unwrap().to_owned();
    let jwks = format!("{}/jwks", h.clerk.base_url);

    let r = h
        .clerk(Method::POST, &format!("/sessions/{id}/tokens"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["object"], "token");
    let claims = verify_jwt(
        &h.client,
        &jwks,
        &h.clerk_auth(),
        r.json["jwt"].as_str().unwrap(),
        None,
    )
    .await;
    assert_eq!(claims["sid"], id.as_str());
    assert_eq!(claims["sub"], user.as_str());
    let (iat, exp, nbf) = (
        claims["iat"].as_i64().unwrap(),
        claims["exp"].as_i64().unwrap(),
        claims["nbf"].as_i64().unwrap(),
    );
    assert_eq!(exp - iat, 60);
    assert!(nbf <= iat);

    let r = h
        .clerk(
            Method::POST,
            &format!("/sessions/{id}/tokens"),
            Some(json!({"expires_in_seconds": 3600})),
        )
        .await;
    let claims = verify_jwt(
        &h.client,
        &jwks,
        &h.clerk_auth(),
        r.json["jwt"].as_str().unwrap(),
        None,
    )
    .await;
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        3600
    );

    let template = h.cv("template_name");
    let r = h
        .clerk(
            Method::POST,
            &format!("/sessions/{id}/tokens/{template}"),
            Some(json!({"expires_in_seconds": null})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let claims = verify_jwt(
        &h.client,
        &jwks,
        &h.clerk_auth(),
        r.json["jwt"].as_str().unwrap(),
        None,
    )
    .await;
    assert_eq!(
        claims["https://hasura.io/jwt/claims"]["x-hasura-user-id"],
        user.as_str()
    );

    for bad in [json!(29), json!(315_360_001), json!("60"), json!(1.5)] {
        let r = h
            .clerk(
                Method::POST,
                &format!("/sessions/{id}/tokens"),
                Some(json!({"expires_in_seconds": bad})),
            )
            .await;
        assert_clerk_error(&r, 422, "form_param_value_invalid");
    }
    let unknown_template = h.cv("unknown_template_name");
    let r = h
        .clerk(
            Method::POST,
            &format!("/sessions/{id}/tokens/{unknown_template}"),
            None,
        )
        .await;
    assert_clerk_error(&r, 404, "resource_not_found");
    assert_eq!(r.json["errors"][0]["message"], "JWT template not found");
    let r = h
        .clerk(
            Method::POST,
            &format!("/sessions/{}/tokens", h.cv("unknown_session_id")),
            None,
        )
        .await;
    assert_clerk_error(&r, 404, "resource_not_found");

    let keys = h.clerk(Method::GET, "/jwks", None).await;
    assert_eq!(keys.status, 200);
    let k = &keys.json["keys"][0];
    assert_eq!(k["kty"], "RSA");
    assert_eq!(k["alg"], "RS256");
    // Stytch and Clerk keys differ.
    let stytch = h
        .stytch(
            Method::GET,
            &format!("/v1/sessions/jwks/{}", h.sv("project_id")),
            None,
        )
        .await;
    assert_ne!(stytch.json["keys"][0]["kid"], k["kid"]);
}

#[tokio::test]
async fn clerk_authentication_errors() {
    let h = harness().await;
    let url = format!("{}/sessions?user_id={}", h.clerk.base_url, h.cv("user_id"));
    let cases = [
        (Auth::None, "authentication_invalid"),
        (
            Auth::Raw("sk_test_no_scheme".into()),
            "authorization_header_format_invalid",
        ),
        (
            Auth::Raw("Basic abc".into()),
            "authorization_header_format_invalid",
        ),
        (Auth::Bearer("sk_test_wrong".into()), "clerk_key_invalid"),
    ];
    for (auth, code) in cases {
        let r = send(
            &h.client,
            Method::GET,
            &url,
            &auth,
            &[("Clerk-API-Version", NEW)],
            None,
        )
        .await;
        assert_clerk_error(&r, 401, code);
    }
    let r = send(
        &h.client,
        Method::GET,
        &format!("{}/jwks", h.clerk.base_url),
        &Auth::None,
        &[],
        None,
    )
    .await;
    assert_clerk_error(&r, 401, "authentication_invalid");
}

/// A new session of `user` and a fresh session token for it.
async fn session_with_token(h: &Harness, user: &str) -> (String, String) {
    let created = h
        .clerk(Method::POST, "/sessions", Some(json!({"user_id": user})))
        .await;
    assert_eq!(created.status, 200, "{}", created.text);
    let id = created.json["id"].as_str().unwrap().to_owned();
    let r = h
        .clerk(Method::POST, &format!("/sessions/{id}/tokens"), None)
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    (id, r.json["jwt"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn refresh_issues_new_tokens_and_consumes_the_expired_one() {
    let h = harness().await;
    let user = h.cv("user_id");
    let (id, jwt) = session_with_token(&h, &user).await;
    let refresh = h.server.clerk_refresh_token(&id).expect("refresh token");
    let jwks = format!("{}/jwks", h.clerk.base_url);
    let path = format!("/sessions/{id}/refresh");
    let body = |expired: &str| {
        json!({
            "expired_token": expired,
            "refresh_token": refresh,
            "request_origin": "http://localhost:3000",
            "request_headers": {"User-Agent": ["sessconform-test"]},
            "request_originating_ip": "127.0.0.1",
        })
    };

    let r = h.clerk(Method::POST, &path, Some(body(&jwt))).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json.as_object().unwrap().len(), 2, "{}", r.text);
    assert_eq!(r.json["object"], "token");
    let new_jwt = r.json["jwt"].as_str().unwrap().to_owned();
    assert_ne!(new_jwt, jwt);
    let old = verify_jwt(&h.client, &jwks, &h.clerk_auth(), &jwt, None).await;
    let new = verify_jwt(&h.client, &jwks, &h.clerk_auth(), &new_jwt, None).await;
    assert_eq!(new["sid"], id.as_str());
    assert_eq!(new["sub"], user.as_str());
    assert!(new["iat"].as_i64().unwrap() > old["iat"].as_i64().unwrap());
    assert_eq!(
        new["exp"].as_i64().unwrap() - new["iat"].as_i64().unwrap(),
        60
    );

    // An expired token refreshes once.
    let again = h.clerk(Method::POST, &path, Some(body(&jwt))).await;
    assert_clerk_error(
        &again,
        401,
        "session_refresh_expired_session_token_consumed",
    );

    // Cookie format, with the suffixed cookie the JavaScript SDK asks for, on
    // the oldest API version (the endpoint exists in every version).
    let mut cookie_body = body(&new_jwt);
    cookie_body["format"] = json!("cookie");
    cookie_body["suffixed_cookies"] = json!(true);
    let r = h
        .clerk_v(Method::POST, &path, Some(OLD), Some(cookie_body))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.json["object"], "cookies");
    let cookies: Vec<&str> = r.json["cookies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    assert_eq!(cookies.len(), 2, "{cookies:?}");
    let session_cookie = cookies[0]
        .strip_prefix("__session=")
        .unwrap_or_else(|| panic!("{cookies:?}"));
    let third = session_cookie.split(';').next().unwrap();
    assert!(cookies[1].starts_with("__session_"), "{cookies:?}");
    assert!(cookies[1].contains(&format!("={third};")), "{cookies:?}");
    let claims = verify_jwt(&h.client, &jwks, &h.clerk_auth(), third, None).await;
    assert_eq!(claims["sid"], id.as_str());

    // The refreshed token keeps working: it verifies on the old API version.
    let r = h
        .clerk_v(
            Method::POST,
            &format!("/sessions/{id}/verify"),
            Some(OLD),
            Some(json!({"token": third})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);

    // After revocation the session no longer refreshes.
    h.clerk(Method::POST, &format!("/sessions/{id}/revoke"), None)
        .await;
    let r = h.clerk(Method::POST, &path, Some(body(third))).await;
    assert_clerk_error(&r, 401, "session_refresh_inactive_session");
}

#[tokio::test]
async fn refresh_errors() {
    let h = harness().await;
    let user = h.cv("user_id");
    let (id, jwt) = session_with_token(&h, &user).await;
    let (other_id, other_jwt) = session_with_token(&h, &user).await;
    let refresh = h.server.clerk_refresh_token(&id).unwrap();
    let other_refresh = h.server.clerk_refresh_token(&other_id).unwrap();
    assert_ne!(refresh, other_refresh, "refresh tokens are per client");
    let template = h
        .clerk(
            Method::POST,
            &format!("/sessions/{id}/tokens/{}", h.cv("template_name")),
            None,
        )
        .await;
    let template_jwt = template.json["jwt"].as_str().unwrap().to_owned();
    let (_, _, stytch_jwt) = h.mint(json!({})).await;
    let good = json!({
        "expired_token": jwt,
        "refresh_token": refresh,
        "request_origin": "http://localhost:3000",
    });
    let with = |k: &str, v: Value| {
        let mut b = good.clone();
        b[k] = v;
        b
    };
    let without = |k: &str| {
        let mut b = good.clone();
        b.as_object_mut().unwrap().remove(k);
        b
    };
    let cases: Vec<(Value, u16, &str, Option<&str>)> = vec![
        (json!([]), 400, "request_body_invalid", None),
        (json!({}), 422, "form_param_missing", Some("expired_token")),
        (
            without("refresh_token"),
            422,
            "form_param_missing",
            Some("refresh_token"),
        ),
        (
            with("request_origin", json!("")),
            422,
            "form_param_missing",
            Some("request_origin"),
        ),
        (
            with("token", json!("x")),
            422,
            "form_param_unknown",
            Some("token"),
        ),
        (
            with("format", json!("xml")),
            422,
            "form_param_value_invalid",
            Some("format"),
        ),
        (
            with("expired_token", json!(5)),
            422,
            "form_param_type_invalid",
            Some("expired_token"),
        ),
        (
            with("request_headers", json!("User-Agent: x")),
            422,
            "form_param_type_invalid",
            Some("request_headers"),
        ),
        (
            with("expired_token", json!("sessconform.not.a-token")),
            401,
            "expired_session_token_invalid",
            None,
        ),
        (
            with("expired_token", json!(stytch_jwt)),
            401,
            "expired_session_token_invalid",
            None,
        ),
        (
            with("expired_token", json!(other_jwt)),
            401,
            "refresh_sid_mismatch",
            None,
        ),
        (
            with("expired_token", json!(template_jwt)),
            401,
            "expired_session_token_missing_sid",
            None,
        ),
        (
            with("request_origin", json!("not an origin")),
            401,
            "refresh_request_origin_invalid",
            None,
        ),
        (
            with("request_origin", json!("https://evil.example")),
            401,
            "refresh_request_origin_azp_mismatch",
            None,
        ),
        (
            with("refresh_token", json!("sessconform-not-a-refresh-token")),
            401,
            "refresh_token_not_found",
            None,
        ),
        // The refresh token of another client.
        (
            with("refresh_token", json!(other_refresh)),
            401,
            "refresh_token_not_found",
            None,
        ),
    ];
    let path = format!("/sessions/{id}/refresh");
    for (body, status, code, param) in cases {
        let r = h.clerk(Method::POST, &path, Some(body.clone())).await;
        assert_clerk_error(&r, status, code);
        if let Some(p) = param {
            assert_eq!(r.json["errors"][0]["meta"]["param_name"], p, "{body}");
        }
    }
    // None of the failures consumed the token.
    let r = h.clerk(Method::POST, &path, Some(good.clone())).await;
    assert_eq!(r.status, 200, "{}", r.text);

    let unknown = h.cv("unknown_session_id");
    let r = h
        .clerk(
            Method::POST,
            &format!("/sessions/{unknown}/refresh"),
            Some(good.clone()),
        )
        .await;
    assert_clerk_error(&r, 401, "session_refresh_session_not_found");
    assert_eq!(
        r.json["errors"][0]["long_message"],
        format!("No session was found with id {unknown}")
    );

    // Sessions that are no longer active: an expired fixture session, and a
    // pending one, which does not exist before 2025-03-12.
    let find = |status: &'static str| {
        let h = &h;
        let user = user.clone();
        async move {
            let r = h
                .clerk(
                    Method::GET,
                    &format!("/sessions?user_id={user}&status={status}"),
                    None,
                )
                .await;
            r.json[0]["id"].as_str().unwrap().to_owned()
        }
    };
    let expired = find("expired").await;
    let r = h
        .clerk(
            Method::POST,
            &format!("/sessions/{expired}/refresh"),
            Some(good.clone()),
        )
        .await;
    assert_clerk_error(&r, 401, "session_refresh_inactive_session");
    let pending = find("pending").await;
    let r = h
        .clerk_v(
            Method::POST,
            &format!("/sessions/{pending}/refresh"),
            Some(OLD),
            Some(good.clone()),
        )
        .await;
    assert_clerk_error(&r, 401, "session_refresh_session_not_found");

    // Credentials are checked first, as on every Clerk route.
    let url = format!("{}{path}", h.clerk.base_url);
    for (auth, code) in [
        (Auth::None, "authentication_invalid"),
        (Auth::Bearer("sk_test_wrong".into()), "clerk_key_invalid"),
    ] {
        let r = send(&h.client, Method::POST, &url, &auth, &[], Some(&good)).await;
        assert_clerk_error(&r, 401, code);
    }
}
