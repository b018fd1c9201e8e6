//! An OpenAPI 3.0 or 3.1 document read once into a `serde_json::Value`, with the small typed view
//! the importer and the drift report need: version, components, operations, local `$ref`s.

use std::path::Path;

use serde_json::Value;

use super::error::SpecError;

/// Largest OpenAPI file read (the full Stytch file is 1.4 MB; this bounds memory).
const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// The prefix of every local component reference.
pub(crate) const SCHEMA_REF_PREFIX: &str = "#/components/schemas/";

/// Which OpenAPI dialect the document is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// OpenAPI 3.0.x: `nullable`, a single `example`, boolean `exclusiveMinimum`.
    V30,
    /// OpenAPI 3.1.x: JSON Schema 2020-12 (type arrays, `examples`).
    V31,
}

/// A parsed OpenAPI document.
#[derive(Debug)]
pub struct OpenApi {
    /// The file name (no directory), as cited in generated schemas and matched by `x-source`.
    pub file_name: String,
    /// The `openapi:` field, e.g. `3.0.3`.
    pub openapi: String,
    /// The dialect that field names.
    pub dialect: Dialect,
    /// `info.version` (e.g. `2026-05-12`, `1.0.0`), empty when absent.
    pub info_version: String,
    /// `info.title`, empty when absent.
    pub title: String,
    /// The whole document.
    pub doc: Value,
}

impl OpenApi {
    /// Reads and parses `path`.
    pub fn load(path: &Path) -> Result<Self, SpecError> {
        let read_err = |source| SpecError::Read {
            path: path.to_path_buf(),
            source,
        };
        let meta = std::fs::metadata(path).map_err(read_err)?;
        if meta.len() > MAX_FILE_BYTES {
            return Err(read_err(std::io::Error::other(format!(
                "file is larger than {MAX_FILE_BYTES} bytes"
            ))));
        }
        let text = std::fs::read_to_string(path).map_err(read_err)?;
        let file_name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        Self::parse(&file_name, &text)
    }

