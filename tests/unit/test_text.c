/*
 * test_text.c — unit tests for text.c: UTF-8 validation and coding, NFC,
 * trimming, Swedish collation, Swedish numbers, edit distance, suggestions
 * and columns.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "alloc.h"
#include "text.h"

#define S(lit) (lit), (sizeof(lit) - 1)

static void expect_invalid(const char *s, size_t n, size_t at)
{
    size_t bad = (size_t)-1;
    cr_expect(!text_valid_utf8(s, n, &bad), "accepted invalid input at %zu", at);
    cr_expect_eq(bad, at, "reported offset %zu, expected %zu", bad, at);
}

Test(text, valid_utf8_accepts)
{
    cr_expect(text_valid_utf8(S(""), NULL));
    cr_expect(text_valid_utf8(S("plain ASCII text that is longer than a word"), NULL));
    cr_expect(text_valid_utf8(S("Göteborg, Malmö och Västerås"), NULL));
    cr_expect(text_valid_utf8(S("nul\0inside"), NULL));
    cr_expect(text_valid_utf8(S("\xed\x9f\xbf"), NULL));     /* U+D7FF, just below the surrogates */
    cr_expect(text_valid_utf8(S("\xee\x80\x80"), NULL));     /* U+E000, just above them */
    cr_expect(text_valid_utf8(S("\xf0\x9f\x98\x80"), NULL)); /* U+1F600 */
    cr_expect(text_valid_utf8(S("\xf4\x8f\xbf\xbf"), NULL)); /* U+10FFFF */
    cr_expect(text_valid_utf8(S("\xc2\x80"), NULL));         /* U+0080, smallest 2-byte */
    cr_expect(text_valid_utf8(S("\xe0\xa0\x80"), NULL));     /* U+0800, smallest 3-byte */
    cr_expect(text_valid_utf8(S("\xf0\x90\x80\x80"), NULL)); /* U+10000, smallest 4-byte */
}

Test(text, valid_utf8_rejects_with_offset)
{
    expect_invalid(S("\xc0\xaf"), 0);          /* overlong '/' */
    expect_invalid(S("\x80"), 0);              /* lone continuation */
    expect_invalid(S("\xed\xa0\x80"), 0);      /* surrogate U+D800 */
    expect_invalid(S("\xed\xbf\xbf"), 0);      /* surrogate U+DFFF */
    expect_invalid(S("\xe2\x82"), 0);          /* truncated euro sign */
    expect_invalid(S("\xf4\x90\x80\x80"), 0);  /* U+110000 */
    expect_invalid(S("\xe0\x80\xaf"), 0);      /* overlong in 3 bytes */
    expect_invalid(S("\xf0\x80\x80\xaf"), 0);  /* overlong in 4 bytes */
    expect_invalid(S("\xc1\xbf"), 0);
    expect_invalid(S("\xf5\x80\x80\x80"), 0);
    expect_invalid(S("\xff"), 0);
    expect_invalid(S("\xc3"), 0);
    expect_invalid(S("\xc3(x"), 0);            /* lead byte followed by ASCII */
    expect_invalid(S("ab\xc0\xaf"), 2);
    expect_invalid(S("åäö\x80"), 6);
    expect_invalid(S("Malmö \xe2\x82"), 7);
    /* Past the word-at-a-time ASCII skip. */
    expect_invalid(S("0123456789abcdefghij\xed\xa0\x80 tail"), 20);
    expect_invalid(S("0123456789abcdefghij\xf4\x90\x80\x80"), 20);
    cr_expect(!text_valid_utf8(S("\x80"), NULL));
}

