#!/usr/bin/env bash
# Seeds each fuzz target's corpus (fuzz/corpus/<target>/) from the project's fixtures and
# regression inputs. Run from anywhere; existing corpus files are kept.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
corpus="$root/fuzz/corpus"
mkdir -p "$corpus"/{yaml,dockerfile,shell,suppress,pipeline}

# Copies a file into a corpus under a name derived from its content, with an optional
# leading byte (the shell and suppress targets read their first byte as a switch).
add() {
  local target=$1 file=$2 prefix=${3:-}
  local name
  name=$( { printf "$prefix"; cat "$file"; } | sha1sum | cut -c1-16)
  { printf "$prefix"; cat "$file"; } > "$corpus/$target/$name"
}

sources=("$root/fixtures" "$root/tests/data/regressions" "$root/tests/hooks/data" "$root/examples")
while IFS= read -r -d '' file; do
  # Inputs over 64 KiB only slow the fuzzer down.
  [ "$(stat -c %s "$file")" -le 65536 ] || continue
  case "$(basename "$file")" in
    *.yaml|*.yml|*.json)
      add yaml "$file"
      add pipeline "$file"
      add suppress "$file" '\x00'
      ;;
    Dockerfile*|*.Dockerfile|*.dockerfile|Containerfile*)
      add dockerfile "$file"
      add pipeline "$file"
      add shell "$file" '\x00'
      add suppress "$file" '\x01'
      ;;
    *.sh)
      add shell "$file" '\x00'
      ;;
  esac
done < <(find "${sources[@]}" -type f -print0 2>/dev/null)

for target in yaml dockerfile shell suppress pipeline; do
  echo "$target: $(ls "$corpus/$target" | wc -l) inputs"
done
