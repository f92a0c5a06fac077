/*
 * test_testrun.c — `regel test` (src/testrun.c and regel_test): choosing
 * tests with filters (Unicode case folding), coverage over the tests that
 * ran and the required minimum with its status, the usage errors, and how
 * a failed == shows the difference of its sides: what the compiler hands
 * to EXPECT_FAIL, list, record and text differences, and the limits that
 * keep a report readable.
 */
#include <math.h>

#include "policy_helpers.h"
#include "regel.h"

static char *dir;

static void setup(void)
{
    rg_alloc_init();
    dir = temp_dir();
}

static void teardown(void)
{
    remove_dir(dir);
    free(dir);
    dir = NULL;
}

TestSuite(testrun, .init = setup, .fini = teardown);

/* What regel_test wrote and reported. */
typedef struct Report {
    char *out;
    size_t len, cap;
    char lines[4096];
    regel_test_summary s;
} Report;

static int take_output(void *ctx, const char *data, size_t n)
{
    Report *r = ctx;
    collect_append(&r->out, &r->len, &r->cap, data, n);
    return 0;
}

static void take_line(void *ctx, const char *line)
{
    Report *r = ctx;
    size_t k = strlen(r->lines);
    snprintf(r->lines + k, sizeof r->lines - k, "%s\n", line);
}

static regel_test_options options(Report *r)
{
    regel_test_options o;
    regel_test_options_init(&o);
    o.today = "2026-11-22";
    o.write = take_output;
    o.write_ctx = r;
    o.report = take_line;
    o.report_ctx = r;
    return o;
}

static const char *out(const Report *r)
{
    return r->out ? r->out : "";
}

/* Writes the policy and runs its tests with o. */
static regel_status run_tests(const char *policy, const regel_test_options *o, Report *r)
{
    char *path = write_file(dir, "policy.regel", policy);
    const char *paths[] = {path};
    regel_status st = regel_test(paths, 1, NULL, NULL, o, &r->s);
    free(path);
    return st;
}

/* Three rules; the four tests see A1 and A3 both holding and failing and
 * A2 only holding. Two names differ from a filter only in case. */
#define POLICY                                                                                   \
    "record Vc {\n"                                                                              \
    "    id: Text\n"                                                                             \
    "    listade: Int\n"                                                                         \
    "    specialister: Int\n"                                                                    \
    "}\n"                                                                                        \
    "source vcs: Vc from jsonl \"vcs.jsonl\" key id\n"                                           \
    "decision u for vc in vcs {\n"                                                               \
    "    outcome ja | nej\n"                                                                     \
    "    must A1 vc.listade >= 1500 else \"för få\"\n"                                           \
    "    must A2 vc.specialister >= 1 else \"ingen\"\n"                                          \
    "    should A3 vc.specialister >= 2 else \"en\"\n"                                           \
    "}\n"                                                                                        \
    "test \"A1 håller\" {\n"                                                                     \
    "    given vcs = [Vc(id: \"E1\", listade: 1500, specialister: 1)]\n"                         \
    "    expect u(first(vcs)!).failed == [\"A3\"]\n"                                             \
    "}\n"                                                                                        \
    "test \"A1 fäller\" {\n"                                                                     \
    "    given vcs = [Vc(id: \"E1\", listade: 1499, specialister: 2)]\n"                         \
    "    expect u(first(vcs)!).failed == [\"A1\"]\n"                                             \
    "}\n"                                                                                        \
    "test \"Återbesök med två\" {\n"                                                             \
    "    given vcs = [Vc(id: \"E1\", listade: 2000, specialister: 2)]\n"                         \
    "    expect u(first(vcs)!).failed == []\n"                                                   \
    "}\n"                                                                                        \
    "test \"efter ÅTERBESÖK med en\" {\n"                                                        \
    "    given vcs = [Vc(id: \"E1\", listade: 2000, specialister: 1)]\n"                         \
    "    expect u(first(vcs)!).failed == [\"A3\"]\n"                                             \
    "}\n"

/* ---------------------------------------------------------------- filters */

