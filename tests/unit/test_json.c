/*
 * test_json.c — the JSON pull parser against JSONTestSuite (every y_, n_
 * and i_ file) and against hand-made cases for the pull API and errors.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "json.h"

#define SUITE_DIR SOURCE_ROOT "/tests/conformance/jsontestsuite/test_parsing"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    /* Exactly n bytes, no terminator: the parser must not rely on one, and
     * the sanitizer build sees any read past the end. */
    char *b = malloc(n ? (size_t)n : 1);
    cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* Walks a value through the pull API (not json_skip), so both paths are
 * held to the same suite. Recursion is bounded by the parser's depth
 * limit, which object_begin/array_begin enforce. */
static bool walk(JsonParser *j)
{
    const char *s;
    size_t n;
    bool b;
    switch (json_peek(j)) {
    case JSON_NULL: return json_read_null(j);
    case JSON_TRUE:
    case JSON_FALSE: return json_read_bool(j, &b);
    case JSON_NUMBER: return json_read_number(j, &s, &n);
    case JSON_STRING: return json_read_string(j, &s, &n);
    case JSON_ARRAY: {
        if (!json_array_begin(j))
            return false;
        int r;
        while ((r = json_array_next(j)) == 1)
            if (!walk(j))
                return false;
        return r == 0;
    }
    case JSON_OBJECT: {
        if (!json_object_begin(j))
            return false;
        int r;
        while ((r = json_object_next(j, &s, &n)) == 1)
            if (!walk(j))
                return false;
        return r == 0;
    }
    default: return false;
    }
}

static bool pull_validate(const char *data, size_t len, int max_depth, JsonParser *j)
{
    json_init(j, data, len, max_depth);
    return walk(j) && json_finish(j);
}

/* Runs fn on every file of the suite whose name starts with prefix;
 * returns how many there were. */
static int each_file(const char *prefix, void (*fn)(const char *name, const char *data, size_t len))
{
    DIR *d = opendir(SUITE_DIR);
    cr_assert_not_null(d, "cannot open %s", SUITE_DIR);
    struct dirent *e;
    int count = 0;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, prefix, strlen(prefix)) != 0)
            continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", SUITE_DIR, e->d_name);
        size_t len;
        char *data = slurp(path, &len);
        fn(e->d_name, data, len);
        free(data);
        count++;
    }
    closedir(d);
    return count;
}

static void check_accepted(const char *name, const char *data, size_t len)
{
    const char *err = NULL;
    size_t off = 0;
    cr_expect(json_validate(data, len, 0, &err, &off), "%s rejected: %s at %zu", name, err, off);
    JsonParser j;
    cr_expect(pull_validate(data, len, 0, &j), "%s rejected by the pull API: %s at %zu", name,
              j.error, j.error_offset);
}

static void check_rejected(const char *name, const char *data, size_t len)
{
    const char *err = NULL;
    size_t off = 0;
    cr_expect(!json_validate(data, len, 0, &err, &off), "%s accepted", name);
    cr_expect_not_null(err, "%s: no message", name);
    cr_expect_leq(off, len, "%s: offset %zu outside the file", name, off);
    JsonParser j;
    cr_expect(!pull_validate(data, len, 0, &j), "%s accepted by the pull API", name);
    cr_expect_not_null(j.error);
    cr_expect_leq(j.error_offset, len);
}

Test(json, suite_y_files_accepted)
{
    cr_expect_eq(each_file("y_", check_accepted), 95);
}

Test(json, suite_n_files_rejected)
{
    cr_expect_eq(each_file("n_", check_rejected), 188);
}

/* What we chose for the implementation-defined files; the same table is in
 * tests/conformance/README.md. NULL message: accepted. */
