//! Schema ids that follow the API version a request declares. `clerk/{api_version}/session`
//! names one schema per version family (`clerk/2021-02-05/session`, `clerk/2025-04-10/session`):
//! a request that declares a version (a `*-API-Version` header, or an `api_version` query
//! parameter) is checked against the newest family at or before it, and a request that declares
//! none against the umbrella `clerk/session`, which accepts any family.

use std::borrow::Cow;

use super::SchemaStore;

/// The placeholder in a versioned schema id.
pub const API_VERSION: &str = "{api_version}";

/// True when `id` depends on the request's API version.
pub fn is_versioned(id: &str) -> bool {
    id.contains(API_VERSION)
}

/// `(prefix, suffix)` around the placeholder, e.g. `("clerk/", "/session")`.
fn parts(id: &str) -> Option<(&str, &str)> {
    id.split_once(API_VERSION)
}

/// The version families loaded for a versioned id, oldest first (`["2021-02-05", "2025-04-10"]`).
pub fn families<'a>(store: &'a SchemaStore, id: &str) -> Vec<&'a str> {
    let Some((prefix, suffix)) = parts(id) else {
        return Vec::new();
    };
    let mut out: Vec<&str> = store
        .ids()
        .into_iter()
        .filter_map(|known| known.strip_prefix(prefix)?.strip_suffix(suffix))
        .filter(|family| !family.is_empty() && !family.contains('/'))
        .collect();
    out.sort_unstable();
    out
}

/// The umbrella id of a versioned id (`clerk/{api_version}/session` → `clerk/session`).
pub fn umbrella(id: &str) -> Option<String> {
    let (prefix, suffix) = parts(id)?;
    Some(format!("{prefix}{}", suffix.trim_start_matches('/')))
}

/// Every concrete id a versioned id can resolve to that is loaded (itself when not versioned).
pub fn candidates(store: &SchemaStore, id: &str) -> Vec<String> {
    let Some((prefix, suffix)) = parts(id) else {
        return vec![id.to_owned()];
    };
    let mut out: Vec<String> = families(store, id)
        .into_iter()
        .map(|f| format!("{prefix}{f}{suffix}"))
        .collect();
    out.extend(umbrella(id).filter(|u| store.contains(u)));
    out
}

/// The concrete id for a request that declared `version` (or none). Versions compare as text,
/// which orders the vendors' `YYYY-MM-DD` versions by date. A version older than every family
/// falls back to the umbrella id.
pub fn resolve<'a>(store: &SchemaStore, id: &'a str, version: Option<&str>) -> Cow<'a, str> {
    let Some((prefix, suffix)) = parts(id) else {
        return Cow::Borrowed(id);
    };
    let family = version.and_then(|v| {
        families(store, id)
            .into_iter()
            .rev()
            .find(|f| *f <= v.trim())
    });
    Cow::Owned(match family {
        Some(f) => format!("{prefix}{f}{suffix}"),
        None => umbrella(id).unwrap_or_else(|| id.to_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_declared_version_picks_the_newest_family_at_or_before_it() {
        let store = SchemaStore::load_lazy(true, &[]).expect("built-in schemas");
        let id = "clerk/{api_version}/session-list";
        assert_eq!(families(&store, id), vec!["2021-02-05", "2025-04-10"]);
        let pick = |v: Option<&str>| resolve(&store, id, v);
        assert_eq!(pick(Some("2021-02-05")), "clerk/2021-02-05/session-list");
        assert_eq!(pick(Some("2024-10-01")), "clerk/2021-02-05/session-list");
        assert_eq!(pick(Some("2025-04-10")), "clerk/2025-04-10/session-list");
        assert_eq!(pick(Some("2026-05-12")), "clerk/2025-04-10/session-list");
        // No version, or one older than every family: the umbrella accepts any family.
        assert_eq!(pick(None), "clerk/session-list");
        assert_eq!(pick(Some("2020-01-01")), "clerk/session-list");
        assert_eq!(
            resolve(
                &store,
                "strict/clerk/{api_version}/session",
                Some("2025-04-10")
            ),
            "strict/clerk/2025-04-10/session"
        );
        assert_eq!(
            resolve(&store, "clerk/session", Some("2021-02-05")),
            "clerk/session"
        );
        assert_eq!(candidates(&store, id).len(), 3);
    }
}
