//! Plan-time checks of the certificates that `InitializeCluster` takes: the trust anchor (the
//! self-signed root CA certificate), the signed cluster certificate, and the cluster's CSR that
//! it was issued from. Running them during validate / plan gives the user a precise error
//! (which input, what is wrong, what to do) before any API call is made, instead of a terse
//! `CloudHsmInvalidRequestException` halfway through an apply.
//!
//! This module knows PEM, DER and X.509 only. It must not know Terraform (values, diagnostics,
//! attribute paths) nor the AWS SDK: callers turn a [`CertError`] into a diagnostic themselves,
//! with [`CertError::short`] as the summary, its `Display` as the detail, and
//! [`CertError::role`] (or the function they called) to choose the attribute at fault.
//!
//! Errors never echo key material: when a private key is passed by mistake, only the PEM label
//! (for example `EC PRIVATE KEY`) is named.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::{STANDARD, STANDARD_PAD_INDIFFERENT};
use base64::Engine as _;
use x509_parser::certificate::X509Certificate;
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::error::X509Error;
use x509_parser::objects::{oid2sn, oid_registry};
use x509_parser::parse_x509_certificate;
use x509_parser::prelude::FromDer;

/// The CloudHSM API's limit on each PEM string (`SignedCert`, `TrustAnchor`), in characters.
pub const MAX_PEM_CHARS: usize = 5000;

/// Inputs larger than this are refused as too long without being scanned at all.
const MAX_SCAN_CHARS: usize = 1 << 20;

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
    /// nothing about the signature; [`check_trust_anchor`] verifies that too.
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

/// What kind of PEM object a parse function expected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PemKind {
    /// An X.509 certificate (`CERTIFICATE`).
    Certificate,
    /// A PKCS #10 certificate signing request (`CERTIFICATE REQUEST`).
    CertificateRequest,
}

impl PemKind {
    /// The PEM label this kind is written under.
    pub fn label(self) -> &'static str {
        match self {
            PemKind::Certificate => "CERTIFICATE",
            PemKind::CertificateRequest => "CERTIFICATE REQUEST",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            PemKind::Certificate => "certificate",
            PemKind::CertificateRequest => "certificate signing request (CSR)",
        }
    }

    fn accepts(self, label: &str) -> bool {
        match self {
            // RFC 7468 section 5.3: parsers may accept the legacy labels.
            PemKind::Certificate => matches!(
                label,
                "CERTIFICATE" | "X509 CERTIFICATE" | "X.509 CERTIFICATE"
            ),
            PemKind::CertificateRequest => {
                matches!(label, "CERTIFICATE REQUEST" | "NEW CERTIFICATE REQUEST")
            }
        }
    }
}

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

