/*
 * The administrator's policy file (DESIGN.md section 4), parsed by libconfig.
 *
 * Implementation notes:
 * - Two spellings are accepted: ours (`default` group, `profiles` list,
 *   snake_case keys named after struct ssa_policy's fields) and the original
 *   SSA daemon's ssa.cfg (`Default`, `Profiles`, `MinProtocol`, ...). One
 *   table maps every key to the function that checks and stores it.
 * - Layers: built-in defaults, then the default section, then the profile
 *   for this executable. Every profile is checked in full, whichever program
 *   loads the file, so that a broken profile is reported by every program
 *   and not only by the one it names.
 * - Every error is "FILE:LINE: reason", with the line of the setting at
 *   fault, so that an administrator can go straight to it. Parsing stops at
 *   the first error: the caller then fails closed.
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <libconfig.h>

#include "policy_internal.h"

/* Enough for any cipher string: validation only needs the count. */
#define MAX_EVAL_IDS 512

struct loader {
    const char *path;
    const char *exe_path;
    char *err;
    size_t errlen;
    ssa_status status;          /* of the first failure */
    ssa_policy *matched;        /* the profile for exe_path, once found */
    bool matched_exactly;       /* by its own path, not via symlinks */
};

struct key;
typedef bool (*apply_fn)(struct loader *ld, const config_setting_t *s,
                         ssa_policy *p, const struct key *k);

struct key {
    const char *name;
    apply_fn apply;
    size_t offset;          /* the field it sets, if it sets exactly one */
    long long max;          /* integers: inclusive upper bound */
    const char *alias;      /* the same setting in the other spelling */
};

/* ------------------------------------------------------------------------
 * Errors
 * ---------------------------------------------------------------------- */

/* "FILE:LINE: ". FILE differs from ld->path only inside an @include'd
 * file, which libconfig names as the directive wrote it: relative to the
 * policy file's directory (see set_include_dir). */
static int print_location(char *buf, size_t len, const struct loader *ld, const char *file,
                          unsigned line)
{
    const char *slash = strrchr(ld->path, '/');
    if (!file)
        file = ld->path;
    if (file[0] == '/' || file == ld->path || !slash)
        return snprintf(buf, len, "%s:%u: ", file, line);
    return snprintf(buf, len, "%.*s/%s:%u: ", (int)(slash - ld->path), ld->path, file, line);
}

static bool fail(struct loader *ld, const config_setting_t *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool fail(struct loader *ld, const config_setting_t *s, const char *fmt, ...)
{
    ld->status = SSA_ERR_POLICY;
    if (!ld->err || ld->errlen == 0)
        return false;
    int used = print_location(ld->err, ld->errlen, ld, s ? config_setting_source_file(s) : NULL,
                              s ? config_setting_source_line(s) : 0u);
    if (used < 0 || (size_t)used >= ld->errlen)
        return false;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ld->err + used, ld->errlen - (size_t)used, fmt, ap);
    va_end(ap);
    return false;
}

static bool out_of_memory(struct loader *ld)
{
    ld->status = SSA_ERR_NOMEM;
    if (ld->err && ld->errlen)
        snprintf(ld->err, ld->errlen, "%s: out of memory", ld->path);
    return false;
}

static const char *name_of(const config_setting_t *s)
{
    const char *name = config_setting_name(s);
    return name ? name : "setting";
}

/* ------------------------------------------------------------------------
 * Typed access
 * ---------------------------------------------------------------------- */

static bool get_string(struct loader *ld, const config_setting_t *s, const char **out)
{
    if (config_setting_type(s) != CONFIG_TYPE_STRING)
        return fail(ld, s, "%s must be a string", name_of(s));
    *out = config_setting_get_string(s);
    return true;
}

static bool get_integer(struct loader *ld, const config_setting_t *s, long long max,
                        long long *out)
{
    int type = config_setting_type(s);
    if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64)
        return fail(ld, s, "%s must be an integer", name_of(s));
    *out = config_setting_get_int64(s);
    if (*out < 0)
        return fail(ld, s, "%s must not be negative (%lld)", name_of(s), *out);
    if (*out > max)
        return fail(ld, s, "%s %lld is above the maximum %lld", name_of(s), *out, max);
    return true;
}

