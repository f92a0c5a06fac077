/*
 * format.c — the canonical layout of policy text (regel fmt).
 *
 * The syntax tree is turned into a document of text, possible line breaks
 * and groups (in the manner of Wadler's "prettier printer"), which is laid
 * out to a width of FORMAT_WIDTH: a group goes on one line when it fits,
 * else each of its breaks becomes a new line. The layout depends only on
 * the tree, so formatting formatted text changes nothing.
 *
 * What the tree does not hold is taken from the text: every comment, put
 * back before the item it preceded (or after it, on its line, when it was
 * there), blank lines between items (at most one), and how numbers and
 * dates were written (1_500 stays 1_500).
 */
#include "format.h"

#include <string.h>

#include "alloc.h"
#include "value.h"

/* Lines are laid out to fit this many columns when they can. */
#define FORMAT_WIDTH 100
#define INDENT 4

typedef enum DocKind {
    D_TEXT,
    D_SUFFIX,  /* text that does not count towards the width (a comment at a line's end) */
    D_IFBREAK, /* text only when its group breaks (a list's last comma) */
    D_LINE,
    D_SOFT,
    D_HARD,
    D_NEST,
    D_GROUP,
    D_ALT,     /* a, a group; or when a does not fit flat but b's first line does, b */
    D_MOVE,    /* a, a group; or when a does not fit flat, b flat on a new line `indent` deeper */
    D_FORCE,   /* nothing, but its groups break (after a comment that ends a line) */
    D_CAT,
} DocKind;

/* D_LINE is a space when its group is flat, D_SOFT nothing; both are a new
 * line when it breaks. D_HARD always breaks (and breaks its groups). */
typedef struct Doc {
    DocKind kind;
    const char *s;
    size_t n;
    int indent;
    const struct Doc *a, *b;
} Doc;

static const Doc *text_kind(DocKind k, const char *s, size_t n)
{
    Doc *d = rg_alloc(sizeof *d);
    d->kind = k;
    d->s = s;
    d->n = n;
    return d;
}

static const Doc *text_n(const char *s, size_t n)
{
    return text_kind(D_TEXT, s, n);
}

static const Doc *txt(const char *s)
{
    return text_n(s, strlen(s));
}

static const Doc *make(DocKind k, int indent, const Doc *a, const Doc *b)
{
    Doc *d = rg_alloc(sizeof *d);
    d->kind = k;
    d->indent = indent;
    d->a = a;
    d->b = b;
    return d;
}

static const Doc LINE = {D_LINE, NULL, 0, 0, NULL, NULL};
static const Doc SOFT = {D_SOFT, NULL, 0, 0, NULL, NULL};
static const Doc HARD = {D_HARD, NULL, 0, 0, NULL, NULL};
static const Doc COMMA_IF_BROKEN = {D_IFBREAK, ",", 1, 0, NULL, NULL};
static const Doc FORCE = {D_FORCE, NULL, 0, 0, NULL, NULL};

static const Doc *cat(const Doc *a, const Doc *b)
{
    if (!a)
        return b;
    if (!b)
        return a;
    return make(D_CAT, 0, a, b);
}

static const Doc *cat3(const Doc *a, const Doc *b, const Doc *c)
{
    return cat(cat(a, b), c);
}

static const Doc *nest(const Doc *a)
{
    return a ? make(D_NEST, INDENT, a, NULL) : NULL;
}

static const Doc *group(const Doc *a)
{
    return a ? make(D_GROUP, 0, a, NULL) : NULL;
}

/* `normal` (a group) when it fits on the line; else `hugged` when its first
 * line fits: f(a, [ on one line, the list's items below, ]) closing it. */
static const Doc *alt(const Doc *normal, const Doc *hugged)
{
    return hugged ? make(D_ALT, 0, normal, hugged) : normal;
}

/* `normal` (a group) when it fits on the line; else `moved` on a line of
 * its own, `depth` columns deeper, when it fits there flat. */
static const Doc *move_alt(const Doc *normal, const Doc *moved, int depth)
{
    Doc *d = (Doc *)make(D_MOVE, depth, normal, moved);
    return d;
}

/* ---------------------------------------------------------------- layout */

typedef struct Item {
    const Doc *doc;
    int indent;
    bool flat;
} Item;

typedef struct Stack {
    Item *items;
    size_t n, cap;
} Stack;

static void push(Stack *s, const Doc *d, int indent, bool flat)
{
    if (!d)
        return;
    if (s->n == s->cap) {
        size_t cap = s->cap ? s->cap * 2 : 64;
        Item *items = rg_alloc(cap * sizeof *items);
        if (s->n)
            memcpy(items, s->items, s->n * sizeof *items);
        s->items = items;
        s->cap = cap;
    }
    s->items[s->n++] = (Item){d, indent, flat};
}

