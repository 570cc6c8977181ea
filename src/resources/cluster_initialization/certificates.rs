//! The certificate checks of `cloudhsm_cluster_initialization`, on the attribute at fault:
//! the two PEM values against each other (plan and apply), and what an update of an
//! initialized cluster may change (nothing but Terraform's record; a trust anchor set after an
//! import must have issued the cluster's certificate).
//!
//! Pure functions of the model and `certs`; no client, no AWS calls.

use tfplugin::diagnostics::{Diagnostic, Diagnostics};
use tfplugin::Field;

use super::ClusterInitialization;
use crate::certs::{self, CertError, CertRole, Certificate};
use crate::cluster_ref::attr;

/// A certificate problem on the attribute at fault: an error, or a warning when the problem is
/// only that a signature cannot be checked here (CloudHSM still checks it when it initializes).
pub(super) fn cert_diagnostic(err: &CertError, fallback: &str) -> Diagnostic {
    let attribute = match err.role() {
        Some(CertRole::TrustAnchor) => ClusterInitialization::TRUST_ANCHOR,
        Some(CertRole::SignedCertificate) => ClusterInitialization::SIGNED_CERT,
        None => fallback,
    };
    let diagnostic = if err.cannot_check() {
        Diagnostic::warning(err.short(), err.to_string())
    } else {
        Diagnostic::error(err.short(), err.to_string())
    };
    diagnostic.at(attr(attribute))
}

/// When validity windows are checked: at `now` (creating), or not at all (existing
/// resources, whose certificates may expire without anything to do about it).
#[derive(Clone, Copy)]
pub(super) enum CheckAt {
    At(i64),
    Ignore,
}

/// Parses the known PEM values and checks them against each other. Returns the parsed
/// certificates (when they parse) and one error per problem, on the attribute at fault; a
/// signature that cannot be checked is a warning, once (a cluster certificate signed by an
/// anchor whose own signature cannot be checked is, most likely, for the same reason).
pub(super) fn check_certificates(
    signed_cert: &Field<String>,
    trust_anchor: &Field<String>,
    validity: CheckAt,
) -> (Option<Certificate>, Option<Certificate>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let mut parse = |field: &Field<String>, attribute| {
        field
            .known()
            .and_then(|pem| match certs::parse_certificate_pem(pem) {
                Ok(c) => Some(c),
                Err(e) => {
                    diags.push(cert_diagnostic(&e, attribute));
                    None
                }
            })
    };
    let signed = parse(signed_cert, ClusterInitialization::SIGNED_CERT);
    let anchor = parse(trust_anchor, ClusterInitialization::TRUST_ANCHOR);
    let at = |c: &Certificate| match validity {
        CheckAt::At(now) => now,
        CheckAt::Ignore => c.not_before_unix,
    };
    if let Some(a) = &anchor {
        let anchor_unchecked = match certs::check_trust_anchor(a, at(a)) {
            Ok(()) => false,
            Err(e) => {
                diags.push(cert_diagnostic(&e, ClusterInitialization::TRUST_ANCHOR));
                if !e.cannot_check() {
                    return (signed, anchor, diags);
                }
                true
            }
        };
        if let Some(s) = &signed {
            match certs::check_issued_by(s, a, at(s)) {
                Err(e) if !(anchor_unchecked && e.cannot_check()) => {
                    diags.push(cert_diagnostic(&e, ClusterInitialization::SIGNED_CERT));
                }
                _ => {}
            }
        }
    }
    (signed, anchor, diags)
}

