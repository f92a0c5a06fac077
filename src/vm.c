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

/* A queue worked out: each element's entry and the reasons to replay. */
typedef struct QueueTable {
    bool failed;
    const char *error;
    Span error_span;
    ValueIndex *index;   /* element -> Int number of its entry */
    Value *entries;      /* QueueEntry records */
    Reason **reasons;    /* per entry, with rule numbers for replay */
    uint32_t *nreasons;
    /* kept only when explaining */
    Trace **traces;      /* per entry: what its admission rules noted */
    Value *elements;     /* per entry: the element */
    const List **keys;   /* per entry: [partition, order keys...] */
    uint32_t *group;     /* per entry: its partition */
    uint32_t **members;  /* per partition: its entries, first first */
    uint32_t *nmembers;
} QueueTable;

/* What QSTATE and QCOUNT read while a queue is walked. */
typedef struct QueueWalk {
    const QueueInfo *q;
    Value element;
    int64_t admitted, position, capacity;
    CountMap **counts;   /* per admitted_with counter, for this partition */
} QueueWalk;

struct Vm {
    const Program *prog;
    const DataSet *data;
    Date today;
    VmLimits limits;
    Value *stack, *stack_end;
    uint64_t steps_left;
    uint64_t mem_start;
    uint64_t mem_limit;   /* bytes the current evaluation may allocate */
    uint64_t steps_budget;/* steps the current evaluation started with */
    uint32_t depth;
    Verdict *verdict;
    const char *error;
    Span error_span;
    VmErrorKind error_kind;
    uint64_t steps_used;
    QueueTable **queues;  /* by queue number, worked out on first use */
    QueueWalk *walk;
    VmTest *test;
    uint8_t *coverage;
    Trace *trace;
    bool explaining;
    /* Results of functions that read the exports, by their arguments. */
    uint8_t *remembers;  /* per chunk: REMEMBER_* */
    struct MemoTable *memo;   /* per chunk (NULL until a call needs them) */
    uint32_t memo_generation; /* entries and tables of another generation are empty */
    Value subject;            /* the record being decided, or none */
    List **scratch;           /* LIST_SCRATCH's lists, by number */
    uint32_t nscratch;
};

VmLimits vm_default_limits(void)
{
    VmLimits l = {VM_DEFAULT_MAX_STEPS, VM_DEFAULT_MAX_MEMORY, VM_DEFAULT_MAX_DEPTH};
    return l;
}

/* A function's result, remembered. Arguments that are records, or lists
 * and sets that are long or hold records or lists, are compared by
 * identity: the exports' records and the lists built from them never
 * change, so the same object means the same value, and a lookup costs no
 * walk over it. Everything else compares by value, short lists of plain
 * values too (a course's delmål), so that equal ones built apart meet. */
typedef struct Remembered {
    uint64_t hash;
    uint32_t generation;
    uint8_t argc;
    Value args[VM_REMEMBER_MAX_ARGS];
    Value result;
} Remembered;

static bool by_identity(Value v)
{
    if (v.tag == V_RECORD)
        return true;
    if (v.tag != V_LIST && v.tag != V_SET)
        return false;
    if (v.as.list->len > VM_REMEMBER_LIST_BY_VALUE)
        return true;
    for (uint32_t i = 0; i < v.as.list->len; i++) {
        uint8_t t = v.as.list->items[i].tag;
        if (t == V_RECORD || t == V_LIST || t == V_SET)
            return true;
    }
    return false;
}

static uint64_t remember_hash(const Value *args, uint8_t argc)
{
    uint64_t h = 0x9e3779b97f4a7c15ULL;
    for (uint8_t i = 0; i < argc; i++) {
        uint64_t x = by_identity(args[i]) ? (uint64_t)(uintptr_t)args[i].as.list * 0x100000001b3ULL
                                          : value_hash(args[i]);
        h = (h ^ x) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    return h;
}

static bool same_argument(Value a, Value b)
{
    if (a.tag != b.tag)
        return false;
    if (a.as.list == b.as.list && (a.tag == V_RECORD || a.tag == V_LIST || a.tag == V_SET))
        return true;
    if (by_identity(a) || by_identity(b))
        return false;
    return value_equal(a, b);
}

/* One function's remembered results. Each function has its own table, so
 * one that is asked about many things (a calendar for every pair of dates)
 * cannot push out the few costly results of another (the occasions that
 * give a set of delmål). */
typedef struct MemoTable {
    Remembered *slots;
    uint32_t cap, used;
    uint32_t generation; /* the table is empty when this is not the VM's */
} MemoTable;

static Remembered *remembered_slot(const Vm *vm, const MemoTable *t, uint64_t hash, const Value *args, uint8_t argc)
{
    uint32_t mask = t->cap - 1;
    for (uint32_t i = (uint32_t)hash & mask;; i = (i + 1) & mask) {
        Remembered *e = &t->slots[i];
        if (e->generation != vm->memo_generation)
            return e;
        if (e->hash != hash || e->argc != argc)
            continue;
        bool same = true;
        for (uint8_t k = 0; k < argc && same; k++)
            same = same_argument(e->args[k], args[k]);
        if (same)
            return e;
    }
}

/* Room for one more remembered result: a table twice the size with the
 * old results in it, or, at the largest size, an empty one (bounded
 * memory matters more than the results of long ago). */
static MemoTable *memo_room(Vm *vm, uint32_t chunk)
{
    if (!vm->memo)
        vm->memo = rg_alloc_uncounted(vm->prog->nchunks * sizeof *vm->memo);
    MemoTable *t = &vm->memo[chunk];
    if (t->generation != vm->memo_generation) {
        t->generation = vm->memo_generation;
        t->used = 0;
    }
    if (t->slots && t->used < t->cap / 2)
        return t;
    Remembered *old = t->slots;
    uint32_t old_cap = t->cap;
    bool keep = old && old_cap < VM_REMEMBER_SLOTS;
    uint32_t cap = !old ? VM_REMEMBER_FIRST_SLOTS : keep ? old_cap * 2 : old_cap;
    /* Allocated before the table changes: running out of memory here
     * leaves it whole (its size matching its slots) for the next
     * evaluation. */
    Remembered *slots = rg_alloc_uncounted(cap * sizeof *slots);
    t->cap = cap;
    t->slots = slots;
    t->used = 0;
    if (!keep)
        return t;
    for (uint32_t i = 0; i < old_cap; i++)
        if (old[i].generation == vm->memo_generation) {
            uint32_t mask = t->cap - 1, j = (uint32_t)old[i].hash & mask;
            while (t->slots[j].generation == vm->memo_generation)
                j = (j + 1) & mask;
            t->slots[j] = old[i];
            t->used++;
        }
    return t;
}

/* Which functions have their results remembered. A function that reads
 * the exports (looks records up, selects them, walks a source or a queue)
 * gives a result that depends only on its arguments and the data, which
 * do not change during a run, and working it out may walk much of the
 * data. One that does so itself is a join: remembered whatever its
 * arguments. One that only calls such functions is remembered when it is
 * about at most one thing (one record or list compared by identity,
 * besides plain values): one about two things (a doctor and a course)
 * is asked once for each pair, and would fill the table with pairs that
 * never come again and push the joins out. */
enum { REMEMBER_NOT, REMEMBER_ALWAYS, REMEMBER_ABOUT_ONE_THING };

static uint8_t *find_remembering(const Program *p)
{
    size_t n = p->nchunks ? p->nchunks : 1;
    /* reads: the chunk reads the exports itself or through a call;
     * direct: itself; called: some chunk calls it (it is a function);
     * host: it calls a host function itself or through a call, whose
     * result may change from call to call: never remembered. */
    bool *reads = rg_alloc(n * sizeof *reads), *direct = rg_alloc(n * sizeof *direct);
    bool *called = rg_alloc(n * sizeof *called), *host = rg_alloc(n * sizeof *host);
    for (bool changed = true; changed;) {
        changed = false;
        for (uint32_t c = 0; c < p->nchunks; c++) {
            const Chunk *ch = &p->chunks[c];
            for (uint32_t pc = 0; pc < ch->len; pc += (uint32_t)opcode_size(opcode_info[ch->code[pc]].operands)) {
                uint8_t op = ch->code[pc];
                if (op >= BC__COUNT)
                    break;
                bool data = op == BC_SOURCE || op == BC_LOOKUP || op == BC_SELECT || op == BC_SELECT_IN ||
                            op == BC_SELECT_RANGE ||
                            op == BC_QUEUE_GET;
                if (op == BC_CALL) {
                    uint32_t f = (uint32_t)ch->code[pc + 1] | ((uint32_t)ch->code[pc + 2] << 8);
                    if (f < p->nchunks) {
                        called[f] = true;
                        data = reads[f];
                        if (host[f] && !host[c])
                            host[c] = changed = true;
                    }
                }
                if (op == BC_HOST && !host[c])
                    host[c] = changed = true;
                if (data && op != BC_CALL)
                    direct[c] = true;
                if (data && !reads[c])
                    reads[c] = changed = true;
            }
        }
    }
    uint8_t *how = rg_alloc_atomic(n * sizeof *how);
    for (uint32_t c = 0; c < p->nchunks; c++) {
        bool fits = called[c] && p->chunks[c].nparams >= 1 && p->chunks[c].nparams <= VM_REMEMBER_MAX_ARGS;
        how[c] = !fits || !reads[c] || host[c] ? REMEMBER_NOT : direct[c] ? REMEMBER_ALWAYS : REMEMBER_ABOUT_ONE_THING;
    }
    return how;
}

/* Whether this call's result is remembered (see find_remembering). Never
 * one about the record being decided: it is asked about only while that
 * record is decided, and remembering would keep its results (a list for
 * every application, say) long after. */
static bool worth_remembering(const Vm *vm, uint8_t how, const Value *args, uint8_t argc)
{
    if (how == REMEMBER_NOT)
        return false;
    int things = 0;
    for (uint8_t i = 0; i < argc; i++) {
        if (args[i].tag == V_RECORD && vm->subject.tag == V_RECORD && args[i].as.rec == vm->subject.as.rec)
            return false;
        things += by_identity(args[i]);
    }
    return how == REMEMBER_ALWAYS || things <= 1;
}

/* How many scratch lists the program's LIST_SCRATCH instructions number. */
static uint32_t count_scratch(const Program *p)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < p->nchunks; i++) {
        const Chunk *c = &p->chunks[i];
        for (uint32_t pc = 0; pc < c->len && c->code[pc] < BC__COUNT;
             pc += (uint32_t)opcode_size(opcode_info[c->code[pc]].operands)) {
            uint32_t k = pc + 2 < c->len ? (uint32_t)c->code[pc + 1] | ((uint32_t)c->code[pc + 2] << 8) : 0;
            if (c->code[pc] == BC_LIST_SCRATCH && k >= n)
                n = k + 1;
        }
    }
    return n;
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
    vm->remembers = find_remembering(p);
    vm->memo_generation = 1;
    vm->subject = val_none();
    vm->nscratch = count_scratch(p);
    vm->scratch = rg_alloc((vm->nscratch ? vm->nscratch : 1) * sizeof *vm->scratch);
    return vm;
}

