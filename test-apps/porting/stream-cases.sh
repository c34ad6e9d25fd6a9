# shellcheck shell=bash
# Sourced by the cases of stream clients (ncat, socat): one set of cases,
# each against local `openssl s_server -rev` peers. The case script sources
# app-env.sh and peers.sh, calls peers_setup, then defines
#
#   app_run NAME INPUT MODE PORT [ARG]
#       run the client over the drop-in to localhost:PORT with INPUT on its
#       stdin; output in $tmp/NAME.out, stderr in $tmp/NAME.err, exit in $rc.
#       MODE: verify    verify against the test root (ca.crt)
#             noverify  the application's own way of not verifying (it is
#                       still given ca.crt, so only the flaw in question
#                       fails the chain)
#             tls10     ask for TLS 1.0 and up
#             ciphers   ask for the TLS 1.2 cipher list ARG only
#
# and calls `stream_cases APP BINARY`. The cases:
#
#   trusted-transfer      ~4 MB out, every line back reversed, sha256 intact
#   audit-connection      the audit log has the connection (so the
#                         application ran on our libssl)
#   noverify-selfsigned, noverify-expired, noverify-wronghost,
#   noverify-untrusted    told not to verify: refused anyway, the audit
#                         gives the reason and says policy required it
#   tls1.0-refused        a TLS 1.0-only server: refused
#   weak-ciphers-tls1.3   only weak TLS 1.2 suites asked for: dropped
#                         (audited); a TLS 1.3 server is still reached
#   weak-ciphers-tls1.2   the same against a TLS 1.2-only server: refused
#   profile-tls1.3        a TLS 1.2-only server that works, then a profile
#                         for this application alone (min_protocol 1.3):
#                         refused

stream_expect_refusal() {
  local app=$1 case=$2 reason=$3
  if [ "$rc" -ne 0 ] && ! grep -q olleh "$tmp/$case.out" \
     && audit_has "app=[^ ]*$app .*outcome=refused error=\"certificate verify failed: ($reason).*SSA policy requires verification"; then
    result "$app" "noverify-$case" ok "refused (exit $rc); audit: $(grep -oE "($reason)" "$tmp/audit.log" | tail -1) (SSA policy requires verification)"
  else
    result "$app" "noverify-$case" FAIL "exit $rc, or the audit does not give policy's reason"
  fi
}

