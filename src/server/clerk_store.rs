//! In-memory Clerk state: users, clients, organizations, sessions and JWT templates.

use std::collections::{HashMap, HashSet};

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::ids::random_token;

/// A Clerk session status (the 2025-04-10+ enum; `pending` is hidden from older versions).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ClerkStatus {
    Active,
    Pending,
    Revoked,
    Ended,
    Expired,
    Removed,
    Abandoned,
    Replaced,
}

impl ClerkStatus {
    /// Every status, in the spec's order.
    pub(crate) const ALL: [ClerkStatus; 8] = [
        ClerkStatus::Active,
        ClerkStatus::Revoked,
        ClerkStatus::Ended,
        ClerkStatus::Expired,
        ClerkStatus::Removed,
        ClerkStatus::Abandoned,
        ClerkStatus::Replaced,
        ClerkStatus::Pending,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ClerkStatus::Active => "active",
            ClerkStatus::Pending => "pending",
            ClerkStatus::Revoked => "revoked",
            ClerkStatus::Ended => "ended",
            ClerkStatus::Expired => "expired",
            ClerkStatus::Removed => "removed",
            ClerkStatus::Abandoned => "abandoned",
            ClerkStatus::Replaced => "replaced",
        }
    }

    pub(crate) fn parse(s: &str) -> Option<ClerkStatus> {
        ClerkStatus::ALL.into_iter().find(|st| st.as_str() == s)
    }
}

/// One Clerk session; timestamps are epoch milliseconds.
#[derive(Debug, Clone)]
pub(crate) struct ClerkSession {
    pub(crate) id: String,
    pub(crate) user_id: String,
    pub(crate) client_id: String,
    /// Stored status; see [`ClerkSession::status_at`] for the one reported.
    pub(crate) status: ClerkStatus,
    pub(crate) created_at: i64,
    pub(crate) updated_at: i64,
    pub(crate) last_active_at: i64,
    pub(crate) expire_at: i64,
    pub(crate) abandon_at: i64,
    pub(crate) last_active_organization_id: Option<String>,
    pub(crate) latest_activity: Option<Value>,
    /// Keys of the pending session tasks (non-empty only while `pending`).
    pub(crate) tasks: Vec<String>,
}

impl ClerkSession {
    /// The status at `now_ms`: live sessions become `expired` at `expire_at` and
    /// `abandoned` at `abandon_at`.
    pub(crate) fn status_at(&self, now_ms: i64) -> ClerkStatus {
        match self.status {
            ClerkStatus::Active | ClerkStatus::Pending if now_ms >= self.abandon_at => {
                ClerkStatus::Abandoned
            }
            ClerkStatus::Active | ClerkStatus::Pending if now_ms >= self.expire_at => {
                ClerkStatus::Expired
            }
            s => s,
        }
    }
}

/// Filters of `GET /sessions`.
#[derive(Debug, Default, Clone)]
pub(crate) struct ListFilter {
    pub(crate) user_id: Option<String>,
    pub(crate) client_id: Option<String>,
    pub(crate) status: Option<ClerkStatus>,
    /// Whether `pending` sessions exist for the requested API version.
    pub(crate) show_pending: bool,
}

/// Default lifetime of a session (Clerk's default maximum lifetime is 7 days).
pub(crate) const SESSION_LIFETIME_MS: i64 = 7 * 24 * 3600 * 1000;
/// Time until an unused session is abandoned.
pub(crate) const ABANDON_AFTER_MS: i64 = 30 * 24 * 3600 * 1000;

/// Clerk instance state.
#[derive(Debug, Default)]
pub(crate) struct ClerkWorld {
    pub(crate) users: Vec<String>,
    pub(crate) organizations: Vec<String>,
    pub(crate) sessions: Vec<ClerkSession>,
    /// Names of the instance's JWT templates.
    pub(crate) templates: Vec<String>,
    /// Highest `created_at` handed out, so creation order equals sort order.
    pub(crate) last_created_at: i64,
    /// Each client's refresh token (the `__refresh` cookie value Clerk's Frontend
    /// API sets in its handshake; the Backend API never returns it).
    pub(crate) refresh_tokens: HashMap<String, String>,
    /// SHA-256 digests of the expired session tokens already used for a refresh.
    pub(crate) consumed_tokens: HashSet<[u8; 32]>,
}

impl ClerkWorld {
    /// Sessions matching `filter`, newest first (`created_at` descending).
    pub(crate) fn list(&self, filter: &ListFilter, now_ms: i64) -> Vec<ClerkSession> {
        let mut out: Vec<ClerkSession> = self
            .sessions
            .iter()
            .filter(|s| {
                let status = s.status_at(now_ms);
                (filter.show_pending || status != ClerkStatus::Pending)
                    && filter.user_id.as_deref().is_none_or(|u| s.user_id == u)
                    && filter.client_id.as_deref().is_none_or(|c| s.client_id == c)
                    && filter.status.is_none_or(|st| status == st)
            })
            .cloned()
            .collect();
        out.sort_by(|a, b| {
            b.created_at
                .cmp(&a.created_at)
                .then_with(|| b.id.cmp(&a.id))
        });
        out
    }

