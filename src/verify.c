/*
 * verify.c — the bytecode verifier (see verify.h for what it proves).
 *
 * Each chunk is checked in three passes: a linear decode that finds the
 * instruction boundaries and checks every operand that needs no flow
 * information, a pass over the jumps, and a data-flow pass (a worklist
 * over instruction starts) that follows the operand stack depth and the
 * locals holding lists the frame made itself. The call graph is checked
 * last, without recursion, since a hostile file may make it deep.
 */
#include "verify.h"

#include <stdarg.h>
#include <string.h>

#include "alloc.h"
#include "builtins.h"
#include "image.h"
#include "opcodes.h"

/* The frames of all chunks together are what one VM sets aside for its
 * stack (vm_new); a real policy needs some thousands of values. */
#define VERIFY_MAX_STACK_VALUES (1u << 20)

typedef enum Role { ROLE_FUNCTION, ROLE_DECISION, ROLE_LIST, ROLE_QUEUE, ROLE_TEST } Role;

static const char *const role_names[] = {"a function", "a decision", "a decision's list", "a queue", "a test"};

/* Locals that hold a list the frame made with LIST (bit per slot; slots
 * are one byte). */
typedef struct Fresh {
    uint64_t bits[4];
} Fresh;

typedef struct Edge {
    uint32_t from, to;
} Edge;

typedef struct Verifier {
    const Program *p;
    uint8_t *role;      /* per chunk */
    int32_t *owner;     /* per chunk: the decision it belongs to, or -1 */
    uint32_t max_fields;
    uint32_t max_counters;
    Edge *edges;
    uint32_t nedges, edges_cap;
    const char *error;
    /* Per-chunk work arrays, sized for the longest chunk and reused. */
    uint8_t *starts;
    struct Flow *flow;
} Verifier;

static uint32_t rd16(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8);
}

static int32_t rd32(const uint8_t *p)
{
    return (int32_t)((uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24));
}

