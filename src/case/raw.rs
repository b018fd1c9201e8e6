//! Serde model of case files exactly as written. `compile` turns it into the case model.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer};
use serde_json::Value;
use serde_saphyr::Spanned;

/// Deserializes a present key (even `null`) as `Some(value)`.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSuite {
    pub suite: Spanned<String>,
    pub api: Spanned<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub serial: bool,
    #[serde(default)]
    pub vars: BTreeMap<String, Spanned<Value>>,
    /// How the suite's `mint: true` steps get a fresh session when the target file has no
    /// `mint:` recipe for the API.
    #[serde(default)]
    pub mint: Option<Spanned<Vec<RawStep>>>,
    pub cases: Vec<RawCase>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawCase {
    pub name: Spanned<String>,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub skip: Option<String>,
    #[serde(default)]
    pub request: Option<Spanned<RawRequest>>,
    #[serde(default)]
    pub expect: Option<RawExpect>,
    #[serde(default)]
    pub capture: BTreeMap<String, Spanned<Value>>,
    #[serde(default)]
    pub steps: Option<Vec<RawStep>>,
    #[serde(default)]
    pub cleanup: Vec<RawStep>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawStep {
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub request: Option<Spanned<RawRequest>>,
    /// `mint: true`: the steps of the target's (or the suite's) mint recipe, here.
    #[serde(default)]
    pub mint: Option<Spanned<bool>>,
    #[serde(default)]
    pub expect: Option<RawExpect>,
    #[serde(default)]
    pub capture: BTreeMap<String, Spanned<Value>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawRequest {
    #[serde(default)]
    pub method: Option<Spanned<String>>,
    pub path: Spanned<String>,
    #[serde(default)]
    pub query: BTreeMap<String, Value>,
    #[serde(default)]
    pub headers: BTreeMap<String, Value>,
    #[serde(default, deserialize_with = "present")]
    pub json: Option<Value>,
    #[serde(default)]
    pub form: Option<BTreeMap<String, Value>>,
    #[serde(default)]
    pub body: Option<String>,
    #[serde(default)]
    pub auth: Option<Spanned<Value>>,
    #[serde(default)]
    pub timeout: Option<Spanned<Value>>,
    #[serde(default)]
    pub follow_redirects: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawExpect {
    #[serde(default)]
    pub status: Option<Spanned<Value>>,
    #[serde(default)]
    pub headers: BTreeMap<String, Spanned<Value>>,
    #[serde(default)]
    pub schema: Option<Spanned<Value>>,
    #[serde(default)]
    pub assert: Vec<Spanned<RawAssertion>>,
    #[serde(default)]
    pub snapshot: Option<Spanned<RawSnapshot>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawSnapshot {
    pub file: String,
    #[serde(default)]
    pub ignore: Vec<String>,
    #[serde(default)]
    pub level: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawAssertion {
    pub path: String,
    #[serde(default, deserialize_with = "present")]
    pub equals: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub not_equals: Option<Value>,
    #[serde(default)]
    pub exists: Option<bool>,
    #[serde(default)]
    pub absent: Option<bool>,
    #[serde(default)]
    pub matches: Option<String>,
    #[serde(default, rename = "type")]
    pub type_: Option<String>,
    #[serde(default)]
    pub length: Option<Value>,
    #[serde(default, deserialize_with = "present")]
    pub contains: Option<Value>,
    #[serde(default)]
    pub one_of: Option<Value>,
    #[serde(default)]
    pub unique: Option<bool>,
    #[serde(default)]
    pub every: Option<Vec<Spanned<RawAssertion>>>,
    #[serde(default)]
    pub sorted: Option<Value>,
    #[serde(default)]
    pub before: Option<Value>,
    #[serde(default)]
    pub not_after: Option<Value>,
    #[serde(default)]
    pub after: Option<Value>,
    #[serde(default)]
    pub not_before: Option<Value>,
    #[serde(default)]
    pub gt: Option<Value>,
    #[serde(default)]
    pub gte: Option<Value>,
    #[serde(default)]
    pub lt: Option<Value>,
    #[serde(default)]
    pub lte: Option<Value>,
    #[serde(default)]
    pub jwt: Option<RawJwt>,
    #[serde(default)]
    pub level: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawJwt {
    #[serde(default)]
    pub jwks: Option<Value>,
    #[serde(default)]
    pub skew: Option<Value>,
    #[serde(default)]
    pub header: Vec<Spanned<RawAssertion>>,
    #[serde(default)]
    pub claims: Vec<Spanned<RawAssertion>>,
}
