//! Poll timing for waits: the first poll soon, then exponential backoff up to a cap. Pure
//! arithmetic; knows nothing of clusters or the network. Polls are not jittered: the waits
//! of one process share them (`wait::shared_wake` puts them on one grid).

use std::time::Duration;

/// Poll timing: first poll soon, then exponential backoff up to a cap.
#[derive(Clone, Copy, Debug)]
pub struct Backoff {
    pub first: Duration,
    pub factor: f64,
    pub cap: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            first: Duration::from_millis(500),
            factor: 1.7,
            cap: Duration::from_secs(15),
        }
    }
}

impl Backoff {
    /// The delay before poll number `attempt` (0-based), at least 50 ms.
    pub fn delay(&self, attempt: u32) -> Duration {
        let base = self.first.as_secs_f64() * self.factor.powi(attempt.min(40) as i32);
        Duration::from_secs_f64(base.min(self.cap.as_secs_f64()).max(0.05))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_starts_soon_grows_and_caps() {
        let b = Backoff::default();
        assert_eq!(b.delay(0), Duration::from_millis(500));
        assert!(b.delay(1) > b.delay(0));
        assert_eq!(b.delay(30), Duration::from_secs(15));
    }
}
