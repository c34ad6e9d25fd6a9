#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# lighttpd with mod_openssl (Debian's lighttpd, lighttpd-mod-openssl) over
# the drop-in, configured as its users configure it, with clients both
# native (system curl, openssl s_client) and under the drop-in (curl).
#
#   lighttpd.sh LIBDIR REPO
#
#   start                lighttpd -tt (the configuration, loaded over the
#                        drop-in) and start
#   https-ecdsa-200M     ssl.pemfile/ssl.privkey (ECDSA): 200 MB, intact
#   https-rsa            a second socket with an RSA certificate
#   throttled-download   curl --limit-rate: 6 MB at 3 MB/s, intact
#   dropin-curl-get      curl over the drop-in against lighttpd over it
#   http2-alpn           curl --http2: HTTP/2; the CGI's SSL_PROTOCOL and
#                        SSL_CIPHER match what the client saw
#   sni-vhosts           $HTTP["host"] blocks with their own certificates:
#                        each name gets its own
#   resumption           s_client -sess_out / -sess_in over TLS 1.3 and 1.2
#                        (a request each, so that the TLS 1.3 ticket, sent
#                        after the handshake, is read): "Reused"
#   conf-cmd-clamped     ssl.openssl.ssl-conf-cmd MinProtocol TLSv1 and a
#                        weak CipherString: a TLS 1.1-only and a CBC-only
#                        client are refused, a normal one gets TLS 1.2+ AEAD;
#                        the clamps are audited
#   verifyclient-*       ssl.ca-file + ssl.verifyclient.activate/enforce: no
#                        certificate refused, the test CA's accepted
#                        (SSL_CLIENT_VERIFY = SUCCESS), another CA's refused;
#                        optional (enforce disabled) lets a client without
#                        one in
#   audit-per-connection every connection has its line
set -uo pipefail
libdir=${1:?usage: lighttpd.sh LIBDIR REPO}
repo=${2:?usage: lighttpd.sh LIBDIR REPO}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../app-env.sh
. "$here/app-env.sh"
# shellcheck source=../peers.sh
. "$here/peers.sh"

lighttpd_bin=$(command -v lighttpd) || { echo "RESULT lighttpd - FAIL lighttpd is not installed (scripts/bootstrap.sh)"; exit 1; }
[ -e /usr/lib/lighttpd/mod_openssl.so ] || { echo "RESULT lighttpd - FAIL no mod_openssl (lighttpd-mod-openssl)"; exit 1; }
app_env "$libdir"
peers_setup "$repo" || { echo "RESULT lighttpd - FAIL test PKI"; exit 1; }
trap peers_cleanup EXIT

# An RSA leaf for localhost from the test intermediate, made here with the
# system openssl (make-pki.sh's rsa2048 is one too: use it).
rsa_chain=$tmp/rsa-chain.pem
cat "$pki/rsa2048.crt" "$pki/int.crt" >"$rsa_chain"

www=$tmp/www
mkdir -p "$www"
head -c $((200 * 1024 * 1024)) /dev/urandom >"$www/big"
head -c $((6 * 1024 * 1024)) /dev/urandom >"$www/medium"
# The TLS facts lighttpd gives CGI programs (mod_openssl's environment).
cat >"$www/tls.cgi" <<'CGI'
printf 'Content-Type: text/plain\r\n\r\n'
printf '%s %s %s %s\n' "${SSL_PROTOCOL:--}" "${SSL_CIPHER:--}" "${SSL_CLIENT_VERIFY:--}" "${HTTP_HOST:--}"
CGI

