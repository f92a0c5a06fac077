/*
 * test_verify.c — the bytecode verifier: it accepts what the compiler
 * makes (every shipped and golden policy), and refuses code that would
 * misuse the VM, each with a message naming the problem.
 */
#include <glob.h>

#include "opcodes.h"
#include "policy_helpers.h"
#include "verify.h"

#define SOURCE                                                                                       \
    "record R {\n"                                                                                   \
    "    id: Text\n"                                                                                 \
    "    n: Int\n"                                                                                   \
    "    xs: List<Int>\n"                                                                            \
    "}\n"                                                                                            \
    "source rs: R from jsonl \"r.jsonl\" key id\n"                                                   \
    "fn double(x: Int) -> Int = x * 2\n"                                                             \
    "decision d for r in rs key r.id {\n"                                                            \
    "    outcome ja | nej\n"                                                                         \
    "    let ys = map(r.xs, it + 1)\n"                                                               \
    "    must A1 double(r.n) > 3 else \"{r.n} är för litet\"\n"                                      \
    "    field m = count(ys)\n"                                                                      \
    "}\n"

/* A copy of p whose chunks (and their code) may be changed freely. */
static Program *copy(const Program *p)
{
    Program *c = rg_alloc(sizeof *c);
    *c = *p;
    c->chunks = rg_alloc(p->nchunks * sizeof *c->chunks);
    for (uint32_t i = 0; i < p->nchunks; i++) {
        c->chunks[i] = p->chunks[i];
        c->chunks[i].code = rg_alloc_atomic(p->chunks[i].len + CHUNK_PADDING);
        memcpy(c->chunks[i].code, p->chunks[i].code, p->chunks[i].len + CHUNK_PADDING);
    }
    return c;
}

/* The offset of the first instruction op in chunk c, or -1. */
static int find(const Chunk *c, Opcode op)
{
    for (uint32_t pc = 0; pc < c->len; pc += (uint32_t)opcode_size(opcode_info[c->code[pc]].operands))
        if (c->code[pc] == op)
            return (int)pc;
    return -1;
}

static Chunk *decision_chunk(Program *p)
{
    return &p->chunks[p->decisions[0].chunk];
}

static Chunk *function_chunk(Program *p)
{
    for (uint32_t i = 0; i < p->nchunks; i++)
        if (p->chunks[i].nparams == 1)
            return &p->chunks[i];
    cr_assert_fail("no function chunk");
    return NULL;
}

static void refused(const Program *p, const char *phrase)
{
    const char *why = verify_program(p);
    cr_assert_not_null(why, "the verifier accepted code that has: %s", phrase);
    cr_expect(strstr(why, phrase), "expected \"%s\" in \"%s\"", phrase, why);
}

Test(verify, accepts_what_the_compiler_makes)
{
    Program *p = compile_ok(SOURCE);
    const char *why = verify_program(p);
    cr_expect_null(why, "%s", why);
}

/* Each golden policy on its own, then the shipped policies together. */
Test(verify, accepts_every_shipped_and_golden_policy)
{
    rg_alloc_init();
    glob_t g;
    cr_assert_eq(glob(SOURCE_ROOT "/tests/golden/*/policy.regel", 0, NULL, &g), 0);
    size_t verified = 0;
    for (size_t i = 0; i <= g.gl_pathc; i++) {
        SourceSet *files = sources_new();
        DiagList *d = diags_new(files);
        const char *list[32];
        size_t n = 0;
        if (i < g.gl_pathc) {
            list[n++] = g.gl_pathv[i];
        } else {
            glob_t pg;
            cr_assert_eq(glob(SOURCE_ROOT "/policies/*.regel", 0, NULL, &pg), 0);
            for (size_t k = 0; k < pg.gl_pathc && n < 32; k++)
                list[n++] = rg_strdup(pg.gl_pathv[k]);
            globfree(&pg);
        }
        Checked *c = check_files(files, list, n, d);
        if (d->errors)
            continue;
        Program *p = compile_program(c, d, 0);
        if (!p)
            continue;
        const char *why = verify_program(p);
        cr_expect_null(why, "%s: %s", list[0], why);
        verified++;
    }
    globfree(&g);
    cr_expect_gt(verified, 50);
}

