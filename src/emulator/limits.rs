//! What happens to each request at run time: the `http` faults of the fault
//! file in; for each authenticated request, whether Resource Manager's
//! throttling lets it through (per-principal token buckets for reads and
//! writes, refilled on tokio's clock), whether `deny` refuses the RBAC
//! action it needs, and which injected fault, if any, hits it, out.
//!
//! Memory stays bounded whatever the clients send: buckets are kept for at
//! most [`PRINCIPALS`] principals, keyed by a hash of the token rather than
//! the token itself, and the fault counters are one number each (only the
//! token `expire_token` names is counted).

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Mutex, PoisonError};

use tokio::time::Instant;

use super::faults::{HttpFaults, Throttle};

/// The most principals whose buckets are remembered. A rehearsal has one or
/// two; the cap is for a client that sends a new token with every request.
/// When it is reached, buckets that have refilled are forgotten (a new full
/// pair is the same), then, if that frees less than a quarter, the least
/// recently used half: a principal forgotten that way starts again with full
/// buckets, which lets a flood of new tokens through a little faster than
/// ARM would, and nothing else.
pub const PRINCIPALS: usize = 1024;

/// What happens to a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verdict {
    /// It is served.
    Serve,
    /// It is answered with an injected error.
    Fail {
        /// The status.
        status: u16,
        /// `Retry-After`, in seconds.
        retry_after_s: Option<u64>,
    },
    /// Its connection is dropped, before or after it takes effect.
    Drop {
        /// The request takes effect first.
        after_processing: bool,
    },
}

/// Throttling's answer to one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Budget {
    /// Not throttled.
    Off,
    /// Let through; this many requests of its kind remain.
    Remaining(u64),
    /// Throttled; retry after this many seconds.
    Throttled(u64),
}

/// The HTTP faults and their counters while the emulator runs.
#[derive(Debug)]
pub(crate) struct HttpState {
    faults: HttpFaults,
    counts: Mutex<Counts>,
    buckets: Mutex<Principals>,
}

/// Each principal's read and write buckets, with when it last sent a
/// request (a count of requests, so that ties cannot happen).
#[derive(Debug, Default)]
struct Principals {
    /// Keys tokens by their hash: two tokens whose 64-bit hashes collide
    /// share buckets, which matters to no rehearsal.
    hasher: RandomState,
    pairs: HashMap<u64, Pair>,
    requests: u64,
}

#[derive(Debug)]
struct Pair {
    buckets: [Bucket; 2],
    used: u64,
}

impl Principals {
    /// `principal`'s buckets, full for one not seen (or forgotten).
    fn buckets(&mut self, principal: &str, t: Throttle, now: Instant) -> &mut [Bucket; 2] {
        let key = self.hasher.hash_one(principal);
        self.requests += 1;
        if self.pairs.len() >= PRINCIPALS && !self.pairs.contains_key(&key) {
            self.make_room(t, now);
        }
        let used = self.requests;
        let pair = self.pairs.entry(key).or_insert_with(|| Pair {
            buckets: [
                Bucket::full(t.reads_burst, now),
                Bucket::full(t.writes_burst, now),
            ],
            used,
        });
        pair.used = used;
        &mut pair.buckets
    }

    /// See [`PRINCIPALS`]. Freeing at least a quarter each time keeps the
    /// cost of a flood of new tokens a constant per request on average.
    fn make_room(&mut self, t: Throttle, now: Instant) {
        self.pairs.retain(|_, p| {
            !(p.buckets[0].is_full(t.reads_per_s, t.reads_burst, now)
                && p.buckets[1].is_full(t.writes_per_s, t.writes_burst, now))
        });
        if self.pairs.len() > PRINCIPALS / 4 * 3 {
            let mut used: Vec<u64> = self.pairs.values().map(|p| p.used).collect();
            let middle = used.len() / 2;
            let (_, median, _) = used.select_nth_unstable(middle);
            let median = *median;
            self.pairs.retain(|_, p| p.used > median);
        }
    }
}

#[derive(Debug, Default)]
struct Counts {
    storms: Vec<u64>,
    server_errors: u64,
    drops: u64,
    expiring: u64,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl Bucket {
    fn full(burst: u32, now: Instant) -> Bucket {
        Bucket {
            tokens: f64::from(burst),
            at: now,
        }
    }

    /// Whether the bucket has refilled to its burst by `now`.
    fn is_full(&self, per_s: f64, burst: u32, now: Instant) -> bool {
        let refill = per_s * now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens + refill >= f64::from(burst)
    }

    /// Takes a token: `Ok(tokens left)` or `Err(seconds until one is back)`.
    fn take(&mut self, per_s: f64, burst: u32, now: Instant) -> Result<u64, u64> {
        let refill = per_s * now.saturating_duration_since(self.at).as_secs_f64();
        self.tokens = (self.tokens + refill).min(f64::from(burst));
        self.at = now;
        // Both values are small and non-negative: tokens are at most the
        // burst (a u32), and a wait is at most one token's refill time.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(self.tokens.floor() as u64)
        } else {
            Err(((1.0 - self.tokens) / per_s).ceil().max(1.0) as u64)
        }
    }
}

