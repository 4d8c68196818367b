//! The simulated vault's state file on disk: a path in; the [`Vault`] read
//! from it (or `None` when absent), its fingerprint to notice another
//! process's writes, and atomic writes out, with errors that say how to
//! start afresh.

use std::io::Write as _;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::SystemTime;

use super::store::Vault;
use crate::clock::Timestamp;
use crate::provider::ProviderError;

/// What identifies one version of the state file, to notice another
/// process's writes: its inode (each write renames a new file into place,
/// and file times may be as coarse as a clock tick), length and time.
pub(crate) type Fingerprint = (u64, u64, Option<SystemTime>);

/// The file's fingerprint, or `None` when it does not exist.
pub(crate) fn fingerprint(path: &Path) -> Result<Option<Fingerprint>, ProviderError> {
    #[cfg(unix)]
    fn inode(m: &std::fs::Metadata) -> u64 {
        std::os::unix::fs::MetadataExt::ino(m)
    }
    #[cfg(not(unix))]
    fn inode(_: &std::fs::Metadata) -> u64 {
        0
    }
    match std::fs::metadata(path) {
        Ok(m) => Ok(Some((inode(&m), m.len(), m.modified().ok()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(bad_state(path, &format!("cannot read it ({e})"))),
    }
}

/// Reads and parses the state file; `None` when it does not exist.
pub(crate) fn load(path: &Path, now: Timestamp) -> Result<Option<Vault>, ProviderError> {
    let text = match std::fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(bad_state(path, &format!("cannot read it ({e})"))),
    };
    Vault::parse(&text, now)
        .map(Some)
        .map_err(|e| bad_state(path, &format!("this is not a simulated vault's state: {e}")))
}

/// Writes so far by this process: with its id, names a temporary file no
/// other writer uses.
static WRITES: AtomicU64 = AtomicU64::new(0);

/// Writes the state file atomically and returns its new fingerprint.
pub(crate) fn save(path: &Path, vault: &Vault) -> Result<Option<Fingerprint>, ProviderError> {
    let io = |source| ProviderError::Io {
        path: display(path),
        source,
    };
    let text = vault.to_json().map_err(|e| io(std::io::Error::other(e)))?;
    let n = WRITES.fetch_add(1, Ordering::Relaxed);
    let tmp = path.with_extension(format!("json.tmp-{}-{n}", std::process::id()));
    // 0600 whatever the umask: the vault's state says what the plan touches.
    let written = crate::owner_only::create_new(&tmp).and_then(|mut f| {
        f.write_all(text.as_bytes())?;
        f.write_all(b"\n")
    });
    if let Err(e) = written.and_then(|()| std::fs::rename(&tmp, path)) {
        // The temporary file is ours alone; a failure to remove it changes nothing.
        let _ = std::fs::remove_file(&tmp);
        return Err(io(e));
    }
    fingerprint(path)
}

/// A path with forward slashes, for messages.
pub(crate) fn display(path: &Path) -> String {
    path.to_string_lossy().replace('\\', "/")
}

/// A state file that cannot go on, and how to start afresh; `path` is `None`
/// for a vault in memory.
pub(crate) fn bad_state_at(path: Option<&Path>, what: &str) -> ProviderError {
    match path {
        Some(path) => bad_state(path, what),
        None => ProviderError::Service(format!("the simulated vault: {what}")),
    }
}

fn bad_state(path: &Path, what: &str) -> ProviderError {
    ProviderError::BadFile {
        path: display(path),
        message: format!(
            "{what}; delete this file to reset the simulated vault (every VM protected again, in the primary region)"
        ),
    }
}
