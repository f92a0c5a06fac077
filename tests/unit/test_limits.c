/*
 * test_limits.c — limits and damaged input at the level of each stage,
 * for the fixes the bad-input corpus (tests/bad/) led to: texts built by
 * natives held to the 64 MB limit of a text value, a UTF-16 export
 * refused as such by the line reader, a byte order mark or a stray byte
 * named by the JSON parser wherever it is, decimals refused for their
 * precision rather than their size, a repeated header row, and a CSV
 * header read with the wrong separator.
 */
#include "policy_helpers.h"

#include "json.h"
#include "lines.h"
#include "records.h"

static void setup(void)
{
    /* The 64 MB texts below are meant: no warnings about large blocks. */
    setenv("GC_LARGE_ALLOC_WARN_INTERVAL", "1000000", 1);
    rg_alloc_init();
}

TestSuite(limits, .init = setup);

/* A text of 2^k copies of "abcdefgh", in a prelude: T0 .. Tk. */
static const char *doubling_prelude(int k)
{
    RgBuf b;
    buf_init(&b);
    buf_adds(&b, "const T0 = \"abcdefgh\"\n");
    for (int i = 1; i <= k; i++)
        buf_printf(&b, "const T%d = T%d + T%d\n", i, i - 1, i - 1);
    return b.data;
}

static void expect_text_limit(const char *expr)
{
    /* T23 is 64 MB exactly: the limit itself, so one more byte is over. */
    VmLimits l = vm_default_limits();
    l.max_memory = 1ull << 31;
    Eval e = eval_with(doubling_prelude(23), expr, l);
    cr_assert(!e.ok, "%s evaluated to a text of %u bytes", expr, e.ok ? e.value.aux : 0u);
    cr_expect_str_eq(e.error, "the text would be longer than the limit of 64 MB", "%s", expr);
}

Test(limits, text_at_the_limit_is_allowed)
{
    VmLimits l = vm_default_limits();
    l.max_memory = 1ull << 31;
    Eval e = eval_with(doubling_prelude(23), "length(T23)", l);
    cr_assert(e.ok, "%s", e.error ? e.error : "");
    cr_expect_str_eq(to_json(e.value), "67108864");
}

Test(limits, texts_past_64_mb_are_refused)
{
    expect_text_limit("T23 + \"x\"");
    expect_text_limit("join([T22, T22, \"x\"], \"\")");
    expect_text_limit("join([T22, T22], \"-\")");
    expect_text_limit("text([T22, T22])");
    expect_text_limit("\"{T23}.\"");
}

Test(limits, utf16_export_is_named)
{
    static const char le[] = "\xFF\xFEh\0e\0j\0\n\0";
    static const char be[] = "\xFE\xFF\0h\0e\0j\0\n";
    for (int i = 0; i < 2; i++) {
        LineReader *r = lines_open_mem(i ? be : le, sizeof le - 1, 0);
        const char *line;
        size_t len;
        cr_expect_eq(lines_next(r, &line, &len), -1);
        cr_expect(strstr(lines_error(r), "UTF-16"), "%s", lines_error(r));
    }
    /* A UTF-8 mark is still dropped. */
    LineReader *r = lines_open_mem("\xEF\xBB\xBFhej\n", 7, 0);
    const char *line;
    size_t len;
    cr_expect_eq(lines_next(r, &line, &len), 1);
    cr_expect_eq(len, 4);
}

static void expect_json_error(const char *text, const char *error, size_t offset)
{
    const char *err = NULL;
    size_t off = 0;
    cr_assert(!json_validate(text, strlen(text), 0, &err, &off), "%s accepted", text);
    cr_expect_str_eq(err, error, "%s", text);
    cr_expect_eq(off, offset, "%s: error at %zu, expected %zu", text, off, offset);
}

Test(limits, json_names_a_mark_or_stray_byte_anywhere)
{
    expect_json_error("{\"a\": 1,\xEF\xBB\xBF \"b\": 2}", "unexpected byte order mark", 8);
    expect_json_error("[1, \xEF\xBB\xBF" "2]", "unexpected byte order mark", 4);
    expect_json_error("{\"a\": \xFF}", "invalid UTF-8", 6);
    expect_json_error("[1, \xC3]", "invalid UTF-8", 4);
    /* A well-formed character that is no JSON keeps the usual message. */
    expect_json_error("[1, \xC3\xA5]", "expected a value", 4);
}

/* Reads every record of one export with a policy, and gives the report of
 * each invalid or fatal one, a line each. */
