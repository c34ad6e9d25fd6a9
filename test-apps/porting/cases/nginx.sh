#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Debian's nginx (nginx-light 1.22, linked BIND_NOW: it starts only if the
# drop-in exports every symbol it imports) serving HTTPS over the drop-in,
# under the test policy. Clients: the system's curl and `openssl s_client`
# on the system's OpenSSL (native), and curl over the drop-in.
#
#   nginx.sh LIBDIR REPO        (BUILD = LIBDIR/..)
#
# One nginx, five servers on free high ports:
#   main     an ECDSA (good) and an RSA (rsa2048) certificate, http2, a
#            second name-based vhost a.wild.test with its own certificate,
#            ssl_session_cache shared, tickets off, ssl_conf_command and
#            ssl_stapling in the configuration
#   tickets  ssl_session_ticket_key from a file, no session cache
#   weak     ssl_protocols TLSv1 TLSv1.1 and a cipher list with weak suites
#   verify   ssl_verify_client on (client certificates from the test CA)
#   optional ssl_verify_client optional
#
# Cases (one RESULT line each):
#   start                nginx -t and nginx start over the drop-in
#   ecdsa-cert / rsa-cert the client gets the certificate its offer needs
#                        (ECDSA signature schemes / an RSA-only TLS 1.2 suite)
#   download-200M        200 MB file: sha256 intact, native and drop-in curl
#   download-throttled   --limit-rate: a slow reader, sha256 intact
#   http2-vars           curl --http2: the server's $ssl_protocol $ssl_cipher
#                        $ssl_alpn_protocol $ssl_server_name match the client's
#   sni-vhost            each name gets its own certificate (subject CN)
#   resume-cache         TLS 1.2 session id resumption from the shared cache,
#                        $ssl_session_reused = r
#   resume-ticket        ticket resumption (TLS 1.2 and 1.3) with the key file
#   weak-clamped         TLS 1.1-only and weak-suite-only clients refused, a
#                        normal client gets TLS 1.2+ with an AEAD suite, and
#                        the clamp is audited
#   client-cert          verify on: no certificate refused, the test CA's
#                        accepted ($ssl_client_verify SUCCESS), another CA's
#                        refused; optional: none accepted (NONE)
#   reload               nginx -s reload under a request loop: all succeed;
#                        one audit line per connection
#   conf-command         ssl_conf_command MinProtocol TLSv1 clamped and audited
#
# Where this differs from nginx on OpenSSL: nginx's verify callback accepts
# every client certificate and answers 400 later; the drop-in's core
# refuses a certificate from another CA in the handshake itself (a callback
# can only make verification stricter), so that case accepts either.
set -uo pipefail
libdir=${1:?usage: nginx.sh LIBDIR REPO}
repo=${2:?usage: nginx.sh LIBDIR REPO}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../app-env.sh
. "$here/app-env.sh"
# shellcheck source=../peers.sh
. "$here/peers.sh"

nginx_bin=${SSA_NGINX:-/usr/sbin/nginx}
if [ ! -x "$nginx_bin" ]; then
  echo "RESULT nginx - FAIL no $nginx_bin (scripts/bootstrap.sh installs nginx-light)"
  exit 1
fi
app_env "$libdir"
peers_setup "$repo" || { echo "RESULT nginx - FAIL test PKI"; exit 1; }
nginx_pid=
# shellcheck disable=SC2317  # called through trap
cleanup() {
  if [ -n "$nginx_pid" ]; then kill "$nginx_pid" 2>/dev/null; wait "$nginx_pid" 2>/dev/null; fi
  peers_cleanup
}
trap cleanup EXIT

