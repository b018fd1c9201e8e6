//! Bounded renderings of values for findings: truncated compact JSON, body starts and excerpts of
//! a body around a JSON Pointer. Nothing here serialises more than a few kilobytes, and excerpts
//! of a body read its [`TapeNode`]s: no `serde_json::Value` of the body is built for them.

use std::io;

use serde::Serialize;
use serde_json::Value;

use crate::tape::TapeNode;

/// Longest rendering of `expected` / `actual`, in characters.
pub(crate) const VALUE_MAX: usize = 200;
/// Longest rendering of a value inside a one-line message, in characters.
pub(crate) const SHORT_MAX: usize = 80;
/// Longest line of an excerpt, in characters.
const LINE_MAX: usize = 160;
/// Lines of one entry shown in an excerpt.
const ENTRY_LINES: usize = 8;
/// Entries shown either side of the marked one in an excerpt.
const ENTRY_WINDOW: usize = 3;
/// Lines shown of a whole-document excerpt.
const DOC_LINES: usize = 24;

/// Cuts `s` to at most `max` characters, ending with `…` when cut.
pub(crate) fn truncate(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        None => s.to_owned(),
        Some(_) => {
            let keep = max.saturating_sub(1);
            let end = s.char_indices().nth(keep).map_or(s.len(), |(i, _)| i);
            format!("{}…", &s[..end])
        }
    }
}

