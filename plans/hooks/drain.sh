#!/usr/bin/env bash
# drain.sh: would take the servers of the group out of the load balancer
# and wait for open sessions to finish before they fail back.
#
# Offline stand-in: it touches no network and no Azure; it prints the run
# context and its arguments (context.sh). drplan starts it with argv as
# written in the plan, never through a shell.
set -euo pipefail

name="$(basename "$0" .sh)"
# shellcheck source=context.sh
. "$(dirname "$0")/context.sh"
print_context "${name}" "$@"

echo "${name}: drain skipped offline; reporting drained"
exit 0
