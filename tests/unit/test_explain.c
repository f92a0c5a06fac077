/*
 * test_explain.c — regel explain through the public API: a program
 * compiled to explain says, for one line, every rule with the values its
 * condition saw and, for a failed comparison, the change that would make it
 * hold (numbers, dates, decimals, yes/no); a queue says who is ahead and
 * why. A program compiled without it refuses to explain, and explaining
 * changes nothing in what a normal run writes.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "regel.h"

typedef struct Sink {
    char *data;
    size_t len;
    char reports[2048];
} Sink;

static int on_write(void *ctx, const char *data, size_t n)
{
    Sink *s = ctx;
    s->data = realloc(s->data, s->len + n + 1);
    memcpy(s->data + s->len, data, n);
    s->len += n;
    s->data[s->len] = '\0';
    return 0;
}

static void on_report(void *ctx, const char *line)
{
    Sink *s = ctx;
    size_t used = strlen(s->reports);
    snprintf(s->reports + used, sizeof s->reports - used, "%s\n", line);
}

static char dir[64];

static void write_file(const char *name, const char *content)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(content, f);
    fclose(f);
}

static const char POLICY[] =
    "record Vc { id: Text, listade: Int, st_antal: Int, godkand_till: Date, grad: Decimal, kvalitet: Bool,\n"
    "            omrade: Text, inkommen: Date }\n"
    "source vcs: Vc from jsonl \"vc.jsonl\" key id\n"
    "decision b for vc in vcs {\n"
    "    outcome ja | nej\n"
    "    let behov = vc.st_antal + 1\n"
    "    must B1 vc.listade >= 1500 * behov else \"för få\"\n"
    "    must B2 vc.godkand_till > today else \"utgånget\"\n"
    "    must B3 vc.grad <= 50.5 else \"för hög grad\"\n"
    "    must B4 vc.kvalitet else \"kvalitet\"\n"
    "}\n"
    "queue q for vc in vcs by vc.omrade order vc.inkommen, vc.id capacity 1 {\n"
    "    must Q1 admitted < capacity else \"fullt\"\n"
    "}\n"
    "decision k for vc in vcs {\n"
    "    outcome inne | ute\n"
    "    include q(vc)\n"
    "}\n"
    "decision c for vc in vcs {\n"
    "    outcome ja | nej\n"
    "    must C1 vc.kvalitet and vc.listade >= 5000 else \"båda\"\n"
    "    must C2 vc.listade >= 4000 and vc.st_antal >= 3 else \"st\"\n"
    "    must C3 vc.listade >= 5000 or vc.grad <= 10 else \"antingen\"\n"
    "}\n";

static const char DATA[] =
    "{\"id\":\"A\",\"listade\":4400,\"st_antal\":2,\"godkand_till\":\"2026-11-22\",\"grad\":60,\"kvalitet\":false,"
    "\"omrade\":\"Väst\",\"inkommen\":\"2026-02-01\"}\n"
    "{\"id\":\"B\",\"listade\":9000,\"st_antal\":0,\"godkand_till\":\"2027-01-01\",\"grad\":20,\"kvalitet\":true,"
    "\"omrade\":\"Väst\",\"inkommen\":\"2026-01-15\"}\n";

static void setup(void)
{
    strcpy(dir, "/tmp/regel-explain-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    write_file("p.regel", POLICY);
    write_file("vc.jsonl", DATA);
}

static void teardown(void)
{
    char path[256];
    snprintf(path, sizeof path, "%s/p.regel", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/vc.jsonl", dir);
    unlink(path);
    rmdir(dir);
}

TestSuite(explain, .init = setup, .fini = teardown);

static regel_program *compile(unsigned flags)
{
    char path[256];
    snprintf(path, sizeof path, "%s/p.regel", dir);
    const char *paths[] = {path};
    regel_program *p = NULL;
    cr_assert_eq(regel_compile_files_with(paths, 1, flags, NULL, NULL, &p), REGEL_OK);
    return p;
}

static regel_status run(regel_program *p, int explain, const char *decision, const char *id, regel_format f,
                        Sink *s)
{
    regel_run_options o;
    regel_run_options_init(&o);
    o.data_dir = dir;
    o.today = "2026-11-22";
    o.format = f;
    o.explain = explain;
    o.explain_id = id;
    const char *decisions[] = {decision};
    if (decision) {
        o.decisions = decisions;
        o.ndecisions = 1;
    }
    o.write = on_write;
    o.write_ctx = s;
    o.report = on_report;
    o.report_ctx = s;
    return regel_run(p, &o, NULL);
}

static void expect_line(const Sink *s, const char *line)
{
    cr_expect(s->data && strstr(s->data, line), "no line \"%s\" in:\n%s", line, s->data ? s->data : "(nothing)");
}

Test(explain, failed_comparisons_say_what_would_make_them_hold)
{
    regel_program *p = compile(REGEL_COMPILE_EXPLAIN);
    Sink s = {0};
    cr_assert_eq(run(p, 1, "b", "A", REGEL_FORMAT_TABLE, &s), REGEL_OK, "%s", s.reports);
    expect_line(&s, "b A: nej\n");
    expect_line(&s, "  let behov = 3\n");
    expect_line(&s, "vc.listade = 4 400\n");
    expect_line(&s, "1500 * behov = 4 500\n");
    expect_line(&s, "4 400 >= 4 500 is false\n");
    expect_line(&s, "reason: för få\n");
    expect_line(&s, "would hold with vc.listade minst 4 500 (100 fler)\n");
    expect_line(&s, "would hold with vc.godkand_till tidigast 2026-11-23 (1 dag senare)\n");
    expect_line(&s, "would hold with vc.grad högst 50,5\n");
    expect_line(&s, "would hold with vc.kvalitet = true\n");
    free(s.data);
    regel_program_free(p);
}

Test(explain, conditions_joined_by_and_or_or)
{
    regel_program *p = compile(REGEL_COMPILE_EXPLAIN);
    Sink s = {0};
    cr_assert_eq(run(p, 1, "c", "A", REGEL_FORMAT_TABLE, &s), REGEL_OK, "%s", s.reports);
    /* A's kvalitet is false, so the listade of C1 was never compared: no
     * single change is known to make C1 hold, and none is offered. */
    const char *c1 = strstr(s.data, "C1"), *c2 = strstr(s.data, "C2");
    cr_assert(c1 && c2 && c1 < c2, "%s", s.data);
    cr_expect_null(memmem(c1, (size_t)(c2 - c1), "would hold", 10), "%s", s.data);
    expect_line(&s, "reason: båda\n");
    /* The part of an and that failed; either side of an or. */
    expect_line(&s, "would hold with vc.st_antal minst 3 (1 fler)\n");
    expect_line(&s, "would hold with vc.listade minst 5 000 (600 fler) eller vc.grad högst 10\n");
    free(s.data);
    regel_program_free(p);
}

