//! Signing a cluster's CSR at apply time, in plain Rust (no Terraform, no AWS types):
//!
//! - with the user's CA: [`parse_ca_key`] reads the CA private key (given to the provider as a
//!   write-only argument), [`check_key_matches`] confirms it belongs to the trust anchor, and
//!   [`sign_csr`] issues the cluster certificate;
//! - with a one-time root: [`sign_with_one_time_root`] generates an RSA 2048 key and a
//!   self-signed root certificate for it, signs the CSR, and destroys the key before it
//!   returns. Only the two certificates come out.
//!
//! The certificates are what CloudHSM's InitializeCluster expects (see design.md, "Signing
//! the CSR"): the cluster certificate carries the CSR's subject, byte for byte, and its public
//! key, and is issued directly by the trust anchor, whose subject is its issuer name, byte for
//! byte. Before it returns, every certificate made here is checked with [`crate::certs`]: the
//! same checks the provider runs on certificates a user brings.
//!
//! # Key material
//!
//! No error, `Debug` or `Display` here holds key material (PEM text, base64, DER, or a
//! parser's message about them), and this module logs nothing. What is wiped, and what is not:
//!
//! - The DER decoded from the key's PEM, and the base64 body collected from it, are in
//!   [`zeroize::Zeroizing`] buffers allocated once at their final size (no reallocation leaves
//!   a copy behind), wiped as soon as the key is loaded.
//! - The loaded key lives in aws-lc (an `EVP_PKEY` behind aws-lc-rs's key pair types). A
//!   [`CaKey`] holds no key bytes on the Rust side; dropping it frees the `EVP_PKEY`, and
//!   aws-lc's `OPENSSL_free` overwrites every allocation with zeros before freeing it (its
//!   big numbers, Montgomery contexts and blinding values included). What aws-lc leaves on the
//!   stack or in CPU registers during a signature is not wiped by anyone.
//! - The one-time root's key is generated in aws-lc, never serialized, and dropped (and so
//!   wiped) before [`sign_with_one_time_root`] returns, on success and on every error.
//! - The PEM text passed to [`parse_ca_key`] is the caller's: hold it in a
//!   `Zeroizing<String>` and drop it right after parsing. Copies made before it got here (the
//!   plugin protocol's decoding, Terraform itself) are outside this module.
//! - Nothing can keep the operating system from swapping memory to disk or writing it into a
//!   core dump; memory is not locked.

mod error;
mod key;
mod pem;
mod x509;

#[cfg(test)]
mod tests;

use aws_lc_rs::digest::{digest, SHA1_FOR_LEGACY_USE_ONLY};
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::error::X509Error;
use x509_parser::extensions::ParsedExtension;
use x509_parser::prelude::FromDer;
use x509_parser::x509::SubjectPublicKeyInfo;

use crate::certs::{self, CertError, Certificate, CertificateRequest, PemKind};

pub use error::{EncryptedKeyFormat, KeyNotPemHint, SigningError, SigningRole};
pub use key::{check_key_matches, parse_ca_key, CaKey, KeyType};

/// Default validity of the cluster certificate and of the one-time root, in days: 3653 (ten
/// years), as in AWS's own guide (`openssl x509 -req -days 3653 …`).
pub const DEFAULT_VALIDITY_DAYS: u32 = 3653;

/// How far before "now" a validity made by [`Validity::days_from`] starts, in seconds, so
/// that a clock a few minutes behind (the HSM's, a client's) already finds it valid.
pub const CLOCK_SKEW_SECONDS: i64 = 300;

/// How much earlier than the cluster certificate a one-time root may end and still be used
/// (the certificate is then shortened to the root's end): less than a day, in seconds.
/// See [`RootParams::validity`].
pub const ROOT_SHORTFALL_TOLERANCE_SECONDS: i64 = 86_400;

/// The longest a one-time root's name fields may be, in characters (RFC 5280's upper bound
/// for a common name, organization and organizational unit).
pub const MAX_NAME_CHARS: usize = 64;

/// When a certificate is valid: from `not_before_unix` through `not_after_unix`, seconds
/// since the Unix epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    /// Start of validity.
    pub not_before_unix: i64,
    /// End of validity.
    pub not_after_unix: i64,
}

impl Validity {
    /// `days` days from `now_unix`, starting [`CLOCK_SKEW_SECONDS`] earlier (like
    /// `openssl x509 -days`, plus the margin).
    pub fn days_from(now_unix: i64, days: u32) -> Validity {
        Validity {
            not_before_unix: now_unix.saturating_sub(CLOCK_SKEW_SECONDS),
            not_after_unix: now_unix.saturating_add(i64::from(days) * 86_400),
        }
    }

