//! Stytch B2B `POST /v1/b2b/sessions/exchange`: switches a member's session into
//! another organization where the same email address has a member
//! (CONTRACTS.md §3.5).
//!
//! Only email magic link, OAuth and SMS OTP factors transfer. The target
//! organization's primary authentication rules (`auth_methods`) and MFA (its
//! `mfa_policy`, or the target member's own SMS enrolment) decide whether the
//! member is fully authenticated (a new session) or gets an intermediate
//! session token plus `primary_required` and/or `mfa_required`. No route of this
//! server consumes intermediate session tokens (the discovery, OTP and TOTP
//! endpoints are outside the sessions surface).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};
use time::Duration;

use super::clock;
use super::faults::Fault;
use super::ids::{random_token, random_uuid};
use super::state::{App, StytchApi};
use super::stytch_b2b::{member_session_json, organization_not_found};
use super::stytch_common::{
    StytchResult, active_session, claims_patch, duration, finish, opt_str, parse_body, session_ref,
    sign_session_jwt, touch_error, verify_ref,
};
use super::stytch_store::{Member, Organization, StytchSession, merge_claims};
use super::vendor_error::{StytchError, stytch_ok};

const API: StytchApi = StytchApi::B2b;

/// The `locale` values the spec allows.
const LOCALES: [&str; 8] = ["en", "es", "pt-br", "fr", "it", "de-DE", "zh-Hans", "ca-ES"];

/// Every primary authentication method, reported when an organization allows
/// all of them but the session carries none that transfers.
const ALL_AUTH_METHODS: [&str; 9] = [
    "sso",
    "magic_link",
    "email_otp",
    "password",
    "google_oauth",
    "microsoft_oauth",
    "slack_oauth",
    "github_oauth",
    "hubspot_oauth",
];

/// Lifetime of the new session when `session_duration_minutes` is absent.
const DEFAULT_MINUTES: i64 = 60;

fn factor_kind(factor: &Value) -> (&str, &str) {
    let s = |k: &str| factor.get(k).and_then(Value::as_str).unwrap_or_default();
    (s("type"), s("delivery_method"))
}

/// Whether a factor moves to the new session (email magic link, OAuth, SMS OTP).
fn transfers(factor: &Value) -> bool {
    matches!(
        factor_kind(factor),
        ("magic_link", "email") | ("oauth", _) | ("otp", "sms")
    )
}

/// The `allowed_auth_methods` name of a primary factor (`magic_link`, `google_oauth`, …).
fn primary_method(factor: &Value) -> Option<String> {
    match factor_kind(factor) {
        ("magic_link", "email") => Some("magic_link".to_owned()),
        ("oauth", delivery) => delivery
            .strip_prefix("oauth_")
            .map(|provider| format!("{provider}_oauth")),
        _ => None,
    }
}

/// What the member still has to do to log in to the target organization.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Requirements {
    /// The organization's allowed methods when no transferred factor satisfies them.
    primary: Option<Vec<String>>,
    /// An MFA step is required and no transferred factor satisfies it.
    mfa: bool,
}

fn requirements(factors: &[Value], org: &Organization, member: &Member) -> Requirements {
    let methods: Vec<String> = factors.iter().filter_map(primary_method).collect();
    let primary_ok = match &org.allowed_auth_methods {
        None => !methods.is_empty(),
        Some(allowed) => methods.iter().any(|m| allowed.contains(m)),
    };
    let primary = (!primary_ok).then(|| {
        org.allowed_auth_methods
            .clone()
            .unwrap_or_else(|| ALL_AUTH_METHODS.iter().map(|m| (*m).to_owned()).collect())
    });
    // An SMS OTP factor satisfies MFA when it was sent to the target member's
    // verified MFA phone number.
    let sms_done = member.mfa_phone.as_deref().is_some_and(|phone| {
        factors.iter().any(|f| {
            factor_kind(f) == ("otp", "sms")
                && f["phone_number_factor"]["phone_number"].as_str() == Some(phone)
        })
    });
    Requirements {
        primary,
        mfa: (org.mfa_required || member.mfa_phone.is_some()) && !sms_done,
    }
}

/// A transferred factor, pointing at the target member's email where it names one.
fn retarget(mut factor: Value, member: &Member) -> Value {
    if let Some(obj) = factor.as_object_mut() {
        for (key, inner) in obj.iter_mut() {
            if !key.ends_with("_factor") {
                continue;
            }
            if let Some(inner) = inner.as_object_mut() {
                if inner.contains_key("email_id") {
                    inner.insert("email_id".into(), json!(member.email.0));
                }
                if inner.contains_key("email_address") {
                    inner.insert("email_address".into(), json!(member.email.1));
                }
            }
        }
    }
    factor
}

