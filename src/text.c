/*
 * text.c — UTF-8 handling for regel: strict validation, NFC and case
 * folding (utf8proc), white-space trimming, Swedish collation (ICU),
 * Swedish number rendering, edit distance for "did you mean", and columns
 * for diagnostics.
 */
#include "text.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <unicode/ucol.h>
#include <utf8proc.h>

#include "alloc.h"

/* ---- UTF-8 ------------------------------------------------------------ */

/* The result of looking at one sequence: its length when it is complete
 * and valid, SEQ_BAD when the bytes can never be valid, SEQ_SHORT when they
 * are a valid beginning that the available bytes cut off. */
enum { SEQ_BAD = 0, SEQ_SHORT = -1 };

/* Unicode 15, table 3-7: the second byte's range depends on the lead byte,
 * which is what rules out overlongs, surrogates and values past U+10FFFF
 * without decoding. */
static int utf8_seq(const unsigned char *p, size_t avail)
{
    unsigned char c = p[0];
    if (c < 0x80)
        return 1;

    int len;
    unsigned char lo = 0x80, hi = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
        len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0)
            lo = 0xA0;
        else if (c == 0xED)
            hi = 0x9F;
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0)
            lo = 0x90;
        else if (c == 0xF4)
            hi = 0x8F;
    } else {
        return SEQ_BAD;
    }

    for (int i = 1; i < len; i++) {
        if ((size_t)i >= avail)
            return SEQ_SHORT;
        unsigned char t = p[i];
        if (i == 1 ? (t < lo || t > hi) : (t < 0x80 || t > 0xBF))
            return SEQ_BAD;
    }
    return len;
}

#define ONES ((uint64_t)0x0101010101010101u)
#define HIGHS (ONES * 0x80)

static uint64_t load64(const char *p)
{
    uint64_t w;
    memcpy(&w, p, sizeof w);
    return w;
}

bool text_valid_utf8(const char *s, size_t n, size_t *bad)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < n) {
        /* Nearly all input is ASCII; skip it a word at a time. */
        if (n - i >= 8 && !(load64(s + i) & HIGHS)) {
            i += 8;
            continue;
        }
        /* Swedish text breaks the words up often: take ASCII and the
         * two-byte letters (åäö) without the general check. */
        unsigned char c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF && n - i >= 2 && (p[i + 1] & 0xC0) == 0x80) {
            i += 2;
            continue;
        }
        int len = utf8_seq(p + i, n - i);
        if (len <= 0) {
            if (bad)
                *bad = i;
            return false;
        }
        i += (size_t)len;
    }
    return true;
}

int text_decode(const char *s, uint32_t *cp)
{
    const unsigned char *p = (const unsigned char *)s;
    unsigned char c = p[0];
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    if (c < 0xE0) {
        *cp = ((uint32_t)(c & 0x1F) << 6) | (p[1] & 0x3F);
        return 2;
    }
    if (c < 0xF0) {
        *cp = ((uint32_t)(c & 0x0F) << 12) | ((uint32_t)(p[1] & 0x3F) << 6) | (p[2] & 0x3F);
        return 3;
    }
    *cp = ((uint32_t)(c & 0x07) << 18) | ((uint32_t)(p[1] & 0x3F) << 12) |
          ((uint32_t)(p[2] & 0x3F) << 6) | (p[3] & 0x3F);
    return 4;
}

