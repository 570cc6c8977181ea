//! Backups and regions, set and read by tests: seed a backup, make a cluster's backup,
//! change a backup's state out of band, finish its transitions, read the truth of it, and
//! the regions not enabled for the account.
//!
//! [`Control`] methods only; the state is the model's, and this knows nothing of HTTP.

use std::time::{Instant, SystemTime};

use serde_json::Value;

use super::Control;
use crate::config::BackupSpec;
use crate::model::{after, new_id, Backup, CopyOrigin};

impl Control {
    /// Adds a backup (see [`BackupSpec`]) and returns its id. A spec naming an existing
    /// backup id replaces that backup.
    pub fn seed_backup(&self, spec: BackupSpec) -> String {
        let default_account = self.default_account();
        let mut store = self.shared.store();
        let now = Instant::now();
        let wall = SystemTime::now();
        let cluster_id = spec.cluster_id.unwrap_or_else(|| new_id("cluster"));
        let cluster = store.get(&cluster_id);
        let region = spec
            .region
            .or_else(|| cluster.map(|c| c.region.clone()))
            .unwrap_or_else(|| store.region.clone());
        let account = cluster.map_or(default_account, |c| c.account.clone());
        let hsm_type = spec
            .hsm_type
            .or_else(|| cluster.map(|c| c.hsm_type.clone()))
            .unwrap_or_else(|| "hsm1.medium".to_string());
        let mode = spec
            .mode
            .or_else(|| cluster.map(|c| c.mode.clone()))
            .unwrap_or_else(|| "FIPS".to_string());
        let state = spec.state.unwrap_or_else(|| "READY".to_string());
        let delete_time = match state.as_str() {
            "PENDING_DELETION" => spec
                .delete_timestamp
                .or_else(|| wall.checked_add(store.timings.backup_deletion_window)),
            "DELETED" => spec.delete_timestamp.or(Some(wall)),
            _ => None,
        };
        let copy = spec.source_region.map(|source_region| CopyOrigin {
            region: source_region,
            backup_id: spec.source_backup.unwrap_or_else(|| new_id("backup")),
            cluster_id: spec.source_cluster.unwrap_or_else(|| cluster_id.clone()),
            copied_at: spec.copy_timestamp.unwrap_or(wall),
        });
        let ready_at = match (state.as_str(), spec.ready_after) {
            ("CREATE_IN_PROGRESS", Some(d)) => Some(after(now, d)),
            _ => None,
        };
        let id = spec.backup_id.unwrap_or_else(|| store.fresh_backup_id());
        store.add_backup(Backup {
            seq: 0,
            id: id.clone(),
            region,
            account,
            state,
            cluster_id,
            create_time: spec.create_timestamp.unwrap_or(wall),
            never_expires: spec.never_expires,
            copy,
            delete_time,
            tags: spec.tags,
            hsm_type,
            mode,
            visible_at: None,
            ready_at,
            changed: None,
            lagged: None,
        });
        id
    }

    /// Makes a backup of cluster `cluster_id` now, as the service does on its own
    /// (CREATE_IN_PROGRESS, READY after [`Timings::backup`](crate::Timings::backup)), in
    /// the cluster's region, with its HSM type and mode. Returns its id; `None` when there
    /// is no such cluster.
    pub fn create_backup(&self, cluster_id: &str) -> Option<String> {
        let mut store = self.shared.store();
        let backup = store
            .get(cluster_id)
            .map(|c| store.cluster_backup(c, Instant::now(), None))?;
        let id = backup.id.clone();
        store.add_backup(backup);
        Some(id)
    }

    /// Ids of every backup, in creation order, whatever their region and state, copies not
    /// showing yet included.
    pub fn backup_ids(&self) -> Vec<String> {
        self.shared
            .store()
            .backups
            .iter()
            .map(|b| b.id.clone())
            .collect()
    }

    /// The real backup now, in the API's shape: the truth, as `DescribeBackups` shows it
    /// when no read-side behaviour is set, even for a copy that does not show yet or a
    /// DELETED backup. Never the view a [`Behaviour::read_lag`](crate::Behaviour::read_lag)
    /// still shows, and unaffected by
    /// [`Behaviour::backup_fields_after_state`](crate::Behaviour::backup_fields_after_state)
    /// and [`Behaviour::blank_absent`](crate::Behaviour::blank_absent).
    pub fn backup_json(&self, id: &str) -> Option<Value> {
        self.shared.store().backup(id).map(Backup::to_json)
    }

    /// The region backup `id` belongs to.
    pub fn backup_region(&self, id: &str) -> Option<String> {
        self.shared.store().backup(id).map(|b| b.region.clone())
    }

    /// Whether backup `id` shows in its region yet (a copy shows some time after
    /// `CopyBackupToRegion`).
    pub fn backup_visible(&self, id: &str) -> Option<bool> {
        self.shared
            .store()
            .backup(id)
            .map(|b| b.visible(Instant::now()))
    }

    /// Sets the state of backup `id` out of band (`CREATE_IN_PROGRESS`, `READY`,
    /// `PENDING_DELETION` with a `DeleteTimestamp` the deletion window from now, or
    /// `DELETED`), cancelling a pending READY. Returns whether the backup exists.
    pub fn set_backup_state(&self, id: &str, state: &str) -> bool {
        let mut store = self.shared.store();
        let delete_at = SystemTime::now().checked_add(store.timings.backup_deletion_window);
        let Some(backup) = store.backup_mut(id) else {
            tracing::warn!("control: no backup {id:?}");
            return false;
        };
        backup.set_state(state, delete_at, Instant::now());
        true
    }

    /// Sets tag `key` to `value` on backup `id` out of band, as another tool (a cost or
    /// compliance scanner) would. Returns whether the backup exists.
    pub fn tag_backup(&self, id: &str, key: &str, value: &str) -> bool {
        let mut store = self.shared.store();
        let Some(backup) = store.backup_mut(id) else {
            tracing::warn!("control: no backup {id:?}");
            return false;
        };
        match backup.tags.iter_mut().find(|(k, _)| k == key) {
            Some(tag) => tag.1 = value.to_string(),
            None => backup.tags.push((key.to_string(), value.to_string())),
        }
        true
    }

    /// Completes the backup's pending transitions now (a copy shows, READY) and ends a read
    /// lag on it: as if the time had passed. Returns whether the backup exists.
    pub fn complete_backup_transitions(&self, id: &str) -> bool {
        let mut store = self.shared.store();
        let Some(backup) = store.backup_mut(id) else {
            tracing::warn!("control: no backup {id:?}");
            return false;
        };
        backup.complete_transitions();
        true
    }

    /// From now on `region` is not enabled for the account: calls signed for it are refused
    /// (`UnrecognizedClientException`, as AWS answers a region not opted in), and
    /// `CopyBackupToRegion` refuses it as a destination as
    /// [`Behaviour::region_not_enabled`](crate::Behaviour::region_not_enabled) says.
    pub fn disable_region(&self, region: &str) {
        self.shared
            .store()
            .disabled_regions
            .insert(region.to_string());
    }

    /// Enables `region` again.
    pub fn enable_region(&self, region: &str) {
        self.shared.store().disabled_regions.remove(region);
    }

    /// The regions not enabled, in name order.
    pub fn disabled_regions(&self) -> Vec<String> {
        self.shared
            .store()
            .disabled_regions
            .iter()
            .cloned()
            .collect()
    }
}
