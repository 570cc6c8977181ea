//! The emulated world: clusters and HSMs, their timed state transitions, identifiers, and
//! their rendering in the API's JSON shape.
//!
//! It knows nothing of requests, protocols, faults or the control surface: the handlers and
//! `Control` change it, and the input rules they check sit apart (`input_rules`).

use std::collections::BTreeMap;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{json, Map, Value};

use crate::config::{Behaviour, ExpiredRollback, Timings};
use crate::pki::{Authorities, ClusterMaterial};

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

/// `prefix-` + 11 characters of `[2-7a-z]`, like real cluster and HSM ids.
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

/// What `DescribeClusters` shows of a cluster instead of its real state after a write,
/// while the configured read lag lasts.
#[derive(Clone, Debug)]
pub(crate) struct LaggedView {
    /// The cluster as `DescribeClusters` showed it just before the write.
    pub json: Value,
    /// When the real cluster shows again.
    pub until: Instant,
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
/// `SourceBackupId`), as [`Behaviour::blank_absent`] asks.
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
    /// When an `InitializeCluster` last completed (for [`Behaviour::certificate_after`]).
    pub certified_at: Option<Instant>,
    /// What `DescribeClusters` shows instead, during a read lag.
    pub lagged: Option<LaggedView>,
}

impl Cluster {
    pub(crate) fn set_state(&mut self, state: &str) {
        self.state = state.to_string();
        self.state_message = state_message(state);
    }

    /// The CSR is there once the first HSM is ACTIVE, and only while UNINITIALIZED.
    pub(crate) fn visible_csr(&self) -> Option<&str> {
        if self.state != "UNINITIALIZED" || !self.has_active_hsm() {
            return None;
        }
        self.material.as_ref().map(|m| m.csr_pem.as_str())
    }

    pub(crate) fn has_active_hsm(&self) -> bool {
        self.hsms.iter().any(|h| h.state == "ACTIVE")
    }

    /// Whether the cluster can still go back to `previous_hsm_type` at `now`.
    pub(crate) fn rollback_open(&self, now: SystemTime) -> bool {
        self.previous_hsm_type.is_some() && self.rollback_expiration.is_some_and(|t| t > now)
    }

    /// Whether an HSM type change is under way (even one not showing yet).
    pub(crate) fn type_change_pending(&self) -> bool {
        matches!(
            &self.pending,
            Some(Pending {
                kind: PendingKind::ChangeHsmType(_),
                ..
            })
        )
    }

    /// Completes whatever is due by `now`, and ends a read lag that is over.
    pub(crate) fn advance(&mut self, now: Instant) {
        if self.lagged.as_ref().is_some_and(|v| v.until <= now) {
            self.lagged = None;
        }
        for hsm in &mut self.hsms {
            if let Some((due, HsmPending::Activate)) = &hsm.pending {
                if *due <= now {
                    hsm.pending = None;
                    hsm.state = "ACTIVE".to_string();
                    hsm.state_message = "HSM is active.".to_string();
                }
            }
        }
        self.hsms
            .retain(|h| !matches!(&h.pending, Some((due, HsmPending::Remove)) if *due <= now));
        self.show_type_steps(now);
        let due = matches!(&self.pending, Some(p) if p.due <= now);
        if !due {
            return;
        }
        let Some(pending) = self.pending.take() else {
            return;
        };
        match pending.kind {
            PendingKind::Create => self.set_state("UNINITIALIZED"),
            PendingKind::Initialize { certificate } => {
                self.cluster_certificate = Some(certificate);
                self.certified_at = Some(pending.due);
                self.set_state("INITIALIZED");
            }
            PendingKind::ChangeHsmType(change) => {
                let mut steps = change.steps.clone();
                steps.sort_by_key(|(at, _)| *at);
                for (_, step) in steps {
                    self.show_type_step(&change, step, pending.due);
                }
                self.set_state(&change.resume);
            }
            PendingKind::Delete => {
                self.hsms.clear();
                self.set_state("DELETED");
            }
            PendingKind::Return { state } => self.set_state(&state),
        }
    }

