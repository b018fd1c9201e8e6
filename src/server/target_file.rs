//! The target file (`vars` the built-in suites rely on, the CA to trust, what to
//! pass the vendors' SDKs) and the human summary.

use std::fmt::Write as _;
use std::path::Path;

use super::clerk_version::TARGET_VERSION;
use super::fixtures::{self as fx, ClerkIds};
use super::options::ServerOptions;

/// Var names whose values a runner must redact.
pub(crate) const SECRET_VARS: [&str; 2] = ["throttled_password", "throttled_secret_key"];

fn q(s: &str) -> String {
    // A JSON string literal is a valid YAML double-quoted scalar.
    serde_json::Value::from(s).to_string()
}

/// `(api, vars)` in the order they are written.
pub(crate) fn vars() -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    let c = ClerkIds::get();
    let s = |v: &str| v.to_owned();
    vec![
        (
            "stytch",
            vec![
                ("project_id", s(fx::STYTCH_PROJECT_ID)),
                ("user_id", s(fx::USER_ID)),
                ("user_external_id", s(fx::USER_EXTERNAL_ID)),
                ("other_user_id", s(fx::OTHER_USER_ID)),
                ("unknown_user_id", s(fx::UNKNOWN_USER_ID)),
                ("session_token", s(fx::SANDBOX_SESSION_TOKEN)),
                (
                    "unknown_session_token",
                    s(fx::SANDBOX_UNKNOWN_SESSION_TOKEN),
                ),
                ("mint_path", s("/__sessconform/sessions")),
                ("throttled_username", s(fx::STYTCH_PROJECT_ID)),
                ("throttled_password", s(fx::STYTCH_THROTTLED_SECRET)),
            ],
        ),
        (
            "stytch-b2b",
            vec![
                ("project_id", s(fx::B2B_PROJECT_ID)),
                ("organization_id", s(fx::ORGANIZATION_ID)),
                ("organization_slug", s(fx::ORGANIZATION_SLUG)),
                ("organization_external_id", s(fx::ORGANIZATION_EXTERNAL_ID)),
                ("member_id", s(fx::MEMBER_ID)),
                ("member_external_id", s(fx::MEMBER_EXTERNAL_ID)),
                ("other_member_id", s(fx::OTHER_MEMBER_ID)),
                ("other_organization_id", s(fx::OTHER_ORGANIZATION_ID)),
                ("exchange_organization_id", s(fx::EXCHANGE_ORGANIZATION_ID)),
                ("unknown_member_id", s(fx::UNKNOWN_MEMBER_ID)),
                ("unknown_organization_id", s(fx::UNKNOWN_ORGANIZATION_ID)),
                ("session_token", fx::member_session_token()),
                ("mint_path", s("/__sessconform/b2b/sessions")),
                ("throttled_username", s(fx::B2B_PROJECT_ID)),
                ("throttled_password", s(fx::B2B_THROTTLED_SECRET)),
            ],
        ),
        (
            "clerk",
            vec![
                ("user_id", c.user_id),
                ("other_user_id", c.other_user_id),
                ("client_id", c.client_id),
                ("unknown_user_id", c.unknown_user_id),
                ("unknown_session_id", c.unknown_session_id),
                ("template_name", s(fx::CLERK_TEMPLATE)),
                ("unknown_template_name", s(fx::CLERK_UNKNOWN_TEMPLATE)),
                ("throttled_secret_key", s(fx::CLERK_THROTTLED_SECRET_KEY)),
            ],
        ),
    ]
}

/// Where a running server is reachable, and how clients trust it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Endpoint<'a> {
    /// `http://ADDR` or `https://ADDR`, no trailing slash.
    pub(crate) base: &'a str,
    /// The CA certificate of a TLS server.
    pub(crate) ca: Option<Ca<'a>>,
}

