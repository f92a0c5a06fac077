/*
 * test_host.c — host functions from outside (regel.h only): C functions a
 * host gives with declared types, called by policies like built-ins;
 * failing and misbehaving ones; refused tables; and precompiled programs
 * that bind them when loaded.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regel.h"

#define POLICY                                                                                \
    "record Kurs {\n    kod: Text\n    start: Date\n    pris: Decimal\n}\n"                   \
    "source kurser: Kurs from jsonl \"kurser.jsonl\" key kod\n"                               \
    "decision kurs for k in kurser key k.kod {\n"                                             \
    "    outcome ja | nej\n"                                                                  \
    "    let platser = lediga_platser(k.kod, k.start)\n"                                      \
    "    must P1 (platser ?? 0) > 0 else \"inga platser på {k.kod}\"\n"                       \
    "    must R1 rabatt_ok(k.pris) else \"ingen rabatt\"\n"                                   \
    "    should R2 rabatt_ok(100) else \"aldrig\"\n"                                          \
    "    field platser = platser\n"                                                           \
    "}\n"

static char diagnostics[8192];

static void on_diag(void *ctx, const regel_diagnostic *d)
{
    (void)ctx;
    size_t n = strlen(diagnostics);
    snprintf(diagnostics + n, sizeof diagnostics - n, "%s", d->text);
}

typedef struct Counter {
    int calls;
} Counter;

/* (Text, Date) -> Int?: the day of the month of the start, except for
 * some course codes that make it misbehave. */
static regel_status lediga_platser(void *ctx, regel_host_call *call)
{
    Counter *c = ctx;
    c->calls++;
    cr_expect_eq(regel_host_arg_count(call), 2);
    cr_expect_str_eq(regel_host_name(call), "lediga_platser");
    const char *kod;
    size_t len;
    cr_assert_eq(regel_host_arg_text(call, 0, &kod, &len), REGEL_OK);
    int y, m, d;
    cr_assert_eq(regel_host_arg_date(call, 1, &y, &m, &d), REGEL_OK);
    long long ignored;
    cr_expect_eq(regel_host_arg_int(call, 0, &ignored), REGEL_ERR_USAGE, "a Text argument is not an Int");
    cr_expect_eq(regel_host_arg_text(call, 2, &kod, &len), REGEL_ERR_USAGE, "there is no argument 2");
    cr_expect_eq(regel_host_arg_text(call, 0, &kod, &len), REGEL_OK);
    cr_expect_eq(regel_host_arg_is_none(call, 0), 0);
    if (len == 1 && kod[0] == 'X')
        return regel_host_return_none(call);
    if (len == 3 && memcmp(kod, "FEL", 3) == 0)
        return regel_host_fail(call, "bokningssystemet svarar inte");
    if (len == 3 && memcmp(kod, "TYP", 3) == 0)
        return regel_host_return_text(call, "sju", 3);
    if (len == 5 && memcmp(kod, "INGET", 5) == 0)
        return REGEL_OK;
    if (len == 6 && memcmp(kod, "STATUS", 6) == 0)
        return REGEL_ERR_DATA;
    if (len == 4 && memcmp(kod, "UTF8", 4) == 0)
        return regel_host_return_text(call, "\xff", 1);
    return regel_host_return_int(call, d);
}

/* (Decimal) -> Bool: under 1000. */
static regel_status rabatt_ok(void *ctx, regel_host_call *call)
{
    (void)ctx;
    long long coef;
    unsigned scale;
    cr_assert_eq(regel_host_arg_decimal(call, 0, &coef, &scale), REGEL_OK);
    long long whole = coef;
    for (unsigned i = 0; i < scale; i++)
        whole /= 10;
    return regel_host_return_bool(call, whole < 1000);
}

static Counter counter;

static const regel_host_function hosts[] = {
    {"lediga_platser", "(Text, Date) -> Int?", lediga_platser, &counter},
    {"rabatt_ok", "(Decimal)->Bool", rabatt_ok, NULL},
};