    /// Shows the steps of a pending HSM type change that are due by `now`, in time order.
    pub(crate) fn show_type_steps(&mut self, now: Instant) {
        let Some(Pending {
            due,
            kind: PendingKind::ChangeHsmType(change),
        }) = &mut self.pending
        else {
            return;
        };
        let completes_at = *due;
        let (mut ready, later): (Vec<_>, Vec<_>) =
            change.steps.drain(..).partition(|(at, _)| *at <= now);
        change.steps = later;
        ready.sort_by_key(|(at, _)| *at);
        let change = change.clone();
        for (_, step) in ready {
            self.show_type_step(&change, step, completes_at);
        }
    }

    /// Shows one step of `change`, which completes at `completes_at`.
    fn show_type_step(&mut self, change: &TypeChange, step: TypeStep, completes_at: Instant) {
        match step {
            TypeStep::Busy => self.set_state(if change.rollback {
                "ROLLBACK_IN_PROGRESS"
            } else {
                "MODIFY_IN_PROGRESS"
            }),
            TypeStep::ClusterType => self.hsm_type = change.target.clone(),
            TypeStep::HsmTypes => {
                for hsm in &mut self.hsms {
                    hsm.hsm_type = change.target.clone();
                }
            }
            TypeStep::RollbackExpiration if change.rollback => {
                self.previous_hsm_type = None;
                self.rollback_expiration = None;
            }
            TypeStep::RollbackExpiration => {
                // The window runs from the completion, even when it shows before.
                let until_completion = completes_at.saturating_duration_since(Instant::now());
                self.previous_hsm_type = Some(change.from.clone());
                self.rollback_expiration = SystemTime::now()
                    .checked_add(until_completion)
                    .and_then(|t| t.checked_add(change.window));
            }
        }
    }

    /// Finishes every pending transition now, whatever its deadline, and ends a read lag:
    /// as if the time had passed.
    pub(crate) fn complete_transitions(&mut self) {
        let now = Instant::now();
        self.lagged = None;
        if let Some(p) = &mut self.pending {
            p.due = now;
        }
        for hsm in &mut self.hsms {
            if let Some((due, _)) = &mut hsm.pending {
                *due = now;
            }
        }
        self.advance(now);
    }

    /// The cluster in the API's shape; `expired_rollback` says whether a passed
    /// `HsmTypeRollbackExpiration` is still shown.
    pub(crate) fn to_json(&self, expired_rollback: ExpiredRollback) -> Value {
        let mut certificates = Map::new();
        if let Some(csr) = self.visible_csr() {
            certificates.insert("ClusterCsr".into(), json!(csr));
        }
        if let Some(m) = &self.material {
            if self.has_active_hsm() || self.cluster_certificate.is_some() {
                certificates.insert("HsmCertificate".into(), json!(m.hsm_certificate));
                certificates.insert(
                    "AwsHardwareCertificate".into(),
                    json!(m.aws_hardware_certificate),
                );
                certificates.insert(
                    "ManufacturerHardwareCertificate".into(),
                    json!(m.manufacturer_hardware_certificate),
                );
            }
        }
        if let Some(cert) = &self.cluster_certificate {
            certificates.insert("ClusterCertificate".into(), json!(cert));
        }
        let mut cluster = json!({
            "BackupPolicy": "DEFAULT",
            "BackupRetentionPolicy": {
                "Type": "DAYS",
                "Value": self.backup_retention_days.to_string(),
            },
            "ClusterId": self.id,
            "CreateTimestamp": epoch_seconds(self.create_time),
            "Hsms": self.hsms.iter().map(|h| h.to_json(&self.id)).collect::<Vec<_>>(),
            "HsmType": self.hsm_type,
            "SecurityGroup": self.security_group,
            "State": self.state,
            "StateMessage": self.state_message,
            "SubnetMapping": self.subnet_mapping,
            "VpcId": self.vpc_id,
            "NetworkType": self.network_type,
            "Certificates": certificates,
            "TagList": self.tags.iter().map(|(k, v)| json!({"Key": k, "Value": v})).collect::<Vec<_>>(),
            "Mode": self.mode,
        });
        if let Some(obj) = cluster.as_object_mut() {
            if let Some(t) = self.rollback_expiration {
                if t > SystemTime::now() || expired_rollback == ExpiredRollback::ShowPast {
                    obj.insert("HsmTypeRollbackExpiration".into(), epoch_seconds(t));
                }
            }
            if let Some(b) = &self.source_backup_id {
                obj.insert("SourceBackupId".into(), json!(b));
            }
        }
        cluster
    }

