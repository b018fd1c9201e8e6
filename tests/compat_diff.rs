//! Differential runs between reference-server instances that differ in one behaviour (a fault
//! option): the diff finds exactly that difference and nothing else, learns request ids and
//! fresh tokens as noise, accepts clock-derived timestamps by rule, records and replays golden
//! files, and maps outcomes to exit codes.

#![cfg(feature = "server")]

mod compat_support;

use std::collections::BTreeSet;

use compat_support::*;
use sessconform::compat::{
    CompatReport, DiffOptions, DiffSides, DiffSummary, Rule, Rules, run_diff,
};
use sessconform::engine::{Cancel, RunConfig};
use sessconform::result::{CaseResult, Event, FindingKind, RunSummary, Verdict};
use sessconform::target::Target;

fn options(learn: bool, default_rules: bool, extra: &[&str]) -> DiffOptions {
    let mut rules = Rules::default();
    if default_rules {
        rules.rules.extend(Rules::defaults());
    }
    for r in extra {
        rules.rules.push(Rule::parse_cli(r).unwrap());
    }
    DiffOptions {
        run: RunConfig {
            jobs: 1,
            ..RunConfig::default()
        },
        rules,
        learn,
        record: None,
        against: None,
    }
}

struct Outcome {
    summary: RunSummary,
    cases: Vec<CaseResult>,
    diff: DiffSummary,
}

async fn diff(
    base: Option<Target>,
    cand: Option<Target>,
    file: &str,
    opts: &DiffOptions,
) -> Outcome {
    let planned = |t: Target| {
        if file == "builtin" {
            plan_builtin(t, &opts.run)
        } else {
            plan(t, file, &opts.run)
        }
    };
    let sides = DiffSides {
        baseline: base.map(planned),
        candidate: cand.map(planned),
    };
    let mut cases = Vec::new();
    let mut diff = None;
    let mut sink = |ev: &Event| match ev {
        Event::CaseFinished(r) => cases.push((**r).clone()),
        Event::Compat(c) => {
            if let CompatReport::Diff(d) = &**c {
                diff = Some(d.clone());
            }
        }
        _ => {}
    };
    let summary = run_diff(sides, opts, Cancel::default(), &mut sink)
        .await
        .unwrap();
    Outcome {
        summary,
        cases,
        diff: diff.expect("a diff summary event"),
    }
}

/// `(case name, step, pointer)` of every difference.
fn differences(o: &Outcome) -> BTreeSet<(String, usize, String)> {
    o.cases
        .iter()
        .flat_map(|c| {
            c.findings.iter().map(|f| {
                assert_eq!(f.kind, FindingKind::Difference);
                (c.case.clone(), f.step, f.path.clone().unwrap_or_default())
            })
        })
        .collect()
}

