/*
 * embed.c — the embedded hot path of the benchmark: the decision of
 * centres.regel on records a host built in memory, one regel_decide per
 * record, timed in ns per decision.
 *
 *   embed POLICY CENTRES.JSONL ROUNDS          time ROUNDS passes over the records
 *   embed POLICY CENTRES.JSONL --json          print each result's JSON line
 *
 * The records are read from the generator's JSON Lines (a small reader for
 * its flat objects is below) and built with the public API only; reading
 * them is not timed. The timed loop reads what a service reads at once:
 * the outcome and the refs of the failed rules. The summary line (outcomes
 * and failed refs counted) must match the Lua peers' (embed.lua).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "regel.h"

static void die(const char *what)
{
    fprintf(stderr, "embed: %s\n", what);
    exit(1);
}

static void print_diag(void *ctx, const regel_diagnostic *d)
{
    (void)ctx;
    fputs(d->text, stderr);
}

/* ---- a reader for the generator's objects: strings without escapes,
 * numbers, true/false, and arrays of such objects */

typedef struct Cursor {
    const char *p;
} Cursor;

static void skip(Cursor *c, char ch)
{
    if (*c->p != ch)
        die("unexpected input");
    c->p++;
}

static size_t string(Cursor *c, const char **s)
{
    skip(c, '"');
    *s = c->p;
    while (*c->p && *c->p != '"')
        c->p++;
    size_t n = (size_t)(c->p - *s);
    skip(c, '"');
    return n;
}

/* A number as coefficient and scale ("37.5" is 375, 1). */
static long long number(Cursor *c, unsigned *scale)
{
    long long v = 0;
    *scale = 0;
    int seen_point = 0;
    while ((*c->p >= '0' && *c->p <= '9') || *c->p == '.') {
        if (*c->p == '.')
            seen_point = 1;
        else {
            v = v * 10 + (*c->p - '0');
            *scale += seen_point;
        }
        c->p++;
    }
    return v;
}

static int boolean(Cursor *c)
{
    if (strncmp(c->p, "true", 4) == 0) {
        c->p += 4;
        return 1;
    }
    if (strncmp(c->p, "false", 5) == 0) {
        c->p += 5;
        return 0;
    }
    die("expected true or false");
    return 0;
}

typedef struct Slots {
    int centre, specialist;
    int hsa_id, namn, omrade, listade, st_antal, kval, godkand, studenter, at, platser, specialister;
    int sp_id, specialitet, grad, samma_vc;
} Slots;

static void check(regel_status st, regel_record *r)
{
    if (st != REGEL_OK) {
        fprintf(stderr, "embed: %s\n", regel_record_error(r) ? regel_record_error(r) : "a record could not be set");
        exit(1);
    }
}

static regel_record *specialist(const regel_program *p, const Slots *s, Cursor *c)
{
    regel_record *r;
    if (regel_record_new(p, s->specialist, &r) != REGEL_OK)
        die("cannot make a Specialist");
    skip(c, '{');
    while (*c->p != '}') {
        const char *key, *v;
        size_t kn = string(c, &key), vn;
        skip(c, ':');
        unsigned scale;
        if (kn == 2 && !memcmp(key, "id", 2))
            vn = string(c, &v), check(regel_record_set_text(r, s->sp_id, v, vn), r);
        else if (kn == 11 && !memcmp(key, "specialitet", 11))
            vn = string(c, &v), check(regel_record_set_text(r, s->specialitet, v, vn), r);
        else if (kn == 17 && !memcmp(key, "tjanstgoringsgrad", 17)) {
            long long n = number(c, &scale);
            check(regel_record_set_decimal(r, s->grad, n, scale), r);
        } else if (kn == 8 && !memcmp(key, "samma_vc", 8))
            check(regel_record_set_bool(r, s->samma_vc, boolean(c)), r);
        else
            die("unknown field of a specialist");
        if (*c->p == ',')
            c->p++;
    }
    skip(c, '}');
    return r;
}