    /// Whether [`Behaviour::certificate_after`] still hides the certificate at `now`.
    pub(crate) fn certificate_hidden(
        &self,
        certificate_after: Option<Duration>,
        now: Instant,
    ) -> bool {
        match (certificate_after, self.certified_at) {
            (Some(d), Some(at)) => now < after(at, d),
            _ => false,
        }
    }

    /// The real cluster as `DescribeClusters` shows it at `now` (the certificate left out
    /// while [`Behaviour::certificate_after`] says so), without any read lag.
    pub(crate) fn described_json(&self, behaviour: &Behaviour, now: Instant) -> Value {
        let mut json = self.to_json(behaviour.expired_rollback);
        if self.certificate_hidden(behaviour.certificate_after, now) {
            if let Some(certificates) = json.get_mut("Certificates").and_then(Value::as_object_mut)
            {
                certificates.remove("ClusterCertificate");
            }
        }
        json
    }

    /// What `DescribeClusters` shows at `now`: the view from before the last writes while a
    /// read lag lasts (and [`Behaviour::read_lag`] is still set), else [`Cluster::described_json`].
    pub(crate) fn shown_json(&self, behaviour: &Behaviour, now: Instant) -> Value {
        match &self.lagged {
            Some(view) if behaviour.read_lag.is_some() && view.until > now => view.json.clone(),
            _ => self.described_json(behaviour, now),
        }
    }

    /// Before an API write: what `DescribeClusters` shows of the cluster now, when a read
    /// lag is configured (to hand to [`Cluster::after_write`]).
    pub(crate) fn before_write(&self, behaviour: &Behaviour) -> Option<Value> {
        behaviour
            .read_lag
            .map(|_| self.described_json(behaviour, Instant::now()))
    }

    /// After an API write that succeeded: when it changed what `DescribeClusters` shows,
    /// reads keep showing `before` (or the older view still shown) until the read lag has
    /// passed from now.
    pub(crate) fn after_write(&mut self, before: Option<Value>, behaviour: &Behaviour) {
        let (Some(before), Some(lag)) = (before, behaviour.read_lag) else {
            return;
        };
        let now = Instant::now();
        if before == self.described_json(behaviour, now) {
            return;
        }
        let until = after(now, lag);
        match &mut self.lagged {
            Some(view) if view.until > now => view.until = until,
            _ => {
                self.lagged = Some(LaggedView {
                    json: before,
                    until,
                })
            }
        }
    }
}

/// Everything the emulator knows, behind one lock.
#[derive(Debug)]
pub(crate) struct Store {
    pub clusters: Vec<Cluster>,
    pub next_seq: u64,
    pub timings: Timings,
    pub behaviour: Behaviour,
    pub region: String,
    pub vpc_id: String,
    pub authorities: Authorities,
}

impl Store {
    pub(crate) fn new(
        timings: Timings,
        behaviour: Behaviour,
        region: String,
        vpc_id: String,
        authorities: Authorities,
    ) -> Store {
        Store {
            clusters: Vec::new(),
            next_seq: 0,
            timings,
            behaviour,
            region,
            vpc_id,
            authorities,
        }
    }

    /// Completes every transition due by `now`.
    pub(crate) fn advance(&mut self, now: Instant) {
        for cluster in &mut self.clusters {
            cluster.advance(now);
        }
    }

    pub(crate) fn get(&self, id: &str) -> Option<&Cluster> {
        self.clusters.iter().find(|c| c.id == id)
    }

    pub(crate) fn get_mut(&mut self, id: &str) -> Option<&mut Cluster> {
        self.clusters.iter_mut().find(|c| c.id == id)
    }

