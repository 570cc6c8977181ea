//! The two cluster workflows the resources run, as plain Rust: initialize-and-wait
//! ([`initialize`]) and modify-and-wait ([`modify`]). Both are bounded by a deadline and the
//! provider's stop signal, and report the last cluster seen, so that the caller can answer
//! the state as it really is.
//!
//! What they share, and hold to under eventual consistency (a read may show the cluster as
//! it was before a write, or one field changed before another):
//! - "Done" means the change was seen to take effect, never only that nothing looks busy.
//! - Whether CloudHSM refused a call because the cluster was busy is decided by looking at
//!   the cluster (is it, or any of its HSMs, `*_IN_PROGRESS`?), never by the refusal's words.
//! - A write is never sent again blindly: the SDK does not retry writes, and after a failure
//!   that may have taken effect (a lost or unreadable answer, a timeout, a 5xx) the cluster is
//!   watched for a while ([`Patience::unseen_write`]) before the call is repeated.
//!
//! No Terraform types here.

mod initialize;
mod modify;

use std::time::Duration;

use tokio::time::Instant;

use super::client::CloudHsm;

pub use initialize::{next_init_step, InitStep, InitializeError, Initialized, Signing};
pub use modify::ModifyError;

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

/// How many times a refused or failed call is tried again when the cluster gives no reason
/// to believe it will keep failing (it was busy a moment ago, or the failure was transient).
const MAX_RETRIES: u32 = 5;

/// How long to pause before trying again after the `n`th (1-based) refusal or failure:
/// 1 s, doubling, at most 30 s.
pub fn retry_pause(n: u32) -> Duration {
    Duration::from_secs(1u64 << n.saturating_sub(1).min(5)).min(Duration::from_secs(30))
}

impl CloudHsm {
    /// Sleeps for `pause`, cut short by the operation's deadline or a stop.
    async fn pause(&self, pause: Duration) {
        let until = match self.deadline() {
            Some(d) => (Instant::now() + pause).min(d),
            None => Instant::now() + pause,
        };
        let stop = self.stop_token();
        tokio::select! {
            _ = stop.cancelled() => {}
            _ = tokio::time::sleep_until(until) => {}
        }
    }

    /// The time left until the operation's deadline (none: a long time).
    fn remaining(&self) -> Duration {
        match self.deadline() {
            Some(d) => d.saturating_duration_since(Instant::now()),
            None => Duration::from_secs(24 * 3600),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pauses_grow_and_cap() {
        assert_eq!(retry_pause(1), Duration::from_secs(1));
        assert_eq!(retry_pause(2), Duration::from_secs(2));
        assert_eq!(retry_pause(20), Duration::from_secs(30));
    }
}
