/*
 * test_api.c — the public C API, used the way a host uses it: only
 * regel.h. Compiling from text and from files and folders, diagnostics
 * through the callback with their positions, runs with a write callback
 * and a report callback, the status codes of the documented failures, and
 * the disassembly.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "regel.h"

/* ---------------------------------------------------------------- host side helpers */

typedef struct Diag {
    regel_level level;
    char *file;
    long line, column, end_line, end_column;
    char *message;
    char *hint;
    char *text;
} Diag;

typedef struct Diags {
    Diag items[64];
    int n;
} Diags;

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* Copies everything: the strings live only for the duration of the call. */
static void on_diag(void *ctx, const regel_diagnostic *d)
{
    Diags *ds = ctx;
    cr_assert_not_null(d->message);
    cr_assert_not_null(d->text);
    if (ds->n == 64)
        return;
    Diag *g = &ds->items[ds->n++];
    g->level = d->level;
    g->file = dup_or_null(d->file);
    g->line = d->line;
    g->column = d->column;
    g->end_line = d->end_line;
    g->end_column = d->end_column;
    g->message = strdup(d->message);
    g->hint = dup_or_null(d->hint);
    g->text = strdup(d->text);
}

static const char *all(const Diags *ds)
{
    static char buf[8192];
    buf[0] = '\0';
    for (int i = 0; i < ds->n; i++) {
        size_t k = strlen(buf);
        snprintf(buf + k, sizeof buf - k, "%s:%ld:%ld: %s\n", ds->items[i].file ? ds->items[i].file : "-",
                 ds->items[i].line, ds->items[i].column, ds->items[i].message);
    }
    return buf;
}

typedef struct Sink {
    char *data;
    size_t len, cap;
    int fail_after; /* fail the write call number fail_after (1-based); 0 never */
    int calls;
    char reports[8192];
    int nreports;
} Sink;

static int on_write(void *ctx, const char *data, size_t n)
{
    Sink *s = ctx;
    s->calls++;
    if (s->fail_after && s->calls >= s->fail_after)
        return -1;
    if (s->len + n + 1 > s->cap) {
        s->cap = (s->len + n + 1) * 2;
        s->data = realloc(s->data, s->cap);
    }
    memcpy(s->data + s->len, data, n);
    s->len += n;
    s->data[s->len] = '\0';
    return 0;
}

static void on_report(void *ctx, const char *line)
{
    Sink *s = ctx;
    size_t k = strlen(s->reports);
    snprintf(s->reports + k, sizeof s->reports - k, "%s\n", line);
    s->nreports++;
}

static const char *out(const Sink *s)
{
    return s->data ? s->data : "";
}

static char *dir;

static char *path_in(const char *name)
{
    size_t n = strlen(dir) + strlen(name) + 2;
    char *p = malloc(n);
    snprintf(p, n, "%s/%s", dir, name);
    return p;
}

static void write_file(const char *name, const char *content)
{
    char *p = path_in(name);
    FILE *f = fopen(p, "wb");
    cr_assert_not_null(f, "cannot write %s", p);
    fputs(content, f);
    fclose(f);
    free(p);
}

static void setup(void)
{
    char tmpl[] = "/tmp/regel-api-XXXXXX";
    char *d = mkdtemp(tmpl);
    cr_assert_not_null(d);
    dir = strdup(d);
}

static void remove_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d))) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char p[1024];
            snprintf(p, sizeof p, "%s/%s", path, e->d_name);
            struct stat st;
            if (stat(p, &st) == 0 && S_ISDIR(st.st_mode))
                remove_tree(p);
            else
                unlink(p);
        }
        closedir(d);
    }
    rmdir(path);
}

static void teardown(void)
{
    if (dir && strncmp(dir, "/tmp/regel-api-", 15) == 0)
        remove_tree(dir);
    free(dir);
    dir = NULL;
}

TestSuite(api, .init = setup, .fini = teardown);

static regel_program *compile_ok(const char *name, const char *text)
{
    Diags ds = {0};
    regel_program *p = (regel_program *)1;
    regel_status st = regel_compile_string(name, text, strlen(text), on_diag, &ds, &p);
    cr_assert_eq(st, REGEL_OK, "compile failed:\n%s", all(&ds));
    cr_assert_not_null(p);
    return p;
}

#define POLICY                                                                                       \
    "format kalkylark = csv(separator: \";\", decimal: \",\", yes: \"ja\", no: \"nej\")\n"           \
    "record Vardcentral {\n"                                                                         \
    "    hsa_id: Text from \"HSA-id\"\n"                                                             \
    "    namn: Text from \"Namn\"\n"                                                                 \
    "    listade: Int from \"Listade invånare\"\n"                                                   \
    "    kvalitet: Bool from \"Kvalitet\"\n"                                                         \
    "}\n"                                                                                            \
    "source vardcentraler: Vardcentral from kalkylark \"vardcentraler.csv\" key hsa_id\n"            \
    "decision ytterligare_st for vc in vardcentraler {\n"                                            \
    "    outcome ja | nej\n"                                                                         \
    "    must B1 vc.listade >= 1500 * 3\n"                                                           \
    "        else \"{vc.listade} listade räcker inte (det krävs {1500 * 3} listade)\"\n"             \
    "    should K1 vc.kvalitet else \"{vc.namn} uppfyller inte kvalitetskriterierna\"\n"              \
    "    field per_st = vc.listade / 3\n"                                                            \
    "}\n"                                                                                            \
    "decision kvalitet for vc in vardcentraler {\n"                                                  \
    "    outcome ja | nej\n"                                                                         \
    "    must K1 vc.kvalitet else \"nej\"\n"                                                         \
    "}\n"

