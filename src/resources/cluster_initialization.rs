//! Resource `cloudhsm_cluster_initialization`: claims an UNINITIALIZED CloudHSM cluster with
//! `InitializeCluster` (signed cluster certificate + trust anchor) and waits until it is
//! INITIALIZED.
//!
//! Plan checks everything it can before any API call changes anything: the two PEM values
//! (one certificate each, self-signed anchor, certificate issued by the anchor, validity), and,
//! when the cluster exists, that the certificate carries the public key of the cluster's CSR.
//! Apply runs the AWS layer's initialize-and-wait workflow, which adopts a cluster that is
//! already initializing or initialized with the same certificate (so a re-run after an
//! interrupted apply never calls `InitializeCluster` twice) and waits out a cluster that is
//! busy without a certificate. Destroy only forgets the resource: a cluster cannot be
//! un-initialized.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::certs::{self, CertError, CertRole, Certificate};
use crate::cloudhsm::workflows::{next_init_step, InitializeError};
use crate::cloudhsm::{Cluster, ClusterState, Initialization};
use crate::context::{PlanRead, ProviderContext};
use crate::resources::common;
use tfplugin::diagnostics::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::interface::{
    ApplyRequest, ApplyResponse, ImportResponse, PlanRequest, PlanResponse, ReadRequest,
    ReadResponse, Resource,
};
use tfplugin::schema::{Attribute, Block, Schema};
use tfplugin::value::{Field, IntoValue, ObjectBuilder, ObjectReader, Value};

const TYPE_NAME: &str = "cloudhsm_cluster_initialization";

/// How long `create` may wait by default (CloudHSM initialization takes a few minutes).
pub const DEFAULT_CREATE_TIMEOUT: Duration = Duration::from_secs(30 * 60);

const TIMEOUT_OPERATIONS: [(&str, Duration); 1] = [("create", DEFAULT_CREATE_TIMEOUT)];

const CLUSTER_ID: &str = "cluster_id";
const SIGNED_CERT: &str = "signed_cert";
const TRUST_ANCHOR: &str = "trust_anchor";
/// What CloudHSM reports about the cluster: unknown in a plan that changes anything, since
/// the cluster may move on (INITIALIZED to ACTIVE, a new message) before the apply.
const STATUS_ATTRIBUTES: [&str; 3] = ["state", "state_message", "cluster_certificate"];

pub struct ClusterInitializationResource {
    context: Arc<ProviderContext>,
}

impl ClusterInitializationResource {
    pub fn new(context: Arc<ProviderContext>) -> Self {
        ClusterInitializationResource { context }
    }
}

pub fn resource_schema() -> Schema {
    Schema::new(Block {
        description: "Initializes (claims) an AWS CloudHSM v2 cluster with `InitializeCluster`: \
                      the cluster's CSR signed by your CA, and that CA's self-signed root \
                      certificate as the trust anchor. Apply waits until the cluster is \
                      `INITIALIZED`. Destroying this resource only removes it from the \
                      Terraform state: a cluster cannot be un-initialized."
            .to_string(),
        attributes: vec![
            Attribute::string("id")
                .computed()
                .description("The cluster id (same as `cluster_id`)."),
            Attribute::string(CLUSTER_ID).required().description(
                "Id of the cluster to initialize, e.g. \
                 `aws_cloudhsm_v2_cluster.this.cluster_id` (pattern \
                 `cluster-[2-7a-zA-Z]{11,16}`). Changing it replaces this resource.",
            ),
            Attribute::string(SIGNED_CERT).required().description(
                "The cluster certificate in PEM form: the cluster's CSR (from the \
                 `cloudhsm_cluster` data source) signed by the trust anchor, e.g. \
                 `tls_locally_signed_cert.cluster.cert_pem` or `file(\"cluster.crt\")`. \
                 Exactly one certificate, at most 5000 characters. Text around the PEM block \
                 (such as `Bag Attributes` lines) is ignored: CloudHSM receives the PEM block \
                 alone. Differences in PEM formatting only (line endings, trailing newline) \
                 are not a change. It cannot be changed once the cluster is initialized.",
            ),
            Attribute::string(TRUST_ANCHOR).required().description(
                "The self-signed root CA certificate (PEM) that issued `signed_cert`, e.g. \
                 `tls_self_signed_cert.ca.cert_pem` or `file(\"customerCA.crt\")`. Exactly one \
                 certificate, at most 5000 characters. It cannot be changed once the cluster \
                 is initialized (after an import it may be set, once shown to have issued the \
                 cluster's certificate).",
            ),
            Attribute::string("state").computed().description(
                "The cluster's state as CloudHSM reports it: `INITIALIZED` after this \
                 resource's apply, `ACTIVE` once a crypto officer activated the cluster.",
            ),
            Attribute::string("state_message")
                .computed()
                .description("CloudHSM's message about the cluster's state, if any."),
            Attribute::string("cluster_certificate").computed().description(
                "The cluster certificate as CloudHSM reports it (`Certificates.ClusterCertificate`) \
                 after initialization.",
            ),
            // Optional+computed: Terraform 1.0's plan code crashes on a null nested
            // attribute that is only optional (objchange.proposedNewNestedType); as
            // optional+computed it is copied instead of walked. Plan keeps it equal to the
            // configuration, so it behaves as a plain optional attribute.
            common::timeouts_attribute(&TIMEOUT_OPERATIONS),
        ],
        ..Default::default()
    })
}

/// The three user inputs, as read from a configuration, a plan or a state.
struct Inputs {
    cluster_id: Field<String>,
    signed_cert: Field<String>,
    trust_anchor: Field<String>,
}

impl Inputs {
    fn read(object: &Value) -> Result<Inputs, Diagnostics> {
        let r = ObjectReader::new(object, AttributePath::root())?;
        Ok(Inputs {
            cluster_id: r.get(CLUSTER_ID)?,
            signed_cert: r.get(SIGNED_CERT)?,
            trust_anchor: r.get(TRUST_ANCHOR)?,
        })
    }
}

fn attr(name: &str) -> AttributePath {
    AttributePath::attr(name)
}

/// A certificate problem as an error on the attribute at fault.
fn cert_diagnostic(err: &CertError, fallback: &str) -> Diagnostic {
    let attribute = match err.role() {
        Some(CertRole::TrustAnchor) => TRUST_ANCHOR,
        Some(CertRole::SignedCertificate) => SIGNED_CERT,
        None => fallback,
    };
    Diagnostic::error(err.short(), err.to_string()).at(attr(attribute))
}

/// When validity windows are checked: at `now` (creating), or not at all (existing
/// resources, whose certificates may expire without anything to do about it).
#[derive(Clone, Copy)]
enum Validity {
    At(i64),
    Ignore,
}

