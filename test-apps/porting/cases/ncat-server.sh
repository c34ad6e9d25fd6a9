#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# ncat as a TLS server (`ncat --ssl -l --ssl-cert --ssl-key`) over the
# drop-in, with unmodified `openssl s_client` as its client: the stream
# server cases of stream-server-cases.sh.
#
#   ncat-server.sh LIBDIR REPO
#
# "weak" is --ssl-ciphers with TLS 1.0-era suites (ncat has no version
# option); ncat has no option to ask for client certificates, so only
# policy's client_auth is tested.
set -uo pipefail
libdir=${1:?usage: ncat-server.sh LIBDIR REPO}
repo=${2:?usage: ncat-server.sh LIBDIR REPO}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../app-env.sh
. "$here/app-env.sh"
# shellcheck source=../peers.sh
. "$here/peers.sh"
# shellcheck source=../stream-server-cases.sh
. "$here/stream-server-cases.sh"

ncat_bin=$(command -v ncat) || { echo "RESULT ncat-server - FAIL ncat is not installed (scripts/bootstrap.sh)"; exit 1; }
app_env "$libdir"
peers_setup "$repo" || { echo "RESULT ncat-server - FAIL test PKI"; exit 1; }
trap peers_cleanup EXIT

app_listen() {
  local name=$1 mode=$2 port=$3 args=(--ssl --ssl-cert "$pki/good-chain.pem" --ssl-key "$pki/good.key")
  case $mode in
    weak) args+=(--ssl-ciphers 'ALL:@SECLEVEL=0') ;;
  esac
  env "${APP_ENV[@]}" "$ncat_bin" -l 127.0.0.1 "$port" "${args[@]}" --sh-exec "$echo_cmd" \
    </dev/null >"$tmp/$name.server.log" 2>&1 &
  pids+=($!)
}

stream_server_cases ncat-server "$ncat_bin"
[ "$failures" -eq 0 ] || { show_audit; exit 1; }
exit 0
