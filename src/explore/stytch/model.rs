//! The oracle: a small model of one Stytch consumer user's sessions that predicts, for each
//! operation, what the *contract* allows — a set of statuses, a schema and the invariants of
//! CONTRACTS.md §5 — written as an `expect:` block of our case format. Values only the target
//! knows (ids, tokens, timestamps) are captured and referred to as `${…}`, so the prediction
//! never depends on one server's exact bytes and the written case checks exactly what the
//! explorer checked.

use serde_json::{Map, Value, json};

use super::ops::{By, ListOf, Op, RevokeBy, valid_minutes};
use crate::explore::api::{Held, StepSpec};
use crate::explore::expect::{a, mint_marker, mint_recipe_step, post, secret};

/// The suite variables a generated case uses (declared in its header; the target gives them).
pub const VARS: &[(&str, bool)] = &[
    ("project_id", false),
    ("user_id", false),
    ("other_user_id", false),
    ("session_token", true),
    ("mint_path", false),
];

/// A well-formed user id of nobody (the suite's `unknown_user_id` default).
const UNKNOWN_USER: &str = "user-test-00000000-0000-4000-8000-000000000000";
/// A well-formed session id of nothing.
const UNKNOWN_SESSION: &str = "session-test-00000000-0000-4000-8000-000000000000";
/// A token no session has (the sandbox's documented unknown token).
const UNKNOWN_TOKEN: &str = "59cnLELtq5cFVS6uYK9f-pAWzBkhqZl8AvLhbhOvKNWw";
/// A secret the target cannot accept.
pub(crate) const WRONG_SECRET: &str = "secret-test-sessconform-wrong-secret-00000=";
/// Allowed error between `expires_at` and `last_accessed_at + session_duration_minutes`.
pub(crate) const EXPIRY_SLACK_SECONDS: i64 = 2;
pub(crate) const TIME_RE: &str = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$";

/// What the model knows about one minted session.
#[derive(Debug, Clone, Default)]
struct Slot {
    /// Minted by the target's recipe: its values have the recipe's capture names.
    recipe: bool,
    revoked: bool,
    /// An authenticate answered 200: `s{k}_last` / `s{k}_exp` hold its timestamps.
    observed: bool,
}

/// The model's state while a sequence is predicted.
#[derive(Debug, Default)]
pub struct Model {
    slots: Vec<Slot>,
    jwks: bool,
    /// `${rid}` holds the previous vendor response's `request_id`.
    rid: bool,
}

/// A documented error envelope (CONTRACTS.md §1.3, §5 Stytch 1-2): one exact status, or any
/// client error when the vendor leaves the status undocumented.
pub(crate) fn error(status: Option<u16>, error_type: Option<&str>) -> Value {
    let mut asserts = vec![
        a("$.request_id", "length", json!({"min": 1}), ""),
        a("$.error_type", "length", json!({"min": 1}), ""),
        a("$.error_message", "length", json!({"min": 1}), ""),
    ];
    let code = status.map_or_else(|| r"4\d\d".to_owned(), |s| s.to_string());
    asserts.push(a(
        "$.error_url",
        "matches",
        json!(format!(
            r"^https://stytch\.com/docs/([a-z0-9_-]+/)*errors/{code}(#[a-z0-9_]+)?$"
        )),
        "error_url pattern (CONTRACTS.md §1.3, §5 Stytch 2)",
    ));
    match status {
        Some(s) => asserts.insert(
            0,
            a(
                "$.status_code",
                "equals",
                json!(s),
                "status_code equals the HTTP status (CONTRACTS.md §5 Stytch 1)",
            ),
        ),
        None => {
            asserts.insert(
                0,
                a(
                    "$.status_code",
                    "gte",
                    json!(400),
                    "an invalid input gets a 4xx envelope (CONTRACTS.md §5 Stytch 1)",
                ),
            );
            asserts.insert(1, a("$.status_code", "lt", json!(500), ""));
        }
    }
    if let Some(t) = error_type {
        asserts.push(a("$.error_type", "equals", json!(t), "CONTRACTS.md §1.4"));
    }
    json!({
        "status": status.map_or_else(|| json!("4xx"), |s| json!(s)),
        "schema": ["stytch/error"],
        "assert": asserts,
    })
}

