/*
 * test_csv.c — the CSV reader against csv-spectrum (each case compared with
 * its expected JSON, field by field) and against the cases the suite does
 * not cover: every error with its line and column, and the edge cases
 * listed in tests/conformance/csv/README.md.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "csvread.h"
#include "json.h"

#define SPECTRUM SOURCE_ROOT "/tests/conformance/csv"

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    rewind(f);
    char *b = malloc(n ? (size_t)n : 1);
    cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

/* A deep copy of a row, so rows can be compared after the reader moved on. */
typedef struct Row {
    size_t count;
    char **fields;
    size_t *lens;
    long line, end_line;
} Row;

static Row copy_row(const CsvRow *r)
{
    Row c = {r->count, malloc((r->count + 1) * sizeof(char *)), malloc((r->count + 1) * sizeof(size_t)),
             r->line, r->end_line};
    for (size_t i = 0; i < r->count; i++) {
        c.fields[i] = malloc(r->lens[i] + 1);
        memcpy(c.fields[i], r->fields[i], r->lens[i]);
        c.lens[i] = r->lens[i];
    }
    return c;
}

/* Reads everything; returns the number of rows, with the reader's result
 * for the call that stopped (0 or -1) in *last. */
static size_t read_all(CsvReader *r, Row *rows, size_t max, int *last)
{
    size_t n = 0;
    CsvRow row;
    int rc;
    while ((rc = csvr_next(r, &row)) == 1) {
        cr_assert_lt(n, max, "too many rows");
        rows[n++] = copy_row(&row);
    }
    *last = rc;
    cr_expect_eq(csvr_next(r, &row), rc, "the end or the error is sticky");
    return n;
}

static CsvReader *open_mem(const char *text, size_t len, CsvOptions o)
{
    return csvr_open(lines_open_mem(text, len, 0), o);
}

static bool field_is(const Row *r, size_t i, const char *want, size_t want_len)
{
    return i < r->count && r->lens[i] == want_len && memcmp(r->fields[i], want, want_len) == 0;
}

#define FIELD(r, i, s) cr_expect(field_is(&(r), (i), s, sizeof s - 1), "field %zu is not \"%s\"", (size_t)(i), s)

/* ---------------------------------------------------------- csv-spectrum */

static void spectrum_case(const char *name)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/csvs/%s.csv", SPECTRUM, name);
    const char *err = NULL;
    LineReader *lr = lines_open_file(path, 0, &err);
    cr_assert_not_null(lr, "%s", err);
    CsvReader *r = csvr_open(lr, csv_default_options());
    Row rows[16];
    int last;
    size_t n = read_all(r, rows, 16, &last);
    cr_assert_eq(last, 0, "%s: %s at %ld:%ld", name, csvr_error(r), csvr_error_line(r), csvr_error_col(r));
    csvr_close(r);
    cr_assert_geq(n, 1, "%s: no header", name);

    snprintf(path, sizeof path, "%s/json/%s.json", SPECTRUM, name);
    size_t jlen;
    char *json = slurp(path, &jlen);
    JsonParser j;
    json_init(&j, json, jlen, 0);
    cr_assert(json_array_begin(&j), "%s: %s", name, j.error);
    size_t record = 0;
    int more;
    while ((more = json_array_next(&j)) == 1) {
        cr_assert_lt(record + 1, n, "%s: fewer CSV rows than JSON records", name);
        const Row *row = &rows[record + 1];
        cr_assert(json_object_begin(&j));
        size_t k = 0;
        const char *key, *val;
        size_t klen, vlen;
        int m;
        while ((m = json_object_next(&j, &key, &klen)) == 1) {
            /* The key may sit in scratch, which the value may reuse. */
            char *key_copy = strndup(key, klen);
            cr_assert(json_read_string(&j, &val, &vlen), "%s: %s", name, j.error);
            cr_assert_lt(k, rows[0].count, "%s: more keys than header fields", name);
            cr_expect(field_is(&rows[0], k, key_copy, klen), "%s: header field %zu is not %s", name, k,
                      key_copy);
            cr_expect(field_is(row, k, val, vlen), "%s: record %zu field %zu differs", name, record, k);
            free(key_copy);
            k++;
        }
        cr_assert_eq(m, 0, "%s: %s", name, j.error);
        cr_expect_eq(k, row->count, "%s: record %zu has %zu fields, JSON %zu", name, record, row->count, k);
        cr_expect_eq(k, rows[0].count);
        record++;
    }
    cr_assert_eq(more, 0, "%s: %s", name, j.error);
    cr_assert(json_finish(&j));
    cr_expect_eq(record + 1, n, "%s: %zu CSV rows for %zu JSON records", name, n, record);
    free(json);
}

