#!/usr/bin/env bash
# Which libssl.so.3 symbols each target application imports, and which of
# them our drop-in exports (DESIGN.md section 5: a binary linked with -z now
# fails to load if one is missing). A report, not a gate: always exits 0.
#
#   scripts/symbol-matrix.sh BUILD_DIR
#
# Reads libssl-compat/reference/app-symbols/<app>.txt (facts taken from
# Debian 12's binaries; see the README in /work/shared/reference) and
# `nm -D --defined-only BUILD_DIR/lib/libssl.so.3`.
set -euo pipefail

build=${1:?usage: symbol-matrix.sh BUILD_DIR}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
refs="$repo/libssl-compat/reference/app-symbols"
so="$build/lib/libssl.so.3"

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ -f "$so" ]; then
  nm -D --defined-only "$so" | awk '{sub(/@.*/, "", $NF); print $NF}' | grep -vx 'OPENSSL_3.0.0' \
    | LC_ALL=C sort -u >"$tmp/exported"
  echo "libssl.so.3: $so ($(wc -l <"$tmp/exported") exported symbols)"
else
  : >"$tmp/exported"
  echo "libssl.so.3: $so not built yet; every import counts as missing"
fi
echo

row() { printf '%-12s %8s %9s %8s  %s\n' "$@"; }
row app imports exported missing coverage
row ------------ -------- --------- -------- --------
: >"$tmp/union"
apps=()
for f in "$refs"/*.txt; do
  app=$(basename "$f" .txt)
  apps+=("$app")
  LC_ALL=C sort -u "$f" >"$tmp/$app.imports"
  cat "$tmp/$app.imports" >>"$tmp/union"
  LC_ALL=C comm -23 "$tmp/$app.imports" "$tmp/exported" >"$tmp/$app.missing"
done
LC_ALL=C sort -u -o "$tmp/union" "$tmp/union"
LC_ALL=C comm -23 "$tmp/union" "$tmp/exported" >"$tmp/union.missing"

for app in "${apps[@]}" union; do
  [ "$app" = union ] && row ------------ -------- --------- -------- --------
  if [ "$app" = union ]; then imports="$tmp/union"; else imports="$tmp/$app.imports"; fi
  total=$(wc -l <"$imports")
  missing=$(wc -l <"$tmp/$app.missing")
  have=$((total - missing))
  row "$app" "$total" "$have" "$missing" "$((100 * have / (total > 0 ? total : 1)))%"
done

echo
echo "Missing, by application (a name missing for several is listed for each):"
for app in "${apps[@]}"; do
  if [ -s "$tmp/$app.missing" ]; then
    printf '\n%s (%d):\n' "$app" "$(wc -l <"$tmp/$app.missing")"
    fmt -w 100 "$tmp/$app.missing" | sed 's/^/  /'
  else
    printf '\n%s: none missing\n' "$app"
  fi
done

# Exported but imported by none of the eight: fine (tests, other programs),
# but worth seeing.
LC_ALL=C comm -13 "$tmp/union" "$tmp/exported" >"$tmp/unused"
if [ -s "$tmp/unused" ]; then
  printf '\nExported, imported by none of the reference applications (%d):\n' \
    "$(wc -l <"$tmp/unused")"
  fmt -w 100 "$tmp/unused" | sed 's/^/  /'
fi
exit 0
