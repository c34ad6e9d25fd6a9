#!/usr/bin/env bash
# Build wolfSSL from Debian's own source package (patches applied) as a static,
# position-independent, hidden-visibility archive with the assembly paths on.
#
#   scripts/build-wolfssl.sh <output-dir>
#
# The result lands in <output-dir>/{include,lib}; a stamp records the source
# version and configure flags so that a rebuild with the same inputs is a no-op.
# If the source package cannot be had, the script exits 3 and CMake falls back
# to Debian's libwolfssl-dev (see CMakeLists.txt), loudly.
set -euo pipefail

out=${1:?usage: build-wolfssl.sh <output-dir>}
mkdir -p "$out"
out=$(cd "$out" && pwd)

# Two builds into one directory (CI's plain and sanitizer configures, or a
# developer's parallel runs) would delete each other's tree: serialise them.
exec 9>"$out/.lock"
flock 9

# Why each flag: the core needs TLS 1.3 with SNI/ALPN/tickets/early data, OCSP
# and CRL for revocation, DTLS 1.2/1.3 for SOCK_DGRAM, post-handshake auth
# (TLS_REQUEST_PEER_AUTH), the renegotiation_info indication without
# renegotiation itself, RFC 5705 exporters, the peer chain kept in the session,
# the external session cache, X509 accessors, SNI/ALPN server callbacks and
# SSL_set_SSL_CTX (opensslextra, opensslall), alternative
# chains (trust an intermediate) and the fast assembly paths.
configure_flags=(
  --enable-static --disable-shared --disable-examples --disable-crypttests
  --disable-benchmark --enable-aesni --enable-intelasm --enable-sp=yes
  --enable-sp-asm --enable-tls13 --enable-tlsv10 --enable-oldtls
  --enable-sni --enable-alpn --enable-session-ticket --enable-earlydata
  --enable-ocsp --enable-ocspstapling --enable-ocspstapling2 --enable-crl
  --enable-dtls --enable-dtls13 --enable-dtls-mtu --enable-postauth
  --enable-secure-renegotiation-info --enable-keying-material
  --enable-sessioncerts --enable-opensslextra --enable-opensslall --enable-altcertchains
  --enable-supportedcurves --enable-curve25519 --enable-ed25519
  --enable-curve448 --enable-ed448 --enable-hkdf --enable-certgen
  --enable-context-extra-user-data --enable-secure-renegotiation=no
)
# SSA_WOLFSSL_DEBUG=1: wolfSSL's own debug log (wolfSSL_Debugging_ON), for
# chasing an engine failure; never for builds that are measured.
if [ "${SSA_WOLFSSL_DEBUG:-0}" = 1 ]; then
  configure_flags+=(--enable-debug)
fi
# The default ticket-key lifetime (1 hour) must exceed the ticket lifetime
# hint, which is policy's session_lifetime (capped at RFC 8446's 7 days):
# with the default, any lifetime over an hour made every second ticket fail.
# WOLFSSL_SIGNER_DER_CERT: each CA of a certificate manager keeps its
# certificate, so that the core can find the trust anchor a chain ended at
# (wolfSSL_X509_STORE_CTX_get1_issuer) and hold it to policy's floors and
# constraints like the certificates the peer sent (ssa-core/chain_checks.c);
# without it the manager keeps only the anchor's key and a few fields.
extra_cflags="-fPIC -fvisibility=hidden -O2 -DHAVE_SECRET_CALLBACK -DWOLFSSL_ALWAYS_VERIFY_CB -DWOLFSSL_VERIFY_CB_ALL_CERTS -DKEEP_PEER_CERT -DHAVE_EX_DATA -DSESSION_CERTS -DWOLFSSL_TICKET_KEY_LIFETIME=1209600 -DWOLFSSL_SIGNER_DER_CERT"

