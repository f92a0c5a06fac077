/*
 * query.c — questions about a place in a checked module (see query.h).
 *
 * The node at an offset is found by walking down from the module, at each
 * level into the child whose span holds the offset; that walk is a loop,
 * not recursion, so any tree the parser built can be asked about. Names
 * that are not nodes of their own (a declaration's name, a field after
 * '.', a callee) are matched against the spans the parser kept for them.
 */
#include "query.h"

#include <string.h>

#include "alloc.h"
#include "builtins.h"
#include "types.h"

typedef struct Path {
    Node *items[QUERY_MAX_DEPTH];
    size_t len;
} Path;

static bool holds(Span s, uint32_t off)
{
    return s.file && s.start <= off && off <= s.end;
}

static bool ident_holds(Ident id, uint32_t off)
{
    return id.name && holds(id.span, off);
}

/* The children of n, in a block of the collector's. */
static Node **children(const Node *n, size_t *count)
{
    Node *few[16];
    size_t k = node_children(n, few, 16);
    Node **all = rg_alloc((k ? k : 1) * sizeof *all);
    if (k > 16)
        node_children(n, all, k);
    else if (k)
        memcpy(all, few, k * sizeof *all);
    *count = k;
    return all;
}

/* The child of n around off: one that holds it before one that only ends
 * at it (the cursor after `a` in `a+b` is in a). */
static Node *child_at(const Node *n, uint32_t off)
{
    size_t k;
    Node **kids = children(n, &k);
    Node *touching = NULL;
    for (size_t i = 0; i < k; i++) {
        Node *ch = kids[i];
        if (ch->span.start <= off && off < ch->span.end)
            return ch;
        if (ch->span.start <= off && off == ch->span.end && !touching)
            touching = ch;
    }
    return touching;
}

static bool is_expression(NodeKind k)
{
    return k <= N_DURATION || k == N_VALUE || k == N_QUEUE_STATE;
}

/* Checked without an error: an expression that had one has no type to tell. */
static bool typed(const Node *n)
{
    return n->type && n->type->kind != T_ERROR;
}

static Symbol *top_symbol(const Module *m, Ident name, const Node *decl)
{
    Symbol *s = name.name ? strmap_get(&m->names, name.name) : NULL;
    return s && s->decl == decl ? s : NULL;
}

Symbol *query_lookup(const Module *m, const char *name)
{
    Symbol *s = strmap_get(&m->names, name);
    for (size_t i = 0; !s && i < m->nimports; i++)
        s = strmap_get(&m->imports[i]->names, name);
    return s;
}

Module *query_module_of(const Checked *c, uint32_t file)
{
    for (size_t i = 0; i < c->nmodules; i++)
        if (c->modules[i]->file == file)
            return c->modules[i];
    return NULL;
}

Node *query_record_decl(const Checked *c, const RecordType *rt)
{
    for (size_t i = 0; i < c->nmodules; i++) {
        const NodeList *decls = &c->modules[i]->ast->u.module.decls;
        for (size_t k = 0; k < decls->len; k++)
            if (decls->items[k]->kind == N_RECORD && decls->items[k]->u.record.rt == rt)
                return decls->items[k];
    }
    return NULL;
}

Node *query_word_decl(const Checked *c, const EnumType *et, int word)
{
    for (size_t i = 0; i < c->nmodules; i++) {
        const NodeList *decls = &c->modules[i]->ast->u.module.decls;
        for (size_t k = 0; k < decls->len; k++) {
            const Node *d = decls->items[k];
            if (d->kind != N_ENUM || d->u.enum_decl.et != et)
                continue;
            for (size_t w = 0; w < d->u.enum_decl.words.len; w++)
                if (strcmp(d->u.enum_decl.words.items[w]->u.named.name.name, et->words[word]) == 0)
                    return d->u.enum_decl.words.items[w];
        }
    }
    return NULL;
}

static void hit_symbol(QueryHit *h, Symbol *s, Span span)
{
    h->span = span;
    if (s) {
        h->kind = QUERY_SYMBOL;
        h->sym = s;
    }
}

static void hit_field(QueryHit *h, const Type *object, const char *name, Span span)
{
    h->span = span;
    h->object = object;
    const Type *t = object ? type_strip(object) : NULL;
    if (t && t->kind == T_RECORD) {
        int i = record_field_index(t->rec, name);
        if (i >= 0) {
            h->kind = QUERY_FIELD;
            h->rec = t->rec;
            h->field = i;
        }
    } else if (t && t->kind == T_ENUM) {
        int i = enum_word_index(t->enm, name, strlen(name));
        if (i >= 0) {
            h->kind = QUERY_WORD;
            h->enm = t->enm;
            h->word = i;
        }
    }
}

