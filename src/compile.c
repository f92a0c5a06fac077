/*
 * compile.c — the bytecode compiler.
 *
 * Chunks: one per function (numbered like the checker numbered the
 * functions, callees first), then for each decision its per-subject chunk
 * and, when it runs over a computed list, the chunk that computes it.
 *
 * Locals: the checker gave every named local a slot in its function's or
 * decision's frame. An included decision is compiled inline, its frame
 * placed above the including one's (the `bases` stack); loop counters and
 * accumulators get fresh slots above everything named.
 */
#include "compile.h"

#include <limits.h>
#include <string.h>

#include "alloc.h"
#include "builtins.h"
#include "format.h"
#include "opcodes.h"

/* One chunk is at most this long: jumps are 32-bit, but a policy whose
 * single decision compiles to more than 16 MB of code is surely broken. */
#define MAX_CHUNK_BYTES (16u * 1024u * 1024u)
/* Instructions with a one-byte count take at most this many values. */
#define MAX_U8 255
#define MAX_U16 65535
/* Decisions including decisions that include decisions ... no policy
 * needs more than a few levels. */
#define MAX_INCLUDE_DEPTH 32

typedef struct Base {
    const Node *owner;
    int base;
} Base;

/* Jumps to patch to one place. */
typedef struct Jumps {
    uint32_t *at;
    size_t n, cap;
} Jumps;

static void add_jump(Jumps *j, uint32_t at)
{
    if (j->n == j->cap) {
        size_t cap = j->cap ? j->cap * 2 : 8;
        uint32_t *a = rg_alloc_atomic(cap * sizeof *a);
        if (j->n)
            memcpy(a, j->at, j->n * sizeof *a);
        j->at = a;
        j->cap = cap;
    }
    j->at[j->n++] = at;
}

typedef struct Compiler {
    Program *prog;
    const Checked *checked;
    DiagList *diags;
    bool failed;
    /* the chunk being built */
    uint8_t *code;
    uint32_t len, cap;
    SpanRun *spans;
    uint32_t nspans, spans_cap;
    Span cur_span;
    bool slots_reported, include_reported;
    const char *fold_problem; /* why the last fold of arithmetic failed */
    int depth, max_depth;
    int next_slot, max_slot;
    Base bases[MAX_INCLUDE_DEPTH + 1]; /* the decision's own frame, then one per include or inlined call */
    int nbases;
    int inlining; /* calls being inlined, one inside another */
    /* parameters of inlined calls whose argument is a local of the caller,
     * or a field of one: they read the caller's slot (or that field of it)
     * instead of a copy */
    struct {
        const Symbol *sym;
        int slot;
        int field; /* -1: the local itself */
    } aliases[64];
    int naliases;
    bool *fn_reads; /* by function number: it reads an export, queue or host function (see reads_outside) */
    uint32_t label_at;  /* no peephole across a jump target at this position */
    uint32_t last_op;   /* position of the last opcode emitted */
    uint32_t prev_op;   /* and of the one before it */
    uint32_t op3;       /* and of the one before that */
    /* The value of a let in a decision whose list is used up within the
     * evaluation (see list_stays): it is built in a scratch list. */
    const Node *scratch_node;
    bool scratch_ok;    /* compiling a decision's body */
    uint32_t nscratch;  /* scratch lists numbered so far */
    /* the decision being compiled */
    DecisionInfo *dinfo;
    Jumps guards; /* to patch to the end of the current include level */
    bool coverage;
    bool no_opt;
    /* explaining: the rule whose condition is being emitted (-1: none, no
     * tracing), its condition, and > 0 inside element lambdas */
    bool explain;
    int32_t trace_rule;
    const Node *trace_cond;
    int no_trace;
    size_t trace_cap;
    size_t chunks_cap;
    /* constants */
    size_t consts_cap;
    const Node **const_nodes; /* folded constant declarations, for reuse */
    Value *const_values;
    size_t nconst_nodes, const_nodes_cap;
} Compiler;

static void cerror(Compiler *C, Span span, const char *fmt, const char *arg)
{
    diag_error(C->diags, span, fmt, arg);
    C->failed = true;
}

/* ---------------------------------------------------------------- emitting */

static void reserve(Compiler *C, uint32_t n)
{
    if (C->len + n <= C->cap)
        return;
    uint32_t cap = C->cap ? C->cap * 2 : 256;
    while (cap < C->len + n)
        cap *= 2;
    uint8_t *code = rg_alloc_atomic(cap);
    if (C->len)
        memcpy(code, C->code, C->len);
    C->code = code;
    C->cap = cap;
}

static void note_span(Compiler *C)
{
    if (C->nspans && C->spans[C->nspans - 1].span.file == C->cur_span.file &&
        C->spans[C->nspans - 1].span.start == C->cur_span.start &&
        C->spans[C->nspans - 1].span.end == C->cur_span.end)
        return;
    if (C->nspans && C->spans[C->nspans - 1].pc == C->len) {
        C->spans[C->nspans - 1].span = C->cur_span;
        return;
    }
    if (C->nspans == C->spans_cap) {
        uint32_t cap = C->spans_cap ? C->spans_cap * 2 : 32;
        SpanRun *s = rg_alloc_atomic(cap * sizeof *s);
        if (C->nspans)
            memcpy(s, C->spans, C->nspans * sizeof *s);
        C->spans = s;
        C->spans_cap = cap;
    }
    C->spans[C->nspans].pc = C->len;
    C->spans[C->nspans].span = C->cur_span;
    C->nspans++;
}

static void adjust(Compiler *C, int pops, int pushes)
{
    C->depth -= pops;
    C->depth += pushes;
    if (C->depth > C->max_depth)
        C->max_depth = C->depth;
}

/* Whether, optimising, the last instruction is o, ends here and no jump
 * lands here: the peepholes below fold it into the next one. */
static bool just_after(const Compiler *C, Opcode o)
{
    uint32_t size = (uint32_t)opcode_size(opcode_info[o].operands);
    return !C->no_opt && C->len >= size && C->last_op == C->len - size && C->code[C->last_op] == o &&
           C->label_at != C->len;
}

static void op(Compiler *C, Opcode o)
{
    /* LOAD a, LEN: LEN_LOCAL a. */
    if (o == BC_LEN && just_after(C, BC_LOAD)) {
        C->code[C->last_op] = BC_LEN_LOCAL;
        return;
    }
    reserve(C, 1);
    note_span(C);
    C->op3 = C->prev_op;
    C->prev_op = C->last_op;
    C->last_op = C->len;
    C->code[C->len++] = (uint8_t)o;
    const OpcodeInfo *info = &opcode_info[o];
    if (info->pops != VAR && info->pushes != VAR)
        adjust(C, info->pops, info->pushes);
}

static void byte(Compiler *C, int v)
{
    reserve(C, 1);
    C->code[C->len++] = (uint8_t)v;
}

static void u16(Compiler *C, uint32_t v)
{
    if (v > 0xffff) {
        cerror(C, C->cur_span, "%s: the policy has more than 65,535 constants, rules or functions", "compile");
        v = 0;
    }
    byte(C, (int)(v & 0xff));
    byte(C, (int)(v >> 8));
}

static void op_u8(Compiler *C, Opcode o, int a)
{
    /* LOAD x, STORE a: MOVE x a; LOAD x, APPEND a: APPEND_LOCAL x a. */
    if ((o == BC_STORE || o == BC_APPEND) && just_after(C, BC_LOAD)) {
        C->code[C->last_op] = (uint8_t)(o == BC_STORE ? BC_MOVE : BC_APPEND_LOCAL);
        adjust(C, 1, 0); /* the LOAD's value is not pushed */
        byte(C, a);
        return;
    }
    op(C, o);
    byte(C, a);
}

static void op_u16(Compiler *C, Opcode o, uint32_t a)
{
    op(C, o);
    u16(C, a);
}

/* A placeholder jump offset after the operands so far; where to patch it. */
static uint32_t jump_operand(Compiler *C)
{
    uint32_t at = C->len;
    reserve(C, 4);
    memset(C->code + C->len, 0, 4);
    C->len += 4;
    return at;
}

/* Emits a jump with a placeholder offset; returns where to patch. */
static uint32_t jump(Compiler *C, Opcode o)
{
    op(C, o);
    return jump_operand(C);
}

static void put_i32(uint8_t *p, int32_t v)
{
    uint32_t u = (uint32_t)v;
    p[0] = (uint8_t)u;
    p[1] = (uint8_t)(u >> 8);
    p[2] = (uint8_t)(u >> 16);
    p[3] = (uint8_t)(u >> 24);
}

static int32_t get_i32(const uint8_t *p)
{
    return (int32_t)((uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24));
}

/* Makes the jump at `at` land here. */
static void patch(Compiler *C, uint32_t at)
{
    put_i32(C->code + at, (int32_t)(C->len - (at + 4)));
    C->label_at = C->len;
}

/* A jump back to `target`. */
static void jump_back(Compiler *C, Opcode o, uint32_t target)
{
    uint32_t at = jump(C, o);
    put_i32(C->code + at, (int32_t)target - (int32_t)(at + 4));
}

static uint32_t here(Compiler *C)
{
    C->label_at = C->len;
    return C->len;
}

/* The next element of the iteration in locals it, it+1: stored in local
 * `into` (one ITER_TO when optimising, else ITER and STORE), or pushed
 * when into < 0. Returns where to patch the jump taken when none is left. */
static uint32_t iter(Compiler *C, int it, int into)
{
    bool fused = into >= 0 && !C->no_opt;
    op(C, fused ? BC_ITER_TO : BC_ITER);
    byte(C, it);
    if (fused)
        byte(C, into);
    uint32_t at = jump_operand(C);
    if (into >= 0 && !fused)
        op_u8(C, BC_STORE, into);
    return at;
}

/* A conditional jump on the value on top; `NOT` just before it is folded
 * into the jump's sense, and a field of a local read just before it (and
 * compared with a constant) is read by the jump itself (FIELD_JUMP_*,
 * FIELD_EQ_JUMP, FIELD_NE_JUMP). */
static uint32_t jump_if(Compiler *C, bool when)
{
    if (just_after(C, BC_NOT)) {
        C->len--;
        C->last_op = C->prev_op;
        C->prev_op = C->op3;
        C->op3 = UINT32_MAX;
        when = !when;
    }
    /* LOCAL_FIELD a b, CONST k, EQ or NE, with no jump landing between them */
    uint8_t *code = C->code;
    if ((just_after(C, BC_EQ) || just_after(C, BC_NE)) && C->prev_op == C->len - 4 && code[C->prev_op] == BC_CONST &&
        C->op3 == C->len - 7 && code[C->op3] == BC_LOCAL_FIELD && !(C->label_at > C->op3 && C->label_at <= C->len)) {
        uint32_t at = C->op3;
        bool jump_when_equal = (code[C->last_op] == BC_EQ) == when;
        code[at] = (uint8_t)(jump_when_equal ? BC_FIELD_EQ_JUMP : BC_FIELD_NE_JUMP);
        code[at + 3] = code[C->prev_op + 1];
        code[at + 4] = code[C->prev_op + 2];
        C->len = at + 5;
        C->last_op = at;
        C->prev_op = C->op3 = UINT32_MAX;
        adjust(C, 1, 0); /* neither the field nor the comparison is pushed */
        return jump_operand(C);
    }
    if (just_after(C, BC_LOCAL_FIELD)) {
        code[C->last_op] = (uint8_t)(when ? BC_FIELD_JUMP_TRUE : BC_FIELD_JUMP_FALSE);
        adjust(C, 1, 0); /* the field is no longer pushed */
        return jump_operand(C);
    }
    return jump(C, when ? BC_JUMP_TRUE : BC_JUMP_FALSE);
}

static int temp(Compiler *C, int n)
{
    int s = C->next_slot;
    C->next_slot += n;
    if (C->next_slot > C->max_slot)
        C->max_slot = C->next_slot;
    if (C->next_slot > MAX_U8) {
        if (!C->slots_reported)
            cerror(C, C->cur_span,
                   "this needs more than 255 local values and loop counters in one function or decision%s",
                   "; move parts of it into functions");
        C->slots_reported = true;
        return 0;
    }
    return s;
}

/* The field of a caller's local that parameter s of an inlined call
 * reads, or -1 when s is a local of its own (or the caller's local). */
static int alias_field(Compiler *C, const Symbol *s)
{
    for (int i = C->naliases; i-- > 0;)
        if (C->aliases[i].sym == s)
            return C->aliases[i].field;
    return -1;
}

