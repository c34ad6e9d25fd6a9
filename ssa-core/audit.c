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
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t audit_lock = PTHREAD_MUTEX_INITIALIZER;
static char audit_path[PATH_MAX];
static int audit_fd = -1;
static dev_t audit_dev;     /* what audit_fd was opened on: a daemon that */
static ino_t audit_ino;     /* closes every descriptor may reuse its number */

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

/* Is audit_fd still the file we opened? A daemon that closed all its
 * descriptors at start-up and opened its own may now hold that number:
 * then it is theirs, to forget (never to close or write). */
static bool audit_fd_is_ours(void)
{
    struct stat st;
    return audit_fd >= 0 && fstat(audit_fd, &st) == 0 && st.st_dev == audit_dev &&
           st.st_ino == audit_ino;
}

static int audit_open(const char *path)
{
    struct stat st;
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
    if (fd >= 0 && fstat(fd, &st) != 0) {
        close(fd);
        fd = -1;
    }
    audit_fd = fd;
    audit_dev = fd >= 0 ? st.st_dev : 0;
    audit_ino = fd >= 0 ? st.st_ino : 0;
    snprintf(audit_path, sizeof audit_path, "%s", fd >= 0 ? path : "");
    return fd;
}

/* Called with audit_lock held. */
static int audit_file_fd(const char *path)
{
    bool ours = audit_fd_is_ours();
    if (ours && strcmp(audit_path, path) == 0)
        return audit_fd;
    if (ours)
        close(audit_fd);
    return audit_open(path);
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
    if (n > (int)sizeof stamped - 1) { /* cut, but still one whole line */
        n = (int)sizeof stamped - 1;
        stamped[n - 1] = '\n';
    }
    pthread_mutex_lock(&audit_lock);
    int fd = audit_file_fd(dest);
    if (fd >= 0 && write(fd, stamped, (size_t)n) != n)
        fputs("ssa: audit log write failed\n", stderr);
    pthread_mutex_unlock(&audit_lock);
}

/* Bytes that may stand unquoted in a value: printable ASCII, less the
 * separators of the line's own syntax. */
static bool plain_byte(unsigned char b)
{
    return b > 0x20 && b < 0x7f && b != '"' && b != '=' && b != '\\';
}

/* A value as the line shows it. Peers and applications choose SNI names,
 * hostnames, cipher strings and error texts: any byte outside printable
 * ASCII, and the quote and backslash, become \xHH or \" or \\, so that no
 * value can end a line or forge a key. Values with spaces are quoted. */
static const char *q(const char *s, char *buf, size_t len)
{
    if (!s || !*s)
        return "-";
    bool plain = true;
    for (const unsigned char *b = (const unsigned char *)s; *b && plain; b++)
        plain = plain_byte(*b);
    if (plain)
        return s;
    size_t o = 0;
    buf[o++] = '"';
    for (const unsigned char *b = (const unsigned char *)s; *b && o + 6 < len; b++) {
        if (*b == '"' || *b == '\\') {
            buf[o++] = '\\';
            buf[o++] = (char)*b;
        } else if (*b < 0x20 || *b >= 0x7f) {
            o += (size_t)snprintf(buf + o, len - o, "\\x%02x", *b);
        } else {
            buf[o++] = (char)*b;
        }
    }
    buf[o++] = '"';
    buf[o] = '\0';
    return buf;
}

/* Room for a value of n bytes once escaped (4 per byte, quotes, NUL);
 * longer values are cut, still quoted. */
#define ESCAPED(n) (4 * (n) + 3)

void ssa_audit_event(const ssa_policy *p, const char *frontend, const char *fmt, ...)
{
    char what[512], q_what[ESCAPED(512)], q_app[ESCAPED(256)], q_fe[ESCAPED(32)];
    char line[ESCAPED(512) + ESCAPED(256) + 128];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(line, sizeof line, "app=%s pid=%d frontend=%s event=policy detail=%s",
             q(application_path(), q_app, sizeof q_app), (int)getpid(),
             q(frontend, q_fe, sizeof q_fe), q(what, q_what, sizeof q_what));
    audit_emit(p, line);
}

static const char *connection_peer(const ssa_conn *c)
{
    if (c->role == SSA_ROLE_CLIENT && c->hostname)
        return c->hostname;
    return c->peer_address;
}

static const char *connection_sni(const ssa_conn *c)
{
    return c->role == SSA_ROLE_SERVER ? c->sni : c->hostname;
}

static const char *connection_verify(const ssa_conn *c, char *buf, size_t len)
{
    if (!c->verify_enforced && c->verify_result == SSA_V_OK)
        return "not-requested";
    return q(ssa_verify_result_string(c->verify_result), buf, len);
}

void ssa_audit_connection(ssa_conn *c, ssa_status outcome)
{
    char q_app[ESCAPED(256)], q_fe[ESCAPED(32)], q_peer[ESCAPED(256)], q_sni[ESCAPED(256)];
    char q_verify[ESCAPED(64)], q_error[ESCAPED(256)];
    char line[sizeof q_app + sizeof q_fe + sizeof q_peer + sizeof q_sni + sizeof q_verify +
              sizeof q_error + 256];
    const ssa_cipher_info *ci = ssa_conn_cipher(c);
    snprintf(line, sizeof line,
             "app=%s pid=%d frontend=%s event=connection role=%s peer=%s sni=%s version=%s "
             "cipher=%s verify=%s outcome=%s error=%s resumed=%s",
             q(application_path(), q_app, sizeof q_app), (int)getpid(),
             q(c->ctx->frontend, q_fe, sizeof q_fe),
             c->role == SSA_ROLE_CLIENT ? "client" : "server",
             q(connection_peer(c), q_peer, sizeof q_peer),
             q(connection_sni(c), q_sni, sizeof q_sni),
             c->handshake_done ? ssa_version_name(ssa_conn_version(c)) : "-",
             ci ? ci->iana_name : "-", connection_verify(c, q_verify, sizeof q_verify),
             outcome == SSA_OK ? "ok" : "refused",
             q(outcome == SSA_OK ? NULL : c->error, q_error, sizeof q_error),
             c->handshake_done && ssa_conn_resumed(c) ? "yes" : "no");
    audit_emit(c->ctx->policy, line);
}
