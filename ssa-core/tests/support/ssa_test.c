/*
 * Shared helpers for the core's Check tests (see ssa_test.h).
 *
 * Temporary files live in one mkdtemp directory per test program, created by
 * the first helper that needs it (test_run_suite creates it before Check forks
 * so that every test child shares it) and removed at exit by the process that
 * created it, never by a forked child.
 *
 * The PKI is generated once per test program into "<tmp>/pki": the first test
 * child that asks generates it under an flock, later children reuse it.
 */
#define _GNU_SOURCE

#include "ssa_test.h"

#if defined(__has_include)
#if __has_include("policy_internal.h")
#include "policy_internal.h"
#define SSA_TEST_HAVE_POLICY_INTERNAL 1
#endif
#endif
#ifndef SSA_TEST_HAVE_POLICY_INTERNAL
void ssa_policy_reset_cache(void);
#endif

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef SSA_TEST_PKI_SCRIPT
#error "SSA_TEST_PKI_SCRIPT must name tests/pki/make-pki.sh (CMake defines it)"
#endif

#define RING_SIZE 16

/* ------------------------------------------------------------------ */
/* Failure reporting                                                   */

/* Print the reason (also useful outside a running test) and fail the test. */
__attribute__((format(printf, 1, 2), noreturn)) static void
test_fail(const char *fmt, ...)
{
    char msg[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "ssa_test: %s\n", msg);
    ck_abort_msg("%s", msg);
    abort(); /* not reached: ck_abort_msg does not return */
}

