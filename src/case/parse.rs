//! YAML text → the raw suite model, using every core on large files.
//!
//! A YAML parser reads one file on one core, and a 2,000-case file takes tens of milliseconds,
//! all of it before the first request. A file whose top-level `cases:` is a plain block sequence
//! is therefore cut at item boundaries into pieces that parse on their own and in parallel. Each
//! piece keeps its lines at their original line numbers (the text before it becomes empty lines),
//! so every location is what a whole-file parse gives. Files that define anchors are not cut (an
//! alias may point into another piece). If the header or any piece fails to parse alone, the
//! whole file goes through the ordinary single parse: results and diagnostics never depend on
//! the cut.
//!
//! [`parse_suites`] is the first half of loading: read a source's files and parse the first batch
//! of them ([`BATCH_BYTES`]); `compile_suites` parses each further batch just before compiling it.

use std::path::PathBuf;
use std::sync::Arc;

use serde::Deserialize;

use super::discover::{CaseFile, SuiteSource, read_sources};
use super::raw::{RawCase, RawSuite};
use crate::diagnostic::{LoadError, yaml_error};
use crate::source::SourceFile;

/// Files smaller than this are parsed whole: splitting would cost more than it saves.
pub(super) const MIN_SPLIT_BYTES: usize = 32 * 1024;

/// Case files read and parsed, not yet checked against the schema store (see [`load_suites`](super::load_suites);
/// the two halves let a caller load schemas on another core meanwhile).
pub struct ParsedSuites {
    pub(super) files: Vec<ParsedFile>,
}

/// One case file and its raw suite (or why its YAML does not parse); `None` until parsed.
pub(super) struct ParsedFile {
    pub(super) file: Arc<SourceFile>,
    pub(super) dir: Option<PathBuf>,
    pub(super) raw: Option<Result<RawSuite, LoadError>>,
}

/// YAML text parsed at once. A raw case takes about 18 times the memory of its text, so a big
/// source is parsed a batch of files at a time, each batch compiled (and its raw form dropped)
/// before the next is parsed: parse_suites parses the first batch, `compile_suites` the rest.
/// A single file larger than this is one batch (parsed on every core, in pieces).
pub(super) const BATCH_BYTES: usize = 4 * 1024 * 1024;

/// Parses the unparsed files from `files[from]` on that fit in `budget` bytes of text (at least
/// one file), in place.
pub(super) fn parse_batch(files: &mut [ParsedFile], from: usize, budget: usize) {
    let mut end = from;
    let mut bytes = 0;
    while end < files.len() && files[end].raw.is_none() {
        let len = files[end].file.text.len();
        if end > from && bytes + len > budget {
            break;
        }
        bytes += len;
        end += 1;
    }
    let batch = &mut files[from..end];
    let texts: Vec<&str> = batch.iter().map(|f| f.file.text.as_str()).collect();
    let raws = raw_suites(&texts);
    drop(texts);
    for (f, raw) in batch.iter_mut().zip(raws) {
        f.raw = Some(raw.map_err(|e| yaml_error(&f.file, &e)));
    }
}

/// Reads every case file of `source` and parses the YAML of the first batch of them (large
/// files on several cores; see [`BATCH_BYTES`] for the rest).
pub fn parse_suites(source: &SuiteSource) -> Result<ParsedSuites, LoadError> {
    let files = read_sources(source)?;
    if files.is_empty() {
        if let SuiteSource::Paths(p) = source {
            let names: Vec<String> = p.iter().map(|p| p.display().to_string()).collect();
            return Err(LoadError::single(
                &names.join(", "),
                "no case files (*.yaml, *.yml) found",
            ));
        }
    }
    let mut files: Vec<ParsedFile> = files
        .into_iter()
        .map(|CaseFile { name, dir, text }| ParsedFile {
            file: SourceFile::new(name, text),
            dir,
            raw: None,
        })
        .collect();
    if !files.is_empty() {
        parse_batch(&mut files, 0, BATCH_BYTES);
    }
    Ok(ParsedSuites { files })
}

