#!/usr/bin/env bash
# Fails on any high or critical advisory in production dependencies. When the registry's
# advisory service cannot be reached (this build network answers 405), it says so loudly and
# does not pretend the check passed: the rollout gate keeps "zero high-severity
# vulnerabilities" as an attestation until an audit has really run.
set -uo pipefail
if [ "${1:-}" = "--help" ]; then
  echo "usage: scripts/ci/audit.sh   # npm audit --omit=dev --audit-level=high, tolerant of an unreachable advisory service"
  exit 0
fi
out=$(npm audit --omit=dev --audit-level=high --json 2>/dev/null)
status=$?
if echo "$out" | jq -e '.metadata.vulnerabilities' >/dev/null 2>&1; then
  echo "$out" | jq -c '.metadata.vulnerabilities'
  if [ $status -ne 0 ]; then
    echo "npm audit: high or critical advisories found" >&2
    exit 1
  fi
  echo "npm audit: no high or critical advisories"
  exit 0
fi
echo "npm audit: NOT CHECKED — advisory service unreachable ($(echo "$out" | jq -r '.message // "no answer"' 2>/dev/null | head -c 200))" >&2
exit 0
