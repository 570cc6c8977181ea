//! [`CertError`]: what is wrong with a certificate or CSR, worded for the Terraform user
//! (`Display` the detail, [`CertError::short`] the summary, [`CertError::role`] the input at
//! fault, [`CertRole`]), and the helpers that word its messages.

use super::kind::PemKind;
use super::pem_problem::{NotPemHint, PemProblem};
use super::signatures::Unverifiable;

/// Which of the `InitializeCluster` certificates a check found at fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CertRole {
    /// The trust anchor: the root CA certificate that signed the cluster certificate.
    TrustAnchor,
    /// The signed cluster certificate.
    SignedCertificate,
}

impl CertRole {
    fn noun(self) -> &'static str {
        match self {
            CertRole::TrustAnchor => "trust anchor",
            CertRole::SignedCertificate => "signed cluster certificate",
        }
    }
}

/// A problem with a certificate or CSR, worded for the Terraform user: `Display` gives the
/// detail (what is wrong, why it matters, what to do), [`CertError::short`] the summary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CertError {
    /// The value is empty or only whitespace.
    #[error(
        "The value is empty. Set it to the PEM text of the {}, for example with file(\"<path to the .pem file>\").",
        .expected.noun()
    )]
    Empty { expected: PemKind },

    /// The value is longer than the CloudHSM API accepts.
    #[error(
        "The {} is {chars} characters long in PEM form, but the CloudHSM API accepts at most {max} characters for each PEM string. Pass exactly one {} in PEM form, without extra text (comments, `openssl x509 -text` output, bag attributes or other certificates).",
        .expected.noun(), .expected.noun()
    )]
    TooLong {
        expected: PemKind,
        chars: usize,
        max: usize,
    },

    /// No PEM block was found.
    #[error("{}", not_pem_text(*.expected, .hint))]
    NotPem { expected: PemKind, hint: NotPemHint },

    /// A PEM block of another kind was found. `found` is its label when that is short and
    /// well-formed (uppercase words, at most 40 characters), `None` otherwise; the block's
    /// content is never kept.
    #[error("{}", wrong_label_text(*.expected, .found.as_deref()))]
    WrongPemLabel {
        expected: PemKind,
        found: Option<String>,
    },

    /// A private key was found. Nothing of it is kept: not its content, not its label.
    #[error(
        "The value contains a private key where a {} was expected. InitializeCluster never needs a private key, and a key placed here would be stored in the Terraform plan and state. Remove the key and pass only the PEM `{}` block; keep the key where your CA keeps it.",
        .expected.noun(), .expected.label()
    )]
    PrivateKey { expected: PemKind },

    /// More than one block of the expected kind (for certificates: a chain or bundle).
    #[error("{}", multiple_text(*.expected, *.count))]
    MultipleBlocks { expected: PemKind, count: usize },

    /// The PEM framing is broken (a BEGIN line without its END line, mismatched labels...).
    #[error(
        "The PEM text of the {} is malformed: {problem}. The file may be truncated or edited by hand; export it again from its source.",
        .expected.noun()
    )]
    MalformedPem {
        expected: PemKind,
        problem: PemProblem,
    },

    /// The body of the PEM block is not valid base64.
    #[error(
        "The body of the PEM `{}` block is not valid base64 ({reason}). The file may be truncated or edited by hand; export the {} again from its source.",
        .expected.label(), .expected.noun()
    )]
    InvalidBase64 { expected: PemKind, reason: String },

    /// The DER inside the PEM block does not parse.
    #[error(
        "The PEM `{}` block does not hold a valid DER-encoded {} ({reason}). Export it again from its source, in PEM form.",
        .expected.label(), .expected.noun()
    )]
    InvalidDer { expected: PemKind, reason: String },

    /// The trust anchor's issuer differs from its subject: it was issued by another CA.
    #[error(
        "The trust anchor must be a self-signed root CA certificate, but its issuer (\"{}\") differs from its subject (\"{}\"): it was issued by another CA. Pass the root certificate of your CA (the one whose issuer equals its subject) as the trust anchor; CloudHSM requires the cluster certificate to be signed directly by that self-signed root.",
        name(.issuer), name(.subject)
    )]
    TrustAnchorNotSelfIssued { subject: String, issuer: String },

    /// The trust anchor names itself as issuer, but its signature does not verify with its own key.
    #[error(
        "The trust anchor (subject \"{}\") names itself as its issuer, but its signature does not verify with its own public key, so it is not self-signed. It may be corrupted, or signed by a different key under the same name. Pass the root CA certificate exactly as your CA produced it.",
        name(.subject)
    )]
    TrustAnchorBadSignature { subject: String },

    /// The signed certificate names an issuer other than the trust anchor.
    #[error(
        "The signed cluster certificate (subject \"{}\") was issued by \"{}\", but the trust anchor is \"{}\". CloudHSM requires the cluster certificate to be signed directly by the trust anchor. Pass the CA certificate that signed the cluster certificate as the trust anchor, or sign the cluster's CSR with the trust anchor's key.",
        name(.subject), name(.issuer), name(.anchor_subject)
    )]
    IssuerMismatch {
        subject: String,
        issuer: String,
        anchor_subject: String,
    },

    /// The signed certificate names the trust anchor as issuer, but was signed by another key.
    #[error(
        "The signed cluster certificate (subject \"{}\") names the trust anchor \"{}\" as its issuer, but its signature does not verify with the trust anchor's public key: it was signed by a different key (another CA with the same name, or a CA that was created again). Sign the cluster's CSR with this trust anchor's private key, or pass the CA certificate whose key actually signed it.",
        name(.subject), name(.anchor_subject)
    )]
    SignatureMismatch {
        subject: String,
        anchor_subject: String,
    },

    /// The signature cannot be checked here: the verifier does not implement its algorithm,
    /// curve or key size. This says nothing about whether the signature is right.
    #[error(
        "This provider cannot check the signature of the {} (subject \"{}\"): {why}. So it cannot confirm before InitializeCluster that {}; this does not mean the signature is wrong. Apply goes on: CloudHSM checks the certificates itself when InitializeCluster runs, and if it refuses them the cluster is left as it was. {} Signatures it can check: RSA keys of 2048 to 8192 bits with SHA-256, SHA-384 or SHA-512 (PKCS #1 v1.5, or PSS with MGF1 on the same hash and a salt as long as the hash), ECDSA keys on P-256 or P-384 with SHA-256 or SHA-384, and Ed25519.",
        .role.noun(), name(.subject), unsupported_consequence(*.role), unsupported_advice(*.role)
    )]
    UnsupportedSignature {
        role: CertRole,
        subject: String,
        why: Unverifiable,
    },

    /// The certificate's validity ended before now.
    #[error(
        "The {} (subject \"{}\") expired at {} (it is now {}). {}",
        .role.noun(), name(.subject), rfc3339(.not_after_unix), rfc3339(.now_unix),
        expired_advice(*.role)
    )]
    Expired {
        role: CertRole,
        subject: String,
        not_after_unix: i64,
        now_unix: i64,
    },

    /// The certificate's validity starts after now.
    #[error(
        "The {} (subject \"{}\") is not valid before {} (it is now {}). Check the clock of the machine that issued it and of this one, or issue it again with a validity period that starts now.",
        .role.noun(), name(.subject), rfc3339(.not_before_unix), rfc3339(.now_unix)
    )]
    NotYetValid {
        role: CertRole,
        subject: String,
        not_before_unix: i64,
        now_unix: i64,
    },

    /// The signed certificate carries a public key other than the CSR's.
    #[error(
        "The signed cluster certificate (subject \"{}\") does not carry the public key of the cluster's CSR (subject \"{}\"): it was issued for a different key, for example from another cluster's CSR, an older CSR, or a locally generated key. Sign this cluster's current CSR and pass the resulting certificate.",
        name(.subject), name(.csr_subject)
    )]
    PublicKeyMismatch {
        subject: String,
        csr_subject: String,
    },
}

