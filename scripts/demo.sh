#!/usr/bin/env bash
# The main job: administrator policy at work. Builds the project, makes a
# test PKI and a policy file in a temporary directory, then
#   1. runs ssa-core-demo (a careless core client against a core server);
#   2. runs Debian's unmodified curl over the libssl.so.3 drop-in against
#      `openssl s_server`: a good connection, then `curl -k` to a
#      self-signed server, refused by policy;
# and prints the audit lines both wrote.
#
#   scripts/demo.sh
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
work=$(mktemp -d)
server_pids=()
cleanup() {
  local p
  for p in "${server_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target ssa-core-demo ssl-compat >/dev/null
ssa-core/tests/pki/make-pki.sh "$work/pki"

# What an administrator writes in /etc/ssa/ssa.conf; here SSA_CONF points at it
# (allowed because no administrator file forbids it).
cat >"$work/ssa.conf" <<CONF
default: {
  min_protocol = "1.2";
  tls12_ciphers = "ECDHE+AESGCM:ECDHE+CHACHA20";
  trust_store = "$work/pki/ca.crt";
  verify_peer = true;
  verify_hostname = true;
  audit = "$work/audit.log";
};
CONF

echo "--- policy ($work/ssa.conf)"
cat "$work/ssa.conf"
export SSA_CONF="$work/ssa.conf"
echo "--- 1. the SSA core: a careless client"
build/test-apps/core-demo/ssa-core-demo "$work/pki"

# s_server (the system's OpenSSL, not ours) answers a GET with a status page.
# Sets $port.
start_server() {
  local log=$work/$1.log
  shift
  openssl s_server -www -accept 0 "$@" >"$log" 2>&1 </dev/null &
  server_pids+=($!)
  port=
  for _ in $(seq 100); do
    port=$(sed -n 's/^ACCEPT .*:\([0-9][0-9]*\)$/\1/p' "$log" | head -1)
    [ -n "$port" ] && return 0
    sleep 0.1
  done
  echo "openssl s_server did not start"; cat "$log"; exit 1
}
start_server good -cert "$work/pki/good.crt" -cert_chain "$work/pki/int.crt" -key "$work/pki/good.key"
good=$port
start_server selfsigned -cert "$work/pki/selfsigned.crt" -key "$work/pki/selfsigned.key"
selfsigned=$port

echo
echo "--- 2. unmodified /usr/bin/curl over the drop-in (LD_LIBRARY_PATH=build/lib)"
echo "\$ curl --cacert ca.crt https://localhost:$good/"
LD_LIBRARY_PATH=build/lib curl -sS --cacert "$work/pki/ca.crt" "https://localhost:$good/" \
  | grep -E 'Protocol|Cipher is' | sed 's/<[^>]*>//g' | head -3 || true
echo "\$ curl -k https://localhost:$selfsigned/      (no verification asked for)"
LD_LIBRARY_PATH=build/lib curl -sS -k "https://localhost:$selfsigned/" || echo "(curl exit $?)"

echo
echo "--- audit log ($work/audit.log)"
cat "$work/audit.log"
