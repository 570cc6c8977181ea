//! What can go wrong while signing, worded for the Terraform user. No variant holds key
//! material: not the PEM text, not its base64, not DER, not a parser's message about them.
//! What they hold is fixed words, counts, PEM labels that passed [`super::pem::shown_label`],
//! key types, certificate subjects and times.

use crate::certs::CertError;
use crate::dates::rfc3339;

/// The key types the provider signs with, as said in messages.
pub(crate) const SUPPORTED_KEYS: &str =
    "RSA keys of 2048 to 4096 bits, and ECDSA keys on the curves P-256 or P-384";

/// Which input a [`SigningError`] is about, to choose the Terraform attribute at fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SigningRole {
    /// The CA private key.
    CaKey,
    /// The issuer: the trust anchor certificate whose key signs.
    TrustAnchor,
    /// The cluster's certificate signing request.
    Csr,
    /// A setting of the signing itself: validity, the one-time root's subject.
    Settings,
    /// Nothing the user gave: a failure of the crypto library or a bug in the provider.
    Internal,
}

/// Why the value given as the CA private key holds no PEM block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyNotPemHint {
    /// Nothing more specific to say.
    None,
    /// It looks like a file path (not repeated: the value is the key argument's).
    LooksLikePath,
    /// It looks like base64 without the `-----BEGIN …-----` / `-----END …-----` lines.
    BareBase64,
}

/// How an encrypted key was recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncryptedKeyFormat {
    /// A PKCS #8 `ENCRYPTED PRIVATE KEY` block (or its DER under another label).
    Pkcs8,
    /// A traditional OpenSSL `RSA PRIVATE KEY` / `EC PRIVATE KEY` block with a
    /// `Proc-Type: 4,ENCRYPTED` header.
    LegacyPem,
}

