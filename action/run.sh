#!/usr/bin/env bash
# Runs mslint for the action: the SARIF report to MSLINT_SARIF_FILE, the compliance report to the
# job summary, the findings to the log in MSLINT_FORMAT; fails when findings reach MSLINT_FAIL_ON.
# Sets the outputs `sarif-file` and `findings`.
set -uo pipefail
mslint="${MSLINT:-mslint}"
read -r -a paths <<< "${MSLINT_PATHS:-.}"
read -r -a extra <<< "${MSLINT_ARGS:-}"
[ "${#paths[@]}" -gt 0 ] || paths=(.)
common=("${extra[@]}")
if [ -n "${MSLINT_CONFIG:-}" ]; then
  common+=(--config "$MSLINT_CONFIG")
fi
sarif="${MSLINT_SARIF_FILE:-mslint.sarif}"
# The reports show the files as they are, even where the configuration says `fix: true`.
report=("${common[@]}" --no-fix)

# Exit 0 or 1 is a finished scan; 2 is a usage or I/O error and stops the step.
run() {
  local status=0
  "$mslint" "$@" || status=$?
  if [ "$status" -ge 2 ]; then
    echo "::error title=mslint::mslint failed (exit $status): $*"
    exit "$status"
  fi
}

run --format sarif --output "$sarif" --exit-zero "${report[@]}" "${paths[@]}"
findings=$(grep -o '"ruleId"' "$sarif" | wc -l | tr -d ' ')
{
  echo "sarif-file=$sarif"
  echo "findings=$findings"
} >> "${GITHUB_OUTPUT:?not running in GitHub Actions}"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  run --format markdown --exit-zero "${report[@]}" "${paths[@]}" >> "$GITHUB_STEP_SUMMARY"
fi

# Fix suggestions on a pull request, when the `suggestions` input asks for them.
bash "$(dirname "$0")/suggest.sh" "${common[@]}" "${paths[@]}" || exit $?

status=0
"$mslint" --format "${MSLINT_FORMAT:-github}" --fail-on "${MSLINT_FAIL_ON:-error}" "${report[@]}" "${paths[@]}" || status=$?
exit "$status"
