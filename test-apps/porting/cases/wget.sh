#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# wget (Debian's wget source built with --with-ssl=openssl by
# scripts/build-wget.sh into build/wget; Debian's own binary uses GnuTLS)
# over the drop-in, against local `openssl s_server -www` peers, under the
# test policy.
#
#   wget.sh LIBDIR REPO        (BUILD = LIBDIR/..)
#
#   trusted-get          --ca-certificate ca.crt: the s_server -www page
#                        arrives
#   audit-connection     the audit log has wget's connection line (so wget
#                        ran on our libssl)
#   noverify-selfsigned  --no-check-certificate to a self-signed server:
#                        refused, policy's reason in wget's output or audit
#   noverify-expired     the same to an expired leaf from the trusted CA
#   tls1.0-refused       --secure-protocol=TLSv1 to a TLS 1.0-only server:
#                        refused
#   big-get-sha256       16 MiB from a real nginx (system libssl), intact
#   secure-protocol-floor  --secure-protocol=TLSv1_1 (a minimum in wget):
#                        clamped to policy's TLS 1.2 (audited), connects
#   noverify-wronghost, noverify-untrusted   --no-check-certificate to a
#                        name the certificate lacks, and to an unknown CA:
#                        refused with policy's reason
#   profile-tls1.3       a profile for wget (min 1.3) refuses a TLS 1.2-only
#                        server that curl, without a profile, still reaches
#
# wget sets X509_V_FLAG_PARTIAL_CHAIN through SSL_CTX_set1_param; the
# drop-in refuses that flag (it would weaken verification) and audits it.
set -uo pipefail
libdir=${1:?usage: wget.sh LIBDIR REPO}
repo=${2:?usage: wget.sh LIBDIR REPO}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../app-env.sh
. "$here/app-env.sh"
# shellcheck source=../peers.sh
. "$here/peers.sh"

# scripts/bootstrap.sh builds wget once, into build/wget; the sanitizer
# build's suite uses the same binary over its own libssl.so.3.
wget_bin=${SSA_WGET:-$repo/build/wget/bin/wget}
if [ ! -x "$wget_bin" ]; then
  echo "RESULT wget - FAIL no $wget_bin: build it with scripts/build-wget.sh build/wget (scripts/bootstrap.sh does)"
  exit 1
fi
if ! ldd "$wget_bin" | grep 'libssl\.so\.3' >/dev/null; then
  echo "RESULT wget - FAIL $wget_bin does not link libssl.so.3 (not built --with-ssl=openssl?)"
  exit 1
fi
app_env "$libdir"
peers_setup "$repo" || { echo "RESULT wget - FAIL test PKI"; exit 1; }
# shellcheck disable=SC2317  # called through trap
cleanup() { peers_cleanup; }
trap cleanup EXIT

# No ~/.wgetrc, no HSTS database, no proxy from the environment, one try.
run_wget() {
  local name=$1
  shift
  env "${APP_ENV[@]}" timeout 60 "$wget_bin" --no-config --no-hsts --no-proxy \
    --tries=1 --timeout=20 -O "$tmp/$name.out" "$@" >"$tmp/$name.err" 2>&1 </dev/null
  rc=$?
  echo "  wget $*: exit $rc; output: $(tr '\n' ' ' <"$tmp/$name.err")"
}

start_www_server good -cert "$pki/good.crt" -cert_chain "$pki/int.crt" -key "$pki/good.key" || exit 1
good_port=$port
start_www_server selfsigned -cert "$pki/selfsigned.crt" -key "$pki/selfsigned.key" || exit 1
self_port=$port
start_www_server expired -cert "$pki/expired.crt" -cert_chain "$pki/int.crt" -key "$pki/expired.key" || exit 1
expired_port=$port
start_www_server tls10 -tls1 -cipher 'ALL:@SECLEVEL=0' \
  -cert "$pki/good.crt" -cert_chain "$pki/int.crt" -key "$pki/good.key" || exit 1
tls10_port=$port

# 1. A verified GET: the page arrives.
run_wget good --ca-certificate "$pki/ca.crt" "https://localhost:$good_port/"
if [ "$rc" -eq 0 ] && grep -q 'Ciphers supported in s_server binary' "$tmp/good.out" 2>/dev/null; then
  result wget trusted-get ok "$(wc -c <"$tmp/good.out") bytes of s_server's page ($(grep -o 'New, [^,]*, Cipher is [^ <]*' "$tmp/good.out" | head -1))"
else
  result wget trusted-get FAIL "exit $rc, or the page did not arrive"
fi
if audit_has 'app=[^ ]*wget .*frontend=libssl event=connection role=client .*verify=ok outcome=ok'; then
  result wget audit-connection ok "audit: wget connection verify=ok outcome=ok"
else
  result wget audit-connection FAIL "no connection line for wget: it did not run on the drop-in"
fi

# 2. Told not to verify: policy verifies anyway.
reason() { grep -qE "$1" "$tmp/$2.err" || audit_has "app=[^ ]*wget .*outcome=refused error=\"certificate verify failed: $1.*SSA policy requires verification"; }
run_wget selfsigned --no-check-certificate "https://localhost:$self_port/"
if [ "$rc" -ne 0 ] && ! [ -s "$tmp/selfsigned.out" ] && reason 'self-signed certificate' selfsigned; then
  result wget noverify-selfsigned ok "refused (exit $rc); self-signed certificate (SSA policy requires verification)"
