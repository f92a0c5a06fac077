/*
 * check.c — the resolver and type checker.
 *
 * Passes, after every module is loaded and its top-level names declared:
 *   1. enums and records (types may refer to each other across modules),
 *   2. formats and sources,
 *   3. constants, functions and decisions, each checked on first use so
 *      that cycles (a function calling itself, a decision including itself,
 *      a constant defined by itself) are found where they close.
 *
 * Local names live in frames (one per function or decision) and get a slot
 * number there; the compiler adds its own loop slots after them.
 *
 * Optional values are checked by flow: after `x != none` (in the right
 * operand of `and`, the `then` branch of an `if`, or the statements after
 * a `guard`) the path x has its non-optional type. A path is a local or
 * constant followed by plain `.field` steps.
 */
#include "check.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>

#include "alloc.h"
#include "builtins.h"
#include "parse.h"
#include "stdlib_data.h"
#include "text.h"

/* How deeply `where`, `count` ... may nest inside each other. */
#define MAX_ELEM_NESTING 32

typedef struct Scope {
    struct Scope *parent;
    Symbol **syms;
    size_t n, cap;
} Scope;

typedef struct Frame {
    Node *owner;
    int next_slot;
    int seq;
} Frame;

typedef struct Fact {
    const char *key;
    bool from_guard;
} Fact;

typedef struct Checker {
    DiagList *diags;
    SourceSet *files;
    Checked *out;
    StrMap modules_by_path;
    Module *mod;
    Frame *frame;
    Scope *scope;
    Symbol **elems;     /* MAX_ELEM_NESTING of them */
    int nelems;
    Fact *facts;
    size_t nfacts, facts_cap;
    Node *decision;     /* the decision whose body is being checked */
    int guard_seq;      /* seq of the first guard in it, INT_MAX if none */
    bool restricted;    /* in an outcome or field: only names from before a guard */
    bool in_const;
    Node **fn_stack;    /* functions being checked, for the recursion message */
    size_t nfn_stack, fn_stack_cap;
    size_t sources_cap, source_nodes_cap, rules_cap, fns_cap, decisions_cap, consts_cap;
    size_t queues_cap, tests_cap, records_cap;
    Node *queue;        /* the queue whose admission rules are being checked */
    const HostInfo *host_table; /* the host functions the host gives */
    size_t nhost_table;
    int *host_used;     /* per host function: its number in out->hosts, or -1 */
    size_t hosts_cap;
} Checker;

static const Type *check_expr(Checker *c, Node *n, const Type *expected);

/* ---------------------------------------------------------------- small helpers */

static void *grow_array(void *items, size_t n, size_t *cap, size_t size)
{
    if (n < *cap)
        return items;
    size_t newcap = *cap ? *cap * 2 : 8;
    void *bigger = rg_alloc(newcap * size);
    if (n)
        memcpy(bigger, items, n * size);
    *cap = newcap;
    return bigger;
}

#define PUSH(arr, n, cap, v)                                                 \
    do {                                                                     \
        (arr) = grow_array((arr), (n), &(cap), sizeof *(arr));               \
        (arr)[(n)++] = (v);                                                  \
    } while (0)

typedef struct Names {
    const char **items;
    size_t n, cap;
} Names;

static void names_add(Names *ns, const char *name)
{
    PUSH(ns->items, ns->n, ns->cap, name);
}

static const char *tname(const Type *t)
{
    return type_name(t);
}

static bool is_error(const Type *t)
{
    return t->kind == T_ERROR;
}

static Symbol *symbol_new(SymKind kind, const char *name, Span span, Node *decl)
{
    Symbol *s = rg_alloc(sizeof *s);
    s->kind = kind;
    s->name = name;
    s->span = span;
    s->decl = decl;
    s->slot = -1;
    return s;
}

static void where_declared(Checker *c, Span span, const char *what)
{
    RgBuf b;
    buf_init(&b);
    diag_location(c->files, span, &b);
    if (b.len)
        diag_hint(c->diags, "%s %s", what, b.data);
}

/* ---------------------------------------------------------------- scopes and frames */

static void scope_push(Checker *c)
{
    Scope *s = rg_alloc(sizeof *s);
    s->parent = c->scope;
    c->scope = s;
}

static void scope_pop(Checker *c)
{
    c->scope = c->scope->parent;
}

static Symbol *local_new(Checker *c, const char *name, Span span, const Type *type, Node *decl)
{
    Symbol *s = symbol_new(SYM_LOCAL, name, span, decl);
    s->type = type;
    s->owner = c->frame->owner;
    s->slot = c->frame->next_slot++;
    s->seq = ++c->frame->seq;
    s->module = c->mod;
    if (s->slot == CHECK_MAX_LOCALS)
        diag_error(c->diags, span, "too many local values in one function or decision (the limit is %d)",
                   CHECK_MAX_LOCALS);
    return s;
}

/* Declares a named local in the innermost scope. */
static Symbol *declare_local(Checker *c, Ident id, const Type *type, Node *decl)
{
    for (size_t i = 0; i < c->scope->n; i++)
        if (strcmp(c->scope->syms[i]->name, id.name) == 0) {
            diag_error(c->diags, id.span, "'%s' is already declared here", id.name);
            where_declared(c, c->scope->syms[i]->span, "the first one is at");
            break;
        }
    Symbol *s = local_new(c, id.name, id.span, type, decl);
    PUSH(c->scope->syms, c->scope->n, c->scope->cap, s);
    return s;
}

static Symbol *lookup_local(Checker *c, const char *name)
{
    for (Scope *s = c->scope; s; s = s->parent)
        for (size_t i = s->n; i-- > 0;)
            if (strcmp(s->syms[i]->name, name) == 0)
                return s->syms[i];
    return NULL;
}

/* ---------------------------------------------------------------- narrowing facts */

/* The path an expression names, as a key, or NULL when it is not a path. */
static const char *path_key(const Node *n)
{
    if (n->kind == N_NAME || n->kind == N_IT) {
        const Symbol *s = n->u.name.sym;
        if (!s || (s->kind != SYM_LOCAL && s->kind != SYM_CONST))
            return NULL;
        return rg_sprintf("%p", (const void *)s);
    }
    if (n->kind == N_FIELD && !n->u.field.safe) {
        const char *base = path_key(n->u.field.obj);
        return base ? rg_sprintf("%s.%s", base, n->u.field.field.name) : NULL;
    }
    if (n->kind == N_ELEM_FIELD && n->u.field.elem)
        return rg_sprintf("%p.%s", (const void *)n->u.field.elem, n->u.field.field.name);
    return NULL;
}

static bool is_known_present(Checker *c, const Node *n)
{
    const char *key = path_key(n);
    if (!key)
        return false;
    for (size_t i = c->nfacts; i-- > 0;)
        if (strcmp(c->facts[i].key, key) == 0 && !(c->restricted && c->facts[i].from_guard))
            return true;
    return false;
}

static void add_fact(Checker *c, const char *key, bool from_guard)
{
    Fact f = {key, from_guard};
    PUSH(c->facts, c->nfacts, c->facts_cap, f);
}

/* Adds the paths that are not none when cond evaluates to `truth`. Only
 * called after cond has been checked (its names are resolved). */
static void learn(Checker *c, const Node *cond, bool truth, bool from_guard)
{
    if (cond->kind == N_UNARY && cond->u.op.op == OP_NOT) {
        learn(c, cond->u.op.a, !truth, from_guard);
        return;
    }
    if (cond->kind != N_BINARY)
        return;
    const Node *a = cond->u.op.a, *b = cond->u.op.b;
    switch (cond->u.op.op) {
    case OP_AND:
        if (truth) {
            learn(c, a, true, from_guard);
            learn(c, b, true, from_guard);
        }
        break;
    case OP_OR:
        if (!truth) {
            learn(c, a, false, from_guard);
            learn(c, b, false, from_guard);
        }
        break;
    case OP_NE:
    case OP_EQ: {
        const Node *p = b->kind == N_NONE ? a : a->kind == N_NONE ? b : NULL;
        if (p) {
            /* x != none holds, or x == none fails: x is there. */
            const char *key = path_key(p);
            if (key && (cond->u.op.op == OP_NE) == truth)
                add_fact(c, key, from_guard);
        } else if (cond->u.op.op == OP_EQ && truth) {
            /* x == <something that is never none> also proves x present. */
            const char *ka = path_key(a), *kb = path_key(b);
            if (ka && b->type && !type_is_optional(b->type))
                add_fact(c, ka, from_guard);
            if (kb && a->type && !type_is_optional(a->type))
                add_fact(c, kb, from_guard);
        }
        break;
    }
    default:
        break;
    }
}

/* ---------------------------------------------------------------- modules */

static Module *module_by_name_in(Checker *c, const char *path)
{
    return strmap_get(&c->modules_by_path, path);
}

/* The number of the host function called name in the host's table, or -1. */
static int host_find(const Checker *c, const char *name)
{
    for (size_t i = 0; i < c->nhost_table; i++)
        if (strcmp(c->host_table[i].name, name) == 0)
            return (int)i;
    return -1;
}

static void declare_top(Checker *c, Module *m, Ident id, SymKind kind, Node *decl)
{
    Symbol *prev = strmap_get(&m->names, id.name);
    if (prev) {
        diag_error(c->diags, id.span, "'%s' is already declared in this file", id.name);
        where_declared(c, prev->span, "the first one is at");
        return;
    }
    if (builtin_find(id.name, 0) >= 0 || special_find(id.name) >= 0) {
        diag_error(c->diags, id.span, "'%s' is the name of a built-in function; choose another name", id.name);
        return;
    }
    if (host_find(c, id.name) >= 0) {
        diag_error(c->diags, id.span,
                   "'%s' is the name of a host function that the host gives; a host function may not have the "
                   "name of a policy's declaration: rename one of them",
                   id.name);
        return;
    }
    Symbol *s = symbol_new(kind, id.name, id.span, decl);
    s->module = m;
    strmap_put(&m->names, id.name, s);
    if (kind == SYM_FN)
        decl->u.fn.sym = s;
    else if (kind == SYM_TABLE)
        decl->u.table.sym = s;
    else if (kind == SYM_CONST)
        decl->u.constant.sym = s;
}

static void declare_module_names(Checker *c, Module *m)
{
    NodeList *decls = &m->ast->u.module.decls;
    for (size_t i = 0; i < decls->len; i++) {
        Node *d = decls->items[i];
        switch (d->kind) {
        case N_RECORD: declare_top(c, m, d->u.record.name, SYM_RECORD, d); break;
        case N_ENUM: declare_top(c, m, d->u.enum_decl.name, SYM_ENUM, d); break;
        case N_FORMAT: declare_top(c, m, d->u.format.name, SYM_FORMAT, d); break;
        case N_SOURCE: declare_top(c, m, d->u.source.name, SYM_SOURCE, d); break;
        case N_CONST: declare_top(c, m, d->u.constant.name, SYM_CONST, d); break;
        case N_FN: declare_top(c, m, d->u.fn.name, SYM_FN, d); break;
        case N_DECISION:
            declare_top(c, m, d->u.decision.name, SYM_DECISION, d);
            d->u.decision.module = m;
            break;
        case N_QUEUE:
            declare_top(c, m, d->u.queue.name, SYM_QUEUE, d);
            d->u.queue.module = m;
            break;
        case N_TABLE:
            declare_top(c, m, d->u.table.name, SYM_TABLE, d);
            break;
        case N_TEST:
            d->u.test.module = m;
            break;
        default: break;
        }
    }
}

static const char *module_name_of(const char *path)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (n > 6 && strcmp(base + n - 6, ".regel") == 0)
        n -= 6;
    return rg_strndup(base, n);
}

static const char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return ".";
    if (slash == path)
        return "/";
    return rg_strndup(path, (size_t)(slash - path));
}

static Module *add_module(Checker *c, const char *key, const char *display_path, const char *name,
                          const char *dir, const char *text, size_t len, bool stdlib)
{
    Module *m = rg_alloc(sizeof *m);
    m->name = name;
    m->path = display_path;
    m->dir = dir;
    m->stdlib = stdlib;
    m->key = key;
    strmap_init(&m->names);
    m->file = sources_add(c->files, display_path, text, len);
    strmap_put(&c->modules_by_path, key, m);
    size_t n = c->out->nmodules, cap = n;
    Module **mods = rg_alloc((n + 1) * sizeof *mods);
    if (n)
        memcpy(mods, c->out->modules, n * sizeof *mods);
    (void)cap;
    mods[n] = m;
    c->out->modules = mods;
    c->out->nmodules = n + 1;
    m->ast = parse_module(c->files, m->file, c->diags, NULL);
    declare_module_names(c, m);
    return m;
}

static Module *load_file(Checker *c, const char *path, Span from)
{
    /* In a buffer of its own, not one realpath allocates, which would leak
     * if the copy ran out of memory. */
    char real[PATH_MAX];
    const char *key = realpath(path, real) ? rg_strdup(real) : path;
    Module *m = module_by_name_in(c, key);
    if (m)
        return m;
    RgBuf b;
    buf_init(&b);
    const char *err;
    if (!buf_read_file(&b, path, CHECK_MAX_FILE, &err)) {
        diag_error(c->diags, from, "cannot read %s", err);
        return NULL;
    }
    /* Editors on Windows start UTF-8 files with a byte order mark; it is
     * not policy text, as it is not export data. */
    if (b.len >= 3 && memcmp(b.data, "\xEF\xBB\xBF", 3) == 0)
        return add_module(c, key, rg_strdup(path), module_name_of(path), dir_of(path), rg_strndup(b.data + 3, b.len - 3),
                          b.len - 3, false);
    return add_module(c, key, rg_strdup(path), module_name_of(path), dir_of(path), b.data, b.len, false);
}

static Module *load_stdlib(Checker *c, const char *name)
{
    for (const StdlibFile *f = stdlib_files; f->name; f++) {
        if (strcmp(f->name, name) != 0)
            continue;
        const char *key = rg_sprintf("<stdlib>/%s.regel", name);
        Module *m = module_by_name_in(c, key);
        if (m)
            return m;
        return add_module(c, key, key, f->name, NULL, f->text, f->len, true);
    }
    return NULL;
}

static bool file_exists(const char *path)
{
    return access(path, R_OK) == 0;
}

/* Resolves one import of m: a bare name is a file next to m, else a stdlib
 * module; a quoted path is relative to m's folder. */
static Module *resolve_import(Checker *c, Module *m, Node *imp)
{
    if (imp->u.import.path) {
        const char *p = imp->u.import.path;
        const char *full = (p[0] == '/' || !m->dir || strcmp(m->dir, ".") == 0) ? p : rg_sprintf("%s/%s", m->dir, p);
        if (!file_exists(full) && !strstr(p, ".regel") && file_exists(rg_sprintf("%s.regel", full)))
            full = rg_sprintf("%s.regel", full);
        if (!m->dir && p[0] != '/') {
            diag_error(c->diags, imp->u.import.path_span, "a stdlib module can only import other stdlib modules");
            return NULL;
        }
        return load_file(c, full, imp->u.import.path_span);
    }
    const char *name = imp->u.import.name.name;
    if (m->dir) {
        const char *full = strcmp(m->dir, ".") == 0 ? rg_sprintf("%s.regel", name)
                                                    : rg_sprintf("%s/%s.regel", m->dir, name);
        if (file_exists(full))
            return load_file(c, full, imp->u.import.name.span);
    }
    Module *s = load_stdlib(c, name);
    if (s)
        return s;
    /* Suggest among the stdlib modules and the policy files beside m. */
    Names ns = {0};
    for (const StdlibFile *f = stdlib_files; f->name; f++)
        names_add(&ns, f->name);
    DIR *dir = m->dir ? opendir(m->dir) : NULL;
    if (dir) {
        /* Memory may run out while the names are copied: the folder is
         * closed on the way. */
        RgTry t;
        int code = RG_TRY(&t);
        if (code) {
            closedir(dir);
            rg_throw(code);
        }
        for (struct dirent *e; (e = readdir(dir));) {
            size_t len = strlen(e->d_name);
            if (len > 6 && strcmp(e->d_name + len - 6, ".regel") == 0)
                names_add(&ns, rg_strndup(e->d_name, len - 6));
        }
        rg_try_end(&t);
        closedir(dir);
    }
    if (m->dir)
        diag_error(c->diags, imp->u.import.name.span, "no module '%s': there is no %s%s%s.regel and no stdlib module of that name",
                   name, strcmp(m->dir, ".") == 0 ? "" : m->dir, strcmp(m->dir, ".") == 0 ? "" : "/", name);
    else
        diag_error(c->diags, imp->u.import.name.span, "no stdlib module '%s'", name);
    const char *best = text_suggest(name, ns.items, ns.n);
    if (best)
        diag_hint(c->diags, "did you mean '%s'?", best);
    return NULL;
}

/* Loads the imports of every module, including modules loaded on the way. */
static void load_imports(Checker *c)
{
    for (size_t i = 0; i < c->out->nmodules; i++) {
        Module *m = c->out->modules[i];
        if (m->imports_loaded)
            continue;
        m->imports_loaded = true;
        NodeList *decls = &m->ast->u.module.decls;
        for (size_t j = 0; j < decls->len; j++) {
            Node *d = decls->items[j];
            if (d->kind != N_IMPORT)
                continue;
            Module *target = resolve_import(c, m, d);
            d->u.import.module = target;
            if (!target)
                continue;
            if (target == m) {
                diag_error(c->diags, d->span, "a module cannot import itself");
                continue;
            }
            Module **imps = rg_alloc((m->nimports + 1) * sizeof *imps);
            if (m->nimports)
                memcpy(imps, m->imports, m->nimports * sizeof *imps);
            imps[m->nimports++] = target;
            m->imports = imps;
        }
    }
}

/* ---------------------------------------------------------------- name lookup */

static Symbol sym_today = {SYM_TODAY, "today", {0, 0, 0}, &type_date, NULL, NULL, NULL, -1, 0, false};
static Symbol sym_passed = {SYM_PASSED, "passed", {0, 0, 0}, &type_bool, NULL, NULL, NULL, -1, 0, false};
static Symbol sym_admitted = {SYM_QSTATE, "admitted", {0, 0, 0}, &type_int, NULL, NULL, NULL, QSTATE_ADMITTED, 0, false};
static Symbol sym_position = {SYM_QSTATE, "position", {0, 0, 0}, &type_int, NULL, NULL, NULL, QSTATE_POSITION, 0, false};

/* A top-level name of the current module or of one it imports. Reports an
 * ambiguity when two imports declare it and the module itself does not. */
static Symbol *lookup_top(Checker *c, const char *name, Span use)
{
    Symbol *s = strmap_get(&c->mod->names, name);
    if (s)
        return s;
    Symbol *found = NULL;
    Module *from = NULL;
    for (size_t i = 0; i < c->mod->nimports; i++) {
        Symbol *t = strmap_get(&c->mod->imports[i]->names, name);
        /* A REPL line sees everything, the bindings and the latest first. */
        if (t && c->mod->repl)
            return t;
        if (!t || t == found)
            continue;
        if (found) {
            diag_error(c->diags, use, "'%s' is declared both in %s and in %s", name, from->name,
                       c->mod->imports[i]->name);
            diag_hint(c->diags, "declare it in one module only, or declare your own '%s' here", name);
            return found;
        }
        found = t;
        from = c->mod->imports[i];
    }
    return found;
}

/* A declaration in a file with syntax errors: it may be half parsed, so
 * uses of it are not checked further (that file's errors say enough). */