/// Parses the known PEM values and checks them against each other. Returns the parsed
/// certificates (when they parse) and one error per problem, on the attribute at fault.
fn check_certificates(
    signed_cert: Option<&str>,
    trust_anchor: Option<&str>,
    validity: Validity,
) -> (Option<Certificate>, Option<Certificate>, Diagnostics) {
    let mut diags = Diagnostics::new();
    let signed = signed_cert.and_then(|pem| match certs::parse_certificate_pem(pem) {
        Ok(c) => Some(c),
        Err(e) => {
            diags.push(cert_diagnostic(&e, SIGNED_CERT));
            None
        }
    });
    let anchor = trust_anchor.and_then(|pem| match certs::parse_certificate_pem(pem) {
        Ok(c) => Some(c),
        Err(e) => {
            diags.push(cert_diagnostic(&e, TRUST_ANCHOR));
            None
        }
    });
    let mut anchor_ok = false;
    if let Some(a) = &anchor {
        let now = match validity {
            Validity::At(now) => now,
            Validity::Ignore => a.not_before_unix,
        };
        match certs::check_trust_anchor(a, now) {
            Ok(()) => anchor_ok = true,
            Err(e) => diags.push(cert_diagnostic(&e, TRUST_ANCHOR)),
        }
    }
    if let (Some(s), Some(a), true) = (&signed, &anchor, anchor_ok) {
        let now = match validity {
            Validity::At(now) => now,
            Validity::Ignore => s.not_before_unix,
        };
        if let Err(e) = certs::check_issued_by(s, a, now) {
            diags.push(cert_diagnostic(&e, SIGNED_CERT));
        }
    }
    (signed, anchor, diags)
}

/// True when both PEM values hold a certificate and the certificates differ. A value that
/// does not parse as one certificate is not taken as proof of a difference.
fn certificates_differ(a: &str, b: &str) -> bool {
    match (
        certs::parse_certificate_pem(a),
        certs::parse_certificate_pem(b),
    ) {
        (Ok(a), Ok(b)) => a.der != b.der,
        _ => false,
    }
}

fn initialized_with_other_certificate(cluster: &Cluster) -> Diagnostic {
    Diagnostic::error(
        "Cluster is already initialized with another certificate",
        format!(
            "Cluster {} is {} and its cluster certificate is not the one in signed_cert. A \
             cluster is initialized once; CloudHSM cannot replace its certificate. Set \
             signed_cert (and trust_anchor) to the certificates the cluster was initialized \
             with, or import the cluster (terraform import {TYPE_NAME}.<name> {}) to see its \
             certificate, or use a new cluster.",
            cluster.id, cluster.state, cluster.id
        ),
    )
    .at(attr(SIGNED_CERT))
}

/// A failed or impossible initialization as a diagnostic on the attribute at fault.
fn initialize_diagnostic(err: &InitializeError, cluster_id: &str) -> Diagnostic {
    match err {
        InitializeError::NotFound => crate::aws_diagnostics::cluster_not_found(cluster_id),
        InitializeError::Deleted(c) => Diagnostic::error(
            "Cluster is deleted",
            format!(
                "Cluster {cluster_id} is {}, so it cannot be initialized. Point cluster_id at \
                 an existing cluster (for example aws_cloudhsm_v2_cluster.this.cluster_id).",
                c.state
            ),
        )
        .at(attr(CLUSTER_ID)),
        InitializeError::NoHsm(_) => Diagnostic::error(
            "Cluster has no HSM yet",
            format!(
                "Cluster {cluster_id} is UNINITIALIZED but has no certificate signing request \
                 (CSR): the cluster has no HSM yet, and CloudHSM makes the CSR when the first \
                 HSM is created. Create an HSM in the cluster (resource aws_cloudhsm_v2_hsm) \
                 and make this resource depend on it (take the CSR from the cloudhsm_cluster \
                 data source, or use depends_on), then sign that CSR and pass the certificate \
                 as signed_cert."
            ),
        )
        .at(attr(CLUSTER_ID)),
        InitializeError::CsrUnreadable(_, e) => Diagnostic::error(
            "Cannot read the cluster's CSR",
            format!(
                "CloudHSM returned a CSR for cluster {cluster_id} that the provider cannot \
                 read ({e}), so it cannot check signed_cert against it. Report this to the \
                 provider's maintainers."
            ),
        ),
        InitializeError::CsrMismatch(_, e) => {
            let mut d = cert_diagnostic(e, SIGNED_CERT);
            d.detail = format!("Cluster {cluster_id}: {}", d.detail);
            d
        }
        InitializeError::OtherCertificate(c) => initialized_with_other_certificate(c),
        InitializeError::Describe(e) => {
            crate::aws_diagnostics::api_diagnostic(e, cluster_id, "reading the cluster")
        }
        InitializeError::Refused(e, _) => {
            crate::aws_diagnostics::api_diagnostic(e, cluster_id, "initializing the cluster")
        }
        InitializeError::Wait {
            error,
            accepted: true,
        } => crate::aws_diagnostics::wait_diagnostic(
            error,
            cluster_id,
            "waiting for the cluster to be initialized",
        ),
        InitializeError::Wait {
            error,
            accepted: false,
        } => crate::aws_diagnostics::wait_diagnostic(
            error,
            cluster_id,
            "waiting for the cluster to be ready for initialization",
        ),
    }
}

/// The state object for `cluster`.
fn state_value(
    cluster_id: &str,
    signed_cert: Value,
    trust_anchor: Value,
    cluster: &Cluster,
    timeouts: Value,
) -> Value {
    ObjectBuilder::new()
        .set("id", cluster_id)
        .set(CLUSTER_ID, cluster_id)
        .set(SIGNED_CERT, signed_cert)
        .set(TRUST_ANCHOR, trust_anchor)
        .set("state", cluster.state.as_str())
        .set("state_message", cluster.state_message.clone())
        .set(
            "cluster_certificate",
            cluster.certificates.cluster_certificate.clone(),
        )
        .set("timeouts", timeouts)
        .build()
}

/// `object` with some attributes replaced.
fn with_attributes(object: &Value, changes: Vec<(&str, Value)>) -> Value {
    let mut out = match object {
        Value::Object(m) => m.clone(),
        _ => Default::default(),
    };
    for (name, value) in changes {
        out.insert(name.to_string(), value);
    }
    Value::Object(out)
}

/// `object` with the status attributes unknown.
fn with_status_unknown(object: &Value) -> Value {
    with_attributes(
        object,
        STATUS_ATTRIBUTES
            .iter()
            .map(|name| (*name, Value::unknown()))
            .collect(),
    )
}

/// The destroy warning for the resource whose state is `prior`.
fn destroy_warning_for(prior: &Value) -> Diagnostics {
    let cluster_id = prior
        .get(CLUSTER_ID)
        .and_then(Value::as_str)
        .unwrap_or("(unknown)");
    destroy_warning(cluster_id).into()
}

fn destroy_warning(cluster_id: &str) -> Diagnostic {
    Diagnostic::warning(
        "The cluster stays initialized",
        format!(
            "Destroying {TYPE_NAME} makes no API call: CloudHSM cannot un-initialize a cluster, \
             so cluster {cluster_id} keeps its certificate, HSMs and keys. Only Terraform's \
             record is dropped. To manage it again, import it (terraform import \
             {TYPE_NAME}.<name> {cluster_id}); to remove it, delete the cluster itself."
        ),
    )
}

