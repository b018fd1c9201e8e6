//! Compact JWS tokens: decoding (header and claims) for assertions, and verification of the
//! signature against a JWKS, with `exp`, `nbf` and `iat` checked within a clock skew. The one
//! JWT decoder of the crate.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD_INDIFFERENT;
use serde_json::Value;

/// The decoded parts of a token.
#[derive(Debug)]
pub(crate) struct Decoded {
    /// The JOSE header.
    pub header: Value,
    /// The claims.
    pub claims: Value,
}

/// Decodes `token`; the error says which part is malformed.
pub(crate) fn decode(token: &str) -> Result<Decoded, String> {
    let parts: Vec<&str> = token.split('.').collect();
    let [header, claims, signature] = parts.as_slice() else {
        return Err(format!(
            "not a JWT: expected 3 dot-separated segments, got {}",
            parts.len()
        ));
    };
    let header = segment(header, "header")?;
    let claims = segment(claims, "claims")?;
    URL_SAFE_NO_PAD_INDIFFERENT
        .decode(signature)
        .map_err(|e| format!("not a JWT: the signature segment is not base64url: {e}"))?;
    Ok(Decoded { header, claims })
}

fn segment(text: &str, name: &str) -> Result<Value, String> {
    let bytes = URL_SAFE_NO_PAD_INDIFFERENT
        .decode(text)
        .map_err(|e| format!("not a JWT: the {name} segment is not base64url: {e}"))?;
    let value: Value = serde_json::from_slice(&bytes)
        .map_err(|e| format!("not a JWT: the {name} segment is not JSON: {e}"))?;
    if !value.is_object() {
        return Err(format!(
            "not a JWT: the {name} segment is not a JSON object"
        ));
    }
    Ok(value)
}

/// Why a token does not verify against a JWKS. Each is its own finding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum VerifyError {
    /// `alg: none`.
    #[error("the JWT is not signed (alg `none`)")]
    Unsigned,
    /// An HMAC algorithm: a public JWKS key must never verify it.
    #[error(
        "the JWT is signed with {0}, a shared-secret algorithm: verifying it with a public JWKS key would be algorithm confusion"
    )]
    SharedSecret(String),
    /// An algorithm this tool does not know.
    #[error("the JWT's alg `{0}` is not a known signature algorithm")]
    UnknownAlg(String),
    /// No `kid` in the header.
    #[error("the JWT header has no `kid`, so no JWKS key can be chosen")]
    NoKid,
    /// The `kid` is not in the JWKS.
    #[error("kid `{kid}` is not in the JWKS (kids: {known})")]
    UnknownKid {
        /// The token's kid.
        kid: String,
        /// The JWKS's kids.
        known: String,
    },
    /// The key's own `alg` differs from the token's.
    #[error("the JWT's alg {token} does not match the alg {key} of JWKS key `{kid}`")]
    AlgMismatch {
        /// The token's alg.
        token: String,
        /// The key's alg.
        key: String,
        /// The key.
        kid: String,
    },
    /// The JWKS is not a JWKS.
    #[error("the JWKS is not a JSON Web Key Set: {0}")]
    BadJwks(String),
    /// The key cannot be used.
    #[error("JWKS key `{kid}` cannot verify {alg}: {why}")]
    BadKey {
        /// The key.
        kid: String,
        /// The token's alg.
        alg: String,
        /// Why.
        why: String,
    },
    /// The signature is wrong (a tampered header or payload, or another key).
    #[error("the signature does not verify with JWKS key `{0}` (tampered token or wrong key)")]
    Signature(String),
    /// Expired.
    #[error("the JWT expired (exp {exp}, now {now}, skew {skew} s)")]
    Expired {
        /// `exp`.
        exp: i64,
        /// Now, epoch seconds.
        now: i64,
        /// Allowed skew.
        skew: u64,
    },
    /// Not yet valid.
    #[error("the JWT is not valid yet (nbf {nbf}, now {now}, skew {skew} s)")]
    NotYetValid {
        /// `nbf`.
        nbf: i64,
        /// Now.
        now: i64,
        /// Allowed skew.
        skew: u64,
    },
    /// Issued in the future.
    #[error("the JWT was issued in the future (iat {iat}, now {now}, skew {skew} s)")]
    IssuedInFuture {
        /// `iat`.
        iat: i64,
        /// Now.
        now: i64,
        /// Allowed skew.
        skew: u64,
    },
}

