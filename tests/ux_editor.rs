//! Editor and shell support: the JSON Schemas of case and target files (generated from the types
//! the loader reads, committed in `schemas/`, printed by `sessconform schema`), the target-file
//! template of `sessconform init`, and the one list of the reference server's faults.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use sessconform::case::{SuiteSource, load_suites};
use sessconform::engine::var_advice;
use sessconform::file_schema::FileKind;
use sessconform::schema::SchemaStore;
use sessconform::target::parse_target;
use sessconform::target_template::api_vars;

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn sessconform(args: &[&str], env: &[(&str, &str)], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sessconform"))
        .args(args)
        .envs(env.iter().copied())
        .env_remove("SESSCONFORM_TARGET")
        .env_remove("SESSCONFORM_BASE_URL")
        .current_dir(dir)
        .output()
        .expect("runs")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Validation errors of `yaml` against the schema of `kind`, as `path: message` lines.
fn schema_errors(kind: FileKind, yaml: &str) -> Vec<String> {
    let schema = kind.schema();
    let validator = jsonschema::validator_for(&schema).expect("the generated schema compiles");
    let instance: Value = serde_saphyr::from_str(yaml).expect("YAML");
    validator
        .iter_errors(&instance)
        .map(|e| format!("{}: {e}", e.instance_path().as_str()))
        .collect()
}

#[test]
fn committed_schemas_are_the_generated_ones_and_the_cli_prints_them() {
    for kind in FileKind::ALL {
        let path = repo().join(kind.repo_path());
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == kind.schema_text(),
            "{} is stale: regenerate it with `cargo run -- schema {} > {}`",
            kind.repo_path(),
            kind.name(),
            kind.repo_path()
        );
        let out = sessconform(&["schema", kind.name()], &[], &repo());
        assert!(out.status.success());
        assert_eq!(text(&out.stdout), kind.schema_text());
    }
    let out = sessconform(&["schema", "cases"], &[], &repo());
    assert_eq!(
        out.status.code(),
        Some(2),
        "an unknown kind is a usage error"
    );
}

#[test]
fn case_schema_offers_the_keys_the_loader_reads() {
    let schema = FileKind::Case.schema();
    let top: Vec<&String> = schema["properties"]
        .as_object()
        .expect("properties")
        .keys()
        .collect();
    assert_eq!(
        top,
        [
            "api",
            "cases",
            "description",
            "mint",
            "serial",
            "suite",
            "tags",
            "vars"
        ]
    );
    assert_eq!(schema["additionalProperties"], Value::Bool(false));
    assert_eq!(
        schema["required"],
        serde_json::json!(["suite", "api", "cases"])
    );
    let assertion = &schema["$defs"]["Assertion"]["properties"];
    for op in [
        "equals", "matches", "type", "every", "jwt", "gte", "level", "note",
    ] {
        assert!(assertion.get(op).is_some(), "assertion lacks {op}");
    }
    assert!(
        schema["$defs"]["Request"]["properties"]["path"]["description"]
            .as_str()
            .is_some_and(|d| d.contains("base URL")),
        "fields carry their doc comments as descriptions"
    );
    let target = FileKind::Target.schema();
    assert_eq!(target["required"], serde_json::json!(["apis"]));
    assert!(
        target["$defs"]["Api"]["properties"]
            .get("base_url")
            .is_some()
    );
}

#[test]
fn every_builtin_suite_validates_and_a_typo_does_not() {
    for name in ["stytch", "stytch-b2b", "clerk"] {
        let yaml =
            std::fs::read_to_string(repo().join(format!("cases/{name}.yaml"))).expect("suite");
        assert_eq!(
            schema_errors(FileKind::Case, &yaml),
            Vec::<String>::new(),
            "{name}"
        );
    }
    // The same mistakes the loader refuses, the editor flags where they are.
    let errors = schema_errors(
        FileKind::Case,
        "suite: s\napi: stytch\ncases:\n  - name: c\n    requst: {path: /x}\n",
    );
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with("/cases/0: ") && errors[0].contains("requst"),
        "{errors:?}"
    );
    let errors = schema_errors(
        FileKind::Case,
        "suite: s\napi: stytch\ncases:\n  - name: c\n    request: {path: /x}\n    expect:\n      assert:\n        - {path: $.a, equal: 1}\n",
    );
    assert!(
        errors
            .iter()
            .any(|e| e.starts_with("/cases/0/expect/assert/0: ") && e.contains("equal")),
        "{errors:?}"
    );
    let errors = schema_errors(FileKind::Case, "suite: s\ncases: []\n");
    assert!(
        errors
            .iter()
            .any(|e| e.contains("\"api\" is a required property")),
        "{errors:?}"
    );
    let errors = schema_errors(
        FileKind::Target,
        "apis:\n  stytch:\n    base_ur: https://test.stytch.com\n",
    );
    assert!(errors.iter().any(|e| e.contains("base_ur")), "{errors:?}");
    assert!(
        errors
            .iter()
            .any(|e| e.contains("\"base_url\" is a required property")),
        "{errors:?}"
    );
}

