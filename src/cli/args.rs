//! The clap arguments of every command, the groups they share, and their conversion to engine
//! configuration.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};

use sessconform::engine::{RunConfig, Selection, Shard};

const AFTER_HELP: &str = "\
Examples:
  sessconform                                   run the built-in suites against the embedded reference server
  sessconform run --target staging.yaml         run them against the APIs described in a target file
  sessconform run cases/ --base-url stytch=http://127.0.0.1:4010/stytch --var user_id=user-test-1
  sessconform run --tag read-only --reports reports/
  sessconform list --tag mutating
  sessconform lint my-cases/ --specs my-specs/
  sessconform validate --schema stytch/sessions-get-response body.json
  sessconform serve --addr 127.0.0.1:4010 --target-out target.yaml
  sessconform run --target reference.yaml --target mock.yaml   case × target matrix
  sessconform diff --baseline vendor.yaml --candidate mock.yaml
  sessconform spec drift --openapi stytch-openapi.yml   our schemas vs the vendor's current OpenAPI

Exit codes: 0 all passed, 1 a contract check failed, 2 usage or configuration error (nothing ran),
3 some cases could not run (and none failed).";

/// Contract tests and conformance checks for session APIs (Stytch, Stytch B2B, Clerk and compatible servers).
#[derive(Debug, Parser)]
#[command(name = "sessconform", version, after_help = AFTER_HELP, args_conflicts_with_subcommands = true)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub run: RunArgs,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run suites against a target (the default command).
    #[command(after_help = AFTER_HELP)]
    Run(Box<RunArgs>),
    /// List suites, cases and tags after filters (no network).
    #[command(
        after_help = "Examples:\n  sessconform list\n  sessconform list cases/ --tag read-only\n  sessconform list --filter clerk:: --shard 1/2"
    )]
    List(ListArgs),
    /// Load and check every case file and schema, every $ref, schema id and variable (exit 0 or 2).
    #[command(
        after_help = "Examples:\n  sessconform lint\n  sessconform lint my-cases/ --specs my-specs/ --target staging.yaml"
    )]
    Lint(LintArgs),
    /// Validate saved JSON bodies against a schema, offline (exit 0 valid, 1 invalid, 2 usage).
    #[command(
        after_help = "Examples:\n  sessconform validate --schema stytch/error error.json\n  sessconform validate --schema clerk/2025-04-10/session --specs my-specs/ a.json b.json"
    )]
    Validate(ValidateArgs),
    /// Serve the reference implementation of the Stytch, Stytch B2B and Clerk session APIs.
    #[cfg(feature = "server")]
    #[command(
        after_help = "Examples:\n  sessconform serve\n  sessconform serve --addr 127.0.0.1:4010 --target-out target.yaml\n  sessconform serve --rate-limit 100/10 --fault clerk-list-unsorted\n  sessconform serve --tls --ca-out ca.pem --target-out target.yaml"
    )]
    Serve(ServeArgs),
    /// Generated, stateful testing of a session API; a failure is shrunk to a case (exit 0/1/2/3).
    #[command(after_help = super::explore::AFTER_HELP)]
    Explore(Box<super::explore::ExploreArgs>),
    /// Send every case to two targets (or one and golden files) and compare the responses.
    #[command(after_help = super::diff::AFTER_HELP)]
    Diff(Box<super::diff::DiffArgs>),
    /// Import JSON Schemas from a vendor's OpenAPI file, or report drift from it (exit 0/1/2).
    #[command(subcommand, after_help = super::spec::AFTER_HELP)]
    Spec(super::spec::SpecCommand),
    /// Print a shell completion script (bash, zsh, fish, powershell, elvish) to stdout.
    #[command(
        after_help = "Examples:\n  sessconform completions bash > ~/.local/share/bash-completion/completions/sessconform\n  sessconform completions zsh > \"${fpath[1]}/_sessconform\"\n  sessconform completions fish > ~/.config/fish/completions/sessconform.fish"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff) to stdout: `sessconform man > sessconform.1`.
    Man,
    /// Work with reports: merge the JSON reports of shards into one set of reports.
    #[command(
        subcommand,
        after_help = "Examples:\n  sessconform report merge reports/ shard-1/ shard-2/ shard-3/"
    )]
    Report(super::report::ReportCommand),
    /// Print the JSON Schema of case files or target files (for editors: yaml-language-server).
    #[command(after_help = super::schema::AFTER_HELP)]
    Schema(super::schema::SchemaArgs),
    /// Write a commented target-file template with every variable the built-in suites use.
    #[command(after_help = super::init::AFTER_HELP)]
    Init(super::init::InitArgs),
}

