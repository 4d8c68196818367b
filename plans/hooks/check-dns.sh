#!/usr/bin/env bash
# check-dns.sh: would resolve the SAP virtual host names (--zone ZONE) against
# the recovered DNS server (--server HOST) and fail if any name is missing
# or still points into the primary region.
#
# Offline stand-in: it touches no network and no Azure; it prints the run
# context and its arguments (context.sh). drplan starts it with argv as
# written in the plan, never through a shell.
set -euo pipefail

name="$(basename "$0" .sh)"
# shellcheck source=context.sh
. "$(dirname "$0")/context.sh"
print_context "${name}" "$@"

echo "${name}: DNS lookups skipped offline; reporting resolved"
exit 0
