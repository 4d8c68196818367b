//! npm packages the tests run (Azurite, the SARIF Multitool): a folder of
//! `tests/` with `package.json` and `package-lock.json` in, its
//! `node_modules` installed with `npm ci` on first use out, so `cargo test`
//! works on a fresh checkout of a machine with node and npm.

// A harness that cannot start fails the test by panicking, saying why.
#![allow(clippy::panic)]

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::Command;

/// `tests/<name>`, with `package` installed at the version `package.json`
/// pins (installed again when a checkout moved to another pin).
pub(crate) fn installed(name: &str, package: &str) -> PathBuf {
    let folder = super::root().join("tests").join(name);
    // Every test process takes the lock, even when nothing is missing: a
    // process that looked while another ran `npm ci` could see some of the
    // files and run a half-installed package.
    let lock =
        File::create(PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-npm.lock")))
            .unwrap();
    lock.lock().unwrap();
    if installed_version(&folder, package) != Some(pinned_version(&folder, package)) {
        npm_ci(&folder, package);
    }
    drop(lock);
    folder
}

/// The version `package.json` pins.
fn pinned_version(folder: &Path, package: &str) -> String {
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(folder.join("package.json")).unwrap()).unwrap();
    manifest["dependencies"][package]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The version in `node_modules`, if any.
fn installed_version(folder: &Path, package: &str) -> Option<String> {
    let text = std::fs::read(
        folder
            .join("node_modules")
            .join(package)
            .join("package.json"),
    )
    .ok()?;
    let manifest: serde_json::Value = serde_json::from_slice(&text).ok()?;
    Some(manifest["version"].as_str()?.to_owned())
}

fn npm_ci(folder: &Path, package: &str) {
    let output = Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(folder)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "these tests need {package}, installed with npm, but `npm` did not start ({e}); \
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
