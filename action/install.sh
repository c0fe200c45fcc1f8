#!/usr/bin/env bash
# Installs mslint for the action: the release tag MSLINT_VERSION from the action's repository, or
# (when empty) the action's own source in MSLINT_SOURCE. Puts it on the job's PATH.
set -euo pipefail
root="${RUNNER_TEMP:-/tmp}/mslint"
if [ -n "${MSLINT_VERSION:-}" ]; then
  cargo install --locked --quiet --root "$root" \
    --git "https://github.com/${MSLINT_REPOSITORY:?the action repository is unknown}" --tag "$MSLINT_VERSION" mslint
else
  cargo install --locked --quiet --root "$root" --path "${MSLINT_SOURCE:?the action path is unknown}"
fi
echo "$root/bin" >> "${GITHUB_PATH:?not running in GitHub Actions}"
"$root/bin/mslint" --version
