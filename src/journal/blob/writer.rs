//! Appending to a run's journal in Blob Storage: records in; lines appended
//! to append blobs (`runs/<id>/journal.000000`, `.000001`, …) out, each
//! write conditioned on the journal's lease and on its append position, so
//! that two writers can never interleave or overwrite each other's events.
//!
//! Events are group-committed: while one append is on the wire, the events
//! emitted meanwhile (other steps' starts and ends) queue up and go out
//! together in the next append, and every caller returns only once its own
//! event is stored. A 1,000-VM run thus pays round trips per wave of
//! events, not per event.
//!
//! A write whose answer is lost is retried at the same position: if the
//! first attempt landed, the service refuses the retry (412) and the bytes
//! found there are compared with ours, so an event is never stored twice.
//! An append blob takes at most 50,000 blocks; the writer moves to the next
//! segment well before that.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use tokio::sync::oneshot;

use super::client::{Blobs, Failure};
use super::lease::Lease;
use super::{BlobStore, segment_name};
use crate::journal::event::{Record, RunId};
use crate::journal::store::{JournalError, JournalWriter, Stored};

/// The most bytes one append carries (the service's limit for a block).
const MAX_APPEND: usize = 4 * 1024 * 1024;
/// How long a write is retried while the store does not answer: as long as
/// the lease is trusted, with this pause between tries, doubling.
const FIRST_PAUSE: Duration = Duration::from_millis(100);
const MAX_PAUSE: Duration = Duration::from_secs(2);

/// Where the writer is in the journal.
pub(super) struct Segment {
    pub(super) index: u32,
    pub(super) position: u64,
    pub(super) blocks: u32,
    pub(super) lease: Arc<Lease>,
}

/// An event waiting for its append.
struct Pending {
    line: Vec<u8>,
    done: oneshot::Sender<Result<(), Shared>>,
}

/// An error every caller of one batch gets (`JournalError` is not `Clone`).
#[derive(Debug, Clone)]
enum Shared {
    LeaseLost(String),
    Overtaken,
    Store(String),
}

/// The journal writer of one run, shared with the flushes it starts.
pub(super) struct BlobJournal(Arc<BlobWriter>);

impl BlobJournal {
    pub(super) fn new(store: BlobStore, run: RunId, segment: Segment) -> Self {
        let lease = Arc::clone(&segment.lease);
        BlobJournal(Arc::new(BlobWriter {
            store,
            run,
            segment: tokio::sync::Mutex::new(segment),
            pending: Mutex::new(Vec::new()),
            scheduled: AtomicBool::new(false),
            lease: Mutex::new(lease),
            failed: Mutex::new(None),
        }))
    }
}

/// What appends to one run's journal.
pub(super) struct BlobWriter {
    store: BlobStore,
    run: RunId,
    segment: tokio::sync::Mutex<Segment>,
    pending: Mutex<Vec<Pending>>,
    /// Whether a flush will take what is queued now.
    scheduled: AtomicBool,
    /// The current segment's lease, for checks that must not wait.
    lease: Mutex<Arc<Lease>>,
    /// Why a batch could not be stored: nothing after it may be, or the
    /// journal would have a hole.
    failed: Mutex<Option<Shared>>,
}

impl BlobWriter {
    /// Whether the journal's lease is certainly still this process's.
    fn trusted(&self) -> bool {
        self.lease.lock().is_ok_and(|l| l.trusted())
    }

    /// Queues a record's line; the receiver answers once it is stored.
    fn queue(
        &self,
        record: &Record,
    ) -> Result<oneshot::Receiver<Result<(), Shared>>, JournalError> {
        if let Some(shared) = self.failed.lock().ok().and_then(|f| f.clone()) {
            return Err(self.error(shared));
        }
        let mut line = serde_json::to_vec(record).map_err(|e| JournalError::Store {
            location: self.blobs().location().to_string(),
            message: format!("an event could not be written as JSON: {e}"),
        })?;
        line.push(b'\n');
        let (done, answer) = oneshot::channel();
        if let Ok(mut pending) = self.pending.lock() {
            pending.push(Pending { line, done });
        }
        Ok(answer)
    }

