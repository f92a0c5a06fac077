/*
 * api.c — the public API (regel.h): the one door between hosts and the
 * stages. Each entry point is a protected boundary: running out of memory
 * anywhere below it comes back as REGEL_ERR_NOMEM.
 */
#include "regel.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "alloc.h"
#include "builtins.h"
#include "check.h"
#include "compile.h"
#include "date.h"
#include "diff.h"
#include "disasm.h"
#include "embed.h"
#include "format.h"
#include "parse.h"
#include "run.h"
#include "testrun.h"
#include "text.h"
#include "verify.h"

const char *regel_version(void)
{
    return REGEL_VERSION_STRING;
}

void regel_free(void *p)
{
    free(p);
}

static void deliver(const DiagList *d, regel_diagnostic_fn fn, void *ctx)
{
    if (!fn)
        return;
    for (size_t i = 0; i < d->count; i++) {
        const Diagnostic *g = &d->items[i];
        regel_diagnostic rd;
        memset(&rd, 0, sizeof rd);
        rd.level = g->level == DIAG_ERROR ? REGEL_LEVEL_ERROR : REGEL_LEVEL_WARNING;
        const SourceFile *f = sources_get(d->sources, g->span.file);
        if (f) {
            rd.file = f->path;
            sources_position(d->sources, g->span.file, g->span.start, &rd.line, &rd.column);
            sources_position(d->sources, g->span.file, g->span.end, &rd.end_line, &rd.end_column);
        }
        rd.message = g->message;
        rd.hint = g->hint;
        regel_related *related = g->nnotes ? rg_alloc(g->nnotes * sizeof *related) : NULL;
        for (size_t k = 0; k < g->nnotes; k++) {
            const DiagNote *n = &g->notes[k];
            const SourceFile *nf = sources_get(d->sources, n->span.file);
            related[k].file = nf ? nf->path : NULL;
            sources_position(d->sources, n->span.file, n->span.start, &related[k].line, &related[k].column);
            sources_position(d->sources, n->span.file, n->span.end, &related[k].end_line, &related[k].end_column);
            related[k].message = n->message;
        }
        rd.related = related;
        rd.nrelated = g->nnotes;
        RgBuf text;
        buf_init(&text);
        diag_render(d, g, &text);
        rd.text = text.data;
        fn(ctx, &rd);
    }
    if (d->dropped) {
        regel_diagnostic rd;
        memset(&rd, 0, sizeof rd);
        rd.level = REGEL_LEVEL_NOTE;
        rd.message = rg_sprintf("%zu more problems were found but are not shown", d->dropped);
        rd.text = rg_sprintf("%s\n", rd.message);
        rd.errors_left_out = d->dropped_errors;
        rd.warnings_left_out = d->dropped - d->dropped_errors;
        fn(ctx, &rd);
    }
}