Test(text, decode_and_encode)
{
    static const uint32_t cps[] = {0, 'A', 0x7F, 0x80, 0xE5, 0x7FF, 0x800, 0x20AC, 0xD7FF,
                                   0xE000, 0xFFFD, 0xFFFF, 0x10000, 0x1F600, 0x10FFFF};
    RgBuf b;
    buf_init(&b);
    for (size_t i = 0; i < sizeof cps / sizeof cps[0]; i++) {
        buf_clear(&b);
        text_encode(&b, cps[i]);
        cr_assert(text_valid_utf8(b.data, b.len, NULL), "U+%04X encoded invalid", (unsigned)cps[i]);
        uint32_t cp = 0;
        int len = text_decode(b.data, &cp);
        cr_expect_eq((size_t)len, b.len);
        cr_expect_eq(cp, cps[i], "U+%04X came back as U+%04X", (unsigned)cps[i], (unsigned)cp);
    }

    buf_clear(&b);
    text_encode(&b, 0xE5);
    cr_expect_eq(b.len, 2);
    cr_expect_str_eq(b.data, "å");

    buf_clear(&b);
    text_encode(&b, 0xD800);
    text_encode(&b, 0x110000);
    cr_expect_str_eq(b.data, "\xef\xbf\xbd\xef\xbf\xbd");

    uint32_t cp;
    cr_expect_eq(text_decode("ö", &cp), 2);
    cr_expect_eq(cp, 0xF6);
    cr_expect_eq(text_decode("\xe2\x82\xac", &cp), 3);
    cr_expect_eq(cp, 0x20AC);
}

Test(text, length)
{
    cr_expect_eq(text_length(S("")), 0);
    cr_expect_eq(text_length(S("abc")), 3);
    cr_expect_eq(text_length(S("Örn")), 3);
    cr_expect_eq(text_length(S("a\xcc\x88")), 2);
    cr_expect_eq(text_length(S("€\xf0\x9f\x98\x80")), 2);
    cr_expect_eq(text_length(S("a\0b")), 3);
}

Test(text, nfc_composes)
{
    size_t n;
    const char *in = "a\xcc\x88";
    const char *r = text_nfc(in, 3, &n);
    cr_expect_neq(r, in);
    cr_expect_eq(n, 2);
    cr_expect_str_eq(r, "ä");

    r = text_nfc(S("Go\xcc\x88teborg"), &n);
    cr_expect_eq(n, strlen("Göteborg"));
    cr_expect_str_eq(r, "Göteborg");

    /* The unchanged prefix before the first mark is carried over. */
    r = text_nfc(S("Västerås och A\xcc\x8a"), &n);
    cr_expect_str_eq(r, "Västerås och Å");
    cr_expect_eq(n, strlen("Västerås och Å"));

    /* A mark after a precomposed letter below U+0300. */
    r = text_nfc(S("\xc3\xa5\xcc\x81"), &n); /* å + acute -> U+01FB */
    cr_expect_str_eq(r, "\xc7\xbb");

    /* Singleton: ANGSTROM SIGN becomes Å. */
    r = text_nfc(S("\xe2\x84\xab"), &n);
    cr_expect_str_eq(r, "Å");

    /* Canonical reordering: dot below (ccc 220) before diaeresis (230). */
    r = text_nfc(S("a\xcc\x88\xcc\xa3"), &n);
    size_t n2;
    const char *r2 = text_nfc(S("a\xcc\xa3\xcc\x88"), &n2);
    cr_expect_eq(n, n2);
    cr_expect(memcmp(r, r2, n) == 0);

    /* Hangul jamo L + V compose to one syllable. */
    r = text_nfc(S("\xe1\x84\x80\xe1\x85\xa1"), &n);
    cr_expect_str_eq(r, "\xea\xb0\x80");

    /* NUL bytes are content, not terminators. */
    r = text_nfc(S("x\0a\xcc\x88"), &n);
    cr_expect_eq(n, 4);
    cr_expect(memcmp(r, "x\0\xc3\xa4", 4) == 0);
}