# start_lighttpd NAME EXTRA_CONFIG: lighttpd over the drop-in on $port (and
# $port2 for a second, RSA socket); stopped by peers_cleanup.
start_lighttpd() {
  local name=$1 extra=${2:-} conf=$tmp/$1.conf
  port=$(free_port)
  port2=$(free_port)
  cat >"$conf" <<CONF
server.modules = ( "mod_openssl", "mod_cgi" )
server.document-root = "$www"
server.bind = "127.0.0.1"
server.port = $port
server.errorlog = "$tmp/$name.error.log"
server.upload-dirs = ( "$tmp" )
mimetype.assign = ( "" => "application/octet-stream" )
cgi.assign = ( ".cgi" => "/bin/sh" )
ssl.engine = "enable"
ssl.pemfile = "$pki/good-chain.pem"
ssl.privkey = "$pki/good.key"
\$SERVER["socket"] == "127.0.0.1:$port2" {
  ssl.engine = "enable"
  ssl.pemfile = "$rsa_chain"
  ssl.privkey = "$pki/rsa2048.key"
}
$extra
CONF
  if ! env "${APP_ENV[@]}" "$lighttpd_bin" -tt -f "$conf" >"$tmp/$name.tt" 2>&1; then
    echo "lighttpd -tt ($name) failed:"
    cat "$tmp/$name.tt"
    return 1
  fi
  env "${APP_ENV[@]}" "$lighttpd_bin" -D -f "$conf" </dev/null >"$tmp/$name.out" 2>&1 &
  pids+=($!)
  local _
  for _ in $(seq 100); do
    [ -n "$(ss -Hltn "sport = :$port")" ] && return 0
    sleep 0.1
  done
  echo "lighttpd ($name) did not start:"
  cat "$tmp/$name.out" "$tmp/$name.error.log" 2>/dev/null
  return 1
}

# native_curl NAME ARGS... / dropin_curl NAME ARGS...: $rc, $tmp/NAME.{out,err}
native_curl() {
  local name=$1
  shift
  env -u LD_LIBRARY_PATH -u LD_PRELOAD timeout 120 curl -sS --cacert "$pki/ca.crt" "$@" \
    >"$tmp/$name.out" 2>"$tmp/$name.err"
  rc=$?
  echo "  curl $*: exit $rc $(head -c 200 "$tmp/$name.err")"
}
dropin_curl() {
  local name=$1
  shift
  env "${APP_ENV[@]}" timeout 120 curl -sS --cacert "$pki/ca.crt" "$@" \
    >"$tmp/$name.out" 2>"$tmp/$name.err"
  rc=$?
  echo "  curl (drop-in) $*: exit $rc $(head -c 200 "$tmp/$name.err")"
}
same() { cmp -s "$1" "$2"; }
server_lines() { grep -c "app=[^ ]*lighttpd .*role=server" "$tmp/audit.log" 2>/dev/null; }

start_lighttpd main '
$HTTP["host"] == "wrong.test" {
  ssl.pemfile = "'"$pki"'/wronghost-chain.pem"
  ssl.privkey = "'"$pki"'/wronghost.key"
}' || { echo "RESULT lighttpd start FAIL lighttpd did not start"; exit 1; }
result lighttpd start ok "lighttpd -tt and start over the drop-in"
url=https://localhost:$port

native_curl big "$url/big"
if [ "$rc" -eq 0 ] && same "$tmp/big.out" "$www/big"; then
  result lighttpd https-ecdsa-200M ok "200 MB over ECDSA, intact"
else
  result lighttpd https-ecdsa-200M FAIL "exit $rc, $(wc -c <"$tmp/big.out") bytes"
fi
native_curl rsa -w '%{ssl_verify_result}' -o /dev/null "https://localhost:$port2/medium"
if [ "$rc" -eq 0 ] && env -u LD_LIBRARY_PATH openssl s_client -connect "127.0.0.1:$port2" -servername localhost \
     </dev/null 2>/dev/null | openssl x509 -noout -text | grep -q 'rsaEncryption'; then
  result lighttpd https-rsa ok "the RSA socket serves with its RSA certificate"
else
  result lighttpd https-rsa FAIL "exit $rc"
fi
native_curl slow --limit-rate 3M "$url/medium"
if [ "$rc" -eq 0 ] && same "$tmp/slow.out" "$www/medium"; then
  result lighttpd throttled-download ok "6 MB at 3 MB/s, intact"