static const struct {
    const char *name;
    const char *error;
} i_table[] = {
    /* Numbers: syntax only; range is the caller's business. */
    {"i_number_double_huge_neg_exp.json", NULL},
    {"i_number_huge_exp.json", NULL},
    {"i_number_neg_int_huge_exp.json", NULL},
    {"i_number_pos_double_huge_exp.json", NULL},
    {"i_number_real_neg_overflow.json", NULL},
    {"i_number_real_pos_overflow.json", NULL},
    {"i_number_real_underflow.json", NULL},
    {"i_number_too_big_neg_int.json", NULL},
    {"i_number_too_big_pos_int.json", NULL},
    {"i_number_very_big_negative_int.json", NULL},
    /* Strings must decode to valid UTF-8. */
    {"i_object_key_lone_2nd_surrogate.json", "unpaired surrogate escape"},
    {"i_string_1st_surrogate_but_2nd_missing.json", "unpaired surrogate escape"},
    {"i_string_1st_valid_surrogate_2nd_invalid.json", "unpaired surrogate escape"},
    {"i_string_UTF-16LE_with_BOM.json", "invalid UTF-8"},
    {"i_string_UTF-8_invalid_sequence.json", "invalid UTF-8"},
    {"i_string_UTF8_surrogate_U+D800.json", "invalid UTF-8"},
    {"i_string_incomplete_surrogate_and_escape_valid.json", "unpaired surrogate escape"},
    {"i_string_incomplete_surrogate_pair.json", "unpaired surrogate escape"},
    {"i_string_incomplete_surrogates_escape_valid.json", "unpaired surrogate escape"},
    {"i_string_invalid_lonely_surrogate.json", "unpaired surrogate escape"},
    {"i_string_invalid_surrogate.json", "unpaired surrogate escape"},
    {"i_string_invalid_utf-8.json", "invalid UTF-8"},
    {"i_string_inverted_surrogates_U+1D11E.json", "unpaired surrogate escape"},
    {"i_string_iso_latin_1.json", "invalid UTF-8"},
    {"i_string_lone_second_surrogate.json", "unpaired surrogate escape"},
    {"i_string_lone_utf8_continuation_byte.json", "invalid UTF-8"},
    {"i_string_not_in_unicode_range.json", "invalid UTF-8"},
    {"i_string_overlong_sequence_2_bytes.json", "invalid UTF-8"},
    {"i_string_overlong_sequence_6_bytes.json", "invalid UTF-8"},
    {"i_string_overlong_sequence_6_bytes_null.json", "invalid UTF-8"},
    {"i_string_truncated-utf-8.json", "invalid UTF-8"},
    {"i_string_utf16BE_no_BOM.json", "unexpected NUL byte"},
    {"i_string_utf16LE_no_BOM.json", "unexpected NUL byte"},
    /* 500 levels: past the default limit of 256 (see the next test). */
    {"i_structure_500_nested_arrays.json", "nesting deeper than 256"},
    /* The line reader drops a BOM at the start of a file; the parser
     * itself sees JSON text only. */
    {"i_structure_UTF-8_BOM_empty_object.json", "unexpected byte order mark"},
};

static int i_seen[sizeof i_table / sizeof i_table[0]];

static void check_implementation_defined(const char *name, const char *data, size_t len)
{
    size_t k = 0;
    while (k < sizeof i_table / sizeof i_table[0] && strcmp(i_table[k].name, name) != 0)
        k++;
    cr_assert_lt(k, sizeof i_table / sizeof i_table[0], "%s is not in the table", name);
    i_seen[k]++;
    const char *err = NULL;
    size_t off = 0;
    bool ok = json_validate(data, len, 0, &err, &off);
    JsonParser j;
    bool pull_ok = pull_validate(data, len, 0, &j);
    if (!i_table[k].error) {
        cr_expect(ok, "%s rejected: %s", name, err);
        cr_expect(pull_ok, "%s rejected by the pull API: %s", name, j.error);
    } else {
        cr_expect(!ok, "%s accepted", name);
        cr_expect_str_eq(err ? err : "", i_table[k].error, "%s", name);
        cr_expect_leq(off, len);
        cr_expect(!pull_ok, "%s accepted by the pull API", name);
        cr_expect_str_eq(j.error ? j.error : "", i_table[k].error, "%s (pull)", name);
    }
}

Test(json, suite_i_files_as_documented)
{
    cr_expect_eq(each_file("i_", check_implementation_defined), 35);
    for (size_t k = 0; k < sizeof i_table / sizeof i_table[0]; k++)
        cr_expect_eq(i_seen[k], 1, "%s missing from the suite", i_table[k].name);
}

