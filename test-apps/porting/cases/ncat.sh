#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# ncat (Debian's nmap ncat, `ncat --ssl` client) over the drop-in, against
# local `openssl s_server -rev` peers, under the test policy.
#
#   ncat.sh LIBDIR REPO
#
#   trusted-transfer     --ssl-trustfile ca.crt: ~400 KB out, every line back
#                        reversed, sha256 intact
#   audit-connection     the audit log has ncat's connection line (so ncat
#                        ran on our libssl)
#   noverify-selfsigned  no --ssl-verify (ncat then verifies nothing) to a
#                        self-signed server: refused, the audit says why
#   noverify-expired     the same to an expired leaf from the trusted CA
#   tls1.0-refused       a TLS 1.0-only server: refused
#
# ncat without --ssl-trustfile loads the system bundle as its own anchors,
# which replaces the policy's store (DESIGN.md section 4): so the trusted
# case names the test root, as a user would.
set -uo pipefail
libdir=${1:?usage: ncat.sh LIBDIR REPO}
repo=${2:?usage: ncat.sh LIBDIR REPO}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../app-env.sh
. "$here/app-env.sh"
# shellcheck source=../peers.sh
. "$here/peers.sh"

ncat_bin=$(command -v ncat) || { echo "RESULT ncat - FAIL ncat is not installed (scripts/bootstrap.sh)"; exit 1; }
app_env "$libdir"
peers_setup "$repo" || { echo "RESULT ncat - FAIL test PKI"; exit 1; }
# shellcheck disable=SC2317  # called through trap
cleanup() { peers_cleanup; }
trap cleanup EXIT

run_ncat() {
  local name=$1 input=$2
  shift 2
  env "${APP_ENV[@]}" timeout 60 "$ncat_bin" "$@" <"$input" >"$tmp/$name.out" 2>"$tmp/$name.err"
  rc=$?
  echo "  ncat $*: exit $rc; stderr: $(tr '\n' ' ' <"$tmp/$name.err")"
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
run_ncat transfer "$tmp/in.txt" --ssl --ssl-trustfile "$pki/ca.crt" localhost "$good_port"
got=$(rev "$tmp/transfer.out" | sha256sum | cut -d' ' -f1)
if [ "$rc" -eq 0 ] && [ "$got" = "$want" ]; then
  result ncat trusted-transfer ok "$(wc -c <"$tmp/data.txt") bytes out and back, sha256 intact"
else
  result ncat trusted-transfer FAIL "exit $rc, sha256 $got, want $want"
fi
if audit_has 'app=[^ ]*ncat .*frontend=libssl event=connection role=client .*verify=ok outcome=ok'; then
  result ncat audit-connection ok "audit: ncat connection verify=ok outcome=ok"
else
  result ncat audit-connection FAIL "no connection line for ncat: it did not run on the drop-in"
fi

# 2. Not told to verify: policy verifies anyway.
run_ncat selfsigned "$tmp/hello.txt" --ssl localhost "$self_port"
if [ "$rc" -ne 0 ] && ! grep -q olleh "$tmp/selfsigned.out" \
   && audit_has 'app=[^ ]*ncat .*outcome=refused error="certificate verify failed: self-signed certificate.*SSA policy requires verification'; then
  result ncat noverify-selfsigned ok "refused (exit $rc); audit: self-signed certificate (SSA policy requires verification)"
else
  result ncat noverify-selfsigned FAIL "exit $rc, or the audit does not give policy's reason"
fi
run_ncat expired "$tmp/hello.txt" --ssl --ssl-trustfile "$pki/ca.crt" localhost "$expired_port"
if [ "$rc" -ne 0 ] && ! grep -q olleh "$tmp/expired.out" \
   && audit_has 'app=[^ ]*ncat .*outcome=refused error="certificate verify failed: certificate has expired.*SSA policy requires verification'; then
  result ncat noverify-expired ok "refused (exit $rc); audit: certificate has expired (SSA policy requires verification)"
else
  result ncat noverify-expired FAIL "exit $rc, or the audit does not give policy's reason"
fi

# 3. TLS 1.0 is below policy's minimum.
run_ncat tls10 "$tmp/hello.txt" --ssl --ssl-trustfile "$pki/ca.crt" localhost "$tls10_port"
if [ "$rc" -ne 0 ] && ! grep -q olleh "$tmp/tls10.out" \
   && audit_has 'app=[^ ]*ncat .*event=connection .*outcome=refused'; then
  result ncat tls1.0-refused ok "refused (exit $rc); audit: $(grep 'app=[^ ]*ncat .*outcome=refused' "$tmp/audit.log" | tail -1 | sed 's/.*error=//')"
else
  result ncat tls1.0-refused FAIL "exit $rc"
fi

[ "$failures" -eq 0 ] || { show_audit; exit 1; }
exit 0