static bool store_string(struct loader *ld, ssa_policy *p, size_t offset, const char *value)
{
    char **field = (char **)((char *)p + offset);
    return ssa_policy_set_string(field, value) || out_of_memory(ld);
}

static bool *bool_field(ssa_policy *p, size_t offset)
{
    return (bool *)((char *)p + offset);
}

/* ------------------------------------------------------------------------
 * Keys of our own schema
 * ---------------------------------------------------------------------- */

static bool apply_version(struct loader *ld, const config_setting_t *s, ssa_policy *p,
                          const struct key *k)
{
    const char *text = NULL;
    if (!get_string(ld, s, &text))
        return false;
    uint16_t version = ssa_version_parse(text);
    if (!version)
        return fail(ld, s, "%s \"%s\" is not one of 1.0, 1.1, 1.2, 1.3", name_of(s), text);
    *(uint16_t *)((char *)p + k->offset) = version;
    return true;
}

typedef ssa_status (*suite_parser)(const char *str, uint16_t *ids, size_t max,
                                   size_t *n, char *err, size_t errlen);

/* A list that must parse and select something; "" is allowed where
 * allow_empty (no suites for that protocol version at all). */
static bool check_list(struct loader *ld, const config_setting_t *s, const char *text,
                       suite_parser parse, bool allow_empty, const char *what)
{
    if (*text == '\0') {
        if (allow_empty)
            return true;
        return fail(ld, s, "%s must name at least one %s", name_of(s), what);
    }
    uint16_t ids[MAX_EVAL_IDS]; /* only the count matters */
    size_t n = 0;
    char why[256] = "";
    if (parse(text, ids, MAX_EVAL_IDS, &n, why, sizeof why) != SSA_OK)
        return fail(ld, s, "%s: %s", name_of(s), why); /* why quotes the text */
    if (n == 0)
        return fail(ld, s, "%s \"%s\" selects no %s", name_of(s), text, what);
    return true;
}

static bool apply_list(struct loader *ld, const config_setting_t *s, ssa_policy *p,
                       const struct key *k, suite_parser parse, bool allow_empty,
                       const char *what)
{
    const char *text = NULL;
    return get_string(ld, s, &text) && check_list(ld, s, text, parse, allow_empty, what)
        && store_string(ld, p, k->offset, text);
}

static bool apply_tls12_ciphers(struct loader *ld, const config_setting_t *s,
                                ssa_policy *p, const struct key *k)
{
    return apply_list(ld, s, p, k, ssa_cipher_string_eval, true, "cipher suite");
}

static bool apply_tls13_suites(struct loader *ld, const config_setting_t *s,
                               ssa_policy *p, const struct key *k)
{
    return apply_list(ld, s, p, k, ssa_ciphersuites_parse, true, "cipher suite");
}

static bool apply_groups(struct loader *ld, const config_setting_t *s, ssa_policy *p,
                         const struct key *k)
{
    return apply_list(ld, s, p, k, ssa_groups_parse, false, "group");
}

/* Any of OpenSSL's spellings, stored in the core's canonical form (so a
 * list of long names fits the engine). Every name must be one the engine
 * can do; the floor is applied once the layer is complete (check_layer),
 * since min_signature_hash may come later in the section. */
static bool apply_sigalgs(struct loader *ld, const config_setting_t *s, ssa_policy *p,
                          const struct key *k)
{
    const char *text = NULL;
    if (!get_string(ld, s, &text))
        return false;
    if (*text == '\0') /* every algorithm the core knows, above the floor */
        return store_string(ld, p, k->offset, NULL);
    char canon[256], why[384];
    if (ssa_sigalgs_translate(text, SSA_SIG_HASH_SHA1, false, canon, sizeof canon, why,
                              sizeof why) != SSA_OK)
        return fail(ld, s, "%s: %s", name_of(s), why);
    return store_string(ld, p, k->offset, canon);
}

/* The weakest hash a certificate or handshake signature may use. MD5 is
 * never allowed; SHA-1 only where the administrator writes it. */