#define EXPORT                                                                                       \
    "\xef\xbb\xbfHSA-id;Namn;Listade invånare;Kvalitet\r\n"                                         \
    "SE1;Vårdcentralen Åmål;6230;ja\r\n"                                                             \
    "SE2;Vårdcentralen Hjällbo;4400;nej\r\n"

static regel_run_options options(Sink *s)
{
    regel_run_options o;
    regel_run_options_init(&o);
    o.data_dir = dir;
    o.today = "2026-11-22";
    o.write = on_write;
    o.write_ctx = s;
    o.report = on_report;
    o.report_ctx = s;
    return o;
}

/* ---------------------------------------------------------------- basics */

Test(api, version)
{
    cr_expect_str_eq(regel_version(), REGEL_VERSION_STRING);
    char want[32];
    snprintf(want, sizeof want, "%d.%d.%d", REGEL_VERSION_MAJOR, REGEL_VERSION_MINOR, REGEL_VERSION_PATCH);
    cr_expect_str_eq(regel_version(), want);
}

Test(api, defaults)
{
    regel_limits l = regel_default_limits();
    cr_expect_eq(l.max_steps, 10000000ULL);
    cr_expect_eq(l.max_memory, 256ULL * 1024 * 1024);
    cr_expect_eq(l.max_depth, 200);
    regel_run_options o;
    memset(&o, 0xAB, sizeof o);
    regel_run_options_init(&o);
    cr_expect_null(o.data_dir);
    cr_expect_null(o.decisions);
    cr_expect_null(o.today);
    cr_expect_eq(o.format, REGEL_FORMAT_JSONL);
    cr_expect_eq(o.on_invalid, REGEL_INVALID_AS_POLICY);
    cr_expect_eq(o.limits.max_steps, l.max_steps);
    cr_expect_null(o.write);
    cr_expect_null(o.report);
}

Test(api, compile_string_and_list_decisions)
{
    regel_program *p = compile_ok("st.regel", POLICY);
    cr_assert_eq(regel_decision_count(p), 2);
    cr_expect_str_eq(regel_decision_name(p, 0), "ytterligare_st");
    cr_expect_str_eq(regel_decision_name(p, 1), "kvalitet");
    cr_expect_null(regel_decision_name(p, 2));
    cr_expect_eq(regel_decision_count(NULL), 0);
    cr_expect_null(regel_decision_name(NULL, 0));
    regel_program_free(p);
}

/* ---------------------------------------------------------------- diagnostics */

Test(api, compile_errors_reach_the_callback_with_positions)
{
    const char *text = "record R { listade: Int }\n"
                       "source rs: R from jsonl \"r.jsonl\" key listade\n"
                       "decision d for r in rs {\n"
                       "    outcome ja | nej\n"
                       "    must B1 r.listad >= 1500 else \"x\"\n"
                       "    must B2 antal > 1 else \"x\"\n"
                       "}\n";
    Diags ds = {0};
    regel_program *p = (regel_program *)1;
    regel_status st = regel_compile_string("policy.regel", text, strlen(text), on_diag, &ds, &p);
    cr_expect_eq(st, REGEL_ERR_POLICY);
    cr_expect_null(p, "*out is NULL on failure");
    cr_assert_eq(ds.n, 2, "%s", all(&ds));
    Diag *a = &ds.items[0];
    cr_expect_eq(a->level, REGEL_LEVEL_ERROR);
    cr_expect_str_eq(a->file, "policy.regel");
    cr_expect_eq(a->line, 5);
    cr_expect_eq(a->column, 15);
    cr_expect_eq(a->end_line, 5);
    cr_expect_eq(a->end_column, 21, "the end is exclusive: 'listad' is 6 characters");
    cr_expect_str_eq(a->message, "R has no field 'listad'");
    cr_assert_not_null(a->hint);
    cr_expect_str_eq(a->hint, "did you mean 'listade'?");
    /* The whole report: location, message, the source line, a caret, the hint. */
    cr_expect(strstr(a->text, "policy.regel:5:15: error: R has no field 'listad'"), "%s", a->text);
    cr_expect(strstr(a->text, "must B1 r.listad >= 1500 else \"x\""), "%s", a->text);
    cr_expect(strstr(a->text, "^^^^^^"), "%s", a->text);
    cr_expect(strstr(a->text, "hint: did you mean 'listade'?"), "%s", a->text);
    Diag *b = &ds.items[1];
    cr_expect_eq(b->line, 6);
    cr_expect_eq(b->column, 13);
    cr_expect_str_eq(b->message, "unknown name 'antal'");
}

Test(api, diagnostics_are_sorted_by_position)
{
    /* The checker finds the decision's error before the constant's (it
     * checks types first); the host gets them in file order. */
    const char *text = "const A = 1 + \"x\"\n"
                       "record R { x: Txt }\n";
    Diags ds = {0};
    regel_program *p;
    cr_expect_eq(regel_compile_string("s.regel", text, strlen(text), on_diag, &ds, &p), REGEL_ERR_POLICY);
    cr_assert_eq(ds.n, 2, "%s", all(&ds));
    cr_expect_eq(ds.items[0].line, 1);
    cr_expect_eq(ds.items[1].line, 2);
}

Test(api, column_counts_characters)
{
    const char *text = "const Å = \"åäö\" + ö\n";
    Diags ds = {0};
    regel_program *p;
    cr_expect_eq(regel_compile_string("c.regel", text, strlen(text), on_diag, &ds, &p), REGEL_ERR_POLICY);
    cr_assert_geq(ds.n, 1, "%s", all(&ds));
    cr_expect_eq(ds.items[0].line, 1);
    cr_expect_eq(ds.items[0].column, 19, "%s", all(&ds));
}

