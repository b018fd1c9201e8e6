//! A Stytch B2B double: GET /v1/b2b/sessions (with slug and external-id conveniences) and
//! POST /v1/b2b/sessions/authenticate (with the organization check of authorization_check).

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

use super::common::{api_block, basic, body, json as respond, jwt, now_secs, query, rfc3339};

pub const PROJECT: &str = "project-test-double-b2b0-4000-8000-000000000000";
pub const SECRET: &str = "secret-test-double-b2b";
pub const ORG: &str = "organization-test-00000000-0000-4000-8000-00000000000a";
pub const ORG_SLUG: &str = "double-org";
pub const ORG_EXTERNAL: &str = "double-org-external";
pub const OTHER_ORG: &str = "organization-test-00000000-0000-4000-8000-00000000000b";
pub const MEMBER: &str = "member-test-00000000-0000-4000-8000-00000000000c";
pub const MEMBER_EXTERNAL: &str = "double-member-external";
pub const TOKEN: &str = "double-b2b-session-token";

/// One deliberate deviation (or none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Break {
    /// Conformant.
    None,
    /// A session of another organization is listed (§5 Stytch 6).
    ListsForeignOrganization,
    /// The slug list misses a session (§5 Stytch 7).
    SlugSubset,
    /// authorization_check.organization_id is not compared with the member's (§5 Stytch 14).
    IgnoresAuthorizationOrganization,
}

pub struct B2bDouble {
    brk: Break,
    next: AtomicU64,
}

impl B2bDouble {
    pub fn new(brk: Break) -> Self {
        Self {
            brk,
            next: AtomicU64::new(1),
        }
    }

    /// The target-file block for this double.
    pub fn target(base_url: &str) -> String {
        api_block(
            "stytch-b2b",
            base_url,
            &format!("{{basic: {{username: \"{PROJECT}\", password: \"{SECRET}\"}}}}"),
            &[
                ("project_id", PROJECT),
                ("organization_id", ORG),
                ("organization_slug", ORG_SLUG),
                ("organization_external_id", ORG_EXTERNAL),
                ("member_id", MEMBER),
                ("member_external_id", MEMBER_EXTERNAL),
                ("other_organization_id", OTHER_ORG),
                ("session_token", TOKEN),
            ],
        )
    }

    fn request_id(&self) -> String {
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        format!("request-id-test-00000000-0000-4000-8000-{n:012}")
    }

    fn error(&self, status: u16, error_type: &str, message: &str) -> ResponseTemplate {
        respond(
            status,
            json!({
                "status_code": status,
                "request_id": self.request_id(),
                "error_type": error_type,
                "error_message": message,
                "error_url": format!("https://stytch.com/docs/b2b/api/errors/{status}#{error_type}")
            }),
        )
    }

    fn ok(&self, mut v: Value) -> ResponseTemplate {
        v["status_code"] = json!(200);
        v["request_id"] = json!(self.request_id());
        respond(200, v)
    }

    fn session(n: u32, org: &str, slug: &str) -> Value {
        json!({
            "member_session_id": format!("session-test-00000000-0000-4000-8000-{n:012}"),
            "member_id": MEMBER,
            "organization_id": org,
            "organization_slug": slug,
            "started_at": rfc3339(-3600),
            "last_accessed_at": rfc3339(-60),
            "expires_at": rfc3339(86_400),
            "authentication_factors": [{
                "type": "magic_link",
                "delivery_method": "email",
                "email_factor": {"email_id": "email-test-double", "email_address": "member@example.com"}
            }],
            "roles": ["stytch_member"],
            "custom_claims": {}
        })
    }

    fn list(&self, req: &Request) -> ResponseTemplate {
        let org = query(req, "organization_id");
        let member = query(req, "member_id");
        let (Some(org), Some(member)) = (org, member) else {
            return self.error(
                400,
                "bad_request",
                "organization_id and member_id are required.",
            );
        };
        if ![ORG, ORG_SLUG, ORG_EXTERNAL].contains(&org.as_str()) {
            return self.error(
                404,
                "organization_not_found",
                "Organization could not be found.",
            );
        }
        if ![MEMBER, MEMBER_EXTERNAL].contains(&member.as_str()) {
            return self.error(404, "member_not_found", "Member could not be found.");
        }
        // Three sessions, so that a list missing one still holds several (captures of one node
        // are scalars).
        let mut sessions = vec![
            Self::session(1, ORG, ORG_SLUG),
            Self::session(2, ORG, ORG_SLUG),
            Self::session(3, ORG, ORG_SLUG),
        ];
        match self.brk {
            Break::ListsForeignOrganization => {
                sessions.push(Self::session(4, OTHER_ORG, "double-other-org"));
            }
            Break::SlugSubset if org == ORG_SLUG => {
                sessions.pop();
            }
            _ => {}
        }
        self.ok(json!({"member_sessions": sessions}))
    }

    fn authenticate(&self, req: &Request) -> ResponseTemplate {
        let b = body(req);
        if b.get("session_token").and_then(Value::as_str) != Some(TOKEN) {
            return self.error(404, "session_not_found", "Session could not be found.");
        }
        let check_org = b
            .get("authorization_check")
            .and_then(|c| c.get("organization_id"))
            .and_then(Value::as_str);
        if check_org.is_some_and(|o| o != ORG)
            && self.brk != Break::IgnoresAuthorizationOrganization
        {
            return self.error(
                403,
                "session_authorization_tenancy_error",
                "The organization_id does not match the member's organization.",
            );
        }
        let iat = now_secs();
        let token_jwt = jwt(
            &json!({"alg": "RS256", "typ": "JWT", "kid": "jwk-test-double"}),
            &json!({"sub": MEMBER, "iat": iat, "nbf": iat, "exp": iat + 300}),
        );
        self.ok(json!({
            "member_session": Self::session(1, ORG, ORG_SLUG),
            "session_token": TOKEN,
            "session_jwt": token_jwt,
            "member": {"member_id": MEMBER, "organization_id": ORG},
            "organization": {"organization_id": ORG, "organization_slug": ORG_SLUG}
        }))
    }
}

impl Respond for B2bDouble {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        if basic(req) != Some((PROJECT.to_owned(), SECRET.to_owned())) {
            return self.error(401, "unauthorized_credentials", "Unauthorized credentials.");
        }
        match (req.method.as_str(), req.url.path()) {
            ("GET", "/v1/b2b/sessions") => self.list(req),
            ("POST", "/v1/b2b/sessions/authenticate") => self.authenticate(req),
            _ => self.error(404, "not_found", "Not found."),
        }
    }
}
