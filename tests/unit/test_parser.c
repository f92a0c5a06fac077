/*
 * test_parser.c — the grammar (grammar/regel.y): the syntax tree of every
 * declaration and statement, operator precedence as grammar/README.md
 * lists it, error recovery (every syntax error of a file reported, the
 * declarations after an error kept), the incomplete flag the REPL reads,
 * and hostile nesting.
 *
 * Expressions are compared as S-expressions printed from the tree.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "ast.h"
#include "parse.h"

static void setup(void)
{
    rg_alloc_init();
}

TestSuite(parser, .init = setup);

typedef struct Parsed {
    Node *module;
    DiagList *diags;
    SourceSet *files;
    bool incomplete;
} Parsed;

static Parsed parse_n(const char *text, size_t len)
{
    Parsed p;
    p.files = sources_new();
    uint32_t f = sources_add(p.files, "p.regel", rg_strndup(text, len), len);
    p.diags = diags_new(p.files);
    p.incomplete = false;
    p.module = parse_module(p.files, f, p.diags, &p.incomplete);
    cr_assert_not_null(p.module);
    cr_assert_eq(p.module->kind, N_MODULE);
    return p;
}

static Parsed parse(const char *text)
{
    return parse_n(text, strlen(text));
}

static const char *all_diags(const Parsed *p)
{
    RgBuf b;
    buf_init(&b);
    for (size_t i = 0; i < p->diags->count; i++) {
        long line, col;
        sources_position(p->files, p->diags->items[i].span.file, p->diags->items[i].span.start, &line, &col);
        buf_printf(&b, "%ld:%ld: %s\n", line, col, p->diags->items[i].message);
    }
    return b.data ? b.data : "(none)";
}

/* Parses text that must have no syntax error. */
static Parsed parse_ok(const char *text)
{
    Parsed p = parse(text);
    cr_assert_eq(p.diags->count, 0, "unexpected errors in\n%s\n%s", text, all_diags(&p));
    cr_assert(!p.module->u.module.syntax_errors);
    return p;
}

static Node *decl(const Parsed *p, size_t i)
{
    cr_assert_lt(i, p->module->u.module.decls.len, "there is no declaration %zu", i);
    return p->module->u.module.decls.items[i];
}

static const char *span_text(const Parsed *p, Span s)
{
    const SourceFile *f = sources_get(p->files, s.file);
    cr_assert_not_null(f);
    return rg_strndup(f->text + s.start, s.end - s.start);
}

/* ---------------------------------------------------------------- S-expressions */

static void sx(RgBuf *b, const Node *n);

static void sx_list(RgBuf *b, const NodeList *l)
{
    for (size_t i = 0; i < l->len; i++) {
        buf_addc(b, ' ');
        sx(b, l->items[i]);
    }
}

static void sx_type(RgBuf *b, const Node *t)
{
    buf_adds(b, t->u.type_ref.name.name);
    if (t->u.type_ref.args.len) {
        buf_addc(b, '<');
        for (size_t i = 0; i < t->u.type_ref.args.len; i++) {
            if (i)
                buf_addc(b, ',');
            sx_type(b, t->u.type_ref.args.items[i]);
        }
        buf_addc(b, '>');
    }
    if (t->u.type_ref.optional)
        buf_addc(b, '?');
}