Test(api, syntax_errors_too)
{
    const char *text = "const A = )\nconst B = (\n";
    Diags ds = {0};
    regel_program *p;
    cr_expect_eq(regel_compile_string(NULL, text, strlen(text), on_diag, &ds, &p), REGEL_ERR_POLICY);
    cr_expect_geq(ds.n, 2, "%s", all(&ds));
    cr_expect_eq(ds.items[0].line, 1);
    cr_assert_not_null(ds.items[0].file, "text without a name gets one");
}

Test(api, no_callback_is_fine)
{
    const char *text = "const A = )\n";
    regel_program *p;
    cr_expect_eq(regel_compile_string("x.regel", text, strlen(text), NULL, NULL, &p), REGEL_ERR_POLICY);
    cr_expect_null(p);
}

Test(api, text_is_taken_by_length)
{
    /* The text need not be NUL-terminated; bytes past len are not read. */
    const char text[] = "const A = 1\n#######";
    regel_program *p;
    Diags ds = {0};
    cr_expect_eq(regel_compile_string("x.regel", text, 12, on_diag, &ds, &p), REGEL_OK, "%s", all(&ds));
    regel_program_free(p);
}

Test(api, text_can_import_the_stdlib)
{
    regel_program *p = compile_ok("d.regel", "import dates\ndecision d for x in [1] key \"k\" {\n    outcome ja | nej\n"
                                             "    field sista = last_of_month(today)\n}\n");
    Sink s = {0};
    regel_run_options o = options(&s);
    o.today = "2024-02-10";
    cr_assert_eq(regel_run(p, &o, NULL), REGEL_OK, "%s", s.reports);
    cr_expect(strstr(out(&s), "\"sista\":\"2024-02-29\""), "%s", out(&s));
    free(s.data);
    regel_program_free(p);

    /* A bare name from text looks in the stdlib only. */
    const char *text = "import exporter\n";
    Diags ds = {0};
    cr_expect_eq(regel_compile_string("i.regel", text, strlen(text), on_diag, &ds, &p), REGEL_ERR_POLICY);
    cr_assert_eq(ds.n, 1, "%s", all(&ds));
    cr_expect(strstr(ds.items[0].message, "exporter"), "%s", ds.items[0].message);
}

typedef struct Counter {
    int errors, others;
    regel_level last_level;
    unsigned long left_out;
    char last[256];
} Counter;

static void count_diag(void *ctx, const regel_diagnostic *d)
{
    Counter *c = ctx;
    if (d->level == REGEL_LEVEL_ERROR)
        c->errors++;
    else
        c->others++;
    c->last_level = d->level;
    c->left_out = d->errors_left_out;
    snprintf(c->last, sizeof c->last, "%s", d->message);
}

Test(api, many_errors_end_with_a_count_of_the_rest)
{
    static char text[16384];
    text[0] = '\0';
    for (int i = 0; i < 150; i++) {
        size_t k = strlen(text);
        snprintf(text + k, sizeof text - k, "const A%d = okand%d\n", i, i);
    }
    Counter c;
    memset(&c, 0, sizeof c);
    regel_program *p;
    cr_expect_eq(regel_compile_string("m.regel", text, strlen(text), count_diag, &c, &p), REGEL_ERR_POLICY);
    cr_expect_eq(c.errors, 100, "the first 100 are delivered");
    cr_expect_eq(c.others, 1, "then one note");
    cr_expect_eq(c.last_level, REGEL_LEVEL_NOTE);
    cr_expect_eq(c.left_out, 50);
    cr_expect(strstr(c.last, "50 more problems"), "%s", c.last);
}

/* Copies of a diagnostic's related locations, which live only for the call. */
typedef struct Related {
    int n;
    char file[64], message[160];
    long line, column, end_line, end_column;
    char text[2048];
    regel_level level;
} Related;

static void on_related(void *ctx, const regel_diagnostic *d)
{
    Related *r = ctx;
    r->level = d->level;
    r->n = (int)d->nrelated;
    snprintf(r->text, sizeof r->text, "%s", d->text);
    if (d->nrelated == 0)
        return;
    cr_assert_not_null(d->related);
    snprintf(r->file, sizeof r->file, "%s", d->related[0].file);
    snprintf(r->message, sizeof r->message, "%s", d->related[0].message);
    r->line = d->related[0].line;
    r->column = d->related[0].column;
    r->end_line = d->related[0].end_line;
    r->end_column = d->related[0].end_column;
}

Test(api, a_type_error_comes_with_where_the_type_was_declared)
{
    const char *text = "record R { id: Text  listade: Int }\n"
                       "source rs: R from jsonl \"r.jsonl\" key id\n"
                       "decision d for r in rs {\n"
                       "    outcome ja | nej\n"
                       "    must B1 r.listade >= \"6000\" else \"x\"\n"
                       "}\n";
    Related r;
    memset(&r, 0, sizeof r);
    regel_program *p;
    cr_expect_eq(regel_compile_string("policy.regel", text, strlen(text), on_related, &r, &p), REGEL_ERR_POLICY);
    cr_assert_eq(r.n, 1, "%s", r.text);
    cr_expect_str_eq(r.file, "policy.regel");
    cr_expect_str_eq(r.message, "field 'listade' of R is declared Int here");
    cr_expect_eq(r.line, 1);
    cr_expect_eq(r.column, 22);
    cr_expect_eq(r.end_line, 1);
    cr_expect_eq(r.end_column, 29);
    /* The text shows the note with its own location and source line. */
    cr_expect(strstr(r.text, "policy.regel:5:13: error: `>=` cannot compare Int with Text"), "%s", r.text);
    cr_expect(strstr(r.text, "policy.regel:1:22: note: field 'listade' of R is declared Int here\n"
                             " 1 | record R { id: Text  listade: Int }\n"
                             "   |                      ^^^^^^^\n"),
              "%s", r.text);
}