static bool from_broken_module(const Symbol *s)
{
    return s && s->module && s->module->ast->u.module.syntax_errors && s->kind != SYM_LOCAL;
}

static Symbol *lookup(Checker *c, const char *name, Span use)
{
    Symbol *s = lookup_local(c, name);
    if (s)
        return s;
    s = lookup_top(c, name, use);
    if (s)
        return s;
    if (strcmp(name, "today") == 0)
        return &sym_today;
    if (strcmp(name, "passed") == 0 && (c->decision || c->queue))
        return &sym_passed;
    if (c->queue && strcmp(name, "admitted") == 0)
        return &sym_admitted;
    if (c->queue && strcmp(name, "position") == 0)
        return &sym_position;
    return NULL;
}

static void names_of_map(Names *ns, const StrMap *m, int kind_filter)
{
    for (size_t i = 0; i < m->cap; i++)
        if (m->keys && m->keys[i]) {
            const Symbol *s = m->vals[i];
            if (kind_filter < 0 || (int)s->kind == kind_filter)
                names_add(ns, m->keys[i]);
        }
}

/* Every name visible here, for "did you mean". */
static Names visible_names(Checker *c, bool values)
{
    Names ns = {0};
    for (Scope *s = c->scope; s; s = s->parent)
        for (size_t i = 0; i < s->n; i++)
            names_add(&ns, s->syms[i]->name);
    names_of_map(&ns, &c->mod->names, -1);
    for (size_t i = 0; i < c->mod->nimports; i++)
        names_of_map(&ns, &c->mod->imports[i]->names, -1);
    if (values) {
        names_add(&ns, "today");
        if (c->decision || c->queue)
            names_add(&ns, "passed");
        if (c->queue) {
            names_add(&ns, "admitted");
            names_add(&ns, "position");
        }
    } else {
        for (size_t i = 0; i < builtin_count; i++)
            names_add(&ns, builtin_table[i].name);
        for (size_t i = 0; i < special_count; i++)
            names_add(&ns, special_table[i].name);
        for (size_t i = 0; i < c->nhost_table; i++)
            names_add(&ns, c->host_table[i].name);
    }
    return ns;
}

static void suggest(Checker *c, const char *name, Names ns)
{
    const char *best = text_suggest(name, ns.items, ns.n);
    if (best)
        diag_hint(c->diags, "did you mean '%s'?", best);
}

/* ---------------------------------------------------------------- explaining types */

/* A note for a let or constant called name: where its type was declared,
 * or, without a declared type, the value it takes it from. */
static void note_named_value(Checker *c, const char *name, const Node *type_ann, const Node *value, const Type *t)
{
    if (!t || is_error(t))
        return;
    if (type_ann)
        diag_note(c->diags, type_ann->span, "'%s' is declared %s here", name, tname(t));
    else
        diag_note(c->diags, value->span, "'%s' is %s, from its value here", name, tname(t));
}

/* Notes, on the diagnostic added last, where the type of n comes from when
 * that is a declaration the author wrote: a record field, a let, a
 * constant, a parameter, the result of a function or a table. A type
 * error then shows both where the value is used and why it has its type. */
static void note_origin(Checker *c, const Node *n)
{
    if (!n || !n->type || is_error(n->type))
        return;
    switch (n->kind) {
    case N_UNARY:
        if (n->u.op.op == OP_UNWRAP)
            note_origin(c, n->u.op.a);
        return;
    case N_BINARY:
        if (n->u.op.op == OP_COALESCE)
            note_origin(c, n->u.op.a);
        return;
    case N_FIELD:
    case N_ELEM_FIELD: {
        const Type *base = n->kind == N_FIELD ? n->u.field.obj->type : n->u.field.elem ? n->u.field.elem->type : NULL;
        if (!base)
            return;
        base = type_strip(base);
        if (base->kind != T_RECORD || n->u.field.slot < 0 || (size_t)n->u.field.slot >= base->rec->nfields)
            return;
        const FieldDef *fd = &base->rec->fields[n->u.field.slot];
        diag_note(c->diags, fd->span, "field '%s' of %s is declared %s here", fd->name, base->rec->name,
                  tname(fd->type));
        return;
    }
    case N_NAME: {
        const Symbol *s = n->u.name.sym;
        const Node *d = s ? s->decl : NULL;
        if (!d)
            return;
        if (s->kind == SYM_LOCAL && d->kind == N_LET)
            note_named_value(c, s->name, d->u.let.type_ann, d->u.let.value, s->type);
        else if (s->kind == SYM_CONST && d->kind == N_CONST)
            note_named_value(c, s->name, d->u.constant.type_ann, d->u.constant.value, s->type);
        else if (s->kind == SYM_LOCAL && d->kind == N_PARAM && s->type)
            diag_note(c->diags, d->u.param.type_ann->span, "parameter '%s' is declared %s here", s->name,
                      tname(s->type));
        return;
    }
    case N_CALL: {
        const Symbol *s = n->u.call.sym;
        if (!s || !s->type || is_error(s->type))
            return;
        const Node *d = s->decl;
        if (s->kind == SYM_FN && d->u.fn.ret)
            diag_note(c->diags, d->u.fn.ret->span, "%s() is declared to return %s here", s->name, tname(s->type));
        else if (s->kind == SYM_FN)
            diag_note(c->diags, d->u.fn.body->span, "%s() returns %s, the type of its result here", s->name,
                      tname(s->type));
        else if (s->kind == SYM_TABLE && type_equal(s->type, d->u.table.ret->type))
            diag_note(c->diags, d->u.table.ret->span, "table %s() is declared to give %s here", s->name,
                      tname(s->type));
        else if (s->kind == SYM_TABLE && s->type->kind == T_LIST)
            diag_note(c->diags, d->u.table.ret->span, "table %s() is declared -> %s here; with hit policy all it gives %s",
                      s->name, tname(d->u.table.ret->type), tname(s->type));
        else if (s->kind == SYM_TABLE)
            diag_note(c->diags, d->u.table.ret->span,
                      "table %s() is declared -> %s here; without an else row it gives %s (none when no row holds)",
                      s->name, tname(d->u.table.ret->type), tname(s->type));
        return;
    }
    default:
        return;
    }
}

/* The text of n as written, for a message or hint, when it is short and
 * on one line; NULL otherwise. */
static const char *expr_text(Checker *c, const Node *n)
{
    const SourceFile *f = sources_get(c->files, n->span.file);
    if (!f || n->span.end <= n->span.start || n->span.end > f->len || n->span.end - n->span.start > 40)
        return NULL;
    const char *s = f->text + n->span.start;
    size_t len = n->span.end - n->span.start;
    if (memchr(s, '\n', len))
        return NULL;
    return rg_strndup(s, len);
}

/* A hint on how to handle the absence of the optional value n, naming it
 * as written. Only a path (x, x.field) is narrowed by a test, and only
 * where a condition goes on (`x != none and ...`); anything else needs a
 * default or a let. */
static void hint_absence(Checker *c, const Node *n, bool in_condition)
{
    const char *t = expr_text(c, n);
    if (t && !in_condition)
        diag_hint(c->diags, "give a default: %s ?? ...", t);
    else if (t && path_key(n))
        diag_hint(c->diags, "handle absence first: %s != none and ..., or give a default: %s ?? ...", t, t);
    else if (t)
        diag_hint(c->diags, "give a default: %s ?? ..., or name it with let and test it (x != none and ...)", t);
    else
        diag_hint(c->diags, "test it first (x != none and ...), or give a default with ??");
}

/* What to call an operand in a message: its text, or which side it is. */
static const char *operand_name(Checker *c, const Node *n, bool left)
{
    const char *t = expr_text(c, n);
    return t ? t : left ? "the left side" : "the right side";
}

/* ---------------------------------------------------------------- types */

static const Type *resolve_type(Checker *c, Node *t);

static const Type *builtin_type(const char *name)
{
    static const struct {
        const char *name;
        const Type *type;
    } prims[] = {
        {"Bool", &type_bool}, {"Int", &type_int}, {"Decimal", &type_dec}, {"Text", &type_text},
        {"Date", &type_date}, {"Period", &type_period}, {"Duration", &type_duration},
    };
    for (size_t i = 0; i < sizeof prims / sizeof prims[0]; i++)
        if (strcmp(prims[i].name, name) == 0)
            return prims[i].type;
    return NULL;
}

static const Type *resolve_type_inner(Checker *c, Node *t)
{
    const char *name = t->u.type_ref.name.name;
    size_t nargs = t->u.type_ref.args.len;
    bool generic = strcmp(name, "List") == 0 || strcmp(name, "Set") == 0;
    if (generic) {
        if (nargs != 1) {
            diag_error(c->diags, t->span, "%s takes one type, as in %s<Text>", name, name);
            return &type_error;
        }
        const Type *e = resolve_type(c, t->u.type_ref.args.items[0]);
        return name[0] == 'L' ? type_list(e) : type_set(e);
    }
    const Type *p = builtin_type(name);
    Symbol *s = p ? NULL : lookup_top(c, name, t->span);
    if (nargs && (p || (s && (s->kind == SYM_RECORD || s->kind == SYM_ENUM)))) {
        diag_error(c->diags, t->span, "'%s' takes no type arguments", name);
        return &type_error;
    }
    if (p)
        return p;
    if (from_broken_module(s))
        return &type_error;
    if (s && s->kind == SYM_RECORD) {
        if (!s->decl->u.record.rt) {
            /* Declared but not yet built: make its shell now; fields come later. */
            RecordType *rt = rg_alloc(sizeof *rt);
            rt->name = s->name;
            rt->span = s->span;
            s->decl->u.record.rt = rt;
        }
        return type_record(s->decl->u.record.rt);
    }
    if (s && s->kind == SYM_ENUM) {
        if (!s->decl->u.enum_decl.et)
            return &type_error; /* its own error was reported */
        return type_enum(s->decl->u.enum_decl.et);
    }
    if (s) {
        diag_error(c->diags, t->u.type_ref.name.span, "'%s' is not a type", name);
        return &type_error;
    }
    diag_error(c->diags, t->u.type_ref.name.span, "unknown type '%s'", name);
    Names ns = {0};
    const char *prims[] = {"Bool", "Int", "Decimal", "Text", "Date", "Period", "Duration", "List", "Set"};
    for (size_t i = 0; i < sizeof prims / sizeof prims[0]; i++)
        names_add(&ns, prims[i]);
    names_of_map(&ns, &c->mod->names, SYM_RECORD);
    names_of_map(&ns, &c->mod->names, SYM_ENUM);
    for (size_t i = 0; i < c->mod->nimports; i++) {
        names_of_map(&ns, &c->mod->imports[i]->names, SYM_RECORD);
        names_of_map(&ns, &c->mod->imports[i]->names, SYM_ENUM);
    }
    suggest(c, name, ns);
    return &type_error;
}

static const Type *resolve_type(Checker *c, Node *t)
{
    const Type *r = resolve_type_inner(c, t);
    if (t->u.type_ref.optional)
        r = type_optional(r);
    t->type = r;
    return r;
}

/* A word's `from` or `as` text, trimmed and NFC; `otherwise` without one. */
static const char *word_text(Checker *c, const Node *text, const char *otherwise, const char *what)
{
    if (!text)
        return otherwise;
    size_t n;
    const char *t = text_clean(text->u.text.s, text->u.text.n, &n);
    if (n == 0)
        diag_error(c->diags, text->span, "a word's %s cannot be empty", what);
    return rg_strndup(t, n);
}

static void check_enum(Checker *c, Node *d)
{
    EnumType *et = rg_alloc(sizeof *et);
    et->name = d->u.enum_decl.name.name;
    et->span = d->u.enum_decl.name.span;
    NodeList *w = &d->u.enum_decl.words;
    et->words = rg_alloc(w->len * sizeof *et->words);
    et->spellings = rg_alloc(w->len * sizeof *et->spellings);
    et->texts = rg_alloc(w->len * sizeof *et->texts);
    for (size_t i = 0; i < w->len; i++) {
        Node *wn = w->items[i];
        const char *word = wn->u.named.name.name;
        const char *spelt = word_text(c, wn->u.named.value, word, "spelling");
        for (size_t j = 0; j < et->nwords; j++) {
            if (strcmp(et->words[j], word) == 0) {
                diag_error(c->diags, wn->u.named.name.span, "'%s' appears twice in enum %s", word, et->name);
                break;
            }
            if (strcmp(et->spellings[j], spelt) == 0) {
                diag_error(c->diags, wn->span, "two words of enum %s are spelt \"%s\" in exports", et->name, spelt);
                break;
            }
        }
        const char *shown = word_text(c, wn->u.named.display, spelt, "text");
        et->texts[et->nwords] = shown;
        et->spellings[et->nwords] = spelt;
        et->words[et->nwords++] = word;
    }
    d->u.enum_decl.et = et;
}

static void register_record(Checker *c, RecordType *rt)
{
    size_t n = c->out->nrecords;
    PUSH(c->out->records, n, c->records_cap, rt);
    c->out->nrecords = n;
}

/* A record type made by the language itself (results, queue entries). */
static RecordType *builtin_record(Checker *c, const char *name, size_t nfields)
{
    RecordType *rt = rg_alloc(sizeof *rt);
    rt->name = name;
    rt->fields = rg_alloc(nfields * sizeof *rt->fields);
    rt->nfields = nfields;
    register_record(c, rt);
    return rt;
}

static void set_field(RecordType *rt, size_t i, const char *name, const Type *t)
{
    rt->fields[i].name = name;
    rt->fields[i].column = name;
    rt->fields[i].column_len = (uint32_t)strlen(name);
    rt->fields[i].type = t;
}

static void check_record(Checker *c, Node *d)
{
    RecordType *rt = d->u.record.rt;
    if (!rt) {
        rt = rg_alloc(sizeof *rt);
        rt->name = d->u.record.name.name;
        rt->span = d->u.record.name.span;
        d->u.record.rt = rt;
    }
    register_record(c, rt);
    NodeList *fl = &d->u.record.fields;
    rt->fields = rg_alloc((fl->len ? fl->len : 1) * sizeof *rt->fields);
    rt->nfields = 0;
    for (size_t i = 0; i < fl->len; i++) {
        Node *f = fl->items[i];
        const char *name = f->u.rec_field.name.name;
        const char *column = f->u.rec_field.column ? f->u.rec_field.column : name;
        for (size_t j = 0; j < rt->nfields; j++) {
            if (strcmp(rt->fields[j].name, name) == 0) {
                diag_error(c->diags, f->u.rec_field.name.span, "record %s has two fields called '%s'", rt->name, name);
                where_declared(c, rt->fields[j].span, "the first one is at");
            } else if (strcmp(rt->fields[j].column, column) == 0) {
                diag_error(c->diags, f->u.rec_field.column ? f->u.rec_field.column_span : f->u.rec_field.name.span,
                           "fields '%s' and '%s' of %s read the same column \"%s\"", rt->fields[j].name, name,
                           rt->name, column);
                diag_note(c->diags, rt->fields[j].span, "field '%s' is declared here", rt->fields[j].name);
            }
        }
        if (f->u.rec_field.column && f->u.rec_field.column[0] == '\0')
            diag_error(c->diags, f->u.rec_field.column_span, "a column title cannot be empty");
        FieldDef *fd = &rt->fields[rt->nfields++];
        fd->name = name;
        fd->column = column;
        fd->column_len = (uint32_t)strlen(column);
        fd->span = f->u.rec_field.name.span;
        fd->type = resolve_type(c, f->u.rec_field.type_ann);
    }
}

/* A record whose required field holds the record itself, directly or
 * through other records' required fields, asks for a value without end:
 * no export can give one and no policy can build one. Optional fields and
 * lists end the chain (none, an empty list). One depth-first walk over
 * the records and their required record fields finds each such cycle at
 * the field that closes it. */
typedef struct RecordStep {
    const RecordType *rt;
    size_t field; /* the next field to follow */
} RecordStep;

typedef struct RecordWalk {
    const RecordType **recs; /* sorted by address, for finding a record's number */
    uint8_t *state;          /* 0 not seen, 1 on the walk's path, 2 done */
    RecordStep *path;        /* at most every record once */
    size_t n;
} RecordWalk;

static int address_cmp(const void *x, const void *y)
{
    uintptr_t a = (uintptr_t) * (const RecordType *const *)x, b = (uintptr_t) * (const RecordType *const *)y;
    return (a > b) - (a < b);
}

static uint8_t *walk_state(RecordWalk *w, const RecordType *rt)
{
    const RecordType **hit = bsearch(&rt, w->recs, w->n, sizeof *w->recs, address_cmp);
    return hit ? &w->state[hit - w->recs] : NULL;
}

/* Depth first from rt, with a stack of its own: a chain of records can be
 * longer than the C stack is deep. */
static void walk_record(Checker *c, RecordWalk *w, const RecordType *rt)
{
    uint8_t *st = walk_state(w, rt);
    if (!st || *st)
        return;
    *st = 1;
    w->path[0] = (RecordStep){rt, 0};
    size_t depth = 1;
    while (depth) {
        RecordStep *top = &w->path[depth - 1];
        if (top->field == top->rt->nfields) {
            *walk_state(w, top->rt) = 2;
            depth--;
            continue;
        }
        const FieldDef *f = &top->rt->fields[top->field++];
        if (!f->type || f->type->kind != T_RECORD || !f->type->rec)
            continue;
        const RecordType *next = f->type->rec;
        uint8_t *ns = walk_state(w, next);
        if (!ns || *ns == 2)
            continue;
        if (*ns == 1) {
            diag_error(c->diags, f->span,
                       "record %s would hold itself without end (through %s.%s); "
                       "make a field on the way optional (%s?) or a list",
                       next->name, top->rt->name, f->name, next->name);
            continue;
        }
        *ns = 1;
        w->path[depth++] = (RecordStep){next, 0};
    }
}

static void check_records_end(Checker *c)
{
    RecordWalk w = {NULL, NULL, NULL, c->out->nrecords};
    if (!w.n)
        return;
    w.recs = rg_alloc(w.n * sizeof *w.recs);
    memcpy(w.recs, c->out->records, w.n * sizeof *w.recs);
    qsort(w.recs, w.n, sizeof *w.recs, address_cmp);
    w.state = rg_alloc(w.n);
    w.path = rg_alloc(w.n * sizeof *w.path);
    for (size_t i = 0; i < c->out->nrecords; i++)
        walk_record(c, &w, c->out->records[i]);
}

/* ---------------------------------------------------------------- formats and sources */

typedef struct FormatOpts {
    bool csv;
    char separator, decimal;
    const char *yes, *no;
    OnInvalid on_invalid;
} FormatOpts;

static const char *option_text(Checker *c, Node *opt, const char *what)
{
    Node *v = opt->u.option.value;
    if (v->kind == N_TEXT)
        return v->u.text.s;
    if (v->kind == N_NAME)
        return v->u.name.name;
    diag_error(c->diags, v->span, "%s must be text", what);
    return NULL;
}

/* Applies options to fo. `quiet` when they were checked (and reported)
 * already, at the declaration of the format they belong to. */