Test(verify, unknown_instruction)
{
    Program *p = copy(compile_ok(SOURCE));
    decision_chunk(p)->code[0] = 250;
    refused(p, "unknown instruction 250");
}

Test(verify, instruction_past_the_end)
{
    Program *p = copy(compile_ok(SOURCE));
    Chunk *c = decision_chunk(p);
    c->len = (uint32_t)find(c, BC_SET_KEY) - 1; /* cuts LOCAL_FIELD's operands */
    refused(p, "runs past the end of the code");
}

Test(verify, jump_into_an_instruction)
{
    Program *p = copy(compile_ok(SOURCE));
    Chunk *c = decision_chunk(p);
    int j = find(c, BC_JUMP_TRUE);
    cr_assert_geq(j, 0);
    c->code[j + 1] += 1;
    refused(p, "not the start of an instruction");
}

Test(verify, jump_outside_the_chunk)
{
    Program *p = copy(compile_ok(SOURCE));
    Chunk *c = decision_chunk(p);
    int j = find(c, BC_JUMP_TRUE);
    c->code[j + 4] = 0x40; /* a large offset */
    refused(p, "not the start of an instruction");
}

Test(verify, constant_out_of_range)
{
    Program *p = copy(compile_ok(SOURCE));
    Chunk *c = decision_chunk(p);
    int k = find(c, BC_CONST);
    cr_assert_geq(k, 0);
    c->code[k + 1] = 0xff;
    c->code[k + 2] = 0xff;
    refused(p, "constant 65535 is out of range");
}

Test(verify, local_out_of_range)
{
    Program *p = copy(compile_ok(SOURCE));
    Chunk *c = decision_chunk(p);
    int k = find(c, BC_STORE);
    c->code[k + 1] = (uint8_t)c->nlocals;
    refused(p, "is out of range (the chunk has");
}

Test(verify, stack_underflow)
{
    Program *p = copy(compile_ok(SOURCE));
    Chunk *c = decision_chunk(p);
    /* LOCAL_FIELD a b (3 bytes) becomes three POPs on an empty stack. */
    cr_assert_eq(c->code[0], BC_LOCAL_FIELD);
    c->code[0] = c->code[1] = c->code[2] = BC_POP;
    refused(p, "needs 1 values on the operand stack and there are 0");
}

Test(verify, stack_past_its_declared_depth)
{
    Program *p = copy(compile_ok(SOURCE));
    decision_chunk(p)->max_stack = 0;
    refused(p, "grow past the chunk's 0");
}

/* Replaces the code of the function chunk. */
static void set_code(Chunk *c, const uint8_t *code, uint32_t len)
{
    c->code = rg_alloc_atomic(len + CHUNK_PADDING);
    memcpy(c->code, code, len);
    memset(c->code + len, BC_HALT, CHUNK_PADDING);
    c->len = len;
    c->nspans = 0;
}

Test(verify, stack_depth_differs_where_paths_meet)
{
    Program *p = copy(compile_ok(SOURCE));
    /* true; jump_true to RETURN (stack empty); none; RETURN (one value) */
    static const uint8_t code[] = {BC_TRUE, BC_JUMP_TRUE, 1, 0, 0, 0, BC_NONE, BC_RETURN};
    set_code(function_chunk(p), code, sizeof code);
    refused(p, "deep when reached one way");
}

Test(verify, return_with_nothing_to_return)
{
    Program *p = copy(compile_ok(SOURCE));
    static const uint8_t code[] = {BC_RETURN};
    set_code(function_chunk(p), code, sizeof code);
    refused(p, "RETURN needs 1 values");
}

Test(verify, call_with_the_wrong_argument_count)
{
    compile_flags = COMPILE_NO_OPT; /* keeps the call of double */
    Program *p = copy(compile_ok(SOURCE));
    Chunk *c = decision_chunk(p);
    int k = find(c, BC_CALL);
    cr_assert_geq(k, 0);
    c->code[k + 3] = 2;
    refused(p, "passes 2 arguments to a chunk of 1 parameters");
}