/// Why a value given as PEM text contained no PEM block at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotPemHint {
    /// Nothing more specific to say.
    None,
    /// The value looks like a file path (which is repeated here; it is not secret).
    LooksLikePath(String),
    /// The value looks like base64 DER without the `-----BEGIN …-----` / `-----END …-----` lines.
    BareBase64,
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

    /// A PEM block of another kind was found (its label is named; its content never is).
    #[error("{}", wrong_label_text(*.expected, .found))]
    WrongPemLabel { expected: PemKind, found: String },

    /// A private key was found. Only its PEM label is kept, never its content.
    #[error(
        "The value contains a private key (a PEM `{label}` block) where a {} was expected. InitializeCluster never needs a private key, and a key placed here would be stored in the Terraform plan and state. Remove the key and pass only the PEM `{}` block; keep the key where your CA keeps it.",
        .expected.noun(), .expected.label()
    )]
    PrivateKey { expected: PemKind, label: String },

    /// More than one block of the expected kind (for certificates: a chain or bundle).
    #[error("{}", multiple_text(*.expected, *.count))]
    MultipleBlocks { expected: PemKind, count: usize },

    /// The PEM framing is broken (a BEGIN line without its END line, mismatched labels...).
    #[error(
        "The PEM text of the {} is malformed: {reason}. The file may be truncated or edited by hand; export it again from its source.",
        .expected.noun()
    )]
    MalformedPem { expected: PemKind, reason: String },

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

    /// The signature could not be checked here (algorithm not supported by the verifier).
    #[error(
        "The signature of the {} (subject \"{}\") uses an algorithm this provider cannot verify ({reason}), so it cannot confirm before InitializeCluster that the certificates belong together. Supported: RSA (PKCS #1 v1.5 or PSS, SHA-256/384/512), ECDSA P-256/P-384 and Ed25519.",
        .role.noun(), name(.subject)
    )]
    UnsupportedSignature {
        role: CertRole,
        subject: String,
        reason: String,
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
                found,
            } if is_csr_label(found) => "Expected a certificate, found a CSR",
            CertError::WrongPemLabel { expected: Cert, .. } => "Not a PEM certificate",
            CertError::WrongPemLabel {
                expected: Csr,
                found,
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

    /// Which `InitializeCluster` input a check found at fault, for the errors of
    /// [`check_trust_anchor`], [`check_issued_by`] and [`check_matches_csr`]. Parse errors give
    /// `None`: the caller knows which value it parsed.
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

/// Checks that `c` can serve as the trust anchor: self-signed (issuer equals subject, and the
/// signature verifies with its own public key) and valid at `now_unix`.
pub fn check_trust_anchor(c: &Certificate, now_unix: i64) -> Result<(), CertError> {
    if !c.is_self_issued() {
        return Err(CertError::TrustAnchorNotSelfIssued {
            subject: c.subject.clone(),
            issuer: c.issuer.clone(),
        });
    }
    let x = parse_cert_der(&c.der)?;
    verify_signed_by(&x, &x, CertRole::TrustAnchor, &c.subject, || {
        CertError::TrustAnchorBadSignature {
            subject: c.subject.clone(),
        }
    })?;
    check_validity(c, CertRole::TrustAnchor, now_unix)
}

/// Verifies `cert`'s signature with `signer`'s public key; an algorithm x509-parser cannot
/// verify is [`CertError::UnsupportedSignature`], a signature that does not verify is `bad()`.
fn verify_signed_by(
    cert: &X509Certificate<'_>,
    signer: &X509Certificate<'_>,
    role: CertRole,
    subject: &str,
    bad: impl FnOnce() -> CertError,
) -> Result<(), CertError> {
    match cert.verify_signature(Some(signer.public_key())) {
        Ok(()) => Ok(()),
        Err(X509Error::SignatureUnsupportedAlgorithm) => Err(CertError::UnsupportedSignature {
            role,
            subject: subject.to_string(),
            reason: algorithm_text(cert, signer),
        }),
        Err(_) => Err(bad()),
    }
}

/// Checks that `signed` was issued by `anchor` (its issuer name is the anchor's subject and its
/// signature verifies with the anchor's public key) and that `signed` is valid at `now_unix`.
/// The anchor itself is checked by [`check_trust_anchor`].
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
    verify_signed_by(&x, &a, CertRole::SignedCertificate, &signed.subject, || {
        CertError::SignatureMismatch {
            subject: signed.subject.clone(),
            anchor_subject: anchor.subject.clone(),
        }
    })?;
    check_validity(signed, CertRole::SignedCertificate, now_unix)
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

/// The current time, seconds since the Unix epoch.
pub fn now_unix() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_secs()).map_or(i64::MIN, |s| -s),
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

// ---------------------------------------------------------------------------------------------
// PEM scanning
// ---------------------------------------------------------------------------------------------

struct PemBlock<'a> {
    label: &'a str,
    body: String,
}

/// `-----BEGIN LABEL-----` → `Some("LABEL")` for `kind` = "BEGIN" (same for "END").
fn boundary<'a>(line: &'a str, kind: &str) -> Option<&'a str> {
    let inner = line.strip_prefix("-----")?.strip_suffix("-----")?;
    let label = inner.strip_prefix(kind)?.strip_prefix(' ')?;
    Some(label.trim())
}