fn known_or_error(field: &Field<String>, name: &str) -> Result<String, Diagnostic> {
    match field {
        Field::Known(s) => Ok(s.clone()),
        Field::Unknown => Err(Diagnostic::error(
            "Value not known at apply",
            format!(
                "{name} is still unknown while applying. This is a bug in Terraform or in the \
                 provider; please report it."
            ),
        )
        .at(attr(name))),
        Field::Null => Err(Diagnostic::error(
            "Missing value",
            format!("{name} is required; set it in the configuration."),
        )
        .at(attr(name))),
    }
}

fn apply_error(state: Value, diags: impl Into<Diagnostics>) -> ApplyResponse {
    ApplyResponse {
        new_state: state,
        diagnostics: diags.into(),
        ..Default::default()
    }
}

impl ClusterInitializationResource {
    async fn plan_create(&self, proposed: Value) -> PlanResponse {
        let mut diags = Diagnostics::new();
        let inputs = match Inputs::read(&proposed) {
            Ok(i) => i,
            Err(d) => {
                return PlanResponse {
                    planned_state: proposed,
                    diagnostics: d,
                    ..Default::default()
                }
            }
        };
        let (signed, _anchor, cert_diags) = check_certificates(
            inputs.signed_cert.known().map(String::as_str),
            inputs.trust_anchor.known().map(String::as_str),
            Validity::At(certs::now_unix()),
        );
        diags.append(cert_diags);
        if let Some(cluster_id) = inputs
            .cluster_id
            .known()
            .filter(|id| crate::cluster_id::is_cluster_id(id))
        {
            let read = self
                .context
                .read_at_plan(
                    cluster_id,
                    "checking the cluster for its initialization",
                    &mut diags,
                )
                .await;
            match read {
                PlanRead::Found(cluster) => {
                    if let Err(e) = next_init_step(&cluster, signed.as_ref(), false) {
                        diags.push(initialize_diagnostic(&e, cluster_id));
                    }
                }
                PlanRead::NotFound => {
                    diags.push(crate::aws_diagnostics::cluster_not_found(cluster_id))
                }
                PlanRead::Unavailable => {}
            }
        }
        let id = match &inputs.cluster_id {
            Field::Known(id) => Value::string(id.clone()),
            _ => Value::unknown(),
        };
        let planned_state = with_attributes(&with_status_unknown(&proposed), vec![("id", id)]);
        PlanResponse {
            planned_state,
            diagnostics: diags,
            ..Default::default()
        }
    }

    fn plan_update(&self, prior: Value, proposed: Value) -> PlanResponse {
        let read = Inputs::read(&prior).and_then(|p| Ok((p, Inputs::read(&proposed)?)));
        let (old, new) = match read {
            Ok(pair) => pair,
            Err(d) => {
                return PlanResponse {
                    planned_state: proposed,
                    diagnostics: d,
                    ..Default::default()
                }
            }
        };
        let cluster_label = old.cluster_id.known().cloned().unwrap_or_default();
        if new.cluster_id != old.cluster_id {
            // Another cluster: a new resource. Terraform plans the create half with a null
            // prior state, where every check of a create runs.
            let planned_state = with_attributes(
                &with_status_unknown(&proposed),
                vec![("id", Value::unknown())],
            );
            return PlanResponse {
                planned_state,
                requires_replace: vec![attr(CLUSTER_ID)],
                ..Default::default()
            };
        }
        let mut diags = Diagnostics::new();
        let signed_cert = match (&old.signed_cert, &new.signed_cert) {
            (Field::Known(p), Field::Known(n)) if p == n || certs::same_certificate(p, n) => {
                Value::string(p.clone())
            }
            (Field::Known(p), Field::Known(n)) => {
                diags.push(certificate_change(&cluster_label, SIGNED_CERT, p, n));
                Value::string(n.clone())
            }
            (_, Field::Known(n)) => Value::string(n.clone()),
            (_, Field::Unknown) => Value::unknown(),
            (_, Field::Null) => Value::Null,
        };
        let trust_anchor = match (&old.trust_anchor, &new.trust_anchor) {
            (Field::Known(p), Field::Known(n)) if p == n || certs::same_certificate(p, n) => {
                Value::string(p.clone())
            }
            (Field::Known(p), Field::Known(n)) => {
                diags.push(certificate_change(&cluster_label, TRUST_ANCHOR, p, n));
                Value::string(n.clone())
            }
            (_, Field::Known(n)) => {
                // After an import: accepted once it is shown to have issued the certificate.
                if let Some(signed) = signed_cert.as_str() {
                    diags.append(anchor_for_existing(&cluster_label, signed, n));
                }
                Value::string(n.clone())
            }
            (_, Field::Unknown) => Value::unknown(),
            (_, Field::Null) => Value::Null,
        };
        let keep = |name: &str| prior.get(name).cloned().unwrap_or(Value::Null);
        let mut planned_state = with_attributes(
            &proposed,
            vec![
                (SIGNED_CERT, signed_cert),
                (TRUST_ANCHOR, trust_anchor),
                ("id", keep("id")),
                ("state", keep("state")),
                ("state_message", keep("state_message")),
                ("cluster_certificate", keep("cluster_certificate")),
            ],
        );
        if planned_state != prior {
            // An apply will happen: it reports the cluster as it is then.
            planned_state = with_status_unknown(&planned_state);
        }
        PlanResponse {
            planned_state,
            diagnostics: diags,
            ..Default::default()
        }
    }

    async fn apply_create(&self, planned: &Value) -> ApplyResponse {
        let inputs = match Inputs::read(planned) {
            Ok(i) => i,
            Err(d) => return apply_error(Value::Null, d),
        };
        let known = (|| {
            Ok::<_, Diagnostic>((
                known_or_error(&inputs.cluster_id, CLUSTER_ID)?,
                known_or_error(&inputs.signed_cert, SIGNED_CERT)?,
                known_or_error(&inputs.trust_anchor, TRUST_ANCHOR)?,
            ))
        })();
        let (cluster_id, signed_pem, anchor_pem) = match known {
            Ok(k) => k,
            Err(d) => return apply_error(Value::Null, d),
        };
        let timeouts = planned.get("timeouts").cloned().unwrap_or(Value::Null);
        let timeout = match common::timeout(planned, "create", DEFAULT_CREATE_TIMEOUT) {
            Ok(t) => t,
            Err(d) => return apply_error(Value::Null, d),
        };
        // The state keeps the user's text; CloudHSM gets the parsed, canonical PEM.
        let state_for = |cluster: &Cluster| {
            state_value(
                &cluster_id,
                Value::string(signed_pem.clone()),
                Value::string(anchor_pem.clone()),
                cluster,
                timeouts.clone(),
            )
        };

        // Every certificate check before any call that changes anything.
        let (signed, anchor, diags) = check_certificates(
            Some(&signed_pem),
            Some(&anchor_pem),
            Validity::At(certs::now_unix()),
        );
        let (signed, anchor) = match (signed, anchor) {
            (Some(s), Some(a)) if !diags.has_errors() => (s, a),
            _ => return apply_error(Value::Null, diags),
        };
        let client = match self.context.client().await {
            Ok(c) => c,
            Err(d) => return apply_error(Value::Null, d),
        };
        match client
            .initialize_and_wait(&cluster_id, &signed, &anchor, timeout)
            .await
        {
            Ok(done) => ApplyResponse {
                new_state: state_for(&done.cluster),
                ..Default::default()
            },
            Err(err) => {
                let diag = initialize_diagnostic(&err, &cluster_id);
                match &err {
                    // The initialization runs (or ran) in CloudHSM: Terraform keeps this state
                    // (tainted) and a re-run adopts the cluster instead of calling again.
                    InitializeError::Wait {
                        error,
                        accepted: true,
                    } => {
                        let last = error.last_seen().cloned().unwrap_or_else(|| Cluster {
                            id: cluster_id.clone(),
                            state: ClusterState::InitializeInProgress,
                            ..Default::default()
                        });
                        apply_error(state_for(&last), diag)
                    }
                    _ => apply_error(Value::Null, diag),
                }
            }
        }
    }

