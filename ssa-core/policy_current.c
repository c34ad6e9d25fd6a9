/*
 * The process's current policy: which file, cached, re-read on change.
 *
 * Implementation notes:
 * - Two cache entries: the administrator's file, which is always consulted
 *   because it decides whether SSA_CONF may be used (allow_user_config),
 *   and the SSA_CONF file when it is allowed.
 * - An entry is identified by its path and the file's device, inode, size
 *   and mtime (ns); one stat() per call decides whether to re-read, so that
 *   policy changes reach contexts created later without a restart.
 * - A broken file yields strict built-in defaults (fail closed), reported
 *   once per (path, mtime). The report is made after the lock is released:
 *   the audit log may want the current policy itself.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <unistd.h>

#include "policy_internal.h"

#define ERR_MAX 512

struct file_id {
    bool exists;
    int error;              /* why stat() failed, other than plain absence */
    dev_t dev;
    ino_t ino;
    off_t size;
    long long mtime_ns;
};

struct cache_entry {
    char *path;
    struct file_id id;
    ssa_policy *policy;
    bool loaded_ok;         /* false: policy holds the fallback defaults */
};

/* What went wrong while refreshing, to report outside the lock. */
struct report {
    bool pending;
    char error[ERR_MAX];
    ssa_policy *defaults;   /* the audit log's policy for the report */
};

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;
static struct cache_entry admin_entry, user_entry;
static char *admin_path_override; /* tests only */
/* The last broken file reported; kept across cache resets so that one
 * broken file is reported once however often it is re-read. */
static char *reported_path;
static long long reported_mtime_ns;

/* Only ENOENT means "no file", and not even that for a symbolic link that
 * points nowhere: the administrator put something there. EACCES (a mode-0700
 * /etc/ssa seen by an ordinary program), ELOOP, ENOTDIR and the rest are
 * failures, never an absence that would let SSA_CONF or the built-in
 * defaults replace the administrator's file. */
static int absence_or_error(const char *path, int stat_errno)
{
    struct stat link;
    if (stat_errno != ENOENT)
        return stat_errno;
    return lstat(path, &link) == 0 ? ENOENT : 0;
}

static struct file_id stat_id(const char *path)
{
    struct file_id id = { 0 };
    struct stat st;
    if (stat(path, &st) != 0) {
        id.error = absence_or_error(path, errno);
        return id;
    }
    id.exists = true;
    id.dev = st.st_dev;
    id.ino = st.st_ino;
    id.size = st.st_size;
    id.mtime_ns = (long long)st.st_mtim.tv_sec * 1000000000LL + st.st_mtim.tv_nsec;
    return id;
}

static bool same_id(const struct file_id *a, const struct file_id *b)
{
    return a->exists == b->exists && a->error == b->error && a->dev == b->dev && a->ino == b->ino
        && a->size == b->size && a->mtime_ns == b->mtime_ns;
}

static void entry_clear(struct cache_entry *e)
{
    free(e->path);
    ssa_policy_unref(e->policy);
    memset(e, 0, sizeof *e);
}

static bool entry_is_fresh(const struct cache_entry *e, const char *path,
                           const struct file_id *id)
{
    return e->policy && e->path && strcmp(e->path, path) == 0 && same_id(&e->id, id);
}

/* The executable's absolute path, read once: it cannot change without an
 * exec, which starts a new process image. */
static const char *self_exe(void)
{
    static char exe[PATH_MAX];
    static bool known;
    if (!known) {
        ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
        exe[n > 0 ? n : 0] = '\0';
        known = true;
    }
    return exe[0] ? exe : NULL;
}

/* Defaults whose source names the file that was refused. */
static ssa_policy *defaults_instead_of(const char *path)
{
    ssa_policy *p = ssa_policy_new_defaults();
    if (!p)
        return NULL;
    size_t len = strlen(path) + sizeof "built-in defaults ( rejected)";
    char *source = malloc(len);
    if (source) {
        snprintf(source, len, "built-in defaults (%s rejected)", path);
        free(p->source);
        p->source = source;
    }
    return p;
}

static void note_rejection(const char *path, const struct file_id *id, const char *error,
                           ssa_policy *defaults, struct report *r)
{
    if (reported_path && strcmp(reported_path, path) == 0 && reported_mtime_ns == id->mtime_ns)
        return;
    free(reported_path);
    reported_path = strdup(path);
    reported_mtime_ns = id->mtime_ns;
    r->pending = true;
    snprintf(r->error, sizeof r->error, "%s", error);
    r->defaults = ssa_policy_ref(defaults);
}

/* The fallback defaults in place of a refused file, reported once. */
static void entry_reject(struct cache_entry *e, const char *path, const struct file_id *id,
                         const char *error, struct report *r)
{
    e->loaded_ok = false;
    e->policy = defaults_instead_of(path);
    if (e->policy)
        note_rejection(path, id, error, e->policy, r);
}

