/*
 * test_decimal.c — unit tests of the exact decimal type: parsing in both
 * notations, overflow at the int64 and scale limits, rounding, division,
 * comparison, hashing and formatting.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "decimal.h"

/* A decimal from "[-]digits[.digits]" that the test expects to be valid. */
static Decimal D(const char *s)
{
    Decimal d;
    DecStatus st = dec_parse(s, strlen(s), '.', false, &d);
    cr_assert_eq(st, DEC_OK, "dec_parse(\"%s\") failed with %d", s, st);
    return d;
}

static DecStatus parse(const char *s, char sep, bool exp, Decimal *out)
{
    return dec_parse(s, strlen(s), sep, exp, out);
}

static void expect_repr(Decimal d, int64_t coef, int scale)
{
    cr_assert_eq(d.coef, coef, "coef %lld, expected %lld", (long long)d.coef, (long long)coef);
    cr_assert_eq(d.scale, scale, "scale %d, expected %d", d.scale, scale);
}

static void expect_text(Decimal d, const char *text)
{
    char buf[DEC_FORMAT_MAX + 1];
    size_t n = dec_format(d, '.', buf);
    cr_assert_str_eq(buf, text);
    cr_assert_eq(n, strlen(text));
}

/* ------------------------------------------------------------ parsing */

Test(decimal, parse_dot_separator_keeps_written_scale)
{
    expect_repr(D("62.5"), 625, 1);
    expect_repr(D("2.50"), 250, 2);
    expect_repr(D("-0.25"), -25, 2);
    expect_repr(D("4"), 4, 0);
    expect_repr(D("007"), 7, 0);
    expect_repr(D("+3.0"), 30, 1);
}

Test(decimal, parse_comma_separator)
{
    Decimal d;
    cr_assert_eq(parse("1234,75", ',', false, &d), DEC_OK);
    expect_repr(d, 123475, 2);
    cr_assert_eq(parse("-0,5", ',', false, &d), DEC_OK);
    expect_repr(d, -5, 1);
    /* The other separator is not a number in that locale. */
    cr_assert_eq(parse("1234.75", ',', false, &d), DEC_SYNTAX);
    cr_assert_eq(parse("1,5", '.', false, &d), DEC_SYNTAX);
}

Test(decimal, parse_rejects_malformed_text)
{
    static const char *bad[] = {
        "", "-", "+", ".5", "5.", "1..2", "1.2.3", " 1", "1 ", "--1", "-+1",
        "abc", "1_000", "0x10", "1,000.5", "1e5", "Infinity", "NaN",
    };
    Decimal d = {99, 0};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_eq(parse(bad[i], '.', false, &d), DEC_SYNTAX, "\"%s\" accepted", bad[i]);
        cr_assert_eq(d.coef, 99, "\"%s\" wrote a result on error", bad[i]);
    }
    /* A NUL inside the counted bytes is not the end of the number. */
    cr_assert_eq(dec_parse("12\0" "3", 4, '.', false, &d), DEC_SYNTAX);
    /* Only the counted bytes are read. */
    cr_assert_eq(dec_parse("12x", 2, '.', false, &d), DEC_OK);
    expect_repr(d, 12, 0);
}

Test(decimal, parse_json_form_rejects_plus_and_broken_exponents)
{
    static const char *bad[] = {"+1", "1e", "1e+", "1E-", "1.e5", "e5", "1e5.0", "1e 5", "1ee5"};
    Decimal d;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(parse(bad[i], '.', true, &d), DEC_SYNTAX, "\"%s\" accepted", bad[i]);
}

