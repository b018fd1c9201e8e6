//! A big run's case files, loaded a batch at a time as the run reaches them (a *streamed* run).
//!
//! [`load_suites`](super::load_suites) holds every case of a run at once: about 1.3 KB per
//! compiled case, plus the files' text. A million cases would take well over a gigabyte. A
//! [`CaseStream`] instead reads the files one after another and yields batches of about
//! [`STREAM_BATCH_BYTES`] of YAML, compiled: whole small files, or *pieces* of a big one (the
//! cut of `parse::split`, each piece a [`LoadedSuite`] with the file's header and a run of its
//! cases, at their original line numbers). What the whole-run loader checks across a file or
//! the run is checked across the stream too: suite names are unique, and case names within a
//! file (a piece's names are remembered as 64-bit hashes with their line, so a file of 100,000
//! cases costs about 2 MB while it streams).
//!
//! The price: a problem in a file is found when the stream reaches it, not before the run
//! starts. The engine stops the run there (exit 2); `sessconform lint` finds every problem
//! up front.

use std::collections::hash_map::DefaultHasher;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::sync::Arc;

use super::compile::compile_suite;
use super::discover::{LoadedSuite, case_paths, read_case_file};
use super::parse::{self, RawCases};
use super::raw::RawSuite;
use crate::diagnostic::{Diagnostic, LoadError, yaml_error};
use crate::schema::SchemaStore;
use crate::source::{SourceFile, Span};

/// YAML text per batch: about 5,000 small cases, compiled in about 10 MB.
pub const STREAM_BATCH_BYTES: usize = 512 * 1024;

/// A big file is cut into pieces of about this size, at most: eight per batch, parsed in
/// parallel.
const PIECE_BYTES: usize = STREAM_BATCH_BYTES / 8;

/// Case files loaded a batch at a time; an [`Iterator`] of compiled batches. After the first
/// error it yields nothing more.
pub struct CaseStream {
    schemas: Arc<SchemaStore>,
    /// Files not yet read, with their sizes.
    paths: VecDeque<(PathBuf, u64)>,
    open: Option<OpenFile>,
    /// Suite name → the file defining it and where (text, not a [`Span`]: a span would keep
    /// every file's text alive).
    suite_names: BTreeMap<String, (String, String)>,
    batch_bytes: usize,
    failed: bool,
}

/// A big file being streamed piece by piece.
struct OpenFile {
    file: Arc<SourceFile>,
    dir: Option<PathBuf>,
    /// The file's suite without its cases (parsed once, cloned into every piece).
    header: RawSuite,
    /// The pieces not yet loaded (their text is built when they are).
    pieces: VecDeque<parse::PieceAt>,
    /// The YAML node budget of each piece's parse: the file's.
    budget: usize,
    /// Hash of each case name loaded so far → where it is.
    names: HashMap<u64, (u32, u32)>,
}

/// One unit of a batch's parallel parse.
enum Job {
    /// A whole file.
    Whole(Arc<SourceFile>, Option<PathBuf>),
    /// A piece of the open file.
    Piece(String, usize),
}

// One value per job, moved once into the batch: the size difference costs nothing.
#[allow(clippy::large_enum_variant)]
enum Parsed {
    Suite(Result<RawSuite, LoadError>),
    Cases(Result<RawCases, serde_saphyr::Error>),
}

/// The total size of the case files under `paths` (how the CLI decides to stream a run).
pub fn source_bytes(paths: &[PathBuf]) -> Result<u64, LoadError> {
    Ok(case_paths(paths)?.iter().map(|(_, len)| len).sum())
}

impl CaseStream {
    /// Finds the case files under `paths` (files are read when the stream reaches them).
    pub fn open(paths: &[PathBuf], schemas: Arc<SchemaStore>) -> Result<Self, LoadError> {
        let files = case_paths(paths)?;
        if files.is_empty() {
            let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
            return Err(LoadError::single(
                &names.join(", "),
                "no case files (*.yaml, *.yml) found",
            ));
        }
        Ok(Self {
            schemas,
            paths: files.into_iter().collect(),
            open: None,
            suite_names: BTreeMap::new(),
            batch_bytes: STREAM_BATCH_BYTES,
            failed: false,
        })
    }

