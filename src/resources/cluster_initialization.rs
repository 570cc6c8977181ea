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

use std::sync::Arc;

use tfplugin::diagnostics::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::{
    async_trait, ChangeRequest, Deletion, Failure, Field, Model, Plan, Success, Timeouts,
    TypedResource,
};

use crate::aws_diagnostics::{
    api_diagnostic, cluster_not_found, initialize_diagnostic, signing_diagnostic,
    InitializeAttributes,
};
use crate::certs::{self, CertError, CertRole, Certificate, Comparison};
use crate::cloudhsm::workflows::{next_init_step, CsrNeeded, InitializeError, Signing};
use crate::cloudhsm::{Cluster, ClusterState, Initialization};
use crate::cluster_id::{cluster_id_import_diagnostic, is_cluster_id, validate_cluster_id};
use crate::context::{PlanRead, ProviderContext};
use crate::signing::{self, CaKey, Validity};
use zeroize::Zeroizing;

const TYPE_NAME: &str = "cloudhsm_cluster_initialization";

/// The resource's attributes.
#[derive(Clone, Debug, Default, PartialEq, Model)]
pub struct ClusterInitialization {
    /// The cluster id (same as `cluster_id`).
    #[tf(computed, keep)]
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

fn attr(name: &str) -> AttributePath {
    AttributePath::attr(name)
}

/// A certificate problem on the attribute at fault: an error, or a warning when the problem is
/// only that a signature cannot be checked here (CloudHSM still checks it when it initializes).
fn cert_diagnostic(err: &CertError, fallback: &str) -> Diagnostic {
    let attribute = match err.role() {
        Some(CertRole::TrustAnchor) => ClusterInitialization::TRUST_ANCHOR,
        Some(CertRole::SignedCertificate) => ClusterInitialization::SIGNED_CERT,
        None => fallback,
    };
    let diagnostic = if err.cannot_check() {
        Diagnostic::warning(err.short(), err.to_string())
    } else {
        Diagnostic::error(err.short(), err.to_string())
    };
    diagnostic.at(attr(attribute))
}

/// When validity windows are checked: at `now` (creating), or not at all (existing
/// resources, whose certificates may expire without anything to do about it).
#[derive(Clone, Copy)]
enum CheckAt {
    At(i64),
    Ignore,
}

/// Parses the known PEM values and checks them against each other. Returns the parsed
/// certificates (when they parse) and one error per problem, on the attribute at fault; a
/// signature that cannot be checked is a warning, once (a cluster certificate signed by an
/// anchor whose own signature cannot be checked is, most likely, for the same reason).
fn check_certificates(
    signed_cert: &Field<String>,
    trust_anchor: &Field<String>,
    validity: CheckAt,
) -> (Option<Certificate>, Option<Certificate>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let mut parse = |field: &Field<String>, attribute| {
        field
            .known()
            .and_then(|pem| match certs::parse_certificate_pem(pem) {
                Ok(c) => Some(c),
                Err(e) => {
                    diags.push(cert_diagnostic(&e, attribute));
                    None
                }
            })
    };
    let signed = parse(signed_cert, ClusterInitialization::SIGNED_CERT);
    let anchor = parse(trust_anchor, ClusterInitialization::TRUST_ANCHOR);
    let at = |c: &Certificate| match validity {
        CheckAt::At(now) => now,
        CheckAt::Ignore => c.not_before_unix,
    };
    if let Some(a) = &anchor {
        let anchor_unchecked = match certs::check_trust_anchor(a, at(a)) {
            Ok(()) => false,
            Err(e) => {
                diags.push(cert_diagnostic(&e, ClusterInitialization::TRUST_ANCHOR));
                if !e.cannot_check() {
                    return (signed, anchor, diags);
                }
                true
            }
        };
        if let Some(s) = &signed {
            match certs::check_issued_by(s, a, at(s)) {
                Err(e) if !(anchor_unchecked && e.cannot_check()) => {
                    diags.push(cert_diagnostic(&e, ClusterInitialization::SIGNED_CERT));
                }
                _ => {}
            }
        }
    }
    (signed, anchor, diags)
}

/// Where this resource's inputs are, for errors about them.
fn attributes() -> InitializeAttributes {
    InitializeAttributes {
        cluster_id: attr(ClusterInitialization::CLUSTER_ID),
        signed_cert: attr(ClusterInitialization::SIGNED_CERT),
        signing_key: attr(ClusterInitialization::CA_PRIVATE_KEY_WO),
        trust_anchor: attr(ClusterInitialization::TRUST_ANCHOR),
        signing_settings: attr(ClusterInitialization::CERTIFICATE_VALIDITY_DAYS),
    }
}

/// The most days a certificate the provider signs may be valid: 100 years.
const MAX_VALIDITY_DAYS: i64 = 36_525;

/// How the configuration asks for the cluster certificate, as far as plan time can tell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Way {
    /// `signed_cert` (possibly unknown yet).
    Signed,
    /// `ca_private_key_wo`: the provider signs.
    WithKey,
    /// Cannot tell yet (a value is unknown).
    NotKnownYet,
}