pub(crate) fn ok(schema: &str, mut asserts: Vec<Value>) -> Value {
    asserts.insert(
        0,
        a(
            "$.status_code",
            "equals",
            json!(200),
            "CONTRACTS.md §5 Stytch 1",
        ),
    );
    asserts.insert(1, a("$.request_id", "length", json!({"min": 1}), ""));
    json!({"status": 200, "schema": [schema], "assert": asserts})
}

/// The suite's default mint recipe (the built-in suite's): `POST ${vars.mint_path}`, capturing
/// `token`, `jwt` and `session_id` — the names a target's own recipe must capture too.
pub fn recipe_step() -> StepSpec {
    mint_recipe_step(
        json!({"user_id": "${vars.other_user_id}"}),
        RECIPE_ID,
        "$.session_id",
    )
}

/// What the suite's mint recipe calls a session's id.
pub const RECIPE_ID: &str = "session_id";

impl Model {
    /// The capture name of slot `k`'s id, token or JWT.
    fn held(&self, k: usize, what: Held) -> String {
        what.name(k, self.slots.get(k).is_some_and(|s| s.recipe), RECIPE_ID)
    }

    /// `${…}` of [`Model::held`].
    fn tpl(&self, k: usize, what: Held) -> String {
        format!("${{{}}}", self.held(k, what))
    }

    /// Predicts `op` and then applies it to the model.
    pub fn step(&mut self, op: &Op) -> StepSpec {
        if *op == Op::MintRecipe {
            self.slots.push(Slot {
                recipe: true,
                ..Slot::default()
            });
            return mint_marker(op.to_string());
        }
        let name = op.to_string();
        let mut capture = Map::new();
        let (request, expect) = match op {
            Op::Jwks => {
                self.jwks = true;
                capture.insert("jwks".into(), json!("$"));
                (
                    json!({"path": "/v1/sessions/jwks/${vars.project_id}", "auth": "none"}),
                    json!({
                        "status": 200,
                        "schema": ["stytch/jwks-response"],
                        "assert": [a("$.keys", "length", json!({"min": 1}), "the JWKS is public (CONTRACTS.md §2.8)")],
                    }),
                )
            }
            Op::JwksUnknownProject => (
                json!({"path": "/v1/sessions/jwks/project-test-00000000-0000-4000-8000-000000000000", "auth": "none"}),
                error(None, None),
            ),
            // Answered before the match: a `mint: true` step.
            Op::MintRecipe => (Value::Null, Value::Null),
            Op::Mint => {
                let k = self.slots.len();
                self.slots.push(Slot::default());
                capture.insert(format!("s{k}_id"), json!("$.session_id"));
                capture.insert(format!("s{k}_token"), secret("$.session_token"));
                capture.insert(format!("s{k}_jwt"), secret("$.session_jwt"));
                (
                    post(
                        "${vars.mint_path}",
                        json!({"user_id": "${vars.other_user_id}"}),
                    ),
                    json!({"status": 200, "assert": [a("$.session_token", "length", json!({"min": 1}), "")]}),
                )
            }
            Op::List(of) => self.list(*of),
            Op::ListWrongSecret => (
                json!({
                    "path": "/v1/sessions",
                    "query": {"user_id": "${vars.user_id}"},
                    "auth": {"basic": {"username": "${vars.project_id}", "password": WRONG_SECRET}},
                }),
                error(Some(401), Some("unauthorized_credentials")),
            ),
            Op::Authenticate { slot, by, minutes } => {
                self.authenticate(*slot, *by, *minutes, &mut capture)
            }
            Op::AuthenticateSandbox { minutes } => {
                let mut body = json!({"session_token": "${vars.session_token}"});
                if let Some(m) = minutes {
                    body["session_duration_minutes"] = json!(m);
                }
                let expect = match minutes {
                    Some(m) if !valid_minutes(*m) => error(None, None),
                    _ => ok(
                        "stytch/sessions-authenticate-response",
                        vec![a(
                            "$.session.user_id",
                            "equals",
                            json!("${vars.user_id}"),
                            "CONTRACTS.md §5 Stytch 6",
                        )],
                    ),
                };
                (post("/v1/sessions/authenticate", body), expect)
            }
            Op::AuthenticateUnknownToken => (
                post(
                    "/v1/sessions/authenticate",
                    json!({"session_token": UNKNOWN_TOKEN}),
                ),
                error(Some(404), Some("session_not_found")),
            ),
            Op::AuthenticateNothing => (
                post("/v1/sessions/authenticate", json!({})),
                error(None, None),
            ),
            Op::AuthenticateGarbageJwt => (
                post(
                    "/v1/sessions/authenticate",
                    json!({"session_jwt": "not-a-jwt"}),
                ),
                error(None, None),
            ),
            Op::Revoke { slot, by } => self.revoke(*slot, *by),
            Op::RevokeMalformedId => (
                post(
                    "/v1/sessions/revoke",
                    json!({"session_id": "not-a-session-id"}),
                ),
                error(Some(400), None),
            ),
            Op::RevokeUnknownId => (
                post(
                    "/v1/sessions/revoke",
                    json!({"session_id": UNKNOWN_SESSION}),
                ),
                error(None, None),
            ),
        };
        let mut expect = expect;
        if *op != Op::Mint {
            // Request ids differ between requests (CONTRACTS.md §5 Stytch 1); the mint helper
            // is not a vendor API and may have none.
            if self.rid
                && let Some(Value::Array(asserts)) = expect.get_mut("assert")
            {
                asserts.push(a(
                    "$.request_id",
                    "not_equals",
                    json!("${rid}"),
                    "request_id differs between requests (CONTRACTS.md §5 Stytch 1)",
                ));
            }
            capture.insert("rid".into(), json!("$.request_id"));
            self.rid = true;
        }
        // Every token and JWT in any body is a secret, also in a response the model did not
        // expect (a revoked session that authenticates anyway): a wildcard capture never fails.
        capture.insert("tokens".into(), secret("$..session_token"));
        capture.insert("jwts".into(), secret("$..session_jwt"));
        StepSpec {
            mint: false,
            name,
            request,
            expect,
            capture,
        }
    }