# Our own patches on top of Debian's, applied in name order with patch -p1.
# wolfSSL has no define or option that stops ProcessPeerCerts from adding the
# peer chain's CAs to the certificate manager (AddCA(SSL_CM(ssl), ...,
# WOLFSSL_CHAIN_CA, NO_VERIFY) in src/internal.c), and our manager is the
# process-wide shared trust store (ssa-core/trust.c): without 0001 an
# intermediate seen once would be trusted by every later connection. 0002:
# a TLS 1.2 client took any ServerHello as an accepted session ticket and
# failed ("Out of order message") when the server had rejected it. 0003: no
# peer signature was checked against the algorithms offered (a TLS 1.2 client
# took a ServerKeyExchange signed with RSA+SHA1 under a list without it), and
# a signer chose from the peer's list alone. 0004: the sizes of a handshake
# message's extensions were summed in 16 bits, so that past 65535 bytes (a
# long ALPN or SNI list, or a server's session ticket or HelloRetryRequest
# cookie echoed back) the buffer was allocated too small and overrun; such a
# message now fails with BUFFER_E before anything is written. See each
# patch's header. The patches' contents are part of the stamp key.
patch_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/wolfssl-patches"
patches=()
if [ -d "$patch_dir" ]; then
  while IFS= read -r -d '' p; do patches+=("$p"); done \
    < <(find "$patch_dir" -maxdepth 1 -name '*.patch' -print0 | sort -z)
fi
patches_key="$(for p in "${patches[@]}"; do basename "$p"; sha256sum <"$p"; done)"

stamp_key="$(printf "%s\n" "${configure_flags[@]}" "$extra_cflags" "recipe 2: OpenSSL-named symbols renamed" "$patches_key" | sha256sum | cut -c1-16)"
stamp="$out/.stamp-$stamp_key"
if [ -f "$stamp" ] && [ -f "$out/lib/libwolfssl.a" ]; then
  echo "wolfSSL: cached build in $out"
  exit 0
fi

src_root="$out/src"
rm -rf "$src_root" && mkdir -p "$src_root"
cd "$src_root"
if ! apt-get source --download-only wolfssl >/dev/null 2>&1 && ! ls wolfssl_*.dsc >/dev/null 2>&1; then
  echo "wolfSSL: 'apt-get source wolfssl' failed (no deb-src entry? run scripts/bootstrap.sh as root)" >&2
  exit 3
fi
dpkg-source -x wolfssl_*.dsc wolfssl >/dev/null
cd wolfssl
for p in "${patches[@]}"; do
  patch -p1 --forward --batch --quiet <"$p" \
    || { echo "wolfSSL: patch $(basename "$p") does not apply" >&2; exit 1; }
done
./autogen.sh >/dev/null 2>&1
CFLAGS="$extra_cflags" ./configure --prefix="$out" "${configure_flags[@]}" >"$out/configure.log" 2>&1 \
  || { echo "wolfSSL: configure failed, see $out/configure.log" >&2; exit 1; }
make -j"$(nproc)" >"$out/make.log" 2>&1 || { echo "wolfSSL: build failed, see $out/make.log" >&2; exit 1; }
make install >>"$out/make.log" 2>&1

# wolfSSL defines a few functions under OpenSSL's own names (SSL_SESSION_set1_id,
# ERR_load_SSL_strings, ...). Our libssl.so.3 defines those names itself, so
# the archive's copies are renamed out of the way.
nm -g --defined-only "$out/lib/libwolfssl.a" 2>/dev/null \
  | awk '$2 ~ /^[TDBR]$/ && $3 ~ /^(SSL_|ERR_|X509_|BIO_|EVP_|PEM_|TLS_|DTLS_|OPENSSL_|d2i_|i2d_)/ {print $3 " ssa_wolf_" $3}' \
  | sort -u >"$out/renamed-symbols.txt"
if [ -s "$out/renamed-symbols.txt" ]; then
  objcopy --redefine-syms="$out/renamed-symbols.txt" "$out/lib/libwolfssl.a"
fi
rm -f "$out"/.stamp-*
touch "$stamp"
echo "wolfSSL: built $(sed -n 's/^#define LIBWOLFSSL_VERSION_STRING "\(.*\)"/\1/p' "$out/include/wolfssl/version.h") into $out"