Test(text, nfc_pieces)
{
    size_t n;
    /* Several changed pieces with unchanged text, and an NFC piece past
     * U+0300, between them. */
    const char *r = text_nfc(S("a\xcc\x8a och \xce\xb1\xce\xb2 och o\xcc\x88 slut"), &n);
    cr_expect_str_eq(r, "å och αβ och ö slut");
    cr_expect_eq(n, strlen("å och αβ och ö slut"));

    /* A mark at the very start has nothing to compose with. */
    r = text_nfc(S("\xcc\x88" "a"), &n);
    cr_expect_eq(n, 3);
    cr_expect(memcmp(r, "\xcc\x88" "a", 3) == 0);

    /* A piece longer than the on-stack scratch space. */
    RgBuf in, want;
    buf_init(&in);
    buf_init(&want);
    for (int k = 0; k < 300; k++) {
        buf_adds(&in, "\xce\xb1");
        buf_adds(&want, "\xce\xb1");
    }
    buf_adds(&in, "\xce\xb5\xcc\x81 x");
    buf_adds(&want, "\xce\xad x");
    r = text_nfc(in.data, in.len, &n);
    cr_expect_eq(n, want.len);
    cr_expect(memcmp(r, want.data, n) == 0);
    cr_expect_eq(r[n], '\0');

    /* Invalid input is handed back untouched. */
    const char *bad = "a\xcc\x88\xed\xa0\x80";
    cr_expect_eq(text_nfc(bad, strlen(bad), &n), bad);
    cr_expect_eq(n, strlen(bad));
}

Test(text, nfc_matches_whole_string_utf8proc)
{
    /* Pieces chosen to meet at awkward places: marks in both canonical
     * orders, letters below U+0300 that decompose, Hangul jamo, singletons,
     * a mark that decomposes (U+0344), NUL. */
    static const char *const parts[] = {
        "a", "A", "o", " ", "\0", "å", "Ä", "ö", "\xcc\x88", "\xcc\x8a", "\xcc\x81", "\xcc\xa3",
        "\xcc\xa7", "\xcd\x84", "\xe1\x84\x80", "\xe1\x85\xa1", "\xe1\x86\xa8", "\xea\xb0\x80",
        "\xe2\x84\xab", "\xce\xb1", "\xe0\xad\x87", "\xe0\xac\xbe", "\xc7\xbb", "x",
    };
    size_t np = sizeof parts / sizeof parts[0];
    unsigned seed = 12345;
    for (int round = 0; round < 3000; round++) {
        RgBuf in;
        buf_init(&in);
        seed = seed * 1103515245u + 12345u;
        int pieces = 1 + (int)((seed >> 16) % 40);
        for (int k = 0; k < pieces; k++) {
            seed = seed * 1103515245u + 12345u;
            const char *part = parts[(seed >> 16) % np];
            buf_add(&in, part, part[0] ? strlen(part) : 1);
        }
        utf8proc_uint8_t *ref = NULL;
        utf8proc_ssize_t rn = utf8proc_map((const utf8proc_uint8_t *)in.data, (utf8proc_ssize_t)in.len, &ref,
                                           UTF8PROC_STABLE | UTF8PROC_COMPOSE);
        cr_assert_geq(rn, 0);
        size_t n;
        const char *got = text_nfc(in.data, in.len, &n);
        cr_expect_eq(n, (size_t)rn, "round %d: length %zu, expected %zd", round, n, rn);
        cr_expect(n == (size_t)rn && memcmp(got, ref, n) == 0, "round %d: different bytes", round);
        bool same = (size_t)rn == in.len && memcmp(ref, in.data, in.len) == 0;
        cr_expect_eq(got == in.data, same, "round %d: identity %d, unchanged %d", round, got == in.data, same);
        free(ref);
    }
}

