//! Captures: values taken from a response for later steps.

use serde_json::Value;

use crate::case::model::{Capture, CaptureSource, Level};
use crate::result::{Finding, FindingKind};

use super::{Response, finding};

/// Takes every capture from `resp`: `(name, value, secret)` in declaration order.
///
/// A singular body path gives its value; a wildcard or descendant path always gives an array; a header gives its
/// first value as a string. The first capture that finds nothing is returned as a
/// [`FindingKind::Capture`] finding (its `step` is 0: the caller sets it).
#[expect(
    clippy::result_large_err,
    reason = "the engine's API: the error is reported as is"
)]
pub fn capture_values(
    captures: &[Capture],
    resp: &Response<'_>,
) -> Result<Vec<(String, Value, bool)>, Finding> {
    let mut out = Vec::with_capacity(captures.len());
    for c in captures {
        let value = match &c.source {
            CaptureSource::Body(text, path) => {
                let Some(json) = resp.json else {
                    return Err(failure(
                        c,
                        text,
                        format!("capture `{}`: the body is not JSON", c.name),
                    ));
                };
                let nodes = path.query(json.value());
                if !super::collection::is_singular(text) {
                    // A wildcard or descendant path always captures a list (possibly empty), so
                    // `one_of: "${ids}"` works whether one or many values matched.
                    Value::Array(nodes.all().into_iter().cloned().collect())
                } else {
                    match nodes.first() {
                        Some(v) => v.clone(),
                        None => {
                            return Err(failure(
                                c,
                                text,
                                format!("capture `{}`: no value at {text}", c.name),
                            ));
                        }
                    }
                }
            }
            CaptureSource::Header(name) => {
                match resp
                    .headers
                    .iter()
                    .find(|(n, _)| n.eq_ignore_ascii_case(name))
                {
                    Some((_, v)) => Value::String(v.clone()),
                    None => {
                        let msg = format!("capture `{}`: no header {name} in the response", c.name);
                        return Err(failure(c, name, msg));
                    }
                }
            }
        };
        out.push((c.name.clone(), value, c.secret));
    }
    Ok(out)
}

fn failure(c: &Capture, path: &str, message: String) -> Finding {
    let mut f = finding(FindingKind::Capture, Level::Fail, &c.span, 0);
    f.message = message;
    f.path = Some(path.to_owned());
    f
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::check::testutil::*;

    fn body_capture(name: &str, path: &str, secret: bool) -> Capture {
        Capture {
            name: name.into(),
            source: CaptureSource::Body(path.into(), jp(path)),
            secret,
            span: span(),
        }
    }

    #[test]
    fn captures_one_value_many_values_and_headers() {
        let body = body(json!({"session": {"id": "s1"}, "ids": [{"id": "a"}, {"id": "b"}]}));
        let headers = vec![("x-request-id".to_string(), "r-1".to_string())];
        let resp = Response {
            status: 200,
            headers: &headers,
            body: b"",
            json: Some(&body),
        };
        let caps = [
            body_capture("sid", "$.session.id", false),
            body_capture("ids", "$.ids[*].id", true),
            Capture {
                name: "rid".into(),
                source: CaptureSource::Header("X-Request-Id".into()),
                secret: false,
                span: span(),
            },
        ];
        let got = capture_values(&caps, &resp).unwrap();
        assert_eq!(
            got,
            vec![
                ("sid".into(), json!("s1"), false),
                ("ids".into(), json!(["a", "b"]), true),
                ("rid".into(), json!("r-1"), false)
            ]
        );
    }

    #[test]
    fn missing_values_are_findings() {
        let body = body(json!({}));
        let resp = Response {
            status: 200,
            headers: &[],
            body: b"{}",
            json: Some(&body),
        };
        let err = capture_values(&[body_capture("sid", "$.x", false)], &resp).unwrap_err();
        assert_eq!(
            (err.kind, err.message.as_str()),
            (FindingKind::Capture, "capture `sid`: no value at $.x")
        );
        assert!(err.span.is_some());
        let header = Capture {
            name: "rid".into(),
            source: CaptureSource::Header("x-request-id".into()),
            secret: false,
            span: span(),
        };
        let err = capture_values(&[header], &resp).unwrap_err();
        assert_eq!(
            err.message,
            "capture `rid`: no header x-request-id in the response"
        );
        let text = Response {
            status: 200,
            headers: &[],
            body: b"hi",
            json: None,
        };
        let err = capture_values(&[body_capture("sid", "$.x", false)], &text).unwrap_err();
        assert_eq!(err.message, "capture `sid`: the body is not JSON");
    }
}
