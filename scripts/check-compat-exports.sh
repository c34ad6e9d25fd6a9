#!/usr/bin/env bash
# The drop-in's dynamic symbol table is exactly what DESIGN.md section 5 and
# libssl-compat/symbols.txt say (ctest compat.exports):
#   (a) every exported symbol is in version node OPENSSL_3.0.0;
#   (b) the exported set equals symbols.txt, no more and no less;
#   (c) no wolfSSL symbol is exported (scripts/check-exports.sh);
#   (d) the soname is libssl.so.3.
#
#   scripts/check-compat-exports.sh LIBSSL_SO SYMBOLS_TXT [BUILD_DIR]
set -euo pipefail
export LC_ALL=C

so=${1:?usage: check-compat-exports.sh LIBSSL_SO SYMBOLS_TXT [BUILD_DIR]}
list=${2:?usage: check-compat-exports.sh LIBSSL_SO SYMBOLS_TXT [BUILD_DIR]}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
node=OPENSSL_3.0.0
status=0
fail() { echo "FAIL $*"; status=1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# (a) Defined dynamic symbols with their version. objdump -T prints
# "ADDR FLAGS SECTION SIZE VERSION NAME"; a hidden version is "(V)". The
# version definition itself appears as an *ABS* symbol named after the node.
objdump -T "$so" | awk '$0 ~ /^[0-9a-f]+ / && $0 !~ /\*UND\*/ {print $(NF-1), $NF}' \
  | awk -v node="$node" '!($1 == node && $2 == node)' >"$tmp/versioned"
awk -v node="$node" '$1 != node' "$tmp/versioned" >"$tmp/wrong-node"
if [ -s "$tmp/wrong-node" ]; then
  fail "(a) exported outside version node $node:"
  sed 's/^/  /' "$tmp/wrong-node" | head -20
else
  echo "ok   (a) all $(wc -l <"$tmp/versioned") exported symbols are in $node"
fi

# (b) Exactly symbols.txt (comments and blank lines ignored, as by
# gen-version-script.sh).
nm -D --defined-only "$so" | awk '{sub(/@.*/, "", $NF); print $NF}' | grep -vx "$node" | sort -u >"$tmp/exported"
sed -e 's/#.*//' -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$list" \
  | sort -u >"$tmp/listed"
if ! sed -e 's/#.*//' -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$list" \
     | sort -c 2>/dev/null; then
  echo "note (b) $list is not sorted (LC_ALL=C sort)"
fi
comm -13 "$tmp/exported" "$tmp/listed" >"$tmp/missing"
comm -23 "$tmp/exported" "$tmp/listed" >"$tmp/extra"
if [ -s "$tmp/missing" ]; then
  fail "(b) listed in symbols.txt but not defined in $(basename "$so") ($(wc -l <"$tmp/missing")):"
  sed 's/^/  /' "$tmp/missing"
fi
if [ -s "$tmp/extra" ]; then
  fail "(b) exported but not listed in symbols.txt ($(wc -l <"$tmp/extra")):"
  sed 's/^/  /' "$tmp/extra"
fi
[ -s "$tmp/missing" ] || [ -s "$tmp/extra" ] || echo "ok   (b) exported set equals symbols.txt ($(wc -l <"$tmp/listed") symbols)"

# (c) No wolfSSL symbol: the project-wide check, on the directory holding
# this library (and the whole build tree when it is given).
"$here/check-exports.sh" "$(dirname "$so")" | sed 's/^/     (c) /' || fail "(c) wolfSSL symbols exported"
if [ $# -ge 3 ]; then
  "$here/check-exports.sh" "$3" >/dev/null || fail "(c) a shared object in $3 exports wolfSSL symbols"
fi

# (d) Soname.
soname=$(objdump -p "$so" | awk '$1 == "SONAME" {print $2}')
if [ "$soname" = libssl.so.3 ]; then
  echo "ok   (d) soname $soname"
else
  fail "(d) soname is '${soname:-none}', not libssl.so.3"
fi
exit "$status"
