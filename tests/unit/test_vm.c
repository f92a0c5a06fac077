/*
 * test_vm.c — evaluation (src/vm.c and the natives): what a policy
 * computes. Arithmetic and its errors, exact decimals, calendar months,
 * comparisons across Int and Decimal, Swedish text order, the collection
 * functions, `??` and `?.`, messages, the step, depth and memory limits
 * (errors with the span where they happened), and decisions: guards,
 * for-each rules, includes, outcomes, fields; and a few whole runs over
 * export files (index selection, lookups, filtered walks).
 */
#include "policy_helpers.h"

static void setup(void)
{
    rg_alloc_init();
}

TestSuite(vm, .init = setup);

/* Evaluates and expects a run-time error containing `message` whose span
 * covers exactly `where`. */
static void expect_error(const char *prelude, const char *expr, const char *message, const char *where)
{
    Eval e = eval_in(prelude, expr);
    cr_assert(!e.ok, "%s evaluated to %s, expected an error", expr, to_json(e.value));
    cr_assert_not_null(e.error);
    cr_expect(strstr(e.error, message), "%s failed with \"%s\", expected \"%s\"", expr, e.error, message);
    cr_expect_neq(e.span.file, 0, "the error has a span");
    if (where)
        cr_expect_str_eq(span_text(e.files, e.span), where, "the error of %s is marked at the wrong place", expr);
}

static VmLimits limits(uint64_t steps, uint64_t memory, uint32_t depth)
{
    VmLimits l = vm_default_limits();
    if (steps)
        l.max_steps = steps;
    if (memory)
        l.max_memory = memory;
    if (depth)
        l.max_depth = depth;
    return l;
}

/* ---------------------------------------------------------------- arithmetic */

Test(vm, integer_arithmetic)
{
    EXPECT_JSON("", "x + 2 * 3", "7");
    EXPECT_JSON("", "(x + 2) * 3", "9");
    EXPECT_JSON("", "x - 10", "-9");
    EXPECT_JSON("", "7 % 3", "1");
    EXPECT_JSON("", "-7 % 3", "-1");
    EXPECT_JSON("", "(x - 8) % x", "0");
    EXPECT_JSON("", "-x", "-1");
    EXPECT_JSON("", "x * 9223372036854775807", "9223372036854775807");
    EXPECT_JSON("", "-9223372036854775807 - x", "-9223372036854775808");
}

Test(vm, integer_overflow_is_an_error_with_its_span)
{
    expect_error("", "x + 9223372036854775807", "integer overflow in +", "x + 9223372036854775807");
    expect_error("", "1 + (x * 9223372036854775807 * 2)", "integer overflow in *", "x * 9223372036854775807 * 2");
    expect_error("", "-9223372036854775807 - x - x", "integer overflow in -", "-9223372036854775807 - x - x");
    expect_error("", "2 * -(-9223372036854775807 - x)", "integer overflow", "-(-9223372036854775807 - x)");
    expect_error("", "9223372036854775807 + 1", "integer overflow in +", "9223372036854775807 + 1");
    expect_error("", "sum([9223372036854775807, x])", "integer overflow", NULL);
}

Test(vm, division_always_gives_a_decimal)
{
    EXPECT_JSON("", "10 / 4", "\"2.5\"");
    EXPECT_JSON("", "x * 6 / 3", "\"2\"");
    EXPECT_JSON("", "1 / 3", "\"0.333333333333333333\"");
    EXPECT_JSON("", "2 / 3", "\"0.666666666666666667\"");
    EXPECT_JSON("", "1 / 8", "\"0.125\"");
    EXPECT_JSON("", "-7 / 2", "\"-3.5\"");
    EXPECT_JSON("", "12.5 / 0.5", "\"25\"");
}

Test(vm, division_by_zero)
{
    expect_error("", "1 + x / 0", "division by zero", "x / 0");
    expect_error("", "x / (x - 1.0)", "division by zero", "x / (x - 1.0)");
    expect_error("", "x % (x - 1)", "division by zero in %", "x % (x - 1)");
}

Test(vm, decimals_are_exact)
{
    EXPECT_JSON("", "0.1 + 0.2 == 0.3", "true");
    EXPECT_JSON("const A = 0.1", "A * x + 0.2 == 0.3", "true");
    EXPECT_JSON("", "0.1 * x + 0.2", "\"0.3\"");
    EXPECT_JSON("", "1.1 * 1.1", "\"1.21\"");
    EXPECT_JSON("", "x - 0.9", "\"0.1\"");
    EXPECT_JSON("", "sum([0.1, 0.2, 0.3], it * x)", "\"0.6\"");
    EXPECT_JSON("", "62.5 + 37.50", "\"100\"");
    expect_error("", "x * 9223372036854775807.0 * 10", "too large for an exact decimal", NULL);
}

/* Sums and comparisons are worked out inline when both numbers fit in 64
 * bits at the larger scale; these need more on the way, take the exact
 * 128-bit way and give the same answers. */
Test(vm, decimals_beyond_64_bits_on_the_way)
{
    EXPECT_JSON("", "922337203685477580.7 * x + 0.3", "\"922337203685477581\"");
    EXPECT_JSON("", "922337203685477580.7 * x - -0.3", "\"922337203685477581\"");
    EXPECT_JSON("", "9223372036854775807 * x > 0.5", "true");
    EXPECT_JSON("", "-9223372036854775807 * x < -0.5", "true");
    EXPECT_JSON("", "0.000000000000000001 * x < 9223372036854775807", "true");
    EXPECT_JSON("", "9223372036854775807 * x == 9223372036854775807.0", "true");
    expect_error("", "9223372036854775807 * x - 0.5", "too large for an exact decimal", NULL);
}

/* sum(xs, .field) and map(xs, .field) are one instruction each
 * (SUM_FIELD, MAP_FIELD): the same sums, the same Decimal scales and the
 * same overflow as the loops they stand for. */