/// Splits the value into PEM blocks; text outside blocks is ignored (RFC 7468 allows
/// explanatory text). Error reasons name labels only, never content.
fn scan_blocks(input: &str, expected: PemKind) -> Result<Vec<PemBlock<'_>>, CertError> {
    let mut blocks = Vec::new();
    let mut current: Option<PemBlock<'_>> = None;
    for line in input.lines().map(str::trim) {
        match current.as_mut() {
            None => {
                if let Some(label) = boundary(line, "BEGIN") {
                    current = Some(PemBlock {
                        label,
                        body: String::new(),
                    });
                }
            }
            Some(block) => {
                if let Some(end) = boundary(line, "END") {
                    if end != block.label {
                        return Err(CertError::MalformedPem {
                            expected,
                            reason: format!(
                                "a `BEGIN {}` line is closed by an `END {}` line",
                                printable_label(block.label),
                                printable_label(end)
                            ),
                        });
                    }
                    if let Some(done) = current.take() {
                        blocks.push(done);
                    }
                } else if let Some(begin) = boundary(line, "BEGIN") {
                    return Err(CertError::MalformedPem {
                        expected,
                        reason: format!(
                            "a `BEGIN {}` block has no `END` line before the next `BEGIN {}` line",
                            printable_label(block.label),
                            printable_label(begin)
                        ),
                    });
                } else {
                    block
                        .body
                        .extend(line.chars().filter(|c| !c.is_whitespace()));
                }
            }
        }
    }
    if let Some(block) = current {
        return Err(CertError::MalformedPem {
            expected,
            reason: format!(
                "the `BEGIN {}` line has no matching `END {}` line",
                printable_label(block.label),
                printable_label(block.label)
            ),
        });
    }
    Ok(blocks)
}

/// Finds exactly one block of the expected kind and decodes its base64 body.
fn extract_der(input: &str, expected: PemKind, chars: usize) -> Result<Vec<u8>, CertError> {
    if input.trim().is_empty() {
        return Err(CertError::Empty { expected });
    }
    if chars > MAX_SCAN_CHARS {
        return Err(CertError::TooLong {
            expected,
            chars,
            max: MAX_PEM_CHARS,
        });
    }
    let blocks = scan_blocks(input, expected)?;
    if let Some(key) = blocks.iter().find(|b| b.label.contains("PRIVATE KEY")) {
        return Err(CertError::PrivateKey {
            expected,
            label: printable_label(key.label),
        });
    }
    if let Some(other) = blocks.iter().find(|b| !expected.accepts(b.label)) {
        return Err(CertError::WrongPemLabel {
            expected,
            found: printable_label(other.label),
        });
    }
    let block = match blocks.as_slice() {
        [] => {
            return Err(CertError::NotPem {
                expected,
                hint: not_pem_hint(input),
            })
        }
        [one] => one,
        many => {
            return Err(CertError::MultipleBlocks {
                expected,
                count: many.len(),
            })
        }
    };
    if expected == PemKind::Certificate && chars > MAX_PEM_CHARS {
        return Err(CertError::TooLong {
            expected,
            chars,
            max: MAX_PEM_CHARS,
        });
    }
    if block.body.is_empty() {
        return Err(CertError::InvalidBase64 {
            expected,
            reason: "the block is empty".to_string(),
        });
    }
    STANDARD_PAD_INDIFFERENT
        .decode(block.body.as_bytes())
        .map_err(|e| CertError::InvalidBase64 {
            expected,
            reason: e.to_string().trim_end_matches('.').to_string(),
        })
}

fn parse_cert_der(der: &[u8]) -> Result<X509Certificate<'_>, CertError> {
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

/// Labels are shown to the user; keep them short and printable whatever the input holds.
fn printable_label(label: &str) -> String {
    label
        .chars()
        .filter(|c| c.is_ascii_graphic() || *c == ' ')
        .take(64)
        .collect()
}

fn is_csr_label(label: &str) -> bool {
    PemKind::CertificateRequest.accepts(label)
}

fn not_pem_hint(input: &str) -> NotPemHint {
    let s = input.trim();
    if s.lines().count() > 1 || s.len() > 1024 {
        // Several lines or long: possibly base64 split over lines.
        let joined: String = s.chars().filter(|c| !c.is_whitespace()).collect();
        return if looks_like_bare_base64(&joined) {
            NotPemHint::BareBase64
        } else {
            NotPemHint::None
        };
    }
    if looks_like_bare_base64(s) {
        NotPemHint::BareBase64
    } else if looks_like_path(s) {
        NotPemHint::LooksLikePath(s.to_string())
    } else {
        NotPemHint::None
    }
}