Test(verify, a_function_that_calls_itself)
{
    Program *p = copy(compile_ok(SOURCE));
    Chunk *f = function_chunk(p);
    uint32_t self = (uint32_t)(f - p->chunks);
    /* x * 2 → double(x): LOAD 0; CONST k; MUL_INT becomes LOAD 0; CALL self 1 */
    int m = find(f, BC_MUL_INT);
    int k = find(f, BC_CONST);
    cr_assert(k >= 0 && m == k + 3);
    uint8_t call[4] = {BC_CALL, (uint8_t)self, (uint8_t)(self >> 8), 1};
    memcpy(&f->code[k], call, 4);
    refused(p, "can call itself again");
}

Test(verify, a_call_of_a_decision)
{
    compile_flags = COMPILE_NO_OPT; /* keeps the call of double */
    Program *p = copy(compile_ok(SOURCE));
    Chunk *c = decision_chunk(p);
    int k = find(c, BC_CALL);
    uint32_t d = p->decisions[0].chunk;
    c->code[k + 1] = (uint8_t)d;
    c->code[k + 2] = (uint8_t)(d >> 8);
    p->chunks[d].nparams = 1;
    p->chunks[d].nlocals = p->chunks[d].nlocals ? p->chunks[d].nlocals : 1;
    refused(p, "which is a decision");
}

Test(verify, outcome_outside_a_decision)
{
    Program *p = copy(compile_ok(SOURCE));
    Chunk *f = function_chunk(p);
    int k = find(f, BC_CONST);
    f->code[k] = BC_OUTCOME; /* same layout as CONST */
    refused(p, "OUTCOME outside a decision's own code");
}

Test(verify, outcome_word_out_of_range)
{
    Program *p = copy(compile_ok(SOURCE));
    Chunk *c = decision_chunk(p);
    int k = find(c, BC_OUTCOME);
    c->code[k + 1] = 2;
    refused(p, "outcome word 2 is out of range");
}

Test(verify, output_field_out_of_range)
{
    Program *p = copy(compile_ok(SOURCE));
    Chunk *c = decision_chunk(p);
    int k = find(c, BC_EMIT);
    cr_assert_geq(k, 0);
    c->code[k + 1] = 1;
    refused(p, "output field 1 is out of range");
}

Test(verify, append_to_a_list_the_frame_did_not_make)
{
    compile_flags = COMPILE_NO_OPT; /* ys would be a scratch list */
    Program *p = copy(compile_ok(SOURCE));
    Chunk *c = decision_chunk(p);
    int k = find(c, BC_LIST_LIKE);
    cr_assert_geq(k, 0);
    /* LIST_LIKE a → LOAD a: the accumulator becomes the list being mapped */
    c->code[k] = BC_LOAD;
    refused(p, "APPEND to local");
}

/* ys is used up by count, so it is built in a scratch list. */
Test(verify, append_to_a_list_other_than_the_scratch_list)
{
    Program *p = copy(compile_ok(SOURCE));
    Chunk *c = decision_chunk(p);
    int k = find(c, BC_LIST_SCRATCH);
    cr_assert_geq(k, 0);
    /* LIST_SCRATCH n a → LOAD a, NONE, POP: the list being mapped again */
    uint8_t a = c->code[k + 3];
    c->code[k] = BC_LOAD;
    c->code[k + 1] = a;
    c->code[k + 2] = BC_NONE;
    c->code[k + 3] = BC_POP;
    refused(p, "APPEND to local");
}

Test(verify, scratch_list_sized_by_a_local_out_of_range)
{
    Program *p = copy(compile_ok(SOURCE));
    Chunk *c = decision_chunk(p);
    int k = find(c, BC_LIST_SCRATCH);
    cr_assert_geq(k, 0);
    c->code[k + 3] = (uint8_t)c->nlocals;
    refused(p, "is out of range (the chunk has");
}