static bool fail(Verifier *v, uint32_t chunk, int64_t pc, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static bool fail(Verifier *v, uint32_t chunk, int64_t pc, const char *fmt, ...)
{
    RgBuf b;
    buf_init(&b);
    if (chunk < v->p->nchunks) {
        const char *name = v->p->chunks[chunk].name;
        buf_printf(&b, "chunk %u (%s)", chunk, name ? name : "?");
        if (pc >= 0)
            buf_printf(&b, ", offset %lld", (long long)pc);
        buf_adds(&b, ": ");
    }
    va_list ap;
    va_start(ap, fmt);
    buf_vprintf(&b, fmt, ap);
    va_end(ap);
    v->error = b.data;
    return false;
}

/* Number of parameters in a native's signature "(A, B<C, D>) -> R". */
static int native_arity(const char *sig)
{
    if (!sig || sig[0] != '(')
        return -1;
    int depth = 0, commas = 0;
    bool any = false;
    for (const char *s = sig + 1; *s; s++) {
        if (*s == '(' || *s == '<')
            depth++;
        else if (*s == '>' && depth > 0 && s[-1] != '-')
            depth--;
        else if (*s == ')') {
            if (depth == 0)
                return any ? commas + 1 : 0;
            depth--;
        } else if (*s == ',' && depth == 0)
            commas++;
        else if (*s != ' ')
            any = true;
    }
    return -1;
}

static void add_edge(Verifier *v, uint32_t from, uint32_t to)
{
    if (v->nedges == v->edges_cap) {
        uint32_t cap = v->edges_cap ? v->edges_cap * 2 : 64;
        Edge *e = rg_alloc_atomic(cap * sizeof *e);
        if (v->nedges)
            memcpy(e, v->edges, v->nedges * sizeof *e);
        v->edges = e;
        v->edges_cap = cap;
    }
    v->edges[v->nedges++] = (Edge){from, to};
}

static bool set_role(Verifier *v, uint32_t chunk, Role role, const char *what)
{
    if (chunk >= v->p->nchunks)
        return fail(v, UINT32_MAX, -1, "%s names chunk %u, and there are %u", what, chunk, v->p->nchunks);
    if (v->role[chunk] != ROLE_FUNCTION && !(v->role[chunk] == role && role != ROLE_DECISION))
        return fail(v, chunk, -1, "it is used as %s and as %s", role_names[v->role[chunk]], role_names[role]);
    v->role[chunk] = (uint8_t)role;
    return true;
}

static bool has_field(const int *fields, uint32_t n, uint32_t f)
{
    for (uint32_t i = 0; i < n; i++)
        if (fields[i] == (int)f)
            return true;
    return false;
}

/* The tables that name chunks, and the shapes the VM relies on. */
static bool check_tables(Verifier *v)
{
    const Program *p = v->p;
    uint64_t stack = 16;
    for (uint32_t i = 0; i < p->nchunks; i++) {
        const Chunk *c = &p->chunks[i];
        if (c->nparams > c->nlocals)
            return fail(v, i, -1, "it has %u parameters but %u locals", c->nparams, c->nlocals);
        stack += (uint64_t)c->nlocals + c->max_stack + 2;
    }
    if (stack > VERIFY_MAX_STACK_VALUES)
        return fail(v, UINT32_MAX, -1, "the frames of its chunks need %llu stack values, more than %u",
                    (unsigned long long)stack, VERIFY_MAX_STACK_VALUES);
    if (!p->reason_type || p->reason_type->nfields < REASON_NFIELDS || !p->entry_type ||
        p->entry_type->nfields < ENTRY_NFIELDS)
        return fail(v, UINT32_MAX, -1, "the record types of reasons and queue entries are missing or too small");
    for (uint32_t i = 0; i < p->nrecords; i++)
        if (!p->records[i])
            return fail(v, UINT32_MAX, -1, "record type %u of RECORD is missing", i);
    for (uint32_t i = 0; i < p->nrules; i++)
        if (p->rules[i].severity > SEV_GUARD || !p->rules[i].ref)
            return fail(v, UINT32_MAX, -1, "rule %u is malformed", i);
    for (uint32_t i = 0; i < p->nsources; i++) {
        const SourceSpec *s = p->sources[i];
        if (!s || !s->type || !s->name || !s->file)
            return fail(v, UINT32_MAX, -1, "source %u is malformed", i);
        uint32_t nf = (uint32_t)s->type->nfields;
        if (s->key_field >= (int)nf || s->key_field < -1)
            return fail(v, UINT32_MAX, -1, "the key of source %s is not one of its fields", s->name);
        const SourceUse *u = &p->uses[i];
        for (uint32_t k = 0; k < u->nindexed; k++)
            if (u->indexed_fields[k] < 0 || (uint32_t)u->indexed_fields[k] >= nf)
                return fail(v, UINT32_MAX, -1, "an index of source %s is on no field", s->name);
        for (uint32_t k = 0; k < u->nelement; k++)
            if (u->element_fields[k] < 0 || (uint32_t)u->element_fields[k] >= nf)
                return fail(v, UINT32_MAX, -1, "an index of source %s is on no field", s->name);
        if (u->nrange_fields % 3)
            return fail(v, UINT32_MAX, -1, "a range index of source %s is malformed", s->name);
        for (uint32_t k = 0; k < u->nrange_fields; k++) {
            int f = u->range_fields[k];
            if (f < (k % 3 == 0 ? -1 : 0) || f >= (int)nf)
                return fail(v, UINT32_MAX, -1, "a range index of source %s is on no field", s->name);
        }
    }
    for (uint32_t i = 0; i < p->ndecisions; i++) {
        const DecisionInfo *d = &p->decisions[i];
        if (!set_role(v, d->chunk, ROLE_DECISION, "a decision"))
            return false;
        v->owner[d->chunk] = (int32_t)i;
        if (d->subject_slot >= p->chunks[d->chunk].nlocals)
            return fail(v, d->chunk, -1, "the subject slot of decision %s is not a local", d->name);
        if (d->body_pc > p->chunks[d->chunk].len)
            return fail(v, d->chunk, -1, "the body of decision %s starts past its end", d->name);
        if (d->source < -1 || d->source >= (int)p->nsources)
            return fail(v, UINT32_MAX, -1, "decision %s runs over source %d, and there are %u", d->name, d->source,
                        p->nsources);
        if (d->over_chunk >= 0 && !set_role(v, (uint32_t)d->over_chunk, ROLE_LIST, "a decision's list"))
            return false;
        for (uint32_t k = 0; k < d->nrules; k++)
            if (d->rules[k] >= p->nrules)
                return fail(v, UINT32_MAX, -1, "decision %s names rule %u, and there are %u", d->name, d->rules[k],
                            p->nrules);
        const RecordType *rt = d->result_type;
        if (rt && (rt->nfields < RESULT_NFIXED || rt->fields[RESULT_OUTCOME].type->kind != T_ENUM ||
                   !rt->fields[RESULT_OUTCOME].type->enm))
            return fail(v, UINT32_MAX, -1, "the result type of decision %s is malformed", d->name);
    }
    for (uint32_t i = 0; i < p->nqueues; i++) {
        const QueueInfo *q = &p->queues[i];
        if (!set_role(v, q->over_chunk, ROLE_QUEUE, "a queue") || !set_role(v, q->key_chunk, ROLE_QUEUE, "a queue") ||
            !set_role(v, q->admit_chunk, ROLE_QUEUE, "a queue") ||
            (q->capacity_chunk >= 0 && !set_role(v, (uint32_t)q->capacity_chunk, ROLE_QUEUE, "a queue")))
            return false;
        if (q->capacity_chunk < -1)
            return fail(v, UINT32_MAX, -1, "queue %s is malformed", q->name);
        for (uint32_t k = 0; k < q->ncounters; k++)
            if (!set_role(v, q->counter_chunks[k], ROLE_QUEUE, "a queue"))
                return false;
        if (q->ncounters > v->max_counters)
            v->max_counters = q->ncounters;
    }
    for (uint32_t i = 0; i < p->ntests; i++)
        if (!set_role(v, p->tests[i].chunk, ROLE_TEST, "a test"))
            return false;
    for (uint32_t i = 0; i < p->nexpects; i++)
        if (p->expects[i].test >= p->ntests)
            return fail(v, UINT32_MAX, -1, "expectation %u belongs to no test", i);
    return true;
}

/* The stack effect of the instruction at ip on the path that falls
 * through: pops and pushes. */
static void effect(const Program *p, const uint8_t *ip, int *pops, int *pushes)
{
    const OpcodeInfo *info = &opcode_info[ip[0]];
    *pops = info->pops;
    *pushes = info->pushes;
    if (info->pops != VAR)
        return;
    switch (ip[0]) {
    case BC_LIST: *pops = (int)rd16(ip + 1); break;
    case BC_CALL:
    case BC_NATIVE:
    case BC_HOST: *pops = ip[3]; break;
    case BC_RENDER: *pops = ip[1]; break;
    case BC_RECORD: *pops = (int)p->records[rd16(ip + 1)]->nfields; break;
    default: *pops = 0; break;
    }
}

/* Operands that need no flow information. */
static bool check_operands(Verifier *v, uint32_t ci, uint32_t pc)
{
    const Program *p = v->p;
    const Chunk *c = &p->chunks[ci];
    const uint8_t *ip = c->code + pc;
    uint32_t a16 = 0;
    uint8_t a8 = ip[1];
    if (opcode_info[ip[0]].operands == OPND_U16 || opcode_info[ip[0]].operands == OPND_U16U8 ||
        opcode_info[ip[0]].operands == OPND_U16JUMP)
        a16 = rd16(ip + 1);
#define LOCAL(slot)                                                                                       \
    do {                                                                                                  \
        if ((uint32_t)(slot) >= c->nlocals)                                                               \
            return fail(v, ci, pc, "local %u is out of range (the chunk has %u)", (unsigned)(slot), c->nlocals); \
    } while (0)
#define RANGE(x, n, what)                                                                                 \
    do {                                                                                                  \
        if ((uint32_t)(x) >= (uint32_t)(n))                                                               \
            return fail(v, ci, pc, "%s %u is out of range (there are %u)", what, (unsigned)(x), (unsigned)(n)); \
    } while (0)
    switch ((Opcode)ip[0]) {
    case BC_CONST: RANGE(a16, p->nconsts, "constant"); break;
    case BC_ERROR:
    case BC_GIVEN_FOLDER:
        RANGE(a16, p->nconsts, "constant");
        if (p->consts[a16].tag != V_TEXT)
            return fail(v, ci, pc, "constant %u is a %s, not Text", a16, value_tag_name(p->consts[a16].tag));
        break;
    case BC_LOAD:
    case BC_STORE:
    case BC_APPEND:
    case BC_LIST_LIKE:
    case BC_SORT: LOCAL(a8); break;
    case BC_ITER_INIT:
    case BC_ITER: LOCAL(a8 + 1u); break;
    case BC_LOCAL_FIELD:
    case BC_FIELD_JUMP_FALSE:
    case BC_FIELD_JUMP_TRUE:
        LOCAL(a8);
        RANGE(ip[2], v->max_fields, "field slot");
        break;
    case BC_ITER_TO:
        LOCAL(a8 + 1u);
        LOCAL(ip[2]);
        break;
    case BC_LIST_SCRATCH: LOCAL(ip[3]); break;
    case BC_LEN_LOCAL: LOCAL(a8); break;
    case BC_SUM_FIELD: RANGE(ip[2], v->max_fields, "field slot"); break;
    case BC_MAP_FIELD: RANGE(a8, v->max_fields, "field slot"); break;
    case BC_MOVE:
    case BC_APPEND_LOCAL:
        LOCAL(a8);
        LOCAL(ip[2]);
        break;
    case BC_FIELD_EQ_JUMP:
    case BC_FIELD_NE_JUMP:
        LOCAL(a8);
        RANGE(ip[2], v->max_fields, "field slot");
        RANGE(rd16(ip + 3), p->nconsts, "constant");
        break;
    case BC_FIELD:
    case BC_FIELD_OPT: RANGE(a8, v->max_fields, "field slot"); break;
    case BC_PSEUDO:
        if (a8 < 2 || a8 > 8)
            return fail(v, ci, pc, "there is no part %u of a value", a8);
        break;
    case BC_MAKE_DUR: RANGE(a8, 4, "duration unit"); break;
    case BC_QSTATE: RANGE(a8, 3, "queue state"); break;
    case BC_QCOUNT: RANGE(a8, v->max_counters, "queue counter"); break;
    case BC_SOURCE:
    case BC_GIVEN: RANGE(a16, p->nsources, "source"); break;
    case BC_LOOKUP:
        RANGE(a16, p->nsources, "source");
        if (p->sources[a16]->key_field < 0)
            return fail(v, ci, pc, "source %s has no key to look up", p->sources[a16]->name);
        break;
    case BC_SELECT:
    case BC_SELECT_IN: {
        RANGE(a16, p->nsources, "source");
        const SourceUse *u = &p->uses[a16];
        bool ok = ip[0] == BC_SELECT ? has_field(u->indexed_fields, u->nindexed, ip[3])
                                     : has_field(u->element_fields, u->nelement, ip[3]);
        if (!ok)
            return fail(v, ci, pc, "field %u of source %s has no index", ip[3], p->sources[a16]->name);
        break;
    }
    case BC_SELECT_RANGE:
        RANGE(a16, p->nsources, "source");
        RANGE(ip[3], p->uses[a16].nrange_fields / 3, "range index");
        break;
    case BC_CALL:
        RANGE(a16, p->nchunks, "chunk");
        if (ip[3] != p->chunks[a16].nparams)
            return fail(v, ci, pc, "a call passes %u arguments to a chunk of %u parameters", ip[3],
                        p->chunks[a16].nparams);
        if (v->role[a16] != ROLE_FUNCTION)
            return fail(v, ci, pc, "a call of chunk %u, which is %s", a16, role_names[v->role[a16]]);
        add_edge(v, ci, a16);
        break;
    case BC_NATIVE:
        RANGE(a16, builtin_count, "native function");
        if (native_arity(builtin_table[a16].sig) != ip[3])
            return fail(v, ci, pc, "%s takes %d arguments, not %u", builtin_table[a16].name,
                        native_arity(builtin_table[a16].sig), ip[3]);
        break;
    case BC_HOST:
        RANGE(a16, p->nhosts, "host function");
        if (p->hosts[a16].nparams != ip[3])
            return fail(v, ci, pc, "host function %s takes %u arguments, not %u", p->hosts[a16].name,
                        p->hosts[a16].nparams, ip[3]);
        break;
    case BC_TRACE: RANGE(a16, p->ntrace_points, "trace point"); break;
    case BC_FAIL:
    case BC_FAIL_SKIP:
    case BC_PASS: RANGE(a16, p->nrules, "rule"); break;
    case BC_OUTCOME:
    case BC_EMIT: {
        int32_t d = v->owner[ci];
        if (d < 0)
            return fail(v, ci, pc, "%s outside a decision's own code", opcode_info[ip[0]].name);
        if (ip[0] == BC_OUTCOME)
            RANGE(a16, p->decisions[d].nwords, "outcome word");
        else
            RANGE(a8, p->decisions[d].nfields, "output field");
        break;
    }
    case BC_RECORD: RANGE(a16, p->nrecords, "record type"); break;
    case BC_DECIDE:
        RANGE(a16, p->ndecisions, "decision");
        if (!p->decisions[a16].result_type)
            return fail(v, ci, pc, "decision %s gives no result to use", p->decisions[a16].name);
        add_edge(v, ci, p->decisions[a16].chunk);
        break;
    case BC_QUEUE_GET:
    case BC_QUEUE_REPLAY: {
        RANGE(a16, p->nqueues, "queue");
        const QueueInfo *q = &p->queues[a16];
        add_edge(v, ci, q->over_chunk);
        add_edge(v, ci, q->key_chunk);
        add_edge(v, ci, q->admit_chunk);
        if (q->capacity_chunk >= 0)
            add_edge(v, ci, (uint32_t)q->capacity_chunk);
        for (uint32_t k = 0; k < q->ncounters; k++)
            add_edge(v, ci, q->counter_chunks[k]);
        break;
    }
    case BC_EXPECT_FAIL: RANGE(a16, p->nexpects, "expectation"); break;
    default: break;
    }
#undef LOCAL
#undef RANGE
    return true;
}

static bool is_jump(uint8_t op)
{
    return opcode_jumps(opcode_info[op].operands);
}

static int64_t jump_target(const uint8_t *code, uint32_t pc)
{
    OperandLayout l = opcode_info[code[pc]].operands;
    int size = opcode_size(l);
    int32_t off = rd32(code + pc + opcode_jump_operand(l));
    return (int64_t)pc + size + off;
}

/* The data-flow pass. */
struct Flow {
    int32_t *depth;
    Fresh *fresh;
    uint8_t *top_fresh; /* the value on top is a list LIST just made */
    uint32_t *work;
    uint32_t nwork;
    uint8_t *queued;
};

typedef struct Flow Flow;

static bool reach(Verifier *v, uint32_t ci, Flow *f, uint32_t from, int64_t pc, int32_t depth, const Fresh *fresh,
                  bool top_fresh)
{
    if (depth < 0)
        return fail(v, ci, from, "the operand stack would underflow");
    if (depth > v->p->chunks[ci].max_stack)
        return fail(v, ci, from, "the operand stack would grow past the chunk's %u", v->p->chunks[ci].max_stack);
    uint32_t at = (uint32_t)pc;
    bool changed = false;
    if (f->depth[at] < 0) {
        f->depth[at] = depth;
        f->fresh[at] = *fresh;
        f->top_fresh[at] = top_fresh;
        changed = true;
    } else {
        if (f->depth[at] != depth)
            return fail(v, ci, at, "the operand stack is %d deep when reached one way and %d another", f->depth[at],
                        depth);
        for (int k = 0; k < 4; k++) {
            uint64_t both = f->fresh[at].bits[k] & fresh->bits[k];
            if (both != f->fresh[at].bits[k]) {
                f->fresh[at].bits[k] = both;
                changed = true;
            }
        }
        if (f->top_fresh[at] && !top_fresh) {
            f->top_fresh[at] = false;
            changed = true;
        }
    }
    if (changed && !f->queued[at]) {
        f->queued[at] = 1;
        f->work[f->nwork++] = at;
    }
    return true;
}

static void fresh_set(Fresh *f, unsigned slot, bool on)
{
    if (on)
        f->bits[slot / 64] |= 1ULL << (slot % 64);
    else
        f->bits[slot / 64] &= ~(1ULL << (slot % 64));
}

static bool fresh_has(const Fresh *f, unsigned slot)
{
    return (f->bits[slot / 64] >> (slot % 64)) & 1;
}

static bool follow(Verifier *v, uint32_t ci, Flow *f, uint32_t pc)
{
    const Chunk *c = &v->p->chunks[ci];
    const uint8_t *ip = c->code + pc;
    uint8_t op = ip[0];
    int32_t d = f->depth[pc];
    Fresh fresh = f->fresh[pc];
    bool top = f->top_fresh[pc];
    int pops, pushes;
    effect(v->p, ip, &pops, &pushes);
    if (d < pops || (op == BC_JUMP_NONE && d < 1))
        return fail(v, ci, pc, "%s needs %d values on the operand stack and there are %d", opcode_info[op].name,
                    pops ? pops : 1, d);
    switch (op) {
    case BC_STORE: fresh_set(&fresh, ip[1], top); break;
    case BC_ITER_INIT:
        fresh_set(&fresh, ip[1], false);
        fresh_set(&fresh, ip[1] + 1u, false);
        break;
    case BC_SORT: fresh_set(&fresh, ip[1], false); break;
    case BC_ITER_TO:
    case BC_MOVE: fresh_set(&fresh, ip[2], false); break;
    case BC_APPEND:
        if (!fresh_has(&fresh, ip[1]))
            return fail(v, ci, pc, "APPEND to local %u, which may hold a list this frame did not make", ip[1]);
        break;
    case BC_APPEND_LOCAL:
        if (!fresh_has(&fresh, ip[2]))
            return fail(v, ci, pc, "APPEND to local %u, which may hold a list this frame did not make", ip[2]);
        break;
    default: break;
    }
    bool made = op == BC_LIST || op == BC_LIST_LIKE || op == BC_LIST_SCRATCH;
    uint32_t next = pc + (uint32_t)opcode_size(opcode_info[op].operands);
    int32_t fall = d - pops + pushes;
    switch (op) {
    case BC_RETURN:
    case BC_HALT:
    case BC_SKIP:
    case BC_ERROR: return true;
    case BC_JUMP: return reach(v, ci, f, pc, jump_target(c->code, pc), d, &fresh, false);
    case BC_AND:
    case BC_OR:
    case BC_JUMP_SOME:
        if (!reach(v, ci, f, pc, jump_target(c->code, pc), d, &fresh, false))
            return false;
        break;
    case BC_ITER:
    case BC_ITER_TO:
    case BC_FIELD_JUMP_FALSE:
    case BC_FIELD_JUMP_TRUE:
    case BC_FIELD_EQ_JUMP:
    case BC_FIELD_NE_JUMP:
    case BC_FAIL_SKIP:
    case BC_JUMP_FALSE:
    case BC_JUMP_TRUE:
    case BC_JUMP_NONE: {
        int32_t taken = op == BC_JUMP_FALSE || op == BC_JUMP_TRUE ? d - 1 : d;
        if (!reach(v, ci, f, pc, jump_target(c->code, pc), taken, &fresh, false))
            return false;
        break;
    }
    default: break;
    }
    return reach(v, ci, f, pc, next, fall, &fresh, made);
}

/* Decodes chunk ci and follows its flow; the depths, or NULL after
 * setting v->error. */
static int32_t *check_chunk(Verifier *v, uint32_t ci)
{
    const Program *p = v->p;
    const Chunk *c = &p->chunks[ci];
    uint32_t len = c->len;
    uint8_t *starts = v->starts;
    memset(starts, 0, (size_t)len + 1);
    for (uint32_t pc = 0; pc < len;) {
        uint8_t op = c->code[pc];
        if (op >= BC__COUNT) {
            fail(v, ci, pc, "unknown instruction %u", op);
            return NULL;
        }
        uint32_t size = (uint32_t)opcode_size(opcode_info[op].operands);
        if (size > len - pc) {
            fail(v, ci, pc, "%s runs past the end of the code", opcode_info[op].name);
            return NULL;
        }
        starts[pc] = 1;
        if (!check_operands(v, ci, pc))
            return NULL;
        pc += size;
    }
    starts[len] = 1;
    for (uint32_t pc = 0; pc < len; pc += (uint32_t)opcode_size(opcode_info[c->code[pc]].operands)) {
        if (!is_jump(c->code[pc]))
            continue;
        int64_t t = jump_target(c->code, pc);
        if (t < 0 || t > len || !starts[t]) {
            fail(v, ci, pc, "%s to %lld, which is not the start of an instruction in the chunk",
                 opcode_info[c->code[pc]].name, (long long)t);
            return NULL;
        }
    }
    Flow f = *v->flow;
    for (uint32_t i = 0; i <= len; i++)
        f.depth[i] = -1;
    memset(f.queued, 0, (size_t)len + 1);
    f.nwork = 0;
    Fresh none;
    memset(&none, 0, sizeof none);
    if (!reach(v, ci, &f, 0, 0, 0, &none, false))
        return NULL;
    int32_t d = v->owner[ci];
    if (d >= 0) {
        uint32_t body = p->decisions[d].body_pc;
        if (!starts[body]) {
            fail(v, ci, body, "the body of decision %s does not start at an instruction", p->decisions[d].name);
            return NULL;
        }
        if (!reach(v, ci, &f, body, body, 0, &none, false))
            return NULL;
    }
    while (f.nwork) {
        uint32_t pc = f.work[--f.nwork];
        f.queued[pc] = 0;
        if (pc == len)
            continue; /* the end: the HALT padding */
        if (!follow(v, ci, &f, pc))
            return NULL;
    }
    return f.depth;
}

/* No cycle among the calls, and no chain longer than VERIFY_MAX_CHAIN:
 * the longest chain from each chunk, by an explicit depth-first walk. */
static bool check_calls(Verifier *v)
{
    const Program *p = v->p;
    uint32_t n = p->nchunks;
    uint32_t *first = rg_alloc_atomic(((size_t)n + 1) * sizeof *first);
    memset(first, 0, ((size_t)n + 1) * sizeof *first);
    for (uint32_t i = 0; i < v->nedges; i++)
        first[v->edges[i].from + 1]++;
    for (uint32_t i = 0; i < n; i++)
        first[i + 1] += first[i];
    uint32_t *to = rg_alloc_atomic(((size_t)v->nedges + 1) * sizeof *to);
    uint32_t *fill = rg_alloc_atomic(((size_t)n + 1) * sizeof *fill);
    memcpy(fill, first, ((size_t)n + 1) * sizeof *fill);
    for (uint32_t i = 0; i < v->nedges; i++)
        to[fill[v->edges[i].from]++] = v->edges[i].to;
    enum { WHITE, GREY, BLACK };
    uint8_t *colour = rg_alloc_atomic((size_t)n + 1);
    memset(colour, WHITE, (size_t)n + 1);
    uint32_t *chain = rg_alloc_atomic(((size_t)n + 1) * sizeof *chain);
    uint32_t *stack = rg_alloc_atomic(((size_t)n + 1) * sizeof *stack);
    uint32_t *next = rg_alloc_atomic(((size_t)n + 1) * sizeof *next);
    for (uint32_t root = 0; root < n; root++) {
        if (colour[root] != WHITE)
            continue;
        uint32_t sp = 0;
        stack[sp++] = root;
        colour[root] = GREY;
        next[root] = first[root];
        chain[root] = 0;
        while (sp) {
            uint32_t c = stack[sp - 1];
            if (next[c] < first[c + 1]) {
                uint32_t t = to[next[c]++];
                if (colour[t] == GREY)
                    return fail(v, t, -1, "it can call itself again (through chunk %u)", c);
                if (colour[t] == WHITE) {
                    colour[t] = GREY;
                    next[t] = first[t];
                    chain[t] = 0;
                    stack[sp++] = t;
                }
                continue;
            }
            for (uint32_t e = first[c]; e < first[c + 1]; e++)
                if (chain[to[e]] + 1 > chain[c])
                    chain[c] = chain[to[e]] + 1;
            if (chain[c] > VERIFY_MAX_CHAIN)
                return fail(v, c, -1, "its calls nest %u deep, more than %u", chain[c], VERIFY_MAX_CHAIN);
            colour[c] = BLACK;
            sp--;
        }
    }
    return true;
}

static bool prepare(Verifier *v, const Program *p)
{
    memset(v, 0, sizeof *v);
    v->p = p;
    v->role = rg_alloc_atomic((size_t)p->nchunks + 1);
    memset(v->role, ROLE_FUNCTION, (size_t)p->nchunks + 1);
    v->owner = rg_alloc_atomic(((size_t)p->nchunks + 1) * sizeof *v->owner);
    for (uint32_t i = 0; i <= p->nchunks; i++)
        v->owner[i] = -1;
    size_t longest = 0;
    for (uint32_t i = 0; i < p->nchunks; i++)
        if (p->chunks[i].len > longest)
            longest = p->chunks[i].len;
    v->starts = rg_alloc_atomic(longest + 1);
    Flow *f = rg_alloc(sizeof *f);
    f->depth = rg_alloc_atomic((longest + 1) * sizeof *f->depth);
    f->fresh = rg_alloc_atomic((longest + 1) * sizeof *f->fresh);
    f->top_fresh = rg_alloc_atomic(longest + 1);
    f->queued = rg_alloc_atomic(longest + 1);
    f->work = rg_alloc_atomic((longest + 1) * sizeof *f->work);
    v->flow = f;
    if (!check_tables(v))
        return false;
    ImageTypes types;
    image_types(p, &types);
    for (uint32_t i = 0; i < types.nrecords; i++)
        if (types.records[i]->nfields > v->max_fields)
            v->max_fields = (uint32_t)types.records[i]->nfields;
    return true;
}

const char *verify_program(const Program *p)
{
    Verifier v;
    if (!prepare(&v, p))
        return v.error;
    for (uint32_t i = 0; i < p->nchunks; i++)
        if (!check_chunk(&v, i))
            return v.error;
    return check_calls(&v) ? NULL : v.error;
}

int32_t *verify_depths(const Program *p, uint32_t c)
{
    Verifier v;
    if (c >= p->nchunks || !prepare(&v, p))
        return NULL;
    int32_t *shared = check_chunk(&v, c);
    if (!shared)
        return NULL;
    int32_t *depths = rg_alloc_atomic(((size_t)p->chunks[c].len + 1) * sizeof *depths);
    memcpy(depths, shared, ((size_t)p->chunks[c].len + 1) * sizeof *depths);
    return depths;
}
