//! `serve --tls`: a throw-away certificate authority and a server certificate
//! for `localhost`, `127.0.0.1` and `::1`, generated at every start, and the
//! rustls configuration that serves them.
//!
//! Clients trust the CA's PEM (`--ca-out`, or `tls.ca_pem` in the target file);
//! a separate CA, rather than one self-signed leaf, is what every TLS stack
//! accepts (webpki refuses a CA certificate as a server certificate).

use std::sync::Arc;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use time::{Duration, OffsetDateTime};
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::aws_lc_rs;
use tokio_rustls::rustls::pki_types::{PrivateKeyDer, PrivatePkcs8KeyDer};

use super::error::ServerError;

/// The names the server certificate is valid for.
pub(crate) const SERVER_NAMES: [&str; 3] = ["localhost", "127.0.0.1", "::1"];

/// What a TLS server needs: the CA clients must trust, and the rustls config.
pub(crate) struct TlsMaterial {
    /// The CA certificate, PEM.
    pub(crate) ca_pem: String,
    /// The server configuration (HTTP/1.1 over TLS 1.2 or 1.3).
    pub(crate) config: Arc<ServerConfig>,
}

fn tls_error(what: &str) -> impl Fn(String) -> ServerError + '_ {
    move |detail| ServerError::Tls(format!("{what}: {detail}"))
}

/// Generates a fresh CA and server certificate (valid from a day ago for 30 days).
pub(crate) fn generate() -> Result<TlsMaterial, ServerError> {
    let now = OffsetDateTime::now_utc();
    let (not_before, not_after) = (now - Duration::days(1), now + Duration::days(30));

    let ca_key = KeyPair::generate().map_err(|e| tls_error("CA key")(e.to_string()))?;
    let mut ca = CertificateParams::new(Vec::<String>::new())
        .map_err(|e| tls_error("CA certificate")(e.to_string()))?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.distinguished_name.push(
        DnType::CommonName,
        "sessconform reference server local CA (not trusted anywhere else)",
    );
    ca.not_before = not_before;
    ca.not_after = not_after;
    let issuer = CertifiedIssuer::self_signed(ca, ca_key)
        .map_err(|e| tls_error("CA certificate")(e.to_string()))?;

    let server_key = KeyPair::generate().map_err(|e| tls_error("server key")(e.to_string()))?;
    let names: Vec<String> = SERVER_NAMES.iter().map(|s| (*s).to_owned()).collect();
    let mut leaf = CertificateParams::new(names)
        .map_err(|e| tls_error("server certificate")(e.to_string()))?;
    leaf.distinguished_name
        .push(DnType::CommonName, "sessconform reference server");
    leaf.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.use_authority_key_identifier_extension = true;
    leaf.not_before = not_before;
    leaf.not_after = not_after;
    let cert = leaf
        .signed_by(&server_key, &issuer)
        .map_err(|e| tls_error("server certificate")(e.to_string()))?;

    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server_key.serialize_der()));
    let mut config = ServerConfig::builder_with_provider(Arc::new(aws_lc_rs::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| tls_error("TLS versions")(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(vec![cert.der().clone()], key)
        .map_err(|e| tls_error("server certificate")(e.to_string()))?;
    // The router speaks HTTP/1.1 only.
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(TlsMaterial {
        ca_pem: issuer.pem(),
        config: Arc::new(config),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generates_a_fresh_ca_each_time() {
        let a = generate().unwrap();
        let b = generate().unwrap();
        assert!(a.ca_pem.starts_with("-----BEGIN CERTIFICATE-----"));
        assert_ne!(a.ca_pem, b.ca_pem);
        assert_eq!(a.config.alpn_protocols, [b"http/1.1".to_vec()]);
    }
}
