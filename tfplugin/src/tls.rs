//! AutoMTLS as go-plugin does it: a fresh self-signed server certificate per process, and
//! a TLS server that accepts exactly one client certificate, the one Terraform handed us in
//! `PLUGIN_CLIENT_CERT`.
//!
//! Knows TLS and certificates; knows nothing of gRPC or Terraform's RPCs.

use std::sync::Arc;

use rustls::client::danger::HandshakeSignatureValid;
use rustls::crypto::{verify_tls12_signature, verify_tls13_signature, WebPkiSupportedAlgorithms};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, UnixTime};
use rustls::server::danger::{ClientCertVerified, ClientCertVerifier};
use rustls::{DigitallySignedStruct, DistinguishedName, SignatureScheme};

/// Why AutoMTLS could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TlsError {
    /// The server certificate could not be made.
    #[error("could not generate the plugin's TLS certificate: {0}")]
    Generate(#[from] rcgen::Error),
    /// The server's key could not be made.
    #[error("could not make the plugin's TLS key: {0}")]
    Key(&'static str),
    /// Terraform's client certificate is not a PEM certificate.
    #[error("PLUGIN_CLIENT_CERT does not hold a PEM certificate: {0}")]
    ClientCert(String),
    /// rustls refused the configuration.
    #[error("could not build the TLS configuration: {0}")]
    Config(#[from] rustls::Error),
}

/// The server's certificate and key, made fresh for this process.
pub struct ServerIdentity {
    /// The certificate (DER), sent to Terraform in the handshake line.
    pub cert_der: CertificateDer<'static>,
    key_der: PrivatePkcs8KeyDer<'static>,
}

/// An ECDSA P-256 key held by ring. Key generation and signing draw their randomness from
/// the operating system through ring: aws-lc (which rcgen and rustls may pick instead) first
/// seeds a jitter-entropy generator for tens of milliseconds, on every plugin start.
struct RingKey {
    pair: ring::signature::EcdsaKeyPair,
    pkcs8: Vec<u8>,
    rng: ring::rand::SystemRandom,
}

impl RingKey {
    fn generate() -> Result<RingKey, TlsError> {
        use ring::signature::{EcdsaKeyPair, ECDSA_P256_SHA256_ASN1_SIGNING as ALG};
        let rng = ring::rand::SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ALG, &rng)
            .map_err(|_| TlsError::Key("no randomness from the operating system"))?;
        let pair = EcdsaKeyPair::from_pkcs8(&ALG, pkcs8.as_ref(), &rng)
            .map_err(|_| TlsError::Key("the new P-256 key was rejected"))?;
        Ok(RingKey {
            pair,
            pkcs8: pkcs8.as_ref().to_vec(),
            rng,
        })
    }
}

impl rcgen::PublicKeyData for RingKey {
    fn der_bytes(&self) -> &[u8] {
        use ring::signature::KeyPair as _;
        self.pair.public_key().as_ref()
    }
    fn algorithm(&self) -> &'static rcgen::SignatureAlgorithm {
        &rcgen::PKCS_ECDSA_P256_SHA256
    }
}

impl rcgen::SigningKey for RingKey {
    fn sign(&self, msg: &[u8]) -> Result<Vec<u8>, rcgen::Error> {
        self.pair
            .sign(&self.rng, msg)
            .map(|s| s.as_ref().to_vec())
            .map_err(|_| rcgen::Error::RemoteKeyError)
    }
}

impl ServerIdentity {
    /// A self-signed ECDSA P-256 certificate for `localhost`, which is the name go-plugin's
    /// client checks.
    pub fn generate() -> Result<Self, TlsError> {
        let key = RingKey::generate()?;
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_string()])?;
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "localhost");
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, "Terraform plugin");
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.key_usages = vec![
            rcgen::KeyUsagePurpose::DigitalSignature,
            rcgen::KeyUsagePurpose::KeyEncipherment,
            rcgen::KeyUsagePurpose::KeyCertSign,
        ];
        params.extended_key_usages = vec![
            rcgen::ExtendedKeyUsagePurpose::ServerAuth,
            rcgen::ExtendedKeyUsagePurpose::ClientAuth,
        ];
        let cert = params.self_signed(&key)?;
        Ok(ServerIdentity {
            cert_der: cert.der().clone(),
            key_der: PrivatePkcs8KeyDer::from(key.pkcs8),
        })
    }
}