/// Which way the configuration takes, and one error per mix-up, on the attribute.
fn way_of(config: &ClusterInitialization) -> (Way, Diagnostics) {
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
fn parse_key(
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
fn validity_of(config: &ClusterInitialization) -> Validity {
    let days = config
        .certificate_validity_days
        .known()
        .and_then(|d| u32::try_from(*d).ok())
        .unwrap_or(signing::DEFAULT_VALIDITY_DAYS);
    Validity::days_from_now(days)
}

/// `model` with the status of `cluster`.
fn with_status(mut model: ClusterInitialization, cluster: &Cluster) -> ClusterInitialization {
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
fn shows_no_initialization(current: &ClusterInitialization, cluster: &Cluster) -> bool {
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
fn accepted_status(
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

/// With the CA key in the configuration, the cluster's certificate (as last read) must be one
/// the trust anchor issued: a cluster re-initialized with another CA outside Terraform is an
/// error on `trust_anchor`, not a silent match.
fn issued_by_anchor(
    prior: &ClusterInitialization,
    next: &ClusterInitialization,
) -> Option<Diagnostic> {
    let cluster_id = prior.cluster_id.known().map_or("", String::as_str);
    let current = certs::parse_certificate_pem(prior.signed_cert.known()?).ok()?;
    let anchor = certs::parse_certificate_pem(next.trust_anchor.known()?).ok()?;
    match certs::check_issued_by(&current, &anchor, current.not_before_unix) {
        Err(e) if !e.cannot_check() => Some(
            Diagnostic::error(
                "The cluster's certificate was not issued by this trust anchor",
                format!(
                    "Cluster {cluster_id} holds a cluster certificate (subject \"{}\") that the \
                     trust anchor (subject \"{}\") did not issue: it was initialized with \
                     another CA. CloudHSM cannot replace the certificate of an initialized \
                     cluster. Set trust_anchor to the CA that issued it, or use a new cluster.",
                    current.subject, anchor.subject
                ),
            )
            .at(attr(ClusterInitialization::TRUST_ANCHOR)),
        ),
        _ => None,
    }
}

/// The plan error for a changed certificate of an initialized cluster.
fn certificate_change(cluster_id: &str, attribute: &str, old: &str, new: &str) -> Diagnostic {
    let describe = |pem: &str| match certs::parse_certificate_pem(pem) {
        Ok(c) => format!("subject \"{}\"", c.subject),
        Err(e) => e.short().to_lowercase(),
    };
    let what = if attribute == ClusterInitialization::SIGNED_CERT {
        "cluster certificate"
    } else {
        "trust anchor"
    };
    Diagnostic::error(
        "Cannot change the certificates of an initialized cluster",
        format!(
            "Cluster {cluster_id} was initialized with the {attribute} in the state ({}), and the \
             configuration now gives another one ({}). CloudHSM initializes a cluster once and \
             cannot replace its {what}. Options: restore the previous value in the \
             configuration; or, if the cluster was re-initialized outside Terraform, run \
             `terraform state rm` for this resource and import it again; or create a new \
             cluster (destroying a cluster destroys its keys) and initialize that one.",
            describe(old),
            describe(new),
        ),
    )
    .at(attr(attribute))
}

/// What an update may change: only Terraform's record of the inputs. A certificate may not
/// change; a trust anchor set after an import must have issued the cluster's certificate.
fn check_update(prior: &ClusterInitialization, next: &ClusterInitialization) -> Diagnostics {
    let label = prior.cluster_id.known().map_or("", String::as_str);
    let mut diags = Diagnostics::new();
    for (name, old, new) in [
        (
            ClusterInitialization::SIGNED_CERT,
            &prior.signed_cert,
            &next.signed_cert,
        ),
        (
            ClusterInitialization::TRUST_ANCHOR,
            &prior.trust_anchor,
            &next.trust_anchor,
        ),
    ] {
        if let (Field::Known(p), Field::Known(n)) = (old, new) {
            if p != n && !certs::same_certificate(p, n) {
                diags.push(certificate_change(label, name, p, n));
            }
        }
    }
    if let (Field::Null, Field::Known(_)) = (&prior.trust_anchor, &next.trust_anchor) {
        // After an import: the anchor must be a self-signed root that issued the cluster's
        // certificate. Validity windows are not checked for an existing cluster.
        let (_s, _a, found) =
            check_certificates(&next.signed_cert, &next.trust_anchor, CheckAt::Ignore);
        diags.extend(found.into_iter().map(|mut d| {
            if d.is_error() && d.attribute == Some(attr(ClusterInitialization::SIGNED_CERT)) {
                // The signed certificate is the cluster's own: the anchor is what is wrong.
                d.attribute = Some(attr(ClusterInitialization::TRUST_ANCHOR));
                d.detail = format!(
                    "Cluster {label}: the trust anchor must be the CA certificate that issued \
                     the cluster's certificate. {}",
                    d.detail
                );
            }
            d
        }));
    }
    diags
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
                plan.planned.id = plan.planned.cluster_id.clone();
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
                        &id,
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
                 cluster, so cluster {cluster_id} keeps its certificate, HSMs and keys. Only \
                 Terraform's record is dropped. To manage it again, import it (terraform import \
                 {TYPE_NAME}.<name> {cluster_id}); to remove it, delete the cluster itself."
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
        let client = self.context.client().await.map_err(Failure::unchanged)?;
        match client.describe(&cluster_id).await {
            Ok(Some(cluster)) => Ok(with_status(planned, &cluster).into()),
            Ok(None) => Err(Failure::unchanged(cluster_not_found(&cluster_id))),
            Err(e) => Err(Failure::unchanged(api_diagnostic(
                &e,
                &cluster_id,
                "reading the cluster",
            ))),
        }
    }

    async fn read(
        &self,
        current: ClusterInitialization,
    ) -> Result<Success<Option<ClusterInitialization>>, Diagnostics> {
        let Some(cluster_id) = current.cluster_id.known().cloned() else {
            return Err(Diagnostic::error(
                "No cluster id in state",
                "The state of this resource has no cluster_id, so the provider cannot read the \
                 cluster. Remove it with `terraform state rm` and import the cluster.",
            )
            .into());
        };
        let client = self.context.client().await?;
        let cluster = match client.describe(&cluster_id).await {
            Ok(Some(c)) => c,
            Ok(None) => {
                tracing::info!(cluster_id, "cluster is gone; removing it from state");
                return Ok(None.into());
            }
            Err(e) => return Err(api_diagnostic(&e, &cluster_id, "reading the cluster").into()),
        };
        if cluster.is_gone() || shows_no_initialization(&current, &cluster) {
            tracing::info!(cluster_id, state = %cluster.state, "cluster is not initialized; removing it from state");
            return Ok(None.into());
        }
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
        let id = id.trim();
        if !is_cluster_id(id) {
            return Err(cluster_id_import_diagnostic(id, TYPE_NAME).into());
        }
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
