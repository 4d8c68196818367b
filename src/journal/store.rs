//! Where runs are kept: the [`RunStore`] seam (journal per run, the plan as it
//! was run, approvals of manual steps, and one lock per plan) and its local
//! implementation in `.drplan/` beside the plan file. A shared store (Azure
//! Blob storage with leases, so a team can resume from another machine when
//! the runner's own region is the one that failed) implements the same trait.
//!
//! Local layout:
//! ```text
//! .drplan/<plan stem>.lock               who runs the plan now (JSON)
//! .drplan/runs/<run id>/journal.jsonl    one event a line, flushed per event
//! .drplan/runs/<run id>/plan.drplan      the plan text the run started with
//! .drplan/runs/<run id>/approvals/<step> approvals given by `drplan approve`
//! ```

use std::io::Write as _;
use std::path::{Path, PathBuf};

use async_trait::async_trait;
use nix::errno::Errno;
use nix::fcntl::{Flock, FlockArg};
use serde::{Deserialize, Serialize};

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
    /// No run with this id.
    #[error("no run `{0}` here; `drplan runs` lists the runs beside a plan")]
    UnknownRun(String),
}

impl JournalError {
    fn io(path: &Path, source: std::io::Error) -> Self {
        JournalError::Io {
            path: path.display().to_string(),
            source,
        }
    }
}

fn describe_holder(holder: Option<&LockHolder>) -> String {
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

/// Appends events to one run's journal.
#[async_trait]
pub trait JournalWriter: Send + Sync {
    /// Appends one record; it is durable (written to the store) when this returns.
    async fn append(&self, record: &Record) -> Result<(), JournalError>;
}

/// A held lock; dropping it releases the lock.
pub trait LockGuard: Send + Sync {}

/// Keeps runs: journals, plan copies, approvals and locks.
#[async_trait]
pub trait RunStore: Send + Sync {
    /// Where runs are kept, for messages.
    fn describe(&self) -> String;

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

    /// The plan text the run started with.
    async fn plan_text(&self, run: &RunId) -> Result<String, JournalError>;

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

    /// Records an approval of a manual step (`drplan approve`).
    async fn approve(&self, run: &RunId, step: &str, by: &str) -> Result<(), JournalError>;

    /// Whether a manual step of a run has been approved, and by whom.
    async fn approval(&self, run: &RunId, step: &str) -> Result<Option<String>, JournalError>;
}

/// Runs kept in a `.drplan` folder.
#[derive(Debug, Clone)]
pub struct LocalStore {
    root: PathBuf,
}

impl LocalStore {
    /// The store in `dir` (a `.drplan` folder; created when first written).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { root: dir.into() }
    }

    /// The store beside a plan file: `<plan dir>/.drplan`.
    pub fn beside(plan_file: &Path) -> Self {
        let dir = plan_file.parent().unwrap_or(Path::new("."));
        Self::new(dir.join(".drplan"))
    }

    /// The folder.
    pub fn root(&self) -> &Path {
        &self.root
    }

    fn run_dir(&self, run: &RunId) -> PathBuf {
        self.root.join("runs").join(&run.0)
    }

    fn journal_path(&self, run: &RunId) -> PathBuf {
        self.run_dir(run).join("journal.jsonl")
    }

    fn lock_path(&self, plan: &str) -> PathBuf {
        self.root.join(format!("{plan}.lock"))
    }

    fn approval_path(&self, run: &RunId, step: &str) -> PathBuf {
        let name: String = step
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        self.run_dir(run).join("approvals").join(name)
    }

    fn existing_run(&self, run: &RunId) -> Result<PathBuf, JournalError> {
        let path = self.journal_path(run);
        if RunId::is_valid(&run.0) && path.is_file() {
            Ok(path)
        } else {
            Err(JournalError::UnknownRun(run.0.clone()))
        }
    }
}

struct FileWriter {
    path: PathBuf,
    file: std::sync::Mutex<std::fs::File>,
}