static void
msleep(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

/* ------------------------------------------------------------------ */
/* Per-process temporary directory                                     */

static char tmp_root[PATH_MAX];
static pid_t tmp_owner;

static int
remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

static void
remove_tmp_root(void)
{
    if (tmp_root[0] != '\0' && getpid() == tmp_owner)
        nftw(tmp_root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static const char *
tmp_dir(void)
{
    if (tmp_root[0] != '\0')
        return tmp_root;

    const char *base = getenv("TMPDIR");
    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    int n = snprintf(tmp_root, sizeof tmp_root, "%s/ssa-test-%s.XXXXXX", base,
                     program_invocation_short_name);
    if (n < 0 || (size_t)n >= sizeof tmp_root) {
        tmp_root[0] = '\0';
        test_fail("temporary directory name too long under %s", base);
    }
    if (mkdtemp(tmp_root) == NULL) {
        int e = errno;
        char tmpl[PATH_MAX];
        snprintf(tmpl, sizeof tmpl, "%s", tmp_root);
        tmp_root[0] = '\0';
        test_fail("mkdtemp(%s): %s", tmpl, strerror(e));
    }
    tmp_owner = getpid();
    atexit(remove_tmp_root);
    return tmp_root;
}

/* A fresh, empty file "<tmp>/<prefix>XXXXXX<suffix>"; its path is written to
 * out and an open descriptor returned. */
static int
make_temp_file(char *out, size_t outlen, const char *prefix, const char *suffix)
{
    if (suffix == NULL)
        suffix = "";
    int n = snprintf(out, outlen, "%s/%sXXXXXX%s", tmp_dir(), prefix, suffix);
    if (n < 0 || (size_t)n >= outlen)
        test_fail("temporary file name too long (suffix \"%s\")", suffix);
    int fd = mkostemps(out, (int)strlen(suffix), O_CLOEXEC);
    if (fd < 0)
        test_fail("mkstemps(%s): %s", out, strerror(errno));
    return fd;
}

static void
write_all(int fd, const char *path, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t w = write(fd, data, len);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            test_fail("write(%s): %s", path, strerror(errno));
        data += w;
        len -= (size_t)w;
    }
}

/* ------------------------------------------------------------------ */
/* The test PKI                                                        */

static char pki_path[PATH_MAX];
static char pki_ring[RING_SIZE][PATH_MAX];
static atomic_uint pki_ring_next;

/* out = "<dir>/<name>", failing the test if it does not fit. */
static void
path_join(char *out, size_t outlen, const char *dir, const char *name)
{
    int n = snprintf(out, outlen, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= outlen)
        test_fail("path too long: %s/%s", dir, name);
}

static bool
file_exists(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0;
}

/* Run the generator script into dir; true when it succeeded. Its own output
 * (quiet on success, the failing step otherwise) goes to our stderr. */
static bool
run_pki_script(const char *dir)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        test_fail("fork: %s", strerror(errno));
    if (pid == 0) {
        int out = open("/dev/null", O_WRONLY);
        if (out >= 0)
            dup2(out, STDOUT_FILENO);
        execlp("bash", "bash", SSA_TEST_PKI_SCRIPT, dir, (char *)NULL);
        fprintf(stderr, "ssa_test: exec bash %s: %s\n", SSA_TEST_PKI_SCRIPT, strerror(errno));
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            test_fail("waitpid: %s", strerror(errno));
    }
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

const char *
test_pki_dir(void)
{
    char dir[PATH_MAX], done[PATH_MAX], lock[PATH_MAX];

    if (pki_path[0] != '\0')
        return pki_path;

    const char *root = tmp_dir();
    path_join(dir, sizeof dir, root, "pki");
    path_join(done, sizeof done, dir, ".complete");
    path_join(lock, sizeof lock, root, "pki.lock");

    /* Test children of one program share the directory: one generates. */
    int lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lfd < 0)
        test_fail("open(%s): %s", lock, strerror(errno));
    while (flock(lfd, LOCK_EX) < 0) {
        if (errno != EINTR)
            test_fail("flock(%s): %s", lock, strerror(errno));
    }
    if (!file_exists(done)) {
        /* A generator killed half-way (test timeout) leaves debris. */
        nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
        if (!run_pki_script(dir)) {
            close(lfd);
            test_fail("generating the test PKI with %s into %s failed (its output is above)",
                      SSA_TEST_PKI_SCRIPT, dir);
        }
        int fd = open(done, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) {
            close(lfd);
            test_fail("open(%s): %s", done, strerror(errno));
        }
        close(fd);
    }
    close(lfd); /* releases the lock */

    memcpy(pki_path, dir, sizeof pki_path);
    return pki_path;
}

const char *
test_pki(const char *name)
{
    const char *dir = test_pki_dir();
    char *buf = pki_ring[atomic_fetch_add(&pki_ring_next, 1) % RING_SIZE];
    path_join(buf, PATH_MAX, dir, name);
    return buf;
}

/* ------------------------------------------------------------------ */
/* Temporary files and policy                                          */

static char temp_ring[RING_SIZE][PATH_MAX];
static atomic_uint temp_ring_next;

const char *
test_write_temp(const char *suffix, const char *text)
{
    char *buf = temp_ring[atomic_fetch_add(&temp_ring_next, 1) % RING_SIZE];
    int fd = make_temp_file(buf, PATH_MAX, "tmp-", suffix);
    if (text != NULL)
        write_all(fd, buf, text, strlen(text));
    if (close(fd) < 0)
        test_fail("close(%s): %s", buf, strerror(errno));
    return buf;
}

void
test_use_policy(const char *text)
{
    const char *path = test_write_temp(".conf", text);
    if (setenv("SSA_CONF", path, 1) != 0)
        test_fail("setenv(SSA_CONF): %s", strerror(errno));
    ssa_policy_reset_cache();
}

/* ------------------------------------------------------------------ */
/* Processes and sockets                                               */

/* Children started by test_spawn: their stdin is a pipe that we hold open
 * until test_stop, so that a server such as `openssl s_server` sees an idle
 * terminal rather than end of input (on which it quits). Log paths are kept
 * here for the life of the process. */
struct spawned {
    pid_t pid;
    int stdin_fd;
    char *log;
};
static struct spawned *spawned;
static size_t spawned_len, spawned_cap;

static void
free_spawned(void)
{
    for (size_t i = 0; i < spawned_len; i++) {
        if (spawned[i].stdin_fd >= 0)
            close(spawned[i].stdin_fd);
        free(spawned[i].log);
    }
    free(spawned);
    spawned = NULL;
    spawned_len = spawned_cap = 0;
}

pid_t
test_spawn(char *const argv[], const char **log_path)
{
    if (argv == NULL || argv[0] == NULL)
        test_fail("test_spawn: empty argv");

    char log[PATH_MAX];
    int logfd = make_temp_file(log, sizeof log, "log-", ".log");
    int in[2];
    if (pipe2(in, O_CLOEXEC) < 0)
        test_fail("pipe2: %s", strerror(errno));

    if (spawned_len == spawned_cap) {
        size_t cap = spawned_cap ? spawned_cap * 2 : 8;
        struct spawned *p = realloc(spawned, cap * sizeof *p);
        if (p == NULL)
            test_fail("out of memory");
        if (spawned == NULL)
            atexit(free_spawned);
        spawned = p;
        spawned_cap = cap;
    }
    char *log_copy = strdup(log);
    if (log_copy == NULL)
        test_fail("out of memory");

    fflush(NULL);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0)
        test_fail("fork: %s", strerror(errno));
    if (pid == 0) {
        /* Do not outlive the test if it crashes. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        if (dup2(in[0], STDIN_FILENO) < 0 || dup2(logfd, STDOUT_FILENO) < 0 ||
            dup2(logfd, STDERR_FILENO) < 0)
            _exit(127);
        execvp(argv[0], argv);
        dprintf(STDERR_FILENO, "ssa_test: execvp(%s): %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(in[0]);
    close(logfd);
    spawned[spawned_len++] = (struct spawned){ pid, in[1], log_copy };
    if (log_path != NULL)
        *log_path = log_copy;
    return pid;
}

void
test_stop(pid_t pid)
{
    if (pid <= 0)
        return;
    for (size_t i = 0; i < spawned_len; i++) {
        if (spawned[i].pid == pid && spawned[i].stdin_fd >= 0) {
            close(spawned[i].stdin_fd);
            spawned[i].stdin_fd = -1;
        }
    }

    int status;
    if (kill(pid, SIGTERM) < 0 && errno == ESRCH) {
        /* Already gone; reap it if it is still a zombie of ours. */
        waitpid(pid, &status, WNOHANG);
        return;
    }
    for (int i = 0; i < 200; i++) { /* up to 2 s for a graceful exit */
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid || (r < 0 && errno == ECHILD))
            return;
        msleep(10);
    }
    kill(pid, SIGKILL);
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
}

