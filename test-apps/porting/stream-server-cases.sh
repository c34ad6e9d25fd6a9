# shellcheck shell=bash
# Sourced by the server cases of stream tools (ncat -l, socat
# OPENSSL-LISTEN): one set of cases, the tool over the drop-in as a TLS echo
# server, unmodified `openssl s_client` (system libssl) as the client. The
# case script sources app-env.sh and peers.sh, calls peers_setup, then
# defines
#
#   app_listen NAME MODE PORT
#       start the tool over the drop-in, in the background, on
#       127.0.0.1:PORT with good-chain.pem / good.key, running $echo_cmd for
#       the connection (it echoes each line and ends after a line "CLOSE",
#       so the tool then closes the connection); add its pid to $pids,
#       its output to $tmp/NAME.server.log. MODE: plain  as its users
#                                    configure it
#                           weak     asking for TLS 1.0 and weak suites
#                           clientauth  requiring a client certificate
#                                    from the test CA (its own option)
#
# and calls `stream_server_cases APP BINARY [clientauth]` (clientauth when
# the tool has an option for it). The cases:
#
#   echo-sha256          ~1 MB through s_client and back, intact
#   audit-connection     the server's connection line in the audit log
#   weak-server-tls1.1   MODE weak: a client offering only TLS 1.1 is
#                        refused (policy's floor, whatever the tool asked)
#   weak-server-weak-suites   a TLS 1.2 client offering only CBC/RSA suites:
#                        refused
#   weak-server-normal-client  a normal client gets TLS 1.2+ with an AEAD
#                        suite; the clamps are in the audit log
#   client-auth-*        the tool's own option: no certificate refused, a
#                        certificate from the test CA accepted, one from
#                        another CA refused
#   policy-client-auth   the tool asks for no client certificate, a profile
#                        for it says client_auth = "require": a client
#                        without one is refused, with one accepted

echo_cmd="sed -u '/^CLOSE\$/q'"

# s_client NAME PORT ARGS...: the system's openssl as the client, stdin
# from $tmp/NAME.in; output in $tmp/NAME.out, exit in $rc.
s_client() {
  local name=$1 port=$2
  shift 2
  env -u LD_LIBRARY_PATH -u LD_PRELOAD timeout 30 openssl s_client -quiet \
    -connect "127.0.0.1:$port" -servername localhost -CAfile "$pki/ca.crt" \
    -verify_return_error "$@" <"$tmp/$name.in" >"$tmp/$name.out" 2>"$tmp/$name.err"
  rc=$?
  echo "  s_client $name: exit $rc; stderr: $(head -c 300 "$tmp/$name.err" | tr '\n' ' ')"
}

# Wait for a listener on PORT (the tools cannot report a port of their
# own). Asked of the kernel (ss): a probe connection would be the one
# connection a single-shot server accepts.
wait_listen() {
  local _
  for _ in $(seq 100); do
    [ -n "$(ss -Hltn "sport = :$1")" ] && return 0
    sleep 0.1
  done
  return 1
}

# Start one server, talk to it once, stop it. serve_once NAME MODE CLIENT_ARGS...
serve_once() {
  local name=$1 mode=$2 port
  shift 2
  port=$(free_port)
  app_listen "$name" "$mode" "$port"
  local pid=${pids[-1]}
  if ! wait_listen "$port"; then
    echo "  $name: the server did not listen"; cat "$tmp/$name.server.log" 2>/dev/null
    rc=99
    return
  fi
  s_client "$name" "$port" "$@"
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
}

# ok when the client was refused: nonzero exit and nothing echoed.
expect_refused() {
  local app=$1 case=$2 name=$3
  if [ "$rc" -ne 0 ] && ! grep -q . "$tmp/$name.out"; then
    result "$app" "$case" ok "refused (s_client exit $rc): $(grep -oE 'alert [a-z ]+|no (shared )?cipher[a-z ]*|unsupported protocol|certificate required|wrong version number|unexpected eof[a-z ]*|errno=[0-9]+' "$tmp/$name.err" | head -1)"
  else
    result "$app" "$case" FAIL "s_client exit $rc, $(wc -c <"$tmp/$name.out") bytes echoed"
  fi
}