/// Parses each text (in order) into a raw suite, spreading the work over the cores.
pub(crate) fn raw_suites(texts: &[&str]) -> Vec<Result<RawSuite, serde_saphyr::Error>> {
    // More pieces than cores: threads that finish early (or share a core with the schema
    // loader) take the next piece.
    raw_suites_with(texts, 4 * crate::par::threads(), MIN_SPLIT_BYTES)
}

fn raw_suites_with(
    texts: &[&str],
    pieces_per_file: usize,
    min_split_bytes: usize,
) -> Vec<Result<RawSuite, serde_saphyr::Error>> {
    let splits: Vec<Option<Split>> = texts
        .iter()
        .map(|t| worth_splitting(t, min_split_bytes).then(|| split(t, pieces_per_file))?)
        .collect();
    let mut units: Vec<Unit<'_>> = Vec::new();
    for (text, split) in texts.iter().zip(&splits) {
        match split {
            Some(s) => {
                units.push(Unit::Header(&s.header, s.header_nodes));
                units.extend(
                    s.pieces
                        .iter()
                        .zip(&s.nodes)
                        .map(|(p, n)| Unit::Piece(p, *n)),
                );
            }
            None => units.push(Unit::Whole(text)),
        }
    }

    let mut parsed = crate::par::map(&units, Unit::parse).into_iter();
    let mut out = Vec::with_capacity(texts.len());
    for (text, split) in texts.iter().zip(&splits) {
        let Some(split) = split else {
            out.push(match parsed.next() {
                Some(Parsed::Suite(r)) => r,
                _ => whole(text),
            });
            continue;
        };
        let header = parsed.next();
        let pieces: Vec<Parsed> = parsed.by_ref().take(split.pieces.len()).collect();
        out.push(assemble(header, pieces).map_or_else(|| whole(text), Ok));
    }
    out
}

/// YAML nodes (mappings, sequences, scalars) one case file may hold, and twice that in parser
/// events. A property of the file: a split file's pieces share it in proportion to their size,
/// so whether a file loads never depends on the core count or on an anchor preventing the cut.
pub const MAX_NODES: usize = 250_000;

/// The smallest node budget a split file's header gets (see [`cut`]).
const MIN_HEADER_NODES: usize = 4_096;

/// Parses one text as a whole.
pub(crate) fn whole(text: &str) -> Result<RawSuite, serde_saphyr::Error> {
    serde_saphyr::from_str_with_options(text, options(file_budget(text.len())))
}

/// The node budget of a file of `len` bytes: [`MAX_NODES`], or one node per 6 bytes for larger
/// files (hand-written and generated suites have one per 7 to 8 bytes), so big suites load
/// while a file stays bounded by its size. Aliases and anchors keep serde-saphyr's fixed
/// limits: those are what a YAML bomb needs, and they do not grow with the file.
pub(super) fn file_budget(len: usize) -> usize {
    MAX_NODES.max(len / 6)
}

pub(super) fn options(max_nodes: usize) -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    options.with_snippet = false;
    let mut budget = serde_saphyr::Budget::default();
    budget.max_nodes = max_nodes;
    budget.max_events = max_nodes.saturating_mul(4);
    options.budget = Some(budget);
    options
}

/// The header's suite with every piece's cases appended, if all of them parsed.
fn assemble(header: Option<Parsed>, pieces: Vec<Parsed>) -> Option<RawSuite> {
    let Some(Parsed::Suite(Ok(mut suite))) = header else {
        return None;
    };
    for piece in pieces {
        let Parsed::Cases(Ok(cases)) = piece else {
            return None;
        };
        suite.cases.extend(cases.cases);
    }
    Some(suite)
}

