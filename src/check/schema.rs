//! The `schema` check: one finding per violation (at most 20 per schema), each with an excerpt
//! of the body around the failing value.

use std::collections::HashSet;

use crate::case::model::{Level, SchemaExpect};
use crate::result::{Finding, FindingKind};
use crate::schema::{Limits, Violation};
use crate::tape::budget::Spent;

use super::{CheckContext, JsonBody, excerpt, finding};

/// Violations reported per schema before the rest are summarised.
const MAX_VIOLATIONS: usize = 20;

/// Validates `body` against each expected schema. A warn-level schema (a strict profile) does
/// not repeat a violation a fail-level schema of the same step already reports (same path,
/// keyword and message): the strict twin adds only what is strict.
pub(crate) fn check(
    expects: &[SchemaExpect],
    body: &JsonBody<'_>,
    ctx: &CheckContext<'_>,
    out: &mut Vec<Finding>,
) {
    let results: Vec<_> = expects
        .iter()
        .map(|e| {
            let id = crate::schema::versioned::resolve(ctx.schemas, &e.id, ctx.api_version);
            let found =
                ctx.schemas
                    .validate_bounded(&id, body.tape().root(), Limits::new(ctx.deadline));
            (id, found)
        })
        .collect();
    let failing: HashSet<TwinKey<'_>> = expects
        .iter()
        .zip(&results)
        .filter(|(e, _)| e.level == Level::Fail)
        .filter_map(|(_, (_, found))| found.as_ref().ok())
        .flat_map(|found| found.list.iter().map(twin_key))
        .collect();
    for (e, (id, found)) in expects.iter().zip(&results) {
        let found = match found {
            Ok(v) => v,
            Err(err) => {
                let mut f = finding(FindingKind::Schema, e.level, &e.span, ctx.step);
                f.message = err.to_string();
                f.schema_id = Some(id.to_string());
                out.push(f);
                continue;
            }
        };
        let is_twin = |v: &Violation| e.level == Level::Warn && failing.contains(&twin_key(v));
        let twins = found.list.iter().filter(|v| is_twin(v)).count();
        let own = found.list.iter().filter(|v| !is_twin(v));
        let mut shown = 0;
        for v in own.take(MAX_VIOLATIONS) {
            shown += 1;
            let mut f = finding(FindingKind::Schema, e.level, &e.span, ctx.step);
            let mut lines = v.message.lines();
            f.message = excerpt::one_line(lines.next().unwrap_or("schema violation"));
            let rest: String = lines.map(|l| format!("{l}\n")).collect();
            f.path = Some(v.instance_path.clone());
            f.schema_id = Some(id.to_string());
            f.expected = Some(excerpt::truncate(
                &expected(&v.keyword, &v.schema_path),
                excerpt::VALUE_MAX,
            ));
            f.actual = Some(excerpt::truncate(&v.value_excerpt, excerpt::VALUE_MAX));
            f.detail = Some(rest + &excerpt::excerpt(body.tape().root(), &v.instance_path));
            out.push(f);
        }
        let more = found.total.saturating_sub(twins + shown);
        if more > 0 || found.cut.is_some() {
            let mut f = finding(FindingKind::Schema, e.level, &e.span, ctx.step);
            f.message = match found.cut {
                None => format!("… and {more} more violations of {id}"),
                Some(Spent::Visits(n)) => format!(
                    "… and {more} more violations of {id} in the part of the body checked; \
                     checking stopped after {n} array items and object members"
                ),
                Some(Spent::Deadline) => format!(
                    "… and {more} more violations of {id} in the part of the body checked; \
                     checking stopped at the case's time limit (--timeout)"
                ),
            };
            f.schema_id = Some(id.to_string());
            out.push(f);
        }
    }
}

/// What makes two violations the same fault, whichever schema found it.
type TwinKey<'a> = (&'a str, &'a str, &'a str);

fn twin_key(v: &Violation) -> TwinKey<'_> {
    (&v.instance_path, &v.keyword, v.core_message())
}

