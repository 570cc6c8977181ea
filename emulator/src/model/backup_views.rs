//! How `DescribeBackups` shows a backup: the API's JSON shape, the fields that show after
//! the state (as [`Behaviour::backup_fields_after_state`] asks), and a read lag's older view
//! after a write.
//!
//! Knows the backup and the behaviours that shape what is shown; not requests or faults.

use std::time::Instant;

use serde_json::{json, Map, Value};

use super::*;
use crate::config::Behaviour;

/// The members of a backup that are strings and may be absent, as
/// [`blank_absent_backup`] fills them.
const BACKUP_STRING_FIELDS: [&str; 3] = ["SourceRegion", "SourceBackup", "SourceCluster"];

/// Puts `""` in a backup's JSON where a string value is absent (`SourceRegion`,
/// `SourceBackup`, `SourceCluster`), as
/// [`Behaviour::blank_absent`](crate::config::Behaviour::blank_absent) asks.
pub(crate) fn blank_absent_backup(backup: &mut Value) {
    if let Some(obj) = backup.as_object_mut() {
        for field in BACKUP_STRING_FIELDS {
            obj.entry(field).or_insert_with(|| json!(""));
        }
    }
}

impl Backup {
    /// The backup in the API's shape, every field with its state.
    pub(crate) fn to_json(&self) -> Value {
        let mut backup = Map::new();
        backup.insert("BackupId".into(), json!(self.id));
        backup.insert("BackupArn".into(), json!(self.arn()));
        backup.insert("BackupState".into(), json!(self.state));
        backup.insert("ClusterId".into(), json!(self.cluster_id));
        backup.insert("CreateTimestamp".into(), epoch_seconds(self.create_time));
        backup.insert("NeverExpires".into(), json!(self.never_expires));
        if let Some(copy) = &self.copy {
            backup.insert("CopyTimestamp".into(), epoch_seconds(copy.copied_at));
            backup.insert("SourceRegion".into(), json!(copy.region));
            backup.insert("SourceBackup".into(), json!(copy.backup_id));
            backup.insert("SourceCluster".into(), json!(copy.cluster_id));
        }
        if let Some(t) = self.delete_time {
            backup.insert("DeleteTimestamp".into(), epoch_seconds(t));
        }
        backup.insert(
            "TagList".into(),
            self.tags
                .iter()
                .map(|(k, v)| json!({"Key": k, "Value": v}))
                .collect(),
        );
        backup.insert("HsmType".into(), json!(self.hsm_type));
        backup.insert("Mode".into(), json!(self.mode));
        Value::Object(backup)
    }

    /// The real backup as `DescribeBackups` shows it at `now` (the fields that go with the
    /// last state change held back while [`Behaviour::backup_fields_after_state`] says so),
    /// without any read lag.
    pub(crate) fn described_json(&self, behaviour: &Behaviour, now: Instant) -> Value {
        let mut json = self.to_json();
        if let (Some(d), Some(obj)) = (behaviour.backup_fields_after_state, json.as_object_mut()) {
            let within = |at: Instant| now < after(at, d);
            if self.copy.is_some()
                && (self.state == "CREATE_IN_PROGRESS"
                    || matches!(self.changed, Some(StateChange::Ready(at)) if within(at)))
            {
                obj.remove("CopyTimestamp");
            }
            match &self.changed {
                Some(StateChange::PendingDeletion(at))
                    if within(*at) && self.state == "PENDING_DELETION" =>
                {
                    obj.remove("DeleteTimestamp");
                }
                Some(StateChange::Restored(at, old)) if within(*at) && self.state == "READY" => {
                    obj.insert("DeleteTimestamp".into(), epoch_seconds(*old));
                }
                _ => {}
            }
        }
        json
    }

    /// What `DescribeBackups` shows at `now`: the view from before the last writes while a
    /// read lag lasts (and [`Behaviour::read_lag`] is still set), else
    /// [`Backup::described_json`].
    pub(crate) fn shown_json(&self, behaviour: &Behaviour, now: Instant) -> Value {
        match LaggedView::shown(&self.lagged, behaviour.read_lag, now) {
            Some(json) => json.clone(),
            None => self.described_json(behaviour, now),
        }
    }

    /// Before an API write: what `DescribeBackups` shows of the backup now, when a read lag
    /// is configured (to hand to [`Backup::after_write`]).
    pub(crate) fn before_write(&self, behaviour: &Behaviour) -> Option<Value> {
        behaviour
            .read_lag
            .map(|_| self.described_json(behaviour, Instant::now()))
    }

    /// After an API write that succeeded: when it changed what `DescribeBackups` shows,
    /// reads keep showing `before` (or the older view still shown) until the read lag has
    /// passed from now.
    pub(crate) fn after_write(&mut self, before: Option<Value>, behaviour: &Behaviour) {
        let (Some(before), Some(lag)) = (before, behaviour.read_lag) else {
            return;
        };
        let now = Instant::now();
        let shown = self.described_json(behaviour, now);
        LaggedView::after_write(&mut self.lagged, before, &shown, lag, now);
    }

    /// Whether it is in the answers of `DescribeBackups` at `now`: shown in its region,
    /// and not DELETED unless [`Behaviour::show_deleted_backups`] says so.
    pub(crate) fn listed(&self, behaviour: &Behaviour, now: Instant) -> bool {
        self.visible(now) && (self.state != "DELETED" || behaviour.show_deleted_backups)
    }
}
