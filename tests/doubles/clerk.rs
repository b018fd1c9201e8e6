//! A Clerk Backend API sessions double: list (filters, limit/offset, paginated), create, get,
//! revoke, verify (old API versions only), tokens, template tokens, refresh errors and JWKS.

use std::sync::Mutex;
use std::sync::atomic::{AtomicI64, Ordering};

use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

use super::common::{
    api_block, bearer, body, header, json as respond, jwk_n, jwt, now_ms, now_secs, query,
};

pub const SECRET_KEY: &str = "sk_test_double_secret_key";
pub const THROTTLED_KEY: &str = "sk_test_double_throttled_key";
pub const USER: &str = "user_double_primary";
pub const OTHER_USER: &str = "user_double_other";
pub const CLIENT: &str = "client_double_primary";
pub const TEMPLATE: &str = "double_template";
pub const KID: &str = "ins_double_key";
const STATUSES: [&str; 7] = [
    "abandoned",
    "active",
    "ended",
    "expired",
    "removed",
    "replaced",
    "revoked",
];
const VERSIONS: [&str; 3] = ["2021-02-05", "2024-10-01", "2025-04-10"];

/// One deliberate deviation (or none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Break {
    /// Conformant.
    None,
    /// GET /sessions lists oldest first (§5 Clerk 3).
    OldestFirst,
    /// 429 responses lack Retry-After (§5 Clerk 13).
    NoRetryAfter,
    /// Paginated total_count is smaller than the page (§5 Clerk 4).
    TotalCountTooSmall,
    /// Revoke answers revoked but the session stays active (§5 Clerk 9).
    RevokeNotPersisted,
    /// 404 bodies use code `not_found` (§5 Clerk 9).
    NotFoundCode,
    /// Verify still works under 2025-04-10 (§5 Clerk 11).
    VerifyOnNewVersion,
    /// Timestamps are epoch seconds (§5 Clerk 8, a warning).
    SecondsTimestamps,
    /// 401 bodies are not ClerkErrors (§5 Clerk 1).
    Wrong401Body,
    /// The status filter is ignored (§5 Clerk 4).
    StatusFilterIgnored,
    /// limit is not bounded (§5 Clerk 4).
    LimitUnbounded,
    /// Tokens are not compact JWS (§5 Clerk 10).
    TokenNotJws,
}

#[derive(Debug, Clone)]
struct Session {
    id: String,
    user_id: String,
    client_id: String,
    status: String,
    created_at: i64,
}

pub struct ClerkDouble {
    brk: Break,
    next: AtomicI64,
    sessions: Mutex<Vec<Session>>,
}

type Reply = Result<Value, ResponseTemplate>;

impl ClerkDouble {
    pub fn new(brk: Break) -> Self {
        let now = now_ms();
        let s = |n: i64, user: &str, client: &str, status: &str| Session {
            id: format!("sess_double_{n}"),
            user_id: user.to_owned(),
            client_id: client.to_owned(),
            status: status.to_owned(),
            created_at: now - n * 3_600_000,
        };
        let sessions = vec![
            s(1, USER, CLIENT, "active"),
            s(2, USER, CLIENT, "active"),
            s(3, USER, "client_double_old", "ended"),
            s(4, OTHER_USER, "client_double_other", "active"),
        ];
        Self {
            brk,
            next: AtomicI64::new(100),
            sessions: Mutex::new(sessions),
        }
    }

    /// The target-file block for this double (with the version header the reference target sends).
    pub fn target(base_url: &str) -> String {
        let mut block = api_block(
            "clerk",
            base_url,
            &format!("{{bearer: \"{SECRET_KEY}\"}}"),
            &[
                ("user_id", USER),
                ("other_user_id", OTHER_USER),
                ("client_id", CLIENT),
                ("template_name", TEMPLATE),
                ("throttled_secret_key", THROTTLED_KEY),
            ],
        );
        block.push_str("    headers: {Clerk-API-Version: \"2025-04-10\"}\n");
        block
    }

    fn error(&self, status: u16, code: &str, message: &str) -> ResponseTemplate {
        let code = if status == 404 && self.brk == Break::NotFoundCode {
            "not_found"
        } else {
            code
        };
        respond(
            status,
            json!({
                "errors": [{"code": code, "message": message, "long_message": message, "meta": {}}],
                "meta": {},
                "clerk_trace_id": format!("trace_{}", self.next.fetch_add(1, Ordering::SeqCst))
            }),
        )
    }