static void apply_options(Checker *c, FormatOpts *fo, NodeList *opts, bool quiet)
{
    DiagList *saved = c->diags;
    if (quiet)
        c->diags = diags_new(c->files);
    Node *yes_node = NULL, *no_node = NULL;
    static const char *const csv_names[] = {"separator", "decimal", "yes", "no", "invalid"};
    static const char *const jsonl_names[] = {"invalid"};
    for (size_t i = 0; i < opts->len; i++) {
        Node *o = opts->items[i];
        const char *name = o->u.option.name.name;
        Span at = o->u.option.value->span;
        /* One list may not say a thing twice; which would win is a guess. */
        size_t k = 0;
        while (k < i && strcmp(opts->items[k]->u.option.name.name, name) != 0)
            k++;
        if (k < i) {
            diag_error(c->diags, o->u.option.name.span, "option '%s' is given twice", name);
            where_declared(c, opts->items[k]->u.option.name.span, "the first one is at");
            continue;
        }
        if (strcmp(name, "invalid") == 0) {
            const char *v = option_text(c, o, "invalid");
            if (!v)
                continue;
            if (strcmp(v, "skip") == 0)
                fo->on_invalid = INVALID_SKIP;
            else if (strcmp(v, "fail") == 0)
                fo->on_invalid = INVALID_FAIL;
            else
                diag_error(c->diags, at, "invalid: is skip or fail, not '%s'", v);
            continue;
        }
        if (fo->csv && strcmp(name, "separator") == 0) {
            const char *v = option_text(c, o, "the separator");
            if (v && (strlen(v) != 1 || v[0] == '"' || v[0] == '\n' || v[0] == '\r'))
                diag_error(c->diags, at, "the separator is one character such as \";\" or \",\"");
            else if (v)
                fo->separator = v[0];
            continue;
        }
        if (fo->csv && strcmp(name, "decimal") == 0) {
            const char *v = option_text(c, o, "the decimal mark");
            if (v && strcmp(v, ",") != 0 && strcmp(v, ".") != 0)
                diag_error(c->diags, at, "the decimal mark is \",\" or \".\"");
            else if (v)
                fo->decimal = v[0];
            continue;
        }
        if (fo->csv && (strcmp(name, "yes") == 0 || strcmp(name, "no") == 0)) {
            const char *v = option_text(c, o, "a boolean word");
            if (v && !v[0])
                diag_error(c->diags, at, "a boolean word cannot be empty");
            else if (v) {
                size_t n;
                const char *t = text_clean(v, strlen(v), &n);
                const char *w = rg_strndup(t, n);
                if (name[0] == 'y') {
                    fo->yes = w;
                    yes_node = o;
                } else {
                    fo->no = w;
                    no_node = o;
                }
            }
            continue;
        }
        diag_error(c->diags, o->u.option.name.span, "unknown %s option '%s'", fo->csv ? "csv" : "jsonl", name);
        const char *best = fo->csv ? text_suggest(name, csv_names, 5) : text_suggest(name, jsonl_names, 1);
        if (best)
            diag_hint(c->diags, "did you mean '%s'?", best);
        else
            diag_hint(c->diags, "%s", fo->csv ? "the csv options are separator, decimal, yes, no and invalid"
                                              : "jsonl has one option: invalid");
    }
    if (fo->csv && fo->yes && fo->no && strcmp(fo->yes, fo->no) == 0 && (yes_node || no_node))
        diag_error(c->diags, (no_node ? no_node : yes_node)->span, "yes and no cannot be the same word");
    c->diags = saved;
}

static bool base_format(Checker *c, Ident base, FormatOpts *fo)
{
    memset(fo, 0, sizeof *fo);
    fo->separator = ',';
    fo->decimal = '.';
    if (strcmp(base.name, "csv") == 0) {
        fo->csv = true;
        return true;
    }
    if (strcmp(base.name, "jsonl") == 0)
        return true;
    return false;
}

static bool resolve_format(Checker *c, Ident name, FormatOpts *fo)
{
    if (base_format(c, name, fo))
        return true;
    Symbol *s = lookup_top(c, name.name, name.span);
    if (!s || s->kind != SYM_FORMAT) {
        diag_error(c->diags, name.span, "unknown format '%s' (use csv, jsonl, or a declared format)", name.name);
        Names ns = {0};
        names_add(&ns, "csv");
        names_add(&ns, "jsonl");
        names_of_map(&ns, &c->mod->names, SYM_FORMAT);
        for (size_t i = 0; i < c->mod->nimports; i++)
            names_of_map(&ns, &c->mod->imports[i]->names, SYM_FORMAT);
        suggest(c, name.name, ns);
        return false;
    }
    Node *d = s->decl;
    Module *saved = c->mod;
    c->mod = s->module;
    if (!base_format(c, d->u.format.base, fo)) {
        c->mod = saved;
        return false; /* reported at the format's own declaration */
    }
    apply_options(c, fo, &d->u.format.options, true);
    c->mod = saved;
    return true;
}

static void check_format_decl(Checker *c, Node *d)
{
    FormatOpts fo;
    if (!base_format(c, d->u.format.base, &fo)) {
        diag_error(c->diags, d->u.format.base.span, "a format is based on csv or jsonl, not '%s'", d->u.format.base.name);
        return;
    }
    apply_options(c, &fo, &d->u.format.options, false);
}

/* CSV cells hold one value: no lists or nested records. */
static bool csv_field_type_ok(const Type *t)
{
    t = type_strip(t);
    switch (t->kind) {
    case T_BOOL: case T_INT: case T_DEC: case T_TEXT: case T_DATE: case T_ENUM: case T_ERROR:
        return true;
    default:
        return false;
    }
}

static bool json_field_type_ok(const Type *t)
{
    t = type_strip(t);
    switch (t->kind) {
    case T_BOOL: case T_INT: case T_DEC: case T_TEXT: case T_DATE: case T_ENUM: case T_ERROR:
    case T_RECORD:
        return true;
    case T_LIST: case T_SET:
        return json_field_type_ok(t->elem) && !type_is_optional(t->elem);
    default:
        return false;
    }
}

static void check_source(Checker *c, Node *d)
{
    SourceSpec *sp = rg_alloc(sizeof *sp);
    sp->name = d->u.source.name.name;
    sp->span = d->u.source.name.span;
    sp->file = d->u.source.file;
    sp->key_field = -1;
    d->u.source.index = (int)c->out->nsources;
    size_t n = c->out->nsources;
    PUSH(c->out->sources, n, c->sources_cap, sp);
    n = c->out->nsources;
    PUSH(c->out->source_nodes, n, c->source_nodes_cap, d);
    c->out->nsources++;

    Symbol *sym = strmap_get(&c->mod->names, sp->name);
    const Type *t = resolve_type(c, d->u.source.type_ann);
    if (t->kind != T_RECORD) {
        if (!is_error(t))
            diag_error(c->diags, d->u.source.type_ann->span, "a source holds records; %s is not a record type", tname(t));
        if (sym)
            sym->type = type_list(&type_error);
        return;
    }
    sp->type = t->rec;
    if (sym)
        sym->type = type_list(t);

    FormatOpts fo;
    if (resolve_format(c, d->u.source.format, &fo)) {
        if (!fo.csv && d->u.source.options.len == 0) {
            /* fine: jsonl needs no options */
        }
        apply_options(c, &fo, &d->u.source.options, false);
        sp->format = fo.csv ? FMT_CSV : FMT_JSONL;
        sp->separator = fo.separator;
        sp->decimal = fo.decimal;
        sp->yes = fo.yes ? fo.yes : "true";
        sp->no = fo.no ? fo.no : "false";
        sp->on_invalid = fo.on_invalid;
        for (size_t i = 0; i < t->rec->nfields; i++) {
            const FieldDef *f = &t->rec->fields[i];
            bool ok = fo.csv ? csv_field_type_ok(f->type) : json_field_type_ok(f->type);
            if (!ok) {
                diag_error(c->diags, d->u.source.type_ann->span,
                           "field '%s' of %s has type %s, which a %s export cannot hold", f->name, t->rec->name,
                           tname(f->type), fo.csv ? "CSV" : "JSON Lines");
                diag_hint(c->diags, fo.csv ? "CSV fields are Bool, Int, Decimal, Text, Date or an enum, optionally with ?"
                                           : "JSON fields are values, records, or lists of them; Period and Duration are built from fields");
            }
        }
    }
    if (d->u.source.key.name) {
        int k = record_field_index(t->rec, d->u.source.key.name);
        if (k < 0) {
            diag_error(c->diags, d->u.source.key.span, "%s has no field '%s' to use as key", t->rec->name,
                       d->u.source.key.name);
            Names ns = {0};
            for (size_t i = 0; i < t->rec->nfields; i++)
                names_add(&ns, t->rec->fields[i].name);
            suggest(c, d->u.source.key.name, ns);
        } else {
            const Type *kt = t->rec->fields[k].type;
            if (type_is_optional(kt) || !(kt->kind == T_TEXT || kt->kind == T_INT || kt->kind == T_ENUM)) {
                diag_error(c->diags, d->u.source.key.span, "a key is a Text, Int or enum field that is always present; '%s' is %s",
                           d->u.source.key.name, tname(kt));
            } else {
                sp->key_field = k;
            }
        }
    }
}

/* ---------------------------------------------------------------- expressions */

static void check_const(Checker *c, Node *d, Module *m);
static void check_fn(Checker *c, Node *f, Module *m);
static void check_decision(Checker *c, Node *d);
static void check_queue(Checker *c, Node *q);

static const Type *set_type(Node *n, const Type *t)
{
    n->type = t;
    return t;
}

static const Type *err(Node *n)
{
    return set_type(n, &type_error);
}

/* Checks a root expression (of a statement or declaration) after making
 * sure it is not nested deeper than the checker may recurse. */
static const Type *check_root(Checker *c, Node *n, const Type *expected)
{
    if (node_depth(n, CHECK_MAX_DEPTH) > CHECK_MAX_DEPTH) {
        diag_error(c->diags, n->span, "this expression is nested too deeply (the limit is %d levels)", CHECK_MAX_DEPTH);
        diag_hint(c->diags, "give parts of it names with let");
        return err(n);
    }
    return check_expr(c, n, expected);
}

/* Reports n when its type does not fit want; true when it did (the caller
 * may then note where want comes from). */
static bool expect_type(Checker *c, Node *n, const Type *want, const char *what)
{
    const Type *got = n->type;
    if (!got || is_error(got) || is_error(want) || type_assignable(want, got))
        return false;
    if (type_is_optional(got) && type_assignable(want, type_strip(got))) {
        diag_error(c->diags, n->span, "%s may be none here (its type is %s), but %s is required", what, tname(got),
                   tname(want));
        hint_absence(c, n, want->kind == T_BOOL);
        note_origin(c, n);
        return true;
    }
    diag_error(c->diags, n->span, "%s must be %s, not %s", what, tname(want), tname(got));
    note_origin(c, n);
    return true;
}

static const Type *check_bool(Checker *c, Node *n, const char *what)
{
    const Type *t = check_expr(c, n, &type_bool);
    expect_type(c, n, &type_bool, what);
    return t;
}

/* The common type of two branches or list elements, or NULL. */
static const Type *unify(const Type *a, const Type *b)
{
    if (is_error(a))
        return b;
    if (is_error(b))
        return a;
    if (type_equal(a, b))
        return a;
    if (a->kind == T_NONE)
        return type_optional(b);
    if (b->kind == T_NONE)
        return type_optional(a);
    bool opt = type_is_optional(a) || type_is_optional(b);
    const Type *sa = type_strip(a), *sb = type_strip(b);
    const Type *r = NULL;
    if (type_equal(sa, sb))
        r = sa;
    else if (type_is_numeric(sa) && type_is_numeric(sb))
        r = &type_dec;
    else if ((sa->kind == T_LIST || sa->kind == T_SET) && sa->kind == sb->kind) {
        const Type *e = unify(sa->elem, sb->elem);
        if (e)
            r = sa->kind == T_LIST ? type_list(e) : type_set(e);
    }
    if (!r)
        return NULL;
    return opt ? type_optional(r) : r;
}

/* Element type of a list or set, or NULL. */
static const Type *elem_of(const Type *t)
{
    if (t->kind == T_LIST || t->kind == T_SET)
        return t->elem;
    if (t->kind == T_ERROR)
        return &type_error;
    return NULL;
}

/* An element named in the outcome or field itself (`x => ...`) is bound
 * there, whatever the guards before. */
static bool in_restricted_scope(Checker *c, const Symbol *s)
{
    return c->restricted && c->decision && s->owner == c->decision && s->seq > c->guard_seq &&
           !(s->decl && s->decl->kind == N_LAMBDA);
}

static const Type *narrow(Checker *c, Node *n, const Type *t)
{
    if (type_is_optional(t) && t->kind == T_OPTIONAL && is_known_present(c, n))
        return t->elem;
    return t;
}

/* For a bare name that is not known where no enum type is expected: the
 * word of an enum visible here (or, unless exact_only, the closest one),
 * written qualified, which works wherever the type is not known. False
 * when there is none. */
static bool suggest_enum_word(Checker *c, const char *name, bool exact_only)
{
    Names words = {0}, qualified = {0};
    for (size_t m = 0; m <= c->mod->nimports; m++) {
        const StrMap *names = m == 0 ? &c->mod->names : &c->mod->imports[m - 1]->names;
        for (size_t i = 0; i < names->cap; i++) {
            if (!names->keys || !names->keys[i])
                continue;
            const Symbol *sym = names->vals[i];
            const EnumType *et = sym->kind == SYM_ENUM ? sym->decl->u.enum_decl.et : NULL;
            for (size_t k = 0; et && k < et->nwords; k++) {
                if (strcmp(et->words[k], name) == 0) {
                    diag_hint(c->diags, "'%s' is a word of %s; where its type is not known, write %s.%s", name,
                              et->name, et->name, name);
                    return true;
                }
                names_add(&words, et->words[k]);
                names_add(&qualified, rg_sprintf("%s.%s", et->name, et->words[k]));
            }
        }
    }
    const char *best = exact_only ? NULL : text_suggest(name, words.items, words.n);
    for (size_t i = 0; best && i < words.n; i++)
        if (words.items[i] == best) {
            diag_hint(c->diags, "did you mean '%s'?", qualified.items[i]);
            return true;
        }
    return false;
}

static const Type *check_name(Checker *c, Node *n, const Type *expected)
{
    const char *name = n->u.name.name;
    Symbol *s = lookup(c, name, n->span);
    if (!s && expected && is_error(expected))
        return err(n); /* the other side of a comparison failed; this may be its enum word */
    if (!s) {
        const Type *e = expected ? type_strip(expected) : NULL;
        if (e && e->kind == T_ENUM) {
            if (enum_word_index(e->enm, name, strlen(name)) >= 0)
                return set_type(n, e);
        }
        diag_error(c->diags, n->span, "unknown name '%s'", name);
        if (e && e->kind == T_ENUM) {
            Names ns = {0};
            for (size_t i = 0; i < e->enm->nwords; i++)
                names_add(&ns, e->enm->words[i]);
            const char *best = text_suggest(name, ns.items, ns.n);
            if (best) {
                diag_hint(c->diags, "did you mean '%s'? (a word of %s)", best, e->enm->name);
            } else {
                RgBuf words;
                buf_init(&words);
                for (size_t i = 0; i < ns.n; i++) {
                    if (i)
                        buf_adds(&words, i + 1 == ns.n ? " and " : ", ");
                    buf_adds(&words, ns.items[i]);
                }
                diag_hint(c->diags, "the words of %s are %s", e->enm->name, words.data ? words.data : "");
            }
        } else if (!suggest_enum_word(c, name, true)) {
            Names ns = visible_names(c, true);
            if (text_suggest(name, ns.items, ns.n))
                suggest(c, name, ns);
            else
                suggest_enum_word(c, name, false);
        }
        return err(n);
    }
    n->u.name.sym = s;
    s->used = true;
    if (from_broken_module(s))
        return err(n);
    if (c->in_const && s->kind != SYM_CONST) {
        diag_error(c->diags, n->span, "a constant can only use literals and other constants; '%s' is not one", name);
        return err(n);
    }
    switch (s->kind) {
    case SYM_LOCAL:
        if (in_restricted_scope(c, s)) {
            diag_error(c->diags, n->span, "'%s' is declared after a guard, so an outcome or field cannot use it", name);
            diag_hint(c->diags, "when the guard fails, the statements after it are skipped; move the let before the guard");
            return err(n);
        }
        return set_type(n, narrow(c, n, s->type ? s->type : &type_error));
    case SYM_CONST:
        check_const(c, s->decl, s->module);
        return set_type(n, narrow(c, n, s->type ? s->type : &type_error));
    case SYM_SOURCE:
        return set_type(n, s->type ? s->type : &type_error);
    case SYM_TODAY:
    case SYM_PASSED:
    case SYM_QSTATE:
        return set_type(n, s->type);
    case SYM_QUEUE:
        diag_error(c->diags, n->span, "'%s' is a queue; look up an element's place with %s[x]", name, name);
        return err(n);
    case SYM_TABLE:
        diag_error(c->diags, n->span, "'%s' is a table; look up a value with %s(...)", name, name);
        return err(n);
    case SYM_FN:
        diag_error(c->diags, n->span, "'%s' is a function; call it as %s(...)", name, name);
        return err(n);
    case SYM_DECISION:
        diag_error(c->diags, n->span, "'%s' is a decision; its rules can be taken over with include %s(...)", name, name);
        return err(n);
    case SYM_RECORD:
    case SYM_ENUM:
        diag_error(c->diags, n->span, "'%s' is a type, not a value", name);
        return err(n);
    case SYM_FORMAT:
        diag_error(c->diags, n->span, "'%s' is a format, not a value", name);
        return err(n);
    case SYM_BUILTIN:
        break;
    }
    return err(n);
}

static void unknown_field(Checker *c, Ident f, const RecordType *rt)
{
    diag_error(c->diags, f.span, "%s has no field '%s'", rt->name, f.name);
    Names ns = {0};
    for (size_t i = 0; i < rt->nfields; i++)
        names_add(&ns, rt->fields[i].name);
    const char *best = text_suggest(f.name, ns.items, ns.n);
    if (best)
        diag_hint(c->diags, "did you mean '%s'?", best);
}

/* Pseudo-fields of built-in types: their slot numbers are negative. */
enum { PSEUDO_START = -2, PSEUDO_END = -3, PSEUDO_YEAR = -4, PSEUDO_MONTH = -5, PSEUDO_DAY = -6,
       PSEUDO_MONTHS = -7, PSEUDO_DAYS = -8 };

/* The type of field f of a value of type base (not optional), setting the
 * slot on n; NULL after reporting an error. */
