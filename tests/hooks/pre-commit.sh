#!/usr/bin/env bash
# The pre-commit hook, run by the real `pre_commit try-repo` against this checkout, in a fresh git
# repository holding one bad and one compliant manifest, and the compliant one's partners
# (NetworkPolicy, PodDisruptionBudget, autoscaler) in a file the hook is not given.
#
# Usage: tests/hooks/pre-commit.sh   (needs pre-commit, git and cargo)
set -euo pipefail
checkout="$(cd "$(dirname "$0")/../.." && pwd)"
data="$checkout/tests/hooks/data"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Reuse the checkout's compiled dependencies for the hook's `cargo install`.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$checkout/target}"
export PRE_COMMIT_HOME="${PRE_COMMIT_HOME:-$work/pre-commit-home}"

repo="$work/repo"
mkdir -p "$repo"
cp -R "$data/." "$repo/"
cd "$repo"
git init -q
git add .

if command -v pre-commit >/dev/null 2>&1; then
  pre_commit() { command pre-commit "$@"; }
else
  pre_commit() { python3 -m pre_commit "$@"; }
fi

fail() { echo "pre-commit hook test: $*" >&2; exit 1; }

echo "-- bad and good manifest: the hook fails on the bad one"
status=0
pre_commit try-repo "$checkout" mslint --verbose --files deploy/bad.yaml deploy/good.yaml > "$work/both.txt" 2>&1 || status=$?
cat "$work/both.txt"
[ "$status" -ne 0 ] || fail "expected a failure with deploy/bad.yaml"
grep -q 'deploy/bad.yaml:14:25' "$work/both.txt" || fail "expected K8S011 at deploy/bad.yaml:14:25"
grep -q 'K8S011' "$work/both.txt" || fail "expected rule K8S011 in the output"
if grep -q 'deploy/good.yaml:' "$work/both.txt"; then fail "no finding expected on deploy/good.yaml"; fi

echo "-- the compliant manifest alone: its partners live in a file not passed, the hook passes"
status=0
pre_commit try-repo "$checkout" mslint --verbose --files deploy/good.yaml > "$work/good.txt" 2>&1 || status=$?
cat "$work/good.txt"
[ "$status" -eq 0 ] || fail "expected deploy/good.yaml to pass"
grep -q 'Passed' "$work/good.txt" || fail "expected pre-commit to report Passed"
echo "-- the fix hook writes the safe fix into the file it is given, and fails the commit"
sed '/allowPrivilegeEscalation: false/d; s/\bweb\b/api/g' deploy/good.yaml > deploy/api.yaml
git add deploy/api.yaml
status=0
pre_commit try-repo "$checkout" mslint-fix --verbose --files deploy/api.yaml > "$work/fix.txt" 2>&1 || status=$?
cat "$work/fix.txt"
[ "$status" -ne 0 ] || fail "expected the fix hook to fail the commit after changing a file"
grep -q 'files were modified by this hook' "$work/fix.txt" || fail "expected pre-commit to see the change"
grep -q 'fixed 1 finding in 1 file' "$work/fix.txt" || fail "expected mslint to say what it fixed"
grep -q '^            allowPrivilegeEscalation: false$' deploy/api.yaml || fail "expected the fix in deploy/api.yaml"
echo "pre-commit hook test passed"
