/*
 * check.h — loading modules, resolving names, and checking types.
 *
 * Input: policy files (and stdlib modules they import). Output: a Checked
 * program whose syntax trees are annotated with types and resolved
 * symbols, ready for the compiler. Every problem found becomes a
 * diagnostic; checking goes on after an error so that one run reports as
 * many as it can, and a file with syntax errors is reported but not
 * checked further (its half-parsed tree would only produce noise).
 */
#ifndef REGEL_CHECK_H
#define REGEL_CHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "ast.h"
#include "diag.h"
#include "strmap.h"
#include "types.h"

/* Expressions nest at most this deep. Real policies stay below 20; the
 * limit keeps the checker's and compiler's recursion far from the C
 * stack's end on any thread. */
#define CHECK_MAX_DEPTH 200
/* A function or decision has at most this many local values (named ones
 * and the compiler's loop counters together): slots are one-byte operands. */
#define CHECK_MAX_LOCALS 250
/* admitted_with counters in one queue: their numbers are one-byte operands. */
#define CHECK_MAX_COUNTERS 255
/* A file larger than this is refused rather than read: a 10,000-line
 * policy is about 400 KB. */
#define CHECK_MAX_FILE (16u * 1024u * 1024u)

typedef struct Module Module;

struct Module {
    const char *name;   /* module name as imported: file name without .regel */
    const char *path;   /* the path it was read from, or "<stdlib>/name.regel" */
    const char *dir;    /* folder for relative imports; NULL for the stdlib */
    uint32_t file;
    Node *ast;
    StrMap names;       /* own top-level declarations: name -> Symbol */
    Module **imports;
    size_t nimports;
    bool root;          /* named by the user (its decisions are run) */
    bool stdlib;
    bool repl;          /* typed in the REPL: sees every other module's names */
    const char *key;    /* its key among the loaded modules */
    bool imports_loaded, checked; /* a session checks modules as they come */
};

typedef enum SymKind {
    SYM_LOCAL,    /* let, parameter, decision subject, element, rule `for` variable */
    SYM_CONST,
    SYM_SOURCE,
    SYM_FN,
    SYM_DECISION,
    SYM_RECORD,
    SYM_ENUM,
    SYM_FORMAT,
    SYM_TODAY,    /* `today` */
    SYM_PASSED,   /* `passed`: no must-rule has failed so far */
    SYM_BUILTIN,  /* a native or special form (only in call position) */
    SYM_QUEUE,
    SYM_TABLE,
    SYM_QSTATE,   /* `admitted`, `position` inside a queue (slot says which) */
} SymKind;

typedef struct Symbol {
    SymKind kind;
    const char *name;
    Span span;          /* where it is declared */
    const Type *type;   /* the type of its value, when it has one */
    Node *decl;         /* the declaring node */
    Module *module;
    Node *owner;        /* SYM_LOCAL: the N_FN or N_DECISION whose frame holds it */
    int slot;           /* SYM_LOCAL: slot in the owner's frame */
    int seq;            /* SYM_LOCAL: declaration order in the owner */
    bool used;
} Symbol;

typedef struct Checked {
    SourceSet *files;
    Module **modules;
    size_t nmodules;
    Node **fns;          /* every checked function, callees before callers */
    size_t nfns;
    Node **decisions;    /* every checked decision (root ones are run) */
    size_t ndecisions;
    SourceSpec **sources;/* by N_SOURCE.index */
    Node **source_nodes;
    size_t nsources;
    Node **rules;        /* by N_RULE.index */
    size_t nrules;
    Node **consts;
    size_t nconsts;
    Node **queues;       /* by N_QUEUE.index */
    size_t nqueues;
    Node **tests;        /* by N_TEST.index, in file order */
    size_t ntests;
    RecordType **records;/* every record type a value can be built of, by number */
    size_t nrecords;
    RecordType *reason_type;      /* Reason {ref, severity, message} */
    RecordType *queue_entry_type; /* QueueEntry {position, admitted, ...} */
    const struct HostInfo **hosts;/* the host functions called, in order of first call */
    size_t nhosts;
} Checked;

/* A call of host function k (Checked.hosts[k]) has no sym, special -1 and
 * builtin CHECK_HOST_CALL(k); check_host_of gives k back, or -1 for any
 * other call. */
