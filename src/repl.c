/*
 * repl.c — `regel repl`: policies, exports and expressions, line by line.
 *
 * A line is an expression (evaluated and shown), a `let` (evaluated and
 * bound for the lines after), declarations (added to the session), or a
 * command starting with ':'. Lines are checked by a check session
 * (check.h), which keeps everything checked before; a line with errors
 * changes nothing. Each evaluation compiles the session anew (milliseconds
 * for the shipped policies) and runs the line's function in a fresh VM
 * over the exports loaded with :data.
 *
 * On a terminal, lines are edited with libedit, with a history file and
 * completion of commands, keywords, names, decision names, record fields
 * after '.', and enum words after `Enum.`. Otherwise lines are read as
 * they come, without prompts, so a script can be piped in.
 */
#include "repl.h"

#include <dirent.h>
#include <editline/readline.h>
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alloc.h"
#include "builtins.h"
#include "check.h"
#include "compile.h"
#include "date.h"
#include "diag.h"
#include "disasm.h"
#include "format.h"
#include "index.h"
#include "regel.h"
#include "run.h"
#include "text.h"
#include "vm.h"

/* Lists show this many elements, a line this many columns. */
#define REPL_SHOW_ELEMENTS 20
#define REPL_WIDTH 100
/* Lines kept in the history file. */
#define REPL_HISTORY_LINES 1000

typedef struct Let {
    const char *name;
    const char *text;
} Let;

typedef struct Repl {
    SourceSet *files;
    CheckSession *cs;
    const char **paths; /* the policy files loaded, in order */
    size_t npaths;
    const char **decls; /* declarations typed, for :reload */
    size_t ndecls;
    Let *lets;          /* bindings typed, for :reload */
    size_t nlets;
    const char *data_dir;
    DataSet *data;      /* the exports, for the program they were loaded for */
    const Program *data_for;
    Date today;
    bool tty;
    const char *history;
    unsigned line_no;
} Repl;

static Repl *the_repl; /* for the completion callback, which takes no context */

static const char *const commands[] = {
    ":load", ":reload", ":data", ":today", ":type", ":explain", ":disasm", ":rules", ":help", ":quit", NULL,
};

static const char *const keywords[] = {
    "import", "record", "enum", "format", "source", "from", "as", "key", "const", "fn", "decision", "for",
    "in", "let", "must", "should", "guard", "else", "include", "field", "outcome", "if", "then", "and",
    "or", "not", "where", "true", "false", "none", "it", "return", "queue", "by", "order", "capacity",
    "table", "test", "given", "expect", "today", "days", "weeks", "months", "years", NULL,
};

static const char help_text[] =
    "An input is an expression, a `let name = expression`, declarations, or a command:\n"
    "  :load PATH...         load policy files or folders (their .regel files)\n"
    "  :reload               read the loaded files again; declarations and lets are redone\n"
    "  :data DIR             load the exports in DIR\n"
    "  :today YYYY-MM-DD     the date `today` means (default: the machine's date)\n"
    "  :type EXPRESSION      the type of an expression\n"
    "  :explain DECISION ID  why the line ID of DECISION came out as it did\n"
    "  :disasm NAME          the bytecode of a decision or function\n"
    "  :rules                every rule: its ref, severity, decision and condition\n"
    "  :help                 this text\n"
    "  :quit                 leave (or Ctrl-D)\n"
    "Input continues on the next line while a bracket or a block is open.\n";

/* ---------------------------------------------------------------- output */

static void print_diags(DiagList *d)
{
    diags_sort(d);
    for (size_t i = 0; i < d->count; i++) {
        RgBuf b;
        buf_init(&b);
        diag_render(d, &d->items[i], &b);
        fwrite(b.data, 1, b.len, stderr);
    }
    if (d->dropped)
        fprintf(stderr, "%zu more problems were found but are not shown\n", d->dropped);
    fflush(stderr);
}

static void report_line(void *ctx, const char *line)
{
    (void)ctx;
    fprintf(stderr, "%s\n", line);
}

