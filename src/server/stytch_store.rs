//! In-memory Stytch state: consumer users, B2B organizations and members, and
//! the sessions of both (one store type serves both APIs).

use std::collections::HashMap;

use serde_json::{Map, Value};
use time::{Duration, OffsetDateTime};

/// One Stytch session (consumer `Session` or B2B `MemberSession`).
#[derive(Debug, Clone)]
pub(crate) struct StytchSession {
    /// `session_id` / `member_session_id`.
    pub(crate) id: String,
    /// `user_id` (consumer) or `member_id` (B2B).
    pub(crate) subject: String,
    /// B2B only: the member's organization id and slug.
    pub(crate) organization: Option<(String, String)>,
    /// The opaque session token.
    pub(crate) token: String,
    pub(crate) started_at: OffsetDateTime,
    pub(crate) last_accessed_at: OffsetDateTime,
    pub(crate) expires_at: OffsetDateTime,
    pub(crate) revoked: bool,
    /// `AuthenticationFactor` objects, already in wire shape.
    pub(crate) factors: Vec<Value>,
    pub(crate) custom_claims: Map<String, Value>,
    pub(crate) roles: Vec<String>,
    pub(crate) ip_address: String,
    pub(crate) user_agent: String,
    /// Stytch's documented sandbox session: answers like any session but is never
    /// changed, so suites cannot break it for one another (as in Stytch's test env).
    pub(crate) pinned: bool,
}

impl StytchSession {
    /// Active = not revoked and not yet expired.
    pub(crate) fn is_active(&self, now: OffsetDateTime) -> bool {
        !self.revoked && self.expires_at > now
    }
}

/// What an authentication changes on a session.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Touch<'a> {
    /// New lifetime from now (`session_duration_minutes`).
    pub(crate) extend_by: Option<Duration>,
    /// `session_custom_claims` to merge (a `null` value deletes a key).
    pub(crate) claims: Option<&'a Map<String, Value>>,
}

/// Why an authentication could not update a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TouchError {
    /// Unknown, revoked or expired.
    NotFound,
    /// The merged custom claims exceed [`MAX_CLAIMS_BYTES`].
    ClaimsTooLarge,
}

/// Registered JWT claims that custom claims may not override (they are ignored).
pub(crate) const RESERVED_CLAIMS: [&str; 7] = ["iss", "sub", "aud", "exp", "nbf", "iat", "jti"];

/// Stytch's limit on the total size of a session's custom claims.
pub(crate) const MAX_CLAIMS_BYTES: usize = 4096;

/// Merges a `session_custom_claims` patch: reserved claims are ignored, `null`
/// deletes a key, anything else sets it.
pub(crate) fn merge_claims(
    current: &Map<String, Value>,
    patch: &Map<String, Value>,
) -> Result<Map<String, Value>, TouchError> {
    let mut merged = current.clone();
    for (k, v) in patch {
        if RESERVED_CLAIMS.contains(&k.as_str()) {
            continue;
        }
        if v.is_null() {
            merged.remove(k);
        } else {
            merged.insert(k.clone(), v.clone());
        }
    }
    let size = serde_json::to_vec(&merged)
        .map(|b| b.len())
        .unwrap_or(usize::MAX);
    if size > MAX_CLAIMS_BYTES {
        return Err(TouchError::ClaimsTooLarge);
    }
    Ok(merged)
}

/// Sessions indexed by id and by token.
#[derive(Debug, Default)]
pub(crate) struct SessionStore {
    by_id: HashMap<String, StytchSession>,
    by_token: HashMap<String, String>,
}

impl SessionStore {
    pub(crate) fn insert(&mut self, session: StytchSession) {
        self.by_token
            .insert(session.token.clone(), session.id.clone());
        self.by_id.insert(session.id.clone(), session);
    }

    pub(crate) fn get(&self, id: &str) -> Option<&StytchSession> {
        self.by_id.get(id)
    }

    pub(crate) fn id_for_token(&self, token: &str) -> Option<&str> {
        self.by_token.get(token).map(String::as_str)
    }

    /// Sessions of `subject`, oldest first; only active ones unless `include_inactive`.
    pub(crate) fn list(
        &self,
        subject: &str,
        now: OffsetDateTime,
        include_inactive: bool,
    ) -> Vec<StytchSession> {
        let mut out: Vec<StytchSession> = self
            .by_id
            .values()
            .filter(|s| s.subject == subject && (include_inactive || s.is_active(now)))
            .cloned()
            .collect();
        out.sort_by(|a, b| (a.started_at, &a.id).cmp(&(b.started_at, &b.id)));
        out
    }