Test(decimal, parse_exponents)
{
    Decimal d;
    cr_assert_eq(parse("1e3", '.', true, &d), DEC_OK);
    expect_repr(d, 1000, 0);
    cr_assert_eq(parse("1.5e1", '.', true, &d), DEC_OK);
    expect_repr(d, 15, 0);
    cr_assert_eq(parse("1.50e1", '.', true, &d), DEC_OK);
    expect_repr(d, 150, 1);
    cr_assert_eq(parse("25e-1", '.', true, &d), DEC_OK);
    expect_repr(d, 25, 1);
    cr_assert_eq(parse("-2.5E+2", '.', true, &d), DEC_OK);
    expect_repr(d, -250, 0);
    cr_assert_eq(parse("1E-18", '.', true, &d), DEC_OK);
    expect_repr(d, 1, 18);
    cr_assert_eq(parse("1e0000000000000000000000003", '.', true, &d), DEC_OK);
    expect_repr(d, 1000, 0);
    cr_assert_eq(parse("1e18", '.', true, &d), DEC_OK);
    expect_repr(d, 1000000000000000000LL, 0);
}

Test(decimal, parse_exponent_overflow)
{
    Decimal d;
    cr_assert_eq(parse("1e19", '.', true, &d), DEC_OVERFLOW);
    cr_assert_eq(parse("1e-19", '.', true, &d), DEC_OVERFLOW);
    cr_assert_eq(parse("1e400", '.', true, &d), DEC_OVERFLOW);
    cr_assert_eq(parse("1e-400", '.', true, &d), DEC_OVERFLOW);
    cr_assert_eq(parse("-1e99999999999999999999999", '.', true, &d), DEC_OVERFLOW);
    /* Zero stays zero however far the exponent moves it. */
    cr_assert_eq(parse("0e-400", '.', true, &d), DEC_OK);
    cr_assert(dec_is_zero(d));
    cr_assert_eq(parse("0e400", '.', true, &d), DEC_OK);
    cr_assert(dec_is_zero(d));
    cr_assert_eq(parse("0.000e-99999999999999999999999", '.', true, &d), DEC_OK);
    cr_assert(dec_is_zero(d));
}

Test(decimal, parse_negative_zero_is_zero)
{
    Decimal z = D("-0");
    expect_repr(z, 0, 0);
    cr_assert_eq(dec_sign(z), 0);
    cr_assert_eq(dec_cmp(D("-0.00"), dec_from_int(0)), 0);
    expect_text(D("-0.00"), "0");
}

Test(decimal, parse_int64_coefficient_limits)
{
    Decimal d;
    expect_repr(D("9223372036854775807"), INT64_MAX, 0);
    cr_assert_eq(parse("9223372036854775808", '.', false, &d), DEC_OVERFLOW);
    expect_repr(D("-9223372036854775808"), INT64_MIN, 0);
    cr_assert_eq(parse("-9223372036854775809", '.', false, &d), DEC_OVERFLOW);
    expect_repr(D("9.223372036854775807"), INT64_MAX, 18);
    cr_assert_eq(parse("9.223372036854775808", '.', false, &d), DEC_OVERFLOW);

    char big[401];
    memset(big, '9', 400);
    big[400] = '\0';
    cr_assert_eq(parse(big, '.', false, &d), DEC_OVERFLOW);
    cr_assert_eq(parse(big, '.', true, &d), DEC_OVERFLOW);
    /* Leading zeros are not digits of the value. */
    memset(big, '0', 399);
    big[399] = '7';
    expect_repr(D(big), 7, 0);
}

Test(decimal, parse_scale_limits)
{
    Decimal d;
    expect_repr(D("0.000000000000000001"), 1, 18);
    cr_assert_eq(parse("0.0000000000000000001", '.', false, &d), DEC_OVERFLOW);
    cr_assert_eq(parse("1.0000000000000000001", '.', false, &d), DEC_OVERFLOW);
    /* Trailing zeros past the limit carry no value and are dropped. */
    cr_assert_eq(parse("1.0000000000000000000000", '.', false, &d), DEC_OK);
    cr_assert_eq(dec_cmp(d, dec_from_int(1)), 0);
    cr_assert_leq(d.scale, DEC_MAX_SCALE);
    cr_assert_eq(parse("0.5000000000000000000000000", '.', false, &d), DEC_OK);
    cr_assert_eq(dec_cmp(d, D("0.5")), 0);
    cr_assert_eq(parse("0.0000000000000000000000", '.', false, &d), DEC_OK);
    cr_assert(dec_is_zero(d));
    /* Dropping only as many zeros as needed still gives the exact value. */
    cr_assert_eq(parse("10.000000000000000000000", '.', false, &d), DEC_OK);
    cr_assert_eq(dec_cmp(d, dec_from_int(10)), 0);
    cr_assert_eq(parse("9223372036854775807.0", '.', false, &d), DEC_OK);
    expect_repr(d, INT64_MAX, 0);
}