    /// `days` days from now ([`Validity::days_from`] at [`certs::now_unix`]).
    pub fn days_from_now(days: u32) -> Validity {
        Validity::days_from(certs::now_unix(), days)
    }

    /// [`DEFAULT_VALIDITY_DAYS`] from now.
    pub fn default_from_now() -> Validity {
        Validity::days_from_now(DEFAULT_VALIDITY_DAYS)
    }

    /// Checks that the validity can be written into a certificate: it ends after it starts,
    /// and both ends fall in the years 1950 to 9999.
    pub fn check(&self) -> Result<(), SigningError> {
        if self.not_after_unix <= self.not_before_unix {
            return Err(SigningError::InvalidValidity {
                reason: "it ends before it starts",
            });
        }
        // 1950-01-01T00:00:00Z and 9999-12-31T23:59:59Z.
        let range = -631_152_000..=253_402_300_799;
        if !range.contains(&self.not_before_unix) || !range.contains(&self.not_after_unix) {
            return Err(SigningError::InvalidValidity {
                reason: "a date is outside the years 1950 to 9999",
            });
        }
        Ok(())
    }
}

/// What the one-time root certificate is made of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RootParams {
    /// The root's common name (CN); at most [`MAX_NAME_CHARS`] characters.
    pub common_name: String,
    /// The root's organization (O), if any.
    pub organization: Option<String>,
    /// The root's organizational unit (OU), if any.
    pub organizational_unit: Option<String>,
    /// The root's validity. It must not end before the cluster certificate's: a certificate
    /// is of no use after its issuer expires. A root that would end a day or more before the
    /// certificate is refused ([`SigningError::RootOutlivedByCertificate`]: a configuration
    /// error, such as a root of 365 days for a certificate of 3653); a root that ends less
    /// than a day before it (both validities computed "from now", a moment apart) shortens
    /// the certificate to the root's end instead, as [`sign_csr`] does for any issuer.
    pub validity: Validity,
}

impl RootParams {
    /// The defaults for a cluster: CN [`RootParams::default_common_name`], no organization
    /// or unit, valid [`DEFAULT_VALIDITY_DAYS`] from now.
    pub fn for_cluster(cluster_id: &str) -> RootParams {
        RootParams {
            common_name: RootParams::default_common_name(cluster_id),
            organization: None,
            organizational_unit: None,
            validity: Validity::default_from_now(),
        }
    }

    /// `CloudHSM one-time root for <cluster id>` (at most 55 characters for a valid cluster id).
    pub fn default_common_name(cluster_id: &str) -> String {
        format!("CloudHSM one-time root for {cluster_id}")
    }

    /// Checks the name fields and the validity, and that the root outlives a cluster
    /// certificate valid for `cert_validity`, without generating anything: what
    /// [`sign_with_one_time_root`] checks first, for use at plan time.
    pub fn check(&self, cert_validity: &Validity) -> Result<(), SigningError> {
        check_name_field("common name", Some(&self.common_name))?;
        check_name_field("organization", self.organization.as_deref())?;
        check_name_field("organizational unit", self.organizational_unit.as_deref())?;
        self.validity.check()?;
        cert_validity.check()?;
        if self.validity.not_after_unix
            <= cert_validity.not_after_unix - ROOT_SHORTFALL_TOLERANCE_SECONDS
        {
            return Err(SigningError::RootOutlivedByCertificate {
                root_not_after_unix: self.validity.not_after_unix,
                cert_not_after_unix: cert_validity.not_after_unix,
            });
        }
        Ok(())
    }
}

fn check_name_field(field: &'static str, value: Option<&str>) -> Result<(), SigningError> {
    let Some(value) = value else {
        return Ok(());
    };
    let reason = if value.trim().is_empty() {
        "it is empty or only spaces (leave an optional field out instead)"
    } else if value.chars().count() > MAX_NAME_CHARS {
        "it is longer than 64 characters, the most X.509 allows"
    } else if value.chars().any(char::is_control) {
        "it contains control characters (such as line breaks)"
    } else if value.trim() != value {
        "it starts or ends with spaces"
    } else {
        return Ok(());
    };
    Err(SigningError::InvalidRootSubject { field, reason })
}

/// What [`sign_with_one_time_root`] produces: two certificates, no key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OneTimeSigning {
    /// The self-signed root certificate (PEM): InitializeCluster's `TrustAnchor`. Its key no
    /// longer exists, so it can never sign anything else.
    pub root_certificate_pem: String,
    /// The cluster certificate (PEM): InitializeCluster's `SignedCert`.
    pub signed_certificate_pem: String,
}

/// A CSR whose own signature was verified, with its subject's DER.
struct VerifiedCsr {
    request: CertificateRequest,
    subject_der: Vec<u8>,
}

