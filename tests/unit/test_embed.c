/*
 * test_embed.c — the embedding API from outside (regel.h only): records a
 * host builds, shared data, contexts and results, messages on demand,
 * precompiled programs in memory, and the limits, each of which fails one
 * evaluation and leaves the next ones alone.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "regel.h"

#define POLICY                                                                                       \
    "enum Niva = lag as \"låg\" | hog as \"hög\"\n"                                                \
    "record Omrade {\n    namn: Text\n    faktor: Int\n}\n"                                          \
    "record Specialist {\n    grad: Decimal\n    allman: Bool\n}\n"                                  \
    "record Centrum {\n"                                                                             \
    "    id: Text\n    omrade: Text\n    listade: Int\n    niva: Niva\n    start: Date?\n"           \
    "    specialister: List<Specialist>\n    taggar: Set<Text>\n}\n"                                 \
    "source omraden: Omrade from jsonl \"omraden.jsonl\" key namn\n"                                 \
    "source centrum: Centrum from jsonl \"centrum.jsonl\" key id\n"                                  \
    "const NUMS = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]\n"         \
    "fn f1(x: Int) -> Int = f2(x) + 1\n"                                                             \
    "fn f2(x: Int) -> Int = f3(x) + 1\n"                                                             \
    "fn f3(x: Int) -> Int = x + count(omraden)\n"                                                    \
    "fn omradets_faktor(vc: Centrum) -> Int = omraden[vc.omrade]?.faktor ?? 1\n"                    \
    "decision bedomning for vc in centrum key vc.id {\n"                                             \
    "    outcome ja | nej\n"                                                                         \
    "    let s = vc.specialister where .allman\n"                                                    \
    "    let faktor = omradets_faktor(vc)\n"                                                         \
    "    must A1 count(s) >= 2 else \"{count(s)} specialister\"\n"                                   \
    "    should B1 vc.listade >= 1500 * faktor else \"{vc.listade} listade, krav {1500 * faktor}\"\n" \
    "    must C1 \"x\" in vc.taggar else \"saknar x\"\n"                                             \
    "    field niva = vc.niva\n"                                                                     \
    "    field grad = sum(s, .grad)\n"                                                               \
    "}\n"                                                                                            \
    "decision stora for vc in centrum where .listade > 5000 key vc.id {\n"                         \
    "    outcome ja | nej\n"                                                                         \
    "    must S1 vc.niva == hog else \"låg nivå\"\n"                                                 \
    "}\n"                                                                                            \
    "decision steg for vc in centrum key vc.id {\n"                                                  \
    "    outcome ja | nej\n"                                                                         \
    "    must S1 count(map(NUMS, a => count(map(NUMS, b => a * b > vc.listade)))) > 0 else \"nej\"\n" \
    "}\n"                                                                                            \
    "decision minne for vc in centrum key vc.id {\n"                                                 \
    "    outcome ja | nej\n"                                                                         \
    "    let t = map(NUMS, a => map(NUMS, b => \"{vc.id} {a} {b} och lite mer text\"))\n"           \
    "    must M1 count(t) > 0 else \"nej\"\n"                                                        \
    "}\n"                                                                                            \
    "decision skur for vc in centrum key vc.id {\n"                                                  \
    "    outcome ja | nej\n"                                                                         \
    "    let a1 = NUMS + NUMS\n    let a2 = a1 + a1\n    let a3 = a2 + a2\n    let a4 = a3 + a3\n"    \
    "    let a5 = a4 + a4\n    let a6 = a5 + a5\n    let a7 = a6 + a6\n    let a8 = a7 + a7\n"        \
    "    let a9 = a8 + a8\n    let a10 = a9 + a9\n    let a11 = a10 + a10\n    let a12 = a11 + a11\n" \
    "    let a13 = a12 + a12\n    let a14 = a13 + a13\n    let a15 = a14 + a14\n"                     \
    "    let a16 = a15 + a15\n    let a17 = a16 + a16\n    let a18 = a17 + a17\n"                     \
    "    must M1 count(a18) > 0 else \"nej\"\n"                                                      \
    "}\n"                                                                                            \
    "decision djup for vc in centrum key vc.id {\n"                                                  \
    "    outcome ja | nej\n"                                                                         \
    "    must D1 f1(vc.listade) > 0 else \"nej\"\n"                                                  \
    "}\n"

static char diagnostics[4096];

static void on_diag(void *ctx, const regel_diagnostic *d)
{
    (void)ctx;
    size_t n = strlen(diagnostics);
    snprintf(diagnostics + n, sizeof diagnostics - n, "%s", d->text);
}

static regel_program *program(void)
{
    regel_program *p;
    diagnostics[0] = '\0';
    regel_status st = regel_compile_string("test.regel", POLICY, strlen(POLICY), on_diag, NULL, &p);
    cr_assert_eq(st, REGEL_OK, "%s", diagnostics);
    return p;
}

typedef struct Slots {
    int centrum, specialist, id, omrade, listade, niva, start, specialister, taggar, grad, allman;
} Slots;

static Slots slots(const regel_program *p)
{
    Slots s;
    s.centrum = regel_source_record_type(p, "centrum");
    s.specialist = regel_record_type(p, "Specialist");
    cr_assert(s.centrum >= 0 && s.specialist >= 0);
    cr_expect_eq(regel_record_type(p, "Centrum"), s.centrum);
    s.id = regel_field_slot(p, s.centrum, "id");
    s.omrade = regel_field_slot(p, s.centrum, "omrade");
    s.listade = regel_field_slot(p, s.centrum, "listade");
    s.niva = regel_field_slot(p, s.centrum, "niva");
    s.start = regel_field_slot(p, s.centrum, "start");
    s.specialister = regel_field_slot(p, s.centrum, "specialister");
    s.taggar = regel_field_slot(p, s.centrum, "taggar");
    s.grad = regel_field_slot(p, s.specialist, "grad");
    s.allman = regel_field_slot(p, s.specialist, "allman");
    cr_assert(s.id >= 0 && s.taggar >= 0 && s.grad >= 0 && s.allman >= 0);
    return s;
}

/* A centre with n specialists in general practice of 50 % each. */
static regel_record *centre(const regel_program *p, const Slots *s, const char *id, long long listade, int n)
{
    regel_record *r, *sp;
    cr_assert_eq(regel_record_new(p, s->centrum, &r), REGEL_OK);
    cr_assert_eq(regel_record_new(p, s->specialist, &sp), REGEL_OK);
    cr_assert_eq(regel_record_set_text(r, s->id, id, strlen(id)), REGEL_OK);
    cr_assert_eq(regel_record_set_text(r, s->omrade, "Göteborg", strlen("Göteborg")), REGEL_OK);
    cr_assert_eq(regel_record_set_int(r, s->listade, listade), REGEL_OK);
    cr_assert_eq(regel_record_set_enum(r, s->niva, "hög"), REGEL_OK, "%s", regel_record_error(r));
    cr_assert_eq(regel_record_append_text(r, s->taggar, "x", 1), REGEL_OK);
    cr_assert_eq(regel_record_append_text(r, s->taggar, "x", 1), REGEL_OK);
    for (int i = 0; i < n; i++) {
        cr_assert_eq(regel_record_set_decimal(sp, s->grad, 50, 0), REGEL_OK);
        cr_assert_eq(regel_record_set_bool(sp, s->allman, 1), REGEL_OK);
        cr_assert_eq(regel_record_append_record(r, s->specialister, sp), REGEL_OK, "%s", regel_record_error(r));
    }
    regel_record_free(sp);
    return r;
}

