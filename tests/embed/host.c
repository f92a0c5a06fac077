/* host.c: a service deciding with regel. It compiles a policy, fills the
 * source that decisions look up, builds each request's record itself and
 * reads the decision with its reasons; then does the same with the policy
 * saved as a precompiled .rgc file and loaded again.
 *
 *     cc host.c $(pkg-config --cflags --libs regel) -o host && ./host policy.regel
 */
#include <stdio.h>
#include <string.h>

#include <regel.h>

static void print_diag(void *ctx, const regel_diagnostic *d)
{
    (void)ctx;
    fputs(d->text, stderr);
}

/* One request: a centre with its specialists in general practice. */
typedef struct Request {
    const char *id, *omrade;
    long long listade;
    int kval;
    long long grad[3]; /* percent of full time; 0 ends the list */
} Request;

static const Request requests[] = {
    {"VC1", "Göteborg", 7000, 1, {100, 60, 0}},
    {"VC2", "Skaraborg", 1200, 0, {40, 0, 0}},
};

static int decide_requests(const regel_program *p)
{
    /* The source that the decision looks centres' areas up in. */
    regel_data *data;
    regel_record *omrade;
    regel_data_new(p, &data);
    regel_record_new(p, regel_record_type(p, "Omrade"), &omrade);
    regel_record_set_text(omrade, regel_record_slot(omrade, "namn"), "Göteborg", strlen("Göteborg"));
    regel_record_set_int(omrade, regel_record_slot(omrade, "faktor"), 4);
    regel_data_add(data, "omraden", omrade);
    regel_record_free(omrade);

    regel_context_options o;
    regel_context_options_init(&o);
    o.data = data;
    o.today = "2026-11-22";
    regel_context *ctx;
    if (regel_context_new(p, &o, &ctx) != REGEL_OK)
        return 1;

    /* Names are resolved once; the hot path uses numbers. */
    int decision = regel_decision_index(p, "bedomning");
    int centrum = regel_source_record_type(p, "centrum"), specialist = regel_record_type(p, "Specialist");
    int id = regel_field_slot(p, centrum, "id"), area = regel_field_slot(p, centrum, "omrade");
    int listade = regel_field_slot(p, centrum, "listade"), kval = regel_field_slot(p, centrum, "kval");
    int specialister = regel_field_slot(p, centrum, "specialister");
    int namn = regel_field_slot(p, specialist, "namn"), grad = regel_field_slot(p, specialist, "grad");
    int allman = regel_field_slot(p, specialist, "allman");

    regel_record *vc, *sp;
    regel_record_new(p, centrum, &vc);
    regel_record_new(p, specialist, &sp);
    int failed = 0;
    for (size_t i = 0; i < sizeof requests / sizeof *requests; i++) {
        const Request *q = &requests[i];
        regel_record_clear(vc);
        regel_record_set_text(vc, id, q->id, strlen(q->id));
        regel_record_set_text(vc, area, q->omrade, strlen(q->omrade));
        regel_record_set_int(vc, listade, q->listade);
        regel_record_set_bool(vc, kval, q->kval);
        for (int k = 0; q->grad[k]; k++) {
            regel_record_set_text(sp, namn, "specialist", strlen("specialist"));
            regel_record_set_decimal(sp, grad, q->grad[k], 0);
            regel_record_set_bool(sp, allman, 1);
            if (regel_record_append_record(vc, specialister, sp) != REGEL_OK)
                fprintf(stderr, "%s\n", regel_record_error(vc));
        }

        const regel_result *r;
        if (regel_decide(ctx, decision, vc, &r) != REGEL_OK) {
            fprintf(stderr, "%s\n", regel_context_error(ctx));
            failed = 1;
            continue;
        }
        printf("%s %s\n", r->key, r->outcome_word);
        for (size_t k = 0; k < r->nreasons; k++) {
            const char *message;
            regel_result_message(ctx, k, &message, NULL);
            printf("  %-3s %-6s %s\n", r->refs[k], r->severities[k] == REGEL_SEVERITY_MUST ? "must" : "should",
                   message);
        }
        const char *value;
        regel_result_field(ctx, 0, 0, &value, NULL);
        printf("  grad: %s\n", value ? value : "-");
    }
    regel_record_free(sp);
    regel_record_free(vc);
    regel_context_free(ctx);
    regel_data_free(data);
    return failed;
}

int main(int argc, char **argv)
{
    const char *policy = argc > 1 ? argv[1] : "policy.regel";
    regel_program *p;
    if (regel_compile_files(&policy, 1, print_diag, NULL, &p) != REGEL_OK)
        return 1;
    printf("compiled %s (version %s)\n", policy, regel_program_version(p));
    int failed = decide_requests(p);
    if (regel_program_save(p, "policy.rgc", NULL, print_diag, NULL) != REGEL_OK)
        return 1;
    regel_program_free(p);

    if (regel_program_load("policy.rgc", NULL, print_diag, NULL, &p) != REGEL_OK)
        return 1;
    printf("loaded policy.rgc (version %s)\n", regel_program_version(p));
    failed |= decide_requests(p);
    regel_program_free(p);
    return failed;
}
