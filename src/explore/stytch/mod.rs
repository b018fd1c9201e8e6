//! Stytch consumer sessions (`--api stytch`): the operations ([`ops`]), their generator ([`generate`]) and
//! the model that predicts what the contract allows ([`model`]).

pub mod generate;
pub mod model;
pub mod ops;

use super::api::{Allowed, ApiModel, StepSpec};

impl ApiModel for model::Model {
    type Op = ops::Op;
    type Gen = generate::Generator;
    const API: &'static str = "stytch";
    const SUITE: &'static str = "explore-stytch";
    const SCHEMAS: &'static [&'static str] = &[
        "stytch/error",
        "stytch/jwks-response",
        "stytch/sessions-get-response",
        "stytch/sessions-authenticate-response",
        "stytch/sessions-revoke-response",
    ];
    const VARS: &'static [(&'static str, bool)] = model::VARS;
    const MUTATING_VARS: &'static [(&'static str, &'static str)] = &[(
        "mint_path",
        "the reference server's is /__sessconform/sessions; or give the API a mint recipe, apis.stytch.mint",
    )];

    const RECIPE_REPLACES: &'static [&'static str] = &["mint_path"];

    fn recipe() -> Option<Vec<StepSpec>> {
        Some(vec![model::recipe_step()])
    }

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