static const Type *field_type(Checker *c, Node *n, const Type *base, Ident f)
{
    const char *fname = f.name;
    switch (base->kind) {
    case T_RECORD: {
        int i = record_field_index(base->rec, fname);
        if (i < 0) {
            unknown_field(c, f, base->rec);
            return NULL;
        }
        n->u.field.slot = i;
        return base->rec->fields[i].type;
    }
    case T_PERIOD:
        if (strcmp(fname, "start") == 0) { n->u.field.slot = PSEUDO_START; return &type_date; }
        if (strcmp(fname, "end") == 0) { n->u.field.slot = PSEUDO_END; return &type_date; }
        break;
    case T_DATE:
        if (strcmp(fname, "year") == 0) { n->u.field.slot = PSEUDO_YEAR; return &type_int; }
        if (strcmp(fname, "month") == 0) { n->u.field.slot = PSEUDO_MONTH; return &type_int; }
        if (strcmp(fname, "day") == 0) { n->u.field.slot = PSEUDO_DAY; return &type_int; }
        break;
    case T_DURATION:
        if (strcmp(fname, "months") == 0) { n->u.field.slot = PSEUDO_MONTHS; return &type_int; }
        if (strcmp(fname, "days") == 0) { n->u.field.slot = PSEUDO_DAYS; return &type_int; }
        break;
    default:
        break;
    }
    diag_error(c->diags, f.span, "a value of type %s has no field '%s'", tname(base), fname);
    static const char *const period_fields[] = {"start", "end"};
    static const char *const date_fields[] = {"year", "month", "day"};
    static const char *const duration_fields[] = {"months", "days"};
    const char *best = base->kind == T_PERIOD     ? text_suggest(fname, period_fields, 2)
                       : base->kind == T_DATE     ? text_suggest(fname, date_fields, 3)
                       : base->kind == T_DURATION ? text_suggest(fname, duration_fields, 2)
                                                  : NULL;
    if (best)
        diag_hint(c->diags, "did you mean '%s'?", best);
    else if (base->kind == T_LIST || base->kind == T_SET) {
        const char *xs = n->kind == N_FIELD && n->u.field.obj ? expr_text(c, n->u.field.obj) : NULL;
        diag_hint(c->diags, "to take a field of every element, use map(%s, .%s)", xs ? xs : "xs", fname);
    }
    return NULL;
}

static const Type *check_field(Checker *c, Node *n)
{
    Node *obj = n->u.field.obj;
    Ident f = n->u.field.field;
    /* Enum.word */
    if (obj->kind == N_NAME) {
        Symbol *s = lookup(c, obj->u.name.name, obj->span);
        if (s && s->kind == SYM_ENUM && s->decl->u.enum_decl.et) {
            EnumType *et = s->decl->u.enum_decl.et;
            obj->u.name.sym = s;
            obj->type = type_enum(et);
            if (enum_word_index(et, f.name, strlen(f.name)) < 0) {
                diag_error(c->diags, f.span, "%s has no word '%s'", et->name, f.name);
                const char *best = text_suggest(f.name, et->words, et->nwords);
                if (best)
                    diag_hint(c->diags, "did you mean '%s'?", best);
                return err(n);
            }
            n->u.field.slot = enum_word_index(et, f.name, strlen(f.name));
            return set_type(n, type_enum(et));
        }
    }
    const Type *ot = check_expr(c, obj, NULL);
    if (is_error(ot))
        return err(n);
    bool through_none = false;
    const Type *base = ot;
    if (ot->kind == T_NONE) {
        diag_error(c->diags, obj->span, "none has no fields");
        return err(n);
    }
    if (ot->kind == T_OPTIONAL) {
        if (!n->u.field.safe) {
            diag_error(c->diags, obj->span, "this may be none (its type is %s), so it has no field '%s' for sure",
                       tname(ot), f.name);
            const char *t = expr_text(c, obj);
            if (t && path_key(obj))
                diag_hint(c->diags, "test it first (%s != none and %s.%s ...), or write %s?.%s to get none when it is none",
                          t, t, f.name, t, f.name);
            else
                diag_hint(c->diags, "test it first (x != none and x.%s ...), or write ?.%s to get none when it is none",
                          f.name, f.name);
            note_origin(c, obj);
            return err(n);
        }
        base = ot->elem;
        through_none = true;
    }
    const Type *ft = field_type(c, n, base, f);
    if (!ft)
        return err(n);
    if (through_none)
        ft = type_optional(ft);
    return set_type(n, narrow(c, n, ft));
}

static Symbol *innermost_elem(Checker *c)
{
    return c->nelems ? c->elems[c->nelems - 1] : NULL;
}

static const Type *check_elem_field(Checker *c, Node *n)
{
    Symbol *e = innermost_elem(c);
    if (!e) {
        diag_error(c->diags, n->span, "'.%s' reads a field of the element, but there is no element here",
                   n->u.field.field.name);
        diag_hint(c->diags, "use it inside where, count, sum, any, all, map ...; otherwise write x.%s",
                  n->u.field.field.name);
        return err(n);
    }
    n->u.field.elem = e;
    const Type *et = e->type;
    if (is_error(et))
        return err(n);
    if (et->kind == T_OPTIONAL) {
        diag_error(c->diags, n->span, "the element may be none, so it has no field '%s' for sure", n->u.field.field.name);
        return err(n);
    }
    const Type *ft = field_type(c, n, et, n->u.field.field);
    if (!ft)
        return err(n);
    return set_type(n, narrow(c, n, ft));
}

/* Binds the element of a collection for an argument like `.x > 1`,
 * `it * 2` or `k => k.x`; returns the argument's type. The argument node is
 * replaced by an N_LAMBDA carrying the element's symbol, so the compiler
 * sees one shape. */
static const Type *check_elem_arg(Checker *c, Node **slot, const Type *elem, const Type *expected)
{
    Node *arg = *slot;
    Node *lam = arg;
    if (arg->kind != N_LAMBDA) {
        lam = node_new(N_LAMBDA, arg->span);
        lam->u.lambda.param = ident(NULL, arg->span);
        lam->u.lambda.body = arg;
        *slot = lam;
    }
    if (c->nelems == MAX_ELEM_NESTING) {
        diag_error(c->diags, arg->span, "where, count, sum ... are nested too deeply (the limit is %d)", MAX_ELEM_NESTING);
        err(lam->u.lambda.body);
        return err(lam);
    }
    scope_push(c);
    Symbol *e;
    if (lam->u.lambda.param.name)
        e = declare_local(c, lam->u.lambda.param, elem, lam);
    else
        e = local_new(c, "it", arg->span, elem, lam);
    lam->u.lambda.sym = e;
    c->elems[c->nelems++] = e;
    const Type *t = check_expr(c, lam->u.lambda.body, expected);
    c->nelems--;
    scope_pop(c);
    return set_type(lam, t);
}

static const Type *check_where(Checker *c, Node *n)
{
    const Type *lt = check_expr(c, n->u.where.list, NULL);
    const Type *e = elem_of(lt);
    if (!e) {
        diag_error(c->diags, n->u.where.list->span, "where filters a list or a set, not %s", tname(lt));
        e = &type_error;
    }
    check_elem_arg(c, &n->u.where.pred, e, &type_bool);
    expect_type(c, n->u.where.pred->u.lambda.body, &type_bool, "the condition after where");
    if (!elem_of(lt) || is_error(lt))
        return err(n);
    return set_type(n, lt->kind == T_SET ? type_set(e) : type_list(e));
}

/* Can values of t be ordered as keys (queues, sort_by)? Lists compare
 * element by element, as code_points(...) keys need. */
static bool orderable(const Type *t)
{
    if (t->kind == T_LIST)
        return orderable(t->elem);
    return type_is_ordered(t) || t->kind == T_ENUM || t->kind == T_BOOL;
}

static bool comparable(const Type *a, const Type *b)
{
    if (is_error(a) || is_error(b))
        return true;
    if (a->kind == T_NONE || b->kind == T_NONE)
        return true;
    const Type *sa = type_strip(a), *sb = type_strip(b);
    if (type_is_numeric(sa) && type_is_numeric(sb))
        return true;
    /* Every value compares deeply, records field by field. */
    return unify(sa, sb) != NULL;
}

static bool is_empty_list(const Node *n);

/* Checks both operands, the one that can give the other a type first (so
 * `pagaende == st.bt` resolves the enum word too). */
static void check_pair(Checker *c, Node *a, Node *b)
{
    bool a_bare = a->kind == N_NAME && !lookup(c, a->u.name.name, a->span);
    /* An error on one side passes on as the expected type, which tells
     * check_name not to report a bare word on the other side as well. */
    if (a_bare || (a->kind == N_LIST && !is_empty_list(b))) {
        const Type *tb = check_expr(c, b, NULL);
        check_expr(c, a, type_strip(tb));
    } else {
        const Type *ta = check_expr(c, a, NULL);
        check_expr(c, b, type_strip(ta));
    }
}

static const Type *check_arith(Checker *c, Node *n)
{
    Op op = n->u.op.op;
    Node *a = n->u.op.a, *b = n->u.op.b;
    const Type *ta = check_expr(c, a, NULL);
    const Type *tb = check_expr(c, b, NULL);
    if (is_error(ta) || is_error(tb))
        return err(n);
    if (type_is_optional(ta) || type_is_optional(tb)) {
        Node *o = type_is_optional(ta) ? a : b;
        diag_error(c->diags, o->span, "`%s` cannot be used between %s and %s: %s may be none", op_text(op), tname(ta),
                   tname(tb), operand_name(c, o, o == a));
        hint_absence(c, o, true);
        note_origin(c, o);
        return err(n);
    }
    TypeKind ka = ta->kind, kb = tb->kind;
    if (type_is_numeric(ta) && type_is_numeric(tb)) {
        if (op == OP_DIV)
            return set_type(n, &type_dec);
        if (op == OP_MOD) {
            if (ka != T_INT || kb != T_INT) {
                diag_error(c->diags, n->span, "`%%` takes two integers, not %s and %s", tname(ta), tname(tb));
                note_origin(c, a);
                note_origin(c, b);
                return err(n);
            }
            return set_type(n, &type_int);
        }
        return set_type(n, (ka == T_INT && kb == T_INT) ? &type_int : &type_dec);
    }
    if (op == OP_ADD && ka == T_TEXT && kb == T_TEXT)
        return set_type(n, &type_text);
    if (op == OP_ADD && ka == T_LIST && kb == T_LIST) {
        const Type *u = unify(ta, tb);
        if (u && !type_needs_widening(u->elem, ta->elem) && !type_needs_widening(u->elem, tb->elem))
            return set_type(n, u);
    }
    if ((op == OP_ADD || op == OP_SUB) && ka == T_DATE && kb == T_DURATION)
        return set_type(n, &type_date);
    if (op == OP_ADD && ka == T_DURATION && kb == T_DATE) {
        diag_error(c->diags, n->span, "write the date first: date + duration");
        return err(n);
    }
    if (op == OP_SUB && ka == T_DATE && kb == T_DATE)
        return set_type(n, &type_int);
    if ((op == OP_ADD || op == OP_SUB) && ka == T_DURATION && kb == T_DURATION)
        return set_type(n, &type_duration);
    diag_error(c->diags, n->span, "`%s` cannot be used between %s and %s", op_text(op), tname(ta), tname(tb));
    if (ka == T_DATE && kb == T_INT)
        diag_hint(c->diags, "add a duration: date + %s days (or months, years)", "n");
    note_origin(c, a);
    note_origin(c, b);
    return err(n);
}

static const Type *check_binary(Checker *c, Node *n)
{
    Op op = n->u.op.op;
    Node *a = n->u.op.a, *b = n->u.op.b;
    switch (op) {
    case OP_AND:
    case OP_OR: {
        check_bool(c, a, op == OP_AND ? "the left side of and" : "the left side of or");
        size_t mark = c->nfacts;
        learn(c, a, op == OP_AND, false);
        check_bool(c, b, op == OP_AND ? "the right side of and" : "the right side of or");
        c->nfacts = mark;
        return set_type(n, &type_bool);
    }
    case OP_ADD: case OP_SUB: case OP_MUL: case OP_DIV: case OP_MOD:
        return check_arith(c, n);
    case OP_EQ:
    case OP_NE: {
        check_pair(c, a, b);
        if (!comparable(a->type, b->type)) {
            diag_error(c->diags, n->span, "`%s` cannot compare %s with %s", op_text(op), tname(a->type), tname(b->type));
            note_origin(c, a);
            note_origin(c, b);
            return err(n);
        }
        if ((a->kind == N_NONE && !type_is_optional(b->type) && !is_error(b->type)) ||
            (b->kind == N_NONE && !type_is_optional(a->type) && !is_error(a->type))) {
            Node *x = a->kind == N_NONE ? b : a;
            diag_error(c->diags, x->span, "this is never none (its type is %s)", tname(x->type));
            note_origin(c, x);
            return err(n);
        }
        return set_type(n, &type_bool);
    }
    case OP_LT: case OP_LE: case OP_GT: case OP_GE: {
        check_pair(c, a, b);
        const Type *ta = a->type, *tb = b->type;
        if (is_error(ta) || is_error(tb))
            return set_type(n, &type_bool);
        if (type_is_optional(ta) || type_is_optional(tb)) {
            Node *o = type_is_optional(ta) ? a : b;
            diag_error(c->diags, o->span, "`%s` cannot compare %s with %s: %s may be none", op_text(op), tname(ta),
                       tname(tb), operand_name(c, o, o == a));
            hint_absence(c, o, true);
            note_origin(c, o);
            return err(n);
        }
        bool ok = (type_is_numeric(ta) && type_is_numeric(tb)) ||
                  (type_equal(ta, tb) && (type_is_ordered(ta) || ta->kind == T_ENUM));
        if (!ok && type_equal(ta, tb)) {
            diag_error(c->diags, n->span, "`%s` cannot order %s values", op_text(op), tname(ta));
            diag_hint(c->diags, "numbers, texts, dates and enum words have an order; other values can only be "
                                "compared with == and !=");
            return err(n);
        }
        if (!ok) {
            diag_error(c->diags, n->span, "`%s` cannot compare %s with %s", op_text(op), tname(ta), tname(tb));
            note_origin(c, a);
            note_origin(c, b);
            return err(n);
        }
        return set_type(n, &type_bool);
    }
    case OP_IN:
    case OP_NOT_IN: {
        /* A list literal of bare enum words learns its type from the left. */
        const Type *tb;
        if (b->kind == N_LIST) {
            const Type *ta0 = check_expr(c, a, NULL);
            tb = check_expr(c, b, is_error(ta0) ? NULL : type_list(type_strip(ta0)));
        } else {
            tb = check_expr(c, b, NULL);
        }
        const Type *e = elem_of(tb);
        if (tb->kind == T_PERIOD) {
            check_expr(c, a, &type_date);
            expect_type(c, a, &type_date, "the left side of in (with a period on the right)");
            return set_type(n, &type_bool);
        }
        if (!e) {
            diag_error(c->diags, b->span, "in looks into a list, a set or a period, not %s", tname(tb));
            check_expr(c, a, NULL);
            return err(n);
        }
        const Type *ta = a->type && b->kind == N_LIST ? a->type : check_expr(c, a, e);
        if (!comparable(ta, e)) {
            diag_error(c->diags, n->span, "`%s` cannot look for %s among %s", op_text(op), tname(ta), tname(tb));
            note_origin(c, a);
            note_origin(c, b);
            return err(n);
        }
        return set_type(n, &type_bool);
    }
    case OP_COALESCE: {
        const Type *ta = check_expr(c, a, NULL);
        if (is_error(ta) || !type_is_optional(ta)) {
            if (!is_error(ta)) {
                diag_error(c->diags, a->span, "this is never none (its type is %s), so ?? is not needed", tname(ta));
                note_origin(c, a);
            }
            check_expr(c, b, is_error(ta) ? NULL : ta);
            return err(n);
        }
        const Type *want = type_strip(ta);
        const Type *tb = check_expr(c, b, want);
        const Type *u = unify(want, tb);
        if (!u || (ta->kind == T_NONE)) {
            if (ta->kind == T_NONE)
                return set_type(n, tb);
            diag_error(c->diags, b->span, "the default after ?? must be %s, not %s", tname(want), tname(tb));
            note_origin(c, a);
            note_origin(c, b);
            return err(n);
        }
        return set_type(n, u);
    }
    default:
        break;
    }
    return err(n);
}

/* ---------------------------------------------------------------- native signatures */

typedef enum SigKind { SG_TYPE, SG_VAR, SG_NUM, SG_LIST, SG_SET, SG_COLL, SG_OPT } SigKind;

typedef struct Sig {
    SigKind kind;
    const Type *type; /* SG_TYPE */
    char var;         /* SG_VAR */
    const struct Sig *sub;
} Sig;

typedef struct Signature {
    int nparams;
    const Sig *params[4];
    const Sig *result;
} Signature;

typedef struct Bindings {
    const Type *vars[26];
    const Type *num;
} Bindings;

static const Sig *sig_parse_type(const char **p)
{
    while (**p == ' ')
        (*p)++;
    const char *start = *p;
    while ((**p >= 'A' && **p <= 'Z') || (**p >= 'a' && **p <= 'z'))
        (*p)++;
    size_t n = (size_t)(*p - start);
    Sig *s = rg_alloc(sizeof *s);
    char name[16] = {0};
    memcpy(name, start, n < 15 ? n : 15);
    if (**p == '<') {
        (*p)++;
        s->sub = sig_parse_type(p);
        (*p)++; /* '>' */
        s->kind = strcmp(name, "List") == 0 ? SG_LIST : strcmp(name, "Set") == 0 ? SG_SET : SG_COLL;
    } else if (n == 1) {
        s->kind = SG_VAR;
        s->var = name[0];
    } else if (strcmp(name, "Num") == 0) {
        s->kind = SG_NUM;
    } else {
        s->kind = SG_TYPE;
        s->type = builtin_type(name);
    }
    if (**p == '?') {
        (*p)++;
        Sig *o = rg_alloc(sizeof *o);
        o->kind = SG_OPT;
        o->sub = s;
        return o;
    }
    return s;
}

static Signature sig_parse(const char *text)
{
    Signature sg = {0};
    const char *p = text + 1; /* '(' */
    while (*p != ')') {
        sg.params[sg.nparams++] = sig_parse_type(&p);
        while (*p == ',' || *p == ' ')
            p++;
    }
    p++;
    while (*p == ' ' || *p == '-' || *p == '>')
        p++;
    sg.result = sig_parse_type(&p);
    return sg;
}

static bool sig_match(const Sig *s, const Type *t, Bindings *b)
{
    if (is_error(t))
        return true;
    switch (s->kind) {
    case SG_TYPE:
        return type_assignable(s->type, t) && !type_is_optional(t);
    case SG_NUM:
        if (t->kind != T_INT && t->kind != T_DEC)
            return false;
        if (!b->num || t->kind == T_DEC)
            b->num = t;
        return true;
    case SG_VAR: {
        const Type **v = &b->vars[s->var - 'A'];
        if (!*v) {
            *v = t;
            return true;
        }
        const Type *u = unify(*v, t);
        if (!u)
            return false;
        *v = u;
        return true;
    }
    case SG_LIST:
        return t->kind == T_LIST && sig_match(s->sub, t->elem, b);
    case SG_SET:
        return t->kind == T_SET && sig_match(s->sub, t->elem, b);
    case SG_COLL:
        return (t->kind == T_LIST || t->kind == T_SET) && sig_match(s->sub, t->elem, b);
    case SG_OPT:
        if (t->kind == T_NONE)
            return true;
        return sig_match(s->sub, type_strip(t), b);
    }
    return false;
}

static const Type *sig_instantiate(const Sig *s, const Bindings *b)
{
    switch (s->kind) {
    case SG_TYPE: return s->type;
    case SG_NUM: return b->num ? b->num : &type_int;
    case SG_VAR: return b->vars[s->var - 'A'] ? b->vars[s->var - 'A'] : &type_error;
    case SG_LIST: return type_list(sig_instantiate(s->sub, b));
    case SG_SET: return type_set(sig_instantiate(s->sub, b));
    case SG_COLL: return type_list(sig_instantiate(s->sub, b));
    case SG_OPT: return type_optional(sig_instantiate(s->sub, b));
    }
    return &type_error;
}

/* Checks a call of a native (sigs: its overloads, in order) or of a host
 * function (one signature) against the signatures: the number of the
 * first that fits, with *result its result type; or -1 after reporting. */
