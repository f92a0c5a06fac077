/*
 * ast.c — constructors and generic walks of the syntax tree.
 */
#include "ast.h"

#include <string.h>

#include "alloc.h"

void nodes_push(NodeList *l, Node *n)
{
    if (l->len == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4;
        Node **items = rg_alloc(cap * sizeof *items);
        if (l->len)
            memcpy(items, l->items, l->len * sizeof *items);
        l->items = items;
        l->cap = cap;
    }
    l->items[l->len++] = n;
}

Node *node_new(NodeKind kind, Span span)
{
    Node *n = rg_alloc(sizeof *n);
    n->kind = kind;
    n->span = span;
    return n;
}

Node *node_int(Span span, int64_t v)
{
    Node *n = node_new(N_INT, span);
    n->u.i = v;
    return n;
}

Node *node_dec(Span span, Decimal v)
{
    Node *n = node_new(N_DEC, span);
    n->u.dec = v;
    return n;
}

Node *node_date(Span span, Date v)
{
    Node *n = node_new(N_DATE, span);
    n->u.date = v;
    return n;
}

Node *node_bool(Span span, bool v)
{
    Node *n = node_new(N_BOOL, span);
    n->u.b = v;
    return n;
}

Node *node_text(Span span, const char *s, size_t len)
{
    Node *n = node_new(N_TEXT, span);
    n->u.text.s = s;
    n->u.text.n = len;
    return n;
}

Node *node_name(Span span, const char *name)
{
    Node *n = node_new(N_NAME, span);
    n->u.name.name = name;
    return n;
}

Node *node_unary(Span span, Op op, Node *a)
{
    Node *n = node_new(N_UNARY, span);
    n->u.op.op = op;
    n->u.op.a = a;
    return n;
}

Node *node_binary(Span span, Op op, Node *a, Node *b)
{
    Node *n = node_new(N_BINARY, span);
    n->u.op.op = op;
    n->u.op.a = a;
    n->u.op.b = b;
    return n;
}

Node *node_field(Span span, Node *obj, Ident field, bool safe)
{
    Node *n = node_new(obj ? N_FIELD : N_ELEM_FIELD, span);
    n->u.field.obj = obj;
    n->u.field.field = field;
    n->u.field.safe = safe;
    n->u.field.slot = -1;
    return n;
}

Ident ident(const char *name, Span span)
{
    Ident id = {name, span};
    return id;
}

typedef struct Collector {
    Node **out;
    size_t max, count;
} Collector;

static void put(Collector *c, Node *n)
{
    if (!n)
        return;
    if (c->count < c->max)
        c->out[c->count] = n;
    c->count++;
}

static void put_list(Collector *c, const NodeList *l)
{
    for (size_t i = 0; i < l->len; i++)
        put(c, l->items[i]);
}

size_t node_children(const Node *n, Node **out, size_t max)
{
    Collector c = {out, max, 0};
    switch (n->kind) {
    case N_INT: case N_DEC: case N_TEXT: case N_BOOL: case N_NONE: case N_DATE:
    case N_NAME: case N_IT: case N_IMPORT: case N_VALUE:
        break;
    case N_INTERP: case N_LIST:
        put_list(&c, &n->u.list);
        break;
    case N_ELEM_FIELD:
        break;
    case N_FIELD:
        put(&c, n->u.field.obj);
        break;
    case N_INDEX:
        put(&c, n->u.index.obj);
        put(&c, n->u.index.index);
        break;
    case N_CALL:
        put_list(&c, &n->u.call.args);
        break;
    case N_LAMBDA:
        put(&c, n->u.lambda.body);
        break;
    case N_NAMED_ARG:
    case N_WORD:
        put(&c, n->u.named.value);
        break;
    case N_UNARY: case N_BINARY:
        put(&c, n->u.op.a);
        put(&c, n->u.op.b);
        break;
    case N_IF:
        put(&c, n->u.cond.cond);
        put(&c, n->u.cond.then);
        put(&c, n->u.cond.els);
        break;
    case N_WHERE:
        put(&c, n->u.where.list);
        put(&c, n->u.where.pred);
        break;
    case N_DURATION:
        put(&c, n->u.dur.amount);
        break;
    case N_TYPE:
        put_list(&c, &n->u.type_ref.args);
        break;
    case N_LET:
        put(&c, n->u.let.type_ann);
        put(&c, n->u.let.value);
        break;
    case N_RULE:
        put(&c, n->u.rule.each_list);
        put(&c, n->u.rule.cond);
        put(&c, n->u.rule.message);
        break;
    case N_INCLUDE:
        put(&c, n->u.include.arg);
        break;
    case N_OUT_FIELD:
        put(&c, n->u.out_field.value);
        break;
    case N_OUTCOME:
        put_list(&c, &n->u.outcome.arms);
        break;
    case N_OUTCOME_ARM:
        put(&c, n->u.arm.cond);
        break;
    case N_RECORD:
        put_list(&c, &n->u.record.fields);
        break;
    case N_REC_FIELD:
        put(&c, n->u.rec_field.type_ann);
        break;
    case N_ENUM:
        put_list(&c, &n->u.enum_decl.words);
        break;
    case N_FORMAT:
        put_list(&c, &n->u.format.options);
        break;
    case N_OPTION:
        put(&c, n->u.option.value);
        break;
    case N_SOURCE:
        put(&c, n->u.source.type_ann);
        put_list(&c, &n->u.source.options);
        break;
    case N_CONST:
        put(&c, n->u.constant.type_ann);
        put(&c, n->u.constant.value);
        break;
    case N_FN:
        put_list(&c, &n->u.fn.params);
        put(&c, n->u.fn.ret);
        put_list(&c, &n->u.fn.lets);
        put(&c, n->u.fn.body);
        break;
    case N_PARAM:
        put(&c, n->u.param.type_ann);
        break;
    case N_DECISION:
        put(&c, n->u.decision.over);
        put(&c, n->u.decision.id);
        put_list(&c, &n->u.decision.body);
        break;
    case N_QUEUE:
        put(&c, n->u.queue.over);
        put(&c, n->u.queue.by);
        put_list(&c, &n->u.queue.order);
        put(&c, n->u.queue.capacity);
        put_list(&c, &n->u.queue.body);
        break;
    case N_TABLE:
        put_list(&c, &n->u.table.params);
        put(&c, n->u.table.ret);
        put_list(&c, &n->u.table.rows);
        break;
    case N_TABLE_ROW:
        put(&c, n->u.row.cond);
        put(&c, n->u.row.value);
        break;
    case N_TEST:
        put_list(&c, &n->u.test.body);
        break;
    case N_GIVEN:
        put(&c, n->u.given.value);
        break;
    case N_EXPECT:
        put(&c, n->u.expect.cond);
        break;
    case N_QUEUE_STATE:
        break;
    case N_MODULE:
        put_list(&c, &n->u.module.decls);
        break;
    }
    return c.count;
}

