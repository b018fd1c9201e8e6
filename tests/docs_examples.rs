//! Docs that cannot rot: every ```yaml block of README.md and docs/*.md is loaded as what it
//! shows. A block with top-level `suite:` is linted as a case file and one with `apis:` is
//! loaded as a target file (`lint --target`, with its `${env.…}` placeholders set), both also
//! validated against the editor schemas. An HTML comment on the line before a block says what
//! else it is:
//!
//! - `<!-- docs-test: cases -->`: a fragment of a `cases:` list, linted inside a suite that
//!   declares the variables it uses;
//! - `<!-- docs-test: expect-error: MESSAGE -->`: a case file that is wrong on purpose; lint must
//!   fail with MESSAGE;
//! - `<!-- docs-test: not sessconform: WHAT -->`: another tool's file (a CI workflow): it only
//!   has to be YAML.
//!
//! Any other block fails the test, so a new example gets checked or says why not.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use sessconform::file_schema::FileKind;

/// One ```yaml block.
#[derive(Debug)]
struct Block {
    /// `docs/case-format.md:7` (the fence line).
    at: String,
    /// The `docs-test:` marker before it, if any.
    marker: Option<String>,
    text: String,
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn doc_files() -> Vec<PathBuf> {
    let mut files = vec![repo().join("README.md")];
    let mut docs: Vec<PathBuf> = std::fs::read_dir(repo().join("docs"))
        .expect("docs/")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "md"))
        .collect();
    docs.sort();
    files.extend(docs);
    files
}

fn blocks(path: &Path) -> Vec<Block> {
    let rel = path
        .strip_prefix(repo())
        .unwrap_or(path)
        .display()
        .to_string();
    let text = std::fs::read_to_string(path).expect("readable doc");
    let mut out = Vec::new();
    let mut current: Option<Block> = None;
    let mut previous = "";
    for (i, line) in text.lines().enumerate() {
        let closes = current.is_some() && line.trim_start().starts_with("```");
        match &mut current {
            Some(_) if closes => out.extend(current.take()),
            Some(b) => {
                b.text.push_str(line);
                b.text.push('\n');
            }
            None if line.starts_with("```yaml") => {
                let marker = previous
                    .trim()
                    .strip_prefix("<!-- docs-test:")
                    .and_then(|m| m.strip_suffix("-->"))
                    .map(|m| m.trim().to_owned());
                current = Some(Block {
                    at: format!("{rel}:{}", i + 1),
                    marker,
                    text: String::new(),
                });
            }
            None => {}
        }
        if !line.trim().is_empty() {
            previous = line;
        }
    }
    assert!(current.is_none(), "{rel}: a ```yaml block is never closed");
    out
}

fn sessconform(args: &[&str], env: &[(String, String)], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sessconform"))
        .args(args)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .env_remove("SESSCONFORM_TARGET")
        .env_remove("SESSCONFORM_BASE_URL")
        .current_dir(dir)
        .output()
        .expect("runs")
}

/// Every name in `${PREFIX.NAME}` placeholders of `text`.
fn placeholders(text: &str, prefix: &str) -> Vec<String> {
    let re = regex::Regex::new(&format!(r"\$\{{{prefix}\.([A-Za-z0-9_]+)\}}")).expect("regex");
    let mut names: Vec<String> = re.captures_iter(text).map(|c| c[1].to_owned()).collect();
    names.sort();
    names.dedup();
    names
}

fn schema_errors(kind: FileKind, yaml: &str) -> Vec<String> {
    let schema = kind.schema();
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let Ok(instance) = serde_saphyr::from_str::<Value>(yaml) else {
        return vec!["not YAML".to_owned()];
    };
    validator
        .iter_errors(&instance)
        .map(|e| format!("{}: {e}", e.instance_path().as_str()))
        .collect()
}