Test(api, warnings_alone_compile)
{
    const char *text = "decision d for x in [1] key \"k\" {\n    outcome ja | nej\n    should B3 true else \"x\"\n}\n";
    Related r;
    memset(&r, 0, sizeof r);
    regel_program *p = NULL;
    cr_expect_eq(regel_compile_string("w.regel", text, strlen(text), on_related, &r, &p), REGEL_OK);
    cr_expect_not_null(p);
    cr_expect_eq(r.level, REGEL_LEVEL_WARNING);
    cr_expect_eq(r.n, 0);
    cr_expect(strstr(r.text, "w.regel:3:15: warning: this `should` rule can never fail"), "%s", r.text);
    regel_program_free(p);
}

static void last_note(void *ctx, const regel_diagnostic *d)
{
    unsigned long *left_out = ctx;
    if (d->level == REGEL_LEVEL_NOTE) {
        left_out[0] = d->errors_left_out;
        left_out[1] = d->warnings_left_out;
    }
}

Test(api, the_note_counts_the_warnings_left_out)
{
    static char text[16384];
    snprintf(text, sizeof text, "fn f(n: Int) -> Int {\n");
    for (int i = 0; i < 130; i++) {
        size_t k = strlen(text);
        snprintf(text + k, sizeof text - k, "    let v%d = %d\n", i, i);
    }
    size_t k = strlen(text);
    snprintf(text + k, sizeof text - k, "    return n\n}\n");
    unsigned long left_out[2] = {99, 99};
    regel_program *p;
    cr_expect_eq(regel_compile_string("m.regel", text, strlen(text), last_note, left_out, &p), REGEL_OK);
    cr_expect_eq(left_out[0], 0);
    cr_expect_eq(left_out[1], 30);
    regel_program_free(p);
}

Test(api, compile_files_and_folders)
{
    char *sub = path_in("policies");
    cr_assert_eq(mkdir(sub, 0700), 0);
    write_file("policies/b.regel", "import a\ndecision bd for x in [A] key \"k\" {\n    outcome ja | nej\n}\n");
    write_file("policies/a.regel", "const A = 1\ndecision ad for x in [A] key \"k\" {\n    outcome ja | nej\n}\n");
    write_file("policies/notes.txt", "not a policy");
    Diags ds = {0};
    regel_program *p;
    const char *paths[] = {sub};
    cr_assert_eq(regel_compile_files(paths, 1, on_diag, &ds, &p), REGEL_OK, "%s", all(&ds));
    /* A folder is its .regel files in name order. */
    cr_assert_eq(regel_decision_count(p), 2);
    cr_expect_str_eq(regel_decision_name(p, 0), "ad");
    cr_expect_str_eq(regel_decision_name(p, 1), "bd");
    regel_program_free(p);
    free(sub);
}

Test(api, errors_name_the_file_they_are_in)
{
    write_file("broken.regel", "const A = 1\nconst B = A +\n");
    char *path = path_in("broken.regel");
    Diags ds = {0};
    regel_program *p;
    const char *paths[] = {path};
    cr_expect_eq(regel_compile_files(paths, 1, on_diag, &ds, &p), REGEL_ERR_POLICY);
    cr_assert_geq(ds.n, 1);
    cr_expect_str_eq(ds.items[0].file, path);
    free(path);
}

Test(api, missing_policy_path)
{
    char *path = path_in("nowhere.regel");
    Diags ds = {0};
    regel_program *p;
    const char *paths[] = {path};
    cr_expect_eq(regel_compile_files(paths, 1, on_diag, &ds, &p), REGEL_ERR_POLICY);
    cr_expect_null(p);
    cr_assert_eq(ds.n, 1, "%s", all(&ds));
    cr_expect_null(ds.items[0].file, "not a problem inside a file");
    cr_expect(strstr(ds.items[0].message, "no such file or folder"), "%s", ds.items[0].message);
    cr_expect(strstr(ds.items[0].message, "nowhere.regel"), "%s", ds.items[0].message);
    free(path);
}

Test(api, empty_folder)
{
    char *sub = path_in("empty");
    cr_assert_eq(mkdir(sub, 0700), 0);
    Diags ds = {0};
    regel_program *p;
    const char *paths[] = {sub};
    cr_expect_eq(regel_compile_files(paths, 1, on_diag, &ds, &p), REGEL_ERR_POLICY);
    cr_assert_eq(ds.n, 1, "%s", all(&ds));
    cr_expect(strstr(ds.items[0].message, "has no .regel files"), "%s", ds.items[0].message);
    free(sub);
}

/* ---------------------------------------------------------------- running */

