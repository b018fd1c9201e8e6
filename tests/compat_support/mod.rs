//! Shared helpers of the compatibility tests: reference-server instances with faults, target
//! files, plans, running the binary.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::response::Response;
use serde_json::Value;
use sessconform::case::{SuiteSource, load_suites};
use sessconform::engine::{self, Plan, RunConfig, Selection};
use sessconform::schema::SchemaStore;
use sessconform::server::{Fault, RunningServer, ServerOptions, start};
use sessconform::target::{Target, parse_target};

/// The fixture suites of the compatibility tests.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/compat")
}

/// A reference server on a free loopback port with the given faults.
pub async fn server(faults: &[&str]) -> RunningServer {
    let faults: BTreeSet<Fault> = faults.iter().map(|f| f.parse().unwrap()).collect();
    start(ServerOptions {
        faults,
        ..ServerOptions::default()
    })
    .await
    .unwrap()
}

/// The server's target file text, renamed.
pub fn target_yaml(s: &RunningServer, name: &str) -> String {
    s.target_yaml()
        .replacen("name: reference", &format!("name: {name}"), 1)
}

/// The server's target, renamed.
pub fn target(s: &RunningServer, name: &str) -> Target {
    parse_target(name, &target_yaml(s, name), &BTreeMap::new()).unwrap()
}

/// Writes the server's target file into `dir`.
pub fn target_file(dir: &Path, s: &RunningServer, name: &str) -> PathBuf {
    let p = dir.join(format!("{name}.yaml"));
    std::fs::write(&p, target_yaml(s, name)).unwrap();
    p
}

/// Plans the fixture suites (or `file` inside them) against `target`.
pub fn plan(target: Target, file: &str, cfg: &RunConfig) -> Arc<Plan> {
    let schemas = SchemaStore::load_lazy(true, &[]).unwrap();
    let suites = load_suites(&SuiteSource::Paths(vec![fixtures().join(file)]), &schemas).unwrap();
    Arc::new(engine::plan(suites, target, &Selection::default(), cfg))
}

/// Plans the built-in suites against `target`.
pub fn plan_builtin(target: Target, cfg: &RunConfig) -> Arc<Plan> {
    let schemas = SchemaStore::load_lazy(true, &[]).unwrap();
    let suites = load_suites(&SuiteSource::Builtin, &schemas).unwrap();
    Arc::new(engine::plan(suites, target, &Selection::default(), cfg))
}

/// Runs the binary with `args` (off the async runtime) and returns its output.
pub async fn bin(args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        Command::new(env!("CARGO_BIN_EXE_sessconform"))
            .args(&args)
            .env_remove("GITHUB_ACTIONS")
            .env("NO_COLOR", "1")
            .output()
            .expect("run the binary")
    })
    .await
    .unwrap()
}

/// Stdout as text.
pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Paths as strings for `bin`.
pub fn args(items: &[&dyn AsRef<std::ffi::OsStr>]) -> Vec<String> {
    items
        .iter()
        .map(|s| s.as_ref().to_string_lossy().into_owned())
        .collect()
}

/// How the proxy changes a JSON body on its way back (the request path tells the API).
pub type Mutation = fn(&str, &mut Value);

#[derive(Clone)]
struct Upstream {
    base: String,
    client: reqwest::Client,
    mutate: Mutation,
}

async fn forward(State(up): State<Upstream>, req: Request) -> Response {
    let method = req.method().clone();
    let path = req
        .uri()
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let mut out = up.client.request(method, format!("{}{path}", up.base));
    for (k, v) in req.headers() {
        if k != "host" && k != "content-length" {
            out = out.header(k, v);
        }
    }
    let body = to_bytes(req.into_body(), 1 << 20).await.unwrap();
    let resp = out.body(body).send().await.unwrap();
    let status = resp.status();
    let ctype = resp.headers().get("content-type").cloned();
    let bytes = resp.bytes().await.unwrap();
    let bytes = match serde_json::from_slice::<Value>(&bytes) {
        Ok(mut v) => {
            (up.mutate)(&path, &mut v);
            serde_json::to_vec(&v).unwrap().into()
        }
        Err(_) => bytes,
    };
    let mut b = Response::builder().status(status);
    if let Some(c) = ctype {
        b = b.header("content-type", c);
    }
    b.body(Body::from(bytes)).unwrap()
}

/// A proxy on a free loopback port in front of `base` (`http://127.0.0.1:PORT`).
pub async fn proxy(base: &str, mutate: Mutation) -> SocketAddr {
    let up = Upstream {
        base: base.trim_end_matches('/').to_owned(),
        client: reqwest::Client::new(),
        mutate,
    };
    let app = Router::new().fallback(forward).with_state(up);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await });
    addr
}