Test(explain, a_queue_says_who_is_ahead_and_why)
{
    regel_program *p = compile(REGEL_COMPILE_EXPLAIN);
    Sink s = {0};
    cr_assert_eq(run(p, 1, "k", "A", REGEL_FORMAT_TABLE, &s), REGEL_OK, "%s", s.reports);
    expect_line(&s, "queue q (vc.omrade = \"Väst\"): place 2 of 2, 1 admitted before it, capacity 1: not admitted\n");
    expect_line(&s, "1. B (admitted): vc.inkommen 2026-01-15 before 2026-02-01\n");
    expect_line(&s, "1 < 1 is false\n");
    expect_line(&s, "reason: fullt\n");
    free(s.data);
    regel_program_free(p);
}

Test(explain, json_has_the_same_steps)
{
    regel_program *p = compile(REGEL_COMPILE_EXPLAIN);
    Sink s = {0};
    cr_assert_eq(run(p, 1, "b", "A", REGEL_FORMAT_JSONL, &s), REGEL_OK);
    cr_assert_not_null(s.data);
    const char *head = "{\"decision\":\"b\",\"id\":\"A\",\"outcome\":\"nej\",\"steps\":[";
    cr_expect_eq(strncmp(s.data, head, strlen(head)), 0, "%s", s.data);
    expect_line(&s, "{\"let\":\"behov\",\"value\":3}");
    expect_line(&s, "\"would_hold_with\":[\"vc.listade minst 4 500 (100 fler)\"]");
    cr_expect_eq(s.data[s.len - 1], '\n');
    cr_expect_null(strchr(s.data, '\n') + 1 < s.data + s.len ? strchr(strchr(s.data, '\n') + 1, '\n') : NULL,
                   "one line");
    free(s.data);
    regel_program_free(p);
}

Test(explain, an_unknown_id_or_a_program_compiled_without_it_is_refused)
{
    regel_program *p = compile(REGEL_COMPILE_EXPLAIN);
    Sink s = {0};
    cr_expect_eq(run(p, 1, "b", "Z", REGEL_FORMAT_TABLE, &s), REGEL_ERR_USAGE);
    cr_expect(strstr(s.reports, "decision b has no line with the id 'Z'"), "%s", s.reports);
    regel_program_free(p);
    free(s.data);

    p = compile(0);
    Sink t = {0};
    cr_expect_eq(run(p, 1, "b", "A", REGEL_FORMAT_TABLE, &t), REGEL_ERR_USAGE);
    cr_expect(strstr(t.reports, "REGEL_COMPILE_EXPLAIN"), "%s", t.reports);
    regel_program_free(p);
    free(t.data);
}

Test(explain, a_program_that_can_explain_runs_as_any_other)
{
    regel_program *plain = compile(0), *explaining = compile(REGEL_COMPILE_EXPLAIN);
    Sink a = {0}, b = {0};
    cr_assert_eq(run(plain, 0, NULL, NULL, REGEL_FORMAT_JSONL, &a), REGEL_OK);
    cr_assert_eq(run(explaining, 0, NULL, NULL, REGEL_FORMAT_JSONL, &b), REGEL_OK);
    cr_expect_str_eq(b.data, a.data);
    free(a.data);
    free(b.data);
    regel_program_free(plain);
    regel_program_free(explaining);
}
