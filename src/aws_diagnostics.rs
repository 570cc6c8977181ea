//! What CloudHSM said, in words for Terraform users: API failures, waits that ended early,
//! and unknown objects as diagnostics that name the object (a [`Subject`]: "Cluster
//! cluster-…" on `cluster_id`) and say what to do. Shared by the resources, the data source
//! and the provider context.
//!
//! Knows our CloudHSM client's errors and Terraform diagnostics; not the resources.

use tfplugin::diagnostics::{AttributePath, Diagnostic};

use crate::cloudhsm::wait::Watched;
use crate::cloudhsm::workflows::BackupError;
use crate::cloudhsm::workflows::InitializeError;
use crate::cloudhsm::{ApiError, ErrorKind, Initialization, ModifyError, WaitError};
use crate::signing::{SigningError, SigningRole};

/// What a diagnostic is about: one CloudHSM object, the word users know it by, and the
/// attribute whose value names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Subject<'a> {
    /// The kind of object as running text has it, e.g. `cluster`.
    pub noun: &'static str,
    /// The object's id, e.g. `cluster-jxhlf7644ne`.
    pub id: &'a str,
    /// The attribute that names it, e.g. `cluster_id`.
    pub attribute: &'static str,
}

impl<'a> Subject<'a> {
    /// The cluster `id`, named by `cluster_id`.
    pub fn cluster(id: &'a str) -> Self {
        Subject {
            noun: "cluster",
            id,
            attribute: "cluster_id",
        }
    }

    /// The backup `id`, named by `attribute` (`backup_id`, `source_backup_id`).
    pub fn backup(id: &'a str, attribute: &'static str) -> Self {
        Subject {
            noun: "backup",
            id,
            attribute,
        }
    }

    /// The noun at the start of a sentence: `Cluster`.
    pub fn noun_capitalized(&self) -> String {
        let mut chars = self.noun.chars();
        chars.next().map_or_else(String::new, |first| {
            first.to_uppercase().chain(chars).collect()
        })
    }

    /// The object as a detail starts with it: `Cluster cluster-jxhlf7644ne`.
    pub fn label(&self) -> String {
        format!("{} {}", self.noun_capitalized(), self.id)
    }

    /// The attribute that names the object.
    pub fn path(&self) -> AttributePath {
        AttributePath::attr(self.attribute)
    }
}

/// An API failure as a diagnostic: the AWS error code and message, the object it was about,
/// and what the user can do.
pub fn api_diagnostic(err: &ApiError, subject: &Subject, doing: &str) -> Diagnostic {
    let not_found;
    let advice = match err.kind() {
        ErrorKind::NotFound => {
            let noun = subject.noun;
            not_found = format!(
                "Check that the {noun} id is right and that the provider's region is the \
                 {noun}'s region."
            );
            not_found.as_str()
        }
        ErrorKind::AccessDenied => {
            "The credentials in use lack a cloudhsm: permission for this call; check the IAM policy."
        }
        ErrorKind::UnknownCaller => {
            "AWS answers this for credentials it does not know, and for a region that is not \
             enabled for the account (an opt-in region such as ap-east-1 or me-south-1): \
             enable the region in the account's settings, or check the credentials."
        }
        ErrorKind::Throttling | ErrorKind::Internal => {
            "The service is busy or failing; the call was already retried. Run the command again \
             later; nothing was lost."
        }
        _ => match err {
            ApiError::Transport { .. } => {
                "Check the network path to the CloudHSM endpoint (region, endpoints.cloudhsmv2, \
                 https_proxy / HTTPS_PROXY and no_proxy / NO_PROXY), then run the command \
                 again."
            }
            ApiError::DeadlineReached { .. } => {
                "CloudHSM did not answer in time (the network or the service may be stuck). Run \
                 the command again to pick up where this one stopped, or raise `timeouts`."
            }
            ApiError::Cancelled { .. } => "Run the command again to pick up where this one stopped.",
            ApiError::Network { .. } => "Then run the command again; nothing was sent.",
            ApiError::Credentials { .. } => {
                "Check where the provider takes its credentials from (access_key / secret_key, \
                 profile, assume_role, assume_role_with_web_identity, or the AWS_* environment \
                 variables); nothing was sent to CloudHSM."
            }
            ApiError::Unreadable { .. } => {
                "Something answered in place of the CloudHSM API, or in a format this provider \
                 does not know. Check that the endpoint (endpoints.cloudhsmv2, \
                 AWS_ENDPOINT_URL_CLOUDHSM_V2, a proxy) is the CloudHSM API of the region; if it \
                 is, report this message to the provider's maintainers."
            }
            ApiError::Service { .. } => "",
        },
    };
    let summary = match err {
        ApiError::Service { code, .. } => format!("CloudHSM error while {doing}: {code}"),
        ApiError::Transport { .. } => format!("Could not reach CloudHSM while {doing}"),
        ApiError::Network { .. } => format!("Could not reach AWS while {doing}"),
        ApiError::Credentials { .. } => format!("No AWS credentials while {doing}"),
        ApiError::DeadlineReached { .. } => format!("No answer from CloudHSM while {doing}"),
        ApiError::Cancelled { .. } => format!("Stopped while {doing}"),
        ApiError::Unreadable { .. } => format!("Unreadable answer from CloudHSM while {doing}"),
    };
    Diagnostic::error(
        summary,
        format!("{}: {err}. {advice}", subject.label())
            .trim_end()
            .to_string(),
    )
}

