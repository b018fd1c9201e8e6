//! Configuration diagnostics: one problem in a case, target or rules file (file, line, column,
//! message, hint), the error that collects them, and their plain or ANSI rendering.

use std::fmt;
use std::sync::Arc;

use crate::source::{SourceFile, Span};
use crate::style::Style;

/// One configuration problem.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    /// Where, when known.
    pub span: Option<Span>,
    /// File name when there is no span.
    pub file: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

impl Diagnostic {
    /// A problem at a location in a file.
    pub fn at(span: &Span, message: impl Into<String>, hint: Option<String>) -> Self {
        Self {
            span: Some(span.clone()),
            file: span.file.name.clone(),
            message: message.into(),
            hint,
        }
    }

    /// A problem with a whole file (or a file that could not be read).
    pub fn in_file(file: &str, message: impl Into<String>, hint: Option<String>) -> Self {
        Self {
            span: None,
            file: file.to_owned(),
            message: message.into(),
            hint,
        }
    }

    /// Renders `error: message`, the snippet and the hint.
    ///
    /// [`Style::Plain`] gives the text every other output (files, `Display`) uses;
    /// [`Style::Ansi`] adds colours for a terminal and is otherwise the same text.
    pub fn render(&self, style: Style) -> String {
        let mut out = format!(
            "{} {}\n",
            style.red(&style.bold("error:")),
            style.bold(&self.message)
        );
        match &self.span {
            Some(span) if span.is_known() => snippet(&mut out, span, style),
            Some(span) => out.push_str(&format!("  {}\n", style.dim(&format!("--> {span}")))),
            None => out.push_str(&format!("  {}\n", style.dim(&format!("--> {}", self.file)))),
        }
        if let Some(h) = &self.hint {
            out.push_str(&format!("  = {} {h}\n", style.bold("hint:")));
        }
        out
    }
}

/// Appends the source snippet of `span`, indented by two spaces. Under ANSI the gutter is dim
/// and the carets red.
fn snippet(out: &mut String, span: &Span, style: Style) {
    let text = span.snippet("");
    let lines: Vec<&str> = text.lines().collect();
    let last = lines.len().saturating_sub(1);
    for (i, line) in lines.iter().enumerate() {
        let painted = match line.split_once(" | ") {
            Some((gutter, carets)) if i == last && i > 0 => {
                let marks = carets.trim_start();
                let pad = &carets[..carets.len() - marks.len()];
                let gutter = style.dim(&format!("{gutter} | "));
                format!("{gutter}{pad}{}", style.red(marks))
            }
            Some((gutter, source)) => format!("{}{source}", style.dim(&format!("{gutter} | "))),
            None => style.dim(line),
        };
        out.push_str("  ");
        out.push_str(&painted);
        out.push('\n');
    }
}

/// Configuration errors found while loading suites, targets or rules.
#[derive(Debug, Clone)]
pub struct LoadError {
    /// All problems found.
    pub diagnostics: Vec<Diagnostic>,
}

impl LoadError {
    /// One problem with a whole file.
    pub fn single(file: &str, message: impl Into<String>) -> Self {
        Self {
            diagnostics: vec![Diagnostic::in_file(file, message, None)],
        }
    }

    /// Renders every diagnostic and the count line (what `Display` shows, in `style`).
    pub fn render(&self, style: Style) -> String {
        let mut out: String = self.diagnostics.iter().map(|d| d.render(style)).collect();
        out.push_str(&format!(
            "{} configuration error(s)",
            self.diagnostics.len()
        ));
        out
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(Style::Plain))
    }
}

impl std::error::Error for LoadError {}

/// Converts a YAML parse error in a case file into a diagnostic with location and a hint.
pub(crate) fn yaml_error(file: &Arc<SourceFile>, e: &serde_saphyr::Error) -> LoadError {
    yaml_error_in(file, e, "case file")
}

