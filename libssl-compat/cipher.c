/*
 * SSL_CIPHER: a borrowed view of one entry of the core's static table
 * (struct ssl_cipher_st wraps ssa_cipher_info), so pointers stay valid for
 * the life of the process, as OpenSSL's do.
 */
#include "internal.h"

#include <openssl/objects.h>
#include <stdio.h>
#include <string.h>

static const ssa_cipher_info *info(const SSL_CIPHER *c)
{
    return (const ssa_cipher_info *)c;
}

const char *SSL_CIPHER_get_name(const SSL_CIPHER *c)
{
    return c ? info(c)->openssl_name : "(NONE)";
}

const char *SSL_CIPHER_standard_name(const SSL_CIPHER *c)
{
    return c ? info(c)->iana_name : NULL;
}

int SSL_CIPHER_get_bits(const SSL_CIPHER *c, int *alg_bits)
{
    if (!c)
        return 0;
    if (alg_bits)
        *alg_bits = info(c)->alg_bits;
    return info(c)->bits;
}

/* OpenSSL names the first protocol version that defined the suite. */
const char *SSL_CIPHER_get_version(const SSL_CIPHER *c)
{
    return c ? ssa_version_name(info(c)->min_version) : "(NONE)";
}

/* OpenSSL's ids carry 0x03000000 over the IANA value. */
uint32_t SSL_CIPHER_get_id(const SSL_CIPHER *c)
{
    return c ? 0x03000000u | info(c)->id : 0;
}

uint16_t SSL_CIPHER_get_protocol_id(const SSL_CIPHER *c)
{
    return c ? info(c)->id : 0;
}

/* ---- algorithms as NIDs ------------------------------------------------------ */

typedef struct name_nid {
    const char *name;
    int nid;
} name_nid;

static int lookup_nid(const name_nid *table, size_t n, const char *name)
{
    for (size_t i = 0; name && i < n; i++)
        if (strcmp(table[i].name, name) == 0)
            return table[i].nid;
    return NID_undef;
}

#define LOOKUP(table, name) lookup_nid((table), sizeof(table) / sizeof((table)[0]), (name))

/* The core describes algorithms in OpenSSL's own words ("AESGCM(128)",
 * "ECDH", ...); these are the NIDs OpenSSL reports for the same words. */
static const name_nid enc_nids[] = {
    {"AESGCM(128)", NID_aes_128_gcm},      {"AESGCM(256)", NID_aes_256_gcm},
    {"AES(128)", NID_aes_128_cbc},         {"AES(256)", NID_aes_256_cbc},
    {"AESCCM(128)", NID_aes_128_ccm},      {"AESCCM(256)", NID_aes_256_ccm},
    {"AESCCM8(128)", NID_aes_128_ccm},     {"AESCCM8(256)", NID_aes_256_ccm},
    {"CHACHA20/POLY1305(256)", NID_chacha20_poly1305},
    {"Camellia(128)", NID_camellia_128_cbc}, {"Camellia(256)", NID_camellia_256_cbc},
    {"ARIAGCM(128)", NID_aria_128_gcm},    {"ARIAGCM(256)", NID_aria_256_gcm},
    {"3DES(168)", NID_des_ede3_cbc},       {"RC4(128)", NID_rc4},
};

/* AEAD suites have no separate MAC digest: NID_undef, as in OpenSSL. */
static const name_nid mac_nids[] = {
    {"MD5", NID_md5}, {"SHA1", NID_sha1}, {"SHA256", NID_sha256}, {"SHA384", NID_sha384},
};

static const name_nid kx_nids[] = {
    {"RSA", NID_kx_rsa},       {"DH", NID_kx_dhe},         {"ECDH", NID_kx_ecdhe},
    {"PSK", NID_kx_psk},       {"RSAPSK", NID_kx_rsa_psk}, {"DHEPSK", NID_kx_dhe_psk},
    {"ECDHEPSK", NID_kx_ecdhe_psk}, {"SRP", NID_kx_srp},   {"any", NID_kx_any},
};

static const name_nid auth_nids[] = {
    {"RSA", NID_auth_rsa}, {"ECDSA", NID_auth_ecdsa}, {"DSS", NID_auth_dss},
    {"None", NID_auth_null}, {"PSK", NID_auth_psk},   {"SRP", NID_auth_srp},
    {"any", NID_auth_any},
};

