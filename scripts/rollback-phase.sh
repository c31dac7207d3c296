#!/usr/bin/env bash
# Rolls back only the named features of phase N to their phase N-1 values, then checks them.
set -euo pipefail
. "$(dirname "$0")/lib/admin-api.sh"

usage() {
  cat <<USAGE
Usage: $(basename "$0") --phase=N --features=a,b [--reason=TEXT]

Sets the flags of the named features to their phase N-1 values (as overrides owned by the rollout,
audited, on every replica within a second), leaving the rest of phase N on. Feature names:
cursor_pagination legacy_page_api production_cache single_flight ttl_jitter circuit_breakers
rate_limiting api_rate_limiting input_validation csrf_protection schema_validation
provenance_tracking anomaly_detection browser_pool redis_cache
(e.g. --phase=4 --features=browser_pool,redis_cache).

Environment: DEALERSCOPE_URL (default http://127.0.0.1:8080), ADMIN_TOKEN (required).
Exit codes: 0 rolled back and confirmed; 1 refused or the live flags do not match; 2 usage;
3 service unreachable or token not accepted.
USAGE
}

PHASE=""
FEATURES=""
REASON="rollback-phase.sh"
for arg in "$@"; do
  case "$arg" in
    --phase=*) PHASE="${arg#*=}" ;;
    --features=*) FEATURES="${arg#*=}" ;;
    --reason=*) REASON="${arg#*=}" ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "$EXIT_USAGE" "unknown argument: $arg" ;;
  esac
done
valid_phase "$PHASE" || { usage >&2; die "$EXIT_USAGE" "--phase=N with N in 1-4 is required"; }
[[ "$FEATURES" =~ ^[a-z_]+(,[a-z_]+)*$ ]] || { usage >&2; die "$EXIT_USAGE" "--features=a,b is required"; }
require_tools

# expected_for runs in a subshell: its own exit code (3 unreachable or token refused, 1 refused)
# and its message (already prefixed with this script's name) pass through unchanged; only jq's
# complaint about an unknown feature is a usage error.
rc=0
expected=$(expected_for "$PHASE" "$FEATURES" 2>/tmp/.ds-jq-err.$$) || rc=$?
msg=$(cat /tmp/.ds-jq-err.$$ 2>/dev/null)
rm -f /tmp/.ds-jq-err.$$
if [ "$rc" -eq "$EXIT_UNREACHABLE" ] || [ "$rc" -eq "$EXIT_FAILED" ]; then
  echo "$msg" >&2
  exit "$rc"
elif [ "$rc" -ne 0 ]; then
  # jq prefixes its message with where it was reading ("(at <stdin>:1)", "(at <unknown>)").
  die "$EXIT_USAGE" "${msg#jq: error (at *): }"
fi
body=$(jq -cn --argjson p "$PHASE" --arg f "$FEATURES" --arg r "$REASON" '{phase: $p, features: ($f | split(",")), reason: $r}')
api_ok POST /admin/rollout/rollback "$body"
echo "decision $(echo "$API_BODY" | jq -r '.id'): features $FEATURES of phase $PHASE back to phase $((PHASE - 1)) values"
check_flags "$expected" || exit "$EXIT_FAILED"
echo "confirmed: $(echo "$expected" | jq -r 'to_entries | map("\(.key)=\(.value)") | join(" ")')"