int node_depth(const Node *root, int limit)
{
    typedef struct Item {
        const Node *node;
        int depth;
    } Item;
    size_t cap = 64, top = 0;
    Item *stack = rg_alloc(cap * sizeof *stack);
    stack[top++] = (Item){root, 1};
    int deepest = 0;
    Node *kids[16];
    while (top) {
        Item it = stack[--top];
        if (it.depth > deepest)
            deepest = it.depth;
        if (deepest > limit)
            return deepest;
        size_t n = node_children(it.node, kids, 16);
        Node **all = kids;
        if (n > 16) {
            all = rg_alloc(n * sizeof *all);
            node_children(it.node, all, n);
        }
        for (size_t i = 0; i < n; i++) {
            if (top == cap) {
                Item *bigger = rg_alloc(cap * 2 * sizeof *bigger);
                memcpy(bigger, stack, cap * sizeof *stack);
                stack = bigger;
                cap *= 2;
            }
            stack[top++] = (Item){all[i], it.depth + 1};
        }
    }
    return deepest;
}

const char *op_text(Op op)
{
    switch (op) {
    case OP_ADD: return "+";
    case OP_SUB: return "-";
    case OP_MUL: return "*";
    case OP_DIV: return "/";
    case OP_MOD: return "%";
    case OP_EQ: return "==";
    case OP_NE: return "!=";
    case OP_LT: return "<";
    case OP_LE: return "<=";
    case OP_GT: return ">";
    case OP_GE: return ">=";
    case OP_AND: return "and";
    case OP_OR: return "or";
    case OP_NOT: return "not";
    case OP_NEG: return "-";
    case OP_IN: return "in";
    case OP_NOT_IN: return "not in";
    case OP_COALESCE: return "??";
    case OP_UNWRAP: return "!";
    }
    return "?";
}

const char *node_kind_name(NodeKind kind)
{
    static const char *const names[] = {
        [N_INT] = "integer", [N_DEC] = "decimal", [N_TEXT] = "text", [N_INTERP] = "text",
        [N_BOOL] = "boolean", [N_NONE] = "none", [N_DATE] = "date", [N_LIST] = "list",
        [N_NAME] = "name", [N_IT] = "it", [N_VALUE] = "value", [N_ELEM_FIELD] = "field", [N_FIELD] = "field",
        [N_INDEX] = "index", [N_CALL] = "call", [N_LAMBDA] = "lambda",
        [N_NAMED_ARG] = "named argument", [N_WORD] = "enum word", [N_UNARY] = "operator", [N_BINARY] = "operator",
        [N_IF] = "if", [N_WHERE] = "where", [N_DURATION] = "duration", [N_TYPE] = "type",
        [N_LET] = "let", [N_RULE] = "rule", [N_INCLUDE] = "include", [N_OUT_FIELD] = "field",
        [N_OUTCOME] = "outcome", [N_OUTCOME_ARM] = "outcome", [N_IMPORT] = "import",
        [N_RECORD] = "record", [N_REC_FIELD] = "record field", [N_ENUM] = "enum",
        [N_FORMAT] = "format", [N_OPTION] = "option", [N_SOURCE] = "source",
        [N_CONST] = "const", [N_FN] = "fn", [N_PARAM] = "parameter",
        [N_DECISION] = "decision", [N_QUEUE] = "queue", [N_TABLE] = "table", [N_TABLE_ROW] = "table row",
        [N_TEST] = "test", [N_GIVEN] = "given", [N_EXPECT] = "expect", [N_QUEUE_STATE] = "queue state",
        [N_MODULE] = "module",
    };
    return names[kind];
}
