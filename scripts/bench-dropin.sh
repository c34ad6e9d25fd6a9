#!/usr/bin/env bash
# Benchmark the libssl.so.3 drop-in inside real applications, next to the
# same applications on the system's OpenSSL, in the same run: Debian's curl
# as the client and nginx as the server. Reports numbers and ratios only;
# nothing here passes or fails on speed.
#
#   scripts/bench-dropin.sh [--bytes N[M|G]] [--seconds N] [--runs N] [--quick]
#
# Rows (each the best of --runs alternating runs: on a shared machine
# interference only makes a run slower):
#   curl download   curl -o /dev/null of one file from nginx (system libssl),
#                   curl on the system libssl vs on the drop-in (MB/s)
#   nginx serving   the same download, curl on the system libssl, nginx on
#                   the system libssl vs on the drop-in (MB/s)
#   nginx handshakes  openssl s_time -new for --seconds against each nginx:
#                   full TLS 1.3 handshakes per second
#   curl peak RSS   the client's maximum resident set size (KiB) for the
#                   download, system libssl vs drop-in
# The policy is the test policy (SSA_CONF in a temp dir): AEAD suites,
# X25519/P-256, verification on.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${SSA_BUILD_DIR:-$root/build}
bytes=1G
seconds=5
runs=3

usage() {
  cat <<EOF
usage: scripts/bench-dropin.sh [--bytes N[M|G]] [--seconds N] [--runs N] [--quick]
  --bytes N     size of the downloaded file (default $bytes)
  --seconds N   duration of each handshake measurement (default $seconds)
  --runs N      runs of each measurement, alternating; the best counts (default $runs)
  --quick       small sizes and one run, for a smoke test
  SSA_BUILD_DIR build tree (default $root/build)
EOF
}

while [ $# -gt 0 ]; do
  case $1 in
    --bytes) bytes=${2:?--bytes needs a value}; shift 2 ;;
    --seconds) seconds=${2:?--seconds needs a value}; shift 2 ;;
    --runs) runs=${2:?--runs needs a value}; shift 2 ;;
    --quick) bytes=64M; seconds=1; runs=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "bench-dropin: --runs must be a positive integer" >&2; exit 2; }
case $bytes in
  *G) size_mib=$((${bytes%G} * 1024)) ;;
  *M) size_mib=${bytes%M} ;;
  *) echo "bench-dropin: --bytes takes N M or N G" >&2; exit 2 ;;
esac

cmake --build "$build" -j"$(nproc)" --target ssl-compat >/dev/null \
  || { echo "bench-dropin: building the drop-in failed" >&2; exit 1; }
libdir=$build/lib
here=$root/test-apps/porting
# shellcheck source=../test-apps/porting/peers.sh
. "$here/peers.sh"
# shellcheck source=../test-apps/porting/https-peer.sh
. "$here/https-peer.sh"
peers_setup "$root" >/dev/null || { echo "bench-dropin: test PKI failed" >&2; exit 1; }
trap peers_cleanup EXIT
# No audit file: a line per connection would be measured too.
cat >"$tmp/ssa.conf" <<CONF
default: { trust_store = "$pki/ca.crt"; audit = "off"; };
CONF

# The file lives in memory so that the disk is not measured.
shm=$(mktemp -d /dev/shm/ssa-bench.XXXXXX)
trap 'peers_cleanup; rm -rf "$shm"' EXIT

