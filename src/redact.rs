//! Redaction of secrets from everything the tool writes: raw values, their URL-encoded forms and
//! the Base64 of Basic credentials. Reproducers get `$ENV_VAR` placeholders instead of `***`.

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
        let forms = [
            v.clone(),
            utf8_percent_encode(v, NON_ALPHANUMERIC).to_string(),
            utf8_percent_encode(v, RFC3986_COMPONENT).to_string(),
            utf8_percent_encode(v, URI_COMPONENT).to_string(),
            url::form_urlencoded::byte_serialize(v.as_bytes()).collect::<String>(),
            base64::engine::general_purpose::STANDARD.encode(v),
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v),
        ];
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
}
