//! Deliberate deviations from vendor behaviour, for differential tests of the harness.

use std::fmt;
use std::str::FromStr;

/// One deliberate bug the reference server can be told to have (`--fault NAME`).
///
/// Each fault changes exactly one behaviour; all are off by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Fault {
    /// `clerk-list-unsorted`: Clerk `GET /sessions` returns sessions oldest first
    /// instead of newest first.
    ClerkListUnsorted,
    /// `stytch-status-code-mismatch`: Stytch error bodies carry `status_code: 200`
    /// whatever the HTTP status is.
    StytchStatusCodeMismatch,
    /// `lenient-auth`: every vendor API accepts any credentials, or none.
    LenientAuth,
    /// `list-revoked`: Stytch and Stytch B2B session lists include revoked and
    /// expired sessions.
    ListRevoked,
    /// `revoke-noop`: revoke endpoints (Stytch, Stytch B2B, Clerk) answer as if they
    /// had revoked, but the sessions stay active.
    RevokeNoop,
    /// `clerk-seconds-timestamps`: Clerk timestamps are epoch seconds instead of
    /// epoch milliseconds.
    ClerkSecondsTimestamps,
    /// `stytch-long-jwt`: Stytch session JWTs live 60 minutes instead of 5.
    StytchLongJwt,
    /// `no-retry-after`: 429 responses omit the `Retry-After` header.
    NoRetryAfter,
    /// `duration-off-by-one`: Stytch consumer authenticate with `session_duration_minutes` N
    /// above 5 sets the expiry N − 1 minutes ahead.
    DurationOffByOne,
    /// `jwt-ignores-duration`: Stytch consumer authenticate by `session_jwt` ignores
    /// `session_duration_minutes` (the expiry does not move).
    JwtIgnoresDuration,
    /// `revive-on-extend`: Stytch consumer authenticate by `session_token` with
    /// `session_duration_minutes` revives a revoked session.
    ReviveOnExtend,
    /// `revoke-used-token-noop`: Stytch consumer revoke by `session_token` answers success but
    /// leaves a session that was authenticated since it started active.
    RevokeUsedTokenNoop,
    /// `list-stale-access`: Stytch consumer `GET /v1/sessions` reports each session's
    /// `last_accessed_at` as its `started_at`.
    ListStaleAccess,
    /// `clerk-total-count-offset`: Clerk `GET /sessions?paginated=true` with an `offset` inside
    /// the list counts only the sessions from the offset on in `total_count`.
    ClerkTotalCountOffset,
    /// `clerk-token-after-revoke`: Clerk `POST /sessions/{id}/tokens` issues tokens for a
    /// revoked session.
    ClerkTokenAfterRevoke,
    /// `b2b-revoke-member-first-only`: Stytch B2B revoke by `member_id` revokes only the
    /// member's oldest active session.
    B2bRevokeMemberFirstOnly,
    /// `b2b-exchange-keeps-organization`: Stytch B2B exchange gives the new session the
    /// organization of the session it was exchanged from.
    B2bExchangeKeepsOrganization,
}