static void hit_callee(QueryHit *h, const Node *n)
{
    const char *name = n->u.call.callee.name;
    h->span = n->u.call.callee.span;
    if (n->u.call.sym) {
        hit_symbol(h, n->u.call.sym, h->span);
        return;
    }
    /* admitted_with keeps its counter's number in `builtin`; an unchecked
     * call has neither index set, so look the name up. */
    if (strcmp(name, "admitted_with") == 0)
        return;
    h->special = special_find(name);
    h->builtin = h->special < 0 ? builtin_find(name, 0) : -1;
    if (h->special >= 0 || h->builtin >= 0)
        h->kind = QUERY_BUILTIN;
}

/* The record type a source reads, once checked. */
static const Type *source_type(const Node *src)
{
    const Node *t = src->u.source.type_ann;
    return t ? t->type : NULL;
}

/* Fills h when off is in a name of n's own (not in a child node);
 * parent is the node above n (NULL at the top) and owner the declaration. */
static bool own_name(Module *m, Node *n, const Node *parent, uint32_t off, QueryHit *h)
{
    switch (n->kind) {
    case N_IMPORT:
        if (!ident_holds(n->u.import.name, off) && !(n->u.import.path && holds(n->u.import.path_span, off)))
            return false;
        h->span = n->u.import.path ? n->u.import.path_span : n->u.import.name.span;
        if (n->u.import.module) {
            h->kind = QUERY_MODULE;
            h->module = n->u.import.module;
        }
        return true;
    case N_RECORD:
        if (!ident_holds(n->u.record.name, off))
            return false;
        hit_symbol(h, top_symbol(m, n->u.record.name, n), n->u.record.name.span);
        return true;
    case N_REC_FIELD: {
        Ident f = n->u.rec_field.name;
        if (!ident_holds(f, off) && !(n->u.rec_field.column && holds(n->u.rec_field.column_span, off)))
            return false;
        const RecordType *rt = parent && parent->kind == N_RECORD ? parent->u.record.rt : NULL;
        hit_field(h, rt ? type_record((RecordType *)rt) : NULL, f.name, f.span);
        return true;
    }
    case N_ENUM:
        if (!ident_holds(n->u.enum_decl.name, off))
            return false;
        hit_symbol(h, top_symbol(m, n->u.enum_decl.name, n), n->u.enum_decl.name.span);
        return true;
    case N_WORD: {
        Ident w = n->u.named.name;
        if (!ident_holds(w, off))
            return false;
        EnumType *et = parent && parent->kind == N_ENUM ? parent->u.enum_decl.et : NULL;
        hit_field(h, et ? type_enum(et) : NULL, w.name, w.span);
        return true;
    }
    case N_FORMAT:
        if (!ident_holds(n->u.format.name, off))
            return false;
        hit_symbol(h, top_symbol(m, n->u.format.name, n), n->u.format.name.span);
        return true;
    case N_SOURCE:
        if (ident_holds(n->u.source.name, off)) {
            hit_symbol(h, top_symbol(m, n->u.source.name, n), n->u.source.name.span);
            return true;
        }
        if (ident_holds(n->u.source.format, off)) {
            Symbol *s = query_lookup(m, n->u.source.format.name);
            hit_symbol(h, s && s->kind == SYM_FORMAT ? s : NULL, n->u.source.format.span);
            return true;
        }
        if (ident_holds(n->u.source.key, off)) {
            hit_field(h, source_type(n), n->u.source.key.name, n->u.source.key.span);
            return true;
        }
        return false;
    case N_CONST:
        if (!ident_holds(n->u.constant.name, off))
            return false;
        hit_symbol(h, n->u.constant.sym, n->u.constant.name.span);
        return true;
    case N_FN:
        if (!ident_holds(n->u.fn.name, off))
            return false;
        hit_symbol(h, n->u.fn.sym, n->u.fn.name.span);
        return true;
    case N_TABLE:
        if (!ident_holds(n->u.table.name, off))
            return false;
        hit_symbol(h, n->u.table.sym, n->u.table.name.span);
        return true;
    case N_PARAM:
        if (!ident_holds(n->u.param.name, off))
            return false;
        hit_symbol(h, n->u.param.sym, n->u.param.name.span);
        return true;
    case N_DECISION:
        if (ident_holds(n->u.decision.name, off)) {
            hit_symbol(h, top_symbol(m, n->u.decision.name, n), n->u.decision.name.span);
            return true;
        }
        if (ident_holds(n->u.decision.subject, off)) {
            hit_symbol(h, n->u.decision.subject_sym, n->u.decision.subject.span);
            return true;
        }
        return false;
    case N_QUEUE:
        if (ident_holds(n->u.queue.name, off)) {
            hit_symbol(h, top_symbol(m, n->u.queue.name, n), n->u.queue.name.span);
            return true;
        }
        if (ident_holds(n->u.queue.subject, off)) {
            hit_symbol(h, n->u.queue.subject_sym, n->u.queue.subject.span);
            return true;
        }
        return false;
    case N_LET:
        if (!ident_holds(n->u.let.name, off))
            return false;
        hit_symbol(h, n->u.let.sym, n->u.let.name.span);
        return true;
    case N_RULE:
        if (ident_holds(n->u.rule.ref, off)) {
            h->kind = QUERY_RULE;
            h->span = n->u.rule.ref.span;
            return true;
        }
        if (n->u.rule.each.name && ident_holds(n->u.rule.each, off)) {
            hit_symbol(h, n->u.rule.each_sym, n->u.rule.each.span);
            return true;
        }
        return false;
    case N_INCLUDE: {
        Ident d = n->u.include.decision;
        if (!ident_holds(d, off))
            return false;
        Symbol *s = query_lookup(m, d.name);
        hit_symbol(h, s && (s->kind == SYM_DECISION || s->kind == SYM_QUEUE) ? s : NULL, d.span);
        return true;
    }
    case N_OUT_FIELD:
        if (!ident_holds(n->u.out_field.name, off))
            return false;
        h->span = n->u.out_field.name.span;
        if (n->u.out_field.value && typed(n->u.out_field.value)) {
            h->kind = QUERY_EXPR;
            h->node = n->u.out_field.value;
        }
        return true;
    case N_OUTCOME_ARM: {
        /* In `outcome ja | nej` the first word's condition is a `passed`
         * written at the word: the word is what the text says. */
        Ident w = n->u.arm.word;
        if (!ident_holds(w, off))
            return false;
        EnumType *words = h->owner && h->owner->kind == N_DECISION ? h->owner->u.decision.words : NULL;
        hit_field(h, words ? type_enum(words) : NULL, w.name, w.span);
        return true;
    }
    case N_GIVEN: {
        Ident s = n->u.given.source;
        if (!ident_holds(s, off))
            return false;
        Symbol *src = query_lookup(m, s.name);
        hit_symbol(h, src && src->kind == SYM_SOURCE ? src : NULL, s.span);
        return true;
    }
    case N_TYPE: {
        Ident t = n->u.type_ref.name;
        if (!ident_holds(t, off))
            return false;
        Symbol *s = query_lookup(m, t.name);
        hit_symbol(h, s && (s->kind == SYM_RECORD || s->kind == SYM_ENUM) ? s : NULL, t.span);
        return true;
    }
    case N_FIELD: {
        Ident f = n->u.field.field;
        if (!ident_holds(f, off))
            return false;
        hit_field(h, n->u.field.obj->type, f.name, f.span);
        if (h->kind == QUERY_NOTHING && typed(n)) {
            /* A part of a date, period or duration (d.year). */
            h->kind = QUERY_EXPR;
            h->node = n;
        }
        return true;
    }
    case N_ELEM_FIELD: {
        Ident f = n->u.field.field;
        if (!ident_holds(f, off))
            return false;
        const Symbol *e = n->u.field.elem;
        hit_field(h, e ? e->type : NULL, f.name, f.span);
        if (h->kind == QUERY_NOTHING && typed(n)) {
            h->kind = QUERY_EXPR;
            h->node = n;
        }
        return true;
    }
    case N_CALL:
        if (!ident_holds(n->u.call.callee, off))
            return false;
        hit_callee(h, n);
        return true;
    case N_LAMBDA:
        if (!ident_holds(n->u.lambda.param, off))
            return false;
        hit_symbol(h, n->u.lambda.sym, n->u.lambda.param.span);
        return true;
    case N_NAMED_ARG: {
        Ident f = n->u.named.name;
        if (!ident_holds(f, off))
            return false;
        const Symbol *s = parent && parent->kind == N_CALL ? parent->u.call.sym : NULL;
        RecordType *rt = s && s->kind == SYM_RECORD ? s->decl->u.record.rt : NULL;
        hit_field(h, rt ? type_record(rt) : NULL, f.name, f.span);
        return true;
    }
    default:
        return false;
    }
}