    /// An answer as the caller reads it.
    fn answered(
        &self,
        answer: Result<Result<(), Shared>, oneshot::error::RecvError>,
    ) -> Result<(), JournalError> {
        match answer {
            Ok(Ok(())) => Ok(()),
            Ok(Err(shared)) => Err(self.error(shared)),
            Err(_) => Err(self.error(Shared::Store(
                "the journal writer stopped before the event was stored".to_string(),
            ))),
        }
    }

    fn blobs(&self) -> &Blobs {
        &self.store.blobs
    }

    fn error(&self, shared: Shared) -> JournalError {
        let location = self.blobs().location().to_string();
        match shared {
            Shared::LeaseLost(message) => JournalError::LeaseLost { location, message },
            Shared::Overtaken => JournalError::Overtaken {
                location,
                run: self.run.clone(),
            },
            Shared::Store(message) => JournalError::Store { location, message },
        }
    }

    /// Writes everything queued, in order, in as few appends as it can.
    async fn flush(&self, segment: &mut Segment) {
        // Anything queued after this point needs a flush of its own.
        self.scheduled.store(false, Ordering::SeqCst);
        let batch = match self.pending.lock() {
            Ok(mut pending) => std::mem::take(&mut *pending),
            Err(_) => return,
        };
        if batch.is_empty() {
            return;
        }
        let mut result = Ok(());
        let mut chunk = Vec::new();
        for p in &batch {
            if !chunk.is_empty() && chunk.len() + p.line.len() > MAX_APPEND {
                result = self.write(segment, std::mem::take(&mut chunk)).await;
                if result.is_err() {
                    break;
                }
            }
            chunk.extend_from_slice(&p.line);
        }
        if result.is_ok() && !chunk.is_empty() {
            result = self.write(segment, chunk).await;
        }
        if let (Err(shared), Ok(mut failed)) = (&result, self.failed.lock()) {
            failed.get_or_insert_with(|| shared.clone());
        }
        for p in batch {
            let _ = p.done.send(result.clone());
        }
    }

    /// One append, retried while the store does not answer and the lease
    /// is trusted.
    async fn write(&self, segment: &mut Segment, bytes: Vec<u8>) -> Result<(), Shared> {
        if segment.blocks >= self.store.max_blocks {
            self.roll(segment).await?;
        }
        let name = segment_name(&self.run, segment.index);
        let len = u64::try_from(bytes.len()).unwrap_or(u64::MAX);
        let mut pause = FIRST_PAUSE;
        let mut last = String::new();
        loop {
            if !segment.lease.trusted() {
                return Err(Shared::LeaseLost(if last.is_empty() {
                    "it lapsed".to_string()
                } else {
                    last
                }));
            }
            let outcome = self
                .blobs()
                .append(&name, bytes.clone(), segment.position, segment.lease.id())
                .await;
            match outcome {
                Ok(()) => {}
                Err(f) if f.is("AppendPositionConditionNotMet") => {
                    if !self.landed(&name, segment.position, &bytes).await? {
                        return Err(Shared::Overtaken);
                    }
                }
                Err(f) if lease_gone(&f) => return Err(Shared::Overtaken),
                Err(f) if f.transient() => {
                    last = f.to_string();
                    tracing::warn!("appending to {name}: {f}; retrying");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(MAX_PAUSE);
                    continue;
                }
                Err(f) => return Err(Shared::Store(format!("appending to {name}: {f}"))),
            }
            segment.position += len;
            segment.blocks += 1;
            // Stored under the lease; but what depends on it starts only
            // if the lease still holds now.
            if !segment.lease.trusted() {
                return Err(Shared::LeaseLost("it lapsed while writing".to_string()));
            }
            return Ok(());
        }
    }

