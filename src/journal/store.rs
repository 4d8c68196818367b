//! Where runs are kept: the [`RunStore`] seam (journal per run, the plan as it
//! was run, approvals of manual steps, one lock per plan, and whether a live
//! process runs a run) with its errors, and the parsing of journal bytes into
//! records. The local implementation in `.drplan/` beside the plan file is
//! [`super::local::LocalStore`]; a shared store (Azure Blob storage with
//! leases, so a team can resume from another machine when the runner's own
//! region is the one that failed) implements the same trait.
//!
//! Two facts make a run live, and neither depends on the other: its plan's
//! lock, taken before anything is read or done, and its journal, held open
//! by the process that writes it. A second run of the plan is refused when
//! either is held, so deleting the lock file under a live run does not let a
//! second run in, and `approve` reaches a live run whatever happened to it.

use std::path::PathBuf;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};

use super::decision::{Decision, KeptOutput};
use super::event::{Record, RunId};
use crate::clock::Timestamp;

/// What can go wrong keeping runs.
#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// A journal line is not an event.
    #[error(
        "{path}:{line}: not a journal event ({message}); the journal was changed by hand or is damaged"
    )]
    Corrupt {
        /// The journal.
        path: String,
        /// 1-based line.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// Another run holds the plan's lock.
    #[error(
        "plan `{plan}` is being run by {}; wait for it to finish or stop it ({lock_file})",
        describe_holder(holder.as_ref())
    )]
    Locked {
        /// The plan.
        plan: String,
        /// Who holds it, when it has written so (a run that is starting may not have yet).
        holder: Option<LockHolder>,
        /// The lock file.
        lock_file: String,
    },
    /// A live process runs a run of the plan, found by its journal (the
    /// plan's lock file was removed or replaced under it).
    #[error(
        "plan `{plan}` is being run by run {run}, whose journal a live process holds; wait for it to finish or stop it"
    )]
    LiveRun {
        /// The plan.
        plan: String,
        /// The live run.
        run: RunId,
    },
    /// The run is being written by a live process.
    #[error(
        "run {0} is being run by a live process now; `drplan runs` shows it, and `drplan approve` reaches its manual steps"
    )]
    RunIsLive(RunId),
    /// The plan's lock file was removed or replaced after this process took
    /// it and before the run began: another run may have taken a new one.
    #[error(
        "the plan's lock file {lock_file} was removed or replaced while this run was starting, so another run of the plan may have started; nothing was done, run again"
    )]
    LockLost {
        /// The lock file.
        lock_file: String,
    },
    /// No run with this id.
    #[error("no run `{0}` here; `drplan runs` lists the runs beside a plan")]
    UnknownRun(String),
    /// The shared store refused or failed a request, in a way a retry
    /// will not mend (no such container, no permission, a foreign blob).
    #[error("{location}: {message}")]
    Store {
        /// The store (a URL without its SAS), or the blob.
        location: String,
        /// What is wrong and what to do.
        message: String,
    },
    /// The store could not be reached for longer than the run's lease can
    /// be trusted: the run stops starting steps and can be resumed.
    #[error(
        "{location}: the run's lease could not be renewed ({message}), so another runner may take the run over; this run stopped starting steps and is resumable"
    )]
    LeaseLost {
        /// The store.
        location: String,
        /// The last error.
        message: String,
    },
    /// Another writer appended to the journal: this process no longer
    /// owns the run.
    #[error(
        "{location}: another runner wrote to run {run}'s journal, so this one stopped; `drplan runs` shows who runs it now"
    )]
    Overtaken {
        /// The journal.
        location: String,
        /// The run.
        run: RunId,
    },
}

impl JournalError {
    pub(super) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        JournalError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

/// Who holds a lock, in a sentence's words.
pub fn describe_holder(holder: Option<&LockHolder>) -> String {
    holder.map_or_else(
        || "another drplan process that is starting".to_string(),
        |h| {
            format!(
                "run {} (pid {} on {}, since {})",
                h.run_id, h.pid, h.host, h.since
            )
        },
    )
}

/// Who holds a plan's lock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockHolder {
    /// The run.
    pub run_id: RunId,
    /// Its process.
    pub pid: u32,
    /// Its machine.
    pub host: String,
    /// Since when.
    pub since: Timestamp,
}

