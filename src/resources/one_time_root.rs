//! Resource `cloudhsm_one_time_root`: signs an uninitialized cluster's CSR with a root CA
//! made for this one cluster, whose private key is destroyed right after: nobody can ever
//! issue another certificate under that root. Only the two certificates remain, in the state
//! (they are public): the root (the trust anchor, `customerCA.crt`) and the cluster
//! certificate; `cloudhsm_cluster_initialization` takes them as `trust_anchor` and
//! `signed_cert`.
//!
//! Why a resource of its own: CloudHSM never returns the trust anchor, so losing the root
//! certificate would be permanent. Terraform saves this resource's state before it starts
//! the initialization that depends on it, so a process killed at any moment later (right
//! after InitializeCluster was accepted included) leaves the root in the state, and the next
//! apply adopts the initialization.
//!
//! - plan: the cluster exists, is UNINITIALIZED and has (or is about to have) a CSR; the
//!   subject and validity are valid. A changed setting replaces the root while the cluster is
//!   uninitialized, and is an error once it is initialized (the root signed it for good).
//! - apply: waits for the CSR (`timeouts.create`), generates, signs, forgets the key.
//! - read: keeps the state; forgets it only when the cluster is gone or shows a CSR with
//!   another key (reset or replaced), never because a read lags behind.
//! - destroy: no API call; a warning says to keep a copy of the root certificate.

use std::sync::Arc;

use tfplugin::diagnostics::{Diagnostic, Diagnostics};
use tfplugin::{
    async_trait, ChangeRequest, Deletion, Failure, Field, Model, Plan, Success, Timeouts,
    TypedResource,
};

use crate::aws_diagnostics::{
    cluster_not_found, initialize_diagnostic, InitializeAttributes, Subject,
};
use crate::certs;
use crate::cloudhsm::workflows::{next_init_step, CsrNeeded, InitStep, InitializeError};
use crate::cloudhsm::{Cluster, ClusterState, Initialization};
use crate::cluster_id::{is_cluster_id, validate_cluster_id};
use crate::cluster_ref::{self, attr};
use crate::context::{PlanRead, ProviderContext};
use crate::signing::{self, RootParams, SigningError, Validity};

const TYPE_NAME: &str = "cloudhsm_one_time_root";

/// The resource's attributes.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct OneTimeRoot {
    /// The cluster id (same as `cluster_id`).
    #[tf(computed, keep, copy_of = cluster_id)]
    pub id: Field<String>,
    /// Id of the UNINITIALIZED cluster whose CSR the root signs, e.g.
    /// `aws_cloudhsm_v2_hsm.first.cluster_id` (the CSR exists once the first HSM does).
    /// Changing it makes a new root for the other cluster.
    #[tf(required, requires_replace)]
    pub cluster_id: Field<String>,
    /// Common name (CN) of the root. Default: `CloudHSM one-time root for <cluster id>`.
    #[tf(optional)]
    pub common_name: Field<String>,
    /// Organization (O) of the root, if any.
    #[tf(optional)]
    pub organization: Field<String>,
    /// Organizational unit (OU) of the root, if any.
    #[tf(optional)]
    pub organizational_unit: Field<String>,
    /// How many days the root is valid (default 3653, ten years). It must be at least
    /// `certificate_validity_days`.
    #[tf(optional)]
    pub validity_days: Field<i64>,
    /// How many days the cluster certificate is valid (default 3653, ten years, as in AWS's
    /// guide).
    #[tf(optional)]
    pub certificate_validity_days: Field<i64>,
    /// The root's certificate (PEM): the cluster's trust anchor, the `customerCA.crt` that
    /// clients need. CloudHSM never returns it: keep a copy outside Terraform too (for example
    /// through an output or a file).
    #[tf(computed, keep)]
    pub root_certificate: Field<String>,
    /// The cluster certificate (PEM) the root signed: the CSR's subject and key, issued by
    /// the root. Give it to `cloudhsm_cluster_initialization` as `signed_cert`.
    #[tf(computed, keep)]
    pub signed_cert: Field<String>,
    /// The cluster's CSR (PEM) that was signed.
    #[tf(computed, keep)]
    pub cluster_csr: Field<String>,
    #[tf(timeouts(create = "30m"))]
    pub timeouts: Field<Timeouts>,
}

