/*
 * explain.c — a trace of one decision turned into its explanation.
 *
 * The trace is a flat list of (trace point, value) in evaluation order. It
 * is cut into steps: a let and its value; a rule evaluation (the values of
 * its condition's parts, closed by the condition's own value); a queue
 * lookup, followed by the admission rules the queue's walk noted for the
 * element. Failed rules take their messages from the verdict, in order.
 */
#include "explain.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "check.h"
#include "date.h"
#include "format.h"
#include "text.h"
#include "value.h"

/* A list shows this many elements, a record this many fields, a text this
 * many characters; the rest is counted, not shown. */
#define SHOW_ELEMENTS 5
#define SHOW_FIELDS 3
#define SHOW_TEXT 120
/* Queue entries ahead that are listed one by one. */
#define SHOW_AHEAD 20

typedef struct Seen {
    const Node *node;
    Value value;
} Seen;

typedef enum StepKind { STEP_LET, STEP_RULE, STEP_QUEUE } StepKind;

typedef struct Step {
    StepKind kind;
    const Node *node;   /* the let, the rule's condition, or the include */
    Value value;        /* the let's value; the queue's element */
    int32_t rule;       /* STEP_RULE */
    int32_t queue;      /* STEP_QUEUE */
    bool has_element;   /* a `for`-rule: the element checked */
    Value element;
    bool holds;
    Seen *seen;         /* the condition's parts, in evaluation order */
    uint32_t nseen;
    Value message;      /* a failed rule's message (none when not found) */
    const Node *ranking;/* a sort_by evaluated on the way, with its elements and keys */
    Value ranked;
} Step;

typedef struct Steps {
    Step *items;
    uint32_t n, cap;
} Steps;

static Step *new_step(Steps *s, StepKind kind)
{
    if (s->n == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 16;
        Step *items = rg_alloc(cap * sizeof *items);
        if (s->n)
            memcpy(items, s->items, s->n * sizeof *items);
        s->items = items;
        s->cap = cap;
    }
    Step *st = &s->items[s->n++];
    memset(st, 0, sizeof *st);
    st->kind = kind;
    st->rule = -1;
    st->queue = -1;
    return st;
}

static Steps cut_steps(const Program *p, const Trace *t)
{
    Steps s = {0};
    Seen *pending = rg_alloc((t->n ? t->n : 1) * sizeof *pending);
    uint32_t npending = 0;
    bool has_element = false;
    Value element = val_none();
    const Node *ranking = NULL;
    Value ranked = val_none();
    for (uint32_t i = 0; i < t->n; i++) {
        const TraceEvent *e = &t->events[i];
        if (e->point >= p->ntrace_points)
            continue;
        const TracePoint *tp = &p->trace_points[e->point];
        switch (tp->kind) {
        case TRACE_RANKING:
            ranking = tp->node;
            ranked = e->value;
            break;
        case TRACE_LET: {
            Step *st = new_step(&s, STEP_LET);
            st->node = tp->node;
            st->value = e->value;
            st->ranking = ranking;
            st->ranked = ranked;
            ranking = NULL;
            break;
        }
        case TRACE_QUEUE: {
            Step *st = new_step(&s, STEP_QUEUE);
            st->node = tp->node;
            st->value = e->value;
            st->queue = tp->queue;
            break;
        }
        case TRACE_EACH:
            has_element = true;
            element = e->value;
            npending = 0;
            break;
        case TRACE_EXPR:
            pending[npending++] = (Seen){tp->node, e->value};
            break;
        case TRACE_COND: {
            Step *st = new_step(&s, STEP_RULE);
            st->node = tp->node;
            st->rule = tp->rule;
            st->holds = e->value.tag == V_BOOL && e->value.as.b;
            st->has_element = has_element;
            st->element = element;
            st->seen = rg_alloc((npending ? npending : 1) * sizeof *st->seen);
            memcpy(st->seen, pending, npending * sizeof *pending);
            st->nseen = npending;
            st->ranking = ranking;
            st->ranked = ranked;
            ranking = NULL;
            npending = 0;
            has_element = false;
            break;
        }
        }
    }
    return s;
}

/* Failed rules take the verdict's messages: the verdict lists failures in
 * the order they happened, as the trace does. */
