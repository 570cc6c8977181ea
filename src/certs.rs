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
//! Errors never echo key material. A private key passed by mistake (whole, mangled onto one
//! line, glued to its BEGIN line, between mismatched BEGIN/END lines, or as bare base64) is
//! named in fixed words, never by its content nor its PEM label; any other PEM label is echoed
//! only when it is short and well-formed (uppercase words, at most 40 characters).
//!
//! Signatures are verified with x509-parser (aws-lc-rs underneath). What that verifier cannot
//! check (an algorithm, curve or RSA key size it does not implement, RSA-PSS parameters other
//! than the usual ones) is told apart from a signature that does not verify:
//! [`CertError::UnsupportedSignature`] says which algorithm or key. It is the one error that
//! says nothing is known to be wrong ([`CertError::cannot_check`]): the checks report it only
//! when every other check passed, and callers show it as a warning, since CloudHSM checks the
//! chain itself when `InitializeCluster` runs and refuses it without changing anything.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::{STANDARD, STANDARD_PAD_INDIFFERENT};
use base64::Engine as _;
use x509_parser::certificate::X509Certificate;
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::error::X509Error;
use x509_parser::parse_x509_certificate;
use x509_parser::prelude::FromDer;
use x509_parser::public_key::RSAPublicKey;
use x509_parser::signature_algorithm::RsaSsaPssParams;
use x509_parser::x509::{AlgorithmIdentifier, SubjectPublicKeyInfo};

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

/// Which boundary line of a PEM block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Boundary {
    Begin,
    End,
}

impl Boundary {
    fn word(self) -> &'static str {
        match self {
            Boundary::Begin => "BEGIN",
            Boundary::End => "END",
        }
    }
}

/// What is wrong with the PEM framing. Labels are kept only when short and well-formed
/// (uppercase words, at most 40 characters); `None` stands for any other label, which is
/// described, not echoed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PemProblem {
    /// A `-----BEGIN …-----` or `-----END …-----` line has text after its closing dashes
    /// (often the base64 body, glued on when line breaks were lost).
    TextAfterBoundary {
        line: Boundary,
        label: Option<String>,
    },
    /// A line starts like a BEGIN or END line but has no closing dashes.
    UnterminatedBoundary { line: Boundary },
    /// A block is closed by an END line with another label.
    MismatchedEnd {
        begin: Option<String>,
        end: Option<String>,
    },
    /// A BEGIN line comes before the previous block's END line.
    BeginInsideBlock {
        open: Option<String>,
        next: Option<String>,
    },
    /// A BEGIN line has no END line at all.
    Unclosed { label: Option<String> },
}

impl std::fmt::Display for PemProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PemProblem::TextAfterBoundary { line, label } => write!(
                f,
                "{} has text after its closing `-----`; each BEGIN and END line must stand on a line of its own, with the base64 body on the lines between them",
                boundary_text(*line, label.as_deref())
            ),
            PemProblem::UnterminatedBoundary { line } => write!(
                f,
                "a line starts with `-----{}` but does not end with `-----`",
                line.word()
            ),
            PemProblem::MismatchedEnd { begin, end } => write!(
                f,
                "{} is closed by {}",
                boundary_text(Boundary::Begin, begin.as_deref()),
                boundary_text(Boundary::End, end.as_deref())
            ),
            PemProblem::BeginInsideBlock { open, next } => write!(
                f,
                "the block opened by {} has no END line before the next BEGIN line ({})",
                boundary_text(Boundary::Begin, open.as_deref()),
                boundary_text(Boundary::Begin, next.as_deref())
            ),
            PemProblem::Unclosed { label } => write!(
                f,
                "{} has no matching END line",
                boundary_text(Boundary::Begin, label.as_deref())
            ),
        }
    }
}

/// `the `BEGIN CERTIFICATE` line`, or, for a label not fit to show, `a BEGIN line with an
/// unusual label`.
fn boundary_text(line: Boundary, label: Option<&str>) -> String {
    match label {
        Some(l) => format!("the `{} {l}` line", line.word()),
        None => format!("a {} line with an unusual label (not shown)", line.word()),
    }
}

/// Why this provider cannot check a signature. The verifier (x509-parser on aws-lc-rs)
/// implements RSA PKCS #1 v1.5 with SHA-1 (keys of 1024 to 8192 bits) and SHA-256/384/512
/// (2048 to 8192 bits), RSA-PSS with SHA-256/384/512 (MGF1 on the same hash, salt as long as
/// the hash, 2048 to 8192 bits), ECDSA on P-256 and P-384 with SHA-256 or SHA-384, and Ed25519.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unverifiable {
    /// A signature algorithm the verifier does not implement (its name, or its OID).
    SignatureAlgorithm { name: String },
    /// RSA-PSS with parameters the verifier does not implement.
    PssParameters {
        hash: String,
        mgf1_hash: String,
        salt_length: u32,
    },
    /// RSA-PSS whose parameters are missing or cannot be read.
    PssParametersUnreadable,
    /// An RSA key outside the sizes the verifier accepts for the signature algorithm.
    RsaKeySize { bits: usize, min: usize, max: usize },
    /// An elliptic curve the verifier does not implement (its name, or its OID).
    Curve { name: String },
    /// An EC key given with explicit curve parameters instead of a named curve.
    ExplicitCurve,
}

impl std::fmt::Display for Unverifiable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unverifiable::SignatureAlgorithm { name } => {
                write!(f, "it is signed with {name}, which the provider cannot verify")
            }
            Unverifiable::PssParameters {
                hash,
                mgf1_hash,
                salt_length,
            } => write!(
                f,
                "it is signed with RSA-PSS using {hash}, MGF1 with {mgf1_hash} and a {salt_length}-byte salt; the provider verifies RSA-PSS only with SHA-256, SHA-384 or SHA-512, MGF1 on the same hash, and a salt as long as the hash (32, 48 or 64 bytes)"
            ),
            Unverifiable::PssParametersUnreadable => {
                f.write_str("it is signed with RSA-PSS, but the provider cannot read the RSA-PSS parameters")
            }
            Unverifiable::RsaKeySize { bits, min, max } => write!(
                f,
                "the signing key is a {bits}-bit RSA key; for this signature algorithm the provider verifies RSA keys of {min} to {max} bits only"
            ),
            Unverifiable::Curve { name } => write!(
                f,
                "the signing key is an ECDSA key on the curve {name}; the provider verifies ECDSA on P-256 and P-384 only"
            ),
            Unverifiable::ExplicitCurve => f.write_str(
                "the signing key is an ECDSA key given with explicit curve parameters instead of a named curve; the provider verifies ECDSA on the named curves P-256 and P-384 only",
            ),
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