    /// Cleanup steps: revoke every session the sequence minted (already revoked ones answer 404).
    pub fn cleanup(&self) -> Vec<StepSpec> {
        (0..self.slots.len())
            .map(|k| StepSpec {
                mint: false,
                name: format!("revoke s{k}"),
                request: post(
                    "/v1/sessions/revoke",
                    json!({"session_id": self.tpl(k, Held::Id)}),
                ),
                expect: json!({"status": [200, 404]}),
                capture: Map::new(),
            })
            .collect()
    }

    fn list(&self, of: ListOf) -> (Value, Value) {
        let user = match of {
            ListOf::Explored => "${vars.other_user_id}",
            ListOf::Sandbox => "${vars.user_id}",
            ListOf::Unknown => UNKNOWN_USER,
            ListOf::Missing => {
                return (json!({"path": "/v1/sessions"}), error(Some(400), None));
            }
        };
        let request = json!({"path": "/v1/sessions", "query": {"user_id": user}});
        if of == ListOf::Unknown {
            return (request, error(None, None));
        }
        let mut asserts = vec![a(
            "$.sessions",
            "every",
            json!([
                a(
                    "$.user_id",
                    "equals",
                    json!(user),
                    "sessions belong to the queried user (CONTRACTS.md §5 Stytch 6)"
                ),
                a(
                    "$.expires_at",
                    "after",
                    json!("now"),
                    "lists hold only active sessions (CONTRACTS.md §5 Stytch 4)"
                ),
                a(
                    "$.last_accessed_at",
                    "not_before",
                    json!("$.started_at"),
                    "CONTRACTS.md §5 Stytch 5"
                ),
                a(
                    "$.expires_at",
                    "after",
                    json!("$.last_accessed_at"),
                    "CONTRACTS.md §5 Stytch 5"
                ),
                a(
                    "$.expires_at",
                    "matches",
                    json!(TIME_RE),
                    "RFC 3339 UTC (CONTRACTS.md §1.7)"
                ),
            ]),
            "",
        )];
        if of == ListOf::Explored {
            for (k, s) in self.slots.iter().enumerate() {
                if s.revoked {
                    asserts.push(a(
                        "$.sessions",
                        "every",
                        json!([a(
                            "$.session_id",
                            "not_equals",
                            json!(self.tpl(k, Held::Id)),
                            "a revoked session is not listed (CONTRACTS.md §5 Stytch 4)",
                        )]),
                        "",
                    ));
                    continue;
                }
                asserts.push(a(
                    "$.sessions[*].session_id",
                    "contains",
                    json!(self.tpl(k, Held::Id)),
                    "an active session of the user is listed (CONTRACTS.md §2.1, §5 Stytch 4)",
                ));
                if s.observed {
                    asserts.push(a(
                        "$.sessions[*].last_accessed_at",
                        "contains",
                        json!(format!("${{s{k}_last}}")),
                        "list shows last_accessed_at as the last authenticate set it (CONTRACTS.md §2.1, §2.4)",
                    ));
                    asserts.push(a(
                        "$.sessions[*].expires_at",
                        "contains",
                        json!(format!("${{s{k}_exp}}")),
                        "list shows expires_at as the last authenticate set it (CONTRACTS.md §2.1, §2.4)",
                    ));
                }
            }
        }
        (request, ok("stytch/sessions-get-response", asserts))
    }

