//! [`Failure`]: an assertion failure before it becomes a [`Finding`], kept relative to the
//! document it was evaluated on so `every` and `jwt` can re-root it.

use crate::case::model::{Assertion, Level};
use crate::result::{Finding, FindingKind};
use crate::source::Span;

/// What went wrong, before the path is put in front.
#[derive(Debug)]
pub(crate) enum Msg {
    /// The path selected nothing.
    NoValue,
    /// `<path>: <what>`.
    What(String),
}

/// One failed assertion.
#[derive(Debug)]
pub(crate) struct Failure {
    pub level: Level,
    pub span: Span,
    pub note: Option<String>,
    /// The assertion's path as written (composed with the outer path when nested).
    pub path: String,
    pub msg: Msg,
    /// Normalized path of the failing node, relative to the evaluated document.
    pub loc: Option<String>,
    /// Show `loc` in the message (when the path alone does not identify the node).
    pub show_loc: bool,
    /// Other selected values that failed the same way.
    pub more: usize,
    pub expected: Option<String>,
    pub actual: Option<String>,
    pub detail: Option<String>,
}

/// How a nested failure's path is joined to the outer one.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Join {
    /// `$.sessions[1]` + `$.user_id` → `$.sessions[1].user_id`.
    Item,
    /// `$.token (jwt claims)` + `$.exp` → `$.token (jwt claims) $.exp`.
    Label,
}

impl Failure {
    /// A failure of `a` with nothing but a message.
    pub fn new(a: &Assertion, msg: Msg) -> Self {
        Self {
            level: a.level,
            span: a.span.clone(),
            note: a.note.clone(),
            path: a.path_text.clone(),
            msg,
            loc: None,
            show_loc: false,
            more: 0,
            expected: None,
            actual: None,
            detail: None,
        }
    }

    /// A `<path>: <what>` failure of `a`.
    pub fn what(a: &Assertion, what: impl Into<String>) -> Self {
        Self::new(a, Msg::What(what.into()))
    }

    /// Re-roots a failure of an assertion nested in `outer` (an `every` item or a JWT part).
    pub fn nest(
        mut self,
        outer: &Assertion,
        path_prefix: &str,
        loc_prefix: &str,
        join: Join,
    ) -> Self {
        self.path = joined(path_prefix, &self.path, join);
        self.loc = Some(match &self.loc {
            Some(l) => joined(loc_prefix, l, join),
            None => loc_prefix.to_owned(),
        });
        self.show_loc = true;
        self.level = self.level.min(outer.level);
        if self.note.is_none() {
            self.note.clone_from(&outer.note);
        }
        self
    }

    /// The finding reported for this failure.
    pub fn into_finding(self, step: usize) -> Finding {
        let loc = self.loc.as_deref().filter(|_| self.show_loc);
        let mut message = match (&self.msg, loc) {
            (Msg::NoValue, None) => format!("no value at {}", self.path),
            (Msg::NoValue, Some(l)) => format!("no value at {} (in {l})", self.path),
            (Msg::What(w), None) => format!("{}: {w}", self.path),
            (Msg::What(w), Some(l)) => format!("{}: {w} at {l}", self.path),
        };
        if self.more > 0 {
            message.push_str(&format!(" (and {} more failing values)", self.more));
        }
        let mut f = Finding::new(FindingKind::Assertion, self.level, message);
        f.span = Some(self.span);
        f.path = Some(self.path);
        f.expected = self.expected;
        f.actual = self.actual;
        f.detail = self.detail;
        f.note = self.note;
        f.step = step;
        f
    }
}

fn joined(prefix: &str, rel: &str, join: Join) -> String {
    match (join, rel.strip_prefix('$')) {
        (Join::Item, Some(rest)) => format!("{prefix}{rest}"),
        _ => format!("{prefix} {rel}"),
    }
}
