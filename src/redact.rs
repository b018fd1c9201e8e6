//! Redaction of secrets from everything the tool writes: raw values, their URL-encoded forms
//! (upper- and lower-case `%XX`, form encoding), JSON-escaped, HTML/XML-escaped and Base64 forms,
//! the Base64 of Basic credentials, and the start of a secret that a truncated text cut off
//! (`…`). Reproducers get `$ENV_VAR` placeholders instead of `***`.

use base64::Engine as _;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::target::{Credentials, Secret};

/// RFC 3986 component encoding: everything but unreserved `A-Z a-z 0-9 - . _ ~` (Python `quote`,
/// Go `PathEscape`).
const RFC3986_COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// JavaScript `encodeURIComponent`: RFC 3986 unreserved plus `! * ' ( )` kept.
const URI_COMPONENT: &AsciiSet = &RFC3986_COMPONENT
    .remove(b'!')
    .remove(b'*')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')');

/// What replaces a secret in output.
pub const MASK: &str = "***";

/// Secrets shorter than this are not searched for (they would mangle unrelated text).
const MIN_SECRET_LEN: usize = 3;

/// The mark a truncated text ends with (see `check::excerpt`, `engine::exchange::excerpt`).
const CUT: &str = "…";

/// The shortest start of a cut-off secret that is redacted.
const MIN_CUT_START: usize = 4;

