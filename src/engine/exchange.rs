//! Turning one HTTP exchange into what checks and records need: the parsed body, a bounded
//! excerpt, the vendor's request id and a readable transport error. Shared by the engine and the
//! differential runner.

use serde_json::Value;

use crate::case::Scope;
use crate::check::JsonBody;
use crate::http::{HttpResponse, TransportError};
use crate::redact::Redactor;
use crate::tape::TapeNode;
use crate::target::{Secret, env_placeholder};

/// Longest body excerpt kept in results.
const EXCERPT_BYTES: usize = 4096;

/// The body parsed as JSON when it is declared or looks like JSON; `None` otherwise (the
/// checks then report why it is not JSON).
pub(crate) fn parse_json(resp: &HttpResponse) -> Option<JsonBody<'_>> {
    let first = resp.body.iter().find(|b| !b.is_ascii_whitespace())?;
    let ct_json = resp
        .header("content-type")
        .is_some_and(|c| c.contains("json"));
    if ct_json || matches!(first, b'{' | b'[') {
        JsonBody::parse(&resp.body).ok()
    } else {
        None
    }
}

/// The vendor's request id (`request_id`, Stytch; `clerk_trace_id`, Clerk), if the body has one.
pub(crate) fn request_id(json: &JsonBody<'_>) -> Option<String> {
    let root = json.tape().root();
    let id = |name: &str| root.get(name).as_ref().and_then(TapeNode::as_str);
    id("request_id")
        .or_else(|| id("clerk_trace_id"))
        .map(str::to_owned)
}

/// The API version a request declares: a `*-API-Version` header (`Clerk-API-Version`), else a
/// query parameter whose name ends in `api_version` (`__clerk_api_version`).
pub(crate) fn declared_api_version(
    req: &crate::http::RenderedRequest,
) -> Option<std::borrow::Cow<'_, str>> {
    let ends_with = |name: &str, suffix: &str| {
        name.len() >= suffix.len()
            && name.as_bytes()[name.len() - suffix.len()..].eq_ignore_ascii_case(suffix.as_bytes())
    };
    if let Some((_, v)) = req
        .headers
        .iter()
        .find(|(k, _)| ends_with(k, "api-version"))
    {
        return Some(std::borrow::Cow::Borrowed(v));
    }
    req.url
        .query_pairs()
        .find(|(k, _)| ends_with(k, "api_version"))
        .map(|(_, v)| v)
}

/// Stores a step's captured values for later steps; secret ones are also redacted from then on.
pub(crate) fn keep_captures(
    values: Vec<(String, Value, bool)>,
    scope: &mut Scope,
    redactor: &mut Redactor,
) {
    for (name, value, secret) in values {
        if secret {
            for leaf in secret_leaves(&value) {
                redactor.add(&Secret {
                    value: leaf,
                    env_name: env_placeholder("", &name),
                });
            }
        }
        scope.captures.insert(name, value);
    }
}

/// Every text a secret value can show up as: a string itself, a number's digits, and each of
/// those inside an array or object (plus the compact JSON of a container).
pub(crate) fn secret_leaves(v: &Value) -> Vec<String> {
    let mut out = Vec::new();
    match v {
        Value::String(s) => out.push(s.clone()),
        Value::Number(n) => out.push(n.to_string()),
        Value::Array(items) => {
            out.push(v.to_string());
            out.extend(items.iter().flat_map(secret_leaves));
        }
        Value::Object(m) => {
            out.push(v.to_string());
            out.extend(m.values().flat_map(secret_leaves));
        }
        Value::Bool(_) | Value::Null => {}
    }
    out
}

/// The body as text, cut after [`EXCERPT_BYTES`] on a character boundary.
pub(crate) fn excerpt(body: &[u8]) -> String {
    if body.len() <= EXCERPT_BYTES {
        return text(body);
    }
    let end = floor_char_boundary(body, EXCERPT_BYTES);
    format!("{}… [{} more bytes]", text(&body[..end]), body.len() - end)
}

