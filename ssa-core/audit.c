/*
 * The audit log: one structured line (key=value) per connection outcome and
 * per application request that policy clamped or refused, to syslog or to
 * the file policy names. A line is written with one write(2) on an
 * O_APPEND descriptor, so lines from concurrent processes do not interleave.
 */
#include "engine.h"

#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t audit_lock = PTHREAD_MUTEX_INITIALIZER;
static char audit_path[PATH_MAX];
static int audit_fd = -1;

static char exe_path[PATH_MAX];
static pthread_once_t exe_once = PTHREAD_ONCE_INIT;

static void read_exe(void)
{
    ssize_t n = readlink("/proc/self/exe", exe_path, sizeof exe_path - 1);
    exe_path[n > 0 ? n : 0] = '\0';
}

static const char *application_path(void)
{
    pthread_once(&exe_once, read_exe);
    return exe_path[0] ? exe_path : "unknown";
}

static int audit_file_fd(const char *path)
{
    if (audit_fd >= 0 && strcmp(audit_path, path) == 0)
        return audit_fd;
    if (audit_fd >= 0)
        close(audit_fd);
    audit_fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    snprintf(audit_path, sizeof audit_path, "%s", audit_fd >= 0 ? path : "");
    return audit_fd;
}

static void audit_emit(const ssa_policy *p, const char *line)
{
    const char *dest = p && p->audit ? p->audit : "syslog";
    if (strcmp(dest, "off") == 0)
        return;
    if (strcmp(dest, "syslog") == 0) {
        syslog(LOG_AUTHPRIV | LOG_NOTICE, "ssa: %s", line);
        return;
    }
    char stamped[8300];
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    int n = (int)strftime(stamped, sizeof stamped, "%Y-%m-%dT%H:%M:%SZ ", &tm);
    n += snprintf(stamped + n, sizeof stamped - (size_t)n, "%s\n", line);
    if (n > (int)sizeof stamped - 1)
        n = (int)sizeof stamped - 1;
    pthread_mutex_lock(&audit_lock);
    int fd = audit_file_fd(dest);
    if (fd >= 0 && write(fd, stamped, (size_t)n) != n)
        fputs("ssa: audit log write failed\n", stderr);
    pthread_mutex_unlock(&audit_lock);
}

/* Values are quoted when they hold spaces, so that lines stay parseable. */
static const char *q(const char *s, char *buf, size_t len)
{
    if (!s || !*s)
        return "-";
    if (!strpbrk(s, " \"="))
        return s;
    size_t o = 0;
    buf[o++] = '"';
    for (; *s && o + 3 < len; s++) {
        if (*s == '"')
            buf[o++] = '\\';
        buf[o++] = *s;
    }
    buf[o++] = '"';
    buf[o] = '\0';
    return buf;
}

void ssa_audit_event(const ssa_policy *p, const char *frontend, const char *fmt, ...)
{
    char what[512], qbuf[600], line[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(line, sizeof line, "app=%s pid=%d frontend=%s event=policy detail=%s",
             application_path(), (int)getpid(), frontend ? frontend : "-", q(what, qbuf, sizeof qbuf));
    audit_emit(p, line);
}

void ssa_audit_connection(ssa_conn *c, ssa_status outcome)
{
    char line[8192], q1[300], q2[600];
    const ssa_cipher_info *ci = ssa_conn_cipher(c);
    const char *peer = c->role == SSA_ROLE_CLIENT ? (c->hostname ? c->hostname : c->peer_address)
                                                        : c->peer_address;
    snprintf(line, sizeof line,
             "app=%s pid=%d frontend=%s event=connection role=%s peer=%s sni=%s version=%s "
             "cipher=%s verify=%s outcome=%s error=%s resumed=%s",
             application_path(), (int)getpid(), c->ctx->frontend,
             c->role == SSA_ROLE_CLIENT ? "client" : "server", peer ? peer : "-",
             c->role == SSA_ROLE_SERVER ? (c->sni ? c->sni : "-")
                                             : (c->hostname ? c->hostname : "-"),
             c->handshake_done ? ssa_version_name(ssa_conn_version(c)) : "-",
             ci ? ci->iana_name : "-",
             c->verify_enforced || c->verify_result != SSA_V_OK
                 ? q(ssa_verify_result_string(c->verify_result), q1, sizeof q1)
                 : "not-requested",
             outcome == SSA_OK ? "ok" : "refused", q(outcome == SSA_OK ? NULL : c->error, q2, sizeof q2),
             c->handshake_done && ssa_conn_resumed(c) ? "yes" : "no");
    audit_emit(c->ctx->policy, line);
}