expect_echo() {
  local app=$1 case=$2 name=$3 detail=$4
  if [ "$rc" -eq 0 ] && cmp -s "$tmp/$name.in" "$tmp/$name.out"; then
    result "$app" "$case" ok "$detail"
  else
    result "$app" "$case" FAIL "s_client exit $rc; $(wc -c <"$tmp/$name.out") of $(wc -c <"$tmp/$name.in") bytes echoed"
  fi
}

stream_server_cases() {
  local app=$1 bin=$2 own_clientauth=${3:-} real name
  real=$(readlink -f "$bin")
  { head -c 750000 /dev/urandom | base64; echo CLOSE; } >"$tmp/echo.in"
  printf 'hello\nCLOSE\n' >"$tmp/hello.txt"
  for name in tls11 weaksuites normal noclient goodclient otherclient polnone polcert; do
    cp "$tmp/hello.txt" "$tmp/$name.in"
  done

  serve_once echo plain
  expect_echo "$app" echo-sha256 echo "$(wc -c <"$tmp/echo.in") bytes through the server and back, sha256 $(sha256sum <"$tmp/echo.out" | cut -c1-12)..."
  if audit_has "app=$real pid=[0-9]+ frontend=libssl event=connection role=server .*outcome=ok"; then
    result "$app" audit-connection ok "audit: $(grep "app=$real .*role=server .*outcome=ok" "$tmp/audit.log" | head -1 | grep -o 'version=[^ ]* cipher=[^ ]*')"
  else
    result "$app" audit-connection FAIL "no server connection line: $app did not run on the drop-in"
  fi

  serve_once tls11 weak -tls1_1 -cipher 'ALL:@SECLEVEL=0'
  expect_refused "$app" weak-server-tls1.1 tls11
  serve_once weaksuites weak -tls1_2 -cipher 'AES128-SHA:AES256-SHA:DES-CBC3-SHA'
  expect_refused "$app" weak-server-weak-suites weaksuites
  serve_once normal weak -tls1_2
  local proto cipher
  proto=$(grep -o 'version=[^ ]*' <<<"$(grep "app=$real .*role=server .*outcome=ok" "$tmp/audit.log" | tail -1)")
  cipher=$(grep "app=$real .*role=server .*outcome=ok" "$tmp/audit.log" | tail -1 | grep -o 'cipher=[^ ]*')
  if [ "$rc" -eq 0 ] && cmp -s "$tmp/normal.in" "$tmp/normal.out" && [ "$proto" = version=TLSv1.2 ] \
     && [[ $cipher == *_GCM_* || $cipher == *CHACHA20* ]] \
     && audit_has "app=$real .*event=policy detail=\"clamped: (min_protocol|ciphers)"; then
    result "$app" weak-server-normal-client ok "$proto $cipher; the server's weak requests clamped (audited)"
  else
    result "$app" weak-server-normal-client FAIL "s_client exit $rc; $proto $cipher"
  fi

  if [ -n "$own_clientauth" ]; then
    serve_once noclient clientauth
    expect_refused "$app" client-auth-none-refused noclient
    serve_once goodclient clientauth -cert "$pki/client.crt" -cert_chain "$pki/int.crt" -key "$pki/client.key"
    expect_echo "$app" client-auth-good-accepted goodclient "a certificate from the test CA: accepted"
    serve_once otherclient clientauth -cert "$pki/client-other.crt" -key "$pki/client-other.key"
    expect_refused "$app" client-auth-other-ca-refused otherclient
  fi

  # Policy alone asks for client certificates of this server.
  local policy=$SSA_CONF
  cat >"$tmp/clientauth.conf" <<CONF
default: { trust_store = "$pki/ca.crt"; audit = "$tmp/audit.log"; };
profiles = ( { application = "$real"; client_auth = "require"; } );
CONF
  SSA_CONF=$tmp/clientauth.conf
  serve_once polnone plain
  local none_rc=$rc none_out
  none_out=$(wc -c <"$tmp/polnone.out")
  serve_once polcert plain -cert "$pki/client.crt" -cert_chain "$pki/int.crt" -key "$pki/client.key"
  SSA_CONF=$policy
  if [ "$none_rc" -ne 0 ] && [ "$none_out" -eq 0 ] && [ "$rc" -eq 0 ] \
     && cmp -s "$tmp/polcert.in" "$tmp/polcert.out"; then
    result "$app" policy-client-auth ok "profile client_auth = require: no certificate refused, the test CA's accepted"
  else
    result "$app" policy-client-auth FAIL "without a certificate: exit $none_rc, $none_out bytes; with one: exit $rc"
  fi
}