Test(csv, spectrum_comma_in_quotes) { spectrum_case("comma_in_quotes"); }
Test(csv, spectrum_empty) { spectrum_case("empty"); }
Test(csv, spectrum_empty_crlf) { spectrum_case("empty_crlf"); }
Test(csv, spectrum_escaped_quotes) { spectrum_case("escaped_quotes"); }
Test(csv, spectrum_json) { spectrum_case("json"); }
Test(csv, spectrum_newlines) { spectrum_case("newlines"); }
Test(csv, spectrum_newlines_crlf) { spectrum_case("newlines_crlf"); }
Test(csv, spectrum_quotes_and_newlines) { spectrum_case("quotes_and_newlines"); }
Test(csv, spectrum_simple) { spectrum_case("simple"); }
Test(csv, spectrum_simple_crlf) { spectrum_case("simple_crlf"); }
Test(csv, spectrum_utf8) { spectrum_case("utf8"); }

Test(csv, spectrum_line_numbers)
{
    LineReader *lr = lines_open_file(SPECTRUM "/csvs/newlines_crlf.csv", 0, NULL);
    CsvReader *r = csvr_open(lr, csv_default_options());
    Row rows[8];
    int last;
    size_t n = read_all(r, rows, 8, &last);
    cr_assert_eq(n, 4);
    long want[4][2] = {{1, 1}, {2, 2}, {3, 4}, {5, 5}};
    for (size_t i = 0; i < n; i++) {
        cr_expect_eq(rows[i].line, want[i][0], "row %zu starts on %ld", i, rows[i].line);
        cr_expect_eq(rows[i].end_line, want[i][1], "row %zu ends on %ld", i, rows[i].end_line);
    }
    FIELD(rows[2], 0, "Once upon \r\na time");
    csvr_close(r);
}

Test(csv, spectrum_location_coordinates_rejected)
{
    LineReader *lr = lines_open_file(SPECTRUM "/csvs/location_coordinates.csv", 0, NULL);
    CsvReader *r = csvr_open(lr, csv_default_options());
    Row rows[4];
    int last;
    size_t n = read_all(r, rows, 4, &last);
    cr_expect_eq(n, 1, "only the header comes out");
    cr_expect_eq(last, -1);
    cr_expect_str_eq(csvr_error(r), "bare quote in an unquoted field");
    /* 2095257564,37\uFFFD36'37.8"N: the quote is the 22nd code point. */
    cr_expect_eq(csvr_error_line(r), 2);
    cr_expect_eq(csvr_error_col(r), 22);
    csvr_close(r);
}

/* ------------------------------------------------------------- errors */

static void expect_error_opts(const char *text, size_t len, CsvOptions o, size_t good_rows, const char *msg,
                              long line, long col)
{
    CsvReader *r = open_mem(text, len, o);
    Row rows[16];
    int last;
    size_t n = read_all(r, rows, 16, &last);
    cr_expect_eq(last, -1, "accepted: %s", text);
    cr_expect_eq(n, good_rows, "%zu rows before the error", n);
    cr_expect_str_eq(csvr_error(r) ? csvr_error(r) : "(none)", msg);
    cr_expect_eq(csvr_error_line(r), line, "line %ld, expected %ld", csvr_error_line(r), line);
    cr_expect_eq(csvr_error_col(r), col, "column %ld, expected %ld", csvr_error_col(r), col);
    csvr_close(r);
}

