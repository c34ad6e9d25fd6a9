#!/usr/bin/env bash
# The main job, for now: administrator policy at work between an SSA core
# client and server. Builds the project, makes a test PKI and a policy file
# in a temporary directory, runs ssa-core-demo under that policy, and prints
# the audit lines it wrote.
#
#   scripts/demo.sh
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target ssa-core-demo >/dev/null
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
echo "--- run"
SSA_CONF="$work/ssa.conf" build/test-apps/core-demo/ssa-core-demo "$work/pki"
echo
echo "--- audit log ($work/audit.log)"
cat "$work/audit.log"