/// One unit of parallel work.
enum Unit<'a> {
    Whole(&'a str),
    /// A split file's header or piece, with its share of the file's node budget.
    Header(&'a str, usize),
    Piece(&'a str, usize),
}

// One value per parse unit, moved once into the result: the size difference costs nothing.
#[allow(clippy::large_enum_variant)]
enum Parsed {
    Suite(Result<RawSuite, serde_saphyr::Error>),
    Cases(Result<RawCases, serde_saphyr::Error>),
}

impl Unit<'_> {
    fn parse(&self) -> Parsed {
        match self {
            Unit::Whole(t) => Parsed::Suite(whole(t)),
            Unit::Header(t, nodes) => {
                Parsed::Suite(serde_saphyr::from_str_with_options(t, options(*nodes)))
            }
            Unit::Piece(t, nodes) => {
                Parsed::Cases(serde_saphyr::from_str_with_options(t, options(*nodes)))
            }
        }
    }
}

/// A piece of a split file: only its `cases:` items.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCases {
    pub(super) cases: Vec<RawCase>,
}

/// A file cut for parallel parsing.
#[derive(Debug, PartialEq)]
pub(super) struct Split {
    /// The file with `cases: []` in place of its items.
    pub(super) header: String,
    /// `cases:` plus a run of consecutive items, each at its original line.
    pub(super) pieces: Vec<String>,
    /// Each piece's share of the file's budget, in proportion to its bytes: when every piece and
    /// the header parse within their shares, the whole file is within the budget too.
    pub(super) nodes: Vec<usize>,
    /// The header's share.
    pub(super) header_nodes: usize,
}

/// Cuts `text` into a header and up to `pieces` pieces, or `None` when the file's shape is not
/// the plain one this handles (then it is parsed whole).
pub(super) fn split(text: &str, pieces: usize) -> Option<Split> {
    let cut = cut(text, pieces)?;
    Some(Split {
        pieces: cut.pieces.iter().map(|p| p.text(text)).collect(),
        nodes: cut.pieces.iter().map(|p| p.nodes).collect(),
        header: cut.header,
        header_nodes: cut.header_nodes,
    })
}

/// Where [`split`] cuts a file, without the pieces' text: a streamed file builds each piece
/// only when it is loaded (a piece's text starts with one empty line per line before it).
pub(super) struct Cut {
    /// The file with `cases: []` in place of its items.
    pub(super) header: String,
    /// The header's share of the node budget.
    pub(super) header_nodes: usize,
    /// The pieces, in order.
    pub(super) pieces: Vec<PieceAt>,
}

/// One piece of a [`Cut`].
#[derive(Debug, Clone, Copy)]
pub(super) struct PieceAt {
    /// Line index of `cases:`.
    key: usize,
    /// Line index of the piece's first item.
    from: usize,
    /// Byte range of its items.
    bytes: (usize, usize),
    /// Its share of the file's node budget.
    pub(super) nodes: usize,
}

impl PieceAt {
    /// The piece's text: `cases:` and its items, each at its original line.
    pub(super) fn text(&self, text: &str) -> String {
        let mut piece = String::with_capacity(self.from + 8 + self.bytes.1 - self.bytes.0);
        piece.push_str(&"\n".repeat(self.key));
        piece.push_str("cases:\n");
        piece.push_str(&"\n".repeat(self.from - self.key - 1));
        piece.push_str(&text[self.bytes.0..self.bytes.1]);
        piece
    }
}

