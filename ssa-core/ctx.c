/*
 * Contexts: one role, the effective policy, a trust store, own certificate,
 * ALPN list and hooks. Shared across threads; settings are frozen into the
 * engine once, when the first connection needs them.
 */
#define _GNU_SOURCE /* memmem */
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ssa_status ctx_merge_defaults(ssa_ctx *ctx)
{
    ssa_request none = SSA_REQUEST_INIT;
    char err[256];
    ssa_status st = ssa_policy_merge(ctx->policy, &none, ctx->role == SSA_ROLE_SERVER,
                                     &ctx->settings, err, sizeof err);
    if (st != SSA_OK)
        ssa_audit_event(ctx->policy, ctx->frontend, "policy cannot be applied: %s", err);
    return st;
}

ssa_ctx *ssa_ctx_new(ssa_role role, const char *frontend)
{
    ssa_engine_init();
    ssa_ctx *ctx = calloc(1, sizeof(*ctx));
    if (!ctx)
        return NULL;
    atomic_init(&ctx->refs, 1);
    pthread_mutex_init(&ctx->lock, NULL);
    ctx->role = role;
    ctx->frontend = strdup(frontend ? frontend : "ssa");
    ctx->policy = ssa_policy_current();
    ctx->wctx = wolfSSL_CTX_new(role == SSA_ROLE_SERVER ? wolfSSLv23_server_method()
                                                        : wolfSSLv23_client_method());
    if (!ctx->frontend || !ctx->wctx || ctx_merge_defaults(ctx) != SSA_OK) {
        ssa_ctx_unref(ctx);
        return NULL;
    }
    wolfSSL_CTX_set_ex_data(ctx->wctx, ssa_engine_conn_slot(), ctx);
    return ctx;
}

ssa_ctx *ssa_ctx_ref(ssa_ctx *ctx)
{
    atomic_fetch_add(&ctx->refs, 1);
    return ctx;
}

void ssa_ctx_unref(ssa_ctx *ctx)
{
    if (!ctx || atomic_fetch_sub(&ctx->refs, 1) != 1)
        return;
    if (ctx->wctx)
        wolfSSL_CTX_free(ctx->wctx);
    ssa_trust_release(ctx->trust);
    ssa_policy_unref(ctx->policy);
    pthread_mutex_destroy(&ctx->lock);
    free(ctx->alpn_wire);
    free(ctx->alpn_csv);
    free(ctx->frontend);
    free(ctx);
}

ssa_role ssa_ctx_role(const ssa_ctx *ctx) { return ctx->role; }
const ssa_policy *ssa_ctx_policy(const ssa_ctx *ctx) { return ctx->policy; }
const ssa_settings *ssa_ctx_settings(const ssa_ctx *ctx) { return &ctx->settings; }
void ssa_ctx_set_user(ssa_ctx *ctx, void *user) { ctx->user = user; }
void *ssa_ctx_user(const ssa_ctx *ctx) { return ctx->user; }

/* Record every clamp in the audit log; used for ctx and conn requests. */
void ssa_audit_clamps(const ssa_policy *p, const char *frontend, const ssa_settings *s)
{
    for (size_t i = 0; i < s->n_clamps; i++)
        ssa_audit_event(p, frontend, "clamped: %s", s->clamps[i]);
}

ssa_status ssa_ctx_request(ssa_ctx *ctx, const ssa_request *req, bool *clamped)
{
    ssa_settings merged;
    char err[256];
    ssa_status st = ssa_policy_merge(ctx->policy, req, ctx->role == SSA_ROLE_SERVER, &merged,
                                     err, sizeof err);
    if (st != SSA_OK) {
        ssa_audit_event(ctx->policy, ctx->frontend, "request refused: %s", err);
        return st;
    }
    pthread_mutex_lock(&ctx->lock);
    if (!ctx->frozen)
        ctx->settings = merged;
    bool frozen = ctx->frozen;
    pthread_mutex_unlock(&ctx->lock);
    if (frozen)
        return SSA_ERR_STATE;
    ssa_audit_clamps(ctx->policy, ctx->frontend, &merged);
    if (clamped)
        *clamped = merged.n_clamps > 0;
    return SSA_OK;
}

static bool looks_like_pem(const unsigned char *buf, size_t len)
{
    return len >= 10 && memmem(buf, len, "-----BEGIN", 10) != NULL;
}

static bool file_is_pem(const char *path)
{
    unsigned char head[4096];
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    return looks_like_pem(head, n);
}

/* Certificate loading runs under the lock (also from the freeze itself,
 * for policy's default server certificate). */