impl CertError {
    /// A one-line summary, suitable as a diagnostic summary.
    pub fn short(&self) -> &'static str {
        use PemKind::{Certificate as Cert, CertificateRequest as Csr};
        match self {
            CertError::Empty { expected: Cert } => "Empty certificate",
            CertError::Empty { expected: Csr } => "Empty certificate signing request",
            CertError::TooLong { expected: Cert, .. } => "Certificate is too long",
            CertError::TooLong { expected: Csr, .. } => "Certificate signing request is too long",
            CertError::NotPem { expected: Cert, .. } => "Not a PEM certificate",
            CertError::NotPem { expected: Csr, .. } => "Not a PEM certificate signing request",
            CertError::WrongPemLabel {
                expected: Cert,
                found: Some(found),
            } if is_csr_label(found) => "Expected a certificate, found a CSR",
            CertError::WrongPemLabel { expected: Cert, .. } => "Not a PEM certificate",
            CertError::WrongPemLabel {
                expected: Csr,
                found: Some(found),
            } if PemKind::Certificate.accepts(found) => "Expected a CSR, found a certificate",
            CertError::WrongPemLabel { expected: Csr, .. } => {
                "Not a PEM certificate signing request"
            }
            CertError::PrivateKey { expected: Cert, .. } => {
                "Private key passed instead of a certificate"
            }
            CertError::PrivateKey { expected: Csr, .. } => "Private key passed instead of a CSR",
            CertError::MultipleBlocks { expected: Cert, .. } => "More than one certificate",
            CertError::MultipleBlocks { expected: Csr, .. } => {
                "More than one certificate signing request"
            }
            CertError::MalformedPem { expected: Cert, .. } => "Malformed PEM certificate",
            CertError::MalformedPem { expected: Csr, .. } => {
                "Malformed PEM certificate signing request"
            }
            CertError::InvalidBase64 { expected: Cert, .. } => "Invalid base64 in PEM certificate",
            CertError::InvalidBase64 { expected: Csr, .. } => {
                "Invalid base64 in PEM certificate signing request"
            }
            CertError::InvalidDer { expected: Cert, .. } => "Invalid X.509 certificate",
            CertError::InvalidDer { expected: Csr, .. } => "Invalid certificate signing request",
            CertError::TrustAnchorNotSelfIssued { .. }
            | CertError::TrustAnchorBadSignature { .. } => "Trust anchor is not self-signed",
            CertError::IssuerMismatch { .. } | CertError::SignatureMismatch { .. } => {
                "Certificate not issued by the trust anchor"
            }
            CertError::UnsupportedSignature {
                role: CertRole::TrustAnchor,
                ..
            } => "Cannot verify the trust anchor's signature",
            CertError::UnsupportedSignature { .. } => "Cannot verify the certificate's signature",
            CertError::Expired {
                role: CertRole::TrustAnchor,
                ..
            } => "Trust anchor has expired",
            CertError::Expired { .. } => "Certificate has expired",
            CertError::NotYetValid {
                role: CertRole::TrustAnchor,
                ..
            } => "Trust anchor is not yet valid",
            CertError::NotYetValid { .. } => "Certificate is not yet valid",
            CertError::PublicKeyMismatch { .. } => "Certificate does not match the cluster's CSR",
        }
    }

    /// Whether this only says that a signature could not be checked
    /// ([`CertError::UnsupportedSignature`]): nothing is known to be wrong, so it is a warning
    /// for the caller, not an error. The checks return it only when every other check passed.
    pub fn cannot_check(&self) -> bool {
        matches!(self, CertError::UnsupportedSignature { .. })
    }

    /// Which `InitializeCluster` input a check found at fault, for the errors of
    /// [`check_trust_anchor`](super::check_trust_anchor),
    /// [`check_issued_by`](super::check_issued_by) and
    /// [`check_matches_csr`](super::check_matches_csr). Parse errors give `None`: the caller
    /// knows which value it parsed.
    pub fn role(&self) -> Option<CertRole> {
        match self {
            CertError::TrustAnchorNotSelfIssued { .. }
            | CertError::TrustAnchorBadSignature { .. } => Some(CertRole::TrustAnchor),
            CertError::IssuerMismatch { .. }
            | CertError::SignatureMismatch { .. }
            | CertError::PublicKeyMismatch { .. } => Some(CertRole::SignedCertificate),
            CertError::UnsupportedSignature { role, .. }
            | CertError::Expired { role, .. }
            | CertError::NotYetValid { role, .. } => Some(*role),
            _ => None,
        }
    }
}

