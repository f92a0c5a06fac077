/*
 * buf.h — a growable byte buffer on the collector's atomic heap.
 *
 * Used wherever text is built piece by piece (messages, output lines,
 * decoded strings). The bytes are always followed by a NUL that is not
 * counted in len, so data can be passed to C string functions when the
 * content holds no NUL of its own.
 */
#ifndef REGEL_BUF_H
#define REGEL_BUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

typedef struct RgBuf {
    char *data;
    size_t len;
    size_t cap;
} RgBuf;

void buf_init(RgBuf *b);
void buf_reserve(RgBuf *b, size_t extra);
void buf_clear(RgBuf *b);
void buf_adds(RgBuf *b, const char *s);

/* Inline: output lines are built from many tiny appends. */
static inline void buf_add(RgBuf *b, const void *data, size_t n)
{
    if (b->len + n + 1 > b->cap)
        buf_reserve(b, n);
    if (n)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static inline void buf_addc(RgBuf *b, char c)
{
    if (b->len + 2 > b->cap)
        buf_reserve(b, 1);
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}
void buf_printf(RgBuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void buf_vprintf(RgBuf *b, const char *fmt, va_list ap);
/* Replaces the contents with the whole file. On failure returns false and
 * sets *err to "PATH: reason". Refuses files larger than max_size. */
bool buf_read_file(RgBuf *b, const char *path, size_t max_size, const char **err);
/* A fresh atomic copy of the contents, NUL-terminated. */
char *buf_dup(const RgBuf *b);

#endif
