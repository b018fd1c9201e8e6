//! [`TapeJson`]: the tape as an instance representation of the `jsonschema` crate, so schemas
//! validate a body in place (see `jsonschema::json`).

use std::borrow::Cow;

use jsonschema::JsonType;
use jsonschema::json::{Array, Json, JsonNumber, Node, NodeIdentity, Object, cmp, unique};
use serde_json::{Number, Value};

use super::node::{Elements, Members};
use super::{Entry, Tape, TapeNode};

/// A container's elements or members as the validator walks them: cut short once the thread's
/// [`budget`](super::budget) is spent.
#[derive(Clone)]
pub struct Budgeted<I>(I);

impl<I: Iterator> Iterator for Budgeted<I> {
    type Item = I::Item;

    fn next(&mut self) -> Option<I::Item> {
        let item = self.0.next()?;
        super::budget::take().then_some(item)
    }
}

/// The `jsonschema` representation whose instances are [`TapeNode`]s.
pub struct TapeJson;

impl Json for TapeJson {
    type Node<'a> = TapeNode<'a>;
    type PreparedKey = Box<str>;
    type StringBuffer = Tape<'static>;

    // A lookup is a scan of the members, so one pass over the members always beats lookups.
    const KEYS_PER_LOOKUP: usize = 1 << 16;

    fn prepare_key(key: &str) -> Box<str> {
        key.into()
    }

    fn with_string_node<T>(
        buffer: &mut Tape<'static>,
        string: &str,
        f: impl FnOnce(TapeNode<'_>) -> T,
    ) -> T {
        // Reuses the buffer's allocation across calls (`propertyNames` calls this per name).
        if let [Entry::Str(Cow::Owned(existing))] = buffer.entries.as_mut_slice() {
            existing.clear();
            existing.push_str(string);
        } else {
            buffer.entries = vec![Entry::Str(Cow::Owned(string.to_owned()))];
        }
        f(buffer.root())
    }
}

/// A number of a tape, in `serde_json::Number`'s three forms.
#[derive(Debug, Clone, Copy)]
pub enum TapeNumber {
    /// A non-negative integer.
    PosInt(u64),
    /// A negative integer.
    NegInt(i64),
    /// A number written with a fraction or an exponent, or outside the integer ranges.
    Float(f64),
}

impl JsonNumber for TapeNumber {
    fn as_u64(&self) -> Option<u64> {
        match *self {
            TapeNumber::PosInt(n) => Some(n),
            TapeNumber::NegInt(n) => u64::try_from(n).ok(),
            TapeNumber::Float(_) => None,
        }
    }

    fn as_i64(&self) -> Option<i64> {
        match *self {
            TapeNumber::PosInt(n) => i64::try_from(n).ok(),
            TapeNumber::NegInt(n) => Some(n),
            TapeNumber::Float(_) => None,
        }
    }

    fn as_f64(&self) -> Option<f64> {
        Some(match *self {
            TapeNumber::PosInt(n) => n as f64,
            TapeNumber::NegInt(n) => n as f64,
            TapeNumber::Float(f) => f,
        })
    }

    fn as_str(&self) -> Cow<'_, str> {
        Cow::Owned(self.to_number().to_string())
    }

    fn to_number(&self) -> Cow<'_, Number> {
        Cow::Owned(match *self {
            TapeNumber::PosInt(n) => Number::from(n),
            TapeNumber::NegInt(n) => Number::from(n),
            // A parsed JSON number is always finite.
            TapeNumber::Float(f) => Number::from_f64(f).unwrap_or_else(|| Number::from(0)),
        })
    }
}

/// An object node, as `jsonschema` sees it.
#[derive(Clone, Copy)]
pub struct TapeObject<'a>(TapeNode<'a>);

/// An array node, as `jsonschema` sees it.
#[derive(Clone, Copy)]
pub struct TapeArray<'a>(TapeNode<'a>);

impl<'a> Node<'a, TapeJson> for TapeNode<'a> {
    type Object = TapeObject<'a>;
    type Array = TapeArray<'a>;
    type Number = TapeNumber;

    fn as_object(&self) -> Option<TapeObject<'a>> {
        self.is_object().then_some(TapeObject(*self))
    }

    fn as_array(&self) -> Option<TapeArray<'a>> {
        self.is_array().then_some(TapeArray(*self))
    }

    fn as_string(&self) -> Option<Cow<'a, str>> {
        TapeNode::as_str(self).map(Cow::Borrowed)
    }

    fn as_number(&self) -> Option<TapeNumber> {
        match self.entry() {
            Entry::U64(n) => Some(TapeNumber::PosInt(*n)),
            Entry::I64(n) => Some(TapeNumber::NegInt(*n)),
            Entry::Float(f) => Some(TapeNumber::Float(*f)),
            _ => None,
        }
    }

    fn as_boolean(&self) -> Option<bool> {
        self.as_bool()
    }

    fn is_null(&self) -> bool {
        TapeNode::is_null(self)
    }

    fn json_type(&self) -> JsonType {
        match self.entry() {
            Entry::Null => JsonType::Null,
            Entry::Bool(_) => JsonType::Boolean,
            Entry::U64(_) | Entry::I64(_) | Entry::Float(_) => JsonType::Number,
            Entry::Str(_) | Entry::Key(_) => JsonType::String,
            Entry::Array { .. } => JsonType::Array,
            Entry::Object { .. } => JsonType::Object,
        }
    }

    fn equals_value(&self, expected: &Value) -> bool {
        // `const` and `enum` compare every candidate: scalars without building a `Value`.
        match (self.entry(), expected) {
            (Entry::Str(s), Value::String(e)) => s == e,
            (Entry::Bool(b), Value::Bool(e)) => b == e,
            (Entry::Null, Value::Null) => true,
            (Entry::Array { .. } | Entry::Object { .. }, _) => {
                cmp::equal(&self.to_value(), expected)
            }
            (_, Value::Number(e)) => self.as_number().is_some_and(|n| cmp::equal_numbers(&n, e)),
            _ => false,
        }
    }

    fn to_value(&self) -> Cow<'a, Value> {
        Cow::Owned(TapeNode::to_value(self))
    }

    fn identity(&self) -> Option<NodeIdentity> {
        Some(NodeIdentity::new(self.address()))
    }
}

impl<'a> Object<'a, TapeJson> for TapeObject<'a> {
    type Node = TapeNode<'a>;
    type MemberName = &'a str;
    type MembersIter = Budgeted<Members<'a>>;

    fn len(&self) -> usize {
        self.0.len()
    }

    fn get(&self, key: &Box<str>) -> Option<TapeNode<'a>> {
        self.0.get(key)
    }

    fn members(&self) -> Budgeted<Members<'a>> {
        Budgeted(self.0.members())
    }
}

impl<'a> Array<'a, TapeJson> for TapeArray<'a> {
    type Node = TapeNode<'a>;
    type ElementsIter = Budgeted<Elements<'a>>;

    fn len(&self) -> usize {
        self.0.len()
    }

    fn elements(&self) -> Budgeted<Elements<'a>> {
        Budgeted(self.0.elements())
    }

    fn is_unique(&self) -> bool {
        // Arrays of strings (role lists, scopes) are the common case: no `Value`s needed.
        let strings: Option<Vec<&str>> = self.0.elements().map(|e| e.as_str()).collect();
        if let Some(mut strings) = strings {
            strings.sort_unstable();
            return strings.windows(2).all(|w| w[0] != w[1]);
        }
        let values: Vec<Value> = self.0.elements().map(|e| e.to_value()).collect();
        unique::is_unique(&values)
    }
}
