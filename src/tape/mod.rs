//! [`Tape`]: a response body parsed once into one flat, borrowed array of JSON nodes.
//!
//! A `serde_json::Value` costs one allocation per string, array and object, and as much again to
//! free; on a 1.3 MB body that is most of a case's time. A tape is one `Vec`: strings without
//! escapes borrow the body's bytes, containers record where their subtree ends, and dropping it
//! is one free. The schema validator reads the tape directly ([`TapeJson`]); a
//! `serde_json::Value` is built from it only for the checks that need one (JSONPath assertions,
//! captures, error excerpts).
//!
//! ```
//! use sessconform::tape::Tape;
//!
//! let tape = Tape::parse(br#"{"sessions": [{"session_id": "s1"}], "status_code": 200}"#)?;
//! assert_eq!(tape.root().get("status_code").and_then(|n| n.as_u64()), Some(200));
//! assert_eq!(tape.to_value()["sessions"][0]["session_id"], "s1");
//! # Ok::<(), serde_json::Error>(())
//! ```

pub mod budget;
mod node;
mod parse;
mod validate;

pub use node::{Elements, Members, TapeNode};
pub use validate::{Budgeted, TapeArray, TapeJson, TapeNumber, TapeObject};

use std::borrow::Cow;

use serde_json::Value;

/// One entry of a [`Tape`]: a scalar, an object member's name, or the head of a container.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Entry<'a> {
    Null,
    Bool(bool),
    /// A non-negative integer.
    U64(u64),
    /// A negative integer.
    I64(i64),
    Float(f64),
    Str(Cow<'a, str>),
    /// An object member's name; its value is the next entry.
    Key(Cow<'a, str>),
    /// `len` elements follow; `end` is the index just past the array's last entry.
    Array {
        len: u32,
        end: u32,
    },
    /// `len` (name, value) members follow; `end` is the index just past the object's last entry.
    Object {
        len: u32,
        end: u32,
    },
}

/// A JSON document as a flat array of entries in document order (see the module docs).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Tape<'a> {
    entries: Vec<Entry<'a>>,
}

impl<'a> Tape<'a> {
    /// Parses `bytes` (RFC 8259 JSON, whole input, nesting bounded like `serde_json`).
    pub fn parse(bytes: &'a [u8]) -> Result<Self, serde_json::Error> {
        parse::parse(bytes)
    }

    /// The document's root node (`null` for an empty, default-built tape).
    pub fn root(&self) -> TapeNode<'_> {
        static NULL: [Entry<'static>; 1] = [Entry::Null];
        if self.entries.is_empty() {
            return TapeNode::new(&NULL, 0);
        }
        TapeNode::new(&self.entries, 0)
    }

    /// The document as a `serde_json::Value` (object members in `Value`'s order; of repeated
    /// member names the last wins, as with `serde_json::from_slice`).
    pub fn to_value(&self) -> Value {
        self.root().to_value()
    }

    /// The tape of a value the caller already holds (serialised and parsed again: for cold
    /// paths). Fails only past the parser's nesting limit of 128 levels.
    pub fn from_value(value: &Value) -> Result<Tape<'static>, serde_json::Error> {
        let bytes = serde_json::to_vec(value)?;
        Tape::parse(&bytes).map(Tape::into_owned)
    }

    /// The same document with every string owned: it no longer borrows the parsed bytes.
    pub fn into_owned(self) -> Tape<'static> {
        let entries = self
            .entries
            .into_iter()
            .map(|e| match e {
                Entry::Null => Entry::Null,
                Entry::Bool(b) => Entry::Bool(b),
                Entry::U64(n) => Entry::U64(n),
                Entry::I64(n) => Entry::I64(n),
                Entry::Float(f) => Entry::Float(f),
                Entry::Str(s) => Entry::Str(Cow::Owned(s.into_owned())),
                Entry::Key(s) => Entry::Key(Cow::Owned(s.into_owned())),
                Entry::Array { len, end } => Entry::Array { len, end },
                Entry::Object { len, end } => Entry::Object { len, end },
            })
            .collect();
        Tape { entries }
    }

    /// Number of entries (nodes plus member names).
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the tape is empty (never true for a parsed document).
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests;