Test(vm, sums_and_maps_of_a_field)
{
    const char *rec = "record P { n: Int  d: Decimal }";
    EXPECT_JSON(rec, "map([P(n: x, d: 0.5), P(n: 2, d: x)], .d)", "[\"0.5\",\"1\"]");
    EXPECT_JSON(rec, "map([P(n: x, d: 0.5)] where .n > 5, .n)", "[]");
    EXPECT_JSON(rec, "sum([P(n: x, d: 0.5), P(n: 2, d: x), P(n: 3, d: 0.25)], .n)", "6");
    EXPECT_JSON(rec, "sum([P(n: x, d: 0.5), P(n: 2, d: x), P(n: 3, d: 0.25)], .d)", "\"1.75\"");
    EXPECT_JSON(rec, "sum([P(n: x, d: 0.5)] where .n > 5, .d)", "\"0\"");
    EXPECT_JSON(rec, "sum([P(n: x, d: 0.5)] where .n > 5, .n)", "0");
    EXPECT_JSON(rec, "sum([P(n: x, d: 922337203685477580.7), P(n: x, d: 0.3)], .d)", "\"922337203685477581\"");
    expect_error(rec, "sum([P(n: 9223372036854775807, d: x), P(n: x, d: x)], .n)", "integer overflow in +", NULL);
    expect_error(rec, "sum([P(n: x, d: 9223372036854775807), P(n: x, d: 0.5)], .d)", "too large for an exact decimal",
                 NULL);
}

Test(vm, rounding_functions)
{
    EXPECT_JSON("", "round(2.345, 2)", "\"2.35\"");
    EXPECT_JSON("", "round(-2.5, 0)", "\"-3\"");
    EXPECT_JSON("", "round(x, 2)", "1");
    EXPECT_JSON("", "floor(-2.5)", "-3");
    EXPECT_JSON("", "ceil(2.1)", "3");
    EXPECT_JSON("", "floor(4400 / 1500)", "2");
    EXPECT_JSON("", "abs(-2.5)", "\"2.5\"");
    EXPECT_JSON("", "abs(x - 5)", "4");
}

/* BUG: an Int that flows into a Decimal-typed value keeps its Int tag when
 * the compiler folds a list literal or takes an optional's value with ??,
 * so the JSON output (the DECISIONS.md contract: decimals are strings)
 * mixes numbers and strings for one Decimal field. Repro:
 *   field v = [1, 2.5]            -> [1,"2.5"]   (expected ["1","2.5"])
 *   field v = first([5]) ?? 1.5   -> 5           (expected "5")
 *   field v = max([3, 2.5])       -> 3           (expected "3") */
Test(vm, decimal_typed_values_are_decimals_in_json)
{
    EXPECT_JSON("", "[1, 2.5]", "[\"1\",\"2.5\"]");
    EXPECT_JSON("", "first([5]) ?? 1.5", "\"5\"");
    EXPECT_JSON("", "max([3, 2.5])", "\"3\"");
}

Test(vm, int_widened_to_decimal_where_declared)
{
    EXPECT_JSON("const D: Decimal = 2", "D", "\"2\"");
    EXPECT_JSON("fn half(d: Decimal) -> Decimal = d", "half(x)", "\"1\"");
    EXPECT_JSON("", "if x > 0 then x else 2.5", "\"1\"");
    EXPECT_JSON("", "x + 0.0", "\"1\"");
}

/* ---------------------------------------------------------------- dates */

Test(vm, months_clamp_to_the_end_of_the_month)
{
    EXPECT_JSON("", "2026-01-31 + 1 month", "\"2026-02-28\"");
    EXPECT_JSON("", "2024-01-31 + 1 month", "\"2024-02-29\"");
    EXPECT_JSON("", "2024-02-29 + 1 year", "\"2025-02-28\"");
    EXPECT_JSON("", "2026-03-31 - 1 month", "\"2026-02-28\"");
    EXPECT_JSON("", "2026-01-31 + x months + 1 day", "\"2026-03-01\"");
    EXPECT_JSON("", "2026-08-31 + 3 months", "\"2026-11-30\"");
    EXPECT_JSON("", "2026-02-28 + 2 weeks", "\"2026-03-14\"");
    EXPECT_JSON("", "today + 1 year", "\"2027-02-28\"");
}

Test(vm, date_arithmetic_and_parts)
{
    EXPECT_JSON("", "2026-03-01 - 2026-02-01", "28");
    EXPECT_JSON("", "2024-03-01 - 2024-02-01", "29");
    EXPECT_JSON("", "days_between(2026-01-01, 2026-03-01)", "59");
    EXPECT_JSON("", "months_between(2026-01-31, 2026-02-28)", "1");
    EXPECT_JSON("", "months_between(2026-01-15, 2026-02-14)", "0");
    EXPECT_JSON("", "today", "\"2026-02-28\"");
    EXPECT_JSON("", "today.year * 100 + today.month", "202602");
    EXPECT_JSON("", "today.day", "28");
    EXPECT_JSON("", "weekday(2026-02-28)", "6");
    EXPECT_JSON("", "date(2024, 2, 29)", "\"2024-02-29\"");
    EXPECT_JSON("", "(1 year + 2 months).months", "14");
    EXPECT_JSON("", "period(2026-01-01, 2026-03-31).end", "\"2026-03-31\"");
}

Test(vm, date_errors)
{
    expect_error("", "9999-12-31 + x day", "outside the years 1 to 9999", "9999-12-31 + x day");
    expect_error("", "0001-01-01 - x day", "outside the years 1 to 9999", NULL);
    expect_error("", "date(2026, 2, 29)", "no such date", "date(2026, 2, 29)");
    expect_error("", "period(2026-02-01, 2026-01-01)", "a period cannot end before it starts", NULL);
}

/* BUG: the built-ins year(d), month(d), day(d) and days(p) listed in
 * grammar/README.md cannot be called: year/month/day/days are unit words
 * to the scanner, so `year(today)` is the syntax error "unexpected unit,
 * expected an expression" (d.year works). Repro:
 *   decision t for x in [1] key "k" { outcome ja | nej  field v = year(today) } */
Test(vm, date_part_functions_can_be_called)
{
    EXPECT_JSON("", "year(2026-02-28)", "2026");
    EXPECT_JSON("", "month(2026-02-28)", "2");
    EXPECT_JSON("", "day(2026-02-28)", "28");
    EXPECT_JSON("", "days(period(2026-01-01, 2026-01-31))", "31");
}

/* ---------------------------------------------------------------- comparisons and text order */

