#!/usr/bin/env bash
# The real, unmodified curl (Debian's /usr/bin/curl and libcurl4) over our
# libssl.so.3, against `openssl s_server -www`.
#
#   curl_test.sh LIBDIR MAKE_PKI
#
# Only curl gets LD_LIBRARY_PATH=LIBDIR; openssl (PKI, s_server) keeps the
# system's libssl. The policy comes from SSA_CONF in a temp dir, with the
# test PKI's root as trust store and an audit file, which also proves that
# curl ran on our library (the system's libssl writes no audit lines).
#
#   1. GET with --cacert ca.crt: the body arrives.
#   1b. --cacert other-ca.crt to the same server: refused (the application's
#      anchors narrow trust, even though curl loads them only after its
#      ClientHello went out).
#   2. curl -k to a self-signed server: refused anyway (policy requires
#      verification), exit 60 or 35, stderr names the verify failure.
#   3. --tlsv1.0 --tls-max 1.0 to a TLS 1.0-only server: refused.
set -uo pipefail

libdir=${1:?usage: curl_test.sh LIBDIR MAKE_PKI}
make_pki=${2:?usage: curl_test.sh LIBDIR MAKE_PKI}
curl_bin=$(command -v curl) || { echo "FAIL curl is not installed (scripts/bootstrap.sh)"; exit 1; }
[ -e "$libdir/libssl.so.3" ] || { echo "FAIL no $libdir/libssl.so.3"; exit 1; }

# shellcheck source=/dev/null
. "$(dirname "${BASH_SOURCE[0]}")/../../test-apps/porting/app-env.sh"
app_env "$libdir"

tmp=$(mktemp -d)
pids=()
# shellcheck disable=SC2317  # called through trap
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT

failures=0
# ok|fail CASE DETAIL: one line per case, "ok   CASE DETAIL" / "FAIL CASE DETAIL".
fail() { echo "FAIL $*"; failures=$((failures + 1)); }
ok() { echo "ok   $*"; }

"$make_pki" "$tmp/pki" || { echo "FAIL make-pki.sh"; exit 1; }
pki=$tmp/pki
cat >"$tmp/ssa.conf" <<EOF
default: {
  trust_store = "$pki/roots.pem";
  audit = "$tmp/audit.log";
};
EOF
export SSA_CONF=$tmp/ssa.conf
unset SSLKEYLOGFILE

# start_server LOGNAME ARGS...: s_server -www on a port of its choosing;
# sets $port (read back from its ACCEPT line).
start_server() {
  local log=$tmp/$1.log
  shift
  openssl s_server -www -accept 0 "$@" >"$log" 2>&1 &
  pids+=($!)
  port=
  for _ in $(seq 100); do
    port=$(sed -n 's/^ACCEPT .*:\([0-9][0-9]*\)$/\1/p' "$log" | head -1)
    [ -n "$port" ] && return 0
    sleep 0.1
  done
  echo "FAIL openssl s_server $* did not start:"; cat "$log"; exit 1
}

# run_curl NAME ARGS...: our libssl for curl only; sets $rc, output in
# $tmp/NAME.out and $tmp/NAME.err.
run_curl() {
  local name=$1
  shift
  env "${APP_ENV[@]}" timeout 60 "$curl_bin" -sS "$@" \
    >"$tmp/$name.out" 2>"$tmp/$name.err"
  rc=$?
  echo "     curl $*: exit $rc; stderr: $(tr '\n' ' ' <"$tmp/$name.err")"
}

start_server good -cert "$pki/good.crt" -cert_chain "$pki/int.crt" -key "$pki/good.key"
good_port=$port
start_server selfsigned -cert "$pki/selfsigned.crt" -key "$pki/selfsigned.key"
self_port=$port
start_server tls10 -tls1 -cipher 'ALL:@SECLEVEL=0' \
  -cert "$pki/good.crt" -cert_chain "$pki/int.crt" -key "$pki/good.key"
tls10_port=$port

# 1. A GET that works, body included (s_server -www answers with a page
# that quotes its own command line).
run_curl get --cacert "$pki/ca.crt" "https://localhost:$good_port/"
if [ "$rc" -eq 0 ] && grep -q 's_server -www' "$tmp/get.out"; then
  ok trusted-get "GET with --cacert: $(wc -c <"$tmp/get.out") bytes of body"
else
  fail trusted-get "GET with --cacert (exit $rc)"
fi
if grep -q 'frontend=libssl event=connection role=client .*outcome=ok' "$tmp/audit.log" 2>/dev/null; then
  ok uses-drop-in "curl ran on our libssl (audit: connection ok)"
else
  fail uses-drop-in "no audit line: curl did not use build/lib/libssl.so.3"
fi

# 1b. The application's anchors narrow trust.
run_curl other --cacert "$pki/other-ca.crt" "https://localhost:$good_port/"
if [ "$rc" -eq 60 ] || [ "$rc" -eq 35 ]; then
  ok other-ca-refused "--cacert other-ca.crt refused (exit $rc)"
else
  fail other-ca-refused "--cacert other-ca.crt: exit $rc, want 60 or 35"
fi

# 2. -k does not turn verification off under policy.
run_curl insecure -k "https://localhost:$self_port/"
if { [ "$rc" -eq 60 ] || [ "$rc" -eq 35 ]; } \
   && grep -qiE 'self-signed certificate|verify failed' "$tmp/insecure.err"; then
  ok k-selfsigned-refused "curl -k to a self-signed server refused (exit $rc)"
else
  fail k-selfsigned-refused "curl -k to a self-signed server: exit $rc, stderr: $(cat "$tmp/insecure.err")"
fi
if grep -q 'SSA policy requires verification' "$tmp/audit.log" 2>/dev/null; then
  ok audit-says-policy "audit names the policy"
else
  fail audit-says-policy "audit does not say policy requires verification"
fi

# 3. TLS 1.0 is below policy's minimum.
run_curl tls10 --tlsv1.0 --tls-max 1.0 --cacert "$pki/ca.crt" "https://localhost:$tls10_port/"
if [ "$rc" -eq 35 ] && grep -q 'SSA policy' "$tmp/tls10.err"; then
  ok tls1.0-refused "TLS 1.0 refused by policy (exit $rc)"
else
  fail tls1.0-refused "TLS 1.0: exit $rc"
fi

if [ "$failures" -ne 0 ]; then
  echo "--- audit log"; cat "$tmp/audit.log" 2>/dev/null
  exit 1
fi
exit 0