/// A waiting failure as a diagnostic that says what is still running and that a re-run
/// continues from there.
pub fn wait_diagnostic<T: Watched>(
    err: &WaitError<T>,
    subject: &Subject,
    waiting_for: &str,
) -> Diagnostic {
    let (label, noun) = (subject.label(), subject.noun);
    match err {
        WaitError::Api { error, .. } => api_diagnostic(error, subject, waiting_for),
        WaitError::Gone => Diagnostic::error(
            format!("{} disappeared", subject.noun_capitalized()),
            format!("{label} was deleted while {waiting_for}."),
        ),
        WaitError::TimedOut { .. } => Diagnostic::error(
            format!("Timed out waiting for the {noun}"),
            format!(
                "{label}: {err}. The change keeps running in CloudHSM; run `terraform apply` \
                 again to pick it up, or raise the timeout in `timeouts`."
            ),
        ),
        WaitError::Cancelled { .. } => Diagnostic::error(
            format!("Interrupted while waiting for the {noun}"),
            format!(
                "{label}: {err}. The change keeps running in CloudHSM; run `terraform apply` \
                 again to pick it up."
            ),
        ),
        WaitError::Failed { .. } => Diagnostic::error(
            format!("The {noun} did not reach the expected state"),
            format!("{label}: {err}."),
        ),
    }
}

/// A failed backup workflow as a diagnostic: what CloudHSM said or what is still under way,
/// and what to do.
pub fn backup_diagnostic(err: &BackupError, subject: &Subject, doing: &str) -> Diagnostic {
    match err {
        BackupError::NotFound { id, region } => Diagnostic::error(
            "Backup not found",
            format!(
                "CloudHSM has no backup {id} in {region}. Check the id and the region (a \
                 backup belongs to the region of its cluster; a copy, to the region it was \
                 copied to)."
            ),
        )
        .at(subject.path()),
        BackupError::NotCopyable { .. } => Diagnostic::error(
            "The backup cannot be copied",
            format!("{}: {err}.", subject.label()),
        )
        .at(subject.path()),
        BackupError::Describe(e) | BackupError::Refused(e) => api_diagnostic(e, subject, doing),
        BackupError::NeverAppeared { .. } => Diagnostic::error(
            "The copy did not show up",
            format!(
                "{}: {err}. CloudHSM shows a copy in its destination region some time after it \
                 is asked for, and this copy has not shown up yet. Run terraform apply again \
                 (it waits for the same copy and never asks for a second one), or raise \
                 timeouts.create.",
                subject.label()
            ),
        ),
        BackupError::Wait(w) => wait_diagnostic(w, subject, doing),
    }
}

/// The error for an id CloudHSM does not know, on the attribute that names it.
pub fn not_found(subject: &Subject) -> Diagnostic {
    let (id, noun) = (subject.id, subject.noun);
    Diagnostic::error(
        format!("{} not found", subject.noun_capitalized()),
        format!(
            "CloudHSM has no {noun} {id} in the provider's region. Check the id and the \
             provider's region."
        ),
    )
    .at(subject.path())
}

/// The error for a cluster id CloudHSM does not know.
pub fn cluster_not_found(cluster_id: &str) -> Diagnostic {
    not_found(&Subject::cluster(cluster_id))
}