static regel_context *context(const regel_program *p, const regel_data *d)
{
    regel_context_options o;
    regel_context_options_init(&o);
    o.today = "2026-11-22";
    o.data = d;
    regel_context *c;
    cr_assert_eq(regel_context_new(p, &o, &c), REGEL_OK);
    return c;
}

/* Shared data with one area, Göteborg, of factor 4; its record in *area. */
static regel_data *goteborg(const regel_program *p, regel_record **area)
{
    regel_data *d;
    cr_assert_eq(regel_data_new(p, &d), REGEL_OK);
    regel_record *o;
    cr_assert_eq(regel_record_new(p, regel_record_type(p, "Omrade"), &o), REGEL_OK);
    regel_record_set_text(o, regel_record_slot(o, "namn"), "Göteborg", strlen("Göteborg"));
    regel_record_set_int(o, regel_record_slot(o, "faktor"), 4);
    cr_assert_eq(regel_data_add(d, "omraden", o), REGEL_OK);
    *area = o;
    return d;
}

Test(embed, decide_a_record_built_in_memory)
{
    regel_program *p = program();
    Slots s = slots(p);
    regel_record *o;
    regel_data *d = goteborg(p, &o);
    regel_context *c = context(p, d);
    cr_expect_eq(regel_data_add(d, "omraden", o), REGEL_ERR_USAGE, "the data is frozen once a context uses it");
    regel_record_free(o);

    int bedomning = regel_decision_index(p, "bedomning");
    cr_assert_geq(bedomning, 0);
    cr_expect_eq(regel_decision_word_count(p, bedomning), 2);
    cr_expect_str_eq(regel_decision_word(p, bedomning, 1), "nej");
    cr_expect_eq(regel_decision_field_count(p, bedomning), 2);
    cr_expect_str_eq(regel_decision_field_name(p, bedomning, 1), "grad");

    regel_record *vc = centre(p, &s, "VC1", 5000, 1);
    const regel_result *r;
    cr_assert_eq(regel_decide(c, bedomning, vc, &r), REGEL_OK, "%s", regel_context_error(c));
    cr_expect_eq(r->skipped, 0);
    cr_expect_eq(r->outcome, 1);
    cr_expect_str_eq(r->outcome_word, "nej");
    cr_expect_eq(r->passed, 0);
    cr_expect_str_eq(r->key, "VC1");
    cr_expect_eq(r->key_len, 3);
    cr_assert_eq(r->nreasons, 2);
    cr_expect_str_eq(r->refs[0], "A1");
    cr_expect_eq(r->severities[0], REGEL_SEVERITY_MUST);
    cr_expect_str_eq(r->refs[1], "B1");
    cr_expect_eq(r->severities[1], REGEL_SEVERITY_SHOULD);
    const char *text;
    size_t len;
    cr_assert_eq(regel_result_message(c, 1, &text, &len), REGEL_OK);
    cr_expect_str_eq(text, "5 000 listade, krav 6 000");
    cr_expect_eq(len, strlen(text));
    cr_assert_eq(regel_result_message(c, 0, &text, NULL), REGEL_OK);
    cr_expect_str_eq(text, "1 specialister");
    cr_expect_eq(regel_result_message(c, 2, &text, NULL), REGEL_ERR_USAGE);
    cr_assert_eq(regel_result_field(c, 0, 0, &text, NULL), REGEL_OK);
    cr_expect_str_eq(text, "hög");
    cr_assert_eq(regel_result_field(c, 0, 1, &text, NULL), REGEL_OK);
    cr_expect_str_eq(text, "\"hog\"");
    cr_assert_eq(regel_result_field(c, 1, 1, &text, NULL), REGEL_OK);
    cr_expect_str_eq(text, "\"50\"");
    cr_assert_eq(regel_result_json(c, &text, &len), REGEL_OK);
    cr_expect_str_eq(text, "{\"decision\":\"bedomning\",\"id\":\"VC1\",\"outcome\":\"nej\",\"reasons\":["
                           "{\"ref\":\"A1\",\"severity\":\"must\",\"message\":\"1 specialister\"},"
                           "{\"ref\":\"B1\",\"severity\":\"should\",\"message\":\"5 000 listade, krav 6 000\"}],"
                           "\"niva\":\"hog\",\"grad\":\"50\"}");

    regel_record *ok = centre(p, &s, "VC2", 9000, 3);
    cr_assert_eq(regel_decide(c, bedomning, ok, &r), REGEL_OK, "%s", regel_context_error(c));
    cr_expect_str_eq(r->outcome_word, "ja");
    cr_expect_eq(r->nreasons, 0);
    cr_expect_eq(r->passed, 1);

    int stora = regel_decision_index(p, "stora");
    cr_assert_eq(regel_decide(c, stora, vc, &r), REGEL_OK);
    cr_expect_eq(r->skipped, 1, "the decision's where leaves small centres out");
    cr_expect_eq(r->outcome, -1);
    cr_assert_eq(regel_result_json(c, &text, &len), REGEL_OK);
    cr_expect_null(text);

    regel_record_free(vc);
    regel_record_free(ok);
    regel_context_free(c);
    regel_data_free(d);
    regel_program_free(p);
}

