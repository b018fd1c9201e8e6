//! A Stytch consumer sessions double: list, authenticate, revoke, JWKS and a mint helper.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::{Value, json};
use wiremock::{Request, Respond, ResponseTemplate};

use super::common::{
    api_block, basic, body, json as respond, jwk_n, jwt, jwt_claims, jwt_signed_elsewhere,
    now_secs, query, rfc3339,
};

pub const PROJECT: &str = "project-test-double-0000-4000-8000-000000000000";
pub const SECRET: &str = "secret-test-double-consumer";
pub const THROTTLED_SECRET: &str = "secret-test-double-throttled";
pub const USER: &str = "user-test-e3795c81-f849-4167-bfda-e4a6e9c280fd";
pub const USER_EXTERNAL: &str = "double-user-primary";
pub const OTHER_USER: &str = "user-test-00000000-0000-4000-8000-00000000b0b0";
pub const SANDBOX_TOKEN: &str = "WJtR5BCy38Szd5AfoDpf0iqFKEt4EE5JhjlWUY7l3FtY";
pub const KID: &str = "jwk-test-double-key";
pub const MINT_PATH: &str = "/__double/sessions";

/// One deliberate deviation (or none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Break {
    /// Conformant.
    None,
    /// Error bodies carry `status_code: 200` (§5 Stytch 1).
    StatusCodeMismatch,
    /// `error_url` fragments name another error type (§5 Stytch 2).
    FragmentMismatch,
    /// Every response has the same `request_id` (§5 Stytch 1).
    ConstantRequestId,
    /// Revoked sessions stay in the list (§5 Stytch 4).
    ListsRevoked,
    /// An expired session is listed (§5 Stytch 4).
    ListsExpired,
    /// Another user's session is listed (§5 Stytch 6).
    ListsForeign,
    /// The external-id list misses a session (§5 Stytch 7).
    ExternalIdSubset,
    /// 401 bodies are not the Stytch error envelope (§5 Stytch 3).
    Wrong401Body,
    /// Missing or wrong credentials are accepted (§5 Stytch 3).
    LenientAuth,
    /// Session JWTs name a kid that is not in the JWKS (§5 Stytch 12).
    KidNotInJwks,
    /// Session JWTs live 60 minutes (§5 Stytch 12).
    LongJwt,
    /// Session JWTs name the JWKS key but are signed with another one (§5 Stytch 12).
    ForgedSignature,
    /// authenticate accepts session_token and session_jwt together (§5 Stytch 9).
    BothArgsAccepted,
    /// session_duration_minutes is not range-checked (§5 Stytch 10).
    DurationUnchecked,
    /// revoke answers 200 but the session stays valid (§5 Stytch 8).
    RevokeNoop,
    /// 429 bodies use another error_type (§5 Stytch 15).
    WrongRateLimitType,
    /// last_accessed_at precedes started_at (§5 Stytch 5).
    TimestampsOutOfOrder,
    /// The JWKS needs credentials, as the OpenAPI file declares (CONTRACTS.md §2.8: the SDKs
    /// fetch it without any).
    JwksRequiresAuth,
    /// The public JWKS answers 200 without keys (§5 Stytch 12).
    JwksWithoutKeys,
    /// The JWKS needs credentials and limits the throttled one with another error_type
    /// (§5 Stytch 15).
    JwksWrongRateLimitType,
}

#[derive(Debug, Clone)]
struct Session {
    id: String,
    user_id: String,
    token: String,
    started_at: String,
    last_accessed_at: String,
    expires_at: String,
    revoked: bool,
}

impl Session {
    fn new(n: u64, user_id: &str, token: &str) -> Self {
        Self {
            id: format!("session-test-00000000-0000-4000-8000-{n:012}"),
            user_id: user_id.to_owned(),
            token: token.to_owned(),
            started_at: rfc3339(-3600),
            last_accessed_at: rfc3339(-600),
            expires_at: rfc3339(86_400),
            revoked: false,
        }
    }