Test(vm, comparisons_across_int_and_decimal)
{
    EXPECT_JSON("", "x == 1.0", "true");
    EXPECT_JSON("", "x != 1.00", "false");
    EXPECT_JSON("", "x < 1.5", "true");
    EXPECT_JSON("", "2 > 1.99", "true");
    EXPECT_JSON("", "x >= 1.000000000000000001", "false");
    EXPECT_JSON("", "[x, 2] == [1.0, 2]", "true");
    EXPECT_JSON("", "x in [1.0, 3]", "true");
    EXPECT_JSON("", "min(x, 0.5)", "\"0.5\"");
}

Test(vm, text_in_swedish_order)
{
    EXPECT_JSON("", "\"ö\" > \"z\"", "true");
    EXPECT_JSON("", "\"å\" < \"ä\" and \"ä\" < \"ö\"", "true");
    EXPECT_JSON("", "\"Örebro\" > \"Zinkgruvan\"", "true");
    EXPECT_JSON("", "sort([\"ö\", \"a\", \"å\", \"z\", \"ä\"])", "[\"a\",\"z\",\"å\",\"ä\",\"ö\"]");
    EXPECT_JSON("", "sort_by([\"Östen\", \"Anna\", \"Åke\", \"Zlatan\"], it)", "[\"Anna\",\"Zlatan\",\"Åke\",\"Östen\"]");
    EXPECT_JSON("", "min([\"ö\", \"z\", \"å\"])", "\"z\"");
    EXPECT_JSON("", "max([\"ö\", \"z\", \"å\"])", "\"ö\"");
    /* Equality is exact. */
    EXPECT_JSON("", "\"a\" == \"A\"", "false");
}

Test(vm, enum_order_and_membership)
{
    const char *bt = "enum Bt = ej_aktuell | pagaende | klar\nconst ALLA: List<Bt> = [klar, ej_aktuell]";
    EXPECT_JSON(bt, "Bt.pagaende < Bt.klar", "true");
    EXPECT_JSON(bt, "Bt.klar in ALLA", "true");
    EXPECT_JSON(bt, "Bt.pagaende not in ALLA", "true");
    EXPECT_JSON(bt, "sort(ALLA)", "[\"ej_aktuell\",\"klar\"]");
    EXPECT_JSON(bt, "max(ALLA)", "\"klar\"");
}

Test(vm, membership)
{
    EXPECT_JSON("", "2 in [1, 2]", "true");
    EXPECT_JSON("", "3 not in [1, 2]", "true");
    EXPECT_JSON("", "x in []", "false");
    EXPECT_JSON("", "\"b\" in set([\"c\", \"b\"])", "true");
    EXPECT_JSON("", "2026-01-31 in period(2026-01-01, 2026-01-31)", "true");
    EXPECT_JSON("", "2026-02-01 in period(2026-01-01, 2026-01-31)", "false");
    EXPECT_JSON("", "contains(period(2026-01-01, 2026-01-31), 2026-01-01)", "true");
    EXPECT_JSON("", "overlaps(period(2026-01-01, 2026-01-31), period(2026-01-31, 2026-02-10))", "true");
    EXPECT_JSON("", "overlaps(period(2026-01-01, 2026-01-30), period(2026-01-31, 2026-02-10))", "false");
}

/* ---------------------------------------------------------------- collections */

Test(vm, where_and_count)
{
    EXPECT_JSON("", "[1, 2, 3, 4] where it > 2", "[3,4]");
    EXPECT_JSON("", "[1, 2, 3, 4] where n => n % 2 == 0", "[2,4]");
    EXPECT_JSON("", "[1, 2, 3, 4, 5, 6] where not (it > 1 and it < 5)", "[1,5,6]");
    EXPECT_JSON("", "set([3, 1, 2]) where it > 1", "[2,3]");
    EXPECT_JSON("", "count([1, 2, 3])", "3");
    EXPECT_JSON("", "count([1, 2, 3], it > x)", "2");
    EXPECT_JSON("", "count([x] where it > 5)", "0");
    EXPECT_JSON("", "count([1, 2, 3, 4], not (it > 1 and it < 4))", "2");
}

Test(vm, sum_min_max)
{
    EXPECT_JSON("", "sum([1, 2, 3])", "6");
    EXPECT_JSON("", "sum([1, 2, 3], it * it)", "14");
    EXPECT_JSON("", "sum([x] where it > 5)", "0");
    EXPECT_JSON("", "sum([1.5, 2.5], it)", "\"4\"");
    EXPECT_JSON("", "min([3, 1, 2])", "1");
    EXPECT_JSON("", "max([3, 1, 2])", "3");
    EXPECT_JSON("", "min([3, 1, 2], -it)", "-3");
    EXPECT_JSON("", "min([x] where it > 5)", "null");
    EXPECT_JSON("", "max([2026-01-01, 2026-03-01, 2026-02-01])", "\"2026-03-01\"");
    EXPECT_JSON("", "min(x, 5)", "1");
    EXPECT_JSON("", "max(x, 5)", "5");
    EXPECT_JSON("", "max(2026-01-01, 2026-02-01)", "\"2026-02-01\"");
}

Test(vm, any_all)
{
    EXPECT_JSON("", "any([1, 2], it > 1)", "true");
    EXPECT_JSON("", "any([1, 2], it > 2)", "false");
    EXPECT_JSON("", "all([1, 2], it > 0)", "true");
    EXPECT_JSON("", "all([1, 2], it > 1)", "false");
    EXPECT_JSON("", "any([x] where it > 5, it > 0)", "false");
    EXPECT_JSON("", "all([x] where it > 5, it > 0)", "true");
    EXPECT_JSON("", "any([false, x > 0])", "true");
    EXPECT_JSON("", "all([true, x > 1])", "false");
    EXPECT_JSON("", "any([1, 2], a => any([2, 3], b => a == b))", "true");
}

Test(vm, map_first_where_sort_by)
{
    EXPECT_JSON("", "map([1, 2], it * 2)", "[2,4]");
    EXPECT_JSON("", "map([1, 2], a => map([10, 20], b => a * b))", "[[10,20],[20,40]]");
    EXPECT_JSON("", "map([x] where it > 5, it)", "[]");
    EXPECT_JSON("", "first_where([1, 2, 3], it > 1)", "2");
    EXPECT_JSON("", "first_where([1, 2, 3], it > 5)", "null");
    EXPECT_JSON("", "sort_by([3, 1, 2], it)", "[1,2,3]");
    EXPECT_JSON("", "sort_by([3, 1, 2], -it)", "[3,2,1]");
    /* Stable, and later keys break ties. */
    EXPECT_JSON("", "sort_by([[2, 1], [1, 2], [2, 0], [1, 1]], it[0])", "[[1,2],[1,1],[2,1],[2,0]]");
    EXPECT_JSON("", "sort_by([[2, 1], [1, 2], [2, 0], [1, 1]], it[0], it[1])", "[[1,1],[1,2],[2,0],[2,1]]");
}

