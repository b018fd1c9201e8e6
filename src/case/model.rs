//! The validated, compiled form of suites: what the engine runs and the checks evaluate.
//!
//! Values that may hold `${...}` templates are kept as [`serde_json::Value`] and rendered at run
//! time against a [`crate::case::Scope`].

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use regex::Regex;
use serde_json::Value;
use serde_json_path::JsonPath;

use crate::source::{SourceFile, Span};

/// One suite file.
#[derive(Debug, Clone)]
pub struct Suite {
    /// Suite name (`suite:` key).
    pub name: String,
    /// The API this suite targets (`stytch`, `stytch-b2b`, `clerk` or any user name).
    pub api: String,
    /// Free-text description.
    pub description: String,
    /// Suite-level tags, inherited by every case.
    pub tags: Vec<String>,
    /// When true, cases run one after another in file order.
    pub serial: bool,
    /// Declared variables with defaults.
    pub vars: BTreeMap<String, VarDecl>,
    /// The suite's own mint recipe (`mint:`), inlined at each `mint: true` step.
    pub mint: Option<Recipe>,
    /// Cases in file order.
    pub cases: Vec<Case>,
    /// The file the suite came from.
    pub source: Arc<SourceFile>,
}

/// How to obtain a fresh session: steps whose captures (`session_token`, …) the steps after a
/// `mint: true` step use. A suite has a default one; a target file can give its own per API.
#[derive(Debug, Clone, Default)]
pub struct Recipe {
    /// The steps, in order.
    pub steps: Vec<Step>,
    /// Names the steps capture.
    pub captures: Vec<String>,
    /// `vars.*` names the steps use.
    pub uses_vars: Vec<String>,
    /// `env.*` names the steps use.
    pub uses_env: Vec<String>,
}

/// A variable declared in a suite header.
#[derive(Debug, Clone)]
pub struct VarDecl {
    /// Default value, if any.
    pub default: Option<Value>,
    /// Redact the value everywhere the tool writes.
    pub secret: bool,
    /// What the variable means (shown by `list` and in docs).
    pub description: String,
}

/// One case: an ordered list of steps sharing captured values.
#[derive(Debug, Clone)]
pub struct Case {
    /// `suite::case`, unique across a run.
    pub id: String,
    /// Case name.
    pub name: String,
    /// Description, if any.
    pub description: String,
    /// Suite tags plus case tags.
    pub tags: Vec<String>,
    /// Location of the case's `name`.
    pub span: Span,
    /// Steps, at least one.
    pub steps: Vec<Step>,
    /// Steps that always run after `steps` — passed, failed or interrupted — to undo what the
    /// case created; their failures are warnings.
    pub cleanup: Vec<Step>,
    /// `vars.*` names the case uses (a missing one skips the case).
    pub uses_vars: Vec<String>,
    /// `env.*` names the case uses (an unset one skips the case).
    pub uses_env: Vec<String>,
    /// `vars.*` and `env.*` names used by the case's own steps (not by an inlined recipe).
    pub own_refs: (Vec<String>, Vec<String>),
    /// Set when the case is declared `skip: reason`.
    pub skip: Option<String>,
}

/// One HTTP exchange and its expectations.
#[derive(Debug, Clone)]
pub struct Step {
    /// Optional step name (defaults to `step N`).
    pub name: String,
    /// Location of the step's `request`.
    pub span: Span,
    /// The request to send.
    pub request: RequestSpec,
    /// What the response must satisfy.
    pub expect: Expect,
    /// Values to capture for later steps.
    pub captures: Vec<Capture>,
    /// Set on the steps of a mint recipe inlined at the case's `mint: true` step number N
    /// (counting from 1); a target's recipe replaces them.
    pub from_mint: Option<u32>,
}

/// A request, with templates still unrendered.
#[derive(Debug, Clone)]
pub struct RequestSpec {
    /// HTTP method, upper case.
    pub method: String,
    /// Path (template) joined to the target's base URL; an absolute URL is used as is.
    pub path: Value,
    /// Query parameters (templates), in order.
    pub query: Vec<(String, Value)>,
    /// Headers (templates), in order; they override the target's headers.
    pub headers: Vec<(String, Value)>,
    /// Body, if any.
    pub body: Option<BodySpec>,
    /// Which credentials to send.
    pub auth: AuthSpec,
    /// Per-request timeout overriding the run's.
    pub timeout: Option<Duration>,
    /// Follow redirects (off by default).
    pub follow_redirects: bool,
}

