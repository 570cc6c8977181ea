//! `CopyBackupToRegion`: called in the source region; the refusals (unknown backup, a
//! backup not READY or pending deletion, a destination that is the source's region, in
//! another partition or not enabled), and the copy that shows in the destination region
//! later (or never), CREATE_IN_PROGRESS then READY, as the timings and behaviours say.
//!
//! Knows the model and the shared input readers; not how requests arrive.

use std::time::{Duration, Instant, SystemTime};

use serde_json::{json, Value};

use super::input::{backup_id, backup_not_found, required_str, tag_list, validation};
use super::Call;
use crate::control::Shared;
use crate::error::ApiError;
use crate::model::{after, epoch_seconds, Backup, CopyOrigin};
use crate::regions::{is_region_name, partition_of_region, REGION_PATTERN};

pub(super) fn copy_backup_to_region(
    shared: &Shared,
    call: &Call,
    input: &Value,
) -> Result<Value, ApiError> {
    let destination = required_str(input, "DestinationRegion")?;
    if !is_region_name(destination) {
        validation(vec![format!(
            "Value '{destination}' at 'destinationRegion' failed to satisfy constraint: Member must satisfy regular expression pattern: {REGION_PATTERN}"
        )])?;
    }
    let id = backup_id(input, "BackupId")?;
    let tags = tag_list(input.get("TagList"), "tagList")?;
    let mut store = shared.store();
    let behaviour = store.behaviour.clone();
    let timings = store.timings.clone();
    let now = Instant::now();
    let source = store
        .backups
        .iter()
        .find(|b| b.id == id && b.region == call.region && b.visible(now) && b.state != "DELETED")
        .ok_or_else(|| backup_not_found(id))?;
    if destination == call.region {
        return Err(ApiError::invalid(format!(
            "The backup {id} is already in {destination}: the destination region must be another region."
        )));
    }
    let (from, to) = (
        partition_of_region(&call.region),
        partition_of_region(destination),
    );
    if from != to {
        return Err(ApiError::invalid(format!(
            "The backup {id} cannot be copied from {} ({from}) to {destination} ({to}): a backup is copied only within its partition.",
            call.region
        )));
    }
    if store.disabled_regions.contains(destination) {
        let refusal = &behaviour.region_not_enabled;
        let message = refusal.message.clone().unwrap_or_else(|| {
            format!("The destination region {destination} is not enabled for this account.")
        });
        return Err(ApiError::cloudhsm(&refusal.code, message));
    }
    match source.state.as_str() {
        "READY" => {}
        "PENDING_DELETION" => {
            return Err(ApiError::invalid(format!(
                "The backup {id} is pending deletion; restore it (RestoreBackup) before copying it."
            )))
        }
        other => {
            return Err(ApiError::invalid(format!(
                "The backup {id} is in state {other}; only a READY backup can be copied."
            )))
        }
    }
    let origin = CopyOrigin {
        region: call.region.clone(),
        backup_id: source.id.clone(),
        cluster_id: source.cluster_id.clone(),
        copied_at: SystemTime::now(),
    };
    let answer = json!({
        "DestinationBackup": {
            "CreateTimestamp": epoch_seconds(source.create_time),
            "SourceRegion": origin.region,
            "SourceBackup": origin.backup_id,
            "SourceCluster": origin.cluster_id,
        }
    });
    let shows_in = timings
        .copy_visible_after
        .saturating_add(behaviour.copy_visibility_lag.unwrap_or(Duration::ZERO));
    let visible_at = after(now, shows_in);
    let copy = Backup {
        seq: 0,
        id: store.fresh_backup_id(),
        region: destination.to_string(),
        account: source.account.clone(),
        state: "CREATE_IN_PROGRESS".into(),
        cluster_id: source.cluster_id.clone(),
        create_time: source.create_time,
        never_expires: false,
        copy: Some(origin),
        delete_time: None,
        tags: tags.unwrap_or_else(|| source.tags.clone()),
        hsm_type: source.hsm_type.clone(),
        mode: source.mode.clone(),
        visible_at: Some(visible_at),
        ready_at: Some(after(visible_at, timings.copy_ready_after)),
        changed: None,
        lagged: None,
    };
    if !behaviour.copy_never_appears {
        store.add_backup(copy);
    }
    Ok(answer)
}