static bool apply_signature_hash(struct loader *ld, const config_setting_t *s, ssa_policy *p,
                                 const struct key *k)
{
    const char *text = NULL;
    if (!get_string(ld, s, &text))
        return false;
    int hash = ssa_sig_hash_parse(text);
    if (!hash)
        return fail(ld, s, "%s \"%s\" is not one of sha1, sha256, sha384, sha512", name_of(s),
                    text);
    *(int *)((char *)p + k->offset) = hash;
    return true;
}

static bool apply_int(struct loader *ld, const config_setting_t *s, ssa_policy *p,
                      const struct key *k)
{
    long long value = 0; /* get_integer sets it on success; -O3 cannot see that */
    if (!get_integer(ld, s, k->max, &value))
        return false;
    *(int *)((char *)p + k->offset) = (int)value;
    return true;
}

static bool apply_lifetime(struct loader *ld, const config_setting_t *s, ssa_policy *p,
                           const struct key *k)
{
    long long value = 0; /* get_integer sets it on success; -O3 cannot see that */
    if (!get_integer(ld, s, k->max, &value))
        return false;
    *(long *)((char *)p + k->offset) = (long)value;
    return true;
}

static bool apply_bool(struct loader *ld, const config_setting_t *s, ssa_policy *p,
                       const struct key *k)
{
    if (config_setting_type(s) != CONFIG_TYPE_BOOL)
        return fail(ld, s, "%s must be true or false", name_of(s));
    *bool_field(p, k->offset) = config_setting_get_bool(s);
    return true;
}

static bool apply_client_auth(struct loader *ld, const config_setting_t *s, ssa_policy *p,
                              const struct key *k)
{
    static const char *const names[] = { "none", "optional", "require" };
    const char *text = NULL;
    if (!get_string(ld, s, &text))
        return false;
    for (int i = 0; i < 3; i++) {
        if (strcmp(text, names[i]) == 0) {
            *(ssa_client_auth *)((char *)p + k->offset) = (ssa_client_auth)i;
            return true;
        }
    }
    return fail(ld, s, "%s \"%s\" is not one of none, optional, require", name_of(s), text);
}

/* Paths are absolute: a relative one would depend on each program's
 * working directory. */
static bool apply_path(struct loader *ld, const config_setting_t *s, ssa_policy *p,
                       const struct key *k)
{
    const char *text = NULL;
    if (!get_string(ld, s, &text))
        return false;
    if (text[0] != '/')
        return fail(ld, s, "%s \"%s\" must be an absolute path", name_of(s), text);
    return store_string(ld, p, k->offset, text);
}

/* As apply_path, but "" means "none". */
static bool apply_optional_path(struct loader *ld, const config_setting_t *s,
                                ssa_policy *p, const struct key *k)
{
    const char *text = NULL;
    if (!get_string(ld, s, &text))
        return false;
    if (*text == '\0')
        return store_string(ld, p, k->offset, NULL);
    return apply_path(ld, s, p, k);
}

static bool apply_audit(struct loader *ld, const config_setting_t *s, ssa_policy *p,
                        const struct key *k)
{
    const char *text = NULL;
    if (!get_string(ld, s, &text))
        return false;
    if (strcmp(text, "syslog") != 0 && strcmp(text, "off") != 0 && text[0] != '/')
        return fail(ld, s, "%s \"%s\" must be \"syslog\", \"off\" or an absolute path",
                    name_of(s), text);
    return store_string(ld, p, k->offset, text);
}

/* ------------------------------------------------------------------------
 * Keys of the original SSA daemon's ssa.cfg
 * ---------------------------------------------------------------------- */

/* SessionCacheLocation and RandomSeed: the daemon's own machinery, which a
 * library has no use for. Accepted so that its example file loads. */
static bool apply_ignored(struct loader *ld, const config_setting_t *s, ssa_policy *p,
                          const struct key *k)
{
    (void)ld, (void)s, (void)p, (void)k;
    return true;
}

/* "On"/"Off", as the daemon spelled its switches. */
static bool get_on_off(struct loader *ld, const config_setting_t *s, bool *on)
{
    const char *text = NULL;
    if (!get_string(ld, s, &text))
        return false;
    if (strcasecmp(text, "On") == 0)
        *on = true;
    else if (strcasecmp(text, "Off") == 0)
        *on = false;
    else
        return fail(ld, s, "%s \"%s\" is not one of On, Off", name_of(s), text);
    return true;
}

