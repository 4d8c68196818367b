//! Azurite's npm packages: the path of its blob server's entry point out,
//! installed on first use with `npm ci` from `tests/azurite/package-lock.json`
//! (see [`crate::support::npm`]).

use std::path::PathBuf;

/// The blob server's entry point, run with `node` directly so that the
/// process started is the server itself (`npx` would start a child).
pub(crate) fn blob_main() -> PathBuf {
    super::super::npm::installed("azurite", "azurite")
        .join("node_modules/azurite/dist/src/blob/main.js")
}
