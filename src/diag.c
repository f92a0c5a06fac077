/*
 * diag.c — line tables and the diagnostic printer shared by every stage.
 */
#include "diag.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "text.h"

SourceSet *sources_new(void)
{
    return rg_alloc(sizeof(SourceSet));
}

uint32_t sources_add(SourceSet *set, const char *path, const char *text, size_t len)
{
    SourceFile *f = rg_alloc(sizeof *f);
    f->path = path;
    f->text = text;
    f->len = len;
    size_t n = 1;
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\n')
            n++;
    f->line_starts = rg_alloc_atomic(n * sizeof(uint32_t));
    f->nlines = n;
    size_t k = 0;
    f->line_starts[k++] = 0;
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\n')
            f->line_starts[k++] = (uint32_t)(i + 1);
    SourceFile **files = rg_alloc((set->count + 1) * sizeof *files);
    if (set->count)
        memcpy(files, set->files, set->count * sizeof *files);
    files[set->count] = f;
    set->files = files;
    set->count++;
    return set->count;
}

const SourceFile *sources_get(const SourceSet *set, uint32_t file)
{
    if (!set || file == 0 || file > set->count)
        return NULL;
    return set->files[file - 1];
}

/* Index of the line holding offset: the last line start <= offset. */
static size_t line_index(const SourceFile *f, uint32_t offset)
{
    size_t lo = 0, hi = f->nlines;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->line_starts[mid] <= offset)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

void sources_position(const SourceSet *set, uint32_t file, uint32_t offset, long *line, long *col)
{
    const SourceFile *f = sources_get(set, file);
    if (!f) {
        *line = 0;
        *col = 0;
        return;
    }
    if (offset > f->len)
        offset = (uint32_t)f->len;
    size_t li = line_index(f, offset);
    *line = (long)li + 1;
    *col = (long)text_column(f->text + f->line_starts[li], offset - f->line_starts[li]);
}

DiagList *diags_new(const SourceSet *sources)
{
    DiagList *d = rg_alloc(sizeof *d);
    d->sources = sources;
    return d;
}

static void add(DiagList *d, DiagLevel level, Span span, const char *fmt, va_list ap)
{
    size_t kept;
    if (level == DIAG_ERROR) {
        kept = d->errors - d->dropped_errors;
        d->errors++;
    } else {
        kept = d->warnings - (d->dropped - d->dropped_errors);
        d->warnings++;
    }
    d->last_dropped = kept >= DIAG_MAX_KEPT;
    if (d->last_dropped) {
        d->dropped++;
        if (level == DIAG_ERROR)
            d->dropped_errors++;
        return;
    }
    if (d->count == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 8;
        Diagnostic *items = rg_alloc(cap * sizeof *items);
        if (d->count)
            memcpy(items, d->items, d->count * sizeof *items);
        d->items = items;
        d->cap = cap;
    }
    RgBuf b;
    buf_init(&b);
    buf_vprintf(&b, fmt, ap);
    Diagnostic *g = &d->items[d->count++];
    g->level = level;
    g->span = span;
    g->message = buf_dup(&b);
    g->hint = NULL;
    g->notes = NULL;
    g->nnotes = 0;
}

void diag_error(DiagList *d, Span span, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add(d, DIAG_ERROR, span, fmt, ap);
    va_end(ap);
}

void diag_warning(DiagList *d, Span span, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    add(d, DIAG_WARNING, span, fmt, ap);
    va_end(ap);
}

void diag_hint(DiagList *d, const char *fmt, ...)
{
    if (d->count == 0 || d->last_dropped)
        return;
    RgBuf b;
    buf_init(&b);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    d->items[d->count - 1].hint = buf_dup(&b);
}

void diag_note(DiagList *d, Span span, const char *fmt, ...)
{
    if (d->count == 0 || d->last_dropped || span.file == 0)
        return;
    Diagnostic *g = &d->items[d->count - 1];
    for (size_t i = 0; i < g->nnotes; i++)
        if (g->notes[i].span.file == span.file && g->notes[i].span.start == span.start &&
            g->notes[i].span.end == span.end)
            return;
    RgBuf b;
    buf_init(&b);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    /* Notes are few (one per operand at most), so the array grows by one. */
    DiagNote *notes = rg_alloc((g->nnotes + 1) * sizeof *notes);
    if (g->nnotes)
        memcpy(notes, g->notes, g->nnotes * sizeof *notes);
    notes[g->nnotes].span = span;
    notes[g->nnotes].message = buf_dup(&b);
    g->notes = notes;
    g->nnotes++;
}

void diags_sort(DiagList *d)
{
    /* Insertion sort: stable, and lists are short (at most DIAG_MAX_KEPT). */
    for (size_t i = 1; i < d->count; i++) {
        Diagnostic g = d->items[i];
        size_t j = i;
        while (j > 0) {
            Diagnostic *p = &d->items[j - 1];
            if (p->span.file < g.span.file ||
                (p->span.file == g.span.file && p->span.start <= g.span.start))
                break;
            d->items[j] = *p;
            j--;
        }
        d->items[j] = g;
    }
}

