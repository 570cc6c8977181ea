//! Configuration: how long the emulated transitions take, where the servers bind, which of
//! the plausible behaviours AWS leaves undocumented the emulator shows, and what a seeded
//! cluster or backup looks like.
//!
//! Plain settings: it knows nothing of the servers, the emulated clusters and backups or
//! the control surface that read it.
//!
//! This file: [`Timings`] and [`EmulatorConfig`]; `behaviour.rs`: [`Behaviour`] and the
//! choices it is made of; `specs.rs`: [`ClusterSpec`] and [`BackupSpec`].

mod behaviour;
mod specs;

pub use behaviour::{
    AwsRefusal, Behaviour, ExpiredRollback, HsmTypeChangeOrder, RepeatedDelete, UnsortedBackups,
    CLOUDHSM_ERROR_CODES,
};
pub use specs::{BackupSpec, ClusterSpec};

use std::net::SocketAddr;
use std::time::Duration;

/// How long each asynchronous transition takes. A transition completes on the first
/// request (API or control) that arrives after its deadline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Timings {
    /// `CreateCluster`: CREATE_IN_PROGRESS -> UNINITIALIZED.
    pub create: Duration,
    /// `InitializeCluster`: INITIALIZE_IN_PROGRESS -> INITIALIZED.
    pub initialize: Duration,
    /// `ModifyCluster` with `HsmType`: MODIFY_IN_PROGRESS / ROLLBACK_IN_PROGRESS -> previous state.
    pub modify: Duration,
    /// `CreateHsm`: HSM CREATE_IN_PROGRESS -> ACTIVE.
    pub create_hsm: Duration,
    /// `DeleteCluster` (DELETE_IN_PROGRESS -> DELETED) and `DeleteHsm` (HSM removed).
    pub delete: Duration,
    /// `ModifyCluster` that changes only the backup retention: UPDATE_IN_PROGRESS -> previous
    /// state. `ZERO` (the default) = no transition at all: the cluster keeps its state.
    pub update: Duration,
    /// How long after an HSM type migration it can be rolled back: the migration sets
    /// `HsmTypeRollbackExpiration` to its completion time plus this. Not a transition, so
    /// [`Timings::instant`] and [`Timings::uniform`] keep the default of 7 days.
    pub rollback_window: Duration,
    /// A cluster's backup (the one made when an initialization completes, or
    /// [`Control::create_backup`](crate::Control::create_backup)): CREATE_IN_PROGRESS ->
    /// READY.
    pub backup: Duration,
    /// `CopyBackupToRegion`: how long after the call the copy shows in the destination
    /// region (CREATE_IN_PROGRESS); [`Behaviour::copy_visibility_lag`] adds to it.
    pub copy_visible_after: Duration,
    /// A copy: how long after it shows in the destination it is READY.
    pub copy_ready_after: Duration,
    /// `DeleteBackup`: how long a backup stays PENDING_DELETION (its `DeleteTimestamp` is
    /// this from the call) before it is DELETED. Not a transition, so
    /// [`Timings::instant`] and [`Timings::uniform`] keep the default of 7 days.
    pub backup_deletion_window: Duration,
}

/// The default [`Timings::rollback_window`]: 7 days.
pub const DEFAULT_ROLLBACK_WINDOW: Duration = Duration::from_secs(7 * 24 * 3600);

/// The default [`Timings::backup_deletion_window`]: 7 days, as `DeleteBackup` documents.
pub const DEFAULT_BACKUP_DELETION_WINDOW: Duration = Duration::from_secs(7 * 24 * 3600);

impl Timings {
    /// Every transition completes at the next request.
    pub fn instant() -> Timings {
        Timings::uniform(Duration::ZERO)
    }

    /// Every transition takes `d` (including [`Timings::update`]; the rollback window and
    /// the backup deletion window stay 7 days).
    pub fn uniform(d: Duration) -> Timings {
        Timings {
            create: d,
            initialize: d,
            modify: d,
            create_hsm: d,
            delete: d,
            update: d,
            rollback_window: DEFAULT_ROLLBACK_WINDOW,
            backup: d,
            copy_visible_after: d,
            copy_ready_after: d,
            backup_deletion_window: DEFAULT_BACKUP_DELETION_WINDOW,
        }
    }
}

impl Default for Timings {
    /// Short but visible: a waiter sees the in-progress state for a poll or two. A
    /// retention-only `ModifyCluster` has no transition; the rollback window and the backup
    /// deletion window are 7 days.
    fn default() -> Timings {
        Timings {
            create: Duration::from_secs(2),
            initialize: Duration::from_secs(2),
            modify: Duration::from_secs(3),
            create_hsm: Duration::from_secs(2),
            delete: Duration::from_secs(1),
            update: Duration::ZERO,
            rollback_window: DEFAULT_ROLLBACK_WINDOW,
            backup: Duration::from_secs(2),
            copy_visible_after: Duration::from_secs(1),
            copy_ready_after: Duration::from_secs(2),
            backup_deletion_window: DEFAULT_BACKUP_DELETION_WINDOW,
        }
    }
}

/// How to start an [`Emulator`](crate::Emulator).
#[derive(Clone, Debug)]
pub struct EmulatorConfig {
    /// Address of the CloudHSM v2 API (and the control API); default `127.0.0.1:0` (a free
    /// port).
    pub bind: SocketAddr,
    /// Address of the STS emulation; default `127.0.0.1:0` (another free port).
    pub sts_bind: SocketAddr,
    /// Transition durations.
    pub timings: Timings,
    /// Choices among the plausible behaviours AWS does not document.
    pub behaviour: Behaviour,
    /// The region of clusters and backups seeded without one ([`ClusterSpec::region`],
    /// [`BackupSpec::region`]). Clusters made by `CreateCluster` belong to the region the
    /// call was signed for. Availability zone names follow a cluster's region
    /// (`<region>a`, `<region>b`, …).
    pub region: String,
    /// VPC of clusters made by `CreateCluster` (seeded clusters may name their own).
    pub vpc_id: String,
    /// The account `GetCallerIdentity` answers for access keys the STS emulation did not
    /// issue (12 digits); default [`DEFAULT_ACCOUNT`]. Changed later with
    /// [`Control::set_default_account`](crate::Control::set_default_account).
    pub default_account: String,
}

/// The account of callers whose access key the STS emulation did not issue, unless
/// configured otherwise ([`EmulatorConfig::default_account`]).
pub const DEFAULT_ACCOUNT: &str = "123456789012";

impl Default for EmulatorConfig {
    fn default() -> EmulatorConfig {
        EmulatorConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            sts_bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            timings: Timings::default(),
            behaviour: Behaviour::default(),
            region: "us-east-1".to_string(),
            vpc_id: "vpc-0a1b2c3d4e5f60718".to_string(),
            default_account: DEFAULT_ACCOUNT.to_string(),
        }
    }
}
