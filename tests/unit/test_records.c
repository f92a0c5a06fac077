/*
 * test_records.c — typed records from CSV and JSON Lines exports
 * (src/records.c): every field type, optional and required fields, the
 * exact messages an export's owner reads (`file:line: field "X": expected
 * ..., got "..."`), the spreadsheet conventions (byte order mark, CRLF,
 * decimal comma, ja/nej), and the JSON rules (exact numbers, null and
 * absent, nested records and lists, unknown and repeated keys).
 *
 * Source specs come from real `source` declarations checked by check_text,
 * so the options tested are the ones a policy can write.
 */
#include "policy_helpers.h"
#include "records.h"

static char *dir;

static void setup(void)
{
    rg_alloc_init();
    dir = temp_dir();
}

static void teardown(void)
{
    remove_dir(dir);
    free(dir);
}

TestSuite(records, .init = setup, .fini = teardown);

/* The first source of a policy that must check without errors. */
static const SourceSpec *spec_of(const char *policy)
{
    SourceSet *files = sources_new();
    DiagList *d = diags_new(files);
    Checked *c = check_text(files, POLICY_NAME, policy, strlen(policy), NULL, d);
    cr_assert_eq(d->errors, 0, "policy errors:\n%s", diags_text(d));
    cr_assert_geq(c->nsources, 1);
    return c->sources[0];
}

enum { MAX_RECS = 64 };

typedef struct Read {
    const char *path;
    const char *open_error; /* records_open failed */
    int n;
    RecordStatus st[MAX_RECS];
    Value v[MAX_RECS];
    const char *err[MAX_RECS];
    long line[MAX_RECS];
    RecordStatus last; /* REC_END or REC_FATAL */
    const char *fatal;
} Read;

/* Writes the export and reads every record of it. */
static Read *read_n(const SourceSpec *spec, const char *name, const char *content, size_t len)
{
    Read *r = rg_alloc(sizeof *r);
    char *path = write_file_n(dir, name, content, len);
    r->path = rg_strdup(path);
    free(path);
    const char *err = NULL;
    RecordReader *rd = records_open(spec, r->path, &err);
    if (!rd) {
        r->open_error = err ? err : "(no message)";
        return r;
    }
    for (;;) {
        Value v = val_none();
        RecordStatus st = records_next(rd, &v);
        if (st == REC_END || st == REC_FATAL) {
            r->last = st;
            if (st == REC_FATAL)
                r->fatal = records_error(rd);
            break;
        }
        cr_assert_lt(r->n, MAX_RECS);
        r->st[r->n] = st;
        r->v[r->n] = v;
        r->err[r->n] = st == REC_INVALID ? records_error(rd) : NULL;
        r->line[r->n] = records_line(rd);
        r->n++;
    }
    records_close(rd);
    return r;
}

static Read *read_text(const SourceSpec *spec, const char *name, const char *content)
{
    return read_n(spec, name, content, strlen(content));
}

static Value field(Value rec, const SourceSpec *spec, const char *name)
{
    cr_assert_eq(rec.tag, V_RECORD, "not a record: %s", to_json(rec));
    int i = record_field_index(spec->type, name);
    cr_assert_geq(i, 0, "no field %s", name);
    return rec.as.rec->slots[i];
}

static void expect_ok(const Read *r, int i)
{
    cr_assert_lt(i, r->n, "only %d records", r->n);
    cr_expect_eq(r->st[i], REC_OK, "record %d: %s", i, r->err[i] ? r->err[i] : "");
}

/* Record i is invalid with exactly the message "<path>:<rest>". */
static void expect_invalid(const Read *r, int i, const char *rest)
{
    cr_assert_lt(i, r->n, "only %d records", r->n);
    cr_assert_eq(r->st[i], REC_INVALID, "record %d is valid: %s", i, to_json(r->v[i]));
    RgBuf want;
    buf_init(&want);
    buf_printf(&want, "%s:%s", r->path, rest);
    cr_expect_str_eq(r->err[i], want.data);
}

static void expect_json(Value v, const char *want)
{
    cr_expect_str_eq(to_json(v), want);
}

/* ---------------------------------------------------------------- CSV */