Test(text, nfc_returns_input_when_already_nfc)
{
    size_t n;
    const char *in = "Göteborg";
    cr_expect_eq(text_nfc(in, strlen(in), &n), in);
    cr_expect_eq(n, strlen(in));

    /* The fast path must not allocate at all. */
    static const char text[] = "Räksmörgås med ägg, ÅÄÖ åäö, 1 500 kr — nej, bara ASCII och åäö";
    const char *plain = "Räksmörgås med ägg, ÅÄÖ åäö";
    uint64_t before = rg_alloc_bytes();
    cr_expect_eq(text_nfc(plain, strlen(plain), &n), plain);
    cr_expect_eq(rg_alloc_bytes(), before);

    /* Text past U+0300 that is NFC all the same comes back as it is. */
    const char *greek = "Ελλάδα — €";
    cr_expect_eq(text_nfc(greek, strlen(greek), &n), greek);
    cr_expect_eq(text_nfc(text, sizeof text - 1, &n), text);

    cr_expect_eq(text_nfc("", 0, &n), "");
    cr_expect_eq(n, 0);
}

Test(text, trim)
{
    size_t n;
    const char *in = "\xc2\xa0 Malmö\t\xc2\xa0";
    const char *r = text_trim(in, strlen(in), &n);
    cr_expect_eq(r, in + 3);
    cr_expect_eq(n, strlen("Malmö"));
    cr_expect(memcmp(r, "Malmö", n) == 0);

    in = "\xef\xbb\xbf" "id\r\n";
    r = text_trim(in, strlen(in), &n);
    cr_expect_eq(n, 2);
    cr_expect(memcmp(r, "id", 2) == 0);

    in = "\xe3\x80\x80\xe2\x80\x83x y\xe2\x80\xaf\xe2\x80\xa8\xc2\x85\x0b\x0c";
    r = text_trim(in, strlen(in), &n);
    cr_expect_eq(n, 3);
    cr_expect(memcmp(r, "x y", 3) == 0);

    in = " \t\xc2\xa0\xe1\x9a\x80 ";
    text_trim(in, strlen(in), &n);
    cr_expect_eq(n, 0);

    /* Not white space: a zero-width space, a trailing mark, a bad byte. */
    in = "\xe2\x80\x8b" "a";
    text_trim(in, strlen(in), &n);
    cr_expect_eq(n, 4);
    in = "a \xcc\x88";
    text_trim(in, strlen(in), &n);
    cr_expect_eq(n, 4);
    in = " a\xa0";
    r = text_trim(in, strlen(in), &n);
    cr_expect_eq(n, 2);
    cr_expect_eq(r, in + 1);

    text_trim("", 0, &n);
    cr_expect_eq(n, 0);
}

Test(text, clean)
{
    size_t n;
    const char *r = text_clean(S("\xc2\xa0 a\xcc\x88ngel \n"), &n);
    cr_expect_eq(n, strlen("ängel"));
    cr_expect(memcmp(r, "ängel", n) == 0);

    const char *in = "  Göteborg ";
    r = text_clean(in, strlen(in), &n);
    cr_expect_eq(r, in + 2);
    cr_expect_eq(n, strlen("Göteborg"));
}

static int by_collation(const void *x, const void *y)
{
    const char *a = *(const char *const *)x, *b = *(const char *const *)y;
    return text_collate(a, strlen(a), b, strlen(b));
}

static int coll(const char *a, const char *b)
{
    return text_collate(a, strlen(a), b, strlen(b));
}

Test(text, collate_swedish_order)
{
    cr_expect_lt(coll("Zebra", "Ål"), 0);
    cr_expect_lt(coll("Ål", "Äpple"), 0);
    cr_expect_lt(coll("Äpple", "Örn"), 0);
    cr_expect_gt(coll("ö", "z"), 0);
    cr_expect_lt(coll("z", "å"), 0);
    cr_expect_lt(coll("å", "ä"), 0);
    cr_expect_lt(coll("ä", "ö"), 0);
    cr_expect_lt(coll("apa", "Bil"), 0); /* letters first, case second */
    cr_expect_gt(coll("Örn", "Zebra"), 0);

    const char *words[] = {"Örn", "Äpple", "Zebra", "Ål", "apa", "Bil", "zoo", "Åsa", "ärta"};
    const char *want[] = {"apa", "Bil", "Zebra", "zoo", "Ål", "Åsa", "Äpple", "ärta", "Örn"};
    qsort(words, sizeof words / sizeof words[0], sizeof words[0], by_collation);
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        cr_expect_str_eq(words[i], want[i]);
}

