#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# curl (Debian's curl + libcurl4) over the drop-in.
#
#   curl.sh LIBDIR REPO
#
# The first cases run against `openssl s_server -www`, the rest against a
# real nginx on the system libssl (https-peer.sh):
#
#   trusted-get          --cacert ca.crt: s_server's page arrives
#   uses-drop-in         the audit log has curl's connection (so curl ran on
#                        our libssl; the system's writes no audit lines)
#   other-ca-refused     --cacert other-ca.crt: the application's anchors
#                        replace policy's store, so the server is refused
#   k-selfsigned-refused curl -k to a self-signed server: refused anyway
#   audit-says-policy    the audit names policy as the reason
#   tls1.0-refused       --tlsv1.0 --tls-max 1.0 to a TLS 1.0-only server:
#                        refused, "SSA policy" in curl's error
#   big-get-sha256       a 24 MiB body arrives intact
#   post-sha256          an 8 MiB POST body arrives intact at the server
#   http2-alpn           --http2: HTTP/2 negotiated by ALPN; the server saw
#                        the version and suite the audit log has for curl
#   connection-reuse     two URLs, one connection (num_connects 1 then 0)
#   resume-tls1.3        two connections, the second resumed (the server's
#   resume-tls1.2        $ssl_session_reused), TLS 1.3 tickets and 1.2
#   ciphers-chosen       --ciphers with one AEAD suite: the server used it
#   ciphers-weak-clamped --ciphers 'AES128-SHA:ECDHE-ECDSA-AES128-GCM-SHA256':
#                        the weak suite is dropped (audited), the AEAD used
#   ciphers-weak-only    --ciphers 'DES-CBC3-SHA:AES128-SHA': refused with a
#                        reason, before anything is sent
#   tls1.0-floor         --tlsv1.0 (a minimum): TLS 1.2+ anyway, clamp audited
#   k-expired, k-wronghost, k-untrusted   -k to an expired leaf, a leaf for
#                        another name (--resolve), a leaf from an unknown CA:
#                        refused with policy's reason in curl's stderr
#   profile-tls1.3       a profile for curl (min_protocol 1.3) refuses a
#                        TLS 1.2-only server; wget, without a profile, gets it
#   profile-private-ca   a profile giving curl a private CA as trust store:
#                        curl verifies the server, wget (system store) is
#                        refused
#   cacert-private-ca    policy's store is the system's; --cacert ca.crt
#                        verifies the server (curl loads it only after its
#                        ClientHello), --cacert other-ca.crt is refused
#   audit-per-connection one audit line for each connection curl made here
set -uo pipefail
libdir=${1:?usage: curl.sh LIBDIR REPO}
repo=${2:?usage: curl.sh LIBDIR REPO}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# shellcheck source=../app-env.sh
. "$here/app-env.sh"
# shellcheck source=../peers.sh
. "$here/peers.sh"
# shellcheck source=../https-peer.sh
. "$here/https-peer.sh"

curl_bin=$(command -v curl) || { echo "RESULT curl - FAIL curl is not installed"; exit 1; }
app_env "$libdir"
peers_setup "$repo" || { echo "RESULT curl - FAIL test PKI"; exit 1; }
trap peers_cleanup EXIT

# run_curl NAME ARGS...: curl over the drop-in; $rc, $tmp/NAME.{out,err}.
run_curl() {
  local name=$1
  shift
  env "${APP_ENV[@]}" timeout 60 "$curl_bin" -sS "$@" >"$tmp/$name.out" 2>"$tmp/$name.err"
  rc=$?
  echo "  curl $*: exit $rc; stderr: $(head -c 300 "$tmp/$name.err" | tr '\n' ' ')"
}
connections() { grep -c 'app=/usr/bin/curl .*event=connection' "$tmp/audit.log" 2>/dev/null; }

chain=(-cert "$pki/good.crt" -cert_chain "$pki/int.crt" -key "$pki/good.key")
start_www_server www "${chain[@]}" || exit 1
www=$port
start_www_server selfsigned -cert "$pki/selfsigned.crt" -key "$pki/selfsigned.key" || exit 1
self=$port
start_www_server tls10 -tls1 -cipher 'ALL:@SECLEVEL=0' "${chain[@]}" || exit 1
tls10=$port

run_curl get --cacert "$pki/ca.crt" "https://localhost:$www/"
if [ "$rc" -eq 0 ] && grep -q 'Ciphers supported in s_server binary' "$tmp/get.out"; then
  result curl trusted-get ok "GET with --cacert: $(wc -c <"$tmp/get.out") bytes of s_server's page"
else
  result curl trusted-get FAIL "exit $rc"
