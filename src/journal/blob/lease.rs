//! A blob lease kept alive in the background: a blob name in; a held
//! [`Lease`] out, renewed every third of its duration, that says whether it
//! can still be trusted ([`Lease::trusted`]) and cancels [`Lease::lost`]
//! once it cannot.
//!
//! Trust is measured on this process's monotonic clock from the moment the
//! last successful renewal was *sent*, with a margin: the service counts the
//! lease from when it got the request, which is later, so the holder always
//! gives up before the service could hand the lease to someone else. A
//! process frozen (SIGSTOP, a suspended laptop) past its lease finds, when
//! it wakes, that the time has passed and stops before it starts anything.

use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::client::{Blobs, Failure};

/// How long to wait before retrying a renewal that got no answer.
const RETRY: Duration = Duration::from_secs(1);

/// A lease held on one blob.
pub(super) struct Lease {
    blobs: Blobs,
    name: String,
    id: String,
    duration: Duration,
    renewed: Mutex<Instant>,
    lost: CancellationToken,
    stop: CancellationToken,
}

impl Lease {
    /// Takes the lease (`seconds`: 15 to 60) and starts renewing it.
    pub(super) async fn acquire(
        blobs: &Blobs,
        name: &str,
        seconds: u32,
    ) -> Result<Arc<Lease>, Failure> {
        Self::acquire_if(blobs, name, seconds, None).await
    }

    /// [`Lease::acquire`], only while the blob is `if_match` when given.
    pub(super) async fn acquire_if(
        blobs: &Blobs,
        name: &str,
        seconds: u32,
        if_match: Option<azure_core::http::Etag>,
    ) -> Result<Arc<Lease>, Failure> {
        let sent = Instant::now();
        let id = blobs
            .acquire_lease(name, i32::try_from(seconds).unwrap_or(60), if_match)
            .await?;
        let lease = Arc::new(Lease {
            blobs: blobs.clone(),
            name: name.to_string(),
            id,
            duration: Duration::from_secs(u64::from(seconds)),
            renewed: Mutex::new(sent),
            lost: CancellationToken::new(),
            stop: CancellationToken::new(),
        });
        tokio::spawn(keep(Arc::downgrade(&lease), lease.stop.clone()));
        Ok(lease)
    }

    /// The lease id, for writes that must hold it.
    pub(super) fn id(&self) -> &str {
        &self.id
    }

    /// How long after the last renewal was sent the lease is still trusted.
    fn trust(&self) -> Duration {
        let margin = (self.duration / 5).max(Duration::from_secs(3));
        self.duration.saturating_sub(margin)
    }

    /// Whether the lease is certainly still this process's.
    pub(super) fn trusted(&self) -> bool {
        !self.lost.is_cancelled()
            && self
                .renewed
                .lock()
                .is_ok_and(|at| at.elapsed() < self.trust())
    }

    /// Cancelled once the lease can no longer be trusted.
    pub(super) fn lost(&self) -> CancellationToken {
        self.lost.clone()
    }

    /// Stops renewing and gives the lease back, so the next runner need
    /// not wait for it to lapse.
    pub(super) async fn release(&self) {
        self.stop.cancel();
        if let Err(e) = self.blobs.release_lease(&self.name, &self.id).await {
            tracing::debug!("releasing the lease of {}: {e}", self.name);
        }
    }
}

/// Renews until stopped, lost, or no one holds the lease any more (then it
/// lapses by itself).
async fn keep(lease: Weak<Lease>, stop: CancellationToken) {
    let Some(every) = lease.upgrade().map(|l| l.duration / 3) else {
        return;
    };
    let mut wait = every;
    loop {
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(wait) => {}
        }
        let Some(lease) = lease.upgrade() else {
            return;
        };
        if !lease.trusted() {
            tracing::warn!(
                "the lease of {} lapsed before it could be renewed",
                lease.name
            );
            lease.lost.cancel();
            return;
        }
        let sent = Instant::now();
        match lease.blobs.renew_lease(&lease.name, &lease.id).await {
            Ok(()) => {
                if let Ok(mut at) = lease.renewed.lock() {
                    *at = sent;
                }
                wait = every;
            }
            Err(f) if f.transient() => {
                tracing::warn!("renewing the lease of {}: {f}; retrying", lease.name);
                wait = RETRY;
            }
            // Broken or taken by someone else: it is gone for good.
            Err(f) => {
                tracing::warn!("the lease of {} was lost: {f}", lease.name);
                lease.lost.cancel();
                return;
            }
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}
