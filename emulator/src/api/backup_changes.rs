//! The operations that change a backup: `DeleteBackup` (PENDING_DELETION for the deletion
//! window; a repeated one refused or answered as the behaviours say), `RestoreBackup`
//! (back to READY) and `ModifyBackupAttributes` (`NeverExpires`), each in the call's region
//! and answered with the backup, with the read lag they leave behind.
//!
//! Knows the model and the shared input readers; not how requests arrive.

use std::time::{Instant, SystemTime};

use serde_json::{json, Value};

use super::input::{answered_backup, backup_id, backup_not_found, optional_bool};
use super::Call;
use crate::config::{Behaviour, RepeatedDelete};
use crate::control::Shared;
use crate::error::ApiError;
use crate::model::Backup;

/// `{"Backup": …}`: the backup as it now is (no lag, fields with their state).
fn backup_answer(backup: &Backup, behaviour: &Behaviour) -> Value {
    json!({ "Backup": answered_backup(backup.to_json(), behaviour) })
}

pub(super) fn delete_backup(
    shared: &Shared,
    call: &Call,
    input: &Value,
) -> Result<Value, ApiError> {
    let id = backup_id(input, "BackupId")?;
    let mut store = shared.store();
    let behaviour = store.behaviour.clone();
    let window = store.timings.backup_deletion_window;
    let backup = store
        .backup_mut_in(&call.region, id)
        .ok_or_else(|| backup_not_found(id))?;
    match backup.state.as_str() {
        "READY" => {}
        "PENDING_DELETION" => match behaviour.repeated_delete {
            RepeatedDelete::AnswerAsIs => return Ok(backup_answer(backup, &behaviour)),
            RepeatedDelete::Refuse => {
                return Err(ApiError::invalid(format!(
                    "The backup {id} is already pending deletion."
                )))
            }
        },
        other => {
            return Err(ApiError::invalid(format!(
                "The backup {id} is in state {other}; only a READY backup can be deleted."
            )))
        }
    }
    let before = backup.before_write(&behaviour);
    let delete_at = SystemTime::now().checked_add(window);
    backup.set_state("PENDING_DELETION", delete_at, Instant::now());
    backup.after_write(before, &behaviour);
    Ok(backup_answer(backup, &behaviour))
}

pub(super) fn restore_backup(
    shared: &Shared,
    call: &Call,
    input: &Value,
) -> Result<Value, ApiError> {
    let id = backup_id(input, "BackupId")?;
    let mut store = shared.store();
    let behaviour = store.behaviour.clone();
    let backup = store
        .backup_mut_in(&call.region, id)
        .ok_or_else(|| backup_not_found(id))?;
    if backup.state != "PENDING_DELETION" {
        return Err(ApiError::invalid(format!(
            "The backup {id} is in state {}; only a backup pending deletion can be restored.",
            backup.state
        )));
    }
    let before = backup.before_write(&behaviour);
    backup.set_state("READY", None, Instant::now());
    backup.after_write(before, &behaviour);
    Ok(backup_answer(backup, &behaviour))
}

pub(super) fn modify_backup_attributes(
    shared: &Shared,
    call: &Call,
    input: &Value,
) -> Result<Value, ApiError> {
    let id = backup_id(input, "BackupId")?;
    let never_expires = optional_bool(input, "NeverExpires")?
        .ok_or_else(|| ApiError::invalid("NeverExpires is required"))?;
    let mut store = shared.store();
    let behaviour = store.behaviour.clone();
    let backup = store
        .backup_mut_in(&call.region, id)
        .ok_or_else(|| backup_not_found(id))?;
    let before = backup.before_write(&behaviour);
    backup.never_expires = never_expires;
    backup.after_write(before, &behaviour);
    Ok(backup_answer(backup, &behaviour))
}
