/*
 * test_oom.c — out of memory, injected (issue 7): for each scenario (a
 * compile, a load, a run, a decision, a REPL line ...), the n-th
 * allocation is made to fail as exhausted memory does, for every n from 1
 * until the scenario runs through without reaching a failure, once with
 * that one allocation failing and once with every allocation from it on
 * failing. Each time the scenario must return the out-of-memory error (or,
 * when only one allocation failed and something recovered from it, the
 * right answer, never a wrong one), not crash, exit or abort, leave no
 * file descriptor open, and let every handle be freed; the run after the
 * last point is the fresh operation that must succeed.
 *
 * Each scenario is a test of its own; a report hook in the runner adds up
 * what they tried and prints one line.
 */
#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "lsp.h"
#include "regel.h"
#include "repl.h"

/* ---------------------------------------------------------------- the policy and its exports */

static const char helpers_text[] = "fn krav(faktor: Int) -> Int = 1500 * faktor\n";

/* policy.regel: imports helpers.regel beside it; its body, with the
 * helper in front, is the text compiled from a string. */
#define POLICY_BODY                                                                              \
    "enum Niva = lag as \"låg\" | hog as \"hög\"\n"                                              \
    "\n"                                                                                         \
    "record Omrade {\n"                                                                          \
    "    namn: Text\n"                                                                           \
    "    faktor: Int\n"                                                                          \
    "}\n"                                                                                        \
    "\n"                                                                                         \
    "record Centrum {\n"                                                                         \
    "    id: Text\n"                                                                             \
    "    omrade: Text\n"                                                                         \
    "    listade: Int\n"                                                                         \
    "    niva: Niva\n"                                                                           \
    "}\n"                                                                                        \
    "\n"                                                                                         \
    "source omraden: Omrade from jsonl \"omraden.jsonl\" key namn\n"                             \
    "source centrum: Centrum from csv \"centrum.csv\" key id\n"                                  \
    "\n"                                                                                         \
    "decision bedomning for vc in centrum key vc.id {\n"                                         \
    "    outcome ja | nej\n"                                                                     \
    "    let faktor = omraden[vc.omrade]?.faktor ?? 1\n"                                         \
    "    must A1 vc.listade >= krav(faktor) else \"{vc.listade} listade, krav {krav(faktor)}\"\n" \
    "    should B1 vc.niva == hog else \"nivån är {vc.niva}\"\n"                                 \
    "    field niva = vc.niva\n"                                                                 \
    "}\n"                                                                                        \
    "\n"                                                                                         \
    "decision omrade for o in omraden key o.namn {\n"                                            \
    "    outcome ja | nej\n"                                                                     \
    "    must O1 count(centrum where .omrade == o.namn) > 0 else \"inga vårdcentraler i {o.namn}\"\n" \
    "}\n"                                                                                        \
    "\n"                                                                                         \
    "test \"A1 håller\" {\n"                                                                     \
    "    given centrum = [Centrum(id: \"E1\", omrade: \"X\", listade: 2000, niva: hog)]\n"       \
    "    expect bedomning(first(centrum)!).failed == []\n"                                      \
    "}\n"

static const char policy_file[] = "import helpers\n\n" POLICY_BODY;
static const char policy_string[] = "fn krav(faktor: Int) -> Int = 1500 * faktor\n\n" POLICY_BODY;

/* The next version, for diff: A1 asks for less. */
static const char helpers_v2[] = "fn krav(faktor: Int) -> Int = 1000 * faktor\n";

/* A policy with errors, a hint and a warning. */
static const char broken_text[] = "record R {\n"
                                  "    listade: Int\n"
                                  "}\n"
                                  "source rs: R from jsonl \"r.jsonl\"\n"
                                  "decision d for r in rs {\n"
                                  "    outcome ja | nej\n"
                                  "    let oanvand = 1\n"
                                  "    must A1 r.listad > 1 else \"x\"\n"
                                  "    must A2 r.listade + \"x\" else \"y\"\n"
                                  "}\n";

/* Text regel fmt lays out anew. */
static const char unformatted_text[] = "# A comment.\n"
                                       "record  R {listade:Int\n"
                                       "  namn : Text}\n\n\n"
                                       "const   A=1+2*3   # why\n"
                                       "fn f(x:Int)->Int=x*A\n";

static const char centrum_csv[] = "id,omrade,listade,niva\n"
                                  "E1,Norr,6000,hog\n"
                                  "E2,Söder,1200,lag\n"
                                  "E3,Väster,3100,hog\n";

static const char omraden_jsonl[] = "{\"namn\":\"Norr\",\"faktor\":2}\n"
                                    "{\"namn\":\"Söder\",\"faktor\":1}\n";

static char dir[64];

static const char *in_dir(const char *name)
{
    static char paths[8][sizeof dir + 256];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, sizeof paths[0], "%s/%s", dir, name);
    return p;
}

static void write_file(const char *name, const char *text)
{
    FILE *f = fopen(in_dir(name), "wb");
    cr_assert_not_null(f, "cannot write %s", name);
    fputs(text, f);
    fclose(f);
}

/* The folder: the policy with its import, the exports, each export alone
 * in a folder of its own, a second version of the policy, a broken one. */