void diag_location(const SourceSet *set, Span span, RgBuf *out)
{
    const SourceFile *f = sources_get(set, span.file);
    if (!f)
        return;
    long line, col;
    sources_position(set, span.file, span.start, &line, &col);
    buf_printf(out, "%s:%ld:%ld", f->path, line, col);
}

/* Width of a line-number gutter. */
static int digits(long n)
{
    int k = 1;
    while (n >= 10) {
        n /= 10;
        k++;
    }
    return k;
}

/* The source line a span starts on, if it can be echoed: a line that is
 * not valid UTF-8 (reported by the scanner) or absurdly long is not, the
 * location already says where. */
static bool echo_line(const SourceFile *f, Span span, size_t *li, const char **ls, size_t *line_len)
{
    uint32_t start = span.start > f->len ? (uint32_t)f->len : span.start;
    *li = line_index(f, start);
    *ls = f->text + f->line_starts[*li];
    const char *le = *ls;
    const char *end = f->text + f->len;
    while (le < end && *le != '\n')
        le++;
    *line_len = (size_t)(le - *ls);
    if (*line_len && (*ls)[*line_len - 1] == '\r')
        (*line_len)--;
    return *line_len <= 400 && text_valid_utf8(*ls, *line_len, NULL);
}

/* "path:line:col: level: message", the source line and the underline, with
 * a gutter w digits wide. */
static void render_located(const DiagList *d, const SourceFile *f, Span span, const char *level, const char *message,
                           int w, RgBuf *out)
{
    long line, col;
    sources_position(d->sources, span.file, span.start, &line, &col);
    buf_printf(out, "%s:%ld:%ld: %s: %s\n", f->path, line, col, level, message);
    size_t li, line_len;
    const char *ls;
    if (!echo_line(f, span, &li, &ls, &line_len))
        return;
    buf_printf(out, " %*ld | ", w, line);
    for (size_t i = 0; i < line_len; i++) {
        unsigned char ch = (unsigned char)ls[i];
        if (ch == '\t')
            buf_addc(out, ' ');
        else if (ch < 0x20 || ch == 0x7f)
            /* Shown as its control picture (U+2400...), one column wide
             * like the character, so the caret stays in place and the
             * terminal is not driven by what the policy contains. */
            text_encode(out, ch == 0x7f ? 0x2421 : 0x2400 + ch);
        else
            buf_addc(out, (char)ch);
    }
    buf_addc(out, '\n');
    buf_printf(out, " %*s | ", w, "");
    uint32_t start = span.start > f->len ? (uint32_t)f->len : span.start;
    long from = col;
    uint32_t line_end = f->line_starts[li] + (uint32_t)line_len;
    uint32_t span_end = span.end > line_end ? line_end : span.end;
    if (span_end < start)
        span_end = start;
    long to = (long)text_column(ls, span_end - f->line_starts[li]);
    if (to <= from)
        to = from + 1;
    for (long c = 1; c < from; c++)
        buf_addc(out, ' ');
    for (long c = from; c < to; c++)
        buf_addc(out, '^');
    buf_addc(out, '\n');
}

/* Digits of the line number a span starts on, 1 without a file. */
static int gutter(const DiagList *d, Span span)
{
    long line, col;
    sources_position(d->sources, span.file, span.start, &line, &col);
    return digits(line);
}

void diag_render(const DiagList *d, const Diagnostic *g, RgBuf *out)
{
    const char *level = g->level == DIAG_ERROR ? "error" : "warning";
    int w = gutter(d, g->span);
    for (size_t i = 0; i < g->nnotes; i++)
        if (gutter(d, g->notes[i].span) > w)
            w = gutter(d, g->notes[i].span);
    const SourceFile *f = sources_get(d->sources, g->span.file);
    if (f) {
        render_located(d, f, g->span, level, g->message, w, out);
        size_t li, line_len;
        const char *ls;
        if (g->hint && echo_line(f, g->span, &li, &ls, &line_len))
            buf_printf(out, " %*s = hint: %s\n", w, "", g->hint);
        else if (g->hint)
            buf_printf(out, "  = hint: %s\n", g->hint);
    } else {
        buf_printf(out, "%s: %s\n", level, g->message);
        if (g->hint)
            buf_printf(out, "  = hint: %s\n", g->hint);
    }
    for (size_t i = 0; i < g->nnotes; i++) {
        const SourceFile *nf = sources_get(d->sources, g->notes[i].span.file);
        if (nf)
            render_located(d, nf, g->notes[i].span, "note", g->notes[i].message, w, out);
    }
}

Span span_join(Span a, Span b)
{
    if (a.file == 0)
        return b;
    if (b.file == 0 || b.file != a.file)
        return a;
    Span s = a;
    if (b.start < s.start)
        s.start = b.start;
    if (b.end > s.end)
        s.end = b.end;
    return s;
}
