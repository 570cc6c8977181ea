//! Everything the emulator knows, behind one lock: the clusters and the backups in creation
//! order, the regions not enabled, the timings and behaviours, and the factories for new
//! clusters, HSMs and backups (a cluster's backup once its initialization completes).
//!
//! Knows the model's types; not requests, faults or the control surface.

use std::collections::BTreeSet;
use std::time::{Instant, SystemTime};

use super::*;
use crate::config::{Behaviour, Timings};
use crate::pki::Authorities;

/// Everything the emulator knows, behind one lock.
#[derive(Debug)]
pub(crate) struct Store {
    pub clusters: Vec<Cluster>,
    pub next_seq: u64,
    pub backups: Vec<Backup>,
    pub next_backup_seq: u64,
    /// Regions not enabled for the account: calls signed for them are refused, and no
    /// backup is copied to them.
    pub disabled_regions: BTreeSet<String>,
    pub timings: Timings,
    pub behaviour: Behaviour,
    /// The region of clusters and backups seeded without one.
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
            backups: Vec::new(),
            next_backup_seq: 0,
            disabled_regions: BTreeSet::new(),
            timings,
            behaviour,
            region,
            vpc_id,
            authorities,
        }
    }

    /// Completes every transition due by `now`, and makes the backup of each cluster whose
    /// initialization completed.
    pub(crate) fn advance(&mut self, now: Instant) {
        let wall = SystemTime::now();
        let mut due = Vec::new();
        for cluster in &mut self.clusters {
            cluster.advance(now);
            if let Some(at) = cluster.backup_due.take() {
                due.push((cluster.id.clone(), at));
            }
        }
        for (id, at) in due {
            let created = wall.checked_sub(now.saturating_duration_since(at));
            if let Some(backup) = self.get(&id).map(|c| self.cluster_backup(c, at, created)) {
                self.add_backup(backup);
            }
        }
        for backup in &mut self.backups {
            backup.advance(now, wall);
        }
    }

    /// The cluster `id`, whatever its region (for the control surface).
    pub(crate) fn get(&self, id: &str) -> Option<&Cluster> {
        self.clusters.iter().find(|c| c.id == id)
    }

    /// The cluster `id` as a call signed for `region` sees it: `None` when it is elsewhere.
    pub(crate) fn get_in(&self, region: &str, id: &str) -> Option<&Cluster> {
        self.get(id).filter(|c| c.region == region)
    }

    /// [`Store::get_in`], to change it.
    pub(crate) fn get_mut_in(&mut self, region: &str, id: &str) -> Option<&mut Cluster> {
        self.clusters
            .iter_mut()
            .find(|c| c.id == id && c.region == region)
    }

    /// The backup `id`, whatever its region and state, shown or not (for the control
    /// surface).
    pub(crate) fn backup(&self, id: &str) -> Option<&Backup> {
        self.backups.iter().find(|b| b.id == id)
    }

    /// [`Store::backup`], to change it.
    pub(crate) fn backup_mut(&mut self, id: &str) -> Option<&mut Backup> {
        self.backups.iter_mut().find(|b| b.id == id)
    }

    /// The backup `id` as a call signed for `region` finds it to act on: in that region,
    /// showing there, and not DELETED.
    pub(crate) fn backup_mut_in(&mut self, region: &str, id: &str) -> Option<&mut Backup> {
        let now = Instant::now();
        self.backups
            .iter_mut()
            .find(|b| b.id == id && b.region == region && b.visible(now) && b.state != "DELETED")
    }

    /// A fresh backup id not yet in use.
    pub(crate) fn fresh_backup_id(&self) -> String {
        loop {
            let id = new_id("backup");
            if self.backup(&id).is_none() {
                return id;
            }
        }
    }

    /// The next backup number.
    pub(crate) fn next_backup_seq(&mut self) -> u64 {
        let seq = self.next_backup_seq;
        self.next_backup_seq += 1;
        seq
    }

    /// A new backup of `cluster` made at `at` (`created` on the wall clock, now when
    /// `None`): CREATE_IN_PROGRESS, READY [`Timings::backup`] later. Not yet added; its
    /// number is taken when it is added ([`Store::add_backup`]).
    pub(crate) fn cluster_backup(
        &self,
        cluster: &Cluster,
        at: Instant,
        created: Option<SystemTime>,
    ) -> Backup {
        Backup {
            seq: 0,
            id: self.fresh_backup_id(),
            region: cluster.region.clone(),
            account: cluster.account.clone(),
            state: "CREATE_IN_PROGRESS".into(),
            cluster_id: cluster.id.clone(),
            create_time: created.unwrap_or_else(SystemTime::now),
            never_expires: false,
            copy: None,
            delete_time: None,
            tags: Vec::new(),
            hsm_type: cluster.hsm_type.clone(),
            mode: cluster.mode.clone(),
            visible_at: None,
            ready_at: Some(after(at, self.timings.backup)),
            changed: None,
            lagged: None,
        }
    }

    /// Adds `backup`, numbered next, replacing any backup with its id.
    pub(crate) fn add_backup(&mut self, mut backup: Backup) {
        backup.seq = self.next_backup_seq();
        self.backups.retain(|b| b.id != backup.id);
        self.backups.push(backup);
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

    /// A blank cluster (no HSM) of `account` in `region`, numbered next.
    pub(crate) fn blank_cluster(
        &mut self,
        id: String,
        (region, account): (String, String),
        hsm_type: String,
        vpc_id: String,
        subnet_ids: &[String],
    ) -> Cluster {
        let seq = self.next_seq;
        self.next_seq += 1;
        let subnet_mapping = subnet_ids
            .iter()
            .enumerate()
            .map(|(i, s)| (availability_zone(&region, i), s.clone()))
            .collect();
        Cluster {
            seq,
            id,
            region,
            account,
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
            backup_due: None,
        }
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

/// `<region>a`, `<region>b`, … for subnet number `i`.
pub(crate) fn availability_zone(region: &str, i: usize) -> String {
    let letter = char::from(b'a' + (i % 26) as u8);
    format!("{region}{letter}")
}