/* Loads path into e, or the fallback defaults when the file is refused. */
static void entry_load(struct cache_entry *e, const char *path, const struct file_id *id,
                       struct report *r)
{
    char error[ERR_MAX];
    ssa_policy *p = NULL;
    if (ssa_policy_load_file(path, self_exe(), &p, error, sizeof error) != SSA_OK) {
        entry_reject(e, path, id, error, r);
        return;
    }
    e->loaded_ok = true;
    e->policy = p;
}

/* A path stat() refused (id->error): as a file that does not parse. */
static void entry_unreadable(struct cache_entry *e, const char *path, const struct file_id *id,
                             struct report *r)
{
    char error[ERR_MAX];
    snprintf(error, sizeof error, "%s: cannot be read: %s%s", path, strerror(id->error),
             id->error == ENOENT ? " (a symbolic link to nothing)" : "");
    entry_reject(e, path, id, error, r);
}

/* Brings e up to date with the file at path; a missing file gives the
 * plain built-in defaults when that is allowed (the administrator's file). */
static void entry_refresh(struct cache_entry *e, const char *path, const struct file_id *id,
                          bool missing_means_defaults, struct report *r)
{
    if (entry_is_fresh(e, path, id))
        return;
    entry_clear(e);
    e->path = strdup(path);
    e->id = *id;
    if (id->error) {
        entry_unreadable(e, path, id, r);
    } else if (!id->exists && missing_means_defaults) {
        e->policy = ssa_policy_new_defaults();
        e->loaded_ok = true;
    } else {
        entry_load(e, path, id, r);
    }
    if (!e->path || !e->policy)
        entry_clear(e); /* out of memory: try again next time */
}

/* SSA_CONF, unless this process runs with privileges it did not start
 * with (setuid, setgid, file capabilities): then the environment belongs
 * to a less trusted user. */
static const char *user_conf_path(void)
{
    if (getauxval(AT_SECURE) != 0)
        return NULL;
    const char *path = getenv("SSA_CONF");
    return path && *path ? path : NULL;
}

static bool admin_allows_user_config(const struct file_id *admin_id)
{
    if (!admin_id->exists && !admin_id->error)
        return true;
    return admin_entry.loaded_ok && admin_entry.policy->allow_user_config;
}

/* Under cache_lock: the policy to hand out (borrowed), or NULL when out
 * of memory. */
static ssa_policy *current_locked(struct report *r)
{
    const char *admin_path = admin_path_override ? admin_path_override : SSA_POLICY_DEFAULT_PATH;
    struct file_id admin_id = stat_id(admin_path);
    entry_refresh(&admin_entry, admin_path, &admin_id, true, r);
    if (!admin_entry.policy)
        return NULL;
    const char *user_path = user_conf_path();
    if (!user_path || !admin_allows_user_config(&admin_id))
        return admin_entry.policy;
    struct file_id user_id = stat_id(user_path);
    entry_refresh(&user_entry, user_path, &user_id, false, r);
    return user_entry.policy;
}

static void emit_report(struct report *r)
{
    if (!r->pending)
        return;
    fprintf(stderr, "ssa: policy error: %s\n", r->error);
    ssa_audit_event(r->defaults, "policy",
                    "policy file rejected: %s; using strict built-in defaults", r->error);
    ssa_policy_unref(r->defaults);
}

/* Out of memory even for the defaults: hand out a static copy, since the
 * contract is "never NULL". Its count starts so high that unrefs never
 * reach zero, so nobody frees what was never allocated. */
static ssa_policy *last_resort_defaults(void)
{
    static ssa_policy fallback = {
        .source = "built-in defaults (out of memory)",
        .min_version = SSA_TLS1_2,
        .max_version = SSA_TLS1_3,
        .tls13_ciphersuites = "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384",
        .tls12_ciphers = "ECDHE+AESGCM",
        .groups = "X25519:P-256:P-384",
        .min_rsa_bits = 2048,
        .min_ec_bits = 256,
        .min_signature_hash = SSA_SIG_HASH_SHA256,
        .trust_store = "/etc/ssl/certs/ca-certificates.crt",
        .verify_peer = true,
        .verify_hostname = true,
        .verify_ip_fallback = true,
        .verify_depth = 10,
        .session_lifetime = 7200,
        .audit = "syslog",
        .refs_ = 1 << 30,
    };
    return ssa_policy_ref(&fallback);
}

ssa_policy *ssa_policy_current(void)
{
    struct report r = { .pending = false };
    pthread_mutex_lock(&cache_lock);
    ssa_policy *p = ssa_policy_ref(current_locked(&r));
    pthread_mutex_unlock(&cache_lock);
    emit_report(&r);
    return p ? p : last_resort_defaults();
}

void ssa_policy_reset_cache(void)
{
    pthread_mutex_lock(&cache_lock);
    entry_clear(&admin_entry);
    entry_clear(&user_entry);
    pthread_mutex_unlock(&cache_lock);
}

void ssa_policy_set_admin_path(const char *path)
{
    pthread_mutex_lock(&cache_lock);
    free(admin_path_override);
    admin_path_override = path ? strdup(path) : NULL;
    entry_clear(&admin_entry);
    entry_clear(&user_entry);
    pthread_mutex_unlock(&cache_lock);
}