static void attach_messages(Steps *s, const Verdict *v)
{
    bool *used = rg_alloc_atomic((v->nreasons ? v->nreasons : 1) * sizeof *used);
    memset(used, 0, (v->nreasons ? v->nreasons : 1) * sizeof *used);
    for (uint32_t i = 0; i < s->n; i++) {
        Step *st = &s->items[i];
        st->message = val_none();
        if (st->kind != STEP_RULE || st->holds)
            continue;
        for (uint32_t k = 0; k < v->nreasons; k++)
            if (!used[k] && v->reasons[k].rule == (uint32_t)st->rule) {
                used[k] = true;
                st->message = v->reasons[k].message;
                break;
            }
    }
}

/* ---------------------------------------------------------------- values */

/* The text whose code_points() gave list l. */
static Value text_from_code_points(Value l)
{
    if (l.tag != V_LIST)
        return l;
    RgBuf b;
    buf_init(&b);
    for (uint32_t i = 0; i < l.as.list->len; i++) {
        Value c = l.as.list->items[i];
        if (c.tag != V_INT || c.as.i < 0 || c.as.i > 0x10FFFF)
            return l;
        uint32_t cp = (uint32_t)c.as.i;
        if (cp < 0x80) {
            buf_addc(&b, (char)cp);
        } else if (cp < 0x800) {
            buf_addc(&b, (char)(0xC0 | (cp >> 6)));
            buf_addc(&b, (char)(0x80 | (cp & 0x3F)));
        } else if (cp < 0x10000) {
            buf_addc(&b, (char)(0xE0 | (cp >> 12)));
            buf_addc(&b, (char)(0x80 | ((cp >> 6) & 0x3F)));
            buf_addc(&b, (char)(0x80 | (cp & 0x3F)));
        } else {
            buf_addc(&b, (char)(0xF0 | (cp >> 18)));
            buf_addc(&b, (char)(0x80 | ((cp >> 12) & 0x3F)));
            buf_addc(&b, (char)(0x80 | ((cp >> 6) & 0x3F)));
            buf_addc(&b, (char)(0x80 | (cp & 0x3F)));
        }
    }
    return val_text(b.data ? b.data : "", b.len);
}

/* A value as a reader of policies sees it: numbers and dates as messages
 * write them, truth as true/false, texts quoted, long lists cut short. */
static void show_in(const Program *p, RgBuf *b, Value v, int depth)
{
    switch ((ValueTag)v.tag) {
    case V_NONE: buf_adds(b, "none"); break;
    /* As the condition writes it: the word, not the text of messages. */
    case V_ENUM: buf_adds(b, v.as.enm->words[v.aux]); break;
    case V_BOOL: buf_adds(b, v.as.b ? "true" : "false"); break;
    case V_TEXT: {
        size_t n = v.aux, cut = n;
        if (text_length(v.as.s, n) > SHOW_TEXT) {
            /* Cut at a character boundary. */
            size_t chars = 0;
            for (cut = 0; cut < n && chars < SHOW_TEXT; cut++)
                if (((unsigned char)v.as.s[cut] & 0xC0) != 0x80)
                    chars++;
            while (cut < n && ((unsigned char)v.as.s[cut] & 0xC0) == 0x80)
                cut++;
        }
        buf_addc(b, '"');
        buf_add(b, v.as.s, cut);
        buf_adds(b, cut < n ? "…\"" : "\"");
        break;
    }
    case V_LIST:
    case V_SET: {
        const List *l = v.as.list;
        buf_addc(b, '[');
        for (uint32_t i = 0; i < l->len && i < SHOW_ELEMENTS; i++) {
            if (i)
                buf_adds(b, ", ");
            show_in(p, b, l->items[i], depth + 1);
        }
        if (l->len > SHOW_ELEMENTS)
            buf_printf(b, ", … (%u in all)", l->len);
        buf_addc(b, ']');
        break;
    }
    case V_RECORD: {
        const Record *r = v.as.rec;
        /* A record of a keyed source is known by its key. */
        for (uint32_t i = 0; i < p->nsources; i++)
            if (p->sources[i]->type == r->type && p->sources[i]->key_field >= 0) {
                buf_printf(b, "%s ", r->type->name);
                show_in(p, b, r->slots[p->sources[i]->key_field], depth + 1);
                return;
            }
        /* Inside a list, one field is enough to tell records apart. */
        size_t fields = depth ? 1 : SHOW_FIELDS;
        buf_printf(b, "%s(", r->type->name);
        for (size_t i = 0; i < r->type->nfields && i < fields; i++) {
            if (i)
                buf_adds(b, ", ");
            buf_printf(b, "%s: ", r->type->fields[i].name);
            show_in(p, b, r->slots[i], depth + 1);
        }
        buf_adds(b, r->type->nfields > fields ? ", …)" : ")");
        break;
    }
    default:
        value_render(b, v);
        break;
    }
}

