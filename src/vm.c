/*
 * vm.c — the interpreter loop.
 *
 * Dispatch is by computed goto where the compiler has it (GCC, Clang), a
 * switch elsewhere; both are expanded from REGEL_OPCODES. A call to a
 * policy function is a C call to run(): policies cannot recurse, so the C
 * depth is bounded by the length of the longest chain of functions and by
 * limits.max_depth.
 *
 * Every instruction that follows a pointer checks the tag first, and every
 * jump checks its target, so a damaged or hostile bytecode file gives an
 * error, not a crash; the HALT padding after each chunk (CHUNK_PADDING)
 * stops execution that would run off the end.
 */
#include "vm.h"

#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "builtins.h"
#include "opcodes.h"

struct Vm {
    const Program *prog;
    const DataSet *data;
    Date today;
    VmLimits limits;
    Value *stack, *stack_end;
    uint64_t steps_left;
    uint64_t mem_start;
    uint32_t depth;
    Verdict *verdict;
    const char *error;
    Span error_span;
    uint64_t steps_used;
};

VmLimits vm_default_limits(void)
{
    VmLimits l = {VM_DEFAULT_MAX_STEPS, VM_DEFAULT_MAX_MEMORY, VM_DEFAULT_MAX_DEPTH};
    return l;
}

Vm *vm_new(const Program *p, const DataSet *data, Date today, VmLimits limits)
{
    Vm *vm = rg_alloc(sizeof *vm);
    vm->prog = p;
    vm->data = data;
    vm->today = today;
    vm->limits = limits;
    /* Without recursion, no evaluation can have two frames of one chunk
     * at once, so the sum of all frames bounds the stack. */
    size_t need = 16;
    for (uint32_t i = 0; i < p->nchunks; i++)
        need += (size_t)p->chunks[i].nlocals + p->chunks[i].max_stack + 2;
    vm->stack = rg_alloc(need * sizeof(Value));
    vm->stack_end = vm->stack + need;
    return vm;
}

const char *vm_error(const Vm *vm)
{
    return vm->error;
}

Span vm_error_span(const Vm *vm)
{
    return vm->error_span;
}

uint64_t vm_steps(const Vm *vm)
{
    return vm->steps_used;
}

static uint32_t rd16(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8);
}

static int32_t rd32(const uint8_t *p)
{
    return (int32_t)((uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24));
}

static void add_reason(Verdict *v, uint32_t rule, Value msg)
{
    if (v->nreasons == v->reasons_cap) {
        uint32_t cap = v->reasons_cap ? v->reasons_cap * 2 : 8;
        Reason *r = rg_alloc(cap * sizeof *r);
        if (v->nreasons)
            memcpy(r, v->reasons, v->nreasons * sizeof *r);
        v->reasons = r;
        v->reasons_cap = cap;
    }
    v->reasons[v->nreasons].rule = rule;
    v->reasons[v->nreasons].message = msg;
    v->nreasons++;
}

static Value key_text(Value k)
{
    if (k.tag == V_TEXT)
        return k;
    RgBuf b;
    buf_init(&b);
    if (k.tag == V_INT)
        buf_printf(&b, "%lld", (long long)k.as.i);
    else
        value_render(&b, k);
    return val_text(b.data ? b.data : "", b.len);
}

typedef struct SortEntry {
    const List *keys;
    uint32_t pos;
} SortEntry;

static int sort_cmp(const void *x, const void *y)
{
    const SortEntry *a = x, *b = y;
    uint32_t n = a->keys->len - 1;
    for (uint32_t i = 0; i < n; i++) {
        int c = value_compare(a->keys->items[i], b->keys->items[i]);
        if (c)
            return c;
    }
    return (a->pos > b->pos) - (a->pos < b->pos);
}

/* Sorts [key..., element] lists by their keys; the original position
 * breaks ties, which makes the sort stable. */
