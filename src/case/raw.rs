//! Serde model of case files exactly as written. `compile` turns it into the case model.

use std::collections::BTreeMap;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use serde_saphyr::Spanned;

/// Deserializes a present key (even `null`) as `Some(value)`.
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Value>, D::Error> {
    Value::deserialize(d).map(Some)
}

/// A sessconform case file: one suite of cases (reference: docs/case-format.md).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Case file")]
pub(crate) struct RawSuite {
    /// Unique suite name; case ids are `suite::case`.
    #[schemars(with = "String")]
    pub suite: Spanned<String>,
    /// Which API of the target this suite calls (`stytch`, `stytch-b2b`, `clerk` or any name).
    #[schemars(with = "String")]
    pub api: Spanned<String>,
    /// What the suite covers.
    #[serde(default)]
    pub description: Option<String>,
    /// Tags inherited by every case.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Run the cases one after another, in file order.
    #[serde(default)]
    pub serial: bool,
    /// Every variable the cases use (`${vars.NAME}`): `{description, default, secret}` or a scalar default.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Value>")]
    pub vars: BTreeMap<String, Spanned<Value>>,
    /// How the suite's `mint: true` steps get a fresh session when the target file has no
    /// `mint:` recipe for the API.
    #[serde(default)]
    #[schemars(with = "Option<Vec<RawStep>>")]
    pub mint: Option<Spanned<Vec<RawStep>>>,
    /// The cases.
    pub cases: Vec<RawCase>,
}

/// One case: a request and its expectations, or `steps`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Case")]
pub(crate) struct RawCase {
    /// Case name, unique in the suite.
    #[schemars(with = "String")]
    pub name: Spanned<String>,
    /// What the case checks.
    #[serde(default)]
    pub description: Option<String>,
    /// Tags, e.g. `read-only` or `mutating`.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Skip the case, with this reason.
    #[serde(default)]
    pub skip: Option<String>,
    /// The request of a one-step case (or use `steps`).
    #[serde(default)]
    #[schemars(with = "Option<RawRequest>")]
    pub request: Option<Spanned<RawRequest>>,
    /// Expectations of a one-step case.
    #[serde(default)]
    pub expect: Option<RawExpect>,
    /// Values to capture: `name: $.json.path`, `{path, secret}` or `{header: NAME}`.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Value>")]
    pub capture: BTreeMap<String, Spanned<Value>>,
    /// Steps run in order; they share captured values.
    #[serde(default)]
    pub steps: Option<Vec<RawStep>>,
    /// Steps that always run after the case, to undo what it created.
    #[serde(default)]
    pub cleanup: Vec<RawStep>,
}

/// One request of a multi-step case, or a cleanup step.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Step")]
pub(crate) struct RawStep {
    /// Step name, shown in reports.
    #[serde(default)]
    pub name: Option<String>,
    /// The request (or `mint: true`).
    #[serde(default)]
    #[schemars(with = "Option<RawRequest>")]
    pub request: Option<Spanned<RawRequest>>,
    /// `mint: true`: the steps of the target's (or the suite's) mint recipe, here.
    #[serde(default)]
    #[schemars(with = "Option<bool>")]
    pub mint: Option<Spanned<bool>>,
    #[serde(default)]
    pub expect: Option<RawExpect>,
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Value>")]
    pub capture: BTreeMap<String, Spanned<Value>>,
}

/// The HTTP request to send.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Request")]
pub(crate) struct RawRequest {
    /// HTTP method (default GET).
    #[serde(default)]
    #[schemars(with = "Option<String>")]
    pub method: Option<Spanned<String>>,
    /// Joined to the API's base URL; an absolute URL is used as is.
    #[schemars(with = "String")]
    pub path: Spanned<String>,
    /// Query parameters.
    #[serde(default)]
    pub query: BTreeMap<String, Value>,
    /// Headers; override the target's by name.
    #[serde(default)]
    pub headers: BTreeMap<String, Value>,
    /// A JSON body (at most one of json, form, body).
    #[serde(default, deserialize_with = "present")]
    pub json: Option<Value>,
    /// A form body.
    #[serde(default)]
    pub form: Option<BTreeMap<String, Value>>,
    /// A raw text body.
    #[serde(default)]
    pub body: Option<String>,
    /// `default`, `none`, `{basic: {username, password}}` or `{bearer: TOKEN}`.
    #[serde(default)]
    #[schemars(with = "Option<Value>")]
    pub auth: Option<Spanned<Value>>,
    /// Overrides --timeout, e.g. `5s`.
    #[serde(default)]
    #[schemars(with = "Option<Value>")]
    pub timeout: Option<Spanned<Value>>,
    /// Follow redirects (off by default).
    #[serde(default)]
    pub follow_redirects: bool,
}

