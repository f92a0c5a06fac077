/*
 * test_value.c — runtime values (src/value.c): equality and hashing that
 * agree (1 == 1.0), the order of `<` (numbers by value, text in Swedish
 * order), the Swedish rendering used in messages (grammar/README.md "Text
 * and messages") and the JSON form of the decision output.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "value.h"

static void setup(void)
{
    rg_alloc_init();
}

TestSuite(value, .init = setup);

static Value dec(int64_t coef, int scale)
{
    Decimal d = {coef, (uint8_t)scale};
    return val_dec(d);
}

static Value txt(const char *s)
{
    return val_text_copy(s, strlen(s));
}

static Value list_of(size_t n, const Value *vs)
{
    List *l = list_new(n);
    for (size_t i = 0; i < n; i++)
        l = list_push(l, vs[i]);
    return val_list(l);
}

static Value date(int y, int m, int d)
{
    return val_date(date_from_ymd(y, m, d));
}

static Value dur(int months, int days)
{
    Duration d = {months, days};
    return val_duration(d);
}

static const char *render(Value v)
{
    RgBuf b;
    buf_init(&b);
    value_render(&b, v);
    return b.data ? b.data : "";
}

static const char *json(Value v)
{
    RgBuf b;
    buf_init(&b);
    value_write_json(&b, v);
    return b.data ? b.data : "";
}

#define RENDERS(v, want) cr_expect_str_eq(render(v), (want))
#define JSON(v, want) cr_expect_str_eq(json(v), (want))

static const char *const BT_WORDS[] = {"ej_aktuell", "pagaende", "klar"};
static const EnumType BT = {.name = "Bt", .nwords = 3, .words = (const char **)BT_WORDS,
                            .spellings = (const char **)BT_WORDS, .texts = (const char **)BT_WORDS};
static const EnumType OTHER = {.name = "Other", .nwords = 3, .words = (const char **)BT_WORDS,
                               .spellings = (const char **)BT_WORDS, .texts = (const char **)BT_WORDS};

static void expect_equal_and_same_hash(Value a, Value b)
{
    cr_expect(value_equal(a, b), "%s == %s", json(a), json(b));
    cr_expect(value_equal(b, a), "%s == %s (swapped)", json(b), json(a));
    cr_expect_eq(value_hash(a), value_hash(b), "%s and %s are equal but hash differently", json(a), json(b));
    cr_expect_eq(value_compare(a, b), 0, "%s and %s are equal but do not compare as 0", json(a), json(b));
}

static void expect_different(Value a, Value b)
{
    cr_expect(!value_equal(a, b), "%s != %s", json(a), json(b));
    cr_expect(!value_equal(b, a), "%s != %s (swapped)", json(b), json(a));
}

/* ---------------------------------------------------------------- equality and hashing */

Test(value, int_and_decimal_equal_by_value)
{
    expect_equal_and_same_hash(val_int(1), dec(10, 1));
    expect_equal_and_same_hash(val_int(1), dec(1000000000000000000LL, 18));
    expect_equal_and_same_hash(val_int(-1500), dec(-150000, 2));
    expect_equal_and_same_hash(val_int(0), dec(0, 3));
    expect_equal_and_same_hash(dec(25, 1), dec(250, 2));
    expect_equal_and_same_hash(dec(-25, 1), dec(-2500, 3));
    expect_different(val_int(1), dec(11, 1));
    expect_different(dec(25, 1), dec(25, 2));
}

Test(value, equality_is_by_tag_otherwise)
{
    expect_different(val_int(1), txt("1"));
    expect_different(val_int(1), val_bool(true));
    expect_different(val_none(), val_int(0));
    expect_different(val_none(), txt(""));
    expect_equal_and_same_hash(val_none(), val_none());
    expect_equal_and_same_hash(val_bool(true), val_bool(true));
    expect_different(val_bool(true), val_bool(false));
}

Test(value, text_equality_is_exact)
{
    expect_equal_and_same_hash(txt("Vårdcentralen Åmål"), txt("Vårdcentralen Åmål"));
    expect_different(txt("abc"), txt("Abc"));
    expect_different(txt("abc"), txt("abc "));
    /* Counted: a NUL inside is part of the text. */
    expect_different(val_text("a\0b", 3), val_text("a\0c", 3));
    expect_equal_and_same_hash(val_text("a\0b", 3), val_text_copy("a\0b", 3));
}

