#!/usr/bin/env bash
# shellcheck source-path=SCRIPTDIR
# irssi (Debian's irssi) over the drop-in: a TLS connection to a local
# ngircd (GnuTLS, the system's) and to `openssl s_server` peers, under the
# test policy. irssi runs headless in a private tmux server; only irssi
# gets LIBDIR (never ngircd, openssl or tmux).
#
#   irssi.sh LIBDIR REPO
#
#   trusted-irc          tls_verify, tls_cafile = ca.crt: irssi connects,
#                        joins #test and says a line; an observer on the same
#                        channel (openssl s_client) receives it intact, and
#                        ngircd logs irssi's registration and QUIT
#   audit-connection     the audit log has irssi's connection line
#   noverify-selfsigned  tls_verify = no to a self-signed server: refused,
#                        the audit says why
#   noverify-expired, noverify-wronghost, noverify-untrusted   the same to
#                        an expired leaf, a leaf for another name, and a leaf
#                        from an unknown CA
#   tls1.0-refused       a TLS 1.0-only server: refused
#   profile-tls1.3       a profile for irssi (min_protocol 1.3) refuses a
#                        TLS 1.2-only server
set -uo pipefail
libdir=${1:?usage: irssi.sh LIBDIR REPO}
repo=${2:?usage: irssi.sh LIBDIR REPO}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=../app-env.sh
. "$here/app-env.sh"
# shellcheck source=../peers.sh
. "$here/peers.sh"

for b in irssi ngircd tmux; do
  command -v "$b" >/dev/null || { echo "RESULT irssi - FAIL $b is not installed (scripts/bootstrap.sh)"; exit 1; }
done
irssi_bin=$(command -v irssi)
app_env "$libdir"
peers_setup "$repo" || { echo "RESULT irssi - FAIL test PKI"; exit 1; }
tmux_sock=$tmp/tmux.sock
# shellcheck disable=SC2317  # called through trap
cleanup() {
  tmux -S "$tmux_sock" kill-server 2>/dev/null
  peers_cleanup
}
trap cleanup EXIT

# wait_for SECONDS CMD...: poll until CMD succeeds.
wait_for() {
  local n=$(($1 * 10))
  shift
  for _ in $(seq "$n"); do
    "$@" && return 0
    sleep 0.1
  done
  return 1
}


# ---- the IRC server: ngircd with TLS only, in the foreground
irc_port=$(free_port)
cat >"$tmp/ngircd.conf" <<EOF
[Global]
Name = irc.test
Info = SSA porting suite
AdminInfo1 = SSA
AdminEMail = root@localhost
Listen = 127.0.0.1
Ports =
[Limits]
MaxConnectionsIP = 0
[Options]
PAM = no
Ident = no
DNS = no
[SSL]
CertFile = $pki/good-chain.pem
KeyFile = $pki/good.key
Ports = $irc_port
EOF
ngircd -n -f "$tmp/ngircd.conf" >"$tmp/ngircd.log" 2>&1 </dev/null &
pids+=($!)
if ! wait_for 60 grep -q 'ready' "$tmp/ngircd.log"; then
  echo "RESULT irssi trusted-irc FAIL ngircd did not start"
  cat "$tmp/ngircd.log"
  exit 1
fi

# ---- irssi in tmux
# run_irssi NAME PORT VERIFY(yes|no) AUTOSENDCMD: a home with one server
# (autoconnect, TLS) and starts irssi in a tmux window; irssi's exit status
# lands in $tmp/NAME.exit.
run_irssi() {
  local name=$1 port=$2 verify=$3 cmds=$4 home=$tmp/$1.home
  mkdir -p "$home"
  cat >"$home/config" <<EOF
servers = (
  {
    address = "localhost";
    chatnet = "test";
    port = "$port";
    use_tls = "yes";
    tls_verify = "$verify";
    tls_cafile = "$pki/ca.crt";
    autoconnect = "yes";
  }
);
chatnets = { test = { type = "IRC"; autosendcmd = "$cmds"; }; };
settings = {
  core = { real_name = "SSA test"; user_name = "ssatest"; nick = "ssatest"; };
  "fe-common/core" = { autolog = "yes"; autolog_path = "$home/logs/\$tag/\$0.log"; };
};
EOF
  local cmd
  cmd=$(printf '%q ' env "${APP_ENV[@]}" "SSA_CONF=$SSA_CONF" TERM=xterm "$irssi_bin" "--home=$home")
  cmd+="; echo \$? >$(printf '%q' "$tmp/$name.exit"); sleep 600"
  if tmux -S "$tmux_sock" has-session 2>/dev/null; then
    tmux -S "$tmux_sock" new-window -d -n "$name" "$cmd"
  else
    tmux -S "$tmux_sock" new-session -d -s ssa -n "$name" -x 120 -y 40 "$cmd"
  fi
}

pane() { tmux -S "$tmux_sock" capture-pane -p -t "ssa:$1" 2>/dev/null | grep -v '^[[:space:]]*$' | tr '\n' ' '; }
stop_irssi() { tmux -S "$tmux_sock" kill-window -t "ssa:$1" 2>/dev/null; }
irssi_audit() { audit_has "app=[^ ]*irssi .*$1"; }

# 1. A real IRC session. The observer (system openssl) joins #test first.
msg="hello-from-irssi-over-ssa-$$-$RANDOM"
mkfifo "$tmp/obs.in"
openssl s_client -quiet -connect "127.0.0.1:$irc_port" -CAfile "$pki/ca.crt" \
  <"$tmp/obs.in" >"$tmp/obs.out" 2>"$tmp/obs.err" &
