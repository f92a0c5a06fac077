/*
 * regel.y — the grammar of the regel policy language.
 *
 * Actions only build syntax-tree nodes and attach spans; names, types and
 * every other check belong to the checker (src/check.c). Error recovery is
 * at declarations and at statements inside a decision, so one run reports
 * the syntax errors of every part of a file.
 *
 * The language reference with an EBNF summary is grammar/README.md; keep
 * the two in step.
 */
%require "3.8"
%define api.pure full
%define api.prefix {rg_yy}
%define api.location.type {Span}
%define parse.error custom
%define parse.lac full
%locations
%expect 0
%param {yyscan_t scanner}

%code requires {
#include <stdint.h>
#include "ast.h"
#ifndef YY_TYPEDEF_YY_SCANNER_T
#define YY_TYPEDEF_YY_SCANNER_T
typedef void *yyscan_t;
#endif
}

%code top {
#include "alloc.h"
/* The parser's stack holds tree pointers: keep it where the collector
 * looks, and bounded. */
#define YYMALLOC rg_alloc
#define YYFREE rg_free
}

%code {
#include <string.h>
#include "parse.h"
#include "scanner.h"
#include "text.h"

#define YYMAXDEPTH PARSE_MAX_STACK
#define PS (rg_yyget_extra(scanner))

#define YYLLOC_DEFAULT(Cur, Rhs, N)                                \
    do {                                                           \
        if (N) {                                                   \
            (Cur).file = YYRHSLOC(Rhs, 1).file;                    \
            (Cur).start = YYRHSLOC(Rhs, 1).start;                  \
            (Cur).end = YYRHSLOC(Rhs, N).end;                      \
        } else {                                                   \
            (Cur).file = YYRHSLOC(Rhs, 0).file;                    \
            (Cur).start = (Cur).end = YYRHSLOC(Rhs, 0).end;        \
        }                                                          \
    } while (0)

static void rg_yyerror(Span *loc, yyscan_t scanner, const char *msg);
static Ident id_of(const char *s, Span span) { return ident(s, span); }
static Node *mk(NodeKind k, Span s) { return node_new(k, s); }
/* The text a token covers, as written. */
static const char *source_text(const ParseState *st, Span s) { return rg_strndup(st->text + s.start, s.end - s.start); }
}

%union {
    int64_t i;
    Decimal dec;
    Date date;
    struct { const char *s; size_t n; } str;
    Node *node;
    NodeList list;
    Severity sev;
    Ident id;
}

%token END 0 "end of file"
%token IMPORT "import" RECORD "record" ENUM "enum" FORMAT "format"
%token SOURCE "source" FROM "from" AS "as" KEY "key" CONST "const" FN "fn"
%token DECISION "decision" FOR "for" IN "in" LET "let" MUST "must"
%token SHOULD "should" GUARD "guard" ELSE "else" INCLUDE "include"
%token FIELD "field" OUTCOME "outcome" IF "if" THEN "then" AND "and"
%token OR "or" NOT "not" NOT_IN "not in" WHERE "where" TRUE "true"
%token FALSE "false" NONE "none" IT "it" RETURN "return"
%token QUEUE "queue" BY "by" ORDER "order" CAPACITY "capacity" TABLE "table" TEST "test"
%token GIVEN "given" EXPECT "expect"
/* Never written: the scanner gives it first when the REPL parses a line. */
%token REPL_START "start of the line"
%token EQ "==" NE "!=" LE "<=" GE ">=" FAT_ARROW "=>" ARROW "->"
%token QDOT "?." QQ "??"
%token <i> INTEGER "integer" UNIT "unit"
%token <dec> DECIMAL "decimal"
%token <date> DATE "date"
%token <str> IDENT "name" STRING "text" STR_HEAD "start of text" STR_MID "middle of text" STR_TAIL "end of text"

%type <node> decl import record rec_field enum format option option_value source
%type <node> const fn param decision stmt let rule include out_field outcome arm
%type <node> queue opt_by opt_capacity table row test test_stmt word
%type <node> type expr primary postfix arg string opt_type_ann opt_ret opt_key_expr
%type <list> decls rec_fields words options option_list params param_list stmts lets
%type <list> arms args arg_list exprs expr_list holes type_args rows test_stmts
%type <sev> severity
%type <id> name opt_key field_name opt_hit
%type <str> opt_from opt_as

/* `xs where x => c` in a table row's condition: the arrow belongs to the
 * lambda (write the row as (xs where x) => v to mean the other). */