static void show(const Program *p, RgBuf *b, Value v)
{
    show_in(p, b, v, 0);
}

static const char *shown(const Program *p, Value v)
{
    RgBuf b;
    buf_init(&b);
    show(p, &b, v);
    return buf_dup(&b);
}

/* The element of a queue named as a reader knows it: by its source's key
 * when it has one. */
static void show_element(const Program *p, RgBuf *b, Value e)
{
    if (e.tag == V_RECORD)
        for (uint32_t i = 0; i < p->nsources; i++) {
            const SourceSpec *s = p->sources[i];
            if (s->type == e.as.rec->type && s->key_field >= 0) {
                value_render(b, e.as.rec->slots[s->key_field]);
                return;
            }
        }
    show(p, b, e);
}

static bool seen_value(const Step *st, const Node *n, Value *out)
{
    if (n == st->node && st->kind == STEP_RULE) {
        *out = val_bool(st->holds);
        return true;
    }
    for (uint32_t i = st->nseen; i-- > 0;)
        if (st->seen[i].node == n) {
            *out = st->seen[i].value;
            return true;
        }
    switch (n->kind) {
    case N_INT: *out = val_int(n->u.i); return true;
    case N_DEC: *out = val_dec(n->u.dec); return true;
    case N_DATE: *out = val_date(n->u.date); return true;
    case N_BOOL: *out = val_bool(n->u.b); return true;
    default: return false;
    }
}

static bool is_comparison(const Node *n)
{
    return n->kind == N_BINARY && ((n->u.op.op >= OP_EQ && n->u.op.op <= OP_GE) || n->u.op.op == OP_IN ||
                                   n->u.op.op == OP_NOT_IN);
}

/* "4 400 >= 4 500 is false": a comparison with its operands' values. */
static void show_comparison(const Program *p, const Step *st, const Node *n, Value result, RgBuf *b)
{
    Value a, c;
    if (seen_value(st, n->u.op.a, &a))
        show(p, b, a);
    else
        buf_adds(b, format_flat(p->files, n->u.op.a));
    buf_printf(b, " %s ", op_text(n->u.op.op));
    if (seen_value(st, n->u.op.b, &c))
        show(p, b, c);
    else
        buf_adds(b, format_flat(p->files, n->u.op.b));
    buf_adds(b, result.tag == V_BOOL && result.as.b ? " is true" : " is false");
}

/* ---------------------------------------------------------------- what would change */

static bool is_number(Value v)
{
    return v.tag == V_INT || v.tag == V_DEC;
}

static bool is_literal(const Node *n)
{
    if (n->kind == N_INT || n->kind == N_DEC || n->kind == N_DATE)
        return true;
    return n->kind == N_NAME && n->u.name.sym && n->u.name.sym->kind == SYM_CONST;
}

/* How `x` must change for `x op bar` to hold (x on the left), in the words
 * the region writes; NULL when no single change of x says it. */
