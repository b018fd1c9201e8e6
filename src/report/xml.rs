//! XML text and attribute escaping for the JUnit report: what XML 1.0 forbids is removed
//! (C0 controls other than tab and line breaks, U+FFFE, U+FFFF), ANSI escape sequences are
//! dropped, and markup characters are escaped.

/// Escapes `s` for an attribute value in double quotes (line breaks become character references).
pub(crate) fn attr(s: &str) -> String {
    escape(s, true)
}

/// Escapes `s` for element content.
pub(crate) fn text(s: &str) -> String {
    escape(s, false)
}

fn escape(s: &str, attribute: bool) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\x1b' => {
                // CSI sequence: ESC [ parameters… final byte in @..~.
                if chars.peek() == Some(&'[') {
                    chars.next();
                    for n in chars.by_ref() {
                        if ('@'..='~').contains(&n) {
                            break;
                        }
                    }
                }
            }
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' if attribute => out.push_str("&apos;"),
            '\n' if attribute => out.push_str("&#10;"),
            '\r' if attribute => out.push_str("&#13;"),
            '\t' if attribute => out.push_str("&#9;"),
            '\t' | '\n' | '\r' => out.push(c),
            '\u{FFFE}' | '\u{FFFF}' => {}
            c if (c as u32) < 0x20 => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_drops_what_xml_forbids() {
        assert_eq!(
            text("a<b>&\"\u{0}\u{FFFE}\x1b[31mred\x1b[0m\n"),
            "a&lt;b&gt;&amp;&quot;red\n"
        );
        assert_eq!(attr("it's\nx"), "it&apos;s&#10;x");
    }
}
