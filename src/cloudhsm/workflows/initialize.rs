//! Initialize-and-wait: decides what a cluster needs ([`next_init_step`]), waits for its CSR
//! or for a busy spell to end, calls InitializeCluster once, and waits until the cluster is
//! initialized with the signed certificate.
//!
//! After CloudHSM accepted the call, only the deadline ends the wait: a read that still
//! shows UNINITIALIZED may lag behind the write, so it never counts as a failure. An
//! initialization that is already running or done with the same certificate is adopted; a
//! cluster certificate that cannot be read is never taken as the same one.

use std::time::Duration;

use tokio::time::Instant;

use super::super::client::CloudHsm;
use super::super::cluster::{Cluster, ClusterState, Initialization};
use super::super::error::{ApiError, ErrorKind};
use super::super::wait::{FirstLook, Progress, WaitError};
use super::{retry_pause, MAX_RETRIES};
use crate::certs::{self, CertError, Certificate, Comparison};
use crate::signing::{self, CaKey, SigningError, Validity};

/// Where InitializeCluster's `SignedCert` comes from.
#[derive(Clone, Copy)]
pub enum Signing<'a> {
    /// A certificate signed beforehand for the cluster's CSR.
    Signed(&'a Certificate),
    /// The CSR as read at apply, signed here with the trust anchor's private key (which is
    /// never stored), valid for `validity`.
    WithKey { key: &'a CaKey, validity: Validity },
}

/// A cluster initialized as asked, and the cluster certificate it holds (as CloudHSM shows
/// it, or as it was sent when CloudHSM does not show it yet).
#[derive(Debug, Clone, PartialEq)]
pub struct Initialized {
    pub cluster: Cluster,
    pub signed_cert: Option<String>,
}

/// What to do next with a cluster that is to be initialized.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InitStep {
    /// UNINITIALIZED with a CSR that matches: call InitializeCluster.
    Initialize,
    /// Initializing, or initialized with this certificate (or one not shown yet): adopt it,
    /// and wait if needed.
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
    /// Initialized, but its cluster certificate cannot be read, so whether it is the signed
    /// certificate cannot be told.
    CertificateUnreadable(Box<Cluster>),
    /// Initialized (or initializing) already, so it has no CSR left to sign.
    AlreadyInitialized(Box<Cluster>),
    /// Signing the CSR with the CA key failed; nothing was sent.
    Signing(SigningError),
    /// Reading the cluster failed before anything was sent.
    Describe(ApiError),
    /// InitializeCluster was refused, or failed, and the cluster shows that nothing happened.
    Refused(ApiError, Option<Box<Cluster>>),
    /// Waiting failed. `accepted`: the initialization was accepted, may have been, or was
    /// found running, so it goes on in CloudHSM and the resource stays in the state.
    Wait { error: WaitError, accepted: bool },
}

/// Whether [`next_init_step`] needs the cluster's CSR now, or lets it come later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CsrNeeded {
    /// A missing CSR with no HSM on its way is an error ([`InitializeError::NoHsm`]).
    Now,
    /// At plan with an unknown certificate: the HSM may still come, so a missing CSR is
    /// waited for ([`InitStep::WaitForCsr`]). A known signed certificate still needs it now.
    MayComeLater,
}

