#!/usr/bin/env bash
# Which libssl.so.3 symbols each target application imports, and which of
# them our drop-in exports (DESIGN.md section 5: a binary linked with -z now
# fails to load if one is missing).
#
#   scripts/symbol-matrix.sh [--check] BUILD_DIR
#
# Reads libssl-compat/reference/app-symbols/<app>.txt (facts taken from
# Debian 12's binaries; see the README in /work/shared/reference), adds the
# imports of each application's binary where it is installed here (so that
# a Debian update that imports more is seen), and compares them with
# `nm -D --defined-only BUILD_DIR/lib/libssl.so.3`. Prints the report; with
# --check (ctest compat.symbol_matrix) exits 1 when any import is missing.
set -euo pipefail

check=false
if [ "${1:-}" = --check ]; then
  check=true
  shift
fi
build=${1:?usage: symbol-matrix.sh [--check] BUILD_DIR}
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

# The installed binary behind each reference list (see the reference README).
declare -A binary=(
  [curl]=/lib/x86_64-linux-gnu/libcurl.so.4
  [irssi]=/usr/bin/irssi
  [lighttpd]=/usr/lib/lighttpd/mod_openssl.so
  [ncat]=/usr/bin/ncat
  [nginx]=/usr/sbin/nginx
  [python3-ssl]=/usr/lib/python3.11/lib-dynload/_ssl.cpython-311-x86_64-linux-gnu.so
  [socat]=/usr/bin/socat
  [wget]="$build/wget/src/wget"
)
system_libssl=/lib/x86_64-linux-gnu/libssl.so.3
if [ -f "$system_libssl" ]; then
  nm -D --defined-only "$system_libssl" | awk '{sub(/@.*/, "", $NF); print $NF}' \
    | LC_ALL=C sort -u >"$tmp/system"
fi

# The libssl functions a binary imports today (empty if it is not here).
live_imports() {
  [ -f "$1" ] && [ -s "$tmp/system" ] || return 0
  objdump -T "$1" | awk '/\*UND\*/ {sub(/@.*/, "", $NF); print $NF}' | LC_ALL=C sort -u \
    | LC_ALL=C comm -12 - "$tmp/system"
}

row() { printf '%-12s %8s %9s %8s  %s\n' "$@"; }
row app imports exported missing coverage
row ------------ -------- --------- -------- --------
: >"$tmp/union"
apps=()
for f in "$refs"/*.txt; do
  app=$(basename "$f" .txt)
  apps+=("$app")
  { cat "$f"; live_imports "${binary[$app]:-}"; } | LC_ALL=C sort -u >"$tmp/$app.imports"
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
if $check && [ -s "$tmp/union.missing" ]; then
  printf '\nFAIL: %d imports of the porting suite'"'"'s applications are not exported\n' \
    "$(wc -l <"$tmp/union.missing")"
  exit 1
fi
exit 0
