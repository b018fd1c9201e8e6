//! The examples in every command's `--help` are checked like docs: each parses with the real
//! clap definitions, and the suites, schema ids and tags they name exist.

use std::collections::BTreeSet;

use clap::{CommandFactory as _, Parser as _};
use sessconform::case::{SuiteSource, load_suites};
use sessconform::schema::SchemaStore;

use super::args::Cli;

/// Every `sessconform …` example line of every command's after-help, with the command's path.
fn examples() -> Vec<(String, String)> {
    fn walk(cmd: &clap::Command, path: &str, out: &mut Vec<(String, String)>) {
        if let Some(help) = cmd.get_after_help() {
            let help = help.to_string();
            let mut in_examples = false;
            for line in help.lines() {
                if line.starts_with("Examples:") {
                    in_examples = true;
                } else if !line.starts_with("  ") {
                    in_examples = false;
                } else if in_examples {
                    if let Some(ex) = line.trim().strip_prefix("sessconform") {
                        out.push((path.to_owned(), format!("sessconform{ex}")));
                    }
                }
            }
        }
        for sub in cmd.get_subcommands() {
            walk(sub, &format!("{path} {}", sub.get_name()), out);
        }
    }
    let mut out = Vec::new();
    walk(&Cli::command(), "sessconform", &mut out);
    out
}

/// The words of an example command line: its description (after two spaces) and any
/// redirection cut off, quotes removed.
fn words(line: &str) -> Vec<String> {
    let line = line.split("  ").next().unwrap_or(line);
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quote = None;
    let mut started = false;
    for c in line.chars() {
        match (quote, c) {
            (None, '\'' | '"') => {
                quote = Some(c);
                started = true;
            }
            (Some(q), c) if c == q => quote = None,
            (None, ' ') => {
                if started {
                    words.push(std::mem::take(&mut word));
                    started = false;
                }
            }
            (_, c) => {
                word.push(c);
                started = true;
            }
        }
    }
    if started {
        words.push(word);
    }
    if let Some(i) = words
        .iter()
        .position(|w| [">", "|", "&", "&&"].contains(&w.as_str()))
    {
        words.truncate(i);
    }
    words
}

/// What the built-in suites and schemas have, by name.
struct Known {
    suites: BTreeSet<String>,
    tags: BTreeSet<String>,
    schema_ids: BTreeSet<String>,
}

impl Known {
    fn builtin() -> Known {
        let schemas = SchemaStore::load_lazy(true, &[]).unwrap();
        let suites = load_suites(&SuiteSource::Builtin, &schemas).unwrap();
        let mut tags = BTreeSet::new();
        for s in &suites {
            tags.extend(s.suite.tags.iter().cloned());
            for c in &s.suite.cases {
                tags.extend(c.tags.iter().cloned());
            }
        }
        Known {
            suites: suites.iter().map(|s| s.suite.name.clone()).collect(),
            tags,
            schema_ids: schemas.ids().into_iter().map(str::to_owned).collect(),
        }
    }

    /// The first `--flag value` of `words` naming a suite, tag or schema id that does not exist.
    fn unknown_name(&self, words: &[String]) -> Option<String> {
        words.windows(2).find_map(|pair| {
            let (flag, value) = (pair[0].as_str(), pair[1].as_str());
            let ok = match flag {
                "--suite" => self.suites.contains(value),
                "--filter" => value
                    .split_once("::")
                    .is_none_or(|(suite, _)| self.suites.contains(suite)),
                "--tag" | "--exclude-tag" => self.tags.contains(value),
                "--schema" => self.schema_ids.contains(value),
                _ => true,
            };
            (!ok).then(|| format!("{flag} {value}"))
        })
    }
}

#[test]
fn every_help_example_parses_and_names_what_exists() {
    let known = Known::builtin();
    let examples = examples();
    assert!(examples.len() >= 20, "found only {examples:?}");
    let mut checked_commands = BTreeSet::new();
    for (command, line) in &examples {
        let w = words(line);
        if let Err(e) = Cli::try_parse_from(&w) {
            panic!("`{command} --help` example does not parse: {line}\n{e}");
        }
        checked_commands.insert(command.clone());
        if let Some(bad) = known.unknown_name(&w) {
            panic!(
                "`{command} --help` example names `{bad}`, which the built-in suites and schemas do not have: {line}"
            );
        }
    }
    for must in [
        "sessconform",
        "sessconform diff",
        "sessconform init",
        "sessconform schema",
        "sessconform validate",
    ] {
        assert!(
            checked_commands.contains(must),
            "no examples for `{must}`: {checked_commands:?}"
        );
    }
}

#[test]
fn unknown_suites_tags_and_schema_ids_are_caught() {
    let known = Known::builtin();
    let bad = |line: &str| known.unknown_name(&words(line));
    // The old `diff --help` example.
    assert_eq!(
        bad("sessconform diff --baseline a.yaml --candidate b.yaml --suite stytch-sessions"),
        Some("--suite stytch-sessions".to_owned())
    );
    assert_eq!(bad("sessconform diff --suite stytch"), None);
    assert_eq!(
        bad("sessconform list --filter stytch-sessions::list"),
        Some("--filter stytch-sessions::list".to_owned())
    );
    assert_eq!(bad("sessconform list --filter clerk::"), None);
    assert_eq!(bad("sessconform list --tag read-only"), None);
    assert_eq!(
        bad("sessconform list --tag readonly"),
        Some("--tag readonly".to_owned())
    );
    assert_eq!(
        bad("sessconform validate --schema stytch/nope x.json"),
        Some("--schema stytch/nope".to_owned())
    );
}

#[test]
fn example_words_drop_descriptions_redirections_and_quotes() {
    assert_eq!(
        words("sessconform diff --baseline a.yaml --record golden/          save them"),
        [
            "sessconform",
            "diff",
            "--baseline",
            "a.yaml",
            "--record",
            "golden/"
        ]
    );
    assert_eq!(
        words("sessconform completions zsh > \"${fpath[1]}/_sessconform\""),
        ["sessconform", "completions", "zsh"]
    );
    assert_eq!(
        words("sessconform spec import --operation 'GET /sessions' --id x"),
        [
            "sessconform",
            "spec",
            "import",
            "--operation",
            "GET /sessions",
            "--id",
            "x"
        ]
    );
}