static void sx(RgBuf *b, const Node *n)
{
    char tmp[64];
    if (!n) {
        buf_adds(b, "NULL");
        return;
    }
    switch (n->kind) {
    case N_INT: buf_printf(b, "%lld", (long long)n->u.i); break;
    case N_DEC: dec_format(n->u.dec, '.', tmp); buf_adds(b, tmp); buf_adds(b, "d"); break;
    case N_TEXT: buf_addc(b, '"'); buf_add(b, n->u.text.s, n->u.text.n); buf_addc(b, '"'); break;
    case N_INTERP: buf_adds(b, "(interp"); sx_list(b, &n->u.list); buf_addc(b, ')'); break;
    case N_BOOL: buf_adds(b, n->u.b ? "true" : "false"); break;
    case N_NONE: buf_adds(b, "none"); break;
    case N_DATE: date_format_iso(n->u.date, tmp); buf_adds(b, tmp); break;
    case N_LIST: buf_adds(b, "(list"); sx_list(b, &n->u.list); buf_addc(b, ')'); break;
    case N_NAME: buf_adds(b, n->u.name.name); break;
    case N_IT: buf_adds(b, "it"); break;
    case N_ELEM_FIELD: buf_printf(b, ".%s", n->u.field.field.name); break;
    case N_FIELD:
        buf_printf(b, "(%s ", n->u.field.safe ? "?." : ".");
        sx(b, n->u.field.obj);
        buf_printf(b, " %s)", n->u.field.field.name);
        break;
    case N_INDEX:
        buf_adds(b, "(index ");
        sx(b, n->u.index.obj);
        buf_addc(b, ' ');
        sx(b, n->u.index.index);
        buf_addc(b, ')');
        break;
    case N_CALL:
        buf_printf(b, "(call %s", n->u.call.callee.name);
        sx_list(b, &n->u.call.args);
        buf_addc(b, ')');
        break;
    case N_LAMBDA:
        buf_printf(b, "(=> %s ", n->u.lambda.param.name ? n->u.lambda.param.name : "_");
        sx(b, n->u.lambda.body);
        buf_addc(b, ')');
        break;
    case N_NAMED_ARG:
        buf_printf(b, "(: %s ", n->u.named.name.name);
        sx(b, n->u.named.value);
        buf_addc(b, ')');
        break;
    case N_UNARY:
        buf_adds(b, n->u.op.op == OP_NOT ? "(not " : "(neg ");
        sx(b, n->u.op.a);
        buf_addc(b, ')');
        break;
    case N_BINARY:
        buf_printf(b, "(%s ", op_text(n->u.op.op));
        sx(b, n->u.op.a);
        buf_addc(b, ' ');
        sx(b, n->u.op.b);
        buf_addc(b, ')');
        break;
    case N_IF:
        buf_adds(b, "(if ");
        sx(b, n->u.cond.cond);
        buf_addc(b, ' ');
        sx(b, n->u.cond.then);
        buf_addc(b, ' ');
        sx(b, n->u.cond.els);
        buf_addc(b, ')');
        break;
    case N_WHERE:
        buf_adds(b, "(where ");
        sx(b, n->u.where.list);
        buf_addc(b, ' ');
        sx(b, n->u.where.pred);
        buf_addc(b, ')');
        break;
    case N_DURATION: {
        static const char *const units[] = {"days", "weeks", "months", "years"};
        buf_adds(b, "(dur ");
        sx(b, n->u.dur.amount);
        buf_printf(b, " %s)", units[n->u.dur.unit]);
        break;
    }
    default: buf_printf(b, "<%s>", node_kind_name(n->kind)); break;
    }
}

static const char *sexpr(const Node *n)
{
    RgBuf b;
    buf_init(&b);
    sx(&b, n);
    return b.data;
}

/* The tree of the expression in `const X = <expr>`. */
static const char *expr_tree(const char *expr)
{
    RgBuf src;
    buf_init(&src);
    buf_printf(&src, "const X = %s\n", expr);
    Parsed p = parse_ok(src.data);
    cr_assert_eq(p.module->u.module.decls.len, 1);
    Node *c = decl(&p, 0);
    cr_assert_eq(c->kind, N_CONST);
    return sexpr(c->u.constant.value);
}

#define TREE(expr, want)                                                                 \
    do {                                                                                 \
        const char *got_ = expr_tree(expr);                                              \
        cr_expect_str_eq(got_, (want), "%s\n  parsed as %s\n  expected  %s", (expr), got_, (want)); \
    } while (0)

/* ---------------------------------------------------------------- declarations */

Test(parser, import_forms)
{
    Parsed p = parse_ok("import exporter\nimport \"delat/kurser.regel\"\n");
    Node *a = decl(&p, 0), *b = decl(&p, 1);
    cr_assert_eq(a->kind, N_IMPORT);
    cr_expect_str_eq(a->u.import.name.name, "exporter");
    cr_expect_null(a->u.import.path);
    cr_assert_eq(b->kind, N_IMPORT);
    cr_expect_null(b->u.import.name.name);
    cr_expect_str_eq(b->u.import.path, "delat/kurser.regel");
    cr_expect_str_eq(span_text(&p, b->u.import.path_span), "\"delat/kurser.regel\"");
    cr_expect_str_eq(span_text(&p, a->span), "import exporter");
}