fn looks_like_bare_base64(s: &str) -> bool {
    s.len() >= 64
        && STANDARD_PAD_INDIFFERENT
            .decode(s.as_bytes())
            .is_ok_and(|der| der.first() == Some(&0x30))
}

fn looks_like_path(s: &str) -> bool {
    if s.is_empty() || s.len() > 512 || s.chars().any(|c| c.is_control() || "\"<>|*?".contains(c)) {
        return false;
    }
    let lower = s.to_ascii_lowercase();
    let has_extension = [
        ".pem",
        ".crt",
        ".cer",
        ".cert",
        ".csr",
        ".der",
        ".key",
        ".txt",
        ".p7b",
        ".ca-bundle",
    ]
    .iter()
    .any(|ext| lower.ends_with(ext));
    let bytes = s.as_bytes();
    let windows_drive = bytes.len() > 2
        && bytes[0].is_ascii_alphabetic()
        && bytes[1] == b':'
        && (bytes[2] == b'\\' || bytes[2] == b'/');
    let rooted = s.starts_with('/')
        || s.starts_with("./")
        || s.starts_with("../")
        || s.starts_with("~/")
        || s.starts_with(".\\")
        || s.starts_with("\\\\")
        || windows_drive;
    has_extension || (rooted && (s.contains('.') || s.contains(' ') || s.contains('\\')))
}

// ---------------------------------------------------------------------------------------------
// Message helpers
// ---------------------------------------------------------------------------------------------

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

