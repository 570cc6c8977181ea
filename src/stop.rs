//! A stop signal that can fire many times: Terraform's `StopProvider` cancels everything in
//! flight, and the provider must then serve the next run (a reattached `--debug` process
//! serves many). Each operation pins the signal's current token when it starts; firing
//! cancels that token and arms a fresh one for operations that start later.
//!
//! Knows nothing of Terraform or AWS.

use std::sync::{Arc, Mutex, PoisonError};

use tokio_util::sync::CancellationToken;

/// Shared by the provider (which fires it) and the clients (which watch it).
#[derive(Clone, Debug, Default)]
pub struct StopSignal {
    current: Arc<Mutex<CancellationToken>>,
}

impl StopSignal {
    pub fn new() -> StopSignal {
        StopSignal::default()
    }

    /// The token of the operations starting now: cancelled by the next [`StopSignal::fire`].
    pub fn token(&self) -> CancellationToken {
        self.current
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Cancels every operation in flight and re-arms the signal for the ones that follow.
    pub fn fire(&self) {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        current.cancel();
        *current = CancellationToken::new();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn firing_cancels_pinned_tokens_and_rearms() {
        let stop = StopSignal::new();
        let before = stop.token();
        stop.fire();
        assert!(before.is_cancelled());
        let after = stop.token();
        assert!(!after.is_cancelled(), "the next run starts un-cancelled");
        stop.fire();
        assert!(after.is_cancelled());
    }
}
