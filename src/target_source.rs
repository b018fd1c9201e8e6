//! Front-end glue shared by the CLI, the libtest harness and library users: where the target
//! comes from, starting the embedded reference server when none is given. The engine itself
//! never sees the server; it only receives the [`Target`] the server describes.

use std::path::PathBuf;

use crate::case::LoadError;
#[cfg(feature = "server")]
use crate::server::{self, RunningServer, ServerError, ServerOptions};
use crate::target::{Target, load_target_file};

/// Why a target could not be resolved. Displayed ready to print (diagnostics start with
/// `error:`); every variant is a configuration error (exit code 2).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TargetError {
    /// The target file does not load.
    #[error("{0}")]
    File(LoadError),
    /// A `--base-url` / `SESSCONFORM_BASE_URL` value is invalid.
    #[error("error: {0}")]
    BaseUrl(#[source] crate::target::BaseUrlError),
    /// The embedded reference server did not start.
    #[cfg(feature = "server")]
    #[error("error: failed to start the embedded reference server: {0}")]
    Embedded(#[source] ServerError),
    /// No target was given and this build has no embedded reference server.
    #[cfg(not(feature = "server"))]
    #[error(
        "error: no target: give a target file (--target FILE / SESSCONFORM_TARGET) or base URLs (--base-url / SESSCONFORM_BASE_URL); this build has no embedded reference server (cargo feature `server`)"
    )]
    NoEmbeddedServer,
    /// The embedded server's own target description does not parse (a defect).
    #[error("internal error: the embedded server's target does not parse:\n{0}")]
    EmbeddedTarget(LoadError),
}

/// How the user asked for a target.
#[derive(Debug, Clone, Default)]
pub struct TargetRequest {
    /// A target file (`--target FILE`).
    pub file: Option<PathBuf>,
    /// `--base-url URL` / `--base-url API=URL` values, applied after the file.
    pub base_urls: Vec<String>,
}

impl TargetRequest {
    /// The target named by `SESSCONFORM_TARGET` (a file) or `SESSCONFORM_BASE_URL` (`[API=]URL`,
    /// several separated by commas); empty (the embedded server) when neither is set.
    pub fn from_env() -> Self {
        let file = std::env::var_os("SESSCONFORM_TARGET")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from);
        let base_urls = std::env::var("SESSCONFORM_BASE_URL")
            .map(|v| {
                v.split(',')
                    .map(|s| s.trim().to_owned())
                    .filter(|s| !s.is_empty())
                    .collect()
            })
            .unwrap_or_default();
        Self { file, base_urls }
    }

    /// True when nothing was asked: the embedded reference server is the target.
    pub fn is_embedded(&self) -> bool {
        self.file.is_none() && self.base_urls.is_empty()
    }
}

/// A resolved target, holding the embedded server alive while the target is in use.
pub struct ResolvedTarget {
    /// The target.
    pub target: Target,
    /// The embedded server, when it was started.
    #[cfg(feature = "server")]
    pub server: Option<RunningServer>,
}

impl ResolvedTarget {
    /// A target that needs no embedded server.
    fn external(target: Target) -> Self {
        Self {
            target,
            #[cfg(feature = "server")]
            server: None,
        }
    }

    /// Stops the embedded server, if any.
    pub async fn shutdown(self) {
        #[cfg(feature = "server")]
        if let Some(s) = self.server {
            s.shutdown().await;
        }
    }
}

/// Resolves a target request; starts the embedded reference server when nothing was asked.
pub async fn resolve_target(req: &TargetRequest) -> Result<ResolvedTarget, TargetError> {
    if req.is_embedded() {
        #[cfg(feature = "server")]
        return start_embedded(ServerOptions::default()).await;
        #[cfg(not(feature = "server"))]
        return Err(TargetError::NoEmbeddedServer);
    }
    let mut target = match &req.file {
        Some(path) => load_target_file(path).map_err(TargetError::File)?,
        None => Target::default(),
    };
    for b in &req.base_urls {
        target.apply_base_url(b).map_err(TargetError::BaseUrl)?;
    }
    Ok(ResolvedTarget::external(target))
}

/// Starts the reference server in-process on a free loopback port and describes it as a target.
#[cfg(feature = "server")]
pub async fn start_embedded(opts: ServerOptions) -> Result<ResolvedTarget, TargetError> {
    let server = server::start(opts).await.map_err(TargetError::Embedded)?;
    let yaml = server.target_yaml();
    let mut target = crate::target::parse_target(
        "embedded reference server",
        &yaml,
        &std::collections::BTreeMap::new(),
    )
    .map_err(TargetError::EmbeddedTarget)?;
    target.name = "reference".to_owned();
    Ok(ResolvedTarget {
        target,
        server: Some(server),
    })
}
