//! The deterministic fixture world: credentials, fixed ids and initial state.
//!
//! Ids never change between runs; timestamps are relative to the server's start
//! so that "active" fixtures are active and "expired" ones expired.

use serde_json::{Map, Value, json};
use time::{Duration, OffsetDateTime, macros::datetime};

use super::clerk_store::{
    ABANDON_AFTER_MS, ClerkSession, ClerkStatus, ClerkWorld, SESSION_LIFETIME_MS,
};
use super::clock::{rfc3339, unix_ms};
use super::factors::{B2B_PAIRS, CONSUMER_PAIRS, Principal, factor, user_registrations};
use super::ids::{det_clerk_id, det_token, det_uuid};
use super::stytch_store::{
    B2bWorld, ConsumerWorld, Member, Organization, StytchSession, StytchUser,
};

// ---- Credentials (public test credentials of a local server) ----

/// Stytch consumer project id (Basic auth username).
pub(crate) const STYTCH_PROJECT_ID: &str = "project-test-6c0f1e4b-2a7d-4b8e-9f3c-5d1a7e2b8c40";
/// Stytch consumer project secret.
pub(crate) const STYTCH_SECRET: &str = "secret-test-kX2vR9qLm4Tz7Wc1Np8Ys3Hd6Bf0Ju5GaE=";
/// A second secret of the consumer project, limited to 1 request per 60 s.
pub(crate) const STYTCH_THROTTLED_SECRET: &str = "secret-test-thr0ttledConsumer1PerMinute00000=";
/// Stytch B2B project id.
pub(crate) const B2B_PROJECT_ID: &str = "project-test-b2b3a1d7-4e9c-4f62-8a15-c7d0e3f9b284";
/// Stytch B2B project secret.
pub(crate) const B2B_SECRET: &str = "secret-test-Vq7Lr2Xk9Pm4Zs1Cw8Ny3Dt6Hg0Bj5FaU=";
/// A second secret of the B2B project, limited to 1 request per 60 s.
pub(crate) const B2B_THROTTLED_SECRET: &str = "secret-test-thr0ttledB2B00001PerMinute000000=";
/// Clerk secret key.
pub(crate) const CLERK_SECRET_KEY: &str = "sk_test_c2Vzc2NvbmZvcm0tcmVmZXJlbmNlLXNlcnZlcg";
/// A second Clerk secret key, limited to 1 request per 60 s.
pub(crate) const CLERK_THROTTLED_SECRET_KEY: &str = "sk_test_dGhyb3R0bGVkLTEtcGVyLTYwLXNlY29uZHM";

// ---- Stytch consumer ----

/// Stytch's sandbox user (CONTRACTS.md §1.6): the primary fixture user.
pub(crate) const USER_ID: &str = "user-test-e3795c81-f849-4167-bfda-e4a6e9c280fd";
pub(crate) const USER_EXTERNAL_ID: &str = "sessconform-user-primary";
pub(crate) const OTHER_USER_ID: &str = "user-test-2d6a3b9e-5f7c-4c1e-9a0b-7e4d1c8f3a62";
pub(crate) const OTHER_USER_EXTERNAL_ID: &str = "sessconform-user-other";
/// A third user (no external id) carrying the rest of the factor catalogue.
pub(crate) const THIRD_USER_ID: &str = "user-test-9b1f4e2a-3c8d-4e6f-b7a5-0d2c6e8f1a43";
/// Well-formed, nonexistent.
pub(crate) const UNKNOWN_USER_ID: &str = "user-test-5a1e0f3c-7d2b-4a9e-8c6f-1b3d5e7f9a20";
/// Stytch's documented sandbox token that authenticates (CONTRACTS.md §1.6).
pub(crate) const SANDBOX_SESSION_TOKEN: &str = "WJtR5BCy38Szd5AfoDpf0iqFKEt4EE5JhjlWUY7l3FtY";
/// Stytch's documented sandbox token that answers 404 `session_not_found`.
pub(crate) const SANDBOX_UNKNOWN_SESSION_TOKEN: &str =
    "59cnLELtq5cFVS6uYK9f-pAWzBkhqZl8AvLhbhOvKNWw";
