//! Ordering of JSON values for `sorted` and comparisons: instants (RFC 3339 strings and epoch
//! numbers), then numbers, then strings.

use std::cmp::Ordering;

use serde_json::{Number, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::excerpt;

/// Integers at or above this are epoch milliseconds; below it, epoch seconds.
const EPOCH_MS_THRESHOLD: i128 = 100_000_000_000;
const NANOS_PER_MS: i128 = 1_000_000;
const NANOS_PER_S: i128 = 1_000_000_000;
/// Instants beyond this many nanoseconds from the epoch (about ±3 billion years) are not times.
const MAX_NANOS: f64 = 1e35;

/// A value reduced to what comparisons need.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Key<'v> {
    /// An instant, in nanoseconds since the Unix epoch.
    Time(i128),
    /// A number too large to be an instant.
    Num(f64),
    /// A string that is not an RFC 3339 timestamp.
    Str(&'v str),
    /// Anything else (null, boolean, array, object).
    Other(&'static str),
}

impl<'v> Key<'v> {
    /// Classifies a value.
    pub(crate) fn of(v: &'v Value) -> Self {
        match v {
            Value::String(s) => parse_rfc3339(s).map_or(Key::Str(s), Key::Time),
            Value::Number(n) => {
                epoch_nanos(n).map_or_else(|| Key::Num(n.as_f64().unwrap_or(f64::NAN)), Key::Time)
            }
            other => Key::Other(excerpt::type_name(other)),
        }
    }

    /// The key shifted by `ms` milliseconds; only instants can be shifted.
    pub(crate) fn shifted(self, ms: i64) -> Result<Self, String> {
        match self {
            _ if ms == 0 => Ok(self),
            Key::Time(t) => Ok(Key::Time(t + i128::from(ms) * NANOS_PER_MS)),
            other => Err(format!(
                "a time shift needs a timestamp, not {}",
                other.describe()
            )),
        }
    }

    fn describe(&self) -> String {
        match self {
            Key::Time(_) => "a timestamp".into(),
            Key::Num(_) => "a number".into(),
            Key::Str(_) => "a string that is not an RFC 3339 timestamp".into(),
            Key::Other(t) => format!("a{} {t}", if t.starts_with(['a', 'o']) { "n" } else { "" }),
        }
    }
}

/// Orders two keys: instants with instants, numbers with numbers, strings with strings.
pub(crate) fn cmp_keys(a: &Key<'_>, b: &Key<'_>) -> Result<Ordering, String> {
    match (a, b) {
        (Key::Time(x), Key::Time(y)) => Ok(x.cmp(y)),
        (Key::Num(x), Key::Num(y)) => x
            .partial_cmp(y)
            .ok_or_else(|| "numbers are not comparable".into()),
        (Key::Str(x), Key::Str(y)) => Ok(x.cmp(y)),
        (Key::Time(_), other) | (other, Key::Time(_)) => Err(format!(
            "cannot compare a timestamp (RFC 3339 string or epoch number) with {}",
            other.describe()
        )),
        (x, y) => Err(format!(
            "cannot compare {} with {}",
            x.describe(),
            y.describe()
        )),
    }
}

/// Parses an RFC 3339 timestamp (0–9 fractional digits; `T`, `t` or a space between date and
/// time) into nanoseconds since the epoch.
pub(crate) fn parse_rfc3339(s: &str) -> Option<i128> {
    let b = s.as_bytes();
    // Cheap pre-check so ordinary strings never reach the parser.
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    OffsetDateTime::parse(s, &Rfc3339)
        .ok()
        .map(OffsetDateTime::unix_timestamp_nanos)
}

/// Interprets a number as an epoch instant: integers ≥ 10^11 are milliseconds, smaller numbers
/// seconds. `None` for numbers too large to be an instant.
pub(crate) fn epoch_nanos(n: &Number) -> Option<i128> {
    if let Some(i) = as_int(n) {
        let unit = if i.abs() >= EPOCH_MS_THRESHOLD {
            NANOS_PER_MS
        } else {
            NANOS_PER_S
        };
        return Some(i * unit);
    }
    let f = n.as_f64()?;
    let unit = if f.abs() >= EPOCH_MS_THRESHOLD as f64 {
        1e6
    } else {
        1e9
    };
    let nanos = f * unit;
    (nanos.is_finite() && nanos.abs() < MAX_NANOS).then_some(nanos as i128)
}

/// Formats an instant as RFC 3339 (UTC), or as nanoseconds when out of range.
pub(crate) fn format_instant(nanos: i128) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| format!("{nanos}ns since the epoch"))
}

/// Renders a value for a comparison message; epoch numbers also show their instant.
pub(crate) fn describe_value(v: &Value) -> String {
    match (v, Key::of(v)) {
        (Value::Number(_), Key::Time(t)) => format!("{v} ({})", format_instant(t)),
        _ => excerpt::short(v),
    }
}