static void expect_error(const char *text, size_t good_rows, const char *msg, long line, long col)
{
    expect_error_opts(text, strlen(text), csv_default_options(), good_rows, msg, line, col);
}

Test(csv, unterminated_quoted_field)
{
    expect_error("a,b\n1,\"xy\nz\n", 1, "unterminated quoted field", 2, 3);
    expect_error("a,b\n\"", 1, "unterminated quoted field", 2, 1);
    /* The position is where the field opened, however far the file goes. */
    expect_error("a,b\n\"x\"\"\nmore,\"\"\nstill\n", 1, "unterminated quoted field", 2, 1);
    expect_error("\"done\",\"x\ny\"\"\n", 0, "unterminated quoted field", 1, 8);
    expect_error("ä,\"ö\n", 0, "unterminated quoted field", 1, 3);
    /* A field that closes on a later line, then another that never does. */
    expect_error("\"a\nb\",\"c\nd\n", 0, "unterminated quoted field", 2, 4);
}

Test(csv, bare_quote_in_unquoted_field)
{
    expect_error("a,b\"c\n", 0, "bare quote in an unquoted field", 1, 4);
    expect_error("x\nåäö\"\n", 1, "bare quote in an unquoted field", 2, 4);
    /* No trimming: a space before the opening quote makes it bare. */
    expect_error("a, \"b\"\n", 0, "bare quote in an unquoted field", 1, 4);
}

Test(csv, text_after_closing_quote)
{
    expect_error("\"a\"b\n", 0, "text after a closing quote", 1, 4);
    expect_error("\"a\" ,b\n", 0, "text after a closing quote", 1, 4);
    expect_error("1,\"multi\nline\"x,2\n", 0, "text after a closing quote", 2, 6);
}

Test(csv, nul_byte)
{
    expect_error_opts("a,b\n1,x\0y\n", 10, csv_default_options(), 1, "NUL byte", 2, 4);
    expect_error_opts("\"in\0quotes\"\n", 12, csv_default_options(), 0, "NUL byte", 1, 4);
    expect_error_opts("\0", 1, csv_default_options(), 0, "NUL byte", 1, 1);
}

Test(csv, invalid_utf8)
{
    expect_error("a,\xff\n", 0, "invalid UTF-8", 1, 3);
    expect_error("h\nåä,\xc3\n", 1, "invalid UTF-8", 2, 4);
    expect_error("\"ok\nbad \xed\xa0\x80\"\n", 0, "invalid UTF-8", 2, 5); /* a surrogate */
    expect_error("\xc0\xaf\n", 0, "invalid UTF-8", 1, 1);                 /* overlong */
    /* The first problem on the line wins. */
    expect_error("a\"b,\xff\n", 0, "bare quote in an unquoted field", 1, 2);
    expect_error("\xff,a\"b\n", 0, "invalid UTF-8", 1, 1);
}

Test(csv, too_many_fields)
{
    CsvOptions o = csv_default_options();
    o.max_fields = 3;
    expect_error_opts("a,b,c\n1,2,3,4\n", 14, o, 1, "more than 3 fields", 2, 7);
    expect_error_opts("a,b,c,\n", 7, o, 0, "more than 3 fields", 1, 7);
    expect_error_opts("a,b,c,", 6, o, 0, "more than 3 fields", 1, 7);
    /* The extra field starts on the first line of a multi-line row. */
    expect_error_opts("a,\"b\nb\",c,\"d\nd\"\n", 16, o, 0, "more than 3 fields", 2, 6);
    expect_error_opts("a,b,c,\"d\n\nd\"\n", 13, o, 0, "more than 3 fields", 1, 7);
    /* Exactly at the limit is fine. */
    CsvReader *r = open_mem("a,b,c\n", 6, o);
    CsvRow row;
    cr_expect_eq(csvr_next(r, &row), 1);
    cr_expect_eq(row.count, 3);
    cr_expect_eq(csvr_next(r, &row), 0);
    csvr_close(r);
}