void data_build_indexes(const Program *p, uint32_t src, SourceData *sd)
{
    const SourceSpec *spec = p->sources[src];
    const SourceUse *use = &p->uses[src];
    sd->by_key = spec->key_field >= 0 ? vindex_build(sd->records, spec->key_field) : NULL;
    size_t nfields = spec->type ? spec->type->nfields : 0;
    sd->by_field = use->nindexed ? rg_alloc(nfields * sizeof *sd->by_field) : NULL;
    for (uint32_t i = 0; i < use->nindexed; i++)
        sd->by_field[use->indexed_fields[i]] = vindex_build(sd->records, use->indexed_fields[i]);
    sd->by_element = use->nelement ? rg_alloc(nfields * sizeof *sd->by_element) : NULL;
    for (uint32_t i = 0; i < use->nelement; i++)
        sd->by_element[use->element_fields[i]] = vindex_build_elements(sd->records, use->element_fields[i]);
    uint32_t nranges = use->nrange_fields / 3;
    sd->by_range = nranges ? rg_alloc(nranges * sizeof *sd->by_range) : NULL;
    for (uint32_t i = 0; i < nranges; i++) {
        const int *f = &use->range_fields[3 * i];
        sd->by_range[i] = rindex_build(sd->records, f[0], f[1], f[2]);
    }
}

void vm_set_limits(Vm *vm, VmLimits limits)
{
    vm->limits = limits;
}

void vm_set_test(Vm *vm, VmTest *test)
{
    vm->test = test;
}

void vm_set_coverage(Vm *vm, uint8_t *flags)
{
    vm->coverage = flags;
}

void vm_set_trace(Vm *vm, Trace *trace)
{
    vm->trace = trace;
}

void vm_set_explaining(Vm *vm, bool on)
{
    vm->explaining = on;
}

static void trace_add(Trace *t, uint32_t point, Value v)
{
    if (t->n == t->cap) {
        uint32_t cap = t->cap ? t->cap * 2 : 64;
        TraceEvent *e = rg_alloc(cap * sizeof *e);
        if (t->n)
            memcpy(e, t->events, t->n * sizeof *e);
        t->events = e;
        t->cap = cap;
    }
    t->events[t->n++] = (TraceEvent){point, v};
}

void vm_reset_queues(Vm *vm)
{
    if (vm->queues)
        memset(vm->queues, 0, vm->prog->nqueues * sizeof *vm->queues);
    /* What was remembered came from the data as it was. */
    vm_forget_remembered(vm);
}

void vm_forget_remembered(Vm *vm)
{
    if (++vm->memo_generation == 0) {
        /* Zeroed slots would look current: start from fresh tables. */
        vm->memo = NULL;
        vm->memo_generation = 1;
    }
}

const char *vm_error(const Vm *vm)
{
    return vm->error;
}

