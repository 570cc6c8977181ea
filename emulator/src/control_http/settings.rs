//! Timings and behaviours over HTTP: their JSON (what `GET` answers) and the partial updates
//! `POST` applies (absent fields keep their value, null clears where the table says so).
//!
//! Knows `Control`, the config types and the field readers; not the routes.

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::fields::{
    field, field_bool, field_opt_ms, field_opt_str, field_str_list, field_u64, is_null_field,
};
use super::{bad, ok, Answer};
use crate::config::{
    AwsRefusal, Behaviour, ExpiredRollback, HsmTypeChangeOrder, RepeatedDelete, Timings,
    UnsortedBackups, CLOUDHSM_ERROR_CODES,
};
use crate::control::Control;

pub(super) fn millis(d: Duration) -> u64 {
    u64::try_from(d.as_millis()).unwrap_or(u64::MAX)
}

pub(super) fn timings_json(t: &Timings) -> Value {
    json!({
        "CreateMs": millis(t.create),
        "InitializeMs": millis(t.initialize),
        "ModifyMs": millis(t.modify),
        "CreateHsmMs": millis(t.create_hsm),
        "DeleteMs": millis(t.delete),
        "UpdateMs": millis(t.update),
        "RollbackWindowMs": millis(t.rollback_window),
        "BackupMs": millis(t.backup),
        "CopyVisibleAfterMs": millis(t.copy_visible_after),
        "CopyReadyAfterMs": millis(t.copy_ready_after),
        "BackupDeletionWindowMs": millis(t.backup_deletion_window),
    })
}

pub(super) fn set_timings(control: &Control, b: &Value) -> Answer {
    let mut t = control.timings();
    if let Some(all) = field_u64(b, &["AllMs", "all_ms"])? {
        t = Timings {
            rollback_window: t.rollback_window,
            backup_deletion_window: t.backup_deletion_window,
            ..Timings::uniform(Duration::from_millis(all))
        };
    }
    let slots: [(&[&str], &mut Duration); 11] = [
        (&["CreateMs", "create_ms"], &mut t.create),
        (&["InitializeMs", "initialize_ms"], &mut t.initialize),
        (&["ModifyMs", "modify_ms"], &mut t.modify),
        (&["CreateHsmMs", "create_hsm_ms"], &mut t.create_hsm),
        (&["DeleteMs", "delete_ms"], &mut t.delete),
        (&["UpdateMs", "update_ms"], &mut t.update),
        (
            &["RollbackWindowMs", "rollback_window_ms"],
            &mut t.rollback_window,
        ),
        (&["BackupMs", "backup_ms"], &mut t.backup),
        (
            &["CopyVisibleAfterMs", "copy_visible_after_ms"],
            &mut t.copy_visible_after,
        ),
        (
            &["CopyReadyAfterMs", "copy_ready_after_ms"],
            &mut t.copy_ready_after,
        ),
        (
            &["BackupDeletionWindowMs", "backup_deletion_window_ms"],
            &mut t.backup_deletion_window,
        ),
    ];
    for (names, slot) in slots {
        if let Some(ms) = field_u64(b, names)? {
            *slot = Duration::from_millis(ms);
        }
    }
    control.set_timings(t.clone());
    ok(timings_json(&t))
}

pub(super) fn behaviour_json(b: &Behaviour) -> Value {
    json!({
        "ModifyUninitialized": b.modify_uninitialized,
        "BusyMessage": b.busy_message,
        "ExpiredRollback": match b.expired_rollback {
            ExpiredRollback::Hide => "Hide",
            ExpiredRollback::ShowPast => "ShowPast",
        },
        "DenyAssumeRole": b.deny_assume_role,
        "RefuseWhileHsmBusy": b.refuse_while_hsm_busy,
        "UnknownIdNotFound": b.unknown_id_not_found,
        "AcceptUnverifiableSignatures": b.accept_unverifiable_signatures,
        "PageLimit": b.page_limit,
        "FilterValueLimit": b.filter_value_limit,
        "ReadLagMs": b.read_lag.map(millis),
        "HsmTypeChange": hsm_type_change_json(&b.hsm_type_change),
        "CertificateAfterMs": b.certificate_after.map(millis),
        "BlankAbsent": b.blank_absent,
        "RefuseDescribeOf": b.refuse_describe_of,
        "CopyVisibilityLagMs": b.copy_visibility_lag.map(millis),
        "CopyNeverAppears": b.copy_never_appears,
        "BackupFieldsAfterStateMs": b.backup_fields_after_state.map(millis),
        "ShowDeletedBackups": b.show_deleted_backups,
        "RepeatedDelete": match b.repeated_delete {
            RepeatedDelete::Refuse => "Refuse",
            RepeatedDelete::AnswerAsIs => "AnswerAsIs",
        },
        "RegionNotEnabled": {
            "Code": b.region_not_enabled.code,
            "Message": b.region_not_enabled.message,
        },
        "UnsortedBackups": match b.unsorted_backups {
            UnsortedBackups::NewestFirst => "NewestFirst",
            UnsortedBackups::OldestFirst => "OldestFirst",
        },
    })
}

