#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Debian's lighttpd 1.4 with mod_openssl (linked BIND_NOW) serving HTTPS
# over the drop-in, under the test policy. Clients: the system's curl and
# `openssl s_client` (native) and curl over the drop-in.
#
#   lighttpd.sh LIBDIR REPO        (BUILD = LIBDIR/..)
#
# lighttpd sets its certificate, chain and client verification per
# connection from its certificate callback (SSL_use_certificate,
# SSL_set1_chain, SSL_set_verify), and configures through SSL_CONF_cmd.
#
# Cases (one RESULT line each):
#   start          lighttpd -tt and start over the drop-in
#   static-file    a 30 MB static file, sha256 intact (native and drop-in
#                  curl); lighttpd calls SSL_sendfile only with kernel TLS,
#                  which this libssl does not offer, so it is SSL_write
#   http2          curl --http2: ALPN h2, HTTP/2 200
#   sni-vhost      $HTTP["host"] with its own ssl.pemfile: each name gets
#                  its own certificate (subject CN)
#   conf-cmd       ssl.openssl.ssl-conf-cmd MinProtocol TLSv1 and a cipher
#                  string with a weak suite: a TLS 1.1 client and a
#                  weak-suite client refused, the clamps audited, a normal
#                  client served
#   client-cert    ssl.verifyclient.activate/enforce: no certificate and
#                  another CA's refused, the test CA's served
set -uo pipefail
libdir=${1:?usage: lighttpd.sh LIBDIR REPO}
repo=${2:?usage: lighttpd.sh LIBDIR REPO}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../app-env.sh
. "$here/app-env.sh"
# shellcheck source=../peers.sh
. "$here/peers.sh"

lighttpd_bin=${SSA_LIGHTTPD:-/usr/sbin/lighttpd}
if [ ! -x "$lighttpd_bin" ] || [ ! -e /usr/lib/lighttpd/mod_openssl.so ]; then
  echo "RESULT lighttpd - FAIL no $lighttpd_bin with mod_openssl (scripts/bootstrap.sh installs them)"
  exit 1
fi
app_env "$libdir"
peers_setup "$repo" || { echo "RESULT lighttpd - FAIL test PKI"; exit 1; }
lighttpd_pid=
# shellcheck disable=SC2317  # called through trap
cleanup() {
  if [ -n "$lighttpd_pid" ]; then kill "$lighttpd_pid" 2>/dev/null; wait "$lighttpd_pid" 2>/dev/null; fi
  peers_cleanup
}
trap cleanup EXIT

free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    ss -Htan 2>/dev/null | awk '{print $4}' | grep -q ":$p\$" || { echo "$p"; return; }
  done
}
main_port=$(free_port); verify_port=$(free_port)
mkdir -p "$tmp/html"
head -c 30000000 /dev/urandom >"$tmp/html/big.bin"
big_sum=$(sha256sum <"$tmp/html/big.bin" | cut -d' ' -f1)

cat >"$tmp/lighttpd.conf" <<CONF
server.modules = ("mod_openssl")
server.document-root = "$tmp/html"
server.bind = "127.0.0.1"
server.port = $main_port
server.errorlog = "$tmp/error.log"
ssl.engine = "enable"
ssl.pemfile = "$pki/good-chain.pem"
ssl.privkey = "$pki/good.key"
ssl.openssl.ssl-conf-cmd = ("MinProtocol" => "TLSv1",
                            "CipherString" => "ECDHE+AESGCM:ECDHE-RSA-AES128-SHA:AES128-SHA",
                            "Options" => "ServerPreference")
\$HTTP["host"] == "a.wild.test" {
  ssl.pemfile = "$pki/wildcard-chain.pem"
  ssl.privkey = "$pki/wildcard.key"
}
\$SERVER["socket"] == "127.0.0.1:$verify_port" {
  ssl.engine = "enable"
  ssl.pemfile = "$pki/good-chain.pem"
  ssl.privkey = "$pki/good.key"
  ssl.ca-file = "$pki/ca.crt"
  ssl.verifyclient.activate = "enable"
  ssl.verifyclient.enforce = "enable"
  ssl.verifyclient.depth = 2
}
CONF

