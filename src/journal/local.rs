//! The run store in a `.drplan` folder beside the plan: run ids, records,
//! plan text and approvals in; private files (folders 0700, files 0600, see
//! [`crate::owner_only`]) and `flock`s out.
//!
//! Layout:
//! ```text
//! .drplan/<plan stem>.lock               the plan's lock; who runs the plan now (JSON)
//! .drplan/runs/<run id>/journal.jsonl    one event a line, flushed per event; locked while live
//! .drplan/runs/<run id>/plan.drplan      the plan text the run started with
//! .drplan/runs/<run id>/plan.<n>.drplan  revision n, from `resume --plan`
//! .drplan/runs/<run id>/approvals/<step> answers from `drplan approve` / `reject` (JSON)
//! .drplan/runs/<run id>/output/<step>.<attempt>.log  a hook attempt's whole output, redacted
//! .drplan/runs/<run id>/hooks/           leases of hook processes (`hooks::lease`)
//! ```
//!
//! Locks are `flock`s, which the kernel releases when the process ends
//! however it ends, so a crashed run never leaves anything locked. The plan's
//! lock file can be removed while a run holds it, and a new file then locks
//! freely; that is why a run's journal is locked too, why taking a plan's
//! lock also looks for a live run of the plan, and why the holder confirms
//! that its lock file is still in place once its journal is locked.

use std::fs::File;
use std::io::Write as _;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use async_trait::async_trait;

use super::decision::{Decision, KeptOutput};
use super::event::{Record, RunId};
use super::replay::RunState;
use super::store::{
    JournalError, JournalWriter, LockGuard, LockHolder, RunStore, parse_journal, split_tail,
    whole_record,
};
use crate::file_lock::{held_elsewhere, lock_exclusive};
use crate::owner_only;

/// How often the lock file is opened again when it keeps being removed.
const REOPEN_TRIES: u32 = 10;

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

    /// The user's folder the store lives in: drplan never changes its mode.
    fn base(&self) -> &Path {
        self.root.parent().unwrap_or(Path::new(""))
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
        self.run_dir(run)
            .join("approvals")
            .join(crate::graph::step_file_name(step))
    }

    fn plan_path(&self, run: &RunId, revision: u32) -> PathBuf {
        if revision == 0 {
            self.run_dir(run).join("plan.drplan")
        } else {
            self.run_dir(run).join(format!("plan.{revision}.drplan"))
        }
    }

    fn output_dir(&self, run: &RunId) -> PathBuf {
        self.run_dir(run).join("output")
    }

    fn existing_run(&self, run: &RunId) -> Result<PathBuf, JournalError> {
        let path = self.journal_path(run);
        if RunId::is_valid(&run.0) && path.is_file() {
            Ok(path)
        } else {
            Err(JournalError::UnknownRun(run.0.clone()))
        }
    }

    /// A run of plan `plan` (by its file's stem) that a live process runs.
    async fn live_run_of(&self, plan: &str) -> Result<Option<RunId>, JournalError> {
        for run in self.list().await? {
            if !self.is_live(&run).await? {
                continue;
            }
            // Only live runs are read: there are few, and a live journal
            // always starts with its `run_started`.
            let Ok(records) = self.read(&run).await else {
                continue;
            };
            if RunState::replay(&records).is_some_and(|s| s.plan_stem() == plan) {
                return Ok(Some(run));
            }
        }
        Ok(None)
    }
}

/// Appends to a journal it holds locked: the run is live while this lives.
struct FileWriter {
    path: PathBuf,
    file: std::sync::Mutex<File>,
    /// `runs/<id>/output`, created when a hook first prints.
    output: PathBuf,
    /// The user's folder above the store, whose mode is never changed.
    base: PathBuf,
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

    async fn keep_output(&self, step: &str, attempt: u32, text: &str) -> Result<(), JournalError> {
        owner_only::create_dir_all(&self.base, &self.output)
            .map_err(|e| JournalError::io(&self.output, e))?;
        let path = self.output.join(KeptOutput::file_name(step, attempt));
        owner_only::write_atomic(&path, text.as_bytes()).map_err(|e| JournalError::io(&path, e))
    }
}

/// The plan's lock file, held with an exclusive `flock`.
struct FileLock {
    file: File,
    path: PathBuf,
}