/* Validation: "Normal" (or "On", or the daemon's "TrustBase", which
 * verified at least as much) checks the peer and its name; "Off" neither. */
static bool apply_validation(struct loader *ld, const config_setting_t *s, ssa_policy *p,
                             const struct key *k)
{
    (void)k;
    const char *text = NULL;
    if (!get_string(ld, s, &text))
        return false;
    bool on = strcasecmp(text, "Normal") == 0 || strcasecmp(text, "TrustBase") == 0
              || strcasecmp(text, "On") == 0;
    if (!on && strcasecmp(text, "Off") != 0)
        return fail(ld, s, "%s \"%s\" is not one of Normal, On, Off", name_of(s), text);
    p->verify_peer = on;
    p->verify_hostname = on;
    return true;
}

/* AppCustomValidation: whether certificates supplied by applications are
 * honoured, which is what app_trust_anchors says. */
static bool apply_app_custom_validation(struct loader *ld, const config_setting_t *s,
                                        ssa_policy *p, const struct key *k)
{
    bool on = false;
    if (!get_on_off(ld, s, &on))
        return false;
    *bool_field(p, k->offset) = on;
    return true;
}

static const struct {
    const char *name;
    size_t offset;
} extensions[] = {
    { "SNI", offsetof(ssa_policy, sni) },
    { "ALPN", offsetof(ssa_policy, alpn) },
    { "TICKET", offsetof(ssa_policy, session_tickets) },
};
#define N_EXTENSIONS (sizeof extensions / sizeof extensions[0])

/* Marks one named extension in `on`; false for a name we do not know. */
static bool mark_extension(const char *name, size_t len, bool on[N_EXTENSIONS])
{
    for (size_t i = 0; i < N_EXTENSIONS; i++) {
        if (strlen(extensions[i].name) == len && strncasecmp(name, extensions[i].name, len) == 0) {
            on[i] = true;
            return true;
        }
    }
    return false;
}

/* One word, or several separated by commas, spaces or colons. */
static bool mark_extension_words(struct loader *ld, const config_setting_t *s,
                                 const char *text, bool on[N_EXTENSIONS])
{
    static const char separators[] = ", \t:;|";
    for (const char *w = text + strspn(text, separators); *w; ) {
        size_t len = strcspn(w, separators);
        if (!mark_extension(w, len, on))
            return fail(ld, s, "Extensions: unknown extension \"%.*s\" (known: SNI, ALPN, TICKET)",
                        (int)len, w);
        w += len;
        w += strspn(w, separators);
    }
    return true;
}

static bool mark_extension_list(struct loader *ld, const config_setting_t *s,
                                bool on[N_EXTENSIONS])
{
    for (int i = 0; i < config_setting_length(s); i++) {
        const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
        if (config_setting_type(e) != CONFIG_TYPE_STRING)
            return fail(ld, e, "Extensions must hold strings such as \"SNI\"");
        if (!mark_extension_words(ld, e, config_setting_get_string(e), on))
            return false;
    }
    return true;
}

/* Extensions: ("SNI", "ALPN") or "SNI ALPN": those named are on, the rest
 * (of SNI, ALPN, TICKET) off. */
static bool apply_extensions(struct loader *ld, const config_setting_t *s, ssa_policy *p,
                             const struct key *k)
{
    (void)k;
    bool on[N_EXTENSIONS] = { false };
    int type = config_setting_type(s);
    bool ok;
    if (type == CONFIG_TYPE_STRING)
        ok = mark_extension_words(ld, s, config_setting_get_string(s), on);
    else if (type == CONFIG_TYPE_LIST || type == CONFIG_TYPE_ARRAY)
        ok = mark_extension_list(ld, s, on);
    else
        ok = fail(ld, s, "Extensions must be a list of strings such as (\"SNI\", \"ALPN\")");
    if (!ok)
        return false;
    for (size_t i = 0; i < N_EXTENSIONS; i++)
        *bool_field(p, extensions[i].offset) = on[i];
    return true;
}

/* ------------------------------------------------------------------------
 * The key table
 * ---------------------------------------------------------------------- */

#define F(field) offsetof(ssa_policy, field)

