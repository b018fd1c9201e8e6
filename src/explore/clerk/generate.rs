//! The seeded generator of Clerk operation sequences: which operations, how often, and
//! which inputs (boundaries and their neighbours more often than anything else).

use super::ops::{ListOf, MAX_EXPIRES, MIN_EXPIRES, Op, Page, StatusFilter, Version};
use crate::explore::api::{Allowed, Draw};

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
                98..100 if self.allowed.throttled => Op::ListThrottled,
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
    use crate::explore::api::Operation;
    use crate::explore::slots::normalize;

    #[test]
    fn same_seed_same_sequences_and_slots_exist() {
        let allowed = Allowed {
            mutating: true,
            throttled: true,
            recipe: false,
        };
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
        let mut g = Generator::new(
            3,
            Allowed {
                mutating: false,
                throttled: false,
                recipe: false,
            },
        );
        for _ in 0..200 {
            assert!(g.sequence().iter().all(|op| !op.is_mutating()));
        }
    }
}
