//! [`Violation`]: one way a JSON instance breaks a schema, built from `jsonschema` errors with
//! `anyOf`/`oneOf` failures expanded into the errors of their closest branch.

use std::fmt;
use std::io;

use jsonschema::ValidationError;
use jsonschema::error::ValidationErrorKind;
use serde_json::Value;

use super::load::BASE_URI;

/// Longest rendering of an offending value, in bytes, before it is cut with `…`.
pub const EXCERPT_MAX: usize = 120;

/// One way an instance breaks a schema.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    /// JSON Pointer (RFC 6901) of the offending value; `""` is the root.
    pub instance_path: String,
    /// The failing keyword (`required`, `type`, `format`, ...).
    pub keyword: String,
    /// Where the failing keyword lives: `<schema id>#<JSON Pointer>`.
    pub schema_path: String,
    /// The offending value as compact JSON, cut at about [`EXCERPT_MAX`] bytes.
    pub value_excerpt: String,
    /// Human-readable explanation, ending with the `anyOf`/`oneOf` branch it came from, if any.
    pub message: String,
    /// The closest `anyOf`/`oneOf` branch the violation came from, e.g. `in the closest anyOf
    /// branch (1 of 2) at clerk/session#/anyOf`; `None` outside a branch. Also at the end of
    /// `message`.
    pub branch: Option<String>,
}

impl Violation {
    /// The one violation reported when schema `id` itself failed to compile.
    pub fn broken_schema(id: &str, message: &str) -> Self {
        Self {
            instance_path: String::new(),
            keyword: "$schema".to_owned(),
            schema_path: format!("{id}#"),
            value_excerpt: String::new(),
            message: format!("schema `{id}` failed to compile: {message}"),
            branch: None,
        }
    }
}

impl Violation {
    /// The explanation without the branch note: equal for the same fault found through
    /// different schemas (a strict profile and the lenient schema it extends).
    pub fn core_message(&self) -> &str {
        self.branch
            .as_deref()
            .and_then(|b| {
                self.message
                    .strip_suffix(')')
                    .and_then(|m| m.strip_suffix(b))
                    .and_then(|m| m.strip_suffix(" ("))
            })
            .unwrap_or(&self.message)
    }

    /// The one violation reported when the instance itself cannot be read (nested too deep).
    pub fn unreadable(id: &str, message: &str) -> Self {
        Self {
            instance_path: String::new(),
            keyword: String::new(),
            schema_path: format!("{id}#"),
            value_excerpt: String::new(),
            message: format!("the instance cannot be validated: {message}"),
            branch: None,
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let at = if self.instance_path.is_empty() {
            "(root)"
        } else {
            &self.instance_path
        };
        write!(
            f,
            "{at}: {} (keyword {}, schema {})",
            self.message, self.keyword, self.schema_path
        )
    }
}

/// Converts one `jsonschema` error into violations, appending them to `out`.
///
/// `anyOf` / `oneOf` failures are replaced by the errors of the branch that came closest, so the
/// reader sees "`/status`: "bogus" is not one of …" rather than "not valid under any of the
/// given schemas". `root_id` names the schema the validation started from.
pub(crate) fn collect(error: &ValidationError<'_>, root_id: &str, out: &mut Vec<Violation>) {
    collect_with_note(error, root_id, "", out);
}

fn collect_with_note(
    error: &ValidationError<'_>,
    root_id: &str,
    note: &str,
    out: &mut Vec<Violation>,
) {
    let (keyword, context) = match error.kind() {
        ValidationErrorKind::AnyOf { context } => ("anyOf", context),
        ValidationErrorKind::OneOfNotValid { context } => ("oneOf", context),
        _ => {
            out.push(violation(error, root_id, note));
            return;
        }
    };
    let at = error.instance_path().as_str();
    match closest_branch(context, at) {
        Some(index) => {
            let branch_note = format!(
                "in the closest {keyword} branch ({} of {}) at {}",
                index + 1,
                context.len(),
                schema_location(error, root_id)
            );
            let note = if note.is_empty() {
                branch_note
            } else {
                format!("{note}; {branch_note}")
            };
            for inner in &context[index] {
                collect_with_note(inner, root_id, &note, out);
            }
        }
        None => out.push(violation(error, root_id, note)),
    }
}

/// Picks the branch whose errors suggest the instance was meant for it: branches that reject
/// the value's very kind (`type`, `const`, `enum` at the `anyOf` location itself) come last,
/// then the branch whose errors reach deepest into the instance, then the one with fewest
/// errors, then the earliest.
fn closest_branch(context: &[Vec<ValidationError<'static>>], at: &str) -> Option<usize> {
    context
        .iter()
        .enumerate()
        .filter(|(_, errors)| !errors.is_empty())
        .min_by_key(|(index, errors)| {
            let rejects_kind = errors.iter().any(|e| {
                e.instance_path().as_str() == at
                    && matches!(
                        e.kind(),
                        ValidationErrorKind::Type { .. }
                            | ValidationErrorKind::Constant { .. }
                            | ValidationErrorKind::Enum { .. }
                            | ValidationErrorKind::FalseSchema
                    )
            });
            let depth = errors
                .iter()
                .map(|e| e.instance_path().as_str().matches('/').count())
                .max()
                .unwrap_or(0);
            (rejects_kind, std::cmp::Reverse(depth), errors.len(), *index)
        })
        .map(|(index, _)| index)
}

fn violation(error: &ValidationError<'_>, root_id: &str, note: &str) -> Violation {
    let value_excerpt = excerpt(error.instance(), EXCERPT_MAX);
    let mut message = error.masked_with(value_excerpt.as_str()).to_string();
    if !note.is_empty() {
        message.push_str(" (");
        message.push_str(note);
        message.push(')');
    }
    Violation {
        instance_path: error.instance_path().as_str().to_owned(),
        keyword: error.kind().keyword().to_owned(),
        schema_path: schema_location(error, root_id),
        value_excerpt,
        message,
        branch: (!note.is_empty()).then(|| note.to_owned()),
    }
}

/// `<short id>#<pointer>` of the failing keyword in the document that holds it.
fn schema_location(error: &ValidationError<'_>, root_id: &str) -> String {
    match error.absolute_keyword_location() {
        Some(uri) => {
            let uri = uri.as_str();
            uri.strip_prefix(BASE_URI).unwrap_or(uri).to_owned()
        }
        None => format!("{root_id}#{}", error.schema_path().as_str()),
    }
}

/// Compact JSON of `value`, cut after about `max` bytes with `…` (never serializes more).
pub fn excerpt(value: &Value, max: usize) -> String {
    let mut writer = LimitedWriter {
        buf: Vec::with_capacity(max.min(256)),
        limit: max,
        truncated: false,
    };
    // The writer refuses bytes past the limit; that error only means "truncated".
    let _ = serde_json::to_writer(&mut writer, value);
    let mut text = String::from_utf8_lossy(&writer.buf).into_owned();
    if writer.truncated {
        // Cut at a character boundary; lossy conversion may have ended in a replacement char.
        while text.ends_with('\u{FFFD}') {
            text.pop();
        }
        text.push('…');
    }
    text
}

struct LimitedWriter {
    buf: Vec<u8>,
    limit: usize,
    truncated: bool,
}

impl io::Write for LimitedWriter {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = self.limit.saturating_sub(self.buf.len());
        if data.len() > room {
            self.buf.extend_from_slice(&data[..room]);
            self.truncated = true;
            return Err(io::Error::other("excerpt limit reached"));
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
