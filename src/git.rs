//! What git knows about a plan file, read by running `git` (drplan links no
//! git library: the repository is the user's, and their `git` already knows
//! its configuration, worktrees and safe directories). In: a plan file's
//! path, or a `REV:PATH` a user typed. Out: the commit holding the file and
//! whether the file differs from it, or the file's text at a revision, or a
//! typed [`GitError`] that says what to do.

use std::path::{Path, PathBuf};
use std::process::Command;

/// Why git could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GitError {
    /// No `git` program on the PATH.
    #[error("git is not installed (or not on the PATH); install git to compare revisions")]
    NotInstalled,
    /// The folder is in no repository.
    #[error("{} is not in a git repository", .0.display())]
    NotARepository(PathBuf),
    /// The revision names nothing.
    #[error(
        "git knows no revision `{rev}`; name a branch, tag or commit (`git log --oneline` lists commits)"
    )]
    UnknownRevision {
        /// What was typed.
        rev: String,
    },
    /// The revision has no such file.
    #[error(
        "revision `{rev}` has no file `{path}`; paths are from the repository's top folder, or start with `./` for the current folder"
    )]
    NoSuchPath {
        /// The revision.
        rev: String,
        /// The path.
        path: String,
    },
    /// Anything else git said.
    #[error("git failed: {0}")]
    Failed(String),
}

/// The commit a file was read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileCommit {
    /// The full commit id of `HEAD`.
    pub commit: String,
    /// Whether the file differs from `HEAD` (changed, staged or untracked).
    pub dirty: bool,
}

/// Runs git in `dir`: its stdout, or [`GitError::Failed`] with what git
/// said when it exits with an error.
fn git(dir: &Path, args: &[&str]) -> Result<String, GitError> {
    let out = Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(args)
        // Never ask for credentials or open a pager: drplan runs in CI.
        .env("GIT_TERMINAL_PROMPT", "0")
        .env("GIT_PAGER", "cat")
        .output()
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => GitError::NotInstalled,
            _ => GitError::Failed(e.to_string()),
        })?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(GitError::Failed(
            String::from_utf8_lossy(&out.stderr).trim().to_string(),
        ))
    }
}

/// The folder holding `file` (the current folder for a bare file name).
fn folder_of(file: &Path) -> PathBuf {
    match file.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The commit `HEAD` of the repository holding `file`, and whether the file
/// differs from it; `Ok(None)` when the file is in no repository (or the
/// repository has no commit yet).
pub fn commit_of(file: &Path) -> Result<Option<FileCommit>, GitError> {
    let dir = folder_of(file);
    let commit = match git(&dir, &["rev-parse", "--verify", "--quiet", "HEAD"]) {
        Ok(out) => out.trim().to_string(),
        // Not a repository, or one without a commit yet.
        Err(GitError::Failed(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    if commit.is_empty() {
        return Ok(None);
    }
    let name = file
        .file_name()
        .map_or_else(|| file.as_os_str().to_owned(), ToOwned::to_owned);
    let name = name.to_string_lossy();
    let status = git(&dir, &["status", "--porcelain", "--", &name])?;
    Ok(Some(FileCommit {
        commit,
        dirty: !status.trim().is_empty(),
    }))
}

/// A side of a comparison as typed: a file, or `REV:PATH`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Side {
    /// A file on disk.
    File(PathBuf),
    /// A file at a git revision.
    Revision {
        /// The revision (`main`, `HEAD~1`, a commit id).
        rev: String,
        /// The path, as git reads it after the colon.
        path: String,
    },
}

impl Side {
    /// Reads `text`: an existing file is a file (even with a colon in its
    /// name), else `REV:PATH` when it has a colon, else a file.
    pub fn parse(text: &str) -> Side {
        let as_file = PathBuf::from(text);
        if as_file.exists() {
            return Side::File(as_file);
        }
        match text.split_once(':') {
            // `C:\…` is a Windows path, not the revision `C`.
            Some((rev, path)) if !rev.is_empty() && !path.is_empty() && rev.len() > 1 => {
                Side::Revision {
                    rev: rev.to_string(),
                    path: path.to_string(),
                }
            }
            _ => Side::File(as_file),
        }
    }

    /// How messages name it.
    pub fn label(&self) -> String {
        match self {
            Side::File(p) => p.display().to_string(),
            Side::Revision { rev, path } => format!("{rev}:{path}"),
        }
    }
}

/// The text of `path` at `rev`, with git's meaning of the path: from the
/// repository's top folder, or from the current folder when it starts with
/// `./` or `../`.
pub fn show(rev: &str, path: &str) -> Result<String, GitError> {
    let here = Path::new(".");
    if let Err(GitError::Failed(_)) = git(here, &["rev-parse", "--git-dir"]) {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        return Err(GitError::NotARepository(cwd));
    }
    let commit = format!("{rev}^{{commit}}");
    if let Err(GitError::Failed(_)) = git(here, &["rev-parse", "--verify", "--quiet", &commit]) {
        return Err(GitError::UnknownRevision {
            rev: rev.to_string(),
        });
    }
    let object = format!("{rev}:{path}");
    match git(here, &["show", &object]) {
        Ok(text) => Ok(text),
        Err(GitError::Failed(message))
            if message.contains("does not exist") || message.contains("exists on disk") =>
        {
            Err(GitError::NoSuchPath {
                rev: rev.to_string(),
                path: path.to_string(),
            })
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::Side;

    #[test]
    fn sides_are_files_unless_they_name_a_revision() {
        assert_eq!(
            Side::parse("main:plans/a.drplan"),
            Side::Revision {
                rev: "main".into(),
                path: "plans/a.drplan".into()
            }
        );
        assert_eq!(
            Side::parse("no-such.drplan"),
            Side::File("no-such.drplan".into())
        );
        assert_eq!(
            Side::parse("C:\\a.drplan"),
            Side::File("C:\\a.drplan".into())
        );
        assert_eq!(Side::parse(":x"), Side::File(":x".into()));
    }
}