    /// An update changes only Terraform's record (the inputs are checked against the
    /// cluster's initialization, which cannot change); the status attributes are read anew.
    async fn apply_update(&self, prior: &Value, planned: Value) -> ApplyResponse {
        let read = Inputs::read(prior).and_then(|p| Ok((p, Inputs::read(&planned)?)));
        let (old, new) = match read {
            Ok(pair) => pair,
            Err(d) => return apply_error(prior.clone(), d),
        };
        let label = old.cluster_id.known().cloned().unwrap_or_default();
        let mut diags = Diagnostics::new();
        if let (Field::Known(p), Field::Known(n)) = (&old.signed_cert, &new.signed_cert) {
            if p != n && !certs::same_certificate(p, n) {
                diags.push(certificate_change(&label, SIGNED_CERT, p, n));
            }
        }
        match (&old.trust_anchor, &new.trust_anchor) {
            (Field::Known(p), Field::Known(n)) if p != n && !certs::same_certificate(p, n) => {
                diags.push(certificate_change(&label, TRUST_ANCHOR, p, n));
            }
            (Field::Known(_), Field::Known(_)) => {}
            (_, Field::Known(n)) => {
                if let Some(signed) = new.signed_cert.known() {
                    diags.append(anchor_for_existing(&label, signed, n));
                }
            }
            _ => {}
        }
        if diags.has_errors() {
            return apply_error(prior.clone(), diags);
        }
        let client = match self.context.client().await {
            Ok(c) => c,
            Err(d) => return apply_error(prior.clone(), d),
        };
        match client.describe(&label).await {
            Ok(Some(cluster)) => {
                let status: Vec<(&str, Value)> = vec![
                    ("state", Value::string(cluster.state.as_str())),
                    ("state_message", cluster.state_message.clone().into_value()),
                    (
                        "cluster_certificate",
                        cluster
                            .certificates
                            .cluster_certificate
                            .clone()
                            .into_value(),
                    ),
                ];
                ApplyResponse {
                    new_state: with_attributes(&planned, status),
                    ..Default::default()
                }
            }
            Ok(None) => apply_error(
                prior.clone(),
                crate::aws_diagnostics::cluster_not_found(&label),
            ),
            Err(e) => apply_error(
                prior.clone(),
                crate::aws_diagnostics::api_diagnostic(&e, &label, "reading the cluster"),
            ),
        }
    }
}

/// The plan error for a changed certificate of an initialized cluster.
fn certificate_change(cluster_id: &str, attribute: &str, old: &str, new: &str) -> Diagnostic {
    let describe = |pem: &str| match certs::parse_certificate_pem(pem) {
        Ok(c) => format!("subject \"{}\"", c.subject),
        Err(e) => e.short().to_lowercase(),
    };
    Diagnostic::error(
        "Cannot change the certificates of an initialized cluster",
        format!(
            "Cluster {cluster_id} was initialized with the {attribute} in the state ({}), and the \
             configuration now gives another one ({}). CloudHSM initializes a cluster once and \
             cannot replace its {}. Options: restore the previous value in the configuration; \
             or, if the cluster was re-initialized outside Terraform, run `terraform state rm` \
             for this resource and import it again; or create a new cluster (destroying a \
             cluster destroys its keys) and initialize that one.",
            describe(old),
            describe(new),
            if attribute == SIGNED_CERT {
                "cluster certificate"
            } else {
                "trust anchor"
            }
        ),
    )
    .at(attr(attribute))
}

/// Checks a trust anchor set for an existing (imported) cluster: it must be a self-signed
/// root that issued the cluster's certificate. Validity windows are not checked here.
fn anchor_for_existing(cluster_id: &str, signed_pem: &str, anchor_pem: &str) -> Diagnostics {
    let (_s, _a, diags) = check_certificates(Some(signed_pem), Some(anchor_pem), Validity::Ignore);
    diags
        .into_iter()
        .map(|mut d| {
            if d.attribute == Some(attr(SIGNED_CERT)) {
                // The signed certificate is the cluster's own: the anchor is what is wrong.
                d.attribute = Some(attr(TRUST_ANCHOR));
                d.detail = format!(
                    "Cluster {cluster_id}: the trust anchor must be the CA certificate that issued \
                     the cluster's certificate. {}",
                    d.detail
                );
            }
            d
        })
        .collect()
}

