//! Backups and regions over HTTP: seeding a backup, making a cluster's backup, reading the
//! truth of backups, setting a backup's state or finishing its transitions, and the regions
//! not enabled, for the control routes under `/_emulator/backups`, `/_emulator/regions`
//! and `/_emulator/clusters/{id}/backups`.
//!
//! Knows `Control` and the field readers; not the routes' dispatch.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use super::fields::{field, field_bool, field_mode, field_opt_str, field_tags, field_u64, parse};
use super::{bad, json_response, no_cluster, ok, Answer};
use crate::config::BackupSpec;
use crate::control::Control;
use crate::input_rules::{
    is_backup_id, is_cluster_id, BACKUP_ID_PATTERN, BACKUP_STATES, CLUSTER_ID_PATTERN,
};

/// Answers the backup and region routes; `None` for a path that is not one of them.
pub(super) fn route(
    control: &Control,
    method: &Method,
    segments: &[&str],
    body: &[u8],
) -> Option<Answer> {
    let answer = match (method, segments) {
        (&Method::POST, ["backups"]) => parse(body).and_then(|b| seed(control, &b)),
        (&Method::GET, ["backups"]) => {
            let backups: Vec<Value> = control
                .backup_ids()
                .iter()
                .filter_map(|id| control.backup_json(id))
                .collect();
            ok(json!({ "Backups": backups }))
        }
        (&Method::GET, ["backups", id]) => backup(control, id),
        (&Method::POST, ["backups", id, "state"]) => parse(body).and_then(|b| {
            let state = backup_state(&b)?.ok_or_else(|| bad("State is required"))?;
            if !control.set_backup_state(id, &state) {
                return Err(no_backup(id));
            }
            backup(control, id)
        }),
        (&Method::POST, ["backups", id, "complete"]) => {
            if !control.complete_backup_transitions(id) {
                return Some(Err(no_backup(id)));
            }
            backup(control, id)
        }
        (&Method::POST, ["clusters", id, "backups"]) => match control.create_backup(id) {
            Some(backup_id) => ok(json!({ "BackupId": backup_id })),
            None => Err(no_cluster(id)),
        },
        (&Method::GET, ["regions"]) => regions(control),
        (&Method::POST, ["regions", region, "disable"]) => {
            control.disable_region(region);
            regions(control)
        }
        (&Method::POST, ["regions", region, "enable"]) => {
            control.enable_region(region);
            regions(control)
        }
        _ => return None,
    };
    Some(answer)
}

fn no_backup(id: &str) -> (StatusCode, String) {
    (StatusCode::NOT_FOUND, format!("no backup {id}"))
}

fn backup(control: &Control, id: &str) -> Answer {
    control
        .backup_json(id)
        .map(|b| json_response(StatusCode::OK, &b))
        .ok_or_else(|| no_backup(id))
}

fn regions(control: &Control) -> Answer {
    ok(json!({ "DisabledRegions": control.disabled_regions() }))
}

/// `State`, checked against the API's backup states.
fn backup_state(b: &Value) -> Result<Option<String>, (StatusCode, String)> {
    let state = field_opt_str(b, &["State", "state"])?;
    if let Some(s) = &state {
        if !BACKUP_STATES.contains(&s.as_str()) {
            return Err(bad(format!(
                "{s:?} is not a backup state; the states are {}",
                BACKUP_STATES.join(", ")
            )));
        }
    }
    Ok(state)
}

/// A timestamp in epoch seconds (a number, fractions allowed) named by `names`.
fn field_time(b: &Value, names: &[&str]) -> Result<Option<SystemTime>, (StatusCode, String)> {
    match field(b, names) {
        None => Ok(None),
        Some(v) => v
            .as_f64()
            .and_then(|s| Duration::try_from_secs_f64(s).ok())
            .and_then(|d| UNIX_EPOCH.checked_add(d))
            .map(Some)
            .ok_or_else(|| {
                bad(format!(
                    "{} must be a timestamp in epoch seconds (a number, not negative)",
                    names[0]
                ))
            }),
    }
}

/// An id named by `names`, checked with `is_id` against `pattern`.
fn field_id(
    b: &Value,
    names: &[&str],
    is_id: fn(&str) -> bool,
    pattern: &str,
) -> Result<Option<String>, (StatusCode, String)> {
    let id = field_opt_str(b, names)?;
    if let Some(id) = &id {
        if !is_id(id) {
            return Err(bad(format!("{id:?} does not match {pattern}")));
        }
    }
    Ok(id)
}

/// `POST /_emulator/backups`.
fn seed(control: &Control, b: &Value) -> Answer {
    let spec = BackupSpec {
        region: field_opt_str(b, &["Region", "region"])?,
        cluster_id: field_id(
            b,
            &["ClusterId", "cluster_id"],
            is_cluster_id,
            CLUSTER_ID_PATTERN,
        )?,
        state: backup_state(b)?,
        never_expires: field_bool(b, &["NeverExpires", "never_expires"])?.unwrap_or(false),
        tags: field_tags(b)?,
        create_timestamp: field_time(b, &["CreateTimestamp", "create_timestamp"])?,
        backup_id: field_id(
            b,
            &["BackupId", "backup_id"],
            is_backup_id,
            BACKUP_ID_PATTERN,
        )?,
        hsm_type: field_opt_str(b, &["HsmType", "hsm_type"])?,
        mode: field_mode(b)?,
        source_region: field_opt_str(b, &["SourceRegion", "source_region"])?,
        source_backup: field_id(
            b,
            &["SourceBackup", "source_backup"],
            is_backup_id,
            BACKUP_ID_PATTERN,
        )?,
        source_cluster: field_id(
            b,
            &["SourceCluster", "source_cluster"],
            is_cluster_id,
            CLUSTER_ID_PATTERN,
        )?,
        copy_timestamp: field_time(b, &["CopyTimestamp", "copy_timestamp"])?,
        delete_timestamp: field_time(b, &["DeleteTimestamp", "delete_timestamp"])?,
        ready_after: field_u64(b, &["ReadyAfterMs", "ready_after_ms"])?.map(Duration::from_millis),
    };
    ok(json!({ "BackupId": control.seed_backup(spec) }))
}
