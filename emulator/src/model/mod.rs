//! The emulated world: clusters and HSMs, the backups of clusters and their copies, each in
//! its region, their timed state transitions, identifiers, and their rendering in the API's
//! JSON shape.
//!
//! It knows nothing of requests, protocols, faults or the control surface: the handlers and
//! `Control` change it, and the input rules they check sit apart (`input_rules`).
//!
//! This file: ids, the HSM, the pending transitions, read lags and the cluster's fields;
//! `transitions.rs`: how a cluster changes over time; `views.rs`: how `DescribeClusters`
//! shows it (JSON, hidden certificates, read lags); `backups.rs`: a backup's fields and how
//! it changes over time; `backup_views.rs`: how `DescribeBackups` shows it (JSON, fields
//! after the state, read lags); `store.rs`: every cluster and backup behind one lock.

mod backup_views;
mod backups;
mod store;
mod transitions;
mod views;

pub(crate) use backup_views::blank_absent_backup;
pub(crate) use backups::{Backup, CopyOrigin, StateChange};
pub(crate) use store::{availability_zone, Store};

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};

use crate::pki::ClusterMaterial;

pub(crate) fn is_in_progress(state: &str) -> bool {
    state.ends_with("_IN_PROGRESS")
}

/// The default `StateMessage` for a cluster state.
pub(crate) fn state_message(state: &str) -> String {
    match state {
        "CREATE_IN_PROGRESS" => "The cluster is being created.",
        "UNINITIALIZED" => "The cluster is uninitialized. Create an HSM, sign the cluster CSR and initialize the cluster.",
        "INITIALIZE_IN_PROGRESS" => "The cluster is being initialized.",
        "INITIALIZED" => "The cluster is initialized. Activate it with the CloudHSM CLI to start using it.",
        "ACTIVE" => "The cluster is active.",
        "UPDATE_IN_PROGRESS" => "The cluster is being updated.",
        "MODIFY_IN_PROGRESS" => "The cluster's HSM type is being changed.",
        "ROLLBACK_IN_PROGRESS" => "The cluster's HSM type is being rolled back.",
        "DELETE_IN_PROGRESS" => "The cluster is being deleted.",
        "DELETED" => "The cluster has been deleted.",
        "DEGRADED" => "The cluster is degraded.",
        other => return format!("The cluster is {other}."),
    }
    .to_string()
}

const ID_ALPHABET: &[u8] = b"234567abcdefghijklmnopqrstuvwxyz";

/// `prefix-` + 11 characters of `[2-7a-z]`, like real cluster, HSM and backup ids.
pub(crate) fn new_id(prefix: &str) -> String {
    let suffix: String = (0..11)
        .map(|_| char::from(ID_ALPHABET[rand::random_range(0..ID_ALPHABET.len())]))
        .collect();
    format!("{prefix}-{suffix}")
}

/// `prefix-` + 17 hex digits, like ENI, security group and subnet ids.
pub(crate) fn new_hex_id(prefix: &str) -> String {
    let n: u128 = rand::random();
    let hex = format!("{n:032x}");
    format!("{prefix}-{}", &hex[..17])
}

pub(crate) fn epoch_seconds(t: SystemTime) -> Value {
    let millis = t
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or_default();
    // Whole milliseconds are exactly representable for centuries to come.
    json!(millis as f64 / 1000.0)
}

/// What an HSM is waiting for.
#[derive(Clone, Debug)]
pub(crate) enum HsmPending {
    Activate,
    Remove,
}

#[derive(Clone, Debug)]
pub(crate) struct Hsm {
    pub id: String,
    pub availability_zone: String,
    pub subnet_id: String,
    pub eni_id: String,
    pub eni_ip: String,
    pub hsm_type: String,
    pub state: String,
    pub state_message: String,
    pub pending: Option<(Instant, HsmPending)>,
}

impl Hsm {
    pub(crate) fn to_json(&self, cluster_id: &str) -> Value {
        json!({
            "AvailabilityZone": self.availability_zone,
            "ClusterId": cluster_id,
            "SubnetId": self.subnet_id,
            "EniId": self.eni_id,
            "EniIp": self.eni_ip,
            "HsmId": self.id,
            "HsmType": self.hsm_type,
            "State": self.state,
            "StateMessage": self.state_message,
        })
    }
}

/// What a cluster is waiting for.
#[derive(Clone, Debug)]
pub(crate) enum PendingKind {
    /// CREATE_IN_PROGRESS -> UNINITIALIZED.
    Create,
    /// INITIALIZE_IN_PROGRESS -> INITIALIZED, with this cluster certificate.
    Initialize { certificate: String },
    /// An HSM type change, shown step by step, then back to its `resume` state.
    ChangeHsmType(TypeChange),
    /// A busy state (UPDATE_IN_PROGRESS after a retention change, or one set by a test)
    /// -> `state`, with nothing else changed.
    Return { state: String },
    /// DELETE_IN_PROGRESS -> DELETED.
    Delete,
}

