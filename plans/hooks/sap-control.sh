#!/usr/bin/env bash
# sap-control.sh: would call sapcontrol with the function given as the first
# argument (e.g. GetProcessList) for --sid SID --instance NR and fail
# unless every process of the instance is GREEN.
#
# Offline stand-in: it touches no network and no Azure; it prints the run
# context and its arguments (context.sh). drplan starts it with argv as
# written in the plan, never through a shell.
set -euo pipefail

name="$(basename "$0" .sh)"
# shellcheck source=context.sh
. "$(dirname "$0")/context.sh"
print_context "${name}" "$@"

echo "${name}: sapcontrol call skipped offline; reporting GREEN"
exit 0
