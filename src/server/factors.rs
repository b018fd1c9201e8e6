//! Stytch authentication factors: every `type`/`delivery_method` pair of
//! CONTRACTS.md §2.3 with its `*_factor` object, and the user registrations
//! those factors imply.

use serde_json::{Map, Value, json};

use super::ids::det_uuid;

/// Every consumer `type`/`delivery_method` pair (all 44 delivery methods, plus
/// `otp` by email from the older consumer docs).
pub(crate) const CONSUMER_PAIRS: &[(&str, &str)] = &[
    ("magic_link", "email"),
    ("magic_link", "embedded"),
    ("email_otp", "email"),
    ("otp", "sms"),
    ("otp", "whatsapp"),
    ("otp", "email"),
    ("oauth", "oauth_google"),
    ("oauth", "oauth_microsoft"),
    ("oauth", "oauth_apple"),
    ("oauth", "oauth_github"),
    ("oauth", "oauth_facebook"),
    ("oauth", "oauth_amazon"),
    ("oauth", "oauth_bitbucket"),
    ("oauth", "oauth_coinbase"),
    ("oauth", "oauth_discord"),
    ("oauth", "oauth_figma"),
    ("oauth", "oauth_gitlab"),
    ("oauth", "oauth_instagram"),
    ("oauth", "oauth_linkedin"),
    ("oauth", "oauth_shopify"),
    ("oauth", "oauth_slack"),
    ("oauth", "oauth_snapchat"),
    ("oauth", "oauth_spotify"),
    ("oauth", "oauth_steam"),
    ("oauth", "oauth_tiktok"),
    ("oauth", "oauth_twitch"),
    ("oauth", "oauth_twitter"),
    ("oauth", "oauth_salesforce"),
    ("oauth", "oauth_yahoo"),
    ("oauth", "oauth_hubspot"),
    ("oauth", "oauth_exchange_google"),
    ("oauth", "oauth_exchange_hubspot"),
    ("oauth", "oauth_exchange_slack"),
    ("oauth", "oauth_exchange_github"),
    ("oauth", "oauth_access_token_exchange"),
    ("password", "knowledge"),
    ("totp", "authenticator_app"),
    ("recovery_codes", "recovery_code"),
    ("sso", "sso_saml"),
    ("sso", "sso_oidc"),
    ("imported", "imported_auth0"),
    ("impersonated", "impersonation"),
    ("trusted_auth_token", "trusted_token_exchange"),
    ("webauthn", "webauthn_registration"),
    ("crypto", "crypto_wallet"),
    ("signature_challenge", "biometric"),
];

/// The pairs a B2B member session can carry (what B2B login methods produce).
pub(crate) const B2B_PAIRS: &[(&str, &str)] = &[
    ("magic_link", "email"),
    ("email_otp", "email"),
    ("otp", "sms"),
    ("oauth", "oauth_google"),
    ("oauth", "oauth_microsoft"),
    ("oauth", "oauth_github"),
    ("oauth", "oauth_hubspot"),
    ("oauth", "oauth_slack"),
    ("sso", "sso_saml"),
    ("sso", "sso_oidc"),
    ("password", "knowledge"),
    ("totp", "authenticator_app"),
    ("recovery_codes", "recovery_code"),
    ("impersonated", "impersonation"),
    ("trusted_auth_token", "trusted_token_exchange"),
];

/// Who a factor belongs to: seeds its ids and supplies its email and phone.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Principal<'a> {
    /// Seed for deterministic ids (e.g. the user id).
    pub(crate) seed: &'a str,
    /// (`email_id`, address).
    pub(crate) email: (&'a str, &'a str),
    /// (`phone_id`, number).
    pub(crate) phone: (&'a str, &'a str),
}

/// The `*_factor` key Stytch uses for an OAuth provider (note the snake-casing
/// quirks `git_lab`, `linked_in`, `tik_tok`).
fn oauth_key(provider: &str) -> String {
    let name = match provider {
        "gitlab" => "git_lab",
        "linkedin" => "linked_in",
        "tiktok" => "tik_tok",
        other => other,
    };
    format!("{name}_oauth_factor")
}