VmErrorKind vm_error_kind(const Vm *vm)
{
    return vm->error_kind;
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

/* Room for more reasons: twice as many. Out of line, as it is rare. */
static __attribute__((noinline)) void grow_reasons(Verdict *v)
{
    uint32_t cap = v->reasons_cap ? v->reasons_cap * 2 : 8;
    Reason *r = rg_alloc(cap * sizeof *r);
    if (v->nreasons)
        memcpy(r, v->reasons, v->nreasons * sizeof *r);
    v->reasons = r;
    v->reasons_cap = cap;
}

static inline void add_reason(Verdict *v, uint32_t rule, Value msg)
{
    if (v->nreasons == v->reasons_cap)
        grow_reasons(v);
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

static bool run(Vm *vm, const Chunk *c, uint32_t start, Value *base, Value *result);

/* Runs chunk c from pc start as a frame at base, its locals cleared and v
 * in local `slot` (no subject when slot < 0). */
static bool run_frame(Vm *vm, const Chunk *c, uint32_t start, Value *base, int slot, Value v, Value *out)
{
    if (base + c->nlocals + c->max_stack > vm->stack_end) {
        vm->error = "the evaluation needs more stack than was set aside";
        return false;
    }
    if (slot >= (int)c->nlocals) {
        vm->error = "internal error: no slot for the subject";
        return false;
    }
    for (uint32_t i = 0; i < c->nlocals; i++)
        base[i] = val_none();
    if (slot >= 0)
        base[slot] = v;
    Chunk frame = *c;
    frame.nparams = c->nlocals; /* run() must not clear the subject */
    Value ignored;
    return run(vm, &frame, start, base, out ? out : &ignored);
}

/* The reasons of a verdict as values: the refs that failed and the
 * Reason records. */
static void reason_values(Vm *vm, const Reason *rs, uint32_t n, Value *failed, Value *reasons)
{
    const Program *P = vm->prog;
    List *refs = list_new(n), *list = list_new(n);
    for (uint32_t i = 0; i < n; i++) {
        const RuleInfo *rule = &P->rules[rs[i].rule];
        Value ref = val_cstr(rule->ref);
        Record *r = record_new(P->reason_type);
        r->slots[REASON_REF] = ref;
        r->slots[REASON_SEVERITY] = val_cstr(rule->severity == SEV_SHOULD ? "should" : "must");
        r->slots[REASON_MESSAGE] = rs[i].message;
        refs->items[i] = ref;
        list->items[i] = val_record(r);
    }
    refs->len = list->len = n;
    *failed = val_list(refs);
    *reasons = val_list(list);
}

static Value decision_result(Vm *vm, const DecisionInfo *d, const Verdict *v)
{
    const RecordType *rt = d->result_type;
    Record *r = record_new(rt);
    r->slots[RESULT_KEY] = v->key;
    const EnumType *words = rt->fields[RESULT_OUTCOME].type->enm;
    r->slots[RESULT_OUTCOME] = v->word >= 0 && (uint32_t)v->word < words->nwords ? val_enum(words, v->word) : val_none();
    r->slots[RESULT_PASSED] = val_bool(!v->must_failed);
    reason_values(vm, v->reasons, v->nreasons, &r->slots[RESULT_FAILED], &r->slots[RESULT_REASONS]);
    for (uint32_t i = 0; i < d->nfields && RESULT_NFIXED + i < rt->nfields; i++)
        r->slots[RESULT_NFIXED + i] = v->fields[i];
    return val_record(r);
}

/* Evaluates decision d for subject into a fresh verdict, as a call from a
 * policy: from its body (past the source's filter). */
static bool decide_nested(Vm *vm, uint32_t d, Value subject, Value *base, Value *out)
{
    const Program *P = vm->prog;
    const DecisionInfo *di = &P->decisions[d];
    Verdict v;
    memset(&v, 0, sizeof v);
    v.word = -1;
    if (di->nfields) {
        v.fields = rg_alloc(di->nfields * sizeof(Value));
        v.fields_cap = di->nfields;
    }
    Verdict *outer = vm->verdict;
    QueueWalk *walk = vm->walk;
    Trace *trace = vm->trace;
    vm->verdict = &v;
    vm->walk = NULL;
    vm->trace = NULL;
    bool ok = run_frame(vm, &P->chunks[di->chunk], di->body_pc, base, di->subject_slot, subject, NULL);
    vm->verdict = outer;
    vm->walk = walk;
    vm->trace = trace;
    if (!ok)
        return false;
    *out = decision_result(vm, di, &v);
    return true;
}

/* ---------------------------------------------------------------- queues */

typedef struct Queued {
    Value element;
    const List *keys; /* [partition, order keys...] */
    uint32_t pos;     /* in the element list, for a stable order */
} Queued;

static int queued_cmp(const void *x, const void *y)
{
    const Queued *a = x, *b = y;
    for (uint32_t i = 1; i < a->keys->len; i++) {
        int c = value_compare(a->keys->items[i], b->keys->items[i]);
        if (c)
            return c;
    }
    return (a->pos > b->pos) - (a->pos < b->pos);
}

/* The memory limit is checked as an evaluation runs, every 1024
 * instructions, which stops it at the place it got to. Between two checks
 * one instruction can allocate without bound (a list concatenated with
 * itself doubles each time), so the allocator also refuses anything past
 * this cap, which leaves room for any evaluation the check would stop
 * first. */
static uint64_t hard_memory_cap(const Vm *vm)
{
    uint64_t m = vm->mem_limit;
    if (m > (UINT64_MAX - VM_HARD_MEMORY_SLACK) / 2 - vm->mem_start)
        return UINT64_MAX;
    return vm->mem_start + 2 * m + VM_HARD_MEMORY_SLACK;
}

static uint64_t saturating_mul(uint64_t a, uint64_t b)
{
    return b && a > UINT64_MAX / b ? UINT64_MAX : a * b;
}

/* The budget of one evaluation: a decision for one subject, one step of a
 * queue's walk. An evaluation over all the data at once (the list a
 * decision runs over, a queue's elements) may take as much per record
 * read: one budget for the region would stop a policy at a size the
 * region really has. */
static void set_budget(Vm *vm, bool whole_data)
{
    uint64_t scale = 1;
    if (whole_data && vm->data)
        for (uint32_t i = 0; i < vm->data->nsources; i++)
            if (vm->data->sources[i].loaded && vm->data->sources[i].records)
                scale += vm->data->sources[i].records->len;
    vm->steps_left = vm->limits.max_steps ? saturating_mul(vm->limits.max_steps, scale) : UINT64_MAX;
    vm->steps_budget = vm->steps_left;
    vm->mem_limit = saturating_mul(vm->limits.max_memory, scale);
    vm->mem_start = rg_alloc_bytes();
}

/* Each part of working out a queue is one evaluation with its own step
 * and memory budget, as a decision for one subject has. */
static bool queue_eval(Vm *vm, uint32_t chunk, Value *base, int slot, Value v, Value *out, bool whole_data)
{
    uint64_t steps = vm->steps_left, mem = vm->mem_start, limit = vm->mem_limit, budget = vm->steps_budget;
    set_budget(vm, whole_data);
    uint64_t cap = rg_alloc_set_cap(hard_memory_cap(vm));
    bool ok = run_frame(vm, &vm->prog->chunks[chunk], 0, base, slot, v, out);
    rg_alloc_set_cap(cap);
    vm->steps_left = steps;
    vm->mem_start = mem;
    vm->mem_limit = limit;
    vm->steps_budget = budget;
    return ok;
}

static bool work_out_queue(Vm *vm, uint32_t qi, Value *base, QueueTable *t);

/* Works the queue out noting nothing in the trace of whoever asked for it;
 * when explaining, each element's admission gets a trace of its own. */
static bool work_out_queue_quietly(Vm *vm, uint32_t qi, Value *base, QueueTable *t)
{
    Trace *outer = vm->trace;
    vm->trace = NULL;
    bool ok = work_out_queue(vm, qi, base, t);
    vm->trace = outer;
    return ok;
}

static bool work_out_queue(Vm *vm, uint32_t qi, Value *base, QueueTable *t)
{
    const Program *P = vm->prog;
    const QueueInfo *q = &P->queues[qi];
    int slot = q->subject_slot;
    Value elements;
    if (!queue_eval(vm, q->over_chunk, base, -1, val_none(), &elements, true))
        return false;
    if (elements.tag != V_LIST && elements.tag != V_SET) {
        vm->error = "internal error: a queue's elements are not a list";
        return false;
    }
    const List *els = elements.as.list;
    uint32_t n = els->len;
    Queued *all = rg_alloc((n ? n : 1) * sizeof *all);
    for (uint32_t i = 0; i < n; i++) {
        Value keys;
        if (!queue_eval(vm, q->key_chunk, base, slot, els->items[i], &keys, false))
            return false;
        if (keys.tag != V_LIST || keys.as.list->len < 1) {
            vm->error = "internal error: a queue's order keys are not a list";
            return false;
        }
        all[i] = (Queued){els->items[i], keys.as.list, i};
    }
    /* Partitions in the order their first element comes. */
    ValueIndex *groups = vindex_new();
    uint32_t *group_of = rg_alloc_atomic((n ? n : 1) * sizeof *group_of);
    uint32_t ngroups = 0;
    for (uint32_t i = 0; i < n; i++) {
        Value first;
        if (vindex_add_unique(groups, all[i].keys->items[0], val_int(ngroups), &first))
            group_of[i] = ngroups++;
        else
            group_of[i] = (uint32_t)first.as.i;
    }
    t->index = vindex_new();
    t->entries = rg_alloc((n ? n : 1) * sizeof(Value));
    t->reasons = rg_alloc((n ? n : 1) * sizeof(Reason *));
    t->nreasons = rg_alloc_atomic((n ? n : 1) * sizeof(uint32_t));
    if (vm->explaining) {
        t->traces = rg_alloc((n ? n : 1) * sizeof *t->traces);
        t->elements = rg_alloc((n ? n : 1) * sizeof *t->elements);
        t->keys = rg_alloc((n ? n : 1) * sizeof *t->keys);
        t->group = rg_alloc_atomic((n ? n : 1) * sizeof *t->group);
        t->members = rg_alloc((ngroups ? ngroups : 1) * sizeof *t->members);
        t->nmembers = rg_alloc_atomic((ngroups ? ngroups : 1) * sizeof *t->nmembers);
    }
    Queued *members = rg_alloc((n ? n : 1) * sizeof *members);
    uint32_t next_entry = 0;
    for (uint32_t g = 0; g < ngroups; g++) {
        uint32_t m = 0;
        for (uint32_t i = 0; i < n; i++)
            if (group_of[i] == g)
                members[m++] = all[i];
        qsort(members, m, sizeof *members, queued_cmp);
        if (t->members) {
            t->members[g] = rg_alloc_atomic((m ? m : 1) * sizeof **t->members);
            t->nmembers[g] = 0;
        }
        int64_t capacity = INT64_MAX;
        if (q->capacity_chunk >= 0) {
            Value cap;
            if (!queue_eval(vm, (uint32_t)q->capacity_chunk, base, slot, members[0].element, &cap, false))
                return false;
            if (cap.tag != V_INT) {
                vm->error = "internal error: a queue's capacity is not an Int";
                return false;
            }
            capacity = cap.as.i;
        }
        QueueWalk walk = {q, val_none(), 0, 0, capacity, NULL};
        walk.counts = rg_alloc((q->ncounters ? q->ncounters : 1) * sizeof *walk.counts);
        for (uint32_t k = 0; k < q->ncounters; k++)
            walk.counts[k] = cmap_new();
        for (uint32_t i = 0; i < m; i++) {
            Value e = members[i].element;
            walk.element = e;
            walk.position = (int64_t)i + 1;
            Verdict v;
            memset(&v, 0, sizeof v);
            v.word = -1;
            Verdict *outer = vm->verdict;
            QueueWalk *outer_walk = vm->walk;
            vm->verdict = &v;
            vm->walk = &walk;
            Trace *admission = t->traces ? rg_alloc(sizeof *admission) : NULL;
            vm->trace = admission;
            bool ok = queue_eval(vm, q->admit_chunk, base, slot, e, NULL, false);
            vm->trace = NULL;
            vm->verdict = outer;
            vm->walk = outer_walk;
            if (!ok)
                return false;
            bool admitted = !v.must_failed;
            Record *entry = record_new(P->entry_type);
            entry->slots[ENTRY_POSITION] = val_int(walk.position);
            entry->slots[ENTRY_ADMITTED] = val_bool(admitted);
            entry->slots[ENTRY_CAPACITY] = val_int(capacity);
            entry->slots[ENTRY_ADMITTED_BEFORE] = val_int(walk.admitted);
            reason_values(vm, v.reasons, v.nreasons, &entry->slots[ENTRY_FAILED], &entry->slots[ENTRY_REASONS]);
            Value ignored;
            if (!vindex_add_unique(t->index, e, val_int(next_entry), &ignored))
                continue; /* the same element twice: its first place counts */
            t->entries[next_entry] = val_record(entry);
            t->reasons[next_entry] = v.reasons;
            t->nreasons[next_entry] = v.nreasons;
            if (t->traces) {
                t->traces[next_entry] = admission;
                t->elements[next_entry] = e;
                t->keys[next_entry] = members[i].keys;
                t->group[next_entry] = g;
                t->members[g][t->nmembers[g]++] = next_entry;
            }
            next_entry++;
            if (!admitted)
                continue;
            walk.admitted++;
            for (uint32_t k = 0; k < q->ncounters; k++) {
                Value key;
                if (!queue_eval(vm, q->counter_chunks[k], base, slot, e, &key, false))
                    return false;
                cmap_add(walk.counts[k], key, 1);
            }
        }
    }
    return true;
}

/* The queue's table, worked out on first use; NULL after an error. */
static QueueTable *queue_table(Vm *vm, uint32_t qi, Value *base)
{
    if (qi >= vm->prog->nqueues) {
        vm->error = "internal error: no such queue";
        return NULL;
    }
    if (!vm->queues)
        vm->queues = rg_alloc(vm->prog->nqueues * sizeof *vm->queues);
    QueueTable *t = vm->queues[qi];
    if (!t) {
        t = rg_alloc(sizeof *t);
        vm->queues[qi] = t;
        const char *outer_error = vm->error;
        if (!work_out_queue_quietly(vm, qi, base, t)) {
            t->failed = true;
            t->error = rg_sprintf("queue %s: %s", vm->prog->queues[qi].name, vm->error);
            t->error_span = vm->error_span;
        } else {
            vm->error = outer_error;
        }
    }
    if (t->failed) {
        vm->error = t->error;
        vm->error_span = t->error_span;
        return NULL;
    }
    return t;
}

bool vm_queue_view(Vm *vm, uint32_t qi, Value element, QueueView *out)
{
    if (!vm->queues || qi >= vm->prog->nqueues)
        return false;
    const QueueTable *t = vm->queues[qi];
    if (!t || t->failed || !t->traces)
        return false;
    const List *hit = vindex_get(t->index, element);
    if (!hit->len)
        return false;
    uint32_t k = (uint32_t)hit->items[0].as.i;
    uint32_t g = t->group[k];
    memset(out, 0, sizeof *out);
    out->entry = t->entries[k];
    out->keys = t->keys[k];
    out->size = t->nmembers[g];
    Value *ahead = rg_alloc((out->size ? out->size : 1) * sizeof *ahead);
    const List **keys = rg_alloc((out->size ? out->size : 1) * sizeof *keys);
    bool *admitted = rg_alloc_atomic((out->size ? out->size : 1) * sizeof *admitted);
    for (uint32_t i = 0; i < t->nmembers[g] && t->members[g][i] != k; i++) {
        uint32_t e = t->members[g][i];
        ahead[out->nahead] = t->elements[e];
        keys[out->nahead] = t->keys[e];
        admitted[out->nahead] = t->entries[e].as.rec->slots[ENTRY_ADMITTED].as.b;
        out->nahead++;
    }
    out->ahead = ahead;
    out->ahead_keys = keys;
    out->ahead_admitted = admitted;
    return true;
}

/* Runs chunk c with its frame at base (arguments already in place). */
static bool run(Vm *vm, const Chunk *c, uint32_t start, Value *base, Value *result)
{
    const Program *P = vm->prog;
    const uint8_t *code = c->code;
    const uint8_t *ip = code + (start < c->len ? start : c->len);
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
    /* The step budget is charged in windows of STEP_WINDOW instructions:
     * an instruction only counts its window down, and the window's end
     * charges the budget and checks the memory cap. What is left is
     * steps + window. */
    uint64_t steps, window;
#define STEP_WINDOW 1024
#define LOAD_STEPS()                                                     \
    do {                                                                 \
        uint64_t left_ = vm->steps_left;                                 \
        window = left_ < STEP_WINDOW ? (left_ ? left_ : 1) : STEP_WINDOW; \
        steps = left_ ? left_ - window : 0;                              \
    } while (0)
#define SAVE_STEPS() (vm->steps_left = steps + window)
#define NEW_WINDOW()                                                     \
    do {                                                                 \
        if (steps == 0)                                                  \
            goto out_of_steps;                                           \
        if (rg_alloc_bytes() - vm->mem_start > vm->mem_limit)            \
            goto out_of_memory;                                          \
        window = steps < STEP_WINDOW ? steps : STEP_WINDOW;              \
        steps -= window;                                                 \
    } while (0)
    LOAD_STEPS();
    const char *err = NULL;

#define TOP (sp[-1])
#define POP() (*--sp)
#define PUSH(v) (*sp++ = (v))
#define FAILWITH(msg)                                                    \
    do {                                                                 \
        err = (msg);                                                     \
        goto fail;                                                       \
    } while (0)
/* The verifier (verify.h) proves, for every program the library runs,
 * that no instruction underflows or overflows its frame's operand stack
 * and that every local slot is in range: compiled programs are verified
 * when they are compiled (api.c), loaded ones when they are loaded. These
 * checks then only cost time, so they are built in only with
 * REGEL_VM_CHECKS (the sanitizer builds), where they turn a verifier that
 * missed something into an error instead of a stray write. */
#ifdef REGEL_VM_CHECKS
#define NEED(n)                                                          \
    do {                                                                 \
        if (sp - (base + c->nlocals) < (n) ||                            \
            sp - (n) + opcode_info[*at].pushes > stack_limit) {          \
            err = "internal error: the operand stack is out of balance"; \
            goto fail;                                                   \
        }                                                                \
    } while (0)
#define CHECK_LOCAL(i)                                                   \
    do {                                                                 \
        if ((i) >= c->nlocals)                                           \
            FAILWITH("internal error: local slot out of range");         \
    } while (0)
#else
#define NEED(n) ((void)stack_limit)
#define CHECK_LOCAL(i) ((void)(i))
#endif

#if defined(__GNUC__)
    static const void *labels[256] = {
#define LABEL(name, operands, pops, pushes, doc) [BC_##name] = &&L_##name,
        REGEL_OPCODES(LABEL)
#undef LABEL
        [BC__COUNT ... 255] = &&L_INVALID,
    };
#define NEXT()                                                           \
    do {                                                                 \
        if (__builtin_expect(--window == 0, 0))                          \
            goto new_window;                                             \
        at = ip;                                                         \
        goto *labels[*ip++];                                             \
    } while (0)
#define CASE(name) L_##name:
    NEXT();
#else
#define NEXT() goto dispatch
#define CASE(name) case BC_##name:
dispatch:
    if (--window == 0)
        NEW_WINDOW();
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
/* Field f of the record in local a, into v. */
#define READ_LOCAL_FIELD(v, a, f)                                             \
    do {                                                                      \
        Value r_ = base[a];                                                   \
        if (__builtin_expect(r_.tag != V_RECORD, 0)) {                        \
            if (r_.tag == V_NONE)                                             \
                FAILWITH("a value that is none has no fields");               \
            FAILWITH("internal error: field of a value that is not a record"); \
        }                                                                     \
        if ((f) >= r_.as.rec->type->nfields)                                  \
            FAILWITH("internal error: field slot out of range");              \
        (v) = r_.as.rec->slots[f];                                            \
    } while (0)
    CASE(LOCAL_FIELD) {
        uint8_t a = ip[0], f = ip[1];
        ip += 2;
        CHECK_LOCAL(a);
        NEED(0);
        READ_LOCAL_FIELD(*sp, a, f);
        sp++;
        NEXT();
    }
#define FIELD_JUMP(name, when)                                                \
    CASE(name) {                                                              \
        uint8_t a = ip[0], f = ip[1];                                         \
        int32_t off = rd32(ip + 2);                                           \
        ip += 6;                                                              \
        CHECK_LOCAL(a);                                                       \
        Value v;                                                              \
        READ_LOCAL_FIELD(v, a, f);                                            \
        if (v.tag != V_BOOL)                                                  \
            FAILWITH("internal error: a condition that is not Bool");         \
        if (v.as.b == (when)) {                                               \
            ip += off;                                                        \
            if (ip < code || ip > end)                                        \
                FAILWITH("internal error: jump outside the code");            \
        }                                                                     \
        NEXT();                                                               \
    }
    FIELD_JUMP(FIELD_JUMP_FALSE, false)
    FIELD_JUMP(FIELD_JUMP_TRUE, true)
#undef FIELD_JUMP
#define FIELD_CMP_JUMP(name, when_equal)                                      \
    CASE(name) {                                                              \
        uint8_t a = ip[0], f = ip[1];                                         \
        uint32_t k = rd16(ip + 2);                                            \
        int32_t off = rd32(ip + 4);                                           \
        ip += 8;                                                              \
        CHECK_LOCAL(a);                                                       \
        if (k >= P->nconsts)                                                  \
            FAILWITH("internal error: constant index out of range");          \
        Value v;                                                              \
        READ_LOCAL_FIELD(v, a, f);                                            \
        if (value_equal(v, P->consts[k]) == (when_equal)) {                   \
            ip += off;                                                        \
            if (ip < code || ip > end)                                        \
                FAILWITH("internal error: jump outside the code");            \
        }                                                                     \
        NEXT();                                                               \
    }
    FIELD_CMP_JUMP(FIELD_EQ_JUMP, true)
    FIELD_CMP_JUMP(FIELD_NE_JUMP, false)
#undef FIELD_CMP_JUMP
#undef READ_LOCAL_FIELD
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
        if (a.tag == V_LIST && b.tag == V_LIST) {
            List *l = list_new((size_t)a.as.list->len + b.as.list->len);
            memcpy(l->items, a.as.list->items, a.as.list->len * sizeof(Value));
            memcpy(l->items + a.as.list->len, b.as.list->items, b.as.list->len * sizeof(Value));
            l->len = a.as.list->len + b.as.list->len;
            TOP = val_list(l);
            NEXT();
        }
        if (a.tag != V_TEXT || b.tag != V_TEXT)
            FAILWITH("internal error: + of values that are not Text or lists");
        if ((uint64_t)a.aux + b.aux > VALUE_MAX_TEXT)
            FAILWITH("the text would be longer than the limit of 64 MB");
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
/* Integers, dates and decimals that fit in 64 bits, the common cases, are
 * compared inline. A comparison followed by JUMP_FALSE or JUMP_TRUE (a
 * condition) does that jump itself: the pair costs one dispatch. */
#define COMPARE(name, op, expr_cmp)                                           \
    CASE(name) {                                                              \
        NEED(2);                                                              \
        Value b = POP();                                                      \
        Value a = TOP;                                                        \
        int64_t ca, cb;                                                       \
        uint8_t scale;                                                        \
        bool r;                                                               \
        if (a.tag == V_INT && b.tag == V_INT)                                 \
            r = a.as.i op b.as.i;                                             \
        else if (a.tag == V_DATE && b.tag == V_DATE)                          \
            r = a.as.date op b.as.date;                                       \
        else if ((a.tag == V_DEC || a.tag == V_INT) && (b.tag == V_DEC || b.tag == V_INT) && \
                 dec_align_quick(val_as_dec(a), val_as_dec(b), &ca, &cb, &scale)) \
            r = ca op cb;                                                     \
        else                                                                  \
            r = (expr_cmp);                                                   \
        if (*ip == BC_JUMP_FALSE || *ip == BC_JUMP_TRUE) {                    \
            bool jump = r == (*ip == BC_JUMP_TRUE);                           \
            int32_t off = rd32(ip + 1);                                       \
            ip += 5;                                                          \
            sp--;                                                             \
            if (jump) {                                                       \
                ip += off;                                                    \
                if (ip < code || ip > end)                                    \
                    FAILWITH("internal error: jump outside the code");        \
            }                                                                 \
            NEXT();                                                           \
        }                                                                     \
        TOP = val_bool(r);                                                    \
        NEXT();                                                               \
    }
    COMPARE(EQ, ==, value_equal(a, b))
    COMPARE(NE, !=, !value_equal(a, b))
    COMPARE(LT, <, value_compare(a, b) < 0)
    COMPARE(LE, <=, value_compare(a, b) <= 0)
    COMPARE(GT, >, value_compare(a, b) > 0)
    COMPARE(GE, >=, value_compare(a, b) >= 0)
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
    CASE(LIST_LIKE) {
        uint8_t a = *ip++;
        CHECK_LOCAL(a);
        NEED(0);
        Value l = base[a];
        if (l.tag != V_LIST && l.tag != V_SET)
            FAILWITH("internal error: the size of a value that is not a list");
        PUSH(val_list(list_new(l.as.list->len)));
        NEXT();
    }
    CASE(LEN_LOCAL) {
        uint8_t a = *ip++;
        CHECK_LOCAL(a);
        NEED(0);
        if (base[a].tag != V_LIST && base[a].tag != V_SET)
            FAILWITH("internal error: length of a value that is not a list");
        PUSH(val_int(base[a].as.list->len));
        NEXT();
    }
    CASE(MAP_FIELD) {
        uint8_t f = *ip++;
        NEED(1);
        if (TOP.tag != V_LIST && TOP.tag != V_SET)
            FAILWITH("internal error: map of a value that is not a list");
        const List *l = TOP.as.list;
        List *out = list_new(l->len);
        for (uint32_t i = 0; i < l->len; i++) {
            Value r = l->items[i];
            if (r.tag != V_RECORD || f >= r.as.rec->type->nfields)
                FAILWITH("internal error: field of a value that is not a record");
            out->items[i] = r.as.rec->slots[f];
        }
        out->len = l->len;
        TOP = val_list(out);
        NEXT();
    }
    CASE(SUM_FIELD) {
        bool dec = ip[0] != 0;
        uint8_t f = ip[1];
        ip += 2;
        NEED(1);
        if (TOP.tag != V_LIST && TOP.tag != V_SET)
            FAILWITH("internal error: sum of a value that is not a list");
        const List *l = TOP.as.list;
        /* As the loop sum(xs, .f) would be: each field added to the sum
         * so far, in order, with the same errors. */
        Value sum = dec ? val_dec(dec_from_int(0)) : val_int(0);
        for (uint32_t i = 0; i < l->len; i++) {
            Value r = l->items[i];
            if (r.tag != V_RECORD || f >= r.as.rec->type->nfields)
                FAILWITH("internal error: field of a value that is not a record");
            Value x = r.as.rec->slots[f];
            if (!dec) {
                if (x.tag != V_INT)
                    FAILWITH("internal error: integer operation on a non-integer");
                if (__builtin_add_overflow(x.as.i, sum.as.i, &sum.as.i))
                    FAILWITH("integer overflow in +");
                continue;
            }
            if (x.tag != V_INT && x.tag != V_DEC)
                FAILWITH("internal error: decimal operation on a non-number");
            Decimal s;
            DecStatus st = dec_add(val_as_dec(x), val_as_dec(sum), &s);
            if (st)
                FAILWITH(dec_message(st));
            sum = val_dec(s);
        }
        TOP = sum;
        NEXT();
    }
    CASE(MOVE) {
        uint8_t a = ip[0], b = ip[1];
        ip += 2;
        CHECK_LOCAL(a);
        CHECK_LOCAL(b);
        base[b] = base[a];
        NEXT();
    }
    CASE(LIST_SCRATCH) {
        uint32_t k = rd16(ip);
        uint8_t a = ip[2];
        ip += 3;
        CHECK_LOCAL(a);
        NEED(0);
        Value l = base[a];
        if (l.tag != V_LIST && l.tag != V_SET)
            FAILWITH("internal error: the size of a value that is not a list");
        if (k >= vm->nscratch)
            FAILWITH("internal error: no such scratch list");
        List *s = vm->scratch[k];
        if (!s || s->cap < l.as.list->len)
            s = vm->scratch[k] = list_new(l.as.list->len);
        s->len = 0;
        PUSH(val_list(s));
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
/* The next element of the iteration in locals a, a+1 into `dest`, or the
 * jump by off when there is none. */
#define ITERATE(a, off, dest)                                                 \
    do {                                                                      \
        Value l_ = base[a], i_ = base[(a) + 1];                               \
        if ((l_.tag != V_LIST && l_.tag != V_SET) || i_.tag != V_INT)         \
            FAILWITH("internal error: iteration state is damaged");           \
        if ((uint64_t)i_.as.i < l_.as.list->len) {                            \
            (dest) = l_.as.list->items[i_.as.i];                              \
            base[(a) + 1].as.i++;                                             \
        } else {                                                              \
            ip += (off);                                                      \
            if (ip < code || ip > end)                                        \
                FAILWITH("internal error: jump outside the code");            \
            NEXT();                                                           \
        }                                                                     \
    } while (0)
    CASE(ITER) {
        uint8_t a = ip[0];
        int32_t off = rd32(ip + 1);
        ip += 5;
        CHECK_LOCAL(a + 1);
        NEED(0);
        ITERATE(a, off, *sp);
        sp++;
        NEXT();
    }
    CASE(ITER_TO) {
        uint8_t a = ip[0], into = ip[1];
        int32_t off = rd32(ip + 2);
        ip += 6;
        CHECK_LOCAL(a + 1);
        CHECK_LOCAL(into);
        ITERATE(a, off, base[into]);
        NEXT();
    }
#undef ITERATE
    CASE(APPEND_LOCAL) {
        uint8_t a = ip[0], b = ip[1];
        ip += 2;
        CHECK_LOCAL(a);
        CHECK_LOCAL(b);
        if (base[b].tag != V_LIST)
            FAILWITH("internal error: append to a value that is not a list");
        base[b].as.list = list_push(base[b].as.list, base[a]);
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
    CASE(SELECT)
    CASE(SELECT_IN)
    CASE(SELECT_RANGE) {
        uint8_t opc = *at;
        uint32_t s = rd16(ip);
        ip += 2;
        uint8_t field = 0;
        if (opc == BC_SELECT || opc == BC_SELECT_IN || opc == BC_SELECT_RANGE)
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
        } else if (opc == BC_SELECT_RANGE) {
            NEED(3);
            Value hi = POP(), lo = POP();
            if (!sd->by_range || field >= P->uses[s].nrange_fields / 3)
                FAILWITH("internal error: no such range index");
            if (lo.tag != V_DATE || hi.tag != V_DATE)
                FAILWITH("internal error: a range of days that is not two dates");
            TOP = val_list(rindex_get(sd->by_range[field], TOP, lo.as.date, hi.as.date));
        } else {
            NEED(1);
            ValueIndex **ix = opc == BC_SELECT ? sd->by_field : sd->by_element;
            if (!ix || !P->sources[s]->type || field >= P->sources[s]->type->nfields || !ix[field])
                FAILWITH("internal error: no index on that field");
            TOP = val_list((List *)vindex_get(ix[field], TOP));
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
            vm->error_kind = VM_ERROR_LIMIT;
            FAILWITH("the functions call each other too deeply (the depth limit was reached)");
        }
        SAVE_STEPS();
        Value r;
        Remembered *memo = NULL;
        uint64_t hash = 0;
        if (worth_remembering(vm, vm->remembers[f], sp - argc, argc)) {
            MemoTable *t = memo_room(vm, f);
            hash = remember_hash(sp - argc, argc);
            memo = remembered_slot(vm, t, hash, sp - argc, argc);
            if (memo->generation == vm->memo_generation) {
                vm->depth--;
                sp -= argc;
                PUSH(memo->result);
                NEXT();
            }
        }
        bool ok = run(vm, &P->chunks[f], 0, sp - argc, &r);
        LOAD_STEPS();
        vm->depth--;
        if (!ok)
            return false;
        if (memo) {
            /* Calls inside it may have filled the table and made a new
             * one: find the place again. */
            MemoTable *t = memo_room(vm, f);
            memo = remembered_slot(vm, t, hash, sp - argc, argc);
            memo->hash = hash;
            memo->generation = vm->memo_generation;
            memo->argc = argc;
            memcpy(memo->args, sp - argc, argc * sizeof(Value));
            memo->result = r;
            t->used++;
        }
        sp -= argc;
        PUSH(r);
        NEXT();
    }
    CASE(RETURN) {
        NEED(1);
        *result = POP();
        SAVE_STEPS();
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
    CASE(HOST) {
        uint32_t f = rd16(ip);
        uint8_t argc = ip[2];
        ip += 3;
        if (f >= P->nhosts)
            FAILWITH("internal error: unknown host function");
        NEED(argc);
        Value r;
        const char *host_error = host_call(&P->hosts[f], sp - argc, argc, &r);
        if (host_error)
            FAILWITH(host_error);
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
            FAILWITH("the text would be longer than the limit of 64 MB");
        sp -= n;
        PUSH(val_text(b.data ? b.data : "", b.len));
        NEXT();
    }
    CASE(TRACE) {
        uint32_t point = rd16(ip);
        ip += 2;
        NEED(1);
        if (vm->trace)
            trace_add(vm->trace, point, sp[-1]);
        NEXT();
    }
    CASE(SHOW) {
        NEED(1);
        RgBuf b;
        buf_init(&b);
        value_write_literal(&b, sp[-1]);
        if (b.len > VALUE_MAX_TEXT)
            FAILWITH("the text would be longer than the limit of 64 MB");
        sp[-1] = val_text(b.data ? b.data : "", b.len);
        NEXT();
    }
    CASE(PASSED) {
        NEED(0);
        if (!vm->verdict)
            FAILWITH("internal error: passed outside a decision");
        PUSH(val_bool(!vm->verdict->must_failed));
        NEXT();
    }
/* Rule r failed with message msg. */
#define RULE_FAILED(r, msg)                                                   \
    do {                                                                      \
        if (!vm->verdict || (r) >= P->nrules || (msg).tag != V_TEXT)          \
            FAILWITH("internal error: bad rule failure");                     \
        add_reason(vm->verdict, (r), (msg));                                  \
        if (P->rules[r].severity != SEV_SHOULD)                               \
            vm->verdict->must_failed = true;                                  \
        if (vm->coverage)                                                     \
            vm->coverage[r] |= 2;                                             \
    } while (0)
    CASE(FAIL) {
        uint32_t r = rd16(ip);
        ip += 2;
        NEED(1);
        Value msg = POP();
        RULE_FAILED(r, msg);
        NEXT();
    }
    CASE(FAIL_SKIP) {
        uint32_t r = rd16(ip);
        int32_t off = rd32(ip + 2);
        ip += 6;
        Value empty = val_text("", 0);
        RULE_FAILED(r, empty);
        ip += off;
        if (ip < code || ip > end)
            FAILWITH("internal error: jump outside the code");
        NEXT();
    }
#undef RULE_FAILED
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
        SAVE_STEPS();
        return true;
    }
    CASE(HALT) {
        SAVE_STEPS();
        *result = val_none();
        return true;
    }
    CASE(RECORD) {
        uint32_t r = rd16(ip);
        ip += 2;
        if (r >= P->nrecords)
            FAILWITH("internal error: unknown record type");
        const RecordType *rt = P->records[r];
        NEED((int)rt->nfields);
        Record *rec = record_new(rt);
        memcpy(rec->slots, sp - rt->nfields, rt->nfields * sizeof(Value));
        sp -= rt->nfields;
        PUSH(val_record(rec));
        NEXT();
    }
    CASE(UNWRAP) {
        NEED(1);
        if (TOP.tag == V_NONE)
            FAILWITH("a value that the policy says is there (with !) is missing");
        NEXT();
    }
    CASE(ERROR) {
        uint32_t k = rd16(ip);
        ip += 2;
        if (k >= P->nconsts || P->consts[k].tag != V_TEXT)
            FAILWITH("internal error: bad error text");
        FAILWITH(P->consts[k].as.s);
    }
    CASE(DECIDE) {
        uint32_t d = rd16(ip);
        ip += 2;
        NEED(1);
        if (d >= P->ndecisions || !P->decisions[d].result_type)
            FAILWITH("internal error: no such decision");
        if (++vm->depth > vm->limits.max_depth) {
            vm->depth--;
            vm->error_kind = VM_ERROR_LIMIT;
            FAILWITH("decisions and functions call each other too deeply (the depth limit was reached)");
        }
        Value subject = POP();
        SAVE_STEPS();
        Value r;
        bool ok = decide_nested(vm, d, subject, sp, &r);
        LOAD_STEPS();
        vm->depth--;
        if (!ok)
            return false;
        PUSH(r);
        NEXT();
    }
    CASE(QUEUE_GET)
    CASE(QUEUE_REPLAY) {
        bool replay = *at == BC_QUEUE_REPLAY;
        uint32_t qi = rd16(ip);
        ip += 2;
        NEED(1);
        Value e = POP();
        SAVE_STEPS();
        QueueTable *t = queue_table(vm, qi, sp);
        LOAD_STEPS();
        if (!t)
            return false;
        const List *hit = vindex_get(t->index, e);
        if (!replay) {
            PUSH(hit->len ? t->entries[hit->items[0].as.i] : val_none());
            NEXT();
        }
        if (!hit->len)
            NEXT();
        if (!vm->verdict)
            FAILWITH("internal error: include of a queue outside a decision");
        uint32_t k = (uint32_t)hit->items[0].as.i;
        /* Explaining: the element's admission rules, as its walk saw them. */
        if (vm->trace && t->traces && t->traces[k])
            for (uint32_t i = 0; i < t->traces[k]->n; i++)
                trace_add(vm->trace, t->traces[k]->events[i].point, t->traces[k]->events[i].value);
        for (uint32_t i = 0; i < t->nreasons[k]; i++) {
            const Reason *r = &t->reasons[k][i];
            add_reason(vm->verdict, r->rule, r->message);
            if (P->rules[r->rule].severity != SEV_SHOULD)
                vm->verdict->must_failed = true;
        }
        NEXT();
    }
    CASE(QSTATE) {
        uint8_t which = *ip++;
        NEED(0);
        if (!vm->walk)
            FAILWITH("internal error: queue state outside a queue's walk");
        PUSH(val_int(which == QSTATE_ADMITTED ? vm->walk->admitted
                     : which == QSTATE_POSITION ? vm->walk->position
                                                : vm->walk->capacity));
        NEXT();
    }
    CASE(QCOUNT) {
        uint8_t k = *ip++;
        NEED(0);
        QueueWalk *walk = vm->walk;
        if (!walk || k >= walk->q->ncounters)
            FAILWITH("internal error: admitted_with outside a queue's walk");
        SAVE_STEPS();
        Value key;
        vm->walk = NULL;
        bool ok = run_frame(vm, &P->chunks[walk->q->counter_chunks[k]], 0, sp, walk->q->subject_slot, walk->element, &key);
        vm->walk = walk;
        LOAD_STEPS();
        if (!ok)
            return false;
        PUSH(val_int(cmap_get(walk->counts[k], key)));
        NEXT();
    }
    CASE(PASS) {
        uint32_t r = rd16(ip);
        ip += 2;
        if (vm->coverage && r < P->nrules)
            vm->coverage[r] |= 1;
        NEXT();
    }
    CASE(GIVEN) {
        uint32_t src = rd16(ip);
        ip += 2;
        NEED(1);
        Value list = POP();
        if (!vm->test || src >= P->nsources || list.tag != V_LIST)
            FAILWITH("internal error: given outside a test");
        SourceData *sd = &vm->test->data->sources[src];
        sd->records = list.as.list;
        data_build_indexes(P, src, sd);
        sd->loaded = true;
        vm_reset_queues(vm);
        NEXT();
    }
    CASE(GIVEN_TODAY) {
        NEED(1);
        Value d = POP();
        if (!vm->test || d.tag != V_DATE)
            FAILWITH("internal error: given today outside a test");
        vm->today = d.as.date;
        vm_reset_queues(vm);
        NEXT();
    }
    CASE(GIVEN_FOLDER) {
        uint32_t k = rd16(ip);
        ip += 2;
        if (!vm->test || !vm->test->load_folder || k >= P->nconsts || P->consts[k].tag != V_TEXT)
            FAILWITH("internal error: given a folder outside a test");
        const char *problem = vm->test->load_folder(vm->test->load_ctx, P->consts[k].as.s, vm->test->data);
        if (problem)
            FAILWITH(problem);
        vm_reset_queues(vm);
        NEXT();
    }
    CASE(EXPECT_FAIL) {
        uint32_t k = rd16(ip);
        ip += 2;
        NEED(3);
        Value actual = POP();
        Value expected = POP();
        Value detail = POP();
        VmTest *t = vm->test;
        if (!t || k >= P->nexpects)
            FAILWITH("internal error: expect outside a test");
        if (t->nfailures == t->failures_cap) {
            uint32_t cap = t->failures_cap ? t->failures_cap * 2 : 4;
            TestFailure *f = rg_alloc(cap * sizeof *f);
            if (t->nfailures)
                memcpy(f, t->failures, t->nfailures * sizeof *f);
            t->failures = f;
            t->failures_cap = cap;
        }
        t->failures[t->nfailures].expect = k;
        t->failures[t->nfailures].detail = detail;
        t->failures[t->nfailures].expected = expected;
        t->failures[t->nfailures].actual = actual;
        t->nfailures++;
        NEXT();
    }
#if !defined(__GNUC__)
    }
#endif
L_INVALID:
    err = "internal error: unknown instruction";
    goto fail;
#if defined(__GNUC__)
new_window:
    NEW_WINDOW();
    at = ip;
    goto *labels[*ip++];
#endif
out_of_steps:
    steps = window = 0;
    vm->error_kind = VM_ERROR_LIMIT;
    err = "the evaluation took more steps than its limit allows";
    goto fail;
out_of_memory:
    vm->error_kind = VM_ERROR_LIMIT;
    err = "the evaluation used more memory than its limit allows";
fail:
    vm->error = err;
    vm->error_span = chunk_span_at(c, (uint32_t)(at - code));
    SAVE_STEPS();
    return false;
#undef STEP_WINDOW
#undef LOAD_STEPS
#undef SAVE_STEPS
#undef NEW_WINDOW
#undef TOP
#undef POP
#undef PUSH
#undef NEED
#undef FAILWITH
#undef CHECK_LOCAL
#undef NEXT
#undef CASE
}

static void begin(Vm *vm, bool whole_data)
{
    vm->error = NULL;
    vm->error_span = (Span){0, 0, 0};
    vm->error_kind = VM_ERROR_EVAL;
    set_budget(vm, whole_data);
    vm->depth = 0;
    rg_alloc_set_cap(hard_memory_cap(vm));
}

/* An evaluation that the allocator stopped (the hard memory cap, or memory
 * that ran out) unwound to here: it failed, and the state it left behind
 * is dropped. Queues it was working out may be half done, so they are
 * forgotten and worked out again when next needed. */
static bool stopped(Vm *vm, int code, Span where)
{
    rg_alloc_set_cap(UINT64_MAX);
    vm->verdict = NULL;
    vm->walk = NULL;
    vm->depth = 0;
    vm_reset_queues(vm);
    vm->error_span = where;
    if (code == RG_ELIMIT) {
        vm->error_kind = VM_ERROR_LIMIT;
        vm->error = "the evaluation used more memory than its limit allows";
    } else {
        vm->error_kind = VM_ERROR_NOMEM;
        vm->error = "memory ran out during the evaluation";
    }
    return false;
}

static bool decide(Vm *vm, uint32_t decision, Value subject, Verdict *v);

bool vm_decide(Vm *vm, uint32_t decision, Value subject, Verdict *v)
{
    RgTry t;
    int code = RG_TRY(&t);
    if (code)
        return stopped(vm, code, decision < vm->prog->ndecisions ? vm->prog->decisions[decision].span : (Span){0, 0, 0});
    bool ok = decide(vm, decision, subject, v);
    rg_try_end(&t);
    rg_alloc_set_cap(UINT64_MAX);
    return ok;
}

static bool decide(Vm *vm, uint32_t decision, Value subject, Verdict *v)
{
    begin(vm, false);
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
    memset(vm->stack, 0, c->nlocals * sizeof(Value)); /* val_none() is all zero bits */
    vm->stack[d->subject_slot] = subject;
    vm->subject = subject;
    Value ignored;
    /* The subject is not a parameter, so run() must not clear it. */
    Chunk frame = *c;
    frame.nparams = c->nlocals;
    bool ok = run(vm, &frame, 0, vm->stack, &ignored);
    vm->steps_used = vm->steps_budget - vm->steps_left;
    vm->verdict = NULL;
    vm->subject = val_none();
    return ok;
}

bool vm_run_chunk(Vm *vm, uint32_t chunk)
{
    Value ignored;
    return vm_eval(vm, chunk, &ignored);
}

bool vm_eval(Vm *vm, uint32_t chunk, Value *out)
{
    if (chunk >= vm->prog->nchunks) {
        vm->error = "no such chunk";
        vm->error_kind = VM_ERROR_EVAL;
        return false;
    }
    RgTry t;
    int code = RG_TRY(&t);
    if (code)
        return stopped(vm, code, chunk_span_at(&vm->prog->chunks[chunk], 0));
    begin(vm, true);
    vm->verdict = NULL;
    bool ok = run(vm, &vm->prog->chunks[chunk], 0, vm->stack, out);
    vm->steps_used = vm->steps_budget - vm->steps_left;
    rg_try_end(&t);
    rg_alloc_set_cap(UINT64_MAX);
    return ok;
}
