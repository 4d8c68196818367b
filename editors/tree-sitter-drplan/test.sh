#!/usr/bin/env bash
# Checks the tree-sitter grammar: regenerates the parser, runs the corpus
# tests, compiles every query, and parses every plan under plans/ (and the checker's and the
# formatter's valid fixtures), failing on any ERROR or MISSING node.
#
# Needs the tree-sitter CLI (`cargo install tree-sitter-cli --locked`), a C
# compiler and Node.js (tree-sitter generate evaluates grammar.js with node).
# Run from anywhere: ./editors/tree-sitter-drplan/test.sh
#
# CHECK_GENERATED=1 additionally fails when the committed src/ differs from
# what `tree-sitter generate` produces (run it in CI so src/parser.c stays
# in sync with grammar.js).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$here"

command -v tree-sitter >/dev/null || {
  echo "test.sh: tree-sitter CLI not found (cargo install tree-sitter-cli --locked)" >&2
  exit 2
}

echo "== tree-sitter $(tree-sitter --version)"
# ABI 14: loadable by Neovim 0.10+, Helix 24.x+ and Zed (ABI 15 needs Neovim 0.11).
tree-sitter generate --abi 14
if [[ "${CHECK_GENERATED:-0}" == 1 ]] && command -v git >/dev/null; then
  if ! git -C "$here" diff --quiet -- src; then
    echo "test.sh: src/ is out of date: run tree-sitter generate --abi 14 and commit src/" >&2
    git -C "$here" diff --stat -- src >&2
    exit 1
  fi
fi

echo "== corpus"
tree-sitter test

echo "== queries"
# `tree-sitter test` compiles queries/*.scm but not Helix's copies, and
# nothing else shows that a fold, indent or locals query matches anything.
# Each must compile against the grammar and capture something in the plan
# with every form.
every_form="$repo/plans/sap-estate.drplan"
for query in queries/*.scm queries/helix/*.scm; do
  if ! captures="$(tree-sitter query "$query" "$every_form" 2>&1)"; then
    echo "FAIL $query"
    grep -E 'error|Error' <<<"$captures" | head -5
    exit 1
  fi
  count="$(grep -c 'capture:' <<<"$captures" || true)"
  if ((count == 0)); then
    echo "FAIL $query captures nothing in ${every_form#"$repo"/}"
    exit 1
  fi
  echo "ok   $query ($count captures)"
done

echo "== plans"
shopt -s nullglob
plans=("$repo"/plans/*.drplan)
if ((${#plans[@]} == 0)); then
  echo "test.sh: no plans in $repo/plans" >&2
  exit 1
fi
# The checker's valid fixtures and the formatter's fixtures must parse too.
plans+=("$repo"/tests/fixtures/check/ok/*.drplan "$repo"/tests/fixtures/fmt/*.drplan)
failed=0
for plan in "${plans[@]}"; do
  # The whole tree, so a failure shows where; stderr only carries the CLI's
  # "no parser directories" notice. tree-sitter parse exits non-zero on an
  # ERROR node; MISSING nodes are searched for as well.
  if tree="$(tree-sitter parse "$plan" 2>/dev/null)" && ! grep -qE '\((ERROR|MISSING)' <<<"$tree"; then
    echo "ok   ${plan#"$repo"/}"
  else
    echo "FAIL ${plan#"$repo"/}"
    grep -nE '\((ERROR|MISSING)' <<<"$tree" || printf '%s\n' "$tree" | tail -20
    failed=1
  fi
done
exit "$failed"
