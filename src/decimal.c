/*
 * decimal.c — exact decimal arithmetic on a 64-bit coefficient and a
 * power-of-ten scale (see decimal.h for the contract).
 *
 * Intermediate results are computed in 128 bits, where no operation on two
 * valid decimals can overflow, and only then squeezed back into int64; that
 * keeps every overflow check in one place (fit) and away from undefined
 * behaviour.
 *
 * Every function expects its Decimal arguments to have a scale of at most
 * DEC_MAX_SCALE, as all decimals made by this module do.
 */
#include "decimal.h"

typedef __int128 i128;
typedef unsigned __int128 u128;

/* The largest magnitude a coefficient can have with each sign: two's
 * complement gives the negative side one more. */
#define MAG_POS ((u128)INT64_MAX)
#define MAG_NEG ((u128)1 << 63)

const int64_t dec_pow10[DEC_MAX_SCALE + 1] = {
    1LL,
    10LL,
    100LL,
    1000LL,
    10000LL,
    100000LL,
    1000000LL,
    10000000LL,
    100000000LL,
    1000000000LL,
    10000000000LL,
    100000000000LL,
    1000000000000LL,
    10000000000000LL,
    100000000000000LL,
    1000000000000000LL,
    10000000000000000LL,
    100000000000000000LL,
    1000000000000000000LL,
};

/* 10^e for 0 <= e <= 38, the most an unsigned 128-bit integer holds. */
static u128 pow10_u(int e)
{
    if (e <= DEC_MAX_SCALE)
        return (u128)dec_pow10[e];
    return (u128)dec_pow10[DEC_MAX_SCALE] * pow10_u(e - DEC_MAX_SCALE);
}

static u128 magnitude(int64_t v)
{
    return v < 0 ? (u128)(-(i128)v) : (u128)v;
}

/* Stores c / 10^scale, dropping trailing zeros only where the coefficient
 * or the scale would not fit otherwise: the value must stay exact, and the
 * caller's scale is kept when possible (2.50 + 1 is 3.50). */
static DecStatus fit(i128 c, int scale, Decimal *out)
{
    while (scale > DEC_MAX_SCALE || c > INT64_MAX || c < INT64_MIN) {
        if (scale == 0 || c % 10 != 0)
            return DEC_OVERFLOW;
        c /= 10;
        scale--;
    }
    out->coef = (int64_t)c;
    out->scale = (uint8_t)scale;
    return DEC_OK;
}

/* Accumulates the digits of a number as written, holding trailing zeros
 * back so that "1000…0" with any number of zeros costs nothing until a
 * non-zero digit shows they are significant. */
typedef struct Digits {
    u128 core;      /* the digits from the first to the last non-zero one */
    int64_t zeros;  /* zeros seen after the last non-zero digit */
    bool nonzero;   /* any non-zero digit yet */
    bool too_big;   /* core exceeds any coefficient, so the result overflows */
} Digits;