/// Replaces line breaks and other control characters so `s` fits on one line.
pub(crate) fn one_line(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Compact JSON of `v`, cut at `max` characters. Serialises at most about `4 * max` bytes.
pub(crate) fn json_limited<T: Serialize + ?Sized>(v: &T, max: usize) -> String {
    let mut w = Limited {
        buf: Vec::new(),
        limit: max.saturating_mul(4).max(16),
    };
    let cut = serde_json::to_writer(&mut w, v).is_err();
    let text = valid_prefix(&w.buf);
    if cut && text.chars().count() < max {
        // Cut by the byte limit (e.g. many `\u0001` escapes) before reaching `max` characters.
        return format!("{text}…");
    }
    truncate(text, max)
}

/// Pretty JSON of `v`, serialising at most `limit` bytes; the second value is true when cut.
fn pretty_limited<T: Serialize + ?Sized>(v: &T, limit: usize) -> (String, bool) {
    let mut w = Limited {
        buf: Vec::new(),
        limit,
    };
    let cut = serde_json::to_writer_pretty(&mut w, v).is_err();
    (valid_prefix(&w.buf).to_owned(), cut)
}

/// `expected` / `actual` rendering of a value.
pub(crate) fn value(v: &Value) -> String {
    json_limited(v, VALUE_MAX)
}

/// Rendering of a value inside a message.
pub(crate) fn short(v: &Value) -> String {
    json_limited(v, SHORT_MAX)
}

/// JSON type name of a value.
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The first `max` characters of a body as text, control characters escaped.
pub(crate) fn body_start(body: &[u8], max: usize) -> String {
    let head = &body[..body.len().min(max.saturating_mul(4))];
    let text = String::from_utf8_lossy(head);
    let mut out = String::new();
    for (n, c) in text.chars().enumerate() {
        if n == max {
            out.push('…');
            return out;
        }
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    if head.len() < body.len() {
        out.push('…');
    }
    out
}

/// A short multi-line view of a whole document (pretty, at most 24 lines).
pub(crate) fn document<T: Serialize + ?Sized>(v: &T) -> String {
    let (text, cut) = pretty_limited(v, 8 * 1024);
    let mut out = String::new();
    let mut lines = text.lines();
    for line in lines.by_ref().take(DOC_LINES) {
        out.push_str(&truncate(line, LINE_MAX));
        out.push('\n');
    }
    if cut || lines.next().is_some() {
        out.push_str("…\n");
    }
    out
}

/// An excerpt of `root` around the value at JSON Pointer `pointer`: its parent pretty-printed
/// (a few entries either side), the lines of the failing entry marked with `>`. Objects show
/// their members in the order the body has them.
pub(crate) fn excerpt(root: TapeNode<'_>, pointer: &str) -> String {
    let Some((parent_ptr, token)) = pointer.rsplit_once('/') else {
        return mark_all(&document(&root), "  ");
    };
    let token = token.replace("~1", "/").replace("~0", "~");
    let Some(parent) = root.pointer(parent_ptr) else {
        return mark_all(&document(&root), "  ");
    };
    let mut out = String::new();
    if parent.is_object() {
        // The last member of that name, the one the pointer resolves to.
        let pos = parent
            .members()
            .enumerate()
            .filter(|(_, (name, _))| *name == token)
            .last()
            .map(|(i, _)| i);
        let entries = parent.members().map(|(k, v)| (Some(k), v));
        window(entries, parent.len(), pos, ('{', '}'), &mut out);
    } else if parent.is_array() {
        let pos = token.parse::<usize>().ok().filter(|i| *i < parent.len());
        let entries = parent.elements().map(|v| (None, v));
        window(entries, parent.len(), pos, ('[', ']'), &mut out);
    } else {
        return mark_all(&document(&parent), "  ");
    }
    out
}

fn mark_all(text: &str, mark: &str) -> String {
    text.lines().map(|l| format!("{mark}{l}\n")).collect()
}

fn window<'v>(
    entries: impl Iterator<Item = (Option<&'v str>, TapeNode<'v>)>,
    len: usize,
    pos: Option<usize>,
    (open, close): (char, char),
    out: &mut String,
) {
    let center = pos.unwrap_or(0);
    let first = center.saturating_sub(ENTRY_WINDOW);
    let last = (center + ENTRY_WINDOW).min(len.saturating_sub(1));
    out.push_str(&format!("  {open}\n"));
    if first > 0 {
        out.push_str(&format!("    … {first} more before\n"));
    }
    for (i, (key, v)) in entries.enumerate().skip(first).take(last + 1 - first) {
        let mark = if Some(i) == pos { "> " } else { "  " };
        let (text, cut) = pretty_limited(&v, 4 * 1024);
        let mut lines = text.lines();
        let comma = if i + 1 < len { "," } else { "" };
        let shown: Vec<&str> = lines.by_ref().take(ENTRY_LINES).collect();
        let more = cut || lines.next().is_some();
        for (n, line) in shown.iter().enumerate() {
            let prefix = match (n, key) {
                (0, Some(k)) => format!("{}: ", serde_json::to_string(k).unwrap_or_default()),
                _ => String::new(),
            };
            let end = if n + 1 == shown.len() && !more {
                comma
            } else {
                ""
            };
            let line = truncate(&format!("{prefix}{line}{end}"), LINE_MAX);
            out.push_str(&format!("{mark}  {line}\n"));
        }
        if more {
            out.push_str(&format!("{mark}  …\n"));
        }
    }
    if last + 1 < len {
        out.push_str(&format!("    … {} more after\n", len - last - 1));
    }
    out.push_str(&format!("  {close}\n"));
}

/// A writer that keeps at most `limit` bytes and then fails, stopping serialisation early.
struct Limited {
    buf: Vec<u8>,
    limit: usize,
}

impl io::Write for Limited {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        let room = self.limit - self.buf.len();
        if data.len() > room {
            self.buf.extend_from_slice(&data[..room]);
            return Err(io::Error::other("output limit reached"));
        }
        self.buf.extend_from_slice(data);
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn valid_prefix(bytes: &[u8]) -> &str {
    match std::str::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn truncates_on_char_boundaries() {
        assert_eq!(truncate("abc", 3), "abc");
        assert_eq!(truncate("abcd", 3), "ab…");
        assert_eq!(truncate("ééééé", 4), "ééé…");
        assert_eq!(truncate("", 0), "");
    }

    #[test]
    fn json_is_cut_without_serialising_everything() {
        let big: Vec<u32> = (0..100_000).collect();
        let s = json_limited(&big, 50);
        assert_eq!(s.chars().count(), 50);
        assert!(s.starts_with("[0,1,2,") && s.ends_with('…'));
        assert_eq!(value(&json!({"a": "b"})), r#"{"a":"b"}"#);
        let escapes = "\u{1}".repeat(100);
        assert!(json_limited(&escapes, 50).ends_with('…'));
        let long = "é".repeat(500);
        assert_eq!(short(&json!(long)).chars().count(), SHORT_MAX);
    }

    #[test]
    fn body_start_escapes_and_cuts() {
        assert_eq!(body_start(b"<html>\n\tx", 100), "<html>\\n\\tx");
        assert_eq!(body_start(b"abcdef", 3), "abc…");
        assert_eq!(body_start(&[0xff, b'a'], 10), "\u{fffd}a");
    }

    /// The excerpt of `doc` (serialised, then parsed into a tape like a response body).
    fn excerpt_of(doc: &Value, pointer: &str) -> String {
        let bytes = serde_json::to_vec(doc).unwrap();
        let tape = crate::tape::Tape::parse(&bytes).unwrap();
        excerpt(tape.root(), pointer)
    }

    #[test]
    fn excerpt_marks_failing_entry_in_parent() {
        let doc = json!({"sessions": [{"session_id": "s1", "expires_at": 12, "user_id": "u"}]});
        let e = excerpt_of(&doc, "/sessions/0/expires_at");
        let marked: Vec<&str> = e.lines().filter(|l| l.starts_with('>')).collect();
        assert_eq!(marked, vec![">   \"expires_at\": 12,"], "{e}");
        assert!(e.contains("\"session_id\": \"s1\""), "{e}");
    }

    #[test]
    fn excerpt_windows_large_arrays() {
        let items: Vec<Value> = (0..1000).map(|i| json!({"i": i})).collect();
        let doc = json!({ "items": items });
        let e = excerpt_of(&doc, "/items/500");
        assert!(
            e.contains("… 497 more before") && e.contains("… 496 more after"),
            "{e}"
        );
        assert!(e.lines().any(|l| l.starts_with(">     \"i\": 500")), "{e}");
        assert!(e.lines().count() < 40, "{e}");
    }

    #[test]
    fn excerpt_of_root_and_unknown_pointer() {
        let doc = json!({"a": 1});
        assert!(excerpt_of(&doc, "").contains("\"a\": 1"));
        assert!(excerpt_of(&doc, "/nope/x").contains("\"a\": 1"));
        let e = excerpt_of(&json!({"a/b": {"c": 1}}), "/a~1b/c");
        assert!(e.contains(">   \"c\": 1"), "{e}");
    }

    #[test]
    fn excerpt_marks_the_last_of_repeated_names_in_body_order() {
        let tape = crate::tape::Tape::parse(br#"{"z": 1, "k": 2, "k": 3}"#).unwrap();
        let e = excerpt(tape.root(), "/k");
        let lines: Vec<&str> = e.lines().collect();
        assert_eq!(
            lines,
            [
                "  {",
                "    \"z\": 1,",
                "    \"k\": 2,",
                ">   \"k\": 3",
                "  }"
            ],
            "{e}"
        );
    }

    #[test]
    fn excerpt_of_a_huge_entry_is_cut() {
        let big: Vec<u32> = (0..200_000).collect();
        let e = excerpt_of(&json!({"big": big, "x": 1}), "/x");
        assert!(e.len() < 8 * 1024, "{} bytes", e.len());
        assert!(e.contains(">   \"x\": 1"), "{e}");
        assert!(e.contains("\"big\": ["), "{e}");
        assert!(excerpt_of(&json!(big), "").len() < 8 * 1024);
    }
}