%precedence NAME_ALONE
%precedence FAT_ARROW
/* The else branch of an if reaches as far as it can:
 * if c then a else xs where p  is  if c then a else (xs where p). */
%precedence ELSE
%left WHERE
%left OR
%left AND
%precedence NOT
%nonassoc EQ NE '<' LE '>' GE IN NOT_IN
%right QQ
%left '+' '-'
%left '*' '/' '%'
%precedence UMINUS

%%

module
    : decls                     { Node *m = mk(N_MODULE, @$); m->u.module.decls = $1; PS->module = m; }
    | REPL_START repl_input
    ;

/* A line of the REPL: an expression, a let, or declarations. */
repl_input
    : expr                      { Node *m = mk(N_MODULE, @$); m->u.module.repl_expr = $1; PS->module = m; }
    | let                       { Node *m = mk(N_MODULE, @$); m->u.module.repl_let = $1; PS->module = m; }
    | decl decls                { Node *m = mk(N_MODULE, @$); memset(&m->u.module.decls, 0, sizeof m->u.module.decls);
                                  nodes_push(&m->u.module.decls, $1);
                                  for (size_t i = 0; i < $2.len; i++) nodes_push(&m->u.module.decls, $2.items[i]);
                                  PS->module = m; }
    ;

decls
    : %empty                    { memset(&$$, 0, sizeof $$); }
    | decls decl                { $$ = $1; nodes_push(&$$, $2); }
    | decls error               { $$ = $1; }
    ;

decl: import | record | enum | format | source | const | fn | decision | queue | table | test ;

name: IDENT                     { $$ = id_of($1.s, @1); } ;

/* A field may be called like a unit (a JSON key "year", a date's .month)
 * or like a keyword (a result's .outcome, a JSON key "key"): after a '.'
 * it can only be a field. */
field_name
    : name                      { $$ = $1; }
    | field_keyword             { $$ = id_of(source_text(PS, @1), @1); }
    ;

field_keyword
    : UNIT | OUTCOME | KEY | FIELD | ORDER | BY | CAPACITY | FORMAT | SOURCE | RECORD | ENUM
    | TABLE | TEST | GIVEN | EXPECT | QUEUE | IMPORT | DECISION | INCLUDE | LET | CONST | FN | RETURN
    | MUST | SHOULD | GUARD | THEN | AS
    ;

import
    : IMPORT name               { $$ = mk(N_IMPORT, @$); $$->u.import.name = $2; }
    | IMPORT STRING             { $$ = mk(N_IMPORT, @$); $$->u.import.path = $2.s; $$->u.import.path_span = @2; }
    ;

record
    : RECORD name '{' rec_fields '}'
                                { $$ = mk(N_RECORD, @$); $$->u.record.name = $2; $$->u.record.fields = $4; }
    ;

rec_fields
    : %empty                    { memset(&$$, 0, sizeof $$); }
    | rec_fields rec_field      { $$ = $1; nodes_push(&$$, $2); }
    | rec_fields ','            { $$ = $1; }
    ;

rec_field
    : field_name ':' type opt_from    { $$ = mk(N_REC_FIELD, @$); $$->u.rec_field.name = $1; $$->u.rec_field.type_ann = $3;
                                  $$->u.rec_field.column = $4.s; $$->u.rec_field.column_span = @4; }
    ;

opt_from
    : %empty                    { $$.s = NULL; $$.n = 0; }
    | FROM STRING               { $$ = $2; }
    ;

opt_as
    : %empty                    { $$.s = NULL; $$.n = 0; }
    | AS STRING                 { $$ = $2; }
    ;

enum
    : ENUM name '=' words       { $$ = mk(N_ENUM, @$); $$->u.enum_decl.name = $2; $$->u.enum_decl.words = $4; }
    ;

words
    : word                      { memset(&$$, 0, sizeof $$); nodes_push(&$$, $1); }
    | words '|' word            { $$ = $1; nodes_push(&$$, $3); }
    ;

/* The word as policies write it, and its spelling in exports when that is
 * not a name: SK_kurs from "SK-kurs". */
word
    : name opt_from opt_as      { $$ = mk(N_WORD, @$); $$->u.named.name = $1;
                                  $$->u.named.value = $2.s ? node_text(@2, $2.s, $2.n) : NULL;
                                  $$->u.named.display = $3.s ? node_text(@3, $3.s, $3.n) : NULL; }
    ;