else
  result wget noverify-selfsigned FAIL "exit $rc, or neither wget's output nor the audit gives policy's reason"
fi
run_wget expired --no-check-certificate "https://localhost:$expired_port/"
if [ "$rc" -ne 0 ] && ! [ -s "$tmp/expired.out" ] && reason 'certificate has expired' expired; then
  result wget noverify-expired ok "refused (exit $rc); certificate has expired (SSA policy requires verification)"
else
  result wget noverify-expired FAIL "exit $rc, or neither wget's output nor the audit gives policy's reason"
fi

# 3. TLS 1.0 is below policy's minimum, whatever wget allows.
run_wget tls10 --secure-protocol=TLSv1 --ca-certificate "$pki/ca.crt" "https://localhost:$tls10_port/"
if [ "$rc" -ne 0 ] && ! [ -s "$tmp/tls10.out" ] \
   && audit_has 'app=[^ ]*wget .*event=connection .*outcome=refused'; then
  result wget tls1.0-refused ok "refused (exit $rc); audit: $(grep 'app=[^ ]*wget .*outcome=refused' "$tmp/audit.log" | tail -1 | sed 's/.*error=//; s/ resumed=.*//')"
else
  result wget tls1.0-refused FAIL "exit $rc"
fi

# Against a real nginx (system libssl): a large body, the other bad
# certificates, the TLS floor and a per-application profile.
# shellcheck source=../https-peer.sh
. "$here/https-peer.sh"
start_https_peer good "$pki/good-chain.pem" "$pki/good.key" || exit 1
url=https://localhost:$port
make_file "$tmp/good/www/big" 16
run_wget big --ca-certificate "$pki/ca.crt" "$url/files/big"
if [ "$rc" -eq 0 ] && [ "$(sha "$tmp/big.out")" = "$(sha "$tmp/good/www/big")" ]; then
  result wget big-get-sha256 ok "16 MiB, sha256 matches"
else
  result wget big-get-sha256 FAIL "exit $rc, $(wc -c <"$tmp/big.out") bytes"
fi

# wget's TLSv1_1 is a minimum (SSL_CTX_set_min_proto_version): below
# policy's floor, so it is clamped to TLS 1.2 and the connection goes on.
run_wget proto11 --secure-protocol=TLSv1_1 --ca-certificate "$pki/ca.crt" "$url/tls"
if [ "$rc" -eq 0 ] && [[ $(cut -d' ' -f1 "$tmp/proto11.out") == TLSv1.[23] ]] \
   && audit_has 'app=[^ ]*wget .*event=policy detail="clamped: min_protocol'; then
  result wget secure-protocol-floor ok "--secure-protocol=TLSv1_1 clamped (audited); got $(cut -d' ' -f1,2 "$tmp/proto11.out")"
else
  result wget secure-protocol-floor FAIL "exit $rc: $(cat "$tmp/proto11.out")"
fi

start_https_peer untrusted "$pki/untrusted-chain.pem" "$pki/untrusted.key" || exit 1
untrusted=$port
start_https_peer wronghost "$pki/wronghost-chain.pem" "$pki/wronghost.key" || exit 1
run_wget wronghost --no-check-certificate "https://localhost:$port/tls"
if [ "$rc" -ne 0 ] && ! [ -s "$tmp/wronghost.out" ] && reason 'hostname mismatch' wronghost; then
  result wget noverify-wronghost ok "refused (exit $rc); hostname mismatch (SSA policy requires verification)"
else
  result wget noverify-wronghost FAIL "exit $rc, or no policy reason"
fi
run_wget untrusted --no-check-certificate "https://localhost:$untrusted/tls"
if [ "$rc" -ne 0 ] && ! [ -s "$tmp/untrusted.out" ] \
   && reason 'self-signed certificate in certificate chain|unable to get local issuer certificate' untrusted; then
  result wget noverify-untrusted ok "refused (exit $rc); untrusted root (SSA policy requires verification)"
else
  result wget noverify-untrusted FAIL "exit $rc, or no policy reason"
fi

# A profile for wget only: at least TLS 1.3; a TLS 1.2-only server is
# refused to wget and still served to curl (no profile).
start_https_peer tls12 "$pki/good-chain.pem" "$pki/good.key" TLSv1.2 || exit 1
wget_real=$(readlink -f "$wget_bin")
cat >"$tmp/ssa.conf" <<CONF
default: { trust_store = "$pki/ca.crt"; audit = "$tmp/audit.log"; };
profiles = ( { application = "$wget_real"; min_protocol = "1.3"; } );
CONF
run_wget prof13 "https://localhost:$port/tls"
wget_rc=$rc
env "${APP_ENV[@]}" timeout 30 curl -sS --cacert "$pki/ca.crt" -o "$tmp/prof13-curl.out" "https://localhost:$port/tls"
curl_rc=$?
if [ "$wget_rc" -ne 0 ] && [ "$curl_rc" -eq 0 ] && [ "$(cut -d' ' -f1 "$tmp/prof13-curl.out")" = TLSv1.2 ] \
   && [ "$(grep "app=$wget_real .*event=connection" "$tmp/audit.log" | tail -1 | grep -c 'outcome=refused')" = 1 ]; then
  result wget profile-tls1.3 ok "wget's profile refuses TLS 1.2 (exit $wget_rc); curl (no profile) got TLSv1.2"
else
  result wget profile-tls1.3 FAIL "wget exit $wget_rc, curl exit $curl_rc"
fi

[ "$failures" -eq 0 ] || { show_audit; exit 1; }
exit 0