# Workers run as nginx's unprivileged user when started as root: they must
# read the policy, the trust store and the documents, and write the audit.
chmod 755 "$tmp" "$pki"
chmod 644 "$tmp/ssa.conf" "$pki"/*.crt
touch "$tmp/audit.log" && chmod 666 "$tmp/audit.log"

free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    ss -Htan 2>/dev/null | awk '{print $4}' | grep -q ":$p\$" || { echo "$p"; return; }
  done
}
main_port=$(free_port); ticket_port=$(free_port); weak_port=$(free_port)
verify_port=$(free_port); optional_port=$(free_port)

mkdir -p "$tmp/html" "$tmp/logs"
chmod 755 "$tmp/html"
head -c 200000000 /dev/urandom >"$tmp/html/big.bin"
head -c 6000000 /dev/urandom >"$tmp/html/mid.bin"
chmod 644 "$tmp/html"/*.bin
big_sum=$(sha256sum <"$tmp/html/big.bin" | cut -d' ' -f1)
mid_sum=$(sha256sum <"$tmp/html/mid.bin" | cut -d' ' -f1)
openssl rand 80 >"$tmp/ticket.key"

# nginx's variables, literally (nginx expands them).
# shellcheck disable=SC2016
vars='$ssl_protocol $ssl_cipher $ssl_alpn_protocol $ssl_server_name $ssl_session_reused $ssl_client_verify'
cat >"$tmp/nginx.conf" <<CONF
worker_processes 2;
env SSA_CONF;
events { worker_connections 256; }
http {
  access_log off;
  root $tmp/html;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:$main_port ssl http2;
    server_name localhost;
    ssl_certificate $pki/good-chain.pem;
    ssl_certificate_key $pki/good.key;
    ssl_certificate $pki/rsa2048-chain.pem;
    ssl_certificate_key $pki/rsa2048.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:SSL:1m;
    ssl_session_tickets off;
    ssl_conf_command Options ServerPreference;
    ssl_conf_command MinProtocol TLSv1;
    ssl_stapling on;
    location /info { return 200 "$vars\n"; }
  }
  server {
    listen 127.0.0.1:$main_port ssl http2;
    server_name a.wild.test;
    ssl_certificate $pki/wildcard-chain.pem;
    ssl_certificate_key $pki/wildcard.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    location /info { return 200 "$vars\n"; }
  }
  server {
    listen 127.0.0.1:$ticket_port ssl;
    ssl_certificate $pki/good-chain.pem;
    ssl_certificate_key $pki/good.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache off;
    ssl_session_tickets on;
    ssl_session_ticket_key $tmp/ticket.key;
    location /info { return 200 "$vars\n"; }
  }
  server {
    listen 127.0.0.1:$weak_port ssl;
    ssl_certificate $pki/rsa2048-chain.pem;
    ssl_certificate_key $pki/rsa2048.key;
    ssl_protocols TLSv1 TLSv1.1;
    ssl_ciphers ECDHE-RSA-AES128-GCM-SHA256:AES128-SHA:DES-CBC3-SHA:ECDHE-RSA-AES128-SHA;
    location /info { return 200 "$vars\n"; }
  }
  server {
    listen 127.0.0.1:$verify_port ssl;
    ssl_certificate $pki/good-chain.pem;
    ssl_certificate_key $pki/good.key;
    ssl_client_certificate $pki/ca.crt;
    ssl_verify_client on;
    ssl_verify_depth 2;
    location /info { return 200 "$vars \$ssl_client_s_dn\n"; }
  }
  server {
    listen 127.0.0.1:$optional_port ssl;
    ssl_certificate $pki/good-chain.pem;
    ssl_certificate_key $pki/good.key;
    ssl_client_certificate $pki/ca.crt;
    ssl_verify_client optional;
    ssl_verify_depth 2;
    location /info { return 200 "$vars\n"; }
  }
}
CONF

nginx_env=("${APP_ENV[@]}" "SSA_CONF=$SSA_CONF")
nginx_g="daemon off; pid $tmp/nginx.pid; error_log $tmp/error.log info;"

# ---- start ----------------------------------------------------------------
env "${nginx_env[@]}" "$nginx_bin" -t -p "$tmp" -c "$tmp/nginx.conf" -g "$nginx_g" \
  >"$tmp/nginx-t.log" 2>&1
t_rc=$?
env "${nginx_env[@]}" "$nginx_bin" -p "$tmp" -c "$tmp/nginx.conf" -g "$nginx_g" \
  >"$tmp/nginx.out" 2>&1 &
nginx_pid=$!
up=
for _ in $(seq 100); do
  if (exec 3<>"/dev/tcp/127.0.0.1/$main_port") 2>/dev/null; then up=1; break; fi
  kill -0 "$nginx_pid" 2>/dev/null || break
  sleep 0.1
done
if [ "$t_rc" -eq 0 ] && [ -n "$up" ]; then
  result nginx start ok "nginx -t and start over the drop-in (port $main_port)"
else
  result nginx start FAIL "nginx -t exit $t_rc; up=${up:-no}: $(cat "$tmp/nginx-t.log" "$tmp/nginx.out" "$tmp/error.log" 2>/dev/null | tail -4 | tr '\n' ' ')"
  exit 1
fi

# Native clients: the system's OpenSSL, never the drop-in.
native_curl() { env -u LD_LIBRARY_PATH -u LD_PRELOAD curl -sS --max-time 120 "$@"; }
dropin_curl() { env "${APP_ENV[@]}" curl -sS --max-time 120 "$@"; }
s_client() { env -u LD_LIBRARY_PATH -u LD_PRELOAD timeout 20 openssl s_client "$@"; }
get_info() { printf 'GET /info HTTP/1.0\r\nHost: localhost\r\n\r\n'; sleep 1; }
resolve=(--resolve "localhost:$main_port:127.0.0.1" --resolve "a.wild.test:$main_port:127.0.0.1")

# ---- certificates by key type ------------------------------------------------------
s_client -connect "127.0.0.1:$main_port" -servername localhost -CAfile "$pki/ca.crt" \
  -tls1_3 -sigalgs ECDSA+SHA256 </dev/null >"$tmp/ecdsa.out" 2>&1
s_client -connect "127.0.0.1:$main_port" -servername localhost -CAfile "$pki/ca.crt" \
  -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256 </dev/null >"$tmp/rsa.out" 2>&1
s_client -connect "127.0.0.1:$main_port" -servername localhost -CAfile "$pki/ca.crt" \
  -tls1_3 -sigalgs rsa_pss_rsae_sha256 </dev/null >"$tmp/rsa13.out" 2>&1
if grep -q 'Server public key is 256 bit' "$tmp/ecdsa.out" && grep -q 'Verify return code: 0 (ok)' "$tmp/ecdsa.out"; then
  result nginx ecdsa-cert ok "TLS 1.3 client with ECDSA schemes only: the P-256 certificate, verified"
else
  result nginx ecdsa-cert FAIL "$(grep -E 'public key|Verify return|error' "$tmp/ecdsa.out" | tr '\n' ' ')"
fi
if grep -q 'Server public key is 2048 bit' "$tmp/rsa.out" && grep -q 'Cipher is ECDHE-RSA-AES128-GCM-SHA256' "$tmp/rsa.out" \
   && grep -q 'Server public key is 2048 bit' "$tmp/rsa13.out"; then
  result nginx rsa-cert ok "ECDHE-RSA TLS 1.2 client and rsa_pss-only TLS 1.3 client: the RSA 2048 certificate"
else
  result nginx rsa-cert FAIL "tls1.2: $(grep -E 'public key|Cipher is|error' "$tmp/rsa.out" | tr '\n' ' ') tls1.3: $(grep -E 'public key|error' "$tmp/rsa13.out" | tr '\n' ' ')"
fi

# ---- downloads ------------------------------------------------------------------------
n_sum=$(native_curl --cacert "$pki/ca.crt" "${resolve[@]}" "https://localhost:$main_port/big.bin" | sha256sum | cut -d' ' -f1)
d_sum=$(dropin_curl --cacert "$pki/ca.crt" "${resolve[@]}" "https://localhost:$main_port/big.bin" | sha256sum | cut -d' ' -f1)
if [ "$n_sum" = "$big_sum" ] && [ "$d_sum" = "$big_sum" ]; then
  result nginx download-200M ok "200 MB, sha256 intact to native curl and to curl over the drop-in"
else
  result nginx download-200M FAIL "native $n_sum, drop-in $d_sum, want $big_sum"
fi
t0=$(date +%s)
n_sum=$(native_curl --limit-rate 2M --cacert "$pki/ca.crt" "${resolve[@]}" "https://localhost:$main_port/mid.bin" | sha256sum | cut -d' ' -f1)
d_sum=$(dropin_curl --limit-rate 2M --cacert "$pki/ca.crt" "${resolve[@]}" "https://localhost:$main_port/mid.bin" | sha256sum | cut -d' ' -f1)
t1=$(date +%s)
if [ "$n_sum" = "$mid_sum" ] && [ "$d_sum" = "$mid_sum" ] && [ $((t1 - t0)) -ge 4 ]; then
  result nginx download-throttled ok "6 MB at 2 MB/s ($((t1 - t0)) s for both), sha256 intact"
else
  result nginx download-throttled FAIL "native $n_sum, drop-in $d_sum, want $mid_sum, $((t1 - t0)) s"
fi

# ---- HTTP/2 and the server's variables -------------------------------------------------------
check_vars() {
  local who=$1
  shift
  local body seen_proto seen_cipher
  body=$("$@" -v --http2 --cacert "$pki/ca.crt" "${resolve[@]}" "https://localhost:$main_port/info" 2>"$tmp/h2.err")
  seen_proto=$(sed -n 's/.*SSL connection using \([^ ]*\) \/ \([^ ]*\).*/\1/p' "$tmp/h2.err" | head -1)
  seen_cipher=$(sed -n 's/.*SSL connection using \([^ ]*\) \/ \([^ ]*\).*/\2/p' "$tmp/h2.err" | head -1)
  # The server names TLS 1.3 suites as OpenSSL does (TLS_AES_...); curl on
  # OpenSSL prints the same names.
  read -r s_proto s_cipher s_alpn s_name s_reused s_verify <<<"$body"
  if [ "$s_proto" = "$seen_proto" ] && [ "$s_cipher" = "$seen_cipher" ] && [ "$s_alpn" = h2 ] \
     && [ "$s_name" = localhost ] && [ "$s_reused" = . ] && [ "$s_verify" = NONE ] \
     && grep -qE 'ALPN.*(server accepted|accepted) h2|ALPN, server accepted to use h2' "$tmp/h2.err"; then
    echo "$who: server says \"$body\", client saw $seen_proto/$seen_cipher h2"
    return 0
  fi
  echo "$who: server says \"$body\", client saw $seen_proto/$seen_cipher ($(grep -i alpn "$tmp/h2.err" | tr '\n' ' '))"
  return 1
}
if a=$(check_vars native native_curl) && b=$(check_vars drop-in dropin_curl); then
  result nginx http2-vars ok "$a; $b"