    /// The variables any suite of the stream declares `secret: true`, as `(api, name,
    /// default)`, found before the run by reading each file's header (only files that mention
    /// `secret` at all; a file that does not parse is left to the stream to report). A
    /// streamed run redacts them from its first batch on, as a run that loads everything does.
    pub fn declared_secrets(&self) -> Vec<(String, String, Option<serde_json::Value>)> {
        let mut out = Vec::new();
        for (path, _) in &self.paths {
            let Ok(cf) = read_case_file(path) else {
                continue;
            };
            if !cf.text.contains("secret") {
                continue;
            }
            let budget = parse::options(parse::file_budget(cf.text.len()));
            let header = match parse::cut(&cf.text, 2) {
                Some(cut) if parse::worth_splitting(&cf.text, 0) => {
                    serde_saphyr::from_str_with_options::<RawSuite>(&cut.header, budget)
                }
                _ => serde_saphyr::from_str_with_options::<RawSuite>(&cf.text, budget),
            };
            let Ok(raw) = header else {
                continue;
            };
            for (name, decl) in raw.vars {
                let serde_json::Value::Object(m) = decl.value else {
                    continue;
                };
                if m.get("secret") == Some(&serde_json::Value::Bool(true)) {
                    let default = m.get("default").filter(|d| !d.is_null()).cloned();
                    out.push((raw.api.value.trim().to_owned(), name, default));
                }
            }
        }
        out
    }

    /// Batches of about `bytes` of YAML instead of [`STREAM_BATCH_BYTES`] (tests).
    #[must_use]
    pub fn with_batch_bytes(mut self, bytes: usize) -> Self {
        self.batch_bytes = bytes.max(1);
        self
    }

    /// The next batch's jobs: pieces of the open file, then whole files or a newly opened big
    /// file's pieces, until the batch is full.
    fn jobs(&mut self) -> Result<Vec<Job>, LoadError> {
        let mut jobs = Vec::new();
        let mut bytes = 0;
        while bytes < self.batch_bytes {
            if let Some(open) = &mut self.open {
                match open.pieces.pop_front() {
                    Some(at) => {
                        let piece = at.text(&open.file.text);
                        bytes += piece.len();
                        jobs.push(Job::Piece(piece, open.budget));
                        continue;
                    }
                    None => {
                        if !jobs.is_empty() {
                            // Pieces of one file per batch: their names are checked in order.
                            break;
                        }
                        self.open = None;
                    }
                }
            }
            let piece_bytes = (self.batch_bytes / 8).clamp(1024, PIECE_BYTES);
            let split_min = parse::MIN_SPLIT_BYTES.max(2 * piece_bytes);
            let Some(&(_, len)) = self.paths.front() else {
                break;
            };
            if usize::try_from(len).unwrap_or(usize::MAX) >= split_min && !jobs.is_empty() {
                // A big file starts a batch of its own.
                break;
            }
            let Some((path, _)) = self.paths.pop_front() else {
                break;
            };
            let cf = read_case_file(&path)?;
            let file = SourceFile::new(cf.name, cf.text);
            let dir = cf.dir;
            let cut = if parse::worth_splitting(&file.text, split_min) {
                parse::cut(&file.text, (file.text.len() / piece_bytes).max(2))
            } else {
                None
            };
            let Some(cut) = cut else {
                bytes += file.text.len();
                jobs.push(Job::Whole(file, dir));
                continue;
            };
            // Each piece (and the header) may use the whole file's node budget: a piece is
            // parsed alone, so the budget still bounds every parse, and a file that loads whole
            // never fails in pieces because one stretch is denser than the file on average.
            let budget = parse::file_budget(file.text.len());
            let header = serde_saphyr::from_str_with_options::<RawSuite>(
                &cut.header,
                parse::options(budget),
            );
            match header {
                Ok(header) => {
                    self.open = Some(OpenFile {
                        file,
                        dir,
                        header,
                        pieces: cut.pieces.into_iter().collect(),
                        budget,
                        names: HashMap::new(),
                    });
                }
                // The whole file's parse gives the diagnostic a user expects.
                Err(_) => {
                    bytes += file.text.len();
                    jobs.push(Job::Whole(file, dir));
                }
            }
        }
        Ok(jobs)
    }