/// Decides what to do with `cluster` for `signed` (the parsed signed certificate; `None` when
/// it is not known yet, at plan). `csr`: whether a missing CSR with no HSM on its way is an
/// error now ([`CsrNeeded::Now`]), or the HSM may still come ([`CsrNeeded::MayComeLater`]).
pub fn next_init_step(
    cluster: &Cluster,
    signed: Option<&Certificate>,
    csr: CsrNeeded,
) -> Result<InitStep, InitializeError> {
    if cluster.is_gone() {
        return Err(InitializeError::Deleted(Box::new(cluster.clone())));
    }
    match cluster.initialization() {
        Initialization::Done | Initialization::InProgress => {
            if let (Some(s), Some(current)) = (signed, &cluster.certificates.cluster_certificate) {
                match certs::compare_certificates(current, &s.to_pem()) {
                    Comparison::Same => {}
                    Comparison::Different => {
                        return Err(InitializeError::OtherCertificate(Box::new(cluster.clone())))
                    }
                    Comparison::Unreadable => {
                        return Err(InitializeError::CertificateUnreadable(Box::new(
                            cluster.clone(),
                        )))
                    }
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
                None if csr == CsrNeeded::Now || signed.is_some() => {
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

/// How the wait for the initialization judges each poll. Done once the cluster is
/// initialized and shows its certificate. Without the certificate in view: after our own
/// accepted call, done after `certificate_grace`; an adopted initialization must show it,
/// to be compared. Anything else (UNINITIALIZED included: reads may lag behind the write)
/// waits, until the deadline.
fn initialization_progress(
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

/// Whether InitializeCluster was sent, as far as this run knows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sent {
    No,
    /// It failed in a way that may have taken effect.
    Maybe,
    /// CloudHSM answered that it accepted it.
    Accepted,
}

/// What sending InitializeCluster led to.
enum AfterSend {
    /// Accepted, or seen to have taken effect: wait for the initialization.
    Initializing(Cluster),
    /// Not accepted, and worth deciding again from this cluster.
    Again(Cluster),
}

/// One run of initialize-and-wait.
struct Initializing<'a> {
    client: &'a CloudHsm,
    cluster_id: &'a str,
    /// What to send; `None` when only the CSR is wanted.
    signing: Option<Signing<'a>>,
    anchor: Option<&'a Certificate>,
    /// The certificate sent (or about to be) with InitializeCluster: signed once, so that a
    /// repeated call sends the same one.
    certificate: Option<Certificate>,
    sent: Sent,
    retries: u32,
}

impl CloudHsm {
    /// Initializes `cluster_id` with the certificate `signing` gives and `anchor`, and waits
    /// until it is initialized, within `timeout`. A cluster that is already initializing or
    /// initialized with that certificate (with the CA key: with a certificate the anchor
    /// issued) is adopted without a second InitializeCluster; one that is busy or degraded
    /// without a certificate is waited on until it is UNINITIALIZED again. The certificates
    /// are sent in their canonical PEM form, whatever text surrounded them.
    pub async fn initialize_and_wait(
        &self,
        cluster_id: &str,
        signing: Signing<'_>,
        anchor: &Certificate,
        timeout: Duration,
    ) -> Result<Initialized, InitializeError> {
        let client = self.for_operation(Some(Instant::now() + timeout));
        let certificate = match signing {
            Signing::Signed(c) => Some(c.clone()),
            Signing::WithKey { .. } => None,
        };
        let mut run = Initializing {
            client: &client,
            cluster_id,
            signing: Some(signing),
            anchor: Some(anchor),
            certificate,
            sent: Sent::No,
            retries: 0,
        };
        let cluster = run.until_initializing().await?;
        run.until_initialized(cluster).await
    }
}

impl CloudHsm {
    /// The cluster's CSR as soon as it can be signed, within `timeout`: waits while the
    /// cluster or its first HSM is being created, or while it is busy or degraded without a
    /// certificate. A cluster that is initialized (or initializing) already has no CSR to
    /// sign any more.
    pub async fn csr_to_sign(
        &self,
        cluster_id: &str,
        timeout: Duration,
    ) -> Result<(Cluster, String), InitializeError> {
        let client = self.for_operation(Some(Instant::now() + timeout));
        let run = Initializing {
            client: &client,
            cluster_id,
            signing: None,
            anchor: None,
            certificate: None,
            sent: Sent::No,
            retries: 0,
        };
        let mut cluster = run.look("reading the cluster").await?;
        loop {
            match next_init_step(&cluster, None, CsrNeeded::Now)? {
                InitStep::Initialize => {
                    let csr = cluster.certificates.cluster_csr.clone().unwrap_or_default();
                    return Ok((cluster, csr));
                }
                InitStep::Adopt => {
                    return Err(InitializeError::AlreadyInitialized(Box::new(cluster)))
                }
                InitStep::WaitForCsr => {
                    cluster = run
                        .client
                        .wait_for(
                            cluster_id,
                            "the cluster's CSR to appear",
                            run.client.remaining(),
                            csr_progress,
                        )
                        .await
                        .map_err(|e| run.wait_error(e))?;
                }
                InitStep::WaitUntilSettled => {
                    cluster = run
                        .client
                        .wait_for(
                            cluster_id,
                            "the cluster to be UNINITIALIZED so that its CSR can be signed",
                            run.client.remaining(),
                            settled_for_initialization,
                        )
                        .await
                        .map_err(|e| run.wait_error(e))?;
                }
            }
        }
    }
}

impl Initializing<'_> {
    /// A waiting failure as this run's error: the resource stays in the state once
    /// InitializeCluster was (or may have been) sent.
    fn wait_error(&self, error: WaitError) -> InitializeError {
        match error {
            WaitError::Gone => InitializeError::NotFound,
            WaitError::Api { error, .. } if self.sent == Sent::No => {
                InitializeError::Describe(error)
            }
            error => InitializeError::Wait {
                error,
                accepted: self.sent != Sent::No,
            },
        }
    }

    /// The cluster as it is now.
    async fn look(&self, what: &str) -> Result<Cluster, InitializeError> {
        let remaining = self.client.remaining();
        self.client
            .poll(self.cluster_id, what, remaining, FirstLook::Now, |_| {
                Progress::Done
            })
            .await
            .map_err(|e| self.wait_error(e))
    }

    /// Watches the cluster for up to [`super::Patience::unseen_write`] for a sign that an
    /// initialization runs or is done, or for work that explains a refusal (the cluster or an
    /// HSM busy, the cluster no longer UNINITIALIZED); the last cluster seen.
    async fn watch_for_initialization(&self) -> Result<Cluster, InitializeError> {
        let started = Instant::now();
        let grace = self.client.patience.unseen_write;
        let remaining = self.client.remaining();
        self.client
            .poll(
                self.cluster_id,
                "a sign that InitializeCluster took effect",
                remaining,
                FirstLook::Now,
                |c| {
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
                },
            )
            .await
            .map_err(|e| self.wait_error(e))
    }

    /// Until InitializeCluster was accepted, or an initialization is found to adopt: waits
    /// for the CSR or for a busy spell to end, and tries again while that may help.
    async fn until_initializing(&mut self) -> Result<Cluster, InitializeError> {
        let cluster_id = self.cluster_id;
        let mut cluster = self.look("reading the cluster").await?;
        let mut waited_for_csr = false;
        loop {
            let signs_itself = matches!(self.signing, Some(Signing::WithKey { .. }));
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
                    cluster = self
                        .client
                        .wait_for(
                            cluster_id,
                            "the cluster's CSR to appear",
                            self.client.remaining(),
                            csr_progress,
                        )
                        .await
                        .map_err(|e| self.wait_error(e))?;
                }
                InitStep::WaitUntilSettled => {
                    tracing::info!(cluster_id, state = %cluster.state, "the cluster is not initialized and not ready; waiting until it is UNINITIALIZED");
                    let what = format!(
                        "the cluster, {} without a cluster certificate, to be UNINITIALIZED so \
                         that it can be initialized",
                        cluster.state
                    );
                    cluster = self
                        .client
                        .wait_for(
                            cluster_id,
                            &what,
                            self.client.remaining(),
                            settled_for_initialization,
                        )
                        .await
                        .map_err(|e| self.wait_error(e))?;
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
        let cluster_id = self.cluster_id;
        let (signed, anchor) = self.texts_to_send(&cluster)?;
        tracing::info!(cluster_id, "calling InitializeCluster");
        let sent = self.client.initialize(cluster_id, &signed, &anchor).await;
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
        // Only initialize_and_wait sends, and it always has an anchor.
        let Some(anchor) = self.anchor else {
            return Err(InitializeError::NoHsm(Box::new(cluster.clone())));
        };
        if self.certificate.is_none() {
            let (Some(Signing::WithKey { key, validity }), Some(csr)) =
                (self.signing, cluster.certificates.cluster_csr.as_deref())
            else {
                return Err(InitializeError::NoHsm(Box::new(cluster.clone())));
            };
            let pem =
                signing::sign_csr(csr, key, anchor, validity).map_err(InitializeError::Signing)?;
            let signed = certs::parse_certificate_pem(&pem)
                .map_err(|e| InitializeError::CsrUnreadable(Box::new(cluster.clone()), e))?;
            tracing::info!(
                cluster_id = self.cluster_id,
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
        let cluster_id = self.cluster_id;
        let busy_now = cluster.has_work_running() || cluster.state != ClusterState::Uninitialized;
        if !(busy_now || (worth_retrying && self.retries < MAX_RETRIES)) {
            return Err(InitializeError::Refused(error, Some(Box::new(cluster))));
        }
        self.retries += 1;
        tracing::info!(cluster_id, state = %cluster.state, retries = self.retries, error = %error, "InitializeCluster failed while the cluster was busy or unreachable; trying again");
        self.client.pause(retry_pause(self.retries)).await;
        let mut cluster = cluster;
        if busy_now && !cluster.is_busy() && cluster.has_work_running() {
            // Only an HSM is busy: wait for it before calling again.
            cluster = self
                .client
                .poll(
                    cluster_id,
                    "the cluster's HSMs to finish their operations",
                    self.client.remaining(),
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
                .map_err(|e| self.wait_error(e))?;
        }
        if self.client.remaining().is_zero() || self.client.is_stopped() {
            return Err(InitializeError::Refused(error, Some(Box::new(cluster))));
        }
        Ok(AfterSend::Again(cluster))
    }

    /// Waits until the cluster is initialized, then checks that its certificate is the
    /// signed one.
    async fn until_initialized(&self, cluster: Cluster) -> Result<Initialized, InitializeError> {
        let cluster_id = self.cluster_id;
        let ours = self.sent == Sent::Accepted;
        let mut judge = initialization_progress(ours, self.client.patience.certificate);
        let cluster = if judge(&cluster) == Progress::Done {
            cluster
        } else {
            self.client
                .wait_for(
                    cluster_id,
                    "the cluster to be INITIALIZED",
                    self.client.remaining(),
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
        let Some(anchor) = self.anchor else {
            return Ok(());
        };
        match certs::check_issued_by(&certificate, anchor, certificate.not_before_unix) {
            Ok(()) => Ok(()),
            Err(e) if e.cannot_check() => Err(InitializeError::CertificateUnreadable(Box::new(
                cluster.clone(),
            ))),
            Err(_) => Err(InitializeError::OtherCertificate(Box::new(cluster.clone()))),
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
                next_init_step(&c, None, CsrNeeded::Now),
                Ok(InitStep::WaitUntilSettled),
                "{state}"
            );
            assert_eq!(settled_for_initialization(&c), Progress::Continue);
        }
        let mut c = cluster(ClusterState::ModifyInProgress);
        c.certificates.cluster_certificate = Some("pem".into());
        assert_eq!(
            next_init_step(&c, None, CsrNeeded::Now),
            Ok(InitStep::Adopt)
        );
        assert_eq!(
            next_init_step(
                &cluster(ClusterState::InitializeInProgress),
                None,
                CsrNeeded::Now
            ),
            Ok(InitStep::Adopt)
        );
        assert!(matches!(
            next_init_step(&cluster(ClusterState::Deleted), None, CsrNeeded::Now),
            Err(InitializeError::Deleted(_))
        ));
        assert_eq!(
            next_init_step(
                &cluster(ClusterState::CreateInProgress),
                None,
                CsrNeeded::Now
            ),
            Ok(InitStep::WaitForCsr)
        );
        assert!(matches!(
            next_init_step(&cluster(ClusterState::Uninitialized), None, CsrNeeded::Now),
            Err(InitializeError::NoHsm(_))
        ));
        assert_eq!(
            next_init_step(
                &cluster(ClusterState::Uninitialized),
                None,
                CsrNeeded::MayComeLater
            ),
            Ok(InitStep::WaitForCsr)
        );
    }

    #[test]
    fn after_acceptance_only_an_initialized_cluster_with_its_certificate_ends_the_wait() {
        let mut progress = initialization_progress(true, Duration::from_secs(3600));
        for state in [
            ClusterState::InitializeInProgress,
            ClusterState::UpdateInProgress,
            // A read may lag behind the write: UNINITIALIZED is not a failure.
            ClusterState::Uninitialized,
            ClusterState::Uninitialized,
            ClusterState::Uninitialized,
            ClusterState::Uninitialized,
            ClusterState::Uninitialized,
            ClusterState::Uninitialized,
            ClusterState::InitializeInProgress,
            ClusterState::Uninitialized,
            // Initialized, but the certificate is not shown yet.
            ClusterState::Initialized,
        ] {
            assert_eq!(
                progress(&cluster(state.clone())),
                Progress::Continue,
                "{state}"
            );
        }
        let mut done = cluster(ClusterState::Initialized);
        done.certificates.cluster_certificate = Some("pem".into());
        assert_eq!(progress(&done), Progress::Done);
        assert!(matches!(
            progress(&cluster(ClusterState::DeleteInProgress)),
            Progress::Failed(_)
        ));
        // Our own call: INITIALIZED without a certificate in view is done after the grace.
        let mut ours = initialization_progress(true, Duration::ZERO);
        assert_eq!(ours(&cluster(ClusterState::Initialized)), Progress::Done);
        // An adopted one must show its certificate, to be compared.
        let mut adopted = initialization_progress(false, Duration::ZERO);
        assert_eq!(
            adopted(&cluster(ClusterState::Initialized)),
            Progress::Continue
        );
    }
}
