//! The `status` check.

use crate::case::model::{Level, StatusExpect, StatusPattern};
use crate::result::{Finding, FindingKind};

use super::{CheckContext, Response, excerpt, finding};

/// Adds a finding when the status is not accepted; its detail shows the start of the body.
pub(crate) fn check(
    expect: &StatusExpect,
    resp: &Response<'_>,
    ctx: &CheckContext<'_>,
    out: &mut Vec<Finding>,
) {
    if expect.accepts(resp.status) {
        return;
    }
    let wanted = describe(&expect.allowed);
    let mut f = finding(FindingKind::Status, Level::Fail, &expect.span, ctx.step);
    f.message = format!("expected status {wanted}, got {}", resp.status);
    f.expected = Some(wanted);
    f.actual = Some(resp.status.to_string());
    f.detail = match resp.json {
        Some(json) => Some(excerpt::document(&json.tape().root())),
        None if resp.body.is_empty() => None,
        None => Some(format!("{}\n", excerpt::body_start(resp.body, 400))),
    };
    out.push(f);
}

/// `200`, `200 or 201`, `200, 201 or 4xx`.
fn describe(allowed: &[StatusPattern]) -> String {
    let parts: Vec<String> = allowed
        .iter()
        .map(|p| match p {
            StatusPattern::Code(c) => c.to_string(),
            StatusPattern::Class(c) => format!("{c}xx"),
        })
        .collect();
    match parts.split_last() {
        None => "(none)".to_owned(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::check::testutil::*;
    use serde_json::json;

    fn expect(allowed: Vec<StatusPattern>) -> StatusExpect {
        StatusExpect {
            allowed,
            span: span(),
        }
    }

    #[test]
    fn accepted_status_gives_nothing() {
        let t = Fixture::new();
        let mut out = Vec::new();
        check(
            &expect(vec![StatusPattern::Code(200)]),
            &t.response(200, &body(json!({}))),
            &t.ctx(),
            &mut out,
        );
        check(
            &expect(vec![StatusPattern::Class(2)]),
            &t.response(204, &body(json!({}))),
            &t.ctx(),
            &mut out,
        );
        assert!(out.is_empty());
    }

    #[test]
    fn wrong_status_is_reported_with_body() {
        let t = Fixture::new();
        let mut out = Vec::new();
        let body = body(json!({"error_type": "session_not_found"}));
        check(
            &expect(vec![StatusPattern::Code(200)]),
            &t.response(404, &body),
            &t.ctx(),
            &mut out,
        );
        let f = &out[0];
        assert_eq!(f.message, "expected status 200, got 404");
        assert_eq!(f.kind, FindingKind::Status);
        assert_eq!(f.level, Level::Fail);
        assert_eq!(f.step, 3);
        assert_eq!(f.span.as_ref().unwrap().line, 1);
        assert!(f.detail.as_deref().unwrap().contains("session_not_found"));
    }

    #[test]
    fn lists_and_classes_are_described() {
        let all = vec![
            StatusPattern::Code(200),
            StatusPattern::Code(201),
            StatusPattern::Class(4),
        ];
        assert_eq!(describe(&all), "200, 201 or 4xx");
        assert_eq!(describe(&all[..2]), "200 or 201");
    }
}