/* The local whose field n reads as it is (a field of the element, or a
 * field read without ?. of a local that is not itself a field alias),
 * with the field's slot in *field; NULL for anything else. */
static const Symbol *local_field(Compiler *C, const Node *n, int *field)
{
    if ((n->kind != N_FIELD && n->kind != N_ELEM_FIELD) || n->u.field.slot < 0)
        return NULL;
    *field = n->u.field.slot;
    if (n->kind == N_ELEM_FIELD)
        return n->u.field.elem;
    const Node *obj = n->u.field.obj;
    if (n->u.field.safe || (obj->kind != N_NAME && obj->kind != N_IT) || !obj->u.name.sym ||
        obj->u.name.sym->kind != SYM_LOCAL || alias_field(C, obj->u.name.sym) >= 0)
        return NULL;
    return obj->u.name.sym;
}

static int slot_of(Compiler *C, const Symbol *s)
{
    for (int i = C->naliases; i-- > 0;)
        if (C->aliases[i].sym == s)
            return C->aliases[i].slot;
    for (int i = C->nbases; i-- > 0;)
        if (C->bases[i].owner == s->owner)
            return C->bases[i].base + s->slot;
    cerror(C, s->span, "internal error: '%s' has no frame", s->name);
    return 0;
}

/* ---------------------------------------------------------------- constants */

static uint32_t constant(Compiler *C, Value v)
{
    Program *p = C->prog;
    /* Reuse an equal constant of the same tag: policies repeat their texts. */
    for (uint32_t i = p->nconsts; i-- > 0 && i + 64 >= p->nconsts;)
        if (p->consts[i].tag == v.tag && p->consts[i].scale == v.scale && value_equal(p->consts[i], v))
            return i;
    if (p->nconsts == C->consts_cap) {
        size_t cap = C->consts_cap ? C->consts_cap * 2 : 64;
        Value *vs = rg_alloc(cap * sizeof *vs);
        if (p->nconsts)
            memcpy(vs, p->consts, p->nconsts * sizeof *vs);
        p->consts = vs;
        C->consts_cap = cap;
    }
    p->consts[p->nconsts] = v;
    return p->nconsts++;
}

static void push_const(Compiler *C, Value v)
{
    if (v.tag == V_BOOL) {
        op(C, v.as.b ? BC_TRUE : BC_FALSE);
        return;
    }
    if (v.tag == V_NONE) {
        op(C, BC_NONE);
        return;
    }
    op_u16(C, BC_CONST, constant(C, v));
}

static bool fold(Compiler *C, const Node *n, Value *out);

static bool fold_const_decl(Compiler *C, const Node *d, Value *out)
{
    for (size_t i = 0; i < C->nconst_nodes; i++)
        if (C->const_nodes[i] == d) {
            *out = C->const_values[i];
            return true;
        }
    if (!fold(C, d->u.constant.value, out))
        return false;
    if (d->u.constant.type_ann && d->u.constant.type_ann->type &&
        type_strip(d->u.constant.type_ann->type)->kind == T_DEC && out->tag == V_INT)
        *out = val_dec(dec_from_int(out->as.i));
    if (C->nconst_nodes == C->const_nodes_cap) {
        size_t cap = C->const_nodes_cap ? C->const_nodes_cap * 2 : 16;
        const Node **ns = rg_alloc(cap * sizeof *ns);
        Value *vs = rg_alloc(cap * sizeof *vs);
        if (C->nconst_nodes) {
            memcpy(ns, C->const_nodes, C->nconst_nodes * sizeof *ns);
            memcpy(vs, C->const_values, C->nconst_nodes * sizeof *vs);
        }
        C->const_nodes = ns;
        C->const_values = vs;
        C->const_nodes_cap = cap;
    }
    C->const_nodes[C->nconst_nodes] = d;
    C->const_values[C->nconst_nodes] = *out;
    C->nconst_nodes++;
    return true;
}

static bool enum_value(const Node *n, Value *out)
{
    const Type *t = n->type ? type_strip(n->type) : NULL;
    if (!t || t->kind != T_ENUM)
        return false;
    const char *word = NULL;
    if (n->kind == N_NAME && !n->u.name.sym)
        word = n->u.name.name;
    else if (n->kind == N_FIELD && n->u.field.obj->kind == N_NAME && n->u.field.obj->u.name.sym &&
             n->u.field.obj->u.name.sym->kind == SYM_ENUM)
        word = n->u.field.field.name;
    if (!word)
        return false;
    int i = enum_word_index(t->enm, word, strlen(word));
    if (i < 0)
        return false;
    *out = val_enum(t->enm, i);
    return true;
}

/* Folds n when it is made of literals, constants and operators on them.
 * Errors (overflow, division by zero) are left for run time to report in
 * context, so folding then simply fails. */
static bool fold_value(Compiler *C, const Node *n, Value *out);

/* Folds n; an Int folded where the type is Decimal becomes a Decimal, so
 * constants print as what their type says. */
static bool fold(Compiler *C, const Node *n, Value *out)
{
    if (!fold_value(C, n, out))
        return false;
    const Type *t = n->type ? type_strip(n->type) : NULL;
    if (t && t->kind == T_DEC && out->tag == V_INT)
        *out = val_dec(dec_from_int(out->as.i));
    if (t && t->kind == T_LIST && t->elem->kind == T_DEC && out->tag == V_LIST) {
        List *l = out->as.list;
        for (uint32_t i = 0; i < l->len; i++)
            if (l->items[i].tag == V_INT)
                l->items[i] = val_dec(dec_from_int(l->items[i].as.i));
    }
    return true;
}

static bool fold_value(Compiler *C, const Node *n, Value *out)
{
    switch (n->kind) {
    case N_VALUE:
        *out = *n->u.value.v;
        return true;
    case N_INT: *out = val_int(n->u.i); return true;
    case N_DEC: *out = val_dec(n->u.dec); return true;
    case N_BOOL: *out = val_bool(n->u.b); return true;
    case N_NONE: *out = val_none(); return true;
    case N_DATE: *out = val_date(n->u.date); return true;
    case N_TEXT: *out = val_text(n->u.text.s, n->u.text.n); return true;
    case N_NAME:
        if (n->u.name.sym && n->u.name.sym->kind == SYM_CONST)
            return fold_const_decl(C, n->u.name.sym->decl, out);
        return enum_value(n, out);
    case N_FIELD:
        return enum_value(n, out);
    case N_LIST: {
        List *l = list_new(n->u.list.len);
        for (size_t i = 0; i < n->u.list.len; i++) {
            Value v;
            if (!fold(C, n->u.list.items[i], &v))
                return false;
            l = list_push(l, v);
        }
        *out = val_list(l);
        return true;
    }
    case N_CALL: {
        /* A record built of constants is a constant (tables in a stdlib). */
        const Symbol *s = n->u.call.sym;
        if (!s || s->kind != SYM_RECORD || !n->type || n->type->kind != T_RECORD)
            return false;
        const RecordType *rt = n->type->rec;
        Record *r = record_new(rt);
        for (size_t i = 0; i < rt->nfields; i++)
            r->slots[i] = val_none();
        for (size_t i = 0; i < n->u.call.args.len; i++) {
            const Node *a = n->u.call.args.items[i];
            int f = record_field_index(rt, a->u.named.name.name);
            Value v;
            if (f < 0 || !fold(C, a->u.named.value, &v))
                return false;
            if (type_strip(rt->fields[f].type)->kind == T_DEC && v.tag == V_INT)
                v = val_dec(dec_from_int(v.as.i));
            r->slots[f] = v;
        }
        *out = val_record(r);
        return true;
    }
    case N_INTERP: {
        RgBuf b;
        buf_init(&b);
        for (size_t i = 0; i < n->u.list.len; i++) {
            Value v;
            if (!fold(C, n->u.list.items[i], &v))
                return false;
            value_render(&b, v);
        }
        if (b.len > VALUE_MAX_TEXT) {
            C->fold_problem = "the text would be longer than the limit of 64 MB";
            return false;
        }
        *out = val_text(b.data ? b.data : "", b.len);
        return true;
    }
    case N_DURATION: {
        Value a;
        if (!fold(C, n->u.dur.amount, &a) || a.tag != V_INT || a.as.i > 100000 || a.as.i < -100000)
            return false;
        Duration d = {0, 0};
        switch (n->u.dur.unit) {
        case UNIT_DAYS: d.days = (int32_t)a.as.i; break;
        case UNIT_WEEKS: d.days = (int32_t)a.as.i * 7; break;
        case UNIT_MONTHS: d.months = (int32_t)a.as.i; break;
        case UNIT_YEARS: d.months = (int32_t)a.as.i * 12; break;
        }
        *out = val_duration(d);
        return true;
    }
    case N_UNARY: {
        Value a;
        if (!fold(C, n->u.op.a, &a))
            return false;
        if (n->u.op.op == OP_NOT && a.tag == V_BOOL) {
            *out = val_bool(!a.as.b);
            return true;
        }
        if (n->u.op.op == OP_NEG && a.tag == V_INT && a.as.i != INT64_MIN) {
            *out = val_int(-a.as.i);
            return true;
        }
        if (n->u.op.op == OP_NEG && a.tag == V_DEC) {
            Decimal d;
            if (dec_neg(val_as_dec(a), &d) != DEC_OK)
                return false;
            *out = val_dec(d);
            return true;
        }
        return false;
    }
    case N_BINARY: {
        Value a, b;
        Op o = n->u.op.op;
        if (o == OP_AND || o == OP_OR || o == OP_COALESCE)
            return false;
        if (!fold(C, n->u.op.a, &a) || !fold(C, n->u.op.b, &b))
            return false;
        if ((a.tag == V_INT || a.tag == V_DEC) && (b.tag == V_INT || b.tag == V_DEC)) {
            if (a.tag == V_INT && b.tag == V_INT && o != OP_DIV) {
                int64_t r;
                bool ok;
                switch (o) {
                case OP_ADD: ok = !__builtin_add_overflow(a.as.i, b.as.i, &r); break;
                case OP_SUB: ok = !__builtin_sub_overflow(a.as.i, b.as.i, &r); break;
                case OP_MUL: ok = !__builtin_mul_overflow(a.as.i, b.as.i, &r); break;
                default: ok = false; break;
                }
                if (!ok) {
                    C->fold_problem = "integer overflow";
                    return false;
                }
                *out = val_int(r);
                return true;
            }
            Decimal r;
            DecStatus st;
            switch (o) {
            case OP_ADD: st = dec_add(val_as_dec(a), val_as_dec(b), &r); break;
            case OP_SUB: st = dec_sub(val_as_dec(a), val_as_dec(b), &r); break;
            case OP_MUL: st = dec_mul(val_as_dec(a), val_as_dec(b), &r); break;
            case OP_DIV: st = dec_div(val_as_dec(a), val_as_dec(b), &r); break;
            default: st = DEC_SYNTAX; break;
            }
            if (st != DEC_OK) {
                C->fold_problem = st == DEC_DIV_ZERO ? "division by zero" : "the decimal does not fit";
                return false;
            }
            *out = val_dec(r);
            return true;
        }
        if (o == OP_ADD && a.tag == V_TEXT && b.tag == V_TEXT) {
            if ((uint64_t)a.aux + b.aux > VALUE_MAX_TEXT) {
                C->fold_problem = "the text would be longer than the limit of 64 MB";
                return false;
            }
            RgBuf t;
            buf_init(&t);
            buf_add(&t, a.as.s, a.aux);
            buf_add(&t, b.as.s, b.aux);
            *out = val_text(t.data ? t.data : "", t.len);
            return true;
        }
        return false;
    }
    default:
        return false;
    }
}

/* ---------------------------------------------------------------- expressions */

static void emit(Compiler *C, const Node *n);

static const Node *inlined_fn(Compiler *C, const Node *n);
static void emit_inline(Compiler *C, const Node *n, const Node *f, Jumps *j, bool when);

static void patch_all(Compiler *C, const Jumps *j)
{
    for (size_t i = 0; i < j->n; i++)
        patch(C, j->at[i]);
}

/* Jumps taken when condition n is `when`, falling through otherwise,
 * added to j. `and`, `or` and `not` become jumps rather than values:
 * `a and b and c` true is three field jumps instead of three reads, two
 * ANDs and a jump. */
