# Sourced by the example hooks (not a hook itself): prints the run context
# drplan passes to every script hook (DRPLAN_* environment variables) and the
# arguments the hook was started with, one per line and quoted, so a rehearsal
# shows exactly what a real check would receive.
print_context() {
  local name="$1"
  shift
  echo "${name}: ${DRPLAN_OPERATION:-manual run} of group ${DRPLAN_GROUP:-?} in plan ${DRPLAN_PLAN:-?}"
  local var
  for var in DRPLAN_RUN_ID DRPLAN_PLAN DRPLAN_OPERATION DRPLAN_DIRECTION \
    DRPLAN_GROUP DRPLAN_VMS DRPLAN_PRIMARY DRPLAN_RECOVERY; do
    printf '  %-17s %s\n' "${var}" "${!var:-<unset>}"
  done
  printf '  %d argument(s)\n' "$#"
  local i=0 arg
  for arg in "$@"; do
    i=$((i + 1))
    printf '  arg %d: %q\n' "${i}" "${arg}"
  done
}