/// Where suites and schemas come from.
#[derive(Debug, Args, Default, Clone)]
pub struct InputArgs {
    /// Case files or folders (default: the built-in suites).
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Add a folder of JSON Schemas to the built-in ones (repeatable).
    #[arg(long, value_name = "DIR")]
    pub specs: Vec<PathBuf>,
}

/// Which cases.
#[derive(Debug, Args, Default, Clone)]
pub struct SelectArgs {
    /// Run only cases whose `suite::case` id contains this text (repeatable).
    #[arg(long, value_name = "TEXT")]
    pub filter: Vec<String>,
    /// Match --filter exactly.
    #[arg(long)]
    pub exact: bool,
    /// Run only cases with this tag (repeatable).
    #[arg(long, value_name = "TAG")]
    pub tag: Vec<String>,
    /// Leave out cases with this tag (repeatable).
    #[arg(long, value_name = "TAG")]
    pub exclude_tag: Vec<String>,
    /// Run the K-th of N deterministic shards, e.g. 1/4 (balanced by case count).
    #[arg(long, value_name = "K/N")]
    pub shard: Option<Shard>,
    /// Balance the shards by the case durations of a previous JSON report (its folder or
    /// report.json) instead of by case count.
    #[arg(long, value_name = "REPORT", requires = "shard", value_parser = read_shard_timings)]
    pub shard_timings: Option<ShardTimings>,
}

/// Case durations by id, read from a previous JSON report for `--shard-timings`.
pub type ShardTimings = std::sync::Arc<std::collections::HashMap<String, std::time::Duration>>;

fn read_shard_timings(s: &str) -> Result<ShardTimings, String> {
    sessconform::report::merge::case_durations(std::path::Path::new(s))
        .map(std::sync::Arc::new)
        .map_err(|e| e.to_string())
}

impl SelectArgs {
    pub fn selection(&self) -> Selection {
        Selection {
            filters: self.filter.clone(),
            exact: self.exact,
            tags: self.tag.clone(),
            exclude_tags: self.exclude_tag.clone(),
            shard: self.shard,
            shard_durations: self.shard_timings.clone(),
        }
    }
}

/// Where the APIs live.
#[derive(Debug, Args, Default, Clone)]
pub struct TargetArgs {
    /// Target file with base URLs, credentials, headers and vars per API (default: the embedded reference server).
    /// Repeat it to run against several targets at once and get a case × target matrix.
    #[arg(long, value_name = "FILE", env = "SESSCONFORM_TARGET")]
    pub target: Vec<PathBuf>,
    /// Base URL for every API (`URL`) or one (`API=URL`); repeatable (the environment variable
    /// takes several separated by commas).
    #[arg(
        long,
        value_name = "[API=]URL",
        env = "SESSCONFORM_BASE_URL",
        value_delimiter = ','
    )]
    pub base_url: Vec<String>,
}

/// `--var`, shared by `run` and `diff`.
#[derive(Debug, Args, Default, Clone)]
pub struct VarArgs {
    /// Set a variable, overriding suite defaults and the target(s) (repeatable).
    #[arg(long = "var", value_name = "KEY=VALUE")]
    pub vars: Vec<String>,
}

impl VarArgs {
    /// The variables as JSON strings.
    pub fn parse(&self) -> Result<BTreeMap<String, serde_json::Value>, String> {
        parse_vars(&self.vars)
    }
}

/// How requests are sent, shared by `run` and `diff`.
#[derive(Debug, Args, Default, Clone)]
pub struct HttpArgs {
    /// Per-request timeout (e.g. 10s, 500ms).
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,
    /// Connect timeout.
    #[arg(long, default_value = "10s", value_parser = parse_duration)]
    pub connect_timeout: Duration,
    /// Largest response body accepted, in bytes (suffixes KiB, MiB allowed).
    #[arg(long, default_value = "10MiB", value_parser = parse_size)]
    pub body_cap: usize,
    /// Retries after a 429 response (honouring Retry-After).
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub max_retries: u32,
}

impl HttpArgs {
    /// The engine configuration for `jobs` cases in flight, every other setting at its default.
    pub fn config(&self, jobs: usize, vars: &VarArgs) -> Result<RunConfig, String> {
        if jobs == 0 {
            return Err("--jobs must be at least 1".to_owned());
        }
        Ok(RunConfig {
            jobs,
            timeout: self.timeout,
            connect_timeout: self.connect_timeout,
            body_cap: self.body_cap,
            retry: sessconform::http::RetryPolicy {
                max_retries: self.max_retries,
                ..Default::default()
            },
            vars: vars.parse()?,
            ..RunConfig::default()
        })
    }
}

#[derive(Debug, Clone, Copy, ValueEnum, Default, PartialEq, Eq)]
pub enum ColorChoice {
    #[default]
    Auto,
    Always,
    Never,
}