/* The innermost node holding off, and the ones above it. */
static void walk_to(Module *m, uint32_t off, Path *p)
{
    p->len = 0;
    Node *n = m->ast;
    while (n && p->len < QUERY_MAX_DEPTH) {
        p->items[p->len++] = n;
        n = child_at(n, off);
    }
}

QueryHit query_at(Module *m, uint32_t off)
{
    QueryHit h;
    memset(&h, 0, sizeof h);
    h.builtin = h.special = -1;
    Path *p = rg_alloc(sizeof *p);
    walk_to(m, off, p);
    h.owner = p->len > 1 ? p->items[1] : NULL;
    /* A name of a node's own ends the walk there: the word of a short
     * outcome has a child at the same place that is not what is written. */
    for (size_t i = 1; i < p->len; i++) {
        Node *n = p->items[i];
        h.node = n;
        if (own_name(m, n, p->items[i - 1], off, &h))
            return h;
    }
    Node *n = p->len > 1 ? p->items[p->len - 1] : NULL;
    h.node = n;
    if (!n || !is_expression(n->kind) || !typed(n))
        return h;
    h.span = n->span;
    if ((n->kind == N_NAME || n->kind == N_IT) && n->u.name.sym) {
        hit_symbol(&h, n->u.name.sym, n->span);
        return h;
    }
    if (n->kind == N_NAME) {
        /* A bare enum word, known from the type expected where it stands. */
        hit_field(&h, n->type, n->u.name.name, n->span);
        if (h.kind != QUERY_NOTHING)
            return h;
    }
    h.kind = QUERY_EXPR;
    return h;
}

