#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# socat (Debian's socat, OPENSSL: client address) over the drop-in, against
# local `openssl s_server -rev` peers, under the test policy.
#
#   socat.sh LIBDIR REPO
#
#   trusted-transfer     cafile=ca.crt: ~400 KB out, every line back
#                        reversed, sha256 intact
#   audit-connection     the audit log has socat's connection line (so socat
#                        ran on our libssl)
#   verify0-selfsigned   verify=0 to a self-signed server: refused anyway;
#                        socat's own error and the audit say why
#   verify0-expired      verify=0 to an expired leaf from the trusted CA
#   tls1.0-refused       min-version=TLS1.0 to a TLS 1.0-only server: refused
set -uo pipefail
libdir=${1:?usage: socat.sh LIBDIR REPO}
repo=${2:?usage: socat.sh LIBDIR REPO}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../app-env.sh
. "$here/app-env.sh"
# shellcheck source=../peers.sh
. "$here/peers.sh"

socat_bin=$(command -v socat) || { echo "RESULT socat - FAIL socat is not installed (scripts/bootstrap.sh)"; exit 1; }
app_env "$libdir"
peers_setup "$repo" || { echo "RESULT socat - FAIL test PKI"; exit 1; }
# shellcheck disable=SC2317  # called through trap
cleanup() { peers_cleanup; }
trap cleanup EXIT

run_socat() {
  local name=$1 input=$2 address=$3
  env "${APP_ENV[@]}" timeout 60 "$socat_bin" STDIO "$address" \
    <"$input" >"$tmp/$name.out" 2>"$tmp/$name.err"
  rc=$?
  echo "  socat STDIO $address: exit $rc; stderr: $(tr '\n' ' ' <"$tmp/$name.err")"
}

start_server good -cert "$pki/good.crt" -cert_chain "$pki/int.crt" -key "$pki/good.key" || exit 1
good_port=$port
start_server selfsigned -cert "$pki/selfsigned.crt" -key "$pki/selfsigned.key" || exit 1
self_port=$port
start_server expired -cert "$pki/expired.crt" -cert_chain "$pki/int.crt" -key "$pki/expired.key" || exit 1
expired_port=$port
start_server tls10 -tls1 -cipher 'ALL:@SECLEVEL=0' \
  -cert "$pki/good.crt" -cert_chain "$pki/int.crt" -key "$pki/good.key" || exit 1
tls10_port=$port

head -c 300000 /dev/urandom | base64 >"$tmp/data.txt"
{ cat "$tmp/data.txt"; echo CLOSE; } >"$tmp/in.txt"
want=$(sha256sum <"$tmp/data.txt" | cut -d' ' -f1)
echo hello >"$tmp/hello.txt"

# 1. Data both ways, intact.
run_socat transfer "$tmp/in.txt" "OPENSSL:localhost:$good_port,cafile=$pki/ca.crt"
got=$(rev "$tmp/transfer.out" | sha256sum | cut -d' ' -f1)
if [ "$rc" -eq 0 ] && [ "$got" = "$want" ]; then
  result socat trusted-transfer ok "$(wc -c <"$tmp/data.txt") bytes out and back, sha256 intact"
else
  result socat trusted-transfer FAIL "exit $rc, sha256 $got, want $want"
fi
if audit_has 'app=[^ ]*socat .*frontend=libssl event=connection role=client .*verify=ok outcome=ok'; then
  result socat audit-connection ok "audit: socat connection verify=ok outcome=ok"
else
  result socat audit-connection FAIL "no connection line for socat: it did not run on the drop-in"
fi

# 2. verify=0: policy verifies anyway.
run_socat selfsigned "$tmp/hello.txt" "OPENSSL:localhost:$self_port,verify=0"
if [ "$rc" -ne 0 ] && ! grep -q olleh "$tmp/selfsigned.out" \
   && grep -q 'certificate verify failed' "$tmp/selfsigned.err" \
   && audit_has 'app=[^ ]*socat .*outcome=refused error="certificate verify failed: self-signed certificate.*SSA policy requires verification'; then
  result socat verify0-selfsigned ok "refused (exit $rc); socat: $(grep -o 'SSL_connect.*' "$tmp/selfsigned.err" | head -1)"
else
  result socat verify0-selfsigned FAIL "exit $rc, or socat/audit do not give policy's reason"
fi
run_socat expired "$tmp/hello.txt" "OPENSSL:localhost:$expired_port,verify=0,cafile=$pki/ca.crt"
if [ "$rc" -ne 0 ] && ! grep -q olleh "$tmp/expired.out" \
   && grep -q 'certificate verify failed' "$tmp/expired.err" \
   && audit_has 'app=[^ ]*socat .*outcome=refused error="certificate verify failed: certificate has expired.*SSA policy requires verification'; then
  result socat verify0-expired ok "refused (exit $rc); socat: $(grep -o 'SSL_connect.*' "$tmp/expired.err" | head -1)"
else
  result socat verify0-expired FAIL "exit $rc, or socat/audit do not give policy's reason"
fi

# 3. TLS 1.0 is below policy's minimum, whatever socat asks.
run_socat tls10 "$tmp/hello.txt" "OPENSSL:localhost:$tls10_port,cafile=$pki/ca.crt,min-version=TLS1.0"
if [ "$rc" -ne 0 ] && ! grep -q olleh "$tmp/tls10.out" && grep -q 'SSA policy' "$tmp/tls10.err" \
   && audit_has 'app=[^ ]*socat .*event=connection .*outcome=refused'; then
  result socat tls1.0-refused ok "refused (exit $rc); socat: $(grep -o 'SSL_connect.*' "$tmp/tls10.err" | head -1)"
else
  result socat tls1.0-refused FAIL "exit $rc"
fi

[ "$failures" -eq 0 ] || { show_audit; exit 1; }
exit 0