Test(verify, append_of_a_local_to_a_list_the_frame_did_not_make)
{
    Program *p = copy(compile_ok("record F { id: Text  xs: List<Int> }\n"
                                 "source fs: F from jsonl \"f.jsonl\" key id\n"
                                 "decision t for f in fs key f.id {\n    outcome ja | nej\n"
                                 "    field n = count(f.xs where it > 1)\n}\n"));
    Chunk *c = decision_chunk(p);
    int k = find(c, BC_APPEND_LOCAL);
    cr_assert_geq(k, 0);
    /* the element appended to the list it came from */
    int it = find(c, BC_ITER_TO);
    cr_assert_geq(it, 0);
    c->code[k + 2] = c->code[it + 1];
    refused(p, "APPEND to local");
}

Test(verify, iteration_into_a_local_out_of_range)
{
    Program *p = copy(compile_ok(SOURCE));
    Chunk *c = decision_chunk(p);
    int k = find(c, BC_ITER_TO);
    cr_assert_geq(k, 0);
    c->code[k + 2] = (uint8_t)c->nlocals;
    refused(p, "is out of range (the chunk has");
}

Test(verify, append_to_a_local_an_iteration_stored_an_element_in)
{
    Program *p = copy(compile_ok(SOURCE));
    Chunk *c = decision_chunk(p);
    int k = find(c, BC_ITER_TO), a = find(c, BC_APPEND);
    cr_assert(k >= 0 && a >= 0);
    /* the element goes where the list being made is */
    c->code[k + 2] = c->code[a + 1];
    refused(p, "APPEND to local");
}

Test(verify, field_jump_with_a_field_slot_out_of_range)
{
    Program *p = copy(compile_ok("record F { id: Text  ok: Bool }\n"
                                 "source fs: F from jsonl \"f.jsonl\" key id\n"
                                 "decision t for f in fs key f.id {\n    outcome ja | nej\n"
                                 "    must A1 f.ok else \"m\"\n}\n"));
    Chunk *c = decision_chunk(p);
    int k = find(c, BC_FIELD_JUMP_TRUE);
    cr_assert_geq(k, 0);
    c->code[k + 2] = 0xff;
    refused(p, "field slot 255 is out of range");
}

Test(verify, field_comparison_with_a_constant_out_of_range)
{
    Program *p = copy(compile_ok("record F { id: Text  typ: Text }\n"
                                 "source fs: F from jsonl \"f.jsonl\" key id\n"
                                 "decision t for f in fs key f.id {\n    outcome ja | nej\n"
                                 "    must A1 f.typ == \"a\" else \"m\"\n}\n"));
    Chunk *c = decision_chunk(p);
    int k = find(c, BC_FIELD_EQ_JUMP);
    cr_assert_geq(k, 0);
    c->code[k + 3] = 0xff;
    c->code[k + 4] = 0xff;
    refused(p, "constant 65535 is out of range");
}

Test(verify, native_with_the_wrong_arity)
{
    Program *p = copy(compile_ok("record R {\n    id: Text\n}\n"
                                 "source rs: R from jsonl \"r.jsonl\" key id\n"
                                 "decision d for r in rs key r.id {\n    outcome ja | nej\n"
                                 "    must A1 length(r.id) > 2 else \"kort\"\n}\n"));
    Chunk *c = decision_chunk(p);
    int k = find(c, BC_NATIVE);
    cr_assert_geq(k, 0);
    c->code[k + 3] = 2;
    refused(p, "takes 1 arguments, not 2");
}

Test(verify, lookup_in_a_source_without_a_key)
{
    Program *p = copy(compile_ok("record R {\n    id: Text\n}\n"
                                 "source rs: R from jsonl \"r.jsonl\" key id\n"
                                 "decision d for r in rs key r.id {\n    outcome ja | nej\n"
                                 "    must A1 rs[r.id] != none else \"saknas\"\n}\n"));
    SourceSpec *s = rg_alloc(sizeof *s);
    *s = *p->sources[0];
    s->key_field = -1;
    SourceSpec **list = rg_alloc(sizeof *list);
    list[0] = s;
    p->sources = list;
    refused(p, "has no key to look up");
}

Test(verify, depths_of_each_instruction)
{
    Program *p = compile_ok(SOURCE);
    int32_t *d = verify_depths(p, p->decisions[0].chunk);
    cr_assert_not_null(d);
    cr_expect_eq(d[0], 0);
    const Chunk *c = &p->chunks[p->decisions[0].chunk];
    cr_expect_eq(d[find(c, BC_SET_KEY)], 1);
    cr_expect_eq(d[1], -1, "inside an instruction");
}

