//! The plumbing every resource and data source about one cluster shares, once: attribute
//! paths, the cluster id taken from a state, a configuration or an import (and the words when
//! there is none or it is malformed), and the read for a refresh (id → client →
//! DescribeClusters → the caller's mapping).
//!
//! Knows the provider context, our client's `Cluster` and Terraform diagnostics; not the
//! models (callers pass the fields and map the cluster themselves).

use tfplugin::diagnostics::{AttributePath, Diagnostic, Diagnostics};
use tfplugin::value::Field;

use crate::aws_diagnostics::{api_diagnostic, cluster_not_found, Subject};
use crate::cloudhsm::Cluster;
use crate::cluster_id::{cluster_id_diagnostic, cluster_id_import_diagnostic, is_cluster_id};
use crate::context::ProviderContext;

/// The attribute `name` at the top of a model.
pub fn attr(name: &str) -> AttributePath {
    AttributePath::attr(name)
}

/// The cluster id a state of `type_name` records (`id`: the first of the fields that is
/// known), or the error for a state without one. `then`: what to do after `terraform state
/// rm`, e.g. "and import it again with its cluster id".
pub fn id_in_state(
    id: Option<&String>,
    type_name: &str,
    then: &str,
) -> Result<String, Diagnostics> {
    id.cloned().ok_or_else(|| {
        Diagnostic::error(
            "No cluster id in state",
            format!(
                "The state of this {type_name} has no cluster_id, so the provider cannot read \
                 the cluster. Remove it with `terraform state rm` {then}."
            ),
        )
        .into()
    })
}

/// The cluster id a configuration of `type_name` gives in `attribute`: known and well formed,
/// or the error on the attribute.
pub fn id_in_config(
    id: &Field<String>,
    type_name: &str,
    attribute: &str,
) -> Result<String, Diagnostics> {
    let Some(id) = id.known() else {
        return Err(Diagnostic::error(
            "cluster_id is not known",
            format!(
                "The {type_name} data source needs a cluster_id to read a cluster, but Terraform \
                 passed none. Give cluster_id a value (for example \
                 aws_cloudhsm_v2_cluster.<name>.cluster_id)."
            ),
        )
        .at(attr(attribute))
        .into());
    };
    if !is_cluster_id(id) {
        return Err(cluster_id_diagnostic(id, attribute).into());
    }
    Ok(id.clone())
}

/// The cluster id given to `terraform import` of `type_name`, trimmed and checked.
pub fn imported_id(id: &str, type_name: &str) -> Result<String, Diagnostics> {
    let id = id.trim();
    if !is_cluster_id(id) {
        return Err(cluster_id_import_diagnostic(id, type_name).into());
    }
    Ok(id.to_string())
}

/// The cluster `cluster_id` as CloudHSM describes it now (`None`: it does not know it); a
/// failed call is an error that says what was being done (`doing`).
pub async fn describe(
    context: &ProviderContext,
    cluster_id: &str,
    doing: &str,
) -> Result<Option<Cluster>, Diagnostics> {
    let client = context.client().await?;
    client
        .describe(cluster_id)
        .await
        .map_err(|e| api_diagnostic(&e, &Subject::cluster(cluster_id), doing).into())
}

/// Like [`describe`], a cluster CloudHSM does not know being an error on `cluster_id`.
pub async fn describe_existing(
    context: &ProviderContext,
    cluster_id: &str,
    doing: &str,
) -> Result<Cluster, Diagnostics> {
    describe(context, cluster_id, doing)
        .await?
        .ok_or_else(|| cluster_not_found(cluster_id).into())
}

/// A refresh of a resource about one cluster: reads it, and `map` makes the new state from
/// it (`None`: the resource leaves the state, as it does when CloudHSM no longer knows the
/// cluster).
pub async fn refresh<M>(
    context: &ProviderContext,
    cluster_id: &str,
    doing: &str,
    map: impl FnOnce(Cluster) -> Option<M>,
) -> Result<Option<M>, Diagnostics> {
    match describe(context, cluster_id, doing).await? {
        Some(cluster) => Ok(map(cluster)),
        None => {
            tracing::info!(cluster_id, "cluster is gone; removing it from state");
            Ok(None)
        }
    }
}