    fn not_found(&self, what: &str) -> ResponseTemplate {
        self.error(404, "resource_not_found", &format!("{what} not found"))
    }

    fn ts(&self, ms: i64) -> Value {
        if self.brk == Break::SecondsTimestamps {
            json!(ms / 1000)
        } else {
            json!(ms)
        }
    }

    fn session_json(&self, s: &Session) -> Value {
        json!({
            "object": "session",
            "id": s.id,
            "user_id": s.user_id,
            "client_id": s.client_id,
            "actor": null,
            "status": s.status,
            "last_active_organization_id": null,
            "last_active_at": self.ts(s.created_at),
            "latest_activity": null,
            "expire_at": self.ts(s.created_at + 7 * 86_400_000),
            "abandon_at": self.ts(s.created_at + 30 * 86_400_000),
            "updated_at": self.ts(s.created_at),
            "created_at": self.ts(s.created_at)
        })
    }

    fn auth(&self, req: &Request) -> Result<(), ResponseTemplate> {
        match bearer(req) {
            Some(SECRET_KEY) => Ok(()),
            Some(THROTTLED_KEY) => {
                let e = self.error(429, "too_many_requests", "Too many requests");
                Err(if self.brk == Break::NoRetryAfter {
                    e
                } else {
                    e.insert_header("retry-after", "60")
                })
            }
            _ if self.brk == Break::Wrong401Body => {
                Err(respond(401, json!({"message": "Unauthorized"})))
            }
            _ => Err(self.error(401, "authentication_invalid", "Invalid authentication")),
        }
    }