static void cond_jumps(Compiler *C, const Node *n, bool when, Jumps *j)
{
    bool logic = !C->no_opt && !C->explain;
    if (logic && n->kind == N_BINARY && (n->u.op.op == OP_AND || n->u.op.op == OP_OR)) {
        bool and = n->u.op.op == OP_AND;
        if (and != when) {
            /* a and b is false when either is; a or b true when either is */
            cond_jumps(C, n->u.op.a, when, j);
            cond_jumps(C, n->u.op.b, when, j);
            return;
        }
        /* a and b true, a or b false: a decides only whether b is asked */
        Jumps past = {0};
        cond_jumps(C, n->u.op.a, !when, &past);
        cond_jumps(C, n->u.op.b, when, j);
        patch_all(C, &past);
        return;
    }
    if (logic && n->kind == N_UNARY && n->u.op.op == OP_NOT) {
        cond_jumps(C, n->u.op.a, !when, j);
        return;
    }
    const Node *f = logic ? inlined_fn(C, n) : NULL;
    if (f) {
        emit_inline(C, n, f, j, when);
        return;
    }
    emit(C, n);
    add_jump(j, jump_if(C, when));
}

/* Emits n and widens an Int to Decimal when `want` is Decimal. */
static void emit_as(Compiler *C, const Node *n, const Type *want)
{
    emit(C, n);
    /* TO_DEC leaves none alone, so optional Ints widen too. */
    if (want && n->type && type_needs_widening(want, n->type) && type_strip(n->type)->kind == T_INT)
        op(C, BC_TO_DEC);
}

static Span span_enter(Compiler *C, const Node *n)
{
    Span saved = C->cur_span;
    C->cur_span = n->span;
    return saved;
}

/* The body of an element lambda whose parameter is in its local already.
 * Its parts are not traced: they run once per element. */
static void emit_lambda(Compiler *C, const Node *lam)
{
    C->no_trace++;
    emit(C, lam->u.lambda.body);
    C->no_trace--;
}

/* Jumps taken when the body of lambda lam (its parameter in its local
 * already) is `when`. */
static void lambda_jumps(Compiler *C, const Node *lam, bool when, Jumps *j)
{
    C->no_trace++;
    cond_jumps(C, lam->u.lambda.body, when, j);
    C->no_trace--;
}

/* Points every jump of j at target, a place already emitted. */
static void jumps_back(Compiler *C, const Jumps *j, uint32_t target)
{
    for (size_t i = 0; i < j->n; i++)
        put_i32(C->code + j->at[i], (int32_t)target - (int32_t)(j->at[i] + 4));
}

/* The body of a lambda applied to the value on top. */
static void emit_lambda_body(Compiler *C, const Node *lam)
{
    op_u8(C, BC_STORE, slot_of(C, lam->u.lambda.sym));
    emit_lambda(C, lam);
}

/* A new trace point; its number is TRACE's operand. */
static uint32_t trace_point(Compiler *C, const Node *n, TraceKind kind, int32_t rule, int32_t queue)
{
    Program *p = C->prog;
    if (p->ntrace_points == C->trace_cap) {
        size_t cap = C->trace_cap ? C->trace_cap * 2 : 64;
        TracePoint *t = rg_alloc(cap * sizeof *t);
        if (p->ntrace_points)
            memcpy(t, p->trace_points, p->ntrace_points * sizeof *t);
        p->trace_points = t;
        C->trace_cap = cap;
    }
    if (p->ntrace_points > MAX_U16) {
        if (!C->failed)
            cerror(C, n->span, "the policy is too large to explain (more than %s traced values)", "65535");
        return 0;
    }
    p->trace_points[p->ntrace_points] = (TracePoint){n, rule, queue, kind};
    return p->ntrace_points++;
}

/* The parts of a condition worth showing: values read or computed, not
 * literals, and not `and`/`or` (their operands are shown). */
static bool traceable(const Node *n)
{
    switch (n->kind) {
    case N_NAME:
        return n->u.name.sym && (n->u.name.sym->kind == SYM_LOCAL || n->u.name.sym->kind == SYM_CONST ||
                                 n->u.name.sym->kind == SYM_TODAY || n->u.name.sym->kind == SYM_QSTATE);
    case N_FIELD: case N_INDEX: case N_CALL: case N_IF: case N_WHERE: case N_QUEUE_STATE:
        return true;
    case N_UNARY:
        return true;
    case N_BINARY:
        return n->u.op.op != OP_AND && n->u.op.op != OP_OR;
    default:
        return false;
    }
}

/* After n's value is on the stack: note it when explaining a condition. */
static void emit_trace(Compiler *C, const Node *n)
{
    if (C->trace_rule < 0 || C->no_trace)
        return;
    bool whole = n == C->trace_cond;
    if (!whole && !traceable(n))
        return;
    op_u16(C, BC_TRACE, trace_point(C, n, whole ? TRACE_COND : TRACE_EXPR, C->trace_rule, -1));
}

/* Does n read the element bound by sym? */
static bool mentions(const Node *n, const Symbol *sym)
{
    if (!n)
        return false;
    if ((n->kind == N_NAME || n->kind == N_IT) && n->u.name.sym == sym)
        return true;
    if (n->kind == N_ELEM_FIELD && n->u.field.elem == sym)
        return true;
    Node *kids[16];
    size_t k = node_children(n, kids, 16);
    if (k > 16) {
        Node **all = rg_alloc(k * sizeof *all);
        node_children(n, all, k);
        for (size_t i = 0; i < k; i++)
            if (mentions(all[i], sym))
                return true;
        return false;
    }
    for (size_t i = 0; i < k; i++)
        if (mentions(kids[i], sym))
            return true;
    return false;
}

static void conjuncts(const Node *n, const Node **out, size_t *count, size_t max)
{
    if (n->kind == N_BINARY && n->u.op.op == OP_AND) {
        conjuncts(n->u.op.a, out, count, max);
        conjuncts(n->u.op.b, out, count, max);
        return;
    }
    if (*count < max)
        out[(*count)++] = n;
    else
        out[max - 1] = NULL; /* too many to split: the caller falls back */
}

/* `.f == key` (either way round) or `key in .f` (f a list field), with
 * key free of the element: the field slot and the key expression, or -1.
 * *elements says which of the two it is. */
static int index_conjunct(const Node *c, const Symbol *elem, const Node **key, bool *elements)
{
    *elements = false;
    if (c->kind == N_BINARY && c->u.op.op == OP_IN) {
        const Node *f = c->u.op.b, *k = c->u.op.a;
        if (f->kind == N_ELEM_FIELD && f->u.field.elem == elem && f->u.field.slot >= 0 && f->type &&
            (f->type->kind == T_LIST || f->type->kind == T_SET) && !mentions(k, elem)) {
            *key = k;
            *elements = true;
            return f->u.field.slot;
        }
        return -1;
    }
    if (c->kind != N_BINARY || c->u.op.op != OP_EQ)
        return -1;
    const Node *a = c->u.op.a, *b = c->u.op.b;
    for (int flip = 0; flip < 2; flip++) {
        const Node *f = flip ? b : a, *k = flip ? a : b;
        if (f->kind == N_ELEM_FIELD && f->u.field.elem == elem && f->u.field.slot >= 0 && !mentions(k, elem)) {
            *key = k;
            return f->u.field.slot;
        }
    }
    return -1;
}

static int source_index_of(const Node *n)
{
    if (n->kind == N_NAME && n->u.name.sym && n->u.name.sym->kind == SYM_SOURCE)
        return n->u.name.sym->decl->u.source.index;
    return -1;
}

static void add_field(int **fields, uint32_t *n, int field)
{
    for (uint32_t i = 0; i < *n; i++)
        if ((*fields)[i] == field)
            return;
    int *f = rg_alloc_atomic((*n + 1) * sizeof *f);
    if (*n)
        memcpy(f, *fields, *n * sizeof *f);
    f[(*n)++] = field;
    *fields = f;
}

static void use_source_field(Compiler *C, int src, int field, bool elements)
{
    SourceUse *u = &C->prog->uses[src];
    if (elements)
        add_field(&u->element_fields, &u->nelement, field);
    else
        add_field(&u->indexed_fields, &u->nindexed, field);
}

/* Pushes an empty list with room for the elements of the iteration in
 * locals it, it+1: a new one, or scratch list `scratch` (>= 0). */
static void list_like(Compiler *C, int it, int scratch)
{
    if (scratch >= 0) {
        op_u16(C, BC_LIST_SCRATCH, (uint32_t)scratch);
        byte(C, it);
    } else {
        op_u8(C, BC_LIST_LIKE, it);
    }
    adjust(C, 0, 1);
}

/* The scratch list for the list node n makes, or -1 (see list_stays). */
static int scratch_for(Compiler *C, const Node *n)
{
    if (!n || n != C->scratch_node)
        return -1;
    C->scratch_node = NULL;
    return (int)C->nscratch++;
}

/* Filters the list on top of the stack by the conjuncts (all but `skip`),
 * leaving the list of elements that pass, in scratch list `scratch` if
 * that is >= 0. */
#define MAX_CONJUNCTS 32
static void emit_filter(Compiler *C, const Node *lam, const Node **conj, size_t nconj, size_t skip, bool to_set,
                        int scratch)
{
    int it = temp(C, 2), acc = temp(C, 1);
    op_u8(C, BC_ITER_INIT, it);
    /* Room for every element at once: growing the list step by step
     * costs more than the room that a filter leaves unused. */
    list_like(C, it, scratch);
    op_u8(C, BC_STORE, acc);
    uint32_t loop = here(C);
    uint32_t done = iter(C, it, slot_of(C, lam->u.lambda.sym));
    Jumps fails = {0};
    for (size_t i = 0; i < nconj; i++)
        if (i != skip)
            cond_jumps(C, conj[i], false, &fails);
    op_u8(C, BC_LOAD, slot_of(C, lam->u.lambda.sym));
    op_u8(C, BC_APPEND, acc);
    jump_back(C, BC_JUMP, loop);
    /* a failed condition goes back to the loop head */
    jumps_back(C, &fails, loop);
    patch(C, done);
    op_u8(C, BC_LOAD, acc);
    if (to_set) {
        int k = builtin_find("set", 0);
        op_u16(C, BC_NATIVE, (uint32_t)k);
        byte(C, 1);
        adjust(C, 1, 1);
    }
}

/* ---------------------------------------------------------------- ranges */

/* A `where` over a source whose condition holds only for records with
 * .f <= hi and .g >= lo (f and g Date fields, lo and hi free of the
 * record) reads the records from a range index (index.h) instead of
 * walking the source: `kalender where .omrade == o and dates_overlap(s,
 * e, .start, .slut)` looks at the days near [s, e] of o's calendar only.
 * The bounds are found in comparisons joined by `and`, also inside a
 * small function the condition calls (dates_overlap's body); the whole
 * condition is still checked on every record the index gives. */
#define RANGE_MAX_BOUNDS 8
#define RANGE_MAX_CALLS 3

typedef struct Bound {
    int field;
    const Node *value; /* the caller's expression */
} Bound;

typedef struct RangeSearch {
    const Symbol *elem;
    const Symbol *params[RANGE_MAX_CALLS][8]; /* inside calls: param -> argument */
    const Node *args[RANGE_MAX_CALLS][8];
    size_t nparams[RANGE_MAX_CALLS];
    int calls;
    Bound upper[RANGE_MAX_BOUNDS], lower[RANGE_MAX_BOUNDS];
    int nupper, nlower;
} RangeSearch;

/* A parameter of the call being looked into stands for its argument
 * (resolved already against the calls around it). */
static const Node *range_resolve(const RangeSearch *R, const Node *n)
{
    int c = R->calls - 1;
    if (c < 0 || n->kind != N_NAME || !n->u.name.sym)
        return n;
    for (size_t i = 0; i < R->nparams[c]; i++)
        if (R->params[c][i] == n->u.name.sym)
            return R->args[c][i];
    return n;
}

static bool is_date(const Node *n)
{
    return n->type && n->type->kind == T_DATE;
}

/* The record's Date field that n reads (.f, x.f), or -1. */
static int range_field(const RangeSearch *R, const Node *n)
{
    if (!is_date(n))
        return -1;
    if (n->kind == N_ELEM_FIELD && n->u.field.elem == R->elem)
        return n->u.field.slot;
    if (n->kind == N_FIELD && !n->u.field.safe && n->u.field.obj &&
        (n->u.field.obj->kind == N_NAME || n->u.field.obj->kind == N_IT) && n->u.field.obj->u.name.sym == R->elem)
        return n->u.field.slot;
    return -1;
}

/* A bound worked out once before the selection: a date that a name or a
 * chain of fields gives, which cannot fail and does not read the record. */