/// How the target file carries the CA certificate.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Ca<'a> {
    /// The PEM itself (`tls.ca_pem`).
    Pem(&'a str),
    /// A file holding it (`tls.ca_file`, from `serve --ca-out`).
    File(&'a Path),
}

impl Endpoint<'_> {
    fn ca_file(&self) -> Option<&Path> {
        match self.ca {
            Some(Ca::File(path)) => Some(path),
            _ => None,
        }
    }
}

/// What to pass each official SDK: `(api, [(option, value)])`, in the SDKs' own
/// spelling (stytch-node `Client`/`B2BClient`, `@clerk/backend` `createClerkClient`).
pub(crate) fn sdk_options(base: &str) -> Vec<(&'static str, Vec<(&'static str, String)>)> {
    vec![
        (
            "stytch",
            vec![
                ("custom_base_url", base.to_owned()),
                ("project_id", fx::STYTCH_PROJECT_ID.to_owned()),
                ("secret", fx::STYTCH_SECRET.to_owned()),
            ],
        ),
        (
            "stytch-b2b",
            vec![
                ("custom_base_url", base.to_owned()),
                ("project_id", fx::B2B_PROJECT_ID.to_owned()),
                ("secret", fx::B2B_SECRET.to_owned()),
            ],
        ),
        (
            "clerk",
            vec![
                // The SDK appends `/v1` itself.
                ("apiUrl", format!("{base}/clerk")),
                ("secretKey", fx::CLERK_SECRET_KEY.to_owned()),
            ],
        ),
    ]
}

/// The target file `sessconform run --target` accepts. Stytch lives at the host
/// root, as the vendor's does; `/stytch` is an alias kept for older target files.
pub(crate) fn target_yaml(ep: Endpoint<'_>) -> String {
    let base = ep.base;
    let mut out = String::from(
        "# Written by `sessconform serve`: a target for `sessconform run --target`.\n",
    );
    out.push_str(
        "# `sdk` says what to pass the vendors' official SDKs (`run` does not read it).\n",
    );
    out.push_str("name: reference\n");
    match ep.ca {
        None => {}
        Some(Ca::File(path)) => {
            let _ = writeln!(out, "tls: {{ca_file: {}}}", q(&path.display().to_string()));
        }
        Some(Ca::Pem(pem)) => {
            let _ = writeln!(out, "tls: {{ca_pem: {}}}", q(pem));
        }
    }
    out.push_str("apis:\n");
    for (api, vars) in vars() {
        let _ = writeln!(out, "  {api}:");
        match api {
            "clerk" => {
                let _ = writeln!(out, "    base_url: {}", q(&format!("{base}/clerk/v1")));
                let _ = writeln!(out, "    auth: {{bearer: {}}}", q(fx::CLERK_SECRET_KEY));
                let _ = writeln!(
                    out,
                    "    headers: {{Clerk-API-Version: {}}}",
                    q(TARGET_VERSION)
                );
            }
            _ => {
                let (user, pass) = if api == "stytch" {
                    (fx::STYTCH_PROJECT_ID, fx::STYTCH_SECRET)
                } else {
                    (fx::B2B_PROJECT_ID, fx::B2B_SECRET)
                };
                let _ = writeln!(out, "    base_url: {}", q(base));
                let _ = writeln!(
                    out,
                    "    auth: {{basic: {{username: {}, password: {}}}}}",
                    q(user),
                    q(pass)
                );
            }
        }
        out.push_str("    vars:\n");
        for (k, v) in vars {
            let _ = writeln!(out, "      {k}: {}", q(&v));
        }
    }
    let _ = writeln!(out, "secrets: [{}]", SECRET_VARS.join(", "));
    out.push_str("sdk:\n");
    for (api, options) in sdk_options(base) {
        let fields: Vec<String> = options
            .iter()
            .map(|(k, v)| format!("{k}: {}", q(v)))
            .collect();
        let _ = writeln!(out, "  {api}: {{{}}}", fields.join(", "));
    }
    if let Some(path) = ep.ca_file() {
        let _ = writeln!(out, "  ca_file: {}", q(&path.display().to_string()));
    }
    out
}