static bool write_stdout(void *ctx, const char *data, size_t n)
{
    (void)ctx;
    return fwrite(data, 1, n, stdout) == n;
}

/* A value on one line, as policy text writes it, cut at `room` columns. */
static void one_line(RgBuf *b, Value v, size_t room)
{
    RgBuf t;
    buf_init(&t);
    value_write_literal(&t, v);
    size_t n = t.len;
    if (text_length(t.data ? t.data : "", n) > room) {
        /* Cut at a character boundary and say so. */
        size_t keep = 0, chars = 0;
        while (keep < n && chars + 1 < room) {
            keep++;
            while (keep < n && ((unsigned char)t.data[keep] & 0xC0) == 0x80)
                keep++;
            chars++;
        }
        buf_add(b, t.data, keep);
        buf_adds(b, "…");
        return;
    }
    buf_add(b, t.data ? t.data : "", n);
}

/* Records as aligned fields, lists one element a line (cut after
 * REPL_SHOW_ELEMENTS, with the count), the rest on one line. */
static void show_value(RgBuf *b, Value v, int indent)
{
    if (v.tag == V_RECORD) {
        const Record *r = v.as.rec;
        size_t width = 0;
        for (size_t i = 0; i < r->type->nfields; i++) {
            size_t w = text_length(r->type->fields[i].name, strlen(r->type->fields[i].name));
            if (w > width)
                width = w;
        }
        buf_printf(b, "%s\n", r->type->name);
        for (size_t i = 0; i < r->type->nfields; i++) {
            const char *name = r->type->fields[i].name;
            buf_printf(b, "%*s%s", indent + 2, "", name);
            for (size_t w = text_length(name, strlen(name)); w < width + 2; w++)
                buf_addc(b, ' ');
            Value f = r->slots[i];
            if (f.tag == V_RECORD || ((f.tag == V_LIST || f.tag == V_SET) && f.as.list->len &&
                                      f.as.list->items[0].tag == V_RECORD))
                show_value(b, f, indent + 2);
            else {
                one_line(b, f, REPL_WIDTH - (size_t)indent - width - 4);
                buf_addc(b, '\n');
            }
        }
        return;
    }
    if ((v.tag == V_LIST || v.tag == V_SET) && v.as.list->len) {
        RgBuf flat;
        buf_init(&flat);
        value_write_literal(&flat, v);
        bool records = v.as.list->items[0].tag == V_RECORD;
        if (!records && text_length(flat.data, flat.len) + (size_t)indent <= REPL_WIDTH) {
            buf_add(b, flat.data, flat.len);
            buf_addc(b, '\n');
            return;
        }
        const List *l = v.as.list;
        buf_adds(b, v.tag == V_SET ? "set([\n" : "[\n");
        for (uint32_t i = 0; i < l->len && i < REPL_SHOW_ELEMENTS; i++) {
            buf_printf(b, "%*s", indent + 2, "");
            one_line(b, l->items[i], REPL_WIDTH - (size_t)indent - 3);
            buf_adds(b, ",\n");
        }
        if (l->len > REPL_SHOW_ELEMENTS)
            buf_printf(b, "%*s… %u more (%u in all)\n", indent + 2, "", l->len - REPL_SHOW_ELEMENTS, l->len);
        buf_printf(b, "%*s%s\n", indent, "", v.tag == V_SET ? "])" : "]");
        return;
    }
    one_line(b, v, REPL_WIDTH - (size_t)indent);
    buf_addc(b, '\n');
}

static void print_value(const char *name, Value v)
{
    RgBuf b;
    buf_init(&b);
    if (name)
        buf_printf(&b, "%s = ", name);
    show_value(&b, v, 0);
    fwrite(b.data, 1, b.len, stdout);
    fflush(stdout);
}

/* ---------------------------------------------------------------- programs and data */

static const Program *compile_session(Repl *R, unsigned flags)
{
    DiagList *d = diags_new(R->files);
    const Program *p = compile_program(check_session_checked(R->cs), d, flags);
    if (d->count)
        print_diags(d);
    return p;
}