fi
if audit_has 'app=/usr/bin/curl .*frontend=libssl event=connection role=client .*outcome=ok'; then
  result curl uses-drop-in ok "curl ran on our libssl (audit: connection ok)"
else
  result curl uses-drop-in FAIL "no audit line: curl did not use the drop-in"
fi
run_curl other --cacert "$pki/other-ca.crt" "https://localhost:$www/"
if [ "$rc" -eq 60 ] || [ "$rc" -eq 35 ]; then
  result curl other-ca-refused ok "--cacert other-ca.crt refused (exit $rc)"
else
  result curl other-ca-refused FAIL "exit $rc, want 60 or 35"
fi
run_curl insecure -k "https://localhost:$self/"
if { [ "$rc" -eq 60 ] || [ "$rc" -eq 35 ]; } && grep -q 'self-signed certificate' "$tmp/insecure.err"; then
  result curl k-selfsigned-refused ok "curl -k to a self-signed server refused (exit $rc)"
else
  result curl k-selfsigned-refused FAIL "exit $rc: $(cat "$tmp/insecure.err")"
fi
if audit_has 'app=/usr/bin/curl .*self-signed certificate \(SSA policy requires verification\)'; then
  result curl audit-says-policy ok "audit: self-signed certificate (SSA policy requires verification)"
else
  result curl audit-says-policy FAIL "the audit does not name policy"
fi
run_curl tls10 --tlsv1.0 --tls-max 1.0 --cacert "$pki/ca.crt" "https://localhost:$tls10/"
if [ "$rc" -eq 35 ] && grep -q 'SSA policy' "$tmp/tls10.err"; then
  result curl tls1.0-refused ok "TLS 1.0 refused by policy (exit $rc)"
else
  result curl tls1.0-refused FAIL "exit $rc: $(cat "$tmp/tls10.err")"
fi

start_https_peer good "$pki/good-chain.pem" "$pki/good.key" || exit 1
good=$port
url=https://localhost:$good
make_file "$tmp/good/www/big" 24
make_file "$tmp/post-body" 8

run_curl big --cacert "$pki/ca.crt" "$url/files/big"
if [ "$rc" -eq 0 ] && [ "$(sha "$tmp/big.out")" = "$(sha "$tmp/good/www/big")" ]; then
  result curl big-get-sha256 ok "24 MiB, sha256 $(sha "$tmp/big.out" | cut -c1-16)..."
else
  result curl big-get-sha256 FAIL "exit $rc, $(wc -c <"$tmp/big.out") bytes"
fi

run_curl post --cacert "$pki/ca.crt" --data-binary "@$tmp/post-body" "$url/post/body"
stored=$tmp/good/up/post/body
if [ "$rc" -eq 0 ] && [ -f "$stored" ] && [ "$(sha "$stored")" = "$(sha "$tmp/post-body")" ]; then
  result curl post-sha256 ok "8 MiB POST, stored body's sha256 matches"
else
  result curl post-sha256 FAIL "exit $rc; stored: $(wc -c <"$stored" 2>/dev/null || echo none)"
fi

run_curl h2 --cacert "$pki/ca.crt" --http2 -w '%{http_version}\n' "$url/tls"
read -r proto cipher alpn sni _ <"$tmp/h2.out"
seen=$(grep 'app=/usr/bin/curl .*event=connection .*outcome=ok' "$tmp/audit.log" | tail -1)
if [ "$rc" -eq 0 ] && [ "$alpn" = h2 ] && [ "$(tail -1 "$tmp/h2.out")" = 2 ] \
   && [ "$sni" = localhost ] && [[ $seen == *"version=$proto cipher=$cipher "* ]]; then
  result curl http2-alpn ok "HTTP/2 over ALPN h2; server and audit agree: $proto $cipher"
else
  result curl http2-alpn FAIL "exit $rc; server: $(head -1 "$tmp/h2.out"); audit: $seen"
fi

run_curl reuse --cacert "$pki/ca.crt" -w '%{num_connects}\n' -o /dev/null -o /dev/null "$url/tls" "$url/tls"
if [ "$rc" -eq 0 ] && [ "$(tr '\n' ' ' <"$tmp/reuse.out")" = "1 0 " ]; then
  result curl connection-reuse ok "two requests, one connection"
else
  result curl connection-reuse FAIL "exit $rc; num_connects: $(tr '\n' ' ' <"$tmp/reuse.out")"
fi