Test(json, nested_500_accepted_with_a_higher_limit)
{
    size_t len;
    char *data = slurp(SUITE_DIR "/i_structure_500_nested_arrays.json", &len);
    cr_expect(json_validate(data, len, 500, NULL, NULL));
    cr_expect(!json_validate(data, len, 499, NULL, NULL));
    free(data);
}

static void expect_error(const char *text, const char *msg, size_t offset)
{
    const char *err = NULL;
    size_t off = 0;
    cr_expect(!json_validate(text, strlen(text), 0, &err, &off), "accepted: %s", text);
    cr_expect_str_eq(err ? err : "(none)", msg, "for %s", text);
    cr_expect_eq(off, offset, "for %s: offset %zu, expected %zu", text, off, offset);
}

Test(json, error_messages_and_offsets)
{
    expect_error("", "unexpected end of input", 0);
    expect_error("   ", "unexpected end of input", 3);
    expect_error("{\"a\":1,}", "expected a string key", 7);
    expect_error("{\"a\":1 \"b\":2}", "expected ',' or '}' after an object member", 7);
    expect_error("[1 2]", "expected ',' or ']' after an array element", 3);
    expect_error("[1,]", "expected a value", 3);
    expect_error("{\"a\" 1}", "expected ':' after an object key", 5);
    expect_error("{\"a\":1", "unexpected end of input", 6);
    expect_error("[\"abc", "unterminated string", 1);
    expect_error("[\"a\\qb\"]", "invalid escape", 3);
    expect_error("[\"a\\u12g4\"]", "invalid \\u escape", 3);
    expect_error("[\"a\tb\"]", "control character in string", 3);
    expect_error("[\"a\xc3\x28\"]", "invalid UTF-8", 3);
    expect_error("[\"\xed\xa0\x80\"]", "invalid UTF-8", 2);
    expect_error("[\"\\ud800\"]", "unpaired surrogate escape", 2);
    expect_error("[\"\\udc00\\ud800\"]", "unpaired surrogate escape", 2);
    expect_error("[\"\\ud800\\u0041\"]", "unpaired surrogate escape", 2);
    expect_error("[\"\\ud800\\uzzzz\"]", "invalid \\u escape", 8);
    expect_error("01", "leading zeros are not allowed", 0);
    expect_error("-012", "leading zeros are not allowed", 1);
    expect_error("1.", "unexpected end of input", 2);
    expect_error("1.e5", "expected a digit after the decimal point", 2);
    expect_error("1e+", "unexpected end of input", 3);
    expect_error("1ex", "expected a digit in the exponent", 2);
    expect_error("-x", "expected a digit after '-'", 1);
    expect_error("+1", "expected a value", 0);
    expect_error(".5", "expected a value", 0);
    expect_error("1 2", "unexpected data after the value", 2);
    expect_error("{} x", "unexpected data after the value", 3);
    expect_error("tru", "expected true", 0);
    expect_error("nulL", "expected null", 0);
    expect_error("[falsy]", "expected false", 1);
    expect_error("truex", "unexpected data after the value", 4);
    expect_error("\xEF\xBB\xBF{}", "unexpected byte order mark", 0);
    expect_error("[1]]", "unexpected data after the value", 3);
    expect_error("[1}", "expected ',' or ']' after an array element", 2);
    expect_error("{\"a\":1]", "expected ',' or '}' after an object member", 6);
    expect_error("'a'", "expected a value", 0);
    expect_error("[\x0c]", "expected a value", 1); /* form feed is not white space */
}

Test(json, raw_nul_is_an_error_not_the_end)
{
    const char *err;
    size_t off;
    cr_expect(!json_validate("1\0", 2, 0, &err, &off));
    cr_expect_str_eq(err, "unexpected NUL byte");
    cr_expect_eq(off, 1);
    cr_expect(!json_validate("[1\0]", 4, 0, &err, &off));
    cr_expect_str_eq(err, "unexpected NUL byte");
    cr_expect_eq(off, 2);
    cr_expect(!json_validate("[\"a\0\"]", 6, 0, &err, &off));
    cr_expect_str_eq(err, "control character in string");
    cr_expect_eq(off, 3);
    cr_expect(!json_validate("\0", 1, 0, &err, &off));
    cr_expect_eq(off, 0);
    /* A counted length shorter than the buffer is the end: a value past
     * it must not be read. */
    cr_expect(!json_validate("[1,2]", 4, 0, &err, &off));
    cr_expect_str_eq(err, "unexpected end of input");
}