static bool same_uses(const Program *a, const Program *b)
{
    if (a->nsources != b->nsources)
        return false;
    for (uint32_t i = 0; i < a->nsources; i++) {
        const SourceUse *x = &a->uses[i], *y = &b->uses[i];
        if (x->nindexed != y->nindexed || x->nelement != y->nelement || x->nrange_fields != y->nrange_fields)
            return false;
        for (uint32_t k = 0; k < x->nrange_fields; k++)
            if (x->range_fields[k] != y->range_fields[k])
                return false;
        for (uint32_t k = 0; k < x->nindexed; k++)
            if (x->indexed_fields[k] != y->indexed_fields[k])
                return false;
        for (uint32_t k = 0; k < x->nelement; k++)
            if (x->element_fields[k] != y->element_fields[k])
                return false;
    }
    return true;
}

/* The exports for program p: loaded again when p has new sources or the
 * folder changed, re-indexed when p looks them up by other fields. A
 * source without an export file is empty. */
static DataSet *data_for(Repl *R, const Program *p, bool reload)
{
    if (!reload && R->data && R->data_for && same_uses(R->data_for, p))
        return R->data;
    DataSet *d = rg_alloc(sizeof *d);
    d->nsources = p->nsources;
    d->sources = rg_alloc((p->nsources ? p->nsources : 1) * sizeof *d->sources);
    bool fresh = reload || !R->data || R->data->nsources != p->nsources;
    if (!fresh)
        memcpy(d->sources, R->data->sources, p->nsources * sizeof *d->sources);
    else if (R->data_dir)
        run_load_folder(p, R->data_dir, d, report_line, NULL);
    for (uint32_t i = 0; i < p->nsources; i++) {
        SourceData *sd = &d->sources[i];
        if (!sd->loaded) {
            sd->records = list_new(0);
            sd->loaded = true;
        }
        data_build_indexes(p, i, sd);
    }
    R->data = d;
    R->data_for = p;
    return d;
}

/* Runs the line's function; false (reported) on an error. */
static bool evaluate(Repl *R, const Program *p, const Node *fn, Value *out)
{
    Vm *vm = vm_new(p, data_for(R, p, false), R->today, vm_default_limits());
    if (vm_eval(vm, (uint32_t)fn->u.fn.index, out))
        return true;
    /* Said as the session says it for the other stages (repl_main). */
    if (vm_error_kind(vm) == VM_ERROR_NOMEM)
        rg_throw(RG_EOOM);
    RgBuf b;
    buf_init(&b);
    diag_location(p->files, vm_error_span(vm), &b);
    fprintf(stderr, "%s%s%s\n", b.data ? b.data : "", b.len ? ": error: " : "error: ", vm_error(vm));
    return false;
}

/* ---------------------------------------------------------------- lines */

typedef enum LineResult { LINE_DONE, LINE_MORE, LINE_FAILED } LineResult;

static LineResult run_line(Repl *R, const char *text, bool last_chance)
{
    DiagList *d = diags_new(R->files);
    check_session_set_diags(R->cs, d);
    const char *name = rg_sprintf("<input %u>", ++R->line_no);
    ReplLine r = check_session_line(R->cs, name, text, strlen(text));
    if (!r.ok) {
        if (r.incomplete && !last_chance) {
            R->line_no--;
            return LINE_MORE;
        }
        print_diags(d);
        return LINE_FAILED;
    }
    if (d->count)
        print_diags(d); /* warnings */
    if (r.kind == REPL_LINE_DECLS) {
        R->decls = rg_realloc(R->decls, (R->ndecls + 1) * sizeof *R->decls);
        R->decls[R->ndecls++] = rg_strdup(text);
        return LINE_DONE;
    }
    const Program *p = compile_session(R, 0);
    Value v;
    bool ok = p && evaluate(R, p, r.fn, &v);
    check_session_forget(R->cs);
    if (!ok)
        return LINE_FAILED;
    if (r.kind == REPL_LINE_LET) {
        Value *kept = rg_alloc(sizeof *kept);
        *kept = v;
        check_session_bind(R->cs, r.name, r.at, r.type, kept);
        size_t i = 0;
        while (i < R->nlets && strcmp(R->lets[i].name, r.name) != 0)
            i++;
        if (i == R->nlets) {
            R->lets = rg_realloc(R->lets, (R->nlets + 1) * sizeof *R->lets);
            R->nlets++;
        }
        R->lets[i] = (Let){rg_strdup(r.name), rg_strdup(text)};
        print_value(r.name, v);
    } else {
        print_value(NULL, v);
    }
    return LINE_DONE;
}

