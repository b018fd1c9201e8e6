//! Decoding of compact JWS tokens (header and claims only; signatures are not verified).

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
}
