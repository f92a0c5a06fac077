/*
 * testrun.c — running test blocks and measuring rule coverage.
 *
 * Each test starts from empty sources (and the run's date); its `given`
 * statements fill them. A rule is covered when some test saw it hold and
 * some test saw it fail: a rule seen only one way has an untested side.
 * Filters choose tests by name, and coverage counts only the tests that
 * ran. A failed `==` of two lists, records or texts is reported with how
 * the two sides differ, which the VM hands over with the failure.
 */
#include "testrun.h"

#include <string.h>

#include "alloc.h"
#include "run.h"
#include "text.h"

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

/* ---- Choosing tests ------------------------------------------------------ */

/* The filters case-folded, so that "återbud" finds "ÅTERBUD". */
static const char **fold_filters(const TestOptions *o)
{
    const char **folded = rg_alloc((o->nfilters ? o->nfilters : 1) * sizeof *folded);
    for (size_t i = 0; i < o->nfilters; i++) {
        size_t n;
        folded[i] = text_casefold(o->filters[i], strlen(o->filters[i]), &n);
    }
    return folded;
}

static bool selected(const TestOptions *o, const char *const *folded, const char *name)
{
    if (o->nfilters == 0)
        return true;
    size_t n;
    const char *f = text_casefold(name, strlen(name), &n);
    for (size_t i = 0; i < o->nfilters; i++)
        if (strstr(f, folded[i]))
            return true;
    return false;
}

const char *test_unmatched_filter(const Program *p, const TestOptions *o)
{
    const char **folded = fold_filters(o);
    for (size_t i = 0; i < o->nfilters; i++) {
        bool found = false;
        for (uint32_t k = 0; k < p->ntests && !found; k++) {
            size_t n;
            found = strstr(text_casefold(p->tests[k].name, strlen(p->tests[k].name), &n), folded[i]) != NULL;
        }
        if (!found)
            return o->filters[i];
    }
    return NULL;
}

/* ---- How the sides of a failed == differ -------------------------------- */

/* Lines of the difference, beyond which the rest is only counted: a report
 * is read by a person. */
#define DIFF_MAX_LINES 40
/* Unchanged lines shown before and after a change; the rest of a run of
 * them is counted instead, when that leaves out more than DIFF_CONTEXT. */
#define DIFF_CONTEXT 2
/* Past this many pairs of lines the changed middle is shown as removed and
 * added, not aligned: the alignment table grows with their product. */
#define DIFF_MAX_CELLS 1000000

#define DIFF_INDENT "            "

/* One line of a value's literal form: a list's element, or a record's
 * field with its name. */
typedef struct DiffLine {
    const char *field; /* NULL for an element */
    Value v;
} DiffLine;

static bool same_line(const DiffLine *a, const DiffLine *b)
{
    if ((a->field == NULL) != (b->field == NULL) || (a->field && strcmp(a->field, b->field) != 0))
        return false;
    return value_equal(a->v, b->v);
}

static DiffLine *diff_lines(Value v, uint32_t *n)
{
    if (v.tag == V_RECORD) {
        const Record *r = v.as.rec;
        *n = (uint32_t)r->type->nfields;
        DiffLine *l = rg_alloc((*n ? *n : 1) * sizeof *l);
        for (uint32_t i = 0; i < *n; i++)
            l[i] = (DiffLine){r->type->fields[i].name, r->slots[i]};
        return l;
    }
    const List *list = v.as.list;
    *n = list->len;
    DiffLine *l = rg_alloc((*n ? *n : 1) * sizeof *l);
    for (uint32_t i = 0; i < *n; i++)
        l[i] = (DiffLine){NULL, list->items[i]};
    return l;
}

static void write_line(RgBuf *out, char mark, const DiffLine *l)
{
    buf_printf(out, DIFF_INDENT "%c ", mark);
    if (l->field)
        buf_printf(out, "%s: ", l->field);
    value_write_literal(out, l->v);
    buf_addc(out, '\n');
}

/* The edit script turning a into b: ' ' (both), '-' (only in a), '+'
 * (only in b). With `paired` (the fields of two records of one type) line
 * i of a stands against line i of b; otherwise the script comes from a
 * longest common subsequence of the middle that differs. ia/ib give each
 * step's line in a and in b. */