/// What the response must satisfy.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Expect")]
pub(crate) struct RawExpect {
    /// A code, a class (`4xx`) or a list: `[200, 201]`.
    #[serde(default)]
    #[schemars(with = "Option<Value>")]
    pub status: Option<Spanned<Value>>,
    /// Header expectations: a string (exact), `{matches}`, `{present: true}` or `{absent: true}`.
    #[serde(default)]
    #[schemars(with = "BTreeMap<String, Value>")]
    pub headers: BTreeMap<String, Spanned<Value>>,
    /// A schema id (e.g. `stytch/sessions-get-response`), a list, or `{id, level: warn}` entries.
    #[serde(default)]
    #[schemars(with = "Option<Value>")]
    pub schema: Option<Spanned<Value>>,
    /// JSONPath assertions, one operator each.
    #[serde(default)]
    #[schemars(with = "Vec<RawAssertion>")]
    pub assert: Vec<Spanned<RawAssertion>>,
    /// Compare the body with a golden file.
    #[serde(default)]
    #[schemars(with = "Option<RawSnapshot>")]
    pub snapshot: Option<Spanned<RawSnapshot>>,
}

/// Compare the body with a golden file.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Snapshot")]
pub(crate) struct RawSnapshot {
    /// Golden file, relative to the case file.
    pub file: String,
    /// JSONPaths masked on both sides.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// `warn` to report without failing.
    #[serde(default)]
    pub level: Option<String>,
}

/// A JSONPath (RFC 9535) assertion: `path` and one operator.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Assertion")]
pub(crate) struct RawAssertion {
    /// JSONPath (RFC 9535) into the body; `$` is the document.
    pub path: String,
    /// Deep equality.
    #[serde(default, deserialize_with = "present")]
    pub equals: Option<Value>,
    /// Deep inequality.
    #[serde(default, deserialize_with = "present")]
    pub not_equals: Option<Value>,
    /// The path selects something.
    #[serde(default)]
    pub exists: Option<bool>,
    /// The path selects nothing.
    #[serde(default)]
    pub absent: Option<bool>,
    /// Every selected string matches this regex.
    #[serde(default)]
    pub matches: Option<String>,
    /// `string`, `number`, `integer`, `boolean`, `array`, `object` or `null`.
    #[serde(default, rename = "type")]
    pub type_: Option<String>,
    /// `N` or `{min, max}`.
    #[serde(default)]
    pub length: Option<Value>,
    /// The array has an equal element, or the string the substring.
    #[serde(default, deserialize_with = "present")]
    pub contains: Option<Value>,
    /// Every selected value equals one of these.
    #[serde(default)]
    pub one_of: Option<Value>,
    /// No duplicates.
    #[serde(default)]
    pub unique: Option<bool>,
    /// Nested assertions every item satisfies (`$` is each item).
    #[serde(default)]
    #[schemars(with = "Option<Vec<RawAssertion>>")]
    pub every: Option<Vec<Spanned<RawAssertion>>>,
    /// `asc`, `desc` or `{by, order}`.
    #[serde(default)]
    pub sorted: Option<Value>,
    /// Earlier than `now`, a JSONPath or a literal (optionally shifted: `now+5m`).
    #[serde(default)]
    pub before: Option<Value>,
    /// Not later than `now`, a JSONPath or a literal.
    #[serde(default)]
    pub not_after: Option<Value>,
    /// Later than `now`, a JSONPath or a literal.
    #[serde(default)]
    pub after: Option<Value>,
    /// Not earlier than `now`, a JSONPath or a literal.
    #[serde(default)]
    pub not_before: Option<Value>,
    /// Greater than a number or a JSONPath.
    #[serde(default)]
    pub gt: Option<Value>,
    /// At least a number or a JSONPath.
    #[serde(default)]
    pub gte: Option<Value>,
    /// Less than a number or a JSONPath.
    #[serde(default)]
    pub lt: Option<Value>,
    /// At most a number or a JSONPath.
    #[serde(default)]
    pub lte: Option<Value>,
    /// The string is a compact JWS: assertions on header and claims, optional JWKS verification.
    #[serde(default)]
    pub jwt: Option<RawJwt>,
    /// `warn`: reported, never failing (unless --strict).
    #[serde(default)]
    pub level: Option<String>,
    /// Shown with a finding.
    #[serde(default)]
    pub note: Option<String>,
}

/// The selected string is a compact JWS: nested assertions on its header and claims, optional signature check.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Jwt")]
pub(crate) struct RawJwt {
    /// A JWKS (e.g. `${jwks}` captured from the JWKS endpoint) to verify the signature with.
    #[serde(default)]
    pub jwks: Option<Value>,
    /// Clock skew allowed for exp, nbf and iat (default 60s).
    #[serde(default)]
    pub skew: Option<Value>,
    /// Assertions on the decoded header.
    #[serde(default)]
    #[schemars(with = "Vec<RawAssertion>")]
    pub header: Vec<Spanned<RawAssertion>>,
    /// Assertions on the decoded claims.
    #[serde(default)]
    #[schemars(with = "Vec<RawAssertion>")]
    pub claims: Vec<Spanned<RawAssertion>>,
}
