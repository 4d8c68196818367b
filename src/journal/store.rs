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
        "plan `{plan}` is being run by run {} (pid {} on {}, since {}); wait for it to finish, or if that process is gone, delete {lock_file}",
        holder.run_id, holder.pid, holder.host, holder.since
    )]
    Locked {
        /// The plan.
        plan: String,
        /// Who holds it.
        holder: LockHolder,
        /// The lock file, to remove by hand if needed.
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

struct FileLock {
    path: PathBuf,
}

impl LockGuard for FileLock {}

impl Drop for FileLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

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

/// Whether a process of this machine is alive.
fn process_alive(pid: u32) -> bool {
    let Ok(pid) = i32::try_from(pid) else {
        return false;
    };
    // Signal 0 checks existence; EPERM means it exists under another user.
    match nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), None) {
        Ok(()) => true,
        Err(e) => e == nix::errno::Errno::EPERM,
    }
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
        std::fs::create_dir_all(&dir).map_err(|e| JournalError::io(&dir, e))?;
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
        let text = serde_json::to_string(&holder)
            .map_err(|e| JournalError::io(&path, std::io::Error::other(e)))?;
        // Two attempts: the second after removing a lock whose process is gone.
        for _ in 0..2 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut file) => {
                    file.write_all(text.as_bytes())
                        .map_err(|e| JournalError::io(&path, e))?;
                    return Ok(Box::new(FileLock { path }));
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    if let Some(current) = self.lock_holder(plan).await? {
                        return Err(JournalError::Locked {
                            plan: plan.to_string(),
                            holder: current,
                            lock_file: path.display().to_string(),
                        });
                    }
                    tracing::warn!("removing the stale lock {}", path.display());
                    let _ = std::fs::remove_file(&path);
                }
                Err(e) => return Err(JournalError::io(&path, e)),
            }
        }
        Err(JournalError::io(
            &path,
            std::io::Error::other("the lock changed hands while it was being taken; try again"),
        ))
    }

    async fn lock_holder(&self, plan: &str) -> Result<Option<LockHolder>, JournalError> {
        let path = self.lock_path(plan);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(JournalError::io(&path, e)),
        };
        // A lock that cannot be read, or whose process on this machine is
        // gone, is stale: a crashed run must not block the plan for ever.
        let Ok(holder) = serde_json::from_str::<LockHolder>(&text) else {
            return Ok(None);
        };
        if holder.host == host_name() && !process_alive(holder.pid) {
            return Ok(None);
        }
        Ok(Some(holder))
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