Test(vm, list_functions)
{
    EXPECT_JSON("", "[1, 2, 3][1]", "2");
    EXPECT_JSON("", "first([7, 8])", "7");
    EXPECT_JSON("", "last([7, 8])", "8");
    EXPECT_JSON("", "first([x] where it > 5)", "null");
    EXPECT_JSON("", "reverse([1, 2, 3])", "[3,2,1]");
    /* 1.0 makes it a list of Decimal, which JSON output writes as strings. */
    EXPECT_JSON("", "distinct([2, 1, 2, 1.0, 3])", "[\"2\",\"1\",\"3\"]");
    EXPECT_JSON("", "distinct([2, 1, 2, 3])", "[2,1,3]");
    EXPECT_JSON("", "flatten([[1], [], [2, 3]])", "[1,2,3]");
    EXPECT_JSON("", "set([3, 1, 1, 2])", "[1,2,3]");
    EXPECT_JSON("", "length([1, 2])", "2");
    EXPECT_JSON("", "union([1, 2], [2, 3])", "[1,2,3]");
    EXPECT_JSON("", "intersection([1, 2], set([2, 3]))", "[2]");
    EXPECT_JSON("", "difference([1, 2, 3], [2])", "[1,3]");
    EXPECT_JSON("", "take([3, 1, 2], 2)", "[3,1]");
    EXPECT_JSON("", "take([3, 1], 5)", "[3,1]");
    EXPECT_JSON("", "take([3, 1], 0)", "[]");
    EXPECT_JSON("", "subset_of([1, 2, 3, 4, 5], [5, 4, 3, 2, 1, 0])", "true");
    EXPECT_JSON("", "subset_of([1, 2, 3, 4, 9], [5, 4, 3, 2, 1, 0])", "false");
    EXPECT_JSON("", "subset_of(take([1], 0), [2])", "true");
    EXPECT_JSON("", "subset_of([1.0], [2, 1])", "true");
    EXPECT_JSON("", "subset_of([1], [1, 2])", "true");
    EXPECT_JSON("", "subset_of([1, 4], [1, 2])", "false");
    expect_error("", "[1, 2, 3][x + 2]", "the position is outside the list", "[1, 2, 3][x + 2]");
    expect_error("", "[1, 2, 3][-x]", "the position is outside the list", NULL);
}

Test(vm, text_functions)
{
    EXPECT_JSON("", "length(\"åäö\")", "3");
    EXPECT_JSON("", "upper(\"åäö\")", "\"ÅÄÖ\"");
    EXPECT_JSON("", "lower(\"ÅÄÖ X\")", "\"åäö x\"");
    EXPECT_JSON("", "trim(\"  a b \")", "\"a b\"");
    EXPECT_JSON("", "starts_with(\"Allmänmedicin\", \"Allm\")", "true");
    EXPECT_JSON("", "ends_with(\"Allmänmedicin\", \"cin\")", "true");
    EXPECT_JSON("", "contains(\"Allmänmedicin\", \"män\")", "true");
    EXPECT_JSON("", "contains(\"Allmänmedicin\", \"x\")", "false");
    EXPECT_JSON("", "join([\"a\", \"b\"], \"-\")", "\"a-b\"");
    EXPECT_JSON("", "join([1500, 2], \"; \")", "\"1 500; 2\"");
    EXPECT_JSON("", "\"a\" + \"b\" + text(x)", "\"ab1\"");
}

/* ---------------------------------------------------------------- ?? and ?. */

Test(vm, coalesce)
{
    EXPECT_JSON("", "first([7]) ?? 5", "7");
    EXPECT_JSON("", "first([x] where it > 5) ?? 5", "5");
    EXPECT_JSON("", "first([x] where it > 5) ?? first([x] where it > 5) ?? 9", "9");
    EXPECT_JSON("const XS: List<Int?> = [1, none, 3]", "map(XS, it ?? 0)", "[1,0,3]");
    EXPECT_JSON("const XS: List<Int?> = [1, none, 3]", "sum(XS, it ?? 10)", "14");
    EXPECT_JSON("const XS: List<Int?> = [1, none, 3]", "count(XS where it == none)", "1");
    /* The default is only evaluated when needed. */
    EXPECT_JSON("", "first([x]) ?? floor(x / 0)", "1");
}

Test(vm, short_circuit)
{
    EXPECT_JSON("", "x > 5 and 1 / (x - 1) > 0", "false");
    EXPECT_JSON("", "x < 5 or 1 / (x - 1) > 0", "true");
    EXPECT_JSON("", "if x > 0 then 1 else 1 / (x - 1)", "\"1\"");
}

/* ---------------------------------------------------------------- messages */

Test(vm, rendering_in_holes)
{
    EXPECT_JSON("", "\"{1234567 * x} listade\"", "\"1 234 567 listade\"");
    EXPECT_JSON("", "\"{12.50 * x} %\"", "\"12,5 %\"");
    EXPECT_JSON("", "\"{1234.75 * x}\"", "\"1 234,75\"");
    EXPECT_JSON("", "\"{[x, 2, 3]}\"", "\"1, 2 och 3\"");
    EXPECT_JSON("", "\"{x + 2} months: {(x + 2) months}\"", "\"3 months: 3 månader\"");
    EXPECT_JSON("", "\"{(x + 13) months}\"", "\"1 år och 2 månader\"");
    EXPECT_JSON("", "\"{first([x] where it > 5)}\"", "\"saknas\"");
    EXPECT_JSON("", "\"{x > 0}/{x < 0}\"", "\"ja/nej\"");
    EXPECT_JSON("", "\"{today}\"", "\"2026-02-28\"");
    EXPECT_JSON("", "\"{period(2026-01-01, today)}\"", "\"2026-01-01\xe2\x80\x93" "2026-02-28\"");
    EXPECT_JSON("", "\"a\\{b\\} \\\"c\\\" {x}\\n\"", "\"a{b} \\\"c\\\" 1\\n\"");
    EXPECT_JSON("", "\"x{\"y{x + 1}z\"}w\"", "\"xy2zw\"");
    EXPECT_JSON("", "text(1234.75 * x)", "\"1 234,75\"");
    EXPECT_JSON("enum Bt = ej | klar", "\"{Bt.klar}\"", "\"klar\"");
}