impl Fault {
    /// Every fault, in a stable order.
    pub const ALL: &'static [Fault] = &[
        Fault::ClerkListUnsorted,
        Fault::StytchStatusCodeMismatch,
        Fault::LenientAuth,
        Fault::ListRevoked,
        Fault::RevokeNoop,
        Fault::ClerkSecondsTimestamps,
        Fault::StytchLongJwt,
        Fault::NoRetryAfter,
        Fault::DurationOffByOne,
        Fault::JwtIgnoresDuration,
        Fault::ReviveOnExtend,
        Fault::RevokeUsedTokenNoop,
        Fault::ListStaleAccess,
        Fault::ClerkTotalCountOffset,
        Fault::ClerkTokenAfterRevoke,
        Fault::B2bRevokeMemberFirstOnly,
        Fault::B2bExchangeKeepsOrganization,
    ];

    /// The kebab-case name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Fault::ClerkListUnsorted => "clerk-list-unsorted",
            Fault::StytchStatusCodeMismatch => "stytch-status-code-mismatch",
            Fault::LenientAuth => "lenient-auth",
            Fault::ListRevoked => "list-revoked",
            Fault::RevokeNoop => "revoke-noop",
            Fault::ClerkSecondsTimestamps => "clerk-seconds-timestamps",
            Fault::StytchLongJwt => "stytch-long-jwt",
            Fault::NoRetryAfter => "no-retry-after",
            Fault::DurationOffByOne => "duration-off-by-one",
            Fault::JwtIgnoresDuration => "jwt-ignores-duration",
            Fault::ReviveOnExtend => "revive-on-extend",
            Fault::RevokeUsedTokenNoop => "revoke-used-token-noop",
            Fault::ListStaleAccess => "list-stale-access",
            Fault::ClerkTotalCountOffset => "clerk-total-count-offset",
            Fault::ClerkTokenAfterRevoke => "clerk-token-after-revoke",
            Fault::B2bRevokeMemberFirstOnly => "b2b-revoke-member-first-only",
            Fault::B2bExchangeKeepsOrganization => "b2b-exchange-keeps-organization",
        }
    }

    /// A one-line description of the behaviour the fault changes.
    pub fn description(self) -> &'static str {
        match self {
            Fault::ClerkListUnsorted => "Clerk GET /sessions returns sessions oldest first",
            Fault::StytchStatusCodeMismatch => {
                "Stytch error bodies carry status_code 200 whatever the HTTP status"
            }
            Fault::LenientAuth => "every vendor API accepts any credentials, or none",
            Fault::ListRevoked => "Stytch session lists include revoked and expired sessions",
            Fault::RevokeNoop => "revoke endpoints answer success but sessions stay active",
            Fault::ClerkSecondsTimestamps => "Clerk timestamps are epoch seconds, not milliseconds",
            Fault::StytchLongJwt => "Stytch session JWTs live 60 minutes instead of 5",
            Fault::NoRetryAfter => "429 responses omit the Retry-After header",
            Fault::DurationOffByOne => {
                "Stytch session_duration_minutes N > 5 sets the expiry N-1 minutes ahead"
            }
            Fault::JwtIgnoresDuration => {
                "Stytch authenticate by session_jwt ignores session_duration_minutes"
            }
            Fault::ReviveOnExtend => {
                "Stytch authenticate by token with session_duration_minutes revives a revoked session"
            }
            Fault::RevokeUsedTokenNoop => {
                "Stytch revoke by session_token is a no-op for a session authenticated since it started"
            }
            Fault::ListStaleAccess => "Stytch session lists report last_accessed_at as started_at",
            Fault::ClerkTotalCountOffset => {
                "Clerk paginated total_count counts only the sessions from the offset on"
            }
            Fault::ClerkTokenAfterRevoke => "Clerk issues session tokens for revoked sessions",
            Fault::B2bRevokeMemberFirstOnly => {
                "Stytch B2B revoke by member_id revokes only the member's oldest session"
            }
            Fault::B2bExchangeKeepsOrganization => {
                "Stytch B2B exchange gives the new session the old session's organization"
            }
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An unknown fault name was given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown fault {name:?} (known faults: {known})")]
pub struct ParseFaultError {
    name: String,
    known: String,
}

impl FromStr for Fault {
    type Err = ParseFaultError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Fault::ALL
            .iter()
            .copied()
            .find(|f| f.name() == s.trim())
            .ok_or_else(|| ParseFaultError {
                name: s.to_owned(),
                known: Fault::ALL
                    .iter()
                    .map(|f| f.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for f in Fault::ALL {
            assert_eq!(f.name().parse::<Fault>().unwrap(), *f);
            assert_eq!(f.to_string(), f.name());
            assert!(!f.description().is_empty());
        }
    }

    #[test]
    fn unknown_name_lists_known_ones() {
        let err = "no-such-fault".parse::<Fault>().unwrap_err();
        let text = err.to_string();
        assert!(text.contains("no-such-fault"), "{text}");
        assert!(text.contains("lenient-auth"), "{text}");
    }
}
