//! Watching one cluster within one operation's deadline: a look now, waits judged by the
//! progress functions here (the CSR to appear, a busy spell to end, the initialization to
//! show), and how a failed wait reads as an [`InitializeError`], which depends only on
//! whether InitializeCluster was sent ([`Sent`]).
//!
//! Knows our client's polling and `Cluster`; not what is sent or signed.

use std::time::Duration;

use tokio::time::Instant;

use super::InitializeError;
use crate::cloudhsm::client::CloudHsm;
use crate::cloudhsm::cluster::{Cluster, ClusterState, Initialization};
use crate::cloudhsm::wait::{FirstLook, Progress, WaitError};

/// Whether InitializeCluster was sent, as far as this run knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Sent {
    No,
    /// It failed in a way that may have taken effect.
    Maybe,
    /// CloudHSM answered that it accepted it.
    Accepted,
}

/// One cluster, watched through a client bounded by the operation's deadline.
#[derive(Clone, Copy)]
pub(super) struct Watch<'a> {
    pub(super) client: &'a CloudHsm,
    pub(super) cluster_id: &'a str,
}

impl Watch<'_> {
    /// A waiting failure as the run's error: the resource stays in the state once
    /// InitializeCluster was (or may have been) sent.
    pub(super) fn wait_error(&self, error: WaitError, sent: Sent) -> InitializeError {
        match error {
            WaitError::Gone => InitializeError::NotFound,
            WaitError::Api { error, .. } if sent == Sent::No => InitializeError::Describe(error),
            error => InitializeError::Wait {
                error,
                accepted: sent != Sent::No,
            },
        }
    }

    /// The cluster as it is now.
    pub(super) async fn look(&self, what: &str, sent: Sent) -> Result<Cluster, InitializeError> {
        self.poll(what, FirstLook::Now, |_| Progress::Done, sent)
            .await
    }

    /// The cluster once `judge` says done, looking again after the first delay.
    pub(super) async fn until(
        &self,
        what: &str,
        judge: impl FnMut(&Cluster) -> Progress,
        sent: Sent,
    ) -> Result<Cluster, InitializeError> {
        self.client
            .wait_for(self.cluster_id, what, self.client.remaining(), judge)
            .await
            .map_err(|e| self.wait_error(e, sent))
    }

    /// The cluster once `judge` says done, the first look as `first` says.
    pub(super) async fn poll(
        &self,
        what: &str,
        first: FirstLook,
        judge: impl FnMut(&Cluster) -> Progress,
        sent: Sent,
    ) -> Result<Cluster, InitializeError> {
        self.client
            .poll(self.cluster_id, what, self.client.remaining(), first, judge)
            .await
            .map_err(|e| self.wait_error(e, sent))
    }
}

/// Waiting for the CSR: the cluster being created, or its first HSM.
pub(super) fn csr_progress(c: &Cluster) -> Progress {
    if c.is_gone() {
        return Progress::Failed(format!("the cluster is {}", c.state));
    }
    let waiting = c.state == ClusterState::CreateInProgress
        || (c.state == ClusterState::Uninitialized
            && c.certificates.cluster_csr.is_none()
            && c.hsm_being_created());
    if waiting {
        Progress::Continue
    } else {
        Progress::Done
    }
}

/// Waiting for an uninitialized cluster that is busy or degraded to be UNINITIALIZED again.
pub(super) fn settled_for_initialization(c: &Cluster) -> Progress {
    if c.is_gone()
        || c.initialization() != Initialization::NotYet
        || matches!(
            c.state,
            ClusterState::Uninitialized | ClusterState::CreateInProgress
        )
    {
        Progress::Done
    } else {
        Progress::Continue
    }
}

/// How the wait for the initialization judges each poll. Done once the cluster is
/// initialized and shows its certificate. Without the certificate in view: after our own
/// accepted call, done after `certificate_grace`; an adopted initialization must show it,
/// to be compared. Anything else (UNINITIALIZED included: reads may lag behind the write)
/// waits, until the deadline.
pub(super) fn initialization_progress(
    ours: bool,
    certificate_grace: Duration,
) -> impl FnMut(&Cluster) -> Progress {
    let mut initialized_since: Option<Instant> = None;
    move |c: &Cluster| {
        if c.is_gone() {
            return Progress::Failed(format!(
                "the cluster is {} and cannot be initialized",
                c.state
            ));
        }
        if c.initialization() != Initialization::Done {
            return Progress::Continue;
        }
        if c.certificates.cluster_certificate.is_some() {
            return Progress::Done;
        }
        let since = *initialized_since.get_or_insert_with(Instant::now);
        if ours && since.elapsed() >= certificate_grace {
            Progress::Done
        } else {
            Progress::Continue
        }
    }
}
