#!/usr/bin/env bash
# smoke-test.sh: would request the health pages of the recovered web tier
# and fail the step if any answers with something other than 200.
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

echo "${name}: smoke test skipped offline; reporting passed"
exit 0