Test(testrun, without_filters_every_test_runs)
{
    Report r = {0};
    regel_test_options o = options(&r);
    cr_assert_eq(run_tests(POLICY, &o, &r), REGEL_OK, "%s%s", out(&r), r.lines);
    cr_expect_eq(r.s.passed, 4);
    cr_expect_eq(r.s.filtered, 0);
    cr_expect_eq(r.s.rules, 3);
    cr_expect_eq(r.s.covered, 2);
    cr_expect(strstr(out(&r), "\n4 passed, 0 failed\n"), "no filter, no count of filtered tests:\n%s", out(&r));
}

Test(testrun, a_filter_ignores_case_also_of_swedish_letters)
{
    Report r = {0};
    regel_test_options o = options(&r);
    const char *filters[] = {"återBESÖK"};
    o.filters = filters;
    o.nfilters = 1;
    cr_assert_eq(run_tests(POLICY, &o, &r), REGEL_OK, "%s%s", out(&r), r.lines);
    cr_expect_eq(r.s.passed, 2);
    cr_expect_eq(r.s.filtered, 2);
    cr_expect(strstr(out(&r), "ok    Återbesök med två\n"), "%s", out(&r));
    cr_expect(strstr(out(&r), "ok    efter ÅTERBESÖK med en\n"), "%s", out(&r));
    cr_expect_null(strstr(out(&r), "A1 håller"), "%s", out(&r));
    cr_expect(strstr(out(&r), "2 passed, 0 failed, 2 filtered out\n"), "%s", out(&r));
}

Test(testrun, a_decomposed_filter_finds_a_precomposed_name)
{
    Report r = {0};
    regel_test_options o = options(&r);
    const char *filters[] = {"A\xcc\x8aTERBESO\xcc\x88K"}; /* Å and Ö as letter + combining mark */
    o.filters = filters;
    o.nfilters = 1;
    cr_assert_eq(run_tests(POLICY, &o, &r), REGEL_OK, "%s%s", out(&r), r.lines);
    cr_expect_eq(r.s.passed, 2);
}

Test(testrun, a_test_runs_when_it_matches_any_filter)
{
    Report r = {0};
    regel_test_options o = options(&r);
    const char *filters[] = {"återbesök", "fäller"};
    o.filters = filters;
    o.nfilters = 2;
    cr_assert_eq(run_tests(POLICY, &o, &r), REGEL_OK, "%s%s", out(&r), r.lines);
    cr_expect_eq(r.s.passed, 3);
    cr_expect_eq(r.s.filtered, 1);
}

Test(testrun, coverage_counts_only_the_tests_that_ran)
{
    Report r = {0};
    regel_test_options o = options(&r);
    const char *filters[] = {"återbesök"};
    o.filters = filters;
    o.nfilters = 1;
    cr_assert_eq(run_tests(POLICY, &o, &r), REGEL_OK, "%s%s", out(&r), r.lines);
    cr_expect_eq(r.s.rules, 3, "every rule counts");
    cr_expect_eq(r.s.covered, 1, "only A3 is seen both ways by the two tests");
    cr_expect(strstr(out(&r), "A1     never seen failing"), "%s", out(&r));
}

Test(testrun, a_filter_that_matches_nothing_is_a_usage_error)
{
    Report r = {0};
    regel_test_options o = options(&r);
    const char *filters[] = {"återbesök", "återbud"};
    o.filters = filters;
    o.nfilters = 2;
    cr_assert_eq(run_tests(POLICY, &o, &r), REGEL_ERR_USAGE);
    cr_expect_str_eq(r.lines, "no test name contains 'återbud'\n");
    cr_expect_str_eq(out(&r), "", "no test ran");
    cr_expect_eq(r.s.passed + r.s.failed, 0);
}

/* ---------------------------------------------------------------- required coverage */