static regel_status compile_with(const char *text, const regel_host_function *table, size_t n, regel_program **p)
{
    diagnostics[0] = '\0';
    regel_compile_options o;
    regel_compile_options_init(&o);
    o.hosts = table;
    o.nhosts = n;
    return regel_compile_string_opts("test.regel", text, strlen(text), &o, on_diag, NULL, p);
}

static regel_program *program(void)
{
    regel_program *p;
    regel_status st = compile_with(POLICY, hosts, 2, &p);
    cr_assert_eq(st, REGEL_OK, "%s", diagnostics);
    return p;
}

typedef struct Decider {
    regel_context *ctx;
    regel_record *r;
    int decision, kod, start, pris;
} Decider;

static Decider decider(const regel_program *p)
{
    Decider d;
    cr_assert_eq(regel_context_new(p, NULL, &d.ctx), REGEL_OK);
    int type = regel_source_record_type(p, "kurser");
    cr_assert_geq(type, 0);
    cr_assert_eq(regel_record_new(p, type, &d.r), REGEL_OK);
    d.decision = regel_decision_index(p, "kurs");
    d.kod = regel_field_slot(p, type, "kod");
    d.start = regel_field_slot(p, type, "start");
    d.pris = regel_field_slot(p, type, "pris");
    return d;
}

static void decider_free(Decider *d)
{
    regel_record_free(d->r);
    regel_context_free(d->ctx);
}

static regel_status decide(Decider *d, const char *kod, int day, long long pris, const regel_result **res)
{
    regel_record_clear(d->r);
    cr_assert_eq(regel_record_set_text(d->r, d->kod, kod, strlen(kod)), REGEL_OK);
    cr_assert_eq(regel_record_set_date(d->r, d->start, 2026, 3, day), REGEL_OK);
    cr_assert_eq(regel_record_set_decimal(d->r, d->pris, pris * 100, 2), REGEL_OK);
    return regel_decide(d->ctx, d->decision, d->r, res);
}

/* Decides kod and checks the outcome, the failed refs and field platser. */
static void expect_decision(const regel_program *p, Decider *d, const char *kod, int day, long long pris,
                            const char *outcome, const char *refs, const char *platser)
{
    (void)p;
    const regel_result *res;
    regel_status st = decide(d, kod, day, pris, &res);
    cr_assert_eq(st, REGEL_OK, "%s: %s", kod, regel_context_error(d->ctx));
    cr_expect_str_eq(res->outcome_word, outcome, "%s", kod);
    char got[64] = "";
    for (size_t i = 0; i < res->nreasons; i++) {
        if (i)
            strcat(got, " ");
        strcat(got, res->refs[i]);
    }
    cr_expect_str_eq(got, refs, "%s", kod);
    const char *value;
    size_t len;
    cr_assert_eq(regel_result_field(d->ctx, 0, 0, &value, &len), REGEL_OK);
    if (platser)
        cr_expect(value && strcmp(value, platser) == 0, "%s: platser %s", kod, value ? value : "none");
    else
        cr_expect_null(value, "%s: platser %s", kod, value);
}