static const char *needed(const char *x, Op op, Value now, Value bar)
{
    RgBuf b;
    buf_init(&b);
    if (now.tag == V_DATE && bar.tag == V_DATE) {
        Date want = bar.as.date;
        if ((op == OP_GT && !date_add_days(want, 1, &want)) || (op == OP_LT && !date_add_days(want, -1, &want)))
            return NULL;
        char d[16];
        date_format_iso(want, d);
        int64_t days = (int64_t)want - (int64_t)now.as.date;
        switch (op) {
        case OP_GE:
        case OP_GT:
            buf_printf(&b, "%s tidigast %s (%lld %s senare)", x, d, (long long)days, days == 1 ? "dag" : "dagar");
            return b.data;
        case OP_LE:
        case OP_LT:
            buf_printf(&b, "%s senast %s (%lld %s tidigare)", x, d, (long long)-days, days == -1 ? "dag" : "dagar");
            return b.data;
        case OP_EQ:
            buf_printf(&b, "%s = %s", x, d);
            return b.data;
        default:
            return NULL;
        }
    }
    if (!is_number(now) || !is_number(bar))
        return NULL;
    if (now.tag == V_INT && bar.tag == V_INT) {
        int64_t want = bar.as.i;
        if (op == OP_GT)
            want = bar.as.i == INT64_MAX ? bar.as.i : bar.as.i + 1;
        if (op == OP_LT)
            want = bar.as.i == INT64_MIN ? bar.as.i : bar.as.i - 1;
        RgBuf num;
        buf_init(&num);
        text_format_int_sv(&num, want);
        RgBuf diff;
        buf_init(&diff);
        switch (op) {
        case OP_GE:
        case OP_GT:
            text_format_int_sv(&diff, want - now.as.i);
            buf_printf(&b, "%s minst %s (%s fler)", x, num.data, diff.data);
            return b.data;
        case OP_LE:
        case OP_LT:
            text_format_int_sv(&diff, now.as.i - want);
            buf_printf(&b, "%s högst %s (%s färre)", x, num.data, diff.data);
            return b.data;
        case OP_EQ:
            buf_printf(&b, "%s = %s", x, num.data);
            return b.data;
        default:
            return NULL;
        }
    }
    /* Decimals: the bar itself; "more than" where a strict comparison has
     * no next value. */
    RgBuf num;
    buf_init(&num);
    text_format_dec_sv(&num, val_as_dec(bar));
    switch (op) {
    case OP_GE: buf_printf(&b, "%s minst %s", x, num.data); return b.data;
    case OP_GT: buf_printf(&b, "%s mer än %s", x, num.data); return b.data;
    case OP_LE: buf_printf(&b, "%s högst %s", x, num.data); return b.data;
    case OP_LT: buf_printf(&b, "%s mindre än %s", x, num.data); return b.data;
    case OP_EQ: buf_printf(&b, "%s = %s", x, num.data); return b.data;
    default: return NULL;
    }
}

static Op mirrored(Op op)
{
    switch (op) {
    case OP_LT: return OP_GT;
    case OP_LE: return OP_GE;
    case OP_GT: return OP_LT;
    case OP_GE: return OP_LE;
    default: return op;
    }
}

typedef struct Changes {
    const char **items;
    uint32_t n, cap;
} Changes;

static void add_change(Changes *c, const char *s)
{
    if (c->n == c->cap) {
        uint32_t cap = c->cap ? c->cap * 2 : 4;
        const char **items = rg_alloc(cap * sizeof *items);
        if (c->n)
            memcpy(items, c->items, c->n * sizeof *items);
        c->items = items;
        c->cap = cap;
    }
    c->items[c->n++] = s;
}

/* The changes that would make the false condition n true: one per failed
 * conjunct of an `and`; for an `or`, its alternatives as one change. Only
 * comparisons of numbers and dates are changed, and on the side that is
 * the record's own value (not a literal or a named constant). False when
 * the changes found are not enough: a failed part that no single change
 * says, or one that was never evaluated (the right side of an `and` whose
 * left side failed), whose value is not known; nothing is added then. */
