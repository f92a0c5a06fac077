/*
 * failalloc.c — an LD_PRELOAD shim for tests/serve/run: realloc() fails
 * for FAILALLOC_BYTES bytes or more while the file FAILALLOC_FILE exists,
 * so that the test can make one request's buffers run out of memory and
 * then check that the server answers it and goes on serving.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stddef.h>
#include <stdlib.h>
#include <unistd.h>

void *realloc(void *p, size_t n)
{
    static void *(*next)(void *, size_t);
    if (!next)
        next = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
    const char *bytes = getenv("FAILALLOC_BYTES"), *file = getenv("FAILALLOC_FILE");
    if (bytes && file && n >= strtoull(bytes, NULL, 10) && access(file, F_OK) == 0)
        return NULL;
    return next(p, n);
}
