//! The simulated vault's state file on disk (format: `log`): a path in;
//! what was appended to it since this process last looked (or the whole
//! vault, when the file was replaced) out, and changes appended and
//! snapshots written back, with errors that name the file and say how to
//! start afresh.
//!
//! Readers take no lock: they read from where they stopped, whole lines
//! only. A process that changes the vault holds an exclusive lock on the
//! file (`flock`) from reading what others appended to writing its own
//! line, so two writers (not expected: one `drplan run` per plan) take
//! turns instead of corrupting the file or handing out one job id twice.
//! A snapshot is written to a temporary file and renamed over the log, so a
//! reader sees the old file or the new one; a writer that waited for the
//! lock on the replaced file notices the rename and locks the new one.
//! A line left torn by a crashed writer is cut off by the next writer.

use std::fs::File;
use std::io::{Read as _, Seek as _, SeekFrom, Write as _};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use super::log::{self, Change};
use super::store::Vault;
use crate::clock::Timestamp;
use crate::provider::ProviderError;

/// Appended bytes beyond the snapshot's size, besides it, before the file
/// is rewritten as one snapshot: small logs are left alone.
const COMPACT_SLACK: u64 = 256 * 1024;

/// How often a writer retries a lock on a file replaced while it waited.
const LOCK_TRIES: u32 = 100;

/// What this process has read of the state file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Seen {
    /// The file's identity: a snapshot replaces the file.
    id: u64,
    /// Where the last whole record read ends.
    end: u64,
    /// The snapshot's size; 0 for an empty file.
    base: u64,
    /// The file is of the earlier format.
    legacy: bool,
}

impl Seen {
    /// Whether the file should be rewritten as one snapshot: it has none
    /// yet, is of the earlier format, or its changes outweigh it.
    pub(crate) fn wants_snapshot(&self) -> bool {
        self.base == 0
            || self.legacy
            || self.end.saturating_sub(self.base) > self.base + COMPACT_SLACK
    }
}

/// What a look at the file found.
#[derive(Debug)]
pub(crate) enum Found {
    /// Nothing new (or no file).
    Nothing,
    /// Changes appended since the last look.
    Changes(Vec<Change>),
    /// The file was replaced or read for the first time: the whole vault
    /// (`None` for an empty file).
    Whole(Option<Box<Vault>>),
}

/// What identifies one version of a file read whole (the world file), to
/// notice another process's writes: its identity, length and time.
pub(crate) type Fingerprint = (u64, u64, Option<std::time::SystemTime>);

