/*
 * test_lsp.c — the language server (src/lsp.c, src/query.c) driven
 * in-process: a session's messages are written to a file, lsp_serve
 * answers them into another, and each test reads the answers an editor
 * would show: hover text for every kind of name, where a name is
 * declared, what completion offers where, the outline of a file, renames
 * and formatting, and the errors a client gets for requests it got wrong.
 *
 * tests/lsp/test_lsp.py drives the `regel lsp` command over pipes with the
 * shipped policies; these tests use one small policy that has a
 * declaration of every kind, so every kind of answer is seen.
 */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lsp.h"

/* A policy with a declaration of every kind, an import, a queue, a test. */
static const char POLICY[] =
    "import lib\n"
    "\n"
    "# The areas a centre may be in.\n"
    "enum Omr = norr as \"Norra\" | soder from \"Södra\"\n"
    "\n"
    "# A centre.\n"
    "record Vc {\n"
    "    id: Text\n"
    "    # How many are listed.\n"
    "    listade: Int from \"Listade\"\n"
    "    omr: Omr\n"
    "    start: Date\n"
    "    sub: Sub?\n"
    "}\n"
    "\n"
    "record Sub {\n"
    "    x: Int\n"
    "}\n"
    "\n"
    "format semi = csv(separator: \";\")\n"
    "\n"
    "# The centres.\n"
    "source vcs: Vc from jsonl \"vc.jsonl\" key id\n"
    "source subs: Sub from semi \"sub.csv\"\n"
    "\n"
    "# The limit of B1.\n"
    "const GRANS = 1500\n"
    "\n"
    "# Twice n.\n"
    "fn dubbel(n: Int) -> Int = n * 2\n"
    "\n"
    "# The level.\n"
    "table niva(v: Vc) -> Int {\n"
    "    v.listade > 3000 => 2,\n"
    "    else => 1,\n"
    "}\n"
    "\n"
    "# The main one.\n"
    "decision d for vc in vcs {\n"
    "    outcome ja | nej\n"
    "    let l = dubbel(vc.listade)\n"
    "    must A1 l >= GRANS else \"för få: {l}\"\n"
    "    should B1 for s in [1, 2]: s > 0 else \"s\"\n"
    "    guard G1 vc.omr == norr and passed else \"inte norr\"\n"
    "    include e(vc)\n"
    "    field n = niva(vc)\n"
    "    field t = today\n"
    "    field k = count([vc], .listade > 0)\n"
    "}\n"
    "\n"
    "decision e for v in vcs {\n"
    "    outcome ja | nej\n"
    "    must E1 v.start < today else \"e\"\n"
    "}\n"
    "\n"
    "queue q for v in vcs\n"
    "    by v.omr\n"
    "    order v.start\n"
    "    capacity 2\n"
    "{\n"
    "    must Q1 admitted < capacity and position > 0 else \"full\"\n"
    "}\n"
    "\n"
    "decision f for v in vcs key v.id {\n"
    "    outcome ja | nej\n"
    "    let w = [v] where x => x.omr == Omr.soder\n"
    "    let y = v.start.year\n"
    "    let z = v.sub?.x ?? 0\n"
    "    must F1 count(w) + y + z + hjalp(1) > 0 else \"f\"\n"
    "}\n"
    "\n"
    "test \"t\" {\n"
    "    given vcs = [Vc(id: \"1\", listade: 2000, omr: norr, start: 2026-01-01)]\n"
    "    expect d(vcs[\"1\"]!).outcome == ja\n"
    "}\n";

static const char LIB[] = "# Helps.\n"
                          "fn hjalp(n: Int) -> Int = n + 1\n";

typedef struct Session {
    char dir[64];
    char uri[256];  /* of p.regel in dir */
    FILE *in;
    int next_id;
    char *out;      /* everything the server wrote */
    size_t len;
    int status;     /* lsp_serve's */
} Session;

static void write_file(const char *dir, const char *name, const char *text)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

/* text as a JSON string, quotes included. */
static char *js(const char *text)
{
    size_t n = strlen(text);
    char *s = malloc(6 * n + 3), *p = s;
    *p++ = '"';
    for (const unsigned char *q = (const unsigned char *)text; *q; q++) {
        if (*q == '"' || *q == '\\') {
            *p++ = '\\';
            *p++ = (char)*q;
        } else if (*q == '\n') {
            *p++ = '\\';
            *p++ = 'n';
        } else if (*q < 0x20) {
            p += sprintf(p, "\\u%04x", *q);
        } else {
            *p++ = (char)*q;
        }
    }
    *p++ = '"';
    *p = '\0';
    return s;
}

static void send_raw(Session *s, const char *body)
{
    fprintf(s->in, "Content-Length: %zu\r\n\r\n%s", strlen(body), body);
}

static char *vformat(const char *fmt, va_list ap)
{
    char *s;
    cr_assert_geq(vasprintf(&s, fmt, ap), 0);
    return s;
}

/* A request with params (JSON text made from fmt); returns its id. */
static int request(Session *s, const char *method, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *params = vformat(fmt, ap);
    va_end(ap);
    char *body;
    int id = ++s->next_id;
    cr_assert_geq(asprintf(&body, "{\"jsonrpc\":\"2.0\",\"id\":%d,\"method\":\"%s\",\"params\":%s}", id, method, params),
                  0);
    send_raw(s, body);
    free(body);
    free(params);
    return id;
}

static void notify(Session *s, const char *method, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *params = vformat(fmt, ap);
    va_end(ap);
    char *body;
    cr_assert_geq(asprintf(&body, "{\"jsonrpc\":\"2.0\",\"method\":\"%s\",\"params\":%s}", method, params), 0);
    send_raw(s, body);
    free(body);
    free(params);
}

/* A session in a fresh folder: lib.regel and p.regel (POLICY) in its
 * subfolder sub ("" for the folder itself), initialized, with p.regel open
 * as text (unless NULL). s->uri names p.regel, with sub's bytes escaped
 * as a URI escapes them (%20 for a space). */
static void start_in(Session *s, const char *sub, const char *text)
{
    memset(s, 0, sizeof *s);
    strcpy(s->dir, "/tmp/regel-lsp-XXXXXX");
    cr_assert_not_null(mkdtemp(s->dir));
    char folder[128], escaped[64] = "";
    snprintf(folder, sizeof folder, "%s/%s", s->dir, sub);
    if (*sub)
        cr_assert_eq(mkdir(folder, 0700), 0);
    for (const char *p = sub; *p; p++)
        snprintf(escaped + strlen(escaped), sizeof escaped - strlen(escaped), *p == ' ' ? "%%20" : "%c", *p);
    write_file(folder, "lib.regel", LIB);
    write_file(folder, "p.regel", POLICY);
    snprintf(s->uri, sizeof s->uri, "file://%s/%s%sp.regel", s->dir, escaped, *sub ? "/" : "");
    s->in = tmpfile();
    cr_assert_not_null(s->in);
    request(s, "initialize", "{\"capabilities\":{}}");
    notify(s, "initialized", "{}");
    if (text) {
        char *t = js(text);
        notify(s, "textDocument/didOpen",
               "{\"textDocument\":{\"uri\":\"%s\",\"languageId\":\"regel\",\"version\":1,\"text\":%s}}", s->uri, t);
        free(t);
    }
}

static void start(Session *s, const char *text)
{
    start_in(s, "", text);
}

/* Ends the session (shutdown, exit) and runs the server over it. */
static void serve(Session *s, bool shutdown)
{
    if (shutdown) {
        request(s, "shutdown", "null");
        notify(s, "exit", "null");
    }
    fflush(s->in);
    cr_assert_eq(lseek(fileno(s->in), 0, SEEK_SET), 0);
    FILE *out = tmpfile();
    cr_assert_not_null(out);
    s->status = lsp_serve(s->in, out);
    fflush(out);
    s->len = (size_t)ftell(out);
    s->out = malloc(s->len + 1);
    rewind(out);
    cr_assert_eq(fread(s->out, 1, s->len, out), s->len);
    s->out[s->len] = '\0';
    fclose(out);
    fclose(s->in);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", s->dir);
    cr_assert_eq(system(cmd), 0);
}