fn expected(keyword: &str, schema_path: &str) -> String {
    match (keyword.is_empty(), schema_path.is_empty()) {
        (true, _) => schema_path.to_owned(),
        (false, true) => keyword.to_owned(),
        (false, false) => format!("{keyword} at {schema_path}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::model::Level;
    use crate::check::testutil::*;
    use serde_json::{Value, json};

    fn expect(id: &str, level: Level) -> SchemaExpect {
        SchemaExpect {
            id: id.into(),
            level,
            span: span(),
        }
    }

    fn session_schema() -> Value {
        json!({
            "type": "object",
            "required": ["sessions"],
            "properties": {"sessions": {"type": "array", "items": {
                "type": "object",
                "required": ["session_id", "expires_at"],
                "properties": {"session_id": {"type": "string"}, "expires_at": {"type": "string", "format": "date-time"}}
            }}}
        })
    }

    fn run(body: &Value, e: SchemaExpect, t: &Fixture) -> Vec<Finding> {
        let mut out = Vec::new();
        check(
            &[e],
            &JsonBody::from_value(body.clone()),
            &t.ctx(),
            &mut out,
        );
        out
    }

    #[test]
    fn valid_body_gives_nothing() {
        let mut t = Fixture::new();
        t.schemas = store_with("test/sessions", &session_schema());
        let body =
            json!({"sessions": [{"session_id": "s1", "expires_at": "2024-05-01T12:00:00Z"}]});
        assert!(run(&body, expect("test/sessions", Level::Fail), &t).is_empty());
    }

    #[test]
    fn each_violation_is_a_finding_with_pointer_and_excerpt() {
        let mut t = Fixture::new();
        t.schemas = store_with("test/sessions", &session_schema());
        let body = json!({"sessions": [
            {"session_id": "s1", "expires_at": "2024-05-01T12:00:00Z"},
            {"session_id": 7, "expires_at": "tomorrow"}
        ]});
        let out = run(&body, expect("test/sessions", Level::Warn), &t);
        assert_eq!(out.len(), 2, "{out:#?}");
        let f = out
            .iter()
            .find(|f| f.path.as_deref() == Some("/sessions/1/session_id"))
            .unwrap();
        assert_eq!(f.kind, FindingKind::Schema);
        assert_eq!(f.level, Level::Warn);
        assert_eq!(f.schema_id.as_deref(), Some("test/sessions"));
        assert!(f.message.contains("not of type"), "{}", f.message);
        let detail = f.detail.as_deref().unwrap();
        assert!(
            detail
                .lines()
                .any(|l| l.starts_with('>') && l.contains("\"session_id\": 7")),
            "{detail}"
        );
        assert!(
            out.iter()
                .any(|f| f.path.as_deref() == Some("/sessions/1/expires_at"))
        );
    }

    #[test]
    fn violations_are_capped() {
        let mut t = Fixture::new();
        t.schemas = store_with(
            "test/ints",
            &json!({"type": "array", "items": {"type": "integer"}}),
        );
        let body = json!((0..30).map(|i| format!("s{i}")).collect::<Vec<_>>());
        let out = run(&body, expect("test/ints", Level::Fail), &t);
        assert_eq!(out.len(), MAX_VIOLATIONS + 1);
        assert_eq!(
            out[MAX_VIOLATIONS].message,
            "… and 10 more violations of test/ints"
        );
    }

    #[test]
    fn unknown_schema_id_is_a_finding() {
        let t = Fixture::new();
        let out = run(&json!({}), expect("nope/x", Level::Fail), &t);
        assert_eq!(out.len(), 1);
        assert!(
            out[0].message.contains("unknown schema id `nope/x`"),
            "{}",
            out[0].message
        );
    }

    #[test]
    fn a_strict_twin_reports_only_what_the_lenient_schema_does_not() {
        let dir = tempfile::tempdir().unwrap();
        let lenient = json!({"$id": "t/lenient", "type": "object",
            "properties": {"a": {"type": "integer"}}});
        let strict = json!({"$id": "t/strict", "allOf": [{"$ref": "lenient"}],
            "properties": {"a": true}, "additionalProperties": false});
        std::fs::write(dir.path().join("l.json"), lenient.to_string()).unwrap();
        std::fs::write(dir.path().join("s.json"), strict.to_string()).unwrap();
        let mut t = Fixture::new();
        t.schemas = crate::schema::SchemaStore::load(false, &[dir.path().to_path_buf()]).unwrap();
        let body = JsonBody::from_value(json!({"a": "x", "b": 1}));
        let mut out = Vec::new();
        // The strict profile first: the order of the list does not matter.
        let expects = [
            expect("t/strict", Level::Warn),
            expect("t/lenient", Level::Fail),
        ];
        check(&expects, &body, &t.ctx(), &mut out);
        let got: Vec<_> = out
            .iter()
            .map(|f| {
                (
                    f.schema_id.as_deref().unwrap(),
                    f.level,
                    f.path.as_deref().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("t/strict", Level::Warn, ""),
                ("t/lenient", Level::Fail, "/a")
            ],
            "{out:#?}"
        );
        assert!(
            out[0].message.contains("'b' was unexpected"),
            "{}",
            out[0].message
        );
        // Alone, the strict profile reports both.
        let mut out = Vec::new();
        check(&expects[..1], &body, &t.ctx(), &mut out);
        assert_eq!(out.len(), 2, "{out:#?}");
    }

    #[test]
    fn failing_checks_excerpt_from_the_tape_without_a_value_of_the_body() {
        let mut t = Fixture::new();
        t.schemas = store_with("test/sessions", &session_schema());
        // 200,000 bad items: a `Value` of this body would be tens of MB.
        let body = format!(
            r#"{{"sessions": [{}], "status_code": 200}}"#,
            vec![r#"{"session_id": 7}"#; 200_000].join(",")
        );
        let json = JsonBody::parse(body.as_bytes()).unwrap();
        let mut out = Vec::new();
        check(
            &[expect("test/sessions", Level::Fail)],
            &json,
            &t.ctx(),
            &mut out,
        );
        assert_eq!(out.len(), MAX_VIOLATIONS + 1, "{out:#?}");
        assert!(
            !json.value_is_built(),
            "the excerpts built a Value of the body"
        );
        let required = out
            .iter()
            .find(|f| f.path.as_deref() == Some("/sessions/0"));
        let detail = required.and_then(|f| f.detail.as_deref()).unwrap();
        assert!(detail.contains("… 199996 more after"), "{detail}");
        assert!(detail.len() < 4096, "{detail}");
        // A wrong status shows the body's start, also from the tape.
        let status = crate::case::model::StatusExpect {
            allowed: vec![crate::case::model::StatusPattern::Code(201)],
            span: span(),
        };
        let resp = crate::check::Response {
            status: 200,
            headers: &[],
            body: body.as_bytes(),
            json: Some(&json),
        };
        let mut out = Vec::new();
        crate::check::status::check(&status, &resp, &t.ctx(), &mut out);
        let detail = out[0].detail.as_deref().unwrap();
        assert!(detail.starts_with("{\n  \"sessions\": [\n"), "{detail}");
        assert!(detail.len() < 8 * 1024, "{} bytes", detail.len());
        assert!(
            !json.value_is_built(),
            "the status excerpt built a Value of the body"
        );
    }
}
