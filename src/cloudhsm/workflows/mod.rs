//! The workflows the resources run, as plain Rust: initialize-and-wait ([`initialize`]) and
//! modify-and-wait ([`modify`]) for clusters, and copy, change and delete for backups
//! ([`backups`], on the shared [`converge`] step). Both are bounded by a deadline and the
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

mod backups;
mod converge;
mod initialize;
mod modify;

use std::time::Duration;

use tokio::time::Instant;

use super::client::CloudHsm;
pub use super::patience::Patience;

pub use backups::{BackupError, CopyRequest};
pub use converge::ConvergeError;
pub use initialize::{next_init_step, CsrNeeded, InitStep, InitializeError, Initialized, Signing};
pub use modify::ModifyError;

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
