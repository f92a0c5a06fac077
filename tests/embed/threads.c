/*
 * threads.c — one compiled program shared by 8 threads, each with a
 * context of its own, deciding 100,000 records each; every result is
 * checked against the one a single thread worked out first (outcome, key,
 * refs and severities, the output field, and the messages of every 97th).
 * The threads also share one source data handle, which the decision looks
 * up in. Only regel.h is used: the library registers each thread with its
 * collector by itself.
 *
 *     threads POLICY        (make thread-test, make tsan)
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regel.h"

enum { THREADS = 8, DECISIONS = 100000, RECORDS = 500, MESSAGE_EVERY = 97 };

typedef struct Expected {
    int outcome;
    size_t nreasons;
    char refs[8][4];
    regel_severity severities[8];
    char key[16];
    char grad[32];
    char messages[8][160];
} Expected;

static regel_program *program;
static regel_data *data;
static regel_record *records[RECORDS];
static Expected expected[RECORDS];
static int decision;

static void fail(const char *what, const char *detail)
{
    fprintf(stderr, "threads: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

static void print_diag(void *ctx, const regel_diagnostic *d)
{
    (void)ctx;
    fputs(d->text, stderr);
}

/* A deterministic pseudo-random number, so every run builds the same records. */
static unsigned next(unsigned *state)
{
    *state = *state * 1103515245u + 12345u;
    return (*state >> 16) & 0x7fff;
}

static void build(void)
{
    int omrade = regel_record_type(program, "Omrade");
    static const char *const areas[] = {"Göteborg", "Skaraborg", "Fyrbodal", "Södra Älvsborg"};
    for (int i = 0; i < 3; i++) {
        regel_record *o;
        regel_record_new(program, omrade, &o);
        regel_record_set_text(o, regel_record_slot(o, "namn"), areas[i], strlen(areas[i]));
        regel_record_set_int(o, regel_record_slot(o, "faktor"), i + 1);
        if (regel_data_add(data, "omraden", o) != REGEL_OK)
            fail("cannot add an area", NULL);
        regel_record_free(o);
    }
    int centrum = regel_source_record_type(program, "centrum");
    int specialist = regel_record_type(program, "Specialist");
    unsigned seed = 7;
    for (int i = 0; i < RECORDS; i++) {
        regel_record *r;
        regel_record_new(program, centrum, &r);
        char id[16];
        snprintf(id, sizeof id, "VC%d", i);
        const char *area = areas[next(&seed) % 4];
        regel_status st = regel_record_set_text(r, regel_record_slot(r, "id"), id, strlen(id));
        st |= regel_record_set_text(r, regel_record_slot(r, "omrade"), area, strlen(area));
        st |= regel_record_set_int(r, regel_record_slot(r, "listade"), 1000 + next(&seed) % 6000);
        st |= regel_record_set_bool(r, regel_record_slot(r, "kval"), next(&seed) % 5 != 0);
        int n = (int)(next(&seed) % 5);
        for (int k = 0; k < n; k++) {
            regel_record *s;
            regel_record_new(program, specialist, &s);
            st |= regel_record_set_text(s, regel_record_slot(s, "namn"), "x", 1);
            st |= regel_record_set_decimal(s, regel_record_slot(s, "grad"), 250 * (1 + next(&seed) % 4), 1);
            st |= regel_record_set_bool(s, regel_record_slot(s, "allman"), next(&seed) % 4 != 0);
            st |= regel_record_append_record(r, regel_record_slot(r, "specialister"), s);
            regel_record_free(s);
        }
        if (st != REGEL_OK)
            fail("cannot build a record", regel_record_error(r));
        records[i] = r;
    }
}

/* The result of the last decision on c, as a thread sees it. */
static void read_result(regel_context *c, const regel_result *r, Expected *e, int messages)
{
    memset(e, 0, sizeof *e);
    e->outcome = r->outcome;
    e->nreasons = r->nreasons;
    if (r->nreasons > 8)
        fail("more reasons than the policy has", NULL);
    snprintf(e->key, sizeof e->key, "%s", r->key ? r->key : "");
    for (size_t i = 0; i < r->nreasons; i++) {
        snprintf(e->refs[i], sizeof e->refs[i], "%s", r->refs[i]);
        e->severities[i] = r->severities[i];
        const char *m;
        if (messages) {
            if (regel_result_message(c, i, &m, NULL) != REGEL_OK)
                fail("a message cannot be rendered", regel_context_error(c));
            snprintf(e->messages[i], sizeof e->messages[i], "%s", m);
        }
    }
    const char *grad;
    if (regel_result_field(c, 0, 1, &grad, NULL) != REGEL_OK)
        fail("the field cannot be read", regel_context_error(c));
    snprintf(e->grad, sizeof e->grad, "%s", grad ? grad : "-");
}

static regel_context *context(void)
{
    regel_context_options o;
    regel_context_options_init(&o);
    o.today = "2026-11-22";
    o.data = data;
    regel_context *c;
    if (regel_context_new(program, &o, &c) != REGEL_OK)
        fail("cannot make a context", NULL);
    return c;
}

static void *worker(void *arg)
{
    unsigned start = (unsigned)(size_t)arg;
    regel_context *c = context();
    for (unsigned k = 0; k < DECISIONS; k++) {
        unsigned i = (start * 7919u + k) % RECORDS;
        const regel_result *r;
        if (regel_decide(c, decision, records[i], &r) != REGEL_OK)
            fail("a decision failed", regel_context_error(c));
        Expected got;
        int messages = k % MESSAGE_EVERY == 0;
        read_result(c, r, &got, messages);
        if (!messages)
            memcpy(got.messages, expected[i].messages, sizeof got.messages);
        if (memcmp(&got, &expected[i], sizeof got) != 0) {
            char where[64];
            snprintf(where, sizeof where, "thread %u, decision %u, record %u", start, k, i);
            fail("a result differs from the single-threaded one", where);
        }
    }
    regel_context_free(c);
    return NULL;
}

int main(int argc, char **argv)
{
    const char *policy = argc > 1 ? argv[1] : "tests/embed/policy.regel";
    if (regel_compile_files(&policy, 1, print_diag, NULL, &program) != REGEL_OK)
        fail("the policy does not compile", policy);
    decision = regel_decision_index(program, "bedomning");
    if (regel_data_new(program, &data) != REGEL_OK || decision < 0)
        fail("the policy is not the test's", NULL);
    build();
    regel_context *c = context();
    int outcomes[2] = {0, 0};
    for (int i = 0; i < RECORDS; i++) {
        const regel_result *r;
        if (regel_decide(c, decision, records[i], &r) != REGEL_OK)
            fail("a decision failed", regel_context_error(c));
        read_result(c, r, &expected[i], 1);
        outcomes[r->outcome == 0]++;
    }
    regel_context_free(c);
    if (!outcomes[0] || !outcomes[1])
        fail("the records do not give both outcomes", NULL);

    pthread_t t[THREADS];
    for (size_t i = 0; i < THREADS; i++)
        if (pthread_create(&t[i], NULL, worker, (void *)i) != 0)
            fail("cannot start a thread", NULL);
    for (size_t i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < RECORDS; i++)
        regel_record_free(records[i]);
    regel_data_free(data);
    regel_program_free(program);
    printf("threads: %d threads x %d decisions, every result as expected\n", THREADS, DECISIONS);
    printf("%d passed, 0 failed\n", THREADS * DECISIONS);
    return 0;
}
