//! A backup of a cluster, or a copy of one in another region: its fields, its ARN, and how
//! it changes over time (a copy showing in its region, CREATE_IN_PROGRESS -> READY,
//! PENDING_DELETION -> DELETED once its `DeleteTimestamp` has passed, and back to READY on
//! a restore).
//!
//! Knows the backup's fields; not how it is shown (`backup_views.rs`), asked for or
//! refused.

use std::time::{Instant, SystemTime};

use super::LaggedView;
use crate::regions::partition_of_region;

/// Where a copy came from, and when it was made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct CopyOrigin {
    /// `SourceRegion`.
    pub region: String,
    /// `SourceBackup`.
    pub backup_id: String,
    /// `SourceCluster`.
    pub cluster_id: String,
    /// `CopyTimestamp`: when `CopyBackupToRegion` made the copy.
    pub copied_at: SystemTime,
}

/// The last change of a backup's state that brings other fields with it, for
/// [`Behaviour::backup_fields_after_state`](crate::config::Behaviour::backup_fields_after_state).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum StateChange {
    /// CREATE_IN_PROGRESS -> READY at this instant (a copy's `CopyTimestamp` goes with it).
    Ready(Instant),
    /// -> PENDING_DELETION at this instant (its `DeleteTimestamp` goes with it).
    PendingDeletion(Instant),
    /// PENDING_DELETION -> READY at this instant, from the `DeleteTimestamp` it had.
    Restored(Instant, SystemTime),
}

#[derive(Clone, Debug)]
pub(crate) struct Backup {
    /// Creation order: the order among backups created at the same time.
    pub seq: u64,
    pub id: String,
    /// The region it belongs to: only calls signed for it see it.
    pub region: String,
    /// The account its ARN names.
    pub account: String,
    /// CREATE_IN_PROGRESS, READY, PENDING_DELETION or DELETED.
    pub state: String,
    /// The cluster backed up (for a copy: the source's cluster).
    pub cluster_id: String,
    pub create_time: SystemTime,
    pub never_expires: bool,
    /// Set for a copy made by `CopyBackupToRegion` (or seeded as one).
    pub copy: Option<CopyOrigin>,
    /// When a PENDING_DELETION backup is DELETED.
    pub delete_time: Option<SystemTime>,
    pub tags: Vec<(String, String)>,
    pub hsm_type: String,
    pub mode: String,
    /// A copy not showing in its region yet shows from then on; `None` = it shows.
    pub visible_at: Option<Instant>,
    /// A CREATE_IN_PROGRESS backup turns READY then; `None` = it stays as it is.
    pub ready_at: Option<Instant>,
    /// The last state change that brings other fields with it.
    pub changed: Option<StateChange>,
    /// What `DescribeBackups` shows instead, during a read lag.
    pub lagged: Option<LaggedView>,
}

impl Backup {
    /// `arn:<partition>:cloudhsm:<region>:<account>:backup/<id>`.
    pub(crate) fn arn(&self) -> String {
        format!(
            "arn:{}:cloudhsm:{}:{}:backup/{}",
            partition_of_region(&self.region),
            self.region,
            self.account,
            self.id
        )
    }

    /// Whether it shows in its region at `now` (a copy may not yet).
    pub(crate) fn visible(&self, now: Instant) -> bool {
        self.visible_at.is_none_or(|t| t <= now)
    }

    /// Sets the state out of band or by a write, with what goes with it: a
    /// `DeleteTimestamp` `delete_at` for PENDING_DELETION (kept for DELETED, dropped
    /// otherwise). Cancels a pending READY.
    pub(crate) fn set_state(&mut self, state: &str, delete_at: Option<SystemTime>, now: Instant) {
        let before = std::mem::replace(&mut self.state, state.to_string());
        self.ready_at = None;
        match state {
            "PENDING_DELETION" => {
                self.delete_time = delete_at.or(self.delete_time);
                if before != "PENDING_DELETION" {
                    self.changed = Some(StateChange::PendingDeletion(now));
                }
            }
            "DELETED" => {}
            "READY" => {
                self.changed = match (before.as_str(), self.delete_time.take()) {
                    ("PENDING_DELETION", Some(old)) => Some(StateChange::Restored(now, old)),
                    ("READY", _) => self.changed.take(),
                    _ => Some(StateChange::Ready(now)),
                };
            }
            _ => self.delete_time = None,
        }
    }

    /// Completes whatever is due by `now` (`wall` is the wall clock then), and ends a read
    /// lag that is over.
    pub(crate) fn advance(&mut self, now: Instant, wall: SystemTime) {
        if self.lagged.as_ref().is_some_and(|v| v.until <= now) {
            self.lagged = None;
        }
        if self.visible_at.is_some_and(|t| t <= now) {
            self.visible_at = None;
        }
        if let Some(at) = self.ready_at.filter(|t| *t <= now) {
            if self.state == "CREATE_IN_PROGRESS" {
                self.set_state("READY", None, at);
            }
            self.ready_at = None;
        }
        if self.state == "PENDING_DELETION" && self.delete_time.is_some_and(|t| t <= wall) {
            self.state = "DELETED".to_string();
        }
    }

    /// Finishes every pending transition now (showing a copy, READY), and ends a read lag:
    /// as if the time had passed. A PENDING_DELETION backup stays so.
    pub(crate) fn complete_transitions(&mut self) {
        let now = Instant::now();
        self.lagged = None;
        if self.visible_at.is_some() {
            self.visible_at = Some(now);
        }
        if self.ready_at.is_some() {
            self.ready_at = Some(now);
        }
        self.advance(now, SystemTime::now());
    }
}