/// When a queued record is stored: at once for a store that writes as it
/// is asked, later for one that sends records in batches.
pub struct Stored(Option<futures_util::future::BoxFuture<'static, Result<(), JournalError>>>);

impl Stored {
    /// Already stored.
    pub fn now() -> Stored {
        Stored(None)
    }

    /// Stored once `answer` says so.
    pub fn later(
        answer: impl std::future::Future<Output = Result<(), JournalError>> + Send + 'static,
    ) -> Stored {
        Stored(Some(Box::pin(answer)))
    }

    /// Waits until the record is stored (or could not be).
    pub async fn wait(self) -> Result<(), JournalError> {
        match self.0 {
            None => Ok(()),
            Some(answer) => answer.await,
        }
    }

    /// Whether the record's fate is known yet, without waiting.
    pub fn ready(&mut self) -> Option<Result<(), JournalError>> {
        use futures_util::FutureExt as _;
        match &mut self.0 {
            None => Some(Ok(())),
            Some(answer) => answer.now_or_never(),
        }
    }
}

/// Appends events to one run's journal.
#[async_trait]
pub trait JournalWriter: Send + Sync {
    /// Appends one record; it is durable (written to the store) when this returns.
    async fn append(&self, record: &Record) -> Result<(), JournalError>;

    /// Queues one record after those queued before it and returns without
    /// waiting for it to be stored (an error here: the journal can take no
    /// more, e.g. its lease lapsed). Stores that write as they are asked
    /// store it now.
    async fn enqueue(&self, record: &Record) -> Result<Stored, JournalError> {
        self.append(record).await.map(|()| Stored::now())
    }

    /// Keeps the whole (redacted, capped) output of one attempt of a hook.
    async fn keep_output(&self, step: &str, attempt: u32, text: &str) -> Result<(), JournalError>;

    /// Gives the journal back at the end of the run (a shared store's
    /// lease), so that the next runner need not wait for it to lapse.
    async fn close(&self) {}
}

/// A held lock; dropping it releases the lock (a shared store's lease
/// lapses instead, unless [`LockGuard::release`] gives it back).
#[async_trait]
pub trait LockGuard: Send + Sync {
    /// Whether this is still the plan's lock: called once the run's journal
    /// is held, so that of two processes that took the lock around a removal
    /// of its file, the one that lost it stops before doing anything.
    fn confirm(&self) -> Result<(), JournalError>;

    /// Cancelled once the lock can no longer be trusted (a lease that could
    /// not be renewed in time); `None` for a lock that cannot be lost while
    /// the process lives (a local `flock`).
    fn lost(&self) -> Option<tokio_util::sync::CancellationToken> {
        None
    }

    /// Gives the lock back now.
    async fn release(&self) {}
}

/// Keeps runs: journals, plan copies, approvals and locks.
#[async_trait]
pub trait RunStore: Send + Sync {
    /// Where runs are kept, for messages.
    fn describe(&self) -> String;

    /// How long the lock and journal of a runner that died stay held before
    /// they lapse by themselves; `None` when they are freed as the process
    /// ends (local `flock`s).
    fn lapse(&self) -> Option<std::time::Duration> {
        None
    }

    /// Creates a run: its journal (empty) and the copy of its plan.
    async fn create(
        &self,
        run: &RunId,
        plan_text: &str,
    ) -> Result<Box<dyn JournalWriter>, JournalError>;

    /// Opens an existing run's journal for appending (resume).
    async fn reopen(&self, run: &RunId) -> Result<Box<dyn JournalWriter>, JournalError>;

    /// Reads a run's journal. A torn last line (a crash mid-write) is dropped.
    async fn read(&self, run: &RunId) -> Result<Vec<Record>, JournalError>;

    /// Revision `revision` of the run's plan: 0 is the text it started
    /// with, each `resume --plan` adds one.
    async fn plan_text(&self, run: &RunId, revision: u32) -> Result<String, JournalError>;

    /// Keeps a corrected plan as revision `revision` (`resume --plan`),
    /// before the journal says the run uses it.
    async fn amend_plan(&self, run: &RunId, revision: u32, text: &str) -> Result<(), JournalError>;

    /// The runs kept here, in no particular order.
    async fn list(&self) -> Result<Vec<RunId>, JournalError>;

    /// Takes the lock of plan `plan` for `holder`, or says who holds it.
    async fn lock(
        &self,
        plan: &str,
        holder: LockHolder,
    ) -> Result<Box<dyn LockGuard>, JournalError>;

    /// Who holds plan `plan`'s lock now, if anyone.
    async fn lock_holder(&self, plan: &str) -> Result<Option<LockHolder>, JournalError>;

    /// Whether a live process writes run `run`'s journal now.
    async fn is_live(&self, run: &RunId) -> Result<bool, JournalError>;

    /// Removes a run that has recorded nothing (one that stopped before it
    /// began); a run with events is never removed.
    async fn discard(&self, run: &RunId) -> Result<(), JournalError>;

    /// The local folder where leases of the run's hook processes are kept
    /// (see `hooks::lease`), when this store has one on this machine.
    fn hook_leases(&self, run: &RunId) -> Option<PathBuf>;

    /// Records an answer to a manual step (`drplan approve`, `drplan reject`).
    async fn decide(
        &self,
        run: &RunId,
        step: &str,
        decision: &Decision,
    ) -> Result<(), JournalError>;

    /// The answer a manual step of a run has been given, if any.
    async fn decision(&self, run: &RunId, step: &str) -> Result<Option<Decision>, JournalError>;

    /// The output kept of each attempt of a hook step, in attempt order.
    async fn outputs(&self, run: &RunId, step: &str) -> Result<Vec<KeptOutput>, JournalError>;

    /// Ends the lock of plan `plan` held by another runner, and the lease
    /// of the journal it writes (`--break-lock`); who held it. A local lock
    /// belongs to a live process on this machine and cannot be broken: stop
    /// the process instead.
    async fn break_lock(&self, plan: &str) -> Result<Option<LockHolder>, JournalError> {
        Err(JournalError::Store {
            location: self.describe(),
            message: format!(
                "the lock of plan `{plan}` here is held by a live process on this machine; stop that process (its pid is in the message above) instead of breaking the lock"
            ),
        })
    }

    /// Who acts through this store when it knows better than the local
    /// account: the signed-in identity of a shared store.
    async fn identity(&self) -> Result<Option<String>, JournalError> {
        Ok(None)
    }
}

/// This machine's name, for lock messages and approvals.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "this machine".to_string())
}

