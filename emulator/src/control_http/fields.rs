//! Reading the fields of a control request body: each field under its `PascalCase` or
//! `snake_case` name, typed, with a 400 answer that names the field when it is wrong.
//!
//! Knows JSON; not what the fields change.

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::bad;
use crate::input_rules::CLUSTER_STATES;

pub(super) fn parse(body: &[u8]) -> Result<Value, (StatusCode, String)> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(json!({}));
    }
    match serde_json::from_slice(body) {
        Ok(v @ Value::Object(_)) => Ok(v),
        Ok(_) => Err(bad("the body must be a JSON object")),
        Err(e) => Err(bad(format!("the body is not valid JSON: {e}"))),
    }
}

pub(super) fn field<'a>(body: &'a Value, names: &[&str]) -> Option<&'a Value> {
    names
        .iter()
        .find_map(|n| body.get(*n).filter(|v| !v.is_null()))
}

pub(super) fn field_opt_str(
    body: &Value,
    names: &[&str],
) -> Result<Option<String>, (StatusCode, String)> {
    match field(body, names) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(bad(format!("{} must be a string", names[0]))),
    }
}

pub(super) fn field_str(body: &Value, names: &[&str]) -> Result<String, (StatusCode, String)> {
    field_opt_str(body, names)?.ok_or_else(|| bad(format!("{} is required", names[0])))
}

pub(super) fn field_i64(body: &Value, names: &[&str]) -> Result<Option<i64>, (StatusCode, String)> {
    match field(body, names) {
        None => Ok(None),
        Some(v) => v
            .as_i64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            .map(Some)
            .ok_or_else(|| bad(format!("{} must be an integer", names[0]))),
    }
}

pub(super) fn field_bool(
    body: &Value,
    names: &[&str],
) -> Result<Option<bool>, (StatusCode, String)> {
    match field(body, names) {
        None => Ok(None),
        Some(Value::Bool(b)) => Ok(Some(*b)),
        Some(_) => Err(bad(format!("{} must be true or false", names[0]))),
    }
}

/// The cluster state named by `names`, checked against the API's states.
pub(super) fn field_state(
    body: &Value,
    names: &[&str],
) -> Result<Option<String>, (StatusCode, String)> {
    let state = field_opt_str(body, names)?;
    if let Some(s) = &state {
        if !CLUSTER_STATES.contains(&s.as_str()) {
            return Err(bad(format!("{s:?} is not a cluster state")));
        }
    }
    Ok(state)
}

pub(super) fn field_u64(body: &Value, names: &[&str]) -> Result<Option<u64>, (StatusCode, String)> {
    match field(body, names) {
        None => Ok(None),
        Some(v) => v
            .as_u64()
            .or_else(|| v.as_str().and_then(|s| s.parse().ok()))
            .map(Some)
            .ok_or_else(|| bad(format!("{} must be a non-negative integer", names[0]))),
    }
}

/// Whether `body` holds one of `names` set to `null`.
pub(super) fn is_null_field(body: &Value, names: &[&str]) -> bool {
    names
        .iter()
        .any(|n| body.get(*n).is_some_and(Value::is_null))
}

/// A duration in milliseconds named by `names`: `Ok(None)` when absent, `Ok(Some(None))`
/// when null (cleared), `Ok(Some(Some(d)))` when set.
pub(super) fn field_opt_ms(
    body: &Value,
    names: &[&str],
) -> Result<Option<Option<Duration>>, (StatusCode, String)> {
    if is_null_field(body, names) {
        return Ok(Some(None));
    }
    Ok(field_u64(body, names)?.map(|ms| Some(Duration::from_millis(ms))))
}

/// A list of strings named by `names`; `None` when absent.
pub(super) fn field_str_list(
    body: &Value,
    names: &[&str],
    what: &str,
) -> Result<Option<Vec<String>>, (StatusCode, String)> {
    match field(body, names) {
        None => Ok(None),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| {
                v.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| bad(format!("{} must be a list of {what}", names[0])))
            })
            .collect::<Result<_, _>>()
            .map(Some),
        Some(_) => Err(bad(format!("{} must be a list of {what}", names[0]))),
    }
}

/// `Tags`: `{key: value}` or `[{Key, Value}]` (or `key` / `value`); empty when absent.
pub(super) fn field_tags(b: &Value) -> Result<Vec<(String, String)>, (StatusCode, String)> {
    let tags = match field(b, &["Tags", "tags", "TagList"]) {
        None => Vec::new(),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| {
                v.as_str()
                    .map(|v| (k.clone(), v.to_string()))
                    .ok_or_else(|| bad("tag values must be strings"))
            })
            .collect::<Result<_, _>>()?,
        Some(Value::Array(items)) => items
            .iter()
            .map(|t| {
                let k = t
                    .get("Key")
                    .or_else(|| t.get("key"))
                    .and_then(Value::as_str);
                let v = t
                    .get("Value")
                    .or_else(|| t.get("value"))
                    .and_then(Value::as_str);
                match (k, v) {
                    (Some(k), Some(v)) => Ok((k.to_string(), v.to_string())),
                    _ => Err(bad("each tag needs a Key and a Value")),
                }
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(bad("Tags must be an object or a list of {Key, Value}")),
    };
    Ok(tags)
}

/// `Mode`: `FIPS` or `NON_FIPS`; `None` when absent.
pub(super) fn field_mode(b: &Value) -> Result<Option<String>, (StatusCode, String)> {
    let mode = field_opt_str(b, &["Mode", "mode"])?;
    match mode.as_deref() {
        None | Some("FIPS" | "NON_FIPS") => Ok(mode),
        Some(other) => Err(bad(format!("Mode {other:?} must be FIPS or NON_FIPS"))),
    }
}
