//! A per-thread bound on how much of a tape one schema validation may walk: how many array
//! elements and object members it may visit, and until when. Collecting every violation of a
//! hostile body (a million failing items) would otherwise hold one error per item in memory;
//! under a budget the validator sees each container cut short once the budget is spent.

use std::cell::Cell;
use std::time::Instant;

/// How much one walk may visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    /// Array elements plus object members the walk may visit.
    pub visits: usize,
    /// When the walk must stop, whatever is left of `visits`.
    pub deadline: Option<Instant>,
}

/// Why a walk was cut short.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Spent {
    /// The walk visited as many elements and members as its budget allowed.
    Visits(usize),
    /// The deadline passed.
    Deadline,
}

#[derive(Clone, Copy)]
struct State {
    left: usize,
    limit: usize,
    deadline: Option<Instant>,
    spent: Option<Spent>,
}

thread_local! {
    static STATE: Cell<Option<State>> = const { Cell::new(None) };
}

/// Runs `f` with containers walked under `budget` on this thread; returns what `f` returned and
/// whether the budget ran out (containers were then cut short, so `f` saw part of the tape).
pub fn within<T>(budget: Budget, f: impl FnOnce() -> T) -> (T, Option<Spent>) {
    let spent = budget
        .deadline
        .is_some_and(|d| Instant::now() >= d)
        .then_some(Spent::Deadline);
    let outer = STATE.with(|s| {
        s.replace(Some(State {
            left: if spent.is_some() { 0 } else { budget.visits },
            limit: budget.visits,
            deadline: budget.deadline,
            spent,
        }))
    });
    let out = f();
    let spent = STATE.with(|s| s.replace(outer)).and_then(|st| st.spent);
    (out, spent)
}

/// Takes one visit from the thread's budget; `false` once it is spent (always `true` outside
/// [`within`]).
pub(crate) fn take() -> bool {
    STATE.with(|s| {
        let Some(mut st) = s.get() else {
            return true;
        };
        if st.left == 0 {
            return false;
        }
        st.left -= 1;
        // Reading the clock costs more than a visit: once every 256 visits.
        let used = st.limit - st.left;
        if used % 256 == 0 && st.deadline.is_some_and(|d| Instant::now() >= d) {
            st.left = 0;
            st.spent = Some(Spent::Deadline);
        } else if st.left == 0 {
            st.spent = Some(Spent::Visits(st.limit));
        }
        s.set(Some(st));
        true
    })
}
