//! Embedded signing keys and their JWKS entries.
//!
//! PUBLIC TEST KEYS for the reference server only (see `keys/README.md`): they
//! ship with the source code, so anything they sign proves nothing outside a
//! test. The PEMs are parsed once per process, never generated at start-up.

use std::sync::OnceLock;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use jsonwebtoken::jwk::{AlgorithmParameters, Jwk};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use super::error::ServerError;

// Public test key material; see the module docs.
const STYTCH_PRIVATE_PEM: &str = include_str!("keys/stytch-private.pem");
const STYTCH_CERT_PEM: &str = include_str!("keys/stytch-cert.pem");
const CLERK_PRIVATE_PEM: &str = include_str!("keys/clerk-private.pem");
const CLERK_CERT_PEM: &str = include_str!("keys/clerk-cert.pem");

/// The `kid` of the Stytch key (Stytch style: `jwk-test-<uuid>`).
pub(crate) const STYTCH_KID: &str = "jwk-test-5d0f5b8e-7c1a-4f3e-9b2d-6a8c4e1f7b30";
/// The `kid` of the Clerk key (Clerk uses the instance id).
pub(crate) const CLERK_KID: &str = "ins_2sessconformReferenceKey01";

/// One RSA signing key with everything a JWKS entry needs.
pub(crate) struct SigningKey {
    kid: &'static str,
    encoding: EncodingKey,
    decoding: DecodingKey,
    n: String,
    e: String,
    x5c: String,
    x5t_s256: String,
}

/// The reference server's keys, one per vendor.
pub(crate) struct Keys {
    /// Signs Stytch and Stytch B2B session JWTs.
    pub(crate) stytch: SigningKey,
    /// Signs Clerk session tokens and template JWTs.
    pub(crate) clerk: SigningKey,
}

/// Why a presented JWT was rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum JwtRejection {
    /// Not a compact JWS, wrong algorithm, unknown `kid` or bad signature.
    Malformed,
    /// Signature fine, but `aud`/`iss` belong to someone else.
    WrongAudience,
    /// Signature fine, but `exp` has passed.
    Expired,
}

static KEYS: OnceLock<Result<Keys, String>> = OnceLock::new();

/// The embedded keys, parsed on first use.
pub(crate) fn keys() -> Result<&'static Keys, ServerError> {
    KEYS.get_or_init(|| {
        Ok(Keys {
            stytch: SigningKey::load(STYTCH_KID, STYTCH_PRIVATE_PEM, STYTCH_CERT_PEM)?,
            clerk: SigningKey::load(CLERK_KID, CLERK_PRIVATE_PEM, CLERK_CERT_PEM)?,
        })
    })
    .as_ref()
    .map_err(|e| ServerError::Keys(e.clone()))
}

impl SigningKey {
    fn load(kid: &'static str, private_pem: &str, cert_pem: &str) -> Result<Self, String> {
        let encoding = EncodingKey::from_rsa_pem(private_pem.as_bytes())
            .map_err(|e| format!("failed to parse the private key {kid}: {e}"))?;
        let jwk = Jwk::from_encoding_key(&encoding, Algorithm::RS256)
            .map_err(|e| format!("failed to derive the public key {kid}: {e}"))?;
        let AlgorithmParameters::RSA(rsa) = jwk.algorithm else {
            return Err(format!("key {kid} is not an RSA key"));
        };
        let decoding = DecodingKey::from_rsa_components(&rsa.n, &rsa.e)
            .map_err(|e| format!("failed to build the verification key {kid}: {e}"))?;
        let x5c: String = cert_pem
            .lines()
            .filter(|l| !l.starts_with("-----"))
            .map(str::trim)
            .collect();
        let der = STANDARD
            .decode(&x5c)
            .map_err(|e| format!("failed to decode the certificate of {kid}: {e}"))?;
        let x5t_s256 = STANDARD.encode(Sha256::digest(&der));
        Ok(SigningKey {
            kid,
            encoding,
            decoding,
            n: rsa.n,
            e: rsa.e,
            x5c,
            x5t_s256,
        })
    }

    /// Signs `claims` as an RS256 JWT with this key's `kid`.
    pub(crate) fn sign(&self, claims: &Map<String, Value>) -> Result<String, String> {
        let mut header = Header::new(Algorithm::RS256);
        header.kid = Some(self.kid.to_owned());
        header.typ = Some("JWT".to_owned());
        jsonwebtoken::encode(&header, claims, &self.encoding)
            .map_err(|e| format!("failed to sign a JWT: {e}"))
    }