static regel_record *centre(const regel_program *p, const Slots *s, const char *line)
{
    regel_record *r;
    if (regel_record_new(p, s->centre, &r) != REGEL_OK)
        die("cannot make a Centrum");
    Cursor c = {line};
    skip(&c, '{');
    while (*c.p != '}') {
        const char *key, *v;
        size_t kn = string(&c, &key), vn;
        skip(&c, ':');
        int slot = -1;
        for (int i = 0; i < 11; i++) {
            static const char *const names[] = {"hsa_id", "namn", "omrade", "listade", "st_antal",
                                                "kvalitetskriterier", "godkand_utbildning",
                                                "utbildar_lakarstudenter", "utbildar_at", "utbildningsplatser",
                                                "specialister"};
            if (strlen(names[i]) == kn && !memcmp(names[i], key, kn))
                slot = (&s->hsa_id)[i];
        }
        if (slot < 0)
            die("unknown field of a centre");
        if (*c.p == '"') {
            vn = string(&c, &v);
            check(regel_record_set_text(r, slot, v, vn), r);
        } else if (*c.p == 't' || *c.p == 'f') {
            check(regel_record_set_bool(r, slot, boolean(&c)), r);
        } else if (*c.p == '[') {
            c.p++;
            while (*c.p != ']') {
                regel_record *sp = specialist(p, s, &c);
                check(regel_record_append_record(r, slot, sp), r);
                regel_record_free(sp);
                if (*c.p == ',')
                    c.p++;
            }
            c.p++;
        } else {
            unsigned scale;
            long long n = number(&c, &scale);
            check(regel_record_set_int(r, slot, n), r);
        }
        if (*c.p == ',')
            c.p++;
    }
    return r;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc != 4)
        die("usage: embed POLICY CENTRES.JSONL ROUNDS|--json");
    int json = strcmp(argv[3], "--json") == 0;
    long rounds = json ? 1 : atol(argv[3]);
    regel_program *p;
    const char *paths[] = {argv[1]};
    if (regel_compile_files(paths, 1, print_diag, NULL, &p) != REGEL_OK)
        die("the policy does not compile");
    Slots s;
    s.centre = regel_source_record_type(p, "centrum");
    s.specialist = regel_record_type(p, "Specialist");
    const char *const cn[] = {"hsa_id", "namn", "omrade", "listade", "st_antal", "kvalitetskriterier",
                              "godkand_utbildning", "utbildar_lakarstudenter", "utbildar_at", "utbildningsplatser",
                              "specialister"};
    for (int i = 0; i < 11; i++)
        if (((&s.hsa_id)[i] = regel_field_slot(p, s.centre, cn[i])) < 0)
            die("the policy's Centrum lacks a field");
    s.sp_id = regel_field_slot(p, s.specialist, "id");
    s.specialitet = regel_field_slot(p, s.specialist, "specialitet");
    s.grad = regel_field_slot(p, s.specialist, "tjanstgoringsgrad");
    s.samma_vc = regel_field_slot(p, s.specialist, "samma_vc");
    int decision = regel_decision_index(p, "utbildning");
    if (decision < 0 || s.sp_id < 0 || s.specialitet < 0 || s.grad < 0 || s.samma_vc < 0)
        die("the policy is not the benchmark's");

    FILE *f = fopen(argv[2], "r");
    if (!f)
        die("cannot read the records");
    size_t n = 0, cap = 1024;
    regel_record **records = malloc(cap * sizeof *records);
    char *line = NULL;
    size_t lcap = 0;
    while (getline(&line, &lcap, f) > 0) {
        if (n == cap)
            records = realloc(records, (cap *= 2) * sizeof *records);
        records[n++] = centre(p, &s, line);
    }
    free(line);
    fclose(f);

    regel_context *ctx;
    regel_context_options o;
    regel_context_options_init(&o);
    o.today = "2026-11-22";
    if (regel_context_new(p, &o, &ctx) != REGEL_OK)
        die("cannot make a context");
    const regel_result *r;
    if (json) {
        for (size_t i = 0; i < n; i++) {
            const char *text;
            size_t len;
            if (regel_decide(ctx, decision, records[i], &r) != REGEL_OK ||
                regel_result_json(ctx, &text, &len) != REGEL_OK)
                die(regel_context_error(ctx));
            fwrite(text, 1, len, stdout);
            putchar('\n');
        }
        return 0;
    }
    /* One untimed pass warms the caches and the collector's free lists. */
    for (size_t i = 0; i < n; i++)
        regel_decide(ctx, decision, records[i], &r);
    unsigned long long outcomes[2] = {0, 0}, failed = 0, refsum = 0;
    double t0 = now();
    for (long k = 0; k < rounds; k++)
        for (size_t i = 0; i < n; i++) {
            if (regel_decide(ctx, decision, records[i], &r) != REGEL_OK)
                die(regel_context_error(ctx));
            outcomes[r->outcome == 0 ? 0 : 1]++;
            failed += r->nreasons;
            for (size_t j = 0; j < r->nreasons; j++)
                refsum += (unsigned char)r->refs[j][0] * 10u + (unsigned char)r->refs[j][1];
        }
    double t1 = now();
    double ns = (t1 - t0) * 1e9 / ((double)rounds * (double)n);
    /* With every message rendered, for comparison. */
    double t2 = now();
    for (size_t i = 0; i < n; i++) {
        regel_decide(ctx, decision, records[i], &r);
        for (size_t j = 0; j < r->nreasons; j++) {
            const char *m;
            if (regel_result_message(ctx, j, &m, NULL) != REGEL_OK)
                die(regel_context_error(ctx));
        }
    }
    double with_messages = (now() - t2) * 1e9 / (double)n;
    printf("regel %.1f ns/decision (messages of every failed rule: %.1f ns) ja=%llu nej=%llu failed=%llu refs=%llu\n",
           ns, with_messages, outcomes[0], outcomes[1], failed, refsum);
    regel_context_free(ctx);
    for (size_t i = 0; i < n; i++)
        regel_record_free(records[i]);
    free(records);
    regel_program_free(p);
    return 0;
}
