//! Wall-clock time for journals, events and the simulated vault, read through
//! tokio's clock so that tests on paused time get exact, repeatable
//! timestamps: a base wall time plus the tokio time elapsed since it.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::time::Instant;

/// A wall clock that advances with tokio's time.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    base: SystemTime,
    at: Instant,
}

impl Clock {
    /// The system's clock.
    pub fn system() -> Self {
        Self::starting_at(SystemTime::now())
    }

    /// A clock that reads `base` now and advances with tokio's time (tests).
    pub fn starting_at(base: SystemTime) -> Self {
        Self {
            base,
            at: Instant::now(),
        }
    }

    /// A fixed start for tests: 2026-01-01T00:00:00Z.
    pub fn test() -> Self {
        Self::starting_at(UNIX_EPOCH + Duration::from_secs(1_767_225_600))
    }

    /// The time now.
    pub fn now(&self) -> Timestamp {
        Timestamp(self.base + self.at.elapsed())
    }

    /// The tokio instant at which the clock reads `t` (now, if `t` is past).
    pub fn instant_at(&self, t: Timestamp) -> Instant {
        let now = self.now();
        Instant::now() + t.since(now)
    }
}

/// A point in time, written as RFC 3339 (UTC, milliseconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(pub SystemTime);

impl Timestamp {
    /// How long after `earlier` this is (zero if it is not after).
    pub fn since(self, earlier: Timestamp) -> Duration {
        self.0.duration_since(earlier.0).unwrap_or_default()
    }

    /// This time plus `d`.
    #[must_use]
    pub fn plus(self, d: Duration) -> Timestamp {
        Timestamp(self.0 + d)
    }

    /// Seconds since the Unix epoch (for ids and seeds).
    pub fn unix_secs(self) -> u64 {
        self.0.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", humantime::format_rfc3339_millis(self.0))
    }
}

impl std::str::FromStr for Timestamp {
    type Err = humantime::TimestampError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        humantime::parse_rfc3339_weak(s).map(Timestamp)
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for Timestamp {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn advances_with_paused_time_and_round_trips_as_rfc3339() {
        let clock = Clock::test();
        let t0 = clock.now();
        assert_eq!(t0.to_string(), "2026-01-01T00:00:00.000Z");
        tokio::time::sleep(Duration::from_millis(90_500)).await;
        let t1 = clock.now();
        assert_eq!(t1.to_string(), "2026-01-01T00:01:30.500Z");
        assert_eq!(t1.since(t0), Duration::from_millis(90_500));
        assert_eq!(t1.to_string().parse::<Timestamp>().unwrap(), t1);
        let json = serde_json::to_string(&t1).unwrap();
        assert_eq!(serde_json::from_str::<Timestamp>(&json).unwrap(), t1);
    }
}
