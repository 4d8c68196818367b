//! What ties a run to this process: the [`Sink`] (journal first, then the
//! console) and the signals that cancel a run (SIGINT, SIGTERM, SIGHUP).

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use super::super::console::Console;
use crate::exec::EventSink;
use crate::journal::store::Stored;
use crate::journal::{JournalError, JournalWriter, Record};

/// The journal first, then the console: an event is stored before anyone
/// sees it. Records that need not wait for the store are shown, in order,
/// by a task of their own once the store has them, so that a slow store
/// neither holds the run up nor makes the screen lag.
pub(super) struct Sink {
    pub(super) writer: Box<dyn JournalWriter>,
    pub(super) console: Arc<Mutex<Console>>,
    queue: mpsc::UnboundedSender<Shown>,
    shower: tokio::task::JoinHandle<()>,
    /// Why a record could not be stored, once one could not.
    failed: Arc<Mutex<Option<String>>>,
}

/// What the showing task is given.
enum Shown {
    /// A record, shown once stored.
    Record(Box<Record>, Stored),
    /// Answered once everything before it is shown.
    Mark(oneshot::Sender<Result<(), JournalError>>),
}

impl Sink {
    pub(super) fn new(writer: Box<dyn JournalWriter>, console: Console) -> Sink {
        let console = Arc::new(Mutex::new(console));
        let failed = Arc::new(Mutex::new(None));
        let (queue, mut items) = mpsc::unbounded_channel::<Shown>();
        let (screen, why) = (Arc::clone(&console), Arc::clone(&failed));
        let shower = tokio::spawn(async move {
            let mut broken: Option<String> = None;
            while let Some(item) = items.recv().await {
                match item {
                    Shown::Record(record, stored) if broken.is_none() => {
                        match stored.wait().await {
                            Ok(()) => {
                                if let Ok(mut console) = screen.lock() {
                                    console.record(&record);
                                }
                            }
                            Err(e) => {
                                let text = e.to_string();
                                if let Ok(mut failed) = why.lock() {
                                    *failed = Some(text.clone());
                                }
                                broken = Some(text);
                            }
                        }
                    }
                    Shown::Record(..) => {}
                    Shown::Mark(answer) => {
                        let _ = answer.send(match &broken {
                            None => Ok(()),
                            Some(text) => Err(not_stored(text)),
                        });
                    }
                }
            }
        });
        Sink {
            writer,
            console,
            queue,
            shower,
            failed,
        }
    }

    async fn queue(&self, record: Record) -> Result<(), JournalError> {
        if let Some(text) = self.failed.lock().ok().and_then(|f| f.clone()) {
            return Err(not_stored(&text));
        }
        let stored = self.writer.enqueue(&record).await?;
        let _ = self.queue.send(Shown::Record(Box::new(record), stored));
        Ok(())
    }

    /// Stops showing, once everything queued is shown; the console.
    pub(super) async fn finish(self) -> Option<Console> {
        drop(self.queue);
        let _ = self.shower.await;
        Arc::try_unwrap(self.console)
            .ok()
            .and_then(|c| c.into_inner().ok())
    }
}

/// An earlier record could not be stored: the run cannot go on.
fn not_stored(text: &str) -> JournalError {
    JournalError::Store {
        location: "the run's journal".to_string(),
        message: format!("an event could not be stored: {text}"),
    }
}

#[async_trait]
impl EventSink for Sink {
    async fn emit(&self, record: Record) -> Result<(), JournalError> {
        self.queue(record).await?;
        let (mark, shown) = oneshot::channel();
        let _ = self.queue.send(Shown::Mark(mark));
        match shown.await {
            Ok(result) => result,
            Err(_) => Err(not_stored("the display stopped")),
        }
    }

    async fn record(&self, record: Record) -> Result<(), JournalError> {
        self.queue(record).await
    }

    async fn keep_output(&self, step: &str, attempt: u32, text: &str) -> Result<(), JournalError> {
        self.writer.keep_output(step, attempt, text).await
    }
}

/// Cancels `cancel` on SIGINT, SIGTERM or SIGHUP, whichever comes first.
pub(super) fn watch_signals(cancel: &CancellationToken) {
    use tokio::signal::unix::{SignalKind, signal};
    for (kind, name) in [
        (SignalKind::interrupt(), "SIGINT"),
        (SignalKind::terminate(), "SIGTERM"),
        (SignalKind::hangup(), "SIGHUP"),
    ] {
        match signal(kind) {
            Ok(mut stream) => {
                let cancel = cancel.clone();
                tokio::spawn(async move {
                    if stream.recv().await.is_some() {
                        tracing::info!("{name}: stopping the run; it can be resumed");
                        cancel.cancel();
                    }
                });
            }
            Err(e) => tracing::warn!("{name} will not stop the run cleanly: {e}"),
        }
    }
}

/// Cancels `cancel` when a shared store's lease can no longer be renewed,
/// as Ctrl-C does (nothing new starts, what runs is recorded if the store
/// takes it, the run is left resumable); the flag says it happened.
pub(super) fn watch_lease(
    lost: Option<CancellationToken>,
    cancel: &CancellationToken,
) -> std::sync::Arc<std::sync::atomic::AtomicBool> {
    let flag = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    if let Some(lost) = lost {
        let (cancel, set) = (cancel.clone(), std::sync::Arc::clone(&flag));
        tokio::spawn(async move {
            lost.cancelled().await;
            set.store(true, std::sync::atomic::Ordering::SeqCst);
            cancel.cancel();
        });
    }
    flag
}
