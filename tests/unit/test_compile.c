/*
 * test_compile.c — the compiler (src/compile.c): constant folding, the
 * index selection a `where .f == x` on a source becomes, short-circuit
 * jumps, the tables of decisions, rules and sources the runner reads, the
 * spans kept for run-time errors, and the disassembly.
 *
 * Chunks are inspected by walking their bytecode with opcode_info, so the
 * tests do not depend on the disassembler's layout except where the
 * disassembly itself is tested.
 */
#include "opcodes.h"
#include "policy_helpers.h"

static void setup(void)
{
    rg_alloc_init();
}

TestSuite(compile, .init = setup);

/* Calls fn for every instruction of chunk c; stops when it returns false. */
typedef bool (*InsnFn)(void *ctx, const Program *p, const Chunk *c, uint32_t pc, Opcode op, const uint8_t *operands);

static void walk(const Program *p, uint32_t chunk, InsnFn fn, void *ctx)
{
    cr_assert_lt(chunk, p->nchunks);
    const Chunk *c = &p->chunks[chunk];
    for (uint32_t pc = 0; pc < c->len;) {
        Opcode op = (Opcode)c->code[pc];
        cr_assert_lt(op, BC__COUNT, "unknown opcode %u at %u in %s", op, pc, c->name);
        int size = opcode_size(opcode_info[op].operands);
        cr_assert_leq(pc + (uint32_t)size, c->len, "truncated instruction in %s", c->name);
        if (!fn(ctx, p, c, pc, op, c->code + pc + 1))
            return;
        pc += (uint32_t)size;
    }
}

typedef struct Count {
    Opcode op;
    int n;
} Count;

static bool count_insn(void *ctx, const Program *p, const Chunk *c, uint32_t pc, Opcode op, const uint8_t *a)
{
    Count *k = ctx;
    if (op == k->op)
        k->n++;
    return true;
}

static int count_op(const Program *p, uint32_t chunk, Opcode op)
{
    Count k = {op, 0};
    walk(p, chunk, count_insn, &k);
    return k.n;
}

/* Pushes of constants (CONST) whose value renders as JSON `json`. */
typedef struct FindConst {
    const char *json;
    int n;
} FindConst;

static bool find_const_insn(void *ctx, const Program *p, const Chunk *c, uint32_t pc, Opcode op, const uint8_t *a)
{
    FindConst *f = ctx;
    if (op != BC_CONST)
        return true;
    uint32_t k = (uint32_t)a[0] | ((uint32_t)a[1] << 8);
    cr_assert_lt(k, p->nconsts);
    if (strcmp(to_json(p->consts[k]), f->json) == 0)
        f->n++;
    return true;
}

static int count_const(const Program *p, uint32_t chunk, const char *json)
{
    FindConst f = {json, 0};
    walk(p, chunk, find_const_insn, &f);
    return f.n;
}

static const DecisionInfo *decision(const Program *p, const char *name)
{
    int d = program_decision(p, name);
    cr_assert_geq(d, 0, "no decision %s", name);
    return &p->decisions[d];
}

/* The per-subject chunk of the only decision `t` of a one-field policy. */
static const char *one_field(const char *prelude, const char *expr)
{
    RgBuf b;
    buf_init(&b);
    buf_printf(&b, "%s\ndecision t for x in [1] key \"k\" {\n    outcome ja | nej\n    field v = %s\n}\n", prelude, expr);
    return b.data;
}

static const char *disasm_all(const Program *p, const char *only)
{
    RgBuf b;
    buf_init(&b);
    disasm_program(p, only, &b);
    return b.data ? b.data : "";
}

/* ---------------------------------------------------------------- folding */

Test(compile, constant_arithmetic_is_folded)
{
    Program *p = compile_ok(one_field("", "1500 * 2"));
    uint32_t ch = decision(p, "t")->chunk;
    cr_expect_eq(count_const(p, ch, "3000"), 1, "%s", disasm_all(p, "t"));
    cr_expect_eq(count_op(p, ch, BC_MUL_INT), 0, "%s", disasm_all(p, "t"));
    /* The disassembly shows the folded value. */
    const char *d = disasm_all(p, "t");
    cr_expect(strstr(d, "CONST") && strstr(d, "; 3000"), "%s", d);
}

Test(compile, constants_are_folded_where_used)
{
    Program *p = compile_ok("const PER_ST = 1500\nconst BOTH = PER_ST * 2\n"
                            "decision t for x in [1] key \"k\" {\n    outcome ja | nej\n"
                            "    must B1 x * BOTH + PER_ST > 0 else \"m\"\n}\n");
    uint32_t ch = decision(p, "t")->chunk;
    cr_expect_eq(count_const(p, ch, "3000"), 1, "%s", disasm_all(p, "t"));
    cr_expect_eq(count_const(p, ch, "1500"), 1, "%s", disasm_all(p, "t"));
    cr_expect_eq(count_op(p, ch, BC_MUL_INT), 1, "only x * BOTH is left:\n%s", disasm_all(p, "t"));
}

Test(compile, folding_mixes_int_and_decimal_exactly)
{
    Program *p = compile_ok(one_field("", "0.1 + 0.2 + 1"));
    uint32_t ch = decision(p, "t")->chunk;
    cr_expect_eq(count_const(p, ch, "\"1.3\""), 1, "%s", disasm_all(p, "t"));
    cr_expect_eq(count_op(p, ch, BC_ADD_DEC), 0);
}

