/*
 * libconfig, loaded privately (see libconfig_private.c): the functions the
 * policy parser calls, as pointers into the real libconfig. Include after
 * <libconfig.h>; the macros below route the parser's calls through them.
 */
#ifndef SSA_LIBCONFIG_PRIVATE_H
#define SSA_LIBCONFIG_PRIVATE_H

#include <libconfig.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct ssa_libconfig {
    __typeof__(&config_init) init;
    __typeof__(&config_destroy) destroy;
    __typeof__(&config_read) read;
    __typeof__(&config_set_include_dir) set_include_dir;
    __typeof__(&config_setting_get_bool) get_bool;
    __typeof__(&config_setting_get_int) get_int;
    __typeof__(&config_setting_get_int64) get_int64;
    __typeof__(&config_setting_get_string) get_string;
    __typeof__(&config_setting_get_elem) get_elem;
    __typeof__(&config_setting_get_member) get_member;
    __typeof__(&config_setting_length) length;
} ssa_libconfig;

/* The loaded library, or NULL with the reason in err. Loaded once. */
const ssa_libconfig *ssa_libconfig_get(char *err, size_t errlen);

#endif