Test(embed, setters_check_the_fields)
{
    regel_program *p = program();
    Slots s = slots(p);
    regel_record *r;
    cr_assert_eq(regel_record_new(p, s.centrum, &r), REGEL_OK);
    cr_expect_eq(regel_record_set_text(r, s.listade, "6 230", 5), REGEL_ERR_USAGE);
    cr_expect_str_eq(regel_record_error(r), "field 'listade' of Centrum: it is Int, not a Text");
    cr_expect_eq(regel_record_set_enum(r, s.niva, "mellan"), REGEL_ERR_USAGE);
    cr_expect(strstr(regel_record_error(r), "'mellan' is not a word of Niva"), "%s", regel_record_error(r));
    cr_expect_eq(regel_record_set_enum(r, s.niva, "hog"), REGEL_OK, "the word as policies write it");
    cr_expect_eq(regel_record_set_none(r, s.listade), REGEL_ERR_USAGE);
    cr_expect(strstr(regel_record_error(r), "never none"), "%s", regel_record_error(r));
    cr_expect_eq(regel_record_set_none(r, s.start), REGEL_OK, "an optional field takes none");
    cr_expect_eq(regel_record_set_date(r, s.start, 2026, 2, 30), REGEL_ERR_USAGE);
    cr_expect_eq(regel_record_set_date(r, s.start, 2026, 2, 28), REGEL_OK);
    cr_expect_eq(regel_record_set_text(r, s.id, "\xff", 1), REGEL_ERR_USAGE);
    cr_expect(strstr(regel_record_error(r), "UTF-8"), "%s", regel_record_error(r));
    cr_expect_eq(regel_record_set_int(r, 99, 1), REGEL_ERR_USAGE);
    cr_expect_eq(regel_record_set_int(r, regel_record_slot(r, "no_such_field"), 1), REGEL_ERR_USAGE);
    cr_expect_eq(regel_record_append_int(r, s.listade, 1), REGEL_ERR_USAGE);
    cr_expect(strstr(regel_record_error(r), "not a list"), "%s", regel_record_error(r));
    regel_record *sp;
    cr_assert_eq(regel_record_new(p, s.specialist, &sp), REGEL_OK);
    cr_expect_eq(regel_record_set_decimal(sp, s.grad, 1, 19), REGEL_ERR_USAGE, "scale at most 18");
    cr_expect_eq(regel_record_append_record(r, s.specialister, sp), REGEL_ERR_USAGE);
    cr_expect(strstr(regel_record_error(r), "fields without a value"), "%s", regel_record_error(r));
    cr_expect_eq(regel_record_append_record(r, s.taggar, sp), REGEL_ERR_USAGE);

    /* A record that still lacks required fields is not decided. */
    regel_context *c = context(p, NULL);
    const regel_result *res;
    cr_expect_eq(regel_decide(c, regel_decision_index(p, "bedomning"), r, &res), REGEL_ERR_USAGE);
    cr_expect(strstr(regel_context_error(c), "without a value"), "%s", regel_context_error(c));
    cr_expect_eq(regel_decide(c, regel_decision_index(p, "bedomning"), sp, &res), REGEL_ERR_USAGE);
    cr_expect(strstr(regel_context_error(c), "not of the type"), "%s", regel_context_error(c));
    cr_expect_eq(regel_decide(c, 99, r, &res), REGEL_ERR_USAGE);
    regel_record_free(sp);
    regel_record_free(r);
    regel_context_free(c);
    regel_program_free(p);
}

Test(embed, text_is_cleaned_and_copied)
{
    regel_program *p = program();
    Slots s = slots(p);
    regel_record *vc = centre(p, &s, "VC1", 9000, 3);
    char id[] = "  VC9 \t";
    cr_assert_eq(regel_record_set_text(vc, s.id, id, strlen(id)), REGEL_OK);
    memset(id, 'x', sizeof id - 1);
    regel_context *c = context(p, NULL);
    const regel_result *r;
    cr_assert_eq(regel_decide(c, regel_decision_index(p, "bedomning"), vc, &r), REGEL_OK);
    cr_expect_str_eq(r->key, "VC9");
    regel_record_clear(vc);
    cr_expect_eq(regel_decide(c, regel_decision_index(p, "bedomning"), vc, &r), REGEL_ERR_USAGE,
                 "a cleared record lacks its values again");
    regel_record_free(vc);
    regel_context_free(c);
    regel_program_free(p);
}

