#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# Debian's /usr/bin/python3 (3.11; its _ssl module links libssl.so.3) as a
# TLS client over the drop-in, under the test policy. The python programs
# are in test-apps/porting/python/; the peers are `openssl s_server` (-rev,
# -WWW) and, for http.client, python's own http.server on the SYSTEM libssl
# (https_server.py). Only the client python gets the drop-in.
#
#   python.sh LIBDIR REPO
#
#   import-ssl            `import ssl` loads _ssl over our libssl.so.3 (all
#                         of its imports resolve: python binds them at once)
#   urllib-get            urllib.request GET of a 4 MiB file from s_server
#                         -WWW, sha256 intact
#   http-client           http.client POST (1 MiB, server's sha256 of it
#                         matches) and GET on one keep-alive connection
#   default-tls13         create_default_context(cafile): TLS 1.3, AEAD,
#                         verified chain leaf..root, tls-unique present
#   default-tls12         the same against a TLS 1.2-only server
#   default-ip            server_hostname 127.0.0.1: checked against IP SANs
#   unverified-<bad>      _create_unverified_context() to self-signed,
#                         expired, wrong-host and untrusted-root servers:
#                         refused, policy's reason in python's exception
#   default-<bad>         create_default_context: refused with python's
#                         SSLCertVerificationError, as over OpenSSL
#   tls1.0-minmax         minimum_version = maximum_version = TLSv1 to a TLS
#                         1.0-only server: refused, policy's reason in
#                         python's exception, audited
#   tls1.0-protocol       ssl.SSLContext(ssl.PROTOCOL_TLSv1): the same
#   tls1.0-min-clamped    only minimum_version = TLSv1: the context reports
#                         TLSv1_2, a good server is reached with 1.2+, the
#                         clamp is audited
#   ciphers-rc4-des       set_ciphers('RC4:DES'): refused as by OpenSSL 3
#                         (neither is built), the system libssl agrees
#   ciphers-weak-clamped  set_ciphers('AES128-SHA') to a server offering only
#                         that suite: the context lists no such suite,
#                         the connection is refused, the clamp is audited
#   asyncio-rev           asyncio.open_connection(ssl=ctx) to s_server -rev:
#                         every line back reversed (memory-BIO path)
#   asyncio-selfsigned    the same with an unverified context to a
#                         self-signed server: refused
#   resume-tls13          SSLSocket.session reused: session_reused True
#   resume-tls12          the same over TLS 1.2
#   resume-rejected-tls12 the session offered to another server, which
#                         cannot decrypt its ticket: a full handshake (the
#                         engine used to fail here; wolfSSL patch 0002)
#   profile-tls1.3        a profile for python3 alone (min_protocol 1.3):
#                         the TLS 1.2-only server is refused; curl, without
#                         a profile, still reaches it
# Each case also checks that the audit log got its lines (one per
# connection, one per clamp or refused request).
set -uo pipefail
libdir=${1:?usage: python.sh LIBDIR REPO}
repo=${2:?usage: python.sh LIBDIR REPO}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
progs=$here/python
# shellcheck source=../app-env.sh
. "$here/app-env.sh"
# shellcheck source=../peers.sh
. "$here/peers.sh"

# Debian's python, not whatever python3 comes first on PATH (pyenv's links
# its own OpenSSL).
py=/usr/bin/python3
[ -x "$py" ] || { echo "RESULT python - FAIL $py is not installed (scripts/bootstrap.sh)"; exit 1; }
app_env "$libdir"
peers_setup "$repo" || { echo "RESULT python - FAIL test PKI"; exit 1; }
# shellcheck disable=SC2317  # called through trap
cleanup() { peers_cleanup; }
trap cleanup EXIT

# run_py NAME PROGRAM ARGS...: the program over the drop-in; its output in
# $tmp/NAME.out (stdout and stderr), exit status in $rc, the audit log's
# length before it in $mark.
run_py() {
  local name=$1
  shift
  mark=0
  [ -f "$tmp/audit.log" ] && mark=$(wc -l <"$tmp/audit.log")
  env "${APP_ENV[@]}" timeout 120 "$py" "$@" >"$tmp/$name.out" 2>&1 </dev/null
  rc=$?
  echo "  python3 $*: exit $rc; $(tr '\n' ' ' <"$tmp/$name.out" | cut -c1-400)"
}