Test(compile, text_is_folded)
{
    Program *p = compile_ok(one_field("const N = 1500", "\"a\" + \"b {N} c\" + \"{2.50}\""));
    uint32_t ch = decision(p, "t")->chunk;
    cr_expect_eq(count_const(p, ch, "\"ab 1 500 c2,5\""), 1, "%s", disasm_all(p, "t"));
    cr_expect_eq(count_op(p, ch, BC_RENDER), 0);
    cr_expect_eq(count_op(p, ch, BC_CONCAT), 0);
}

Test(compile, negation_and_decimal_subtraction_are_folded)
{
    Program *p = compile_ok(one_field("const JA = not false", "if JA then 2.5 - 0.75 else -1.25"));
    uint32_t ch = decision(p, "t")->chunk;
    cr_expect_eq(count_const(p, ch, "\"1.75\""), 1, "%s", disasm_all(p, "t"));
    cr_expect_eq(count_op(p, ch, BC_SUB_DEC), 0, "%s", disasm_all(p, "t"));
    cr_expect_eq(count_op(p, ch, BC_NOT), 0, "%s", disasm_all(p, "t"));
    p = compile_ok(one_field("", "-(0.5)"));
    ch = decision(p, "t")->chunk;
    cr_expect_eq(count_const(p, ch, "\"-0.5\""), 1, "%s", disasm_all(p, "t"));
}

Test(compile, a_constant_list_of_decimals_holds_decimals)
{
    Program *p = compile_ok(one_field("const L: List<Decimal> = [1, 2.5]", "L"));
    uint32_t ch = decision(p, "t")->chunk;
    cr_expect_eq(count_const(p, ch, "[\"1\",\"2.5\"]"), 1, "the 1 is a Decimal:\n%s", disasm_all(p, "t"));
}

Test(compile, expressions_on_values_are_not_folded)
{
    Program *p = compile_ok(one_field("", "x * 2 + 1"));
    uint32_t ch = decision(p, "t")->chunk;
    cr_expect_eq(count_op(p, ch, BC_MUL_INT), 1);
    cr_expect_eq(count_op(p, ch, BC_ADD_INT), 1);
}

Test(compile, an_overflowing_literal_expression_is_left_to_run_time)
{
    /* Folding must not hide the error: it is reported when evaluated, in
     * context (see test_vm.c). */
    Program *p = compile_ok(one_field("", "9223372036854775807 + 1"));
    cr_expect_eq(count_op(p, decision(p, "t")->chunk, BC_ADD_INT), 1);
}

/* BUG: a constant whose value overflows when folded is reported as
 * "internal error: cannot compile the name 'BIG'" at its use; compile.h
 * promises a diagnostic for "a constant that overflows when folded", and
 * the author needs to hear "integer overflow" at the constant. Repro:
 *   const BIG = 9223372036854775807 + 1
 *   decision t for x in [1] key "k" { outcome ja | nej  field v = BIG }
 * regel check -> "error: internal error: cannot compile the name 'BIG'". */
Test(compile, overflowing_constant_is_reported_as_overflow)
{
    Compiled c = compile_text("const BIG = 9223372036854775807 + 1\n"
                              "decision t for x in [1] key \"k\" {\n    outcome ja | nej\n    field v = BIG\n}\n");
    cr_expect_null(c.prog);
    cr_assert_geq(c.diags->errors, 1);
    cr_expect_null(find_diag(c.diags, "internal error"), "%s", diags_text(c.diags));
    cr_expect_not_null(find_diag(c.diags, "overflow"), "%s", diags_text(c.diags));
}

/* ---------------------------------------------------------------- where on a source */

#define SOURCES                                                                             \
    "record P { id: Text  arb: Text  grad: Decimal  spec: Text? }\n"                        \
    "record V { id: Text  namn: Text }\n"                                                   \
    "source ps: P from csv \"p.csv\"\n"                                                     \
    "source vs: V from csv \"v.csv\" key id\n"

typedef struct Select {
    int n;
    uint32_t source, field;
} Select;

static bool select_insn(void *ctx, const Program *p, const Chunk *c, uint32_t pc, Opcode op, const uint8_t *a)
{
    Select *s = ctx;
    if (op == BC_SELECT) {
        s->n++;
        s->source = (uint32_t)a[0] | ((uint32_t)a[1] << 8);
        s->field = a[2];
    }
    return true;
}

static int source_number(const Program *p, const char *name)
{
    for (uint32_t i = 0; i < p->nsources; i++)
        if (strcmp(p->sources[i]->name, name) == 0)
            return (int)i;
    cr_assert_fail("no source %s", name);
    return -1;
}