/* ---------------------------------------------------------------- commands */

/* The words of a command's arguments (split at spaces). */
static size_t split_words(char *s, char **out, size_t max)
{
    size_t n = 0;
    for (char *w = strtok(s, " \t"); w && n < max; w = strtok(NULL, " \t"))
        out[n++] = w;
    return n;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Policy files of a path: the file, or a folder's .regel files by name. */
static void expand_path(const char *path, const char ***out, size_t *n)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return;
    }
    if (!S_ISDIR(st.st_mode)) {
        *out = rg_realloc(*out, (*n + 1) * sizeof **out);
        (*out)[(*n)++] = rg_strdup(path);
        return;
    }
    DIR *dir = opendir(path);
    if (!dir) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return;
    }
    /* Memory may run out while the names are copied: the folder is closed
     * on the way. */
    RgTry t;
    int code = RG_TRY(&t);
    if (code) {
        closedir(dir);
        rg_throw(code);
    }
    size_t first = *n;
    struct dirent *e;
    while ((e = readdir(dir))) {
        size_t len = strlen(e->d_name);
        if (e->d_name[0] == '.' || len <= 6 || strcmp(e->d_name + len - 6, ".regel") != 0)
            continue;
        *out = rg_realloc(*out, (*n + 1) * sizeof **out);
        size_t pl = strlen(path);
        (*out)[(*n)++] = rg_sprintf("%s%s%s", path, pl && path[pl - 1] == '/' ? "" : "/", e->d_name);
    }
    rg_try_end(&t);
    closedir(dir);
    if (*n == first)
        fprintf(stderr, "%s: the folder has no .regel files\n", path);
    else /* not before: with no file yet, *out is NULL */
        qsort(*out + first, *n - first, sizeof **out, cmp_str);
}

static bool load_paths(Repl *R, const char *const *paths, size_t n)
{
    const char **files = NULL;
    size_t nfiles = 0;
    for (size_t i = 0; i < n; i++)
        expand_path(paths[i], &files, &nfiles);
    if (!nfiles)
        return false;
    DiagList *d = diags_new(R->files);
    check_session_set_diags(R->cs, d);
    bool ok = check_session_load(R->cs, files, nfiles);
    if (d->count)
        print_diags(d);
    if (!ok) {
        fprintf(stderr, "nothing was loaded\n");
        return false;
    }
    R->paths = rg_realloc(R->paths, (R->npaths + nfiles) * sizeof *R->paths);
    for (size_t i = 0; i < nfiles; i++)
        R->paths[R->npaths++] = files[i];
    const Checked *c = check_session_checked(R->cs);
    size_t ndec = 0;
    for (size_t i = 0; i < c->ndecisions; i++)
        ndec += checked_is_root(c, c->decisions[i]);
    printf("loaded %zu file%s: %zu decision%s\n", nfiles, nfiles == 1 ? "" : "s", ndec, ndec == 1 ? "" : "s");
    return true;
}

static void cmd_data(Repl *R, const char *dir)
{
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "%s is not a folder\n", dir);
        return;
    }
    R->data_dir = rg_strdup(dir);
    const Program *p = compile_session(R, 0);
    if (!p)
        return;
    DataSet *d = data_for(R, p, true);
    for (uint32_t i = 0; i < p->nsources; i++) {
        const SourceSpec *s = p->sources[i];
        char *path = rg_sprintf("%s/%s", dir, s->file);
        if (access(path, F_OK) == 0)
            printf("%s: %u record%s from %s\n", s->name, d->sources[i].records->len,
                   d->sources[i].records->len == 1 ? "" : "s", s->file);
        else
            printf("%s: no %s, so no records\n", s->name, s->file);
    }
}