impl HttpState {
    /// Counters at zero and full buckets.
    pub(crate) fn new(faults: HttpFaults) -> HttpState {
        let counts = Counts {
            storms: vec![0; faults.status_storm.len()],
            ..Counts::default()
        };
        HttpState {
            faults,
            counts: Mutex::new(counts),
            buckets: Mutex::new(Principals::default()),
        }
    }

    /// Takes a read or write token of `principal`'s bucket.
    pub(crate) fn budget(&self, principal: &str, write: bool) -> Budget {
        let Some(t) = self.faults.throttle else {
            return Budget::Off;
        };
        let now = Instant::now();
        let mut principals = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let pair = principals.buckets(principal, t, now);
        let taken = if write {
            pair[1].take(t.writes_per_s, t.writes_burst, now)
        } else {
            pair[0].take(t.reads_per_s, t.reads_burst, now)
        };
        match taken {
            Ok(left) => Budget::Remaining(left),
            Err(wait) => Budget::Throttled(wait),
        }
    }

    /// The `deny` entry of the fault file that refuses `action`, if any.
    pub(crate) fn denies(&self, action: &str) -> Option<&str> {
        self.faults.denies(action)
    }

    /// Whether `principal` is the token of `expire_token` and has used up
    /// its requests; counts the request when it is that token.
    pub(crate) fn expired(&self, principal: &str) -> bool {
        let Some(e) = &self.faults.expire_token else {
            return false;
        };
        if e.token != principal {
            return false;
        }
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        counts.expiring += 1;
        counts.expiring > e.after
    }

    /// The injected fault, if any, that hits a request. Every fault counts
    /// the requests it matches, whether or not an earlier one hit.
    pub(crate) fn verdict(&self, write: bool, path: &str) -> Verdict {
        let mut counts = self.counts.lock().unwrap_or_else(PoisonError::into_inner);
        let mut verdict = Verdict::Serve;
        if let Some(d) = &self.faults.drop_connections
            && d.select.matches(write, path)
        {
            counts.drops += 1;
            if counts.drops > d.after && counts.drops <= d.after + d.times {
                verdict = Verdict::Drop {
                    after_processing: d.after_processing,
                };
            }
        }
        if let Some(e) = &self.faults.server_errors
            && e.select.matches(write, path)
        {
            counts.server_errors += 1;
            let n = counts.server_errors;
            if verdict == Verdict::Serve && n > e.after && n <= e.after + e.times {
                verdict = Verdict::Fail {
                    status: e.status,
                    retry_after_s: e.retry_after_s,
                };
            }
        }
        for (storm, count) in self
            .faults
            .status_storm
            .iter()
            .zip(counts.storms.iter_mut())
        {
            if storm.select.matches(write, path) {
                *count += 1;
                if verdict == Verdict::Serve && *count % storm.every == 0 {
                    verdict = Verdict::Fail {
                        status: storm.status,
                        retry_after_s: storm.retry_after_s,
                    };
                }
            }
        }
        verdict
    }
}

impl HttpFaults {
    /// The entry of `deny` that refuses `action`, if any.
    pub(crate) fn denies(&self, action: &str) -> Option<&str> {
        self.deny
            .iter()
            .find(|pattern| glob(&pattern.to_ascii_lowercase(), &action.to_ascii_lowercase()))
            .map(String::as_str)
    }
}

/// Whether `text` matches `pattern`, where `*` stands for any text.
fn glob(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, tail)) => {
            let Some(rest) = text.strip_prefix(head) else {
                return false;
            };
            // `*` takes as little as it must: try every split of the rest.
            (0..=rest.len())
                .filter(|i| rest.is_char_boundary(*i))
                .any(|i| glob(tail, &rest[i..]))
        }
    }
}

