/*
 * lsp.c — the language server behind `regel lsp` (see lsp.h).
 *
 * Transport: JSON-RPC 2.0 messages, each a header block ("Content-Length:
 * N", a blank line) and N bytes of JSON, read from a file descriptor
 * through our own buffer, so the server can tell whether more input is
 * waiting. Work that can wait (checking a changed document) waits until
 * the input is drained: a burst of changes is checked once.
 *
 * Documents: the editor's texts are kept here and checked with
 * check_texts, so a policy and every open file it imports are checked as
 * the editor shows them, and files that are not open are read from disk.
 * Each check produces an Analysis (the annotated trees of that check);
 * questions about a place (hover, definition, completion) are answered
 * from the latest one, or, while the text has syntax errors, from the last
 * one that parsed, with offsets carried across the edit between them.
 *
 * Positions: LSP counts lines split at "\n", "\r\n" and "\r", and
 * characters in UTF-16 code units; the front end counts bytes. LineMap
 * converts.
 *
 * Every message is handled inside a protected boundary: running out of
 * memory answers that request with an error and the server goes on.
 */
#include "lsp.h"

#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alloc.h"
#include "builtins.h"
#include "check.h"
#include "compile.h"
#include "format.h"
#include "json.h"
#include "query.h"
#include "regel.h"
#include "text.h"

/* One header line: "Content-Length: 123" and its kin are short; a longer
 * line is read to its end and not kept. */
#define LSP_MAX_HEADER_LINE 1024
/* A message's body: a policy file may have 16 MB (CHECK_MAX_FILE), and
 * JSON escapes can make its text up to six times longer in the worst
 * case; anything larger is read past and refused. */
#define LSP_MAX_BODY (6u * CHECK_MAX_FILE + 65536u)
/* LSP messages nest a few levels; a deeper one is refused before it costs
 * stack. */
#define LSP_MAX_JSON_DEPTH 64
/* Rounds of checking a document to learn which open files it imports
 * (see analyse): each round can only find more of a finite set. */
#define LSP_MAX_IMPORT_ROUNDS 8
/* The name written at the cursor to make `vc.` parse when asking what
 * could follow it. */
#define PLACEHOLDER "regel_completion_point"

/* JSON-RPC and LSP error codes. */
enum {
    RPC_PARSE_ERROR = -32700,
    RPC_INVALID_REQUEST = -32600,
    RPC_METHOD_NOT_FOUND = -32601,
    RPC_INVALID_PARAMS = -32602,
    RPC_INTERNAL_ERROR = -32603,
    RPC_SERVER_NOT_INITIALIZED = -32002,
    RPC_REQUEST_FAILED = -32803,
};

/* ---------------------------------------------------------------- JSON values */

/* A parsed message as a tree: LSP handlers look members up by name. */
typedef struct JVal JVal;
struct JVal {
    JsonType type;
    const char *s;     /* a string (decoded) or a number's lexeme, NUL-terminated */
    size_t n;
    JVal **items;      /* elements of an array, values of an object */
    const char **keys; /* keys of an object */
    size_t len;
};

static void jv_push(JVal *v, const char *key, JVal *item, size_t *cap)
{
    if (v->len == *cap) {
        *cap = *cap ? *cap * 2 : 4;
        JVal **items = rg_alloc(*cap * sizeof *items);
        const char **keys = rg_alloc(*cap * sizeof *keys);
        if (v->len) {
            memcpy(items, v->items, v->len * sizeof *items);
            memcpy(keys, v->keys, v->len * sizeof *keys);
        }
        v->items = items;
        v->keys = keys;
    }
    v->keys[v->len] = key;
    v->items[v->len++] = item;
}

/* The value at the parser's position, or NULL after an error (in j). The
 * parser's depth limit bounds the recursion. */
static JVal *jv_parse(JsonParser *j)
{
    JVal *v = rg_alloc(sizeof *v);
    v->type = json_peek(j);
    const char *s, *key;
    size_t n, klen, cap = 0;
    bool b;
    int more;
    switch (v->type) {
    case JSON_NULL:
        return json_read_null(j) ? v : NULL;
    case JSON_TRUE:
    case JSON_FALSE:
        return json_read_bool(j, &b) ? v : NULL;
    case JSON_NUMBER:
        if (!json_read_number(j, &s, &n))
            return NULL;
        v->s = rg_strndup(s, n);
        v->n = n;
        return v;
    case JSON_STRING:
        if (!json_read_string(j, &s, &n))
            return NULL;
        v->s = rg_strndup(s, n);
        v->n = n;
        return v;
    case JSON_ARRAY:
        if (!json_array_begin(j))
            return NULL;
        while ((more = json_array_next(j)) == 1) {
            JVal *e = jv_parse(j);
            if (!e)
                return NULL;
            jv_push(v, NULL, e, &cap);
        }
        return more == 0 ? v : NULL;
    case JSON_OBJECT:
        if (!json_object_begin(j))
            return NULL;
        while ((more = json_object_next(j, &key, &klen)) == 1) {
            const char *k = rg_strndup(key, klen);
            JVal *e = jv_parse(j);
            if (!e)
                return NULL;
            jv_push(v, k, e, &cap);
        }
        return more == 0 ? v : NULL;
    default:
        if (!j->error)
            j->error = "expected a value";
        return NULL;
    }
}

static const JVal *jv_get(const JVal *o, const char *key)
{
    if (!o || o->type != JSON_OBJECT)
        return NULL;
    for (size_t i = 0; i < o->len; i++)
        if (strcmp(o->keys[i], key) == 0)
            return o->items[i];
    return NULL;
}

static const char *jv_str(const JVal *v)
{
    return v && v->type == JSON_STRING ? v->s : NULL;
}

/* A whole number that fits a long. */
static bool jv_long(const JVal *v, long *out)
{
    if (!v || v->type != JSON_NUMBER)
        return false;
    char *end;
    errno = 0;
    long x = strtol(v->s, &end, 10);
    if (errno || *end)
        return false;
    *out = x;
    return true;
}

/* ---------------------------------------------------------------- writing JSON */

/* s[0..n) as a JSON string. A byte that is not UTF-8 (a file name may
 * hold any) becomes U+FFFD, so the message stays valid JSON. */
static void jw_string(RgBuf *b, const char *s, size_t n)
{
    buf_addc(b, '"');
    size_t i = 0;
    while (i < n) {
        size_t bad;
        size_t end = text_valid_utf8(s + i, n - i, &bad) ? n : i + bad;
        for (; i < end; i++) {
            unsigned char ch = (unsigned char)s[i];
            if (ch == '"' || ch == '\\') {
                buf_addc(b, '\\');
                buf_addc(b, (char)ch);
            } else if (ch == '\n') {
                buf_adds(b, "\\n");
            } else if (ch == '\r') {
                buf_adds(b, "\\r");
            } else if (ch == '\t') {
                buf_adds(b, "\\t");
            } else if (ch < 0x20) {
                buf_printf(b, "\\u%04x", ch);
            } else {
                buf_addc(b, (char)ch);
            }
        }
        if (i < n) {
            buf_adds(b, "\\ufffd");
            i++;
        }
    }
    buf_addc(b, '"');
}

/* A C string, or null. */
static void jw_str(RgBuf *b, const char *s)
{
    if (s)
        jw_string(b, s, strlen(s));
    else
        buf_adds(b, "null");
}

/* A request's id as it came (a number or a string), or null. */
static void jw_id(RgBuf *b, const JVal *id)
{
    if (id && id->type == JSON_NUMBER)
        buf_adds(b, id->s);
    else if (id && id->type == JSON_STRING)
        jw_string(b, id->s, id->n);
    else
        buf_adds(b, "null");
}

/* ---------------------------------------------------------------- positions */

/* Where each line of a text starts, lines split as LSP splits them. */
typedef struct LineMap {
    const char *text;
    size_t len;
    uint32_t *starts;
    size_t n;
} LineMap;

static LineMap *linemap_new(const char *text, size_t len)
{
    LineMap *m = rg_alloc(sizeof *m);
    m->text = text;
    m->len = len;
    size_t n = 1;
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\n' || (text[i] == '\r' && (i + 1 == len || text[i + 1] != '\n')))
            n++;
    m->starts = rg_alloc_atomic(n * sizeof *m->starts);
    m->starts[0] = 0;
    m->n = 1;
    for (size_t i = 0; i < len; i++)
        if (text[i] == '\n' || (text[i] == '\r' && (i + 1 == len || text[i + 1] != '\n')))
            m->starts[m->n++] = (uint32_t)(i + 1);
    return m;
}

/* Bytes of the code point at s (at most n bytes), and how many UTF-16
 * units it takes. A byte that starts no valid sequence counts as one of
 * each: the text of an editor is UTF-8, and anything else is only kept
 * from going astray. */
static size_t code_point(const char *s, size_t n, int *units)
{
    unsigned char c = (unsigned char)s[0];
    size_t k = c < 0x80 ? 1 : c >= 0xc2 && c < 0xe0 ? 2 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xf0 && c < 0xf5 ? 4 : 1;
    if (k > n)
        k = 1;
    for (size_t i = 1; i < k; i++)
        if (((unsigned char)s[i] & 0xc0) != 0x80)
            k = 1;
    *units = k == 4 ? 2 : 1;
    return k;
}

/* The end of line i's text, before its line break. */
static uint32_t line_end(const LineMap *m, size_t i)
{
    uint32_t end = i + 1 < m->n ? m->starts[i + 1] : (uint32_t)m->len;
    while (end > m->starts[i] && (m->text[end - 1] == '\n' || m->text[end - 1] == '\r'))
        end--;
    return end;
}

/* The byte offset of an LSP position. A position past the end of its line
 * is the line's end, one inside a surrogate pair the code point's start,
 * one past the last line the end of the text. */
static uint32_t lm_offset(const LineMap *m, long line, long character)
{
    if (line < 0)
        return 0;
    if ((size_t)line >= m->n)
        return (uint32_t)m->len;
    uint32_t at = m->starts[line], end = line_end(m, (size_t)line);
    long units = 0;
    while (at < end) {
        int u;
        size_t k = code_point(m->text + at, end - at, &u);
        if (units + u > character)
            break;
        units += u;
        at += (uint32_t)k;
    }
    return at;
}

