/*
 * Internal to the core: the cipher suite table as the cipher-string
 * evaluator sees it (cipher_suites.c holds it, cipher_string.c reads it).
 * Not part of the public API (include/ssa/core.h).
 *
 * The table holds three kinds of rows:
 *  - suites in the core's scope (ECDHE/DHE/RSA key exchange with RSA or
 *    ECDSA certificates, and the TLS 1.3 suites): ssa_cipher_by_id and
 *    ssa_cipher_by_name find these, and cipher strings may yield them;
 *  - the rest of what OpenSSL 3.0 knows for TLS 1.2 and below (DSS,
 *    anonymous, PSK and SRP suites): never looked up, never offered, but
 *    cipher strings see them, so that "aNULL" or "PSK" succeed or fail
 *    exactly as SSL_CTX_set_cipher_list does;
 *  - retired suites (3DES, RC4) that OpenSSL 3.0 no longer builds: looked
 *    up by id and name for reporting, invisible to cipher strings.
 */
#ifndef SSA_CIPHER_TABLE_H
#define SSA_CIPHER_TABLE_H

#include <stddef.h>
#include <stdint.h>

#include "ssa/core.h"

#define SSA_SSL3_0 0x0300 /* minimum version of the oldest suites */

/* One bit per algorithm, so that an alias is a mask of accepted bits and
 * "A+B" is the intersection of the masks. */
enum ssa_suite_kx {
    SSA_K_RSA = 1u << 0,
    SSA_K_DHE = 1u << 1,
    SSA_K_ECDHE = 1u << 2,
    SSA_K_PSK = 1u << 3,
    SSA_K_RSAPSK = 1u << 4,
    SSA_K_DHEPSK = 1u << 5,
    SSA_K_ECDHEPSK = 1u << 6,
    SSA_K_SRP = 1u << 7,
    SSA_K_ANY = 1u << 8, /* TLS 1.3 */
};

enum ssa_suite_auth {
    SSA_A_RSA = 1u << 0,
    SSA_A_ECDSA = 1u << 1,
    SSA_A_DSS = 1u << 2,
    SSA_A_NONE = 1u << 3, /* anonymous (aNULL) */
    SSA_A_PSK = 1u << 4,
    SSA_A_SRP = 1u << 5,
    SSA_A_ANY = 1u << 6, /* TLS 1.3 */
};

enum ssa_suite_enc {
    SSA_E_AES128 = 1u << 0, /* CBC */
    SSA_E_AES256 = 1u << 1,
    SSA_E_AES128GCM = 1u << 2,
    SSA_E_AES256GCM = 1u << 3,
    SSA_E_AES128CCM = 1u << 4,
    SSA_E_AES256CCM = 1u << 5,
    SSA_E_AES128CCM8 = 1u << 6,
    SSA_E_AES256CCM8 = 1u << 7,
    SSA_E_CHACHA20 = 1u << 8, /* with Poly1305 */
    SSA_E_CAMELLIA128 = 1u << 9,
    SSA_E_CAMELLIA256 = 1u << 10,
    SSA_E_ARIA128GCM = 1u << 11,
    SSA_E_ARIA256GCM = 1u << 12,
    SSA_E_3DES = 1u << 13,
    SSA_E_RC4 = 1u << 14,
    SSA_E_NONE = 1u << 15, /* no encryption (eNULL) */
};

enum ssa_suite_mac {
    SSA_M_MD5 = 1u << 0,
    SSA_M_SHA1 = 1u << 1,
    SSA_M_SHA256 = 1u << 2,
    SSA_M_SHA384 = 1u << 3,
    SSA_M_AEAD = 1u << 4,
};

/* OpenSSL's strength classes (HIGH, MEDIUM, LOW; NULL ciphers have none).
 * FIPS is one of them too, as in OpenSSL: a suite carries its class bit and
 * maybe SSA_S_FIPS, and an element's parts intersect their masks, so
 * "HIGH+FIPS" selects nothing while "AES+FIPS" works. */
enum ssa_suite_strength {
    SSA_S_NONE = 1u << 0,
    SSA_S_LOW = 1u << 1,
    SSA_S_MEDIUM = 1u << 2,
    SSA_S_HIGH = 1u << 3,
    SSA_S_FIPS = 1u << 4,
};

enum ssa_suite_flags {
    SSA_F_SCOPE = 1u << 0,       /* the core may offer it (see above) */
    SSA_F_NOT_DEFAULT = 1u << 1, /* in COMPLEMENTOFDEFAULT, so not in DEFAULT */
    SSA_F_RETIRED = 1u << 2,     /* not built by OpenSSL 3.0 */
    SSA_F_FIPS = 1u << 3,        /* matched by FIPS (mirrored in strength) */
};

typedef struct ssa_suite {
    ssa_cipher_info info;
    uint32_t kx, auth, enc, mac; /* one bit each */
    uint32_t strength;           /* class bit, plus SSA_S_FIPS */
    uint32_t flags;
} ssa_suite;

/* TLS 1.3 suites first, then the TLS 1.2-and-below suites in OpenSSL's
 * default preference order (the order "ALL:COMPLEMENTOFALL" would have if
 * eNULL were part of ALL), then retired suites. */
extern const ssa_suite ssa_suite_table[];
extern const size_t ssa_suite_count;
#define SSA_SUITE_TABLE_CAP 256 /* at least the table's rows (checked there) */

/* OpenSSL's default security level on this platform (Debian builds with
 * OPENSSL_TLS_SECURITY_LEVEL=2; upstream 3.0 uses 1). */
#define SSA_DEFAULT_SECLEVEL 2

/* The cipher-string evaluation before the security-level and scope
 * filters: every suite OpenSSL 3.0 would put in the list, in order (table
 * indexes), and the security level the string leaves in force. For the
 * differential tests and for ssa_cipher_string_eval. */
ssa_status ssa_cipher_string_eval_all(const char *str, size_t *idx, size_t max, size_t *n,
                                      int *seclevel, char *err, size_t errlen);

/* Whether OpenSSL's default security callback lets a suite through at
 * level 0..5. */
bool ssa_suite_allowed_at(const ssa_suite *s, int seclevel);

#endif