fn read_csr(csr_pem: &str) -> Result<VerifiedCsr, SigningError> {
    let request = certs::parse_csr_pem(csr_pem).map_err(SigningError::Csr)?;
    let (_, x) = X509CertificationRequest::from_der(&request.der).map_err(|e| {
        SigningError::Csr(CertError::InvalidDer {
            expected: PemKind::CertificateRequest,
            reason: e.to_string(),
        })
    })?;
    match x.verify_signature() {
        Ok(()) => {}
        Err(X509Error::SignatureUnsupportedAlgorithm) => {
            let oid = &x.signature_algorithm.algorithm;
            let algorithm = x509_parser::objects::oid2sn(oid, x509_parser::objects::oid_registry())
                .map(str::to_string)
                .unwrap_or_else(|_| oid.to_id_string());
            return Err(SigningError::CsrUnverifiable {
                subject: request.subject.clone(),
                algorithm,
            });
        }
        Err(_) => {
            return Err(SigningError::CsrSignature {
                subject: request.subject.clone(),
            })
        }
    }
    let subject_der = x.certification_request_info.subject.as_raw().to_vec();
    Ok(VerifiedCsr {
        request,
        subject_der,
    })
}

/// A random positive serial number of 16 bytes (126 random bits; RFC 5280 allows 20).
fn random_serial() -> Result<[u8; 16], SigningError> {
    let mut serial = [0u8; 16];
    aws_lc_rs::rand::fill(&mut serial).map_err(|_| SigningError::Crypto {
        operation: "draw a random serial number",
    })?;
    // Positive and minimal: the first byte in 0x40..=0x7f.
    serial[0] = (serial[0] & 0x7f) | 0x40;
    Ok(serial)
}

/// The subject DER and subjectKeyIdentifier of a certificate.
fn issuer_parts(issuer: &Certificate) -> Result<(Vec<u8>, Option<Vec<u8>>), SigningError> {
    let (_, x) = x509_parser::parse_x509_certificate(&issuer.der).map_err(|e| {
        SigningError::Issuer(CertError::InvalidDer {
            expected: PemKind::Certificate,
            reason: e.to_string(),
        })
    })?;
    let ski = x
        .extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::SubjectKeyIdentifier(id) => Some(id.0.to_vec()),
            _ => None,
        });
    Ok((x.subject().as_raw().to_vec(), ski))
}

fn self_check(problem: CertError) -> SigningError {
    SigningError::SelfCheck {
        problem: problem.to_string(),
    }
}

/// Signs `csr_pem` (the cluster's CSR) with `key`, as `issuer` (the trust anchor, whose key
/// `key` must be: [`check_key_matches`]), valid for `validity`. Returns the cluster
/// certificate as PEM.
///
/// The CSR's own signature is verified first. The certificate is X.509 v3 with a random
/// positive serial; its subject and public key are the CSR's (the subject's DER byte for
/// byte), its issuer name the issuer's subject (also byte for byte). Signature: SHA-256 with
/// RSA PKCS #1 v1.5 for an RSA key, ECDSA with SHA-256 on P-256, with SHA-384 on P-384.
///
/// Extensions, kept few: basicConstraints `CA:FALSE` (critical), so that the cluster
/// certificate can never pass for a CA; and, when the issuer has a subjectKeyIdentifier, an
/// authorityKeyIdentifier with the same key id, which lets path builders find the issuer.
/// No keyUsage or extendedKeyUsage: the HSM uses the cluster key in ways AWS does not
/// document (`openssl x509 -req` in AWS's guide sets none either), and a restriction there
/// could only make a client refuse it.
///
/// The validity is clamped to the issuer's: it starts no earlier and ends no later than the
/// issuer's (a certificate cannot outlive its issuer). An issuer that has expired, or that
/// ends before the certificate could start, is [`SigningError::IssuerExpired`]. Whether the
/// issuer is fit to be a trust anchor (self-signed, valid now) is [`certs::check_trust_anchor`]'s
/// question, not this function's.
pub fn sign_csr(
    csr_pem: &str,
    key: &CaKey,
    issuer: &Certificate,
    validity: Validity,
) -> Result<String, SigningError> {
    validity.check()?;
    let csr = read_csr(csr_pem)?;
    sign_verified(&csr, key, issuer, validity)
}

