//! Folders and files that only the account running drplan may read or write:
//! a path in, a folder made 0700 or a file opened 0600 out, whatever the
//! process's umask.
//!
//! Journals, plan copies, approvals, locks and the simulated vault's state
//! say what a team's disaster-recovery plan touches and who approved what; an
//! approval file another local account could write would pass a manual gate.
//! The mode given at creation is filtered by the umask (0777 & ~umask), which
//! can loosen nothing but can also take the owner's own bits away (umask
//! 0277), so every folder and file is set to its mode explicitly after it is
//! made. Folders made by earlier versions (0755) are tightened when drplan
//! next writes to them.

use std::fs::{DirBuilder, File, OpenOptions, Permissions};
use std::io;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// The mode of every folder drplan keeps state in.
pub const DIR_MODE: u32 = 0o700;
/// The mode of every state file.
pub const FILE_MODE: u32 = 0o600;

/// Creates `dir` and every missing folder above it up to (not including)
/// `base`, each 0700; tightens `dir` itself to 0700 if it exists with other
/// bits. `base` is the user's own folder (where the plan lives): its mode is
/// theirs, so it is never changed.
pub fn create_dir_all(base: &Path, dir: &Path) -> io::Result<()> {
    if let Ok(meta) = std::fs::symlink_metadata(dir)
        && meta.is_dir()
    {
        return tighten_dir(dir, meta.permissions().mode());
    }
    if let Some(parent) = dir.parent()
        && parent != base
        && !parent.as_os_str().is_empty()
        && parent.starts_with(base)
    {
        create_dir_all(base, parent)?;
    }
    create_dir(dir).or_else(|e| {
        // Another process made it meanwhile: fine, it is made the same way.
        if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() {
            Ok(())
        } else {
            Err(e)
        }
    })
}

/// Creates the folders of `dir` that are missing, each 0700, and leaves
/// those that exist as they are: for a folder the user named (the
/// emulator's `--state` file's), whose mode is theirs.
pub fn create_missing(dir: &Path) -> io::Result<()> {
    if dir.as_os_str().is_empty() || dir.is_dir() {
        return Ok(());
    }
    let existing = dir
        .ancestors()
        .skip(1)
        .find(|a| a.as_os_str().is_empty() || a.is_dir())
        .unwrap_or(Path::new(""));
    create_dir_all(existing, dir)
}

/// Creates one folder, 0700; fails if it exists (two runs never share one).
pub fn create_dir(dir: &Path) -> io::Result<()> {
    DirBuilder::new().mode(DIR_MODE).create(dir)?;
    std::fs::set_permissions(dir, Permissions::from_mode(DIR_MODE))
}

/// `dir` at 0700 if it has any bit for the group or others (or lacks one of
/// the owner's). A folder that another account owns is left as its owner
/// set it (a team may share one on purpose), with a warning.
fn tighten_dir(dir: &Path, mode: u32) -> io::Result<()> {
    if mode & 0o777 == DIR_MODE {
        return Ok(());
    }
    match std::fs::set_permissions(dir, Permissions::from_mode(DIR_MODE)) {
        Err(e) if e.kind() == io::ErrorKind::PermissionDenied => {
            tracing::warn!(
                "{} is readable by others (mode {:o}) and belongs to another account; it is left as it is",
                dir.display(),
                mode & 0o777
            );
            Ok(())
        }
        other => other,
    }
}

/// Opens `path` for appending, created 0600 if missing; an existing file is
/// tightened to 0600.
pub fn open_append(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .mode(FILE_MODE)
        .open(path)?;
    tighten(&file)?;
    Ok(file)
}

/// Opens `path` for reading and writing, created 0600 if missing, not
/// truncated; an existing file is tightened to 0600.
pub fn open_read_write(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(FILE_MODE)
        .open(path)?;
    tighten(&file)?;
    Ok(file)
}

/// Opens `path` read-only, created 0600 (empty) if missing.
pub fn open_read_create(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .write(false)
        .create(false)
        .open(path);
    match file {
        Ok(file) => Ok(file),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            // `create` needs write access in std's options; make the file
            // with a write handle, then reopen it read-only.
            drop(create_new(path)?);
            OpenOptions::new().read(true).open(path)
        }
        Err(e) => Err(e),
    }
}

/// Creates `path` new (it must not exist), 0600, for writing.
pub fn create_new(path: &Path) -> io::Result<File> {
    let file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(FILE_MODE)
        .open(path)?;
    tighten(&file)?;
    Ok(file)
}

/// Writes `bytes` to `path` whole: to a 0600 file beside it, renamed over
/// `path`, so that a reader never sees half of it and the result is 0600
/// whatever `path` was before.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    use std::io::Write as _;
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    let tmp = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    // A leftover from a crashed writer of this pid would make create_new fail.
    let _ = std::fs::remove_file(&tmp);
    let written = create_new(&tmp).and_then(|mut f| {
        f.write_all(bytes)?;
        f.sync_all()
    });
    match written.and_then(|()| std::fs::rename(&tmp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// The file at 0600, through its handle (no race with a rename of the path).
fn tighten(file: &File) -> io::Result<()> {
    let mode = file.metadata()?.permissions().mode();
    if mode & 0o777 == FILE_MODE {
        return Ok(());
    }
    file.set_permissions(Permissions::from_mode(FILE_MODE))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn folders_are_made_private_below_the_users_folder_only() {
        let tmp = tempfile::tempdir().unwrap();
        let base = tmp.path();
        std::fs::set_permissions(base, Permissions::from_mode(0o755)).unwrap();
        let deep = base.join(".drplan").join("runs").join("r1");
        create_dir_all(base, &deep).unwrap();
        assert_eq!(mode(base), 0o755, "the user's folder keeps its mode");
        assert_eq!(mode(&base.join(".drplan")), 0o700);
        assert_eq!(mode(&base.join(".drplan/runs")), 0o700);
        assert_eq!(mode(&deep), 0o700);
    }

    #[test]
    fn an_existing_open_folder_and_file_are_tightened() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join(".drplan");
        std::fs::create_dir(&dir).unwrap();
        std::fs::set_permissions(&dir, Permissions::from_mode(0o777)).unwrap();
        let file = dir.join("journal.jsonl");
        std::fs::write(&file, "x").unwrap();
        std::fs::set_permissions(&file, Permissions::from_mode(0o666)).unwrap();
        create_dir_all(tmp.path(), &dir).unwrap();
        open_append(&file).unwrap();
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&file), 0o600);
    }

    #[test]
    fn atomic_writes_replace_whole_and_private() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("state.json");
        std::fs::write(&path, "old").unwrap();
        std::fs::set_permissions(&path, Permissions::from_mode(0o644)).unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        assert_eq!(mode(&path), 0o600);
        let left: Vec<_> = std::fs::read_dir(tmp.path()).unwrap().collect();
        assert_eq!(left.len(), 1, "no temporary file is left behind");
    }

    #[test]
    fn a_read_only_handle_creates_an_empty_private_file() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("lease");
        let file = open_read_create(&path).unwrap();
        assert_eq!(file.metadata().unwrap().len(), 0);
        assert_eq!(mode(&path), 0o600);
    }
}