#define CSV_POLICY                                                                                              \
    "enum Status = ej | pagaende | klar\n"                                                                      \
    "record R {\n"                                                                                              \
    "    id: Text from \"HSA-id\"\n"                                                                            \
    "    namn: Text? from \"Namn\"\n"                                                                           \
    "    listade: Int from \"Listade invånare\"\n"                                                              \
    "    grad: Decimal from \"Tjänstgöringsgrad\"\n"                                                            \
    "    aktiv: Bool from \"Aktiv\"\n"                                                                          \
    "    datum: Date? from \"Datum\"\n"                                                                         \
    "    status: Status from \"Status\"\n"                                                                      \
    "    antal: Int? from \"Antal\"\n"                                                                          \
    "}\n"                                                                                                       \
    "source rs: R from csv(separator: \";\", decimal: \",\", yes: \"ja\", no: \"nej\") \"r.csv\" key id\n"

#define CSV_HEADER "HSA-id;Namn;Listade invånare;Tjänstgöringsgrad;Aktiv;Datum;Status;Antal\n"

Test(records, csv_every_field_type)
{
    const SourceSpec *s = spec_of(CSV_POLICY);
    Read *r = read_text(s, "r.csv",
                        CSV_HEADER "SE1;Karin Lindén;6230;62,5;ja;2026-01-31;pagaende;3\n"
                                   "SE2;Måns;-5;100;nej;;klar;\n");
    cr_assert_eq(r->n, 2);
    cr_expect_eq(r->last, REC_END);
    expect_ok(r, 0);
    expect_json(r->v[0], "{\"id\":\"SE1\",\"namn\":\"Karin Lindén\",\"listade\":6230,\"grad\":\"62.5\",\"aktiv\":true,"
                         "\"datum\":\"2026-01-31\",\"status\":\"pagaende\",\"antal\":3}");
    Value grad = field(r->v[0], s, "grad");
    cr_expect_eq(grad.tag, V_DEC);
    cr_expect(value_equal(grad, val_dec((Decimal){625, 1})));
    Value st = field(r->v[0], s, "status");
    cr_expect_eq(st.tag, V_ENUM);
    cr_expect_eq(st.aux, 1);
    expect_ok(r, 1);
    expect_json(r->v[1], "{\"id\":\"SE2\",\"namn\":\"Måns\",\"listade\":-5,\"grad\":\"100\",\"aktiv\":false,"
                         "\"datum\":null,\"status\":\"klar\",\"antal\":null}");
    cr_expect_eq(r->line[0], 2);
    cr_expect_eq(r->line[1], 3);
    cr_expect_eq(r->v[1].as.rec->line, 3, "the record knows its line");
}

Test(records, csv_empty_required_cell)
{
    const SourceSpec *s = spec_of(CSV_POLICY);
    Read *r = read_text(s, "r.csv", CSV_HEADER "SE1;Anna;;1;ja;;klar;\nSE2;Bo;5;1;ja;;klar;\n");
    cr_assert_eq(r->n, 2);
    expect_invalid(r, 0, "2: field \"Listade invånare\": expected Int, got an empty cell");
    /* The reader goes on after an invalid record. */
    expect_ok(r, 1);
}

Test(records, csv_messages_for_each_type)
{
    const SourceSpec *s = spec_of(CSV_POLICY);
    Read *r = read_text(s, "r.csv",
                        CSV_HEADER "SE1;A;6 230;1;ja;;klar;\n"
                                   "SE2;A;1;12,5%;ja;;klar;\n"
                                   "SE3;A;1;1;kanske;;klar;\n"
                                   "SE4;A;1;1;ja;2026-02-30;klar;\n"
                                   "SE5;A;1;1;ja;;Klar;\n"
                                   "SE6;A;99999999999999999999;1;ja;;klar;\n"
                                   "SE7;A;1.0;1;ja;;klar;\n");
    cr_assert_eq(r->n, 7);
    expect_invalid(r, 0, "2: field \"Listade invånare\": expected Int, got \"6 230\"");
    expect_invalid(r, 1, "3: field \"Tjänstgöringsgrad\": expected Decimal, got \"12,5%\"");
    expect_invalid(r, 2, "4: field \"Aktiv\": expected ja or nej, got \"kanske\"");
    expect_invalid(r, 3, "5: field \"Datum\": expected a date (YYYY-MM-DD), got \"2026-02-30\"");
    expect_invalid(r, 4, "6: field \"Status\": expected one of ej, pagaende, klar, got \"Klar\"");
    expect_invalid(r, 5, "7: field \"Listade invånare\": the number is too large for Int: \"99999999999999999999\"");
    expect_invalid(r, 6, "8: field \"Listade invånare\": expected Int, got \"1.0\"");
}