# Lines the last run_py added to the audit log that match REGEX (python's
# own lines only).
new_audit() {
  tail -n +"$((mark + 1))" "$tmp/audit.log" 2>/dev/null | grep -E "app=[^ ]*python3[^ ]* " \
    | grep -cE "$1"
}
out_has() { grep -qE "$2" "$tmp/$1.out"; }
ok_line='event=connection role=client .*verify=ok outcome=ok'
refused_line='event=connection role=client .*outcome=refused'

# -WWW serves files from its working directory.
start_file_server() {
  local log=$tmp/www.log
  (cd "$tmp/www" && exec openssl s_server -accept 0 -WWW "$@") >"$log" 2>&1 </dev/null &
  pids+=($!)
  port=
  for _ in $(seq 100); do
    port=$(sed -n 's/^ACCEPT .*:\([0-9][0-9]*\)$/\1/p' "$log" | head -1)
    [ -n "$port" ] && return 0
    sleep 0.1
  done
  echo "openssl s_server -WWW did not start:"; cat "$log"
  return 1
}

start_http_server() {
  local log=$tmp/http.log
  env -u LD_LIBRARY_PATH "$py" "$progs/https_server.py" "$tmp/www" "$pki/good-chain.pem" \
    "$pki/good.key" >"$log" 2>&1 </dev/null &
  pids+=($!)
  port=
  for _ in $(seq 100); do
    port=$(sed -n 's/^PORT \([0-9][0-9]*\)$/\1/p' "$log" | head -1)
    [ -n "$port" ] && return 0
    sleep 0.1
  done
  echo "https_server.py did not start:"; cat "$log"
  return 1
}

good=(-cert "$pki/good.crt" -cert_chain "$pki/int.crt" -key "$pki/good.key")
mkdir -p "$tmp/www"
head -c $((4 * 1024 * 1024)) /dev/urandom >"$tmp/www/data.bin"
want=$(sha256sum <"$tmp/www/data.bin" | cut -d' ' -f1)
start_file_server "${good[@]}" || exit 1; www_port=$port
start_http_server || exit 1; http_port=$port
start_server good "${good[@]}" || exit 1; good_port=$port
start_server good12 -tls1_2 "${good[@]}" || exit 1; good12_port=$port
start_server other12 -tls1_2 "${good[@]}" || exit 1; other12_port=$port
declare -A bad_port
start_server selfsigned -cert "$pki/selfsigned.crt" -key "$pki/selfsigned.key" || exit 1
bad_port[selfsigned]=$port
start_server expired -cert "$pki/expired.crt" -cert_chain "$pki/int.crt" -key "$pki/expired.key" || exit 1
bad_port[expired]=$port
start_server wronghost -cert "$pki/wronghost.crt" -cert_chain "$pki/int.crt" -key "$pki/wronghost.key" || exit 1
bad_port[wronghost]=$port
start_server untrusted -cert "$pki/untrusted.crt" -cert_chain "$pki/other-ca.crt" -key "$pki/untrusted.key" || exit 1
bad_port[untrusted]=$port
start_server tls10 -tls1 -cipher 'ALL:@SECLEVEL=0' "${good[@]}" || exit 1; tls10_port=$port
start_server weak12 -tls1_2 -cipher 'AES128-SHA:@SECLEVEL=0' "${good[@]}" || exit 1; weak_port=$port

# 1. _ssl loads over ours: every libssl symbol it imports is bound at load.
run_py import -c 'import ssl; print(ssl.OPENSSL_VERSION); print("".join(l for l in open("/proc/self/maps") if "libssl.so.3" in l))'
if [ "$rc" -eq 0 ] && grep -qF "$(readlink -f "$libdir")/libssl.so.3" "$tmp/import.out"; then
  result python import-ssl ok "_ssl loaded over $(grep -o '[^ ]*libssl.so.3' "$tmp/import.out" | head -1)"
else
  result python import-ssl FAIL "exit $rc: $(grep -m1 -oE '[A-Za-z]*Error: .*' "$tmp/import.out")"
  show_audit
  exit 1
fi

# 2. urllib.request: a multi-megabyte body, intact.
run_py urllib "$progs/https_get.py" "https://localhost:$www_port/data.bin" "$pki/ca.crt" "$tmp/got.bin"
got=$(sha256sum <"$tmp/got.bin" 2>/dev/null | cut -d' ' -f1)
if [ "$rc" -eq 0 ] && [ "$got" = "$want" ] && [ "$(new_audit "$ok_line")" -eq 1 ]; then
  result python urllib-get ok "$(stat -c %s "$tmp/got.bin") bytes, sha256 intact; audit: 1 connection"
