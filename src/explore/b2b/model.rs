//! The Stytch B2B oracle: a small model of the member sessions one sequence minted (revoked or
//! not, authenticated or not, exchanged or not) that predicts, for each operation, what the
//! contract allows (CONTRACTS.md §3, §5 Stytch): a set of statuses, a schema and the
//! invariants — the Stytch envelope, revoked sessions absent from lists and 404 on
//! authenticate, `member_id` revoking every session of the member, sessions belonging to the
//! queried member and to exactly one organization, expiries moving as asked, JWTs verifying
//! against the JWKS.

use serde_json::{Map, Value, json};

use super::ops::{By, ListOf, Op, RevokeBy};
use crate::explore::api::{Held, StepSpec};
use crate::explore::expect::{a, mint_marker, mint_recipe_step, post, secret};
use crate::explore::stytch::model::{EXPIRY_SLACK_SECONDS, TIME_RE, WRONG_SECRET, error, ok};
use crate::explore::stytch::ops::valid_minutes;

/// The suite variables a generated case uses (declared in its header; the target gives them).
pub const VARS: &[(&str, bool)] = &[
    ("project_id", false),
    ("organization_id", false),
    ("organization_slug", false),
    ("organization_external_id", false),
    ("member_external_id", false),
    ("member_id", false),
    ("other_member_id", false),
    ("other_organization_id", false),
    ("exchange_organization_id", false),
    ("mint_path", false),
];

/// A well-formed member id of nobody (the suite's `unknown_member_id` default).
const UNKNOWN_MEMBER: &str = "member-test-00000000-0000-4000-8000-000000000000";
/// A well-formed session id of nothing.
const UNKNOWN_SESSION: &str = "session-test-00000000-0000-4000-8000-000000000000";
/// A token no session has (Stytch's documented unknown sandbox token).
const UNKNOWN_TOKEN: &str = "59cnLELtq5cFVS6uYK9f-pAWzBkhqZl8AvLhbhOvKNWw";
const AUTHENTICATE: &str = "/v1/b2b/sessions/authenticate";
const REVOKE: &str = "/v1/b2b/sessions/revoke";

/// What the model knows about one minted session.
#[derive(Debug, Clone, Default)]
struct Slot {
    /// Minted by the target's recipe: its values have the recipe's capture names.
    recipe: bool,
    revoked: bool,
    /// An authenticate answered 200: `s{k}_last` / `s{k}_exp` hold its timestamps.
    observed: bool,
    /// Exchanged into another organization: whether the original session stays active is not
    /// documented (CONTRACTS.md §3.5), so later operations on it accept either.
    exchanged: bool,
}

/// The model's state while a sequence is predicted.
#[derive(Debug, Default)]
pub struct Model {
    slots: Vec<Slot>,
    jwks: bool,
    /// `${rid}` holds the previous vendor response's `request_id`.
    rid: bool,
}

/// The suite's default mint recipe (the built-in suite's): `POST ${vars.mint_path}`, capturing
/// `token`, `jwt` and `member_session_id` — the names a target's own recipe must capture too.
pub fn recipe_step() -> StepSpec {
    mint_recipe_step(
        json!({"member_id": "${vars.other_member_id}", "organization_id": "${vars.organization_id}"}),
        RECIPE_ID,
        "$.member_session_id",
    )
}