/* Columns a text takes: code points. */
static size_t columns(const char *s, size_t n)
{
    size_t c = 0;
    for (size_t i = 0; i < n; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            c++;
    return c;
}

/* Does d fit in `room` columns, together with what follows it on the line
 * (the rest of the layout stack, up to its first line break)? d is measured
 * flat; a hard break in d fails, unless first_line, which asks only whether
 * d's first line fits. */
static bool fits(const Doc *d, const Stack *rest, long room, bool first_line)
{
    Stack s = {0};
    push(&s, d, 0, true);
    size_t next_rest = rest->n;
    bool in_rest = false;
    while (room >= 0) {
        if (!s.n) {
            if (!next_rest)
                return true;
            Item r = rest->items[--next_rest];
            push(&s, r.doc, 0, r.flat);
            in_rest = true;
        }
        Item it = s.items[--s.n];
        const Doc *x = it.doc;
        switch (x->kind) {
        case D_TEXT: room -= (long)columns(x->s, x->n); break;
        case D_SUFFIX: break;
        case D_IFBREAK:
            if (!it.flat)
                room -= (long)columns(x->s, x->n);
            break;
        case D_LINE:
        case D_SOFT:
            if (!it.flat)
                return true;
            room -= x->kind == D_LINE;
            break;
        case D_HARD:
        case D_FORCE:
            if (in_rest || first_line)
                return true;
            return false;
        case D_NEST: push(&s, x->a, 0, it.flat); break;
        case D_GROUP:
        case D_ALT:
        case D_MOVE:
            /* What follows may wrap at its next group: breaking this one
             * for text beyond that would gain nothing. */
            if (in_rest && !it.flat)
                return true;
            push(&s, x->a, 0, it.flat);
            break;
        case D_CAT:
            push(&s, x->b, 0, it.flat);
            push(&s, x->a, 0, it.flat);
            break;
        }
    }
    return false;
}

static void newline(RgBuf *out, int indent)
{
    /* No trailing spaces on a line left empty. */
    while (out->len && out->data[out->len - 1] == ' ')
        out->len--;
    buf_addc(out, '\n');
    for (int i = 0; i < indent; i++)
        buf_addc(out, ' ');
}

static void layout(const Doc *d, RgBuf *out)
{
    Stack s = {0};
    push(&s, d, 0, false);
    long col = 0;
    while (s.n) {
        Item it = s.items[--s.n];
        const Doc *x = it.doc;
        switch (x->kind) {
        case D_IFBREAK:
            if (it.flat)
                break;
            /* fall through */
        case D_TEXT:
        case D_SUFFIX:
            buf_add(out, x->s, x->n);
            col += (long)columns(x->s, x->n);
            break;
        case D_LINE:
        case D_SOFT:
            if (it.flat) {
                if (x->kind == D_LINE) {
                    buf_addc(out, ' ');
                    col++;
                }
                break;
            }
            /* fall through */
        case D_HARD:
            newline(out, it.indent);
            col = it.indent;
            break;
        case D_FORCE: break;
        case D_NEST: push(&s, x->a, it.indent + x->indent, it.flat); break;
        case D_GROUP: push(&s, x->a, it.indent, it.flat || fits(x->a, &s, FORMAT_WIDTH - col, false)); break;
        case D_ALT:
            if (it.flat || fits(x->a, &s, FORMAT_WIDTH - col, false))
                push(&s, x->a, it.indent, true);
            else if (fits(x->b, &s, FORMAT_WIDTH - col, true))
                push(&s, x->b, it.indent, false);
            else
                push(&s, x->a, it.indent, false);
            break;
        case D_MOVE:
            if (it.flat || fits(x->a, &s, FORMAT_WIDTH - col, false)) {
                push(&s, x->a, it.indent, true);
            } else if (fits(x->b, &s, FORMAT_WIDTH - (it.indent + x->indent), false)) {
                newline(out, it.indent + x->indent);
                col = it.indent + x->indent;
                push(&s, x->b, it.indent + x->indent, true);
            } else {
                push(&s, x->a, it.indent, false);
            }
            break;
        case D_CAT:
            push(&s, x->b, it.indent, it.flat);
            push(&s, x->a, it.indent, it.flat);
            break;
        }
    }
}

/* ---------------------------------------------------------------- source facts */

typedef struct Fmt {
    const SourceFile *file;
    Node **comments; /* in text order */
    size_t ncomments, next;
    /* Set by expr(): the hugged form of the expression just built (a list,
     * or a call whose last argument hugs), NULL when it has none. */
    const Node *hug_node;
    const Doc *hug;
} Fmt;

static size_t line_of(const Fmt *f, uint32_t offset)
{
    size_t lo = 0, hi = f->file->nlines;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->file->line_starts[mid] <= offset)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Is there an empty line between offsets a and b? */
static bool blank_between(const Fmt *f, uint32_t a, uint32_t b)
{
    if (b <= a)
        return false;
    int newlines = 0;
    for (uint32_t i = a; i < b && i < f->file->len; i++) {
        char c = f->file->text[i];
        if (c == '\n') {
            if (++newlines == 2)
                return true;
        } else if (c != ' ' && c != '\t' && c != '\r') {
            newlines = 0;
        }
    }
    return false;
}

static const Doc *source_text(const Fmt *f, Span s)
{
    return text_n(f->file->text + s.start, s.end - s.start);
}

static const Doc *comment_doc(const Node *c)
{
    /* A comment as written, without trailing white space. */
    size_t n = c->u.text.n;
    while (n && (c->u.text.s[n - 1] == ' ' || c->u.text.s[n - 1] == '\t' || c->u.text.s[n - 1] == '\r'))
        n--;
    return text_n(c->u.text.s, n);
}

static bool comment_before(const Fmt *f, uint32_t pos)
{
    return f->next < f->ncomments && f->comments[f->next]->span.start < pos;
}

/* The comments before offset pos, each on its own line, blank lines between
 * them kept. Before an item (at_end false) each ends with a line break and
 * a blank line after the last is kept; at the end of a block (at_end true)
 * the block's own break follows. */
static const Doc *comments_upto(Fmt *f, uint32_t pos, bool at_end)
{
    const Doc *d = NULL;
    while (comment_before(f, pos)) {
        const Node *c = f->comments[f->next++];
        d = cat(d, comment_doc(c));
        bool more = comment_before(f, pos);
        if (!more && at_end)
            break;
        d = cat(d, &HARD);
        if (blank_between(f, c->span.end, more ? f->comments[f->next]->span.start : pos))
            d = cat(d, &HARD);
    }
    return d;
}

static const Doc *leading(Fmt *f, uint32_t pos)
{
    return comments_upto(f, pos, false);
}

/* A comment that follows offset end on end's line, as " # ...". */
static const Doc *trailing(Fmt *f, uint32_t end)
{
    if (f->next >= f->ncomments)
        return NULL;
    const Node *c = f->comments[f->next];
    if (c->span.start < end || line_of(f, c->span.start) != line_of(f, end ? end - 1 : 0))
        return NULL;
    f->next++;
    const Doc *text = comment_doc(c);
    return cat3(txt("  "), text_kind(D_SUFFIX, text->s, text->n), &FORCE);
}

/* ---------------------------------------------------------------- expressions */

static const Doc *expr(Fmt *f, const Node *n);
static const Doc *if_chain(Fmt *f, const Node *n, bool nested);

/* Binding strength, loosest first (grammar/regel.y). */
enum { P_IF = 1, P_WHERE, P_OR, P_AND, P_NOT, P_CMP, P_COALESCE, P_ADD, P_MUL, P_NEG, P_POSTFIX, P_ATOM };

static int op_prec(Op op)
{
    switch (op) {
    case OP_OR: return P_OR;
    case OP_AND: return P_AND;
    case OP_NOT: return P_NOT;
    case OP_EQ: case OP_NE: case OP_LT: case OP_LE: case OP_GT: case OP_GE: case OP_IN: case OP_NOT_IN:
        return P_CMP;
    case OP_COALESCE: return P_COALESCE;
    case OP_ADD: case OP_SUB: return P_ADD;
    case OP_MUL: case OP_DIV: case OP_MOD: return P_MUL;
    case OP_NEG: return P_NEG;
    case OP_UNWRAP: return P_POSTFIX;
    }
    return P_ATOM;
}

static int prec(const Node *n)
{
    switch (n->kind) {
    case N_IF: return P_IF;
    case N_WHERE: return P_WHERE;
    case N_BINARY:
    case N_UNARY: return op_prec(n->u.op.op);
    case N_FIELD: case N_INDEX: case N_DURATION: return P_POSTFIX;
    case N_LAMBDA: return P_IF;
    default: return P_ATOM;
    }
}

/* n, in parentheses when it binds more loosely than its place needs. */
static const Doc *sub(Fmt *f, const Node *n, int need)
{
    if (prec(n) < need)
        return cat3(txt("("), expr(f, n), txt(")"));
    return expr(f, n);
}

/* Lays a document out flat: the holes of a text cannot break lines. */
static void flat_into(const Doc *d, RgBuf *out)
{
    Stack s = {0};
    push(&s, d, 0, true);
    while (s.n) {
        Item it = s.items[--s.n];
        const Doc *x = it.doc;
        switch (x->kind) {
        case D_TEXT: case D_SUFFIX: buf_add(out, x->s, x->n); break;
        case D_IFBREAK: case D_FORCE: break;
        case D_LINE: buf_addc(out, ' '); break;
        case D_SOFT: break;
        case D_HARD: buf_addc(out, ' '); break;
        case D_NEST:
        case D_GROUP:
        case D_ALT:
        case D_MOVE: push(&s, x->a, 0, true); break;
        case D_CAT:
            push(&s, x->b, 0, true);
            push(&s, x->a, 0, true);
            break;
        }
    }
}

static const Doc *string_doc(Fmt *f, const Node *n)
{
    RgBuf b;
    buf_init(&b);
    buf_addc(&b, '"');
    if (n->kind == N_TEXT) {
        text_write_escaped(&b, n->u.text.s, n->u.text.n);
    } else {
        for (size_t i = 0; i < n->u.list.len; i++) {
            const Node *p = n->u.list.items[i];
            if (i % 2 == 0) {
                text_write_escaped(&b, p->u.text.s, p->u.text.n);
            } else {
                buf_addc(&b, '{');
                flat_into(expr(f, p), &b);
                buf_addc(&b, '}');
            }
        }
    }
    buf_addc(&b, '"');
    return text_n(b.data, b.len);
}

/* Elements separated by commas: on one line when they fit, else one per
 * line, each with a comma after it. When `hugged` is given and no comment
 * sits among the elements, it gets the form that keeps the elements on the
 * opening line and lets only the last one break: f(a, b, [ ... ]) for a
 * call, the elements one per line for a list. */
static const Doc *comma_list(Fmt *f, const NodeList *items, const char *open, const char *close, uint32_t end,
                             bool list, const Doc **hugged)
{
    size_t comments_before = f->next;
    if (hugged)
        *hugged = NULL;
    if (items->len == 0) {
        const Doc *rest = comments_upto(f, end, true);
        if (!rest)
            return cat(txt(open), txt(close));
        return cat3(txt(open), nest(cat(&HARD, rest)), cat(&HARD, txt(close)));
    }
    const Doc **docs = rg_alloc(items->len * sizeof *docs);
    const Doc *last_hug = NULL;
    const Doc *body = NULL;
    for (size_t i = 0; i < items->len; i++) {
        const Node *it = items->items[i];
        const Doc *lead = leading(f, it->span.start);
        docs[i] = expr(f, it);
        bool last = i + 1 == items->len;
        if (last && f->hug_node == it)
            last_hug = f->hug;
        const Doc *d = cat(docs[i], last ? &COMMA_IF_BROKEN : txt(","));
        const Doc *trail = trailing(f, it->span.end + (last ? 0 : 1));
        body = cat3(body, i ? &LINE : NULL, cat(lead, d));
        body = cat(body, trail);
    }
    const Doc *rest = comments_upto(f, end, true);
    const Doc *inner = cat(body, rest ? cat(&HARD, rest) : NULL);
    const Doc *normal = group(cat3(txt(open), nest(cat(&SOFT, inner)), cat(&SOFT, txt(close))));
    if (!hugged || f->next != comments_before)
        return normal;
    if (list) {
        const Doc *lines = NULL;
        for (size_t i = 0; i < items->len; i++)
            lines = cat3(lines, &HARD, cat(docs[i], txt(",")));
        *hugged = cat3(txt(open), nest(lines), cat(&HARD, txt(close)));
    } else if (last_hug) {
        const Doc *head = txt(open);
        for (size_t i = 0; i + 1 < items->len; i++)
            head = cat3(head, docs[i], txt(", "));
        *hugged = cat3(head, last_hug, txt(close));
    }
    return normal;
}

/* Operands of a chain of one left-associative operator, a and b and c,
 * first first; walked without recursion, a chain may be thousands long. */
static const Node **chain(const Node *n, Op op, size_t *count)
{
    size_t k = 1;
    for (const Node *x = n; x->kind == N_BINARY && x->u.op.op == op; x = x->u.op.a)
        k++;
    const Node **parts = rg_alloc(k * sizeof *parts);
    size_t i = k;
    const Node *x = n;
    for (; x->kind == N_BINARY && x->u.op.op == op; x = x->u.op.a)
        parts[--i] = x->u.op.b;
    parts[--i] = x;
    *count = k;
    return parts;
}

static const Doc *binary(Fmt *f, const Node *n)
{
    Op op = n->u.op.op;
    int p = op_prec(op);
    if (op == OP_AND || op == OP_OR || op == OP_ADD) {
        /* A chain breaks before each operator, all or none. */
        size_t k;
        const Node **parts = chain(n, op, &k);
        /* `and` under `or` keeps its parentheses: both bind as written,
         * but a reader should not need the table to see it. */
        int need = op == OP_OR ? P_NOT : p + 1;
        const Doc *d = sub(f, parts[0], op == OP_OR ? P_NOT : p);
        const Doc *rest = NULL, *flat = d, *hugged = NULL;
        size_t comments_before = f->next;
        for (size_t i = 1; i < k; i++) {
            const Doc *operand = sub(f, parts[i], need);
            const Doc *with_op = cat3(txt(op_text(op)), txt(" "), operand);
            rest = cat3(rest, &LINE, with_op);
            if (i + 1 < k)
                flat = cat3(flat, txt(" "), with_op);
            else if (f->hug_node == parts[i] && f->hug && prec(parts[i]) >= need)
                /* "saknas: " + text(saknas([ ... ])): the last operand hugs. */
                hugged = cat3(flat, txt(" "), cat3(txt(op_text(op)), txt(" "), f->hug));
        }
        if (f->next != comments_before)
            hugged = NULL;
        return alt(group(cat(d, nest(rest))), hugged);
    }
    /* Comparisons do not chain: both sides bind tighter. */
    int left = p == P_CMP ? p + 1 : p, right = p + 1;
    if (op == OP_COALESCE) {
        left = p + 1;
        right = p;
    }
    /* Only and, or and + chains break at their operators; here the
     * operands break inside if they must. */
    const Doc *a = sub(f, n->u.op.a, left);
    const Doc *b = sub(f, n->u.op.b, right);
    /* A long text on the right (a message an expect compares with) cannot
     * break, so the line breaks before the operator instead. */
    NodeKind rk = n->u.op.b->kind;
    if (rk == N_TEXT || rk == N_INTERP)
        return group(cat(a, nest(cat3(&LINE, cat(txt(op_text(op)), txt(" ")), b))));
    return cat3(a, cat3(txt(" "), txt(op_text(op)), txt(" ")), b);
}

/* `if c then v`, with `then v` on the next line when the arm is too long. */
static const Doc *if_arm(Fmt *f, const char *word, const Node *n)
{
    const Doc *cond = sub(f, n->u.cond.cond, P_WHERE);
    return group(cat3(txt(word), cond, nest(cat3(&LINE, txt("then "), sub(f, n->u.cond.then, P_WHERE)))));
}

/* if a then x else if b then y else z: on one line when it fits, else
 * each `else` on a line of its own, under the first line (nested) or level
 * with it (a rule's message, whose `else` lines up with the rule's). */
static const Doc *if_chain(Fmt *f, const Node *n, bool nested)
{
    const Doc *d = if_arm(f, "if ", n);
    const Doc *rest = NULL;
    const Node *e = n->u.cond.els;
    while (e->kind == N_IF) {
        const Doc *lead = leading(f, e->span.start);
        rest = cat3(rest, &LINE, cat(lead, if_arm(f, "else if ", e)));
        e = e->u.cond.els;
    }
    rest = cat3(rest, &LINE, cat(txt("else "), sub(f, e, P_IF)));
    return group(cat(d, nested ? nest(rest) : rest));
}

static const char *unit_name(const Node *n)
{
    static const char *const one[] = {"day", "week", "month", "year"};
    static const char *const many[] = {"days", "weeks", "months", "years"};
    bool single = n->u.dur.amount->kind == N_INT && n->u.dur.amount->u.i == 1;
    return (single ? one : many)[n->u.dur.unit];
}

static const Doc *expr(Fmt *f, const Node *n)
{
    const Doc *lead = leading(f, n->span.start);
    const Doc *d = NULL, *hug = NULL;
    switch (n->kind) {
    case N_INT: case N_DEC: case N_DATE:
        d = source_text(f, n->span);
        break;
    case N_BOOL: d = txt(n->u.b ? "true" : "false"); break;
    case N_NONE: d = txt("none"); break;
    case N_IT: d = txt("it"); break;
    case N_QUEUE_STATE: d = txt("capacity"); break;
    case N_TEXT:
    case N_INTERP: d = string_doc(f, n); break;
    case N_NAME: d = txt(n->u.name.name); break;
    case N_ELEM_FIELD: d = cat(txt("."), txt(n->u.field.field.name)); break;
    case N_FIELD:
        d = cat3(sub(f, n->u.field.obj, P_POSTFIX), txt(n->u.field.safe ? "?." : "."), txt(n->u.field.field.name));
        break;
    case N_INDEX:
        d = sub(f, n->u.index.obj, P_POSTFIX);
        d = cat(d, cat3(txt("["), expr(f, n->u.index.index), txt("]")));
        break;
    case N_DURATION:
        d = cat3(sub(f, n->u.dur.amount, P_POSTFIX), txt(" "), txt(unit_name(n)));
        break;
    case N_LIST:
        d = comma_list(f, &n->u.list, "[", "]", n->span.end - 1, true, &hug);
        d = alt(d, hug);
        break;
    case N_CALL:
        d = comma_list(f, &n->u.call.args, "(", ")", n->span.end - 1, false, &hug);
        if (hug)
            hug = cat(txt(n->u.call.callee.name), hug);
        d = alt(cat(txt(n->u.call.callee.name), d), hug);
        break;
    case N_NAMED_ARG:
        d = cat3(txt(n->u.named.name.name), txt(": "), expr(f, n->u.named.value));
        break;
    case N_LAMBDA:
        /* A lambda the checker made for `.field` has no name: the body as written. */
        if (!n->u.lambda.param.name)
            d = expr(f, n->u.lambda.body);
        else
            d = cat3(txt(n->u.lambda.param.name), txt(" => "), sub(f, n->u.lambda.body, P_WHERE));
        break;
    case N_UNARY:
        if (n->u.op.op == OP_UNWRAP)
            d = cat(sub(f, n->u.op.a, P_POSTFIX), txt("!"));
        else if (n->u.op.op == OP_NOT)
            d = cat(txt("not "), sub(f, n->u.op.a, P_NOT));
        else
            d = cat(txt("-"), sub(f, n->u.op.a, P_NEG));
        break;
    case N_BINARY: d = binary(f, n); break;
    case N_IF: d = if_chain(f, n, true); break;
    case N_WHERE: {
        const Node *pred = n->u.where.pred;
        const Doc *list = sub(f, n->u.where.list, P_WHERE);
        const Doc *p = pred->kind == N_LAMBDA && pred->u.lambda.param.name
                           ? cat3(txt(pred->u.lambda.param.name), txt(" => "),
                                  sub(f, pred->u.lambda.body, P_WHERE))
                           : sub(f, pred->kind == N_LAMBDA ? pred->u.lambda.body : pred, P_WHERE);
        d = group(cat(list, nest(cat3(&LINE, txt("where "), p))));
        break;
    }
    default:
        d = source_text(f, n->span);
        break;
    }
    f->hug_node = n;
    f->hug = lead ? NULL : hug;
    return cat(lead, d);
}

/* ---------------------------------------------------------------- types, statements */

static const Doc *type_doc(const Node *t)
{
    if (!t)
        return NULL;
    const Doc *d = txt(t->u.type_ref.name.name);
    if (t->u.type_ref.args.len) {
        d = cat(d, txt("<"));
        for (size_t i = 0; i < t->u.type_ref.args.len; i++)
            d = cat3(d, i ? txt(", ") : NULL, type_doc(t->u.type_ref.args.items[i]));
        d = cat(d, txt(">"));
    }
    return t->u.type_ref.optional ? cat(d, txt("?")) : d;
}

/* Items of a block, one per line, with their comments and blank lines. */
typedef const Doc *(*ItemFn)(Fmt *f, const Node *n);

/* The break before item i of a block, which starts at `start` (its
 * comments included): a blank line when there was one. */
static const Doc *item_break(const Fmt *f, size_t i, uint32_t prev_end, uint32_t start)
{
    if (i == 0)
        return NULL;
    uint32_t first = comment_before(f, start) ? f->comments[f->next]->span.start : start;
    return blank_between(f, prev_end, first) ? cat(&HARD, &HARD) : &HARD;
}

static const Doc *items(Fmt *f, const NodeList *list, ItemFn fn, uint32_t end)
{
    const Doc *d = NULL;
    uint32_t prev_end = 0;
    for (size_t i = 0; i < list->len; i++) {
        const Node *n = list->items[i];
        d = cat(d, item_break(f, i, prev_end, n->span.start));
        const Doc *lead = leading(f, n->span.start);
        d = cat3(d, lead, fn(f, n));
        const Doc *trail = trailing(f, n->span.end);
        d = cat(d, trail);
        prev_end = n->span.end;
    }
    /* Comments before the block's end. */
    if (f->next < f->ncomments && f->comments[f->next]->span.start < end) {
        uint32_t first = f->comments[f->next]->span.start;
        if (list->len) {
            d = cat(d, &HARD);
            if (blank_between(f, prev_end, first))
                d = cat(d, &HARD);
        }
        d = cat(d, comments_upto(f, end, true));
    }
    return d;
}

/* A block's contents between `{` and `}`, or `{}` when empty. */
static const Doc *block(Fmt *f, const Doc *head, const NodeList *list, ItemFn fn, uint32_t end)
{
    const Doc *inner = items(f, list, fn, end);
    if (!inner)
        return cat(head, txt(" {}"));
    return cat3(cat(head, txt(" {")), nest(cat(&HARD, inner)), cat(&HARD, txt("}")));
}

static const Doc *stmt(Fmt *f, const Node *n);

static const Doc *let_doc(Fmt *f, const Node *n)
{
    const Doc *d = cat(txt("let "), txt(n->u.let.name.name));
    if (n->u.let.type_ann)
        d = cat3(d, txt(": "), type_doc(n->u.let.type_ann));
    return cat3(d, txt(" = "), expr(f, n->u.let.value));
}

static const Doc *arm_doc(Fmt *f, const Node *a)
{
    const Doc *d = txt(a->u.arm.word.name);
    if (a->u.arm.cond)
        d = group(cat3(d, txt(" if"), nest(cat(&LINE, expr(f, a->u.arm.cond)))));
    return d;
}

static const Doc *stmt(Fmt *f, const Node *n)
{
    switch (n->kind) {
    case N_LET:
        return let_doc(f, n);
    case N_RULE: {
        static const char *const sev[] = {"must", "should", "guard"};
        const Doc *head = cat3(txt(sev[n->u.rule.severity]), txt(" "), txt(n->u.rule.ref.name));
        if (n->u.rule.each.name)
            head = cat(head, group(cat3(txt(" for "), txt(n->u.rule.each.name),
                                        cat3(txt(" in "), expr(f, n->u.rule.each_list), txt(":")))));
        /* The condition follows the head; when it breaks, its lines go
         * deeper than the `else` that starts the message. */
        const Node *c = n->u.rule.cond;
        const Doc *cond = nest(cat(expr(f, c), trailing(f, c->span.end)));
        /* A condition that is not a chain and does not fit beside the head
         * goes to the next line when it fits there. */
        bool chain_cond = c->kind == N_BINARY && (c->u.op.op == OP_AND || c->u.op.op == OP_OR);
        if (!chain_cond)
            cond = move_alt(cond, cond, 2 * INDENT);
        const Node *m = n->u.rule.message;
        const Doc *msg = m->kind == N_IF ? cat(leading(f, m->span.start), if_chain(f, m, false)) : expr(f, m);
        return group(cat3(cat(head, txt(" ")), cond, nest(cat3(&LINE, txt("else "), msg))));
    }
    case N_INCLUDE:
        return cat3(txt("include "), txt(n->u.include.decision.name),
                    cat3(txt("("), expr(f, n->u.include.arg), txt(")")));
    case N_OUT_FIELD:
        return cat3(cat(txt("field "), txt(n->u.out_field.name.name)), txt(" = "), expr(f, n->u.out_field.value));
    case N_OUTCOME:
        if (n->u.outcome.short_form)
            return cat3(txt("outcome "), txt(n->u.outcome.arms.items[0]->u.arm.word.name),
                        cat(txt(" | "), txt(n->u.outcome.arms.items[1]->u.arm.word.name)));
        return block(f, txt("outcome"), &n->u.outcome.arms, arm_doc, n->span.end - 1);
    case N_GIVEN:
        if (n->u.given.folder) {
            RgBuf b;
            buf_init(&b);
            buf_addc(&b, '"');
            text_write_escaped(&b, n->u.given.folder, strlen(n->u.given.folder));
            buf_addc(&b, '"');
            return cat(txt("given "), text_n(b.data, b.len));
        }
        return cat3(cat(txt("given "), txt(n->u.given.source.name)), txt(" = "), expr(f, n->u.given.value));
    case N_EXPECT:
        return cat(txt("expect "), expr(f, n->u.expect.cond));
    default:
        return source_text(f, n->span);
    }
}

/* ---------------------------------------------------------------- declarations */

static const Doc *option_doc(Fmt *f, const Node *o)
{
    return cat3(txt(o->u.option.name.name), txt(": "), expr(f, o->u.option.value));
}

static const Doc *options_doc(Fmt *f, const NodeList *opts)
{
    const Doc *body = NULL;
    for (size_t i = 0; i < opts->len; i++)
        body = cat3(body, i ? cat(txt(","), &LINE) : NULL, option_doc(f, opts->items[i]));
    body = cat(body, &COMMA_IF_BROKEN);
    return group(cat3(txt("("), nest(cat(&SOFT, body)), cat(&SOFT, txt(")"))));
}

static const Doc *params_doc(Fmt *f, const NodeList *ps)
{
    const Doc *body = NULL;
    for (size_t i = 0; i < ps->len; i++) {
        const Node *p = ps->items[i];
        body = cat3(body, i ? cat(txt(","), &LINE) : NULL,
                    cat3(txt(p->u.param.name.name), txt(": "), type_doc(p->u.param.type_ann)));
    }
    body = cat(body, &COMMA_IF_BROKEN);
    return group(cat3(txt("("), nest(cat(&SOFT, body)), cat(&SOFT, txt(")"))));
}

/* Record fields, their types and columns lined up. */
static const Doc *record_doc(Fmt *f, const Node *d)
{
    const NodeList *fl = &d->u.record.fields;
    size_t width = 0;
    const char **heads = rg_alloc((fl->len ? fl->len : 1) * sizeof *heads);
    for (size_t i = 0; i < fl->len; i++) {
        const Node *fd = fl->items[i];
        RgBuf b;
        buf_init(&b);
        buf_printf(&b, "%s: ", fd->u.rec_field.name.name);
        flat_into(type_doc(fd->u.rec_field.type_ann), &b);
        heads[i] = buf_dup(&b);
        size_t w = columns(b.data, b.len);
        if (fd->u.rec_field.column && w > width)
            width = w;
    }
    const Doc *body = NULL;
    uint32_t prev_end = 0;
    for (size_t i = 0; i < fl->len; i++) {
        const Node *fd = fl->items[i];
        body = cat(body, item_break(f, i, prev_end, fd->span.start));
        body = cat(body, leading(f, fd->span.start));
        RgBuf b;
        buf_init(&b);
        buf_adds(&b, heads[i]);
        if (fd->u.rec_field.column) {
            for (size_t w = columns(heads[i], strlen(heads[i])); w < width; w++)
                buf_addc(&b, ' ');
            buf_adds(&b, " from \"");
            text_write_escaped(&b, fd->u.rec_field.column, strlen(fd->u.rec_field.column));
            buf_addc(&b, '"');
        }
        body = cat(body, text_n(b.data, b.len));
        body = cat(body, trailing(f, fd->span.end));
        prev_end = fd->span.end;
    }
    uint32_t rest_at = comment_before(f, d->span.end - 1) ? f->comments[f->next]->span.start : 0;
    const Doc *rest = comments_upto(f, d->span.end - 1, true);
    if (rest && body)
        body = cat3(body, &HARD, blank_between(f, prev_end, rest_at) ? &HARD : NULL);
    body = cat(body, rest);
    const Doc *head = cat(txt("record "), txt(d->u.record.name.name));
    if (!body)
        return cat(head, txt(" {}"));
    return cat3(cat(head, txt(" {")), nest(cat(&HARD, body)), cat(&HARD, txt("}")));
}

static const Doc *row_doc(Fmt *f, const Node *r)
{
    const Doc *cond = r->u.row.cond ? expr(f, r->u.row.cond) : txt("else");
    return cat(group(cat3(cond, txt(" =>"), nest(cat(&LINE, expr(f, r->u.row.value))))), txt(","));
}

static const Doc *decl(Fmt *f, const Node *d)
{
    switch (d->kind) {
    case N_IMPORT:
        if (d->u.import.path) {
            RgBuf b;
            buf_init(&b);
            buf_addc(&b, '"');
            text_write_escaped(&b, d->u.import.path, strlen(d->u.import.path));
            buf_addc(&b, '"');
            return cat(txt("import "), text_n(b.data, b.len));
        }
        return cat(txt("import "), txt(d->u.import.name.name));
    case N_RECORD:
        return record_doc(f, d);
    case N_ENUM: {
        const Doc *words = NULL;
        for (size_t i = 0; i < d->u.enum_decl.words.len; i++) {
            const Node *w = d->u.enum_decl.words.items[i];
            const Doc *lead = leading(f, w->span.start);
            const Doc *wd = cat3(lead, i ? txt("| ") : NULL, txt(w->u.named.name.name));
            if (w->u.named.value)
                wd = cat3(wd, txt(" from "), string_doc(f, w->u.named.value));
            if (w->u.named.display)
                wd = cat3(wd, txt(" as "), string_doc(f, w->u.named.display));
            wd = cat(wd, trailing(f, w->span.end));
            words = cat3(words, i ? &LINE : NULL, wd);
        }
        return group(cat3(cat(txt("enum "), txt(d->u.enum_decl.name.name)), txt(" ="), nest(cat(&LINE, words))));
    }
    case N_FORMAT:
        return cat3(cat3(txt("format "), txt(d->u.format.name.name), txt(" = ")), txt(d->u.format.base.name),
                    options_doc(f, &d->u.format.options));
    case N_SOURCE: {
        const Doc *head = cat3(cat3(txt("source "), txt(d->u.source.name.name), txt(": ")), type_doc(d->u.source.type_ann),
                               NULL);
        RgBuf b;
        buf_init(&b);
        buf_addc(&b, '"');
        text_write_escaped(&b, d->u.source.file, strlen(d->u.source.file));
        buf_addc(&b, '"');
        const Doc *from = cat(txt("from "), txt(d->u.source.format.name));
        if (d->u.source.options.len)
            from = cat(from, options_doc(f, &d->u.source.options));
        from = cat3(from, txt(" "), text_n(b.data, b.len));
        const Doc *key = d->u.source.key.name ? cat(txt("key "), txt(d->u.source.key.name)) : NULL;
        return group(cat3(head, nest(cat(&LINE, from)), key ? nest(cat(&LINE, key)) : NULL));
    }
    case N_CONST: {
        const Doc *head = cat(txt("const "), txt(d->u.constant.name.name));
        if (d->u.constant.type_ann)
            head = cat3(head, txt(": "), type_doc(d->u.constant.type_ann));
        return cat3(head, txt(" = "), expr(f, d->u.constant.value));
    }
    case N_FN: {
        const Doc *head = cat3(txt("fn "), txt(d->u.fn.name.name), params_doc(f, &d->u.fn.params));
        if (d->u.fn.ret)
            head = cat3(head, txt(" -> "), type_doc(d->u.fn.ret));
        if (d->u.fn.lets.len == 0) {
            const Node *b = d->u.fn.body;
            const Doc *body = b->kind == N_IF ? cat(leading(f, b->span.start), if_chain(f, b, false)) : expr(f, b);
            return group(cat3(head, txt(" ="), nest(cat(&LINE, body))));
        }
        const Doc *body = items(f, &d->u.fn.lets, stmt, d->u.fn.body->span.start);
        body = cat3(body, &HARD, cat(leading(f, d->u.fn.body->span.start),
                                     cat(txt("return "), expr(f, d->u.fn.body))));
        const Doc *rest = comments_upto(f, d->span.end - 1, true);
        return cat3(cat(head, txt(" {")), nest(cat3(&HARD, body, rest ? cat(&HARD, rest) : NULL)), cat(&HARD, txt("}")));
    }
    case N_TABLE: {
        const Doc *head = cat3(txt("table "), txt(d->u.table.name.name), params_doc(f, &d->u.table.params));
        head = cat3(head, txt(" -> "), type_doc(d->u.table.ret));
        if (d->u.table.hit.name)
            head = cat3(head, txt(" "), txt(d->u.table.hit.name));
        return block(f, head, &d->u.table.rows, row_doc, d->span.end - 1);
    }
    case N_DECISION: {
        const Doc *head = cat3(txt("decision "), txt(d->u.decision.name.name),
                               cat3(txt(" for "), txt(d->u.decision.subject.name), txt(" in")));
        const Doc *over = cat(txt(" "), expr(f, d->u.decision.over));
        const Doc *key = d->u.decision.id ? nest(cat3(&LINE, txt("key "), expr(f, d->u.decision.id))) : NULL;
        return block(f, group(cat3(head, over, key)), &d->u.decision.body, stmt, d->span.end - 1);
    }
    case N_QUEUE: {
        const Doc *head = cat3(txt("queue "), txt(d->u.queue.name.name),
                               cat3(txt(" for "), txt(d->u.queue.subject.name), txt(" in ")));
        head = cat(head, expr(f, d->u.queue.over));
        /* A comment on the head's line belongs to the head only when the
         * clauses start on a line of their own. */
        const Node *first_clause = d->u.queue.by ? d->u.queue.by : d->u.queue.order.items[0];
        uint32_t over_end = d->u.queue.over->span.end;
        if (line_of(f, first_clause->span.start) != line_of(f, over_end))
            head = cat(head, trailing(f, over_end));
        const Doc *clauses = NULL;
        if (d->u.queue.by) {
            const Node *by = d->u.queue.by;
            clauses = cat3(&HARD, txt("by "), expr(f, by));
            clauses = cat(clauses, trailing(f, by->span.end));
        }
        const Doc *order = NULL;
        for (size_t i = 0; i < d->u.queue.order.len; i++) {
            const Node *key = d->u.queue.order.items[i];
            order = cat3(order, i ? txt(", ") : NULL, expr(f, key));
        }
        clauses = cat3(clauses, &HARD, cat(txt("order "), order));
        size_t norder = d->u.queue.order.len;
        clauses = cat(clauses, trailing(f, d->u.queue.order.items[norder - 1]->span.end));
        if (d->u.queue.capacity) {
            const Node *cap = d->u.queue.capacity;
            clauses = cat3(clauses, &HARD, cat(txt("capacity "), expr(f, cap)));
            clauses = cat(clauses, trailing(f, cap->span.end));
        }
        const Doc *inner = items(f, &d->u.queue.body, stmt, d->span.end - 1);
        return cat3(cat(head, nest(clauses)), cat(&HARD, txt("{")),
                    inner ? cat3(nest(cat(&HARD, inner)), &HARD, txt("}")) : cat(&HARD, txt("}")));
    }
    case N_TEST: {
        RgBuf b;
        buf_init(&b);
        buf_addc(&b, '"');
        text_write_escaped(&b, d->u.test.name, strlen(d->u.test.name));
        buf_addc(&b, '"');
        return block(f, cat(txt("test "), text_n(b.data, b.len)), &d->u.test.body, stmt, d->span.end - 1);
    }
    default:
        return source_text(f, d->span);
    }
}

const char *format_module(const SourceSet *files, uint32_t file, const Node *module, size_t *len)
{
    Fmt f;
    memset(&f, 0, sizeof f);
    f.file = sources_get(files, file);
    f.comments = module->u.module.comments.items;
    f.ncomments = module->u.module.comments.len;
    const Doc *d = items(&f, &module->u.module.decls, decl, (uint32_t)f.file->len + 1);
    /* Comments after the last declaration. */
    size_t ndecls = module->u.module.decls.len;
    if (comment_before(&f, (uint32_t)f.file->len + 1) && ndecls) {
        uint32_t last_end = module->u.module.decls.items[ndecls - 1]->span.end;
        d = cat(d, &HARD);
        if (blank_between(&f, last_end, f.comments[f.next]->span.start))
            d = cat(d, &HARD);
    }
    d = cat(d, comments_upto(&f, (uint32_t)f.file->len + 1, true));
    RgBuf out;
    buf_init(&out);
    layout(d, &out);
    /* One newline at the end, no trailing space anywhere. */
    while (out.len && (out.data[out.len - 1] == '\n' || out.data[out.len - 1] == ' '))
        out.len--;
    if (out.len)
        buf_addc(&out, '\n');
    *len = out.len;
    return out.data ? out.data : "";
}

const char *format_flat(const SourceSet *files, const Node *n)
{
    Fmt f;
    memset(&f, 0, sizeof f);
    f.file = sources_get(files, n->span.file);
    RgBuf b;
    buf_init(&b);
    flat_into(expr(&f, n), &b);
    return buf_dup(&b);
}

/* ---------------------------------------------------------------- shape */

static void shape(const Node *n, RgBuf *b);

static void shape_list(const NodeList *l, RgBuf *b)
{
    buf_addc(b, '[');
    for (size_t i = 0; i < l->len; i++) {
        if (i)
            buf_addc(b, ' ');
        shape(l->items[i], b);
    }
    buf_addc(b, ']');
}

static void shape_text(const char *s, size_t n, RgBuf *b)
{
    buf_printf(b, "%zu:", n);
    if (s)
        buf_add(b, s, n);
}

static void shape_name(const char *s, RgBuf *b)
{
    shape_text(s, s ? strlen(s) : 0, b);
    buf_addc(b, ' ');
}

static void shape(const Node *n, RgBuf *b)
{
    if (!n) {
        buf_adds(b, "-");
        return;
    }
    buf_printf(b, "(%d ", (int)n->kind);
    switch (n->kind) {
    case N_INT: buf_printf(b, "%lld", (long long)n->u.i); break;
    case N_DEC: {
        char tmp[DEC_FORMAT_MAX + 1];
        dec_format(n->u.dec, '.', tmp);
        buf_adds(b, tmp);
        break;
    }
    case N_DATE: buf_printf(b, "%d", (int)n->u.date); break;
    case N_BOOL: buf_printf(b, "%d", (int)n->u.b); break;
    case N_TEXT: shape_text(n->u.text.s, n->u.text.n, b); break;
    case N_INTERP: case N_LIST: shape_list(&n->u.list, b); break;
    case N_NAME: shape_name(n->u.name.name, b); break;
    case N_ELEM_FIELD: case N_FIELD:
        shape_name(n->u.field.field.name, b);
        buf_printf(b, "%d ", (int)n->u.field.safe);
        shape(n->u.field.obj, b);
        break;
    case N_INDEX: shape(n->u.index.obj, b); shape(n->u.index.index, b); break;
    case N_CALL: shape_name(n->u.call.callee.name, b); shape_list(&n->u.call.args, b); break;
    case N_LAMBDA: shape_name(n->u.lambda.param.name, b); shape(n->u.lambda.body, b); break;
    case N_NAMED_ARG: shape_name(n->u.named.name.name, b); shape(n->u.named.value, b); break;
    case N_WORD:
        shape_name(n->u.named.name.name, b);
        shape(n->u.named.value, b);
        shape(n->u.named.display, b);
        break;
    case N_UNARY: case N_BINARY:
        buf_printf(b, "%d ", (int)n->u.op.op);
        shape(n->u.op.a, b);
        shape(n->u.op.b, b);
        break;
    case N_IF: shape(n->u.cond.cond, b); shape(n->u.cond.then, b); shape(n->u.cond.els, b); break;
    case N_WHERE: shape(n->u.where.list, b); shape(n->u.where.pred, b); break;
    case N_DURATION: buf_printf(b, "%d ", (int)n->u.dur.unit); shape(n->u.dur.amount, b); break;
    case N_TYPE:
        shape_name(n->u.type_ref.name.name, b);
        buf_printf(b, "%d ", (int)n->u.type_ref.optional);
        shape_list(&n->u.type_ref.args, b);
        break;
    case N_LET: shape_name(n->u.let.name.name, b); shape(n->u.let.type_ann, b); shape(n->u.let.value, b); break;
    case N_RULE:
        buf_printf(b, "%d ", (int)n->u.rule.severity);
        shape_name(n->u.rule.ref.name, b);
        shape_name(n->u.rule.each.name, b);
        shape(n->u.rule.each_list, b);
        shape(n->u.rule.cond, b);
        shape(n->u.rule.message, b);
        break;
    case N_INCLUDE: shape_name(n->u.include.decision.name, b); shape(n->u.include.arg, b); break;
    case N_OUT_FIELD: shape_name(n->u.out_field.name.name, b); shape(n->u.out_field.value, b); break;
    case N_OUTCOME: buf_printf(b, "%d ", (int)n->u.outcome.short_form); shape_list(&n->u.outcome.arms, b); break;
    case N_OUTCOME_ARM: shape_name(n->u.arm.word.name, b); shape(n->u.arm.cond, b); break;
    case N_IMPORT: shape_name(n->u.import.name.name, b); shape_name(n->u.import.path, b); break;
    case N_RECORD: shape_name(n->u.record.name.name, b); shape_list(&n->u.record.fields, b); break;
    case N_REC_FIELD:
        shape_name(n->u.rec_field.name.name, b);
        shape_name(n->u.rec_field.column, b);
        shape(n->u.rec_field.type_ann, b);
        break;
    case N_ENUM: shape_name(n->u.enum_decl.name.name, b); shape_list(&n->u.enum_decl.words, b); break;
    case N_FORMAT:
        shape_name(n->u.format.name.name, b);
        shape_name(n->u.format.base.name, b);
        shape_list(&n->u.format.options, b);
        break;
    case N_OPTION: shape_name(n->u.option.name.name, b); shape(n->u.option.value, b); break;
    case N_SOURCE:
        shape_name(n->u.source.name.name, b);
        shape(n->u.source.type_ann, b);
        shape_name(n->u.source.format.name, b);
        shape_list(&n->u.source.options, b);
        shape_name(n->u.source.file, b);
        shape_name(n->u.source.key.name, b);
        break;
    case N_CONST:
        shape_name(n->u.constant.name.name, b);
        shape(n->u.constant.type_ann, b);
        shape(n->u.constant.value, b);
        break;
    case N_FN:
        shape_name(n->u.fn.name.name, b);
        shape_list(&n->u.fn.params, b);
        shape(n->u.fn.ret, b);
        shape_list(&n->u.fn.lets, b);
        shape(n->u.fn.body, b);
        break;
    case N_PARAM: shape_name(n->u.param.name.name, b); shape(n->u.param.type_ann, b); break;
    case N_DECISION:
        shape_name(n->u.decision.name.name, b);
        shape_name(n->u.decision.subject.name, b);
        shape(n->u.decision.over, b);
        shape(n->u.decision.id, b);
        shape_list(&n->u.decision.body, b);
        break;
    case N_QUEUE:
        shape_name(n->u.queue.name.name, b);
        shape_name(n->u.queue.subject.name, b);
        shape(n->u.queue.over, b);
        shape(n->u.queue.by, b);
        shape_list(&n->u.queue.order, b);
        shape(n->u.queue.capacity, b);
        shape_list(&n->u.queue.body, b);
        break;
    case N_TABLE:
        shape_name(n->u.table.name.name, b);
        shape_list(&n->u.table.params, b);
        shape(n->u.table.ret, b);
        shape_name(n->u.table.hit.name, b);
        shape_list(&n->u.table.rows, b);
        break;
    case N_TABLE_ROW: shape(n->u.row.cond, b); shape(n->u.row.value, b); break;
    case N_TEST: shape_name(n->u.test.name, b); shape_list(&n->u.test.body, b); break;
    case N_GIVEN:
        shape_name(n->u.given.source.name, b);
        shape_name(n->u.given.folder, b);
        shape(n->u.given.value, b);
        break;
    case N_EXPECT: shape(n->u.expect.cond, b); break;
    case N_QUEUE_STATE: buf_printf(b, "%d", n->u.qstate.which); break;
    case N_MODULE: shape_list(&n->u.module.decls, b); break;
    case N_NONE: case N_IT: case N_VALUE: break;
    }
    buf_addc(b, ')');
}

const char *format_shape(const Node *module)
{
    RgBuf b;
    buf_init(&b);
    shape(module, &b);
    return buf_dup(&b);
}