stream_cases() {
  local app=$1 bin=$2 real
  real=$(readlink -f "$bin")
  start_server good -cert "$pki/good.crt" -cert_chain "$pki/int.crt" -key "$pki/good.key" || return 1
  local good=$port
  start_server tls12 -tls1_2 -cert "$pki/good.crt" -cert_chain "$pki/int.crt" -key "$pki/good.key" || return 1
  local tls12=$port
  start_server tls10 -tls1 -cipher 'ALL:@SECLEVEL=0' \
    -cert "$pki/good.crt" -cert_chain "$pki/int.crt" -key "$pki/good.key" || return 1
  local tls10=$port

  head -c 3000000 /dev/urandom | base64 >"$tmp/data.txt"
  { cat "$tmp/data.txt"; echo CLOSE; } >"$tmp/in.txt"
  local want got
  want=$(sha256sum <"$tmp/data.txt" | cut -d' ' -f1)
  echo hello >"$tmp/hello.txt"

  app_run transfer "$tmp/in.txt" verify "$good"
  got=$(rev "$tmp/transfer.out" | sha256sum | cut -d' ' -f1)
  if [ "$rc" -eq 0 ] && [ "$got" = "$want" ]; then
    result "$app" trusted-transfer ok "$(wc -c <"$tmp/data.txt") bytes out and back, sha256 intact"
  else
    result "$app" trusted-transfer FAIL "exit $rc, sha256 $got, want $want"
  fi
  if audit_has "app=$real pid=[0-9]+ frontend=libssl event=connection role=client .*verify=ok outcome=ok"; then
    result "$app" audit-connection ok "audit: $app connection verify=ok outcome=ok"
  else
    result "$app" audit-connection FAIL "no connection line for $app: it did not run on the drop-in"
  fi

  local flaw
  for flaw in selfsigned:'self-signed certificate' expired:'certificate has expired' \
              wronghost:'hostname mismatch' \
              untrusted:'unable to get local issuer certificate|self-signed certificate in certificate chain'; do
    local name=${flaw%%:*} chain=()
    # The self-signed and untrusted leaves come alone; the others with the
    # test intermediate.
    case $name in selfsigned | untrusted) ;; *) chain=(-cert_chain "$pki/int.crt") ;; esac
    start_server "$name" -cert "$pki/$name.crt" "${chain[@]}" -key "$pki/$name.key" || return 1
    app_run "$name" "$tmp/hello.txt" noverify "$port"
    stream_expect_refusal "$app" "$name" "${flaw#*:}"
  done

  app_run tls10 "$tmp/hello.txt" tls10 "$tls10"
  if [ "$rc" -ne 0 ] && ! grep -q olleh "$tmp/tls10.out" \
     && [ "$(grep "app=$real .*event=connection" "$tmp/audit.log" | tail -1 | grep -c 'outcome=refused')" = 1 ]; then
    result "$app" tls1.0-refused ok "refused (exit $rc); audit: $(grep "app=$real .*outcome=refused" "$tmp/audit.log" | tail -1 | sed 's/.*error=//; s/ resumed=.*//')"
  else
    result "$app" tls1.0-refused FAIL "exit $rc"
  fi

  # Only weak TLS 1.2 suites asked for: policy drops them (audited). TLS
  # 1.3 is untouched by a TLS 1.2 list, as in OpenSSL, so a TLS 1.3 server
  # is still reached with an AEAD suite; a TLS 1.2-only one is refused.
  app_run weak13 "$tmp/hello.txt" ciphers "$good" 'DES-CBC3-SHA:AES128-SHA'
  local last
  last=$(grep "app=$real .*event=connection" "$tmp/audit.log" | tail -1)
  if [ "$rc" -eq 0 ] && grep -q olleh "$tmp/weak13.out" && [[ $last == *"version=TLSv1.3 cipher=TLS_AES_"* ]] \
     && audit_has "app=$real .*event=policy detail=\"clamped: ciphers: .*AES128-SHA"; then
    result "$app" weak-ciphers-tls1.3 ok "weak suites dropped (audited); TLS 1.3 server reached with $(grep -o 'cipher=[^ ]*' <<<"$last")"
  else
    result "$app" weak-ciphers-tls1.3 FAIL "exit $rc; last connection: $last"
  fi
  app_run weak12 "$tmp/hello.txt" ciphers "$tls12" 'DES-CBC3-SHA:AES128-SHA'
  last=$(grep "app=$real .*event=connection" "$tmp/audit.log" | tail -1)
  if [ "$rc" -ne 0 ] && ! grep -q olleh "$tmp/weak12.out" && [[ $last == *outcome=refused* ]]; then
    result "$app" weak-ciphers-tls1.2 ok "TLS 1.2-only server: refused (exit $rc); audit: $(sed 's/.*error=//; s/ resumed=.*//' <<<"$last" | cut -c1-90)..."
  else
    result "$app" weak-ciphers-tls1.2 FAIL "exit $rc; last connection: $last"
  fi

  app_run before13 "$tmp/hello.txt" verify "$tls12"
  local before_rc=$rc policy=$SSA_CONF
  cat >"$tmp/profile.conf" <<CONF
default: { trust_store = "$pki/ca.crt"; audit = "$tmp/audit.log"; };
profiles = ( { application = "$real"; min_protocol = "1.3"; } );
CONF
  SSA_CONF=$tmp/profile.conf
  app_run profile13 "$tmp/hello.txt" verify "$tls12"
  SSA_CONF=$policy
  if [ "$before_rc" -eq 0 ] && grep -q olleh "$tmp/before13.out" && [ "$rc" -ne 0 ] \
     && [ "$(grep "app=$real .*event=connection" "$tmp/audit.log" | tail -1 | grep -c 'outcome=refused')" = 1 ]; then
    result "$app" profile-tls1.3 ok "TLS 1.2 server: served, then refused under a profile for $app (min 1.3)"
  else
    result "$app" profile-tls1.3 FAIL "before the profile: exit $before_rc; with it: exit $rc"
  fi
}
