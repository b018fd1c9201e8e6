//! Plain text or ANSI colours: the one styling switch shared by reports and diagnostics.

/// Plain text or ANSI colours.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// No escape codes (files, CI logs).
    Plain,
    /// ANSI colours (terminals).
    Ansi,
}

impl Style {
    fn paint(self, code: &str, s: &str) -> String {
        match self {
            Style::Plain => s.to_owned(),
            Style::Ansi => format!("\x1b[{code}m{s}\x1b[0m"),
        }
    }
    /// Red.
    pub fn red(self, s: &str) -> String {
        self.paint("31", s)
    }
    /// Green.
    pub fn green(self, s: &str) -> String {
        self.paint("32", s)
    }
    /// Yellow.
    pub fn yellow(self, s: &str) -> String {
        self.paint("33", s)
    }
    /// Dim.
    pub fn dim(self, s: &str) -> String {
        self.paint("2", s)
    }
    /// Bold.
    pub fn bold(self, s: &str) -> String {
        self.paint("1", s)
    }
    /// Colours a diff line by its first character.
    pub fn diff_line(self, line: &str) -> String {
        if line.starts_with('+') && !line.starts_with("+++") {
            self.green(line)
        } else if line.starts_with('-') && !line.starts_with("---") {
            self.red(line)
        } else if line.starts_with("@@") {
            self.dim(line)
        } else {
            line.to_owned()
        }
    }
}