static uint32_t edit_script(const DiffLine *a, uint32_t na, const DiffLine *b, uint32_t nb, bool paired, char **ops,
                            uint32_t **ia, uint32_t **ib)
{
    uint32_t total = na + nb;
    char *op = rg_alloc_atomic(total + 1);
    uint32_t *xa = rg_alloc_atomic((total + 1) * sizeof *xa), *xb = rg_alloc_atomic((total + 1) * sizeof *xb);
    uint32_t pre = 0, post = 0, k = 0;
    *ops = op;
    *ia = xa;
    *ib = xb;
    if (paired) {
        for (uint32_t i = 0; i < na && i < nb; i++) {
            if (same_line(&a[i], &b[i])) {
                op[k] = ' ', xa[k] = i, xb[k] = i, k++;
                continue;
            }
            op[k] = '-', xa[k] = i, xb[k] = i, k++;
            op[k] = '+', xa[k] = i, xb[k] = i, k++;
        }
        return k;
    }
    while (pre < na && pre < nb && same_line(&a[pre], &b[pre]))
        pre++;
    while (post < na - pre && post < nb - pre && same_line(&a[na - 1 - post], &b[nb - 1 - post]))
        post++;
    uint32_t n = na - pre - post, m = nb - pre - post;
    for (uint32_t x = 0; x < pre; x++, k++)
        op[k] = ' ', xa[k] = x, xb[k] = x;
    uint32_t *lcs = NULL;
    if ((uint64_t)(n + 1) * (m + 1) <= DIFF_MAX_CELLS) {
        lcs = rg_alloc_atomic((size_t)(n + 1) * (m + 1) * sizeof *lcs);
        memset(lcs, 0, (size_t)(n + 1) * (m + 1) * sizeof *lcs);
    }
#define L(i, j) lcs[(size_t)(i) * (m + 1) + (j)]
    if (lcs)
        for (uint32_t i = n; i-- > 0;)
            for (uint32_t j = m; j-- > 0;)
                L(i, j) = same_line(&a[pre + i], &b[pre + j]) ? L(i + 1, j + 1) + 1
                          : L(i + 1, j) >= L(i, j + 1)        ? L(i + 1, j)
                                                              : L(i, j + 1);
    uint32_t i = 0, j = 0;
    while (i < n || j < m) {
        if (lcs && i < n && j < m && same_line(&a[pre + i], &b[pre + j]))
            op[k] = ' ', xa[k] = pre + i++, xb[k] = pre + j++;
        else if (i < n && (j == m || !lcs || L(i + 1, j) >= L(i, j + 1)))
            op[k] = '-', xa[k] = pre + i++, xb[k] = pre + j;
        else
            op[k] = '+', xa[k] = pre + i, xb[k] = pre + j++;
        k++;
    }
#undef L
    for (uint32_t x = 0; x < post; x++, k++)
        op[k] = ' ', xa[k] = na - post + x, xb[k] = nb - post + x;
    return k;
}

/* A list's elements or a record's fields, line by line, with unchanged
 * runs shortened to their context. */
static void diff_values(RgBuf *out, Value expected, Value actual)
{
    uint32_t na, nb;
    const DiffLine *a = diff_lines(expected, &na), *b = diff_lines(actual, &nb);
    char *op;
    uint32_t *ia, *ib;
    uint32_t k = edit_script(a, na, b, nb, expected.tag == V_RECORD, &op, &ia, &ib);
    uint32_t shown = 0, x = 0;
    while (x < k && shown < DIFF_MAX_LINES) {
        if (op[x] != ' ') {
            write_line(out, op[x], op[x] == '+' ? &b[ib[x]] : &a[ia[x]]);
            shown++;
            x++;
            continue;
        }
        /* An unchanged run: its first lines follow a change, its last ones
         * lead to the next. */
        uint32_t end = x;
        while (end < k && op[end] == ' ')
            end++;
        uint32_t lead = x == 0 ? 0 : DIFF_CONTEXT, trail = end == k ? 0 : DIFF_CONTEXT;
        if (end - x <= lead + trail + DIFF_CONTEXT) {
            lead = end - x;
            trail = 0;
        }
        for (uint32_t y = x; y < x + lead; y++, shown++)
            write_line(out, ' ', &a[ia[y]]);
        if (end - x > lead + trail) {
            buf_printf(out, DIFF_INDENT "  ... %u unchanged\n", end - x - lead - trail);
            shown++;
        }
        for (uint32_t y = end - trail; y < end; y++, shown++)
            write_line(out, ' ', &a[ia[y]]);
        x = end;
    }
    uint32_t more = 0;
    for (; x < k; x++)
        more += op[x] != ' ';
    if (more)
        buf_printf(out, DIFF_INDENT "  ... and %u more changed lines\n", more);
}

/* Columns a text's literal form takes, in code points. */
static size_t literal_width(const char *s, size_t n)
{
    RgBuf b;
    buf_init(&b);
    text_write_escaped(&b, s, n);
    return text_length(b.data ? b.data : "", b.len);
}

