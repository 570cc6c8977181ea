//! Configuration: how long the emulated transitions take, where the server binds, and what
//! a seeded cluster looks like.

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
}

impl Timings {
    /// Every transition completes at the next request.
    pub fn instant() -> Timings {
        Timings {
            create: Duration::ZERO,
            initialize: Duration::ZERO,
            modify: Duration::ZERO,
            create_hsm: Duration::ZERO,
            delete: Duration::ZERO,
        }
    }

    /// Every transition takes `d`.
    pub fn uniform(d: Duration) -> Timings {
        Timings {
            create: d,
            initialize: d,
            modify: d,
            create_hsm: d,
            delete: d,
        }
    }
}

impl Default for Timings {
    /// Short but visible: a waiter sees the in-progress state for a poll or two.
    fn default() -> Timings {
        Timings {
            create: Duration::from_secs(2),
            initialize: Duration::from_secs(2),
            modify: Duration::from_secs(3),
            create_hsm: Duration::from_secs(2),
            delete: Duration::from_secs(1),
        }
    }
}

/// How to start an [`Emulator`](crate::Emulator).
#[derive(Clone, Debug)]
pub struct EmulatorConfig {
    /// Address to bind; default `127.0.0.1:0` (a free port).
    pub bind: SocketAddr,
    /// Transition durations.
    pub timings: Timings,
    /// Region used for availability zone names (`<region>a`, `<region>b`, …).
    pub region: String,
    /// VPC of clusters made by `CreateCluster` (seeded clusters may name their own).
    pub vpc_id: String,
}

impl Default for EmulatorConfig {
    fn default() -> EmulatorConfig {
        EmulatorConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            timings: Timings::default(),
            region: "us-east-1".to_string(),
            vpc_id: "vpc-0a1b2c3d4e5f60718".to_string(),
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