Test(api, run_writes_one_json_line_per_decision_and_key)
{
    write_file("vardcentraler.csv", EXPORT);
    regel_program *p = compile_ok("st.regel", POLICY);
    Sink s = {0};
    regel_run_options o = options(&s);
    regel_run_summary sum;
    cr_assert_eq(regel_run(p, &o, &sum), REGEL_OK, "%s", s.reports);
    cr_expect_str_eq(out(&s),
                     "{\"decision\":\"ytterligare_st\",\"id\":\"SE1\",\"outcome\":\"ja\",\"reasons\":[],\"per_st\":"
                     "\"2076.666666666666667\"}\n"
                     "{\"decision\":\"ytterligare_st\",\"id\":\"SE2\",\"outcome\":\"nej\",\"reasons\":["
                     "{\"ref\":\"B1\",\"severity\":\"must\",\"message\":\"4 400 listade räcker inte (det krävs 4 500 listade)\"},"
                     "{\"ref\":\"K1\",\"severity\":\"should\",\"message\":\"Vårdcentralen Hjällbo uppfyller inte "
                     "kvalitetskriterierna\"}],\"per_st\":\"1466.666666666666667\"}\n"
                     "{\"decision\":\"kvalitet\",\"id\":\"SE1\",\"outcome\":\"ja\",\"reasons\":[]}\n"
                     "{\"decision\":\"kvalitet\",\"id\":\"SE2\",\"outcome\":\"nej\",\"reasons\":["
                     "{\"ref\":\"K1\",\"severity\":\"must\",\"message\":\"nej\"}]}\n");
    cr_expect_eq(sum.decided, 4);
    cr_expect_eq(sum.failed, 0);
    cr_expect_eq(sum.invalid, 0);
    cr_expect_eq(sum.read, 2, "two records in the export (counted once though both decisions read it)");
    cr_expect_eq(s.nreports, 0, "%s", s.reports);
    free(s.data);
    regel_program_free(p);
}

Test(api, run_only_the_named_decisions)
{
    write_file("vardcentraler.csv", EXPORT);
    regel_program *p = compile_ok("st.regel", POLICY);
    Sink s = {0};
    regel_run_options o = options(&s);
    const char *only[] = {"kvalitet"};
    o.decisions = only;
    o.ndecisions = 1;
    cr_assert_eq(regel_run(p, &o, NULL), REGEL_OK, "%s", s.reports);
    cr_expect_null(strstr(out(&s), "ytterligare_st"), "%s", out(&s));
    cr_expect(strstr(out(&s), "\"decision\":\"kvalitet\",\"id\":\"SE2\""), "%s", out(&s));
    free(s.data);
    regel_program_free(p);
}

Test(api, unknown_decision_is_a_usage_error)
{
    regel_program *p = compile_ok("st.regel", POLICY);
    Sink s = {0};
    regel_run_options o = options(&s);
    const char *only[] = {"kvalitet", "ytterligare"};
    o.decisions = only;
    o.ndecisions = 2;
    regel_run_summary sum;
    cr_expect_eq(regel_run(p, &o, &sum), REGEL_ERR_USAGE);
    cr_expect(strstr(s.reports, "no decision called 'ytterligare'; did you mean 'ytterligare_st'?"), "%s", s.reports);
    cr_expect_eq(s.len, 0, "nothing is written");
    cr_expect_eq(sum.decided, 0);
    regel_program_free(p);
}

Test(api, malformed_today_is_a_usage_error)
{
    regel_program *p = compile_ok("st.regel", POLICY);
    const char *bad[] = {"2026-02-30", "2026-2-28", "28/2/2026", "today", "", "2026-02-28 "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        Sink s = {0};
        regel_run_options o = options(&s);
        o.today = bad[i];
        cr_expect_eq(regel_run(p, &o, NULL), REGEL_ERR_USAGE, "today = \"%s\"", bad[i]);
        cr_expect_eq(s.nreports, 1, "one report says why: %s", s.reports);
        cr_expect(strstr(s.reports, bad[i]), "the report quotes the date: %s", s.reports);
        cr_expect_eq(s.len, 0);
    }
    regel_program_free(p);
}

Test(api, today_is_what_the_rules_see)
{
    regel_program *p = compile_ok("t.regel", "decision d for x in [1] key \"k\" {\n    outcome ja | nej\n"
                                             "    field idag = today\n    field om_en_manad = today + 1 month\n}\n");
    Sink s = {0};
    regel_run_options o = options(&s);
    o.today = "2024-01-31";
    cr_assert_eq(regel_run(p, &o, NULL), REGEL_OK, "%s", s.reports);
    cr_expect_str_eq(out(&s), "{\"decision\":\"d\",\"id\":\"k\",\"outcome\":\"ja\",\"reasons\":[],"
                              "\"idag\":\"2024-01-31\",\"om_en_manad\":\"2024-02-29\"}\n");
    free(s.data);
    /* Without a date the machine's is used. */
    Sink t = {0};
    o = options(&t);
    o.today = NULL;
    cr_expect_eq(regel_run(p, &o, NULL), REGEL_OK);
    cr_expect(strstr(out(&t), "\"idag\":\""), "%s", out(&t));
    free(t.data);
    regel_program_free(p);
}

Test(api, missing_data_dir_is_a_data_error)
{
    regel_program *p = compile_ok("st.regel", POLICY);
    Sink s = {0};
    regel_run_options o = options(&s);
    char *missing = path_in("no-such-folder");
    o.data_dir = missing;
    regel_run_summary sum;
    cr_expect_eq(regel_run(p, &o, &sum), REGEL_ERR_DATA);
    cr_expect(strstr(s.reports, "vardcentraler.csv"), "the report names the export: %s", s.reports);
    cr_expect_eq(sum.decided, 0);
    free(missing);
    free(s.data);
    regel_program_free(p);
}

