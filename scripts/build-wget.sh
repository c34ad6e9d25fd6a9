#!/usr/bin/env bash
# Build wget from Debian's own source package (patches applied) against
# OpenSSL, for the porting suite (test-apps/porting/cases/wget.sh): Debian's
# wget binary uses GnuTLS, so it would never touch the libssl drop-in.
#
#   scripts/build-wget.sh <output-dir>
#
# The binary lands in <output-dir>/bin/wget; a stamp records the source
# version and configure flags so that a rebuild with the same inputs is a
# no-op. If the source package cannot be had, the script exits 3.
set -euo pipefail

out=${1:?usage: build-wget.sh <output-dir>}
mkdir -p "$out"
out=$(cd "$out" && pwd)

# Two builds into one directory would delete each other's tree.
exec 9>"$out/.lock"
flock 9

# Why each flag: OpenSSL (so that wget links libssl.so.3, the drop-in);
# libpsl, libidn2, libpcre2, zlib and libuuid are all installed by
# scripts/bootstrap.sh. No metalink (libmetalink is not installed), no
# gpgme, no NTLM-free changes, no NLS catalogues (nothing needs them).
configure_flags=(
  --with-ssl=openssl --disable-nls --without-metalink --disable-rpath
  --disable-valgrind-tests
)
if pkg-config --exists libpsl 2>/dev/null; then
  configure_flags+=(--with-libpsl)
else
  configure_flags+=(--without-libpsl)
fi

version=$(apt-cache showsrc wget 2>/dev/null | sed -n 's/^Version: //p' | head -1)
stamp_key="$(printf "%s\n" "$version" "${configure_flags[@]}" "recipe 1" | sha256sum | cut -c1-16)"
stamp="$out/.stamp-$stamp_key"
if [ -f "$stamp" ] && [ -x "$out/bin/wget" ]; then
  echo "wget: cached build in $out"
  exit 0
fi

src_root="$out/src"
rm -rf "$src_root" && mkdir -p "$src_root"
cd "$src_root"
if ! apt-get source --download-only wget >/dev/null 2>&1 && ! ls wget_*.dsc >/dev/null 2>&1; then
  echo "wget: 'apt-get source wget' failed (no deb-src entry? run scripts/bootstrap.sh as root)" >&2
  exit 3
fi
dpkg-source -x wget_*.dsc wget >/dev/null
cd wget
./configure --prefix="$out" "${configure_flags[@]}" >"$out/configure.log" 2>&1 \
  || { echo "wget: configure failed, see $out/configure.log" >&2; exit 1; }
grep -q '^#define HAVE_LIBSSL 1' src/config.h \
  || { echo "wget: configure did not pick OpenSSL, see $out/configure.log" >&2; exit 1; }
# Only the program: lib (gnulib) and src; the manual and catalogues are not
# needed (and would want texinfo).
{ make -C lib -j"$(nproc)" && make -C src -j"$(nproc)" wget; } >"$out/make.log" 2>&1 \
  || { echo "wget: build failed, see $out/make.log" >&2; exit 1; }
mkdir -p "$out/bin"
install -m 0755 src/wget "$out/bin/wget"
rm -f "$out"/.stamp-*
touch "$stamp"
echo "wget: built $("$out/bin/wget" --version | head -1) into $out"
