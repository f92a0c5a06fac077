/*
 * diff.c — two versions of a policy over the same exports, compared line
 * by line.
 *
 * Each run's verdicts are kept as (decision, id) -> outcome and reasons.
 * A line differs when its outcome or the refs of its reasons differ (or
 * only its messages: a group of its own). Lines are grouped per decision
 * by the change; each group names what changed between the versions that
 * its rules read: a constant's value, a rule's condition.
 */
#include "diff.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "check.h"
#include "format.h"
#include "strmap.h"
#include "value.h"

/* Ids listed per group; the rest are counted. */
#define SHOW_IDS 10

typedef struct Line {
    const char *decision;
    const char *id;
    const char *outcome;
    const char **refs;   /* "B1" or "B3 (should)", in the order of the reasons */
    const char **messages;
    uint32_t nreasons;
} Line;

typedef struct Side {
    const Program *p;
    Line *lines;
    uint32_t n, cap;
    StrMap by_key;       /* "decision\x1fid" -> Line number + 1 */
} Side;

static const char *line_key(const char *decision, const char *id)
{
    return rg_sprintf("%s\x1f%s", decision, id);
}

static void keep_verdict(void *ctx, uint32_t di, const Verdict *v)
{
    Side *s = ctx;
    const DecisionInfo *d = &s->p->decisions[di];
    if (s->n == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 256;
        Line *lines = rg_alloc(cap * sizeof *lines);
        if (s->n)
            memcpy(lines, s->lines, s->n * sizeof *lines);
        s->lines = lines;
        s->cap = cap;
    }
    Line *l = &s->lines[s->n];
    l->decision = d->name;
    l->id = v->key.tag == V_TEXT ? rg_strndup(v->key.as.s, v->key.aux) : "";
    l->outcome = v->word >= 0 && (uint32_t)v->word < d->nwords ? d->words[v->word] : "";
    l->nreasons = v->nreasons;
    l->refs = rg_alloc((v->nreasons ? v->nreasons : 1) * sizeof *l->refs);
    l->messages = rg_alloc((v->nreasons ? v->nreasons : 1) * sizeof *l->messages);
    for (uint32_t i = 0; i < v->nreasons; i++) {
        const RuleInfo *r = &s->p->rules[v->reasons[i].rule];
        l->refs[i] = r->severity == SEV_SHOULD ? rg_sprintf("%s (should)", r->ref) : r->ref;
        RgBuf m;
        buf_init(&m);
        value_render(&m, v->reasons[i].message);
        l->messages[i] = m.data ? m.data : "";
    }
    /* A key seen twice keeps its first line, as the runs write both. */
    const char *key = line_key(l->decision, l->id);
    if (!strmap_get(&s->by_key, key))
        strmap_put(&s->by_key, key, (void *)(uintptr_t)(s->n + 1));
    s->n++;
}

static const Line *find(const Side *s, const char *decision, const char *id)
{
    uintptr_t k = (uintptr_t)strmap_get(&s->by_key, line_key(decision, id));
    return k ? &s->lines[k - 1] : NULL;
}

/* ---------------------------------------------------------------- changes of a line */