/* ---------------------------------------------------------------- limits */

static const char *big_list(int n)
{
    RgBuf b;
    buf_init(&b);
    buf_adds(&b, "const BIG = [");
    for (int i = 0; i < n; i++)
        buf_printf(&b, "%s%d", i ? ", " : "", i);
    buf_adds(&b, "]");
    return b.data;
}

Test(vm, step_limit_stops_a_long_evaluation_with_a_span)
{
    const char *prelude = big_list(200);
    Eval ok = eval_with(prelude, "sum(map(BIG, it * x))", limits(100000, 0, 0));
    cr_assert(ok.ok, "%s", ok.error);
    cr_expect_str_eq(to_json(ok.value), "19900");

    Eval e = eval_with(prelude, "sum(map(BIG, it * x))", limits(100, 0, 0));
    cr_assert(!e.ok, "100 steps are not enough for 200 elements");
    cr_expect(strstr(e.error, "took more steps than its limit allows"), "%s", e.error);
    cr_expect_neq(e.span.file, 0);
    long line, col;
    span_position(e.files, e.span, &line, &col);
    cr_expect_gt(line, 1, "the span is in the decision, not nowhere");
}

Test(vm, no_step_limit_when_zero)
{
    VmLimits l = vm_default_limits();
    l.max_steps = 0;
    Eval e = eval_with(big_list(100), "sum(BIG)", l);
    cr_assert(e.ok, "%s", e.error);
    cr_expect_str_eq(to_json(e.value), "4950");
}

Test(vm, steps_are_counted)
{
    const char *src = "decision t for x in [1] key \"k\" {\n    outcome ja | nej\n    field v = sum([1, 2, 3], it * x)\n}\n";
    Program *p = compile_ok(src);
    Vm *vm = vm_new(p, NULL, ymd(2026, 2, 28), vm_default_limits());
    Verdict v;
    memset(&v, 0, sizeof v);
    cr_assert(vm_decide(vm, 0, val_int(1), &v));
    uint64_t small = vm_steps(vm);
    cr_expect_gt(small, 10);
    cr_expect_lt(small, 1000);
}

Test(vm, depth_limit_stops_deep_calls_with_a_span)
{
    /* Functions this small are compiled into their callers when optimising. */
    compile_flags = COMPILE_NO_OPT;
    const char *fns = "fn f3(n: Int) -> Int = n + 1\nfn f2(n: Int) -> Int = f3(n) * 2\nfn f1(n: Int) -> Int = f2(n) + 1";
    Eval ok = eval_with(fns, "f1(x)", limits(0, 0, 3));
    cr_assert(ok.ok, "%s", ok.error);
    cr_expect_str_eq(to_json(ok.value), "5");
    Eval e = eval_with(fns, "f1(x)", limits(0, 0, 2));
    cr_assert(!e.ok);
    cr_expect(strstr(e.error, "call each other too deeply"), "%s", e.error);
    cr_expect_str_eq(span_text(e.files, e.span), "f3(n)", "the call that went too deep is marked");
}

/* A function compiled into its caller fails where its own text is, as
 * the call of it would. */
Test(vm, an_error_in_an_inlined_function_marks_its_body)
{
    const char *fns = "fn kvot(n: Int) -> Decimal = 10 / n\nfn halva(n: Int) -> Decimal = kvot(n - 1) / 2";
    Eval e = eval_with(fns, "halva(x)", limits(0, 0, 0));
    cr_assert(!e.ok);
    cr_expect(strstr(e.error, "division by zero"), "%s", e.error);
    cr_expect_str_eq(span_text(e.files, e.span), "10 / n");
    Eval ok = eval_with(fns, "halva(x + 4)", limits(0, 0, 0));
    cr_assert(ok.ok, "%s", ok.error);
    cr_expect_str_eq(to_json(ok.value), "\"1.25\"");
}

Test(vm, memory_limit)
{
    const char *prelude = big_list(3000);
    VmLimits l = limits(0, 64 * 1024, 0);
    Eval e = eval_with(prelude, "count(map(BIG, \"a fairly long text number {it} of many {x}\"))", l);
    cr_assert(!e.ok, "3000 texts do not fit in 64 KB");
    cr_expect(strstr(e.error, "more memory than its limit allows"), "%s", e.error);
    cr_expect_neq(e.span.file, 0);
    Eval fine = eval_with(prelude, "count(map(BIG, \"a fairly long text number {it} of many {x}\"))", vm_default_limits());
    cr_assert(fine.ok, "%s", fine.error);
    cr_expect_str_eq(to_json(fine.value), "3000");
}

/* ---------------------------------------------------------------- decisions */

typedef struct Decided {
    Program *prog;
    SourceSet *files;
    const DecisionInfo *d;
    int n;
    bool ok[16];
    Verdict v[16];
    const char *error[16];
} Decided;

/* Runs decision `name` of src (over a computed list) for every subject. */
static Decided *decide(const char *src, const char *name)
{
    Compiled c = compile_text(src);
    cr_assert_not_null(c.prog, "%s", diags_text(c.diags));
    Decided *r = rg_alloc(sizeof *r);
    r->prog = c.prog;
    r->files = c.files;
    int di = program_decision(c.prog, name);
    cr_assert_geq(di, 0);
    r->d = &c.prog->decisions[di];
    cr_assert_geq(r->d->over_chunk, 0);
    Vm *vm = vm_new(c.prog, NULL, ymd(2026, 2, 28), vm_default_limits());
    Value list;
    cr_assert(vm_eval(vm, (uint32_t)r->d->over_chunk, &list), "%s", vm_error(vm));
    cr_assert(list.tag == V_LIST || list.tag == V_SET);
    cr_assert_leq(list.as.list->len, 16);
    for (uint32_t i = 0; i < list.as.list->len; i++) {
        r->ok[i] = vm_decide(vm, (uint32_t)di, list.as.list->items[i], &r->v[i]);
        r->error[i] = r->ok[i] ? NULL : vm_error(vm);
        r->n++;
    }
    return r;
}

