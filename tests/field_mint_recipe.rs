//! Issue 12 point 8: the mutating cases run against a target without the reference server's
//! test-only `mint_path`, through a `mint:` recipe in the target file that logs a test user in
//! with the vendor's own API (`POST /v1/passwords/authenticate`, and the B2B member flow
//! `POST /v1/b2b/passwords/authenticate`), exactly as against a real Stytch project.

use std::path::Path;
use std::process::{Command, Output};

use sessconform::server::{ServerOptions, start};

/// The password of every fixture user and member of the reference server (docs/mock.md).
const PASSWORD: &str = "sessconform-Test-passw0rd";

const STYTCH_RECIPE: &str = r#"    mint:
      - name: password login of the second test user
        request:
          method: POST
          path: /v1/passwords/authenticate
          json:
            email: "${vars.other_user_email}"
            password: "${env.SESSCONFORM_TEST_PASSWORD}"
            session_duration_minutes: 60
        expect: {status: 200}
        capture:
          token: {path: $.session_token, secret: true}
          jwt: {path: $.session_jwt, secret: true}
          session_id: $.session.session_id
"#;

const B2B_RECIPE: &str = r#"    mint:
      - name: password login of the second test member
        request:
          method: POST
          path: /v1/b2b/passwords/authenticate
          json:
            organization_id: "${vars.organization_id}"
            email_address: "${vars.other_member_email}"
            password: "${env.SESSCONFORM_TEST_PASSWORD}"
            session_duration_minutes: 60
        expect: {status: 200}
        capture:
          token: {path: $.session_token, secret: true}
          jwt: {path: $.session_jwt, secret: true}
          member_session_id: $.member_session.member_session_id
"#;

/// The server's target file without `mint_path`, with the given recipes appended to each API.
fn target(served: &str, stytch: &str, b2b: &str) -> String {
    let mut out = String::new();
    for line in served.lines() {
        if line.trim_start().starts_with("mint_path:") {
            if line.contains("/b2b/") {
                out.push_str("      other_member_email: \"otto.colleague@sessconform.example\"\n");
            } else {
                out.push_str("      other_user_email: \"olive.other@sessconform.example\"\n");
            }
            continue;
        }
        if line == "  stytch-b2b:" {
            out.push_str(stytch);
        }
        if line == "  clerk:" {
            out.push_str(b2b);
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn run(target: &Path, reports: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sessconform"))
        .args(["run", "--filter", "stytch", "--tag", "mutating"])
        .arg("--target")
        .arg(target)
        .arg("--reports")
        .arg(reports)
        .args(["--report-exchanges", "all"])
        .env("SESSCONFORM_TEST_PASSWORD", PASSWORD)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_ACTIONS")
        .output()
        .unwrap()
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn mutating_cases_run_through_a_password_login_recipe() {
    let server = start(ServerOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let served = server.target_yaml();

    // Without mint_path and without a recipe, the mutating cases cannot run.
    let bare = dir.path().join("bare.yaml");
    std::fs::write(&bare, target(&served, "", "")).unwrap();
    let o = run(&bare, &dir.path().join("bare-reports"));
    let out = text(&o);
    assert!(out.contains("SKIP"), "{out}");
    assert!(
        out.contains("mint_path"),
        "the skip names what is missing:\n{out}"
    );
    assert!(!out.contains("PASS  stytch::"), "{out}");

    // With the recipes, every mutating Stytch and B2B case runs and passes.
    let with = dir.path().join("recipes.yaml");
    std::fs::write(&with, target(&served, STYTCH_RECIPE, B2B_RECIPE)).unwrap();
    let reports = dir.path().join("reports");
    let o = run(&with, &reports);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(!out.contains("SKIP"), "{out}");
    let passed = out.lines().filter(|l| l.starts_with("PASS")).count();
    assert!(passed >= 13, "{passed} passed:\n{out}");
    // The recipe's requests are in the reports, its password nowhere.
    let json = std::fs::read_to_string(reports.join("report.json")).unwrap();
    assert!(
        json.contains("/v1/passwords/authenticate"),
        "recipe not sent"
    );
    assert!(
        json.contains("/v1/b2b/passwords/authenticate"),
        "b2b recipe not sent"
    );
    assert!(!json.contains("__sessconform"), "the helper was used");
    assert!(
        json.contains("mint: password login of the second test user"),
        "the recipe's steps are named after the mint step"
    );
    for f in std::fs::read_dir(&reports).unwrap() {
        let body = std::fs::read_to_string(f.unwrap().path()).unwrap_or_default();
        assert!(!body.contains(PASSWORD), "password in a report");
    }
    assert!(!out.contains(PASSWORD), "password on the console");

    // A recipe that does not capture what the cases use: they say so instead of failing.
    let partial = STYTCH_RECIPE.replace("          session_id: $.session.session_id\n", "");
    let p = dir.path().join("partial.yaml");
    std::fs::write(&p, target(&served, &partial, B2B_RECIPE)).unwrap();
    let o = run(&p, &dir.path().join("partial-reports"));
    let out = text(&o);
    assert!(out.contains("does not capture session_id"), "{out}");

    // A wrong password: the login fails as the case's failure, with the vendor's answer.
    let wrong = dir.path().join("wrong.yaml");
    std::fs::write(&wrong, target(&served, STYTCH_RECIPE, B2B_RECIPE)).unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_sessconform"))
        .args([
            "run", "--filter", "stytch::", "--tag", "mutating", "--target",
        ])
        .arg(&wrong)
        .env("SESSCONFORM_TEST_PASSWORD", "not-the-password")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("401"), "{out}");
    server.shutdown().await;
}