/// A request body.
#[derive(Debug, Clone)]
pub enum BodySpec {
    /// A JSON body (template), sent with `content-type: application/json`.
    Json(Value),
    /// A form body (templates), sent url-encoded.
    Form(Vec<(String, Value)>),
    /// A raw text body (template).
    Raw(Value),
}

/// Credentials for one request.
#[derive(Debug, Clone)]
pub enum AuthSpec {
    /// The target's credentials for this API.
    Default,
    /// No `Authorization` header.
    None,
    /// HTTP Basic with templated username and password.
    Basic {
        /// Username template.
        username: Value,
        /// Password template.
        password: Value,
    },
    /// `Authorization: Bearer <token>`.
    Bearer(Value),
}

/// Severity of an assertion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Reported, never failing (unless `--strict`).
    Warn,
    /// A contract failure.
    Fail,
}

/// Everything a response must satisfy.
#[derive(Debug, Clone, Default)]
pub struct Expect {
    /// Expected status.
    pub status: Option<StatusExpect>,
    /// Header expectations.
    pub headers: Vec<HeaderExpect>,
    /// Schemas the JSON body must validate against.
    pub schemas: Vec<SchemaExpect>,
    /// JSONPath assertions on the body.
    pub assertions: Vec<Assertion>,
    /// Golden snapshot of the body.
    pub snapshot: Option<SnapshotExpect>,
}

/// Expected status: any of the listed codes or classes.
#[derive(Debug, Clone)]
pub struct StatusExpect {
    /// Accepted statuses.
    pub allowed: Vec<StatusPattern>,
    /// Location of the `status` value.
    pub span: Span,
}

/// One accepted status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusPattern {
    /// An exact code.
    Code(u16),
    /// A class: `4` for `4xx`.
    Class(u8),
}

impl StatusExpect {
    /// True when `status` is accepted.
    pub fn accepts(&self, status: u16) -> bool {
        self.allowed.iter().any(|p| match p {
            StatusPattern::Code(c) => *c == status,
            StatusPattern::Class(c) => status / 100 == u16::from(*c),
        })
    }

    /// True when the step names 429 explicitly (`status: 429`, or a list containing 429): then a
    /// 429 is its answer and the client must not retry it away. A class such as `4xx` does not
    /// count: a rate limit is never the answer a client-error expectation is about, so the 429
    /// is retried (and, when retries run out, the case could not run; it never fails).
    pub fn accepts_rate_limit(&self) -> bool {
        self.allowed.contains(&StatusPattern::Code(429))
    }
}

/// An expectation on one response header.
#[derive(Debug, Clone)]
pub struct HeaderExpect {
    /// Header name, lower case.
    pub name: String,
    /// What the header must satisfy.
    pub rule: HeaderRule,
    /// Severity.
    pub level: Level,
    /// Location in the case file.
    pub span: Span,
}

/// Header rules.
#[derive(Debug, Clone)]
pub enum HeaderRule {
    /// Exact value (template).
    Equals(Value),
    /// Regex match.
    Matches(Regex),
    /// Present with any value.
    Present,
    /// Not present.
    Absent,
}

/// A schema the body must satisfy.
#[derive(Debug, Clone)]
pub struct SchemaExpect {
    /// Schema id, e.g. `stytch/session`.
    pub id: String,
    /// Severity.
    pub level: Level,
    /// Location in the case file.
    pub span: Span,
}

/// One assertion: a JSONPath and an operator.
#[derive(Debug, Clone)]
pub struct Assertion {
    /// The JSONPath as written.
    pub path_text: String,
    /// Compiled JSONPath (RFC 9535), evaluated against the body (or the current item in `every`).
    pub path: JsonPath,
    /// The check.
    pub op: Op,
    /// Severity.
    pub level: Level,
    /// Why this assertion exists (shown with findings).
    pub note: Option<String>,
    /// Location of the assertion in the case file.
    pub span: Span,
}

/// JSON types for `type:` assertions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonType {
    /// A string.
    String,
    /// Any number.
    Number,
    /// An integral number.
    Integer,
    /// true or false.
    Boolean,
    /// An array.
    Array,
    /// An object.
    Object,
    /// null.
    Null,
}

/// Length bounds.
#[derive(Debug, Clone, Copy)]
pub struct LengthSpec {
    /// Minimum length, inclusive.
    pub min: Option<usize>,
    /// Maximum length, inclusive.
    pub max: Option<usize>,
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    /// Ascending (non-decreasing).
    Asc,
    /// Descending (non-increasing).
    Desc,
}