/// The factor object (key and value) for a delivery method, if it has one.
fn factor_object(delivery: &str, p: &Principal<'_>) -> Option<(String, Value)> {
    let id = |kind: &str| {
        format!(
            "{kind}-test-{}",
            det_uuid(&format!("{}/{delivery}/{kind}", p.seed))
        )
    };
    let email = || json!({"email_id": p.email.0, "email_address": p.email.1});
    let obj = match delivery {
        "email" => ("email_factor".to_owned(), email()),
        "sms" | "whatsapp" => (
            "phone_number_factor".to_owned(),
            json!({"phone_id": p.phone.0, "phone_number": p.phone.1}),
        ),
        "embedded" => (
            "embeddable_magic_link_factor".to_owned(),
            json!({"embedded_id": id("embedded")}),
        ),
        "oauth_access_token_exchange" => (
            "oauth_access_token_exchange_factor".to_owned(),
            json!({"client_id": id("connected-app")}),
        ),
        "knowledge" | "imported_auth0" => return None,
        "authenticator_app" => (
            "authenticator_app_factor".to_owned(),
            json!({"totp_id": id("totp")}),
        ),
        "recovery_code" => (
            "recovery_code_factor".to_owned(),
            json!({"totp_recovery_code_id": id("totp-recovery-code")}),
        ),
        "sso_saml" => (
            "saml_sso_factor".to_owned(),
            json!({
                "id": id("saml-registration"),
                "provider_id": id("saml-connection"),
                "external_id": format!("saml|{}", p.email.1),
            }),
        ),
        "sso_oidc" => (
            "oidc_sso_factor".to_owned(),
            json!({
                "id": id("oidc-registration"),
                "provider_id": id("oidc-connection"),
                "external_id": format!("oidc|{}", p.email.1),
            }),
        ),
        "impersonation" => (
            "impersonated_factor".to_owned(),
            json!({
                "impersonator_id": id("workspace-member"),
                "impersonator_email_address": "support@sessconform.example",
            }),
        ),
        "trusted_token_exchange" => (
            "trusted_auth_token_factor".to_owned(),
            json!({"token_id": id("trusted-token-profile")}),
        ),
        "webauthn_registration" => (
            "webauthn_factor".to_owned(),
            json!({
                "webauthn_registration_id": id("webauthn-registration"),
                "domain": "localhost",
                "user_agent": "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 Safari/537.36",
            }),
        ),
        "crypto_wallet" => {
            let addr = det_uuid(&format!("{}/wallet", p.seed)).replace('-', "");
            (
                "crypto_wallet_factor".to_owned(),
                json!({
                    "crypto_wallet_id": id("crypto-wallet"),
                    "crypto_wallet_address": format!("0x{}{}", addr, &addr[..8]),
                    "crypto_wallet_type": "ethereum",
                }),
            )
        }
        "biometric" => (
            "biometric_factor".to_owned(),
            json!({"biometric_registration_id": id("biometric-registration")}),
        ),
        d => {
            if let Some(provider) = d.strip_prefix("oauth_exchange_") {
                (
                    format!("{provider}_oauth_exchange_factor"),
                    json!({"email_id": p.email.0}),
                )
            } else if let Some(provider) = d.strip_prefix("oauth_") {
                let subject = det_uuid(&format!("{}/{provider}/subject", p.seed)).replace('-', "");
                (
                    oauth_key(provider),
                    json!({
                        "id": id("oauth-user-registration"),
                        "provider_subject": subject,
                        "email_id": p.email.0,
                    }),
                )
            } else {
                return None;
            }
        }
    };
    Some(obj)
}

/// One `AuthenticationFactor` in wire shape; all three timestamps are `at`.
pub(crate) fn factor(kind: &str, delivery: &str, p: &Principal<'_>, at: &str) -> Value {
    let mut m = Map::new();
    m.insert("type".into(), json!(kind));
    m.insert("delivery_method".into(), json!(delivery));
    m.insert("last_authenticated_at".into(), json!(at));
    m.insert("created_at".into(), json!(at));
    m.insert("updated_at".into(), json!(at));
    if let Some((key, obj)) = factor_object(delivery, p) {
        m.insert(key, obj);
    }
    Value::Object(m)
}

/// Display name of an OAuth provider as Stytch reports it in `providers[]`.
fn provider_type(key: &str) -> String {
    let raw = key.trim_end_matches("_oauth_factor").replace('_', "");
    let mut chars = raw.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => raw,
    }
}

