//! The `headers` checks: exact (templated), regex, present, absent. Names match case-insensitively;
//! a repeated header passes when any of its values does.

use std::borrow::Cow;

use serde_json::Value;

use crate::case::model::{HeaderExpect, HeaderRule};
use crate::result::{Finding, FindingKind};

use super::{CheckContext, Response, excerpt, finding};

/// Adds a finding for each header expectation the response does not meet.
pub(crate) fn check(
    expects: &[HeaderExpect],
    resp: &Response<'_>,
    ctx: &CheckContext<'_>,
    out: &mut Vec<Finding>,
) {
    for e in expects {
        if let Some(f) = check_one(e, resp, ctx) {
            out.push(f);
        }
    }
}

fn check_one(e: &HeaderExpect, resp: &Response<'_>, ctx: &CheckContext<'_>) -> Option<Finding> {
    let name = &e.name;
    let values = || {
        resp.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    let (message, expected) = match &e.rule {
        HeaderRule::Present => {
            if values().next().is_some() {
                return None;
            }
            let msg = format!("header {name}: expected present, missing");
            (msg, "present".to_owned())
        }
        HeaderRule::Absent => {
            let v = values().next()?;
            let msg = format!("header {name}: expected absent, got {}", quote(v));
            (msg, "absent".to_owned())
        }
        HeaderRule::Matches(re) => {
            if values().any(|v| re.is_match(v)) {
                return None;
            }
            let wanted = format!("/{}/", excerpt::one_line(re.as_str()));
            let got = got(&values().collect::<Vec<_>>());
            (
                format!("header {name}: expected to match {wanted}, got {got}"),
                wanted,
            )
        }
        HeaderRule::Equals(template) => {
            let wanted = match template {
                Value::String(plain) if !plain.contains("${") => Cow::Borrowed(plain.as_str()),
                _ => match ctx.scope.render_text(template) {
                    Ok(w) => Cow::Owned(w),
                    Err(err) => {
                        let mut f = finding(FindingKind::Header, e.level, &e.span, ctx.step);
                        f.message =
                            format!("header {name}: cannot render the expected value: {err}");
                        return Some(f);
                    }
                },
            };
            if values().any(|v| v == wanted) {
                return None;
            }
            let got = got(&values().collect::<Vec<_>>());
            (
                format!("header {name}: expected {}, got {got}", quote(&wanted)),
                wanted.into_owned(),
            )
        }
    };
    let mut f = finding(FindingKind::Header, e.level, &e.span, ctx.step);
    f.message = message;
    f.path = Some(name.clone());
    f.expected = Some(excerpt::truncate(&expected, excerpt::VALUE_MAX));
    let actual: Vec<&str> = values().collect();
    f.actual =
        (!actual.is_empty()).then(|| excerpt::truncate(&actual.join(", "), excerpt::VALUE_MAX));
    Some(f)
}

fn quote(v: &str) -> String {
    excerpt::truncate(&format!("{v:?}"), excerpt::SHORT_MAX)
}

fn got(values: &[&str]) -> String {
    match values {
        [] => "missing".to_owned(),
        [one] => quote(one),
        many => many.iter().map(|v| quote(v)).collect::<Vec<_>>().join(", "),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::model::Level;
    use crate::check::testutil::*;
    use regex::Regex;
    use serde_json::json;

    fn header(name: &str, rule: HeaderRule) -> HeaderExpect {
        HeaderExpect {
            name: name.into(),
            rule,
            level: Level::Fail,
            span: span(),
        }
    }

    fn run(e: HeaderExpect, headers: &[(String, String)]) -> Vec<Finding> {
        let mut t = Fixture::new();
        t.scope.vars.insert("ct".into(), json!("application/json"));
        let resp = Response {
            status: 200,
            headers,
            body: b"",
            json: None,
        };
        let mut out = Vec::new();
        check(&[e], &resp, &t.ctx(), &mut out);
        out
    }

    fn hs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn equals_renders_template_and_ignores_name_case() {
        let h = hs(&[("content-type", "application/json")]);
        assert!(
            run(
                header("Content-Type", HeaderRule::Equals(json!("${vars.ct}"))),
                &h
            )
            .is_empty()
        );
        let out = run(
            header("content-type", HeaderRule::Equals(json!("text/plain"))),
            &h,
        );
        assert_eq!(
            out[0].message,
            r#"header content-type: expected "text/plain", got "application/json""#
        );
        assert_eq!(out[0].kind, FindingKind::Header);
        assert_eq!(out[0].actual.as_deref(), Some("application/json"));
    }

    #[test]
    fn equals_with_missing_var_is_a_finding() {
        let out = run(header("x", HeaderRule::Equals(json!("${vars.nope}"))), &[]);
        assert!(
            out[0].message.contains("${vars.nope} is not set"),
            "{}",
            out[0].message
        );
    }

    #[test]
    fn matches_any_repeated_value() {
        let h = hs(&[("set-cookie", "a=1"), ("set-cookie", "session=xyz")]);
        assert!(
            run(
                header(
                    "set-cookie",
                    HeaderRule::Matches(Regex::new("^session=").unwrap())
                ),
                &h
            )
            .is_empty()
        );
        let out = run(
            header(
                "set-cookie",
                HeaderRule::Matches(Regex::new("^token=").unwrap()),
            ),
            &h,
        );
        assert_eq!(
            out[0].message,
            r#"header set-cookie: expected to match /^token=/, got "a=1", "session=xyz""#
        );
    }

    #[test]
    fn present_and_absent() {
        let h = hs(&[("x-request-id", "r1")]);
        assert!(run(header("x-request-id", HeaderRule::Present), &h).is_empty());
        assert!(run(header("server", HeaderRule::Absent), &h).is_empty());
        let out = run(header("server", HeaderRule::Present), &h);
        assert_eq!(out[0].message, "header server: expected present, missing");
        let mut e = header("x-request-id", HeaderRule::Absent);
        e.level = Level::Warn;
        let out = run(e, &h);
        assert_eq!(
            out[0].message,
            r#"header x-request-id: expected absent, got "r1""#
        );
        assert_eq!(out[0].level, Level::Warn);
    }
}