format
    : FORMAT name '=' name '(' options ')'
                                { $$ = mk(N_FORMAT, @$); $$->u.format.name = $2; $$->u.format.base = $4; $$->u.format.options = $6; }
    ;

options
    : %empty                    { memset(&$$, 0, sizeof $$); }
    | option_list               { $$ = $1; }
    | option_list ','           { $$ = $1; }
    ;

option_list
    : option                    { memset(&$$, 0, sizeof $$); nodes_push(&$$, $1); }
    | option_list ',' option    { $$ = $1; nodes_push(&$$, $3); }
    ;

option
    : name ':' option_value     { $$ = mk(N_OPTION, @$); $$->u.option.name = $1; $$->u.option.value = $3; }
    ;

option_value
    : STRING                    { $$ = node_text(@1, $1.s, $1.n); }
    | INTEGER                   { $$ = node_int(@1, $1); }
    | TRUE                      { $$ = node_bool(@1, true); }
    | FALSE                     { $$ = node_bool(@1, false); }
    | name                      { $$ = node_name(@1, $1.name); }
    ;

source
    : SOURCE name ':' type FROM name STRING opt_key
                                { $$ = mk(N_SOURCE, @$); $$->u.source.name = $2; $$->u.source.type_ann = $4;
                                  $$->u.source.format = $6; $$->u.source.file = $7.s; $$->u.source.file_span = @7;
                                  $$->u.source.key = $8; }
    | SOURCE name ':' type FROM name '(' options ')' STRING opt_key
                                { $$ = mk(N_SOURCE, @$); $$->u.source.name = $2; $$->u.source.type_ann = $4;
                                  $$->u.source.format = $6; $$->u.source.options = $8;
                                  $$->u.source.file = $10.s; $$->u.source.file_span = @10; $$->u.source.key = $11; }
    ;

opt_key
    : %empty                    { $$ = id_of(NULL, @$); }
    | KEY name                  { $$ = $2; }
    ;

const
    : CONST name opt_type_ann '=' expr
                                { $$ = mk(N_CONST, @$); $$->u.constant.name = $2; $$->u.constant.type_ann = $3; $$->u.constant.value = $5; }
    ;

opt_type_ann
    : %empty                    { $$ = NULL; }
    | ':' type                  { $$ = $2; }
    ;

fn
    : FN name '(' params ')' opt_ret '=' expr
                                { $$ = mk(N_FN, @$); $$->u.fn.name = $2; $$->u.fn.params = $4; $$->u.fn.ret = $6; $$->u.fn.body = $8; }
    | FN name '(' params ')' opt_ret '{' lets RETURN expr '}'
                                { $$ = mk(N_FN, @$); $$->u.fn.name = $2; $$->u.fn.params = $4; $$->u.fn.ret = $6;
                                  $$->u.fn.lets = $8; $$->u.fn.body = $10; }
    ;

params
    : %empty                    { memset(&$$, 0, sizeof $$); }
    | param_list                { $$ = $1; }
    | param_list ','            { $$ = $1; }
    ;

param_list
    : param                     { memset(&$$, 0, sizeof $$); nodes_push(&$$, $1); }
    | param_list ',' param      { $$ = $1; nodes_push(&$$, $3); }
    ;

param
    : name ':' type             { $$ = mk(N_PARAM, @$); $$->u.param.name = $1; $$->u.param.type_ann = $3; }
    ;

opt_ret
    : %empty                    { $$ = NULL; }
    | ARROW type                { $$ = $2; }
    ;

lets
    : %empty                    { memset(&$$, 0, sizeof $$); }
    | lets let                  { $$ = $1; nodes_push(&$$, $2); }
    ;

decision
    : DECISION name FOR name IN expr opt_key_expr '{' stmts '}'
                                { $$ = mk(N_DECISION, @$); $$->u.decision.name = $2; $$->u.decision.subject = $4;
                                  $$->u.decision.over = $6; $$->u.decision.id = $7; $$->u.decision.body = $9; }
    ;

opt_key_expr
    : %empty                    { $$ = NULL; }
    | KEY expr                  { $$ = $2; }
    ;

queue
    : QUEUE name FOR name IN expr opt_by ORDER expr_list opt_capacity '{' stmts '}'
                                { $$ = mk(N_QUEUE, @$); $$->u.queue.name = $2; $$->u.queue.subject = $4;
                                  $$->u.queue.over = $6; $$->u.queue.by = $7; $$->u.queue.order = $9;
                                  $$->u.queue.capacity = $10; $$->u.queue.body = $12; }
    ;