    /// Whether an earlier attempt stored exactly `bytes` at `position`.
    async fn landed(&self, name: &str, position: u64, bytes: &[u8]) -> Result<bool, Shared> {
        let whole = self
            .blobs()
            .get(name)
            .await
            .map_err(|f| Shared::Store(format!("reading {name}: {f}")))?
            .unwrap_or_default();
        let start = usize::try_from(position).unwrap_or(usize::MAX);
        Ok(whole.len() == start.saturating_add(bytes.len()) && whole.get(start..) == Some(bytes))
    }

    /// Moves to the next segment: created, leased, then the old lease given back.
    async fn roll(&self, segment: &mut Segment) -> Result<(), Shared> {
        let next = segment.index + 1;
        let name = segment_name(&self.run, next);
        self.blobs()
            .create_append(&name)
            .await
            .map_err(|f| match f {
                f if f.is("BlobAlreadyExists") => Shared::Overtaken,
                f => Shared::Store(format!("creating {name}: {f}")),
            })?;
        let lease = Lease::acquire(self.blobs(), &name, self.store.lease_secs)
            .await
            .map_err(|f| Shared::Store(format!("leasing {name}: {f}")))?;
        segment.lease.release().await;
        if let Ok(mut now) = self.lease.lock() {
            *now = Arc::clone(&lease);
        }
        *segment = Segment {
            index: next,
            position: 0,
            blocks: 0,
            lease,
        };
        Ok(())
    }
}

/// Whether a failure says the journal's lease is someone else's now.
fn lease_gone(f: &Failure) -> bool {
    [
        "LeaseIdMismatchWithBlobOperation",
        "LeaseIdMissing",
        "LeaseLost",
        "LeaseNotPresentWithBlobOperation",
    ]
    .iter()
    .any(|code| f.is(code))
}

#[async_trait]
impl JournalWriter for BlobJournal {
    async fn append(&self, record: &Record) -> Result<(), JournalError> {
        let writer = &self.0;
        let mut answer = writer.queue(record)?;
        // One writer at a time; whoever holds the segment writes what
        // everyone queued. A caller whose event went out in another's
        // append returns once answered, without taking the segment in
        // turn: if every caller of a batch had to, each would write just
        // the event or two emitted meanwhile, a round trip per event
        // instead of per wave of events.
        let answered = tokio::select! {
            biased;
            answered = &mut answer => answered,
            mut segment = writer.segment.lock() => {
                writer.flush(&mut segment).await;
                drop(segment);
                answer.await
            }
        };
        writer.answered(answered)
    }

    async fn enqueue(&self, record: &Record) -> Result<Stored, JournalError> {
        let writer = &self.0;
        // Checked here, with no round trip: a runner that was frozen past
        // its lease must not go on to act on what it queues.
        if !writer.trusted() {
            return Err(writer.error(Shared::LeaseLost("it lapsed".to_string())));
        }
        let answer = writer.queue(record)?;
        if !writer.scheduled.swap(true, Ordering::SeqCst) {
            let flusher = Arc::clone(writer);
            tokio::spawn(async move {
                let mut segment = flusher.segment.lock().await;
                flusher.flush(&mut segment).await;
            });
        }
        let reader = Arc::clone(writer);
        Ok(Stored::later(async move {
            let answer = answer.await;
            reader.answered(answer)
        }))
    }

    async fn keep_output(&self, step: &str, attempt: u32, text: &str) -> Result<(), JournalError> {
        let writer = &self.0;
        let name = super::output_name(&writer.run, step, attempt);
        if !writer.trusted() {
            return Err(writer.error(Shared::LeaseLost("it lapsed".to_string())));
        }
        writer
            .store
            .put_retrying(&name, text.as_bytes().to_vec())
            .await
    }

    async fn close(&self) {
        let writer = &self.0;
        let mut segment = writer.segment.lock().await;
        writer.flush(&mut segment).await;
        segment.lease.release().await;
    }
}
