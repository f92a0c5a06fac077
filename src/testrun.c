/*
 * testrun.c — running test blocks and measuring rule coverage.
 *
 * Each test starts from empty sources (and the run's date); its `given`
 * statements fill them. A rule is covered when some test saw it hold and
 * some test saw it fail: a rule seen only one way has an untested side.
 */
#include "testrun.h"

#include <string.h>

#include "alloc.h"
#include "run.h"

typedef struct Tester {
    const TestOptions *o;
    const Program *p;
    RgBuf out;
    RgBuf problems; /* what loading a fixture folder reported */
} Tester;

static void flush(Tester *t)
{
    if (t->out.len && t->o->write)
        t->o->write(t->o->write_ctx, t->out.data, t->out.len);
    buf_clear(&t->out);
}

static void collect_problem(void *ctx, const char *line)
{
    Tester *t = ctx;
    buf_printf(&t->problems, "%s%s", t->problems.len ? "\n" : "", line);
}

static const char *load_folder(void *ctx, const char *folder, DataSet *data)
{
    Tester *t = ctx;
    buf_clear(&t->problems);
    if (run_load_folder(t->p, folder, data, collect_problem, t) != RUN_OK)
        return rg_sprintf("the exports in %s have problems:\n%s", folder, t->problems.data ? t->problems.data : "");
    return NULL;
}

static DataSet *empty_data(const Program *p)
{
    DataSet *d = rg_alloc(sizeof *d);
    d->nsources = p->nsources;
    d->sources = rg_alloc((p->nsources ? p->nsources : 1) * sizeof *d->sources);
    for (uint32_t i = 0; i < p->nsources; i++) {
        SourceData *sd = &d->sources[i];
        sd->records = list_new(0);
        sd->loaded = true;
        data_build_indexes(p, i, sd);
    }
    return d;
}

static void report_coverage(const Program *p, const uint8_t *seen, const TestOptions *o, Tester *t, TestSummary *s)
{
    s->rules = p->nrules;
    s->covered = 0;
    for (uint32_t i = 0; i < p->nrules; i++)
        if (seen[i] == 3)
            s->covered++;
    if (p->nrules == 0)
        return;
    buf_printf(&t->out, "\nrule coverage: %u of %u rules seen both holding and failing\n", s->covered, s->rules);
    size_t width = 8;
    for (uint32_t i = 0; i < p->nrules; i++) {
        size_t n = strlen(p->rules[i].decision ? p->rules[i].decision : "");
        if (n > width)
            width = n;
    }
    for (uint32_t i = 0; i < p->nrules; i++) {
        const RuleInfo *r = &p->rules[i];
        if (seen[i] == 3 && !o->every_rule)
            continue;
        const char *how = seen[i] == 3 ? "holds and fails"
                          : seen[i] == 1 ? "never seen failing"
                          : seen[i] == 2 ? "never seen holding"
                                         : "never reached";
        buf_printf(&t->out, "  %-*s %-6s %-19s ", (int)width, r->decision ? r->decision : "", r->ref, how);
        diag_location(p->files, r->span, &t->out);
        buf_addc(&t->out, '\n');
    }
}

bool test_run(const Program *p, const TestOptions *o, TestSummary *s)
{
    memset(s, 0, sizeof *s);
    Tester *t = rg_alloc(sizeof *t);
    t->p = p;
    t->o = o;
    buf_init(&t->out);
    buf_init(&t->problems);
    uint8_t *seen = rg_alloc_atomic(p->nrules + 1);
    memset(seen, 0, p->nrules + 1);
    uint32_t last_file = 0;
    for (uint32_t i = 0; i < p->ntests; i++) {
        const TestInfo *ti = &p->tests[i];
        if (ti->span.file != last_file) {
            const SourceFile *f = sources_get(p->files, ti->span.file);
            buf_printf(&t->out, "%s%s\n", last_file ? "\n" : "", f ? f->path : "?");
            last_file = ti->span.file;
        }
        DataSet *data = empty_data(p);
        Vm *vm = vm_new(p, data, o->today, o->limits);
        VmTest test;
        memset(&test, 0, sizeof test);
        test.data = data;
        test.load_folder = load_folder;
        test.load_ctx = t;
        vm_set_test(vm, &test);
        vm_set_coverage(vm, seen);
        bool ran = vm_run_chunk(vm, ti->chunk);
        bool ok = ran && test.nfailures == 0;
        if (ok)
            s->passed++;
        else
            s->failed++;
        buf_printf(&t->out, "  %-5s %s\n", ok ? "ok" : "FAIL", ti->name);
        for (uint32_t k = 0; k < test.nfailures; k++) {
            const ExpectInfo *e = &p->expects[test.failures[k].expect];
            buf_adds(&t->out, "        ");
            diag_location(p->files, e->span, &t->out);
            buf_adds(&t->out, ": expect ");
            buf_adds(&t->out, e->text);
            buf_adds(&t->out, "\n            ");
            value_render(&t->out, test.failures[k].detail);
            buf_addc(&t->out, '\n');
        }
        if (!ran) {
            buf_adds(&t->out, "        ");
            diag_location(p->files, vm_error_span(vm), &t->out);
            buf_printf(&t->out, ": the test stopped with an error: %s\n", vm_error(vm));
        }
        flush(t);
    }
    report_coverage(p, seen, o, t, s);
    buf_printf(&t->out, "%u passed, %u failed\n", s->passed, s->failed);
    flush(t);
    return s->failed == 0;
}
