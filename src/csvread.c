/*
 * csvread.c — CSV rows for the record reader: libcsv in strict mode, fed one
 * physical line at a time so that every row and every error can be placed
 * at a line and column of the file.
 *
 * Choices the header leaves open:
 * - No white space is special: libcsv's default trimming of spaces and tabs
 *   around fields is turned off, so " a" stays " a" and a space before an
 *   opening or after a closing quote is a quote error.
 * - A carriage return outside quotes that is not part of the line's CRLF
 *   end is an error ("lone carriage return"); inside quotes it is data.
 *   (Old Mac files ending rows with CR alone are thus refused with a
 *   position rather than read as one long row or split silently.)
 * - Lines holding nothing (LF or CRLF alone) between rows are skipped, as
 *   libcsv does; a line of spaces is a row with one field.
 * - A row spanning several lines may not exceed LINES_MAX_DEFAULT bytes in
 *   total, so an unclosed quote cannot swallow the rest of a large file
 *   into memory. A single line is bounded by the line reader.
 */
#include "csvread.h"

#include <csv.h>
#include <stdint.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"

/* libcsv's parser states (private #defines in libcsv.c; struct csv_parser
 * is public and its pstate holds one of these). */
enum {
    ROW_NOT_BEGUN = 0,
    FIELD_NOT_BEGUN = 1,
    FIELD_BEGUN = 2,
    FIELD_MIGHT_HAVE_ENDED = 3,
};

typedef unsigned char uchar;

struct CsvReader {
    LineReader *lines;
    CsvOptions opts;
    struct csv_parser csv;
    bool csv_live;

    /* The row being built: field bytes back to back in data. Offsets, not
     * pointers, while data may still move. */
    RgBuf data;
    size_t *offs;
    size_t *lens;
    const char **fields;
    size_t cap;
    size_t count;
    bool row_done;
    bool too_many;
    size_t row_bytes;
    long row_line;

    /* Where the quoted field still open at the end of a line began. */
    long quote_line, quote_col;

    bool done;
    const char *error;
    long err_line, err_col;
};

CsvOptions csv_default_options(void)
{
    return (CsvOptions){.separator = ',', .quote = '"', .max_fields = CSV_MAX_FIELDS_DEFAULT};
}

/* libcsv would drop spaces and tabs around fields; ours are data. */
static int no_space(unsigned char c)
{
    (void)c;
    return 0;
}

static void on_field(void *s, size_t n, void *data)
{
    CsvReader *r = data;
    if (r->count >= r->opts.max_fields) {
        /* Counted as an error after the line; storing it would let a
         * runaway row grow without bound. */
        r->too_many = true;
        return;
    }
    if (r->count == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        if (cap > r->opts.max_fields)
            cap = r->opts.max_fields;
        r->offs = r->offs ? rg_realloc(r->offs, cap * sizeof *r->offs) : rg_alloc_atomic(cap * sizeof *r->offs);
        r->lens = r->lens ? rg_realloc(r->lens, cap * sizeof *r->lens) : rg_alloc_atomic(cap * sizeof *r->lens);
        r->fields = rg_alloc(cap * sizeof *r->fields);
        r->cap = cap;
    }
    r->offs[r->count] = r->data.len;
    r->lens[r->count] = n;
    buf_add(&r->data, s, n);
    r->count++;
}

static void on_row(int c, void *data)
{
    (void)c;
    ((CsvReader *)data)->row_done = true;
}

CsvReader *csvr_open(LineReader *lines, CsvOptions opts)
{
    rg_alloc_init();
    CsvReader *r = rg_alloc(sizeof *r);
    r->lines = lines;
    if (!opts.separator)
        opts.separator = ',';
    if (!opts.quote)
        opts.quote = '"';
    if (!opts.max_fields)
        opts.max_fields = CSV_MAX_FIELDS_DEFAULT;
    r->opts = opts;
    buf_init(&r->data);
    if (opts.separator == opts.quote || opts.separator == '\n' || opts.separator == '\r' ||
        opts.quote == '\n' || opts.quote == '\r') {
        r->error = "the separator and the quote must be different characters other than line breaks";
        return r;
    }
    csv_init(&r->csv, CSV_STRICT);
    csv_set_delim(&r->csv, (unsigned char)opts.separator);
    csv_set_quote(&r->csv, (unsigned char)opts.quote);
    csv_set_space_func(&r->csv, no_space);
    /* libcsv's field buffer is plain C memory: through the library's
     * allocator, so that a test's injected failure reaches it too. */
    csv_set_realloc_func(&r->csv, rg_realloc_plain);
    r->csv_live = true;
    return r;
}

static int fail(CsvReader *r, long line, long col, const char *msg)
{
    r->error = msg;
    r->err_line = line;
    r->err_col = col;
    return -1;
}