    fn batch(&mut self) -> Result<Vec<LoadedSuite>, LoadError> {
        let jobs = self.jobs()?;
        let parsed = crate::par::map(&jobs, |job| match job {
            Job::Whole(file, _) => {
                Parsed::Suite(parse::whole(&file.text).map_err(|e| yaml_error(file, &e)))
            }
            Job::Piece(text, nodes) => Parsed::Cases(serde_saphyr::from_str_with_options(
                text,
                parse::options(*nodes),
            )),
        });
        let mut out = Vec::with_capacity(jobs.len());
        let mut diagnostics: Vec<Diagnostic> = Vec::new();
        for (job, parsed) in jobs.into_iter().zip(parsed) {
            let loaded = match (job, parsed) {
                (Job::Whole(file, dir), Parsed::Suite(raw)) => raw
                    .and_then(|raw| compile_suite(Arc::clone(&file), raw, &self.schemas))
                    .map(|suite| LoadedSuite { suite, dir }),
                (Job::Piece(text, _), Parsed::Cases(cases)) => self.piece(text, cases),
                _ => Err(LoadError::single(
                    "case files",
                    "internal error: a batch's parse",
                )),
            };
            match loaded {
                Ok(l) => {
                    self.check_suite_name(&l, &mut diagnostics);
                    out.push(l);
                }
                Err(e) => {
                    // The pieces of a file share its header: report a header problem once.
                    let key = |d: &Diagnostic| {
                        (
                            d.file.clone(),
                            d.span.as_ref().map(|s| (s.line, s.col)),
                            d.message.clone(),
                        )
                    };
                    for d in e.diagnostics {
                        if !diagnostics.iter().any(|x| key(x) == key(&d)) {
                            diagnostics.push(d);
                        }
                    }
                }
            }
        }
        if diagnostics.is_empty() {
            Ok(out)
        } else {
            Err(LoadError { diagnostics })
        }
    }

    /// A piece of the open file, compiled with the file's header; its case names checked
    /// against the file's earlier pieces.
    fn piece(
        &mut self,
        text: String,
        cases: Result<RawCases, serde_saphyr::Error>,
    ) -> Result<LoadedSuite, LoadError> {
        let Some(open) = &mut self.open else {
            return Err(LoadError::single(
                "case files",
                "internal error: no open file",
            ));
        };
        let cases = match cases {
            Ok(c) => c,
            // The piece holds its lines at their places in the file: the location and the
            // quoted line are the file's (without parsing a file of up to 64 MiB whole).
            Err(e) => {
                return Err(yaml_error(
                    &SourceFile::new(open.file.name.clone(), text),
                    &e,
                ));
            }
        };
        let mut raw = open.header.clone();
        raw.cases = cases.cases;
        let suite = compile_suite(Arc::clone(&open.file), raw, &self.schemas)?;
        let mut diagnostics = Vec::new();
        for c in &suite.cases {
            let mut h = DefaultHasher::new();
            c.name.hash(&mut h);
            let at = (c.span.line, c.span.col);
            if let Some(&(line, col)) = open.names.get(&h.finish()) {
                if (line, col) != at {
                    let prev = Span {
                        file: Arc::clone(&open.file),
                        line,
                        col,
                    };
                    diagnostics.push(Diagnostic::at(
                        &c.span,
                        format!("duplicate case name `{}`", c.name),
                        Some(format!(
                            "first defined at {prev}; case names must be unique within a suite"
                        )),
                    ));
                }
            } else {
                open.names.insert(h.finish(), at);
            }
        }
        if !diagnostics.is_empty() {
            return Err(LoadError { diagnostics });
        }
        Ok(LoadedSuite {
            suite,
            dir: open.dir.clone(),
        })
    }

