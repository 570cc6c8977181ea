//! What a seeded cluster or backup looks like: [`ClusterSpec`] and [`BackupSpec`], with
//! their defaults.
//!
//! Plain settings: it knows nothing of the emulated world they are seeded into.

use std::time::{Duration, SystemTime};

/// A cluster to seed through [`Control::seed_cluster`](crate::Control::seed_cluster).
/// Seeded clusters have no pending transition: an `*_IN_PROGRESS` state stays until changed.
#[derive(Clone, Debug)]
pub struct ClusterSpec {
    /// Cluster state; default `UNINITIALIZED`.
    pub state: Option<String>,
    /// HSM type; default `hsm1.medium`.
    pub hsm_type: Option<String>,
    /// Give the cluster one ACTIVE HSM (default `true`), and with it the key pair behind the CSR. In
    /// INITIALIZED or ACTIVE state the cluster also gets a `ClusterCertificate` issued by a
    /// CA the emulator makes.
    pub with_hsm: bool,
    /// Backup retention in days; default 90.
    pub backup_retention_days: Option<u32>,
    /// VPC id; default the emulator's VPC.
    pub vpc_id: Option<String>,
    /// Tags.
    pub tags: Vec<(String, String)>,
    /// Cluster id; default a fresh random one.
    pub cluster_id: Option<String>,
    /// The region the cluster belongs to: only calls signed for it see and change it.
    /// Default the emulator's ([`EmulatorConfig::region`](crate::EmulatorConfig::region)).
    /// Its availability zones are named after it.
    pub region: Option<String>,
    /// `FIPS` or `NON_FIPS`; default `FIPS`. Its backups take it.
    pub mode: Option<String>,
}

impl Default for ClusterSpec {
    /// UNINITIALIZED, `hsm1.medium`, with one ACTIVE HSM (so a CSR), 90 days of backup
    /// retention, the emulator's VPC, no tags, a fresh id, the emulator's region, FIPS.
    fn default() -> ClusterSpec {
        ClusterSpec {
            state: None,
            hsm_type: None,
            with_hsm: true,
            backup_retention_days: None,
            vpc_id: None,
            tags: Vec::new(),
            cluster_id: None,
            region: None,
            mode: None,
        }
    }
}

/// A backup to seed through [`Control::seed_backup`](crate::Control::seed_backup). A seeded
/// backup has no pending transition unless [`BackupSpec::ready_after`] says so: a
/// CREATE_IN_PROGRESS backup stays so until changed. A PENDING_DELETION one is DELETED
/// once its `DeleteTimestamp` has passed.
#[derive(Clone, Debug, Default)]
pub struct BackupSpec {
    /// The region it belongs to; default the region of the cluster `cluster_id` names,
    /// else the emulator's ([`EmulatorConfig::region`](crate::EmulatorConfig::region)).
    pub region: Option<String>,
    /// The cluster backed up; default a fresh cluster id that names no cluster (a backup
    /// whose cluster was deleted). When it names a cluster, `hsm_type`, `mode` and the
    /// account of the ARN default to the cluster's.
    pub cluster_id: Option<String>,
    /// `CREATE_IN_PROGRESS`, `READY` (the default), `PENDING_DELETION` or `DELETED`.
    pub state: Option<String>,
    /// Exempt from the cluster's retention policy; default `false`.
    pub never_expires: bool,
    /// Tags.
    pub tags: Vec<(String, String)>,
    /// `CreateTimestamp`; default now.
    pub create_timestamp: Option<SystemTime>,
    /// Backup id; default a fresh one (`backup-` and 11 characters of `[2-7a-z]`). A spec
    /// naming an existing backup id replaces that backup.
    pub backup_id: Option<String>,
    /// `HsmType`; default the cluster's, else `hsm1.medium`.
    pub hsm_type: Option<String>,
    /// `Mode`; default the cluster's, else `FIPS`.
    pub mode: Option<String>,
    /// A copy's `SourceRegion`; with `source_backup` and `source_cluster` the backup is a
    /// copy (no `SourceRegion` = not a copy).
    pub source_region: Option<String>,
    /// A copy's `SourceBackup`.
    pub source_backup: Option<String>,
    /// A copy's `SourceCluster`; default `cluster_id` when `source_region` is set.
    pub source_cluster: Option<String>,
    /// A copy's `CopyTimestamp`; default now when `source_region` is set.
    pub copy_timestamp: Option<SystemTime>,
    /// `DeleteTimestamp` of a PENDING_DELETION backup; default now plus
    /// [`Timings::backup_deletion_window`](crate::Timings::backup_deletion_window).
    pub delete_timestamp: Option<SystemTime>,
    /// A CREATE_IN_PROGRESS backup turns READY this long after seeding; default `None`:
    /// it stays CREATE_IN_PROGRESS.
    pub ready_after: Option<Duration>,
}