/// A problem while parsing a CA key or signing a CSR: `Display` is the detail (what is wrong,
/// why it matters, what to do), [`SigningError::short`] the summary, [`SigningError::role`]
/// the input at fault. Never holds key material.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigningError {
    /// The key value is empty or only whitespace.
    #[error("The CA private key is empty. Pass the PEM text of the CA's unencrypted private key (a `-----BEGIN PRIVATE KEY-----` block), for example from an ephemeral resource that reads it from your secret store.")]
    EmptyKey,

    /// No PEM block at all.
    #[error("{}", not_pem_text(*.hint))]
    NotPem {
        /// What the value looked like instead.
        hint: KeyNotPemHint,
    },

    /// The PEM framing is broken. `problem` is fixed words, never the text.
    #[error("The PEM text of the CA private key is malformed: {problem}. The key may have been truncated, or its line breaks lost when it was copied; pass the key file's content exactly as it is.")]
    MalformedPem {
        /// What is wrong with the framing, in fixed words.
        problem: &'static str,
    },

    /// The body of the key's PEM block is not valid base64.
    #[error("The body of the CA private key's PEM block is not valid base64. The key may have been truncated or edited; pass the key file's content exactly as it is.")]
    InvalidBase64,

    /// PEM blocks were found, but no private key among them.
    #[error("{}", not_a_key_text(.found))]
    NotAKey {
        /// The labels found (well-formed ones only; others are `None`).
        found: Vec<Option<String>>,
    },

    /// More than one private key.
    #[error("The CA private key value holds {count} private keys; it must hold exactly one: the private key of the trust anchor. Pass only that key's PEM block.")]
    MultipleKeys {
        /// How many key blocks were found.
        count: usize,
    },

    /// The private key comes with other PEM blocks (a certificate, a chain).
    #[error("{}", not_only_the_key_text(.others))]
    NotOnlyTheKey {
        /// The labels of the other blocks (well-formed ones only; others are `None`).
        others: Vec<Option<String>>,
    },

    /// The key is encrypted with a passphrase.
    #[error("The CA private key is encrypted ({}). The provider cannot ask for a passphrase, so it cannot sign with this key. Pass the key unencrypted: decrypt a copy with `openssl pkey -in ca.key -out ca-plain.key` (it asks for the passphrase and writes an unencrypted PKCS #8 key; protect that file as well as the CA itself and delete it when done), or better, keep the unencrypted key in a secret store (AWS Secrets Manager, HashiCorp Vault) and pass it through an ephemeral resource, so that it is written neither to disk nor to the Terraform plan or state.", encrypted_text(*.format))]
    Encrypted {
        /// How the encryption was recognised.
        format: EncryptedKeyFormat,
    },

    /// A private key in a container format the provider does not read.
    #[error("The CA private key is {what}, a format the provider does not read. Convert a copy to an unencrypted PKCS #8 PEM key ({advice}) and pass that.")]
    UnsupportedFormat {
        /// The format, in fixed words.
        what: &'static str,
        /// How to convert it.
        advice: &'static str,
    },

    /// The DER inside the key's PEM block is not a valid private key.
    #[error("The CA private key's PEM block does not hold a valid private key ({reason}). Export the key again from its source as PEM; `openssl pkey -in ca.key -out ca-plain.key` rewrites a key OpenSSL can read as PKCS #8.")]
    InvalidKey {
        /// What is wrong, in fixed words (never the parser's view of the content).
        reason: &'static str,
    },

    /// A key type the provider does not sign with.
    #[error("The CA private key is {what}, which the provider does not sign with. Supported: {SUPPORTED_KEYS}. Use a CA whose key is one of these, or let the provider create a one-time root CA for the cluster instead.")]
    UnsupportedKey {
        /// The key type (for example `an RSA 1024-bit key`, `an Ed25519 key`).
        what: String,
    },

    /// The CA key is not the trust anchor's key.
    #[error("The CA private key ({key}) is not the private key of the trust anchor \"{}\" (whose public key is {anchor_key}). A certificate signed with it would not verify against that trust anchor, and CloudHSM would refuse it. Pass the private key that belongs to this trust anchor, or the trust anchor that belongs to this key.", name(.anchor_subject))]
    KeyMismatch {
        /// The trust anchor's subject.
        anchor_subject: String,
        /// The anchor's public key type (for example `an RSA 2048-bit key`).
        anchor_key: String,
        /// The CA key's type.
        key: String,
    },

    /// The CSR cannot be read.
    #[error("{0}")]
    Csr(CertError),

    /// The CSR's own signature does not verify.
    #[error("The cluster's certificate signing request (subject \"{}\") is not signed by the key it carries: its signature does not verify. It may be corrupted or edited; the provider signs only a CSR it could check. Pass the cluster's CSR exactly as DescribeClusters returns it (Certificates.ClusterCsr).", name(.subject))]
    CsrSignature {
        /// The CSR's subject.
        subject: String,
    },

    /// The CSR's signature uses an algorithm the provider cannot verify.
    #[error("The provider cannot check the signature of the cluster's certificate signing request (subject \"{}\"): it is signed with {algorithm}. The provider signs only a CSR it could check. CloudHSM's CSRs are signed with RSA and SHA-256; pass the cluster's CSR exactly as DescribeClusters returns it (Certificates.ClusterCsr).", name(.subject))]
    CsrUnverifiable {
        /// The CSR's subject.
        subject: String,
        /// The signature algorithm's name or OID.
        algorithm: String,
    },

    /// The issuer certificate cannot be read (it was parsed once; its DER no longer is).
    #[error("{0}")]
    Issuer(CertError),

    /// The issuer's validity has ended, or ends before the certificate could start.
    #[error("The trust anchor \"{}\" is valid only until {}, so it cannot issue a cluster certificate now (it is {}): CloudHSM refuses an expired trust anchor, and a certificate cannot outlive its issuer. Renew the CA (issue a new root certificate) and pass that, or let the provider create a one-time root CA.", name(.subject), rfc3339(*.not_after_unix), rfc3339(*.now_unix))]
    IssuerExpired {
        /// The issuer's subject.
        subject: String,
        /// End of the issuer's validity.
        not_after_unix: i64,
        /// When signing was attempted.
        now_unix: i64,
    },

    /// The validity asked for is not usable.
    #[error("The certificate validity is not usable: {reason}. Give a validity that starts no later than it ends and ends before the year 10000.")]
    InvalidValidity {
        /// What is wrong, in fixed words.
        reason: &'static str,
    },

    /// The one-time root would expire (a day or more) before the cluster certificate it issues.
    #[error("The one-time root CA would be valid until {}, but the cluster certificate it signs until {}. A certificate is of no use after its issuer expires, so the root must be valid at least as long: give the root a validity at least as long as the cluster certificate's, or shorten the certificate's.", rfc3339(*.root_not_after_unix), rfc3339(*.cert_not_after_unix))]
    RootOutlivedByCertificate {
        /// End of the root's validity.
        root_not_after_unix: i64,
        /// End of the cluster certificate's validity.
        cert_not_after_unix: i64,
    },

    /// A field of the one-time root's subject is not usable.
    #[error("The one-time root CA's {field} is not usable: {reason}.")]
    InvalidRootSubject {
        /// Which field (`common name`, `organization`, `organizational unit`).
        field: &'static str,
        /// What is wrong, in fixed words.
        reason: &'static str,
    },

    /// The crypto library failed (key generation, signing, random numbers).
    #[error("The provider could not {operation}: the crypto library (aws-lc) reported a failure. Nothing was sent to CloudHSM. Try again; if it persists, report it.")]
    Crypto {
        /// What was being done, in fixed words.
        operation: &'static str,
    },

    /// What the provider signed does not pass its own checks: a bug, never the user's input.
    #[error("The certificate the provider signed does not pass its own checks ({problem}), so it was not used and nothing was sent to CloudHSM. This is a bug in the provider; please report it.")]
    SelfCheck {
        /// What the check said (subjects and times, no key material).
        problem: String,
    },
}