/// Where to cut `text` into a header and up to `pieces` pieces (see [`split`]).
pub(super) fn cut(text: &str, pieces: usize) -> Option<Cut> {
    if pieces < 2 {
        return None;
    }
    let lines: Vec<(usize, &str)> = line_starts(text);
    // Several documents or directives: leave it to the parser.
    if lines
        .iter()
        .any(|(_, l)| l.starts_with("---") || l.starts_with("...") || l.starts_with('%'))
    {
        return None;
    }
    let mut cases_lines = lines.iter().enumerate().filter(|(_, (_, l))| {
        l.strip_prefix("cases:")
            .map(str::trim_start)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('#'))
    });
    let (key, _) = cases_lines.next()?;
    if cases_lines.next().is_some() {
        return None;
    }
    let first = (key + 1..lines.len()).find(|&i| is_content(lines[i].1))?;
    let indent = leading_spaces(lines[first].1);
    let is_item = |l: &str| {
        leading_spaces(l) == indent && {
            let rest = &l[indent..];
            rest == "-" || rest.starts_with("- ")
        }
    };
    let mut items = Vec::new();
    let mut end = lines.len();
    for (i, (_, l)) in lines.iter().enumerate().skip(first) {
        if !is_content(l) {
            continue;
        }
        if is_item(l) {
            items.push(i);
            continue;
        }
        match leading_spaces(l) {
            lead if lead > indent => {}
            0 => {
                end = i;
                break;
            }
            // Anything else is not the plain shape (or not valid YAML): the parser decides.
            _ => return None,
        }
    }
    let count = pieces.min(items.len());
    if count < 2 {
        return None;
    }
    let byte_at = |line: usize| lines.get(line).map_or(text.len(), |(b, _)| *b);
    let share = |bytes: usize| {
        // Rounded down, so the shares never add up to more than the file's budget.
        let budget = file_budget(text.len());
        let nodes = budget as u128 * bytes as u128 / (text.len().max(1) as u128);
        usize::try_from(nodes).unwrap_or(budget)
    };
    let mut piece_bytes = 0;
    let pieces = (0..count)
        .map(|k| {
            let from = items[k * items.len() / count];
            let to = items
                .get((k + 1) * items.len() / count)
                .copied()
                .unwrap_or(end);
            piece_bytes += byte_at(to) - byte_at(from);
            PieceAt {
                key,
                from,
                bytes: (byte_at(from), byte_at(to)),
                nodes: share(byte_at(to) - byte_at(from)),
            }
        })
        .collect();
    // At least a few thousand nodes: a header of three keys is a few dozen bytes, and its
    // proportional share (a handful of nodes) would refuse it, sending every big file to the
    // single-core whole-file parse. The slack over the file's budget is this constant, not a
    // multiple of anything a file controls.
    let header_nodes = share(text.len() - piece_bytes).max(MIN_HEADER_NODES);
    let mut header = text[..byte_at(key)].to_owned();
    header.push_str("cases: []");
    header.push_str(&"\n".repeat(end - key));
    header.push_str(&text[byte_at(end)..]);
    Some(Cut {
        header,
        header_nodes,
        pieces,
    })
}

/// Whether cutting the file is likely to pay: it is large, and no piece can refer to another
/// (an alias into another piece makes that piece fail alone). A file that may define an anchor
/// *and* may use an alias is parsed whole; an anchor nothing refers to (`Tom &Jerry` in a
/// description) does not stop the cut.
pub(super) fn worth_splitting(text: &str, min_bytes: usize) -> bool {
    text.len() >= min_bytes && !(defines_anchor(text) && uses_alias(text))
}

/// Whether the text may define a YAML anchor (`&name` at the start of a value). Errs towards
/// yes: `&` after whitespace, a line start, a flow indicator or `:`, and followed by a name
/// character.
fn defines_anchor(text: &str) -> bool {
    may_start_node_with(text, b'&')
}

/// Whether the text may use a YAML alias (`*name` at the start of a value); errs towards yes
/// like [`defines_anchor`].
fn uses_alias(text: &str) -> bool {
    may_start_node_with(text, b'*')
}

fn may_start_node_with(text: &str, indicator: u8) -> bool {
    let bytes = text.as_bytes();
    bytes.iter().enumerate().any(|(i, &b)| {
        b == indicator
            && (i == 0
                || matches!(
                    bytes[i - 1],
                    b' ' | b'\t' | b'\n' | b'\r' | b'[' | b'{' | b',' | b':'
                ))
            && bytes.get(i + 1).is_some_and(|c| !c.is_ascii_whitespace())
    })
}

/// Each line's byte offset and text (without its `\n` or `\r\n`).
fn line_starts(text: &str) -> Vec<(usize, &str)> {
    let mut out = Vec::new();
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let body = line.strip_suffix('\n').unwrap_or(line);
        out.push((start, body.strip_suffix('\r').unwrap_or(body)));
        start += line.len();
    }
    out
}