/// `--report-exchanges`: which cases' requests and responses the reports carry.
#[derive(Debug, Clone, Copy, ValueEnum, Default, PartialEq, Eq)]
pub enum ExchangesChoice {
    /// Cases that failed, errored or warned.
    #[default]
    Failed,
    /// Every case (reports grow with the passing cases).
    All,
}

#[derive(Debug, Clone, Copy, ValueEnum, Default, PartialEq, Eq)]
pub enum OutputFormat {
    /// One line per case, then failure details.
    #[default]
    Human,
    /// Human output plus GitHub Actions `::error` annotations (automatic under GITHUB_ACTIONS=true).
    Github,
}

/// `run` options.
#[derive(Debug, Args, Default, Clone)]
pub struct RunArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub vars: VarArgs,
    #[command(flatten)]
    pub select: SelectArgs,
    /// Cases in flight at once.
    #[arg(long, short = 'j', default_value_t = 16, value_name = "N")]
    pub jobs: usize,
    #[command(flatten)]
    pub http: HttpArgs,
    /// Stop starting new cases after the first failure.
    #[arg(long)]
    pub fail_fast: bool,
    /// Treat every warning as a failure (the bar for mocks and compatible servers).
    #[arg(long, env = "SESSCONFORM_STRICT", value_parser = clap::builder::BoolishValueParser::new())]
    pub strict: bool,
    /// Write snapshot files instead of failing on differences.
    #[arg(long)]
    pub update_snapshots: bool,
    /// A skipped case fails the gate (exit 3): a run that tested nothing is never green.
    #[arg(long, conflicts_with = "max_skipped", env = "SESSCONFORM_FAIL_ON_SKIP", value_parser = clap::builder::BoolishValueParser::new())]
    pub fail_on_skip: bool,
    /// More than N skipped cases fail the gate (exit 3).
    #[arg(long, value_name = "N")]
    pub max_skipped: Option<usize>,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Console style and report files, shared by `run` and `diff`.
#[derive(Debug, Args, Default, Clone)]
pub struct OutputArgs {
    /// Colours: auto (terminal and no NO_COLOR), always, never.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
    /// Console format (`github` adds `::error` annotations, automatic under GITHUB_ACTIONS=true).
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
    /// Print only failing cases, their details and the summary (no line per passing case).
    #[arg(long, short = 'q', conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print each passing case's warnings in place, in full (by default they are listed once at
    /// the end).
    #[arg(long, short = 'v')]
    pub verbose: bool,
    /// Write a JUnit XML report.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write a JSON report.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,
    /// Write a self-contained HTML report.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Write junit.xml, report.json and index.html into DIR.
    #[arg(long, value_name = "DIR")]
    pub reports: Option<PathBuf>,
    /// Which cases' exchanges (requests, responses, curl) the reports carry.
    #[arg(long, value_enum, default_value_t = ExchangesChoice::Failed, value_name = "WHICH")]
    pub report_exchanges: ExchangesChoice,
}

impl OutputArgs {
    /// The report files asked for, their folders created so a bad path fails before anything runs.
    pub fn report_files(&self) -> Result<sessconform::report::FileReporter, String> {
        use sessconform::report::{FileReporter, ReportFormat};
        let mut files = FileReporter::new();
        files.set_exchanges(self.exchanges());
        if let Some(dir) = &self.reports {
            files.add_dir(dir);
        }
        for (format, path) in [
            (ReportFormat::Junit, &self.junit),
            (ReportFormat::Json, &self.json),
            (ReportFormat::Html, &self.html),
        ] {
            if let Some(p) = path {
                files.add(format, p);
            }
        }
        files.prepare().map_err(|e| e.to_string())?;
        Ok(files)
    }

    /// Which cases' exchanges the reports carry.
    pub fn exchanges(&self) -> sessconform::report::ReportExchanges {
        match self.report_exchanges {
            ExchangesChoice::Failed => sessconform::report::ReportExchanges::Failed,
            ExchangesChoice::All => sessconform::report::ReportExchanges::All,
        }
    }

    /// How much the console says: `--quiet`, `--verbose` or normal.
    pub fn verbosity(&self) -> sessconform::report::console::Verbosity {
        use sessconform::report::console::Verbosity;
        if self.quiet {
            Verbosity::Quiet
        } else if self.verbose {
            Verbosity::Verbose
        } else {
            Verbosity::Normal
        }
    }

    /// GitHub annotations: asked for, or running under GitHub Actions.
    pub fn github(&self) -> bool {
        self.format == OutputFormat::Github
            || std::env::var("GITHUB_ACTIONS").is_ok_and(|v| v == "true")
    }
}

impl RunArgs {
    /// The engine configuration.
    pub fn config(&self) -> Result<RunConfig, String> {
        Ok(RunConfig {
            fail_fast: self.fail_fast,
            strict: self.strict,
            update_snapshots: self.update_snapshots,
            max_skipped: if self.fail_on_skip {
                Some(0)
            } else {
                self.max_skipped
            },
            passing_exchanges: self.output.report_exchanges == ExchangesChoice::All,
            ..self.http.config(self.jobs, &self.vars)?
        })
    }
}

