//! Poll timing for waits: the first poll soon, then exponential backoff up to a cap. Pure
//! arithmetic; knows nothing of clusters or the network. Polls are not jittered: the waits
//! of one process share them (`poll_clock`), unless a backoff says otherwise
//! (`shared: false`, each wait on its own jittered clock: how waits polled before, kept for
//! the benchmark that compares the two).

use std::time::Duration;

/// Poll timing: first poll soon, then exponential backoff up to a cap.
#[derive(Clone, Copy, Debug)]
pub struct Backoff {
    pub first: Duration,
    pub factor: f64,
    pub cap: Duration,
    /// Whether polls wake on the process's shared grid (the default) or each on its own
    /// clock with ±20 % jitter.
    pub shared: bool,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            first: Duration::from_millis(500),
            factor: 1.7,
            cap: Duration::from_secs(15),
            shared: true,
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

/// `delay` jittered by up to ±20 %, from the clock's nanoseconds (no need for cryptographic
/// randomness).
pub fn jittered(delay: Duration) -> Duration {
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::from(d.subsec_nanos()) / 1000)
        .unwrap_or(500);
    let frac = ((seed % 1000) as f64 / 1000.0 - 0.5) * 0.4;
    Duration::from_secs_f64((delay.as_secs_f64() * (1.0 + frac)).max(0.05))
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
        for _ in 0..20 {
            let d = jittered(Duration::from_secs(1)).as_secs_f64();
            assert!((0.79..=1.21).contains(&d), "{d}");
        }
    }
}
