/*
 * Shared helpers for the core's Check tests: the test PKI, temporary policy
 * files, real OpenSSL peers, and small process utilities.
 */
#ifndef SSA_TEST_H
#define SSA_TEST_H

#include <check.h>
#include <stdbool.h>
#include <sys/types.h>

/* Directory of a PKI generated once per test process by pki/make-pki.sh
 * (removed at exit). See that script for the file names. */
const char *test_pki_dir(void);
/* "<pki dir>/<name>" in a static ring of buffers (valid for 16 calls). */
const char *test_pki(const char *name);

/* Write text to a fresh temporary file; returns its path (static ring). */
const char *test_write_temp(const char *suffix, const char *text);
/* Make `text` the process's policy: written to a temp file, SSA_CONF set. */
void test_use_policy(const char *text);

/* A free TCP port on 127.0.0.1. */
int test_free_port(void);
/* Start argv (argv[0] looked up in PATH) with stdout/stderr to a temp log;
 * returns the pid. */
pid_t test_spawn(char *const argv[], const char **log_path);
/* Wait until 127.0.0.1:port accepts TCP connections (up to 10 s). */
bool test_wait_port(int port);
/* SIGTERM, then SIGKILL if needed; reaps. */
void test_stop(pid_t pid);
/* A TCP connection to 127.0.0.1:port, or -1. */
int test_connect_tcp(int port);
/* Read the whole file into a malloc'd, NUL-terminated string. */
char *test_slurp(const char *path);

/* Run a Check suite and exit with its verdict (main() in one line). */
int test_run_suite(Suite *s);

#endif
