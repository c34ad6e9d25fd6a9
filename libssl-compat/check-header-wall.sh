#!/usr/bin/env bash
# Header wall (DESIGN.md section 2): libssl-compat's sources include OpenSSL's
# headers, <ssa/...> and their own headers only; never wolfSSL's and never
# the core's private headers (ssa-core/*.h), which include wolfSSL's.
#
#   check-header-wall.sh LIBSSL_COMPAT_DIR
set -euo pipefail

dir=${1:?usage: check-header-wall.sh LIBSSL_COMPAT_DIR}
core_headers=$(find "$dir/../ssa-core" -maxdepth 1 -name '*.h' -printf '%f\n' \
               | sed 's/\./\\./g' | paste -sd'|' -)
pattern='^[[:space:]]*#[[:space:]]*include[[:space:]]*[<"](wolfssl/|.*\.\./ssa-core/|options\.h'
[ -z "$core_headers" ] || pattern="$pattern|($core_headers)[\">]"
pattern="$pattern)"
bad=$(grep -nHE "$pattern" "$dir"/*.c "$dir"/*.h "$dir"/tests/*.c "$dir"/diff/*.c 2>/dev/null || true)
if [ -n "$bad" ]; then
  echo "FAIL libssl-compat includes headers from the other side of the wall:"
  printf '%s\n' "$bad" | sed 's/^/  /'
  exit 1
fi
echo "ok   libssl-compat includes neither wolfSSL's nor ssa-core's private headers"