/* The body of the n-th message the server sent (from 0), or NULL. */
static char *message(const Session *s, size_t n)
{
    const char *p = s->out;
    for (size_t i = 0;; i++) {
        const char *h = strstr(p, "Content-Length: ");
        if (!h)
            return NULL;
        size_t len = strtoul(h + 16, NULL, 10);
        const char *body = strstr(h, "\r\n\r\n") + 4;
        if (i == n) {
            char *m = malloc(len + 1);
            memcpy(m, body, len);
            m[len] = '\0';
            return m;
        }
        p = body + len;
    }
}

/* The answer to request id: its whole message. */
static char *response(const Session *s, int id)
{
    char want[32];
    snprintf(want, sizeof want, "\"id\":%d,", id);
    for (size_t i = 0;; i++) {
        char *m = message(s, i);
        if (!m)
            cr_assert_fail("no answer to request %d in:\n%s", id, s->out);
        if (strstr(m, want) && !strstr(m, "\"method\""))
            return m;
        free(m);
    }
}

/* The JSON string that starts at p (at its quote), decoded. */
static char *unquote(const char *p)
{
    cr_assert_eq(*p, '"');
    char *s = malloc(strlen(p) + 1), *o = s;
    for (p++; *p && *p != '"'; p++) {
        if (*p != '\\') {
            *o++ = *p;
            continue;
        }
        p++;
        switch (*p) {
        case 'n': *o++ = '\n'; break;
        case 't': *o++ = '\t'; break;
        case 'r': *o++ = '\r'; break;
        case 'u': {
            unsigned cp = (unsigned)strtoul((char[]){p[1], p[2], p[3], p[4], 0}, NULL, 16);
            p += 4;
            if (cp < 0x80) {
                *o++ = (char)cp;
            } else if (cp < 0x800) {
                *o++ = (char)(0xC0 | (cp >> 6));
                *o++ = (char)(0x80 | (cp & 0x3F));
            } else {
                *o++ = (char)(0xE0 | (cp >> 12));
                *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
                *o++ = (char)(0x80 | (cp & 0x3F));
            }
            break;
        }
        default: *o++ = *p; break;
        }
    }
    *o = '\0';
    return s;
}

/* The value of the first "key": string member in m, decoded; NULL when none. */
static char *member(const char *m, const char *key)
{
    char want[64];
    snprintf(want, sizeof want, "\"%s\":\"", key);
    const char *p = strstr(m, want);
    return p ? unquote(p + strlen(want) - 1) : NULL;
}

/* The error message of the answer to request id (fails when it succeeded). */
static char *error_of(const Session *s, int id, int code)
{
    char *m = response(s, id);
    char want[48];
    snprintf(want, sizeof want, "\"error\":{\"code\":%d,", code);
    cr_assert(strstr(m, want), "request %d: expected error %d, got %s", id, code, m);
    return member(m, "message");
}

/* The LSP position of the first `needle` in text, moved on by `delta`
 * bytes, as {"line":L,"character":C} (characters in UTF-16 units). */
static char *position(const char *text, const char *needle, int delta)
{
    const char *at = strstr(text, needle);
    cr_assert_not_null(at, "\"%s\" is not in the text", needle);
    at += delta;
    long line = 0, col = 0;
    for (const char *p = text; p < at; p++) {
        if (*p == '\n') {
            line++;
            col = 0;
        } else if (((unsigned char)*p & 0xC0) != 0x80) {
            col += ((unsigned char)*p >= 0xF0) ? 2 : 1;
        }
    }
    char *s;
    cr_assert_geq(asprintf(&s, "{\"line\":%ld,\"character\":%ld}", line, col), 0);
    return s;
}

/* A request about a place of p.regel: hover, definition, completion ... */
static int ask(Session *s, const char *method, const char *text, const char *needle, int delta)
{
    char *pos = position(text, needle, delta);
    int id = request(s, method, "{\"textDocument\":{\"uri\":\"%s\"},\"position\":%s}", s->uri, pos);
    free(pos);
    return id;
}

/* The Markdown of a hover answer; NULL when the answer is null. */
static char *hover_text(const Session *s, int id)
{
    char *m = response(s, id);
    if (strstr(m, "\"result\":null"))
        return NULL;
    char *v = member(m, "value");
    cr_assert_not_null(v, "no hover text in %s", m);
    return v;
}

static void expect_hover(const Session *s, int id, const char *want)
{
    char *h = hover_text(s, id);
    cr_assert_not_null(h, "request %d: no hover, expected \"%s\"", id, want);
    cr_expect(strstr(h, want), "request %d: hover\n%s\nhas no \"%s\"", id, h, want);
    free(h);
}

/* ---------------------------------------------------------------- hover */

TestSuite(lsp, .timeout = 60);

Test(lsp, hover_describes_every_kind_of_declaration)
{
    Session s;
    start(&s, POLICY);
    const char *P = POLICY;
    int enm = ask(&s, "textDocument/hover", P, "enum Omr", 6);
    int rec = ask(&s, "textDocument/hover", P, "record Vc", 8);
    int fmt = ask(&s, "textDocument/hover", P, "format semi", 8);
    int src = ask(&s, "textDocument/hover", P, "source vcs", 8);
    int src_format = ask(&s, "textDocument/hover", P, "from semi", 6);
    int src_key = ask(&s, "textDocument/hover", P, "key id", 5);
    int cst = ask(&s, "textDocument/hover", P, "const GRANS", 7);
    int fn = ask(&s, "textDocument/hover", P, "fn dubbel", 4);
    int param = ask(&s, "textDocument/hover", P, "(n: Int)", 1);
    int table = ask(&s, "textDocument/hover", P, "table niva", 7);
    int decision = ask(&s, "textDocument/hover", P, "decision d for", 9);
    int subject = ask(&s, "textDocument/hover", P, "d for vc", 6);
    int queue = ask(&s, "textDocument/hover", P, "queue q", 6);
    int queue_subject = ask(&s, "textDocument/hover", P, "q for v", 6);
    int word_decl = ask(&s, "textDocument/hover", P, "norr as", 1);
    int word_spelt = ask(&s, "textDocument/hover", P, "soder from", 1);
    int field_decl = ask(&s, "textDocument/hover", P, "listade: Int", 1);
    int test_name = ask(&s, "textDocument/hover", P, "test \"t\"", 1);
    int import = ask(&s, "textDocument/hover", P, "import lib", 8);
    serve(&s, true);
    cr_expect_eq(s.status, 0);

    expect_hover(&s, enm, "enum Omr = norr | soder");
    expect_hover(&s, enm, "The areas a centre may be in.");
    expect_hover(&s, rec, "record Vc {\n    id: Text\n    listade: Int from \"Listade\"\n    omr: Omr\n");
    expect_hover(&s, rec, "A centre.");
    expect_hover(&s, fmt, "format semi = csv(...)");
    expect_hover(&s, src, "source vcs: List<Vc> from jsonl \"vc.jsonl\" key id");
    expect_hover(&s, src, "The centres.");
    expect_hover(&s, src_format, "format semi = csv(...)");
    expect_hover(&s, src_key, "id: Text");
    expect_hover(&s, cst, "const GRANS: Int = 1500");
    expect_hover(&s, cst, "The limit of B1.");
    expect_hover(&s, fn, "fn dubbel(n: Int) -> Int");
    expect_hover(&s, fn, "Twice n.");
    expect_hover(&s, param, "n: Int");
    expect_hover(&s, param, "a parameter");
    expect_hover(&s, table, "table niva(v: Vc) -> Int\n");
    expect_hover(&s, table, "The level.");
    expect_hover(&s, decision, "decision d for vc in vcs");
    expect_hover(&s, decision, "outcome: `ja` | `nej`");
    expect_hover(&s, decision, "rules: must A1, should B1, guard G1, include e");
    expect_hover(&s, decision, "The main one.");
    expect_hover(&s, subject, "vc: Vc");
    expect_hover(&s, subject, "the subject of decision `d`");
    expect_hover(&s, queue, "queue q for v in vcs");
    expect_hover(&s, queue, "rules: must Q1");
    expect_hover(&s, queue_subject, "the element of queue `q`");
    expect_hover(&s, word_decl, "Omr.norr");
    expect_hover(&s, word_decl, "shown as \"Norra\" in messages");
    expect_hover(&s, word_spelt, "Omr.soder");
    expect_hover(&s, word_spelt, "spelt \"Södra\" in exports");
    expect_hover(&s, field_decl, "listade: Int");
    expect_hover(&s, field_decl, "field of `Vc`, read from the column \"Listade\"");
    expect_hover(&s, field_decl, "How many are listed.");
    cr_expect_null(hover_text(&s, test_name), "a test's name names nothing");
    expect_hover(&s, import, "import lib");
    expect_hover(&s, import, "lib.regel");
}