Test(csv, line_longer_than_the_limit)
{
    static const char text[] = "a,b\n0123456789abc\n";
    CsvReader *r = csvr_open(lines_open_mem(text, sizeof text - 1, 10), csv_default_options());
    CsvRow row;
    cr_expect_eq(csvr_next(r, &row), 1);
    cr_expect_eq(csvr_next(r, &row), -1);
    cr_expect_str_eq(csvr_error(r), "line 2 is longer than the limit of 10 bytes");
    cr_expect_eq(csvr_error_line(r), 2);
    cr_expect_eq(csvr_error_col(r), 1);
    csvr_close(r);
}

Test(csv, row_longer_than_the_limit)
{
    /* An unclosed quote must not swallow the rest of a big file: rows over
     * several lines are capped at LINES_MAX_DEFAULT bytes. */
    size_t line_len = 1000, lines = LINES_MAX_DEFAULT / line_len + 10;
    char *text = malloc(lines * line_len + 1);
    text[0] = '"';
    size_t at = 1;
    for (size_t i = 0; i < lines; i++) {
        memset(text + at, 'x', line_len - 1);
        text[at + line_len - 1] = '\n';
        at += line_len;
    }
    CsvReader *r = open_mem(text, at, csv_default_options());
    CsvRow row;
    cr_expect_eq(csvr_next(r, &row), -1);
    cr_expect_str_eq(csvr_error(r), "row starting on line 1 is longer than the limit of 16777216 bytes; "
                                    "is the quote opened on line 1, column 1 never closed?");
    cr_expect_eq(csvr_error_line(r), (long)(LINES_MAX_DEFAULT / line_len + 1));
    csvr_close(r);
    free(text);
}

/* ------------------------------------------------------ lone CR, BOM */

Test(csv, lone_cr)
{
    /* Outside quotes a CR must be part of CRLF. */
    expect_error("a,b\rc,d\n", 0, "lone carriage return outside quotes (rows must end with LF or CRLF)", 1, 4);
    expect_error("a,b\r", 0, "lone carriage return outside quotes (rows must end with LF or CRLF)", 1, 4);
    expect_error("h\n\"q\"\r\r\n", 1, "lone carriage return outside quotes (rows must end with LF or CRLF)", 2,
                 4);
    expect_error("h\n\r\n\r\r\n", 1, "lone carriage return outside quotes (rows must end with LF or CRLF)", 3,
                 1);
    /* Inside quotes it is data, kept as written. */
    static const char text[] = "\"a\rb\",\"c\r\n\rd\"\r\n";
    CsvReader *r = open_mem(text, sizeof text - 1, csv_default_options());
    Row rows[2];
    int last;
    size_t n = read_all(r, rows, 2, &last);
    cr_assert_eq(last, 0, "%s", csvr_error(r));
    cr_assert_eq(n, 1);
    FIELD(rows[0], 0, "a\rb");
    FIELD(rows[0], 1, "c\r\n\rd");
    cr_expect_eq(rows[0].line, 1);
    cr_expect_eq(rows[0].end_line, 2);
    csvr_close(r);
}

Test(csv, bom_before_header)
{
    static const char text[] = "\xEF\xBB\xBFid,namn\n1,Åmål\n";
    CsvReader *r = open_mem(text, sizeof text - 1, csv_default_options());
    Row rows[3];
    int last;
    size_t n = read_all(r, rows, 3, &last);
    cr_assert_eq(last, 0);
    cr_assert_eq(n, 2);
    FIELD(rows[0], 0, "id");
    FIELD(rows[1], 1, "Åmål");
    csvr_close(r);
}

/* ------------------------------------------------ documented results */

