//! What `explore` needs from each API it models: its operations ([`Operation`]), a generator of
//! operation sequences, and the small model that predicts what the contract allows
//! ([`ApiModel`]). The loop, the shrinker, the case writer and the reports are written once
//! against these traits; each API lives in its own module (`stytch`, `clerk`, `b2b`).

use std::fmt;

use serde_json::{Map, Value};

/// One step of a generated case, in the case format's own shape.
#[derive(Debug, Clone)]
pub struct StepSpec {
    /// The step name.
    pub name: String,
    /// A `mint: true` step (runs the mint recipe; `request`/`expect` are unused).
    pub mint: bool,
    /// The `request:` mapping.
    pub request: Value,
    /// The `expect:` mapping: what the contract allows.
    pub expect: Value,
    /// The `capture:` mapping (may be empty).
    pub capture: Map<String, Value>,
}

/// What the generator may use.
#[derive(Debug, Clone, Copy)]
pub struct Allowed {
    /// Operations that change state on the target (mint, authenticate, revoke, …).
    pub mutating: bool,
    /// Requests with the target's rate-limited credential ([`ApiModel::THROTTLED_VARS`]).
    pub throttled: bool,
    /// Sessions come from the target's own mint recipe (`apis.NAME.mint`): one `mint: true`
    /// step per sequence, since a recipe's captures have fixed names.
    pub recipe: bool,
}

/// What a session's captured values are: its id, token and JWT. A session minted by a recipe
/// has them under the recipe's fixed names; any other under `s{k}_…`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    /// The session id.
    Id,
    /// The session token (secret).
    Token,
    /// The latest session JWT (secret).
    Jwt,
}

impl Held {
    /// The capture name of slot `k`'s value; `recipe_id` is what the API's recipe calls the id
    /// (`session_id`, `member_session_id`).
    pub fn name(self, k: usize, recipe: bool, recipe_id: &str) -> String {
        match (recipe, self) {
            (true, Held::Id) => recipe_id.to_owned(),
            (true, Held::Token) => "token".to_owned(),
            (true, Held::Jwt) => "jwt".to_owned(),
            (false, Held::Id) => format!("s{k}_id"),
            (false, Held::Token) => format!("s{k}_token"),
            (false, Held::Jwt) => format!("s{k}_jwt"),
        }
    }
}

/// One operation of an API. Sessions are named by *slot*: slot `k` is the session the `k`-th
/// slot-creating operation of the sequence created, so a sequence means the same thing on
/// every run and the shrinker can drop operations and renumber the rest.
pub trait Operation: Clone + PartialEq + fmt::Debug + fmt::Display {
    /// A short stable label: the operation's kind, without its slot or inputs.
    fn kind(&self) -> &'static str;
    /// True when the operation may change state on the target.
    fn is_mutating(&self) -> bool;
    /// True when the operation creates a session: it gets the next slot number.
    fn creates_slot(&self) -> bool;
    /// The session slot the operation uses, if any.
    fn slot(&self) -> Option<usize>;
    /// The same operation on another slot (the shrinker renumbers).
    fn with_slot(&self, slot: usize) -> Self;
    /// Simpler variants tried while shrinking (fewer or plainer inputs).
    fn simpler(&self) -> Vec<Self>;
}

/// Draws operation sequences from a seeded generator: the same seed draws the same sequences.
pub trait Draw {
    /// The operations drawn.
    type Op: Operation;
    /// The next sequence.
    fn sequence(&mut self) -> Vec<Self::Op>;
}

/// One API's model: the oracle that turns each operation into a step whose `expect:` is what
/// the contract allows in the state the sequence has built so far.
pub trait ApiModel: Default {
    /// The API's operations.
    type Op: Operation;
    /// Its generator.
    type Gen: Draw<Op = Self::Op>;
    /// The API's name in target files (`stytch`, `clerk`, …).
    const API: &'static str;
    /// The suite name of generated cases (`explore-stytch`, …).
    const SUITE: &'static str;
    /// The schemas generated cases may name (compiled before the first run).
    const SCHEMAS: &'static [&'static str];
    /// The suite variables generated cases use: `(name, secret)`.
    const VARS: &'static [(&'static str, bool)];
    /// Variables the target must give for `--allow-mutating`, with a hint where to get them.
    const MUTATING_VARS: &'static [(&'static str, &'static str)];
    /// The target variables of a rate-limited credential; when the target gives all of them
    /// the generator may draw operations that check the 429 answer. Empty: none drawn.
    const THROTTLED_VARS: &'static [&'static str] = &[];
    /// Target variables a target's own mint recipe (`apis.NAME.mint`) makes unnecessary.
    const RECIPE_REPLACES: &'static [&'static str] = &[];
    /// The suite's default mint recipe (what a `mint: true` step runs when the target has none);
    /// `None`: the API mints without recipes.
    fn recipe() -> Option<Vec<StepSpec>> {
        None
    }
    /// A generator for `seed`.
    fn generator(seed: u64, allowed: Allowed) -> Self::Gen;
    /// Predicts `op` and then applies it to the model.
    fn step(&mut self, op: &Self::Op) -> StepSpec;
    /// Cleanup steps: undo what the sequence created (run also after a failure and on Ctrl-C).
    fn cleanup(&self) -> Vec<StepSpec>;
}
