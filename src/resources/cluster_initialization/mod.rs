//! Resource `cloudhsm_cluster_initialization`: claims an UNINITIALIZED CloudHSM cluster with
//! `InitializeCluster` (signed cluster certificate + trust anchor) and waits until it is
//! INITIALIZED.
//!
//! Plan checks everything it can before any API call changes anything: the two PEM values
//! (one certificate each, self-signed anchor, certificate issued by the anchor, validity), and,
//! when the cluster exists, that the certificate carries the public key of the cluster's CSR.
//! Apply runs the AWS layer's initialize-and-wait workflow, which adopts an initialization
//! already running or done with the same certificate (a re-run never calls
//! `InitializeCluster` twice). Destroy only forgets: a cluster cannot be un-initialized.
//!
//! This file holds the model and the lifecycle; `inputs` (how the certificate is asked for),
//! `certificates` (the PEM checks) and `status` (what the state says of the cluster) are
//! pure functions beside it. None of them knows the AWS SDK or gRPC.

use std::sync::Arc;

use tfplugin::diagnostics::{Diagnostic, Diagnostics};
use tfplugin::{
    async_trait, ChangeRequest, Deletion, Failure, Field, Model, Plan, Success, Timeouts,
    TypedResource,
};

use crate::aws_diagnostics::{cluster_not_found, initialize_diagnostic, Subject};
use crate::certs::{self, Comparison};
use crate::cloudhsm::workflows::{next_init_step, CsrNeeded, InitializeError, Signing};
use crate::cloudhsm::Initialization;
use crate::cluster_id::{is_cluster_id, validate_cluster_id};
use crate::cluster_ref;
use crate::context::{PlanRead, ProviderContext};

mod certificates;
mod inputs;
mod status;

use certificates::{check_certificates, check_update, issued_by_anchor, CheckAt};
use inputs::{attributes, parse_key, validity_of, way_of, Way};
use status::{accepted_status, shows_no_initialization, with_status};

const TYPE_NAME: &str = "cloudhsm_cluster_initialization";

/// The resource's attributes.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct ClusterInitialization {
    /// The cluster id (same as `cluster_id`).
    #[tf(computed, keep, copy_of = cluster_id)]
    pub id: Field<String>,
    /// Id of the cluster to initialize, e.g. `aws_cloudhsm_v2_cluster.this.cluster_id`
    /// (pattern `cluster-[2-7a-zA-Z]{11,16}`). Changing it replaces this resource.
    #[tf(required, requires_replace)]
    pub cluster_id: Field<String>,
    /// The cluster certificate in PEM form: the cluster's CSR (from the `cloudhsm_cluster`
    /// data source) signed by the trust anchor, e.g. `cloudhsm_one_time_root.this.signed_cert`
    /// or `file("cluster.crt")`. Exactly one certificate, at most 5000 characters. Text around
    /// the PEM block (such as `Bag Attributes` lines) is ignored: CloudHSM receives the PEM
    /// block alone. Differences in PEM formatting only (line endings, trailing newline) are
    /// not a change. It cannot be changed once the cluster is initialized. Leave it out when
    /// the provider signs the CSR (`ca_private_key_wo`): it is then the certificate the
    /// provider signed.
    #[tf(optional, computed, keep, same = certs::same_certificate)]
    pub signed_cert: Field<String>,
    /// The trust anchor's private key (PEM: PKCS #8, PKCS #1 or SEC1, unencrypted; RSA 2048 to
    /// 4096 bits, or ECDSA P-256 / P-384), instead of `signed_cert`: the provider then reads
    /// the cluster's CSR at apply, signs it with this key, and forgets the key. Write-only: it
    /// is never in a plan, the state or a log. Give it from an ephemeral source (an
    /// `ephemeral` resource of your secret store, or an ephemeral variable).
    #[tf(optional, sensitive, write_only)]
    pub ca_private_key_wo: Field<String>,
    /// With `ca_private_key_wo`: how many days the cluster certificate the provider signs is
    /// valid (default 3653, ten years, as in AWS's guide; never past the trust anchor's end).
    #[tf(optional)]
    pub certificate_validity_days: Field<i64>,
    /// The self-signed root CA certificate (PEM) that issued `signed_cert`, e.g.
    /// `cloudhsm_one_time_root.this.root_certificate` or `file("customerCA.crt")`. Exactly one
    /// certificate, at most 5000 characters. It cannot be changed once the cluster is
    /// initialized (after an import it may be set, once shown to have issued the cluster's
    /// certificate).
    #[tf(required, same = certs::same_certificate)]
    pub trust_anchor: Field<String>,
    /// The cluster's state as CloudHSM reports it: `INITIALIZED` after this resource's apply,
    /// `ACTIVE` once a crypto officer activated the cluster.
    #[tf(computed)]
    pub state: Field<String>,
    /// CloudHSM's message about the cluster's state, if any.
    #[tf(computed)]
    pub state_message: Field<String>,
    /// The cluster certificate as CloudHSM reports it (`Certificates.ClusterCertificate`)
    /// after initialization.
    #[tf(computed)]
    pub cluster_certificate: Field<String>,
    #[tf(timeouts(create = "30m"))]
    pub timeouts: Field<Timeouts>,
}

