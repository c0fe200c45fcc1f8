#!/usr/bin/env bash
# Posts mslint's fixes as suggestions on a pull request: `mslint --diff --format json --diff-base`
# fixes the findings the pull request is responsible for; each change whose lines the pull request
# changed becomes a review comment with a `suggestion` block, the whole diff goes to the job
# summary. Called by run.sh with the mslint arguments and paths; reads MSLINT_SUGGESTIONS (safe or
# unsafe), MSLINT_TOKEN and the GitHub Actions environment. It never fails the step for a review
# GitHub refuses (a fork's read-only token, a line outside the diff): it says so and goes on.
set -uo pipefail
mslint="${MSLINT:-mslint}"
limit="${MSLINT_SUGGESTIONS_LIMIT:-50}"
marker='<!-- mslint-suggestion -->'

# A workflow command ends at a line break, so text from elsewhere goes on one line.
notice() { echo "::notice title=mslint suggestions::$(tr '\r\n' '  ' <<< "$*")"; }
warning() { echo "::warning title=mslint suggestions::$(tr '\r\n' '  ' <<< "$*")"; }

case "${MSLINT_SUGGESTIONS:-none}" in
  none | "") exit 0 ;;
  safe) unsafe=() ;;
  unsafe) unsafe=(--unsafe-fixes) ;;
  *)
    echo "::error title=mslint::suggestions must be none, safe or unsafe, not '$MSLINT_SUGGESTIONS'"
    exit 2
    ;;
esac
case "${GITHUB_EVENT_NAME:-}" in
  pull_request | pull_request_target) ;;
  *) notice "fix suggestions are posted on pull requests only"; exit 0 ;;
esac
for tool in jq curl git; do
  command -v "$tool" > /dev/null || { notice "fix suggestions need $tool on the runner"; exit 0; }
done
event="${GITHUB_EVENT_PATH:?not running in GitHub Actions}"
number=$(jq -r '.pull_request.number' "$event")
head=$(jq -r '.pull_request.head.sha' "$event")
base=$(jq -r '.pull_request.base.sha' "$event")
if [ -n "$(git rev-parse --show-prefix 2>/dev/null)" ]; then
  notice "fix suggestions need the action to run at the root of the repository"; exit 0
fi

# A suggestion is placed by the line numbers of the pull request's head commit. With the head
# checked out, every file has them; with the merge commit GitHub prepares (the default checkout),
# only the files the merge left as the head has them.
checked_out=$(git rev-parse HEAD 2>/dev/null)
if [ "$checked_out" = "$head" ]; then
  if ! since=$(git merge-base "$base" HEAD 2>/dev/null); then
    notice "fix suggestions need the base commit: check out with fetch-depth: 0"; exit 0
  fi
elif [ "$(git rev-parse -q --verify 'HEAD^2' 2>/dev/null)" = "$head" ]; then
  since=$(git rev-parse 'HEAD^1')
else
  notice "fix suggestions need the pull request's head or merge commit with its parents: check out with fetch-depth: 2 or more"
  exit 0
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
"$mslint" --diff --format json --diff-base "$since" "${unsafe[@]}" "$@" > "$work/fixes.json" 2> "$work/error.txt" || status=$?
if [ "$status" -ge 2 ]; then
  # Suggestions are extra: the check itself still runs and decides the step.
  warning "mslint --diff failed (exit $status), so no fix is suggested: $(head -c 300 "$work/error.txt")"
  exit 0
fi
[ "$status" -eq 1 ] || exit 0

if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  {
    echo
    echo "## Fixes mslint can make"
    echo
    echo "\`mslint --fix${unsafe[*]:+ ${unsafe[*]}}\` would make these changes to what this pull request changed:"
    echo
    # A fence of tildes no diff line closes.
    echo '~~~~~~~~~~ diff'
    jq -r '.files[].diff' "$work/fixes.json"
    echo '~~~~~~~~~~'
  } >> "$GITHUB_STEP_SUMMARY"
fi

