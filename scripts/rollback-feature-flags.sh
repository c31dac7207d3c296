#!/usr/bin/env bash
# Disables rollout phase N and every later phase through the admin API, then checks the live flags.
set -euo pipefail
. "$(dirname "$0")/lib/admin-api.sh"

usage() {
  cat <<USAGE
Usage: $(basename "$0") --phase=N [--reason=TEXT]

Rolls phase N (1-4) and every later phase back: the service returns to phase N-1 and any override
or FF_ variable that would keep one of those flags on is pinned to its phase N-1 value. Audited;
every replica has the change within a second. Then reads the live flags back to confirm.

Environment: DEALERSCOPE_URL (default http://127.0.0.1:8080), ADMIN_TOKEN (required).
Exit codes: 0 rolled back and confirmed; 1 refused or the live flags do not match; 2 usage;
3 service unreachable or token not accepted.
USAGE
}

PHASE=""
REASON="rollback-feature-flags.sh"
for arg in "$@"; do
  case "$arg" in
    --phase=*) PHASE="${arg#*=}" ;;
    --reason=*) REASON="${arg#*=}" ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "$EXIT_USAGE" "unknown argument: $arg" ;;
  esac
done
valid_phase "$PHASE" || { usage >&2; die "$EXIT_USAGE" "--phase=N with N in 1-4 is required"; }
require_tools

expected=$(expected_for "$PHASE")
api_ok POST /admin/rollout/rollback "$(jq -cn --argjson p "$PHASE" --arg r "$REASON" '{phase: $p, reason: $r}')"
echo "decision $(echo "$API_BODY" | jq -r '.id'): phase $(echo "$API_BODY" | jq -r '.fromPhase') -> $(echo "$API_BODY" | jq -r '.toPhase')"
check_flags "$expected" || exit "$EXIT_FAILED"
echo "phase $PHASE and later are off: $(echo "$expected" | jq -r 'to_entries | map("\(.key)=\(.value)") | join(" ")')"
