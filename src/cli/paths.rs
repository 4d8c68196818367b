//! Plan paths: command-line paths in (files and folders), the `*.drplan`
//! files they mean out, sorted, plus reading a file with a clear error.

use std::path::{Path, PathBuf};

use crate::source::SourceFile;

/// Expands folders to the `*.drplan` files below them (skipping hidden
/// folders such as `.git` and `.drplan`, and `target`, `node_modules`).
pub(super) fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let defaults = [PathBuf::from(".")];
    let paths = if paths.is_empty() {
        &defaults[..]
    } else {
        paths
    };
    let mut out = Vec::new();
    for path in paths {
        let meta = std::fs::metadata(path)
            .map_err(|e| format!("cannot read `{}`: {}", path.display(), io_reason(&e)))?;
        if meta.is_dir() {
            let before = out.len();
            walk(path, &mut out).map_err(|e| {
                format!("cannot read folder `{}`: {}", path.display(), io_reason(&e))
            })?;
            if out.len() == before {
                return Err(format!("no `*.drplan` files in `{}`", path.display()));
            }
        } else {
            out.push(path.clone());
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if path.is_dir() {
            if !name.starts_with('.') && name != "target" && name != "node_modules" {
                walk(&path, out)?;
            }
        } else if path.extension().is_some_and(|e| e == "drplan") {
            out.push(path);
        }
    }
    Ok(())
}

/// Reads a plan file.
pub(super) fn read(path: &Path) -> Result<SourceFile, String> {
    let bytes = std::fs::read(path)
        .map_err(|e| format!("cannot read `{}`: {}", path.display(), io_reason(&e)))?;
    if u32::try_from(bytes.len()).is_err() {
        return Err(format!(
            "`{}` is larger than 4 GiB; a plan file cannot be",
            path.display()
        ));
    }
    let text = String::from_utf8(bytes).map_err(|e| {
        format!(
            "`{}` is not UTF-8 text (invalid byte at offset {})",
            path.display(),
            e.utf8_error().valid_up_to()
        )
    })?;
    Ok(SourceFile::new(path, text))
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or folder".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}