static bool changes_for(const Program *p, const Step *st, const Node *n, Changes *out)
{
    Value v;
    if (!seen_value(st, n, &v) || v.tag != V_BOOL)
        return false;
    if (v.as.b)
        return true;
    if (n->kind == N_BINARY && n->u.op.op == OP_AND) {
        Changes both = {0};
        if (!changes_for(p, st, n->u.op.a, &both) || !changes_for(p, st, n->u.op.b, &both))
            return false;
        for (uint32_t i = 0; i < both.n; i++)
            add_change(out, both.items[i]);
        return true;
    }
    if (n->kind == N_BINARY && n->u.op.op == OP_OR) {
        /* Each side that can be made to hold is one alternative; a side
         * that needs several changes needs all of them. */
        RgBuf b;
        buf_init(&b);
        for (int side = 0; side < 2; side++) {
            Changes alt = {0};
            if (!changes_for(p, st, side ? n->u.op.b : n->u.op.a, &alt) || !alt.n)
                continue;
            if (b.len)
                buf_adds(&b, " eller ");
            for (uint32_t i = 0; i < alt.n; i++)
                buf_printf(&b, "%s%s", i ? " och " : "", alt.items[i]);
        }
        if (!b.len)
            return false;
        add_change(out, b.data);
        return true;
    }
    /* A yes/no value of the record: it would have to say yes (or no). */
    bool fact = n->kind == N_FIELD || (n->kind == N_NAME && n->u.name.sym && n->u.name.sym->kind == SYM_LOCAL);
    if (fact) {
        add_change(out, rg_sprintf("%s = true", format_flat(p->files, n)));
        return true;
    }
    const Node *x = n->kind == N_UNARY && n->u.op.op == OP_NOT ? n->u.op.a : NULL;
    Value inner;
    if (x && (x->kind == N_FIELD || x->kind == N_NAME) && seen_value(st, x, &inner) && inner.tag == V_BOOL) {
        add_change(out, rg_sprintf("%s = false", format_flat(p->files, x)));
        return true;
    }
    if (!is_comparison(n) || n->u.op.op == OP_NE || n->u.op.op == OP_IN || n->u.op.op == OP_NOT_IN)
        return false;
    const Node *own = n->u.op.a, *bar = n->u.op.b;
    Op op = n->u.op.op;
    if (is_literal(own) && !is_literal(bar)) {
        own = n->u.op.b;
        bar = n->u.op.a;
        op = mirrored(op);
    }
    Value now, limit;
    if (!seen_value(st, own, &now) || !seen_value(st, bar, &limit))
        return false;
    const char *c = needed(format_flat(p->files, own), op, now, limit);
    if (!c)
        return false;
    add_change(out, c);
    return true;
}

/* ---------------------------------------------------------------- rankings */

static void json_str(RgBuf *b, const char *s);

/* sort_by's elements in the order it gives them: by the keys, then by
 * their place in the list (as the VM's SORT does). */
typedef struct Ranked {
    const List *entry; /* [key..., element] */
    uint32_t pos;
} Ranked;

static int ranked_cmp(const void *x, const void *y)
{
    const Ranked *a = x, *b = y;
    for (uint32_t i = 0; i + 1 < a->entry->len; i++) {
        int c = value_compare(a->entry->items[i], b->entry->items[i]);
        if (c)
            return c;
    }
    return (a->pos > b->pos) - (a->pos < b->pos);
}

static Ranked *rank(Value v, uint32_t *n)
{
    *n = 0;
    if (v.tag != V_LIST)
        return NULL;
    Ranked *r = rg_alloc((v.as.list->len ? v.as.list->len : 1) * sizeof *r);
    for (uint32_t i = 0; i < v.as.list->len; i++)
        if (v.as.list->items[i].tag == V_LIST && v.as.list->items[i].as.list->len >= 1)
            r[(*n)++] = (Ranked){v.as.list->items[i].as.list, i};
    qsort(r, *n, sizeof *r, ranked_cmp);
    return r;
}

/* The i-th key of sort_by call n, and its value as a reader knows it. */
static const Node *ranking_key(const Node *n, uint32_t i, Value *v)
{
    const Node *key = n->u.call.args.items[i + 1];
    if (key->kind == N_LAMBDA)
        key = key->u.lambda.body;
    if (key->kind == N_CALL && strcmp(key->u.call.callee.name, "code_points") == 0 && key->u.call.args.len == 1) {
        *v = text_from_code_points(*v);
        key = key->u.call.args.items[0];
    }
    return key;
}

static void text_ranking(const Program *p, const Step *st, RgBuf *b)
{
    if (!st->ranking)
        return;
    const Node *n = st->ranking;
    buf_adds(b, "      ranked by ");
    size_t nkeys = n->u.call.args.len - 1;
    for (uint32_t i = 0; i < nkeys; i++) {
        Value ignored = val_none();
        buf_printf(b, "%s%s", i ? ", " : "", format_flat(p->files, ranking_key(n, i, &ignored)));
    }
    buf_adds(b, ":\n");
    uint32_t count;
    Ranked *r = rank(st->ranked, &count);
    for (uint32_t k = 0; k < count && k < SHOW_AHEAD; k++) {
        buf_printf(b, "      %3u. ", k + 1);
        show_element(p, b, r[k].entry->items[r[k].entry->len - 1]);
        buf_adds(b, ":");
        for (uint32_t i = 0; i < nkeys && i + 1 < r[k].entry->len; i++) {
            Value v = r[k].entry->items[i];
            ranking_key(n, i, &v);
            buf_printf(b, "%s %s", i ? "," : "", shown(p, v));
        }
        buf_addc(b, '\n');
    }
    if (count > SHOW_AHEAD)
        buf_printf(b, "      … and %u more\n", count - SHOW_AHEAD);
}