# "Connection: close" makes nginx end each connection: the second request
# needs a new one, which resumes the first one's session.
for v in 1.3 1.2; do
  run_curl "resume$v" --cacert "$pki/ca.crt" --tlsv$v --tls-max $v --http1.1 -H "Connection: close" \
    "$url/tls" "$url/tls"
  reused=$(awk '{print $5}' "$tmp/resume$v.out" | tr '\n' ' ')
  if [ "$rc" -eq 0 ] && [ "$reused" = ". r " ] \
     && [ "$(grep 'app=/usr/bin/curl .*event=connection' "$tmp/audit.log" | tail -2 | grep -o 'resumed=[a-z]*' | tr '\n' ' ')" = "resumed=no resumed=yes " ]; then
    result curl "resume-tls$v" ok "second connection resumed (server: \$ssl_session_reused = r; audit: resumed=yes)"
  else
    result curl "resume-tls$v" FAIL "exit $rc; server's \$ssl_session_reused per request: '$reused'"
  fi
done

run_curl cipher --cacert "$pki/ca.crt" --tls-max 1.2 --ciphers ECDHE-ECDSA-AES256-GCM-SHA384 "$url/tls"
if [ "$rc" -eq 0 ] && [ "$(cut -d' ' -f1,2 "$tmp/cipher.out")" = "TLSv1.2 ECDHE-ECDSA-AES256-GCM-SHA384" ]; then
  result curl ciphers-chosen ok "--ciphers ECDHE-ECDSA-AES256-GCM-SHA384: the server used it"
else
  result curl ciphers-chosen FAIL "exit $rc; server: $(cat "$tmp/cipher.out")"
fi

run_curl weakmix --cacert "$pki/ca.crt" --tls-max 1.2 --ciphers 'AES128-SHA:ECDHE-ECDSA-AES128-GCM-SHA256' "$url/tls"
if [ "$rc" -eq 0 ] && [ "$(cut -d' ' -f2 "$tmp/weakmix.out")" = ECDHE-ECDSA-AES128-GCM-SHA256 ] \
   && audit_has 'app=/usr/bin/curl .*event=policy detail="clamped: ciphers: .*AES128-SHA'; then
  result curl ciphers-weak-clamped ok "AES128-SHA dropped (audited), ECDHE-ECDSA-AES128-GCM-SHA256 used"
else
  result curl ciphers-weak-clamped FAIL "exit $rc; server: $(cat "$tmp/weakmix.out")"
fi

before=$(wc -l <"$tmp/good/logs/access.log")
run_curl weakonly --cacert "$pki/ca.crt" --tls-max 1.2 --ciphers 'DES-CBC3-SHA:AES128-SHA' "$url/tls"
if [ "$rc" -ne 0 ] && grep -q 'cipher' "$tmp/weakonly.err" \
   && [ "$(wc -l <"$tmp/good/logs/access.log")" -eq "$before" ] \
   && audit_has 'app=/usr/bin/curl .*event=policy detail="refused: ciphers \\"DES-CBC3-SHA'; then
  result curl ciphers-weak-only ok "refused (exit $rc): $(head -1 "$tmp/weakonly.err"); audit: $(grep -o 'refused: ciphers .*' "$tmp/audit.log" | tail -1)"
else
  result curl ciphers-weak-only FAIL "exit $rc; stderr: $(cat "$tmp/weakonly.err")"
fi

run_curl floor --cacert "$pki/ca.crt" --tlsv1.0 "$url/tls"
if [ "$rc" -eq 0 ] && [[ $(cut -d' ' -f1 "$tmp/floor.out") == TLSv1.[23] ]] \
   && audit_has 'app=/usr/bin/curl .*event=policy detail="clamped: min_protocol'; then
  result curl tls1.0-floor ok "asked for TLS 1.0+, got $(cut -d' ' -f1 "$tmp/floor.out"); clamp audited"
else
  result curl tls1.0-floor FAIL "exit $rc; server: $(cat "$tmp/floor.out")"
fi

# -k (no verification) to bad servers: policy verifies anyway.
start_https_peer expired "$pki/expired-chain.pem" "$pki/expired.key" || exit 1
expired=$port
start_https_peer untrusted "$pki/untrusted-chain.pem" "$pki/untrusted.key" || exit 1
untrusted=$port
refused_k() {
  local case=$1 want=$2
  shift 2
  run_curl "$case" -k "$@"
  # curl words the failure itself from SSL_get_verify_result(); policy's
  # part of the reason is in the error queue and the audit line.
  if { [ "$rc" -eq 60 ] || [ "$rc" -eq 35 ]; } && grep -qE "$want" "$tmp/$case.err" \
     && audit_has "app=/usr/bin/curl .*outcome=refused error=\"certificate verify failed: ($want) \(SSA policy requires verification\)"; then
    result curl "$case" ok "refused (exit $rc): $(grep -oE "($want).*" "$tmp/$case.err" | head -1) (SSA policy requires verification)"
  else
    result curl "$case" FAIL "exit $rc; stderr: $(cat "$tmp/$case.err")"
  fi
}
refused_k k-expired 'certificate has expired' "https://localhost:$expired/tls"
refused_k k-wronghost 'hostname mismatch' --resolve "www.example.test:$good:127.0.0.1" \
  "https://www.example.test:$good/tls"
