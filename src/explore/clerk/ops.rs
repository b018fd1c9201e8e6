//! The Clerk Backend API operations the explorer sends (CONTRACTS.md §4, §5 Clerk): list with
//! every filter and pagination parameter, get, create (testing-only, mutating), revoke, session
//! tokens and template tokens, verify on old and new API versions, JWKS — with valid, boundary
//! and invalid inputs.

use std::fmt;

use crate::explore::api::{Allowed, Draw, Operation};

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

/// Draws Clerk operation sequences from a seeded generator.
pub struct Generator {
    rng: fastrand::Rng,
    allowed: Allowed,
}

impl Generator {
    /// A generator for `seed`: the same seed draws the same sequences.
    pub fn new(seed: u64, allowed: Allowed) -> Self {
        Self {
            rng: fastrand::Rng::with_seed(seed),
            allowed,
        }
    }

    fn page(&mut self) -> Page {
        let limit = match self.rng.u8(0..10) {
            0 => Some(0),
            1 => Some(1),
            2 => Some(500),
            3 => Some(501),
            4 => Some(self.rng.i64(2..=20)),
            _ => None,
        };
        let offset = match self.rng.u8(0..10) {
            0 => Some(-1),
            1 => Some(1),
            2 => Some(self.rng.i64(0..=3)),
            3 => Some(100_000),
            _ => None,
        };
        Page {
            limit,
            offset,
            paginated: self.rng.bool(),
        }
    }

    fn status(&mut self) -> Option<StatusFilter> {
        match self.rng.u8(0..10) {
            0..2 => Some(StatusFilter::Active),
            2..4 => Some(StatusFilter::Revoked),
            4 => Some(StatusFilter::Unknown),
            _ => None,
        }
    }

    fn expires(&mut self) -> Option<i64> {
        match self.rng.u8(0..12) {
            0 => Some(MIN_EXPIRES),
            1 => Some(MIN_EXPIRES - 1),
            2 => Some(MAX_EXPIRES),
            3 => Some(MAX_EXPIRES + 1),
            4 => Some(self.rng.i64(MIN_EXPIRES..=3600)),
            5 => Some(0),
            _ => None,
        }
    }

    fn next(&mut self, sessions: usize) -> Op {
        let mutating = self.allowed.mutating;
        let have = sessions > 0 && mutating;
        loop {
            let slot = if sessions > 0 {
                self.rng.usize(0..sessions)
            } else {
                0
            };
            let op = match self.rng.u8(0..100) {
                0..4 => Op::Jwks,
                4..12 if mutating => Op::Create,
                12..13 if mutating => Op::CreateUnknownUser,
                13..14 if mutating => Op::CreateWithoutUser,
                14..34 => Op::List {
                    of: ListOf::Explored,
                    status: self.status(),
                    page: self.page(),
                },
                34..40 => Op::List {
                    of: if self.rng.bool() {
                        ListOf::Sandbox
                    } else {
                        ListOf::SandboxClient
                    },
                    status: self.status(),
                    page: self.page(),
                },
                40..44 if have => Op::List {
                    of: ListOf::Client(slot),
                    status: self.status(),
                    page: Page::DEFAULT,
                },
                44..46 => Op::ListWrongKey,
                46..56 if have => Op::Get {
                    slot,
                    version: match self.rng.u8(0..3) {
                        0 => Version::Old,
                        1 => Version::New,
                        _ => Version::Target,
                    },
                },
                56..58 => Op::GetUnknown,
                58..72 if have => Op::Revoke { slot },
                72..73 if mutating => Op::RevokeUnknown,
                73..90 if have => Op::Token {
                    slot,
                    expires: self.expires(),
                    template: match self.rng.u8(0..4) {
                        0 => Some(true),
                        1 => Some(false),
                        _ => None,
                    },
                },
                90..98 if have => Op::Verify {
                    slot,
                    version: if self.rng.bool() {
                        Version::Old
                    } else {
                        Version::New
                    },
                },
                _ => continue,
            };
            return op;
        }
    }
}

impl Draw for Generator {
    type Op = Op;

    /// 3 to 12 operations, starting with a create when mutating is allowed.
    fn sequence(&mut self) -> Vec<Op> {
        let len = self.rng.usize(3..=12);
        let mut ops = Vec::with_capacity(len);
        let mut sessions = 0;
        if self.allowed.mutating {
            ops.push(Op::Create);
            sessions = 1;
        }
        while ops.len() < len {
            let op = self.next(sessions);
            if op == Op::Create {
                sessions += 1;
            }
            ops.push(op);
        }
        ops
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::explore::slots::{normalize, without};

    #[test]
    fn same_seed_same_sequences_and_slots_exist() {
        let allowed = Allowed { mutating: true };
        let mut a = Generator::new(7, allowed);
        let mut b = Generator::new(7, allowed);
        for _ in 0..100 {
            let s = a.sequence();
            assert_eq!(s, b.sequence());
            let mut n = s.clone();
            normalize(&mut n);
            assert_eq!(n, s, "every drawn slot names an earlier create");
        }
    }

    #[test]
    fn read_only_draws_nothing_mutating() {
        let mut g = Generator::new(3, Allowed { mutating: false });
        for _ in 0..200 {
            assert!(g.sequence().iter().all(|op| !op.is_mutating()));
        }
    }

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
