/*
 * Sealing client session blobs (see session_seal.h).
 *
 * Implementation notes: the key is 32 bytes from the engine's RNG, made at
 * the first seal or unseal; if the RNG fails, nothing is sealed and
 * nothing unseals (a full handshake each time, never an unchecked
 * session). The MAC covers the whole engine blob; it is compared in
 * constant time.
 */
#include "session_seal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/hmac.h>
#include <wolfssl/wolfcrypt/random.h>

#define SEAL_MAGIC "SSA\1"
enum {
    SEAL_MAGIC_LEN = 4,
    SEAL_MAC_LEN = WC_SHA256_DIGEST_SIZE,
    SEAL_HEADER_LEN = SEAL_MAGIC_LEN + SEAL_MAC_LEN,
    /* An engine session is a few kilobytes at most (with its peer chain);
     * anything larger is not one of ours. */
    SEAL_MAX_RAW = 256 * 1024,
};

static unsigned char seal_key[32];
static bool seal_key_ok;
static pthread_once_t seal_once = PTHREAD_ONCE_INIT;

static void seal_key_make(void)
{
    WC_RNG rng;
    if (wc_InitRng(&rng) != 0)
        return;
    seal_key_ok = wc_RNG_GenerateBlock(&rng, seal_key, sizeof seal_key) == 0;
    wc_FreeRng(&rng);
}

static bool seal_mac(const unsigned char *raw, size_t n, unsigned char mac[SEAL_MAC_LEN])
{
    pthread_once(&seal_once, seal_key_make);
    if (!seal_key_ok || n > SEAL_MAX_RAW)
        return false;
    Hmac h;
    bool ok = wc_HmacInit(&h, NULL, INVALID_DEVID) == 0;
    ok = ok && wc_HmacSetKey(&h, WC_SHA256, seal_key, sizeof seal_key) == 0 &&
         wc_HmacUpdate(&h, raw, (word32)n) == 0 && wc_HmacFinal(&h, mac) == 0;
    wc_HmacFree(&h);
    return ok;
}

ssa_status ssa_session_seal(const unsigned char *raw, size_t n, unsigned char **out,
                            size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    unsigned char mac[SEAL_MAC_LEN];
    if (!seal_mac(raw, n, mac))
        return SSA_ERR_STATE;
    unsigned char *blob = malloc(SEAL_HEADER_LEN + n);
    if (!blob)
        return SSA_ERR_NOMEM;
    memcpy(blob, SEAL_MAGIC, SEAL_MAGIC_LEN);
    memcpy(blob + SEAL_MAGIC_LEN, mac, SEAL_MAC_LEN);
    memcpy(blob + SEAL_HEADER_LEN, raw, n);
    *out = blob;
    *out_len = SEAL_HEADER_LEN + n;
    return SSA_OK;
}

bool ssa_session_looks_sealed(const unsigned char *blob, size_t len)
{
    return blob && len > SEAL_HEADER_LEN && memcmp(blob, SEAL_MAGIC, SEAL_MAGIC_LEN) == 0;
}

ssa_status ssa_session_unseal(const unsigned char *blob, size_t len, const unsigned char **raw,
                              size_t *raw_len)
{
    *raw = NULL;
    *raw_len = 0;
    unsigned char mac[SEAL_MAC_LEN];
    if (!ssa_session_looks_sealed(blob, len) ||
        !seal_mac(blob + SEAL_HEADER_LEN, len - SEAL_HEADER_LEN, mac) ||
        wolfSSL_CRYPTO_memcmp(mac, blob + SEAL_MAGIC_LEN, SEAL_MAC_LEN) != 0)
        return SSA_ERR_ARG;
    *raw = blob + SEAL_HEADER_LEN;
    *raw_len = len - SEAL_HEADER_LEN;
    return SSA_OK;
}
