#!/usr/bin/env bash
# Benchmark the SSA core (static wolfSSL) against the system OpenSSL on this
# machine, in the same run: bulk TLS 1.3 throughput per cipher suite and full
# handshakes per second. Reports numbers and ratios only; nothing here passes
# or fails on speed.
#
#   scripts/bench.sh [--bytes N[K|M|G]] [--handshakes N] [--runs N] [--quick]
#
# Each program runs --runs times, alternating, and the table shows the best
# of each: on a shared machine interference only ever makes a run slower.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${SSA_BUILD_DIR:-$root/build}
bytes=1G
handshakes=500
runs=3

usage() {
  cat <<EOF
usage: scripts/bench.sh [--bytes N[K|M|G]] [--handshakes N] [--runs N] [--quick]
  --bytes N       bulk transfer per cipher suite (default $bytes)
  --handshakes N  full handshakes to time (default $handshakes)
  --runs N        runs of each program, alternating; the best counts (default $runs)
  --quick         small sizes and one run, for a smoke test
  SSA_BUILD_DIR   build tree (default $root/build)
EOF
}

while [ $# -gt 0 ]; do
  case $1 in
    --bytes) bytes=${2:?--bytes needs a value}; shift 2 ;;
    --handshakes) handshakes=${2:?--handshakes needs a value}; shift 2 ;;
    --runs) runs=${2:?--runs needs a value}; shift 2 ;;
    --quick) bytes=16M; handshakes=50; runs=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
if ! [[ $runs =~ ^[1-9][0-9]*$ ]]; then
  echo "bench: --runs must be a positive integer" >&2
  exit 2
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

build_programs() {
  if [ ! -f "$build/CMakeCache.txt" ]; then
    cmake -S "$root" -B "$build" >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log" >&2; exit 1; }
  fi
  cmake --build "$build" -j"$(nproc)" --target bench-core bench-openssl >>"$tmp/build.log" 2>&1 \
    || { cat "$tmp/build.log" >&2; echo "bench: build failed" >&2; exit 1; }
}

# A throwaway self-signed ECDSA P-256 certificate for localhost: the server's
# chain and, the same file, the client's only trust anchor.
make_certificate() {
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -keyout "$tmp/key.pem" -out "$tmp/cert.pem" -days 2 -subj /CN=localhost \
    -addext "subjectAltName=DNS:localhost" >"$tmp/req.log" 2>&1 \
    || { cat "$tmp/req.log" >&2; echo "bench: openssl req failed" >&2; exit 1; }
}

# The core trusts what administrator policy names, so the anchor goes there.
# Audit is off: the benchmark measures TLS, not syslog.
write_policy() {
  printf 'default: { trust_store = "%s"; audit = "off"; };\n' "$tmp/cert.pem" >"$tmp/ssa.conf"
  export SSA_CONF="$tmp/ssa.conf"
  if [ -e /etc/ssa/ssa.conf ]; then
    echo "bench: warning: /etc/ssa/ssa.conf exists; SSA_CONF is honoured only if it sets allow_user_config" >&2
  fi
}

run_programs() {
  local args=(--bytes "$bytes" --handshakes "$handshakes"
              --cert "$tmp/cert.pem" --key "$tmp/key.pem" --ca "$tmp/cert.pem")
  local i
  for ((i = 1; i <= runs; i++)); do
    "$build/bench/bench-core" "${args[@]}" >>"$tmp/core.out" || { echo "bench: bench-core failed" >&2; exit 1; }
    "$build/bench/bench-openssl" "${args[@]}" >>"$tmp/openssl.out" || { echo "bench: bench-openssl failed" >&2; exit 1; }
  done
}

# The value of the first "<key> ..." line of a program's output.
field() {
  sed -n "s/^$2 //p" "$1" | head -n1
}

print_header() {
  local core_engine core_build ossl_engine aesni=""
  core_engine=$(field "$tmp/core.out" engine)
  core_build=$(field "$tmp/core.out" engine_build)
  ossl_engine=$(field "$tmp/openssl.out" engine)
  case $core_build in
    *"no AES-NI"*) aesni=", no AES-NI" ;;
    *AES-NI*) aesni=", AES-NI" ;;
  esac
  echo "SSA core ($core_engine$aesni) vs $(echo "$ossl_engine" | cut -d' ' -f1-2), same machine, same run"
  echo "wolfSSL origin:  $core_build"
  echo "openssl version: $(openssl version)"
  echo "libssl linked:   $ossl_engine; $(field "$tmp/openssl.out" engine_build | sed 's/^system libssl, //')"
  echo "core policy:     $(field "$tmp/core.out" policy)"
  echo "machine:         $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1), $(nproc) CPUs, load average before: $load"
  echo "sizes:           bulk $bytes per suite in 16 KiB writes; $handshakes full handshakes; best of $runs alternating run(s)"
  # Both programs use both threads flat out: other load skews the numbers.
  if awk -v l="$load" 'BEGIN { exit !(l > 0.5) }'; then
    echo "note:            the machine was busy before the run; expect noise (compare ratios, rerun)"
  fi
  echo
}

# One row per measurement, in the core's order: best of the runs, and the
# ratio ours/OpenSSL (higher is better for both kinds of row).
print_table() {
  awk -v all_runs="$1" '
    FILENAME == ARGV[1] { side = 1 } FILENAME == ARGV[2] { side = 2 }
    $1 == "bulk" { key = "bulk " $2 " MB/s"; val = $3 }
    $1 == "handshakes" { key = "full handshakes/s"; val = $2 }
    $1 != "bulk" && $1 != "handshakes" { next }
    {
      if (!(key in seen)) { seen[key] = 1; order[++n] = key }
      if (!((side, key) in best) || val + 0 > best[side, key] + 0) best[side, key] = val
      runs[side, key] = runs[side, key] " " val
    }
    END {
      if (all_runs) {
        printf "all runs (ssa-core | openssl)\n"
        for (i = 1; i <= n; i++)
          printf "%-40s%s |%s\n", order[i], runs[1, order[i]], runs[2, order[i]]
        exit
      }
      printf "%-40s %12s %12s %8s\n", "measurement", "ssa-core", "openssl", "ratio"
      for (i = 1; i <= n; i++) {
        k = order[i]; c = best[1, k]; o = best[2, k]
        if (c == "" || o == "") { printf "%-40s %12s %12s %8s\n", k, c == "" ? "-" : c, o == "" ? "-" : o, "-"; continue }
        printf "%-40s %12.1f %12.1f %8.2f\n", k, c, o, c / o
      }
    }' "$tmp/core.out" "$tmp/openssl.out"
}

build_programs
make_certificate
write_policy
load=$(cut -d' ' -f1 /proc/loadavg)
run_programs
print_header
print_table 0
if [ "$runs" -gt 1 ]; then
  echo
  print_table 1
fi