Test(lsp, hover_describes_names_where_they_are_used)
{
    Session s;
    start(&s, POLICY);
    const char *P = POLICY;
    int let = ask(&s, "textDocument/hover", P, "A1 l >=", 3);
    int cst = ask(&s, "textDocument/hover", P, "GRANS else", 1);
    int fn = ask(&s, "textDocument/hover", P, "dubbel(vc", 1);
    int field = ask(&s, "textDocument/hover", P, "vc.listade)", 4);
    int each = ask(&s, "textDocument/hover", P, "s > 0", 0);
    int passed = ask(&s, "textDocument/hover", P, "passed else", 1);
    int today = ask(&s, "textDocument/hover", P, "= today", 3);
    int admitted = ask(&s, "textDocument/hover", P, "admitted <", 1);
    int position_ = ask(&s, "textDocument/hover", P, "position >", 1);
    int capacity = ask(&s, "textDocument/hover", P, "< capacity", 3);
    int word = ask(&s, "textDocument/hover", P, "== norr", 4);
    int qualified = ask(&s, "textDocument/hover", P, "Omr.soder", 5);
    int lambda = ask(&s, "textDocument/hover", P, "x.omr", 0);
    int date_part = ask(&s, "textDocument/hover", P, "start.year", 7);
    int optional_field = ask(&s, "textDocument/hover", P, "sub?.x", 5);
    int element_field = ask(&s, "textDocument/hover", P, ".listade > 0", 2);
    int builtin = ask(&s, "textDocument/hover", P, "count(w)", 1);
    int special = ask(&s, "textDocument/hover", P, "count([vc]", 1);
    int imported = ask(&s, "textDocument/hover", P, "hjalp(1)", 1);
    int rule = ask(&s, "textDocument/hover", P, "must A1", 6);
    int each_rule = ask(&s, "textDocument/hover", P, "should B1", 8);
    int include = ask(&s, "textDocument/hover", P, "include e", 8);
    int ctor = ask(&s, "textDocument/hover", P, "Vc(id", 0);
    int named = ask(&s, "textDocument/hover", P, "listade: 2000", 1);
    int lookup = ask(&s, "textDocument/hover", P, "vcs[\"1\"]", 0);
    int literal = ask(&s, "textDocument/hover", P, "3000 =>", 1);
    int keyword = ask(&s, "textDocument/hover", P, "outcome ja", 2);
    int result_field = ask(&s, "textDocument/hover", P, ").outcome == ja", 2);
    int before_start = request(&s, "textDocument/hover",
                               "{\"textDocument\":{\"uri\":\"%s\"},\"position\":{\"line\":-1,\"character\":3}}", s.uri);
    int past_end = request(&s, "textDocument/hover",
                           "{\"textDocument\":{\"uri\":\"%s\"},\"position\":{\"line\":9999,\"character\":0}}", s.uri);
    int past_line = request(&s, "textDocument/hover",
                            "{\"textDocument\":{\"uri\":\"%s\"},\"position\":{\"line\":3,\"character\":999}}", s.uri);
    serve(&s, true);

    expect_hover(&s, let, "let l: Int");
    expect_hover(&s, cst, "const GRANS: Int = 1500");
    expect_hover(&s, fn, "fn dubbel(n: Int) -> Int");
    expect_hover(&s, field, "listade: Int");
    expect_hover(&s, field, "read from the column \"Listade\"");
    expect_hover(&s, each, "s: Int");
    expect_hover(&s, each, "each element of `[1, 2]`, in rule B1");
    expect_hover(&s, passed, "passed: Bool");
    expect_hover(&s, passed, "true while no must-rule has failed");
    expect_hover(&s, today, "today: Date");
    expect_hover(&s, admitted, "admitted: Int");
    expect_hover(&s, admitted, "admitted before this element");
    expect_hover(&s, position_, "position: Int");
    expect_hover(&s, position_, "place in its line of the queue");
    expect_hover(&s, capacity, "capacity: Int");
    expect_hover(&s, word, "Omr.norr");
    expect_hover(&s, qualified, "Omr.soder");
    expect_hover(&s, lambda, "x: Vc");
    expect_hover(&s, lambda, "the element of the list");
    expect_hover(&s, date_part, "v.start.year: Int");
    expect_hover(&s, optional_field, "x: Int");
    expect_hover(&s, element_field, "listade: Int");
    expect_hover(&s, builtin, "count(...)");
    expect_hover(&s, special, "count(...)");
    expect_hover(&s, imported, "fn hjalp(n: Int) -> Int");
    expect_hover(&s, imported, "Helps.");
    expect_hover(&s, rule, "must A1 l >= GRANS");
    expect_hover(&s, rule, "else \"för få: {l}\"");
    expect_hover(&s, each_rule, "should B1 for s in [1, 2]: s > 0");
    expect_hover(&s, include, "decision e for v in vcs");
    expect_hover(&s, ctor, "record Vc {");
    expect_hover(&s, named, "listade: Int");
    expect_hover(&s, lookup, "source vcs");
    expect_hover(&s, literal, "3000: Int");
    cr_expect_null(hover_text(&s, keyword), "a keyword names nothing");
    expect_hover(&s, result_field, "outcome: ");
    expect_hover(&s, result_field, "part of `");
    /* A position before the first line is the start of the text (the
     * keyword import); one past the last line the end of the text; one
     * past the end of a line its end: nothing is named there. */
    cr_expect(strstr(response(&s, before_start), "\"result\":null"));
    cr_expect_null(hover_text(&s, past_end));
    cr_expect_null(hover_text(&s, past_line), "the end of line 4 is after the enum's last word");
}

/* ---------------------------------------------------------------- definition */

/* The range of a definition answer as "L:C-L:C", and its file's name. */
static char *location(const Session *s, int id)
{
    char *m = response(s, id);
    if (strstr(m, "\"result\":null"))
        return NULL;
    char *uri = member(m, "uri");
    cr_assert_not_null(uri, "%s", m);
    long l1, c1, l2, c2;
    const char *r = strstr(m, "\"range\":");
    cr_assert_eq(sscanf(r, "\"range\":{\"start\":{\"line\":%ld,\"character\":%ld},\"end\":{\"line\":%ld,\"character\":%ld}",
                        &l1, &c1, &l2, &c2),
                 4, "%s", m);
    char *out;
    cr_assert_geq(asprintf(&out, "%s %ld:%ld-%ld:%ld", strrchr(uri, '/') + 1, l1, c1, l2, c2), 0);
    return out;
}

static void expect_location(const Session *s, int id, const char *want)
{
    char *got = location(s, id);
    cr_expect(got && strcmp(got, want) == 0, "request %d: definition at %s, expected %s", id, got ? got : "(null)",
              want);
    free(got);
}