/// Human-readable summary for `sessconform serve`.
pub(crate) fn summary(ep: Endpoint<'_>, opts: &ServerOptions) -> String {
    let base = ep.base;
    let mut out = String::new();
    let _ = writeln!(out, "sessconform reference server listening on {base}");
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Stytch (consumer)   {base}  (like https://test.stytch.com; also under {base}/stytch)"
    );
    let _ = writeln!(
        out,
        "  basic auth        {}:{}",
        fx::STYTCH_PROJECT_ID,
        fx::STYTCH_SECRET
    );
    let _ = writeln!(out, "Stytch B2B          {base}");
    let _ = writeln!(
        out,
        "  basic auth        {}:{}",
        fx::B2B_PROJECT_ID,
        fx::B2B_SECRET
    );
    let _ = writeln!(
        out,
        "Clerk               {base}/clerk/v1  (like https://api.clerk.com/v1)"
    );
    let _ = writeln!(out, "  bearer            {}", fx::CLERK_SECRET_KEY);
    let _ = writeln!(
        out,
        "  API versions      default {}, target file sends {TARGET_VERSION}",
        super::clerk_version::DEFAULT_VERSION
    );
    let _ = writeln!(out);
    out.push_str(&sdk_summary(ep));
    let _ = writeln!(out);
    let _ = writeln!(
        out,
        "Rate limit          {}",
        opts.rate_limit
            .map_or_else(|| "off".to_owned(), |r| format!("{r} per credential"))
    );
    let _ = writeln!(
        out,
        "Throttled creds     1 request / 60 s (throttled_* vars below)"
    );
    let faults: Vec<String> = opts.faults.iter().map(ToString::to_string).collect();
    let _ = writeln!(
        out,
        "Faults              {}",
        if faults.is_empty() {
            "none".to_owned()
        } else {
            faults.join(", ")
        }
    );
    for (api, vars) in vars() {
        let _ = writeln!(out);
        let _ = writeln!(out, "{api} fixture ids:");
        for (k, v) in vars {
            let _ = writeln!(out, "  {k:<26}{v}");
        }
    }
    out
}

/// The banner's "Official SDKs" block.
fn sdk_summary(ep: Endpoint<'_>) -> String {
    let mut out =
        String::from("Official SDKs (test doubles for your app's own tests: docs/mock.md)\n");
    let labels = [
        ("stytch", "Stytch (Node)       new Client"),
        ("stytch-b2b", "Stytch B2B (Node)   new B2BClient"),
        ("clerk", "Clerk               createClerkClient"),
    ];
    for ((api, options), (_, label)) in sdk_options(ep.base).into_iter().zip(labels) {
        let fields: Vec<String> = options
            .iter()
            .map(|(k, v)| format!("{k}: {}", q(v)))
            .collect();
        let _ = writeln!(out, "  {label}({{{}}})", fields.join(", "));
        if api == "clerk" {
            let _ = writeln!(
                out,
                "                      (apiUrl without /v1: the SDK appends it)"
            );
        }
    }
    match ep.ca {
        None => {
            let _ = writeln!(
                out,
                "  The Stytch SDKs require an https custom_base_url: start with --tls (and --ca-out FILE)."
            );
        }
        Some(Ca::File(path)) => {
            let p = path.display();
            let _ = writeln!(
                out,
                "  CA certificate      {p}\n                      NODE_EXTRA_CA_CERTS={p} (Node), REQUESTS_CA_BUNDLE={p} or SSL_CERT_FILE={p} (Python)"
            );
        }
        Some(Ca::Pem(_)) => {
            let _ = writeln!(
                out,
                "  CA certificate      generated at start; write it with --ca-out FILE (the target file carries it inline)"
            );
        }
    }
    out
}
