//! Client-side pacing under Resource Manager's request limits: a bucket's
//! size and rate in; for each request, how long to wait before sending it
//! out.

use std::time::Duration;

use tokio::time::Instant;

/// A token bucket's size and refill rate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BucketSpec {
    /// Requests that may go at once.
    pub burst: u32,
    /// Requests added back per second.
    pub per_second: f64,
}

/// A token bucket that hands out reservations: a request takes a token now
/// and waits until the bucket would have held it, so concurrent callers queue
/// in order instead of racing.
#[derive(Debug, Clone)]
pub struct TokenBucket {
    spec: BucketSpec,
    /// May go below zero: that many requests are already waiting.
    tokens: f64,
    at: Instant,
}

impl TokenBucket {
    /// A full bucket at `now`.
    pub fn new(spec: BucketSpec, now: Instant) -> Self {
        TokenBucket {
            spec,
            tokens: f64::from(spec.burst),
            at: now,
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens =
            (self.tokens + elapsed * self.spec.per_second).min(f64::from(self.spec.burst));
        self.at = now;
    }

    /// Takes one token; returns how long to wait before sending.
    pub fn take(&mut self, now: Instant) -> Duration {
        self.refill(now);
        self.tokens -= 1.0;
        if self.tokens >= 0.0 || self.spec.per_second <= 0.0 {
            Duration::ZERO
        } else {
            Duration::from_secs_f64(-self.tokens / self.spec.per_second)
        }
    }

    /// ARM says `remaining` requests are left in its own bucket: never hold
    /// more than that (it counts every client of the subscription).
    pub fn observe_remaining(&mut self, remaining: u64, now: Instant) {
        self.refill(now);
        #[allow(clippy::cast_precision_loss)] // budgets are far below 2^52
        let remaining = remaining as f64;
        self.tokens = self.tokens.min(remaining);
    }
}