fn wrong_label_text(expected: PemKind, found: &str) -> String {
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

fn algorithm_text(signed: &X509Certificate<'_>, signer: &X509Certificate<'_>) -> String {
    let registry = oid_registry();
    let sig_oid = &signed.signature_algorithm.algorithm;
    let key_oid = &signer.public_key().algorithm.algorithm;
    let sig = oid2sn(sig_oid, registry).map_or_else(|_| sig_oid.to_id_string(), str::to_string);
    let key = oid2sn(key_oid, registry).map_or_else(|_| key_oid.to_id_string(), str::to_string);
    format!("signature algorithm {sig} with a {key} key")
}

/// Seconds since the Unix epoch as RFC 3339 UTC, e.g. `2030-01-01T00:00:00Z` (by reference,
/// as the error messages' format arguments hand it over).
fn rfc3339(secs: &i64) -> String {
    crate::tfplugin::logging::rfc3339(*secs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::{
        date_time_ymd, BasicConstraints, CertificateParams, CertificateSigningRequestParams,
        DistinguishedName, DnType, IsCa, Issuer, KeyPair, SignatureAlgorithm,
        PKCS_ECDSA_P256_SHA256, PKCS_ECDSA_P384_SHA384,
    };

    /// 2025-06-01T00:00:00Z
    const NOW: i64 = 1_748_736_000;

    struct Ca {
        params: CertificateParams,
        key: KeyPair,
        pem: String,
    }

    impl Ca {
        fn issuer(&self) -> Issuer<'_, &KeyPair> {
            Issuer::from_params(&self.params, &self.key)
        }
    }

    fn dn(cn: &str) -> DistinguishedName {
        let mut dn = DistinguishedName::new();
        dn.push(DnType::OrganizationName, "Example Corp");
        dn.push(DnType::CommonName, cn);
        dn
    }

    fn ca_params(cn: &str) -> CertificateParams {
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.distinguished_name = dn(cn);
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.not_before = date_time_ymd(2020, 1, 1);
        p.not_after = date_time_ymd(2040, 1, 1);
        p
    }

    fn root_ca_with(cn: &str, alg: &'static SignatureAlgorithm) -> Ca {
        let key = KeyPair::generate_for(alg).unwrap();
        let params = ca_params(cn);
        let pem = params.self_signed(&key).unwrap().pem();
        Ca { params, key, pem }
    }

    fn root_ca(cn: &str) -> Ca {
        root_ca_with(cn, &PKCS_ECDSA_P256_SHA256)
    }

    /// The cluster's key and CSR, as CloudHSM would produce them.
    fn cluster_csr() -> (KeyPair, String) {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.distinguished_name = dn("HSM:cluster-abcdefghijk:PARTN:0");
        let csr = p.serialize_request(&key).unwrap().pem().unwrap();
        (key, csr)
    }

    fn sign_csr(csr_pem: &str, ca: &Ca, from: (i32, u8, u8), to: (i32, u8, u8)) -> String {
        let mut req = CertificateSigningRequestParams::from_pem(csr_pem).unwrap();
        req.params.not_before = date_time_ymd(from.0, from.1, from.2);
        req.params.not_after = date_time_ymd(to.0, to.1, to.2);
        req.signed_by(&ca.issuer()).unwrap().pem()
    }

    fn cert(pem: &str) -> Certificate {
        parse_certificate_pem(pem).unwrap()
    }

    fn good_path(ca: &Ca) {
        let (_key, csr_pem) = cluster_csr();
        let signed_pem = sign_csr(&csr_pem, ca, (2024, 1, 1), (2030, 1, 1));
        let anchor = cert(&ca.pem);
        let signed = cert(&signed_pem);
        let csr = parse_csr_pem(&csr_pem).unwrap();
        assert!(anchor.is_self_issued());
        assert!(!signed.is_self_issued());
        assert_eq!(signed.issuer, anchor.subject);
        assert!(signed.subject.contains("HSM:cluster-abcdefghijk:PARTN:0"));
        assert_eq!(csr.subject, signed.subject);
        check_trust_anchor(&anchor, NOW).unwrap();
        check_issued_by(&signed, &anchor, NOW).unwrap();
        check_matches_csr(&signed, &csr).unwrap();
        assert_eq!(signed.not_before_unix, 1_704_067_200);
        assert_eq!(signed.not_after_unix, 1_893_456_000);
    }

    #[test]
    fn good_path_p256() {
        good_path(&root_ca("Example Root CA"));
    }

    #[test]
    fn good_path_p384_ca() {
        good_path(&root_ca_with("Example P-384 Root", &PKCS_ECDSA_P384_SHA384));
    }

    #[test]
    fn good_path_rsa_ca() {
        let key =
            KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048).unwrap();
        let params = ca_params("Example RSA Root");
        let pem = params.self_signed(&key).unwrap().pem();
        good_path(&Ca { params, key, pem });
    }

    #[test]
    fn anchor_issued_by_another_ca_is_refused() {
        let root = root_ca("Example Root CA");
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        let params = ca_params("Example Intermediate CA");
        let pem = params.signed_by(&key, &root.issuer()).unwrap().pem();
        let err = check_trust_anchor(&cert(&pem), NOW).unwrap_err();
        assert!(
            matches!(err, CertError::TrustAnchorNotSelfIssued { .. }),
            "{err:?}"
        );
        assert_eq!(err.short(), "Trust anchor is not self-signed");
        assert_eq!(err.role(), Some(CertRole::TrustAnchor));
        let text = err.to_string();
        assert!(text.contains("Example Intermediate CA"), "{text}");
        assert!(text.contains("Example Root CA"), "{text}");
    }

    #[test]
    fn anchor_self_issued_but_signed_by_another_key_is_refused() {
        // Same name as issuer and subject, but signed by a different key: only the signature
        // check can catch it.
        let real = root_ca("Example Root CA");
        let other_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        let params = ca_params("Example Root CA");
        let pem = params.signed_by(&other_key, &real.issuer()).unwrap().pem();
        let c = cert(&pem);
        assert!(c.is_self_issued());
        let err = check_trust_anchor(&c, NOW).unwrap_err();
        assert!(
            matches!(err, CertError::TrustAnchorBadSignature { .. }),
            "{err:?}"
        );
        assert_eq!(err.short(), "Trust anchor is not self-signed");
    }

    #[test]
    fn cert_signed_by_another_ca_with_the_same_name_is_refused() {
        let anchor_ca = root_ca("Example Root CA");
        let impostor = root_ca("Example Root CA");
        let (_key, csr_pem) = cluster_csr();
        let signed = cert(&sign_csr(&csr_pem, &impostor, (2024, 1, 1), (2030, 1, 1)));
        let anchor = cert(&anchor_ca.pem);
        assert_eq!(
            signed.issuer, anchor.subject,
            "names must match: the key must be caught"
        );
        let err = check_issued_by(&signed, &anchor, NOW).unwrap_err();
        assert!(
            matches!(err, CertError::SignatureMismatch { .. }),
            "{err:?}"
        );
        assert_eq!(err.short(), "Certificate not issued by the trust anchor");
        assert_eq!(err.role(), Some(CertRole::SignedCertificate));
    }

    #[test]
    fn cert_issued_under_another_name_is_refused() {
        let anchor = cert(&root_ca("Example Root CA").pem);
        let other = root_ca("Other Root CA");
        let (_key, csr_pem) = cluster_csr();
        let signed = cert(&sign_csr(&csr_pem, &other, (2024, 1, 1), (2030, 1, 1)));
        let err = check_issued_by(&signed, &anchor, NOW).unwrap_err();
        assert!(matches!(err, CertError::IssuerMismatch { .. }), "{err:?}");
        assert_eq!(err.short(), "Certificate not issued by the trust anchor");
        assert!(err.to_string().contains("Other Root CA"));
    }

    #[test]
    fn cert_for_another_key_does_not_match_csr() {
        let ca = root_ca("Example Root CA");
        let (_key, csr_pem) = cluster_csr();
        let csr = parse_csr_pem(&csr_pem).unwrap();
        let other_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.distinguished_name = dn("HSM:cluster-abcdefghijk:PARTN:0");
        params.not_before = date_time_ymd(2024, 1, 1);
        params.not_after = date_time_ymd(2030, 1, 1);
        let signed = cert(&params.signed_by(&other_key, &ca.issuer()).unwrap().pem());
        check_issued_by(&signed, &cert(&ca.pem), NOW).unwrap();
        let err = check_matches_csr(&signed, &csr).unwrap_err();
        assert!(
            matches!(err, CertError::PublicKeyMismatch { .. }),
            "{err:?}"
        );
        assert_eq!(err.short(), "Certificate does not match the cluster's CSR");
    }

    #[test]
    fn expired_and_not_yet_valid() {
        let ca = root_ca("Example Root CA");
        let anchor = cert(&ca.pem);
        let (_key, csr_pem) = cluster_csr();

        let expired = cert(&sign_csr(&csr_pem, &ca, (2020, 1, 1), (2021, 1, 1)));
        let err = check_issued_by(&expired, &anchor, NOW).unwrap_err();
        assert_eq!(
            err,
            CertError::Expired {
                role: CertRole::SignedCertificate,
                subject: expired.subject.clone(),
                not_after_unix: 1_609_459_200,
                now_unix: NOW,
            }
        );
        assert_eq!(err.short(), "Certificate has expired");
        let text = err.to_string();
        assert!(text.contains("2021-01-01T00:00:00Z"), "{text}");
        assert!(text.contains("2025-06-01T00:00:00Z"), "{text}");

        let future = cert(&sign_csr(&csr_pem, &ca, (2030, 1, 1), (2035, 1, 1)));
        let err = check_issued_by(&future, &anchor, NOW).unwrap_err();
        assert!(matches!(err, CertError::NotYetValid { .. }), "{err:?}");
        assert_eq!(err.short(), "Certificate is not yet valid");
        assert!(err.to_string().contains("2030-01-01T00:00:00Z"));

        // The anchor itself, checked after 2040.
        let err = check_trust_anchor(&anchor, 2_300_000_000).unwrap_err();
        assert!(matches!(
            err,
            CertError::Expired {
                role: CertRole::TrustAnchor,
                ..
            }
        ));
        assert_eq!(err.short(), "Trust anchor has expired");
        let err = check_trust_anchor(&anchor, 0).unwrap_err();
        assert!(matches!(
            err,
            CertError::NotYetValid {
                role: CertRole::TrustAnchor,
                ..
            }
        ));
    }

    #[test]
    fn crlf_and_whitespace_are_tolerated() {
        let ca = root_ca("Example Root CA");
        let canonical = cert(&ca.pem).to_pem();
        let messy = format!(
            "\r\n\r\n   {}\r\n\r\n\t \n",
            canonical
                .lines()
                .map(|l| format!("  {l}  "))
                .collect::<Vec<_>>()
                .join("\r\n\r\n")
        );
        let parsed = cert(&messy);
        assert_eq!(parsed.to_pem(), canonical);
        assert!(same_certificate(&messy, &canonical));
        assert!(same_certificate(&ca.pem, &canonical));
        // Explanatory text around the block (as `openssl` writes it) is ignored.
        let with_text = format!("subject=CN = Example Root CA\n{canonical}");
        assert!(same_certificate(&with_text, &canonical));
        assert!(!same_certificate(
            &canonical,
            &root_ca("Example Root CA").pem
        ));
        assert!(!same_certificate("not pem", "not pem"));
    }

    #[test]
    fn canonical_pem_form() {
        let ca = root_ca("Example Root CA");
        let pem = cert(&ca.pem).to_pem();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
        assert!(pem.ends_with("\n-----END CERTIFICATE-----\n"));
        let body: Vec<&str> = pem.lines().skip(1).collect();
        let body = &body[..body.len() - 1];
        assert!(body[..body.len() - 1].iter().all(|l| l.len() == 64));
        assert!(!body[body.len() - 1].is_empty() && body[body.len() - 1].len() <= 64);
    }

    #[test]
    fn private_key_is_refused_without_echo() {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        let key_pem = key.serialize_pem();
        let secret_line = key_pem.lines().nth(1).unwrap().to_string();
        let ca = root_ca("Example Root CA");
        for input in [key_pem.clone(), format!("{}{}", ca.pem, key_pem)] {
            let err = parse_certificate_pem(&input).unwrap_err();
            assert_eq!(
                err,
                CertError::PrivateKey {
                    expected: PemKind::Certificate,
                    label: "PRIVATE KEY".into()
                }
            );
            let shown = format!("{err} {err:?} {}", err.short());
            assert!(!shown.contains(&secret_line), "key material echoed");
            assert!(!shown.contains(&secret_line[..16]), "key material echoed");
            assert!(shown.contains("private key"));
        }
        let err = parse_csr_pem(&key_pem).unwrap_err();
        assert!(matches!(err, CertError::PrivateKey { .. }));
        assert!(!err.to_string().contains(&secret_line[..16]));
    }

    #[test]
    fn wrong_labels() {
        let (_key, csr_pem) = cluster_csr();
        let err = parse_certificate_pem(&csr_pem).unwrap_err();
        assert_eq!(
            err,
            CertError::WrongPemLabel {
                expected: PemKind::Certificate,
                found: "CERTIFICATE REQUEST".into()
            }
        );
        assert_eq!(err.short(), "Expected a certificate, found a CSR");
        assert!(err.to_string().contains("signing request"));

        let ca = root_ca("Example Root CA");
        let err = parse_csr_pem(&ca.pem).unwrap_err();
        assert_eq!(err.short(), "Expected a CSR, found a certificate");

        let legacy = csr_pem.replace("CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST");
        assert_eq!(
            parse_csr_pem(&legacy).unwrap(),
            parse_csr_pem(&csr_pem).unwrap()
        );
        let crlf = csr_pem.replace('\n', "\r\n");
        assert_eq!(
            parse_csr_pem(&crlf).unwrap(),
            parse_csr_pem(&csr_pem).unwrap()
        );
    }

    #[test]
    fn two_certificates_are_refused() {
        let root = root_ca("Example Root CA");
        let (_key, csr_pem) = cluster_csr();
        let signed = sign_csr(&csr_pem, &root, (2024, 1, 1), (2030, 1, 1));
        let chain = format!("{signed}\n{}", root.pem);
        let err = parse_certificate_pem(&chain).unwrap_err();
        assert_eq!(
            err,
            CertError::MultipleBlocks {
                expected: PemKind::Certificate,
                count: 2
            }
        );
        assert_eq!(err.short(), "More than one certificate");
        let text = err.to_string();
        assert!(
            text.contains("only the signed cluster certificate"),
            "{text}"
        );
        assert!(text.contains("only the root CA certificate"), "{text}");
    }

    #[test]
    fn over_long_input_is_refused() {
        let ca = root_ca("Example Root CA");
        let padded = format!("{}\n{}", "#".repeat(MAX_PEM_CHARS), ca.pem);
        let chars = padded.chars().count();
        let err = parse_certificate_pem(&padded).unwrap_err();
        assert_eq!(
            err,
            CertError::TooLong {
                expected: PemKind::Certificate,
                chars,
                max: MAX_PEM_CHARS
            }
        );
        let text = err.to_string();
        assert!(
            text.contains(&chars.to_string()) && text.contains("5000"),
            "{text}"
        );
        let huge = "x".repeat(MAX_SCAN_CHARS + 1);
        assert!(matches!(
            parse_certificate_pem(&huge),
            Err(CertError::TooLong { .. })
        ));
    }

    #[test]
    fn path_like_strings_get_the_file_hint() {
        for path in [
            "certs/customerCA.crt",
            "./ca.pem",
            "/etc/ssl/cluster cert",
            "C:\\pki\\ca.cer",
        ] {
            let err = parse_certificate_pem(path).unwrap_err();
            assert_eq!(
                err,
                CertError::NotPem {
                    expected: PemKind::Certificate,
                    hint: NotPemHint::LooksLikePath(path.into())
                },
                "{path}"
            );
            assert_eq!(err.short(), "Not a PEM certificate");
            assert!(err.to_string().contains(&format!("file(\"{path}\")")));
        }
        let err = parse_certificate_pem("hello world").unwrap_err();
        assert!(matches!(
            err,
            CertError::NotPem {
                hint: NotPemHint::None,
                ..
            }
        ));
        assert!(err.to_string().contains("-----BEGIN CERTIFICATE-----"));
    }

    #[test]
    fn bare_base64_gets_its_own_hint() {
        let ca = root_ca("Example Root CA");
        let c = cert(&ca.pem);
        let b64 = STANDARD.encode(&c.der);
        let err = parse_certificate_pem(&b64).unwrap_err();
        assert!(
            matches!(
                err,
                CertError::NotPem {
                    hint: NotPemHint::BareBase64,
                    ..
                }
            ),
            "{err:?}"
        );
        assert!(!err.to_string().contains(&b64[..20]));
    }

    #[test]
    fn empty_broken_and_garbage_inputs() {
        assert_eq!(
            parse_certificate_pem(" \r\n\t").unwrap_err(),
            CertError::Empty {
                expected: PemKind::Certificate
            }
        );
        let ca = root_ca("Example Root CA");
        let truncated: String = ca.pem.lines().take(3).collect::<Vec<_>>().join("\n");
        let err = parse_certificate_pem(&truncated).unwrap_err();
        assert!(matches!(err, CertError::MalformedPem { .. }), "{err:?}");

        let bad_b64 = "-----BEGIN CERTIFICATE-----\nMII!!!notbase64\n-----END CERTIFICATE-----\n";
        let err = parse_certificate_pem(bad_b64).unwrap_err();
        assert!(matches!(err, CertError::InvalidBase64 { .. }), "{err:?}");

        let bad_der = "-----BEGIN CERTIFICATE-----\nAAECAwQF\n-----END CERTIFICATE-----\n";
        let err = parse_certificate_pem(bad_der).unwrap_err();
        assert!(matches!(err, CertError::InvalidDer { .. }), "{err:?}");
        assert_eq!(err.short(), "Invalid X.509 certificate");

        let mismatched = ca.pem.replace("END CERTIFICATE", "END X509 CRL");
        assert!(matches!(
            parse_certificate_pem(&mismatched),
            Err(CertError::MalformedPem { .. })
        ));
        let empty_block = "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n";
        assert!(matches!(
            parse_certificate_pem(empty_block),
            Err(CertError::InvalidBase64 { .. })
        ));
    }

    #[test]
    fn rfc3339_formatting() {
        assert_eq!(rfc3339(&0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(&951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(&NOW), "2025-06-01T00:00:00Z");
        assert_eq!(rfc3339(&-1), "1969-12-31T23:59:59Z");
        assert_eq!(rfc3339(&253_402_300_799), "9999-12-31T23:59:59Z");
    }

    #[test]
    fn now_is_plausible() {
        assert!(now_unix() > NOW);
    }
}