Test(parser, record_with_types_and_columns)
{
    Parsed p = parse_ok("record Personal {\n"
                        "    hsa_id: Text from \"HSA-id\"\n"
                        "    specialitet: Text?,\n"
                        "    kurser: List<Kurs>\n"
                        "    m: Set<Text>?  year: Int\n"
                        "}\n");
    Node *r = decl(&p, 0);
    cr_assert_eq(r->kind, N_RECORD);
    cr_expect_str_eq(r->u.record.name.name, "Personal");
    cr_assert_eq(r->u.record.fields.len, 5);
    const char *names[] = {"hsa_id", "specialitet", "kurser", "m", "year"};
    const char *types[] = {"Text", "Text?", "List<Kurs>", "Set<Text>?", "Int"};
    for (size_t i = 0; i < 5; i++) {
        Node *f = r->u.record.fields.items[i];
        cr_assert_eq(f->kind, N_REC_FIELD);
        cr_expect_str_eq(f->u.rec_field.name.name, names[i]);
        RgBuf t;
        buf_init(&t);
        sx_type(&t, f->u.rec_field.type_ann);
        cr_expect_str_eq(t.data, types[i]);
    }
    Node *f0 = r->u.record.fields.items[0];
    cr_expect_str_eq(f0->u.rec_field.column, "HSA-id");
    cr_expect(strstr(span_text(&p, f0->u.rec_field.column_span), "\"HSA-id\""), "the column's span marks it");
    cr_expect_null(((Node *)r->u.record.fields.items[1])->u.rec_field.column);
}

Test(parser, enum_words)
{
    Parsed p = parse_ok("enum Bt = ej_aktuell | pagaende | klar");
    Node *e = decl(&p, 0);
    cr_assert_eq(e->kind, N_ENUM);
    cr_expect_str_eq(e->u.enum_decl.name.name, "Bt");
    cr_assert_eq(e->u.enum_decl.words.len, 3);
    Node *w = e->u.enum_decl.words.items[1];
    cr_assert_eq(w->kind, N_WORD);
    cr_expect_str_eq(w->u.named.name.name, "pagaende");
    cr_expect_null(w->u.named.value);
}

Test(parser, enum_words_with_export_spellings)
{
    Parsed p = parse_ok("enum Arrangor = Allmänläkarkurser | SK_kurs from \"SK-kurs\" | VGR_Akademin from \"VGR Akademin\"");
    Node *e = decl(&p, 0);
    cr_assert_eq(e->u.enum_decl.words.len, 3);
    cr_expect_null(e->u.enum_decl.words.items[0]->u.named.value);
    Node *w = e->u.enum_decl.words.items[2];
    cr_expect_str_eq(w->u.named.name.name, "VGR_Akademin");
    cr_assert_not_null(w->u.named.value);
    cr_expect_str_eq(w->u.named.value->u.text.s, "VGR Akademin");
}

Test(parser, format_with_options)
{
    Parsed p = parse_ok("format kalkylark = csv(separator: \";\", decimal: \",\", invalid: skip, n: 3, b: true,)");
    Node *f = decl(&p, 0);
    cr_assert_eq(f->kind, N_FORMAT);
    cr_expect_str_eq(f->u.format.name.name, "kalkylark");
    cr_expect_str_eq(f->u.format.base.name, "csv");
    cr_assert_eq(f->u.format.options.len, 5);
    const char *names[] = {"separator", "decimal", "invalid", "n", "b"};
    const char *values[] = {"\";\"", "\",\"", "skip", "3", "true"};
    for (size_t i = 0; i < 5; i++) {
        Node *o = f->u.format.options.items[i];
        cr_assert_eq(o->kind, N_OPTION);
        cr_expect_str_eq(o->u.option.name.name, names[i]);
        cr_expect_str_eq(sexpr(o->u.option.value), values[i]);
    }
}

