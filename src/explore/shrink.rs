//! Shrinking a failing sequence: delta debugging over the operations (drop halves, quarters, …
//! single operations, renumbering the sessions of later operations), then plainer inputs for
//! each one that is left, keeping a candidate only when it still fails the same way. Every
//! candidate is a live run, so the number of runs is bounded.

use super::api::Operation;
use super::slots::without;

/// How a shrink went.
#[derive(Debug, Clone)]
pub struct Shrunk<O> {
    /// The shortest sequence found that still fails the same way.
    pub ops: Vec<O>,
    /// Candidate runs made.
    pub runs: usize,
}

/// Shrinks `ops` (which fails) with `fails_same`, a live run of a candidate that answers
/// whether it fails the same way; at most `max_runs` candidates are run.
pub async fn shrink<O: Operation>(
    ops: Vec<O>,
    mut fails_same: impl AsyncFnMut(&[O]) -> bool,
    max_runs: usize,
) -> Shrunk<O> {
    let mut best = ops;
    let mut runs = 0;
    loop {
        let before = best.len();
        let mut chunk = best.len().div_ceil(2).max(1);
        loop {
            let mut i = 0;
            while i < best.len() && runs < max_runs {
                let cand = without(&best, i..(i + chunk).min(best.len()));
                if cand.is_empty() || cand == best {
                    i += chunk;
                    continue;
                }
                runs += 1;
                if fails_same(&cand).await {
                    best = cand;
                } else {
                    i += chunk;
                }
            }
            if chunk == 1 || runs >= max_runs {
                break;
            }
            chunk = chunk.div_ceil(2);
        }
        let mut simpler_found = false;
        for i in 0..best.len() {
            for s in best[i].simpler() {
                if runs >= max_runs {
                    break;
                }
                let mut cand = best.clone();
                cand[i] = s;
                runs += 1;
                if fails_same(&cand).await {
                    best = cand;
                    simpler_found = true;
                    break;
                }
            }
        }
        if (best.len() == before && !simpler_found) || runs >= max_runs {
            break;
        }
    }
    Shrunk { ops: best, runs }
}

#[cfg(test)]
mod tests {
    use super::super::stytch::ops::{By, ListOf, Op, RevokeBy};
    use super::*;

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    /// A stand-in target bug: a session authenticated with a duration after its revoke.
    fn revived(ops: &[Op]) -> bool {
        let mut revoked = vec![];
        let mut sessions = 0;
        for op in ops {
            match op {
                Op::Mint => {
                    sessions += 1;
                    revoked.push(false);
                }
                Op::Revoke { slot, .. } => revoked[*slot] = true,
                Op::Authenticate {
                    slot,
                    minutes: Some(_),
                    ..
                } if revoked[*slot] => return true,
                _ => {}
            }
        }
        let _ = sessions;
        false
    }

    #[test]
    fn shrinks_to_the_minimal_sequence() {
        let ops = vec![
            Op::Jwks,
            Op::Mint,
            Op::List(ListOf::Explored),
            Op::Mint,
            Op::Authenticate {
                slot: 0,
                by: By::Token,
                minutes: None,
            },
            Op::Revoke {
                slot: 1,
                by: RevokeBy::Jwt,
            },
            Op::List(ListOf::Sandbox),
            Op::Authenticate {
                slot: 1,
                by: By::Jwt,
                minutes: Some(527_040),
            },
            Op::ListWrongSecret,
        ];
        assert!(revived(&ops));
        let out = block_on(shrink(ops, async |c: &[Op]| revived(c), 200));
        assert_eq!(
            out.ops,
            vec![
                Op::Mint,
                Op::Revoke {
                    slot: 0,
                    by: RevokeBy::Id
                },
                Op::Authenticate {
                    slot: 0,
                    by: By::Token,
                    minutes: Some(60)
                },
            ]
        );
        assert!(out.runs <= 200);
    }

    #[test]
    fn respects_the_run_bound() {
        let ops = vec![Op::Mint; 12];
        let out = block_on(shrink(ops.clone(), async |_: &[Op]| false, 5));
        assert_eq!(out.ops, ops);
        assert_eq!(out.runs, 5);
    }
}