static int check_signatures(Checker *c, Node *n, const char *const *sigs, int nsigs, const Type **result)
{
    NodeList *args = &n->u.call.args;
    const char *name = n->u.call.callee.name;
    bool bad = false;
    for (size_t i = 0; i < args->len; i++) {
        Node *a = args->items[i];
        if (a->kind == N_LAMBDA || a->kind == N_NAMED_ARG) {
            diag_error(c->diags, a->span, "%s() takes plain values as arguments", name);
            bad = true;
            continue;
        }
        if (is_error(check_expr(c, a, NULL)))
            bad = true;
    }
    if (bad)
        return -1;
    for (int k = 0; k < nsigs; k++) {
        Signature sg = sig_parse(sigs[k]);
        if ((size_t)sg.nparams != args->len)
            continue;
        Bindings b = {0};
        bool ok = true;
        for (int i = 0; i < sg.nparams && ok; i++)
            ok = sig_match(sg.params[i], args->items[i]->type, &b);
        if (ok) {
            *result = sig_instantiate(sg.result, &b);
            return k;
        }
    }
    RgBuf got;
    buf_init(&got);
    for (size_t i = 0; i < args->len; i++) {
        if (i)
            buf_adds(&got, ", ");
        type_print(args->items[i]->type, &got);
    }
    RgBuf takes;
    buf_init(&takes);
    for (int k = 0; k < nsigs; k++) {
        if (takes.len)
            buf_adds(&takes, " or ");
        const char *sig = sigs[k];
        const char *arrow = strstr(sig, " ->");
        /* The table's shorthands, in the words of the language. */
        for (const char *q = sig; q < (arrow ? arrow : sig + strlen(sig)); q++) {
            if (strncmp(q, "Coll<", 5) == 0) {
                buf_adds(&takes, "List<");
                q += 4;
            } else if (strncmp(q, "Num", 3) == 0) {
                buf_adds(&takes, "Int or Decimal");
                q += 2;
            } else {
                buf_addc(&takes, *q);
            }
        }
    }
    diag_error(c->diags, n->span, "%s() cannot take (%s)", name, got.data ? got.data : "");
    diag_hint(c->diags, "%s takes %s", name, takes.data);
    for (size_t i = 0; i < args->len; i++)
        if (type_is_optional(args->items[i]->type)) {
            const char *t = expr_text(c, args->items[i]);
            if (t && path_key(args->items[i]))
                diag_hint(c->diags, "argument %zu may be none: test it first (%s != none and ...), or give a default (%s ?? ...)",
                          i + 1, t, t);
            else
                diag_hint(c->diags, "argument %zu may be none: test it first or give a default with ??", i + 1);
            note_origin(c, args->items[i]);
            break;
        }
    return -1;
}

static const Type *check_native(Checker *c, Node *n, int first)
{
    const char *name = n->u.call.callee.name;
    const char *sigs[32];
    int ks[32], nsigs = 0;
    for (int k = first; k >= 0 && nsigs < 32; k = builtin_find(name, (size_t)k + 1)) {
        ks[nsigs] = k;
        sigs[nsigs++] = builtin_table[k].sig;
    }
    const Type *result;
    int m = check_signatures(c, n, sigs, nsigs, &result);
    if (m < 0)
        return err(n);
    n->u.call.builtin = ks[m];
    return set_type(n, result);
}

/* A call of host function k of the host's table: checked as a native's. */
static const Type *check_host(Checker *c, Node *n, int k)
{
    const HostInfo *h = &c->host_table[k];
    const char *sig = h->sig;
    const Type *result;
    if (check_signatures(c, n, &sig, 1, &result) < 0)
        return err(n);
    if (c->host_used[k] < 0) {
        c->host_used[k] = (int)c->out->nhosts;
        PUSH(c->out->hosts, c->out->nhosts, c->hosts_cap, h);
    }
    n->u.call.builtin = CHECK_HOST_CALL(c->host_used[k]);
    return set_type(n, result);
}

static const Type *check_special(Checker *c, Node *n, int idx)
{
    SpecialForm form = special_table[idx].form;
    const char *name = special_table[idx].name;
    NodeList *args = &n->u.call.args;
    n->u.call.special = idx;
    if (args->len == 0) {
        diag_error(c->diags, n->span, "%s() needs a list", name);
        return err(n);
    }
    for (size_t i = 0; i < args->len; i++)
        if (args->items[i]->kind == N_NAMED_ARG) {
            diag_error(c->diags, args->items[i]->span, "%s() takes no named arguments", name);
            return err(n);
        }
    Node *xs = args->items[0];
    if (xs->kind == N_LAMBDA) {
        diag_error(c->diags, xs->span, "the first argument of %s() is the list", name);
        return err(n);
    }
    const Type *lt = check_expr(c, xs, NULL);
    const Type *e = elem_of(lt);
    if ((form == SPECIAL_MIN || form == SPECIAL_MAX) && !e && args->len == 2) {
        /* min(a, b) of two values */
        const Type *tb = check_expr(c, args->items[1], NULL);
        const Type *u = unify(lt, tb);
        if (is_error(lt) || is_error(tb))
            return err(n);
        if (!u || type_is_optional(u) || !type_is_ordered(type_strip(u))) {
            diag_error(c->diags, n->span, "%s() of two values needs two numbers, texts or dates, not %s and %s", name,
                       tname(lt), tname(tb));
            return err(n);
        }
        return set_type(n, u);
    }
    if (!e) {
        diag_error(c->diags, xs->span, "%s() needs a list or a set, not %s", name, tname(lt));
        return err(n);
    }
    /* sort_by takes any number of keys; the others at most one expression. */
    size_t max_args = form == SPECIAL_SORT_BY ? 16 : 2;
    size_t min_args = (form == SPECIAL_MAP || form == SPECIAL_SORT_BY || form == SPECIAL_FIRST_WHERE) ? 2 : 1;
    if (args->len < min_args || args->len > max_args) {
        diag_error(c->diags, n->span, "%s() takes %s", name,
                   form == SPECIAL_SORT_BY ? "a list and one or more keys"
                   : min_args == 2        ? "a list and an expression for each element"
                                          : "a list, and optionally an expression for each element");
        return err(n);
    }
    const Type *each = args->len > 1 ? NULL : e;
    bool pred = form == SPECIAL_COUNT || form == SPECIAL_ANY || form == SPECIAL_ALL || form == SPECIAL_FIRST_WHERE;
    for (size_t i = 1; i < args->len; i++) {
        const Type *t = check_elem_arg(c, &args->items[i], e, pred ? &type_bool : NULL);
        Node *body = args->items[i]->u.lambda.body;
        if (pred)
            expect_type(c, body, &type_bool, "the condition");
        else if (form == SPECIAL_SORT_BY && !is_error(t) && (type_is_optional(t) || !orderable(t)))
            diag_error(c->diags, body->span, "a sort key must be a number, text, date, enum or Bool (or a list of them), not %s",
                       tname(t));
        each = t;
    }
    if (is_error(lt))
        return err(n);
    switch (form) {
    case SPECIAL_COUNT:
        return set_type(n, &type_int);
    case SPECIAL_SUM:
        if (is_error(each))
            return err(n);
        if (!type_is_numeric(each) || type_is_optional(each)) {
            diag_error(c->diags, args->len > 1 ? args->items[1]->span : xs->span, "sum() adds numbers, not %s", tname(each));
            return err(n);
        }
        return set_type(n, each->kind == T_INT ? &type_int : &type_dec);
    case SPECIAL_MIN:
    case SPECIAL_MAX:
        if (is_error(each))
            return err(n);
        if (type_is_optional(each) || !(type_is_ordered(each) || each->kind == T_ENUM)) {
            diag_error(c->diags, n->span, "%s() needs numbers, texts, dates or enum words, not %s", name, tname(each));
            return err(n);
        }
        return set_type(n, type_optional(each));
    case SPECIAL_ANY:
    case SPECIAL_ALL:
        if (args->len == 1 && !is_error(e) && e->kind != T_BOOL) {
            diag_error(c->diags, xs->span, "%s() of a list alone needs a list of Bool; give a condition: %s(xs, .field > 0)",
                       name, name);
            return err(n);
        }
        return set_type(n, &type_bool);
    case SPECIAL_MAP:
        return set_type(n, type_list(each));
    case SPECIAL_SORT_BY:
        return set_type(n, type_list(e));
    case SPECIAL_FIRST_WHERE:
        return set_type(n, type_optional(e));
    }
    return err(n);
}

/* Record(field: value, ...): every field that is not optional must be given. */
static const Type *check_construct(Checker *c, Node *n, Symbol *s)
{
    Node *d = s->decl;
    RecordType *rt = d->u.record.rt;
    NodeList *args = &n->u.call.args;
    n->u.call.sym = s;
    if (!rt)
        return err(n);
    bool bad = false;
    Node **given = rg_alloc((rt->nfields ? rt->nfields : 1) * sizeof *given);
    for (size_t i = 0; i < args->len; i++) {
        Node *a = args->items[i];
        if (a->kind != N_NAMED_ARG) {
            diag_error(c->diags, a->span, "name the field this value is for: %s(%s: ...)", rt->name,
                       rt->nfields ? rt->fields[i < rt->nfields ? i : 0].name : "field");
            bad = true;
            if (a->kind != N_LAMBDA)
                check_expr(c, a, NULL);
            continue;
        }
        int f = record_field_index(rt, a->u.named.name.name);
        if (f < 0) {
            unknown_field(c, a->u.named.name, rt);
            check_expr(c, a->u.named.value, NULL);
            bad = true;
            continue;
        }
        if (given[f]) {
            diag_error(c->diags, a->u.named.name.span, "field '%s' is given twice", rt->fields[f].name);
            bad = true;
        }
        given[f] = a;
        const Type *want = rt->fields[f].type;
        check_expr(c, a->u.named.value, want);
        if (expect_type(c, a->u.named.value, want, rg_sprintf("field %s", rt->fields[f].name)))
            diag_note(c->diags, rt->fields[f].span, "field '%s' of %s is declared %s here", rt->fields[f].name,
                      rt->name, tname(want));
        a->type = a->u.named.value->type;
    }
    RgBuf missing;
    buf_init(&missing);
    for (size_t f = 0; f < rt->nfields; f++)
        if (!given[f] && !type_is_optional(rt->fields[f].type)) {
            if (missing.len)
                buf_adds(&missing, ", ");
            buf_adds(&missing, rt->fields[f].name);
        }
    if (missing.len) {
        diag_error(c->diags, n->span, "%s needs a value for %s", rt->name, missing.data);
        bad = true;
    }
    return bad ? err(n) : set_type(n, type_record(rt));
}

/* decision(subject): the decision's result for that subject. */
static const Type *check_decision_call(Checker *c, Node *n, Symbol *s)
{
    Node *d = s->decl;
    NodeList *args = &n->u.call.args;
    n->u.call.sym = s;
    if (d == c->decision || d->u.decision.checking) {
        diag_error(c->diags, n->span, "decision %s would use its own result", d->u.decision.name.name);
        return err(n);
    }
    check_decision(c, d);
    if (args->len != 1 || args->items[0]->kind == N_LAMBDA || args->items[0]->kind == N_NAMED_ARG) {
        diag_error(c->diags, n->span, "a decision is asked about one subject: %s(x)", d->u.decision.name.name);
        return err(n);
    }
    Symbol *subj = d->u.decision.subject_sym;
    const Type *want = subj ? subj->type : NULL;
    check_expr(c, args->items[0], want);
    if (want)
        expect_type(c, args->items[0], want, rg_sprintf("the subject of %s", d->u.decision.name.name));
    if (!d->u.decision.result_type)
        return err(n);
    return set_type(n, type_record(d->u.decision.result_type));
}

/* admitted_with(e), in a queue's rules: how many admitted earlier in this
 * queue have the same value of e. e may use only the queue's subject, as
 * it is worked out again for each admitted element. */
static const Type *check_admitted_with(Checker *c, Node *n)
{
    NodeList *args = &n->u.call.args;
    n->u.call.special = -1;
    n->u.call.builtin = -1;
    if (!c->queue) {
        diag_error(c->diags, n->span, "admitted_with(...) counts admissions in a queue; it is used in a queue's rules");
        return err(n);
    }
    if (args->len != 1 || args->items[0]->kind == N_LAMBDA || args->items[0]->kind == N_NAMED_ARG) {
        diag_error(c->diags, n->span, "admitted_with takes one value of the element, as in admitted_with(%s.field)",
                   c->queue->u.queue.subject.name);
        return err(n);
    }
    Node *e = args->items[0];
    /* Checked in a scope that holds the subject alone. */
    Scope *saved = c->scope;
    size_t facts = c->nfacts;
    c->scope = NULL;
    scope_push(c);
    PUSH(c->scope->syms, c->scope->n, c->scope->cap, c->queue->u.queue.subject_sym);
    check_expr(c, e, NULL);
    c->scope = saved;
    c->nfacts = facts;
    size_t k = c->queue->u.queue.counters.len;
    if (k == CHECK_MAX_COUNTERS) {
        diag_error(c->diags, n->span, "a queue has at most %d admitted_with counts", CHECK_MAX_COUNTERS);
        return err(n);
    }
    nodes_push(&c->queue->u.queue.counters, e);
    n->u.call.builtin = (int)k; /* the counter's number */
    return set_type(n, &type_int);
}

static const Type *check_call(Checker *c, Node *n)
{
    const char *name = n->u.call.callee.name;
    n->u.call.builtin = -1;
    n->u.call.special = -1;
    if (lookup_local(c, name)) {
        diag_error(c->diags, n->u.call.callee.span, "'%s' is a value, not a function", name);
        return err(n);
    }
    Symbol *s = lookup_top(c, name, n->u.call.callee.span);
    if (from_broken_module(s))
        return err(n);
    if (c->in_const && !(s && s->kind == SYM_RECORD)) {
        diag_error(c->diags, n->span, "a constant can only use literals, records and other constants, not calls");
        return err(n);
    }
    if (!s) {
        if (strcmp(name, "admitted_with") == 0)
            return check_admitted_with(c, n);
        int sp = special_find(name);
        if (sp >= 0)
            return check_special(c, n, sp);
        int bi = builtin_find(name, 0);
        if (bi >= 0)
            return check_native(c, n, bi);
        int hi = host_find(c, name);
        if (hi >= 0)
            return check_host(c, n, hi);
        diag_error(c->diags, n->u.call.callee.span, "unknown function '%s'", name);
        suggest(c, name, visible_names(c, false));
        /* Its arguments are not checked: without the function it is unknown
         * whether they are values or expressions for each element. */
        return err(n);
    }
    switch (s->kind) {
    case SYM_RECORD:
        return check_construct(c, n, s);
    case SYM_DECISION:
        return check_decision_call(c, n, s);
    case SYM_FN:
    case SYM_TABLE:
        break;
    default:
        diag_error(c->diags, n->u.call.callee.span, "'%s' is not a function", name);
        return err(n);
    }
    Node *f = s->decl;
    n->u.call.sym = s;
    s->used = true;
    bool is_table = s->kind == SYM_TABLE;
    if (is_table ? f->u.table.checking : f->u.fn.checking) {
        RgBuf chain;
        buf_init(&chain);
        size_t from = 0;
        for (size_t i = 0; i < c->nfn_stack; i++)
            if (c->fn_stack[i] == f)
                from = i;
        for (size_t i = from; i < c->nfn_stack; i++) {
            Node *g = c->fn_stack[i];
            buf_printf(&chain, "%s -> ", g->kind == N_TABLE ? g->u.table.name.name : g->u.fn.name.name);
        }
        buf_adds(&chain, name);
        diag_error(c->diags, n->span, "functions cannot call themselves (%s): every evaluation must end", chain.data);
        return err(n);
    }
    check_fn(c, f, s->module);
    NodeList *params = is_table ? &f->u.table.params : &f->u.fn.params;
    NodeList *args = &n->u.call.args;
    if (args->len != params->len) {
        diag_error(c->diags, n->span, "%s() takes %zu argument%s, not %zu", name, params->len,
                   params->len == 1 ? "" : "s", args->len);
        where_declared(c, is_table ? f->u.table.name.span : f->u.fn.name.span, "it is declared at");
    }
    for (size_t i = 0; i < args->len; i++) {
        Node *a = args->items[i];
        if (a->kind == N_LAMBDA || a->kind == N_NAMED_ARG) {
            diag_error(c->diags, a->span, "%s() takes plain values as arguments", name);
            continue;
        }
        Node *param = i < params->len ? params->items[i] : NULL;
        const Type *want = param ? param->u.param.type_ann->type : NULL;
        check_expr(c, a, want);
        if (want && expect_type(c, a, want, rg_sprintf("argument %zu of %s()", i + 1, name)))
            diag_note(c->diags, param->u.param.type_ann->span, "parameter '%s' of %s() is declared %s here",
                      param->u.param.name.name, name, tname(want));
    }
    return set_type(n, s->type ? s->type : &type_error);
}

/* Q[x]: x's entry in queue Q, or none when x is not in the queue. */
static const Type *check_queue_lookup(Checker *c, Node *n, Node *q)
{
    if (q == c->queue || q->u.queue.checking) {
        diag_error(c->diags, n->span, "queue %s would use its own result", q->u.queue.name.name);
        check_expr(c, n->u.index.index, NULL);
        return err(n);
    }
    check_queue(c, q);
    Symbol *subj = q->u.queue.subject_sym;
    const Type *want = subj ? subj->type : NULL;
    check_expr(c, n->u.index.index, want);
    if (want)
        expect_type(c, n->u.index.index, want, rg_sprintf("an element of %s", q->u.queue.name.name));
    return set_type(n, type_optional(type_record(c->out->queue_entry_type)));
}

static const Type *check_index(Checker *c, Node *n)
{
    Node *obj = n->u.index.obj;
    if (obj->kind == N_NAME && !lookup_local(c, obj->u.name.name)) {
        Symbol *q = lookup_top(c, obj->u.name.name, obj->span);
        if (q && q->kind == SYM_QUEUE) {
            obj->u.name.sym = q;
            if (from_broken_module(q))
                return err(n);
            return check_queue_lookup(c, n, q->decl);
        }
    }
    const Type *ot = check_expr(c, obj, NULL);
    if (is_error(ot)) {
        check_expr(c, n->u.index.index, NULL);
        return err(n);
    }
    if (obj->kind == N_NAME && obj->u.name.sym && obj->u.name.sym->kind == SYM_SOURCE) {
        Node *decl = obj->u.name.sym->decl;
        SourceSpec *sp = decl->u.source.index >= 0 && (size_t)decl->u.source.index < c->out->nsources
                             ? c->out->sources[decl->u.source.index]
                             : NULL;
        if (!sp || !sp->type)
            return err(n);
        if (sp->key_field < 0) {
            diag_error(c->diags, n->span, "source %s has no key, so it cannot be looked up with [...]", sp->name);
            diag_hint(c->diags, "declare one (source %s: ... key field) or filter it with where", sp->name);
            check_expr(c, n->u.index.index, NULL);
            return err(n);
        }
        const Type *kt = sp->type->fields[sp->key_field].type;
        check_expr(c, n->u.index.index, kt);
        expect_type(c, n->u.index.index, kt, rg_sprintf("the key of %s", sp->name));
        return set_type(n, type_optional(type_record((RecordType *)sp->type)));
    }
    if (ot->kind == T_LIST) {
        check_expr(c, n->u.index.index, &type_int);
        expect_type(c, n->u.index.index, &type_int, "a list position");
        return set_type(n, ot->elem);
    }
    diag_error(c->diags, obj->span, "[...] looks up a keyed source or a list position, not %s", tname(ot));
    check_expr(c, n->u.index.index, NULL);
    return err(n);
}