/// Converts a YAML parse error in a `what` (`case file`, `target file`) into a diagnostic.
pub(crate) fn yaml_error_in(
    file: &Arc<SourceFile>,
    e: &serde_saphyr::Error,
    what: &str,
) -> LoadError {
    let message = e.without_snippet().to_string();
    let message = message.lines().next().unwrap_or("invalid YAML").to_owned();
    // The location is shown separately.
    let message = match message.rfind(" at line ") {
        Some(i) if message[i..].contains("column") => message[..i].to_owned(),
        _ => message,
    };
    let message = plain_yaml_message(&message);
    let span = e.location().map(|l| Span::from_location(file, l));
    let hint = if message.contains("duplicate mapping key") {
        Some("each key may appear once in a mapping".to_owned())
    } else if message.contains("too large or too complex") {
        Some("split the file: large suites load faster as several files".to_owned())
    } else if message.contains("unknown field") {
        Some(if what == "target file" {
            "check the spelling; see the target-file reference in docs/case-format.md#targets"
                .to_owned()
        } else {
            "check the spelling; see the case-file reference in docs/case-format.md".to_owned()
        })
    } else if message.contains("missing field") {
        Some("add the required key".to_owned())
    } else {
        None
    };
    LoadError {
        diagnostics: vec![Diagnostic {
            span: span.or_else(|| Some(Span::file_start(file))),
            file: file.name.clone(),
            message: format!("invalid {what}: {message}"),
            hint,
        }],
    }
}

/// The YAML parser's message without its internals: no option names to set, no Rust debug
/// output of budget breaches (`Nodes { nodes: 250001 }`).
fn plain_yaml_message(message: &str) -> String {
    if let Some(rest) = message.strip_prefix("budget breached: ") {
        // `Nodes { nodes: 250001 }` → "YAML nodes (250001)"
        let kind = rest.split([' ', '{']).next().unwrap_or(rest);
        let count: String = rest.chars().filter(char::is_ascii_digit).collect();
        let kind = kind.to_ascii_lowercase();
        return if count.is_empty() {
            format!("the file is too large or too complex: too many YAML {kind}")
        } else {
            format!(
                "the file is too large or too complex: YAML {kind} reached {count}, over the limit"
            )
        };
    }
    message
        .replace(", set DuplicateKeyPolicy in Options if acceptable", "")
        .trim_end()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> Arc<SourceFile> {
        SourceFile::new("x.yaml", "suite: a\napi: b\ncases: 5\n")
    }

    fn at(line: u32, col: u32) -> Span {
        Span {
            file: file(),
            line,
            col,
        }
    }

    #[test]
    fn yaml_messages_do_not_leak_parser_internals() {
        assert_eq!(
            plain_yaml_message("budget breached: Nodes { nodes: 250001 }"),
            "the file is too large or too complex: YAML nodes reached 250001, over the limit"
        );
        assert_eq!(
            plain_yaml_message(
                "duplicate mapping key: name, set DuplicateKeyPolicy in Options if acceptable"
            ),
            "duplicate mapping key: name"
        );
        let file = SourceFile::new("t.yaml", "a: 1\na: 2\n");
        let e = serde_saphyr::from_str::<serde_json::Value>(&file.text).unwrap_err();
        let d = &yaml_error_in(&file, &e, "target file").diagnostics[0];
        assert!(
            d.message.starts_with("invalid target file: "),
            "{}",
            d.message
        );
        assert!(!d.message.contains("Options"), "{}", d.message);
    }

    #[test]
    fn plain_rendering_is_rustc_style_text() {
        let d = Diagnostic::at(&at(3, 8), "bad cases", Some("use a list".to_owned()));
        assert_eq!(
            d.render(Style::Plain),
            "error: bad cases\n  --> x.yaml:3:8\n    |\n  3 | cases: 5\n    |        ^\n  = hint: use a list\n"
        );
        let unknown = Diagnostic::at(&at(0, 0), "m", None);
        assert_eq!(unknown.render(Style::Plain), "error: m\n  --> x.yaml\n");
        let whole = Diagnostic::in_file("y.yaml", "gone", None);
        assert_eq!(whole.render(Style::Plain), "error: gone\n  --> y.yaml\n");
        let e = LoadError {
            diagnostics: vec![whole, unknown],
        };
        assert_eq!(
            e.to_string(),
            "error: gone\n  --> y.yaml\nerror: m\n  --> x.yaml\n2 configuration error(s)"
        );
    }

    #[test]
    fn ansi_rendering_is_the_plain_text_with_colours() {
        let d = Diagnostic::at(&at(3, 8), "bad cases", Some("use a list".to_owned()));
        let ansi = d.render(Style::Ansi);
        assert!(
            ansi.contains("\x1b[31m\x1b[1merror:\x1b[0m\x1b[0m"),
            "{ansi:?}"
        );
        assert!(ansi.contains("\x1b[31m^\x1b[0m"), "{ansi:?}");
        let stripped = regex::Regex::new("\x1b\\[[0-9]+m")
            .unwrap()
            .replace_all(&ansi, "");
        assert_eq!(stripped, d.render(Style::Plain));
    }
}
