#!/usr/bin/env bash
# warm-cache.sh: would preload the hot keys into the recovered cache nodes
# so the first requests after failover do not all miss and hit the database.
#
# Offline stand-in: it touches no network and no Azure; it prints the run
# context and its arguments (context.sh). drplan starts it with argv as
# written in the plan, never through a shell.
set -euo pipefail

name="$(basename "$0" .sh)"
# shellcheck source=context.sh
. "$(dirname "$0")/context.sh"
print_context "${name}" "$@"

echo "${name}: cache warm-up skipped offline; reporting done"
exit 0
