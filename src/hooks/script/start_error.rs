//! Why a script did not start: the plan's path, the program and the
//! operating system's error in; one sentence that points at the fix out.
//!
//! The kernel says ENOENT both for a missing script and for a missing
//! interpreter on the script's `#!` line, and the latter is the puzzling
//! one: a Windows line ending after the interpreter's name, a Python that is
//! not installed on the runner.

use std::path::Path;

use crate::printable::printable_line;

/// Why `program` (the plan's `path`) did not start, in words that point at
/// the fix.
pub(super) fn why_not_started(path: &str, program: &Path, e: &std::io::Error) -> String {
    let base = format!("could not start script `{path}`");
    if e.kind() == std::io::ErrorKind::NotFound
        && program.is_file()
        && let Some(line) = interpreter_line(program)
    {
        let shown = printable_line(&line);
        let interpreter = line
            .trim_start_matches("#!")
            .split_whitespace()
            .next()
            .unwrap_or_default()
            .to_owned();
        if line.ends_with('\r') {
            return format!(
                "{base}: its first line `{shown}` ends with a carriage return (Windows line endings), so the interpreter `{}` is not found; convert the script to Unix line endings",
                printable_line(interpreter.trim_end_matches('\r'))
            );
        }
        return format!(
            "{base}: the interpreter `{}` named on its first line (`{shown}`) does not exist; install it or correct the line",
            printable_line(&interpreter)
        );
    }
    if e.raw_os_error() == Some(nix::libc::ENOEXEC) {
        return format!(
            "{base}: it is not a program the system can run; start it with a `#!` line naming its interpreter (e.g. `#!/bin/sh`)"
        );
    }
    format!("{base}: {e}")
}

/// The script's first line, if it starts with `#!` (at most a few hundred
/// bytes are read).
fn interpreter_line(program: &Path) -> Option<String> {
    use std::io::Read as _;
    let mut head = [0u8; 256];
    let n = std::fs::File::open(program).ok()?.read(&mut head).ok()?;
    let head = &head[..n];
    if !head.starts_with(b"#!") {
        return None;
    }
    let end = head.iter().position(|b| *b == b'\n').unwrap_or(head.len());
    Some(String::from_utf8_lossy(&head[..end]).into_owned())
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt;

    use super::*;

    fn script(dir: &Path, body: &[u8]) -> std::path::PathBuf {
        let path = dir.join("s.sh");
        std::fs::write(&path, body).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        path
    }

    fn not_found() -> std::io::Error {
        std::io::Error::from(std::io::ErrorKind::NotFound)
    }

    #[test]
    fn a_missing_interpreter_and_a_windows_line_ending_are_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = script(dir.path(), b"#!/no/such/bash -e\necho\n");
        assert_eq!(
            why_not_started("s.sh", &path, &not_found()),
            "could not start script `s.sh`: the interpreter `/no/such/bash` named on its first line (`#!/no/such/bash -e`) does not exist; install it or correct the line"
        );
        let path = script(dir.path(), b"#!/bin/sh\r\necho\r\n");
        assert!(
            why_not_started("s.sh", &path, &not_found())
                .contains("`#!/bin/sh\\r` ends with a carriage return")
        );
    }

    #[test]
    fn a_missing_script_and_a_script_without_interpreter_say_so() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("gone.sh");
        assert_eq!(
            why_not_started("gone.sh", &missing, &not_found()),
            format!("could not start script `gone.sh`: {}", not_found())
        );
        let path = script(dir.path(), b"echo hi\n");
        let enoexec = std::io::Error::from_raw_os_error(nix::libc::ENOEXEC);
        assert!(why_not_started("s.sh", &path, &enoexec).contains("start it with a `#!` line"),);
    }
}