Test(api, invalid_record_stops_or_is_skipped)
{
    write_file("vardcentraler.csv", "HSA-id;Namn;Listade invånare;Kvalitet\n"
                                    "SE1;A;6 230;ja\n"
                                    "SE2;B;9000;ja\n");
    regel_program *p = compile_ok("st.regel", POLICY);

    Sink s = {0};
    regel_run_options o = options(&s);
    regel_run_summary sum;
    /* The policy does not say: an invalid record stops the run. */
    cr_expect_eq(regel_run(p, &o, &sum), REGEL_ERR_DATA);
    cr_expect(strstr(s.reports, "vardcentraler.csv:2: field \"Listade invånare\": expected Int, got \"6 230\""), "%s",
              s.reports);
    cr_expect_eq(sum.invalid, 1);
    free(s.data);

    Sink k = {0};
    o = options(&k);
    o.on_invalid = REGEL_INVALID_SKIP;
    cr_expect_eq(regel_run(p, &o, &sum), REGEL_OK, "%s", k.reports);
    cr_expect(strstr(k.reports, "expected Int, got \"6 230\""), "the record is still reported: %s", k.reports);
    cr_expect_null(strstr(out(&k), "\"SE1\""), "%s", out(&k));
    cr_expect(strstr(out(&k), "\"id\":\"SE2\""), "%s", out(&k));
    cr_expect_eq(sum.invalid, 1, "reported once even though two decisions read the file");
    cr_expect_eq(sum.decided, 2);
    free(k.data);
    regel_program_free(p);
}

Test(api, policy_can_ask_to_skip_invalid_records)
{
    write_file("r.jsonl", "{\"id\":\"a\",\"n\":1}\n{\"id\":\"b\",\"n\":\"x\"}\n{\"id\":\"a\",\"n\":2}\n");
    regel_program *p = compile_ok("j.regel", "record R { id: Text  n: Int }\n"
                                             "source rs: R from jsonl(invalid: skip) \"r.jsonl\" key id\n"
                                             "decision d for r in rs {\n    outcome ja | nej\n    field n = r.n\n}\n");
    Sink s = {0};
    regel_run_options o = options(&s);
    regel_run_summary sum;
    cr_expect_eq(regel_run(p, &o, &sum), REGEL_OK, "%s", s.reports);
    cr_expect_str_eq(out(&s), "{\"decision\":\"d\",\"id\":\"a\",\"outcome\":\"ja\",\"reasons\":[],\"n\":1}\n");
    cr_expect(strstr(s.reports, "r.jsonl:2: field \"n\": expected Int, got \"x\""), "%s", s.reports);
    cr_expect(strstr(s.reports, "r.jsonl:3: field \"id\": the key a was already used on line 1; the first record counts"),
              "%s", s.reports);
    cr_expect_eq(sum.invalid, 2);
    cr_expect_eq(sum.read, 3);
    /* The run's choice wins over the policy's. */
    Sink f = {0};
    o = options(&f);
    o.on_invalid = REGEL_INVALID_FAIL;
    cr_expect_eq(regel_run(p, &o, &sum), REGEL_ERR_DATA);
    free(s.data);
    free(f.data);
    regel_program_free(p);
}

Test(api, evaluation_error_gives_fel_and_eval_status)
{
    write_file("vardcentraler.csv", "HSA-id;Namn;Listade invånare;Kvalitet\nSE1;A;0;ja\nSE2;B;9000;ja\n");
    regel_program *p = compile_ok("e.regel", "format k = csv(separator: \";\", yes: \"ja\", no: \"nej\")\n"
                                             "record V { id: Text from \"HSA-id\"  n: Int from \"Listade invånare\" }\n"
                                             "source vs: V from k \"vardcentraler.csv\" key id\n"
                                             "decision d for v in vs {\n    outcome ja | nej\n"
                                             "    must A1 9000 / v.n >= 1 else \"m\"\n}\n");
    Sink s = {0};
    regel_run_options o = options(&s);
    regel_run_summary sum;
    cr_expect_eq(regel_run(p, &o, &sum), REGEL_ERR_EVAL);
    cr_expect_eq(sum.failed, 1);
    cr_expect_eq(sum.decided, 1);
    cr_expect(strstr(out(&s), "{\"decision\":\"d\",\"id\":\"SE1\",\"outcome\":\"fel\",\"reasons\":[{\"ref\":\"fel\","
                              "\"severity\":\"must\",\"message\":\"e.regel:6:13: division by zero\"}]}\n"),
              "%s", out(&s));
    cr_expect(strstr(out(&s), "\"id\":\"SE2\",\"outcome\":\"ja\""), "%s", out(&s));
    cr_expect(strstr(s.reports, "division by zero"), "%s", s.reports);
    free(s.data);
    regel_program_free(p);
}

Test(api, limits_apply_per_decision_and_subject)
{
    regel_program *p = compile_ok("l.regel", "decision d for x in [10, 100000] key text(x) {\n    outcome ja | nej\n"
                                             "    must A1 count(map(flatten(map([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], [it])), it * x)) > 0 else \"m\"\n}\n");
    Sink s = {0};
    regel_run_options o = options(&s);
    o.limits.max_steps = 50;
    regel_run_summary sum;
    cr_expect_eq(regel_run(p, &o, &sum), REGEL_ERR_EVAL);
    cr_expect(strstr(out(&s), "took more steps than its limit allows"), "%s", out(&s));
    cr_expect_eq(sum.failed, 2);
    free(s.data);
    regel_program_free(p);
}

Test(api, failing_write_is_an_output_error)
{
    write_file("vardcentraler.csv", EXPORT);
    regel_program *p = compile_ok("st.regel", POLICY);
    Sink s = {0};
    s.fail_after = 1;
    regel_run_options o = options(&s);
    cr_expect_eq(regel_run(p, &o, NULL), REGEL_ERR_OUTPUT);
    regel_program_free(p);
}