/// [`excerpt`] of the body with the secrets known so far redacted *before* it is cut, so that no
/// secret is cut in half and escapes redaction.
pub(crate) fn redacted_excerpt(body: &[u8], redactor: &Redactor) -> String {
    if redactor.is_empty() {
        return excerpt(body);
    }
    // Only the start of a big body can show: redact a window that holds every secret the cut
    // could reach (redaction shortens text by at most the excerpt's length), not megabytes.
    let window = (2 * EXCERPT_BYTES + redactor.longest()).min(body.len());
    let end = floor_char_boundary(body, window);
    let mut t = text(&body[..end]);
    redactor.redact_in_place(&mut t);
    if t.len() <= EXCERPT_BYTES && end == body.len() {
        return t;
    }
    let cut = floor_char_boundary(t.as_bytes(), EXCERPT_BYTES.min(t.len()));
    let more = t.len() - cut + (body.len() - end);
    format!("{}… [{more} more bytes]", &t[..cut])
}

/// The largest index at most `at` that starts a UTF-8 character of `bytes`.
fn floor_char_boundary(bytes: &[u8], at: usize) -> usize {
    let mut end = at.min(bytes.len());
    while end > 0 && end < bytes.len() && (bytes[end] & 0xC0) == 0x80 {
        end -= 1;
    }
    end
}

/// The bytes as text, invalid UTF-8 replaced by U+FFFD. Bodies are almost always valid UTF-8,
/// and checking that first is several times faster than `from_utf8_lossy`'s byte-wise scan.
fn text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// Why a request could not complete, as shown in results.
pub(crate) fn describe(e: &TransportError) -> String {
    match e {
        TransportError::Connect(m) => format!("could not connect: {m}"),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpt_cuts_on_a_character_boundary() {
        let body = "é".repeat(EXCERPT_BYTES);
        let e = excerpt(body.as_bytes());
        assert!(e.ends_with(&format!("… [{} more bytes]", body.len() - EXCERPT_BYTES)));
        assert!(e.starts_with("éé"));
        assert_eq!(excerpt(b"short"), "short");
        assert_eq!(excerpt(b"bad \xff byte"), "bad \u{FFFD} byte");
    }

    #[test]
    fn a_big_body_is_redacted_where_it_is_cut_and_only_there() {
        let secret = "s3cr3t-token-value-1234567890";
        let mut r = Redactor::default();
        r.add(&Secret {
            value: secret.to_owned(),
            env_name: "S".to_owned(),
        });
        // A secret straddling the cut, one early, one far beyond the excerpt.
        let mut body = format!("{secret} ");
        body.push_str(&"a".repeat(EXCERPT_BYTES - body.len() - 10));
        body.push_str(secret);
        body.push_str(&"b".repeat(100_000));
        body.push_str(secret);
        let out = redacted_excerpt(body.as_bytes(), &r);
        assert!(!out.contains(&secret[..8]), "{}", &out[out.len() - 80..]);
        assert!(out.starts_with("*** aaa"));
        assert!(
            out.contains("***bbb"),
            "the straddling secret is masked whole"
        );
        assert!(out.ends_with("more bytes]"));
        // Without secrets it is the plain excerpt.
        let plain = "é".repeat(EXCERPT_BYTES);
        assert_eq!(
            redacted_excerpt(plain.as_bytes(), &r),
            excerpt(plain.as_bytes())
        );
        assert_eq!(redacted_excerpt(b"short", &r), "short");
    }

    #[test]
    fn request_id_prefers_stytch_then_clerk() {
        let stytch =
            JsonBody::from_value(serde_json::json!({"request_id": "r1", "clerk_trace_id": "c"}));
        assert_eq!(request_id(&stytch).as_deref(), Some("r1"));
        let clerk = JsonBody::from_value(serde_json::json!({"clerk_trace_id": "c1"}));
        assert_eq!(request_id(&clerk).as_deref(), Some("c1"));
        let neither = JsonBody::from_value(serde_json::json!([{"request_id": "nested"}]));
        assert_eq!(request_id(&neither), None);
    }
}