    /// The requested API version, or a 400 when it is invalid or given twice.
    fn version(&self, req: &Request) -> Result<&'static str, ResponseTemplate> {
        let h = header(req, "clerk-api-version");
        let q = query(req, "__clerk_api_version");
        let v = match (h, q.as_deref()) {
            (Some(_), Some(_)) => {
                return Err(self.error(
                    400,
                    "request_invalid",
                    "Use either the header or the query parameter",
                ));
            }
            (Some(v), None) | (None, Some(v)) => v,
            (None, None) => "2021-02-05",
        };
        VERSIONS
            .iter()
            .find(|k| **k == v)
            .copied()
            .ok_or_else(|| self.error(400, "invalid_api_version", "Invalid API version"))
    }

    fn int_param(
        &self,
        req: &Request,
        name: &str,
        default: i64,
        min: i64,
        max: i64,
    ) -> Result<i64, ResponseTemplate> {
        let Some(raw) = query(req, name) else {
            return Ok(default);
        };
        let invalid = || {
            self.error(
                422,
                "form_param_value_invalid",
                &format!("{name} is invalid"),
            )
        };
        let n: i64 = raw.parse().map_err(|_| invalid())?;
        let unbounded = self.brk == Break::LimitUnbounded && name == "limit";
        if (n < min || n > max) && !unbounded {
            return Err(invalid());
        }
        Ok(n)
    }

    fn list(&self, req: &Request) -> Reply {
        let limit = self.int_param(req, "limit", 10, 1, 500)?;
        let offset = self.int_param(req, "offset", 0, 0, i64::MAX)?;
        let status = query(req, "status");
        if let Some(s) = &status
            && !STATUSES.contains(&s.as_str())
        {
            return Err(self.error(422, "form_param_value_invalid", "status is invalid"));
        }
        let user = query(req, "user_id");
        let client = query(req, "client_id");
        let mut found: Vec<Session> = self
            .sessions
            .lock()
            .unwrap()
            .iter()
            .filter(|s| user.as_ref().is_none_or(|u| &s.user_id == u))
            .filter(|s| client.as_ref().is_none_or(|c| &s.client_id == c))
            .filter(|s| {
                self.brk == Break::StatusFilterIgnored
                    || status.as_ref().is_none_or(|st| &s.status == st)
            })
            .cloned()
            .collect();
        found.sort_by_key(|s| std::cmp::Reverse(s.created_at));
        if self.brk == Break::OldestFirst {
            found.reverse();
        }
        let total = found.len();
        let page: Vec<Value> = found
            .iter()
            .skip(usize::try_from(offset).unwrap_or(usize::MAX))
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .map(|s| self.session_json(s))
            .collect();
        if query(req, "paginated").as_deref() == Some("true") {
            let total_count = if self.brk == Break::TotalCountTooSmall {
                page.len().saturating_sub(1)
            } else {
                total
            };
            return Ok(json!({"data": page, "total_count": total_count}));
        }
        Ok(Value::Array(page))
    }

    fn create(&self, req: &Request) -> Reply {
        let Some(user) = body(req)
            .get("user_id")
            .and_then(Value::as_str)
            .map(str::to_owned)
        else {
            return Err(self.error(422, "form_param_missing", "user_id is missing"));
        };
        if user != USER && user != OTHER_USER {
            return Err(self.not_found("User"));
        }
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        let s = Session {
            id: format!("sess_double_{n}"),
            user_id: user,
            client_id: format!("client_double_{n}"),
            status: "active".to_owned(),
            created_at: now_ms() + n,
        };
        self.sessions.lock().unwrap().push(s.clone());
        Ok(self.session_json(&s))
    }

    fn find(&self, id: &str) -> Option<Session> {
        self.sessions
            .lock()
            .unwrap()
            .iter()
            .find(|s| s.id == id)
            .cloned()
    }

    fn revoke(&self, id: &str) -> Reply {
        let mut sessions = self.sessions.lock().unwrap();
        let Some(s) = sessions.iter_mut().find(|s| s.id == id) else {
            drop(sessions);
            return Err(self.not_found("Session"));
        };
        let mut out = s.clone();
        out.status = "revoked".to_owned();
        if self.brk != Break::RevokeNotPersisted {
            s.status = "revoked".to_owned();
        }
        drop(sessions);
        Ok(self.session_json(&out))
    }

    fn token(&self, s: &Session, expires_in: i64) -> Value {
        if self.brk == Break::TokenNotJws {
            return json!({"object": "token", "jwt": "not-a-jwt"});
        }
        let iat = now_secs();
        json!({"object": "token", "jwt": jwt(
            &json!({"alg": "RS256", "typ": "JWT", "kid": KID}),
            &json!({"sid": s.id, "sub": s.user_id, "iat": iat, "nbf": iat - 10, "exp": iat + expires_in})
        )})
    }

    fn route(&self, req: &Request, version: &str) -> Reply {
        let path = req.url.path();
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        match (req.method.as_str(), parts.as_slice()) {
            ("GET", ["sessions"]) => self.list(req),
            ("POST", ["sessions"]) => self.create(req),
            ("GET", ["jwks"]) => Ok(json!({"keys": [{
                "kid": KID, "kty": "RSA", "use": "sig", "alg": "RS256",
                "n": jwk_n(),
                "e": "AQAB"
            }]})),
            ("GET", ["sessions", id]) => self
                .find(id)
                .map(|s| self.session_json(&s))
                .ok_or_else(|| self.not_found("Session")),
            ("POST", ["sessions", id, "revoke"]) => self.revoke(id),
            ("POST", ["sessions", id, "verify"]) => {
                if version >= "2025-04-10" && self.brk != Break::VerifyOnNewVersion {
                    return Err(self.not_found("Resource"));
                }
                self.find(id)
                    .map(|s| self.session_json(&s))
                    .ok_or_else(|| self.not_found("Session"))
            }
            ("POST", ["sessions", id, "tokens"]) => {
                let s = self.find(id).ok_or_else(|| self.not_found("Session"))?;
                let expires_in = body(req)
                    .get("expires_in_seconds")
                    .and_then(Value::as_i64)
                    .unwrap_or(60);
                if !(30..=315_360_000).contains(&expires_in) {
                    return Err(self.error(
                        422,
                        "form_param_value_invalid",
                        "expires_in_seconds is invalid",
                    ));
                }
                Ok(self.token(&s, expires_in))
            }
            ("POST", ["sessions", id, "tokens", template]) => {
                let s = self.find(id).ok_or_else(|| self.not_found("Session"))?;
                if *template != TEMPLATE {
                    return Err(self.not_found("JWT template"));
                }
                Ok(self.token(&s, 60))
            }
            ("POST", ["sessions", _, "refresh"]) => Err(self.error(
                401,
                "session_refresh_session_not_found",
                "Session not found",
            )),
            _ => Err(self.not_found("Resource")),
        }
    }
}

impl Respond for ClerkDouble {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        if let Err(e) = self.auth(req) {
            return e;
        }
        let version = match self.version(req) {
            Ok(v) => v,
            Err(e) => return e,
        };
        match self.route(req, version) {
            Ok(v) => respond(200, v),
            Err(e) => e,
        }
    }
}
