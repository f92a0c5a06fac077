/*
 * builtins.h — the functions every policy can call without importing.
 *
 * Two kinds:
 *  - natives: plain functions on values, listed once in builtin_table with
 *    a signature the checker reads ("(Period, Date) -> Bool"; T and U are
 *    type variables, Num is Int or Decimal, Coll<T> is a List<T> or a
 *    Set<T>). A name may appear several times (overloads); the checker
 *    takes the first entry whose parameters fit.
 *  - special forms (count, sum, min, max, any, all, map, sort_by): they
 *    take an element expression (`.field`, `it`, or `x => ...`) and are
 *    compiled to loops, so they are listed in special_table for the
 *    checker, the REPL and the language server, but have no C function.
 */
#ifndef REGEL_BUILTINS_H
#define REGEL_BUILTINS_H

#include <stdbool.h>
#include <stddef.h>

#include "program.h"
#include "regel.h"
#include "value.h"

typedef struct NativeCtx {
    const char *error; /* set (English or Swedish text) when a native fails */
} NativeCtx;

/* Returns false after setting ctx->error; *out is then undefined. The
 * checker guarantees argument types, but natives still check the tags of
 * anything they dereference: bytecode can come from a file. */
typedef bool (*NativeFn)(NativeCtx *ctx, const Value *args, Value *out);

typedef struct Builtin {
    const char *name;
    const char *sig;
    NativeFn fn;
    const char *doc;
} Builtin;

extern const Builtin builtin_table[];
extern const size_t builtin_count;

typedef enum SpecialForm {
    SPECIAL_COUNT,
    SPECIAL_SUM,
    SPECIAL_MIN,
    SPECIAL_MAX,
    SPECIAL_ANY,
    SPECIAL_ALL,
    SPECIAL_MAP,
    SPECIAL_SORT_BY,
    SPECIAL_FIRST_WHERE,
} SpecialForm;

typedef struct Special {
    const char *name;
    SpecialForm form;
    const char *doc;
} Special;

extern const Special special_table[];
extern const size_t special_count;

/* ---------------------------------------------------------------- host functions
 *
 * Functions a host gives (regel.h: regel_host_function): a name, a
 * signature over Bool, Int, Decimal, Text, Date and their optionals, and a
 * C function. The checker resolves calls to them (check_files_with), the
 * compiler emits HOST with their number in Program.hosts, and the VM calls
 * host_call. */

#define HOST_MAX_PARAMS 16

/* Parses a host signature into h's params, nparams, result and sig (the
 * signature normalised: "(Text, Int?) -> Bool"). NULL, or what is wrong
 * with it, in words for the host. */
const char *host_signature(const char *sig, HostInfo *h);
/* NULL when name can be a host function's (an identifier that no
 * built-in has), else why not. */
const char *host_name_problem(const char *name);
/* Checks one entry of a host's table (name, signature, function) and
 * fills h from it. NULL, or what is wrong ("host function 'x': ..."). */
const char *host_entry(const regel_host_function *f, HostInfo *h);
/* Binds each of hosts[0..n) to the entry of the host's table with its
 * name and signature. NULL, or why not (a bad entry, a function missing
 * or declared otherwise). */
const char *host_bind(HostInfo *hosts, uint32_t n, const regel_host_function *table, size_t ntable);

/* One call in progress (regel_host_call of regel.h; api.c reads and sets
 * it through the regel_host_* functions). */
struct regel_host_call {
    const HostInfo *host;
    const Value *args;
    uint32_t argc;
    Value result;
    bool returned;      /* a regel_host_return_* was called */
    const char *bad;    /* why the result given cannot be used */
    const char *failed; /* regel_host_fail's message */
    int thrown;         /* a setter's allocation unwound with this code: the VM gets it after the call */
};

/* Calls host function h with args (as many as its parameters). NULL with
 * *out its result, checked against the declared type; else the error of
 * the evaluation. Running out of memory or past the memory limit in the
 * host's setters unwinds (rg_throw) once the host function has returned. */
const char *host_call(const HostInfo *h, const Value *args, uint32_t argc, Value *out);

/* -1 when name is not a special form. */
int special_find(const char *name);
/* First index of a native called name at or after `from`, or -1. */
int builtin_find(const char *name, size_t from);

#endif