Test(lsp, definition_goes_to_the_declaration)
{
    Session s;
    start(&s, POLICY);
    const char *P = POLICY;
    int type = ask(&s, "textDocument/definition", P, "Vc from jsonl", 0);
    int field = ask(&s, "textDocument/definition", P, "vc.listade)", 4);
    int word = ask(&s, "textDocument/definition", P, "== norr", 4);
    int imported = ask(&s, "textDocument/definition", P, "hjalp(1)", 1);
    int import = ask(&s, "textDocument/definition", P, "import lib", 8);
    int given = ask(&s, "textDocument/definition", P, "given vcs", 7);
    int include = ask(&s, "textDocument/definition", P, "include e", 8);
    int builtin = ask(&s, "textDocument/definition", P, "count(w)", 1);
    int nothing = ask(&s, "textDocument/definition", P, "outcome ja", 2);
    serve(&s, true);
    expect_location(&s, type, "p.regel 6:7-6:9");
    expect_location(&s, field, "p.regel 9:4-9:11");
    expect_location(&s, word, "p.regel 3:11-3:15");
    expect_location(&s, imported, "lib.regel 1:3-1:8");
    expect_location(&s, import, "lib.regel 0:0-0:0");
    expect_location(&s, given, "p.regel 22:7-22:10");
    expect_location(&s, include, "p.regel 50:9-50:10");
    cr_expect_null(location(&s, builtin), "a built-in has no declaration in a file");
    cr_expect_null(location(&s, nothing));
}

/* ---------------------------------------------------------------- outline */

Test(lsp, document_symbols_outline_every_declaration)
{
    Session s;
    start(&s, POLICY);
    int id = request(&s, "textDocument/documentSymbol", "{\"textDocument\":{\"uri\":\"%s\"}}", s.uri);
    serve(&s, true);
    char *m = response(&s, id);
    /* Each with its kind, in the order of the file; children inside. */
    const char *want[] = {
        "{\"name\":\"lib\",\"detail\":\"import\",\"kind\":2,",
        "{\"name\":\"Omr\",\"detail\":\"enum\",\"kind\":10,",
        "{\"name\":\"norr\",\"kind\":22,",
        "{\"name\":\"soder\",\"kind\":22,",
        "{\"name\":\"Vc\",\"detail\":\"record\",\"kind\":23,",
        "{\"name\":\"id\",\"detail\":\"Text\",\"kind\":8,",
        "{\"name\":\"sub\",\"detail\":\"Sub?\",\"kind\":8,",
        "{\"name\":\"semi\",\"detail\":\"format\",\"kind\":19,",
        "{\"name\":\"vcs\",\"detail\":\"vc.jsonl\",\"kind\":13,",
        "{\"name\":\"GRANS\",\"detail\":\"Int\",\"kind\":14,",
        "{\"name\":\"dubbel\",\"detail\":\"(n: Int)\",\"kind\":12,",
        "{\"name\":\"niva\",\"detail\":\"table (v: Vc)\",\"kind\":12,",
        "{\"name\":\"d\",\"detail\":\"decision\",\"kind\":5,",
        "{\"name\":\"l\",\"detail\":\"Int\",\"kind\":13,",
        "{\"name\":\"must A1\",\"kind\":24,",
        "{\"name\":\"guard G1\",\"kind\":24,",
        "{\"name\":\"n\",\"kind\":8,",
        "{\"name\":\"q\",\"detail\":\"queue\",\"kind\":5,",
        "{\"name\":\"must Q1\",\"kind\":24,",
        "{\"name\":\"t\",\"detail\":\"test\",\"kind\":6,",
    };
    const char *from = m;
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        const char *at = strstr(from, want[i]);
        cr_expect(at, "no %s after the ones before in\n%s", want[i], m);
        if (at)
            from = at;
    }
}

/* ---------------------------------------------------------------- completion */

/* True when the completion answer m offers label. */
static bool offers(const char *m, const char *label)
{
    char want[128];
    snprintf(want, sizeof want, "{\"label\":\"%s\",", label);
    return strstr(m, want) != NULL;
}

/* Completion at the end of the first `needle` in text, or before its
 * first line break, with text as the document (it need not parse). */
static char *complete_at(const char *text, const char *needle, int delta)
{
    Session s;
    start(&s, text);
    int id = ask(&s, "textDocument/completion", text, needle, delta);
    serve(&s, true);
    return response(&s, id);
}

static char *complete(const char *text, const char *needle)
{
    return complete_at(text, needle, (int)strcspn(needle, "\n"));
}

/* POLICY with `line` added at the end of decision f's body. */
static char *in_f(const char *line)
{
    const char *at = strstr(POLICY, "    must F1");
    char *t;
    cr_assert_geq(asprintf(&t, "%.*s%s\n%s", (int)(at - POLICY), POLICY, line, at), 0);
    return t;
}

Test(lsp, completion_offers_what_can_stand_there)
{
    /* Between declarations: the declaration keywords and the names. */
    char *m = complete_at(POLICY, "}\n\n", 2);
    cr_expect(offers(m, "record") && offers(m, "decision") && offers(m, "queue"), "%s", m);
    /* At the start of a statement: the statement keywords. */
    m = complete(in_f("    m"), "    m\n");
    cr_expect(offers(m, "must") && offers(m, "outcome") && offers(m, "field"), "%s", m);
    cr_expect(offers(m, "v") && offers(m, "w"), "the locals: %s", m);
    /* In an expression: names, built-ins and expression keywords. */
    m = complete(in_f("    let q2 = dub"), "= dub");
    cr_expect(offers(m, "dubbel") && offers(m, "count") && offers(m, "where") && offers(m, "GRANS"), "%s", m);
    cr_expect(offers(m, "Vc") && offers(m, "Omr") && offers(m, "semi") && offers(m, "vcs") && offers(m, "hjalp"),
              "every kind of top-level name: %s", m);
    cr_expect(strstr(m, "\"detail\":\"(n: Int) -> Int\""), "a function's parameters: %s", m);
    /* After a dot: the fields, with their columns. */
    m = complete(in_f("    let q2 = v."), "q2 = v.");
    cr_expect(offers(m, "listade") && offers(m, "omr") && offers(m, "sub"), "%s", m);
    cr_expect(strstr(m, "from \\\"Listade\\\""), "the column: %s", m);
    cr_expect(!offers(m, "count"), "%s", m);
    /* After an enum's name and a dot: its words. */
    m = complete(in_f("    let q2 = Omr."), "q2 = Omr.");
    cr_expect(offers(m, "norr") && offers(m, "soder"), "%s", m);
    /* After a date and a dot: its parts. */
    m = complete(in_f("    let q2 = v.start."), "q2 = v.start.");
    cr_expect(offers(m, "year") && offers(m, "month"), "%s", m);
    /* Where an enum is expected: its words first. */
    m = complete(in_f("    let q2 = v.omr == "), "q2 = v.omr == ");
    cr_expect(strstr(m, "{\"label\":\"norr\",\"kind\":20,\"detail\":\"Omr\",\"sortText\":\"0norr\""), "%s", m);
    /* After include: only decisions and queues. */
    m = complete(in_f("    include "), "    include \n");
    cr_expect(offers(m, "d") && offers(m, "e") && offers(m, "q"), "%s", m);
    cr_expect(!offers(m, "dubbel") && !offers(m, "must"), "%s", m);
    /* In a test: the test keywords. */
    const char *t = "    expect d(";
    char *text;
    cr_assert_geq(asprintf(&text, "%.*s    e\n%s", (int)(strstr(POLICY, t) - POLICY), POLICY, strstr(POLICY, t)), 0);
    m = complete(text, "    e\n    expect");
    cr_expect(offers(m, "given") && offers(m, "expect") && !offers(m, "must"), "%s", m);
}

Test(lsp, completion_in_a_queue_offers_its_names)
{
    const char *at = strstr(POLICY, "    must Q1");
    char *text;
    cr_assert_geq(asprintf(&text, "%.*s    let a2 = ca\n%s", (int)(at - POLICY), POLICY, at), 0);
    char *m = complete(text, "= ca");
    cr_expect(offers(m, "capacity") && offers(m, "admitted") && offers(m, "position"), "%s", m);
}

/* ---------------------------------------------------------------- requests that cannot be answered */