static bool range_value(const RangeSearch *R, const Node *n)
{
    if (!is_date(n) || mentions(n, R->elem))
        return false;
    for (;;) {
        if (n->kind == N_DATE)
            return true;
        if (n->kind == N_FIELD && !n->u.field.safe && n->u.field.obj) {
            n = n->u.field.obj;
            continue;
        }
        if (n->kind != N_NAME || !n->u.name.sym)
            return false;
        /* a name the caller sees (a local, a constant, today), not a
         * parameter of a call looked into */
        for (int c = 0; c < R->calls; c++)
            for (size_t i = 0; i < R->nparams[c]; i++)
                if (R->params[c][i] == n->u.name.sym)
                    return false;
        return true;
    }
}

static void range_bounds(Compiler *C, RangeSearch *R, const Node *n)
{
    if (n->kind == N_BINARY && n->u.op.op == OP_AND) {
        range_bounds(C, R, n->u.op.a);
        range_bounds(C, R, n->u.op.b);
        return;
    }
    if (n->kind == N_BINARY && (n->u.op.op == OP_LE || n->u.op.op == OP_LT || n->u.op.op == OP_GE ||
                                n->u.op.op == OP_GT)) {
        bool less = n->u.op.op == OP_LE || n->u.op.op == OP_LT;
        /* x <= y, whichever way it was written */
        const Node *x = range_resolve(R, less ? n->u.op.a : n->u.op.b);
        const Node *y = range_resolve(R, less ? n->u.op.b : n->u.op.a);
        int f;
        if ((f = range_field(R, x)) >= 0 && range_value(R, y) && R->nupper < RANGE_MAX_BOUNDS)
            R->upper[R->nupper++] = (Bound){f, y};
        else if ((f = range_field(R, y)) >= 0 && range_value(R, x) && R->nlower < RANGE_MAX_BOUNDS)
            R->lower[R->nlower++] = (Bound){f, x};
        return;
    }
    const Symbol *sym = n->kind == N_CALL ? n->u.call.sym : NULL;
    if (!sym || sym->kind != SYM_FN || n->u.call.special >= 0 || n->u.call.builtin >= 0 || R->calls == RANGE_MAX_CALLS)
        return;
    const Node *f = sym->decl;
    if (f->kind != N_FN || f->u.fn.lets.len || f->u.fn.params.len > 8 || f->u.fn.index < 0 ||
        (size_t)f->u.fn.index >= C->checked->nfns || C->fn_reads[f->u.fn.index] ||
        n->u.call.args.len != f->u.fn.params.len)
        return;
    int c = R->calls;
    R->nparams[c] = f->u.fn.params.len;
    for (size_t i = 0; i < R->nparams[c]; i++) {
        R->params[c][i] = f->u.fn.params.items[i]->u.param.sym;
        R->args[c][i] = range_resolve(R, n->u.call.args.items[i]);
    }
    R->calls++;
    range_bounds(C, R, f->u.fn.body);
    R->calls--;
}

/* The number of source src's range index on (key, start, end), made when
 * it is new; -1 when there would be too many. */
static int range_use(Compiler *C, int src, int key, int start, int end)
{
    SourceUse *u = &C->prog->uses[src];
    uint32_t n = u->nrange_fields / 3;
    for (uint32_t i = 0; i < n; i++) {
        const int *f = &u->range_fields[3 * i];
        if (f[0] == key && f[1] == start && f[2] == end)
            return (int)i;
    }
    if (n == MAX_U8)
        return -1;
    int *f = rg_alloc_atomic((u->nrange_fields + 3) * sizeof *f);
    if (u->nrange_fields)
        memcpy(f, u->range_fields, u->nrange_fields * sizeof *f);
    f[u->nrange_fields] = key;
    f[u->nrange_fields + 1] = start;
    f[u->nrange_fields + 2] = end;
    u->range_fields = f;
    u->nrange_fields += 3;
    return (int)n;
}

/* Selects by a range index when the conjuncts bound the records' days;
 * conj[eq] (eq may be -1) is an equality that also picks the partition. */
static bool emit_range_select(Compiler *C, const Node *lam, const Node **conj, size_t nconj, int src, int eq,
                              int eq_field, const Node *key, int scratch)
{
    RangeSearch *R = rg_alloc(sizeof *R);
    R->elem = lam->u.lambda.sym;
    for (size_t i = 0; i < nconj; i++)
        if ((int)i != eq)
            range_bounds(C, R, conj[i]);
    if (!R->nupper || !R->nlower)
        return false;
    /* The first of each: a condition is usually one clash of two ranges. */
    int index = range_use(C, src, eq_field, R->upper[0].field, R->lower[0].field);
    if (index < 0)
        return false;
    if (key)
        emit(C, key);
    else
        op(C, BC_NONE);
    emit(C, R->lower[0].value);
    emit(C, R->upper[0].value);
    op_u16(C, BC_SELECT_RANGE, (uint32_t)src);
    byte(C, index);
    emit_filter(C, lam, conj, nconj, eq >= 0 ? (size_t)eq : (size_t)-1, false, scratch);
    return true;
}

static void emit_where(Compiler *C, const Node *n)
{
    int scratch = scratch_for(C, n);
    const Node *lam = n->u.where.pred;
    if (lam->kind != N_LAMBDA || !lam->u.lambda.sym) {
        cerror(C, n->span, "internal error: %s was not checked", "this where");
        op(C, BC_NONE);
        return;
    }
    const Node *conj[MAX_CONJUNCTS];
    size_t nconj = 0;
    conjuncts(lam->u.lambda.body, conj, &nconj, MAX_CONJUNCTS);
    bool split = nconj < MAX_CONJUNCTS || conj[MAX_CONJUNCTS - 1];
    int src = source_index_of(n->u.where.list);
    if (src >= 0 && split && !C->no_opt) {
        /* The first conjunct a hash index answers, and the first equality
         * (which also picks a range index's partition). */
        int first = -1, first_field = -1, eq = -1, eq_field = -1;
        const Node *first_key = NULL, *eq_key = NULL;
        bool first_elements = false;
        for (size_t i = 0; i < nconj && eq < 0; i++) {
            const Node *key;
            bool elements;
            int field = index_conjunct(conj[i], lam->u.lambda.sym, &key, &elements);
            if (field < 0)
                continue;
            if (first < 0) {
                first = (int)i, first_field = field, first_key = key, first_elements = elements;
            }
            if (!elements)
                eq = (int)i, eq_field = field, eq_key = key;
        }
        if (emit_range_select(C, lam, conj, nconj, src, eq, eq_field, eq_key, scratch))
            return;
        if (first >= 0) {
            emit(C, first_key);
            op_u16(C, first_elements ? BC_SELECT_IN : BC_SELECT, (uint32_t)src);
            byte(C, first_field);
            use_source_field(C, src, first_field, first_elements);
            if (nconj > 1)
                emit_filter(C, lam, conj, nconj, (size_t)first, false, scratch);
            return;
        }
    }
    emit(C, n->u.where.list);
    if (!split) {
        conj[0] = lam->u.lambda.body;
        nconj = 1;
    }
    emit_filter(C, lam, conj, nconj, (size_t)-1, n->type && n->type->kind == T_SET, scratch);
}

/* The field slot a lambda's body reads of its element as it is (`.field`),
 * or -1. */
static int lambda_field(const Node *lam)
{
    const Node *b = lam ? lam->u.lambda.body : NULL;
    return b && b->kind == N_ELEM_FIELD && b->u.field.elem == lam->u.lambda.sym ? b->u.field.slot : -1;
}

/* count, sum, min, max, any, all, map, sort_by, first_where as loops. */
static void emit_special(Compiler *C, const Node *n)
{
    SpecialForm form = special_table[n->u.call.special].form;
    const NodeList *args = &n->u.call.args;
    const Node *xs = args->items[0];
    const Node *lam = args->len > 1 ? args->items[1] : NULL;

    if ((form == SPECIAL_MIN || form == SPECIAL_MAX) && xs->type &&
        xs->type->kind != T_LIST && xs->type->kind != T_SET) {
        /* min(a, b) of two values */
        int x = temp(C, 2);
        emit_as(C, xs, n->type);
        op_u8(C, BC_STORE, x);
        emit_as(C, args->items[1], n->type);
        op_u8(C, BC_STORE, x + 1);
        op_u8(C, BC_LOAD, x + 1);
        op_u8(C, BC_LOAD, x);
        op(C, form == SPECIAL_MIN ? BC_LT : BC_GT);
        uint32_t take_a = jump(C, BC_JUMP_FALSE);
        op_u8(C, BC_LOAD, x + 1);
        uint32_t end = jump(C, BC_JUMP);
        adjust(C, 1, 0);
        patch(C, take_a);
        op_u8(C, BC_LOAD, x);
        patch(C, end);
        return;
    }
    if (form == SPECIAL_COUNT && !lam) {
        emit(C, xs);
        op(C, BC_LEN);
        return;
    }
    /* map(xs, .field): one instruction reads the field of each (unless
     * the list is to be a scratch list). */
    int field = C->no_opt || C->explain ? -1 : lambda_field(lam);
    if (form == SPECIAL_MAP && field >= 0 && C->scratch_node != n && n->type->kind == T_LIST &&
        !type_needs_widening(n->type->elem, lam->u.lambda.body->type)) {
        emit(C, xs);
        op_u8(C, BC_MAP_FIELD, field);
        return;
    }
    /* sum(xs, .field): one instruction adds the field up. */
    if (form == SPECIAL_SUM && field >= 0 && (n->type->kind == T_INT || n->type->kind == T_DEC)) {
        emit(C, xs);
        op(C, BC_SUM_FIELD);
        byte(C, n->type->kind == T_DEC);
        byte(C, field);
        return;
    }
    int it = temp(C, 2), acc = temp(C, 1), v = temp(C, 1);
    emit(C, xs);
    op_u8(C, BC_ITER_INIT, it);
    switch (form) {
    case SPECIAL_COUNT:
    case SPECIAL_SUM:
        if (form == SPECIAL_SUM && n->type->kind == T_DEC)
            push_const(C, val_dec(dec_from_int(0)));
        else
            push_const(C, val_int(0));
        break;
    case SPECIAL_MIN:
    case SPECIAL_MAX:
        op(C, BC_NONE);
        break;
    case SPECIAL_MAP:
    case SPECIAL_SORT_BY:
        list_like(C, it, scratch_for(C, n));
        break;
    default:
        op(C, BC_NONE);
        break;
    }
    op_u8(C, BC_STORE, acc);
    uint32_t loop = here(C);
    /* The element goes to the lambda's local (a ranking's: its first key's),
     * or onto the stack when there is no lambda. */
    int into = form == SPECIAL_SORT_BY ? slot_of(C, args->items[1]->u.lambda.sym)
               : lam                   ? slot_of(C, lam->u.lambda.sym)
                                       : -1;
    uint32_t done = iter(C, it, into);
    switch (form) {
    case SPECIAL_COUNT: {
        Jumps skip = {0};
        lambda_jumps(C, lam, false, &skip);
        op_u8(C, BC_LOAD, acc);
        push_const(C, val_int(1));
        op(C, BC_ADD_INT);
        op_u8(C, BC_STORE, acc);
        jump_back(C, BC_JUMP, loop);
        jumps_back(C, &skip, loop);
        break;
    }
    case SPECIAL_SUM:
        if (lam)
            emit_lambda(C, lam);
        op_u8(C, BC_LOAD, acc);
        op(C, n->type->kind == T_INT ? BC_ADD_INT : BC_ADD_DEC);
        op_u8(C, BC_STORE, acc);
        jump_back(C, BC_JUMP, loop);
        break;
    case SPECIAL_MIN:
    case SPECIAL_MAX: {
        if (lam)
            emit_lambda(C, lam);
        op_u8(C, BC_STORE, v);
        op_u8(C, BC_LOAD, acc);
        op(C, BC_IS_NONE);
        uint32_t take = jump(C, BC_JUMP_TRUE);
        op_u8(C, BC_LOAD, v);
        op_u8(C, BC_LOAD, acc);
        op(C, form == SPECIAL_MIN ? BC_LT : BC_GT);
        uint32_t keep = jump(C, BC_JUMP_FALSE);
        put_i32(C->code + keep, (int32_t)loop - (int32_t)(keep + 4));
        patch(C, take);
        op_u8(C, BC_LOAD, v);
        op_u8(C, BC_STORE, acc);
        jump_back(C, BC_JUMP, loop);
        break;
    }
    case SPECIAL_ANY:
    case SPECIAL_ALL: {
        bool any = form == SPECIAL_ANY;
        Jumps decided = {0};
        if (lam)
            lambda_jumps(C, lam, any, &decided);
        else
            add_jump(&decided, jump_if(C, any));
        jump_back(C, BC_JUMP, loop);
        patch(C, done);
        op(C, any ? BC_FALSE : BC_TRUE);
        uint32_t end = jump(C, BC_JUMP);
        adjust(C, 1, 0);
        patch_all(C, &decided);
        op(C, any ? BC_TRUE : BC_FALSE);
        patch(C, end);
        return;
    }
    case SPECIAL_MAP:
        emit_lambda(C, lam);
        op_u8(C, BC_APPEND, acc);
        jump_back(C, BC_JUMP, loop);
        break;
    case SPECIAL_SORT_BY: {
        const Node *first = args->items[1];
        int e = into;
        for (size_t i = 1; i < args->len; i++) {
            const Node *key = args->items[i];
            /* every key lambda reads the same element */
            if (key->u.lambda.sym != first->u.lambda.sym) {
                op_u8(C, BC_LOAD, e);
                op_u8(C, BC_STORE, slot_of(C, key->u.lambda.sym));
            }
            C->no_trace++;
            emit(C, key->u.lambda.body);
            C->no_trace--;
        }
        op_u8(C, BC_LOAD, e);
        op_u16(C, BC_LIST, (uint32_t)args->len);
        adjust(C, (int)args->len, 1);
        op_u8(C, BC_APPEND, acc);
        jump_back(C, BC_JUMP, loop);
        patch(C, done);
        if (C->explain) {
            /* Explaining a ranking shows every element with its keys. */
            op_u8(C, BC_LOAD, acc);
            op_u16(C, BC_TRACE, trace_point(C, n, TRACE_RANKING, C->trace_rule, -1));
            op(C, BC_POP);
        }
        op_u8(C, BC_SORT, acc);
        op_u8(C, BC_LOAD, acc);
        return;
    }
    case SPECIAL_FIRST_WHERE: {
        Jumps no = {0};
        lambda_jumps(C, lam, false, &no);
        op_u8(C, BC_LOAD, slot_of(C, lam->u.lambda.sym));
        op_u8(C, BC_STORE, acc);
        uint32_t found = jump(C, BC_JUMP);
        jumps_back(C, &no, loop);
        patch(C, done);
        patch(C, found);
        op_u8(C, BC_LOAD, acc);
        return;
    }
    }
    patch(C, done);
    op_u8(C, BC_LOAD, acc);
}

