//! How long a request keeps trying, and what the operator is told while it
//! does: the caller's read limit (if any) and each failed try in; the
//! deadline, the time one try may take, a notice on stderr when the endpoint
//! stops answering, and the error when a limited read gives up, out.
//!
//! A run's requests ride out an outage until the retry deadline (five
//! minutes): a failover must not be abandoned for a blip. Someone looking
//! at `drplan status` would rather hear why nothing shows, so there the
//! caller limits reads ([`crate::provider::Provider::limit_reads`]): each
//! try gets a third of the limit at most, so a server that accepts and never
//! answers is retried (and announced) rather than waited on in silence, and
//! everything stops at the limit, tries in flight included.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;
use url::Url;

use super::ClientError;
use crate::urls;

/// A caller's bound on reads: when they give up, and the bound as asked.
#[derive(Debug, Clone, Copy)]
pub(super) struct ReadLimit {
    pub(super) until: Instant,
    within: Duration,
}

impl ReadLimit {
    /// How long one try may take: a third of the limit, so a silent server
    /// gets retried, and never longer than a request may take anyway.
    pub(super) fn per_try(&self, request_timeout: Duration) -> Duration {
        (self.within / 3).min(request_timeout)
    }

    /// The error of a limited read that gave up after `last`.
    pub(super) fn gave_up(&self, base: &Url, last: &ClientError) -> ClientError {
        ClientError::GaveUp(format!(
            "no answer from {} ({last}); stopped retrying rather than wait past the {} allowed",
            urls::shown(base),
            whole_seconds(self.within)
        ))
    }
}

/// The client's patience: its read limit and whether the current outage has
/// been announced.
#[derive(Debug, Default)]
pub(super) struct Patience {
    read_limit: Mutex<Option<ReadLimit>>,
    /// Set when an outage is announced, cleared by the next answer: one
    /// notice per outage, however many requests wait on it.
    announced: AtomicBool,
}

impl Patience {
    /// Reads from now on give up after `within`.
    pub(super) fn limit_reads(&self, within: Duration) {
        let limit = ReadLimit {
            until: Instant::now() + within,
            within,
        };
        *self
            .read_limit
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(limit);
    }

    /// The read limit, if a caller set one.
    pub(super) fn read_limit(&self) -> Option<ReadLimit> {
        *self
            .read_limit
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// The endpoint answered: a later failure is a new outage.
    pub(super) fn answered(&self) {
        self.announced.store(false, Ordering::Relaxed);
    }

    /// Says on stderr (as a warning) that `base` fails and how long the
    /// client keeps trying, once per outage. Throttling (429) is not an
    /// outage: the client paces itself and waits as ARM asks, quietly.
    pub(super) fn announce(&self, base: &Url, last: &ClientError, deadline: Instant) {
        let failing = match last {
            ClientError::Transport(_) => "does not answer",
            ClientError::Status { status, .. } if *status >= 500 => "answers with server errors",
            _ => return,
        };
        if self.announced.swap(true, Ordering::Relaxed) {
            return;
        }
        let left = whole_seconds(deadline.saturating_duration_since(Instant::now()));
        tracing::warn!(
            "{} {failing} ({last}); retrying for up to {left}",
            urls::shown(base)
        );
    }
}

/// `d` rounded up to whole seconds, as people read it (`2s`, `4m 30s`).
fn whole_seconds(d: Duration) -> humantime::FormattedDuration {
    let secs = d.as_secs() + u64::from(d.subsec_nanos() > 0);
    humantime::format_duration(Duration::from_secs(secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn a_limited_read_gets_at_least_three_tries_and_one_notice_per_outage() {
        let patience = Patience::default();
        assert!(patience.read_limit().is_none(), "runs are not limited");
        patience.limit_reads(Duration::from_secs(45));
        let limit = patience.read_limit().unwrap();
        assert_eq!(
            limit.per_try(Duration::from_secs(60)),
            Duration::from_secs(15)
        );
        assert_eq!(
            limit.per_try(Duration::from_secs(5)),
            Duration::from_secs(5)
        );
        assert_eq!(limit.until, Instant::now() + Duration::from_secs(45));

        let base = Url::parse("http://user:pw@127.0.0.1:9/arm/?sig=x").unwrap();
        let refused = ClientError::Transport("connection refused".into());
        let throttled = ClientError::Status {
            status: 429,
            code: None,
            message: "slow down".into(),
            request_id: None,
        };
        patience.announce(&base, &throttled, limit.until);
        assert!(
            !patience.announced.load(Ordering::Relaxed),
            "429 is no outage"
        );
        patience.announce(&base, &refused, limit.until);
        assert!(patience.announced.load(Ordering::Relaxed));
        patience.answered();
        assert!(!patience.announced.load(Ordering::Relaxed));

        let gave_up = limit.gave_up(&base, &refused).to_string();
        assert_eq!(
            gave_up,
            "no answer from http://127.0.0.1:9/arm/ (connection refused); stopped retrying \
             rather than wait past the 45s allowed"
        );
    }
}