Test(parser, source_forms)
{
    Parsed p = parse_ok("source vardcentraler: Vardcentral from kalkylark \"vardcentraler.csv\" key hsa_id\n"
                        "source st: StLakare from jsonl(invalid: skip) \"st.jsonl\"\n");
    Node *a = decl(&p, 0), *b = decl(&p, 1);
    cr_assert_eq(a->kind, N_SOURCE);
    cr_expect_str_eq(a->u.source.name.name, "vardcentraler");
    cr_expect_str_eq(a->u.source.type_ann->u.type_ref.name.name, "Vardcentral");
    cr_expect_str_eq(a->u.source.format.name, "kalkylark");
    cr_expect_eq(a->u.source.options.len, 0);
    cr_expect_str_eq(a->u.source.file, "vardcentraler.csv");
    cr_expect_str_eq(a->u.source.key.name, "hsa_id");
    cr_assert_eq(b->kind, N_SOURCE);
    cr_expect_str_eq(b->u.source.format.name, "jsonl");
    cr_expect_eq(b->u.source.options.len, 1);
    cr_expect_str_eq(b->u.source.file, "st.jsonl");
    cr_expect_null(b->u.source.key.name);
}

Test(parser, const_with_and_without_type)
{
    Parsed p = parse_ok("const A = 1_500\nconst B: List<Text> = [\"a\", \"b\",]\n");
    Node *a = decl(&p, 0), *b = decl(&p, 1);
    cr_assert_eq(a->kind, N_CONST);
    cr_expect_null(a->u.constant.type_ann);
    cr_expect_str_eq(sexpr(a->u.constant.value), "1500");
    cr_assert_not_null(b->u.constant.type_ann);
    cr_expect_str_eq(sexpr(b->u.constant.value), "(list \"a\" \"b\")");
}

Test(parser, fn_with_expression_body)
{
    Parsed p = parse_ok("fn specialister(vc: Vardcentral, n: Int,) -> List<Personal> =\n"
                        "    personal where .arbetsplats == vc.hsa_id\n");
    Node *f = decl(&p, 0);
    cr_assert_eq(f->kind, N_FN);
    cr_expect_str_eq(f->u.fn.name.name, "specialister");
    cr_assert_eq(f->u.fn.params.len, 2);
    Node *p0 = f->u.fn.params.items[0];
    cr_expect_eq(p0->kind, N_PARAM);
    cr_expect_str_eq(p0->u.param.name.name, "vc");
    cr_expect_str_eq(p0->u.param.type_ann->u.type_ref.name.name, "Vardcentral");
    cr_assert_not_null(f->u.fn.ret);
    cr_expect_eq(f->u.fn.lets.len, 0);
    cr_expect_str_eq(sexpr(f->u.fn.body), "(where personal (== .arbetsplats (. vc hsa_id)))");
}

Test(parser, fn_with_block_body)
{
    Parsed p = parse_ok("fn timmar(st: StLakare) {\n"
                        "    let grad = st.anstallning.tjanstgoringsgrad\n"
                        "    let h: Decimal = 4 * grad\n"
                        "    return h / 100\n"
                        "}\n");
    Node *f = decl(&p, 0);
    cr_assert_eq(f->kind, N_FN);
    cr_expect_null(f->u.fn.ret);
    cr_assert_eq(f->u.fn.lets.len, 2);
    Node *l0 = f->u.fn.lets.items[0], *l1 = f->u.fn.lets.items[1];
    cr_expect_eq(l0->kind, N_LET);
    cr_expect_str_eq(l0->u.let.name.name, "grad");
    cr_expect_null(l0->u.let.type_ann);
    cr_expect_str_eq(sexpr(l0->u.let.value), "(. (. st anstallning) tjanstgoringsgrad)");
    cr_assert_not_null(l1->u.let.type_ann);
    cr_expect_str_eq(sexpr(f->u.fn.body), "(/ h 100)");
}

