//! The two cluster workflows the resources run, as plain Rust: initialize-and-wait (with
//! adoption of an initialization that is already running or done) and modify-and-wait (with
//! retries while the cluster is busy). Both are bounded by a deadline and the provider's stop
//! signal, and report the last cluster seen, so that the caller can answer the state as it
//! really is.
//!
//! Whether CloudHSM refused a call because the cluster was busy is decided by looking at the
//! cluster (is it, or any of its HSMs, `*_IN_PROGRESS`?), never by the words of the refusal.
//!
//! No Terraform types here.

use std::time::Duration;

use tokio::time::Instant;

use super::client::CloudHsm;
use super::cluster::{Cluster, ClusterChange, ClusterState, Desired, Initialization};
use super::error::ApiError;
use super::wait::{FirstLook, Progress, WaitError};
use crate::certs::{self, CertError, Certificate};

/// After `ModifyCluster`, how long a stable cluster may still show the old settings (the
/// service's answers lag a little) before the change counts as not applied.
pub const SETTLE_GRACE: Duration = Duration::from_secs(60);

/// How many times a refused or failed call is tried again when the cluster gives no reason
/// to believe it will keep failing (it was busy a moment ago, or the failure was transient).
const MAX_BLIND_RETRIES: u32 = 5;

/// How long to pause before trying again after the `n`th (1-based) refusal or failure:
/// 1 s, doubling, at most 30 s.
pub fn retry_pause(n: u32) -> Duration {
    Duration::from_secs(1u64 << n.saturating_sub(1).min(5)).min(Duration::from_secs(30))
}

// ---------------------------------------------------------------------------------------
// Initialization
// ---------------------------------------------------------------------------------------

/// What to do next with a cluster that is to be initialized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitStep {
    /// UNINITIALIZED with a CSR that matches: call InitializeCluster.
    Initialize,
    /// Initializing, or initialized with this certificate: adopt it (and wait if needed).
    Adopt,
    /// Still being created, or its first HSM is: wait for the CSR, then decide again.
    WaitForCsr,
    /// Uninitialized but busy with something else or degraded: wait until it is
    /// UNINITIALIZED again, then decide again.
    WaitUntilSettled,
}

/// Why a cluster cannot be (or was not) initialized.
#[derive(Debug, Clone, PartialEq)]
pub enum InitializeError {
    /// CloudHSM does not know the cluster.
    NotFound,
    /// Deleted or being deleted.
    Deleted(Box<Cluster>),
    /// UNINITIALIZED without a CSR and without an HSM on its way.
    NoHsm(Box<Cluster>),
    /// CloudHSM's CSR does not parse.
    CsrUnreadable(Box<Cluster>, CertError),
    /// The signed certificate does not carry the CSR's public key.
    CsrMismatch(Box<Cluster>, CertError),
    /// Initialized (or initializing) with another certificate.
    OtherCertificate(Box<Cluster>),
    /// Reading the cluster failed before anything was sent.
    Describe(ApiError),
    /// InitializeCluster was refused, or failed, and the cluster shows that nothing happened.
    Refused(ApiError, Option<Box<Cluster>>),
    /// Waiting failed. `accepted`: the initialization was accepted (or found running), so it
    /// goes on in CloudHSM.
    Wait { error: WaitError, accepted: bool },
}

/// Decides what to do with `cluster` for `signed` (the parsed signed certificate; `None` when
/// it is not known yet, at plan). With `strict` a missing CSR with no HSM on its way is an
/// error; otherwise (plan with an unknown certificate) the HSM may still come.
pub fn next_init_step(
    cluster: &Cluster,
    signed: Option<&Certificate>,
    strict: bool,
) -> Result<InitStep, InitializeError> {
    if cluster.is_gone() {
        return Err(InitializeError::Deleted(Box::new(cluster.clone())));
    }
    match cluster.initialization() {
        Initialization::Done | Initialization::InProgress => {
            if let (Some(s), Some(current)) = (signed, &cluster.certificates.cluster_certificate) {
                if certs::certificates_differ(current, &s.to_pem()) {
                    return Err(InitializeError::OtherCertificate(Box::new(cluster.clone())));
                }
            }
            Ok(InitStep::Adopt)
        }
        Initialization::NotYet => match cluster.state {
            ClusterState::CreateInProgress => Ok(InitStep::WaitForCsr),
            ClusterState::Uninitialized => match &cluster.certificates.cluster_csr {
                Some(csr_pem) => {
                    let csr = certs::parse_csr_pem(csr_pem).map_err(|e| {
                        InitializeError::CsrUnreadable(Box::new(cluster.clone()), e)
                    })?;
                    if let Some(s) = signed {
                        certs::check_matches_csr(s, &csr).map_err(|e| {
                            InitializeError::CsrMismatch(Box::new(cluster.clone()), e)
                        })?;
                    }
                    Ok(InitStep::Initialize)
                }
                None if cluster.hsm_being_created() => Ok(InitStep::WaitForCsr),
                None if strict || signed.is_some() => {
                    Err(InitializeError::NoHsm(Box::new(cluster.clone())))
                }
                None => Ok(InitStep::WaitForCsr),
            },
            _ => Ok(InitStep::WaitUntilSettled),
        },
    }
}