    pub(crate) fn get(&self, id: &str) -> Option<&ClerkSession> {
        self.sessions.iter().find(|s| s.id == id)
    }

    pub(crate) fn has_user(&self, id: &str) -> bool {
        self.users.iter().any(|u| u == id)
    }

    /// Creates an active session for `user_id` on the (new) client `client_id`.
    pub(crate) fn create(
        &mut self,
        session_id: String,
        client_id: String,
        user_id: &str,
        organization_id: Option<String>,
        now_ms: i64,
    ) -> ClerkSession {
        let created_at = now_ms.max(self.last_created_at + 1);
        self.last_created_at = created_at;
        self.refresh_tokens
            .entry(client_id.clone())
            .or_insert_with(random_token);
        let session = ClerkSession {
            id: session_id,
            user_id: user_id.to_owned(),
            client_id,
            status: ClerkStatus::Active,
            created_at,
            updated_at: created_at,
            last_active_at: created_at,
            expire_at: created_at + SESSION_LIFETIME_MS,
            abandon_at: created_at + ABANDON_AFTER_MS,
            last_active_organization_id: organization_id,
            latest_activity: None,
            tasks: Vec::new(),
        };
        self.sessions.push(session.clone());
        session
    }

    /// Marks session `id` as just used (`last_active_at`); `None` if unknown.
    pub(crate) fn touch(&mut self, id: &str, now_ms: i64) -> Option<ClerkSession> {
        let s = self.sessions.iter_mut().find(|s| s.id == id)?;
        s.last_active_at = s.last_active_at.max(now_ms);
        Some(s.clone())
    }

    /// The refresh token of the client that holds session `id`.
    pub(crate) fn refresh_token_for(&self, id: &str) -> Option<&str> {
        let session = self.get(id)?;
        self.refresh_tokens
            .get(&session.client_id)
            .map(String::as_str)
    }

    /// Records `token` as used for a refresh; `false` if it already was.
    pub(crate) fn consume_token(&mut self, token: &str) -> bool {
        self.consumed_tokens
            .insert(Sha256::digest(token.as_bytes()).into())
    }

    /// Whether `token` was already used for a refresh.
    pub(crate) fn is_consumed(&self, token: &str) -> bool {
        let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
        self.consumed_tokens.contains(&digest)
    }

    /// Sets a session's status to `revoked` (unless `noop`); `None` if unknown.
    pub(crate) fn revoke(&mut self, id: &str, now_ms: i64, noop: bool) -> Option<ClerkSession> {
        let s = self.sessions.iter_mut().find(|s| s.id == id)?;
        let mut out = s.clone();
        out.status = ClerkStatus::Revoked;
        out.tasks.clear();
        out.updated_at = now_ms.max(out.created_at);
        if !noop {
            *s = out.clone();
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn create_list_revoke() {
        let mut w = ClerkWorld {
            users: vec!["user_a".into()],
            ..Default::default()
        };
        let a = w.create("sess_a".into(), "client_a".into(), "user_a", None, 1_000);
        let b = w.create("sess_b".into(), "client_b".into(), "user_a", None, 1_000);
        assert!(b.created_at > a.created_at, "creation order is sort order");
        let listed = w.list(&ListFilter::default(), 2_000);
        assert_eq!(listed[0].id, "sess_b");
        let revoked = w.revoke("sess_a", 3_000, false).unwrap();
        assert_eq!(revoked.status, ClerkStatus::Revoked);
        let only_active = ListFilter {
            status: Some(ClerkStatus::Active),
            ..Default::default()
        };
        assert_eq!(w.list(&only_active, 3_000).len(), 1);
        assert_eq!(
            w.get("sess_b")
                .unwrap()
                .status_at(1_000 + SESSION_LIFETIME_MS + 1),
            ClerkStatus::Expired
        );
        assert!(w.revoke("sess_x", 0, false).is_none());
    }

    #[test]
    fn refresh_tokens_are_per_client_and_tokens_are_consumed_once() {
        let mut w = ClerkWorld::default();
        w.create("sess_a".into(), "client_a".into(), "user_a", None, 1_000);
        w.create("sess_b".into(), "client_b".into(), "user_a", None, 1_000);
        let a = w.refresh_token_for("sess_a").unwrap().to_owned();
        assert_ne!(Some(a.as_str()), w.refresh_token_for("sess_b"));
        w.create("sess_c".into(), "client_a".into(), "user_a", None, 1_000);
        assert_eq!(w.refresh_token_for("sess_c"), Some(a.as_str()));
        assert!(w.refresh_token_for("sess_x").is_none());
        assert!(!w.is_consumed("t1"));
        assert!(w.consume_token("t1"));
        assert!(w.is_consumed("t1"));
        assert!(!w.consume_token("t1"));
    }
}