/// A line that starts like a PEM boundary: `Ok((kind, label))` for a well-formed
/// `-----BEGIN LABEL-----` / `-----END LABEL-----` line, `Err` when it is broken, `None` for
/// any other line.
fn boundary(line: &str) -> Option<Result<(Boundary, &str), PemProblem>> {
    let (kind, rest) = if let Some(rest) = line.strip_prefix("-----BEGIN") {
        (Boundary::Begin, rest)
    } else if let Some(rest) = line.strip_prefix("-----END") {
        (Boundary::End, rest)
    } else {
        return None;
    };
    let Some(close) = rest.find("-----") else {
        return Some(Err(PemProblem::UnterminatedBoundary { line: kind }));
    };
    let (label, after) = (rest[..close].trim(), rest[close..].trim_start_matches('-'));
    if !after.trim().is_empty() {
        return Some(Err(PemProblem::TextAfterBoundary {
            line: kind,
            label: shown_label(label),
        }));
    }
    Some(Ok((kind, label)))
}

/// Whether a line announces a private key (`-----BEGIN RSA PRIVATE KEY-----`, `-----END
/// OPENSSH PRIVATE KEY-----`, also mangled: glued to its body, in any case).
fn is_private_key_line(line: &str) -> bool {
    line.contains("-----") && line.to_ascii_uppercase().contains("PRIVATE KEY")
}