int
test_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        test_fail("socket: %s", strerror(errno));
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = 0,
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    socklen_t len = sizeof sa;
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) < 0) {
        int e = errno;
        close(fd);
        test_fail("finding a free port: %s", strerror(e));
    }
    close(fd);
    return ntohs(sa.sin_port);
}

int
test_connect_tcp(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    int r;
    do {
        r = connect(fd, (struct sockaddr *)&sa, sizeof sa);
    } while (r < 0 && errno == EINTR);
    if (r < 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

bool
test_wait_port(int port)
{
    for (int i = 0; i < 500; i++) { /* 500 x 20 ms = 10 s */
        int fd = test_connect_tcp(port);
        if (fd >= 0) {
            close(fd);
            return true;
        }
        msleep(20);
    }
    return false;
}

char *
test_slurp(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return NULL;
    size_t len = 0, cap = 4096;
    char *buf = malloc(cap);
    if (buf == NULL) {
        close(fd);
        return NULL;
    }
    for (;;) {
        if (cap - len < 2) {
            char *p = realloc(buf, cap * 2);
            if (p == NULL) {
                free(buf);
                close(fd);
                return NULL;
            }
            buf = p;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + len, cap - len - 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int e = errno;
            free(buf);
            close(fd);
            errno = e;
            return NULL;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    buf[len] = '\0';
    return buf;
}

/* ------------------------------------------------------------------ */
/* Running a suite                                                     */

int
test_run_suite(Suite *s)
{
    /* Create the temporary directory now, in the parent, so that Check's
     * forked test children share it (and the PKI generated into it). */
    tmp_dir();

    SRunner *sr = srunner_create(s);
    /* CK_ENV: CK_NORMAL unless CK_VERBOSITY says otherwise. */
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