Test(host, two_host_functions_decide)
{
    regel_program *p = program();
    Decider d = decider(p);
    counter.calls = 0;
    expect_decision(p, &d, "A", 7, 500, "ja", "", "7");
    expect_decision(p, &d, "X", 7, 500, "nej", "P1", NULL);
    expect_decision(p, &d, "B", 12, 2500, "nej", "R1", "12");
    cr_expect_geq(counter.calls, 3);
    /* The message of a failed rule, rendered again on demand. */
    const regel_result *res;
    cr_assert_eq(decide(&d, "X", 7, 500, &res), REGEL_OK);
    const char *message;
    cr_assert_eq(regel_result_message(d.ctx, 0, &message, NULL), REGEL_OK, "%s", regel_context_error(d.ctx));
    cr_expect_str_eq(message, "inga platser på X");
    cr_expect_eq(regel_program_host_count(p), 2);
    cr_expect_str_eq(regel_program_host_name(p, 0), "lediga_platser");
    cr_expect_str_eq(regel_program_host_signature(p, 0), "(Text, Date) -> Int?");
    cr_expect_str_eq(regel_program_host_signature(p, 1), "(Decimal) -> Bool");
    cr_expect_null(regel_program_host_name(p, 2));
    char *text = regel_disassemble(p, "kurs");
    cr_assert_not_null(text);
    cr_expect(strstr(text, "HOST") && strstr(text, "lediga_platser(Text, Date) -> Int?"), "%s", text);
    regel_free(text);
    decider_free(&d);
    regel_program_free(p);
}

Test(host, a_failing_host_function_fails_one_evaluation)
{
    regel_program *p = program();
    Decider d = decider(p);
    const regel_result *res;
    cr_expect_eq(decide(&d, "FEL", 7, 500, &res), REGEL_ERR_EVAL);
    const char *why = regel_context_error(d.ctx);
    cr_assert_not_null(why);
    cr_expect(strstr(why, "bokningssystemet svarar inte"), "%s", why);
    cr_expect(strstr(why, "test.regel:9:19: "), "the place of the call: %s", why);
    expect_decision(p, &d, "A", 9, 500, "ja", "", "9");
    decider_free(&d);
    regel_program_free(p);
}