/* ------------------------------------------------------------ integers */

Test(decimal, int_conversion)
{
    int64_t v = 0;
    cr_assert(dec_to_int(D("3.00"), &v));
    cr_assert_eq(v, 3);
    cr_assert(dec_to_int(dec_from_int(INT64_MIN), &v));
    cr_assert_eq(v, INT64_MIN);
    cr_assert(dec_to_int(D("-5.000"), &v));
    cr_assert_eq(v, -5);
    cr_assert(!dec_to_int(D("2.50"), &v));
    cr_assert(!dec_to_int(D("0.000000000000000001"), &v));
    expect_repr(dec_from_int(-42), -42, 0);
}

/* ------------------------------------------------------------ arithmetic */

Test(decimal, add_is_exact_and_keeps_scale)
{
    Decimal r;
    cr_assert_eq(dec_add(D("0.1"), D("0.2"), &r), DEC_OK);
    expect_repr(r, 3, 1);
    cr_assert_eq(dec_add(D("2.50"), D("1"), &r), DEC_OK);
    expect_repr(r, 350, 2);
    cr_assert_eq(dec_add(D("-1.25"), D("1.25"), &r), DEC_OK);
    cr_assert(dec_is_zero(r));
}

Test(decimal, add_overflow_at_limits)
{
    Decimal r;
    cr_assert_eq(dec_add(dec_from_int(INT64_MAX), dec_from_int(0), &r), DEC_OK);
    expect_repr(r, INT64_MAX, 0);
    cr_assert_eq(dec_add(dec_from_int(INT64_MAX), dec_from_int(1), &r), DEC_OVERFLOW);
    cr_assert_eq(dec_add(dec_from_int(INT64_MIN), dec_from_int(-1), &r), DEC_OVERFLOW);
    cr_assert_eq(dec_add(dec_from_int(INT64_MAX - 1), dec_from_int(1), &r), DEC_OK);
    expect_repr(r, INT64_MAX, 0);
    /* 10.22… needs 18 fractional digits and a 20-digit coefficient. */
    cr_assert_eq(dec_add(D("9.223372036854775807"), dec_from_int(1), &r), DEC_OVERFLOW);
    /* The sum fits once the all-zero fraction is dropped. */
    cr_assert_eq(dec_add(D("900000000000000000.0"), D("900000000000000000.0"), &r), DEC_OK);
    expect_repr(r, 1800000000000000000LL, 0);
}

Test(decimal, sub)
{
    Decimal r;
    cr_assert_eq(dec_sub(dec_from_int(1), D("0.01"), &r), DEC_OK);
    expect_repr(r, 99, 2);
    cr_assert_eq(dec_sub(D("2.5"), D("7"), &r), DEC_OK);
    expect_repr(r, -45, 1);
    cr_assert_eq(dec_sub(dec_from_int(INT64_MIN), dec_from_int(1), &r), DEC_OVERFLOW);
    cr_assert_eq(dec_sub(dec_from_int(0), dec_from_int(INT64_MIN), &r), DEC_OVERFLOW);
    cr_assert_eq(dec_sub(dec_from_int(-1), dec_from_int(INT64_MAX), &r), DEC_OK);
    expect_repr(r, INT64_MIN, 0);
}