static void setup(void)
{
    strcpy(dir, "/tmp/regel-oom-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    const char *const subs[] = {"csv", "jsonl", "v2", "broken", "kurser", "big"};
    for (size_t i = 0; i < sizeof subs / sizeof *subs; i++)
        cr_assert_eq(mkdir(in_dir(subs[i]), 0700), 0);
    write_file("policy.regel", policy_file);
    write_file("helpers.regel", helpers_text);
    write_file("centrum.csv", centrum_csv);
    write_file("omraden.jsonl", omraden_jsonl);
    write_file("csv/centrum.csv", centrum_csv);
    write_file("jsonl/omraden.jsonl", omraden_jsonl);
    write_file("v2/policy.regel", policy_file);
    write_file("v2/helpers.regel", helpers_v2);
    write_file("broken/broken.regel", broken_text);
    write_file("kurser/kurser.jsonl", "{\"kod\":\"K1\"}\n{\"kod\":\"K2\"}\n");
    write_file("repl-input", "let k = krav(2) + 1\n"
                             "k * 10\n"
                             ":type [k]\n"
                             "fn dubbel(x: Int) -> Int = x * 2\n"
                             "dubbel(k)\n");
}

static void teardown(void)
{
    char cmd[sizeof dir + 16];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_expect_eq(system(cmd), 0);
}

TestSuite(oom, .init = setup, .fini = teardown, .timeout = 600);

/* ---------------------------------------------------------------- the driver */

/* What a scenario's operation gave, as text, for comparing with what it
 * gives when no allocation fails. */
typedef struct Text {
    char *data;
    size_t len, cap;
} Text;

static void text_add(Text *t, const char *data, size_t n)
{
    if (t->len + n + 1 > t->cap) {
        t->cap = (t->len + n + 1) * 2;
        t->data = realloc(t->data, t->cap);
        cr_assert_not_null(t->data);
    }
    memcpy(t->data + t->len, data, n);
    t->len += n;
    t->data[t->len] = '\0';
}

static void text_adds(Text *t, const char *s)
{
    text_add(t, s ? s : "(null)", strlen(s ? s : "(null)"));
}

static void text_clear(Text *t)
{
    t->len = 0;
    if (t->data)
        t->data[0] = '\0';
}

static Text result;

/* Where the injection stands: the point the driver chose, armed by the
 * scenario once its setup is done and disarmed before it looks at what it
 * got, so that neither is counted. */
static uint64_t point;
static bool keep_failing;
static bool armed;
static uint64_t reached; /* allocations counted while armed */

static void arm(void)
{
    rg_alloc_fail_at(point, keep_failing);
    armed = true;
}

static void disarm(void)
{
    if (!armed)
        return;
    reached = rg_alloc_count();
    rg_alloc_fail_at(0, false);
    armed = false;
}

static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    cr_assert_not_null(d);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += e->d_name[0] != '.';
    closedir(d);
    return n;
}

/* The scenarios run in worker processes, one each; each adds a line to
 * the file the runner names in REGEL_OOM_TALLY, and the runner sums them
 * up at the end in one line. */
#define TALLY_VARIABLE "REGEL_OOM_TALLY"

static void tally(unsigned long points, double secs)
{
    const char *path = getenv(TALLY_VARIABLE);
    if (!path)
        return;
    char line[64];
    int n = snprintf(line, sizeof line, "%lu %.3f\n", points, secs);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    cr_assert_geq(fd, 0);
    cr_assert_eq(write(fd, line, (size_t)n), n);
    close(fd);
}

ReportHook(PRE_ALL)(struct criterion_test_set *tests)
{
    (void)tests;
    char path[64];
    snprintf(path, sizeof path, "/tmp/regel-oom-tally-%ld", (long)getpid());
    unlink(path);
    setenv(TALLY_VARIABLE, path, 1);
}

ReportHook(POST_ALL)(struct criterion_global_stats *stats)
{
    (void)stats;
    const char *path = getenv(TALLY_VARIABLE);
    FILE *f = path ? fopen(path, "r") : NULL;
    if (!f)
        return;
    unsigned long scenarios = 0, points = 0, p;
    double secs = 0, t;
    while (fscanf(f, "%lu %lf", &p, &t) == 2) {
        scenarios++;
        points += p;
        secs += t;
    }
    fclose(f);
    unlink(path);
    fprintf(stderr, "oom: %lu scenarios, %lu injected failures (each allocation failing alone, then with every one "
            "after it), %.1f s\n", scenarios, points, secs);
}

/* A scenario does its setup, runs its operation between arm() and
 * disarm(), puts what the operation gave into `result`, frees every
 * handle it made, and returns the operation's status. */
typedef regel_status (*Scenario)(void);

static void drive(const char *name, Scenario scenario)
{
    rg_alloc_init();
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    /* What the operation gives when nothing fails. */
    point = 0;
    text_clear(&result);
    regel_status want = scenario();
    Text expected = {0};
    text_add(&expected, result.data ? result.data : "", result.len);
    unsigned long points = 0, recovered = 0;
    uint64_t allocations = reached;
    for (int keep = 0; keep < 2; keep++) {
        for (uint64_t n = 1;; n++) {
            point = n;
            keep_failing = keep;
            text_clear(&result);
            int before = open_fds();
            regel_status st = scenario();
            disarm();
            const char *how = keep ? " and every one after" : "";
            cr_assert_eq(open_fds(), before, "%s: a file descriptor leaked with allocation %llu%s failing", name,
                         (unsigned long long)n, how);
            bool failed = reached >= n;
            /* A failure must come back as the out-of-memory error; only
             * one the library recovered from may give the answer, and then
             * the right one. The run that no failure reached is the fresh
             * operation after all the failed ones. */
            if (st != REGEL_ERR_NOMEM || !failed) {
                cr_assert(!keep || !failed, "%s: status %d with allocation %llu%s failing", name, st,
                          (unsigned long long)n, how);
                cr_assert_eq(st, want, "%s: status %d, not %d, with allocation %llu%s failing", name, st, want,
                             (unsigned long long)n, how);
                cr_assert_str_eq(result.data ? result.data : "", expected.data ? expected.data : "",
                                 "%s: a different answer with allocation %llu%s failing", name,
                                 (unsigned long long)n, how);
            }
            if (!failed)
                break;
            points++;
            recovered += st != REGEL_ERR_NOMEM;
        }
    }
    free(expected.data);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    cr_log_info("oom: %s: %llu allocations, %lu points tried (%lu recovered from), %.2f s", name,
                (unsigned long long)allocations, points, recovered, secs);
    tally(points, secs);
}