Test(text, collate_consistent_with_equality)
{
    const char *samples[] = {"", "a", "A", "á", "a\xcc\x88", "ä", "Ä", "ab", "a\xe2\x80\x8b" "b",
                             "a\x01" "b", "ö", "z", "Z", "zz", "1 500", "1500", "ß", "ss", "Öl"};
    size_t k = sizeof samples / sizeof samples[0];
    for (size_t i = 0; i < k; i++) {
        for (size_t j = 0; j < k; j++) {
            int c = coll(samples[i], samples[j]);
            int back = coll(samples[j], samples[i]);
            bool same = strcmp(samples[i], samples[j]) == 0;
            cr_expect_eq(c == 0, same, "\"%s\" vs \"%s\": %d", samples[i], samples[j], c);
            cr_expect_eq(c < 0, back > 0, "not antisymmetric: \"%s\" \"%s\"", samples[i], samples[j]);
            cr_expect(c >= -1 && c <= 1);
        }
    }
    /* Transitivity over the same sample. */
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++)
            for (size_t m = 0; m < k; m++)
                if (coll(samples[i], samples[j]) < 0 && coll(samples[j], samples[m]) < 0)
                    cr_expect_lt(coll(samples[i], samples[m]), 0);

    /* Canonically equivalent spellings are close but still ordered. */
    cr_expect_eq(coll("a\xcc\x88", "ä"), text_cmp_bytes(S("a\xcc\x88"), S("ä")));
    /* Explicit lengths: a prefix is not the whole. */
    cr_expect_lt(text_collate("abc", 2, "abc", 3), 0);
    cr_expect_eq(text_collate("abc", 2, "abd", 2), 0);
}

typedef struct {
    int failures;
} CollateJob;

static void *collate_worker(void *arg)
{
    CollateJob *job = arg;
    static const char *pairs[][2] = {{"Zebra", "Ål"}, {"Ål", "Äpple"}, {"Äpple", "Örn"},
                                     {"z", "ö"}, {"apa", "Bil"}, {"a", "á"}};
    for (int round = 0; round < 20000; round++) {
        const char *const *p = pairs[round % 6];
        if (coll(p[0], p[1]) >= 0 || coll(p[1], p[0]) <= 0)
            job->failures++;
    }
    return NULL;
}

Test(text, collate_from_several_threads)
{
    /* No collation before the threads start: opening the collator races
     * too. The workers allocate nothing, so the collector need not know
     * about them. */
    enum { N = 6 };
    pthread_t th[N];
    CollateJob jobs[N] = {{0}};
    for (int i = 0; i < N; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, collate_worker, &jobs[i]), 0);
    for (int i = 0; i < N; i++) {
        pthread_join(th[i], NULL);
        cr_expect_eq(jobs[i].failures, 0, "thread %d: %d wrong results", i, jobs[i].failures);
    }
}

Test(text, cmp_bytes)
{
    cr_expect_eq(text_cmp_bytes(S("abc"), S("abc")), 0);
    cr_expect_lt(text_cmp_bytes(S("ab"), S("abc")), 0);
    cr_expect_gt(text_cmp_bytes(S("abc"), S("ab")), 0);
    cr_expect_lt(text_cmp_bytes(S("Z"), S("a")), 0);
    cr_expect_lt(text_cmp_bytes(S("z"), S("å")), 0);         /* U+007A < U+00E5 */
    cr_expect_lt(text_cmp_bytes(S("\xef\xbf\xbd"), S("\xf0\x9f\x98\x80")), 0); /* U+FFFD < U+1F600 */
    cr_expect_gt(text_cmp_bytes(S("ö"), S("å")), 0);
    cr_expect_eq(text_cmp_bytes("", 0, "", 0), 0);
    cr_expect_lt(text_cmp_bytes("", 0, S("a")), 0);
    cr_expect_lt(text_cmp_bytes(S("a\0a"), S("a\0b")), 0);
}