Test(decimal, mul)
{
    Decimal r;
    cr_assert_eq(dec_mul(D("1.5"), D("2.5"), &r), DEC_OK);
    expect_repr(r, 375, 2);
    cr_assert_eq(dec_mul(D("-0.2"), D("0.5"), &r), DEC_OK);
    cr_assert_eq(dec_cmp(r, D("-0.1")), 0);
    cr_assert_eq(dec_mul(dec_from_int(3037000499LL), dec_from_int(3037000499LL), &r), DEC_OK);
    expect_repr(r, 9223372030926249001LL, 0);
    cr_assert_eq(dec_mul(dec_from_int(3037000500LL), dec_from_int(3037000500LL), &r), DEC_OVERFLOW);
    cr_assert_eq(dec_mul(dec_from_int(INT64_MIN), dec_from_int(-1), &r), DEC_OVERFLOW);
    cr_assert_eq(dec_mul(dec_from_int(INT64_MIN), dec_from_int(1), &r), DEC_OK);
    expect_repr(r, INT64_MIN, 0);
}

Test(decimal, mul_scale_limit)
{
    Decimal r;
    cr_assert_eq(dec_mul(D("0.000000001"), D("0.000000001"), &r), DEC_OK);
    expect_repr(r, 1, 18);
    /* 1e-19 is not representable and must not be rounded to 0 silently. */
    cr_assert_eq(dec_mul(D("0.000000001"), D("0.0000000001"), &r), DEC_OVERFLOW);
    /* Scale 20 with trailing zeros is exactly 1e-18. */
    cr_assert_eq(dec_mul(D("0.0000000010"), D("0.0000000010"), &r), DEC_OK);
    cr_assert_eq(dec_cmp(r, D("0.000000000000000001")), 0);
}

Test(decimal, neg)
{
    Decimal r;
    cr_assert_eq(dec_neg(D("2.5"), &r), DEC_OK);
    expect_repr(r, -25, 1);
    cr_assert_eq(dec_neg(dec_from_int(INT64_MAX), &r), DEC_OK);
    expect_repr(r, -INT64_MAX, 0);
    cr_assert_eq(dec_neg(dec_from_int(INT64_MIN), &r), DEC_OVERFLOW);
    Decimal min18 = {INT64_MIN, 18};
    cr_assert_eq(dec_neg(min18, &r), DEC_OVERFLOW);
}

/* ------------------------------------------------------------ division */

Test(decimal, div_exact_quotients)
{
    Decimal r;
    cr_assert_eq(dec_div(dec_from_int(10), dec_from_int(4), &r), DEC_OK);
    expect_repr(r, 25, 1);
    cr_assert_eq(dec_div(dec_from_int(-7), dec_from_int(2), &r), DEC_OK);
    expect_repr(r, -35, 1);
    cr_assert_eq(dec_div(dec_from_int(7), dec_from_int(-2), &r), DEC_OK);
    expect_repr(r, -35, 1);
    cr_assert_eq(dec_div(dec_from_int(1), dec_from_int(8), &r), DEC_OK);
    expect_repr(r, 125, 3);
    /* Normalised: 6/3 is 2, not 2.000…; 2.50/1 is 2.5. */
    cr_assert_eq(dec_div(dec_from_int(6), dec_from_int(3), &r), DEC_OK);
    expect_repr(r, 2, 0);
    cr_assert_eq(dec_div(D("2.50"), dec_from_int(1), &r), DEC_OK);
    expect_repr(r, 25, 1);
    cr_assert_eq(dec_div(D("0.75"), D("0.25"), &r), DEC_OK);
    expect_repr(r, 3, 0);
    cr_assert_eq(dec_div(dec_from_int(1), D("0.000000000000000001"), &r), DEC_OK);
    expect_repr(r, 1000000000000000000LL, 0);
    cr_assert_eq(dec_div(dec_from_int(0), dec_from_int(5), &r), DEC_OK);
    expect_repr(r, 0, 0);
    cr_assert_eq(dec_div(dec_from_int(INT64_MIN), dec_from_int(1), &r), DEC_OK);
    expect_repr(r, INT64_MIN, 0);
}