else
  result lighttpd throttled-download FAIL "exit $rc, $(wc -c <"$tmp/slow.out") bytes"
fi
dropin_curl dropin "$url/medium"
if [ "$rc" -eq 0 ] && same "$tmp/dropin.out" "$www/medium" \
   && audit_has 'app=/usr/bin/curl .*role=client .*outcome=ok'; then
  result lighttpd dropin-curl-get ok "curl and lighttpd both over the drop-in: 6 MB intact"
else
  result lighttpd dropin-curl-get FAIL "exit $rc"
fi

native_curl h2 --http2 -w '\n%{http_version}\n' "$url/tls.cgi"
read -r proto cipher _ host <"$tmp/h2.out"
if [ "$rc" -eq 0 ] && [ "$(tail -1 "$tmp/h2.out")" = 2 ] && [[ $proto == TLSv1.[23] ]] \
   && grep -q "version=$proto cipher=" <<<"$(grep 'app=[^ ]*lighttpd .*role=server .*outcome=ok' "$tmp/audit.log" | tail -1)"; then
  result lighttpd http2-alpn ok "HTTP/2; CGI sees $proto $cipher, as the audit does"
else
  result lighttpd http2-alpn FAIL "exit $rc: $(head -1 "$tmp/h2.out")"
fi

subject_for() {
  env -u LD_LIBRARY_PATH openssl s_client -connect "127.0.0.1:$port" -servername "$1" </dev/null 2>/dev/null \
    | openssl x509 -noout -ext subjectAltName 2>/dev/null | tail -1 | tr -d ' '
}
san_default=$(subject_for localhost)
san_vhost=$(subject_for wrong.test)
if [[ $san_default == *DNS:localhost* ]] && [ "$san_vhost" = DNS:wrong.test ]; then
  result lighttpd sni-vhosts ok "localhost -> $san_default; wrong.test -> $san_vhost"
else
  result lighttpd sni-vhosts FAIL "localhost -> '$san_default'; wrong.test -> '$san_vhost'"
fi

# One request per connection (lighttpd closes after an HTTP/1.0 answer):
# the client reads until then, TLS 1.3's ticket included.
request() { printf 'GET /tls.cgi HTTP/1.0\r\nHost: localhost\r\n\r\n'; }
resumed=()
for v in -tls1_3 -tls1_2; do
  request | env -u LD_LIBRARY_PATH timeout 20 openssl s_client $v -ign_eof -connect "127.0.0.1:$port" \
    -servername localhost -CAfile "$pki/ca.crt" -sess_out "$tmp/sess$v" >/dev/null 2>&1
  resumed+=("$(request | env -u LD_LIBRARY_PATH timeout 20 openssl s_client $v -ign_eof \
    -connect "127.0.0.1:$port" -servername localhost -CAfile "$pki/ca.crt" -sess_in "$tmp/sess$v" \
    2>/dev/null | grep -c '^Reused')")
done
if [ "${resumed[*]}" = "1 1" ]; then
  result lighttpd resumption ok "TLS 1.3 and TLS 1.2 sessions resumed (s_client: Reused)"
else
  result lighttpd resumption FAIL "Reused lines for TLS 1.3, TLS 1.2: ${resumed[*]}"
fi

# The administrator's floor under a server that asks for less.
start_lighttpd weak 'ssl.openssl.ssl-conf-cmd = ( "MinProtocol" => "TLSv1", "CipherString" => "ALL:@SECLEVEL=0", "Options" => "-ServerPreference" )' \
  || { echo "RESULT lighttpd conf-cmd-clamped FAIL lighttpd did not start"; exit 1; }