opt_by
    : %empty                    { $$ = NULL; }
    | BY expr                   { $$ = $2; }
    ;

opt_capacity
    : %empty                    { $$ = NULL; }
    | CAPACITY expr             { $$ = $2; }
    ;

table
    : TABLE name '(' params ')' ARROW type opt_hit '{' rows '}'
                                { $$ = mk(N_TABLE, @$); $$->u.table.name = $2; $$->u.table.params = $4;
                                  $$->u.table.ret = $7; $$->u.table.hit = $8; $$->u.table.rows = $10; }
    ;

opt_hit
    : %empty                    { $$ = id_of(NULL, @$); }
    | name                      { $$ = $1; }
    ;

rows
    : row                       { memset(&$$, 0, sizeof $$); nodes_push(&$$, $1); }
    | rows ',' row              { $$ = $1; nodes_push(&$$, $3); }
    | rows ','                  { $$ = $1; }
    ;

row
    : expr FAT_ARROW expr       { $$ = mk(N_TABLE_ROW, @$); $$->u.row.cond = $1; $$->u.row.value = $3; }
    | ELSE FAT_ARROW expr       { $$ = mk(N_TABLE_ROW, @$); $$->u.row.value = $3; }
    ;

test
    : TEST STRING '{' test_stmts '}'
                                { $$ = mk(N_TEST, @$); $$->u.test.name = $2.s; $$->u.test.name_span = @2;
                                  $$->u.test.body = $4; }
    ;

test_stmts
    : %empty                    { memset(&$$, 0, sizeof $$); }
    | test_stmts test_stmt      { $$ = $1; nodes_push(&$$, $2); }
    | test_stmts error          { $$ = $1; }
    ;

test_stmt
    : let
    | GIVEN name '=' expr       { $$ = mk(N_GIVEN, @$); $$->u.given.source = $2; $$->u.given.value = $4; }
    | GIVEN STRING              { $$ = mk(N_GIVEN, @$); $$->u.given.source = id_of(NULL, @2);
                                  $$->u.given.folder = $2.s; $$->u.given.folder_span = @2; }
    | EXPECT expr               { $$ = mk(N_EXPECT, @$); $$->u.expect.cond = $2; }
    ;

stmts
    : %empty                    { memset(&$$, 0, sizeof $$); }
    | stmts stmt                { $$ = $1; nodes_push(&$$, $2); }
    | stmts error               { $$ = $1; }
    ;

stmt: let | rule | include | out_field | outcome ;

let
    : LET name opt_type_ann '=' expr
                                { $$ = mk(N_LET, @$); $$->u.let.name = $2; $$->u.let.type_ann = $3; $$->u.let.value = $5; }
    ;

rule
    : severity name expr ELSE expr
                                { $$ = mk(N_RULE, @$); $$->u.rule.severity = $1; $$->u.rule.ref = $2;
                                  $$->u.rule.each = id_of(NULL, @2); $$->u.rule.cond = $3; $$->u.rule.message = $5; }
    | severity name FOR name IN expr ':' expr ELSE expr
                                { $$ = mk(N_RULE, @$); $$->u.rule.severity = $1; $$->u.rule.ref = $2;
                                  $$->u.rule.each = $4; $$->u.rule.each_list = $6;
                                  $$->u.rule.cond = $8; $$->u.rule.message = $10; }
    ;

severity
    : MUST                      { $$ = SEV_MUST; }
    | SHOULD                    { $$ = SEV_SHOULD; }
    | GUARD                     { $$ = SEV_GUARD; }
    ;

include
    : INCLUDE name '(' expr ')' { $$ = mk(N_INCLUDE, @$); $$->u.include.decision = $2; $$->u.include.arg = $4; }
    ;

out_field
    : FIELD name '=' expr       { $$ = mk(N_OUT_FIELD, @$); $$->u.out_field.name = $2; $$->u.out_field.value = $4; }
    ;

outcome
    : OUTCOME name '|' name     {
                                  $$ = mk(N_OUTCOME, @$); $$->u.outcome.short_form = true;
                                  Node *a = mk(N_OUTCOME_ARM, @2); a->u.arm.word = $2; a->u.arm.cond = node_name(@2, "passed");
                                  Node *b = mk(N_OUTCOME_ARM, @4); b->u.arm.word = $4;
                                  nodes_push(&$$->u.outcome.arms, a); nodes_push(&$$->u.outcome.arms, b);
                                }
    | OUTCOME '{' arms '}'      { $$ = mk(N_OUTCOME, @$); $$->u.outcome.arms = $3; }
    ;