/// The environment `init`'s credentials read, set to dummy values.
const CREDENTIALS: &[(&str, &str)] = &[
    (
        "STYTCH_PROJECT_ID",
        "project-test-00000000-0000-4000-8000-000000000000",
    ),
    ("STYTCH_SECRET", "secret-test-dummy"),
    (
        "STYTCH_B2B_PROJECT_ID",
        "project-test-00000000-0000-4000-8000-000000000001",
    ),
    ("STYTCH_B2B_SECRET", "secret-test-dummy-b2b"),
    ("CLERK_SECRET_KEY", "sk_test_dummy"),
];

/// The template with every commented `# name: value` variable line uncommented.
fn uncommented(template: &str) -> String {
    let var_line = regex::Regex::new(r"^(\s+)# ([a-z][a-z0-9_]*: .*)$").expect("regex");
    let mut out = String::new();
    for line in template.lines() {
        let line = var_line.replace(line, "$1$2");
        let line = match line.split_once("vars: {}") {
            Some((indent, _)) => format!("{indent}vars:"),
            None => line.into_owned(),
        };
        out.push_str(&line);
        out.push('\n');
    }
    out
}

#[test]
fn init_writes_a_template_with_every_variable_the_suites_use() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = sessconform(&["init"], &[], dir.path());
    assert!(out.status.success(), "{}", text(&out.stderr));
    let template = std::fs::read_to_string(dir.path().join("target.yaml")).expect("written");
    assert!(
        template.contains("${env.STYTCH_SECRET}") && template.contains("${env.CLERK_SECRET_KEY}")
    );
    assert!(
        template.contains("# session_token: \"${env.STYTCH_SESSION_TOKEN}\""),
        "{template}"
    );
    assert_eq!(
        schema_errors(FileKind::Target, &template),
        Vec::<String>::new()
    );

    // As written it loads, and lint has no advice about a var no case uses.
    let lint = sessconform(
        &["lint", "--target", "target.yaml"],
        CREDENTIALS,
        dir.path(),
    );
    assert!(lint.status.success(), "{}", text(&lint.stderr));
    assert!(
        !text(&lint.stderr).contains("not used by any case"),
        "{}",
        text(&lint.stderr)
    );
    // Without the credentials, it says which variable is unset, where, and how to set it.
    let lint = sessconform(&["lint", "--target", "target.yaml"], &[], dir.path());
    assert_eq!(lint.status.code(), Some(2));
    assert!(
        text(&lint.stderr).contains("environment variable `STYTCH_PROJECT_ID` is not set (used by `apis.stytch.auth.basic.username`)"),
        "{}",
        text(&lint.stderr)
    );

    // Every variable the built-in cases use is in the template: with every commented variable
    // uncommented, no case lacks a variable.
    let schemas = SchemaStore::load_lazy(true, &[]).expect("schemas");
    let suites = load_suites(&SuiteSource::Builtin, &schemas).expect("suites");
    let env: BTreeMap<String, String> = CREDENTIALS
        .iter()
        .chain(&[
            ("STYTCH_SESSION_TOKEN", "t"),
            ("STYTCH_THROTTLED_PASSWORD", "t"),
            ("STYTCH_B2B_SESSION_TOKEN", "t"),
            ("STYTCH_B2B_THROTTLED_PASSWORD", "t"),
            ("CLERK_THROTTLED_SECRET_KEY", "t"),
        ])
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let full = uncommented(&template);
    let target = parse_target("full.yaml", &full, &env).unwrap_or_else(|e| panic!("{e}\n{full}"));
    let advice = var_advice(&target, suites.iter().map(|s| &s.suite), &BTreeMap::new());
    assert_eq!(advice, Vec::new(), "{full}");
    // The comments as one line of prose, however they are wrapped.
    let prose = template
        .lines()
        .map(|l| l.trim_start().trim_start_matches('#').trim())
        .collect::<Vec<_>>()
        .join(" ");
    let mut total = 0;
    for api in ["stytch", "stytch-b2b", "clerk"] {
        let vars = api_vars(suites.iter().map(|s| &s.suite), api);
        assert!(vars.len() >= 8, "{api}: {vars:?}");
        for v in &vars {
            assert!(
                target.apis[api].vars.contains_key(&v.name),
                "{api} lacks {}",
                v.name
            );
            assert!(
                !v.description.is_empty(),
                "{api}.{} has no description",
                v.name
            );
            let about: Vec<&str> = v
                .description
                .trim_end_matches('.')
                .split_whitespace()
                .collect();
            assert!(
                prose.contains(&about.join(" ")),
                "{api}.{}: what it means is in the template",
                v.name
            );
        }
        total += vars.len();
    }
    assert!(total >= 30, "{total}");

    // One API, to standard output; an existing file is not overwritten without --force.
    let out = sessconform(&["init", "--api", "clerk", "--out", "-"], &[], dir.path());
    let clerk = text(&out.stdout);
    assert!(
        clerk.contains("  clerk:\n") && !clerk.contains("stytch:"),
        "{clerk}"
    );
    assert!(clerk.contains("Clerk-API-Version"), "{clerk}");
    // What must be filled in comes first, the most needed first; defaults last.
    let at = |key: &str| clerk.find(&format!("# {key}: ")).unwrap_or(usize::MAX);
    assert!(at("user_id") < at("other_user_id"), "{clerk}");
    assert!(at("client_id") < at("unknown_session_id"), "{clerk}");
    assert!(at("unknown_session_id") < usize::MAX, "{clerk}");
    let again = sessconform(&["init"], &[], dir.path());
    assert_eq!(again.status.code(), Some(2));
    assert!(
        text(&again.stderr).contains("already exists"),
        "{}",
        text(&again.stderr)
    );
    let forced = sessconform(&["init", "--api", "stytch", "--force"], &[], dir.path());
    assert!(forced.status.success());
}

