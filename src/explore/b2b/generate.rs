//! The seeded generator of Stytch B2B operation sequences: which operations, how often, and
//! which inputs (boundaries and their neighbours more often than anything else).

use super::ops::{By, ListOf, Op, RevokeBy};
use crate::explore::api::{Allowed, Draw};
use crate::explore::stytch::ops::{MAX_MINUTES, MIN_MINUTES};

/// Draws B2B operation sequences from a seeded generator.
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

    fn minutes(&mut self) -> Option<i64> {
        match self.rng.u8(0..12) {
            0 => Some(MIN_MINUTES),
            1 => Some(MAX_MINUTES),
            2 => Some(MIN_MINUTES - 1),
            3 => Some(MAX_MINUTES + 1),
            4 => Some(self.rng.i64(MIN_MINUTES..=MAX_MINUTES)),
            5 => Some(60),
            6 => Some(if self.rng.bool() { 0 } else { -1 }),
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
                4..13 if mutating && !self.allowed.recipe => Op::Mint,
                13..28 => Op::List(ListOf::Explored),
                28..34 => Op::List(match self.rng.u8(0..7) {
                    0 => ListOf::Sandbox,
                    1 => ListOf::BySlug,
                    2 => ListOf::UnknownMember,
                    3 => ListOf::OtherOrganization,
                    4 => ListOf::ByOrganizationExternalId,
                    5 => ListOf::SandboxByExternalId,
                    _ => ListOf::MissingMember,
                }),
                34..36 => Op::ListWrongSecret,
                36..58 if have => Op::Authenticate {
                    slot,
                    by: match self.rng.u8(0..10) {
                        0..5 => By::Token,
                        5..9 => By::Jwt,
                        _ => By::Both,
                    },
                    minutes: self.minutes(),
                },
                58..62 if have => Op::AuthenticateOtherOrganization { slot },
                62..64 => Op::AuthenticateUnknownToken,
                64..65 => Op::AuthenticateNothing,
                65..88 if have => Op::Revoke {
                    slot,
                    by: match self.rng.u8(0..12) {
                        0..3 => RevokeBy::Id,
                        3..6 => RevokeBy::Token,
                        6..8 => RevokeBy::Jwt,
                        8..11 => RevokeBy::Member,
                        _ => RevokeBy::IdAndToken,
                    },
                },
                88..90 if mutating => Op::RevokeUnknownId,
                90..97 if have => Op::Exchange { slot },
                _ => continue,
            };
            return op;
        }
    }
}

impl Draw for Generator {
    type Op = Op;

    /// 3 to 12 operations, starting with a mint when mutating is allowed.
    fn sequence(&mut self) -> Vec<Op> {
        let len = self.rng.usize(3..=12);
        let mut ops = Vec::with_capacity(len);
        let mut sessions = 0;
        if self.allowed.mutating {
            ops.push(if self.allowed.recipe {
                Op::MintRecipe
            } else {
                Op::Mint
            });
            sessions = 1;
        }
        while ops.len() < len {
            let op = self.next(sessions);
            if op == Op::Mint {
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
            assert_eq!(n, s, "every drawn slot names an earlier mint");
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

    #[test]
    fn a_recipe_mints_once_per_sequence() {
        let mut g = Generator::new(
            5,
            Allowed {
                mutating: true,
                throttled: false,
                recipe: true,
            },
        );
        for _ in 0..100 {
            let s = g.sequence();
            assert_eq!(s[0], Op::MintRecipe);
            assert!(s[1..].iter().all(|op| !op.creates_slot()), "{s:?}");
        }
    }
}