    /// A fresh cluster id not yet in use.
    pub(crate) fn fresh_cluster_id(&self) -> String {
        loop {
            let id = new_id("cluster");
            if self.get(&id).is_none() {
                return id;
            }
        }
    }

    /// A blank cluster (no HSM), numbered next.
    pub(crate) fn blank_cluster(
        &mut self,
        id: String,
        hsm_type: String,
        vpc_id: String,
        subnet_ids: &[String],
    ) -> Cluster {
        let seq = self.next_seq;
        self.next_seq += 1;
        let subnet_mapping = subnet_ids
            .iter()
            .enumerate()
            .map(|(i, s)| (self.availability_zone(i), s.clone()))
            .collect();
        Cluster {
            seq,
            id,
            state: "UNINITIALIZED".into(),
            state_message: state_message("UNINITIALIZED"),
            hsm_type,
            previous_hsm_type: None,
            rollback_expiration: None,
            backup_retention_days: 90,
            create_time: SystemTime::now(),
            vpc_id,
            security_group: new_hex_id("sg"),
            subnet_mapping,
            network_type: "IPV4".into(),
            mode: "FIPS".into(),
            tags: Vec::new(),
            source_backup_id: None,
            material: None,
            cluster_certificate: None,
            hsms: Vec::new(),
            pending: None,
            certified_at: None,
            lagged: None,
        }
    }

    /// `<region>a`, `<region>b`, … for subnet number `i`.
    pub(crate) fn availability_zone(&self, i: usize) -> String {
        let letter = char::from(b'a' + (i % 26) as u8);
        format!("{}{letter}", self.region)
    }

    /// A new HSM in `az` of `cluster` (not yet added to it).
    pub(crate) fn new_hsm(
        cluster: &Cluster,
        az: &str,
        ip: Option<String>,
        state: &str,
        pending: Option<(Instant, HsmPending)>,
    ) -> Hsm {
        let subnet_id = cluster.subnet_mapping.get(az).cloned().unwrap_or_default();
        let az_index = cluster
            .subnet_mapping
            .keys()
            .position(|k| k == az)
            .unwrap_or(0);
        let eni_ip =
            ip.unwrap_or_else(|| format!("10.0.{}.{}", az_index, rand::random_range(4u8..=250)));
        let hsm_id = loop {
            let id = new_id("hsm");
            if !cluster.hsms.iter().any(|h| h.id == id) {
                break id;
            }
        };
        Hsm {
            id: hsm_id,
            availability_zone: az.to_string(),
            subnet_id,
            eni_id: new_hex_id("eni"),
            eni_ip,
            hsm_type: cluster.hsm_type.clone(),
            state: state.to_string(),
            state_message: if state == "ACTIVE" {
                "HSM is active.".to_string()
            } else {
                "HSM is being created.".to_string()
            },
            pending,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_look_like_aws_ids() {
        let id = new_id("cluster");
        assert_eq!(id.len(), "cluster-".len() + 11);
        assert!(id["cluster-".len()..]
            .bytes()
            .all(|b| ID_ALPHABET.contains(&b)));
        assert_eq!(new_hex_id("eni").len(), "eni-".len() + 17);
    }

    #[test]
    fn csr_is_only_visible_while_uninitialized_with_an_active_hsm() {
        let auth = Authorities::new().expect("authorities");
        let mut store = Store::new(
            Timings::instant(),
            Behaviour::default(),
            "us-east-1".into(),
            "vpc-1".into(),
            Authorities::new().expect("authorities"),
        );
        let mut c = store.blank_cluster(
            "cluster-abcdefghijk".into(),
            "hsm1.medium".into(),
            "vpc-1".into(),
            &["subnet-0123456789abcdef0".to_string()],
        );
        let hsm = Store::new_hsm(&c, "us-east-1a", None, "CREATE_IN_PROGRESS", None);
        c.material = Some(crate::pki::cluster_material(&hsm.id, &auth).expect("material"));
        c.hsms.push(hsm);
        assert!(c.visible_csr().is_none(), "HSM not active yet");
        c.hsms[0].state = "ACTIVE".into();
        assert!(c.visible_csr().is_some());
        c.set_state("INITIALIZED");
        assert!(c.visible_csr().is_none());
    }
}
