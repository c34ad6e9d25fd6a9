/* Process-wide engine state: wolfSSL initialised exactly once. */
#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <sys/auxv.h>

/* The core is the only user of its (static, hidden) wolfSSL, so slot 0 of
 * the ex_data arrays is ours: WOLFSSL -> ssa_conn, WOLFSSL_CTX -> ssa_ctx. */
#define SSA_EX_SLOT 0

static pthread_once_t engine_once = PTHREAD_ONCE_INIT;

static void engine_init_once(void)
{
    /* Only a wolfSSL built with SSA_WOLFSSL_DEBUG=1 logs anything here. */
    if (getenv("SSA_ENGINE_DEBUG") && getauxval(AT_SECURE) == 0)
        wolfSSL_Debugging_ON();
    if (wolfSSL_Init() != WOLFSSL_SUCCESS) {
        fputs("ssa: the TLS engine failed to initialise\n", stderr);
        abort();
    }
}

void ssa_engine_init(void)
{
    pthread_once(&engine_once, engine_init_once);
}

int ssa_engine_conn_slot(void)
{
    return SSA_EX_SLOT;
}
