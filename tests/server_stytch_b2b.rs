//! Stytch B2B routes over real HTTP: org/member resolution, authenticate,
//! revoke (including by member), JWKS and errors.

#![cfg(feature = "server")]

mod server_support;

use reqwest::Method;
use serde_json::{Value, json};
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

const EXCHANGE: &str = "/v1/b2b/sessions/exchange";
/// The fixture organization that allows SSO only (the reference server's
/// fixtures; not a target var because no portable case needs it).
const SSO_ONLY_SLUG: &str = "sessconform-sso-only";

#[tokio::test]
async fn exchange_into_an_organization_where_the_email_is_a_member() {
    let h = harness().await;
    let exchange_org = h.bv("exchange_organization_id");
    let other = h.bv("other_member_id");
    let project = h.bv("project_id");
    let jwks = format!("{}/v1/b2b/sessions/jwks/{project}", h.b2b.base_url);
    let (source_id, token, jwt) = h.mint_b2b(json!({"member_id": other})).await;

    let r = h
        .b2b(
            Method::POST,
            EXCHANGE,
            Some(json!({
                "organization_id": exchange_org,
                "session_token": token,
                "session_duration_minutes": 30,
                "session_custom_claims": {"team": "blue", "sub": "ignored"},
                "locale": "pt-br",
                "telemetry_id": "026ac93b-8cdf-4fcb-bfa6-36a31cfecac1",
            })),
        )
        .await;
    assert_stytch_ok(&r);
    let b = &r.json;
    assert_eq!(b["member_authenticated"], true, "{}", r.text);
    assert_eq!(b["intermediate_session_token"], "");
    assert!(b.get("mfa_required").is_none() && b.get("primary_required").is_none());
    let new_member = b["member_id"].as_str().unwrap().to_owned();
    assert_ne!(
        new_member, other,
        "a different member, in the other organization"
    );
    assert_eq!(b["member"]["member_id"], new_member.as_str());
    assert_eq!(b["member"]["organization_id"], exchange_org.as_str());
    assert_eq!(b["organization"]["organization_id"], exchange_org.as_str());
    let s = &b["member_session"];
    assert_eq!(s["member_id"], new_member.as_str());
    assert_eq!(s["organization_id"], exchange_org.as_str());
    assert_eq!(
        s["organization_slug"],
        b["organization"]["organization_slug"]
    );
    assert_ne!(s["member_session_id"], source_id.as_str());
    assert_eq!(s["custom_claims"], json!({"team": "blue"}));
    let left = ts(&s["expires_at"]) - ts(&s["started_at"]);
    assert_eq!(left, time::Duration::minutes(30));
    // The email magic link factor moved, naming the new member's email.
    let factors = s["authentication_factors"].as_array().unwrap();
    assert_eq!(factors.len(), 1, "{factors:?}");
    assert_eq!(factors[0]["type"], "magic_link");
    assert_eq!(
        factors[0]["email_factor"]["email_address"],
        b["member"]["email_address"]
    );
    let new_token = b["session_token"].as_str().unwrap().to_owned();
    assert_ne!(new_token, token);
    let claims = verify_jwt(
        &h.client,
        &jwks,
        &h.b2b_auth(),
        b["session_jwt"].as_str().unwrap(),
        Some(&project),
    )
    .await;
    assert_eq!(claims["sub"], new_member.as_str());
    assert_eq!(claims["team"], "blue");
    assert_eq!(
        claims["https://stytch.com/organization"]["organization_id"],
        exchange_org.as_str()
    );

    // The new session is a real session of the new member...
    let r = h
        .b2b(
            Method::POST,
            "/v1/b2b/sessions/authenticate",
            Some(json!({"session_token": new_token})),
        )
        .await;
    assert_stytch_ok(&r);
    assert_eq!(r.json["member"]["member_id"], new_member.as_str());
    let listed = h
        .b2b(
            Method::GET,
            &format!("/v1/b2b/sessions?organization_id={exchange_org}&member_id={new_member}"),
            None,
        )
        .await;
    assert_eq!(ids(&listed), vec![s["member_session_id"].as_str().unwrap()]);
    // ...and the original session is untouched.
    let r = h
        .b2b(
            Method::POST,
            "/v1/b2b/sessions/authenticate",
            Some(json!({"session_token": token})),
        )
        .await;
    assert_stytch_ok(&r);
    assert_eq!(r.json["member"]["member_id"], other.as_str());

    // By slug and external id, with the session JWT.
    let org = &b["organization"];
    for key in [
        org["organization_slug"].as_str().unwrap(),
        org["organization_external_id"].as_str().unwrap(),
    ] {
        let r = h
            .b2b(
                Method::POST,
                EXCHANGE,
                Some(json!({"organization_id": key, "session_jwt": jwt})),
            )
            .await;
        assert_stytch_ok(&r);
        assert_eq!(r.json["member_authenticated"], true, "{key}");
        assert_eq!(r.json["member_id"], new_member.as_str());
        // Without session_duration_minutes the new session lasts an hour.
        let s = &r.json["member_session"];
        assert_eq!(
            ts(&s["expires_at"]) - ts(&s["started_at"]),
            time::Duration::minutes(60)
        );
    }
}