/// `list` options.
#[derive(Debug, Args, Clone)]
pub struct ListArgs {
    #[command(flatten)]
    pub input: InputArgs,
    #[command(flatten)]
    pub select: SelectArgs,
}

/// `lint` options.
#[derive(Debug, Args, Clone)]
pub struct LintArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Also check a target file.
    #[arg(long, value_name = "FILE")]
    pub target: Option<PathBuf>,
}

/// `validate` options.
#[derive(Debug, Args, Clone)]
pub struct ValidateArgs {
    /// Schema id, e.g. stytch/sessions-get-response.
    #[arg(long, value_name = "ID")]
    pub schema: String,
    /// Add a folder of JSON Schemas (repeatable).
    #[arg(long, value_name = "DIR")]
    pub specs: Vec<PathBuf>,
    /// JSON files to validate.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Largest file accepted, in bytes (suffixes KiB, MiB allowed); like `run --body-cap`.
    #[arg(long, default_value = "10MiB", value_parser = parse_size)]
    pub body_cap: usize,
}

#[cfg(feature = "server")]
/// `serve` options.
#[derive(Debug, Args, Clone)]
pub struct ServeArgs {
    /// Address to bind.
    #[arg(long, default_value = "127.0.0.1:4010")]
    pub addr: std::net::SocketAddr,
    /// Write a target file for `sessconform run --target FILE`.
    #[arg(long, value_name = "FILE")]
    pub target_out: Option<PathBuf>,
    /// Per-credential rate limit, N requests per SECS seconds (off by default).
    #[arg(long, value_name = "N/SECS")]
    pub rate_limit: Option<String>,
    /// Inject a deliberate contract deviation (repeatable; also listed in docs/mock.md).
    #[arg(long, value_name = "NAME", value_parser = fault_names())]
    pub fault: Vec<String>,
    /// Serve HTTPS with a certificate for localhost/127.0.0.1/::1 from a CA generated at start
    /// (the Stytch SDKs require an https base URL).
    #[arg(long)]
    pub tls: bool,
    /// Write the CA certificate (PEM) to FILE, for NODE_EXTRA_CA_CERTS, REQUESTS_CA_BUNDLE, SSL_CERT_FILE.
    #[arg(long, value_name = "FILE", requires = "tls")]
    pub ca_out: Option<PathBuf>,
    /// Close a connection whose request head (headers) is not complete this long after it
    /// opened (or, kept alive, after the next request's first byte); also bounds the TLS
    /// handshake. Stops slow and half-open clients.
    #[arg(long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub header_timeout: Duration,
    /// Close a connection on which no byte moves for this long: kept alive between requests,
    /// a stalled request body, a response the client does not read.
    #[arg(long, value_name = "DURATION", default_value = "60s", value_parser = parse_duration)]
    pub idle_timeout: Duration,
}

/// `--fault` names and what each changes, from the server's one list of faults.
#[cfg(feature = "server")]
fn fault_names() -> clap::builder::PossibleValuesParser {
    use sessconform::server::Fault;
    Fault::ALL
        .iter()
        .map(|f| clap::builder::PossibleValue::new(f.name()).help(f.description()))
        .collect::<Vec<_>>()
        .into()
}

fn parse_duration(s: &str) -> Result<Duration, sessconform::case::DurationError> {
    sessconform::case::parse_duration(s)
}

fn parse_size(s: &str) -> Result<usize, String> {
    let t = s.trim();
    let (num, mult) = if let Some(n) = t.strip_suffix("MiB") {
        (n, 1024 * 1024)
    } else if let Some(n) = t.strip_suffix("KiB") {
        (n, 1024)
    } else if let Some(n) = t.strip_suffix('B') {
        (n, 1)
    } else {
        (t, 1)
    };
    let n: usize = num
        .trim()
        .parse()
        .map_err(|_| format!("invalid size `{s}` (e.g. 10MiB, 512KiB, 1000000)"))?;
    n.checked_mul(mult)
        .ok_or_else(|| format!("size `{s}` is too large"))
}

fn parse_vars(items: &[String]) -> Result<BTreeMap<String, serde_json::Value>, String> {
    let mut out = BTreeMap::new();
    for item in items {
        let (k, v) = item
            .split_once('=')
            .ok_or_else(|| format!("invalid --var `{item}`: use KEY=VALUE"))?;
        if k.trim().is_empty() {
            return Err(format!("invalid --var `{item}`: empty name"));
        }
        out.insert(k.trim().to_owned(), serde_json::Value::String(v.to_owned()));
    }
    Ok(out)
}