/* ---------------------------------------------------------------- host side helpers */

static int append(void *ctx, const char *data, size_t n)
{
    text_add(ctx, data, n);
    return 0;
}

static void collect_diag(void *ctx, const regel_diagnostic *d)
{
    text_adds(ctx, d->text);
}

static void collect_line(void *ctx, const char *line)
{
    text_adds(ctx, line);
    text_adds(ctx, "\n");
}

static const char *const dir_paths[1] = {dir};

static regel_program *compiled(unsigned flags)
{
    regel_program *p;
    regel_status st = regel_compile_files_with(dir_paths, 1, flags, NULL, NULL, &p);
    cr_assert_eq(st, REGEL_OK, "the policy does not compile: %d", st);
    return p;
}

/* The program's bytecode, for comparing two programs. */
static void add_disassembly(const regel_program *p)
{
    char *text = regel_disassemble(p, NULL);
    cr_assert_not_null(text);
    text_adds(&result, text);
    regel_free(text);
}

static void run_options(regel_run_options *o, Text *out)
{
    regel_run_options_init(o);
    o->data_dir = dir;
    o->today = "2026-11-22";
    o->write = append;
    o->write_ctx = out;
    o->report = collect_line;
    o->report_ctx = out;
}

/* A Centrum record as a host builds one. */
static regel_status centrum_record(const regel_program *p, const char *id, const char *omrade, long long listade,
                                   const char *niva, regel_record **out)
{
    regel_status st = regel_record_new(p, regel_source_record_type(p, "centrum"), out);
    if (st != REGEL_OK)
        return st;
    regel_record *r = *out;
    if ((st = regel_record_set_text(r, regel_record_slot(r, "id"), id, strlen(id))) != REGEL_OK ||
        (st = regel_record_set_text(r, regel_record_slot(r, "omrade"), omrade, strlen(omrade))) != REGEL_OK ||
        (st = regel_record_set_int(r, regel_record_slot(r, "listade"), listade)) != REGEL_OK ||
        (st = regel_record_set_enum(r, regel_record_slot(r, "niva"), niva)) != REGEL_OK) {
        regel_record_free(r);
        *out = NULL;
    }
    return st;
}

static void add_result(const regel_result *res)
{
    text_adds(&result, res->outcome_word);
    for (size_t i = 0; i < res->nreasons; i++) {
        text_adds(&result, " ");
        text_adds(&result, res->refs[i]);
    }
    text_adds(&result, "\n");
}

/* ---------------------------------------------------------------- compiling */

static regel_status compile_string(void)
{
    regel_program *p;
    arm();
    regel_status st = regel_compile_string("policy.regel", policy_string, strlen(policy_string), collect_diag,
                                           &result, &p);
    disarm();
    if (st == REGEL_OK) {
        add_disassembly(p);
        regel_program_free(p);
    }
    return st;
}

Test(oom, compile_a_string)
{
    drive("compile a string", compile_string);
}

/* A folder, its files and the one they import. */
static regel_status compile_files(void)
{
    regel_program *p;
    arm();
    regel_status st = regel_compile_files(dir_paths, 1, collect_diag, &result, &p);
    disarm();
    if (st == REGEL_OK) {
        add_disassembly(p);
        regel_program_free(p);
    }
    return st;
}

Test(oom, compile_files_with_imports)
{
    drive("compile files", compile_files);
}

static regel_status diagnostics(void)
{
    regel_program *p;
    const char *paths[] = {in_dir("broken")};
    arm();
    regel_status st = regel_compile_files(paths, 1, collect_diag, &result, &p);
    disarm();
    if (st == REGEL_OK)
        regel_program_free(p);
    return st;
}

Test(oom, diagnostics_of_a_broken_policy)
{
    drive("diagnostics", diagnostics);
}

static regel_status format_text(void)
{
    char *out;
    size_t n;
    arm();
    regel_status st = regel_format_text("f.regel", unformatted_text, strlen(unformatted_text), collect_diag,
                                        &result, &out, &n);
    disarm();
    if (st == REGEL_OK) {
        text_add(&result, out, n);
        regel_free(out);
    }
    return st;
}

Test(oom, format)
{
    drive("fmt", format_text);
}

static regel_status disassemble(void)
{
    regel_program *p = compiled(0);
    arm();
    char *text = regel_disassemble(p, "bedomning");
    disarm();
    regel_program_free(p);
    if (!text)
        return REGEL_ERR_NOMEM;
    text_adds(&result, text);
    regel_free(text);
    return REGEL_OK;
}

Test(oom, disassemble)
{
    drive("disassemble", disassemble);
}

/* ---------------------------------------------------------------- precompiled programs */

static unsigned char public_key[REGEL_PUBLIC_KEY_BYTES], secret_key[REGEL_SECRET_KEY_BYTES];

/* The bytes of a file, hashed (FNV-1a) with their length. */
static void add_file_digest(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s was not written", path);
    uint64_t h = 14695981039346656037ull;
    size_t n = 0;
    for (int c; (c = fgetc(f)) != EOF; n++)
        h = (h ^ (uint64_t)c) * 1099511628211ull;
    fclose(f);
    char line[64];
    snprintf(line, sizeof line, "%zu bytes, %016llx\n", n, (unsigned long long)h);
    text_adds(&result, line);
}

/* Files the writer left behind under a temporary name. */
static int temporary_files(void)
{
    DIR *d = opendir(dir);
    int n = 0;
    for (struct dirent *e; (e = readdir(d));)
        n += strstr(e->d_name, ".tmp") != NULL;
    closedir(d);
    return n;
}