Test(lsp, bad_requests_get_errors_that_say_why)
{
    Session s;
    start(&s, POLICY);
    int not_open = request(&s, "textDocument/hover",
                           "{\"textDocument\":{\"uri\":\"file:///nowhere.regel\"},\"position\":{\"line\":0,\"character\":0}}");
    int no_position = request(&s, "textDocument/hover", "{\"textDocument\":{\"uri\":\"%s\"}}", s.uri);
    int symbols_not_open = request(&s, "textDocument/documentSymbol", "{\"textDocument\":{\"uri\":\"file:///x.regel\"}}");
    int format_not_open = request(&s, "textDocument/formatting", "{\"textDocument\":{\"uri\":\"file:///x.regel\"}}");
    int unknown = request(&s, "textDocument/codeLens", "{}");
    int rename_rule = ask(&s, "textDocument/prepareRename", POLICY, "must A1", 6);
    char *pos = position(POLICY, "A1 l >=", 3);
    int keyword = request(&s, "textDocument/rename",
                          "{\"textDocument\":{\"uri\":\"%s\"},\"position\":%s,\"newName\":\"where\"}", s.uri, pos);
    int not_a_name = request(&s, "textDocument/rename",
                             "{\"textDocument\":{\"uri\":\"%s\"},\"position\":%s,\"newName\":\"2x\"}", s.uri, pos);
    int taken = request(&s, "textDocument/rename",
                        "{\"textDocument\":{\"uri\":\"%s\"},\"position\":%s,\"newName\":\"vc\"}", s.uri, pos);
    int renamed = request(&s, "textDocument/rename",
                          "{\"textDocument\":{\"uri\":\"%s\"},\"position\":%s,\"newName\":\"längd\"}", s.uri, pos);
    serve(&s, true);
    cr_expect_str_eq(error_of(&s, not_open, -32602), "the document is not open");
    cr_expect_str_eq(error_of(&s, no_position, -32602), "expected a position {line, character}");
    cr_expect_str_eq(error_of(&s, symbols_not_open, -32602), "the document is not open");
    cr_expect_str_eq(error_of(&s, format_not_open, -32602), "the document is not open");
    cr_expect_str_eq(error_of(&s, unknown, -32601), "no method textDocument/codeLens");
    cr_expect_str_eq(error_of(&s, rename_rule, -32803),
                     "only a local name (a let, a parameter, a decision's subject, an element) can be renamed");
    cr_expect(strstr(error_of(&s, keyword, -32602), "not a keyword"));
    cr_expect(strstr(error_of(&s, not_a_name, -32602), "must be a name"));
    cr_expect_str_eq(error_of(&s, taken, -32803), "'vc' is already a name in this decision");
    char *m = response(&s, renamed);
    /* The let and its two uses (the rule and the message's hole). */
    const char *p = m;
    int edits = 0;
    while ((p = strstr(p, "\"newText\":\"längd\"")))
        edits++, p++;
    cr_expect_eq(edits, 3, "%s", m);
}

/* ---------------------------------------------------------------- edits, diagnostics, notifications */

/* Replaces `len` bytes of the open document, at the first `needle` of its
 * current text `text`, with `with`. */
static void change(Session *s, int version, const char *text, const char *needle, size_t len, const char *with)
{
    char *from = position(text, needle, 0), *to = position(text, needle, (int)len), *w = js(with);
    notify(s, "textDocument/didChange",
           "{\"textDocument\":{\"uri\":\"%s\",\"version\":%d},\"contentChanges\":[{\"range\":{\"start\":%s,\"end\":%s},"
           "\"text\":%s}]}",
           s->uri, version, from, to, w);
    free(from);
    free(to);
    free(w);
}

/* The n-th (from 0) notification of method the server sent about uri
 * (any uri when NULL); NULL when there are not so many. */
static char *notification(const Session *s, const char *method, const char *uri, int n)
{
    char want[128], about[256];
    snprintf(want, sizeof want, "\"method\":\"%s\"", method);
    snprintf(about, sizeof about, "\"params\":{\"uri\":\"%s\"", uri ? uri : "");
    for (size_t i = 0;; i++) {
        char *m = message(s, i);
        if (!m)
            return NULL;
        if (strstr(m, want) && (!uri || strstr(m, about)) && n-- == 0)
            return m;
        free(m);
    }
}

Test(lsp, questions_while_the_text_does_not_parse_use_the_last_text_that_did)
{
    Session s;
    start(&s, POLICY);
    ask(&s, "textDocument/hover", POLICY, "GRANS else", 1);
    /* Decision e's rule loses its right side: the file no longer parses. */
    change(&s, 2, POLICY, "v.start < today", strlen("v.start < today"), "v.start < (((");
    char *broken;
    const char *at = strstr(POLICY, "v.start < today");
    cr_assert_geq(asprintf(&broken, "%.*sv.start < (((%s", (int)(at - POLICY), POLICY, at + strlen("v.start < today")), 0);
    int before = ask(&s, "textDocument/hover", broken, "const GRANS", 7);
    int after = ask(&s, "textDocument/hover", broken, "hjalp(1)", 1);
    int inside = ask(&s, "textDocument/hover", broken, "v.start < (((", 11);
    int definition = ask(&s, "textDocument/definition", broken, "Omr.soder", 5);
    int rename = ask(&s, "textDocument/rename", broken, "A1 l >=", 3);
    int symbols = request(&s, "textDocument/documentSymbol", "{\"textDocument\":{\"uri\":\"%s\"}}", s.uri);
    int formatting = request(&s, "textDocument/formatting", "{\"textDocument\":{\"uri\":\"%s\"}}", s.uri);
    int fields = ask(&s, "textDocument/completion", broken, "let y = v.", 10);
    int parts = ask(&s, "textDocument/completion", broken, "let y = v.start.", 16);
    int optional = ask(&s, "textDocument/completion", broken, "let z = v.sub?.", 15);
    int words = ask(&s, "textDocument/completion", broken, "== Omr.", 7);
    serve(&s, true);

    /* The diagnostics of the broken text, with its version. */
    char *d = notification(&s, "textDocument/publishDiagnostics", s.uri, 1);
    cr_assert_not_null(d);
    cr_expect(strstr(d, "\"version\":2"), "%s", d);
    cr_expect(strstr(d, "\"severity\":1"), "%s", d);
    /* Before and after the edit: answered from the text before it. */
    expect_hover(&s, before, "const GRANS: Int = 1500");
    expect_hover(&s, after, "fn hjalp(n: Int) -> Int");
    char *h = hover_text(&s, after);
    cr_expect_null(hover_text(&s, inside), "the edited stretch is not known: %s", h);
    expect_location(&s, definition, "p.regel 3:29-3:34");
    cr_expect_str_eq(error_of(&s, rename, -32803), "the file has syntax errors; fix them before renaming");
    /* The outline is the broken text's own: decision e is still in it. */
    cr_expect(strstr(response(&s, symbols), "{\"name\":\"e\",\"detail\":\"decision\""));
    char *e = error_of(&s, formatting, -32803);
    cr_expect_str_eq(e, "regel fmt cannot lay this text out: 53:27: unexpected 'else', expected an expression");
    char *m = response(&s, fields);
    cr_expect(offers(m, "listade") && offers(m, "start") && !offers(m, "count"), "the fields of v: %s", m);
    m = response(&s, parts);
    cr_expect(offers(m, "year") && offers(m, "month") && !offers(m, "listade"), "the parts of v.start: %s", m);
    m = response(&s, optional);
    cr_expect(offers(m, "x") && !offers(m, "listade"), "the fields of v.sub?: %s", m);
    m = response(&s, words);
    cr_expect(offers(m, "norr") && offers(m, "soder"), "the words of Omr: %s", m);
}

