//! Clerk sessions (`--api clerk`): the operations ([`ops`]), their generator ([`generate`]) and the model
//! that predicts what the contract allows ([`model`]).

pub mod generate;
pub mod model;
pub mod ops;

use super::api::{Allowed, ApiModel, StepSpec};

impl ApiModel for model::Model {
    type Op = ops::Op;
    type Gen = generate::Generator;
    const API: &'static str = "clerk";
    const SUITE: &'static str = "explore-clerk";
    const SCHEMAS: &'static [&'static str] = &[
        "clerk/errors",
        "clerk/jwks-response",
        "clerk/token",
        "clerk/{api_version}/session",
        "clerk/{api_version}/session-list",
        "clerk/{api_version}/session-list-paginated",
    ];
    const VARS: &'static [(&'static str, bool)] = model::VARS;
    // POST /sessions is Clerk's own (testing-only) endpoint: no helper variable needed.
    const MUTATING_VARS: &'static [(&'static str, &'static str)] = &[];
    const THROTTLED_VARS: &'static [&'static str] = &["throttled_secret_key"];

    fn generator(seed: u64, allowed: Allowed) -> generate::Generator {
        generate::Generator::new(seed, allowed)
    }

    fn step(&mut self, op: &ops::Op) -> StepSpec {
        model::Model::step(self, op)
    }

    fn cleanup(&self) -> Vec<StepSpec> {
        model::Model::cleanup(self)
    }
}
