//! The only door to AWS. [`client`] builds the CloudHSM v2 client and makes the calls
//! ([`error`] says how they failed)
//! ([`backoff`] times its polls, [`coalesce`] lets concurrent reads share one call);
//! [`cluster`] is the cluster as our own types (the [`ClusterState`] enum and the rules of
//! what a state means); [`wait`] polls with backoff through transient errors until a
//! deadline; [`workflows`] runs initialize-and-wait and modify-and-wait.
//!
//! Resources see plain Rust types and results carrying the last cluster seen, never SDK
//! types. Nothing here knows Terraform. Secrets never appear in an error or a log line.

pub mod backoff;
pub mod backup;
pub mod client;
pub mod cluster;
pub mod coalesce;
pub mod error;
pub mod network;
pub mod patience;
pub mod poll_clock;
pub mod tags;
pub mod wait;
pub mod workflows;

#[cfg(test)]
mod consistency_tests;

pub use backoff::Backoff;
pub use client::{
    AccountGuard, AssumeRole, ClientSettings, CloudHsm, Connected, InstanceMetadata, SettingsError,
    SettingsWarning, WebIdentity,
};
pub use cluster::{
    Cluster, ClusterCertificates, ClusterChange, ClusterState, Desired, Hsm, HsmTypeChange,
    Initialization, RetentionPolicy, RETENTION_TYPE,
};
pub use error::{ApiError, ErrorKind};
pub use tags::{IgnoredTags, WantedTags};
pub use wait::{FirstLook, Progress, WaitError};
pub use workflows::{
    BackupError, ConvergeError, CopyRequest, InitializeError, ModifyError, Patience,
};
