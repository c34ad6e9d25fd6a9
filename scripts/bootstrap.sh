#!/usr/bin/env bash
# Install what SSA needs to build and test on Debian 12 (bookworm), then build
# the wolfSSL and libconfig caches (build/wolfssl, build/libconfig) so that
# CMake finds them, and wget over OpenSSL (build/wget) for the porting suite.
#
#   scripts/bootstrap.sh        (as root; a no-op when everything is in place)
#
# Idempotent: the deb-src entry is added only when no deb-src entry is
# configured, `apt-get update` runs only when something is missing, packages
# are installed only when absent, and the wolfSSL and wget builds are cached
# by a stamp.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$repo"

packages=(
  # Compiler, make, CMake and pkg-config for the project itself (gcc brings
  # the AddressSanitizer/UBSan runtimes used by the sanitizer build).
  build-essential cmake pkg-config
  # wolfSSL from Debian's source package: `apt-get source` and dpkg-source
  # (dpkg-dev), autogen.sh (autoconf, automake, libtool).
  dpkg-dev autoconf automake libtool
  # OpenSSL 3: headers and libcrypto.so.3 for the libssl drop-in, the openssl
  # command (test PKI, reference peers), and its man pages (the drop-in's
  # reference for what each function must do).
  libssl-dev openssl libssl-doc
  # libconfig for the policy file (the fallback when its source package cannot be
  # had: scripts/build-libconfig.sh builds it static); Check for the unit tests.
  libconfig-dev check
  # A system trust store (default policy trust_store).
  ca-certificates
  # curl: a real HTTPS client for the socket-API suite (test-apps/socket-api-test.sh).
  curl
  # objcopy (binutils) renames wolfSSL's OpenSSL-named symbols; flock
  # (util-linux) serialises wolfSSL builds.
  binutils util-linux
  # The porting suite (test-apps/porting/cases/): unmodified Debian clients
  # over the libssl drop-in -- ncat (ncat --ssl), socat (openssl: address),
  # irssi (TLS to IRC) against a local ngircd, driven headless in tmux.
  ncat socat irssi ngircd tmux
  # wget for the porting suite, built from Debian's source package against
  # OpenSSL by scripts/build-wget.sh (Debian's binary uses GnuTLS): its
  # build dependencies, less GnuTLS and the manual's texinfo (libssl-dev,
  # pkg-config and dpkg-dev are above).
  gettext libidn2-dev libpcre2-dev zlib1g-dev uuid-dev libpsl-dev
  # Servers for the porting suite (issue 5): nginx and lighttpd with
  # mod_openssl, run by the cases themselves on private ports (the packages'
  # own services are kept from starting at install, see below); python3 for
  # its ssl module as client and server.
  nginx-light lighttpd lighttpd-mod-openssl python3
  # ss (iproute2): the server cases wait for a listening socket without
  # connecting to it; /usr/bin/time (time): scripts/bench-dropin.sh's peak RSS.
  iproute2 time
)
src_list=/etc/apt/sources.list.d/ssa-deb-src.sources

say() { echo "bootstrap: $*"; }
die() {
  echo "bootstrap: $*" >&2
  exit 1
}

if [ -r /etc/os-release ]; then
  # shellcheck disable=SC1091
  . /etc/os-release
  if [ "${ID:-}" != debian ] || [ "${VERSION_ID:-}" != 12 ]; then
    say "warning: written for Debian 12, this is ${PRETTY_NAME:-unknown}"
  fi
fi

need_root() {
  [ "$(id -u)" -eq 0 ] || die "$1: run as root (e.g. sudo $0)"
}

# Is any deb-src entry configured (one-line or deb822 format)?
have_deb_src() {
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
    [ -f "$f" ] || continue
    grep -Eq '^[[:space:]]*deb-src[[:space:]]' "$f" && return 0
  done
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    # A stanza is enabled unless it says "Enabled: no".
    awk '
      function flush() { if (src && enabled) found = 1; src = 0; enabled = 1 }
      BEGIN { enabled = 1 }
      /^[[:space:]]*$/ { flush(); next }
      /^#/ { next }
      tolower($1) == "types:" { for (i = 2; i <= NF; i++) if ($i == "deb-src") src = 1 }
      tolower($1) == "enabled:" && tolower($2) == "no" { enabled = 0 }
      END { flush(); exit found ? 0 : 1 }
    ' "$f" && return 0
  done
  return 1
}

missing=()
for p in "${packages[@]}"; do
  if [ "$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null)" != installed ]; then
    missing+=("$p")
  fi
done

need_update=false
if have_deb_src; then
  say "deb-src entry already configured: leaving apt sources alone"
else
  need_root "adding a deb-src entry"
  cat >"$src_list" <<'EOF'
# Added by SSA's scripts/bootstrap.sh: wolfSSL is built from Debian's own
# source package (apt-get source wolfssl).
Types: deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb-src
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
  say "added $src_list"
  need_update=true
fi
# A deb-src entry whose index was never fetched is no use to apt-get source.
if ! $need_update && ! apt-cache showsrc wolfssl 2>/dev/null | grep -q '^Package: wolfssl'; then
  say "no source index for wolfssl yet"
  need_update=true
fi
if [ ${#missing[@]} -gt 0 ]; then
  need_update=true
fi

if $need_update; then
  need_root "apt-get update"
  say "apt-get update"
  apt-get update -q >/dev/null || die "apt-get update failed"
fi

if [ ${#missing[@]} -gt 0 ]; then
  need_root "installing ${missing[*]}"
  say "installing: ${missing[*]}"
  # nginx and lighttpd would start system services on port 80 with the
  # system's libssl; the suite runs its own instances, so no service may be
  # started by the install (policy-rc.d exit 101: "action forbidden").
  created_policy_rc=false
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    created_policy_rc=true
  fi
  rc=0
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" || rc=$?
  if $created_policy_rc; then rm -f /usr/sbin/policy-rc.d; fi
  [ "$rc" -eq 0 ] || die "apt-get install failed"
else
  say "all ${#packages[@]} packages already installed"
fi

# The expensive wolfSSL build, cached in the build tree (a no-op when the
# stamp matches). CMake's configure step uses the same directory.
say "wolfSSL: scripts/build-wolfssl.sh build/wolfssl"
scripts/build-wolfssl.sh build/wolfssl || die "building wolfSSL failed (exit $?)"
# libconfig, static and PIC for our shared libraries, cached the same way.
say "libconfig: scripts/build-libconfig.sh build/libconfig"
scripts/build-libconfig.sh build/libconfig || die "building libconfig failed (exit $?)"
# wget over OpenSSL for the porting suite (cases/wget.sh), cached the same way.
say "wget: scripts/build-wget.sh build/wget"
scripts/build-wget.sh build/wget || die "building wget failed (exit $?)"
say "done"