Test(lsp, notifications_that_cannot_be_used_are_logged)
{
    Session s;
    start(&s, POLICY);
    notify(&s, "textDocument/didOpen", "{\"textDocument\":{\"uri\":\"file:///x.regel\"}}");
    notify(&s, "textDocument/didChange", "{\"textDocument\":{\"uri\":\"%s\"}}", s.uri);
    notify(&s, "textDocument/didChange",
           "{\"textDocument\":{\"uri\":\"%s\"},\"contentChanges\":[{\"range\":{\"start\":{\"line\":2,\"character\":0},"
           "\"end\":{\"line\":1,\"character\":0}},\"text\":\"x\"}]}",
           s.uri);
    notify(&s, "textDocument/didChange",
           "{\"textDocument\":{\"uri\":\"%s\"},\"contentChanges\":[{\"range\":{\"start\":{\"line\":1}},\"text\":\"x\"}]}",
           s.uri);
    notify(&s, "textDocument/didChange", "{\"textDocument\":{\"uri\":\"%s\"},\"contentChanges\":[{}]}", s.uri);
    /* The text is still the one opened. */
    int hover = ask(&s, "textDocument/hover", POLICY, "const GRANS", 7);
    serve(&s, true);
    const char *want[] = {
        "didOpen needs textDocument.uri and textDocument.text",
        "didChange needs an open document and contentChanges",
        "a change needs text, and a range that is in order; the rest of this didChange is left out",
        "a change needs text, and a range that is in order; the rest of this didChange is left out",
        "a change needs text, and a range that is in order; the rest of this didChange is left out",
    };
    for (int i = 0; i < 5; i++) {
        char *m = notification(&s, "window/logMessage", NULL, i);
        cr_assert_not_null(m, "log message %d is missing", i);
        cr_expect_str_eq(member(m, "message"), want[i]);
        cr_expect(strstr(m, "\"type\":1"), "%s", m);
    }
    expect_hover(&s, hover, "const GRANS");
}

Test(lsp, saving_and_closing_check_and_clear)
{
    Session s;
    start(&s, POLICY);
    /* The whole text replaced by one with an error, then saved. */
    char *bad = js("const A = 1\nconst B: Int = \"x\"\n");
    notify(&s, "textDocument/didChange", "{\"textDocument\":{\"uri\":\"%s\",\"version\":2},\"contentChanges\":[{\"text\":%s}]}",
           s.uri, bad);
    notify(&s, "textDocument/didSave", "{\"textDocument\":{\"uri\":\"%s\"}}", s.uri);
    int symbols = request(&s, "textDocument/documentSymbol", "{\"textDocument\":{\"uri\":\"%s\"}}", s.uri);
    notify(&s, "textDocument/didSave", "{\"textDocument\":{\"uri\":\"file:///not-open.regel\"}}");
    notify(&s, "textDocument/didClose", "{\"textDocument\":{\"uri\":\"%s\"}}", s.uri);
    notify(&s, "textDocument/didClose", "{\"textDocument\":{\"uri\":\"%s\"}}", s.uri);
    int closed = request(&s, "textDocument/documentSymbol", "{\"textDocument\":{\"uri\":\"%s\"}}", s.uri);
    serve(&s, true);
    char *m = response(&s, symbols);
    cr_expect(strstr(m, "{\"name\":\"A\",\"detail\":\"Int\",\"kind\":14,"), "%s", m);
    char *d = notification(&s, "textDocument/publishDiagnostics", s.uri, 0);
    cr_assert_not_null(d);
    cr_expect(strstr(d, "\"message\":\"the value of B must be Int, not Text\""), "%s", d);
    /* Closing clears its diagnostics. */
    d = notification(&s, "textDocument/publishDiagnostics", s.uri, 1);
    cr_assert_not_null(d);
    cr_expect(strstr(d, "\"diagnostics\":[]"), "%s", d);
    cr_expect_str_eq(error_of(&s, closed, -32602), "the document is not open");
}

Test(lsp, diagnostics_of_imported_files_and_notes_in_them)
{
    Session s;
    start(&s, NULL);
    /* lib.regel on disk has an error, and a call in p.regel gives hjalp
     * a Text: the note about its parameter is in lib.regel. */
    write_file(s.dir, "lib.regel", "# Helps.\nfn hjalp(n: Int) -> Int = n + 1\nconst TRASIG: Int = \"x\"\n");
    char *text;
    const char *at = strstr(POLICY, "hjalp(1)");
    cr_assert_geq(asprintf(&text, "%.*shjalp(\"1\")%s", (int)(at - POLICY), POLICY, at + strlen("hjalp(1)")), 0);
    char *t = js(text);
    notify(&s, "textDocument/didOpen", "{\"textDocument\":{\"uri\":\"%s\",\"version\":1,\"text\":%s}}", s.uri, t);
    ask(&s, "textDocument/hover", text, "const GRANS", 7);
    /* Then without the import: what was shown for lib.regel is cleared. */
    char *clean = js("const A = 1\n");
    notify(&s, "textDocument/didChange", "{\"textDocument\":{\"uri\":\"%s\",\"version\":2},\"contentChanges\":[{\"text\":%s}]}",
           s.uri, clean);
    request(&s, "textDocument/documentSymbol", "{\"textDocument\":{\"uri\":\"%s\"}}", s.uri);
    char lib[160];
    snprintf(lib, sizeof lib, "file://%s/lib.regel", s.dir);
    serve(&s, true);

    char *own = notification(&s, "textDocument/publishDiagnostics", s.uri, 0);
    cr_assert_not_null(own);
    cr_expect(strstr(own, "argument 1 of hjalp() must be Int, not Text"), "%s", own);
    char want[256];
    snprintf(want, sizeof want, "\"relatedInformation\":[{\"location\":{\"uri\":\"%s\",\"range\":", lib);
    cr_expect(strstr(own, want), "the note points into lib.regel: %s", own);
    char *theirs = notification(&s, "textDocument/publishDiagnostics", lib, 0);
    cr_assert_not_null(theirs, "nothing published for %s in\n%s", lib, s.out);
    cr_expect(strstr(theirs, "must be Int, not Text") && !strstr(theirs, "\"version\""), "%s", theirs);
    char *cleared = notification(&s, "textDocument/publishDiagnostics", lib, 1);
    cr_assert_not_null(cleared);
    cr_expect(strstr(cleared, "\"diagnostics\":[]"), "%s", cleared);
}

Test(lsp, notes_in_the_stdlib_are_written_into_the_message)
{
    Session s;
    const char *text = "import lists\n\nfn f() -> Int = count_distinct([1, 2])\n";
    start(&s, text);
    request(&s, "textDocument/documentSymbol", "{\"textDocument\":{\"uri\":\"%s\"}}", s.uri);
    serve(&s, true);
    char *d = notification(&s, "textDocument/publishDiagnostics", s.uri, 0);
    cr_assert_not_null(d);
    char *first = strstr(d, "\"message\":");
    cr_assert_not_null(first, "%s", d);
    char *msg = unquote(first + strlen("\"message\":"));
    cr_expect_str_eq(msg, "argument 1 of count_distinct() must be List<Text>, not List<Int>\n"
                          "note: <stdlib>/lists.regel:12:23: parameter 'xs' of count_distinct() is declared List<Text> here");
    cr_expect(strstr(d, "\"relatedInformation\":[]"), "%s", d);
}

Test(lsp, file_uris_with_escaped_bytes_and_documents_that_are_not_files)
{
    Session s;
    start_in(&s, "a folder", POLICY);
    int hover = ask(&s, "textDocument/hover", POLICY, "hjalp(1)", 1);
    int definition = ask(&s, "textDocument/definition", POLICY, "hjalp(1)", 1);
    const char *untitled = "untitled:Untitled-1";
    char *t = js("record R {\n    a: Int\n}\n\nconst B = undefined_name\n");
    notify(&s, "textDocument/didOpen", "{\"textDocument\":{\"uri\":\"%s\",\"version\":3,\"text\":%s}}", untitled, t);
    int symbols = request(&s, "textDocument/documentSymbol", "{\"textDocument\":{\"uri\":\"%s\"}}", untitled);
    serve(&s, true);
    /* The import beside the escaped path was found and read. */
    expect_hover(&s, hover, "fn hjalp(n: Int) -> Int");
    char *m = response(&s, definition);
    cr_expect(strstr(m, "/a%20folder/lib.regel\""), "%s", m);
    cr_expect(strstr(response(&s, symbols), "{\"name\":\"R\",\"detail\":\"record\""));
    char *d = notification(&s, "textDocument/publishDiagnostics", untitled, 0);
    cr_assert_not_null(d);
    cr_expect(strstr(d, "unknown name 'undefined_name'"), "%s", d);
}

/* ---------------------------------------------------------------- transport */