native_curl tls11 --tlsv1.1 --tls-max 1.1 --ciphers 'ALL:@SECLEVEL=0' "https://localhost:$port/tls.cgi"
tls11_rc=$rc
native_curl cbc --tls-max 1.2 --ciphers 'AES128-SHA:AES256-SHA' "https://localhost:$port/tls.cgi"
cbc_rc=$rc
native_curl normal --tls-max 1.2 "https://localhost:$port/tls.cgi"
read -r proto cipher _ <"$tmp/normal.out"
if [ "$tls11_rc" -ne 0 ] && [ "$cbc_rc" -ne 0 ] && [ "$rc" -eq 0 ] && [ "$proto" = TLSv1.2 ] \
   && [[ $cipher == *GCM* || $cipher == *CHACHA20* ]] \
   && audit_has 'app=[^ ]*lighttpd .*event=policy detail="clamped: (min_protocol|ciphers)'; then
  result lighttpd conf-cmd-clamped ok "TLS 1.1 client (exit $tls11_rc) and CBC-only client (exit $cbc_rc) refused; normal client: $proto $cipher; clamps audited"
else
  result lighttpd conf-cmd-clamped FAIL "TLS 1.1: exit $tls11_rc; CBC: exit $cbc_rc; normal: exit $rc $proto $cipher"
fi

start_lighttpd verify "ssl.ca-file = \"$pki/ca.crt\"
ssl.verifyclient.activate = \"enable\"
ssl.verifyclient.enforce = \"enable\"" \
  || { echo "RESULT lighttpd verifyclient FAIL lighttpd did not start"; exit 1; }
client_chain=$tmp/client-chain.pem
cat "$pki/client.crt" "$pki/int.crt" >"$client_chain"
native_curl nocert "https://localhost:$port/tls.cgi"
nocert_rc=$rc
native_curl goodcert --cert "$client_chain" --key "$pki/client.key" "https://localhost:$port/tls.cgi"
good_rc=$rc
native_curl othercert --cert "$pki/client-other.crt" --key "$pki/client-other.key" "https://localhost:$port/tls.cgi"
if [ "$nocert_rc" -ne 0 ] && [ "$good_rc" -eq 0 ] && [ "$(cut -d' ' -f3 "$tmp/goodcert.out")" = SUCCESS ] \
   && [ "$rc" -ne 0 ]; then
  result lighttpd verifyclient-required ok "no certificate: refused (exit $nocert_rc); the test CA's: SSL_CLIENT_VERIFY=SUCCESS; another CA's: refused (exit $rc)"
else
  result lighttpd verifyclient-required FAIL "none: exit $nocert_rc; good: exit $good_rc ($(cat "$tmp/goodcert.out")); other CA: exit $rc"
fi

start_lighttpd optional "ssl.ca-file = \"$pki/ca.crt\"
ssl.verifyclient.activate = \"enable\"
ssl.verifyclient.enforce = \"disable\"" \
  || { echo "RESULT lighttpd verifyclient FAIL lighttpd did not start"; exit 1; }
native_curl optnone "https://localhost:$port/tls.cgi"
optnone_rc=$rc
native_curl optgood --cert "$client_chain" --key "$pki/client.key" "https://localhost:$port/tls.cgi"
if [ "$optnone_rc" -eq 0 ] && [ "$rc" -eq 0 ] && [ "$(cut -d' ' -f3 "$tmp/optgood.out")" = SUCCESS ]; then
  result lighttpd verifyclient-optional ok "without a certificate: served ($(cut -d' ' -f3 "$tmp/optnone.out")); with one: SUCCESS"
else
  result lighttpd verifyclient-optional FAIL "none: exit $optnone_rc ($(cat "$tmp/optnone.out")); good: exit $rc ($(cat "$tmp/optgood.out"))"
fi

if [ "$(server_lines)" -ge 15 ] && ! grep -q 'role=server .*outcome=ok .*version=-' "$tmp/audit.log"; then
  result lighttpd audit-per-connection ok "$(server_lines) server connection lines"
else
  result lighttpd audit-per-connection FAIL "$(server_lines) server connection lines"
fi

[ "$failures" -eq 0 ] || { show_audit | tail -40; exit 1; }
exit 0