Span query_definition(const Checked *c, const QueryHit *h)
{
    Span none = {0, 0, 0};
    switch (h->kind) {
    case QUERY_SYMBOL:
        return h->sym->span;
    case QUERY_FIELD: {
        const FieldDef *f = &h->rec->fields[h->field];
        /* A decision's result has no field declarations; its decision is the closest. */
        return f->span.file ? f->span : h->rec->span;
    }
    case QUERY_WORD: {
        Node *w = query_word_decl(c, h->enm, h->word);
        return w ? w->u.named.name.span : h->enm->span;
    }
    case QUERY_MODULE:
        return (Span){h->module->file, 0, 0};
    default:
        return none;
    }
}

const char *query_doc_comment(const Checked *c, const Node *decl)
{
    const Module *m = query_module_of(c, decl->span.file);
    const SourceFile *f = sources_get(c->files, decl->span.file);
    if (!m || !f)
        return NULL;
    const NodeList *cs = &m->ast->u.module.comments;
    uint32_t at = decl->span.start;
    while (at > 0 && f->text[at - 1] != '\n')
        at--;
    size_t i = cs->len;
    while (i > 0 && cs->items[i - 1]->span.start >= at)
        i--;
    const char **lines = NULL;
    size_t n = 0;
    for (; i > 0; i--) {
        const Node *cm = cs->items[i - 1];
        /* Right above: nothing but the line break between it and `at`. */
        size_t breaks = 0;
        bool blank = true;
        for (uint32_t k = cm->span.end; k < at && blank; k++) {
            char ch = f->text[k];
            breaks += ch == '\n';
            blank = ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
        }
        if (!blank || breaks != 1)
            break;
        uint32_t start = cm->span.start;
        while (start > 0 && (f->text[start - 1] == ' ' || f->text[start - 1] == '\t'))
            start--;
        if (start > 0 && f->text[start - 1] != '\n')
            break;
        const char *s = cm->u.text.s + 1;
        size_t len = cm->u.text.n - 1;
        if (len && s[0] == ' ') {
            s++;
            len--;
        }
        while (len && (s[len - 1] == '\r' || s[len - 1] == ' '))
            len--;
        const char **more = rg_alloc((n + 1) * sizeof *more);
        if (n)
            memcpy(more, lines, n * sizeof *more);
        more[n++] = rg_strndup(s, len);
        lines = more;
        at = start;
    }
    if (!n)
        return NULL;
    RgBuf b;
    buf_init(&b);
    while (n-- > 0) {
        buf_adds(&b, lines[n]);
        if (n)
            buf_addc(&b, '\n');
    }
    return b.data;
}