# Files whose lines are the head commit's: tracked, and in the work tree as the head has them
# (not changed by the merge, nor by an earlier step of the job).
placed=()
while IFS= read -r path; do
  if git --literal-pathspecs ls-files --error-unmatch -- "$path" > /dev/null 2>&1 \
    && git --literal-pathspecs diff --quiet "$head" -- "$path" 2> /dev/null; then
    placed+=("$path")
  fi
done < <(jq -r '.files[].path' "$work/fixes.json")
placed_json=$(printf '%s\n' "${placed[@]}" | jq -R . | jq -s 'map(select(length > 0))')

api="${GITHUB_API_URL:-https://api.github.com}/repos/${GITHUB_REPOSITORY:?not running in GitHub Actions}/pulls/$number"
# The token goes to curl in a file, not on its command line where other processes see it.
(umask 077 && printf 'Authorization: Bearer %s\n' "${MSLINT_TOKEN:?no token to post suggestions with}" > "$work/auth")
request() {
  curl --silent --show-error --location --fail-with-body -H @"$work/auth" \
    -H "Accept: application/vnd.github+json" -H "X-GitHub-Api-Version: 2022-11-28" "$@"
}

# Suggestions posted before stay; the same suggestion is not posted again on the next push.
echo '[]' > "$work/posted.json"
for page in 1 2 3 4 5 6 7 8 9 10; do
  if ! request "$api/comments?per_page=100&page=$page" > "$work/page.json" 2> "$work/error.txt"; then
    warning "cannot read the pull request's review comments: $(head -c 300 "$work/error.txt")"
    exit 0
  fi
  jq -s '.[0] + [.[1][] | select(.body | contains("'"$marker"'")) | {path, line, body}]' \
    "$work/posted.json" "$work/page.json" > "$work/merged.json" && mv "$work/merged.json" "$work/posted.json"
  [ "$(jq 'length' "$work/page.json")" -eq 100 ] || break
done

jq --arg marker "$marker" --arg head "$head" --argjson placed "$placed_json" --argjson limit "$limit" \
  --slurpfile posted "$work/posted.json" '
  # One backtick more than the longest run in the text, and three at least.
  def fence: "`" * ([3, ([.replacement | scan("`+") | length] | max // 0) + 1] | max);
  def body:
    ([.fixes[] | "**mslint** \(.rule): \(.title)" + (if .applicability == "unsafe" then " (an unsafe fix: check it before you commit it)" else "" end)] | join("\n"))
    + "\n\n" + fence + "suggestion\n" + (.replacement | gsub("\r"; "") | rtrimstr("\n")) + "\n" + fence + "\n" + $marker;
  [.files[] | select(.path as $p | $placed | index($p)) | .path as $path
   | .changes[] | select(.within_change)
   | {path: $path, line: .end_line, side: "RIGHT", body: body}
     + (if .start_line < .end_line then {start_line: .start_line, start_side: "RIGHT"} else {} end)]
  | map(select(. as $c | $posted[0] | any(.path == $c.path and .line == $c.line and .body == $c.body) | not))
  | .[:$limit]
  | {commit_id: $head, event: "COMMENT", comments: .,
     body: "mslint suggests \(length) fix\(if length == 1 then "" else "es" end) on lines this pull request changes: commit a suggestion to apply it, or run `mslint --fix` locally."}
  ' "$work/fixes.json" > "$work/review.json"

count=$(jq '.comments | length' "$work/review.json")
if [ "$count" -eq 0 ]; then
  notice "no new fix suggestion falls on lines this pull request changes"
  exit 0
fi
if request -X POST "$api/reviews" --data @"$work/review.json" > "$work/response.json" 2> "$work/error.txt"; then
  notice "posted $count fix suggestion(s) on the pull request"
else
  warning "GitHub refused the review with $count fix suggestion(s) (a fork's token cannot write; the job summary has the diff): $(head -c 300 "$work/error.txt") $(head -c 300 "$work/response.json")"
fi
exit 0