    fn check_suite_name(&mut self, l: &LoadedSuite, diagnostics: &mut Vec<Diagnostic>) {
        let span = Span::file_start(&l.suite.source);
        match self.suite_names.get(&l.suite.name) {
            Some((file, prev)) if *file != l.suite.source.name => {
                diagnostics.push(Diagnostic::at(
                    &span,
                    format!("duplicate suite name `{}`", l.suite.name),
                    Some(format!(
                        "also defined in {prev}; suite names must be unique"
                    )),
                ));
            }
            Some(_) => {}
            None => {
                self.suite_names.insert(
                    l.suite.name.clone(),
                    (l.suite.source.name.clone(), span.to_string()),
                );
            }
        }
    }
}

impl Iterator for CaseStream {
    type Item = Result<Vec<LoadedSuite>, LoadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        match self.batch() {
            Ok(b) if b.is_empty() => None,
            Ok(b) => Some(Ok(b)),
            Err(e) => {
                self.failed = true;
                Some(Err(e))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suite_text(name: &str, cases: usize, serial: bool) -> String {
        let mut y = format!("suite: {name}\napi: demo\nserial: {serial}\ntags: [t]\ncases:\n");
        for i in 0..cases {
            y.push_str(&format!(
                "  - name: case {i}\n    request: {{path: /v1/ok/{i}}}\n    expect: {{status: 200}}\n"
            ));
        }
        y
    }

    fn stream(dir: &std::path::Path, batch: usize) -> CaseStream {
        let schemas = Arc::new(SchemaStore::load_lazy(true, &[]).unwrap());
        CaseStream::open(&[dir.to_path_buf()], schemas)
            .unwrap()
            .with_batch_bytes(batch)
    }

    #[test]
    fn a_big_file_streams_in_pieces_with_every_case_in_order_at_its_line() {
        let dir = tempfile::tempdir().unwrap();
        // 5,000 cases (about 400 KB: cut into pieces), then two small files.
        std::fs::write(dir.path().join("a.yaml"), suite_text("big", 5_000, true)).unwrap();
        std::fs::write(dir.path().join("b.yaml"), suite_text("small", 3, false)).unwrap();
        std::fs::write(dir.path().join("c.yaml"), suite_text("other", 2, false)).unwrap();
        let batches: Vec<Vec<LoadedSuite>> = stream(dir.path(), 64 * 1024)
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(batches.len() >= 3, "{} batches", batches.len());
        let mut seen = Vec::new();
        for b in &batches {
            // A batch holds about its budget: one piece more at most.
            let cases: usize = b.iter().map(|l| l.suite.cases.len()).sum();
            assert!(cases <= 2 * 64 * 1024 / 60, "{cases} cases in one batch");
            for l in b {
                assert!(l.suite.serial == (l.suite.name == "big"));
                assert_eq!(l.suite.tags, ["t"]);
                for c in &l.suite.cases {
                    seen.push((c.id.clone(), c.span.line));
                }
            }
        }
        assert_eq!(seen.len(), 5_005);
        for (i, (id, line)) in seen.iter().take(5_000).enumerate() {
            assert_eq!(*id, format!("big::case {i}"));
            // The header is 5 lines; each case 3: every location is the whole file's.
            assert_eq!(*line as usize, 6 + 3 * i, "{id}");
        }
        assert_eq!(seen[5_000].0, "small::case 0");
        assert_eq!(seen[5_004].0, "other::case 1");
    }

    #[test]
    fn a_case_name_repeated_in_a_later_piece_is_refused_with_both_places() {
        let dir = tempfile::tempdir().unwrap();
        let mut text = suite_text("big", 5_000, false);
        text.push_str("  - name: case 7\n    request: {path: /again}\n");
        std::fs::write(dir.path().join("a.yaml"), &text).unwrap();
        let out: Vec<_> = stream(dir.path(), 64 * 1024).collect();
        let err = out
            .iter()
            .find_map(|b| b.as_ref().err())
            .expect("the duplicate is found");
        let msg = err.to_string();
        assert!(msg.contains("duplicate case name `case 7`"), "{msg}");
        assert!(msg.contains(":15006:") && msg.contains(":27:"), "{msg}");
        // Nothing after the error.
        assert!(out.last().unwrap().is_err());
    }

    #[test]
    fn a_suite_name_in_two_files_and_a_bad_file_are_refused_where_the_stream_reaches_them() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("a.yaml"), suite_text("same", 2, false)).unwrap();
        std::fs::write(dir.path().join("b.yaml"), suite_text("same", 2, false)).unwrap();
        let msg = stream(dir.path(), 1)
            .find_map(Result::err)
            .unwrap()
            .to_string();
        assert!(msg.contains("duplicate suite name `same`"), "{msg}");

        std::fs::write(
            dir.path().join("b.yaml"),
            "suite: b\napi: demo\ncases:\n  - name: [\n",
        )
        .unwrap();
        let mut s = stream(dir.path(), 1);
        assert!(matches!(s.next(), Some(Ok(b)) if b[0].suite.name == "same"));
        let msg = s.next().unwrap().unwrap_err().to_string();
        assert!(msg.contains("b.yaml:"), "{msg}");
        assert!(s.next().is_none());
    }