Test(api, csv_and_table_formats)
{
    write_file("vardcentraler.csv", EXPORT);
    regel_program *p = compile_ok("st.regel", POLICY);
    Sink c = {0};
    regel_run_options o = options(&c);
    o.format = REGEL_FORMAT_CSV;
    const char *only[] = {"kvalitet"};
    o.decisions = only;
    o.ndecisions = 1;
    cr_assert_eq(regel_run(p, &o, NULL), REGEL_OK, "%s", c.reports);
    cr_expect_str_eq(out(&c), "decision,id,outcome,refs,messages,fields\r\n"
                              "kvalitet,SE1,ja,,,\r\n"
                              "kvalitet,SE2,nej,K1,nej,\r\n");
    Sink t = {0};
    o = options(&t);
    o.format = REGEL_FORMAT_TABLE;
    o.decisions = only;
    o.ndecisions = 1;
    cr_assert_eq(regel_run(p, &o, NULL), REGEL_OK, "%s", t.reports);
    cr_expect(strncmp(out(&t), "kvalitet\n", 9) == 0, "%s", out(&t));
    cr_expect(strstr(out(&t), "SE2") && strstr(out(&t), "K1"), "%s", out(&t));
    free(c.data);
    free(t.data);
    regel_program_free(p);
}

Test(api, run_without_program_or_options)
{
    regel_run_options o;
    regel_run_options_init(&o);
    cr_expect_eq(regel_run(NULL, &o, NULL), REGEL_ERR_USAGE);
    regel_program *p = compile_ok("st.regel", POLICY);
    cr_expect_eq(regel_run(p, NULL, NULL), REGEL_ERR_USAGE);
    regel_program_free(p);
}

/* The library writes nowhere by itself: a run, a comparison or a test run
 * without a write function is refused, and says why. */
Test(api, output_needs_a_write_function)
{
    write_file("vardcentraler.csv", EXPORT);
    regel_program *p = compile_ok("st.regel", POLICY);
    Sink s = {0};
    regel_run_options o = options(&s);
    o.write = NULL;
    cr_expect_eq(regel_run(p, &o, NULL), REGEL_ERR_USAGE);
    cr_expect(strstr(s.reports, "regel_run needs a write function"), "%s", s.reports);
    cr_expect_eq(regel_diff(p, p, &o, NULL), REGEL_ERR_USAGE);
    cr_expect(strstr(s.reports, "regel_diff needs a write function"), "%s", s.reports);
    regel_test_options t;
    regel_test_options_init(&t);
    t.report = on_report;
    t.report_ctx = &s;
    const char *paths[] = {"st.regel"};
    cr_expect_eq(regel_test(paths, 1, NULL, NULL, &t, NULL), REGEL_ERR_USAGE);
    cr_expect(strstr(s.reports, "regel_test needs a write function"), "%s", s.reports);
    cr_expect_eq(regel_test(paths, 1, NULL, NULL, NULL, NULL), REGEL_ERR_USAGE);
    regel_program_free(p);
}

Test(api, a_program_runs_many_times)
{
    write_file("vardcentraler.csv", EXPORT);
    regel_program *p = compile_ok("st.regel", POLICY);
    char *first = NULL;
    for (int i = 0; i < 3; i++) {
        Sink s = {0};
        regel_run_options o = options(&s);
        cr_assert_eq(regel_run(p, &o, NULL), REGEL_OK);
        if (!first)
            first = strdup(out(&s));
        else
            cr_expect_str_eq(out(&s), first);
        free(s.data);
    }
    free(first);
    regel_program_free(p);
}

/* ---------------------------------------------------------------- disassembly */

Test(api, disassemble)
{
    regel_program *p = compile_ok("st.regel", POLICY);
    char *all_chunks = regel_disassemble(p, NULL);
    cr_assert_not_null(all_chunks);
    cr_expect(strstr(all_chunks, "== ytterligare_st"), "%s", all_chunks);
    cr_expect(strstr(all_chunks, "== kvalitet"), "%s", all_chunks);
    cr_expect(strstr(all_chunks, "; 4500"), "1500 * 3 is folded:\n%s", all_chunks);
    regel_free(all_chunks);

    char *one = regel_disassemble(p, "kvalitet");
    cr_assert_not_null(one);
    cr_expect(strstr(one, "== kvalitet"), "%s", one);
    cr_expect_null(strstr(one, "ytterligare_st"), "%s", one);
    cr_expect(strstr(one, "; rule K1"), "%s", one);
    regel_free(one);

    cr_expect_null(regel_disassemble(p, "nowhere"));
    cr_expect_null(regel_disassemble(NULL, NULL));
    regel_program_free(p);
}

typedef struct Progress {
    int calls;
    unsigned long long read, written;
} Progress;

static void on_progress(void *ctx, unsigned long long read, unsigned long long written)
{
    Progress *p = ctx;
    p->calls++;
    p->read = read;
    p->written = written;
}

Test(api, a_long_run_reports_its_progress)
{
    /* 5 000 centres: two decisions each, so a progress report comes
     * after the first 4 096 lines. */
    FILE *f;
    char path[256];
    snprintf(path, sizeof path, "%s/vardcentraler.csv", dir);
    cr_assert_not_null(f = fopen(path, "w"));
    fputs("HSA-id;Namn;Listade invånare;Kvalitet\n", f);
    for (int i = 0; i < 5000; i++)
        fprintf(f, "SE%d;Vårdcentral %d;%d;ja\n", i, i, 4000 + i);
    fclose(f);
    regel_program *p = compile_ok("st.regel", POLICY);
    Sink s = {0};
    regel_run_options o = options(&s);
    Progress pr = {0};
    o.progress = on_progress;
    o.progress_ctx = &pr;
    regel_run_summary sum;
    cr_assert_eq(regel_run(p, &o, &sum), REGEL_OK, "%s", s.reports);
    cr_expect_eq(sum.decided, 10000);
    cr_expect_geq(pr.calls, 1);
    cr_expect_eq(pr.written % 4096, 0, "at a multiple of 4 096 lines: %llu", pr.written);
    cr_expect(pr.written >= 4096 && pr.written < 10000, "%llu", pr.written);
    cr_expect(pr.read > 0 && pr.read <= 5000, "records read so far: %llu", pr.read);
    free(s.data);
    regel_program_free(p);
}

