/*
 * ast.h — the syntax tree the parser builds and the checker annotates.
 *
 * The parser's actions only call the constructors here. The checker then
 * fills in `type` on every expression and the resolution fields marked
 * "checker" below; the compiler reads both. Nodes are collector-owned and
 * never freed by hand.
 */
#ifndef REGEL_AST_H
#define REGEL_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "date.h"
#include "decimal.h"
#include "diag.h"

struct Type;
struct Symbol;
struct Value;

typedef enum NodeKind {
    /* expressions */
    N_INT,        /* i */
    N_DEC,        /* dec */
    N_TEXT,       /* text: a string literal without holes, or a literal piece */
    N_INTERP,     /* list: N_TEXT pieces and expressions, in order */
    N_BOOL,       /* b */
    N_NONE,
    N_DATE,       /* date */
    N_LIST,       /* list: the elements */
    N_NAME,       /* name */
    N_IT,         /* `it`: the element in a where/count/... argument */
    N_ELEM_FIELD, /* `.field` of the element; field.obj is NULL */
    N_FIELD,      /* field: obj.name, or obj?.name when safe */
    N_INDEX,      /* index: obj[index] */
    N_CALL,       /* call: name(args) */
    N_LAMBDA,     /* lambda: param => body (only as a call argument or after where) */
    N_NAMED_ARG,  /* named: name: value (only as a call argument) */
    N_WORD,       /* named: an enum's word, value its spelling in exports and display its
                     text in messages (N_TEXT or NULL) */
    N_UNARY,      /* op: op a */
    N_BINARY,     /* op: a op b */
    N_IF,         /* cond */
    N_WHERE,      /* where: list where pred */
    N_DURATION,   /* dur: amount unit */
    N_VALUE,      /* value: a value already computed (a REPL binding); `type` is set */
    /* types */
    N_TYPE,       /* type_ref */
    /* statements in decisions and function bodies */
    N_LET,        /* let */
    N_RULE,       /* rule */
    N_INCLUDE,    /* include */
    N_OUT_FIELD,  /* out_field: field name = value */
    N_OUTCOME,    /* outcome */
    N_OUTCOME_ARM,/* arm */
    /* declarations */
    N_IMPORT,     /* import */
    N_RECORD,     /* record */
    N_REC_FIELD,  /* rec_field */
    N_ENUM,       /* enum_decl */
    N_FORMAT,     /* format */
    N_OPTION,     /* option */
    N_SOURCE,     /* source */
    N_CONST,      /* constant */
    N_FN,         /* fn */
    N_PARAM,      /* param */
    N_DECISION,   /* decision */
    N_QUEUE,      /* queue */
    N_TABLE,      /* table */
    N_TABLE_ROW,  /* row */
    N_TEST,       /* test */
    N_GIVEN,      /* given */
    N_EXPECT,     /* expect */
    N_QUEUE_STATE,/* admitted, position, capacity inside a queue: qstate */
    N_MODULE,     /* module */
} NodeKind;

typedef enum Op {
    OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MOD,
    OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
    OP_AND, OP_OR, OP_NOT, OP_NEG,
    OP_IN, OP_NOT_IN,
    OP_COALESCE, /* a ?? b */
    OP_UNWRAP,   /* a! : a, which must not be none */
} Op;

typedef enum DurUnit { UNIT_DAYS, UNIT_WEEKS, UNIT_MONTHS, UNIT_YEARS } DurUnit;

typedef enum Severity { SEV_MUST, SEV_SHOULD, SEV_GUARD } Severity;

/* What a queue's admission rules can ask about the walk. */
enum { QSTATE_ADMITTED, QSTATE_POSITION, QSTATE_CAPACITY };

typedef struct Node Node;

typedef struct NodeList {
    Node **items;
    size_t len, cap;
} NodeList;

void nodes_push(NodeList *l, Node *n);

/* A name as written, with where it was written. */
typedef struct Ident {
    const char *name; /* NFC */
    Span span;
} Ident;

