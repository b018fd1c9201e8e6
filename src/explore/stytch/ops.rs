//! The operations the explorer sends and how it draws them: valid, boundary and invalid inputs
//! of the documented Stytch consumer session operations (CONTRACTS.md §2, §5).

use std::fmt;

use crate::explore::api::Operation;

/// How authenticate names its session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    /// `session_token`.
    Token,
    /// `session_jwt` (the latest one the session was given).
    Jwt,
    /// Both at once: a 4xx (CONTRACTS.md §5 Stytch 9).
    Both,
}

/// How revoke names its session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokeBy {
    /// `session_id`.
    Id,
    /// `session_token`.
    Token,
    /// `session_jwt`.
    Jwt,
    /// `session_id` and `session_token` together: a 4xx that revokes nothing.
    IdAndToken,
}

/// Whose sessions a list asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListOf {
    /// The user the explorer mints sessions for (`other_user_id`).
    Explored,
    /// The sandbox user (`user_id`), never changed.
    Sandbox,
    /// A well-formed id of no user: a 4xx.
    Unknown,
    /// No `user_id` at all: 400.
    Missing,
}

/// One operation. Sessions are named by slot: slot `k` is the session the `k`-th [`Op::Mint`]
/// of the sequence created, so a sequence means the same thing on every run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// `GET /v1/sessions/jwks/{project_id}` (public): later JWTs are verified against it.
    Jwks,
    /// The JWKS of an unknown project: a 4xx.
    JwksUnknownProject,
    /// A fresh session of the explored user through the target's `mint_path` (mutating).
    Mint,
    /// A fresh session from the target's own mint recipe (`apis.NAME.mint`, a `mint: true`
    /// step): at most one per sequence, its captures have the recipe's names (mutating).
    MintRecipe,
    /// `GET /v1/sessions`.
    List(ListOf),
    /// `GET /v1/sessions` with a wrong secret: 401.
    ListWrongSecret,
    /// `POST /v1/sessions/authenticate` of a minted session (mutating: it touches the session).
    Authenticate {
        /// The session's slot.
        slot: usize,
        /// Token, JWT or both.
        by: By,
        /// `session_duration_minutes`, valid or not.
        minutes: Option<i64>,
    },
    /// Authenticate the sandbox token, without a duration or with an invalid one (read-only).
    AuthenticateSandbox {
        /// An invalid `session_duration_minutes`, if any.
        minutes: Option<i64>,
    },
    /// Authenticate a token no session has: 404 `session_not_found`.
    AuthenticateUnknownToken,
    /// Authenticate with neither token nor JWT: a 4xx.
    AuthenticateNothing,
    /// Authenticate with a string that is no JWT: a 4xx.
    AuthenticateGarbageJwt,
    /// `POST /v1/sessions/revoke` of a minted session (mutating).
    Revoke {
        /// The session's slot.
        slot: usize,
        /// The identifier(s) sent.
        by: RevokeBy,
    },
    /// Revoke a malformed `session_id`: 400 (mutating endpoint, revokes nothing).
    RevokeMalformedId,
    /// Revoke a well-formed unknown `session_id`: a 4xx (mutating endpoint, revokes nothing).
    RevokeUnknownId,
}

/// The valid bounds of `session_duration_minutes` (CONTRACTS.md §2.4, §5 Stytch 10).
pub const MIN_MINUTES: i64 = 5;
/// 366 days.
pub const MAX_MINUTES: i64 = 527_040;

/// True when `m` is an accepted `session_duration_minutes`.
pub fn valid_minutes(m: i64) -> bool {
    (MIN_MINUTES..=MAX_MINUTES).contains(&m)
}

impl Operation for Op {
    fn slot(&self) -> Option<usize> {
        match self {
            Op::Authenticate { slot, .. } | Op::Revoke { slot, .. } => Some(*slot),
            _ => None,
        }
    }

    fn creates_slot(&self) -> bool {
        matches!(self, Op::Mint | Op::MintRecipe)
    }

    fn with_slot(&self, new: usize) -> Self {
        let mut op = self.clone();
        if let Op::Authenticate { slot, .. } | Op::Revoke { slot, .. } = &mut op {
            *slot = new;
        }
        op
    }

