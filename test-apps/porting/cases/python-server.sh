#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Debian's python3 as a TLS server over the drop-in: an asyncio echo server
# (python/tls_echo_server.py) through the stream server cases of
# stream-server-cases.sh, and http.server wrapped in
# ssl.SSLContext(PROTOCOL_TLS_SERVER) (python/https_server.py) serving a
# file and hashing a POST, with unmodified openssl s_client and curl as
# clients.
#
#   python-server.sh LIBDIR REPO
#
#   echo-sha256 .. policy-client-auth   the stream server cases ("weak" is
#                        minimum_version TLSv1 with ciphers ALL:@SECLEVEL=0,
#                        "clientauth" CERT_REQUIRED with the test CA)
#   http-server-get      8 MiB from http.server over TLS, intact (system curl)
#   http-server-post     a 2 MiB POST: the server's sha256 of the body matches
set -uo pipefail
libdir=${1:?usage: python-server.sh LIBDIR REPO}
repo=${2:?usage: python-server.sh LIBDIR REPO}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../app-env.sh
. "$here/app-env.sh"
# shellcheck source=../peers.sh
. "$here/peers.sh"
# shellcheck source=../stream-server-cases.sh
. "$here/stream-server-cases.sh"

python=/usr/bin/python3
[ -x "$python" ] || { echo "RESULT python-server - FAIL no $python (scripts/bootstrap.sh)"; exit 1; }
app_env "$libdir"
peers_setup "$repo" || { echo "RESULT python-server - FAIL test PKI"; exit 1; }
trap peers_cleanup EXIT

app_listen() {
  local name=$1 mode=$2 port=$3
  env "${APP_ENV[@]}" "$python" "$here/python/tls_echo_server.py" "$port" "$mode" \
    "$pki/good-chain.pem" "$pki/good.key" "$pki/ca.crt" </dev/null >"$tmp/$name.server.log" 2>&1 &
  pids+=($!)
}

stream_server_cases python-server "$python" clientauth

# http.server over the drop-in.
mkdir -p "$tmp/www"
head -c $((8 * 1024 * 1024)) /dev/urandom >"$tmp/www/file"
head -c $((2 * 1024 * 1024)) /dev/urandom >"$tmp/body"
env "${APP_ENV[@]}" "$python" "$here/python/https_server.py" "$tmp/www" "$pki/good-chain.pem" \
  "$pki/good.key" </dev/null >"$tmp/http.log" 2>&1 &
pids+=($!)
port=
for _ in $(seq 100); do
  port=$(sed -n 's/^PORT \([0-9]*\)$/\1/p' "$tmp/http.log")
  [ -n "$port" ] && break
  sleep 0.1
done
if [ -z "$port" ]; then
  result python-server http-server-get FAIL "http.server did not start: $(tr '\n' ' ' <"$tmp/http.log")"
else
  env -u LD_LIBRARY_PATH -u LD_PRELOAD timeout 60 curl -sS --cacert "$pki/ca.crt" \
    -o "$tmp/got" "https://localhost:$port/file" 2>"$tmp/get.err"
  rc=$?
  if [ "$rc" -eq 0 ] && cmp -s "$tmp/got" "$tmp/www/file"; then
    result python-server http-server-get ok "8 MiB intact from http.server over the drop-in"
  else
    result python-server http-server-get FAIL "curl exit $rc: $(cat "$tmp/get.err")"
  fi
  answer=$(env -u LD_LIBRARY_PATH -u LD_PRELOAD timeout 60 curl -sS --cacert "$pki/ca.crt" \
    --data-binary "@$tmp/body" "https://localhost:$port/post" 2>"$tmp/post.err")
  if [ "$answer" = "$(sha256sum <"$tmp/body" | cut -d' ' -f1)" ]; then
    result python-server http-server-post ok "2 MiB POST: the server's sha256 matches"
  else
    result python-server http-server-post FAIL "answer '$answer': $(cat "$tmp/post.err")"
  fi
fi

[ "$failures" -eq 0 ] || { show_audit; exit 1; }
exit 0