/// A failed modification as a diagnostic, on `hsm_type` when CloudHSM refused that attribute.
pub fn modify_diagnostic(
    err: &ModifyError,
    cluster_id: &str,
    hsm_type: AttributePath,
) -> Diagnostic {
    let subject = Subject::cluster(cluster_id);
    match err {
        ModifyError::NotFound => cluster_not_found(cluster_id),
        ModifyError::Gone(c) => Diagnostic::error(
            "The cluster cannot be configured",
            format!(
                "Cluster {cluster_id} is {}; it can no longer be modified.",
                c.state
            ),
        ),
        ModifyError::Describe(e) => api_diagnostic(e, &subject, "reading the cluster"),
        ModifyError::Refused {
            error,
            cluster,
            change,
        } => {
            let mut d = api_diagnostic(error, &subject, "changing the cluster's settings");
            if cluster.initialization() == Initialization::NotYet {
                d.detail.push_str(&format!(
                    " The cluster is {} and not initialized yet; if CloudHSM accepts this \
                     change only after initialization, make this resource depend on the \
                     cloudhsm_cluster_initialization of the cluster (depends_on).",
                    cluster.state
                ));
            }
            match error.kind() {
                ErrorKind::InvalidRequest if change.hsm_type.is_some() => d.at(hsm_type),
                _ => d,
            }
        }
        ModifyError::Wait { error, change } => {
            let what = match change.as_ref().and_then(|c| c.hsm_type.as_deref()) {
                Some(t) => format!("waiting for the HSM type change to {t} to finish"),
                None if change.is_some() => {
                    "waiting for the cluster to apply the new settings".to_string()
                }
                None => "waiting until the cluster can be modified".to_string(),
            };
            let mut d = wait_diagnostic(error, &subject, &what);
            if let Some(t) = change.as_ref().and_then(|c| c.hsm_type.as_deref()) {
                d.detail.push_str(&format!(
                    " The HSM type change to {t} has started and continues in CloudHSM; the \
                     state records the cluster as last seen."
                ));
            }
            d
        }
        ModifyError::NotApplied { cluster, .. } => {
            Diagnostic::error(
                "The cluster did not reach the expected state",
                format!(
                "Cluster {cluster_id}: the cluster is {} again but has HSM type {} and {} days \
                 of backup retention, not what was requested; CloudHSM may have rolled the \
                 change back. Check the cluster's events, then run `terraform apply` again.",
                cluster.state,
                cluster.hsm_type.as_deref().unwrap_or("(none)"),
                cluster.retention_days().map_or_else(|| "(unknown)".to_string(), |d| d.to_string()),
            ),
            )
        }
    }
}

/// Where a resource that initializes clusters holds the inputs an error can be about.
pub struct InitializeAttributes {
    pub cluster_id: AttributePath,
    pub signed_cert: AttributePath,
    /// The CA private key, when the resource signs the CSR itself.
    pub signing_key: AttributePath,
    pub trust_anchor: AttributePath,
    /// The signing settings (validity, subject), when the resource signs.
    pub signing_settings: AttributePath,
}

/// A signing problem on the attribute at fault.
pub fn signing_diagnostic(err: &SigningError, at: &InitializeAttributes) -> Diagnostic {
    let path = match err.role() {
        SigningRole::CaKey => Some(at.signing_key.clone()),
        SigningRole::TrustAnchor => Some(at.trust_anchor.clone()),
        SigningRole::Csr => Some(at.cluster_id.clone()),
        SigningRole::Settings => Some(at.signing_settings.clone()),
        SigningRole::Internal => None,
    };
    let d = Diagnostic::error(err.short(), err.to_string());
    match path {
        Some(p) => d.at(p),
        None => d,
    }
}