arms
    : name                      { memset(&$$, 0, sizeof $$); Node *a = mk(N_OUTCOME_ARM, @1); a->u.arm.word = $1; nodes_push(&$$, a); }
    | arm arms                  { memset(&$$, 0, sizeof $$); nodes_push(&$$, $1);
                                  for (size_t i = 0; i < $2.len; i++) nodes_push(&$$, $2.items[i]); }
    ;

arm
    : name IF expr              { $$ = mk(N_OUTCOME_ARM, @$); $$->u.arm.word = $1; $$->u.arm.cond = $3; }
    ;

type
    : name                      { $$ = mk(N_TYPE, @$); $$->u.type_ref.name = $1; }
    | name '<' type_args '>'    { $$ = mk(N_TYPE, @$); $$->u.type_ref.name = $1; $$->u.type_ref.args = $3; }
    | type '?'                  { $$ = $1; $$->u.type_ref.optional = true; $$->span = @$; }
    ;

type_args
    : type                      { memset(&$$, 0, sizeof $$); nodes_push(&$$, $1); }
    | type_args ',' type        { $$ = $1; nodes_push(&$$, $3); }
    ;

expr
    : postfix                   { $$ = $1; }
    | '-' expr %prec UMINUS     { $$ = node_unary(@$, OP_NEG, $2); }
    | NOT expr                  { $$ = node_unary(@$, OP_NOT, $2); }
    | expr '+' expr             { $$ = node_binary(@$, OP_ADD, $1, $3); }
    | expr '-' expr             { $$ = node_binary(@$, OP_SUB, $1, $3); }
    | expr '*' expr             { $$ = node_binary(@$, OP_MUL, $1, $3); }
    | expr '/' expr             { $$ = node_binary(@$, OP_DIV, $1, $3); }
    | expr '%' expr             { $$ = node_binary(@$, OP_MOD, $1, $3); }
    | expr EQ expr              { $$ = node_binary(@$, OP_EQ, $1, $3); }
    | expr NE expr              { $$ = node_binary(@$, OP_NE, $1, $3); }
    | expr '<' expr             { $$ = node_binary(@$, OP_LT, $1, $3); }
    | expr LE expr              { $$ = node_binary(@$, OP_LE, $1, $3); }
    | expr '>' expr             { $$ = node_binary(@$, OP_GT, $1, $3); }
    | expr GE expr              { $$ = node_binary(@$, OP_GE, $1, $3); }
    | expr IN expr              { $$ = node_binary(@$, OP_IN, $1, $3); }
    | expr NOT_IN expr          { $$ = node_binary(@$, OP_NOT_IN, $1, $3); }
    | expr AND expr             { $$ = node_binary(@$, OP_AND, $1, $3); }
    | expr OR expr              { $$ = node_binary(@$, OP_OR, $1, $3); }
    | expr QQ expr              { $$ = node_binary(@$, OP_COALESCE, $1, $3); }
    | IF expr THEN expr ELSE expr %prec ELSE
                                { $$ = mk(N_IF, @$); $$->u.cond.cond = $2; $$->u.cond.then = $4; $$->u.cond.els = $6; }
    | expr WHERE expr           { $$ = mk(N_WHERE, @$); $$->u.where.list = $1; $$->u.where.pred = $3; }
    | expr WHERE name FAT_ARROW expr %prec WHERE
                                { Node *l = mk(N_LAMBDA, span_join(@3, @5)); l->u.lambda.param = $3; l->u.lambda.body = $5;
                                  $$ = mk(N_WHERE, @$); $$->u.where.list = $1; $$->u.where.pred = l; }
    ;

postfix
    : primary                   { $$ = $1; }
    | postfix '.' field_name    { $$ = node_field(@$, $1, $3, false); }
    | postfix QDOT field_name   { $$ = node_field(@$, $1, $3, true); }
    | postfix '[' expr ']'      { $$ = mk(N_INDEX, @$); $$->u.index.obj = $1; $$->u.index.index = $3; }
    | postfix UNIT              { $$ = mk(N_DURATION, @$); $$->u.dur.amount = $1; $$->u.dur.unit = (DurUnit)$2; }
    | postfix '!'               { $$ = node_unary(@$, OP_UNWRAP, $1); }
    ;