Test(lsp, messages_are_read_as_a_client_may_send_them)
{
    Session s;
    start(&s, POLICY);
    /* Line breaks between messages, a header in another case with spaces
     * and tabs around its value, and other headers. */
    const char *body = "{\"jsonrpc\":\"2.0\",\"id\":\"text-id\",\"method\":\"textDocument/documentSymbol\",\"params\":"
                       "{\"textDocument\":{\"uri\":\"file:///none.regel\"}}}";
    fprintf(s.in, "\r\n\r\ncontent-length: \t%zu \t\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n%s",
            strlen(body), body);
    /* A response to a request of the server's: nothing to answer. */
    send_raw(&s, "{\"jsonrpc\":\"2.0\",\"id\":7,\"result\":null}");
    /* A notification sent with an id is answered null. */
    send_raw(&s, "{\"jsonrpc\":\"2.0\",\"id\":99,\"method\":\"textDocument/didSave\",\"params\":{\"textDocument\":{\"uri\":"
                 "\"file:///none.regel\"}}}");
    /* A body of the length given but not JSON, then one that is not an
     * object with a method. */
    send_raw(&s, "{\"jsonrpc\":");
    send_raw(&s, "[1, 2]");
    send_raw(&s, "{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"x\"}");
    fprintf(s.in, "Content-Length: 12x\r\n\r\n");
    fprintf(s.in, "Content-Length: 5\r\nContent-Length: -3\r\n\r\nhello");
    int after = request(&s, "textDocument/documentSymbol", "{\"textDocument\":{\"uri\":\"%s\"}}", s.uri);
    serve(&s, true);
    char *m = message(&s, 1);
    cr_expect(strstr(m, "\"id\":\"text-id\",\"error\":{\"code\":-32602,\"message\":\"the document is not open\"}"), "%s", m);
    m = message(&s, 2);
    cr_expect_str_eq(m, "{\"jsonrpc\":\"2.0\",\"id\":99,\"result\":null}");
    cr_expect(strstr(message(&s, 3), "\"code\":-32700,\"message\":\"the message is not JSON: "), "%s", message(&s, 3));
    cr_expect(strstr(message(&s, 4), "\"id\":null,\"error\":{\"code\":-32600,\"message\":\"a request is an object with a method\"}"),
              "%s", message(&s, 4));
    cr_expect(strstr(message(&s, 5), "\"message\":\"an id is a number or a string\""), "%s", message(&s, 5));
    cr_expect(strstr(message(&s, 6), "\"code\":-32700,\"message\":\"Content-Length is not a number\""), "%s", message(&s, 6));
    cr_expect(strstr(message(&s, 7), "\"message\":\"Content-Length is not a number\""), "%s", message(&s, 7));
    cr_expect(strstr(response(&s, after), "{\"name\":\"lib\""));
    cr_expect_eq(s.status, 0);
}

Test(lsp, a_client_that_leaves_without_shutdown)
{
    Session s;
    start(&s, POLICY);
    int early = request(&s, "shutdown", "null");
    int late = ask(&s, "textDocument/hover", POLICY, "const GRANS", 7);
    serve(&s, false);
    cr_expect(strstr(response(&s, early), "\"result\":null"));
    cr_expect_str_eq(error_of(&s, late, -32600), "the server is shutting down");
    cr_expect_eq(s.status, 1, "no exit notification: status 1");
}

Test(lsp, requests_before_initialize_are_refused)
{
    Session s;
    memset(&s, 0, sizeof s);
    strcpy(s.dir, "/tmp/regel-lsp-XXXXXX");
    cr_assert_not_null(mkdtemp(s.dir));
    s.in = tmpfile();
    int early = request(&s, "textDocument/hover", "{}");
    notify(&s, "exit", "null");
    serve(&s, false);
    cr_expect_str_eq(error_of(&s, early, -32002), "the server is not initialized yet");
    cr_expect_eq(s.status, 1);
}

/* ---------------------------------------------------------------- a second policy */

/* Functions and tables with bodies, periods and durations, a typed let,
 * an outcome with conditions, a doc comment of several lines, an import
 * by path. */
static const char POLICY2[] =
    "import \"lib.regel\"\n"
    "\n"
    "enum Niva = lag | hog\n"
    "\n"
    "# First line of the doc.\n"
    "#\n"
    "# Third line, after an empty one.\n"
    "record R {\n"
    "    id: Text\n"
    "    niva: Niva\n"
    "    fran: Date\n"
    "}\n"
    "\n"
    "source rs: R from jsonl \"r.jsonl\" key id\n"
    "\n"
    "fn langd(r: R) -> Int {\n"
    "    let p = period(r.fran, today)\n"
    "    return p.end.year\n"
    "}\n"
    "\n"
    "table steg(r: R) -> Int {\n"
    "    r.niva == hog => 2,\n"
    "    else => 1,\n"
    "}\n"
    "\n"
    "decision val for r in rs {\n"
    "    let du = 3 months\n"
    "    let o: Niva = lag\n"
    "    let ok = r.niva in [hog, lag] and r.fran + du < today and o == r.niva and du.days == 0\n"
    "    must V1 for x in [1]: x > 0 and ok else \"v\"\n"
    "    outcome {\n"
    "        hog_niva if r.niva == hog\n"
    "        annan\n"
    "    }\n"
    "    field steg = steg(r)\n"
    "    field langd = langd(r) + hjalp(1)\n"
    "}\n";

Test(lsp, hover_on_outcome_words_output_fields_and_element_names)
{
    Session s;
    start(&s, POLICY2);
    const char *P = POLICY2;
    int doc = ask(&s, "textDocument/hover", P, "record R", 7);
    int path = ask(&s, "textDocument/hover", P, "\"lib.regel\"", 3);
    int arm = ask(&s, "textDocument/hover", P, "hog_niva if", 2);
    int out = ask(&s, "textDocument/hover", P, "field steg", 7);
    int each = ask(&s, "textDocument/hover", P, "for x in", 4);
    int typed = ask(&s, "textDocument/hover", P, "let o:", 4);
    serve(&s, true);
    expect_hover(&s, doc, "\nFirst line of the doc.\n\nThird line, after an empty one.\n");
    expect_hover(&s, path, "import lib");
    expect_hover(&s, arm, "hog_niva");
    expect_hover(&s, out, "steg(r): Int");
    expect_hover(&s, each, "x: Int");
    expect_hover(&s, each, "each element of `[1]`, in rule V1");
    expect_hover(&s, typed, "let o: Niva");

    start(&s, POLICY);
    int lambda = ask(&s, "textDocument/hover", POLICY, "where x =>", 6);
    int column = ask(&s, "textDocument/hover", POLICY, "from \"Listade\"", 7);
    serve(&s, true);
    expect_hover(&s, lambda, "x: Vc");
    expect_hover(&s, column, "field of `Vc`, read from the column \"Listade\"");
}

/* POLICY2 with `line` put before the first `before`. */
static char *in2(const char *before, const char *line)
{
    const char *at = strstr(POLICY2, before);
    cr_assert_not_null(at);
    char *t;
    cr_assert_geq(asprintf(&t, "%.*s%s\n%s", (int)(at - POLICY2), POLICY2, line, at), 0);
    return t;
}

Test(lsp, completion_in_functions_tables_and_where_a_type_is_expected)
{
    /* In a function's body: its lets and parameters. */
    char *m = complete(in2("    return p", "    let p2 = "), "let p2 = ");
    cr_expect(offers(m, "p") && offers(m, "r") && offers(m, "langd"), "%s", m);
    /* In a table's row: its parameters; the enum's words where compared. */
    m = complete(in2("    else => 1", "    r.niva == l => 3,"), "r.niva == l");
    cr_expect(offers(m, "r") && strstr(m, "\"sortText\":\"0lag\""), "%s", m);
    /* A period's and a duration's parts. */
    m = complete(in2("    return p", "    let p2 = p."), "let p2 = p.");
    cr_expect(offers(m, "start") && offers(m, "end") && !offers(m, "year"), "%s", m);
    m = complete(in2("    let o:", "    let d2 = du."), "let d2 = du.");
    cr_expect(offers(m, "months") && offers(m, "days"), "%s", m);
    /* An element of a list that `in` looks in, a field given by name, a
     * let with a type: the enum's words first. */
    m = complete(in2("    must V1", "    let i2 = r.niva in [hog, l]"), "[hog, l");
    cr_expect(strstr(m, "\"sortText\":\"0lag\""), "%s", m);
    m = complete(in2("    must V1", "    let r2 = R(id: \"a\", niva: l, fran: today)"), "niva: l");
    cr_expect(strstr(m, "\"sortText\":\"0lag\""), "%s", m);
    m = complete(in2("    must V1", "    let o2: Niva = l"), "o2: Niva = l");
    cr_expect(strstr(m, "\"sortText\":\"0lag\""), "%s", m);
    /* Nothing expected: no words first. */
    m = complete(in2("    must V1", "    let n2 = l"), "n2 = l");
    cr_expect(!strstr(m, "\"sortText\":\"0lag\""), "%s", m);
}

