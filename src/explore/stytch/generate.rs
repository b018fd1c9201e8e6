//! The seeded generator of Stytch consumer operation sequences: which operations, how often, and
//! which inputs (boundaries and their neighbours more often than anything else).

use super::ops::{By, ListOf, MAX_MINUTES, MIN_MINUTES, Op, RevokeBy};
use crate::explore::api::{Allowed, Draw};

/// Draws operation sequences from a seeded generator.
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

    /// The next sequence: 3 to 12 operations, starting with a mint when mutating is allowed
    /// (most operations need a session).
    fn draw(&mut self) -> Vec<Op> {
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

    fn minutes(&mut self) -> Option<i64> {
        // Boundaries and their neighbours more often than anything else (CONTRACTS.md §5
        // Stytch 10), then ordinary values, invalid ones, and none at all.
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

    fn invalid_minutes(&mut self) -> Option<i64> {
        match self.rng.u8(0..4) {
            0 => Some(MIN_MINUTES - 1),
            1 => Some(MAX_MINUTES + 1),
            2 => Some(0),
            _ => None,
        }
    }

    fn next(&mut self, sessions: usize) -> Op {
        let mutating = self.allowed.mutating;
        loop {
            let op = match self.rng.u8(0..100) {
                0..4 => Op::Jwks,
                4..5 => Op::JwksUnknownProject,
                5..13 if mutating && !self.allowed.recipe => Op::Mint,
                13..28 => Op::List(ListOf::Explored),
                28..31 => Op::List(match self.rng.u8(0..3) {
                    0 => ListOf::Sandbox,
                    1 => ListOf::Unknown,
                    _ => ListOf::Missing,
                }),
                31..33 => Op::ListWrongSecret,
                33..60 if sessions > 0 && mutating => Op::Authenticate {
                    slot: self.rng.usize(0..sessions),
                    by: match self.rng.u8(0..10) {
                        0..5 => By::Token,
                        5..9 => By::Jwt,
                        _ => By::Both,
                    },
                    minutes: self.minutes(),
                },
                60..65 => Op::AuthenticateSandbox {
                    minutes: self.invalid_minutes(),
                },
                65..67 => Op::AuthenticateUnknownToken,
                67..68 => Op::AuthenticateNothing,
                68..70 => Op::AuthenticateGarbageJwt,
                70..92 if sessions > 0 && mutating => Op::Revoke {
                    slot: self.rng.usize(0..sessions),
                    by: match self.rng.u8(0..10) {
                        0..3 => RevokeBy::Id,
                        3..6 => RevokeBy::Token,
                        6..9 => RevokeBy::Jwt,
                        _ => RevokeBy::IdAndToken,
                    },
                },
                92..94 if mutating => Op::RevokeMalformedId,
                94..96 if mutating => Op::RevokeUnknownId,
                _ => continue,
            };
            return op;
        }
    }
}

impl Draw for Generator {
    type Op = Op;

    fn sequence(&mut self) -> Vec<Op> {
        self.draw()
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
        for _ in 0..50 {
            let s = a.sequence();
            assert_eq!(s, b.sequence());
            let mut n = s.clone();
            normalize(&mut n);
            assert_eq!(n, s, "every drawn slot names an earlier mint");
            assert!((3..=12).contains(&s.len()));
        }
        assert_ne!(
            Generator::new(1, allowed).sequence(),
            Generator::new(2, allowed).sequence()
        );
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