Test(records, csv_decimal_point_only_without_the_option)
{
    const SourceSpec *s = spec_of("record R { id: Text  d: Decimal }\nsource rs: R from csv \"r.csv\"\n");
    Read *r = read_text(s, "r.csv", "id,d\na,\"62,5\"\nb,62.5\nc,-0.25\n");
    cr_assert_eq(r->n, 3);
    expect_invalid(r, 0, "2: field \"d\": expected Decimal, got \"62,5\"");
    expect_ok(r, 1);
    expect_json(field(r->v[1], s, "d"), "\"62.5\"");
    expect_json(field(r->v[2], s, "d"), "\"-0.25\"");
}

Test(records, csv_decimal_comma_accepts_both_marks)
{
    const SourceSpec *s = spec_of(CSV_POLICY);
    Read *r = read_text(s, "r.csv", CSV_HEADER "SE1;A;1;62,5;ja;;klar;\nSE2;A;1;62.5;ja;;klar;\nSE3;A;1;1,000,5;ja;;klar;\n");
    cr_assert_eq(r->n, 3);
    expect_ok(r, 0);
    expect_ok(r, 1);
    cr_expect(value_equal(field(r->v[0], s, "grad"), field(r->v[1], s, "grad")));
    cr_expect_eq(r->st[2], REC_INVALID, "no thousands separators");
}

Test(records, csv_default_booleans)
{
    const SourceSpec *s = spec_of("record R { id: Text  b: Bool }\nsource rs: R from csv \"r.csv\"\n");
    Read *r = read_text(s, "r.csv", "id,b\na,true\nb,false\nc,ja\n");
    cr_assert_eq(r->n, 3);
    expect_json(field(r->v[0], s, "b"), "true");
    expect_json(field(r->v[1], s, "b"), "false");
    expect_invalid(r, 2, "4: field \"b\": expected true or false, got \"ja\"");
}

Test(records, csv_bom_crlf_and_quoted_cells)
{
    const SourceSpec *s = spec_of(CSV_POLICY);
    Read *r = read_text(s, "r.csv",
                        "\xef\xbb\xbf" "HSA-id;Namn;Listade invånare;Tjänstgöringsgrad;Aktiv;Datum;Status;Antal\r\n"
                        "SE1;\"Lindén; Karin\";6230;62,5;ja;2026-01-31;klar;\r\n"
                        "SE2;\"Say \"\"hej\"\"\";1;1;nej;;ej;\r\n");
    cr_assert_null(r->open_error, "%s", r->open_error);
    cr_assert_eq(r->n, 2);
    expect_ok(r, 0);
    expect_ok(r, 1);
    expect_json(field(r->v[0], s, "id"), "\"SE1\"");
    expect_json(field(r->v[0], s, "namn"), "\"Lindén; Karin\"");
    expect_json(field(r->v[1], s, "namn"), "\"Say \\\"hej\\\"\"");
    expect_json(field(r->v[1], s, "status"), "\"ej\"");
    cr_expect_eq(r->line[1], 3);
}

Test(records, csv_values_are_trimmed_and_nfc)
{
    const SourceSpec *s = spec_of(CSV_POLICY);
    /* The header spells å and ö decomposed and pads a title with spaces. */
    Read *r = read_text(s, "r.csv",
                        "HSA-id; Namn ;Listade inva\xcc\x8anare;Tja\xcc\x88nstgo\xcc\x88ringsgrad;Aktiv;Datum;Status;Antal\n"
                        "  SE1 ;  Ma\xcc\x8ans Ekstro\xcc\x88m\t;  6230 ; 62,5 ; ja ; 2026-01-31 ; klar ;  \n");
    cr_assert_null(r->open_error, "%s", r->open_error);
    cr_assert_eq(r->n, 1);
    expect_ok(r, 0);
    expect_json(field(r->v[0], s, "id"), "\"SE1\"");
    expect_json(field(r->v[0], s, "namn"), "\"Måns Ekström\"");
    expect_json(field(r->v[0], s, "listade"), "6230");
    expect_json(field(r->v[0], s, "antal"), "null");
}