primary
    : INTEGER                   { $$ = node_int(@1, $1); }
    | DECIMAL                   { $$ = node_dec(@1, $1); }
    | DATE                      { $$ = node_date(@1, $1); }
    | TRUE                      { $$ = node_bool(@1, true); }
    | FALSE                     { $$ = node_bool(@1, false); }
    | NONE                      { $$ = mk(N_NONE, @1); }
    | IT                        { $$ = mk(N_IT, @1); }
    | CAPACITY                  { $$ = mk(N_QUEUE_STATE, @1); $$->u.qstate.which = QSTATE_CAPACITY; }
    | string                    { $$ = $1; }
    | name %prec NAME_ALONE     { $$ = node_name(@1, $1.name); }
    | '.' field_name            { $$ = node_field(@$, NULL, $2, false); }
    | name '(' args ')'         { $$ = mk(N_CALL, @$); $$->u.call.callee = $1; $$->u.call.args = $3; }
    | UNIT '(' args ')'         { $$ = mk(N_CALL, @$); $$->u.call.callee = id_of(source_text(PS, @1), @1); $$->u.call.args = $3; }
    | '(' expr ')'              { $$ = $2; }
    | '[' exprs ']'             { $$ = mk(N_LIST, @$); $$->u.list = $2; }
    ;

string
    : STRING                    { $$ = node_text(@1, $1.s, $1.n); }
    | STR_HEAD holes STR_TAIL   {
                                  $$ = mk(N_INTERP, @$);
                                  nodes_push(&$$->u.list, node_text(@1, $1.s, $1.n));
                                  for (size_t i = 0; i < $2.len; i++) nodes_push(&$$->u.list, $2.items[i]);
                                  nodes_push(&$$->u.list, node_text(@3, $3.s, $3.n));
                                }
    ;

holes
    : expr                      { memset(&$$, 0, sizeof $$); nodes_push(&$$, $1); }
    | holes STR_MID expr        { $$ = $1; nodes_push(&$$, node_text(@2, $2.s, $2.n)); nodes_push(&$$, $3); }
    ;

args
    : %empty                    { memset(&$$, 0, sizeof $$); }
    | arg_list                  { $$ = $1; }
    | arg_list ','              { $$ = $1; }
    ;

arg_list
    : arg                       { memset(&$$, 0, sizeof $$); nodes_push(&$$, $1); }
    | arg_list ',' arg          { $$ = $1; nodes_push(&$$, $3); }
    ;

arg
    : expr                      { $$ = $1; }
    | name FAT_ARROW expr       { $$ = mk(N_LAMBDA, @$); $$->u.lambda.param = $1; $$->u.lambda.body = $3; }
    | name ':' expr             { $$ = mk(N_NAMED_ARG, @$); $$->u.named.name = $1; $$->u.named.value = $3; }
    ;

exprs
    : %empty                    { memset(&$$, 0, sizeof $$); }
    | expr_list                 { $$ = $1; }
    | expr_list ','             { $$ = $1; }
    ;

expr_list
    : expr                      { memset(&$$, 0, sizeof $$); nodes_push(&$$, $1); }
    | expr_list ',' expr        { $$ = $1; nodes_push(&$$, $3); }
    ;

%%

/* Tokens that can begin an expression: when the parser would accept any of
 * them, the message says "an expression" instead of listing them all. */
static bool starts_expression(yysymbol_kind_t k)
{
    switch (k) {
    case YYSYMBOL_INTEGER: case YYSYMBOL_DECIMAL: case YYSYMBOL_DATE: case YYSYMBOL_STRING:
    case YYSYMBOL_STR_HEAD: case YYSYMBOL_IDENT: case YYSYMBOL_TRUE: case YYSYMBOL_FALSE:
    case YYSYMBOL_NONE: case YYSYMBOL_IT: case YYSYMBOL_IF: case YYSYMBOL_NOT:
    case YYSYMBOL_UNIT: /* year(d) */
    case YYSYMBOL_CAPACITY: /* in a queue's rules */
        return true;
    default:
        return false;
    }
}

/* The name of a token in a message. The pieces of a text with holes are
 * one thing to a reader: after a hole's expression, what comes is '}'. */
