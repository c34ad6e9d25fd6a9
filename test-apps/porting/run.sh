#!/usr/bin/env bash
# The porting suite: unmodified applications over the libssl.so.3 drop-in,
# against local peers, under a test policy. Each cases/<app>.sh prints lines
#   RESULT <app> <case> ok|FAIL [detail]
# and this runner prints them as a table, application x case, then exits
# non-zero if any case failed.
#
#   test-apps/porting/run.sh BUILD_DIR [APP ...]
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=$(cd "${1:?usage: run.sh BUILD_DIR [APP ...]}" && pwd)
shift
repo=$(cd "$here/../.." && pwd)

apps=("$@")
if [ ${#apps[@]} -eq 0 ]; then
  for f in "$here"/cases/*.sh; do apps+=("$(basename "$f" .sh)"); done
fi

results=$(mktemp)
trap 'rm -f "$results"' EXIT
for app in "${apps[@]}"; do
  script="$here/cases/$app.sh"
  if [ ! -x "$script" ]; then
    echo "RESULT $app - FAIL no case script $script" >>"$results"
    continue
  fi
  # Each case script gets the drop-in's directory and the repository; it
  # starts its own peers and cleans up after itself.
  log=$(mktemp)
  "$script" "$build/lib" "$repo" >"$log" 2>&1
  cat "$log" >&2
  grep '^RESULT ' "$log" >>"$results" \
    || echo "RESULT $app - FAIL the case script printed no result" >>"$results"
  rm -f "$log"
done

printf '\n%-10s %-28s %-6s %s\n' application case result detail
printf '%-10s %-28s %-6s %s\n' ---------- ---------------------------- ------ ------
failed=0
while read -r _ app case result detail; do
  printf '%-10s %-28s %-6s %s\n' "$app" "$case" "$result" "$detail"
  [ "$result" = ok ] || failed=$((failed + 1))
done <"$results"
echo
if [ "$failed" -gt 0 ]; then
  echo "porting suite: $failed case(s) failed"
  exit 1
fi
echo "porting suite: all cases passed"
