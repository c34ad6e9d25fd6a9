/*
 * The policy file's parser, libconfig, loaded with dlopen(RTLD_DEEPBIND)
 * instead of linked.
 *
 * Why: the core lives inside applications (as libssl.so.3 under
 * LD_LIBRARY_PATH), and some export functions with libconfig's names:
 * lighttpd has its own config_init and config_read. A linked libconfig
 * would have both our calls and libconfig's calls to itself bound to the
 * application's functions (the executable comes first in the global
 * lookup), and crash. Loaded with RTLD_LOCAL | RTLD_DEEPBIND, libconfig
 * binds to itself first, and we call it through these pointers only.
 * AddressSanitizer refuses RTLD_DEEPBIND, so the sanitizer build loads it
 * into a link-map namespace of its own (dlmopen), where it cannot see the
 * application's symbols either.
 */
#define _GNU_SOURCE /* dlmopen, RTLD_DEEPBIND */
#include "libconfig_private.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>

#ifndef SSA_LIBCONFIG_SONAME
#define SSA_LIBCONFIG_SONAME "libconfig.so.9"
#endif

static void *open_private(void)
{
#if defined(__SANITIZE_ADDRESS__)
    return dlmopen(LM_ID_NEWLM, SSA_LIBCONFIG_SONAME, RTLD_NOW | RTLD_LOCAL);
#else
    return dlopen(SSA_LIBCONFIG_SONAME, RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
#endif
}

static ssa_libconfig lc;
static bool lc_ok;
static char lc_err[256];
static pthread_once_t lc_once = PTHREAD_ONCE_INIT;

#define RESOLVE(field, name)                                                  \
    do {                                                                      \
        if (!(*(void **)&lc.field = dlsym(h, name))) {                        \
            snprintf(lc_err, sizeof lc_err, "%s: no symbol %s",               \
                     SSA_LIBCONFIG_SONAME, name);                             \
            return;                                                           \
        }                                                                     \
    } while (0)

static void load(void)
{
    void *h = open_private();
    if (!h) {
        const char *why = dlerror();
        snprintf(lc_err, sizeof lc_err, "cannot load %s: %s", SSA_LIBCONFIG_SONAME,
                 why ? why : "unknown error");
        return;
    }
    RESOLVE(init, "config_init");
    RESOLVE(destroy, "config_destroy");
    RESOLVE(read, "config_read");
    RESOLVE(set_include_dir, "config_set_include_dir");
    RESOLVE(get_bool, "config_setting_get_bool");
    RESOLVE(get_int, "config_setting_get_int");
    RESOLVE(get_int64, "config_setting_get_int64");
    RESOLVE(get_string, "config_setting_get_string");
    RESOLVE(get_elem, "config_setting_get_elem");
    RESOLVE(get_member, "config_setting_get_member");
    RESOLVE(length, "config_setting_length");
    lc_ok = true; /* the handle stays open for the life of the process */
}

const ssa_libconfig *ssa_libconfig_get(char *err, size_t errlen)
{
    pthread_once(&lc_once, load);
    if (!lc_ok && err)
        snprintf(err, errlen, "%s", lc_err);
    return lc_ok ? &lc : NULL;
}