impl SigningError {
    /// A one-line summary, suitable as a diagnostic summary.
    pub fn short(&self) -> &'static str {
        match self {
            SigningError::EmptyKey => "Empty CA private key",
            SigningError::NotPem { .. } => "CA private key is not PEM",
            SigningError::MalformedPem { .. } => "Malformed PEM CA private key",
            SigningError::InvalidBase64 => "Invalid base64 in the CA private key",
            SigningError::NotAKey { found } if found.iter().flatten().any(|l| is_cert(l)) => {
                "Expected a private key, found a certificate"
            }
            SigningError::NotAKey { .. } => "No private key found",
            SigningError::MultipleKeys { .. } => "More than one private key",
            SigningError::NotOnlyTheKey { .. } => "CA private key value holds more than the key",
            SigningError::Encrypted { .. } => "CA private key is encrypted",
            SigningError::UnsupportedFormat { .. } => "Unsupported private key format",
            SigningError::InvalidKey { .. } => "Invalid CA private key",
            SigningError::UnsupportedKey { .. } => "Unsupported CA key type",
            SigningError::KeyMismatch { .. } => "CA private key does not match the trust anchor",
            SigningError::Csr(e) | SigningError::Issuer(e) => e.short(),
            SigningError::CsrSignature { .. } => "CSR signature does not verify",
            SigningError::CsrUnverifiable { .. } => "Cannot verify the CSR's signature",
            SigningError::IssuerExpired { .. } => "Trust anchor has expired",
            SigningError::InvalidValidity { .. } => "Invalid certificate validity",
            SigningError::RootOutlivedByCertificate { .. } => {
                "One-time root would expire before the cluster certificate"
            }
            SigningError::InvalidRootSubject { .. } => "Invalid one-time root subject",
            SigningError::Crypto { .. } => "Signing failed",
            SigningError::SelfCheck { .. } => "Signed certificate failed the provider's own checks",
        }
    }

    /// Which input is at fault. A key that does not belong to the trust anchor is the key's
    /// fault ([`SigningRole::CaKey`]): the anchor is the one CloudHSM will keep.
    pub fn role(&self) -> SigningRole {
        match self {
            SigningError::EmptyKey
            | SigningError::NotPem { .. }
            | SigningError::MalformedPem { .. }
            | SigningError::InvalidBase64
            | SigningError::NotAKey { .. }
            | SigningError::MultipleKeys { .. }
            | SigningError::NotOnlyTheKey { .. }
            | SigningError::Encrypted { .. }
            | SigningError::UnsupportedFormat { .. }
            | SigningError::InvalidKey { .. }
            | SigningError::UnsupportedKey { .. }
            | SigningError::KeyMismatch { .. } => SigningRole::CaKey,
            SigningError::Csr(_)
            | SigningError::CsrSignature { .. }
            | SigningError::CsrUnverifiable { .. } => SigningRole::Csr,
            SigningError::Issuer(_) | SigningError::IssuerExpired { .. } => {
                SigningRole::TrustAnchor
            }
            SigningError::InvalidValidity { .. }
            | SigningError::RootOutlivedByCertificate { .. }
            | SigningError::InvalidRootSubject { .. } => SigningRole::Settings,
            SigningError::Crypto { .. } | SigningError::SelfCheck { .. } => SigningRole::Internal,
        }
    }
}

