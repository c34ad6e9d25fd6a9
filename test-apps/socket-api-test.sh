#!/usr/bin/env bash
# The socket API test apps against real, unmodified OpenSSL peers and each
# other, on 127.0.0.1, under a test policy:
#
#   socket-api-test.sh BUILD_DIR SOURCE_DIR
#
#   client.*   ssa_client against `openssl s_server -www`: the good chain (by
#              name, by IP address, by AF_HOSTNAME) connects; expired,
#              self-signed and wrong-host certificates are refused with the
#              reason printed
#   server.*   ssa_server answering `openssl s_client -verify_return_error`,
#              curl --cacert, and ssa_client; and serving the next client
#              after one that does not speak TLS
#   nc.*       ssa-nc both ways with s_server, s_client and itself: a 1 MiB
#              random file must arrive with the same SHA-256
#   event.*    ssa-event serving 60 concurrent curl clients the fixed page
#              while one client stalls mid-handshake and one is not TLS, and
#              8 concurrent downloads of a 4 MiB file from a directory
#   audit.*    the audit log has connection lines: accepted and refused
#
# Prints a table of case and result; exits 1 if any case failed (and keeps
# the work directory, whose path it prints, for the logs).
#
# Cases run through case_run and cleanup through trap, which shellcheck 0.9
# cannot follow (SC2317 "unreachable").
# shellcheck disable=SC2317
set -uo pipefail

if [ $# -ne 2 ]; then
  echo "usage: socket-api-test.sh BUILD_DIR SOURCE_DIR" >&2
  exit 2
fi
build=$(cd "$1" && pwd)
src=$(cd "$2" && pwd)
apps=$build/test-apps
client=$apps/ssa-examples/ssa_client
server=$apps/ssa-examples/ssa_server
nc=$apps/ssa-netcat/ssa-nc
event=$apps/ssa-event/ssa-event

for tool in openssl curl sha256sum timeout awk; do
  if ! command -v "$tool" >/dev/null; then
    echo "socket-api-test.sh: $tool is not installed" >&2
    exit 1
  fi
done
for prog in "$client" "$server" "$nc" "$event"; do
  if [ ! -x "$prog" ]; then
    echo "socket-api-test.sh: $prog is not built" >&2
    exit 1
  fi
done

work=$(mktemp -d "${TMPDIR:-/tmp}/ssa-socket-test.XXXXXX")
pki=$work/pki
pids=()
failed=0

# Every server this script starts is killed on the way out, whatever happens.
cleanup() {
  local pid
  for pid in "${pids[@]}"; do
    kill "$pid" 2>/dev/null
  done
  wait 2>/dev/null
  exec 9>&- 2>/dev/null
  if [ "$failed" -eq 0 ]; then
    rm -rf "$work"
  else
    echo "logs kept in $work"
  fi
}
trap cleanup EXIT

# The OpenSSL peers are the real ones: nothing of ours preloaded into them.
# (A command prefix, not a function, so that `timeout` and `&` can run it and
# $! is the peer itself.)
peer=(env -u LD_PRELOAD -u LD_LIBRARY_PATH)

# ---- ports and processes --------------------------------------------------

used_ports=" "
good_pid=""
good_port=0

# Is anything listening on TCP port $1 (IPv4 or IPv6)?
listening() {
  local hex
  hex=$(printf ':%04X' "$1")
  awk -v p="$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 } END { exit !f }' \
    /proc/net/tcp /proc/net/tcp6 2>/dev/null
}

# A port nothing listens on and this run has not used yet.
free_port() {
  local p
  while :; do
    p=$((20000 + RANDOM % 40000))
    case $used_ports in *" $p "*) continue ;; esac
    if ! listening "$p"; then
      used_ports="$used_ports$p "
      echo "$p"
      return
    fi
  done
}