    /// Marks an active session as just used, applying `touch`. Pinned sessions
    /// answer with the changes applied but are not modified.
    pub(crate) fn touch(
        &mut self,
        id: &str,
        now: OffsetDateTime,
        touch: Touch<'_>,
    ) -> Result<StytchSession, TouchError> {
        let stored = self.by_id.get_mut(id).ok_or(TouchError::NotFound)?;
        if !stored.is_active(now) {
            return Err(TouchError::NotFound);
        }
        let mut updated = stored.clone();
        updated.last_accessed_at = now.max(updated.started_at);
        if let Some(d) = touch.extend_by {
            updated.expires_at = now + d;
        }
        if let Some(patch) = touch.claims {
            updated.custom_claims = merge_claims(&updated.custom_claims, patch)?;
        }
        if !stored.pinned {
            *stored = updated.clone();
        }
        Ok(updated)
    }

    /// Revokes one active session; `false` when unknown or already inactive.
    pub(crate) fn revoke(&mut self, id: &str, now: OffsetDateTime, noop: bool) -> bool {
        match self.by_id.get_mut(id) {
            Some(s) if s.is_active(now) => {
                if !s.pinned && !noop {
                    s.revoked = true;
                }
                true
            }
            _ => false,
        }
    }

    /// Un-revokes a session (only the `revive-on-extend` fault does this).
    pub(crate) fn revive(&mut self, id: &str) {
        if let Some(s) = self.by_id.get_mut(id) {
            s.revoked = false;
        }
    }

    /// Revokes every active session of `subject`; returns how many.
    pub(crate) fn revoke_subject(
        &mut self,
        subject: &str,
        now: OffsetDateTime,
        noop: bool,
    ) -> usize {
        let mut n = 0;
        for s in self.by_id.values_mut() {
            if s.subject == subject && s.is_active(now) {
                if !s.pinned && !noop {
                    s.revoked = true;
                }
                n += 1;
            }
        }
        n
    }
}

/// A Stytch consumer user.
#[derive(Debug, Clone)]
pub(crate) struct StytchUser {
    pub(crate) id: String,
    pub(crate) external_id: Option<String>,
    pub(crate) roles: Vec<String>,
    /// Primary email (`email_id`, address), used for minted sessions' factors.
    pub(crate) email: (String, String),
    /// The `User` object in wire shape.
    pub(crate) json: Value,
}

/// Consumer project state.
#[derive(Debug, Default)]
pub(crate) struct ConsumerWorld {
    pub(crate) users: Vec<StytchUser>,
    pub(crate) sessions: SessionStore,
}

impl ConsumerWorld {
    /// Finds a user by `user_id` or external id.
    pub(crate) fn resolve_user(&self, key: &str) -> Option<&StytchUser> {
        self.users.iter().find(|u| u.id == key).or_else(|| {
            self.users
                .iter()
                .find(|u| u.external_id.as_deref() == Some(key))
        })
    }
}

/// A Stytch B2B organization.
#[derive(Debug, Clone)]
pub(crate) struct Organization {
    pub(crate) id: String,
    pub(crate) slug: String,
    pub(crate) external_id: Option<String>,
    /// `mfa_policy: REQUIRED_FOR_ALL`.
    pub(crate) mfa_required: bool,
    /// Primary authentication methods allowed (`auth_methods: RESTRICTED`);
    /// `None` when all are allowed.
    pub(crate) allowed_auth_methods: Option<Vec<String>>,
    /// The `Organization` object in wire shape.
    pub(crate) json: Value,
}

/// A Stytch B2B member.
#[derive(Debug, Clone)]
pub(crate) struct Member {
    pub(crate) id: String,
    pub(crate) organization_id: String,
    pub(crate) external_id: Option<String>,
    pub(crate) roles: Vec<String>,
    pub(crate) email: (String, String),
    /// The verified MFA phone number of a member enrolled in SMS MFA.
    pub(crate) mfa_phone: Option<String>,
    /// The `Member` object in wire shape.
    pub(crate) json: Value,
}

/// B2B project state.
#[derive(Debug, Default)]
pub(crate) struct B2bWorld {
    pub(crate) organizations: Vec<Organization>,
    pub(crate) members: Vec<Member>,
    pub(crate) sessions: SessionStore,
}

