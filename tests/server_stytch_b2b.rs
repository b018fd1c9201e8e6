//! Stytch B2B routes over real HTTP: org/member resolution, authenticate,
//! revoke (including by member), JWKS and errors.

mod server_support;

use reqwest::Method;
use serde_json::json;
use server_support::*;

fn ids(r: &Resp) -> Vec<String> {
    let mut v: Vec<String> = r.json["member_sessions"]
        .as_array()
        .unwrap_or_else(|| panic!("{}", r.text))
        .iter()
        .map(|s| s["member_session_id"].as_str().unwrap().to_owned())
        .collect();
    v.sort();
    v
}

#[tokio::test]
async fn list_resolves_ids_slugs_and_external_ids() {
    let h = harness().await;
    let path = |org: &str, member: &str| {
        format!("/v1/b2b/sessions?organization_id={org}&member_id={member}")
    };
    let r = h
        .b2b(
            Method::GET,
            &path(&h.bv("organization_id"), &h.bv("member_id")),
            None,
        )
        .await;
    assert_stytch_ok(&r);
    let canonical = ids(&r);
    assert!(canonical.len() >= 3);
    let now = time::OffsetDateTime::now_utc();
    for s in r.json["member_sessions"].as_array().unwrap() {
        assert_eq!(s["member_id"], h.bv("member_id").as_str());
        assert_eq!(s["organization_id"], h.bv("organization_id").as_str());
        assert_eq!(s["organization_slug"], h.bv("organization_slug").as_str());
        for k in [
            "member_session_id",
            "member_id",
            "started_at",
            "last_accessed_at",
            "expires_at",
            "authentication_factors",
            "organization_id",
            "roles",
            "organization_slug",
        ] {
            assert!(s.get(k).is_some(), "missing {k}");
        }
        let (a, b, c) = (
            ts(&s["started_at"]),
            ts(&s["last_accessed_at"]),
            ts(&s["expires_at"]),
        );
        assert!(a <= b && b < c && c > now);
    }
    for (org, member) in [
        (h.bv("organization_slug"), h.bv("member_id")),
        (h.bv("organization_external_id"), h.bv("member_external_id")),
        (h.bv("organization_id"), h.bv("member_external_id")),
    ] {
        let r = h.b2b(Method::GET, &path(&org, &member), None).await;
        assert_stytch_ok(&r);
        assert_eq!(ids(&r), canonical, "{org} {member}");
    }
    let other = h
        .b2b(
            Method::GET,
            &path(&h.bv("organization_id"), &h.bv("other_member_id")),
            None,
        )
        .await;
    assert_stytch_ok(&other);
    assert!(!ids(&other).is_empty());
    assert!(ids(&other).iter().all(|id| !canonical.contains(id)));
}

#[tokio::test]
async fn list_errors() {
    let h = harness().await;
    let org = h.bv("organization_id");
    let member = h.bv("member_id");
    let cases = [
        (
            format!("/v1/b2b/sessions?member_id={member}"),
            400,
            "invalid_organization_id",
        ),
        (
            format!("/v1/b2b/sessions?organization_id={org}"),
            400,
            "bad_request",
        ),
        (
            format!(
                "/v1/b2b/sessions?organization_id={}&member_id={member}",
                h.bv("unknown_organization_id")
            ),
            404,
            "organization_not_found",
        ),
        (
            format!(
                "/v1/b2b/sessions?organization_id={org}&member_id={}",
                h.bv("unknown_member_id")
            ),
            404,
            "member_not_found",
        ),
        // A member of the organization is not a member of another one.
        (
            format!(
                "/v1/b2b/sessions?organization_id={}&member_id={member}",
                h.bv("other_organization_id")
            ),
            404,
            "member_not_found",
        ),
    ];
    for (path, status, error_type) in cases {
        let r = h.b2b(Method::GET, &path, None).await;
        assert_stytch_error(&r, status, error_type);
        assert!(
            r.json["error_url"]
                .as_str()
                .unwrap()
                .contains("/docs/b2b/api/errors/")
        );
    }
    // Consumer credentials on a B2B endpoint.
    let url = format!(
        "{}/v1/b2b/sessions?organization_id={org}&member_id={member}",
        h.b2b.base_url
    );
    let r = send(&h.client, Method::GET, &url, &h.stytch_auth(), &[], None).await;
    assert_stytch_error(&r, 400, "invalid_b2b_endpoint");
    let r = send(&h.client, Method::GET, &url, &Auth::None, &[], None).await;
    assert_stytch_error(&r, 401, "unauthorized_credentials");
}

