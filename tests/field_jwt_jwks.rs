//! Issue 12 point 4: the built-in suites verify the signature of every session JWT and Clerk
//! token they receive against the JWKS the API serves (`jwt: {jwks: /…/jwks…}`), not only its
//! shape: a token whose claims were changed after signing fails the run.

mod compat_support;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::Value;

use compat_support::{bin, proxy, server, stdout};

/// Changes one claim of every `session_jwt` / `jwt` in the body, keeping the signature.
fn tamper(_path: &str, v: &mut Value) {
    for key in ["session_jwt", "jwt"] {
        let Some(Value::String(token)) = v.get(key) else {
            continue;
        };
        let parts: Vec<&str> = token.split('.').collect();
        if parts.len() != 3 {
            continue;
        }
        let mut claims: Value =
            serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
        claims["sub"] = Value::String(format!("{}-x", claims["sub"].as_str().unwrap_or("")));
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims).unwrap()),
            parts[2]
        );
        v[key] = Value::String(forged);
    }
}

fn untouched(_path: &str, _v: &mut Value) {}

fn through(target: &str, server_url: &str, addr: std::net::SocketAddr) -> String {
    target.replace(server_url, &format!("http://{addr}"))
}

#[tokio::test(flavor = "multi_thread")]
async fn tampered_tokens_fail_the_builtin_suites() {
    let s = server(&[]).await;
    let url = s.base_url().trim_end_matches('/').to_owned();
    let dir = tempfile::tempdir().unwrap();
    for (name, mutate, expect_code) in [
        ("untouched", untouched as compat_support::Mutation, 0),
        ("tampered", tamper as compat_support::Mutation, 1),
    ] {
        let addr = proxy(&url, mutate).await;
        let t = dir.path().join(format!("{name}.yaml"));
        std::fs::write(&t, through(&s.target_yaml(), &url, addr)).unwrap();
        let o = bin(vec![
            "run".into(),
            "--target".into(),
            t.to_str().unwrap().into(),
            "--filter".into(),
            "token".into(),
        ])
        .await;
        let out = stdout(&o);
        assert_eq!(o.status.code(), Some(expect_code), "{name}:\n{out}");
        if expect_code == 1 {
            assert!(out.contains("signature"), "{out}");
            for api in ["FAIL  stytch::", "FAIL  stytch-b2b::", "FAIL  clerk::"] {
                assert!(out.contains(api), "{api} not failed:\n{out}");
            }
        }
    }
    s.shutdown().await;
}