/// The registration arrays of a consumer `User` implied by its factors
/// (`providers`, `totps`, `webauthn_registrations`, `crypto_wallets`,
/// `biometric_registrations`), each deduplicated.
pub(crate) fn user_registrations(factors: &[Value]) -> Map<String, Value> {
    let mut providers = Vec::new();
    let mut totps = Vec::new();
    let mut webauthn = Vec::new();
    let mut wallets = Vec::new();
    let mut biometrics = Vec::new();
    let push = |list: &mut Vec<Value>, v: Value| {
        if !list.contains(&v) {
            list.push(v);
        }
    };
    for f in factors {
        let Some(obj) = f.as_object() else { continue };
        for (key, v) in obj {
            if key.ends_with("_oauth_factor") {
                push(
                    &mut providers,
                    json!({
                        "provider_type": provider_type(key),
                        "provider_subject": v["provider_subject"],
                        "profile_picture_url": "",
                        "locale": "",
                        "oauth_user_registration_id": v["id"],
                    }),
                );
            }
            match key.as_str() {
                "authenticator_app_factor" => {
                    push(
                        &mut totps,
                        json!({"totp_id": v["totp_id"], "verified": true}),
                    );
                }
                "webauthn_factor" => push(
                    &mut webauthn,
                    json!({
                        "webauthn_registration_id": v["webauthn_registration_id"],
                        "domain": v["domain"],
                        "user_agent": v["user_agent"],
                        "verified": true,
                        "authenticator_type": "platform",
                        "name": "Passkey",
                    }),
                ),
                "crypto_wallet_factor" => push(
                    &mut wallets,
                    json!({
                        "crypto_wallet_id": v["crypto_wallet_id"],
                        "crypto_wallet_address": v["crypto_wallet_address"],
                        "crypto_wallet_type": v["crypto_wallet_type"],
                        "verified": true,
                    }),
                ),
                "biometric_factor" => push(
                    &mut biometrics,
                    json!({
                        "biometric_registration_id": v["biometric_registration_id"],
                        "verified": true,
                    }),
                ),
                _ => {}
            }
        }
    }
    let mut m = Map::new();
    m.insert("providers".into(), Value::Array(providers));
    m.insert("totps".into(), Value::Array(totps));
    m.insert("webauthn_registrations".into(), Value::Array(webauthn));
    m.insert("crypto_wallets".into(), Value::Array(wallets));
    m.insert("biometric_registrations".into(), Value::Array(biometrics));
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: Principal<'static> = Principal {
        seed: "u",
        email: ("email-test-1", "a@example.com"),
        phone: ("phone-number-test-1", "+12025550123"),
    };

    #[test]
    fn every_delivery_method_is_covered_once_with_its_object() {
        let mut deliveries: Vec<&str> = CONSUMER_PAIRS.iter().map(|p| p.1).collect();
        deliveries.sort_unstable();
        deliveries.dedup();
        assert_eq!(deliveries.len(), 44);
        for (kind, delivery) in CONSUMER_PAIRS {
            let f = factor(kind, delivery, &P, "2024-01-01T00:00:00Z");
            let objects: Vec<&String> = f
                .as_object()
                .unwrap()
                .keys()
                .filter(|k| k.ends_with("_factor"))
                .collect();
            let expected = usize::from(!matches!(*delivery, "knowledge" | "imported_auth0"));
            assert_eq!(objects.len(), expected, "{kind}/{delivery}: {f}");
        }
        let f = factor("oauth", "oauth_gitlab", &P, "t");
        assert!(f.get("git_lab_oauth_factor").is_some());
        let f = factor("oauth", "oauth_linkedin", &P, "t");
        assert!(f.get("linked_in_oauth_factor").is_some());
        let f = factor("oauth", "oauth_tiktok", &P, "t");
        assert!(f.get("tik_tok_oauth_factor").is_some());
        let f = factor("oauth", "oauth_exchange_slack", &P, "t");
        assert_eq!(f["slack_oauth_exchange_factor"]["email_id"], "email-test-1");
    }

    #[test]
    fn registrations_follow_factors() {
        let factors: Vec<Value> = CONSUMER_PAIRS
            .iter()
            .map(|(k, d)| factor(k, d, &P, "t"))
            .collect();
        let regs = user_registrations(&factors);
        assert_eq!(regs["providers"].as_array().unwrap().len(), 24);
        assert_eq!(regs["totps"].as_array().unwrap().len(), 1);
        assert_eq!(regs["providers"][0]["provider_type"], "Google");
    }
}