    fn json(&self) -> Value {
        json!({
            "session_id": self.id,
            "user_id": self.user_id,
            "authentication_factors": [{
                "type": "magic_link",
                "delivery_method": "email",
                "created_at": self.started_at,
                "updated_at": self.started_at,
                "last_authenticated_at": self.started_at,
                "email_factor": {"email_id": "email-test-double", "email_address": "sandbox@stytch.com"}
            }],
            "roles": ["stytch_user"],
            "started_at": self.started_at,
            "last_accessed_at": self.last_accessed_at,
            "expires_at": self.expires_at,
            "attributes": {"ip_address": "", "user_agent": ""},
            "custom_claims": {}
        })
    }
}

/// The double; mount it with `Mock::given(any()).respond_with(StytchDouble::new(b))`.
pub struct StytchDouble {
    brk: Break,
    next: AtomicU64,
    sessions: Mutex<Vec<Session>>,
}

type Reply = Result<Value, ResponseTemplate>;

impl StytchDouble {
    pub fn new(brk: Break) -> Self {
        let sessions = vec![
            Session::new(1, USER, SANDBOX_TOKEN),
            Session::new(2, USER, "double-token-user-2"),
            Session::new(3, USER, "double-token-user-3"),
            Session::new(4, OTHER_USER, "double-token-other-4"),
        ];
        Self {
            brk,
            next: AtomicU64::new(100),
            sessions: Mutex::new(sessions),
        }
    }

    /// The target-file block for this double.
    pub fn target(base_url: &str) -> String {
        api_block(
            "stytch",
            base_url,
            &format!("{{basic: {{username: \"{PROJECT}\", password: \"{SECRET}\"}}}}"),
            &[
                ("project_id", PROJECT),
                ("user_id", USER),
                ("user_external_id", USER_EXTERNAL),
                ("other_user_id", OTHER_USER),
                ("mint_path", MINT_PATH),
                ("throttled_username", PROJECT),
                ("throttled_password", THROTTLED_SECRET),
            ],
        )
    }

    fn request_id(&self) -> String {
        if self.brk == Break::ConstantRequestId {
            return "request-id-test-constant".to_owned();
        }
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        format!("request-id-test-00000000-0000-4000-8000-{n:012}")
    }

    fn error(&self, status: u16, error_type: &str, message: &str) -> ResponseTemplate {
        let fragment = if self.brk == Break::FragmentMismatch {
            "sessconform_other_type"
        } else {
            error_type
        };
        let status_code = if self.brk == Break::StatusCodeMismatch {
            200
        } else {
            status
        };
        respond(
            status,
            json!({
                "status_code": status_code,
                "request_id": self.request_id(),
                "error_type": error_type,
                "error_message": message,
                "error_url": format!("https://stytch.com/docs/api/errors/{status}#{fragment}")
            }),
        )
    }

    fn ok(&self, mut v: Value) -> ResponseTemplate {
        v["status_code"] = json!(200);
        v["request_id"] = json!(self.request_id());
        respond(200, v)
    }

    fn session_jwt(&self, s: &Session) -> String {
        let kid = if self.brk == Break::KidNotInJwks {
            "jwk-test-not-in-the-jwks"
        } else {
            KID
        };
        let iat = now_secs();
        let lifetime = if self.brk == Break::LongJwt {
            3600
        } else {
            300
        };
        let sign = if self.brk == Break::ForgedSignature {
            jwt_signed_elsewhere
        } else {
            jwt
        };
        sign(
            &json!({"alg": "RS256", "typ": "JWT", "kid": kid}),
            &json!({
                "sub": s.user_id,
                "iss": format!("stytch.com/{PROJECT}"),
                "aud": [PROJECT],
                "iat": iat,
                "nbf": iat,
                "exp": iat + lifetime,
                "https://stytch.com/session": {"id": s.id}
            }),
        )
    }