/// Who acts from this process, for approvals: the operating system's
/// account the process runs as (its uid looked up in the user database) on
/// this machine. Never `$USER`, which anyone can set to anything.
pub fn local_operator() -> String {
    let uid = nix::unistd::getuid();
    let account = match nix::unistd::User::from_uid(uid) {
        Ok(Some(user)) => user.name,
        _ => format!("uid {uid}"),
    };
    format!("{account} on {}", host_name())
}

/// Parses journal bytes: one record a line. A last line without its newline
/// is kept when it is a whole record; otherwise it is a write torn by a crash
/// and is dropped, cut at the byte level, so that a multibyte character torn
/// in two does not make the whole journal unreadable. A damaged line before
/// it is an error naming the line.
pub fn parse_journal(bytes: &[u8], path: &str) -> Result<Vec<Record>, JournalError> {
    let (complete, tail) = split_tail(bytes);
    let mut records = Vec::new();
    for (i, line) in complete.split(|b| *b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let corrupt = |message: String| JournalError::Corrupt {
            path: path.to_string(),
            line: i + 1,
            message,
        };
        let text = std::str::from_utf8(line).map_err(|e| corrupt(e.to_string()))?;
        records.push(serde_json::from_str::<Record>(text).map_err(|e| corrupt(e.to_string()))?);
    }
    match whole_record(tail) {
        Some(record) => records.push(record),
        None if tail.iter().all(u8::is_ascii_whitespace) => {}
        None => tracing::warn!(
            "{path}:{}: ignoring an incomplete last line",
            complete.split(|b| *b == b'\n').count()
        ),
    }
    Ok(records)
}

/// The journal split after its last newline: the lines a crash cannot have
/// torn, and what follows them.
pub fn split_tail(bytes: &[u8]) -> (&[u8], &[u8]) {
    let keep = bytes.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
    bytes.split_at(keep)
}

/// `line` as a record, if it is one whole.
pub fn whole_record(line: &[u8]) -> Option<Record> {
    let text = std::str::from_utf8(line).ok()?;
    serde_json::from_str(text.trim()).ok()
}