/// `%2F` → `%2f` (servers and proxies differ).
fn lower_percent(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut hex_left = 0;
    for c in s.chars() {
        if c == '%' {
            hex_left = 2;
            out.push(c);
        } else if hex_left > 0 {
            hex_left -= 1;
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The JSON string body with every non-ASCII character as `\uXXXX` (as Python's `json.dumps`).
fn ascii_json(v: &str) -> String {
    let json = serde_json::to_string(v).unwrap_or_default();
    let inner = json
        .strip_prefix('"')
        .and_then(|j| j.strip_suffix('"'))
        .unwrap_or_default();
    let mut out = String::with_capacity(inner.len());
    for c in inner.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut buf = [0u16; 2];
            for unit in c.encode_utf16(&mut buf) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

/// The text as written inside a JSON string (without the quotes).
fn json_escape(v: &str) -> String {
    let json = serde_json::to_string(v).unwrap_or_default();
    json.strip_prefix('"')
        .and_then(|j| j.strip_suffix('"'))
        .unwrap_or_default()
        .to_owned()
}

/// HTML-escaped (`&amp; &lt; &gt; &quot; &#39;`).
fn html_escape(v: &str) -> String {
    v.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// XML-escaped (`&apos;` and `&#x27;` spellings of `'`).
fn xml_escape(v: &str) -> String {
    html_escape(v).replace("&#39;", "&apos;")
}

/// A set of secret strings and their placeholders.
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    /// `(needle, env placeholder)`, longest needles first.
    needles: Vec<(String, String)>,
}

impl Redactor {
    /// Adds a secret with its encoded forms.
    pub fn add(&mut self, secret: &Secret) {
        let v = &secret.value;
        if v.len() < MIN_SECRET_LEN {
            return;
        }
        let percent = [
            utf8_percent_encode(v, NON_ALPHANUMERIC).to_string(),
            utf8_percent_encode(v, RFC3986_COMPONENT).to_string(),
            utf8_percent_encode(v, URI_COMPONENT).to_string(),
            url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>(),
        ];
        let lower: Vec<String> = percent.iter().map(|p| lower_percent(p)).collect();
        // The value as written into HTML or XML, each as written into a JSON string, and that
        // JSON string written into another (a body echoed inside a body).
        let escaped = [
            v.clone(),
            html_escape(v),
            xml_escape(v),
            html_escape(v).replace("&#39;", "&#x27;"),
        ];
        let mut forms: Vec<String> = Vec::new();
        for e in escaped {
            let once = json_escape(&e);
            let twice = json_escape(&once);
            forms.extend([once.replace('/', "\\/"), ascii_json(&e), twice, once, e]);
        }
        forms.extend(percent);
        forms.extend(lower);
        forms.extend([
            base64::engine::general_purpose::STANDARD.encode(v),
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v),
        ]);
        for f in forms {
            self.push(f, &secret.env_name);
        }
        self.sort();
    }

    /// Adds credentials, including the Base64 `user:pass` form of Basic auth.
    pub fn add_credentials(&mut self, creds: &Credentials) {
        match creds {
            Credentials::None => {}
            Credentials::Bearer(t) => self.add(t),
            Credentials::Basic { username, password } => {
                self.add(username);
                self.add(password);
                let pair = format!("{}:{}", username.value, password.value);
                let b64 = base64::engine::general_purpose::STANDARD.encode(pair);
                self.push(b64, &format!("{}:{}", username.env_name, password.env_name));
                self.sort();
            }
        }
    }

    fn push(&mut self, needle: String, env: &str) {
        if needle.len() >= MIN_SECRET_LEN && !self.needles.iter().any(|(n, _)| *n == needle) {
            self.needles.push((needle, env.to_owned()));
        }
    }

    fn sort(&mut self) {
        self.needles.sort_by_key(|n| std::cmp::Reverse(n.0.len()));
    }

    /// Adds every secret of `other` (e.g. to redact both sides of a differential run at once).
    pub fn extend(&mut self, other: &Redactor) {
        for (needle, env) in &other.needles {
            self.push(needle.clone(), env);
        }
        self.sort();
    }

    /// The length in bytes of the longest form of any secret (0 without secrets).
    pub fn longest(&self) -> usize {
        self.needles.first().map_or(0, |(n, _)| n.len())
    }

    /// True when there is nothing to redact.
    pub fn is_empty(&self) -> bool {
        self.needles.is_empty()
    }

    /// Replaces every secret with `***`.
    pub fn redact(&self, text: &str) -> String {
        self.replace(text, |_| MASK.to_owned())
    }

    /// Replaces every secret with `$ENV_NAME` (for shell reproducers).
    pub fn placeholders(&self, text: &str) -> String {
        self.replace(text, |env| format!("${{{env}}}"))
    }

    /// [`Redactor::redact`] in place: no copy when the text holds no secret.
    pub fn redact_in_place(&self, text: &mut String) {
        Self::replace_in_place(&self.needles, text, |_| MASK.to_owned());
    }

    /// [`Redactor::placeholders`] in place: no copy when the text holds no secret.
    pub fn placeholders_in_place(&self, text: &mut String) {
        Self::replace_in_place(&self.needles, text, |env| format!("${{{env}}}"));
    }

    fn replace(&self, text: &str, with: impl Fn(&str) -> String) -> String {
        let mut out = text.to_owned();
        Self::replace_in_place(&self.needles, &mut out, with);
        out
    }

    fn replace_in_place(
        needles: &[(String, String)],
        text: &mut String,
        with: impl Fn(&str) -> String,
    ) {
        for (needle, env) in needles {
            if text.contains(needle.as_str()) {
                *text = text.replace(needle.as_str(), &with(env));
            }
        }
        if text.contains(CUT) {
            Self::redact_cut_starts(needles, text, &with);
        }
    }

    /// A text cut short (`…`) may end in the start of a secret whose rest was cut off: that
    /// start (4 characters or more) is replaced too.
    fn redact_cut_starts(
        needles: &[(String, String)],
        text: &mut String,
        with: &impl Fn(&str) -> String,
    ) {
        let mut out = String::with_capacity(text.len());
        let mut rest = text.as_str();
        while let Some(at) = rest.find(CUT) {
            let (before, after) = rest.split_at(at);
            let mut before = before.to_owned();
            'needles: for (needle, env) in needles {
                let chars: Vec<(usize, char)> = needle.char_indices().collect();
                for k in (MIN_CUT_START..chars.len()).rev() {
                    let end = chars[k].0;
                    if before.ends_with(&needle[..end]) {
                        before.truncate(before.len() - end);
                        before.push_str(&with(env));
                        break 'needles;
                    }
                }
            }
            out.push_str(&before);
            out.push_str(CUT);
            rest = &after[CUT.len()..];
        }
        out.push_str(rest);
        *text = out;
    }

    /// Redacts a header value; `Authorization`-like headers keep only their scheme.
    pub fn header(&self, name: &str, value: &str) -> String {
        let lname = name.to_ascii_lowercase();
        if matches!(
            lname.as_str(),
            "authorization" | "proxy-authorization" | "cookie" | "set-cookie"
        ) {
            return match value.split_once(' ') {
                Some((scheme, _)) if !scheme.is_empty() && lname.ends_with("authorization") => {
                    format!("{scheme} {MASK}")
                }
                _ => MASK.to_owned(),
            };
        }
        self.redact(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str, env: &str) -> Secret {
        Secret {
            value: v.to_owned(),
            env_name: env.to_owned(),
        }
    }

    #[test]
    fn redacts_raw_encoded_and_basic_forms() {
        let mut r = Redactor::default();
        r.add_credentials(&Credentials::Basic {
            username: s("project-test-1", "PID"),
            password: s("se cret/+=", "SECRET"),
        });
        let b64 = base64::engine::general_purpose::STANDARD.encode("project-test-1:se cret/+=");
        let text = format!(
            "u=project-test-1 p=se cret/+= enc=se%20cret%2F%2B%3D form=se+cret%2F%2B%3D basic={b64}"
        );
        let out = r.redact(&text);
        assert!(!out.contains("se cret"), "{out}");
        assert!(!out.contains("cret%2F"), "{out}");
        assert!(!out.contains(&b64), "{out}");
        assert!(!out.contains("project-test-1"), "{out}");
        // As servers echo it: `-` kept, the rest percent-encoded (encodeURIComponent, RFC 3986).
        let mut r2 = Redactor::default();
        r2.add(&s("tok-en/+= x~!", "TOK"));
        assert_eq!(
            r2.redact("a=tok-en%2F%2B%3D%20x~%21 b=tok-en%2F%2B%3D%20x~!"),
            "a=*** b=***"
        );
        assert_eq!(r.placeholders("-u project-test-1:x"), "-u ${PID}:x");
        // The in-place forms agree with the copying ones.
        let mut text2 = text.clone();
        r.redact_in_place(&mut text2);
        assert_eq!(text2, out);
        let mut cmd = "-u project-test-1:x".to_owned();
        r.placeholders_in_place(&mut cmd);
        assert_eq!(cmd, "-u ${PID}:x");
        let mut clean = "nothing secret here".to_owned();
        r.redact_in_place(&mut clean);
        assert_eq!(clean, "nothing secret here");
    }

    #[test]
    fn authorization_header_keeps_scheme_only() {
        let r = Redactor::default();
        assert_eq!(
            r.header("Authorization", "Bearer sk_live_abc"),
            "Bearer ***"
        );
        assert_eq!(r.header("cookie", "a=b"), "***");
        assert_eq!(r.header("x-other", "plain"), "plain");
    }

    #[test]
    fn every_encoding_of_an_odd_secret_is_redacted() {
        let secret = "Ab\"\\<>&'%+/=é-tail";
        let mut r = Redactor::default();
        r.add(&s(secret, "S"));
        let json = serde_json::to_string(secret).unwrap();
        let json_inner = &json[1..json.len() - 1];
        let forms = [
            secret.to_owned(),
            json_inner.to_owned(),
            json_inner.replace('/', "\\/"),
            json_inner.replace('é', "\\u00e9"),
            lower_percent(&utf8_percent_encode(secret, NON_ALPHANUMERIC).to_string()),
            url::form_urlencoded::byte_serialize(secret.as_bytes()).collect::<String>(),
            "Ab&quot;\\&lt;&gt;&amp;&#39;%+/=é-tail".to_owned(),
            "Ab&quot;\\&lt;&gt;&amp;&#x27;%+/=é-tail".to_owned(),
            base64::engine::general_purpose::STANDARD.encode(secret),
        ];
        for f in forms {
            let out = r.redact(&format!("x {f} y"));
            assert_eq!(out, "x *** y", "form {f}");
        }
        // Written out by hand: lower-case hex as some servers echo it.
        let mut r2 = Redactor::default();
        r2.add(&s("a/b+é", "S"));
        assert_eq!(r2.redact("q=a%2fb%2b%c3%a9&"), "q=***&");
    }

    #[test]
    fn the_start_of_a_secret_cut_off_by_truncation_is_redacted() {
        let mut r = Redactor::default();
        r.add(&s("Bearer-tok-1234567", "T"));
        assert_eq!(
            r.redact("auth: Bearer-tok-12… [40 more bytes]"),
            "auth: ***… [40 more bytes]"
        );
        assert_eq!(
            r.redact("ends Bea…"),
            "ends Bea…",
            "three characters say nothing"
        );
        assert_eq!(r.redact("no cut Bearer-tok"), "no cut Bearer-tok");
        let b64 = base64::engine::general_purpose::STANDARD.encode("Bearer-tok-1234567");
        assert_eq!(r.redact(&format!("{}…", &b64[..b64.len() - 1])), "***…");
    }
}