Test(host, a_result_of_the_wrong_type_is_an_error)
{
    regel_program *p = program();
    Decider d = decider(p);
    const regel_result *res;
    static const struct {
        const char *kod, *error;
    } cases[] = {
        {"TYP", "host function lediga_platser returned Text for a declared Int?"},
        {"INGET", "host function lediga_platser returned nothing for a declared Int?"},
        {"STATUS", "host function lediga_platser failed (status 4)"},
        {"UTF8", "host function lediga_platser returned text that is not UTF-8"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cr_expect_eq(decide(&d, cases[i].kod, 7, 500, &res), REGEL_ERR_EVAL, "%s", cases[i].kod);
        const char *why = regel_context_error(d.ctx);
        cr_expect(why && strstr(why, cases[i].error), "%s: %s", cases[i].kod, why ? why : "(none)");
        expect_decision(p, &d, "A", 3, 500, "ja", "", "3");
    }
    decider_free(&d);
    regel_program_free(p);
}

static regel_status returns_none(void *ctx, regel_host_call *call)
{
    (void)ctx;
    return regel_host_return_none(call);
}

Test(host, none_for_a_result_that_is_not_optional)
{
    static const regel_host_function table[] = {
        {"lediga_platser", "(Text, Date) -> Int?", lediga_platser, &counter},
        {"rabatt_ok", "(Decimal) -> Bool", returns_none, NULL},
    };
    regel_program *p;
    cr_assert_eq(compile_with(POLICY, table, 2, &p), REGEL_OK, "%s", diagnostics);
    Decider d = decider(p);
    const regel_result *res;
    cr_expect_eq(decide(&d, "A", 7, 500, &res), REGEL_ERR_EVAL);
    const char *why = regel_context_error(d.ctx);
    cr_expect(why && strstr(why, "host function rabatt_ok returned none for a declared Bool"), "%s", why);
    decider_free(&d);
    regel_program_free(p);
}

/* Compiles text with table and expects status and a diagnostic holding want. */
static void refused(const char *text, const regel_host_function *table, size_t n, regel_status status,
                    const char *want)
{
    regel_program *p = (regel_program *)1;
    cr_expect_eq(compile_with(text, table, n, &p), status, "%s", diagnostics);
    cr_expect_null(p);
    cr_expect(strstr(diagnostics, want), "want \"%s\" in:\n%s", want, diagnostics);
}

Test(host, refused_calls_and_tables)
{
    /* Without host functions a call of one is an unknown function. */
    refused(POLICY, NULL, 0, REGEL_ERR_POLICY, "unknown function 'lediga_platser'");
    /* A misspelled host function is suggested. */
    const char *misspelled = "fn f(x: Text) -> Bool = rabat_ok(1.5)\n";
    refused(misspelled, hosts, 2, REGEL_ERR_POLICY, "did you mean 'rabatt_ok'?");
    /* Arguments are checked against the signature, as a built-in's. */
    const char *wrong = "fn f(x: Text) -> Int? = lediga_platser(1, x)\n";
    refused(wrong, hosts, 2, REGEL_ERR_POLICY, "lediga_platser() cannot take (Int, Text)");
    cr_expect(strstr(diagnostics, "lediga_platser takes (Text, Date)"), "%s", diagnostics);
    const char *optional = "fn f(x: Text?) -> Bool = rabatt_ok(x)\n";
    refused(optional, hosts, 2, REGEL_ERR_POLICY, "rabatt_ok() cannot take (Text?)");
    /* A policy may not declare a host function's name. */
    const char *shadow = "fn rabatt_ok(x: Decimal) -> Bool = x < 1000\n";
    refused(shadow, hosts, 2, REGEL_ERR_POLICY, "'rabatt_ok' is the name of a host function");
    /* Tables the library refuses. */
    const char *plain = "fn f(x: Int) -> Int = x\n";
    regel_host_function bad[] = {{"count", "(Int) -> Int", returns_none, NULL}};
    refused(plain, bad, 1, REGEL_ERR_USAGE, "host function 'count': a built-in function has that name");
    bad[0] = (regel_host_function){"f2", "(List<Text>) -> Bool", returns_none, NULL};
    refused(plain, bad, 1, REGEL_ERR_USAGE, "its signature \"(List<Text>) -> Bool\" names List<Text>");
    bad[0] = (regel_host_function){"f2", "(Text) -> Period", returns_none, NULL};
    refused(plain, bad, 1, REGEL_ERR_USAGE, "names Period; a host function takes and gives Bool, Int");
    bad[0] = (regel_host_function){"f2", "(Text)", returns_none, NULL};
    refused(plain, bad, 1, REGEL_ERR_USAGE, "has no result");
    bad[0] = (regel_host_function){"f2", "Text -> Int", returns_none, NULL};
    refused(plain, bad, 1, REGEL_ERR_USAGE, "is not of the form (Text, Int) -> Bool");
    bad[0] = (regel_host_function){"f2", NULL, returns_none, NULL};
    refused(plain, bad, 1, REGEL_ERR_USAGE, "host function 'f2': it has no signature");
    bad[0] = (regel_host_function){"f2", "(Int) -> Int", NULL, NULL};
    refused(plain, bad, 1, REGEL_ERR_USAGE, "it has no C function");
    bad[0] = (regel_host_function){"två ord", "(Int) -> Int", returns_none, NULL};
    refused(plain, bad, 1, REGEL_ERR_USAGE, "its name is not a name a policy can call");
    regel_host_function twice[] = {{"g", "(Int) -> Int", returns_none, NULL},
                                   {"g", "(Int) -> Int", returns_none, NULL}};
    refused(plain, twice, 2, REGEL_ERR_USAGE, "host function 'g' is given twice");
}

Test(host, precompiled_programs_bind_their_host_functions)
{
    regel_program *p = program();
    unsigned char *image;
    size_t len;
    cr_assert_eq(regel_program_save_buffer(p, NULL, &image, &len, on_diag, NULL), REGEL_OK, "%s", diagnostics);
    regel_program_free(p);

    regel_load_options o;
    regel_load_options_init(&o);
    o.hosts = hosts;
    o.nhosts = 2;
    regel_program *q;
    diagnostics[0] = '\0';
    cr_assert_eq(regel_program_load_buffer_opts("k.rgc", image, len, &o, on_diag, NULL, &q), REGEL_OK, "%s",
                 diagnostics);
    cr_expect_eq(regel_program_host_count(q), 2);
    Decider d = decider(q);
    expect_decision(q, &d, "A", 7, 500, "ja", "", "7");
    expect_decision(q, &d, "X", 7, 500, "nej", "P1", NULL);
    const regel_result *res;
    cr_expect_eq(decide(&d, "FEL", 7, 500, &res), REGEL_ERR_EVAL);
    cr_expect(strstr(regel_context_error(d.ctx), "bokningssystemet svarar inte"), "%s", regel_context_error(d.ctx));
    decider_free(&d);
    regel_program_free(q);

    /* Without the host functions, or with another signature, it does not load. */
    diagnostics[0] = '\0';
    q = (regel_program *)1;
    cr_expect_eq(regel_program_load_buffer("k.rgc", image, len, NULL, on_diag, NULL, &q), REGEL_ERR_IMAGE);
    cr_expect_null(q);
    cr_expect(strstr(diagnostics, "k.rgc: error: the program needs host function lediga_platser(Text, Date) -> "
                                  "Int?, which the host did not give"),
              "%s", diagnostics);
    regel_host_function other[] = {{"lediga_platser", "(Text, Date) -> Int", lediga_platser, &counter},
                                   {"rabatt_ok", "(Decimal) -> Bool", rabatt_ok, NULL}};
    o.hosts = other;
    diagnostics[0] = '\0';
    cr_expect_eq(regel_program_load_buffer_opts("k.rgc", image, len, &o, on_diag, NULL, &q), REGEL_ERR_IMAGE);
    cr_expect(strstr(diagnostics, "needs host function lediga_platser(Text, Date) -> Int?, and the host gives "
                                  "lediga_platser(Text, Date) -> Int"),
              "%s", diagnostics);
    /* Extra functions in the table are fine. */
    regel_host_function more[] = {{"rabatt_ok", "(Decimal) -> Bool", rabatt_ok, NULL},
                                  {"annat", "() -> Date", returns_none, NULL},
                                  {"lediga_platser", "( Text,Date )->Int ?", lediga_platser, &counter}};
    o.hosts = more;
    o.nhosts = 3;
    cr_expect_eq(regel_program_load_buffer_opts("k.rgc", image, len, &o, on_diag, NULL, &q), REGEL_OK, "%s",
                 diagnostics);
    regel_program_free(q);
    regel_free(image);
}

/* (Bool, Date, Decimal?) -> Date: the date moved on by the decimal's whole
 * days when the flag is set; some amounts make it misbehave. */
static regel_status flytta(void *ctx, regel_host_call *call)
{
    (void)ctx;
    int flag, y, m, d;
    cr_assert_eq(regel_host_arg_bool(call, 0, &flag), REGEL_OK);
    cr_expect_eq(regel_host_arg_bool(call, 1, &flag), REGEL_ERR_USAGE, "a Date argument is not a Bool");
    cr_assert_eq(regel_host_arg_bool(call, 0, &flag), REGEL_OK);
    cr_assert_eq(regel_host_arg_date(call, 1, &y, &m, &d), REGEL_OK);
    if (regel_host_arg_is_none(call, 2))
        return regel_host_fail(call, NULL);
    long long coef;
    unsigned scale;
    cr_assert_eq(regel_host_arg_decimal(call, 2, &coef, &scale), REGEL_OK);
    if (coef == 99)
        return regel_host_return_date(call, 2026, 2, 30);
    if (coef == 98)
        return regel_host_return_text(call, NULL, 4);
    return regel_host_return_date(call, y, m, d + (flag ? (int)coef : 0));
}

/* (Int) -> Decimal: n / 100, or a scale past 18 for 0. */
static regel_status hundradel(void *ctx, regel_host_call *call)
{
    (void)ctx;
    long long n;
    cr_assert_eq(regel_host_arg_int(call, 0, &n), REGEL_OK);
    return regel_host_return_decimal(call, n, n == 0 ? 19 : 2);
}

Test(host, dates_decimals_and_bools_cross_the_boundary)
{
    static const regel_host_function table[] = {
        {"flytta", "(Bool, Date, Decimal?) -> Date", flytta, NULL},
        {"hundradel", "(Int) -> Decimal", hundradel, NULL},
    };
    const char *text = "record R {\n    id: Text\n    dagar: Decimal?\n    n: Int\n}\n"
                       "source rs: R from jsonl \"r.jsonl\" key id\n"
                       "decision d for r in rs {\n"
                       "    outcome ja | nej\n"
                       "    must D1 flytta(true, 2026-03-01, r.dagar) == 2026-03-04 else \"dag\"\n"
                       "    must D2 hundradel(r.n) == 12.5 else \"del\"\n"
                       "}\n";
    regel_program *p;
    cr_assert_eq(compile_with(text, table, 2, &p), REGEL_OK, "%s", diagnostics);
    regel_context *c;
    cr_assert_eq(regel_context_new(p, NULL, &c), REGEL_OK);
    int type = regel_source_record_type(p, "rs");
    regel_record *r;
    cr_assert_eq(regel_record_new(p, type, &r), REGEL_OK);
    int id = regel_record_slot(r, "id"), dagar = regel_record_slot(r, "dagar"), n = regel_record_slot(r, "n");
    int d = regel_decision_index(p, "d");
    const regel_result *res;
    static const struct {
        long long dagar; /* -1: none */
        long long n;
        regel_status status;
        const char *outcome_or_error;
    } cases[] = {
        {3, 1250, REGEL_OK, "ja"},
        {2, 1250, REGEL_OK, "nej"},
        {-1, 1250, REGEL_ERR_EVAL, "host function flytta failed"},
        {99, 1250, REGEL_ERR_EVAL, "host function flytta returned a date that does not exist in the years 1 to 9999"},
        {98, 1250, REGEL_ERR_EVAL, "host function flytta returned text without its bytes (NULL)"},
        {3, 0, REGEL_ERR_EVAL, "host function hundradel returned a decimal with more than 18 digits after the point"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        regel_record_clear(r);
        cr_assert_eq(regel_record_set_text(r, id, "A", 1), REGEL_OK);
        if (cases[i].dagar < 0)
            cr_assert_eq(regel_record_set_none(r, dagar), REGEL_OK);
        else
            cr_assert_eq(regel_record_set_decimal(r, dagar, cases[i].dagar, 0), REGEL_OK);
        cr_assert_eq(regel_record_set_int(r, n, cases[i].n), REGEL_OK);
        regel_status st = regel_decide(c, d, r, &res);
        cr_expect_eq(st, cases[i].status, "case %zu: %s", i, regel_context_error(c));
        if (st == REGEL_OK)
            cr_expect_str_eq(res->outcome_word, cases[i].outcome_or_error, "case %zu", i);
        else
            cr_expect(strstr(regel_context_error(c), cases[i].outcome_or_error), "case %zu: %s", i,
                      regel_context_error(c));
    }
    /* Calls without a call are refused. */
    cr_expect_eq(regel_host_return_int(NULL, 1), REGEL_ERR_USAGE);
    cr_expect_eq(regel_host_return_date(NULL, 2026, 1, 1), REGEL_ERR_USAGE);
    cr_expect_eq(regel_host_return_decimal(NULL, 1, 0), REGEL_ERR_USAGE);
    cr_expect_eq(regel_host_return_text(NULL, "x", 1), REGEL_ERR_USAGE);
    cr_expect_eq(regel_host_fail(NULL, "x"), REGEL_ERR_USAGE);
    cr_expect_null(regel_host_name(NULL));
    cr_expect_eq(regel_host_arg_count(NULL), 0);
    regel_record_free(r);
    regel_context_free(c);
    regel_program_free(p);

    /* A count of host functions without the table. */
    regel_compile_options o;
    regel_compile_options_init(&o);
    o.nhosts = 1;
    diagnostics[0] = '\0';
    cr_expect_eq(regel_compile_string_opts("t.regel", "const A = 1\n", 12, &o, on_diag, NULL, &p), REGEL_ERR_USAGE);
    cr_expect(strstr(diagnostics, "the options give 1 host functions but no table of them"), "%s", diagnostics);
}

Test(host, signatures_that_are_not_written_right)
{
    const char *plain = "fn f(x: Int) -> Int = x\n";
    regel_host_function bad[] = {{"g", NULL, returns_none, NULL}};
    static const struct {
        const char *sig, *why;
    } cases[] = {
        {"(Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int) -> Int",
         "has more than 16 parameters"},
        {"(Int) -> Int then", "has more after its result type"},
        {"(Int; Int) -> Int", "is not of the form (Text, Int) -> Bool"},
        {"(, Int) -> Int", "is not of the form (Text, Int) -> Bool"},
        {"(Int) ->", "is not of the form (Text, Int) -> Bool"},
        {"(Map<Text, List<Int>>) -> Int", "names Map<Text, List<Int>>;"},
        {"", "it has no signature"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        bad[0].signature = cases[i].sig;
        refused(plain, bad, 1, REGEL_ERR_USAGE, cases[i].why);
    }
    /* Optional parameters and results, spaces anywhere: written back as
     * regel writes them. */
    static const regel_host_function ok[] = {{"g", " ( Int? ,Text ) ->Date? ", returns_none, NULL}};
    regel_program *p;
    cr_assert_eq(compile_with(plain, ok, 1, &p), REGEL_OK, "%s", diagnostics);
    regel_program_free(p);
}

/* Returns a value of the kind its context names. */
static regel_status returns_kind(void *ctx, regel_host_call *call)
{
    const char *kind = ctx;
    if (strcmp(kind, "bool") == 0)
        return regel_host_return_bool(call, 1);
    if (strcmp(kind, "int") == 0)
        return regel_host_return_int(call, 3);
    if (strcmp(kind, "decimal") == 0)
        return regel_host_return_decimal(call, 15, 1);
    return regel_host_return_date(call, 2026, 1, 1);
}

Test(host, results_are_checked_against_the_declared_type)
{
    const char *text = "record R {\n    id: Text\n}\nsource rs: R from jsonl \"r.jsonl\" key id\n"
                       "decision d for r in rs {\n    outcome ja | nej\n    field v = g(1)\n}\n";
    static const struct {
        const char *sig, *kind, *error; /* error NULL: accepted, field value in want */
        const char *want;
    } cases[] = {
        {"(Int) -> Int", "bool", "host function g returned Bool for a declared Int", NULL},
        {"(Int) -> Text", "int", "host function g returned Int for a declared Text", NULL},
        {"(Int) -> Int", "decimal", "host function g returned Decimal for a declared Int", NULL},
        {"(Int) -> Bool", "date", "host function g returned Date for a declared Bool", NULL},
        {"(Int) -> Decimal", "int", NULL, "\"3\""},
        {"(Int) -> Decimal?", "decimal", NULL, "\"1.5\""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        regel_host_function table[] = {{"g", cases[i].sig, returns_kind, (void *)cases[i].kind}};
        regel_program *p;
        cr_assert_eq(compile_with(text, table, 1, &p), REGEL_OK, "%s", diagnostics);
        regel_context *c;
        cr_assert_eq(regel_context_new(p, NULL, &c), REGEL_OK);
        regel_record *r;
        cr_assert_eq(regel_record_new(p, regel_source_record_type(p, "rs"), &r), REGEL_OK);
        cr_assert_eq(regel_record_set_text(r, regel_record_slot(r, "id"), "A", 1), REGEL_OK);
        const regel_result *res;
        regel_status st = regel_decide(c, regel_decision_index(p, "d"), r, &res);
        if (cases[i].error) {
            cr_expect_eq(st, REGEL_ERR_EVAL, "case %zu", i);
            cr_expect(strstr(regel_context_error(c), cases[i].error), "case %zu: %s", i, regel_context_error(c));
        } else {
            cr_assert_eq(st, REGEL_OK, "case %zu: %s", i, regel_context_error(c));
            const char *v;
            cr_assert_eq(regel_result_field(c, 0, 1, &v, NULL), REGEL_OK);
            cr_expect_str_eq(v, cases[i].want, "case %zu", i);
        }
        regel_record_free(r);
        regel_context_free(c);
        regel_program_free(p);
    }
}

/* () -> Int: counts its calls. */
static regel_status rakna(void *ctx, regel_host_call *call)
{
    Counter *c = ctx;
    c->calls++;
    return regel_host_return_int(call, c->calls);
}

/* regel_decide leaves the messages of failed rules until they are asked
 * for, whichever jump the rule's condition ends in: a field, a negated
 * field, a field compared with a constant, any other comparison. */
Test(host, messages_are_worked_out_only_when_asked)
{
    static Counter calls;
    static const regel_host_function table[] = {{"rakna", "() -> Int", rakna, &calls}};
    const char *policy = "record K { id: Text  ok: Bool  typ: Text  n: Int }\n"
                         "source ks: K from jsonl \"k.jsonl\" key id\n"
                         "decision d for k in ks {\n    outcome ja | nej\n"
                         "    must A1 k.ok else \"A1 {rakna()} {k.n}\"\n"
                         "    must A2 not k.ok else \"A2 {rakna()} {k.n}\"\n"
                         "    must A3 k.typ == \"x\" else \"A3 {rakna()} {k.n}\"\n"
                         "    must A4 k.n > 1 else \"A4 {rakna()} {k.n}\"\n}\n";
    regel_program *p;
    cr_assert_eq(compile_with(policy, table, 1, &p), REGEL_OK, "%s", diagnostics);
    regel_context *ctx;
    cr_assert_eq(regel_context_new(p, NULL, &ctx), REGEL_OK);
    int type = regel_source_record_type(p, "ks");
    regel_record *r;
    cr_assert_eq(regel_record_new(p, type, &r), REGEL_OK);
    cr_assert_eq(regel_record_set_text(r, regel_field_slot(p, type, "id"), "k1", 2), REGEL_OK);
    cr_assert_eq(regel_record_set_bool(r, regel_field_slot(p, type, "ok"), 0), REGEL_OK);
    cr_assert_eq(regel_record_set_text(r, regel_field_slot(p, type, "typ"), "y", 1), REGEL_OK);
    cr_assert_eq(regel_record_set_int(r, regel_field_slot(p, type, "n"), 0), REGEL_OK);
    calls.calls = 0;
    const regel_result *res;
    cr_assert_eq(regel_decide(ctx, regel_decision_index(p, "d"), r, &res), REGEL_OK, "%s", regel_context_error(ctx));
    cr_expect_eq(res->nreasons, 3); /* A1, A3, A4; A2 holds */
    cr_expect_eq(calls.calls, 0, "deciding worked out %d messages", calls.calls);
    const char *m;
    cr_assert_eq(regel_result_message(ctx, 2, &m, NULL), REGEL_OK, "%s", regel_context_error(ctx));
    cr_expect(strncmp(m, "A4 ", 3) == 0, "%s", m);
    cr_expect_gt(calls.calls, 0);
    regel_record_free(r);
    regel_context_free(ctx);
    regel_program_free(p);
}