Test(records, csv_missing_column_with_suggestion)
{
    const SourceSpec *s = spec_of(CSV_POLICY);
    Read *r = read_text(s, "r.csv", "HSA-id;Namn;Listade invanare;Tjänstgöringsgrad;Aktiv;Datum;Status;Antal\nSE1;A;1;1;ja;;klar;\n");
    cr_assert_not_null(r->open_error, "a header without a needed column stops the file");
    RgBuf want;
    buf_init(&want);
    buf_printf(&want, "%s:1: the header has no column \"Listade invånare\" (field listade of R); did you mean "
                      "\"Listade invanare\"?; the columns are \"HSA-id\", \"Namn\", \"Listade invanare\", "
                      "\"Tjänstgöringsgrad\", \"Aktiv\", \"Datum\", \"Status\", \"Antal\"",
               r->path);
    cr_expect_str_eq(r->open_error, want.data);
}

Test(records, csv_missing_column_without_suggestion)
{
    const SourceSpec *s = spec_of("record R { id: Text  plats: Text from \"Arbetsplats\" }\nsource rs: R from csv \"r.csv\"\n");
    Read *r = read_text(s, "r.csv", "id,x\n1,2\n");
    cr_assert_not_null(r->open_error);
    cr_expect(strstr(r->open_error, "the header has no column \"Arbetsplats\" (field plats of R); the columns are \"id\", \"x\""),
              "%s", r->open_error);
    cr_expect_null(strstr(r->open_error, "did you mean"), "%s", r->open_error);
}

Test(records, csv_column_twice_in_header)
{
    const SourceSpec *s = spec_of("record R { id: Text }\nsource rs: R from csv \"r.csv\"\n");
    Read *r = read_text(s, "r.csv", "id,x,id\n1,2,3\n");
    cr_assert_not_null(r->open_error);
    RgBuf want;
    buf_init(&want);
    buf_printf(&want, "%s:1: the column \"id\" appears twice in the header", r->path);
    cr_expect_str_eq(r->open_error, want.data);
}

Test(records, csv_extra_columns_are_ignored)
{
    const SourceSpec *s = spec_of("record R { id: Text  n: Int }\nsource rs: R from csv \"r.csv\"\n");
    Read *r = read_text(s, "r.csv", "extra,n,id,more\nx,5,a,y\n");
    cr_assert_eq(r->n, 1);
    expect_json(r->v[0], "{\"id\":\"a\",\"n\":5}");
}

Test(records, csv_row_with_wrong_number_of_fields)
{
    const SourceSpec *s = spec_of(CSV_POLICY);
    Read *r = read_text(s, "r.csv", CSV_HEADER "SE1;A;1\nSE2;A;1;1;ja;;klar;;extra\nSE3;A;1;1;ja;;klar;\n");
    cr_assert_eq(r->n, 3);
    expect_invalid(r, 0, "2: the row has 3 fields but the header has 8");
    expect_invalid(r, 1, "3: the row has 9 fields but the header has 8");
    expect_ok(r, 2);
}

Test(records, csv_empty_file)
{
    const SourceSpec *s = spec_of("record R { id: Text }\nsource rs: R from csv \"r.csv\"\n");
    Read *r = read_text(s, "r.csv", "");
    cr_assert_not_null(r->open_error);
    cr_expect(strstr(r->open_error, "the file is empty; it needs a header row"), "%s", r->open_error);
}

Test(records, csv_header_only)
{
    const SourceSpec *s = spec_of("record R { id: Text }\nsource rs: R from csv \"r.csv\"\n");
    Read *r = read_text(s, "r.csv", "id\r\n");
    cr_assert_null(r->open_error, "%s", r->open_error);
    cr_expect_eq(r->n, 0);
    cr_expect_eq(r->last, REC_END);
}