impl LockGuard for FileLock {
    fn confirm(&self) -> Result<(), JournalError> {
        if same_file(&self.file, &self.path).map_err(|e| JournalError::io(&self.path, e))? {
            Ok(())
        } else {
            Err(JournalError::LockLost {
                lock_file: self.path.display().to_string(),
            })
        }
    }
}

/// Whether `path` still names the file `file` has open.
fn same_file(file: &File, path: &Path) -> std::io::Result<bool> {
    let held = file.metadata()?;
    match std::fs::metadata(path) {
        Ok(now) => Ok(now.dev() == held.dev() && now.ino() == held.ino()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
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
        let runs = self.root.join("runs");
        owner_only::create_dir_all(self.base(), &runs).map_err(|e| JournalError::io(&runs, e))?;
        // `create_dir`, not `create_dir_all`: two runs never share a journal.
        owner_only::create_dir(&dir).map_err(|e| JournalError::io(&dir, e))?;
        let plan = dir.join("plan.drplan");
        owner_only::write_atomic(&plan, plan_text.as_bytes())
            .map_err(|e| JournalError::io(&plan, e))?;
        let path = self.journal_path(run);
        let file = owner_only::create_new(&path).map_err(|e| JournalError::io(&path, e))?;
        if !lock_exclusive(&file)
            .await
            .map_err(|e| JournalError::io(&path, e))?
        {
            return Err(JournalError::RunIsLive(run.clone()));
        }
        Ok(Box::new(FileWriter {
            path,
            file: std::sync::Mutex::new(file),
            output: self.output_dir(run),
            base: self.base().to_path_buf(),
        }))
    }

    async fn reopen(&self, run: &RunId) -> Result<Box<dyn JournalWriter>, JournalError> {
        let path = self.existing_run(run)?;
        let file = owner_only::open_append(&path).map_err(|e| JournalError::io(&path, e))?;
        if !lock_exclusive(&file)
            .await
            .map_err(|e| JournalError::io(&path, e))?
        {
            return Err(JournalError::RunIsLive(run.clone()));
        }
        // A crash mid-write leaves a last line without its newline; appending
        // after it would glue the next event to it and damage the journal
        // for good. A whole record gets its newline; anything else is cut off
        // at the byte level (reading skips it anyway). Done with the journal
        // locked, so no live writer can be mid-line.
        let bytes = std::fs::read(&path).map_err(|e| JournalError::io(&path, e))?;
        let (complete, tail) = split_tail(&bytes);
        if !tail.is_empty() {
            if whole_record(tail).is_some() {
                (&file)
                    .write_all(b"\n")
                    .map_err(|e| JournalError::io(&path, e))?;
            } else {
                file.set_len(u64::try_from(complete.len()).unwrap_or(0))
                    .map_err(|e| JournalError::io(&path, e))?;
            }
        }
        Ok(Box::new(FileWriter {
            path,
            file: std::sync::Mutex::new(file),
            output: self.output_dir(run),
            base: self.base().to_path_buf(),
        }))
    }

    async fn read(&self, run: &RunId) -> Result<Vec<Record>, JournalError> {
        let path = self.existing_run(run)?;
        let bytes = std::fs::read(&path).map_err(|e| JournalError::io(&path, e))?;
        parse_journal(&bytes, &path.display().to_string())
    }

    async fn plan_text(&self, run: &RunId, revision: u32) -> Result<String, JournalError> {
        self.existing_run(run)?;
        let path = self.plan_path(run, revision);
        std::fs::read_to_string(&path).map_err(|e| JournalError::io(&path, e))
    }

    async fn amend_plan(&self, run: &RunId, revision: u32, text: &str) -> Result<(), JournalError> {
        self.existing_run(run)?;
        let path = self.plan_path(run, revision);
        owner_only::write_atomic(&path, text.as_bytes()).map_err(|e| JournalError::io(&path, e))
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
        owner_only::create_dir_all(self.base(), &self.root)
            .map_err(|e| JournalError::io(&self.root, e))?;
        let path = self.lock_path(plan);
        // The file may be removed between opening and locking it; a lock on
        // a file no longer at the path locks nothing, so open again.
        for _ in 0..REOPEN_TRIES {
            let file =
                owner_only::open_read_write(&path).map_err(|e| JournalError::io(&path, e))?;
            if !lock_exclusive(&file)
                .await
                .map_err(|e| JournalError::io(&path, e))?
            {
                return Err(JournalError::Locked {
                    plan: plan.to_string(),
                    holder: read_holder(&path),
                    lock_file: path.display().to_string(),
                });
            }
            if !same_file(&file, &path).map_err(|e| JournalError::io(&path, e))? {
                continue;
            }
            if let Some(run) = self.live_run_of(plan).await? {
                return Err(JournalError::LiveRun {
                    plan: plan.to_string(),
                    run,
                });
            }
            // Who holds it, for the message a second run prints.
            let text = serde_json::to_string(&holder)
                .map_err(|e| JournalError::io(&path, std::io::Error::other(e)))?;
            file.set_len(0).map_err(|e| JournalError::io(&path, e))?;
            (&file)
                .write_all(text.as_bytes())
                .map_err(|e| JournalError::io(&path, e))?;
            return Ok(Box::new(FileLock { file, path }));
        }
        Err(JournalError::io(
            &path,
            std::io::Error::other("the lock file kept being removed while it was taken"),
        ))
    }

    async fn lock_holder(&self, plan: &str) -> Result<Option<LockHolder>, JournalError> {
        let path = self.lock_path(plan);
        // Free if a shared lock can be had (it is released at once); the
        // file's content then only names a run that has ended.
        if held_elsewhere(&path).map_err(|e| JournalError::io(&path, e))? {
            Ok(read_holder(&path))
        } else {
            Ok(None)
        }
    }

    async fn is_live(&self, run: &RunId) -> Result<bool, JournalError> {
        let path = self.journal_path(run);
        held_elsewhere(&path).map_err(|e| JournalError::io(&path, e))
    }

    async fn discard(&self, run: &RunId) -> Result<(), JournalError> {
        if !self.read(run).await?.is_empty() {
            return Ok(());
        }
        let dir = self.run_dir(run);
        std::fs::remove_dir_all(&dir).map_err(|e| JournalError::io(&dir, e))
    }

    fn hook_leases(&self, run: &RunId) -> Option<PathBuf> {
        Some(self.run_dir(run).join("hooks"))
    }

    async fn decide(
        &self,
        run: &RunId,
        step: &str,
        decision: &Decision,
    ) -> Result<(), JournalError> {
        self.existing_run(run)?;
        let path = self.approval_path(run, step);
        let dir = path.parent().unwrap_or(&self.root).to_path_buf();
        owner_only::create_dir_all(self.base(), &dir).map_err(|e| JournalError::io(&dir, e))?;
        let text = serde_json::to_string(decision)
            .map_err(|e| JournalError::io(&path, std::io::Error::other(e)))?;
        owner_only::write_atomic(&path, text.as_bytes()).map_err(|e| JournalError::io(&path, e))
    }

    async fn decision(&self, run: &RunId, step: &str) -> Result<Option<Decision>, JournalError> {
        let path = self.approval_path(run, step);
        match std::fs::read_to_string(&path) {
            Ok(text) => {
                let at = std::fs::metadata(&path)
                    .and_then(|m| m.modified())
                    .map_or_else(
                        |_| crate::clock::Clock::system().now(),
                        crate::clock::Timestamp,
                    );
                Ok(Some(Decision::parse(&text, at)))
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(JournalError::io(&path, e)),
        }
    }

    async fn outputs(&self, run: &RunId, step: &str) -> Result<Vec<KeptOutput>, JournalError> {
        self.existing_run(run)?;
        let dir = self.output_dir(run);
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(JournalError::io(&dir, e)),
        };
        let mut kept = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| JournalError::io(&dir, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(attempt) = KeptOutput::attempt_in(&name, step) else {
                continue;
            };
            let path = entry.path();
            let bytes = std::fs::read(&path).map_err(|e| JournalError::io(&path, e))?;
            kept.push(KeptOutput {
                attempt,
                text: String::from_utf8_lossy(&bytes).into_owned(),
            });
        }
        kept.sort_by_key(|k| k.attempt);
        Ok(kept)
    }
}

/// The holder a lock file names, if it has written it yet.
fn read_holder(path: &Path) -> Option<LockHolder> {
    let text = std::fs::read_to_string(path).ok()?;
    serde_json::from_str(&text).ok()
}
