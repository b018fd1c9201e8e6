//! Stytch B2B member sessions (`--api stytch-b2b`): the operations and their generator
//! ([`ops`]) and the model that predicts what the contract allows ([`model`]).

pub mod generate;
pub mod model;
pub mod ops;

use super::api::{Allowed, ApiModel, StepSpec};

impl ApiModel for model::Model {
    type Op = ops::Op;
    type Gen = generate::Generator;
    const API: &'static str = "stytch-b2b";
    const SUITE: &'static str = "explore-stytch-b2b";
    const SCHEMAS: &'static [&'static str] = &[
        "stytch/error",
        "stytch-b2b/jwks-response",
        "stytch-b2b/sessions-get-response",
        "stytch-b2b/sessions-authenticate-response",
        "stytch-b2b/sessions-revoke-response",
    ];
    const VARS: &'static [(&'static str, bool)] = model::VARS;
    const MUTATING_VARS: &'static [(&'static str, &'static str)] = &[
        (
            "mint_path",
            "the reference server's is /__sessconform/b2b/sessions; or give the API a mint recipe, apis.stytch-b2b.mint",
        ),
        (
            "exchange_organization_id",
            "an organization where the minted member's email also has a member",
        ),
    ];

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
