#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# socat as a TLS server (OPENSSL-LISTEN) over the drop-in, with unmodified
# `openssl s_client` as its client: the stream server cases of
# stream-server-cases.sh.
#
#   socat-server.sh LIBDIR REPO
#
# "weak" is min-version=TLS1.0 with TLS 1.0-era suites; "clientauth" is
# socat's verify=1 with cafile=ca.crt.
set -uo pipefail
libdir=${1:?usage: socat-server.sh LIBDIR REPO}
repo=${2:?usage: socat-server.sh LIBDIR REPO}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../app-env.sh
. "$here/app-env.sh"
# shellcheck source=../peers.sh
. "$here/peers.sh"
# shellcheck source=../stream-server-cases.sh
. "$here/stream-server-cases.sh"

socat_bin=$(command -v socat) || { echo "RESULT socat-server - FAIL socat is not installed (scripts/bootstrap.sh)"; exit 1; }
app_env "$libdir"
peers_setup "$repo" || { echo "RESULT socat-server - FAIL test PKI"; exit 1; }
trap peers_cleanup EXIT

app_listen() {
  local name=$1 mode=$2 port=$3
  local address="OPENSSL-LISTEN:$port,bind=127.0.0.1,reuseaddr,cert=$pki/good-chain.pem,key=$pki/good.key"
  case $mode in
    plain) address+=",verify=0" ;;
    weak) address+=",verify=0,min-version=TLS1.0,cipher=ALL:@SECLEVEL=0" ;;
    clientauth) address+=",verify=1,cafile=$pki/ca.crt" ;;
  esac
  env "${APP_ENV[@]}" "$socat_bin" "$address" "SYSTEM:$echo_cmd" \
    </dev/null >"$tmp/$name.server.log" 2>&1 &
  pids+=($!)
}

stream_server_cases socat-server "$socat_bin" clientauth
[ "$failures" -eq 0 ] || { show_audit; exit 1; }
exit 0