static bool sort_pairs(Value *slot, const char **err)
{
    if (slot->tag != V_LIST) {
        *err = "internal error: SORT on something that is not a list";
        return false;
    }
    const List *l = slot->as.list;
    SortEntry *e = rg_alloc((l->len ? l->len : 1) * sizeof *e);
    for (uint32_t i = 0; i < l->len; i++) {
        if (l->items[i].tag != V_LIST || l->items[i].as.list->len < 1 ||
            (i > 0 && l->items[i].as.list->len != l->items[0].as.list->len)) {
            *err = "internal error: SORT entries are not key lists";
            return false;
        }
        e[i].keys = l->items[i].as.list;
        e[i].pos = i;
    }
    qsort(e, l->len, sizeof *e, sort_cmp);
    List *out = list_new(l->len);
    for (uint32_t i = 0; i < l->len; i++)
        out->items[i] = e[i].keys->items[e[i].keys->len - 1];
    out->len = l->len;
    *slot = val_list(out);
    return true;
}

static bool in_collection(Value x, Value coll, bool *out)
{
    if (coll.tag == V_SET) {
        *out = set_contains(coll.as.list, x);
        return true;
    }
    if (coll.tag == V_LIST) {
        const List *l = coll.as.list;
        for (uint32_t i = 0; i < l->len; i++)
            if (value_equal(l->items[i], x)) {
                *out = true;
                return true;
            }
        *out = false;
        return true;
    }
    if (coll.tag == V_PERIOD && x.tag == V_DATE) {
        *out = coll.as.period.start <= x.as.date && x.as.date <= coll.as.period.end;
        return true;
    }
    return false;
}

static bool make_duration(int64_t n, int unit, Duration *d)
{
    d->months = 0;
    d->days = 0;
    int64_t v;
    switch (unit) {
    case 0: v = n; break;
    case 1: if (__builtin_mul_overflow(n, 7, &v)) return false; break;
    case 2: v = n; break;
    case 3: if (__builtin_mul_overflow(n, 12, &v)) return false; break;
    default: return false;
    }
    if (v > INT32_MAX || v < -INT32_MAX)
        return false;
    if (unit <= 1)
        d->days = (int32_t)v;
    else
        d->months = (int32_t)v;
    return true;
}

static bool add_dur(Duration a, Duration b, int sign, Duration *r)
{
    int64_t m = (int64_t)a.months + sign * (int64_t)b.months;
    int64_t d = (int64_t)a.days + sign * (int64_t)b.days;
    if (m > INT32_MAX || m < -INT32_MAX || d > INT32_MAX || d < -INT32_MAX)
        return false;
    r->months = (int32_t)m;
    r->days = (int32_t)d;
    return true;
}

static const char *dec_message(DecStatus st)
{
    return st == DEC_DIV_ZERO ? "division by zero" : "the result is too large for an exact decimal";
}