static Opcode arith_op(const Node *n)
{
    Op o = n->u.op.op;
    const Type *ta = n->u.op.a->type, *tb = n->u.op.b->type;
    if (ta->kind == T_TEXT || ta->kind == T_LIST)
        return BC_CONCAT;
    if (ta->kind == T_DATE && tb->kind == T_DURATION)
        return o == OP_ADD ? BC_DATE_ADD : BC_DATE_SUB;
    if (ta->kind == T_DATE && tb->kind == T_DATE)
        return BC_DATE_DIFF;
    if (ta->kind == T_DURATION)
        return o == OP_ADD ? BC_DUR_ADD : BC_DUR_SUB;
    bool ints = ta->kind == T_INT && tb->kind == T_INT;
    switch (o) {
    case OP_ADD: return ints ? BC_ADD_INT : BC_ADD_DEC;
    case OP_SUB: return ints ? BC_SUB_INT : BC_SUB_DEC;
    case OP_MUL: return ints ? BC_MUL_INT : BC_MUL_DEC;
    case OP_DIV: return BC_DIV;
    case OP_MOD: return BC_MOD_INT;
    default: return BC_ADD_INT;
    }
}

static void emit_binary(Compiler *C, const Node *n)
{
    const Node *a = n->u.op.a, *b = n->u.op.b;
    switch (n->u.op.op) {
    case OP_AND:
    case OP_OR: {
        emit(C, a);
        uint32_t end = jump(C, n->u.op.op == OP_AND ? BC_AND : BC_OR);
        emit(C, b);
        patch(C, end);
        return;
    }
    case OP_COALESCE: {
        emit_as(C, a, n->type);
        uint32_t end = jump(C, BC_JUMP_SOME);
        emit_as(C, b, n->type);
        patch(C, end);
        return;
    }
    case OP_EQ: case OP_NE: case OP_LT: case OP_LE: case OP_GT: case OP_GE: {
        emit(C, a);
        emit(C, b);
        static const Opcode cmp[] = {[OP_EQ] = BC_EQ, [OP_NE] = BC_NE, [OP_LT] = BC_LT,
                                     [OP_LE] = BC_LE, [OP_GT] = BC_GT, [OP_GE] = BC_GE};
        op(C, cmp[n->u.op.op]);
        return;
    }
    case OP_IN:
    case OP_NOT_IN:
        emit(C, a);
        emit(C, b);
        op(C, BC_IN);
        if (n->u.op.op == OP_NOT_IN)
            op(C, BC_NOT);
        return;
    default:
        emit(C, a);
        emit(C, b);
        op(C, arith_op(n));
        return;
    }
}

static void emit_field(Compiler *C, const Node *n)
{
    int slot = n->u.field.slot;
    if (slot < 0) {
        if (n->kind == N_ELEM_FIELD)
            op_u8(C, BC_LOAD, slot_of(C, n->u.field.elem));
        else
            emit(C, n->u.field.obj);
        uint32_t skip = 0;
        bool safe = n->kind == N_FIELD && n->u.field.safe;
        if (safe)
            skip = jump(C, BC_JUMP_NONE);
        op_u8(C, BC_PSEUDO, -slot);
        if (safe)
            patch(C, skip);
        return;
    }
    int field;
    const Symbol *local = local_field(C, n, &field);
    if (local) {
        op(C, BC_LOCAL_FIELD);
        byte(C, slot_of(C, local));
        byte(C, field);
        return;
    }
    const Node *obj = n->u.field.obj;
    emit(C, obj);
    op_u8(C, n->u.field.safe ? BC_FIELD_OPT : BC_FIELD, slot);
}

static int record_number(Compiler *C, const RecordType *rt)
{
    for (uint32_t i = 0; i < C->prog->nrecords; i++)
        if (C->prog->records[i] == rt)
            return (int)i;
    cerror(C, C->cur_span, "internal error: record type %s is not known to the program", rt->name);
    return 0;
}

static void emit_construct(Compiler *C, const Node *n)
{
    const RecordType *rt = n->type->rec;
    const NodeList *args = &n->u.call.args;
    for (size_t f = 0; f < rt->nfields; f++) {
        const Node *value = NULL;
        for (size_t i = 0; i < args->len; i++)
            if (strcmp(args->items[i]->u.named.name.name, rt->fields[f].name) == 0)
                value = args->items[i]->u.named.value;
        if (value)
            emit_as(C, value, rt->fields[f].type);
        else
            op(C, BC_NONE);
    }
    op_u16(C, BC_RECORD, (uint32_t)record_number(C, rt));
    adjust(C, (int)rt->nfields, 1);
}

/* ---------------------------------------------------------------- inlining */

/* A call of a small function is compiled as the function's body in the
 * caller's frame: a policy is written as many small named functions (a
 * clash of two date ranges, a course during PLUS), and a call costs the VM
 * more than the comparison inside. Functions that read an export, a queue
 * or a host function, themselves or through the functions they call, stay
 * calls: the VM remembers their results, and a call is where it does. */
#define INLINE_MAX_NODES 40
#define INLINE_MAX_NESTING 4
/* Slots an inlined body may take from its caller's 255. */
#define INLINE_SLOT_CEILING 160

static int fn_number(const Node *f)
{
    return f->kind == N_TABLE ? f->u.table.index : f->u.fn.index;
}

/* Whether evaluating n reads what only a call may remember. Functions are
 * asked about callees first (Checked.fns), so C->fn_reads is known for
 * every function n calls. */
static bool reads_outside(const Compiler *C, const Node *n)
{
    switch (n->kind) {
    case N_NAME:
        if (n->u.name.sym && (n->u.name.sym->kind == SYM_SOURCE || n->u.name.sym->kind == SYM_QUEUE ||
                              n->u.name.sym->kind == SYM_QSTATE))
            return true;
        break;
    case N_CALL: {
        const Symbol *sym = n->u.call.sym;
        if (check_host_of(n) >= 0 || (sym && sym->kind == SYM_DECISION) ||
            (!sym && n->u.call.special < 0 && n->u.call.builtin < 0))
            return true;
        if (sym && (sym->kind == SYM_FN || sym->kind == SYM_TABLE)) {
            int k = fn_number(sym->decl);
            if (k < 0 || (size_t)k >= C->checked->nfns || C->fn_reads[k])
                return true;
        }
        break;
    }
    case N_QUEUE_STATE:
        return true;
    default:
        break;
    }
    Node *kids[64];
    size_t nk = node_children(n, kids, 64);
    if (nk > 64)
        return true;
    for (size_t i = 0; i < nk; i++)
        if (reads_outside(C, kids[i]))
            return true;
    return false;
}

/* Nodes in n, counting to budget + 1 at most. */
static int node_count(const Node *n, int budget)
{
    Node *kids[64];
    size_t nk = node_children(n, kids, 64);
    if (nk > 64)
        return budget + 1;
    int count = 1;
    for (size_t i = 0; i < nk && count <= budget; i++)
        count += node_count(kids[i], budget - count);
    return count;
}

static bool worth_inlining(Compiler *C, const Node *f)
{
    if (C->no_opt || C->explain || f->kind != N_FN || f->u.fn.lets.len)
        return false;
    if (C->inlining >= INLINE_MAX_NESTING || C->nbases >= MAX_INCLUDE_DEPTH + 1)
        return false;
    if (C->next_slot + f->u.fn.nslots > INLINE_SLOT_CEILING || f->u.fn.index < 0 ||
        (size_t)f->u.fn.index >= C->checked->nfns || C->fn_reads[f->u.fn.index])
        return false;
    return node_count(f->u.fn.body, INLINE_MAX_NODES) <= INLINE_MAX_NODES;
}

/* Emits call n of f compiled into its caller: its value, or (j given)
 * jumps taken when it is `when`, as cond_jumps. */
static void emit_inline(Compiler *C, const Node *n, const Node *f, Jumps *j, bool when)
{
    const NodeList *args = &n->u.call.args;
    const NodeList *params = &f->u.fn.params;
    int base = temp(C, f->u.fn.nslots);
    int aliased = C->naliases;
    /* The arguments are worked out in order, before the body, as for a
     * call; one that is a local of the caller (lets do not change), or a
     * field of one (records do not change, and reading one has no effect
     * but its value), is read where the body reads it. */
    int *slots = rg_alloc_atomic((args->len + 1) * sizeof *slots);
    size_t stored = 0;
    for (size_t i = 0; i < args->len; i++) {
        const Node *a = args->items[i];
        const Symbol *param = params->items[i]->u.param.sym;
        bool room = C->naliases < (int)(sizeof C->aliases / sizeof C->aliases[0]) &&
                    !type_needs_widening(params->items[i]->u.param.type_ann->type, a->type);
        int field = -1;
        const Symbol *local = local_field(C, a, &field);
        if ((a->kind == N_NAME || a->kind == N_IT) && a->u.name.sym && a->u.name.sym->kind == SYM_LOCAL) {
            local = a->u.name.sym;
            field = alias_field(C, local);
        }
        if (local && room) {
            C->aliases[C->naliases].sym = param;
            C->aliases[C->naliases].slot = slot_of(C, local);
            C->aliases[C->naliases++].field = field;
            continue;
        }
        emit_as(C, a, params->items[i]->u.param.type_ann->type);
        slots[stored++] = base + param->slot;
    }
    while (stored-- > 0)
        op_u8(C, BC_STORE, slots[stored]);
    C->bases[C->nbases++] = (Base){f, base};
    C->inlining++;
    Span saved = C->cur_span;
    if (j)
        cond_jumps(C, f->u.fn.body, when, j);
    else
        emit_as(C, f->u.fn.body, f->u.fn.sym ? f->u.fn.sym->type : NULL);
    C->cur_span = saved;
    C->inlining--;
    C->nbases--;
    C->naliases = aliased;
}

/* The function call n is compiled into its caller as, or NULL. */
static const Node *inlined_fn(Compiler *C, const Node *n)
{
    if (n->kind != N_CALL || n->u.call.special >= 0 || n->u.call.builtin >= 0 || !n->u.call.sym ||
        n->u.call.sym->kind == SYM_RECORD || n->u.call.sym->kind == SYM_DECISION || check_host_of(n) >= 0)
        return NULL;
    const Node *f = n->u.call.sym->decl;
    return f && worth_inlining(C, f) ? f : NULL;
}