static regel_status save_file(void)
{
    regel_program *p = compiled(0);
    const char *path = in_dir("saved.rgc");
    unlink(path);
    unlink(in_dir("saved.pub"));
    arm();
    regel_status st = regel_program_save(p, path, secret_key, collect_diag, &result);
    if (st == REGEL_OK)
        st = regel_key_write(in_dir("saved.pub"), public_key, 0, collect_diag, &result);
    disarm();
    regel_program_free(p);
    cr_assert_eq(temporary_files(), 0, "a temporary file was left behind");
    if (st == REGEL_OK) {
        add_file_digest(path);
        add_file_digest(in_dir("saved.pub"));
    }
    return st;
}

Test(oom, save_a_signed_rgc_file_and_its_key)
{
    cr_assert_eq(regel_keygen(public_key, secret_key), REGEL_OK);
    drive("save .rgc", save_file);
}

static regel_status save_buffer(void)
{
    regel_program *p = compiled(0);
    unsigned char *data;
    size_t len;
    arm();
    regel_status st = regel_program_save_buffer(p, NULL, &data, &len, collect_diag, &result);
    disarm();
    regel_program_free(p);
    if (st == REGEL_OK) {
        char line[32];
        snprintf(line, sizeof line, "%zu bytes\n", len);
        text_adds(&result, line);
        regel_free(data);
    }
    return st;
}

Test(oom, save_to_memory)
{
    drive("save to memory", save_buffer);
}

/* Reads the public key, loads the signed file, checks the signature and
 * verifies the bytecode. */
static regel_status load_signed(void)
{
    unsigned char key[REGEL_PUBLIC_KEY_BYTES];
    regel_program *p = NULL;
    arm();
    regel_status st = regel_key_read(in_dir("key.pub"), 0, key, collect_diag, &result);
    if (st == REGEL_OK)
        st = regel_program_load(in_dir("signed.rgc"), key, collect_diag, &result, &p);
    disarm();
    if (st == REGEL_OK) {
        text_adds(&result, regel_program_is_signed(p) ? "signed\n" : "not signed\n");
        add_disassembly(p);
        regel_program_free(p);
    }
    return st;
}

Test(oom, load_a_signed_rgc_file)
{
    cr_assert_eq(regel_keygen(public_key, secret_key), REGEL_OK);
    cr_assert_eq(regel_key_write(in_dir("key.pub"), public_key, 0, NULL, NULL), REGEL_OK);
    regel_program *p = compiled(0);
    cr_assert_eq(regel_program_save(p, in_dir("signed.rgc"), secret_key, NULL, NULL), REGEL_OK);
    regel_program_free(p);
    drive("load .rgc", load_signed);
}

/* ---------------------------------------------------------------- exports */

/* Loads the exports in sub (one file each) and decides with them: the
 * answers depend on what was read. */
static regel_status load_exports(const char *sub, const char *decision, const char *key)
{
    regel_program *p = compiled(0);
    regel_data *d = NULL;
    arm();
    regel_status st = regel_data_new(p, &d);
    if (st == REGEL_OK)
        st = regel_data_load(d, in_dir(sub), collect_line, &result);
    disarm();
    if (st == REGEL_OK) {
        regel_context_options o;
        regel_context_options_init(&o);
        o.today = "2026-11-22";
        o.data = d;
        regel_context *c;
        cr_assert_eq(regel_context_new(p, &o, &c), REGEL_OK);
        regel_record *r;
        if (strcmp(decision, "omrade") == 0) {
            cr_assert_eq(regel_record_new(p, regel_source_record_type(p, "omraden"), &r), REGEL_OK);
            cr_assert_eq(regel_record_set_text(r, regel_record_slot(r, "namn"), key, strlen(key)), REGEL_OK);
            cr_assert_eq(regel_record_set_int(r, regel_record_slot(r, "faktor"), 1), REGEL_OK);
        } else {
            cr_assert_eq(centrum_record(p, "E9", key, 2500, "hög", &r), REGEL_OK);
        }
        const regel_result *res;
        cr_assert_eq(regel_decide(c, regel_decision_index(p, decision), r, &res), REGEL_OK);
        add_result(res);
        regel_record_free(r);
        regel_context_free(c);
    }
    regel_data_free(d);
    regel_program_free(p);
    return st;
}

static regel_status read_csv(void)
{
    return load_exports("csv", "omrade", "Norr");
}

Test(oom, read_a_csv_export)
{
    drive("read CSV", read_csv);
}

static regel_status read_jsonl(void)
{
    return load_exports("jsonl", "bedomning", "Norr");
}

Test(oom, read_a_json_lines_export)
{
    drive("read JSON Lines", read_jsonl);
}

/* Records the host adds to the data, indexed when the first context is
 * made over it, looked up by a decision. */
static regel_status host_data(void)
{
    regel_program *p = compiled(0);
    regel_data *d = NULL;
    regel_record *omrade = NULL, *r = NULL;
    regel_context_options o;
    regel_context_options_init(&o);
    o.today = "2026-11-22";
    regel_context *c = NULL;
    const regel_result *res;
    arm();
    regel_status st = regel_data_new(p, &d);
    if (st == REGEL_OK)
        st = regel_record_new(p, regel_source_record_type(p, "omraden"), &omrade);
    if (st == REGEL_OK)
        st = regel_record_set_text(omrade, regel_record_slot(omrade, "namn"), "Öster", strlen("Öster"));
    if (st == REGEL_OK)
        st = regel_record_set_int(omrade, regel_record_slot(omrade, "faktor"), 3);
    if (st == REGEL_OK)
        st = regel_data_add(d, "omraden", omrade);
    if (st == REGEL_OK) {
        o.data = d;
        st = regel_context_new(p, &o, &c);
    }
    if (st == REGEL_OK)
        st = centrum_record(p, "E8", "Öster", 4000, "hog", &r);
    if (st == REGEL_OK)
        st = regel_decide(c, regel_decision_index(p, "bedomning"), r, &res);
    disarm();
    if (st == REGEL_OK)
        add_result(res);
    regel_record_free(r);
    regel_record_free(omrade);
    regel_context_free(c);
    regel_data_free(d);
    regel_program_free(p);
    return st;
}

