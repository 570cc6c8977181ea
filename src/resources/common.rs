//! What the resources and the data source share: the cluster id rule, the `timeouts`
//! attribute, and the wording of API and waiting errors as diagnostics.
//!
//! Knows Terraform values and our CloudHSM client types; never the AWS SDK or gRPC.

use std::time::Duration;

use crate::cloudhsm::{ApiError, Cluster, ErrorKind, WaitError};
use crate::duration;
use crate::provider::ProviderContext;
use tfplugin::diagnostics::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::schema::Attribute;
use tfplugin::value::{Field, ObjectReader, Value};

/// The API's cluster id pattern, as users read it in errors.
pub const CLUSTER_ID_PATTERN: &str = "cluster-[2-7a-zA-Z]{11,16}";

/// True when `id` matches `cluster-[2-7a-zA-Z]{11,16}`.
pub fn is_cluster_id(id: &str) -> bool {
    id.strip_prefix("cluster-").is_some_and(|rest| {
        (11..=16).contains(&rest.len())
            && rest
                .chars()
                .all(|c| c.is_ascii_alphabetic() || ('2'..='7').contains(&c))
    })
}

/// The error for a malformed cluster id, on the attribute `attribute`.
pub fn cluster_id_diagnostic(id: &str, attribute: &str) -> Diagnostic {
    Diagnostic::error(
        "Invalid cluster id",
        format!(
            "{id:?} is not a CloudHSM cluster id. Cluster ids look like \"cluster-abcdefghijk\" \
             (pattern {CLUSTER_ID_PATTERN}); use the cluster_id attribute of the \
             aws_cloudhsm_v2_cluster resource."
        ),
    )
    .at(AttributePath::attr(attribute))
}

/// Checks a `cluster_id` attribute when it is known.
pub fn validate_cluster_id(id: &Field<String>, attribute: &str) -> Diagnostics {
    match id.known() {
        Some(id) if !is_cluster_id(id) => cluster_id_diagnostic(id, attribute).into(),
        _ => Diagnostics::new(),
    }
}

/// The `timeouts = { create = "30m", ... }` attribute for the given operations and defaults.
///
/// Optional *and computed*: Terraform 1.0.x panics while planning a resource whose config
/// omits an optional-only nested attribute. Resources copy the config's value into the plan,
/// so it behaves like a plain optional attribute.
pub fn timeouts_attribute(operations: &[(&str, Duration)]) -> Attribute {
    let attributes = operations
        .iter()
        .map(|(op, default)| {
            Attribute::string(*op).optional().description(format!(
                "How long `{op}` may wait for the cluster, as a duration such as `30m` or \
                 `1h30m`. Default `{}`.",
                show_duration(*default)
            ))
        })
        .collect();
    Attribute::nested_single("timeouts", attributes)
        .optional()
        .computed()
        .description("How long operations may wait for the cluster before giving up.")
}

/// Formats a whole number of minutes or seconds the way users write durations.
pub fn show_duration(d: Duration) -> String {
    let s = d.as_secs();
    if s.is_multiple_of(3600) && s > 0 {
        format!("{}h", s / 3600)
    } else if s.is_multiple_of(60) && s > 0 {
        format!("{}m", s / 60)
    } else {
        format!("{s}s")
    }
}

/// Reads `timeouts.<operation>` from a resource object (config or plan), or the default.
pub fn timeout(object: &Value, operation: &str, default: Duration) -> Result<Duration, Diagnostic> {
    let timeouts = object.get("timeouts").cloned().unwrap_or(Value::Null);
    if timeouts.is_null() || timeouts.is_unknown() {
        return Ok(default);
    }
    let reader =
        ObjectReader::new(&timeouts, AttributePath::attr("timeouts")).map_err(Diagnostic::from)?;
    let field: Field<String> = reader.get(operation).map_err(Diagnostic::from)?;
    match field {
        Field::Known(text) => duration::parse(&text).map_err(|e| {
            Diagnostic::error("Invalid timeout", format!("{e}."))
                .at(AttributePath::attr("timeouts").then_attr(operation))
        }),
        _ => Ok(default),
    }
}

