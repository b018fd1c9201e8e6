//! Plain-text unified diffs of text and of canonical JSON, showing only the changed regions: the
//! one diff implementation behind findings, snapshots and differential runs.

use std::fmt::Write as _;
use std::time::Duration;

use serde_json::Value;
use similar::{Algorithm, TextDiff};

use crate::canonical::canonical_text;

/// Lines of context around each change.
const CONTEXT: usize = 3;
/// Diff lines kept before the rest is summarised.
const MAX_DIFF_LINES: usize = 200;
/// Time budget for the diff algorithm; past it, similar approximates.
const DIFF_TIMEOUT: Duration = Duration::from_millis(500);

/// A unified diff (`--- expected` / `+++ actual`) of the canonical forms of two JSON values, or
/// `None` when they are canonically identical.
pub fn json_diff(expected: &Value, actual: &Value) -> Option<String> {
    text_diff(&canonical_text(expected), &canonical_text(actual))
}

/// A unified diff of two texts (Patience algorithm, 3 lines of context, changed hunks only), or
/// `None` when they are identical. Very long diffs are cut after 200 lines.
pub fn text_diff(expected: &str, actual: &str) -> Option<String> {
    labelled_diff(expected, actual, "expected", "actual", MAX_DIFF_LINES)
}

/// A unified diff of two texts under `--- old_label` / `+++ new_label` headers, or `None` when
/// they are identical; see [`text_diff`]. Diffs longer than `max_lines` lines are cut.
pub fn labelled_diff(
    old: &str,
    new: &str,
    old_label: &str,
    new_label: &str,
    max_lines: usize,
) -> Option<String> {
    if old == new {
        return None;
    }
    let diff = TextDiff::configure()
        .algorithm(Algorithm::Patience)
        .timeout(DIFF_TIMEOUT)
        .diff_lines(old, new);
    let mut udiff = diff.unified_diff();
    udiff.context_radius(CONTEXT).missing_newline_hint(false);
    let mut body = String::new();
    for hunk in udiff.iter_hunks() {
        let _ = write!(body, "{hunk}");
    }
    if body.is_empty() {
        // The texts differ only in ways a line diff cannot show (e.g. a trailing newline).
        body = "@@ texts differ only in line endings or a trailing newline @@\n".to_owned();
    }
    let mut out = String::with_capacity(body.len() + 32);
    let _ = writeln!(out, "--- {old_label}\n+++ {new_label}");
    let total = body.lines().count();
    for (i, line) in body.lines().enumerate() {
        if i == max_lines {
            let _ = writeln!(out, "… {} more diff lines", total - max_lines);
            break;
        }
        out.push_str(line);
        out.push('\n');
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn identical_values_have_no_diff() {
        assert_eq!(
            json_diff(&json!({"a": 1, "b": 2}), &json!({"b": 2, "a": 1})),
            None
        );
        assert_eq!(text_diff("x\ny", "x\ny"), None);
    }

    #[test]
    fn diff_shows_only_changed_region_with_context() {
        let mut expected = serde_json::Map::new();
        for i in 0..30 {
            expected.insert(format!("k{i:02}"), json!(i));
        }
        let mut actual = expected.clone();
        actual.insert("k15".into(), json!("changed"));
        let d = json_diff(&Value::Object(expected), &Value::Object(actual)).unwrap();
        let lines: Vec<&str> = d.lines().collect();
        assert_eq!(lines[0], "--- expected");
        assert_eq!(lines[1], "+++ actual");
        assert!(lines[2].starts_with("@@ "), "{d}");
        assert!(
            d.contains("-  \"k15\": 15,\n+  \"k15\": \"changed\",\n"),
            "{d}"
        );
        // 3 lines of context either side, nothing else.
        assert!(
            d.contains(" \"k12\": 12") && d.contains(" \"k18\": 18"),
            "{d}"
        );
        assert!(
            !d.contains("k11") && !d.contains("k19") && !d.contains("k00"),
            "{d}"
        );
        assert_eq!(lines.len(), 3 + 3 + 2 + 3, "{d}");
    }

    #[test]
    fn separate_changes_give_separate_hunks() {
        let e: String = (0..40).map(|i| format!("line {i}\n")).collect();
        let a = e
            .replace("line 2\n", "line two\n")
            .replace("line 35\n", "line 35!\n");
        let d = text_diff(&e, &a).unwrap();
        assert_eq!(d.matches("@@ -").count(), 2, "{d}");
        assert!(!d.contains("line 20"), "{d}");
    }

    #[test]
    fn long_diffs_are_cut() {
        let e: String = (0..500).map(|i| format!("{i}\n")).collect();
        let a: String = (0..500).map(|i| format!("x{i}\n")).collect();
        let d = text_diff(&e, &a).unwrap();
        assert!(d.lines().count() <= MAX_DIFF_LINES + 3);
        assert!(d.contains("more diff lines"), "{d}");
    }

    #[test]
    fn trailing_newline_only_difference_is_reported() {
        let d = text_diff("a\nb", "a\nb\n").unwrap();
        assert!(d.starts_with("--- expected\n+++ actual\n"));
        assert!(d.lines().count() > 2);
    }
}