static const Type *check_if(Checker *c, Node *n, const Type *expected)
{
    check_bool(c, n->u.cond.cond, "the condition of if");
    size_t mark = c->nfacts;
    const Type *tt, *te;
    /* `if c then [] else [x]`: the empty branch takes the other's type. */
    if (!expected && is_empty_list(n->u.cond.then) && !is_empty_list(n->u.cond.els)) {
        learn(c, n->u.cond.cond, false, false);
        te = check_expr(c, n->u.cond.els, NULL);
        c->nfacts = mark;
        learn(c, n->u.cond.cond, true, false);
        tt = check_expr(c, n->u.cond.then, te);
    } else {
        learn(c, n->u.cond.cond, true, false);
        tt = check_expr(c, n->u.cond.then, expected);
        c->nfacts = mark;
        learn(c, n->u.cond.cond, false, false);
        te = check_expr(c, n->u.cond.els, expected ? expected : tt);
    }
    c->nfacts = mark;
    const Type *u = unify(tt, te);
    if (!u) {
        diag_error(c->diags, n->span, "the two branches of if give different types: %s and %s", tname(tt), tname(te));
        note_origin(c, n->u.cond.then);
        note_origin(c, n->u.cond.els);
        return err(n);
    }
    return set_type(n, u);
}

static bool is_empty_list(const Node *n)
{
    return n->kind == N_LIST && n->u.list.len == 0;
}

static const Type *check_list(Checker *c, Node *n, const Type *expected)
{
    const Type *want = expected ? elem_of(type_strip(expected)) : NULL;
    const Type *acc = NULL;
    /* Empty lists among the elements take their type from the others, so
     * they are checked last: [[1], [], [2, 3]]. */
    for (int pass = 0; pass < 2; pass++)
    for (size_t i = 0; i < n->u.list.len; i++) {
        Node *e = n->u.list.items[i];
        if (is_empty_list(e) != (pass == 1))
            continue;
        const Type *t = check_expr(c, e, pass == 1 && acc ? acc : want);
        if (!acc) {
            acc = t;
            continue;
        }
        const Type *u = unify(acc, t);
        if (!u) {
            diag_error(c->diags, e->span, "a list holds one type of element: this is %s, the ones before are %s", tname(t),
                       tname(acc));
            return err(n);
        }
        acc = u;
    }
    if (!acc) {
        if (!want) {
            diag_error(c->diags, n->span, "the type of an empty list [] must come from where it is used");
            diag_hint(c->diags, "give it one: let xs: List<Text> = []");
            return err(n);
        }
        acc = want;
    }
    return set_type(n, type_list(acc));
}

static const Type *check_expr(Checker *c, Node *n, const Type *expected)
{
    switch (n->kind) {
    case N_INT: return set_type(n, &type_int);
    case N_DEC: return set_type(n, &type_dec);
    case N_TEXT: return set_type(n, &type_text);
    case N_BOOL: return set_type(n, &type_bool);
    case N_NONE: return set_type(n, &type_none);
    case N_DATE: return set_type(n, &type_date);
    case N_INTERP:
        for (size_t i = 0; i < n->u.list.len; i++)
            if (n->u.list.items[i]->kind != N_TEXT || (i % 2) == 0)
                check_expr(c, n->u.list.items[i], NULL);
        return set_type(n, &type_text);
    case N_LIST: return check_list(c, n, expected);
    case N_NAME: return check_name(c, n, expected);
    case N_IT: {
        Symbol *e = innermost_elem(c);
        if (!e) {
            diag_error(c->diags, n->span, "'it' is the element inside where, count, sum, any, all, map ...; there is none here");
            return err(n);
        }
        n->u.name.sym = e;
        return set_type(n, narrow(c, n, e->type));
    }
    case N_ELEM_FIELD: return check_elem_field(c, n);
    case N_QUEUE_STATE:
        if (!c->queue) {
            diag_error(c->diags, n->span, "capacity is the number of places of a queue; it is used in a queue's rules");
            return err(n);
        }
        return set_type(n, &type_int);
    case N_FIELD: return check_field(c, n);
    case N_INDEX: return check_index(c, n);
    case N_CALL: return check_call(c, n);
    case N_LAMBDA:
        diag_error(c->diags, n->span, "x => ... is only written as an argument of where, count, sum, any, all, map ...");
        return err(n);
    case N_NAMED_ARG:
        diag_error(c->diags, n->span, "a named argument is not allowed here");
        return err(n);
    case N_UNARY: {
        if (n->u.op.op == OP_NOT) {
            check_bool(c, n->u.op.a, "the operand of not");
            return set_type(n, &type_bool);
        }
        if (n->u.op.op == OP_UNWRAP) {
            const Type *t = check_expr(c, n->u.op.a, expected ? type_optional(expected) : NULL);
            if (is_error(t))
                return err(n);
            if (!type_is_optional(t)) {
                diag_error(c->diags, n->u.op.a->span, "this is never none (its type is %s), so ! is not needed", tname(t));
                note_origin(c, n->u.op.a);
                return err(n);
            }
            if (t->kind == T_NONE) {
                diag_error(c->diags, n->u.op.a->span, "this is always none");
                return err(n);
            }
            return set_type(n, t->elem);
        }
        const Type *t = check_expr(c, n->u.op.a, NULL);
        if (is_error(t))
            return err(n);
        if (t->kind != T_INT && t->kind != T_DEC && t->kind != T_DURATION) {
            diag_error(c->diags, n->span, "- cannot be used on %s", tname(t));
            return err(n);
        }
        return set_type(n, t);
    }
    case N_BINARY: return check_binary(c, n);
    case N_IF: return check_if(c, n, expected);
    case N_WHERE: return check_where(c, n);
    case N_VALUE:
        return n->type;
    case N_DURATION: {
        const Type *t = check_expr(c, n->u.dur.amount, &type_int);
        expect_type(c, n->u.dur.amount, &type_int, "the number of a duration");
        if (is_error(t))
            return err(n);
        return set_type(n, &type_duration);
    }
    default:
        diag_error(c->diags, n->span, "a %s is not an expression", node_kind_name(n->kind));
        return err(n);
    }
}

/* ---------------------------------------------------------------- warnings
 *
 * A warning points at something that compiles and runs but is probably
 * not what the author meant: a rule that can never fail, a let nobody
 * uses, a table row that can never be chosen. Only policy files get them;
 * the stdlib is not the author's to change.
 */

/* Adds a warning unless the module being checked is the stdlib; false
 * when it did not (the caller then adds no hint or note). */
