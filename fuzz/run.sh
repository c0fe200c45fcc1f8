#!/usr/bin/env bash
# Runs one fuzz target: fuzz/run.sh TARGET [SECONDS]. Seeds the corpus on first use, runs at
# the lowest priority, one job, and stops at the first crash, hang (5 s) or 2 GiB of memory.
set -euo pipefail
target=${1:?usage: fuzz/run.sh yaml|dockerfile|shell|suppress|pipeline [SECONDS]}
seconds=${2:-600}
cd "$(dirname "$0")"
case "$target" in
  yaml | dockerfile | pipeline) max_len=16384 ;;
  suppress) max_len=8192 ;;
  shell) max_len=4096 ;;
  *) echo "unknown target \`$target\`" >&2; exit 2 ;;
esac
[ -d "corpus/$target" ] || ./seed.sh
# Stable rustc takes the nightly flags cargo-fuzz passes when RUSTC_BOOTSTRAP is set. The
# library forbids unsafe code, so AddressSanitizer would only slow the build and the runs.
RUSTC_BOOTSTRAP=1 nice -n 19 cargo fuzz run --sanitizer none --debug-assertions --codegen-units 16 \
  "$target" -- -max_len="$max_len" -timeout=5 -rss_limit_mb=2048 -max_total_time="$seconds" \
  -print_final_stats=1
