/*
 * test_differential.c — the same decisions whatever the compiler does with
 * them: every shipped policy, compiled with and without its optimisations
 * (folding, the jump peephole, index selections), decides the sample
 * exports and the worked example byte for byte alike, as does the program
 * saved as a .rgc file and loaded again; two runs of one program write the
 * same bytes; and formatting a policy leaves its program as it was.
 */
#include <glob.h>
#include <libgen.h>

#include "image.h"
#include "opcodes.h"
#include "policy_helpers.h"
#include "regel.h"

static void setup(void)
{
    rg_alloc_init();
}

TestSuite(differential, .init = setup, .timeout = 120);

static int cmp_paths(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static const Program *shipped(unsigned flags)
{
    const char *dir = SOURCE_ROOT "/policies";
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    const char *paths[64];
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < 64) {
        size_t len = strlen(e->d_name);
        if (len > 6 && strcmp(e->d_name + len - 6, ".regel") == 0)
            paths[n++] = rg_sprintf("%s/%s", dir, e->d_name);
    }
    closedir(d);
    qsort(paths, n, sizeof *paths, cmp_paths);
    SourceSet *files = sources_new();
    DiagList *diags = diags_new(files);
    Checked *c = check_files(files, paths, n, diags);
    cr_assert_eq(diags->errors, 0, "%s", diags_text(diags));
    const Program *p = compile_program(c, diags, flags);
    cr_assert_not_null(p, "%s", diags_text(diags));
    return p;
}

static bool collect(void *ctx, const char *data, size_t n)
{
    buf_add(ctx, data, n);
    return true;
}

static const char *run_over(const Program *p, const char *data_dir)
{
    RgBuf out;
    buf_init(&out);
    RunOptions o;
    memset(&o, 0, sizeof o);
    o.data_dir = data_dir;
    o.today = date_from_ymd(2026, 11, 22);
    o.format = OUT_JSONL;
    o.limits = vm_default_limits();
    o.write = collect;
    o.write_ctx = &out;
    RunSummary s;
    memset(&s, 0, sizeof s);
    cr_assert_eq(run_batch(p, &o, &s), RUN_OK);
    cr_assert_gt(s.decided, 0);
    return out.data;
}

static void expect_same(const char *a, const char *b, const char *what)
{
    if (strcmp(a, b) == 0)
        return;
    size_t i = 0;
    while (a[i] && a[i] == b[i])
        i++;
    size_t line = 1;
    for (size_t k = 0; k < i; k++)
        line += a[k] == '\n';
    cr_assert_fail("%s differ from output line %zu on", what, line);
}

Test(differential, optimisations_change_no_decision)
{
    const Program *fast = shipped(0), *plain = shipped(COMPILE_NO_OPT);
    const char *dirs[] = {SOURCE_ROOT "/policies/exports", SOURCE_ROOT "/tests/policies/example/exports"};
    for (size_t i = 0; i < 2; i++)
        expect_same(run_over(fast, dirs[i]), run_over(plain, dirs[i]), dirs[i]);
}

Test(differential, two_runs_write_the_same_bytes)
{
    const Program *p = shipped(0);
    const char *dir = SOURCE_ROOT "/policies/exports";
    expect_same(run_over(p, dir), run_over(p, dir), "two runs");
    /* and a program compiled again from the same files */
    expect_same(run_over(p, dir), run_over(shipped(0), dir), "two compilations");
}

Test(differential, a_program_that_can_explain_decides_alike)
{
    const char *dir = SOURCE_ROOT "/policies/exports";
    expect_same(run_over(shipped(0), dir), run_over(shipped(COMPILE_EXPLAIN), dir), "explain build");
}