#[tokio::test]
async fn authenticate_with_token_and_jwt() {
    let h = harness().await;
    let r = h
        .b2b(
            Method::POST,
            "/v1/b2b/sessions/authenticate",
            Some(json!({"session_token": h.bv("session_token")})),
        )
        .await;
    assert_stytch_ok(&r);
    for k in [
        "member_session",
        "session_token",
        "session_jwt",
        "member",
        "organization",
    ] {
        assert!(r.json.get(k).is_some(), "missing {k}");
    }
    assert_eq!(r.json["member"]["member_id"], h.bv("member_id").as_str());
    assert_eq!(
        r.json["organization"]["organization_slug"],
        h.bv("organization_slug").as_str()
    );
    let jwt = r.json["session_jwt"].as_str().unwrap();
    let project = h.bv("project_id");
    let jwks = format!("{}/v1/b2b/sessions/jwks/{project}", h.b2b.base_url);
    let claims = verify_jwt(&h.client, &jwks, &h.b2b_auth(), jwt, Some(&project)).await;
    assert_eq!(claims["sub"], h.bv("member_id").as_str());
    assert_eq!(
        claims["https://stytch.com/organization"]["organization_id"],
        h.bv("organization_id").as_str()
    );
    assert_eq!(
        claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
        300
    );

    let by_jwt = h
        .b2b(
            Method::POST,
            "/v1/b2b/sessions/authenticate",
            Some(json!({"session_jwt": jwt, "session_duration_minutes": 30})),
        )
        .await;
    assert_stytch_ok(&by_jwt);
    let s = &by_jwt.json["member_session"];
    let left = ts(&s["expires_at"]) - ts(&s["last_accessed_at"]);
    assert!(left <= time::Duration::minutes(30) && left >= time::Duration::minutes(29));
}

#[tokio::test]
async fn authorization_check_enforces_tenancy_and_permissions() {
    let h = harness().await;
    let (_, token, _) = h.mint_b2b(json!({})).await;
    let check = |org: String, action: &str| json!({"session_token": token, "authorization_check": {"organization_id": org, "resource_id": "documents", "action": action}});
    let r = h
        .b2b(
            Method::POST,
            "/v1/b2b/sessions/authenticate",
            Some(check(h.bv("organization_id"), "write")),
        )
        .await;
    assert_stytch_ok(&r);
    assert_eq!(r.json["verdict"]["granting_roles"], json!(["editor"]));
    let r = h
        .b2b(
            Method::POST,
            "/v1/b2b/sessions/authenticate",
            Some(check(h.bv("other_organization_id"), "write")),
        )
        .await;
    assert_stytch_error(&r, 403, "session_authorization_tenancy_error");
    let r = h
        .b2b(
            Method::POST,
            "/v1/b2b/sessions/authenticate",
            Some(check(h.bv("organization_id"), "delete")),
        )
        .await;
    assert_stytch_error(&r, 403, "unauthorized_action");
    let r = h
        .b2b(Method::POST, "/v1/b2b/sessions/authenticate", Some(json!({"session_token": token, "authorization_check": {"resource_id": "documents", "action": "read"}})))
        .await;
    assert_stytch_error(&r, 400, "bad_request");
}

#[tokio::test]
async fn authenticate_errors() {
    let h = harness().await;
    let (_, token, jwt) = h.mint_b2b(json!({})).await;
    let cases = [
        (json!({}), 400, "no_session_arguments"),
        (
            json!({"session_token": token, "session_jwt": jwt}),
            400,
            "too_many_session_arguments",
        ),
        (
            json!({"session_token": token, "session_duration_minutes": 0}),
            400,
            "invalid_session_duration_minutes",
        ),
        (
            json!({"session_token": "unknown"}),
            404,
            "session_not_found",
        ),
        (
            json!({"session_jwt": "x.y.z"}),
            400,
            "unable_to_parse_session_jwt",
        ),
    ];
    for (body, status, error_type) in cases {
        let r = h
            .b2b(Method::POST, "/v1/b2b/sessions/authenticate", Some(body))
            .await;
        assert_stytch_error(&r, status, error_type);
    }
    // A consumer JWT is for another project.
    let (_, _, consumer_jwt) = h.mint(json!({})).await;
    let r = h
        .b2b(
            Method::POST,
            "/v1/b2b/sessions/authenticate",
            Some(json!({"session_jwt": consumer_jwt})),
        )
        .await;
    assert_stytch_error(&r, 400, "jwt_invalid_audience");
}