/* Runs chunk c with its frame at base (arguments already in place). */
static bool run(Vm *vm, const Chunk *c, Value *base, Value *result)
{
    const Program *P = vm->prog;
    const uint8_t *code = c->code;
    const uint8_t *ip = code;
    const uint8_t *end = code + c->len;
    const uint8_t *at = ip; /* start of the current instruction */
    if (base + c->nlocals + c->max_stack > vm->stack_end) {
        vm->error = "the evaluation needs more stack than was set aside";
        return false;
    }
    for (uint32_t i = c->nparams; i < c->nlocals; i++)
        base[i] = val_none();
    Value *sp = base + c->nlocals;
    Value *stack_limit = base + c->nlocals + c->max_stack;
    uint64_t steps = vm->steps_left;
    const char *err = NULL;

#define TOP (sp[-1])
#define POP() (*--sp)
#define PUSH(v) (*sp++ = (v))
#define NEED(n)                                                          \
    do {                                                                 \
        if (sp - (base + c->nlocals) < (n) || sp + 1 > stack_limit) {    \
            err = "internal error: the operand stack is out of balance"; \
            goto fail;                                                   \
        }                                                                \
    } while (0)
#define FAILWITH(msg)                                                    \
    do {                                                                 \
        err = (msg);                                                     \
        goto fail;                                                       \
    } while (0)
#define CHECK_LOCAL(i)                                                   \
    do {                                                                 \
        if ((i) >= c->nlocals)                                           \
            FAILWITH("internal error: local slot out of range");         \
    } while (0)

#if defined(__GNUC__)
    static const void *labels[256] = {
#define LABEL(name, operands, pops, pushes, doc) [BC_##name] = &&L_##name,
        REGEL_OPCODES(LABEL)
#undef LABEL
        [BC__COUNT ... 255] = &&L_INVALID,
    };
#define NEXT()                                                           \
    do {                                                                 \
        if (__builtin_expect(--steps == 0, 0))                           \
            goto out_of_steps;                                           \
        if (__builtin_expect((steps & 1023) == 0, 0) && rg_alloc_bytes() - vm->mem_start > vm->limits.max_memory) \
            goto out_of_memory;                                          \
        at = ip;                                                         \
        goto *labels[*ip++];                                             \
    } while (0)
#define CASE(name) L_##name:
    NEXT();
#else
#define NEXT() goto dispatch
#define CASE(name) case BC_##name:
dispatch:
    if (--steps == 0)
        goto out_of_steps;
    if ((steps & 1023) == 0 && rg_alloc_bytes() - vm->mem_start > vm->limits.max_memory)
        goto out_of_memory;
    at = ip;
    switch (*ip++) {
    default: goto L_INVALID;
#endif

    CASE(CONST) {
        uint32_t k = rd16(ip);
        ip += 2;
        if (k >= P->nconsts)
            FAILWITH("internal error: constant index out of range");
        NEED(0);
        PUSH(P->consts[k]);
        NEXT();
    }
    CASE(NONE) { NEED(0); PUSH(val_none()); NEXT(); }
    CASE(TRUE) { NEED(0); PUSH(val_bool(true)); NEXT(); }
    CASE(FALSE) { NEED(0); PUSH(val_bool(false)); NEXT(); }
    CASE(POP) { NEED(1); sp--; NEXT(); }
    CASE(DUP) { NEED(1); Value v = TOP; PUSH(v); NEXT(); }
    CASE(LOAD) {
        uint8_t a = *ip++;
        CHECK_LOCAL(a);
        NEED(0);
        PUSH(base[a]);
        NEXT();
    }
    CASE(STORE) {
        uint8_t a = *ip++;
        CHECK_LOCAL(a);
        NEED(1);
        base[a] = POP();
        NEXT();
    }
    CASE(FIELD) {
        uint8_t a = *ip++;
        NEED(1);
        Value r = TOP;
        if (r.tag != V_RECORD) {
            if (r.tag == V_NONE)
                FAILWITH("a value that is none has no fields");
            FAILWITH("internal error: field of a value that is not a record");
        }
        if (a >= r.as.rec->type->nfields)
            FAILWITH("internal error: field slot out of range");
        TOP = r.as.rec->slots[a];
        NEXT();
    }
    CASE(FIELD_OPT) {
        uint8_t a = *ip++;
        NEED(1);
        Value r = TOP;
        if (r.tag == V_NONE)
            NEXT();
        if (r.tag != V_RECORD)
            FAILWITH("internal error: field of a value that is not a record");
        if (a >= r.as.rec->type->nfields)
            FAILWITH("internal error: field slot out of range");
        TOP = r.as.rec->slots[a];
        NEXT();
    }
    CASE(LOCAL_FIELD) {
        uint8_t a = ip[0], f = ip[1];
        ip += 2;
        CHECK_LOCAL(a);
        NEED(0);
        Value r = base[a];
        if (__builtin_expect(r.tag != V_RECORD, 0)) {
            if (r.tag == V_NONE)
                FAILWITH("a value that is none has no fields");
            FAILWITH("internal error: field of a value that is not a record");
        }
        if (f >= r.as.rec->type->nfields)
            FAILWITH("internal error: field slot out of range");
        PUSH(r.as.rec->slots[f]);
        NEXT();
    }
    CASE(PSEUDO) {
        uint8_t a = *ip++;
        NEED(1);
        Value v = TOP;
        int y, m, d;
        if (v.tag == V_PERIOD && (a == 2 || a == 3)) {
            TOP = val_date(a == 2 ? v.as.period.start : v.as.period.end);
        } else if (v.tag == V_DATE && a >= 4 && a <= 6) {
            date_to_ymd(v.as.date, &y, &m, &d);
            TOP = val_int(a == 4 ? y : a == 5 ? m : d);
        } else if (v.tag == V_DURATION && (a == 7 || a == 8)) {
            TOP = val_int(a == 7 ? v.as.dur.months : v.as.dur.days);
        } else {
            FAILWITH("internal error: bad part of a value");
        }
        NEXT();
    }
    CASE(NOT) {
        NEED(1);
        if (TOP.tag != V_BOOL)
            FAILWITH("internal error: not of a value that is not Bool");
        TOP.as.b = !TOP.as.b;
        NEXT();
    }
    CASE(NEG_INT) {
        NEED(1);
        if (TOP.tag != V_INT)
            FAILWITH("internal error: integer operation on a non-integer");
        if (TOP.as.i == INT64_MIN)
            FAILWITH("integer overflow");
        TOP.as.i = -TOP.as.i;
        NEXT();
    }
    CASE(NEG_DEC) {
        NEED(1);
        Decimal r;
        if (TOP.tag != V_DEC && TOP.tag != V_INT)
            FAILWITH("internal error: decimal operation on a non-number");
        DecStatus st = dec_neg(val_as_dec(TOP), &r);
        if (st)
            FAILWITH(dec_message(st));
        TOP = val_dec(r);
        NEXT();
    }
#define INT_OP(name, builtin, sym)                                            \
    CASE(name) {                                                              \
        NEED(2);                                                              \
        Value b = POP();                                                      \
        if (TOP.tag != V_INT || b.tag != V_INT)                               \
            FAILWITH("internal error: integer operation on a non-integer");   \
        int64_t r;                                                            \
        if (builtin(TOP.as.i, b.as.i, &r))                                    \
            FAILWITH("integer overflow in " sym);                             \
        TOP.as.i = r;                                                         \
        NEXT();                                                               \
    }
    INT_OP(ADD_INT, __builtin_add_overflow, "+")
    INT_OP(SUB_INT, __builtin_sub_overflow, "-")
    INT_OP(MUL_INT, __builtin_mul_overflow, "*")
#undef INT_OP
    CASE(MOD_INT) {
        NEED(2);
        Value b = POP();
        if (TOP.tag != V_INT || b.tag != V_INT)
            FAILWITH("internal error: integer operation on a non-integer");
        if (b.as.i == 0)
            FAILWITH("division by zero in %");
        TOP.as.i = b.as.i == -1 ? 0 : TOP.as.i % b.as.i;
        NEXT();
    }
#define DEC_OP(name, fn)                                                      \
    CASE(name) {                                                              \
        NEED(2);                                                              \
        Value b = POP();                                                      \
        if ((TOP.tag != V_INT && TOP.tag != V_DEC) || (b.tag != V_INT && b.tag != V_DEC)) \
            FAILWITH("internal error: decimal operation on a non-number");    \
        Decimal r;                                                            \
        DecStatus st = fn(val_as_dec(TOP), val_as_dec(b), &r);                \
        if (st)                                                               \
            FAILWITH(dec_message(st));                                        \
        TOP = val_dec(r);                                                     \
        NEXT();                                                               \
    }
    DEC_OP(ADD_DEC, dec_add)
    DEC_OP(SUB_DEC, dec_sub)
    DEC_OP(MUL_DEC, dec_mul)
    DEC_OP(DIV, dec_div)
#undef DEC_OP
    CASE(TO_DEC) {
        NEED(1);
        if (TOP.tag == V_INT)
            TOP = val_dec(dec_from_int(TOP.as.i));
        NEXT();
    }
    CASE(CONCAT) {
        NEED(2);
        Value b = POP();
        Value a = TOP;
        if (a.tag != V_TEXT || b.tag != V_TEXT)
            FAILWITH("internal error: + of values that are not Text");
        if ((uint64_t)a.aux + b.aux > VALUE_MAX_TEXT)
            FAILWITH("the text would be longer than the limit");
        char *s = rg_alloc_atomic((size_t)a.aux + b.aux + 1);
        memcpy(s, a.as.s, a.aux);
        memcpy(s + a.aux, b.as.s, b.aux);
        s[a.aux + b.aux] = '\0';
        TOP = val_text(s, (size_t)a.aux + b.aux);
        NEXT();
    }
    CASE(DATE_ADD)
    CASE(DATE_SUB) {
        NEED(2);
        bool sub = *at == BC_DATE_SUB;
        Value b = POP();
        if (TOP.tag != V_DATE || b.tag != V_DURATION)
            FAILWITH("internal error: date arithmetic on other values");
        Date r;
        if (!date_add_duration(TOP.as.date, b.as.dur, sub, &r))
            FAILWITH("the date falls outside the years 1 to 9999");
        TOP = val_date(r);
        NEXT();
    }
    CASE(DATE_DIFF) {
        NEED(2);
        Value b = POP();
        if (TOP.tag != V_DATE || b.tag != V_DATE)
            FAILWITH("internal error: date difference of other values");
        TOP = val_int((int64_t)TOP.as.date - b.as.date);
        NEXT();
    }
    CASE(DUR_ADD)
    CASE(DUR_SUB) {
        NEED(2);
        Value b = POP();
        if (TOP.tag != V_DURATION || b.tag != V_DURATION)
            FAILWITH("internal error: duration arithmetic on other values");
        Duration r;
        if (!add_dur(TOP.as.dur, b.as.dur, *at == BC_DUR_ADD ? 1 : -1, &r))
            FAILWITH("the duration is too long");
        TOP = val_duration(r);
        NEXT();
    }
    CASE(DUR_NEG) {
        NEED(1);
        if (TOP.tag != V_DURATION)
            FAILWITH("internal error: negation of a value that is not a duration");
        TOP.as.dur.months = -TOP.as.dur.months;
        TOP.as.dur.days = -TOP.as.dur.days;
        NEXT();
    }
    CASE(MAKE_DUR) {
        uint8_t a = *ip++;
        NEED(1);
        Duration d;
        if (TOP.tag != V_INT)
            FAILWITH("internal error: duration of a value that is not Int");
        if (!make_duration(TOP.as.i, a, &d))
            FAILWITH("the duration is too long");
        TOP = val_duration(d);
        NEXT();
    }
/* Integers, the common case, are compared inline. */
#define COMPARE(name, expr_int, expr_cmp)                                     \
    CASE(name) {                                                              \
        NEED(2);                                                              \
        Value b = POP();                                                      \
        Value a = TOP;                                                        \
        if (a.tag == V_INT && b.tag == V_INT)                                 \
            TOP = val_bool(expr_int);                                         \
        else                                                                  \
            TOP = val_bool(expr_cmp);                                         \
        NEXT();                                                               \
    }
    COMPARE(EQ, a.as.i == b.as.i, value_equal(a, b))
    COMPARE(NE, a.as.i != b.as.i, !value_equal(a, b))
    COMPARE(LT, a.as.i < b.as.i, value_compare(a, b) < 0)
    COMPARE(LE, a.as.i <= b.as.i, value_compare(a, b) <= 0)
    COMPARE(GT, a.as.i > b.as.i, value_compare(a, b) > 0)
    COMPARE(GE, a.as.i >= b.as.i, value_compare(a, b) >= 0)
#undef COMPARE
    CASE(IN) {
        NEED(2);
        Value coll = POP();
        bool r;
        if (!in_collection(TOP, coll, &r))
            FAILWITH("internal error: in on a value that is not a list, set or period");
        TOP = val_bool(r);
        NEXT();
    }
    CASE(IS_NONE) { NEED(1); TOP = val_bool(TOP.tag == V_NONE); NEXT(); }
    CASE(JUMP) {
        int32_t off = rd32(ip);
        ip += 4;
        ip += off;
        if (ip < code || ip > end)
            FAILWITH("internal error: jump outside the code");
        NEXT();
    }
/* Jumps that keep the tested value when they jump and drop it otherwise. */
#define COND_JUMP(name, test)                                                 \
    CASE(name) {                                                              \
        int32_t off = rd32(ip);                                               \
        ip += 4;                                                              \
        NEED(1);                                                              \
        Value v = TOP;                                                        \
        bool taken = (test);                                                  \
        if (!taken)                                                           \
            sp--;                                                             \
        if (taken) {                                                          \
            ip += off;                                                        \
            if (ip < code || ip > end)                                        \
                FAILWITH("internal error: jump outside the code");            \
        }                                                                     \
        NEXT();                                                               \
    }
    CASE(JUMP_FALSE) {
        int32_t off = rd32(ip);
        ip += 4;
        NEED(1);
        Value v = POP();
        if (v.tag != V_BOOL)
            FAILWITH("internal error: a condition that is not Bool");
        if (!v.as.b) {
            ip += off;
            if (ip < code || ip > end)
                FAILWITH("internal error: jump outside the code");
        }
        NEXT();
    }
    CASE(JUMP_TRUE) {
        int32_t off = rd32(ip);
        ip += 4;
        NEED(1);
        Value v = POP();
        if (v.tag != V_BOOL)
            FAILWITH("internal error: a condition that is not Bool");
        if (v.as.b) {
            ip += off;
            if (ip < code || ip > end)
                FAILWITH("internal error: jump outside the code");
        }
        NEXT();
    }
    COND_JUMP(AND, (v.tag == V_BOOL && !v.as.b))
    COND_JUMP(OR, (v.tag == V_BOOL && v.as.b))
    COND_JUMP(JUMP_SOME, (v.tag != V_NONE))
    CASE(JUMP_NONE) {
        int32_t off = rd32(ip);
        ip += 4;
        NEED(1);
        if (TOP.tag == V_NONE) {
            ip += off;
            if (ip < code || ip > end)
                FAILWITH("internal error: jump outside the code");
        }
        NEXT();
    }
#undef COND_JUMP
    CASE(LIST) {
        uint32_t n = rd16(ip);
        ip += 2;
        NEED((int)n);
        List *l = list_new(n);
        memcpy(l->items, sp - n, n * sizeof(Value));
        l->len = n;
        sp -= n;
        PUSH(val_list(l));
        NEXT();
    }
    CASE(ITER_INIT) {
        uint8_t a = *ip++;
        CHECK_LOCAL(a + 1);
        NEED(1);
        Value l = POP();
        if (l.tag != V_LIST && l.tag != V_SET)
            FAILWITH("internal error: iteration over a value that is not a list");
        base[a] = l;
        base[a + 1] = val_int(0);
        NEXT();
    }
    CASE(ITER) {
        uint8_t a = ip[0];
        int32_t off = rd32(ip + 1);
        ip += 5;
        CHECK_LOCAL(a + 1);
        NEED(0);
        Value l = base[a];
        Value i = base[a + 1];
        if ((l.tag != V_LIST && l.tag != V_SET) || i.tag != V_INT)
            FAILWITH("internal error: iteration state is damaged");
        if ((uint64_t)i.as.i < l.as.list->len) {
            PUSH(l.as.list->items[i.as.i]);
            base[a + 1].as.i++;
        } else {
            ip += off;
            if (ip < code || ip > end)
                FAILWITH("internal error: jump outside the code");
        }
        NEXT();
    }
    CASE(APPEND) {
        uint8_t a = *ip++;
        CHECK_LOCAL(a);
        NEED(1);
        Value v = POP();
        if (base[a].tag != V_LIST)
            FAILWITH("internal error: append to a value that is not a list");
        base[a].as.list = list_push(base[a].as.list, v);
        NEXT();
    }
    CASE(LEN) {
        NEED(1);
        if (TOP.tag != V_LIST && TOP.tag != V_SET)
            FAILWITH("internal error: length of a value that is not a list");
        TOP = val_int(TOP.as.list->len);
        NEXT();
    }
    CASE(INDEX) {
        NEED(2);
        Value i = POP();
        Value l = TOP;
        if (l.tag != V_LIST || i.tag != V_INT)
            FAILWITH("internal error: indexing a value that is not a list");
        if (i.as.i < 0 || (uint64_t)i.as.i >= l.as.list->len)
            FAILWITH("the position is outside the list");
        TOP = l.as.list->items[i.as.i];
        NEXT();
    }
    CASE(SORT) {
        uint8_t a = *ip++;
        CHECK_LOCAL(a);
        if (!sort_pairs(&base[a], &err))
            goto fail;
        NEXT();
    }
    CASE(SOURCE)
    CASE(LOOKUP)
    CASE(SELECT) {
        uint8_t opc = *at;
        uint32_t s = rd16(ip);
        ip += 2;
        uint8_t field = 0;
        if (opc == BC_SELECT)
            field = *ip++;
        if (!vm->data || s >= vm->data->nsources || s >= P->nsources || !vm->data->sources[s].loaded)
            FAILWITH("internal error: the source was not loaded");
        const SourceData *sd = &vm->data->sources[s];
        if (opc == BC_SOURCE) {
            NEED(0);
            PUSH(val_list(sd->records));
        } else if (opc == BC_LOOKUP) {
            NEED(1);
            const List *hits = vindex_get(sd->by_key, TOP);
            TOP = hits->len ? hits->items[0] : val_none();
        } else {
            NEED(1);
            if (!sd->by_field || !P->sources[s]->type || field >= P->sources[s]->type->nfields || !sd->by_field[field])
                FAILWITH("internal error: no index on that field");
            TOP = val_list((List *)vindex_get(sd->by_field[field], TOP));
        }
        NEXT();
    }
    CASE(CALL) {
        uint32_t f = rd16(ip);
        uint8_t argc = ip[2];
        ip += 3;
        if (f >= P->nchunks || P->chunks[f].nparams != argc || P->chunks[f].nlocals < argc)
            FAILWITH("internal error: bad call");
        NEED(argc);
        if (++vm->depth > vm->limits.max_depth) {
            vm->depth--;
            FAILWITH("the functions call each other too deeply (the depth limit was reached)");
        }
        vm->steps_left = steps;
        Value r;
        bool ok = run(vm, &P->chunks[f], sp - argc, &r);
        steps = vm->steps_left;
        vm->depth--;
        if (!ok)
            return false;
        sp -= argc;
        PUSH(r);
        NEXT();
    }
    CASE(RETURN) {
        NEED(1);
        *result = POP();
        vm->steps_left = steps;
        return true;
    }
    CASE(NATIVE) {
        uint32_t f = rd16(ip);
        uint8_t argc = ip[2];
        ip += 3;
        if (f >= builtin_count)
            FAILWITH("internal error: unknown native function");
        NEED(argc);
        NativeCtx ctx = {NULL};
        Value r;
        if (!builtin_table[f].fn(&ctx, sp - argc, &r))
            FAILWITH(ctx.error ? ctx.error : "a built-in function failed");
        sp -= argc;
        PUSH(r);
        NEXT();
    }
    CASE(TODAY) { NEED(0); PUSH(val_date(vm->today)); NEXT(); }
    CASE(RENDER) {
        uint8_t n = *ip++;
        NEED(n);
        RgBuf b;
        buf_init(&b);
        for (Value *v = sp - n; v < sp; v++)
            value_render(&b, *v);
        if (b.len > VALUE_MAX_TEXT)
            FAILWITH("the text would be longer than the limit");
        sp -= n;
        PUSH(val_text(b.data ? b.data : "", b.len));
        NEXT();
    }
    CASE(PASSED) {
        NEED(0);
        if (!vm->verdict)
            FAILWITH("internal error: passed outside a decision");
        PUSH(val_bool(!vm->verdict->must_failed));
        NEXT();
    }
    CASE(FAIL) {
        uint32_t r = rd16(ip);
        ip += 2;
        NEED(1);
        Value msg = POP();
        if (!vm->verdict || r >= P->nrules || msg.tag != V_TEXT)
            FAILWITH("internal error: bad rule failure");
        add_reason(vm->verdict, r, msg);
        if (P->rules[r].severity != SEV_SHOULD)
            vm->verdict->must_failed = true;
        NEXT();
    }
    CASE(OUTCOME) {
        uint32_t w = rd16(ip);
        ip += 2;
        if (!vm->verdict)
            FAILWITH("internal error: outcome outside a decision");
        vm->verdict->word = (int)w;
        NEXT();
    }
    CASE(EMIT) {
        uint8_t a = *ip++;
        NEED(1);
        if (!vm->verdict || !vm->verdict->fields)
            FAILWITH("internal error: field outside a decision");
        vm->verdict->fields[a] = POP();
        NEXT();
    }
    CASE(SET_KEY) {
        NEED(1);
        if (!vm->verdict)
            FAILWITH("internal error: key outside a decision");
        vm->verdict->key = key_text(POP());
        NEXT();
    }
    CASE(SKIP) {
        if (!vm->verdict)
            FAILWITH("internal error: skip outside a decision");
        vm->verdict->skipped = true;
        vm->steps_left = steps;
        return true;
    }
    CASE(HALT) {
        vm->steps_left = steps;
        *result = val_none();
        return true;
    }
#if !defined(__GNUC__)
    }
#endif
L_INVALID:
    err = "internal error: unknown instruction";
    goto fail;
out_of_steps:
    vm->steps_left = 0;
    err = "the evaluation took more steps than its limit allows";
    goto fail;
out_of_memory:
    err = "the evaluation used more memory than its limit allows";
fail:
    vm->error = err;
    vm->error_span = chunk_span_at(c, (uint32_t)(at - code));
    vm->steps_left = steps;
    return false;
#undef TOP
#undef POP
#undef PUSH
#undef NEED
#undef FAILWITH
#undef CHECK_LOCAL
#undef NEXT
#undef CASE
}