static const char *describe(yysymbol_kind_t k)
{
    switch (k) {
    case YYSYMBOL_STR_MID:
    case YYSYMBOL_STR_TAIL:
        return "'}'";
    case YYSYMBOL_STR_HEAD:
        return "text";
    case YYSYMBOL_IDENT:
        return "a name";
    default:
        return yysymbol_name(k);
    }
}

/* Operators that may follow any complete expression: listed one by one
 * they drown the one token that matters, so they become "an operator". */
static bool is_operator(yysymbol_kind_t k, bool expression)
{
    /* '-', '(', '[' and '.' also begin expressions: when one is expected
     * they are part of "an expression". */

    switch (k) {
    case YYSYMBOL_IN: case YYSYMBOL_AND: case YYSYMBOL_OR: case YYSYMBOL_NOT_IN: case YYSYMBOL_WHERE:
    case YYSYMBOL_EQ: case YYSYMBOL_NE: case YYSYMBOL_LE: case YYSYMBOL_GE: case YYSYMBOL_QDOT:
    case YYSYMBOL_QQ:
        return true;
    case YYSYMBOL_UNIT: /* 3 months */
        return !expression;
    default: {
        const char *n = yysymbol_name(k);
        if (n[0] != '\'' || n[2] != '\'')
            return false;
        if (expression && strchr("-.[(", n[1]))
            return false;
        return strchr("<>+-*/%.[(!", n[1]) != NULL;
    }
    }
}

/* The operators of one non-associative level: a second one after a
 * complete comparison is what `1 < 2 < 3` trips on. */
static bool is_comparison(yysymbol_kind_t k)
{
    switch (k) {
    case YYSYMBOL_EQ: case YYSYMBOL_NE: case YYSYMBOL_LE: case YYSYMBOL_GE: case YYSYMBOL_IN: case YYSYMBOL_NOT_IN:
        return true;
    default: {
        const char *n = yysymbol_name(k);
        return n[0] == '\'' && (n[1] == '<' || n[1] == '>') && n[2] == '\'';
    }
    }
}

/* Whether the parser would take an arithmetic operator here, that is,
 * an expression has just ended. */
static bool expects_operator(const yysymbol_kind_t *expected, int n)
{
    for (int i = 0; i < n; i++) {
        const char *nm = yysymbol_name(expected[i]);
        if (nm[0] == '\'' && nm[1] == '+' && nm[2] == '\'')
            return true;
    }
    return false;
}