static const struct key section_keys[] = {
    { "min_protocol", apply_version, F(min_version), 0, "MinProtocol" },
    { "max_protocol", apply_version, F(max_version), 0, "MaxProtocol" },
    { "tls13_ciphersuites", apply_tls13_suites, F(tls13_ciphersuites), 0, NULL },
    { "tls12_ciphers", apply_tls12_ciphers, F(tls12_ciphers), 0, "CipherSuite" },
    { "groups", apply_groups, F(groups), 0, NULL },
    { "sigalgs", apply_sigalgs, F(sigalgs), 0, NULL },
    { "min_rsa_bits", apply_int, F(min_rsa_bits), 16384, NULL },
    { "min_ec_bits", apply_int, F(min_ec_bits), 571, NULL },
    { "min_signature_hash", apply_signature_hash, F(min_signature_hash), 0, NULL },
    { "trust_store", apply_path, F(trust_store), 0, "TrustStoreLocation" },
    { "app_trust_anchors", apply_bool, F(app_trust_anchors), 0, "AppCustomValidation" },
    { "verify_peer", apply_bool, F(verify_peer), 0, "Validation" },
    { "verify_hostname", apply_bool, F(verify_hostname), 0, NULL },
    { "verify_ip_fallback", apply_bool, F(verify_ip_fallback), 0, NULL },
    { "verify_depth", apply_int, F(verify_depth), 100, NULL },
    { "client_auth", apply_client_auth, F(client_auth), 0, NULL },
    { "session_cache", apply_bool, F(session_cache), 0, NULL },
    { "session_lifetime", apply_lifetime, F(session_lifetime), LONG_MAX, "SessionCacheTimeout" },
    { "session_tickets", apply_bool, F(session_tickets), 0, NULL },
    { "early_data", apply_bool, F(early_data), 0, NULL },
    { "alpn", apply_bool, F(alpn), 0, NULL },
    { "sni", apply_bool, F(sni), 0, NULL },
    { "server_certificate", apply_optional_path, F(server_certificate), 0, NULL },
    { "server_private_key", apply_optional_path, F(server_private_key), 0, NULL },
    { "audit", apply_audit, F(audit), 0, NULL },
    { "keylog", apply_bool, F(keylog), 0, NULL },
    { "allow_user_config", apply_bool, F(allow_user_config), 0, NULL },
    /* The original SSA daemon's spelling. */
    { "MinProtocol", apply_version, F(min_version), 0, "min_protocol" },
    { "MaxProtocol", apply_version, F(max_version), 0, "max_protocol" },
    { "CipherSuite", apply_tls12_ciphers, F(tls12_ciphers), 0, "tls12_ciphers" },
    { "TrustStoreLocation", apply_path, F(trust_store), 0, "trust_store" },
    { "SessionCacheTimeout", apply_lifetime, F(session_lifetime), LONG_MAX, "session_lifetime" },
    { "SessionCacheLocation", apply_ignored, 0, 0, NULL },
    { "Validation", apply_validation, 0, 0, "verify_peer" },
    { "AppCustomValidation", apply_app_custom_validation, F(app_trust_anchors), 0,
      "app_trust_anchors" },
    { "Extensions", apply_extensions, 0, 0, NULL },
    { "RandomSeed", apply_ignored, 0, 0, NULL },
};

#undef F

static const struct key *find_key(const struct key *table, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(table[i].name, name) == 0)
            return &table[i];
    return NULL;
}

static bool is_application_key(const char *name)
{
    return strcmp(name, "application") == 0 || strcmp(name, "Application") == 0;
}

/* ------------------------------------------------------------------------
 * Sections
 * ---------------------------------------------------------------------- */

/* The member named `name` or, failing that, `alias`. */
static config_setting_t *member(const config_setting_t *g, const char *name, const char *alias)
{
    config_setting_t *s = config_setting_get_member(g, name);
    if (!s && alias)
        s = config_setting_get_member(g, alias);
    return s;
}

/* Both spellings of one setting in one group: which wins would be a guess. */
static bool check_alias(struct loader *ld, const config_setting_t *g,
                        const config_setting_t *s, const struct key *k)
{
    const config_setting_t *other = k->alias ? config_setting_get_member(g, k->alias) : NULL;
    if (!other)
        return true;
    return fail(ld, s, "%s and %s (line %u) set the same thing; keep one", k->name,
                k->alias, config_setting_source_line(other));
}