pub struct OneTimeRootResource {
    context: Arc<ProviderContext>,
}

impl OneTimeRootResource {
    pub fn new(context: Arc<ProviderContext>) -> Self {
        OneTimeRootResource { context }
    }
}

/// Where this resource's inputs are, for errors about them.
fn attributes() -> InitializeAttributes {
    InitializeAttributes {
        cluster_id: attr(OneTimeRoot::CLUSTER_ID),
        signed_cert: attr(OneTimeRoot::CLUSTER_ID),
        signing_key: attr(OneTimeRoot::CLUSTER_ID),
        trust_anchor: attr(OneTimeRoot::CLUSTER_ID),
        signing_settings: attr(OneTimeRoot::VALIDITY_DAYS),
    }
}

/// The settings that make the root, by attribute name, as the configuration has them.
fn settings(m: &OneTimeRoot) -> [(&'static str, Field<String>); 5] {
    let days = |f: &Field<i64>| match f {
        Field::Known(d) => Field::Known(d.to_string()),
        Field::Unknown => Field::Unknown,
        Field::Null => Field::Null,
    };
    [
        (OneTimeRoot::COMMON_NAME, m.common_name.clone()),
        (OneTimeRoot::ORGANIZATION, m.organization.clone()),
        (
            OneTimeRoot::ORGANIZATIONAL_UNIT,
            m.organizational_unit.clone(),
        ),
        (OneTimeRoot::VALIDITY_DAYS, days(&m.validity_days)),
        (
            OneTimeRoot::CERTIFICATE_VALIDITY_DAYS,
            days(&m.certificate_validity_days),
        ),
    ]
}

/// Days from a configured value: the default when null, `None` when out of range.
fn days(f: &Field<i64>) -> Option<u32> {
    match f.known() {
        None => Some(signing::DEFAULT_VALIDITY_DAYS),
        Some(d) if (1..=36_525).contains(d) => u32::try_from(*d).ok(),
        Some(_) => None,
    }
}

/// The root's parameters and the cluster certificate's validity, from `m` (every value
/// known), or one error on the attribute at fault.
fn params(cluster_id: &str, m: &OneTimeRoot) -> Result<(RootParams, Validity), Diagnostic> {
    let out_of_range = |name: &str| {
        Diagnostic::error(
            "Invalid validity",
            format!("{name} must be a whole number of days from 1 to 36525 (the default is 3653, ten years)."),
        )
        .at(attr(name))
    };
    let root_days =
        days(&m.validity_days).ok_or_else(|| out_of_range(OneTimeRoot::VALIDITY_DAYS))?;
    let cert_days = days(&m.certificate_validity_days)
        .ok_or_else(|| out_of_range(OneTimeRoot::CERTIFICATE_VALIDITY_DAYS))?;
    let mut root = RootParams::for_cluster(cluster_id);
    if let Some(cn) = m.common_name.known() {
        root.common_name = cn.clone();
    }
    root.organization = m.organization.known().cloned();
    root.organizational_unit = m.organizational_unit.known().cloned();
    // One "now" for both, so that equal day counts end at the same second.
    let now = certs::now_unix();
    root.validity = Validity::days_from(now, root_days);
    let cert = Validity::days_from(now, cert_days);
    root.check(&cert).map_err(|e| setting_diagnostic(&e))?;
    Ok((root, cert))
}

/// A problem with a setting, on the attribute it is about.
fn setting_diagnostic(e: &SigningError) -> Diagnostic {
    let attribute = match e {
        SigningError::RootOutlivedByCertificate { .. } => OneTimeRoot::VALIDITY_DAYS,
        SigningError::InvalidRootSubject { field, .. } if *field == "organization" => {
            OneTimeRoot::ORGANIZATION
        }
        SigningError::InvalidRootSubject { field, .. } if *field == "organizational unit" => {
            OneTimeRoot::ORGANIZATIONAL_UNIT
        }
        SigningError::InvalidRootSubject { .. } => OneTimeRoot::COMMON_NAME,
        _ => OneTimeRoot::CLUSTER_ID,
    };
    Diagnostic::error(e.short(), e.to_string()).at(attr(attribute))
}

/// Whether the cluster, as read, shows that the recorded signing is of no use any more: it is
/// gone, or UNINITIALIZED with a CSR of another key (reset or replaced). A read showing the
/// very CSR that was signed may lag behind the initialization: that keeps the record.
fn signing_is_void(current: &OneTimeRoot, cluster: &Cluster) -> bool {
    if cluster.is_gone() {
        return true;
    }
    if cluster.initialization() != Initialization::NotYet
        || cluster.state != ClusterState::Uninitialized
    {
        return false;
    }
    let (Some(shown), Some(signed)) = (
        cluster.certificates.cluster_csr.as_deref(),
        current.signed_cert.known(),
    ) else {
        return false;
    };
    match (
        certs::parse_csr_pem(shown),
        certs::parse_certificate_pem(signed),
    ) {
        (Ok(csr), Ok(cert)) => certs::check_matches_csr(&cert, &csr).is_err(),
        _ => false,
    }
}

#[async_trait]
impl TypedResource for OneTimeRootResource {
    type Model = OneTimeRoot;
    const TYPE_NAME: &'static str = TYPE_NAME;

    fn description(&self) -> String {
        "Signs an uninitialized CloudHSM v2 cluster's CSR with a root CA made for this one \
         cluster, and destroys the root's private key at once: no one holds it, so no one can \
         ever issue another certificate under that root. The root certificate (the trust \
         anchor) and the cluster certificate stay in the state for \
         `cloudhsm_cluster_initialization`; no private key is ever in a plan or the state."
            .to_string()
    }

    async fn validate(&self, config: &OneTimeRoot) -> Diagnostics {
        let mut diags = validate_cluster_id(&config.cluster_id, OneTimeRoot::CLUSTER_ID);
        let all_known = settings(config).iter().all(|(_, f)| !f.is_unknown());
        if all_known {
            let id = config
                .cluster_id
                .known()
                .map_or("cluster-xxxxxxxxxxx", String::as_str);
            if let Err(d) = params(id, config) {
                diags.push(d);
            }
        }
        diags
    }

    async fn modify_plan(&self, plan: &mut Plan<OneTimeRoot>) {
        let Some(id) = plan
            .planned
            .cluster_id
            .known()
            .filter(|id| is_cluster_id(id))
            .cloned()
        else {
            return;
        };
        let changed: Vec<&'static str> = match &plan.prior {
            Some(prior) if !plan.is_create() => settings(prior)
                .into_iter()
                .zip(settings(&plan.config))
                .filter(|((_, before), (_, now))| before != now)
                .map(|((name, _), _)| name)
                .collect(),
            _ => Vec::new(),
        };
        if !plan.is_create() && changed.is_empty() {
            return;
        }
        let read = self
            .context
            .read_at_plan(
                &Subject::cluster(&id),
                "checking the cluster's CSR",
                &mut plan.diagnostics,
            )
            .await;
        let cluster = match read {
            PlanRead::Found(c) => c,
            PlanRead::NotFound => {
                plan.diagnostics.push(cluster_not_found(&id));
                return;
            }
            PlanRead::Unavailable => return,
        };
        if plan.is_create() {
            // The CSR must be there, or on its way (the first HSM being created).
            let err = match next_init_step(&cluster, None, CsrNeeded::Now) {
                Err(e) => Some(e),
                Ok(InitStep::Adopt) => Some(InitializeError::AlreadyInitialized(cluster.clone())),
                Ok(_) => None,
            };
            if let Some(e) = err {
                plan.diagnostics
                    .push(initialize_diagnostic(&e, &id, TYPE_NAME, attributes()));
            }
            return;
        }
        // A changed setting: a new root while the cluster is uninitialized; an error after.
        if cluster.initialization() == Initialization::NotYet {
            for name in changed {
                plan.requires_replace.push(attr(name));
            }
            return;
        }
        for name in changed {
            plan.diagnostics.push(
                Diagnostic::error(
                    "The one-time root cannot change",
                    format!(
                        "Cluster {id} is {} with the certificate this root signed, and the \
                         root's private key no longer exists: the root cannot be issued again \
                         with another {name}. Restore the previous value of {name}.",
                        cluster.state
                    ),
                )
                .at(attr(name)),
            );
        }
    }

    fn deletion(&self, prior: &OneTimeRoot) -> Deletion {
        let cluster_id = prior.cluster_id.known().map_or("(unknown)", String::as_str);
        Deletion::Forget {
            warning: Diagnostic::warning(
                "The root certificate leaves the state",
                format!(
                "Destroying {TYPE_NAME} makes no API call, but its root certificate, the trust \
                 anchor of cluster {cluster_id}, leaves the Terraform state. CloudHSM never \
                 returns it and its private key no longer exists: keep a copy (the \
                 root_certificate attribute, clients' customerCA.crt) before it goes. Guard \
                 against this with lifecycle {{ prevent_destroy = true }}."
            ),
            ),
        }
    }

    async fn create(
        &self,
        planned: OneTimeRoot,
        apply: ChangeRequest<OneTimeRoot>,
    ) -> Result<Success<OneTimeRoot>, Failure<OneTimeRoot>> {
        let cluster_id = planned.cluster_id.known().cloned().unwrap_or_default();
        let (root, cert_validity) =
            params(&cluster_id, &apply.config).map_err(Failure::unchanged)?;
        let client = self.context.client().await.map_err(Failure::unchanged)?;
        let (_cluster, csr) = client
            .csr_to_sign(&cluster_id, apply.timeout)
            .await
            .map_err(|e| {
                Failure::unchanged(initialize_diagnostic(
                    &e,
                    &cluster_id,
                    TYPE_NAME,
                    attributes(),
                ))
            })?;
        let signed = signing::sign_with_one_time_root(&csr, &root, cert_validity)
            .map_err(|e| Failure::unchanged(setting_diagnostic(&e)))?;
        tracing::info!(
            cluster_id,
            "signed the cluster's CSR with a one-time root; its key is gone"
        );
        Ok(OneTimeRoot {
            root_certificate: Field::Known(signed.root_certificate_pem),
            signed_cert: Field::Known(signed.signed_certificate_pem),
            cluster_csr: Field::Known(csr),
            ..planned
        }
        .into())
    }

    async fn read(
        &self,
        current: OneTimeRoot,
    ) -> Result<Success<Option<OneTimeRoot>>, Diagnostics> {
        let cluster_id = cluster_ref::id_in_state(
            current.cluster_id.known(),
            TYPE_NAME,
            "(keep a copy of its root_certificate first)",
        )?;
        cluster_ref::refresh(&self.context, &cluster_id, "reading the cluster", |c| {
            if signing_is_void(&current, &c) {
                tracing::info!(cluster_id, state = %c.state, "the cluster no longer has the CSR this root signed; removing it from state");
                return None;
            }
            Some(current)
        })
        .await
        .map(Success::from)
    }

    async fn update(
        &self,
        _prior: OneTimeRoot,
        planned: OneTimeRoot,
        _apply: ChangeRequest<OneTimeRoot>,
    ) -> Result<Success<OneTimeRoot>, Failure<OneTimeRoot>> {
        // Only `timeouts` can change in place: everything else replaces or is refused.
        Ok(planned.into())
    }

    async fn import(&self, _id: &str) -> Result<OneTimeRoot, Diagnostics> {
        Err(Diagnostic::error(
            "A one-time root cannot be imported",
            "CloudHSM never returns a cluster's trust anchor, so there is nothing to import: a \
             one-time root exists only in the state of the configuration that made it. To \
             manage an initialized cluster, import cloudhsm_cluster_initialization with its \
             trust anchor given as trust_anchor.",
        )
        .into())
    }
}

#[cfg(test)]
mod tests;