/* Both texts, with a caret under the first character where they part. */
static void diff_texts(RgBuf *out, Value expected, Value actual)
{
    const char *a = expected.as.s, *b = actual.as.s;
    size_t na = expected.aux, nb = actual.aux, same = 0, chars = 0;
    while (same < na && same < nb) {
        uint32_t ca, cb;
        int la = text_decode(a + same, &ca), lb = text_decode(b + same, &cb);
        if (ca != cb || la != lb)
            break;
        same += (size_t)la;
        chars++;
    }
    buf_adds(out, DIFF_INDENT "- ");
    value_write_literal(out, expected);
    buf_adds(out, "\n" DIFF_INDENT "+ ");
    value_write_literal(out, actual);
    /* Past the mark and the opening quote. */
    buf_printf(out, "\n" DIFF_INDENT "%*s^ differs from character %zu\n", (int)(3 + literal_width(a, same)), "",
               chars + 1);
}

/* What the expect's own line cannot show: which elements, fields or
 * characters differ. Nothing when the values are of kinds a diff does not
 * help with, or a side is an empty list (its line says it all). */
static void report_difference(RgBuf *out, Value expected, Value actual)
{
    bool lists = (expected.tag == V_LIST || expected.tag == V_SET) && expected.tag == actual.tag &&
                 expected.as.list->len && actual.as.list->len;
    bool records = expected.tag == V_RECORD && actual.tag == V_RECORD && expected.as.rec->type == actual.as.rec->type;
    bool texts = expected.tag == V_TEXT && actual.tag == V_TEXT;
    if (!lists && !records && !texts)
        return;
    buf_adds(out, DIFF_INDENT "difference (- expected, + actual):\n");
    if (texts)
        diff_texts(out, expected, actual);
    else
        diff_values(out, expected, actual);
}

/* ---- The report ------------------------------------------------------------ */

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

/* "93.5": the share in tenths of a percent, rounded down, so that a
 * coverage below the requirement never shows as reaching it. */
static void write_share(RgBuf *out, uint32_t covered, uint32_t rules)
{
    uint64_t tenths = (uint64_t)covered * 1000 / rules;
    buf_printf(out, "%llu.%llu", (unsigned long long)(tenths / 10), (unsigned long long)(tenths % 10));
}

TestResult test_run(const Program *p, const TestOptions *o, TestSummary *s)
{
    memset(s, 0, sizeof *s);
    Tester *t = rg_alloc(sizeof *t);
    t->p = p;
    t->o = o;
    buf_init(&t->out);
    buf_init(&t->problems);
    uint8_t *seen = rg_alloc_atomic(p->nrules + 1);
    memset(seen, 0, p->nrules + 1);
    const char **folded = fold_filters(o);
    uint32_t last_file = 0;
    for (uint32_t i = 0; i < p->ntests; i++) {
        const TestInfo *ti = &p->tests[i];
        if (!selected(o, folded, ti->name)) {
            s->filtered++;
            continue;
        }
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
        /* Memory that ran out is no verdict on the test: the run ends
         * with the out-of-memory error instead of a FAIL. */
        if (!ran && vm_error_kind(vm) == VM_ERROR_NOMEM)
            rg_throw(RG_EOOM);
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
            report_difference(&t->out, test.failures[k].expected, test.failures[k].actual);
        }
        if (!ran) {
            buf_adds(&t->out, "        ");
            diag_location(p->files, vm_error_span(vm), &t->out);
            buf_adds(&t->out, ": the test stopped with an error: ");
            /* A message of several lines (the problems of a folder's
             * exports) stays indented under its test. */
            for (const char *m = vm_error(vm); *m; m++) {
                buf_addc(&t->out, *m);
                if (*m == '\n' && m[1])
                    buf_adds(&t->out, "            ");
            }
            buf_addc(&t->out, '\n');
        }
        flush(t);
    }
    report_coverage(p, seen, o, t, s);
    buf_printf(&t->out, "%u passed, %u failed", s->passed, s->failed);
    if (o->nfilters)
        buf_printf(&t->out, ", %u filtered out", s->filtered);
    buf_addc(&t->out, '\n');
    /* A program without rules has nothing left uncovered. */
    bool low = s->rules && (double)s->covered * 100.0 < o->min_coverage * s->rules;
    if (low) {
        buf_printf(&t->out, "rule coverage %u of %u (", s->covered, s->rules);
        write_share(&t->out, s->covered, s->rules);
        buf_printf(&t->out, " %%) is below the required %.15g %%\n", o->min_coverage);
    }
    flush(t);
    return s->failed ? TEST_FAILED : low ? TEST_COVERAGE_LOW : TEST_PASSED;
}