static bool apply_setting(struct loader *ld, const config_setting_t *g,
                          const config_setting_t *s, ssa_policy *p, bool in_profile)
{
    const char *name = name_of(s);
    if (is_application_key(name)) {
        if (in_profile)
            return true; /* the profile's key, handled by its caller */
        return fail(ld, s, "%s is only valid inside a profile", name);
    }
    const struct key *k = find_key(section_keys, sizeof section_keys / sizeof section_keys[0],
                                   name);
    if (!k)
        return fail(ld, s, "unknown key \"%s\"", name);
    return check_alias(ld, g, s, k) && k->apply(ld, s, p, k);
}

static bool count_usable(const char *list, suite_parser parse, size_t *n)
{
    uint16_t ids[MAX_EVAL_IDS];
    char why[64];
    *n = 0;
    return !*list || parse(list, ids, MAX_EVAL_IDS, n, why, sizeof why) == SSA_OK;
}

/* After a layer: something of the sigalgs list is left above the floor.
 * The error points at whichever of the two keys this layer set. */
static bool check_sigalgs_floor(struct loader *ld, const config_setting_t *g,
                                const ssa_policy *p)
{
    char canon[256], why[384];
    if (!p->sigalgs || ssa_sigalgs_translate(p->sigalgs, p->min_signature_hash, false, canon,
                                             sizeof canon, why, sizeof why) == SSA_OK)
        return true;
    const config_setting_t *at = member(g, "sigalgs", NULL);
    if (!at)
        at = member(g, "min_signature_hash", NULL);
    return fail(ld, at ? at : g, "sigalgs: %s", why);
}

/* After a layer: the version range is not empty, the signature algorithms
 * are not all below the floor, and there are suites. */
static bool check_layer(struct loader *ld, const config_setting_t *g, const ssa_policy *p)
{
    if (p->min_version > p->max_version) {
        const config_setting_t *at = member(g, "min_protocol", "MinProtocol");
        if (!at)
            at = member(g, "max_protocol", "MaxProtocol");
        return fail(ld, at ? at : g, "min_protocol %s is above max_protocol %s",
                    ssa_version_name(p->min_version), ssa_version_name(p->max_version));
    }
    if (!check_sigalgs_floor(ld, g, p))
        return false;
    size_t n12 = 0, n13 = 0;
    if (p->min_version <= SSA_TLS1_2)
        count_usable(p->tls12_ciphers, ssa_cipher_string_eval, &n12);
    if (p->max_version >= SSA_TLS1_3)
        count_usable(p->tls13_ciphersuites, ssa_ciphersuites_parse, &n13);
    if (n12 + n13 == 0)
        return fail(ld, g, "no cipher suite left for %s to %s: the lists for those versions are empty",
                    ssa_version_name(p->min_version), ssa_version_name(p->max_version));
    return true;
}

static bool apply_section(struct loader *ld, const config_setting_t *g, ssa_policy *p,
                          bool in_profile)
{
    for (int i = 0; i < config_setting_length(g); i++)
        if (!apply_setting(ld, g, config_setting_get_elem(g, (unsigned)i), p, in_profile))
            return false;
    return check_layer(ld, g, p);
}

/* ------------------------------------------------------------------------
 * Profiles
 * ---------------------------------------------------------------------- */

/* The profile's application: present, a string, an absolute path. */
static bool profile_application(struct loader *ld, const config_setting_t *prof,
                                const char **app)
{
    static const struct key application_key = { "application", apply_ignored, 0, 0,
                                                "Application" };
    const config_setting_t *s = member(prof, "application", "Application");
    if (!s)
        return fail(ld, prof, "profile has no application (the program's absolute path)");
    /* member() prefers "application": only that one can have a twin. */
    if (strcmp(name_of(s), "application") == 0 && !check_alias(ld, prof, s, &application_key))
        return false;
    if (!get_string(ld, s, app))
        return false;
    if ((*app)[0] != '/')
        return fail(ld, s, "application \"%s\" must be an absolute path", *app);
    return true;
}

