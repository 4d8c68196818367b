#!/bin/sh
# CI entry point for the VS Code extension: install exactly the locked
# dependencies, run the grammar and manifest tests, and build the .vsix.
set -eu
cd "$(dirname "$0")"
npm ci --no-audit --no-fund
npm test
npm run package