Test(text, casefold)
{
    size_t n;
    const char *in = "Listade_Invånare";
    const char *r = text_casefold(in, strlen(in), &n);
    cr_expect_neq(r, in);
    cr_expect_str_eq(r, "listade_invånare");
    cr_expect_eq(n, strlen("listade_invånare"));

    r = text_casefold(S("ÅÄÖ Öl"), &n);
    cr_expect_str_eq(r, "åäö öl");

    const char *ascii = "ABC xyz 123";
    r = text_casefold(ascii, strlen(ascii), &n);
    cr_expect_neq(r, ascii);
    cr_expect_str_eq(r, "abc xyz 123");

    /* utf8proc folds fully: ß matches "ss". */
    r = text_casefold(S("Straße"), &n);
    cr_expect_str_eq(r, "strasse");

    /* The folded form stays NFC. */
    r = text_casefold(S("A\xcc\x8a"), &n);
    cr_expect_str_eq(r, "å");

    r = text_casefold("", 0, &n);
    cr_expect_eq(n, 0);
    cr_expect_str_eq(r, "");
}

static void expect_int_sv(int64_t v, const char *want)
{
    RgBuf b;
    buf_init(&b);
    text_format_int_sv(&b, v);
    cr_expect_str_eq(b.data, want);
    cr_expect_eq(b.len, strlen(want));
}

static void expect_dec_sv(int64_t coef, int scale, const char *want)
{
    RgBuf b;
    buf_init(&b);
    text_format_dec_sv(&b, (Decimal){.coef = coef, .scale = (uint8_t)scale});
    cr_expect_str_eq(b.data, want, "%lld / 10^%d", (long long)coef, scale);
    cr_expect_eq(b.len, strlen(want));
}

Test(text, format_int_sv)
{
    expect_int_sv(0, "0");
    expect_int_sv(7, "7");
    expect_int_sv(999, "999");
    expect_int_sv(-999, "-999");
    expect_int_sv(1000, "1 000");
    expect_int_sv(1500, "1 500");
    expect_int_sv(-1500, "-1 500");
    expect_int_sv(6230, "6 230");
    expect_int_sv(100000, "100 000");
    expect_int_sv(1000000, "1 000 000");
    expect_int_sv(-1234567, "-1 234 567");
    expect_int_sv(INT64_MAX, "9 223 372 036 854 775 807");
    expect_int_sv(INT64_MIN, "-9 223 372 036 854 775 808");

    /* Appends rather than replaces. */
    RgBuf b;
    buf_init(&b);
    buf_adds(&b, "Summa: ");
    text_format_int_sv(&b, 6230);
    buf_adds(&b, " kr");
    cr_expect_str_eq(b.data, "Summa: 6 230 kr");
}

Test(text, format_dec_sv)
{
    expect_dec_sv(125, 1, "12,5");
    expect_dec_sv(123475, 2, "1 234,75");
    expect_dec_sv(850000, 2, "8 500");
    expect_dec_sv(-25, 2, "-0,25");
    expect_dec_sv(25, 2, "0,25");
    expect_dec_sv(6230, 0, "6 230");
    expect_dec_sv(-150050, 2, "-1 500,5");
    expect_dec_sv(0, 0, "0");
    expect_dec_sv(0, 4, "0");
    expect_dec_sv(100, 5, "0,001");
    expect_dec_sv(1, 3, "0,001");
    expect_dec_sv(10, 1, "1");
    expect_dec_sv(12345678901, 3, "12 345 678,901");
    expect_dec_sv(5, 18, "0,000000000000000005");
    expect_dec_sv(INT64_MIN, 18, "-9,223372036854775808");
    expect_dec_sv(INT64_MAX, 0, "9 223 372 036 854 775 807");
    expect_dec_sv(INT64_MIN, 0, "-9 223 372 036 854 775 808");
    expect_dec_sv(100000000000000000, 18, "0,1");
}