/// The ARM error code of an injected status.
pub(crate) fn status_code_name(status: u16) -> &'static str {
    match status {
        429 => "TooManyRequests",
        500 => "InternalServerError",
        502 => "BadGateway",
        503 => "ServiceUnavailable",
        504 => "GatewayTimeout",
        409 => "Conflict",
        404 => "NotFound",
        _ => "InjectedFault",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::emulator::faults::http_for_tests as http;

    #[test]
    fn faults_hit_the_requests_they_select_in_order() {
        let state = HttpState::new(
            http(
                r#"{"http": {"status_storm": [{"status": 429, "every": 3, "retry_after_s": 2, "requests": "reads"}],
                    "server_errors": {"status": 503, "times": 2, "after": 1, "requests": "writes"},
                    "drop_connections": {"times": 1, "path": "reProtect"}}}"#,
            )
            .unwrap(),
        );
        let reads: Vec<Verdict> = (0..6).map(|_| state.verdict(false, "/x")).collect();
        let storm = Verdict::Fail {
            status: 429,
            retry_after_s: Some(2),
        };
        assert_eq!(reads[2], storm);
        assert_eq!(reads[5], storm);
        assert_eq!(reads.iter().filter(|v| **v == Verdict::Serve).count(), 4);
        let writes: Vec<Verdict> = (0..4).map(|_| state.verdict(true, "/x")).collect();
        let error = Verdict::Fail {
            status: 503,
            retry_after_s: None,
        };
        assert_eq!(
            writes,
            [Verdict::Serve, error.clone(), error, Verdict::Serve]
        );
        assert_eq!(
            state.verdict(true, "/i/reProtect"),
            Verdict::Drop {
                after_processing: true
            }
        );
        assert_eq!(state.verdict(true, "/i/reProtect"), Verdict::Serve);
    }

    #[test]
    fn an_expiring_token_works_its_requests_then_never_again() {
        let state = HttpState::new(
            http(r#"{"http": {"expire_token": {"token": "old", "after": 2}}}"#).unwrap(),
        );
        let old: Vec<bool> = (0..4).map(|_| state.expired("old")).collect();
        assert_eq!(old, [false, false, true, true]);
        assert!(!state.expired("new"));
        assert!(!HttpState::new(HttpFaults::default()).expired("old"));
    }

    #[tokio::test(start_paused = true)]
    async fn buckets_empty_refill_over_time_and_are_per_principal() {
        let state = HttpState::new(
            http(r#"{"http": {"throttle": {"reads_per_s": 2, "reads_burst": 3}}}"#).unwrap(),
        );
        let got: Vec<Budget> = (0..4).map(|_| state.budget("alice", false)).collect();
        assert_eq!(
            got,
            [
                Budget::Remaining(2),
                Budget::Remaining(1),
                Budget::Remaining(0),
                Budget::Throttled(1)
            ]
        );
        assert_eq!(state.budget("bob", false), Budget::Remaining(2));
        assert_eq!(state.budget("alice", true), Budget::Remaining(199));
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        assert_eq!(state.budget("alice", false), Budget::Remaining(0));
        assert_eq!(state.budget("alice", false), Budget::Throttled(1));
        let off = HttpState::new(http(r#"{"http": {"throttle": false}}"#).unwrap());
        assert_eq!(off.budget("alice", false), Budget::Off);
    }

    #[tokio::test(start_paused = true)]
    async fn buckets_are_kept_for_a_bounded_number_of_principals_and_the_busy_stay() {
        let state = HttpState::new(
            http(r#"{"http": {"throttle": {"reads_per_s": 1, "reads_burst": 2}}}"#).unwrap(),
        );
        let principals = || state.buckets.lock().unwrap().pairs.len();
        assert_eq!(state.budget("busy", false), Budget::Remaining(1));
        assert_eq!(state.budget("busy", false), Budget::Remaining(0));
        for n in 0..5 * PRINCIPALS {
            let one_off = format!("token-{n}-{}", "x".repeat(1000));
            assert_eq!(state.budget(&one_off, false), Budget::Remaining(1));
            // A principal that keeps asking keeps its (empty) bucket.
            assert_eq!(state.budget("busy", false), Budget::Throttled(1));
            assert!(principals() <= PRINCIPALS, "{} principals", principals());
        }
        // Refilled buckets are the first to go, all of them, rather than
        // the older half: two seconds refill every bucket.
        tokio::time::sleep(std::time::Duration::from_secs(2)).await;
        let swept = (0..PRINCIPALS).any(|n| {
            assert_eq!(
                state.budget(&format!("later-{n}"), false),
                Budget::Remaining(1)
            );
            principals() < PRINCIPALS / 4
        });
        assert!(swept, "{} principals", principals());
    }

    #[test]
    fn deny_matches_actions_by_pattern_ignoring_case() {
        let h = http(
            r#"{"http": {"deny": ["Microsoft.Compute/locations/usages/read", "microsoft.network/*/read"]}}"#,
        )
        .unwrap();
        assert_eq!(
            h.denies("Microsoft.Compute/locations/usages/read"),
            Some("Microsoft.Compute/locations/usages/read")
        );
        assert_eq!(
            h.denies("Microsoft.Network/virtualNetworks/subnets/read"),
            Some("microsoft.network/*/read")
        );
        assert_eq!(h.denies("Microsoft.Compute/skus/read"), None);
        assert_eq!(h.denies("Microsoft.Network/virtualNetworks/write"), None);
        assert_eq!(
            HttpFaults::default().denies("Microsoft.Compute/skus/read"),
            None
        );
        assert!(glob("*", ""));
        assert!(glob("a*b*c", "axxbyyc"));
        assert!(!glob("a*b*c", "axxbyy"));
    }
}