refused_k k-untrusted 'unable to get local issuer certificate|self-signed certificate in certificate chain' \
  "https://localhost:$untrusted/tls"

# Per-application profiles: the same policy file, one profile for curl.
wget_bin=${SSA_WGET:-$repo/build/wget/bin/wget}
run_wget() {
  local name=$1
  shift
  env "${APP_ENV[@]}" timeout 60 "$wget_bin" --no-config --no-hsts --no-proxy --tries=1 \
    -O "$tmp/$name.out" "$@" >"$tmp/$name.err" 2>&1 </dev/null
  rc=$?
  echo "  wget $*: exit $rc"
}
start_https_peer tls12 "$pki/good-chain.pem" "$pki/good.key" TLSv1.2 || exit 1
tls12=$port
cat >"$tmp/ssa.conf" <<CONF
default: { trust_store = "$pki/ca.crt"; audit = "$tmp/audit.log"; };
profiles = ( { application = "$curl_bin"; min_protocol = "1.3"; } );
CONF
run_curl prof13 "https://localhost:$tls12/tls"
cp "$tmp/prof13.err" "$tmp/prof13-curl.err"
run_wget prof13 "https://localhost:$tls12/tls"
if [ "$rc" -eq 0 ] && [ "$(cut -d' ' -f1 "$tmp/prof13.out")" = TLSv1.2 ] \
   && [ "$(grep 'app=/usr/bin/curl .*event=connection' "$tmp/audit.log" | tail -1 | grep -c 'outcome=refused')" = 1 ]; then
  result curl profile-tls1.3 ok "curl's profile refuses TLS 1.2; wget (no profile) got $(cut -d' ' -f1 "$tmp/prof13.out")"
else
  result curl profile-tls1.3 FAIL "wget exit $rc ($(cat "$tmp/prof13.out" 2>/dev/null)); curl: $(cat "$tmp/prof13-curl.err")"
fi

# The system store does not know the test CA; curl's profile does. curl
# always loads its own CA bundle (the system's), and an application's
# anchors replace policy's store -- so the profile also says that this
# application's anchors are not to be used.
cat >"$tmp/ssa.conf" <<CONF
default: { trust_store = "/etc/ssl/certs/ca-certificates.crt"; audit = "$tmp/audit.log"; };
profiles = ( { application = "$curl_bin"; trust_store = "$pki/ca.crt"; app_trust_anchors = false; } );
CONF
run_curl profca "$url/tls"
curl_rc=$rc
run_wget profca-wget "$url/tls"
if [ "$curl_rc" -eq 0 ] && [ "$rc" -ne 0 ] && [[ $(cat "$tmp/profca.out") == TLSv1.[23]* ]]; then
  result curl profile-private-ca ok "curl trusts its profile's CA; wget (system store) refused (exit $rc)"
else
  result curl profile-private-ca FAIL "curl exit $curl_rc; wget exit $rc"
fi

# The usual way to reach a private server: policy's store is the system's,
# the user brings the private CA with --cacert (which curl loads only once
# its ClientHello is out). The CA replaces the store for that connection.
cat >"$tmp/ssa.conf" <<CONF
default: { trust_store = "/etc/ssl/certs/ca-certificates.crt"; audit = "$tmp/audit.log"; };
CONF
run_curl cacert --cacert "$pki/ca.crt" "$url/tls"
cacert_rc=$rc
run_curl cacert-other --cacert "$pki/other-ca.crt" "$url/tls"
if [ "$cacert_rc" -eq 0 ] && [[ $(cat "$tmp/cacert.out") == TLSv1.[23]* ]] && [ "$rc" -eq 60 ]; then
  result curl cacert-private-ca ok "system store in policy: --cacert ca.crt verifies; --cacert other-ca.crt refused"
else
  result curl cacert-private-ca FAIL "--cacert ca.crt: exit $cacert_rc; --cacert other-ca.crt: exit $rc (want 0 and 60)"
fi

# Every connection curl made above has its line (s_server: 4; big, post,
# h2, reuse: 1 each; resume: 2 each; 3 ciphers; floor; 3 -k; 2 profiles;
# 2 --cacert).
want=22
got=$(connections)
if [ "$got" -eq "$want" ]; then
  result curl audit-per-connection ok "$got connection lines for $want connections"
else
  result curl audit-per-connection FAIL "$got connection lines, want $want"
fi

[ "$failures" -eq 0 ] || { show_audit; exit 1; }
exit 0
