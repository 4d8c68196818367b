//! Plan paths: command-line paths in (files and folders), the `*.drplan`
//! files they mean out, sorted, plus reading a file with a clear error.

use std::path::{Path, PathBuf};

use crate::source::SourceFile;

/// How far a walk over folders goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Walk {
    /// Descend through symbolic links to folders (`--follow`); loops are
    /// detected either way.
    pub(super) follow: bool,
    /// Folders below the given one that may be entered (`None`: any).
    pub(super) max_depth: Option<usize>,
    /// Stay on the given folder's file system (as `find -xdev`).
    pub(super) same_device: bool,
    /// Folders that may be read in all (`None`: any).
    pub(super) max_dirs: Option<usize>,
}

impl Walk {
    /// `check` and `fmt`: every plan below the folders named, through no link.
    pub(super) const PLANS: Walk = Walk {
        follow: false,
        max_depth: None,
        same_device: false,
        max_dirs: None,
    };

    /// `runs`, `resume` and `approve`, which look for run stores below the
    /// current folder by default: `drplan runs` typed in `/` or a home
    /// folder must answer at once, not read the whole disk.
    pub(super) const RUNS: Walk = Walk {
        follow: false,
        max_depth: Some(RUNS_DEPTH),
        same_device: true,
        max_dirs: Some(RUNS_DIRS),
    };
}

/// How deep `runs` looks below a folder.
pub(super) const RUNS_DEPTH: usize = 4;
/// How many folders `runs` reads at most below one folder.
pub(super) const RUNS_DIRS: usize = 2_000;

/// The plans a walk found, and why it stopped early if it did.
#[derive(Debug, Default)]
pub(super) struct Found {
    pub(super) files: Vec<PathBuf>,
    /// What was left unread, for a note to the user.
    pub(super) cut: Option<String>,
}

/// Why paths could not be read or expanded.
#[derive(Debug, thiserror::Error)]
pub(super) enum PathError {
    /// A path (or a folder named on the command line) cannot be read.
    #[error("cannot read {}`{}`: {}", if *.folder { "folder " } else { "" }, path.display(), reason(source))]
    Unreadable {
        path: PathBuf,
        folder: bool,
        #[source]
        source: std::io::Error,
    },
    /// A folder named on the command line holds no plan.
    #[error("no `*.drplan` files in `{}`", .0.display())]
    NoPlans(PathBuf),
    /// A file past what spans can address.
    #[error("`{}` is larger than 4 GiB; a plan file cannot be", .0.display())]
    TooLarge(PathBuf),
    /// A file that is not text.
    #[error("`{}` is not UTF-8 text (invalid byte at offset {offset})", path.display())]
    NotUtf8 { path: PathBuf, offset: usize },
}

/// Expands folders to the `*.drplan` files below them (skipping hidden
/// folders such as `.git` and `.drplan`, and `target`, `node_modules`);
/// links to folders are entered only with `follow` (`--follow`).
pub(super) fn expand(paths: &[PathBuf], follow: bool) -> Result<Vec<PathBuf>, PathError> {
    let walk = Walk {
        follow,
        ..Walk::PLANS
    };
    expand_with(paths, walk).map(|found| found.files)
}

/// [`expand`], as far as `walk` allows.
pub(super) fn expand_with(paths: &[PathBuf], walk: Walk) -> Result<Found, PathError> {
    let defaults = [PathBuf::from(".")];
    let paths = if paths.is_empty() {
        &defaults[..]
    } else {
        paths
    };
    let mut out = Found::default();
    for path in paths {
        let meta = std::fs::metadata(path).map_err(|source| PathError::Unreadable {
            path: path.clone(),
            folder: false,
            source,
        })?;
        if meta.is_dir() {
            let before = out.files.len();
            let cut = walk_dir(path, &meta, walk, &mut out.files).map_err(|source| {
                PathError::Unreadable {
                    path: path.clone(),
                    folder: true,
                    source,
                }
            })?;
            out.cut = out.cut.or(cut);
            if out.files.len() == before && walk.max_depth.is_none() {
                return Err(PathError::NoPlans(path.clone()));
            }
        } else {
            out.files.push(path.clone());
        }
    }
    Ok(out)
}