Test(oom, data_added_by_the_host)
{
    drive("host data", host_data);
}

/* ---------------------------------------------------------------- the hot path */

static regel_context *context_over(const regel_program *p, const regel_data *d, regel_status *st)
{
    regel_context_options o;
    regel_context_options_init(&o);
    o.today = "2026-11-22";
    o.data = d;
    regel_context *c = NULL;
    *st = regel_context_new(p, &o, &c);
    return c;
}

/* A context over loaded data, a record built field by field, one
 * decision; then the same context decides again with nothing failing. */
static regel_status decide(void)
{
    regel_program *p = compiled(0);
    regel_data *d;
    cr_assert_eq(regel_data_new(p, &d), REGEL_OK);
    Text reports = {0};
    cr_assert_eq(regel_data_load(d, dir, collect_line, &reports), REGEL_OK, "%s", reports.data);
    free(reports.data);
    regel_record *r = NULL;
    const regel_result *res;
    int decision = regel_decision_index(p, "bedomning");
    arm();
    regel_status st;
    regel_context *c = context_over(p, d, &st);
    if (st == REGEL_OK)
        st = centrum_record(p, "E7", "Norr", 2500, "låg", &r);
    if (st == REGEL_OK)
        st = regel_decide(c, decision, r, &res);
    disarm();
    if (st == REGEL_OK)
        add_result(res);
    if (c && r) {
        /* The context is as good as new after a failed decision. */
        cr_assert_eq(regel_decide(c, decision, r, &res), REGEL_OK);
        cr_assert_str_eq(res->outcome_word, "nej");
        cr_assert_eq(res->nreasons, 2);
    }
    regel_record_free(r);
    regel_context_free(c);
    regel_data_free(d);
    regel_program_free(p);
    return st;
}

Test(oom, decide_a_host_record)
{
    drive("decide", decide);
}

/* A record decided, cleared and filled again for the next request. A
 * clear that runs out of memory says so in regel_record_error, and the
 * record is refused until a clear succeeds. */
static regel_status reuse_record(void)
{
    regel_program *p = compiled(0);
    regel_status st;
    regel_context *c = context_over(p, NULL, &st);
    cr_assert_eq(st, REGEL_OK);
    regel_record *r;
    cr_assert_eq(centrum_record(p, "E7", "Norr", 1200, "lag", &r), REGEL_OK);
    int decision = regel_decision_index(p, "bedomning");
    const regel_result *res;
    cr_assert_eq(regel_decide(c, decision, r, &res), REGEL_OK);
    arm();
    regel_record_clear(r);
    st = regel_record_error(r) ? REGEL_ERR_NOMEM : REGEL_OK;
    if (st == REGEL_OK)
        st = regel_record_set_text(r, regel_record_slot(r, "id"), "E8", 2);
    if (st == REGEL_OK)
        st = regel_record_set_int(r, regel_record_slot(r, "listade"), 9000);
    disarm();
    if (st == REGEL_ERR_NOMEM) {
        /* Fields left from the last request are never decided with. */
        cr_assert_eq(regel_decide(c, decision, r, &res), REGEL_ERR_USAGE);
    } else if (st == REGEL_OK) {
        cr_assert_eq(regel_decide(c, decision, r, &res), REGEL_ERR_USAGE, "omrade and niva were cleared");
        cr_assert_eq(regel_record_set_text(r, regel_record_slot(r, "omrade"), "Söder", strlen("Söder")), REGEL_OK);
        cr_assert_eq(regel_record_set_enum(r, regel_record_slot(r, "niva"), "hog"), REGEL_OK);
        cr_assert_eq(regel_decide(c, decision, r, &res), REGEL_OK);
        add_result(res);
    }
    regel_record_free(r);
    regel_context_free(c);
    regel_program_free(p);
    return st;
}

Test(oom, a_record_cleared_for_the_next_request)
{
    drive("record cleared", reuse_record);
}

/* The messages, a field and the JSON line of a result, rendered on demand. */
static regel_status messages(void)
{
    regel_program *p = compiled(0);
    regel_status st;
    regel_context *c = context_over(p, NULL, &st);
    cr_assert_eq(st, REGEL_OK);
    regel_record *r;
    cr_assert_eq(centrum_record(p, "E7", "Norr", 1200, "låg", &r), REGEL_OK);
    const regel_result *res;
    cr_assert_eq(regel_decide(c, regel_decision_index(p, "bedomning"), r, &res), REGEL_OK);
    const char *texts[4] = {NULL};
    arm();
    st = regel_result_message(c, 0, &texts[0], NULL);
    if (st == REGEL_OK)
        st = regel_result_message(c, 1, &texts[1], NULL);
    if (st == REGEL_OK)
        st = regel_result_field(c, 0, 0, &texts[2], NULL);
    if (st == REGEL_OK)
        st = regel_result_json(c, &texts[3], NULL);
    disarm();
    for (int i = 0; st == REGEL_OK && i < 4; i++) {
        text_adds(&result, texts[i]);
        text_adds(&result, "\n");
    }
    regel_record_free(r);
    regel_context_free(c);
    regel_program_free(p);
    return st;
}

Test(oom, render_messages)
{
    drive("messages", messages);
}