Test(json, deep_nesting_fails_fast_without_recursion)
{
    size_t n = 100000;
    char *open = malloc(n);
    memset(open, '[', n);
    const char *err;
    size_t off;
    clock_t t0 = clock();
    cr_expect(!json_validate(open, n, 0, &err, &off));
    cr_expect_str_eq(err, "nesting deeper than 256");
    cr_expect_eq(off, 256);
    cr_expect(!json_validate(open, n, 1000, &err, &off));
    cr_expect_str_eq(err, "nesting deeper than 1000");
    cr_expect_eq(off, 1000);
    /* With room for all of it, the skip stack spills to the heap and the
     * input simply ends. */
    cr_expect(!json_validate(open, n, 200000, &err, &off));
    cr_expect_str_eq(err, "unexpected end of input");
    cr_expect_eq(off, n);
    cr_expect_lt((double)(clock() - t0) / CLOCKS_PER_SEC, 1.0);

    char *both = malloc(2 * n);
    memset(both, '[', n);
    memset(both + n, ']', n);
    cr_expect(json_validate(both, 2 * n, (int)n, &err, &off));
    cr_expect(!json_validate(both, 2 * n, (int)n - 1, &err, &off));
    /* Mixed objects and arrays across the spill boundary of the stack. */
    size_t levels = 3000, k = 0;
    char *mixed = malloc(levels * 7 + 2);
    for (size_t i = 0; i < levels; i++) {
        if (i % 3 == 0) {
            memcpy(mixed + k, "{\"k\":", 5);
            k += 5;
        } else
            mixed[k++] = '[';
    }
    mixed[k++] = '0';
    for (size_t i = levels; i-- > 0;)
        mixed[k++] = i % 3 == 0 ? '}' : ']';
    cr_expect(json_validate(mixed, k, 5000, &err, &off), "%s at %zu", err, off);
    mixed[k - 1] = ']'; /* outermost closer is now wrong */
    cr_expect(!json_validate(mixed, k, 5000, &err, &off));
    cr_expect_str_eq(err, "expected ',' or '}' after an object member");
    cr_expect_eq(off, k - 1);
    free(open);
    free(both);
    free(mixed);
}

Test(json, pull_depth_limit)
{
    JsonParser j;
    json_init(&j, "[[[1]]]", 7, 2);
    cr_expect(json_array_begin(&j));
    cr_expect_eq(json_array_next(&j), 1);
    cr_expect(json_array_begin(&j));
    cr_expect_eq(json_array_next(&j), 1);
    cr_expect(!json_array_begin(&j));
    cr_expect_str_eq(j.error, "nesting deeper than 2");
    cr_expect_eq(j.error_offset, 2);
    /* Skipping inside a container counts the levels already open. */
    json_init(&j, "[[[1]]]", 7, 2);
    cr_expect(json_array_begin(&j));
    cr_expect_eq(json_array_next(&j), 1);
    cr_expect(!json_skip(&j));
    cr_expect_eq(j.error_offset, 2);
    /* Every call after an error keeps failing. */
    cr_expect_eq(json_peek(&j), JSON_INVALID);
    cr_expect_eq(json_array_next(&j), -1);
}