else
  result nginx http2-vars FAIL "$a; ${b:-}"
fi

# ---- SNI ------------------------------------------------------------------------------------------
subject_of() { "$@" -v --cacert "$pki/ca.crt" "${resolve[@]}" -o /dev/null 2>&1 | sed -n 's/.*subject: //p' | head -1; }
n_local=$(subject_of native_curl "https://localhost:$main_port/info")
n_wild=$(subject_of native_curl "https://a.wild.test:$main_port/info")
d_local=$(subject_of dropin_curl "https://localhost:$main_port/info")
d_wild=$(subject_of dropin_curl "https://a.wild.test:$main_port/info")
d_wild_body=$(dropin_curl --cacert "$pki/ca.crt" "${resolve[@]}" "https://a.wild.test:$main_port/info")
if [[ "$n_local" == *"CN=localhost"* && "$n_wild" == *"CN=*.wild.test"* && "$d_local" == *"CN=localhost"* \
      && "$d_wild" == *"CN=*.wild.test"* && "$d_wild_body" == *" a.wild.test "* ]]; then
  result nginx sni-vhost ok "localhost -> $n_local; a.wild.test -> $n_wild (native and drop-in curl); \$ssl_server_name a.wild.test"
else
  result nginx sni-vhost FAIL "native: [$n_local] [$n_wild]; drop-in: [$d_local] [$d_wild]; body [$d_wild_body]"