static bool check_not_duplicate(struct loader *ld, const config_setting_t *list, int upto,
                                const config_setting_t *prof, const char *app)
{
    for (int j = 0; j < upto; j++) {
        const config_setting_t *earlier = config_setting_get_elem(list, (unsigned)j);
        const config_setting_t *s = member(earlier, "application", "Application");
        if (strcmp(config_setting_get_string(s), app) == 0)
            return fail(ld, member(prof, "application", "Application"),
                        "duplicate profile for %s (first at line %u)", app,
                        config_setting_source_line(earlier));
    }
    return true;
}

/* 2: the profile names exe_path itself; 1: a symlink to it (the daemon's
 * example names /bin/ncat, which is /usr/bin/ncat on merged-/usr systems);
 * 0: another program. */
static int match_strength(const char *app, const char *exe_path)
{
    if (!exe_path)
        return 0;
    if (strcmp(app, exe_path) == 0)
        return 2;
    char resolved[PATH_MAX];
    return realpath(app, resolved) && strcmp(resolved, exe_path) == 0 ? 1 : 0;
}

/* Keeps the candidate if it is the best match so far; unrefs it otherwise. */
static bool consider_match(struct loader *ld, ssa_policy *candidate, const char *app)
{
    int strength = match_strength(app, ld->exe_path);
    bool better = strength == 2 ? !ld->matched_exactly : strength == 1 && !ld->matched;
    if (!better) {
        ssa_policy_unref(candidate);
        return true;
    }
    if (!ssa_policy_set_string(&candidate->application, app)) {
        ssa_policy_unref(candidate);
        return out_of_memory(ld);
    }
    ssa_policy_unref(ld->matched);
    ld->matched = candidate;
    ld->matched_exactly = strength == 2;
    return true;
}

static bool load_profile(struct loader *ld, const config_setting_t *list, int i,
                         const ssa_policy *base)
{
    const config_setting_t *prof = config_setting_get_elem(list, (unsigned)i);
    const char *app = NULL;
    if (!config_setting_is_group(prof))
        return fail(ld, prof, "each profile must be a group { application = \"...\"; ... }");
    if (!profile_application(ld, prof, &app) || !check_not_duplicate(ld, list, i, prof, app))
        return false;
    ssa_policy *candidate = ssa_policy_dup(base);
    if (!candidate)
        return out_of_memory(ld);
    if (!apply_section(ld, prof, candidate, true)) {
        ssa_policy_unref(candidate);
        return false;
    }
    return consider_match(ld, candidate, app);
}

static bool load_profiles(struct loader *ld, const config_setting_t *list,
                          const ssa_policy *base)
{
    if (!config_setting_is_list(list))
        return fail(ld, list, "%s must be a list of groups: ( { ... }, { ... } )",
                    name_of(list));
    for (int i = 0; i < config_setting_length(list); i++)
        if (!load_profile(ld, list, i, base))
            return false;
    return true;
}

/* ------------------------------------------------------------------------
 * The file
 * ---------------------------------------------------------------------- */

static const struct key top_keys[] = {
    { "default", apply_ignored, 0, 0, "Default" },
    { "profiles", apply_ignored, 0, 0, "Profiles" },
    { "Default", apply_ignored, 0, 0, "default" },
    { "Profiles", apply_ignored, 0, 0, "profiles" },
};

static bool check_top_level(struct loader *ld, const config_setting_t *root)
{
    for (int i = 0; i < config_setting_length(root); i++) {
        const config_setting_t *s = config_setting_get_elem(root, (unsigned)i);
        const struct key *k = find_key(top_keys, sizeof top_keys / sizeof top_keys[0],
                                       name_of(s));
        if (!k)
            return fail(ld, s, "unknown key \"%s\" (expected default and profiles)",
                        name_of(s));
        if (!check_alias(ld, root, s, k))
            return false;
    }
    return true;
}

/* Default section first and profiles second, whatever their order in the
 * file, since profiles are laid over the default. */