static void json_ranking(const Program *p, const Step *st, RgBuf *b)
{
    if (!st->ranking)
        return;
    const Node *n = st->ranking;
    size_t nkeys = n->u.call.args.len - 1;
    buf_adds(b, ",\"ranking\":{\"by\":[");
    for (uint32_t i = 0; i < nkeys; i++) {
        Value ignored = val_none();
        if (i)
            buf_addc(b, ',');
        json_str(b, format_flat(p->files, ranking_key(n, i, &ignored)));
    }
    buf_adds(b, "],\"order\":[");
    uint32_t count;
    Ranked *r = rank(st->ranked, &count);
    for (uint32_t k = 0; k < count; k++) {
        RgBuf who;
        buf_init(&who);
        show_element(p, &who, r[k].entry->items[r[k].entry->len - 1]);
        buf_adds(b, k ? ",{\"element\":" : "{\"element\":");
        json_write_string(b, who.data ? who.data : "", who.len);
        buf_adds(b, ",\"keys\":[");
        for (uint32_t i = 0; i < nkeys && i + 1 < r[k].entry->len; i++) {
            Value v = r[k].entry->items[i];
            ranking_key(n, i, &v);
            if (i)
                buf_addc(b, ',');
            value_write_json(b, v);
        }
        buf_adds(b, "]}");
    }
    buf_adds(b, "]}");
}

/* ---------------------------------------------------------------- text */

static void text_rule(const Program *p, const Step *st, const char *decision, RgBuf *b)
{
    const RuleInfo *r = &p->rules[st->rule];
    static const char *const sev[] = {"must", "should", "guard"};
    buf_printf(b, "  %-5s %-6s %s  %s", r->ref, sev[r->severity], st->holds ? "holds" : "FAILS",
               format_flat(p->files, st->node));
    if (r->decision && strcmp(r->decision, decision) != 0)
        buf_printf(b, "   (from %s)", r->decision);
    buf_addc(b, '\n');
    const char *pad = "                     ";
    if (st->has_element)
        buf_printf(b, "%sfor %s\n", pad, shown(p, st->element));
    for (uint32_t i = 0; i < st->nseen; i++) {
        const Seen *s = &st->seen[i];
        /* A part seen twice (in a loop of the condition) shows its last value. */
        bool later = false;
        for (uint32_t k = i + 1; k < st->nseen && !later; k++)
            later = st->seen[k].node == s->node;
        /* A named list or record was shown where it was named (a let). */
        bool collection = s->value.tag == V_LIST || s->value.tag == V_SET || s->value.tag == V_RECORD;
        bool record_on_the_way = s->node->kind == N_FIELD && s->value.tag == V_RECORD;
        if (later || (s->node->kind == N_NAME && collection) || record_on_the_way)
            continue;
        buf_adds(b, pad);
        if (is_comparison(s->node))
            show_comparison(p, st, s->node, s->value, b);
        else
            buf_printf(b, "%s = %s", format_flat(p->files, s->node), shown(p, s->value));
        buf_addc(b, '\n');
    }
    Value result = val_bool(st->holds);
    if (is_comparison(st->node)) {
        buf_adds(b, pad);
        show_comparison(p, st, st->node, result, b);
        buf_addc(b, '\n');
    }
    if (st->holds)
        return;
    if (st->message.tag == V_TEXT)
        buf_printf(b, "%sreason: %.*s\n", pad, (int)st->message.aux, st->message.as.s);
    Changes ch = {0};
    changes_for(p, st, st->node, &ch);
    for (uint32_t i = 0; i < ch.n; i++)
        buf_printf(b, "%s%s %s\n", pad, i ? "     and" : "would hold with", ch.items[i]);
}