#[async_trait]
impl JournalWriter for FileWriter {
    async fn append(&self, record: &Record) -> Result<(), JournalError> {
        let mut line = serde_json::to_string(record)
            .map_err(|e| JournalError::io(&self.path, std::io::Error::other(e)))?;
        line.push('\n');
        // One write call per line, without a buffer in between: the event is
        // in the operating system's hands when this returns.
        let mut file = self.file.lock().map_err(|_| {
            JournalError::io(&self.path, std::io::Error::other("journal lock poisoned"))
        })?;
        file.write_all(line.as_bytes())
            .map_err(|e| JournalError::io(&self.path, e))
    }
}

/// An `flock` on the plan's lock file: the kernel releases it when the
/// process ends, however it ends, so a crashed run never leaves the plan
/// locked, and two processes can never both hold it.
struct FileLock {
    _lock: Flock<std::fs::File>,
}

impl LockGuard for FileLock {}

fn open_append(path: &Path) -> Result<std::fs::File, JournalError> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| JournalError::io(path, e))
}

/// This machine's name, for lock messages.
pub fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "this machine".to_string())
}

#[async_trait]
impl RunStore for LocalStore {
    fn describe(&self) -> String {
        self.root.display().to_string()
    }

    async fn create(
        &self,
        run: &RunId,
        plan_text: &str,
    ) -> Result<Box<dyn JournalWriter>, JournalError> {
        let dir = self.run_dir(run);
        let runs = self.root.join("runs");
        std::fs::create_dir_all(&runs).map_err(|e| JournalError::io(&runs, e))?;
        // `create_dir`, not `create_dir_all`: two runs never share a journal.
        std::fs::create_dir(&dir).map_err(|e| JournalError::io(&dir, e))?;
        let plan = dir.join("plan.drplan");
        std::fs::write(&plan, plan_text).map_err(|e| JournalError::io(&plan, e))?;
        let path = self.journal_path(run);
        let file = open_append(&path)?;
        Ok(Box::new(FileWriter {
            path,
            file: std::sync::Mutex::new(file),
        }))
    }

    async fn reopen(&self, run: &RunId) -> Result<Box<dyn JournalWriter>, JournalError> {
        let path = self.existing_run(run)?;
        // A crash mid-write leaves a last line without its newline; appending
        // after it would glue the next event to it and damage the journal
        // for good. Cut it off first (reading skips it anyway).
        let text = std::fs::read(&path).map_err(|e| JournalError::io(&path, e))?;
        if !text.is_empty() && !text.ends_with(b"\n") {
            let keep = text.iter().rposition(|b| *b == b'\n').map_or(0, |i| i + 1);
            let file = std::fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .map_err(|e| JournalError::io(&path, e))?;
            file.set_len(u64::try_from(keep).unwrap_or(0))
                .map_err(|e| JournalError::io(&path, e))?;
        }
        let file = open_append(&path)?;
        Ok(Box::new(FileWriter {
            path,
            file: std::sync::Mutex::new(file),
        }))
    }

    async fn read(&self, run: &RunId) -> Result<Vec<Record>, JournalError> {
        let path = self.existing_run(run)?;
        let text = std::fs::read_to_string(&path).map_err(|e| JournalError::io(&path, e))?;
        parse_journal(&text, &path.display().to_string())
    }

    async fn plan_text(&self, run: &RunId) -> Result<String, JournalError> {
        self.existing_run(run)?;
        let path = self.run_dir(run).join("plan.drplan");
        std::fs::read_to_string(&path).map_err(|e| JournalError::io(&path, e))
    }