fn noise_paths(o: &Outcome, source: &str) -> BTreeSet<String> {
    o.diff
        .noise
        .iter()
        .filter(|n| n.source == source)
        .map(|n| n.path.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn identical_instances_have_no_differences_and_noise_is_listed() {
    let (a, b) = (server(&[]).await, server(&[]).await);
    let o = diff(
        Some(target(&a, "a")),
        Some(target(&b, "b")),
        "stytch",
        &options(true, true, &[]),
    )
    .await;
    assert_eq!(differences(&o), BTreeSet::new());
    assert_eq!(o.summary.counts.passed, 5, "{:?}", o.cases);
    let learned = noise_paths(&o, "learned");
    // A mint is never called twice: what it generated is noise because it looks generated, or
    // paired where the same value comes back later.
    let mut ignored = learned.clone();
    ignored.extend(noise_paths(&o, "paired"));
    for p in [
        "/body/request_id",
        "/body/session_token",
        "/body/session_id",
    ] {
        assert!(
            ignored.contains(p),
            "{p} not learned or paired: {ignored:?}"
        );
    }
    // A fresh JWT is compared claim by claim: only the claims that vary are noise.
    assert!(
        ignored
            .iter()
            .any(|p| p.starts_with("/body/session_jwt/jwt/claims/")),
        "{ignored:?}"
    );
    // Authenticating touches last_accessed_at: a few milliseconds apart, within the default rule
    // (never learned noise: times are compared by the rule). The two sides may also answer the
    // same instant, and then there is nothing to suppress.
    let by_rule = noise_paths(&o, "rule");
    assert!(by_rule.iter().any(|p| p.ends_with("_at")), "{by_rule:?}");
    assert!(
        !learned.contains("/body/session/last_accessed_at"),
        "{learned:?}"
    );
    // Every suppression is attributed and counted.
    assert!(
        o.diff
            .noise
            .iter()
            .all(|n| n.suppressed > 0 && !n.cases.is_empty())
    );
    // The revoke-again step cannot be repeated identically? It can: 404 both times. The mint
    // step creates a new session each time, which is learned, not unstable.
    assert!(o.diff.unstable.is_empty(), "{:?}", o.diff.unstable);
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn status_code_fault_is_exactly_the_difference() {
    let (a, b) = (
        server(&[]).await,
        server(&["stytch-status-code-mismatch"]).await,
    );
    let o = diff(
        Some(target(&a, "reference")),
        Some(target(&b, "faulty")),
        "stytch",
        &options(true, true, &[]),
    )
    .await;
    let expected: BTreeSet<(String, usize, String)> = [
        ("authenticate unknown token", 0, "/body/status_code"),
        ("list without credentials", 0, "/body/status_code"),
        ("mint, revoke, revoke again", 2, "/body/status_code"),
    ]
    .into_iter()
    .map(|(c, s, p)| (c.to_owned(), s, p.to_owned()))
    .collect();
    assert_eq!(differences(&o), expected);
    let f = &o.cases[2].findings[0];
    assert_eq!(f.expected.as_deref(), Some("404"));
    assert_eq!(f.actual.as_deref(), Some("200"));
    let detail = f.detail.as_deref().unwrap();
    assert!(detail.contains("-  \"status_code\": 404"), "{detail}");
    assert!(detail.contains("+  \"status_code\": 200"), "{detail}");
    assert!(
        detail.contains("\"request_id\": \"<noise>\"")
            || detail.contains("\"request_id\": \"<same generated value>\""),
        "{detail}"
    );
    assert_eq!(o.summary.counts.failed, 3);
    assert_eq!(o.summary.counts.passed, 2);
    assert_eq!(o.diff.differences, 3);
    assert_eq!(o.diff.cases_differing, 3);
    // Request ids and timestamps were ignored, and said so.
    assert!(noise_paths(&o, "learned").contains("/body/request_id"));
    assert!(noise_paths(&o, "rule").contains("/body/session/last_accessed_at"));
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn without_learning_and_rules_request_ids_and_timestamps_are_differences() {
    let (a, b) = (server(&[]).await, server(&[]).await);
    let o = diff(
        Some(target(&a, "a")),
        Some(target(&b, "b")),
        "stytch",
        &options(false, false, &[]),
    )
    .await;
    let pointers: BTreeSet<String> = differences(&o).into_iter().map(|d| d.2).collect();
    assert!(pointers.contains("/body/request_id"), "{pointers:?}");
    assert!(
        pointers.contains("/body/session/last_accessed_at"),
        "{pointers:?}"
    );
    assert!(o.diff.noise.is_empty());
    // A declared ignore rule and a uuid rule take their place.
    let o = diff(
        Some(target(&a, "a")),
        Some(target(&b, "b")),
        "stytch",
        &options(
            false,
            true,
            &[
                "ignore:/body/request_id",
                "ignore:/body/session_jwt",
                "ignore:/body/session_token",
                "uuid:/body/session_id",
            ],
        ),
    )
    .await;
    assert_eq!(differences(&o), BTreeSet::new());
    let rules: BTreeSet<String> = o.diff.noise.iter().filter_map(|n| n.rule.clone()).collect();
    assert!(rules.contains("ignore:/body/request_id"), "{rules:?}");
    assert!(rules.contains("uuid:/body/session_id"), "{rules:?}");
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn lenient_auth_differs_only_where_credentials_are_missing() {
    let (a, b) = (server(&[]).await, server(&["lenient-auth"]).await);
    let o = diff(
        Some(target(&a, "reference")),
        Some(target(&b, "lenient")),
        "stytch",
        &options(true, true, &[]),
    )
    .await;
    let diffs = differences(&o);
    assert!(!diffs.is_empty());
    assert!(
        diffs
            .iter()
            .all(|(case, _, _)| case == "list without credentials"),
        "{diffs:?}"
    );
    assert!(diffs.contains(&(
        "list without credentials".to_owned(),
        0,
        "/status".to_owned()
    )));
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn arrays_in_order_unless_a_set_rule() {
    let (a, b) = (server(&[]).await, server(&["clerk-list-unsorted"]).await);
    let o = diff(
        Some(target(&a, "reference")),
        Some(target(&b, "unsorted")),
        "clerk",
        &options(true, true, &[]),
    )
    .await;
    // Oldest first instead of newest first: one difference, the order of the list.
    assert_eq!(
        differences(&o),
        BTreeSet::from([("list sessions of a user".to_owned(), 0, "/body".to_owned())])
    );
    let f = &o.cases[0].findings[0];
    assert_eq!(
        f.message,
        "/body: the same 11 elements in a different order"
    );
    let o = diff(
        Some(target(&a, "reference")),
        Some(target(&b, "unsorted")),
        "clerk",
        &options(true, true, &["set:/body"]),
    )
    .await;
    assert_eq!(differences(&o), BTreeSet::new());
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn golden_files_record_then_compare_offline() {
    let dir = tempfile::tempdir().unwrap();
    let golden = dir.path().join("golden");
    let a = server(&[]).await;
    let mut rec = options(true, true, &[]);
    rec.record = Some(golden.clone());
    let o = diff(Some(target(&a, "reference")), None, "stytch", &rec).await;
    assert_eq!(o.summary.counts.passed, 5, "{:?}", o.cases);
    assert_eq!(o.diff.recorded.as_deref(), Some(golden.to_str().unwrap()));
    a.shutdown().await;

    // Secrets never reach the files; learned noise is masked and listed.
    let mut texts = String::new();
    for entry in std::fs::read_dir(golden.join("compat-stytch")).unwrap() {
        texts.push_str(&std::fs::read_to_string(entry.unwrap().path()).unwrap());
    }
    assert!(golden.join("index.json").exists());
    assert!(
        !texts.contains("WJtR5BCy38Szd5AfoDpf0iqFKEt4EE5JhjlWUY7l3FtY"),
        "session token leaked"
    );
    assert!(!texts.contains("secret-test-"), "credential leaked");
    assert!(texts.contains("\"request_id\": \"<noise>\""));
    assert!(texts.contains("\"pattern\": \"/body/request_id\""));

    // The baseline is gone; a clean instance matches the golden files, a faulty one does not.
    let mut against = options(true, true, &[]);
    against.against = Some(golden.clone());
    let clean = server(&[]).await;
    let o = diff(None, Some(target(&clean, "clean")), "stytch", &against).await;
    assert_eq!(differences(&o), BTreeSet::new(), "{:?}", o.cases);
    assert_eq!(o.summary.counts.passed, 5);
    let faulty = server(&["stytch-status-code-mismatch"]).await;
    let o = diff(None, Some(target(&faulty, "faulty")), "stytch", &against).await;
    let pointers: BTreeSet<String> = differences(&o).into_iter().map(|d| d.2).collect();
    assert_eq!(pointers, BTreeSet::from(["/body/status_code".to_owned()]));
    assert_eq!(o.summary.counts.failed, 3);
    // A case that was never recorded is skipped, not compared.
    let o = diff(None, Some(target(&clean, "clean")), "clerk", &against).await;
    assert_eq!(o.cases[0].verdict, Verdict::Skip);
    assert!(
        o.cases[0]
            .reason
            .as_deref()
            .unwrap()
            .contains("no golden file")
    );
    clean.shutdown().await;
    faulty.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn cli_exit_codes_and_console() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (
        server(&[]).await,
        server(&["stytch-status-code-mismatch"]).await,
    );
    let (ta, tb) = (
        target_file(dir.path(), &a, "reference"),
        target_file(dir.path(), &b, "faulty"),
    );
    let suites = fixtures().join("stytch");
    let base = |extra: &[&str]| {
        let mut v = vec!["diff".to_owned(), suites.display().to_string()];
        v.extend(extra.iter().map(|s| (*s).to_owned()));
        v
    };
    let (pa, pb) = (ta.display().to_string(), tb.display().to_string());

    let o = bin(base(&["--baseline", &pa, "--candidate", &pa])).await;
    assert_eq!(o.status.code(), Some(0), "{}{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("SAME  compat-stytch::list sessions"),
        "{}",
        stdout(&o)
    );

    let o = bin(base(&["--baseline", &pa, "--candidate", &pb])).await;
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}{}", stderr(&o));
    assert!(
        out.contains("comparing 5 cases: reference vs faulty"),
        "{out}"
    );
    assert!(
        out.contains("DIFF  compat-stytch::authenticate unknown token  1 difference"),
        "{out}"
    );
    assert!(out.contains("≠ /body/status_code: 404 → 200"), "{out}");
    assert!(out.contains("-  \"status_code\": 404"), "{out}");
    assert!(
        out.contains("treated as noise (not counted as differences):"),
        "{out}"
    );
    assert!(out.contains("/body/request_id"), "{out}");
    assert!(out.contains("3 differ (3 differences), 2 same"), "{out}");
    assert!(!out.contains("secret-test-"), "credential in output: {out}");

    // An unreachable candidate: exit 3 within the timeout.
    let gone = {
        let s = server(&[]).await;
        let p = target_file(dir.path(), &s, "gone");
        s.shutdown().await;
        p.display().to_string()
    };
    let o = bin(base(&[
        "--baseline",
        &pa,
        "--candidate",
        &gone,
        "--timeout",
        "2s",
        "--connect-timeout",
        "2s",
    ]))
    .await;
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(3), "{out}{}", stderr(&o));
    assert!(
        out.contains("ERROR compat-stytch::list sessions (candidate: "),
        "{out}"
    );

    // Usage errors.
    for bad in [
        base(&["--baseline", &pa]),
        base(&["--baseline", &pa, "--candidate", &pb, "--rule", "nope:/x"]),
        base(&[
            "--baseline",
            &pa,
            "--candidate",
            &pb,
            "--suite",
            "no-such-suite",
        ]),
        base(&["--candidate", &pb, "--against", "/nonexistent/golden"]),
    ] {
        let o = bin(bad.clone()).await;
        assert_eq!(
            o.status.code(),
            Some(2),
            "{bad:?}: {}{}",
            stdout(&o),
            stderr(&o)
        );
        assert!(stderr(&o).contains("error"), "{bad:?}: {}", stderr(&o));
    }
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn builtin_suites_identical_instances_then_exactly_the_fault() {
    let (a, b) = (server(&[]).await, server(&[]).await);
    let o = diff(
        Some(target(&a, "a")),
        Some(target(&b, "b")),
        "builtin",
        &options(true, true, &[]),
    )
    .await;
    assert!(o.cases.len() > 100, "{}", o.cases.len());
    assert_eq!(differences(&o), BTreeSet::new(), "identical servers");
    assert_eq!(
        o.summary.counts.errors,
        0,
        "{:?}",
        o.cases
            .iter()
            .filter(|c| c.verdict == Verdict::Error)
            .map(|c| (&c.id, &c.reason))
            .collect::<Vec<_>>()
    );
    a.shutdown().await;
    b.shutdown().await;

    let (a, b) = (
        server(&[]).await,
        server(&["stytch-status-code-mismatch"]).await,
    );
    let o = diff(
        Some(target(&a, "reference")),
        Some(target(&b, "faulty")),
        "builtin",
        &options(true, true, &[]),
    )
    .await;
    let diffs = differences(&o);
    assert!(diffs.len() > 10, "{diffs:?}");
    let pointers: BTreeSet<&str> = diffs.iter().map(|d| d.2.as_str()).collect();
    assert_eq!(pointers, BTreeSet::from(["/body/status_code"]));
    // Only Stytch cases, and only error responses, differ.
    for c in o.cases.iter().filter(|c| c.verdict == Verdict::Fail) {
        assert!(c.api.starts_with("stytch"), "{}", c.id);
        for f in &c.findings {
            assert_ne!(
                f.expected.as_deref(),
                Some("200"),
                "{}: {}",
                c.id,
                f.message
            );
        }
    }
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn builtin_suites_find_a_longer_jwt_lifetime_inside_the_token() {
    // Fresh JWTs differ on every call, yet their claims are compared: only `exp` differs.
    let (a, b) = (server(&[]).await, server(&["stytch-long-jwt"]).await);
    let o = diff(
        Some(target(&a, "reference")),
        Some(target(&b, "long-jwt")),
        "builtin",
        &options(true, true, &[]),
    )
    .await;
    let diffs = differences(&o);
    assert!(!diffs.is_empty());
    let pointers: BTreeSet<&str> = diffs.iter().map(|d| d.2.as_str()).collect();
    assert_eq!(
        pointers,
        BTreeSet::from(["/body/session_jwt/jwt/claims/exp"])
    );
    a.shutdown().await;
    b.shutdown().await;
}

#[tokio::test(flavor = "multi_thread")]
async fn selected_headers_are_compared() {
    // 429 responses without Retry-After: invisible unless the header is compared.
    let (a, b) = (server(&[]).await, server(&["no-retry-after"]).await);
    let mut opts = options(true, true, &[]);
    let o = diff(
        Some(target(&a, "reference")),
        Some(target(&b, "no-retry-after")),
        "builtin",
        &opts,
    )
    .await;
    assert_eq!(differences(&o), BTreeSet::new());
    a.shutdown().await;
    b.shutdown().await;

    let (a, b) = (server(&[]).await, server(&["no-retry-after"]).await);
    opts.rules.headers.push("retry-after".to_owned());
    let o = diff(
        Some(target(&a, "reference")),
        Some(target(&b, "no-retry-after")),
        "builtin",
        &opts,
    )
    .await;
    let pointers: BTreeSet<String> = differences(&o).into_iter().map(|d| d.2).collect();
    assert_eq!(
        pointers,
        BTreeSet::from(["/headers/retry-after".to_owned()])
    );
    a.shutdown().await;
    b.shutdown().await;
}
