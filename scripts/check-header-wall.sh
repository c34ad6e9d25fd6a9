#!/usr/bin/env bash
# The header wall (DESIGN.md section 2), checked for all three parts:
#   ssa-core/       includes wolfSSL's headers, never OpenSSL's (<openssl/...>);
#   libssa/         includes <ssa/...>, its own headers and the C library's:
#                   neither wolfSSL's, nor OpenSSL's, nor the core's private ones;
#   libssl-compat/  includes OpenSSL's and <ssa/...>: never wolfSSL's, never
#                   the core's private headers (which include wolfSSL's).
# Tests beside each part are held to the same rule as the part, except the
# core's tests, which may read the core's private headers (and OpenSSL's
# command-line tools, never its headers).
#
#   scripts/check-header-wall.sh REPO_DIR
set -euo pipefail

repo=${1:?usage: check-header-wall.sh REPO_DIR}
status=0

# Every #include line of the C files under a directory (recursively).
includes() { grep -rnHE '^[[:space:]]*#[[:space:]]*include' --include='*.c' --include='*.h' "$@" || true; }

core_private=$(find "$repo/ssa-core" -maxdepth 1 -name '*.h' -printf '%f\n' | sed 's/\./\\./g' | paste -sd'|' -)
forbid() { # forbid NAME PATTERN DIR...
  local name=$1 pattern=$2
  shift 2
  local bad
  bad=$(includes "$@" | grep -E "$pattern" || true)
  if [ -n "$bad" ]; then
    echo "FAIL $name includes headers from the other side of the wall:"
    printf '%s\n' "$bad" | sed "s|$repo/||; s/^/  /"
    status=1
  else
    echo "ok   $name"
  fi
}

private="[\"<](\\.\\./)*(ssa-core/)?(${core_private})[\">]"
forbid "ssa-core (no OpenSSL headers)" '[<"]openssl/' "$repo/ssa-core"
forbid "libssa (no wolfSSL, OpenSSL or core-private headers)" \
  "[<\"](wolfssl|openssl)/|options\\.h|$private" "$repo/libssa"
forbid "libssl-compat (no wolfSSL or core-private headers)" \
  "[<\"]wolfssl/|options\\.h|$private" "$repo/libssl-compat"
exit $status