/// With the CA key in the configuration, the cluster's certificate (as last read) must be one
/// the trust anchor issued: a cluster re-initialized with another CA outside Terraform is an
/// error on `trust_anchor`, not a silent match.
pub(super) fn issued_by_anchor(
    prior: &ClusterInitialization,
    next: &ClusterInitialization,
) -> Option<Diagnostic> {
    let cluster_id = prior.cluster_id.known().map_or("", String::as_str);
    let current = certs::parse_certificate_pem(prior.signed_cert.known()?).ok()?;
    let anchor = certs::parse_certificate_pem(next.trust_anchor.known()?).ok()?;
    match certs::check_issued_by(&current, &anchor, current.not_before_unix) {
        Err(e) if !e.cannot_check() => Some(
            Diagnostic::error(
                "The cluster's certificate was not issued by this trust anchor",
                format!(
                    "Cluster {cluster_id} holds a cluster certificate (subject \"{}\") that the \
                     trust anchor (subject \"{}\") did not issue: it was initialized with \
                     another CA. CloudHSM cannot replace the certificate of an initialized \
                     cluster. Set trust_anchor to the CA that issued it, or use a new cluster.",
                    current.subject, anchor.subject
                ),
            )
            .at(attr(ClusterInitialization::TRUST_ANCHOR)),
        ),
        _ => None,
    }
}

/// The plan error for a changed certificate of an initialized cluster.
pub(super) fn certificate_change(
    cluster_id: &str,
    attribute: &str,
    old: &str,
    new: &str,
) -> Diagnostic {
    let describe = |pem: &str| match certs::parse_certificate_pem(pem) {
        Ok(c) => format!("subject \"{}\"", c.subject),
        Err(e) => e.short().to_lowercase(),
    };
    let what = if attribute == ClusterInitialization::SIGNED_CERT {
        "cluster certificate"
    } else {
        "trust anchor"
    };
    Diagnostic::error(
        "Cannot change the certificates of an initialized cluster",
        format!(
            "Cluster {cluster_id} was initialized with the {attribute} in the state ({}), and the \
             configuration now gives another one ({}). CloudHSM initializes a cluster once and \
             cannot replace its {what}. Options: restore the previous value in the \
             configuration; or, if the cluster was re-initialized outside Terraform, run \
             `terraform state rm` for this resource and import it again; or create a new \
             cluster (destroying a cluster destroys its keys) and initialize that one.",
            describe(old),
            describe(new),
        ),
    )
    .at(attr(attribute))
}

/// What an update may change: only Terraform's record of the inputs. A certificate may not
/// change; a trust anchor set after an import must have issued the cluster's certificate.
pub(super) fn check_update(
    prior: &ClusterInitialization,
    next: &ClusterInitialization,
) -> Diagnostics {
    let label = prior.cluster_id.known().map_or("", String::as_str);
    let mut diags = Diagnostics::new();
    for (name, old, new) in [
        (
            ClusterInitialization::SIGNED_CERT,
            &prior.signed_cert,
            &next.signed_cert,
        ),
        (
            ClusterInitialization::TRUST_ANCHOR,
            &prior.trust_anchor,
            &next.trust_anchor,
        ),
    ] {
        if let (Field::Known(p), Field::Known(n)) = (old, new) {
            if p != n && !certs::same_certificate(p, n) {
                diags.push(certificate_change(label, name, p, n));
            }
        }
    }
    if let (Field::Null, Field::Known(_)) = (&prior.trust_anchor, &next.trust_anchor) {
        // After an import: the anchor must be a self-signed root that issued the cluster's
        // certificate. Validity windows are not checked for an existing cluster.
        let (_s, _a, found) =
            check_certificates(&next.signed_cert, &next.trust_anchor, CheckAt::Ignore);
        diags.extend(found.into_iter().map(|mut d| {
            if d.is_error() && d.attribute == Some(attr(ClusterInitialization::SIGNED_CERT)) {
                // The signed certificate is the cluster's own: the anchor is what is wrong.
                d.attribute = Some(attr(ClusterInitialization::TRUST_ANCHOR));
                d.detail = format!(
                    "Cluster {label}: the trust anchor must be the CA certificate that issued \
                     the cluster's certificate. {}",
                    d.detail
                );
            }
            d
        }));
    }
    diags
}
