#!/usr/bin/env bash
# Checks the Vim files in real Vim: file type detection, the file type
# plugin's settings and the highlight group of chosen words in
# test/sample.drplan (expectations in test/syntax.vim).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
here="$(pwd)"
command -v vim >/dev/null || { echo "test.sh: vim not found" >&2; exit 2; }
result="$(mktemp)"
trap 'rm -f "$result"' EXIT
# -u NONE skips the user's vimrc; the runtime path holds only Vim's own
# files and this folder, as after a plugin manager installed it.
status=0
DRPLAN_VIM_RESULT="$result" vim -N -u NONE -i NONE -n -E -s \
  --cmd "set runtimepath^=$here" \
  -c 'filetype plugin on' -c 'syntax on' -c 'edit test/sample.drplan' \
  -S "$here/test/syntax.vim" -c 'cquit!' -- </dev/null >/dev/null 2>&1 || status=$?
if [[ $status -ne 0 ]] || [[ -s "$result" ]]; then
  echo "vim syntax test failed (vim exit $status):" >&2
  cat "$result" >&2
  exit 1
fi
echo "vim: ok ($(grep -c "^      \\\\ \\[" "$here/test/syntax.vim") highlight checks)"