    fn authenticate(
        &mut self,
        slot: usize,
        by: By,
        minutes: Option<i64>,
        capture: &mut Map<String, Value>,
    ) -> (Value, Value) {
        let mut body = match by {
            By::Token => json!({"session_token": self.tpl(slot, Held::Token)}),
            By::Jwt => json!({"session_jwt": self.tpl(slot, Held::Jwt)}),
            By::Both => json!({
                "session_token": self.tpl(slot, Held::Token),
                "session_jwt": self.tpl(slot, Held::Jwt),
            }),
        };
        if let Some(m) = minutes {
            body["session_duration_minutes"] = json!(m);
        }
        let request = post("/v1/sessions/authenticate", body);
        if by == By::Both || minutes.is_some_and(|m| !valid_minutes(m)) {
            // Exactly one of token and JWT (§5 Stytch 9); duration bounds (§5 Stytch 10).
            return (request, error(None, None));
        }
        let Some(state) = self.slots.get(slot).cloned() else {
            return (request, error(None, None));
        };
        if state.revoked {
            return (request, error(Some(404), Some("session_not_found")));
        }
        let mut asserts = vec![
            a(
                "$.session.session_id",
                "equals",
                json!(self.tpl(slot, Held::Id)),
                "the authenticated session is the one named",
            ),
            a(
                "$.session.user_id",
                "equals",
                json!("${vars.other_user_id}"),
                "CONTRACTS.md §5 Stytch 6",
            ),
            a(
                "$.session.expires_at",
                "after",
                json!("now"),
                "CONTRACTS.md §5 Stytch 4",
            ),
            a(
                "$.session.last_accessed_at",
                "not_before",
                json!("$.session.started_at"),
                "CONTRACTS.md §5 Stytch 5",
            ),
        ];
        match minutes {
            Some(m) => {
                let secs = m * 60;
                asserts.push(a(
                    "$.session.expires_at",
                    "not_before",
                    json!(format!(
                        "$.session.last_accessed_at+{}s",
                        secs - EXPIRY_SLACK_SECONDS
                    )),
                    "session_duration_minutes sets the expiry that many minutes from now (CONTRACTS.md §2.4, §5 Stytch 10)",
                ));
                asserts.push(a(
                    "$.session.expires_at",
                    "not_after",
                    json!(format!(
                        "$.session.last_accessed_at+{}s",
                        secs + EXPIRY_SLACK_SECONDS
                    )),
                    "session_duration_minutes sets the expiry that many minutes from now (CONTRACTS.md §2.4, §5 Stytch 10)",
                ));
            }
            None if state.observed => asserts.push(a(
                "$.session.expires_at",
                "equals",
                json!(format!("${{s{slot}_exp}}")),
                "without session_duration_minutes the expiry does not move (CONTRACTS.md §2.4)",
            )),
            None => {}
        }
        if state.observed {
            asserts.push(a(
                "$.session.last_accessed_at",
                "not_before",
                json!(format!("${{s{slot}_last}}")),
                "last_accessed_at never goes back (CONTRACTS.md §5 Stytch 5)",
            ));
        }
        if self.jwks {
            asserts.push(a(
                "$.session_jwt",
                "jwt",
                json!({
                    "jwks": "${jwks}",
                    "claims": [
                        a("$.sub", "equals", json!("${vars.other_user_id}"), "CONTRACTS.md §2.4"),
                        a("$.exp", "after", json!("now"), ""),
                        a("$.exp", "not_after", json!("$.iat+300s"), "session JWTs live 5 minutes (CONTRACTS.md §5 Stytch 12)"),
                    ],
                }),
                "the JWT's kid is in the JWKS and its signature verifies (CONTRACTS.md §5 Stytch 12)",
            ));
        }
        capture.insert(format!("s{slot}_last"), json!("$.session.last_accessed_at"));
        capture.insert(format!("s{slot}_exp"), json!("$.session.expires_at"));
        capture.insert(self.held(slot, Held::Jwt), secret("$.session_jwt"));
        if let Some(s) = self.slots.get_mut(slot) {
            s.observed = true;
        }
        (
            request,
            ok("stytch/sessions-authenticate-response", asserts),
        )
    }