/// A failed or impossible initialization as a diagnostic on the attribute at fault.
pub fn initialize_diagnostic(
    err: &InitializeError,
    cluster_id: &str,
    resource: &str,
    at: InitializeAttributes,
) -> Diagnostic {
    let subject = Subject::cluster(cluster_id);
    let on_cluster_id = |summary: &str, detail: String| {
        Diagnostic::error(summary, detail).at(at.cluster_id.clone())
    };
    match err {
        InitializeError::NotFound => cluster_not_found(cluster_id),
        InitializeError::Deleted(c) => on_cluster_id(
            "Cluster is deleted",
            format!(
                "Cluster {cluster_id} is {}, so it cannot be initialized. Point cluster_id at \
                 an existing cluster (for example aws_cloudhsm_v2_cluster.this.cluster_id).",
                c.state
            ),
        ),
        InitializeError::NoHsm(_) => on_cluster_id(
            "Cluster has no HSM yet",
            format!(
                "Cluster {cluster_id} is UNINITIALIZED but has no certificate signing request \
                 (CSR): the cluster has no HSM yet, and CloudHSM makes the CSR when the first \
                 HSM is created. Create an HSM in the cluster (resource aws_cloudhsm_v2_hsm) \
                 and make this resource depend on it (take the CSR from the cloudhsm_cluster \
                 data source, or use depends_on), then sign that CSR and pass the certificate \
                 as signed_cert."
            ),
        ),
        InitializeError::CsrUnreadable(_, e) => Diagnostic::error(
            "Cannot read the cluster's CSR",
            format!(
                "CloudHSM returned a CSR for cluster {cluster_id} that the provider cannot \
                 read ({e}), so it cannot check signed_cert against it. Report this to the \
                 provider's maintainers."
            ),
        ),
        InitializeError::CsrMismatch(_, e) => {
            Diagnostic::error(e.short(), format!("Cluster {cluster_id}: {e}")).at(at.signed_cert)
        }
        InitializeError::OtherCertificate(c) => Diagnostic::error(
            "Cluster is already initialized with another certificate",
            format!(
                "Cluster {cluster_id} is {} and its cluster certificate is not the one in \
                 signed_cert. A cluster is initialized once; CloudHSM cannot replace its \
                 certificate. Set signed_cert (and trust_anchor) to the certificates the \
                 cluster was initialized with, or import the cluster (terraform import \
                 {resource}.<name> {cluster_id}) to see its certificate, or use a new \
                 cluster.",
                c.state
            ),
        )
        .at(at.signed_cert),
        InitializeError::CertificateUnreadable(c) => Diagnostic::error(
            "Cannot read the cluster's certificate",
            format!(
                "Cluster {cluster_id} is {} and shows a cluster certificate that the provider \
                 cannot read, so it cannot tell whether the cluster was initialized with \
                 signed_cert. Nothing was changed. Run the command again later; if this \
                 persists, compare the certificate in the CloudHSM console with signed_cert.",
                c.state
            ),
        )
        .at(at.signed_cert),
        InitializeError::AlreadyInitialized(c) => on_cluster_id(
            "Cluster is already initialized",
            format!(
                "Cluster {cluster_id} is {}: it was initialized already, so CloudHSM no longer \
                 shows a CSR to sign. A one-time root can only sign the CSR of an \
                 UNINITIALIZED cluster. To manage the existing initialization, import it \
                 (terraform import cloudhsm_cluster_initialization.<name> {cluster_id}) with \
                 the trust anchor it was initialized with.",
                c.state
            ),
        ),
        InitializeError::Signing(e) => signing_diagnostic(e, &at),
        InitializeError::Describe(e) => api_diagnostic(e, &subject, "reading the cluster"),
        InitializeError::Refused(e, _) => api_diagnostic(e, &subject, "initializing the cluster"),
        InitializeError::Wait { error, accepted } => {
            let waiting_for = if *accepted {
                "waiting for the cluster to be initialized"
            } else {
                "waiting for the cluster to be ready for initialization"
            };
            let mut d = wait_diagnostic(error, &subject, waiting_for);
            if *accepted && !matches!(error, WaitError::Gone) {
                d.detail.push_str(
                    " InitializeCluster was sent and CloudHSM accepted it (or may have: its \
                     answer did not arrive), so the resource stays in the state, marked \
                     tainted; CloudHSM's reads can lag behind its writes. The next `terraform \
                     apply` looks at the cluster first and adopts the initialization without \
                     calling InitializeCluster again. Do not sign a new certificate for this \
                     cluster.",
                );
            }
            d
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_errors_name_code_cluster_and_advice() {
        let e = ApiError::Service {
            operation: "InitializeCluster",
            kind: ErrorKind::InvalidRequest,
            code: "CloudHsmInvalidRequestException".into(),
            message: "bad cert".into(),
            status: Some(400),
        };
        let d = api_diagnostic(
            &e,
            &Subject::cluster("cluster-abcdefghijk"),
            "initializing the cluster",
        );
        assert!(d.summary.contains("CloudHsmInvalidRequestException"));
        assert!(d.detail.contains("cluster-abcdefghijk"));
        assert!(d.detail.contains("bad cert"));
    }
}
