//! Azurite's npm packages: the path of its blob server's entry point out,
//! installed on first use with `npm ci` from `tests/azurite/package-lock.json`,
//! so `cargo test` works on a fresh checkout of a machine with node and npm.

// A harness that cannot start fails the test by panicking, saying why.
#![allow(clippy::panic)]

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The folder with `package.json`, `package-lock.json` and `node_modules`.
fn folder() -> PathBuf {
    super::super::root().join("tests").join("azurite")
}

/// The blob server's entry point, run with `node` directly so that the
/// process started is the server itself (`npx` would start a child).
pub(crate) fn blob_main() -> PathBuf {
    let folder = folder();
    // Every test process takes the lock, even when nothing is missing: a
    // process that looked while another ran `npm ci` could see some of the
    // files and start a half-installed Azurite.
    let lock =
        File::create(PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("azurite-npm.lock")).unwrap();
    lock.lock().unwrap();
    if installed_version(&folder) != Some(pinned_version(&folder)) {
        npm_ci(&folder);
    }
    drop(lock);
    folder.join("node_modules/azurite/dist/src/blob/main.js")
}

/// The version `package.json` pins.
fn pinned_version(folder: &Path) -> String {
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(folder.join("package.json")).unwrap()).unwrap();
    manifest["dependencies"]["azurite"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The version in `node_modules`, if any: a checkout that moved to another
/// pin installs again.
fn installed_version(folder: &Path) -> Option<String> {
    let text = std::fs::read(folder.join("node_modules/azurite/package.json")).ok()?;
    let manifest: serde_json::Value = serde_json::from_slice(&text).ok()?;
    Some(manifest["version"].as_str()?.to_owned())
}

/// `npm ci` in `folder` (a test's pinned npm packages).
pub(crate) fn npm_ci(folder: &Path) {
    let output = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(folder)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "the run-state tests need Azurite, installed with npm, but `npm` did not start ({e}); \
                 install Node.js 20 or later with npm, or run `npm ci` in {}",
                folder.display()
            )
        });
    assert!(
        output.status.success(),
        "`npm ci` in {} failed:\n{}{}",
        folder.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}