else
  result python urllib-get FAIL "exit $rc, sha256 $got (want $want), $(new_audit "$ok_line") audit lines"
fi

# 3. http.client: POST and GET on one connection.
run_py http "$progs/http_client.py" localhost "$http_port" "$pki/ca.crt" $((1024 * 1024)) /data.bin
post=$(awk '$1 == "POST" && $2 == 200 && $3 == $4 {print "ok"}' "$tmp/http.out")
get=$(awk -v w="$want" '$1 == "GET" && $2 == 200 && $4 == w {print "ok"}' "$tmp/http.out")
if [ "$rc" -eq 0 ] && [ "$post" = ok ] && [ "$get" = ok ] && [ "$(new_audit "$ok_line")" -eq 1 ]; then
  result python http-client ok "POST 1 MiB (server's sha256 matches), GET 4 MiB intact, one connection: $(grep '^TLS' "$tmp/http.out")"
else
  result python http-client FAIL "exit $rc; post=$post get=$get"
fi

# 4. A verifying default context: what python reports.
for v in tls13 tls12; do
  p=$good_port; [ "$v" = tls12 ] && p=$good12_port
  run_py "default-$v" "$progs/tls_client.py" default localhost "$p" "$pki/ca.crt"
  line=$(grep '^CONNECTED' "$tmp/default-$v.out")
  want_version=TLSv1.3; unique=32; [ "$v" = tls12 ] && { want_version=TLSv1.2; unique=12; }
  if [ "$rc" -eq 0 ] && [[ "$line" == "CONNECTED $want_version "*" aead=True "*"verified_chain=3 tls_unique=$unique" ]] \
     && [ "$(new_audit "event=connection role=client .*version=$want_version .*verify=ok outcome=ok")" -eq 1 ]; then
    result python "default-$v" ok "$line"
  else
    result python "default-$v" FAIL "exit $rc: $(tr '\n' ' ' <"$tmp/default-$v.out")"
  fi
done

# An address as server_hostname: python puts it in SSL_get0_param as an IP
# (no SNI); the core checks it against the IP SANs.
run_py default-ip "$progs/tls_client.py" default 127.0.0.1 "$good_port" "$pki/ca.crt"
run_py default-ip-wrong "$progs/tls_client.py" default 127.0.0.1 "${bad_port[wronghost]}" "$pki/ca.crt"
if out_has default-ip '^CONNECTED TLSv1.3 ' \
   && out_has default-ip-wrong "^REFUSED SSLCertVerificationError: .*IP address mismatch, certificate is not valid for '127.0.0.1'"; then
  result python default-ip ok "127.0.0.1 accepted by its IP SAN; a certificate without it: $(grep -o 'IP address mismatch[^(]*' "$tmp/default-ip-wrong.out")"
else
  result python default-ip FAIL "$(tr '\n' ' ' <"$tmp/default-ip.out") / $(tr '\n' ' ' <"$tmp/default-ip-wrong.out")"
fi

# 5. Bad servers: an unverified context is refused anyway, with policy's
# reason in python's own words; a verifying one fails as over OpenSSL.
declare -A reason=([selfsigned]='self-signed certificate' [expired]='certificate has expired'
  [wronghost]='hostname mismatch' [untrusted]='self-signed certificate in certificate chain')
declare -A py_reason=([selfsigned]='self-signed certificate' [expired]='certificate has expired'
  [wronghost]="Hostname mismatch, certificate is not valid for 'localhost'"
  [untrusted]='self-signed certificate in certificate chain')
for bad in selfsigned expired wronghost untrusted; do
  run_py "unverified-$bad" "$progs/tls_client.py" unverified localhost "${bad_port[$bad]}"
  if [ "$rc" -eq 2 ] && out_has "unverified-$bad" "^REFUSED SSLError: .*certificate verify failed: ${reason[$bad]} \(SSA policy requires verification\)" \
     && [ "$(new_audit "$refused_line error=\"certificate verify failed: ${reason[$bad]}")" -eq 1 ]; then
    result python "unverified-$bad" ok "$(grep -o 'REFUSED.*' "$tmp/unverified-$bad.out")"
  else
    result python "unverified-$bad" FAIL "exit $rc: $(tr '\n' ' ' <"$tmp/unverified-$bad.out")"
  fi
  run_py "default-$bad" "$progs/tls_client.py" default localhost "${bad_port[$bad]}" "$pki/ca.crt"
  if [ "$rc" -eq 2 ] && out_has "default-$bad" "^REFUSED SSLCertVerificationError: \[SSL: CERTIFICATE_VERIFY_FAILED\] certificate verify failed: ${py_reason[$bad]}" \
     && [ "$(new_audit "$refused_line")" -eq 1 ]; then
    result python "default-$bad" ok "$(grep -o 'REFUSED.*' "$tmp/default-$bad.out")"
  else
    result python "default-$bad" FAIL "exit $rc: $(tr '\n' ' ' <"$tmp/default-$bad.out")"
  fi
