//! The CloudHSM cluster id rule (`cluster-[2-7a-zA-Z]{11,16}`) and the diagnostic for an id
//! that breaks it, shared by the resources and the data source.

use tfplugin::diagnostics::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::value::Field;

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

/// The error for an import id that is not a cluster id, for resource type `type_name`.
pub fn cluster_id_import_diagnostic(id: &str, type_name: &str) -> Diagnostic {
    Diagnostic::error(
        "Invalid import id",
        format!(
            "{id:?} is not a CloudHSM cluster id (pattern {CLUSTER_ID_PATTERN}). Import with the \
             cluster's id: terraform import {type_name}.NAME cluster-abcdefghijk"
        ),
    )
}

/// Checks a `cluster_id` attribute when it is known.
pub fn validate_cluster_id(id: &Field<String>, attribute: &str) -> Diagnostics {
    match id.known() {
        Some(id) if !is_cluster_id(id) => cluster_id_diagnostic(id, attribute).into(),
        _ => Diagnostics::new(),
    }
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
}