/// A rustls server configuration that speaks HTTP/2 (ALPN `h2`, which gRPC clients insist
/// on) and requires the client to present exactly `client_cert_pem`.
pub fn server_config(
    identity: &ServerIdentity,
    client_cert_pem: &str,
) -> Result<Arc<rustls::ServerConfig>, TlsError> {
    let expected = CertificateDer::from_pem_slice(client_cert_pem.as_bytes())
        .map_err(|e| TlsError::ClientCert(e.to_string()))?;
    // ring for what needs randomness (our key, the handshake): it reads the operating
    // system's generator directly, where aws-lc first seeds a jitter-entropy generator for
    // tens of milliseconds. aws-lc to verify Terraform's client signature: go-plugin's client
    // certificates use ECDSA P-521, which ring cannot verify (verifying needs no randomness).
    let provider = rustls::crypto::CryptoProvider {
        signature_verification_algorithms: rustls::crypto::aws_lc_rs::default_provider()
            .signature_verification_algorithms,
        ..rustls::crypto::ring::default_provider()
    };
    let verifier = Arc::new(ExactClientCert {
        expected: expected.to_vec(),
        algorithms: provider.signature_verification_algorithms,
    });
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(provider))
        .with_safe_default_protocol_versions()?
        .with_client_cert_verifier(verifier)
        .with_single_cert(
            vec![identity.cert_der.clone()],
            PrivateKeyDer::Pkcs8(identity.key_der.clone_key()),
        )?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(Arc::new(config))
}

/// Accepts one certificate, byte for byte, and checks the handshake signature against it.
#[derive(Debug)]
struct ExactClientCert {
    expected: Vec<u8>,
    algorithms: WebPkiSupportedAlgorithms,
}

impl ClientCertVerifier for ExactClientCert {
    fn root_hint_subjects(&self) -> &[DistinguishedName] {
        &[]
    }

    fn verify_client_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _now: UnixTime,
    ) -> Result<ClientCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.expected.as_slice() {
            Ok(ClientCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_identity_is_fresh_and_names_localhost() {
        let a = ServerIdentity::generate().unwrap();
        let b = ServerIdentity::generate().unwrap();
        assert_ne!(a.cert_der.as_ref(), b.cert_der.as_ref());
        let (_, parsed) = x509_parser::parse_x509_certificate(a.cert_der.as_ref()).unwrap();
        let san = parsed.subject_alternative_name().unwrap().unwrap();
        assert!(format!("{:?}", san.value).contains("localhost"));
    }

    #[test]
    fn only_the_given_client_certificate_is_accepted() {
        let identity = ServerIdentity::generate().unwrap();
        let client = ServerIdentity::generate().unwrap();
        let other = ServerIdentity::generate().unwrap();
        let pem = pem_of(client.cert_der.as_ref());
        let verifier = ExactClientCert {
            expected: CertificateDer::from_pem_slice(pem.as_bytes())
                .unwrap()
                .to_vec(),
            algorithms: rustls::crypto::ring::default_provider().signature_verification_algorithms,
        };
        let now = UnixTime::now();
        assert!(verifier
            .verify_client_cert(&client.cert_der, &[], now)
            .is_ok());
        assert!(verifier
            .verify_client_cert(&other.cert_der, &[], now)
            .is_err());
        assert!(verifier.client_auth_mandatory());
        assert!(server_config(&identity, &pem).is_ok());
        assert!(matches!(
            server_config(&identity, "not a pem"),
            Err(TlsError::ClientCert(_))
        ));
    }

    fn pem_of(der: &[u8]) -> String {
        use base64::Engine as _;
        let b64 = base64::engine::general_purpose::STANDARD.encode(der);
        let body: Vec<&str> = b64
            .as_bytes()
            .chunks(64)
            .map(|c| std::str::from_utf8(c).unwrap())
            .collect();
        format!(
            "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
            body.join("\n")
        )
    }
}