static int cmp_text(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The refs in a that b has fewer times (a multiset difference), sorted. */
static uint32_t refs_minus(const Line *a, const Line *b, const char **out)
{
    bool *taken = rg_alloc_atomic((b && b->nreasons ? b->nreasons : 1) * sizeof *taken);
    memset(taken, 0, (b && b->nreasons ? b->nreasons : 1) * sizeof *taken);
    uint32_t n = 0;
    for (uint32_t i = 0; a && i < a->nreasons; i++) {
        bool found = false;
        for (uint32_t k = 0; b && k < b->nreasons && !found; k++)
            if (!taken[k] && strcmp(a->refs[i], b->refs[k]) == 0)
                found = taken[k] = true;
        if (!found)
            out[n++] = a->refs[i];
    }
    qsort(out, n, sizeof *out, cmp_text);
    return n;
}

static bool same_messages(const Line *a, const Line *b)
{
    if (a->nreasons != b->nreasons)
        return false;
    for (uint32_t i = 0; i < a->nreasons; i++)
        if (strcmp(a->messages[i], b->messages[i]) != 0)
            return false;
    return true;
}

typedef struct Group {
    const char *decision;
    const char *from, *to;    /* outcomes; "" when the line is new or gone */
    const char **gone, **came; /* refs no longer failing, now failing */
    uint32_t ngone, ncame;
    bool messages_only;        /* then came holds the refs whose message changed */
    const char *signature;
    const char **ids;
    uint32_t nids, ids_cap;
} Group;

typedef struct Groups {
    Group *items;
    uint32_t n, cap;
    StrMap by_signature;
} Groups;

static const char *joined(const char **xs, uint32_t n)
{
    RgBuf b;
    buf_init(&b);
    for (uint32_t i = 0; i < n; i++)
        buf_printf(&b, "%s%s", i ? ", " : "", xs[i]);
    return b.data ? b.data : "";
}

static void add_to_group(Groups *g, const Line *before, const Line *after)
{
    const char *decision = before ? before->decision : after->decision;
    uint32_t nb = before ? before->nreasons : 0, na = after ? after->nreasons : 0;
    const char **gone = rg_alloc((nb ? nb : 1) * sizeof *gone);
    const char **came = rg_alloc((na ? na : 1) * sizeof *came);
    uint32_t ngone = refs_minus(before, after, gone);
    uint32_t ncame = refs_minus(after, before, came);
    const char *from = before ? before->outcome : "", *to = after ? after->outcome : "";
    bool messages_only = before && after && strcmp(from, to) == 0 && !ngone && !ncame;
    if (messages_only && same_messages(before, after))
        return;
    if (messages_only)
        for (uint32_t i = 0; i < na && i < nb; i++)
            if (strcmp(before->messages[i], after->messages[i]) != 0 &&
                (!ncame || strcmp(came[ncame - 1], after->refs[i]) != 0))
                came[ncame++] = after->refs[i];
    const char *sig = rg_sprintf("%s\x1f%s\x1f%s\x1f%s\x1f%s", decision, from, to, joined(gone, ngone), joined(came, ncame));
    uintptr_t k = (uintptr_t)strmap_get(&g->by_signature, sig);
    Group *gr;
    if (k) {
        gr = &g->items[k - 1];
    } else {
        if (g->n == g->cap) {
            uint32_t cap = g->cap ? g->cap * 2 : 16;
            Group *items = rg_alloc(cap * sizeof *items);
            if (g->n)
                memcpy(items, g->items, g->n * sizeof *items);
            g->items = items;
            g->cap = cap;
        }
        gr = &g->items[g->n++];
        memset(gr, 0, sizeof *gr);
        *gr = (Group){decision, from, to, gone, came, ngone, ncame, messages_only, sig, NULL, 0, 0};
        strmap_put(&g->by_signature, sig, (void *)(uintptr_t)g->n);
    }
    if (gr->nids == gr->ids_cap) {
        uint32_t cap = gr->ids_cap ? gr->ids_cap * 2 : 8;
        const char **ids = rg_alloc(cap * sizeof *ids);
        if (gr->nids)
            memcpy(ids, gr->ids, gr->nids * sizeof *ids);
        gr->ids = ids;
        gr->ids_cap = cap;
    }
    gr->ids[gr->nids++] = before ? before->id : after->id;
}

/* ---------------------------------------------------------------- why */

typedef struct Because {
    const char **items;
    uint32_t n, cap;
} Because;

static void because_add(Because *b, const char *s)
{
    for (uint32_t i = 0; i < b->n; i++)
        if (strcmp(b->items[i], s) == 0)
            return;
    if (b->n == b->cap) {
        uint32_t cap = b->cap ? b->cap * 2 : 4;
        const char **items = rg_alloc(cap * sizeof *items);
        if (b->n)
            memcpy(items, b->items, b->n * sizeof *items);
        b->items = items;
        b->cap = cap;
    }
    b->items[b->n++] = s;
}

static bool const_value(const Program *p, const char *name, Value *out)
{
    for (uint32_t i = 0; i < p->nconst_decls; i++)
        if (strcmp(p->const_decls[i]->u.constant.name.name, name) == 0) {
            *out = p->const_values[i];
            return true;
        }
    return false;
}

/* The constants an expression reads, through lets and functions. */
static void constants_read(const Node *n, const char **names, uint32_t *count, uint32_t max, int depth)
{
    if (!n || depth > 64 || *count >= max)
        return;
    switch (n->kind) {
    case N_NAME: {
        const Symbol *s = n->u.name.sym;
        if (!s)
            return;
        if (s->kind == SYM_CONST) {
            for (uint32_t i = 0; i < *count; i++)
                if (strcmp(names[i], s->name) == 0)
                    return;
            names[(*count)++] = s->name;
            constants_read(s->decl->u.constant.value, names, count, max, depth + 1);
        } else if (s->kind == SYM_LOCAL && s->decl && s->decl->kind == N_LET) {
            constants_read(s->decl->u.let.value, names, count, max, depth + 1);
        }
        return;
    }
    case N_CALL: {
        const Symbol *s = n->u.call.sym;
        if (s && s->kind == SYM_FN && s->decl->kind == N_FN) {
            for (size_t i = 0; i < s->decl->u.fn.lets.len; i++)
                constants_read(s->decl->u.fn.lets.items[i]->u.let.value, names, count, max, depth + 1);
            constants_read(s->decl->u.fn.body, names, count, max, depth + 1);
        }
        for (size_t i = 0; i < n->u.call.args.len; i++)
            constants_read(n->u.call.args.items[i], names, count, max, depth + 1);
        return;
    }
    case N_LIST: case N_INTERP:
        for (size_t i = 0; i < n->u.list.len; i++)
            constants_read(n->u.list.items[i], names, count, max, depth + 1);
        return;
    case N_FIELD: constants_read(n->u.field.obj, names, count, max, depth + 1); return;
    case N_INDEX:
        constants_read(n->u.index.obj, names, count, max, depth + 1);
        constants_read(n->u.index.index, names, count, max, depth + 1);
        return;
    case N_LAMBDA: constants_read(n->u.lambda.body, names, count, max, depth + 1); return;
    case N_NAMED_ARG: constants_read(n->u.named.value, names, count, max, depth + 1); return;
    case N_UNARY: case N_BINARY:
        constants_read(n->u.op.a, names, count, max, depth + 1);
        constants_read(n->u.op.b, names, count, max, depth + 1);
        return;
    case N_IF:
        constants_read(n->u.cond.cond, names, count, max, depth + 1);
        constants_read(n->u.cond.then, names, count, max, depth + 1);
        constants_read(n->u.cond.els, names, count, max, depth + 1);
        return;
    case N_WHERE:
        constants_read(n->u.where.list, names, count, max, depth + 1);
        constants_read(n->u.where.pred, names, count, max, depth + 1);
        return;
    case N_DURATION: constants_read(n->u.dur.amount, names, count, max, depth + 1); return;
    default: return;
    }
}

static const RuleInfo *rule_named(const Program *p, const char *decision, const char *ref)
{
    /* "B3 (should)" names rule B3. */
    size_t n = strcspn(ref, " ");
    for (uint32_t i = 0; i < p->nrules; i++) {
        const RuleInfo *r = &p->rules[i];
        if (r->node && r->decision && strlen(r->ref) == n && strncmp(r->ref, ref, n) == 0 &&
            strcmp(r->decision, decision) == 0)
            return r;
    }
    for (uint32_t i = 0; i < p->nrules; i++) {
        const RuleInfo *r = &p->rules[i];
        if (r->node && strlen(r->ref) == n && strncmp(r->ref, ref, n) == 0)
            return r;
    }
    return NULL;
}

/* What changed between the versions in the rules a group's refs name. */
static void explain_group(const Program *before, const Program *after, const Group *g, Because *out)
{
    enum { MAX_NAMES = 256 };
    for (int side = 0; side < 2; side++) {
        const char **refs = side ? g->came : g->gone;
        uint32_t nrefs = side ? g->ncame : g->ngone;
        for (uint32_t i = 0; i < nrefs; i++) {
            const RuleInfo *ra = rule_named(before, g->decision, refs[i]);
            const RuleInfo *rb = rule_named(after, g->decision, refs[i]);
            if (!ra || !rb) {
                because_add(out, rg_sprintf("rule %s is %s", refs[i], ra ? "gone" : "new"));
                continue;
            }
            const char *ca = format_flat(before->files, ra->node->u.rule.cond);
            const char *cb = format_flat(after->files, rb->node->u.rule.cond);
            if (strcmp(ca, cb) != 0)
                because_add(out, rg_sprintf("%s's condition %s became %s", ra->ref, ca, cb));
            const char *names[MAX_NAMES];
            uint32_t count = 0;
            constants_read(rb->node->u.rule.cond, names, &count, MAX_NAMES, 0);
            constants_read(ra->node->u.rule.cond, names, &count, MAX_NAMES, 0);
            for (uint32_t k = 0; k < count; k++) {
                Value va, vb;
                if (!const_value(before, names[k], &va) || !const_value(after, names[k], &vb) || value_equal(va, vb))
                    continue;
                RgBuf b;
                buf_init(&b);
                buf_printf(&b, "%s's %s ", ra->ref, names[k]);
                value_render(&b, va);
                buf_adds(&b, " became ");
                value_render(&b, vb);
                because_add(out, b.data);
            }
        }
    }
}

/* ---------------------------------------------------------------- report */

static const char *describe(const Group *g)
{
    RgBuf b;
    buf_init(&b);
    if (!*g->from)
        buf_printf(&b, "new line, %s", g->to);
    else if (!*g->to)
        buf_printf(&b, "line gone, was %s", g->from);
    else if (strcmp(g->from, g->to) != 0)
        buf_printf(&b, "%s → %s", g->from, g->to);
    else
        buf_printf(&b, "still %s", g->to);
    if (*g->from && *g->to) {
        if (g->messages_only) {
            buf_printf(&b, ", the message of %s changed", joined(g->came, g->ncame));
        } else {
            if (g->ngone)
                buf_printf(&b, ", %s no longer %s", joined(g->gone, g->ngone), g->ngone == 1 ? "fails" : "fail");
            if (g->ncame)
                buf_printf(&b, ", %s now %s", joined(g->came, g->ncame), g->ncame == 1 ? "fails" : "fail");
        }
    }
    return b.data;
}

static void text_report(const Program *before, const Program *after, const char *decision, uint32_t nlines,
                        const Groups *g, RgBuf *out)
{
    uint32_t changed = 0;
    for (uint32_t i = 0; i < g->n; i++)
        if (strcmp(g->items[i].decision, decision) == 0)
            changed += g->items[i].nids;
    buf_printf(out, "%s: %u line%s, ", decision, nlines, nlines == 1 ? "" : "s");
    if (!changed) {
        buf_adds(out, "no change\n");
        return;
    }
    buf_printf(out, "%u changed\n", changed);
    for (uint32_t i = 0; i < g->n; i++) {
        const Group *gr = &g->items[i];
        if (strcmp(gr->decision, decision) != 0)
            continue;
        buf_printf(out, "  %s: %u\n", describe(gr), gr->nids);
        Because because = {0};
        explain_group(before, after, gr, &because);
        for (uint32_t k = 0; k < because.n; k++)
            buf_printf(out, "      because %s\n", because.items[k]);
        buf_adds(out, "      ");
        for (uint32_t k = 0; k < gr->nids && k < SHOW_IDS; k++)
            buf_printf(out, "%s%s", k ? ", " : "", gr->ids[k]);
        if (gr->nids > SHOW_IDS)
            buf_printf(out, " and %u more", gr->nids - SHOW_IDS);
        buf_addc(out, '\n');
    }
}

static void json_strs(RgBuf *b, const char **xs, uint32_t n)
{
    buf_addc(b, '[');
    for (uint32_t i = 0; i < n; i++) {
        if (i)
            buf_addc(b, ',');
        json_write_string(b, xs[i], strlen(xs[i]));
    }
    buf_addc(b, ']');
}

static void json_report(const Program *before, const Program *after, const char *decision, uint32_t nlines,
                        const Groups *g, RgBuf *out)
{
    uint32_t changed = 0;
    for (uint32_t i = 0; i < g->n; i++)
        if (strcmp(g->items[i].decision, decision) == 0)
            changed += g->items[i].nids;
    buf_adds(out, "{\"decision\":");
    json_write_string(out, decision, strlen(decision));
    buf_printf(out, ",\"lines\":%u,\"changed\":%u,\"groups\":[", nlines, changed);
    bool first = true;
    for (uint32_t i = 0; i < g->n; i++) {
        const Group *gr = &g->items[i];
        if (strcmp(gr->decision, decision) != 0)
            continue;
        buf_adds(out, first ? "{\"from\":" : ",{\"from\":");
        first = false;
        if (*gr->from)
            json_write_string(out, gr->from, strlen(gr->from));
        else
            buf_adds(out, "null");
        buf_adds(out, ",\"to\":");
        if (*gr->to)
            json_write_string(out, gr->to, strlen(gr->to));
        else
            buf_adds(out, "null");
        buf_adds(out, ",\"no_longer_failing\":");
        json_strs(out, gr->gone, gr->ngone);
        buf_adds(out, ",\"now_failing\":");
        json_strs(out, gr->came, gr->messages_only ? 0 : gr->ncame);
        buf_adds(out, ",\"message_changed\":");
        json_strs(out, gr->came, gr->messages_only ? gr->ncame : 0);
        buf_printf(out, ",\"messages_only\":%s,\"count\":%u,\"because\":", gr->messages_only ? "true" : "false",
                   gr->nids);
        Because because = {0};
        explain_group(before, after, gr, &because);
        json_strs(out, because.items, because.n);
        buf_adds(out, ",\"ids\":");
        json_strs(out, gr->ids, gr->nids);
        buf_addc(out, '}');
    }
    buf_adds(out, "]}\n");
}

static int run_side(const Program *p, const RunOptions *o, Side *s)
{
    memset(s, 0, sizeof *s);
    s->p = p;
    strmap_init(&s->by_key);
    RunOptions ro = *o;
    ro.verdict = keep_verdict;
    ro.verdict_ctx = s;
    ro.explain = false;
    RunSummary summary;
    memset(&summary, 0, sizeof summary);
    return run_batch(p, &ro, &summary);
}

int diff_programs(const Program *before, const Program *after, const RunOptions *o, bool json, bool *changed)
{
    *changed = false;
    Side a, b;
    int st = run_side(before, o, &a);
    if (st != RUN_OK)
        return st;
    st = run_side(after, o, &b);
    if (st != RUN_OK)
        return st;
    Groups g = {0};
    strmap_init(&g.by_signature);
    for (uint32_t i = 0; i < a.n; i++) {
        const Line *l = &a.lines[i];
        if (find(&a, l->decision, l->id) != l)
            continue; /* a repeated key */
        add_to_group(&g, l, find(&b, l->decision, l->id));
    }
    for (uint32_t i = 0; i < b.n; i++) {
        const Line *l = &b.lines[i];
        if (find(&b, l->decision, l->id) == l && !find(&a, l->decision, l->id))
            add_to_group(&g, NULL, l);
    }
    *changed = g.n > 0;
    /* One report per decision that wrote lines in either version: the
     * newer version's first, then those only the older one has. */
    RgBuf out;
    buf_init(&out);
    for (int side = 0; side < 2; side++) {
        const Program *p = side ? before : after;
        for (uint32_t di = 0; di < p->ndecisions; di++) {
            const char *name = p->decisions[di].name;
            if (side && program_decision(after, name) >= 0)
                continue;
            uint32_t nlines = 0, nbefore = 0;
            for (uint32_t i = 0; i < b.n; i++)
                nlines += strcmp(b.lines[i].decision, name) == 0;
            for (uint32_t i = 0; i < a.n; i++)
                nbefore += strcmp(a.lines[i].decision, name) == 0;
            if (!nlines && !nbefore)
                continue;
            if (json)
                json_report(before, after, name, nlines, &g, &out);
            else
                text_report(before, after, name, nlines, &g, &out);
        }
    }
    if (out.len && !o->write(o->write_ctx, out.data, out.len))
        return RUN_OUTPUT_ERROR;
    return RUN_OK;
}