Test(records, csv_unterminated_quote_stops_the_file)
{
    const SourceSpec *s = spec_of("record R { id: Text  n: Text }\nsource rs: R from csv \"r.csv\"\n");
    Read *r = read_text(s, "r.csv", "id,n\na,ok\nb,\"never closed\nc,x\n");
    cr_expect_eq(r->last, REC_FATAL);
    cr_assert_not_null(r->fatal);
    cr_expect(strncmp(r->fatal, r->path, strlen(r->path)) == 0, "%s", r->fatal);
    cr_expect_eq(r->n, 1);
}

Test(records, missing_file)
{
    const SourceSpec *s = spec_of("record R { id: Text }\nsource rs: R from csv \"r.csv\"\n");
    const char *err = NULL;
    RgBuf path;
    buf_init(&path);
    buf_printf(&path, "%s/no-such.csv", dir);
    RecordReader *rd = records_open(s, path.data, &err);
    cr_expect_null(rd);
    cr_assert_not_null(err);
    cr_expect(strstr(err, "no-such.csv"), "the message names the file: %s", err);
}

/* ---------------------------------------------------------------- JSON Lines */

#define JSON_POLICY                                                                      \
    "enum Status = ej | klar\n"                                                          \
    "record Kurs { namn: Text  klar: Bool }\n"                                           \
    "record R {\n"                                                                       \
    "    id: Text\n"                                                                     \
    "    n: Int\n"                                                                       \
    "    d: Decimal\n"                                                                   \
    "    o: Int?\n"                                                                      \
    "    datum: Date?\n"                                                                 \
    "    status: Status?\n"                                                              \
    "    kurs: Kurs?\n"                                                                  \
    "    kurser: List<Kurs>?\n"                                                          \
    "    taggar: Set<Text>?\n"                                                           \
    "}\n"                                                                                \
    "source rs: R from jsonl \"r.jsonl\" key id\n"

Test(records, json_every_field_type)
{
    const SourceSpec *s = spec_of(JSON_POLICY);
    Read *r = read_text(s, "r.jsonl",
                        "{\"id\":\"a\",\"n\":5,\"d\":62.5,\"o\":-1,\"datum\":\"2026-02-28\",\"status\":\"klar\","
                        "\"kurs\":{\"namn\":\"K1\",\"klar\":true},"
                        "\"kurser\":[{\"namn\":\"K2\",\"klar\":false},{\"klar\":true,\"namn\":\"K3\"}],"
                        "\"taggar\":[\"b\",\"a\",\"b\"]}\n");
    cr_assert_eq(r->n, 1);
    expect_ok(r, 0);
    expect_json(r->v[0], "{\"id\":\"a\",\"n\":5,\"d\":\"62.5\",\"o\":-1,\"datum\":\"2026-02-28\",\"status\":\"klar\","
                         "\"kurs\":{\"namn\":\"K1\",\"klar\":true},"
                         "\"kurser\":[{\"namn\":\"K2\",\"klar\":false},{\"namn\":\"K3\",\"klar\":true}],"
                         "\"taggar\":[\"a\",\"b\"]}");
    cr_expect_eq(field(r->v[0], s, "taggar").tag, V_SET);
    cr_expect_eq(field(r->v[0], s, "kurser").tag, V_LIST);
    Value d = field(r->v[0], s, "d");
    cr_expect(d.tag == V_DEC && d.as.i == 625 && d.scale == 1, "62.5 is exact");
}

