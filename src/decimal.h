/*
 * decimal.h — exact decimal numbers for money, percentages and hours.
 *
 * A Decimal is coef / 10^scale with a signed 64-bit coefficient and a scale
 * of 0..DEC_MAX_SCALE. Addition, subtraction and multiplication are exact or
 * fail with DEC_OVERFLOW; nothing is ever rounded silently except by
 * dec_div, whose rule is stated there. Binary floating point is never used.
 *
 * Two decimals that differ only in trailing zeros (2.5 and 2.50) are equal
 * under dec_cmp and dec_hash; dec_normalize gives the canonical form.
 */
#ifndef REGEL_DECIMAL_H
#define REGEL_DECIMAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* 18 fractional digits: the most a 64-bit coefficient can carry for values
 * below 9.2; more than any money or rate in the exports needs. */
#define DEC_MAX_SCALE 18

typedef struct Decimal {
    int64_t coef;
    uint8_t scale;
} Decimal;

typedef enum DecStatus {
    DEC_OK = 0,
    DEC_OVERFLOW,  /* the exact result does not fit */
    DEC_DIV_ZERO,
    DEC_SYNTAX,    /* dec_parse: not a number of the accepted form */
} DecStatus;

/* Parses [+-]digits[SEP digits][e[+-]digits] where SEP is decimal_sep ('.'
 * or ','); the exponent part only when allow_exponent (JSON numbers, which
 * also take no leading '+'). At
 * least one digit before the separator; if a separator is present at least
 * one digit after it. No spaces. The result keeps the written scale (2.50
 * has scale 2) unless an exponent moves it; a value that needs more than
 * DEC_MAX_SCALE fractional digits or a coefficient beyond int64 gives
 * DEC_OVERFLOW, except that trailing fractional zeros beyond the limit are
 * dropped (1.0000000000000000000000 is 1). "-0" is 0. */
DecStatus dec_parse(const char *s, size_t n, char decimal_sep, bool allow_exponent, Decimal *out);

Decimal dec_from_int(int64_t v);
/* True when d is a whole number that fits int64; stores it. */
bool dec_to_int(Decimal d, int64_t *out);

/* a + b and a - b the exact way, in 128 bits (dec_add and dec_sub below
 * take it when 64 bits are not enough on the way). */
DecStatus dec_add_wide(Decimal a, Decimal b, Decimal *out);
DecStatus dec_sub_wide(Decimal a, Decimal b, Decimal *out);

/* 10^0 .. 10^DEC_MAX_SCALE. */
extern const int64_t dec_pow10[DEC_MAX_SCALE + 1];

/* Both coefficients at the larger scale, when that fits in 64 bits: the
 * common case of the VM's arithmetic and comparisons, done inline; false
 * when the caller must take the exact 128-bit way (dec_add_wide, dec_cmp). */
static inline bool dec_align_quick(Decimal a, Decimal b, int64_t *ca, int64_t *cb, uint8_t *scale)
{
    *ca = a.coef;
    *cb = b.coef;
    *scale = a.scale;
    if (a.scale < b.scale) {
        *scale = b.scale;
        return !__builtin_mul_overflow(a.coef, dec_pow10[b.scale - a.scale], ca);
    }
    if (b.scale < a.scale)
        return !__builtin_mul_overflow(b.coef, dec_pow10[a.scale - b.scale], cb);
    return true;
}

/* a + b and a - b, exact or DEC_OVERFLOW: inline when the numbers fit in
 * 64 bits at the larger scale, the common case of the VM's arithmetic. */
static inline DecStatus dec_add(Decimal a, Decimal b, Decimal *out)
{
    int64_t ca, cb;
    if (dec_align_quick(a, b, &ca, &cb, &out->scale) && !__builtin_add_overflow(ca, cb, &out->coef))
        return DEC_OK;
    return dec_add_wide(a, b, out);
}
static inline DecStatus dec_sub(Decimal a, Decimal b, Decimal *out)
{
    int64_t ca, cb;
    if (dec_align_quick(a, b, &ca, &cb, &out->scale) && !__builtin_sub_overflow(ca, cb, &out->coef))
        return DEC_OK;
    return dec_sub_wide(a, b, out);
}
DecStatus dec_mul(Decimal a, Decimal b, Decimal *out);
/* a / b. Exact when the quotient has a terminating expansion that fits;
 * otherwise rounded half-to-even at the largest scale <= DEC_MAX_SCALE whose
 * coefficient fits in int64. The result is normalised. */
DecStatus dec_div(Decimal a, Decimal b, Decimal *out);
DecStatus dec_neg(Decimal a, Decimal *out);

/* Rounding to a number of fractional digits (0..DEC_MAX_SCALE; other
 * values give DEC_OVERFLOW). HALF_UP rounds halves away from zero
 * (-2.5 -> -3). Inputs must have a scale of at most DEC_MAX_SCALE, as every
 * function here produces. */
typedef enum DecRound { DEC_ROUND_HALF_EVEN, DEC_ROUND_HALF_UP, DEC_ROUND_FLOOR, DEC_ROUND_CEIL, DEC_ROUND_TRUNC } DecRound;
DecStatus dec_round(Decimal a, int places, DecRound mode, Decimal *out);

/* -1, 0, 1; exact for any two decimals (no overflow possible). */
int dec_cmp(Decimal a, Decimal b);
bool dec_is_zero(Decimal a);
int dec_sign(Decimal a);
/* Trailing fractional zeros removed; 0 has scale 0. */
Decimal dec_normalize(Decimal a);
/* Equal for equal values whatever their scale. */
uint64_t dec_hash(Decimal a);

/* Plain notation: no exponent, no trailing fractional zeros, no grouping;
 * decimal_sep between the parts ("62.5", "4", "-0.25"). Writes at most
 * DEC_FORMAT_MAX bytes plus a NUL; returns the length. */
#define DEC_FORMAT_MAX 42
size_t dec_format(Decimal a, char decimal_sep, char *buf);

#endif