static void lm_position(const LineMap *m, uint32_t off, long *line, long *character)
{
    if (off > m->len)
        off = (uint32_t)m->len;
    size_t lo = 0, hi = m->n;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (m->starts[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    long units = 0;
    for (uint32_t at = m->starts[lo]; at < off;) {
        int u;
        size_t k = code_point(m->text + at, off - at, &u);
        units += u;
        at += (uint32_t)k;
    }
    *line = (long)lo;
    *character = units;
}

static void jw_range(RgBuf *b, const LineMap *m, uint32_t start, uint32_t end)
{
    long l1, c1, l2, c2;
    lm_position(m, start, &l1, &c1);
    lm_position(m, end < start ? start : end, &l2, &c2);
    buf_printf(b, "{\"start\":{\"line\":%ld,\"character\":%ld},\"end\":{\"line\":%ld,\"character\":%ld}}", l1, c1, l2,
               c2);
}

/* ---------------------------------------------------------------- URIs */

static int hex_digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* The path of a file: URI, or NULL for any other kind (untitled:...). */
static const char *uri_path(const char *uri)
{
    if (strncmp(uri, "file://", 7) != 0)
        return NULL;
    const char *p = strchr(uri + 7, '/');
    if (!p)
        return NULL;
    RgBuf b;
    buf_init(&b);
    for (; *p && *p != '?' && *p != '#'; p++) {
        int h1, h2;
        if (*p == '%' && (h1 = hex_digit(p[1])) >= 0 && (h2 = hex_digit(p[2])) >= 0) {
            char c = (char)(h1 * 16 + h2);
            if (c == '\0')
                return NULL;
            buf_addc(&b, c);
            p += 2;
        } else {
            buf_addc(&b, *p);
        }
    }
    return b.data;
}

static const char *path_uri(const char *path)
{
    RgBuf b;
    buf_init(&b);
    buf_adds(&b, "file://");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || strchr("-._~/", *p))
            buf_addc(&b, (char)*p);
        else
            buf_printf(&b, "%%%02X", *p);
    }
    return b.data;
}

/* The key that tells two names of one file apart from two files: its real
 * path, or the path itself while the file is not on disk. */
static const char *file_key(const char *path)
{
    /* In a buffer of its own, not one realpath allocates, which would
     * leak if the copy ran out of memory. */
    char real[PATH_MAX];
    return rg_strdup(realpath(path, real) ? real : path);
}

/* ---------------------------------------------------------------- documents */

/* One check of a document, and what it found. */
typedef struct Analysis {
    SourceSet *files;
    DiagList *diags;
    Checked *checked;
    Module *root;          /* the document's own module */
    const char *text;      /* the document's text it checked */
    size_t len;
    bool parsed;           /* the document had no syntax errors */
    const char **reach;    /* file_key of every policy file it imports, directly or not */
    size_t nreach;
    LineMap **maps;        /* by file number, made when first needed */
} Analysis;

typedef struct Doc {
    const char *uri;
    const char *path;      /* NULL for a document that is not a file */
    const char *key;       /* file_key(path), or the URI */
    long version;
    const char *text;
    size_t len;
    LineMap *lines;
    Analysis *cur;         /* of text, unless dirty */
    Analysis *good;        /* the latest that parsed */
    bool dirty;
    const char **reach;    /* the files its last check reached: it must be checked again when one changes */
    size_t nreach;
    const char **external; /* URIs of files not open whose diagnostics its last check published */
    size_t nexternal;
} Doc;

typedef struct Reader {
    int fd;
    char buf[65536];
    size_t pos, len;
} Reader;

typedef struct Server {
    Reader in;
    FILE *out;
    Doc **docs;
    size_t ndocs, cap;
    StrMap flagged;        /* URI -> itself: files not open that now show diagnostics */
    bool initialized, shutting_down, exited, broken;
} Server;

static Doc *doc_by_uri(Server *s, const char *uri)
{
    for (size_t i = 0; i < s->ndocs; i++)
        if (strcmp(s->docs[i]->uri, uri) == 0)
            return s->docs[i];
    return NULL;
}

static Doc *doc_by_key(Server *s, const char *key)
{
    for (size_t i = 0; i < s->ndocs; i++)
        if (strcmp(s->docs[i]->key, key) == 0)
            return s->docs[i];
    return NULL;
}

static bool has_key(const char *const *keys, size_t n, const char *key)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(keys[i], key) == 0)
            return true;
    return false;
}

static void set_text(Doc *d, const char *text, size_t len)
{
    /* First, so that running out of memory leaves d as it was. */
    LineMap *lines = linemap_new(text, len);
    d->text = text;
    d->len = len;
    d->lines = lines;
    d->dirty = true;
}

/* Documents that import d (directly or not) must be checked again when it
 * changes: their view of it did. */
static void dirty_dependents(Server *s, const Doc *d)
{
    for (size_t i = 0; i < s->ndocs; i++)
        if (s->docs[i] != d && has_key(s->docs[i]->reach, s->docs[i]->nreach, d->key))
            s->docs[i]->dirty = true;
}

static const LineMap *file_map(Analysis *a, uint32_t file)
{
    if (!a->maps)
        a->maps = rg_alloc((a->files->count + 1) * sizeof *a->maps);
    if (!a->maps[file]) {
        const SourceFile *f = sources_get(a->files, file);
        a->maps[file] = linemap_new(f->text, f->len);
    }
    return a->maps[file];
}

/* The modules a check of root reached through imports, root first. */
static Module **reached(const Analysis *a, size_t *count)
{
    const Checked *c = a->checked;
    Module **out = rg_alloc((c->nmodules + 1) * sizeof *out);
    size_t n = 0;
    out[n++] = a->root;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < out[i]->nimports; k++) {
            Module *m = out[i]->imports[k];
            bool seen = false;
            for (size_t j = 0; j < n && !seen; j++)
                seen = out[j] == m;
            if (!seen)
                out[n++] = m;
        }
    *count = n;
    return out;
}

/* Checks text as document d's. Which open documents d imports is known
 * only after a check, and a check needs to know it (their texts stand in
 * for the disk): so check with the ones the last check reached, and again
 * while the ones found differ from the ones given. Compiles too when
 * asked, as `regel check` does, for the errors only the compiler finds. */
static Analysis *analyse(Server *s, Doc *d, const char *text, size_t len, bool compile)
{
    const char **given = rg_alloc((d->nreach + 1) * sizeof *given);
    size_t ngiven = 0;
    for (size_t i = 0; i < d->nreach; i++) {
        Doc *o = doc_by_key(s, d->reach[i]);
        if (o && o != d)
            given[ngiven++] = o->key;
    }
    Analysis *a;
    for (int round = 1;; round++) {
        a = rg_alloc(sizeof *a);
        a->files = sources_new();
        a->diags = diags_new(a->files);
        a->text = text;
        a->len = len;
        if (d->path) {
            CheckText *texts = rg_alloc((ngiven + 1) * sizeof *texts);
            texts[0] = (CheckText){d->path, text, len};
            size_t n = 1;
            for (size_t i = 0; i < ngiven; i++) {
                Doc *o = doc_by_key(s, given[i]);
                if (o && o != d && o->path)
                    texts[n++] = (CheckText){o->path, o->text, o->len};
            }
            a->checked = check_texts(a->files, texts, n, 1, a->diags);
        } else {
            a->checked = check_text(a->files, d->uri, text, len, NULL, a->diags);
        }
        for (size_t i = 0; i < a->checked->nmodules && !a->root; i++)
            if (a->checked->modules[i]->root)
                a->root = a->checked->modules[i];
        size_t nmods;
        Module **mods = reached(a, &nmods);
        const char **found = rg_alloc(nmods * sizeof *found);
        size_t nfound = 0;
        a->reach = rg_alloc(nmods * sizeof *a->reach);
        for (size_t i = 1; i < nmods; i++) {
            if (mods[i]->stdlib)
                continue;
            const char *key = file_key(mods[i]->path);
            a->reach[a->nreach++] = key;
            Doc *o = doc_by_key(s, key);
            if (o && o != d && !has_key(found, nfound, o->key))
                found[nfound++] = o->key;
        }
        bool same = nfound == ngiven;
        for (size_t i = 0; same && i < nfound; i++)
            same = has_key(given, ngiven, found[i]);
        given = found;
        ngiven = nfound;
        if (same || round == LSP_MAX_IMPORT_ROUNDS)
            break;
    }
    if (compile && a->diags->errors == 0)
        compile_program(a->checked, a->diags, 0);
    diags_sort(a->diags);
    a->parsed = !a->root->ast->u.module.syntax_errors;
    return a;
}

/* ---------------------------------------------------------------- transport */

static void send_body(Server *s, const RgBuf *body)
{
    if (s->broken)
        return;
    if (fprintf(s->out, "Content-Length: %zu\r\n\r\n", body->len) < 0 || fwrite(body->data, 1, body->len, s->out) != body->len ||
        fflush(s->out) != 0)
        s->broken = true;
}

/* A response with a result (JSON text); nothing for a notification. */
static void respond(Server *s, const JVal *id, const char *result)
{
    if (!id)
        return;
    RgBuf b;
    buf_init(&b);
    buf_adds(&b, "{\"jsonrpc\":\"2.0\",\"id\":");
    jw_id(&b, id);
    buf_adds(&b, ",\"result\":");
    buf_adds(&b, result);
    buf_addc(&b, '}');
    send_body(s, &b);
}