    /// Parses the text of a document named `file_name`.
    pub fn parse(file_name: &str, text: &str) -> Result<Self, SpecError> {
        let doc: Value = serde_saphyr::from_str_with_options(text, options()).map_err(|e| {
            let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
            let message = e.without_snippet().to_string();
            let message = message.lines().next().unwrap_or("invalid YAML");
            let message = match message.rfind(" at line ") {
                Some(i) => &message[..i],
                None => message,
            };
            SpecError::Yaml {
                file: file_name.to_owned(),
                line,
                column,
                message: message.to_owned(),
            }
        })?;
        let not = |message: &str| SpecError::NotOpenApi {
            file: file_name.to_owned(),
            message: message.to_owned(),
        };
        let Some(root) = doc.as_object() else {
            return Err(not("the document is not a mapping"));
        };
        let openapi = match root.get("openapi") {
            Some(Value::String(s)) => s.clone(),
            Some(_) => return Err(not("`openapi` is not a string")),
            None if root.contains_key("swagger") => {
                return Err(not("Swagger 2.0 is not supported; convert it to OpenAPI 3"));
            }
            None => return Err(not("no `openapi:` version field")),
        };
        let dialect = if openapi.starts_with("3.0") {
            Dialect::V30
        } else if openapi.starts_with("3.1") || openapi.starts_with("3.2") {
            Dialect::V31
        } else {
            return Err(not(&format!("unsupported OpenAPI version {openapi:?}")));
        };
        let info = |key: &str| {
            doc.pointer(&format!("/info/{key}"))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        Ok(Self {
            file_name: file_name.to_owned(),
            openapi,
            dialect,
            info_version: info("version"),
            title: info("title"),
            doc,
        })
    }

    /// `components.schemas`, empty when absent.
    pub fn component_names(&self) -> Vec<&str> {
        self.doc
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .map(|m| m.keys().map(String::as_str).collect())
            .unwrap_or_default()
    }

    /// `components.schemas.<name>`.
    pub fn component(&self, name: &str) -> Result<&Value, SpecError> {
        self.doc
            .pointer("/components/schemas")
            .and_then(|s| s.get(name))
            .ok_or_else(|| SpecError::MissingComponent {
                file: self.file_name.clone(),
                name: name.to_owned(),
                hint: did_you_mean(name, &self.component_names()),
            })
    }

    /// The JSON schema of the `status` response of `METHOD /path` (following `$ref`s to
    /// `components.responses`), its JSON pointer, and the response's example when it has no
    /// schema.
    pub fn response(&self, operation: &str, status: &str) -> Result<Response<'_>, SpecError> {
        let missing = |message: String| SpecError::MissingOperation {
            file: self.file_name.clone(),
            message,
        };
        let (method, path) = operation.trim().split_once(' ').ok_or_else(|| {
            SpecError::Usage(format!(
                "--operation must look like 'GET /v1/sessions', got {operation:?}"
            ))
        })?;
        let method = method.to_ascii_lowercase();
        let path = path.trim();
        let op = self
            .doc
            .get("paths")
            .and_then(|p| p.get(path))
            .ok_or_else(|| missing(format!("no path `{path}` under paths")))?
            .get(&method)
            .ok_or_else(|| missing(format!("path `{path}` has no `{method}` operation")))?;
        let pointer_base = format!("/paths/{}/{method}", escape(path));
        let responses = op
            .get("responses")
            .ok_or_else(|| missing(format!("{operation} has no responses")))?;
        let mut response = responses.get(status).ok_or_else(|| {
            let known: Vec<&str> = responses
                .as_object()
                .map(|m| m.keys().map(String::as_str).collect())
                .unwrap_or_default();
            missing(format!(
                "{operation} has no `{status}` response (it has: {})",
                known.join(", ")
            ))
        })?;
        let mut pointer = format!("{pointer_base}/responses/{status}");
        if let Some(reference) = response.get("$ref").and_then(Value::as_str) {
            let target = reference
                .strip_prefix('#')
                .ok_or_else(|| SpecError::BadRef {
                    file: self.file_name.clone(),
                    reference: reference.to_owned(),
                    at: pointer.clone(),
                    reason: "only local references (#/…) are supported".to_owned(),
                })?;
            response = self.doc.pointer(target).ok_or_else(|| SpecError::BadRef {
                file: self.file_name.clone(),
                reference: reference.to_owned(),
                at: pointer.clone(),
                reason: "nothing at that pointer".to_owned(),
            })?;
            pointer = target.to_owned();
        }
        let content = response.get("content").and_then(Value::as_object);
        let media = content.and_then(|c| {
            c.iter()
                .find(|(k, _)| k.starts_with("application/json") || k.ends_with("+json"))
        });
        let Some((media_type, media)) = media else {
            return Err(missing(format!(
                "the `{status}` response of {operation} has no JSON content"
            )));
        };
        pointer = format!("{pointer}/content/{}", escape(media_type));
        Ok(Response {
            schema: media.get("schema"),
            example: media
                .get("example")
                .or_else(|| media.pointer("/examples").and_then(first_example)),
            pointer,
        })
    }
}

/// The JSON body of one operation's response.
#[derive(Debug)]
pub struct Response<'a> {
    /// Its schema, when the document gives one.
    pub schema: Option<&'a Value>,
    /// Its example (`example`, or the first of `examples`), when the document gives one.
    pub example: Option<&'a Value>,
    /// JSON Pointer of the media-type object.
    pub pointer: String,
}

fn first_example(examples: &Value) -> Option<&Value> {
    examples.as_object()?.values().next()?.get("value")
}

/// Escapes a JSON Pointer token.
pub(crate) fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// YAML 1.2 core scalars: `n`, `y`, `no`, `on` stay strings (Stytch's JWK requires a member
/// named `n`; YAML 1.1 would read it as `false`), as do `1_000`-like spellings. No budget
/// (vendor files are large inputs bounded by [`MAX_FILE_BYTES`]); no snippets.
fn options() -> serde_saphyr::Options {
    let mut options = serde_saphyr::Options::default();
    options.with_snippet = false;
    options.budget = None;
    options.strict_booleans = true;
    options.underscored_numbers_as_strings = true;
    options
}

/// `; did you mean A, B?` for names within two edits of `name` or containing it
/// (case-insensitive), at most five.
fn did_you_mean(name: &str, names: &[&str]) -> String {
    let needle = name.to_ascii_lowercase();
    let close: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| {
            let n = n.to_ascii_lowercase();
            n.contains(&needle) || needle.contains(&n) || edits(&n, &needle) <= 2
        })
        .take(5)
        .collect();
    if close.is_empty() {
        String::new()
    } else {
        format!("; did you mean {}?", close.join(", "))
    }
}

/// Levenshtein distance (names are short; quadratic is fine).
fn edits(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = if ca == *cb {
                previous
            } else {
                1 + previous.min(row[j]).min(current)
            };
            previous = current;
        }
    }
    row[b.len()]
}