/* 1-based column, in code points, of byte offset off of s. */
static long column(const char *s, size_t off)
{
    long col = 1;
    for (size_t i = 0; i < off; i++)
        col += ((uchar)s[i] & 0xC0) != 0x80;
    return col;
}

/* End of the well-formed UTF-8 sequence at p (lead byte >= 0x80), or NULL.
 * Refuses overlong forms, surrogates and code points past U+10FFFF. */
static const uchar *utf8_seq(const uchar *p, const uchar *end)
{
    uchar c = p[0];
    size_t left = (size_t)(end - p);
    if (c < 0xC2)
        return NULL;
    if (c < 0xE0)
        return left >= 2 && (p[1] & 0xC0) == 0x80 ? p + 2 : NULL;
    if (c < 0xF0) {
        uchar lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        return left >= 3 && p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 ? p + 3 : NULL;
    }
    if (c < 0xF5) {
        uchar lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        return left >= 4 && p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 &&
                       (p[3] & 0xC0) == 0x80
                   ? p + 4
                   : NULL;
    }
    return NULL;
}

/* Offset of the first NUL byte or invalid UTF-8 in s[0..n), or SIZE_MAX. */
static size_t check_text(const char *s, size_t n, const char **msg)
{
    const uchar *p = (const uchar *)s, *end = p + n;
    while (p < end) {
        /* Eight bytes at a time while they are all printable-ish ASCII:
         * no byte is zero and none has the high bit set. */
        while (end - p >= 8) {
            uint64_t x;
            memcpy(&x, p, 8);
            if (((x - 0x0101010101010101u) | x) & 0x8080808080808080u)
                break;
            p += 8;
        }
        if (p >= end)
            break;
        uchar c = *p;
        if (c == 0) {
            *msg = "NUL byte";
            return (size_t)(p - (const uchar *)s);
        }
        if (c < 0x80) {
            p++;
            continue;
        }
        const uchar *q = utf8_seq(p, end);
        if (!q) {
            *msg = "invalid UTF-8";
            return (size_t)(p - (const uchar *)s);
        }
        p = q;
    }
    return SIZE_MAX;
}

/* Replays the quoting of one line the way RFC 4180 reads it, starting
 * inside a quoted field or not. Only used to place errors, so it runs on
 * error paths and on lines that end inside quotes. Gives the offset of
 * the last opening quote and the offset just past the k-th separator
 * outside quotes (each SIZE_MAX when there is none). */
static void replay_line(const CsvReader *r, const char *s, size_t n, bool in_quotes, size_t k,
                        size_t *open, size_t *kth)
{
    char sep = r->opts.separator, quote = r->opts.quote;
    bool field_start = !in_quotes;
    size_t seps = 0;
    *open = SIZE_MAX;
    *kth = k == 0 ? 0 : SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (in_quotes) {
            if (c == quote) {
                if (i + 1 < n && s[i + 1] == quote)
                    i++;
                else
                    in_quotes = false;
            }
        } else if (c == sep) {
            if (++seps == k)
                *kth = i + 1;
            field_start = true;
            continue;
        } else if (field_start && c == quote) {
            in_quotes = true;
            *open = i;
        }
        field_start = false;
    }
}

/* Bytes handed to libcsv at a time; see feed. */
#define FEED_CHUNK (64u * 1024u)

/* Parses s[0..n); returns the bytes libcsv took (fewer on an error). */
static size_t feed(CsvReader *r, const char *s, size_t n)
{
    /* libcsv grows its field buffer by a fixed block; growing the block
     * with the buffer makes long fields cost linear time. The block only
     * changes between calls, so a long line is fed in chunks: fed whole,
     * a 10 MB field grew by the first block size, 128 bytes at a time,
     * which is quadratic wherever realloc copies. */
    size_t done = 0;
    while (done < n) {
        if (r->csv.entry_size > r->csv.blk_size)
            csv_set_blk_size(&r->csv, r->csv.entry_size);
        size_t k = n - done < FEED_CHUNK ? n - done : FEED_CHUNK;
        size_t got = csv_parse(&r->csv, s + done, k, on_field, on_row, r);
        done += got;
        if (got < k)
            break;
    }
    return done;
}