/// The outcome computed under the store lock.
enum Outcome {
    Authenticated(Box<StytchSession>),
    Pending(Requirements),
}

/// `POST /v1/b2b/sessions/exchange`.
pub(crate) async fn exchange(State(app): State<Arc<App>>, body: Bytes) -> Response {
    finish(&app, API, exchange_inner(&app, &body))
}

fn exchange_inner(app: &App, body: &[u8]) -> StytchResult {
    let body = parse_body(body)?;
    let org_key = opt_str(&body, "organization_id")?.ok_or_else(|| {
        StytchError::new(
            StatusCode::BAD_REQUEST,
            "bad_request",
            "The submitted request is invalid: organization_id is required.",
        )
    })?;
    let source_ref = session_ref(&body)?;
    let lifetime = duration(&body)?.unwrap_or(Duration::minutes(DEFAULT_MINUTES));
    let claims = claims_patch(&body)?;
    if let Some(locale) = opt_str(&body, "locale")?
        && !LOCALES.contains(&locale.as_str())
    {
        return Err(StytchError::new(
            StatusCode::BAD_REQUEST,
            "invalid_locale",
            format!("locale must be one of: {}.", LOCALES.join(", ")),
        ));
    }
    // Device fingerprinting is not emulated: `member_device` is never returned.
    opt_str(&body, "telemetry_id")?;
    let verified = verify_ref(app, API, &source_ref)?;
    let now = clock::now();
    let (outcome, member, org) = {
        let mut world = app.b2b();
        let source = active_session(&world.sessions, &verified, now)?.clone();
        let email = world
            .member(&source.subject)
            .map(|m| m.email.1.clone())
            .ok_or_else(StytchError::internal)?;
        let org = world
            .resolve_organization(&org_key)
            .cloned()
            .ok_or_else(organization_not_found)?;
        let member = world
            .member_by_email(&org.id, &email)
            .cloned()
            .ok_or_else(|| {
                StytchError::new(
                    StatusCode::NOT_FOUND,
                    "member_does_not_exist_in_organization",
                    "The member's email address has no member in this organization; exchange does not create members (use Exchange Intermediate Session).",
                )
            })?;
        let factors: Vec<Value> = source
            .factors
            .iter()
            .filter(|f| transfers(f))
            .map(|f| retarget(f.clone(), &member))
            .collect();
        let needs = requirements(&factors, &org, &member);
        let outcome = if needs.primary.is_none() && !needs.mfa {
            let custom_claims = match &claims {
                Some(patch) => merge_claims(&Map::new(), patch).map_err(touch_error)?,
                None => Map::new(),
            };
            let session = StytchSession {
                id: format!("session-test-{}", random_uuid()),
                subject: member.id.clone(),
                organization: if app.has(Fault::B2bExchangeKeepsOrganization) {
                    source.organization.clone()
                } else {
                    Some((org.id.clone(), org.slug.clone()))
                },
                token: random_token(),
                started_at: now,
                last_accessed_at: now,
                expires_at: now + lifetime,
                revoked: false,
                factors,
                custom_claims,
                roles: member.roles.clone(),
                ip_address: source.ip_address.clone(),
                user_agent: source.user_agent.clone(),
                pinned: false,
            };
            world.sessions.insert(session.clone());
            Outcome::Authenticated(Box::new(session))
        } else {
            Outcome::Pending(needs)
        };
        (outcome, member, org)
    };
    let mut out = Map::new();
    out.insert("member_id".into(), json!(member.id));
    match outcome {
        Outcome::Authenticated(session) => {
            let jwt = sign_session_jwt(app, API, &session)?;
            out.insert("session_token".into(), json!(session.token));
            out.insert("session_jwt".into(), json!(jwt));
            out.insert("member_authenticated".into(), json!(true));
            out.insert("intermediate_session_token".into(), json!(""));
            out.insert("member_session".into(), member_session_json(&session));
        }
        Outcome::Pending(needs) => {
            out.insert("session_token".into(), json!(""));
            out.insert("session_jwt".into(), json!(""));
            out.insert("member_authenticated".into(), json!(false));
            out.insert("intermediate_session_token".into(), json!(random_token()));
            if needs.mfa {
                // The OTP goes out pre-emptively once primary authentication is met.
                let initiated =
                    (needs.primary.is_none() && member.mfa_phone.is_some()).then_some("sms_otp");
                out.insert(
                    "mfa_required".into(),
                    json!({
                        "member_options": {
                            "mfa_phone_number": member.mfa_phone.clone().unwrap_or_default(),
                            "totp_registration_id": "",
                        },
                        "secondary_auth_initiated": initiated,
                    }),
                );
            }
            if let Some(methods) = needs.primary {
                out.insert(
                    "primary_required".into(),
                    json!({"allowed_auth_methods": methods}),
                );
            }
        }
    }
    out.insert("member".into(), member.json);
    out.insert("organization".into(), org.json);
    Ok(stytch_ok(out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(mfa_required: bool, allowed: Option<&[&str]>) -> Organization {
        Organization {
            id: "organization-test-x".into(),
            slug: "x".into(),
            external_id: None,
            mfa_required,
            allowed_auth_methods: allowed.map(|a| a.iter().map(|m| (*m).to_owned()).collect()),
            json: json!({}),
        }
    }

    fn member(mfa_phone: Option<&str>) -> Member {
        Member {
            id: "member-test-x".into(),
            organization_id: "organization-test-x".into(),
            external_id: None,
            roles: vec![],
            email: ("email-test-new".into(), "new@example.com".into()),
            mfa_phone: mfa_phone.map(str::to_owned),
            json: json!({}),
        }
    }

    fn factor(kind: &str, delivery: &str) -> Value {
        json!({"type": kind, "delivery_method": delivery,
               "email_factor": {"email_id": "email-test-old", "email_address": "old@example.com"},
               "phone_number_factor": {"phone_id": "p", "phone_number": "+12025550111"}})
    }

    #[test]
    fn only_email_magic_links_oauth_and_sms_transfer() {
        assert!(transfers(&factor("magic_link", "email")));
        assert!(transfers(&factor("oauth", "oauth_google")));
        assert!(transfers(&factor("otp", "sms")));
        for (k, d) in [
            ("password", "knowledge"),
            ("email_otp", "email"),
            ("sso", "sso_saml"),
            ("totp", "authenticator_app"),
        ] {
            assert!(!transfers(&factor(k, d)), "{k}/{d}");
        }
        assert_eq!(
            primary_method(&factor("oauth", "oauth_microsoft")).as_deref(),
            Some("microsoft_oauth")
        );
        assert_eq!(primary_method(&factor("otp", "sms")), None);
    }

    #[test]
    fn requirements_follow_the_organization_and_member() {
        let link = vec![factor("magic_link", "email")];
        let none = Requirements {
            primary: None,
            mfa: false,
        };
        assert_eq!(requirements(&link, &org(false, None), &member(None)), none);
        // Restricted primary methods.
        let sso = requirements(&link, &org(false, Some(&["sso"])), &member(None));
        assert_eq!(sso.primary, Some(vec!["sso".to_owned()]));
        assert!(!sso.mfa);
        let ok = requirements(
            &link,
            &org(false, Some(&["sso", "magic_link"])),
            &member(None),
        );
        assert_eq!(ok, none);
        // Nothing primary transfers into an organization allowing everything.
        let sms_only = vec![factor("otp", "sms")];
        let r = requirements(&sms_only, &org(false, None), &member(None));
        assert_eq!(r.primary.map(|m| m.len()), Some(ALL_AUTH_METHODS.len()));
        // MFA: by policy or enrolment; SMS to the member's phone satisfies it.
        assert!(requirements(&link, &org(true, None), &member(None)).mfa);
        assert!(requirements(&link, &org(false, None), &member(Some("+12025550111"))).mfa);
        let both = vec![factor("magic_link", "email"), factor("otp", "sms")];
        assert_eq!(
            requirements(&both, &org(true, None), &member(Some("+12025550111"))),
            none
        );
        assert!(requirements(&both, &org(false, None), &member(Some("+12025550999"))).mfa);
    }

    #[test]
    fn transferred_factors_name_the_target_members_email() {
        let f = retarget(factor("magic_link", "email"), &member(None));
        assert_eq!(f["email_factor"]["email_id"], "email-test-new");
        assert_eq!(f["email_factor"]["email_address"], "new@example.com");
        assert_eq!(f["phone_number_factor"]["phone_number"], "+12025550111");
    }
}
