//! The Clerk oracle: a small model of the sessions one sequence created (active or revoked, and
//! whether a session token was captured) that predicts, for each operation, what the contract
//! allows (CONTRACTS.md §4, §5 Clerk): a set of statuses, the version's schema, and the
//! invariants — filters honoured, newest first, `limit` respected, `total_count` counting at
//! least what the model knows of, timestamps in epoch milliseconds, revoked means `revoked`
//! everywhere, tokens only for live sessions and signed by a key of the JWKS.

use serde_json::{Map, Value, json};

use super::ops::{ListOf, Op, Page, StatusFilter, Version, valid_expires};
use crate::explore::api::StepSpec;
use crate::explore::expect::{a, post, secret};

/// The suite variables a generated case uses (declared in its header; the target gives them).
pub const VARS: &[(&str, bool)] = &[
    ("user_id", false),
    ("other_user_id", false),
    ("client_id", false),
    ("template_name", false),
    ("throttled_secret_key", true),
];

/// A well-formed user id of nobody (the suite's `unknown_user_id` default).
const UNKNOWN_USER: &str = "user_sessconformUnknownUser0000000";
/// A well-formed session id of nothing (the suite's `unknown_session_id` default).
const UNKNOWN_SESSION: &str = "sess_sessconformUnknownSession00000";
/// A template no instance has.
const UNKNOWN_TEMPLATE: &str = "sessconform_no_such_template";
/// A secret key the target cannot accept.
const WRONG_KEY: &str = "sk_test_sessconformWrongSecretKey0000000000";
/// 10^12: epoch milliseconds are at least this (CONTRACTS.md §5 Clerk 8).
const MS: i64 = 1_000_000_000_000;
/// A compact JWS.
const JWS_RE: &str = r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$";

/// What the model knows about one created session.
#[derive(Debug, Clone, Default)]
struct Slot {
    revoked: bool,
    /// `s{k}_jwt` holds a session token of it (for verify).
    token: bool,
}

/// The model's state while a sequence is predicted.
#[derive(Debug, Default)]
pub struct Model {
    slots: Vec<Slot>,
    jwks: bool,
    /// `${page_last}` holds the `created_at` of the last session on the first page (of this
    /// `limit`) of this fixture list, whose sessions never change under the explorer.
    first_page: Option<(ListOf, i64)>,
    /// The rate-limited key was used in this sequence.
    throttled: bool,
}

/// A ClerkErrors body (CONTRACTS.md §4.11, §5 Clerk 2) with one of `status`.
fn error(status: Value, code: Option<&str>) -> Value {
    let mut asserts = vec![
        a(
            "$.errors",
            "length",
            json!({"min": 1}),
            "CONTRACTS.md §4.11, §5 Clerk 2",
        ),
        a(
            "$.errors",
            "every",
            json!([
                a("$.code", "length", json!({"min": 1}), ""),
                a("$.message", "type", json!("string"), ""),
                a("$.long_message", "type", json!("string"), ""),
            ]),
            "",
        ),
    ];
    if let Some(c) = code {
        asserts.push(a(
            "$.errors[0].code",
            "equals",
            json!(c),
            "CONTRACTS.md §4.11, §5 Clerk 9",
        ));
    }
    json!({"status": status, "schema": ["clerk/errors"], "assert": asserts})
}

/// An invalid input: some 4xx ClerkErrors body, never a 5xx.
fn invalid() -> Value {
    error(json!("4xx"), None)
}

/// The invariants of every Session object (paths relative to the session).
fn session_asserts() -> Vec<Value> {
    let mut out = vec![a(
        "$.object",
        "equals",
        json!("session"),
        "CONTRACTS.md §5 Clerk 6",
    )];
    for field in [
        "created_at",
        "updated_at",
        "expire_at",
        "abandon_at",
        "last_active_at",
    ] {
        out.push(a(
            &format!("$.{field}"),
            "gte",
            json!(MS),
            "timestamps are epoch milliseconds, ≥ 10^12 (CONTRACTS.md §4.2, §5 Clerk 8)",
        ));
    }
    out.push(a(
        "$.expire_at",
        "gt",
        json!("$.created_at"),
        "expire_at > created_at (CONTRACTS.md §5 Clerk 7)",
    ));
    out.push(a(
        "$.abandon_at",
        "gte",
        json!("$.expire_at"),
        "abandon_at ≥ expire_at (CONTRACTS.md §5 Clerk 7)",
    ));
    out.push(a(
        "$.updated_at",
        "gte",
        json!("$.created_at"),
        "updated_at ≥ created_at (CONTRACTS.md §5 Clerk 7)",
    ));
    out
}

