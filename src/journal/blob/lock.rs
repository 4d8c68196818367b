//! A plan's lock in Blob Storage: a plan's file stem and who wants to hold
//! it in; a renewed lease on `locks/<stem>.lock` (a [`BlobLock`]), or who
//! holds it, out. Who holds the lock is written before the lease is taken,
//! and the lease only taken while the blob is still what was written, so a
//! leased lock blob always names its holder; a blob there that is not a
//! lock is left alone.

use std::sync::Arc;

use async_trait::async_trait;

use super::BlobStore;
use super::lease::Lease;
use super::names::lock_name;
use crate::journal::store::{JournalError, LockGuard, LockHolder, RunStore};

/// How often taking a lock starts over when another runner writes the
/// lock blob at the same moment.
const LOCK_TRIES: u32 = 10;

/// A plan's lock: a renewed lease on its lock blob.
pub(super) struct BlobLock {
    lease: Arc<Lease>,
    name: String,
}

#[async_trait]
impl LockGuard for BlobLock {
    fn confirm(&self) -> Result<(), JournalError> {
        if self.lease.trusted() {
            Ok(())
        } else {
            Err(JournalError::LockLost {
                lock_file: self.name.clone(),
            })
        }
    }

    fn lost(&self) -> Option<tokio_util::sync::CancellationToken> {
        Some(self.lease.lost())
    }

    async fn release(&self) {
        self.lease.release().await;
    }
}

impl BlobStore {
    pub(super) async fn take_lock(
        &self,
        plan: &str,
        holder: LockHolder,
    ) -> Result<Box<dyn LockGuard>, JournalError> {
        // Who holds the lock is written before the lease is taken, and the
        // lease only taken while the blob is still what was written: a
        // leased lock blob always names its holder, never an earlier one.
        let name = lock_name(plan);
        let text = serde_json::to_vec(&holder).map_err(|e| JournalError::Store {
            location: self.describe(),
            message: e.to_string(),
        })?;
        let locked = |holder| JournalError::Locked {
            plan: plan.to_string(),
            holder,
            lock_file: self.blobs.describe(&name),
        };
        for _ in 0..LOCK_TRIES {
            self.refuse_foreign_lock(&name).await?;
            let etag = match self
                .blobs
                .put_tagged(&name, text.clone(), false, None)
                .await
            {
                Ok(etag) => etag,
                Err(f) if f.is("LeaseIdMissing") => {
                    return Err(locked(self.holder(plan).await.ok().flatten()));
                }
                Err(f) => return Err(self.error("taking the plan's lock", &f)),
            };
            match Lease::acquire_if(&self.blobs, &name, self.lease_secs, etag).await {
                Ok(lease) => {
                    return Ok(Box::new(BlobLock {
                        lease,
                        name: self.blobs.describe(&name),
                    }));
                }
                Err(f) if f.is("LeaseAlreadyPresent") => {
                    return Err(locked(self.holder(plan).await.ok().flatten()));
                }
                // Another runner wrote in between: look again.
                Err(f) if f.is("ConditionNotMet") => {}
                Err(f) => return Err(self.error("taking the plan's lock", &f)),
            }
        }
        Err(locked(self.holder(plan).await.ok().flatten()))
    }

    pub(super) async fn end_lock(&self, plan: &str) -> Result<Option<LockHolder>, JournalError> {
        let holder = self.holder(plan).await?;
        let name = lock_name(plan);
        self.blobs
            .break_lease(&name)
            .await
            .map_err(|f| self.error("breaking the plan's lock", &f))?;
        // The holder's journal too, or a resume of its run would wait on it.
        if let Some(h) = &holder
            && let Ok(segments) = self.segments(&h.run_id).await
            && let Some(last) = segments.last()
        {
            self.blobs
                .break_lease(last)
                .await
                .map_err(|f| self.error("breaking the lease of the holder's journal", &f))?;
        }
        Ok(holder)
    }

    pub(super) async fn holder(&self, plan: &str) -> Result<Option<LockHolder>, JournalError> {
        let name = lock_name(plan);
        let leased = self
            .blobs
            .properties(&name)
            .await
            .map_err(|f| self.error("reading the plan's lock", &f))?
            .is_some_and(|p| p.leased);
        if !leased {
            return Ok(None);
        }
        let bytes = self
            .blobs
            .get(&name)
            .await
            .map_err(|f| self.error("reading the plan's lock", &f))?
            .unwrap_or_default();
        Ok(serde_json::from_slice(&bytes).ok())
    }

    /// Refuses a lock blob that holds something other than a lock (so
    /// someone else's blob at that name is never overwritten).
    async fn refuse_foreign_lock(&self, name: &str) -> Result<(), JournalError> {
        let bytes = self
            .blobs
            .get(name)
            .await
            .map_err(|f| self.error("reading the plan's lock", &f))?;
        let Some(bytes) = bytes else {
            return Ok(());
        };
        let text = String::from_utf8_lossy(&bytes);
        if text.trim().is_empty()
            || text.trim() == "{}"
            || serde_json::from_slice::<LockHolder>(&bytes).is_ok()
        {
            return Ok(());
        }
        Err(JournalError::Store {
            location: self.blobs.describe(name),
            message: "this blob is not a drplan lock (it names no runner), so drplan leaves it alone; move it away, or keep run state under another prefix of the URL; nothing was written".to_string(),
        })
    }
}