Test(parser, fn_without_parameters)
{
    Parsed p = parse_ok("fn nu() = today");
    Node *f = decl(&p, 0);
    cr_expect_eq(f->u.fn.params.len, 0);
    cr_expect_str_eq(sexpr(f->u.fn.body), "today");
}

Test(parser, decision_with_every_statement)
{
    Parsed p = parse_ok("decision ytterligare_st for vc in vardcentraler where .aktiv key vc.hsa_id {\n"
                        "    outcome ja | nej\n"
                        "    include utbildningsvardcentral(vc)\n"
                        "    let st_lakare: Int = vc.st_antal + 1\n"
                        "    must B1 vc.listade >= 1500 * st_lakare else \"{vc.listade} listade\"\n"
                        "    should B3 true else \"s\"\n"
                        "    guard G1 vc.x != none else \"g\"\n"
                        "    must C1 for k in vc.kurser: k.klar else \"{k.namn}\"\n"
                        "    field antal = st_lakare\n"
                        "}\n");
    Node *d = decl(&p, 0);
    cr_assert_eq(d->kind, N_DECISION);
    cr_expect_str_eq(d->u.decision.name.name, "ytterligare_st");
    cr_expect_str_eq(d->u.decision.subject.name, "vc");
    cr_expect_str_eq(sexpr(d->u.decision.over), "(where vardcentraler .aktiv)");
    cr_expect_str_eq(sexpr(d->u.decision.id), "(. vc hsa_id)");
    NodeList *body = &d->u.decision.body;
    cr_assert_eq(body->len, 8);

    Node *o = body->items[0];
    cr_assert_eq(o->kind, N_OUTCOME);
    cr_expect(o->u.outcome.short_form);
    cr_assert_eq(o->u.outcome.arms.len, 2);
    Node *a0 = o->u.outcome.arms.items[0], *a1 = o->u.outcome.arms.items[1];
    cr_expect_str_eq(a0->u.arm.word.name, "ja");
    /* `outcome ja | nej` is `ja if passed`, else `nej`. */
    cr_expect_str_eq(sexpr(a0->u.arm.cond), "passed");
    cr_expect_str_eq(a1->u.arm.word.name, "nej");
    cr_expect_null(a1->u.arm.cond);

    Node *inc = body->items[1];
    cr_assert_eq(inc->kind, N_INCLUDE);
    cr_expect_str_eq(inc->u.include.decision.name, "utbildningsvardcentral");
    cr_expect_str_eq(sexpr(inc->u.include.arg), "vc");

    Node *let = body->items[2];
    cr_assert_eq(let->kind, N_LET);
    cr_expect_str_eq(let->u.let.type_ann->u.type_ref.name.name, "Int");

    Node *must = body->items[3];
    cr_assert_eq(must->kind, N_RULE);
    cr_expect_eq(must->u.rule.severity, SEV_MUST);
    cr_expect_str_eq(must->u.rule.ref.name, "B1");
    cr_expect_null(must->u.rule.each.name);
    cr_expect_str_eq(sexpr(must->u.rule.cond), "(>= (. vc listade) (* 1500 st_lakare))");
    cr_expect_str_eq(sexpr(must->u.rule.message), "(interp \"\" (. vc listade) \" listade\")");

    cr_expect_eq(((Node *)body->items[4])->u.rule.severity, SEV_SHOULD);
    cr_expect_eq(((Node *)body->items[5])->u.rule.severity, SEV_GUARD);

    Node *each = body->items[6];
    cr_assert_eq(each->kind, N_RULE);
    cr_expect_str_eq(each->u.rule.each.name, "k");
    cr_expect_str_eq(sexpr(each->u.rule.each_list), "(. vc kurser)");
    cr_expect_str_eq(sexpr(each->u.rule.cond), "(. k klar)");

    Node *fld = body->items[7];
    cr_assert_eq(fld->kind, N_OUT_FIELD);
    cr_expect_str_eq(fld->u.out_field.name.name, "antal");
    cr_expect_str_eq(sexpr(fld->u.out_field.value), "st_lakare");
}