/* "outcome: REF severity message | ..." of subject i. */
static const char *summary(const Decided *r, int i)
{
    cr_assert_lt(i, r->n);
    if (!r->ok[i])
        return rg_sprintf("error: %s", r->error[i]);
    const Verdict *v = &r->v[i];
    RgBuf b;
    buf_init(&b);
    buf_printf(&b, "%s:", v->word >= 0 && (uint32_t)v->word < r->d->nwords ? r->d->words[v->word] : "?");
    for (uint32_t k = 0; k < v->nreasons; k++) {
        const RuleInfo *ri = &r->prog->rules[v->reasons[k].rule];
        buf_printf(&b, "%s %s %s %s", k ? " |" : "", ri->ref,
                   ri->severity == SEV_SHOULD ? "should" : ri->severity == SEV_GUARD ? "guard" : "must",
                   render(v->reasons[k].message));
    }
    return b.data;
}

#define SUMMARY(r, i, want) cr_expect_str_eq(summary((r), (i)), (want))

Test(vm, must_should_and_outcome)
{
    Decided *r = decide("decision d for x in [1, 2, 3] key text(x) {\n"
                        "    outcome ja | nej\n"
                        "    must A1 x != 2 else \"A1 {x}\"\n"
                        "    should S1 x < 3 else \"S1 {x}\"\n"
                        "    must A2 x < 2 else \"A2 {x}\"\n"
                        "}\n",
                        "d");
    cr_assert_eq(r->n, 3);
    SUMMARY(r, 0, "ja:");
    SUMMARY(r, 1, "nej: A1 must A1 2 | A2 must A2 2");
    /* A failed should-rule is listed but does not change the outcome. */
    SUMMARY(r, 2, "nej: S1 should S1 3 | A2 must A2 3");
    cr_expect(!r->v[0].must_failed);
    cr_expect(r->v[1].must_failed);
    cr_expect_str_eq(render(r->v[1].key), "2");
}

Test(vm, should_alone_keeps_the_outcome)
{
    Decided *r = decide("decision d for x in [1] key \"k\" {\n    outcome ja | nej\n    should S1 false else \"s\"\n}\n", "d");
    SUMMARY(r, 0, "ja: S1 should s");
}

Test(vm, guard_skips_the_rest)
{
    Decided *r = decide("decision d for x in [0, 1] key text(x) {\n"
                        "    outcome ja | nej\n"
                        "    must A0 x > 5 else \"before\"\n"
                        "    guard G1 x > 0 else \"guard\"\n"
                        "    must A1 false else \"after\"\n"
                        "    should S1 false else \"after should\"\n"
                        "    field f = x * 10\n"
                        "}\n",
                        "d");
    SUMMARY(r, 0, "nej: A0 must before | G1 guard guard");
    /* Fields are computed even when the guard failed. */
    cr_expect_str_eq(to_json(r->v[0].fields[0]), "0");
    SUMMARY(r, 1, "nej: A0 must before | A1 must after | S1 should after should");
    cr_expect_str_eq(to_json(r->v[1].fields[0]), "10");
}

Test(vm, guard_narrows_for_the_rules_after_it)
{
    Decided *r = decide("const XS: List<Int?> = [none, 3]\n"
                        "decision d for x in XS key text(x) {\n"
                        "    outcome ja | nej\n"
                        "    guard G1 x != none else \"saknas\"\n"
                        "    must A1 x > 5 else \"{x} är för litet\"\n"
                        "}\n",
                        "d");
    SUMMARY(r, 0, "nej: G1 guard saknas");
    SUMMARY(r, 1, "nej: A1 must 3 är för litet");
}

Test(vm, for_each_rule_gives_one_reason_per_element)
{
    Decided *r = decide("decision d for x in [1] key \"k\" {\n"
                        "    outcome ja | nej\n"
                        "    must K1 for k in [\"a\", \"bb\", \"ccc\", \"d\"]: length(k) < 2 else \"{k} är för lång\"\n"
                        "    must K2 for n in [x] where it > 5: false else \"never\"\n"
                        "}\n",
                        "d");
    SUMMARY(r, 0, "nej: K1 must bb är för lång | K1 must ccc är för lång");
}

Test(vm, include_runs_the_other_decisions_rules_in_place)
{
    Decided *r = decide("decision inner for x in [1] key \"k\" {\n"
                        "    outcome ja | nej\n"
                        "    guard G1 x > 1 else \"inner guard {x}\"\n"
                        "    must I1 false else \"inner after guard {x}\"\n"
                        "}\n"
                        "decision outer for x in [1, 2] key text(x) {\n"
                        "    outcome ja | nej\n"
                        "    must O0 true else \"o0\"\n"
                        "    include inner(x)\n"
                        "    must O1 x > 5 else \"outer {x}\"\n"
                        "}\n",
                        "outer");
    /* The included guard skips only the rest of the included rules. */
    SUMMARY(r, 0, "nej: G1 guard inner guard 1 | O1 must outer 1");
    SUMMARY(r, 1, "nej: I1 must inner after guard 2 | O1 must outer 2");
}

Test(vm, outcome_block_and_passed)
{
    Decided *r = decide("decision d for x in [1, 2, 3] key text(x) {\n"
                        "    outcome { bra if passed and x == 3  ok if passed  dalig }\n"
                        "    must A1 x != 2 else \"a\"\n"
                        "    field klar = passed\n"
                        "}\n",
                        "d");
    SUMMARY(r, 0, "ok:");
    SUMMARY(r, 1, "dalig: A1 must a");
    SUMMARY(r, 2, "bra:");
    cr_expect_str_eq(to_json(r->v[1].fields[0]), "false");
    cr_expect_str_eq(to_json(r->v[2].fields[0]), "true");
}

Test(vm, decision_key)
{
    Decided *r = decide("decision d for x in [6230, 2] key x * 1 {\n    outcome ja | nej\n}\n", "d");
    /* An Int key is written plainly, not grouped like a message. */
    cr_expect_str_eq(render(r->v[0].key), "6230");
    cr_expect_eq(r->v[0].key.tag, V_TEXT);
}

Test(vm, runtime_error_in_a_rule_has_its_span)
{
    Decided *r = decide("decision d for x in [1, 0] key text(x) {\n"
                        "    outcome ja | nej\n"
                        "    must A1 10 / x > 1 else \"m\"\n"
                        "}\n",
                        "d");
    cr_expect(r->ok[0]);
    cr_expect(!r->ok[1]);
    cr_expect(strstr(r->error[1], "division by zero"), "%s", r->error[1]);
}