Test(compile, where_field_equals_value_on_a_source_is_an_index_selection)
{
    Program *p = compile_ok(SOURCES "decision d for v in vs {\n    outcome ja | nej\n"
                                    "    let s = ps where .arb == v.id\n"
                                    "    must A1 count(s) > 0 else \"m\"\n}\n");
    uint32_t ch = decision(p, "d")->chunk;
    Select s = {0, 0, 0};
    walk(p, ch, select_insn, &s);
    cr_assert_eq(s.n, 1, "%s", disasm_all(p, "d"));
    int ps = source_number(p, "ps");
    cr_expect_eq(s.source, (uint32_t)ps);
    cr_expect_eq(s.field, (uint32_t)record_field_index(p->sources[ps]->type, "arb"));
    /* No scan of the whole source. */
    cr_expect_eq(count_op(p, ch, BC_SOURCE), 0, "%s", disasm_all(p, "d"));
    /* The runner is told to build that index. */
    const SourceUse *u = &p->uses[ps];
    cr_assert_eq(u->nindexed, 1);
    cr_expect_eq(u->indexed_fields[0], record_field_index(p->sources[ps]->type, "arb"));
    const char *text = disasm_all(p, "d");
    cr_expect(strstr(text, "SELECT") && strstr(text, "; ps.arb"), "%s", text);
}

Test(compile, selection_either_way_round_with_more_conditions)
{
    Program *p = compile_ok(SOURCES "decision d for v in vs {\n    outcome ja | nej\n"
                                    "    must A1 count(ps where .grad > 0 and v.id == .arb and .spec != none) > 0 else \"m\"\n}\n");
    uint32_t ch = decision(p, "d")->chunk;
    Select s = {0, 0, 0};
    walk(p, ch, select_insn, &s);
    cr_expect_eq(s.n, 1, "%s", disasm_all(p, "d"));
    cr_expect_eq(count_op(p, ch, BC_SOURCE), 0);
    /* The other conditions still filter the selected records. */
    cr_expect_geq(count_op(p, ch, BC_ITER) + count_op(p, ch, BC_ITER_TO), 1);
}

Test(compile, where_without_an_independent_key_scans)
{
    /* Comparing two fields of the element, or filtering a list that is not
     * a source, is no index lookup. */
    Program *p = compile_ok(SOURCES "decision d for v in vs {\n    outcome ja | nej\n"
                                    "    must A1 count(ps where .arb == .id) > 0 else \"m\"\n"
                                    "    must A2 count([v.id] where it == v.id) > 0 else \"m\"\n"
                                    "    must A3 count(ps where .grad > 1) > 0 else \"m\"\n}\n");
    uint32_t ch = decision(p, "d")->chunk;
    cr_expect_eq(count_op(p, ch, BC_SELECT), 0, "%s", disasm_all(p, "d"));
    cr_expect_geq(count_op(p, ch, BC_SOURCE), 1);
    cr_expect_eq(p->uses[source_number(p, "ps")].nindexed, 0);
}

Test(compile, keyed_lookup)
{
    Program *p = compile_ok(SOURCES "decision d for q in ps key q.id {\n    outcome ja | nej\n"
                                    "    field namn = vs[q.arb]?.namn\n}\n");
    uint32_t ch = decision(p, "d")->chunk;
    cr_expect_eq(count_op(p, ch, BC_LOOKUP), 1, "%s", disasm_all(p, "d"));
    cr_expect_eq(count_op(p, ch, BC_FIELD_OPT), 1, "?. reads the field only when there is a record");
}

Test(compile, a_source_only_walked_as_subject_is_streamed)
{
    Program *p = compile_ok(SOURCES "decision d for v in vs {\n    outcome ja | nej\n    must A1 v.namn != \"\" else \"m\"\n}\n");
    const DecisionInfo *d = decision(p, "d");
    int vs = source_number(p, "vs");
    cr_expect_eq(d->source, vs);
    cr_expect_eq(d->over_chunk, -1);
    /* Nothing but the walk reads it, so the runner need not load it: the
     * decision's code reads no source as a whole. */
    cr_expect_eq(count_op(p, d->chunk, BC_SOURCE) + count_op(p, d->chunk, BC_LOOKUP) +
                     count_op(p, d->chunk, BC_SELECT),
                 0, "%s", disasm_all(p, "d"));
}

/* ---------------------------------------------------------------- jumps */

Test(compile, and_or_coalesce_are_jumps)
{
    Program *p = compile_ok(one_field("", "x > 1 and x < 5 or x == 9"));
    uint32_t ch = decision(p, "t")->chunk;
    cr_expect_eq(count_op(p, ch, BC_AND), 1, "%s", disasm_all(p, "t"));
    cr_expect_eq(count_op(p, ch, BC_OR), 1, "%s", disasm_all(p, "t"));
    p = compile_ok(one_field("", "first([x]) ?? 0"));
    cr_expect_eq(count_op(p, decision(p, "t")->chunk, BC_JUMP_SOME), 1, "%s", disasm_all(p, "t"));
}

Test(compile, int_is_widened_where_a_decimal_is_wanted)
{
    Program *p = compile_ok("fn half(d: Decimal) -> Decimal = d / 2\n"
                            "decision t for x in [1] key \"k\" {\n    outcome ja | nej\n"
                            "    let d: Decimal = x\n    field v = half(x)\n}\n");
    cr_expect_geq(count_op(p, decision(p, "t")->chunk, BC_TO_DEC), 2, "%s", disasm_all(p, NULL));
}

/* ---------------------------------------------------------------- tables */