fn is_csr_label(label: &str) -> bool {
    PemKind::CertificateRequest.accepts(label)
}

fn name(n: &str) -> &str {
    if n.is_empty() {
        "(empty name)"
    } else {
        n
    }
}

fn not_pem_text(expected: PemKind, hint: &NotPemHint) -> String {
    let label = expected.label();
    match hint {
        NotPemHint::LooksLikePath(path) => format!(
            "The value is not PEM text: it looks like a file path (\"{path}\"). Terraform passes strings as they are; to pass the file's contents, write file(\"{path}\")."
        ),
        NotPemHint::BareBase64 => format!(
            "The value looks like base64 without the PEM header and footer lines. Pass the PEM text, with its `-----BEGIN {label}-----` and `-----END {label}-----` lines, for example with file(\"<path to the .pem file>\")."
        ),
        NotPemHint::None => format!(
            "The value is not a PEM {}: no `-----BEGIN {label}-----` line was found. Pass the PEM text, for example with file(\"<path to the .pem file>\").",
            expected.noun()
        ),
    }
}

fn wrong_label_text(expected: PemKind, found: Option<&str>) -> String {
    let Some(found) = found else {
        return format!(
            "Expected a PEM `{}` block, but the value contains a PEM block with an unusual label (not shown), which is not what InitializeCluster takes.",
            expected.label()
        );
    };
    let what = if is_csr_label(found) {
        "a certificate signing request (CSR). A CSR must first be signed by your CA; pass the resulting certificate"
    } else if PemKind::Certificate.accepts(found) {
        "a certificate. Pass the cluster's CSR as returned by DescribeClusters (Certificates.ClusterCsr)"
    } else if found == "PUBLIC KEY" || found == "RSA PUBLIC KEY" {
        "a bare public key, which carries no name, validity or signature. Pass the PEM certificate that holds it"
    } else if found == "PKCS7" || found == "CMS" {
        "a PKCS #7 bundle. Extract the single certificate (for example `openssl pkcs7 -print_certs`) and pass it alone"
    } else {
        "not what InitializeCluster takes"
    };
    format!(
        "Expected a PEM `{}` block, but the value contains a `{found}` block: {what}.",
        expected.label()
    )
}

