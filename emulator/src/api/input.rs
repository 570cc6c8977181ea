//! Reading the fields of a request (strings, booleans, lists, page sizes, cluster and
//! backup ids, the HSM type, the retention policy, tags, a region) as AWS validates them,
//! and the refusals the operations share (unknown cluster or backup, busy cluster), plus
//! the blanks a [`Behaviour`] puts in an answer.
//!
//! Knows the request JSON and the model's store; not the operations that use it.

use serde_json::Value;

use crate::config::Behaviour;
use crate::error::ApiError;
use crate::input_rules::{
    is_backup_id, is_cluster_id, is_hsm_type_shaped, is_tag_text, BACKUP_ID_PATTERN,
    CLUSTER_ID_PATTERN, HSM_TYPE_PATTERN, KNOWN_HSM_TYPES, MAX_TAGS, MAX_TAG_KEY, MAX_TAG_VALUE,
    TAG_PATTERN,
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

/// The cluster `id` in the call's `region` (a cluster elsewhere is not found).
pub(super) fn get_mut<'a>(
    store: &'a mut Store,
    region: &str,
    id: &str,
) -> Result<&'a mut Cluster, ApiError> {
    store.get_mut_in(region, id).ok_or_else(|| not_found(id))
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

pub(super) fn optional_bool(input: &Value, field: &str) -> Result<Option<bool>, ApiError> {
    match input.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(ApiError::invalid(format!("{field} must be true or false"))),
    }
}

/// `MaxResults`: `max` when absent, else a number from 1 to `max`.
pub(super) fn max_results(input: &Value, max: usize) -> Result<usize, ApiError> {
    match input.get("MaxResults") {
        None | Some(Value::Null) => Ok(max),
        Some(v) => match v.as_u64() {
            Some(n) if (1..=max as u64).contains(&n) => Ok(n as usize),
            _ => Err(ApiError::invalid(format!(
                "MaxResults {v} is invalid: it must be between 1 and {max}"
            ))),
        },
    }
}

/// `MaxResults` capped by [`Behaviour::page_limit`].
pub(super) fn page_size(max_results: usize, behaviour: &Behaviour) -> usize {
    behaviour
        .page_limit
        .map_or(max_results, |limit| max_results.min(limit.max(1)))
}

/// The longest `NextToken` the API takes.
const MAX_NEXT_TOKEN: usize = 256;

/// `NextToken`, decoded by `decode`; refused when it is not one the emulator gave.
pub(super) fn next_token<T>(
    input: &Value,
    decode: impl Fn(&str) -> Option<T>,
) -> Result<Option<T>, ApiError> {
    match optional_str(input, "NextToken")? {
        None => Ok(None),
        Some(token) if token.len() <= MAX_NEXT_TOKEN => decode(token)
            .map(Some)
            .ok_or_else(|| ApiError::invalid(format!("NextToken {token:?} is invalid"))),
        Some(_) => Err(ApiError::invalid(format!(
            "NextToken is invalid: it must be at most {MAX_NEXT_TOKEN} characters"
        ))),
    }
}

/// AWS's report of failed input constraints: "1 validation error detected: …" or "N
/// validation errors detected: …; …", as `CloudHsmInvalidRequestException`.
pub(super) fn validation(errors: Vec<String>) -> Result<(), ApiError> {
    match errors.len() {
        0 => Ok(()),
        1 => Err(ApiError::invalid(format!(
            "1 validation error detected: {}",
            errors[0]
        ))),
        n => Err(ApiError::invalid(format!(
            "{n} validation errors detected: {}",
            errors.join("; ")
        ))),
    }
}

/// `BackupId` (or another member holding one), matching `backup-[2-7a-zA-Z]{11,16}`.
pub(super) fn backup_id<'a>(input: &'a Value, field: &str) -> Result<&'a str, ApiError> {
    let id = required_str(input, field)?;
    if !is_backup_id(id) {
        return Err(ApiError::invalid(format!(
            "{field} {id:?} does not match the pattern {BACKUP_ID_PATTERN}"
        )));
    }
    Ok(id)
}

pub(super) fn backup_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("The backup {id} does not exist."))
}