/// One part of an HSM type change, shown at its own time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum TypeStep {
    /// The state turns MODIFY_IN_PROGRESS (ROLLBACK_IN_PROGRESS for a rollback).
    Busy,
    /// The cluster's `HsmType` shows the target.
    ClusterType,
    /// Every HSM's `HsmType` shows the target.
    HsmTypes,
    /// `HsmTypeRollbackExpiration` appears (a migration) or goes (a rollback).
    RollbackExpiration,
}

/// An HSM type change under way: from `from` to `target`, then back to the state `resume`;
/// a migration (not a rollback) can be rolled back for `window` after it completes.
#[derive(Clone, Debug)]
pub(crate) struct TypeChange {
    pub target: String,
    pub from: String,
    pub resume: String,
    pub rollback: bool,
    pub window: Duration,
    /// The steps not shown yet, each with the time it shows; whatever is left shows when
    /// the change completes.
    pub steps: Vec<(Instant, TypeStep)>,
}

/// What `DescribeClusters` (or `DescribeBackups`) shows of a cluster (or backup) instead of
/// its real state after a write, while the configured read lag lasts.
#[derive(Clone, Debug)]
pub(crate) struct LaggedView {
    /// The cluster (or backup) as the read showed it just before the write.
    pub json: Value,
    /// When the real one shows again.
    pub until: Instant,
}

impl LaggedView {
    /// After a write that succeeded: when it changed what reads show (`before` differs from
    /// `now_shown`), reads keep showing `before` (or the older view still shown in `slot`)
    /// until `lag` has passed from `now`.
    pub(crate) fn after_write(
        slot: &mut Option<LaggedView>,
        before: Value,
        now_shown: &Value,
        lag: Duration,
        now: Instant,
    ) {
        if before == *now_shown {
            return;
        }
        let until = after(now, lag);
        match slot {
            Some(view) if view.until > now => view.until = until,
            _ => {
                *slot = Some(LaggedView {
                    json: before,
                    until,
                })
            }
        }
    }

    /// Whether the view in `slot` is still shown at `now` while `lag` is configured.
    pub(crate) fn shown(
        slot: &Option<LaggedView>,
        lag: Option<Duration>,
        now: Instant,
    ) -> Option<&Value> {
        match slot {
            Some(view) if lag.is_some() && view.until > now => Some(&view.json),
            _ => None,
        }
    }
}

/// The longest a deadline is put off: a duration too long for the clock means "for a
/// century".
const FAR_FUTURE: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// `now + d`, or as far as the clock goes when that overflows.
pub(crate) fn after(now: Instant, d: Duration) -> Instant {
    now.checked_add(d)
        .or_else(|| now.checked_add(FAR_FUTURE))
        .unwrap_or(now)
}

/// The `Certificates` members that are strings, as [`blank_absent`] fills them.
const CERTIFICATE_FIELDS: [&str; 5] = [
    "ClusterCsr",
    "ClusterCertificate",
    "HsmCertificate",
    "AwsHardwareCertificate",
    "ManufacturerHardwareCertificate",
];

/// Puts `""` in a cluster's JSON where a string value is absent (the certificates and
/// `SourceBackupId`), as [`Behaviour::blank_absent`](crate::config::Behaviour::blank_absent) asks.
pub(crate) fn blank_absent(cluster: &mut Value) {
    let Some(obj) = cluster.as_object_mut() else {
        return;
    };
    obj.entry("SourceBackupId").or_insert_with(|| json!(""));
    let certificates = obj
        .entry("Certificates")
        .or_insert_with(|| Value::Object(Map::new()));
    if let Some(certificates) = certificates.as_object_mut() {
        for field in CERTIFICATE_FIELDS {
            certificates.entry(field).or_insert_with(|| json!(""));
        }
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Pending {
    pub due: Instant,
    pub kind: PendingKind,
}

#[derive(Clone, Debug)]
pub(crate) struct Cluster {
    /// Creation order; the order `DescribeClusters` pages in.
    pub seq: u64,
    pub id: String,
    /// The region it belongs to: only calls signed for it see it.
    pub region: String,
    /// The account that owns it (the ARNs of its backups name it).
    pub account: String,
    pub state: String,
    pub state_message: String,
    pub hsm_type: String,
    /// The type before the last migration, while it can be rolled back.
    pub previous_hsm_type: Option<String>,
    pub rollback_expiration: Option<SystemTime>,
    pub backup_retention_days: u32,
    pub create_time: SystemTime,
    pub vpc_id: String,
    pub security_group: String,
    /// Availability zone -> subnet.
    pub subnet_mapping: BTreeMap<String, String>,
    pub network_type: String,
    pub mode: String,
    pub tags: Vec<(String, String)>,
    pub source_backup_id: Option<String>,
    pub material: Option<ClusterMaterial>,
    pub cluster_certificate: Option<String>,
    pub hsms: Vec<Hsm>,
    pub pending: Option<Pending>,
    /// When an `InitializeCluster` last completed (for [`Behaviour::certificate_after`](crate::config::Behaviour::certificate_after)).
    pub certified_at: Option<Instant>,
    /// What `DescribeClusters` shows instead, during a read lag.
    pub lagged: Option<LaggedView>,
    /// When an initialization completed whose backup the store has not made yet.
    pub backup_due: Option<Instant>,
}

#[cfg(test)]
mod tests;