Test(value, dates_periods_durations)
{
    expect_equal_and_same_hash(date(2026, 2, 28), date(2026, 2, 28));
    expect_different(date(2026, 2, 28), date(2026, 3, 1));
    expect_equal_and_same_hash(val_period(date_from_ymd(2026, 1, 1), date_from_ymd(2026, 3, 31)),
                               val_period(date_from_ymd(2026, 1, 1), date_from_ymd(2026, 3, 31)));
    expect_different(val_period(date_from_ymd(2026, 1, 1), date_from_ymd(2026, 3, 31)),
                     val_period(date_from_ymd(2026, 1, 1), date_from_ymd(2026, 3, 30)));
    expect_equal_and_same_hash(dur(12, 0), dur(12, 0));
    expect_different(dur(1, 0), dur(0, 30));
}

Test(value, enum_words)
{
    expect_equal_and_same_hash(val_enum(&BT, 1), val_enum(&BT, 1));
    expect_different(val_enum(&BT, 1), val_enum(&BT, 2));
    /* The same word of another enum is another value. */
    expect_different(val_enum(&BT, 1), val_enum(&OTHER, 1));
}

Test(value, lists_compare_deeply)
{
    Value a[] = {val_int(1), dec(25, 1), txt("x")};
    Value b[] = {dec(100, 2), dec(250, 2), txt("x")};
    Value c[] = {val_int(1), dec(25, 1)};
    expect_equal_and_same_hash(list_of(3, a), list_of(3, b));
    expect_different(list_of(3, a), list_of(2, c));
    Value nested_a[] = {list_of(3, a), val_none()};
    Value nested_b[] = {list_of(3, b), val_none()};
    expect_equal_and_same_hash(list_of(2, nested_a), list_of(2, nested_b));
    expect_equal_and_same_hash(list_of(0, NULL), list_of(0, NULL));
}

Test(value, records_are_equal_when_their_fields_are)
{
    FieldDef fields[] = {{.name = "x", .type = &type_int, .column = "x"}};
    RecordType rt = {.name = "R", .nfields = 1, .fields = fields};
    RecordType other = {.name = "S", .nfields = 1, .fields = fields};
    Record *r1 = record_new(&rt), *r2 = record_new(&rt), *r3 = record_new(&rt), *s1 = record_new(&other);
    r1->slots[0] = val_int(1);
    r2->slots[0] = dec(10, 1); /* 1.0 */
    r3->slots[0] = val_int(2);
    s1->slots[0] = val_int(1);
    expect_equal_and_same_hash(val_record(r1), val_record(r1));
    expect_equal_and_same_hash(val_record(r1), val_record(r2));
    expect_different(val_record(r1), val_record(r3));
    expect_different(val_record(r1), val_record(s1));
    cr_expect_lt(value_compare(val_record(r1), val_record(r3)), 0);
    cr_expect_eq(value_compare(val_record(r1), val_record(r2)), 0);
}

Test(value, equal_values_hash_alike_over_many_numbers)
{
    for (int64_t i = -1000; i <= 1000; i += 7) {
        for (int scale = 0; scale <= 4; scale++) {
            int64_t p = 1;
            for (int k = 0; k < scale; k++)
                p *= 10;
            expect_equal_and_same_hash(val_int(i), dec(i * p, scale));
        }
    }
    /* Fractions: 0.5 at every scale. */
    int64_t coef = 5;
    for (int scale = 1; scale <= 18; scale++, coef *= 10)
        expect_equal_and_same_hash(dec(5, 1), dec(coef, scale));
}

/* ---------------------------------------------------------------- sets */

Test(value, sets_are_distinct_by_value)
{
    Value items[] = {val_int(3), val_int(1), dec(10, 1), val_int(2), dec(30, 1)};
    Value s = set_from_list(list_of(5, items).as.list);
    cr_assert_eq(s.tag, V_SET);
    cr_assert_eq(s.as.list->len, 3, "1 and 1.0, 3 and 3.0 are one element each: %s", json(s));
    cr_expect(set_contains(s.as.list, val_int(1)));
    cr_expect(set_contains(s.as.list, dec(100, 2)));
    cr_expect(set_contains(s.as.list, val_int(2)));
    cr_expect(!set_contains(s.as.list, val_int(4)));
    cr_expect(!set_contains(s.as.list, dec(15, 1)));
    /* A set is not equal to the list of its elements. */
    Value same[] = {val_int(1), val_int(2), val_int(3)};
    expect_different(s, list_of(3, same));
}