/* A record from a host's JSON, decided. */
static regel_status record_from_json(void)
{
    regel_program *p = compiled(0);
    static const char json[] = "{\"id\":\"J1\",\"omrade\":\"Söder\",\"listade\":1400,\"niva\":\"hog\"}";
    regel_record *r = NULL;
    const regel_result *res;
    arm();
    regel_status st;
    regel_context *c = context_over(p, NULL, &st);
    if (st == REGEL_OK)
        st = regel_record_new(p, regel_source_record_type(p, "centrum"), &r);
    if (st == REGEL_OK)
        st = regel_record_read_json(r, "request", 1, json, strlen(json));
    if (st == REGEL_OK)
        st = regel_decide(c, regel_decision_index(p, "bedomning"), r, &res);
    disarm();
    if (st == REGEL_OK)
        add_result(res);
    regel_record_free(r);
    regel_context_free(c);
    regel_program_free(p);
    return st;
}

Test(oom, record_from_json)
{
    drive("record from JSON", record_from_json);
}

/* ---------------------------------------------------------------- host functions */

static const char host_policy[] = "record Kurs {\n"
                                  "    kod: Text\n"
                                  "}\n"
                                  "source kurser: Kurs from jsonl \"kurser.jsonl\" key kod\n"
                                  "decision pris for k in kurser key k.kod {\n"
                                  "    outcome ja | nej\n"
                                  "    must P1 (kurs_pris(k.kod) ?? 0) < 100 else \"{benamning(k.kod)} kostar för mycket\"\n"
                                  "}\n";

static regel_status kurs_pris(void *ctx, regel_host_call *call)
{
    (void)ctx;
    const char *kod;
    size_t len;
    if (regel_host_arg_text(call, 0, &kod, &len) != REGEL_OK)
        return REGEL_ERR_USAGE;
    return len == 2 && memcmp(kod, "K1", 2) == 0 ? regel_host_return_int(call, 250) : regel_host_return_none(call);
}

static regel_status benamning(void *ctx, regel_host_call *call)
{
    (void)ctx;
    const char *kod;
    size_t len;
    if (regel_host_arg_text(call, 0, &kod, &len) != REGEL_OK)
        return REGEL_ERR_USAGE;
    char name[64];
    int n = snprintf(name, sizeof name, "Kursen %.*s", (int)len, kod);
    return regel_host_return_text(call, name, (size_t)n);
}

static const regel_host_function host_table[] = {
    {"kurs_pris", "(Text) -> Int?", kurs_pris, NULL},
    {"benamning", "(Text) -> Text", benamning, NULL},
};

/* Host functions registered, called, one of them returning text. */
static regel_status host_functions(void)
{
    regel_compile_options o;
    regel_compile_options_init(&o);
    o.hosts = host_table;
    o.nhosts = 2;
    regel_program *p = NULL;
    regel_context *c = NULL;
    regel_record *r = NULL;
    const regel_result *res;
    const char *message = NULL;
    arm();
    regel_status st = regel_compile_string_opts("kurs.regel", host_policy, strlen(host_policy), &o, collect_diag,
                                                &result, &p);
    if (st == REGEL_OK)
        c = context_over(p, NULL, &st);
    if (st == REGEL_OK)
        st = regel_record_new(p, regel_source_record_type(p, "kurser"), &r);
    if (st == REGEL_OK)
        st = regel_record_set_text(r, regel_record_slot(r, "kod"), "K1", 2);
    if (st == REGEL_OK)
        st = regel_decide(c, regel_decision_index(p, "pris"), r, &res);
    if (st == REGEL_OK)
        st = regel_result_message(c, 0, &message, NULL);
    disarm();
    if (st == REGEL_OK) {
        add_result(res);
        text_adds(&result, message);
    }
    regel_record_free(r);
    regel_context_free(c);
    regel_program_free(p);
    return st;
}

Test(oom, host_functions)
{
    drive("host functions", host_functions);
}

/* A precompiled program that calls host functions, loaded from memory
 * with the host's table and run. */
static regel_status precompiled_with_hosts(void)
{
    regel_compile_options co;
    regel_compile_options_init(&co);
    co.hosts = host_table;
    co.nhosts = 2;
    regel_program *compiled_p;
    cr_assert_eq(regel_compile_string_opts("kurs.regel", host_policy, strlen(host_policy), &co, NULL, NULL,
                                           &compiled_p),
                 REGEL_OK);
    unsigned char *image;
    size_t len;
    cr_assert_eq(regel_program_save_buffer(compiled_p, NULL, &image, &len, NULL, NULL), REGEL_OK);
    regel_program_free(compiled_p);
    regel_load_options lo;
    regel_load_options_init(&lo);
    lo.hosts = host_table;
    lo.nhosts = 2;
    regel_program *p = NULL;
    regel_run_options o;
    run_options(&o, &result);
    o.data_dir = in_dir("kurser");
    arm();
    regel_status st = regel_program_load_buffer_opts("kurs.rgc", image, len, &lo, collect_diag, &result, &p);
    if (st == REGEL_OK)
        st = regel_run(p, &o, NULL);
    disarm();
    regel_program_free(p);
    regel_free(image);
    return st;
}

Test(oom, precompiled_program_with_host_functions)
{
    drive("precompiled with hosts", precompiled_with_hosts);
}

/* ---------------------------------------------------------------- batch runs */

static regel_status batch_run(void)
{
    regel_program *p = compiled(0);
    regel_run_options o;
    run_options(&o, &result);
    o.policy_version = 1;
    regel_run_summary s;
    arm();
    regel_status st = regel_run(p, &o, &s);
    if (st == REGEL_OK) {
        o.policy_version = 0;
        o.format = REGEL_FORMAT_CSV;
        st = regel_run(p, &o, &s);
    }
    disarm();
    regel_program_free(p);
    char line[128];
    snprintf(line, sizeof line, "%llu read, %llu decided\n", s.read, s.decided);
    text_adds(&result, line);
    return st;
}

