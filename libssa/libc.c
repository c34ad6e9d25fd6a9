/*
 * The C library's own socket calls, found once with dlsym(RTLD_NEXT): every
 * descriptor that is not TLS goes straight to them, and the TLS layer uses
 * them for the TCP socket underneath.
 */
#define _GNU_SOURCE
#include "ssa_socket.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static struct libc_calls calls;
static pthread_once_t calls_once = PTHREAD_ONCE_INIT;

static void *resolve(const char *name)
{
    void *f = dlsym(RTLD_NEXT, name);
    if (f == NULL) {
        /* Without the real call there is nothing sensible to do. */
        fprintf(stderr, "libssa: cannot find the C library's %s: %s\n", name, dlerror());
        abort();
    }
    return f;
}

#define RESOLVE(name) (calls.name = (__typeof__(calls.name))resolve(#name))

static void resolve_all(void)
{
    RESOLVE(socket); RESOLVE(connect); RESOLVE(listen); RESOLVE(accept4);
    RESOLVE(send); RESOLVE(recv); RESOLVE(read); RESOLVE(write);
    RESOLVE(sendto); RESOLVE(recvfrom); RESOLVE(sendmsg); RESOLVE(recvmsg);
    RESOLVE(readv); RESOLVE(writev); RESOLVE(shutdown); RESOLVE(close);
    RESOLVE(dup); RESOLVE(dup2); RESOLVE(dup3); RESOLVE(fcntl);
    RESOLVE(poll); RESOLVE(ppoll); RESOLVE(select); RESOLVE(pselect);
    RESOLVE(epoll_ctl); RESOLVE(epoll_wait); RESOLVE(epoll_pwait);
    RESOLVE(setsockopt); RESOLVE(getsockopt);
}

const struct libc_calls *libc(void)
{
    pthread_once(&calls_once, resolve_all);
    return &calls;
}