/* A function that reads the data is remembered by its arguments, a record
 * by identity: a host that changes a record between two decisions must
 * get the decision of the record as it is now. */
Test(embed, a_changed_record_is_decided_anew)
{
    regel_program *p = program();
    Slots s = slots(p);
    regel_record *o;
    regel_data *d = goteborg(p, &o);
    regel_record_free(o);
    regel_context *c = context(p, d);
    int bedomning = regel_decision_index(p, "bedomning");
    regel_record *vc = centre(p, &s, "VC1", 5000, 3);
    const regel_result *r;
    for (int round = 0; round < 2; round++) {
        regel_record_set_text(vc, s.omrade, "Göteborg", strlen("Göteborg"));
        cr_assert_eq(regel_decide(c, bedomning, vc, &r), REGEL_OK, "%s", regel_context_error(c));
        cr_expect_eq(r->nreasons, 1, "Göteborg's factor 4 asks for 6 000 listed");
        regel_record_set_text(vc, s.omrade, "Borås", strlen("Borås"));
        cr_assert_eq(regel_decide(c, bedomning, vc, &r), REGEL_OK, "%s", regel_context_error(c));
        cr_expect_eq(r->nreasons, 0, "Borås has no factor, so 1 500 are enough");
        const char *json;
        cr_assert_eq(regel_result_json(c, &json, NULL), REGEL_OK);
        cr_expect(strstr(json, "\"reasons\":[]"), "%s", json);
    }
    regel_record_free(vc);
    regel_context_free(c);
    regel_data_free(d);
    regel_program_free(p);
}

/* The limit tests: each limit fails the one evaluation that goes past it,
 * with REGEL_ERR_LIMIT and where in the policy; the next evaluations on
 * the same context go on as before. */
static void limited(const char *decision, regel_limits l, const char *phrase)
{
    regel_program *p = program();
    Slots s = slots(p);
    regel_context *c = context(p, NULL);
    regel_context_set_limits(c, &l);
    regel_record *vc = centre(p, &s, "VC1", 100000, 3);
    const regel_result *r;
    regel_status st = regel_decide(c, regel_decision_index(p, decision), vc, &r);
    cr_assert_eq(st, REGEL_ERR_LIMIT, "%s gave %d (%s)", decision, st, regel_context_error(c));
    cr_expect(strstr(regel_context_error(c), phrase), "%s", regel_context_error(c));
    cr_expect_eq(strncmp(regel_context_error(c), "test.regel:", 11), 0, "%s", regel_context_error(c));
    cr_expect_null(r);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(regel_decide(c, regel_decision_index(p, "bedomning"), vc, &r), REGEL_OK, "%s",
                     regel_context_error(c));
        cr_expect_str_eq(r->outcome_word, "ja");
    }
    regel_limits defaults = regel_default_limits();
    regel_context_set_limits(c, &defaults);
    cr_expect_eq(regel_decide(c, regel_decision_index(p, decision), vc, &r), REGEL_OK, "%s",
                 regel_context_error(c));
    regel_record_free(vc);
    regel_context_free(c);
    regel_program_free(p);
}

Test(embed, step_limit)
{
    regel_limits l = regel_default_limits();
    l.max_steps = 1000;
    limited("steg", l, "more steps than its limit allows");
}

Test(embed, memory_limit)
{
    regel_limits l = regel_default_limits();
    l.max_memory = 16 * 1024;
    limited("minne", l, "more memory than its limit allows");
}

/* Eighteen doublings of a list take 20 × 2^18 values (80 MB) in a few
 * dozen instructions, between two checks of the limit: the allocator's
 * cap stops them. */
Test(embed, memory_limit_stops_a_burst)
{
    regel_limits l = regel_default_limits();
    l.max_memory = 1024 * 1024;
    limited("skur", l, "more memory than its limit allows");
}

Test(embed, depth_limit)
{
    regel_limits l = regel_default_limits();
    l.max_depth = 2;
    limited("djup", l, "too deeply");
}

Test(embed, precompiled_in_memory)
{
    regel_program *p = program();
    unsigned char pk[REGEL_PUBLIC_KEY_BYTES], sk[REGEL_SECRET_KEY_BYTES], other[REGEL_PUBLIC_KEY_BYTES],
        other_sk[REGEL_SECRET_KEY_BYTES];
    cr_assert_eq(regel_keygen(pk, sk), REGEL_OK);
    cr_assert_eq(regel_keygen(other, other_sk), REGEL_OK);
    unsigned char *data;
    size_t len;
    cr_assert_eq(regel_program_save_buffer(p, sk, &data, &len, on_diag, NULL), REGEL_OK);
    regel_program *q;
    cr_assert_eq(regel_program_load_buffer("x.rgc", data, len, pk, on_diag, NULL, &q), REGEL_OK, "%s", diagnostics);
    cr_expect_eq(regel_program_is_signed(q), 1);
    cr_expect_str_eq(regel_program_version(q), regel_program_version(p));
    cr_expect_eq(regel_program_is_signed(p), 0);

    Slots s = slots(q);
    regel_context *c = context(q, NULL);
    regel_record *vc = centre(q, &s, "VC1", 5000, 1);
    const regel_result *r;
    cr_assert_eq(regel_decide(c, regel_decision_index(q, "bedomning"), vc, &r), REGEL_OK);
    const char *text;
    cr_assert_eq(r->nreasons, 1, "without the area's factor, only A1 fails");
    cr_assert_eq(regel_result_message(c, 0, &text, NULL), REGEL_OK);
    cr_expect_str_eq(text, "1 specialister");
    regel_record_free(vc);
    regel_context_free(c);
    regel_program_free(q);

    diagnostics[0] = '\0';
    cr_expect_eq(regel_program_load_buffer("x.rgc", data, len, other, on_diag, NULL, &q), REGEL_ERR_SIGNATURE);
    cr_expect(strstr(diagnostics, "x.rgc: error: its signature does not match"), "%s", diagnostics);
    cr_expect_null(q);
    data[len / 2] ^= 1;
    diagnostics[0] = '\0';
    cr_expect_eq(regel_program_load_buffer("x.rgc", data, len, NULL, on_diag, NULL, &q), REGEL_ERR_IMAGE);
    cr_expect(strstr(diagnostics, "checksum does not match"), "%s", diagnostics);
    regel_free(data);

    regel_program *missing;
    cr_expect_eq(regel_program_load("/nonexistent/x.rgc", NULL, on_diag, NULL, &missing), REGEL_ERR_IMAGE);
    regel_program_free(p);
}