    async fn list(&self) -> Result<Vec<RunId>, JournalError> {
        let dir = self.root.join("runs");
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(JournalError::io(&dir, e)),
        };
        let mut runs = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| JournalError::io(&dir, e))?;
            if let Some(name) = entry.file_name().to_str() {
                let run = RunId(name.to_string());
                if RunId::is_valid(name) && self.journal_path(&run).is_file() {
                    runs.push(run);
                }
            }
        }
        Ok(runs)
    }

    async fn lock(
        &self,
        plan: &str,
        holder: LockHolder,
    ) -> Result<Box<dyn LockGuard>, JournalError> {
        std::fs::create_dir_all(&self.root).map_err(|e| JournalError::io(&self.root, e))?;
        let path = self.lock_path(plan);
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| JournalError::io(&path, e))?;
        match Flock::lock(file, FlockArg::LockExclusiveNonblock) {
            Ok(mut locked) => {
                // Who holds it, for the message a second run prints.
                let text = serde_json::to_string(&holder)
                    .map_err(|e| JournalError::io(&path, std::io::Error::other(e)))?;
                locked.set_len(0).map_err(|e| JournalError::io(&path, e))?;
                locked
                    .write_all(text.as_bytes())
                    .map_err(|e| JournalError::io(&path, e))?;
                Ok(Box::new(FileLock { _lock: locked }))
            }
            Err((_, Errno::EWOULDBLOCK)) => Err(JournalError::Locked {
                plan: plan.to_string(),
                holder: read_holder(&path),
                lock_file: path.display().to_string(),
            }),
            Err((_, e)) => Err(JournalError::io(&path, std::io::Error::from(e))),
        }
    }

    async fn lock_holder(&self, plan: &str) -> Result<Option<LockHolder>, JournalError> {
        let path = self.lock_path(plan);
        let file = match std::fs::File::open(&path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(JournalError::io(&path, e)),
        };
        // Free if a shared lock can be had (it is released at once); the
        // file's content then only names a run that has ended.
        match Flock::lock(file, FlockArg::LockSharedNonblock) {
            Ok(_) => Ok(None),
            Err((_, Errno::EWOULDBLOCK)) => Ok(read_holder(&path)),
            Err((_, e)) => Err(JournalError::io(&path, std::io::Error::from(e))),
        }
    }

    async fn approve(&self, run: &RunId, step: &str, by: &str) -> Result<(), JournalError> {
        self.existing_run(run)?;
        let path = self.approval_path(run, step);
        let dir = path.parent().unwrap_or(&self.root).to_path_buf();
        std::fs::create_dir_all(&dir).map_err(|e| JournalError::io(&dir, e))?;
        // Written under another name, then renamed: a reader never sees half a file.
        let tmp = dir.join(format!(".{}.tmp", std::process::id()));
        std::fs::write(&tmp, by).map_err(|e| JournalError::io(&tmp, e))?;
        std::fs::rename(&tmp, &path).map_err(|e| JournalError::io(&path, e))
    }

    async fn approval(&self, run: &RunId, step: &str) -> Result<Option<String>, JournalError> {
        let path = self.approval_path(run, step);
        match std::fs::read_to_string(&path) {
            Ok(by) => Ok(Some(by)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(JournalError::io(&path, e)),
        }
    }
}

/// The holder a lock file names, if it has written it yet.
fn read_holder(path: &Path) -> Option<LockHolder> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}

/// Parses journal text: one record a line; a torn last line is dropped.
pub fn parse_journal(text: &str, path: &str) -> Result<Vec<Record>, JournalError> {
    let lines: Vec<&str> = text.lines().collect();
    let mut records = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<Record>(line) {
            Ok(record) => records.push(record),
            // A crash while writing leaves at most the last line incomplete,
            // and that line has no newline after it.
            Err(_) if i + 1 == lines.len() && !text.ends_with('\n') => {
                tracing::warn!("{path}:{}: ignoring an incomplete last line", i + 1);
            }
            Err(e) => {
                return Err(JournalError::Corrupt {
                    path: path.to_string(),
                    line: i + 1,
                    message: e.to_string(),
                });
            }
        }
    }
    Ok(records)
}