Test(oom, batch_run)
{
    drive("run", batch_run);
}

/* A shipped policy (its imports, the stdlib's among them) compiled and run
 * over the sample exports. */
static regel_status shipped_policy(void)
{
    const char *paths[] = {SOURCE_ROOT "/policies/ytterligare_st.regel"};
    regel_run_options o;
    run_options(&o, &result);
    o.data_dir = SOURCE_ROOT "/policies/exports";
    o.format = REGEL_FORMAT_TABLE;
    regel_program *p;
    arm();
    regel_status st = regel_compile_files(paths, 1, collect_diag, &result, &p);
    if (st == REGEL_OK) {
        st = regel_run(p, &o, NULL);
        regel_program_free(p);
    }
    disarm();
    return st;
}

Test(oom, shipped_policy_over_the_sample_exports)
{
    drive("shipped policy", shipped_policy);
}

static const char explained_doctor[] = "SE2321000131-P000000324650";

/* One doctor's place in the shipped queue (st_ko: one walk per
 * sub-region, the doctors ahead on each key) explained; compiled once, as
 * compiling is the shipped policy's scenario. */
static regel_program *queue_program;

static regel_status queue(void)
{
    regel_run_options o;
    run_options(&o, &result);
    o.data_dir = SOURCE_ROOT "/policies/exports";
    const char *decisions[] = {"st_ko"};
    o.decisions = decisions;
    o.ndecisions = 1;
    o.explain = 1;
    o.explain_id = explained_doctor;
    o.format = REGEL_FORMAT_TABLE;
    arm();
    regel_status st = regel_run(queue_program, &o, NULL);
    disarm();
    return st;
}

Test(oom, a_place_in_a_queue_explained)
{
    const char *paths[] = {SOURCE_ROOT "/policies/st_ko.regel"};
    cr_assert_eq(regel_compile_files_with(paths, 1, REGEL_COMPILE_EXPLAIN, NULL, NULL, &queue_program), REGEL_OK);
    drive("queue explained", queue);
    regel_program_free(queue_program);
}

static regel_status explain(void)
{
    regel_program *p = compiled(REGEL_COMPILE_EXPLAIN);
    regel_run_options o;
    run_options(&o, &result);
    const char *decisions[] = {"bedomning"};
    o.decisions = decisions;
    o.ndecisions = 1;
    o.explain = 1;
    o.explain_id = "E2";
    o.format = REGEL_FORMAT_TABLE;
    arm();
    regel_status st = regel_run(p, &o, NULL);
    disarm();
    regel_program_free(p);
    return st;
}

Test(oom, explain)
{
    drive("explain", explain);
}

static regel_status diff(void)
{
    regel_program *before = compiled(0), *after;
    const char *v2[] = {in_dir("v2")};
    cr_assert_eq(regel_compile_files(v2, 1, NULL, NULL, &after), REGEL_OK);
    regel_run_options o;
    run_options(&o, &result);
    o.format = REGEL_FORMAT_TABLE;
    int changed = -1;
    arm();
    regel_status st = regel_diff(before, after, &o, &changed);
    disarm();
    regel_program_free(before);
    regel_program_free(after);
    text_adds(&result, changed == 1 ? "changed\n" : "unchanged\n");
    return st;
}

Test(oom, diff)
{
    drive("diff", diff);
}

static regel_status test_blocks(void)
{
    regel_test_options o;
    regel_test_options_init(&o);
    o.today = "2026-11-22";
    o.write = append;
    o.write_ctx = &result;
    o.report = collect_line;
    o.report_ctx = &result;
    regel_test_summary s;
    arm();
    regel_status st = regel_test(dir_paths, 1, collect_diag, &result, &o, &s);
    disarm();
    return st;
}

Test(oom, test_blocks)
{
    drive("regel test", test_blocks);
}

/* ---------------------------------------------------------------- the REPL and the language server */

/* Everything written to fd while it ran. */
static void add_captured(FILE *f)
{
    fflush(f);
    rewind(f);
    char chunk[4096];
    for (size_t n; (n = fread(chunk, 1, sizeof chunk, f));)
        text_add(&result, chunk, n);
}

/* `regel repl helpers.regel` with one let and one expression on standard
 * input. Running out of memory says so on standard error. */
static regel_status repl_line(void)
{
    FILE *out = tmpfile();
    cr_assert_not_null(out);
    int input = open(in_dir("repl-input"), O_RDONLY);
    cr_assert_geq(input, 0);
    fflush(stdout);
    fflush(stderr);
    int saved[3] = {dup(0), dup(1), dup(2)};
    dup2(input, 0);
    close(input);
    dup2(fileno(out), 1);
    dup2(fileno(out), 2);
    clearerr(stdin);
    fseek(stdin, 0, SEEK_SET);
    char *argv[] = {(char *)in_dir("helpers.regel"), "--today", "2026-11-22", NULL};
    arm();
    int status = repl_main(3, argv);
    disarm();
    fflush(stdout);
    fflush(stderr);
    for (int i = 0; i < 3; i++) {
        dup2(saved[i], i);
        close(saved[i]);
    }
    add_captured(out);
    fclose(out);
    if (status == REGEL_ERR_NOMEM || strstr(result.data, "out of memory"))
        return REGEL_ERR_NOMEM;
    return (regel_status)status;
}

Test(oom, one_repl_line)
{
    drive("REPL line", repl_line);
}

/* A language server session: initialize, open a document, change it,
 * hover over a name, go to its definition, complete, list the symbols,
 * rename, format, shut down. */