/* Feeds physical line number n; 0 or -1 (error recorded). */
static int feed_line(CsvReader *r, const char *line, size_t len, long n)
{
    size_t clen = lines_content_len(line, len);
    bool quoted_at_start = r->csv.pstate == FIELD_BEGUN && r->csv.quoted;
    size_t count_at_start = r->count;
    if (r->csv.pstate == ROW_NOT_BEGUN) {
        r->row_line = n;
        r->row_bytes = 0;
    }
    r->row_bytes += len;

    const char *msg = NULL;
    size_t err_at = check_text(line, clen, &msg);

    /* Split at carriage returns inside the content: after each one the
     * parser state says whether it fell outside quotes. */
    size_t seg = 0;
    while (seg < len) {
        const char *cr = seg < clen ? memchr(line + seg, '\r', clen - seg) : NULL;
        size_t stop = cr ? (size_t)(cr - line) + 1 : len;
        size_t got = feed(r, line + seg, stop - seg);
        if (got < stop - seg) {
            if (csv_error(&r->csv) != CSV_EPARSE)
                rg_throw(RG_EOOM);
            if (seg + got < err_at) {
                err_at = seg + got;
                msg = r->csv.pstate == FIELD_MIGHT_HAVE_ENDED ? "text after a closing quote"
                                                              : "bare quote in an unquoted field";
            }
            break;
        }
        if (cr && r->csv.pstate == ROW_NOT_BEGUN) {
            if (stop - 1 < err_at) {
                err_at = stop - 1;
                msg = "lone carriage return outside quotes (rows must end with LF or CRLF)";
            }
            break;
        }
        seg = stop;
    }

    /* A field has begun past the limit, whether or not libcsv has
     * handed it over yet. */
    if (r->too_many || (r->csv.pstate != ROW_NOT_BEGUN && r->count >= r->opts.max_fields)) {
        size_t open, kth;
        replay_line(r, line, clen, quoted_at_start, r->opts.max_fields - count_at_start, &open, &kth);
        if (kth == SIZE_MAX)
            kth = 0;
        if (kth < err_at) {
            err_at = kth;
            msg = rg_sprintf("more than %zu fields", r->opts.max_fields);
        }
    }
    if (msg)
        return fail(r, n, column(line, err_at), msg);

    if (r->csv.pstate == FIELD_BEGUN && r->csv.quoted) {
        /* Remember where the open field began, for the error should the
         * input end before it closes. A field carried over from the line
         * before keeps its position unless a new one opened here. */
        size_t open, kth;
        replay_line(r, line, clen, quoted_at_start, 0, &open, &kth);
        if (open != SIZE_MAX) {
            r->quote_line = n;
            r->quote_col = column(line, open);
        } else if (!quoted_at_start) {
            r->quote_line = n;
            r->quote_col = 1;
        }
    }
    /* A row only goes on past its line inside quotes, so the likely cause
     * is a quote never closed: say where it opened. */
    if (r->csv.pstate != ROW_NOT_BEGUN && n > r->row_line && r->row_bytes > LINES_MAX_DEFAULT)
        return fail(r, n, 1,
                    rg_sprintf("row starting on line %ld is longer than the limit of %u bytes; "
                               "is the quote opened on line %ld, column %ld never closed?",
                               r->row_line, LINES_MAX_DEFAULT, r->quote_line, r->quote_col));
    return 0;
}

static void hand_out(CsvReader *r, CsvRow *row, long end_line)
{
    const char *base = r->data.data ? r->data.data : "";
    for (size_t i = 0; i < r->count; i++)
        r->fields[i] = base + r->offs[i];
    row->count = r->count;
    row->fields = r->fields;
    row->lens = r->lens;
    row->line = r->row_line;
    row->end_line = end_line;
}

int csvr_next(CsvReader *r, CsvRow *row)
{
    if (r->error)
        return -1;
    if (r->done)
        return 0;
    r->count = 0;
    buf_clear(&r->data);
    r->row_done = false;
    r->too_many = false;
    for (;;) {
        const char *line;
        size_t len;
        int rc = lines_next(r->lines, &line, &len);
        if (rc < 0)
            return fail(r, lines_number(r->lines) + 1, 1, lines_error(r->lines));
        if (rc == 0) {
            r->done = true;
            if (r->csv.pstate == ROW_NOT_BEGUN)
                return 0;
            if (r->csv.pstate == FIELD_BEGUN && r->csv.quoted)
                return fail(r, r->quote_line, r->quote_col, "unterminated quoted field");
            /* The last row had no line end. */
            csv_fini(&r->csv, on_field, on_row, r);
            hand_out(r, row, lines_number(r->lines));
            return 1;
        }
        long n = lines_number(r->lines);
        if (feed_line(r, line, len, n) < 0)
            return -1;
        if (r->row_done) {
            hand_out(r, row, n);
            return 1;
        }
    }
}

const char *csvr_error(const CsvReader *r)
{
    return r->error;
}

long csvr_error_line(const CsvReader *r)
{
    return r->err_line;
}

long csvr_error_col(const CsvReader *r)
{
    return r->err_col;
}

void csvr_close(CsvReader *r)
{
    if (!r)
        return;
    if (r->csv_live) {
        csv_free(&r->csv);
        r->csv_live = false;
    }
    if (r->lines) {
        lines_close(r->lines);
        r->lines = NULL;
    }
}