Test(compile, decision_table)
{
    Program *p = compile_ok("decision inner for x in [1, 2] key text(x) {\n"
                            "    outcome ja | nej\n"
                            "    guard G1 x > 0 else \"g\"\n"
                            "}\n"
                            "decision outer for x in [1, 2, 3] key text(x) {\n"
                            "    outcome { bra if passed and x > 2  ok if passed  dalig }\n"
                            "    include inner(x)\n"
                            "    must A1 x > 1 else \"a\"\n"
                            "    should S1 x > 2 else \"s\"\n"
                            "    must E1 for y in [x]: y > 0 else \"e\"\n"
                            "    field dubbel = x * 2\n"
                            "    field text = \"{x}\"\n"
                            "}\n");
    cr_assert_eq(p->ndecisions, 2);
    const DecisionInfo *o = decision(p, "outer");
    cr_expect(o->root);
    cr_expect_eq(o->source, -1);
    cr_assert_geq(o->over_chunk, 0, "a decision over a computed list has a chunk for it");
    cr_assert_eq(o->nwords, 3);
    cr_expect_str_eq(o->words[0], "bra");
    cr_expect_str_eq(o->words[1], "ok");
    cr_expect_str_eq(o->words[2], "dalig");
    cr_assert_eq(o->nfields, 2);
    cr_expect_str_eq(o->fields[0], "dubbel");
    cr_expect_str_eq(o->fields[1], "text");
    cr_expect_lt(o->subject_slot, p->chunks[o->chunk].nlocals);
    /* Its own rules and the included ones, in policy order. */
    cr_assert_eq(o->nrules, 4);
    const char *refs[] = {"G1", "A1", "S1", "E1"};
    Severity sev[] = {SEV_GUARD, SEV_MUST, SEV_SHOULD, SEV_MUST};
    for (uint32_t i = 0; i < 4; i++) {
        const RuleInfo *r = &p->rules[o->rules[i]];
        cr_expect_str_eq(r->ref, refs[i]);
        cr_expect_eq(r->severity, sev[i]);
    }
    cr_expect_str_eq(p->rules[o->rules[0]].decision, "inner", "a rule belongs to the decision it is written in");
    cr_expect_str_eq(p->rules[o->rules[1]].decision, "outer");
    cr_expect_eq(program_decision(p, "nowhere"), -1);
}

Test(compile, rule_spans_point_at_the_rule)
{
    Compiled c = compile_text("decision t for x in [1] key \"k\" {\n    outcome ja | nej\n"
                              "    must A1 x > 1\n        else \"m\"\n}\n");
    cr_assert_not_null(c.prog, "%s", diags_text(c.diags));
    cr_assert_eq(c.prog->nrules, 1);
    long line, col;
    span_position(c.files, c.prog->rules[0].span, &line, &col);
    cr_expect_eq(line, 3);
    cr_expect_eq(col, 5);
    cr_expect(strncmp(span_text(c.files, c.prog->rules[0].span), "must A1 x > 1", 13) == 0);
}

typedef struct SpanOf {
    Opcode op;
    Span span;
    bool found;
} SpanOf;

static bool span_of_insn(void *ctx, const Program *p, const Chunk *c, uint32_t pc, Opcode op, const uint8_t *a)
{
    SpanOf *s = ctx;
    if (op != s->op)
        return true;
    s->span = chunk_span_at(c, pc);
    s->found = true;
    return false;
}

Test(compile, instructions_keep_the_span_of_their_expression)
{
    Compiled c = compile_text("decision t for x in [1] key \"k\" {\n    outcome ja | nej\n"
                              "    let a = 1 + x\n    field v = a * (x % 7)\n}\n");
    cr_assert_not_null(c.prog, "%s", diags_text(c.diags));
    SpanOf s = {BC_MOD_INT, {0, 0, 0}, false};
    walk(c.prog, decision(c.prog, "t")->chunk, span_of_insn, &s);
    cr_assert(s.found);
    cr_expect_str_eq(span_text(c.files, s.span), "x % 7");
    SpanOf m = {BC_MUL_INT, {0, 0, 0}, false};
    walk(c.prog, decision(c.prog, "t")->chunk, span_of_insn, &m);
    cr_assert(m.found);
    cr_expect_str_eq(span_text(c.files, m.span), "a * (x % 7)");
}

Test(compile, functions_come_before_their_callers)
{
    compile_flags = COMPILE_NO_OPT; /* b would be compiled into a */
    Program *p = compile_ok("fn a(x: Int) -> Int = b(x) + 1\nfn b(x: Int) -> Int = x * 2\n"
                            "decision t for x in [1] key \"k\" {\n    outcome ja | nej\n    field v = a(x)\n}\n");
    int ia = -1, ib = -1;
    for (uint32_t i = 0; i < p->nchunks; i++) {
        if (strcmp(p->chunks[i].name, "a") == 0)
            ia = (int)i;
        if (strcmp(p->chunks[i].name, "b") == 0)
            ib = (int)i;
    }
    cr_assert(ia >= 0 && ib >= 0);
    cr_expect_lt(ib, ia);
    cr_expect_eq(p->chunks[ia].nparams, 1);
    cr_expect_eq(count_op(p, (uint32_t)ia, BC_CALL), 1);
    cr_expect_eq(count_op(p, (uint32_t)ia, BC_RETURN), 1);
    const char *text = disasm_all(p, NULL);
    cr_expect(strstr(text, "CALL") && strstr(text, "; b"), "%s", text);
}