Test(records, json_null_and_absent)
{
    const SourceSpec *s = spec_of(JSON_POLICY);
    Read *r = read_text(s, "r.jsonl",
                        "{\"id\":\"a\",\"n\":1,\"d\":1,\"o\":null,\"kurs\":null}\n"
                        "{\"id\":\"b\",\"n\":1,\"d\":1}\n"
                        "{\"id\":\"c\",\"n\":null,\"d\":1}\n"
                        "{\"id\":\"d\",\"d\":1}\n"
                        "{\"id\":\"e\",\"n\":1,\"d\":1,\"kurs\":{\"namn\":\"K\"}}\n"
                        "{\"id\":\"f\",\"n\":1,\"d\":1,\"kurser\":[null]}\n");
    cr_assert_eq(r->n, 6);
    expect_ok(r, 0);
    expect_json(field(r->v[0], s, "o"), "null");
    expect_json(field(r->v[0], s, "kurs"), "null");
    expect_ok(r, 1);
    expect_json(field(r->v[1], s, "o"), "null");
    expect_json(field(r->v[1], s, "kurser"), "null");
    expect_invalid(r, 2, "3: field \"n\": expected Int, got null");
    expect_invalid(r, 3, "4: field \"n\": is missing (expected Int)");
    expect_invalid(r, 4, "5: field \"kurs.klar\": is missing (expected Bool)");
    expect_invalid(r, 5, "6: field \"kurser[0]\": expected an object, got null");
}

Test(records, json_numbers_are_exact)
{
    const SourceSpec *s = spec_of(JSON_POLICY);
    Read *r = read_text(s, "r.jsonl",
                        "{\"id\":\"a\",\"n\":100.0,\"d\":\"8500.00\"}\n"
                        "{\"id\":\"b\",\"n\":1e2,\"d\":0.1}\n"
                        "{\"id\":\"c\",\"n\":-0,\"d\":\" 12.50 \"}\n"
                        "{\"id\":\"d\",\"n\":9223372036854775807,\"d\":2.5E-1}\n");
    cr_assert_eq(r->n, 4);
    for (int i = 0; i < 4; i++)
        expect_ok(r, i);
    Value n = field(r->v[0], s, "n");
    cr_expect(n.tag == V_INT && n.as.i == 100, "100.0 is the Int 100: %s", to_json(n));
    Value d = field(r->v[0], s, "d");
    cr_expect_eq(d.tag, V_DEC);
    cr_expect(value_equal(d, val_int(8500)), "\"8500.00\" is a Decimal: %s", to_json(d));
    expect_json(field(r->v[1], s, "n"), "100");
    Value tenth = field(r->v[1], s, "d");
    cr_expect(tenth.as.i == 1 && tenth.scale == 1, "0.1 is exactly one tenth");
    expect_json(field(r->v[2], s, "n"), "0");
    expect_json(field(r->v[2], s, "d"), "\"12.5\"");
    expect_json(field(r->v[3], s, "n"), "9223372036854775807");
    expect_json(field(r->v[3], s, "d"), "\"0.25\"");
}

Test(records, json_numbers_refused)
{
    const SourceSpec *s = spec_of(JSON_POLICY);
    Read *r = read_text(s, "r.jsonl",
                        "{\"id\":\"a\",\"n\":12.5,\"d\":1}\n"
                        "{\"id\":\"b\",\"n\":1e400,\"d\":1}\n"
                        "{\"id\":\"c\",\"n\":1,\"d\":1e400}\n"
                        "{\"id\":\"d\",\"n\":9223372036854775808,\"d\":1}\n"
                        "{\"id\":\"e\",\"n\":\"5\",\"d\":1}\n"
                        "{\"id\":\"f\",\"n\":1,\"d\":\"1,5\"}\n"
                        "{\"id\":\"g\",\"n\":1,\"d\":0.1234567890123456789}\n");
    cr_assert_eq(r->n, 7);
    expect_invalid(r, 0, "1: field \"n\": expected Int, got 12.5");
    expect_invalid(r, 1, "2: field \"n\": the number is too large for Int: 1e400");
    expect_invalid(r, 2, "3: field \"d\": the number is too large for Decimal: 1e400");
    cr_expect_eq(r->st[3], REC_INVALID);
    cr_expect(r->err[3] && strstr(r->err[3], "field \"n\": the number is too large"), "%s", r->err[3]);
    expect_invalid(r, 4, "5: field \"n\": expected Int, got \"5\"");
    expect_invalid(r, 5, "6: field \"d\": expected Decimal, got \"1,5\"");
    cr_expect_eq(r->st[6], REC_INVALID, "more than 18 decimals cannot be exact");
}