Test(decimal, div_rounds_half_even_at_largest_scale)
{
    Decimal r;
    cr_assert_eq(dec_div(dec_from_int(1), dec_from_int(3), &r), DEC_OK);
    expect_repr(r, 333333333333333333LL, 18);
    cr_assert_eq(dec_div(dec_from_int(2), dec_from_int(3), &r), DEC_OK);
    expect_repr(r, 666666666666666667LL, 18);
    cr_assert_eq(dec_div(dec_from_int(-2), dec_from_int(3), &r), DEC_OK);
    expect_repr(r, -666666666666666667LL, 18);
    /* A large quotient keeps only the fractional digits that fit. */
    cr_assert_eq(dec_div(dec_from_int(1000000000000000000LL), dec_from_int(3), &r), DEC_OK);
    expect_repr(r, 3333333333333333333LL, 1);
    /* Exact ties past the 18th digit go to the even neighbour. */
    cr_assert_eq(dec_div(dec_from_int(1), dec_from_int(2000000000000000000LL), &r), DEC_OK);
    expect_repr(r, 0, 0);
    cr_assert_eq(dec_div(dec_from_int(3), dec_from_int(2000000000000000000LL), &r), DEC_OK);
    expect_repr(r, 2, 18);
    cr_assert_eq(dec_div(dec_from_int(-3), dec_from_int(2000000000000000000LL), &r), DEC_OK);
    expect_repr(r, -2, 18);
}

Test(decimal, div_rounding_that_carries_past_int64_drops_a_digit)
{
    /* a / 4 is INT64_MAX + 0.5 units of 1e-18; rounding to even would need
     * coefficient 2^63, so the result is taken at scale 17 instead. */
    Decimal a = {3689348814741910323LL, 17};
    Decimal r;
    cr_assert_eq(dec_div(a, dec_from_int(4), &r), DEC_OK);
    expect_repr(r, 922337203685477581LL, 17);
}

Test(decimal, div_overflow_and_zero)
{
    Decimal r = {99, 0};
    cr_assert_eq(dec_div(dec_from_int(1), dec_from_int(0), &r), DEC_DIV_ZERO);
    cr_assert_eq(dec_div(dec_from_int(0), dec_from_int(0), &r), DEC_DIV_ZERO);
    cr_assert_eq(dec_div(D("1.5"), D("0.00"), &r), DEC_DIV_ZERO);
    cr_assert_eq(r.coef, 99);
    cr_assert_eq(dec_div(dec_from_int(INT64_MIN), dec_from_int(-1), &r), DEC_OVERFLOW);
    cr_assert_eq(dec_div(dec_from_int(INT64_MAX), D("0.5"), &r), DEC_OVERFLOW);
    cr_assert_eq(dec_div(dec_from_int(INT64_MAX), D("0.000000000000000001"), &r), DEC_OVERFLOW);
    cr_assert_eq(dec_div(dec_from_int(INT64_MAX), dec_from_int(1), &r), DEC_OK);
    expect_repr(r, INT64_MAX, 0);
}

/* ------------------------------------------------------------ rounding */

typedef struct RoundCase {
    const char *in;
    int places;
    DecRound mode;
    const char *want;
} RoundCase;

