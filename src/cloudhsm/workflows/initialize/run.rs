//! One run of initialize-and-wait: until InitializeCluster was accepted (or an
//! initialization is found to adopt), sending it at most once unless the cluster shows it
//! did not take effect, then until the cluster is initialized with the certificate sent.
//!
//! Knows our client, `Cluster`, `certs` and `signing` (the CA key signs the CSR here, once);
//! no Terraform types.

use tokio::time::Instant;

use super::watch::{
    csr_progress, initialization_progress, settled_for_initialization, Sent, Watch,
};
use super::{next_init_step, CsrNeeded, InitStep, InitializeError, Initialized, Signing};
use crate::certs::{self, Certificate, Comparison};
use crate::cloudhsm::cluster::{Cluster, ClusterState, Initialization};
use crate::cloudhsm::error::{ApiError, ErrorKind};
use crate::cloudhsm::wait::{FirstLook, Progress, WaitError};
use crate::cloudhsm::workflows::{retry_pause, MAX_RETRIES};
use crate::signing;

/// What sending InitializeCluster led to.
enum AfterSend {
    /// Accepted, or seen to have taken effect: wait for the initialization.
    Initializing(Cluster),
    /// Not accepted, and worth deciding again from this cluster.
    Again(Cluster),
}

/// One run of initialize-and-wait.
pub(super) struct Initializing<'a> {
    pub(super) watch: Watch<'a>,
    pub(super) signing: Signing<'a>,
    pub(super) anchor: &'a Certificate,
    /// The certificate sent (or about to be) with InitializeCluster: signed once, so that a
    /// repeated call sends the same one.
    pub(super) certificate: Option<Certificate>,
    pub(super) sent: Sent,
    pub(super) retries: u32,
}

