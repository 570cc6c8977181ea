//! What the state of `cloudhsm_cluster_initialization` says of the cluster: its status as
//! read, whether a read shows that it is not initialized (so the resource leaves the state,
//! never because a read lags behind), and the status after an accepted InitializeCluster whose
//! wait ended first.
//!
//! Pure functions of the model and our `Cluster`; no client, no AWS calls.

use tfplugin::Field;

use super::ClusterInitialization;
use crate::certs;
use crate::cloudhsm::{Cluster, ClusterState, Initialization};

/// `model` with the status of `cluster`.
pub(super) fn with_status(
    mut model: ClusterInitialization,
    cluster: &Cluster,
) -> ClusterInitialization {
    model.state = Field::Known(cluster.state.as_str().to_string());
    model.state_message = cluster.state_message.clone().into();
    model.cluster_certificate = cluster.certificates.cluster_certificate.clone().into();
    model
}

/// Whether a read shows that the cluster recorded in `current` is not initialized, so the
/// resource leaves the state. Only an UNINITIALIZED (or CREATE_IN_PROGRESS) cluster without a
/// certificate shows that; a busy or degraded one may still be initialized. And a cluster
/// cannot go back to UNINITIALIZED: when the state recorded it initialized and the read shows
/// it UNINITIALIZED with the very CSR the recorded certificate was signed for, the read is
/// older than the initialization (reads lag behind writes), so the record stays. A CSR with
/// another key means the cluster was really reset (or replaced); none at all cannot tell.
pub(super) fn shows_no_initialization(current: &ClusterInitialization, cluster: &Cluster) -> bool {
    let uninitialized = cluster.initialization() == Initialization::NotYet
        && matches!(
            cluster.state,
            ClusterState::Uninitialized | ClusterState::CreateInProgress
        );
    if !uninitialized {
        return false;
    }
    let recorded_initialized = current.cluster_certificate.known().is_some()
        || current.state.known().is_some_and(|s| {
            ClusterState::parse(s).is_busy() || s == "INITIALIZED" || s == "ACTIVE"
        });
    if !recorded_initialized {
        return true;
    }
    let Some(signed) = current
        .signed_cert
        .known()
        .and_then(|pem| certs::parse_certificate_pem(pem).ok())
    else {
        return false;
    };
    match cluster
        .certificates
        .cluster_csr
        .as_deref()
        .map(certs::parse_csr_pem)
    {
        Some(Ok(csr)) => certs::check_matches_csr(&signed, &csr).is_err(),
        _ => false,
    }
}

/// The state after InitializeCluster was (or may have been) accepted but the wait ended
/// first. A last read that does not show the initialization yet lags behind the write: the
/// state says what happened, INITIALIZE_IN_PROGRESS, so that a refresh keeps the resource
/// and the next apply adopts it.
pub(super) fn accepted_status(
    planned: ClusterInitialization,
    last: Option<&Cluster>,
    cluster_id: &str,
) -> ClusterInitialization {
    match last {
        Some(c) if c.initialization() != Initialization::NotYet => with_status(planned, c),
        _ => {
            let mut model = planned;
            model.state = Field::Known(ClusterState::InitializeInProgress.as_str().to_string());
            model.state_message = Field::Known(format!(
                "InitializeCluster was sent for cluster {cluster_id}; CloudHSM did not show the \
                 initialization yet."
            ));
            model.cluster_certificate = Field::Null;
            model
        }
    }
}