Test(parser, outcome_block)
{
    Parsed p = parse_ok("decision d for x in xs {\n"
                        "    outcome { kraver_undantag if passed and undantag  ja if passed  nej }\n"
                        "}\n");
    Node *o = ((Node *)decl(&p, 0))->u.decision.body.items[0];
    cr_assert_eq(o->kind, N_OUTCOME);
    cr_expect(!o->u.outcome.short_form);
    cr_assert_eq(o->u.outcome.arms.len, 3);
    Node *a0 = o->u.outcome.arms.items[0];
    cr_expect_str_eq(a0->u.arm.word.name, "kraver_undantag");
    cr_expect_str_eq(sexpr(a0->u.arm.cond), "(and passed undantag)");
    cr_expect_null(((Node *)o->u.outcome.arms.items[2])->u.arm.cond);
}

Test(parser, if_in_a_rule)
{
    Parsed p = parse_ok("decision d for x in xs {\n"
                        "    must A1 if x > 1 then x < 5 else false else \"m\"\n"
                        "}\n");
    Node *r = ((Node *)decl(&p, 0))->u.decision.body.items[0];
    cr_assert_eq(r->kind, N_RULE);
    cr_expect_str_eq(sexpr(r->u.rule.cond), "(if (> x 1) (< x 5) false)");
    cr_expect_str_eq(sexpr(r->u.rule.message), "\"m\"");
}

Test(parser, declarations_in_any_order_with_spans)
{
    Parsed p = parse_ok("decision d for x in xs { outcome ja | nej }\nconst A = 1\nrecord R {}\n");
    cr_expect_eq(p.module->u.module.decls.len, 3);
    cr_expect_eq(decl(&p, 0)->kind, N_DECISION);
    cr_expect_eq(decl(&p, 1)->kind, N_CONST);
    cr_expect_eq(decl(&p, 2)->kind, N_RECORD);
    cr_expect_str_eq(span_text(&p, decl(&p, 1)->span), "const A = 1");
}

Test(parser, empty_file)
{
    Parsed p = parse_ok("");
    cr_expect_eq(p.module->u.module.decls.len, 0);
    cr_expect(!p.incomplete);
    p = parse_ok("# only a comment\n\n");
    cr_expect_eq(p.module->u.module.decls.len, 0);
}

/* ---------------------------------------------------------------- precedence */

Test(parser, logic_binds_looser_than_comparison)
{
    TREE("a or b and not c == d", "(or a (and b (not (== c d))))");
    TREE("not a and b", "(and (not a) b)");
    TREE("a and b or c and d", "(or (and a b) (and c d))");
}

Test(parser, where_binds_loosest)
{
    TREE("x where .a == 1 and .b", "(where x (and (== .a 1) .b))");
    TREE("x where y => y.a > 1 or y.b", "(where x (=> y (or (> (. y a) 1) (. y b))))");
    TREE("xs where it in ys", "(where xs (in it ys))");
}

Test(parser, coalesce_between_comparison_and_addition)
{
    TREE("a ?? b + 1", "(?? a (+ b 1))");
    TREE("a ?? b == c", "(== (?? a b) c)");
    /* ?? groups to the right. */
    TREE("a ?? b ?? c", "(?? a (?? b c))");
}

Test(parser, arithmetic)
{
    TREE("a + b * c", "(+ a (* b c))");
    TREE("a - b - c", "(- (- a b) c)");
    TREE("a / b % c", "(% (/ a b) c)");
    TREE("-a * b", "(* (neg a) b)");
    TREE("-(a + b)", "(neg (+ a b))");
    TREE("(a + b) * c", "(* (+ a b) c)");
}

Test(parser, in_and_not_in)
{
    TREE("a in b and c not in d", "(and (in a b) (not in c d))");
    TREE("not a in b", "(not (in a b))");
    TREE("x in [pagaende, klar]", "(in x (list pagaende klar))");
}

Test(parser, if_expression)
{
    TREE("if a then b else c + 1", "(if a b (+ c 1))");
    TREE("1 + (if a then b else c)", "(+ 1 (if a b c))");
    TREE("if a then if b then 1 else 2 else 3", "(if a (if b 1 2) 3)");
}

