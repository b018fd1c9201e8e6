//! [`JsonBody`]: a JSON response body as the checks read it.

use std::cell::OnceCell;

use serde_json::Value;

use crate::tape::Tape;

/// A body parsed once into a [`Tape`] (what schemas validate), with a `serde_json::Value` built
/// from it only when a check needs one (JSONPath assertions, captures, snapshots, failure
/// excerpts). A case that checks only status and schema never builds the `Value`.
#[derive(Debug)]
pub struct JsonBody<'a> {
    tape: Tape<'a>,
    value: OnceCell<Value>,
}

impl<'a> JsonBody<'a> {
    /// Wraps a parsed body.
    pub fn new(tape: Tape<'a>) -> Self {
        Self {
            tape,
            value: OnceCell::new(),
        }
    }

    /// Parses `bytes` as JSON.
    pub fn parse(bytes: &'a [u8]) -> Result<Self, serde_json::Error> {
        Tape::parse(bytes).map(Self::new)
    }

    /// A body from a value the caller already holds (past 128 levels of nesting, which no
    /// parsed body reaches, schemas see `null`; the other checks read the value itself).
    pub fn from_value(value: Value) -> JsonBody<'static> {
        let tape = Tape::from_value(&value).unwrap_or_default();
        JsonBody {
            tape,
            value: OnceCell::from(value),
        }
    }

    /// The parsed body.
    pub fn tape(&self) -> &Tape<'a> {
        &self.tape
    }

    /// The body as a `serde_json::Value`, without a copy if one was already built.
    pub fn into_value(self) -> Value {
        match self.value.into_inner() {
            Some(v) => v,
            None => self.tape.to_value(),
        }
    }

    /// Whether the `serde_json::Value` has been built (tests of the checks that must not).
    #[cfg(test)]
    pub(crate) fn value_is_built(&self) -> bool {
        self.value.get().is_some()
    }

    /// The body as a `serde_json::Value` (built on first use).
    pub fn value(&self) -> &Value {
        self.value.get_or_init(|| self.tape.to_value())
    }
}
