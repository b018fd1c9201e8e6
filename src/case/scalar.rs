//! Scalar values of case files: durations (`5m`), comparison operands (`now+5m`,
//! `$.iat+300s`) and length specs (`3`, `{min: 1}`).

use std::time::Duration;

use serde_json::Value;
use serde_json_path::JsonPath;

use super::model::{LengthSpec, Operand, OperandBase};

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
            Some(LengthSpec {
                min: get("min").ok()?,
                max: get("max").ok()?,
            })
        }
        _ => None,
    }
}

/// Parses a duration such as `300s`, `5m`, `2h`, `1d`, `250ms` or a bare number of seconds.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let (num, unit) = match s.find(|c: char| !(c.is_ascii_digit() || c == '.')) {
        Some(i) => (&s[..i], s[i..].trim()),
        None => (s, "s"),
    };
    let n: f64 = num
        .parse()
        .map_err(|_| format!("`{s}` is not a duration"))?;
    let secs = match unit {
        "ms" => n / 1000.0,
        "s" => n,
        "m" => n * 60.0,
        "h" => n * 3600.0,
        "d" => n * 86400.0,
        _ => {
            return Err(format!(
                "unknown unit `{unit}` in `{s}` (use ms, s, m, h, d)"
            ));
        }
    };
    if !secs.is_finite() || !(0.0..=1e9).contains(&secs) {
        return Err(format!("`{s}` is out of range"));
    }
    Ok(Duration::from_secs_f64(secs))
}

pub(crate) fn parse_duration_value(v: &Value) -> Result<Duration, String> {
    match v {
        Value::Number(n) => n
            .as_f64()
            .ok_or_else(|| "not a number".to_owned())
            .and_then(|f| parse_duration(&f.to_string())),
        Value::String(s) => parse_duration(s),
        _ => Err("expected a duration".to_owned()),
    }
}

/// Parses a comparison operand: `now`, `now+5m`, `$.path`, `$.path-300s` or a literal.
pub fn parse_operand(v: &Value) -> Result<Operand, String> {
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
        OperandBase::Path(
            JsonPath::parse(base_text)
                .map_err(|e| format!("invalid JSONPath `{base_text}`: {e}"))?,
        )
    } else {
        if shift_ms != 0 {
            return Err("a shift (`+5m`) applies only to `now` or a JSONPath".to_owned());
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
fn split_shift(text: &str) -> Result<(&str, i64), String> {
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
            let ms = i64::try_from(d.as_millis()).map_err(|_| "shift too large".to_owned())?;
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
}
