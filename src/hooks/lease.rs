//! Leases of hook processes: a folder and a step id in, a locked file that a
//! script's processes hold as their stdin out; and from the same files, the
//! answer to "does an earlier copy of this step's hook still run?".
//!
//! A script runs in a process group of its own, which drplan kills when it
//! stops an attempt (a timeout, Ctrl-C, SIGTERM, SIGHUP). A drplan killed
//! outright (SIGKILL, the out-of-memory killer) cannot: the hook lives on,
//! adopted by init, and a resume must not start it a second time. The only
//! reliable witness of the hook's life is the hook itself, so its stdin is an
//! empty file that drplan locked with `flock` before starting it. The lock
//! belongs to the open file, which every process of the hook inherits as
//! stdin; it lasts while any of them keeps it open, whatever becomes of
//! drplan, and the kernel drops it when the last one ends. A pid could be
//! reused by then; a lock cannot outlive its holders. (A process that closes
//! or replaces its stdin escapes the lease, as it escapes the process group.)
//!
//! Reading stdin gives end of file at once, as `/dev/null` did before.
//!
//! Files: `<dir>/<step as a file name>.<tag>.lease`, the tag `pg<group>` once
//! the process runs (so that a refusal can say what to stop), and
//! `new<drplan pid>-<n>` for the instant before. A free lease is removed.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::owner_only;

/// Tells apart the leases one drplan process takes.
static NEXT: AtomicU64 = AtomicU64::new(0);

/// A held lease; dropping it lets go of drplan's own handle (the hook's
/// processes keep theirs) and removes the file if nothing holds it any more.
#[derive(Debug)]
pub(super) struct Lease {
    file: Option<File>,
    path: PathBuf,
}

impl Lease {
    /// A new lease for an attempt of `step`, locked, in `dir` (made 0700).
    pub(super) fn take(dir: &Path, step: &str) -> std::io::Result<Lease> {
        // The folders above may not exist yet (a shared run store keeps
        // only the leases here): made from the nearest one that does.
        let base = dir
            .ancestors()
            .skip(1)
            .find(|a| a.is_dir())
            .unwrap_or(Path::new(""));
        owner_only::create_dir_all(base, dir)?;
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!(
            "{}.new{}-{n}.lease",
            crate::graph::step_file_name(step),
            std::process::id()
        ));
        let file = owner_only::open_read_create(&path)?;
        match file.try_lock() {
            Ok(()) => Ok(Lease {
                file: Some(file),
                path,
            }),
            Err(std::fs::TryLockError::WouldBlock) => Err(std::io::Error::other(format!(
                "{} is locked by another process",
                path.display()
            ))),
            Err(std::fs::TryLockError::Error(e)) => Err(e),
        }
    }

    /// The lease as the stdin of a process about to start.
    pub(super) fn stdin(&self) -> std::io::Result<Stdio> {
        match &self.file {
            Some(file) => Ok(Stdio::from(file.try_clone()?)),
            None => Ok(Stdio::null()),
        }
    }

    /// Names the process group that holds the lease now. Best effort: the
    /// lease works without its name.
    pub(super) fn started(&mut self, group: u32) {
        let Some((step, _tag)) = self
            .path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".lease"))
            .and_then(|n| n.rsplit_once('.'))
        else {
            return;
        };
        let named = self.path.with_file_name(format!("{step}.pg{group}.lease"));
        if std::fs::rename(&self.path, &named).is_ok() {
            self.path = named;
        }
    }
}

impl Drop for Lease {
    fn drop(&mut self) {
        // drplan's handle goes first: only the hook's processes may hold it now.
        drop(self.file.take());
        remove_if_free(&self.path);
    }
}

/// The process groups of earlier copies of `step`'s hook that still run
/// (`None` for a copy whose group was not named yet). Leases nothing holds
/// any more are removed on the way.
pub fn still_running(dir: &Path, step: &str) -> std::io::Result<Vec<Option<u32>>> {
    let prefix = format!("{}.", crate::graph::step_file_name(step));
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut running = Vec::new();
    for entry in entries {
        let entry = entry?;
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let Some(tag) = name
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix(".lease"))
        else {
            continue;
        };
        // A tag holds no dot: this is a step whose id only starts like ours.
        if tag.contains('.') {
            continue;
        }
        let path = entry.path();
        if crate::file_lock::held_elsewhere(&path)? {
            running.push(tag.strip_prefix("pg").and_then(|g| g.parse().ok()));
        } else {
            remove_if_free(&path);
        }
    }
    running.sort_unstable();
    Ok(running)
}

/// Removes the lease at `path` if no process holds it. The file is locked
/// while it is removed, so a holder cannot be between its check and ours.
fn remove_if_free(path: &Path) {
    let Ok(file) = File::open(path) else { return };
    if file.try_lock().is_ok() {
        let _ = std::fs::remove_file(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lease_is_held_while_a_copy_of_its_file_is_open_and_removed_after() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("hooks");
        let mut lease = Lease::take(&dir, "hook:db/before/1").unwrap();
        // What a started process holds: a copy of the same open file.
        drop(lease.stdin().unwrap());
        let child_copy = lease.file.as_ref().unwrap().try_clone().unwrap();
        lease.started(4242);
        assert!(dir.join("hook:db%2Fbefore%2F1.pg4242.lease").is_file());
        drop(lease);
        assert_eq!(
            still_running(&dir, "hook:db/before/1").unwrap(),
            [Some(4242)]
        );
        assert_eq!(still_running(&dir, "hook:db/before/2").unwrap(), []);
        drop(child_copy);
        assert_eq!(still_running(&dir, "hook:db/before/1").unwrap(), []);
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            0,
            "free leases go"
        );
    }

    #[test]
    fn a_lease_nobody_else_holds_is_gone_when_dropped() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("hooks");
        drop(Lease::take(&dir, "hook:g/after/1").unwrap());
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
    }
}
