//! Golden files: `--record DIR` saves the baseline's normalised exchanges (canonical JSON, secrets
//! redacted, learned noise masked and listed) one file per case, and `--against DIR` compares a
//! live target with them, so drift can be tracked between CI runs without the baseline online.
//!
//! Layout: `DIR/index.json` maps case ids to files; `DIR/<suite>/<case>.json` holds one case.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::noise::NoiseEntry;
use super::pointer;
use crate::canonical::canonical;

/// Format version written to every file.
pub const FORMAT: u32 = 1;

/// Errors reading or writing golden files.
#[derive(Debug, thiserror::Error)]
pub enum GoldenError {
    /// A file could not be read or written.
    #[error("failed to {action} {path}: {source}")]
    Io {
        /// `read` or `write`.
        action: &'static str,
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A file is not valid golden JSON.
    #[error("invalid golden file {path}: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// One recorded step.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GoldenStep {
    /// Step index.
    pub step: usize,
    /// Request line as sent (`GET /v1/sessions?user_id=…`, redacted).
    pub request: String,
    /// `{status, headers, body}`, canonical, redacted, noise masked.
    pub exchange: Value,
    /// Noise learned for this step.
    #[serde(default)]
    pub noise: Vec<NoiseEntry>,
    /// The masked string values as recorded (pointer → value), so that a later comparison can
    /// pair them with the candidate's: a session id minted here and listed later stands for the
    /// candidate's own.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub generated: BTreeMap<String, String>,
    /// Set when the baseline was not repeatable at this step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unstable: Option<String>,
}

/// One recorded case.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GoldenCase {
    /// Format version.
    pub format: u32,
    /// `suite::case`.
    pub case: String,
    /// Display name of the recorded target.
    pub target: String,
    /// When it was recorded (RFC 3339).
    pub recorded_at: String,
    /// Steps in order.
    pub steps: Vec<GoldenStep>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Index {
    format: u32,
    cases: BTreeMap<String, String>,
}

/// Masks learned noise in a document for storage: strings become `"<noise>"`, numbers `0`
/// (types are kept for comparison). Returns the masked document and the masked strings.
pub fn mask_noise(doc: &Value, noise: &[NoiseEntry]) -> (Value, BTreeMap<String, String>) {
    let mut generated = BTreeMap::new();
    let mut out = canonical(doc);
    let mut ptrs = Vec::new();
    collect_pointers(&out, "", &mut ptrs);
    for p in ptrs {
        let value = out.pointer(&p);
        if noise.iter().any(|n| {
            pointer::Pattern::parse(&n.pattern).is_ok_and(|pat| pat.matches(&p))
                && (!n.generated_only || super::noise::looks_generated(value))
        }) {
            if let Some(slot) = out.pointer_mut(&p) {
                match slot {
                    Value::String(s) => {
                        generated.insert(p.clone(), std::mem::take(s));
                        *slot = Value::String("<noise>".to_owned());
                    }
                    Value::Number(_) => *slot = Value::from(0),
                    _ => {}
                }
            }
        }
    }
    (out, generated)
}

fn collect_pointers(v: &Value, ptr: &str, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                collect_pointers(x, &pointer::push(ptr, k), out);
            }
        }
        Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                collect_pointers(x, &pointer::push(ptr, &i.to_string()), out);
            }
        }
        _ => out.push(ptr.to_owned()),
    }
}

fn slug(s: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in s.chars() {
        if c.is_ascii_alphanumeric() || c == '_' {
            out.push(c.to_ascii_lowercase());
            dash = false;
        } else if !dash && !out.is_empty() {
            out.push('-');
            dash = true;
        }
    }
    let out = out.trim_end_matches('-').to_owned();
    if out.is_empty() {
        "case".to_owned()
    } else {
        out
    }
}

fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> GoldenError {
    let path = path.display().to_string();
    move |source| GoldenError::Io {
        action,
        path,
        source,
    }
}

/// A directory of golden files.
#[derive(Debug)]
pub struct GoldenDir {
    dir: PathBuf,
    index: Index,
}