Test(embed, data_from_a_folder)
{
    regel_program *p = program();
    char dir[] = "/tmp/regel-embed-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[128];
    snprintf(path, sizeof path, "%s/omraden.jsonl", dir);
    FILE *f = fopen(path, "w");
    fputs("{\"namn\":\"Göteborg\",\"faktor\":10}\n", f);
    fclose(f);
    regel_data *d;
    cr_assert_eq(regel_data_new(p, &d), REGEL_OK);
    cr_assert_eq(regel_data_load(d, dir, NULL, NULL), REGEL_OK);
    Slots s = slots(p);
    regel_context *c = context(p, d);
    regel_record *vc = centre(p, &s, "VC1", 9000, 3);
    const regel_result *r;
    cr_assert_eq(regel_decide(c, regel_decision_index(p, "bedomning"), vc, &r), REGEL_OK);
    cr_assert_eq(r->nreasons, 1);
    const char *text;
    cr_assert_eq(regel_result_message(c, 0, &text, NULL), REGEL_OK);
    cr_expect_str_eq(text, "9 000 listade, krav 15 000");
    regel_record_free(vc);
    regel_context_free(c);
    regel_data_free(d);
    unlink(path);
    rmdir(dir);
    regel_program_free(p);
}

/* ---------------------------------------------------------------- every kind of field, and misuse */

/* A record with a field of every kind a host can set or append to. */
#define KINDS                                                                                        \
    "enum Niva = lag as \"låg\" | hog from \"HÖG\"\n"                                              \
    "record Chef {\n    namn: Text\n}\n"                                                             \
    "record Alla {\n"                                                                                \
    "    id: Text\n    chef: Chef?\n    ledare: Chef?\n    flaggor: List<Bool>\n"                       \
    "    grader: List<Decimal>\n    datum: Set<Date>\n    nivaer: List<Niva>\n    tal: List<Int>\n}\n" \
    "source alla: Alla from jsonl \"alla.jsonl\" key id\n"                                           \
    "source chefer: Chef from jsonl \"chefer.jsonl\" key namn\n"                                     \
    "decision k for a in alla {\n"                                                                   \
    "    outcome ja | nej\n"                                                                         \
    "    must K1 a.chef?.namn == \"Åsa\" else \"chef\"\n"                                             \
    "    must K2 all(a.flaggor) and sum(a.grader) > 1 and count(a.datum) == 2 else \"listor\"\n"   \
    "    must K3 hog in a.nivaer and chefer[\"Åsa\"] != none else \"nivå\"\n"                         \
    "    field antal = count(a.tal)\n"                                                               \
    "}\n"

Test(embed, every_kind_of_field_is_set_and_appended)
{
    regel_program *p;
    cr_assert_eq(regel_compile_string("alla.regel", KINDS, strlen(KINDS), on_diag, NULL, &p), REGEL_OK, "%s",
                 diagnostics);
    int alla = regel_source_record_type(p, "alla"), chef = regel_record_type(p, "Chef");
    cr_assert(alla >= 0 && chef >= 0);
    regel_record *a, *c;
    cr_assert_eq(regel_record_new(p, alla, &a), REGEL_OK);
    cr_assert_eq(regel_record_new(p, chef, &c), REGEL_OK);
    cr_assert_eq(regel_record_set_text(c, regel_record_slot(c, "namn"), "Åsa", strlen("Åsa")), REGEL_OK);
    cr_expect_eq(regel_record_set_text(a, regel_record_slot(a, "id"), "A1", 2), REGEL_OK);
    cr_expect_eq(regel_record_set_record(a, regel_record_slot(a, "chef"), c), REGEL_OK, "%s", regel_record_error(a));
    cr_expect_eq(regel_record_append_bool(a, regel_record_slot(a, "flaggor"), 1), REGEL_OK);
    cr_expect_eq(regel_record_append_decimal(a, regel_record_slot(a, "grader"), 125, 2), REGEL_OK);
    cr_expect_eq(regel_record_append_date(a, regel_record_slot(a, "datum"), 2026, 1, 1), REGEL_OK);
    cr_expect_eq(regel_record_append_date(a, regel_record_slot(a, "datum"), 2026, 1, 1), REGEL_OK, "a set keeps one");
    cr_expect_eq(regel_record_append_date(a, regel_record_slot(a, "datum"), 2026, 2, 1), REGEL_OK);
    /* An enum word as the policy writes it, as exports spell it, as text shows it. */
    cr_expect_eq(regel_record_append_enum(a, regel_record_slot(a, "nivaer"), "hog"), REGEL_OK);
    cr_expect_eq(regel_record_append_enum(a, regel_record_slot(a, "nivaer"), "HÖG"), REGEL_OK);
    cr_expect_eq(regel_record_append_enum(a, regel_record_slot(a, "nivaer"), "låg"), REGEL_OK, "%s",
                 regel_record_error(a));
    cr_expect_eq(regel_record_append_int(a, regel_record_slot(a, "tal"), 7), REGEL_OK);

    regel_data *d;
    cr_assert_eq(regel_data_new(p, &d), REGEL_OK);
    cr_expect_eq(regel_data_add(d, "chefer", c), REGEL_OK);
    regel_context_options o;
    regel_context_options_init(&o);
    o.data = d;
    regel_context *ctx;
    cr_assert_eq(regel_context_new(p, &o, &ctx), REGEL_OK);
    const regel_result *r;
    cr_assert_eq(regel_decide(ctx, regel_decision_index(p, "k"), a, &r), REGEL_OK, "%s", regel_context_error(ctx));
    cr_expect_str_eq(r->outcome_word, "ja");
    const char *json;
    cr_assert_eq(regel_result_json(ctx, &json, NULL), REGEL_OK);
    cr_expect_str_eq(json, "{\"decision\":\"k\",\"id\":\"A1\",\"outcome\":\"ja\",\"reasons\":[],\"antal\":1}");
    regel_context_free(ctx);
    regel_data_free(d);
    regel_record_free(c);
    regel_record_free(a);
    regel_program_free(p);
}

