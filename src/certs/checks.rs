//! The checks across certificates: the trust anchor (self-signed, valid), the cluster
//! certificate (issued by the anchor, valid, for the CSR's key), and whether two PEM values
//! hold the same certificate.

use x509_parser::certificate::X509Certificate;
use x509_parser::error::X509Error;

use super::error::{CertError, CertRole};
use super::signatures::{precheck, signature_algorithm_name, Precheck, Unverifiable};
use super::types::{parse_cert_der, parse_certificate_pem, Certificate, CertificateRequest};

/// Checks that `c` can serve as the trust anchor: self-signed (issuer equals subject, and the
/// signature verifies with its own public key) and valid at `now_unix`. A signature that
/// cannot be checked is reported last, when everything else passed
/// ([`CertError::cannot_check`]).
pub fn check_trust_anchor(c: &Certificate, now_unix: i64) -> Result<(), CertError> {
    if !c.is_self_issued() {
        return Err(CertError::TrustAnchorNotSelfIssued {
            subject: c.subject.clone(),
            issuer: c.issuer.clone(),
        });
    }
    let x = parse_cert_der(&c.der)?;
    let verified = verify_signed_by(&x, &x, CertRole::TrustAnchor, &c.subject, || {
        CertError::TrustAnchorBadSignature {
            subject: c.subject.clone(),
        }
    });
    unchecked_last(verified, || {
        check_validity(c, CertRole::TrustAnchor, now_unix)
    })
}

/// `verified`, unless it only says the signature cannot be checked: then the `rest` of the
/// checks first, and that last if they pass.
fn unchecked_last(
    verified: Result<(), CertError>,
    rest: impl FnOnce() -> Result<(), CertError>,
) -> Result<(), CertError> {
    match verified {
        Err(e) if e.cannot_check() => rest().and(Err(e)),
        Err(e) => Err(e),
        Ok(()) => rest(),
    }
}

/// Verifies `cert`'s signature with `signer`'s public key. A signature made with an
/// algorithm, curve or key size the verifier does not implement is
/// [`CertError::UnsupportedSignature`]; a signature that does not verify, or whose algorithm
/// does not fit the signer's kind of key (so that key cannot have made it), is `bad()`.
fn verify_signed_by(
    cert: &X509Certificate<'_>,
    signer: &X509Certificate<'_>,
    role: CertRole,
    subject: &str,
    bad: impl FnOnce() -> CertError,
) -> Result<(), CertError> {
    let unsupported = |why| CertError::UnsupportedSignature {
        role,
        subject: subject.to_string(),
        why,
    };
    match precheck(&cert.signature_algorithm, signer.public_key()) {
        Precheck::Verify => {}
        Precheck::WrongKind => return Err(bad()),
        Precheck::Cannot(why) => return Err(unsupported(why)),
    }
    match cert.verify_signature(Some(signer.public_key())) {
        Ok(()) => Ok(()),
        // The precheck should have caught it; should the verifier know less than it thinks,
        // still say "cannot check", not "wrong".
        Err(X509Error::SignatureUnsupportedAlgorithm) => {
            Err(unsupported(Unverifiable::SignatureAlgorithm {
                name: signature_algorithm_name(&cert.signature_algorithm.algorithm.to_id_string()),
            }))
        }
        Err(_) => Err(bad()),
    }
}

/// Checks that `signed` was issued by `anchor` (its issuer name is the anchor's subject and its
/// signature verifies with the anchor's public key) and that `signed` is valid at `now_unix`.
/// A signature that cannot be checked is reported last, as in [`check_trust_anchor`], which
/// checks the anchor itself.
pub fn check_issued_by(
    signed: &Certificate,
    anchor: &Certificate,
    now_unix: i64,
) -> Result<(), CertError> {
    if signed.issuer != anchor.subject {
        return Err(CertError::IssuerMismatch {
            subject: signed.subject.clone(),
            issuer: signed.issuer.clone(),
            anchor_subject: anchor.subject.clone(),
        });
    }
    let x = parse_cert_der(&signed.der)?;
    let a = parse_cert_der(&anchor.der)?;
    let verified = verify_signed_by(&x, &a, CertRole::SignedCertificate, &signed.subject, || {
        CertError::SignatureMismatch {
            subject: signed.subject.clone(),
            anchor_subject: anchor.subject.clone(),
        }
    });
    unchecked_last(verified, || {
        check_validity(signed, CertRole::SignedCertificate, now_unix)
    })
}

/// Checks that `signed` carries the public key of `csr` (the same SubjectPublicKeyInfo).
pub fn check_matches_csr(signed: &Certificate, csr: &CertificateRequest) -> Result<(), CertError> {
    if signed.public_key_der == csr.public_key_der {
        Ok(())
    } else {
        Err(CertError::PublicKeyMismatch {
            subject: signed.subject.clone(),
            csr_subject: csr.subject.clone(),
        })
    }
}

/// Whether two PEM values hold the same certificate (both parse, and their DER is equal):
/// differences in PEM formatting only are not a change.
pub fn same_certificate(a: &str, b: &str) -> bool {
    match (parse_certificate_pem(a), parse_certificate_pem(b)) {
        (Ok(a), Ok(b)) => a.der == b.der,
        _ => false,
    }
}

/// What comparing two PEM values can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Comparison {
    /// Both parse, and they are the same certificate.
    Same,
    /// Both parse, and they are different certificates.
    Different,
    /// One side (or both) is blank or does not parse as one certificate: nothing can be
    /// concluded, neither "same" nor "different".
    Unreadable,
}

/// Compares two PEM values by their certificates' DER. A side that cannot be read never
/// compares as the same.
pub fn compare_certificates(a: &str, b: &str) -> Comparison {
    match (parse_certificate_pem(a), parse_certificate_pem(b)) {
        (Ok(a), Ok(b)) if a.der == b.der => Comparison::Same,
        (Ok(_), Ok(_)) => Comparison::Different,
        _ => Comparison::Unreadable,
    }
}

fn check_validity(c: &Certificate, role: CertRole, now_unix: i64) -> Result<(), CertError> {
    if now_unix < c.not_before_unix {
        return Err(CertError::NotYetValid {
            role,
            subject: c.subject.clone(),
            not_before_unix: c.not_before_unix,
            now_unix,
        });
    }
    if now_unix > c.not_after_unix {
        return Err(CertError::Expired {
            role,
            subject: c.subject.clone(),
            not_after_unix: c.not_after_unix,
            now_unix,
        });
    }
    Ok(())
}