static void cmd_type(Repl *R, const char *text)
{
    DiagList *d = diags_new(R->files);
    check_session_set_diags(R->cs, d);
    ReplLine r = check_session_line(R->cs, "<type>", text, strlen(text));
    if (!r.ok)
        print_diags(d);
    else if (r.kind != REPL_LINE_EXPR)
        fprintf(stderr, ":type takes an expression\n");
    else
        printf("%s\n", type_name(r.type));
    check_session_forget(R->cs);
}

static void cmd_explain(Repl *R, char *args)
{
    char *w[3];
    if (split_words(args, w, 3) != 2) {
        fprintf(stderr, "usage: :explain DECISION ID\n");
        return;
    }
    if (!R->data_dir) {
        fprintf(stderr, "no exports are loaded: use :data DIR first\n");
        return;
    }
    const Program *p = compile_session(R, COMPILE_EXPLAIN);
    if (!p)
        return;
    if (program_decision(p, w[0]) < 0) {
        fprintf(stderr, "there is no decision called '%s'\n", w[0]);
        return;
    }
    const char *decisions[] = {w[0]};
    RunOptions o;
    memset(&o, 0, sizeof o);
    o.data_dir = R->data_dir;
    o.decisions = decisions;
    o.ndecisions = 1;
    o.today = R->today;
    o.format = OUT_TABLE;
    o.limits = vm_default_limits();
    o.write = write_stdout;
    o.report = report_line;
    o.explain = true;
    o.explain_id = w[1];
    RunSummary s;
    memset(&s, 0, sizeof s);
    run_batch(p, &o, &s);
    fflush(stdout);
}

static void cmd_disasm(Repl *R, const char *name)
{
    const Program *p = compile_session(R, 0);
    if (!p)
        return;
    RgBuf b;
    buf_init(&b);
    if (program_decision(p, name) >= 0) {
        disasm_program(p, name, &b);
    } else {
        for (uint32_t i = 0; i < p->nchunks; i++)
            if (strcmp(p->chunks[i].name, name) == 0)
                disasm_chunk(p, i, &b);
    }
    if (!b.len)
        fprintf(stderr, "there is no decision or function called '%s'\n", name);
    else
        fwrite(b.data, 1, b.len, stdout);
}

static void cmd_rules(Repl *R)
{
    const Program *p = compile_session(R, 0);
    if (!p)
        return;
    static const char *const sev[] = {"must", "should", "guard"};
    for (uint32_t i = 0; i < p->nrules; i++) {
        const RuleInfo *r = &p->rules[i];
        if (!r->node)
            continue;
        printf("%-5s %-6s %-24s %s\n", r->ref, sev[r->severity], r->decision ? r->decision : "",
               format_flat(p->files, r->node->u.rule.cond));
    }
}

static void reload(Repl *R)
{
    const char **paths = R->paths;
    size_t npaths = R->npaths;
    const char **decls = R->decls;
    size_t ndecls = R->ndecls;
    Let *lets = R->lets;
    size_t nlets = R->nlets;
    R->cs = check_session_new(R->files, diags_new(R->files));
    R->paths = NULL;
    R->npaths = 0;
    R->decls = NULL;
    R->ndecls = 0;
    R->lets = NULL;
    R->nlets = 0;
    R->data = NULL;
    R->data_for = NULL;
    if (npaths)
        load_paths(R, paths, npaths);
    for (size_t i = 0; i < ndecls; i++)
        if (run_line(R, decls[i], true) != LINE_DONE)
            fprintf(stderr, "the declarations `%s` no longer hold and are gone\n", decls[i]);
    for (size_t i = 0; i < nlets; i++)
        if (run_line(R, lets[i].text, true) != LINE_DONE)
            fprintf(stderr, "%s is no longer bound\n", lets[i].name);
}

