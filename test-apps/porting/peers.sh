# shellcheck shell=bash
# Sourced by porting cases: the test PKI, the test policy and local
# `openssl s_server` peers. The openssl command keeps the system's libssl;
# only the application gets the drop-in (app-env.sh).
#
#   peers_setup REPO      temp dir $tmp, PKI in $pki, SSA_CONF exported
#                         (trust store = the PKI's root, audit = $tmp/audit.log)
#   start_server NAME ARGS...   s_server -rev on a port of its choosing
#                         (sets $port); killed by peers_cleanup
#   start_www_server NAME ARGS...   the same with -www (an HTTP GET is
#                         answered with an HTML status page)
#   result APP CASE ok|FAIL DETAIL   one RESULT line; FAIL counts in $failures
#   free_port             prints a TCP port nobody listens on now (for
#                         servers that cannot report the port they got)
#   audit_has REGEX       the audit log has a matching line
#   show_audit            the audit log, for a failure's context

peers_setup() {
  local repo=$1
  tmp=$(mktemp -d)
  pids=()
  failures=0
  pki=$tmp/pki
  "$repo/ssa-core/tests/pki/make-pki.sh" "$pki" || { echo "make-pki.sh failed"; return 1; }
  cat >"$tmp/ssa.conf" <<CONF
default: {
  trust_store = "$pki/ca.crt";
  audit = "$tmp/audit.log";
};
CONF
  export SSA_CONF=$tmp/ssa.conf
  unset SSLKEYLOGFILE
}

peers_cleanup() {
  local p
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  rm -rf "$tmp"
}

# -rev answers every line reversed and closes on a line "CLOSE"; it never
# reads stdin, so it stays up whatever stdin the case script has.
start_server() {
  local name=$1
  shift
  launch_server "$name" -rev "$@"
}

# -www answers a GET with an HTML page describing the connection; no stdin
# either.
start_www_server() {
  local name=$1
  shift
  launch_server "$name" -www "$@"
}

launch_server() {
  local log=$tmp/$1.log
  shift
  openssl s_server -accept 0 "$@" >"$log" 2>&1 </dev/null &
  pids+=($!)
  port=
  for _ in $(seq 100); do
    port=$(sed -n 's/^ACCEPT .*:\([0-9][0-9]*\)$/\1/p' "$log" | head -1)
    [ -n "$port" ] && return 0
    sleep 0.1
  done
  echo "openssl s_server $* did not start:"
  cat "$log"
  return 1
}

result() {
  local app=$1 case=$2 status=$3
  shift 3
  echo "RESULT $app $case $status $*"
  [ "$status" = ok ] || failures=$((failures + 1))
}

free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

audit_has() { grep -qE "$1" "$tmp/audit.log" 2>/dev/null; }

show_audit() {
  echo "--- audit log"
  cat "$tmp/audit.log" 2>/dev/null
}
