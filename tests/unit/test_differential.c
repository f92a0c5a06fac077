/*
 * test_differential.c — the same decisions whatever the compiler does with
 * them: every shipped policy, compiled with and without its optimisations
 * (folding, the jump peephole, index selections), decides the sample
 * exports and the worked example byte for byte alike, and two runs of one
 * program write the same bytes.
 */
#include "policy_helpers.h"

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