/// What went wrong with one block, if anything.
fn check(block: &Block, dir: &Path) -> Result<&'static str, String> {
    let yaml: Value = serde_saphyr::from_str(&block.text).map_err(|e| format!("not YAML: {e}"))?;
    let key = |k: &str| yaml.get(k).is_some();
    let write = |name: &str, text: &str| {
        let path = dir.join(name);
        std::fs::write(&path, text).expect("temp file");
        path.display().to_string()
    };
    let marker = block.marker.as_deref().unwrap_or("");
    if let Some(what) = marker.strip_prefix("not sessconform:") {
        return if what.trim().is_empty() {
            Err("say what the file is: `not sessconform: GitHub Actions workflow`".to_owned())
        } else {
            Ok("other")
        };
    }
    if marker == "cases" {
        let vars: String = placeholders(&block.text, "vars")
            .iter()
            .map(|v| format!("  {v}: {{description: declared by the docs test}}\n"))
            .collect();
        let suite = format!(
            "suite: docs-fragment\napi: docs\nvars:\n{vars}  _unused: 0\ncases:\n{}",
            block.text
        );
        return lint_case(&write("fragment.yaml", &suite), &suite, dir).map(|()| "cases");
    }
    if let Some(expected) = marker.strip_prefix("expect-error:") {
        let file = write("invalid.yaml", &block.text);
        let out = sessconform(&["lint", &file], &[], dir);
        let err = String::from_utf8_lossy(&out.stderr);
        return if out.status.code() != Some(2) {
            Err(format!(
                "marked invalid, but lint exits {:?}:\n{err}",
                out.status.code()
            ))
        } else if !err.contains(expected.trim()) {
            Err(format!(
                "lint fails, but without `{}`:\n{err}",
                expected.trim()
            ))
        } else {
            Ok("invalid on purpose")
        };
    }
    if !marker.is_empty() {
        return Err(format!("unknown marker `docs-test: {marker}`"));
    }
    if key("suite") {
        if block.text.contains("$schema=") && !block.text.contains("$schema=case.schema.json") {
            return Err("a case file's modeline names case.schema.json".to_owned());
        }
        return lint_case(&write("case.yaml", &block.text), &block.text, dir).map(|()| "case file");
    }
    if key("apis") {
        if block.text.contains("$schema=") && !block.text.contains("$schema=target.schema.json") {
            return Err("a target file's modeline names target.schema.json".to_owned());
        }
        let errors = schema_errors(FileKind::Target, &block.text);
        if !errors.is_empty() {
            return Err(format!("the target schema rejects it: {errors:?}"));
        }
        // A CA file for `tls: {ca_file: ca.pem}` examples.
        write(
            "ca.pem",
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
        );
        let file = write("target.yaml", &block.text);
        let env: Vec<(String, String)> = placeholders(&block.text, "env")
            .into_iter()
            .map(|n| (n, "docs-test-value".to_owned()))
            .collect();
        let out = sessconform(&["lint", "--target", &file], &env, dir);
        let err = String::from_utf8_lossy(&out.stderr);
        if !out.status.success() {
            return Err(format!("lint --target fails:\n{err}"));
        }
        if err.contains("not used by any case") {
            return Err(format!("names a variable no built-in case uses:\n{err}"));
        }
        return Ok("target file");
    }
    Err("neither a case file (`suite:`) nor a target file (`apis:`): add a `<!-- docs-test: … -->` marker".to_owned())
}