static void keep_report(void *ctx, const char *line)
{
    snprintf(ctx, 256, "%s", line);
}

Test(embed, misuse_is_refused_with_a_reason)
{
    regel_program *p;
    cr_assert_eq(regel_compile_string("alla.regel", KINDS, strlen(KINDS), on_diag, NULL, &p), REGEL_OK, "%s",
                 diagnostics);
    regel_program *other = program();
    int alla = regel_source_record_type(p, "alla"), chef = regel_record_type(p, "Chef");
    regel_record *a, *c, *foreign;
    cr_assert_eq(regel_record_new(p, alla, &a), REGEL_OK);
    cr_assert_eq(regel_record_new(p, chef, &c), REGEL_OK);
    cr_assert_eq(regel_record_new(other, regel_record_type(other, "Omrade"), &foreign), REGEL_OK);

    /* Names that are not there. */
    cr_expect_eq(regel_record_type(p, "Ingen"), -1);
    cr_expect_eq(regel_record_type(NULL, "Chef"), -1);
    cr_expect_eq(regel_source_record_type(p, "ingen"), -1);
    cr_expect_eq(regel_source_record_type(p, NULL), -1);
    cr_expect_eq(regel_field_slot(p, 99, "namn"), -1);
    cr_expect_eq(regel_field_slot(p, chef, NULL), -1);
    cr_expect_eq(regel_record_new(p, 99, &c), REGEL_ERR_USAGE);

    /* Values that do not fit, each with its reason. */
    cr_expect_eq(regel_record_set_record(a, regel_record_slot(a, "chef"), NULL), REGEL_ERR_USAGE);
    cr_expect_str_eq(regel_record_error(a), "the record is NULL");
    cr_expect_eq(regel_record_set_record(a, regel_record_slot(a, "chef"), a), REGEL_ERR_USAGE);
    cr_expect(strstr(regel_record_error(a), "the record is a Alla, not a Chef"), "%s", regel_record_error(a));
    cr_expect_eq(regel_record_set_enum(a, regel_record_slot(a, "nivaer"), NULL), REGEL_ERR_USAGE);
    cr_expect_str_eq(regel_record_error(a), "the word is NULL");
    cr_expect_eq(regel_record_append_enum(a, regel_record_slot(a, "nivaer"), NULL), REGEL_ERR_USAGE);
    cr_expect_str_eq(regel_record_error(a), "the word is NULL");
    cr_expect_eq(regel_record_append_record(a, regel_record_slot(a, "chef"), NULL), REGEL_ERR_USAGE);
    cr_expect_str_eq(regel_record_error(a), "the record is NULL");
    cr_expect_eq(regel_record_set_text(a, regel_record_slot(a, "id"), NULL, 3), REGEL_ERR_USAGE);
    cr_expect_str_eq(regel_record_error(a), "the text is NULL");
    cr_expect_eq(regel_record_set_text(a, regel_record_slot(a, "id"), NULL, 0), REGEL_OK, "no bytes: empty text");
    cr_expect_eq(regel_record_append_bool(a, regel_record_slot(a, "tal"), 1), REGEL_ERR_USAGE);
    cr_expect_eq(regel_record_append_decimal(a, regel_record_slot(a, "grader"), 1, 19), REGEL_ERR_USAGE);
    cr_expect_eq(regel_record_append_date(a, regel_record_slot(a, "datum"), 2026, 13, 1), REGEL_ERR_USAGE);
    cr_expect_eq(regel_record_append_enum(a, regel_record_slot(a, "nivaer"), "mellan"), REGEL_ERR_USAGE);
    cr_expect_eq(regel_record_set_none(a, regel_record_slot(a, "tal")), REGEL_ERR_USAGE);
    /* Handles that are not there. */
    cr_expect_eq(regel_record_set_int(NULL, 0, 1), REGEL_ERR_USAGE);
    cr_expect_eq(regel_record_set_text(NULL, 0, "x", 1), REGEL_ERR_USAGE);
    cr_expect_null(regel_record_error(NULL));
    cr_expect_eq(regel_record_slot(NULL, "id"), -1);
    regel_record_clear(NULL);
    regel_record_free(NULL);

    /* Data: a source that is not there, a record of another type, another
     * program's record; and no loading once a context uses it. */
    regel_data *d;
    cr_assert_eq(regel_data_new(p, &d), REGEL_OK);
    cr_expect_eq(regel_data_new(NULL, &d), REGEL_ERR_USAGE);
    cr_assert_eq(regel_data_new(p, &d), REGEL_OK);
    cr_expect_eq(regel_data_add(d, "ingen", c), REGEL_ERR_USAGE);
    cr_expect_eq(regel_data_add(d, "alla", c), REGEL_ERR_USAGE);
    cr_expect_eq(regel_data_add(d, "chefer", foreign), REGEL_ERR_USAGE);
    cr_expect_eq(regel_data_add(NULL, "chefer", c), REGEL_ERR_USAGE);
    cr_expect_eq(regel_data_load(NULL, "/tmp", NULL, NULL), REGEL_ERR_USAGE);

    /* Contexts: a today that is not a date, data of another program. */
    regel_context_options o;
    regel_context_options_init(&o);
    regel_context *ctx;
    o.today = "2026-02-30";
    cr_expect_eq(regel_context_new(p, &o, &ctx), REGEL_ERR_USAGE);
    regel_data *theirs;
    cr_assert_eq(regel_data_new(other, &theirs), REGEL_OK);
    o.today = NULL;
    o.data = theirs;
    cr_expect_eq(regel_context_new(p, &o, &ctx), REGEL_ERR_USAGE);
    cr_expect_eq(regel_context_new(NULL, &o, &ctx), REGEL_ERR_USAGE);
    o.data = d;
    cr_assert_eq(regel_context_new(p, &o, &ctx), REGEL_OK);
    char reports[256] = "";
    cr_expect_eq(regel_data_load(d, "/tmp", keep_report, reports), REGEL_ERR_USAGE);
    cr_expect_str_eq(reports, "the data is in use by a context: load it before making contexts");

    /* Results before a decision, a record that is not there, fields and
     * messages that are not there. */
    const char *text;
    cr_expect_eq(regel_result_message(ctx, 0, &text, NULL), REGEL_ERR_USAGE);
    cr_expect_str_eq(regel_context_error(ctx), "there is no result: regel_decide did not succeed");
    cr_expect_eq(regel_result_field(ctx, 0, 0, &text, NULL), REGEL_ERR_USAGE);
    cr_expect_str_eq(regel_context_error(ctx), "there is no result: regel_decide did not succeed");
    const regel_result *r;
    int k = regel_decision_index(p, "k");
    cr_expect_eq(regel_decide(ctx, k, NULL, &r), REGEL_ERR_USAGE);
    cr_expect_str_eq(regel_context_error(ctx), "the record is NULL");
    cr_expect_eq(regel_decide(NULL, k, a, &r), REGEL_ERR_USAGE);
    cr_assert_eq(regel_record_set_text(a, regel_record_slot(a, "id"), "A2", 2), REGEL_OK);
    cr_assert_eq(regel_decide(ctx, k, a, &r), REGEL_OK, "%s", regel_context_error(ctx));
    cr_expect_str_eq(r->outcome_word, "nej");
    cr_expect_eq(regel_result_field(ctx, 1, 0, &text, NULL), REGEL_ERR_USAGE);
    cr_expect_str_eq(regel_context_error(ctx), "the decision has no output field with that number");
    cr_expect_eq(regel_result_message(NULL, 0, &text, NULL), REGEL_ERR_USAGE);
    cr_expect_eq(regel_result_field(NULL, 0, 0, &text, NULL), REGEL_ERR_USAGE);
    cr_expect_eq(regel_result_json(NULL, &text, NULL), REGEL_ERR_USAGE);
    cr_expect_null(regel_context_error(NULL));
    regel_context_set_limits(NULL, NULL);
    regel_context_set_limits(ctx, NULL);

    regel_context_free(ctx);
    regel_data_free(d);
    regel_data_free(theirs);
    regel_record_free(foreign);
    regel_record_free(c);
    regel_record_free(a);
    regel_program_free(other);
    regel_program_free(p);
}

