//! Configuration: how long the emulated transitions take, where the servers bind, which of
//! the plausible behaviours AWS leaves undocumented the emulator shows, and what a seeded
//! cluster looks like.
//!
//! Plain settings: it knows nothing of the servers, the emulated clusters or the control
//! surface that read it.

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
}

/// The default [`Timings::rollback_window`]: 7 days.
pub const DEFAULT_ROLLBACK_WINDOW: Duration = Duration::from_secs(7 * 24 * 3600);

impl Timings {
    /// Every transition completes at the next request.
    pub fn instant() -> Timings {
        Timings {
            create: Duration::ZERO,
            initialize: Duration::ZERO,
            modify: Duration::ZERO,
            create_hsm: Duration::ZERO,
            delete: Duration::ZERO,
            update: Duration::ZERO,
            rollback_window: DEFAULT_ROLLBACK_WINDOW,
        }
    }

    /// Every transition takes `d` (including [`Timings::update`]; the rollback window stays
    /// 7 days).
    pub fn uniform(d: Duration) -> Timings {
        Timings {
            create: d,
            initialize: d,
            modify: d,
            create_hsm: d,
            delete: d,
            update: d,
            rollback_window: DEFAULT_ROLLBACK_WINDOW,
        }
    }
}

impl Default for Timings {
    /// Short but visible: a waiter sees the in-progress state for a poll or two. A
    /// retention-only `ModifyCluster` has no transition; the rollback window is 7 days.
    fn default() -> Timings {
        Timings {
            create: Duration::from_secs(2),
            initialize: Duration::from_secs(2),
            modify: Duration::from_secs(3),
            create_hsm: Duration::from_secs(2),
            delete: Duration::from_secs(1),
            update: Duration::ZERO,
            rollback_window: DEFAULT_ROLLBACK_WINDOW,
        }
    }
}

/// What the emulator does where AWS's behaviour is not documented. The defaults are the
/// emulator's original behaviour; every other choice is opt-in, so that tests can show the
/// provider each plausible behaviour.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Behaviour {
    /// Whether `ModifyCluster` is accepted on an UNINITIALIZED cluster (default `true`);
    /// `false` = refused with `CloudHsmInvalidRequestException`.
    pub modify_uninitialized: bool,
    /// When set, every refusal because the cluster is busy (`ModifyCluster`,
    /// `InitializeCluster`, `DeleteCluster`, `CreateHsm` on a cluster in an `*_IN_PROGRESS`
    /// state) has exactly this message (still `CloudHsmInvalidRequestException`). Default
    /// `None`: messages that name the state.
    pub busy_message: Option<String>,
    /// What `DescribeClusters` shows once `HsmTypeRollbackExpiration` has passed.
    pub expired_rollback: ExpiredRollback,
    /// Role ARNs that may not be assumed: the STS emulation answers `AssumeRole` and
    /// `AssumeRoleWithWebIdentity` for them with `AccessDenied`.
    pub deny_assume_role: Vec<String>,
    /// Whether `ModifyCluster` and `InitializeCluster` are refused as busy while any HSM of
    /// the cluster is `*_IN_PROGRESS` (the cluster itself may look stable). Default `false`.
    pub refuse_while_hsm_busy: bool,
    /// Whether `DescribeClusters` with a `clusterIds` filter naming a cluster that does not
    /// exist answers `CloudHsmResourceNotFoundException` for the whole call (instead of
    /// leaving it out of the list). Default `false`.
    pub unknown_id_not_found: bool,
    /// Whether `InitializeCluster` accepts a certificate whose signature the emulator cannot
    /// check (an algorithm or curve its verifier lacks, e.g. ECDSA P-521). Default `false`:
    /// refused with `CloudHsmInvalidRequestException` naming the unsupported signature. AWS
    /// does not document which algorithms it takes.
    pub accept_unverifiable_signatures: bool,
    /// When set, `DescribeClusters` answers at most this many clusters a page, whatever
    /// `MaxResults` asks (with a `NextToken` for the rest): AWS documents that a page may
    /// hold only a subset. Default `None`: pages as full as `MaxResults` allows.
    pub page_limit: Option<usize>,
    /// When set, `DescribeClusters` refuses (`CloudHsmInvalidRequestException`) a filter
    /// holding more values than this. AWS documents no such limit, nor its absence. Default
    /// `None`: any number.
    pub filter_value_limit: Option<usize>,
    /// When set, every API write that changes a cluster (`InitializeCluster`,
    /// `ModifyCluster`, `CreateHsm`, `DeleteHsm`, `DeleteCluster`) leaves `DescribeClusters`
    /// showing the cluster as it was just before that write until this long after it: AWS
    /// reads are eventually consistent. A further write while the older view is shown keeps
    /// that view and moves its end to this long after the new write. The write paths, the
    /// write's own answer, a `states` filter and [`Control::cluster_json`](crate::Control::cluster_json)
    /// see the real cluster. Default `None`: reads are fresh.
    pub read_lag: Option<Duration>,
    /// When each part of an HSM type change (migration or rollback) shows, measured from the
    /// `ModifyCluster` call that starts it. Default: all at once, as before.
    pub hsm_type_change: HsmTypeChangeOrder,
    /// When set, once an initialization completes (state INITIALIZED), `DescribeClusters`
    /// leaves `Certificates.ClusterCertificate` out for this long. Default `None`: the
    /// certificate shows with the state.
    pub certificate_after: Option<Duration>,
    /// Whether the clusters of API answers carry `""` where a string is absent
    /// (`Certificates.ClusterCsr`, `ClusterCertificate`, `HsmCertificate`,
    /// `AwsHardwareCertificate`, `ManufacturerHardwareCertificate`, and `SourceBackupId`)
    /// instead of leaving the key out. Default `false`.
    pub blank_absent: bool,
    /// Cluster ids that `DescribeClusters` refuses to describe: a call whose `clusterIds`
    /// filter names one of them is refused with `CloudHsmInvalidRequestException` naming the
    /// id, whatever else the filter holds (one cluster's error failing a batched read).
    /// Default empty.
    pub refuse_describe_of: Vec<String>,
}