Test(testrun, coverage_below_the_requirement_has_its_own_status)
{
    Report r = {0};
    regel_test_options o = options(&r);
    o.min_coverage = 87.5;
    cr_assert_eq(run_tests(POLICY, &o, &r), REGEL_ERR_COVERAGE, "%s", out(&r));
    cr_expect_eq(r.s.failed, 0);
    /* The share is rounded down: 66.66... never shows as 66.7. */
    const char *last = "4 passed, 0 failed\nrule coverage 2 of 3 (66.6 %) is below the required 87.5 %\n";
    cr_expect(strlen(out(&r)) >= strlen(last) && strcmp(out(&r) + strlen(out(&r)) - strlen(last), last) == 0,
              "the report ends with the requirement:\n%s", out(&r));
}

Test(testrun, coverage_that_meets_the_requirement_exactly_passes)
{
    /* Two rules, one seen both ways: exactly 50 %. */
    const char *policy = "decision d for x in [1] key \"k\" {\n"
                         "    outcome ja | nej\n"
                         "    must R1 x > 0 else \"r1\"\n"
                         "    must R2 x > 5 else \"r2\"\n"
                         "}\n"
                         "test \"t\" {\n"
                         "    expect d(1).failed == [\"R2\"]\n"
                         "    expect d(9).failed == []\n"
                         "}\n";
    Report r = {0};
    regel_test_options o = options(&r);
    o.min_coverage = 50;
    cr_expect_eq(run_tests(policy, &o, &r), REGEL_OK, "%s", out(&r));
    cr_expect_null(strstr(out(&r), "below"), "%s", out(&r));
    Report r2 = {0};
    o = options(&r2);
    o.min_coverage = 50.1;
    cr_expect_eq(run_tests(policy, &o, &r2), REGEL_ERR_COVERAGE, "%s", out(&r2));
    cr_expect(strstr(out(&r2), "rule coverage 1 of 2 (50.0 %) is below the required 50.1 %\n"), "%s", out(&r2));
}

Test(testrun, a_failed_test_wins_over_low_coverage)
{
    const char *policy = "decision d for x in [1] key \"k\" {\n"
                         "    outcome ja | nej\n"
                         "    must R1 x > 0 else \"r1\"\n"
                         "}\n"
                         "test \"t\" {\n"
                         "    expect d(1).failed == [\"R1\"]\n"
                         "}\n";
    Report r = {0};
    regel_test_options o = options(&r);
    o.min_coverage = 100;
    cr_assert_eq(run_tests(policy, &o, &r), REGEL_ERR_TESTS, "%s", out(&r));
    cr_expect(strstr(out(&r), "0 passed, 1 failed\nrule coverage 0 of 1 (0.0 %) is below the required 100 %\n"),
              "%s", out(&r));
}

Test(testrun, a_program_without_rules_meets_any_requirement)
{
    Report r = {0};
    regel_test_options o = options(&r);
    o.min_coverage = 100;
    cr_expect_eq(run_tests("test \"t\" {\n    expect 1 + 1 == 2\n}\n", &o, &r), REGEL_OK, "%s", out(&r));
}

Test(testrun, a_requirement_outside_0_to_100_is_a_usage_error)
{
    const double bad[] = {120, -1, 100.5, NAN};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        Report r = {0};
        regel_test_options o = options(&r);
        o.min_coverage = bad[i];
        cr_expect_eq(run_tests(POLICY, &o, &r), REGEL_ERR_USAGE, "%g", bad[i]);
        cr_expect(strstr(r.lines, "a percentage from 0 to 100"), "%g: %s", bad[i], r.lines);
        cr_expect_str_eq(out(&r), "", "%g: nothing ran", bad[i]);
    }
}

Test(testrun, a_bad_date_is_reported)
{
    Report r = {0};
    regel_test_options o = options(&r);
    o.today = "2026-02-30";
    cr_expect_eq(run_tests(POLICY, &o, &r), REGEL_ERR_USAGE);
    cr_expect_str_eq(r.lines, "2026-02-30 is not a date in the calendar\n");
    Report r2 = {0};
    o = options(&r2);
    o.today = "30/2";
    cr_expect_eq(run_tests(POLICY, &o, &r2), REGEL_ERR_USAGE);
    cr_expect_str_eq(r2.lines, "the date for today is written YYYY-MM-DD, not '30/2'\n");
}