fn sign_verified(
    csr: &VerifiedCsr,
    key: &CaKey,
    issuer: &Certificate,
    validity: Validity,
) -> Result<String, SigningError> {
    check_key_matches(key, issuer)?;
    let now = certs::now_unix();
    let not_before = validity.not_before_unix.max(issuer.not_before_unix);
    let not_after = validity.not_after_unix.min(issuer.not_after_unix);
    if issuer.not_after_unix <= now || not_after <= not_before {
        return Err(SigningError::IssuerExpired {
            subject: issuer.subject.clone(),
            not_after_unix: issuer.not_after_unix,
            now_unix: now,
        });
    }
    let (issuer_name, issuer_key_id) = issuer_parts(issuer)?;
    let mut extensions = vec![x509::basic_constraints(false)];
    if let Some(id) = issuer_key_id {
        extensions.push(x509::authority_key_identifier(&id));
    }
    let serial = random_serial()?;
    let algorithm = key.key_type().algorithm_der();
    let tbs = x509::tbs_der(&x509::Tbs {
        serial: &serial,
        signature_algorithm: algorithm,
        issuer: &issuer_name,
        not_before_unix: not_before,
        not_after_unix: not_after,
        subject: &csr.subject_der,
        spki: &csr.request.public_key_der,
        extensions,
    })?;
    let signature = key.sign(&tbs)?;
    let pem = x509::certificate_pem(&x509::certificate_der(&tbs, algorithm, &signature));

    // What CloudHSM will check, checked here first.
    let signed = certs::parse_certificate_pem(&pem).map_err(self_check)?;
    certs::check_issued_by(&signed, issuer, now.clamp(not_before, not_after))
        .map_err(self_check)?;
    certs::check_matches_csr(&signed, &csr.request).map_err(self_check)?;
    let (signed_subject, _) = issuer_parts(&signed)?;
    if signed_subject != csr.subject_der {
        return Err(SigningError::SelfCheck {
            problem: "the certificate's subject is not the CSR's, byte for byte".to_string(),
        });
    }
    Ok(pem)
}

/// Signs `csr_pem` with a one-time root CA made for it: a fresh RSA 2048 key (signing with
/// SHA-256, the algorithm of AWS's own guide), a self-signed root certificate described by
/// `root` (basicConstraints `CA:TRUE` and keyUsage keyCertSign + cRLSign, both critical, and
/// a subjectKeyIdentifier: the SHA-1 of its public key, RFC 5280's method 1), and a cluster
/// certificate as [`sign_csr`] makes it, valid for `cert_validity`.
///
/// The root's key never leaves this function: it is not returned, not logged, never
/// serialized, and it is destroyed before this returns, whatever the outcome. So the root
/// can sign nothing else, ever; keep its certificate: once the cluster is initialized, it is
/// the only copy of the trust anchor.
///
/// [`RootParams::check`] runs first: a root that would expire a day or more before the
/// cluster certificate is refused ([`SigningError::RootOutlivedByCertificate`]); one that
/// ends less than a day before it shortens the certificate to its own end.
pub fn sign_with_one_time_root(
    csr_pem: &str,
    root: &RootParams,
    cert_validity: Validity,
) -> Result<OneTimeSigning, SigningError> {
    root.check(&cert_validity)?;
    let csr = read_csr(csr_pem)?;
    let key = CaKey::generate_rsa_2048()?;
    let signed = one_time_root(&csr, &key, root, cert_validity);
    // The key's last use: aws-lc wipes it as it frees it.
    drop(key);
    signed
}

fn one_time_root(
    csr: &VerifiedCsr,
    key: &CaKey,
    root: &RootParams,
    cert_validity: Validity,
) -> Result<OneTimeSigning, SigningError> {
    let (_, spki) =
        SubjectPublicKeyInfo::from_der(key.public_key_der()).map_err(|_| SigningError::Crypto {
            operation: "read the one-time root's public key",
        })?;
    let key_id = digest(&SHA1_FOR_LEGACY_USE_ONLY, &spki.subject_public_key.data);
    let name = x509::name_der(
        &root.common_name,
        root.organization.as_deref(),
        root.organizational_unit.as_deref(),
    );
    let serial = random_serial()?;
    let algorithm = key.key_type().algorithm_der();
    let tbs = x509::tbs_der(&x509::Tbs {
        serial: &serial,
        signature_algorithm: algorithm,
        issuer: &name,
        not_before_unix: root.validity.not_before_unix,
        not_after_unix: root.validity.not_after_unix,
        subject: &name,
        spki: key.public_key_der(),
        extensions: vec![
            x509::basic_constraints(true),
            x509::key_usage_ca(),
            x509::subject_key_identifier(key_id.as_ref()),
        ],
    })?;
    let signature = key.sign(&tbs)?;
    let root_pem = x509::certificate_pem(&x509::certificate_der(&tbs, algorithm, &signature));
    let root_certificate = certs::parse_certificate_pem(&root_pem).map_err(self_check)?;
    let now = certs::now_unix().clamp(root.validity.not_before_unix, root.validity.not_after_unix);
    certs::check_trust_anchor(&root_certificate, now).map_err(self_check)?;
    let signed_certificate_pem = sign_verified(csr, key, &root_certificate, cert_validity)?;
    Ok(OneTimeSigning {
        root_certificate_pem: root_pem,
        signed_certificate_pem,
    })
}