Test(records, json_other_type_errors)
{
    const SourceSpec *s = spec_of(JSON_POLICY);
    Read *r = read_text(s, "r.jsonl",
                        "{\"id\":5,\"n\":1,\"d\":1}\n"
                        "{\"id\":\"b\",\"n\":1,\"d\":1,\"datum\":\"28/2/2026\"}\n"
                        "{\"id\":\"c\",\"n\":1,\"d\":1,\"status\":\"pagaende\"}\n"
                        "{\"id\":\"d\",\"n\":1,\"d\":1,\"kurs\":{\"namn\":\"K\",\"klar\":\"ja\"}}\n"
                        "{\"id\":\"e\",\"n\":1,\"d\":1,\"kurser\":[{\"namn\":\"K\",\"klar\":true},{\"namn\":1,\"klar\":true}]}\n"
                        "{\"id\":\"f\",\"n\":1,\"d\":1,\"kurser\":{}}\n"
                        "[1,2]\n");
    cr_assert_eq(r->n, 7);
    expect_invalid(r, 0, "1: field \"id\": expected Text, got 5");
    expect_invalid(r, 1, "2: field \"datum\": expected a date (YYYY-MM-DD), got \"28/2/2026\"");
    expect_invalid(r, 2, "3: field \"status\": expected one of ej, klar, got \"pagaende\"");
    expect_invalid(r, 3, "4: field \"kurs.klar\": expected Bool, got \"ja\"");
    expect_invalid(r, 4, "5: field \"kurser[1].namn\": expected Text, got 1");
    expect_invalid(r, 5, "6: field \"kurser\": expected a list, got an object");
    expect_invalid(r, 6, "7: expected an object, got a list");
}

Test(records, json_unknown_keys_are_skipped)
{
    const SourceSpec *s = spec_of(JSON_POLICY);
    Read *r = read_text(s, "r.jsonl",
                        "{\"extra\":{\"deep\":[1,{\"x\":null},\"s\"]},\"id\":\"a\",\"n\":1,\"x\":1,\"x\":2,\"d\":1,"
                        "\"ID\":\"no\",\"\":3}\n");
    cr_assert_eq(r->n, 1);
    expect_ok(r, 0);
    expect_json(field(r->v[0], s, "id"), "\"a\"");
}

Test(records, json_repeated_key)
{
    const SourceSpec *s = spec_of(JSON_POLICY);
    Read *r = read_text(s, "r.jsonl",
                        "{\"id\":\"a\",\"n\":1,\"n\":2,\"d\":1}\n"
                        "{\"id\":\"b\",\"n\":1,\"d\":1,\"kurs\":{\"namn\":\"K\",\"klar\":true,\"namn\":\"L\"}}\n");
    cr_assert_eq(r->n, 2);
    expect_invalid(r, 0, "1: field \"n\": appears twice in the object");
    expect_invalid(r, 1, "2: field \"kurs.namn\": appears twice in the object");
}

Test(records, json_text_is_trimmed_and_nfc)
{
    const SourceSpec *s = spec_of(JSON_POLICY);
    Read *r = read_text(s, "r.jsonl", "{\"id\":\"  Ma\\u030ans \",\"n\":1,\"d\":1,\"status\":\" klar \"}\n");
    cr_assert_eq(r->n, 1);
    expect_ok(r, 0);
    expect_json(field(r->v[0], s, "id"), "\"Måns\"");
    expect_json(field(r->v[0], s, "status"), "\"klar\"");
}

Test(records, json_keys_with_swedish_letters)
{
    const SourceSpec *s = spec_of("record R { grad: Decimal from \"Tjänstgöringsgrad\" }\nsource rs: R from jsonl \"r.jsonl\"\n");
    Read *r = read_text(s, "r.jsonl", "{\"Tjänstgöringsgrad\": 62.5}\n{\"Tj\\u00e4nstg\\u00f6ringsgrad\": 50}\n");
    cr_assert_eq(r->n, 2);
    expect_ok(r, 0);
    expect_ok(r, 1);
    expect_json(field(r->v[1], s, "grad"), "\"50\"");
}