fn lint_case(file: &str, text: &str, dir: &Path) -> Result<(), String> {
    let errors = schema_errors(FileKind::Case, text);
    if !errors.is_empty() {
        return Err(format!("the case schema rejects it: {errors:?}"));
    }
    let out = sessconform(&["lint", file], &[], dir);
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "lint fails:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

#[test]
fn every_yaml_example_in_the_docs_loads_as_what_it_shows() {
    let mut failures = Vec::new();
    let mut kinds = std::collections::BTreeMap::<&str, usize>::new();
    for file in doc_files() {
        for block in blocks(&file) {
            let dir = tempfile::tempdir().expect("temp dir");
            match check(&block, dir.path()) {
                Ok(kind) => *kinds.entry(kind).or_default() += 1,
                Err(e) => failures.push(format!("{}: {e}", block.at)),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // The README's target file, the suites' targets, case-format's examples are all found.
    assert!(
        kinds.get("case file").copied().unwrap_or(0) >= 2,
        "{kinds:?}"
    );
    assert!(
        kinds.get("target file").copied().unwrap_or(0) >= 5,
        "{kinds:?}"
    );
    assert!(
        kinds.contains_key("cases") && kinds.contains_key("invalid on purpose"),
        "{kinds:?}"
    );
}

#[test]
fn a_broken_example_is_caught() {
    let dir = tempfile::tempdir().expect("temp dir");
    let block = |marker: Option<&str>, text: &str| Block {
        at: "x.md:1".to_owned(),
        marker: marker.map(str::to_owned),
        text: text.to_owned(),
    };
    // The old main example of docs/case-format.md: `${vars.sid}` where a capture was meant.
    let e = check(
        &block(None, "suite: s\napi: stytch\ncases:\n  - name: c\n    request: {path: /v1/sessions, query: {id: \"${vars.sid}\"}}\n"),
        dir.path(),
    )
    .unwrap_err();
    assert!(e.contains("undefined variable"), "{e}");
    let e = check(
        &block(None, "apis:\n  stytch:\n    base_ur: http://127.0.0.1:1\n"),
        dir.path(),
    )
    .unwrap_err();
    assert!(e.contains("base_ur"), "{e}");
    let e = check(&block(None, "jobs: {}\n"), dir.path()).unwrap_err();
    assert!(e.contains("add a `<!-- docs-test"), "{e}");
    // Marked invalid but valid; marked invalid with another message.
    let valid = "suite: s\napi: stytch\ncases:\n  - name: c\n    request: {path: /x}\n";
    assert!(check(&block(Some("expect-error: boom"), valid), dir.path()).is_err());
    let e = check(
        &block(
            Some("expect-error: unknown schema id"),
            "suite: s\napi: a\ncases:\n  - name: c\n    requst: {}\n",
        ),
        dir.path(),
    )
    .unwrap_err();
    assert!(e.contains("without `unknown schema id`"), "{e}");
    // A target naming a variable no built-in case uses.
    let e = check(
        &block(
            None,
            "apis:\n  stytch:\n    base_url: http://127.0.0.1:1\n    vars: {usr_id: u}\n",
        ),
        dir.path(),
    )
    .unwrap_err();
    assert!(e.contains("no built-in case uses"), "{e}");
}

/// Published docs and schemas are self-contained: nothing users read cites the vendor folder
/// outside the repository (docs/contracts.md says where it came from, once).
#[test]
fn nothing_users_read_cites_files_outside_the_repository() {
    let mut offenders = Vec::new();
    let mut visit = vec![
        repo().join("README.md"),
        repo().join("docs"),
        repo().join("specs"),
        repo().join("cases"),
        repo().join("schemas"),
        repo().join("src"),
    ];
    while let Some(p) = visit.pop() {
        if p.is_dir() {
            visit.extend(
                std::fs::read_dir(&p)
                    .expect("dir")
                    .filter_map(|e| e.ok().map(|e| e.path())),
            );
            continue;
        }
        let Ok(text) = std::fs::read_to_string(&p) else {
            continue;
        };
        let rel = p.strip_prefix(repo()).unwrap_or(&p).display().to_string();
        for (i, line) in text.lines().enumerate() {
            let source_note = rel == "docs/contracts.md" && line.starts_with("> Source:");
            if line.contains("../shared") && !source_note {
                offenders.push(format!("{rel}:{}: {line}", i + 1));
            }
        }
    }
    assert!(
        offenders.is_empty(),
        "cite docs/contracts.md instead:\n{}",
        offenders.join("\n")
    );
}