/* A small function that reads no export is compiled into its caller; its
 * argument is worked out once, before the body, as for a call. */
Test(compile, small_functions_are_compiled_into_their_callers)
{
    const char *src = "fn dubbel(x: Int) -> Int = x * 2\n"
                      "fn mellan(a: Int, lo: Int, hi: Int) -> Bool = a >= lo and a <= dubbel(hi)\n"
                      "decision t for x in [1, 5, 9] key text(x) {\n    outcome ja | nej\n"
                      "    must A1 mellan(x + 1, 2, 4) else \"{dubbel(x)} utanför\"\n}\n";
    Program *p = compile_ok(src);
    uint32_t d = p->decisions[0].chunk;
    cr_expect_eq(count_op(p, d, BC_CALL), 0, "%s", disasm_all(p, NULL));
    /* x + 1 once, though the body reads a twice */
    cr_expect_eq(count_op(p, d, BC_ADD_INT), 1, "%s", disasm_all(p, NULL));
    compile_flags = COMPILE_NO_OPT;
    Program *calls = compile_ok(src);
    cr_expect_eq(count_op(calls, calls->decisions[0].chunk, BC_CALL), 2);
}

/* An iteration stores each element straight into the lambda's local
 * (ITER_TO), and a condition that is a field of a local jumps on the field
 * itself (FIELD_JUMP_*); unoptimised code keeps the instructions apart. */
Test(compile, fused_iteration_and_field_jumps)
{
    const char *src = "record F { id: Text  ok: Bool  n: Int }\n"
                      "source fs: F from jsonl \"f.jsonl\" key id\n"
                      "decision t for f in fs key f.id {\n    outcome ja | nej\n"
                      "    must A1 f.ok else \"m\"\n"
                      "    must A2 not f.ok else \"m\"\n"
                      "    field s = sum(fs where .ok, .n * 2)\n}\n";
    Program *p = compile_ok(src);
    uint32_t d = p->decisions[0].chunk;
    cr_expect_eq(count_op(p, d, BC_ITER), 0, "%s", disasm_all(p, NULL));
    cr_expect_eq(count_op(p, d, BC_ITER_TO), 2);
    cr_expect_eq(count_op(p, d, BC_FIELD_JUMP_TRUE), 1, "%s", disasm_all(p, NULL));
    cr_expect_eq(count_op(p, d, BC_FIELD_JUMP_FALSE), 2); /* not f.ok, and .ok in the filter */
    compile_flags = COMPILE_NO_OPT;
    Program *q = compile_ok(src);
    uint32_t e = q->decisions[0].chunk;
    cr_expect_eq(count_op(q, e, BC_ITER_TO) + count_op(q, e, BC_FIELD_JUMP_TRUE) + count_op(q, e, BC_FIELD_JUMP_FALSE), 0);
    cr_expect_eq(count_op(q, e, BC_ITER), 2);
}

/* A field compared with a constant in a condition is one instruction,
 * whichever way round the comparison and the jump go. */
Test(compile, field_compared_with_a_constant_jumps_in_one_instruction)
{
    const char *src = "record G { typ: Text  n: Int }\n"
                      "record F { id: Text  typ: Text  gs: List<G> }\n"
                      "source fs: F from jsonl \"f.jsonl\" key id\n"
                      "decision t for f in fs key f.id {\n    outcome ja | nej\n"
                      "    must A1 f.typ == \"a\" else \"m\"\n"
                      "    must A2 f.typ != \"b\" else \"m\"\n"
                      "    field k = count(f.gs where .typ == \"c\" and .n != 2)\n}\n";
    Program *p = compile_ok(src);
    uint32_t d = p->decisions[0].chunk;
    /* A1 and A2 jump past their failure when the condition holds; the
     * filter goes on to the next element when a condition does not */
    cr_expect_eq(count_op(p, d, BC_FIELD_EQ_JUMP), 2, "%s", disasm_all(p, NULL));
    cr_expect_eq(count_op(p, d, BC_FIELD_NE_JUMP), 2, "%s", disasm_all(p, NULL));
    cr_expect_eq(count_op(p, d, BC_EQ) + count_op(p, d, BC_NE), 0);
    const char *text = disasm_all(p, "t");
    cr_expect(strstr(text, "FIELD_NE_JUMP") && strstr(text, "; \"c\""), "the constant is shown: %s", text);
    compile_flags = COMPILE_NO_OPT;
    Program *q = compile_ok(src);
    uint32_t e = q->decisions[0].chunk;
    cr_expect_eq(count_op(q, e, BC_FIELD_EQ_JUMP) + count_op(q, e, BC_FIELD_NE_JUMP), 0);
    cr_expect_eq(count_op(q, e, BC_EQ) + count_op(q, e, BC_NE), 4);
}

/* A list a decision's let builds is built in a scratch list of the VM
 * when every reading of it uses it up (count, sum, where, map, any,
 * `in`, a message); one that may be kept is built new each time. */