/// Splits the value into PEM blocks; text outside blocks is ignored (RFC 7468 allows
/// explanatory text). Errors name well-formed labels only, never content.
fn scan_blocks(input: &str, expected: PemKind) -> Result<Vec<PemBlock<'_>>, CertError> {
    // A private key anywhere wins over every other finding, and is named in fixed words.
    if input.lines().any(is_private_key_line) {
        return Err(CertError::PrivateKey { expected });
    }
    let malformed = |problem| CertError::MalformedPem { expected, problem };
    let mut blocks = Vec::new();
    let mut current: Option<PemBlock<'_>> = None;
    for line in input.lines().map(str::trim) {
        let found = match boundary(line) {
            None => None,
            Some(Ok(found)) => Some(found),
            Some(Err(problem)) => return Err(malformed(problem)),
        };
        match (current.as_mut(), found) {
            (None, Some((Boundary::Begin, label))) => {
                current = Some(PemBlock {
                    label,
                    body: String::new(),
                });
            }
            // Explanatory text, or a stray END line, outside any block.
            (None, _) => {}
            (Some(block), Some((Boundary::End, end))) => {
                if end != block.label {
                    return Err(malformed(PemProblem::MismatchedEnd {
                        begin: shown_label(block.label),
                        end: shown_label(end),
                    }));
                }
                if let Some(done) = current.take() {
                    blocks.push(done);
                }
            }
            (Some(block), Some((Boundary::Begin, next))) => {
                return Err(malformed(PemProblem::BeginInsideBlock {
                    open: shown_label(block.label),
                    next: shown_label(next),
                }));
            }
            (Some(block), None) => block
                .body
                .extend(line.chars().filter(|c| !c.is_whitespace())),
        }
    }
    if let Some(block) = current {
        return Err(malformed(PemProblem::Unclosed {
            label: shown_label(block.label),
        }));
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
    // A key's body under another label (CERTIFICATE, say) is still a key.
    let holds_key = |b: &PemBlock<'_>| {
        STANDARD_PAD_INDIFFERENT
            .decode(b.body.as_bytes())
            .is_ok_and(|der| is_private_key_der(&der))
    };
    if blocks.iter().any(holds_key) {
        return Err(CertError::PrivateKey { expected });
    }
    if let Some(other) = blocks.iter().find(|b| !expected.accepts(b.label)) {
        return Err(CertError::WrongPemLabel {
            expected,
            found: shown_label(other.label),
        });
    }
    let block = match blocks.as_slice() {
        [] => {
            let hint = not_pem_hint(input);
            if hint == NotPemHint::BareBase64
                && bare_der(input).is_some_and(|d| is_private_key_der(&d))
            {
                return Err(CertError::PrivateKey { expected });
            }
            return Err(CertError::NotPem { expected, hint });
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

/// The DER of a value that is bare base64 (no PEM lines), if it is.
fn bare_der(input: &str) -> Option<Vec<u8>> {
    let joined: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    STANDARD_PAD_INDIFFERENT.decode(joined.as_bytes()).ok()
}

/// Whether DER looks like a private key rather than a certificate or CSR: PKCS #8
/// (`PrivateKeyInfo`), PKCS #1 `RSAPrivateKey` and SEC1 `ECPrivateKey` all are a SEQUENCE that
/// opens with a small INTEGER version, where certificates and CSRs open with a SEQUENCE.
fn is_private_key_der(der: &[u8]) -> bool {
    let Some((&0x30, rest)) = der.split_first() else {
        return false;
    };
    // Skip the outer length (short form, or long form with up to 4 length bytes).
    let inner = match rest.split_first() {
        Some((&n, tail)) if n < 0x80 => tail,
        Some((&n, tail)) if (0x81..=0x84).contains(&n) => {
            tail.get(usize::from(n - 0x80)..).unwrap_or(&[])
        }
        _ => return false,
    };
    matches!(inner, [0x02, 0x01, 0x00 | 0x01, ..])
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

/// The longest PEM label that is ever echoed.
const MAX_SHOWN_LABEL: usize = 40;

/// A PEM label fit to show the user: uppercase words of letters, digits and dots, single
/// spaces, at most [`MAX_SHOWN_LABEL`] characters (`CERTIFICATE`, `X509 CRL`, `PKCS7`).
/// Anything else may carry what it should not (a mangled BEGIN line can hold key material
/// where the label should be), so it is described, never echoed.
fn shown_label(label: &str) -> Option<String> {
    let well_formed = !label.is_empty()
        && label.len() <= MAX_SHOWN_LABEL
        && label.split(' ').all(|word| {
            !word.is_empty()
                && word
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'.')
        })
        && !label.contains("PRIVATE");
    well_formed.then(|| label.to_string())
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
    } else if looks_like_path(s) && !s.contains("-----") {
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

// ---------------------------------------------------------------------------------------------
// Which signatures the verifier can check
// ---------------------------------------------------------------------------------------------

/// What to do with a signature before handing it to the verifier.
#[derive(Debug, PartialEq, Eq)]
enum Precheck {
    /// The verifier implements it: its answer is the answer.
    Verify,
    /// The signature algorithm does not fit the signer's kind of key (an ECDSA signature and
    /// an RSA key, say): that key cannot have made this signature.
    WrongKind,
    /// The verifier cannot check it.
    Cannot(Unverifiable),
}

/// The signer's key, as far as the checks need it.
#[derive(Debug)]
enum KeyKind {
    /// RSA, with the modulus size in bits when the key can be read.
    Rsa(Option<usize>),
    /// ECDSA, with the named curve's OID (`None`: explicit parameters or unreadable).
    Ec(Option<String>),
    Ed25519,
    Ed448,
    Dsa,
    /// Any other kind of key: it cannot have made an RSA, ECDSA, EdDSA or DSA signature.
    Other,
}

fn key_kind(spki: &SubjectPublicKeyInfo<'_>) -> KeyKind {
    match spki.algorithm.algorithm.to_id_string().as_str() {
        "1.2.840.113549.1.1.1" | "1.2.840.113549.1.1.10" => KeyKind::Rsa(
            RSAPublicKey::from_der(&spki.subject_public_key.data)
                .ok()
                .map(|(_, key)| modulus_bits(key.modulus)),
        ),
        "1.2.840.10045.2.1" => KeyKind::Ec(
            spki.algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|oid| oid.to_id_string()),
        ),
        "1.3.101.112" => KeyKind::Ed25519,
        "1.3.101.113" => KeyKind::Ed448,
        "1.2.840.10040.4.1" => KeyKind::Dsa,
        _ => KeyKind::Other,
    }
}

/// The size of an RSA modulus in bits (its big-endian bytes may start with zeros).
fn modulus_bits(modulus: &[u8]) -> usize {
    let significant = match modulus.iter().position(|&b| b != 0) {
        Some(i) => &modulus[i..],
        None => return 0,
    };
    significant.len() * 8 - significant[0].leading_zeros() as usize
}

/// The hash algorithms the verifier pairs with RSA and ECDSA, by OID.
fn hash_name(oid: &str) -> Option<&'static str> {
    Some(match oid {
        "1.3.14.3.2.26" => "SHA-1",
        "2.16.840.1.101.3.4.2.4" => "SHA-224",
        "2.16.840.1.101.3.4.2.1" => "SHA-256",
        "2.16.840.1.101.3.4.2.2" => "SHA-384",
        "2.16.840.1.101.3.4.2.3" => "SHA-512",
        _ => return None,
    })
}

fn curve_name(oid: &str) -> String {
    match oid {
        "1.2.840.10045.3.1.7" => "P-256".into(),
        "1.3.132.0.34" => "P-384".into(),
        "1.3.132.0.35" => "P-521".into(),
        "1.3.132.0.33" => "P-224".into(),
        "1.2.840.10045.3.1.1" => "P-192".into(),
        "1.3.132.0.10" => "secp256k1".into(),
        "1.3.36.3.3.2.8.1.1.7" => "brainpoolP256r1".into(),
        "1.3.36.3.3.2.8.1.1.11" => "brainpoolP384r1".into(),
        "1.3.36.3.3.2.8.1.1.13" => "brainpoolP512r1".into(),
        "1.2.156.10197.1.301" => "SM2".into(),
        other => format!("with OID {other}"),
    }
}

/// A signature algorithm's name for the user (its OID when it has no name here).
fn signature_algorithm_name(oid: &str) -> String {
    let name = match oid {
        "1.2.840.113549.1.1.2" => "RSA with MD2",
        "1.2.840.113549.1.1.3" => "RSA with MD4",
        "1.2.840.113549.1.1.4" => "RSA with MD5",
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => "RSA with SHA-1",
        "1.2.840.113549.1.1.14" => "RSA with SHA-224",
        "1.2.840.113549.1.1.11" => "RSA with SHA-256",
        "1.2.840.113549.1.1.12" => "RSA with SHA-384",
        "1.2.840.113549.1.1.13" => "RSA with SHA-512",
        "1.2.840.113549.1.1.10" => "RSA-PSS",
        "2.16.840.1.101.3.4.3.13" => "RSA with SHA3-224",
        "2.16.840.1.101.3.4.3.14" => "RSA with SHA3-256",
        "2.16.840.1.101.3.4.3.15" => "RSA with SHA3-384",
        "2.16.840.1.101.3.4.3.16" => "RSA with SHA3-512",
        "1.2.840.10045.4.1" => "ECDSA with SHA-1",
        "1.2.840.10045.4.3.1" => "ECDSA with SHA-224",
        "1.2.840.10045.4.3.2" => "ECDSA with SHA-256",
        "1.2.840.10045.4.3.3" => "ECDSA with SHA-384",
        "1.2.840.10045.4.3.4" => "ECDSA with SHA-512",
        "2.16.840.1.101.3.4.3.9" => "ECDSA with SHA3-224",
        "2.16.840.1.101.3.4.3.10" => "ECDSA with SHA3-256",
        "2.16.840.1.101.3.4.3.11" => "ECDSA with SHA3-384",
        "2.16.840.1.101.3.4.3.12" => "ECDSA with SHA3-512",
        "1.3.101.112" => "Ed25519",
        "1.3.101.113" => "Ed448",
        "1.2.840.10040.4.3" => "DSA with SHA-1",
        "2.16.840.1.101.3.4.3.1" => "DSA with SHA-224",
        "2.16.840.1.101.3.4.3.2" => "DSA with SHA-256",
        "2.16.840.1.101.3.4.3.17" => "ML-DSA-44",
        "2.16.840.1.101.3.4.3.18" => "ML-DSA-65",
        "2.16.840.1.101.3.4.3.19" => "ML-DSA-87",
        "1.2.156.10197.1.501" => "SM2 with SM3",
        other => return format!("the signature algorithm with OID {other}"),
    };
    name.to_string()
}

/// The family of a signature algorithm, as far as it decides which key can have made it.
enum Family {
    /// RSA PKCS #1 v1.5, with the hash's name when the verifier implements the pair.
    RsaPkcs1(Option<&'static str>),
    RsaPss,
    /// ECDSA, with the hash's name when the verifier implements the pair.
    Ecdsa(Option<&'static str>),
    Ed25519,
    Ed448,
    Dsa,
    Other,
}

fn family(oid: &str) -> Family {
    match oid {
        "1.2.840.113549.1.1.5" | "1.3.14.3.2.29" => Family::RsaPkcs1(Some("SHA-1")),
        "1.2.840.113549.1.1.11" => Family::RsaPkcs1(Some("SHA-256")),
        "1.2.840.113549.1.1.12" => Family::RsaPkcs1(Some("SHA-384")),
        "1.2.840.113549.1.1.13" => Family::RsaPkcs1(Some("SHA-512")),
        "1.2.840.113549.1.1.2"
        | "1.2.840.113549.1.1.3"
        | "1.2.840.113549.1.1.4"
        | "1.2.840.113549.1.1.14"
        | "2.16.840.1.101.3.4.3.13"
        | "2.16.840.1.101.3.4.3.14"
        | "2.16.840.1.101.3.4.3.15"
        | "2.16.840.1.101.3.4.3.16" => Family::RsaPkcs1(None),
        "1.2.840.113549.1.1.10" => Family::RsaPss,
        "1.2.840.10045.4.3.2" => Family::Ecdsa(Some("SHA-256")),
        "1.2.840.10045.4.3.3" => Family::Ecdsa(Some("SHA-384")),
        "1.2.840.10045.4.1"
        | "1.2.840.10045.4.3.1"
        | "1.2.840.10045.4.3.4"
        | "2.16.840.1.101.3.4.3.9"
        | "2.16.840.1.101.3.4.3.10"
        | "2.16.840.1.101.3.4.3.11"
        | "2.16.840.1.101.3.4.3.12" => Family::Ecdsa(None),
        "1.3.101.112" => Family::Ed25519,
        "1.3.101.113" => Family::Ed448,
        "1.2.840.10040.4.3" | "2.16.840.1.101.3.4.3.1" | "2.16.840.1.101.3.4.3.2" => Family::Dsa,
        _ => Family::Other,
    }
}

/// RSA key sizes the verifier accepts with a hash (x509-parser's choice of aws-lc-rs
/// algorithms: `RSA_PKCS1_1024_8192_SHA1_FOR_LEGACY_USE_ONLY`, `RSA_*_2048_8192_SHA*`).
fn rsa_bits_range(hash: &str) -> (usize, usize) {
    if hash == "SHA-1" {
        (1024, 8192)
    } else {
        (2048, 8192)
    }
}

fn rsa_size(bits: Option<usize>, hash: &str) -> Precheck {
    let (min, max) = rsa_bits_range(hash);
    match bits {
        Some(bits) if bits < min || bits > max => {
            Precheck::Cannot(Unverifiable::RsaKeySize { bits, min, max })
        }
        // Unreadable keys are left to the verifier, which refuses them as not verifying.
        _ => Precheck::Verify,
    }
}

/// Whether the verifier can check a signature made with `algorithm` by the key `signer`.
fn precheck(algorithm: &AlgorithmIdentifier<'_>, signer: &SubjectPublicKeyInfo<'_>) -> Precheck {
    let oid = algorithm.algorithm.to_id_string();
    let cannot_algorithm = || {
        Precheck::Cannot(Unverifiable::SignatureAlgorithm {
            name: signature_algorithm_name(&oid),
        })
    };
    let key = key_kind(signer);
    match (family(&oid), key) {
        (Family::Other, _) => cannot_algorithm(),
        (Family::RsaPkcs1(hash), KeyKind::Rsa(bits)) => match hash {
            Some(hash) => rsa_size(bits, hash),
            None => cannot_algorithm(),
        },
        (Family::RsaPss, KeyKind::Rsa(bits)) => match pss_hash(algorithm) {
            Ok(hash) => rsa_size(bits, hash),
            Err(why) => Precheck::Cannot(why),
        },
        (Family::Ecdsa(hash), KeyKind::Ec(curve)) => match curve.as_deref() {
            None => Precheck::Cannot(Unverifiable::ExplicitCurve),
            Some("1.2.840.10045.3.1.7" | "1.3.132.0.34") if hash.is_some() => Precheck::Verify,
            Some("1.2.840.10045.3.1.7" | "1.3.132.0.34") => cannot_algorithm(),
            Some(other) => Precheck::Cannot(Unverifiable::Curve {
                name: curve_name(other),
            }),
        },
        (Family::Ed25519, KeyKind::Ed25519) => Precheck::Verify,
        (Family::Ed448, KeyKind::Ed448) | (Family::Dsa, KeyKind::Dsa) => cannot_algorithm(),
        // The signature's algorithm needs another kind of key than the signer's.
        _ => Precheck::WrongKind,
    }
}

/// The hash of RSA-PSS parameters the verifier implements (SHA-256/384/512 with MGF1 on the
/// same hash, a salt as long as the hash and the standard trailer), or why not.
fn pss_hash(algorithm: &AlgorithmIdentifier<'_>) -> Result<&'static str, Unverifiable> {
    let params = algorithm
        .parameters
        .as_ref()
        .and_then(|p| RsaSsaPssParams::try_from(p).ok())
        .ok_or(Unverifiable::PssParametersUnreadable)?;
    let mgf = params
        .mask_gen_algorithm()
        .map_err(|_| Unverifiable::PssParametersUnreadable)?;
    let name = |oid: String| {
        hash_name(&oid).map_or_else(|| format!("the hash with OID {oid}"), str::to_string)
    };
    let hash_oid = params.hash_algorithm_oid().to_id_string();
    let mgf1_oid = mgf.hash.to_id_string();
    let salt_length = params.salt_length();
    let supported = match hash_oid.as_str() {
        "2.16.840.1.101.3.4.2.1" => Some(("SHA-256", 32)),
        "2.16.840.1.101.3.4.2.2" => Some(("SHA-384", 48)),
        "2.16.840.1.101.3.4.2.3" => Some(("SHA-512", 64)),
        _ => None,
    };
    match supported {
        Some((hash, len))
            if mgf.mgf.to_id_string() == "1.2.840.113549.1.1.8"
                && mgf1_oid == hash_oid
                && salt_length == len
                && params.trailer_field() == 1 =>
        {
            Ok(hash)
        }
        _ => Err(Unverifiable::PssParameters {
            hash: name(hash_oid.clone()),
            mgf1_hash: name(mgf1_oid),
            salt_length,
        }),
    }
}

/// Seconds since the Unix epoch as RFC 3339 UTC, e.g. `2030-01-01T00:00:00Z` (by reference,
/// as the error messages' format arguments hand it over).
fn rfc3339(secs: &i64) -> String {
    crate::dates::rfc3339(*secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_certificate_that_cannot_be_read_is_never_the_same() {
        let pem = rcgen::generate_simple_self_signed(vec!["x".to_string()])
            .expect("cert")
            .cert
            .pem();
        let other = rcgen::generate_simple_self_signed(vec!["y".to_string()])
            .expect("cert")
            .cert
            .pem();
        assert_eq!(
            compare_certificates(&pem, &pem.replace('\n', "\r\n")),
            Comparison::Same
        );
        assert_eq!(compare_certificates(&pem, &other), Comparison::Different);
        for unreadable in [
            "",
            "   ",
            "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----",
        ] {
            assert_eq!(
                compare_certificates(unreadable, &pem),
                Comparison::Unreadable
            );
            assert_eq!(
                compare_certificates(&pem, unreadable),
                Comparison::Unreadable
            );
        }
    }
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
                found: Some("CERTIFICATE REQUEST".into())
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

    // -----------------------------------------------------------------------------------------
    // Private keys never reach an error message
    // -----------------------------------------------------------------------------------------

    /// Every 16-character run of `secret` that shows up in any text of `err`.
    fn leaks(err: &CertError, secret: &str) -> Vec<String> {
        let shown = format!("{err} | {} | {err:?}", err.short());
        let chars: Vec<char> = secret.chars().collect();
        chars
            .windows(16)
            .map(|w| w.iter().collect::<String>())
            .filter(|w| shown.contains(w.as_str()))
            .collect()
    }

    /// The keys a user might paste: PKCS #8 bodies of RSA, EC and Ed25519 keys, as base64
    /// lines of 64 characters.
    fn pasted_keys() -> Vec<Vec<String>> {
        let rsa =
            KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048).unwrap();
        let ec = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        let ed = KeyPair::generate_for(&rcgen::PKCS_ED25519).unwrap();
        [rsa, ec, ed]
            .iter()
            .map(|k| {
                k.serialize_pem()
                    .lines()
                    .filter(|l| !l.starts_with("-----"))
                    .map(str::to_string)
                    .collect()
            })
            .collect()
    }

    /// The ways a key gets mangled on its way into a configuration.
    fn mangled(lines: &[String], cert_pem: &str) -> Vec<String> {
        let body = lines.join("\n");
        let joined = lines.concat();
        let (first, rest) = (&lines[0], lines[1..].join("\n"));
        let last = &lines[lines.len() - 1];
        let but_last = lines[..lines.len() - 1].join("\n");
        let mut out = vec![];
        for label in ["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY"] {
            out.extend([
                // whole key on one line
                format!("-----BEGIN {label}-----{joined}-----END {label}-----"),
                // body glued to the BEGIN line, with or without a space
                format!("-----BEGIN {label}-----{first}\n{rest}\n-----END {label}-----\n"),
                format!("-----BEGIN {label}----- {first}\n{rest}\n-----END {label}-----\n"),
                // line breaks turned into spaces
                format!(
                    "-----BEGIN {label}----- {} -----END {label}-----",
                    lines.join(" ")
                ),
                // mismatched BEGIN / END lines around the key
                format!("-----BEGIN CERTIFICATE-----\n{body}\n-----END {label}-----\n"),
                format!("-----BEGIN {label}-----\n{body}\n-----END CERTIFICATE-----\n"),
                // the BEGIN line without its closing dashes
                format!("-----BEGIN {label}\n{body}\n-----END {label}-----\n"),
                // lower case, CRLF, after a certificate
                format!(
                    "-----begin {}-----\n{body}\n-----end {}-----\n",
                    label.to_lowercase(),
                    label.to_lowercase()
                ),
                format!(
                    "-----BEGIN {label}-----\r\n{}\r\n-----END {label}-----\r\n",
                    lines.join("\r\n")
                ),
                format!("{cert_pem}-----BEGIN {label}-----\n{body}\n-----END {label}-----\n"),
            ]);
        }
        out.extend([
            // the key's body under certificate labels
            format!("-----BEGIN CERTIFICATE-----\n{body}\n-----END CERTIFICATE-----\n"),
            // key material where the label should be, and no "PRIVATE KEY" anywhere
            format!("-----BEGIN {first}-----\n{rest}\n-----END CERTIFICATE-----\n"),
            format!("-----BEGIN CERTIFICATE-----\n{but_last}\n-----END {last}-----\n"),
            format!(
                "-----BEGIN {}-----\n{rest}\n-----END {}-----\n",
                &first[..20],
                &first[..20]
            ),
            format!("-----BEGIN CERTIFICATE-----\n{but_last}\n-----BEGIN {last}-----\n"),
            format!("-----BEGIN {}-----{rest}", &first[..30]),
            // bare base64, on one line or many
            joined.clone(),
            body.clone(),
        ]);
        out
    }

    #[test]
    fn a_pasted_private_key_never_reaches_an_error_message() {
        let cert_pem = root_ca("Example Root CA").pem;
        for lines in pasted_keys() {
            let secret = lines.concat();
            for input in mangled(&lines, &cert_pem) {
                for err in [
                    parse_certificate_pem(&input).unwrap_err(),
                    parse_csr_pem(&input).unwrap_err(),
                ] {
                    let leaked = leaks(&err, &secret);
                    assert!(
                        leaked.is_empty(),
                        "{err:?} echoes key material {leaked:?} for input\n{input}"
                    );
                    if input.to_ascii_uppercase().contains("PRIVATE KEY")
                        || !input.contains("-----")
                        || (input.starts_with("-----BEGIN CERTIFICATE-----\nMI")
                            && input.ends_with("-----END CERTIFICATE-----\n"))
                    {
                        assert!(
                            matches!(err, CertError::PrivateKey { .. }),
                            "a key must be named as a key: {err:?} for input\n{input}"
                        );
                        assert!(err.to_string().contains("a private key"));
                        assert!(err.short().contains("Private key"));
                    }
                }
            }
        }
    }

    #[test]
    fn only_short_well_formed_labels_are_echoed() {
        assert_eq!(shown_label("CERTIFICATE"), Some("CERTIFICATE".into()));
        assert_eq!(
            shown_label("X.509 CERTIFICATE"),
            Some("X.509 CERTIFICATE".into())
        );
        assert_eq!(shown_label("X509 CRL"), Some("X509 CRL".into()));
        for bad in [
            "",
            "Certificate",
            "CERTIFICATE  REQUEST",
            "MIIEowIBAAKCAQEA",
            "RSA PRIVATE KEY",
            "A VERY LONG LABEL THAT GOES ON AND ON AND ON",
            "CERT-IFICATE",
            "CERTIFICATE\u{7}",
        ] {
            assert_eq!(shown_label(bad), None, "{bad:?}");
        }
        // A well-formed label of the wrong kind is named; anything else is described.
        let crl = "-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----\n";
        let err = parse_certificate_pem(crl).unwrap_err();
        assert_eq!(
            err,
            CertError::WrongPemLabel {
                expected: PemKind::Certificate,
                found: Some("X509 CRL".into())
            }
        );
        assert!(err.to_string().contains("`X509 CRL` block"), "{err}");
        let odd = "-----BEGIN Some odd label-----\nAAAA\n-----END Some odd label-----\n";
        let err = parse_certificate_pem(odd).unwrap_err();
        assert_eq!(
            err,
            CertError::WrongPemLabel {
                expected: PemKind::Certificate,
                found: None
            }
        );
        assert!(!err.to_string().contains("odd"), "{err}");
        assert!(err.to_string().contains("unusual label"), "{err}");
        // Broken boundary lines say what is wrong with them.
        let ca = root_ca("Example Root CA");
        let glued = ca.pem.replacen("-----\n", "-----", 1);
        let err = parse_certificate_pem(&glued).unwrap_err();
        assert_eq!(
            err,
            CertError::MalformedPem {
                expected: PemKind::Certificate,
                problem: PemProblem::TextAfterBoundary {
                    line: Boundary::Begin,
                    label: Some("CERTIFICATE".into())
                }
            }
        );
        assert!(err
            .to_string()
            .contains("`BEGIN CERTIFICATE` line has text after"));
        let mismatched = ca.pem.replace("END CERTIFICATE", "END X509 CRL");
        let text = parse_certificate_pem(&mismatched).unwrap_err().to_string();
        assert!(
            text.contains("`BEGIN CERTIFICATE` line is closed by the `END X509 CRL` line"),
            "{text}"
        );
    }

    // -----------------------------------------------------------------------------------------
    // Signatures the verifier cannot check are told apart from wrong ones
    // -----------------------------------------------------------------------------------------

    /// An RSA public key of `bits` bits that nobody holds the private half of: enough for a
    /// certificate to carry it, and for the checks to look at its size.
    struct FakeRsaKey(Vec<u8>);

    impl FakeRsaKey {
        fn new(bits: usize) -> Self {
            fn der(tag: u8, content: &[u8]) -> Vec<u8> {
                let mut out = vec![tag];
                let len = content.len();
                if len < 0x80 {
                    out.push(len as u8);
                } else {
                    let bytes: Vec<u8> = len
                        .to_be_bytes()
                        .into_iter()
                        .skip_while(|b| *b == 0)
                        .collect();
                    out.push(0x80 | bytes.len() as u8);
                    out.extend(bytes);
                }
                out.extend_from_slice(content);
                out
            }
            let mut modulus = vec![0x00, 0xc5];
            modulus.extend((1..bits / 8).map(|i| (i * 7 + 1) as u8));
            let body = [der(0x02, &modulus), der(0x02, &[0x01, 0x00, 0x01])].concat();
            FakeRsaKey(der(0x30, &body))
        }
    }

    impl rcgen::PublicKeyData for FakeRsaKey {
        fn der_bytes(&self) -> &[u8] {
            &self.0
        }
        fn algorithm(&self) -> &'static SignatureAlgorithm {
            &rcgen::PKCS_RSA_SHA256
        }
    }

    /// A root that names itself as issuer and carries `key`, signed (under its own name) by a
    /// 2048-bit RSA key: what a root CA with such a key looks like to the checks.
    fn root_with_key(cn: &str, key: &impl rcgen::PublicKeyData) -> Certificate {
        let signer =
            KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048).unwrap();
        let params = ca_params(cn);
        let issuer = Issuer::from_params(&params, &signer);
        cert(&params.signed_by(key, &issuer).unwrap().pem())
    }

    fn pem_of(der: &[u8]) -> String {
        Certificate {
            der: der.to_vec(),
            subject: String::new(),
            issuer: String::new(),
            not_before_unix: 0,
            not_after_unix: 0,
            public_key_der: Vec::new(),
        }
        .to_pem()
    }

    /// The certificate with every `from` OID (both signature algorithm fields) turned into `to`.
    fn with_signature_oid(pem: &str, from: &[u8], to: &[u8]) -> Certificate {
        let der = cert(pem).der;
        let mut patched = Vec::with_capacity(der.len());
        let mut i = 0;
        let mut count = 0;
        while i < der.len() {
            if der[i..].starts_with(from) {
                patched.extend_from_slice(to);
                i += from.len();
                count += 1;
            } else {
                patched.push(der[i]);
                i += 1;
            }
        }
        assert_eq!(
            count, 2,
            "the OID is in the TBS and in the outer signature field"
        );
        cert(&pem_of(&patched))
    }

    const ECDSA_SHA256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02];

    fn unsupported_why(err: &CertError) -> &Unverifiable {
        match err {
            CertError::UnsupportedSignature { why, .. } => why,
            other => panic!("expected UnsupportedSignature, got {other:?}"),
        }
    }

    #[test]
    fn rsa_keys_outside_the_verifiers_sizes_cannot_be_checked() {
        for (bits, shown) in [(1024, "1024-bit RSA key"), (16384, "16384-bit RSA key")] {
            let anchor = root_with_key("Example Old Root", &FakeRsaKey::new(bits));
            assert!(anchor.is_self_issued());
            let err = check_trust_anchor(&anchor, NOW).unwrap_err();
            assert_eq!(
                unsupported_why(&err),
                &Unverifiable::RsaKeySize {
                    bits,
                    min: 2048,
                    max: 8192
                }
            );
            assert_eq!(err.short(), "Cannot verify the trust anchor's signature");
            assert_eq!(err.role(), Some(CertRole::TrustAnchor));
            let text = err.to_string();
            for needle in [
                shown,
                "2048 to 8192 bits",
                "cannot check the signature of the trust anchor",
                "does not mean the signature is wrong",
                "Apply goes on",
                "the cluster is left as it was",
                "To have it checked at plan time, create the root CA certificate",
            ] {
                assert!(text.contains(needle), "{needle:?} missing from: {text}");
            }
            assert!(!text.contains("not self-signed"), "{text}");
        }
    }

    #[test]
    fn curves_and_algorithms_the_verifier_lacks_cannot_be_checked() {
        let p521 = root_ca_with("Example P-521 Root", &rcgen::PKCS_ECDSA_P521_SHA512);
        let err = check_trust_anchor(&cert(&p521.pem), NOW).unwrap_err();
        assert_eq!(
            unsupported_why(&err),
            &Unverifiable::Curve {
                name: "P-521".into()
            }
        );
        assert!(
            err.to_string().contains("ECDSA key on the curve P-521"),
            "{err}"
        );

        let ed448 = cert(ED448_ROOT);
        let err = check_trust_anchor(&ed448, ed448.not_before_unix).unwrap_err();
        assert_eq!(
            unsupported_why(&err),
            &Unverifiable::SignatureAlgorithm {
                name: "Ed448".into()
            }
        );
        assert!(err.to_string().contains("signed with Ed448"), "{err}");

        // The cluster certificate signed with ECDSA and SHA-224 by a P-256 trust anchor.
        let ca = root_ca("Example Root CA");
        let (_key, csr_pem) = cluster_csr();
        let signed_pem = sign_csr(&csr_pem, &ca, (2024, 1, 1), (2030, 1, 1));
        let sha224 = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x01];
        let signed = with_signature_oid(&signed_pem, ECDSA_SHA256, &sha224);
        let err = check_issued_by(&signed, &cert(&ca.pem), NOW).unwrap_err();
        assert_eq!(
            unsupported_why(&err),
            &Unverifiable::SignatureAlgorithm {
                name: "ECDSA with SHA-224".into()
            }
        );
        assert_eq!(err.role(), Some(CertRole::SignedCertificate));
        assert_eq!(err.short(), "Cannot verify the certificate's signature");
        let text = err.to_string();
        assert!(
            text.contains("sign the cluster's CSR with a signature"),
            "{text}"
        );
        assert!(err.cannot_check());
        assert!(!text.contains("different key"), "{text}");

        // An algorithm nobody named: its OID.
        let unknown = [0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x7f];
        let anchor = with_signature_oid(&ca.pem, ECDSA_SHA256, &unknown);
        let err = check_trust_anchor(&anchor, NOW).unwrap_err();
        assert!(
            err.to_string().contains("OID 1.2.840.10045.4.3.127"),
            "{err}"
        );
    }

    #[test]
    fn a_signature_that_cannot_be_checked_comes_after_every_other_check() {
        let p521 = cert(&root_ca_with("Example P-521 Root", &rcgen::PKCS_ECDSA_P521_SHA512).pem);
        let err = check_trust_anchor(&p521, NOW).unwrap_err();
        assert!(err.cannot_check(), "{err:?}");
        // Expired and unverifiable: the expiry is what is wrong, and it is what is reported.
        let err = check_trust_anchor(&p521, p521.not_after_unix + 1).unwrap_err();
        assert!(matches!(err, CertError::Expired { .. }), "{err:?}");
        assert!(!err.cannot_check());
        // Not self-issued comes first too.
        let signed = cert(&sign_csr(
            &cluster_csr().1,
            &root_ca("Example Root CA"),
            (2024, 1, 1),
            (2030, 1, 1),
        ));
        assert!(!check_trust_anchor(&signed, NOW).unwrap_err().cannot_check());
    }

    #[test]
    fn rsa_pss_is_checked_with_the_usual_parameters_only() {
        // SHA-256, MGF1-SHA-256, 32-byte salt: verified.
        let usual = cert(PSS_SALT_32_ROOT);
        check_trust_anchor(&usual, usual.not_before_unix).unwrap();
        // The same with a 20-byte salt is valid too (OpenSSL verifies it), but the verifier
        // here cannot check it: that must not be called "not self-signed".
        let other = cert(PSS_SALT_20_ROOT);
        let err = check_trust_anchor(&other, other.not_before_unix).unwrap_err();
        assert_eq!(
            unsupported_why(&err),
            &Unverifiable::PssParameters {
                hash: "SHA-256".into(),
                mgf1_hash: "SHA-256".into(),
                salt_length: 20
            }
        );
        assert!(err.to_string().contains("20-byte salt"), "{err}");
    }

    #[test]
    fn supported_algorithms_still_verify_and_a_key_of_the_wrong_kind_is_a_wrong_signature() {
        good_path(&root_ca_with("Example Ed25519 Root", &rcgen::PKCS_ED25519));

        // An RSA trust anchor, and a cluster certificate signed (ECDSA) by another CA of the
        // same name: that RSA key cannot have made an ECDSA signature.
        let key =
            KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048).unwrap();
        let params = ca_params("Example Root CA");
        let anchor = cert(&params.self_signed(&key).unwrap().pem());
        let impostor = root_ca("Example Root CA");
        let (_key, csr_pem) = cluster_csr();
        let signed = cert(&sign_csr(&csr_pem, &impostor, (2024, 1, 1), (2030, 1, 1)));
        let err = check_issued_by(&signed, &anchor, NOW).unwrap_err();
        assert!(
            matches!(err, CertError::SignatureMismatch { .. }),
            "{err:?}"
        );

        // A root carrying an EC key but signed with RSA under its name is not self-signed.
        let ec_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        let anchor = root_with_key("Example Root CA", &ec_key);
        let err = check_trust_anchor(&anchor, NOW).unwrap_err();
        assert!(
            matches!(err, CertError::TrustAnchorBadSignature { .. }),
            "{err:?}"
        );
    }

    /// Self-signed RSA-PSS roots made with OpenSSL 3 (`openssl req -x509 -sha256 -sigopt
    /// rsa_padding_mode:pss -sigopt rsa_pss_saltlen:32`, and `:20`), and an Ed448 root
    /// (`openssl genpkey -algorithm ED448`): certificates only, no keys.
    const PSS_SALT_32_ROOT: &str = "\
-----BEGIN CERTIFICATE-----\n\
MIIDvTCCAnGgAwIBAgIUU5riD3JczCrq1B8SwY8YjZCVnVIwQQYJKoZIhvcNAQEK\n\
MDSgDzANBglghkgBZQMEAgEFAKEcMBoGCSqGSIb3DQEBCDANBglghkgBZQMEAgEF\n\
AKIDAgEgMDoxFTATBgNVBAoMDEV4YW1wbGUgQ29ycDEhMB8GA1UEAwwYUFNTIFJv\n\
b3QgU0hBLTI1NiBzYWx0IDMyMB4XDTI2MTEzMDEyMTk0NVoXDTQ2MTEyNTEyMTk0\n\
NVowOjEVMBMGA1UECgwMRXhhbXBsZSBDb3JwMSEwHwYDVQQDDBhQU1MgUm9vdCBT\n\
SEEtMjU2IHNhbHQgMzIwggEiMA0GCSqGSIb3DQEBAQUAA4IBDwAwggEKAoIBAQCH\n\
xef0NCKdMWgpHoRCRLOeqrGqlSB4CmgxthbtQi5bvr4tbSVzEEBY1gyv21wglOD2\n\
Z7ahWw+egBwj0aV6Vme4dGYnd/74mrwT88hBoN8es/QZ37FmWJkpgqNc7HLV6wQY\n\
R7MgBuT3nc03bhzeoM9ead3ZkI8mImu1gsl/IRfWNvg/4hHC3IflnfG26ibjxlD/\n\
PLXhaaZEOk54KxGsxFYWn6pK9JpKAgh1tvgOz7utsb0eNrcAaNGXs0GbjRGuepF/\n\
v/h0fxhTCt/7J+u6m5GqJY234bAq4chqEzf8Kq6GEEPIiRDV2ojW1mGQDVYMzM4e\n\
yeqdU5qdFI0JcJZMjOBlAgMBAAGjUzBRMB0GA1UdDgQWBBRysGVBnylpxLEgcUuI\n\
Jnm/fiwGSjAfBgNVHSMEGDAWgBRysGVBnylpxLEgcUuIJnm/fiwGSjAPBgNVHRMB\n\
Af8EBTADAQH/MEEGCSqGSIb3DQEBCjA0oA8wDQYJYIZIAWUDBAIBBQChHDAaBgkq\n\
hkiG9w0BAQgwDQYJYIZIAWUDBAIBBQCiAwIBIAOCAQEAcTAsiRiHBIm9iu8OCyc3\n\
mZ0PZZDoL+17so6vzZ7Cjfc9yg5jMXB5sLb9l4h77VQABkDAXdANt8c0zNBjUyRy\n\
zT24Hr3Hvw9SfjI2nydkBXi6/BJsVCOU9O6RVZD8LLd08f+DvtVNnAMZUGLgYQJQ\n\
ELgkrVrWGMXJjk57ue0Z8cZw11e7ZzgajnwJRHdjbesQiUMTotLSfF2DU3iZLv4B\n\
MhYllsoyHQdfRzPIL2joqh+t5FwKlHxFYU3izxdl0hOS3sFXq3FBWldulzKyp0hJ\n\
TISHGrD7jYKXld1VmJMjEAj7wmYVUGyPIOWxZ6A4kDn3wiyde0fhwZ6pdKZuv/4m\n\
sA==\n\
-----END CERTIFICATE-----\n";
    const PSS_SALT_20_ROOT: &str = "\
-----BEGIN CERTIFICATE-----\n\
MIIDszCCAmygAwIBAgIUcJsEy3a1HQY7TYIwGOke9rwclKQwPAYJKoZIhvcNAQEK\n\
MC+gDzANBglghkgBZQMEAgEFAKEcMBoGCSqGSIb3DQEBCDANBglghkgBZQMEAgEF\n\
ADA6MRUwEwYDVQQKDAxFeGFtcGxlIENvcnAxITAfBgNVBAMMGFBTUyBSb290IFNI\n\
QS0yNTYgc2FsdCAyMDAeFw0yNjExMzAxMjE5NDVaFw00NjExMjUxMjE5NDVaMDox\n\
FTATBgNVBAoMDEV4YW1wbGUgQ29ycDEhMB8GA1UEAwwYUFNTIFJvb3QgU0hBLTI1\n\
NiBzYWx0IDIwMIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAh8Xn9DQi\n\
nTFoKR6EQkSznqqxqpUgeApoMbYW7UIuW76+LW0lcxBAWNYMr9tcIJTg9me2oVsP\n\
noAcI9GlelZnuHRmJ3f++Jq8E/PIQaDfHrP0Gd+xZliZKYKjXOxy1esEGEezIAbk\n\
953NN24c3qDPXmnd2ZCPJiJrtYLJfyEX1jb4P+IRwtyH5Z3xtuom48ZQ/zy14Wmm\n\
RDpOeCsRrMRWFp+qSvSaSgIIdbb4Ds+7rbG9Hja3AGjRl7NBm40RrnqRf7/4dH8Y\n\
Uwrf+yfrupuRqiWNt+GwKuHIahM3/CquhhBDyIkQ1dqI1tZhkA1WDMzOHsnqnVOa\n\
nRSNCXCWTIzgZQIDAQABo1MwUTAdBgNVHQ4EFgQUcrBlQZ8pacSxIHFLiCZ5v34s\n\
BkowHwYDVR0jBBgwFoAUcrBlQZ8pacSxIHFLiCZ5v34sBkowDwYDVR0TAQH/BAUw\n\
AwEB/zA8BgkqhkiG9w0BAQowL6APMA0GCWCGSAFlAwQCAQUAoRwwGgYJKoZIhvcN\n\
AQEIMA0GCWCGSAFlAwQCAQUAA4IBAQBPCOnG7FPcI2DVjSYUkBeXWH95YWP2Un7b\n\
7bF0mszP6JwC1LOGd7DLBSmJV+fiWYt0iTR0kZCbkaIn8PSjV3p/ZtDhDN7LM970\n\
U8EElHTXN/AiEEkZ8H+mtNOwZZX/G4EHK0g0httzdg6MuGLVyT23w0V7HCiuHwc2\n\
h+RlR7mXG5/Qe6DGpk1cxrSWN8SdiVYqms2RKb0se2eD6LR46SWHTx9qbRPXQN0i\n\
2v8+kWfgR6k3BdkEV0HFPwG4E2KsuEye+o0Wq1JCRo8b7qxSw9zFoHZUSrru8dN7\n\
CF3D1I7CchP0I3O5VIrojKmF8bXEPmyMecFG9WjEV1zsskq7/tHL\n\
-----END CERTIFICATE-----\n";
    const ED448_ROOT: &str = "\
-----BEGIN CERTIFICATE-----\n\
MIIBuDCCATigAwIBAgIUGCwX27ivnNJdTi7YS/pfJs2XwkkwBQYDK2VxMCwxFTAT\n\
BgNVBAoMDEV4YW1wbGUgQ29ycDETMBEGA1UEAwwKRWQ0NDggUm9vdDAeFw0yNjEx\n\
MzAxMjE5NDVaFw00NjExMjUxMjE5NDVaMCwxFTATBgNVBAoMDEV4YW1wbGUgQ29y\n\
cDETMBEGA1UEAwwKRWQ0NDggUm9vdDBDMAUGAytlcQM6AJOu/tjFBV//XHNG/mUi\n\
spw3I69qolfWymQn3ArbT26dTspxz6OI+kRSUcLalyZUzW0vSUBIiV8+gKNTMFEw\n\
HQYDVR0OBBYEFFzSpluXSAXjFBj6MLSWmfSk7QqjMB8GA1UdIwQYMBaAFFzSpluX\n\
SAXjFBj6MLSWmfSk7QqjMA8GA1UdEwEB/wQFMAMBAf8wBQYDK2VxA3MAI4S2QPS4\n\
blPgwNAo+BZePjl9ZWH9T20yrztHxIpZoDaARRqh51+QW2rzwmlM+FCI9IH3O8kY\n\
IkoAlhBrEwoc0G7bbY+qHbXiTEXOMoIvvlt85Kvf+RY3pkhTYN11annF3CQA+Zgt\n\
3UHNXeY/V0aEvg4A\n\
-----END CERTIFICATE-----\n";
}
