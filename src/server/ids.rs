//! Identifier and token generation: deterministic for fixtures, random at run time.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn seeded_bytes(seed: &str) -> [u8; 64] {
    let a = Sha256::digest(seed.as_bytes());
    let b = Sha256::digest(format!("{seed}#2").as_bytes());
    let mut out = [0u8; 64];
    out[..32].copy_from_slice(&a);
    out[32..].copy_from_slice(&b);
    out
}

fn random_bytes() -> [u8; 64] {
    let mut out = [0u8; 64];
    for chunk in out.chunks_mut(16) {
        chunk.copy_from_slice(uuid::Uuid::new_v4().as_bytes());
    }
    out
}

fn uuid_from(bytes: &[u8]) -> String {
    let mut b = [0u8; 16];
    b.copy_from_slice(&bytes[..16]);
    uuid::Builder::from_random_bytes(b)
        .into_uuid()
        .hyphenated()
        .to_string()
}

/// A fixed version-4-shaped UUID derived from `seed`.
pub(crate) fn det_uuid(seed: &str) -> String {
    uuid_from(&seeded_bytes(seed))
}

/// A fresh random UUID (v4).
pub(crate) fn random_uuid() -> String {
    uuid::Uuid::new_v4().hyphenated().to_string()
}

/// A fixed 44-character URL-safe session token derived from `seed`.
pub(crate) fn det_token(seed: &str) -> String {
    URL_SAFE_NO_PAD.encode(&seeded_bytes(seed)[..33])
}

/// A fresh random 44-character URL-safe session token (264 random bits).
pub(crate) fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(&random_bytes()[..33])
}

fn base62(bytes: &[u8], len: usize) -> String {
    bytes
        .iter()
        .take(len)
        .map(|b| char::from(BASE62[usize::from(*b) % BASE62.len()]))
        .collect()
}

/// A fixed Clerk-style id (`<prefix>_` + 27 base62 characters) derived from `seed`.
pub(crate) fn det_clerk_id(prefix: &str, seed: &str) -> String {
    format!("{prefix}_{}", base62(&seeded_bytes(seed), 27))
}

/// A fresh random Clerk-style id.
pub(crate) fn random_clerk_id(prefix: &str) -> String {
    format!("{prefix}_{}", base62(&random_bytes(), 27))
}

/// A unique Stytch request id (`request-id-test-<uuid>`).
pub(crate) fn request_id() -> String {
    format!("request-id-test-{}", random_uuid())
}

/// A unique Clerk trace id (32 hex digits).
pub(crate) fn trace_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn deterministic_and_well_formed() {
        assert_eq!(det_uuid("a"), det_uuid("a"));
        assert_ne!(det_uuid("a"), det_uuid("b"));
        let u = uuid::Uuid::parse_str(&det_uuid("a")).unwrap();
        assert_eq!(u.get_version_num(), 4);
        assert_eq!(det_token("x").len(), 44);
        assert_eq!(random_token().len(), 44);
        assert_ne!(random_token(), random_token());
        let id = det_clerk_id("sess", "s1");
        assert!(id.starts_with("sess_") && id.len() == 32, "{id}");
        assert!(request_id().starts_with("request-id-test-"));
        assert_eq!(trace_id().len(), 32);
    }
}
