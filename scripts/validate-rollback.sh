#!/usr/bin/env bash
# Exits 0 only if the live flags match the expected rolled-back state and the service is healthy.
set -euo pipefail
. "$(dirname "$0")/lib/admin-api.sh"

usage() {
  cat <<USAGE
Usage: $(basename "$0") [--phase=N [--features=a,b]]

With --phase=N: expects phase N and every later phase rolled back (their flags at phase N-1
values), or with --features only those features. Without it: expects the live flags to be exactly
the recorded rollout phase's values for every later phase's flags.
Health: GET /healthz and GET /readyz must answer 200.

Environment: DEALERSCOPE_URL (default http://127.0.0.1:8080), ADMIN_TOKEN (required).
Exit codes: 0 rolled back and healthy; 1 flags do not match or the service is unhealthy; 2 usage;
3 service unreachable or token not accepted.
USAGE
}

PHASE=""
FEATURES=""
for arg in "$@"; do
  case "$arg" in
    --phase=*) PHASE="${arg#*=}" ;;
    --features=*) FEATURES="${arg#*=}" ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "$EXIT_USAGE" "unknown argument: $arg" ;;
  esac
done
[ -z "$PHASE" ] || valid_phase "$PHASE" || die "$EXIT_USAGE" "--phase=N needs N in 1-4"
[ -z "$FEATURES" ] || [ -n "$PHASE" ] || die "$EXIT_USAGE" "--features needs --phase"
require_tools

failed=0
for probe in /healthz /readyz; do
  api GET "$probe"
  [ "$API_STATUS" != 000 ] || die "$EXIT_UNREACHABLE" "cannot reach ${BASE_URL}: ${API_ERROR}"
  if [ "$API_STATUS" = 200 ]; then echo "healthy: $probe 200"; else echo "UNHEALTHY: $probe answered $API_STATUS $API_BODY" >&2; failed=1; fi
done

if [ -z "$PHASE" ]; then
  api_ok GET /admin/feature-flags
  current=$(echo "$API_BODY" | jq -r 'if .phaseRecorded == false then null else .phase end')
  [ "$current" != null ] || die "$EXIT_FAILED" "no rollout phase is recorded; say which state to expect with --phase=N"
  if [ "$current" -ge 4 ]; then echo "phase 4 recorded: nothing is rolled back"; exit "$failed"; fi
  PHASE=$((current + 1))
fi
expected=$(expected_for "$PHASE" "$FEATURES")
if check_flags "$expected"; then
  echo "flags match: phase $PHASE${FEATURES:+ features $FEATURES} rolled back to phase $((PHASE - 1)) values"
else
  failed=1
fi
exit "$failed"
