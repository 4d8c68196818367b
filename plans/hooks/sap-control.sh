#!/usr/bin/env bash
# sap-control.sh: would call sapcontrol with the function given as the first
# argument (e.g. GetProcessList) for --sid SID --instance NR and fail
# unless every process of the instance is GREEN.
#
# Offline stand-in: it touches no network and no Azure. It prints the run
# context drplan passes to every script hook (DRPLAN_* environment variables)
# and the arguments it was started with, one per line and quoted, so a
# rehearsal shows exactly what the real check would receive. drplan starts it
# with argv as written in the plan, never through a shell.
set -euo pipefail

name="$(basename "$0" .sh)"

echo "${name}: ${DRPLAN_OPERATION:-manual run} of group ${DRPLAN_GROUP:-?} in plan ${DRPLAN_PLAN:-?}"
for var in DRPLAN_RUN_ID DRPLAN_PLAN DRPLAN_OPERATION DRPLAN_DIRECTION \
  DRPLAN_GROUP DRPLAN_VMS DRPLAN_PRIMARY DRPLAN_RECOVERY; do
  printf '  %-17s %s\n' "${var}" "${!var:-<unset>}"
done

printf '  %d argument(s)\n' "$#"
i=0
for arg in "$@"; do
  i=$((i + 1))
  printf '  arg %d: %q\n' "${i}" "${arg}"
done

echo "${name}: sapcontrol call skipped offline; reporting GREEN"
exit 0
