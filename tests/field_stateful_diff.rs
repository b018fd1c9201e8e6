//! Issue 12 point 3: `diff` of long-lived, stateful servers invents no difference. Two reference
//! servers are used like real vendor projects: a matrix run first, then diffs one after another
//! (each one's creates and revokes staying behind), extra state on the baseline only; every diff
//! exits 0. Held-out mutations behind a proxy (a Clerk `status` upper-cased, a Stytch
//! `status_code` off by one) and a list that includes revoked sessions still exit 1 naming the
//! path.

mod compat_support;

use std::net::SocketAddr;
use std::path::Path;

use serde_json::Value;

use compat_support::{bin, proxy, server, stdout, target_file};

fn args(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_owned()).collect()
}

fn path_str(p: &Path) -> &str {
    p.to_str().unwrap()
}

async fn diff(base: &Path, cand: &Path) -> (i32, String) {
    let o = bin(args(&[
        "diff",
        "--baseline",
        path_str(base),
        "--candidate",
        path_str(cand),
    ]))
    .await;
    (o.status.code().unwrap_or(-1), stdout(&o))
}

fn upper_clerk_status(path: &str, v: &mut Value) {
    fn walk(v: &mut Value) {
        match v {
            Value::Object(m) => {
                if m.get("object").and_then(Value::as_str) == Some("session") {
                    if let Some(Value::String(s)) = m.get_mut("status") {
                        *s = s.to_uppercase();
                    }
                }
                m.values_mut().for_each(walk);
            }
            Value::Array(a) => a.iter_mut().for_each(walk),
            _ => {}
        }
    }
    if path.starts_with("/clerk/") {
        walk(v);
    }
}

fn stytch_status_code_plus_one(path: &str, v: &mut Value) {
    if path.starts_with("/clerk/") {
        return;
    }
    if let Some(n) = v.get("status_code").and_then(Value::as_u64) {
        v["status_code"] = Value::from(n + 1);
    }
}

/// The server's target file with every base URL moved to the proxy at `addr`.
fn through_proxy(
    dir: &Path,
    target: &Path,
    server: &str,
    addr: SocketAddr,
    name: &str,
) -> std::path::PathBuf {
    let text = std::fs::read_to_string(target).unwrap();
    let moved = text.replace(server, &format!("http://{addr}")).replacen(
        "name: ",
        &format!("name: {name} # was "),
        1,
    );
    let p = dir.join(format!("{name}.yaml"));
    std::fs::write(&p, moved).unwrap();
    p
}

#[tokio::test(flavor = "multi_thread")]
async fn long_lived_servers_diff_clean_again_and_again_and_mutations_still_differ() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (server(&[]).await, server(&[]).await);
    let (ta, tb) = (
        target_file(dir.path(), &a, "a"),
        target_file(dir.path(), &b, "b"),
    );

    // The field: a matrix run leaves sessions behind on both.
    let o = bin(args(&[
        "run",
        "--target",
        path_str(&ta),
        "--target",
        path_str(&tb),
    ]))
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));

    for round in 1..=5 {
        let (code, out) = diff(&ta, &tb).await;
        assert_eq!(code, 0, "diff {round} after a matrix run:\n{out}");
    }

    // State only the baseline has (its users' sessions from other runs) is not a difference.
    for _ in 0..2 {
        let o = bin(args(&[
            "run",
            "--target",
            path_str(&ta),
            "--tag",
            "mutating",
        ]))
        .await;
        assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    }
    let (code, out) = diff(&ta, &tb).await;
    assert_eq!(code, 0, "extra sessions on the baseline only:\n{out}");
    assert!(out.contains("0 differ"), "{out}");

    // Held-out mutations of the candidate's bodies still differ, at their path.
    let b_url = b.base_url().trim_end_matches('/').to_owned();
    let clerk = proxy(&b_url, upper_clerk_status).await;
    let tc = through_proxy(dir.path(), &tb, &b_url, clerk, "upper");
    let (code, out) = diff(&ta, &tc).await;
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("/body/status: \"active\" → \"ACTIVE\""),
        "{out}"
    );

    let stytch = proxy(&b_url, stytch_status_code_plus_one).await;
    let ts = through_proxy(dir.path(), &tb, &b_url, stytch, "off-by-one");
    let (code, out) = diff(&ta, &ts).await;
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("/body/status_code: 200 → 201"), "{out}");
    assert!(
        !out.contains("DIFF  clerk::"),
        "only Stytch cases differ:\n{out}"
    );

    // A candidate whose lists include revoked sessions, after its own matrix run.
    let c = server(&["list-revoked"]).await;
    let tcand = target_file(dir.path(), &c, "lists-revoked");
    let o = bin(args(&[
        "run",
        "--target",
        path_str(&ta),
        "--target",
        path_str(&tcand),
        "--tag",
        "mutating",
    ]))
    .await;
    assert_ne!(o.status.code(), Some(3), "{}", stdout(&o));
    let (code, out) = diff(&ta, &tcand).await;
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("/body/sessions/"),
        "the list path is named:\n{out}"
    );
    assert!(out.contains("only in the candidate"), "{out}");
}
