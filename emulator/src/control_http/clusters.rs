//! Seeding a cluster from a [`ClusterSpec`] and setting its state (certifying, or busy for a
//! while), for the control routes under `/_emulator/clusters`.
//!
//! Knows `Control` and the field readers; not the routes.

use std::time::Duration;

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::fields::{
    field, field_bool, field_mode, field_opt_str, field_state, field_tags, field_u64, parse,
};
use super::{bad, changed, ok, Answer};
use crate::config::ClusterSpec;
use crate::control::Control;
use crate::input_rules::{
    is_cluster_id, is_hsm_type_shaped, CLUSTER_ID_PATTERN, CLUSTER_STATES, KNOWN_HSM_TYPES,
};

/// `POST /_emulator/clusters/{id}/state`: `set_state`, `force_state` or `busy_for`.
pub(super) fn set_state(control: &Control, id: &str, b: &Value) -> Answer {
    let state = field_state(b, &["State", "state"])?.ok_or_else(|| bad("State is required"))?;
    let certify = field_bool(b, &["Certify", "certify"])?;
    let for_ms = field_u64(b, &["ForMs", "for_ms"])?;
    let then = field_state(b, &["Then", "then"])?;
    let existed = match (for_ms, certify) {
        (Some(_), Some(true)) => {
            return Err(bad(
                "a timed state (ForMs) never changes certificates: drop Certify",
            ))
        }
        (Some(ms), _) => control.busy_for(id, &state, Duration::from_millis(ms), then.as_deref()),
        (None, _) if then.is_some() => return Err(bad("Then needs ForMs")),
        (None, Some(false)) => control.force_state(id, &state),
        (None, _) => control.set_state(id, &state),
    };
    changed(control, id, existed)
}

pub(super) fn seed(control: &Control, body: &[u8]) -> Answer {
    let b = parse(body)?;
    let state = field_opt_str(&b, &["State", "state"])?;
    if let Some(s) = &state {
        if !CLUSTER_STATES.contains(&s.as_str()) {
            return Err(bad(format!("{s:?} is not a cluster state")));
        }
    }
    let hsm_type = field_opt_str(&b, &["HsmType", "hsm_type"])?;
    if let Some(t) = &hsm_type {
        if !KNOWN_HSM_TYPES.contains(&t.as_str()) && !is_hsm_type_shaped(t) {
            return Err(bad(format!("{t:?} is not an HSM type")));
        }
    }
    let with_hsm = match field(&b, &["WithHsm", "with_hsm"]) {
        None => true,
        Some(Value::Bool(v)) => *v,
        Some(_) => return Err(bad("WithHsm must be true or false")),
    };
    let days = field_u64(&b, &["BackupRetentionDays", "backup_retention_days"])?
        .map(|d| u32::try_from(d).map_err(|_| bad("BackupRetentionDays is too large")))
        .transpose()?;
    let cluster_id = field_opt_str(&b, &["ClusterId", "cluster_id"])?;
    if let Some(id) = &cluster_id {
        if !is_cluster_id(id) {
            return Err(bad(format!("{id:?} does not match {CLUSTER_ID_PATTERN}")));
        }
    }
    let tags = field_tags(&b)?;
    let region = field_opt_str(&b, &["Region", "region"])?;
    let mode = field_mode(&b)?;
    let spec = ClusterSpec {
        state,
        hsm_type,
        with_hsm,
        backup_retention_days: days,
        vpc_id: field_opt_str(&b, &["VpcId", "vpc_id"])?,
        tags,
        cluster_id,
        region,
        mode,
    };
    let id = control
        .try_seed_cluster(spec)
        .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    ok(json!({ "ClusterId": id }))
}