Test(embed, saving_loading_and_keys_refuse_what_they_cannot_do)
{
    regel_program *p = program();
    unsigned char pk[REGEL_PUBLIC_KEY_BYTES], sk[REGEL_SECRET_KEY_BYTES], key[REGEL_SECRET_KEY_BYTES];
    cr_assert_eq(regel_keygen(pk, sk), REGEL_OK);
    /* Files that cannot be written or read, each named in the message. */
    diagnostics[0] = '\0';
    cr_expect_eq(regel_program_save(p, "/nonexistent/x.rgc", NULL, on_diag, NULL), REGEL_ERR_OUTPUT);
    cr_expect(strstr(diagnostics, "/nonexistent/x.rgc: error: cannot write the file: No such file or directory"),
              "%s", diagnostics);
    diagnostics[0] = '\0';
    cr_expect_eq(regel_key_write("/nonexistent/k.pub", pk, 0, on_diag, NULL), REGEL_ERR_OUTPUT);
    cr_expect(strstr(diagnostics, "/nonexistent/k.pub: error: cannot write the key: No such file or directory"), "%s",
              diagnostics);
    diagnostics[0] = '\0';
    cr_expect_eq(regel_key_read("/nonexistent/k.key", 1, key, on_diag, NULL), REGEL_ERR_USAGE);
    cr_expect(strstr(diagnostics, "/nonexistent/k.key"), "%s", diagnostics);
    /* A buffer without a name is called <buffer>. */
    diagnostics[0] = '\0';
    regel_program *q;
    cr_expect_eq(regel_program_load_buffer(NULL, "not a program", 13, NULL, on_diag, NULL, &q), REGEL_ERR_IMAGE);
    cr_expect(strstr(diagnostics, "<buffer>: error: "), "%s", diagnostics);
    /* Host functions counted but not given. */
    unsigned char *data;
    size_t len;
    cr_assert_eq(regel_program_save_buffer(p, NULL, &data, &len, on_diag, NULL), REGEL_OK);
    regel_load_options o;
    regel_load_options_init(&o);
    o.nhosts = 2;
    diagnostics[0] = '\0';
    cr_expect_eq(regel_program_load_buffer_opts("x.rgc", data, len, &o, on_diag, NULL, &q), REGEL_ERR_USAGE);
    cr_expect(strstr(diagnostics, "x.rgc: error: the options give host functions but no table of them"), "%s",
              diagnostics);
    regel_free(data);
    /* Arguments that are not there. */
    cr_expect_eq(regel_program_save(p, NULL, NULL, on_diag, NULL), REGEL_ERR_USAGE);
    cr_expect_eq(regel_program_save(NULL, "x.rgc", NULL, on_diag, NULL), REGEL_ERR_USAGE);
    cr_expect_eq(regel_program_save_buffer(NULL, NULL, &data, &len, on_diag, NULL), REGEL_ERR_USAGE);
    cr_expect_eq(regel_program_load(NULL, NULL, on_diag, NULL, &q), REGEL_ERR_USAGE);
    cr_expect_eq(regel_program_load_buffer("x.rgc", NULL, 10, NULL, on_diag, NULL, &q), REGEL_ERR_USAGE);
    cr_expect_eq(regel_key_write(NULL, pk, 0, on_diag, NULL), REGEL_ERR_USAGE);
    cr_expect_eq(regel_key_read("k.pub", 0, NULL, on_diag, NULL), REGEL_ERR_USAGE);
    cr_expect_null(regel_program_version(NULL));
    cr_expect_eq(regel_program_is_signed(NULL), 0);
    /* Decisions, words and fields that are not there. */
    cr_expect_eq(regel_decision_index(p, NULL), -1);
    cr_expect_eq(regel_decision_index(NULL, "bedomning"), -1);
    cr_expect_eq(regel_decision_index(p, "ingen"), -1);
    cr_expect_eq(regel_decision_word_count(p, -1), 0);
    cr_expect_eq(regel_decision_word_count(p, 99), 0);
    cr_expect_null(regel_decision_word(p, 0, 99));
    cr_expect_eq(regel_decision_field_count(p, 99), 0);
    cr_expect_null(regel_decision_field_name(p, 0, 99));
    regel_program_free(p);
}

