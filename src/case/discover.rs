//! Where case files come from: files and folders (searched for `*.yaml` / `*.yml`) or the
//! suites embedded in the binary, read with a size cap.

use std::path::{Path, PathBuf};

use super::model::Suite;
use crate::diagnostic::LoadError;

/// Largest case file accepted: 64 MiB. A file is held in memory once (diagnostics quote it)
/// while it is parsed in pieces; what parsing may expand is bounded separately by the YAML
/// budget (aliases, anchors, events: see `parse::options`), so a YAML bomb is refused however
/// small it is, and a big generated file loads.
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;

/// Where suites come from.
#[derive(Debug, Clone)]
pub enum SuiteSource {
    /// The suites embedded in the binary.
    Builtin,
    /// Files or directories (searched recursively for `*.yaml` / `*.yml`).
    Paths(Vec<PathBuf>),
}

/// A suite together with the directory its file lives in (for snapshots).
#[derive(Debug)]
pub struct LoadedSuite {
    /// The suite.
    pub suite: Suite,
    /// Directory of the case file; `None` for embedded suites.
    pub dir: Option<PathBuf>,
}

static BUILTIN_CASES: include_dir::Dir<'static> =
    include_dir::include_dir!("$CARGO_MANIFEST_DIR/cases");

/// One case file read from a source.
pub(crate) struct CaseFile {
    /// Display name: the path as given, or `builtin:cases/x.yaml`.
    pub(crate) name: String,
    /// Directory of the file; `None` for embedded files.
    pub(crate) dir: Option<PathBuf>,
    /// Its text.
    pub(crate) text: String,
}

/// Reads every case file of a source, sorted by name.
pub(crate) fn read_sources(source: &SuiteSource) -> Result<Vec<CaseFile>, LoadError> {
    match source {
        SuiteSource::Builtin => {
            let mut out = Vec::new();
            collect_builtin(&BUILTIN_CASES, &mut out);
            out.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(out)
        }
        SuiteSource::Paths(paths) => case_paths(paths)?
            .iter()
            .map(|(f, _)| read_case_file(f))
            .collect(),
    }
}

/// The case files under `paths` (files and folders searched for `*.yaml` / `*.yml`), sorted,
/// each once, with its size; a file over [`MAX_FILE_BYTES`] is refused before it is read.
pub(crate) fn case_paths(paths: &[PathBuf]) -> Result<Vec<(PathBuf, u64)>, LoadError> {
    let mut files = Vec::new();
    for p in paths {
        collect_files(p, &mut files)?;
    }
    files.sort();
    files.dedup();
    files
        .into_iter()
        .map(|f| {
            let name = f.display().to_string();
            let meta = std::fs::metadata(&f)
                .map_err(|e| LoadError::single(&name, format!("failed to read case file: {e}")))?;
            if meta.len() > MAX_FILE_BYTES as u64 {
                return Err(too_large(
                    &name,
                    usize::try_from(meta.len()).unwrap_or(usize::MAX),
                ));
            }
            Ok((f, meta.len()))
        })
        .collect()
}

/// Reads one case file (its size was checked by [`case_paths`]; a file that grew since is
/// refused all the same).
pub(crate) fn read_case_file(f: &Path) -> Result<CaseFile, LoadError> {
    let name = f.display().to_string();
    let text = std::fs::read_to_string(f)
        .map_err(|e| LoadError::single(&name, format!("failed to read case file: {e}")))?;
    if text.len() > MAX_FILE_BYTES {
        return Err(too_large(&name, text.len()));
    }
    Ok(CaseFile {
        name,
        dir: f.parent().map(Path::to_path_buf),
        text,
    })
}

fn collect_builtin(dir: &include_dir::Dir<'static>, out: &mut Vec<CaseFile>) {
    for f in dir.files() {
        let p = f.path();
        if is_yaml(p) {
            if let Some(text) = f.contents_utf8() {
                out.push(CaseFile {
                    name: format!("builtin:cases/{}", p.display()),
                    dir: None,
                    text: text.to_owned(),
                });
            }
        }
    }
    for d in dir.dirs() {
        collect_builtin(d, out);
    }
}

/// The error for a case file over [`MAX_FILE_BYTES`].
pub(crate) fn too_large(name: &str, len: usize) -> LoadError {
    LoadError::single(
        name,
        format!("case file is {len} bytes; the limit is {MAX_FILE_BYTES}"),
    )
}

fn is_yaml(p: &Path) -> bool {
    matches!(p.extension().and_then(|e| e.to_str()), Some("yaml" | "yml"))
}

fn collect_files(p: &Path, out: &mut Vec<PathBuf>) -> Result<(), LoadError> {
    let name = p.display().to_string();
    let meta = std::fs::metadata(p)
        .map_err(|e| LoadError::single(&name, format!("failed to read {name}: {e}")))?;
    if meta.is_dir() {
        let entries = std::fs::read_dir(p)
            .map_err(|e| LoadError::single(&name, format!("failed to list {name}: {e}")))?;
        for entry in entries.flatten() {
            let path = entry.path();
            let is_dir = entry.file_type().map(|t| t.is_dir()).unwrap_or(false);
            if is_dir || is_yaml(&path) {
                collect_files(&path, out)?;
            }
        }
    } else {
        out.push(p.to_path_buf());
    }
    Ok(())
}
