#!/usr/bin/env bash
# CI entry point for the VS Code extension: install exactly the locked
# dependencies, run the grammar, manifest and client tests, and build the
# .vsix. The client test talks to `drplan lsp`: DRPLAN names the binary
# (default: debug/drplan in the repository's target directory, or in
# $CARGO_TARGET_DIR when set; built if missing).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
repo="$(cd ../.. && pwd)"
if [[ -z "${DRPLAN:-}" ]]; then
  DRPLAN="${CARGO_TARGET_DIR:-$repo/target}/debug/drplan"
  [[ -x "$DRPLAN" ]] || cargo build --quiet --manifest-path "$repo/Cargo.toml"
fi
export DRPLAN
npm ci --no-audit --no-fund
npm test
npm run package