/* ---------------------------------------------------------------- order */

Test(value, numbers_order_by_value)
{
    cr_expect_lt(value_compare(val_int(1), dec(15, 1)), 0);
    cr_expect_gt(value_compare(val_int(2), dec(199, 2)), 0);
    cr_expect_lt(value_compare(dec(-5, 1), val_int(0)), 0);
    cr_expect_lt(value_compare(val_int(INT64_MIN), val_int(INT64_MAX)), 0);
    cr_expect_gt(value_compare(dec(1, 18), val_int(0)), 0);
}

Test(value, swedish_text_order)
{
    const char *sorted[] = {"a", "b", "z", "å", "ä", "ö"};
    for (size_t i = 0; i + 1 < 6; i++)
        cr_expect_lt(value_compare(txt(sorted[i]), txt(sorted[i + 1])), 0, "%s < %s", sorted[i], sorted[i + 1]);
    cr_expect_gt(value_compare(txt("Örebro"), txt("Zinkgruvan")), 0);
    cr_expect_gt(value_compare(txt("Åmål"), txt("Ystad")), 0);
    cr_expect_lt(value_compare(txt("Ängelholm"), txt("Östersund")), 0);
    cr_expect_gt(value_compare(txt("Borås"), txt("Borlänge")), 0, "å sorts after l (after z)");
}

Test(value, text_order_is_not_byte_order)
{
    /* Collation puts "a" before "Z"; bytes put "Z" first. */
    cr_expect_lt(value_compare(txt("a"), txt("Z")), 0);
    cr_expect_gt(value_order(txt("a"), txt("Z")), 0);
    cr_expect_lt(value_compare(txt("erik"), txt("Eva")), 0);
    cr_expect_gt(value_order(txt("erik"), txt("Eva")), 0);
    /* Only identical text compares as 0. */
    cr_expect_neq(value_compare(txt("a"), txt("A")), 0);
    cr_expect_eq(value_compare(txt("å"), txt("å")), 0);
}

Test(value, other_orders)
{
    cr_expect_lt(value_compare(date(2026, 1, 31), date(2026, 2, 1)), 0);
    cr_expect_lt(value_compare(val_enum(&BT, 0), val_enum(&BT, 2)), 0, "enum words in declaration order");
    cr_expect_gt(value_compare(val_enum(&BT, 2), val_enum(&BT, 1)), 0);
    cr_expect_lt(value_compare(val_bool(false), val_bool(true)), 0);
    cr_expect_lt(value_compare(val_none(), val_int(INT64_MIN)), 0, "none before everything");
    cr_expect_lt(value_compare(val_none(), txt("")), 0);
    Value a[] = {val_int(1), val_int(2)}, b[] = {val_int(1), val_int(3)}, c[] = {val_int(1)};
    cr_expect_lt(value_compare(list_of(2, a), list_of(2, b)), 0);
    cr_expect_lt(value_compare(list_of(1, c), list_of(2, a)), 0, "a prefix first");
}

/* ---------------------------------------------------------------- rendering */

Test(value, render_integers_in_groups_of_three)
{
    RENDERS(val_int(0), "0");
    RENDERS(val_int(999), "999");
    RENDERS(val_int(1000), "1 000");
    RENDERS(val_int(1500), "1 500");
    RENDERS(val_int(6230), "6 230");
    RENDERS(val_int(1234567), "1 234 567");
    RENDERS(val_int(-1500), "-1 500");
    RENDERS(val_int(INT64_MAX), "9 223 372 036 854 775 807");
    RENDERS(val_int(INT64_MIN), "-9 223 372 036 854 775 808");
}

Test(value, render_decimals_with_comma)
{
    RENDERS(dec(125, 1), "12,5");
    RENDERS(dec(1250, 2), "12,5");
    RENDERS(dec(123475, 2), "1 234,75");
    RENDERS(dec(25, 2), "0,25");
    RENDERS(dec(-5, 1), "-0,5");
    RENDERS(dec(10000, 2), "100");
    RENDERS(dec(0, 2), "0");
    RENDERS(dec(625, 1), "62,5");
    RENDERS(dec(1, 18), "0,000000000000000001");
}