Test(parser, else_branch_reaches_over_where)
{
    /* Written to pick a filtered list in each branch; the filter belongs
     * to the else branch, not to the whole if. */
    const char *got = expr_tree("if v then xs where .a else xs where .b");
    cr_expect(strncmp(got, "(if v", 5) == 0, "parsed as %s", got);
    cr_expect(strstr(got, "(where xs") != NULL && strstr(got, ".b") != NULL, "parsed as %s", got);
    cr_expect(got[strlen(got) - 2] != ')' || strstr(got, "(if") == got, "parsed as %s", got);
}

Test(parser, postfix_chains)
{
    TREE("a.b?.c[0].d", "(. (index (?. (. a b) c) 0) d)");
    TREE("src[k]?.namn ?? \"-\"", "(?? (?. (index src k) namn) \"-\")");
    TREE("3 months", "(dur 3 months)");
    TREE("d + 1 year - 2 weeks", "(- (+ d (dur 1 years)) (dur 2 weeks))");
    TREE("(n + 1) days", "(dur (+ n 1) days)");
    TREE("p.start.year", "(. (. p start) year)");
}

Test(parser, calls_with_element_arguments)
{
    TREE("count(s, .handledare)", "(call count s .handledare)");
    TREE("any(katalog, k2 => subset_of(a, k2))", "(call any katalog (=> k2 (call subset_of a k2)))");
    TREE("f(x: 1, 2,)", "(call f (: x 1) 2)");
    TREE("f()", "(call f)");
    TREE("sum(xs, it * 2)", "(call sum xs (* it 2))");
}

Test(parser, literals)
{
    TREE("[1, 2.50, 2026-02-28, \"t\", true, false, none]", "(list 1 2.5d 2026-02-28 \"t\" true false none)");
    TREE("[]", "(list)");
    TREE("\"a{x}b{y}c\"", "(interp \"a\" x \"b\" y \"c\")");
}

Test(parser, comparisons_do_not_chain)
{
    Parsed p = parse("const X = a < b < c\n");
    cr_expect_gt(p.diags->count, 0);
    cr_expect(p.module->u.module.syntax_errors);
}

Test(parser, node_spans_cover_the_expression)
{
    Parsed p = parse_ok("const X = a + b * c\n");
    Node *v = decl(&p, 0)->u.constant.value;
    cr_expect_str_eq(span_text(&p, v->span), "a + b * c");
    cr_expect_str_eq(span_text(&p, v->u.op.b->span), "b * c");
}

/* ---------------------------------------------------------------- errors */

Test(parser, every_syntax_error_is_reported)
{
    Parsed p = parse("const A = )\n"
                     "record R { x: Int }\n"
                     "const C = * 2\n"
                     "decision d for x in xs {\n"
                     "    outcome ja | nej\n"
                     "    must A1 x > else \"m\"\n"
                     "    let y = 2\n"
                     "    must A2 y == else \"m\"\n"
                     "}\n"
                     "const D = 3\n");
    cr_expect(p.module->u.module.syntax_errors);
    cr_assert_eq(p.diags->count, 4, "%s", all_diags(&p));
    long lines[] = {1, 3, 6, 8};
    for (size_t i = 0; i < 4; i++) {
        long line, col;
        sources_position(p.files, p.diags->items[i].span.file, p.diags->items[i].span.start, &line, &col);
        cr_expect_eq(line, lines[i], "error %zu on line %ld: %s", i, line, p.diags->items[i].message);
    }
    cr_expect(strstr(p.diags->items[0].message, "unexpected ')'"), "%s", p.diags->items[0].message);
    cr_expect(strstr(p.diags->items[0].message, "expected an expression"), "%s", p.diags->items[0].message);
    cr_expect(!p.incomplete);
}