Test(embed, many_reasons_json_records_and_a_record_changed_before_its_messages)
{
    const char *text = "record R {\n    id: Text\n    n: Int\n    tal: List<Int>\n}\n"
                       "source rs: R from jsonl \"r.jsonl\" key id\n"
                       "decision d for r in rs {\n    outcome ja | nej\n"
                       "    must A1 for t in r.tal: t > r.n else \"{t} är för litet\"\n"
                       "    field antal = count(r.tal)\n}\n";
    regel_program *p;
    cr_assert_eq(regel_compile_string("r.regel", text, strlen(text), on_diag, NULL, &p), REGEL_OK, "%s", diagnostics);
    regel_context *c = context(p, NULL);
    regel_record *r;
    cr_assert_eq(regel_record_new(p, regel_source_record_type(p, "rs"), &r), REGEL_OK);
    /* A record read from a JSON object, with a list of 40 numbers. */
    char json[512] = "{\"id\":\"A\",\"n\":100,\"tal\":[";
    for (int i = 1; i <= 40; i++)
        snprintf(json + strlen(json), sizeof json - strlen(json), "%s%d", i > 1 ? "," : "", i);
    strcat(json, "]}");
    cr_assert_eq(regel_record_read_json(r, "request", 1, json, strlen(json)), REGEL_OK, "%s", regel_record_error(r));
    const regel_result *res;
    int d = regel_decision_index(p, "d");
    cr_assert_eq(regel_decide(c, d, r, &res), REGEL_OK, "%s", regel_context_error(c));
    cr_expect_eq(res->nreasons, 40, "one reason for each number");
    cr_expect_str_eq(res->refs[39], "A1");
    const char *m;
    cr_assert_eq(regel_result_message(c, 39, &m, NULL), REGEL_OK);
    cr_expect_str_eq(m, "40 är för litet");
    cr_assert_eq(regel_result_field(c, 0, 1, &m, NULL), REGEL_OK);
    cr_expect_str_eq(m, "40");
    /* The record changed between the decision and its messages. */
    cr_assert_eq(regel_decide(c, d, r, &res), REGEL_OK);
    cr_assert_eq(regel_record_set_int(r, regel_record_slot(r, "n"), 0), REGEL_OK);
    cr_expect_eq(regel_result_message(c, 0, &m, NULL), REGEL_ERR_USAGE);
    cr_expect_str_eq(regel_context_error(c), "the record changed after it was decided");
    /* A JSON object that is not one. */
    cr_expect_eq(regel_record_read_json(r, "request", 2, "{\"id\":", 6), REGEL_ERR_DATA);
    cr_expect(strstr(regel_record_error(r), "request:2:"), "%s", regel_record_error(r));
    cr_expect_eq(regel_record_read_json(r, "request", 3, NULL, 4), REGEL_ERR_USAGE);
    cr_expect_eq(regel_record_read_json(NULL, "request", 3, "{}", 2), REGEL_ERR_USAGE);
    regel_record_free(r);
    regel_context_free(c);
    regel_program_free(p);
}
