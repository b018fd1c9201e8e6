//! Scalar values of case files: durations (`5m`), comparison operands (`now+5m`,
//! `$.iat+300s`) and length specs (`3`, `{min: 1}`).

use std::time::Duration;

use serde_json::Value;
use serde_json_path::JsonPath;

use super::model::{LengthSpec, Operand, OperandBase};

/// Why a duration (`5m`, `250ms`, `30`) is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    /// The number part does not parse.
    #[error("`{0}` is not a duration")]
    NotADuration(String),
    /// The unit is not `ms`, `s`, `m`, `h` or `d`.
    #[error("unknown unit `{unit}` in `{text}` (use ms, s, m, h, d)")]
    UnknownUnit {
        /// The unit as written.
        unit: String,
        /// The whole duration as written.
        text: String,
    },
    /// Negative, not finite or over 10^9 seconds.
    #[error("`{0}` is out of range")]
    OutOfRange(String),
    /// A YAML number without a floating-point value.
    #[error("not a number")]
    NotANumber,
    /// A YAML value that is neither a number nor a string.
    #[error("expected a duration")]
    NotAScalar,
}

/// Why a comparison operand (`now+5m`, `$.iat+300s`, a literal) does not parse.
#[derive(Debug, thiserror::Error)]
pub enum OperandError {
    /// The shift (`+5m`) is not a duration.
    #[error(transparent)]
    Duration(#[from] DurationError),
    /// The shift does not fit in an `i64` of milliseconds.
    #[error("shift too large")]
    ShiftTooLarge,
    /// The base looks like a JSONPath but is not one.
    #[error("{0}")]
    JsonPath(#[from] JsonPathError),
    /// A shift after a literal.
    #[error("a shift (`+5m`) applies only to `now` or a JSONPath")]
    ShiftOnLiteral,
}

/// Longest JSONPath accepted, in bytes: paths in case files are written by people.
pub const JSONPATH_MAX_LEN: usize = 1024;
/// Deepest nesting of brackets and parentheses accepted in a JSONPath. Each nested filter
/// multiplies the parser's work, and thousands of parentheses would exhaust its stack.
pub const JSONPATH_MAX_DEPTH: usize = 8;

/// Why a JSONPath in a case file is refused.
#[derive(Debug, thiserror::Error)]
pub enum JsonPathError {
    /// Over [`JSONPATH_MAX_LEN`] bytes; not parsed.
    #[error(
        "JSONPath is {len} bytes long; the limit is {JSONPATH_MAX_LEN} (split the check in two)"
    )]
    TooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// Brackets or parentheses nested deeper than [`JSONPATH_MAX_DEPTH`]; not parsed.
    #[error(
        "JSONPath nests brackets and parentheses {depth} deep at byte {at}; the limit is \
         {JSONPATH_MAX_DEPTH}: `{excerpt}`"
    )]
    TooDeep {
        /// How deep the nesting reaches (counting stops just past the limit).
        depth: usize,
        /// Byte offset where the limit was passed.
        at: usize,
        /// The path up to there, cut to 60 characters.
        excerpt: String,
    },
    /// Not a JSONPath (RFC 9535).
    #[error("invalid JSONPath `{path}`: {error}")]
    Syntax {
        /// The path as written.
        path: String,
        /// What the JSONPath parser says.
        error: serde_json_path::ParseError,
    },
}

/// Parses a JSONPath from a case file after bounding its length and nesting (see
/// [`JSONPATH_MAX_LEN`], [`JSONPATH_MAX_DEPTH`]), so no path can hang or crash the loader.
pub fn parse_jsonpath(text: &str) -> Result<JsonPath, JsonPathError> {
    if text.len() > JSONPATH_MAX_LEN {
        return Err(JsonPathError::TooLong { len: text.len() });
    }
    let mut depth = 0usize;
    let mut quote: Option<u8> = None;
    let mut escaped = false;
    for (i, b) in text.bytes().enumerate() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == q {
                quote = None;
            }
            continue;
        }
        match b {
            b'\'' | b'"' => quote = Some(b),
            b'[' | b'(' => {
                depth += 1;
                if depth > JSONPATH_MAX_DEPTH {
                    let cut: String = text[..=i].chars().take(60).collect();
                    let excerpt = if cut.len() < i + 1 {
                        format!("{cut}…")
                    } else {
                        cut
                    };
                    return Err(JsonPathError::TooDeep {
                        depth,
                        at: i,
                        excerpt,
                    });
                }
            }
            b']' | b')' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    JsonPath::parse(text).map_err(|error| JsonPathError::Syntax {
        path: text.to_owned(),
        error,
    })
}