l_env=("${APP_ENV[@]}" "SSA_CONF=$SSA_CONF")
env "${l_env[@]}" "$lighttpd_bin" -tt -f "$tmp/lighttpd.conf" >"$tmp/tt.log" 2>&1
tt_rc=$?
env "${l_env[@]}" "$lighttpd_bin" -D -f "$tmp/lighttpd.conf" >"$tmp/lighttpd.out" 2>&1 &
lighttpd_pid=$!
up=
for _ in $(seq 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$main_port") 2>/dev/null; then up=1; break; fi
  kill -0 "$lighttpd_pid" 2>/dev/null || break
  sleep 0.1
done
if [ "$tt_rc" -eq 0 ] && [ -n "$up" ]; then
  result lighttpd start ok "lighttpd -tt and start over the drop-in (port $main_port)"
else
  result lighttpd start FAIL "-tt exit $tt_rc; up=${up:-no}: $(cat "$tmp/tt.log" "$tmp/lighttpd.out" "$tmp/error.log" 2>/dev/null | tail -4 | tr '\n' ' ')"
  exit 1
fi

native_curl() { env -u LD_LIBRARY_PATH -u LD_PRELOAD curl -sS --max-time 60 "$@"; }
dropin_curl() { env "${APP_ENV[@]}" curl -sS --max-time 60 "$@"; }
s_client() { env -u LD_LIBRARY_PATH -u LD_PRELOAD timeout 20 openssl s_client "$@"; }
resolve=(--resolve "localhost:$main_port:127.0.0.1" --resolve "a.wild.test:$main_port:127.0.0.1"
         --resolve "localhost:$verify_port:127.0.0.1")

# ---- static file ------------------------------------------------------------------
n_sum=$(native_curl --cacert "$pki/ca.crt" "${resolve[@]}" "https://localhost:$main_port/big.bin" | sha256sum | cut -d' ' -f1)
d_sum=$(dropin_curl --cacert "$pki/ca.crt" "${resolve[@]}" "https://localhost:$main_port/big.bin" | sha256sum | cut -d' ' -f1)
if [ "$n_sum" = "$big_sum" ] && [ "$d_sum" = "$big_sum" ]; then
  result lighttpd static-file ok "30 MB, sha256 intact to native curl and to curl over the drop-in"
else
  result lighttpd static-file FAIL "native $n_sum, drop-in $d_sum, want $big_sum"
fi

# ---- HTTP/2 --------------------------------------------------------------------------
native_curl --http2 -v --cacert "$pki/ca.crt" "${resolve[@]}" -o /dev/null \
  "https://localhost:$main_port/big.bin" 2>"$tmp/h2.err"
if grep -qE 'ALPN.*accepted h2' "$tmp/h2.err" && grep -q '< HTTP/2 200' "$tmp/h2.err"; then
  result lighttpd http2 ok "ALPN h2 selected by lighttpd's callback, HTTP/2 200"
else
  result lighttpd http2 FAIL "$(grep -iE 'alpn|HTTP/' "$tmp/h2.err" | tr '\n' ' ')"
fi

# ---- SNI -------------------------------------------------------------------------------
subject_of() { "$@" -v --cacert "$pki/ca.crt" "${resolve[@]}" -o /dev/null 2>&1 | sed -n 's/.*subject: //p' | head -1; }
n_local=$(subject_of native_curl "https://localhost:$main_port/big.bin")
n_wild=$(subject_of native_curl "https://a.wild.test:$main_port/big.bin")
d_wild=$(subject_of dropin_curl "https://a.wild.test:$main_port/big.bin")
if [[ "$n_local" == *"CN=localhost"* && "$n_wild" == *"CN=*.wild.test"* && "$d_wild" == *"CN=*.wild.test"* ]]; then
  result lighttpd sni-vhost ok "localhost -> $n_local; a.wild.test -> $n_wild (native and drop-in curl)"
else
  result lighttpd sni-vhost FAIL "native [$n_local] [$n_wild]; drop-in [$d_wild]"
fi

# ---- ssl-conf-cmd clamped ----------------------------------------------------------------
s_client -connect "127.0.0.1:$main_port" -tls1_1 -cipher 'DEFAULT@SECLEVEL=0' </dev/null >"$tmp/w11.out" 2>&1
w11=$?
s_client -connect "127.0.0.1:$main_port" -tls1_2 -cipher 'AES128-SHA@SECLEVEL=0' </dev/null >"$tmp/wweak.out" 2>&1
wweak=$?
ok_body=$(native_curl --cacert "$pki/ca.crt" "${resolve[@]}" -o /dev/null -w '%{http_code}' "https://localhost:$main_port/big.bin")
if [ "$w11" -ne 0 ] && [ "$wweak" -ne 0 ] && [ "$ok_body" = 200 ] \
   && audit_has 'app=[^ ]*lighttpd .*clamped: MinProtocol TLSv1 -> TLSv1.2' \
   && audit_has 'app=[^ ]*lighttpd .*clamped: ciphers: .*AES128-SHA'; then
  result lighttpd conf-cmd ok "TLS 1.1 and AES128-SHA clients refused, normal client 200; MinProtocol and cipher clamps audited"
else
  result lighttpd conf-cmd FAIL "tls1.1 exit $w11, weak exit $wweak, normal $ok_body"
  show_audit | grep -i clamp | head -5
fi

# ---- client certificates -----------------------------------------------------------------
vurl="https://localhost:$verify_port/big.bin"
none=$(native_curl --cacert "$pki/ca.crt" "${resolve[@]}" -o /dev/null -w '%{http_code}' "$vurl" 2>/dev/null)
good=$(native_curl --cacert "$pki/ca.crt" "${resolve[@]}" --cert "$pki/client-chain.pem" --key "$pki/client.key" -o /dev/null -w '%{http_code}' "$vurl" 2>/dev/null)
good_d=$(dropin_curl --cacert "$pki/ca.crt" "${resolve[@]}" --cert "$pki/client-chain.pem" --key "$pki/client.key" -o /dev/null -w '%{http_code}' "$vurl" 2>/dev/null)
other=$(native_curl --cacert "$pki/ca.crt" "${resolve[@]}" --cert "$pki/client-other-chain.pem" --key "$pki/client-other.key" -o /dev/null -w '%{http_code}' "$vurl" 2>/dev/null)
if [ "$none" != 200 ] && [ "$good" = 200 ] && [ "$good_d" = 200 ] && [ "$other" != 200 ]; then
  result lighttpd client-cert ok "enforce: none -> refused ($none), test CA -> 200 (native and drop-in), other CA -> refused ($other)"
else
  result lighttpd client-cert FAIL "none [$none] good [$good] good-dropin [$good_d] other [$other]"
fi
exit 0