pub(super) fn hsm_type_change_json(order: &HsmTypeChangeOrder) -> Value {
    json!({
        "BusyAfterMs": order.busy_after.map(millis),
        "ClusterTypeAfterMs": order.cluster_type_after.map(millis),
        "HsmTypesAfterMs": order.hsm_types_after.map(millis),
        "RollbackExpirationAfterMs": order.rollback_expiration_after.map(millis),
    })
}

/// `HsmTypeChange: {BusyAfterMs?, ClusterTypeAfterMs?, HsmTypesAfterMs?,
/// RollbackExpirationAfterMs?}`, replaced whole (absent or null members = `None`); `None`
/// when absent from `body`.
pub(super) fn parse_hsm_type_change(
    body: &Value,
) -> Result<Option<HsmTypeChangeOrder>, (StatusCode, String)> {
    let names = ["HsmTypeChange", "hsm_type_change"];
    if is_null_field(body, &names) {
        return Ok(Some(HsmTypeChangeOrder::default()));
    }
    let Some(order) = field(body, &names) else {
        return Ok(None);
    };
    if !order.is_object() {
        return Err(bad("HsmTypeChange must be an object of millisecond delays"));
    }
    let ms = |names: &[&str]| -> Result<Option<Duration>, (StatusCode, String)> {
        Ok(field_u64(order, names)?.map(Duration::from_millis))
    };
    Ok(Some(HsmTypeChangeOrder {
        busy_after: ms(&["BusyAfterMs", "busy_after_ms"])?,
        cluster_type_after: ms(&["ClusterTypeAfterMs", "cluster_type_after_ms"])?,
        hsm_types_after: ms(&["HsmTypesAfterMs", "hsm_types_after_ms"])?,
        rollback_expiration_after: ms(&[
            "RollbackExpirationAfterMs",
            "rollback_expiration_after_ms",
        ])?,
    }))
}

/// Partial update: absent fields keep their value; `BusyMessage: null` clears it.
pub(super) fn set_behaviour(control: &Control, body: &Value) -> Answer {
    let mut b = control.behaviour();
    if let Some(v) = field_bool(body, &["ModifyUninitialized", "modify_uninitialized"])? {
        b.modify_uninitialized = v;
    }
    if let Some(v) = field_bool(body, &["RefuseWhileHsmBusy", "refuse_while_hsm_busy"])? {
        b.refuse_while_hsm_busy = v;
    }
    if let Some(v) = field_bool(body, &["UnknownIdNotFound", "unknown_id_not_found"])? {
        b.unknown_id_not_found = v;
    }
    if let Some(v) = field_bool(
        body,
        &[
            "AcceptUnverifiableSignatures",
            "accept_unverifiable_signatures",
        ],
    )? {
        b.accept_unverifiable_signatures = v;
    }
    for (names, slot) in [
        (["PageLimit", "page_limit"], &mut b.page_limit),
        (
            ["FilterValueLimit", "filter_value_limit"],
            &mut b.filter_value_limit,
        ),
    ] {
        if names
            .iter()
            .any(|n| body.get(*n).is_some_and(Value::is_null))
        {
            *slot = None;
        } else if let Some(n) = field_u64(body, &names)? {
            if n == 0 {
                return Err(bad(format!("{} must be 1 or more, or null", names[0])));
            }
            *slot = Some(n as usize);
        }
    }
    for name in ["BusyMessage", "busy_message"] {
        match body.get(name) {
            None => {}
            Some(Value::Null) => b.busy_message = None,
            Some(Value::String(s)) => b.busy_message = Some(s.clone()),
            Some(_) => return Err(bad("BusyMessage must be a string or null")),
        }
    }
    if let Some(v) = field_opt_str(body, &["ExpiredRollback", "expired_rollback"])? {
        b.expired_rollback = match v.as_str() {
            "Hide" | "hide" => ExpiredRollback::Hide,
            "ShowPast" | "show_past" => ExpiredRollback::ShowPast,
            other => {
                return Err(bad(format!(
                    "ExpiredRollback {other:?} must be Hide or ShowPast"
                )))
            }
        };
    }
    if let Some(roles) = field_str_list(body, &["DenyAssumeRole", "deny_assume_role"], "role ARNs")?
    {
        b.deny_assume_role = roles;
    }
    set_read_behaviours(&mut b, body)?;
    set_backup_behaviours(&mut b, body)?;
    control.set_behaviour(b.clone());
    ok(behaviour_json(&b))
}

