//! What CloudHSM said, in words for Terraform users: API failures, waits that ended early,
//! and unknown clusters as diagnostics that name the cluster and say what to do. Shared by
//! the resources, the data source and the provider context.

use tfplugin::diagnostics::{AttributePath, Diagnostic};

use crate::cloudhsm::{ApiError, ErrorKind, WaitError};

/// An API failure as a diagnostic: the AWS error code and message, the cluster id, and what
/// the user can do.
pub fn api_diagnostic(err: &ApiError, cluster_id: &str, doing: &str) -> Diagnostic {
    let advice = match err.kind() {
        ErrorKind::NotFound => {
            "Check that the cluster id is right and that the provider's region is the cluster's region."
        }
        ErrorKind::AccessDenied => {
            "The credentials in use lack a cloudhsm: permission for this call; check the IAM policy."
        }
        ErrorKind::Throttling | ErrorKind::Internal => {
            "The service is busy or failing; the call was already retried. Run the command again \
             later; nothing was lost."
        }
        _ => match err {
            ApiError::Transport { .. } => {
                "Check the network path to the CloudHSM endpoint (region, endpoints.cloudhsmv2, \
                 proxy settings), then run the command again."
            }
            ApiError::DeadlineReached { .. } => {
                "CloudHSM did not answer in time (the network or the service may be stuck). Run \
                 the command again to pick up where this one stopped, or raise `timeouts`."
            }
            ApiError::Cancelled { .. } => "Run the command again to pick up where this one stopped.",
            ApiError::Service { .. } => "",
        },
    };
    let summary = match err {
        ApiError::Service { code, .. } => format!("CloudHSM error while {doing}: {code}"),
        ApiError::Transport { .. } => format!("Could not reach CloudHSM while {doing}"),
        ApiError::DeadlineReached { .. } => format!("No answer from CloudHSM while {doing}"),
        ApiError::Cancelled { .. } => format!("Stopped while {doing}"),
    };
    Diagnostic::error(
        summary,
        format!("Cluster {cluster_id}: {err}. {advice}")
            .trim_end()
            .to_string(),
    )
}

/// A waiting failure as a diagnostic that says what is still running and that a re-run
/// continues from there.
pub fn wait_diagnostic(err: &WaitError, cluster_id: &str, waiting_for: &str) -> Diagnostic {
    match err {
        WaitError::Api { error, .. } => api_diagnostic(error, cluster_id, waiting_for),
        WaitError::Gone => Diagnostic::error(
            "Cluster disappeared",
            format!("Cluster {cluster_id} was deleted while {waiting_for}."),
        ),
        WaitError::TimedOut { .. } => Diagnostic::error(
            "Timed out waiting for the cluster",
            format!(
                "Cluster {cluster_id}: {err}. The change keeps running in CloudHSM; run \
                 `terraform apply` again to pick it up, or raise the timeout in `timeouts`."
            ),
        ),
        WaitError::Cancelled { .. } => Diagnostic::error(
            "Interrupted while waiting for the cluster",
            format!(
                "Cluster {cluster_id}: {err}. The change keeps running in CloudHSM; run \
                 `terraform apply` again to pick it up."
            ),
        ),
        WaitError::Failed { .. } => Diagnostic::error(
            "The cluster did not reach the expected state",
            format!("Cluster {cluster_id}: {err}."),
        ),
    }
}

/// The error for a cluster id CloudHSM does not know.
pub fn cluster_not_found(cluster_id: &str) -> Diagnostic {
    Diagnostic::error(
        "Cluster not found",
        format!(
            "CloudHSM has no cluster {cluster_id} in the provider's region. Check the id and the \
             provider's region."
        ),
    )
    .at(AttributePath::attr("cluster_id"))
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
        let d = api_diagnostic(&e, "cluster-abcdefghijk", "initializing the cluster");
        assert!(d.summary.contains("CloudHsmInvalidRequestException"));
        assert!(d.detail.contains("cluster-abcdefghijk"));
        assert!(d.detail.contains("bad cert"));
    }
}
