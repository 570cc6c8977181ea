//! How long the workflows give CloudHSM's reads to catch up with its writes: plain settings,
//! carried by the client so that tests can shorten them. Knows nothing else.

use std::time::Duration;

/// How long the workflows give CloudHSM's reads to catch up with its writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Patience {
    /// After a write failed in a way that may have taken effect: how long to watch the
    /// cluster for a sign of it before sending the write again.
    pub unseen_write: Duration,
    /// After ModifyCluster was accepted: how long a cluster may show no sign of the change
    /// at all (not busy, no setting moved) before the change counts as not applied.
    pub settle: Duration,
    /// An HSM type change never seen running (the migration was missed between two polls,
    /// or reads lag): how long the cluster must keep showing every sign of completion before
    /// it counts as done.
    pub unseen_change: Duration,
    /// After our own InitializeCluster was accepted and the cluster is INITIALIZED: how long
    /// to wait for its cluster certificate to be shown before finishing without it.
    pub certificate: Duration,
}

impl Default for Patience {
    fn default() -> Self {
        Patience {
            unseen_write: Duration::from_secs(20),
            settle: Duration::from_secs(60),
            unseen_change: Duration::from_secs(30),
            certificate: Duration::from_secs(60),
        }
    }
}
