/* buf.c — growable byte buffers. */
#include "buf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"

void buf_init(RgBuf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void buf_reserve(RgBuf *b, size_t extra)
{
    size_t need = b->len + extra + 1;
    if (need <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < need)
        cap *= 2;
    b->data = b->data ? rg_realloc(b->data, cap) : rg_alloc_atomic(cap);
    b->cap = cap;
}

void buf_clear(RgBuf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void buf_adds(RgBuf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

void buf_vprintf(RgBuf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n <= 0)
        return;
    buf_reserve(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void buf_printf(RgBuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(b, fmt, ap);
    va_end(ap);
}

char *buf_dup(const RgBuf *b)
{
    return rg_strndup(b->data ? b->data : "", b->len);
}

/* Reads fd to its end into b; NULL, or why it failed. */
static const char *read_all(RgBuf *b, int fd, const char *path, size_t max_size)
{
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode))
        return rg_sprintf("%s: is a folder, not a file", path);
    char chunk[65536];
    for (;;) {
        ssize_t n = read(fd, chunk, sizeof chunk);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return rg_sprintf("%s: %s", path, strerror(errno));
        }
        if (n == 0)
            break;
        if (b->len + (size_t)n > max_size)
            return rg_sprintf("%s: larger than the limit of %zu bytes", path, max_size);
        buf_add(b, chunk, (size_t)n);
    }
    if (!b->data)
        buf_reserve(b, 0);
    return NULL;
}

bool buf_read_file(RgBuf *b, const char *path, size_t max_size, const char **err)
{
    buf_clear(b);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        *err = rg_sprintf("%s: %s", path, strerror(errno));
        return false;
    }
    /* Growing the buffer may run out of memory and unwind: the
     * descriptor is closed on the way. */
    RgTry t;
    int code = RG_TRY(&t);
    if (code) {
        close(fd);
        rg_throw(code);
    }
    const char *why = read_all(b, fd, path, max_size);
    rg_try_end(&t);
    close(fd);
    if (why)
        *err = why;
    return !why;
}