static ssa_status ctx_load_certificate_files(ssa_ctx *ctx, const char *chain_path,
                                             const char *key_path)
{
    int rc = file_is_pem(chain_path)
                 ? wolfSSL_CTX_use_certificate_chain_file(ctx->wctx, chain_path)
                 : wolfSSL_CTX_use_certificate_file(ctx->wctx, chain_path, WOLFSSL_FILETYPE_ASN1);
    if (!WOLF_OK(rc))
        return SSA_ERR_IO_FILE;
    int fmt = file_is_pem(key_path) ? WOLFSSL_FILETYPE_PEM : WOLFSSL_FILETYPE_ASN1;
    if (!WOLF_OK(wolfSSL_CTX_use_PrivateKey_file(ctx->wctx, key_path, fmt)) ||
        !WOLF_OK(wolfSSL_CTX_check_private_key(ctx->wctx)))
        return SSA_ERR_IO_FILE;
    ctx->have_cert = true;
    return SSA_OK;
}

ssa_status ssa_ctx_use_certificate_file(ssa_ctx *ctx, const char *chain_path, const char *key_path)
{
    if (!chain_path || !key_path)
        return SSA_ERR_ARG;
    pthread_mutex_lock(&ctx->lock);
    ssa_status st = ctx->frozen ? SSA_ERR_STATE : ctx_load_certificate_files(ctx, chain_path, key_path);
    pthread_mutex_unlock(&ctx->lock);
    return st;
}

static ssa_status ctx_load_certificate_mem(ssa_ctx *ctx, const unsigned char *chain,
                                           size_t chain_len, bool chain_is_pem,
                                           const unsigned char *key, size_t key_len,
                                           bool key_is_pem)
{
    int rc = chain_is_pem ? wolfSSL_CTX_use_certificate_chain_buffer(ctx->wctx, chain, (long)chain_len)
                          : wolfSSL_CTX_use_certificate_buffer(ctx->wctx, chain, (long)chain_len,
                                                               WOLFSSL_FILETYPE_ASN1);
    if (!WOLF_OK(rc))
        return SSA_ERR_ARG;
    int fmt = key_is_pem ? WOLFSSL_FILETYPE_PEM : WOLFSSL_FILETYPE_ASN1;
    if (!WOLF_OK(wolfSSL_CTX_use_PrivateKey_buffer(ctx->wctx, key, (long)key_len, fmt)) ||
        !WOLF_OK(wolfSSL_CTX_check_private_key(ctx->wctx)))
        return SSA_ERR_ARG;
    ctx->have_cert = true;
    return SSA_OK;
}

ssa_status ssa_ctx_use_certificate_mem(ssa_ctx *ctx, const unsigned char *chain, size_t chain_len,
                                       bool chain_is_pem, const unsigned char *key, size_t key_len,
                                       bool key_is_pem)
{
    if (!chain || !key)
        return SSA_ERR_ARG;
    pthread_mutex_lock(&ctx->lock);
    ssa_status st = ctx->frozen ? SSA_ERR_STATE
                                : ctx_load_certificate_mem(ctx, chain, chain_len, chain_is_pem, key,
                                                           key_len, key_is_pem);
    pthread_mutex_unlock(&ctx->lock);
    return st;
}

/* Application anchors replace the system store: they go into the context's
 * own certificate manager, and the shared store is then never attached. */
/* Called with the lock held. */
static ssa_status ctx_may_bring_anchors(ssa_ctx *ctx)
{
    if (ctx->frozen)
        return SSA_ERR_STATE;
    if (!ctx->policy->app_trust_anchors) {
        ssa_audit_event(ctx->policy, ctx->frontend,
                        "refused: application trust anchors (policy app_trust_anchors = false)");
        return SSA_ERR_POLICY;
    }
    return SSA_OK;
}

typedef enum { ANCHORS_PEM_FILE, ANCHORS_DIR, ANCHORS_DER } anchor_kind;

static ssa_status ctx_load_anchors(ssa_ctx *ctx, anchor_kind kind, const void *src, size_t len)
{
    int rc;
    switch (kind) {
    case ANCHORS_PEM_FILE:
        rc = wolfSSL_CTX_load_verify_locations(ctx->wctx, src, NULL);
        break;
    case ANCHORS_DIR:
        rc = wolfSSL_CTX_load_verify_locations(ctx->wctx, NULL, src);
        break;
    default:
        rc = wolfSSL_CTX_load_verify_buffer(ctx->wctx, src, (long)len, WOLFSSL_FILETYPE_ASN1);
    }
    /* The application narrowed trust to its own anchors, even if the
     * engine refused this one: the system store is never attached now, so
     * a refusal can only leave fewer anchors (fail closed), never more. */
    ctx->app_anchors = true;
    if (WOLF_OK(rc))
        return SSA_OK;
    ctx->anchors_refused++;
    return kind == ANCHORS_DER ? SSA_ERR_ARG : SSA_ERR_IO_FILE;
}

static ssa_status ctx_bring_anchors(ssa_ctx *ctx, anchor_kind kind, const void *src, size_t len)
{
    if (!src)
        return SSA_ERR_ARG;
    pthread_mutex_lock(&ctx->lock);
    ssa_status st = ctx_may_bring_anchors(ctx);
    if (st == SSA_OK)
        st = ctx_load_anchors(ctx, kind, src, len);
    pthread_mutex_unlock(&ctx->lock);
    return st;
}