Test(compile, lists_used_up_within_the_evaluation_are_scratch_lists)
{
    const char *src = "record G { typ: Text  n: Int }\n"
                      "record F { id: Text  gs: List<G> }\n"
                      "source fs: F from jsonl \"f.jsonl\" key id\n"
                      "fn antal(xs: List<G>) -> Int = count(xs)\n"
                      "decision t for f in fs key f.id {\n    outcome ja | nej\n"
                      "    let a = f.gs where .n > 1\n"
                      "    let b = map(f.gs, .typ)\n"
                      "    let kept = f.gs where .n > 2\n"
                      "    let called = f.gs where .n > 3\n"
                      "    let copied = f.gs where .n > 4\n"
                      "    let again = copied\n"
                      "    must A1 count(a) > sum(a, .n) and \"x\" in b else \"{a} {count(again)}\"\n"
                      "    field k = kept\n"
                      "    field c = antal(called)\n}\n";
    Program *p = compile_ok(src);
    uint32_t d = p->decisions[0].chunk;
    cr_expect_eq(count_op(p, d, BC_LIST_SCRATCH), 2, "%s", disasm_all(p, "t"));
    cr_expect_eq(count_op(p, d, BC_LIST_LIKE), 3, "%s", disasm_all(p, "t"));
    /* each list a loop made goes from its accumulator to its let, and
     * copied to `again`, in one MOVE each */
    cr_expect_eq(count_op(p, d, BC_MOVE), 6, "%s", disasm_all(p, "t"));
    compile_flags = COMPILE_NO_OPT;
    Program *q = compile_ok(src);
    cr_expect_eq(count_op(q, q->decisions[0].chunk, BC_LIST_SCRATCH) + count_op(q, q->decisions[0].chunk, BC_MOVE), 0);
}

/* sum(xs, .field) and map(xs, .field) are one instruction each;
 * count(x) of a local one more. */
Test(compile, sums_and_maps_of_a_field_and_counts_of_a_local)
{
    const char *src = "record G { n: Int  d: Decimal }\n"
                      "record F { id: Text  gs: List<G> }\n"
                      "source fs: F from jsonl \"f.jsonl\" key id\n"
                      "decision t for f in fs key f.id {\n    outcome ja | nej\n"
                      "    let gs = f.gs\n"
                      "    field a = sum(gs, .n)\n"
                      "    field b = sum(gs, .d)\n"
                      "    field c = sum(gs, .n + 1)\n"
                      "    field k = count(gs)\n"
                      "    field m = map(gs, .n)\n}\n";
    Program *p = compile_ok(src);
    uint32_t d = p->decisions[0].chunk;
    cr_expect_eq(count_op(p, d, BC_SUM_FIELD), 2, "%s", disasm_all(p, "t"));
    cr_expect_eq(count_op(p, d, BC_MAP_FIELD), 1, "%s", disasm_all(p, "t"));
    cr_expect_eq(count_op(p, d, BC_ITER_TO), 1, "the sum of .n + 1 stays a loop: %s", disasm_all(p, "t"));
    cr_expect_eq(count_op(p, d, BC_LEN_LOCAL), 1, "%s", disasm_all(p, "t"));
    compile_flags = COMPILE_NO_OPT;
    Program *q = compile_ok(src);
    uint32_t e = q->decisions[0].chunk;
    cr_expect_eq(count_op(q, e, BC_SUM_FIELD) + count_op(q, e, BC_LEN_LOCAL) + count_op(q, e, BC_MAP_FIELD), 0);
}

/* In a rule's condition and an outcome's, `and`, `or` and `not` are jumps:
 * no AND, OR or NOT instruction is left. */
Test(compile, conditions_are_jumps)
{
    const char *src = "record F { id: Text  a: Bool  b: Bool  c: Bool }\n"
                      "source fs: F from jsonl \"f.jsonl\" key id\n"
                      "decision t for f in fs key f.id {\n"
                      "    outcome {\n        ja if f.a and not f.b\n        nej\n    }\n"
                      "    must A1 f.a and f.b and f.c else \"m\"\n"
                      "    must A2 not (f.a or f.b) or f.c else \"m\"\n}\n";
    Program *p = compile_ok(src);
    uint32_t d = p->decisions[0].chunk;
    cr_expect_eq(count_op(p, d, BC_AND) + count_op(p, d, BC_OR) + count_op(p, d, BC_NOT), 0, "%s", disasm_all(p, "t"));
    cr_expect_eq(count_op(p, d, BC_FIELD_JUMP_FALSE) + count_op(p, d, BC_FIELD_JUMP_TRUE), 8, "%s", disasm_all(p, "t"));
    compile_flags = COMPILE_NO_OPT;
    Program *q = compile_ok(src);
    cr_expect_eq(count_op(q, q->decisions[0].chunk, BC_AND), 3);
    cr_expect_eq(count_op(q, q->decisions[0].chunk, BC_OR), 2);
}

/* A condition of many parts is as many jumps, however many. */
Test(compile, a_long_condition_is_as_many_jumps)
{
    RgBuf src;
    buf_init(&src);
    buf_adds(&src, "record F { id: Text  ok: Bool  n: Int }\n"
                   "source fs: F from jsonl \"f.jsonl\" key id\n"
                   "decision t for f in fs key f.id {\n    outcome ja | nej\n    must A1 f.ok");
    for (int i = 0; i < 150; i++)
        buf_printf(&src, " or (f.n == %d and not f.ok)", i);
    buf_adds(&src, " else \"m\"\n}\n");
    Program *p = compile_ok(src.data);
    uint32_t d = p->decisions[0].chunk;
    cr_expect_eq(count_op(p, d, BC_FIELD_NE_JUMP), 150, "%s", disasm_all(p, "t"));
    cr_expect_eq(count_op(p, d, BC_FIELD_JUMP_FALSE), 150);
    cr_expect_eq(count_op(p, d, BC_FIELD_JUMP_TRUE), 1);
}