static int yyreport_syntax_error(const yypcontext_t *ctx, yyscan_t scanner)
{
    ParseState *st = PS;
    yysymbol_kind_t got = yypcontext_token(ctx);
    Span where = *yypcontext_location(ctx);
    if (got == YYSYMBOL_YYEOF)
        st->incomplete = true;
    /* The scanner already complained here; a second message would only
     * repeat it in other words. */
    if (st->last_error_at && st->last_error_at == where.start + 1)
        return 0;
    enum { MAX_EXPECTED = YYNTOKENS };
    yysymbol_kind_t expected[MAX_EXPECTED];
    int n = yypcontext_expected_tokens(ctx, expected, MAX_EXPECTED);

    RgBuf msg;
    buf_init(&msg);
    if (got == YYSYMBOL_YYEOF) {
        buf_printf(&msg, "unexpected end of file");
    } else if (where.end > where.start && where.end - where.start <= 30 && got != YYSYMBOL_STRING &&
               got != YYSYMBOL_STR_HEAD && got != YYSYMBOL_STR_MID && got != YYSYMBOL_STR_TAIL) {
        /* Quote what is there: "unexpected 'listade'" says more than a class. */
        buf_printf(&msg, "unexpected '%.*s'", (int)(where.end - where.start), st->text + where.start);
    } else {
        buf_printf(&msg, "unexpected %s", describe(got));
    }
    if (n > 0) {
        const char *names[MAX_EXPECTED];
        int k = 0;
        /* "an expression" when the parser would take one; a name alone is
         * not enough for that (record 5 wants a name, not an expression). */
        bool expression = false;
        for (int i = 0; i < n; i++)
            if (starts_expression(expected[i]) && expected[i] != YYSYMBOL_IDENT && expected[i] != YYSYMBOL_UNIT)
                expression = true;
        int operators = 0;
        for (int i = 0; i < n; i++)
            if (is_operator(expected[i], expression))
                operators++;
        for (int i = 0; i < n; i++) {
            if (expression && starts_expression(expected[i]))
                continue;
            if (!expression && expected[i] == YYSYMBOL_UNIT && operators > 3)
                continue;
            if (operators > 3 && is_operator(expected[i], expression))
                continue;
            const char *nm = describe(expected[i]);
            bool dup = false;
            for (int j = 0; j < k; j++)
                if (strcmp(names[j], nm) == 0)
                    dup = true;
            if (!dup)
                names[k++] = nm;
        }
        if (expression) {
            /* '(' '[' '-' '.' also start expressions; they are implied. */
            int m = 0;
            for (int j = 0; j < k; j++)
                if (strcmp(names[j], "'('") && strcmp(names[j], "'['") && strcmp(names[j], "'-'") &&
                    strcmp(names[j], "'.'"))
                    names[m++] = names[j];
            k = m;
            names[k++] = "an expression";
        }
        if (operators > 3)
            names[k++] = "an operator";
        buf_adds(&msg, ", expected ");
        for (int j = 0; j < k; j++) {
            if (j > 0)
                buf_adds(&msg, j == k - 1 ? " or " : ", ");
            buf_adds(&msg, names[j]);
        }
    }
    diag_error(st->diags, where, "%s", msg.data);
    /* A keyword where only a name fits (not any expression). */
    bool name_expected = false;
    for (int i = 0; i < n; i++)
        if (expected[i] == YYSYMBOL_IDENT)
            name_expected = true;
    for (int i = 0; i < n; i++)
        if (starts_expression(expected[i]) && expected[i] != YYSYMBOL_IDENT && expected[i] != YYSYMBOL_UNIT)
            name_expected = false;
    /* A keyword is a token whose name is its own spelling. */
    const char *tok = yysymbol_name(got);
    size_t toklen = strlen(tok);
    bool keyword = tok[0] >= 'a' && tok[0] <= 'z' && where.end - where.start == toklen &&
                   memcmp(st->text + where.start, tok, toklen) == 0;
    if (name_expected && keyword)
        diag_hint(st->diags, "'%s' is a keyword of the language and cannot be used as a name", tok);
    else if (is_comparison(got) && expects_operator(expected, n))
        diag_hint(st->diags, "comparisons do not chain: join them with and (a < b and b < c)");
    else if (where.end == where.start + 1 && st->text[where.start] == '!')
        diag_hint(st->diags, "write not, or != for inequality (a '!' after a value says it is there)");
    st->errors++;
    return 0;
}

static void rg_yyerror(Span *loc, yyscan_t scanner, const char *msg)
{
    ParseState *st = PS;
    if (strcmp(msg, "memory exhausted") == 0)
        diag_error(st->diags, *loc, "nesting is too deep (the parser's limit is %d levels)", PARSE_MAX_STACK);
    else
        diag_error(st->diags, *loc, "%s", msg);
    st->errors++;
}

static Node *parse_file(const SourceSet *sources, uint32_t file, DiagList *diags, bool *incomplete, bool repl)
{
    const SourceFile *f = sources_get(sources, file);
    ParseState *st = rg_alloc(sizeof *st);
    st->repl_start = repl;
    st->diags = diags;
    st->file = file;
    st->text = f->text;
    Span whole = {file, 0, (uint32_t)f->len};

    size_t bad;
    if (!text_valid_utf8(f->text, f->len, &bad)) {
        Span s = {file, (uint32_t)bad, (uint32_t)bad + 1};
        diag_error(diags, s, "the file is not valid UTF-8 (policy files are UTF-8 text)");
        Node *m = node_new(N_MODULE, whole);
        m->u.module.syntax_errors = true;
        if (incomplete)
            *incomplete = false;
        return m;
    }

    yyscan_t scanner;
    rg_yylex_init_extra(st, &scanner);
    rg_yy_scan_bytes(f->text, (int)f->len, scanner);
    rg_yyparse(scanner);
    rg_yylex_destroy(scanner);

    Node *m = st->module;
    if (!m)
        m = node_new(N_MODULE, whole);
    m->span = whole;
    m->u.module.comments = st->comments;
    m->u.module.syntax_errors = st->errors > 0;
    if (incomplete)
        *incomplete = st->incomplete;
    return m;
}

Node *parse_module(const SourceSet *sources, uint32_t file, DiagList *diags, bool *incomplete)
{
    return parse_file(sources, file, diags, incomplete, false);
}

Node *parse_repl(const SourceSet *sources, uint32_t file, DiagList *diags, bool *incomplete)
{
    return parse_file(sources, file, diags, incomplete, true);
}
