#!/usr/bin/env bash
# Every shared object we build exports no wolfSSL symbol: the engine is a
# static, hidden archive inside our libraries (DESIGN.md section 3). And none
# leaves a libconfig function to the dynamic linker: the program we are
# loaded into may define one of the same name (lighttpd's config_init), and
# would get our calls.
#
#   scripts/check-exports.sh BUILD_DIR
set -euo pipefail

build=${1:?usage: check-exports.sh BUILD_DIR}
status=0
found=0
while IFS= read -r -d '' so; do
  found=$((found + 1))
  leaks=$(nm -D --defined-only "$so" | awk '{print $NF}' \
          | grep -E '^(wolfSSL|wolfssl|wc_|wolfcrypt|ssa_wolf_|Wolf)' || true)
  unbound=$(nm -D --undefined-only "$so" | awk '{print $NF}' | grep -E '^config_' || true)
  if [ -n "$unbound" ]; then
    echo "FAIL $so leaves libconfig functions to the dynamic linker (a program could interpose them):"
    echo "$unbound" | head -20 | sed 's/^/  /'
    status=1
  fi
  if [ -n "$leaks" ]; then
    echo "FAIL $so exports wolfSSL symbols:"
    echo "$leaks" | head -20 | sed 's/^/  /'
    status=1
  else
    echo "ok   $so ($(nm -D --defined-only "$so" | wc -l) exported symbols, none from wolfSSL)"
  fi
done < <(find "$build" -path "$build/wolfssl" -prune -o -name '*.so*' -type f -print0)
[ "$found" -gt 0 ] || echo "no shared objects in $build yet"
exit "$status"