/// A 200 Session of the explored user in the schema of the API version the request names.
fn session(id: Option<String>, status: &str) -> Value {
    let mut asserts = session_asserts();
    asserts.push(a(
        "$.user_id",
        "equals",
        json!("${vars.other_user_id}"),
        "the session belongs to the user it was created for (CONTRACTS.md §4.9)",
    ));
    if let Some(id) = id {
        asserts.push(a("$.id", "equals", json!(id), "the session named"));
    }
    asserts.push(a(
        "$.status",
        "equals",
        json!(status),
        if status == "revoked" {
            "a revoked session is revoked, not active (CONTRACTS.md §4.5, §5 Clerk 9)"
        } else {
            "a created session is active until revoked (CONTRACTS.md §4.9)"
        },
    ));
    json!({"status": 200, "schema": ["clerk/{api_version}/session"], "assert": asserts})
}

fn get(path: String, version: Version) -> Value {
    let mut r = json!({"path": path});
    if let Some(v) = version.header() {
        r["headers"] = json!({"Clerk-API-Version": v});
    }
    r
}

fn slot_id(k: usize) -> String {
    format!("${{s{k}_id}}")
}

impl Model {
    /// Predicts `op` and then applies it to the model.
    pub fn step(&mut self, op: &Op) -> StepSpec {
        let mut capture = Map::new();
        let (request, expect) = match op {
            Op::Jwks => {
                self.jwks = true;
                capture.insert("jwks".into(), json!("$"));
                (
                    json!({"path": "/jwks"}),
                    json!({
                        "status": 200,
                        "schema": ["clerk/jwks-response"],
                        "assert": [a("$.keys", "length", json!({"min": 1}), "CONTRACTS.md §4.7")],
                    }),
                )
            }
            Op::Create => {
                let k = self.slots.len();
                self.slots.push(Slot::default());
                capture.insert(format!("s{k}_id"), json!("$.id"));
                capture.insert(format!("s{k}_client"), json!("$.client_id"));
                (
                    post("/sessions", json!({"user_id": "${vars.other_user_id}"})),
                    session(None, "active"),
                )
            }
            Op::CreateUnknownUser => (
                post("/sessions", json!({"user_id": UNKNOWN_USER})),
                error(json!(404), Some("resource_not_found")),
            ),
            Op::CreateWithoutUser => (post("/sessions", json!({})), error(json!([400, 422]), None)),
            Op::List { of, status, page } => self.list(*of, *status, *page, &mut capture),
            Op::ListWrongKey => (
                json!({
                    "path": "/sessions",
                    "query": {"user_id": "${vars.user_id}"},
                    "auth": {"bearer": WRONG_KEY},
                }),
                error(json!(401), None),
            ),
            Op::ListThrottled => {
                let request = json!({
                    "path": "/sessions",
                    "query": {"user_id": "${vars.user_id}"},
                    "auth": {"bearer": "${vars.throttled_secret_key}"},
                });
                let expect = if self.throttled {
                    let mut e = error(json!(429), None);
                    e["headers"] = json!({"retry-after": {"matches": "^[0-9]+$"}});
                    e
                } else {
                    // The first request may or may not be limited (CONTRACTS.md §4.12).
                    json!({"status": [200, 429]})
                };
                self.throttled = true;
                (request, expect)
            }
            Op::Get { slot, version } => {
                let state = self.slots.get(*slot).cloned().unwrap_or_default();
                (
                    get(format!("/sessions/{}", slot_id(*slot)), *version),
                    session(
                        Some(slot_id(*slot)),
                        if state.revoked { "revoked" } else { "active" },
                    ),
                )
            }
            Op::GetUnknown => (
                json!({"path": format!("/sessions/{UNKNOWN_SESSION}")}),
                error(json!(404), Some("resource_not_found")),
            ),
            Op::Revoke { slot } => {
                let request = json!({"method": "POST", "path": format!("/sessions/{}/revoke", slot_id(*slot))});
                match self.slots.get_mut(*slot) {
                    Some(s) if !s.revoked => {
                        s.revoked = true;
                        (request, session(Some(slot_id(*slot)), "revoked"))
                    }
                    // Revoking twice is undocumented: a 200 must still say revoked.
                    _ => (
                        request,
                        json!({"status": [200, 400, 404, 422], "assert": [a(
                            "$[?$.object == 'session' && $.status != 'revoked']",
                            "absent",
                            json!(true),
                            "a revoked session stays revoked (CONTRACTS.md §4.5)",
                        )]}),
                    ),
                }
            }
            Op::RevokeUnknown => (
                json!({"method": "POST", "path": format!("/sessions/{UNKNOWN_SESSION}/revoke")}),
                error(json!(404), Some("resource_not_found")),
            ),
            Op::Token {
                slot,
                expires,
                template,
            } => self.token(*slot, *expires, *template, &mut capture),
            Op::Verify { slot, version } => self.verify(*slot, *version),
        };
        // Every JWT in any body is a secret (a session token is a bearer credential), also in
        // a response the model did not expect (a token for a revoked session): a wildcard
        // capture never fails.
        capture.insert("jwts".into(), secret("$..jwt"));
        StepSpec {
            mint: false,
            name: op.to_string(),
            request,
            expect,
            capture,
        }
    }

