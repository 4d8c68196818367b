//! What ties a run to this process: the [`Sink`] (journal first, then the
//! console) and the signals that cancel a run (SIGINT, SIGTERM, SIGHUP).

use std::sync::Mutex;

use async_trait::async_trait;
use tokio_util::sync::CancellationToken;

use super::super::console::Console;
use crate::exec::EventSink;
use crate::journal::{JournalError, JournalWriter, Record};

/// The journal first, then the console: an event is stored before anyone sees it.
pub(super) struct Sink {
    pub(super) writer: Box<dyn JournalWriter>,
    pub(super) console: Mutex<Console>,
}

#[async_trait]
impl EventSink for Sink {
    async fn emit(&self, record: Record) -> Result<(), JournalError> {
        self.writer.append(&record).await?;
        if let Ok(mut console) = self.console.lock() {
            console.record(&record);
        }
        Ok(())
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
