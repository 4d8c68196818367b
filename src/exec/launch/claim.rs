//! Claiming a run in its store: the plan's lock and the run's journal in;
//! held, or a [`LaunchError`] naming who holds them, out. A resume waits up
//! to one lease (plus a margin) for the lock and journal of a runner that
//! died to lapse, saying so: with a shared store, taking a run over from
//! another machine needs no manual step. A local lock is freed as its
//! process ends, so nothing waits for it.

use std::time::Duration;

use super::LaunchError;
use crate::journal::store::{LockGuard, describe_holder};
use crate::journal::{JournalError, JournalWriter, LockHolder, RunId, RunStore};

/// How much longer than a lease a resume waits for it to lapse.
const LAPSE_MARGIN: Duration = Duration::from_secs(3);
/// How often it looks.
const LAPSE_POLL: Duration = Duration::from_secs(1);

/// Takes the plan's lock (named by `stem`); `label` names the plan in
/// messages; `resume` waits for a dead runner's lease to lapse.
pub async fn take_lock(
    store: &dyn RunStore,
    stem: &str,
    label: &str,
    holder: LockHolder,
    resume: bool,
) -> Result<Box<dyn LockGuard>, LaunchError> {
    let patience = store.lapse().filter(|_| resume).map(|d| d + LAPSE_MARGIN);
    let started = tokio::time::Instant::now();
    let mut said = false;
    loop {
        match store.lock(stem, holder.clone()).await {
            Ok(lock) => return Ok(lock),
            Err(JournalError::Locked {
                holder: other,
                lock_file,
                ..
            }) => {
                if let Some(patience) = patience
                    && started.elapsed() < patience
                {
                    if !said {
                        eprintln!(
                            "waiting up to {}s for the plan's lock held by {} to lapse: its runner may have stopped",
                            patience.as_secs(),
                            describe_holder(other.as_ref())
                        );
                        said = true;
                    }
                    tokio::time::sleep(LAPSE_POLL).await;
                    continue;
                }
                return Err(LaunchError::Locked {
                    plan: label.to_string(),
                    holder: other,
                    lock_file,
                });
            }
            Err(JournalError::LiveRun { run, .. }) => {
                return Err(LaunchError::LiveRun {
                    plan: label.to_string(),
                    run,
                });
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// Creates the run's journal with its plan copy, or, for a resume, opens
/// it again, waiting as [`take_lock`] does for a dead runner's lease.
pub async fn open_journal(
    store: &dyn RunStore,
    run: &RunId,
    plan_text: &str,
    resume: bool,
) -> Result<Box<dyn JournalWriter>, JournalError> {
    if !resume {
        return store.create(run, plan_text).await;
    }
    let patience = store.lapse().map_or(Duration::ZERO, |d| d + LAPSE_MARGIN);
    let started = tokio::time::Instant::now();
    loop {
        match store.reopen(run).await {
            Err(JournalError::RunIsLive(_)) if started.elapsed() < patience => {
                tokio::time::sleep(LAPSE_POLL).await;
            }
            other => return other,
        }
    }
}