Test(csv, ragged_rows_come_out_as_they_are)
{
    /* The record reader, not this layer, decides what a short or long row
     * means; here each row keeps its own field count. */
    static const char text[] = "a,b,c\n1,2\n1,2,3,4\n\n5\n";
    CsvReader *r = open_mem(text, sizeof text - 1, csv_default_options());
    Row rows[8];
    int last;
    size_t n = read_all(r, rows, 8, &last);
    cr_assert_eq(last, 0);
    cr_assert_eq(n, 4);
    cr_expect_eq(rows[0].count, 3);
    cr_expect_eq(rows[1].count, 2);
    cr_expect_eq(rows[2].count, 4);
    cr_expect_eq(rows[3].count, 1);
    cr_expect_eq(rows[3].line, 5, "the blank line 4 is skipped");
    csvr_close(r);
}

Test(csv, duplicate_and_empty_header_names_are_plain_fields)
{
    static const char text[] = "id,,id,\"\"\n1,2,3,4\n";
    CsvReader *r = open_mem(text, sizeof text - 1, csv_default_options());
    Row rows[3];
    int last;
    size_t n = read_all(r, rows, 3, &last);
    cr_assert_eq(last, 0);
    cr_assert_eq(n, 2);
    cr_assert_eq(rows[0].count, 4);
    FIELD(rows[0], 0, "id");
    FIELD(rows[0], 1, "");
    FIELD(rows[0], 2, "id");
    FIELD(rows[0], 3, "");
    csvr_close(r);
}

Test(csv, only_a_header)
{
    CsvReader *r = open_mem("a,b\n", 4, csv_default_options());
    Row rows[2];
    int last;
    cr_expect_eq(read_all(r, rows, 2, &last), 1);
    cr_expect_eq(last, 0);
    csvr_close(r);
    r = open_mem("a,b", 3, csv_default_options());
    cr_expect_eq(read_all(r, rows, 2, &last), 1);
    cr_expect_eq(last, 0);
    FIELD(rows[0], 1, "b");
    csvr_close(r);
}

Test(csv, empty_file)
{
    static const char *inputs[] = {"", "\n", "\r\n\n", "\xEF\xBB\xBF"};
    for (size_t i = 0; i < sizeof inputs / sizeof inputs[0]; i++) {
        CsvReader *r = open_mem(inputs[i], strlen(inputs[i]), csv_default_options());
        CsvRow row;
        cr_expect_eq(csvr_next(r, &row), 0, "input %zu", i);
        cr_expect_null(csvr_error(r));
        csvr_close(r);
    }
}

Test(csv, empty_file_on_disk)
{
    char path[] = "/tmp/regel-csv-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    close(fd);
    CsvReader *r = csvr_open(lines_open_file(path, 0, NULL), csv_default_options());
    CsvRow row;
    cr_expect_eq(csvr_next(r, &row), 0);
    csvr_close(r);
    csvr_close(r); /* twice is fine */
    unlink(path);
}

/* ------------------------------------------------------- raw fields */

Test(csv, fields_are_raw)
{
    /* Spaces kept, quotes removed, "" unescaped, empty fields counted. */
    static const char text[] = " a , b ,\t,\"\",\"x\"\"y\",,\" sp \"\n";
    CsvReader *r = open_mem(text, sizeof text - 1, csv_default_options());
    Row rows[2];
    int last;
    size_t n = read_all(r, rows, 2, &last);
    cr_assert_eq(last, 0, "%s", csvr_error(r));
    cr_assert_eq(n, 1);
    cr_assert_eq(rows[0].count, 7);
    FIELD(rows[0], 0, " a ");
    FIELD(rows[0], 1, " b ");
    FIELD(rows[0], 2, "\t");
    FIELD(rows[0], 3, "");
    FIELD(rows[0], 4, "x\"y");
    FIELD(rows[0], 5, "");
    FIELD(rows[0], 6, " sp ");
    csvr_close(r);
}