static size_t dist(const char *a, const char *b)
{
    return text_edit_distance(a, strlen(a), b, strlen(b));
}

Test(text, edit_distance)
{
    cr_expect_eq(dist("", ""), 0);
    cr_expect_eq(dist("", "abc"), 3);
    cr_expect_eq(dist("abc", ""), 3);
    cr_expect_eq(dist("kitten", "sitting"), 3);
    cr_expect_eq(dist("namn", "namn"), 0);
    cr_expect_eq(dist("ab", "ba"), 1);         /* one swap */
    cr_expect_eq(dist("ca", "abc"), 3);        /* OSA, not full Damerau (2) */
    cr_expect_eq(dist("NAMN", "namn"), 0);     /* case folded */
    cr_expect_eq(dist("ÅLDER", "ålder"), 0);
    cr_expect_eq(dist("invanare", "invånare"), 1); /* one code point, two bytes */
    cr_expect_eq(dist("ålder", "ldåer"), 2);
    cr_expect_eq(dist("a\xcc\x88", "ä"), 0);   /* folding keeps NFC */
    cr_expect_eq(dist("listade_invanare", "listade_invånare"), 1);
}

Test(text, suggest)
{
    const char *const names[] = {"listade", "namn", "listade_invånare", "kommun"};
    cr_expect_str_eq(text_suggest("listade_invanare", names, 4), "listade_invånare");
    cr_expect_str_eq(text_suggest("Kommun", names, 4), "kommun");
    cr_expect_str_eq(text_suggest("kommnu", names, 4), "kommun");
    cr_expect_str_eq(text_suggest("nman", names, 4), "namn");
    cr_expect_null(text_suggest("xyz", names, 2));
    cr_expect_null(text_suggest("xyz", names, 4));
    cr_expect_null(text_suggest("anything", names, 0));

    /* One or two code points: only case differences count. */
    const char *const shorts[] = {"id", "ö"};
    cr_expect_str_eq(text_suggest("ID", shorts, 2), "id");
    cr_expect_str_eq(text_suggest("Ö", shorts, 2), "ö");
    cr_expect_null(text_suggest("ix", shorts, 2));
    cr_expect_null(text_suggest("o", shorts, 2));

    /* Ties go to the earlier candidate; a closer later one still wins. */
    const char *const tie[] = {"namna", "namnb", "namn"};
    cr_expect_str_eq(text_suggest("namnx", tie, 2), "namna");
    cr_expect_str_eq(text_suggest("namn_", tie, 3), "namna");
    const char *const closer[] = {"namnxy", "namn"};
    cr_expect_str_eq(text_suggest("namN", closer, 2), "namn");

    /* The threshold is length / 3: 9 code points allow 3 edits, not 4. */
    const char *const far[] = {"abcdefghi"};
    cr_expect_str_eq(text_suggest("abcdefxyz", far, 1), "abcdefghi");
    cr_expect_null(text_suggest("abcdewxyz", far, 1));

    const char *const with_null[] = {NULL, "namn"};
    cr_expect_str_eq(text_suggest("nam", with_null, 2), "namn");
}

Test(text, column)
{
    const char *line = "sum(x) + y";
    cr_expect_eq(text_column(line, 0), 1);
    cr_expect_eq(text_column(line, 4), 5);

    line = "åäö = 1";
    cr_expect_eq(text_column(line, 2), 2);
    cr_expect_eq(text_column(line, 6), 4);
    cr_expect_eq(text_column(line, 7), 5);

    line = "\xf0\x9f\x98\x80x";
    cr_expect_eq(text_column(line, 4), 2);

    /* Invalid bytes are one column each. */
    line = "\xff\x80" "a\xc0\xaf" "b";
    cr_expect_eq(text_column(line, 2), 3);
    cr_expect_eq(text_column(line, 5), 6);

    /* An offset inside a character gives that character's column. */
    line = "xä";
    cr_expect_eq(text_column(line, 2), 2);
}
