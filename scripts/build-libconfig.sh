#!/usr/bin/env bash
# Build libconfig (the policy file's parser) from Debian's own source package
# as a static, position-independent archive, to be linked hidden into our
# shared libraries.
#
#   scripts/build-libconfig.sh <output-dir>
#
# Why not Debian's libconfig.so: our libraries load into programs that
# define functions of the same names (lighttpd exports config_init and
# config_free), and the dynamic linker binds our calls to the program's
# functions -- lighttpd crashed in the policy loader. Debian's libconfig.a is
# built as PIE code, which cannot go into a shared library. The result lands
# in <output-dir>/{include,lib}; a stamp records the flags, so a rebuild with
# the same inputs is a no-op. If the source package cannot be had, the script
# exits 3.
set -euo pipefail

out=${1:?usage: build-libconfig.sh <output-dir>}
mkdir -p "$out"
out=$(cd "$out" && pwd)

# Parallel configures (plain and sanitizer builds) must not share a tree.
exec 9>"$out/.lock"
flock 9

configure_flags=(--enable-static --disable-shared --with-pic --disable-cxx --disable-examples)
cflags="-fPIC -fvisibility=hidden -O2"
stamp="$out/.stamp-$(printf '%s\n' "${configure_flags[@]}" "$cflags" | sha256sum | cut -c1-16)"
if [ -f "$stamp" ] && [ -f "$out/lib/libconfig.a" ]; then
  echo "libconfig: cached build in $out"
  exit 0
fi

src_root="$out/src"
rm -rf "$src_root" && mkdir -p "$src_root"
cd "$src_root"
if ! apt-get source --download-only libconfig >/dev/null 2>&1 && ! ls libconfig_*.dsc >/dev/null 2>&1; then
  echo "libconfig: 'apt-get source libconfig' failed (no deb-src entry? run scripts/bootstrap.sh as root)" >&2
  exit 3
fi
dpkg-source -x libconfig_*.dsc libconfig >/dev/null 2>&1
cd libconfig
CFLAGS="$cflags" ./configure --prefix="$out" "${configure_flags[@]}" >"$out/configure.log" 2>&1 \
  || { echo "libconfig: configure failed, see $out/configure.log" >&2; exit 1; }
make -C lib -j"$(nproc)" >"$out/make.log" 2>&1 || { echo "libconfig: build failed, see $out/make.log" >&2; exit 1; }
make -C lib install >>"$out/make.log" 2>&1
rm -f "$out"/.stamp-*
touch "$stamp"
echo "libconfig: built $(sed -n 's/^Version: //p' "$out/lib/pkgconfig/libconfig.pc" 2>/dev/null || echo '?') into $out"