/// The sandbox session's id (the id in Stytch's docs examples).
pub(crate) const SANDBOX_SESSION_ID: &str = "session-test-fe6c042b-6286-479f-8a4f-b046a6c46509";
/// The sandbox session's documented `started_at`.
const SANDBOX_STARTED_AT: OffsetDateTime = datetime!(2021-08-28 00:41:58.935673 UTC);

// ---- Stytch B2B ----

pub(crate) const ORGANIZATION_ID: &str = "organization-test-07971b06-ac8b-4cdb-9c15-63b17e653931";
pub(crate) const ORGANIZATION_SLUG: &str = "sessconform-reference";
pub(crate) const ORGANIZATION_EXTERNAL_ID: &str = "sessconform-org-primary";
pub(crate) const OTHER_ORGANIZATION_ID: &str =
    "organization-test-4f8a2c61-9d3e-4b7a-a5c0-1e6f3b9d2a78";
pub(crate) const OTHER_ORGANIZATION_SLUG: &str = "sessconform-other";
pub(crate) const UNKNOWN_ORGANIZATION_ID: &str =
    "organization-test-0c3e5a7b-1d9f-4e2a-8b6c-4f0a2d8e6c13";
pub(crate) const MEMBER_ID: &str = "member-test-32fc5024-9c09-4da3-bd2e-c9ce4da9375f";
pub(crate) const MEMBER_EXTERNAL_ID: &str = "sessconform-member-primary";
pub(crate) const OTHER_MEMBER_ID: &str = "member-test-7a3d9e1b-5c2f-4a8e-b6d0-9f1c3e5a7b24";
pub(crate) const OTHER_MEMBER_EXTERNAL_ID: &str = "sessconform-member-other";
/// Token of the primary member's first active session (seeded like the others).
pub(crate) fn member_session_token() -> String {
    det_token(&format!("b2b/{MEMBER_ID}/0"))
}

/// A member of the other organization.
pub(crate) const FOREIGN_MEMBER_ID: &str = "member-test-c1e7a3f9-2b4d-4c6e-9a8f-5d3b1c7e9f02";
pub(crate) const UNKNOWN_MEMBER_ID: &str = "member-test-8e2c4a6f-0b1d-4f3e-a5c7-2d9b6e0f4a81";

// ---- Clerk ----

/// The instance's JWT template.
pub(crate) const CLERK_TEMPLATE: &str = "custom_hasura";
pub(crate) const CLERK_UNKNOWN_TEMPLATE: &str = "no_such_template";
/// Issuer of Clerk session tokens (the instance's Frontend API URL).
pub(crate) const CLERK_ISSUER: &str = "https://sessconform-reference.clerk.accounts.dev";
/// `azp` of Clerk session tokens (the app origin).
pub(crate) const CLERK_AZP: &str = "http://localhost:3000";

/// Fixed Clerk ids, derived once from seeds.
pub(crate) struct ClerkIds {
    pub(crate) user_id: String,
    pub(crate) other_user_id: String,
    pub(crate) unknown_user_id: String,
    pub(crate) client_id: String,
    pub(crate) second_client_id: String,
    pub(crate) other_client_id: String,
    pub(crate) organization_id: String,
    pub(crate) unknown_session_id: String,
}

impl ClerkIds {
    pub(crate) fn get() -> ClerkIds {
        ClerkIds {
            user_id: det_clerk_id("user", "clerk/user/primary"),
            other_user_id: det_clerk_id("user", "clerk/user/other"),
            unknown_user_id: det_clerk_id("user", "clerk/user/unknown"),
            client_id: det_clerk_id("client", "clerk/client/primary"),
            second_client_id: det_clerk_id("client", "clerk/client/second"),
            other_client_id: det_clerk_id("client", "clerk/client/other"),
            organization_id: det_clerk_id("org", "clerk/org/primary"),
            unknown_session_id: det_clerk_id("sess", "clerk/session/unknown"),
        }
    }
}

