/*
 * Signature algorithms: OpenSSL's spellings translated into the core's
 * canonical names, and the signature-hash floor applied to them.
 *
 * Implementation notes:
 * - The canonical names are the ones wolfSSL_CTX_set1_sigalgs_list takes
 *   ("RSA+SHA256", "RSA-PSS+SHA256", "ECDSA+SHA256", "ED25519"); OpenSSL
 *   accepts them too, so a canonical list is also what the drop-in's
 *   getters can report.
 * - OpenSSL's TLS 1.3 names map onto them: "rsa_pss_rsae_sha256" and
 *   "rsa_pss_pss_sha256" are both RSA-PSS+SHA256 (the engine offers the two
 *   code points together), "ecdsa_secp256r1_sha256" is ECDSA+SHA256.
 * - Every algorithm of the table together takes 36 bytes of the engine's
 *   38-byte list (WOLFSSL_MAX_SIGALGO; an RSA-PSS entry is two code
 *   points), so any canonical list fits the engine: a long list in
 *   OpenSSL's spelling is long only in its names.
 * - Names OpenSSL knows and the engine cannot do (DSA: the build has
 *   NO_DSA; brainpool curves) are listed so that the error says so rather
 *   than "unknown".
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ssa/core.h"

typedef struct sigalg {
    const char *canon;      /* the engine's name, NULL: the engine cannot */
    const char *alias[2];   /* OpenSSL's single-word names */
    int hash;               /* SSA_SIG_HASH_* */
} sigalg;

/* Strongest first within each family: the default order (list NULL). */
static const sigalg table[] = {
    { "ECDSA+SHA256", { "ecdsa_secp256r1_sha256", NULL }, SSA_SIG_HASH_SHA256 },
    { "ECDSA+SHA384", { "ecdsa_secp384r1_sha384", NULL }, SSA_SIG_HASH_SHA384 },
    { "ECDSA+SHA512", { "ecdsa_secp521r1_sha512", NULL }, SSA_SIG_HASH_SHA512 },
    { "ED25519", { "ed25519", NULL }, SSA_SIG_HASH_SHA512 },
    { "ED448", { "ed448", NULL }, SSA_SIG_HASH_SHA512 },
    { "RSA-PSS+SHA256", { "rsa_pss_rsae_sha256", "rsa_pss_pss_sha256" }, SSA_SIG_HASH_SHA256 },
    { "RSA-PSS+SHA384", { "rsa_pss_rsae_sha384", "rsa_pss_pss_sha384" }, SSA_SIG_HASH_SHA384 },
    { "RSA-PSS+SHA512", { "rsa_pss_rsae_sha512", "rsa_pss_pss_sha512" }, SSA_SIG_HASH_SHA512 },
    { "RSA+SHA256", { "rsa_pkcs1_sha256", NULL }, SSA_SIG_HASH_SHA256 },
    { "RSA+SHA384", { "rsa_pkcs1_sha384", NULL }, SSA_SIG_HASH_SHA384 },
    { "RSA+SHA512", { "rsa_pkcs1_sha512", NULL }, SSA_SIG_HASH_SHA512 },
    { "ECDSA+SHA224", { "ecdsa_sha224", NULL }, SSA_SIG_HASH_SHA224 },
    { "RSA+SHA224", { "rsa_pkcs1_sha224", NULL }, SSA_SIG_HASH_SHA224 },
    { "ECDSA+SHA1", { "ecdsa_sha1", NULL }, SSA_SIG_HASH_SHA1 },
    { "RSA+SHA1", { "rsa_pkcs1_sha1", NULL }, SSA_SIG_HASH_SHA1 },
};
#define N_TABLE (sizeof table / sizeof table[0])

/* OpenSSL's names the engine cannot do. */
static const char *const unsupported[] = {
    "DSA+SHA1", "DSA+SHA224", "DSA+SHA256", "DSA+SHA384", "DSA+SHA512",
    "dsa_sha1", "dsa_sha224", "dsa_sha256", "dsa_sha384", "dsa_sha512",
    "ecdsa_brainpoolP256r1_sha256", "ecdsa_brainpoolP384r1_sha384",
    "ecdsa_brainpoolP512r1_sha512",
};

