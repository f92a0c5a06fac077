/*
 * query.h — questions about a place in a checked module, asked by the
 * language server: what the text at an offset is, where that is declared,
 * which names are visible there, what fields a value of a type has, and
 * where a local name is used.
 *
 * Everything here reads the syntax tree as the checker left it (types on
 * expressions, resolved symbols); nothing parses or checks again. A module
 * with syntax errors has a tree but no annotations: queries on it still
 * find declarations, not types. Offsets are bytes into the module's file.
 */
#ifndef REGEL_QUERY_H
#define REGEL_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "check.h"

/* How deep the walk from a module down to the node at an offset goes. The
 * checker refuses expressions nested deeper than CHECK_MAX_DEPTH; the
 * declarations and statements around them add a few levels. A tree that
 * is deeper (a file with syntax errors) is answered from this depth. */
#define QUERY_MAX_DEPTH (CHECK_MAX_DEPTH + 16)

typedef enum QueryKind {
    QUERY_NOTHING,  /* white space, a keyword, a comment ... */
    QUERY_EXPR,     /* an expression that names nothing of its own: node (its type is node->type) */
    QUERY_SYMBOL,   /* a name, where it is used or declared: sym */
    QUERY_FIELD,    /* field `field` of record type `rec`: a use (x.f, .f, R(f: ...), key f) or the declaration */
    QUERY_WORD,     /* word `word` of enum type `enm` (bare, qualified, or its declaration) */
    QUERY_MODULE,   /* an import: module */
    QUERY_RULE,     /* a rule's reference (A1, B2): node is the N_RULE */
    QUERY_BUILTIN,  /* a built-in function: builtin or special */
} QueryKind;

typedef struct QueryHit {
    QueryKind kind;
    Span span;            /* the name, or the expression, that holds the offset */
    Node *node;           /* the innermost node around the offset; NULL between declarations */
    Node *owner;          /* the top-level declaration around the offset, or NULL */
    Symbol *sym;
    const Type *object;   /* in the name after a '.': the type of the value the field is read from,
                             also when it has no such field (NULL when unknown) */
    const RecordType *rec;
    int field;
    const EnumType *enm;
    int word;
    Module *module;
    int builtin;          /* index of the first overload in builtin_table, or -1 */
    int special;          /* index in special_table, or -1 */
} QueryHit;

/* What is at byte offset `offset` of module m. An offset just after a name
 * (where a cursor stands when the name was typed) counts as in it. */
QueryHit query_at(Module *m, uint32_t offset);

/* Where what the hit names is declared: a span in c->files, or one with
 * file 0 when it has no declaration in a policy (a built-in). For a
 * module, the start of its file. */
Span query_definition(const Checked *c, const QueryHit *h);

/* A top-level name visible in m: its own declaration, else the first
 * import's that has it; NULL when none. */
Symbol *query_lookup(const Module *m, const char *name);

/* The declaration of a record type or of an enum word among c's modules;
 * NULL for types the language makes (decision results, queue entries). */
Node *query_record_decl(const Checked *c, const RecordType *rt);
Node *query_word_decl(const Checked *c, const EnumType *et, int word);

/* The module whose file holds a span, or NULL. */
Module *query_module_of(const Checked *c, uint32_t file);

/* The comment lines right above a declaration, without their '#', joined
 * with newlines; NULL when there are none. */
const char *query_doc_comment(const Checked *c, const Node *decl);

/* Calls fn once for each name visible at offset: locals (innermost first;
 * a name hidden by an inner one is left out), then m's top-level names,
 * then its imports', then the values the language gives there (today,
 * passed in a decision or queue, admitted and position in a queue). sym is
 * NULL for those last ones. Built-in functions are not included. */
typedef void (*QueryNameFn)(void *ctx, const char *name, const Symbol *sym, const Type *type);
void query_scope(Module *m, uint32_t offset, QueryNameFn fn, void *ctx);

/* Calls fn for each field a value of type t (optional or not) has: a
 * record's fields (def set), a date's, period's or duration's parts (def
 * NULL). Nothing for other types. */
typedef void (*QueryFieldFn)(void *ctx, const char *name, const Type *type, const FieldDef *def);
void query_fields(const Type *t, QueryFieldFn fn, void *ctx);

/* The type the place at offset should have, as its surroundings tell: the
 * other side of a comparison, the left side of `in` for an element of the
 * list on its right, a record field given by name, a let's declared type.
 * NULL when nothing tells. Used to offer enum words. */
const Type *query_expected(Module *m, uint32_t offset);

/* The spans of m where the local sym is named: its declaration first, then
 * every use. Returns how many (0 when sym is not a local of m that was
 * declared by name). */
size_t query_local_spans(Module *m, const Symbol *sym, Span **out);

/* True when some name used in node n is written `name`. */
bool query_uses_name(Node *n, const char *name);

#endif