Test(value, render_other_scalars)
{
    RENDERS(val_bool(true), "ja");
    RENDERS(val_bool(false), "nej");
    RENDERS(date(2026, 2, 28), "2026-02-28");
    RENDERS(date(1, 1, 1), "0001-01-01");
    RENDERS(val_period(date_from_ymd(2026, 1, 1), date_from_ymd(2026, 3, 31)), "2026-01-01\xe2\x80\x93" "2026-03-31");
    RENDERS(val_none(), "saknas");
    RENDERS(val_enum(&BT, 1), "pagaende");
    RENDERS(txt("hej {x}"), "hej {x}");
}

Test(value, render_durations)
{
    RENDERS(dur(3, 0), "3 månader");
    RENDERS(dur(1, 0), "1 månad");
    RENDERS(dur(12, 0), "1 år");
    RENDERS(dur(24, 0), "2 år");
    RENDERS(dur(14, 0), "1 år och 2 månader");
    RENDERS(dur(13, 0), "1 år och 1 månad");
    RENDERS(dur(0, 1), "1 dag");
    RENDERS(dur(0, 14), "14 dagar");
    RENDERS(dur(0, 0), "0 dagar");
    RENDERS(dur(2, 3), "2 månader och 3 dagar");
    RENDERS(dur(14, 3), "1 år, 2 månader och 3 dagar");
}

Test(value, render_lists)
{
    Value three[] = {txt("a"), txt("b"), txt("c")};
    RENDERS(list_of(3, three), "a, b och c");
    RENDERS(list_of(2, three), "a och b");
    RENDERS(list_of(1, three), "a");
    Value nums[] = {val_int(1500), dec(25, 1)};
    RENDERS(list_of(2, nums), "1 500 och 2,5");
    Value s = set_from_list(list_of(3, three).as.list);
    RENDERS(s, "a, b och c");
}

/* ---------------------------------------------------------------- JSON */

Test(value, json_numbers)
{
    JSON(val_int(0), "0");
    JSON(val_int(-1500), "-1500");
    JSON(val_int(INT64_MIN), "-9223372036854775808");
    /* Decimals are strings, without trailing zeros or exponent. */
    JSON(dec(320, 2), "\"3.2\"");
    JSON(dec(10000, 2), "\"100\"");
    JSON(dec(-25, 2), "\"-0.25\"");
    JSON(dec(0, 5), "\"0\"");
    JSON(dec(1, 18), "\"0.000000000000000001\"");
    JSON(dec(INT64_MAX, 0), "\"9223372036854775807\"");
}

Test(value, json_text_escapes)
{
    JSON(txt("plain"), "\"plain\"");
    JSON(txt("Vårdcentralen Åmål"), "\"Vårdcentralen Åmål\"");
    JSON(txt("a\"b\\c"), "\"a\\\"b\\\\c\"");
    JSON(txt("line\nnext\r\ttab"), "\"line\\nnext\\r\\ttab\"");
    JSON(txt("\x01\x1f\x7f"), "\"\\u0001\\u001f\\u007f\"");
    JSON(val_text("a\0b", 3), "\"a\\u0000b\"");
    JSON(txt(""), "\"\"");
    /* Only control characters are escaped: '/' and non-ASCII stay. */
    JSON(txt("a/b – ö"), "\"a/b – ö\"");
}

Test(value, json_other_values)
{
    JSON(val_none(), "null");
    JSON(val_bool(true), "true");
    JSON(val_bool(false), "false");
    JSON(date(2026, 2, 28), "\"2026-02-28\"");
    JSON(val_enum(&BT, 2), "\"klar\"");
    JSON(val_period(date_from_ymd(2026, 1, 1), date_from_ymd(2026, 3, 31)),
         "{\"start\":\"2026-01-01\",\"end\":\"2026-03-31\"}");
    JSON(dur(14, 3), "{\"months\":14,\"days\":3}");
    Value items[] = {val_int(1), dec(250, 2), txt("x"), val_none()};
    JSON(list_of(4, items), "[1,\"2.5\",\"x\",null]");
    JSON(list_of(0, NULL), "[]");
}