#[tokio::test]
async fn revoke_one_session_by_each_identifier() {
    let h = harness().await;
    let list = format!(
        "/v1/b2b/sessions?organization_id={}&member_id={}",
        h.bv("organization_id"),
        h.bv("other_member_id")
    );
    for field in ["member_session_id", "session_token", "session_jwt"] {
        let (id, token, jwt) = h
            .mint_b2b(json!({"member_id": h.bv("other_member_id")}))
            .await;
        assert!(ids(&h.b2b(Method::GET, &list, None).await).contains(&id));
        let value = match field {
            "member_session_id" => id.clone(),
            "session_token" => token.clone(),
            _ => jwt.clone(),
        };
        let r = h
            .b2b(
                Method::POST,
                "/v1/b2b/sessions/revoke",
                Some(json!({field: value})),
            )
            .await;
        assert_stytch_ok(&r);
        assert!(
            !ids(&h.b2b(Method::GET, &list, None).await).contains(&id),
            "{field}"
        );
        for body in [json!({"session_token": token}), json!({"session_jwt": jwt})] {
            let r = h
                .b2b(Method::POST, "/v1/b2b/sessions/authenticate", Some(body))
                .await;
            assert_stytch_error(&r, 404, "session_not_found");
        }
    }
}

#[tokio::test]
async fn revoke_by_member_id_revokes_all_of_the_members_sessions() {
    let h = harness().await;
    let member = h.bv("other_member_id");
    let list = format!(
        "/v1/b2b/sessions?organization_id={}&member_id={member}",
        h.bv("organization_id")
    );
    let (_, token, _) = h.mint_b2b(json!({"member_id": member})).await;
    assert!(ids(&h.b2b(Method::GET, &list, None).await).len() >= 2);
    let primary_before = ids(&h
        .b2b(
            Method::GET,
            &format!(
                "/v1/b2b/sessions?organization_id={}&member_id={}",
                h.bv("organization_id"),
                h.bv("member_id")
            ),
            None,
        )
        .await);
    let r = h
        .b2b(
            Method::POST,
            "/v1/b2b/sessions/revoke",
            Some(json!({"member_id": member})),
        )
        .await;
    assert_stytch_ok(&r);
    assert!(ids(&h.b2b(Method::GET, &list, None).await).is_empty());
    let r = h
        .b2b(
            Method::POST,
            "/v1/b2b/sessions/authenticate",
            Some(json!({"session_token": token})),
        )
        .await;
    assert_stytch_error(&r, 404, "session_not_found");
    // Other members are untouched.
    let primary_after = ids(&h
        .b2b(
            Method::GET,
            &format!(
                "/v1/b2b/sessions?organization_id={}&member_id={}",
                h.bv("organization_id"),
                h.bv("member_id")
            ),
            None,
        )
        .await);
    assert_eq!(primary_before, primary_after);
}

#[tokio::test]
async fn revoke_errors() {
    let h = harness().await;
    let (id, token, _) = h.mint_b2b(json!({})).await;
    let cases = [
        (json!({}), 400, "no_session_revoke_arguments"),
        (
            json!({"member_session_id": id, "member_id": h.bv("member_id")}),
            400,
            "too_many_session_revoke_arguments",
        ),
        (
            json!({"session_token": token, "session_jwt": "a"}),
            400,
            "too_many_session_revoke_arguments",
        ),
        (
            json!({"member_session_id": "bogus"}),
            400,
            "invalid_session_id",
        ),
        (
            json!({"member_id": h.bv("unknown_member_id")}),
            404,
            "member_not_found",
        ),
        (json!({"session_token": "nope"}), 404, "session_not_found"),
    ];
    for (body, status, error_type) in cases {
        let r = h
            .b2b(Method::POST, "/v1/b2b/sessions/revoke", Some(body))
            .await;
        assert_stytch_error(&r, status, error_type);
    }
}

#[tokio::test]
async fn jwks_and_mint_errors() {
    let h = harness().await;
    let r = h
        .b2b(
            Method::GET,
            &format!("/v1/b2b/sessions/jwks/{}", h.bv("project_id")),
            None,
        )
        .await;
    assert_stytch_ok(&r);
    assert_eq!(r.json["keys"][0]["key_ops"], json!(["verify"]));
    let r = h
        .b2b(
            Method::GET,
            &format!("/v1/b2b/sessions/jwks/{}", h.sv("project_id")),
            None,
        )
        .await;
    assert_stytch_error(&r, 404, "project_not_found");
    let r = h
        .b2b(
            Method::POST,
            &h.bv("mint_path"),
            Some(json!({"organization_id": h.bv("unknown_organization_id")})),
        )
        .await;
    assert_stytch_error(&r, 404, "organization_not_found");
    let r = h
        .b2b(
            Method::POST,
            &h.bv("mint_path"),
            Some(json!({"organization_id": h.bv("other_organization_id"), "member_id": h.bv("member_id")})),
        )
        .await;
    assert_stytch_error(&r, 404, "member_not_found");
    // Minting by slug works and reports the canonical ids.
    let r = h
        .b2b(
            Method::POST,
            &h.bv("mint_path"),
            Some(json!({"organization_id": h.bv("organization_slug")})),
        )
        .await;
    assert_stytch_ok(&r);
    assert_eq!(r.json["organization_id"], h.bv("organization_id").as_str());
    assert_eq!(r.json["member_id"], h.bv("member_id").as_str());
}