ssa_status ssa_ctx_trust_file(ssa_ctx *ctx, const char *pem_path)
{
    return ctx_bring_anchors(ctx, ANCHORS_PEM_FILE, pem_path, 0);
}

ssa_status ssa_ctx_trust_dir(ssa_ctx *ctx, const char *dir)
{
    return ctx_bring_anchors(ctx, ANCHORS_DIR, dir, 0);
}

ssa_status ssa_ctx_trust_der(ssa_ctx *ctx, const unsigned char *der, size_t len)
{
    return ctx_bring_anchors(ctx, ANCHORS_DER, der, len);
}

void ssa_ctx_set_sni_hook(ssa_ctx *ctx, ssa_sni_hook hook, void *arg)
{
    ctx->sni_hook = hook;
    ctx->sni_arg = arg;
}

void ssa_ctx_set_alpn_hook(ssa_ctx *ctx, ssa_alpn_hook hook, void *arg)
{
    ctx->alpn_hook = hook;
    ctx->alpn_arg = arg;
}

void ssa_ctx_set_verify_hook(ssa_ctx *ctx, ssa_verify_hook hook, void *arg)
{
    ctx->verify_hook = hook;
    ctx->verify_arg = arg;
}

ssa_status ssa_ctx_set_keylog_hook(ssa_ctx *ctx, ssa_keylog_hook hook, void *arg)
{
    if (hook && !ctx->policy->keylog) {
        ssa_audit_event(ctx->policy, ctx->frontend, "refused: key logging (policy keylog = false)");
        return SSA_ERR_POLICY;
    }
    pthread_mutex_lock(&ctx->lock);
    bool frozen = ctx->frozen; /* installed at the freeze, so too late now */
    if (!frozen) {
        ctx->keylog_hook = hook;
        ctx->keylog_arg = arg;
    }
    pthread_mutex_unlock(&ctx->lock);
    return frozen ? SSA_ERR_STATE : SSA_OK;
}

static ssa_status ctx_load_default_server_cert(ssa_ctx *ctx)
{
    const ssa_policy *p = ctx->policy;
    if (ctx->role != SSA_ROLE_SERVER || ctx->have_cert || !p->server_certificate ||
        !p->server_private_key)
        return SSA_OK;
    return ctx_load_certificate_files(ctx, p->server_certificate, p->server_private_key);
}

static ssa_status ctx_attach_system_trust(ssa_ctx *ctx, char *err, size_t errlen)
{
    if (ctx->app_anchors || ctx->trust)
        return SSA_OK;
    ctx->trust = ssa_trust_acquire(ctx->policy->trust_store, err, errlen);
    /* A server that asks no client certificate can do without a store (a
     * connection that raises client_auth then fails verification, loudly). */
    if (!ctx->trust)
        return ctx->role == SSA_ROLE_SERVER && ctx->settings.client_auth == SSA_CLIENT_AUTH_NONE
                   ? SSA_OK
                   : SSA_ERR_IO_FILE;
    return ssa_trust_attach(ctx->trust, ctx->wctx);
}

static void ctx_audit_refused_anchors(const ssa_ctx *ctx)
{
    if (ctx->anchors_refused > 0)
        ssa_audit_event(ctx->policy, ctx->frontend,
                        "refused: %d application trust anchor(s) the engine cannot use; trust "
                        "stays with the application's other anchors, never the system store",
                        ctx->anchors_refused);
}

static ssa_status ctx_freeze_locked(ssa_ctx *ctx, char *err, size_t errlen)
{
    ctx_audit_refused_anchors(ctx);
    ssa_status st = ctx_load_default_server_cert(ctx);
    if (st != SSA_OK) {
        snprintf(err, errlen, "policy's server certificate %s or key %s cannot be used",
                 ctx->policy->server_certificate, ctx->policy->server_private_key);
        return st;
    }
    st = ctx_attach_system_trust(ctx, err, errlen);
    if (st != SSA_OK)
        return st;
    st = ssa_settings_apply_ctx(&ctx->settings, ctx->policy, ctx->role == SSA_ROLE_SERVER,
                                ctx->wctx, err, errlen);
    if (st != SSA_OK)
        return st;
    ssa_ctx_install_callbacks(ctx);
    ssa_ctx_install_extra(ctx);
    return SSA_OK;
}

ssa_status ssa_ctx_freeze(ssa_ctx *ctx, char *err, size_t errlen)
{
    ssa_status st = SSA_OK;
    pthread_mutex_lock(&ctx->lock);
    if (!ctx->frozen) {
        st = ctx_freeze_locked(ctx, err, errlen);
        if (st == SSA_OK)
            ctx->frozen = true;
        else
            ssa_audit_event(ctx->policy, ctx->frontend, "context unusable: %s", err);
    }
    pthread_mutex_unlock(&ctx->lock);
    return st;
}