/* Counts jumps that land on an unconditional JUMP. */
static bool jump_to_jump_insn(void *ctx, const Program *p, const Chunk *c, uint32_t pc, Opcode op, const uint8_t *a)
{
    OperandLayout l = opcode_info[op].operands;
    if (!opcode_jumps(l))
        return true;
    const uint8_t *o = c->code + pc + opcode_jump_operand(l);
    int32_t off = (int32_t)((uint32_t)o[0] | ((uint32_t)o[1] << 8) | ((uint32_t)o[2] << 16) | ((uint32_t)o[3] << 24));
    uint32_t target = pc + (uint32_t)opcode_size(l) + (uint32_t)off;
    if (target < c->len && c->code[target] == BC_JUMP)
        ++*(int *)ctx;
    return true;
}

/* Conditions in loops (a where, any, count) are jumps too, through the
 * functions compiled into them, and no jump lands on a JUMP: it goes
 * where that one goes. */
Test(compile, conditions_in_loops_are_jumps_that_go_straight_on)
{
    const char *src = "record G { a: Int  b: Int  ok: Bool }\n"
                      "record F { id: Text  gs: List<G> }\n"
                      "source fs: F from jsonl \"f.jsonl\" key id\n"
                      "fn inom(x: Int, lo: Int, hi: Int) -> Bool = x >= lo and x <= hi\n"
                      "decision t for f in fs key f.id {\n    outcome ja | nej\n"
                      "    must A1 any(f.gs, inom(.a, 1, .b)) else \"m\"\n"
                      "    must A2 count(f.gs, .ok and not inom(.a, 2, 3)) > 0 else \"m\"\n"
                      "    field n = count(f.gs where .ok or .a > .b)\n}\n";
    Program *p = compile_ok(src);
    uint32_t d = p->decisions[0].chunk;
    cr_expect_eq(count_op(p, d, BC_AND) + count_op(p, d, BC_OR) + count_op(p, d, BC_NOT), 0, "%s", disasm_all(p, "t"));
    int chains = 0;
    walk(p, d, jump_to_jump_insn, &chains);
    cr_expect_eq(chains, 0, "%s", disasm_all(p, "t"));
}

/* A jump that lands between the field read and the conditional jump keeps
 * them apart: the field is read on one way in only. */
Test(compile, no_field_jump_across_a_jump_target)
{
    Program *p = compile_ok("record F { id: Text  a: Bool  b: Bool  n: Int }\n"
                            "source fs: F from jsonl \"f.jsonl\" key id\n"
                            "decision t for f in fs key f.id {\n    outcome ja | nej\n"
                            "    must A1 (if f.n > 1 then f.a else f.b) else \"m\"\n}\n");
    uint32_t d = p->decisions[0].chunk;
    cr_expect_eq(count_op(p, d, BC_FIELD_JUMP_TRUE), 0, "%s", disasm_all(p, NULL));
    cr_expect_eq(count_op(p, d, BC_JUMP_TRUE), 1);
}

/* Counts field reads stored straight into a local (a copy of a field). */
static bool field_stored_insn(void *ctx, const Program *p, const Chunk *c, uint32_t pc, Opcode op, const uint8_t *a)
{
    uint32_t next = pc + (uint32_t)opcode_size(opcode_info[op].operands);
    if (op == BC_LOCAL_FIELD && next < c->len && c->code[next] == BC_STORE)
        ++*(int *)ctx;
    return true;
}

/* An argument that is a field of a local (or of the element) is read
 * where the inlined body reads it, like a local: no copy is stored. */
Test(compile, inlined_arguments_that_are_fields_of_locals_are_read_in_place)
{
    const char *src = "record F { id: Text  a: Int  b: Int }\n"
                      "source fs: F from jsonl \"f.jsonl\" key id\n"
                      "fn inom(x: Int, lo: Int, hi: Int) -> Bool = x >= lo and x <= hi\n"
                      "decision t for f in fs key f.id {\n    outcome ja | nej\n"
                      "    must A1 inom(f.a, 0, f.b) else \"m\"\n"
                      "    must A2 any(fs, inom(.a, f.a, .b)) else \"m\"\n}\n";
    Program *p = compile_ok(src);
    uint32_t d = p->decisions[0].chunk;
    cr_expect_eq(count_op(p, d, BC_CALL), 0, "%s", disasm_all(p, NULL));
    int copies = 0;
    walk(p, d, field_stored_insn, &copies);
    cr_expect_eq(copies, 0, "%s", disasm_all(p, NULL));
    /* the key, f.a and f.b in A1 (f.a twice), .a twice, f.a and .b in A2 */
    cr_expect_eq(count_op(p, d, BC_LOCAL_FIELD), 8, "%s", disasm_all(p, NULL));
    compile_flags = COMPILE_NO_OPT;
    Program *q = compile_ok(src);
    cr_expect_eq(count_op(q, q->decisions[0].chunk, BC_CALL), 2, "unoptimised, the calls stay");
}