#[cfg(feature = "server")]
#[test]
fn serve_help_lists_every_fault_and_the_docs_list_the_same() {
    use sessconform::server::Fault;
    let help = text(&sessconform(&["serve", "--help"], &[], &repo()).stdout);
    // However the help is wrapped.
    let help = help.split_whitespace().collect::<Vec<_>>().join(" ");
    let mock = std::fs::read_to_string(repo().join("docs/mock.md")).expect("docs/mock.md");
    let mut table = Vec::new();
    let section = mock
        .split("\n## ")
        .find(|s| s.starts_with("Fault injection"))
        .expect("docs/mock.md has a Fault injection section");
    for line in section.lines() {
        if let Some(rest) = line.strip_prefix("| `") {
            if let Some((name, effect)) = rest.split_once("` | ") {
                table.push((
                    name.to_owned(),
                    effect.trim_end_matches(" |").replace('`', ""),
                ));
            }
        }
    }
    let faults: Vec<(String, String)> = Fault::ALL
        .iter()
        .map(|f| (f.name().to_owned(), f.description().to_owned()))
        .collect();
    for (name, description) in &faults {
        assert!(
            help.contains(&format!("{name}: {description}")),
            "serve --help lacks {name}:\n{help}"
        );
    }
    assert_eq!(
        table, faults,
        "the table in docs/mock.md#fault-injection is Fault::ALL"
    );
    let compat = std::fs::read_to_string(repo().join("docs/compat.md")).expect("compat");
    assert!(
        compat.contains("mock.md#fault-injection"),
        "docs/compat.md points to the list"
    );
    let readme = std::fs::read_to_string(repo().join("README.md")).expect("README");
    assert!(
        readme.contains("docs/mock.md#fault-injection"),
        "the README points to the list"
    );
    assert!(
        !readme.contains("`clerk-seconds-timestamps`"),
        "the README has no copy of the list"
    );
    let out = sessconform(&["serve", "--fault", "clerk-list-unsortd"], &[], &repo());
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("clerk-list-unsorted"),
        "{}",
        text(&out.stderr)
    );
}