pub struct ClusterInitializationResource {
    context: Arc<ProviderContext>,
}

impl ClusterInitializationResource {
    pub fn new(context: Arc<ProviderContext>) -> Self {
        ClusterInitializationResource { context }
    }
}

#[async_trait]
impl TypedResource for ClusterInitializationResource {
    type Model = ClusterInitialization;
    const TYPE_NAME: &'static str = TYPE_NAME;

    fn description(&self) -> String {
        "Initializes (claims) an AWS CloudHSM v2 cluster with `InitializeCluster`: the \
         cluster's CSR signed by your CA, and that CA's self-signed root certificate as the \
         trust anchor. Apply waits until the cluster is `INITIALIZED`. Destroying this \
         resource only removes it from the Terraform state: a cluster cannot be \
         un-initialized."
            .to_string()
    }

    async fn validate(&self, config: &ClusterInitialization) -> Diagnostics {
        let mut diags = validate_cluster_id(&config.cluster_id, ClusterInitialization::CLUSTER_ID);
        let (way, found) = way_of(config);
        diags.append(found);
        // Errors only: a warning is the plan's to give (Terraform shows both, so it would
        // come twice).
        let (_, anchor, found) =
            check_certificates(&config.signed_cert, &config.trust_anchor, CheckAt::Ignore);
        diags.extend(found.into_iter().filter(Diagnostic::is_error));
        if way == Way::WithKey {
            if let Err(found) = parse_key(config, anchor.as_ref()) {
                diags.append(found);
            }
        }
        diags
    }

    async fn modify_plan(&self, plan: &mut Plan<ClusterInitialization>) {
        match &plan.prior {
            // The create half of a replacement is planned again by Terraform, as a create.
            Some(_) if plan.is_create() => {}
            Some(prior) => {
                let found = check_update(prior, &plan.planned);
                plan.diagnostics.append(found);
                if way_of(&plan.config).0 == Way::WithKey {
                    plan.diagnostics
                        .extend(issued_by_anchor(prior, &plan.planned));
                }
            }
            None => {
                let (signed, _anchor, found) = check_certificates(
                    &plan.planned.signed_cert,
                    &plan.planned.trust_anchor,
                    CheckAt::At(certs::now_unix()),
                );
                plan.diagnostics.append(found);
                let Some(id) = plan
                    .planned
                    .cluster_id
                    .known()
                    .filter(|id| is_cluster_id(id))
                    .cloned()
                else {
                    return;
                };
                let read = self
                    .context
                    .read_at_plan(
                        &Subject::cluster(&id),
                        "checking the cluster for its initialization",
                        &mut plan.diagnostics,
                    )
                    .await;
                match read {
                    PlanRead::Found(cluster) => {
                        // Signing at apply needs the CSR: without an HSM on its way, say so now.
                        let csr = if way_of(&plan.config).0 == Way::WithKey {
                            CsrNeeded::Now
                        } else {
                            CsrNeeded::MayComeLater
                        };
                        if let Err(e) = next_init_step(&cluster, signed.as_ref(), csr) {
                            plan.diagnostics.push(initialize_diagnostic(
                                &e,
                                &id,
                                TYPE_NAME,
                                attributes(),
                            ));
                        }
                    }
                    PlanRead::NotFound => plan.diagnostics.push(cluster_not_found(&id)),
                    PlanRead::Unavailable => {}
                }
            }
        }
    }

    fn deletion(&self, prior: &ClusterInitialization) -> Deletion {
        let cluster_id = prior.cluster_id.known().map_or("(unknown)", String::as_str);
        Deletion::Forget {
            warning: Diagnostic::warning(
                "The cluster stays initialized",
                format!(
                    "Destroying {TYPE_NAME} makes no API call: CloudHSM cannot un-initialize a \
                     cluster, so cluster {cluster_id} keeps its certificate, HSMs and keys. \
                     Only Terraform's record is dropped. To manage it again, import it \
                     (terraform import {TYPE_NAME}.<name> {cluster_id}); to remove it, delete \
                     the cluster itself."
                ),
            ),
        }
    }

