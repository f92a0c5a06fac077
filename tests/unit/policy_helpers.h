/*
 * policy_helpers.h — shared helpers of the unit tests that start from
 * policy text: checking and compiling it, finding diagnostics, evaluating
 * an expression in a one-line decision, rendering values, and temporary
 * folders with export files.
 *
 * Included by several test files; every helper is static and marked
 * unused so a file may take only what it needs.
 */
#ifndef REGEL_TEST_POLICY_HELPERS_H
#define REGEL_TEST_POLICY_HELPERS_H

#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "check.h"
#include "compile.h"
#include "diag.h"
#include "disasm.h"
#include "program.h"
#include "run.h"
#include "value.h"
#include "vm.h"

#define UNUSED __attribute__((unused))

/* The file name policies from text get in diagnostics. */
#define POLICY_NAME "test.regel"

typedef struct Compiled {
    SourceSet *files;
    DiagList *diags;
    Checked *checked;
    Program *prog; /* NULL when checking or compiling failed */
} Compiled;

/* Every diagnostic as "line:col: message [hint]" lines, for failure messages. */
static UNUSED const char *diags_text(const DiagList *d)
{
    RgBuf b;
    buf_init(&b);
    for (size_t i = 0; i < d->count; i++) {
        const Diagnostic *g = &d->items[i];
        long line = 0, col = 0;
        sources_position(d->sources, g->span.file, g->span.start, &line, &col);
        buf_printf(&b, "%ld:%ld: %s", line, col, g->message);
        if (g->hint)
            buf_printf(&b, " [hint: %s]", g->hint);
        buf_addc(&b, '\n');
    }
    return b.data ? b.data : "(no diagnostics)";
}

/* Flags for compile_text (compile.h): a test of what the optimisations
 * would take away (a call, a list being built) sets COMPILE_NO_OPT. Each
 * test runs in a process of its own. */
static UNUSED unsigned compile_flags;

/* Checks policy text; compiles it when checking found no error. */
static UNUSED Compiled compile_text(const char *text)
{
    rg_alloc_init();
    Compiled c;
    c.files = sources_new();
    c.diags = diags_new(c.files);
    c.checked = check_text(c.files, POLICY_NAME, text, strlen(text), NULL, c.diags);
    c.prog = c.diags->errors == 0 ? compile_program(c.checked, c.diags, compile_flags) : NULL;
    return c;
}

/* Checks and compiles; fails the test when anything is reported. */
static UNUSED Program *compile_ok(const char *text)
{
    Compiled c = compile_text(text);
    cr_assert_eq(c.diags->errors, 0, "unexpected errors in\n%s\n%s", text, diags_text(c.diags));
    cr_assert_not_null(c.prog, "compile_program failed:\n%s", diags_text(c.diags));
    return c.prog;
}

/* The first diagnostic whose message contains needle, or NULL. */
static UNUSED const Diagnostic *find_diag(const DiagList *d, const char *needle)
{
    for (size_t i = 0; i < d->count; i++)
        if (strstr(d->items[i].message, needle))
            return &d->items[i];
    return NULL;
}

/* 1-based line and column where a span starts. */
static UNUSED void span_position(const SourceSet *files, Span s, long *line, long *col)
{
    sources_position(files, s.file, s.start, line, col);
}

/* The text a span covers. */
static UNUSED const char *span_text(const SourceSet *files, Span s)
{
    const SourceFile *f = sources_get(files, s.file);
    if (!f || s.end < s.start || s.end > f->len)
        return "(no span)";
    return rg_strndup(f->text + s.start, s.end - s.start);
}

static UNUSED const char *render(Value v)
{
    RgBuf b;
    buf_init(&b);
    value_render(&b, v);
    return b.data ? b.data : "";
}

static UNUSED const char *to_json(Value v)
{
    RgBuf b;
    buf_init(&b);
    value_write_json(&b, v);
    return b.data ? b.data : "";
}

static UNUSED Date ymd(int y, int m, int d)
{
    return date_from_ymd(y, m, d);
}

/* The result of evaluating one expression. */
typedef struct Eval {
    bool ok;
    Value value;
    const char *error; /* vm_error when !ok */
    Span span;         /* vm_error_span when !ok */
    Program *prog;
    SourceSet *files;
} Eval;

/* Evaluates expr as the field `v` of a decision over [1] (the subject is
 * called x), after the declarations in prelude, with the given limits and
 * today = 2026-02-28. Compile errors fail the test. */
static UNUSED Eval eval_with(const char *prelude, const char *expr, VmLimits limits)
{
    RgBuf src;
    buf_init(&src);
    buf_printf(&src, "%s\ndecision t for x in [1] key \"k\" {\n    outcome ja | nej\n    field v = %s\n}\n",
               prelude ? prelude : "", expr);
    Compiled c = compile_text(src.data);
    cr_assert_eq(c.diags->errors, 0, "errors in\n%s\n%s", src.data, diags_text(c.diags));
    cr_assert_not_null(c.prog, "compile failed:\n%s", diags_text(c.diags));
    Program *p = c.prog;
    int d = program_decision(p, "t");
    cr_assert_geq(d, 0);
    Vm *vm = vm_new(p, NULL, ymd(2026, 2, 28), limits);
    Verdict v;
    memset(&v, 0, sizeof v);
    Eval e;
    memset(&e, 0, sizeof e);
    e.prog = p;
    e.files = c.files;
    e.ok = vm_decide(vm, (uint32_t)d, val_int(1), &v);
    if (e.ok) {
        cr_assert_eq(p->decisions[d].nfields, 1);
        e.value = v.fields[0];
    } else {
        e.error = vm_error(vm);
        e.span = vm_error_span(vm);
    }
    return e;
}

