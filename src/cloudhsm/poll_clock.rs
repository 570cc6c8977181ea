//! When the polls of a wait are due, so that the waits of one process share them. A wait's
//! polls are due at its backoff delays counted from its schedule's origin, and the origin is
//! shared: a wait that starts within [`BURST`] of another (the ten waits of one apply,
//! started as their writes are answered) takes that one's origin, so waits started together
//! poll at the very same instants, forever. Each due instant is then put on a process-wide
//! grid: the next point at or after it, the step a quarter of the delay (64 ms to 4 s), and,
//! once the backoff is at its cap, one step of the cap rounded up to a power of two
//! milliseconds (16.384 s for the default 15 s) for every capped wait, so that waits started
//! apart merge too, within a cycle of the cap. Counting from the origin (not from the
//! last wake) keeps the rounding from adding up.
//!
//! A backoff with `shared: false` gives each wait its own clock, jittered: how waits polled
//! before, kept for the benchmark that compares the two.
//!
//! Knows time and the backoff; nothing of clusters, backups or the network.

use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use super::backoff::{jittered, Backoff};

/// Waits that start within this of each other share one schedule.
pub const BURST: Duration = Duration::from_millis(250);

/// The poll schedule of one wait.
pub struct PollClock {
    backoff: Backoff,
    origin: Instant,
    /// The sum of the delays so far, from the origin.
    elapsed: Duration,
    attempt: u32,
}

impl PollClock {
    /// A schedule starting now (or at the origin of a wait that started less than [`BURST`]
    /// ago).
    pub fn start(backoff: Backoff) -> PollClock {
        let now = Instant::now();
        let origin = if backoff.shared {
            burst_origin(now)
        } else {
            now
        };
        PollClock {
            backoff,
            origin,
            elapsed: Duration::ZERO,
            attempt: 0,
        }
    }

    /// When the next poll is due.
    pub fn next_wake(&mut self) -> Instant {
        let delay = self.backoff.delay(self.attempt);
        self.attempt += 1;
        let now = Instant::now();
        if !self.backoff.shared {
            return now + jittered(delay);
        }
        self.elapsed += delay;
        let mut due = self.origin + self.elapsed;
        if due < now {
            // A poll took longer than the delay: go on from now, not in a burst of catch-up.
            self.elapsed = now.saturating_duration_since(self.origin);
            due = now;
        }
        let capped = (delay >= self.backoff.cap).then_some(self.backoff.cap);
        on_grid(due, delay, capped)
    }
}

/// The origin of a schedule starting at `now`: the last origin, when it is less than
/// [`BURST`] old; else `now`, which becomes the last.
fn burst_origin(now: Instant) -> Instant {
    static LAST: Mutex<Option<Instant>> = Mutex::new(None);
    let mut last = LAST.lock().unwrap_or_else(PoisonError::into_inner);
    match *last {
        Some(origin) if now.saturating_duration_since(origin) < BURST => origin,
        _ => {
            *last = Some(now);
            now
        }
    }
}

/// The first point of the process's grid at or after `due`, for a poll after `delay`
/// (`capped`: the backoff's cap, when the delay is at it).
pub fn on_grid(due: Instant, delay: Duration, capped: Option<Duration>) -> Instant {
    static ORIGIN: OnceLock<Instant> = OnceLock::new();
    let origin = *ORIGIN.get_or_init(Instant::now);
    let step = match capped {
        Some(cap) => (cap.as_millis() as u64).max(1).next_power_of_two(),
        None => {
            let quarter = (delay.as_millis() / 4).clamp(64, 4096) as u64;
            1u64 << (63 - quarter.leading_zeros())
        }
    };
    let since = due.saturating_duration_since(origin).as_millis() as u64;
    origin + Duration::from_millis(since.div_ceil(step) * step)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_point_of_the_grid_is_never_early_and_at_most_a_step_late() {
        let now = Instant::now();
        for delay_ms in [500u64, 850, 1450, 4200, 12_000] {
            let delay = Duration::from_millis(delay_ms);
            let due = now + delay;
            let wake = on_grid(due, delay, None);
            assert!(wake >= due, "{delay_ms}");
            assert!(
                wake <= due + (delay / 4).max(Duration::from_millis(64)),
                "{delay_ms}"
            );
        }
        let cap = Duration::from_secs(15);
        let capped = on_grid(now, cap, Some(cap));
        assert!(capped <= now + Duration::from_millis(16_384));
        // A short cap (tests) gets a short step.
        let short = Duration::from_millis(200);
        assert!(on_grid(now, short, Some(short)) <= now + Duration::from_millis(256));
    }

    #[test]
    fn capped_waits_started_apart_share_their_points() {
        let d = Duration::from_secs(15);
        let now = Instant::now();
        // Two capped waits whose polls are due 6 s apart wake at one point or a step apart:
        // never in between.
        let a = on_grid(now, d, Some(d));
        let b = on_grid(now + Duration::from_secs(6), d, Some(d));
        let apart = b.duration_since(a).as_millis() as u64;
        assert!(apart == 0 || apart == 16_384, "{apart}");
    }

    #[test]
    fn waits_that_start_together_have_one_schedule() {
        let backoff = Backoff::default();
        let mut first = PollClock::start(backoff);
        std::thread::sleep(Duration::from_millis(20));
        let mut second = PollClock::start(backoff);
        for _ in 0..6 {
            assert_eq!(first.next_wake(), second.next_wake());
        }
        let mut own = PollClock::start(Backoff {
            shared: false,
            ..backoff
        });
        let wake = own.next_wake();
        assert!(wake >= Instant::now() + Duration::from_millis(390));
    }
}