/* BUG: a JSON key written with a decomposed letter ("Tja\u0308nst...", as
 * some exporters write it) is not matched to the record's key: keys are
 * only cleaned (NFC) when their first byte is non-ASCII or their last is
 * white space (read_json_record in records.c), so "Tjänstgöringsgrad"
 * decomposed is skipped as unknown and the field reads as missing.
 * CSV column titles are NFC-normalised (and values too), so the same
 * export as CSV reads fine. Repro: a jsonl line {"Tja\u0308nst": 1} for
 * `record R { t: Int from "Tjänst" }` gives `field "Tjänst": is missing`. */
Test(records, json_decomposed_key_matches)
{
    const SourceSpec *s = spec_of("record R { t: Int from \"Tjänst\" }\nsource rs: R from jsonl \"r.jsonl\"\n");
    Read *r = read_text(s, "r.jsonl", "{\"Tja\\u0308nst\": 1}\n{\"Tja\xcc\x88nst\": 2}\n");
    cr_assert_eq(r->n, 2);
    expect_ok(r, 0);
    expect_ok(r, 1);
    if (r->st[1] == REC_OK)
        expect_json(field(r->v[1], s, "t"), "2");
}

Test(records, json_blank_lines_and_line_numbers)
{
    const SourceSpec *s = spec_of(JSON_POLICY);
    Read *r = read_text(s, "r.jsonl",
                        "\n{\"id\":\"a\",\"n\":1,\"d\":1}\r\n  \n\t\n{\"id\":\"b\",\"n\":\"x\",\"d\":1}\n{\"id\":\"c\",\"n\":3,\"d\":1}");
    cr_assert_eq(r->n, 3);
    expect_ok(r, 0);
    cr_expect_eq(r->line[0], 2);
    expect_invalid(r, 1, "5: field \"n\": expected Int, got \"x\"");
    expect_ok(r, 2);
    cr_expect_eq(r->line[2], 6, "the last line needs no newline");
}

Test(records, json_syntax_error_spoils_only_its_line)
{
    const SourceSpec *s = spec_of(JSON_POLICY);
    Read *r = read_text(s, "r.jsonl",
                        "{\"id\":\"a\",\"n\":1,\"d\":1,}\n"
                        "{\"id\":\"b\",\"n\":\"x\",\"d\":1 trailing\n"
                        "{\"id\":\"c\",\"n\":1,\"d\":1} {}\n"
                        "{\"id\":\"d\",\"n\":1,\"d\":1}\n");
    cr_assert_eq(r->n, 4);
    cr_expect_eq(r->st[0], REC_INVALID);
    RgBuf want;
    buf_init(&want);
    buf_printf(&want, "%s:1:", r->path);
    cr_expect(r->err[0] && strncmp(r->err[0], want.data, want.len) == 0, "%s", r->err[0]);
    cr_expect(r->err[0] && strstr(r->err[0], "invalid JSON"), "%s", r->err[0]);
    /* A type error before a syntax error: the syntax error is reported. */
    cr_expect(r->err[1] && strstr(r->err[1], "invalid JSON"), "%s", r->err[1]);
    cr_expect(r->err[2] && strstr(r->err[2], "invalid JSON"), "%s", r->err[2]);
    expect_ok(r, 3);
}

Test(records, json_with_bom_and_crlf)
{
    const SourceSpec *s = spec_of(JSON_POLICY);
    Read *r = read_text(s, "r.jsonl", "\xef\xbb\xbf{\"id\":\"a\",\"n\":1,\"d\":1}\r\n{\"id\":\"b\",\"n\":2,\"d\":1}\r\n");
    cr_assert_eq(r->n, 2);
    expect_ok(r, 0);
    expect_ok(r, 1);
}

/* ---------------------------------------------------------------- records_expected */

Test(records, expected_type_names)
{
    const SourceSpec *s = spec_of(CSV_POLICY);
    cr_expect_str_eq(records_expected(s, &type_int), "Int");
    cr_expect_str_eq(records_expected(s, type_optional(&type_dec)), "Decimal");
    cr_expect_str_eq(records_expected(s, &type_date), "a date (YYYY-MM-DD)");
    cr_expect_str_eq(records_expected(s, &type_bool), "ja or nej");
    int st = record_field_index(s->type, "status");
    cr_assert_geq(st, 0);
    cr_expect_str_eq(records_expected(s, s->type->fields[st].type), "one of ej, pagaende, klar");
}