Test(json, pull_object)
{
    const char *text = " { \"name\" : \"Åmål\", \"n\": -12.5e+3, \"ok\": true, \"no\": false,"
                       " \"nothing\": null, \"list\": [1, [], {}, \"x\"], \"empty\": {} } ";
    JsonParser j;
    json_init(&j, text, strlen(text), 0);
    const char *k, *s;
    size_t kn, sn;
    bool b;
    cr_assert_eq(json_peek(&j), JSON_OBJECT);
    cr_assert(json_object_begin(&j));

    cr_assert_eq(json_object_next(&j, &k, &kn), 1);
    cr_expect_eq(kn, 4);
    cr_expect(memcmp(k, "name", 4) == 0);
    cr_expect(k > text && k < text + strlen(text), "key without escapes is not in place");
    cr_assert_eq(json_peek(&j), JSON_STRING);
    cr_assert(json_read_string(&j, &s, &sn));
    cr_expect_eq(sn, strlen("Åmål"));
    cr_expect(memcmp(s, "Åmål", sn) == 0);
    cr_expect(s > text && s < text + strlen(text), "string without escapes is not in place");

    cr_assert_eq(json_object_next(&j, &k, &kn), 1);
    cr_assert_eq(json_peek(&j), JSON_NUMBER);
    cr_assert(json_read_number(&j, &s, &sn));
    cr_expect_eq(sn, 8);
    cr_expect(memcmp(s, "-12.5e+3", 8) == 0);

    cr_assert_eq(json_object_next(&j, &k, &kn), 1);
    cr_assert_eq(json_peek(&j), JSON_TRUE);
    cr_assert(json_read_bool(&j, &b));
    cr_expect(b);
    cr_assert_eq(json_object_next(&j, &k, &kn), 1);
    cr_assert_eq(json_peek(&j), JSON_FALSE);
    cr_assert(json_read_bool(&j, &b));
    cr_expect(!b);
    cr_assert_eq(json_object_next(&j, &k, &kn), 1);
    cr_assert_eq(json_peek(&j), JSON_NULL);
    cr_assert(json_read_null(&j));

    cr_assert_eq(json_object_next(&j, &k, &kn), 1);
    cr_expect(kn == 4 && memcmp(k, "list", 4) == 0);
    cr_assert(json_array_begin(&j));
    cr_assert_eq(json_array_next(&j), 1);
    cr_assert(json_read_number(&j, &s, &sn));
    cr_expect(sn == 1 && s[0] == '1');
    cr_assert_eq(json_array_next(&j), 1);
    cr_assert(json_array_begin(&j));
    cr_expect_eq(json_array_next(&j), 0);
    cr_assert_eq(json_array_next(&j), 1);
    cr_assert_eq(json_peek(&j), JSON_OBJECT);
    cr_assert(json_skip(&j));
    cr_assert_eq(json_array_next(&j), 1);
    cr_assert(json_read_string(&j, &s, &sn));
    cr_expect(sn == 1 && s[0] == 'x');
    cr_expect_eq(json_array_next(&j), 0);

    cr_assert_eq(json_object_next(&j, &k, &kn), 1);
    cr_assert(json_object_begin(&j));
    cr_expect_eq(json_object_next(&j, &k, &kn), 0);

    cr_expect_eq(json_object_next(&j, &k, &kn), 0);
    cr_expect_eq(j.depth, 0);
    cr_expect(json_finish(&j));
    cr_expect_null(j.error);
}

Test(json, pull_skips_unwanted_members)
{
    const char *text = "{\"a\":{\"deep\":[1,{\"x\":[]}]},\"b\":\"keep\",\"c\":[[]]}";
    JsonParser j;
    json_init(&j, text, strlen(text), 0);
    const char *k, *s;
    size_t kn, sn;
    cr_assert(json_object_begin(&j));
    cr_assert_eq(json_object_next(&j, &k, &kn), 1);
    cr_assert(json_skip(&j));
    cr_assert_eq(json_object_next(&j, &k, &kn), 1);
    cr_expect(kn == 1 && k[0] == 'b');
    cr_assert(json_read_string(&j, &s, &sn));
    cr_expect(sn == 4 && memcmp(s, "keep", 4) == 0);
    cr_assert_eq(json_object_next(&j, &k, &kn), 1);
    cr_assert(json_skip(&j));
    cr_expect_eq(json_object_next(&j, &k, &kn), 0);
    cr_expect(json_finish(&j));
}