/// Validate-time check of every known `timeouts` value.
pub fn validate_timeouts(config: &Value, operations: &[(&str, Duration)]) -> Diagnostics {
    operations
        .iter()
        .filter_map(|(op, default)| timeout(config, op, *default).err())
        .collect()
}

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

/// What a plan-time read of a cluster found.
pub enum PlanRead {
    Found(Box<Cluster>),
    NotFound,
    /// Not read: the provider configuration is not known yet, or CloudHSM could not answer
    /// (a diagnostic says which).
    Unavailable,
}

/// Reads a cluster to sharpen a plan. Such reads only sharpen it: when CloudHSM is
/// throttling, failing or unreachable, the plan goes on with a warning (apply runs the same
/// checks), so a bad minute cannot end an apply, which plans each resource again.
pub async fn read_at_plan(
    context: &ProviderContext,
    cluster_id: &str,
    doing: &str,
    diags: &mut Diagnostics,
) -> PlanRead {
    let client = match context.plan_client().await {
        Ok(Some(c)) => c,
        Ok(None) => return PlanRead::Unavailable,
        Err(d) => {
            diags.append(d);
            return PlanRead::Unavailable;
        }
    };
    match client.describe(cluster_id).await {
        Ok(Some(c)) => PlanRead::Found(Box::new(c)),
        Ok(None) => PlanRead::NotFound,
        Err(e) if e.is_transient() || matches!(e, ApiError::DeadlineReached { .. }) => {
            diags.push(Diagnostic::warning(
                "Could not read the cluster at plan time",
                format!(
                    "Cluster {cluster_id}: {e}. The plan goes on without {doing}; the same \
                     checks run when the change is applied."
                ),
            ));
            PlanRead::Unavailable
        }
        Err(e) => {
            diags.push(api_diagnostic(&e, cluster_id, doing).at(AttributePath::attr("cluster_id")));
            PlanRead::Unavailable
        }
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

/// Unix seconds as RFC 3339 UTC.
pub fn rfc3339(secs: i64) -> String {
    crate::dates::rfc3339(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_ids_follow_the_api_pattern() {
        assert!(is_cluster_id("cluster-jxhlf7644ne"));
        assert!(is_cluster_id("cluster-ABCDEFGHIJKLMNOP"));
        assert!(!is_cluster_id("cluster-short"));
        assert!(
            !is_cluster_id("cluster-abcdefghij18"),
            "digits 1, 8 not allowed"
        );
        assert!(!is_cluster_id("cluster-abcdefghijklmnopq"), "17 chars");
        assert!(!is_cluster_id("jxhlf7644ne"));
        let d = cluster_id_diagnostic("nope", "cluster_id");
        assert_eq!(d.attribute, Some(AttributePath::attr("cluster_id")));
        assert!(d.detail.contains("\"nope\""));
    }

    #[test]
    fn timeouts_default_parse_and_point_at_the_bad_one() {
        let ops = [("create", Duration::from_secs(1800))];
        let none = Value::object([("timeouts", Value::Null)]);
        assert_eq!(timeout(&none, "create", ops[0].1).unwrap(), ops[0].1);
        let set = Value::object([("timeouts", Value::object([("create", Value::string("2m"))]))]);
        assert_eq!(
            timeout(&set, "create", ops[0].1).unwrap(),
            Duration::from_secs(120)
        );
        let bad = Value::object([(
            "timeouts",
            Value::object([("create", Value::string("soon"))]),
        )]);
        let d = validate_timeouts(&bad, &ops);
        assert!(d.has_errors());
        assert_eq!(
            d.iter().next().and_then(|d| d.attribute.clone()),
            Some(AttributePath::attr("timeouts").then_attr("create"))
        );
        assert_eq!(show_duration(Duration::from_secs(1800)), "30m");
        assert_eq!(show_duration(Duration::from_secs(7200)), "2h");
    }

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
