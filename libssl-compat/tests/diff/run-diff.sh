#!/usr/bin/env bash
# The differential harness (issue 4; ctest compat.differential). Each program
# in libssl-compat/tests/diff/ is compiled against OpenSSL's headers and linked
# against the system's -lssl -lcrypto, then run twice with the same
# arguments: as it is (system libssl.so.3) and with LD_LIBRARY_PATH=BUILD/lib
# (ours). Where policy does not intervene, stdout and the exit status must be
# identical; any difference fails, and the diff is shown.
#
#   run-diff.sh BUILD_DIR [MAKE_PKI_SCRIPT]
#
# Cases (the servers are `openssl s_server -rev`, one per run, with the
# version and cipher pinned so that neither library's preference order nor
# the policy picks them):
#   errors               diff_errors: failing and state-reading calls, no network
#   api                  diff_api: getters and setters around a context and an
#                        in-process connection (options, ex_data, store,
#                        callbacks, certificate and key, sessions, ...)
#   io-states-tls13/12   diff_io_states: client and server in one process over
#                        a BIO pair: read/write/peek returns and SSL_get_error
#                        (WANT_READ, WANT_WRITE, ZERO_RETURN, SSL), partial
#                        writes, pending, shutdown flags, EOF without
#                        close_notify with and without IGNORE_UNEXPECTED_EOF
#   client-tls13         diff_client against a TLS 1.3 server, good chain
#   client-tls12         the same, TLS 1.2, ECDHE-ECDSA-AES128-GCM-SHA256
#   client-wronghost     certificate for another name: verify result 62
#   client-untrusted     certificate from another root: verify result 19
#   client-expired       expired certificate: verify result 10
#                        (these three fail under both libraries for the same
#                        reason: the application asked for verification, so
#                        policy and application agree)
#   client-halfclose-*   TCP half-close after the echo: the server's fatal
#                        alert as SSL_read reports it (0, SSL_ERROR_SSL)
#   python-calls-tls13   diff_python_calls: cipher NIDs and description,
#                        Finished lengths, verified chain, session getters,
#                        i2d/d2i copy resuming a second connection
#   python-calls-tls12   the same over TLS 1.2
#   membio-tls13         diff_membio: a client over two memory BIOs, bytes
#                        moved by the program (python's SSLObject, asyncio):
#                        SSL_get_error at each step, data, the peer's close
#   membio-tls12         the same over TLS 1.2
# KEEP_DIFF=DIR keeps every output (copied to DIR) for a look afterwards.
set -euo pipefail

build=$(cd "${1:?usage: run-diff.sh BUILD_DIR [MAKE_PKI_SCRIPT]}" && pwd)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
make_pki=${2:-$here/../../../ssa-core/tests/pki/make-pki.sh}
bin="$build/libssl-compat/tests/diff"
ours="$build/lib"

[ -f "$ours/libssl.so.3" ] || { echo "FAIL $ours/libssl.so.3 is not built"; exit 1; }
command -v openssl >/dev/null || { echo "FAIL the openssl command is not installed"; exit 1; }

tmp=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; fi
  [ -n "${KEEP_DIFF:-}" ] && cp -r "$tmp" "$KEEP_DIFF"; rm -rf "$tmp"
}
trap cleanup EXIT

# The openssl command must run on the system's libssl, whatever the caller's
# environment says.
unset LD_LIBRARY_PATH
"$make_pki" "$tmp/pki"
pki="$tmp/pki"
# The policy both runs see (the system library ignores it): the test PKI's
# root as trust store, no audit noise. Everything else is the default.
cat >"$tmp/ssa.conf" <<EOF
default: {
  trust_store = "$pki/roots.pem";
  audit = "off";
};
EOF
export SSA_CONF="$tmp/ssa.conf"

# Make sure each run loads the library we mean: the dynamic loader's own
# answer, not an assumption.
loaded() {
  LD_LIBRARY_PATH=$1 ldd "$bin/diff_errors" | awk '$1 == "libssl.so.3" {print $3}'
}
sys_lib=$(ldd "$bin/diff_errors" | awk '$1 == "libssl.so.3" {print $3}')
our_lib=$(loaded "$ours")
if [ "$(readlink -f "$our_lib")" != "$(readlink -f "$ours/libssl.so.3")" ] \
   || [ "$(readlink -f "$sys_lib")" = "$(readlink -f "$ours/libssl.so.3")" ]; then
  echo "FAIL cannot tell the libraries apart: system run loads '$sys_lib', ours loads '$our_lib'"
  exit 1
fi
echo "system libssl: $sys_lib"
echo "our libssl:    $our_lib"