#[tokio::test]
async fn exchange_needing_mfa_or_primary_authentication_gives_an_intermediate_token() {
    let h = harness().await;
    let exchange_org = h.bv("exchange_organization_id");
    // The primary member's counterpart is enrolled in SMS MFA; a fresh session
    // carries only an email magic link.
    let (_, token, _) = h.mint_b2b(json!({"member_id": h.bv("member_id")})).await;
    let r = h
        .b2b(
            Method::POST,
            EXCHANGE,
            Some(
                json!({"organization_id": exchange_org, "session_token": token,
                        "session_duration_minutes": 30, "session_custom_claims": {"a": 1}}),
            ),
        )
        .await;
    assert_stytch_ok(&r);
    let b = &r.json;
    assert_eq!(b["member_authenticated"], false, "{}", r.text);
    assert_eq!(b["session_token"], "");
    assert_eq!(b["session_jwt"], "");
    assert!(b.get("member_session").is_none());
    assert!(b.get("primary_required").is_none());
    let ist = b["intermediate_session_token"].as_str().unwrap();
    assert!(ist.len() >= 40, "{ist}");
    assert_eq!(
        b["mfa_required"],
        json!({"member_options": {"mfa_phone_number": "+12025550111", "totp_registration_id": ""},
               "secondary_auth_initiated": "sms_otp"})
    );
    assert_eq!(b["member"]["mfa_enrolled"], true);
    let counterpart = b["member_id"].as_str().unwrap();
    let listed = h
        .b2b(
            Method::GET,
            &format!("/v1/b2b/sessions?organization_id={exchange_org}&member_id={counterpart}"),
            None,
        )
        .await;
    assert!(ids(&listed).is_empty(), "no session without MFA");

    // The primary member's fixture session also carries an SMS OTP factor sent to
    // that same phone number, which satisfies MFA (and exchange leaves it intact).
    let r = h
        .b2b(
            Method::POST,
            EXCHANGE,
            Some(json!({"organization_id": exchange_org, "session_token": h.bv("session_token")})),
        )
        .await;
    assert_stytch_ok(&r);
    assert_eq!(r.json["member_authenticated"], true, "{}", r.text);
    assert_eq!(r.json["member_id"], counterpart);
    // Of magic_link/email, email_otp/email and otp/sms only two transfer.
    let kinds: Vec<(&str, &str)> = r.json["member_session"]["authentication_factors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["type"].as_str().unwrap(),
                f["delivery_method"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(kinds, vec![("magic_link", "email"), ("otp", "sms")]);

    // An SSO-only organization needs a primary step that did not transfer.
    let (_, token, _) = h
        .mint_b2b(json!({"member_id": h.bv("other_member_id")}))
        .await;
    let r = h
        .b2b(
            Method::POST,
            EXCHANGE,
            Some(json!({"organization_id": SSO_ONLY_SLUG, "session_token": token})),
        )
        .await;
    assert_stytch_ok(&r);
    assert_eq!(r.json["member_authenticated"], false, "{}", r.text);
    assert_eq!(
        r.json["primary_required"],
        json!({"allowed_auth_methods": ["sso"]})
    );
    assert!(r.json.get("mfa_required").is_none());
    assert_ne!(r.json["intermediate_session_token"], "");
    assert_eq!(r.json["organization"]["auth_methods"], "RESTRICTED");
}

#[tokio::test]
async fn exchange_errors() {
    let h = harness().await;
    let exchange_org = h.bv("exchange_organization_id");
    let (id, token, jwt) = h
        .mint_b2b(json!({"member_id": h.bv("other_member_id")}))
        .await;
    let (_, revoked, _) = h
        .mint_b2b(json!({"member_id": h.bv("other_member_id")}))
        .await;
    let r = h
        .b2b(
            Method::POST,
            "/v1/b2b/sessions/revoke",
            Some(json!({"session_token": revoked})),
        )
        .await;
    assert_stytch_ok(&r);
    let cases = [
        (json!({"session_token": token}), 400, "bad_request"),
        (
            json!({"organization_id": exchange_org}),
            400,
            "no_session_arguments",
        ),
        (
            json!({"organization_id": exchange_org, "session_token": token, "session_jwt": jwt}),
            400,
            "too_many_session_arguments",
        ),
        (
            json!({"organization_id": exchange_org, "session_token": token, "locale": "en-US"}),
            400,
            "invalid_locale",
        ),
        (
            json!({"organization_id": exchange_org, "session_token": token, "session_duration_minutes": 4}),
            400,
            "invalid_session_duration_minutes",
        ),
        (
            json!({"organization_id": exchange_org, "session_jwt": "x.y.z"}),
            400,
            "unable_to_parse_session_jwt",
        ),
        (
            json!({"organization_id": h.bv("unknown_organization_id"), "session_token": token}),
            404,
            "organization_not_found",
        ),
        // The other organization has no member with this email address, and
        // exchange does not provision one.
        (
            json!({"organization_id": h.bv("other_organization_id"), "session_token": token}),
            404,
            "member_does_not_exist_in_organization",
        ),
        (
            json!({"organization_id": exchange_org, "session_token": "unknown"}),
            404,
            "session_not_found",
        ),
        (
            json!({"organization_id": exchange_org, "session_token": revoked}),
            404,
            "session_not_found",
        ),
    ];
    for (body, status, error_type) in cases {
        let r = h.b2b(Method::POST, EXCHANGE, Some(body.clone())).await;
        assert_stytch_error(&r, status, error_type);
    }
    // Failed exchanges changed nothing: the session still works.
    let r = h
        .b2b(
            Method::POST,
            "/v1/b2b/sessions/authenticate",
            Some(json!({"session_token": token})),
        )
        .await;
    assert_stytch_ok(&r);
    assert_eq!(r.json["member_session"]["member_session_id"], id.as_str());
    let url = format!("{}{EXCHANGE}", h.b2b.base_url);
    let body = json!({"organization_id": exchange_org, "session_token": token});
    for auth in [
        Auth::None,
        Auth::Basic(h.bv("project_id"), "secret-test-wrong".into()),
    ] {
        let r = send(&h.client, Method::POST, &url, &auth, &[], Some(&body)).await;
        assert_stytch_error(&r, 401, "unauthorized_credentials");
    }
}

/// The roles the vendor's SDKs grant locally: a role of the session whose permission names
/// exactly `resource` and lists `action` or `*` (stytch-node `performBaseRoleAuthorizationCheck`).
fn sdk_granting_roles(policy: &Value, roles: &[Value], resource: &str, action: &str) -> Vec<Value> {
    roles
        .iter()
        .filter(|role| {
            policy["roles"].as_array().unwrap().iter().any(|r| {
                r["role_id"] == **role
                    && r["permissions"].as_array().unwrap().iter().any(|p| {
                        p["resource_id"] == resource
                            && p["actions"]
                                .as_array()
                                .unwrap()
                                .iter()
                                .any(|a| a == "*" || a == action)
                    })
            })
        })
        .cloned()
        .collect()
}

#[tokio::test]
async fn rbac_policy_has_the_documented_shape_and_agrees_with_authorization_check() {
    let h = harness().await;
    let r = h.b2b(Method::GET, "/v1/b2b/rbac/policy", None).await;
    assert_stytch_ok(&r);
    let policy = &r.json["policy"];
    for role in policy["roles"].as_array().unwrap() {
        assert!(role["role_id"].is_string() && role["description"].is_string());
        for p in role["permissions"].as_array().unwrap() {
            assert!(p["resource_id"].is_string() && p["actions"].is_array());
        }
    }
    let resources = policy["resources"].as_array().unwrap();
    for res in resources {
        assert!(res["resource_id"].is_string() && res["description"].is_string());
    }
    assert_eq!(policy["scopes"], json!([]));
    // Sessions with each fixture role set: member + editor, member, member + admin.
    let sessions = [
        h.mint_b2b(json!({"member_id": h.bv("member_id")})).await,
        h.mint_b2b(json!({"member_id": h.bv("other_member_id")}))
            .await,
        h.mint_b2b(json!({"organization_id": h.bv("other_organization_id")}))
            .await,
    ];
    let mut granted = 0;
    let mut refused = 0;
    for (_, token, _) in &sessions {
        let who = h
            .b2b(
                Method::POST,
                "/v1/b2b/sessions/authenticate",
                Some(json!({"session_token": token})),
            )
            .await;
        let org = who.json["member_session"]["organization_id"].clone();
        let roles = who.json["member_session"]["roles"]
            .as_array()
            .unwrap()
            .clone();
        for role in &roles {
            assert!(
                policy["roles"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|r| r["role_id"] == *role),
                "fixture role {role} is not in the policy"
            );
        }
        let mut checks: Vec<(String, String)> = vec![("reports".into(), "read".into())];
        for res in resources {
            for a in res["actions"].as_array().unwrap() {
                checks.push((
                    res["resource_id"].as_str().unwrap().to_owned(),
                    a.as_str().unwrap().to_owned(),
                ));
            }
        }
        for (resource, action) in checks {
            let expected = sdk_granting_roles(policy, &roles, &resource, &action);
            let body = json!({"session_token": token, "authorization_check": {
                "organization_id": org, "resource_id": resource, "action": action}});
            let r = h
                .b2b(Method::POST, "/v1/b2b/sessions/authenticate", Some(body))
                .await;
            if expected.is_empty() {
                assert_stytch_error(&r, 403, "unauthorized_action");
                refused += 1;
            } else {
                assert_stytch_ok(&r);
                assert_eq!(
                    r.json["verdict"]["granting_roles"],
                    Value::Array(expected),
                    "{resource} {action} {roles:?}"
                );
                granted += 1;
            }
        }
    }
    assert!(
        granted > 30 && refused > 30,
        "{granted} granted, {refused} refused"
    );
}

#[tokio::test]
async fn organization_policy_resolves_the_organization() {
    let h = harness().await;
    for key in [
        "organization_id",
        "organization_slug",
        "organization_external_id",
    ] {
        let path = format!("/v1/b2b/rbac/organizations/{}", h.bv(key));
        let r = h.b2b(Method::GET, &path, None).await;
        assert_stytch_ok(&r);
        assert_eq!(r.json["org_policy"], json!({"roles": []}), "{key}");
    }
    let path = format!(
        "/v1/b2b/rbac/organizations/{}",
        h.bv("unknown_organization_id")
    );
    let r = h.b2b(Method::GET, &path, None).await;
    assert_stytch_error(&r, 404, "organization_not_found");
    // Policies need the project's credentials, unlike the JWKS.
    let url = format!("{}/v1/b2b/rbac/policy", h.server.base_url());
    let r = send(&h.client, Method::GET, &url, &Auth::None, &[], None).await;
    assert_stytch_error(&r, 401, "unauthorized_credentials");
    let r = send(&h.client, Method::GET, &url, &h.stytch_auth(), &[], None).await;
    assert_stytch_error(&r, 400, "invalid_b2b_endpoint");
}