/// Comparison operators. Times compare as instants when both sides are RFC 3339 strings or epoch
/// numbers (integers ≥ 10^11 are milliseconds, smaller ones seconds); otherwise numbers compare
/// numerically and strings lexically.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmpOp {
    /// Strictly before / less than.
    Before,
    /// Before or equal.
    NotAfter,
    /// Strictly after / greater than.
    After,
    /// After or equal.
    NotBefore,
    /// A number strictly less than (`lt`): never read as a time.
    Lt,
    /// A number at most (`lte`).
    Le,
    /// A number strictly greater than (`gt`).
    Gt,
    /// A number at least (`gte`).
    Ge,
}

impl CmpOp {
    /// True for the numeric operators (`lt`, `lte`, `gt`, `gte`).
    pub fn is_numeric(self) -> bool {
        matches!(self, CmpOp::Lt | CmpOp::Le | CmpOp::Gt | CmpOp::Ge)
    }
}

/// The right-hand side of a comparison: `now`, a JSONPath on the same document, or a literal,
/// optionally shifted by a duration (`now+5m`, `$.iat+300s`).
#[derive(Debug, Clone)]
pub struct Operand {
    /// The base value.
    pub base: OperandBase,
    /// Signed shift in milliseconds.
    pub shift_ms: i64,
    /// The operand as written.
    pub text: String,
}

/// Base of an [`Operand`].
#[derive(Debug, Clone)]
pub enum OperandBase {
    /// The current time.
    Now,
    /// A JSONPath evaluated on the same document (must select exactly one value).
    Path(JsonPath),
    /// A literal value (template).
    Literal(Value),
}

/// Assertion operators.
#[derive(Debug, Clone)]
pub enum Op {
    /// Deep equality with a value (template).
    Equals(Value),
    /// Deep inequality.
    NotEquals(Value),
    /// The path selects at least one node.
    Exists,
    /// The path selects nothing.
    Absent,
    /// Every selected string matches the regex.
    Matches(Regex),
    /// Every selected value has this type.
    Type(JsonType),
    /// Length of the selected array, string or object (or of the node list).
    Length(LengthSpec),
    /// The array contains an equal element, or the string contains the substring.
    Contains(Value),
    /// Every selected value equals one of these (a template that renders to an array).
    OneOf(Value),
    /// The selected array (or node list) has no duplicates.
    Unique,
    /// Every item of the selected array satisfies the nested assertions (paths relative to the item).
    Every(Vec<Assertion>),
    /// The selected array is sorted by `by` (a JSONPath on each item, or the items themselves).
    Sorted {
        /// Key of each item.
        by: Option<JsonPath>,
        /// The key as written.
        by_text: Option<String>,
        /// Direction.
        order: Order,
    },
    /// Every selected value compares with the operand.
    Compare {
        /// Operator.
        op: CmpOp,
        /// Right-hand side.
        rhs: Operand,
    },
    /// The selected string is a compact JWS; assertions run on its decoded header and claims.
    Jwt {
        /// Assertions on the JOSE header.
        header: Vec<Assertion>,
        /// Assertions on the claims.
        claims: Vec<Assertion>,
        /// Verify the signature (and `exp`, `nbf`, `iat`) against a JWKS.
        verify: Option<JwtVerify>,
    },
}

/// How a `jwt` assertion verifies the token's signature.
#[derive(Debug, Clone)]
pub struct JwtVerify {
    /// The JWKS (a template, usually `${jwks}`: a capture of a JWKS response body).
    pub jwks: Value,
    /// Clock skew allowed on `exp`, `nbf` and `iat`, in seconds.
    pub skew_s: u64,
}

/// A golden snapshot of the response body.
#[derive(Debug, Clone)]
pub struct SnapshotExpect {
    /// Snapshot file, relative to the case file's directory.
    pub file: String,
    /// Paths (JSONPath) whose values are replaced by a placeholder before comparing.
    pub ignore: Vec<(String, JsonPath)>,
    /// Severity.
    pub level: Level,
    /// Location in the case file.
    pub span: Span,
}

/// A value to capture after a step.
#[derive(Debug, Clone)]
pub struct Capture {
    /// Name used later as `${name}`.
    pub name: String,
    /// Where the value comes from.
    pub source: CaptureSource,
    /// Redact the captured value everywhere.
    pub secret: bool,
    /// Location in the case file.
    pub span: Span,
}

/// Where a capture reads from.
#[derive(Debug, Clone)]
pub enum CaptureSource {
    /// A JSONPath on the body: one node gives its value, several give an array.
    Body(String, JsonPath),
    /// A response header.
    Header(String),
}