    /// Cleanup steps: revoke every session the sequence created (revoked ones may answer 200
    /// or an error).
    pub fn cleanup(&self) -> Vec<StepSpec> {
        (0..self.slots.len())
            .map(|k| StepSpec {
                mint: false,
                name: format!("revoke s{k}"),
                request: json!({"method": "POST", "path": format!("/sessions/{}/revoke", slot_id(k))}),
                expect: json!({"status": [200, 400, 404, 422]}),
                capture: Map::new(),
            })
            .collect()
    }

    fn list(
        &mut self,
        of: ListOf,
        status: Option<StatusFilter>,
        page: Page,
        capture: &mut Map<String, Value>,
    ) -> (Value, Value) {
        let mut query = Map::new();
        let (key, value) = match of {
            ListOf::Explored => ("user_id", "${vars.other_user_id}".to_owned()),
            ListOf::Sandbox => ("user_id", "${vars.user_id}".to_owned()),
            ListOf::Client(k) => ("client_id", format!("${{s{k}_client}}")),
            ListOf::SandboxClient => ("client_id", "${vars.client_id}".to_owned()),
        };
        query.insert(key.into(), json!(value));
        if let Some(s) = status {
            query.insert(
                "status".into(),
                json!(match s {
                    StatusFilter::Active => "active",
                    StatusFilter::Revoked => "revoked",
                    StatusFilter::Unknown => "sessconform-not-a-status",
                }),
            );
        }
        if let Some(l) = page.limit {
            query.insert("limit".into(), json!(l));
        }
        if let Some(o) = page.offset {
            query.insert("offset".into(), json!(o));
        }
        if page.paginated {
            query.insert("paginated".into(), json!("true"));
        }
        let request = json!({"path": "/sessions", "query": query});
        if !page.valid() || status == Some(StatusFilter::Unknown) {
            // limit 1…500, offset ≥ 0, the status enum (CONTRACTS.md §4.3, §5 Clerk 4).
            return (request, error(json!([400, 422]), None));
        }
        let items = if page.paginated { "$.data" } else { "$" };
        let mut every = session_asserts();
        every.push(a(
            &format!("$.{key}"),
            "equals",
            json!(value),
            "every session matches the filter (CONTRACTS.md §5 Clerk 4)",
        ));
        if let Some(s) = status {
            every.push(a(
                "$.status",
                "equals",
                json!(if s == StatusFilter::Active {
                    "active"
                } else {
                    "revoked"
                }),
                "every session matches the status filter (CONTRACTS.md §5 Clerk 4)",
            ));
        }
        let mut asserts = vec![
            a(items, "type", json!("array"), "CONTRACTS.md §4.3"),
            a(
                items,
                "length",
                json!({"max": page.size()}),
                "at most limit sessions (default 10) (CONTRACTS.md §4.3, §5 Clerk 4)",
            ),
            a(items, "every", Value::Array(every), ""),
            a(
                items,
                "sorted",
                json!({"by": "created_at", "order": "desc"}),
                "newest first (CONTRACTS.md §4.3, §5 Clerk 3)",
            ),
        ];
        if matches!(of, ListOf::Sandbox | ListOf::SandboxClient) && status.is_none() {
            // Newest first across pages: every session past the first `limit` is no newer than
            // the last one of the first page. The fixture user has sessions, so that page is
            // never empty.
            let offset = page.offset.unwrap_or(0);
            if let Some((first_of, size)) = self.first_page
                && first_of == of
                && offset >= size
            {
                asserts.push(a(
                    items,
                    "every",
                    json!([a(
                        "$.created_at",
                        "lte",
                        json!("${page_last}"),
                        "newest first across pages (CONTRACTS.md §4.3, §5 Clerk 3)",
                    )]),
                    "",
                ));
            }
            if offset == 0 {
                capture.insert("page_last".into(), json!(format!("{items}[-1].created_at")));
                self.first_page = Some((of, page.size()));
            }
        }
        if page.offset.is_some_and(|o| o >= 100_000) {
            asserts.push(a(
                items,
                "length",
                json!(0),
                "an offset past the end gives an empty page (CONTRACTS.md §4.3)",
            ));
        }
        // What the model knows: the sessions this sequence created, with their status.
        let mine: Vec<(usize, &Slot)> = match of {
            ListOf::Explored => self.slots.iter().enumerate().collect(),
            ListOf::Client(k) => self.slots.get(k).map(|s| (k, s)).into_iter().collect(),
            _ => Vec::new(),
        };
        let matches = |s: &Slot| match status {
            None => true,
            Some(StatusFilter::Active) => !s.revoked,
            Some(_) => s.revoked,
        };
        let whole = page.whole() || matches!(of, ListOf::Client(_)) && page.offset.is_none();
        let mut known = 0;
        for (k, s) in &mine {
            if matches(s) {
                known += 1;
                if whole {
                    asserts.push(a(
                        &format!("{items}[*].id"),
                        "contains",
                        json!(slot_id(*k)),
                        "a session matching the filters is listed (CONTRACTS.md §4.3, §5 Clerk 4)",
                    ));
                }
            } else {
                asserts.push(a(
                    items,
                    "every",
                    json!([a(
                        "$.id",
                        "not_equals",
                        json!(slot_id(*k)),
                        "a session that does not match the status filter is not listed (CONTRACTS.md §5 Clerk 4)",
                    )]),
                    "",
                ));
            }
        }
        if page.paginated {
            asserts.push(a("$.total_count", "type", json!("integer"), ""));
            asserts.push(a(
                "$[?length($.data) <= $.total_count]",
                "exists",
                json!(true),
                "total_count ≥ len(data) (CONTRACTS.md §4.3, §5 Clerk 4)",
            ));
            // A short, non-empty page is the last one: total_count = offset + len(data).
            // (JSONPath has no arithmetic: one clause per possible page length.) Only where
            // the sessions listed do not change between runs (the fixture user and client, a
            // created session's own client): the explored user's sessions pile up over an
            // exploration, so a failure there would not shrink reproducibly.
            if page.size() <= 20 && of != ListOf::Explored {
                let offset = page.offset.unwrap_or(0);
                let clauses: Vec<String> = (1..page.size())
                    .map(|n| format!("(length($.data) == {n} && $.total_count != {})", offset + n))
                    .collect();
                if !clauses.is_empty() {
                    asserts.push(a(
                        &format!("$[?{}]", clauses.join(" || ")),
                        "absent",
                        json!(true),
                        "a short page is the last: total_count = offset + len(data) (CONTRACTS.md §4.3, §5 Clerk 4)",
                    ));
                }
            }
            if known > 0 {
                asserts.push(a(
                    "$.total_count",
                    "gte",
                    json!(known),
                    "total_count counts every matching session, whatever the page (CONTRACTS.md §4.3, §5 Clerk 4)",
                ));
            }
        }
        let schema = if page.paginated {
            "clerk/{api_version}/session-list-paginated"
        } else {
            "clerk/{api_version}/session-list"
        };
        (
            request,
            json!({"status": 200, "schema": [schema], "assert": asserts}),
        )
    }