# Two nginx: one on the system libssl (https-peer.sh), one over the drop-in.
start_https_peer native "$pki/good-chain.pem" "$pki/good.key" || exit 1
native_port=$port
head -c $((size_mib * 1024 * 1024)) /dev/zero >"$shm/file"
ln -s "$shm/file" "$tmp/native/www/file"
start_dropin_nginx() {
  local dir=$tmp/dropin
  mkdir -p "$dir/logs"
  # nginx clears its workers' environment: SSA_CONF must be passed on.
  { echo 'env SSA_CONF;'; cat "$tmp/native/nginx.conf"; } >"$dir/nginx.conf"
  dropin_port=$(free_port)
  sed -i "s|$tmp/native|$dir|g; s|127.0.0.1:$native_port |127.0.0.1:$dropin_port |" "$dir/nginx.conf"
  # The plain-HTTP hop of https-peer.sh's config: another free port.
  local plain
  plain=$(grep -o 'listen 127.0.0.1:[0-9]*;' "$dir/nginx.conf" | head -1 | grep -o '[0-9]*;' | tr -d ';')
  sed -i "s|127.0.0.1:$plain|127.0.0.1:$(free_port)|g" "$dir/nginx.conf"
  mkdir -p "$dir/www"
  ln -s "$shm/file" "$dir/www/file"
  LD_LIBRARY_PATH=$libdir nginx -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' >"$dir/logs/stdout" 2>&1 &
  pids+=($!)
  local _
  for _ in $(seq 100); do
    [ -n "$(ss -Hltn "sport = :$dropin_port")" ] && return 0
    sleep 0.1
  done
  echo "bench-dropin: nginx over the drop-in did not start:" >&2
  cat "$dir/logs/stdout" "$dir/logs/error.log" >&2
  return 1
}
start_dropin_nginx || exit 1

# download LIB PORT: MB/s of one curl download (LIB: system or dropin).
download() {
  local lib=$1 port=$2 env=(env -u LD_LIBRARY_PATH) speed
  [ "$lib" = dropin ] && env=(env "LD_LIBRARY_PATH=$libdir")
  speed=$("${env[@]}" curl -sS --cacert "$pki/ca.crt" -o /dev/null -w '%{speed_download}' \
    "https://localhost:$port/files/file")
  echo "$speed" | awk '{printf "%.0f", $1 / 1000000}'
}
# peak_rss LIB PORT: the client's maximum RSS (KiB) for one download.
peak_rss() {
  local lib=$1 port=$2 env=(env -u LD_LIBRARY_PATH)
  [ "$lib" = dropin ] && env=(env "LD_LIBRARY_PATH=$libdir")
  "${env[@]}" /usr/bin/time -f '%M' curl -sS --cacert "$pki/ca.crt" -o /dev/null \
    "https://localhost:$port/files/file" 2>&1 >/dev/null | tail -1
}
# handshakes PORT: full handshakes per second (system openssl s_time).
handshakes() {
  env -u LD_LIBRARY_PATH openssl s_time -connect "127.0.0.1:$1" -new -time "$seconds" \
    -CAfile "$pki/ca.crt" 2>/dev/null \
    | awk '/connections in [0-9.]+s;/ {for (i = 1; i <= NF; i++) if ($i ~ /connections\/user/) {print int($(i - 1)); exit}}'
}

best() { sort -n | tail -1; }
least() { sort -n | head -1; }

declare -A r
for _ in $(seq "$runs"); do
  r[curl_sys]+="$(download system "$native_port") "
  r[curl_dropin]+="$(download dropin "$native_port") "
  r[nginx_sys]+="$(download system "$native_port") "
  r[nginx_dropin]+="$(download system "$dropin_port") "
  r[hs_sys]+="$(handshakes "$native_port") "
  r[hs_dropin]+="$(handshakes "$dropin_port") "
  r[rss_sys]+="$(peak_rss system "$native_port") "
  r[rss_dropin]+="$(peak_rss dropin "$native_port") "
done
pick() { tr ' ' '\n' <<<"${r[$1]}" | grep . | "$2"; }

row() { printf '%-34s %12s %12s %8s\n' "$@"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
echo "drop-in vs system libssl, $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg), file $bytes, best of $runs"
row measurement "system" "drop-in" ratio
row ---------------------------------- ------------ ------------ --------
for m in "curl download (MB/s)|curl_sys|curl_dropin|best" \
         "nginx serving (MB/s)|nginx_sys|nginx_dropin|best" \
         "nginx full handshakes/s (s_time)|hs_sys|hs_dropin|best" \
         "curl peak RSS (KiB)|rss_sys|rss_dropin|least"; do
  IFS='|' read -r label a b how <<<"$m"
  va=$(pick "$a" "$how")
  vb=$(pick "$b" "$how")
  row "$label" "$va" "$vb" "$(ratio "$vb" "$va")"
done
echo "(ratio = drop-in / system: above 1 is faster, or for RSS larger)"