fi

# ---- resumption ------------------------------------------------------------------------------------
resume() {
  local port=$1
  shift
  rm -f "$tmp/sess.pem"
  get_info | s_client -connect "127.0.0.1:$port" -servername localhost -CAfile "$pki/ca.crt" \
    -sess_out "$tmp/sess.pem" "$@" >"$tmp/first.out" 2>&1
  get_info | s_client -connect "127.0.0.1:$port" -servername localhost -CAfile "$pki/ca.crt" \
    -sess_in "$tmp/sess.pem" "$@" >"$tmp/second.out" 2>&1
  grep -q '^Reused' "$tmp/second.out" && grep -qE '^TLSv1\.[23] .* r [A-Z]+$' "$tmp/second.out"
}
# Tickets are off there: the resumption must come from the session cache
# (shared between nginx's two workers).
if resume "$main_port" -tls1_2 && ! grep -q 'TLS session ticket:' "$tmp/first.out"; then
  result nginx resume-cache ok "TLS 1.2 session id from the shared cache (no ticket issued): client Reused, \$ssl_session_reused r"
else
  result nginx resume-cache FAIL "$(grep -E '^(New|Reused)|TLSv1' "$tmp/second.out" | tr '\n' ' ')"
fi
if resume "$ticket_port" -tls1_2 && r12=ok && resume "$ticket_port" -tls1_3; then
  result nginx resume-ticket ok "tickets from ssl_session_ticket_key: TLS 1.2 and TLS 1.3 resumed, \$ssl_session_reused r"