/* ---------------------------------------------------------------- scopes */

typedef struct ScopeWalk {
    StrMap seen;
    QueryNameFn fn;
    void *ctx;
} ScopeWalk;

static void offer(ScopeWalk *w, const char *name, const Symbol *sym, const Type *type)
{
    if (!name || strmap_get(&w->seen, name))
        return;
    strmap_put(&w->seen, name, (void *)name);
    w->fn(w->ctx, name, sym, type);
}

static void offer_sym(ScopeWalk *w, const Symbol *s)
{
    if (s)
        offer(w, s->name, s, s->type);
}

/* The lets of a statement list that end before off, the latest first. */
static void offer_lets(ScopeWalk *w, const NodeList *stmts, uint32_t off)
{
    for (size_t i = stmts->len; i-- > 0;) {
        const Node *s = stmts->items[i];
        if (s->kind == N_LET && s->span.end <= off)
            offer_sym(w, s->u.let.sym);
    }
}

static void offer_module(ScopeWalk *w, const Module *m)
{
    const StrMap *names = &m->names;
    for (size_t i = 0; names->keys && i < names->cap; i++)
        if (names->keys[i] && names->vals[i])
            offer_sym(w, names->vals[i]);
}

void query_scope(Module *m, uint32_t off, QueryNameFn fn, void *ctx)
{
    ScopeWalk w;
    strmap_init(&w.seen);
    w.fn = fn;
    w.ctx = ctx;
    Path *p = rg_alloc(sizeof *p);
    walk_to(m, off, p);
    for (size_t i = p->len; i-- > 1;) {
        const Node *n = p->items[i];
        const Node *next = i + 1 < p->len ? p->items[i + 1] : NULL;
        switch (n->kind) {
        case N_LAMBDA:
            offer_sym(&w, n->u.lambda.sym);
            break;
        case N_RULE:
            if (next && next != n->u.rule.each_list)
                offer_sym(&w, n->u.rule.each_sym);
            break;
        case N_FN:
            offer_lets(&w, &n->u.fn.lets, off);
            for (size_t k = 0; k < n->u.fn.params.len; k++)
                offer_sym(&w, n->u.fn.params.items[k]->u.param.sym);
            break;
        case N_TABLE:
            for (size_t k = 0; k < n->u.table.params.len; k++)
                offer_sym(&w, n->u.table.params.items[k]->u.param.sym);
            break;
        case N_DECISION:
            offer_lets(&w, &n->u.decision.body, off);
            if (next != n->u.decision.over)
                offer_sym(&w, n->u.decision.subject_sym);
            break;
        case N_QUEUE:
            offer_lets(&w, &n->u.queue.body, off);
            if (next != n->u.queue.over)
                offer_sym(&w, n->u.queue.subject_sym);
            break;
        case N_TEST:
            offer_lets(&w, &n->u.test.body, off);
            break;
        default:
            break;
        }
    }
    offer_module(&w, m);
    for (size_t i = 0; i < m->nimports; i++)
        offer_module(&w, m->imports[i]);
    offer(&w, "today", NULL, &type_date);
    const Node *owner = p->len > 1 ? p->items[1] : NULL;
    if (owner && (owner->kind == N_DECISION || owner->kind == N_QUEUE))
        offer(&w, "passed", NULL, &type_bool);
    if (owner && owner->kind == N_QUEUE) {
        offer(&w, "admitted", NULL, &type_int);
        offer(&w, "position", NULL, &type_int);
    }
}

void query_fields(const Type *t, QueryFieldFn fn, void *ctx)
{
    t = type_strip(t);
    switch (t->kind) {
    case T_RECORD:
        for (size_t i = 0; i < t->rec->nfields; i++)
            fn(ctx, t->rec->fields[i].name, t->rec->fields[i].type, &t->rec->fields[i]);
        break;
    case T_DATE:
        fn(ctx, "year", &type_int, NULL);
        fn(ctx, "month", &type_int, NULL);
        fn(ctx, "day", &type_int, NULL);
        break;
    case T_PERIOD:
        fn(ctx, "start", &type_date, NULL);
        fn(ctx, "end", &type_date, NULL);
        break;
    case T_DURATION:
        fn(ctx, "months", &type_int, NULL);
        fn(ctx, "days", &type_int, NULL);
        break;
    default:
        break;
    }
}