    async fn create(
        &self,
        planned: ClusterInitialization,
        apply: ChangeRequest<ClusterInitialization>,
    ) -> Result<Success<ClusterInitialization>, Failure<ClusterInitialization>> {
        let cluster_id = planned.cluster_id.known().cloned().unwrap_or_default();
        // Every check again before any call that changes anything.
        let (way, mut diags) = way_of(&apply.config);
        let (signed, anchor, found) = check_certificates(
            &planned.signed_cert,
            &planned.trust_anchor,
            CheckAt::At(certs::now_unix()),
        );
        diags.append(found);
        let key = match parse_key(&apply.config, anchor.as_ref()) {
            Ok(key) => key,
            Err(found) => {
                diags.append(found);
                None
            }
        };
        let validity = validity_of(&apply.config);
        let signing = match (way, &signed, &key) {
            (Way::Signed, Some(signed), _) => Some(Signing::Signed(signed)),
            (Way::WithKey, _, Some(key)) => Some(Signing::WithKey { key, validity }),
            _ => None,
        };
        let (Some(signing), Some(anchor), false) = (signing, anchor, diags.has_errors()) else {
            return Err(Failure::unchanged(diags));
        };
        let client = self.context.client().await.map_err(Failure::unchanged)?;
        // The state keeps the user's text; CloudHSM gets the parsed, canonical PEM.
        let done = client
            .initialize_and_wait(&cluster_id, signing, &anchor, apply.timeout)
            .await;
        // The CA key's last use: dropping it wipes it.
        drop(key);
        match done {
            Ok(initialized) => {
                let mut state = with_status(planned, &initialized.cluster);
                if !state.signed_cert.is_known() {
                    state.signed_cert = initialized.signed_cert.into();
                }
                Ok(state.into())
            }
            Err(err) => {
                let diag = initialize_diagnostic(&err, &cluster_id, TYPE_NAME, attributes());
                match &err {
                    // The initialization runs (or ran) in CloudHSM: Terraform keeps this
                    // state (tainted) and a re-run adopts the cluster instead of calling again.
                    InitializeError::Wait {
                        error,
                        accepted: true,
                    } => Err(Failure::with_state(
                        accepted_status(planned, error.last_seen(), &cluster_id),
                        diag,
                    )),
                    _ => Err(Failure::unchanged(diag)),
                }
            }
        }
    }

    /// An update changes only Terraform's record (the inputs are checked against the
    /// cluster's initialization, which cannot change); the status is read anew.
    async fn update(
        &self,
        prior: ClusterInitialization,
        planned: ClusterInitialization,
        _apply: ChangeRequest<ClusterInitialization>,
    ) -> Result<Success<ClusterInitialization>, Failure<ClusterInitialization>> {
        let diags = check_update(&prior, &planned);
        if diags.has_errors() {
            return Err(Failure::unchanged(diags));
        }
        let cluster_id = prior.cluster_id.known().cloned().unwrap_or_default();
        let cluster =
            cluster_ref::describe_existing(&self.context, &cluster_id, "reading the cluster")
                .await
                .map_err(Failure::unchanged)?;
        Ok(with_status(planned, &cluster).into())
    }

    async fn read(
        &self,
        current: ClusterInitialization,
    ) -> Result<Success<Option<ClusterInitialization>>, Diagnostics> {
        let cluster_id = cluster_ref::id_in_state(
            current.cluster_id.known(),
            TYPE_NAME,
            "and import the cluster",
        )?;
        let read = cluster_ref::refresh(&self.context, &cluster_id, "reading the cluster", |c| {
            if c.is_gone() || shows_no_initialization(&current, &c) {
                tracing::info!(cluster_id, state = %c.state, "cluster is not initialized; removing it from state");
                return None;
            }
            Some(c)
        });
        let Some(cluster) = read.await? else {
            return Ok(None.into());
        };
        let recorded = current.cluster_certificate.clone();
        let mut state = with_status(current, &cluster);
        match (
            &state.signed_cert,
            &cluster.certificates.cluster_certificate,
        ) {
            (Field::Known(mine), Some(theirs)) => {
                match certs::compare_certificates(mine, theirs) {
                    // Re-initialized out of band: show the certificate it has now.
                    Comparison::Different => state.signed_cert = Field::Known(theirs.clone()),
                    Comparison::Same => {}
                    // What cannot be read is no reason to change the record.
                    Comparison::Unreadable => {
                        tracing::warn!(cluster_id, "the cluster certificate CloudHSM shows cannot be read; keeping the recorded one");
                        state.cluster_certificate = recorded.clone();
                    }
                }
            }
            (Field::Known(_), None) => {}
            (_, theirs) => state.signed_cert = theirs.clone().into(),
        }
        if cluster.certificates.cluster_certificate.is_none() {
            // Not in view right now (busy or degraded): keep the recorded certificate.
            state.cluster_certificate = recorded;
        }
        Ok(Some(state).into())
    }

    async fn import(&self, id: &str) -> Result<ClusterInitialization, Diagnostics> {
        let id = cluster_ref::imported_id(id, TYPE_NAME)?;
        let id = id.as_str();
        // A clear word for the clusters that have nothing to import; other failures are
        // left to the read that follows.
        if let Ok(client) = self.context.client().await {
            if let Ok(Some(cluster)) = client.describe(id).await {
                if cluster.initialization() == Initialization::NotYet {
                    return Err(Diagnostic::error(
                        "Cluster is not initialized",
                        format!(
                            "Cluster {id} is {} without a cluster certificate: there is no \
                             initialization to import. Remove the import and let `terraform \
                             apply` initialize it with this resource.",
                            cluster.state
                        ),
                    )
                    .into());
                }
            }
        }
        Ok(ClusterInitialization {
            id: Field::Known(id.to_string()),
            cluster_id: Field::Known(id.to_string()),
            ..Default::default()
        })
    }
}

#[cfg(test)]
mod signing_tests;

#[cfg(test)]
mod tests;