Test(lsp, doc_comments_are_the_comment_lines_right_above)
{
    /* Windows line ends, a comment at the end of a line of code (not a
     * doc), a comment without a space after #, trailing spaces. */
    const char *text = "const A = 1 # about A, not B's doc\r\n"
                       "#Tight, and\r\n"
                       "#   indented   \r\n"
                       "const B = 2\r\n"
                       "\r\n"
                       "# Far above.\r\n"
                       "\r\n"
                       "const C = 3\r\n";
    Session s;
    start(&s, text);
    int b = ask(&s, "textDocument/hover", text, "const B", 6);
    int c = ask(&s, "textDocument/hover", text, "const C", 6);
    serve(&s, true);
    char *h = hover_text(&s, b);
    cr_assert_not_null(h);
    cr_expect_str_eq(h, "```regel\nconst B: Int = 2\n```\n\nTight, and\n  indented\n");
    h = hover_text(&s, c);
    cr_assert_not_null(h);
    cr_expect_str_eq(h, "```regel\nconst C: Int = 3\n```\n", "a blank line parts a comment from the declaration");
}

Test(lsp, completion_offers_the_elements_named_around_the_cursor)
{
    /* In a lambda's body: its element. */
    char *m = complete(in_f("    let q3 = [v] where y => y.lis"), "y => y.lis");
    cr_expect(offers(m, "listade"), "%s", m);
    m = complete(in_f("    let q3 = count([v], y => y"), "y => y");
    cr_expect(offers(m, "y") && offers(m, "v"), "%s", m);
    /* In a rule for each element: the element. */
    m = complete(in_f("    must F2 for e in [1, 2]: e > 0 and e"), ": e > 0 and e");
    cr_expect(offers(m, "e"), "%s", m);
    /* Between the operands of a comparison: the other side's enum words. */
    m = complete_at(in_f("    let q3 = v.omr ==  norr"), "v.omr ==  norr", 9);
    cr_expect(strstr(m, "\"sortText\":\"0soder\""), "%s", m);
}

Test(lsp, hover_text_with_tabs_and_long_expressions)
{
    const char *text = "# A\ttab, and a \x01.\n"
                       "const A = 1\n"
                       "const B = A + A + A + A + A + A + A + A + A + A + A + A + A + A + A + A + A + A + A + A + A + A + A"
                       " + A + A + A + A + A + A + A + A + A + A\n";
    Session s;
    start(&s, text);
    int a = ask(&s, "textDocument/hover", text, "const A", 6);
    int whole = ask(&s, "textDocument/hover", text, "A + A\n", 2);
    serve(&s, true);
    char *m = response(&s, a);
    cr_expect(strstr(m, "A\\ttab, and a \\u0001."), "a tab and a control character are escaped in JSON: %s", m);
    expect_hover(&s, a, "A\ttab, and a \x01.");
    /* An expression too long to show is shown by its type. */
    char *h = hover_text(&s, whole);
    cr_assert_not_null(h);
    cr_expect_str_eq(h, "```regel\nInt\n```\n");
}

Test(lsp, enum_words_are_offered_first_after_every_comparison)
{
    const char *ops[] = {"!=", "<", "<=", ">", ">="};
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
        char line[64], needle[64];
        snprintf(line, sizeof line, "    let q3 = v.omr %s so", ops[i]);
        snprintf(needle, sizeof needle, "v.omr %s so", ops[i]);
        char *m = complete(in_f(line), needle);
        cr_expect(strstr(m, "\"sortText\":\"0soder\""), "after %s: %s", ops[i], m);
    }
    char *m = complete(in_f("    let q3 = v.omr not in [norr, so]"), "[norr, so");
    cr_expect(strstr(m, "\"sortText\":\"0soder\""), "in a list after not in: %s", m);
    /* Inside a lambda of a text that parses: its element. */
    m = complete(in_f("    let q3 = count([v], y => y.listade > 0)"), "y => y");
    cr_expect(offers(m, "y") && offers(m, "v"), "%s", m);
}

Test(lsp, a_header_line_too_long_and_a_body_cut_short)
{
    Session s;
    start(&s, POLICY);
    /* A header line longer than any the server keeps. */
    fputs("X-Padding: ", s.in);
    for (int i = 0; i < 70000; i++)
        fputc('x', s.in);
    fputs("\r\nContent-Length: 2\r\n\r\n{}", s.in);
    int after = request(&s, "textDocument/documentSymbol", "{\"textDocument\":{\"uri\":\"%s\"}}", s.uri);
    /* The input ends in the middle of a body: the server stops. */
    fputs("Content-Length: 100\r\n\r\n{\"jsonrpc\":", s.in);
    serve(&s, false);
    cr_expect(strstr(message(&s, 1), "\"code\":-32600,\"message\":\"a header line is too long\""), "%s", message(&s, 1));
    cr_expect(strstr(response(&s, after), "{\"name\":\"lib\""));
    cr_expect_eq(s.status, 1, "the client left without shutdown");
}

Test(lsp, formatting_renaming_and_completing_at_the_edges)
{
    /* Formatting: nothing to change, or the whole text replaced. */
    Session s;
    const char *messy = "const   A=1\n";
    start(&s, messy);
    int fmt_edit = request(&s, "textDocument/formatting", "{\"textDocument\":{\"uri\":\"%s\"}}", s.uri);
    serve(&s, true);
    char *m = response(&s, fmt_edit);
    cr_expect(strstr(m, "\"newText\":\"const A = 1\\n\""), "%s", m);
    cr_expect(strstr(m, "\"range\":{\"start\":{\"line\":0,\"character\":0},\"end\":{\"line\":1,\"character\":0}}"), "%s", m);

    start(&s, POLICY);
    int fmt_none = request(&s, "textDocument/formatting", "{\"textDocument\":{\"uri\":\"%s\"}}", s.uri);
    /* A rename to nothing, or to a name with a NUL in it. */
    char *at = position(POLICY, "A1 l >=", 3);
    int empty = request(&s, "textDocument/rename", "{\"textDocument\":{\"uri\":\"%s\"},\"position\":%s,\"newName\":\"\"}",
                        s.uri, at);
    int bytes = request(&s, "textDocument/rename",
                        "{\"textDocument\":{\"uri\":\"%s\"},\"position\":%s,\"newName\":\"\\u00e5\\u0000\"}", s.uri, at);
    int no_position = request(&s, "textDocument/completion", "{\"textDocument\":{\"uri\":\"%s\"}}", s.uri);
    serve(&s, true);
    cr_expect(strstr(response(&s, fmt_none), "\"result\":[]"), "an already formatted text needs no edit");
    cr_expect(strstr(error_of(&s, empty, -32602), "must be a name"));
    cr_expect(strstr(error_of(&s, bytes, -32602), "must be a name"));
    cr_expect_str_eq(error_of(&s, no_position, -32602), "expected a position {line, character}");

    /* A text that has never parsed: completion offers the declarations. */
    const char *broken = "const A = (\n";
    m = complete(broken, "= (");
    cr_expect(offers(m, "record") && offers(m, "decision"), "%s", m);
    /* A '.' alone in a text that does not parse: the fields of the
     * element of the where around it. */
    char *text = in_f("    let q3 = [v] where .");
    m = complete(text, "where .");
    cr_expect(offers(m, "listade") && offers(m, "omr"), "%s", m);
}
