//! Captures: values taken from a response for later steps.

use serde_json::Value;

use crate::case::plan::{Capture, CaptureSource, Level};
use crate::result::{Finding, FindingKind};

use super::{Response, finding};

/// Takes every capture from `resp`: `(name, value, secret)` in declaration order.
///
/// A body path selecting one node gives its value, several give an array; a header gives its
/// first value as a string. The first capture that finds nothing is returned as a
/// [`FindingKind::Capture`] finding (its `step` is 0: the caller sets it).
pub fn capture_values(captures: &[Capture], resp: &Response<'_>) -> Result<Vec<(String, Value, bool)>, Finding> {
    let mut out = Vec::with_capacity(captures.len());
    for c in captures {
        let value = match &c.source {
            CaptureSource::Body(text, path) => {
                let Some(json) = resp.json else {
                    return Err(failure(c, text, format!("capture `{}`: the body is not JSON", c.name)));
                };
                let nodes = path.query(json);
                match (nodes.first(), nodes.len()) {
                    (_, 0) => return Err(failure(c, text, format!("capture `{}`: no value at {text}", c.name))),
                    (Some(v), 1) => v.clone(),
                    _ => Value::Array(nodes.all().into_iter().cloned().collect()),
                }
            }
            CaptureSource::Header(name) => {
                match resp.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
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
