//! `ModifyCluster`: the HSM type (migrations, rollbacks and their window) and the backup
//! retention, with the refusals of a busy cluster or HSM as the behaviours ask.
//!
//! Knows the model and the shared input readers; not how requests arrive.

use std::time::{Instant, SystemTime};

use serde_json::{json, Value};

use super::input::{
    answered, busy, cluster_id, get_mut, hsm_type, optional_str, retention_days, type_change_busy,
};
use super::Call;
use crate::config::Behaviour;
use crate::control::Shared;
use crate::error::ApiError;
use crate::model::{after, is_in_progress, Cluster, Pending, PendingKind, TypeChange, TypeStep};

pub(super) fn modify_cluster(
    shared: &Shared,
    call: &Call,
    input: &Value,
) -> Result<Value, ApiError> {
    let id = cluster_id(input)?;
    let new_type = optional_str(input, "HsmType")?.map(hsm_type).transpose()?;
    let days = match input.get("BackupRetentionPolicy") {
        None | Some(Value::Null) => None,
        Some(v) => Some(retention_days(v)?),
    };
    if new_type.is_none() && days.is_none() {
        return Err(ApiError::invalid(
            "Specify HsmType or BackupRetentionPolicy (or both) to modify the cluster.",
        ));
    }
    let mut store = shared.store();
    let timings = store.timings.clone();
    let behaviour = store.behaviour.clone();
    let cluster = get_mut(&mut store, &call.region, id)?;
    if is_in_progress(&cluster.state) {
        return Err(busy(
            behaviour.busy_message.as_deref(),
            format!(
                "The cluster {id} is in state {}; it cannot be modified until that operation completes.",
                cluster.state
            ),
        ));
    }
    if cluster.type_change_pending() {
        return Err(type_change_busy(behaviour.busy_message.as_deref(), id));
    }
    if behaviour.refuse_while_hsm_busy && cluster.hsms.iter().any(|h| is_in_progress(&h.state)) {
        return Err(busy(
            behaviour.busy_message.as_deref(),
            format!("An HSM of the cluster {id} is being changed; try again once it is done."),
        ));
    }
    if cluster.state == "DELETED" {
        return Err(ApiError::invalid(format!("The cluster {id} is DELETED.")));
    }
    if cluster.state == "UNINITIALIZED" && !behaviour.modify_uninitialized {
        return Err(ApiError::invalid(format!(
            "The cluster {id} is UNINITIALIZED; it can be modified once it is initialized."
        )));
    }
    // Decide the HSM type change fully before changing anything.
    let type_change = match new_type {
        Some(target) if target != cluster.hsm_type => {
            let can_roll_back = cluster.previous_hsm_type.as_deref() == Some(target)
                && cluster.rollback_open(SystemTime::now());
            if can_roll_back {
                Some((target.to_string(), true))
            } else if cluster.hsm_type == "hsm1.medium" && target == "hsm2m.medium" {
                Some((target.to_string(), false))
            } else {
                return Err(ApiError::invalid(format!(
                    "The cluster {id} cannot change its HSM type from {} to {target}: the supported migration is hsm1.medium to hsm2m.medium, and a migration can only be rolled back before HsmTypeRollbackExpiration.",
                    cluster.hsm_type
                )));
            }
        }
        _ => None,
    };
    let before = cluster.before_write(&behaviour);
    if let Some(days) = days {
        cluster.backup_retention_days = days;
    }
    let resume = cluster.state.clone();
    if let Some((target, rollback)) = type_change {
        start_type_change(cluster, target, rollback, &timings, &behaviour);
    } else if days.is_some() && !timings.update.is_zero() {
        // A retention-only change: busy for a while, then back where it was.
        cluster.set_state("UPDATE_IN_PROGRESS");
        cluster.pending = Some(Pending {
            due: Instant::now() + timings.update,
            kind: PendingKind::Return { state: resume },
        });
    }
    cluster.after_write(before, &behaviour);
    let shown = cluster.to_json(behaviour.expired_rollback);
    Ok(json!({ "Cluster": answered(shown, &behaviour) }))
}

/// Starts an HSM type change (a migration, or a rollback) to `target`: each step shows at
/// the time [`Behaviour::hsm_type_change`] gives it (the busy state at once by default, the
/// rest at completion), and the change completes at the latest of them and
/// [`Timings::modify`](crate::config::Timings::modify). The steps due at once show now.
pub(super) fn start_type_change(
    cluster: &mut Cluster,
    target: String,
    rollback: bool,
    timings: &crate::config::Timings,
    behaviour: &Behaviour,
) {
    let now = Instant::now();
    let order = &behaviour.hsm_type_change;
    let timed = [
        (order.cluster_type_after, TypeStep::ClusterType),
        (order.hsm_types_after, TypeStep::HsmTypes),
        (
            order.rollback_expiration_after,
            TypeStep::RollbackExpiration,
        ),
    ];
    let due = [
        Some(timings.modify),
        order.busy_after,
        order.cluster_type_after,
        order.hsm_types_after,
        order.rollback_expiration_after,
    ]
    .into_iter()
    .flatten()
    .map(|d| after(now, d))
    .max()
    .unwrap_or(now);
    let busy_at = order.busy_after.map_or(now, |d| after(now, d));
    let mut steps = vec![(busy_at, TypeStep::Busy)];
    steps.extend(
        timed
            .into_iter()
            .map(|(d, step)| (d.map_or(due, |d| after(now, d)), step)),
    );
    cluster.pending = Some(Pending {
        due,
        kind: PendingKind::ChangeHsmType(TypeChange {
            target,
            from: cluster.hsm_type.clone(),
            resume: cluster.state.clone(),
            rollback,
            window: timings.rollback_window,
            steps,
        }),
    });
    cluster.show_type_steps(now);
}