/// Verifies `token` (already decoded as `decoded`) with the key of `jwks` its `kid` names, for
/// the algorithm the header declares (RSA, EC and EdDSA keys), then `exp`, `nbf` and `iat`
/// against `now_s` within `skew_s` seconds.
pub(crate) fn verify(
    token: &str,
    decoded: &Decoded,
    jwks: &Value,
    now_s: i64,
    skew_s: u64,
) -> Result<(), VerifyError> {
    use jsonwebtoken::jwk::JwkSet;
    use jsonwebtoken::{Algorithm, DecodingKey, Validation};
    use serde::Deserialize as _;
    let alg_text = decoded
        .header
        .get("alg")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if alg_text.eq_ignore_ascii_case("none") || alg_text.is_empty() {
        return Err(VerifyError::Unsigned);
    }
    let alg: Algorithm = alg_text
        .parse()
        .map_err(|_| VerifyError::UnknownAlg(alg_text.clone()))?;
    if matches!(alg, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512) {
        return Err(VerifyError::SharedSecret(alg_text));
    }
    let set = JwkSet::deserialize(jwks).map_err(|e| VerifyError::BadJwks(e.to_string()))?;
    let kid = decoded
        .header
        .get("kid")
        .and_then(Value::as_str)
        .ok_or(VerifyError::NoKid)?;
    let jwk = set.find(kid).ok_or_else(|| VerifyError::UnknownKid {
        kid: kid.to_owned(),
        known: set
            .keys
            .iter()
            .filter_map(|k| k.common.key_id.as_deref())
            .collect::<Vec<_>>()
            .join(", "),
    })?;
    if let Some(key_alg) = jwk.common.key_algorithm {
        let key_alg = format!("{key_alg:?}");
        if key_alg != alg_text {
            return Err(VerifyError::AlgMismatch {
                token: alg_text,
                key: key_alg,
                kid: kid.to_owned(),
            });
        }
    }
    let bad_key = |why: String| VerifyError::BadKey {
        kid: kid.to_owned(),
        alg: alg_text.clone(),
        why,
    };
    let key = DecodingKey::from_jwk(jwk).map_err(|e| bad_key(e.to_string()))?;
    // Signature only here; the time claims are checked below with our own clock and skew.
    let mut validation = Validation::new(alg);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.set_required_spec_claims::<&str>(&[]);
    jsonwebtoken::decode::<Value>(token, &key, &validation).map_err(|e| match e.kind() {
        jsonwebtoken::errors::ErrorKind::InvalidSignature => VerifyError::Signature(kid.to_owned()),
        _ => bad_key(e.to_string()),
    })?;
    let skew = i64::try_from(skew_s).unwrap_or(i64::MAX);
    let claim = |name: &str| decoded.claims.get(name).and_then(Value::as_i64);
    if let Some(exp) = claim("exp") {
        if now_s > exp.saturating_add(skew) {
            return Err(VerifyError::Expired {
                exp,
                now: now_s,
                skew: skew_s,
            });
        }
    }
    if let Some(nbf) = claim("nbf") {
        if now_s < nbf.saturating_sub(skew) {
            return Err(VerifyError::NotYetValid {
                nbf,
                now: now_s,
                skew: skew_s,
            });
        }
    }
    if let Some(iat) = claim("iat") {
        if now_s < iat.saturating_sub(skew) {
            return Err(VerifyError::IssuedInFuture {
                iat,
                now: now_s,
                skew: skew_s,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    /// Builds an unsigned-looking token from a header and claims.
    pub(crate) fn token(header: &Value, claims: &Value) -> String {
        let enc =
            |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        format!("{}.{}.c2ln", enc(header), enc(claims))
    }

    #[test]
    fn decodes_header_and_claims() {
        let t = token(
            &json!({"alg": "RS256", "kid": "k1"}),
            &json!({"sub": "u1", "exp": 10}),
        );
        let d = decode(&t).unwrap();
        assert_eq!(d.header["alg"], "RS256");
        assert_eq!(d.claims["exp"], 10);
    }

    #[test]
    fn explains_which_part_is_malformed() {
        assert_eq!(
            decode("a.b").unwrap_err(),
            "not a JWT: expected 3 dot-separated segments, got 2"
        );
        let e = decode("!!.e30.c2ln").unwrap_err();
        assert!(
            e.starts_with("not a JWT: the header segment is not base64url"),
            "{e}"
        );
        let e = decode("e30.bm90IGpzb24.c2ln").unwrap_err();
        assert!(
            e.starts_with("not a JWT: the claims segment is not JSON"),
            "{e}"
        );
        let e = decode("e30.WzFd.c2ln").unwrap_err();
        assert_eq!(e, "not a JWT: the claims segment is not a JSON object");
        let e = decode("e30.e30.***").unwrap_err();
        assert!(e.starts_with("not a JWT: the signature segment"), "{e}");
    }

    mod verification {
        use super::super::*;
        use jsonwebtoken::jwk::Jwk;
        use jsonwebtoken::{Algorithm, EncodingKey, Header};
        use serde_json::json;

        const NOW: i64 = 1_700_000_000;

        fn key() -> EncodingKey {
            EncodingKey::from_rsa_pem(include_bytes!("../server/keys/stytch-private.pem"))
                .expect("the test key parses")
        }

        fn jwks(kid: &str) -> Value {
            let mut jwk = serde_json::to_value(
                Jwk::from_encoding_key(&key(), Algorithm::RS256).expect("a JWK"),
            )
            .expect("serialises");
            jwk["kid"] = json!(kid);
            jwk["alg"] = json!("RS256");
            json!({"keys": [jwk]})
        }

        fn signed(kid: &str, claims: &Value) -> String {
            let mut h = Header::new(Algorithm::RS256);
            h.kid = Some(kid.to_owned());
            jsonwebtoken::encode(&h, claims, &key()).expect("signs")
        }

        fn check(token: &str, jwks: &Value) -> Result<(), VerifyError> {
            let d = decode(token).expect("decodes");
            verify(token, &d, jwks, NOW, 60)
        }

        fn claims() -> Value {
            json!({"sub": "u", "iat": NOW - 10, "nbf": NOW - 10, "exp": NOW + 300})
        }

        #[test]
        fn a_token_signed_by_the_jwks_key_verifies() {
            assert_eq!(check(&signed("k1", &claims()), &jwks("k1")), Ok(()));
        }

        #[test]
        fn each_defect_is_its_own_finding() {
            let good = signed("k1", &claims());
            // Unknown kid.
            assert!(matches!(
                check(&good, &jwks("other")),
                Err(VerifyError::UnknownKid { .. })
            ));
            // A tampered payload keeps the old signature.
            let parts: Vec<&str> = good.split('.').collect();
            let forged = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(json!({"sub": "admin", "exp": NOW + 300}).to_string());
            let tampered = format!("{}.{forged}.{}", parts[0], parts[2]);
            assert_eq!(
                check(&tampered, &jwks("k1")),
                Err(VerifyError::Signature("k1".into()))
            );
            // alg none.
            let enc =
                |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
            let none = format!(
                "{}.{}.c2ln",
                enc(&json!({"alg": "none", "kid": "k1"})),
                enc(&claims())
            );
            assert_eq!(check(&none, &jwks("k1")), Err(VerifyError::Unsigned));
            // HS256 signed with the public key's bytes: algorithm confusion, never verified.
            let mut h = Header::new(Algorithm::HS256);
            h.kid = Some("k1".into());
            let hs = jsonwebtoken::encode(
                &h,
                &claims(),
                &EncodingKey::from_secret(b"public key bytes"),
            )
            .expect("signs");
            assert_eq!(
                check(&hs, &jwks("k1")),
                Err(VerifyError::SharedSecret("HS256".into()))
            );
            // Expired beyond the skew, valid within it.
            let old = signed("k1", &json!({"iat": NOW - 1000, "exp": NOW - 61}));
            assert!(matches!(
                check(&old, &jwks("k1")),
                Err(VerifyError::Expired { .. })
            ));
            let recent = signed("k1", &json!({"iat": NOW - 1000, "exp": NOW - 59}));
            assert_eq!(check(&recent, &jwks("k1")), Ok(()));
            // Not valid yet; issued in the future.
            let early = signed("k1", &json!({"nbf": NOW + 120, "exp": NOW + 600}));
            assert!(matches!(
                check(&early, &jwks("k1")),
                Err(VerifyError::NotYetValid { .. })
            ));
            let future = signed("k1", &json!({"iat": NOW + 120, "exp": NOW + 600}));
            assert!(matches!(
                check(&future, &jwks("k1")),
                Err(VerifyError::IssuedInFuture { .. })
            ));
            // Not a JWKS.
            assert!(matches!(
                check(&good, &json!({"keys": 3})),
                Err(VerifyError::BadJwks(_))
            ));
        }
    }
}
