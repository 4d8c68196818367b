//! Client-side pacing under Resource Manager's request limits: a bucket's
//! size and rate in; for each request, how long to wait before sending it
//! out. Resource Manager counts its budgets per subscription and principal,
//! so the clients of the vaults of one subscription share one [`Pacer`]
//! ([`SubscriptionPacers`]); vaults of other subscriptions get their own.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
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

    /// The share of the bucket's size it holds now, from 0 (empty, or
    /// requests already waiting) to 1 (full).
    pub fn share(&mut self, now: Instant) -> f64 {
        self.refill(now);
        if self.spec.burst == 0 {
            return 1.0;
        }
        (self.tokens / f64::from(self.spec.burst)).clamp(0.0, 1.0)
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

/// The read and write buckets of one subscription (and principal): every
/// client that talks to that subscription takes its tokens here.
#[derive(Debug)]
pub struct Pacer {
    pub(super) reads: Mutex<TokenBucket>,
    pub(super) writes: Mutex<TokenBucket>,
}

impl Pacer {
    /// Full buckets of these sizes.
    pub fn new(reads: BucketSpec, writes: BucketSpec) -> Pacer {
        let now = Instant::now();
        Pacer {
            reads: Mutex::new(TokenBucket::new(reads, now)),
            writes: Mutex::new(TokenBucket::new(writes, now)),
        }
    }

    /// Takes a read token (or a write token); how long to wait before sending.
    pub fn take(&self, write: bool) -> Duration {
        let bucket = if write { &self.writes } else { &self.reads };
        bucket
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take(Instant::now())
    }
}

impl Pacer {
    /// The share of the read budget left now ([`TokenBucket::share`]).
    pub fn read_share(&self) -> f64 {
        self.reads
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .share(Instant::now())
    }
}

/// One [`Pacer`] per subscription, handed to every client of a vault in it.
#[derive(Debug, Default)]
pub struct SubscriptionPacers {
    by_subscription: Mutex<HashMap<String, Arc<Pacer>>>,
}

impl SubscriptionPacers {
    /// The pacer of `subscription` (compared without regard to case, as ARM
    /// compares ids), made with these bucket sizes the first time it is asked.
    pub fn of(&self, subscription: &str, reads: BucketSpec, writes: BucketSpec) -> Arc<Pacer> {
        let mut map = self
            .by_subscription
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        Arc::clone(
            map.entry(subscription.to_ascii_lowercase())
                .or_insert_with(|| Arc::new(Pacer::new(reads, writes))),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: BucketSpec = BucketSpec {
        burst: 2,
        per_second: 1.0,
    };

    #[tokio::test(start_paused = true)]
    async fn vaults_of_one_subscription_share_a_budget_and_others_keep_theirs() {
        let pacers = SubscriptionPacers::default();
        let a = pacers.of("SUB-1", SMALL, SMALL);
        let b = pacers.of("sub-1", SMALL, SMALL);
        let other = pacers.of("sub-2", SMALL, SMALL);
        assert!(Arc::ptr_eq(&a, &b));
        // Two reads through one vault's client empty the subscription's
        // bucket: the other vault of the subscription must wait too.
        assert_eq!(a.take(false), Duration::ZERO);
        assert_eq!(a.take(false), Duration::ZERO);
        assert_eq!(b.take(false), Duration::from_secs(1));
        // Writes have their own bucket, and another subscription its own.
        assert_eq!(b.take(true), Duration::ZERO);
        assert_eq!(other.take(false), Duration::ZERO);
        assert_eq!(other.take(false), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn the_read_share_falls_with_each_read_and_refills_with_time() {
        let pacer = Pacer::new(
            BucketSpec {
                burst: 4,
                per_second: 2.0,
            },
            SMALL,
        );
        assert!((pacer.read_share() - 1.0).abs() < 1e-9);
        pacer.take(false);
        pacer.take(false);
        assert!((pacer.read_share() - 0.5).abs() < 1e-9);
        // Writes take nothing from the reads.
        pacer.take(true);
        assert!((pacer.read_share() - 0.5).abs() < 1e-9);
        // Reads waiting in line leave no share at all.
        for _ in 0..4 {
            pacer.take(false);
        }
        assert!(pacer.read_share().abs() < 1e-9);
        tokio::time::advance(Duration::from_secs(10)).await;
        assert!((pacer.read_share() - 1.0).abs() < 1e-9);
    }
}