/// The behaviours of the read path and of HSM type changes: `ReadLagMs`,
/// `CertificateAfterMs`, `HsmTypeChange`, `BlankAbsent`, `RefuseDescribeOf`.
pub(super) fn set_read_behaviours(
    b: &mut Behaviour,
    body: &Value,
) -> Result<(), (StatusCode, String)> {
    if let Some(lag) = field_opt_ms(body, &["ReadLagMs", "read_lag_ms"])? {
        b.read_lag = lag;
    }
    if let Some(after) = field_opt_ms(body, &["CertificateAfterMs", "certificate_after_ms"])? {
        b.certificate_after = after;
    }
    if let Some(order) = parse_hsm_type_change(body)? {
        b.hsm_type_change = order;
    }
    if let Some(v) = field_bool(body, &["BlankAbsent", "blank_absent"])? {
        b.blank_absent = v;
    }
    if let Some(ids) = field_str_list(
        body,
        &["RefuseDescribeOf", "refuse_describe_of"],
        "cluster ids",
    )? {
        b.refuse_describe_of = ids;
    }
    Ok(())
}

/// The behaviours of backups and their copies: `CopyVisibilityLagMs`, `CopyNeverAppears`,
/// `BackupFieldsAfterStateMs`, `ShowDeletedBackups`, `RepeatedDelete`, `RegionNotEnabled`,
/// `UnsortedBackups`.
pub(super) fn set_backup_behaviours(
    b: &mut Behaviour,
    body: &Value,
) -> Result<(), (StatusCode, String)> {
    if let Some(lag) = field_opt_ms(body, &["CopyVisibilityLagMs", "copy_visibility_lag_ms"])? {
        b.copy_visibility_lag = lag;
    }
    if let Some(after) = field_opt_ms(
        body,
        &["BackupFieldsAfterStateMs", "backup_fields_after_state_ms"],
    )? {
        b.backup_fields_after_state = after;
    }
    if let Some(v) = field_bool(body, &["CopyNeverAppears", "copy_never_appears"])? {
        b.copy_never_appears = v;
    }
    if let Some(v) = field_bool(body, &["ShowDeletedBackups", "show_deleted_backups"])? {
        b.show_deleted_backups = v;
    }
    if let Some(v) = field_opt_str(body, &["RepeatedDelete", "repeated_delete"])? {
        b.repeated_delete = match v.as_str() {
            "Refuse" | "refuse" => RepeatedDelete::Refuse,
            "AnswerAsIs" | "answer_as_is" => RepeatedDelete::AnswerAsIs,
            other => {
                return Err(bad(format!(
                    "RepeatedDelete {other:?} must be Refuse or AnswerAsIs"
                )))
            }
        };
    }
    if let Some(v) = field_opt_str(body, &["UnsortedBackups", "unsorted_backups"])? {
        b.unsorted_backups = match v.as_str() {
            "NewestFirst" | "newest_first" => UnsortedBackups::NewestFirst,
            "OldestFirst" | "oldest_first" => UnsortedBackups::OldestFirst,
            other => {
                return Err(bad(format!(
                    "UnsortedBackups {other:?} must be NewestFirst or OldestFirst"
                )))
            }
        };
    }
    let names = ["RegionNotEnabled", "region_not_enabled"];
    if is_null_field(body, &names) {
        b.region_not_enabled = AwsRefusal::default();
    } else if let Some(refusal) = field(body, &names) {
        if !refusal.is_object() {
            return Err(bad("RegionNotEnabled must be an object {Code?, Message?}"));
        }
        if let Some(code) = field_opt_str(refusal, &["Code", "code"])? {
            if !CLOUDHSM_ERROR_CODES.contains(&code.as_str()) {
                return Err(bad(format!(
                    "RegionNotEnabled.Code {code:?} must be one of {}",
                    CLOUDHSM_ERROR_CODES.join(", ")
                )));
            }
            b.region_not_enabled.code = code;
        }
        if is_null_field(refusal, &["Message", "message"]) {
            b.region_not_enabled.message = None;
        } else if let Some(message) = field_opt_str(refusal, &["Message", "message"])? {
            b.region_not_enabled.message = Some(message);
        }
    }
    Ok(())
}
