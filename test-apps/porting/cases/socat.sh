#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# socat (Debian's socat, `OPENSSL:` client address) over the drop-in,
# against local `openssl s_server -rev` peers, under the test policy: the
# stream client cases of stream-cases.sh.
#
#   socat.sh LIBDIR REPO
#
# "noverify" is socat's verify=0; TLS 1.0 is asked for with
# min-version=TLS1.0, weak suites with cipher=.
set -uo pipefail
libdir=${1:?usage: socat.sh LIBDIR REPO}
repo=${2:?usage: socat.sh LIBDIR REPO}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../app-env.sh
. "$here/app-env.sh"
# shellcheck source=../peers.sh
. "$here/peers.sh"
# shellcheck source=../stream-cases.sh
. "$here/stream-cases.sh"

socat_bin=$(command -v socat) || { echo "RESULT socat - FAIL socat is not installed (scripts/bootstrap.sh)"; exit 1; }
app_env "$libdir"
peers_setup "$repo" || { echo "RESULT socat - FAIL test PKI"; exit 1; }
trap peers_cleanup EXIT

app_run() {
  local name=$1 input=$2 mode=$3 port=$4 address
  address="OPENSSL:localhost:$port,cafile=$pki/ca.crt"
  case $mode in
    verify) ;;
    noverify) address+=",verify=0" ;;
    tls10) address+=",min-version=TLS1.0" ;;
    ciphers) address+=",cipher=$5" ;;
  esac
  env "${APP_ENV[@]}" timeout 60 "$socat_bin" STDIO "$address" \
    <"$input" >"$tmp/$name.out" 2>"$tmp/$name.err"
  rc=$?
  echo "  socat STDIO $address: exit $rc; stderr: $(tr '\n' ' ' <"$tmp/$name.err")"
}

stream_cases socat "$socat_bin" || { echo "RESULT socat - FAIL a peer did not start"; exit 1; }
[ "$failures" -eq 0 ] || { show_audit; exit 1; }
exit 0