Test(csv, row_end_is_not_part_of_the_last_field)
{
    static const char text[] = "a,b\r\n\"c\",\"d\"\r\ne,\r\n\"f\"";
    CsvReader *r = open_mem(text, sizeof text - 1, csv_default_options());
    Row rows[5];
    int last;
    size_t n = read_all(r, rows, 5, &last);
    cr_assert_eq(last, 0);
    cr_assert_eq(n, 4);
    FIELD(rows[0], 1, "b");
    FIELD(rows[1], 1, "d");
    cr_expect_eq(rows[2].count, 2);
    FIELD(rows[2], 1, "");
    cr_expect_eq(rows[3].count, 1);
    FIELD(rows[3], 0, "f");
    cr_expect_eq(rows[3].line, 4);
    cr_expect_eq(rows[3].end_line, 4);
    csvr_close(r);
}

Test(csv, semicolon_separator)
{
    static const char text[] = "namn;antal\n\"Vårdcentral; Åmål\";6230\n";
    CsvOptions o = csv_default_options();
    o.separator = ';';
    CsvReader *r = open_mem(text, sizeof text - 1, o);
    Row rows[3];
    int last;
    size_t n = read_all(r, rows, 3, &last);
    cr_assert_eq(last, 0);
    cr_assert_eq(n, 2);
    FIELD(rows[1], 0, "Vårdcentral; Åmål");
    FIELD(rows[1], 1, "6230");
    csvr_close(r);
}

Test(csv, bad_options)
{
    CsvOptions o = csv_default_options();
    o.quote = ',';
    CsvReader *r = open_mem("a\n", 2, o);
    CsvRow row;
    cr_expect_eq(csvr_next(r, &row), -1);
    cr_expect_not_null(csvr_error(r));
    csvr_close(r);
}

Test(csv, fields_are_copies_valid_until_the_next_call)
{
    static const char text[] = "abc,\"d\ne\"\nxyz,w\n";
    CsvReader *r = open_mem(text, sizeof text - 1, csv_default_options());
    CsvRow row;
    cr_assert_eq(csvr_next(r, &row), 1);
    cr_expect_eq(row.line, 1);
    cr_expect_eq(row.end_line, 2);
    for (size_t i = 0; i < row.count; i++)
        cr_expect(row.fields[i] < text || row.fields[i] >= text + sizeof text, "field %zu not copied", i);
    cr_expect(row.lens[1] == 3 && memcmp(row.fields[1], "d\ne", 3) == 0);
    cr_assert_eq(csvr_next(r, &row), 1);
    cr_expect(row.lens[0] == 3 && memcmp(row.fields[0], "xyz", 3) == 0);
    cr_expect_eq(row.line, 3);
    cr_expect_eq(csvr_next(r, &row), 0);
    csvr_close(r);
}

Test(csv, wide_rows_and_long_fields)
{
    /* 4096 fields (the default limit) of growing length, and one field of
     * a megabyte: the buffers grow, nothing is cut. */
    size_t cap = 4096 * 8 + (1u << 20) + 16;
    char *text = malloc(cap);
    size_t at = 0;
    for (int i = 0; i < 4096; i++)
        at += (size_t)sprintf(text + at, "%s%d", i ? "," : "", i);
    text[at++] = '\n';
    text[at++] = '"';
    memset(text + at, 'z', 1u << 20);
    at += 1u << 20;
    text[at++] = '"';
    text[at++] = '\n';
    CsvReader *r = open_mem(text, at, csv_default_options());
    CsvRow row;
    cr_assert_eq(csvr_next(r, &row), 1, "%s", csvr_error(r));
    cr_assert_eq(row.count, 4096);
    cr_expect(row.lens[4095] == 4 && memcmp(row.fields[4095], "4095", 4) == 0);
    cr_assert_eq(csvr_next(r, &row), 1);
    cr_expect_eq(row.count, 1);
    cr_expect_eq(row.lens[0], 1u << 20);
    cr_expect_eq(row.fields[0][(1u << 20) - 1], 'z');
    cr_expect_eq(csvr_next(r, &row), 0);
    csvr_close(r);
    free(text);
}
