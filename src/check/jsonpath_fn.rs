//! The RFC 9535 `match()` and `search()` functions of JSONPath filters, replacing the
//! `serde_json_path` ones, which compile their pattern again for every node. Here each pattern
//! is compiled once per thread (a small cache), and a pattern's size and compiled size are
//! bounded, so a response that supplies its own patterns (`match(@.a, @.b)`) cannot make a check
//! run for minutes.

use std::cell::RefCell;
use std::collections::HashMap;

use regex::Regex;
use serde_json::Value;
use serde_json_path::functions::{LogicalType, ValueType};

/// Longest pattern compiled, in bytes; a longer one matches nothing.
pub const PATTERN_MAX_LEN: usize = 1024;
/// Compiled patterns kept per thread; the cache is emptied when it is full.
const CACHE_ENTRIES: usize = 256;
/// Largest compiled program of one pattern, in bytes (the `regex` default is 10 MiB).
const COMPILED_MAX: usize = 256 * 1024;

thread_local! {
    static CACHE: RefCell<HashMap<(bool, String), Option<Regex>>> = RefCell::new(HashMap::new());
}

/// Whether `text` matches `pattern`, whole (`anchored`) or anywhere; an invalid or oversized
/// pattern matches nothing (RFC 9535, 2.4.6 and 2.4.7).
pub(crate) fn is_match(pattern: &str, text: &str, anchored: bool) -> bool {
    if pattern.len() > PATTERN_MAX_LEN {
        return false;
    }
    CACHE.with(|cache| {
        let mut cache = cache.borrow_mut();
        let key = (anchored, pattern.to_owned());
        if let Some(re) = cache.get(&key) {
            return re.as_ref().is_some_and(|re| re.is_match(text));
        }
        if cache.len() >= CACHE_ENTRIES {
            cache.clear();
        }
        let source = if anchored {
            format!("(?R)^(?:{pattern})$")
        } else {
            format!("(?R)(?:{pattern})")
        };
        let re = regex::RegexBuilder::new(&source)
            .size_limit(COMPILED_MAX)
            .dfa_size_limit(COMPILED_MAX)
            .build()
            .ok();
        let matched = re.as_ref().is_some_and(|re| re.is_match(text));
        cache.insert(key, re);
        matched
    })
}

fn apply(value: &ValueType<'_>, pattern: &ValueType<'_>, anchored: bool) -> LogicalType {
    match (value.as_value(), pattern.as_value()) {
        (Some(Value::String(s)), Some(Value::String(p))) => is_match(p, s, anchored).into(),
        _ => LogicalType::False,
    }
}

/// `match(value, pattern)`: the whole string matches the I-Regexp `pattern`.
#[serde_json_path::function(name = "match")]
fn match_fn(value: ValueType, pattern: ValueType) -> LogicalType {
    apply(&value, &pattern, true)
}

/// `search(value, pattern)`: some substring matches the I-Regexp `pattern`.
#[serde_json_path::function(name = "search")]
fn search_fn(value: ValueType, pattern: ValueType) -> LogicalType {
    apply(&value, &pattern, false)
}
