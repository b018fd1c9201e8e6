//! Source files of suites and the locations (file, line, column) findings point at.

use std::fmt;
use std::sync::{Arc, OnceLock};

/// A loaded text file (case file or target file), kept so diagnostics can quote it.
#[derive(Debug)]
pub struct SourceFile {
    /// Display name: the path as given, or `builtin:cases/x.yaml` for embedded files.
    pub name: String,
    /// Full text of the file.
    pub text: String,
    /// Byte offset of each line's start, built on the first [`SourceFile::line_text`]: a run
    /// with thousands of failing cases in one file quotes thousands of its lines, and finding
    /// each by scanning from the top made report writing quadratic in the failures.
    line_starts: OnceLock<Vec<u32>>,
}

impl SourceFile {
    /// Wraps a file's name and text.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Arc<Self> {
        Arc::new(Self {
            name: name.into(),
            text: text.into(),
            line_starts: OnceLock::new(),
        })
    }

    /// Returns the text of 1-based line `line`, without its line break.
    pub fn line_text(&self, line: u32) -> Option<&str> {
        if line == 0 {
            return None;
        }
        if u32::try_from(self.text.len()).is_err() {
            return self.text.lines().nth(line as usize - 1);
        }
        let starts = self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(
                    self.text
                        .bytes()
                        .enumerate()
                        .filter(|(_, b)| *b == b'\n')
                        .map(|(i, _)| i as u32 + 1),
                )
                .collect()
        });
        let start = *starts.get(line as usize - 1)? as usize;
        if start >= self.text.len() {
            // After a final line break there is no further line (as `str::lines` says).
            return None;
        }
        let end = starts
            .get(line as usize)
            .map_or(self.text.len(), |&e| e as usize - 1);
        let text = self.text.get(start..end)?;
        Some(text.strip_suffix('\r').unwrap_or(text))
    }
}

/// A position in a source file (1-based line and column).
#[derive(Clone, Debug)]
pub struct Span {
    /// The file this position is in.
    pub file: Arc<SourceFile>,
    /// 1-based line; 0 when unknown.
    pub line: u32,
    /// 1-based column (characters); 0 when unknown.
    pub col: u32,
}

impl Span {
    /// Builds a span from a serde-saphyr location.
    pub fn from_location(file: &Arc<SourceFile>, loc: serde_saphyr::Location) -> Self {
        Self {
            file: Arc::clone(file),
            line: loc.line() as u32,
            col: loc.column() as u32,
        }
    }

    /// A span pointing at the start of a file (used when no better location is known).
    pub fn file_start(file: &Arc<SourceFile>) -> Self {
        Self {
            file: Arc::clone(file),
            line: 1,
            col: 1,
        }
    }

    /// True when the line is known.
    pub fn is_known(&self) -> bool {
        self.line > 0
    }

    /// Renders a rustc-style snippet: `--> file:line:col`, the source line and a caret.
    pub fn snippet(&self, label: &str) -> String {
        let mut out = format!("--> {self}\n");
        if let Some(text) = self.file.line_text(self.line) {
            let num = self.line.to_string();
            let pad = " ".repeat(num.len());
            let (text, col) = window(text, self.col.max(1) as usize);
            let caret_pad: String = text
                .chars()
                .take(col - 1)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let width = text
                .chars()
                .skip(col - 1)
                .take_while(|c| !c.is_whitespace() || *c == ' ')
                .collect::<String>()
                .trim_end()
                .chars()
                .count()
                .clamp(1, SNIPPET_CARETS);
            out.push_str(&format!(
                "{pad} |\n{num} | {text}\n{pad} | {caret_pad}{}",
                "^".repeat(width)
            ));
            if !label.is_empty() {
                out.push(' ');
                out.push_str(label);
            }
            out.push('\n');
        }
        out
    }
}

/// Characters of a source line shown before and after the column in a snippet: a minified
/// 3 MB line must not become 6 MB of error output.
const SNIPPET_CONTEXT: usize = 60;
/// Most carets under a snippet.
const SNIPPET_CARETS: usize = 60;

/// The part of `line` shown around 1-based column `col` (with `…` where it was cut) and the
/// column within that part.
fn window(line: &str, col: usize) -> (String, usize) {
    let total = line.chars().count();
    if total <= 2 * SNIPPET_CONTEXT + 20 {
        return (line.to_owned(), col);
    }
    let col = col.clamp(1, total + 1);
    let start = col.saturating_sub(1).saturating_sub(SNIPPET_CONTEXT);
    let end = (col - 1 + SNIPPET_CONTEXT).min(total);
    let mut out = String::new();
    let mut new_col = col - start;
    if start > 0 {
        out.push('…');
        new_col += 1;
    }
    out.extend(line.chars().skip(start).take(end - start));
    if end < total {
        out.push('…');
    }
    (out, new_col)
}

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_known() {
            write!(f, "{}:{}:{}", self.file.name, self.line, self.col)
        } else {
            write!(f, "{}", self.file.name)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_text_is_what_str_lines_gives() {
        for text in [
            "",
            "\n",
            "one",
            "one\n",
            "one\ntwo",
            "one\r\ntwo\r\n",
            "a\n\nb\n\n",
            "é\nü\r\n\r\nlast",
        ] {
            let f = SourceFile::new("f.yaml", text);
            let want: Vec<&str> = text.lines().collect();
            for n in 1..=want.len() as u32 + 2 {
                assert_eq!(
                    f.line_text(n),
                    want.get(n as usize - 1).copied(),
                    "line {n} of {text:?}"
                );
                // Asked again (the index is built once).
                assert_eq!(f.line_text(n), want.get(n as usize - 1).copied());
            }
            assert_eq!(f.line_text(0), None);
        }
    }
}