/* False when the session should end. */
static bool run_command(Repl *R, char *line)
{
    char *cmd = line, *args = line;
    while (*args && *args != ' ' && *args != '\t')
        args++;
    if (*args)
        *args++ = '\0';
    while (*args == ' ' || *args == '\t')
        args++;
    size_t al = strlen(args);
    while (al && (args[al - 1] == ' ' || args[al - 1] == '\t'))
        args[--al] = '\0';
    if (strcmp(cmd, ":quit") == 0 || strcmp(cmd, ":q") == 0)
        return false;
    if (strcmp(cmd, ":help") == 0 || strcmp(cmd, ":h") == 0) {
        fputs(help_text, stdout);
    } else if (strcmp(cmd, ":load") == 0) {
        char *w[64];
        size_t n = split_words(args, w, 64);
        if (!n)
            fprintf(stderr, "usage: :load PATH...\n");
        else
            load_paths(R, (const char *const *)w, n);
    } else if (strcmp(cmd, ":reload") == 0) {
        reload(R);
    } else if (strcmp(cmd, ":data") == 0) {
        if (!*args)
            fprintf(stderr, "usage: :data DIR\n");
        else
            cmd_data(R, args);
    } else if (strcmp(cmd, ":today") == 0) {
        Date d;
        if (!date_parse_iso(args, strlen(args), &d))
            fprintf(stderr, "the date is written YYYY-MM-DD, not '%s'\n", args);
        else
            R->today = d;
    } else if (strcmp(cmd, ":type") == 0) {
        if (!*args)
            fprintf(stderr, "usage: :type EXPRESSION\n");
        else
            cmd_type(R, args);
    } else if (strcmp(cmd, ":explain") == 0) {
        cmd_explain(R, args);
    } else if (strcmp(cmd, ":disasm") == 0) {
        if (!*args)
            fprintf(stderr, "usage: :disasm NAME\n");
        else
            cmd_disasm(R, args);
    } else if (strcmp(cmd, ":rules") == 0) {
        cmd_rules(R);
    } else {
        const char *best = text_suggest(cmd, commands, sizeof commands / sizeof *commands - 1);
        fprintf(stderr, "unknown command %s%s%s%s (:help lists them)\n", cmd, best ? "; did you mean " : "",
                best ? best : "", best ? "?" : "");
    }
    fflush(stdout);
    return true;
}

/* ---------------------------------------------------------------- completion */

typedef struct Candidates {
    const char **items;
    size_t n, cap;
    const char *prefix;
    size_t prefix_len;
} Candidates;

static void candidate(Candidates *c, const char *s)
{
    if (strncmp(s, c->prefix, c->prefix_len) != 0 || s[0] == '<')
        return;
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->items[i], s) == 0)
            return;
    if (c->n == c->cap) {
        c->cap = c->cap ? c->cap * 2 : 64;
        c->items = rg_realloc(c->items, c->cap * sizeof *c->items);
    }
    c->items[c->n++] = s;
}

static void candidate_name(void *ctx, const char *name, SymKind kind)
{
    (void)kind;
    candidate(ctx, name);
}

