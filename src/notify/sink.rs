//! The run's events in, notifications out: [`NotifySink`] passes every
//! record on to the run's own sink first, then queues the notifications it
//! means without waiting. It keeps the `rto_exceeded` timer: started with
//! the run, fired once if the run still goes when `objectives.rto` has
//! passed, stopped when the run ends.

use std::sync::Mutex;

use async_trait::async_trait;
use tokio::sync::mpsc::UnboundedSender;
use tokio::task::JoinHandle;

use super::{Notification, NotifyEvent};
use crate::duration::Duration;
use crate::exec::EventSink;
use crate::graph::Operation;
use crate::journal::{Event, JournalError, Record, StepStatus};

/// The facts of the run every notification states.
#[derive(Debug, Clone)]
struct RunFacts {
    plan: String,
    operation: Operation,
    run_id: String,
}

/// An [`EventSink`] that also notifies.
pub struct NotifySink<'a> {
    inner: &'a dyn EventSink,
    tx: UnboundedSender<Notification>,
    rto: Option<Duration>,
    facts: Mutex<Option<RunFacts>>,
    timer: Mutex<Option<JoinHandle<()>>>,
}

impl<'a> NotifySink<'a> {
    /// Wraps `inner`; notifications go to `tx`; `rto` is the plan's objective.
    pub fn new(
        inner: &'a dyn EventSink,
        tx: UnboundedSender<Notification>,
        rto: Option<Duration>,
    ) -> Self {
        Self {
            inner,
            tx,
            rto,
            facts: Mutex::new(None),
            timer: Mutex::new(None),
        }
    }

    fn facts(&self) -> Option<RunFacts> {
        self.facts.lock().ok().and_then(|f| f.clone())
    }

    fn stop_timer(&self) {
        if let Some(timer) = self.timer.lock().ok().and_then(|mut t| t.take()) {
            timer.abort();
        }
    }

    /// What `record` means to the notify targets.
    fn notice(&self, record: &Record) {
        let ts = record.ts.to_string();
        let note = |event: NotifyEvent, facts: &RunFacts| {
            Notification::new(
                event,
                &facts.plan,
                facts.operation,
                &facts.run_id,
                ts.clone(),
            )
        };
        match &record.event {
            Event::RunStarted {
                run_id,
                plan,
                operation,
                ..
            } => {
                let facts = RunFacts {
                    plan: plan.clone(),
                    operation: *operation,
                    run_id: run_id.0.clone(),
                };
                let _ = self.tx.send(note(NotifyEvent::RunStarted, &facts));
                if let Some(rto) = self.rto {
                    self.start_timer(rto, facts.clone());
                }
                if let Ok(mut f) = self.facts.lock() {
                    *f = Some(facts);
                }
            }
            // Said by a manual step once it waits for a person (not under
            // `--yes`, which approves at once).
            Event::StepProgress { step, message, .. }
                if message.starts_with(crate::hooks::WAITING_FOR_APPROVAL) =>
            {
                let Some(facts) = self.facts() else { return };
                let mut n = note(NotifyEvent::ApprovalWaiting, &facts);
                n.approve = Some(format!("drplan approve {} {step}", facts.run_id));
                n.step = Some(step.clone());
                let _ = self.tx.send(n);
            }
            Event::StepFinished {
                step,
                status: StepStatus::Failed,
                error,
                tolerated,
                ..
            } => {
                let Some(facts) = self.facts() else { return };
                let mut n = note(NotifyEvent::StepFailed, &facts);
                n.step = Some(step.clone());
                n.error.clone_from(error);
                n.tolerated = Some(*tolerated);
                let _ = self.tx.send(n);
            }
            Event::RunFinished {
                status, duration_s, ..
            } => {
                self.stop_timer();
                let Some(facts) = self.facts() else { return };
                let mut n = note(NotifyEvent::RunFinished, &facts);
                n.status = Some(*status);
                n.duration_s = Some(*duration_s);
                let _ = self.tx.send(n);
            }
            _ => {}
        }
    }

    /// Fires `rto_exceeded` once, `rto` after the run began, unless the run
    /// has ended by then (its end stops the timer).
    fn start_timer(&self, rto: Duration, facts: RunFacts) {
        let tx = self.tx.clone();
        let limit = rto.to_std();
        let timer = tokio::spawn(async move {
            tokio::time::sleep(limit).await;
            let now = crate::clock::Timestamp(std::time::SystemTime::now()).to_string();
            let mut n = Notification::new(
                NotifyEvent::RtoExceeded,
                &facts.plan,
                facts.operation,
                &facts.run_id,
                now,
            );
            n.rto_s = Some(limit.as_secs_f64());
            n.duration_s = Some(limit.as_secs_f64());
            let _ = tx.send(n);
        });
        if let Ok(mut t) = self.timer.lock()
            && let Some(old) = t.replace(timer)
        {
            old.abort();
        }
    }
}

impl Drop for NotifySink<'_> {
    fn drop(&mut self) {
        self.stop_timer();
    }
}

/// Whether a record means a notification (most are progress, which does not).
fn notable(record: &Record) -> bool {
    if let Event::StepProgress { message, .. } = &record.event {
        return message.starts_with(crate::hooks::WAITING_FOR_APPROVAL);
    }
    matches!(
        record.event,
        Event::RunStarted { .. }
            | Event::StepFinished {
                status: StepStatus::Failed,
                ..
            }
            | Event::RunFinished { .. }
    )
}

#[async_trait]
impl EventSink for NotifySink<'_> {
    async fn emit(&self, record: Record) -> Result<(), JournalError> {
        let notice = notable(&record).then(|| record.clone());
        self.inner.emit(record).await?;
        if let Some(r) = notice {
            self.notice(&r);
        }
        Ok(())
    }

    async fn record(&self, record: Record) -> Result<(), JournalError> {
        let notice = notable(&record).then(|| record.clone());
        self.inner.record(record).await?;
        if let Some(r) = notice {
            self.notice(&r);
        }
        Ok(())
    }

    async fn keep_output(&self, step: &str, attempt: u32, text: &str) -> Result<(), JournalError> {
        self.inner.keep_output(step, attempt, text).await
    }
}