/* A program saved as a .rgc file and loaded again decides alike. */
Test(differential, a_saved_and_loaded_program_decides_alike)
{
    const Program *p = shipped(0);
    uint8_t *data;
    size_t len;
    const char *why = image_save(p, NULL, &data, &len);
    cr_assert_null(why, "%s", why);
    Program *loaded;
    ImageInfo info;
    const char *error = NULL;
    cr_assert_eq(image_load(data, len, NULL, &loaded, &info, &error), IMAGE_OK, "%s", error ? error : "?");
    const char *dirs[] = {SOURCE_ROOT "/policies/exports", SOURCE_ROOT "/tests/policies/example/exports"};
    for (size_t i = 0; i < 2; i++)
        expect_same(run_over(p, dirs[i]), run_over(loaded, dirs[i]), dirs[i]);
}

static char *read_whole(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *text = malloc((size_t)n + 1);
    cr_assert_eq(fread(text, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    text[n] = '\0';
    *len = (size_t)n;
    return text;
}

static const Program *compile_one(const char *dir, const char *text, size_t len)
{
    SourceSet *files = sources_new();
    DiagList *diags = diags_new(files);
    Checked *c = check_text(files, "policy.regel", text, len, dir, diags);
    if (!c || diags->errors)
        return NULL;
    return compile_program(c, diags, 0);
}

/* What differs between two programs in bytecode, constants and
 * decisions (NULL: nothing): what a program does, without the places in
 * the text, which formatting moves. */
static const char *program_difference(const Program *a, const Program *b)
{
    if (a->nchunks != b->nchunks || a->nconsts != b->nconsts || a->ndecisions != b->ndecisions ||
        a->nrules != b->nrules)
        return rg_sprintf("counts: %u/%u chunks, %u/%u constants, %u/%u decisions, %u/%u rules", a->nchunks,
                          b->nchunks, a->nconsts, b->nconsts, a->ndecisions, b->ndecisions, a->nrules, b->nrules);
    for (uint32_t i = 0; i < a->nchunks; i++)
        if (a->chunks[i].len != b->chunks[i].len || memcmp(a->chunks[i].code, b->chunks[i].code, a->chunks[i].len))
            return rg_sprintf("the code of chunk %u (%s)", i, a->chunks[i].name ? a->chunks[i].name : "?");
    /* By their JSON: words and records of two compilations have types of
     * their own, which value_equal tells apart. */
    for (uint32_t i = 0; i < a->nconsts; i++)
        if (a->consts[i].tag != b->consts[i].tag || strcmp(to_json(a->consts[i]), to_json(b->consts[i])) != 0)
            return rg_sprintf("constant %u: %s / %s", i, render(a->consts[i]), render(b->consts[i]));
    return NULL;
}

/* regel fmt changes the layout only: every golden policy that compiles
 * compiles, once formatted, to the same program. */
Test(differential, formatting_keeps_the_program)
{
    glob_t g;
    cr_assert_eq(glob(SOURCE_ROOT "/tests/golden/*/policy.regel", 0, NULL, &g), 0);
    size_t compared = 0, changed_text = 0;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        size_t len;
        char *text = read_whole(g.gl_pathv[i], &len);
        char *dir = dirname(rg_strdup(g.gl_pathv[i]));
        const Program *before = compile_one(dir, text, len);
        if (!before)
            continue; /* a golden case of a policy with errors */
        char *formatted;
        size_t flen;
        cr_assert_eq(regel_format_text("policy.regel", text, len, NULL, NULL, &formatted, &flen), REGEL_OK, "%s",
                     g.gl_pathv[i]);
        changed_text += flen != len || memcmp(formatted, text, len) != 0;
        const Program *after = compile_one(dir, formatted, flen);
        cr_assert_not_null(after, "%s no longer compiles once formatted", g.gl_pathv[i]);
        const char *diff = program_difference(before, after);
        cr_expect_null(diff, "formatting changed the program of %s: %s", g.gl_pathv[i], diff);
        compared++;
        regel_free(formatted);
        free(text);
    }
    globfree(&g);
    cr_expect_gt(compared, 50, "only %zu golden policies compiled", compared);
    cr_expect_gt(changed_text, 10, "formatting changed only %zu of them", changed_text);
}

/* Range selections (compile.c: emit_range_select) give exactly what a
 * walk over the source gives, on random events: long ones, one-day ones,
 * ones that end before they start, some touching the asked days at either
 * end, in several partitions. */
#define RANGE_POLICY                                                                                    \
    "record Handelse {\n    id: Text\n    omrade: Text\n    start: Date\n    slut: Date\n}\n"          \
    "source handelser: Handelse from jsonl \"handelser.jsonl\"\n"                                      \
    "record Fraga {\n    id: Text\n    omrade: Text\n    start: Date\n    slut: Date\n}\n"             \
    "source fragor: Fraga from jsonl \"fragor.jsonl\" key id\n"                                        \
    "fn krockar(a: Date, b: Date, c: Date, d: Date) -> Bool = a <= d and c <= b\n"                     \
    "decision d for q in fragor key q.id {\n"                                                          \
    "    outcome ja | nej\n"                                                                           \
    "    let krock = handelser where .omrade == q.omrade and krockar(q.start, q.slut, .start, .slut)\n" \
    "    let alla = handelser where .start <= q.slut and q.start <= .slut\n"                          \
    "    let borjar = handelser where h => h.start >= q.start and h.start < q.slut and h.id != \"h7\"\n" \
    "    field krock = map(krock, .id)\n"                                                              \
    "    field alla = map(alla, .id)\n"                                                                \
    "    field borjar = map(borjar, .id)\n"                                                            \
    "}\n"

static void write_events(const char *path, const char *prefix, int n, unsigned *seed)
{
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    const char *omraden[] = {"Göteborg", "Borås", "Skövde"};
    for (int i = 0; i < n; i++) {
        int start = (int)(rand_r(seed) % 90);
        /* mostly short, some long, some ending before they start */
        int len = (int)(rand_r(seed) % 10) == 0 ? (int)(rand_r(seed) % 60) : (int)(rand_r(seed) % 6) - 1;
        Date s = date_from_ymd(2027, 1, 1) + start, e = s + len;
        int y, m, d, y2, m2, d2;
        date_to_ymd(s, &y, &m, &d);
        date_to_ymd(e, &y2, &m2, &d2);
        fprintf(f, "{\"id\":\"%s%d\",\"omrade\":\"%s\",\"start\":\"%04d-%02d-%02d\",\"slut\":\"%04d-%02d-%02d\"}\n",
                prefix, i, omraden[rand_r(seed) % 3], y, m, d, y2, m2, d2);
    }
    fclose(f);
}

Test(differential, range_selections_find_what_a_walk_finds)
{
    char dir[] = "/tmp/regel-range-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    unsigned seed = 20261122;
    write_events(rg_sprintf("%s/handelser.jsonl", dir), "h", 400, &seed);
    write_events(rg_sprintf("%s/fragor.jsonl", dir), "q", 300, &seed);
    Compiled fast = compile_text(RANGE_POLICY);
    cr_assert_not_null(fast.prog, "%s", diags_text(fast.diags));
    compile_flags = COMPILE_NO_OPT;
    Compiled plain = compile_text(RANGE_POLICY);
    cr_assert_not_null(plain.prog);
    const Program *p = fast.prog;
    uint32_t ranges = 0, walks = 0;
    const Chunk *c = &p->chunks[p->decisions[0].chunk];
    for (uint32_t pc = 0; pc < c->len; pc += (uint32_t)opcode_size(opcode_info[c->code[pc]].operands)) {
        ranges += c->code[pc] == BC_SELECT_RANGE;
        walks += c->code[pc] == BC_SOURCE;
    }
    cr_assert_eq(ranges, 3, "every where here reads a range index");
    cr_assert_eq(walks, 0);
    const char *a = run_over(fast.prog, dir), *b = run_over(plain.prog, dir);
    expect_same(a, b, "range selections and walks");
    /* not vacuous: some questions find events, some find none */
    cr_expect(strstr(a, "\"krock\":[\"h") && strstr(a, "\"krock\":[]"), "%.400s", a);
    remove(rg_sprintf("%s/handelser.jsonl", dir));
    remove(rg_sprintf("%s/fragor.jsonl", dir));
    rmdir(dir);
}