static void emit_call(Compiler *C, const Node *n)
{
    if (n->u.call.special >= 0) {
        emit_special(C, n);
        return;
    }
    const NodeList *args = &n->u.call.args;
    const Symbol *sym = n->u.call.sym;
    if (sym && sym->kind == SYM_RECORD) {
        emit_construct(C, n);
        return;
    }
    if (sym && sym->kind == SYM_DECISION) {
        const Node *d = sym->decl;
        emit_as(C, args->items[0], d->u.decision.subject_sym->type);
        op_u16(C, BC_DECIDE, (uint32_t)d->u.decision.index);
        return;
    }
    if (!sym && strcmp(n->u.call.callee.name, "admitted_with") == 0) {
        op_u8(C, BC_QCOUNT, n->u.call.builtin);
        return;
    }
    int host = check_host_of(n);
    if (host >= 0) {
        const HostInfo *h = C->checked->hosts[host];
        for (size_t i = 0; i < args->len; i++)
            emit_as(C, args->items[i], h->params[i]);
        op_u16(C, BC_HOST, (uint32_t)host);
        byte(C, (int)args->len);
        adjust(C, (int)args->len, 1);
        return;
    }
    if (n->u.call.builtin >= 0) {
        for (size_t i = 0; i < args->len; i++)
            emit(C, args->items[i]);
        op_u16(C, BC_NATIVE, (uint32_t)n->u.call.builtin);
        byte(C, (int)args->len);
        adjust(C, (int)args->len, 1);
        return;
    }
    const Node *f = n->u.call.sym->decl;
    if (worth_inlining(C, f)) {
        emit_inline(C, n, f, NULL, false);
        return;
    }
    bool table = f->kind == N_TABLE;
    const NodeList *params = table ? &f->u.table.params : &f->u.fn.params;
    for (size_t i = 0; i < args->len; i++)
        emit_as(C, args->items[i], params->items[i]->u.param.type_ann->type);
    op_u16(C, BC_CALL, (uint32_t)(table ? f->u.table.index : f->u.fn.index));
    byte(C, (int)args->len);
    adjust(C, (int)args->len, 1);
}

static void emit(Compiler *C, const Node *n)
{
    Span saved = span_enter(C, n);
    Value v;
    /* Without optimisations only names fold (constants, enum words). */
    bool may_fold = !C->no_opt || n->kind == N_NAME || n->kind == N_FIELD || n->kind == N_VALUE;
    if (may_fold && n->kind != N_LIST && n->kind != N_TEXT && fold(C, n, &v)) {
        push_const(C, v);
        /* A named constant is worth showing; a literal is its own value. */
        bool named = n->kind == N_NAME && n->u.name.sym && n->u.name.sym->kind == SYM_CONST;
        if (named || n == C->trace_cond)
            emit_trace(C, n);
        C->cur_span = saved;
        return;
    }
    switch (n->kind) {
    case N_INT: case N_DEC: case N_BOOL: case N_NONE: case N_DATE: case N_TEXT:
        fold(C, n, &v);
        push_const(C, v);
        break;
    case N_INTERP: {
        size_t parts = 0;
        for (size_t i = 0; i < n->u.list.len; i++) {
            const Node *p = n->u.list.items[i];
            if (p->kind == N_TEXT && p->u.text.n == 0 && (i % 2) == 0)
                continue;
            if (parts == MAX_U8) {
                op_u8(C, BC_RENDER, (int)parts);
                adjust(C, (int)parts, 1);
                parts = 1;
            }
            emit(C, p);
            parts++;
        }
        op_u8(C, BC_RENDER, (int)parts);
        adjust(C, (int)parts, 1);
        break;
    }
    case N_LIST:
        if (fold(C, n, &v)) {
            push_const(C, v);
            break;
        }
        for (size_t i = 0; i < n->u.list.len; i++)
            emit_as(C, n->u.list.items[i], n->type->elem);
        op_u16(C, BC_LIST, (uint32_t)n->u.list.len);
        adjust(C, (int)n->u.list.len, 1);
        break;
    case N_NAME:
    case N_IT: {
        const Symbol *s = n->u.name.sym;
        if (!s) {
            cerror(C, n->span, "internal error: '%s' was not resolved", n->u.name.name ? n->u.name.name : "it");
            op(C, BC_NONE);
            break;
        }
        switch (s->kind) {
        case SYM_LOCAL: {
            int field = alias_field(C, s);
            if (field >= 0) {
                op(C, BC_LOCAL_FIELD);
                byte(C, slot_of(C, s));
                byte(C, field);
            } else {
                op_u8(C, BC_LOAD, slot_of(C, s));
            }
            break;
        }
        case SYM_SOURCE: {
            int src = s->decl->u.source.index;
            op_u16(C, BC_SOURCE, (uint32_t)src);
            break;
        }
        case SYM_CONST:
            /* fold() failed: the constant's own value does not compute. */
            if (!s->decl->u.constant.checking) {
                diag_error(C->diags, s->decl->u.constant.value->span, "the value of constant %s cannot be computed: %s",
                           s->name, C->fold_problem ? C->fold_problem : "it is not made of constants");
                /* Reported once; the flag is free to use after checking. */
                ((Node *)s->decl)->u.constant.checking = true;
            }
            C->failed = true;
            op(C, BC_NONE);
            break;
        case SYM_TODAY: op(C, BC_TODAY); break;
        case SYM_PASSED: op(C, BC_PASSED); break;
        case SYM_QSTATE: op_u8(C, BC_QSTATE, s->slot); break;
        default:
            cerror(C, n->span, "internal error: cannot compile the name '%s'", s->name);
            op(C, BC_NONE);
            break;
        }
        break;
    }
    case N_ELEM_FIELD:
    case N_FIELD:
        emit_field(C, n);
        break;
    case N_QUEUE_STATE:
        op_u8(C, BC_QSTATE, n->u.qstate.which);
        break;
    case N_INDEX: {
        const Node *obj = n->u.index.obj;
        if (obj->kind == N_NAME && obj->u.name.sym && obj->u.name.sym->kind == SYM_QUEUE) {
            emit(C, n->u.index.index);
            op_u16(C, BC_QUEUE_GET, (uint32_t)obj->u.name.sym->decl->u.queue.index);
            break;
        }
        int src = source_index_of(n->u.index.obj);
        if (src >= 0) {
            emit(C, n->u.index.index);
            op_u16(C, BC_LOOKUP, (uint32_t)src);
        } else {
            emit(C, n->u.index.obj);
            emit(C, n->u.index.index);
            op(C, BC_INDEX);
        }
        break;
    }
    case N_CALL:
        emit_call(C, n);
        break;
    case N_UNARY:
        emit(C, n->u.op.a);
        if (n->u.op.op == OP_UNWRAP)
            op(C, BC_UNWRAP);
        else if (n->u.op.op == OP_NOT)
            op(C, BC_NOT);
        else
            op(C, n->type->kind == T_INT ? BC_NEG_INT : n->type->kind == T_DURATION ? BC_DUR_NEG : BC_NEG_DEC);
        break;
    case N_BINARY:
        emit_binary(C, n);
        break;
    case N_IF: {
        emit(C, n->u.cond.cond);
        uint32_t els = jump_if(C, false);
        emit_as(C, n->u.cond.then, n->type);
        uint32_t end = jump(C, BC_JUMP);
        adjust(C, 1, 0);
        patch(C, els);
        emit_as(C, n->u.cond.els, n->type);
        patch(C, end);
        break;
    }
    case N_WHERE:
        emit_where(C, n);
        break;
    case N_DURATION:
        emit(C, n->u.dur.amount);
        op_u8(C, BC_MAKE_DUR, (int)n->u.dur.unit);
        break;
    default:
        cerror(C, n->span, "internal error: cannot compile a %s", node_kind_name(n->kind));
        op(C, BC_NONE);
        break;
    }
    emit_trace(C, n);
    C->cur_span = saved;
}

/* ---------------------------------------------------------------- chunks */

static void chunk_begin(Compiler *C, int named_slots, Span span)
{
    C->code = NULL;
    C->len = C->cap = 0;
    C->spans = NULL;
    C->nspans = C->spans_cap = 0;
    C->depth = C->max_depth = 0;
    C->next_slot = C->max_slot = named_slots;
    C->nbases = 0;
    C->slots_reported = false;
    C->label_at = UINT32_MAX;
    C->last_op = C->prev_op = C->op3 = UINT32_MAX;
    C->cur_span = span;
}

/* A jump whose target is an unconditional JUMP goes straight to where
 * that one goes: conditions turned into jumps leave such chains (a failed
 * `and` in a loop lands on the jump back to the loop head). */
static void thread_jumps(Compiler *C)
{
    for (uint32_t pc = 0; pc < C->len; pc += (uint32_t)opcode_size(opcode_info[C->code[pc]].operands)) {
        OperandLayout l = opcode_info[C->code[pc]].operands;
        if (!opcode_jumps(l))
            continue;
        uint32_t at = pc + (uint32_t)opcode_jump_operand(l), end = pc + (uint32_t)opcode_size(l);
        for (int hops = 0; hops < 8; hops++) {
            uint32_t target = end + (uint32_t)get_i32(C->code + at);
            if (target >= C->len || C->code[target] != BC_JUMP || target == pc)
                break;
            put_i32(C->code + at, (int32_t)(target + 5 + (uint32_t)get_i32(C->code + target + 1)) - (int32_t)end);
        }
    }
}

static uint32_t chunk_end(Compiler *C, const char *name, int nparams)
{
    Program *p = C->prog;
    if (!C->no_opt)
        thread_jumps(C);
    if (p->nchunks == C->chunks_cap) {
        size_t cap = C->chunks_cap ? C->chunks_cap * 2 : 16;
        Chunk *chunks = rg_alloc(cap * sizeof *chunks);
        if (p->nchunks)
            memcpy(chunks, p->chunks, p->nchunks * sizeof *chunks);
        p->chunks = chunks;
        C->chunks_cap = cap;
    }
    Chunk *ch = &p->chunks[p->nchunks];
    ch->name = name;
    ch->code = rg_alloc_atomic(C->len + CHUNK_PADDING);
    if (C->len)
        memcpy(ch->code, C->code, C->len);
    memset(ch->code + C->len, BC_HALT, CHUNK_PADDING);
    ch->len = C->len;
    ch->spans = C->spans;
    ch->nspans = C->nspans;
    ch->nparams = (uint16_t)nparams;
    ch->nlocals = (uint16_t)C->max_slot;
    ch->max_stack = (uint16_t)(C->max_depth + 1);
    if (C->len > MAX_CHUNK_BYTES)
        cerror(C, C->cur_span, "%s compiles to more code than one chunk may hold", name);
    return p->nchunks++;
}

static void compile_table(Compiler *C, const Node *t)
{
    chunk_begin(C, t->u.table.nslots, t->span);
    C->bases[C->nbases++] = (Base){t, 0};
    const Type *ret = t->u.table.ret->type;
    const char *hit = t->u.table.hit.name ? t->u.table.hit.name : "first";
    const NodeList *rows = &t->u.table.rows;
    if (strcmp(hit, "first") == 0) {
        /* The first row that holds gives the value. */
        for (size_t i = 0; i < rows->len; i++) {
            const Node *r = rows->items[i];
            C->cur_span = r->span;
            uint32_t next = 0;
            if (r->u.row.cond) {
                emit(C, r->u.row.cond);
                next = jump_if(C, false);
            }
            emit_as(C, r->u.row.value, ret);
            op(C, BC_RETURN);
            if (!r->u.row.cond)
                break;
            patch(C, next);
        }
        op(C, BC_NONE);
        op(C, BC_RETURN);
    } else if (strcmp(hit, "all") == 0) {
        int acc = temp(C, 1);
        op_u16(C, BC_LIST, 0);
        adjust(C, 0, 1);
        op_u8(C, BC_STORE, acc);
        for (size_t i = 0; i < rows->len; i++) {
            const Node *r = rows->items[i];
            C->cur_span = r->span;
            emit(C, r->u.row.cond);
            uint32_t next = jump_if(C, false);
            emit_as(C, r->u.row.value, ret);
            op_u8(C, BC_APPEND, acc);
            patch(C, next);
        }
        op_u8(C, BC_LOAD, acc);
        op(C, BC_RETURN);
    } else {
        /* unique: every row is tried; two that hold are an error. */
        int found = temp(C, 2), value = found + 1;
        op(C, BC_FALSE);
        op_u8(C, BC_STORE, found);
        const Node *otherwise = NULL;
        for (size_t i = 0; i < rows->len; i++) {
            const Node *r = rows->items[i];
            C->cur_span = r->span;
            if (!r->u.row.cond) {
                otherwise = r;
                continue;
            }
            emit(C, r->u.row.cond);
            uint32_t next = jump_if(C, false);
            op_u8(C, BC_LOAD, found);
            uint32_t first = jump(C, BC_JUMP_FALSE);
            op_u16(C, BC_ERROR, constant(C, val_cstr(rg_sprintf("more than one row of table %s holds, and its hit "
                                                                  "policy is unique", t->u.table.name.name))));
            patch(C, first);
            op(C, BC_TRUE);
            op_u8(C, BC_STORE, found);
            emit_as(C, r->u.row.value, ret);
            op_u8(C, BC_STORE, value);
            patch(C, next);
        }
        op_u8(C, BC_LOAD, found);
        uint32_t none_found = jump(C, BC_JUMP_FALSE);
        op_u8(C, BC_LOAD, value);
        op(C, BC_RETURN);
        patch(C, none_found);
        if (otherwise)
            emit_as(C, otherwise->u.row.value, ret);
        else
            op(C, BC_NONE);
        op(C, BC_RETURN);
    }
    chunk_end(C, t->u.table.name.name, (int)t->u.table.params.len);
}