fn name(n: &str) -> &str {
    if n.is_empty() {
        "(empty name)"
    } else {
        n
    }
}

fn is_cert(label: &str) -> bool {
    matches!(
        label,
        "CERTIFICATE" | "X509 CERTIFICATE" | "X.509 CERTIFICATE" | "TRUSTED CERTIFICATE"
    )
}

fn not_pem_text(hint: KeyNotPemHint) -> &'static str {
    match hint {
        KeyNotPemHint::LooksLikePath => "The CA private key is not PEM text: it looks like a file path. Terraform passes strings as they are; pass the key's PEM text instead (from an ephemeral resource that reads your secret store, or the file's contents).",
        KeyNotPemHint::BareBase64 => "The CA private key looks like base64 without the PEM header and footer lines. Pass the PEM text with its `-----BEGIN PRIVATE KEY-----` and `-----END PRIVATE KEY-----` lines (or the `RSA PRIVATE KEY` / `EC PRIVATE KEY` ones).",
        KeyNotPemHint::None => "The CA private key is not PEM text: no `-----BEGIN … PRIVATE KEY-----` line was found. Pass the PEM text of the CA's unencrypted private key.",
    }
}

fn label_list(labels: &[Option<String>]) -> String {
    labels
        .iter()
        .map(|l| match l {
            Some(l) => format!("`{l}`"),
            None => "a block with an unusual label (not shown)".to_string(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn not_a_key_text(found: &[Option<String>]) -> String {
    let what = if found.iter().flatten().any(|l| is_cert(l)) {
        " A certificate carries only the public key; the private key that belongs to it is kept by your CA, usually in a separate file or secret."
    } else {
        ""
    };
    format!(
        "The CA private key value holds no private key, only PEM blocks of other kinds ({}).{what} Pass the PEM text of the trust anchor's unencrypted private key.",
        label_list(found)
    )
}

fn not_only_the_key_text(others: &[Option<String>]) -> String {
    format!(
        "The CA private key value holds other PEM blocks besides the private key ({}). Pass only the private key's PEM block; the trust anchor certificate is a separate argument.",
        label_list(others)
    )
}

fn encrypted_text(format: EncryptedKeyFormat) -> &'static str {
    match format {
        EncryptedKeyFormat::Pkcs8 => "a PKCS #8 `ENCRYPTED PRIVATE KEY`",
        EncryptedKeyFormat::LegacyPem => "a PEM block with a `Proc-Type: 4,ENCRYPTED` header",
    }
}
