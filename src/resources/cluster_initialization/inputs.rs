//! How a `cloudhsm_cluster_initialization` configuration asks for the cluster certificate:
//! a certificate signed beforehand (`signed_cert`) or the CA key (`ca_private_key_wo`, with
//! `certificate_validity_days`), the mix-ups between them, the key parsed and checked, and
//! where each input is for errors about it.
//!
//! Knows the model and `signing`; no client, no AWS calls. The key never leaves a wiped
//! buffer here.

use tfplugin::diagnostics::{Diagnostic, Diagnostics};
use tfplugin::Field;
use zeroize::Zeroizing;

use super::ClusterInitialization;
use crate::aws_diagnostics::{signing_diagnostic, InitializeAttributes};
use crate::certs::Certificate;
use crate::cluster_ref::attr;
use crate::signing::{self, CaKey, Validity};

/// Where this resource's inputs are, for errors about them.
pub(super) fn attributes() -> InitializeAttributes {
    InitializeAttributes {
        cluster_id: attr(ClusterInitialization::CLUSTER_ID),
        signed_cert: attr(ClusterInitialization::SIGNED_CERT),
        signing_key: attr(ClusterInitialization::CA_PRIVATE_KEY_WO),
        trust_anchor: attr(ClusterInitialization::TRUST_ANCHOR),
        signing_settings: attr(ClusterInitialization::CERTIFICATE_VALIDITY_DAYS),
    }
}

/// The most days a certificate the provider signs may be valid: 100 years.
pub(super) const MAX_VALIDITY_DAYS: i64 = 36_525;

/// How the configuration asks for the cluster certificate, as far as plan time can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Way {
    /// `signed_cert` (possibly unknown yet).
    Signed,
    /// `ca_private_key_wo`: the provider signs.
    WithKey,
    /// Cannot tell yet (a value is unknown).
    NotKnownYet,
}

/// Which way the configuration takes, and one error per mix-up, on the attribute.
pub(super) fn way_of(config: &ClusterInitialization) -> (Way, Diagnostics) {
    let mut diags = Diagnostics::new();
    let has = |f: &Field<String>| !f.is_null();
    let way = match (has(&config.signed_cert), has(&config.ca_private_key_wo)) {
        (true, true) => {
            diags.push(
                Diagnostic::error(
                    "Both signed_cert and ca_private_key_wo are set",
                    "Give either a certificate you signed (signed_cert), or the trust anchor's \
                     private key so that the provider signs the cluster's CSR at apply \
                     (ca_private_key_wo), not both. Remove one of them.",
                )
                .at(attr(ClusterInitialization::CA_PRIVATE_KEY_WO)),
            );
            Way::NotKnownYet
        }
        (false, false) => {
            diags.push(
                Diagnostic::error(
                    "No cluster certificate and no signing key",
                    "CloudHSM needs the cluster's CSR signed by the trust anchor. Set \
                     signed_cert to a certificate you signed (for example from a \
                     cloudhsm_one_time_root), or ca_private_key_wo to the trust anchor's \
                     private key so that the provider signs the CSR at apply.",
                )
                .at(attr(ClusterInitialization::SIGNED_CERT)),
            );
            Way::NotKnownYet
        }
        (true, false) if config.signed_cert.is_unknown() => Way::NotKnownYet,
        (true, false) => Way::Signed,
        (false, true) => Way::WithKey,
    };
    if way == Way::Signed && !config.certificate_validity_days.is_null() {
        diags.push(
            Diagnostic::error(
                "certificate_validity_days without ca_private_key_wo",
                "certificate_validity_days sets the validity of a certificate the provider \
                 signs, but signed_cert is a certificate you signed: its validity is already \
                 fixed. Remove certificate_validity_days.",
            )
            .at(attr(ClusterInitialization::CERTIFICATE_VALIDITY_DAYS)),
        );
    }
    if let Some(days) = config.certificate_validity_days.known() {
        if !(1..=MAX_VALIDITY_DAYS).contains(days) {
            diags.push(
                Diagnostic::error(
                    "Invalid certificate validity",
                    format!(
                        "certificate_validity_days = {days}: use a whole number of days from 1 \
                         to {MAX_VALIDITY_DAYS} (the default is 3653, ten years)."
                    ),
                )
                .at(attr(ClusterInitialization::CERTIFICATE_VALIDITY_DAYS)),
            );
        }
    }
    (way, diags)
}

/// The configured CA key, parsed and checked against the trust anchor (when both are
/// known). The PEM text is copied into a buffer that is wiped when this returns.
pub(super) fn parse_key(
    config: &ClusterInitialization,
    anchor: Option<&Certificate>,
) -> Result<Option<CaKey>, Diagnostics> {
    let Some(pem) = config.ca_private_key_wo.known() else {
        return Ok(None);
    };
    let pem = Zeroizing::new(pem.clone());
    let key = signing::parse_ca_key(&pem)
        .map_err(|e| Diagnostics::from(signing_diagnostic(&e, &attributes())))?;
    if let Some(anchor) = anchor {
        signing::check_key_matches(&key, anchor)
            .map_err(|e| Diagnostics::from(signing_diagnostic(&e, &attributes())))?;
    }
    Ok(Some(key))
}

/// The validity of the certificate the provider signs.
pub(super) fn validity_of(config: &ClusterInitialization) -> Validity {
    let days = config
        .certificate_validity_days
        .known()
        .and_then(|d| u32::try_from(*d).ok())
        .unwrap_or(signing::DEFAULT_VALIDITY_DAYS);
    Validity::days_from_now(days)
}
