//! Request parsing shared by all vendors: query strings and JSON object bodies.

use serde_json::{Map, Value};

/// Decoded `key=value` pairs of a raw query string, in order.
pub(crate) fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    raw.map(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect()
    })
    .unwrap_or_default()
}

/// The last value of `key`, if present.
pub(crate) fn query_get<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// A request body that is not a JSON object.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct NotAnObject;

/// Parses a JSON object body; an empty body counts as `{}`.
pub(crate) fn json_object(body: &[u8]) -> Result<Map<String, Value>, NotAnObject> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(NotAnObject),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_queries_and_bodies() {
        let pairs = query_pairs(Some("a=1&b=x%20y&a=2"));
        assert_eq!(query_get(&pairs, "a"), Some("2"));
        assert_eq!(query_get(&pairs, "b"), Some("x y"));
        assert_eq!(query_get(&pairs, "c"), None);
        assert!(json_object(b"").unwrap().is_empty());
        assert!(json_object(b" \n").unwrap().is_empty());
        assert_eq!(json_object(b"{\"a\":1}").unwrap()["a"], 1);
        assert_eq!(json_object(b"[1]"), Err(NotAnObject));
        assert_eq!(json_object(b"{"), Err(NotAnObject));
    }
}