/// When the parts of an HSM type change show, each measured from the `ModifyCluster` call
/// that starts it. The change completes (the cluster back in its state before) at the later
/// of [`Timings::modify`] and every time that is set; each part flips at its own time, in
/// whatever order the times give. While the change is pending, even before `busy_after`,
/// `ModifyCluster`, `InitializeCluster`, `CreateHsm` and `DeleteCluster` are refused as busy.
/// The default (all `None`) is the emulator's original order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HsmTypeChangeOrder {
    /// When the state turns MODIFY_IN_PROGRESS (ROLLBACK_IN_PROGRESS for a rollback); until
    /// then the cluster shows its state before. `None` = at once.
    pub busy_after: Option<Duration>,
    /// When the cluster's `HsmType` shows the target. `None` = when the change completes.
    pub cluster_type_after: Option<Duration>,
    /// When every HSM's `HsmType` shows the target. `None` = when the change completes.
    pub hsm_types_after: Option<Duration>,
    /// When `HsmTypeRollbackExpiration` appears (a migration) or disappears (a rollback).
    /// `None` = when the change completes.
    pub rollback_expiration_after: Option<Duration>,
}

impl Default for Behaviour {
    /// `ModifyCluster` accepted on UNINITIALIZED clusters, busy refusals naming the state,
    /// expired rollback windows hidden, every role may be assumed, signatures that cannot be
    /// checked refused, fresh reads, HSM type changes shown all at once, certificates shown
    /// with the state, absent strings left out, every cluster described.
    fn default() -> Behaviour {
        Behaviour {
            modify_uninitialized: true,
            busy_message: None,
            expired_rollback: ExpiredRollback::Hide,
            deny_assume_role: Vec::new(),
            refuse_while_hsm_busy: false,
            unknown_id_not_found: false,
            accept_unverifiable_signatures: false,
            page_limit: None,
            filter_value_limit: None,
            read_lag: None,
            hsm_type_change: HsmTypeChangeOrder::default(),
            certificate_after: None,
            blank_absent: false,
            refuse_describe_of: Vec::new(),
        }
    }
}

/// What becomes of `HsmTypeRollbackExpiration` once it has passed. Either way a rollback is
/// refused after it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ExpiredRollback {
    /// `DescribeClusters` no longer shows `HsmTypeRollbackExpiration` (the default).
    #[default]
    Hide,
    /// `DescribeClusters` keeps showing the past timestamp.
    ShowPast,
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
    /// Region used for availability zone names (`<region>a`, `<region>b`, …).
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
}

impl Default for ClusterSpec {
    /// UNINITIALIZED, `hsm1.medium`, with one ACTIVE HSM (so a CSR), 90 days of backup
    /// retention, the emulator's VPC, no tags, a fresh id.
    fn default() -> ClusterSpec {
        ClusterSpec {
            state: None,
            hsm_type: None,
            with_hsm: true,
            backup_retention_days: None,
            vpc_id: None,
            tags: Vec::new(),
            cluster_id: None,
        }
    }
}