/* The VM remembers what a function that reads an export gave, at its
 * call: such a function stays a call, and so does one that calls it. */
Test(compile, functions_that_read_exports_stay_calls)
{
    Program *p = compile_ok(SOURCES "fn antal(v: V) -> Int = count(ps where .arb == v.id)\n"
                                    "fn har(v: V) -> Bool = antal(v) > 0\n"
                                    "decision d for v in vs {\n    outcome ja | nej\n"
                                    "    must A1 har(v) else \"m\"\n}\n");
    cr_expect_eq(count_op(p, p->decisions[0].chunk, BC_CALL), 1, "%s", disasm_all(p, NULL));
}

Test(compile, every_chunk_ends_in_halt_or_return)
{
    Program *p = compile_ok(SOURCES "fn f(v: V) -> Int = count(ps where .arb == v.id)\n"
                                    "decision d for v in vs where .namn != \"\" {\n    outcome ja | nej\n"
                                    "    must A1 f(v) > 0 else \"m\"\n}\n"
                                    "decision e for q in ps where .grad > 0 key q.id {\n    outcome ja | nej\n}\n"
                                    "decision g for n in [1, 2] key text(n) {\n    outcome ja | nej\n}\n");
    for (uint32_t i = 0; i < p->nchunks; i++) {
        const Chunk *c = &p->chunks[i];
        cr_assert_gt(c->len, 0);
        /* Find the last instruction by walking. */
        uint32_t last = 0;
        for (uint32_t pc = 0; pc < c->len; pc += (uint32_t)opcode_size(opcode_info[c->code[pc]].operands))
            last = pc;
        Opcode op = (Opcode)c->code[last];
        cr_expect(op == BC_HALT || op == BC_RETURN, "chunk %s ends in %s", c->name, opcode_info[op].name);
    }
    /* A filtered walk of a source skips records in the decision's own chunk. */
    cr_expect_eq(count_op(p, decision(p, "d")->chunk, BC_SKIP), 1);
    cr_expect_eq(decision(p, "e")->over_chunk, -1);
    cr_expect_geq(decision(p, "g")->over_chunk, 0);
}

Test(compile, disassembly_of_one_decision)
{
    Program *p = compile_ok("decision alpha for x in [1] key \"k\" {\n    outcome ja | nej\n    must A1 x > 0 else \"m\"\n}\n"
                            "decision beta for x in [2] key \"k\" {\n    outcome ja | nej\n}\n");
    const char *a = disasm_all(p, "alpha");
    cr_expect(strstr(a, "== alpha"), "%s", a);
    cr_expect(strstr(a, "== alpha (list)"), "the list chunk is listed with it:\n%s", a);
    cr_expect_null(strstr(a, "beta"), "%s", a);
    cr_expect(strstr(a, "FAIL") && strstr(a, "; rule A1"), "%s", a);
    cr_expect(strstr(a, "HALT"), "%s", a);
    const char *all = disasm_all(p, NULL);
    cr_expect(strstr(all, "== alpha") && strstr(all, "== beta"), "%s", all);
}

Test(compile, imported_decisions_are_not_root)
{
    char *dir = temp_dir();
    write_file(dir, "lib.regel", "decision helper for x in [1] key \"k\" {\n    outcome ja | nej\n}\n");
    char *main_path = write_file(dir, "main.regel",
                                 "import lib\ndecision main for x in [1] key \"k\" {\n    outcome ja | nej\n"
                                 "    include helper(x)\n}\n");
    SourceSet *files = sources_new();
    DiagList *d = diags_new(files);
    const char *paths[] = {main_path};
    Checked *c = check_files(files, paths, 1, d);
    cr_assert_eq(d->errors, 0, "%s", diags_text(d));
    Program *p = compile_program(c, d, false);
    cr_assert_not_null(p);
    cr_expect(decision(p, "main")->root);
    cr_expect(!decision(p, "helper")->root);
    remove_dir(dir);
    free(main_path);
}

/* BUG: `first([]) ?? count([2] where it > 1)` crashes the compiler
 * (SIGSEGV in conjuncts(), compile.c). The checker types the bare `[]` as
 * a list of the error type without reporting anything, so `??` sees an
 * "already reported" error on its left, returns early and never checks its
 * right side; the compiler then meets the unchecked `where` (its condition
 * was never wrapped in a lambda) and dereferences NULL. Repro:
 *   decision t for x in [1] key "k" { outcome ja | nej
 *       field v = first([]) ?? count([2] where it > 1) }
 * regel check -> Segmentation fault. Either the program compiles (and the
 * field is 1) or the checker reports an error; it must not crash. */
Test(compile, untyped_empty_list_before_coalesce_does_not_crash)
{
    Compiled c = compile_text("decision t for x in [1] key \"k\" {\n    outcome ja | nej\n"
                              "    field v = first([]) ?? count([2] where it > 1)\n}\n");
    if (c.diags->errors == 0) {
        cr_assert_not_null(c.prog);
        EXPECT_JSON("", "first([]) ?? count([2] where it > 1)", "1");
    } else {
        cr_expect_null(c.prog);
        cr_expect_null(find_diag(c.diags, "internal error"), "%s", diags_text(c.diags));
    }
}
