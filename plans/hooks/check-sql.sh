#!/usr/bin/env bash
# check-sql.sh: would confirm that the SQL Server availability group listener
# (--listener NAME) answers in the recovery region and that every database is
# synchronised, e.g. with sqlcmd -S "$listener" -Q "SELECT ...".
#
# Offline stand-in: it touches no network and no Azure; it prints the run
# context and its arguments (context.sh). drplan starts it with argv as
# written in the plan, never through a shell.
set -euo pipefail

name="$(basename "$0" .sh)"
# shellcheck source=context.sh
. "$(dirname "$0")/context.sh"
print_context "${name}" "$@"

echo "${name}: listener check skipped offline; reporting healthy"
exit 0