static void begin(Vm *vm)
{
    vm->error = NULL;
    vm->error_span = (Span){0, 0, 0};
    vm->steps_left = vm->limits.max_steps ? vm->limits.max_steps : UINT64_MAX;
    vm->mem_start = rg_alloc_bytes();
    vm->depth = 0;
}

bool vm_decide(Vm *vm, uint32_t decision, Value subject, Verdict *v)
{
    begin(vm);
    const Program *P = vm->prog;
    if (decision >= P->ndecisions) {
        vm->error = "no such decision";
        return false;
    }
    const DecisionInfo *d = &P->decisions[decision];
    const Chunk *c = &P->chunks[d->chunk];
    v->skipped = false;
    v->key = val_none();
    v->word = -1;
    v->must_failed = false;
    v->nreasons = 0;
    if (d->nfields) {
        if (v->fields_cap < d->nfields) {
            v->fields = rg_alloc(d->nfields * sizeof(Value));
            v->fields_cap = d->nfields;
        }
        for (uint32_t i = 0; i < d->nfields; i++)
            v->fields[i] = val_none();
    }
    if (d->subject_slot >= c->nlocals) {
        vm->error = "internal error: the decision has no slot for its subject";
        return false;
    }
    vm->verdict = v;
    for (uint32_t i = 0; i < c->nlocals; i++)
        vm->stack[i] = val_none();
    vm->stack[d->subject_slot] = subject;
    Value ignored;
    /* The subject is not a parameter, so run() must not clear it. */
    Chunk frame = *c;
    frame.nparams = c->nlocals;
    bool ok = run(vm, &frame, vm->stack, &ignored);
    vm->steps_used = (vm->limits.max_steps ? vm->limits.max_steps : UINT64_MAX) - vm->steps_left;
    vm->verdict = NULL;
    return ok;
}

bool vm_eval(Vm *vm, uint32_t chunk, Value *out)
{
    begin(vm);
    if (chunk >= vm->prog->nchunks) {
        vm->error = "no such chunk";
        return false;
    }
    vm->verdict = NULL;
    bool ok = run(vm, &vm->prog->chunks[chunk], vm->stack, out);
    vm->steps_used = (vm->limits.max_steps ? vm->limits.max_steps : UINT64_MAX) - vm->steps_left;
    return ok;
}