const USER_AGENTS: [&str; 3] = [
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/128.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
];

fn whole_seconds(t: OffsetDateTime) -> OffsetDateTime {
    t - Duration::nanoseconds(i64::from(t.nanosecond()))
}

/// How many sessions of each kind a principal gets.
struct SessionPlan {
    active: usize,
    expired: usize,
    revoked: usize,
}

/// Hands out the factor catalogue across sessions, a few pairs each.
struct FactorDealer {
    pairs: &'static [(&'static str, &'static str)],
    next: usize,
    per_session: usize,
}

impl FactorDealer {
    fn deal(&mut self, p: &Principal<'_>, at: &str) -> Vec<Value> {
        let mut out = Vec::new();
        for _ in 0..self.per_session {
            if self.next >= self.pairs.len() {
                break;
            }
            let (kind, delivery) = self.pairs[self.next];
            out.push(factor(kind, delivery, p, at));
            self.next += 1;
        }
        if out.is_empty() {
            out.push(factor("magic_link", "email", p, at));
        }
        out
    }
}

struct SessionBuilder<'a> {
    base: OffsetDateTime,
    prefix: &'a str,
    organization: Option<(String, String)>,
    roles: Vec<String>,
}

impl SessionBuilder<'_> {
    /// Builds the sessions of `plan` for one principal; `k` seeds ids.
    fn build(
        &self,
        subject: &str,
        p: &Principal<'_>,
        plan: &SessionPlan,
        dealer: &mut FactorDealer,
    ) -> Vec<StytchSession> {
        let mut out = Vec::new();
        let total = plan.active + plan.expired + plan.revoked;
        for n in 0..total {
            let seed = format!("{}/{subject}/{n}", self.prefix);
            let n32 = i64::try_from(n).unwrap_or(0);
            let (started, last, expires, revoked) = if n < plan.active {
                (
                    self.base - Duration::hours(3 * (n32 + 1)),
                    self.base - Duration::minutes(7 * (n32 + 1)),
                    self.base + Duration::hours(24 + 6 * n32),
                    false,
                )
            } else if n < plan.active + plan.expired {
                (
                    self.base - Duration::days(3 + n32),
                    self.base - Duration::days(2 + n32),
                    self.base - Duration::days(1 + n32),
                    false,
                )
            } else {
                (
                    self.base - Duration::hours(2 + n32),
                    self.base - Duration::hours(1 + n32),
                    self.base + Duration::days(1),
                    true,
                )
            };
            let at = rfc3339(started);
            let factors = if n < plan.active {
                dealer.deal(p, &at)
            } else {
                vec![factor("magic_link", "email", p, &at)]
            };
            out.push(StytchSession {
                id: format!("session-test-{}", det_uuid(&seed)),
                subject: subject.to_owned(),
                organization: self.organization.clone(),
                token: det_token(&seed),
                started_at: started,
                last_accessed_at: last,
                expires_at: expires,
                revoked,
                factors,
                custom_claims: Map::new(),
                roles: self.roles.clone(),
                ip_address: format!("203.0.113.{}", 10 + n),
                user_agent: USER_AGENTS[n % USER_AGENTS.len()].to_owned(),
                pinned: false,
            });
        }
        out
    }
}

struct PersonSpec {
    id: &'static str,
    external_id: Option<&'static str>,
    first: &'static str,
    last: &'static str,
    email: &'static str,
    email_id: String,
    phone: &'static str,
    roles: &'static [&'static str],
    plan: SessionPlan,
}