impl GoldenDir {
    /// Opens `dir` for recording (created if missing; an existing index is kept and extended).
    pub fn create(dir: &Path) -> Result<Self, GoldenError> {
        std::fs::create_dir_all(dir).map_err(io("create", dir))?;
        let index = match Self::read_index(dir) {
            Ok(i) => i,
            Err(GoldenError::Io { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                Index {
                    format: FORMAT,
                    cases: BTreeMap::new(),
                }
            }
            Err(e) => return Err(e),
        };
        Ok(Self {
            dir: dir.to_path_buf(),
            index,
        })
    }

    /// Opens an existing directory for comparison.
    pub fn open(dir: &Path) -> Result<Self, GoldenError> {
        let index = Self::read_index(dir)?;
        Ok(Self {
            dir: dir.to_path_buf(),
            index,
        })
    }

    fn read_index(dir: &Path) -> Result<Index, GoldenError> {
        let path = dir.join("index.json");
        let text = std::fs::read_to_string(&path).map_err(io("read", &path))?;
        let index: Index = serde_json::from_str(&text).map_err(|e| GoldenError::Invalid {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        if index.format != FORMAT {
            return Err(GoldenError::Invalid {
                path: path.display().to_string(),
                message: format!("format {} (this build reads {FORMAT})", index.format),
            });
        }
        Ok(index)
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Writes one case and updates the index on disk.
    pub fn write(&mut self, case: &GoldenCase, suite: &str, name: &str) -> Result<(), GoldenError> {
        let rel = match self.index.cases.get(&case.case) {
            Some(r) => r.clone(),
            None => {
                let base = format!("{}/{}", slug(suite), slug(name));
                let taken: Vec<&String> = self.index.cases.values().collect();
                let mut rel = format!("{base}.json");
                let mut n = 2;
                while taken.contains(&&rel) {
                    rel = format!("{base}-{n}.json");
                    n += 1;
                }
                rel
            }
        };
        let path = self.dir.join(&rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(io("create", parent))?;
        }
        let text = serde_json::to_string_pretty(case).map_err(|e| GoldenError::Invalid {
            path: path.display().to_string(),
            message: e.to_string(),
        })?;
        std::fs::write(&path, text + "\n").map_err(io("write", &path))?;
        self.index.cases.insert(case.case.clone(), rel);
        let ipath = self.dir.join("index.json");
        let itext =
            serde_json::to_string_pretty(&self.index).map_err(|e| GoldenError::Invalid {
                path: ipath.display().to_string(),
                message: e.to_string(),
            })?;
        std::fs::write(&ipath, itext + "\n").map_err(io("write", &ipath))
    }

    /// Reads the golden case for `case_id`; `Ok(None)` when it was never recorded.
    pub fn read(&self, case_id: &str) -> Result<Option<GoldenCase>, GoldenError> {
        let Some(rel) = self.index.cases.get(case_id) else {
            return Ok(None);
        };
        if rel.contains("..") || Path::new(rel).is_absolute() {
            return Err(GoldenError::Invalid {
                path: self.dir.join("index.json").display().to_string(),
                message: format!("entry `{rel}` points outside the directory"),
            });
        }
        let path = self.dir.join(rel);
        let text = std::fs::read_to_string(&path).map_err(io("read", &path))?;
        let mut case: GoldenCase =
            serde_json::from_str(&text).map_err(|e| GoldenError::Invalid {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
        if case.case != case_id {
            return Err(GoldenError::Invalid {
                path: path.display().to_string(),
                message: format!("holds case `{}`, expected `{case_id}`", case.case),
            });
        }
        for s in &mut case.steps {
            s.noise = std::mem::take(&mut s.noise)
                .into_iter()
                .map(NoiseEntry::compiled)
                .collect();
        }
        Ok(Some(case))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn masks_noise_keeping_types() {
        let doc = json!({"body": {"request_id": "r1", "n": 5, "keep": "x", "list": [{"t": "a"}]}});
        let noise = vec![
            NoiseEntry::new("/body/request_id", "c", ("a".into(), "b".into())),
            NoiseEntry::new("/body/n", "c", ("1".into(), "2".into())),
            NoiseEntry::new("/body/list/*/t", "c", ("1".into(), "2".into())),
        ];
        let (masked, generated) = mask_noise(&doc, &noise);
        assert_eq!(
            masked,
            json!({"body": {"request_id": "<noise>", "n": 0, "keep": "x", "list": [{"t": "<noise>"}]}})
        );
        assert_eq!(generated["/body/request_id"], "r1");
        assert_eq!(generated["/body/list/0/t"], "a");
    }

    #[test]
    fn round_trips_and_names_files() {
        let dir = tempfile::tempdir().unwrap();
        let mut g = GoldenDir::create(dir.path()).unwrap();
        let case = GoldenCase {
            format: FORMAT,
            case: "stytch sessions::list: all".into(),
            target: "reference".into(),
            recorded_at: "2025-01-01T00:00:00Z".into(),
            steps: vec![GoldenStep {
                step: 0,
                request: "GET /v1/sessions".into(),
                exchange: json!({"status": 200}),
                noise: vec![NoiseEntry::new("/body/x", "c", ("1".into(), "2".into()))],
                generated: BTreeMap::new(),
                unstable: None,
            }],
        };
        g.write(&case, "stytch sessions", "list: all").unwrap();
        assert!(dir.path().join("stytch-sessions/list-all.json").exists());
        let g2 = GoldenDir::open(dir.path()).unwrap();
        let back = g2.read("stytch sessions::list: all").unwrap().unwrap();
        assert_eq!(back.steps[0].noise[0].pattern, "/body/x");
        assert!(g2.read("other::case").unwrap().is_none());
        assert!(GoldenDir::open(&dir.path().join("missing")).is_err());
    }
}
