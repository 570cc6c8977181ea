//! What kind of PEM object a parse expects: its PEM label, its name in messages, and the
//! labels it accepts.

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

    pub(super) fn noun(self) -> &'static str {
        match self {
            PemKind::Certificate => "certificate",
            PemKind::CertificateRequest => "certificate signing request (CSR)",
        }
    }

    pub(super) fn accepts(self, label: &str) -> bool {
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
