//! Finds schema files (built-in and user directories), parses them and gives each an absolute `$id`.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use include_dir::{Dir, include_dir};
use serde_json::Value;
use url::Url;

use super::error::SchemaError;

/// Base URI every relative `$id` resolves against; a short id is an absolute id minus this prefix.
pub const BASE_URI: &str = "https://sessconform.dev/specs/";

/// The built-in schemas, embedded so an installed binary works from any directory.
static BUILTIN: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/specs");

/// Schema files larger than this are refused (a schema is a few kilobytes; this bounds memory).
const MAX_SCHEMA_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Deepest directory nesting walked under a `--specs` directory.
const MAX_DEPTH: usize = 32;

/// A parsed schema file with its resolved identity.
#[derive(Debug)]
pub(crate) struct Document {
    /// Where the file came from, for messages (`specs/stytch/session.json` or a real path).
    pub origin: String,
    /// Absolute `$id` without fragment; the document's `$id` is rewritten to this value.
    pub uri: String,
    /// `uri` relative to [`BASE_URI`], or `uri` itself when it lies elsewhere.
    pub short_id: String,
    /// The schema document.
    pub value: Value,
}

/// One schema file's text before parsing.
struct Source {
    origin: String,
    /// Path relative to its root directory, `/`-separated, without the `.json` extension.
    default_id: String,
    text: String,
}

/// Reads, parses and identifies every schema file; collects every problem instead of stopping at
/// the first, so `lint` can report all of them.
pub(crate) fn load_documents(
    include_builtin: bool,
    extra_dirs: &[PathBuf],
) -> Result<Vec<Document>, SchemaError> {
    let mut problems = Vec::new();
    let mut sources = Vec::new();
    if include_builtin {
        collect_builtin(&BUILTIN, &mut sources);
    }
    for dir in extra_dirs {
        if let Err(e) = collect_path(dir, dir, 0, &mut sources) {
            problems.push(e);
        }
    }

    let base = Url::parse(BASE_URI).map_err(|e| SchemaError::Registry {
        message: format!("invalid base URI {BASE_URI}: {e}"),
    })?;
    let mut documents: Vec<Document> = Vec::with_capacity(sources.len());
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for source in sources {
        match parse_source(&base, source) {
            Ok(doc) => {
                if let Some(&first) = seen.get(&doc.uri) {
                    problems.push(SchemaError::DuplicateId {
                        id: doc.short_id.clone(),
                        first: documents[first].origin.clone(),
                        second: doc.origin.clone(),
                    });
                } else {
                    seen.insert(doc.uri.clone(), documents.len());
                    documents.push(doc);
                }
            }
            Err(e) => problems.push(e),
        }
    }
    match SchemaError::from_list(problems) {
        Some(e) => Err(e),
        None => Ok(documents),
    }
}

fn collect_builtin(dir: &Dir<'static>, out: &mut Vec<Source>) {
    let mut files: Vec<_> = dir.files().collect();
    files.sort_by_key(|f| f.path());
    for file in files {
        let path = file.path();
        if path.extension().and_then(|e| e.to_str()) != Some("json") {
            continue;
        }
        let origin = format!("specs/{}", slash_path(path));
        out.push(Source {
            default_id: slash_path(&path.with_extension("")),
            text: String::from_utf8_lossy(file.contents()).into_owned(),
            origin,
        });
    }
    let mut dirs: Vec<_> = dir.dirs().collect();
    dirs.sort_by_key(|d| d.path());
    for sub in dirs {
        collect_builtin(sub, out);
    }
}