/* ---------------------------------------------------------------- whole runs over exports */

#define EXPORTS_POLICY                                                                              \
    "record P { id: Text  arb: Text  grad: Decimal  spec: Text? }\n"                                \
    "record V { id: Text  namn: Text  chef: Text? }\n"                                              \
    "source ps: P from csv \"p.csv\"\n"                                                             \
    "source vs: V from csv \"v.csv\" key id\n"

static const char *const P_CSV = "id,arb,grad,spec\n"
                                  "p1,v1,100,Allmänmedicin\n"
                                  "p2,v2,50,\n"
                                  "p3,v1,62.5,Allmänmedicin\n"
                                  "p4,v1,0,Psykiatri\n"
                                  "p5,v3,100,Allmänmedicin\n"
                                  "p6,v9,10,\n";
static const char *const V_CSV = "id,namn,chef\nv1,Åmål,p1\nv2,Hjällbo,\nv3,Lerum,p9\n";

static char *write_exports(void)
{
    char *dir = temp_dir();
    free(write_file(dir, "p.csv", P_CSV));
    free(write_file(dir, "v.csv", V_CSV));
    return dir;
}

/* The output line of decision `name` for key `id`, or NULL. */
static const char *line_for(const char *out, const char *name, const char *id)
{
    char head[256];
    snprintf(head, sizeof head, "{\"decision\":\"%s\",\"id\":\"%s\",", name, id);
    const char *at = strstr(out, head);
    if (!at)
        return NULL;
    const char *end = strchr(at, '\n');
    return rg_strndup(at, end ? (size_t)(end - at) : strlen(at));
}

Test(vm, index_selection_gives_the_same_records_as_a_scan)
{
    char *dir = write_exports();
    Program *p = compile_ok(EXPORTS_POLICY "decision d for v in vs {\n    outcome ja | nej\n"
                                           "    field indexed = map(ps where .arb == v.id and .grad > 0, .id)\n"
                                           "    field scanned = map(ps where x => x.arb == v.id and x.grad > 0, .id)\n"
                                           "    field summa = sum(ps where .arb == v.id, .grad)\n"
                                           "}\n");
    Collected col = {0};
    RunSummary s;
    int st = run_program(p, dir, &col, &s);
    cr_expect_eq(st, RUN_OK, "%s", collected_reports(&col));
    const char *out = collected_out(&col);
    cr_expect_str_eq(line_for(out, "d", "v1"),
                     "{\"decision\":\"d\",\"id\":\"v1\",\"outcome\":\"ja\",\"reasons\":[],"
                     "\"indexed\":[\"p1\",\"p3\"],\"scanned\":[\"p1\",\"p3\"],\"summa\":\"162.5\"}");
    cr_expect_str_eq(line_for(out, "d", "v2"),
                     "{\"decision\":\"d\",\"id\":\"v2\",\"outcome\":\"ja\",\"reasons\":[],"
                     "\"indexed\":[\"p2\"],\"scanned\":[\"p2\"],\"summa\":\"50\"}");
    cr_expect_eq(s.decided, 3);
    cr_expect_eq(s.failed, 0);
    free(col.out);
    free(col.reports);
    remove_dir(dir);
    free(dir);
}

Test(vm, lookup_and_safe_navigation)
{
    char *dir = write_exports();
    Program *p = compile_ok(EXPORTS_POLICY "decision d for q in ps key q.id {\n    outcome ja | nej\n"
                                           "    let vc = vs[q.arb]\n"
                                           "    must A1 vc != none and vc.namn != \"Lerum\" else \"{vc?.namn}\"\n"
                                           "    field namn = vc?.namn ?? \"-\"\n"
                                           "    field chef = vs[q.arb]?.chef\n"
                                           "}\n");
    Collected col = {0};
    RunSummary s;
    int st = run_program(p, dir, &col, &s);
    cr_expect_eq(st, RUN_OK, "%s", collected_reports(&col));
    const char *out = collected_out(&col);
    cr_expect_str_eq(line_for(out, "d", "p1"),
                     "{\"decision\":\"d\",\"id\":\"p1\",\"outcome\":\"ja\",\"reasons\":[],\"namn\":\"Åmål\",\"chef\":\"p1\"}");
    cr_expect_str_eq(line_for(out, "d", "p2"),
                     "{\"decision\":\"d\",\"id\":\"p2\",\"outcome\":\"ja\",\"reasons\":[],\"namn\":\"Hjällbo\"}");
    cr_expect_str_eq(line_for(out, "d", "p5"),
                     "{\"decision\":\"d\",\"id\":\"p5\",\"outcome\":\"nej\",\"reasons\":[{\"ref\":\"A1\",\"severity\":\"must\","
                     "\"message\":\"Lerum\"}],\"namn\":\"Lerum\",\"chef\":\"p9\"}");
    cr_expect_str_eq(line_for(out, "d", "p6"),
                     "{\"decision\":\"d\",\"id\":\"p6\",\"outcome\":\"nej\",\"reasons\":[{\"ref\":\"A1\",\"severity\":\"must\","
                     "\"message\":\"saknas\"}],\"namn\":\"-\"}");
    free(col.out);
    free(col.reports);
    remove_dir(dir);
    free(dir);
}

Test(vm, filtered_walk_writes_only_the_records_it_is_about)
{
    char *dir = write_exports();
    Program *p = compile_ok(EXPORTS_POLICY "decision f for v in vs where .chef != none {\n    outcome ja | nej\n"
                                           "    must A1 v.chef != \"p9\" else \"okänd chef\"\n}\n");
    Collected col = {0};
    RunSummary s;
    int st = run_program(p, dir, &col, &s);
    cr_expect_eq(st, RUN_OK, "%s", collected_reports(&col));
    cr_expect_str_eq(collected_out(&col),
                     "{\"decision\":\"f\",\"id\":\"v1\",\"outcome\":\"ja\",\"reasons\":[]}\n"
                     "{\"decision\":\"f\",\"id\":\"v3\",\"outcome\":\"nej\",\"reasons\":[{\"ref\":\"A1\",\"severity\":\"must\","
                     "\"message\":\"okänd chef\"}]}\n");
    cr_expect_eq(s.decided, 2);
    cr_expect_eq(s.read, 3);
    free(col.out);
    free(col.reports);
    remove_dir(dir);
    free(dir);
}