void text_encode(RgBuf *b, uint32_t cp)
{
    /* Everything in regel is valid UTF-8, so a value that has no encoding
     * (a surrogate, or past U+10FFFF) becomes the replacement character
     * instead of bytes nobody could read back. */
    if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
        cp = 0xFFFD;
    char e[4];
    size_t n;
    if (cp < 0x80) {
        e[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        e[0] = (char)(0xC0 | (cp >> 6));
        e[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        e[0] = (char)(0xE0 | (cp >> 12));
        e[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        e[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        e[0] = (char)(0xF0 | (cp >> 18));
        e[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        e[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        e[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    buf_add(b, e, n);
}

size_t text_length(const char *s, size_t n)
{
    /* Every code point has exactly one byte that is not a continuation
     * (10xxxxxx); count those a word at a time. */
    size_t conts = 0, i = 0;
    for (; n - i >= 8; i += 8) {
        uint64_t w = load64(s + i);
        uint64_t cont = w & ~(w << 1) & HIGHS;
        conts += (size_t)(((cont >> 7) * ONES) >> 56);
    }
    for (; i < n; i++)
        conts += ((unsigned char)s[i] & 0xC0) == 0x80;
    return n - conts;
}

/* ---- Normalisation and case folding ----------------------------------- */

/* Index of the first byte >= 0xCC, or n. Bytes below 0xCC are ASCII,
 * continuation bytes, or lead bytes of U+0080..U+02FF, and no code point
 * below U+0300 (where the combining marks start) is changed by NFC. */
static size_t first_at_or_above_u0300(const char *s, size_t n)
{
    size_t i = 0;
    for (; n - i >= 8; i += 8) {
        uint64_t w = load64(s + i);
        /* A byte is >= 0xCC when its top bit is set and its low seven bits
         * are >= 0x4C; adding 0x34 to the low seven bits carries into the
         * top bit exactly then, and never into the next byte. */
        uint64_t big = ((w & ~HIGHS) + ONES * 0x34) & w & HIGHS;
        if (big)
            break;
    }
    for (; i < n; i++)
        if ((unsigned char)s[i] >= 0xCC)
            return i;
    return n;
}

/* Runs utf8proc_map and moves the result onto the collector's heap.
 * Returns NULL when utf8proc rejects the input (invalid UTF-8). */
static char *map_to_atomic(const char *s, size_t n, utf8proc_option_t options, size_t *out_n)
{
    utf8proc_uint8_t *m = NULL;
    utf8proc_ssize_t r = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n, &m, options);
    if (r == UTF8PROC_ERROR_NOMEM)
        rg_throw(RG_EOOM);
    if (r < 0) {
        free(m);
        return NULL;
    }

    /* rg_alloc_atomic may unwind on out-of-memory; the malloc'd block must
     * not leak when it does. */
    char *out = NULL;
    RgTry t;
    int code = RG_TRY(&t);
    if (code == 0) {
        out = rg_alloc_atomic((size_t)r + 1);
        rg_try_end(&t);
    } else {
        free(m);
        rg_throw(code);
    }
    memcpy(out, m, (size_t)r + 1);
    free(m);
    *out_n = (size_t)r;
    return out;
}

/* A code point below U+0300 has canonical combining class 0 and is never
 * the second half of a canonical composition, so NFC never reaches across
 * it: text splits there into pieces that normalise independently. Only the
 * pieces holding code points at or above U+0300 (each with the code point
 * before them, which marks may compose with) need utf8proc. */
enum { NFC_STACK_CPS = 128 };

typedef struct NfcScratch {
    utf8proc_int32_t stack[NFC_STACK_CPS];
    utf8proc_int32_t *cps;
    size_t cap;
} NfcScratch;

/* NFC of one piece, as UTF-8 in the scratch space; -1 on invalid UTF-8. */
static utf8proc_ssize_t nfc_piece(NfcScratch *sc, const char *s, size_t n, const char **out)
{
    const utf8proc_option_t opt = UTF8PROC_STABLE | UTF8PROC_COMPOSE;
    for (;;) {
        /* utf8proc_reencode writes the UTF-8 (at most 4 bytes per code
         * point) and then a NUL in place, so it needs one entry spare. */
        utf8proc_ssize_t r = utf8proc_decompose((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)n,
                                                sc->cps, (utf8proc_ssize_t)sc->cap - 1, opt);
        if (r < 0)
            return -1;
        if ((size_t)r < sc->cap) {
            r = utf8proc_reencode(sc->cps, r, opt);
            if (r < 0)
                return -1;
            *out = (const char *)sc->cps;
            return r;
        }
        /* Only a long run of marks, Hangul jamo or non-Latin script gets
         * here; collector memory keeps an out-of-memory unwind leak-free. */
        if (sc->cps != sc->stack)
            rg_free(sc->cps);
        sc->cap = (size_t)r + 1;
        sc->cps = rg_alloc_atomic(sc->cap * sizeof *sc->cps);
    }
}

static bool is_continuation(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

const char *text_nfc(const char *s, size_t n, size_t *out_n)
{
    size_t i = first_at_or_above_u0300(s, n);
    if (i == n) {
        *out_n = n;
        return s;
    }

    NfcScratch sc;
    sc.cps = sc.stack;
    sc.cap = NFC_STACK_CPS;
    RgBuf out;
    buf_init(&out);
    bool changed = false;
    size_t done = 0;  /* s[0..done) is settled: in out when changed */
    size_t prev_end = 0;

    while (i < n) {
        size_t start = i;
        if (start > prev_end) {
            start--;
            while (start > prev_end && is_continuation((unsigned char)s[start]))
                start--;
        }
        size_t end = i + 1;
        while (end < n && ((unsigned char)s[end] >= 0xCC || is_continuation((unsigned char)s[end])))
            end++;

        const char *norm;
        utf8proc_ssize_t len = nfc_piece(&sc, s + start, end - start, &norm);
        if (len < 0) {
            /* Invalid input is a caller's bug; handing it back unchanged
             * keeps this total without inventing a repair. */
            changed = false;
            break;
        }
        if ((size_t)len != end - start || memcmp(norm, s + start, end - start) != 0) {
            if (!changed)
                buf_reserve(&out, n + (size_t)len);
            changed = true;
            buf_add(&out, s + done, start - done);
            buf_add(&out, norm, (size_t)len);
            done = end;
        }
        prev_end = end;
        i = end + first_at_or_above_u0300(s + end, n - end);
    }

    if (sc.cps != sc.stack)
        rg_free(sc.cps);
    if (!changed) {
        *out_n = n;
        return s;
    }
    buf_add(&out, s + done, n - done);
    *out_n = out.len;
    return out.data;
}

const char *text_casefold(const char *s, size_t n, size_t *out_n)
{
    size_t i = 0;
    while (i < n && !((unsigned char)s[i] & 0x80))
        i++;
    if (i == n) {
        char *out = rg_alloc_atomic(n + 1);
        for (size_t k = 0; k < n; k++) {
            char c = s[k];
            out[k] = (c >= 'A' && c <= 'Z') ? (char)(c + ('a' - 'A')) : c;
        }
        out[n] = '\0';
        *out_n = n;
        return out;
    }
    /* COMPOSE keeps the folded text in NFC, as everything in regel is. */
    const char *out = map_to_atomic(s, n, UTF8PROC_STABLE | UTF8PROC_COMPOSE | UTF8PROC_CASEFOLD, out_n);
    if (!out) {
        out = rg_strndup(s, n);
        *out_n = n;
    }
    return out;
}

/* ---- Trimming ---------------------------------------------------------- */

static bool is_space(uint32_t c)
{
    if (c < 0x80)
        return c == ' ' || (c >= 0x09 && c <= 0x0D);
    switch (c) {
    case 0x0085: case 0x00A0: case 0x1680:
    case 0x2028: case 0x2029: case 0x202F: case 0x205F: case 0x3000:
    case 0xFEFF: /* not White_Space, but a stray byte-order mark is never content */
        return true;
    default:
        return c >= 0x2000 && c <= 0x200A;
    }
}

/* Every white space character is encoded in at most 3 bytes; the bounds
 * checks below keep truncated (invalid) input from being read past n. */
static bool space_at(const char *s, size_t avail, size_t *len)
{
    int l = utf8_seq((const unsigned char *)s, avail);
    if (l <= 0)
        return false;
    uint32_t c;
    text_decode(s, &c);
    *len = (size_t)l;
    return is_space(c);
}

const char *text_trim(const char *s, size_t n, size_t *out_n)
{
    size_t b = 0, e = n, l;
    while (b < e && space_at(s + b, e - b, &l))
        b += l;
    while (e > b) {
        size_t k = e - 1;
        while (k > b && e - k < 4 && ((unsigned char)s[k] & 0xC0) == 0x80)
            k--;
        if (!space_at(s + k, e - k, &l) || k + l != e)
            break;
        e = k;
    }
    *out_n = e - b;
    return s + b;
}

const char *text_clean(const char *s, size_t n, size_t *out_n)
{
    size_t tn;
    const char *t = text_trim(s, n, &tn);
    return text_nfc(t, tn, out_n);
}

/* ---- Collation --------------------------------------------------------- */

/* One collator for the whole process. ICU documents that a service object
 * is safe to use from many threads at once as long as only const APIs are
 * called (ICU User Guide, "ICU Architectural Design", "Thread-safe const
 * APIs"); ucol_strcollUTF8 takes a const UCollator *. All non-const set-up
 * (ucol_setAttribute) happens inside pthread_once, before publication. */
static UCollator *sv_collator;
static pthread_once_t sv_once = PTHREAD_ONCE_INIT;

static void open_sv_collator(void)
{
    UErrorCode err = U_ZERO_ERROR;
    UCollator *c = ucol_open("sv", &err);
    if (U_FAILURE(err)) {
        if (c)
            ucol_close(c);
        return;
    }
    /* Identical strength makes ICU break tertiary ties by code points (of
     * the NFD form), so only canonically equivalent strings compare equal.
     * Normalisation on makes the result right for text that is not FCD. */
    ucol_setAttribute(c, UCOL_STRENGTH, UCOL_IDENTICAL, &err);
    ucol_setAttribute(c, UCOL_NORMALIZATION_MODE, UCOL_ON, &err);
    if (U_FAILURE(err)) {
        ucol_close(c);
        return;
    }
    sv_collator = c;
}

int text_cmp_bytes(const char *a, size_t an, const char *b, size_t bn)
{
    size_t m = an < bn ? an : bn;
    int r = m ? memcmp(a, b, m) : 0;
    if (r)
        return r < 0 ? -1 : 1;
    return an < bn ? -1 : an > bn ? 1 : 0;
}

int text_collate(const char *a, size_t an, const char *b, size_t bn)
{
    pthread_once(&sv_once, open_sv_collator);
    /* Without ICU data, or past ICU's int32 lengths, code-point order is
     * still a total order, which matters more than being Swedish. */
    if (!sv_collator || an > INT32_MAX || bn > INT32_MAX)
        return text_cmp_bytes(a, an, b, bn);

    UErrorCode err = U_ZERO_ERROR;
    UCollationResult r = ucol_strcollUTF8(sv_collator, a, (int32_t)an, b, (int32_t)bn, &err);
    if (U_FAILURE(err))
        return text_cmp_bytes(a, an, b, bn);
    if (r != UCOL_EQUAL)
        return r == UCOL_LESS ? -1 : 1;
    /* Canonically equivalent but differently encoded (not NFC) text: keep
     * the order consistent with byte equality. */
    return text_cmp_bytes(a, an, b, bn);
}

/* ---- Swedish numbers --------------------------------------------------- */

/* Appends the decimal digits of d[0..n) in groups of three from the right. */
static void add_grouped(RgBuf *b, const char *d, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i > 0 && (n - i) % 3 == 0)
            buf_addc(b, ' ');
        buf_addc(b, d[i]);
    }
}

/* Digits of v, most significant first, into d (at least 20 bytes); returns
 * how many. */
static size_t utoa_digits(uint64_t v, char *d)
{
    char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        d[i] = tmp[n - 1 - i];
    return n;
}

/* The magnitude in unsigned arithmetic, so that INT64_MIN has one. */
static uint64_t magnitude(int64_t v)
{
    return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

void text_format_int_sv(RgBuf *b, int64_t v)
{
    char d[20];
    size_t n = utoa_digits(magnitude(v), d);
    if (v < 0)
        buf_addc(b, '-');
    add_grouped(b, d, n);
}

void text_format_dec_sv(RgBuf *b, Decimal dec)
{
    char d[20];
    size_t n = utoa_digits(magnitude(dec.coef), d);
    size_t scale = dec.scale;

    /* Trailing fractional zeros are not printed; dropping them first also
     * tells whether anything remains after the comma. */
    while (scale > 0 && n > 1 && d[n - 1] == '0') {
        n--;
        scale--;
    }
    if (dec.coef == 0)
        scale = 0;

    if (dec.coef < 0)
        buf_addc(b, '-');
    if (scale >= n) {
        buf_addc(b, '0');
        buf_addc(b, ',');
        for (size_t i = n; i < scale; i++)
            buf_addc(b, '0');
        buf_add(b, d, n);
    } else {
        add_grouped(b, d, n - scale);
        if (scale) {
            buf_addc(b, ',');
            buf_add(b, d + n - scale, scale);
        }
    }
}

/* ---- Edit distance and suggestions ------------------------------------- */

/* Code points of the case-folded form of s, in a fresh atomic array. */
static uint32_t *folded_code_points(const char *s, size_t n, size_t *count)
{
    size_t fn;
    const char *f = text_casefold(s, n, &fn);
    uint32_t *cps = rg_alloc_atomic((text_length(f, fn) + 1) * sizeof *cps);
    size_t k = 0;
    for (size_t i = 0; i < fn;)
        i += (size_t)text_decode(f + i, &cps[k++]);
    *count = k;
    return cps;
}

static size_t min3(size_t x, size_t y, size_t z)
{
    size_t m = x < y ? x : y;
    return m < z ? m : z;
}

/* Optimal string alignment distance between two code point arrays; it
 * needs the two previous rows for the swap of neighbours. */
static size_t osa_distance(const uint32_t *x, size_t m, const uint32_t *y, size_t n)
{
    size_t *rows = rg_alloc_atomic(3 * (n + 1) * sizeof *rows);
    size_t *prev2 = rows, *prev = rows + (n + 1), *cur = rows + 2 * (n + 1);
    for (size_t j = 0; j <= n; j++)
        prev[j] = j;
    for (size_t i = 1; i <= m; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= n; j++) {
            size_t cost = x[i - 1] != y[j - 1];
            size_t d = min3(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
            if (i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1] && prev2[j - 2] + 1 < d)
                d = prev2[j - 2] + 1;
            cur[j] = d;
        }
        size_t *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[n];
}

size_t text_edit_distance(const char *a, size_t an, const char *b, size_t bn)
{
    size_t m, n;
    const uint32_t *x = folded_code_points(a, an, &m);
    const uint32_t *y = folded_code_points(b, bn, &n);
    return osa_distance(x, m, y, n);
}

const char *text_suggest(const char *name, const char *const *candidates, size_t count)
{
    size_t name_n = strlen(name);
    size_t len = text_length(name, name_n);
    /* For one or two letters any edit is a different word, not a typo. */
    size_t limit = len <= 2 ? 0 : (len / 3 > 1 ? len / 3 : 1);

    size_t m;
    const uint32_t *x = folded_code_points(name, name_n, &m);
    const char *best = NULL;
    size_t best_d = 0;
    for (size_t i = 0; i < count; i++) {
        const char *c = candidates[i];
        if (!c)
            continue;
        size_t n;
        const uint32_t *y = folded_code_points(c, strlen(c), &n);
        /* The difference in length is a lower bound of the distance. */
        if ((n > m ? n - m : m - n) > limit)
            continue;
        size_t d = osa_distance(x, m, y, n);
        if (d <= limit && (!best || d < best_d)) {
            best = c;
            best_d = d;
        }
    }
    return best;
}

/* ---- Columns ----------------------------------------------------------- */

size_t text_column(const char *line_start, size_t offset)
{
    const unsigned char *p = (const unsigned char *)line_start;
    size_t col = 1, i = 0;
    while (i < offset) {
        int l = utf8_seq(p + i, offset - i);
        if (l == SEQ_SHORT)
            break; /* offset points inside this character: its column */
        i += l > 0 ? (size_t)l : 1;
        col++;
    }
    return col;
}

bool text_is_name_char(uint32_t cp, bool first)
{
    if (cp < 0x80)
        return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || cp == '_' ||
               (!first && cp >= '0' && cp <= '9');
    switch (utf8proc_category((utf8proc_int32_t)cp)) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM: case UTF8PROC_CATEGORY_LO:
        return true;
    case UTF8PROC_CATEGORY_MN: case UTF8PROC_CATEGORY_MC: case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_PC:
        return !first;
    default:
        return false;
    }
}