static void compile_fn(Compiler *C, const Node *f)
{
    if (f->kind == N_TABLE) {
        compile_table(C, f);
        return;
    }
    chunk_begin(C, f->u.fn.nslots, f->span);
    C->bases[C->nbases++] = (Base){f, 0};
    for (size_t i = 0; i < f->u.fn.lets.len; i++) {
        const Node *l = f->u.fn.lets.items[i];
        emit_as(C, l->u.let.value, l->u.let.sym->type);
        op_u8(C, BC_STORE, slot_of(C, l->u.let.sym));
    }
    emit_as(C, f->u.fn.body, f->u.fn.sym ? f->u.fn.sym->type : NULL);
    op(C, BC_RETURN);
    chunk_end(C, f->u.fn.name.name, (int)f->u.fn.params.len);
}

static void add_rule(Compiler *C, uint32_t rule)
{
    DecisionInfo *d = C->dinfo;
    if (!d)
        return; /* a queue's rules belong to no decision */
    for (uint32_t i = 0; i < d->nrules; i++)
        if (d->rules[i] == rule)
            return;
    uint32_t *r = rg_alloc_atomic((d->nrules + 1) * sizeof *r);
    if (d->nrules)
        memcpy(r, d->rules, d->nrules * sizeof *r);
    r[d->nrules++] = rule;
    d->rules = r;
}

/* A rule's condition, traced part by part when explaining. */
static void emit_condition(Compiler *C, const Node *r)
{
    if (C->explain) {
        C->trace_rule = r->u.rule.index;
        C->trace_cond = r->u.rule.cond;
    }
    emit(C, r->u.rule.cond);
    C->trace_rule = -1;
    C->trace_cond = NULL;
}

/* The jumps taken when rule r holds. */
static void rule_condition(Compiler *C, const Node *r, Jumps *ok)
{
    if (C->explain) {
        emit_condition(C, r);
        add_jump(ok, jump_if(C, true));
        return;
    }
    cond_jumps(C, r->u.rule.cond, true, ok);
}

static void compile_rule(Compiler *C, const Node *r)
{
    Span saved = span_enter(C, r);
    uint32_t rule = (uint32_t)r->u.rule.index;
    add_rule(C, rule);
    if (r->u.rule.each.name) {
        int it = temp(C, 2);
        emit(C, r->u.rule.each_list);
        op_u8(C, BC_ITER_INIT, it);
        uint32_t loop = here(C);
        int each = slot_of(C, r->u.rule.each_sym);
        uint32_t done = iter(C, it, C->explain ? -1 : each);
        if (C->explain) {
            op_u16(C, BC_TRACE, trace_point(C, r, TRACE_EACH, (int32_t)rule, -1));
            op_u8(C, BC_STORE, each);
        }
        Jumps ok = {0};
        rule_condition(C, r, &ok);
        emit(C, r->u.rule.message);
        op_u16(C, BC_FAIL, rule);
        jump_back(C, BC_JUMP, loop);
        patch_all(C, &ok);
        if (C->coverage)
            op_u16(C, BC_PASS, rule);
        jump_back(C, BC_JUMP, loop);
        patch(C, done);
    } else {
        Jumps ok = {0};
        rule_condition(C, r, &ok);
        emit(C, r->u.rule.message);
        op_u16(C, BC_FAIL, rule);
        if (r->u.rule.severity == SEV_GUARD) {
            add_jump(&C->guards, jump(C, BC_JUMP));
        }
        if (C->coverage) {
            uint32_t skip = jump(C, BC_JUMP);
            patch_all(C, &ok);
            op_u16(C, BC_PASS, rule);
            patch(C, skip);
        } else {
            patch_all(C, &ok);
        }
    }
    C->cur_span = saved;
}

/* Whether reading local s in n (a child of p) uses its list up at once:
 * a count, sum, where, map, any... walks it, `in` looks in it, a text
 * shows it; anything else (a call, a field, a record, another let) may
 * keep it. */
static bool list_used_up(const Node *p, const Node *n)
{
    switch (p->kind) {
    case N_CALL: return p->u.call.special >= 0 && p->u.call.args.len && p->u.call.args.items[0] == n;
    case N_WHERE: return p->u.where.list == n;
    case N_BINARY: return (p->u.op.op == OP_IN || p->u.op.op == OP_NOT_IN) && p->u.op.b == n;
    case N_INTERP: return true;
    case N_RULE: return p->u.rule.each_list == n;
    default: return false;
    }
}

static bool uses_up(const Node *n, const Symbol *s)
{
    Node *kids[64];
    size_t nk = node_children(n, kids, 64);
    if (nk > 64)
        return false;
    for (size_t i = 0; i < nk; i++) {
        if (!kids[i])
            continue;
        if (kids[i]->kind == N_NAME && kids[i]->u.name.sym == s) {
            if (!list_used_up(n, kids[i]))
                return false;
        } else if (!uses_up(kids[i], s)) {
            return false;
        }
    }
    return true;
}

/* Whether the list a let of a decision binds to s is used up within the
 * decision's evaluation wherever the body reads it. Such a list can be
 * built in a scratch list of the VM, emptied for each evaluation, instead
 * of a new one: the one list most decisions would otherwise allocate for
 * each record. A decision is never evaluated inside itself, so the same
 * scratch list is never in use twice at once. */
static bool list_stays(const NodeList *body, const Symbol *s)
{
    for (size_t i = 0; i < body->len; i++)
        if (!uses_up(body->items[i], s))
            return false;
    return true;
}

/* The statements of a decision or queue body other than fields and the
 * outcome. */
static void compile_body(Compiler *C, const NodeList *body)
{
    for (size_t i = 0; i < body->len; i++) {
        const Node *s = body->items[i];
        switch (s->kind) {
        case N_LET:
            if (C->scratch_ok && !C->no_opt && !C->explain && s->u.let.sym->type &&
                s->u.let.sym->type->kind == T_LIST && !type_needs_widening(s->u.let.sym->type, s->u.let.value->type) &&
                list_stays(body, s->u.let.sym))
                C->scratch_node = s->u.let.value;
            emit_as(C, s->u.let.value, s->u.let.sym->type);
            C->scratch_node = NULL;
            if (C->explain)
                op_u16(C, BC_TRACE, trace_point(C, s, TRACE_LET, -1, -1));
            op_u8(C, BC_STORE, slot_of(C, s->u.let.sym));
            break;
        case N_RULE:
            compile_rule(C, s);
            break;
        case N_INCLUDE: {
            const Node *t = s->u.include.target;
            if (t->kind == N_QUEUE) {
                emit_as(C, s->u.include.arg, t->u.queue.subject_sym->type);
                if (C->explain)
                    op_u16(C, BC_TRACE, trace_point(C, s, TRACE_QUEUE, -1, t->u.queue.index));
                op_u16(C, BC_QUEUE_REPLAY, (uint32_t)t->u.queue.index);
                break;
            }
            if (C->nbases == MAX_INCLUDE_DEPTH + 1) {
                if (!C->include_reported)
                    cerror(C, s->span, "decisions include each other more than %s levels deep", "32");
                C->include_reported = true;
                break;
            }
            int base = temp(C, t->u.decision.nslots);
            C->bases[C->nbases++] = (Base){t, base};
            emit_as(C, s->u.include.arg, t->u.decision.subject_sym->type);
            op_u8(C, BC_STORE, slot_of(C, t->u.decision.subject_sym));
            /* A failed guard inside the included decision skips the rest of
             * it, not the rest of the includer. */
            size_t outer = C->guards.n;
            compile_body(C, &t->u.decision.body);
            for (size_t g = outer; g < C->guards.n; g++)
                patch(C, C->guards.at[g]);
            C->guards.n = outer;
            C->nbases--;
            break;
        }
        default:
            break;
        }
    }
}

static void compile_decision(Compiler *C, const Node *d, DecisionInfo *info)
{
    C->dinfo = info;
    info->name = d->u.decision.name.name;
    info->span = d->u.decision.name.span;
    info->root = checked_is_root(C->checked, d);
    info->source = -1;
    info->over_chunk = -1;

    const Node *over = d->u.decision.over;
    const Node *filter = NULL;
    const Node *base = over->kind == N_WHERE ? over->u.where.list : over;
    int src = source_index_of(base);
    if (src >= 0) {
        info->source = src;
        if (over->kind == N_WHERE)
            filter = over->u.where.pred;
    } else {
        chunk_begin(C, d->u.decision.nslots, over->span);
        C->bases[C->nbases++] = (Base){d, 0};
        emit(C, over);
        op(C, BC_RETURN);
        info->over_chunk = (int)chunk_end(C, rg_sprintf("%s (list)", info->name), 0);
    }

    chunk_begin(C, d->u.decision.nslots, d->span);
    C->bases[C->nbases++] = (Base){d, 0};
    C->guards.n = 0;
    int subj = slot_of(C, d->u.decision.subject_sym);
    info->subject_slot = (uint8_t)subj;
    if (filter) {
        op_u8(C, BC_LOAD, subj);
        emit_lambda_body(C, filter);
        uint32_t keep = jump_if(C, true);
        op(C, BC_SKIP);
        patch(C, keep);
    }
    info->body_pc = here(C);
    info->result_type = d->u.decision.result_type;
    if (d->u.decision.id) {
        emit(C, d->u.decision.id);
    } else if (src >= 0 && C->prog->sources[src]->key_field >= 0) {
        op(C, BC_LOCAL_FIELD);
        byte(C, subj);
        byte(C, C->prog->sources[src]->key_field);
    } else {
        op(C, BC_NONE);
    }
    op(C, BC_SET_KEY);

    C->scratch_ok = true;
    compile_body(C, &d->u.decision.body);
    C->scratch_ok = false;
    patch_all(C, &C->guards);
    C->guards.n = 0;

    /* Epilogue: fields, then the outcome. */
    const NodeList *body = &d->u.decision.body;
    size_t nfields = 0;
    for (size_t i = 0; i < body->len; i++)
        if (body->items[i]->kind == N_OUT_FIELD)
            nfields++;
    info->fields = rg_alloc((nfields ? nfields : 1) * sizeof *info->fields);
    for (size_t i = 0; i < body->len; i++) {
        const Node *s = body->items[i];
        if (s->kind == N_OUT_FIELD) {
            if (info->nfields == MAX_U8) {
                cerror(C, s->span, "a decision has at most %s output fields", "255");
                break;
            }
            emit(C, s->u.out_field.value);
            op_u8(C, BC_EMIT, (int)info->nfields);
            info->fields[info->nfields++] = s->u.out_field.name.name;
        }
        if (s->kind == N_OUTCOME) {
            const NodeList *arms = &s->u.outcome.arms;
            info->words = rg_alloc(arms->len * sizeof *info->words);
            info->nwords = (uint32_t)arms->len;
            for (size_t k = 0; k < arms->len; k++)
                info->words[k] = arms->items[k]->u.arm.word.name;
        }
    }
    for (size_t i = 0; i < body->len; i++) {
        const Node *s = body->items[i];
        if (s->kind != N_OUTCOME)
            continue;
        const NodeList *arms = &s->u.outcome.arms;
        for (size_t k = 0; k < arms->len; k++) {
            const Node *a = arms->items[k];
            C->cur_span = a->span;
            if (!a->u.arm.cond) {
                op_u16(C, BC_OUTCOME, (uint32_t)k);
                break;
            }
            Jumps next = {0};
            cond_jumps(C, a->u.arm.cond, false, &next);
            op_u16(C, BC_OUTCOME, (uint32_t)k);
            /* nothing but HALT comes after the outcome */
            op(C, BC_HALT);
            patch_all(C, &next);
        }
        break;
    }
    op(C, BC_HALT);
    info->chunk = chunk_end(C, info->name, 0);
}