    #[test]
    fn a_broken_case_deep_in_a_big_file_is_located_in_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let text = suite_text("big", 5_000, false).replace(
            "request: {path: /v1/ok/4000}",
            "request: {path: [/v1/ok/4000}",
        );
        std::fs::write(dir.path().join("a.yaml"), &text).unwrap();
        let mut s = stream(dir.path(), 64 * 1024);
        let mut ran = 0;
        let err = loop {
            match s.next() {
                Some(Ok(b)) => ran += b.iter().map(|l| l.suite.cases.len()).sum::<usize>(),
                Some(Err(e)) => break e,
                None => panic!("the broken case must be found"),
            }
        };
        // The batches before it loaded; the error names the file and the case's line.
        assert!(ran > 1_000, "{ran}");
        let msg = err.to_string();
        assert!(msg.contains("a.yaml:12007:"), "{msg}");
        assert!(msg.contains("[/v1/ok/4000}"), "{msg}");
    }

    #[test]
    fn a_file_that_loads_whole_loads_in_pieces_however_dense_a_stretch_is() {
        // Wordy cases (a long comment: bytes, no nodes), then compact ones at about 5 bytes a
        // node: within the file's budget on average, over a piece's proportional share.
        let dir = tempfile::tempdir().unwrap();
        let mut text = String::from("suite: dense\napi: demo\ncases:\n");
        for i in 0..10_000 {
            text.push_str(&format!(
                "  - name: w{i}\n    request: {{path: /x}}\n  # {}\n",
                ".".repeat(150)
            ));
        }
        for i in 0..20_000 {
            text.push_str(&format!("  - name: c{i}\n    request: {{path: /x}}\n"));
        }
        std::fs::write(dir.path().join("a.yaml"), &text).unwrap();
        let schemas = SchemaStore::load_lazy(true, &[]).unwrap();
        let whole = crate::case::parse_suite("a.yaml", &text, &schemas);
        assert!(whole.is_ok(), "{:?}", whole.err().map(|e| e.to_string()));
        let cases: usize = stream(dir.path(), 64 * 1024)
            .map(|b| match b {
                Ok(b) => b.iter().map(|l| l.suite.cases.len()).sum::<usize>(),
                Err(e) => panic!("{e}"),
            })
            .sum();
        assert_eq!(cases, 30_000);
    }
}