static regel_status lsp_message(void)
{
    FILE *in = tmpfile(), *out = tmpfile();
    cr_assert(in && out);
#define DOC "\"textDocument\":{\"uri\":\"file:///nowhere/a.regel\"}"
#define AT(line, character) "\"position\":{\"line\":" #line ",\"character\":" #character "}"
    static const char *const bodies[] = {
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"initialize\",\"params\":{\"capabilities\":{}}}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"initialized\",\"params\":{}}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didOpen\",\"params\":{\"textDocument\":{"
        "\"uri\":\"file:///nowhere/a.regel\",\"languageId\":\"regel\",\"version\":1,"
        "\"text\":\"const  A = 2\\nfn f(x: Int) -> Int = x * A\\n\"}}}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didChange\",\"params\":{"
        "\"textDocument\":{\"uri\":\"file:///nowhere/a.regel\",\"version\":2},\"contentChanges\":[{"
        "\"range\":{\"start\":{\"line\":0,\"character\":11},\"end\":{\"line\":0,\"character\":12}},"
        "\"text\":\"3\"}]}}",
        "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"textDocument/hover\",\"params\":{" DOC "," AT(1, 26) "}}",
        "{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"textDocument/definition\",\"params\":{" DOC "," AT(1, 26) "}}",
        "{\"jsonrpc\":\"2.0\",\"id\":4,\"method\":\"textDocument/completion\",\"params\":{" DOC "," AT(1, 25) "}}",
        "{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"textDocument/documentSymbol\",\"params\":{" DOC "}}",
        "{\"jsonrpc\":\"2.0\",\"id\":6,\"method\":\"textDocument/rename\",\"params\":{" DOC "," AT(1, 5)
        ",\"newName\":\"y\"}}",
        "{\"jsonrpc\":\"2.0\",\"id\":7,\"method\":\"textDocument/formatting\",\"params\":{" DOC
        ",\"options\":{\"tabSize\":4,\"insertSpaces\":true}}}",
        "{\"jsonrpc\":\"2.0\",\"id\":8,\"method\":\"shutdown\",\"params\":null}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"exit\",\"params\":null}",
    };
#undef DOC
#undef AT
    for (size_t i = 0; i < sizeof bodies / sizeof *bodies; i++)
        fprintf(in, "Content-Length: %zu\r\n\r\n%s", strlen(bodies[i]), bodies[i]);
    fflush(in);
    rewind(in);
    arm();
    int status = lsp_serve(in, out);
    disarm();
    add_captured(out);
    fclose(in);
    fclose(out);
    /* Out of memory in a handler is an error answer; anywhere else the
     * server ends as if the client had left (status 1). */
    if (status == 1 || strstr(result.data, "out of memory"))
        return REGEL_ERR_NOMEM;
    return status == 0 ? REGEL_OK : REGEL_ERR_USAGE;
}

Test(oom, language_server_messages)
{
    drive("LSP messages", lsp_message);
}

/* ---------------------------------------------------------------- the collector's own limit */

#ifndef REGEL_MALLOC_ALLOC
#include <gc/gc.h>

/* A decision whose list doubles to 2^19 times 8 elements (64 MB). */
static const char *big_policy(void)
{
    static char text[4096];
    size_t n = (size_t)snprintf(text, sizeof text,
                                "record R {\n    id: Text\n}\n"
                                "source rs: R from jsonl \"rs.jsonl\" key id\n"
                                "const NUMS = [1, 2, 3, 4, 5, 6, 7, 8]\n"
                                "decision stor for r in rs key r.id {\n"
                                "    outcome ja | nej\n"
                                "    let a0 = NUMS\n");
    for (int i = 1; i <= 19; i++)
        n += (size_t)snprintf(text + n, sizeof text - n, "    let a%d = a%d + a%d\n", i, i - 1, i - 1);
    snprintf(text + n, sizeof text - n, "    must M1 count(a19) > 0 else \"nej\"\n}\n");
    return text;
}

/* The collector's own out-of-memory path, not an injected failure: with
 * its heap capped, GC_MALLOC gives NULL through the hook alloc.c sets
 * (GC_set_oom_fn); a run ends with REGEL_ERR_NOMEM, and a decision fails
 * alone with it. With the cap lifted, the same calls go through. */
Test(oom, the_collectors_heap_limit)
{
    rg_alloc_init();
    write_file("big/rs.jsonl", "{\"id\":\"r1\"}\n");
    const char *text = big_policy();
    regel_program *p;
    cr_assert_eq(regel_compile_string("big.regel", text, strlen(text), NULL, NULL, &p), REGEL_OK);
    regel_run_options o;
    Text out = {0};
    run_options(&o, &out);
    o.data_dir = in_dir("big");
    o.limits.max_memory = 1ull << 40;
    regel_context_options co;
    regel_context_options_init(&co);
    co.limits.max_memory = 1ull << 40;
    regel_context *c;
    cr_assert_eq(regel_context_new(p, &co, &c), REGEL_OK);
    regel_record *r;
    cr_assert_eq(regel_record_new(p, regel_source_record_type(p, "rs"), &r), REGEL_OK);
    cr_assert_eq(regel_record_set_text(r, regel_record_slot(r, "id"), "r1", 2), REGEL_OK);
    const regel_result *res;

    GC_gcollect();
    GC_set_max_heap_size(GC_get_heap_size() + (8u << 20));
    cr_expect_eq(regel_run(p, &o, NULL), REGEL_ERR_NOMEM, "%s", out.data);
    cr_expect_eq(regel_decide(c, 0, r, &res), REGEL_ERR_NOMEM);
    cr_expect(strstr(regel_context_error(c), "memory ran out"), "%s", regel_context_error(c));

    GC_set_max_heap_size(0);
    text_clear(&out);
    cr_expect_eq(regel_run(p, &o, NULL), REGEL_OK, "%s", out.data);
    cr_expect_eq(regel_decide(c, 0, r, &res), REGEL_OK, "%s", regel_context_error(c));
    regel_record_free(r);
    regel_context_free(c);
    regel_program_free(p);
    free(out.data);
}
#endif
