//! The operations that make and remove clusters and HSMs: `CreateCluster` (in the call's
//! region, for the caller's account), `CreateHsm`, `DeleteHsm`, `DeleteCluster`, with their
//! tags and timed transitions.
//!
//! Knows the model and the shared input readers; not how requests arrive.

use std::time::Instant;

use serde_json::{json, Value};

use super::input::{
    answered, busy, cluster_id, get_mut, hsm_type, not_found, optional_str, required_str,
    retention_days, string_list, tag_list, type_change_busy,
};
use super::Call;
use crate::control::Shared;
use crate::error::ApiError;
use crate::model::{is_in_progress, HsmPending, Pending, PendingKind, Store};
use crate::pki;

pub(super) fn create_cluster(
    shared: &Shared,
    call: &Call,
    input: &Value,
) -> Result<Value, ApiError> {
    let hsm_type = hsm_type(required_str(input, "HsmType")?)?.to_string();
    let subnets = match input.get("SubnetIds") {
        Some(v) => string_list(v, "SubnetIds")?,
        None => return Err(ApiError::invalid("SubnetIds is required")),
    };
    if subnets.is_empty() || subnets.len() > 10 {
        return Err(ApiError::invalid("SubnetIds must name 1 to 10 subnets"));
    }
    if let Some(bad) = subnets.iter().find(|s| {
        !s.strip_prefix("subnet-").is_some_and(|h| {
            (8..=17).contains(&h.len()) && h.bytes().all(|b| b.is_ascii_hexdigit())
        })
    }) {
        return Err(ApiError::invalid(format!(
            "SubnetId {bad:?} does not match the pattern subnet-[0-9a-fA-F]{{8,17}}"
        )));
    }
    let days = match input.get("BackupRetentionPolicy") {
        None | Some(Value::Null) => 90,
        Some(v) => retention_days(v)?,
    };
    let mode = optional_str(input, "Mode")?.unwrap_or("FIPS");
    if !matches!(mode, "FIPS" | "NON_FIPS") {
        return Err(ApiError::invalid(format!(
            "Mode {mode:?} must be FIPS or NON_FIPS"
        )));
    }
    let network_type = optional_str(input, "NetworkType")?.unwrap_or("IPV4");
    if !matches!(network_type, "IPV4" | "DUALSTACK") {
        return Err(ApiError::invalid(format!(
            "NetworkType {network_type:?} must be IPV4 or DUALSTACK"
        )));
    }
    let source_backup = optional_str(input, "SourceBackupId")?.map(str::to_string);
    let tags = tag_list(input.get("TagList"), "tagList")?.unwrap_or_default();
    let account = shared.identities().account_of(&call.access_key_id);
    let mut store = shared.store();
    let id = store.fresh_cluster_id();
    let vpc = store.vpc_id.clone();
    let duration = store.timings.create;
    let mut cluster =
        store.blank_cluster(id, (call.region.clone(), account), hsm_type, vpc, &subnets);
    cluster.backup_retention_days = days;
    cluster.mode = mode.to_string();
    cluster.network_type = network_type.to_string();
    cluster.source_backup_id = source_backup;
    cluster.tags = tags;
    cluster.set_state("CREATE_IN_PROGRESS");
    cluster.pending = Some(Pending {
        due: Instant::now() + duration,
        kind: PendingKind::Create,
    });
    let shown = cluster.to_json(store.behaviour.expired_rollback);
    let output = json!({ "Cluster": answered(shown, &store.behaviour) });
    store.clusters.push(cluster);
    Ok(output)
}