Test(value, json_records_use_field_names)
{
    FieldDef fields[] = {{.name = "hsa_id", .type = &type_text, .column = "HSA-id"},
                         {.name = "grad", .type = &type_dec, .column = "Grad"},
                         {.name = "spec", .type = &type_text, .column = "Specialitet"}};
    RecordType rt = {.name = "Personal", .nfields = 3, .fields = fields};
    Record *r = record_new(&rt);
    r->slots[0] = txt("SE1");
    r->slots[1] = dec(6250, 2);
    r->slots[2] = val_none();
    JSON(val_record(r), "{\"hsa_id\":\"SE1\",\"grad\":\"62.5\",\"spec\":null}");
}

Test(value, json_write_string_directly)
{
    RgBuf b;
    buf_init(&b);
    json_write_string(&b, "x\"y", 3);
    cr_expect_eq(b.len, 6);
    cr_expect(memcmp(b.data, "\"x\\\"y\"", 6) == 0);
}

/* json_write_string tests 8 bytes at a time and copies the plain run in one
 * piece; these hold it to the bytewise definition at every length and at
 * every position in and across the 8-byte blocks. */

/* s written by json_write_string, from a copy of exactly n bytes, so the
 * sanitizer build sees any read past the end of the string. */
static const char *jstr(const char *s, size_t n)
{
    char *copy = malloc(n ? n : 1);
    cr_assert_not_null(copy);
    memcpy(copy, s, n);
    RgBuf b;
    buf_init(&b);
    json_write_string(&b, copy, n);
    free(copy);
    cr_assert_eq(b.data[b.len], '\0', "the buffer stays NUL-terminated");
    cr_assert_eq(strlen(b.data), b.len, "no NUL in the output");
    return b.data;
}

/* How one byte that needs escaping is written. */
static const struct {
    char c;
    const char *out;
} JSON_ESCAPES[] = {
    {'"', "\\\""},       {'\\', "\\\\"},      {'\n', "\\n"},       {'\r', "\\r"},
    {'\t', "\\t"},       {'\0', "\\u0000"},   {'\x01', "\\u0001"}, {'\b', "\\u0008"},
    {'\f', "\\u000c"},   {'\x1b', "\\u001b"}, {'\x1f', "\\u001f"}, {'\x7f', "\\u007f"},
};

/* Fillers around the escaped byte: ASCII, and bytes from 0x80 up that
 * differ from one that needs escaping only in the high bit (0xa2 is '"'
 * | 0x80, 0xdc is '\\' | 0x80, 0xff is DEL | 0x80, 0x80 and 0x9f control
 * characters | 0x80), which must pass as they are. */
static const char *const JSON_FILLERS[] = {
    "ALK-2027-152 abc", /* 16 bytes, repeated as needed */
    "\xa2\xdc\xff\x80\x9f\xa0\xa1\xc3\xb6\xe2\x80\xa8 !#~",
};

Test(value, json_string_plain_at_every_length)
{
    for (size_t f = 0; f < sizeof JSON_FILLERS / sizeof *JSON_FILLERS; f++) {
        for (size_t n = 0; n <= 40; n++) {
            char s[41], want[43];
            for (size_t i = 0; i < n; i++)
                s[i] = JSON_FILLERS[f][i % 16];
            want[0] = '"';
            memcpy(want + 1, s, n);
            want[n + 1] = '"';
            want[n + 2] = '\0';
            cr_expect_str_eq(jstr(s, n), want, "filler %zu, length %zu", f, n);
        }
    }
}

Test(value, json_string_escape_at_every_position)
{
    for (size_t e = 0; e < sizeof JSON_ESCAPES / sizeof *JSON_ESCAPES; e++) {
        for (size_t f = 0; f < sizeof JSON_FILLERS / sizeof *JSON_FILLERS; f++) {
            for (size_t n = 1; n <= 25; n++) {
                for (size_t pos = 0; pos < n; pos++) {
                    char s[25], want[64];
                    for (size_t i = 0; i < n; i++)
                        s[i] = JSON_FILLERS[f][i % 16];
                    s[pos] = JSON_ESCAPES[e].c;
                    size_t esc = strlen(JSON_ESCAPES[e].out), w = 0;
                    want[w++] = '"';
                    memcpy(want + w, s, pos);
                    w += pos;
                    memcpy(want + w, JSON_ESCAPES[e].out, esc);
                    w += esc;
                    memcpy(want + w, s + pos + 1, n - pos - 1);
                    w += n - pos - 1;
                    want[w++] = '"';
                    want[w] = '\0';
                    cr_expect_str_eq(jstr(s, n), want, "escape %zu, filler %zu, length %zu, at %zu",
                                     e, f, n, pos);
                }
            }
        }
    }
}

