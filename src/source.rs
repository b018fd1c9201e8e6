//! Source files of suites and the locations (file, line, column) findings point at.

use std::fmt;
use std::sync::Arc;

/// A loaded text file (case file or target file), kept so diagnostics can quote it.
#[derive(Debug)]
pub struct SourceFile {
    /// Display name: the path as given, or `builtin:cases/x.yaml` for embedded files.
    pub name: String,
    /// Full text of the file.
    pub text: String,
}

impl SourceFile {
    /// Wraps a file's name and text.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Arc<Self> {
        Arc::new(Self {
            name: name.into(),
            text: text.into(),
        })
    }

    /// Returns the text of 1-based line `line`, without its line break.
    pub fn line_text(&self, line: u32) -> Option<&str> {
        if line == 0 {
            return None;
        }
        self.text.lines().nth(line as usize - 1)
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
            let col = self.col.max(1) as usize;
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
                .max(1);
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

impl fmt::Display for Span {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_known() {
            write!(f, "{}:{}:{}", self.file.name, self.line, self.col)
        } else {
            write!(f, "{}", self.file.name)
        }
    }
}
