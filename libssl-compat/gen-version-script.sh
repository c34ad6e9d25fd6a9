#!/usr/bin/env bash
# Generate libssl.so.3's version script from the one sorted list of exported
# symbols (STYLE.md, rustls-openssl-compat): every listed symbol goes into
# version node OPENSSL_3.0.0, as in OpenSSL's own libssl.so.3, and
# everything else is local.
#
#   gen-version-script.sh symbols.txt out.map
#
# symbols.txt: one C identifier per line; blank lines and '#' comments are
# ignored. A line that is not an identifier, or a duplicate, is an error.
set -euo pipefail

in=${1:?usage: gen-version-script.sh symbols.txt out.map}
out=${2:?usage: gen-version-script.sh symbols.txt out.map}

syms=$(sed -e 's/#.*//' -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$in")
bad=$(printf '%s\n' "$syms" | grep -nvE '^[A-Za-z_][A-Za-z0-9_]*$' || true)
if [ -n "$syms" ] && [ -n "$bad" ]; then
  echo "gen-version-script.sh: $in: not a C identifier:" >&2
  printf '%s\n' "$bad" | sed 's/^/  /' >&2
  exit 1
fi
dups=$(printf '%s\n' "$syms" | sort | uniq -d)
if [ -n "$dups" ]; then
  echo "gen-version-script.sh: $in: listed twice:" >&2
  printf '%s\n' "$dups" | sed 's/^/  /' >&2
  exit 1
fi

tmp="$out.tmp.$$"
{
  echo "/* Generated from $(basename "$in") by gen-version-script.sh; do not edit. */"
  echo "OPENSSL_3.0.0 {"
  if [ -n "$syms" ]; then
    echo "  global:"
    printf '%s\n' "$syms" | sed 's/.*/    &;/'
  fi
  echo "  local: *;"
  echo "};"
} >"$tmp"
mv -f "$tmp" "$out"