Test(json, pull_errors_inside_containers)
{
    JsonParser j;
    const char *k;
    size_t kn;
    json_init(&j, "{\"a\":1,}", 8, 0);
    cr_assert(json_object_begin(&j));
    cr_assert_eq(json_object_next(&j, &k, &kn), 1);
    cr_assert(json_skip(&j));
    cr_expect_eq(json_object_next(&j, &k, &kn), -1);
    cr_expect_str_eq(j.error, "expected a string key after ','");
    cr_expect_eq(j.error_offset, 7);

    json_init(&j, "{1:2}", 5, 0);
    cr_assert(json_object_begin(&j));
    cr_expect_eq(json_object_next(&j, &k, &kn), -1);
    cr_expect_str_eq(j.error, "expected a string key or '}'");
    cr_expect_eq(j.error_offset, 1);

    json_init(&j, "[1 2]", 5, 0);
    cr_assert(json_array_begin(&j));
    cr_assert_eq(json_array_next(&j), 1);
    cr_assert(json_skip(&j));
    cr_expect_eq(json_array_next(&j), -1);
    cr_expect_str_eq(j.error, "expected ',' or ']' after an array element");
    cr_expect_eq(j.error_offset, 3);

    json_init(&j, "[,1]", 4, 0);
    cr_assert(json_array_begin(&j));
    cr_assert_eq(json_array_next(&j), 1);
    cr_expect_eq(json_peek(&j), JSON_INVALID);
    cr_expect_str_eq(j.error, "expected a value");
    cr_expect_eq(j.error_offset, 1);

    /* Asking for the wrong type stops the parser. */
    json_init(&j, " \"x\"", 4, 0);
    bool b;
    cr_expect(!json_read_bool(&j, &b));
    cr_expect_str_eq(j.error, "expected true or false");
    cr_expect_eq(j.error_offset, 1);
    json_init(&j, "[]", 2, 0);
    cr_expect(!json_object_begin(&j));
    cr_expect_str_eq(j.error, "expected an object");
    json_init(&j, "", 0, 0);
    cr_expect_eq(json_peek(&j), JSON_INVALID);
    cr_expect_str_eq(j.error, "unexpected end of input");
}

Test(json, peek_between_calls_does_not_confuse_the_cursor)
{
    /* json_peek skips white space; the first-member logic must not depend
     * on where the cursor was left. */
    const char *text = "[ \n 1 , 2 ]";
    JsonParser j;
    const char *s;
    size_t n;
    json_init(&j, text, strlen(text), 0);
    cr_assert(json_array_begin(&j));
    cr_assert_eq(json_peek(&j), JSON_NUMBER);
    cr_assert_eq(json_array_next(&j), 1);
    cr_assert(json_read_number(&j, &s, &n));
    cr_assert_eq(json_array_next(&j), 1);
    cr_assert_eq(json_peek(&j), JSON_NUMBER);
    cr_assert(json_read_number(&j, &s, &n));
    cr_expect(n == 1 && s[0] == '2');
    cr_expect_eq(json_array_next(&j), 0);
    cr_expect(json_finish(&j));
}

static void expect_string(const char *json, const char *want, size_t want_len, bool in_place)
{
    JsonParser j;
    const char *s;
    size_t n;
    json_init(&j, json, strlen(json), 0);
    cr_assert(json_read_string(&j, &s, &n), "%s: %s", json, j.error);
    cr_expect_eq(n, want_len, "%s: length %zu", json, n);
    cr_expect(memcmp(s, want, want_len) == 0, "%s decoded wrongly", json);
    bool inside = s >= json && s < json + strlen(json);
    cr_expect_eq(inside, in_place, "%s: in place %d", json, inside);
    cr_expect(json_finish(&j));
}

Test(json, strings)
{
    expect_string("\"plain\"", "plain", 5, true);
    expect_string("\"a\\\"b\\\\c\\/d\"", "a\"b\\c/d", 7, false);
    expect_string("\"\\b\\f\\n\\r\\t\"", "\b\f\n\r\t", 5, false);
    expect_string("\"\\u0041\\u00e5\\u20AC\"", "A\xc3\xa5\xe2\x82\xac", 6, false);
    /* U+1D11E MUSICAL SYMBOL G CLEF from its surrogate pair. */
    expect_string("\"\\uD834\\uDD1E\"", "\xf0\x9d\x84\x9e", 4, false);
    expect_string("\"x\\uDBFF\\uDFFFy\"", "x\xf4\x8f\xbf\xbfy", 6, false);
    /* \u0000 is kept inside the counted string. */
    expect_string("\"a\\u0000b\"", "a\0b", 3, false);
    expect_string("\"\"", "", 0, true);
    expect_string("\"mixed é and \\n escape, then a long tail past eight bytes\"",
                  "mixed é and \n escape, then a long tail past eight bytes",
                  strlen("mixed é and \n escape, then a long tail past eight bytes"), false);
    expect_string("\"\xf0\x9f\x98\x80 emoji \xe2\x82\xac\"", "\xf0\x9f\x98\x80 emoji \xe2\x82\xac", 14, true);
}