impl Initializing<'_> {
    /// The cluster as it is now.
    async fn look(&self, what: &str) -> Result<Cluster, InitializeError> {
        self.watch.look(what, self.sent).await
    }

    /// Watches the cluster for up to [`super::Patience::unseen_write`] for a sign that an
    /// initialization runs or is done, or for work that explains a refusal (the cluster or an
    /// HSM busy, the cluster no longer UNINITIALIZED); the last cluster seen.
    async fn watch_for_initialization(&self) -> Result<Cluster, InitializeError> {
        let started = Instant::now();
        let grace = self.watch.client.patience.unseen_write;
        let judge = |c: &Cluster| {
            if c.is_gone()
                || c.initialization() != Initialization::NotYet
                || c.has_work_running()
                || c.state != ClusterState::Uninitialized
                || started.elapsed() >= grace
            {
                Progress::Done
            } else {
                Progress::Continue
            }
        };
        let what = "a sign that InitializeCluster took effect";
        self.watch
            .poll(what, FirstLook::Now, judge, self.sent)
            .await
    }

    /// Until InitializeCluster was accepted, or an initialization is found to adopt: waits
    /// for the CSR or for a busy spell to end, and tries again while that may help.
    pub(super) async fn until_initializing(&mut self) -> Result<Cluster, InitializeError> {
        let cluster_id = self.watch.cluster_id;
        let mut cluster = self.look("reading the cluster").await?;
        let mut waited_for_csr = false;
        loop {
            let signs_itself = matches!(self.signing, Signing::WithKey { .. });
            let csr = if waited_for_csr || signs_itself {
                CsrNeeded::Now
            } else {
                CsrNeeded::MayComeLater
            };
            match next_init_step(&cluster, self.certificate.as_ref(), csr)? {
                InitStep::Adopt => {
                    tracing::info!(cluster_id, state = %cluster.state, "adopting the cluster's initialization");
                    return Ok(cluster);
                }
                InitStep::WaitForCsr => {
                    tracing::info!(cluster_id, state = %cluster.state, "waiting for the cluster's CSR");
                    waited_for_csr = true;
                    let what = "the cluster's CSR to appear";
                    cluster = self.watch.until(what, csr_progress, self.sent).await?;
                }
                InitStep::WaitUntilSettled => {
                    tracing::info!(cluster_id, state = %cluster.state, "the cluster is not initialized and not ready; waiting until it is UNINITIALIZED");
                    let what = format!(
                        "the cluster, {} without a cluster certificate, to be UNINITIALIZED so \
                         that it can be initialized",
                        cluster.state
                    );
                    cluster = self
                        .watch
                        .until(&what, settled_for_initialization, self.sent)
                        .await?;
                }
                InitStep::Initialize => match self.send(cluster).await? {
                    AfterSend::Initializing(c) => return Ok(c),
                    AfterSend::Again(c) => cluster = c,
                },
            }
        }
    }

    /// Calls InitializeCluster once; on failure looks at the cluster before anything else.
    async fn send(&mut self, mut cluster: Cluster) -> Result<AfterSend, InitializeError> {
        let cluster_id = self.watch.cluster_id;
        let (signed, anchor) = self.texts_to_send(&cluster)?;
        tracing::info!(cluster_id, "calling InitializeCluster");
        let sent = self
            .watch
            .client
            .initialize(cluster_id, &signed, &anchor)
            .await;
        let error = match sent {
            Ok(state) => {
                tracing::debug!(cluster_id, %state, "InitializeCluster accepted");
                self.sent = Sent::Accepted;
                cluster.state = state;
                cluster.certificates.cluster_csr = None;
                return Ok(AfterSend::Initializing(cluster));
            }
            Err(e @ (ApiError::Cancelled { .. } | ApiError::DeadlineReached { .. })) => {
                // No time left to look. Whether or not the call reached CloudHSM, the next
                // run looks at the cluster first and adopts an initialization it finds.
                return Err(InitializeError::Refused(e, Some(Box::new(cluster))));
            }
            Err(e) => e,
        };
        if error.may_have_taken_effect() {
            if self.sent == Sent::No {
                self.sent = Sent::Maybe;
            }
            tracing::info!(cluster_id, error = %error, "InitializeCluster failed in a way that may have taken effect; watching the cluster before anything else");
            let seen = self.watch_for_initialization().await?;
            if seen.initialization() != Initialization::NotYet {
                tracing::info!(cluster_id, state = %seen.state, "InitializeCluster took effect although its answer did not say so");
                return Ok(AfterSend::Initializing(seen));
            }
            return self.again_or_refused(error, seen, true).await;
        }
        let before = cluster;
        let mut now = self
            .look("reading the cluster after InitializeCluster was refused")
            .await?;
        let unexplained = now.state == ClusterState::Uninitialized
            && !now.has_work_running()
            && error.kind() == ErrorKind::InvalidRequest;
        if now.initialization() == Initialization::NotYet
            && (self.sent == Sent::Maybe || unexplained)
        {
            // An earlier attempt (ours, or a run that was interrupted) may have taken
            // effect, and reads may not show it yet: a refusal of an UNINITIALIZED cluster
            // that looks idle is what a cluster already initializing answers.
            now = self.watch_for_initialization().await?;
        }
        if now.initialization() != Initialization::NotYet {
            tracing::info!(cluster_id, state = %now.state, error = %error, "InitializeCluster was refused but the cluster is initializing; adopting it");
            return Ok(AfterSend::Initializing(now));
        }
        let worth_retrying = error.is_transient() || before.has_work_running();
        self.again_or_refused(error, now, worth_retrying).await
    }

    /// The PEM texts to send: the signed certificate (signing the CSR of `cluster` with the
    /// CA key the first time) and the trust anchor.
    fn texts_to_send(&mut self, cluster: &Cluster) -> Result<(String, String), InitializeError> {
        let anchor = self.anchor;
        if self.certificate.is_none() {
            let (Signing::WithKey { key, validity }, Some(csr)) =
                (self.signing, cluster.certificates.cluster_csr.as_deref())
            else {
                return Err(InitializeError::NoHsm(Box::new(cluster.clone())));
            };
            let pem =
                signing::sign_csr(csr, key, anchor, validity).map_err(InitializeError::Signing)?;
            let signed = certs::parse_certificate_pem(&pem)
                .map_err(|e| InitializeError::CsrUnreadable(Box::new(cluster.clone()), e))?;
            tracing::info!(
                cluster_id = self.watch.cluster_id,
                "signed the cluster's CSR with the CA key"
            );
            self.certificate = Some(signed);
        }
        let signed = self
            .certificate
            .as_ref()
            .map(Certificate::to_pem)
            .unwrap_or_default();
        Ok((signed, anchor.to_pem()))
    }

    /// After a failed call that did not take effect: try again (after a pause, and once the
    /// cluster's HSMs are done when only they are busy) while the cluster is busy or trying
    /// again may help; otherwise the refusal is the answer.
    async fn again_or_refused(
        &mut self,
        error: ApiError,
        cluster: Cluster,
        worth_retrying: bool,
    ) -> Result<AfterSend, InitializeError> {
        let cluster_id = self.watch.cluster_id;
        let busy_now = cluster.has_work_running() || cluster.state != ClusterState::Uninitialized;
        if !(busy_now || (worth_retrying && self.retries < MAX_RETRIES)) {
            return Err(InitializeError::Refused(error, Some(Box::new(cluster))));
        }
        self.retries += 1;
        tracing::info!(cluster_id, state = %cluster.state, retries = self.retries, error = %error, "InitializeCluster failed while the cluster was busy or unreachable; trying again");
        self.watch.client.pause(retry_pause(self.retries)).await;
        let mut cluster = cluster;
        if busy_now && !cluster.is_busy() && cluster.has_work_running() {
            // Only an HSM is busy: wait for it before calling again.
            let judge = |c: &Cluster| {
                if c.has_work_running() {
                    Progress::Continue
                } else {
                    Progress::Done
                }
            };
            let what = "the cluster's HSMs to finish their operations";
            cluster = self
                .watch
                .poll(what, FirstLook::Now, judge, self.sent)
                .await?;
        }
        if self.watch.client.remaining().is_zero() || self.watch.client.is_stopped() {
            return Err(InitializeError::Refused(error, Some(Box::new(cluster))));
        }
        Ok(AfterSend::Again(cluster))
    }

    /// Waits until the cluster is initialized, then checks that its certificate is the
    /// signed one.
    pub(super) async fn until_initialized(
        &self,
        cluster: Cluster,
    ) -> Result<Initialized, InitializeError> {
        let cluster_id = self.watch.cluster_id;
        let ours = self.sent == Sent::Accepted;
        let mut judge = initialization_progress(ours, self.watch.client.patience.certificate);
        let cluster = if judge(&cluster) == Progress::Done {
            cluster
        } else {
            self.watch
                .client
                .wait_for(
                    cluster_id,
                    "the cluster to be INITIALIZED",
                    self.watch.client.remaining(),
                    judge,
                )
                .await
                .map_err(|error| {
                    let error = error.or_last(&cluster);
                    let gone = match &error {
                        WaitError::Gone => true,
                        WaitError::Failed { last, .. } => {
                            last.as_ref().is_some_and(|c| c.is_gone())
                        }
                        _ => false,
                    };
                    InitializeError::Wait {
                        error,
                        accepted: !gone,
                    }
                })?
        };
        let current = cluster.certificates.cluster_certificate.clone();
        match (&current, &self.certificate) {
            (Some(current), Some(expected)) => {
                match certs::compare_certificates(current, &expected.to_pem()) {
                    Comparison::Same => {}
                    Comparison::Different => {
                        return Err(InitializeError::OtherCertificate(Box::new(cluster)))
                    }
                    // Our own accepted call initialized it; its certificate is ours.
                    Comparison::Unreadable if ours => {
                        tracing::warn!(
                            cluster_id,
                            "the cluster certificate CloudHSM shows cannot be read"
                        );
                    }
                    Comparison::Unreadable => {
                        return Err(InitializeError::CertificateUnreadable(Box::new(cluster)))
                    }
                }
            }
            // Adopted with the CA key: the cluster's certificate must be one its anchor issued.
            (Some(current), None) => self.check_issued_by_anchor(current, &cluster)?,
            (None, _) => {}
        }
        tracing::info!(cluster_id, state = %cluster.state, "cluster initialized");
        let signed_cert = current.or_else(|| self.certificate.as_ref().map(Certificate::to_pem));
        Ok(Initialized {
            cluster,
            signed_cert,
        })
    }

    /// A cluster initialized by an earlier run with the CA key is this run's when the trust
    /// anchor issued its certificate (its CSR is gone: the certificate is all there is).
    fn check_issued_by_anchor(
        &self,
        current: &str,
        cluster: &Cluster,
    ) -> Result<(), InitializeError> {
        let Ok(certificate) = certs::parse_certificate_pem(current) else {
            return Err(InitializeError::CertificateUnreadable(Box::new(
                cluster.clone(),
            )));
        };
        match certs::check_issued_by(&certificate, self.anchor, certificate.not_before_unix) {
            Ok(()) => Ok(()),
            Err(e) if e.cannot_check() => Err(InitializeError::CertificateUnreadable(Box::new(
                cluster.clone(),
            ))),
            Err(_) => Err(InitializeError::OtherCertificate(Box::new(cluster.clone()))),
        }
    }
}