fn strings(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

/// The consumer project's users and sessions.
pub(crate) fn consumer_world(start: OffsetDateTime) -> ConsumerWorld {
    let base = whole_seconds(start);
    let people = [
        PersonSpec {
            id: USER_ID,
            external_id: Some(USER_EXTERNAL_ID),
            first: "Sandy",
            last: "Box",
            email: "sandbox@stytch.com",
            email_id: "email-test-81bf03a8-86e1-4d95-bd44-bb3495224953".to_owned(),
            phone: "+12025550101",
            roles: &["stytch_user", "editor"],
            plan: SessionPlan {
                active: 5,
                expired: 1,
                revoked: 1,
            },
        },
        PersonSpec {
            id: OTHER_USER_ID,
            external_id: Some(OTHER_USER_EXTERNAL_ID),
            first: "Olive",
            last: "Other",
            email: "olive.other@sessconform.example",
            email_id: format!("email-test-{}", det_uuid("stytch/email/other")),
            phone: "+12025550102",
            roles: &["stytch_user"],
            plan: SessionPlan {
                active: 3,
                expired: 1,
                revoked: 0,
            },
        },
        PersonSpec {
            id: THIRD_USER_ID,
            external_id: None,
            first: "Theo",
            last: "Third",
            email: "theo.third@sessconform.example",
            email_id: format!("email-test-{}", det_uuid("stytch/email/third")),
            phone: "+12025550103",
            roles: &["stytch_user"],
            plan: SessionPlan {
                active: 4,
                expired: 0,
                revoked: 1,
            },
        },
    ];
    // Pair 0 (magic_link/email) goes to the sandbox session; the rest are dealt out.
    let mut dealer = FactorDealer {
        pairs: CONSUMER_PAIRS,
        next: 1,
        per_session: 4,
    };
    let mut world = ConsumerWorld::default();
    for person in &people {
        let phone_id = format!(
            "phone-number-test-{}",
            det_uuid(&format!("{}/phone", person.id))
        );
        let p = Principal {
            seed: person.id,
            email: (&person.email_id, person.email),
            phone: (&phone_id, person.phone),
        };
        let builder = SessionBuilder {
            base,
            prefix: "stytch",
            organization: None,
            roles: strings(person.roles),
        };
        let mut sessions = builder.build(person.id, &p, &person.plan, &mut dealer);
        if person.id == USER_ID {
            sessions.insert(
                0,
                StytchSession {
                    id: SANDBOX_SESSION_ID.to_owned(),
                    subject: USER_ID.to_owned(),
                    organization: None,
                    token: SANDBOX_SESSION_TOKEN.to_owned(),
                    started_at: SANDBOX_STARTED_AT,
                    last_accessed_at: base - Duration::minutes(1),
                    expires_at: base + Duration::days(366),
                    revoked: false,
                    factors: vec![factor(
                        "magic_link",
                        "email",
                        &p,
                        &rfc3339(SANDBOX_STARTED_AT),
                    )],
                    custom_claims: Map::new(),
                    roles: strings(person.roles),
                    ip_address: String::new(),
                    user_agent: String::new(),
                    pinned: true,
                },
            );
        }
        let all_factors: Vec<Value> = sessions.iter().flat_map(|s| s.factors.clone()).collect();
        let json = consumer_user_json(person, &phone_id, &all_factors, base);
        world.users.push(StytchUser {
            id: person.id.to_owned(),
            external_id: person.external_id.map(str::to_owned),
            roles: strings(person.roles),
            email: (person.email_id.clone(), person.email.to_owned()),
            json,
        });
        for s in sessions {
            world.sessions.insert(s);
        }
    }
    world
}

fn consumer_user_json(
    person: &PersonSpec,
    phone_id: &str,
    factors: &[Value],
    base: OffsetDateTime,
) -> Value {
    let mut m = user_registrations(factors);
    m.insert("user_id".into(), json!(person.id));
    m.insert(
        "emails".into(),
        json!([{"email_id": person.email_id, "email": person.email, "verified": true}]),
    );
    m.insert("status".into(), json!("active"));
    m.insert(
        "phone_numbers".into(),
        json!([{"phone_id": phone_id, "phone_number": person.phone, "verified": true}]),
    );
    m.insert("is_locked".into(), json!(false));
    m.insert("roles".into(), json!(person.roles));
    m.insert(
        "name".into(),
        json!({"first_name": person.first, "middle_name": "", "last_name": person.last}),
    );
    m.insert(
        "created_at".into(),
        json!(rfc3339(base - Duration::days(90))),
    );
    if factors.iter().any(|f| f["delivery_method"] == "knowledge") {
        m.insert(
            "password".into(),
            json!({
                "password_id": format!("password-test-{}", det_uuid(&format!("{}/password", person.id))),
                "requires_reset": false,
            }),
        );
    }
    m.insert("trusted_metadata".into(), json!({}));
    m.insert("untrusted_metadata".into(), json!({}));
    if let Some(ext) = person.external_id {
        m.insert("external_id".into(), json!(ext));
    }
    Value::Object(m)
}

struct OrgSpec {
    id: &'static str,
    slug: &'static str,
    external_id: &'static str,
    name: &'static str,
}

struct MemberSpec {
    person: PersonSpec,
    organization: usize,
}

/// The B2B project's organizations, members and member sessions.
pub(crate) fn b2b_world(start: OffsetDateTime) -> B2bWorld {
    let base = whole_seconds(start);
    let orgs = [
        OrgSpec {
            id: ORGANIZATION_ID,
            slug: ORGANIZATION_SLUG,
            external_id: ORGANIZATION_EXTERNAL_ID,
            name: "Sessconform Reference Org",
        },
        OrgSpec {
            id: OTHER_ORGANIZATION_ID,
            slug: OTHER_ORGANIZATION_SLUG,
            external_id: "sessconform-org-other",
            name: "Sessconform Other Org",
        },
    ];
    let members = [
        MemberSpec {
            organization: 0,
            person: PersonSpec {
                id: MEMBER_ID,
                external_id: Some(MEMBER_EXTERNAL_ID),
                first: "Mara",
                last: "Member",
                email: "mara.member@sessconform.example",
                email_id: "email-test-81bf03a8-86e1-4d95-bd44-bb3495224953".to_owned(),
                phone: "+12025550111",
                roles: &["stytch_member", "editor"],
                plan: SessionPlan {
                    active: 3,
                    expired: 1,
                    revoked: 1,
                },
            },
        },
        MemberSpec {
            organization: 0,
            person: PersonSpec {
                id: OTHER_MEMBER_ID,
                external_id: Some(OTHER_MEMBER_EXTERNAL_ID),
                first: "Otto",
                last: "Colleague",
                email: "otto.colleague@sessconform.example",
                email_id: format!("email-test-{}", det_uuid("b2b/email/other")),
                phone: "+12025550112",
                roles: &["stytch_member"],
                plan: SessionPlan {
                    active: 2,
                    expired: 0,
                    revoked: 0,
                },
            },
        },
        MemberSpec {
            organization: 1,
            person: PersonSpec {
                id: FOREIGN_MEMBER_ID,
                external_id: None,
                first: "Fay",
                last: "Foreign",
                email: "fay.foreign@sessconform-other.example",
                email_id: format!("email-test-{}", det_uuid("b2b/email/foreign")),
                phone: "+12025550113",
                roles: &["stytch_member", "stytch_admin"],
                plan: SessionPlan {
                    active: 1,
                    expired: 0,
                    revoked: 0,
                },
            },
        },
    ];
    let mut world = B2bWorld::default();
    for o in &orgs {
        world.organizations.push(Organization {
            id: o.id.to_owned(),
            slug: o.slug.to_owned(),
            external_id: Some(o.external_id.to_owned()),
            json: organization_json(o, base),
        });
    }
    let mut dealer = FactorDealer {
        pairs: B2B_PAIRS,
        next: 0,
        per_session: 3,
    };
    for m in &members {
        let org = &orgs[m.organization];
        let person = &m.person;
        let phone_id = format!(
            "phone-number-test-{}",
            det_uuid(&format!("{}/phone", person.id))
        );
        let p = Principal {
            seed: person.id,
            email: (&person.email_id, person.email),
            phone: (&phone_id, person.phone),
        };
        let builder = SessionBuilder {
            base,
            prefix: "b2b",
            organization: Some((org.id.to_owned(), org.slug.to_owned())),
            roles: strings(person.roles),
        };
        for s in builder.build(person.id, &p, &person.plan, &mut dealer) {
            world.sessions.insert(s);
        }
        world.members.push(Member {
            id: person.id.to_owned(),
            organization_id: org.id.to_owned(),
            external_id: person.external_id.map(str::to_owned),
            roles: strings(person.roles),
            email: (person.email_id.clone(), person.email.to_owned()),
            json: member_json(person, org.id, base),
        });
    }
    world
}

fn organization_json(o: &OrgSpec, base: OffsetDateTime) -> Value {
    json!({
        "organization_id": o.id,
        "organization_name": o.name,
        "organization_logo_url": "",
        "organization_slug": o.slug,
        "organization_external_id": o.external_id,
        "sso_jit_provisioning": "ALL_ALLOWED",
        "sso_jit_provisioning_allowed_connections": [],
        "sso_active_connections": [],
        "email_allowed_domains": ["sessconform.example"],
        "email_jit_provisioning": "RESTRICTED",
        "email_invites": "ALL_ALLOWED",
        "auth_methods": "ALL_ALLOWED",
        "allowed_auth_methods": [],
        "mfa_policy": "OPTIONAL",
        "rbac_email_implicit_role_assignments": [],
        "mfa_methods": "ALL_ALLOWED",
        "allowed_mfa_methods": [],
        "oauth_tenant_jit_provisioning": "NOT_ALLOWED",
        "allowed_oauth_tenants": {},
        "claimed_email_domains": [],
        "first_party_connected_apps_allowed_type": "ALL_ALLOWED",
        "allowed_first_party_connected_apps": [],
        "third_party_connected_apps_allowed_type": "ALL_ALLOWED",
        "allowed_third_party_connected_apps": [],
        "custom_roles": [
            {
                "role_id": "editor",
                "description": "Can read and write documents",
                "permissions": [{"resource_id": "documents", "actions": ["read", "write"]}],
            },
            {
                "role_id": "viewer",
                "description": "Can read documents",
                "permissions": [{"resource_id": "documents", "actions": ["read"]}],
            },
        ],
        "trusted_metadata": {},
        "created_at": rfc3339(base - Duration::days(120)),
        "updated_at": rfc3339(base - Duration::days(30)),
    })
}

fn member_json(person: &PersonSpec, organization_id: &str, base: OffsetDateTime) -> Value {
    let roles: Vec<Value> = person
        .roles
        .iter()
        .map(|r| json!({"role_id": r, "sources": [{"type": "direct_assignment", "details": {}}]}))
        .collect();
    let mut m = json!({
        "organization_id": organization_id,
        "member_id": person.id,
        "email_address": person.email,
        "status": "active",
        "name": format!("{} {}", person.first, person.last),
        "sso_registrations": [],
        "is_breakglass": false,
        "member_password_id": "",
        "oauth_registrations": [],
        "email_address_verified": true,
        "mfa_phone_number_verified": false,
        "is_admin": person.roles.contains(&"stytch_admin"),
        "totp_registration_id": "",
        "retired_email_addresses": [],
        "is_locked": false,
        "mfa_enrolled": false,
        "mfa_phone_number": "",
        "default_mfa_method": "",
        "roles": roles,
        "trusted_metadata": {},
        "untrusted_metadata": {},
        "created_at": rfc3339(base - Duration::days(100)),
        "updated_at": rfc3339(base - Duration::days(10)),
    });
    if let (Some(ext), Some(obj)) = (person.external_id, m.as_object_mut()) {
        obj.insert("external_id".into(), json!(ext));
    }
    m
}

/// One Clerk fixture session: (seed, user, client, status, created minutes ago, tasks).
struct ClerkSpec {
    seed: &'static str,
    other_user: bool,
    client: usize,
    status: ClerkStatus,
    created_minutes_ago: i64,
}

/// The Clerk instance's users, clients and sessions.
pub(crate) fn clerk_world(start: OffsetDateTime) -> ClerkWorld {
    let ids = ClerkIds::get();
    let start_ms = unix_ms(whole_seconds(start));
    let min = 60_000;
    let specs = [
        ClerkSpec {
            seed: "pending",
            other_user: false,
            client: 0,
            status: ClerkStatus::Pending,
            created_minutes_ago: 30,
        },
        ClerkSpec {
            seed: "active-1",
            other_user: false,
            client: 0,
            status: ClerkStatus::Active,
            created_minutes_ago: 60,
        },
        ClerkSpec {
            seed: "other-active",
            other_user: true,
            client: 2,
            status: ClerkStatus::Active,
            created_minutes_ago: 120,
        },
        ClerkSpec {
            seed: "active-2",
            other_user: false,
            client: 0,
            status: ClerkStatus::Active,
            created_minutes_ago: 150,
        },
        ClerkSpec {
            seed: "active-3",
            other_user: false,
            client: 1,
            status: ClerkStatus::Active,
            created_minutes_ago: 180,
        },
        ClerkSpec {
            seed: "active-4",
            other_user: false,
            client: 1,
            status: ClerkStatus::Active,
            created_minutes_ago: 240,
        },
        ClerkSpec {
            seed: "revoked",
            other_user: false,
            client: 1,
            status: ClerkStatus::Revoked,
            created_minutes_ago: 300,
        },
        ClerkSpec {
            seed: "other-revoked",
            other_user: true,
            client: 2,
            status: ClerkStatus::Revoked,
            created_minutes_ago: 360,
        },
        ClerkSpec {
            seed: "ended",
            other_user: false,
            client: 0,
            status: ClerkStatus::Ended,
            created_minutes_ago: 480,
        },
        ClerkSpec {
            seed: "removed",
            other_user: false,
            client: 1,
            status: ClerkStatus::Removed,
            created_minutes_ago: 600,
        },
        ClerkSpec {
            seed: "replaced",
            other_user: false,
            client: 0,
            status: ClerkStatus::Replaced,
            created_minutes_ago: 720,
        },
        // Stored as active; reported as expired (8 days old) and abandoned (31 days old).
        ClerkSpec {
            seed: "expired",
            other_user: false,
            client: 1,
            status: ClerkStatus::Active,
            created_minutes_ago: 8 * 24 * 60,
        },
        ClerkSpec {
            seed: "abandoned",
            other_user: false,
            client: 0,
            status: ClerkStatus::Active,
            created_minutes_ago: 31 * 24 * 60,
        },
    ];
    let clients = [&ids.client_id, &ids.second_client_id, &ids.other_client_id];
    let mut world = ClerkWorld {
        users: vec![ids.user_id.clone(), ids.other_user_id.clone()],
        organizations: vec![ids.organization_id.clone()],
        sessions: Vec::new(),
        templates: vec![CLERK_TEMPLATE.to_owned()],
        last_created_at: start_ms,
    };
    for spec in &specs {
        let created_at = start_ms - spec.created_minutes_ago * min;
        let live = matches!(spec.status, ClerkStatus::Active | ClerkStatus::Pending);
        let ended_at = created_at + (spec.created_minutes_ago * min / 2).min(60 * min);
        let updated_at = if live { created_at } else { ended_at };
        let last_active_at = if live {
            (created_at + 5 * min).min(start_ms)
        } else {
            ended_at
        };
        let activity = (spec.status == ClerkStatus::Active).then(|| {
            json!({
                "object": "session_activity",
                "id": det_clerk_id("sess_activity", spec.seed),
                "device_type": "Macintosh",
                "is_mobile": false,
                "browser_name": "Chrome",
                "browser_version": "128.0.0.0",
                "ip_address": "192.0.2.10",
                "city": "San Francisco",
                "country": "US",
            })
        });
        world.sessions.push(ClerkSession {
            id: det_clerk_id("sess", &format!("clerk/session/{}", spec.seed)),
            user_id: if spec.other_user {
                ids.other_user_id.clone()
            } else {
                ids.user_id.clone()
            },
            client_id: clients[spec.client].clone(),
            status: spec.status,
            created_at,
            updated_at,
            last_active_at,
            expire_at: created_at + SESSION_LIFETIME_MS,
            abandon_at: created_at + ABANDON_AFTER_MS,
            last_active_organization_id: (spec.status == ClerkStatus::Active && !spec.other_user)
                .then(|| ids.organization_id.clone()),
            latest_activity: activity,
            tasks: if spec.status == ClerkStatus::Pending {
                vec!["choose-organization".to_owned()]
            } else {
                Vec::new()
            },
        });
    }
    world
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn consumer_fixtures_cover_every_factor_pair_in_active_sessions() {
        let start = OffsetDateTime::now_utc();
        let w = consumer_world(start);
        let mut seen = BTreeSet::new();
        for user in [USER_ID, OTHER_USER_ID, THIRD_USER_ID] {
            for s in w.sessions.list(user, start, false) {
                for f in &s.factors {
                    seen.insert((
                        f["type"].as_str().unwrap().to_owned(),
                        f["delivery_method"].as_str().unwrap().to_owned(),
                    ));
                }
            }
        }
        for (k, d) in CONSUMER_PAIRS {
            assert!(
                seen.contains(&((*k).to_owned(), (*d).to_owned())),
                "{k}/{d}"
            );
        }
        // The primary user has inactive sessions that must not be listed.
        assert!(
            w.sessions.list(USER_ID, start, true).len()
                > w.sessions.list(USER_ID, start, false).len()
        );
        assert!(w.sessions.list(USER_ID, start, false).len() >= 5);
        let sandbox = w.sessions.get(SANDBOX_SESSION_ID).unwrap();
        assert_eq!(rfc3339(sandbox.started_at), "2021-08-28T00:41:58.935673Z");
        assert_eq!(
            w.sessions.id_for_token(SANDBOX_SESSION_TOKEN),
            Some(SANDBOX_SESSION_ID)
        );
        for s in w.sessions.list(USER_ID, start, false) {
            assert!(s.started_at <= s.last_accessed_at && s.last_accessed_at < s.expires_at);
        }
    }

    #[test]
    fn b2b_and_clerk_fixtures_are_consistent() {
        let start = OffsetDateTime::now_utc();
        let b = b2b_world(start);
        assert_eq!(
            b.resolve_organization(ORGANIZATION_SLUG).unwrap().id,
            ORGANIZATION_ID
        );
        assert_eq!(
            b.resolve_member(ORGANIZATION_ID, MEMBER_EXTERNAL_ID)
                .unwrap()
                .id,
            MEMBER_ID
        );
        assert!(
            b.resolve_member(ORGANIZATION_ID, FOREIGN_MEMBER_ID)
                .is_none()
        );
        assert_eq!(b.sessions.list(MEMBER_ID, start, false).len(), 3);
        let id = b.sessions.id_for_token(&member_session_token()).unwrap();
        assert!(b.sessions.get(id).unwrap().is_active(start));
        let c = clerk_world(start);
        let created: BTreeSet<i64> = c.sessions.iter().map(|s| s.created_at).collect();
        assert_eq!(created.len(), c.sessions.len(), "distinct created_at");
        for s in &c.sessions {
            assert!(s.expire_at > s.created_at && s.abandon_at >= s.expire_at);
            assert!(s.updated_at >= s.created_at);
        }
    }
}