Test(json, escaped_keys_and_values_share_scratch_safely)
{
    const char *text = "{\"k\\u00e9y\":\"v\\u00e4l\",\"plain\":\"x\"}";
    JsonParser j;
    const char *k, *s;
    size_t kn, sn;
    json_init(&j, text, strlen(text), 0);
    cr_assert(json_object_begin(&j));
    cr_assert_eq(json_object_next(&j, &k, &kn), 1);
    cr_expect(kn == 4 && memcmp(k, "k\xc3\xa9y", 4) == 0);
    cr_assert(json_read_string(&j, &s, &sn));
    cr_expect(sn == 4 && memcmp(s, "v\xc3\xa4l", 4) == 0);
    cr_assert_eq(json_object_next(&j, &k, &kn), 1);
    cr_expect(kn == 5 && memcmp(k, "plain", 5) == 0);
}

Test(json, numbers)
{
    static const char *good[] = {"0", "-0", "1", "-1", "10", "0.5", "-0.0e0", "1E10",
                                 "1e-10", "123456789012345678901234567890",
                                 "1.5e+999999", "-9.87654321E-00012"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        JsonParser j;
        const char *s;
        size_t n;
        json_init(&j, good[i], strlen(good[i]), 0);
        cr_expect(json_read_number(&j, &s, &n), "%s: %s", good[i], j.error);
        cr_expect_eq(n, strlen(good[i]));
        cr_expect(json_finish(&j), "%s", good[i]);
    }
    static const char *bad[] = {"00", "01.5", "-", "1.", ".1", "1e", "1e+", "+1", "0x10",
                                "1.2.3", "- 1", "Infinity", "NaN", "1_000"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_expect(!json_validate(bad[i], strlen(bad[i]), 0, NULL, NULL), "%s accepted", bad[i]);
    /* The lexeme stops where the number does, inside an array. */
    JsonParser j;
    const char *s;
    size_t n;
    json_init(&j, "[12.5e3,7]", 10, 0);
    cr_assert(json_array_begin(&j));
    cr_assert_eq(json_array_next(&j), 1);
    cr_assert(json_read_number(&j, &s, &n));
    cr_expect(n == 6 && memcmp(s, "12.5e3", 6) == 0);
}

Test(json, white_space)
{
    const char *text = " \t\r\n[ \t\r\n1 \t\r\n, \t\r\n{ \t\r\n\"a\" \t\r\n: \t\r\nnull \t\r\n} \t\r\n] \t\r\n";
    cr_expect(json_validate(text, strlen(text), 0, NULL, NULL));
    JsonParser j;
    cr_expect(pull_validate(text, strlen(text), 0, &j), "%s", j.error);
}

Test(json, every_truncation_of_a_document_fails_cleanly)
{
    /* Each prefix is a document cut short: it must fail (or, for the few
     * prefixes that are themselves complete, pass) without reading past
     * the length it was given; the sanitizer build checks the latter. */
    const char *doc = "{\"a\":[1,-2.5e3,true,false,null,\"s\\u00e5\\uD834\\uDD1E\xc3\xa5\"],\"b\":{}}";
    size_t len = strlen(doc);
    for (size_t n = 0; n < len; n++) {
        char *copy = malloc(n ? n : 1);
        memcpy(copy, doc, n);
        cr_expect(!json_validate(copy, n, 0, NULL, NULL), "prefix of %zu accepted", n);
        JsonParser j;
        cr_expect(!pull_validate(copy, n, 0, &j));
        free(copy);
    }
    cr_expect(json_validate(doc, len, 0, NULL, NULL));
}
