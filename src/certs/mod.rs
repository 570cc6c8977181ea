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
//!
//! One file per concern, each using only those after it here: `checks.rs` (trust anchor,
//! issued-by, CSR match, validity, comparison), `types.rs` (our types and parsing into them),
//! `pem.rs` (PEM scanning), `error.rs` (the errors and their words), `kind.rs`,
//! `pem_problem.rs` and `signatures.rs` (which signatures the verifier can check). The clock is
//! [`crate::clock`]; [`now_unix`] stays reachable here.

mod checks;
mod error;
mod kind;
mod pem;
mod pem_problem;
mod signatures;
#[cfg(test)]
mod tests;
mod types;

pub use crate::clock::now_unix;
pub use checks::{
    check_issued_by, check_matches_csr, check_trust_anchor, compare_certificates, same_certificate,
    Comparison,
};
pub use error::{CertError, CertRole};
pub use kind::PemKind;
pub(crate) use pem::shown_label;
pub use pem::MAX_PEM_CHARS;
pub use pem_problem::{Boundary, NotPemHint, PemProblem};
pub use signatures::Unverifiable;
pub use types::{parse_certificate_pem, parse_csr_pem, Certificate, CertificateRequest};