pub(super) fn create_hsm(shared: &Shared, call: &Call, input: &Value) -> Result<Value, ApiError> {
    let id = cluster_id(input)?;
    let az = required_str(input, "AvailabilityZone")?;
    let ip = optional_str(input, "IpAddress")?.map(str::to_string);
    let mut store = shared.store();
    let duration = store.timings.create_hsm;
    let behaviour = store.behaviour.clone();
    let index = store
        .clusters
        .iter()
        .position(|c| c.id == id && c.region == call.region)
        .ok_or_else(|| not_found(id))?;
    let cluster = &store.clusters[index];
    if cluster.type_change_pending() && !is_in_progress(&cluster.state) {
        return Err(type_change_busy(behaviour.busy_message.as_deref(), id));
    }
    if !matches!(
        cluster.state.as_str(),
        "UNINITIALIZED" | "INITIALIZED" | "ACTIVE" | "DEGRADED"
    ) {
        let message = format!(
            "The cluster {id} is in state {}; an HSM can be created once the cluster is UNINITIALIZED, INITIALIZED or ACTIVE.",
            cluster.state
        );
        if is_in_progress(&cluster.state) {
            return Err(busy(store.behaviour.busy_message.as_deref(), message));
        }
        return Err(ApiError::invalid(message));
    }
    if !cluster.subnet_mapping.contains_key(az) {
        return Err(ApiError::invalid(format!(
            "The cluster {id} has no subnet in availability zone {az}; its zones are {}.",
            cluster
                .subnet_mapping
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    let mut hsm = Store::new_hsm(cluster, az, ip, "CREATE_IN_PROGRESS", None);
    let material = if cluster.material.is_none() {
        Some(
            pki::cluster_material(&hsm.id, &store.authorities)
                .map_err(|e| ApiError::internal(format!("could not create the HSM's keys: {e}")))?,
        )
    } else {
        None
    };
    // Timed from now: key generation above may take a moment.
    hsm.pending = Some((Instant::now() + duration, HsmPending::Activate));
    let cluster = &mut store.clusters[index];
    let before = cluster.before_write(&behaviour);
    if material.is_some() {
        cluster.material = material;
    }
    let output = json!({ "Hsm": hsm.to_json(id) });
    cluster.hsms.push(hsm);
    cluster.after_write(before, &behaviour);
    Ok(output)
}

pub(super) fn delete_hsm(shared: &Shared, call: &Call, input: &Value) -> Result<Value, ApiError> {
    let id = cluster_id(input)?;
    let hsm_id = optional_str(input, "HsmId")?;
    let eni_id = optional_str(input, "EniId")?;
    let eni_ip = optional_str(input, "EniIp")?;
    if hsm_id.is_none() && eni_id.is_none() && eni_ip.is_none() {
        return Err(ApiError::invalid("Specify HsmId, EniId or EniIp."));
    }
    let mut store = shared.store();
    let duration = store.timings.delete;
    let behaviour = store.behaviour.clone();
    let cluster = get_mut(&mut store, &call.region, id)?;
    let before = cluster.before_write(&behaviour);
    let Some(hsm) = cluster.hsms.iter_mut().find(|h| {
        hsm_id.is_some_and(|x| x == h.id)
            || eni_id.is_some_and(|x| x == h.eni_id)
            || eni_ip.is_some_and(|x| x == h.eni_ip)
    }) else {
        return Err(ApiError::not_found(format!(
            "The cluster {id} has no such HSM."
        )));
    };
    hsm.state = "DELETE_IN_PROGRESS".to_string();
    hsm.state_message = "HSM is being deleted.".to_string();
    hsm.pending = Some((Instant::now() + duration, HsmPending::Remove));
    let output = json!({ "HsmId": hsm.id });
    cluster.after_write(before, &behaviour);
    Ok(output)
}

pub(super) fn delete_cluster(
    shared: &Shared,
    call: &Call,
    input: &Value,
) -> Result<Value, ApiError> {
    let id = cluster_id(input)?;
    let mut store = shared.store();
    let duration = store.timings.delete;
    let behaviour = store.behaviour.clone();
    let busy_message = behaviour.busy_message.clone();
    let cluster = get_mut(&mut store, &call.region, id)?;
    if cluster.type_change_pending() && !is_in_progress(&cluster.state) {
        return Err(type_change_busy(busy_message.as_deref(), id));
    }
    if cluster.state == "DELETED" {
        return Err(ApiError::invalid(format!(
            "The cluster {id} is already DELETED."
        )));
    }
    if cluster.state == "DELETE_IN_PROGRESS" {
        return Err(busy(
            busy_message.as_deref(),
            format!("The cluster {id} is already DELETE_IN_PROGRESS."),
        ));
    }
    if is_in_progress(&cluster.state) {
        return Err(busy(
            busy_message.as_deref(),
            format!(
                "The cluster {id} is in state {}; it cannot be deleted until that operation completes.",
                cluster.state
            ),
        ));
    }
    if !cluster.hsms.is_empty() {
        return Err(ApiError::invalid(format!(
            "The cluster {id} still contains {} HSM(s); delete them (DeleteHsm) before deleting the cluster.",
            cluster.hsms.len()
        )));
    }
    let before = cluster.before_write(&behaviour);
    cluster.set_state("DELETE_IN_PROGRESS");
    cluster.pending = Some(Pending {
        due: Instant::now() + duration,
        kind: PendingKind::Delete,
    });
    cluster.after_write(before, &behaviour);
    let shown = cluster.to_json(behaviour.expired_rollback);
    Ok(json!({ "Cluster": answered(shown, &behaviour) }))
}
