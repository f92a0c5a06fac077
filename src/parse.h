/*
 * parse.h — policy text to syntax tree: the entry point of the generated
 * scanner (grammar/regel.l) and parser (grammar/regel.y).
 */
#ifndef REGEL_PARSE_H
#define REGEL_PARSE_H

#include <stdbool.h>

#include "ast.h"
#include "buf.h"
#include "diag.h"

/* Interpolations nest ("a {f("b {x}")}") at most this deep: more is never
 * needed and the scanner keeps one counter per level. */
#define PARSE_MAX_INTERP_NESTING 16
/* The parser's stack; a 1 MB file of '(' stops here with a clean error
 * instead of growing memory for nothing. */
#define PARSE_MAX_STACK 10000

/* The state shared by the scanner and the parser of one file. */
typedef struct ParseState {
    DiagList *diags;
    uint32_t file;
    const char *text;  /* the file's text */
    uint32_t offset;   /* byte offset of the scanner in the file */
    /* string literal being scanned */
    RgBuf str;
    uint32_t str_start;
    bool str_had_hole;
    int holes;                                   /* open interpolations */
    int hole_braces[PARSE_MAX_INTERP_NESTING];   /* '{' open in each */
    uint32_t hole_start[PARSE_MAX_INTERP_NESTING]; /* where each opened */
    int str_holes;     /* holes open when the current text began */
    uint32_t last_error_at; /* offset of the scanner's last error + 1, 0 if none */
    NodeList comments;
    Node *module;
    bool incomplete;   /* the input ended where more was expected */
    bool repl_start;   /* give REPL_START first: parsing a line of the REPL */
    int errors;
} ParseState;

/* Parses file number `file` of sources. Always returns an N_MODULE (with
 * the declarations that parsed); errors go to diags and set
 * module->u.module.syntax_errors. *incomplete (may be NULL) tells the
 * REPL that the text ended in the middle of something. */
Node *parse_module(const SourceSet *sources, uint32_t file, DiagList *diags, bool *incomplete);
/* Parses a line (or lines) typed in the REPL: an expression (module
 * u.module.repl_expr), a `let` (repl_let), or declarations (decls). */
Node *parse_repl(const SourceSet *sources, uint32_t file, DiagList *diags, bool *incomplete);

#endif