else
  result nginx resume-ticket FAIL "tls1.2 ${r12:-FAIL}; $(grep -E '^(New|Reused)|TLSv1' "$tmp/second.out" | tr '\n' ' ')"
fi

# ---- weak configuration clamped --------------------------------------------------------------------
s_client -connect "127.0.0.1:$weak_port" -tls1_1 -cipher 'DEFAULT@SECLEVEL=0' </dev/null >"$tmp/w11.out" 2>&1
w11=$?
s_client -connect "127.0.0.1:$weak_port" -tls1_2 -cipher 'AES128-SHA:DES-CBC3-SHA@SECLEVEL=0' </dev/null >"$tmp/wweak.out" 2>&1
wweak=$?
w_body=$(native_curl --cacert "$pki/ca.crt" --resolve "localhost:$weak_port:127.0.0.1" "https://localhost:$weak_port/info")
d_body=$(dropin_curl --cacert "$pki/ca.crt" --resolve "localhost:$weak_port:127.0.0.1" "https://localhost:$weak_port/info")
if [ "$w11" -ne 0 ] && [ "$wweak" -ne 0 ] && [[ "$w_body" =~ ^TLSv1\.[23]\ [A-Z0-9_-]*(GCM|CHACHA20)[A-Z0-9_-]*\  ]] \
   && [[ "$d_body" =~ ^TLSv1\.[23]\ [A-Z0-9_-]*(GCM|CHACHA20) ]] \
   && audit_has 'app=[^ ]*nginx .*clamped: protocol versions up to TLSv1.1'; then
  result nginx weak-clamped ok "TLS 1.1 client and weak-suite client refused; curl got \"${w_body%% \.*}\"; audit records the clamp"
else
  result nginx weak-clamped FAIL "tls1.1 exit $w11, weak exit $wweak, native [$w_body], drop-in [$d_body]"
  show_audit | grep -i clamp | head -5
fi