Test(api, diff_refuses_what_it_cannot_compare)
{
    write_file("vardcentraler.csv", EXPORT);
    regel_program *a = compile_ok("st.regel", POLICY), *b = compile_ok("st.regel", POLICY);
    Sink s = {0};
    regel_run_options o = options(&s);
    o.format = REGEL_FORMAT_TABLE;
    int changed = 7;
    /* The same policy twice: nothing changed. */
    cr_assert_eq(regel_diff(a, b, &o, &changed), REGEL_OK, "%s", s.reports);
    cr_expect_eq(changed, 0);
    cr_expect_str_eq(out(&s), "ytterligare_st: 2 lines, no change\nkvalitet: 2 lines, no change\n");
    cr_expect_eq(regel_diff(a, b, &o, NULL), REGEL_OK, "changed may be NULL");
    /* An explanation or CSV is not a comparison. */
    o.format = REGEL_FORMAT_CSV;
    cr_expect_eq(regel_diff(a, b, &o, &changed), REGEL_ERR_USAGE);
    cr_expect(strstr(s.reports, "a comparison is text (table) or JSON (jsonl), and explains nothing"), "%s", s.reports);
    o.format = REGEL_FORMAT_TABLE;
    o.explain = 1;
    s.reports[0] = '\0';
    cr_expect_eq(regel_diff(a, b, &o, &changed), REGEL_ERR_USAGE);
    cr_expect(strstr(s.reports, "explains nothing"), "%s", s.reports);
    o.explain = 0;
    /* A date that is not one, a decision one version lacks. */
    o.today = "2026-02-30";
    s.reports[0] = '\0';
    cr_expect_eq(regel_diff(a, b, &o, &changed), REGEL_ERR_USAGE);
    cr_expect(strstr(s.reports, "2026-02-30 is not a date in the calendar"), "%s", s.reports);
    o.today = "2026-11-22";
    const char *only[] = {"kvalitett"};
    o.decisions = only;
    o.ndecisions = 1;
    s.reports[0] = '\0';
    cr_expect_eq(regel_diff(a, b, &o, &changed), REGEL_ERR_USAGE);
    cr_expect(strstr(s.reports, "the policy has no decision called 'kvalitett'; did you mean 'kvalitet'?"), "%s",
              s.reports);
    o.decisions = NULL;
    o.ndecisions = 0;
    /* Programs or options that are not there. */
    cr_expect_eq(regel_diff(NULL, b, &o, &changed), REGEL_ERR_USAGE);
    cr_expect_eq(regel_diff(a, NULL, &o, &changed), REGEL_ERR_USAGE);
    cr_expect_eq(regel_diff(a, b, NULL, &changed), REGEL_ERR_USAGE);
    o.write = NULL;
    cr_expect_eq(regel_diff(a, b, &o, &changed), REGEL_ERR_USAGE);
    free(s.data);
    regel_program_free(a);
    regel_program_free(b);
}

Test(api, test_refuses_dates_and_percentages_that_are_not_ones)
{
    write_file("t.regel", "const A = 1\n\ntest \"t\" {\n    expect A == 1\n}\n");
    char path[256];
    snprintf(path, sizeof path, "%s/t.regel", dir);
    const char *paths[] = {path};
    Sink s = {0};
    regel_test_options o;
    regel_test_options_init(&o);
    o.write = on_write;
    o.write_ctx = &s;
    o.report = on_report;
    o.report_ctx = &s;
    o.today = "2026-02-30";
    cr_expect_eq(regel_test(paths, 1, NULL, NULL, &o, NULL), REGEL_ERR_USAGE);
    cr_expect(strstr(s.reports, "2026-02-30 is not a date in the calendar"), "%s", s.reports);
    o.today = "22/11/2026";
    cr_expect_eq(regel_test(paths, 1, NULL, NULL, &o, NULL), REGEL_ERR_USAGE);
    cr_expect(strstr(s.reports, "the date for today is written YYYY-MM-DD, not '22/11/2026'"), "%s", s.reports);
    o.today = NULL;
    o.min_coverage = 101;
    cr_expect_eq(regel_test(paths, 1, NULL, NULL, &o, NULL), REGEL_ERR_USAGE);
    cr_expect(strstr(s.reports, "the required rule coverage is a percentage from 0 to 100, not 101"), "%s", s.reports);
    o.min_coverage = 0;
    regel_test_summary sum;
    cr_expect_eq(regel_test(paths, 1, NULL, NULL, &o, &sum), REGEL_OK, "%s", s.reports);
    cr_expect_eq(sum.passed, 1);
    cr_expect(strstr(out(&s), "1 passed, 0 failed\n"), "%s", out(&s));
    o.write = NULL;
    cr_expect_eq(regel_test(paths, 1, NULL, NULL, &o, NULL), REGEL_ERR_USAGE);
    cr_expect_eq(regel_test(paths, 1, NULL, NULL, NULL, NULL), REGEL_ERR_USAGE);
    free(s.data);
}