    fn token(
        &mut self,
        slot: usize,
        expires: Option<i64>,
        template: Option<bool>,
        capture: &mut Map<String, Value>,
    ) -> (Value, Value) {
        let path = match template {
            None => format!("/sessions/{}/tokens", slot_id(slot)),
            Some(true) => format!("/sessions/{}/tokens/${{vars.template_name}}", slot_id(slot)),
            Some(false) => format!("/sessions/{}/tokens/{UNKNOWN_TEMPLATE}", slot_id(slot)),
        };
        let body = expires.map_or_else(|| json!({}), |s| json!({"expires_in_seconds": s}));
        let request = post(&path, body);
        let state = self.slots.get(slot).cloned().unwrap_or_default();
        if expires.is_some_and(|s| !valid_expires(s)) {
            // 30 ≤ expires_in_seconds ≤ 315360000 (CONTRACTS.md §4.7, §5 Clerk 10).
            return (request, invalid());
        }
        if state.revoked {
            // A revoked session is unauthenticated: no token for it (CONTRACTS.md §4.5, §4.7).
            return (request, invalid());
        }
        if template == Some(false) {
            return (request, error(json!(404), Some("resource_not_found")));
        }
        let lifetime = expires.unwrap_or(60).max(60);
        let mut claims = vec![
            a("$.exp", "after", json!("now"), ""),
            a(
                "$.sub",
                "equals",
                json!("${vars.other_user_id}"),
                "the token names the session's user",
            ),
        ];
        if expires.is_some() {
            claims.push(a(
                "$.exp",
                "not_after",
                json!(format!("now+{}s", lifetime + 60)),
                "expires_in_seconds sets the lifetime (CONTRACTS.md §4.7); 1 minute of clock skew allowed",
            ));
        }
        let jwks = if self.jwks { "${jwks}" } else { "/jwks" };
        let asserts = vec![
            a(
                "$.object",
                "equals",
                json!("token"),
                "CONTRACTS.md §4.7, §5 Clerk 10",
            ),
            a(
                "$.jwt",
                "matches",
                json!(JWS_RE),
                "compact JWS (CONTRACTS.md §5 Clerk 10)",
            ),
            a(
                "$.jwt",
                "jwt",
                json!({"jwks": jwks, "claims": claims}),
                "signed by a key of the instance JWKS the kid names (CONTRACTS.md §4.7, §4.8)",
            ),
        ];
        if template.is_none() {
            capture.insert(format!("s{slot}_jwt"), secret("$.jwt"));
            if let Some(s) = self.slots.get_mut(slot) {
                s.token = true;
            }
        }
        (
            request,
            json!({"status": 200, "schema": ["clerk/token"], "assert": asserts}),
        )
    }