/* Why `theirs` comes before `mine`: the first ordering key that differs. */
static void ahead_because(const Program *p, const QueueInfo *q, const List *theirs, const List *mine, RgBuf *b)
{
    for (uint32_t i = 1; i < theirs->len && i < mine->len && i - 1 < q->norder; i++) {
        int c = value_compare(theirs->items[i], mine->items[i]);
        if (c == 0)
            continue;
        const Node *key = q->order[i - 1];
        Value t = theirs->items[i], m = mine->items[i];
        /* code_points(x) orders by x's characters: show x again. */
        if (key->kind == N_CALL && strcmp(key->u.call.callee.name, "code_points") == 0 && key->u.call.args.len == 1) {
            t = text_from_code_points(t);
            m = text_from_code_points(m);
            key = key->u.call.args.items[0];
        }
        buf_printf(b, "%s %s before %s", format_flat(p->files, key), shown(p, t), shown(p, m));
        return;
    }
    buf_adds(b, "the same on every ordering key, and earlier in the list");
}

static void text_queue(const Program *p, Vm *vm, const Step *st, RgBuf *b)
{
    const QueueInfo *q = &p->queues[st->queue];
    QueueView view;
    if (!vm_queue_view(vm, (uint32_t)st->queue, st->value, &view)) {
        buf_printf(b, "  queue %s: not in the queue\n", q->name);
        return;
    }
    const Record *entry = view.entry.as.rec;
    buf_printf(b, "  queue %s", q->name);
    if (q->by)
        buf_printf(b, " (%s = %s)", format_flat(p->files, q->by), shown(p, view.keys->items[0]));
    buf_printf(b, ": place %lld of %u, %lld admitted before it, capacity %lld: %s\n",
               (long long)entry->slots[ENTRY_POSITION].as.i, view.size,
               (long long)entry->slots[ENTRY_ADMITTED_BEFORE].as.i, (long long)entry->slots[ENTRY_CAPACITY].as.i,
               entry->slots[ENTRY_ADMITTED].as.b ? "admitted" : "not admitted");
    for (uint32_t i = 0; i < view.nahead && i < SHOW_AHEAD; i++) {
        buf_printf(b, "      %3u. ", i + 1);
        show_element(p, b, view.ahead[i]);
        buf_printf(b, " (%s): ", view.ahead_admitted[i] ? "admitted" : "not admitted");
        ahead_because(p, q, view.ahead_keys[i], view.keys, b);
        buf_addc(b, '\n');
    }
    if (view.nahead > SHOW_AHEAD)
        buf_printf(b, "      … and %u more ahead\n", view.nahead - SHOW_AHEAD);
}

static void write_text(const Program *p, Vm *vm, const DecisionInfo *d, const Verdict *v, const Steps *s,
                       RgBuf *b)
{
    const char *word = v->word >= 0 && (uint32_t)v->word < d->nwords ? d->words[v->word] : "?";
    buf_printf(b, "%s ", d->name);
    if (v->key.tag == V_TEXT)
        buf_add(b, v->key.as.s, v->key.aux);
    buf_printf(b, ": %s\n", word);
    for (uint32_t i = 0; i < s->n; i++) {
        const Step *st = &s->items[i];
        switch (st->kind) {
        case STEP_LET:
            buf_printf(b, "  let %s = %s\n", st->node->u.let.name.name, shown(p, st->value));
            text_ranking(p, st, b);
            break;
        case STEP_RULE:
            text_rule(p, st, d->name, b);
            text_ranking(p, st, b);
            break;
        case STEP_QUEUE: text_queue(p, vm, st, b); break;
        }
    }
    buf_addc(b, '\n');
}

/* ---------------------------------------------------------------- JSON */

static void json_str(RgBuf *b, const char *s)
{
    json_write_string(b, s, strlen(s));
}

