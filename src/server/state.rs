//! Shared server state: options, keys, rate limiter and the three vendor worlds.

use std::collections::BTreeSet;
use std::sync::{Mutex, MutexGuard};

use time::OffsetDateTime;

use super::clerk_store::ClerkWorld;
use super::faults::Fault;
use super::fixtures;
use super::keys::Keys;
use super::options::ServerOptions;
use super::ratelimit::{Limiter, RateLimit};
use super::stytch_store::{B2bWorld, ConsumerWorld};

/// Which Stytch API a route belongs to (each has its own project).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum StytchApi {
    Consumer,
    B2b,
}

impl StytchApi {
    /// The project id whose credentials this API accepts.
    pub(crate) fn project_id(self) -> &'static str {
        match self {
            StytchApi::Consumer => fixtures::STYTCH_PROJECT_ID,
            StytchApi::B2b => fixtures::B2B_PROJECT_ID,
        }
    }
}

/// Everything a request handler needs.
pub(crate) struct App {
    faults: BTreeSet<Fault>,
    pub(crate) rate_limit: Option<RateLimit>,
    pub(crate) limiter: Limiter,
    pub(crate) keys: &'static Keys,
    consumer: Mutex<ConsumerWorld>,
    b2b: Mutex<B2bWorld>,
    clerk: Mutex<ClerkWorld>,
}

// Locks are held only for short, synchronous updates (never across `.await`). A
// poisoned lock means a handler panicked mid-update; the data stays usable, so
// the server keeps answering rather than failing every later request.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl App {
    /// Builds the fixture world as of `start`.
    pub(crate) fn new(opts: &ServerOptions, keys: &'static Keys, start: OffsetDateTime) -> App {
        App {
            faults: opts.faults.clone(),
            rate_limit: opts.rate_limit,
            limiter: Limiter::default(),
            keys,
            consumer: Mutex::new(fixtures::consumer_world(start)),
            b2b: Mutex::new(fixtures::b2b_world(start)),
            clerk: Mutex::new(fixtures::clerk_world(start)),
        }
    }

    /// Whether a fault is switched on.
    pub(crate) fn has(&self, fault: Fault) -> bool {
        self.faults.contains(&fault)
    }

    pub(crate) fn consumer(&self) -> MutexGuard<'_, ConsumerWorld> {
        lock(&self.consumer)
    }

    pub(crate) fn b2b(&self) -> MutexGuard<'_, B2bWorld> {
        lock(&self.b2b)
    }

    pub(crate) fn clerk(&self) -> MutexGuard<'_, ClerkWorld> {
        lock(&self.clerk)
    }
}