Test(parser, declarations_after_an_error_are_kept)
{
    Parsed p = parse("const A = )\n"
                     "record R { x: Int }\n"
                     "decision d for x in xs {\n"
                     "    must A1 x > else \"m\"\n"
                     "    let y = 2\n"
                     "    outcome ja | nej\n"
                     "}\n"
                     "const D = 3\n");
    cr_expect(p.module->u.module.syntax_errors);
    bool record = false, decision = false, d_const = false;
    Node *dec = NULL;
    for (size_t i = 0; i < p.module->u.module.decls.len; i++) {
        Node *n = p.module->u.module.decls.items[i];
        if (n->kind == N_RECORD && strcmp(n->u.record.name.name, "R") == 0)
            record = true;
        if (n->kind == N_DECISION) {
            decision = true;
            dec = n;
        }
        if (n->kind == N_CONST && strcmp(n->u.constant.name.name, "D") == 0)
            d_const = true;
    }
    cr_expect(record, "the record after the broken const is parsed");
    cr_expect(decision, "the decision is parsed");
    cr_expect(d_const, "the const after the decision is parsed");
    cr_assert_not_null(dec);
    /* Statements after the broken one are kept too. */
    bool let = false, outcome = false;
    for (size_t i = 0; i < dec->u.decision.body.len; i++) {
        Node *s = dec->u.decision.body.items[i];
        let |= s->kind == N_LET;
        outcome |= s->kind == N_OUTCOME;
    }
    cr_expect(let && outcome);
}

Test(parser, error_names_what_was_expected)
{
    Parsed p = parse("record R { x Int }\n");
    cr_assert_geq(p.diags->count, 1);
    cr_expect(strstr(p.diags->items[0].message, "expected ':'"), "%s", p.diags->items[0].message);
}

Test(parser, keyword_as_a_name_is_explained)
{
    Parsed p = parse("const test = 1\n");
    cr_assert_geq(p.diags->count, 1);
    cr_expect(strstr(p.diags->items[0].message, "unexpected 'test', expected a name"), "%s", p.diags->items[0].message);
    cr_expect(p.diags->items[0].hint && strstr(p.diags->items[0].hint, "keyword"), "%s",
              p.diags->items[0].hint ? p.diags->items[0].hint : "(no hint)");
}

Test(parser, incomplete_at_end_of_input)
{
    const char *unfinished[] = {
        "decision d for x in xs {\n    outcome ja | nej\n",
        "const A = (1 +",
        "const A = ",
        "fn f(x: Int",
        "record R {",
        "const A = if a then b",
    };
    for (size_t i = 0; i < sizeof unfinished / sizeof unfinished[0]; i++) {
        Parsed p = parse(unfinished[i]);
        cr_expect(p.incomplete, "\"%s\" should be incomplete", unfinished[i]);
        cr_expect(p.module->u.module.syntax_errors);
    }
}

Test(parser, complete_input_is_not_incomplete)
{
    const char *done[] = {
        "const A = 1",
        "const A = )\nconst B = 2\n", /* an error, but not at the end */
        "",
    };
    for (size_t i = 0; i < sizeof done / sizeof done[0]; i++) {
        Parsed p = parse(done[i]);
        cr_expect(!p.incomplete, "\"%s\" is not incomplete", done[i]);
    }
}

Test(parser, a_megabyte_of_open_parentheses_fails_cleanly)
{
    size_t n = 1024 * 1024;
    char *src = malloc(n + 16);
    memcpy(src, "const X = ", 10);
    memset(src + 10, '(', n);
    src[10 + n] = '\0';
    clock_t t0 = clock();
    Parsed p = parse_n(src, 10 + n);
    double secs = (double)(clock() - t0) / CLOCKS_PER_SEC;
    free(src);
    cr_expect(p.module->u.module.syntax_errors);
    cr_assert_eq(p.diags->count, 1, "one error, not one per parenthesis:\n%.500s", all_diags(&p));
    cr_expect(strstr(p.diags->items[0].message, "nesting is too deep"), "%s", p.diags->items[0].message);
    cr_expect_lt(secs, 5.0, "took %.2f s", secs);
}

Test(parser, deep_but_allowed_nesting_parses)
{
    RgBuf b;
    buf_init(&b);
    buf_adds(&b, "const X = ");
    for (int i = 0; i < 500; i++)
        buf_addc(&b, '(');
    buf_addc(&b, '1');
    for (int i = 0; i < 500; i++)
        buf_addc(&b, ')');
    Parsed p = parse_ok(b.data);
    cr_expect_str_eq(sexpr(decl(&p, 0)->u.constant.value), "1");
}
