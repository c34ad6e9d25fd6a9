/*
 * The system trust store, parsed once and shared.
 *
 * Parsing a distribution bundle (~140 roots) costs milliseconds; programs
 * such as curl make a new context per transfer. So each store file or
 * directory is parsed once per (path, mtime, size) and every context that
 * uses it holds a reference on the same wolfSSL X509_STORE.
 */
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct ssa_trust_store {
    atomic_int refs;
    char *path;
    struct timespec mtime;
    off_t size;
    WOLFSSL_X509_STORE *store;
};

static pthread_mutex_t trust_lock = PTHREAD_MUTEX_INITIALIZER;
static ssa_trust_store *trust_cached; /* the latest store, one reference */

static bool trust_matches(const ssa_trust_store *t, const char *path, const struct stat *st)
{
    return t && strcmp(t->path, path) == 0 && t->size == st->st_size &&
           t->mtime.tv_sec == st->st_mtim.tv_sec && t->mtime.tv_nsec == st->st_mtim.tv_nsec;
}

static ssa_trust_store *trust_load(const char *path, const struct stat *st, char *err,
                                   size_t errlen)
{
    ssa_trust_store *t = calloc(1, sizeof(*t));
    if (!t || !(t->path = strdup(path)) || !(t->store = wolfSSL_X509_STORE_new())) {
        snprintf(err, errlen, "out of memory loading trust store %s", path);
        goto fail;
    }
    bool is_dir = S_ISDIR(st->st_mode);
    int rc = wolfSSL_CertManagerLoadCA(t->store->cm, is_dir ? NULL : path, is_dir ? path : NULL);
    if (rc != WOLFSSL_SUCCESS) {
        snprintf(err, errlen, "trust store %s: no usable CA certificate in it", path);
        goto fail;
    }
    atomic_init(&t->refs, 1);
    t->mtime = st->st_mtim;
    t->size = st->st_size;
    return t;
fail:
    if (t) {
        if (t->store)
            wolfSSL_X509_STORE_free(t->store);
        free(t->path);
        free(t);
    }
    return NULL;
}

ssa_trust_store *ssa_trust_acquire(const char *path, char *err, size_t errlen)
{
    struct stat st;
    if (!path || !*path || stat(path, &st) != 0) {
        snprintf(err, errlen, "trust store %s: cannot be read", path ? path : "(none)");
        return NULL;
    }
    pthread_mutex_lock(&trust_lock);
    if (!trust_matches(trust_cached, path, &st)) {
        ssa_trust_store *fresh = trust_load(path, &st, err, errlen);
        if (!fresh) {
            pthread_mutex_unlock(&trust_lock);
            return NULL;
        }
        ssa_trust_release(trust_cached);
        trust_cached = fresh;
    }
    ssa_trust_store *t = trust_cached;
    atomic_fetch_add(&t->refs, 1);
    pthread_mutex_unlock(&trust_lock);
    return t;
}

void ssa_trust_release(ssa_trust_store *t)
{
    if (!t || atomic_fetch_sub(&t->refs, 1) != 1)
        return;
    wolfSSL_X509_STORE_free(t->store);
    free(t->path);
    free(t);
}

ssa_status ssa_trust_attach(ssa_trust_store *t, WOLFSSL_CTX *wctx)
{
    /* wolfSSL_CTX_set_cert_store takes over one store reference. */
    if (!WOLF_OK(wolfSSL_X509_STORE_up_ref(t->store)))
        return SSA_ERR_NOMEM;
    wolfSSL_CTX_set_cert_store(wctx, t->store);
    return SSA_OK;
}