static void json_rule(const Program *p, const Step *st, RgBuf *b)
{
    const RuleInfo *r = &p->rules[st->rule];
    static const char *const sev[] = {"must", "should", "guard"};
    buf_adds(b, "{\"rule\":");
    json_str(b, r->ref);
    buf_adds(b, ",\"severity\":");
    json_str(b, sev[r->severity]);
    buf_adds(b, ",\"in\":");
    json_str(b, r->decision ? r->decision : "");
    buf_adds(b, ",\"condition\":");
    json_str(b, format_flat(p->files, st->node));
    if (st->has_element) {
        buf_adds(b, ",\"for\":");
        value_write_json(b, st->element);
    }
    buf_printf(b, ",\"holds\":%s,\"values\":[", st->holds ? "true" : "false");
    bool first = true;
    for (uint32_t i = 0; i < st->nseen; i++) {
        const Seen *s = &st->seen[i];
        bool later = false;
        for (uint32_t k = i + 1; k < st->nseen && !later; k++)
            later = st->seen[k].node == s->node;
        if (later)
            continue;
        buf_adds(b, first ? "{\"expr\":" : ",{\"expr\":");
        first = false;
        json_str(b, format_flat(p->files, s->node));
        buf_adds(b, ",\"value\":");
        value_write_json(b, s->value);
        buf_addc(b, '}');
    }
    buf_addc(b, ']');
    if (!st->holds) {
        if (st->message.tag == V_TEXT) {
            buf_adds(b, ",\"message\":");
            json_write_string(b, st->message.as.s, st->message.aux);
        }
        Changes ch = {0};
        changes_for(p, st, st->node, &ch);
        if (ch.n) {
            buf_adds(b, ",\"would_hold_with\":[");
            for (uint32_t i = 0; i < ch.n; i++) {
                if (i)
                    buf_addc(b, ',');
                json_str(b, ch.items[i]);
            }
            buf_addc(b, ']');
        }
    }
    buf_addc(b, '}');
}

static void json_queue(const Program *p, Vm *vm, const Step *st, RgBuf *b)
{
    const QueueInfo *q = &p->queues[st->queue];
    buf_adds(b, "{\"queue\":");
    json_str(b, q->name);
    QueueView view;
    if (!vm_queue_view(vm, (uint32_t)st->queue, st->value, &view)) {
        buf_adds(b, ",\"in_queue\":false}");
        return;
    }
    const Record *entry = view.entry.as.rec;
    buf_adds(b, ",\"in_queue\":true,\"partition\":");
    value_write_json(b, view.keys->items[0]);
    buf_printf(b, ",\"position\":%lld,\"size\":%u,\"admitted_before\":%lld,\"capacity\":%lld,\"admitted\":%s,\"ahead\":[",
               (long long)entry->slots[ENTRY_POSITION].as.i, view.size,
               (long long)entry->slots[ENTRY_ADMITTED_BEFORE].as.i, (long long)entry->slots[ENTRY_CAPACITY].as.i,
               entry->slots[ENTRY_ADMITTED].as.b ? "true" : "false");
    for (uint32_t i = 0; i < view.nahead; i++) {
        RgBuf who, why;
        buf_init(&who);
        buf_init(&why);
        show_element(p, &who, view.ahead[i]);
        ahead_because(p, q, view.ahead_keys[i], view.keys, &why);
        buf_adds(b, i ? ",{\"element\":" : "{\"element\":");
        json_write_string(b, who.data ? who.data : "", who.len);
        buf_printf(b, ",\"admitted\":%s,\"because\":", view.ahead_admitted[i] ? "true" : "false");
        json_write_string(b, why.data ? why.data : "", why.len);
        buf_addc(b, '}');
    }
    buf_adds(b, "]}");
}

static void write_json(const Program *p, Vm *vm, const DecisionInfo *d, const Verdict *v, const Steps *s, RgBuf *b)
{
    const char *word = v->word >= 0 && (uint32_t)v->word < d->nwords ? d->words[v->word] : "";
    buf_adds(b, "{\"decision\":");
    json_str(b, d->name);
    buf_adds(b, ",\"id\":");
    value_write_json(b, v->key);
    buf_adds(b, ",\"outcome\":");
    json_str(b, word);
    buf_adds(b, ",\"steps\":[");
    for (uint32_t i = 0; i < s->n; i++) {
        const Step *st = &s->items[i];
        if (i)
            buf_addc(b, ',');
        switch (st->kind) {
        case STEP_LET:
            buf_adds(b, "{\"let\":");
            json_str(b, st->node->u.let.name.name);
            buf_adds(b, ",\"value\":");
            value_write_json(b, st->value);
            json_ranking(p, st, b);
            buf_addc(b, '}');
            break;
        case STEP_RULE: json_rule(p, st, b); break;
        case STEP_QUEUE: json_queue(p, vm, st, b); break;
        }
    }
    buf_adds(b, "]}\n");
}

void explain_write(const Program *p, Vm *vm, uint32_t di, const Verdict *v, const Trace *trace, bool json,
                   RgBuf *out)
{
    Steps s = cut_steps(p, trace);
    attach_messages(&s, v);
    if (json)
        write_json(p, vm, &p->decisions[di], v, &s, out);
    else
        write_text(p, vm, &p->decisions[di], v, &s, out);
}