static const struct {
    const char *name;
    int hash;
} hashes[] = {
    { "sha1", SSA_SIG_HASH_SHA1 }, { "sha224", SSA_SIG_HASH_SHA224 },
    { "sha256", SSA_SIG_HASH_SHA256 }, { "sha384", SSA_SIG_HASH_SHA384 },
    { "sha512", SSA_SIG_HASH_SHA512 },
    /* Spellings OpenSSL's object names and administrators use. */
    { "sha-1", SSA_SIG_HASH_SHA1 }, { "sha-224", SSA_SIG_HASH_SHA224 },
    { "sha-256", SSA_SIG_HASH_SHA256 }, { "sha-384", SSA_SIG_HASH_SHA384 },
    { "sha-512", SSA_SIG_HASH_SHA512 },
};

int ssa_sig_hash_parse(const char *name)
{
    for (size_t i = 0; name && i < sizeof hashes / sizeof hashes[0]; i++)
        if (strcasecmp(name, hashes[i].name) == 0)
            return hashes[i].hash;
    return 0;
}

const char *ssa_sig_hash_name(int hash)
{
    for (size_t i = 0; i < sizeof hashes / sizeof hashes[0]; i++)
        if (hashes[i].hash == hash)
            return hashes[i].name;
    return hash == SSA_SIG_HASH_MD5 ? "md5" : "unknown";
}

/* A floor of 0 is a policy built by hand: the default, never "none". */
static int effective_floor(int min_hash)
{
    return min_hash > 0 ? min_hash : SSA_SIG_HASH_SHA256;
}

/* "RSA", "rsa-pss", "PSS", "ECDSA", "DSA" -> the canonical family, or NULL. */
static const char *family(const char *s, size_t len)
{
    static const struct { const char *name, *canon; } families[] = {
        { "RSA", "RSA" }, { "RSA-PSS", "RSA-PSS" }, { "PSS", "RSA-PSS" },
        { "ECDSA", "ECDSA" }, { "DSA", "DSA" },
    };
    for (size_t i = 0; i < sizeof families / sizeof families[0]; i++)
        if (strlen(families[i].name) == len && strncasecmp(s, families[i].name, len) == 0)
            return families[i].canon;
    return NULL;
}

/* The hash part, upper case as the engine spells it ("SHA256"), or NULL. */
static const char *hash_part(const char *s, size_t len)
{
    static const char *const engine_names[] = { "SHA1", "SHA224", "SHA256", "SHA384", "SHA512" };
    char word[16];
    if (len >= sizeof word)
        return NULL;
    memcpy(word, s, len);
    word[len] = '\0';
    int hash = ssa_sig_hash_parse(word);
    for (size_t i = 0; hash && i < sizeof engine_names / sizeof engine_names[0]; i++)
        if (ssa_sig_hash_parse(engine_names[i]) == hash)
            return engine_names[i];
    return NULL;
}

/* "SIG+HASH" or "HASH+SIG" -> "SIG+HASH" in canonical spelling, or false. */
static bool normalise_pair(const char *tok, size_t len, char *out, size_t outlen)
{
    const char *plus = memchr(tok, '+', len);
    if (!plus)
        return false;
    size_t l1 = (size_t)(plus - tok), l2 = len - l1 - 1;
    const char *sig = family(tok, l1), *hash = hash_part(plus + 1, l2);
    if (!sig || !hash) {
        sig = family(plus + 1, l2);
        hash = hash_part(tok, l1);
    }
    if (!sig || !hash)
        return false;
    snprintf(out, outlen, "%s+%s", sig, hash);
    return true;
}

static bool same(const char *a, const char *b, size_t blen)
{
    return a && strlen(a) == blen && strncasecmp(a, b, blen) == 0;
}

/* The table entry for one name in any spelling, or NULL. */
static const sigalg *lookup(const char *tok, size_t len)
{
    char pair[32];
    bool is_pair = normalise_pair(tok, len, pair, sizeof pair);
    for (size_t i = 0; i < N_TABLE; i++) {
        const sigalg *a = &table[i];
        if (is_pair ? strcmp(a->canon, pair) == 0
                    : same(a->canon, tok, len) || same(a->alias[0], tok, len)
                          || same(a->alias[1], tok, len))
            return a;
    }
    return NULL;
}