/// Waiting for the CSR: the cluster being created, or its first HSM.
fn csr_progress(c: &Cluster) -> Progress {
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
fn settled_for_initialization(c: &Cluster) -> Progress {
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

/// How the wait after InitializeCluster judges each poll. A region may still show
/// UNINITIALIZED for a moment after the call; UNINITIALIZED after INITIALIZE_IN_PROGRESS
/// means the initialization failed. Busy or degraded without a certificate: keep waiting.
fn initialization_progress() -> impl FnMut(&Cluster) -> Progress {
    let mut seen_in_progress = false;
    let mut early_uninitialized = 0u32;
    move |c: &Cluster| match c.initialization() {
        Initialization::Done => Progress::Done,
        Initialization::InProgress => {
            seen_in_progress = true;
            Progress::Continue
        }
        Initialization::NotYet if c.is_gone() => Progress::Failed(format!(
            "the cluster is {} and cannot be initialized",
            c.state
        )),
        Initialization::NotYet if c.state == ClusterState::Uninitialized => {
            if !seen_in_progress && early_uninitialized < 5 {
                early_uninitialized += 1;
                Progress::Continue
            } else {
                Progress::Failed(format!(
                    "initialization did not complete: the cluster is {} again. Check the \
                     certificates and run the command again",
                    c.describe_state()
                ))
            }
        }
        Initialization::NotYet => Progress::Continue,
    }
}

impl CloudHsm {
    /// Initializes `cluster_id` with `signed` and `anchor` and waits until it is initialized,
    /// within `timeout`. A cluster that is already initializing or initialized with `signed`
    /// is adopted without a second InitializeCluster; one that is busy or degraded without a
    /// certificate is waited on until it is UNINITIALIZED again. The certificates are sent in
    /// their canonical PEM form, whatever text surrounded them.
    pub async fn initialize_and_wait(
        &self,
        cluster_id: &str,
        signed: &Certificate,
        anchor: &Certificate,
        timeout: Duration,
    ) -> Result<Cluster, InitializeError> {
        let deadline = Instant::now() + timeout;
        let client = self.for_operation(Some(deadline));
        let remaining = || deadline.saturating_duration_since(Instant::now());
        let not_accepted = |error| InitializeError::Wait {
            error,
            accepted: false,
        };
        let look = |what: &'static str| {
            let client = client.clone();
            async move {
                client
                    .poll(cluster_id, what, remaining(), FirstLook::Now, |_| {
                        Progress::Done
                    })
                    .await
                    .map_err(|e| match e {
                        WaitError::Gone => InitializeError::NotFound,
                        WaitError::Api { error, .. } => InitializeError::Describe(error),
                        other => not_accepted(other),
                    })
            }
        };

        let mut cluster = look("reading the cluster").await?;
        let mut strict = false;
        let mut retries = 0u32;
        loop {
            match next_init_step(&cluster, Some(signed), strict)? {
                InitStep::Adopt => {
                    tracing::info!(cluster_id, state = %cluster.state, "adopting the cluster's initialization");
                    break;
                }
                InitStep::WaitForCsr => {
                    tracing::info!(cluster_id, state = %cluster.state, "waiting for the cluster's CSR");
                    strict = true;
                    cluster = client
                        .wait_for(
                            cluster_id,
                            "the cluster's CSR to appear",
                            remaining(),
                            csr_progress,
                        )
                        .await
                        .map_err(not_accepted)?;
                }
                InitStep::WaitUntilSettled => {
                    tracing::info!(cluster_id, state = %cluster.state, "the cluster is not initialized and not ready; waiting until it is UNINITIALIZED");
                    let what = format!(
                        "the cluster, {} without a cluster certificate, to be UNINITIALIZED so \
                         that it can be initialized",
                        cluster.state
                    );
                    cluster = client
                        .wait_for(cluster_id, &what, remaining(), settled_for_initialization)
                        .await
                        .map_err(not_accepted)?;
                }
                InitStep::Initialize => {
                    tracing::info!(cluster_id, "calling InitializeCluster");
                    let sent = client
                        .initialize(cluster_id, &signed.to_pem(), &anchor.to_pem())
                        .await;
                    let error = match sent {
                        Ok(state) => {
                            tracing::debug!(cluster_id, %state, "InitializeCluster accepted");
                            cluster.state = state;
                            cluster.certificates.cluster_csr = None;
                            break;
                        }
                        Err(
                            e @ (ApiError::Cancelled { .. } | ApiError::DeadlineReached { .. }),
                        ) => return Err(InitializeError::Refused(e, Some(Box::new(cluster)))),
                        Err(e) => e,
                    };
                    // The call may have reached CloudHSM (an answer lost on the way back), or
                    // the cluster may have become busy: look before reporting.
                    let before = cluster;
                    cluster = look("reading the cluster after InitializeCluster failed").await?;
                    match cluster.initialization() {
                        Initialization::Done | Initialization::InProgress => {
                            tracing::info!(cluster_id, state = %cluster.state, error = %error, "InitializeCluster reported an error but the cluster is initializing; adopting it");
                            continue;
                        }
                        Initialization::NotYet => {}
                    }
                    let busy_now =
                        cluster.has_work_running() || cluster.state != ClusterState::Uninitialized;
                    let worth_retrying = error.is_transient() || before.has_work_running();
                    if busy_now || (worth_retrying && retries < MAX_BLIND_RETRIES) {
                        retries += 1;
                        tracing::info!(cluster_id, state = %cluster.state, retries, error = %error, "InitializeCluster failed while the cluster was busy or unreachable; trying again");
                        client.pause(retry_pause(retries)).await;
                        if busy_now && !cluster.is_busy() {
                            // Only an HSM is busy: wait for it before calling again.
                            cluster = client
                                .poll(
                                    cluster_id,
                                    "the cluster's HSMs to finish their operations",
                                    remaining(),
                                    FirstLook::Now,
                                    |c| {
                                        if c.has_work_running() {
                                            Progress::Continue
                                        } else {
                                            Progress::Done
                                        }
                                    },
                                )
                                .await
                                .map_err(not_accepted)?;
                        }
                        if Instant::now() >= deadline {
                            return Err(InitializeError::Refused(error, Some(Box::new(cluster))));
                        }
                        continue;
                    }
                    return Err(InitializeError::Refused(error, Some(Box::new(cluster))));
                }
            }
        }

        if cluster.initialization() != Initialization::Done {
            cluster = client
                .wait_for(
                    cluster_id,
                    "the cluster to be INITIALIZED",
                    remaining(),
                    initialization_progress(),
                )
                .await
                .map_err(|error| {
                    let error = error.or_last(&cluster);
                    let accepted = match &error {
                        // Failed: the cluster went back to UNINITIALIZED or away.
                        WaitError::Failed { .. } | WaitError::Gone => false,
                        _ => true,
                    };
                    InitializeError::Wait { error, accepted }
                })?;
        }
        if let Some(current) = &cluster.certificates.cluster_certificate {
            if certs::certificates_differ(current, &signed.to_pem()) {
                return Err(InitializeError::OtherCertificate(Box::new(cluster)));
            }
        }
        tracing::info!(cluster_id, state = %cluster.state, "cluster initialized");
        Ok(cluster)
    }

    /// Sleeps for `pause`, cut short by the operation's deadline or a stop.
    async fn pause(&self, pause: Duration) {
        let until = match self.deadline() {
            Some(d) => (Instant::now() + pause).min(d),
            None => Instant::now() + pause,
        };
        let stop = self.stop_token();
        tokio::select! {
            _ = stop.cancelled() => {}
            _ = tokio::time::sleep_until(until) => {}
        }
    }
}

// ---------------------------------------------------------------------------------------
// Modification
// ---------------------------------------------------------------------------------------

/// Why a modification did not finish.
#[derive(Debug, Clone, PartialEq)]
pub enum ModifyError {
    NotFound,
    /// Deleted or being deleted.
    Gone(Box<Cluster>),
    /// Reading the cluster failed before anything was sent.
    Describe(ApiError),
    /// CloudHSM refused the change, and the cluster was not busy: a real refusal.
    Refused {
        error: ApiError,
        cluster: Box<Cluster>,
        change: ClusterChange,
    },
    /// Waiting failed. `change`: what had been accepted by then, if anything.
    Wait {
        error: WaitError,
        change: Option<ClusterChange>,
    },
    /// The cluster is stable again but does not have the requested settings.
    NotApplied {
        cluster: Box<Cluster>,
        change: ClusterChange,
    },
}

impl ModifyError {
    /// The last cluster seen, if any.
    pub fn last_seen(&self) -> Option<&Cluster> {
        match self {
            ModifyError::Gone(c) => Some(c),
            ModifyError::Refused { cluster, .. } | ModifyError::NotApplied { cluster, .. } => {
                Some(cluster)
            }
            ModifyError::Wait { error, .. } => error.last_seen(),
            ModifyError::NotFound | ModifyError::Describe(_) => None,
        }
    }

    /// Whether CloudHSM accepted a change before the failure.
    pub fn change_accepted(&self) -> Option<&ClusterChange> {
        match self {
            ModifyError::Wait { change, .. } => change.as_ref(),
            ModifyError::NotApplied { change, .. } => Some(change),
            _ => None,
        }
    }
}

fn unless_gone(c: &Cluster, then: Progress) -> Progress {
    if c.is_gone() {
        Progress::Failed(format!("the cluster is {}", c.state))
    } else {
        then
    }
}

impl CloudHsm {
    /// Takes `cluster_id` to `desired` within `timeout`: waits until the cluster is stable,
    /// calls ModifyCluster once with only what differs, tries again while the cluster (or an
    /// HSM) is busy, and waits until the cluster is stable with the requested settings.
    pub async fn modify_and_wait(
        &self,
        cluster_id: &str,
        desired: &Desired,
        timeout: Duration,
    ) -> Result<Cluster, ModifyError> {
        let deadline = Instant::now() + timeout;
        let client = self.for_operation(Some(deadline));
        let remaining = || deadline.saturating_duration_since(Instant::now());
        let wait_error = |change: Option<&ClusterChange>| {
            let change = change.cloned();
            move |error: WaitError| match error {
                WaitError::Gone => ModifyError::NotFound,
                WaitError::Failed {
                    last: Some(cluster),
                    ..
                } if cluster.is_gone() => ModifyError::Gone(cluster),
                WaitError::Api { error, .. } if change.is_none() => ModifyError::Describe(error),
                error => ModifyError::Wait { error, change },
            }
        };

        // 1. A stable cluster (it may still be initializing or finishing another change).
        let mut cluster = client
            .poll(
                cluster_id,
                "the cluster to finish its current operation",
                remaining(),
                FirstLook::Now,
                |c| {
                    unless_gone(
                        c,
                        if c.is_busy() {
                            Progress::Continue
                        } else {
                            Progress::Done
                        },
                    )
                },
            )
            .await
            .map_err(wait_error(None))?;

        // 2. ModifyCluster with what differs; again while the cluster shows it is busy.
        let mut change = desired.change_from(&cluster);
        let mut retries = 0u32;
        while !change.is_empty() {
            tracing::info!(
                cluster_id,
                hsm_type = ?change.hsm_type,
                backup_retention_days = ?change.backup_retention_days,
                "calling ModifyCluster"
            );
            let error = match client.modify(cluster_id, &change).await {
                Ok(_) => break,
                Err(e @ (ApiError::Cancelled { .. } | ApiError::DeadlineReached { .. })) => {
                    return Err(ModifyError::Wait {
                        error: WaitError::Api {
                            error: e,
                            last: Some(Box::new(cluster)),
                        },
                        change: None,
                    })
                }
                Err(e) => e,
            };
            let before = cluster;
            cluster = client
                .poll(
                    cluster_id,
                    "reading the cluster after ModifyCluster failed",
                    remaining(),
                    FirstLook::Now,
                    |c| unless_gone(c, Progress::Done),
                )
                .await
                .map_err(wait_error(None))?;
            if desired.is_met_by(&cluster) && !cluster.is_busy() {
                // The change went through; only its answer was lost.
                tracing::info!(cluster_id, error = %error, "ModifyCluster reported an error but the cluster has the requested settings");
                return Ok(cluster);
            }
            let busy = cluster.has_work_running();
            let worth_retrying =
                (error.is_transient() || before.has_work_running()) && retries < MAX_BLIND_RETRIES;
            if !(busy || worth_retrying) {
                return Err(ModifyError::Refused {
                    error,
                    cluster: Box::new(cluster),
                    change,
                });
            }
            retries += 1;
            tracing::info!(cluster_id, state = %cluster.state, retries, error = %error, "ModifyCluster failed while the cluster was busy or unreachable; waiting to try again");
            client.pause(retry_pause(retries)).await;
            if Instant::now() >= deadline || client.is_stopped() {
                let error = WaitError::TimedOut {
                    what: "the cluster to finish another operation before modifying it".to_string(),
                    waited_secs: timeout.as_secs(),
                    last: Some(Box::new(cluster)),
                    last_error: Some(error),
                };
                return Err(ModifyError::Wait {
                    error,
                    change: None,
                });
            }
            cluster = client
                .poll(
                    cluster_id,
                    "the cluster to finish another operation before modifying it",
                    remaining(),
                    FirstLook::Now,
                    |c| {
                        unless_gone(
                            c,
                            if c.has_work_running() {
                                Progress::Continue
                            } else {
                                Progress::Done
                            },
                        )
                    },
                )
                .await
                .map_err(wait_error(None))?;
            change = desired.change_from(&cluster);
        }
        if change.is_empty() {
            return Ok(cluster);
        }

        // 3. Stable again with the requested settings.
        let modified_at = Instant::now();
        let what = match &change.hsm_type {
            Some(t) => format!("the HSM type change to {t} to finish"),
            None => "the cluster to apply the new backup retention".to_string(),
        };
        let mut not_applied = None;
        let settled = client
            .wait_for(cluster_id, &what, remaining(), |c| {
                if c.is_gone() {
                    Progress::Failed(format!("the cluster is {}", c.state))
                } else if c.is_busy() {
                    Progress::Continue
                } else if desired.is_met_by(c) {
                    Progress::Done
                } else if modified_at.elapsed() < SETTLE_GRACE {
                    Progress::Continue
                } else {
                    not_applied = Some(c.clone());
                    Progress::Failed("not applied".to_string())
                }
            })
            .await;
        match (settled, not_applied) {
            (Ok(cluster), _) => Ok(cluster),
            (Err(_), Some(cluster)) => Err(ModifyError::NotApplied {
                cluster: Box::new(cluster),
                change,
            }),
            (Err(e), None) => Err(wait_error(Some(&change))(e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cluster(state: ClusterState) -> Cluster {
        Cluster {
            id: "cluster-abcdefghijk".into(),
            state,
            ..Default::default()
        }
    }

    #[test]
    fn a_busy_uninitialized_cluster_is_waited_on_not_adopted() {
        for state in [
            ClusterState::UpdateInProgress,
            ClusterState::ModifyInProgress,
            ClusterState::RollbackInProgress,
            ClusterState::Degraded,
        ] {
            let c = cluster(state.clone());
            assert_eq!(
                next_init_step(&c, None, true),
                Ok(InitStep::WaitUntilSettled),
                "{state}"
            );
            assert_eq!(settled_for_initialization(&c), Progress::Continue);
        }
        let mut c = cluster(ClusterState::ModifyInProgress);
        c.certificates.cluster_certificate = Some("pem".into());
        assert_eq!(next_init_step(&c, None, true), Ok(InitStep::Adopt));
        assert_eq!(
            next_init_step(&cluster(ClusterState::InitializeInProgress), None, true),
            Ok(InitStep::Adopt)
        );
        assert!(matches!(
            next_init_step(&cluster(ClusterState::Deleted), None, true),
            Err(InitializeError::Deleted(_))
        ));
        assert_eq!(
            next_init_step(&cluster(ClusterState::CreateInProgress), None, true),
            Ok(InitStep::WaitForCsr)
        );
        assert!(matches!(
            next_init_step(&cluster(ClusterState::Uninitialized), None, true),
            Err(InitializeError::NoHsm(_))
        ));
        assert_eq!(
            next_init_step(&cluster(ClusterState::Uninitialized), None, false),
            Ok(InitStep::WaitForCsr)
        );
    }

    #[test]
    fn the_initialization_wait_keeps_going_through_busy_states() {
        let mut progress = initialization_progress();
        assert_eq!(
            progress(&cluster(ClusterState::InitializeInProgress)),
            Progress::Continue
        );
        assert_eq!(
            progress(&cluster(ClusterState::UpdateInProgress)),
            Progress::Continue,
            "busy without a certificate is not done"
        );
        assert!(matches!(
            progress(&cluster(ClusterState::Uninitialized)),
            Progress::Failed(_)
        ));
        assert_eq!(
            initialization_progress()(&cluster(ClusterState::Initialized)),
            Progress::Done
        );
    }

    #[test]
    fn pauses_grow_and_cap() {
        assert_eq!(retry_pause(1), Duration::from_secs(1));
        assert_eq!(retry_pause(2), Duration::from_secs(2));
        assert_eq!(retry_pause(20), Duration::from_secs(30));
    }
}