    fn auth(&self, req: &Request) -> Result<(), ResponseTemplate> {
        match basic(req) {
            Some((u, p)) if u == PROJECT && p == SECRET => Ok(()),
            Some((u, p)) if u == PROJECT && p == THROTTLED_SECRET => {
                let t = if matches!(
                    self.brk,
                    Break::WrongRateLimitType | Break::JwksWrongRateLimitType
                ) {
                    "rate_limited"
                } else {
                    "too_many_requests"
                };
                Err(self.error(429, t, "Too many requests have been made."))
            }
            _ if self.brk == Break::LenientAuth => Ok(()),
            _ if self.brk == Break::Wrong401Body => {
                Err(respond(401, json!({"error": "unauthorized"})))
            }
            _ => Err(self.error(401, "unauthorized_credentials", "Unauthorized credentials.")),
        }
    }

    fn list(&self, req: &Request) -> Reply {
        let Some(q) = query(req, "user_id") else {
            return Err(self.error(400, "bad_request", "user_id is required."));
        };
        let user = match q.as_str() {
            USER | USER_EXTERNAL => USER,
            OTHER_USER => OTHER_USER,
            _ => return Err(self.error(404, "user_not_found", "User could not be found.")),
        };
        let sessions = self.sessions.lock().unwrap();
        let mut out: Vec<Value> = sessions
            .iter()
            .filter(|s| s.user_id == user && (!s.revoked || self.brk == Break::ListsRevoked))
            .map(Session::json)
            .collect();
        match self.brk {
            Break::ExternalIdSubset if q == USER_EXTERNAL => {
                out.pop();
            }
            Break::ListsExpired => {
                let mut expired = Session::new(90, user, "double-expired");
                expired.started_at = rfc3339(-3 * 86_400);
                expired.last_accessed_at = rfc3339(-2 * 86_400);
                expired.expires_at = rfc3339(-86_400);
                out.push(expired.json());
            }
            Break::ListsForeign if user == USER => {
                out.push(Session::new(91, OTHER_USER, "double-foreign").json());
            }
            Break::TimestampsOutOfOrder => {
                for s in &mut out {
                    s["last_accessed_at"] = json!(rfc3339(-7200));
                }
            }
            _ => {}
        }
        Ok(json!({"sessions": out}))
    }

    fn find(&self, token: Option<&str>, jwt: Option<&str>) -> Option<usize> {
        let sessions = self.sessions.lock().unwrap();
        let id = jwt.and_then(jwt_claims).and_then(|c| {
            c["https://stytch.com/session"]["id"]
                .as_str()
                .map(str::to_owned)
        });
        sessions.iter().position(|s| {
            token.is_some_and(|t| s.token == t) || id.as_deref().is_some_and(|i| s.id == i)
        })
    }

    fn authenticate(&self, req: &Request) -> Reply {
        let b = body(req);
        let token = b.get("session_token").and_then(Value::as_str);
        let jwt = b.get("session_jwt").and_then(Value::as_str);
        match (token, jwt) {
            (None, None) => {
                return Err(self.error(
                    400,
                    "no_session_arguments",
                    "Neither session_token nor session_jwt was provided.",
                ));
            }
            (Some(_), Some(_)) if self.brk != Break::BothArgsAccepted => {
                return Err(self.error(
                    400,
                    "too_many_session_arguments",
                    "Only one of session_token and session_jwt may be provided.",
                ));
            }
            _ => {}
        }
        let duration = b.get("session_duration_minutes").and_then(Value::as_i64);
        if let Some(d) = duration
            && !(5..=527_040).contains(&d)
            && self.brk != Break::DurationUnchecked
        {
            return Err(self.error(
                400,
                "invalid_session_duration_minutes",
                "session_duration_minutes must be between 5 and 527040.",
            ));
        }
        let Some(i) = self.find(token, jwt) else {
            return Err(self.error(404, "session_not_found", "Session could not be found."));
        };
        let mut sessions = self.sessions.lock().unwrap();
        let s = &mut sessions[i];
        if s.revoked {
            return Err(self.error(404, "session_not_found", "Session could not be found."));
        }
        s.last_accessed_at = rfc3339(0);
        if let Some(d) = duration {
            s.expires_at = rfc3339(d * 60);
        }
        let s = s.clone();
        drop(sessions);
        Ok(json!({
            "session": s.json(),
            "session_token": s.token,
            "session_jwt": self.session_jwt(&s),
            "user": {"user_id": s.user_id}
        }))
    }