static bool known_unsupported(const char *tok, size_t len)
{
    char pair[32];
    if (normalise_pair(tok, len, pair, sizeof pair)) {
        tok = pair;
        len = strlen(pair);
    }
    for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++)
        if (same(unsupported[i], tok, len))
            return true;
    return false;
}

static bool listed(const char *list, const char *name)
{
    size_t len = strlen(name);
    for (const char *t = list; *t; ) {
        size_t tlen = strcspn(t, ":");
        if (tlen == len && strncmp(t, name, len) == 0)
            return true;
        t += tlen;
        t += *t == ':';
    }
    return false;
}

struct translation {
    char *out;
    size_t outlen;
    int floor;
    size_t below_floor;     /* algorithms dropped for their hash */
};

static bool append(struct translation *t, const sigalg *a)
{
    if (a->hash < t->floor) {
        t->below_floor++;
        return true;
    }
    if (listed(t->out, a->canon))
        return true;
    size_t used = strlen(t->out);
    int n = snprintf(t->out + used, t->outlen - used, "%s%s", used ? ":" : "", a->canon);
    return n >= 0 && (size_t)n < t->outlen - used;
}

static ssa_status refuse(char *err, size_t errlen, ssa_status st, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static ssa_status refuse(char *err, size_t errlen, ssa_status st, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return st;
}

/* One name of the list; SSA_OK when added, dropped or skipped. */
static ssa_status translate_one(struct translation *t, const char *tok, size_t len,
                                bool skip_unsupported, char *err, size_t errlen)
{
    if (len == 0)
        return refuse(err, errlen, SSA_ERR_ARG, "empty entry in the signature algorithm list");
    const sigalg *a = lookup(tok, len);
    if (a)
        return append(t, a) ? SSA_OK
                            : refuse(err, errlen, SSA_ERR_ARG, "signature algorithm list too "
                                     "long at \"%.*s\"", (int)len, tok);
    if (!known_unsupported(tok, len))
        return refuse(err, errlen, SSA_ERR_ARG, "unknown signature algorithm \"%.*s\" (known: "
                      "RSA, RSA-PSS, ECDSA with +SHA1, +SHA224, +SHA256, +SHA384 or +SHA512; "
                      "ED25519, ED448; OpenSSL's names such as rsa_pss_rsae_sha256 or "
                      "ecdsa_secp256r1_sha256)", (int)len, tok);
    if (skip_unsupported)
        return SSA_OK;
    return refuse(err, errlen, SSA_ERR_ARG,
                  "signature algorithm \"%.*s\" is not supported by the TLS engine", (int)len, tok);
}

ssa_status ssa_sigalgs_translate(const char *list, int min_hash, bool skip_unsupported,
                                 char *out, size_t outlen, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!out || outlen == 0)
        return SSA_ERR_ARG;
    out[0] = '\0';
    struct translation t = { out, outlen, effective_floor(min_hash), 0 };
    if (!list || !*list) {
        for (size_t i = 0; i < N_TABLE; i++)
            if (!append(&t, &table[i]))
                return SSA_ERR_ARG;
    }
    for (const char *tok = list && *list ? list : ""; *tok; ) {
        size_t len = strcspn(tok, ":");
        ssa_status st = translate_one(&t, tok, len, skip_unsupported, err, errlen);
        if (st != SSA_OK)
            return st;
        tok += len;
        if (*tok == ':' && !*++tok)
            return refuse(err, errlen, SSA_ERR_ARG, "empty entry in the signature algorithm list");
    }
    if (*out)
        return SSA_OK;
    if (t.below_floor)
        return refuse(err, errlen, SSA_ERR_POLICY, "every signature algorithm in \"%s\" uses a "
                      "hash below the floor %s (min_signature_hash)", list,
                      ssa_sig_hash_name(t.floor));
    return refuse(err, errlen, SSA_ERR_POLICY,
                  "no signature algorithm in \"%s\" is supported by the TLS engine", list);
}