#define JSTR(lit, want) cr_expect_str_eq(jstr(lit, sizeof lit - 1), (want))

Test(value, json_string_escapes_in_and_across_blocks)
{
    /* Several in one block, one at each end of a block, runs of them. */
    JSTR("\"\"\"\"\"\"\"\"\"", "\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\\\"\"");
    JSTR("\\abcdef\\\\", "\"\\\\abcdef\\\\\\\\\"");
    JSTR("abcdefg\nhijklmno\tp", "\"abcdefg\\nhijklmno\\tp\"");
    JSTR("\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f\x7f",
         "\"\\u007f\\u007f\\u007f\\u007f\\u007f\\u007f\\u007f\\u007f\\u007f\\u007f\"");
    /* Every control character, then plain text long enough for whole
     * blocks after the last escape. */
    JSTR("\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f"
         "\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f"
         "ALK-2027-152 and more",
         "\"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\u0008\\t\\n"
         "\\u000b\\u000c\\r\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015"
         "\\u0016\\u0017\\u0018\\u0019\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f"
         "ALK-2027-152 and more\"");
}

Test(value, json_string_printable_ascii_and_high_bytes)
{
    /* Of the printable ASCII characters only '"' and '\\' are escaped. */
    char ascii[95];
    for (int c = 0x20; c <= 0x7e; c++)
        ascii[c - 0x20] = (char)c;
    cr_expect_str_eq(jstr(ascii, sizeof ascii),
                     "\" !\\\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\\\]^_`"
                     "abcdefghijklmnopqrstuvwxyz{|}~\"");
    /* Bytes from 0x80 up are copied as they are, valid UTF-8 or not:
     * U+2028 and U+2029 too, and lone continuation or lead bytes. */
    char high[128 + 2];
    high[0] = '"';
    for (int c = 0x80; c <= 0xff; c++)
        high[c - 0x80 + 1] = (char)c;
    high[129] = '"';
    const char *got = jstr(high + 1, 128);
    cr_expect_eq(strlen(got), sizeof high);
    cr_expect(memcmp(got, high, sizeof high) == 0);
    JSTR("\xe2\x80\xa8\xe2\x80\xa9", "\"\xe2\x80\xa8\xe2\x80\xa9\"");
    JSTR("x\xc3\x28\xff\xfe\x80y", "\"x\xc3(\xff\xfe\x80y\"");
}

Test(value, json_string_appends_to_what_is_there)
{
    /* Many strings into one buffer, so some land where it must grow. */
    RgBuf b, want;
    buf_init(&b);
    buf_init(&want);
    for (int i = 0; i < 2000; i++) {
        char id[32];
        int n = snprintf(id, sizeof id, i % 7 ? "ALK-%04d-%03d" : "a\"%d\\%d", 2026 + i % 4, i);
        buf_addc(&b, ',');
        json_write_string(&b, id, (size_t)n);
        buf_addc(&want, ',');
        buf_addc(&want, '"');
        for (int k = 0; k < n; k++) {
            if (id[k] == '"' || id[k] == '\\')
                buf_addc(&want, '\\');
            buf_addc(&want, id[k]);
        }
        buf_addc(&want, '"');
    }
    cr_expect_eq(b.len, want.len);
    cr_expect_str_eq(b.data, want.data);
}

/* Texts compare equal exactly when their bytes do, at every length (8 to
 * 16 bytes are compared as two overlapping words) and wherever a byte
 * differs; each text is its own allocation, so a read past its end shows
 * under the sanitizers. */
Test(value, texts_equal_by_every_byte)
{
    for (size_t n = 0; n <= 24; n++) {
        char *a = malloc(n + 1), *b = malloc(n + 1);
        for (size_t i = 0; i < n; i++)
            a[i] = b[i] = (char)('a' + i);
        cr_expect(value_equal(val_text(a, n), val_text(b, n)), "length %zu", n);
        for (size_t i = 0; i < n; i++) {
            b[i] ^= 0x20;
            cr_expect(!value_equal(val_text(a, n), val_text(b, n)), "length %zu, byte %zu differs", n, i);
            b[i] ^= 0x20;
        }
        if (n)
            cr_expect(!value_equal(val_text(a, n), val_text(b, n - 1)), "lengths %zu and %zu", n, n - 1);
        free(a);
        free(b);
    }
}
