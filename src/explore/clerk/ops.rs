//! The Clerk Backend API operations the explorer sends (CONTRACTS.md §4, §5 Clerk): list with
//! every filter and pagination parameter, get, create (testing-only, mutating), revoke, session
//! tokens and template tokens, verify on old and new API versions, JWKS — with valid, boundary
//! and invalid inputs.

use std::fmt;

use crate::explore::api::Operation;

/// Whose sessions a list asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListOf {
    /// `user_id` of the user the explorer creates sessions for (`other_user_id`).
    Explored,
    /// `user_id` of the fixture user (`user_id`), never changed.
    Sandbox,
    /// `client_id` of a created session's client (the session's slot).
    Client(usize),
    /// `client_id` of the fixture client (`client_id`).
    SandboxClient,
}

/// The `status` filter of a list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    /// `status=active`.
    Active,
    /// `status=revoked`.
    Revoked,
    /// A value outside the enum: 400/422.
    Unknown,
}

/// How a list pages (CONTRACTS.md §4.3: `limit` 1…500, default 10; `offset` ≥ 0; `paginated`
/// switches to `{data, total_count}`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    /// `limit`, if sent.
    pub limit: Option<i64>,
    /// `offset`, if sent.
    pub offset: Option<i64>,
    /// `paginated=true`.
    pub paginated: bool,
}

impl Page {
    /// No paging parameter at all.
    pub const DEFAULT: Page = Page {
        limit: None,
        offset: None,
        paginated: false,
    };

    /// True when every parameter is within its documented bounds.
    pub fn valid(self) -> bool {
        self.limit.is_none_or(|l| (1..=500).contains(&l)) && self.offset.is_none_or(|o| o >= 0)
    }

    /// The page size the target may answer with.
    pub fn size(self) -> i64 {
        self.limit.unwrap_or(10)
    }

    /// The first page, with room for every session a sequence creates.
    pub fn whole(self) -> bool {
        self.offset.unwrap_or(0) == 0 && self.size() >= 500
    }
}

/// Which Clerk API version a request names (`Clerk-API-Version`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Version {
    /// The target's own header (2025-04-10 on the reference server's target file).
    Target,
    /// `2021-02-05`: `verify` exists, no `pending` status and no `tasks` field.
    Old,
    /// `2025-04-10`: `verify` is gone; `pending` and `tasks` exist.
    New,
}

impl Version {
    /// The header value, if the request sets one.
    pub fn header(self) -> Option<&'static str> {
        match self {
            Version::Target => None,
            Version::Old => Some("2021-02-05"),
            Version::New => Some("2025-04-10"),
        }
    }
}

/// One Clerk operation. Sessions are named by slot: slot `k` is the session the `k`-th
/// [`Op::Create`] of the sequence created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// `GET /jwks`: later JWTs are verified against it.
    Jwks,
    /// `POST /sessions {user_id: other_user_id}` (testing-only, mutating).
    Create,
    /// `POST /sessions` for a user that does not exist: 404 (mutating endpoint, creates nothing).
    CreateUnknownUser,
    /// `POST /sessions {}`: 400/422 (mutating endpoint, creates nothing).
    CreateWithoutUser,
    /// `GET /sessions`.
    List {
        /// The `user_id` or `client_id` filter.
        of: ListOf,
        /// The `status` filter.
        status: Option<StatusFilter>,
        /// Paging.
        page: Page,
    },
    /// `GET /sessions` with a wrong secret key: 401.
    ListWrongKey,
    /// `GET /sessions` with the rate-limited secret key (`throttled_secret_key`): once allowed
    /// or 429; again in the same sequence, 429 with `Retry-After` (CONTRACTS.md §4.12).
    ListThrottled,
    /// `GET /sessions/{id}` of a created session, under an API version.
    Get {
        /// The session's slot.
        slot: usize,
        /// The API version asked for.
        version: Version,
    },
    /// `GET /sessions/{id}` of no session: 404 `resource_not_found`.
    GetUnknown,
    /// `POST /sessions/{id}/revoke` of a created session (mutating).
    Revoke {
        /// The session's slot.
        slot: usize,
    },
    /// `POST /sessions/{id}/revoke` of no session: 404.
    RevokeUnknown,
    /// `POST /sessions/{id}/tokens` or `/tokens/{template}`.
    Token {
        /// The session's slot.
        slot: usize,
        /// `expires_in_seconds`, valid (30…315360000) or not.
        expires: Option<i64>,
        /// A template: the instance's (`template_name`) or an unknown one.
        template: Option<bool>,
    },
    /// `POST /sessions/{id}/verify` (deprecated; removed from 2025-04-10).
    Verify {
        /// The session's slot.
        slot: usize,
        /// The API version asked for.
        version: Version,
    },
}

/// The valid bounds of `expires_in_seconds` (CONTRACTS.md §4.7).
pub const MIN_EXPIRES: i64 = 30;
/// Ten years.
pub const MAX_EXPIRES: i64 = 315_360_000;

/// True when `s` is an accepted `expires_in_seconds`.
pub fn valid_expires(s: i64) -> bool {
    (MIN_EXPIRES..=MAX_EXPIRES).contains(&s)
}