/* ---------------------------------------------------------------- what EXPECT_FAIL carries */

/* Runs the only test of policy through the VM and returns its failures. */
static VmTest run_chunk(const char *policy)
{
    Program *p = compile_ok(policy);
    cr_assert_eq(p->ntests, 1);
    Vm *vm = vm_new(p, NULL, ymd(2026, 11, 22), vm_default_limits());
    VmTest t;
    memset(&t, 0, sizeof t);
    vm_set_test(vm, &t);
    cr_assert(vm_run_chunk(vm, p->tests[0].chunk), "%s", vm_error(vm));
    return t;
}

Test(testrun, an_equality_hands_both_sides_with_the_literal_one_expected)
{
    VmTest t = run_chunk("test \"t\" {\n"
                         "    let x = [1, 2]\n"
                         "    expect x == [1, 3]\n"
                         "    expect [2, 2] == x\n"
                         "    expect x == reverse(x)\n"
                         "}\n");
    cr_assert_eq(t.nfailures, 3);
    cr_expect_str_eq(to_json(t.failures[0].expected), "[1,3]");
    cr_expect_str_eq(to_json(t.failures[0].actual), "[1,2]");
    cr_expect_str_eq(to_json(t.failures[1].expected), "[2,2]", "a literal on the left is still the expected side");
    cr_expect_str_eq(to_json(t.failures[1].actual), "[1,2]");
    /* Neither side literal: `actual == expected`. */
    cr_expect_str_eq(to_json(t.failures[2].expected), "[2,1]");
    cr_expect_str_eq(to_json(t.failures[2].actual), "[1,2]");
}

Test(testrun, other_expectations_hand_no_sides)
{
    VmTest t = run_chunk("test \"t\" {\n"
                         "    let x = [1, 2]\n"
                         "    expect x != [1, 2]\n"
                         "    expect 3 in x\n"
                         "    expect count(x) > 5\n"
                         "    expect x == [] and true\n"
                         "}\n");
    cr_assert_eq(t.nfailures, 4);
    for (uint32_t i = 0; i < t.nfailures; i++) {
        cr_expect_eq(t.failures[i].expected.tag, V_NONE, "expectation %u", i);
        cr_expect_eq(t.failures[i].actual.tag, V_NONE, "expectation %u", i);
        cr_expect_eq(t.failures[i].detail.tag, V_TEXT, "expectation %u", i);
    }
}

/* ---------------------------------------------------------------- differences */

/* The report of a policy whose tests fail. */
static const char *failing_report(const char *policy, Report *r)
{
    regel_test_options o = options(r);
    cr_assert_eq(run_tests(policy, &o, r), REGEL_ERR_TESTS, "%s%s", out(r), r->lines);
    return out(r);
}

#define EXPECT_IN(report, text) cr_expect(strstr((report), (text)), "expected\n%s\nin\n%s", (text), (report))

Test(testrun, a_list_difference_shows_missing_and_extra_elements)
{
    Report r = {0};
    const char *rep = failing_report("test \"t\" {\n"
                                     "    let x = [\"B1\", \"B2\", \"B4\"]\n"
                                     "    expect x == [\"B1\", \"B3\", \"B4\"]\n"
                                     "}\n",
                                     &r);
    EXPECT_IN(rep, "policy.regel:3:12: expect x == [\"B1\", \"B3\", \"B4\"]\n"
                   "            x is [\"B1\", \"B2\", \"B4\"]\n"
                   "            difference (- expected, + actual):\n"
                   "              \"B1\"\n"
                   "            - \"B3\"\n"
                   "            + \"B2\"\n"
                   "              \"B4\"\n");
}

Test(testrun, a_record_difference_pairs_changed_fields)
{
    Report r = {0};
    const char *rep = failing_report("record R {\n    a: Int\n    b: Text\n    c: List<Int>\n}\n"
                                     "test \"t\" {\n"
                                     "    let x = R(a: 1, b: \"x\", c: [1])\n"
                                     "    expect x == R(a: 1, b: \"y\", c: [])\n"
                                     "}\n",
                                     &r);
    EXPECT_IN(rep, "            difference (- expected, + actual):\n"
                   "              a: 1\n"
                   "            - b: \"y\"\n"
                   "            + b: \"x\"\n"
                   "            - c: []\n"
                   "            + c: [1]\n");
}