Test(decimal, round_modes)
{
    static const RoundCase cases[] = {
        {"2.5", 0, DEC_ROUND_HALF_EVEN, "2"},    {"3.5", 0, DEC_ROUND_HALF_EVEN, "4"},
        {"-2.5", 0, DEC_ROUND_HALF_EVEN, "-2"},  {"-3.5", 0, DEC_ROUND_HALF_EVEN, "-4"},
        {"2.51", 0, DEC_ROUND_HALF_EVEN, "3"},   {"2.45", 1, DEC_ROUND_HALF_EVEN, "2.4"},
        {"2.55", 1, DEC_ROUND_HALF_EVEN, "2.6"}, {"2.5", 0, DEC_ROUND_HALF_UP, "3"},
        {"-2.5", 0, DEC_ROUND_HALF_UP, "-3"},    {"2.449", 1, DEC_ROUND_HALF_UP, "2.4"},
        {"1.005", 2, DEC_ROUND_HALF_UP, "1.01"}, {"2.7", 0, DEC_ROUND_FLOOR, "2"},
        {"-2.1", 0, DEC_ROUND_FLOOR, "-3"},      {"-2.0", 0, DEC_ROUND_FLOOR, "-2"},
        {"2.1", 0, DEC_ROUND_CEIL, "3"},         {"-2.7", 0, DEC_ROUND_CEIL, "-2"},
        {"2.0", 0, DEC_ROUND_CEIL, "2"},         {"2.9", 0, DEC_ROUND_TRUNC, "2"},
        {"-2.9", 0, DEC_ROUND_TRUNC, "-2"},      {"0.4", 0, DEC_ROUND_HALF_UP, "0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const RoundCase *c = &cases[i];
        Decimal r;
        cr_assert_eq(dec_round(D(c->in), c->places, c->mode, &r), DEC_OK);
        cr_assert_eq(dec_cmp(r, D(c->want)), 0, "round(%s, %d, mode %d) = %lld/10^%d, expected %s",
                     c->in, c->places, (int)c->mode, (long long)r.coef, r.scale, c->want);
    }
}

Test(decimal, round_result_scale)
{
    Decimal r;
    /* Money rounded to cents keeps two places even when they are zeros. */
    cr_assert_eq(dec_round(D("2.999"), 2, DEC_ROUND_HALF_UP, &r), DEC_OK);
    expect_repr(r, 300, 2);
    /* Rounding to more places than present changes nothing. */
    cr_assert_eq(dec_round(D("2.5"), 3, DEC_ROUND_HALF_EVEN, &r), DEC_OK);
    expect_repr(r, 25, 1);
    cr_assert_eq(dec_round(D("2.5"), DEC_MAX_SCALE, DEC_ROUND_FLOOR, &r), DEC_OK);
    expect_repr(r, 25, 1);
    cr_assert_neq(dec_round(D("2.5"), -1, DEC_ROUND_HALF_EVEN, &r), DEC_OK);
}

Test(decimal, round_at_coefficient_limits)
{
    Decimal r;
    Decimal max18 = {INT64_MAX, 18}, min18 = {INT64_MIN, 18};
    cr_assert_eq(dec_round(max18, 0, DEC_ROUND_HALF_EVEN, &r), DEC_OK);
    expect_repr(r, 9, 0);
    cr_assert_eq(dec_round(max18, 17, DEC_ROUND_CEIL, &r), DEC_OK);
    expect_repr(r, 922337203685477581LL, 17);
    cr_assert_eq(dec_round(min18, 0, DEC_ROUND_FLOOR, &r), DEC_OK);
    expect_repr(r, -10, 0);
    cr_assert_eq(dec_round(min18, 17, DEC_ROUND_HALF_UP, &r), DEC_OK);
    expect_repr(r, -922337203685477581LL, 17);
}

/* ------------------------------------------------------------ comparison */

Test(decimal, cmp_across_scales)
{
    cr_assert_eq(dec_cmp(D("2.5"), D("2.50")), 0);
    cr_assert_eq(dec_cmp(D("2.5"), D("2.51")), -1);
    cr_assert_eq(dec_cmp(D("2.51"), D("2.5")), 1);
    cr_assert_eq(dec_cmp(D("10"), D("9.99999999999999999")), 1);
    cr_assert_eq(dec_cmp(D("9.223372036854775807"), D("9.22337203685477581")), -1);
    cr_assert_eq(dec_cmp(D("-1"), D("0.000000000000000001")), -1);
    cr_assert_eq(dec_cmp(D("-0.5"), D("-0.25")), -1);
    Decimal max0 = {INT64_MAX, 0}, max18 = {INT64_MAX, 18}, min0 = {INT64_MIN, 0}, min18 = {INT64_MIN, 18};
    cr_assert_eq(dec_cmp(max0, max18), 1);
    cr_assert_eq(dec_cmp(min0, min18), -1);
    cr_assert_eq(dec_cmp(min0, max18), -1);
    cr_assert_eq(dec_cmp(max0, max0), 0);
}

Test(decimal, zero_and_sign)
{
    cr_assert(dec_is_zero(D("0.000")));
    cr_assert(!dec_is_zero(D("0.001")));
    cr_assert_eq(dec_sign(D("-0.001")), -1);
    cr_assert_eq(dec_sign(D("0.00")), 0);
    cr_assert_eq(dec_sign(D("12")), 1);
}

Test(decimal, normalize)
{
    expect_repr(dec_normalize(D("2.500")), 25, 1);
    expect_repr(dec_normalize(D("0.000")), 0, 0);
    expect_repr(dec_normalize(D("100")), 100, 0);
    expect_repr(dec_normalize(D("-1.10")), -11, 1);
    expect_repr(dec_normalize(D("3.000000000000000000")), 3, 0);
    Decimal min18 = {INT64_MIN, 18};
    expect_repr(dec_normalize(min18), INT64_MIN, 18);
}

Test(decimal, hash_follows_value_not_scale)
{
    cr_assert_eq(dec_hash(D("2.5")), dec_hash(D("2.50")));
    cr_assert_eq(dec_hash(D("0")), dec_hash(D("0.000")));
    cr_assert_eq(dec_hash(D("-0")), dec_hash(D("0")));
    cr_assert_eq(dec_hash(D("7")), dec_hash(D("7.000000000000000000")));
    /* Values that differ only by a power of ten must not all collide. */
    cr_assert_neq(dec_hash(D("2.5")), dec_hash(D("25")));
    cr_assert_neq(dec_hash(D("2.5")), dec_hash(D("0.25")));
    cr_assert_neq(dec_hash(D("2.5")), dec_hash(D("-2.5")));
}

/* ------------------------------------------------------------ formatting */

Test(decimal, format_plain)
{
    expect_text(D("62.5"), "62.5");
    expect_text(D("4"), "4");
    expect_text(D("-0.25"), "-0.25");
    expect_text(D("0"), "0");
    expect_text(D("2.50"), "2.5");
    expect_text(D("4.000"), "4");
    expect_text(D("100"), "100");
    expect_text(D("-100.10"), "-100.1");
    expect_text(D("0.000000000000000001"), "0.000000000000000001");
    expect_text(D("-0.000000000000000001"), "-0.000000000000000001");
}

Test(decimal, format_comma_and_limits)
{
    char buf[DEC_FORMAT_MAX + 1];
    cr_assert_eq(dec_format(D("62.5"), ',', buf), 4);
    cr_assert_str_eq(buf, "62,5");
    expect_text(dec_from_int(INT64_MIN), "-9223372036854775808");
    expect_text(dec_from_int(INT64_MAX), "9223372036854775807");
    Decimal min18 = {INT64_MIN, 18};
    expect_text(min18, "-9.223372036854775808");
}

Test(decimal, format_parse_round_trip)
{
    static const char *texts[] = {"0.1", "-123.456", "9.223372036854775807", "-922337203685477580.8", "1000000"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++) {
        char buf[DEC_FORMAT_MAX + 1];
        Decimal d = D(texts[i]);
        dec_format(d, ',', buf);
        Decimal back;
        cr_assert_eq(dec_parse(buf, strlen(buf), ',', false, &back), DEC_OK, "%s", buf);
        cr_assert_eq(dec_cmp(back, d), 0, "%s -> %s", texts[i], buf);
    }
}
