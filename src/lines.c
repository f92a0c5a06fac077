/*
 * lines.c — physical lines from a file or a memory block, in constant
 * memory: one block is read at a time and lines are handed out in place.
 */
#include "lines.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"

/* Large enough that read(2) calls are rare next to the parsing work, small
 * enough to stay in the L2 cache of common machines. */
#define LINES_BLOCK (256u * 1024u)

struct LineReader {
    int fd;            /* -1 for memory input and once closed */
    bool eof;          /* no more bytes will come from read(2) */
    bool bom_checked;
    bool had_bom;
    char *buf;         /* file input: the block; memory input: the data */
    size_t cap;        /* size of buf (file input) */
    size_t start;      /* first byte not yet handed out */
    size_t end;        /* one past the last valid byte */
    size_t scanned;    /* bytes from start known to hold no '\n' */
    size_t max_line;
    long number;
    const char *path;
    const char *error;
};

static LineReader *reader_new(size_t max_line)
{
    rg_alloc_init();
    LineReader *r = rg_alloc(sizeof *r);
    r->fd = -1;
    r->max_line = max_line ? max_line : LINES_MAX_DEFAULT;
    return r;
}

LineReader *lines_open_file(const char *path, size_t max_line, const char **err)
{
    /* Everything the reader needs is allocated before the file is opened,
     * so that running out of memory cannot leave a descriptor open. */
    LineReader *r = reader_new(max_line);
    r->path = rg_strdup(path);
    /* A block longer than the longest allowed line would never be filled
     * by a single line, so it is wasted memory. */
    r->cap = LINES_BLOCK;
    if (r->max_line < SIZE_MAX && r->cap > r->max_line + 1)
        r->cap = r->max_line + 1;
    r->buf = rg_alloc_atomic(r->cap);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int e = errno;
    struct stat st;
    /* A folder opens fine and only fails on the first read; saying so at
     * open time gives the same message as any other unusable path. */
    if (fd >= 0 && fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        fd = -1;
        e = EISDIR;
    }
    if (fd < 0) {
        rg_free(r->buf);
        if (err)
            *err = rg_sprintf("cannot open %s: %s", path, strerror(e));
        return NULL;
    }
#ifdef POSIX_FADV_SEQUENTIAL
    /* Only a hint to read ahead harder; failure changes nothing. */
    (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
    r->fd = fd;
    return r;
}

LineReader *lines_open_mem(const char *data, size_t len, size_t max_line)
{
    LineReader *r = reader_new(max_line);
    r->eof = true;
    /* Never written through: memory input is only ever read. */
    r->buf = (char *)data;
    r->end = len;
    return r;
}

static int fail(LineReader *r, const char *msg)
{
    r->error = msg;
    return -1;
}

static int fail_too_long(LineReader *r)
{
    return fail(r, rg_sprintf("line %ld is longer than the limit of %zu bytes",
                              r->number + 1, r->max_line));
}

/* Makes room after the pending partial line, then reads once. Returns
 * false on an error (already recorded). */
static bool fill(LineReader *r)
{
    if (r->fd < 0) {
        /* Closed under our feet: behave like the end of input rather than
         * reading a recycled descriptor. */
        r->eof = true;
        return true;
    }
    if (r->start > 0) {
        size_t pending = r->end - r->start;
        memmove(r->buf, r->buf + r->start, pending);
        r->start = 0;
        r->end = pending;
    }
    if (r->end == r->cap) {
        /* The pending line fills the whole block: grow, but never beyond
         * what the longest allowed line (plus one byte to see that it is
         * too long) needs. */
        size_t limit = r->max_line < SIZE_MAX / 2 ? r->max_line + 1 : SIZE_MAX / 2;
        size_t cap = r->cap * 2;
        if (cap > limit)
            cap = limit;
        r->buf = rg_realloc(r->buf, cap);
        r->cap = cap;
    }
    for (;;) {
        ssize_t n = read(r->fd, r->buf + r->end, r->cap - r->end);
        if (n > 0) {
            r->end += (size_t)n;
            return true;
        }
        if (n == 0) {
            r->eof = true;
            return true;
        }
        if (errno != EINTR) {
            fail(r, rg_sprintf("cannot read %s: %s", r->path, strerror(errno)));
            return false;
        }
    }
}

static bool check_bom(LineReader *r)
{
    /* A short first read (a pipe) could split the mark. */
    while (!r->eof && r->end - r->start < 3)
        if (!fill(r))
            return false;
    r->bom_checked = true;
    if (r->end - r->start >= 3 && memcmp(r->buf + r->start, "\xEF\xBB\xBF", 3) == 0) {
        r->start += 3;
        r->had_bom = true;
    }
    /* A UTF-16 (or UTF-32) mark: every line would be refused as invalid
     * UTF-8 at its first byte, which does not tell what is wrong. */
    if (r->end - r->start >= 2 && (memcmp(r->buf + r->start, "\xFF\xFE", 2) == 0 ||
                                   memcmp(r->buf + r->start, "\xFE\xFF", 2) == 0)) {
        fail(r, "the file is encoded as UTF-16 (it starts with a UTF-16 byte order mark); "
                "exports must be UTF-8");
        return false;
    }
    return true;
}

int lines_next(LineReader *r, const char **line, size_t *len)
{
    if (r->error)
        return -1;
    if (!r->bom_checked && !check_bom(r))
        return -1;
    for (;;) {
        size_t avail = r->end - r->start;
        const char *s = r->buf + r->start;
        const char *nl = avail > r->scanned
                             ? memchr(s + r->scanned, '\n', avail - r->scanned)
                             : NULL;
        size_t n;
        if (nl) {
            n = (size_t)(nl - s) + 1;
        } else if (r->eof) {
            if (avail == 0)
                return 0;
            n = avail;
        } else {
            /* The partial line alone is already past the limit: reading
             * on would only grow memory for a line we must refuse. */
            if (avail > r->max_line)
                return fail_too_long(r);
            r->scanned = avail;
            if (!fill(r))
                return -1;
            continue;
        }
        if (n > r->max_line)
            return fail_too_long(r);
        *line = s;
        *len = n;
        r->start += n;
        r->scanned = 0;
        r->number++;
        return 1;
    }
}

long lines_number(const LineReader *r)
{
    return r->number;
}

bool lines_had_bom(const LineReader *r)
{
    return r->had_bom;
}

const char *lines_error(const LineReader *r)
{
    return r->error;
}

void lines_close(LineReader *r)
{
    if (!r)
        return;
    if (r->fd >= 0) {
        close(r->fd);
        r->fd = -1;
        /* The block is large; giving it back now spares the collector a
         * cycle when many files are read in turn. Lines handed out are
         * not valid after closing. */
        rg_free(r->buf);
        r->buf = NULL;
        r->start = r->end = r->cap = r->scanned = 0;
        r->eof = true;
        r->bom_checked = true;
    }
}

size_t lines_content_len(const char *line, size_t len)
{
    if (len > 0 && line[len - 1] == '\n') {
        len--;
        if (len > 0 && line[len - 1] == '\r')
            len--;
    }
    return len;
}