#define CHECK_HOST_CALL(k) (-2 - (int)(k))
static inline int check_host_of(const Node *call)
{
    return !call->u.call.sym && call->u.call.builtin <= -2 ? -2 - call->u.call.builtin : -1;
}


/* Loads and checks the given policy files (not folders) and everything
 * they import. Returns the program even when there were errors (see
 * diags->errors); the compiler must not be run then. */
Checked *check_files(SourceSet *files, const char *const *paths, size_t npaths, DiagList *diags);
/* The same for policy text that does not come from a file (the REPL, a
 * host): `name` is used in messages, imports are looked up in `dir` (or
 * only the stdlib when NULL). */
Checked *check_text(SourceSet *files, const char *name, const char *text, size_t len, const char *dir,
                    DiagList *diags);
/* check_files and check_text with the host functions a host gives
 * (program.h: HostInfo, checked and parsed by builtins.h: host_entry):
 * policies call them like built-ins; a policy's declaration of one of
 * their names is an error. */
Checked *check_files_with(SourceSet *files, const char *const *paths, size_t npaths, const struct HostInfo *hosts,
                          size_t nhosts, DiagList *diags);
Checked *check_text_with(SourceSet *files, const char *name, const char *text, size_t len, const char *dir,
                         const struct HostInfo *hosts, size_t nhosts, DiagList *diags);

/* ---------------------------------------------------------------- sessions
 *
 * The REPL's checking: a program that grows by loaded files, declarations
 * and bindings typed in, line by line. Each line is checked against what
 * is there; a line with errors leaves the session as it was. Earlier
 * record and enum types stay the same objects, so values computed before
 * (bindings, loaded exports) stay valid. */
typedef struct CheckSession CheckSession;

/* Every stdlib module is loaded; diags receives the problems of what
 * comes next (until changed with check_session_set_diags). */
CheckSession *check_session_new(SourceSet *files, DiagList *diags);
void check_session_set_diags(CheckSession *s, DiagList *diags);
/* Loads policy files (not folders) and what they import. */
bool check_session_load(CheckSession *s, const char *const *paths, size_t npaths);

typedef enum ReplLineKind { REPL_LINE_EXPR, REPL_LINE_LET, REPL_LINE_DECLS } ReplLineKind;

typedef struct ReplLine {
    bool ok;             /* no errors (then incomplete tells whether more text could help) */
    bool incomplete;     /* the text ended in the middle of something */
    ReplLineKind kind;
    Node *fn;            /* EXPR, LET: a function of no parameters whose body is the expression */
    const char *name;    /* LET: the name */
    const struct Type *type; /* EXPR, LET: the expression's type (the let's declared type if given) */
    Span at;             /* LET: where the name is bound (for messages about it later) */
} ReplLine;

/* Parses and checks text typed in the REPL (`name` is used in messages).
 * Declarations stay in the session; an expression or a let is checked as
 * a function `fn` that stays only until check_session_forget. */
ReplLine check_session_line(CheckSession *s, const char *name, const char *text, size_t len);
void check_session_forget(CheckSession *s);
/* Binds name to a value computed before, for the lines after. */
void check_session_bind(CheckSession *s, const char *name, Span at, const struct Type *t, const struct Value *v);
Checked *check_session_checked(const CheckSession *s);
/* The top-level names visible to the next line, with their kinds. */
void check_session_names(const CheckSession *s, void (*fn)(void *ctx, const char *name, SymKind kind), void *ctx);

/* The decision called name among the checked ones, or NULL. */
Node *checked_decision(const Checked *c, const char *name);
/* True when the decision is declared in a module the user named. */
bool checked_is_root(const Checked *c, const Node *decision);

/* A policy file's text as a host holds it (an editor's unsaved buffer). */
typedef struct CheckText {
    const char *path; /* where the file is, or would be: its imports are found from there */
    const char *text; /* NUL-terminated; kept by reference, so it must outlive the result */
    size_t len;
} CheckText;

/* check_files for files whose text is given instead of read: texts[0..nroots)
 * are the files the user named, the others files that they import (directly
 * or not). An import that names a file with the same real path as a text
 * gets the text, not what is on disk. Every text is loaded and checked
 * whether anything imports it or not, so pass only imported ones: the
 * language server learns which from a check without them. */
Checked *check_texts(SourceSet *files, const CheckText *texts, size_t ntexts, size_t nroots, DiagList *diags);

#endif