fn leading_spaces(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// Whether the line holds YAML content (not blank, not only a comment).
fn is_content(line: &str) -> bool {
    let t = line.trim_start_matches(' ');
    !(t.is_empty() || t.starts_with('#'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_parse_in_batches_of_the_budget() {
        let file = |n: usize, text: &str| ParsedFile {
            file: SourceFile::new(format!("f{n}.yaml"), text),
            dir: None,
            raw: None,
        };
        let ok = "suite: s\napi: a\ncases:\n  - name: one\n    request: {path: /1}\n";
        let mut files = vec![file(0, ok), file(1, ok), file(2, "suite: [\n"), file(3, ok)];
        // Two files fit in the budget: the first batch is files 0 and 1.
        parse_batch(&mut files, 0, 2 * ok.len());
        let parsed: Vec<bool> = files.iter().map(|f| f.raw.is_some()).collect();
        assert_eq!(parsed, [true, true, false, false]);
        // A budget smaller than one file still parses that file; a bad file's error names it.
        parse_batch(&mut files, 2, 1);
        let parsed: Vec<bool> = files.iter().map(|f| f.raw.is_some()).collect();
        assert_eq!(parsed, [true, true, true, false]);
        match &files[2].raw {
            Some(Err(e)) => assert!(e.to_string().contains("f2.yaml"), "{e}"),
            _ => panic!("file 2 must fail to parse"),
        }
        parse_batch(&mut files, 3, BATCH_BYTES);
        assert!(matches!(&files[3].raw, Some(Ok(s)) if s.cases.len() == 1));
    }

    const SUITE: &str = "\
# leading comment
suite: s
api: a
cases:
  # a comment line
  - name: one
    request: {path: /1}

  - name: two
    request:
      path: /2
  - name: three
    request: {path: /3}
  - name: four
    request: {path: /4}
tags: [t]
";

    #[test]
    fn pieces_keep_line_numbers_and_the_header_keeps_the_rest() {
        let s = split(SUITE, 2).unwrap();
        assert_eq!(s.pieces.len(), 2);
        for piece in &s.pieces {
            assert_eq!(piece.lines().nth(3), Some("cases:"));
        }
        assert_eq!(s.pieces[0].lines().nth(5), Some("  - name: one"));
        assert_eq!(s.pieces[1].lines().nth(11), Some("  - name: three"));
        assert!(!s.pieces[1].contains("one"));
        assert_eq!(s.header.lines().count(), SUITE.lines().count());
        assert_eq!(s.header.lines().nth(3), Some("cases: []"));
        assert_eq!(s.header.lines().nth(15), Some("tags: [t]"));
    }

    /// The suite's debug form without byte offsets (pieces keep lines and columns, which is
    /// all the loader reads, but not offsets).
    fn lines_and_columns(suite: &RawSuite) -> String {
        let offsets = regex::Regex::new(r"span: Span \{[^}]*\}, ").unwrap();
        offsets.replace_all(&format!("{suite:?}"), "").into_owned()
    }

    #[test]
    fn the_node_budget_is_the_files_whatever_the_cut() {
        // About 7 nodes per case: the whole file is over the budget, each of 4 pieces is not.
        let mut text = String::from("suite: big\napi: a\ncases:\n");
        for i in 0..40_000 {
            text.push_str(&format!("  - name: c{i}\n    request: {{path: /x}}\n"));
        }
        let whole = super::whole(&text).map(|_| ()).map_err(|e| e.to_string());
        assert!(whole.is_err(), "the file is over the budget");
        for pieces in [1, 2, 4, 8] {
            let got = raw_suites_with(&[&text], pieces, 1024).remove(0);
            assert_eq!(
                got.map(|_| ()).map_err(|e| e.to_string()),
                whole,
                "{pieces} pieces"
            );
        }
        // Under the budget, every cut loads it.
        let small: String = text
            .lines()
            .take(3 + 2 * 20_000)
            .map(|l| format!("{l}\n"))
            .collect();
        for pieces in [1, 4] {
            assert!(raw_suites_with(&[&small], pieces, 1024).remove(0).is_ok());
        }
    }

    #[test]
    fn split_parse_equals_whole_parse() {
        let whole = lines_and_columns(&super::whole(SUITE).unwrap());
        assert!(whole.contains("line: 15, column: 21"), "{whole}");
        for n in 2..=4 {
            let s = split(SUITE, n).unwrap();
            let header = Unit::Header(&s.header, s.header_nodes).parse();
            let pieces = s
                .pieces
                .iter()
                .zip(&s.nodes)
                .map(|(p, n)| Unit::Piece(p, *n).parse())
                .collect();
            let split = assemble(Some(header), pieces).unwrap();
            assert_eq!(lines_and_columns(&split), whole, "{n} pieces");
        }
    }

    /// Cuts `text` into `pieces`, parses them alone and assembles the suite; `None` when a piece
    /// or the header does not parse alone (the pipeline then parses the file whole).
    fn parse_split(text: &str, pieces: usize) -> Option<RawSuite> {
        let s = split(text, pieces)?;
        let header = Unit::Header(&s.header, s.header_nodes).parse();
        let parsed = s
            .pieces
            .iter()
            .zip(&s.nodes)
            .map(|(p, n)| Unit::Piece(p, *n).parse())
            .collect();
        assemble(Some(header), parsed)
    }

    #[test]
    fn the_repository_suites_parse_the_same_split_or_whole() {
        for f in ["stytch.yaml", "stytch-b2b.yaml", "clerk.yaml"] {
            let text = std::fs::read_to_string(format!("cases/{f}")).unwrap();
            let whole = lines_and_columns(&super::whole(&text).unwrap());
            for pieces in [2, 3, 5, 40] {
                assert!(split(&text, pieces).is_some(), "{f} has the plain shape");
                // A piece may fail alone (an alias into another piece); one that parses must
                // give exactly the whole-file result.
                if let Some(got) = parse_split(&text, pieces) {
                    assert_eq!(lines_and_columns(&got), whole, "{f} in {pieces} pieces");
                }
                let got = raw_suites_with(&[&text], pieces, 0).pop().unwrap().unwrap();
                assert_eq!(lines_and_columns(&got), whole, "{f} through the pipeline");
            }
        }
        // Our suites alias across cases, so they mostly exercise the fallback; `RICH` below is
        // the real-split counterpart.
    }

    /// Every construct a case file tends to use, with no anchors: it splits for real.
    const RICH: &str = "\
suite: rich
api: a
vars:
  token: {default: abc, secret: true}
cases:
  - name: block scalars
    description: |
      first line
        indented line

      after a blank line
    request:
      method: POST
      path: /x
      json:
        note: >-
          folded
          text
        list:
          - 1
          - - nested
            - [2, 3]
  - name: \"quoted: name\"
    request: {path: '/y?a=1&b=2', headers: {X-A: \"b\"}}
    expect:
      status: [200, 4xx]
      assert:
        - {path: \"$.items[*].id\", unique: true}
        - path: $.n
          equals: 1
  # a comment between items
  - name: steps
    steps:
      - name: first
        request: {path: /a}
        capture: {sid: $.id}
      - request:
          path: /b/${sid}
        expect: {status: 204}
  -   name: odd spacing after the dash
      request: {path: /z}
tags: [r]
";

    #[test]
    fn varied_files_split_at_every_piece_count_equal_the_whole_parse() {
        let whole = lines_and_columns(&super::whole(RICH).unwrap());
        for pieces in 2..=4 {
            let got = parse_split(RICH, pieces).unwrap_or_else(|| panic!("{pieces} pieces"));
            assert_eq!(lines_and_columns(&got), whole, "{pieces} pieces");
        }
        assert!(worth_splitting(RICH, 0));
    }

    #[test]
    fn unusual_shapes_are_not_split() {
        for text in [
            "suite: s\napi: a\ncases: [{name: x}, {name: y}]\n",
            "---\nsuite: s\ncases:\n  - name: x\n  - name: y\n",
            "suite: s\ncases:\n  - name: x\n nested: 1\n  - name: y\n",
            "suite: s\ncases:\n  - name: x\ncases:\n  - name: y\n",
            "suite: s\ncases:\n  - name: only\n",
        ] {
            assert_eq!(split(text, 4), None, "{text}");
        }
        assert!(split("cases:\n- name: x\n- name: y\nsuite: s\n", 2).is_some());
        assert!(split("cases:\r\n  - name: x\r\n  - name: y\r\n", 2).is_some());
    }

    #[test]
    fn an_alias_into_another_piece_fails_the_split_and_the_file_parses_whole() {
        let mut text = String::from("suite: s\napi: a\ncases:\n");
        text.push_str("  - name: a\n    request: &req {path: /x}\n");
        for i in 0..2000 {
            text.push_str(&format!("  - name: c{i}\n    request: {{path: /y}}\n"));
        }
        text.push_str("  - name: last\n    request: *req\n");
        assert!(text.len() >= MIN_SPLIT_BYTES);
        assert!(split(&text, 2).is_some());
        assert!(
            parse_split(&text, 2).is_none(),
            "the last piece cannot resolve *req"
        );
        assert!(
            !worth_splitting(&text, MIN_SPLIT_BYTES),
            "anchored files are parsed whole"
        );
        let got = raw_suites(&[&text]).pop().unwrap().unwrap();
        assert_eq!(got.cases.len(), 2002);
        assert_eq!(format!("{got:?}"), format!("{:?}", whole(&text).unwrap()));
    }

    #[test]
    fn only_large_files_without_anchors_are_worth_splitting() {
        let text = "suite: s\ncases:\n  - name: a\n    request: &r {path: /x}\n  - name: b\n    request: *r\n";
        assert!(!worth_splitting(text, 0));
        let plain = text.replace('&', "").replace("*r", "{path: /y}");
        assert!(worth_splitting(&plain, 0));
        assert!(!worth_splitting(&plain, plain.len() + 1));
        assert!(defines_anchor("x: &a 1"));
        assert!(defines_anchor("- [&a 1]"));
        assert!(defines_anchor("x:\r&a 1"));
        assert!(defines_anchor("{\"x\":&a 1}"));
        assert!(!defines_anchor("path: /x?a=1&b=2"));
        assert!(!defines_anchor("a: b & c"));
        assert!(uses_alias("request: *r"));
        assert!(!uses_alias("matches: \".*\""));
        // An anchor nothing refers to does not stop the cut (a big file stays streamable).
        let prose = "suite: s\napi: a\ncases:\n  - name: a\n    request: {path: /x}\n  - name: b\n    request: {path: /y}\n  - name: c\n    description: Tom &Jerry\n    request: {path: /z}\n";
        assert!(defines_anchor(prose) && !uses_alias(prose));
        assert!(worth_splitting(prose, 0));
        assert!(split(prose, 2).is_some());
        let raw = raw_suites_with(&[prose], 2, 0).pop().unwrap().unwrap();
        assert_eq!(raw.cases.len(), 3);
    }

    #[test]
    fn errors_are_the_whole_file_errors() {
        let mut text = String::from("suite: s\napi: a\ncases:\n");
        for i in 0..2000 {
            text.push_str(&format!("  - name: c{i}\n    request: {{path: /x}}\n"));
        }
        text.push_str("  - name: bad\n    bogus: 1\n");
        let got = raw_suites(&[&text]).pop().unwrap().unwrap_err().to_string();
        let want = whole(&text).unwrap_err().to_string();
        assert_eq!(got, want);
    }

    #[test]
    fn a_big_generated_file_with_a_short_header_is_cut_and_its_header_parses_alone() {
        // The shape of generated suites: a three-key header and 20,000 small cases (2 MB).
        // The header's proportional share of the node budget was 3 nodes: its parse failed
        // and every such file went to the single-core whole-file parse.
        let mut text = String::from("suite: s\napi: a\ncases:\n");
        for i in 0..20_000 {
            text.push_str(&format!(
                "  - name: case {i}\n    request: {{path: /v1/x}}\n    expect: {{status: 200}}\n"
            ));
        }
        let cut = cut(&text, 16).unwrap();
        let header: Result<RawSuite, _> =
            serde_saphyr::from_str_with_options(&cut.header, options(cut.header_nodes));
        assert!(header.is_ok(), "{header:?}");
        for p in &cut.pieces {
            let piece: Result<RawCases, _> =
                serde_saphyr::from_str_with_options(&p.text(&text), options(p.nodes));
            assert_eq!(piece.map(|c| c.cases.len()).ok(), Some(1_250));
        }
    }
}