# start LOG INPUT CMD...: run a server in the background with stdin from
# INPUT (given here because bash gives a background command /dev/null, not
# the caller's stdin), remembered for cleanup; its pid is left in $last_pid.
start() {
  local log=$1 input=$2
  shift 2
  "$@" <"$input" >"$log.out" 2>"$log.err" &
  last_pid=$!
  pids+=("$last_pid")
}

# Wait until port $1 listens (the server $2 must stay alive meanwhile).
wait_port() {
  local i
  for ((i = 0; i < 100; i++)); do
    listening "$1" && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

stop() {
  kill "$1" 2>/dev/null
  wait "$1" 2>/dev/null
}

# Wait at most $2 seconds for pid $1 to exit by itself; its status, or 124.
wait_exit() {
  local i
  for ((i = 0; i < $2 * 10; i++)); do
    if ! kill -0 "$1" 2>/dev/null; then
      wait "$1"
      return
    fi
    sleep 0.1
  done
  stop "$1"
  return 124
}

same_file() {
  [ "$(sha256sum <"$1")" = "$(sha256sum <"$2")" ]
}

# ---- the cases ------------------------------------------------------------

results=()
detail=""

# case NAME FUNCTION [ARGS...]: run one case, record its result.
case_run() {
  local name=$1
  shift
  detail=""
  if "$@"; then
    results+=("$(printf '%-26s PASS  %s' "$name" "$detail")")
  else
    failed=1
    results+=("$(printf '%-26s FAIL  %s' "$name" "$detail")")
  fi
}

# s_server -www with leaf $1, chain file $2 (or "" for none): pid and port
# left in $srv_pid and $srv_port.
start_s_server_www() {
  local leaf=$1 chain=$2 log=$3
  local -a chainopt=()
  [ -n "$chain" ] && chainopt=(-cert_chain "$pki/$chain")
  srv_port=$(free_port)
  start "$work/$log" /dev/null "${peer[@]}" openssl s_server -www -accept "127.0.0.1:$srv_port" \
    -cert "$pki/$leaf.crt" -key "$pki/$leaf.key" "${chainopt[@]}"
  srv_pid=$last_pid
  wait_port "$srv_port" "$srv_pid"
}

# ssa_client ARGS... against the running s_server: must print its page.
client_ok() {
  local log=$work/$1
  shift
  if ! timeout 20 "$client" "$@" >"$log.out" 2>"$log.err"; then
    detail="ssa_client failed: $(tail -n 1 "$log.err")"
    return 1
  fi
  if ! grep -qi '^HTTP/1.0 200 ok' "$log.out"; then
    detail="no HTTP 200 from s_server"
    return 1
  fi
  detail=$(grep -m1 'connected' "$log.err" | sed 's/^ssa_client: //')
}

case_client_good() {
  start_s_server_www good int.crt s_server-good || { detail="s_server did not start"; return 1; }
  good_port=$srv_port
  good_pid=$srv_pid
  client_ok client-good localhost "$good_port"
}

case_client_ip() {
  client_ok client-ip 127.0.0.1 "$good_port"
}

case_client_by_name() {
  client_ok client-by-name --by-name localhost "$good_port"
}

# A certificate policy must refuse: ssa_client exits non-zero and prints a
# reason matching $3.
client_refused() {
  local leaf=$1 chain=$2 reason=$3
  start_s_server_www "$leaf" "$chain" "s_server-$leaf" || { detail="s_server did not start"; return 1; }
  local log=$work/client-$leaf rc=0
  timeout 20 "$client" localhost "$srv_port" >"$log.out" 2>"$log.err" || rc=$?
  stop "$srv_pid"
  if [ "$rc" -eq 0 ]; then
    detail="connected although the certificate is bad"
    return 1
  fi
  if [ "$rc" -eq 124 ]; then
    detail="ssa_client hung"
    return 1
  fi
  detail=$(grep -m1 -Ei "$reason" "$log.err" | sed 's/^ssa_client: //')
  if [ -z "$detail" ]; then
    detail="refused, but no reason matching /$reason/: $(tail -n 1 "$log.err")"
    return 1
  fi
}

# ssa_server for N connections: pid and port in $srv_pid, $srv_port.
start_ssa_server() {
  srv_port=$(free_port)
  start "$work/$2" /dev/null "$server" -n "$1" "$srv_port" "$pki/good-chain.pem" "$pki/good.key"
  srv_pid=$last_pid
  wait_port "$srv_port" "$srv_pid"
}

# The page ssa_server sends: 200, TLS 1.2 or 1.3, and the SNI name.
server_page_ok() {
  if ! grep -q '^HTTP/1.1 200 OK' "$1" || ! grep -q '^version: TLSv1\.[23]$' "$1"; then
    detail="unexpected page: $(head -c 200 "$1" | tr '\r\n' '  ')"
    return 1
  fi
  if ! grep -q '^sni: localhost$' "$1"; then
    detail="server did not see SNI localhost: $(grep '^sni:' "$1")"
    return 1
  fi
  detail="$(grep '^version:' "$1"), $(grep '^sni:' "$1")"
}

case_server_s_client() {
  start_ssa_server 1 ssa_server-s_client || { detail="ssa_server did not start"; return 1; }
  local log=$work/s_client-to-ssa_server
  printf 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n' |
    timeout 20 "${peer[@]}" openssl s_client -connect "127.0.0.1:$srv_port" -servername localhost \
      -CAfile "$pki/ca.crt" -verify_return_error -verify_hostname localhost -quiet \
      >"$log.out" 2>"$log.err"
  local rc=$?
  wait_exit "$srv_pid" 5
  if [ "$rc" -ne 0 ]; then
    detail="s_client failed ($rc): $(grep -m1 -i error "$log.err")"
    return 1
  fi
  server_page_ok "$log.out"
}

case_server_curl() {
  start_ssa_server 1 ssa_server-curl || { detail="ssa_server did not start"; return 1; }
  local log=$work/curl-to-ssa_server
  timeout 20 "${peer[@]}" curl -sS --cacert "$pki/ca.crt" --resolve "localhost:$srv_port:127.0.0.1" \
    -i "https://localhost:$srv_port/" >"$log.out" 2>"$log.err"
  local rc=$?
  wait_exit "$srv_pid" 5
  if [ "$rc" -ne 0 ]; then
    detail="curl failed ($rc): $(head -n 1 "$log.err")"
    return 1
  fi
  tr -d '\r' <"$log.out" >"$log.page"
  server_page_ok "$log.page"
}

case_client_server() {
  start_ssa_server 1 ssa_server-ssa_client || { detail="ssa_server did not start"; return 1; }
  local log=$work/ssa_client-to-ssa_server
  timeout 20 "$client" localhost "$srv_port" >"$log.out" 2>"$log.err"
  local rc=$?
  wait_exit "$srv_pid" 5
  if [ "$rc" -ne 0 ]; then
    detail="ssa_client failed: $(tail -n 1 "$log.err")"
    return 1
  fi
  tr -d '\r' <"$log.out" >"$log.page"
  server_page_ok "$log.page"
}

# A client that is not TLS at all fails its handshake; ssa_server reports
# why (TLS_ERROR on the listener) and serves the next client.
case_server_bad_client() {
  start_ssa_server 2 ssa_server-bad-client || { detail="ssa_server did not start"; return 1; }
  local log=$work/bad-client-then-s_client
  send_garbage "$srv_port"
  printf 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n' |
    timeout 20 "${peer[@]}" openssl s_client -connect "127.0.0.1:$srv_port" -servername localhost \
      -CAfile "$pki/ca.crt" -verify_return_error -quiet >"$log.out" 2>"$log.err"
  wait_exit "$srv_pid" 5
  if ! grep -q 'accept: ' "$work/ssa_server-bad-client.err"; then
    detail="no handshake failure reported by ssa_server"
    return 1
  fi
  server_page_ok "$log.out" || return 1
  detail="served after: $(grep -m1 'accept: ' "$work/ssa_server-bad-client.err" | cut -c1-70)"
}

# Plain text where a ClientHello should be; the server must hang up.
send_garbage() {
  (
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 0
    printf 'GET / HTTP/1.0\r\n\r\n' >&3
    timeout 5 cat <&3 >/dev/null
  ) 2>/dev/null
}

# ---- netcat: a file through the connection, checked by SHA-256 -----------

# nc_check RECEIVED SENDER_RC RECEIVER_RC
nc_check() {
  if [ "$2" -ne 0 ] || [ "$3" -ne 0 ]; then
    detail="sender exit $2, receiver exit $3"
    return 1
  fi
  if ! same_file "$data" "$1"; then
    detail="data differs: sent $(wc -c <"$data") bytes, received $(wc -c <"$1")"
    return 1
  fi
  detail="$(wc -c <"$1") bytes, SHA-256 equal"
}

# s_server runs with -nbio: in blocking mode it sometimes sits in SSL_read
# after its first 16 KiB and sends no more, whatever the client (it does so
# with its own s_client as the peer too).

# ssa-nc (connect) -> s_server: s_server's stdin stays open (fd 9 holds the
# fifo) so that it does not hang up first.
case_nc_to_s_server() {
  local port log=$work/nc-to-s_server
  port=$(free_port)
  start "$log-srv" "$work/hold" "${peer[@]}" openssl s_server -quiet -nbio -naccept 1 \
    -accept "127.0.0.1:$port" -cert "$pki/good.crt" -key "$pki/good.key" \
    -cert_chain "$pki/int.crt"
  local spid=$last_pid
  wait_port "$port" "$spid" || { detail="s_server did not start"; return 1; }
  timeout 30 "$nc" -N localhost "$port" <"$data" >"$log.out" 2>"$log.err"
  local crc=$? src=0
  wait_exit "$spid" 10 || src=$?
  nc_check "$log-srv.out" "$crc" "$src"
}

# s_server -> ssa-nc (connect): s_server hangs up at the end of its stdin.
case_nc_from_s_server() {
  local port log=$work/nc-from-s_server
  port=$(free_port)
  start "$log-srv" "$data" "${peer[@]}" openssl s_server -quiet -no_ign_eof -nbio -naccept 1 \
    -accept "127.0.0.1:$port" -cert "$pki/good.crt" -key "$pki/good.key" \
    -cert_chain "$pki/int.crt"
  local spid=$last_pid
  wait_port "$port" "$spid" || { detail="s_server did not start"; return 1; }
  timeout 30 "$nc" localhost "$port" </dev/null >"$log.out" 2>"$log.err"
  local crc=$? src=0
  wait_exit "$spid" 10 || src=$?
  nc_check "$log.out" "$src" "$crc"
}

# start_nc_listener LOG STDIN [-N]: ssa-nc -l; pid and port in $nc_pid, $nc_port.
start_nc_listener() {
  local log=$1 input=$2
  shift 2
  nc_port=$(free_port)
  start "$log" "$input" "$nc" -l "$@" -s 127.0.0.1 "$nc_port" \
    --cert "$pki/good-chain.pem" --key "$pki/good.key"
  nc_pid=$last_pid
  wait_port "$nc_port" "$nc_pid"
}

# s_client -> ssa-nc -l: s_client sends close_notify at the end of its stdin.
case_s_client_to_nc() {
  local log=$work/s_client-to-nc
  start_nc_listener "$log-srv" /dev/null || { detail="ssa-nc -l did not start"; return 1; }
  timeout 30 "${peer[@]}" openssl s_client -connect "127.0.0.1:$nc_port" -servername localhost \
    -CAfile "$pki/ca.crt" -verify_return_error -verify_hostname localhost \
    -quiet -no_ign_eof -nocommands <"$data" >"$log.out" 2>"$log.err"
  local crc=$? src=0
  wait_exit "$nc_pid" 10 || src=$?
  nc_check "$log-srv.out" "$crc" "$src"
}

# ssa-nc -l -N -> s_client: close_notify after the file ends s_client.
case_nc_to_s_client() {
  local log=$work/nc-to-s_client
  start_nc_listener "$log-srv" "$data" -N || { detail="ssa-nc -l did not start"; return 1; }
  timeout 30 "${peer[@]}" openssl s_client -connect "127.0.0.1:$nc_port" -servername localhost \
    -CAfile "$pki/ca.crt" -verify_return_error -verify_hostname localhost \
    -quiet <"$work/hold" >"$log.out" 2>"$log.err"
  local crc=$? src=0
  wait_exit "$nc_pid" 10 || src=$?
  nc_check "$log.out" "$src" "$crc"
}

case_nc_self_up() {
  local log=$work/nc-self-up
  start_nc_listener "$log-srv" /dev/null || { detail="ssa-nc -l did not start"; return 1; }
  timeout 30 "$nc" -N localhost "$nc_port" <"$data" >"$log.out" 2>"$log.err"
  local crc=$? src=0
  wait_exit "$nc_pid" 10 || src=$?
  nc_check "$log-srv.out" "$crc" "$src"
}

case_nc_self_down() {
  local log=$work/nc-self-down
  start_nc_listener "$log-srv" "$data" -N || { detail="ssa-nc -l did not start"; return 1; }
  timeout 30 "$nc" localhost "$nc_port" </dev/null >"$log.out" 2>"$log.err"
  local crc=$? src=0
  wait_exit "$nc_pid" 10 || src=$?
  nc_check "$log.out" "$src" "$crc"
}

# ---- the event server ------------------------------------------------------

# fetch_many N URL PATTERN: N curls at once; how many got a body matching
# PATTERN (by checksum when PATTERN is a file) is left in $got.
fetch_many() {
  local n=$1 url=$2 want=$3 i
  local -a cpids=()
  for ((i = 0; i < n; i++)); do
    timeout 60 "${peer[@]}" curl -sS --cacert "$pki/ca.crt" --resolve "localhost:$ev_port:127.0.0.1" \
      -o "$work/event-$i.body" "$url" 2>"$work/event-$i.err" &
    cpids+=("$!")
  done
  got=0
  for ((i = 0; i < n; i++)); do
    wait "${cpids[$i]}" || continue
    if { [ -f "$want" ] && same_file "$want" "$work/event-$i.body"; } ||
      { [ ! -f "$want" ] && grep -q "$want" "$work/event-$i.body"; }; then
      got=$((got + 1))
      rm -f "$work/event-$i.body" "$work/event-$i.err"
    fi
  done
}

start_event() {
  ev_port=$(free_port)
  start "$work/$1" /dev/null "$event" "${@:2}" "$ev_port" "$pki/good-chain.pem" "$pki/good.key"
  ev_pid=$last_pid
  wait_port "$ev_port" "$ev_pid"
}

# 60 clients at once, while one client stalls mid-handshake (a TCP
# connection that never sends its ClientHello) and one speaks plain HTTP: an
# event server must not wait for either.
case_event_concurrent() {
  local n=60
  start_event ssa-event-page -n "$n" || { detail="ssa-event did not start"; return 1; }
  exec 8<>"/dev/tcp/127.0.0.1/$ev_port"
  send_garbage "$ev_port"
  fetch_many "$n" "https://localhost:$ev_port/" 'Hello from ssa-event'
  exec 8>&-
  local rc=0
  wait_exit "$ev_pid" 10 || rc=$?
  detail="$got/$n clients got the page (one stalled, one not TLS)"
  if [ "$got" -ne "$n" ]; then
    detail="$detail; first error: $(cat "$work"/event-*.err | head -n 1)"
    return 1
  fi
  [ "$rc" -eq 0 ] || { detail="$detail; server exit $rc"; return 1; }
}

# The HTTP status ssa-event answers for a URL.
status_of() {
  timeout 20 "${peer[@]}" curl -s -o /dev/null -w '%{http_code}' --cacert "$pki/ca.crt" \
    --resolve "localhost:$ev_port:127.0.0.1" "$@"
}

case_event_files() {
  local n=8 docroot=$work/docroot
  mkdir -p "$docroot"
  head -c $((4 * 1024 * 1024)) /dev/urandom >"$docroot/big.bin"
  start_event ssa-event-files -d "$docroot" || { detail="ssa-event did not start"; return 1; }
  fetch_many "$n" "https://localhost:$ev_port/big.bin" "$docroot/big.bin"
  local missing escape
  missing=$(status_of "https://localhost:$ev_port/nothing.html")
  escape=$(status_of --path-as-is "https://localhost:$ev_port/../ssa.conf")
  stop "$ev_pid"
  detail="$got/$n got 4 MiB intact; missing file $missing, ../ $escape"
  [ "$got" -eq "$n" ] && [ "$missing" = 404 ] && [ "$escape" = 403 ]
}

# ---- the audit log ----------------------------------------------------------

case_audit() {
  local log=$work/audit.log ok refused
  if [ ! -s "$log" ]; then
    detail="no audit log at $log"
    return 1
  fi
  ok=$(grep -c 'event=connection .*outcome=ok' "$log")
  refused=$(grep -c 'event=connection .*outcome=refused' "$log")
  detail="$ok accepted, $refused refused connection lines"
  grep -q 'event=connection role=client .*outcome=ok' "$log" &&
    grep -q 'event=connection role=server .*outcome=ok' "$log" &&
    grep -q 'event=connection role=client .*outcome=refused' "$log"
}

# ---- setup and run -----------------------------------------------------------

if ! "$src/ssa-core/tests/pki/make-pki.sh" "$pki"; then
  echo "socket-api-test.sh: could not make the test PKI" >&2
  failed=1
  exit 1
fi
cat >"$work/ssa.conf" <<EOF
default: {
  trust_store = "$pki/ca.crt";
  audit = "$work/audit.log";
};
EOF
export SSA_CONF=$work/ssa.conf

data=$work/data.bin
head -c $((1024 * 1024)) /dev/urandom >"$data"
# A stdin that never ends, for peers that hang up at EOF on their input.
mkfifo "$work/hold"
exec 9<>"$work/hold"

case_run client.good-chain case_client_good
case_run client.ip-address case_client_ip
case_run client.by-name case_client_by_name
[ -n "$good_pid" ] && stop "$good_pid"
case_run client.expired-refused client_refused expired int.crt 'expired'
case_run client.selfsigned-refused client_refused selfsigned "" 'self[- ]?signed'
case_run client.wronghost-refused client_refused wronghost int.crt 'hostname|mismatch'
case_run server.s_client case_server_s_client
case_run server.curl case_server_curl
case_run server.ssa_client case_client_server
case_run server.after-bad-client case_server_bad_client
case_run nc.to-s_server case_nc_to_s_server
case_run nc.from-s_server case_nc_from_s_server
case_run nc.from-s_client case_s_client_to_nc
case_run nc.to-s_client case_nc_to_s_client
case_run nc.self-upload case_nc_self_up
case_run nc.self-download case_nc_self_down
case_run event.60-concurrent case_event_concurrent
case_run event.files case_event_files
case_run audit.connection-lines case_audit

echo
printf '%-26s %-5s %s\n' CASE RESULT DETAIL
for line in "${results[@]}"; do
  echo "$line"
done
exit "$failed"