impl Operation for Op {
    fn slot(&self) -> Option<usize> {
        match self {
            Op::Get { slot, .. }
            | Op::Revoke { slot }
            | Op::Token { slot, .. }
            | Op::Verify { slot, .. }
            | Op::List {
                of: ListOf::Client(slot),
                ..
            } => Some(*slot),
            _ => None,
        }
    }

    fn creates_slot(&self) -> bool {
        *self == Op::Create
    }

    fn with_slot(&self, new: usize) -> Self {
        let mut op = self.clone();
        match &mut op {
            Op::Get { slot, .. }
            | Op::Revoke { slot }
            | Op::Token { slot, .. }
            | Op::Verify { slot, .. }
            | Op::List {
                of: ListOf::Client(slot),
                ..
            } => *slot = new,
            _ => {}
        }
        op
    }

    fn is_mutating(&self) -> bool {
        matches!(
            self,
            Op::Create | Op::CreateUnknownUser | Op::CreateWithoutUser | Op::Revoke { .. }
        ) || self.slot().is_some()
    }

    fn kind(&self) -> &'static str {
        match self {
            Op::Jwks => "jwks",
            Op::Create => "create",
            Op::CreateUnknownUser => "create unknown user",
            Op::CreateWithoutUser => "create without user_id",
            Op::List {
                of, status, page, ..
            } => {
                if !page.valid() || *status == Some(StatusFilter::Unknown) {
                    return "list invalid";
                }
                match (of, status, page.paginated) {
                    (ListOf::Explored, _, false) => "list",
                    (ListOf::Explored, _, true) => "list paginated",
                    (ListOf::Sandbox, _, _) => "list sandbox user",
                    (ListOf::Client(_), _, _) => "list client",
                    (ListOf::SandboxClient, _, _) => "list sandbox client",
                }
            }
            Op::ListWrongKey => "list wrong key",
            Op::ListThrottled => "list throttled key",
            Op::Get {
                version: Version::Old,
                ..
            } => "get 2021-02-05",
            Op::Get { .. } => "get",
            Op::GetUnknown => "get unknown",
            Op::Revoke { .. } => "revoke",
            Op::RevokeUnknown => "revoke unknown",
            Op::Token { template: None, .. } => "token",
            Op::Token {
                template: Some(true),
                ..
            } => "template token",
            Op::Token {
                template: Some(false),
                ..
            } => "unknown template token",
            Op::Verify {
                version: Version::New,
                ..
            } => "verify 2025-04-10",
            Op::Verify { .. } => "verify 2021-02-05",
        }
    }

    fn simpler(&self) -> Vec<Op> {
        match self {
            Op::List { of, status, page } => {
                let mut out = Vec::new();
                if *page != Page::DEFAULT && page.valid() {
                    out.push(Op::List {
                        of: *of,
                        status: *status,
                        page: Page {
                            limit: Some(500),
                            ..Page::DEFAULT
                        },
                    });
                }
                if status.is_some() && *status != Some(StatusFilter::Unknown) {
                    out.push(Op::List {
                        of: *of,
                        status: None,
                        page: *page,
                    });
                }
                out.retain(|o| o != self);
                out
            }
            Op::Token {
                slot,
                expires: Some(_),
                template,
            } => vec![Op::Token {
                slot: *slot,
                expires: None,
                template: *template,
            }],
            Op::Get {
                slot,
                version: Version::Old | Version::New,
            } => vec![Op::Get {
                slot: *slot,
                version: Version::Target,
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
            Op::List { status, page, .. } => {
                match status {
                    Some(StatusFilter::Active) => f.write_str(" status=active")?,
                    Some(StatusFilter::Revoked) => f.write_str(" status=revoked")?,
                    Some(StatusFilter::Unknown) => f.write_str(" status=unknown")?,
                    None => {}
                }
                if page.paginated && !self.kind().contains("paginated") {
                    f.write_str(" paginated")?;
                }
                if let Some(l) = page.limit {
                    write!(f, " limit={l}")?;
                }
                if let Some(o) = page.offset {
                    write!(f, " offset={o}")?;
                }
                Ok(())
            }
            Op::Token {
                expires: Some(s), ..
            } => write!(f, " expires_in_seconds={s}"),
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::slots::without;

    #[test]
    fn dropping_a_create_drops_its_client_list_and_renumbers() {
        let list = |slot| Op::List {
            of: ListOf::Client(slot),
            status: None,
            page: Page::DEFAULT,
        };
        let ops = vec![
            Op::Create,
            Op::Create,
            list(0),
            list(1),
            Op::Revoke { slot: 1 },
        ];
        assert_eq!(
            without(&ops, 0..1),
            vec![Op::Create, list(0), Op::Revoke { slot: 0 }]
        );
    }

    #[test]
    fn invalid_pages_are_named_so() {
        let op = Op::List {
            of: ListOf::Explored,
            status: None,
            page: Page {
                limit: Some(501),
                ..Page::DEFAULT
            },
        };
        assert_eq!(op.kind(), "list invalid");
        assert_eq!(op.to_string(), "list invalid limit=501");
    }
}