    fn revoke(&mut self, slot: usize, by: RevokeBy) -> (Value, Value) {
        let id = self.tpl(slot, Held::Id);
        let body = match by {
            RevokeBy::Id => json!({"session_id": id}),
            RevokeBy::Token => json!({"session_token": self.tpl(slot, Held::Token)}),
            RevokeBy::Jwt => json!({"session_jwt": self.tpl(slot, Held::Jwt)}),
            RevokeBy::IdAndToken => {
                json!({"session_id": id, "session_token": self.tpl(slot, Held::Token)})
            }
        };
        let request = post("/v1/sessions/revoke", body);
        if by == RevokeBy::IdAndToken {
            // Several identifiers: a 4xx that revokes nothing (§5 Stytch 9).
            return (request, error(None, None));
        }
        let Some(s) = self.slots.get_mut(slot) else {
            return (request, error(None, None));
        };
        if s.revoked {
            // Revoking twice: undocumented whether 200 or 404; both are fine.
            return (
                request,
                json!({"status": [200, 404], "assert": [a("$.request_id", "length", json!({"min": 1}), "")]}),
            );
        }
        s.revoked = true;
        (request, ok("stytch/sessions-revoke-response", Vec::new()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(s: &StepSpec) -> Value {
        s.expect["status"].clone()
    }

    fn notes(s: &StepSpec) -> String {
        s.expect.to_string()
    }

    #[test]
    fn predictions_follow_the_session_state() {
        let mut m = Model::default();
        let auth = |minutes| Op::Authenticate {
            slot: 0,
            by: By::Token,
            minutes,
        };
        assert_eq!(status(&m.step(&Op::Mint)), json!(200));
        let first = m.step(&auth(Some(60)));
        assert_eq!(status(&first), json!(200));
        assert!(
            notes(&first).contains("$.session.last_accessed_at+3598s"),
            "{}",
            notes(&first)
        );
        assert!(notes(&first).contains("$.session.last_accessed_at+3602s"));
        // Observed: the expiry must not move without a duration, and the list shows both stamps.
        let again = m.step(&auth(None));
        assert!(notes(&again).contains("${s0_exp}"), "{}", notes(&again));
        let list = m.step(&Op::List(ListOf::Explored));
        assert!(notes(&list).contains("${s0_last}") && notes(&list).contains("contains"));
        // Invalid inputs: any 4xx, whatever the state.
        for bad in [4, 527_041, 0, -1] {
            assert_eq!(status(&m.step(&auth(Some(bad)))), json!("4xx"), "{bad}");
        }
        let both = Op::Authenticate {
            slot: 0,
            by: By::Both,
            minutes: None,
        };
        assert_eq!(status(&m.step(&both)), json!("4xx"));
        // Two identifiers revoke nothing; one does.
        let two = Op::Revoke {
            slot: 0,
            by: RevokeBy::IdAndToken,
        };
        assert_eq!(status(&m.step(&two)), json!("4xx"));
        assert_eq!(status(&m.step(&auth(None))), json!(200));
        let revoke = Op::Revoke {
            slot: 0,
            by: RevokeBy::Jwt,
        };
        assert_eq!(status(&m.step(&revoke)), json!(200));
        assert_eq!(status(&m.step(&revoke)), json!([200, 404]));
        let after = m.step(&auth(Some(60)));
        assert_eq!(status(&after), json!(404));
        assert!(notes(&after).contains("session_not_found"));
        let list = m.step(&Op::List(ListOf::Explored));
        assert!(notes(&list).contains("not_equals") && !notes(&list).contains("${s0_last}"));
        assert_eq!(m.cleanup().len(), 1);
    }
}