static bool warn(Checker *c, Span span, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static bool warn(Checker *c, Span span, const char *fmt, ...)
{
    if (c->mod && c->mod->stdlib)
        return false;
    RgBuf b;
    buf_init(&b);
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    diag_warning(c->diags, span, "%s", b.data);
    return !c->diags->last_dropped;
}

/* Whether a and b are written alike, up to spacing, comments and
 * parentheses. Names are compared by name: the two expressions are meant
 * to be in one scope (the rows of a table, the sides of a comparison). */
static bool same_shape(const Node *a, const Node *b)
{
    if (!a || !b)
        return a == b;
    if (a->kind != b->kind)
        return false;
    switch (a->kind) {
    case N_INT: return a->u.i == b->u.i;
    case N_DEC: return dec_cmp(a->u.dec, b->u.dec) == 0;
    case N_TEXT: return a->u.text.n == b->u.text.n && memcmp(a->u.text.s, b->u.text.s, a->u.text.n) == 0;
    case N_BOOL: return a->u.b == b->u.b;
    case N_DATE: return a->u.date == b->u.date;
    case N_NONE:
    case N_IT: return true;
    case N_NAME: return strcmp(a->u.name.name, b->u.name.name) == 0;
    case N_ELEM_FIELD:
    case N_FIELD:
        return a->u.field.safe == b->u.field.safe && strcmp(a->u.field.field.name, b->u.field.field.name) == 0 &&
               same_shape(a->u.field.obj, b->u.field.obj);
    case N_INDEX: return same_shape(a->u.index.obj, b->u.index.obj) && same_shape(a->u.index.index, b->u.index.index);
    case N_CALL:
        if (strcmp(a->u.call.callee.name, b->u.call.callee.name) != 0 || a->u.call.args.len != b->u.call.args.len)
            return false;
        for (size_t i = 0; i < a->u.call.args.len; i++)
            if (!same_shape(a->u.call.args.items[i], b->u.call.args.items[i]))
                return false;
        return true;
    case N_INTERP:
    case N_LIST:
        if (a->u.list.len != b->u.list.len)
            return false;
        for (size_t i = 0; i < a->u.list.len; i++)
            if (!same_shape(a->u.list.items[i], b->u.list.items[i]))
                return false;
        return true;
    case N_LAMBDA:
        if (!a->u.lambda.param.name || !b->u.lambda.param.name)
            return a->u.lambda.param.name == b->u.lambda.param.name && same_shape(a->u.lambda.body, b->u.lambda.body);
        return strcmp(a->u.lambda.param.name, b->u.lambda.param.name) == 0 &&
               same_shape(a->u.lambda.body, b->u.lambda.body);
    case N_NAMED_ARG:
        return strcmp(a->u.named.name.name, b->u.named.name.name) == 0 && same_shape(a->u.named.value, b->u.named.value);
    case N_UNARY:
    case N_BINARY:
        return a->u.op.op == b->u.op.op && same_shape(a->u.op.a, b->u.op.a) && same_shape(a->u.op.b, b->u.op.b);
    case N_IF:
        return same_shape(a->u.cond.cond, b->u.cond.cond) && same_shape(a->u.cond.then, b->u.cond.then) &&
               same_shape(a->u.cond.els, b->u.cond.els);
    case N_WHERE: return same_shape(a->u.where.list, b->u.where.list) && same_shape(a->u.where.pred, b->u.where.pred);
    case N_DURATION: return a->u.dur.unit == b->u.dur.unit && same_shape(a->u.dur.amount, b->u.dur.amount);
    case N_QUEUE_STATE: return a->u.qstate.which == b->u.qstate.which;
    default: return false;
    }
}

/* How deep folding follows constants into other constants; a cycle among
 * them was reported, and must not loop here. */
#define FOLD_MAX_DEPTH 32

/* The Int value of n when it is made of integer literals, constants and
 * + - * on them. */
static bool fold_int(const Node *n, int64_t *v, int depth)
{
    if (depth > FOLD_MAX_DEPTH || !n->type || n->type->kind != T_INT)
        return false;
    int64_t x, y;
    switch (n->kind) {
    case N_INT:
        *v = n->u.i;
        return true;
    case N_NAME: {
        const Symbol *s = n->u.name.sym;
        return s && s->kind == SYM_CONST && s->decl->kind == N_CONST && fold_int(s->decl->u.constant.value, v, depth + 1);
    }
    case N_UNARY:
        if (n->u.op.op != OP_NEG || !fold_int(n->u.op.a, &x, depth + 1) || x == INT64_MIN)
            return false;
        *v = -x;
        return true;
    case N_BINARY:
        if (!fold_int(n->u.op.a, &x, depth + 1) || !fold_int(n->u.op.b, &y, depth + 1))
            return false;
        switch (n->u.op.op) {
        case OP_ADD: return !__builtin_add_overflow(x, y, v);
        case OP_SUB: return !__builtin_sub_overflow(x, y, v);
        case OP_MUL: return !__builtin_mul_overflow(x, y, v);
        default: return false;
        }
    default:
        return false;
    }
}

/* count(...), length(...), abs(...), admitted and position: never below 0. */
static bool never_negative(const Node *n)
{
    if (n->kind == N_NAME)
        return n->u.name.sym && n->u.name.sym->kind == SYM_QSTATE;
    if (n->kind != N_CALL || n->u.call.sym || !n->type || !type_is_numeric(n->type))
        return false;
    static const char *const names[] = {"count", "length", "abs", "admitted_with"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(n->u.call.callee.name, names[i]) == 0)
            return true;
    return false;
}

/* Why a condition folded to a constant, for the hint. */
typedef enum FoldWhy { WHY_CONSTANTS, WHY_NEVER_NEGATIVE, WHY_SAME_SIDES } FoldWhy;

static bool compare_ints(Op op, int64_t x, int64_t y)
{
    switch (op) {
    case OP_EQ: return x == y;
    case OP_NE: return x != y;
    case OP_LT: return x < y;
    case OP_LE: return x <= y;
    case OP_GT: return x > y;
    default: return x >= y;
    }
}

/* The operator that says the same with its sides swapped: k < n is n > k. */
static Op swapped(Op op)
{
    switch (op) {
    case OP_LT: return OP_GT;
    case OP_LE: return OP_GE;
    case OP_GT: return OP_LT;
    case OP_GE: return OP_LE;
    default: return op;
    }
}

static bool fold_bool(const Node *n, bool *v, FoldWhy *why, int depth);

/* a op b when it is known without running: both sides constant Ints or
 * Bools, a count compared with a constant it can never go below, or the
 * same expression on both sides. */
static bool fold_compare(Op op, const Node *a, const Node *b, bool *v, FoldWhy *why, int depth)
{
    int64_t x, y;
    bool p, q;
    if (fold_int(a, &x, depth) && fold_int(b, &y, depth)) {
        *v = compare_ints(op, x, y);
        return true;
    }
    if ((op == OP_EQ || op == OP_NE) && a->type && a->type->kind == T_BOOL && fold_bool(a, &p, why, depth) &&
        fold_bool(b, &q, why, depth)) {
        *v = (p == q) == (op == OP_EQ);
        return true;
    }
    if (same_shape(a, b)) {
        *why = WHY_SAME_SIDES;
        *v = op == OP_EQ || op == OP_LE || op == OP_GE;
        return true;
    }
    /* n op k with n >= 0: settled when k is below 0, or is 0 for >= and <. */
    const Node *counted = never_negative(a) ? a : never_negative(b) ? b : NULL;
    if (!counted || !fold_int(counted == a ? b : a, &y, depth))
        return false;
    if (counted == b)
        op = swapped(op);
    if (y < 0 || (y == 0 && (op == OP_GE || op == OP_LT))) {
        *why = WHY_NEVER_NEGATIVE;
        *v = op == OP_GE || op == OP_GT || op == OP_NE;
        return true;
    }
    return false;
}

/* The value of the Bool condition n when it is known without running. */
static bool fold_bool(const Node *n, bool *v, FoldWhy *why, int depth)
{
    if (depth > FOLD_MAX_DEPTH || !n->type || n->type->kind != T_BOOL)
        return false;
    bool x, y;
    switch (n->kind) {
    case N_BOOL:
        *v = n->u.b;
        return true;
    case N_NAME: {
        const Symbol *s = n->u.name.sym;
        return s && s->kind == SYM_CONST && s->decl->kind == N_CONST &&
               fold_bool(s->decl->u.constant.value, v, why, depth + 1);
    }
    case N_UNARY:
        if (n->u.op.op != OP_NOT || !fold_bool(n->u.op.a, &x, why, depth + 1))
            return false;
        *v = !x;
        return true;
    case N_IF:
        if (!fold_bool(n->u.cond.cond, &x, why, depth + 1))
            return false;
        return fold_bool(x ? n->u.cond.then : n->u.cond.els, v, why, depth + 1);
    case N_BINARY: {
        Op op = n->u.op.op;
        if (op == OP_AND || op == OP_OR) {
            /* One side settles it: false for and, true for or. */
            bool settles = op == OP_OR;
            bool kx = fold_bool(n->u.op.a, &x, why, depth + 1);
            bool ky = fold_bool(n->u.op.b, &y, why, depth + 1);
            if ((kx && x == settles) || (ky && y == settles)) {
                *v = settles;
                return true;
            }
            if (kx && ky) {
                *v = !settles;
                return true;
            }
            return false;
        }
        if (op == OP_EQ || op == OP_NE || op == OP_LT || op == OP_LE || op == OP_GT || op == OP_GE)
            return fold_compare(op, n->u.op.a, n->u.op.b, v, why, depth + 1);
        return false;
    }
    default:
        return false;
    }
}

/* True when cond is known to hold whatever the data (its type checked). */
static bool always_true(const Node *cond, FoldWhy *why)
{
    bool v;
    *why = WHY_CONSTANTS;
    return fold_bool(cond, &v, why, 0) && v;
}

static const char *why_text(FoldWhy why)
{
    switch (why) {
    case WHY_NEVER_NEGATIVE: return "count(), length() and abs() are never negative";
    case WHY_SAME_SIDES: return "both sides of the comparison are the same";
    default: return "the condition uses constants only";
    }
}

static void warn_rule_cannot_fail(Checker *c, const Node *r)
{
    FoldWhy why;
    if (!always_true(r->u.rule.cond, &why))
        return;
    const char *kind = r->u.rule.severity == SEV_MUST ? "must" : r->u.rule.severity == SEV_SHOULD ? "should" : "guard";
    if (warn(c, r->u.rule.cond->span, "this `%s` rule can never fail: its condition is always true", kind))
        diag_hint(c->diags, "%s; correct the condition, or remove the rule", why_text(why));
}

/* Lets of a body that nothing reads. A name starting with _ says that is
 * meant. */
static void warn_unused_lets(Checker *c, const NodeList *stmts)
{
    for (size_t i = 0; i < stmts->len; i++) {
        const Node *s = stmts->items[i];
        const Symbol *sym = s->kind == N_LET ? s->u.let.sym : NULL;
        if (!sym || sym->used || sym->name[0] == '_')
            continue;
        if (warn(c, s->u.let.name.span, "'%s' is never used", sym->name))
            diag_hint(c->diags, "remove the let, or start its name with _ (_%s) to keep it", sym->name);
    }
}

/* Rows of a first-hit table that can never be chosen: after a row whose
 * condition always holds, and a row with the same condition as an
 * earlier one. Rows after an else row are an error of their own. */
static void warn_unreachable_rows(Checker *c, const NodeList *rows)
{
    for (size_t i = 0; i < rows->len; i++) {
        const Node *r = rows->items[i];
        FoldWhy why;
        if (!r->u.row.cond)
            return;
        if (is_error(r->u.row.cond->type))
            continue;
        if (always_true(r->u.row.cond, &why) && i + 1 < rows->len) {
            const Node *next = rows->items[i + 1];
            if (warn(c, next->span, "%s can never be chosen: the row before always holds",
                     i + 2 < rows->len ? "this row and the ones after it" : "this row")) {
                diag_hint(c->diags, "a table takes the first row that holds; correct the condition of the row "
                                    "before, or remove the rows after it");
                diag_note(c->diags, r->u.row.cond->span, "this condition is always true%s%s",
                          why == WHY_CONSTANTS ? "" : ": ", why == WHY_CONSTANTS ? "" : why_text(why));
            }
            return;
        }
        for (size_t j = 0; j < i; j++) {
            const Node *earlier = rows->items[j];
            if (!same_shape(earlier->u.row.cond, r->u.row.cond))
                continue;
            if (warn(c, r->u.row.cond->span, "this row can never be chosen: an earlier row has the same condition")) {
                diag_hint(c->diags, "a table takes the first row that holds; remove this row, or change its condition");
                diag_note(c->diags, earlier->u.row.cond->span, "the same condition, in an earlier row");
            }
            break;
        }
    }
}

/* ---------------------------------------------------------------- declarations */

/* The context of the body being checked. A function or decision checked
 * on demand, in the middle of another body, gets its own element stack
 * and facts, so the one it interrupted is found intact afterwards. */
typedef struct Saved {
    Module *mod;
    Frame *frame;
    Scope *scope;
    Symbol **elems;
    int nelems;
    Fact *facts;
    size_t nfacts, facts_cap;
    Node *decision, *queue;
    int guard_seq;
    bool restricted, in_const;
} Saved;

static Saved save(Checker *c)
{
    Saved s = {c->mod,    c->frame,  c->scope,     c->elems,     c->nelems,     c->facts,   c->nfacts,
               c->facts_cap, c->decision, c->queue, c->guard_seq, c->restricted, c->in_const};
    return s;
}

static void restore(Checker *c, Saved s)
{
    c->mod = s.mod;
    c->frame = s.frame;
    c->scope = s.scope;
    c->elems = s.elems;
    c->nelems = s.nelems;
    c->facts = s.facts;
    c->nfacts = s.nfacts;
    c->facts_cap = s.facts_cap;
    c->decision = s.decision;
    c->queue = s.queue;
    c->guard_seq = s.guard_seq;
    c->restricted = s.restricted;
    c->in_const = s.in_const;
}

/* A fresh context for checking a declaration's body in module m. */
static void enter(Checker *c, Module *m, Node *owner)
{
    c->mod = m;
    Frame *f = rg_alloc(sizeof *f);
    f->owner = owner;
    c->frame = f;
    c->scope = NULL;
    scope_push(c);
    c->elems = rg_alloc(MAX_ELEM_NESTING * sizeof *c->elems);
    c->nelems = 0;
    c->facts = NULL;
    c->nfacts = 0;
    c->facts_cap = 0;
    c->decision = NULL;
    c->queue = NULL;
    c->guard_seq = INT_MAX;
    c->restricted = false;
    c->in_const = false;
}

static void check_const(Checker *c, Node *d, Module *m)
{
    if (d->u.constant.checked)
        return;
    Symbol *s = d->u.constant.sym;
    if (d->u.constant.checking) {
        diag_error(c->diags, d->u.constant.name.span, "constant '%s' is defined in terms of itself", d->u.constant.name.name);
        if (s)
            s->type = &type_error;
        d->u.constant.checked = true;
        return;
    }
    d->u.constant.checking = true;
    Saved sv = save(c);
    enter(c, m, d);
    c->in_const = true;
    const Type *want = d->u.constant.type_ann ? resolve_type(c, d->u.constant.type_ann) : NULL;
    const Type *t = check_root(c, d->u.constant.value, want);
    if (want) {
        expect_type(c, d->u.constant.value, want, rg_sprintf("the value of %s", d->u.constant.name.name));
        t = want;
    }
    restore(c, sv);
    d->u.constant.checking = false;
    if (d->u.constant.checked)
        return; /* a cycle through it was reported meanwhile */
    d->u.constant.checked = true;
    if (s)
        s->type = t;
    size_t n = c->out->nconsts;
    PUSH(c->out->consts, n, c->consts_cap, d);
    c->out->nconsts = n;
}

/* A decision table: rows of condition => value, with a hit policy: first
 * (the first row that holds; the default), unique (exactly one may hold),
 * all (the values of every row that holds, as a list). */
static void check_table(Checker *c, Node *t, Module *m)
{
    if (t->u.table.checked || t->u.table.checking)
        return;
    t->u.table.checking = true;
    PUSH(c->fn_stack, c->nfn_stack, c->fn_stack_cap, t);
    Saved sv = save(c);
    enter(c, m, t);
    NodeList *params = &t->u.table.params;
    for (size_t i = 0; i < params->len; i++) {
        Node *p = params->items[i];
        p->u.param.sym = declare_local(c, p->u.param.name, resolve_type(c, p->u.param.type_ann), p);
    }
    const Type *ret = resolve_type(c, t->u.table.ret);
    const char *hit = t->u.table.hit.name ? t->u.table.hit.name : "first";
    if (strcmp(hit, "first") && strcmp(hit, "unique") && strcmp(hit, "all")) {
        diag_error(c->diags, t->u.table.hit.span, "a table's hit policy is first, unique or all, not '%s'", hit);
        static const char *const policies[] = {"first", "unique", "all"};
        const char *best = text_suggest(hit, policies, 3);
        if (best)
            diag_hint(c->diags, "did you mean '%s'?", best);
        hit = "first";
    }
    bool has_else = false;
    NodeList *rows = &t->u.table.rows;
    for (size_t i = 0; i < rows->len; i++) {
        Node *r = rows->items[i];
        if (!r->u.row.cond) {
            if (i + 1 != rows->len) {
                diag_error(c->diags, r->span, "the else row comes last: no row after it can be reached");
                diag_hint(c->diags, "move the else row to the end of the table");
            }
            if (strcmp(hit, "all") == 0)
                diag_error(c->diags, r->span, "a table with hit policy all has no else row");
            has_else = true;
        } else {
            check_root(c, r->u.row.cond, &type_bool);
            expect_type(c, r->u.row.cond, &type_bool, "a row's condition");
        }
        check_root(c, r->u.row.value, ret);
        expect_type(c, r->u.row.value, ret, "a row's value");
    }
    if (strcmp(hit, "first") == 0)
        warn_unreachable_rows(c, rows);
    const Type *result;
    if (strcmp(hit, "all") == 0)
        result = type_list(ret);
    else
        result = has_else ? ret : type_optional(ret);
    t->u.table.nslots = c->frame->next_slot;
    restore(c, sv);
    c->nfn_stack--;
    t->u.table.checking = false;
    t->u.table.checked = true;
    if (t->u.table.sym)
        t->u.table.sym->type = result;
    t->u.table.index = (int)c->out->nfns;
    size_t n = c->out->nfns;
    PUSH(c->out->fns, n, c->fns_cap, t);
    c->out->nfns = n;
}

static void check_fn(Checker *c, Node *f, Module *m)
{
    if (f->kind == N_TABLE) {
        check_table(c, f, m);
        return;
    }
    if (f->u.fn.checked || f->u.fn.checking)
        return;
    f->u.fn.checking = true;
    PUSH(c->fn_stack, c->nfn_stack, c->fn_stack_cap, f);
    Saved sv = save(c);
    enter(c, m, f);
    size_t errors = c->diags->errors;
    NodeList *params = &f->u.fn.params;
    for (size_t i = 0; i < params->len; i++) {
        Node *p = params->items[i];
        const Type *t = resolve_type(c, p->u.param.type_ann);
        p->u.param.sym = declare_local(c, p->u.param.name, t, p);
    }
    const Type *ret = f->u.fn.ret ? resolve_type(c, f->u.fn.ret) : NULL;
    for (size_t i = 0; i < f->u.fn.lets.len; i++) {
        Node *l = f->u.fn.lets.items[i];
        const Type *want = l->u.let.type_ann ? resolve_type(c, l->u.let.type_ann) : NULL;
        const Type *t = check_root(c, l->u.let.value, want);
        if (want) {
            expect_type(c, l->u.let.value, want, rg_sprintf("the value of %s", l->u.let.name.name));
            t = want;
        }
        l->u.let.sym = declare_local(c, l->u.let.name, t, l);
    }
    const Type *t = check_root(c, f->u.fn.body, ret);
    if (ret) {
        expect_type(c, f->u.fn.body, ret, rg_sprintf("the result of %s()", f->u.fn.name.name));
        t = ret;
    }
    /* After an error a use may not have been seen (an unknown function's
     * arguments are not checked), so an unused let would be a guess. */
    if (c->diags->errors == errors)
        warn_unused_lets(c, &f->u.fn.lets);
    f->u.fn.nslots = c->frame->next_slot;
    restore(c, sv);
    c->nfn_stack--;
    f->u.fn.checking = false;
    f->u.fn.checked = true;
    if (f->u.fn.sym)
        f->u.fn.sym->type = t;
    f->u.fn.index = (int)c->out->nfns;
    size_t n = c->out->nfns;
    PUSH(c->out->fns, n, c->fns_cap, f);
    c->out->nfns = n;
}

static void check_rule(Checker *c, Node *r)
{
    bool each = r->u.rule.each.name != NULL;
    if (each) {
        if (r->u.rule.severity == SEV_GUARD)
            diag_error(c->diags, r->u.rule.each.span, "a guard checks one condition; it cannot run for each element");
        const Type *lt = check_root(c, r->u.rule.each_list, NULL);
        const Type *e = elem_of(lt);
        if (!e) {
            diag_error(c->diags, r->u.rule.each_list->span, "for ... in needs a list or a set, not %s", tname(lt));
            e = &type_error;
        }
        scope_push(c);
        r->u.rule.each_sym = declare_local(c, r->u.rule.each, e, r);
    }
    check_root(c, r->u.rule.cond, &type_bool);
    expect_type(c, r->u.rule.cond, &type_bool, "a rule's condition");
    warn_rule_cannot_fail(c, r);
    check_root(c, r->u.rule.message, &type_text);
    expect_type(c, r->u.rule.message, &type_text, "a rule's message");
    if (each)
        scope_pop(c);
    r->u.rule.index = (int)c->out->nrules;
    size_t n = c->out->nrules;
    PUSH(c->out->rules, n, c->rules_cap, r);
    c->out->nrules = n;
    if (r->u.rule.severity == SEV_GUARD && !each) {
        learn(c, r->u.rule.cond, true, true);
        if (c->guard_seq == INT_MAX)
            c->guard_seq = c->frame->seq;
    }
}

static void check_include(Checker *c, Node *s)
{
    Ident name = s->u.include.decision;
    Symbol *t = lookup_top(c, name.name, name.span);
    check_root(c, s->u.include.arg, NULL);
    if (from_broken_module(t))
        return;
    if (t && t->kind == SYM_QUEUE) {
        Node *q = t->decl;
        if (q == c->queue || q->u.queue.checking) {
            diag_error(c->diags, name.span, "queue %s would use its own result", name.name);
            return;
        }
        check_queue(c, q);
        s->u.include.target = q;
        Symbol *subj = q->u.queue.subject_sym;
        if (subj && s->u.include.arg->type)
            expect_type(c, s->u.include.arg, subj->type, rg_sprintf("an element of %s", name.name));
        return;
    }
    if (!t || t->kind != SYM_DECISION) {
        diag_error(c->diags, name.span, "%s is not a decision or a queue", name.name);
        Names ns = {0};
        names_of_map(&ns, &c->mod->names, SYM_DECISION);
        names_of_map(&ns, &c->mod->names, SYM_QUEUE);
        for (size_t i = 0; i < c->mod->nimports; i++) {
            names_of_map(&ns, &c->mod->imports[i]->names, SYM_DECISION);
            names_of_map(&ns, &c->mod->imports[i]->names, SYM_QUEUE);
        }
        suggest(c, name.name, ns);
        return;
    }
    Node *target = t->decl;
    if (target == c->decision || target->u.decision.checking) {
        diag_error(c->diags, name.span, "decision %s would include itself", target->u.decision.name.name);
        return;
    }
    check_decision(c, target);
    s->u.include.target = target;
    Symbol *subj = target->u.decision.subject_sym;
    if (subj && s->u.include.arg->type)
        expect_type(c, s->u.include.arg, subj->type, rg_sprintf("the subject of %s", target->u.decision.name.name));
}

static void check_outcome(Checker *c, Node *o)
{
    NodeList *arms = &o->u.outcome.arms;
    for (size_t i = 0; i < arms->len; i++) {
        Node *a = arms->items[i];
        for (size_t j = 0; j < i; j++)
            if (strcmp(arms->items[j]->u.arm.word.name, a->u.arm.word.name) == 0) {
                diag_error(c->diags, a->u.arm.word.span, "the outcome word '%s' appears twice", a->u.arm.word.name);
                break;
            }
        if (a->u.arm.cond) {
            c->restricted = true;
            check_root(c, a->u.arm.cond, &type_bool);
            expect_type(c, a->u.arm.cond, &type_bool, "an outcome's condition");
            c->restricted = false;
        }
    }
}

static void check_let(Checker *c, Node *s)
{
    const Type *want = s->u.let.type_ann ? resolve_type(c, s->u.let.type_ann) : NULL;
    const Type *t = check_root(c, s->u.let.value, want);
    if (want) {
        expect_type(c, s->u.let.value, want, rg_sprintf("the value of %s", s->u.let.name.name));
        t = want;
    }
    s->u.let.sym = declare_local(c, s->u.let.name, t, s);
}

/* The value a call of decision d gives: its key, outcome, whether it
 * passed, the refs that failed and the reasons, then its extra fields. */
static void make_result_type(Checker *c, Node *d)
{
    const char *name = d->u.decision.name.name;
    EnumType *words = rg_alloc(sizeof *words);
    words->name = name;
    words->span = d->u.decision.name.span;
    size_t nfields = 0;
    NodeList *body = &d->u.decision.body;
    for (size_t i = 0; i < body->len; i++) {
        Node *s = body->items[i];
        if (s->kind == N_OUT_FIELD)
            nfields++;
        if (s->kind == N_OUTCOME && !words->nwords) {
            NodeList *arms = &s->u.outcome.arms;
            words->words = rg_alloc(arms->len * sizeof *words->words);
            for (size_t k = 0; k < arms->len; k++)
                words->words[words->nwords++] = arms->items[k]->u.arm.word.name;
        }
    }
    words->spellings = words->words;
    words->texts = words->words;
    RecordType *rt = builtin_record(c, name, RESULT_NFIXED + nfields);
    rt->span = d->u.decision.name.span;
    set_field(rt, RESULT_KEY, "key", &type_text);
    set_field(rt, RESULT_OUTCOME, "outcome", type_enum(words));
    set_field(rt, RESULT_PASSED, "passed", &type_bool);
    set_field(rt, RESULT_FAILED, "failed", type_list(&type_text));
    set_field(rt, RESULT_REASONS, "reasons", type_list(type_record(c->out->reason_type)));
    size_t k = RESULT_NFIXED;
    for (size_t i = 0; i < body->len; i++) {
        Node *s = body->items[i];
        if (s->kind == N_OUT_FIELD)
            set_field(rt, k++, s->u.out_field.name.name,
                      s->u.out_field.value->type ? s->u.out_field.value->type : &type_error);
    }
    d->u.decision.words = words;
    d->u.decision.result_type = rt;
}

static void check_decision(Checker *c, Node *d)
{
    if (d->u.decision.checked || d->u.decision.checking)
        return;
    d->u.decision.checking = true;
    Saved sv = save(c);
    enter(c, d->u.decision.module, d);
    c->decision = d;
    size_t errors = c->diags->errors;

    Node *over = d->u.decision.over;
    const Type *ot = check_root(c, over, NULL);
    const Type *e = elem_of(ot);
    if (!e) {
        diag_error(c->diags, over->span, "a decision runs over a source or a list, not %s", tname(ot));
        e = &type_error;
    }
    Symbol *subj = declare_local(c, d->u.decision.subject, e, d);
    d->u.decision.subject_sym = subj;

    if (d->u.decision.id) {
        const Type *kt = check_root(c, d->u.decision.id, NULL);
        if (!is_error(kt) && (type_is_optional(kt) || !(kt->kind == T_TEXT || kt->kind == T_INT || kt->kind == T_ENUM)))
            diag_error(c->diags, d->u.decision.id->span, "a decision's key is Text, Int or an enum word, not %s", tname(kt));
    } else if (!is_error(e)) {
        /* The key comes from the source: `for x in src` or `for x in src where ...`. */
        Node *base = over->kind == N_WHERE ? over->u.where.list : over;
        const Symbol *src = base->kind == N_NAME ? base->u.name.sym : NULL;
        bool keyed = false;
        if (src && src->kind == SYM_SOURCE) {
            int idx = src->decl->u.source.index;
            /* A key that is declared but wrong was reported at the source. */
            keyed = src->decl->u.source.key.name != NULL ||
                    (idx >= 0 && (size_t)idx < c->out->nsources && c->out->sources[idx]->key_field >= 0);
        }
        if (!keyed) {
            diag_error(c->diags, d->u.decision.name.span, "decision %s needs a key for its output lines",
                       d->u.decision.name.name);
            diag_hint(c->diags, "give its source a key (source ...: ... key field), or write `for x in ... key x.field`");
        }
    }

    int outcomes = 0;
    StrMap fields;
    strmap_init(&fields);
    NodeList *body = &d->u.decision.body;
    for (size_t i = 0; i < body->len; i++) {
        Node *s = body->items[i];
        switch (s->kind) {
        case N_LET:
            check_let(c, s);
            break;
        case N_RULE:
            check_rule(c, s);
            break;
        case N_INCLUDE:
            check_include(c, s);
            break;
        case N_OUT_FIELD: {
            const char *name = s->u.out_field.name.name;
            /* The parts of every output line, and of a decision's result. */
            static const char *const reserved[] = {"decision", "id", "outcome", "reasons", "key", "passed", "failed"};
            for (size_t k = 0; k < sizeof reserved / sizeof reserved[0]; k++)
                if (strcmp(name, reserved[k]) == 0)
                    diag_error(c->diags, s->u.out_field.name.span,
                               "'%s' is already a part of every decision's output and result", name);
            if (strmap_get(&fields, name))
                diag_error(c->diags, s->u.out_field.name.span, "field '%s' is given twice", name);
            strmap_put(&fields, name, s);
            c->restricted = true;
            check_root(c, s->u.out_field.value, NULL);
            c->restricted = false;
            break;
        }
        case N_OUTCOME:
            /* Checked after the rest: it is decided last, and sees every
             * name (declared before a guard). */
            if (++outcomes == 2)
                diag_error(c->diags, s->span, "a decision has one outcome statement");
            break;
        default:
            diag_error(c->diags, s->span, "a %s cannot stand in a decision", node_kind_name(s->kind));
            break;
        }
    }
    for (size_t i = 0; i < body->len; i++)
        if (body->items[i]->kind == N_OUTCOME)
            check_outcome(c, body->items[i]);
    if (outcomes == 0) {
        diag_error(c->diags, d->u.decision.name.span, "decision %s has no outcome", d->u.decision.name.name);
        diag_hint(c->diags, "add `outcome ja | nej` (the first word when every must-rule holds)");
    }
    if (c->diags->errors == errors)
        warn_unused_lets(c, body);
    d->u.decision.nslots = c->frame->next_slot;
    make_result_type(c, d);
    restore(c, sv);
    d->u.decision.checking = false;
    d->u.decision.checked = true;
    d->u.decision.index = (int)c->out->ndecisions;
    size_t n = c->out->ndecisions;
    PUSH(c->out->decisions, n, c->decisions_cap, d);
    c->out->ndecisions = n;
}

/* A queue: the elements of `over`, one queue per value of `by`, each in
 * `order`, walked first to last; an element is admitted when its rules
 * hold, and each admission uses one of the `capacity` places. */
static void check_queue(Checker *c, Node *q)
{
    if (q->u.queue.checked || q->u.queue.checking)
        return;
    q->u.queue.checking = true;
    Saved sv = save(c);
    enter(c, q->u.queue.module, q);
    size_t errors = c->diags->errors;
    Node *over = q->u.queue.over;
    const Type *ot = check_root(c, over, NULL);
    const Type *e = elem_of(ot);
    if (!e) {
        diag_error(c->diags, over->span, "a queue holds the elements of a list or source, not %s", tname(ot));
        e = &type_error;
    }
    q->u.queue.subject_sym = declare_local(c, q->u.queue.subject, e, q);
    if (q->u.queue.by)
        check_root(c, q->u.queue.by, NULL);
    for (size_t i = 0; i < q->u.queue.order.len; i++) {
        Node *k = q->u.queue.order.items[i];
        const Type *t = check_root(c, k, NULL);
        if (!is_error(t) && !orderable(type_strip(t)))
            diag_error(c->diags, k->span,
                       "a queue is ordered by numbers, texts, dates, enum words or Bool (or lists of them), not %s",
                       tname(t));
    }
    if (q->u.queue.capacity) {
        check_root(c, q->u.queue.capacity, &type_int);
        expect_type(c, q->u.queue.capacity, &type_int, "the capacity");
    }
    c->queue = q;
    NodeList *body = &q->u.queue.body;
    for (size_t i = 0; i < body->len; i++) {
        Node *s = body->items[i];
        switch (s->kind) {
        case N_LET: check_let(c, s); break;
        case N_RULE: check_rule(c, s); break;
        case N_INCLUDE: check_include(c, s); break;
        default:
            diag_error(c->diags, s->span, "a queue's rules decide admission; a %s belongs in a decision",
                       node_kind_name(s->kind));
            break;
        }
    }
    if (c->diags->errors == errors)
        warn_unused_lets(c, body);
    q->u.queue.nslots = c->frame->next_slot;
    restore(c, sv);
    q->u.queue.checking = false;
    q->u.queue.checked = true;
    q->u.queue.index = (int)c->out->nqueues;
    size_t n = c->out->nqueues;
    PUSH(c->out->queues, n, c->queues_cap, q);
    c->out->nqueues = n;
}

static void check_test(Checker *c, Node *t)
{
    Saved sv = save(c);
    enter(c, t->u.test.module, t);
    size_t errors = c->diags->errors;
    NodeList *body = &t->u.test.body;
    int expects = 0;
    for (size_t i = 0; i < body->len; i++) {
        Node *s = body->items[i];
        switch (s->kind) {
        case N_LET:
            check_let(c, s);
            break;
        case N_GIVEN: {
            s->u.given.source_index = -1;
            if (s->u.given.folder)
                break;
            const char *name = s->u.given.source.name;
            if (strcmp(name, "today") == 0) {
                check_root(c, s->u.given.value, &type_date);
                expect_type(c, s->u.given.value, &type_date, "today");
                break;
            }
            Symbol *src = lookup_top(c, name, s->u.given.source.span);
            if (!src || src->kind != SYM_SOURCE) {
                diag_error(c->diags, s->u.given.source.span, "given names a source (or today), and '%s' is not one", name);
                Names ns = {0};
                names_of_map(&ns, &c->mod->names, SYM_SOURCE);
                for (size_t k = 0; k < c->mod->nimports; k++)
                    names_of_map(&ns, &c->mod->imports[k]->names, SYM_SOURCE);
                names_add(&ns, "today");
                suggest(c, name, ns);
                check_root(c, s->u.given.value, NULL);
                break;
            }
            s->u.given.source_index = src->decl->u.source.index;
            check_root(c, s->u.given.value, src->type);
            if (src->type)
                expect_type(c, s->u.given.value, src->type, rg_sprintf("the records of %s", name));
            break;
        }
        case N_EXPECT:
            s->u.expect.index = expects++;
            check_root(c, s->u.expect.cond, &type_bool);
            expect_type(c, s->u.expect.cond, &type_bool, "what a test expects");
            break;
        default:
            break;
        }
    }
    if (expects == 0 && warn(c, t->u.test.name_span, "this test expects nothing, so it cannot fail"))
        diag_hint(c->diags, "state what must hold with expect, such as: expect r.outcome == ja");
    if (c->diags->errors == errors)
        warn_unused_lets(c, body);
    t->u.test.nslots = c->frame->next_slot;
    restore(c, sv);
    t->u.test.index = (int)c->out->ntests;
    size_t n = c->out->ntests;
    PUSH(c->out->tests, n, c->tests_cap, t);
    c->out->ntests = n;
}

/* ---------------------------------------------------------------- passes */

static int cmp_decision_place(const void *a, const void *b)
{
    const Node *x = *(Node *const *)a, *y = *(Node *const *)b;
    uint32_t fx = x->u.decision.module->file, fy = y->u.decision.module->file;
    if (fx != fy)
        return fx < fy ? -1 : 1;
    return x->span.start < y->span.start ? -1 : x->span.start > y->span.start;
}

/* Decisions are checked when first used, so the order they were checked in
 * says little; runs write them in the order of the files (as read) and of
 * the declarations within each. */
static void order_decisions(Checked *out)
{
    if (out->ndecisions > 1)
        qsort(out->decisions, out->ndecisions, sizeof *out->decisions, cmp_decision_place);
    for (size_t i = 0; i < out->ndecisions; i++)
        out->decisions[i]->u.decision.index = (int)i;
}

static void check_all(Checker *c)
{
    load_imports(c);
    size_t nmods = c->out->nmodules;
    /* Types first, across all modules, so records can refer to each other. */
    for (size_t i = 0; i < nmods; i++) {
        Module *m = c->out->modules[i];
        if (m->checked || m->ast->u.module.syntax_errors)
            continue;
        c->mod = m;
        for (size_t j = 0; j < m->ast->u.module.decls.len; j++) {
            Node *d = m->ast->u.module.decls.items[j];
            if (d->kind == N_ENUM)
                check_enum(c, d);
        }
    }
    for (size_t i = 0; i < nmods; i++) {
        Module *m = c->out->modules[i];
        if (m->checked || m->ast->u.module.syntax_errors)
            continue;
        c->mod = m;
        for (size_t j = 0; j < m->ast->u.module.decls.len; j++) {
            Node *d = m->ast->u.module.decls.items[j];
            if (d->kind == N_RECORD)
                check_record(c, d);
        }
    }
    check_records_end(c);
    for (size_t i = 0; i < nmods; i++) {
        Module *m = c->out->modules[i];
        if (m->checked || m->ast->u.module.syntax_errors)
            continue;
        c->mod = m;
        for (size_t j = 0; j < m->ast->u.module.decls.len; j++) {
            Node *d = m->ast->u.module.decls.items[j];
            if (d->kind == N_FORMAT)
                check_format_decl(c, d);
            else if (d->kind == N_SOURCE)
                check_source(c, d);
        }
    }
    for (size_t i = 0; i < nmods; i++) {
        Module *m = c->out->modules[i];
        if (m->checked || m->ast->u.module.syntax_errors)
            continue;
        for (size_t j = 0; j < m->ast->u.module.decls.len; j++) {
            Node *d = m->ast->u.module.decls.items[j];
            if (d->kind == N_CONST)
                check_const(c, d, m);
            else if (d->kind == N_FN || d->kind == N_TABLE)
                check_fn(c, d, m);
            else if (d->kind == N_DECISION)
                check_decision(c, d);
            else if (d->kind == N_QUEUE)
                check_queue(c, d);
            else if (d->kind == N_TEST && m->root)
                check_test(c, d);
        }
    }
    for (size_t i = 0; i < nmods; i++)
        c->out->modules[i]->checked = true;
    order_decisions(c->out);
}

static Checker *checker_new(SourceSet *files, DiagList *diags)
{
    Checker *c = rg_alloc(sizeof *c);
    c->diags = diags;
    c->files = files;
    c->out = rg_alloc(sizeof *c->out);
    c->out->files = files;
    c->elems = rg_alloc(MAX_ELEM_NESTING * sizeof *c->elems);
    strmap_init(&c->modules_by_path);
    RecordType *reason = builtin_record(c, "Reason", REASON_NFIELDS);
    set_field(reason, REASON_REF, "ref", &type_text);
    set_field(reason, REASON_SEVERITY, "severity", &type_text);
    set_field(reason, REASON_MESSAGE, "message", &type_text);
    c->out->reason_type = reason;
    RecordType *entry = builtin_record(c, "QueueEntry", ENTRY_NFIELDS);
    set_field(entry, ENTRY_POSITION, "position", &type_int);
    set_field(entry, ENTRY_ADMITTED, "admitted", &type_bool);
    set_field(entry, ENTRY_CAPACITY, "capacity", &type_int);
    set_field(entry, ENTRY_ADMITTED_BEFORE, "admitted_before", &type_int);
    set_field(entry, ENTRY_FAILED, "failed", type_list(&type_text));
    set_field(entry, ENTRY_REASONS, "reasons", type_list(type_record(reason)));
    c->out->queue_entry_type = entry;
    return c;
}

/* Gives the checker the host's functions. */
static void checker_hosts(Checker *c, const HostInfo *hosts, size_t nhosts)
{
    c->host_table = hosts;
    c->nhost_table = hosts ? nhosts : 0;
    c->host_used = rg_alloc_atomic((c->nhost_table + 1) * sizeof *c->host_used);
    for (size_t i = 0; i < c->nhost_table; i++)
        c->host_used[i] = -1;
}

Checked *check_files(SourceSet *files, const char *const *paths, size_t npaths, DiagList *diags)
{
    return check_files_with(files, paths, npaths, NULL, 0, diags);
}

Checked *check_text(SourceSet *files, const char *name, const char *text, size_t len, const char *dir, DiagList *diags)
{
    return check_text_with(files, name, text, len, dir, NULL, 0, diags);
}

Checked *check_files_with(SourceSet *files, const char *const *paths, size_t npaths, const HostInfo *hosts,
                          size_t nhosts, DiagList *diags)
{
    Checker *c = checker_new(files, diags);
    checker_hosts(c, hosts, nhosts);
    for (size_t i = 0; i < npaths; i++) {
        Module *m = load_file(c, paths[i], (Span){0, 0, 0});
        if (m)
            m->root = true;
    }
    check_all(c);
    return c->out;
}

Checked *check_text_with(SourceSet *files, const char *name, const char *text, size_t len, const char *dir,
                         const HostInfo *hosts, size_t nhosts, DiagList *diags)
{
    Checker *c = checker_new(files, diags);
    checker_hosts(c, hosts, nhosts);
    Module *m = add_module(c, name, name, module_name_of(name), dir, text, len, false);
    m->root = true;
    check_all(c);
    return c->out;
}

Node *checked_decision(const Checked *c, const char *name)
{
    for (size_t i = 0; i < c->ndecisions; i++)
        if (strcmp(c->decisions[i]->u.decision.name.name, name) == 0)
            return c->decisions[i];
    return NULL;
}

bool checked_is_root(const Checked *c, const Node *decision)
{
    (void)c;
    return decision->u.decision.module && decision->u.decision.module->root;
}

/* ---------------------------------------------------------------- sessions */

struct CheckSession {
    Checker *c;
    Module *bindings; /* the values bound with check_session_bind */
    size_t lines;     /* lines checked so far, for unique module keys */
    /* What check_session_forget returns to. */
    struct {
        size_t nmodules, nfns, ndecisions, nsources, nrules, nconsts, nqueues, ntests, nrecords;
        bool set;
    } mark;
};

static void session_mark(CheckSession *s)
{
    Checked *o = s->c->out;
    s->mark.nmodules = o->nmodules;
    s->mark.nfns = o->nfns;
    s->mark.ndecisions = o->ndecisions;
    s->mark.nsources = o->nsources;
    s->mark.nrules = o->nrules;
    s->mark.nconsts = o->nconsts;
    s->mark.nqueues = o->nqueues;
    s->mark.ntests = o->ntests;
    s->mark.nrecords = o->nrecords;
    s->mark.set = true;
}

/* Back to the mark: the modules added since are forgotten (and loaded
 * afresh if named again), and so is everything they declared. */
void check_session_forget(CheckSession *s)
{
    if (!s->mark.set)
        return;
    Checked *o = s->c->out;
    for (size_t i = s->mark.nmodules; i < o->nmodules; i++)
        strmap_put(&s->c->modules_by_path, o->modules[i]->key, NULL);
    o->nmodules = s->mark.nmodules;
    o->nfns = s->mark.nfns;
    o->ndecisions = s->mark.ndecisions;
    o->nsources = s->mark.nsources;
    o->nrules = s->mark.nrules;
    o->nconsts = s->mark.nconsts;
    o->nqueues = s->mark.nqueues;
    o->ntests = s->mark.ntests;
    o->nrecords = s->mark.nrecords;
    /* Decisions are numbered by their place; the forgotten ones are gone. */
    for (size_t i = 0; i < o->ndecisions; i++)
        o->decisions[i]->u.decision.index = (int)i;
    s->mark.set = false;
}

CheckSession *check_session_new(SourceSet *files, DiagList *diags)
{
    CheckSession *s = rg_alloc(sizeof *s);
    s->c = checker_new(files, diags);
    s->bindings = add_module(s->c, "<bindings>", "<repl>", "repl", NULL, "", 0, false);
    for (const StdlibFile *f = stdlib_files; f->name; f++)
        load_stdlib(s->c, f->name);
    check_all(s->c);
    return s;
}

void check_session_set_diags(CheckSession *s, DiagList *diags)
{
    s->c->diags = diags;
}

/* Checks what was added since the mark; forgets it when it has errors. */
/* Checks what was added since the mark; false (and it is forgotten) when
 * there are more errors than `errors`, the count before it was added: a
 * file that did not parse, or an import that failed, counts too. */
static bool session_check(CheckSession *s, size_t errors)
{
    check_all(s->c);
    if (s->c->diags->errors > errors) {
        check_session_forget(s);
        return false;
    }
    return true;
}

bool check_session_load(CheckSession *s, const char *const *paths, size_t npaths)
{
    session_mark(s);
    size_t errors = s->c->diags->errors;
    for (size_t i = 0; i < npaths; i++) {
        Module *m = load_file(s->c, paths[i], (Span){0, 0, 0});
        if (m)
            m->root = true;
    }
    bool ok = session_check(s, errors);
    s->mark.set = false;
    return ok;
}

/* A line sees the bindings first, then the latest lines, then the rest. */
static void see_everything(CheckSession *s, Module *m)
{
    Checked *o = s->c->out;
    Module **imps = rg_alloc((o->nmodules + 1) * sizeof *imps);
    size_t n = 0;
    imps[n++] = s->bindings;
    for (size_t i = o->nmodules; i-- > 0;) {
        Module *x = o->modules[i];
        if (x != m && x != s->bindings && x->repl)
            imps[n++] = x;
    }
    for (size_t i = 0; i < o->nmodules; i++) {
        Module *x = o->modules[i];
        if (x != m && x != s->bindings && !x->repl)
            imps[n++] = x;
    }
    m->imports = imps;
    m->nimports = n;
}

ReplLine check_session_line(CheckSession *s, const char *name, const char *text, size_t len)
{
    ReplLine r;
    memset(&r, 0, sizeof r);
    Checker *c = s->c;
    session_mark(s);
    const char *key = rg_sprintf("<repl-%zu>", ++s->lines);
    Module *m = rg_alloc(sizeof *m);
    m->name = "repl";
    m->path = name;
    m->dir = ".";
    m->key = key;
    m->repl = true;
    m->root = true;
    strmap_init(&m->names);
    m->file = sources_add(c->files, name, rg_strndup(text, len), len);
    size_t errors = c->diags->errors;
    m->ast = parse_repl(c->files, m->file, c->diags, &r.incomplete);
    if (c->diags->errors > errors || m->ast->u.module.syntax_errors) {
        s->mark.set = false;
        return r;
    }
    Node *value = NULL;
    Node *ret = NULL;
    if (m->ast->u.module.repl_expr) {
        r.kind = REPL_LINE_EXPR;
        value = m->ast->u.module.repl_expr;
    } else if (m->ast->u.module.repl_let) {
        r.kind = REPL_LINE_LET;
        Node *let = m->ast->u.module.repl_let;
        r.name = let->u.let.name.name;
        r.at = let->u.let.name.span;
        value = let->u.let.value;
        ret = let->u.let.type_ann;
    } else {
        r.kind = REPL_LINE_DECLS;
    }
    if (value) {
        /* The expression becomes the body of a function nobody can name. */
        Node *fn = node_new(N_FN, value->span);
        fn->u.fn.name = ident("<line>", value->span);
        fn->u.fn.body = value;
        fn->u.fn.ret = ret;
        nodes_push(&m->ast->u.module.decls, fn);
        r.fn = fn;
    }
    strmap_put(&c->modules_by_path, key, m);
    Checked *o = c->out;
    Module **mods = rg_alloc((o->nmodules + 1) * sizeof *mods);
    if (o->nmodules)
        memcpy(mods, o->modules, o->nmodules * sizeof *mods);
    mods[o->nmodules] = m;
    o->modules = mods;
    o->nmodules++;
    see_everything(s, m);
    declare_module_names(c, m);
    /* A line's own imports come after everything it sees already. */
    size_t seen = m->nimports;
    Module **seen_imports = m->imports;
    m->imports = NULL;
    m->nimports = 0;
    load_imports(c);
    if (m->nimports) {
        Module **all = rg_alloc((seen + m->nimports) * sizeof *all);
        memcpy(all, seen_imports, seen * sizeof *all);
        memcpy(all + seen, m->imports, m->nimports * sizeof *all);
        m->imports = all;
        m->nimports += seen;
    } else {
        m->imports = seen_imports;
        m->nimports = seen;
    }
    if (!session_check(s, errors))
        return r;
    if (r.fn) {
        r.type = r.fn->u.fn.ret && r.fn->u.fn.ret->type ? r.fn->u.fn.ret->type : value->type;
    } else {
        s->mark.set = false; /* declarations stay */
    }
    r.ok = true;
    return r;
}

void check_session_bind(CheckSession *s, const char *name, Span at, const Type *t, const Value *v)
{
    Node *value = node_new(N_VALUE, at);
    value->u.value.v = v;
    value->type = t;
    Node *d = node_new(N_CONST, at);
    d->u.constant.name = ident(rg_strdup(name), at);
    d->u.constant.value = value;
    d->u.constant.checked = true;
    Symbol *sym = symbol_new(SYM_CONST, d->u.constant.name.name, at, d);
    sym->module = s->bindings;
    sym->type = t;
    sym->used = true;
    d->u.constant.sym = sym;
    /* A new binding of a name hides the old one. */
    strmap_put(&s->bindings->names, d->u.constant.name.name, sym);
}

Checked *check_session_checked(const CheckSession *s)
{
    return s->c->out;
}

void check_session_names(const CheckSession *s, void (*fn)(void *ctx, const char *name, SymKind kind), void *ctx)
{
    const Checked *o = s->c->out;
    for (size_t i = 0; i < o->nmodules; i++) {
        const StrMap *names = &o->modules[i]->names;
        for (size_t k = 0; names->keys && k < names->cap; k++)
            if (names->keys[k] && names->vals[k])
                fn(ctx, names->keys[k], ((const Symbol *)names->vals[k])->kind);
    }
}

/* ---------------------------------------------------------------- texts held in memory */

Checked *check_texts(SourceSet *files, const CheckText *texts, size_t ntexts, size_t nroots, DiagList *diags)
{
    Checker *c = checker_new(files, diags);
    for (size_t i = 0; i < ntexts; i++) {
        const CheckText *t = &texts[i];
        /* Keyed like load_file, so that an import of the same file finds it. */
        char real[PATH_MAX];
        const char *key = rg_strdup(realpath(t->path, real) ? real : t->path);
        Module *m = module_by_name_in(c, key);
        if (!m)
            m = add_module(c, key, rg_strdup(t->path), module_name_of(t->path), dir_of(t->path), t->text, t->len,
                           false);
        if (i < nroots)
            m->root = true;
    }
    check_all(c);
    return c->out;
}