/// Collects `path` (a directory walked recursively in name order, or a single `.json` file).
/// Hidden entries (`.git`, editor files) are skipped.
fn collect_path(
    root: &Path,
    path: &Path,
    depth: usize,
    out: &mut Vec<Source>,
) -> Result<(), SchemaError> {
    let read_err = |source| SchemaError::Read {
        path: path.to_path_buf(),
        source,
    };
    if depth > MAX_DEPTH {
        // Also what a symbolic-link cycle looks like.
        return Err(read_err(std::io::Error::other(format!(
            "directories nested deeper than {MAX_DEPTH} levels"
        ))));
    }
    let meta = fs::metadata(path).map_err(read_err)?;
    if meta.is_file() {
        if meta.len() > MAX_SCHEMA_FILE_BYTES {
            return Err(read_err(std::io::Error::other(format!(
                "file is larger than {MAX_SCHEMA_FILE_BYTES} bytes"
            ))));
        }
        let text = fs::read_to_string(path).map_err(read_err)?;
        let relative = path.strip_prefix(root).unwrap_or(path);
        let relative = if relative.as_os_str().is_empty() {
            Path::new(path.file_name().unwrap_or(path.as_os_str()))
        } else {
            relative
        };
        out.push(Source {
            origin: path.display().to_string(),
            default_id: slash_path(&relative.with_extension("")),
            text,
        });
        return Ok(());
    }
    let mut entries = Vec::new();
    for entry in fs::read_dir(path).map_err(read_err)? {
        entries.push(entry.map_err(read_err)?.path());
    }
    entries.sort();
    for entry in entries {
        let hidden = entry
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('.'));
        if hidden {
            continue;
        }
        if entry.is_dir() || entry.extension().and_then(|e| e.to_str()) == Some("json") {
            collect_path(root, &entry, depth + 1, out)?;
        }
    }
    Ok(())
}

fn slash_path(path: &Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

fn parse_source(base: &Url, source: Source) -> Result<Document, SchemaError> {
    let parsed = serde_json::from_str::<NoDuplicateKeys>(&source.text).map(|v| v.0);
    let mut value: Value = parsed.map_err(|e| SchemaError::Parse {
        origin: source.origin.clone(),
        line: e.line(),
        column: e.column(),
        message: strip_position(&e.to_string()),
    })?;
    let Some(object) = value.as_object_mut() else {
        return Err(SchemaError::NotASchema {
            origin: source.origin,
        });
    };
    let written = match object.get("$id") {
        None => source.default_id.clone(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => {
            return Err(SchemaError::InvalidId {
                origin: source.origin,
                id: other.to_string(),
                message: "$id must be a string".to_owned(),
            });
        }
    };
    let uri = resolve_id(base, &written).map_err(|message| SchemaError::InvalidId {
        origin: source.origin.clone(),
        id: written.clone(),
        message,
    })?;
    // An absolute `$id` makes the document independent of where it was registered.
    object.insert("$id".to_owned(), Value::String(uri.clone()));
    Ok(Document {
        origin: source.origin,
        short_id: short_id(&uri),
        uri,
        value,
    })
}

/// Resolves a written `$id` against the base; the result has no fragment.
pub(crate) fn resolve_id(base: &Url, written: &str) -> Result<String, String> {
    let mut url = base.join(written).map_err(|e| e.to_string())?;
    match url.fragment() {
        None | Some("") => url.set_fragment(None),
        Some(f) => return Err(format!("$id must not have a fragment (#{f})")),
    }
    Ok(url.to_string())
}

/// Short id of an absolute schema URI.
pub(crate) fn short_id(uri: &str) -> String {
    match uri.strip_prefix(BASE_URI) {
        Some(rest) if !rest.is_empty() => rest.to_owned(),
        _ => uri.to_owned(),
    }
}

/// serde_json appends " at line X column Y"; the position is reported separately.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// A JSON value parsed with duplicate object keys refused: `serde_json` keeps the last one
/// silently, and a schema with two `type`s or two `properties` means something its author did
/// not see.
struct NoDuplicateKeys(Value);

impl<'de> serde::Deserialize<'de> for NoDuplicateKeys {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(StrictVisitor).map(NoDuplicateKeys)
    }
}

struct StrictVisitor;

impl<'de> serde::de::Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::from(n))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::from(n))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_owned()))
    }

    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(NoDuplicateKeys(v)) = seq.next_element()? {
            items.push(v);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(serde::de::Error::custom(format!(
                    "duplicate key `{key}` (JSON parsers keep only one of them)"
                )));
            }
            let NoDuplicateKeys(v) = map.next_value()?;
            out.insert(key, v);
        }
        Ok(Value::Object(out))
    }
}
