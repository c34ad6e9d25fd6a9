#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# ncat (Debian's nmap ncat, `ncat --ssl` client) over the drop-in, against
# local `openssl s_server -rev` peers, under the test policy: the stream
# client cases of stream-cases.sh.
#
#   ncat.sh LIBDIR REPO
#
# ncat verifies only with --ssl-verify; "noverify" leaves it out. ncat
# without --ssl-trustfile loads the system bundle as its own anchors, which
# replaces the policy's store (DESIGN.md section 4): so every case names the
# test root, as a user would.
set -uo pipefail
libdir=${1:?usage: ncat.sh LIBDIR REPO}
repo=${2:?usage: ncat.sh LIBDIR REPO}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../app-env.sh
. "$here/app-env.sh"
# shellcheck source=../peers.sh
. "$here/peers.sh"
# shellcheck source=../stream-cases.sh
. "$here/stream-cases.sh"

ncat_bin=$(command -v ncat) || { echo "RESULT ncat - FAIL ncat is not installed (scripts/bootstrap.sh)"; exit 1; }
app_env "$libdir"
peers_setup "$repo" || { echo "RESULT ncat - FAIL test PKI"; exit 1; }
trap peers_cleanup EXIT

app_run() {
  local name=$1 input=$2 mode=$3 port=$4 args=(--ssl --ssl-trustfile "$pki/ca.crt")
  case $mode in
    verify | tls10) args+=(--ssl-verify) ;;
    noverify) ;;
    ciphers) args+=(--ssl-verify --ssl-ciphers "$5") ;;
  esac
  env "${APP_ENV[@]}" timeout 60 "$ncat_bin" "${args[@]}" localhost "$port" \
    <"$input" >"$tmp/$name.out" 2>"$tmp/$name.err"
  rc=$?
  echo "  ncat ${args[*]} localhost $port: exit $rc; stderr: $(tr '\n' ' ' <"$tmp/$name.err")"
}

stream_cases ncat "$ncat_bin" || { echo "RESULT ncat - FAIL a peer did not start"; exit 1; }
[ "$failures" -eq 0 ] || { show_audit; exit 1; }
exit 0