static bool is_comparison(Op op)
{
    return op == OP_EQ || op == OP_NE || op == OP_LT || op == OP_LE || op == OP_GT || op == OP_GE;
}

const Type *query_expected(Module *m, uint32_t off)
{
    Path *p = rg_alloc(sizeof *p);
    walk_to(m, off, p);
    if (p->len < 3)
        return NULL;
    const Node *x = p->items[p->len - 1], *parent = p->items[p->len - 2];
    const Node *grand = p->items[p->len - 3];
    if (!is_expression(x->kind))
        return NULL;
    /* Between a comparison's operator and its right side (`x == |y`). */
    if (x->kind == N_BINARY && is_comparison(x->u.op.op) && off >= x->u.op.a->span.end &&
        off <= x->u.op.b->span.start)
        return x->u.op.a->type;
    if (parent->kind == N_BINARY && is_comparison(parent->u.op.op))
        return (parent->u.op.a == x ? parent->u.op.b : parent->u.op.a)->type;
    if (parent->kind == N_LIST && grand->kind == N_BINARY &&
        (grand->u.op.op == OP_IN || grand->u.op.op == OP_NOT_IN) && grand->u.op.b == parent)
        return grand->u.op.a->type;
    if (parent->kind == N_NAMED_ARG && grand->kind == N_CALL) {
        const Symbol *s = grand->u.call.sym;
        RecordType *rt = s && s->kind == SYM_RECORD ? s->decl->u.record.rt : NULL;
        int f = rt ? record_field_index(rt, parent->u.named.name.name) : -1;
        return f >= 0 ? rt->fields[f].type : NULL;
    }
    if (parent->kind == N_LET && parent->u.let.type_ann)
        return parent->u.let.type_ann->type;
    return NULL;
}

/* ---------------------------------------------------------------- uses */

/* Calls visit for every node below root (root included), without recursion. */
static void each_node(Node *root, void (*visit)(void *ctx, Node *n), void *ctx)
{
    size_t cap = 64, top = 0;
    Node **stack = rg_alloc(cap * sizeof *stack);
    stack[top++] = root;
    while (top) {
        Node *n = stack[--top];
        visit(ctx, n);
        size_t k;
        Node **kids = children(n, &k);
        for (size_t i = k; i-- > 0;) {
            if (top == cap) {
                Node **bigger = rg_alloc(cap * 2 * sizeof *bigger);
                memcpy(bigger, stack, cap * sizeof *stack);
                stack = bigger;
                cap *= 2;
            }
            stack[top++] = kids[i];
        }
    }
}

typedef struct Uses {
    const Symbol *sym;
    Span *spans;
    size_t n, cap;
} Uses;

static void add_span(Uses *u, Span s)
{
    if (u->n == u->cap) {
        size_t cap = u->cap ? u->cap * 2 : 8;
        Span *bigger = rg_alloc_atomic(cap * sizeof *bigger);
        if (u->n)
            memcpy(bigger, u->spans, u->n * sizeof *bigger);
        u->spans = bigger;
        u->cap = cap;
    }
    u->spans[u->n++] = s;
}

static void visit_use(void *ctx, Node *n)
{
    Uses *u = ctx;
    if (n->kind == N_NAME && n->u.name.sym == u->sym)
        add_span(u, n->span);
}

size_t query_local_spans(Module *m, const Symbol *sym, Span **out)
{
    *out = NULL;
    if (sym->kind != SYM_LOCAL || sym->module != m || !sym->decl)
        return 0;
    /* The element of `where .x > 1` is named nowhere. */
    if (sym->decl->kind == N_LAMBDA && !sym->decl->u.lambda.param.name)
        return 0;
    Uses u = {sym, NULL, 0, 0};
    add_span(&u, sym->span);
    each_node(m->ast, visit_use, &u);
    *out = u.spans;
    return u.n;
}

typedef struct NameUse {
    const char *name;
    bool found;
} NameUse;

static void visit_name(void *ctx, Node *n)
{
    NameUse *u = ctx;
    if ((n->kind == N_NAME && strcmp(n->u.name.name, u->name) == 0) ||
        (n->kind == N_CALL && strcmp(n->u.call.callee.name, u->name) == 0))
        u->found = true;
}

bool query_uses_name(Node *n, const char *name)
{
    NameUse u = {name, false};
    each_node(n, visit_name, &u);
    return u.found;
}