/// Deep equality where numbers compare mathematically (`1 == 1.0`, exactly past 2^53): JSON
/// Schema's own `const`/`enum` equality.
pub(crate) use jsonschema::json::cmp::equal as json_eq;

/// A number as an exact integer, when it is one.
pub(crate) fn as_int(n: &Number) -> Option<i128> {
    n.as_i64()
        .map(i128::from)
        .or_else(|| n.as_u64().map(i128::from))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rfc3339_precisions() {
        let s = parse_rfc3339("2024-05-01T12:00:00Z").unwrap();
        assert_eq!(s, 1_714_564_800 * NANOS_PER_S);
        assert_eq!(
            parse_rfc3339("2024-05-01T12:00:00.123456Z").unwrap(),
            s + 123_456_000
        );
        assert_eq!(
            parse_rfc3339("2024-05-01T12:00:00.123456789Z").unwrap(),
            s + 123_456_789
        );
        assert_eq!(
            parse_rfc3339("2024-05-01T12:00:00.5Z").unwrap(),
            s + 500_000_000
        );
        assert_eq!(parse_rfc3339("2024-05-01t12:00:00z").unwrap(), s);
        assert_eq!(parse_rfc3339("2024-05-01T14:00:00+02:00").unwrap(), s);
        assert_eq!(parse_rfc3339("2024-05-01 12:00:00Z").unwrap(), s);
    }

    #[test]
    fn rejects_non_timestamps() {
        for s in [
            "2024-05-01",
            "2024-05-01T12:00:00",
            "2024-05-01x12:00:00Z",
            "session-1234567890abcdef",
            "2024-13-01T00:00:00Z",
            "",
        ] {
            assert_eq!(parse_rfc3339(s), None, "{s}");
        }
    }

    #[test]
    fn epoch_seconds_and_milliseconds() {
        let s = epoch_nanos(&Number::from(1_714_564_800_u64)).unwrap();
        let ms = epoch_nanos(&Number::from(1_714_564_800_000_u64)).unwrap();
        assert_eq!(s, ms);
        assert_eq!(s, parse_rfc3339("2024-05-01T12:00:00Z").unwrap());
        let f = epoch_nanos(&Number::from_f64(1_714_564_800.5).unwrap()).unwrap();
        assert_eq!(f, s + 500_000_000);
        assert_eq!(
            epoch_nanos(&Number::from(99_999_999_999_i64)).unwrap(),
            99_999_999_999 * NANOS_PER_S
        );
        assert_eq!(epoch_nanos(&Number::from_f64(1e300).unwrap()), None);
    }

    #[test]
    fn keys_compare_across_representations() {
        let rfc = json!("2024-05-01T12:00:00.000001Z");
        let ms = json!(1_714_564_800_000_u64);
        assert_eq!(
            cmp_keys(&Key::of(&rfc), &Key::of(&ms)),
            Ok(Ordering::Greater)
        );
        assert_eq!(
            cmp_keys(&Key::of(&json!(2)), &Key::of(&json!(10))),
            Ok(Ordering::Less)
        );
        assert_eq!(
            cmp_keys(&Key::of(&json!("b")), &Key::of(&json!("a"))),
            Ok(Ordering::Greater)
        );
        let err = cmp_keys(&Key::of(&rfc), &Key::of(&json!("soon"))).unwrap_err();
        assert!(
            err.contains("timestamp") && err.contains("not an RFC 3339"),
            "{err}"
        );
        assert!(cmp_keys(&Key::of(&json!(null)), &Key::of(&json!(true))).is_err());
    }

    #[test]
    fn shifts_only_apply_to_instants() {
        let thousand = json!(1000);
        let k = Key::of(&thousand).shifted(1500).unwrap();
        assert_eq!(k, Key::Time(1000 * NANOS_PER_S + 1500 * NANOS_PER_MS));
        assert!(Key::of(&json!("x")).shifted(1).is_err());
        assert_eq!(Key::of(&json!("x")).shifted(0), Ok(Key::Str("x")));
    }

    #[test]
    fn equality_is_numeric() {
        assert!(json_eq(&json!(1), &json!(1.0)));
        assert!(json_eq(
            &json!({"a": [1, 2.0], "b": null}),
            &json!({"b": null, "a": [1.0, 2]})
        ));
        assert!(!json_eq(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
        assert!(!json_eq(&json!([1]), &json!(["1"])));
        assert!(!json_eq(&json!(u64::MAX), &json!(i64::MAX)));
        // Exact past 2^53, where a cast to f64 would call these equal.
        assert!(!json_eq(
            &json!(9_007_199_254_740_993_u64),
            &json!(9_007_199_254_740_992.0)
        ));
    }

    #[test]
    fn describes_epoch_numbers_as_instants() {
        assert_eq!(
            describe_value(&json!(1_714_564_800)),
            "1714564800 (2024-05-01T12:00:00Z)"
        );
        assert_eq!(describe_value(&json!("x")), "\"x\"");
    }
}
