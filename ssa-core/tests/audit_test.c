/*
 * Tests for audit.c: every byte a peer or an application controls stays
 * inside its value (no forged lines or keys), and the audit file's
 * descriptor is never one the program has since reused for its own file.
 */
#define _GNU_SOURCE

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ssa/core.h"
#include "ssa_test.h"

static const char *audit_log;

static ssa_policy *audit_policy(void)
{
    static char text[1024];
    audit_log = test_write_temp(".log", "");
    snprintf(text, sizeof text, "default: { audit = \"%s\"; };\n", audit_log);
    test_use_policy(text);
    return ssa_policy_current();
}

static int count_lines(const char *text)
{
    int n = 0;
    for (; *text; text++)
        n += *text == '\n';
    return n;
}

/* Each of the 255 non-NUL byte values inside a detail: one line per event,
 * nothing but printable ASCII on it, one "event=" key. */
START_TEST(every_byte_value_stays_in_its_value)
{
    ssa_policy *p = audit_policy();
    for (int b = 1; b < 256; b++) {
        char value[4] = { 'x', (char)b, 'y', '\0' };
        ssa_audit_event(p, "test", "sni=%s", value);
    }
    char *log = test_slurp(audit_log);
    ck_assert_int_eq(count_lines(log), 255);
    for (const unsigned char *c = (const unsigned char *)log; *c; c++)
        ck_assert_msg(*c == '\n' || (*c >= 0x20 && *c < 0x7f), "raw byte 0x%02x in the log", *c);
    int events = 0;
    for (const char *s = log; (s = strstr(s, "event=")); s++)
        events++;
    ck_assert_int_eq(events, 255);
    ck_assert_ptr_nonnull(strstr(log, "detail=\"sni=x\\x0ay\"\n"));
    ck_assert_ptr_nonnull(strstr(log, "detail=\"sni=x\\\"y\"\n"));
    ck_assert_ptr_nonnull(strstr(log, "detail=\"sni=x\\\\y\"\n"));
    ck_assert_ptr_nonnull(strstr(log, "detail=\"sni=x\\xffy\"\n"));
    free(log);
    ssa_policy_unref(p);
}
END_TEST

/* The descriptor of path in this process, or -1. */
static int fd_of(const char *path)
{
    char real[PATH_MAX];
    ck_assert_ptr_nonnull(realpath(path, real));
    DIR *d = opendir("/proc/self/fd");
    ck_assert_ptr_nonnull(d);
    int found = -1;
    for (struct dirent *e; found < 0 && (e = readdir(d));) {
        char link[300], target[PATH_MAX];
        snprintf(link, sizeof link, "/proc/self/fd/%s", e->d_name);
        ssize_t n = readlink(link, target, sizeof target - 1);
        if (n > 0 && (target[n] = '\0', strcmp(target, real) == 0))
            found = atoi(e->d_name);
    }
    closedir(d);
    return found;
}

/* A daemon closes every descriptor at start-up and opens its own file,
 * which gets the audit descriptor's number: the next audit line goes to
 * the audit file, and the daemon's file stays untouched. */
START_TEST(reused_descriptor_is_not_written)
{
    ssa_policy *p = audit_policy();
    ssa_audit_event(p, "test", "first");
    int fd = fd_of(audit_log);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_ne(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);

    const char *daemons = test_write_temp(".data", "");
    int own = open(daemons, O_WRONLY);
    ck_assert_int_ge(own, 0);
    ck_assert_int_eq(dup2(own, fd), fd); /* closes the audit descriptor */
    close(own);

    ssa_audit_event(p, "test", "second");
    char *theirs = test_slurp(daemons);
    ck_assert_str_eq(theirs, "");
    char *log = test_slurp(audit_log);
    ck_assert_int_eq(count_lines(log), 2);
    ck_assert_ptr_nonnull(strstr(log, "detail=second"));
    free(theirs);
    free(log);
    close(fd);
    ssa_policy_unref(p);
}
END_TEST

static Suite *audit_suite(void)
{
    Suite *s = suite_create("audit");
    TCase *tc = tcase_create("lines");
    tcase_add_test(tc, every_byte_value_stays_in_its_value);
    tcase_add_test(tc, reused_descriptor_is_not_written);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return test_run_suite(audit_suite());
}