/* A chunk may use exactly the depth it declares: an instruction that pops
 * more than it pushes at that depth needs no room above it. The VM's own
 * stack checks (sanitizer builds) once refused that, so the compiler's
 * spare slot hid a false alarm that only fuzzed bytecode met. */
Test(verify, a_chunk_at_exactly_its_declared_depth_runs)
{
    Program *p = copy(compile_ok("decision t for x in [1] key \"k\" {\n"
                                 "    outcome ja | nej\n"
                                 "    field v = (x + 1) * (x + 2)\n"
                                 "}\n"));
    for (uint32_t i = 0; i < p->nchunks; i++)
        if (p->chunks[i].max_stack > 0)
            p->chunks[i].max_stack--;
    const char *why = verify_program(p);
    cr_assert_null(why, "%s", why);
    Vm *vm = vm_new(p, NULL, ymd(2026, 2, 28), vm_default_limits());
    Verdict v;
    memset(&v, 0, sizeof v);
    cr_assert(vm_decide(vm, 0, val_int(1), &v), "%s", vm_error(vm));
    cr_expect_str_eq(to_json(v.fields[0]), "6");
}

/* ---------------------------------------------------------------- the program's tables */

/* A program of SOURCE whose tables (not only its code) may be changed:
 * each compile makes its own. */
static Program *fresh(void)
{
    return compile_ok(SOURCE);
}

Test(verify, tables_that_name_what_is_not_there)
{
    Program *p = fresh();
    p->decisions[0].chunk = 999;
    refused(p, "a decision names chunk 999, and there are");

    p = fresh();
    p->decisions[0].over_chunk = (int)p->decisions[0].chunk;
    refused(p, "it is used as a decision and as a decision's list");

    p = fresh();
    p->decisions[0].subject_slot = 200;
    refused(p, "the subject slot of decision d is not a local");

    p = fresh();
    p->decisions[0].body_pc = p->chunks[p->decisions[0].chunk].len + 10;
    refused(p, "the body of decision d starts past its end");

    p = fresh();
    p->decisions[0].source = 5;
    refused(p, "decision d runs over source 5, and there are 1");

    p = fresh();
    cr_assert_gt(p->decisions[0].nrules, 0);
    p->decisions[0].rules[0] = 99;
    refused(p, "decision d names rule 99, and there are");

    p = fresh();
    p->sources[0]->key_field = 9;
    refused(p, "the key of source rs is not one of its fields");

    p = fresh();
    p->sources[0]->name = NULL;
    refused(p, "source 0 is malformed");
}

Test(verify, tables_of_the_wrong_shape)
{
    Program *p = fresh();
    p->rules[0].ref = NULL;
    refused(p, "rule 0 is malformed");

    p = fresh();
    p->reason_type = NULL;
    refused(p, "the record types of reasons and queue entries are missing or too small");

    p = fresh();
    cr_assert_gt(p->nrecords, 0);
    p->records[0] = NULL;
    refused(p, "record type 0 of RECORD is missing");

    p = fresh();
    RecordType *rt = (RecordType *)p->decisions[0].result_type;
    cr_assert_not_null(rt);
    rt->nfields = 1;
    refused(p, "the result type of decision d is malformed");

    p = fresh();
    p->chunks[0].nparams = p->chunks[0].nlocals + 1;
    refused(p, "parameters but");
}

Test(verify, a_range_selection_with_no_such_index)
{
    Program *p = copy(compile_ok("record H {\n    id: Text\n    start: Date\n    slut: Date\n}\n"
                                 "source hs: H from jsonl \"h.jsonl\"\n"
                                 "decision d for h in hs key h.id {\n    outcome ja | nej\n"
                                 "    must A1 count(hs where .start <= h.slut and .slut >= h.start) == 1 else \"m\"\n}\n"));
    Chunk *c = decision_chunk(p);
    int k = find(c, BC_SELECT_RANGE);
    cr_assert_geq(k, 0);
    c->code[k + 3] = 5;
    refused(p, "range index 5 is out of range");
}