/* An error response; id may be NULL when the request's id is not known. */
static void respond_error(Server *s, const JVal *id, int code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void respond_error(Server *s, const JVal *id, int code, const char *fmt, ...)
{
    RgBuf msg;
    buf_init(&msg);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    RgBuf b;
    buf_init(&b);
    buf_adds(&b, "{\"jsonrpc\":\"2.0\",\"id\":");
    jw_id(&b, id);
    buf_printf(&b, ",\"error\":{\"code\":%d,\"message\":", code);
    jw_string(&b, msg.data, msg.len);
    buf_adds(&b, "}}");
    send_body(s, &b);
}

static void notify(Server *s, const char *method, const RgBuf *params)
{
    RgBuf b;
    buf_init(&b);
    buf_adds(&b, "{\"jsonrpc\":\"2.0\",\"method\":");
    jw_str(&b, method);
    buf_adds(&b, ",\"params\":");
    buf_add(&b, params->data, params->len);
    buf_addc(&b, '}');
    send_body(s, &b);
}

/* Tells the client's log about a notification that could not be used: a
 * notification gets no answer, not even an error. */
static void log_problem(Server *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void log_problem(Server *s, const char *fmt, ...)
{
    RgBuf msg;
    buf_init(&msg);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    RgBuf p;
    buf_init(&p);
    buf_adds(&p, "{\"type\":1,\"message\":");
    jw_string(&p, msg.data, msg.len);
    buf_addc(&p, '}');
    notify(s, "window/logMessage", &p);
}

/* Reads more input into the buffer; false at the end of it (or a read
 * error, which ends the conversation all the same). */
static bool fill(Reader *r)
{
    if (r->pos == r->len)
        r->pos = r->len = 0;
    if (r->len == sizeof r->buf) {
        memmove(r->buf, r->buf + r->pos, r->len - r->pos);
        r->len -= r->pos;
        r->pos = 0;
    }
    for (;;) {
        ssize_t k = read(r->fd, r->buf + r->len, sizeof r->buf - r->len);
        if (k > 0) {
            r->len += (size_t)k;
            return true;
        }
        if (k < 0 && errno == EINTR)
            continue;
        return false;
    }
}

/* True when input is waiting: more work is about to arrive. */
static bool input_waiting(Reader *r)
{
    if (r->pos < r->len)
        return true;
    struct pollfd p = {r->fd, POLLIN, 0};
    return poll(&p, 1, 0) > 0;
}

static int next_byte(Reader *r)
{
    if (r->pos == r->len && !fill(r))
        return -1;
    return (unsigned char)r->buf[r->pos++];
}

/* Reads one header block. 1: a body of *length bytes follows. 0: the
 * input ended. -1: the block was bad (*problem says how); when its length
 * was known all the same (*length_known), the body follows and must be
 * read past to stay in step with the client. */
static int read_headers(Reader *r, size_t *length, const char **problem, bool *length_known)
{
    char line[LSP_MAX_HEADER_LINE + 1];
    bool have_length = false, too_long = false, bad_length = false;
    size_t total = 0;
    *problem = NULL;
    for (;;) {
        size_t n = 0;
        bool long_line = false;
        int ch;
        while ((ch = next_byte(r)) >= 0 && ch != '\n') {
            if (n < LSP_MAX_HEADER_LINE)
                line[n++] = (char)ch;
            else
                long_line = true;
        }
        if (ch < 0)
            return 0;
        if (n && line[n - 1] == '\r')
            n--;
        total += n;
        line[n] = '\0';
        if (n == 0 && !long_line) {
            if (total == 0)
                continue; /* stray line breaks between messages */
            break;
        }
        if (long_line) {
            too_long = true;
            continue;
        }
        /* Found anywhere in the line, so that a body sent without its
         * length, which runs into the next header, costs one message, not
         * every one after it. */
        const char *h = strcasestr(line, "content-length:");
        if (h) {
            char *end;
            errno = 0;
            const char *v = h + 15;
            while (*v == ' ' || *v == '\t')
                v++;
            unsigned long long x = strtoull(v, &end, 10);
            while (*end == ' ' || *end == '\t')
                end++;
            if (errno || end == v || *end || *v == '-') {
                bad_length = true;
            } else {
                have_length = true;
                *length = (size_t)(x > SIZE_MAX ? SIZE_MAX : x);
            }
        }
    }
    if (too_long)
        *problem = "a header line is too long";
    else if (bad_length)
        *problem = "Content-Length is not a number";
    else if (!have_length)
        *problem = "a message has no Content-Length header";
    else if (*length > LSP_MAX_BODY)
        *problem = rg_sprintf("a message of %zu bytes is larger than the %u bytes the server takes", *length,
                              LSP_MAX_BODY);
    *length_known = have_length;
    return *problem ? -1 : 1;
}

/* Reads past n bytes; false when the input ends first. */
static bool skip_body(Reader *r, size_t n)
{
    while (n) {
        if (r->pos == r->len && !fill(r))
            return false;
        size_t k = r->len - r->pos < n ? r->len - r->pos : n;
        r->pos += k;
        n -= k;
    }
    return true;
}

/* Reads a body of n bytes; false when the input ends first. */
static bool read_body(Reader *r, RgBuf *body, size_t n)
{
    buf_clear(body);
    buf_reserve(body, n);
    while (body->len < n) {
        if (r->pos == r->len && !fill(r))
            return false;
        size_t k = r->len - r->pos < n - body->len ? r->len - r->pos : n - body->len;
        buf_add(body, r->buf + r->pos, k);
        r->pos += k;
    }
    return true;
}

/* ---------------------------------------------------------------- diagnostics */

/* A URI for a file of an analysis: the open document's own when it is
 * open, NULL for a stdlib module (it has no file). */
static const char *uri_of_file(Server *s, const Analysis *a, uint32_t file)
{
    Module *m = query_module_of(a->checked, file);
    if (!m || m->stdlib)
        return NULL;
    Doc *o = doc_by_key(s, file_key(m->path));
    return o ? o->uri : path_uri(m->path);
}

static void jw_diagnostic(Server *s, RgBuf *b, Analysis *a, const Diagnostic *g)
{
    uint32_t file = g->span.file ? g->span.file : a->root->file;
    buf_adds(b, "{\"range\":");
    jw_range(b, file_map(a, file), g->span.file ? g->span.start : 0, g->span.file ? g->span.end : 0);
    buf_printf(b, ",\"severity\":%d,\"source\":\"regel\",\"message\":", g->level == DIAG_ERROR ? 1 : 2);
    RgBuf msg;
    buf_init(&msg);
    buf_adds(&msg, g->message);
    if (g->hint)
        buf_printf(&msg, "\nhint: %s", g->hint);
    /* Notes in the stdlib have no file to point at: they go in the text. */
    for (size_t i = 0; i < g->nnotes; i++)
        if (!uri_of_file(s, a, g->notes[i].span.file)) {
            RgBuf where;
            buf_init(&where);
            diag_location(a->files, g->notes[i].span, &where);
            buf_printf(&msg, "\nnote: %s%s%s", where.data ? where.data : "", where.len ? ": " : "",
                       g->notes[i].message);
        }
    jw_string(b, msg.data, msg.len);
    buf_adds(b, ",\"relatedInformation\":[");
    bool first = true;
    for (size_t i = 0; i < g->nnotes; i++) {
        const DiagNote *n = &g->notes[i];
        const char *uri = uri_of_file(s, a, n->span.file);
        if (!uri)
            continue;
        buf_adds(b, first ? "{\"location\":{\"uri\":" : ",{\"location\":{\"uri\":");
        first = false;
        jw_str(b, uri);
        buf_adds(b, ",\"range\":");
        jw_range(b, file_map(a, n->span.file), n->span.start, n->span.end);
        buf_adds(b, "},\"message\":");
        jw_str(b, n->message);
        buf_addc(b, '}');
    }
    buf_adds(b, "]}");
}

/* Publishes the diagnostics of one file of an analysis; version < 0 for
 * a file that is not open. */
static void publish_file(Server *s, Analysis *a, uint32_t file, const char *uri, long version)
{
    RgBuf p;
    buf_init(&p);
    buf_adds(&p, "{\"uri\":");
    jw_str(&p, uri);
    if (version >= 0)
        buf_printf(&p, ",\"version\":%ld", version);
    buf_adds(&p, ",\"diagnostics\":[");
    bool first = true;
    for (size_t i = 0; a && i < a->diags->count; i++) {
        const Diagnostic *g = &a->diags->items[i];
        if (g->span.file != file && !(g->span.file == 0 && file == a->root->file))
            continue;
        if (!first)
            buf_addc(&p, ',');
        first = false;
        jw_diagnostic(s, &p, a, g);
    }
    buf_adds(&p, "]}");
    notify(s, "textDocument/publishDiagnostics", &p);
}

static void publish_nothing(Server *s, const char *uri)
{
    publish_file(s, NULL, 0, uri, -1);
}

static bool file_has_diagnostics(const Analysis *a, uint32_t file)
{
    for (size_t i = 0; i < a->diags->count; i++)
        if (a->diags->items[i].span.file == file)
            return true;
    return false;
}

/* Clears what d published for files that are not open, unless another
 * document still reaches them; keep lists the ones d still reaches. */
static void release_external(Server *s, Doc *d, const char *const *keep, size_t nkeep)
{
    for (size_t i = 0; i < d->nexternal; i++) {
        const char *uri = d->external[i];
        if (has_key(keep, nkeep, uri) || doc_by_uri(s, uri) || !strmap_get(&s->flagged, uri))
            continue;
        bool other = false;
        for (size_t k = 0; k < s->ndocs && !other; k++)
            other = s->docs[k] != d && has_key(s->docs[k]->external, s->docs[k]->nexternal, uri);
        if (!other) {
            publish_nothing(s, uri);
            strmap_put(&s->flagged, uri, NULL);
        }
    }
}

/* Publishes the diagnostics of d's analysis: d's own, and those of the
 * files it imports that are not open (`regel check` reports them too). */
static void publish(Server *s, Doc *d)
{
    Analysis *a = d->cur;
    publish_file(s, a, a->root->file, d->uri, d->version);
    size_t nmods;
    Module **mods = reached(a, &nmods);
    const char **external = rg_alloc(nmods * sizeof *external);
    size_t next = 0;
    for (size_t i = 1; i < nmods; i++) {
        Module *m = mods[i];
        if (m->stdlib || doc_by_key(s, file_key(m->path)))
            continue;
        const char *uri = path_uri(m->path);
        external[next++] = uri;
        bool has = file_has_diagnostics(a, m->file);
        if (has || strmap_get(&s->flagged, uri)) {
            publish_file(s, a, m->file, uri, -1);
            strmap_put(&s->flagged, uri, has ? (void *)uri : NULL);
        }
    }
    release_external(s, d, external, next);
    d->external = external;
    d->nexternal = next;
}

/* Checks d again if its text (or an open file it imports) changed, and
 * publishes what the check found. */
static void refresh(Server *s, Doc *d)
{
    if (!d->dirty)
        return;
    d->cur = analyse(s, d, d->text, d->len, true);
    d->reach = d->cur->reach;
    d->nreach = d->cur->nreach;
    d->dirty = false;
    if (d->cur->parsed)
        d->good = d->cur;
    publish(s, d);
}

/* Checks every document that waits for it, each inside its own boundary
 * so that one that runs out of memory leaves the others checked. */
static void refresh_guarded(Server *s, Doc *d)
{
    RgTry t;
    if (RG_TRY(&t) == 0) {
        refresh(s, d);
        rg_try_end(&t);
    }
}

/* A document whose check was unwound stays dirty: it is tried again when
 * the next message has been handled. */
static void refresh_all(Server *s)
{
    for (size_t i = 0; i < s->ndocs; i++)
        refresh_guarded(s, s->docs[i]);
}

/* ---------------------------------------------------------------- places */

/* How two versions of a text differ: one changed stretch between a common
 * start and a common end. Offsets outside the stretch carry over. */
typedef struct Shift {
    uint32_t prefix, suffix;
    size_t old_len, new_len;
} Shift;

static Shift shift_between(const char *old, size_t old_len, const char *now, size_t new_len)
{
    Shift sh = {0, 0, old_len, new_len};
    size_t most = old_len < new_len ? old_len : new_len;
    while (sh.prefix < most && old[sh.prefix] == now[sh.prefix])
        sh.prefix++;
    while (sh.suffix < most - sh.prefix && old[old_len - 1 - sh.suffix] == now[new_len - 1 - sh.suffix])
        sh.suffix++;
    return sh;
}

/* The shift between a text and itself. */
static Shift unchanged(size_t len)
{
    Shift sh = {(uint32_t)len, 0, len, len};
    return sh;
}

/* The offset in the old text of an offset in the new one; false inside the
 * changed stretch, where the old text has nothing to say. */
static bool shift_to_old(const Shift *sh, uint32_t off, uint32_t *old)
{
    if (off <= sh->prefix) {
        *old = off;
        return true;
    }
    if (off >= sh->new_len - sh->suffix) {
        *old = (uint32_t)(off - sh->new_len + sh->old_len);
        return true;
    }
    return false;
}

static uint32_t shift_to_new(const Shift *sh, uint32_t off)
{
    if (off <= sh->prefix)
        return off;
    if (off >= sh->old_len - sh->suffix)
        return (uint32_t)(off - sh->old_len + sh->new_len);
    return sh->prefix;
}

/* A place in a document, as a question about it is answered: the
 * analysis to ask and the offset in the text it checked. */
typedef struct Place {
    Doc *doc;
    Analysis *a;
    uint32_t off;   /* in a->text */
    Shift shift;    /* from a->text to doc->text */
} Place;

static Doc *param_doc(Server *s, const JVal *params)
{
    const char *uri = jv_str(jv_get(jv_get(params, "textDocument"), "uri"));
    return uri ? doc_by_uri(s, uri) : NULL;
}

/* The document and offset a request names; false (after answering with an
 * error) when the parameters do not name an open document and a position. */
static bool param_position(Server *s, const JVal *id, const JVal *params, Doc **d, uint32_t *off)
{
    const JVal *pos = jv_get(params, "position");
    long line, character;
    *d = param_doc(s, params);
    if (!*d || !jv_long(jv_get(pos, "line"), &line) || !jv_long(jv_get(pos, "character"), &character)) {
        respond_error(s, id, RPC_INVALID_PARAMS, "%s",
                      *d ? "expected a position {line, character}" : "the document is not open");
        return false;
    }
    refresh(s, *d);
    if (!(*d)->cur) {
        respond_error(s, id, RPC_REQUEST_FAILED, "the document could not be checked");
        return false;
    }
    *off = lm_offset((*d)->lines, line, character);
    return true;
}

/* The analysis that can answer about offset `here` of d: the current one
 * when it parsed, else the last one that did, if the place is outside the
 * stretch edited since. */
static bool place_at(Doc *d, uint32_t here, Place *p)
{
    p->doc = d;
    if (d->cur && d->cur->parsed) {
        p->a = d->cur;
        p->off = here;
        p->shift = unchanged(d->len);
        return true;
    }
    if (!d->good)
        return false;
    p->a = d->good;
    p->shift = shift_between(d->good->text, d->good->len, d->text, d->len);
    return shift_to_old(&p->shift, here, &p->off);
}

/* A span of p's analysis as an LSP location; false for one in no file a
 * client can open (the stdlib, a built-in). */
static bool jw_location(Server *s, RgBuf *b, const Place *p, Span span)
{
    if (!span.file)
        return false;
    if (span.file == p->a->root->file) {
        buf_adds(b, "{\"uri\":");
        jw_str(b, p->doc->uri);
        buf_adds(b, ",\"range\":");
        jw_range(b, p->doc->lines, shift_to_new(&p->shift, span.start), shift_to_new(&p->shift, span.end));
        buf_addc(b, '}');
        return true;
    }
    const char *uri = uri_of_file(s, p->a, span.file);
    if (!uri)
        return false;
    buf_adds(b, "{\"uri\":");
    jw_str(b, uri);
    buf_adds(b, ",\"range\":");
    jw_range(b, file_map(p->a, span.file), span.start, span.end);
    buf_addc(b, '}');
    return true;
}

/* A span of the document itself as a range in its current text. */
static void jw_doc_range(RgBuf *b, const Place *p, Span span)
{
    jw_range(b, p->doc->lines, shift_to_new(&p->shift, span.start), shift_to_new(&p->shift, span.end));
}

/* ---------------------------------------------------------------- hover */

static const char *severity_word(Severity s)
{
    return s == SEV_MUST ? "must" : s == SEV_SHOULD ? "should" : "guard";
}

static const char *type_or_unknown(const Type *t)
{
    return t && t->kind != T_ERROR ? type_name(t) : "?";
}

static void md_code(RgBuf *md, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void md_code(RgBuf *md, const char *fmt, ...)
{
    buf_adds(md, "```regel\n");
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(md, fmt, ap);
    va_end(ap);
    buf_adds(md, "\n```\n");
}

static void md_doc(RgBuf *md, const Checked *c, const Node *decl)
{
    const char *doc = decl ? query_doc_comment(c, decl) : NULL;
    if (doc)
        buf_printf(md, "\n%s\n", doc);
}

/* The parameters of a function or table: "a: Int, b: Text". */
static const char *param_list(const NodeList *params)
{
    RgBuf b;
    buf_init(&b);
    for (size_t i = 0; i < params->len; i++) {
        const Node *p = params->items[i];
        buf_printf(&b, "%s%s: %s", i ? ", " : "", p->u.param.name.name, type_or_unknown(p->u.param.type_ann->type));
    }
    return b.data ? b.data : "";
}

static void describe_decision(RgBuf *md, const Checked *c, const Node *d)
{
    bool queue = d->kind == N_QUEUE;
    const Node *over = queue ? d->u.queue.over : d->u.decision.over;
    md_code(md, "%s %s for %s in %s", queue ? "queue" : "decision", queue ? d->u.queue.name.name : d->u.decision.name.name,
            queue ? d->u.queue.subject.name : d->u.decision.subject.name, format_flat(c->files, over));
    const NodeList *body = queue ? &d->u.queue.body : &d->u.decision.body;
    RgBuf rules;
    buf_init(&rules);
    for (size_t i = 0; i < body->len; i++) {
        const Node *s = body->items[i];
        if (s->kind == N_RULE)
            buf_printf(&rules, "%s%s %s", rules.len ? ", " : "", severity_word(s->u.rule.severity), s->u.rule.ref.name);
        else if (s->kind == N_INCLUDE)
            buf_printf(&rules, "%sinclude %s", rules.len ? ", " : "", s->u.include.decision.name);
    }
    if (!queue && d->u.decision.words && d->u.decision.words->nwords) {
        buf_adds(md, "\noutcome: ");
        for (size_t i = 0; i < d->u.decision.words->nwords; i++)
            buf_printf(md, "%s`%s`", i ? " | " : "", d->u.decision.words->words[i]);
        buf_addc(md, '\n');
    }
    if (rules.len)
        buf_printf(md, "\nrules: %s\n", rules.data);
    md_doc(md, c, d);
}

static void describe_symbol(RgBuf *md, const Checked *c, const Symbol *sym)
{
    const Node *d = sym->decl;
    switch (sym->kind) {
    case SYM_LOCAL: {
        const char *what = "";
        if (d && d->kind == N_LET)
            what = "let ";
        md_code(md, "%s%s: %s", what, sym->name, type_or_unknown(sym->type));
        if (!d)
            break;
        if (d->kind == N_PARAM)
            buf_adds(md, "\na parameter\n");
        else if (d->kind == N_DECISION)
            buf_printf(md, "\nthe subject of decision `%s`\n", d->u.decision.name.name);
        else if (d->kind == N_QUEUE)
            buf_printf(md, "\nthe element of queue `%s`\n", d->u.queue.name.name);
        else if (d->kind == N_LAMBDA)
            buf_adds(md, "\nthe element of the list\n");
        else if (d->kind == N_RULE)
            buf_printf(md, "\neach element of `%s`, in rule %s\n", format_flat(c->files, d->u.rule.each_list),
                       d->u.rule.ref.name);
        break;
    }
    case SYM_CONST:
        md_code(md, "const %s: %s = %s", sym->name, type_or_unknown(sym->type),
                format_flat(c->files, d->u.constant.value));
        md_doc(md, c, d);
        break;
    case SYM_SOURCE: {
        const char *key = d->u.source.key.name;
        md_code(md, "source %s: %s from %s \"%s\"%s%s", sym->name, type_or_unknown(sym->type), d->u.source.format.name,
                d->u.source.file, key ? " key " : "", key ? key : "");
        md_doc(md, c, d);
        break;
    }
    case SYM_FN:
        md_code(md, "fn %s(%s) -> %s", sym->name, param_list(&d->u.fn.params), type_or_unknown(sym->type));
        md_doc(md, c, d);
        break;
    case SYM_TABLE:
        md_code(md, "table %s(%s) -> %s", sym->name, param_list(&d->u.table.params), type_or_unknown(sym->type));
        md_doc(md, c, d);
        break;
    case SYM_DECISION:
    case SYM_QUEUE:
        describe_decision(md, c, d);
        break;
    case SYM_RECORD: {
        const RecordType *rt = d->u.record.rt;
        RgBuf fields;
        buf_init(&fields);
        for (size_t i = 0; rt && i < rt->nfields; i++) {
            const FieldDef *f = &rt->fields[i];
            buf_printf(&fields, "\n    %s: %s", f->name, type_or_unknown(f->type));
            if (strcmp(f->column, f->name) != 0)
                buf_printf(&fields, " from \"%s\"", f->column);
        }
        md_code(md, "record %s {%s\n}", sym->name, fields.data ? fields.data : "");
        md_doc(md, c, d);
        break;
    }
    case SYM_ENUM: {
        const EnumType *et = d->u.enum_decl.et;
        RgBuf words;
        buf_init(&words);
        for (size_t i = 0; et && i < et->nwords; i++)
            buf_printf(&words, "%s%s", i ? " | " : "", et->words[i]);
        md_code(md, "enum %s = %s", sym->name, words.data ? words.data : "");
        md_doc(md, c, d);
        break;
    }
    case SYM_FORMAT:
        md_code(md, "format %s = %s(...)", sym->name, d->u.format.base.name);
        md_doc(md, c, d);
        break;
    case SYM_TODAY:
        md_code(md, "today: Date");
        buf_adds(md, "\nthe date of the run (`--today`, else the machine's date)\n");
        break;
    case SYM_PASSED:
        md_code(md, "passed: Bool");
        buf_adds(md, "\ntrue while no must-rule has failed\n");
        break;
    case SYM_QSTATE:
        md_code(md, "%s: Int", sym->name);
        buf_adds(md, sym->slot == QSTATE_ADMITTED ? "\nhow many of this line of the queue were admitted before this element\n"
                                                   : "\nthe element's place in its line of the queue, from 1\n");
        break;
    case SYM_BUILTIN:
        break;
    }
}

static void describe_builtin(RgBuf *md, const QueryHit *h)
{
    if (h->special >= 0) {
        const Special *sp = &special_table[h->special];
        md_code(md, "%s(...)", sp->name);
        buf_printf(md, "\n%s\n", sp->doc);
        return;
    }
    const char *name = builtin_table[h->builtin].name;
    buf_adds(md, "```regel\n");
    for (int i = h->builtin; i >= 0; i = builtin_find(name, (size_t)i + 1))
        buf_printf(md, "%s%s\n", name, builtin_table[i].sig);
    buf_adds(md, "```\n");
    for (int i = h->builtin; i >= 0; i = builtin_find(name, (size_t)i + 1))
        buf_printf(md, "\n%s\n", builtin_table[i].doc);
}

/* Hover text for what the hit names, in Markdown; empty for nothing. */
static void describe(RgBuf *md, const Checked *c, const QueryHit *h)
{
    switch (h->kind) {
    case QUERY_SYMBOL:
        describe_symbol(md, c, h->sym);
        break;
    case QUERY_FIELD: {
        const FieldDef *f = &h->rec->fields[h->field];
        md_code(md, "%s: %s", f->name, type_or_unknown(f->type));
        Node *decl = query_record_decl(c, h->rec);
        if (decl) {
            buf_printf(md, "\nfield of `%s`, read from the column \"%s\"\n", h->rec->name, f->column);
            for (size_t i = 0; i < decl->u.record.fields.len; i++)
                if (decl->u.record.fields.items[i]->u.rec_field.name.span.start == f->span.start)
                    md_doc(md, c, decl->u.record.fields.items[i]);
        } else {
            buf_printf(md, "\npart of `%s`\n", h->rec->name);
        }
        break;
    }
    case QUERY_WORD: {
        const EnumType *et = h->enm;
        md_code(md, "%s.%s", et->name, et->words[h->word]);
        if (strcmp(et->spellings[h->word], et->words[h->word]) != 0)
            buf_printf(md, "\nspelt \"%s\" in exports\n", et->spellings[h->word]);
        if (strcmp(et->texts[h->word], et->spellings[h->word]) != 0)
            buf_printf(md, "\nshown as \"%s\" in messages\n", et->texts[h->word]);
        break;
    }
    case QUERY_MODULE:
        md_code(md, "import %s", h->module->name);
        buf_printf(md, "\n%s\n", h->module->path);
        break;
    case QUERY_RULE: {
        const Node *r = h->node;
        md_code(md, "%s %s %s%s%s%s", severity_word(r->u.rule.severity), r->u.rule.ref.name,
                r->u.rule.each.name ? "for " : "", r->u.rule.each.name ? r->u.rule.each.name : "",
                r->u.rule.each.name ? rg_sprintf(" in %s: ", format_flat(c->files, r->u.rule.each_list)) : "",
                format_flat(c->files, r->u.rule.cond));
        buf_printf(md, "\nelse %s\n", format_flat(c->files, r->u.rule.message));
        break;
    }
    case QUERY_BUILTIN:
        describe_builtin(md, h);
        break;
    case QUERY_EXPR: {
        const char *text = format_flat(c->files, h->node);
        if (strlen(text) > 120)
            md_code(md, "%s", type_or_unknown(h->node->type));
        else
            md_code(md, "%s: %s", text, type_or_unknown(h->node->type));
        break;
    }
    case QUERY_NOTHING:
        break;
    }
}

/* The place a hover or definition request asks about and what is there;
 * false when the request has been answered already (an error, or null for
 * a place with nothing known). */
static bool asked_place(Server *s, const JVal *id, const JVal *params, Place *p, QueryHit *h)
{
    Doc *d;
    uint32_t here;
    if (!param_position(s, id, params, &d, &here))
        return false;
    if (!place_at(d, here, p)) {
        respond(s, id, "null");
        return false;
    }
    *h = query_at(p->a->root, p->off);
    return true;
}

static void on_hover(Server *s, const JVal *id, const JVal *params)
{
    Place p;
    QueryHit h;
    if (!asked_place(s, id, params, &p, &h))
        return;
    RgBuf md;
    buf_init(&md);
    describe(&md, p.a->checked, &h);
    if (!md.len) {
        respond(s, id, "null");
        return;
    }
    RgBuf r;
    buf_init(&r);
    buf_adds(&r, "{\"contents\":{\"kind\":\"markdown\",\"value\":");
    jw_string(&r, md.data, md.len);
    buf_adds(&r, "},\"range\":");
    jw_doc_range(&r, &p, h.span);
    buf_addc(&r, '}');
    respond(s, id, r.data);
}

/* ---------------------------------------------------------------- definition */

static void on_definition(Server *s, const JVal *id, const JVal *params)
{
    Place p;
    QueryHit h;
    if (!asked_place(s, id, params, &p, &h))
        return;
    RgBuf r;
    buf_init(&r);
    if (!jw_location(s, &r, &p, query_definition(p.a->checked, &h))) {
        respond(s, id, "null");
        return;
    }
    respond(s, id, r.data);
}

/* ---------------------------------------------------------------- completion */

static const char *const decl_keywords[] = {"import", "record", "enum", "format", "source", "const",
                                            "fn", "table", "decision", "queue", "test", NULL};
static const char *const stmt_keywords[] = {"let", "must", "should", "guard", "include", "field", "outcome", NULL};
static const char *const test_keywords[] = {"let", "given", "expect", NULL};
static const char *const expr_keywords[] = {"if", "then", "else", "and", "or", "not", "in", "where",
                                            "true", "false", "none", "it", NULL};

/* LSP CompletionItemKind */
enum {
    ITEM_FUNCTION = 3, ITEM_FIELD = 5, ITEM_VARIABLE = 6, ITEM_MODULE = 9, ITEM_PROPERTY = 10, ITEM_ENUM = 13,
    ITEM_KEYWORD = 14, ITEM_ENUM_MEMBER = 20, ITEM_CONSTANT = 21, ITEM_STRUCT = 22, ITEM_EVENT = 23,
};

typedef struct Items {
    RgBuf b;
    size_t n;
    StrMap seen;
    const char *range;     /* the text the item replaces, as JSON */
    bool only_decisions;   /* after `include` */
} Items;

static void item(Items *it, const char *label, int kind, const char *detail, const char *doc, const char *sort)
{
    if (strmap_get(&it->seen, label))
        return;
    strmap_put(&it->seen, label, (void *)label);
    buf_adds(&it->b, it->n++ ? ",{\"label\":" : "{\"label\":");
    jw_str(&it->b, label);
    buf_printf(&it->b, ",\"kind\":%d", kind);
    if (detail) {
        buf_adds(&it->b, ",\"detail\":");
        jw_str(&it->b, detail);
    }
    if (doc) {
        buf_adds(&it->b, ",\"documentation\":{\"kind\":\"markdown\",\"value\":");
        jw_str(&it->b, doc);
        buf_addc(&it->b, '}');
    }
    if (sort) {
        buf_adds(&it->b, ",\"sortText\":");
        jw_str(&it->b, rg_sprintf("%s%s", sort, label));
    }
    buf_adds(&it->b, ",\"textEdit\":{\"range\":");
    buf_adds(&it->b, it->range);
    buf_adds(&it->b, ",\"newText\":");
    jw_str(&it->b, label);
    buf_adds(&it->b, "}}");
}

static void field_item(void *ctx, const char *name, const Type *type, const FieldDef *def)
{
    Items *it = ctx;
    const char *doc = def && strcmp(def->column, def->name) != 0 ? rg_sprintf("from \"%s\"", def->column) : NULL;
    item(it, name, ITEM_FIELD, type_or_unknown(type), doc, NULL);
}

static void word_items(Items *it, const EnumType *et, const char *sort)
{
    for (size_t i = 0; i < et->nwords; i++)
        item(it, et->words[i], ITEM_ENUM_MEMBER, et->name, NULL, sort);
}

static void name_item(void *ctx, const char *name, const Symbol *sym, const Type *type)
{
    Items *it = ctx;
    SymKind k = sym ? sym->kind : SYM_TODAY;
    if (it->only_decisions) {
        if (k == SYM_DECISION || k == SYM_QUEUE)
            item(it, name, ITEM_EVENT, k == SYM_DECISION ? "decision" : "queue", NULL, NULL);
        return;
    }
    switch (k) {
    case SYM_LOCAL: item(it, name, ITEM_VARIABLE, type_or_unknown(type), NULL, "1"); break;
    case SYM_CONST: item(it, name, ITEM_CONSTANT, type_or_unknown(type), NULL, "2"); break;
    case SYM_SOURCE: item(it, name, ITEM_VARIABLE, type_or_unknown(type), NULL, "2"); break;
    case SYM_FN:
    case SYM_TABLE:
        item(it, name, ITEM_FUNCTION,
             rg_sprintf("(%s) -> %s", param_list(k == SYM_FN ? &sym->decl->u.fn.params : &sym->decl->u.table.params),
                        type_or_unknown(type)),
             NULL, "2");
        break;
    case SYM_DECISION: item(it, name, ITEM_EVENT, "decision", NULL, "2"); break;
    case SYM_QUEUE: item(it, name, ITEM_EVENT, "queue", NULL, "2"); break;
    case SYM_RECORD: item(it, name, ITEM_STRUCT, "record", NULL, "3"); break;
    case SYM_ENUM: item(it, name, ITEM_ENUM, "enum", NULL, "3"); break;
    case SYM_FORMAT: item(it, name, ITEM_PROPERTY, "format", NULL, "3"); break;
    default: item(it, name, ITEM_VARIABLE, type_or_unknown(type), NULL, "2"); break;
    }
}

static void keyword_items(Items *it, const char *const *words)
{
    for (size_t i = 0; words[i]; i++)
        item(it, words[i], ITEM_KEYWORD, NULL, NULL, "5");
}

static bool name_byte(unsigned char c)
{
    return c >= 0x80 || c == '_' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* The type of a chain of names written before a '.' (`vc`, `st.anstallning`,
 * `.omrade` for a field of the element), from the names visible at off in
 * a: for completing after the '.' when the text around does not parse.
 * NULL when the chain is not one of names or a name in it is unknown. */
typedef struct Lookup {
    const char *name;
    const Type *type;
    const Symbol *sym;
    bool found;
    const Type *elem;  /* the innermost element of a where, count ... */
} Lookup;

static void find_name(void *ctx, const char *name, const Symbol *sym, const Type *type)
{
    Lookup *l = ctx;
    if (!l->elem && sym && sym->kind == SYM_LOCAL && sym->decl && sym->decl->kind == N_LAMBDA)
        l->elem = type;
    if (!l->found && l->name && strcmp(name, l->name) == 0) {
        l->found = true;
        l->type = type;
        l->sym = sym;
    }
}

typedef struct FieldLookup {
    const char *name;
    const Type *type;
} FieldLookup;

static void find_field(void *ctx, const char *name, const Type *type, const FieldDef *def)
{
    FieldLookup *f = ctx;
    if (!f->type && strcmp(name, f->name) == 0)
        f->type = type;
}

static const Type *chain_type(Analysis *a, uint32_t off, const char *chain, size_t n)
{
    size_t i = 0;
    const Type *t = NULL;
    while (i <= n) {
        size_t j = i;
        while (j < n && chain[j] != '.')
            j++;
        size_t end = j;
        while (end > i && (chain[end - 1] == '!' || chain[end - 1] == '?'))
            end--;
        const char *seg = rg_strndup(chain + i, end - i);
        if (i == 0) {
            Lookup l = {seg[0] ? seg : NULL, NULL, NULL, false, NULL};
            query_scope(a->root, off, find_name, &l);
            if (!seg[0])
                t = l.elem;
            else if (l.sym && l.sym->kind == SYM_ENUM && l.sym->decl->u.enum_decl.et)
                t = type_enum(l.sym->decl->u.enum_decl.et);
            else
                t = l.type;
        } else {
            FieldLookup f = {seg, NULL};
            if (t)
                query_fields(t, find_field, &f);
            t = f.type;
        }
        if (!t || j == n)
            return t;
        i = j + 1;
    }
    return t;
}

/* The analysis to ask what could be written at offset `here` of d, and
 * the offset there: the current one when it parsed; else, when nothing is
 * written at the cursor yet, the text with a name there (`vc.` becomes
 * `vc.regel_completion_point`), if that parses; else the text with the
 * cursor's line blanked out (which keeps every offset); else the last one
 * that parsed, at the place the edit since then began. *exact tells
 * whether the analysis saw the text at the cursor as written. */
static Analysis *completion_analysis(Server *s, Doc *d, uint32_t here, bool nothing_written, uint32_t line_start,
                                     uint32_t *off, bool *exact)
{
    const char *text = d->text;
    *off = here;
    *exact = true;
    if (d->cur->parsed)
        return d->cur;
    if (nothing_written) {
        size_t n = d->len + strlen(PLACEHOLDER);
        char *patched = rg_alloc_atomic(n + 1);
        memcpy(patched, text, here);
        memcpy(patched + here, PLACEHOLDER, strlen(PLACEHOLDER));
        memcpy(patched + here + strlen(PLACEHOLDER), text + here, d->len - here + 1);
        Analysis *a = analyse(s, d, patched, n, false);
        if (a->parsed)
            return a;
    }
    *exact = false;
    uint32_t end = here;
    while (end < d->len && text[end] != '\n' && text[end] != '\r')
        end++;
    char *blanked = rg_alloc_atomic(d->len + 1);
    memcpy(blanked, text, d->len + 1);
    memset(blanked + line_start, ' ', end - line_start);
    Analysis *a = analyse(s, d, blanked, d->len, false);
    if (a->parsed)
        return a;
    if (!d->good)
        return NULL;
    Shift sh = shift_between(d->good->text, d->good->len, text, d->len);
    if (!shift_to_old(&sh, line_start, off))
        *off = sh.prefix;
    return d->good;
}

/* Items for what may follow the '.' before start: the fields of the value
 * (or the words of the enum) it is read from. */
static void field_items(Items *it, Analysis *a, uint32_t off, bool exact, const char *text, uint32_t start)
{
    const Type *object = NULL;
    if (exact) {
        object = query_at(a->root, off).object;
    } else {
        uint32_t dot = start - 1, k = dot;
        while (k > 0 && (name_byte((unsigned char)text[k - 1]) || text[k - 1] == '.' || text[k - 1] == '!' ||
                         text[k - 1] == '?'))
            k--;
        /* After a call or a lookup the chain is not one of names. */
        bool names = k == 0 || !strchr(")]\"", text[k - 1]);
        object = names ? chain_type(a, off, text + k, dot - k) : NULL;
    }
    if (object && type_strip(object)->kind == T_ENUM)
        word_items(it, type_strip(object)->enm, NULL);
    else if (object)
        query_fields(object, field_item, it);
}

/* Items for a name at off: the enum's words where one is expected, the
 * names in scope, and the keywords (and built-in functions) that can
 * stand there; after `include`, only decisions and queues. */
static void name_items(Items *it, Analysis *a, uint32_t off, bool exact, bool at_line_start)
{
    const Node *owner = query_at(a->root, off).owner;
    if (!it->only_decisions) {
        const Type *want = exact ? query_expected(a->root, off) : NULL;
        if (want && type_strip(want)->kind == T_ENUM)
            word_items(it, type_strip(want)->enm, "0");
    }
    query_scope(a->root, off, name_item, it);
    if (it->only_decisions)
        return;
    if (!owner) {
        keyword_items(it, decl_keywords);
    } else if (owner->kind == N_TEST && at_line_start) {
        keyword_items(it, test_keywords);
    } else if ((owner->kind == N_DECISION || owner->kind == N_QUEUE) && at_line_start) {
        keyword_items(it, stmt_keywords);
    } else {
        keyword_items(it, expr_keywords);
        if (owner->kind == N_QUEUE)
            item(it, "capacity", ITEM_KEYWORD, "Int", NULL, "5");
        for (size_t i = 0; i < special_count; i++)
            item(it, special_table[i].name, ITEM_FUNCTION, NULL, special_table[i].doc, "4");
        for (size_t i = 0; i < builtin_count; i++)
            item(it, builtin_table[i].name, ITEM_FUNCTION, builtin_table[i].sig, builtin_table[i].doc, "4");
    }
}

static void on_completion(Server *s, const JVal *id, const JVal *params)
{
    Doc *d;
    uint32_t here;
    if (!param_position(s, id, params, &d, &here))
        return;
    /* The name begun at the cursor (what the items replace), and what
     * stands before it on its line. */
    const char *text = d->text;
    uint32_t start = here;
    while (start > 0 && name_byte((unsigned char)text[start - 1]))
        start--;
    uint32_t line_start = start;
    while (line_start > 0 && text[line_start - 1] != '\n' && text[line_start - 1] != '\r')
        line_start--;
    bool at_line_start = true;
    for (uint32_t k = line_start; k < start; k++)
        at_line_start = at_line_start && (text[k] == ' ' || text[k] == '\t');
    uint32_t word_end = start;
    while (word_end > line_start && (text[word_end - 1] == ' ' || text[word_end - 1] == '\t'))
        word_end--;
    uint32_t word = word_end;
    while (word > line_start && name_byte((unsigned char)text[word - 1]))
        word--;

    Items it;
    memset(&it, 0, sizeof it);
    buf_init(&it.b);
    strmap_init(&it.seen);
    RgBuf range;
    buf_init(&range);
    jw_range(&range, d->lines, start, here);
    it.range = range.data;
    it.only_decisions = word_end < start && word_end - word == 7 && memcmp(text + word, "include", 7) == 0;

    uint32_t off;
    bool exact;
    Analysis *a = completion_analysis(s, d, here, start == here, line_start, &off, &exact);
    if (a && start > 0 && text[start - 1] == '.')
        field_items(&it, a, off, exact, text, start);
    else if (a)
        name_items(&it, a, off, exact, at_line_start);
    else
        keyword_items(&it, decl_keywords);
    RgBuf r;
    buf_init(&r);
    buf_adds(&r, "{\"isIncomplete\":false,\"items\":[");
    buf_add(&r, it.b.data ? it.b.data : "", it.b.len);
    buf_adds(&r, "]}");
    respond(s, id, r.data);
}

/* ---------------------------------------------------------------- document symbols */

/* LSP SymbolKind */
enum {
    SK_MODULE = 2, SK_CLASS = 5, SK_METHOD = 6, SK_FIELD = 8, SK_ENUM = 10, SK_FUNCTION = 12, SK_VARIABLE = 13,
    SK_CONSTANT = 14, SK_OBJECT = 19, SK_ENUM_MEMBER = 22, SK_STRUCT = 23, SK_EVENT = 24,
};

typedef struct Symbols {
    RgBuf *b;
    const Place *p;
    bool comma;    /* a symbol was written at this level */
} Symbols;

/* Opens a DocumentSymbol; its children follow until sym_close. */
static void sym_open(Symbols *y, const char *name, const char *detail, int kind, Span range, Span selection)
{
    if (!name || !*name)
        name = "?";
    buf_adds(y->b, y->comma ? ",{\"name\":" : "{\"name\":");
    y->comma = false;
    jw_str(y->b, name);
    if (detail) {
        buf_adds(y->b, ",\"detail\":");
        jw_str(y->b, detail);
    }
    buf_printf(y->b, ",\"kind\":%d,\"range\":", kind);
    jw_doc_range(y->b, y->p, range);
    buf_adds(y->b, ",\"selectionRange\":");
    if (selection.start < range.start || selection.end > range.end)
        selection = range;
    jw_doc_range(y->b, y->p, selection);
    buf_adds(y->b, ",\"children\":[");
}

static void sym_close(Symbols *y)
{
    buf_adds(y->b, "]}");
    y->comma = true;
}

static void sym_leaf(Symbols *y, const char *name, const char *detail, int kind, Span range, Span selection)
{
    sym_open(y, name, detail, kind, range, selection);
    sym_close(y);
}

static const char *type_detail(const Node *type_ann)
{
    return type_ann && type_ann->type ? type_name(type_ann->type) : NULL;
}

static void statement_symbols(Symbols *y, const NodeList *body)
{
    for (size_t i = 0; i < body->len; i++) {
        const Node *st = body->items[i];
        if (st->kind == N_LET)
            sym_leaf(y, st->u.let.name.name, st->u.let.value->type ? type_name(st->u.let.value->type) : NULL,
                     SK_VARIABLE, st->span, st->u.let.name.span);
        else if (st->kind == N_RULE)
            sym_leaf(y, rg_sprintf("%s %s", severity_word(st->u.rule.severity), st->u.rule.ref.name), NULL, SK_EVENT,
                     st->span, st->u.rule.ref.span);
        else if (st->kind == N_OUT_FIELD)
            sym_leaf(y, st->u.out_field.name.name, NULL, SK_FIELD, st->span, st->u.out_field.name.span);
    }
}

static void decl_symbols(Symbols *y, const Node *d)
{
    switch (d->kind) {
    case N_IMPORT:
        sym_leaf(y, d->u.import.name.name ? d->u.import.name.name : d->u.import.path, "import", SK_MODULE, d->span,
                 d->u.import.name.name ? d->u.import.name.span : d->u.import.path_span);
        break;
    case N_RECORD:
        sym_open(y, d->u.record.name.name, "record", SK_STRUCT, d->span, d->u.record.name.span);
        for (size_t i = 0; i < d->u.record.fields.len; i++) {
            const Node *f = d->u.record.fields.items[i];
            sym_leaf(y, f->u.rec_field.name.name, type_detail(f->u.rec_field.type_ann), SK_FIELD, f->span,
                     f->u.rec_field.name.span);
        }
        sym_close(y);
        break;
    case N_ENUM:
        sym_open(y, d->u.enum_decl.name.name, "enum", SK_ENUM, d->span, d->u.enum_decl.name.span);
        for (size_t i = 0; i < d->u.enum_decl.words.len; i++) {
            const Node *w = d->u.enum_decl.words.items[i];
            sym_leaf(y, w->u.named.name.name, NULL, SK_ENUM_MEMBER, w->span, w->u.named.name.span);
        }
        sym_close(y);
        break;
    case N_FORMAT:
        sym_leaf(y, d->u.format.name.name, "format", SK_OBJECT, d->span, d->u.format.name.span);
        break;
    case N_SOURCE:
        sym_leaf(y, d->u.source.name.name, d->u.source.file, SK_VARIABLE, d->span, d->u.source.name.span);
        break;
    case N_CONST:
        sym_leaf(y, d->u.constant.name.name, d->u.constant.value->type ? type_name(d->u.constant.value->type) : NULL,
                 SK_CONSTANT, d->span, d->u.constant.name.span);
        break;
    case N_FN:
        sym_leaf(y, d->u.fn.name.name, rg_sprintf("(%s)", param_list(&d->u.fn.params)), SK_FUNCTION, d->span,
                 d->u.fn.name.span);
        break;
    case N_TABLE:
        sym_leaf(y, d->u.table.name.name, rg_sprintf("table (%s)", param_list(&d->u.table.params)), SK_FUNCTION,
                 d->span, d->u.table.name.span);
        break;
    case N_DECISION:
        sym_open(y, d->u.decision.name.name, "decision", SK_CLASS, d->span, d->u.decision.name.span);
        statement_symbols(y, &d->u.decision.body);
        sym_close(y);
        break;
    case N_QUEUE:
        sym_open(y, d->u.queue.name.name, "queue", SK_CLASS, d->span, d->u.queue.name.span);
        statement_symbols(y, &d->u.queue.body);
        sym_close(y);
        break;
    case N_TEST:
        sym_leaf(y, d->u.test.name, "test", SK_METHOD, d->span, d->u.test.name_span);
        break;
    default:
        break;
    }
}

static void on_document_symbol(Server *s, const JVal *id, const JVal *params)
{
    Doc *d = param_doc(s, params);
    if (!d) {
        respond_error(s, id, RPC_INVALID_PARAMS, "the document is not open");
        return;
    }
    refresh(s, d);
    if (!d->cur) {
        respond_error(s, id, RPC_REQUEST_FAILED, "the document could not be checked");
        return;
    }
    Place p = {d, d->cur, 0, unchanged(d->len)};
    RgBuf b;
    buf_init(&b);
    Symbols y = {&b, &p, false};
    buf_addc(&b, '[');
    const NodeList *decls = &d->cur->root->ast->u.module.decls;
    for (size_t i = 0; i < decls->len; i++)
        decl_symbols(&y, decls->items[i]);
    buf_addc(&b, ']');
    respond(s, id, b.data);
}

/* ---------------------------------------------------------------- formatting */

typedef struct FormatProblem {
    const char *first;
} FormatProblem;

static void note_format_problem(void *ctx, const regel_diagnostic *g)
{
    FormatProblem *f = ctx;
    if (!f->first && g->level == REGEL_LEVEL_ERROR)
        f->first = g->line ? rg_sprintf("%ld:%ld: %s", g->line, g->column, g->message) : rg_strdup(g->message);
}

static void on_formatting(Server *s, const JVal *id, const JVal *params)
{
    Doc *d = param_doc(s, params);
    if (!d) {
        respond_error(s, id, RPC_INVALID_PARAMS, "the document is not open");
        return;
    }
    FormatProblem problem = {NULL};
    char *out;
    size_t n;
    regel_status st = regel_format_text(d->path ? d->path : d->uri, d->text, d->len, note_format_problem, &problem,
                                        &out, &n);
    if (st != REGEL_OK) {
        respond_error(s, id, RPC_REQUEST_FAILED, "regel fmt cannot lay this text out: %s",
                      problem.first ? problem.first : "out of memory");
        return;
    }
    RgBuf r;
    buf_init(&r);
    if (n == d->len && memcmp(out, d->text, n) == 0) {
        buf_adds(&r, "[]");
    } else {
        buf_adds(&r, "[{\"range\":");
        jw_range(&r, d->lines, 0, (uint32_t)d->len);
        buf_adds(&r, ",\"newText\":");
        jw_string(&r, out, n);
        buf_adds(&r, "}]");
    }
    free(out);
    respond(s, id, r.data);
}

/* ---------------------------------------------------------------- rename */

static const char *const keywords[] = {
    "import", "record", "enum", "format", "source", "from", "as", "key", "const", "fn", "decision", "for",
    "in", "let", "must", "should", "guard", "else", "include", "field", "outcome", "if", "then", "and",
    "or", "not", "where", "true", "false", "none", "it", "return", "day", "days", "week", "weeks", "month",
    "months", "year", "years", "queue", "by", "order", "capacity", "table", "test", "given", "expect", NULL,
};

/* The local the position names, with the place; NULL (after answering)
 * when there is none that can be renamed. */
static const Symbol *rename_target(Server *s, const JVal *id, const JVal *params, Place *p)
{
    Doc *d;
    uint32_t here;
    if (!param_position(s, id, params, &d, &here))
        return NULL;
    if (!d->cur->parsed || !place_at(d, here, p)) {
        respond_error(s, id, RPC_REQUEST_FAILED, "the file has syntax errors; fix them before renaming");
        return NULL;
    }
    QueryHit h = query_at(p->a->root, p->off);
    Span *spans;
    if (h.kind != QUERY_SYMBOL || query_local_spans(p->a->root, h.sym, &spans) == 0) {
        respond_error(s, id, RPC_REQUEST_FAILED,
                      "only a local name (a let, a parameter, a decision's subject, an element) can be renamed");
        return NULL;
    }
    return h.sym;
}

static void on_prepare_rename(Server *s, const JVal *id, const JVal *params)
{
    Place p;
    const Symbol *sym = rename_target(s, id, params, &p);
    if (!sym)
        return;
    QueryHit h = query_at(p.a->root, p.off);
    RgBuf r;
    buf_init(&r);
    buf_adds(&r, "{\"range\":");
    jw_doc_range(&r, &p, h.span);
    buf_adds(&r, ",\"placeholder\":");
    jw_str(&r, sym->name);
    buf_addc(&r, '}');
    respond(s, id, r.data);
}

/* newName as a name: its NFC form, or NULL when it is not a name. */
static const char *as_name(const char *s, size_t n)
{
    if (n == 0 || !text_valid_utf8(s, n, NULL))
        return NULL;
    size_t m;
    const char *t = text_nfc(s, n, &m);
    for (size_t i = 0; i < m;) {
        uint32_t cp;
        int k = text_decode(t + i, &cp);
        if (!text_is_name_char(cp, i == 0))
            return NULL;
        i += (size_t)k;
    }
    const char *name = rg_strndup(t, m);
    for (size_t i = 0; keywords[i]; i++)
        if (strcmp(keywords[i], name) == 0)
            return NULL;
    return name;
}

static void on_rename(Server *s, const JVal *id, const JVal *params)
{
    Place p;
    const Symbol *sym = rename_target(s, id, params, &p);
    if (!sym)
        return;
    const JVal *nv = jv_get(params, "newName");
    const char *name = nv && nv->type == JSON_STRING ? as_name(nv->s, nv->n) : NULL;
    if (!name) {
        respond_error(s, id, RPC_INVALID_PARAMS, "the new name must be a name (letters, then letters, digits or _) "
                                                 "and not a keyword");
        return;
    }
    /* A name already used or declared where the local lives would take
     * over its uses, or it theirs. */
    if (strcmp(name, sym->name) != 0 && sym->owner && query_uses_name(sym->owner, name)) {
        respond_error(s, id, RPC_REQUEST_FAILED, "'%s' is already a name in this %s", name,
                      node_kind_name(sym->owner->kind));
        return;
    }
    Span *spans;
    size_t n = query_local_spans(p.a->root, sym, &spans);
    RgBuf r;
    buf_init(&r);
    buf_adds(&r, "{\"changes\":{");
    jw_str(&r, p.doc->uri);
    buf_adds(&r, ":[");
    for (size_t i = 0; i < n; i++) {
        buf_adds(&r, i ? ",{\"range\":" : "{\"range\":");
        jw_doc_range(&r, &p, spans[i]);
        buf_adds(&r, ",\"newText\":");
        jw_str(&r, name);
        buf_addc(&r, '}');
    }
    buf_adds(&r, "]}}");
    respond(s, id, r.data);
}

/* ---------------------------------------------------------------- lifecycle and documents */

static void on_initialize(Server *s, const JVal *id, const JVal *params)
{
    s->initialized = true;
    RgBuf r;
    buf_init(&r);
    buf_adds(&r, "{\"capabilities\":{"
                 "\"positionEncoding\":\"utf-16\","
                 "\"textDocumentSync\":{\"openClose\":true,\"change\":2,\"save\":{\"includeText\":false}},"
                 "\"hoverProvider\":true,"
                 "\"definitionProvider\":true,"
                 "\"completionProvider\":{\"triggerCharacters\":[\".\"]},"
                 "\"documentSymbolProvider\":true,"
                 "\"documentFormattingProvider\":true,"
                 "\"renameProvider\":{\"prepareProvider\":true}"
                 "},\"serverInfo\":{\"name\":\"regel\",\"version\":");
    jw_str(&r, regel_version());
    buf_adds(&r, "}}");
    respond(s, id, r.data);
}

static void on_shutdown(Server *s, const JVal *id, const JVal *params)
{
    s->shutting_down = true;
    respond(s, id, "null");
}

static void on_exit_notification(Server *s, const JVal *id, const JVal *params)
{
    s->exited = true;
}

static void on_did_open(Server *s, const JVal *id, const JVal *params)
{
    const JVal *td = jv_get(params, "textDocument");
    const char *uri = jv_str(jv_get(td, "uri"));
    const JVal *text = jv_get(td, "text");
    long version = 0;
    if (!uri || !text || text->type != JSON_STRING) {
        log_problem(s, "didOpen needs textDocument.uri and textDocument.text");
        return;
    }
    jv_long(jv_get(td, "version"), &version);
    Doc *d = doc_by_uri(s, uri);
    if (d) {
        set_text(d, text->s, text->n);
    } else {
        /* Listed only once it is whole: running out of memory on the way
         * leaves no half-made document (or list) behind. */
        d = rg_alloc(sizeof *d);
        d->uri = uri;
        d->path = uri_path(uri);
        d->key = d->path ? file_key(d->path) : uri;
        set_text(d, text->s, text->n);
        if (s->ndocs == s->cap) {
            size_t cap = s->cap ? s->cap * 2 : 8;
            Doc **docs = rg_alloc(cap * sizeof *docs);
            if (s->ndocs)
                memcpy(docs, s->docs, s->ndocs * sizeof *docs);
            s->docs = docs;
            s->cap = cap;
        }
        s->docs[s->ndocs++] = d;
    }
    d->version = version;
    dirty_dependents(s, d);
}

/* Applies one change: a range replaced, or (without a range) the whole
 * text. False when the change is not well formed. */
static bool apply_change(Doc *d, const JVal *change)
{
    const JVal *text = jv_get(change, "text");
    if (!text || text->type != JSON_STRING)
        return false;
    const JVal *range = jv_get(change, "range");
    if (!range) {
        set_text(d, text->s, text->n);
        return true;
    }
    long l1, c1, l2, c2;
    const JVal *a = jv_get(range, "start"), *b = jv_get(range, "end");
    if (!jv_long(jv_get(a, "line"), &l1) || !jv_long(jv_get(a, "character"), &c1) ||
        !jv_long(jv_get(b, "line"), &l2) || !jv_long(jv_get(b, "character"), &c2))
        return false;
    uint32_t from = lm_offset(d->lines, l1, c1), to = lm_offset(d->lines, l2, c2);
    if (to < from)
        return false;
    size_t n = d->len - (to - from) + text->n;
    char *t = rg_alloc_atomic(n + 1);
    memcpy(t, d->text, from);
    memcpy(t + from, text->s, text->n);
    memcpy(t + from + text->n, d->text + to, d->len - to);
    t[n] = '\0';
    set_text(d, t, n);
    return true;
}

static void on_did_change(Server *s, const JVal *id, const JVal *params)
{
    Doc *d = param_doc(s, params);
    const JVal *changes = jv_get(params, "contentChanges");
    if (!d || !changes || changes->type != JSON_ARRAY) {
        log_problem(s, "didChange needs an open document and contentChanges");
        return;
    }
    for (size_t i = 0; i < changes->len; i++)
        if (!apply_change(d, changes->items[i])) {
            log_problem(s, "a change needs text, and a range that is in order; the rest of this didChange is left out");
            break;
        }
    long version;
    if (jv_long(jv_get(jv_get(params, "textDocument"), "version"), &version))
        d->version = version;
    dirty_dependents(s, d);
}

static void on_did_save(Server *s, const JVal *id, const JVal *params)
{
    Doc *d = param_doc(s, params);
    if (!d)
        return;
    /* The file may have been made by the save: its real path is known now. */
    if (d->path)
        d->key = file_key(d->path);
    d->dirty = true;
    dirty_dependents(s, d);
}

static void on_did_close(Server *s, const JVal *id, const JVal *params)
{
    Doc *d = param_doc(s, params);
    if (!d)
        return;
    size_t i = 0;
    while (s->docs[i] != d)
        i++;
    memmove(s->docs + i, s->docs + i + 1, (s->ndocs - i - 1) * sizeof *s->docs);
    s->ndocs--;
    publish_nothing(s, d->uri);
    release_external(s, d, NULL, 0);
    dirty_dependents(s, d);
}

/* ---------------------------------------------------------------- dispatch */

typedef void (*Handler)(Server *s, const JVal *id, const JVal *params);

static const struct Method {
    const char *name;
    Handler fn;
    bool notification;
} methods[] = {
    {"initialize", on_initialize, false},
    {"shutdown", on_shutdown, false},
    {"exit", on_exit_notification, true},
    {"textDocument/didOpen", on_did_open, true},
    {"textDocument/didChange", on_did_change, true},
    {"textDocument/didSave", on_did_save, true},
    {"textDocument/didClose", on_did_close, true},
    {"textDocument/hover", on_hover, false},
    {"textDocument/definition", on_definition, false},
    {"textDocument/completion", on_completion, false},
    {"textDocument/documentSymbol", on_document_symbol, false},
    {"textDocument/formatting", on_formatting, false},
    {"textDocument/prepareRename", on_prepare_rename, false},
    {"textDocument/rename", on_rename, false},
};

/* Runs a handler inside a protected boundary; non-zero when it was
 * unwound. (A function of its own, so no local of the caller lives
 * across the longjmp.) */
static int run(Server *s, const struct Method *m, const JVal *id, const JVal *params)
{
    RgTry t;
    int code = RG_TRY(&t);
    if (code == 0) {
        m->fn(s, id, params);
        rg_try_end(&t);
    }
    return code;
}

static void handle(Server *s, const RgBuf *body)
{
    JsonParser j;
    json_init(&j, body->data, body->len, LSP_MAX_JSON_DEPTH);
    JVal *msg = jv_parse(&j);
    if (!msg || !json_finish(&j)) {
        respond_error(s, NULL, RPC_PARSE_ERROR, "the message is not JSON: %s at byte %zu",
                      j.error ? j.error : "unexpected input", j.error_offset);
        return;
    }
    const JVal *id = jv_get(msg, "id");
    if (id && id->type != JSON_NUMBER && id->type != JSON_STRING) {
        respond_error(s, NULL, RPC_INVALID_REQUEST, "an id is a number or a string");
        return;
    }
    const char *method = jv_str(jv_get(msg, "method"));
    if (msg->type != JSON_OBJECT || !method) {
        /* A response to a request of ours: the server sends none. */
        if (id && (jv_get(msg, "result") || jv_get(msg, "error")))
            return;
        respond_error(s, id, RPC_INVALID_REQUEST, "a request is an object with a method");
        return;
    }
    const JVal *params = jv_get(msg, "params");
    const struct Method *m = NULL;
    for (size_t i = 0; i < sizeof methods / sizeof methods[0] && !m; i++)
        if (strcmp(methods[i].name, method) == 0)
            m = &methods[i];
    if (!s->initialized && strcmp(method, "initialize") != 0 && strcmp(method, "exit") != 0) {
        respond_error(s, id, RPC_SERVER_NOT_INITIALIZED, "the server is not initialized yet");
        return;
    }
    if (s->shutting_down && strcmp(method, "exit") != 0) {
        respond_error(s, id, RPC_INVALID_REQUEST, "the server is shutting down");
        return;
    }
    if (!m) {
        /* Notifications the server does not know ($/cancelRequest,
         * initialized ...) need no answer. */
        if (id)
            respond_error(s, id, RPC_METHOD_NOT_FOUND, "no method %s", method);
        return;
    }
    if (run(s, m, m->notification ? NULL : id, params) != 0)
        respond_error(s, id, RPC_INTERNAL_ERROR, "out of memory, or a limit was reached, while handling %s", method);
    else if (m->notification)
        respond(s, id, "null"); /* sent with an id, it was a request after all */
}

/* The conversation, message by message; the status of lsp_serve. */
static int serve(FILE *in, FILE *out)
{
    Server *s = rg_alloc(sizeof *s);
    s->in.fd = fileno(in);
    s->out = out;
    strmap_init(&s->flagged);
    RgBuf body;
    buf_init(&body);
    while (!s->exited && !s->broken) {
        if (!input_waiting(&s->in))
            refresh_all(s);
        size_t length = 0;
        const char *problem;
        bool length_known;
        int r = read_headers(&s->in, &length, &problem, &length_known);
        if (r == 0)
            break;
        if (r < 0) {
            /* Answered first: reading past a huge body takes a while. */
            respond_error(s, NULL, length_known ? RPC_INVALID_REQUEST : RPC_PARSE_ERROR, "%s", problem);
            if (length_known && !skip_body(&s->in, length))
                break;
            continue;
        }
        if (!read_body(&s->in, &body, length))
            break;
        handle(s, &body);
    }
    return s->exited && s->shutting_down ? 0 : 1;
}

int lsp_serve(FILE *in, FILE *out)
{
    rg_alloc_init();
    signal(SIGPIPE, SIG_IGN);
    /* Memory that runs out in a handler is answered with an error (handle).
     * Anywhere else (reading a message, answering one) the server cannot
     * stay in step with the client: it ends as when the client leaves
     * without a shutdown, and the editor starts it again. */
    RgTry t;
    if (RG_TRY(&t))
        return 1;
    int status = serve(in, out);
    rg_try_end(&t);
    return status;
}
