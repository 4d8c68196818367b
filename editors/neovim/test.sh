#!/usr/bin/env bash
# Checks editors/neovim in real Neovim (0.7 or newer), headless: the drplan
# language server driven by Neovim's own LSP client (test/lsp.lua).
# DRPLAN names the drplan binary (default: target/debug/drplan, or under
# $CARGO_TARGET_DIR when set; built if missing).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
here="$(pwd)"
repo="$(cd ../.. && pwd)"
command -v nvim >/dev/null || { echo "test.sh: nvim not found" >&2; exit 2; }
drplan="${DRPLAN:-${CARGO_TARGET_DIR:-$repo/target}/debug/drplan}"
if [[ -z "${DRPLAN:-}" && ! -x "$drplan" ]]; then
  cargo build --quiet --manifest-path "$repo/Cargo.toml"
fi
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
# A formatted plan with one mistake: `needs dbb`.
cat >"$scratch/shop.drplan" <<'PLAN'
plan shop {
  vault simulator
  primary "westeurope"
  recovery "northeurope"

  group db {
    vm db-01, db-02
  }

  group app needs dbb {
    vm app-01
  }
}
PLAN
status=0
DRPLAN="$drplan" DRPLAN_PLAN="$scratch/shop.drplan" DRPLAN_RESULT="$scratch/result" \
  nvim --headless -u NONE -i NONE -n --cmd "set runtimepath^=$here" \
  -c "luafile $here/test/lsp.lua" </dev/null >"$scratch/out" 2>&1 || status=$?
if [[ $status -ne 0 ]] || [[ -s "$scratch/result" ]] || [[ ! -e "$scratch/result" ]]; then
  echo "neovim LSP test failed (nvim exit $status):" >&2
  cat "$scratch/result" "$scratch/out" >&2 2>/dev/null || true
  exit 1
fi
echo "neovim: ok ($(nvim --version | head -1), drplan lsp through Neovim's LSP client)"
