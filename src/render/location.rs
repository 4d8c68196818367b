//! Where a diagnostic points, as CI tools want it: a label's byte span in, a
//! region of 1-based lines and UTF-16 columns out (SARIF's default column
//! kind, and how GitHub's web pages count); a plan's path in, the path
//! relative to the current folder (forward slashes) out when it lies there.

use std::path::{Component, Path, PathBuf};

use crate::source::LineIndex;

/// A span as CI tools count: 1-based lines and UTF-16 columns; the end
/// column is the one just past the last character.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Region {
    pub(super) start_line: usize,
    pub(super) start_column: usize,
    pub(super) end_line: usize,
    pub(super) end_column: usize,
}

/// The region of `len` bytes at `offset` of `text`.
pub(super) fn region(text: &str, index: &LineIndex, offset: usize, len: usize) -> Region {
    let (start_line, start_column) = index.utf16(text, offset);
    let (end_line, end_column) = index.utf16(text, offset.saturating_add(len));
    let one_based = |n: u32| n as usize + 1;
    Region {
        start_line: one_based(start_line),
        start_column: one_based(start_column),
        end_line: one_based(end_line),
        end_column: one_based(end_column),
    }
}

/// A plan's path as CI tools name files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum CiPath {
    /// Inside the current folder: relative to it, with forward slashes.
    Relative(String),
    /// Outside it (or the current folder is unknown): absolute.
    Absolute(PathBuf),
}

impl CiPath {
    /// The path as GitHub's `file=` property takes it.
    pub(super) fn display(&self) -> String {
        match self {
            CiPath::Relative(path) => path.clone(),
            CiPath::Absolute(path) => path.to_string_lossy().replace('\\', "/"),
        }
    }
}

/// Names `path` relative to `cwd` when it lies inside it. `<stdin>` (a
/// relative name) stays as it is.
pub(super) fn ci_path(path: &Path, cwd: Option<&Path>) -> CiPath {
    if path.is_relative() && !path.components().any(|c| c == Component::ParentDir) {
        return CiPath::Relative(slashed(path));
    }
    let Some(cwd) = cwd else {
        return CiPath::Absolute(path.to_path_buf());
    };
    let absolute = normalize(&cwd.join(path));
    match absolute.strip_prefix(normalize(cwd)) {
        Ok(inside) => CiPath::Relative(slashed(inside)),
        Err(_) => CiPath::Absolute(absolute),
    }
}

/// The normal components of a relative path joined with `/` (`./a/b` is `a/b`).
fn slashed(path: &Path) -> String {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(part) => Some(part.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

/// `a/./b/../c` as `a/c`, without asking the file system (a plan's path
/// need not resolve through symbolic links to be named).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_count_utf16_units_and_end_past_the_last_character() {
        let text = "a😀b\ncd";
        let index = LineIndex::new(text);
        let b = text.find('b').unwrap();
        assert_eq!(
            region(text, &index, b, 3),
            Region {
                start_line: 1,
                start_column: 4,
                end_line: 2,
                end_column: 2
            }
        );
    }

    #[test]
    fn paths_are_relative_to_the_current_folder_when_inside_it() {
        let cwd = Path::new("/repo");
        let rel = |p: &str| ci_path(Path::new(p), Some(cwd));
        assert_eq!(
            rel("./plans/a.drplan"),
            CiPath::Relative("plans/a.drplan".into())
        );
        assert_eq!(
            rel("/repo/plans/a.drplan"),
            CiPath::Relative("plans/a.drplan".into())
        );
        assert_eq!(
            rel("plans/../b.drplan"),
            CiPath::Relative("b.drplan".into())
        );
        assert_eq!(rel("<stdin>"), CiPath::Relative("<stdin>".into()));
        assert_eq!(
            rel("../other/c.drplan"),
            CiPath::Absolute(PathBuf::from("/other/c.drplan"))
        );
        assert_eq!(
            ci_path(Path::new("/x/d.drplan"), None),
            CiPath::Absolute(PathBuf::from("/x/d.drplan"))
        );
    }
}