static bool load_root(struct loader *ld, const config_setting_t *root, ssa_policy *base)
{
    if (!check_top_level(ld, root))
        return false;
    const config_setting_t *dflt = member(root, "default", "Default");
    if (dflt && !config_setting_is_group(dflt))
        return fail(ld, dflt, "%s must be a group { ... }", name_of(dflt));
    if (dflt && !apply_section(ld, dflt, base, false))
        return false;
    const config_setting_t *profiles = member(root, "profiles", "Profiles");
    return !profiles || load_profiles(ld, profiles, base);
}

static ssa_status cannot_open(struct loader *ld, int error)
{
    if (ld->err && ld->errlen)
        snprintf(ld->err, ld->errlen, "%s: cannot open: %s", ld->path, strerror(error));
    return SSA_ERR_IO_FILE;
}

static ssa_status parse_error(struct loader *ld, const config_t *cfg)
{
    if (ld->err && ld->errlen) {
        int used = print_location(ld->err, ld->errlen, ld, config_error_file(cfg),
                                  (unsigned)config_error_line(cfg));
        if (used >= 0 && (size_t)used < ld->errlen)
            snprintf(ld->err + used, ld->errlen - (size_t)used, "%s", config_error_text(cfg));
    }
    return config_error_type(cfg) == CONFIG_ERR_FILE_IO ? SSA_ERR_IO_FILE : SSA_ERR_POLICY;
}

/* The defaults, marked as coming from this file. */
static ssa_policy *new_base(struct loader *ld, const struct stat *st)
{
    ssa_policy *base = ssa_policy_new_defaults();
    if (base && !ssa_policy_set_string(&base->source, ld->path)) {
        ssa_policy_unref(base);
        base = NULL;
    }
    if (base)
        base->loaded_mtime_ns_ = (long long)st->st_mtim.tv_sec * 1000000000LL
                                 + st->st_mtim.tv_nsec;
    return base;
}

/* Semantic pass over a parsed file; *out is the caller's on success. */
static ssa_status interpret(struct loader *ld, const config_t *cfg, const struct stat *st,
                            ssa_policy **out)
{
    ssa_policy *base = new_base(ld, st);
    if (!base) {
        out_of_memory(ld);
        return SSA_ERR_NOMEM;
    }
    if (!load_root(ld, config_root_setting(cfg), base)) {
        ssa_policy_unref(base);
        ssa_policy_unref(ld->matched);
        return ld->status;
    }
    if (ld->matched) {
        ssa_policy_unref(base);
        base = ld->matched;
    }
    *out = base;
    return SSA_OK;
}

/* "@include" directives are relative to the policy file's directory, not
 * to the working directory of whichever program loads it. */
static bool set_include_dir(config_t *cfg, const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return true;
    char *dir = strndup(path, slash == path ? 1 : (size_t)(slash - path));
    if (!dir)
        return false;
    config_set_include_dir(cfg, dir); /* libconfig keeps its own copy */
    free(dir);
    return true;
}

/* Read and interpret an open file; the descriptor is the one whose mtime
 * we record, so that the policy matches the bytes it came from. */
static ssa_status load_stream(struct loader *ld, FILE *f, ssa_policy **out)
{
    struct stat st;
    if (fstat(fileno(f), &st) != 0)
        return cannot_open(ld, errno);
    if (S_ISDIR(st.st_mode))
        return cannot_open(ld, EISDIR);
    config_t cfg;
    config_init(&cfg);
    ssa_status status;
    if (!set_include_dir(&cfg, ld->path))
        status = (out_of_memory(ld), SSA_ERR_NOMEM);
    else if (config_read(&cfg, f) != CONFIG_TRUE)
        status = parse_error(ld, &cfg);
    else
        status = interpret(ld, &cfg, &st, out);
    config_destroy(&cfg);
    return status;
}

ssa_status ssa_policy_load_file(const char *path, const char *exe_path, ssa_policy **out,
                                char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = '\0';
    if (!out)
        return SSA_ERR_ARG;
    *out = NULL;
    if (!path)
        return SSA_ERR_ARG;
    struct loader ld = { .path = path, .exe_path = exe_path, .err = err, .errlen = errlen,
                         .status = SSA_ERR_POLICY };
    FILE *f = fopen(path, "re");
    if (!f)
        return cannot_open(&ld, errno);
    ssa_status status = load_stream(&ld, f, out);
    fclose(f);
    return status;
}