/// The `*.drplan` files below `root`, in path order, each folder read once
/// (by device and inode, so no link or bind mount can make it loop).
fn walk_dir(
    root: &Path,
    meta: &std::fs::Metadata,
    walk: Walk,
    out: &mut Vec<PathBuf>,
) -> std::io::Result<Option<String>> {
    use std::os::unix::fs::MetadataExt;
    let mut walker = Walker {
        root,
        walk,
        device: meta.dev(),
        seen: std::collections::HashSet::from([(meta.dev(), meta.ino())]),
        read: 0,
        cut: None,
    };
    walker.dir(root, 0, out)?;
    Ok(walker.cut)
}

/// One walk's state: the folders seen and read so far.
struct Walker<'a> {
    root: &'a Path,
    walk: Walk,
    device: u64,
    seen: std::collections::HashSet<(u64, u64)>,
    read: usize,
    cut: Option<String>,
}

impl Walker<'_> {
    fn dir(&mut self, dir: &Path, depth: usize, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
        use std::os::unix::fs::MetadataExt;
        if self.walk.max_dirs.is_some_and(|max| self.read >= max) {
            let root = self.root.display();
            let read = self.read;
            self.cut.get_or_insert_with(|| {
                format!("stopped after reading {read} folders below `{root}`")
            });
            return Ok(());
        }
        self.read += 1;
        let entries = match std::fs::read_dir(dir) {
            Ok(entries) => entries,
            // The folder named on the command line must be readable; one
            // below it that is not (another account's) is passed over.
            Err(e) if depth > 0 => {
                tracing::debug!("{}: {e}", dir.display());
                return Ok(());
            }
            Err(e) => return Err(e),
        };
        let mut entries: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        entries.sort();
        for path in entries {
            // The entry itself: a link is not followed here.
            let Ok(own) = std::fs::symlink_metadata(&path) else {
                continue;
            };
            let is_link = own.file_type().is_symlink();
            // Whether a link leads to a folder or a file; whether such a
            // folder is entered is `follow`'s to say.
            let Ok(target) = (if is_link {
                std::fs::metadata(&path)
            } else {
                Ok(own)
            }) else {
                continue;
            };
            if !target.is_dir() {
                if path.extension().is_some_and(|e| e == "drplan") {
                    out.push(path);
                }
                continue;
            }
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            if name.starts_with('.') || name == "target" || name == "node_modules" {
                continue;
            }
            if (is_link && !self.walk.follow)
                || (self.walk.same_device && target.dev() != self.device)
            {
                continue;
            }
            if let Some(max) = self.walk.max_depth
                && depth >= max
            {
                let root = self.root.display();
                self.cut.get_or_insert_with(|| {
                    format!("did not look more than {max} folders deep below `{root}`")
                });
                continue;
            }
            if self.seen.insert((target.dev(), target.ino())) {
                self.dir(&path, depth + 1, out)?;
            }
        }
        Ok(())
    }
}

/// Reads a plan file.
pub(super) fn read(path: &Path) -> Result<SourceFile, PathError> {
    let bytes = std::fs::read(path).map_err(|source| PathError::Unreadable {
        path: path.to_path_buf(),
        folder: false,
        source,
    })?;
    if u32::try_from(bytes.len()).is_err() {
        return Err(PathError::TooLarge(path.to_path_buf()));
    }
    let text = String::from_utf8(bytes).map_err(|e| PathError::NotUtf8 {
        path: path.to_path_buf(),
        offset: e.utf8_error().valid_up_to(),
    })?;
    Ok(SourceFile::new(path, text))
}

fn reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or folder".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}