/* The fields (or enum words) of what comes before the '.' at `dot`. */
static void member_candidates(Repl *R, const char *line, int dot, Candidates *c)
{
    /* The expression before the dot: names, dots, and bracketed parts. */
    int start = dot, depth = 0;
    while (start > 0) {
        char ch = line[start - 1];
        if (ch == ')' || ch == ']')
            depth++;
        else if ((ch == '(' || ch == '[') && depth)
            depth--;
        else if (!depth && !((unsigned char)ch >= 0x80 || text_is_name_char((unsigned char)ch, false) || ch == '.' ||
                               ch == '!' || ch == '?'))
            break;
        start--;
    }
    if (start == dot)
        return;
    const char *expr = rg_strndup(line + start, (size_t)(dot - start));
    /* Bt. completes the words of enum Bt. */
    const Checked *ck = check_session_checked(R->cs);
    for (size_t i = 0; i < ck->nmodules; i++) {
        const Symbol *s = strmap_get(&ck->modules[i]->names, expr);
        if (s && s->kind == SYM_ENUM && s->decl->u.enum_decl.et) {
            const EnumType *et = s->decl->u.enum_decl.et;
            for (size_t k = 0; k < et->nwords; k++)
                candidate(c, et->words[k]);
            return;
        }
    }
    DiagList *d = diags_new(R->files);
    check_session_set_diags(R->cs, d);
    ReplLine r = check_session_line(R->cs, "<completion>", expr, strlen(expr));
    if (r.ok && r.kind == REPL_LINE_EXPR && r.type) {
        const Type *t = type_strip(r.type);
        if (t->kind == T_LIST || t->kind == T_SET)
            t = type_strip(t->elem); /* .field on the elements, as in where */
        if (t->kind == T_RECORD)
            for (size_t i = 0; i < t->rec->nfields; i++)
                candidate(c, t->rec->fields[i].name);
        if (t->kind == T_DATE) {
            static const char *const parts[] = {"year", "month", "day", NULL};
            for (const char *const *p = parts; *p; p++)
                candidate(c, *p);
        }
    }
    check_session_forget(R->cs);
}

static Candidates completions;

static char *next_completion(const char *text, int state)
{
    (void)text;
    static size_t i;
    if (state == 0)
        i = 0;
    if (i < completions.n)
        return strdup(completions.items[i++]);
    return NULL;
}

static char **complete(const char *text, int start, int end)
{
    (void)end;
    Repl *R = the_repl;
    memset(&completions, 0, sizeof completions);
    completions.prefix = text;
    completions.prefix_len = strlen(text);
    rl_attempted_completion_over = 1;
    const char *line = rl_line_buffer;
    if (start > 0 && line[start - 1] == '.') {
        member_candidates(R, line, start - 1, &completions);
    } else if (start == 0 && text[0] == ':') {
        for (const char *const *c = commands; *c; c++)
            candidate(&completions, *c);
    } else {
        for (const char *const *k = keywords; *k; k++)
            candidate(&completions, *k);
        for (size_t i = 0; i < builtin_count; i++)
            candidate(&completions, builtin_table[i].name);
        for (size_t i = 0; i < special_count; i++)
            candidate(&completions, special_table[i].name);
        check_session_names(R->cs, candidate_name, &completions);
    }
    if (!completions.n)
        return NULL;
    qsort(completions.items, completions.n, sizeof *completions.items, cmp_str);
    return rl_completion_matches(text, next_completion);
}

/* ---------------------------------------------------------------- reading */

/* The next line, without its newline; NULL at the end of input. */
static char *read_line(Repl *R, bool more)
{
    if (R->tty) {
        char *l = readline(more ? "  ...> " : "regel> ");
        if (!l)
            return NULL;
        char *copy = rg_strdup(l);
        free(l);
        return copy;
    }
    static char *buf;
    static size_t cap;
    ssize_t n = getline(&buf, &cap, stdin);
    if (n < 0)
        return NULL;
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    return rg_strndup(buf, (size_t)n);
}

static void remember(Repl *R, const char *input)
{
    if (!R->tty || !*input)
        return;
    add_history(input);
    if (R->history)
        write_history(R->history);
}

static bool blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t')
            return false;
    return true;
}

/* One input (a command, or a line and its continuations), handled inside
 * a protected boundary so that running out of memory ends only it. */
static bool one_input(Repl *R, bool *eof)
{
    char *line = read_line(R, false);
    if (!line) {
        *eof = true;
        return false;
    }
    if (blank(line))
        return true;
    char *start = line;
    while (*start == ' ' || *start == '\t')
        start++;
    if (*start == ':') {
        remember(R, start);
        return run_command(R, start);
    }
    RgBuf text;
    buf_init(&text);
    buf_adds(&text, line);
    for (;;) {
        LineResult res = run_line(R, text.data, false);
        if (res != LINE_MORE)
            break;
        char *more = read_line(R, true);
        if (!more) {
            run_line(R, text.data, true);
            break;
        }
        buf_addc(&text, '\n');
        buf_adds(&text, more);
    }
    remember(R, text.data);
    return true;
}