static UNUSED Eval eval_in(const char *prelude, const char *expr)
{
    return eval_with(prelude, expr, vm_default_limits());
}

/* Evaluates and fails the test on a run-time error. */
static UNUSED Value eval_ok(const char *prelude, const char *expr)
{
    Eval e = eval_in(prelude, expr);
    cr_assert(e.ok, "evaluating %s failed: %s", expr, e.error ? e.error : "?");
    return e.value;
}

/* The JSON form of a value, as a decision's output field shows it. */
#define EXPECT_JSON(prelude, expr, want)                                                     \
    do {                                                                                     \
        const char *got_ = to_json(eval_ok((prelude), (expr)));                              \
        cr_expect_str_eq(got_, (want), "%s gives %s, expected %s", (expr), got_, (want));    \
    } while (0)

/* The Swedish rendering of a value, as messages show it. */
#define EXPECT_RENDER(prelude, expr, want)                                                   \
    do {                                                                                     \
        const char *got_ = render(eval_ok((prelude), (expr)));                               \
        cr_expect_str_eq(got_, (want), "%s renders as \"%s\", expected \"%s\"", (expr), got_, (want)); \
    } while (0)

/* ---------------------------------------------------------------- files */

/* A fresh folder under the system's temporary folder. */
static UNUSED char *temp_dir(void)
{
    const char *base = getenv("TMPDIR");
    char tmpl[512];
    snprintf(tmpl, sizeof tmpl, "%s/regel-unit-XXXXXX", base && *base ? base : "/tmp");
    char *d = mkdtemp(tmpl);
    cr_assert_not_null(d, "mkdtemp failed");
    return strdup(d);
}

/* Writes content (len bytes, or strlen when len is (size_t)-1) to dir/name;
 * returns the path (malloc'd). */
static UNUSED char *write_file_n(const char *dir, const char *name, const char *content, size_t len)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *path = malloc(n);
    snprintf(path, n, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f, "cannot write %s", path);
    if (len == (size_t)-1)
        len = strlen(content);
    cr_assert_eq(fwrite(content, 1, len, f), len);
    fclose(f);
    return path;
}

static UNUSED char *write_file(const char *dir, const char *name, const char *content)
{
    return write_file_n(dir, name, content, (size_t)-1);
}

/* Removes a folder made by temp_dir and the files in it. */
static UNUSED void remove_dir(const char *dir)
{
    if (!strstr(dir, "/regel-unit-"))
        return;
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char path[1024];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            unlink(path);
        }
        closedir(d);
    }
    rmdir(dir);
}

/* ---------------------------------------------------------------- batch runs */

/* Output and reports of a run, in malloc'd memory. */
typedef struct Collected {
    char *out;
    size_t out_len, out_cap;
    char *reports;
    size_t rep_len, rep_cap;
    int nreports;
} Collected;

static UNUSED void collect_append(char **buf, size_t *len, size_t *cap, const char *data, size_t n)
{
    if (*len + n + 1 > *cap) {
        size_t c = *cap ? *cap : 256;
        while (c < *len + n + 1)
            c *= 2;
        *buf = realloc(*buf, c);
        *cap = c;
    }
    memcpy(*buf + *len, data, n);
    *len += n;
    (*buf)[*len] = '\0';
}

static UNUSED bool collect_write(void *ctx, const char *data, size_t n)
{
    Collected *c = ctx;
    collect_append(&c->out, &c->out_len, &c->out_cap, data, n);
    return true;
}

static UNUSED void collect_report(void *ctx, const char *line)
{
    Collected *c = ctx;
    collect_append(&c->reports, &c->rep_len, &c->rep_cap, line, strlen(line));
    collect_append(&c->reports, &c->rep_len, &c->rep_cap, "\n", 1);
    c->nreports++;
}

static UNUSED const char *collected_out(const Collected *c)
{
    return c->out ? c->out : "";
}

static UNUSED const char *collected_reports(const Collected *c)
{
    return c->reports ? c->reports : "";
}

/* Runs every root decision of p over the exports in dir, as JSON Lines. */
static UNUSED int run_program(const Program *p, const char *dir, Collected *col, RunSummary *s)
{
    RunOptions o;
    memset(&o, 0, sizeof o);
    o.data_dir = dir;
    o.today = ymd(2026, 2, 28);
    o.format = OUT_JSONL;
    o.on_invalid = INVALID_DEFAULT;
    o.limits = vm_default_limits();
    o.write = collect_write;
    o.write_ctx = col;
    o.report = collect_report;
    o.report_ctx = col;
    return run_batch(p, &o, s);
}

#endif
