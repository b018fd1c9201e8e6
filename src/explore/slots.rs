//! Dropping operations from a sequence without breaking it: an operation on a session created
//! by a dropped operation goes too (and if it created a session itself, so do the operations on
//! that one); later slots are renumbered so each still names the same session.

use super::api::Operation;

/// `ops` without `ops[range]`, orphans dropped and later slots renumbered.
pub fn without<O: Operation>(ops: &[O], range: std::ops::Range<usize>) -> Vec<O> {
    // Old slot number → new one (`None`: its creator was dropped).
    let mut map: Vec<Option<usize>> = Vec::new();
    let mut created = 0;
    let mut out = Vec::with_capacity(ops.len());
    for (i, op) in ops.iter().enumerate() {
        let slot = match op.slot() {
            None => Some(None),
            Some(s) => map.get(s).copied().flatten().map(Some),
        };
        let keep = !range.contains(&i) && slot.is_some();
        if op.creates_slot() {
            map.push(keep.then_some(created));
            if keep {
                created += 1;
            }
        }
        if keep {
            out.push(match slot {
                Some(Some(s)) => op.with_slot(s),
                _ => op.clone(),
            });
        }
    }
    out
}

/// Drops the operations whose slot no earlier operation created.
pub fn normalize<O: Operation>(ops: &mut Vec<O>) {
    *ops = without(ops, 0..0);
}