struct Node {
    NodeKind kind;
    Span span;
    const struct Type *type; /* checker: the expression's type */
    union {
        int64_t i;
        Decimal dec;
        Date date;
        bool b;
        struct {
            const char *s; /* NFC, may contain NUL */
            size_t n;
        } text;
        NodeList list;
        struct {
            const char *name;
            struct Symbol *sym; /* checker */
        } name;
        struct {
            Node *obj;          /* NULL for N_ELEM_FIELD */
            Ident field;
            bool safe;          /* ?. */
            int slot;           /* checker: the field's slot in its record */
            struct Symbol *elem;/* checker, N_ELEM_FIELD: the element it reads */
        } field;
        struct {
            Node *obj, *index;
        } index;
        struct {
            Ident callee;
            NodeList args;
            struct Symbol *sym; /* checker: the user function called, if any */
            int builtin;        /* checker: index in builtin_table, or -1 */
            int special;        /* checker: index in special_table, or -1 */
        } call;
        struct {
            Ident param;
            Node *body;
            struct Symbol *sym; /* checker: the parameter's local */
        } lambda;
        struct {
            Ident name;
            Node *value;
            Node *display;      /* N_WORD: `as "text"`, how text shows it, or NULL */
        } named;
        struct {
            Op op;
            Node *a, *b;
        } op;
        struct {
            Node *cond, *then, *els;
        } cond;
        struct {
            Node *list, *pred;
            struct Symbol *elem; /* checker: the element's local */
        } where;
        struct {
            Node *amount;
            DurUnit unit;
        } dur;
        struct {
            const struct Value *v;
        } value;
        struct {
            Ident name;
            NodeList args;  /* N_TYPE */
            bool optional;  /* T? */
        } type_ref;
        struct {
            Ident name;
            Node *type_ann;     /* N_TYPE or NULL */
            Node *value;
            struct Symbol *sym; /* checker */
        } let;
        struct {
            Severity severity;
            Ident ref;          /* A1, B2, F1x, DATA ... */
            Ident each;         /* for each: the variable, name NULL if none */
            Node *each_list;
            Node *cond;
            Node *message;
            int index;          /* checker: the rule's number in the program */
            struct Symbol *each_sym;
        } rule;
        struct {
            Ident decision;
            Node *arg;
            Node *target;       /* checker: the N_DECISION included */
        } include;
        struct {
            Ident name;
            Node *value;
        } out_field;
        struct {
            NodeList arms;      /* N_OUTCOME_ARM */
            bool short_form;    /* written `outcome ja | nej` */
        } outcome;
        struct {
            Ident word;
            Node *cond;         /* NULL for the last, unconditional arm */
        } arm;
        struct {
            Ident name;         /* bare module name, or NULL with path set */
            const char *path;   /* "file.regel" form */
            Span path_span;
            struct Module *module; /* checker */
        } import;
        struct {
            Ident name;
            NodeList fields;    /* N_REC_FIELD */
            struct RecordType *rt; /* checker */
        } record;
        struct {
            Ident name;
            Node *type_ann;     /* N_TYPE */
            const char *column; /* `from "Column"`, NULL = the field's name */
            Span column_span;
        } rec_field;
        struct {
            Ident name;
            NodeList words;     /* N_WORD */
            struct EnumType *et; /* checker */
        } enum_decl;
        struct {
            Ident name;
            Ident base;         /* csv or jsonl */
            NodeList options;   /* N_OPTION */
        } format;
        struct {
            Ident name;
            Node *value;        /* a literal or a name */
        } option;
        struct {
            Ident name;
            Node *type_ann;     /* N_TYPE: the record type */
            Ident format;       /* csv, jsonl, or a declared format */
            NodeList options;   /* N_OPTION written inline */
            const char *file;
            Span file_span;
            Ident key;          /* name NULL if none */
            int index;          /* checker: the source's number */
        } source;
        struct {
            Ident name;
            Node *type_ann;
            Node *value;
            struct Symbol *sym;
            bool checking, checked;
        } constant;
        struct {
            Ident name;
            NodeList params;    /* N_PARAM */
            Node *ret;          /* N_TYPE or NULL */
            NodeList lets;      /* N_LET before the result */
            Node *body;         /* the result expression */
            int index;          /* checker: the function's number */
            int nslots;         /* checker: local slots of its frame */
            struct Symbol *sym;
            bool checking;      /* checker: on the stack (recursion check) */
            bool checked;
        } fn;
        struct {
            Ident name;
            Node *type_ann;     /* N_TYPE */
            struct Symbol *sym; /* checker */
        } param;
        struct {
            Ident name;
            Ident subject;      /* for subject in ... */
            Node *over;         /* the list or source it runs over */
            Node *id;           /* `id expr` or NULL */
            NodeList body;      /* statements */
            int index;          /* checker */
            int nslots;         /* checker: local slots of its frame */
            struct Symbol *subject_sym;
            struct Module *module;
            struct RecordType *result_type; /* checker: the value of a call */
            struct EnumType *words;         /* checker: its outcome words */
            bool checking, checked;
        } decision;
        struct {
            Ident name;
            Ident subject;      /* for subject in ... */
            Node *over;         /* the elements */
            Node *by;           /* partition key, or NULL for one queue */
            NodeList order;     /* ordering keys, first first */
            Node *capacity;     /* places per partition, or NULL for no limit */
            NodeList body;      /* admission statements */
            int index;          /* checker */
            int nslots;
            struct Symbol *subject_sym;
            struct Module *module;
            NodeList counters;  /* checker: the admitted_with(...) calls, in order */
            struct RecordType *entry_type; /* checker */
            bool checking, checked;
        } queue;
        struct {
            Ident name;
            NodeList params;    /* N_PARAM */
            Node *ret;          /* N_TYPE */
            Ident hit;          /* first (default), all, unique */
            NodeList rows;      /* N_TABLE_ROW */
            int index;          /* checker: as a function */
            int nslots;
            struct Symbol *sym;
            bool checking, checked;
        } table;
        struct {
            Node *cond;         /* NULL for the else row */
            Node *value;
        } row;
        struct {
            const char *name;
            Span name_span;
            NodeList body;      /* N_LET, N_GIVEN, N_EXPECT */
            int index;          /* checker */
            int nslots;
            struct Module *module;
        } test;
        struct {
            Ident source;       /* a source, or `today`; name NULL with a folder */
            const char *folder; /* given "folder": exports read from there */
            Span folder_span;
            Node *value;
            int source_index;   /* checker; -1 for today or a folder */
        } given;
        struct {
            Node *cond;
            int index;          /* checker: the expectation's number */
        } expect;
        struct {
            int which;          /* QSTATE_ADMITTED, QSTATE_POSITION, QSTATE_CAPACITY */
        } qstate;
        struct {
            NodeList decls;
            NodeList comments;  /* N_TEXT nodes holding each comment */
            bool syntax_errors;
            Node *repl_expr;    /* parse_repl: the line was this expression */
            Node *repl_let;     /* parse_repl: the line was this let */
        } module;
    } u;
};

Node *node_new(NodeKind kind, Span span);
Node *node_int(Span span, int64_t v);
Node *node_dec(Span span, Decimal v);
Node *node_date(Span span, Date v);
Node *node_bool(Span span, bool v);
Node *node_text(Span span, const char *s, size_t n);
Node *node_name(Span span, const char *name);
Node *node_unary(Span span, Op op, Node *a);
Node *node_binary(Span span, Op op, Node *a, Node *b);
Node *node_field(Span span, Node *obj, Ident field, bool safe);
Ident ident(const char *name, Span span);

/* The direct children of n that are nodes, in source order. Returns how
 * many there are; fills at most max of them. */
size_t node_children(const Node *n, Node **out, size_t max);
/* Depth of the deepest path below n, found without recursion so that a
 * hostile nesting cannot overflow the C stack. Stops counting at limit+1. */
int node_depth(const Node *n, int limit);

const char *op_text(Op op);
const char *node_kind_name(NodeKind kind);

#endif