fn multiple_text(expected: PemKind, count: usize) -> String {
    match expected {
        PemKind::Certificate => format!(
            "The value holds {count} certificates (a chain or bundle), but each InitializeCluster argument takes exactly one: pass only the signed cluster certificate as the signed certificate, and only the root CA certificate as the trust anchor."
        ),
        PemKind::CertificateRequest => format!(
            "The value holds {count} certificate signing requests; pass exactly one, the cluster's CSR."
        ),
    }
}

fn expired_advice(role: CertRole) -> &'static str {
    match role {
        CertRole::TrustAnchor => {
            "Use a root CA certificate that is currently valid, and sign the cluster's CSR with it."
        }
        CertRole::SignedCertificate => {
            "Sign the cluster's CSR again to get a certificate that is currently valid."
        }
    }
}

fn unsupported_consequence(role: CertRole) -> &'static str {
    match role {
        CertRole::TrustAnchor => "the trust anchor is really self-signed",
        CertRole::SignedCertificate => {
            "the signed cluster certificate was really signed by the trust anchor's key"
        }
    }
}

fn unsupported_advice(role: CertRole) -> &'static str {
    match role {
        CertRole::TrustAnchor => {
            "To have it checked at plan time, create the root CA certificate with a key and signature algorithm this provider can check (then sign the cluster's CSR with it)."
        }
        CertRole::SignedCertificate => {
            "To have it checked at plan time, sign the cluster's CSR with a signature algorithm this provider can check (your CA's key decides which ones it can use)."
        }
    }
}

/// Seconds since the Unix epoch as RFC 3339 UTC, e.g. `2030-01-01T00:00:00Z` (by reference,
/// as the error messages' format arguments hand it over).
pub(super) fn rfc3339(secs: &i64) -> String {
    crate::dates::rfc3339(*secs)
}