Test(vm, an_error_for_one_key_gives_fel_and_the_batch_goes_on)
{
    char *dir = write_exports();
    Program *p = compile_ok(EXPORTS_POLICY "decision g for q in ps key q.id {\n    outcome ja | nej\n"
                                           "    must A1 100 / q.grad >= 1 else \"m\"\n}\n");
    Collected col = {0};
    RunSummary s;
    int st = run_program(p, dir, &col, &s);
    cr_expect_eq(st, RUN_EVAL_ERROR);
    cr_expect_eq(s.failed, 1);
    cr_expect_eq(s.decided, 5);
    const char *fel = line_for(collected_out(&col), "g", "p4");
    cr_assert_not_null(fel, "%s", collected_out(&col));
    cr_expect(strstr(fel, "\"outcome\":\"fel\""), "%s", fel);
    cr_expect(strstr(fel, "test.regel:7:13: division by zero"), "the reason says where: %s", fel);
    cr_expect(strstr(collected_reports(&col), "division by zero"), "%s", collected_reports(&col));
    cr_expect_not_null(line_for(collected_out(&col), "g", "p5"), "the subjects after it are decided");
    free(col.out);
    free(col.reports);
    remove_dir(dir);
    free(dir);
}

Test(vm, index_keys_compare_numbers_by_value)
{
    char *dir = temp_dir();
    free(write_file(dir, "p.csv", "id,grad\np1,50\np2,62.5\np3,50.00\np4,5\n"));
    Program *p = compile_ok("record P { id: Text  grad: Decimal }\nsource ps: P from csv \"p.csv\"\n"
                            "decision c for x in [50] key \"k\" {\n    outcome ja | nej\n"
                            "    field hel = map(ps where .grad == x, .id)\n"
                            "    field decimal = map(ps where .grad == 62.50, .id)\n"
                            "    field ingen = map(ps where .grad == 0.5, .id)\n"
                            "}\n");
    Collected col = {0};
    RunSummary s;
    cr_expect_eq(run_program(p, dir, &col, &s), RUN_OK, "%s", collected_reports(&col));
    cr_expect_str_eq(collected_out(&col), "{\"decision\":\"c\",\"id\":\"k\",\"outcome\":\"ja\",\"reasons\":[],"
                                          "\"hel\":[\"p1\",\"p3\"],\"decimal\":[\"p2\"],\"ingen\":[]}\n");
    free(col.out);
    free(col.reports);
    remove_dir(dir);
    free(dir);
}

/* BUG: a run of only some decisions (--decision, RunOptions.decisions)
 * still loads every export that any decision of the program looks up or
 * lists, so a decision that reads no export at all fails with "cannot open
 * ./v.csv" (exit 4) because another decision's export is missing. In
 * run_batch, `needed` is true as soon as any decision is wanted, whatever
 * sources that decision uses. Repro: with this policy and no v.csv,
 *   regel run p.regel --data . --decision a   -> exit 4
 *   record V { id: Text }  source vs: V from csv "v.csv" key id
 *   decision a for x in [1] key "k" { outcome ja | nej }
 *   decision b for x in [1] key "k" { outcome ja | nej  field f = vs["x"]?.id } */
Test(vm, running_one_decision_does_not_need_the_others_exports)
{
    char *dir = temp_dir();
    Program *p = compile_ok("record V { id: Text }\nsource vs: V from csv \"v.csv\" key id\n"
                            "decision a for x in [1] key \"k\" {\n    outcome ja | nej\n}\n"
                            "decision b for x in [1] key \"k\" {\n    outcome ja | nej\n    field f = vs[\"x\"]?.id\n}\n");
    Collected col = {0};
    RunSummary s;
    RunOptions o;
    memset(&o, 0, sizeof o);
    const char *only[] = {"a"};
    o.data_dir = dir;
    o.decisions = only;
    o.ndecisions = 1;
    o.today = ymd(2026, 2, 28);
    o.format = OUT_JSONL;
    o.limits = vm_default_limits();
    o.write = collect_write;
    o.write_ctx = &col;
    o.report = collect_report;
    o.report_ctx = &col;
    cr_expect_eq(run_batch(p, &o, &s), RUN_OK, "%s", collected_reports(&col));
    cr_expect_str_eq(collected_out(&col), "{\"decision\":\"a\",\"id\":\"k\",\"outcome\":\"ja\",\"reasons\":[]}\n");
    free(col.out);
    free(col.reports);
    remove_dir(dir);
    free(dir);
}

/* ---------------------------------------------------------------- enum texts */

Test(vm, an_enum_word_shows_its_text_in_messages_and_its_spelling_in_json)
{
    const char *prelude = "enum Form = tillsvidare | provanstallning as \"provanställning\" "
                          "| sk from \"SK-kurs\" | vik from \"V\" as \"vikariat\"\n"
                          "fn f(x: Form) -> Form = x\n";
    EXPECT_RENDER(prelude, "\"{f(provanstallning)}\"", "provanställning");
    EXPECT_RENDER(prelude, "text(f(sk))", "SK-kurs");
    EXPECT_RENDER(prelude, "\"{f(vik)} och {f(tillsvidare)}\"", "vikariat och tillsvidare");
    EXPECT_JSON(prelude, "f(provanstallning)", "\"provanstallning\"");
    EXPECT_JSON(prelude, "f(vik)", "\"V\"");
}

/* ---------------------------------------------------------------- equality of records */

Test(vm, records_and_lists_of_records_compare_by_their_fields)
{
    const char *prelude = "record R { x: Int, t: Text? }\nrecord S { x: Int, t: Text? }\n";
    EXPECT_JSON(prelude, "R(x: 1, t: none) == R(x: 1, t: none)", "true");
    EXPECT_JSON(prelude, "R(x: 1, t: \"a\") != R(x: 1, t: \"b\")", "true");
    EXPECT_JSON(prelude, "[R(x: 1, t: none), R(x: 2, t: \"b\")] == [R(x: 1, t: none), R(x: 2, t: \"b\")]", "true");
    EXPECT_JSON(prelude, "R(x: 2, t: none) in [R(x: 1, t: none), R(x: 2, t: none)]", "true");
    EXPECT_JSON(prelude, "count(set([R(x: 1, t: none), R(x: 1, t: none), R(x: 3, t: none)]))", "2");
}