/* The session the command line asks for, its policies and exports
 * loaded; NULL after reporting a bad argument. */
static Repl *repl_start(int argc, char **argv)
{
    Repl *R = rg_alloc_root(sizeof *R);
    the_repl = R;
    R->files = sources_new();
    R->cs = check_session_new(R->files, diags_new(R->files));
    R->today = date_today();
    R->tty = isatty(STDIN_FILENO);
    const char **paths = NULL;
    size_t npaths = 0;
    const char *data = NULL;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
            data = argv[++i];
        } else if (strcmp(argv[i], "--today") == 0 && i + 1 < argc) {
            const char *t = argv[++i];
            if (!date_parse_iso(t, strlen(t), &R->today)) {
                fprintf(stderr, "regel: the date for today is written YYYY-MM-DD, not '%s'\n", t);
                return NULL;
            }
        } else if (argv[i][0] == '-') {
            fprintf(stderr, "regel: unknown option %s\n(regel help shows the usage)\n", argv[i]);
            return NULL;
        } else {
            paths = rg_realloc(paths, (npaths + 1) * sizeof *paths);
            paths[npaths++] = argv[i];
        }
    }
    if (R->tty) {
        /* libedit edits characters, not bytes, by the locale: policies are
         * UTF-8 whatever the environment says. */
        if (!setlocale(LC_CTYPE, "") || strcmp(nl_langinfo(CODESET), "UTF-8") != 0)
            setlocale(LC_CTYPE, "C.UTF-8");
        const char *h = getenv("REGEL_HISTORY");
        const char *home = getenv("HOME");
        R->history = h ? h : home ? rg_sprintf("%s/.regel_history", home) : NULL;
        using_history();
        stifle_history(REPL_HISTORY_LINES);
        if (R->history)
            read_history(R->history);
        rl_attempted_completion_function = complete;
        rl_basic_word_break_characters = " \t\n\"'`@$><=;|&{(,[.!+-*/";
        rl_completion_append_character = '\0';
        /* Ctrl-D on an empty line ends the session, as in a shell. */
        rl_parse_and_bind("bind ^D em-delete-or-list");
        printf("regel %s: :help lists the commands, :quit leaves\n", REGEL_VERSION);
    }
    if (npaths)
        load_paths(R, paths, npaths);
    if (data)
        cmd_data(R, data);
    return R;
}

/* One input behind a protected boundary, so that running out of memory
 * drops only it; false when the session is over. */
static bool guarded_input(Repl *R, bool *eof)
{
    RgTry t;
    if (RG_TRY(&t)) {
        fprintf(stderr, "out of memory: the input was dropped, the session goes on\n");
        return true;
    }
    bool go_on = one_input(R, eof);
    rg_try_end(&t);
    return go_on;
}

/* The session itself: inputs until :quit or the end of the input. */
static void repl_loop(Repl *R)
{
    bool eof = false;
    for (;;) {
        bool go_on = guarded_input(R, &eof);
        fflush(stdout);
        if (!go_on)
            break;
    }
    if (R->tty && eof)
        putchar('\n');
}

/* Lets the collector have the session back. */
static void repl_end(void)
{
    rg_free(the_repl);
    the_repl = NULL;
}

int repl_main(int argc, char **argv)
{
    rg_alloc_init();
    /* Memory that runs out while the session starts ends it with the
     * command's out-of-memory status (regel.h: REGEL_ERR_NOMEM); later,
     * it drops only the input it ran out in (repl_loop). */
    RgTry t;
    if (RG_TRY(&t)) {
        fprintf(stderr, "regel: out of memory\n");
        repl_end();
        return REGEL_ERR_NOMEM;
    }
    Repl *R = repl_start(argc, argv);
    rg_try_end(&t);
    if (R)
        repl_loop(R);
    repl_end();
    return R ? REGEL_OK : REGEL_ERR_USAGE;
}