/// A file's fingerprint, or `None` when it does not exist.
pub(crate) fn fingerprint(path: &Path) -> Result<Option<Fingerprint>, ProviderError> {
    match std::fs::metadata(path) {
        Ok(m) => Ok(Some((identity(&m), m.len(), m.modified().ok()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(bad_state(path, &format!("cannot read it ({e})"))),
    }
}

/// A file's identity (its inode; 0 where there is none).
fn identity(m: &std::fs::Metadata) -> u64 {
    #[cfg(unix)]
    {
        std::os::unix::fs::MetadataExt::ino(m)
    }
    #[cfg(not(unix))]
    {
        let _ = m;
        0
    }
}

/// Looks at the state file: what is new since `seen`. `held` is the file
/// opened under [`lock`], when the caller is about to change the vault: a
/// torn last line is then a crashed writer's, and is cut off.
pub(crate) fn read(
    path: &Path,
    seen: Option<Seen>,
    now: Timestamp,
    held: Option<&File>,
) -> Result<(Found, Option<Seen>), ProviderError> {
    let cannot = |e: std::io::Error| bad_state(path, &format!("cannot read it ({e})"));
    let opened;
    let file = if let Some(file) = held {
        file
    } else {
        // The common case, nothing new, costs one `stat`.
        match std::fs::metadata(path) {
            Ok(m) if seen.is_some_and(|s| s.id == identity(&m) && s.end == m.len()) => {
                return Ok((Found::Nothing, seen));
            }
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok((Found::Nothing, seen));
            }
            Err(e) => return Err(cannot(e)),
        }
        opened = match File::open(path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok((Found::Nothing, seen));
            }
            Err(e) => return Err(cannot(e)),
        };
        &opened
    };
    let meta = file.metadata().map_err(cannot)?;
    let id = identity(&meta);
    let damaged =
        |e: String| bad_state(path, &format!("this is not a simulated vault's state: {e}"));
    if let Some(s) = seen.filter(|s| s.id == id && s.end <= meta.len()) {
        if s.end == meta.len() {
            return Ok((Found::Nothing, seen));
        }
        let bytes = read_from(file, s.end).map_err(cannot)?;
        let tail = log::parse_tail(&bytes)
            .map_err(|e| damaged(format!("{e} (in a change appended after byte {})", s.end)))?;
        let end = s.end + tail.end as u64;
        if tail.torn && held.is_some() {
            cut(file, end, path)?;
        }
        return Ok((Found::Changes(tail.changes), Some(Seen { end, ..s })));
    }
    let bytes = read_from(file, 0).map_err(cannot)?;
    let Some(parsed) = log::parse(&bytes, now).map_err(damaged)? else {
        let empty = Seen {
            id,
            end: 0,
            base: 0,
            legacy: false,
        };
        return Ok((Found::Whole(None), Some(empty)));
    };
    let end = parsed.end as u64;
    if parsed.torn && held.is_some() {
        cut(file, end, path)?;
    }
    let seen = Seen {
        id,
        end,
        base: parsed.base as u64,
        legacy: parsed.legacy,
    };
    Ok((Found::Whole(Some(Box::new(parsed.vault))), Some(seen)))
}

fn read_from(mut file: &File, offset: u64) -> std::io::Result<Vec<u8>> {
    file.seek(SeekFrom::Start(offset))?;
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Cuts off a line a crashed writer left torn at `end`.
fn cut(file: &File, end: u64, path: &Path) -> Result<(), ProviderError> {
    tracing::warn!(
        file = %path.display(),
        "the simulated vault's state file ends in a torn change (a writer stopped mid-line); it is cut off"
    );
    file.set_len(end).map_err(|source| ProviderError::Io {
        path: display(path),
        source,
    })
}

/// Opens the state file (created, empty, if missing) and locks it against
/// other writers until the handle is dropped.
pub(crate) fn lock(path: &Path) -> Result<File, ProviderError> {
    let io = |source| ProviderError::Io {
        path: display(path),
        source,
    };
    for _ in 0..LOCK_TRIES {
        let file = crate::owner_only::open_read_write(path).map_err(io)?;
        file.lock().map_err(io)?;
        // The file may have been replaced by a snapshot while this waited:
        // then the lock guards nothing, and the new file is locked instead.
        let now_there = std::fs::metadata(path).map(|m| identity(&m));
        match now_there {
            Ok(id) if file.metadata().map(|m| identity(&m)).ok() == Some(id) => return Ok(file),
            Ok(_) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(e)),
        }
    }
    Err(io(std::io::Error::other(
        "it was replaced again and again while drplan waited to lock it",
    )))
}

/// Appends one change line to the file held under [`lock`].
pub(crate) fn append(
    path: &Path,
    mut file: &File,
    seen: &mut Seen,
    line: &[u8],
) -> Result<(), ProviderError> {
    let written = file
        .seek(SeekFrom::Start(seen.end))
        .and_then(|_| file.write_all(line));
    written.map_err(|source| ProviderError::Io {
        path: display(path),
        source,
    })?;
    seen.end += line.len() as u64;
    Ok(())
}

/// Snapshots written so far by this process: with its id, names a
/// temporary file no other writer uses.
static WRITES: AtomicU64 = AtomicU64::new(0);

/// Replaces the file by a snapshot of `vault` (atomically: a temporary file
/// beside it, renamed over it).
pub(crate) fn write_snapshot(path: &Path, vault: &mut Vault) -> Result<Seen, ProviderError> {
    let io = |source| ProviderError::Io {
        path: display(path),
        source,
    };
    let bytes = vault.snapshot().map_err(|e| io(std::io::Error::other(e)))?;
    let n = WRITES.fetch_add(1, Ordering::Relaxed);
    let name = path
        .file_name()
        .map_or_else(|| "vault".into(), |n| n.to_string_lossy().into_owned());
    let tmp = path.with_file_name(format!("{name}.tmp-{}-{n}", std::process::id()));
    // 0600 whatever the umask: the vault's state says what the plan touches.
    let written = crate::owner_only::create_new(&tmp).and_then(|mut f| {
        f.write_all(&bytes)?;
        let id = identity(&f.metadata()?);
        std::fs::rename(&tmp, path)?;
        Ok(id)
    });
    match written {
        Ok(id) => Ok(Seen {
            id,
            end: bytes.len() as u64,
            base: bytes.len() as u64,
            legacy: false,
        }),
        Err(e) => {
            // The temporary file is ours alone; a failure to remove it changes nothing.
            let _ = std::fs::remove_file(&tmp);
            Err(io(e))
        }
    }
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

pub(crate) fn bad_state(path: &Path, what: &str) -> ProviderError {
    ProviderError::BadFile {
        path: display(path),
        message: format!(
            "{what}; delete this file to reset the simulated vault (every VM protected again, in the primary region)"
        ),
    }
}
