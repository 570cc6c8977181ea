//! Initialize-and-wait: decides what a cluster needs ([`next_init_step`]), waits for its CSR
//! or for a busy spell to end, calls InitializeCluster once, and waits until the cluster is
//! initialized with the signed certificate.
//!
//! After CloudHSM accepted the call, only the deadline ends the wait: a read that still
//! shows UNINITIALIZED may lag behind the write, so it never counts as a failure. An
//! initialization that is already running or done with the same certificate is adopted; a
//! cluster certificate that cannot be read is never taken as the same one.
//!
//! This file: the decision and the two entry points (`initialize_and_wait`, `csr_to_sign`).
//! `watch.rs`: looking at and waiting for one cluster within the deadline; `run.rs`: one
//! run that sends InitializeCluster. No Terraform types here.

mod run;
mod watch;

use std::time::Duration;

use tokio::time::Instant;

use super::super::client::CloudHsm;
use super::super::cluster::{Cluster, ClusterState, Initialization};
use super::super::error::ApiError;
use super::super::wait::WaitError;
use crate::certs::{self, CertError, Certificate, Comparison};
use crate::signing::{CaKey, SigningError, Validity};
use run::Initializing;
use watch::{csr_progress, settled_for_initialization, Sent, Watch};

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
            watch: Watch {
                client: &client,
                cluster_id,
            },
            signing,
            anchor,
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
        let watch = Watch {
            client: &client,
            cluster_id,
        };
        let mut cluster = watch.look("reading the cluster", Sent::No).await?;
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
                    let what = "the cluster's CSR to appear";
                    cluster = watch.until(what, csr_progress, Sent::No).await?;
                }
                InitStep::WaitUntilSettled => {
                    let what = "the cluster to be UNINITIALIZED so that its CSR can be signed";
                    cluster = watch
                        .until(what, settled_for_initialization, Sent::No)
                        .await?;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests;
