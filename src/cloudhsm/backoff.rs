//! Poll timing for waits: the first poll soon, then exponential backoff with jitter, up to
//! a cap. Pure arithmetic; knows nothing of clusters or the network.

use std::time::Duration;

/// Poll timing: first poll soon, then exponential backoff with jitter up to a cap.
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
    /// The delay before poll number `attempt` (0-based), jittered by up to ±20 %.
    pub fn delay(&self, attempt: u32, jitter_seed: u64) -> Duration {
        let base = self.first.as_secs_f64() * self.factor.powi(attempt.min(40) as i32);
        let base = base.min(self.cap.as_secs_f64());
        // jitter in [-0.2, +0.2] from a cheap seed; no need for cryptographic randomness
        let frac = ((jitter_seed % 1000) as f64 / 1000.0 - 0.5) * 0.4;
        Duration::from_secs_f64((base * (1.0 + frac)).max(0.05))
    }
}

pub(super) fn jitter_seed() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::from(d.subsec_nanos()) / 1000)
        .unwrap_or(500)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_starts_soon_grows_and_caps() {
        let b = Backoff::default();
        let mid = 500; // no jitter
        assert_eq!(b.delay(0, mid), Duration::from_millis(500));
        assert!(b.delay(1, mid) > b.delay(0, mid));
        assert_eq!(b.delay(30, mid), Duration::from_secs(15));
        // jitter stays within ±20 %
        for seed in [0, 250, 999] {
            let d = b.delay(0, seed).as_secs_f64();
            assert!((0.39..=0.61).contains(&d), "{d}");
        }
    }
}