    fn verify(&self, slot: usize, version: Version) -> (Value, Value) {
        let state = self.slots.get(slot).cloned().unwrap_or_default();
        let body = if state.token {
            json!({"token": format!("${{s{slot}_jwt}}")})
        } else {
            json!({})
        };
        let mut request = post(&format!("/sessions/{}/verify", slot_id(slot)), body);
        if let Some(v) = version.header() {
            request["headers"] = json!({"Clerk-API-Version": v});
        }
        if version == Version::New {
            // Removed in 2025-04-10 (CONTRACTS.md §4.1, §4.6, §5 Clerk 11).
            return (request, invalid());
        }
        if state.revoked {
            return (request, error(json!([400, 401, 404, 410]), None));
        }
        (
            request,
            json!({"status": [200, 410], "assert": [a(
                "$..[?@ == 'session' || @ == 'operation_deprecated']",
                "exists",
                json!(true),
                "a Session or operation_deprecated (CONTRACTS.md §4.6, §5 Clerk 11)",
            )]}),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(s: &StepSpec) -> Value {
        s.expect["status"].clone()
    }

    #[test]
    fn predictions_follow_the_session_state() {
        let mut m = Model::default();
        assert_eq!(status(&m.step(&Op::Create)), json!(200));
        let list = m.step(&Op::List {
            of: ListOf::Explored,
            status: Some(StatusFilter::Active),
            page: Page {
                limit: Some(500),
                ..Page::DEFAULT
            },
        });
        let text = list.expect.to_string();
        assert!(
            text.contains("contains") && text.contains("${s0_id}"),
            "{text}"
        );
        assert!(text.contains("\"desc\""), "{text}");
        let revoke = m.step(&Op::Revoke { slot: 0 });
        assert!(revoke.expect.to_string().contains("\"revoked\""));
        let get = m.step(&Op::Get {
            slot: 0,
            version: Version::Old,
        });
        assert_eq!(get.request["headers"]["Clerk-API-Version"], "2021-02-05");
        assert!(get.expect.to_string().contains("\"revoked\""));
        let token = m.step(&Op::Token {
            slot: 0,
            expires: None,
            template: None,
        });
        assert_eq!(
            status(&token),
            json!("4xx"),
            "no token for a revoked session"
        );
        let again = m.step(&Op::Revoke { slot: 0 });
        assert_eq!(status(&again), json!([200, 400, 404, 422]));
        let active = m.step(&Op::List {
            of: ListOf::Explored,
            status: Some(StatusFilter::Active),
            page: Page::DEFAULT,
        });
        assert!(active.expect.to_string().contains("not_equals"));
        for limit in [0, 501] {
            let bad = m.step(&Op::List {
                of: ListOf::Sandbox,
                status: None,
                page: Page {
                    limit: Some(limit),
                    ..Page::DEFAULT
                },
            });
            assert_eq!(status(&bad), json!([400, 422]), "{limit}");
        }
        assert_eq!(m.cleanup().len(), 1);
    }
}