    fn revoke(&self, req: &Request) -> Reply {
        let b = body(req);
        let id = b.get("session_id").and_then(Value::as_str);
        let token = b.get("session_token").and_then(Value::as_str);
        let jwt = b.get("session_jwt").and_then(Value::as_str);
        let given = [id.is_some(), token.is_some(), jwt.is_some()];
        match given.iter().filter(|g| **g).count() {
            0 => {
                return Err(self.error(
                    400,
                    "no_session_revoke_arguments",
                    "One of session_id, session_token or session_jwt is required.",
                ));
            }
            1 => {}
            _ => {
                return Err(self.error(
                    400,
                    "too_many_session_revoke_arguments",
                    "Only one of session_id, session_token or session_jwt may be provided.",
                ));
            }
        }
        if let Some(id) = id
            && !id.starts_with("session-test-")
        {
            return Err(self.error(400, "invalid_session_id", "session_id format is invalid."));
        }
        let index = match id {
            Some(id) => self
                .sessions
                .lock()
                .unwrap()
                .iter()
                .position(|s| s.id == id),
            None => self.find(token, jwt),
        };
        let Some(i) = index else {
            return Err(self.error(404, "session_not_found", "Session could not be found."));
        };
        if self.brk != Break::RevokeNoop {
            self.sessions.lock().unwrap()[i].revoked = true;
        }
        Ok(json!({}))
    }

    fn mint(&self, req: &Request) -> Reply {
        let b = body(req);
        let user = b.get("user_id").and_then(Value::as_str).unwrap_or(USER);
        let n = self.next.fetch_add(1, Ordering::SeqCst);
        let s = Session::new(n, user, &format!("double-minted-token-{n}"));
        self.sessions.lock().unwrap().push(s.clone());
        Ok(json!({
            "session_id": s.id,
            "session_token": s.token,
            "session_jwt": self.session_jwt(&s),
            "user_id": s.user_id
        }))
    }

    fn jwks(&self) -> Reply {
        if self.brk == Break::JwksWithoutKeys {
            return Ok(json!({"keys": []}));
        }
        Ok(json!({"keys": [{
            "kty": "RSA", "use": "sig", "key_ops": ["verify"], "alg": "RS256", "kid": KID,
            "x5c": ["MIIBdouble"], "x5tS256": "ZG91YmxlLXRodW1icHJpbnQ", "n": jwk_n(),
            "e": "AQAB"
        }]}))
    }
}

impl Respond for StytchDouble {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let path = req.url.path();
        if path == MINT_PATH {
            return match self.mint(req) {
                Ok(v) => self.ok(v),
                Err(e) => e,
            };
        }
        // The JWKS is public, like the vendor's (CONTRACTS.md §2.8): credentials are ignored.
        if req.method.as_str() == "GET"
            && path.starts_with("/v1/sessions/jwks/")
            && !matches!(
                self.brk,
                Break::JwksRequiresAuth | Break::JwksWrongRateLimitType
            )
        {
            return match self.jwks() {
                Ok(v) => self.ok(v),
                Err(e) => e,
            };
        }
        if let Err(e) = self.auth(req) {
            return e;
        }
        let reply = match (req.method.as_str(), path) {
            ("GET", "/v1/sessions") => self.list(req),
            ("POST", "/v1/sessions/authenticate") => self.authenticate(req),
            ("POST", "/v1/sessions/revoke") => self.revoke(req),
            ("GET", p) if p.starts_with("/v1/sessions/jwks/") => self.jwks(),
            _ => Err(self.error(404, "not_found", "Not found.")),
        };
        match reply {
            Ok(v) => self.ok(v),
            Err(e) => e,
        }
    }
}