#[async_trait]
impl Resource for ClusterInitializationResource {
    fn type_name(&self) -> &'static str {
        TYPE_NAME
    }

    fn schema(&self) -> Schema {
        resource_schema()
    }

    async fn validate(&self, config: &Value) -> Diagnostics {
        let inputs = match Inputs::read(config) {
            Ok(i) => i,
            Err(d) => return d,
        };
        let mut diags = crate::cluster_id::validate_cluster_id(&inputs.cluster_id, CLUSTER_ID);
        diags.append(common::validate_timeouts(config, &TIMEOUT_OPERATIONS));
        let (_s, _a, cert_diags) = check_certificates(
            inputs.signed_cert.known().map(String::as_str),
            inputs.trust_anchor.known().map(String::as_str),
            Validity::Ignore,
        );
        diags.append(cert_diags);
        diags
    }

    async fn plan(&self, request: PlanRequest) -> PlanResponse {
        if request.proposed_new_state.is_null() {
            return PlanResponse {
                planned_state: Value::Null,
                diagnostics: destroy_warning_for(&request.prior_state),
                ..Default::default()
            };
        }
        // `timeouts` is what the configuration says (it is computed only for Terraform 1.0).
        let timeouts = request
            .config
            .get("timeouts")
            .cloned()
            .unwrap_or(Value::Null);
        let proposed = with_attributes(&request.proposed_new_state, vec![("timeouts", timeouts)]);
        if request.prior_state.is_null() {
            self.plan_create(proposed).await
        } else {
            self.plan_update(request.prior_state, proposed)
        }
    }

    async fn apply(&self, request: ApplyRequest) -> ApplyResponse {
        if request.planned_state.is_null() {
            return ApplyResponse {
                new_state: Value::Null,
                diagnostics: destroy_warning_for(&request.prior_state),
                ..Default::default()
            };
        }
        if request.prior_state.is_null() {
            self.apply_create(&request.planned_state).await
        } else {
            self.apply_update(&request.prior_state, request.planned_state)
                .await
        }
    }

    async fn read(&self, request: ReadRequest) -> ReadResponse {
        let current = request.current_state;
        let keep = |current: Value, diags: Diagnostics| ReadResponse {
            new_state: current,
            diagnostics: diags,
            ..Default::default()
        };
        if current.is_null() {
            return keep(current, Diagnostics::new());
        }
        let inputs = match Inputs::read(&current) {
            Ok(i) => i,
            Err(d) => return keep(current, d),
        };
        let Some(cluster_id) = inputs.cluster_id.known().cloned() else {
            return keep(
                current,
                Diagnostic::error(
                    "No cluster id in state",
                    "The state of this resource has no cluster_id, so the provider cannot read \
                     the cluster. Remove it with `terraform state rm` and import the cluster.",
                )
                .into(),
            );
        };
        let client = match self.context.client().await {
            Ok(c) => c,
            Err(d) => return keep(current, d),
        };
        let cluster = match client.describe(&cluster_id).await {
            Ok(Some(c)) => c,
            Ok(None) => {
                tracing::info!(cluster_id, "cluster is gone; removing it from state");
                return keep(Value::Null, Diagnostics::new());
            }
            Err(e) => {
                return keep(
                    current,
                    crate::aws_diagnostics::api_diagnostic(&e, &cluster_id, "reading the cluster")
                        .into(),
                )
            }
        };
        // Only a cluster that shows it is not initialized (or is gone) leaves the state; a
        // busy or degraded one without a certificate in view is kept as it was recorded.
        let proven_uninitialized = cluster.initialization() == Initialization::NotYet
            && matches!(
                cluster.state,
                ClusterState::Uninitialized | ClusterState::CreateInProgress
            );
        if cluster.is_gone() || proven_uninitialized {
            tracing::info!(cluster_id, state = %cluster.state, "cluster is not initialized; removing it from state");
            return keep(Value::Null, Diagnostics::new());
        }
        let reported = cluster.certificates.cluster_certificate.clone();
        let signed_cert = match (&inputs.signed_cert, &reported) {
            (Field::Known(mine), Some(theirs)) if certificates_differ(mine, theirs) => {
                // Re-initialized out of band: show the certificate it has now.
                Value::string(theirs.clone())
            }
            (Field::Known(mine), _) => Value::string(mine.clone()),
            (_, Some(theirs)) => Value::string(theirs.clone()),
            (_, None) => Value::Null,
        };
        let trust_anchor = current.get(TRUST_ANCHOR).cloned().unwrap_or(Value::Null);
        let timeouts = current.get("timeouts").cloned().unwrap_or(Value::Null);
        let mut state = state_value(&cluster_id, signed_cert, trust_anchor, &cluster, timeouts);
        if reported.is_none() {
            // Not in view right now (busy or degraded): keep the recorded certificate.
            let recorded = current
                .get("cluster_certificate")
                .cloned()
                .unwrap_or(Value::Null);
            state = with_attributes(&state, vec![("cluster_certificate", recorded)]);
        }
        keep(state, Diagnostics::new())
    }

    async fn import(&self, id: &str) -> ImportResponse {
        let id = id.trim();
        if !crate::cluster_id::is_cluster_id(id) {
            return ImportResponse {
                diagnostics: crate::cluster_id::cluster_id_diagnostic(id, CLUSTER_ID).into(),
                ..Default::default()
            };
        }
        // A clear word for the clusters that have nothing to import; other failures are left
        // to the read that follows.
        if let Ok(client) = self.context.client().await {
            if let Ok(Some(cluster)) = client.describe(id).await {
                if cluster.initialization() == Initialization::NotYet {
                    return ImportResponse {
                        diagnostics: Diagnostic::error(
                            "Cluster is not initialized",
                            format!(
                                "Cluster {id} is {} without a cluster certificate: there is no \
                                 initialization to import. Remove the import and let \
                                 `terraform apply` initialize it with this resource.",
                                cluster.state
                            ),
                        )
                        .into(),
                        ..Default::default()
                    };
                }
            }
        }
        let state = ObjectBuilder::new()
            .set("id", id)
            .set(CLUSTER_ID, id)
            .set(SIGNED_CERT, Value::Null)
            .set(TRUST_ANCHOR, Value::Null)
            .set("state", Value::Null)
            .set("state_message", Value::Null)
            .set("cluster_certificate", Value::Null)
            .set("timeouts", Value::Null)
            .build();
        ImportResponse {
            states: vec![state],
            ..Default::default()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cloudhsm::{Backoff, ClientSettings, CloudHsm};
    use crate::stop::StopSignal;
    use cloudhsm_emulator::{ClusterSpec, Control, Emulator, EmulatorConfig, Timings};
    use rcgen::{
        date_time_ymd, BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa,
        Issuer, KeyPair, SubjectPublicKeyInfo, PKCS_ECDSA_P256_SHA256,
    };

    // ---- certificates made in the test -------------------------------------------------

    struct Ca {
        params: CertificateParams,
        key: KeyPair,
        pem: String,
    }

    impl Ca {
        fn issuer(&self) -> Issuer<'_, &KeyPair> {
            Issuer::from_params(&self.params, &self.key)
        }
    }

    fn dn(cn: &str) -> DistinguishedName {
        let mut dn = DistinguishedName::new();
        dn.push(DnType::CommonName, cn);
        dn
    }

    fn ca_params(cn: &str) -> CertificateParams {
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.distinguished_name = dn(cn);
        p.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        p.not_before = date_time_ymd(2020, 1, 1);
        p.not_after = date_time_ymd(2045, 1, 1);
        p
    }

    fn root_ca(cn: &str) -> Ca {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        let params = ca_params(cn);
        let pem = params.self_signed(&key).unwrap().pem();
        Ca { params, key, pem }
    }

    /// A CA issued by `parent` (so not self-signed).
    fn intermediate_ca(cn: &str, parent: &Ca) -> Ca {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        let params = ca_params(cn);
        let pem = params.signed_by(&key, &parent.issuer()).unwrap().pem();
        Ca { params, key, pem }
    }

    /// A certificate for the public key of `csr_pem`, issued by `ca`, valid in `years`.
    fn sign(csr_pem: &str, ca: &Ca, years: (i32, i32)) -> String {
        let csr = certs::parse_csr_pem(csr_pem).unwrap();
        let spki = SubjectPublicKeyInfo::from_der(&csr.public_key_der).unwrap();
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.distinguished_name = dn("HSM:cluster:PARTN:0");
        p.not_before = date_time_ymd(years.0, 1, 1);
        p.not_after = date_time_ymd(years.1, 1, 1);
        p.signed_by(&spki, &ca.issuer()).unwrap().pem()
    }

    fn some_csr() -> String {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        let mut p = CertificateParams::new(Vec::<String>::new()).unwrap();
        p.distinguished_name = dn("HSM:cluster-abcdefghijk:PARTN:0");
        p.serialize_request(&key).unwrap().pem().unwrap()
    }

    /// What Terraform checks after apply: every value known in the plan comes back unchanged.
    fn assert_known_values_kept(planned: &Value, applied: &Value) {
        let (Value::Object(p), Value::Object(a)) = (planned, applied) else {
            panic!("objects expected: {planned:?} {applied:?}");
        };
        for (name, value) in p {
            if !value.is_unknown() {
                assert_eq!(a.get(name), Some(value), "{name}");
            }
        }
    }

    fn only_error_at(d: &Diagnostics, attribute: &str) -> Diagnostic {
        let errors: Vec<&Diagnostic> = d.errors().collect();
        assert_eq!(errors.len(), 1, "{d:?}");
        assert_eq!(errors[0].attribute, Some(attr(attribute)), "{d:?}");
        errors[0].clone()
    }

    #[test]
    fn certificate_checks_point_at_the_attribute_at_fault() {
        let now = certs::now_unix();
        let ca = root_ca("Example Root CA");
        let csr = some_csr();
        let good = sign(&csr, &ca, (2024, 2040));

        let (s, a, d) = check_certificates(Some(&good), Some(&ca.pem), Validity::At(now));
        assert!(d.is_empty(), "{d:?}");
        assert!(s.is_some() && a.is_some());

        // issued by another CA with the same name: the signature check catches it
        let impostor = root_ca("Example Root CA");
        let (_, _, d) = check_certificates(
            Some(&sign(&csr, &impostor, (2024, 2040))),
            Some(&ca.pem),
            Validity::At(now),
        );
        let e = only_error_at(&d, SIGNED_CERT);
        assert_eq!(e.summary, "Certificate not issued by the trust anchor");

        // an anchor that is not self-signed
        let inter = intermediate_ca("Example Intermediate", &ca);
        let (_, _, d) = check_certificates(
            Some(&sign(&csr, &inter, (2024, 2040))),
            Some(&inter.pem),
            Validity::At(now),
        );
        let e = only_error_at(&d, TRUST_ANCHOR);
        assert_eq!(e.summary, "Trust anchor is not self-signed");
        assert!(e.detail.contains("Example Intermediate"), "{}", e.detail);

        // expired: an error when creating, ignored for existing resources
        let expired = sign(&csr, &ca, (2020, 2021));
        let (_, _, d) = check_certificates(Some(&expired), Some(&ca.pem), Validity::At(now));
        assert_eq!(
            only_error_at(&d, SIGNED_CERT).summary,
            "Certificate has expired"
        );
        let (_, _, d) = check_certificates(Some(&expired), Some(&ca.pem), Validity::Ignore);
        assert!(d.is_empty(), "{d:?}");

        // two certificates in one value, garbage, oversize: each on its own attribute
        let chain = format!("{good}{}", ca.pem);
        let (_, _, d) = check_certificates(Some(&chain), Some(&ca.pem), Validity::At(now));
        assert_eq!(
            only_error_at(&d, SIGNED_CERT).summary,
            "More than one certificate"
        );
        let (_, _, d) = check_certificates(Some(&good), Some("garbage"), Validity::At(now));
        assert_eq!(
            only_error_at(&d, TRUST_ANCHOR).summary,
            "Not a PEM certificate"
        );
        let big = format!("{}\n{good}", "#".repeat(6000));
        let (_, _, d) = check_certificates(Some(&big), Some(&ca.pem), Validity::At(now));
        assert_eq!(
            only_error_at(&d, SIGNED_CERT).summary,
            "Certificate is too long"
        );

        // unknown values are not checked
        let (_, _, d) = check_certificates(None, Some(&ca.pem), Validity::At(now));
        assert!(d.is_empty());
    }

    #[test]
    fn schema_is_valid_and_described() {
        let s = resource_schema();
        s.check().expect("schema");
        for a in &s.block.attributes {
            assert!(!a.description.is_empty(), "{} has no description", a.name);
        }
        let cid = s.attribute(&attr(CLUSTER_ID)).unwrap();
        assert!(cid.required);
    }

    // ---- against the emulator ----------------------------------------------------------

    struct Fixture {
        _emulator: Emulator,
        control: Control,
        resource: ClusterInitializationResource,
        context: Arc<ProviderContext>,
    }

    async fn fixture(timings: Timings) -> Fixture {
        let emulator = Emulator::start_with(EmulatorConfig {
            timings,
            ..Default::default()
        })
        .await
        .unwrap();
        let settings = ClientSettings {
            region: Some("us-east-1".into()),
            access_key: Some("AKIDEXAMPLETEST".into()),
            secret_key: Some("test-secret".into()),
            endpoint: Some(emulator.endpoint_url()),
            max_retries: Some(2),
            ..Default::default()
        };
        let stop = StopSignal::new();
        let client = CloudHsm::connect(&settings, stop.clone())
            .await
            .unwrap()
            .with_backoff(Backoff {
                first: Duration::from_millis(20),
                factor: 1.5,
                cap: Duration::from_millis(200),
            });
        let context = ProviderContext::with_client(client, stop);
        Fixture {
            control: emulator.control(),
            _emulator: emulator,
            resource: ClusterInitializationResource::new(context.clone()),
            context,
        }
    }

    fn config(cluster_id: &str, signed: Value, anchor: Value, timeout: Option<&str>) -> Value {
        ObjectBuilder::new()
            .set("id", Value::Null)
            .set(CLUSTER_ID, cluster_id)
            .set(SIGNED_CERT, signed)
            .set(TRUST_ANCHOR, anchor)
            .set("state", Value::Null)
            .set("state_message", Value::Null)
            .set("cluster_certificate", Value::Null)
            .set(
                "timeouts",
                match timeout {
                    Some(t) => ObjectBuilder::new().set("create", t).build(),
                    None => Value::Null,
                },
            )
            .build()
    }

    async fn plan(
        r: &ClusterInitializationResource,
        prior: Value,
        proposed: Value,
    ) -> PlanResponse {
        r.plan(PlanRequest {
            prior_state: prior,
            config: proposed.clone(),
            proposed_new_state: proposed,
            prior_private: vec![],
        })
        .await
    }

    async fn apply(
        r: &ClusterInitializationResource,
        prior: Value,
        planned: Value,
    ) -> ApplyResponse {
        r.apply(ApplyRequest {
            prior_state: prior,
            config: planned.clone(),
            planned_state: planned,
            planned_private: vec![],
        })
        .await
    }

    async fn read(r: &ClusterInitializationResource, state: Value) -> Value {
        let resp = r
            .read(ReadRequest {
                current_state: state,
                private: vec![],
            })
            .await;
        assert!(!resp.diagnostics.has_errors(), "{:?}", resp.diagnostics);
        resp.new_state
    }

    /// A seeded UNINITIALIZED cluster and certificates for its CSR.
    fn seeded(control: &Control) -> (String, String, String) {
        let id = control.seed_cluster(ClusterSpec::default());
        let csr = control.cluster_csr_pem(&id).unwrap();
        let m = cloudhsm_emulator::sign_csr(&csr).unwrap();
        (id, m.signed_cert_pem, m.trust_anchor_pem)
    }

    #[tokio::test]
    async fn create_plan_checks_the_cluster_before_any_change() {
        let f = fixture(Timings::instant()).await;
        let (id, cert, anchor) = seeded(&f.control);

        let p = plan(
            &f.resource,
            Value::Null,
            config(&id, Value::string(&cert), Value::string(&anchor), None),
        )
        .await;
        assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
        assert_eq!(p.planned_state.get("id"), Some(&Value::string(&id)));
        assert!(p.planned_state.get("state").unwrap().is_unknown());
        assert_eq!(
            p.planned_state.get(SIGNED_CERT),
            Some(&Value::string(&cert))
        );

        // a certificate for another cluster's key
        let (other, other_cert, other_anchor) = seeded(&f.control);
        let p = plan(
            &f.resource,
            Value::Null,
            config(
                &id,
                Value::string(&other_cert),
                Value::string(&other_anchor),
                None,
            ),
        )
        .await;
        let e = only_error_at(&p.diagnostics, SIGNED_CERT);
        assert_eq!(e.summary, "Certificate does not match the cluster's CSR");
        assert!(e.detail.contains(&id), "{}", e.detail);

        // no HSM, so no CSR: an error when the certificate is known, fine when it is not
        let bare = f.control.seed_cluster(ClusterSpec {
            with_hsm: false,
            ..Default::default()
        });
        let p = plan(
            &f.resource,
            Value::Null,
            config(&bare, Value::string(&cert), Value::string(&anchor), None),
        )
        .await;
        let e = only_error_at(&p.diagnostics, CLUSTER_ID);
        assert!(
            e.detail.contains("no HSM yet") && e.detail.contains("Create an HSM"),
            "{}",
            e.detail
        );
        let p = plan(
            &f.resource,
            Value::Null,
            config(&bare, Value::unknown(), Value::unknown(), None),
        )
        .await;
        assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);

        // unknown cluster
        let p = plan(
            &f.resource,
            Value::Null,
            config(
                "cluster-aaaaaaaaaaa",
                Value::string(&cert),
                Value::string(&anchor),
                None,
            ),
        )
        .await;
        assert_eq!(
            only_error_at(&p.diagnostics, CLUSTER_ID).summary,
            "Cluster not found"
        );

        // already initialized with this very certificate: adoptable; with another: an error
        f.control.set_state(&other, "INITIALIZED");
        let p = plan(
            &f.resource,
            Value::Null,
            config(&other, Value::string(&cert), Value::string(&anchor), None),
        )
        .await;
        assert_eq!(
            only_error_at(&p.diagnostics, SIGNED_CERT).summary,
            "Cluster is already initialized with another certificate"
        );
        assert_eq!(f.control.call_count("InitializeCluster"), 0);
    }

    #[tokio::test]
    async fn lifecycle_create_adopt_read_update_import_destroy() {
        let f = fixture(Timings::instant()).await;
        let (id, cert, anchor) = seeded(&f.control);
        let cfg = config(&id, Value::string(&cert), Value::string(&anchor), None);

        let planned = plan(&f.resource, Value::Null, cfg.clone())
            .await
            .planned_state;
        let created = apply(&f.resource, Value::Null, planned.clone()).await;
        assert!(created.diagnostics.is_empty(), "{:?}", created.diagnostics);
        assert_eq!(f.control.call_count("InitializeCluster"), 1);
        let state = created.new_state;
        assert_eq!(state.get("state"), Some(&Value::string("INITIALIZED")));
        assert_eq!(state.get(SIGNED_CERT), Some(&Value::string(&cert)));
        assert!(certs::same_certificate(
            state
                .get("cluster_certificate")
                .and_then(Value::as_str)
                .unwrap(),
            &cert
        ));

        // a second create (state lost, or a re-run) adopts: no second call
        let again = apply(&f.resource, Value::Null, planned).await;
        assert!(again.diagnostics.is_empty(), "{:?}", again.diagnostics);
        assert_eq!(f.control.call_count("InitializeCluster"), 1);

        // read keeps the user's string; CRLF formatting is no change in plan
        let state = read(&f.resource, state).await;
        assert_eq!(state.get(SIGNED_CERT), Some(&Value::string(&cert)));
        let crlf = config(
            &id,
            Value::string(cert.replace('\n', "\r\n")),
            Value::string(anchor.replace('\n', "\r\n")),
            None,
        );
        let p = plan(&f.resource, state.clone(), crlf).await;
        assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
        assert_eq!(
            p.planned_state, state,
            "formatting-only differences keep the prior values"
        );
        assert!(p.requires_replace.is_empty());

        // another certificate for the same key: the plan refuses, on signed_cert
        let other = sign(
            &f.control.cluster_csr_pem(&id).unwrap(),
            &root_ca("Other CA"),
            (2024, 2040),
        );
        let p = plan(
            &f.resource,
            state.clone(),
            config(&id, Value::string(&other), Value::string(&anchor), None),
        )
        .await;
        let e = only_error_at(&p.diagnostics, SIGNED_CERT);
        assert!(e.detail.contains("Options"), "{}", e.detail);

        // another cluster id: replacement
        let (id2, _, _) = seeded(&f.control);
        let p = plan(
            &f.resource,
            state.clone(),
            config(&id2, Value::string(&cert), Value::string(&anchor), None),
        )
        .await;
        assert_eq!(p.requires_replace, vec![attr(CLUSTER_ID)]);

        // import: id and cluster_id, then read fills signed_cert from ClusterCertificate
        let imported = f.resource.import(&id).await;
        assert!(
            imported.diagnostics.is_empty(),
            "{:?}",
            imported.diagnostics
        );
        let istate = read(&f.resource, imported.states[0].clone()).await;
        assert!(certs::same_certificate(
            istate.get(SIGNED_CERT).and_then(Value::as_str).unwrap(),
            &cert
        ));
        assert_eq!(istate.get(TRUST_ANCHOR), Some(&Value::Null));
        // config after import: signed_cert unchanged, trust_anchor accepted in place once it
        // is shown to have issued the certificate; a wrong one is refused on trust_anchor
        let p = plan(&f.resource, istate.clone(), cfg.clone()).await;
        assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
        assert_eq!(p.planned_state.get(SIGNED_CERT), istate.get(SIGNED_CERT));
        assert_eq!(
            p.planned_state.get(TRUST_ANCHOR),
            Some(&Value::string(&anchor))
        );
        let wrong = root_ca("Customer Root CA");
        let p2 = plan(
            &f.resource,
            istate.clone(),
            config(&id, Value::string(&cert), Value::string(&wrong.pem), None),
        )
        .await;
        let e = only_error_at(&p2.diagnostics, TRUST_ANCHOR);
        assert_eq!(e.summary, "Certificate not issued by the trust anchor");
        assert!(
            p.planned_state.get("state").is_some_and(Value::is_unknown),
            "an update reports the cluster as it is at apply"
        );
        let updated = apply(&f.resource, istate, p.planned_state.clone()).await;
        assert!(updated.diagnostics.is_empty(), "{:?}", updated.diagnostics);
        assert_known_values_kept(&p.planned_state, &updated.new_state);
        assert_eq!(
            updated.new_state.get("state"),
            Some(&Value::string("INITIALIZED"))
        );
        assert_eq!(f.control.call_count("InitializeCluster"), 1);
        assert!(f.resource.import("nope").await.diagnostics.has_errors());

        // destroy: warning, no call
        let d = plan(&f.resource, state.clone(), Value::Null).await;
        assert!(d.planned_state.is_null());
        assert_eq!(d.diagnostics.warnings().count(), 1);
        let gone = apply(&f.resource, state.clone(), Value::Null).await;
        assert!(gone.new_state.is_null());
        assert!(!gone.diagnostics.has_errors());
        assert!(gone
            .diagnostics
            .iter()
            .any(|d| d.detail.contains("makes no API call")));

        // out-of-band reset: read answers null so that Terraform plans a create
        f.control.reset_to_uninitialized(&id);
        assert!(read(&f.resource, state).await.is_null());
        assert_eq!(f.control.call_count("InitializeCluster"), 1);
        assert_eq!(f.control.call_count("ModifyCluster"), 0);
    }

    #[tokio::test]
    async fn timeout_returns_the_initializing_state_and_a_rerun_adopts_it() {
        let f = fixture(Timings {
            initialize: Duration::from_millis(1500),
            ..Timings::instant()
        })
        .await;
        let (id, cert, anchor) = seeded(&f.control);
        let planned = plan(
            &f.resource,
            Value::Null,
            config(
                &id,
                Value::string(&cert),
                Value::string(&anchor),
                Some("300ms"),
            ),
        )
        .await
        .planned_state;
        let first = apply(&f.resource, Value::Null, planned.clone()).await;
        let e = first
            .diagnostics
            .errors()
            .next()
            .expect("a timeout error")
            .clone();
        assert_eq!(e.summary, "Timed out waiting for the cluster");
        assert!(e.detail.contains("apply` again"), "{}", e.detail);
        assert_eq!(
            first.new_state.get("state"),
            Some(&Value::string("INITIALIZE_IN_PROGRESS"))
        );
        assert_eq!(
            first.new_state.get(SIGNED_CERT),
            Some(&Value::string(&cert))
        );
        assert_eq!(f.control.call_count("InitializeCluster"), 1);

        // the re-create (Terraform replaces the tainted object) plans and adopts
        let replanned = plan(
            &f.resource,
            Value::Null,
            config(
                &id,
                Value::string(&cert),
                Value::string(&anchor),
                Some("10s"),
            ),
        )
        .await;
        assert!(
            replanned.diagnostics.is_empty(),
            "{:?}",
            replanned.diagnostics
        );
        let second = apply(&f.resource, Value::Null, replanned.planned_state).await;
        assert!(second.diagnostics.is_empty(), "{:?}", second.diagnostics);
        assert_eq!(
            second.new_state.get("state"),
            Some(&Value::string("INITIALIZED"))
        );
        assert_eq!(f.control.call_count("InitializeCluster"), 1);
    }

    #[tokio::test]
    async fn transient_errors_still_give_one_initialization() {
        use cloudhsm_emulator::{Fault, FaultKind};
        let f = fixture(Timings::instant()).await;
        let (id, cert, anchor) = seeded(&f.control);
        f.control.inject(Fault::next_calls(
            Some("InitializeCluster"),
            FaultKind::Throttle,
            1,
        ));
        f.control.inject(Fault::next_calls(
            Some("DescribeClusters"),
            FaultKind::InternalError,
            1,
        ));
        let planned = config(&id, Value::string(&cert), Value::string(&anchor), None);
        let planned = with_attributes(&planned, vec![("id", Value::string(&id))]);
        let r = apply(&f.resource, Value::Null, planned).await;
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        assert_eq!(f.control.call_count("InitializeCluster"), 1);
        assert_eq!(
            r.new_state.get("state"),
            Some(&Value::string("INITIALIZED"))
        );
    }

    #[test]
    fn next_step_adopts_in_progress_and_refuses_other_certificates() {
        use crate::cloudhsm::workflows::InitStep;
        let ca = root_ca("Example Root CA");
        let csr = some_csr();
        let mine = certs::parse_certificate_pem(&sign(&csr, &ca, (2024, 2040))).unwrap();
        let theirs = sign(&some_csr(), &ca, (2024, 2040));
        let mut c = Cluster {
            id: "cluster-abcdefghijk".into(),
            state: ClusterState::InitializeInProgress,
            ..Default::default()
        };
        assert_eq!(next_init_step(&c, Some(&mine), true), Ok(InitStep::Adopt));
        c.state = ClusterState::Active;
        c.certificates.cluster_certificate = Some(mine.to_pem());
        assert_eq!(next_init_step(&c, Some(&mine), true), Ok(InitStep::Adopt));
        c.certificates.cluster_certificate = Some(theirs);
        let e = next_init_step(&c, Some(&mine), true).unwrap_err();
        assert_eq!(
            initialize_diagnostic(&e, &c.id).attribute,
            Some(attr(SIGNED_CERT))
        );
        c.certificates.cluster_certificate = None;
        c.state = ClusterState::CreateInProgress;
        assert_eq!(
            next_init_step(&c, Some(&mine), true),
            Ok(InitStep::WaitForCsr)
        );
        c.state = ClusterState::UpdateInProgress;
        assert_eq!(
            next_init_step(&c, Some(&mine), true),
            Ok(InitStep::WaitUntilSettled),
            "busy without a certificate is not initialized"
        );
        c.state = ClusterState::Deleted;
        let e = next_init_step(&c, Some(&mine), true).unwrap_err();
        assert_eq!(
            initialize_diagnostic(&e, &c.id).attribute,
            Some(attr(CLUSTER_ID))
        );
        c.state = ClusterState::Uninitialized;
        c.certificates.cluster_csr = Some(csr);
        assert_eq!(
            next_init_step(&c, Some(&mine), true),
            Ok(InitStep::Initialize)
        );
    }

    #[tokio::test]
    async fn stop_ends_the_wait_in_flight_and_the_next_operation_runs() {
        let f = Arc::new(
            fixture(Timings {
                initialize: Duration::from_secs(600),
                ..Timings::instant()
            })
            .await,
        );
        let (id, cert, anchor) = seeded(&f.control);
        let planned = plan(
            &f.resource,
            Value::Null,
            config(&id, Value::string(&cert), Value::string(&anchor), None),
        )
        .await
        .planned_state;
        let running = {
            let f = f.clone();
            let planned = planned.clone();
            tokio::spawn(async move { apply(&f.resource, Value::Null, planned).await })
        };
        while f.control.call_count("InitializeCluster") == 0 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        f.context.stop();
        let stopped = running.await.unwrap();
        let e = stopped
            .diagnostics
            .errors()
            .next()
            .expect("an error")
            .clone();
        assert_eq!(e.summary, "Interrupted while waiting for the cluster");
        assert_eq!(
            stopped.new_state.get("state"),
            Some(&Value::string("INITIALIZE_IN_PROGRESS"))
        );
        // Re-armed: the next run (a reattached --debug provider serves many) is not stopped.
        f.control.complete_transitions(&id);
        let again = apply(&f.resource, Value::Null, planned).await;
        assert!(again.diagnostics.is_empty(), "{:?}", again.diagnostics);
        assert_eq!(
            again.new_state.get("state"),
            Some(&Value::string("INITIALIZED"))
        );
        assert_eq!(f.control.call_count("InitializeCluster"), 1);
    }
}
