//! `InitializeCluster`: AWS's validation of `SignedCert` and `TrustAnchor` (pattern and
//! length), the certificate checks against the cluster's CSR, and the timed transition to
//! INITIALIZED.
//!
//! Knows the model, `pki` and the shared input readers; not how requests arrive.

use std::time::Instant;

use serde_json::{json, Value};

use super::input::{busy, cluster_id, get_mut, required_str, type_change_busy, validation};
use super::Call;
use crate::control::Shared;
use crate::error::ApiError;
use crate::model::{is_in_progress, Pending, PendingKind};
use crate::pki;

pub(super) const CERTIFICATE_PATTERN: &str = r"[a-zA-Z0-9+-/=\s]*";

/// One character of `[a-zA-Z0-9+-/=\s]`: in a character class `+-/` is the range `+ , - . /`,
/// and `\s` is Java's whitespace (space, tab, newline, vertical tab, form feed, return).
pub(super) fn in_certificate_alphabet(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || ('+'..='/').contains(&c)
        || matches!(c, '=' | ' ' | '\t' | '\n' | '\u{0b}' | '\u{0c}' | '\r')
}

/// AWS's input validation of `SignedCert` and `TrustAnchor`: the pattern and at most
/// [`pki::MAX_CERTIFICATE_CHARS`] characters, reported the way AWS reports validation
/// errors ("1 validation error detected: Value at 'signedCert' failed to satisfy
/// constraint: …").
pub(super) fn validate_certificate_fields(fields: &[(&str, &str)]) -> Result<(), ApiError> {
    let mut errors = Vec::new();
    for (member, value) in fields {
        if !value.chars().all(in_certificate_alphabet) {
            errors.push(format!(
                "Value at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: {CERTIFICATE_PATTERN}"
            ));
        }
        if value.chars().count() > pki::MAX_CERTIFICATE_CHARS {
            errors.push(format!(
                "Value at '{member}' failed to satisfy constraint: Member must have length less than or equal to {}",
                pki::MAX_CERTIFICATE_CHARS
            ));
        }
    }
    validation(errors)
}

// ---------------------------------------------------------------------------------------

pub(super) fn initialize_cluster(
    shared: &Shared,
    call: &Call,
    input: &Value,
) -> Result<Value, ApiError> {
    let id = cluster_id(input)?;
    let signed_cert = required_str(input, "SignedCert")?;
    let trust_anchor = required_str(input, "TrustAnchor")?;
    validate_certificate_fields(&[("signedCert", signed_cert), ("trustAnchor", trust_anchor)])?;
    let mut store = shared.store();
    let duration = store.timings.initialize;
    let behaviour = store.behaviour.clone();
    let busy_message = behaviour.busy_message.clone();
    let refuse_while_hsm_busy = behaviour.refuse_while_hsm_busy;
    let unverifiable = if behaviour.accept_unverifiable_signatures {
        pki::Unverifiable::Accept
    } else {
        pki::Unverifiable::Refuse
    };
    let cluster = get_mut(&mut store, &call.region, id)?;
    if cluster.type_change_pending() && !is_in_progress(&cluster.state) {
        return Err(type_change_busy(busy_message.as_deref(), id));
    }
    if refuse_while_hsm_busy && cluster.hsms.iter().any(|h| is_in_progress(&h.state)) {
        return Err(busy(
            busy_message.as_deref(),
            format!("An HSM of the cluster {id} is being changed; try again once it is done."),
        ));
    }
    if cluster.state != "UNINITIALIZED" {
        let message = format!(
            "The cluster {id} is in state {}; only an UNINITIALIZED cluster can be initialized.",
            cluster.state
        );
        if is_in_progress(&cluster.state) {
            return Err(busy(busy_message.as_deref(), message));
        }
        return Err(ApiError::invalid(message));
    }
    let spki = match (&cluster.material, cluster.visible_csr()) {
        (Some(m), Some(_)) => m.spki_der.clone(),
        _ => {
            return Err(ApiError::invalid(format!(
                "The cluster {id} has no certificate signing request (CSR) yet: create an HSM in the cluster first (CreateHsm), wait until it is ACTIVE, then sign the cluster CSR."
            )))
        }
    };
    pki::check_initialization(&spki, signed_cert, trust_anchor, unverifiable)
        .map_err(ApiError::invalid)?;
    let before = cluster.before_write(&behaviour);
    cluster.set_state("INITIALIZE_IN_PROGRESS");
    cluster.pending = Some(Pending {
        due: Instant::now() + duration,
        kind: PendingKind::Initialize {
            certificate: signed_cert.to_string(),
        },
    });
    cluster.after_write(before, &behaviour);
    Ok(json!({ "State": cluster.state, "StateMessage": cluster.state_message }))
}
