//! Clerk API versions: which one a request asked for, and what it changes.

use axum::http::HeaderMap;

/// Published Backend API versions (`clerk/openapi-specs` `bapi/`).
pub(crate) const KNOWN_VERSIONS: [&str; 7] = [
    "2021-02-05",
    "2024-10-01",
    "2025-03-12",
    "2025-04-10",
    "2025-11-10",
    "2025-12-03",
    "2026-05-12",
];

/// The version used when a request names none.
pub(crate) const DEFAULT_VERSION: &str = "2021-02-05";
/// The version the generated target file sends.
pub(crate) const TARGET_VERSION: &str = "2025-04-10";

/// A known Clerk API version (dates compare correctly as strings).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClerkVersion(pub(crate) &'static str);

impl ClerkVersion {
    /// What `POST /sessions/{id}/verify` does in this version.
    pub(crate) fn verify(self) -> Verify {
        if self.0 < "2025-03-12" {
            Verify::Works
        } else if self.0 < "2025-04-10" {
            Verify::Deprecated
        } else {
            Verify::Absent
        }
    }

    /// `pending` status and the `tasks` field exist from 2025-03-12 on.
    pub(crate) fn has_pending(self) -> bool {
        self.0 >= "2025-03-12"
    }
}

/// The state of the deprecated verify endpoint in a version.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Verify {
    /// 2021-02-05 and 2024-10-01: verifies the session.
    Works,
    /// 2025-03-12 still lists it, pending removal: 410 `operation_deprecated`.
    Deprecated,
    /// 2025-04-10 and later: no such endpoint (404).
    Absent,
}

/// Why the requested version was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum VersionError {
    /// Both the header and the query parameter were given.
    Both,
    /// Not a published version.
    Unknown(String),
}

/// Picks the version from the `Clerk-API-Version` header or the
/// `__clerk_api_version` query parameter (not both).
pub(crate) fn requested(
    headers: &HeaderMap,
    query: Option<&str>,
) -> Result<ClerkVersion, VersionError> {
    let header = headers
        .get("clerk-api-version")
        .map(|v| String::from_utf8_lossy(v.as_bytes()).trim().to_owned());
    let param = query.and_then(|q| {
        url::form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == "__clerk_api_version")
            .map(|(_, v)| v.trim().to_owned())
    });
    let raw = match (header, param) {
        (Some(_), Some(_)) => return Err(VersionError::Both),
        (Some(v), None) | (None, Some(v)) => v,
        (None, None) => return Ok(ClerkVersion(DEFAULT_VERSION)),
    };
    KNOWN_VERSIONS
        .iter()
        .find(|v| **v == raw)
        .map(|v| ClerkVersion(v))
        .ok_or(VersionError::Unknown(raw))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn header_query_default_and_conflicts() {
        let mut h = HeaderMap::new();
        assert_eq!(requested(&h, None), Ok(ClerkVersion(DEFAULT_VERSION)));
        assert_eq!(
            requested(&h, Some("__clerk_api_version=2025-04-10")),
            Ok(ClerkVersion("2025-04-10"))
        );
        h.insert("Clerk-API-Version", HeaderValue::from_static("2024-10-01"));
        let v = requested(&h, None).unwrap();
        assert!(v.verify() == Verify::Works && !v.has_pending());
        assert_eq!(
            requested(&h, Some("__clerk_api_version=2024-10-01")),
            Err(VersionError::Both)
        );
        h.insert("Clerk-API-Version", HeaderValue::from_static("2030-01-01"));
        assert!(matches!(requested(&h, None), Err(VersionError::Unknown(_))));
        let v = ClerkVersion("2025-04-10");
        assert!(v.verify() == Verify::Absent && v.has_pending());
        let v = ClerkVersion("2025-03-12");
        assert!(v.verify() == Verify::Deprecated && v.has_pending());
    }
}
