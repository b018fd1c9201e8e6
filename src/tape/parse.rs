//! Builds a [`Tape`] with `serde_json`'s parser: the same grammar, error messages and nesting
//! limit as `serde_json::from_slice`, without building a `Value`.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::{Entry, Tape};

pub(super) fn parse(bytes: &[u8]) -> Result<Tape<'_>, serde_json::Error> {
    // A rough guess of the node count saves most regrowth on large bodies.
    let mut entries = Vec::with_capacity(bytes.len() / 16 + 1);
    let mut de = serde_json::Deserializer::from_slice(bytes);
    NodeSeed(&mut entries).deserialize(&mut de)?;
    de.end()?;
    Ok(Tape { entries })
}

/// Appends one JSON value (and its subtree) to the entries.
struct NodeSeed<'t, 'a>(&'t mut Vec<Entry<'a>>);

impl<'a> DeserializeSeed<'a> for NodeSeed<'_, 'a> {
    type Value = ();

    fn deserialize<D: Deserializer<'a>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

/// Appends one object member name.
struct KeySeed<'t, 'a>(&'t mut Vec<Entry<'a>>);

impl<'a> DeserializeSeed<'a> for KeySeed<'_, 'a> {
    type Value = ();

    fn deserialize<D: Deserializer<'a>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_str(self)
    }
}

impl<'a> Visitor<'a> for KeySeed<'_, 'a> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object member name")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'a str) -> Result<(), E> {
        self.0.push(Entry::Key(Cow::Borrowed(v)));
        Ok(())
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.0.push(Entry::Key(Cow::Owned(v.to_owned())));
        Ok(())
    }
}

/// Index of the next entry as stored in container heads.
fn index<E: de::Error>(entries: &[Entry<'_>]) -> Result<u32, E> {
    u32::try_from(entries.len()).map_err(|_| E::custom("document too large (over 4 G nodes)"))
}

impl<'a> Visitor<'a> for NodeSeed<'_, 'a> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.0.push(Entry::Bool(v));
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        // serde_json reports non-negative integers through `visit_u64`; keep one form per value.
        self.0.push(match u64::try_from(v) {
            Ok(u) => Entry::U64(u),
            Err(_) => Entry::I64(v),
        });
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.0.push(Entry::U64(v));
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        self.0.push(Entry::Float(v));
        Ok(())
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'a str) -> Result<(), E> {
        self.0.push(Entry::Str(Cow::Borrowed(v)));
        Ok(())
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.0.push(Entry::Str(Cow::Owned(v.to_owned())));
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.0.push(Entry::Null);
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'a>>(self, mut seq: A) -> Result<(), A::Error> {
        let head = self.0.len();
        self.0.push(Entry::Array { len: 0, end: 0 });
        let mut len: u32 = 0;
        while seq.next_element_seed(NodeSeed(self.0))?.is_some() {
            len = len.saturating_add(1); // past u32, `index` below fails
        }
        let end = index(self.0)?;
        self.0[head] = Entry::Array { len, end };
        Ok(())
    }

    fn visit_map<A: MapAccess<'a>>(self, mut map: A) -> Result<(), A::Error> {
        let head = self.0.len();
        self.0.push(Entry::Object { len: 0, end: 0 });
        let mut len: u32 = 0;
        while map.next_key_seed(KeySeed(self.0))?.is_some() {
            map.next_value_seed(NodeSeed(self.0))?;
            len = len.saturating_add(1); // past u32, `index` below fails
        }
        let end = index(self.0)?;
        self.0[head] = Entry::Object { len, end };
        Ok(())
    }
}
