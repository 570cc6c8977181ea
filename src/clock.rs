//! The wall clock in Unix seconds, in one place.

use std::time::{SystemTime, UNIX_EPOCH};

/// The current time, seconds since the Unix epoch.
pub fn now_unix() -> i64 {
    match SystemTime::now().duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_secs()).map_or(i64::MIN, |s| -s),
    }
}