/// What the suite's mint recipe calls a session's id.
pub const RECIPE_ID: &str = "member_session_id";

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
        let mut capture = Map::new();
        let (request, mut expect) = match op {
            Op::Jwks => {
                self.jwks = true;
                capture.insert("jwks".into(), json!("$"));
                (
                    json!({"path": "/v1/b2b/sessions/jwks/${vars.project_id}", "auth": "none"}),
                    json!({
                        "status": 200,
                        "schema": ["stytch-b2b/jwks-response"],
                        "assert": [a("$.keys", "length", json!({"min": 1}), "the JWKS is public (CONTRACTS.md §2.8, §3.6)")],
                    }),
                )
            }
            // Answered before the match: a `mint: true` step.
            Op::MintRecipe => (Value::Null, Value::Null),
            Op::Mint => {
                let k = self.slots.len();
                self.slots.push(Slot::default());
                capture.insert(format!("s{k}_id"), json!("$.member_session_id"));
                capture.insert(format!("s{k}_token"), secret("$.session_token"));
                capture.insert(format!("s{k}_jwt"), secret("$.session_jwt"));
                (
                    post(
                        "${vars.mint_path}",
                        json!({"member_id": "${vars.other_member_id}", "organization_id": "${vars.organization_id}"}),
                    ),
                    json!({"status": 200, "assert": [a("$.session_token", "length", json!({"min": 1}), "")]}),
                )
            }
            Op::List(of) => self.list(*of),
            Op::ListWrongSecret => (
                json!({
                    "path": "/v1/b2b/sessions",
                    "query": {"organization_id": "${vars.organization_id}", "member_id": "${vars.member_id}"},
                    "auth": {"basic": {"username": "${vars.project_id}", "password": WRONG_SECRET}},
                }),
                error(Some(401), Some("unauthorized_credentials")),
            ),
            Op::Authenticate { slot, by, minutes } => {
                self.authenticate(*slot, *by, *minutes, &mut capture)
            }
            Op::AuthenticateOtherOrganization { slot } => {
                let request = post(
                    AUTHENTICATE,
                    json!({
                        "session_token": self.tpl(*slot, Held::Token),
                        "authorization_check": {
                            "organization_id": "${vars.other_organization_id}",
                            "resource_id": "stytch.member",
                            "action": "search",
                        },
                    }),
                );
                let state = self.slots.get(*slot).cloned().unwrap_or_default();
                let expect = if state.revoked {
                    error(Some(404), Some("session_not_found"))
                } else if state.exchanged {
                    json!({"status": [403, 404]})
                } else {
                    error(Some(403), None)
                };
                (request, expect)
            }
            Op::AuthenticateUnknownToken => (
                post(AUTHENTICATE, json!({"session_token": UNKNOWN_TOKEN})),
                error(Some(404), Some("session_not_found")),
            ),
            Op::AuthenticateNothing => (post(AUTHENTICATE, json!({})), error(None, None)),
            Op::Revoke { slot, by } => self.revoke(*slot, *by),
            Op::RevokeUnknownId => (
                post(REVOKE, json!({"member_session_id": UNKNOWN_SESSION})),
                error(None, None),
            ),
            Op::Exchange { slot } => self.exchange(*slot),
        };
        if *op != Op::Mint {
            // Request ids differ between requests (CONTRACTS.md §5 Stytch 1).
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
        // expect: a wildcard capture never fails.
        capture.insert("tokens".into(), secret("$..session_token"));
        capture.insert("jwts".into(), secret("$..session_jwt"));
        capture.insert("ists".into(), secret("$..intermediate_session_token"));
        StepSpec {
            mint: false,
            name: op.to_string(),
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
                request: post(REVOKE, json!({"member_session_id": self.tpl(k, Held::Id)})),
                expect: json!({"status": [200, 404]}),
                capture: Map::new(),
            })
            .collect()
    }

    fn list(&self, of: ListOf) -> (Value, Value) {
        let (org, member) = match of {
            ListOf::Explored => ("${vars.organization_id}", "${vars.other_member_id}"),
            ListOf::Sandbox => ("${vars.organization_id}", "${vars.member_id}"),
            ListOf::BySlug => ("${vars.organization_slug}", "${vars.other_member_id}"),
            ListOf::ByOrganizationExternalId => (
                "${vars.organization_external_id}",
                "${vars.other_member_id}",
            ),
            ListOf::SandboxByExternalId => {
                ("${vars.organization_id}", "${vars.member_external_id}")
            }
            ListOf::UnknownMember => ("${vars.organization_id}", UNKNOWN_MEMBER),
            ListOf::OtherOrganization => ("${vars.other_organization_id}", "${vars.member_id}"),
            ListOf::MissingMember => {
                return (
                    json!({"path": "/v1/b2b/sessions", "query": {"organization_id": "${vars.organization_id}"}}),
                    error(Some(400), None),
                );
            }
        };
        let request = json!({"path": "/v1/b2b/sessions", "query": {"organization_id": org, "member_id": member}});
        if matches!(of, ListOf::UnknownMember | ListOf::OtherOrganization) {
            return (request, error(None, None));
        }
        let member_var = if matches!(of, ListOf::Sandbox | ListOf::SandboxByExternalId) {
            "${vars.member_id}"
        } else {
            "${vars.other_member_id}"
        };
        let mut asserts = vec![a(
            "$.member_sessions",
            "every",
            json!([
                a(
                    "$.member_id",
                    "equals",
                    json!(member_var),
                    "sessions belong to the queried member (CONTRACTS.md §5 Stytch 6)"
                ),
                a(
                    "$.organization_id",
                    "equals",
                    json!("${vars.organization_id}"),
                    "a session belongs to exactly one organization, the queried one (CONTRACTS.md §5 Stytch 6, 7)"
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
        if matches!(
            of,
            ListOf::Explored | ListOf::BySlug | ListOf::ByOrganizationExternalId
        ) {
            for (k, s) in self.slots.iter().enumerate() {
                if s.revoked {
                    asserts.push(a(
                        "$.member_sessions",
                        "every",
                        json!([a(
                            "$.member_session_id",
                            "not_equals",
                            json!(self.tpl(k, Held::Id)),
                            "a revoked session is not listed (CONTRACTS.md §3.1, §5 Stytch 4)",
                        )]),
                        "",
                    ));
                    continue;
                }
                if s.exchanged {
                    continue;
                }
                asserts.push(a(
                    "$.member_sessions[*].member_session_id",
                    "contains",
                    json!(self.tpl(k, Held::Id)),
                    "an active session of the member is listed (CONTRACTS.md §3.1, §5 Stytch 4, 7)",
                ));
                if s.observed {
                    asserts.push(a(
                        "$.member_sessions[*].expires_at",
                        "contains",
                        json!(format!("${{s{k}_exp}}")),
                        "list shows expires_at as the last authenticate set it (CONTRACTS.md §3.1, §3.3)",
                    ));
                }
            }
        }
        (request, ok("stytch-b2b/sessions-get-response", asserts))
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
        let request = post(AUTHENTICATE, body);
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
        if state.exchanged {
            // Whether the original session survives an exchange is not documented.
            return (request, json!({"status": [200, 404]}));
        }
        let mut asserts = vec![
            a(
                "$.member_session.member_session_id",
                "equals",
                json!(self.tpl(slot, Held::Id)),
                "the authenticated session is the one named",
            ),
            a(
                "$.member_session.member_id",
                "equals",
                json!("${vars.other_member_id}"),
                "CONTRACTS.md §5 Stytch 6",
            ),
            a(
                "$.member_session.organization_id",
                "equals",
                json!("${vars.organization_id}"),
                "a session belongs to exactly one organization (CONTRACTS.md §3.2)",
            ),
            a(
                "$.organization.organization_id",
                "equals",
                json!("${vars.organization_id}"),
                "the organization is the session's (CONTRACTS.md §3.3)",
            ),
            a(
                "$.member_session.expires_at",
                "after",
                json!("now"),
                "CONTRACTS.md §5 Stytch 4",
            ),
            a(
                "$.member_session.last_accessed_at",
                "not_before",
                json!("$.member_session.started_at"),
                "CONTRACTS.md §5 Stytch 5",
            ),
        ];
        match minutes {
            Some(m) => {
                let secs = m * 60;
                let note = "session_duration_minutes sets the expiry that many minutes from now (CONTRACTS.md §3.3, §5 Stytch 10)";
                asserts.push(a(
                    "$.member_session.expires_at",
                    "not_before",
                    json!(format!(
                        "$.member_session.last_accessed_at+{}s",
                        secs - EXPIRY_SLACK_SECONDS
                    )),
                    note,
                ));
                asserts.push(a(
                    "$.member_session.expires_at",
                    "not_after",
                    json!(format!(
                        "$.member_session.last_accessed_at+{}s",
                        secs + EXPIRY_SLACK_SECONDS
                    )),
                    note,
                ));
            }
            None if state.observed => asserts.push(a(
                "$.member_session.expires_at",
                "equals",
                json!(format!("${{s{slot}_exp}}")),
                "without session_duration_minutes the session is not extended (CONTRACTS.md §3.3)",
            )),
            None => {}
        }
        if state.observed {
            asserts.push(a(
                "$.member_session.last_accessed_at",
                "not_before",
                json!(format!("${{s{slot}_last}}")),
                "last_accessed_at never goes back (CONTRACTS.md §5 Stytch 5)",
            ));
        }
        let claims = vec![
            a(
                "$.sub",
                "equals",
                json!("${vars.other_member_id}"),
                "CONTRACTS.md §3.3",
            ),
            a("$.exp", "after", json!("now"), ""),
            a(
                "$.exp",
                "not_after",
                json!("$.iat+300s"),
                "session JWTs live 5 minutes (CONTRACTS.md §5 Stytch 12)",
            ),
        ];
        let jwks = if self.jwks {
            "${jwks}"
        } else {
            "/v1/b2b/sessions/jwks/${vars.project_id}"
        };
        asserts.push(a(
            "$.session_jwt",
            "jwt",
            json!({"jwks": jwks, "claims": claims}),
            "the JWT's kid is in the JWKS and its signature verifies (CONTRACTS.md §5 Stytch 12)",
        ));
        capture.insert(
            format!("s{slot}_last"),
            json!("$.member_session.last_accessed_at"),
        );
        capture.insert(format!("s{slot}_exp"), json!("$.member_session.expires_at"));
        capture.insert(self.held(slot, Held::Jwt), secret("$.session_jwt"));
        if let Some(s) = self.slots.get_mut(slot) {
            s.observed = true;
        }
        (
            request,
            ok("stytch-b2b/sessions-authenticate-response", asserts),
        )
    }

    fn revoke(&mut self, slot: usize, by: RevokeBy) -> (Value, Value) {
        let id = self.tpl(slot, Held::Id);
        let body = match by {
            RevokeBy::Id => json!({"member_session_id": id}),
            RevokeBy::Token => json!({"session_token": self.tpl(slot, Held::Token)}),
            RevokeBy::Jwt => json!({"session_jwt": self.tpl(slot, Held::Jwt)}),
            RevokeBy::Member => json!({"member_id": "${vars.other_member_id}"}),
            RevokeBy::IdAndToken => {
                json!({"member_session_id": id, "session_token": self.tpl(slot, Held::Token)})
            }
        };
        let request = post(REVOKE, body);
        if by == RevokeBy::IdAndToken {
            // Several identifiers: a 4xx that revokes nothing (§5 Stytch 9).
            return (request, error(None, None));
        }
        if by == RevokeBy::Member {
            // member_id revokes all of the member's sessions (CONTRACTS.md §3.4).
            for s in &mut self.slots {
                s.revoked = true;
            }
            return (
                request,
                ok("stytch-b2b/sessions-revoke-response", Vec::new()),
            );
        }
        let Some(s) = self.slots.get_mut(slot) else {
            return (request, error(None, None));
        };
        if s.revoked || s.exchanged {
            // Revoking twice: 200 or 404, both fine.
            s.revoked = true;
            return (
                request,
                json!({"status": [200, 404], "assert": [a("$.request_id", "length", json!({"min": 1}), "")]}),
            );
        }
        s.revoked = true;
        (
            request,
            ok("stytch-b2b/sessions-revoke-response", Vec::new()),
        )
    }

    fn exchange(&mut self, slot: usize) -> (Value, Value) {
        let request = post(
            "/v1/b2b/sessions/exchange",
            json!({"organization_id": "${vars.exchange_organization_id}", "session_token": self.tpl(slot, Held::Token)}),
        );
        let Some(s) = self.slots.get_mut(slot) else {
            return (request, error(None, None));
        };
        if s.revoked {
            return (request, error(Some(404), Some("session_not_found")));
        }
        if s.exchanged {
            return (request, json!({"status": [200, 404]}));
        }
        s.exchanged = true;
        let asserts = vec![
            a(
                "$.status_code",
                "equals",
                json!(200),
                "CONTRACTS.md §5 Stytch 1",
            ),
            a("$.request_id", "length", json!({"min": 1}), ""),
            a(
                "$.member_authenticated",
                "type",
                json!("boolean"),
                "CONTRACTS.md §3.5",
            ),
            a(
                "$.organization.organization_id",
                "equals",
                json!("${vars.exchange_organization_id}"),
                "the exchange switches into the organization asked for (CONTRACTS.md §3.5)",
            ),
            a(
                "$[?($.member_authenticated == true && $.intermediate_session_token != '') || ($.member_authenticated == false && $.intermediate_session_token == '')]",
                "absent",
                json!(true),
                "member_authenticated ⇔ intermediate_session_token == \"\" (CONTRACTS.md §3.5, §5 Stytch 13)",
            ),
            a(
                "$[?$.member_authenticated == true && $.member_session.organization_id != $.organization.organization_id]",
                "absent",
                json!(true),
                "the new session belongs to exactly one organization, the one exchanged into (CONTRACTS.md §3.2, §3.5)",
            ),
        ];
        // No vendor-derived schema of the exchange response ships; its required fields are
        // checked one by one.
        (request, json!({"status": 200, "assert": asserts}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(s: &StepSpec) -> Value {
        s.expect["status"].clone()
    }

    #[test]
    fn member_id_revokes_every_session() {
        let mut m = Model::default();
        m.step(&Op::Mint);
        m.step(&Op::Mint);
        let revoke = m.step(&Op::Revoke {
            slot: 0,
            by: RevokeBy::Member,
        });
        assert_eq!(status(&revoke), json!(200));
        let auth = m.step(&Op::Authenticate {
            slot: 1,
            by: By::Token,
            minutes: None,
        });
        assert_eq!(status(&auth), json!(404));
        let list = m.step(&Op::List(ListOf::Explored)).expect.to_string();
        assert!(
            list.contains("${s1_id}") && list.contains("not_equals"),
            "{list}"
        );
        assert_eq!(m.cleanup().len(), 2);
    }

    #[test]
    fn other_organization_is_403_and_exchange_is_lenient_after() {
        let mut m = Model::default();
        m.step(&Op::Mint);
        let other = m.step(&Op::AuthenticateOtherOrganization { slot: 0 });
        assert_eq!(status(&other), json!(403));
        let ex = m.step(&Op::Exchange { slot: 0 });
        assert_eq!(status(&ex), json!(200));
        let auth = m.step(&Op::Authenticate {
            slot: 0,
            by: By::Jwt,
            minutes: Some(60),
        });
        assert_eq!(status(&auth), json!([200, 404]));
    }
}
