//! Our types for a certificate and a CSR ([`Certificate`], [`CertificateRequest`]), and the
//! parsing of PEM text (or a certificate's DER) into them.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use x509_parser::certificate::X509Certificate;
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::parse_x509_certificate;
use x509_parser::prelude::FromDer;

use super::error::CertError;
use super::kind::PemKind;
use super::pem::{extract_der, MAX_PEM_CHARS};

/// A parsed X.509 certificate, reduced to what the checks and the resources need.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Certificate {
    /// The certificate's DER encoding.
    pub der: Vec<u8>,
    /// The subject name in RFC 4514-like text form, for example `CN=Example Root CA, O=Example`.
    pub subject: String,
    /// The issuer name, in the same form as `subject`.
    pub issuer: String,
    /// Start of validity, seconds since the Unix epoch.
    pub not_before_unix: i64,
    /// End of validity, seconds since the Unix epoch.
    pub not_after_unix: i64,
    /// The SubjectPublicKeyInfo, DER-encoded.
    pub public_key_der: Vec<u8>,
}

impl Certificate {
    /// Canonical PEM: `-----BEGIN CERTIFICATE-----\n`, base64 in 64-character lines,
    /// `-----END CERTIFICATE-----\n`.
    pub fn to_pem(&self) -> String {
        let b64 = STANDARD.encode(&self.der);
        let mut pem = String::with_capacity(b64.len() + b64.len() / 64 + 60);
        pem.push_str("-----BEGIN CERTIFICATE-----\n");
        let mut rest = b64.as_str();
        while !rest.is_empty() {
            // base64 is ASCII, so any byte index is a character boundary.
            let (line, tail) = rest.split_at(rest.len().min(64));
            pem.push_str(line);
            pem.push('\n');
            rest = tail;
        }
        pem.push_str("-----END CERTIFICATE-----\n");
        pem
    }

    /// Whether the certificate names itself as its issuer (subject == issuer). This says
    /// nothing about the signature; [`check_trust_anchor`](super::check_trust_anchor) verifies
    /// that too.
    pub fn is_self_issued(&self) -> bool {
        self.subject == self.issuer
    }

    fn from_x509(der: &[u8], x: &X509Certificate<'_>) -> Self {
        Certificate {
            der: der.to_vec(),
            subject: x.subject().to_string(),
            issuer: x.issuer().to_string(),
            not_before_unix: x.validity().not_before.timestamp(),
            not_after_unix: x.validity().not_after.timestamp(),
            public_key_der: x.public_key().raw.to_vec(),
        }
    }
}

/// A parsed PKCS #10 certificate signing request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateRequest {
    /// The CSR's DER encoding.
    pub der: Vec<u8>,
    /// The requested subject name, in the same form as [`Certificate::subject`].
    pub subject: String,
    /// The SubjectPublicKeyInfo, DER-encoded.
    pub public_key_der: Vec<u8>,
}

/// Parses a value that must hold exactly one PEM `CERTIFICATE` block. CRLF line ends, leading
/// and trailing whitespace, blank lines and explanatory text outside the block are tolerated.
pub fn parse_certificate_pem(pem: &str) -> Result<Certificate, CertError> {
    let expected = PemKind::Certificate;
    let chars = pem.chars().count();
    let der = extract_der(pem, expected, chars)?;
    let x = parse_cert_der(&der)?;
    let cert = Certificate::from_x509(&der, &x);
    // The API limit applies to whatever PEM is sent; the canonical form must fit as well.
    let canonical = cert.to_pem().len();
    if chars > MAX_PEM_CHARS || canonical > MAX_PEM_CHARS {
        return Err(CertError::TooLong {
            expected,
            chars: chars.max(canonical),
            max: MAX_PEM_CHARS,
        });
    }
    Ok(cert)
}

/// Parses a value that must hold exactly one PEM `CERTIFICATE REQUEST` (or legacy
/// `NEW CERTIFICATE REQUEST`) block, with the same tolerance as [`parse_certificate_pem`].
pub fn parse_csr_pem(pem: &str) -> Result<CertificateRequest, CertError> {
    let expected = PemKind::CertificateRequest;
    let der = extract_der(pem, expected, pem.chars().count())?;
    let (rest, csr) =
        X509CertificationRequest::from_der(&der).map_err(|e| CertError::InvalidDer {
            expected,
            reason: e.to_string(),
        })?;
    if !rest.is_empty() {
        return Err(CertError::InvalidDer {
            expected,
            reason: format!("{} unexpected bytes after the request", rest.len()),
        });
    }
    let info = &csr.certification_request_info;
    Ok(CertificateRequest {
        der: der.clone(),
        subject: info.subject.to_string(),
        public_key_der: info.subject_pki.raw.to_vec(),
    })
}

pub(super) fn parse_cert_der(der: &[u8]) -> Result<X509Certificate<'_>, CertError> {
    let expected = PemKind::Certificate;
    let (rest, x) = parse_x509_certificate(der).map_err(|e| CertError::InvalidDer {
        expected,
        reason: e.to_string(),
    })?;
    if !rest.is_empty() {
        return Err(CertError::InvalidDer {
            expected,
            reason: format!("{} unexpected bytes after the certificate", rest.len()),
        });
    }
    Ok(x)
}