done

# 6. TLS 1.0: asked for outright, refused with policy's reason; asked as a
# floor only, clamped to policy's and audited.
for mode in tls1 proto-tls1; do
  name=tls1.0-minmax; [ "$mode" = proto-tls1 ] && name=tls1.0-protocol
  run_py "$name" "$progs/tls_client.py" "$mode" localhost "$tls10_port" "$pki/ca.crt"
  # Refused either way: at the merge (a range wholly below policy's floor
  # refused, audited as such) or, where the drop-in clamps such a range up
  # to policy's, by the TLS 1.0-only peer (the clamp and the refused
  # connection audited). Never a TLS 1.0 connection.
  if [ "$rc" -eq 2 ] && out_has "$name" "^REFUSED SSLError: .*refused by SSA policy: " \
     && ! out_has "$name" '^CONNECTED' \
     && { [ "$(new_audit 'event=policy detail="request refused: .*TLSv1')" -eq 1 ] \
          || { [ "$(new_audit 'clamped: .*TLSv1')" -ge 1 ] && [ "$(new_audit "$refused_line")" -eq 1 ]; }; }; then
    result python "$name" ok "$(grep -o 'REFUSED.*' "$tmp/$name.out")"
  else
    result python "$name" FAIL "exit $rc: $(tr '\n' ' ' <"$tmp/$name.out")"
  fi
done
run_py tls1.0-min "$progs/tls_client.py" min-tls1 localhost "$good_port" "$pki/ca.crt"
if [ "$rc" -eq 0 ] && out_has tls1.0-min '^CONTEXT minimum_version=TLSv1_2 ' \
   && out_has tls1.0-min '^CONNECTED TLSv1\.[23] ' \
   && [ "$(new_audit 'clamped: min_protocol TLSv1 raised to TLSv1.2')" -ge 1 ] \
   && [ "$(new_audit "$ok_line")" -eq 1 ]; then
  result python tls1.0-min-clamped ok "context reports TLSv1_2; $(grep -o '^CONNECTED [^ ]*' "$tmp/tls1.0-min.out"); clamp audited"
else
  result python tls1.0-min-clamped FAIL "exit $rc: $(tr '\n' ' ' <"$tmp/tls1.0-min.out")"
fi

# 7. Weak cipher requests.
run_py rc4 "$progs/tls_client.py" ciphers=RC4:DES localhost "$good_port" "$pki/ca.crt"
sys_rc4=$(env -u LD_LIBRARY_PATH "$py" "$progs/tls_client.py" ciphers=RC4:DES localhost "$good_port" "$pki/ca.crt" 2>&1)
if [ "$rc" -eq 3 ] && out_has rc4 '^SET_CIPHERS_REFUSED' && [[ "$sys_rc4" == SET_CIPHERS_REFUSED* ]]; then
  result python ciphers-rc4-des ok "$(cat "$tmp/rc4.out") (the system libssl says the same)"
else
  result python ciphers-rc4-des FAIL "exit $rc: $(cat "$tmp/rc4.out"); system: $sys_rc4"
fi
run_py weak "$progs/tls_client.py" ciphers=AES128-SHA localhost "$weak_port" "$pki/ca.crt"
if [ "$rc" -eq 2 ] && ! grep -q 'ciphers=.*AES128-SHA' "$tmp/weak.out" && out_has weak '^REFUSED' \
   && [ "$(new_audit 'clamped: ciphers: .*AES128-SHA')" -ge 1 ] && [ "$(new_audit "$refused_line")" -eq 1 ]; then
  result python ciphers-weak-clamped ok "AES128-SHA not offered (clamp audited); $(grep -o 'REFUSED.*' "$tmp/weak.out" | cut -c1-160)"
else
  result python ciphers-weak-clamped FAIL "exit $rc: $(tr '\n' ' ' <"$tmp/weak.out")"
fi

# 8. asyncio (memory BIOs): data intact; a bad server refused.
run_py asyncio "$progs/asyncio_rev.py" default localhost "$good_port" 400 "$pki/ca.crt"
if [ "$rc" -eq 0 ] && out_has asyncio '^INTACT 400 ' && [ "$(new_audit "$ok_line")" -eq 1 ]; then
  result python asyncio-rev ok "$(cat "$tmp/asyncio.out")"
else
  result python asyncio-rev FAIL "exit $rc: $(tr '\n' ' ' <"$tmp/asyncio.out")"
fi
run_py asyncio-bad "$progs/asyncio_rev.py" unverified localhost "${bad_port[selfsigned]}" 1
if [ "$rc" -eq 2 ] && out_has asyncio-bad '^REFUSED .*self-signed certificate \(SSA policy requires verification\)' \
   && [ "$(new_audit "$refused_line")" -eq 1 ]; then
  result python asyncio-selfsigned ok "$(cat "$tmp/asyncio-bad.out")"
else
  result python asyncio-selfsigned FAIL "exit $rc: $(tr '\n' ' ' <"$tmp/asyncio-bad.out")"
fi

# 9. Session resumption.
for v in tls13 tls12; do
  p=$good_port; want_version=TLSv1.3; [ "$v" = tls12 ] && { p=$good12_port; want_version=TLSv1.2; }
  run_py "resume-$v" "$progs/resume.py" localhost "$p" "$pki/ca.crt"
  if [ "$rc" -eq 0 ] && out_has "resume-$v" "^FIRST $want_version reused=False session=yes" \
     && out_has "resume-$v" "^SECOND $want_version reused=True" \
     && [ "$(new_audit "event=connection role=client .*version=$want_version .*verify=ok outcome=ok")" -eq 2 ]; then
    result python "resume-$v" ok "$(tr '\n' ' ' <"$tmp/resume-$v.out")"
  else
    result python "resume-$v" FAIL "exit $rc: $(tr '\n' ' ' <"$tmp/resume-$v.out")"
  fi
done

# A session the server cannot resume (another server, its own ticket keys):
# a full handshake, as over OpenSSL.
run_py resume-rejected "$progs/resume.py" localhost "$good12_port" "$pki/ca.crt" "$other12_port"
if [ "$rc" -eq 0 ] && out_has resume-rejected "^SECOND TLSv1.2 reused=False" \
   && [ "$(new_audit "event=connection role=client .*verify=ok outcome=ok")" -eq 2 ]; then
  result python resume-rejected-tls12 ok "a ticket another server cannot use: full handshake ($(grep '^SECOND' "$tmp/resume-rejected.out"))"
else
  result python resume-rejected-tls12 FAIL "exit $rc: $(tr '\n' ' ' <"$tmp/resume-rejected.out")"
fi

# 10. A profile for python alone (min_protocol 1.3): the TLS 1.2-only
# server python reached above is refused; curl, without a profile, still
# gets it.
py_real=$(readlink -f "$py")
policy=$SSA_CONF
cat >"$tmp/profile.conf" <<CONF
default: { trust_store = "$pki/ca.crt"; audit = "$tmp/audit.log"; };
profiles = ( { application = "$py_real"; min_protocol = "1.3"; } );
CONF
export SSA_CONF=$tmp/profile.conf
run_py profile13 "$progs/tls_client.py" default localhost "$good12_port" "$pki/ca.crt"
env "${APP_ENV[@]}" timeout 30 curl -sS --cacert "$pki/ca.crt" -o /dev/null "https://localhost:$good12_port/" 2>"$tmp/profile-curl.err"
curl_rc=$?
export SSA_CONF=$policy
# s_server -rev answers no HTTP: curl's handshake is what counts (exit 0 or
# a transfer error after it, never a TLS one).
if out_has profile13 '^REFUSED ' && [ "$(new_audit "$refused_line")" -eq 1 ] \
   && ! grep -qE 'SSL|TLS' "$tmp/profile-curl.err" && [ "$curl_rc" -ne 35 ] && [ "$curl_rc" -ne 60 ]; then
  result python profile-tls1.3 ok "python's profile refuses a TLS 1.2-only server; curl (no profile) reached it"
else
  result python profile-tls1.3 FAIL "python: $(tr '\n' ' ' <"$tmp/profile13.out"); curl exit $curl_rc: $(cat "$tmp/profile-curl.err")"
fi

[ "$failures" -eq 0 ] || { show_audit; exit 1; }
exit 0