/* One of a queue's chunks: e (with the element in its slot), returned. */
static uint32_t queue_expr_chunk(Compiler *C, const Node *q, const Node *e, const char *what)
{
    chunk_begin(C, q->u.queue.nslots, e->span);
    C->bases[C->nbases++] = (Base){q, 0};
    emit(C, e);
    op(C, BC_RETURN);
    return chunk_end(C, rg_sprintf("%s (%s)", q->u.queue.name.name, what), 0);
}

static void compile_queue(Compiler *C, const Node *q, QueueInfo *info)
{
    info->name = q->u.queue.name.name;
    info->span = q->u.queue.name.span;
    info->subject_slot = (uint8_t)q->u.queue.subject_sym->slot;
    info->by = q->u.queue.by;
    info->order = (const Node *const *)q->u.queue.order.items;
    info->norder = (uint32_t)q->u.queue.order.len;
    info->over_chunk = queue_expr_chunk(C, q, q->u.queue.over, "elements");

    /* [partition, key 1, key 2, ...] of an element */
    chunk_begin(C, q->u.queue.nslots, q->span);
    C->bases[C->nbases++] = (Base){q, 0};
    if (q->u.queue.by)
        emit(C, q->u.queue.by);
    else
        op(C, BC_NONE);
    for (size_t i = 0; i < q->u.queue.order.len; i++)
        emit(C, q->u.queue.order.items[i]);
    op_u16(C, BC_LIST, (uint32_t)(q->u.queue.order.len + 1));
    adjust(C, (int)q->u.queue.order.len + 1, 1);
    op(C, BC_RETURN);
    info->key_chunk = chunk_end(C, rg_sprintf("%s (order)", info->name), 0);

    info->capacity_chunk = q->u.queue.capacity ? (int)queue_expr_chunk(C, q, q->u.queue.capacity, "capacity") : -1;

    chunk_begin(C, q->u.queue.nslots, q->span);
    C->bases[C->nbases++] = (Base){q, 0};
    C->guards.n = 0;
    C->dinfo = NULL;
    compile_body(C, &q->u.queue.body);
    patch_all(C, &C->guards);
    C->guards.n = 0;
    op(C, BC_HALT);
    info->admit_chunk = chunk_end(C, rg_sprintf("%s (admission)", info->name), 0);

    const NodeList *counters = &q->u.queue.counters;
    info->ncounters = (uint32_t)counters->len;
    info->counter_chunks = rg_alloc_atomic((counters->len ? counters->len : 1) * sizeof(uint32_t));
    for (size_t i = 0; i < counters->len; i++)
        info->counter_chunks[i] = queue_expr_chunk(C, q, counters->items[i], "admitted_with");
}

static void compile_test(Compiler *C, const Node *t, TestInfo *info)
{
    Program *p = C->prog;
    info->name = t->u.test.name;
    info->span = t->u.test.name_span;
    chunk_begin(C, t->u.test.nslots, t->span);
    C->bases[C->nbases++] = (Base){t, 0};
    const char *dir = NULL;
    const SourceFile *file = sources_get(p->files, t->span.file);
    if (file) {
        const char *slash = strrchr(file->path, '/');
        dir = slash ? rg_strndup(file->path, (size_t)(slash - file->path)) : ".";
    }
    const NodeList *body = &t->u.test.body;
    for (size_t i = 0; i < body->len; i++) {
        const Node *s = body->items[i];
        C->cur_span = s->span;
        switch (s->kind) {
        case N_LET:
            emit_as(C, s->u.let.value, s->u.let.sym->type);
            op_u8(C, BC_STORE, slot_of(C, s->u.let.sym));
            break;
        case N_GIVEN:
            if (s->u.given.folder) {
                const char *f = s->u.given.folder;
                const char *path = f[0] == '/' || !dir ? f : rg_sprintf("%s/%s", dir, f);
                op_u16(C, BC_GIVEN_FOLDER, constant(C, val_cstr(path)));
            } else if (s->u.given.source_index < 0) {
                emit(C, s->u.given.value);
                op(C, BC_GIVEN_TODAY);
            } else {
                emit(C, s->u.given.value);
                op_u16(C, BC_GIVEN, (uint32_t)s->u.given.source_index);
            }
            break;
        case N_EXPECT: {
            /* For a comparison, a failure shows both sides' values. */
            const Node *cond = s->u.expect.cond;
            uint32_t idx = p->nexpects++;
            ExpectInfo *e = &p->expects[idx];
            e->span = cond->span;
            e->text = format_flat(p->files, cond);
            e->test = (uint32_t)(info - p->tests);
            bool compare = cond->kind == N_BINARY && cond->u.op.op >= OP_EQ && cond->u.op.op <= OP_GE;
            compare = compare || (cond->kind == N_BINARY && (cond->u.op.op == OP_IN || cond->u.op.op == OP_NOT_IN));
            if (compare) {
                /* The two temporaries live only in this statement. */
                int first_free = C->next_slot;
                int ta = temp(C, 2), tb = ta + 1;
                emit(C, cond->u.op.a);
                op_u8(C, BC_STORE, ta);
                emit(C, cond->u.op.b);
                op_u8(C, BC_STORE, tb);
                op_u8(C, BC_LOAD, ta);
                op_u8(C, BC_LOAD, tb);
                static const Opcode cmp[] = {[OP_EQ] = BC_EQ, [OP_NE] = BC_NE, [OP_LT] = BC_LT, [OP_LE] = BC_LE,
                                             [OP_GT] = BC_GT, [OP_GE] = BC_GE, [OP_IN] = BC_IN, [OP_NOT_IN] = BC_IN};
                op(C, cmp[cond->u.op.op]);
                if (cond->u.op.op == OP_NOT_IN)
                    op(C, BC_NOT);
                uint32_t ok = jump_if(C, true);
                /* "x is 3; y is 4", leaving out sides that are literals. */
                const Node *sides[2] = {cond->u.op.a, cond->u.op.b};
                int temps[2] = {ta, tb}, parts = 0;
                bool folds[2];
                for (int k = 0; k < 2; k++) {
                    Value lit;
                    folds[k] = fold(C, sides[k], &lit);
                    if (folds[k] && (sides[k]->kind != N_NAME || !sides[k]->u.name.sym))
                        continue;
                    const Node *x = sides[k];
                    push_const(C, val_cstr(rg_sprintf("%s%s is ", parts ? "; " : "", format_flat(p->files, x))));
                    op_u8(C, BC_LOAD, temps[k]);
                    op(C, BC_SHOW);
                    parts += 2;
                }
                if (!parts) {
                    push_const(C, val_cstr("it is false"));
                    parts = 1;
                }
                op_u8(C, BC_RENDER, parts);
                adjust(C, parts, 1);
                /* An == hands both sides to the report, which shows how
                 * they differ. Tests write `actual == expected`; a side
                 * made of literals and constants is the expected one. */
                if (cond->u.op.op == OP_EQ) {
                    int expected = folds[0] && !folds[1] ? ta : tb;
                    op_u8(C, BC_LOAD, expected);
                    op_u8(C, BC_LOAD, expected == ta ? tb : ta);
                } else {
                    op(C, BC_NONE);
                    op(C, BC_NONE);
                }
                op_u16(C, BC_EXPECT_FAIL, idx);
                patch(C, ok);
                C->next_slot = first_free;
            } else {
                emit(C, cond);
                uint32_t ok = jump_if(C, true);
                push_const(C, val_cstr("it is false"));
                op(C, BC_NONE);
                op(C, BC_NONE);
                op_u16(C, BC_EXPECT_FAIL, idx);
                patch(C, ok);
            }
            break;
        }
        default:
            break;
        }
    }
    op(C, BC_HALT);
    info->chunk = chunk_end(C, rg_sprintf("test \"%s\"", info->name), 0);
}

Program *compile_program(const Checked *checked, DiagList *diags, unsigned flags)
{
    Compiler *C = rg_alloc(sizeof *C);
    C->checked = checked;
    C->diags = diags;
    Program *p = rg_alloc(sizeof *p);
    C->prog = p;
    C->coverage = (flags & COMPILE_COVERAGE) != 0;
    C->explain = (flags & COMPILE_EXPLAIN) != 0;
    C->no_opt = (flags & COMPILE_NO_OPT) != 0;
    C->trace_rule = -1;
    p->coverage = C->coverage;
    p->explain = C->explain;
    p->files = checked->files;
    p->records = (const RecordType **)checked->records;
    p->nrecords = (uint32_t)checked->nrecords;
    p->reason_type = checked->reason_type;
    p->entry_type = checked->queue_entry_type;
    p->nhosts = (uint32_t)checked->nhosts;
    p->hosts = rg_alloc((checked->nhosts ? checked->nhosts : 1) * sizeof *p->hosts);
    for (size_t i = 0; i < checked->nhosts; i++)
        p->hosts[i] = *checked->hosts[i];
    p->sources = checked->sources;
    p->nsources = (uint32_t)checked->nsources;
    p->uses = rg_alloc((p->nsources ? p->nsources : 1) * sizeof *p->uses);

    p->rules = rg_alloc((checked->nrules ? checked->nrules : 1) * sizeof *p->rules);
    p->nrules = (uint32_t)checked->nrules;
    for (size_t i = 0; i < checked->nrules; i++) {
        const Node *r = checked->rules[i];
        RuleInfo *ri = &p->rules[i];
        ri->ref = r->u.rule.ref.name;
        ri->severity = r->u.rule.severity;
        ri->span = r->span;
        ri->node = r;
    }
    C->fn_reads = rg_alloc(checked->nfns + 1);
    for (size_t i = 0; i < checked->nfns; i++) {
        const Node *f = checked->fns[i];
        int k = fn_number(f);
        if (k >= 0 && (size_t)k < checked->nfns)
            C->fn_reads[k] = reads_outside(C, f);
    }
    for (size_t i = 0; i < checked->nfns; i++)
        compile_fn(C, checked->fns[i]);
    p->decisions = rg_alloc((checked->ndecisions ? checked->ndecisions : 1) * sizeof *p->decisions);
    for (size_t i = 0; i < checked->ndecisions; i++) {
        const Node *d = checked->decisions[i];
        for (size_t k = 0; k < d->u.decision.body.len; k++) {
            const Node *s = d->u.decision.body.items[k];
            if (s->kind == N_RULE)
                p->rules[s->u.rule.index].decision = d->u.decision.name.name;
        }
        compile_decision(C, d, &p->decisions[p->ndecisions++]);
    }
    p->queues = rg_alloc((checked->nqueues ? checked->nqueues : 1) * sizeof *p->queues);
    for (size_t i = 0; i < checked->nqueues; i++) {
        const Node *q = checked->queues[i];
        for (size_t k = 0; k < q->u.queue.body.len; k++) {
            const Node *s = q->u.queue.body.items[k];
            if (s->kind == N_RULE)
                p->rules[s->u.rule.index].decision = q->u.queue.name.name;
        }
        compile_queue(C, q, &p->queues[p->nqueues++]);
    }
    size_t nexpects = 0;
    for (size_t i = 0; i < checked->ntests; i++)
        for (size_t k = 0; k < checked->tests[i]->u.test.body.len; k++)
            if (checked->tests[i]->u.test.body.items[k]->kind == N_EXPECT)
                nexpects++;
    p->expects = rg_alloc((nexpects ? nexpects : 1) * sizeof *p->expects);
    p->tests = rg_alloc((checked->ntests ? checked->ntests : 1) * sizeof *p->tests);
    for (size_t i = 0; i < checked->ntests; i++)
        compile_test(C, checked->tests[i], &p->tests[p->ntests++]);
    if (C->failed)
        return NULL;
    p->const_decls = C->const_nodes;
    p->const_values = C->const_values;
    p->nconst_decls = (uint32_t)C->nconst_nodes;
    return p;
}

Span chunk_span_at(const Chunk *c, uint32_t pc)
{
    Span s = {0, 0, 0};
    size_t lo = 0, hi = c->nspans;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->spans[mid].pc <= pc) {
            s = c->spans[mid].span;
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return s;
}

int program_decision(const Program *p, const char *name)
{
    for (uint32_t i = 0; i < p->ndecisions; i++)
        if (strcmp(p->decisions[i].name, name) == 0)
            return (int)i;
    return -1;
}