static const char *read_all(const char *policy, const char *file, const char *content)
{
    Program *p = compile_ok(policy);
    char *dir = temp_dir();
    write_file(dir, file, content);
    const char *path = rg_sprintf("%s/%s", dir, file);
    RgBuf b;
    buf_init(&b);
    const char *err;
    RecordReader *r = records_open(p->sources[0], path, &err);
    if (!r) {
        buf_printf(&b, "%s\n", strstr(err, file));
    } else {
        for (;;) {
            Value v;
            RecordStatus st = records_next(r, &v);
            if (st == REC_END)
                break;
            if (st != REC_OK)
                buf_printf(&b, "%s\n", strstr(records_error(r), file));
            if (st == REC_FATAL)
                break;
        }
        records_close(r);
    }
    remove_dir(dir);
    return b.data ? b.data : "";
}

#define CSV_POLICY                                                                        \
    "record R {\n    id: Text from \"Id\"\n    n: Int from \"N\"\n    d: Decimal from \"D\"\n}\n" \
    "source rs: R from csv(invalid: skip) \"r.csv\" key id\n"

Test(limits, decimals_too_precise_or_too_large)
{
    cr_expect_str_eq(read_all(CSV_POLICY, "r.csv",
                              "Id,N,D\n"
                              "a,1,0.1234567890123456789\n"
                              "b,1,99999999999999999999.5\n"
                              "c,1,1.5\n"),
                     "r.csv:2: field \"D\": the number is too precise for Decimal (at most 18 decimals): "
                     "\"0.1234567890123456789\"\n"
                     "r.csv:3: field \"D\": the number is too large for Decimal: \"99999999999999999999.5\"\n");
    cr_expect_str_eq(read_all("record R {\n    id: Text\n    n: Int\n    d: Decimal\n}\n"
                              "source rs: R from jsonl(invalid: skip) \"r.jsonl\" key id\n",
                              "r.jsonl",
                              "{\"id\": \"a\", \"n\": 1, \"d\": 1e-400}\n"
                              "{\"id\": \"b\", \"n\": 1e-400, \"d\": 1}\n"
                              "{\"id\": \"c\", \"n\": 1, \"d\": 1e400}\n"
                              "{\"id\": \"d\", \"n\": 12345678901234567890, \"d\": 1}\n"),
                     "r.jsonl:1: field \"d\": the number is too precise for Decimal (at most 18 decimals): 1e-400\n"
                     "r.jsonl:2: field \"n\": expected Int, got 1e-400\n"
                     "r.jsonl:3: field \"d\": the number is too large for Decimal: 1e400\n"
                     "r.jsonl:4: field \"n\": the number is too large for Int: 12345678901234567890\n");
}

Test(limits, csv_header_again_and_field_counts)
{
    cr_expect_str_eq(read_all(CSV_POLICY, "r.csv", "Id,N,D\na,1,1.5\nId,N,D\nb\nc,1,1.5,x\n"),
                     "r.csv:3: the header appears again as a row; were two exports joined into one file?\n"
                     "r.csv:4: the row has 1 field but the header has 3\n"
                     "r.csv:5: the row has 4 fields but the header has 3\n");
}

Test(limits, csv_header_with_another_separator)
{
    cr_expect_str_eq(read_all(CSV_POLICY, "r.csv", "Id;N;D\na;1;1.5\n"),
                     "r.csv:1: the header has no column \"Id\" (field id of R); the columns are \"Id;N;D\"; "
                     "is the separator \";\"? (the source says \",\")\n");
    cr_expect_str_eq(read_all(CSV_POLICY, "r.csv", "Id\tN\tD\na\t1\t1.5\n"),
                     "r.csv:1: the header has no column \"Id\" (field id of R); the columns are \"Id\tN\tD\"; "
                     "is the separator a tab? (the source says \",\")\n");
    /* One column with no other separator in it gets no guess. */
    cr_expect_str_eq(read_all(CSV_POLICY, "r.csv", "Namn\nx\n"),
                     "r.csv:1: the header has no column \"Id\" (field id of R); the columns are \"Namn\"\n");
}

Test(limits, jsonl_line_too_long_names_its_line)
{
    /* The limit is the reader's default of 16 MB: a line of 17 MB. */
    size_t n = 17u * 1024 * 1024;
    char *big = malloc(n + 64);
    strcpy(big, "{\"id\": \"a\"}\n{\"id\": \"");
    size_t at = strlen(big);
    memset(big + at, 'x', n);
    strcpy(big + at + n, "\"}\n");
    cr_expect_str_eq(read_all("record R {\n    id: Text\n}\nsource rs: R from jsonl \"r.jsonl\" key id\n", "r.jsonl",
                              big),
                     "r.jsonl:2: line 2 is longer than the limit of 16777216 bytes\n");
    free(big);
}