static void take_digit(Digits *g, int d)
{
    if (d == 0) {
        if (g->nonzero)
            g->zeros++;
        return;
    }
    if (g->nonzero && !g->too_big) {
        /* core <= 2^63 here, so core * 10^19 still fits in 128 bits. */
        if (g->zeros + 1 > 19) {
            g->too_big = true;
        } else {
            g->core = g->core * pow10_u((int)g->zeros + 1) + (u128)d;
            if (g->core > MAG_NEG)
                g->too_big = true;
        }
    } else if (!g->nonzero) {
        g->core = (u128)d;
    }
    g->nonzero = true;
    g->zeros = 0;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* Beyond this an exponent can only overflow or give zero, and keeping it
 * bounded keeps the scale arithmetic below far from int64 limits. */
#define EXP_CAP 1000000000000LL

DecStatus dec_parse(const char *s, size_t n, char decimal_sep, bool allow_exponent, Decimal *out)
{
    size_t i = 0;
    bool neg = false;
    /* JSON (the exponent form) has no leading '+'. */
    if (i < n && (s[i] == '-' || (s[i] == '+' && !allow_exponent))) {
        neg = s[i] == '-';
        i++;
    }

    Digits g = {0, 0, false, false};
    size_t int_start = i;
    while (i < n && is_digit(s[i]))
        take_digit(&g, s[i++] - '0');
    if (i == int_start)
        return DEC_SYNTAX;

    int64_t frac = 0;
    if (i < n && s[i] == decimal_sep) {
        i++;
        size_t frac_start = i;
        while (i < n && is_digit(s[i]))
            take_digit(&g, s[i++] - '0');
        if (i == frac_start)
            return DEC_SYNTAX;
        frac = (int64_t)(i - frac_start);
    }

    int64_t exp = 0;
    if (allow_exponent && i < n && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        bool exp_neg = false;
        if (i < n && (s[i] == '+' || s[i] == '-')) {
            exp_neg = s[i] == '-';
            i++;
        }
        size_t exp_start = i;
        while (i < n && is_digit(s[i])) {
            if (exp < EXP_CAP)
                exp = exp * 10 + (s[i] - '0');
            i++;
        }
        if (i == exp_start)
            return DEC_SYNTAX;
        if (exp_neg)
            exp = -exp;
    }
    if (i != n)
        return DEC_SYNTAX;

    /* The value is core * 10^-min_scale; written_scale is the scale the
     * text asks for, which may carry more trailing zeros. */
    int64_t written_scale = frac - exp;
    if (!g.nonzero) {
        int64_t sc = written_scale < 0 ? 0 : written_scale;
        out->coef = 0;
        out->scale = (uint8_t)(sc > DEC_MAX_SCALE ? DEC_MAX_SCALE : sc);
        return DEC_OK;
    }
    if (g.too_big)
        return DEC_OVERFLOW;
    int64_t min_scale = written_scale - g.zeros;
    if (min_scale > DEC_MAX_SCALE)
        return DEC_OVERFLOW;
    /* A non-zero core times 10^20 exceeds any coefficient. */
    if (min_scale < -19)
        return DEC_OVERFLOW;

    u128 limit = neg ? MAG_NEG : MAG_POS;
    int64_t scale = min_scale < 0 ? 0 : min_scale;
    u128 coef = g.core * pow10_u((int)(scale - min_scale));
    if (coef > limit)
        return DEC_OVERFLOW;
    /* Keep as many of the written trailing zeros as fit. */
    int64_t want = written_scale > DEC_MAX_SCALE ? DEC_MAX_SCALE : written_scale;
    while (scale < want && coef * 10 <= limit) {
        coef *= 10;
        scale++;
    }
    out->coef = neg ? (int64_t)(-(i128)coef) : (int64_t)coef;
    out->scale = (uint8_t)scale;
    return DEC_OK;
}

Decimal dec_from_int(int64_t v)
{
    return (Decimal){v, 0};
}

bool dec_to_int(Decimal d, int64_t *out)
{
    int64_t p = dec_pow10[d.scale];
    if (d.coef % p != 0)
        return false;
    *out = d.coef / p;
    return true;
}

/* Both coefficients at the larger of the two scales; exact in 128 bits. */
static int align(Decimal a, Decimal b, i128 *ca, i128 *cb)
{
    int scale = a.scale > b.scale ? a.scale : b.scale;
    *ca = (i128)a.coef * dec_pow10[scale - a.scale];
    *cb = (i128)b.coef * dec_pow10[scale - b.scale];
    return scale;
}

DecStatus dec_add_wide(Decimal a, Decimal b, Decimal *out)
{
    i128 ca, cb;
    int scale = align(a, b, &ca, &cb);
    return fit(ca + cb, scale, out);
}

DecStatus dec_sub_wide(Decimal a, Decimal b, Decimal *out)
{
    i128 ca, cb;
    int scale = align(a, b, &ca, &cb);
    return fit(ca - cb, scale, out);
}

DecStatus dec_mul(Decimal a, Decimal b, Decimal *out)
{
    return fit((i128)a.coef * b.coef, a.scale + b.scale, out);
}

/* Half-to-even decision for a truncated quotient q with remainder r of a
 * division by den (r < den). */
static bool round_half_even_up(u128 q, u128 r, u128 den)
{
    u128 twice = r * 2;
    return twice > den || (twice == den && (q & 1) != 0);
}

DecStatus dec_div(Decimal a, Decimal b, Decimal *out)
{
    if (b.coef == 0)
        return DEC_DIV_ZERO;
    if (a.coef == 0) {
        *out = (Decimal){0, 0};
        return DEC_OK;
    }
    bool neg = (a.coef < 0) != (b.coef < 0);
    u128 limit = neg ? MAG_NEG : MAG_POS;

    /* a / b = (|ca| * 10^sb) / (|cb| * 10^sa). Both sides stay below 2^123,
     * so ten times a remainder still fits in 128 bits. Long division then
     * produces one fractional digit per step, which tells exactly when the
     * expansion terminates and when the next digit would not fit. */
    u128 num = magnitude(a.coef) * pow10_u(b.scale);
    u128 den = magnitude(b.coef) * pow10_u(a.scale);
    u128 q = num / den;
    u128 r = num % den;
    if (q > limit)
        return DEC_OVERFLOW;

    u128 prev_q = 0, prev_r = 0;
    int scale = 0;
    while (r != 0 && scale < DEC_MAX_SCALE) {
        u128 r10 = r * 10;
        u128 next = q * 10 + r10 / den;
        if (next > limit)
            break;
        prev_q = q;
        prev_r = r;
        q = next;
        r = r10 % den;
        scale++;
    }
    if (r != 0 && round_half_even_up(q, r, den)) {
        q++;
        if (q > limit) {
            /* Rounding carried past the limit: the scale that fits is one
             * less, where the coefficient is a tenth and cannot carry over. */
            if (scale == 0)
                return DEC_OVERFLOW;
            q = prev_q;
            r = prev_r;
            scale--;
            if (round_half_even_up(q, r, den))
                q++;
        }
    }
    Decimal res;
    DecStatus st = fit(neg ? -(i128)q : (i128)q, scale, &res);
    if (st != DEC_OK)
        return st;
    *out = dec_normalize(res);
    return DEC_OK;
}

DecStatus dec_neg(Decimal a, Decimal *out)
{
    return fit(-(i128)a.coef, a.scale, out);
}

DecStatus dec_round(Decimal a, int places, DecRound mode, Decimal *out)
{
    /* Rounding to tens or hundreds is not part of the contract; refusing is
     * safer than guessing what a caller meant. */
    if (places < 0)
        return DEC_OVERFLOW;
    if (places >= a.scale) {
        *out = a;
        return DEC_OK;
    }
    int64_t p = dec_pow10[a.scale - places];
    /* C division truncates, so the remainder carries the sign of coef and
     * |q| <= INT64_MAX / 10: stepping q by one cannot overflow. */
    int64_t q = a.coef / p;
    int64_t r = a.coef % p;
    if (r != 0) {
        int64_t ar = r < 0 ? -r : r;
        int64_t rest = p - ar; /* compares 2*ar with p without overflow */
        bool away = false;
        switch (mode) {
        case DEC_ROUND_HALF_EVEN:
            away = ar > rest || (ar == rest && q % 2 != 0);
            break;
        case DEC_ROUND_HALF_UP:
            away = ar >= rest;
            break;
        case DEC_ROUND_FLOOR:
            away = r < 0;
            break;
        case DEC_ROUND_CEIL:
            away = r > 0;
            break;
        case DEC_ROUND_TRUNC:
            away = false;
            break;
        }
        if (away)
            q += r < 0 ? -1 : 1;
    }
    out->coef = q;
    out->scale = (uint8_t)places;
    return DEC_OK;
}

int dec_cmp(Decimal a, Decimal b)
{
    i128 ca, cb;
    align(a, b, &ca, &cb);
    return (ca > cb) - (ca < cb);
}

bool dec_is_zero(Decimal a)
{
    return a.coef == 0;
}

int dec_sign(Decimal a)
{
    return (a.coef > 0) - (a.coef < 0);
}

Decimal dec_normalize(Decimal a)
{
    while (a.scale > 0 && a.coef % 10 == 0) {
        a.coef /= 10;
        a.scale--;
    }
    return a;
}

uint64_t dec_hash(Decimal a)
{
    Decimal n = dec_normalize(a);
    /* splitmix64's finaliser: cheap, and every input bit reaches every
     * output bit, so hash tables can use the low bits directly. */
    uint64_t h = (uint64_t)n.coef ^ ((uint64_t)n.scale << 58);
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return h;
}

size_t dec_format(Decimal a, char decimal_sep, char *buf)
{
    Decimal n = dec_normalize(a);
    uint64_t m = (uint64_t)magnitude(n.coef);
    char rev[20]; /* digits, least significant first */
    int nd = 0;
    do {
        rev[nd++] = (char)('0' + m % 10);
        m /= 10;
    } while (m != 0);

    size_t len = 0;
    if (n.coef < 0)
        buf[len++] = '-';
    int scale = n.scale;
    /* At least one digit before the separator: 0.25, not .25. */
    int total = nd > scale ? nd : scale + 1;
    for (int i = total - 1; i >= 0; i--) {
        buf[len++] = i < nd ? rev[i] : '0';
        if (i == scale && scale > 0)
            buf[len++] = decimal_sep;
    }
    buf[len] = '\0';
    return len;
}
