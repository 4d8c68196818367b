//! Advisory locks on files (`flock`), as drplan uses them: a file in, whether
//! this process got its lock or another process holds it out.
//!
//! A lock belongs to an open file, not to a path or a process: every copy of
//! the handle (a child's inherited stdin too) holds it, and the kernel drops
//! it when the last copy closes, however the holders end.

use std::fs::File;
use std::path::Path;
use std::time::Duration;

/// How often a lock that is busy for a moment (another process checking
/// whether it is held) is tried again before it counts as held.
const BUSY_TRIES: u32 = 10;
const BUSY_WAIT: Duration = Duration::from_millis(10);

/// Takes an exclusive lock on `file`: `Ok(false)` when another process
/// holds it. A probe of [`held_elsewhere`] holds a shared lock for an
/// instant, so a busy lock is tried a few times before it counts as held.
pub async fn lock_exclusive(file: &File) -> std::io::Result<bool> {
    for _ in 0..BUSY_TRIES {
        match file.try_lock() {
            Ok(()) => return Ok(true),
            Err(std::fs::TryLockError::WouldBlock) => tokio::time::sleep(BUSY_WAIT).await,
            Err(std::fs::TryLockError::Error(e)) => return Err(e),
        }
    }
    Ok(false)
}

/// Whether another process holds a lock on `path` (a shared lock cannot be
/// had); `false` when the file does not exist.
pub fn held_elsewhere(path: &Path) -> std::io::Result<bool> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(e),
    };
    match file.try_lock_shared() {
        // Released when `file` closes, at once.
        Ok(()) => Ok(false),
        Err(std::fs::TryLockError::WouldBlock) => Ok(true),
        Err(std::fs::TryLockError::Error(e)) => Err(e),
    }
}