int SSL_CIPHER_get_cipher_nid(const SSL_CIPHER *c) { return c ? LOOKUP(enc_nids, info(c)->enc) : NID_undef; }
int SSL_CIPHER_get_digest_nid(const SSL_CIPHER *c) { return c ? LOOKUP(mac_nids, info(c)->mac) : NID_undef; }
int SSL_CIPHER_get_kx_nid(const SSL_CIPHER *c) { return c ? LOOKUP(kx_nids, info(c)->kx) : NID_undef; }
int SSL_CIPHER_get_auth_nid(const SSL_CIPHER *c) { return c ? LOOKUP(auth_nids, info(c)->auth) : NID_undef; }
int SSL_CIPHER_is_aead(const SSL_CIPHER *c) { return c && info(c)->aead; }

/* OpenSSL's one-line layout (its `openssl ciphers -v` shows it): name,
 * first protocol version, key exchange, authentication, encryption, MAC.
 * Without a buffer one of 128 bytes is allocated for the caller to free;
 * a buffer shorter than that is refused (NULL), as in OpenSSL. */
char *SSL_CIPHER_description(const SSL_CIPHER *c, char *buf, int size)
{
    enum { NEED = 128 };
    if (!buf) {
        if (!(buf = OPENSSL_malloc(NEED)))
            return NULL;
        size = NEED;
    } else if (size < NEED) {
        return NULL;
    }
    if (!c) {
        snprintf(buf, (size_t)size, "%s", "(NONE)\n");
        return buf;
    }
    const ssa_cipher_info *i = info(c);
    snprintf(buf, (size_t)size, "%-30s %-7s Kx=%-8s Au=%-5s Enc=%-22s Mac=%-4s\n",
             i->openssl_name, ssa_version_name(i->min_version), i->kx, i->auth, i->enc, i->mac);
    return buf;
}

/* ---- the connection's list ------------------------------------------------------ */

static bool same_list(STACK_OF(SSL_CIPHER) *sk, const uint16_t *ids, size_t n)
{
    if (!sk || (size_t)sk_SSL_CIPHER_num(sk) != n)
        return false;
    for (size_t i = 0; i < n; i++)
        if (info(sk_SSL_CIPHER_value(sk, (int)i))->id != ids[i])
            return false;
    return true;
}

/* The suites this connection may use, in preference order, TLS 1.3 first
 * as OpenSSL lists them: the application's lists merged with policy (what
 * the handshake would offer), not what was asked. Owned by the SSL; the
 * same stack comes back while the list stays the same. Where policy leaves
 * nothing (a version range below its floor) the list is empty, not NULL:
 * callers such as python size their own lists by it. NULL only without
 * memory. */
STACK_OF(SSL_CIPHER) *SSL_get_ciphers(const SSL *s)
{
    if (!s)
        return NULL;
    SSL *m = (SSL *)s; /* the cache is not part of the logical state */
    bool server = s->role >= 0 ? s->role == SSA_ROLE_SERVER : !s->ctx->method->client;
    const ssa_settings *eff = s->conn ? ssa_conn_settings(s->conn) : NULL;
    ssa_settings merged;
    char err[256];
    if (!eff && compat_effective(&s->rq, server, &merged, err, sizeof err) == SSA_OK)
        eff = &merged;
    uint16_t ids[8 + SSA_MAX_SUITES];
    size_t n = 0;
    for (size_t i = 0; eff && eff->max_version >= SSA_TLS1_3 && i < eff->n_tls13_suites; i++)
        ids[n++] = eff->tls13_suites[i];
    for (size_t i = 0; eff && eff->min_version <= SSA_TLS1_2 && i < eff->n_tls12_suites; i++)
        ids[n++] = eff->tls12_suites[i];
    if (same_list(m->ciphers, ids, n))
        return m->ciphers;
    STACK_OF(SSL_CIPHER) *sk = sk_SSL_CIPHER_new_null();
    for (size_t i = 0; sk && i < n; i++) {
        const SSL_CIPHER *c = (const SSL_CIPHER *)ssa_cipher_by_id(ids[i]);
        if (c && !sk_SSL_CIPHER_push(sk, c)) {
            sk_SSL_CIPHER_free(sk);
            sk = NULL;
        }
    }
    if (!sk)
        return NULL;
    sk_SSL_CIPHER_free(m->ciphers);
    return m->ciphers = sk;
}

/* By the two-byte IANA id, among the suites the core knows; NULL (no
 * error) for one it does not, as OpenSSL. */
const SSL_CIPHER *SSL_CIPHER_find(SSL *s, const unsigned char *ptr)
{
    (void)s;
    if (!ptr)
        return NULL;
    return (const SSL_CIPHER *)ssa_cipher_by_id((uint16_t)((ptr[0] << 8) | ptr[1]));
}