Test(testrun, a_text_difference_marks_where_the_texts_part)
{
    Report r = {0};
    /* The caret counts characters, and the escapes of the literal form. */
    const char *rep = failing_report("test \"t\" {\n"
                                     "    let x = \"ä \\\"ö\\\" å\"\n"
                                     "    expect x == \"ä \\\"ö\\\" a\"\n"
                                     "}\n",
                                     &r);
    EXPECT_IN(rep, "            difference (- expected, + actual):\n"
                   "            - \"ä \\\"ö\\\" a\"\n"
                   "            + \"ä \\\"ö\\\" å\"\n"
                   "                       ^ differs from character 7\n");
}

Test(testrun, a_text_that_is_the_start_of_the_other_is_marked_at_its_end)
{
    Report r = {0};
    const char *rep = failing_report("test \"t\" {\n    let x = \"abc\"\n    expect x == \"ab\"\n}\n", &r);
    EXPECT_IN(rep, "            - \"ab\"\n"
                   "            + \"abc\"\n"
                   "                 ^ differs from character 3\n");
}

Test(testrun, no_difference_where_the_line_says_it_all)
{
    Report r = {0};
    const char *rep = failing_report("test \"t\" {\n"
                                     "    let x = [1]\n"
                                     "    expect x == []\n"
                                     "    expect count(x) == 2\n"
                                     "    expect x != [1]\n"
                                     "}\n",
                                     &r);
    cr_expect_null(strstr(rep, "difference"), "%s", rep);
}

/* A policy comparing a list of n numbers from 1 with the same list where
 * every number in [from, to] is replaced by its negative. */
static const char *long_lists(int n, int from, int to)
{
    RgBuf b;
    buf_init(&b);
    buf_adds(&b, "test \"t\" {\n    let x = [");
    for (int i = 1; i <= n; i++)
        buf_printf(&b, "%s%d", i > 1 ? ", " : "", i >= from && i <= to ? -i : i);
    buf_adds(&b, "]\n    expect x == [");
    for (int i = 1; i <= n; i++)
        buf_printf(&b, "%s%d", i > 1 ? ", " : "", i);
    buf_adds(&b, "]\n}\n");
    return b.data;
}

Test(testrun, unchanged_runs_are_counted_beyond_their_context)
{
    Report r = {0};
    const char *rep = failing_report(long_lists(30, 10, 10), &r);
    EXPECT_IN(rep, "            difference (- expected, + actual):\n"
                   "              ... 7 unchanged\n"
                   "              8\n"
                   "              9\n"
                   "            - 10\n"
                   "            + -10\n"
                   "              11\n"
                   "              12\n"
                   "              ... 18 unchanged\n");
}

Test(testrun, a_long_difference_is_cut_and_counted)
{
    Report r = {0};
    const char *rep = failing_report(long_lists(60, 1, 60), &r);
    /* Nothing in common: 60 removed, then 60 added; 40 lines are shown. */
    EXPECT_IN(rep, "            - 1\n            - 2\n");
    EXPECT_IN(rep, "            - 40\n              ... and 80 more changed lines\n");
    cr_expect_null(strstr(rep, "+ -1\n"), "%s", rep);
}

Test(testrun, lists_too_long_to_align_are_shown_removed_then_added)
{
    Report r = {0};
    /* 1 100 × 1 100 pairs: past the alignment table's limit. */
    const char *rep = failing_report(long_lists(1100, 2, 1099), &r);
    EXPECT_IN(rep, "            difference (- expected, + actual):\n"
                   "              1\n"
                   "            - 2\n");
    /* 1 and 39 removed lines shown; 1 059 removed and 1 098 added left. */
    EXPECT_IN(rep, "            - 40\n              ... and 2157 more changed lines\n");
}
