//! [`TapeNode`]: a cheap, copyable handle on one value of a [`Tape`](super::Tape).

use std::fmt;

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use serde_json::{Map, Number, Value};

use super::Entry;

/// One value of a tape: the entries and the index of the value's first entry.
#[derive(Clone, Copy)]
pub struct TapeNode<'a> {
    entries: &'a [Entry<'a>],
    idx: usize,
}

impl fmt::Debug for TapeNode<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TapeNode({})", self.to_value())
    }
}

impl<'a> TapeNode<'a> {
    /// The node starting at `idx`; `idx` must index a value (not a member name).
    pub(crate) fn new(entries: &'a [Entry<'a>], idx: usize) -> Self {
        Self { entries, idx }
    }

    pub(crate) fn entry(&self) -> &'a Entry<'a> {
        &self.entries[self.idx]
    }

    /// Index just past this value's subtree.
    fn end(&self) -> usize {
        match self.entry() {
            Entry::Array { end, .. } | Entry::Object { end, .. } => *end as usize,
            _ => self.idx + 1,
        }
    }

    /// A number that stays the same for this node while the tape lives (its entry's address).
    pub(crate) fn address(&self) -> usize {
        std::ptr::from_ref(self.entry()) as usize
    }

    /// The string, if this is a string.
    pub fn as_str(&self) -> Option<&'a str> {
        match self.entry() {
            Entry::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The number as `u64`, if it is a non-negative integer.
    pub fn as_u64(&self) -> Option<u64> {
        match self.entry() {
            Entry::U64(n) => Some(*n),
            _ => None,
        }
    }

    /// The boolean, if this is one.
    pub fn as_bool(&self) -> Option<bool> {
        match self.entry() {
            Entry::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// Whether this is `null`.
    pub fn is_null(&self) -> bool {
        matches!(self.entry(), Entry::Null)
    }

    /// Whether this is an object.
    pub fn is_object(&self) -> bool {
        matches!(self.entry(), Entry::Object { .. })
    }

    /// Whether this is an array.
    pub fn is_array(&self) -> bool {
        matches!(self.entry(), Entry::Array { .. })
    }

    /// Number of members (object) or elements (array); 0 for scalars.
    pub fn len(&self) -> usize {
        match self.entry() {
            Entry::Array { len, .. } | Entry::Object { len, .. } => *len as usize,
            _ => 0,
        }
    }

    /// Whether this is a scalar or an empty container.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The member named `name` of an object (the last one if the name repeats, as in a `Value`).
    pub fn get(&self, name: &str) -> Option<TapeNode<'a>> {
        self.members()
            .filter(|(key, _)| *key == name)
            .last()
            .map(|(_, node)| node)
    }

    /// The value at JSON Pointer `pointer` (RFC 6901; `""` is this node), like
    /// [`Value::pointer`] (a repeated member name resolves to the last member).
    pub fn pointer(&self, pointer: &str) -> Option<TapeNode<'a>> {
        if pointer.is_empty() {
            return Some(*self);
        }
        let rest = pointer.strip_prefix('/')?;
        let mut node = *self;
        for token in rest.split('/') {
            let token = token.replace("~1", "/").replace("~0", "~");
            node = match node.entry() {
                Entry::Object { .. } => node.get(&token)?,
                Entry::Array { .. } => {
                    // As `Value::pointer`: decimal digits, no leading zero, no sign.
                    if token.starts_with('+') || (token.len() > 1 && token.starts_with('0')) {
                        return None;
                    }
                    node.elements().nth(token.parse::<usize>().ok()?)?
                }
                _ => return None,
            };
        }
        Some(node)
    }

    /// An object's members in document order (repeated names included); empty for non-objects.
    pub fn members(&self) -> Members<'a> {
        let (pos, end) = match self.entry() {
            Entry::Object { end, .. } => (self.idx + 1, *end as usize),
            _ => (0, 0),
        };
        Members {
            entries: self.entries,
            pos,
            end,
        }
    }

    /// An array's elements in order; empty for non-arrays.
    pub fn elements(&self) -> Elements<'a> {
        let (pos, end) = match self.entry() {
            Entry::Array { end, .. } => (self.idx + 1, *end as usize),
            _ => (0, 0),
        };
        Elements {
            entries: self.entries,
            pos,
            end,
        }
    }

    /// The value as a `serde_json::Value` (allocates; for cold paths).
    pub fn to_value(&self) -> Value {
        match self.entry() {
            Entry::Null => Value::Null,
            Entry::Bool(b) => Value::Bool(*b),
            Entry::U64(n) => Value::Number(Number::from(*n)),
            Entry::I64(n) => Value::Number(Number::from(*n)),
            Entry::Float(f) => Number::from_f64(*f).map_or(Value::Null, Value::Number),
            Entry::Str(s) | Entry::Key(s) => Value::String(s.as_ref().to_owned()),
            Entry::Array { len, .. } => {
                let mut out = Vec::with_capacity(*len as usize);
                out.extend(self.elements().map(|e| e.to_value()));
                Value::Array(out)
            }
            Entry::Object { .. } => {
                let mut out = Map::new();
                for (key, node) in self.members() {
                    out.insert(key.to_owned(), node.to_value());
                }
                Value::Object(out)
            }
        }
    }
}

/// Serialises straight from the tape, without building a `Value` (members in document order,
/// repeated names included): what bounded renderings of large bodies use.
impl Serialize for TapeNode<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.entry() {
            Entry::Null => serializer.serialize_unit(),
            Entry::Bool(b) => serializer.serialize_bool(*b),
            Entry::U64(n) => serializer.serialize_u64(*n),
            Entry::I64(n) => serializer.serialize_i64(*n),
            Entry::Float(f) => serializer.serialize_f64(*f),
            Entry::Str(s) | Entry::Key(s) => serializer.serialize_str(s),
            Entry::Array { len, .. } => {
                let mut seq = serializer.serialize_seq(Some(*len as usize))?;
                for element in self.elements() {
                    seq.serialize_element(&element)?;
                }
                seq.end()
            }
            Entry::Object { len, .. } => {
                let mut map = serializer.serialize_map(Some(*len as usize))?;
                for (name, value) in self.members() {
                    map.serialize_entry(name, &value)?;
                }
                map.end()
            }
        }
    }
}

/// Iterator over an object's `(name, value)` members.
#[derive(Clone)]
pub struct Members<'a> {
    entries: &'a [Entry<'a>],
    pos: usize,
    end: usize,
}

impl<'a> Iterator for Members<'a> {
    type Item = (&'a str, TapeNode<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.end {
            return None;
        }
        let Some(Entry::Key(key)) = self.entries.get(self.pos) else {
            self.pos = self.end;
            return None;
        };
        let value = TapeNode::new(self.entries, self.pos + 1);
        self.pos = value.end();
        Some((key, value))
    }
}

/// Iterator over an array's elements.
#[derive(Clone)]
pub struct Elements<'a> {
    entries: &'a [Entry<'a>],
    pos: usize,
    end: usize,
}

impl<'a> Iterator for Elements<'a> {
    type Item = TapeNode<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.end {
            return None;
        }
        let node = TapeNode::new(self.entries, self.pos);
        self.pos = node.end();
        Some(node)
    }
}