# start_server OUTFILE ARGS...: an s_server for one connection; sets $port.
start_server() {
  local log=$1
  shift
  openssl s_server -4 -accept 0 -naccept 1 -rev "$@" >"$log" 2>&1 &
  server_pid=$!
  local i
  for i in $(seq 100); do
    port=$(sed -n 's/^ACCEPT .*:\([0-9][0-9]*\)$/\1/p' "$log")
    [ -n "$port" ] && return 0
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "s_server did not start (tried $i times):"
  sed 's/^/  /' "$log"
  return 1
}

stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
  fi
}

# run_one LABEL LD_LIBRARY_PATH SERVER_ARGS(string, may be empty) PROGRAM ARGS...
# Writes $tmp/<case>.<label>.out (stdout + exit status) and .err.
run_one() {
  local label=$1 libpath=$2 server_args=$3 prog=$4
  shift 4
  local out="$tmp/$case.$label.out" err="$tmp/$case.$label.err" args=("$@") rc=0
  if [ -n "$server_args" ]; then
    local sargs
    read -r -a sargs <<<"$server_args"
    start_server "$tmp/$case.$label.server" "${sargs[@]}" || return 1
    args=("$port" "${args[@]}")
  fi
  if [ -n "$libpath" ]; then
    LD_LIBRARY_PATH=$libpath timeout 60 "$bin/$prog" "${args[@]}" >"$out" 2>"$err" || rc=$?
  else
    timeout 60 "$bin/$prog" "${args[@]}" >"$out" 2>"$err" || rc=$?
  fi
  echo "exit=$rc" >>"$out"
  stop_server
}

failed=()
# check CASE SERVER_ARGS PROGRAM ARGS...
check() {
  case=$1
  local server_args=$2
  shift 2
  run_one system "" "$server_args" "$@" || { failed+=("$case"); return; }
  run_one ours "$ours" "$server_args" "$@" || { failed+=("$case"); return; }
  if diff -u --label "$case (system libssl)" --label "$case (ours)" \
       "$tmp/$case.system.out" "$tmp/$case.ours.out" >"$tmp/$case.diff"; then
    echo "ok   $case ($(wc -l <"$tmp/$case.system.out") lines identical)"
  else
    echo "FAIL $case: outputs differ"
    sed 's/^/  /' "$tmp/$case.diff"
    local label
    for label in system ours; do
      if [ -s "$tmp/$case.$label.err" ]; then
        echo "  stderr ($label):"
        sed 's/^/    /' "$tmp/$case.$label.err"
      fi
    done
    failed+=("$case")
  fi
}

server() { # LEAF VERSION-ARGS...: s_server arguments as one string
  local leaf=$1
  shift
  local chain=int.crt
  [ "$leaf" = untrusted ] && chain=other-ca.crt
  echo "-cert $pki/$leaf.crt -key $pki/$leaf.key -cert_chain $pki/$chain $*"
}
tls13="-tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256"
tls12="-tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256"

check errors "" diff_errors "$pki"
check api "" diff_api "$pki"
check io-states-tls13 "" diff_io_states "$pki" tls1.3
check io-states-tls12 "" diff_io_states "$pki" tls1.2
check client-tls13 "$(server good "$tls13")" diff_client "$pki/roots.pem" localhost
check client-tls12 "$(server good "$tls12")" diff_client "$pki/roots.pem" localhost
check client-wronghost "$(server wronghost "$tls13")" diff_client "$pki/roots.pem" localhost
check client-untrusted "$(server untrusted "$tls13")" diff_client "$pki/roots.pem" localhost
check client-expired "$(server expired "$tls13")" diff_client "$pki/roots.pem" localhost
check client-halfclose-tls12 "$(server good "$tls12")" diff_client "$pki/roots.pem" localhost halfclose
check client-halfclose-tls13 "$(server good "$tls13")" diff_client "$pki/roots.pem" localhost halfclose
# The calls python's _ssl makes (diff_python_calls): two connections, the
# second resuming the first's session through an i2d/d2i copy.
check python-calls-tls13 "$(server good "$tls13") -naccept 2" diff_python_calls "$pki/roots.pem" localhost
check python-calls-tls12 "$(server good "$tls12") -naccept 2" diff_python_calls "$pki/roots.pem" localhost
check membio-tls13 "$(server good "$tls13")" diff_membio "$pki/roots.pem" localhost
check membio-tls12 "$(server good "$tls12")" diff_membio "$pki/roots.pem" localhost

if [ ${#failed[@]} -gt 0 ]; then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
echo "all cases print the same under both libraries"
