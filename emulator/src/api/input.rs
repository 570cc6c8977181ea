//! Reading the fields of a request (strings, lists, the cluster id, the HSM type, the
//! retention policy) as AWS validates them, and the refusals the operations share (unknown
//! cluster, busy cluster), plus the blanks a [`Behaviour`] puts in an answer.
//!
//! Knows the request JSON and the model's store; not the operations that use it.

use serde_json::Value;

use crate::config::Behaviour;
use crate::error::ApiError;
use crate::input_rules::{
    is_cluster_id, is_hsm_type_shaped, CLUSTER_ID_PATTERN, HSM_TYPE_PATTERN, KNOWN_HSM_TYPES,
};
use crate::model::{self, Cluster, Store};

pub(super) fn optional_str<'a>(input: &'a Value, field: &str) -> Result<Option<&'a str>, ApiError> {
    match input.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::invalid(format!("{field} must be a string"))),
    }
}

pub(super) fn required_str<'a>(input: &'a Value, field: &str) -> Result<&'a str, ApiError> {
    optional_str(input, field)?.ok_or_else(|| ApiError::invalid(format!("{field} is required")))
}

pub(super) fn string_list(value: &Value, field: &str) -> Result<Vec<String>, ApiError> {
    let Some(items) = value.as_array() else {
        return Err(ApiError::invalid(format!(
            "{field} must be a list of strings"
        )));
    };
    items
        .iter()
        .map(|v| {
            v.as_str()
                .map(str::to_string)
                .ok_or_else(|| ApiError::invalid(format!("{field} must be a list of strings")))
        })
        .collect()
}

pub(super) fn cluster_id(input: &Value) -> Result<&str, ApiError> {
    let id = required_str(input, "ClusterId")?;
    if !is_cluster_id(id) {
        return Err(ApiError::invalid(format!(
            "ClusterId {id:?} does not match the pattern {CLUSTER_ID_PATTERN}"
        )));
    }
    Ok(id)
}

pub(super) fn not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("The cluster {id} does not exist."))
}

pub(super) fn hsm_type(value: &str) -> Result<&str, ApiError> {
    if !is_hsm_type_shaped(value) {
        return Err(ApiError::invalid(format!(
            "HsmType {value:?} does not match the pattern {HSM_TYPE_PATTERN} (at most 32 characters)"
        )));
    }
    if !KNOWN_HSM_TYPES.contains(&value) {
        return Err(ApiError::invalid(format!(
            "HsmType {value} is not supported; supported types: {}",
            KNOWN_HSM_TYPES.join(", ")
        )));
    }
    Ok(value)
}

/// `{Type: "DAYS", Value: "7".."379"}` -> days.
pub(super) fn retention_days(value: &Value) -> Result<u32, ApiError> {
    let Some(policy) = value.as_object() else {
        return Err(ApiError::invalid("BackupRetentionPolicy must be an object"));
    };
    match policy.get("Type").and_then(Value::as_str) {
        Some("DAYS") => {}
        Some(other) => {
            return Err(ApiError::invalid(format!(
                "BackupRetentionPolicy Type {other:?} is not supported; the only type is DAYS"
            )))
        }
        None => {
            return Err(ApiError::invalid(
                "BackupRetentionPolicy Type is required (DAYS)",
            ))
        }
    }
    let Some(text) = policy.get("Value").and_then(Value::as_str) else {
        return Err(ApiError::invalid(
            "BackupRetentionPolicy Value is required, as a string of digits between 7 and 379",
        ));
    };
    match text.parse::<u32>() {
        Ok(days) if (7..=379).contains(&days) && text.bytes().all(|b| b.is_ascii_digit()) => {
            Ok(days)
        }
        _ => Err(ApiError::invalid(format!(
            "BackupRetentionPolicy Value {text:?} is invalid: use a value between 7 and 379 (days)"
        ))),
    }
}

pub(super) fn get_mut<'a>(store: &'a mut Store, id: &str) -> Result<&'a mut Cluster, ApiError> {
    store.get_mut(id).ok_or_else(|| not_found(id))
}

/// A refusal because the cluster is busy (in an `*_IN_PROGRESS` state): `default`, or the
/// configured [`Behaviour::busy_message`](crate::config::Behaviour::busy_message) when
/// there is one.
pub(super) fn busy(busy_message: Option<&str>, default: String) -> ApiError {
    ApiError::invalid(busy_message.map_or(default, str::to_string))
}

/// The refusal while an HSM type change is under way, even before the cluster shows a busy
/// state: the service is already working on it.
pub(super) fn type_change_busy(busy_message: Option<&str>, id: &str) -> ApiError {
    busy(
        busy_message,
        format!(
            "The cluster {id} is changing its HSM type; try again once that operation completes."
        ),
    )
}

/// A cluster in an API answer: with `""` for absent strings when
/// [`Behaviour::blank_absent`] says so.
pub(super) fn answered(mut cluster: Value, behaviour: &Behaviour) -> Value {
    if behaviour.blank_absent {
        model::blank_absent(&mut cluster);
    }
    cluster
}
