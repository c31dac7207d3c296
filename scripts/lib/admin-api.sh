# Shared by the rollback scripts: admin API calls with curl, JSON with jq, honest exit codes.
# Exit codes: 0 done, 1 failed (API refused, state does not match, unhealthy), 2 usage,
# 3 service unreachable or token not accepted.

EXIT_OK=0
EXIT_FAILED=1
EXIT_USAGE=2
EXIT_UNREACHABLE=3

die() { echo "$(basename "$0"): $2" >&2; exit "$1"; }

require_tools() {
  for t in curl jq; do command -v "$t" >/dev/null 2>&1 || die "$EXIT_UNREACHABLE" "$t is required but not installed"; done
  [ -n "${ADMIN_TOKEN:-}" ] || die "$EXIT_USAGE" "ADMIN_TOKEN is not set"
  BASE_URL="${DEALERSCOPE_URL:-http://127.0.0.1:8080}"
  BASE_URL="${BASE_URL%/}"
}

# api METHOD PATH [JSON_BODY] → body on stdout; sets API_STATUS. Never exits on HTTP errors.
api() {
  local method="$1" path="$2" body="${3:-}" out
  local args=(-sS -o - -w '\n%{http_code}' --max-time 15 -X "$method" -H "Authorization: Bearer ${ADMIN_TOKEN}")
  if [ -n "$body" ]; then args+=(-H 'Content-Type: application/json' --data "$body"); fi
  if [ -n "${REASON:-}" ]; then args+=(-H "X-Change-Reason: ${REASON}"); fi
  if ! out=$(curl "${args[@]}" "${BASE_URL}${path}" 2>/tmp/.ds-curl-err.$$); then
    API_STATUS=000
    API_BODY=""
    API_ERROR=$(cat /tmp/.ds-curl-err.$$ 2>/dev/null)
    rm -f /tmp/.ds-curl-err.$$
    return 0
  fi
  rm -f /tmp/.ds-curl-err.$$
  API_STATUS="${out##*$'\n'}"
  API_BODY="${out%$'\n'*}"
}

# api_ok METHOD PATH [BODY]: like api, but exits with the right code unless the answer is 2xx.
api_ok() {
  api "$@"
  case "$API_STATUS" in
    2??) return 0 ;;
    000) die "$EXIT_UNREACHABLE" "cannot reach ${BASE_URL}: ${API_ERROR}" ;;
    401|403) die "$EXIT_UNREACHABLE" "admin token not accepted (${API_STATUS})" ;;
    *) die "$EXIT_FAILED" "$1 $2 answered ${API_STATUS}: $(echo "$API_BODY" | jq -r '.error.message // .' 2>/dev/null || echo "$API_BODY")" ;;
  esac
}

# check_flags EXPECTED_JSON: compares live flags with {NAME: value}; prints mismatches; 0 when all match.
check_flags() {
  local expected="$1"
  api_ok GET /admin/feature-flags
  local mismatches
  mismatches=$(jq -rn --argjson live "$API_BODY" --argjson exp "$expected" '
    $exp | to_entries[] | select($live.flags[.key] != .value)
    | "  \(.key): live \($live.flags[.key] | tojson) (\($live.sources[.key])), expected \(.value | tojson)"')
  if [ -n "$mismatches" ]; then
    echo "flags not in the expected rolled-back state:" >&2
    echo "$mismatches" >&2
    return 1
  fi
  return 0
}

# expected_for PHASE [FEATURES_CSV] → {NAME: value} of phase PHASE-1 for the flags phase PHASE and
# later set (or only the named features' flags).
expected_for() {
  local phase="$1" features="${2:-}"
  api_ok GET /admin/feature-flags/registry
  if [ -n "$features" ]; then
    echo "$API_BODY" | jq -c --arg p "$((phase - 1))" --arg f "$features" '
      . as $r | ($f | split(",") | map(select(length > 0))) as $names
      | if ($names | map(select($r.features[.] == null)) | length) > 0
        then error("unknown feature: \($names | map(select($r.features[.] == null)) | join(", "))") else . end
      | [$names[] | $r.features[.][]] | unique | map({key: ., value: $r.phases[$p][.]}) | from_entries'
  else
    echo "$API_BODY" | jq -c --arg p "$((phase - 1))" --arg n "$phase" '
      . as $r | $r.phaseFlags[$n] | map({key: ., value: $r.phases[$p][.]}) | from_entries'
  fi
}

valid_phase() { [[ "$1" =~ ^[1-4]$ ]]; }