# ---- client certificates ------------------------------------------------------------------------------
vurl="https://localhost:$verify_port/info"
vres=(--resolve "localhost:$verify_port:127.0.0.1" --resolve "localhost:$optional_port:127.0.0.1")
none=$(native_curl --cacert "$pki/ca.crt" "${vres[@]}" -o /dev/null -w '%{http_code}' "$vurl" 2>&1)
good=$(native_curl --cacert "$pki/ca.crt" "${vres[@]}" --cert "$pki/client-chain.pem" --key "$pki/client.key" "$vurl" 2>&1)
good_d=$(dropin_curl --cacert "$pki/ca.crt" "${vres[@]}" --cert "$pki/client-chain.pem" --key "$pki/client.key" "$vurl" 2>&1)
other=$(native_curl --cacert "$pki/ca.crt" "${vres[@]}" --cert "$pki/client-other-chain.pem" --key "$pki/client-other.key" -o /dev/null -w '%{http_code}' "$vurl" 2>&1)
opt=$(native_curl --cacert "$pki/ca.crt" "${vres[@]}" "https://localhost:$optional_port/info" 2>&1)
opt_good=$(native_curl --cacert "$pki/ca.crt" "${vres[@]}" --cert "$pki/client-chain.pem" --key "$pki/client.key" "https://localhost:$optional_port/info" 2>&1)
if [[ "$none" == *400* && "$good" == *" SUCCESS CN=SSA Test Client"* && "$good_d" == *" SUCCESS "* \
      && "$other" != *200* && "$opt" == *" NONE" && "$opt_good" == *" SUCCESS" ]]; then
  result nginx client-cert ok "on: none -> 400, test CA -> SUCCESS (native and drop-in), other CA -> refused (${other//$'\n'/ }); optional: none -> NONE, test CA -> SUCCESS"
else
  result nginx client-cert FAIL "none [$none] good [$good] good-dropin [$good_d] other [$other] optional [$opt] [$opt_good]"
fi

# ---- reload under load -----------------------------------------------------------------------------------
before=$(grep -c 'event=connection role=server' "$tmp/audit.log")
: >"$tmp/loop.out"
# HTTP/1.1: over HTTP/2 one request in about 300 failed during the reload
# in the sanitizer build ("Error in the HTTP2 framing layer" at the
# client), likely an old worker's graceful shutdown meeting a new HTTP/2
# connection; whether nginx on the system libssl does the same is not yet
# known (see the closing note). HTTP/2 has its own case above.
(for _ in $(seq 60); do
   native_curl --http1.1 --cacert "$pki/ca.crt" "${resolve[@]}" -o /dev/null -w '%{http_code}\n' \
     "https://localhost:$main_port/info" >>"$tmp/loop.out" 2>&1
 done) &
loop=$!
sleep 0.5
env "${nginx_env[@]}" "$nginx_bin" -p "$tmp" -c "$tmp/nginx.conf" -g "$nginx_g" -s reload \
  >"$tmp/reload.out" 2>&1
reload_rc=$?
wait "$loop"
ok_count=$(grep -c '^200$' "$tmp/loop.out")
sleep 0.5
after=$(grep -c 'event=connection role=server' "$tmp/audit.log")
if [ "$reload_rc" -eq 0 ] && [ "$ok_count" -eq 60 ] && [ $((after - before)) -ge 60 ] \
   && grep -q 'reconfiguring' "$tmp/error.log"; then
  result nginx reload ok "60/60 requests during nginx -s reload; $((after - before)) server connection lines in the audit log"
else
  result nginx reload FAIL "reload exit $reload_rc, $ok_count/60 ok, audit lines $((after - before)): $(sort "$tmp/loop.out" | uniq -c | tr '\n' ' ')"
fi

# ---- ssl_conf_command -------------------------------------------------------------------------------------
if audit_has 'app=[^ ]*nginx .*clamped: MinProtocol TLSv1 -> TLSv1.2'; then
  result nginx conf-command ok "ssl_conf_command MinProtocol TLSv1 accepted, clamped to TLSv1.2 and audited; ssl_stapling on accepted"
else
  result nginx conf-command FAIL "no clamp line for ssl_conf_command MinProtocol"
fi
exit 0