/// Parses a length spec: a number (exact) or `{min: N, max: M}` (either bound optional).
pub(crate) fn length_spec(v: &Value) -> Option<LengthSpec> {
    match v {
        Value::Number(n) => n.as_u64().map(|n| LengthSpec {
            min: Some(n as usize),
            max: Some(n as usize),
        }),
        Value::Object(m) if !m.is_empty() && m.keys().all(|k| k == "min" || k == "max") => {
            let get = |k: &str| -> Result<Option<usize>, ()> {
                match m.get(k) {
                    None => Ok(None),
                    Some(v) => v.as_u64().map(|n| Some(n as usize)).ok_or(()),
                }
            };
            let (min, max) = (get("min").ok()?, get("max").ok()?);
            // `{min: 5, max: 1}` matches nothing: a mistake, not a check.
            if let (Some(lo), Some(hi)) = (min, max) {
                if lo > hi {
                    return None;
                }
            }
            Some(LengthSpec { min, max })
        }
        _ => None,
    }
}

/// Parses a duration such as `300s`, `5m`, `2h`, `1d`, `250ms` or a bare number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, DurationError> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(i) => (&s[..i], s[i..].trim()),
        None => (s, "s"),
    };
    let n: f64 = num
        .parse()
        .map_err(|_| DurationError::NotADuration(s.to_owned()))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        "d" => n * 86400.0,
        _ => {
            return Err(DurationError::UnknownUnit {
                unit: unit.to_owned(),
                text: s.to_owned(),
            });
        }
    };
    if !secs.is_finite() || !(0.0..=1e9).contains(&secs) {
        return Err(DurationError::OutOfRange(s.to_owned()));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// Parses a YAML duration: a number of seconds or a string [`parse_duration`] accepts.
pub(crate) fn parse_duration_value(v: &Value) -> Result<Duration, DurationError> {
    match v {
        Value::Number(n) => n
            .as_f64()
            .ok_or(DurationError::NotANumber)
            .and_then(|f| parse_duration(&f.to_string())),
        Value::String(s) => parse_duration(s),
        _ => Err(DurationError::NotAScalar),
    }
}

/// Parses a comparison operand: `now`, `now+5m`, `$.path`, `$.path-300s` or a literal.
pub fn parse_operand(v: &Value) -> Result<Operand, OperandError> {
    let text = match v {
        Value::String(s) => s.trim().to_owned(),
        other => {
            return Ok(Operand {
                base: OperandBase::Literal(other.clone()),
                shift_ms: 0,
                text: other.to_string(),
            });
        }
    };
    let (base_text, shift_ms) = split_shift(&text)?;
    let base = if base_text == "now" {
        OperandBase::Now
    } else if base_text.starts_with('$') && !base_text.starts_with("${") {
        OperandBase::Path(parse_jsonpath(base_text)?)
    } else {
        if shift_ms != 0 {
            return Err(OperandError::ShiftOnLiteral);
        }
        OperandBase::Literal(Value::String(text.clone()))
    };
    Ok(Operand {
        base,
        shift_ms,
        text,
    })
}

/// Splits `base+300s` into (`base`, 300000). Only a trailing `+N<unit>`/`-N<unit>` counts.
fn split_shift(text: &str) -> Result<(&str, i64), OperandError> {
    if !(text == "now" || text.starts_with("now") || text.starts_with('$')) {
        return Ok((text, 0));
    }
    if let Some(i) = text.rfind(['+', '-']) {
        let tail = text[i + 1..].trim();
        if !tail.is_empty()
            && tail.starts_with(|c: char| c.is_ascii_digit())
            && tail.chars().last().is_some_and(|c| c.is_ascii_alphabetic())
        {
            let d = parse_duration(tail)?;
            let ms = i64::try_from(d.as_millis()).map_err(|_| OperandError::ShiftTooLarge)?;
            let sign = if text.as_bytes()[i] == b'-' { -1 } else { 1 };
            return Ok((text[..i].trim(), sign * ms));
        }
    }
    Ok((text, 0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_and_operands() {
        assert_eq!(parse_duration("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_duration("5m").unwrap(), Duration::from_secs(300));
        assert!(parse_duration("5y").is_err());
        let o = parse_operand(&Value::String("now-1h".into())).unwrap();
        assert!(matches!(o.base, OperandBase::Now));
        assert_eq!(o.shift_ms, -3_600_000);
        let lit = parse_operand(&Value::String("2021-08-28T00:41:58Z".into())).unwrap();
        assert!(matches!(lit.base, OperandBase::Literal(_)));
        assert_eq!(lit.shift_ms, 0);
    }

    #[test]
    fn error_messages() {
        let msg = |s: &str| parse_duration(s).unwrap_err().to_string();
        assert_eq!(msg("x"), "`x` is not a duration");
        assert_eq!(msg("5y"), "unknown unit `y` in `5y` (use ms, s, m, h, d)");
        assert_eq!(msg("9999999999d"), "`9999999999d` is out of range");
        let v = Value::Bool(true);
        assert_eq!(
            parse_duration_value(&v).unwrap_err().to_string(),
            "expected a duration"
        );
        let op = |s: &str| {
            parse_operand(&Value::String(s.into()))
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            op("now+5y"),
            "unknown unit `y` in `5y` (use ms, s, m, h, d)"
        );
        assert!(
            op("$.[+5m").starts_with("invalid JSONPath `$.[`: "),
            "{}",
            op("$.[+5m")
        );
        assert_eq!(
            op("now+999999999999999999d"),
            "`999999999999999999d` is out of range"
        );
    }
}