impl B2bWorld {
    /// Finds an organization by id, slug or external id.
    pub(crate) fn resolve_organization(&self, key: &str) -> Option<&Organization> {
        let orgs = &self.organizations;
        orgs.iter()
            .find(|o| o.id == key)
            .or_else(|| orgs.iter().find(|o| o.slug == key))
            .or_else(|| orgs.iter().find(|o| o.external_id.as_deref() == Some(key)))
    }

    /// Finds a member of `organization_id` by member id or external id.
    pub(crate) fn resolve_member(&self, organization_id: &str, key: &str) -> Option<&Member> {
        let in_org = || {
            self.members
                .iter()
                .filter(|m| m.organization_id == organization_id)
        };
        in_org()
            .find(|m| m.id == key)
            .or_else(|| in_org().find(|m| m.external_id.as_deref() == Some(key)))
    }

    /// Finds a member by member id in any organization.
    pub(crate) fn member(&self, member_id: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.id == member_id)
    }

    pub(crate) fn organization(&self, id: &str) -> Option<&Organization> {
        self.organizations.iter().find(|o| o.id == id)
    }

    /// The member of `organization_id` with `email` (addresses compare
    /// case-insensitively).
    pub(crate) fn member_by_email(&self, organization_id: &str, email: &str) -> Option<&Member> {
        self.members
            .iter()
            .find(|m| m.organization_id == organization_id && m.email.1.eq_ignore_ascii_case(email))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn session(id: &str, subject: &str, pinned: bool) -> StytchSession {
        StytchSession {
            id: id.into(),
            subject: subject.into(),
            organization: None,
            token: format!("tok-{id}"),
            started_at: datetime!(2024-01-01 00:00 UTC),
            last_accessed_at: datetime!(2024-01-01 00:00 UTC),
            expires_at: datetime!(2024-01-02 00:00 UTC),
            revoked: false,
            factors: vec![],
            custom_claims: Map::new(),
            roles: vec![],
            ip_address: String::new(),
            user_agent: String::new(),
            pinned,
        }
    }

    #[test]
    fn touch_revoke_and_expiry() {
        let mut store = SessionStore::default();
        store.insert(session("a", "u", false));
        store.insert(session("p", "u", true));
        let t = datetime!(2024-01-01 12:00 UTC);
        assert_eq!(store.list("u", t, false).len(), 2);
        assert_eq!(store.id_for_token("tok-a"), Some("a"));

        let touched = store
            .touch(
                "a",
                t,
                Touch {
                    extend_by: Some(Duration::minutes(60 * 48)),
                    claims: None,
                },
            )
            .unwrap();
        assert_eq!(touched.expires_at, datetime!(2024-01-03 12:00 UTC));
        assert_eq!(store.get("a").unwrap().expires_at, touched.expires_at);

        // Pinned sessions answer with changes but keep their stored state.
        let pinned = store
            .touch(
                "p",
                t,
                Touch {
                    extend_by: Some(Duration::minutes(60 * 48)),
                    claims: None,
                },
            )
            .unwrap();
        assert_eq!(pinned.expires_at, datetime!(2024-01-03 12:00 UTC));
        assert_eq!(
            store.get("p").unwrap().expires_at,
            datetime!(2024-01-02 00:00 UTC)
        );
        assert!(store.revoke("p", t, false));
        assert!(store.get("p").unwrap().is_active(t));

        assert!(store.revoke("a", t, false));
        assert!(!store.revoke("a", t, false));
        assert_eq!(
            store.touch("a", t, Touch::default()).unwrap_err(),
            TouchError::NotFound
        );
        assert_eq!(store.list("u", t, false).len(), 1);
        assert_eq!(store.list("u", t, true).len(), 2);

        // Expired sessions are neither listed nor touchable.
        let later = datetime!(2024-01-05 00:00 UTC);
        assert!(store.list("u", later, false).is_empty());
        assert!(store.touch("p", later, Touch::default()).is_err());
    }

    #[test]
    fn claims_merge_rules() {
        let mut current = Map::new();
        current.insert("keep".into(), Value::from(1));
        current.insert("drop".into(), Value::from(2));
        let patch: Map<String, Value> =
            serde_json::from_str(r#"{"drop": null, "new": "x", "sub": "evil", "iat": 1}"#).unwrap();
        let merged = merge_claims(&current, &patch).unwrap();
        assert_eq!(
            Value::Object(merged),
            serde_json::json!({"keep": 1, "new": "x"})
        );
        let mut big = Map::new();
        big.insert("blob".into(), Value::from("x".repeat(5000)));
        assert_eq!(
            merge_claims(&current, &big),
            Err(TouchError::ClaimsTooLarge)
        );
    }
}