    /// Verifies signature, `kid` and (if given) audience and issuer; `exp` is
    /// checked only when `check_exp` is set.
    pub(crate) fn verify(
        &self,
        token: &str,
        audience: Option<&str>,
        issuer: Option<&str>,
        check_exp: bool,
    ) -> Result<Map<String, Value>, JwtRejection> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| JwtRejection::Malformed)?;
        if header.alg != Algorithm::RS256 || header.kid.as_deref() != Some(self.kid) {
            return Err(JwtRejection::Malformed);
        }
        let mut validation = Validation::new(Algorithm::RS256);
        validation.required_spec_claims.clear();
        validation.validate_exp = false;
        validation.validate_nbf = false;
        validation.leeway = 0;
        match audience {
            Some(aud) => validation.set_audience(&[aud]),
            None => validation.validate_aud = false,
        }
        if let Some(iss) = issuer {
            validation.set_issuer(&[iss]);
        }
        let data = jsonwebtoken::decode::<Map<String, Value>>(token, &self.decoding, &validation)
            .map_err(|e| match e.kind() {
            jsonwebtoken::errors::ErrorKind::InvalidAudience
            | jsonwebtoken::errors::ErrorKind::InvalidIssuer => JwtRejection::WrongAudience,
            _ => JwtRejection::Malformed,
        })?;
        if check_exp {
            let exp = data.claims.get("exp").and_then(Value::as_i64);
            let now = time::OffsetDateTime::now_utc().unix_timestamp();
            if exp.is_none_or(|exp| exp <= now) {
                return Err(JwtRejection::Expired);
            }
        }
        Ok(data.claims)
    }

    /// The JWKS entry in Stytch's shape (all nine members required by Stytch's spec).
    pub(crate) fn stytch_jwk(&self) -> Value {
        json!({
            "kty": "RSA",
            "use": "sig",
            "key_ops": ["verify"],
            "alg": "RS256",
            "kid": self.kid,
            "x5c": [self.x5c],
            "x5tS256": self.x5t_s256,
            "n": self.n,
            "e": self.e,
        })
    }

    /// The JWKS entry in Clerk's shape.
    pub(crate) fn clerk_jwk(&self) -> Value {
        json!({
            "use": "sig",
            "kty": "RSA",
            "kid": self.kid,
            "alg": "RS256",
            "n": self.n,
            "e": self.e,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_load_sign_and_verify() {
        let keys = keys().unwrap();
        assert_ne!(keys.stytch.kid, keys.clerk.kid);
        assert_ne!(keys.stytch.n, keys.clerk.n);
        let mut claims = Map::new();
        claims.insert("sub".into(), json!("user-1"));
        claims.insert("aud".into(), json!(["project-1"]));
        let exp = time::OffsetDateTime::now_utc().unix_timestamp() + 60;
        claims.insert("exp".into(), json!(exp));
        let jwt = keys.stytch.sign(&claims).unwrap();
        let got = keys
            .stytch
            .verify(&jwt, Some("project-1"), None, true)
            .unwrap();
        assert_eq!(got["sub"], "user-1");
        assert_eq!(
            keys.stytch.verify(&jwt, Some("project-2"), None, false),
            Err(JwtRejection::WrongAudience)
        );
        // Signed by another key (different kid) is rejected.
        assert_eq!(
            keys.clerk.verify(&jwt, None, None, false),
            Err(JwtRejection::Malformed)
        );
        // JWKS components verify signatures on their own.
        let jwk = keys.stytch.stytch_jwk();
        let dk = DecodingKey::from_rsa_components(
            jwk["n"].as_str().unwrap(),
            jwk["e"].as_str().unwrap(),
        )
        .unwrap();
        let mut v = Validation::new(Algorithm::RS256);
        v.set_audience(&["project-1"]);
        jsonwebtoken::decode::<Value>(&jwt, &dk, &v).unwrap();
        assert_eq!(jwk["e"], "AQAB");
        assert_eq!(
            STANDARD
                .decode(jwk["x5tS256"].as_str().unwrap())
                .unwrap()
                .len(),
            32
        );
    }
}