/// A `TagList` under `member` (its name in validation messages, e.g. `tagList`): `None`
/// when absent; else 1 to 50 tags, each a `Key` of 1 to 128 and a `Value` of at most 256
/// characters of the documented alphabet, no key twice, no key in the `aws:` namespace.
pub(super) fn tag_list(
    value: Option<&Value>,
    member: &str,
) -> Result<Option<Vec<(String, String)>>, ApiError> {
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return Ok(None);
    };
    let Some(items) = value.as_array() else {
        return Err(ApiError::invalid(format!(
            "{member} must be a list of {{Key, Value}}"
        )));
    };
    let mut errors = list_size_errors(member, items.len());
    let mut tags = Vec::with_capacity(items.len());
    for (i, item) in items.iter().enumerate() {
        let (Some(key), Some(value)) = (
            item.get("Key").and_then(Value::as_str),
            item.get("Value").and_then(Value::as_str),
        ) else {
            return Err(ApiError::invalid(format!(
                "each tag of {member} needs a Key and a Value, both strings"
            )));
        };
        let at = format!("{member}.{}.member", i + 1);
        errors.extend(tag_text_errors(key, &format!("{at}.key"), 1, MAX_TAG_KEY));
        errors.extend(tag_text_errors(
            value,
            &format!("{at}.value"),
            0,
            MAX_TAG_VALUE,
        ));
        tags.push((key.to_string(), value.to_string()));
    }
    validation(errors)?;
    for (i, (key, _)) in tags.iter().enumerate() {
        if key.to_ascii_lowercase().starts_with("aws:") {
            return Err(ApiError::tag(format!(
                "The tag key {key:?} is not allowed: keys beginning with aws: are reserved for AWS use."
            )));
        }
        if tags[..i].iter().any(|(k, _)| k == key) {
            return Err(ApiError::tag(format!(
                "The tag key {key:?} appears more than once in {member}."
            )));
        }
    }
    Ok(Some(tags))
}

/// `TagKeyList`: 1 to 50 keys, each as a tag key must be.
pub(super) fn tag_keys(value: Option<&Value>) -> Result<Vec<String>, ApiError> {
    let member = "tagKeyList";
    let Some(value) = value.filter(|v| !v.is_null()) else {
        return Err(ApiError::invalid("TagKeyList is required"));
    };
    let keys = string_list(value, "TagKeyList")?;
    let mut errors = list_size_errors(member, keys.len());
    for (i, key) in keys.iter().enumerate() {
        errors.extend(tag_text_errors(
            key,
            &format!("{member}.{}.member", i + 1),
            1,
            MAX_TAG_KEY,
        ));
    }
    validation(errors)?;
    Ok(keys)
}

/// The length constraint of a tag list or key list (1 to [`MAX_TAGS`] members).
fn list_size_errors(member: &str, n: usize) -> Vec<String> {
    if n == 0 {
        vec![format!(
            "Value '[]' at '{member}' failed to satisfy constraint: Member must have length greater than or equal to 1"
        )]
    } else if n > MAX_TAGS {
        vec![format!(
            "Value at '{member}' failed to satisfy constraint: Member must have length less than or equal to {MAX_TAGS}"
        )]
    } else {
        Vec::new()
    }
}

/// The constraints of a tag key or value at `at`: `min` to `max` characters of
/// [`TAG_PATTERN`].
fn tag_text_errors(text: &str, at: &str, min: usize, max: usize) -> Vec<String> {
    let mut errors = Vec::new();
    let n = text.chars().count();
    if n < min {
        errors.push(format!(
            "Value '{text}' at '{at}' failed to satisfy constraint: Member must have length greater than or equal to {min}"
        ));
    }
    if n > max {
        errors.push(format!(
            "Value '{text}' at '{at}' failed to satisfy constraint: Member must have length less than or equal to {max}"
        ));
    }
    if !is_tag_text(text) {
        errors.push(format!(
            "Value '{text}' at '{at}' failed to satisfy constraint: Member must satisfy regular expression pattern: {TAG_PATTERN}"
        ));
    }
    errors
}

/// A backup in an API answer: with `""` for absent strings when
/// [`Behaviour::blank_absent`] says so.
pub(super) fn answered_backup(mut backup: Value, behaviour: &Behaviour) -> Value {
    if behaviour.blank_absent {
        model::blank_absent_backup(&mut backup);
    }
    backup
}