pids+=($!)
exec 3>"$tmp/obs.in"
printf 'NICK observer\r\nUSER observer 0 * :observer\r\nJOIN #test\r\n' >&3
if wait_for 30 grep -q ' 366 observer #test ' "$tmp/obs.out"; then
  # irssi's command queue is dropped at /quit: quit from the keyboard
  # once the line has arrived.
  run_irssi trusted "$irc_port" yes "/join #test; /msg #test $msg"
  wait_for 30 grep -q "^:ssatest![^ ]* PRIVMSG #test :" "$tmp/obs.out"
  tmux -S "$tmux_sock" send-keys -t ssa:trusted '/quit bye-from-irssi' Enter
  wait_for 30 test -s "$tmp/trusted.exit"
  wait_for 10 grep -q "^:ssatest![^ ]* QUIT" "$tmp/obs.out"
  echo "  irssi pane: $(pane trusted)"
  if grep -q "^:ssatest![^ ]* JOIN :\?#test" "$tmp/obs.out" \
     && grep -q "^:ssatest![^ ]* PRIVMSG #test :$msg" "$tmp/obs.out" \
     && grep -q "^:ssatest![^ ]* QUIT :\"\?bye-from-irssi" "$tmp/obs.out" \
     && grep -q 'User "ssatest!.*" registered' "$tmp/ngircd.log" \
     && [ "$(cat "$tmp/trusted.exit" 2>/dev/null)" = 0 ]; then
    result irssi trusted-irc ok "joined #test over TLS; the observer got JOIN, the line and QUIT; irssi exit 0"
  else
    result irssi trusted-irc FAIL "the observer did not see irssi's JOIN/PRIVMSG/QUIT (irssi exit $(cat "$tmp/trusted.exit" 2>/dev/null))"
    echo "--- observer"; tr -d '\r' <"$tmp/obs.out"
    echo "--- ngircd"; cat "$tmp/ngircd.log"
  fi
else
  result irssi trusted-irc FAIL "the observer could not join #test"
  cat "$tmp/obs.out" "$tmp/obs.err"
fi
exec 3>&-
if irssi_audit 'frontend=libssl event=connection role=client .*verify=ok outcome=ok'; then
  result irssi audit-connection ok "audit: irssi connection $(grep 'app=[^ ]*irssi .*outcome=ok' "$tmp/audit.log" | head -1 | grep -o 'version=[^ ]* cipher=[^ ]*')"
else
  result irssi audit-connection FAIL "no connection line for irssi: it did not run on the drop-in"
fi

# 2. Told not to verify (tls_verify = no): policy verifies anyway. The
# peers are s_server (the handshake is refused before any IRC is spoken);
# the self-signed and untrusted leaves come alone, the others with the test
# intermediate.
for flaw in selfsigned:'self-signed certificate' expired:'certificate has expired' \
            wronghost:'hostname mismatch' \
            untrusted:'unable to get local issuer certificate|self-signed certificate in certificate chain'; do
  name=${flaw%%:*} reason=${flaw#*:} chain=()
  case $name in selfsigned | untrusted) ;; *) chain=(-cert_chain "$pki/int.crt") ;; esac
  start_server "$name" -cert "$pki/$name.crt" "${chain[@]}" -key "$pki/$name.key" || exit 1
  run_irssi "$name" "$port" no "/quit should-not-get-here"
  if wait_for 30 irssi_audit "outcome=refused error=\"certificate verify failed: ($reason).*SSA policy requires verification"; then
    result irssi "noverify-$name" ok "tls_verify=no, refused; audit: $(grep -oE "($reason)" "$tmp/audit.log" | tail -1) (SSA policy requires verification)"
  else
    result irssi "noverify-$name" FAIL "no refusal with policy's reason; irssi: $(pane "$name")"
  fi
  echo "  irssi pane: $(pane "$name")"
  stop_irssi "$name"
done

start_server tls10 -tls1 -cipher 'ALL:@SECLEVEL=0' \
  -cert "$pki/good.crt" -cert_chain "$pki/int.crt" -key "$pki/good.key" || exit 1
run_irssi tls10 "$port" yes "/quit should-not-get-here"
if wait_for 30 irssi_audit 'outcome=refused error=.*SSA policy allows'; then
  result irssi tls1.0-refused ok "refused; audit: $(grep 'app=[^ ]*irssi .*outcome=refused' "$tmp/audit.log" | tail -1 | sed 's/.*error=//; s/ resumed=.*//')"
else
  result irssi tls1.0-refused FAIL "no refusal; irssi: $(pane tls10)"
fi
echo "  irssi pane: $(pane tls10)"
stop_irssi tls10

# A profile for irssi alone (min_protocol 1.3): a TLS 1.2-only server is
# refused. run_irssi passes SSA_CONF explicitly (tmux does not inherit it).
start_server tls12 -tls1_2 -cert "$pki/good.crt" -cert_chain "$pki/int.crt" -key "$pki/good.key" || exit 1
irssi_real=$(readlink -f "$irssi_bin")
cat >"$tmp/profile.conf" <<CONF
default: { trust_store = "$pki/ca.crt"; audit = "$tmp/audit.log"; };
profiles = ( { application = "$irssi_real"; min_protocol = "1.3"; } );
CONF
policy=$SSA_CONF
SSA_CONF=$tmp/profile.conf
run_irssi profile13 "$port" yes "/quit should-not-get-here"
SSA_CONF=$policy
if wait_for 30 irssi_audit 'outcome=refused error=.*SSA policy allows \(TLSv1.3..TLSv1.3'; then
  result irssi profile-tls1.3 ok "a profile for irssi (min 1.3) refuses a TLS 1.2-only server"
else
  result irssi profile-tls1.3 FAIL "no refusal; irssi: $(pane profile13)"
fi
stop_irssi profile13

[ "$failures" -eq 0 ] || { show_audit; exit 1; }
exit 0