static int cmp_names(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* A growing list of file names. */
typedef struct PathList {
    const char **items;
    size_t n, cap;
} PathList;

static void path_push(PathList *l, const char *path)
{
    if (l->n == l->cap) {
        const char **bigger = rg_alloc(l->cap * 2 * sizeof *bigger);
        memcpy(bigger, l->items, l->n * sizeof *bigger);
        l->items = bigger;
        l->cap *= 2;
    }
    l->items[l->n++] = path;
}

/* Adds the .regel files of the folder `path`, open as dir. */
static void add_folder(PathList *l, const char *path, DIR *dir)
{
    size_t dl = strlen(path);
    bool slash = dl && path[dl - 1] == '/';
    struct dirent *e;
    while ((e = readdir(dir))) {
        size_t len = strlen(e->d_name);
        if (len <= 6 || strcmp(e->d_name + len - 6, ".regel") != 0 || e->d_name[0] == '.')
            continue;
        path_push(l, rg_sprintf("%s%s%s", path, slash ? "" : "/", e->d_name));
    }
}

/* Expands folders to their .regel files; reports a path that is neither. */
static const char **expand(const char *const *paths, size_t n, size_t *count, DiagList *diags)
{
    PathList l = {NULL, 0, n + 8};
    l.items = rg_alloc(l.cap * sizeof *l.items);
    for (size_t i = 0; i < n; i++) {
        struct stat st;
        if (stat(paths[i], &st) != 0) {
            diag_error(diags, (Span){0, 0, 0}, "%s: no such file or folder", paths[i]);
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            path_push(&l, paths[i]);
            continue;
        }
        DIR *dir = opendir(paths[i]);
        if (!dir) {
            diag_error(diags, (Span){0, 0, 0}, "%s: cannot read the folder", paths[i]);
            continue;
        }
        size_t first = l.n;
        /* Memory may run out while the names are copied: the folder is
         * closed on the way. */
        RgTry t;
        int code = RG_TRY(&t);
        if (code) {
            closedir(dir);
            rg_throw(code);
        }
        add_folder(&l, paths[i], dir);
        rg_try_end(&t);
        closedir(dir);
        if (l.n == first)
            diag_error(diags, (Span){0, 0, 0}, "%s: the folder has no .regel files", paths[i]);
        qsort(l.items + first, l.n - first, sizeof *l.items, cmp_names);
    }
    *count = l.n;
    return l.items;
}

static regel_status finish_compile(Checked *checked, DiagList *diags, SourceSet *files, regel_diagnostic_fn fn,
                                   void *ctx, unsigned compile_flags, regel_program **out)
{
    Program *prog = NULL;
    if (diags->errors == 0)
        prog = compile_program(checked, diags, compile_flags);
    /* The VM leaves the stack and local checks to the verifier, so what
     * the compiler makes is verified like what a file holds: a fault in
     * the compiler becomes this error, not a stray write. */
    const char *unsafe = prog ? verify_program(prog) : NULL;
    if (unsafe) {
        diag_error(diags, (Span){0, 0, 0}, "internal error: the compiled code does not verify: %s", unsafe);
        prog = NULL;
    }
    diags_sort(diags);
    deliver(diags, fn, ctx);
    if (diags->errors || !prog)
        return REGEL_ERR_POLICY;
    regel_program *p = embed_program(prog, files);
    /* Worked out now rather than on first use, so that memory running out
     * is this call's error, not a -1 from regel_record_type later. */
    if (!embed_prepare(p)) {
        regel_program_free(p);
        return REGEL_ERR_NOMEM;
    }
    *out = p;
    return REGEL_OK;
}

regel_status regel_compile_files(const char *const *paths, size_t npaths, regel_diagnostic_fn on_diag, void *ctx,
                                 regel_program **out)
{
    return regel_compile_files_with(paths, npaths, 0, on_diag, ctx, out);
}

regel_status regel_compile_files_with(const char *const *paths, size_t npaths, unsigned flags,
                                      regel_diagnostic_fn on_diag, void *ctx, regel_program **out)
{
    regel_compile_options o;
    regel_compile_options_init(&o);
    o.flags = flags;
    return regel_compile_files_opts(paths, npaths, &o, on_diag, ctx, out);
}

regel_status regel_compile_string(const char *name, const char *text, size_t len, regel_diagnostic_fn on_diag,
                                  void *ctx, regel_program **out)
{
    return regel_compile_string_opts(name, text, len, NULL, on_diag, ctx, out);
}

void regel_compile_options_init(regel_compile_options *o)
{
    if (o)
        memset(o, 0, sizeof *o);
}

/* The host's table checked and parsed (a diagnostic per problem), or NULL
 * after reporting them. */
static HostInfo *host_table(const regel_compile_options *o, DiagList *diags)
{
    size_t n = o ? o->nhosts : 0;
    HostInfo *hosts = rg_alloc((n ? n : 1) * sizeof *hosts);
    if (n && !o->hosts) {
        diag_error(diags, (Span){0, 0, 0}, "the options give %zu host functions but no table of them", n);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        const char *why = host_entry(&o->hosts[i], &hosts[i]);
        if (why) {
            diag_error(diags, (Span){0, 0, 0}, "%s", why);
            continue;
        }
        for (size_t k = 0; k < i; k++)
            if (hosts[k].name && strcmp(hosts[k].name, hosts[i].name) == 0) {
                diag_error(diags, (Span){0, 0, 0}, "host function '%s' is given twice", hosts[i].name);
                break;
            }
    }
    return diags->errors ? NULL : hosts;
}

regel_status regel_compile_files_opts(const char *const *paths, size_t npaths, const regel_compile_options *o,
                                      regel_diagnostic_fn on_diag, void *ctx, regel_program **out)
{
    rg_alloc_init();
    *out = NULL;
    RgTry t;
    int code = RG_TRY(&t);
    if (code)
        return REGEL_ERR_NOMEM;
    SourceSet *files = sources_new();
    DiagList *diags = diags_new(files);
    regel_status st;
    HostInfo *hosts = host_table(o, diags);
    if (!hosts) {
        deliver(diags, on_diag, ctx);
        rg_try_end(&t);
        return REGEL_ERR_USAGE;
    }
    size_t n;
    const char **list = expand(paths, npaths, &n, diags);
    if (diags->errors) {
        deliver(diags, on_diag, ctx);
        st = REGEL_ERR_POLICY;
    } else {
        Checked *checked = check_files_with(files, list, n, hosts, o ? o->nhosts : 0, diags);
        unsigned compile_flags = o && (o->flags & REGEL_COMPILE_EXPLAIN) ? COMPILE_EXPLAIN : 0;
        st = finish_compile(checked, diags, files, on_diag, ctx, compile_flags, out);
    }
    rg_try_end(&t);
    return st;
}

regel_status regel_compile_string_opts(const char *name, const char *text, size_t len,
                                       const regel_compile_options *o, regel_diagnostic_fn on_diag, void *ctx,
                                       regel_program **out)
{
    rg_alloc_init();
    *out = NULL;
    if (!text && len)
        return REGEL_ERR_USAGE;
    RgTry t;
    int code = RG_TRY(&t);
    if (code)
        return REGEL_ERR_NOMEM;
    SourceSet *files = sources_new();
    DiagList *diags = diags_new(files);
    HostInfo *hosts = host_table(o, diags);
    if (!hosts) {
        deliver(diags, on_diag, ctx);
        rg_try_end(&t);
        return REGEL_ERR_USAGE;
    }
    char *copy = rg_strndup(text ? text : "", len);
    Checked *checked = check_text_with(files, name ? name : "<text>", copy, len, NULL, hosts, o ? o->nhosts : 0,
                                       diags);
    unsigned compile_flags = o && (o->flags & REGEL_COMPILE_EXPLAIN) ? COMPILE_EXPLAIN : 0;
    regel_status st = finish_compile(checked, diags, files, on_diag, ctx, compile_flags, out);
    rg_try_end(&t);
    return st;
}

/* ---------------------------------------------------------------- host function calls */

size_t regel_program_host_count(const regel_program *p)
{
    return p ? p->program->nhosts : 0;
}

const char *regel_program_host_name(const regel_program *p, size_t i)
{
    return p && i < p->program->nhosts ? p->program->hosts[i].name : NULL;
}

const char *regel_program_host_signature(const regel_program *p, size_t i)
{
    return p && i < p->program->nhosts ? p->program->hosts[i].sig : NULL;
}

const char *regel_host_name(const regel_host_call *call)
{
    return call ? call->host->name : NULL;
}

size_t regel_host_arg_count(const regel_host_call *call)
{
    return call ? call->argc : 0;
}

int regel_host_arg_is_none(const regel_host_call *call, size_t i)
{
    return call && i < call->argc && call->args[i].tag == V_NONE;
}

/* Argument i when it has the tag, else NULL. */
static const Value *host_arg(const regel_host_call *call, size_t i, ValueTag tag)
{
    if (!call || i >= call->argc || call->args[i].tag != tag)
        return NULL;
    return &call->args[i];
}

regel_status regel_host_arg_bool(const regel_host_call *call, size_t i, int *value)
{
    const Value *v = host_arg(call, i, V_BOOL);
    if (value)
        *value = v ? v->as.b : 0;
    return v ? REGEL_OK : REGEL_ERR_USAGE;
}

regel_status regel_host_arg_int(const regel_host_call *call, size_t i, long long *value)
{
    const Value *v = host_arg(call, i, V_INT);
    if (value)
        *value = v ? v->as.i : 0;
    return v ? REGEL_OK : REGEL_ERR_USAGE;
}

regel_status regel_host_arg_decimal(const regel_host_call *call, size_t i, long long *coefficient, unsigned *scale)
{
    const Value *v = host_arg(call, i, V_DEC);
    const Value *n = v ? NULL : host_arg(call, i, V_INT);
    if (coefficient)
        *coefficient = v ? v->as.i : n ? n->as.i : 0;
    if (scale)
        *scale = v ? v->scale : 0;
    return v || n ? REGEL_OK : REGEL_ERR_USAGE;
}

regel_status regel_host_arg_text(const regel_host_call *call, size_t i, const char **text, size_t *len)
{
    const Value *v = host_arg(call, i, V_TEXT);
    if (text)
        *text = v ? v->as.s : NULL;
    if (len)
        *len = v ? v->aux : 0;
    return v ? REGEL_OK : REGEL_ERR_USAGE;
}

regel_status regel_host_arg_date(const regel_host_call *call, size_t i, int *year, int *month, int *day)
{
    const Value *v = host_arg(call, i, V_DATE);
    int y = 0, m = 0, d = 0;
    if (v)
        date_to_ymd(v->as.date, &y, &m, &d);
    if (year)
        *year = y;
    if (month)
        *month = m;
    if (day)
        *day = d;
    return v ? REGEL_OK : REGEL_ERR_USAGE;
}

static regel_status host_result(regel_host_call *call, Value v)
{
    if (!call)
        return REGEL_ERR_USAGE;
    call->result = v;
    call->returned = true;
    call->bad = NULL;
    return REGEL_OK;
}

/* A result that cannot be used: the evaluation fails with why. */
static regel_status host_bad(regel_host_call *call, const char *why)
{
    call->returned = true;
    call->bad = why;
    return REGEL_ERR_USAGE;
}

regel_status regel_host_return_none(regel_host_call *call)
{
    return host_result(call, val_none());
}

regel_status regel_host_return_bool(regel_host_call *call, int value)
{
    return host_result(call, val_bool(value != 0));
}

regel_status regel_host_return_int(regel_host_call *call, long long value)
{
    return host_result(call, val_int(value));
}

regel_status regel_host_return_decimal(regel_host_call *call, long long coefficient, unsigned scale)
{
    if (!call)
        return REGEL_ERR_USAGE;
    if (scale > DEC_MAX_SCALE)
        return host_bad(call, "returned a decimal with more than 18 digits after the point");
    Decimal d = {coefficient, (uint8_t)scale};
    return host_result(call, val_dec(d));
}

regel_status regel_host_return_date(regel_host_call *call, int year, int month, int day)
{
    if (!call)
        return REGEL_ERR_USAGE;
    if (!date_valid_ymd(year, month, day))
        return host_bad(call, "returned a date that does not exist in the years 1 to 9999");
    return host_result(call, val_date(date_from_ymd(year, month, day)));
}

regel_status regel_host_return_text(regel_host_call *call, const char *text, size_t len)
{
    if (!call)
        return REGEL_ERR_USAGE;
    if (!text && len)
        return host_bad(call, "returned text without its bytes (NULL)");
    if (len > VALUE_MAX_TEXT)
        return host_bad(call, "returned text longer than the limit of 64 MB");
    if (!text_valid_utf8(text ? text : "", len, NULL))
        return host_bad(call, "returned text that is not UTF-8");
    /* Copying may run out of memory or past the evaluation's limit: that
     * unwinds, after the host function has returned, from the VM. */
    regel_host_call *volatile c = call;
    const char *volatile bytes = text ? text : "";
    volatile size_t nbytes = len;
    RgTry t;
    int code = RG_TRY(&t);
    if (code) {
        c->thrown = code;
        return REGEL_ERR_NOMEM;
    }
    size_t n;
    const char *nfc = text_nfc(bytes, nbytes, &n);
    Value v = val_text_copy(nfc, n);
    rg_try_end(&t);
    return host_result(c, v);
}

regel_status regel_host_fail(regel_host_call *call, const char *message)
{
    if (!call)
        return REGEL_ERR_USAGE;
    if (call->failed)
        return REGEL_ERR_EVAL;
    regel_host_call *volatile c = call;
    const char *volatile given = message;
    RgTry t;
    int code = RG_TRY(&t);
    if (code) {
        c->thrown = code;
        return REGEL_ERR_EVAL;
    }
    const char *m = given ? rg_strdup(given) : rg_sprintf("host function %s failed", c->host->name);
    rg_try_end(&t);
    c->failed = m;
    return REGEL_ERR_EVAL;
}

size_t regel_decision_count(const regel_program *p)
{
    return p ? p->program->ndecisions : 0;
}

const char *regel_decision_name(const regel_program *p, size_t i)
{
    if (!p || i >= p->program->ndecisions)
        return NULL;
    return p->program->decisions[i].name;
}

char *regel_disassemble(const regel_program *p, const char *decision)
{
    if (!p)
        return NULL;
    rg_alloc_init();
    RgTry t;
    if (RG_TRY(&t))
        return NULL;
    if (decision && program_decision(p->program, decision) < 0) {
        rg_try_end(&t);
        return NULL;
    }
    RgBuf b;
    buf_init(&b);
    disasm_program(p->program, decision, &b);
    rg_try_end(&t);
    char *s = rg_malloc(b.len + 1);
    if (!s)
        return NULL;
    memcpy(s, b.data ? b.data : "", b.len);
    s[b.len] = '\0';
    return s;
}

regel_status regel_format_text(const char *name, const char *text, size_t len, regel_diagnostic_fn on_diag,
                               void *ctx, char **out, size_t *out_len)
{
    rg_alloc_init();
    *out = NULL;
    if (out_len)
        *out_len = 0;
    RgTry t;
    if (RG_TRY(&t))
        return REGEL_ERR_NOMEM;
    SourceSet *files = sources_new();
    DiagList *diags = diags_new(files);
    const char *path = name ? name : "<text>";
    uint32_t file = sources_add(files, path, rg_strndup(text, len), len);
    Node *module = parse_module(files, file, diags, NULL);
    regel_status st = REGEL_ERR_POLICY;
    if (diags->errors == 0) {
        size_t n;
        const char *formatted = format_module(files, file, module, &n);
        /* The layout must keep the meaning and every comment: parse what
         * came out and compare, so a mistake in the formatter can never
         * rewrite a policy into a different one. */
        uint32_t again = sources_add(files, path, formatted, n);
        DiagList *check = diags_new(files);
        Node *reparsed = parse_module(files, again, check, NULL);
        if (check->errors || strcmp(format_shape(module), format_shape(reparsed)) != 0 ||
            reparsed->u.module.comments.len != module->u.module.comments.len) {
            diag_error(diags, (Span){file, 0, 0},
                       "regel cannot format this file without changing what it says (a fault in regel's "
                       "formatter); the file is left as it was");
        } else {
            char *s = rg_malloc(n + 1);
            if (!s) {
                rg_try_end(&t);
                return REGEL_ERR_NOMEM;
            }
            memcpy(s, formatted, n);
            s[n] = '\0';
            *out = s;
            if (out_len)
                *out_len = n;
            st = REGEL_OK;
        }
    }
    diags_sort(diags);
    deliver(diags, on_diag, ctx);
    rg_try_end(&t);
    return st;
}

regel_limits regel_default_limits(void)
{
    VmLimits l = vm_default_limits();
    regel_limits r = {l.max_steps, l.max_memory, l.max_depth};
    return r;
}

void regel_run_options_init(regel_run_options *o)
{
    memset(o, 0, sizeof *o);
    o->format = REGEL_FORMAT_JSONL;
    o->on_invalid = REGEL_INVALID_AS_POLICY;
    o->limits = regel_default_limits();
}

typedef struct Sink {
    const regel_run_options *o;
} Sink;

static bool write_out(void *ctx, const char *data, size_t n)
{
    const Sink *s = ctx;
    return s->o->write(s->o->write_ctx, data, n) == 0;
}

/* The library prints nothing by itself: output goes where the caller's
 * write function sends it, and a call without one is refused. */
static regel_status no_writer(void (*report)(void *, const char *), void *ctx, const char *what)
{
    if (report) {
        char line[120];
        snprintf(line, sizeof line, "%s needs a write function for its output (the library writes nowhere itself)",
                 what);
        report(ctx, line);
    }
    return REGEL_ERR_USAGE;
}

/* run_batch behind a protected boundary; -1 when memory ran out. */
static int run_protected(const Program *prog, const RunOptions *ro, RunSummary *rs)
{
    RgTry t;
    if (RG_TRY(&t))
        return -1;
    int st = run_batch(prog, ro, rs);
    rg_try_end(&t);
    return st;
}

static void progress_out(void *ctx, uint64_t read, uint64_t written)
{
    const Sink *s = ctx;
    s->o->progress(s->o->progress_ctx, read, written);
}

/* The decision of prog spelt most like name, for a "did you mean", or NULL.
 * Behind its own boundary, as the comparison allocates. */
static const char *closest_decision(const Program *prog, const char *name)
{
    if (!text_valid_utf8(name, strlen(name), NULL))
        return NULL;
    RgTry t;
    if (RG_TRY(&t))
        return NULL;
    const char **names = rg_alloc((prog->ndecisions + 1) * sizeof *names);
    for (uint32_t i = 0; i < prog->ndecisions; i++)
        names[i] = prog->decisions[i].name;
    const char *best = text_suggest(name, names, prog->ndecisions);
    rg_try_end(&t);
    return best;
}

/* Checks a host's run options against prog and translates them. */
static regel_status prepare_run(const Program *prog, const regel_run_options *o, Sink *sink, RunOptions *ro)
{
    Date today = date_today();
    if (o->today && !date_parse_iso(o->today, strlen(o->today), &today)) {
        if (o->report) {
            char line[160];
            if (strlen(o->today) == 10 && o->today[4] == '-' && o->today[7] == '-')
                snprintf(line, sizeof line, "%s is not a date in the calendar", o->today);
            else
                snprintf(line, sizeof line, "the date for today is written YYYY-MM-DD, not '%.40s'", o->today);
            o->report(o->report_ctx, line);
        }
        return REGEL_ERR_USAGE;
    }
    for (size_t i = 0; o->decisions && i < o->ndecisions; i++)
        if (program_decision(prog, o->decisions[i]) < 0) {
            if (o->report) {
                char line[512];
                const char *best = closest_decision(prog, o->decisions[i]);
                snprintf(line, sizeof line, "the policy has no decision called '%.200s'%s%.200s%s", o->decisions[i],
                         best ? "; did you mean '" : "", best ? best : "", best ? "'?" : "");
                o->report(o->report_ctx, line);
            }
            return REGEL_ERR_USAGE;
        }
    if (o->explain && !prog->explain) {
        if (o->report)
            o->report(o->report_ctx, "to explain, compile the policy with REGEL_COMPILE_EXPLAIN");
        return REGEL_ERR_USAGE;
    }
    if (o->explain && o->format == REGEL_FORMAT_CSV) {
        if (o->report)
            o->report(o->report_ctx, "an explanation is text (table) or JSON (jsonl), not CSV");
        return REGEL_ERR_USAGE;
    }
    sink->o = o;
    memset(ro, 0, sizeof *ro);
    ro->explain = o->explain != 0;
    ro->explain_id = o->explain_id;
    ro->data_dir = o->data_dir;
    ro->decisions = o->decisions;
    ro->ndecisions = o->ndecisions;
    ro->today = today;
    ro->format = o->format == REGEL_FORMAT_TABLE ? OUT_TABLE : o->format == REGEL_FORMAT_CSV ? OUT_CSV : OUT_JSONL;
    ro->on_invalid = o->on_invalid == REGEL_INVALID_FAIL   ? INVALID_FAIL
                     : o->on_invalid == REGEL_INVALID_SKIP ? INVALID_SKIP
                                                           : INVALID_DEFAULT;
    ro->limits.max_steps = o->limits.max_steps;
    ro->limits.max_memory = o->limits.max_memory;
    ro->limits.max_depth = o->limits.max_depth;
    ro->write = write_out;
    ro->write_ctx = sink;
    ro->report = o->report;
    ro->report_ctx = o->report_ctx;
    if (o->progress) {
        ro->progress = progress_out;
        ro->progress_ctx = sink;
    }
    return REGEL_OK;
}

static regel_status status_of(int st)
{
    switch (st) {
    case RUN_OK: return REGEL_OK;
    case RUN_DATA_ERROR: return REGEL_ERR_DATA;
    case RUN_EVAL_ERROR: return REGEL_ERR_EVAL;
    case RUN_NOT_FOUND: return REGEL_ERR_USAGE;
    case -1: return REGEL_ERR_NOMEM;
    default: return REGEL_ERR_OUTPUT;
    }
}

regel_status regel_run(const regel_program *p, const regel_run_options *o, regel_run_summary *s)
{
    rg_alloc_init();
    regel_run_summary ignored;
    if (!s)
        s = &ignored;
    memset(s, 0, sizeof *s);
    if (!p || !o)
        return REGEL_ERR_USAGE;
    if (!o->write)
        return no_writer(o->report, o->report_ctx, "regel_run");
    Sink sink;
    RunOptions ro;
    regel_status prepared = prepare_run(p->program, o, &sink, &ro);
    if (prepared != REGEL_OK)
        return prepared;
    if (o->policy_version) {
        if (o->format != REGEL_FORMAT_JSONL || o->explain) {
            if (o->report)
                o->report(o->report_ctx, "the policy version is written in JSON Lines output (jsonl)");
            return REGEL_ERR_USAGE;
        }
        ro.policy_version = regel_program_version(p);
        if (!ro.policy_version)
            return REGEL_ERR_NOMEM;
    }
    RunSummary rs;
    memset(&rs, 0, sizeof rs);
    int st = run_protected(p->program, &ro, &rs);
    s->read = rs.read;
    s->decided = rs.decided;
    s->failed = rs.failed;
    s->invalid = rs.invalid;
    return status_of(st);
}

/* diff_programs behind a protected boundary; -1 when memory ran out. */
static int diff_protected(const Program *before, const Program *after, const RunOptions *ro, bool json, bool *changed)
{
    RgTry t;
    if (RG_TRY(&t))
        return -1;
    int st = diff_programs(before, after, ro, json, changed);
    rg_try_end(&t);
    return st;
}

regel_status regel_diff(const regel_program *before, const regel_program *after, const regel_run_options *o,
                        int *changed)
{
    rg_alloc_init();
    int ignored;
    if (!changed)
        changed = &ignored;
    *changed = 0;
    if (before && after && o && (before->loaded || after->loaded)) {
        if (o->report)
            o->report(o->report_ctx, "a comparison needs both versions compiled from their policy files, not precompiled");
        return REGEL_ERR_USAGE;
    }
    if (o && !o->write)
        return no_writer(o->report, o->report_ctx, "regel_diff");
    if (!before || !after || !o || o->explain || o->format == REGEL_FORMAT_CSV) {
        if (o && o->report && (o->explain || o->format == REGEL_FORMAT_CSV))
            o->report(o->report_ctx, "a comparison is text (table) or JSON (jsonl), and explains nothing");
        return REGEL_ERR_USAGE;
    }
    /* A decision only one version has cannot be compared; say which. */
    for (size_t i = 0; o->decisions && i < o->ndecisions; i++) {
        bool old = program_decision(before->program, o->decisions[i]) >= 0;
        if (old == (program_decision(after->program, o->decisions[i]) >= 0))
            continue;
        if (o->report) {
            char line[512];
            snprintf(line, sizeof line, "only the %s version has a decision called '%.200s': a comparison needs it in both",
                     old ? "first (before)" : "second (after)", o->decisions[i]);
            o->report(o->report_ctx, line);
        }
        return REGEL_ERR_USAGE;
    }
    Sink sink;
    RunOptions ro;
    regel_status prepared = prepare_run(before->program, o, &sink, &ro);
    if (prepared == REGEL_OK)
        prepared = prepare_run(after->program, o, &sink, &ro);
    if (prepared != REGEL_OK)
        return prepared;
    bool differ = false;
    int st = diff_protected(before->program, after->program, &ro, o->format == REGEL_FORMAT_JSONL, &differ);
    *changed = differ;
    return status_of(st);
}

void regel_test_options_init(regel_test_options *o)
{
    memset(o, 0, sizeof *o);
    o->limits = regel_default_limits();
}

typedef struct TestSink {
    const regel_test_options *o;
} TestSink;

static void test_write(void *ctx, const char *text, size_t n)
{
    const TestSink *s = ctx;
    s->o->write(s->o->write_ctx, text, n);
}

static void test_report(const regel_test_options *o, const char *line)
{
    if (o->report)
        o->report(o->report_ctx, line);
}

static regel_status test_protected(const char *const *paths, size_t npaths, regel_diagnostic_fn on_diag, void *ctx,
                                   const regel_test_options *o, Date today, regel_test_summary *s)
{
    RgTry t;
    if (RG_TRY(&t))
        return REGEL_ERR_NOMEM;
    SourceSet *files = sources_new();
    DiagList *diags = diags_new(files);
    size_t n;
    const char **list = expand(paths, npaths, &n, diags);
    regel_program *p = NULL;
    regel_status st;
    if (diags->errors) {
        deliver(diags, on_diag, ctx);
        st = REGEL_ERR_POLICY;
    } else {
        Checked *checked = check_files(files, list, n, diags);
        st = finish_compile(checked, diags, files, on_diag, ctx, COMPILE_COVERAGE, &p);
    }
    if (st == REGEL_OK) {
        TestSink sink = {o};
        TestOptions to;
        memset(&to, 0, sizeof to);
        to.today = today;
        to.limits.max_steps = o->limits.max_steps;
        to.limits.max_memory = o->limits.max_memory;
        to.limits.max_depth = o->limits.max_depth;
        to.every_rule = o->every_rule != 0;
        to.filters = o->filters;
        to.nfilters = o->filters ? o->nfilters : 0;
        to.min_coverage = o->min_coverage;
        to.write = test_write;
        to.write_ctx = &sink;
        const char *unmatched = test_unmatched_filter(p->program, &to);
        if (unmatched) {
            test_report(o, rg_sprintf("no test name contains '%s'", unmatched));
            st = REGEL_ERR_USAGE;
        } else {
            TestSummary ts;
            TestResult r = test_run(p->program, &to, &ts);
            s->passed = ts.passed;
            s->failed = ts.failed;
            s->filtered = ts.filtered;
            s->rules = ts.rules;
            s->covered = ts.covered;
            st = r == TEST_FAILED ? REGEL_ERR_TESTS : r == TEST_COVERAGE_LOW ? REGEL_ERR_COVERAGE : REGEL_OK;
        }
        rg_free(p);
    }
    rg_try_end(&t);
    return st;
}

regel_status regel_test(const char *const *paths, size_t npaths, regel_diagnostic_fn on_diag, void *ctx,
                        const regel_test_options *o, regel_test_summary *s)
{
    rg_alloc_init();
    regel_test_summary ignored;
    if (!s)
        s = &ignored;
    memset(s, 0, sizeof *s);
    if (!o || !o->write)
        return no_writer(o ? o->report : NULL, o ? o->report_ctx : NULL, "regel_test");
    Date today = date_today();
    if (o->today && !date_parse_iso(o->today, strlen(o->today), &today)) {
        char line[160];
        if (strlen(o->today) == 10 && o->today[4] == '-' && o->today[7] == '-')
            snprintf(line, sizeof line, "%s is not a date in the calendar", o->today);
        else
            snprintf(line, sizeof line, "the date for today is written YYYY-MM-DD, not '%.40s'", o->today);
        test_report(o, line);
        return REGEL_ERR_USAGE;
    }
    /* Written so that NaN is refused too. */
    if (!(o->min_coverage >= 0 && o->min_coverage <= 100)) {
        char line[160];
        snprintf(line, sizeof line, "the required rule coverage is a percentage from 0 to 100, not %g",
                 o->min_coverage);
        test_report(o, line);
        return REGEL_ERR_USAGE;
    }
    return test_protected(paths, npaths, on_diag, ctx, o, today, s);
}
