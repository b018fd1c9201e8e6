//! The Stytch B2B member-session operations the explorer sends (CONTRACTS.md §3, §5 Stytch):
//! list by organization and member, authenticate by token or JWT with and without
//! `session_duration_minutes`, with an `authorization_check` for another organization, revoke by
//! every identifier (`member_id` revokes all of the member's sessions), exchange to another
//! organization, JWKS — with valid, boundary and invalid inputs.

use std::fmt;

use crate::explore::api::Operation;
use crate::explore::stytch::ops::valid_minutes;

pub use crate::explore::stytch::ops::By;

/// How revoke names its session(s) (CONTRACTS.md §3.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RevokeBy {
    /// `member_session_id`.
    Id,
    /// `session_token`.
    Token,
    /// `session_jwt`.
    Jwt,
    /// `member_id`: every session of the member.
    Member,
    /// `member_session_id` and `session_token` together: a 4xx that revokes nothing.
    IdAndToken,
}

/// Whose sessions a list asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListOf {
    /// The member the explorer mints for (`other_member_id` of `organization_id`).
    Explored,
    /// The fixture member (`member_id`), never changed.
    Sandbox,
    /// The explored member by its organization's slug (CONTRACTS.md §3.1, §5 Stytch 7).
    BySlug,
    /// The explored member by its organization's `external_id` (CONTRACTS.md §3.1, §5 Stytch 7).
    ByOrganizationExternalId,
    /// The fixture member by its own `external_id` (CONTRACTS.md §3.1, §5 Stytch 7).
    SandboxByExternalId,
    /// A well-formed id of no member: a 4xx.
    UnknownMember,
    /// The member in an organization it does not belong to: a 4xx.
    OtherOrganization,
    /// No `member_id`: 400.
    MissingMember,
}

/// One operation. Sessions are named by slot: slot `k` is the session the `k`-th
/// [`Op::Mint`] of the sequence created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// `GET /v1/b2b/sessions/jwks/{project_id}` (public).
    Jwks,
    /// A fresh session of the explored member through the target's `mint_path` (mutating).
    Mint,
    /// A fresh session from the target's own mint recipe (`apis.NAME.mint`, a `mint: true`
    /// step): at most one per sequence, its captures have the recipe's names (mutating).
    MintRecipe,
    /// `GET /v1/b2b/sessions`.
    List(ListOf),
    /// `GET /v1/b2b/sessions` with a wrong secret: 401.
    ListWrongSecret,
    /// `POST /v1/b2b/sessions/authenticate` of a minted session (touches it).
    Authenticate {
        /// The session's slot.
        slot: usize,
        /// Token, JWT or both.
        by: By,
        /// `session_duration_minutes`, valid or not.
        minutes: Option<i64>,
    },
    /// Authenticate with an `authorization_check` for another organization: 403 (§5 Stytch 14).
    AuthenticateOtherOrganization {
        /// The session's slot.
        slot: usize,
    },
    /// Authenticate a token no session has: 404 `session_not_found`.
    AuthenticateUnknownToken,
    /// Authenticate with neither token nor JWT: a 4xx.
    AuthenticateNothing,
    /// `POST /v1/b2b/sessions/revoke` (mutating).
    Revoke {
        /// The session's slot.
        slot: usize,
        /// The identifier(s) sent.
        by: RevokeBy,
    },
    /// Revoke a well-formed unknown `member_session_id`: a 4xx.
    RevokeUnknownId,
    /// `POST /v1/b2b/sessions/exchange` into `exchange_organization_id` (mutating).
    Exchange {
        /// The session's slot.
        slot: usize,
    },
}

impl Operation for Op {
    fn slot(&self) -> Option<usize> {
        match self {
            Op::Authenticate { slot, .. }
            | Op::AuthenticateOtherOrganization { slot }
            | Op::Revoke { slot, .. }
            | Op::Exchange { slot } => Some(*slot),
            _ => None,
        }
    }

    fn creates_slot(&self) -> bool {
        matches!(self, Op::Mint | Op::MintRecipe)
    }

    fn with_slot(&self, new: usize) -> Self {
        let mut op = self.clone();
        match &mut op {
            Op::Authenticate { slot, .. }
            | Op::AuthenticateOtherOrganization { slot }
            | Op::Revoke { slot, .. }
            | Op::Exchange { slot } => *slot = new,
            _ => {}
        }
        op
    }

    fn is_mutating(&self) -> bool {
        matches!(self, Op::Mint | Op::MintRecipe | Op::RevokeUnknownId) || self.slot().is_some()
    }

    fn kind(&self) -> &'static str {
        match self {
            Op::Jwks => "jwks",
            Op::Mint => "mint",
            Op::MintRecipe => "mint (recipe)",
            Op::List(ListOf::Explored) => "list",
            Op::List(ListOf::Sandbox) => "list sandbox member",
            Op::List(ListOf::BySlug) => "list by organization_slug",
            Op::List(ListOf::ByOrganizationExternalId) => "list by organization external_id",
            Op::List(ListOf::SandboxByExternalId) => "list sandbox member by external_id",
            Op::List(ListOf::UnknownMember) => "list unknown member",
            Op::List(ListOf::OtherOrganization) => "list other organization",
            Op::List(ListOf::MissingMember) => "list without member_id",
            Op::ListWrongSecret => "list wrong secret",
            Op::Authenticate { by: By::Token, .. } => "authenticate token",
            Op::Authenticate { by: By::Jwt, .. } => "authenticate jwt",
            Op::Authenticate { by: By::Both, .. } => "authenticate token and jwt",
            Op::AuthenticateOtherOrganization { .. } => "authenticate other organization",
            Op::AuthenticateUnknownToken => "authenticate unknown token",
            Op::AuthenticateNothing => "authenticate nothing",
            Op::Revoke {
                by: RevokeBy::Id, ..
            } => "revoke member_session_id",
            Op::Revoke {
                by: RevokeBy::Token,
                ..
            } => "revoke session_token",
            Op::Revoke {
                by: RevokeBy::Jwt, ..
            } => "revoke session_jwt",
            Op::Revoke {
                by: RevokeBy::Member,
                ..
            } => "revoke member_id",
            Op::Revoke {
                by: RevokeBy::IdAndToken,
                ..
            } => "revoke two identifiers",
            Op::RevokeUnknownId => "revoke unknown member_session_id",
            Op::Exchange { .. } => "exchange",
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
            } => write!(f, " session_duration_minutes={m}"),
            _ => Ok(()),
        }
    }
}
