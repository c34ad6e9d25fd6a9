/*
 * Client session blobs sealed by this process: a session stands in for a
 * verified certificate, so a blob that comes back (through TLS_SESSION, a
 * file an application kept, SSL_SESSION bytes) is resumed only if this
 * process made it. Layout: "SSA\1", HMAC-SHA256 under a key made once per
 * process (children after fork() share it), then the engine's session.
 */
#ifndef SSA_SESSION_SEAL_H
#define SSA_SESSION_SEAL_H

#include <stdbool.h>
#include <stddef.h>

#include "ssa/core.h"

/* The sealed form of raw (malloc()ed into *out). */
ssa_status ssa_session_seal(const unsigned char *raw, size_t n, unsigned char **out,
                            size_t *out_len);

/* Does blob start as a sealed blob does? (Says nothing of its MAC.) */
bool ssa_session_looks_sealed(const unsigned char *blob, size_t len);

/* The engine's session inside a sealed blob whose MAC holds: *raw points
 * into blob. SSA_ERR_ARG for anything else. */
ssa_status ssa_session_unseal(const unsigned char *blob, size_t len, const unsigned char **raw,
                              size_t *raw_len);

#endif