    fn is_mutating(&self) -> bool {
        matches!(
            self,
            Op::Mint
                | Op::MintRecipe
                | Op::Authenticate { .. }
                | Op::Revoke { .. }
                | Op::RevokeMalformedId
                | Op::RevokeUnknownId
        )
    }

    fn kind(&self) -> &'static str {
        match self {
            Op::Jwks => "jwks",
            Op::JwksUnknownProject => "jwks unknown project",
            Op::Mint => "mint",
            Op::MintRecipe => "mint (recipe)",
            Op::List(ListOf::Explored) => "list",
            Op::List(ListOf::Sandbox) => "list sandbox user",
            Op::List(ListOf::Unknown) => "list unknown user",
            Op::List(ListOf::Missing) => "list without user_id",
            Op::ListWrongSecret => "list wrong secret",
            Op::Authenticate { by: By::Token, .. } => "authenticate token",
            Op::Authenticate { by: By::Jwt, .. } => "authenticate jwt",
            Op::Authenticate { by: By::Both, .. } => "authenticate token and jwt",
            Op::AuthenticateSandbox { .. } => "authenticate sandbox",
            Op::AuthenticateUnknownToken => "authenticate unknown token",
            Op::AuthenticateNothing => "authenticate nothing",
            Op::AuthenticateGarbageJwt => "authenticate garbage jwt",
            Op::Revoke {
                by: RevokeBy::Id, ..
            } => "revoke session_id",
            Op::Revoke {
                by: RevokeBy::Token,
                ..
            } => "revoke session_token",
            Op::Revoke {
                by: RevokeBy::Jwt, ..
            } => "revoke session_jwt",
            Op::Revoke {
                by: RevokeBy::IdAndToken,
                ..
            } => "revoke two identifiers",
            Op::RevokeMalformedId => "revoke malformed session_id",
            Op::RevokeUnknownId => "revoke unknown session_id",
        }
    }

    fn simpler(&self) -> Vec<Op> {
        match self {
            Op::Authenticate { slot, by, minutes } => {
                let with = |by: By, minutes: Option<i64>| Op::Authenticate {
                    slot: *slot,
                    by,
                    minutes,
                };
                let mut out = Vec::new();
                if let Some(m) = minutes {
                    out.push(with(*by, None));
                    if valid_minutes(*m) && *m != 60 {
                        out.push(with(*by, Some(60)));
                    }
                }
                if *by == By::Jwt {
                    out.push(with(By::Token, *minutes));
                }
                out
            }
            Op::Revoke {
                slot,
                by: RevokeBy::Token | RevokeBy::Jwt,
            } => vec![Op::Revoke {
                slot: *slot,
                by: RevokeBy::Id,
            }],
            _ => Vec::new(),
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.kind())?;
        if let Some(s) = self.slot() {
            write!(f, " s{s}")?;
        }
        match self {
            Op::Authenticate {
                minutes: Some(m), ..
            }
            | Op::AuthenticateSandbox { minutes: Some(m) } => {
                write!(f, " session_duration_minutes={m}")
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::slots::{normalize, without};

    #[test]
    fn without_renumbers_later_slots() {
        let auth = |slot| Op::Authenticate {
            slot,
            by: By::Jwt,
            minutes: Some(5),
        };
        let ops = vec![Op::Mint, Op::Mint, auth(0), auth(1), Op::Jwks];
        assert_eq!(without(&ops, 0..1), vec![Op::Mint, auth(0), Op::Jwks]);
        assert_eq!(without(&ops, 1..2), vec![Op::Mint, auth(0), Op::Jwks]);
        assert_eq!(without(&ops, 4..5), ops[..4].to_vec());
    }

    #[test]
    fn normalize_drops_orphans() {
        let mut ops = vec![
            Op::Revoke {
                slot: 0,
                by: RevokeBy::Id,
            },
            Op::Mint,
            Op::Authenticate {
                slot: 1,
                by: By::Token,
                minutes: None,
            },
            Op::Authenticate {
                slot: 0,
                by: By::Token,
                minutes: None,
            },
        ];
        normalize(&mut ops);
        assert_eq!(ops.len(), 2);
        assert_eq!(ops[0], Op::Mint);
        assert_eq!(ops[1].slot(), Some(0));
    }
}
